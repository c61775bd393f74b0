/* test_binary.c - the binary export (.msb, docs/FORMAT.md): every file is decoded by the
 * independent reference decoder tests/msb_decode.py and compared with the JSON export of the
 * same tracker state (events one by one, sites, stacks and frames, threads, hotspots,
 * snapshots, totals), for plain, threaded, stack-carrying, monitored, odd-named, empty and
 * multi-block runs; a churn workload costs at most 8 bytes per event (goal 6). The C reader
 * and the memscope CLI are not part of this version. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "ms_test.h"

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Exports t as JSON and .msb back to back and checks the .msb against the JSON. */
static long export_and_compare(memscope_tracker *t, const char *name) {
    char msb[MST_PATH_MAX], json[MST_PATH_MAX], file[256];
    mst_fmt(file, sizeof file, "%s.msb", name);
    mst_out_path(msb, sizeof msb, "msb", file);
    mst_fmt(file, sizeof file, "%s.json", name);
    mst_out_path(json, sizeof json, "msb", file);
    assert_int_equal(memscope_export_json(t, json), MEMSCOPE_OK);
    assert_int_equal(memscope_export_binary(t, msb), MEMSCOPE_OK);
    char *argv[] = {(char *)"python3", (char *)"tests/msb_decode.py", msb, (char *)"--compare", json, NULL};
    char out[8192];
    int rc = mst_run(argv, out, sizeof out);
    print_message("%s: %s", name, out);
    assert_int_equal(rc, 0);

    /* the reader: the loaded file answers like the live tracker did */
    char j1[MST_PATH_MAX], m2[MST_PATH_MAX], j2[MST_PATH_MAX], h1[MST_PATH_MAX];
    mst_fmt(file, sizeof file, "%s.loaded.json", name);
    mst_out_path(j1, sizeof j1, "msb", file);
    mst_fmt(file, sizeof file, "%s.again.msb", name);
    mst_out_path(m2, sizeof m2, "msb", file);
    mst_fmt(file, sizeof file, "%s.again.json", name);
    mst_out_path(j2, sizeof j2, "msb", file);
    mst_fmt(file, sizeof file, "%s.loaded.html", name);
    mst_out_path(h1, sizeof h1, "msb", file);
    memscope_result res = MEMSCOPE_ERR_IO;
    memscope_tracker *l = memscope_load(msb, &res);
    if (!l) print_error("memscope_load: %s\n", memscope_load_error());
    assert_non_null(l);
    assert_int_equal(res, MEMSCOPE_OK);
    memscope_memory_stats ls = memscope_stats(l), ts = memscope_stats(t);
    assert_int_equal(ls.total_allocations, ts.total_allocations);
    assert_int_equal(ls.total_deallocations, ts.total_deallocations);
    assert_int_equal(ls.peak_memory_bytes, ts.peak_memory_bytes);
    assert_int_equal(ls.current_memory_bytes, ts.current_memory_bytes);
    size_t nl = 0, nt = 0;
    memscope_event *el = memscope_events(l, &nl), *et = memscope_events(t, &nt);
    assert_int_equal(nl, nt);
    for (size_t i = 0; i < nl; i++) {
        assert_int_equal(el[i].kind, et[i].kind);
        assert_int_equal(el[i].address, et[i].address);
        assert_int_equal(el[i].size, et[i].size);
        assert_int_equal(el[i].thread_id, et[i].thread_id);
        assert_int_equal(el[i].alloc_thread_id, et[i].alloc_thread_id);
        assert_int_equal(el[i].stack_id, et[i].stack_id);
        assert_int_equal(el[i].line, et[i].line);
    }
    free(el);
    free(et);
    TRACK_SIZE(l, out, 16); /* read-only: records nothing */
    assert_int_equal(memscope_stats(l).total_allocations, ts.total_allocations);
    assert_int_equal(memscope_export_json(l, j1), MEMSCOPE_OK);
    assert_int_equal(memscope_export_html(l, h1), MEMSCOPE_OK);
    assert_int_equal(memscope_export_binary(l, m2), MEMSCOPE_OK);
    memscope_destroy(l);
    l = memscope_load(m2, &res);
    assert_non_null(l);
    assert_int_equal(memscope_export_json(l, j2), MEMSCOPE_OK);
    memscope_destroy(l);
    char *same[] = {(char *)"python3", (char *)"tests/json_same.py", j1, j2, NULL};
    rc = mst_run(same, out, sizeof out);
    print_message("%s: loaded .msb, written again and loaded again: %s", name, out);
    assert_int_equal(rc, 0);
    char *live[] = {(char *)"python3", (char *)"tests/json_same.py", j1, json, (char *)"--live", NULL};
    rc = mst_run(live, out, sizeof out);
    print_message("%s: loaded .msb vs the live JSON: %s", name, out);
    assert_int_equal(rc, 0);
    char *page[] = {(char *)"python3", (char *)"tests/check_html.py", h1, j1, NULL};
    rc = mst_run(page, out, sizeof out);
    print_message("%s: HTML of the loaded file: %s", name, out);
    assert_int_equal(rc, 0);
    return file_size(msb);
}

static void test_msb_plain(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *keep[10];
    for (int i = 0; i < 10; i++) {
        keep[i] = malloc((size_t)(16 * (i + 1)));
        TRACK(t, keep[i]);
    }
    for (int i = 0; i < 5; i++) { UNTRACK(t, keep[i]); free(keep[i]); }
    export_and_compare(t, "plain");
    for (int i = 5; i < 10; i++) { UNTRACK(t, keep[i]); free(keep[i]); }
    memscope_destroy(t);
}

/* Threads with call stacks and the monitor on: stacks, snapshots, thread changes, frees of
   blocks another thread allocated (the main thread frees the kept ones after the export). */
static void test_msb_threads_stacks_snapshots(void **state) {
    (void)state;
    memscope_monitor_config c = memscope_monitor_default();
    c.interval_ms = 10;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_OK);
    memscope_tracker *t = memscope_with_system_monitoring(memscope_with_sampling(memscope_new(), memscope_sampling_full()));
    mst_workload wl;
    mst_workload_run(&wl, t, 3, 1000, 9, "msb-w");
    mst_workload_release(&wl, t, 0.5); /* cross-thread frees: alloc_thread_id differs */
    uint64_t s0 = memscope_get_monitor_stats().samples;
    while (memscope_get_monitor_stats().samples < s0 + 3) { struct timespec ts = {0, 2000000}; nanosleep(&ts, NULL); }
    c.interval_ms = 3600000; /* no sample between the two exports: both see the same snapshots */
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_OK);
    export_and_compare(t, "threads");
    mst_workload_free(&wl);
    memscope_destroy(t);
    assert_int_equal(memscope_set_monitor_config(memscope_monitor_default()), MEMSCOPE_OK);
}

static void test_msb_odd_names(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    static char blocks[6][16];
    const char *names[] = {"</script>", "quote\"back\\slash", "line\nbreak", "bad\xff\xfeutf8", "", "caf\xc3\xa9"};
    for (int i = 0; i < 6; i++)
        memscope_track_as(t, blocks[i], 16, names[i], i == 4 ? NULL : "T *", i == 5 ? NULL : "dir/f.c", (uint32_t)(10 + i));
    export_and_compare(t, "odd");
    memscope_destroy(t);
}

static void test_msb_empty(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    export_and_compare(t, "empty");
    memscope_destroy(t);
}

/* 150 000 events: three EVENTS blocks; malloc/free churn at a few addresses. */
static void test_msb_churn_blocks_and_size(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    for (int i = 0; i < 75000; i++) {
        char *p = malloc(64);
        TRACK_SIZE(t, p, 64);
        UNTRACK(t, p);
        free(p);
    }
    long size = export_and_compare(t, "churn");
    double per_event = (double)size / 150000.0;
    print_message("churn: %ld bytes for 150000 events = %.2f bytes per event\n", size, per_event);
    assert_true(per_event <= 6.0);
    memscope_destroy(t);
}

static void test_msb_errors_and_replace(void **state) {
    (void)state;
    mst_check_export_errors(memscope_export_binary, "msb", "\x89MSB\r\n\x1a\n", 8);
}

/* Malformed files: every truncation, every single-byte change, bad magic, another major
   version, an absurd count with a valid CRC. Each fails with MEMSCOPE_ERR_FORMAT and a message
   naming an offset; nothing crashes or leaks (the sanitizer build runs this too). */
static void test_msb_corruption(void **state) {
    (void)state;
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    char *p[6];
    for (int i = 0; i < 6; i++) { p[i] = malloc((size_t)(10 + i)); TRACK(t, p[i]); }
    for (int i = 0; i < 3; i++) { UNTRACK(t, p[i]); free(p[i]); }
    char good[MST_PATH_MAX], bad[MST_PATH_MAX];
    mst_out_path(good, sizeof good, "msb", "small.msb");
    mst_out_path(bad, sizeof bad, "msb", "bad.msb");
    assert_int_equal(memscope_export_binary(t, good), MEMSCOPE_OK);
    for (int i = 3; i < 6; i++) { UNTRACK(t, p[i]); free(p[i]); }
    memscope_destroy(t);
    static unsigned char data[65536];
    long n = mst_read_file(good, (char *)data, sizeof data);
    assert_true(n > 100 && n < (long)sizeof data);
    memscope_result res;
    memscope_tracker *l = memscope_load(good, &res);
    assert_non_null(l);
    memscope_destroy(l);
    size_t failures = 0;
    for (long cut = 0; cut < n; cut++) { /* every truncation */
        FILE *f = fopen(bad, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, (size_t)cut, f), (size_t)cut);
        fclose(f);
        l = memscope_load(bad, &res);
        if (l) { memscope_destroy(l); fail_msg("a file cut at byte %ld loaded", cut); }
        assert_int_equal(res, MEMSCOPE_ERR_FORMAT);
        assert_non_null(strstr(memscope_load_error(), "offset"));
        failures++;
    }
    for (long i = 0; i < n; i++) { /* every byte changed: the header or a CRC catches it */
        if (i == 10 || i == 11) continue; /* the minor version: any minor of major 1 is readable */
        data[i] ^= 0x5a;
        FILE *f = fopen(bad, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        data[i] ^= 0x5a;
        l = memscope_load(bad, &res);
        if (l) { memscope_destroy(l); fail_msg("a file with byte %ld changed loaded", i); }
        assert_int_equal(res, MEMSCOPE_ERR_FORMAT);
        failures++;
    }
    print_message("%zu malformed variants of a %ld-byte file refused; e.g. \"%s\"\n", failures, n, memscope_load_error());
    l = memscope_load("/nonexistent/x.msb", &res);
    assert_null(l);
    assert_int_equal(res, MEMSCOPE_ERR_IO);
    l = memscope_load(NULL, &res);
    assert_null(l);
    assert_int_equal(res, MEMSCOPE_ERR_INVALID_ARG);
    assert_null(memscope_load("", NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msb_plain),
        cmocka_unit_test(test_msb_threads_stacks_snapshots),
        cmocka_unit_test(test_msb_odd_names),
        cmocka_unit_test(test_msb_empty),
        cmocka_unit_test(test_msb_churn_blocks_and_size),
        cmocka_unit_test(test_msb_errors_and_replace),
        cmocka_unit_test(test_msb_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
