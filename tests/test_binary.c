/* test_binary.c - the binary export (.msb, docs/FORMAT.md): every file is decoded by the
 * independent reference decoder tests/msb_decode.py and compared with the JSON export of the
 * same tracker state (events one by one, sites, stacks and frames, threads, hotspots,
 * snapshots, totals), for plain, threaded, stack-carrying, monitored, odd-named, empty and
 * multi-block runs; a churn workload costs at most 8 bytes per event (goal 6). The C reader
 * loads each file back: its JSON equals the JSON written at the same instant byte for byte
 * (memscope_export_many), and a file cut anywhere keeps its complete sections, with the
 * totals, threads and hotspots it lost recomputed exactly from its events. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ms_test.h"

typedef struct each_ctx { const memscope_event *want; size_t n, seen, bad, stop_after; int times; } each_ctx;
static int each_check(const memscope_event *e, void *ctx) {
    each_ctx *c = (each_ctx *)ctx;
    const memscope_event *w = c->seen < c->n ? &c->want[c->seen] : NULL;
    if (!w || w->kind != e->kind || w->address != e->address || w->size != e->size || w->thread_id != e->thread_id ||
        w->alloc_thread_id != e->alloc_thread_id || w->stack_id != e->stack_id || w->line != e->line ||
        (c->times && w->timestamp_ns != e->timestamp_ns)) /* (a live tracker's times: a refined ratio) */
        c->bad++;
    c->seen++;
    return c->stop_after && c->seen == c->stop_after;
}

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Offset of the first section of a type, -1 if none. */
static long section_of_type(const unsigned char *d, long n, uint32_t type) {
    long pos = 16;
    while (pos + 20 <= n) {
        uint32_t ty = (uint32_t)d[pos] | (uint32_t)d[pos + 1] << 8 | (uint32_t)d[pos + 2] << 16 | (uint32_t)d[pos + 3] << 24;
        if (ty == type) return pos;
        uint64_t len = 0;
        for (int b = 7; b >= 0; b--) len = len << 8 | d[pos + 8 + b];
        pos += 20 + (long)len;
    }
    return -1;
}

/* Size of two files with the same bytes; fails the test at the first difference. */
static long files_equal(const char *pa, const char *pb) {
    FILE *a = fopen(pa, "rb"), *b = fopen(pb, "rb");
    assert_non_null(a);
    assert_non_null(b);
    static char ba[1 << 16], bb[1 << 16];
    long total = 0;
    for (;;) {
        size_t na = fread(ba, 1, sizeof ba, a), nb = fread(bb, 1, sizeof bb, b);
        if (na != nb || memcmp(ba, bb, na) != 0) {
            size_t k = 0;
            while (k < na && k < nb && ba[k] == bb[k]) k++;
            fail_msg("%s and %s differ at byte %ld", pa, pb, total + (long)k);
        }
        total += (long)na;
        if (na < sizeof ba) break;
    }
    fclose(a);
    fclose(b);
    return total;
}

/* Exports t as JSON and .msb at one instant and checks the .msb against the JSON. */
static long export_and_compare(memscope_tracker *t, const char *name) {
    char msb[MST_PATH_MAX], json[MST_PATH_MAX], file[256];
    mst_fmt(file, sizeof file, "%s.msb", name);
    mst_out_path(msb, sizeof msb, "msb", file);
    mst_fmt(file, sizeof file, "%s.json", name);
    mst_out_path(json, sizeof json, "msb", file);
    const char *both[2] = {json, msb};
    assert_int_equal(memscope_export_many(t, both, 2), MEMSCOPE_OK);
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
    /* memscope_each_event: the same events, in the same order, without an array (a loaded
       file's decoded as they go), from the loaded and the live tracker; stopping early */
    for (int which = 0; which < 2; which++) {
        each_ctx c = {el, nl, 0, 0, 0, !which};
        assert_int_equal(memscope_each_event(which ? t : l, each_check, &c), nl);
        assert_int_equal(c.seen, nl);
        assert_int_equal(c.bad, 0);
        each_ctx stop = {el, nl, 0, 0, nl / 2 + 1, !which};
        assert_int_equal(memscope_each_event(which ? t : l, each_check, &stop), nl ? nl / 2 + 1 : 0);
    }
    assert_int_equal(memscope_each_event(NULL, each_check, NULL), 0);
    assert_int_equal(memscope_each_event(l, NULL, NULL), 0);
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
    /* byte for byte: the JSON of the loaded file is the JSON written beside it */
    long la = files_equal(j1, json);
    assert_true(la > 0);
    print_message("%s: loaded .msb -> JSON is byte-identical to the live JSON (%ld bytes)\n", name, la);
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

static memscope_tracker *load_cut(const unsigned char *d, long cut, memscope_load_info *info) {
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "msb", "trunc-cut.msb");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, (size_t)cut, f), (size_t)cut);
    fclose(f);
    memscope_result res = MEMSCOPE_ERR_IO;
    memscope_tracker *l = memscope_load(path, &res);
    if (!l) fail_msg("cut at %ld: %s", cut, memscope_load_error());
    assert_int_equal(res, MEMSCOPE_OK);
    assert_int_equal(memscope_loaded_info(l, info), MEMSCOPE_OK);
    assert_int_equal(info->complete, 0);
    print_message("cut at %ld: %s\n", cut, memscope_load_error());
    return l;
}

/* A file cut at a section boundary: what the lost sections held is recomputed from the
   events, and equals what the complete file says (no sampling, no drops). Two threads, cross-
   thread frees, stacks, 3 EVENTS blocks. */
static void test_msb_truncated(void **state) {
    (void)state;
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    mst_workload wl;
    mst_workload_run(&wl, t, 2, 40000, 7, "cut");
    mst_workload_release(&wl, t, 0.5);
    char good[MST_PATH_MAX];
    mst_out_path(good, sizeof good, "msb", "trunc.msb");
    assert_int_equal(memscope_export_binary(t, good), MEMSCOPE_OK);
    mst_workload_free(&wl);
    memscope_destroy(t);
    static unsigned char d[1 << 23];
    long n = mst_read_file(good, (char *)d, sizeof d);
    assert_true(n > 1000 && n < (long)sizeof d);
    memscope_result res;
    memscope_tracker *full = memscope_load(good, &res);
    assert_non_null(full);
    memscope_load_info fi;
    assert_int_equal(memscope_loaded_info(full, &fi), MEMSCOPE_OK);
    assert_int_equal(fi.complete, 1);
    assert_int_equal(fi.recomputed, 0);
    assert_int_equal(fi.valid_bytes, (uint64_t)n);
    memscope_report fr = memscope_analyze(full);
    size_t nfull = 0;
    memscope_event *fe = memscope_events(full, &nfull);
    assert_true(nfull > 2 * 65536);

    long end_at = section_of_type(d, n, 9), hot_at = section_of_type(d, n, 8), thr_at = section_of_type(d, n, 7);
    assert_true(thr_at > 0 && hot_at > thr_at && end_at > hot_at);
    memscope_load_info info;
    /* cut before END: the totals are recomputed, equal to END's */
    memscope_tracker *l = load_cut(d, end_at, &info);
    assert_int_equal(info.recomputed, 1u);
    assert_int_equal(info.events, nfull);
    memscope_report r = memscope_analyze(l);
    assert_int_equal(r.total_allocations, fr.total_allocations);
    assert_int_equal(r.total_deallocations, fr.total_deallocations);
    assert_int_equal(r.active_allocations, fr.active_allocations);
    assert_int_equal(r.peak_memory_bytes, fr.peak_memory_bytes);
    assert_int_equal(r.current_memory_bytes, fr.current_memory_bytes);
    assert_int_equal(r.total_allocated_bytes, fr.total_allocated_bytes);
    assert_true(r.estimated_total_bytes == fr.estimated_total_bytes);
    memscope_report_free(&r);
    memscope_destroy(l);
    /* cut before HOTSPOTS: hotspots recomputed, same order, same values */
    l = load_cut(d, hot_at, &info);
    assert_int_equal(info.recomputed, 1u | 4u);
    r = memscope_analyze(l);
    assert_int_equal(r.hotspot_count, fr.hotspot_count);
    for (size_t i = 0; i < r.hotspot_count; i++) {
        assert_string_equal(r.hotspots[i].var_name, fr.hotspots[i].var_name);
        assert_string_equal(r.hotspots[i].type_name, fr.hotspots[i].type_name);
        assert_string_equal(r.hotspots[i].location, fr.hotspots[i].location);
        assert_int_equal(r.hotspots[i].total_size, fr.hotspots[i].total_size);
        assert_int_equal(r.hotspots[i].allocation_count, fr.hotspots[i].allocation_count);
    }
    memscope_report_free(&r);
    memscope_destroy(l);
    /* cut before THREADS: per-thread figures recomputed (names are lost) */
    l = load_cut(d, thr_at, &info);
    assert_int_equal(info.recomputed, 1u | 2u | 4u);
    r = memscope_analyze(l);
    assert_int_equal(r.thread_count, fr.thread_count);
    for (size_t i = 0; i < r.thread_count; i++) {
        const memscope_thread_stats *a = &r.threads[i], *b = NULL;
        for (size_t k = 0; k < fr.thread_count; k++) if (fr.threads[k].thread_id == a->thread_id) b = &fr.threads[k];
        assert_non_null(b);
        assert_null(a->thread_name);
        assert_int_equal(a->allocations, b->allocations);
        assert_int_equal(a->deallocations, b->deallocations);
        assert_int_equal(a->allocated_bytes, b->allocated_bytes);
        assert_int_equal(a->current_bytes, b->current_bytes);
        assert_int_equal(a->peak_bytes, b->peak_bytes);
    }
    memscope_report_free(&r);
    memscope_destroy(l);
    /* cut inside the second EVENTS block: the first block's events are kept, exactly */
    long ev1 = section_of_type(d, n, 5);
    assert_true(ev1 > 0);
    long ev1_end = ev1 + 20, second = -1;
    { uint64_t len = 0; for (int b = 7; b >= 0; b--) len = len << 8 | d[ev1 + 8 + b]; ev1_end += (long)len; }
    second = section_of_type(d + ev1_end - 16, n - ev1_end + 16, 5); /* relative to a fake header */
    assert_true(second > 0);
    long cut = ev1_end - 16 + second + 1000;
    l = load_cut(d, cut, &info);
    assert_true(info.valid_bytes == (uint64_t)(ev1_end - 16 + second));
    size_t nl = 0;
    memscope_event *le = memscope_events(l, &nl);
    assert_true(nl >= 65536 && nl < nfull && nl % 65536 == 0);
    for (size_t i = 0; i < nl; i++) {
        assert_int_equal(le[i].kind, fe[i].kind);
        assert_int_equal(le[i].address, fe[i].address);
        assert_int_equal(le[i].size, fe[i].size);
        assert_int_equal(le[i].timestamp_ns, fe[i].timestamp_ns);
        assert_int_equal(le[i].stack_id, fe[i].stack_id);
    }
    free(le);
    char again[MST_PATH_MAX];
    mst_out_path(again, sizeof again, "msb", "trunc-again.msb");
    assert_int_equal(memscope_export_binary(l, again), MEMSCOPE_OK); /* a complete file of what was kept */
    memscope_destroy(l);
    l = memscope_load(again, &res);
    assert_non_null(l);
    assert_int_equal(memscope_loaded_info(l, &info), MEMSCOPE_OK);
    assert_int_equal(info.complete, 1);
    assert_int_equal(info.events, nl);
    memscope_destroy(l);
    free(fe);
    memscope_report_free(&fr);
    memscope_destroy(full);
}

/* memscope_export_many: paths checked before anything is written, one failure does not stop
   the others; auto-export with a second file writes both from one instant. */
static void test_export_many_and_auto_also(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *p = malloc(40);
    TRACK(t, p);
    char j[MST_PATH_MAX], m[MST_PATH_MAX], j2[MST_PATH_MAX];
    mst_out_path(j, sizeof j, "many", "a.json");
    mst_out_path(m, sizeof m, "many", "a.msb");
    mst_out_path(j2, sizeof j2, "many", "a.loaded.json");
    remove(j);
    const char *bad1[] = {j, "report.txt"}, *bad2[] = {j, NULL}, *bad3[] = {j, ""};
    assert_int_equal(memscope_export_many(t, bad1, 2), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_export_many(t, bad2, 2), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_export_many(t, bad3, 2), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(access(j, F_OK), -1); /* nothing written */
    assert_int_equal(memscope_export_many(t, bad1, 0), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_export_many(NULL, bad1, 1), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_export_many(t, NULL, 1), MEMSCOPE_ERR_INVALID_ARG);
    const char *mixed[] = {"/proc/memscope-nope/x.msb", j};
    assert_int_equal(memscope_export_many(t, mixed, 2), MEMSCOPE_ERR_IO);
    assert_int_equal(access(j, F_OK), 0); /* the good one was written anyway */
    /* auto-export of two formats at exit of the tracker */
    memscope_with_auto_export_also(t, m); /* no effect without a first path */
    memscope_with_auto_export(t, j);
    memscope_with_auto_export_also(t, m);
    remove(j);
    remove(m);
    UNTRACK(t, p);
    free(p);
    memscope_destroy(t);
    memscope_result res;
    memscope_tracker *l = memscope_load(m, &res);
    assert_non_null(l);
    assert_int_equal(memscope_stats(l).total_allocations, 1);
    assert_int_equal(memscope_stats(l).total_deallocations, 1);
    assert_int_equal(memscope_export_json(l, j2), MEMSCOPE_OK);
    memscope_destroy(l);
    files_equal(j, j2);
    memscope_load_info info;
    assert_int_equal(memscope_loaded_info(NULL, &info), MEMSCOPE_ERR_INVALID_ARG);
    t = memscope_new();
    assert_int_equal(memscope_loaded_info(t, &info), MEMSCOPE_ERR_INVALID_ARG); /* not loaded */
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
    size_t failures = 0, partial = 0;
    long meta_at = section_of_type(data, n, 1), meta_end = -1; /* the end of the META section */
    if (meta_at > 0) { uint64_t len = 0; for (int b = 7; b >= 0; b--) len = len << 8 | data[meta_at + 8 + b]; meta_end = meta_at + 20 + (long)len; }
    assert_true(meta_end > 16);
    for (long cut = 0; cut < n; cut++) { /* every truncation */
        FILE *f = fopen(bad, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, (size_t)cut, f), (size_t)cut);
        fclose(f);
        l = memscope_load(bad, &res);
        if (cut < meta_end) { /* nothing to keep */
            if (l) { memscope_destroy(l); fail_msg("a file cut at byte %ld, before META ends, loaded", cut); }
            assert_int_equal(res, MEMSCOPE_ERR_FORMAT);
            assert_non_null(strstr(memscope_load_error(), "offset"));
            failures++;
            continue;
        }
        if (!l) fail_msg("a file cut at byte %ld (after META) did not load: %s", cut, memscope_load_error());
        memscope_load_info info;
        assert_int_equal(memscope_loaded_info(l, &info), MEMSCOPE_OK);
        assert_int_equal(info.complete, 0);
        assert_int_equal(info.file_bytes, (uint64_t)cut);
        assert_true(info.valid_bytes <= (uint64_t)cut && info.valid_bytes >= (uint64_t)meta_end);
        assert_non_null(strstr(memscope_load_error(), "truncated after section"));
        char j[MST_PATH_MAX];
        mst_out_path(j, sizeof j, "msb", "cut.json");
        assert_int_equal(memscope_export_json(l, j), MEMSCOPE_OK); /* what was kept exports */
        memscope_destroy(l);
        partial++;
    }
    print_message("every cut of a %ld-byte file: %zu before META refused, %zu loaded partially\n", n, failures, partial);
    for (long i = 0; i < n; i++) { /* every byte changed: the header or a CRC catches it */
        if (i == 10 || i == 11) continue; /* the minor version: any minor of major 1 is readable */
        data[i] ^= 0x5a;
        FILE *f = fopen(bad, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        data[i] ^= 0x5a;
        l = memscope_load(bad, &res);
        if (l) {
            /* a changed length can only look like a cut: then the damaged section is dropped */
            memscope_load_info info;
            assert_int_equal(memscope_loaded_info(l, &info), MEMSCOPE_OK);
            memscope_destroy(l);
            if (info.complete) fail_msg("a file with byte %ld changed loaded as complete", i);
            assert_true(info.valid_bytes <= (uint64_t)i);
            continue;
        }
        assert_int_equal(res, MEMSCOPE_ERR_FORMAT);
        failures++;
    }
    print_message("%zu malformed variants of a %ld-byte file refused; e.g. \"%s\"\n", failures, n, memscope_load_error());
    /* absurd counts behind a valid CRC: refused before anything is reserved for them */
    struct { uint32_t type; unsigned char payload[12]; size_t len; const char *why; } absurd[] = {
        {2, {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 10, "count larger"},  /* 2^63 strings */
        {2, {0x01, 0xff, 0xff, 0xff, 0xff, 0x0f}, 6, "runs past"},                          /* one 4 GiB string */
        {5, {0x81, 0x80, 0x04}, 3, "more than 65 536"},                                    /* 65 537 events */
        {4, {0xff, 0xff, 0xff, 0xff, 0x0f}, 5, "count larger"},                             /* 4 G stacks */
        {1, {0x01, 0x07, 0x01, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f}, 11, "wrong wire type"},        /* META pid as an f64 */
    };
    for (size_t k = 0; k < sizeof absurd / sizeof absurd[0]; k++) {
        unsigned char img[96];
        size_t m = 0;
        memcpy(img, data, 16); /* the header */
        m = 16;
        size_t meta_len = (size_t)(meta_end - meta_at);
        if (absurd[k].type > 2) { memcpy(img + m, data + meta_at, meta_len > 60 ? 0 : meta_len); m += meta_len > 60 ? 0 : meta_len; }
        unsigned char *h = img + m;
        memset(h, 0, 16);
        h[0] = (unsigned char)absurd[k].type;
        h[8] = (unsigned char)absurd[k].len;
        memcpy(h + 16, absurd[k].payload, absurd[k].len);
        uint32_t crc = ms__crc32(0, h, 16 + absurd[k].len);
        for (int b = 0; b < 4; b++) h[16 + absurd[k].len + (size_t)b] = (unsigned char)(crc >> (8 * b));
        m += 20 + absurd[k].len;
        FILE *f = fopen(bad, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(img, 1, m, f), m);
        fclose(f);
        l = memscope_load(bad, &res);
        if (l) { memscope_destroy(l); fail_msg("absurd case %zu loaded", k); }
        assert_int_equal(res, MEMSCOPE_ERR_FORMAT);
        if (!strstr(memscope_load_error(), absurd[k].why)) fail_msg("absurd case %zu: %s", k, memscope_load_error());
        print_message("absurd case %zu refused: %s\n", k, memscope_load_error());
    }
    l = memscope_load("/nonexistent/x.msb", &res);
    assert_null(l);
    assert_int_equal(res, MEMSCOPE_ERR_IO);
    l = memscope_load(NULL, &res);
    assert_null(l);
    assert_int_equal(res, MEMSCOPE_ERR_INVALID_ARG);
    assert_null(memscope_load("", NULL));
}

/* The reader checks the magic with one small read before anything else, and refuses what
   is not a regular file at once (a FIFO with no writer would block an open for reading). */
static void test_load_checks_magic_first_and_refuses_special_files(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], path[MST_PATH_MAX];
    mst_out_dir(dir, sizeof dir, "reader");
    mst_fmt(path, sizeof path, "%s/huge-junk.msb", dir);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "junk", 4), 4);
    off_t big = (off_t)1 << 40; /* 1 TiB, sparse: reading it whole would need 1 TiB of memory */
    if (ftruncate(fd, big) != 0) { big = (off_t)1 << 34; assert_int_equal(ftruncate(fd, big), 0); }
    close(fd);
    memscope_result res = MEMSCOPE_OK;
    assert_null(memscope_load(path, &res));
    assert_int_equal(res, MEMSCOPE_ERR_FORMAT);
    assert_non_null(strstr(memscope_load_error(), "bad magic"));
    unlink(path);

    mst_fmt(path, sizeof path, "%s/fifo.msb", dir);
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_null(memscope_load(path, &res)); /* would block forever in open() before */
    assert_int_equal(res, MEMSCOPE_ERR_NOT_REGULAR);
    assert_non_null(strstr(memscope_load_error(), "not a regular file (a FIFO or pipe)"));
    unlink(path);
    assert_null(memscope_load(dir, &res));
    assert_int_equal(res, MEMSCOPE_ERR_NOT_REGULAR);
    assert_null(memscope_load("/dev/null", &res));
    assert_int_equal(res, MEMSCOPE_ERR_NOT_REGULAR);
    assert_non_null(strstr(memscope_load_error(), "a device"));
}

/* memscope_msb_record_exit: what `memscope run` does to its program's streamed file when the
   program ended without END. Streamed files from the fuzz corpus (tests/fuzz/make_stream_seeds.py). */
static long copy_seed(const char *seed, const char *to, unsigned char *buf, size_t cap) {
    char from[MST_PATH_MAX];
    mst_fmt(from, sizeof from, "tests/fuzz/corpus/%s", seed);
    long n = mst_read_file(from, (char *)buf, cap);
    assert_true(n > 100 && n < (long)cap - 1);
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, (size_t)n), n);
    close(fd);
    return n;
}
/* the end of the last section whose length fits in the file */
static long complete_end(const unsigned char *d, long n) {
    long pos = 16;
    while (pos + 20 <= n) {
        uint64_t len = 0;
        for (int b = 7; b >= 0; b--) len = len << 8 | d[pos + 8 + b];
        if (len > (uint64_t)(n - pos - 20)) break;
        pos += 20 + (long)len;
    }
    return pos;
}
static void test_msb_record_exit(void **state) {
    (void)state;
    static unsigned char orig[1 << 16], now[1 << 16];
    char path[MST_PATH_MAX], json[MST_PATH_MAX];
    memscope_result res;
    memscope_context cx;
    memscope_load_info li;
    /* a run that wrote END: left byte for byte as it is, whatever the status given */
    mst_out_path(path, sizeof path, "exit", "complete.msb");
    long n = copy_seed("stream-complete.msb", path, orig, sizeof orig);
    assert_int_equal(memscope_msb_record_exit(path, -1, 9), MEMSCOPE_OK);
    assert_int_equal(mst_read_file(path, (char *)now, sizeof now), n);
    assert_memory_equal(now, orig, (size_t)n);
    /* killed inside its third block: the partial section cut off, EXIT appended */
    mst_out_path(path, sizeof path, "exit", "killed.msb");
    n = copy_seed("stream-cut-mid-section.msb", path, orig, sizeof orig);
    long keep = complete_end(orig, n);
    assert_true(keep < n);
    assert_int_equal(memscope_msb_record_exit(path, -1, 9), MEMSCOPE_OK);
    static const unsigned char exit9[22] = {13, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0x89, 0x02, 0xB5, 0x92, 0x0A, 0x94};
    assert_int_equal(mst_read_file(path, (char *)now, sizeof now), keep + 22);
    assert_memory_equal(now, orig, (size_t)keep);
    assert_memory_equal(now + keep, exit9, 22); /* docs/FORMAT.md's example, CRC included */
    memscope_tracker *t = memscope_load(path, &res);
    assert_non_null(t);
    assert_int_equal(memscope_loaded_info(t, &li), MEMSCOPE_OK);
    assert_int_equal(li.complete, 0);
    assert_int_equal(li.streamed, 1);
    assert_int_equal(li.valid_bytes, (uint64_t)keep + 22);
    assert_non_null(strstr(memscope_load_error(), "the run did not end normally (memscope run recorded: killed by signal 9 (SIGKILL)): "));
    assert_int_equal(memscope_get_context(t, &cx), MEMSCOPE_OK);
    assert_int_equal(cx.exit_signal, 9);
    assert_int_equal(cx.exit_status, -1);
    mst_out_path(json, sizeof json, "exit", "killed.json");
    assert_int_equal(memscope_export_json(t, json), MEMSCOPE_OK);
    static char text[1 << 16];
    assert_true(mst_read_file(json, text, sizeof text) > 0);
    assert_non_null(strstr(text, "\"exit_status\":null,\"exit_signal\":9}"));
    memscope_destroy(t);
    /* the same file again (EXIT there now): untouched, even with another status */
    assert_int_equal(memscope_msb_record_exit(path, 3, 0), MEMSCOPE_OK);
    assert_int_equal(mst_read_file(path, (char *)orig, sizeof orig), keep + 22);
    assert_memory_equal(orig, now, (size_t)keep + 22);
    /* ended in _exit(3) after its second block, at a section boundary: nothing cut */
    mst_out_path(path, sizeof path, "exit", "exited.msb");
    n = copy_seed("stream-cut-after-block.msb", path, orig, sizeof orig);
    assert_int_equal(complete_end(orig, n), n);
    assert_int_equal(memscope_msb_record_exit(path, 3, 0), MEMSCOPE_OK);
    assert_int_equal(mst_read_file(path, (char *)now, sizeof now), n + 21);
    assert_memory_equal(now, orig, (size_t)n);
    assert_int_equal(now[n], 13);
    assert_int_equal(now[n + 16], 4); /* how = 1 + 3 */
    t = memscope_load(path, &res);
    assert_non_null(t);
    assert_non_null(strstr(memscope_load_error(), "(memscope run recorded: exit status 3, without memscope's end of the run: _exit or exec)"));
    assert_int_equal(memscope_get_context(t, &cx), MEMSCOPE_OK);
    assert_int_equal(cx.exit_status, 3);
    assert_int_equal(cx.exit_signal, 0);
    memscope_destroy(t);
    /* a section with a bad CRC: refused, untouched */
    mst_out_path(path, sizeof path, "exit", "corrupt.msb");
    n = copy_seed("stream-cut-after-block.msb", path, orig, sizeof orig);
    orig[40] ^= 1;
    int fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, orig, (size_t)n), n);
    close(fd);
    assert_int_equal(memscope_msb_record_exit(path, -1, 9), MEMSCOPE_ERR_FORMAT);
    assert_int_equal(mst_read_file(path, (char *)now, sizeof now), n);
    assert_memory_equal(now, orig, (size_t)n);
    /* an export (not streamed) cut before END: refused, untouched */
    mst_out_path(path, sizeof path, "exit", "export.msb");
    n = copy_seed("plain.msb", path, orig, sizeof orig);
    long end_at = section_of_type(orig, n, 9);
    assert_true(end_at > 16);
    assert_int_equal(truncate(path, end_at), 0);
    assert_int_equal(memscope_msb_record_exit(path, -1, 9), MEMSCOPE_ERR_FORMAT);
    assert_int_equal(file_size(path), end_at);
    /* arguments, and what is not a file */
    assert_int_equal(memscope_msb_record_exit(NULL, 0, 0), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_msb_record_exit(path, -1, 0), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_msb_record_exit(path, 256, 0), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_msb_record_exit(path, -1, 128), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(memscope_msb_record_exit("/dev/null", -1, 9), MEMSCOPE_ERR_NOT_REGULAR);
    mst_fmt(json, sizeof json, "%s.none", path);
    assert_int_equal(memscope_msb_record_exit(json, -1, 9), MEMSCOPE_ERR_IO);
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
        cmocka_unit_test(test_msb_truncated),
        cmocka_unit_test(test_export_many_and_auto_also),
        cmocka_unit_test(test_load_checks_magic_first_and_refuses_special_files),
        cmocka_unit_test(test_msb_record_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
