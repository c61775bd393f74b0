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
    memscope_tracker *t = memscope_new();
    assert_int_equal(memscope_export_binary(NULL, "x.msb"), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_export_binary(t, NULL), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_export_binary(t, ""), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_export_binary(t, "/proc/memscope-cannot/x.msb"), MEMSCOPE_ERR_IO);
    char path[MST_PATH_MAX], buf[16];
    mst_out_path(path, sizeof path, "msb", "replace.msb");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old", f);
    fclose(f);
    assert_int_equal(memscope_export(t, path), MEMSCOPE_OK);
    assert_true(mst_read_file(path, buf, sizeof buf) >= 8);
    assert_memory_equal(buf, "\x89MSB\r\n\x1a\n", 8);
    memscope_destroy(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_msb_plain),
        cmocka_unit_test(test_msb_threads_stacks_snapshots),
        cmocka_unit_test(test_msb_odd_names),
        cmocka_unit_test(test_msb_empty),
        cmocka_unit_test(test_msb_churn_blocks_and_size),
        cmocka_unit_test(test_msb_errors_and_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
