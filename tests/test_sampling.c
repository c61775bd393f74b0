/* test_sampling.c - hash sampling: kept fraction within a 5-sigma binomial bound, rates 0 and 1,
 * determinism across two fresh trackers, estimates in the report, refused configs. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h> /* NAN, INFINITY: macros only, no libm */

#include "ms_test.h"

#define CALLS 100000u
#define BLOCK 3u /* bytes per tracked call */

static char g_arena[CALLS];

/* CALLS TRACKs spread over four call sites, each on its own address. */
static void track_over_four_sites(memscope_tracker *t) {
    for (size_t i = 0; i < CALLS; i++) {
        char *slot = &g_arena[i];
        switch (i & 3u) {
        case 0: TRACK_SIZE(t, slot, BLOCK); break;
        case 1: TRACK_SIZE(t, slot, BLOCK); break;
        case 2: TRACK_SIZE(t, slot, BLOCK); break;
        default: TRACK_SIZE(t, slot, BLOCK); break;
        }
    }
}

static void track_from_one_site(memscope_tracker *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char *only = &g_arena[i];
        TRACK_SIZE(t, only, BLOCK);
    }
}

static void untrack_all(memscope_tracker *t, size_t n) {
    for (size_t i = 0; i < n; i++) UNTRACK(t, &g_arena[i]);
}

/* Checks the kept fraction, events, report estimates and that UNTRACK of skipped calls is ignored. */
static void check_rate(double rate, int use_preset) {
    memscope_sampling_config cfg = {rate, false, 0};
    if (use_preset) cfg = memscope_sampling_high_performance();
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    assert_non_null(t);
    assert_double_near(memscope_get_sampling(t).sample_rate, rate, 0.0);

    track_over_four_sites(t);
    memscope_memory_stats s = memscope_stats(t);
    const size_t kept = s.total_allocations;
    assert_within_5_sigma(kept, CALLS, rate);
    assert_int_equal(s.total_allocated_bytes, (uint64_t)kept * BLOCK);
    assert_int_equal(s.current_memory_bytes, (uint64_t)kept * BLOCK);
    assert_int_equal(s.active_allocations, kept);

    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, kept);
    for (size_t i = 0; i < n; i++) {
        assert_true(ev[i].address >= (uintptr_t)g_arena);
        assert_true(ev[i].address < (uintptr_t)g_arena + CALLS);
    }
    free(ev);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.total_allocations, kept);
    assert_double_near(r.sample_rate, rate, 0.0);
    assert_double_near(r.estimated_total_allocations, (double)kept / rate, 1e-9 * (double)CALLS);
    assert_double_near(r.estimated_total_bytes, (double)kept * BLOCK / rate, 1e-9 * (double)CALLS);
    /* the estimate is near the true number of calls (same 5-sigma bound, scaled) */
    assert_within_5_sigma((size_t)(r.estimated_total_allocations * rate + 0.5), CALLS, rate);
    memscope_report_free(&r);

    untrack_all(t, CALLS); /* UNTRACK of every skipped pointer is ignored */
    s = memscope_stats(t);
    assert_int_equal(s.total_deallocations, kept);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    memscope_destroy(t);
}

static void test_kept_fraction_within_5_sigma_at_rate_0_5(void **state) {
    (void)state;
    check_rate(0.5, 0);
}

static void test_kept_fraction_within_5_sigma_at_rate_0_1(void **state) {
    (void)state;
    check_rate(0.1, 0);
}

static void test_kept_fraction_within_5_sigma_at_rate_0_01(void **state) {
    (void)state;
    check_rate(0.01, 1); /* memscope_sampling_high_performance() */
}

static void test_kept_fraction_single_call_site(void **state) {
    (void)state;
    memscope_sampling_config cfg = {0.1, false, 0};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    track_from_one_site(t, CALLS);
    assert_within_5_sigma(memscope_stats(t).total_allocations, CALLS, 0.1);
    untrack_all(t, CALLS);
    memscope_destroy(t);
}

static void test_kept_fraction_track_as_many_lines(void **state) {
    (void)state;
    memscope_sampling_config cfg = {0.5, false, 0};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    for (size_t i = 0; i < CALLS; i++)
        memscope_track_as(t, &g_arena[i], 1, "v", "char *", "many.c", (uint32_t)(i % 1000u) + 1u);
    assert_within_5_sigma(memscope_stats(t).total_allocations, CALLS, 0.5);
    untrack_all(t, CALLS);
    assert_int_equal(memscope_stats(t).active_allocations, 0);
    memscope_destroy(t);
}

/* A per-call hash, not "every k-th call": kept indices are spread over residues. */
static void test_sampling_is_not_periodic(void **state) {
    (void)state;
    memscope_sampling_config cfg = {0.1, false, 0};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    track_from_one_site(t, CALLS);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_true(n > 0);
    const size_t mods[] = {2, 10};
    for (size_t m = 0; m < 2; m++) {
        size_t zero_residue = 0;
        for (size_t i = 0; i < n; i++) {
            size_t idx = (size_t)(ev[i].address - (uintptr_t)g_arena);
            if (idx % mods[m] == 0) zero_residue++;
        }
        assert_within_5_sigma(zero_residue, n, 1.0 / (double)mods[m]);
    }
    free(ev);
    untrack_all(t, CALLS);
    memscope_destroy(t);
}

static void test_rate_zero_records_nothing(void **state) {
    (void)state;
    memscope_sampling_config cfg = {0.0, false, 0};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    track_over_four_sites(t);
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 0);
    assert_int_equal(s.total_allocated_bytes, 0);
    assert_int_equal(s.peak_memory_bytes, 0);
    size_t n = 1;
    memscope_event *ev = memscope_events(t, &n);
    assert_null(ev);
    assert_int_equal(n, 0);
    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.total_allocations, 0);
    assert_double_near(r.sample_rate, 0.0, 0.0);
    assert_int_equal(r.hotspot_count, 0);
    memscope_report_free(&r);
    untrack_all(t, CALLS);
    assert_int_equal(memscope_stats(t).total_deallocations, 0);
    memscope_destroy(t);
}

static void test_rate_one_records_everything(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new(); /* default rate is 1.0 */
    track_over_four_sites(t);
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, CALLS);
    assert_int_equal(s.total_allocated_bytes, (uint64_t)CALLS * BLOCK);
    memscope_report r = memscope_analyze(t);
    assert_double_near(r.estimated_total_allocations, (double)CALLS, 0.0);
    assert_double_near(r.estimated_total_bytes, (double)CALLS * BLOCK, 0.0);
    assert_int_equal(r.hotspot_count, 4); /* four call sites, one var name each */
    for (size_t i = 0; i < r.hotspot_count; i++) {
        assert_int_equal(r.hotspots[i].allocation_count, CALLS / 4);
        assert_int_equal(r.hotspots[i].total_size, (size_t)(CALLS / 4) * BLOCK);
    }
    memscope_report_free(&r);
    untrack_all(t, CALLS);
    assert_int_equal(memscope_stats(t).total_deallocations, CALLS);
    memscope_destroy(t);
}

/* Same program, same thread, two fresh trackers: the same calls are kept. */
static void kept_set(double rate, unsigned char *kept, size_t n) {
    memscope_sampling_config cfg = {rate, false, 0};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    memset(kept, 0, n);
    track_over_four_sites(t);
    size_t cnt = 0;
    memscope_event *ev = memscope_events(t, &cnt);
    for (size_t i = 0; i < cnt; i++) kept[ev[i].address - (uintptr_t)g_arena] = 1;
    free(ev);
    untrack_all(t, CALLS);
    memscope_destroy(t);
}

static void check_same_run_twice(double rate) {
    unsigned char *first = malloc(CALLS), *second = malloc(CALLS);
    assert_non_null(first);
    assert_non_null(second);
    kept_set(rate, first, CALLS);
    kept_set(rate, second, CALLS);
    size_t kept = 0, differ = 0;
    for (size_t i = 0; i < CALLS; i++) {
        kept += first[i];
        differ += first[i] != second[i];
    }
    assert_true(kept > 0 && kept < CALLS);
    if (differ != 0) {
        print_error("rate %g: %zu of %zu calls sampled differently between two identical runs\n",
                    rate, differ, (size_t)CALLS);
        fail();
    }
    free(first);
    free(second);
}

static void test_same_sequence_twice_samples_same_calls_rate_0_5(void **state) {
    (void)state;
    check_same_run_twice(0.5);
}

static void test_same_sequence_twice_samples_same_calls_rate_0_1(void **state) {
    (void)state;
    check_same_run_twice(0.1);
}

/* FNV-1a of the kept-call bitmap at rate 0.5, plus the kept count. */
static void kept_fingerprint(char *out, size_t n) {
    unsigned char *kept = malloc(CALLS);
    assert_non_null(kept);
    kept_set(0.5, kept, CALLS);
    uint64_t h = 0xcbf29ce484222325ull;
    size_t count = 0;
    for (size_t i = 0; i < CALLS; i++) {
        h = (h ^ kept[i]) * 0x100000001b3ull;
        count += kept[i];
    }
    free(kept);
    mst_fmt(out, n, "%zu %016" PRIx64, count, h);
}

/* The call site is identified independently of the load address: two separate runs of this
   program (each loaded at its own ASLR address) keep the same calls as this process does. */
static void test_same_calls_sampled_in_separate_processes(void **state) {
    (void)state;
    char here[64], first[64] = "", second[64] = "";
    kept_fingerprint(here, sizeof here);
    char *argv[] = {(char *)"/proc/self/exe", (char *)"--print-kept-fingerprint", NULL};
    char exe[MST_PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(len > 0);
    exe[len] = '\0';
    argv[0] = exe;
    assert_int_equal(mst_run(argv, first, sizeof first), 0);
    assert_int_equal(mst_run(argv, second, sizeof second), 0);
    assert_string_equal(first, second);
    assert_string_equal(first, here);
}

static void test_estimates_scale_recorded_by_rate(void **state) {
    (void)state;
    memscope_sampling_config cfg = {0.25, false, 0};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    for (size_t i = 0; i < 1000; i++) memscope_track_as(t, &g_arena[i], 8, "e", "char *", "e.c", 1);
    memscope_report r = memscope_analyze(t);
    assert_double_near(r.sample_rate, 0.25, 0.0);
    assert_double_near(r.estimated_total_allocations, (double)r.total_allocations * 4.0, 1e-9);
    assert_double_near(r.estimated_total_bytes, (double)r.total_allocated_bytes * 4.0, 1e-9);
    assert_int_equal(r.total_allocated_bytes, (uint64_t)r.total_allocations * 8u);
    memscope_report_free(&r);
    untrack_all(t, 1000);
    memscope_destroy(t);
}

static void assert_config_equal(memscope_sampling_config got, memscope_sampling_config want) {
    assert_double_near(got.sample_rate, want.sample_rate, 0.0);
    assert_int_equal(got.capture_call_stack, want.capture_call_stack);
    assert_int_equal(got.max_stack_depth, want.max_stack_depth);
}

static void test_invalid_rates_are_refused_and_old_config_kept(void **state) {
    (void)state;
    const memscope_sampling_config old = {0.25, true, 7};
    memscope_tracker *t = memscope_new();
    assert_int_equal(memscope_set_sampling(t, old), MEMSCOPE_OK);
    assert_config_equal(memscope_get_sampling(t), old);

    const double bad[] = {-0.1, 1.5, (double)NAN, (double)INFINITY, -(double)INFINITY, 1.0000001,
                          -1e-300};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memscope_sampling_config cfg = {bad[i], false, 3};
        assert_int_equal(memscope_set_sampling(t, cfg), MEMSCOPE_ERR_INVALID_ARG);
        assert_config_equal(memscope_get_sampling(t), old);
        assert_ptr_equal(memscope_with_sampling(t, cfg), t);
        assert_config_equal(memscope_get_sampling(t), old);
    }
    memscope_report r = memscope_analyze(t);
    assert_double_near(r.sample_rate, 0.25, 0.0);
    memscope_report_free(&r);

    /* the bounds themselves are valid */
    const memscope_sampling_config zero = {0.0, false, 0}, one = {1.0, false, 0};
    assert_int_equal(memscope_set_sampling(t, zero), MEMSCOPE_OK);
    assert_config_equal(memscope_get_sampling(t), zero);
    assert_int_equal(memscope_set_sampling(t, one), MEMSCOPE_OK);
    assert_config_equal(memscope_get_sampling(t), one);
    memscope_destroy(t);
}

static void test_refused_rate_keeps_old_sampling_behaviour(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    const memscope_sampling_config too_big = {1.5, false, 0}, negative = {-0.1, false, 0};
    const memscope_sampling_config nan_rate = {(double)NAN, false, 0};
    assert_int_equal(memscope_set_sampling(t, too_big), MEMSCOPE_ERR_INVALID_ARG);
    assert_ptr_equal(memscope_with_sampling(t, nan_rate), t);
    track_from_one_site(t, 1000);
    assert_int_equal(memscope_stats(t).total_allocations, 1000); /* still 1.0 */
    untrack_all(t, 1000);

    const memscope_sampling_config off = {0.0, false, 0};
    assert_int_equal(memscope_set_sampling(t, off), MEMSCOPE_OK);
    assert_int_equal(memscope_set_sampling(t, negative), MEMSCOPE_ERR_INVALID_ARG);
    assert_ptr_equal(memscope_with_sampling(t, nan_rate), t);
    track_from_one_site(t, 1000);
    assert_int_equal(memscope_stats(t).total_allocations, 1000); /* still 0.0: none added */
    untrack_all(t, 1000);
    memscope_destroy(t);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--print-kept-fingerprint") == 0) {
        char fp[64];
        kept_fingerprint(fp, sizeof fp);
        fputs(fp, stdout);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_fraction_within_5_sigma_at_rate_0_5),
        cmocka_unit_test(test_kept_fraction_within_5_sigma_at_rate_0_1),
        cmocka_unit_test(test_kept_fraction_within_5_sigma_at_rate_0_01),
        cmocka_unit_test(test_kept_fraction_single_call_site),
        cmocka_unit_test(test_kept_fraction_track_as_many_lines),
        cmocka_unit_test(test_sampling_is_not_periodic),
        cmocka_unit_test(test_rate_zero_records_nothing),
        cmocka_unit_test(test_rate_one_records_everything),
        cmocka_unit_test(test_same_sequence_twice_samples_same_calls_rate_0_5),
        cmocka_unit_test(test_same_sequence_twice_samples_same_calls_rate_0_1),
        cmocka_unit_test(test_same_calls_sampled_in_separate_processes),
        cmocka_unit_test(test_estimates_scale_recorded_by_rate),
        cmocka_unit_test(test_invalid_rates_are_refused_and_old_config_kept),
        cmocka_unit_test(test_refused_rate_keeps_old_sampling_behaviour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
