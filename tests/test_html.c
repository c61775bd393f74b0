/* test_html.c - the HTML export: one self-contained page whose two data blocks (base64 event
 * records and the report JSON) equal the JSON export of the same tracker state, for plain,
 * threaded, stack-carrying, odd-named, empty and 100 000-event runs; atomic replace and errors.
 * Past MEMSCOPE_HTML_MAX_EVENTS (150 000 here, 1 000 000 by default) the page is binned: a run of
 * three threads, and one with more blocks live at the end than the page lists.
 * The page itself is tested in a real browser by tests/browser. */
#define _GNU_SOURCE
#define MEMSCOPE_HTML_MAX_EVENTS 150000u
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ms_test.h"

/* Exports t as JSON and HTML back to back and checks them against each other. */
static void export_and_check(memscope_tracker *t, const char *name) {
    char html[MST_PATH_MAX], json[MST_PATH_MAX], file[256];
    mst_fmt(file, sizeof file, "%s.html", name);
    mst_out_path(html, sizeof html, "html", file);
    mst_fmt(file, sizeof file, "%s.json", name);
    mst_out_path(json, sizeof json, "html", file);
    assert_int_equal(memscope_export_json(t, json), MEMSCOPE_OK);
    assert_int_equal(memscope_export_html(t, html), MEMSCOPE_OK);
    char *argv[] = {(char *)"python3", (char *)"tests/check_html.py", html, json, NULL};
    char out[4096];
    int rc = mst_run(argv, out, sizeof out);
    print_message("%s", out);
    assert_int_equal(rc, 0);
}

static void test_html_plain_run(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *keep[10];
    for (int i = 0; i < 10; i++) {
        keep[i] = malloc((size_t)(16 * (i + 1)));
        TRACK(t, keep[i]);
    }
    for (int i = 0; i < 5; i++) { UNTRACK(t, keep[i]); free(keep[i]); }
    export_and_check(t, "plain");
    for (int i = 5; i < 10; i++) { UNTRACK(t, keep[i]); free(keep[i]); }
    memscope_destroy(t);
}

static void test_html_threads_and_stacks(void **state) {
    (void)state;
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    mst_workload wl;
    mst_workload_run(&wl, t, 3, 500, 7, "html-w");
    export_and_check(t, "threads");
    mst_workload_free(&wl);
    memscope_destroy(t);
}

static void test_html_odd_names(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    static char blocks[8][16];
    const char *names[] = {"</script><script>alert(1)</script>", "<!-- x", "a\"b'c&amp;<b>", "line\nbreak",
                           "sep\342\200\250ar" /* U+2028 */, "bad\xff\xfeutf8", "]]></x>", "\\u003c/script>"};
    for (int i = 0; i < 8; i++)
        memscope_track_as(t, blocks[i], 16, names[i], "</SCRIPT type>", "dir with spaces/</script>.c", (uint32_t)(100 + i));
    export_and_check(t, "odd");
    memscope_destroy(t);
}

static void test_html_empty_tracker(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    export_and_check(t, "empty");
    memscope_destroy(t);
}

static void test_html_100k_events(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    for (int i = 0; i < 50000; i++) {
        char *p = malloc((size_t)(1 + i % 4096));
        TRACK(t, p);
        UNTRACK(t, p);
        free(p);
    }
    export_and_check(t, "100k");
    memscope_destroy(t);
}

/* Binned: 280 700 events of three threads, 700 blocks live at the end (all listed). */
typedef struct binned_arg { memscope_tracker *t; char *kept[100]; } binned_arg;
static void *binned_worker(void *arg) {
    binned_arg *a = (binned_arg *)arg;
    for (int i = 0; i < 20000; i++) {
        char *wbuf = malloc((size_t)(8 + i % 512));
        TRACK(a->t, wbuf);
        if (i % 200 == 0) { a->kept[i / 200] = wbuf; continue; } /* live at the end */
        UNTRACK(a->t, wbuf);
        free(wbuf);
    }
    return NULL;
}

static void test_html_binned(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    pthread_t th[2];
    static binned_arg args[2];
    static char *kept[500];
    for (int k = 0; k < 2; k++) {
        args[k].t = t;
        assert_int_equal(pthread_create(&th[k], NULL, binned_worker, &args[k]), 0);
    }
    for (int i = 0; i < 100000; i++) {
        char *mbuf = malloc((size_t)(16 + i % 1024));
        TRACK(t, mbuf);
        if (i % 200 == 0) { kept[i / 200] = mbuf; continue; } /* live at the end */
        UNTRACK(t, mbuf);
        free(mbuf);
    }
    for (int k = 0; k < 2; k++) pthread_join(th[k], NULL);
    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.active_allocations, 700);
    memscope_report_free(&r);
    export_and_check(t, "binned");
    memscope_destroy(t);
    for (int i = 0; i < 500; i++) free(kept[i]);
    for (int k = 0; k < 2; k++) for (int i = 0; i < 100; i++) free(args[k].kept[i]);
}

/* Binned, with 160 000 blocks live at the end: the page lists the first 150 000 of them and
   says its list is partial (records_complete false). */
static void test_html_binned_partial(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    enum { N = 160000 };
    char **keep = (char **)malloc(N * sizeof *keep);
    assert_non_null(keep);
    for (int i = 0; i < N; i++) {
        keep[i] = malloc(24);
        TRACK(t, keep[i]);
    }
    export_and_check(t, "binned-partial");
    char html[MST_PATH_MAX], dir[MST_PATH_MAX];
    mst_fmt(html, sizeof html, "%s/binned-partial.html", mst_out_dir(dir, sizeof dir, "html")); /* (kept: not mst_out_path) */
    char *argv[] = {(char *)"python3", (char *)"-c",
                    (char *)"import json, re, sys\n"
                            "h = open(sys.argv[1]).read()\n"
                            "r = json.loads(re.search(r'id=\"memscope-report\">(.*?)</script>', h, re.S).group(1))\n"
                            "tl = r['timeline']\n"
                            "ok = tl['records_complete'] is False and r['event_count'] == 150000 and r['events_total'] == 160000\n"
                            "print('partial list' if ok else 'wrong: %r %r %r' % (tl['records_complete'], r['event_count'], r['events_total']))\n"
                            "sys.exit(0 if ok else 1)\n",
                    html, NULL};
    char out[512];
    int rc = mst_run(argv, out, sizeof out);
    print_message("%s", out);
    assert_int_equal(rc, 0);
    for (int i = 0; i < N; i++) { UNTRACK(t, keep[i]); free(keep[i]); }
    free(keep);
    memscope_destroy(t);
}

static void test_html_errors_and_replace(void **state) {
    (void)state;
    mst_check_export_errors(memscope_export_html, "html", "<!DOCTYPE html>", 15);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_plain_run),
        cmocka_unit_test(test_html_threads_and_stacks),
        cmocka_unit_test(test_html_odd_names),
        cmocka_unit_test(test_html_empty_tracker),
        cmocka_unit_test(test_html_100k_events),
        cmocka_unit_test(test_html_binned),
        cmocka_unit_test(test_html_binned_partial),
        cmocka_unit_test(test_html_errors_and_replace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
