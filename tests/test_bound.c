/* test_bound.c - the bound on retained events (memscope_with_max_events / set_max_events):
 * counters and peak stay exact, dropped_events = generated - retained, retained <= the bound
 * rounded up to whole chunks of 2048 events per thread, JSON agrees. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include "ms_test.h"

/* The bound is enforced in chunks of MEMSCOPE_EVENT_CHUNK events per thread; docs/CONTRACT-NOTES.md
   documents 8190 (256 KiB). The bound checks use the header's value, so a mismatch with the
   documented value fails test_event_chunk_macro_matches_contract alone. */
#define CONTRACT_CHUNK 8190u
#ifdef MEMSCOPE_EVENT_CHUNK
#define CHUNK ((size_t)MEMSCOPE_EVENT_CHUNK)
#else
#define CHUNK ((size_t)CONTRACT_CHUNK)
#endif

static size_t round_up_chunks(size_t bound) { return (bound + CHUNK - 1) / CHUNK * CHUNK; }

static char g_slots[8][64];

/* Each test's tracker comes from the fixture, so a failing test does not leak it. */
static int tracker_setup(void **state) {
    *state = memscope_new();
    return *state ? 0 : -1;
}

static int tracker_teardown(void **state) {
    memscope_destroy(*state);
    return 0;
}

/* pairs x (TRACK_SIZE 32, UNTRACK) on one address: 2 * pairs events. */
static void track_pairs(memscope_tracker *t, char *slot, size_t pairs) {
    for (size_t i = 0; i < pairs; i++) {
        TRACK_SIZE(t, slot, 32);
        UNTRACK(t, slot);
    }
}

static size_t event_count(memscope_tracker *t) {
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    for (size_t i = 1; i < n; i++) assert_true(ev[i].timestamp_ns >= ev[i - 1].timestamp_ns);
    free(ev);
    return n;
}

static void test_small_bound_keeps_counters_exact_and_counts_drops(void **state) {
    memscope_tracker *t = memscope_with_max_events(*state, 100);
    assert_non_null(t);
    track_pairs(t, g_slots[0], 10000);
    char *last = g_slots[1];
    TRACK_SIZE(t, last, 500);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 10001);
    assert_int_equal(s.total_deallocations, 10000);
    assert_int_equal(s.active_allocations, 1);
    assert_int_equal(s.total_allocated_bytes, (uint64_t)10000 * 32 + 500);
    assert_int_equal(s.current_memory_bytes, 500);
    assert_int_equal(s.peak_memory_bytes, 500);

    const size_t generated = 20001;
    const size_t kept = event_count(t);
    assert_true(s.dropped_events > 0);
    assert_int_equal(s.dropped_events, generated - kept);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.total_allocations, 10001);
    assert_int_equal(r.total_deallocations, 10000);
    assert_int_equal(r.active_allocations, 1);
    assert_int_equal(r.current_memory_bytes, 500);
    assert_int_equal(r.peak_memory_bytes, 500);
    assert_int_equal(r.total_allocated_bytes, (uint64_t)10000 * 32 + 500);
    assert_int_equal(r.dropped_events, generated - kept);
    /* hotspots count every recorded allocation, retained or not */
    const memscope_hotspot *h = mst_find_hotspot(&r, "slot");
    assert_non_null(h);
    assert_int_equal(h->allocation_count, 10000);
    assert_int_equal(h->total_size, (size_t)10000 * 32);
    h = mst_find_hotspot(&r, "last");
    assert_non_null(h);
    assert_int_equal(h->allocation_count, 1);
    assert_int_equal(h->total_size, 500);
    assert_int_equal(r.thread_count, 1);
    assert_int_equal(r.threads[0].allocations, 10001);
    assert_int_equal(r.threads[0].deallocations, 10000);
    assert_int_equal(r.threads[0].current_bytes, 500);
    memscope_report_free(&r);

    char path[MST_PATH_MAX], expr[512];
    mst_out_path(path, sizeof path, "bound", "small.json");
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    mst_fmt(expr, sizeof expr,
             "d['dropped_events'] == %zu and len(d['events']) == %zu and "
             "d['total_allocations'] == 10001 and d['total_deallocations'] == 10000 and "
             "d['peak_memory_bytes'] == 500 and d['current_memory_bytes'] == 500",
             generated - kept, kept);
    assert_json(path, expr);
    assert_true(kept >= 100);
    if (kept > round_up_chunks(100)) {
        print_error("bound 100: %zu events retained, more than %zu (one chunk of %zu)\n", kept,
                    round_up_chunks(100), CHUNK);
        fail();
    }
    UNTRACK(t, last);
}

static void test_zero_bound_keeps_no_events_but_exact_counters(void **state) {
    memscope_tracker *t = *state;
    assert_int_equal(memscope_set_max_events(t, 0), MEMSCOPE_OK);
    /* track 100, untrack, track 50: the peak must not come from the (absent) events */
    char *big = g_slots[0], *small = g_slots[1];
    TRACK_SIZE(t, big, 100);
    UNTRACK(t, big);
    TRACK_SIZE(t, small, 50);
    track_pairs(t, g_slots[2], 1000);

    assert_int_equal(event_count(t), 0);
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 1002);
    assert_int_equal(s.total_deallocations, 1001);
    assert_int_equal(s.active_allocations, 1);
    assert_int_equal(s.peak_memory_bytes, 100);
    assert_int_equal(s.current_memory_bytes, 50);
    assert_int_equal(s.dropped_events, 2003);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.peak_memory_bytes, 100);
    assert_int_equal(r.current_memory_bytes, 50);
    assert_int_equal(r.total_allocations, 1002);
    assert_int_equal(r.dropped_events, 2003);
    assert_int_equal(r.thread_count, 1);
    assert_int_equal(r.threads[0].allocations, 1002);
    assert_int_equal(r.threads[0].peak_bytes, 100);
    memscope_report_free(&r);
    UNTRACK(t, small);
}

static void test_default_bound_drops_nothing(void **state) {
    memscope_tracker *t = *state;
    track_pairs(t, g_slots[0], 5000);
    assert_int_equal(event_count(t), 10000);
    assert_int_equal(memscope_stats(t).dropped_events, 0);
    assert_true(MEMSCOPE_DEFAULT_MAX_EVENTS == 4194304u);
}

static void test_bound_of_exactly_one_chunk(void **state) {
    memscope_tracker *t = memscope_with_max_events(*state, CHUNK);
    track_pairs(t, g_slots[0], CHUNK * 2); /* 4 * CHUNK events */
    const size_t kept = event_count(t);
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, CHUNK * 2);
    assert_int_equal(s.total_deallocations, CHUNK * 2);
    assert_int_equal(s.dropped_events, CHUNK * 4 - kept);
    assert_true(kept >= CHUNK); /* the bound is never undershot */
    if (kept > CHUNK) {
        print_error("bound %zu: %zu events retained\n", CHUNK, kept);
        fail();
    }
}

static void test_bound_just_above_one_chunk_keeps_two(void **state) {
    memscope_tracker *t = memscope_with_max_events(*state, CHUNK + 1);
    track_pairs(t, g_slots[0], CHUNK * 3); /* 6 * CHUNK events */
    const size_t kept = event_count(t);
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, CHUNK * 3);
    assert_int_equal(s.dropped_events, CHUNK * 6 - kept);
    assert_true(kept >= CHUNK + 1);
    assert_true(kept <= 2 * CHUNK);
}

typedef struct bound_worker {
    memscope_tracker *t;
    char *slot;
    size_t pairs;
} bound_worker;

static void *bound_worker_main(void *arg) {
    bound_worker *w = arg;
    track_pairs(w->t, w->slot, w->pairs);
    return NULL;
}

static void test_bound_with_threads_rounds_up_per_thread(void **state) {
    enum { THREADS = 4, PAIRS = 5000 };
    memscope_tracker *t = memscope_with_max_events(*state, 100);
    pthread_t th[THREADS];
    bound_worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (bound_worker){t, g_slots[i], PAIRS};
        assert_int_equal(pthread_create(&th[i], NULL, bound_worker_main, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_join(th[i], NULL), 0);

    const size_t generated = (size_t)THREADS * PAIRS * 2;
    const size_t kept = event_count(t);
    assert_true(kept <= round_up_chunks(100) * THREADS);
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, (size_t)THREADS * PAIRS);
    assert_int_equal(s.total_deallocations, (size_t)THREADS * PAIRS);
    assert_int_equal(s.current_memory_bytes, 0);
    assert_true(s.peak_memory_bytes <= (uint64_t)THREADS * 32);
    assert_true(s.peak_memory_bytes >= 32);
    assert_int_equal(s.dropped_events, generated - kept);
    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.thread_count, THREADS);
    for (size_t i = 0; i < r.thread_count; i++) {
        assert_int_equal(r.threads[i].allocations, PAIRS);
        assert_int_equal(r.threads[i].deallocations, PAIRS);
        assert_int_equal(r.threads[i].peak_bytes, 32);
    }
    memscope_report_free(&r);
}

static void test_event_chunk_macro_matches_contract(void **state) {
    (void)state;
#ifdef MEMSCOPE_EVENT_CHUNK
    assert_int_equal(MEMSCOPE_EVENT_CHUNK, CONTRACT_CHUNK);
#else
    skip();
#endif
}

static void test_set_max_events_argument_checks(void **state) {
    (void)state;
    assert_int_equal(memscope_set_max_events(NULL, 5), MEMSCOPE_ERR_INVALID_ARG);
    assert_null(memscope_with_max_events(NULL, 5));
    memscope_tracker *t = memscope_new();
    assert_int_equal(memscope_set_max_events(t, 5), MEMSCOPE_OK);
    assert_ptr_equal(memscope_with_max_events(t, MEMSCOPE_DEFAULT_MAX_EVENTS), t);
    memscope_destroy(t);
}

#define WITH_TRACKER(f) cmocka_unit_test_setup_teardown(f, tracker_setup, tracker_teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        WITH_TRACKER(test_small_bound_keeps_counters_exact_and_counts_drops),
        WITH_TRACKER(test_zero_bound_keeps_no_events_but_exact_counters),
        WITH_TRACKER(test_default_bound_drops_nothing),
        WITH_TRACKER(test_bound_of_exactly_one_chunk),
        WITH_TRACKER(test_bound_just_above_one_chunk_keeps_two),
        WITH_TRACKER(test_bound_with_threads_rounds_up_per_thread),
        cmocka_unit_test(test_event_chunk_macro_matches_contract),
        cmocka_unit_test(test_set_max_events_argument_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
