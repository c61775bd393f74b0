/* test_formats.c - the writers for other tools (pprof, folded stacks, Chrome Trace Event JSON,
 * Prometheus): one state with two threads, call stacks, named sites, frees and leaks is
 * written in every format at one instant with the JSON report beside it (expected values for
 * the checkers that run the real consumers: tests/formats/run.sh); each file is written again
 * from the loaded .msb and must be byte-identical; totals are checked here where the format is
 * simple enough to read back in C; the periodic Prometheus file is rewritten by the monitor. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ms_test.h"

static const char *const exts[] = {"report.json", "run.msb", "profile.pb.gz", "stacks.folded", "run.trace.json", "metrics.prom",
                                    "run.massif", "run.dhat.json"};
#define NF (sizeof exts / sizeof exts[0])

static long slurp(const char *path, char **out) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc((size_t)n + 1);
    if (!*out || fread(*out, 1, (size_t)n, f) != (size_t)n) { fclose(f); return -1; }
    (*out)[n] = 0;
    fclose(f);
    return n;
}

static void write_all(memscope_tracker *t, const char *dir, char paths[NF][MST_PATH_MAX]) {
    const char *p[NF];
    for (size_t i = 0; i < NF; i++) { mst_out_path(paths[i], MST_PATH_MAX, dir, exts[i]); p[i] = paths[i]; }
    assert_int_equal(memscope_export_many(t, p, NF), MEMSCOPE_OK);
}

static void test_every_format_live_and_loaded(void **state) {
    (void)state;
    memscope_sampling_config c = memscope_sampling_full();
    c.max_stack_depth = 16;
    memscope_tracker *t = memscope_with_sampling(memscope_new(), c);
    mst_workload wl;
    mst_workload_run(&wl, t, 2, 3000, 5, "fmt");
    mst_workload_release(&wl, t, 0.5);
    char *named = malloc(777);
    TRACK(t, named);
    char live[NF][MST_PATH_MAX], again[NF][MST_PATH_MAX];
    write_all(t, "formats/live", live);
    memscope_report r = memscope_analyze(t);
    /* folded: every line "frames VALUE", values sum to the bytes allocated */
    char *text = NULL;
    assert_true(slurp(live[3], &text) > 0);
    uint64_t sum = 0, lines = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *sp = strrchr(line, ' ');
        assert_non_null(sp);
        sum += strtoull(sp + 1, NULL, 10);
        lines++;
    }
    free(text);
    assert_int_equal(sum, r.total_allocated_bytes);
    print_message("folded: %" PRIu64 " lines, %" PRIu64 " bytes = total_allocated_bytes\n", lines, sum);
    /* prometheus: the totals as samples */
    assert_true(slurp(live[5], &text) > 0);
    char want[128];
    snprintf(want, sizeof want, "memscope_allocations_total{program=\"");
    assert_non_null(strstr(text, want));
    snprintf(want, sizeof want, "\"} %zu\n", r.total_allocations);
    assert_non_null(strstr(strstr(text, "memscope_allocations_total{"), want));
    snprintf(want, sizeof want, "\"} %" PRIu64 "\n", r.peak_memory_bytes);
    assert_non_null(strstr(strstr(text, "memscope_peak_bytes{"), want));
    assert_non_null(strstr(text, "# TYPE memscope_live_bytes gauge\n"));
    assert_non_null(strstr(text, ",thread=\"fmt0\",tid=\""));
    free(text);
    /* the same files from the loaded .msb: byte for byte */
    memscope_result res;
    memscope_tracker *l = memscope_load(live[1], &res);
    assert_non_null(l);
    write_all(l, "formats/loaded", again);
    for (size_t i = 0; i < NF; i++) {
        char *a = NULL, *b = NULL;
        long na = slurp(live[i], &a), nb = slurp(again[i], &b);
        assert_true(na > 0);
        if (na != nb || memcmp(a, b, (size_t)na) != 0) fail_msg("%s differs when written from the loaded file", exts[i]);
        free(a);
        free(b);
    }
    print_message("json, msb, pprof, folded, trace, prometheus, massif, dhat: identical from the live tracker and the loaded file\n");
    /* expected values for the consumers' checks (tests/formats/run.sh) */
    char exp[MST_PATH_MAX];
    mst_out_path(exp, sizeof exp, "formats", "expected.json");
    FILE *f = fopen(exp, "w");
    assert_non_null(f);
    fprintf(f, "{\"alloc_objects\": %zu, \"alloc_space\": %" PRIu64 ", \"inuse_objects\": %zu, \"inuse_space\": %" PRIu64
               ", \"peak\": %" PRIu64 ", \"threads\": %zu}\n",
            r.total_allocations, r.total_allocated_bytes, r.active_allocations, r.current_memory_bytes, r.peak_memory_bytes,
            r.thread_count);
    fclose(f);
    memscope_report_free(&r);
    memscope_destroy(l);
    UNTRACK(t, named);
    free(named);
    mst_workload_free(&wl);
    memscope_destroy(t);
}

/* Sampled at rate 0.25: values are scaled back, so the totals estimate every call. */
static void test_sampled_values_unbiased(void **state) {
    (void)state;
    memscope_sampling_config c = {0.25, false, 0};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), c);
    enum { N = 40000 };
    static char blocks[N][8];
    for (int i = 0; i < N; i++) TRACK_SIZE(t, blocks[i], 100);
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "formats", "sampled.folded");
    assert_int_equal(memscope_export_folded(t, path), MEMSCOPE_OK);
    char *text = NULL;
    assert_true(slurp(path, &text) > 0);
    uint64_t v = strtoull(strrchr(text, ' ') + 1, NULL, 10);
    free(text);
    memscope_report r = memscope_analyze(t);
    print_message("rate 0.25: %zu of %d recorded, folded total %" PRIu64 " bytes (true %d)\n", r.total_allocations, N, v, N * 100);
    assert_int_equal(v, r.total_allocations * 100 * 4); /* each recorded one counts 4 */
    assert_true(v > (uint64_t)N * 90 && v < (uint64_t)N * 110);
    memscope_report_free(&r);
    for (int i = 0; i < N; i++) UNTRACK(t, blocks[i]);
    memscope_destroy(t);
}

static void test_prometheus_periodic(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "formats", "periodic.prom");
    remove(path);
    memscope_monitor_config mc = memscope_monitor_default();
    mc.interval_ms = 20;
    assert_int_equal(memscope_set_monitor_config(mc), MEMSCOPE_OK);
    memscope_tracker *t = memscope_new();
    assert_int_equal(memscope_set_prometheus_file(t, "/proc/memscope-nope/x.prom", 1), MEMSCOPE_ERR_IO);
    assert_int_equal(memscope_set_prometheus_file(t, path, 0), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_set_prometheus_file(t, path, 1), MEMSCOPE_OK);
    char *text = NULL;
    assert_true(slurp(path, &text) > 0); /* written at once */
    assert_non_null(strstr(text, "memscope_allocations_total{program=\"test_formats\",pid=\""));
    assert_non_null(strstr(strstr(text, "memscope_allocations_total{"), "} 0\n"));
    free(text);
    static char blocks[5][16];
    for (int i = 0; i < 5; i++) TRACK_SIZE(t, blocks[i], 16);
    int seen = 0;
    for (int i = 0; i < 300 && !seen; i++) { /* rewritten by the monitor within ~1 s */
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
        if (slurp(path, &text) > 0) {
            const char *s = strstr(text, "memscope_allocations_total{");
            seen = s && strstr(s, "} 5\n") != NULL;
            free(text);
        }
    }
    assert_true(seen);
    assert_non_null(strstr((slurp(path, &text), text), "process_resident_bytes{")); /* the monitor's fields too */
    free(text);
    assert_int_equal(memscope_set_prometheus_file(t, NULL, 0), MEMSCOPE_OK);
    for (int i = 0; i < 5; i++) UNTRACK(t, blocks[i]);
    memscope_destroy(t);
    assert_int_equal(memscope_set_monitor_config(memscope_monitor_default()), MEMSCOPE_OK);
}

static void test_format_errors(void **state) {
    (void)state;
    mst_check_export_errors(memscope_export_pprof, "pb.gz", "\x1f\x8b", 2);
    mst_check_export_errors(memscope_export_folded, "folded", "", 0);
    mst_check_export_errors(memscope_export_trace, "trace.json", "{", 1);
    mst_check_export_errors(memscope_export_prometheus, "prom", "# HELP", 6);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_format_live_and_loaded),
        cmocka_unit_test(test_sampled_values_unbiased),
        cmocka_unit_test(test_prometheus_periodic),
        cmocka_unit_test(test_format_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
