/* test_json_load.c - memscope_load reads memscope's JSON report (README "JSON schema") back:
 * for plain, threaded (call stacks, cross-thread frees, monitor snapshots), odd-named, empty,
 * multi-block and capped runs, the JSON and the .msb written at one instant
 * (memscope_export_many) load into trackers that answer alike: the same totals, report,
 * events one by one (times included), stack frames with their inlined calls and lines, per-
 * stack costs; the JSON of the loaded JSON is the JSON itself byte for byte, and its HTML is
 * the HTML of the loaded .msb. A report without its totals loads with them recomputed and says
 * so; every malformed report (each cut of a small one, wrong types, numbers beyond 2^64 or the
 * largest double, deep nesting, bad escapes and UTF-8, events naming undefined sites or
 * stacks, ...) is refused with MEMSCOPE_ERR_FORMAT and an offset, never a crash. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "ms_test.h"

static long file_size_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static char *slurp(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = (char *)malloc((size_t)*len + 1);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)*len, f), (size_t)*len);
    d[*len] = 0;
    fclose(f);
    return d;
}

static void put_file(const char *path, const char *d, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
}

static void assert_same_file(const char *a, const char *b) {
    long na, nb;
    char *da = slurp(a, &na), *db = slurp(b, &nb);
    if (na != nb || memcmp(da, db, (size_t)na) != 0) {
        long k = 0;
        while (k < na && k < nb && da[k] == db[k]) k++;
        fail_msg("%s and %s differ at byte %ld", a, b, k);
    }
    free(da);
    free(db);
}

/* The two loaded trackers answer alike. */
static void compare_loaded(memscope_tracker *j, memscope_tracker *m) {
    memscope_report rj = memscope_analyze(j), rm = memscope_analyze(m);
    assert_int_equal(rj.total_allocations, rm.total_allocations);
    assert_int_equal(rj.total_deallocations, rm.total_deallocations);
    assert_int_equal(rj.active_allocations, rm.active_allocations);
    assert_int_equal(rj.peak_memory_bytes, rm.peak_memory_bytes);
    assert_int_equal(rj.current_memory_bytes, rm.current_memory_bytes);
    assert_int_equal(rj.total_allocated_bytes, rm.total_allocated_bytes);
    assert_int_equal(rj.dropped_events, rm.dropped_events);
    assert_int_equal(rj.dropped_snapshots, rm.dropped_snapshots);
    assert_true(rj.duration_sec == rm.duration_sec);
    assert_true(rj.allocation_rate_per_sec == rm.allocation_rate_per_sec);
    assert_true(rj.sample_rate == rm.sample_rate);
    assert_int_equal(rj.hotspot_count, rm.hotspot_count);
    for (size_t i = 0; i < rj.hotspot_count; i++) {
        assert_int_equal(rj.hotspots[i].total_size, rm.hotspots[i].total_size);
        assert_int_equal(rj.hotspots[i].allocation_count, rm.hotspots[i].allocation_count);
    }
    assert_int_equal(rj.thread_count, rm.thread_count);
    for (size_t i = 0; i < rj.thread_count; i++) {
        assert_int_equal(rj.threads[i].thread_id, rm.threads[i].thread_id);
        assert_int_equal(rj.threads[i].peak_bytes, rm.threads[i].peak_bytes);
        assert_string_equal(rj.threads[i].thread_name ? rj.threads[i].thread_name : "",
                            rm.threads[i].thread_name ? rm.threads[i].thread_name : "");
    }
    assert_int_equal(rj.system_snapshot_count, rm.system_snapshot_count);
    for (size_t i = 0; i < rj.system_snapshot_count; i++) {
        assert_int_equal(rj.system_snapshots[i].elapsed_ns, rm.system_snapshots[i].elapsed_ns);
        assert_int_equal(rj.system_snapshots[i].memory_usage_bytes, rm.system_snapshots[i].memory_usage_bytes);
        assert_int_equal(rj.system_snapshots[i].available, rm.system_snapshots[i].available);
    }
    memscope_report_free(&rj);
    memscope_report_free(&rm);
    memscope_context cj, cm;
    assert_int_equal(memscope_get_context(j, &cj), MEMSCOPE_OK);
    assert_int_equal(memscope_get_context(m, &cm), MEMSCOPE_OK);
    assert_int_equal(cj.pid, cm.pid);
    assert_int_equal(cj.ppid, cm.ppid);
    assert_int_equal(cj.start_unix_ms, cm.start_unix_ms);
    assert_int_equal(cj.whole_program, cm.whole_program);
    assert_int_equal(cj.exit_status, cm.exit_status);
    assert_string_equal(cj.command_line ? cj.command_line : "", cm.command_line ? cm.command_line : "");
    assert_int_equal(memscope_sample_bytes(j), memscope_sample_bytes(m));
    memscope_sampling_config sj = memscope_get_sampling(j), sm = memscope_get_sampling(m);
    assert_int_equal(sj.capture_call_stack, sm.capture_call_stack);
    assert_int_equal(sj.max_stack_depth, sm.max_stack_depth);

    size_t nj = 0, nm = 0;
    memscope_event *ej = memscope_events(j, &nj), *em = memscope_events(m, &nm);
    assert_int_equal(nj, nm);
    uint32_t max_stack = 0;
    for (size_t i = 0; i < nj; i++) {
        assert_int_equal(ej[i].kind, em[i].kind);
        assert_int_equal(ej[i].timestamp_ns, em[i].timestamp_ns);
        assert_int_equal(ej[i].address, em[i].address);
        assert_int_equal(ej[i].size, em[i].size);
        assert_int_equal(ej[i].thread_id, em[i].thread_id);
        assert_int_equal(ej[i].alloc_thread_id, em[i].alloc_thread_id);
        assert_int_equal(ej[i].stack_id, em[i].stack_id);
        assert_int_equal(ej[i].line, em[i].line);
        if (ej[i].stack_id > max_stack) max_stack = ej[i].stack_id;
    }
    free(ej);
    free(em);
    /* every stack: the frames a reader sees, inlined calls and lines included */
    memscope_symbol fj[640], fm[640];
    for (uint32_t id = 1; id <= max_stack; id++) {
        size_t a = memscope_stack_symbols(j, id, fj, 640), b = memscope_stack_symbols(m, id, fm, 640);
        assert_int_equal(a, b);
        assert_int_equal(memscope_stack_frames(j, id, NULL, 0), memscope_stack_frames(m, id, NULL, 0));
        for (size_t k = 0; k < a && k < 640; k++) {
            assert_int_equal(fj[k].address, fm[k].address);
            assert_int_equal(fj[k].has_offset, fm[k].has_offset);
            assert_int_equal(fj[k].offset, fm[k].offset);
            assert_int_equal(fj[k].line, fm[k].line);
            assert_int_equal(fj[k].inlined, fm[k].inlined);
            assert_string_equal(fj[k].function ? fj[k].function : "-", fm[k].function ? fm[k].function : "-");
            assert_string_equal(fj[k].file ? fj[k].file : "-", fm[k].file ? fm[k].file : "-");
            assert_string_equal(fj[k].module ? fj[k].module : "-", fm[k].module ? fm[k].module : "-");
        }
    }
    memscope_stack_cost *cj0 = NULL, *cm0 = NULL;
    size_t ncj = memscope_stack_costs(j, &cj0), ncm = memscope_stack_costs(m, &cm0);
    assert_int_equal(ncj, ncm);
    for (size_t i = 0; i < ncj; i++) {
        assert_int_equal(cj0[i].stack_id, cm0[i].stack_id);
        assert_int_equal(cj0[i].leaked_bytes, cm0[i].leaked_bytes);
        assert_int_equal(cj0[i].peak_bytes, cm0[i].peak_bytes);
        assert_int_equal(cj0[i].where, cm0[i].where);
    }
    free(cj0);
    free(cm0);
}

/* t's JSON and .msb of one instant, loaded and compared; the JSON of the loaded JSON is the
   JSON, the HTML of both the same. Returns the number of events. */
static size_t json_vs_msb(memscope_tracker *t, const char *name) {
    char json[MST_PATH_MAX], msb[MST_PATH_MAX], j2[MST_PATH_MAX], h1[MST_PATH_MAX], h2[MST_PATH_MAX], m2[MST_PATH_MAX], j3[MST_PATH_MAX], f[256];
    mst_fmt(f, sizeof f, "%s.json", name); mst_out_path(json, sizeof json, "jsonload", f);
    mst_fmt(f, sizeof f, "%s.msb", name); mst_out_path(msb, sizeof msb, "jsonload", f);
    mst_fmt(f, sizeof f, "%s.again.json", name); mst_out_path(j2, sizeof j2, "jsonload", f);
    mst_fmt(f, sizeof f, "%s.from-json.html", name); mst_out_path(h1, sizeof h1, "jsonload", f);
    mst_fmt(f, sizeof f, "%s.from-msb.html", name); mst_out_path(h2, sizeof h2, "jsonload", f);
    mst_fmt(f, sizeof f, "%s.from-json.msb", name); mst_out_path(m2, sizeof m2, "jsonload", f);
    mst_fmt(f, sizeof f, "%s.via-msb.json", name); mst_out_path(j3, sizeof j3, "jsonload", f);
    const char *both[2] = {json, msb};
    assert_int_equal(memscope_export_many(t, both, 2), MEMSCOPE_OK);
    memscope_result res = MEMSCOPE_ERR_IO;
    memscope_tracker *lj = memscope_load(json, &res);
    if (!lj) fail_msg("%s: %s", json, memscope_load_error());
    assert_int_equal(res, MEMSCOPE_OK);
    assert_string_equal(memscope_load_error(), "");
    memscope_tracker *lm = memscope_load(msb, &res);
    assert_non_null(lm);
    memscope_load_info info;
    assert_int_equal(memscope_loaded_info(lj, &info), MEMSCOPE_OK);
    assert_int_equal(info.complete, 1);
    assert_int_equal(info.recomputed, 0);
    assert_int_equal(info.file_bytes, (uint64_t)file_size_of(json));
    compare_loaded(lj, lm);
    size_t n = 0;
    free(memscope_events(lj, &n));
    assert_int_equal(memscope_export_json(lj, j2), MEMSCOPE_OK);
    assert_same_file(j2, json);
    assert_int_equal(memscope_export_html(lj, h1), MEMSCOPE_OK);
    assert_int_equal(memscope_export_html(lm, h2), MEMSCOPE_OK);
    assert_same_file(h1, h2);
    /* JSON -> .msb -> JSON */
    assert_int_equal(memscope_export_binary(lj, m2), MEMSCOPE_OK);
    memscope_tracker *l3 = memscope_load(m2, &res);
    assert_non_null(l3);
    assert_int_equal(memscope_export_json(l3, j3), MEMSCOPE_OK);
    assert_same_file(j3, json);
    memscope_destroy(l3);
    memscope_destroy(lj);
    memscope_destroy(lm);
    print_message("%s: JSON and .msb load alike (%zu events); JSON -> JSON and JSON -> .msb -> JSON byte-identical\n", name, n);
    return n;
}

static void test_json_plain(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *keep[10];
    for (int i = 0; i < 10; i++) {
        keep[i] = malloc((size_t)(16 * (i + 1)));
        TRACK(t, keep[i]);
    }
    for (int i = 0; i < 5; i++) { UNTRACK(t, keep[i]); free(keep[i]); }
    assert_int_equal(json_vs_msb(t, "plain"), 15);
    for (int i = 5; i < 10; i++) { UNTRACK(t, keep[i]); free(keep[i]); }
    memscope_destroy(t);
}

/* Threads with call stacks and the monitor: stacks, snapshots, cross-thread frees. */
static void test_json_threads_stacks_snapshots(void **state) {
    (void)state;
    memscope_monitor_config c = memscope_monitor_default();
    c.interval_ms = 10;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_OK);
    memscope_tracker *t = memscope_with_system_monitoring(memscope_with_sampling(memscope_new(), memscope_sampling_full()));
    mst_workload wl;
    mst_workload_run(&wl, t, 3, 1000, 9, "json-w");
    mst_workload_release(&wl, t, 0.5);
    uint64_t s0 = memscope_get_monitor_stats().samples;
    while (memscope_get_monitor_stats().samples < s0 + 3) { struct timespec ts = {0, 2000000}; nanosleep(&ts, NULL); }
    c.interval_ms = 3600000;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_OK);
    json_vs_msb(t, "threads");
    mst_workload_free(&wl);
    memscope_destroy(t);
    assert_int_equal(memscope_set_monitor_config(memscope_monitor_default()), MEMSCOPE_OK);
}

/* Names the JSON writer escapes come back as they were ("</script>", quotes, a newline, a
   tab, UTF-8, U+2028); invalid UTF-8, which the writer replaced by U+FFFD, comes back as
   U+FFFD (so that report's JSON is not the JSON it was read from, byte for byte). */
static void test_json_odd_names(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    static char blocks[7][16];
    const char *names[] = {"</script>", "quote\"back\\slash", "line\nbreak\ttab", "caf\xc3\xa9 \xef\xbf\xbd", "",
                           "caf\xc3\xa9", "e\xe2\x80\xa8 2028 \xf0\x9f\x98\x80"};
    for (int i = 0; i < 7; i++)
        memscope_track_as(t, blocks[i], 16, names[i], i == 4 ? NULL : "T *", i == 5 ? NULL : "dir/f.c", (uint32_t)(10 + i));
    json_vs_msb(t, "odd");
    char json[MST_PATH_MAX], dir[MST_PATH_MAX];
    mst_fmt(json, sizeof json, "%s/odd.json", mst_out_dir(dir, sizeof dir, "jsonload"));
    memscope_result res;
    memscope_tracker *l = memscope_load(json, &res);
    assert_non_null(l);
    size_t n = 0;
    memscope_event *e = memscope_events(l, &n);
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++) assert_string_equal(e[i].var_name, names[i]);
    assert_null(e[5].file);
    free(e);
    memscope_destroy(l);
    memscope_destroy(t);

    t = memscope_new();
    memscope_track_as(t, blocks[0], 16, "bad\xff\xfeutf8", "T *", "dir/f.c", 1);
    mst_out_path(json, sizeof json, "jsonload", "invalid-utf8.json");
    assert_int_equal(memscope_export_json(t, json), MEMSCOPE_OK);
    l = memscope_load(json, &res);
    assert_non_null(l);
    e = memscope_events(l, &n);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].var_name, "bad\xef\xbf\xbd\xef\xbf\xbdutf8");
    free(e);
    memscope_destroy(l);
    memscope_destroy(t);
}

static void test_json_empty(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    assert_int_equal(json_vs_msb(t, "empty"), 0);
    memscope_destroy(t);
}

/* 140 000 events: three EVENTS blocks of the image. */
static void test_json_blocks(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    for (int i = 0; i < 70000; i++) {
        char *p = malloc((size_t)(64 + i % 7));
        TRACK(t, p);
        UNTRACK(t, p);
        free(p);
    }
    assert_int_equal(json_vs_msb(t, "blocks"), 140000);
    memscope_destroy(t);
}

/* A capped run (the event bound): the JSON holds fewer events than the run, and says how many
   were not retained (dropped_events) exactly as the .msb does. */
static void test_json_capped(void **state) {
    (void)state;
    memscope_tracker *t = memscope_with_max_events(memscope_new(), 100); /* (retained in whole chunks) */
    enum { N = 3 * MEMSCOPE_EVENT_CHUNK };
    static char *p[N];
    for (int i = 0; i < N; i++) { p[i] = malloc(32); TRACK(t, p[i]); }
    for (int i = 0; i < N; i++) { UNTRACK(t, p[i]); free(p[i]); }
    size_t n = json_vs_msb(t, "capped");
    char json[MST_PATH_MAX], dir[MST_PATH_MAX];
    mst_fmt(json, sizeof json, "%s/capped.json", mst_out_dir(dir, sizeof dir, "jsonload"));
    memscope_tracker *l = memscope_load(json, NULL);
    assert_non_null(l);
    memscope_report r = memscope_analyze(l);
    assert_int_equal(r.total_allocations, N);
    assert_true(r.dropped_events > 0);
    assert_int_equal(n + r.dropped_events, 2 * N);
    print_message("capped: %zu events kept, %llu not retained, said by both\n", n, (unsigned long long)r.dropped_events);
    memscope_report_free(&r);
    memscope_destroy(l);
    memscope_destroy(t);
}

static char dir_path[MST_PATH_MAX];

/* path of a file of the test's directory holding text */
static const char *with_text(const char *name, const char *text, size_t n) {
    static char path[MST_PATH_MAX];
    mst_out_dir(dir_path, sizeof dir_path, "jsonload");
    mst_fmt(path, sizeof path, "%s/%s", dir_path, name);
    put_file(path, text, n);
    return path;
}

static void refused(const char *text, const char *why) {
    memscope_result res = MEMSCOPE_OK;
    assert_null(memscope_load(with_text("bad.json", text, strlen(text)), &res));
    assert_int_equal(res, MEMSCOPE_ERR_FORMAT);
    const char *e = memscope_load_error();
    if (!strstr(e, "offset") || !strstr(e, why)) fail_msg("%s: got \"%s\", want \"%s\"", text, e, why);
}

#define OK_HEAD "{\"format\":\"memscope\",\"version\":1,"
#define SITE1 "\"sites\":[{\"id\":1,\"var_name\":\"v\",\"type_name\":\"int *\",\"file\":\"a.c\",\"line\":3}]"
#define EV(kind, ts, extra) "{\"kind\":\"" kind "\",\"timestamp_ns\":" #ts ",\"address\":\"0x1000\",\"size\":8,\"thread_id\":7,\"site\":1" extra "}"

static void test_json_malformed(void **state) {
    (void)state;
    refused("{}", "not memscope's JSON report");
    refused("{\"traceEvents\":[]}", "not memscope's JSON report");
    refused("{\"format\":\"dhat\"}", "\"format\" is not \"memscope\"");
    refused(OK_HEAD "\"version\":1}", "given twice");
    refused("{\"format\":\"memscope\",\"version\":2}", "another version");
    refused("{\"format\":\"memscope\"", "cut off");
    refused("{\"format\":\"memscope\",", "cut off");
    refused("{\"format\":\"mem", "cut off");
    refused("{\"format\":\"memscope\" \"x\":1}", "',' or '}' expected");
    refused("{\"format\":\"memscope\",}", "a member name");
    refused("{\"format\":\"memscope\",\"events\":[" EV("alloc", 1, "") ",]}", "an event must be an object");
    refused("{\"format\":\"memscope\"} x", "bytes after");
    /* wrong types */
    refused(OK_HEAD "\"total_allocations\":\"3\"}", "a non-negative integer expected");
    refused(OK_HEAD "\"total_allocations\":true}", "a non-negative integer expected");
    refused(OK_HEAD "\"total_allocations\":1.5}", "an integer expected");
    refused(OK_HEAD "\"total_allocations\":1e3}", "an integer expected");
    refused(OK_HEAD "\"total_allocations\":-1}", "negative");
    refused(OK_HEAD "\"total_allocations\":012}", "leading zero");
    refused(OK_HEAD "\"duration_sec\":\"1\"}", "a number expected");
    refused(OK_HEAD "\"duration_sec\":1.}", "decimal point");
    refused(OK_HEAD "\"duration_sec\":1e}", "exponent");
    refused(OK_HEAD "\"events\":{}}", "\"events\" must be an array");
    refused(OK_HEAD "\"sites\":[1]}", "a site must be an object");
    refused(OK_HEAD "\"stacks\":[{\"id\":1,\"frames\":{}}]}", "\"frames\" must be an array");
    refused(OK_HEAD "\"sampling\":{\"capture_call_stack\":1}}", "true or false expected");
    refused(OK_HEAD "\"context\":{\"program\":5}}", "a string expected");
    /* numbers out of range */
    refused(OK_HEAD "\"total_allocations\":18446744073709551616}", "out of range (more than 2^64 - 1)");
    refused(OK_HEAD "\"total_allocations\":99999999999999999999999999}", "out of range");
    refused(OK_HEAD "\"duration_sec\":1e309}", "beyond the largest double");
    refused(OK_HEAD "\"duration_sec\":-1e999}", "beyond the largest double");
    refused(OK_HEAD SITE1 ",\"events\":[{\"kind\":\"alloc\",\"timestamp_ns\":1,\"address\":\"0x1\",\"size\":1,\"thread_id\":4294967296,\"site\":1}]}",
            "out of range");
    refused(OK_HEAD "\"sites\":[{\"id\":4294967296}]}", "out of range");
    refused(OK_HEAD SITE1 ",\"events\":[{\"kind\":\"alloc\",\"timestamp_ns\":1,\"address\":\"0x10000000000000000\",\"size\":1,\"thread_id\":1,\"site\":1}]}",
            "1 to 16 hex digits");
    refused(OK_HEAD SITE1 ",\"events\":[{\"kind\":\"alloc\",\"timestamp_ns\":1,\"address\":4096,\"size\":1,\"thread_id\":1,\"site\":1}]}",
            "a string expected");
    /* nesting */
    char deep[600];
    int k = snprintf(deep, sizeof deep, OK_HEAD "\"x\":");
    for (int i = 0; i < 200; i++) deep[k++] = '[';
    deep[k] = 0;
    refused(deep, "nested deeper than 64 levels");
    k = snprintf(deep, sizeof deep, OK_HEAD "\"x\":");
    for (int i = 0; i < 60; i++) deep[k++] = '[';
    for (int i = 0; i < 60; i++) deep[k++] = ']';
    snprintf(deep + k, sizeof deep - (size_t)k, "}");
    memscope_tracker *l = memscope_load(with_text("deep-ok.json", deep, strlen(deep)), NULL);
    assert_non_null(l); /* an unknown member nested 61 deep is skipped */
    memscope_destroy(l);
    refused(OK_HEAD "\"events\":[[[[[]]]]]}", "an event must be an object");
    /* strings */
    refused(OK_HEAD "\"context\":{\"program\":\"a\\ud800\"}}", "high surrogate");
    refused(OK_HEAD "\"context\":{\"program\":\"a\\udc00\"}}", "lone UTF-16 low surrogate");
    refused(OK_HEAD "\"context\":{\"program\":\"a\\u12\"}}", "four hex digits");
    refused(OK_HEAD "\"context\":{\"program\":\"a\\u0000b\"}}", "NUL inside a string");
    refused(OK_HEAD "\"context\":{\"program\":\"a\\x\"}}", "unknown escape");
    refused(OK_HEAD "\"context\":{\"program\":\"a\tb\"}}", "control character");
    refused(OK_HEAD "\"context\":{\"program\":\"a\xff\"}}", "invalid UTF-8");
    refused(OK_HEAD "\"context\":{\"program\":\"a\xc0\xaf\"}}", "invalid UTF-8");       /* overlong '/' */
    refused(OK_HEAD "\"context\":{\"program\":\"a\xed\xa0\x80\"}}", "invalid UTF-8");   /* a surrogate */
    refused(OK_HEAD "\"context\":{\"program\":\"a\xe2\x82\"}}", "invalid UTF-8");       /* cut short */
    /* what the parts say of each other */
    refused(OK_HEAD SITE1 ",\"events\":[" EV("alloc", 5, "") "," EV("free", 4, "") "]}", "out of time order");
    refused(OK_HEAD SITE1 ",\"events\":[{\"kind\":\"alloc\",\"timestamp_ns\":1,\"address\":\"0x1\",\"size\":1,\"thread_id\":1,\"site\":2}]}",
            "names site 2, which \"sites\" does not define");
    refused(OK_HEAD SITE1 ",\"events\":[" EV("alloc", 1, ",\"stack\":3") "]}", "names stack 3, which \"stacks\" does not define");
    refused(OK_HEAD SITE1 ",\"events\":[" EV("bogus", 1, "") "]}", "must be \"alloc\" or \"free\"");
    refused(OK_HEAD SITE1 ",\"events\":[{\"kind\":\"alloc\",\"timestamp_ns\":1}]}", "an event without");
    refused(OK_HEAD "\"sites\":[{\"id\":1},{\"id\":1}]}", "site 1 defined twice");
    refused(OK_HEAD "\"stacks\":[{\"id\":1,\"frames\":[{\"address\":\"0x1\"}]},{\"id\":1,\"frames\":[{\"address\":\"0x2\"}]}]}",
            "stack 1 defined twice");
    refused(OK_HEAD "\"stacks\":[{\"id\":0,\"frames\":[]}]}", "a stack id of 0");
    refused(OK_HEAD "\"stacks\":[{\"id\":70000,\"frames\":[]}]}", "more than 65 536 above");
    refused(OK_HEAD "\"stacks\":[{\"id\":1,\"frames\":[{\"address\":\"0x1\",\"inlined\":true}]}]}", "without the frame it was inlined into");
    refused(OK_HEAD "\"stacks\":[{\"id\":1,\"frames\":[{\"address\":\"0x1\",\"inlined\":true},{\"address\":\"0x2\"}]}]}",
            "at another address");
    refused(OK_HEAD "\"stacks\":[{\"id\":1,\"frames\":[{\"function\":\"f\"}]}]}", "a frame without its \"address\"");
    char big[80 * 40 + 200];
    k = snprintf(big, sizeof big, OK_HEAD "\"stacks\":[{\"id\":1,\"frames\":[");
    for (int i = 0; i < 65; i++) k += snprintf(big + k, sizeof big - (size_t)k, "%s{\"address\":\"0x%x\"}", i ? "," : "", i + 1);
    snprintf(big + k, sizeof big - (size_t)k, "]}]}");
    refused(big, "more than 64 frames");

    /* white space before the '{' is fine; white space only is not a report */
    l = memscope_load(with_text("ws.json", " \n\t{\"format\":\"memscope\"}\n", 25), NULL);
    assert_non_null(l);
    memscope_destroy(l);
    memscope_result res;
    assert_null(memscope_load(with_text("blank.json", "   \n", 4), &res));
    assert_int_equal(res, MEMSCOPE_ERR_FORMAT);
    assert_non_null(strstr(memscope_load_error(), "bad magic"));
}

/* Escapes decoded: \u with a surrogate pair, "<\/" (the writer's), the short escapes. */
static void test_json_escapes_decoded(void **state) {
    (void)state;
    const char *text = OK_HEAD "\"sites\":[{\"id\":1,\"var_name\":\"<\\/script>\\u00e9\\ud83d\\ude00\\u2028\\\"\\\\\\/\\b\\f\\n\\r\\t\","
                       "\"type_name\":null,\"file\":\"a.c\",\"line\":3}],\"events\":[" EV("alloc", 1, "") "]}";
    memscope_result res;
    memscope_tracker *l = memscope_load(with_text("esc.json", text, strlen(text)), &res);
    if (!l) fail_msg("%s", memscope_load_error());
    size_t n = 0;
    memscope_event *e = memscope_events(l, &n);
    assert_int_equal(n, 1);
    assert_string_equal(e[0].var_name, "</script>\xc3\xa9\xf0\x9f\x98\x80\xe2\x80\xa8\"\\/\b\f\n\r\t");
    assert_null(e[0].type_name);
    assert_int_equal(e[0].address, 0x1000);
    assert_int_equal(e[0].thread_id, 7);
    assert_int_equal(e[0].alloc_thread_id, 7);
    free(e);
    /* no totals: recomputed from the events, and said */
    memscope_load_info info;
    assert_int_equal(memscope_loaded_info(l, &info), MEMSCOPE_OK);
    assert_int_equal(info.complete, 0);
    assert_int_equal(info.recomputed, 7);
    assert_non_null(strstr(memscope_load_error(), "recomputed from its 1 events"));
    memscope_report r = memscope_analyze(l);
    assert_int_equal(r.total_allocations, 1);
    assert_int_equal(r.current_memory_bytes, 8);
    memscope_report_free(&r);
    memscope_destroy(l);
}

/* Fewer events than the totals count (events cut out of a report, or null as in a dashboard's
   report block): the missing ones are not retained, as a capped run's. */
static void test_json_fewer_events_than_totals(void **state) {
    (void)state;
    const char *text = OK_HEAD "\"total_allocations\":5,\"total_deallocations\":2,\"active_allocations\":3,"
                       "\"peak_memory_bytes\":40,\"current_memory_bytes\":24,\"total_allocated_bytes\":40,\"dropped_events\":1,"
                       SITE1 ",\"events\":[" EV("alloc", 1, "") "," EV("free", 2, "") "]}";
    memscope_tracker *l = memscope_load(with_text("fewer.json", text, strlen(text)), NULL);
    if (!l) fail_msg("%s", memscope_load_error());
    memscope_report r = memscope_analyze(l);
    assert_int_equal(r.total_allocations, 5);
    assert_int_equal(r.dropped_events, 5); /* 5 + 2 recorded, 2 held */
    memscope_report_free(&r);
    memscope_load_info info;
    assert_int_equal(memscope_loaded_info(l, &info), MEMSCOPE_OK);
    assert_int_equal(info.complete, 1);
    assert_int_equal(info.events, 2);
    memscope_destroy(l);
    const char *null_events = OK_HEAD "\"total_allocations\":5,\"total_deallocations\":2,\"active_allocations\":3,"
                              "\"peak_memory_bytes\":40,\"current_memory_bytes\":24,\"total_allocated_bytes\":40,\"dropped_events\":0,"
                              SITE1 ",\"events\":null,\"event_count\":7}";
    l = memscope_load(with_text("null-events.json", null_events, strlen(null_events)), NULL);
    if (!l) fail_msg("%s", memscope_load_error());
    r = memscope_analyze(l);
    assert_int_equal(r.dropped_events, 7);
    memscope_report_free(&r);
    memscope_destroy(l);
}

/* Every cut of a small report is refused (cleanly, with an offset); the whole one loads. */
static void test_json_every_cut(void **state) {
    (void)state;
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    static char b[4][24];
    for (int i = 0; i < 4; i++) memscope_track_as(t, b[i], 24, i % 2 ? "x\"y" : "caf\xc3\xa9", "char *", "f.c", 5);
    char json[MST_PATH_MAX];
    mst_out_path(json, sizeof json, "jsonload", "cuts-src.json");
    assert_int_equal(memscope_export_json(t, json), MEMSCOPE_OK);
    memscope_destroy(t);
    long n;
    char *d = slurp(json, &n);
    long cuts = 0;
    while (n > 0 && (d[n - 1] == '\n' || d[n - 1] == ' ')) n--; /* (trailing white space: still whole) */
    for (long cut = 1; cut < n; cut++) {
        memscope_result res = MEMSCOPE_OK;
        if (memscope_load(with_text("cut.json", d, (size_t)cut), &res)) fail_msg("a cut at %ld loaded", cut);
        assert_int_equal(res, MEMSCOPE_ERR_FORMAT);
        if (!strstr(memscope_load_error(), "offset")) fail_msg("cut at %ld: %s", cut, memscope_load_error());
        cuts++;
    }
    memscope_tracker *l = memscope_load(with_text("whole.json", d, (size_t)n), NULL);
    assert_non_null(l);
    memscope_destroy(l);
    print_message("%ld cuts of a %ld-byte report: each refused with an offset\n", cuts, n);
    free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_plain),
        cmocka_unit_test(test_json_threads_stacks_snapshots),
        cmocka_unit_test(test_json_odd_names),
        cmocka_unit_test(test_json_empty),
        cmocka_unit_test(test_json_blocks),
        cmocka_unit_test(test_json_capped),
        cmocka_unit_test(test_json_malformed),
        cmocka_unit_test(test_json_escapes_decoded),
        cmocka_unit_test(test_json_fewer_events_than_totals),
        cmocka_unit_test(test_json_every_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
