/* test_core.c - counters, bytes, peak, implicit frees, UNTRACK edge cases, NULL arguments,
 * string copies, type names, events and hotspots of a single-threaded tracker. */
#define _GNU_SOURCE
/* A user type named by _Generic (declared before the include so the list can name it). */
struct node {
    int value;
    struct node *next;
};
struct not_listed {
    int x;
};
#define MEMSCOPE_USER_TYPES(X) X(struct node)
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ms_test.h"

/* ---- fresh tracker ---------------------------------------------------------------------- */

static void test_new_tracker_starts_empty(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    assert_non_null(t);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 0);
    assert_int_equal(s.total_deallocations, 0);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.total_allocated_bytes, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    assert_int_equal(s.peak_memory_bytes, 0);
    assert_int_equal(s.dropped_events, 0);

    memscope_sampling_config c = memscope_get_sampling(t);
    assert_double_near(c.sample_rate, 1.0, 0.0);
    assert_false(c.capture_call_stack);
    assert_int_equal(c.max_stack_depth, 0);

    size_t n = 99;
    memscope_event *ev = memscope_events(t, &n);
    assert_null(ev);
    assert_int_equal(n, 0);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.total_allocations, 0);
    assert_int_equal(r.total_deallocations, 0);
    assert_int_equal(r.active_allocations, 0);
    assert_int_equal(r.peak_memory_bytes, 0);
    assert_int_equal(r.current_memory_bytes, 0);
    assert_int_equal(r.hotspot_count, 0);
    assert_int_equal(r.thread_count, 0);
    assert_int_equal(r.system_snapshot_count, 0);
    assert_double_near(r.sample_rate, 1.0, 0.0);
    assert_int_equal(r.total_allocated_bytes, 0);
    assert_int_equal(r.dropped_events, 0);
    memscope_report_free(&r);
    memscope_destroy(t);
}

static void test_sampling_presets(void **state) {
    (void)state;
    memscope_sampling_config demo = memscope_sampling_demo();
    assert_double_near(demo.sample_rate, 0.1, 0.0);
    assert_false(demo.capture_call_stack);
    assert_int_equal(demo.max_stack_depth, 5);

    memscope_sampling_config full = memscope_sampling_full();
    assert_double_near(full.sample_rate, 1.0, 0.0);
    assert_true(full.capture_call_stack);
    assert_int_equal(full.max_stack_depth, 20);

    memscope_sampling_config hp = memscope_sampling_high_performance();
    assert_double_near(hp.sample_rate, 0.01, 0.0);
    assert_false(hp.capture_call_stack);
    assert_int_equal(hp.max_stack_depth, 0);
}

static void test_with_functions_configure_in_place_and_return_t(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    assert_non_null(t);
    assert_ptr_equal(memscope_with_sampling(t, memscope_sampling_demo()), t);
    memscope_sampling_config c = memscope_get_sampling(t);
    assert_double_near(c.sample_rate, 0.1, 0.0);
    assert_int_equal(c.max_stack_depth, 5);
    assert_ptr_equal(memscope_with_max_events(t, 10000), t);
    assert_ptr_equal(memscope_with_system_monitoring(t), t);
    memscope_destroy(t);

    /* the chain from the quick start */
    memscope_tracker *chained = memscope_with_sampling(
        memscope_with_system_monitoring(memscope_new()), memscope_sampling_full());
    assert_non_null(chained);
    assert_true(memscope_get_sampling(chained).capture_call_stack);
    memscope_destroy(chained);
}

static void test_version_string_matches_macro(void **state) {
    (void)state;
    assert_string_equal(memscope_version_string(), MEMSCOPE_VERSION_STRING);
    assert_string_equal(MEMSCOPE_VERSION_STRING, "0.13.2");
    char numbers[32]; /* the numeric macros say the same version */
    snprintf(numbers, sizeof numbers, "%d.%d.%d", MEMSCOPE_VERSION_MAJOR, MEMSCOPE_VERSION_MINOR, MEMSCOPE_VERSION_PATCH);
    assert_string_equal(numbers, MEMSCOPE_VERSION_STRING);
}

static void test_result_strings_are_distinct_and_non_empty(void **state) {
    (void)state;
    const memscope_result codes[] = {MEMSCOPE_OK, MEMSCOPE_ERR_INVALID_ARG, MEMSCOPE_ERR_NO_MEMORY,
                                     MEMSCOPE_ERR_IO, MEMSCOPE_ERR_FORMAT,
                                     MEMSCOPE_ERR_UNSUPPORTED};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = memscope_result_string(codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        for (size_t j = 0; j < i; j++) assert_string_not_equal(s, memscope_result_string(codes[j]));
    }
    const char *unknown = memscope_result_string((memscope_result)-12345);
    assert_non_null(unknown);
}

/* ---- exact counts, bytes, peak ------------------------------------------------------------ */

static void test_track_size_exact_counts_and_bytes(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *a = malloc(100), *b = malloc(200), *c = malloc(300);
    TRACK_SIZE(t, a, 100);
    TRACK_SIZE(t, b, 200);
    TRACK_SIZE(t, c, 300);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 3);
    assert_int_equal(s.total_deallocations, 0);
    assert_int_equal(s.active_allocations, 3);
    assert_int_equal(s.total_allocated_bytes, 600);
    assert_int_equal(s.current_memory_bytes, 600);
    assert_int_equal(s.peak_memory_bytes, 600);

    UNTRACK(t, b);
    s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 3);
    assert_int_equal(s.total_deallocations, 1);
    assert_int_equal(s.active_allocations, 2);
    assert_int_equal(s.total_allocated_bytes, 600);
    assert_int_equal(s.current_memory_bytes, 400);
    assert_int_equal(s.peak_memory_bytes, 600);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.total_allocations, 3);
    assert_int_equal(r.total_deallocations, 1);
    assert_int_equal(r.active_allocations, 2);
    assert_int_equal(r.current_memory_bytes, 400);
    assert_int_equal(r.peak_memory_bytes, 600);
    assert_int_equal(r.total_allocated_bytes, 600);
    assert_double_near(r.sample_rate, 1.0, 0.0);
    assert_double_near(r.estimated_total_allocations, 3.0, 1e-9);
    assert_double_near(r.estimated_total_bytes, 600.0, 1e-9);
    assert_true(r.allocation_rate_per_sec > 0.0);
    assert_true(r.deallocation_rate_per_sec > 0.0);
    assert_true(r.duration_sec >= 0.0);
    memscope_report_free(&r);

    UNTRACK(t, a);
    UNTRACK(t, c);
    s = memscope_stats(t);
    assert_int_equal(s.total_deallocations, 3);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    assert_int_equal(s.peak_memory_bytes, 600);

    free(a);
    free(b);
    free(c);
    memscope_destroy(t);
}

static void test_track_without_size_records_usable_size(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *p = malloc(10);
    double *q = calloc(7, sizeof *q);
    assert_non_null(p);
    assert_non_null(q);
    TRACK(t, p);
    TRACK(t, q);
    const uint64_t expect = (uint64_t)malloc_usable_size(p) + (uint64_t)malloc_usable_size(q);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 2);
    assert_int_equal(s.total_allocated_bytes, expect);
    assert_int_equal(s.current_memory_bytes, expect);

    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ev[0].address, (uintptr_t)p);
    assert_int_equal(ev[0].size, malloc_usable_size(p));
    assert_int_equal(ev[1].address, (uintptr_t)q);
    assert_int_equal(ev[1].size, malloc_usable_size(q));
    free(ev);

    UNTRACK(t, p);
    UNTRACK(t, q);
    assert_int_equal(memscope_stats(t).current_memory_bytes, 0);
    free(p);
    free(q);
    memscope_destroy(t);
}

static void test_peak_is_max_live_not_sum_tracked(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *a = malloc(100);
    TRACK_SIZE(t, a, 100);
    UNTRACK(t, a);
    free(a);
    char *b = malloc(50);
    TRACK_SIZE(t, b, 50);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.peak_memory_bytes, 100);
    assert_int_equal(s.current_memory_bytes, 50);
    assert_int_equal(s.total_allocated_bytes, 150);
    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.peak_memory_bytes, 100);
    assert_int_equal(r.current_memory_bytes, 50);
    memscope_report_free(&r);
    UNTRACK(t, b);
    free(b);
    memscope_destroy(t);
}

static void test_peak_over_longer_sequence(void **state) {
    (void)state;
    /* live: +100 (100) +200 (300) -100 (200) +50 (250) +150 (400) -200 (200) -50 (150) +120 (270) */
    memscope_tracker *t = memscope_new();
    static char arena[8][64];
    char *p1 = arena[1], *p2 = arena[2], *p3 = arena[3], *p4 = arena[4], *p5 = arena[5];
    TRACK_SIZE(t, p1, 100);
    TRACK_SIZE(t, p2, 200);
    UNTRACK(t, p1);
    TRACK_SIZE(t, p3, 50);
    TRACK_SIZE(t, p4, 150);
    UNTRACK(t, p2);
    UNTRACK(t, p3);
    TRACK_SIZE(t, p5, 120);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 5);
    assert_int_equal(s.total_deallocations, 3);
    assert_int_equal(s.active_allocations, 2);
    assert_int_equal(s.total_allocated_bytes, 620);
    assert_int_equal(s.current_memory_bytes, 270);
    assert_int_equal(s.peak_memory_bytes, 400);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.peak_memory_bytes, 400);
    assert_int_equal(r.current_memory_bytes, 270);
    assert_int_equal(r.active_allocations, 2);
    assert_int_equal(r.thread_count, 1);
    const memscope_thread_stats *me = mst_find_thread(&r, mst_gettid());
    assert_non_null(me);
    assert_int_equal(me->allocations, 5);
    assert_int_equal(me->deallocations, 3);
    assert_int_equal(me->allocated_bytes, 620);
    assert_int_equal(me->current_bytes, 270);
    assert_int_equal(me->peak_bytes, 400);
    memscope_report_free(&r);
    UNTRACK(t, p4);
    UNTRACK(t, p5);
    memscope_destroy(t);
}

/* ---- implicit free on double TRACK, UNTRACK edge cases ----------------------------------- */

static void test_double_track_of_live_address_is_implicit_free(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *buf = malloc(128);
    char *first = buf, *second = buf;
    TRACK_SIZE(t, first, 100);
    const uint32_t first_line = __LINE__ - 1;
    TRACK_SIZE(t, second, 40);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 2);
    assert_int_equal(s.total_deallocations, 1);
    assert_int_equal(s.active_allocations, 1);
    assert_int_equal(s.current_memory_bytes, 40);
    assert_int_equal(s.peak_memory_bytes, 100);
    assert_int_equal(s.total_allocated_bytes, 140);

    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 3);
    assert_int_equal(ev[0].kind, MEMSCOPE_EVENT_ALLOC);
    assert_int_equal(ev[1].kind, MEMSCOPE_EVENT_FREE);
    assert_int_equal(ev[2].kind, MEMSCOPE_EVENT_ALLOC);
    assert_int_equal(ev[1].address, (uintptr_t)buf);
    assert_int_equal(ev[1].size, 100);
    assert_string_equal(ev[1].var_name, "first");
    assert_int_equal(ev[1].line, first_line);
    assert_string_equal(ev[2].var_name, "second");
    assert_int_equal(ev[2].size, 40);
    free(ev);

    UNTRACK(t, buf);
    s = memscope_stats(t);
    assert_int_equal(s.total_deallocations, 2);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    free(buf);
    memscope_destroy(t);
}

static void test_double_track_sampled_out_still_frees_old_record(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *buf = malloc(64);
    TRACK_SIZE(t, buf, 64);
    memscope_sampling_config off = {0.0, false, 0};
    assert_int_equal(memscope_set_sampling(t, off), MEMSCOPE_OK);
    TRACK_SIZE(t, buf, 32); /* skipped by sampling, but the old record must go */

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 1);
    assert_int_equal(s.total_deallocations, 1);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    assert_int_equal(s.peak_memory_bytes, 64);

    /* the second TRACK was not recorded, so this UNTRACK is ignored */
    memscope_sampling_config on = {1.0, false, 0};
    assert_int_equal(memscope_set_sampling(t, on), MEMSCOPE_OK);
    UNTRACK(t, buf);
    s = memscope_stats(t);
    assert_int_equal(s.total_deallocations, 1);
    assert_int_equal(s.active_allocations, 0);
    free(buf);
    memscope_destroy(t);
}

static void test_untrack_of_unknown_pointer_is_ignored(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *known = malloc(16), *unknown = malloc(16);
    TRACK_SIZE(t, known, 16);
    UNTRACK(t, unknown);
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_deallocations, 0);
    assert_int_equal(s.active_allocations, 1);
    assert_int_equal(s.current_memory_bytes, 16);

    UNTRACK(t, known);
    UNTRACK(t, known); /* second UNTRACK of the same pointer: unknown now */
    s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 1);
    assert_int_equal(s.total_deallocations, 1);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);

    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 2); /* one ALLOC, one FREE: ignored UNTRACKs leave no event */
    free(ev);
    free(known);
    free(unknown);
    memscope_destroy(t);
}

static void test_untrack_of_sampled_out_pointer_is_ignored(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *kept = malloc(8), *skipped = malloc(8);
    TRACK_SIZE(t, kept, 8);
    memscope_sampling_config off = {0.0, false, 0};
    assert_int_equal(memscope_set_sampling(t, off), MEMSCOPE_OK);
    TRACK_SIZE(t, skipped, 8);
    memscope_sampling_config on = {1.0, false, 0};
    assert_int_equal(memscope_set_sampling(t, on), MEMSCOPE_OK);
    UNTRACK(t, skipped);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 1);
    assert_int_equal(s.total_deallocations, 0);
    assert_int_equal(s.active_allocations, 1);
    assert_int_equal(s.current_memory_bytes, 8);
    UNTRACK(t, kept);
    free(kept);
    free(skipped);
    memscope_destroy(t);
}

static void test_track_of_null_does_nothing(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *p = NULL;
    TRACK(t, p);
    TRACK_SIZE(t, p, 100);
    memscope_track_as(t, NULL, 100, "n", "char *", "f.c", 1);
    UNTRACK(t, p);
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 0);
    assert_int_equal(s.total_deallocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    size_t n = 5;
    memscope_event *ev = memscope_events(t, &n);
    assert_null(ev);
    assert_int_equal(n, 0);
    memscope_destroy(t);
}

/* ---- NULL everywhere ------------------------------------------------------------------------ */

static void test_null_tracker_is_accepted_by_every_function(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "core", "null-tracker.json");
    memscope_tracker *nt = NULL;
    char *p = malloc(4);

    assert_null(memscope_with_system_monitoring(NULL));
    assert_null(memscope_with_sampling(NULL, memscope_sampling_full()));
    assert_null(memscope_with_auto_export(NULL, path));
    assert_null(memscope_with_max_events(NULL, 10));
    assert_int_equal(memscope_set_sampling(NULL, memscope_sampling_full()), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_set_max_events(NULL, 10), MEMSCOPE_ERR_INVALID_ARG);
    (void)memscope_get_sampling(NULL);

    memscope_track_as(NULL, p, 4, "p", "char *", "f.c", 1);
    memscope_untrack(NULL, p);
    TRACK(nt, p);
    TRACK_SIZE(nt, p, 4);
    UNTRACK(nt, p);

    memscope_memory_stats s = memscope_stats(NULL);
    assert_int_equal(s.total_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);

    memscope_report r = memscope_analyze(NULL);
    assert_int_equal(r.total_allocations, 0);
    assert_int_equal(r.hotspot_count, 0);
    assert_int_equal(r.thread_count, 0);
    memscope_report_free(&r);
    memscope_report_free(NULL);

    size_t n = 7;
    assert_null(memscope_events(NULL, &n));
    assert_int_equal(n, 0);
    assert_null(memscope_events(NULL, NULL));

    memscope_system_snapshot snap = memscope_current_system_snapshot(NULL);
    assert_int_equal(snap.available, 0);

    uintptr_t frames[4];
    assert_int_equal(memscope_stack_frames(NULL, 1, frames, 4), 0);

    assert_int_equal(memscope_export_json(NULL, path), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_export(NULL, path), MEMSCOPE_ERR_INVALID_ARG);
    memscope_result rh = memscope_export_html(NULL, path);
    memscope_result rb = memscope_export_binary(NULL, path);
    assert_int_not_equal(rh, MEMSCOPE_OK);
    assert_int_not_equal(rb, MEMSCOPE_OK);
    assert_false(mst_file_exists(path));

    /* the macros' entry points */
    static memscope_site site = {"p", "char *", "f.c", 1, 0, 0};
    memscope_track_site(NULL, (uintptr_t)p, 4, &site);
    memscope_untrack_address(NULL, (uintptr_t)p);

    memscope_destroy(NULL);
    free(p);
}

static void test_null_pointer_and_path_arguments_are_accepted(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    memscope_untrack(t, NULL);
    memscope_track_as(t, NULL, 8, "x", "char *", "f.c", 1);
    assert_int_equal(memscope_stats(t).total_allocations, 0);

    assert_int_equal(memscope_export_json(t, NULL), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_export(t, NULL), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_not_equal(memscope_export_html(t, NULL), MEMSCOPE_OK);
    assert_int_not_equal(memscope_export_binary(t, NULL), MEMSCOPE_OK);
    assert_int_not_equal(memscope_export_json(t, ""), MEMSCOPE_OK);
    assert_int_not_equal(memscope_export(t, ""), MEMSCOPE_OK);

    assert_ptr_equal(memscope_with_auto_export(t, NULL), t);

    /* the macros' entry points with a NULL site / zero address */
    char *r = malloc(8);
    memscope_track_site(t, (uintptr_t)r, 8, NULL);
    memscope_track_site(t, 0, 8, NULL);
    memscope_untrack_address(t, 0);
    memscope_untrack_address(t, (uintptr_t)r);
    assert_int_equal(memscope_stats(t).active_allocations, 0);
    free(r);

    /* events with a NULL count pointer must not crash */
    char *q = malloc(8);
    TRACK_SIZE(t, q, 8);
    memscope_event *ev = memscope_events(t, NULL);
    free(ev);

    /* stack_frames of an unknown id or with no room */
    uintptr_t frames[2] = {0, 0};
    assert_int_equal(memscope_stack_frames(t, 0, frames, 2), 0);
    assert_int_equal(memscope_stack_frames(t, 0xFFFFFFu, frames, 2), 0);
    assert_int_equal(frames[0], 0);
    UNTRACK(t, q);
    free(q);
    memscope_destroy(t); /* must not export anything (auto-export path was NULL) */
}

static void test_track_as_with_null_strings_does_not_crash(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "core", "null-strings.json");
    memscope_tracker *t = memscope_new();
    char *p = malloc(8);
    memscope_track_as(t, p, 8, NULL, NULL, NULL, 0);
    memscope_memory_stats s = memscope_stats(t);
    assert_true(s.total_allocations <= 1); /* recorded with empty names, or ignored */
    memscope_report r = memscope_analyze(t);
    memscope_report_free(&r);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    free(ev);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_json(path, "d['format'] == 'memscope'", "d['total_allocations'] <= 1");
    memscope_untrack(t, p);
    free(p);
    memscope_destroy(t);
}

/* ---- strings -------------------------------------------------------------------------------- */

static void test_track_as_copies_caller_strings(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *name = strdup("orig_name");
    char *type = strdup("struct thing *");
    char *file = strdup("some/dir/file.c");
    char *p = malloc(24);
    memscope_track_as(t, p, 24, name, type, file, 77);
    memset(name, 'X', strlen(name));
    memset(type, 'Y', strlen(type));
    memset(file, 'Z', strlen(file));
    free(name);
    free(type);
    free(file);
    memscope_untrack(t, p);

    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(ev[i].var_name, "orig_name");
        assert_string_equal(ev[i].type_name, "struct thing *");
        assert_string_equal(ev[i].file, "some/dir/file.c");
        assert_int_equal(ev[i].line, 77);
        assert_int_equal(ev[i].size, 24);
    }
    free(ev);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.hotspot_count, 1);
    assert_string_equal(r.hotspots[0].var_name, "orig_name");
    assert_string_equal(r.hotspots[0].type_name, "struct thing *");
    assert_string_equal(r.hotspots[0].location, "some/dir/file.c:77");
    assert_int_equal(r.hotspots[0].total_size, 24);
    assert_int_equal(r.hotspots[0].allocation_count, 1);
    memscope_report_free(&r);
    free(p);
    memscope_destroy(t);
}

static void test_report_strings_outlive_the_tracker(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *name = strdup("short_lived");
    char *p = malloc(8);
    memscope_track_as(t, p, 8, name, "char *", "x.c", 5);
    free(name);
    memscope_report r = memscope_analyze(t);
    memscope_untrack(t, p);
    memscope_destroy(t);
    /* "a report keeps its own strings until memscope_report_free" */
    assert_int_equal(r.hotspot_count, 1);
    assert_string_equal(r.hotspots[0].var_name, "short_lived");
    assert_string_equal(r.hotspots[0].type_name, "char *");
    assert_string_equal(r.hotspots[0].location, "x.c:5");
    assert_int_equal(r.thread_count, 1);
    assert_non_null(r.threads[0].thread_name);
    memscope_report_free(&r);
    free(p);
}

/* ---- type names from TRACK ------------------------------------------------------------------ */

static const char *single_event_type(memscope_tracker *t, char *out, size_t n, const char **var,
                                     uint32_t *line) {
    size_t cnt = 0;
    memscope_event *ev = memscope_events(t, &cnt);
    assert_int_equal(cnt, 1);
    mst_fmt(out, n, "%s", ev[0].type_name);
    static char var_copy[64];
    mst_fmt(var_copy, sizeof var_copy, "%s", ev[0].var_name);
    *var = var_copy;
    *line = ev[0].line;
    assert_string_equal(ev[0].file, __FILE__);
    free(ev);
    return out;
}

#define EXPECT_TYPE(decl_and_init, var, expected_type)                                           \
    do {                                                                                         \
        memscope_tracker *tt = memscope_new();                                                   \
        decl_and_init;                                                                           \
        TRACK_SIZE(tt, var, 8); const uint32_t expected_line = __LINE__;                         \
        char type_buf[64];                                                                       \
        const char *got_var = NULL;                                                              \
        uint32_t got_line = 0;                                                                   \
        assert_string_equal(single_event_type(tt, type_buf, sizeof type_buf, &got_var,           \
                                              &got_line), expected_type);                        \
        assert_string_equal(got_var, #var);                                                      \
        assert_int_equal(got_line, expected_line);                                               \
        UNTRACK(tt, var);                                                                        \
        memscope_destroy(tt);                                                                    \
    } while (0)

static void test_track_names_standard_pointer_types(void **state) {
    (void)state;
    static double aligned[8];
    char *storage = (char *)aligned;
    EXPECT_TYPE(int *ip = (int *)(void *)storage, ip, "int *");
    EXPECT_TYPE(char *cp = storage, cp, "char *");
    EXPECT_TYPE(const char *ccp = storage, ccp, "const char *");
    EXPECT_TYPE(double *dp = (double *)(void *)storage, dp, "double *");
    EXPECT_TYPE(void *vp = storage, vp, "void *");
    EXPECT_TYPE(unsigned char *ucp = (unsigned char *)storage, ucp, "unsigned char *");
    EXPECT_TYPE(long *lp = (long *)(void *)storage, lp, "long *");
    EXPECT_TYPE(float *fp = (float *)(void *)storage, fp, "float *");
    EXPECT_TYPE(char **cpp = (char **)(void *)storage, cpp, "char **");
}

static void test_track_names_user_types_and_falls_back_to_void(void **state) {
    (void)state;
    static struct node nodes[2];
    static struct not_listed other;
    EXPECT_TYPE(struct node *np = &nodes[0], np, "struct node *");
    EXPECT_TYPE(struct not_listed *op = &other, op, "void *");
}

static void test_track_of_array_decays_to_pointer_type(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    int arr[4] = {1, 2, 3, 4};
    char text[16] = "hello";
    TRACK_SIZE(t, arr, sizeof arr);
    TRACK_SIZE(t, text, sizeof text);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 2);
    assert_string_equal(ev[0].type_name, "int *");
    assert_string_equal(ev[0].var_name, "arr");
    assert_int_equal(ev[0].address, (uintptr_t)arr);
    assert_int_equal(ev[0].size, sizeof arr);
    assert_string_equal(ev[1].type_name, "char *");
    assert_string_equal(ev[1].var_name, "text");
    free(ev);
    UNTRACK(t, arr); /* stack addresses are untracked before the frame ends */
    UNTRACK(t, text);
    assert_int_equal(memscope_stats(t).active_allocations, 0);
    assert_int_equal(arr[3] + text[0], 4 + 'h');
    memscope_destroy(t);
}

/* ---- events ------------------------------------------------------------------------------- */

static void test_events_are_time_ordered_and_free_carries_alloc_site(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *alpha = malloc(10), *beta = malloc(20), *gamma_ = malloc(30);
    TRACK_SIZE(t, alpha, 10); const uint32_t alpha_line = __LINE__;
    TRACK_SIZE(t, beta, 20); const uint32_t beta_line = __LINE__;
    UNTRACK(t, alpha);
    TRACK_SIZE(t, gamma_, 30); const uint32_t gamma_line = __LINE__;
    UNTRACK(t, beta);
    UNTRACK(t, gamma_);

    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 6);
    const memscope_event_kind kinds[6] = {MEMSCOPE_EVENT_ALLOC, MEMSCOPE_EVENT_ALLOC,
                                          MEMSCOPE_EVENT_FREE,  MEMSCOPE_EVENT_ALLOC,
                                          MEMSCOPE_EVENT_FREE,  MEMSCOPE_EVENT_FREE};
    const char *names[6] = {"alpha", "beta", "alpha", "gamma_", "beta", "gamma_"};
    const uint32_t lines[6] = {alpha_line, beta_line, alpha_line, gamma_line, beta_line, gamma_line};
    const uintptr_t addrs[6] = {(uintptr_t)alpha, (uintptr_t)beta, (uintptr_t)alpha,
                                (uintptr_t)gamma_, (uintptr_t)beta, (uintptr_t)gamma_};
    const size_t sizes[6] = {10, 20, 10, 30, 20, 30};
    const uint32_t me = mst_gettid();
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ev[i].kind, kinds[i]);
        assert_string_equal(ev[i].var_name, names[i]);
        assert_string_equal(ev[i].type_name, "char *");
        assert_string_equal(ev[i].file, __FILE__);
        assert_int_equal(ev[i].line, lines[i]);
        assert_int_equal(ev[i].address, addrs[i]);
        if (ev[i].kind == MEMSCOPE_EVENT_ALLOC) assert_int_equal(ev[i].size, sizes[i]);
        assert_int_equal(ev[i].thread_id, me);
        assert_int_equal(ev[i].alloc_thread_id, me);
        assert_int_equal(ev[i].stack_id, 0); /* no stacks by default */
        if (i > 0) assert_true(ev[i].timestamp_ns >= ev[i - 1].timestamp_ns);
    }
    free(ev);
    free(alpha);
    free(beta);
    free(gamma_);
    memscope_destroy(t);
}

/* ---- hotspots ------------------------------------------------------------------------------ */

static uint32_t g_site_a_line, g_site_b_line, g_site_c_line;

static void alloc_at_site_a(memscope_tracker *t, char *block) {
    TRACK_SIZE(t, block, 100); g_site_a_line = __LINE__;
}
static void alloc_at_site_b(memscope_tracker *t, char *chunk) {
    TRACK_SIZE(t, chunk, 500); g_site_b_line = __LINE__;
}
static void alloc_at_site_c(memscope_tracker *t, char *tiny) {
    TRACK_SIZE(t, tiny, 50); g_site_c_line = __LINE__;
}

static void test_hotspots_grouped_by_site_and_sorted_by_total_size(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    static char arena[32][16];
    for (size_t i = 0; i < 10; i++) alloc_at_site_a(t, arena[i]);        /* 1000 bytes */
    for (size_t i = 10; i < 13; i++) alloc_at_site_b(t, arena[i]);       /* 1500 bytes */
    alloc_at_site_c(t, arena[13]);                                        /*   50 bytes */
    /* same file:line, different var/type names: separate hotspots */
    memscope_track_as(t, arena[20], 700, "one", "char *", "same.c", 9);
    memscope_track_as(t, arena[21], 300, "two", "char *", "same.c", 9);
    memscope_track_as(t, arena[22], 200, "one", "int *", "same.c", 9);
    /* frees do not change what a site allocated */
    for (size_t i = 0; i < 5; i++) memscope_untrack(t, arena[i]);
    memscope_untrack(t, arena[10]);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.hotspot_count, 6);
    for (size_t i = 1; i < r.hotspot_count; i++)
        assert_true(r.hotspots[i - 1].total_size >= r.hotspots[i].total_size);

    char loc[MST_PATH_MAX];
    assert_string_equal(r.hotspots[0].var_name, "chunk");
    assert_string_equal(r.hotspots[0].type_name, "char *");
    assert_int_equal(r.hotspots[0].total_size, 1500);
    assert_int_equal(r.hotspots[0].allocation_count, 3);
    mst_fmt(loc, sizeof loc, "%s:%u", __FILE__, g_site_b_line);
    assert_string_equal(r.hotspots[0].location, loc);

    assert_string_equal(r.hotspots[1].var_name, "block");
    assert_int_equal(r.hotspots[1].total_size, 1000);
    assert_int_equal(r.hotspots[1].allocation_count, 10);
    mst_fmt(loc, sizeof loc, "%s:%u", __FILE__, g_site_a_line);
    assert_string_equal(r.hotspots[1].location, loc);

    assert_string_equal(r.hotspots[2].var_name, "one");
    assert_string_equal(r.hotspots[2].type_name, "char *");
    assert_int_equal(r.hotspots[2].total_size, 700);
    assert_string_equal(r.hotspots[2].location, "same.c:9");

    assert_string_equal(r.hotspots[3].var_name, "two");
    assert_int_equal(r.hotspots[3].total_size, 300);
    assert_string_equal(r.hotspots[3].location, "same.c:9");

    assert_string_equal(r.hotspots[4].var_name, "one");
    assert_string_equal(r.hotspots[4].type_name, "int *");
    assert_int_equal(r.hotspots[4].total_size, 200);
    assert_int_equal(r.hotspots[4].allocation_count, 1);

    assert_string_equal(r.hotspots[5].var_name, "tiny");
    assert_int_equal(r.hotspots[5].total_size, 50);
    assert_int_equal(r.hotspots[5].allocation_count, 1);
    mst_fmt(loc, sizeof loc, "%s:%u", __FILE__, g_site_c_line);
    assert_string_equal(r.hotspots[5].location, loc);
    memscope_report_free(&r);
    memscope_destroy(t);
}

static void test_report_threads_single_thread(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *a = malloc(32);
    TRACK_SIZE(t, a, 32);
    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.thread_count, 1);
    assert_int_equal(r.threads[0].thread_id, mst_gettid());
    assert_int_equal(r.threads[0].allocations, 1);
    assert_int_equal(r.threads[0].deallocations, 0);
    assert_int_equal(r.threads[0].allocated_bytes, 32);
    assert_int_equal(r.threads[0].current_bytes, 32);
    assert_int_equal(r.threads[0].peak_bytes, 32);
    char name[32] = "";
    pthread_getname_np(pthread_self(), name, sizeof name);
    assert_non_null(r.threads[0].thread_name);
    assert_string_equal(r.threads[0].thread_name, name);
    memscope_report_free(&r);
    UNTRACK(t, a);
    free(a);
    memscope_destroy(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_tracker_starts_empty),
        cmocka_unit_test(test_sampling_presets),
        cmocka_unit_test(test_with_functions_configure_in_place_and_return_t),
        cmocka_unit_test(test_version_string_matches_macro),
        cmocka_unit_test(test_result_strings_are_distinct_and_non_empty),
        cmocka_unit_test(test_track_size_exact_counts_and_bytes),
        cmocka_unit_test(test_track_without_size_records_usable_size),
        cmocka_unit_test(test_peak_is_max_live_not_sum_tracked),
        cmocka_unit_test(test_peak_over_longer_sequence),
        cmocka_unit_test(test_double_track_of_live_address_is_implicit_free),
        cmocka_unit_test(test_double_track_sampled_out_still_frees_old_record),
        cmocka_unit_test(test_untrack_of_unknown_pointer_is_ignored),
        cmocka_unit_test(test_untrack_of_sampled_out_pointer_is_ignored),
        cmocka_unit_test(test_track_of_null_does_nothing),
        cmocka_unit_test(test_null_tracker_is_accepted_by_every_function),
        cmocka_unit_test(test_null_pointer_and_path_arguments_are_accepted),
        cmocka_unit_test(test_track_as_with_null_strings_does_not_crash),
        cmocka_unit_test(test_track_as_copies_caller_strings),
        cmocka_unit_test(test_report_strings_outlive_the_tracker),
        cmocka_unit_test(test_track_names_standard_pointer_types),
        cmocka_unit_test(test_track_names_user_types_and_falls_back_to_void),
        cmocka_unit_test(test_track_of_array_decays_to_pointer_type),
        cmocka_unit_test(test_events_are_time_ordered_and_free_carries_alloc_site),
        cmocka_unit_test(test_hotspots_grouped_by_site_and_sorted_by_total_size),
        cmocka_unit_test(test_report_threads_single_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
