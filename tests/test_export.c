/* test_export.c - JSON export parsed back by python3 (values, key order, odd strings), export
 * paths (missing parents, unwritable, failed writes keep the old file, no temp files left),
 * dispatch by extension, not-yet-supported formats, and auto-export at exit / destroy / global,
 * each checked from a forked child process. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>

#include "ms_test.h"

#define SUB "export"

/* Files in dir other than "." and "..", names joined by '|' into out. */
static size_t list_dir(const char *dir, char *out, size_t n) {
    size_t count = 0, used = 0;
    out[0] = '\0';
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        count++;
        int w = snprintf(out + used, n - used, "%s%s", used ? "|" : "", e->d_name);
        if (w > 0 && (size_t)w < n - used) used += (size_t)w;
    }
    closedir(d);
    return count;
}

/* A fresh empty directory $OUT/export/<name>. */
static const char *fresh_dir(char *buf, size_t n, const char *name) {
    char sub[256];
    mst_fmt(sub, sizeof sub, SUB "/%s", name);
    mst_fmt(buf, n, "%s/%s", mst_out_root(), sub);
    mst_rm_rf(buf);
    return mst_out_dir(buf, n, sub);
}

/* ---- JSON values -------------------------------------------------------------------------- */

static void test_json_has_exact_report_values(void **state) {
    (void)state;
    char path[MST_PATH_MAX], expr[1024];
    mst_out_path(path, sizeof path, SUB, "values.json");
    memscope_tracker *t = memscope_new();
    char *alpha = malloc(100), *beta = malloc(50);
    TRACK_SIZE(t, alpha, 100); const unsigned alpha_line = __LINE__;
    TRACK_SIZE(t, beta, 50); const unsigned beta_line = __LINE__;
    UNTRACK(t, alpha);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);

    assert_json(path, "d['format'] == 'memscope'", "d['version'] == 1",
                "d['generator'] == 'memscope.h " MEMSCOPE_VERSION_STRING "'", "d['total_allocations'] == 2",
                "d['total_deallocations'] == 1", "d['active_allocations'] == 1",
                "d['peak_memory_bytes'] == 150", "d['current_memory_bytes'] == 50",
                "d['total_allocated_bytes'] == 150", "d['sample_rate'] == 1.0",
                "d['estimated_total_allocations'] == 2", "d['estimated_total_bytes'] == 150",
                "d['dropped_events'] == 0", "d['duration_sec'] >= 0",
                "d['allocation_rate_per_sec'] > 0", "d['deallocation_rate_per_sec'] > 0",
                "d['start_time_unix_ms'] > 1600000000000",
                "d['sampling'] == {'sample_rate': 1.0, 'capture_call_stack': False, "
                "'max_stack_depth': 0, 'sample_bytes': 0}",
                "d['system_snapshots'] == []", "d['stacks'] == []", "d['stack_hotspots'] == []");

    /* top-level keys in the documented order */
    assert_json(path,
                "subseq(['format', 'version', 'generator', 'total_allocations', "
                "'total_deallocations', 'active_allocations', 'peak_memory_bytes', "
                "'current_memory_bytes', 'allocation_rate_per_sec', 'deallocation_rate_per_sec', "
                "'hotspots', 'system_snapshots', 'sample_rate', 'estimated_total_allocations', "
                "'estimated_total_bytes', 'total_allocated_bytes', 'dropped_events', "
                "'duration_sec', 'start_time_unix_ms', 'sampling', 'threads', 'sites', 'events', "
                "'stacks', 'stack_hotspots'], list(d.keys()))",
                "list(d.keys())[:3] == ['format', 'version', 'generator']");

    mst_fmt(expr, sizeof expr,
             "d['hotspots'] == [{'var_name': 'alpha', 'type_name': 'char *', 'total_size': 100, "
             "'allocation_count': 1, 'location': '%s:%u'}, {'var_name': 'beta', 'type_name': "
             "'char *', 'total_size': 50, 'allocation_count': 1, 'location': '%s:%u'}]",
             __FILE__, alpha_line, __FILE__, beta_line);
    assert_json(path, expr);

    mst_fmt(expr, sizeof expr,
             "d['threads'] == [{'thread_id': %u, 'thread_name': d['threads'][0]['thread_name'], "
             "'allocations': 2, 'deallocations': 1, 'allocated_bytes': 150, 'current_bytes': 50, "
             "'peak_bytes': 150}] and isinstance(d['threads'][0]['thread_name'], str)",
             mst_gettid());
    assert_json(path, expr);

    mst_fmt(expr, sizeof expr,
             "site(d, %u) == {'id': site(d, %u)['id'], 'var_name': 'alpha', 'type_name': "
             "'char *', 'file': '%s', 'line': %u} and site(d, %u)['var_name'] == 'beta' and "
             "len(d['sites']) == 2 and len({s['id'] for s in d['sites']}) == 2",
             alpha_line, alpha_line, __FILE__, alpha_line, beta_line);
    assert_json(path, expr);

    mst_fmt(expr, sizeof expr,
             "[(e['kind'], int(e['address'], 16), e['site'], e['thread_id'], "
             "e['alloc_thread_id'], e['stack']) for e in d['events']] == "
             "[('alloc', %" PRIuPTR ", site(d, %u)['id'], %u, %u, 0), "
             "('alloc', %" PRIuPTR ", site(d, %u)['id'], %u, %u, 0), "
             "('free', %" PRIuPTR ", site(d, %u)['id'], %u, %u, 0)]",
             (uintptr_t)alpha, alpha_line, mst_gettid(), mst_gettid(), (uintptr_t)beta, beta_line,
             mst_gettid(), mst_gettid(), (uintptr_t)alpha, alpha_line, mst_gettid(), mst_gettid());
    assert_json(path, expr,
                "all(e['address'].startswith('0x') for e in d['events'])",
                "[e['size'] for e in d['events'] if e['kind'] == 'alloc'] == [100, 50]",
                "all(a['timestamp_ns'] <= b['timestamp_ns'] "
                "for a, b in zip(d['events'], d['events'][1:]))");

    UNTRACK(t, beta);
    free(alpha);
    free(beta);
    memscope_destroy(t);
}

static void test_json_of_empty_tracker(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, SUB, "empty.json");
    memscope_tracker *t = memscope_new();
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_json(path, "d['format'] == 'memscope'", "d['total_allocations'] == 0",
                "d['peak_memory_bytes'] == 0", "d['hotspots'] == []", "d['threads'] == []",
                "d['sites'] == []", "d['events'] == []", "d['stacks'] == []",
                "d['allocation_rate_per_sec'] == 0");
    memscope_destroy(t);
}

static void test_json_sampling_fields(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, SUB, "sampling.json");
    const memscope_sampling_config cfg = {0.25, true, 7};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    static char blocks[4000];
    for (size_t i = 0; i < 4000; i++) memscope_track_as(t, &blocks[i], 2, "s", "char *", "s.c", 3);
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    char expr[512];
    mst_fmt(expr, sizeof expr,
             "d['total_allocations'] == %zu and d['estimated_total_allocations'] == %zu * 4 and "
             "d['estimated_total_bytes'] == %zu * 8 and len(d['events']) == %zu",
             s.total_allocations, s.total_allocations, s.total_allocations, s.total_allocations);
    assert_json(path, "d['sample_rate'] == 0.25",
                "d['sampling'] == {'sample_rate': 0.25, 'capture_call_stack': True, "
                "'max_stack_depth': 7, 'sample_bytes': 0}",
                expr);
    for (size_t i = 0; i < 4000; i++) memscope_untrack(t, &blocks[i]);
    memscope_destroy(t);
}

static void test_json_at_rate_zero_is_strict_json(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, SUB, "rate0.json");
    const memscope_sampling_config off = {0.0, false, 0};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), off);
    static char blocks[100];
    for (size_t i = 0; i < 100; i++) memscope_track_as(t, &blocks[i], 2, "z", "char *", "z.c", 1);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    /* check_json.py rejects NaN / Infinity: the estimates must be plain numbers */
    assert_json(path, "d['sample_rate'] == 0", "d['total_allocations'] == 0",
                "isinstance(d['estimated_total_allocations'], (int, float))",
                "isinstance(d['estimated_total_bytes'], (int, float))");
    memscope_destroy(t);
}

/* ---- odd strings -------------------------------------------------------------------------- */

typedef struct odd_name {
    const char *raw;       /* bytes given to memscope_track_as */
    const char *expected;  /* json.dumps(parsed value, ensure_ascii=True) */
} odd_name;

static const odd_name g_odd[] = {
    {"quote\"d", "\"quote\\\"d\""},
    {"back\\slash", "\"back\\\\slash\""},
    {"new\nline", "\"new\\nline\""},
    {"tab\there", "\"tab\\there\""},
    {"ctl\x01\x1f\r\b\f" "x", "\"ctl\\u0001\\u001f\\r\\b\\fx\""},
    {"</script><script>alert(1)</script>", "\"</script><script>alert(1)</script>\""},
    {"bad\xff\xfe" "utf8", "\"bad\\ufffd\\ufffdutf8\""},
    {"smile\xF0\x9F\x98\x80", "\"smile\\ud83d\\ude00\""},
    {"caf\xC3\xA9", "\"caf\\u00e9\""},
    {"", "\"\""},
    {"x\x80y", "\"x\\ufffdy\""},
    {"slash/ok", "\"slash/ok\""},
};
#define ODD_COUNT (sizeof g_odd / sizeof g_odd[0])
#define ODD_LINE0 1000u

/* Invalid sequences whose number of U+FFFD is implementation-defined: checked loosely. */
static const char *const g_loose[] = {
    "over\xC0\xAF" "long",      /* overlong "/" */
    "surr\xED\xA0\x80" "ogate", /* UTF-16 surrogate in UTF-8 */
    "trunc\xE2\x82",            /* truncated at the end */
    "\xF4\x90\x80\x80" "big",   /* above U+10FFFF */
};
#define LOOSE_COUNT (sizeof g_loose / sizeof g_loose[0])
#define LOOSE_LINE0 1500u

static void test_json_escapes_odd_names(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, SUB, "odd-names.json");
    memscope_tracker *t = memscope_new();
    static char blocks[64];
    for (size_t i = 0; i < ODD_COUNT; i++)
        memscope_track_as(t, &blocks[i], 8 + i, g_odd[i].raw, "char *", "odd.c",
                          ODD_LINE0 + (uint32_t)i);
    for (size_t i = 0; i < LOOSE_COUNT; i++)
        memscope_track_as(t, &blocks[32 + i], 4, g_loose[i], "char *", "odd.c",
                          LOOSE_LINE0 + (uint32_t)i);
    memscope_track_as(t, &blocks[40], 4, "odd_type_and_file", "struct \"q\"\\ *",
                      "dir\\we\"ird/f\tile</x>.c", 2000);

    /* the C API hands back the bytes as given */
    memscope_report r = memscope_analyze(t);
    for (size_t i = 0; i < ODD_COUNT; i++) {
        char loc[64];
        mst_fmt(loc, sizeof loc, "odd.c:%u", ODD_LINE0 + (unsigned)i);
        const memscope_hotspot *h = NULL;
        for (size_t k = 0; k < r.hotspot_count; k++)
            if (r.hotspots[k].location && strcmp(r.hotspots[k].location, loc) == 0) h = &r.hotspots[k];
        assert_non_null(h);
        assert_string_equal(h->var_name, g_odd[i].raw);
        assert_int_equal(h->total_size, 8 + i);
    }
    memscope_report_free(&r);

    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);

    char expected[4096];
    size_t used = 0;
    used += (size_t)snprintf(expected + used, sizeof expected - used, "[");
    for (size_t i = 0; i < ODD_COUNT; i++)
        used += (size_t)snprintf(expected + used, sizeof expected - used, "%s%s", i ? ", " : "",
                                 g_odd[i].expected);
    mst_fmt(expected + used, sizeof expected - used, "]");

    char expr[512];
    mst_fmt(expr, sizeof expr, "[site(d, %u + i)['var_name'] for i in range(%zu)]", ODD_LINE0,
             (size_t)ODD_COUNT);
    assert_json_get(path, expr, expected);
    mst_fmt(expr, sizeof expr,
             "[[h['var_name'] for h in d['hotspots'] if h['location'] == 'odd.c:%%d' %% (%u + i)][0]"
             " for i in range(%zu)]",
             ODD_LINE0, (size_t)ODD_COUNT);
    assert_json_get(path, expr, expected);

    /* loose: at least one U+FFFD, the valid neighbours kept, no smuggled "/" */
    assert_json(path,
                "all('\\ufffd' in site(d, 1500 + i)['var_name'] for i in range(4))",
                "site(d, 1500)['var_name'].startswith('over') and "
                "site(d, 1500)['var_name'].endswith('long') and '/' not in site(d, 1500)['var_name']",
                "site(d, 1501)['var_name'].startswith('surr') and "
                "site(d, 1501)['var_name'].endswith('ogate')",
                "site(d, 1502)['var_name'].startswith('trunc') and "
                "len(site(d, 1502)['var_name']) <= 7",
                "site(d, 1503)['var_name'].endswith('big')");

    assert_json_get(path, "[site(d, 2000)['type_name'], site(d, 2000)['file']]",
                    "[\"struct \\\"q\\\"\\\\ *\", \"dir\\\\we\\\"ird/f\\tile</x>.c\"]");
    assert_json_get(path,
                    "[h['location'] for h in d['hotspots'] if h['var_name'] == 'odd_type_and_file']",
                    "[\"dir\\\\we\\\"ird/f\\tile</x>.c:2000\"]");

    /* safe to embed in HTML: no "</" anywhere in the text */
    assert_json(path, "'</' not in raw", "'<\\\\/script>' in raw");
    memscope_destroy(t);
}

static void test_json_long_name(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, SUB, "long-name.json");
    memscope_tracker *t = memscope_new();
    char *name = malloc(10001);
    memset(name, 'n', 10000);
    name[10000] = '\0';
    static char block[8];
    memscope_track_as(t, block, 8, name, "char *", "long.c", 3000);
    free(name);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_json(path, "site(d, 3000)['var_name'] == 'n' * 10000",
                "d['hotspots'][0]['var_name'] == 'n' * 10000");
    memscope_destroy(t);
}

/* ---- paths -------------------------------------------------------------------------------- */

static void test_export_creates_missing_parent_directories(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], path[MST_PATH_MAX];
    fresh_dir(dir, sizeof dir, "parents");
    mst_rm_rf(dir); /* even the first level is missing */
    mst_fmt(path, sizeof path, "%s/a/b/c/report.json", dir);
    memscope_tracker *t = memscope_new();
    static char block[8];
    memscope_track_as(t, block, 8, "p", "char *", "p.c", 1);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_json(path, "d['total_allocations'] == 1");

    mst_fmt(path, sizeof path, "%s/x/y/by-extension.json", dir);
    assert_int_equal(memscope_export(t, path), MEMSCOPE_OK);
    assert_json(path, "d['total_allocations'] == 1");
    memscope_destroy(t);
}

static void test_export_to_unwritable_path_is_io_error_and_keeps_earlier_file(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], good[MST_PATH_MAX], names[1024];
    fresh_dir(dir, sizeof dir, "unwritable");
    mst_fmt(good, sizeof good, "%s/report.json", dir);
    memscope_tracker *t = memscope_new();
    static char blocks[8];
    memscope_track_as(t, &blocks[0], 8, "first", "char *", "u.c", 1);
    assert_int_equal(memscope_export_json(t, good), MEMSCOPE_OK);

    memscope_track_as(t, &blocks[1], 8, "second", "char *", "u.c", 2);
    errno = 0;
    assert_int_equal(memscope_export_json(t, "/proc/nonexistent/x.json"), MEMSCOPE_ERR_IO);
    assert_int_not_equal(errno, 0); /* errno holds the cause */
    assert_int_equal(memscope_export(t, "/proc/nonexistent/x.json"), MEMSCOPE_ERR_IO);
    assert_int_equal(memscope_export_json(t, "/proc/self/no/such/dir/x.json"), MEMSCOPE_ERR_IO);

    assert_json(good, "d['total_allocations'] == 1");
    assert_int_equal(list_dir(dir, names, sizeof names), 1);
    assert_string_equal(names, "report.json");

    if (geteuid() != 0) { /* root ignores directory permissions */
        assert_int_equal(chmod(dir, 0555), 0);
        assert_int_equal(memscope_export_json(t, good), MEMSCOPE_ERR_IO);
        assert_int_equal(chmod(dir, 0755), 0);
        assert_json(good, "d['total_allocations'] == 1");
    }
    memscope_destroy(t);
}

static void test_export_onto_a_directory_fails_without_leftovers(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], target[MST_PATH_MAX], inner[MST_PATH_MAX], names[1024];
    fresh_dir(dir, sizeof dir, "onto-dir");
    mst_fmt(target, sizeof target, "%s/report.json", dir);
    mst_fmt(inner, sizeof inner, "%s/keep.txt", target);
    assert_int_equal(mst_mkdirs(target), 0);
    FILE *f = fopen(inner, "w");
    assert_non_null(f);
    fputs("keep", f);
    fclose(f);

    memscope_tracker *t = memscope_new();
    static char block[8];
    memscope_track_as(t, block, 8, "d", "char *", "d.c", 1);
    assert_int_equal(memscope_export_json(t, target), MEMSCOPE_ERR_NOT_REGULAR);
    assert_true(mst_file_exists(inner));
    assert_int_equal(list_dir(dir, names, sizeof names), 1); /* no temp file left behind */
    assert_string_equal(names, "report.json");
    memscope_destroy(t);
}

/* A write that fails half way (file size limit) must leave the earlier file as it was. */
static void test_failed_write_keeps_earlier_file_and_no_temp(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], good[MST_PATH_MAX], names[1024];
    fresh_dir(dir, sizeof dir, "failed-write");
    mst_fmt(good, sizeof good, "%s/report.json", dir);
    memscope_tracker *small = memscope_new();
    static char blocks[2000];
    memscope_track_as(small, &blocks[0], 8, "before", "char *", "w.c", 1);
    assert_int_equal(memscope_export_json(small, good), MEMSCOPE_OK);
    memscope_destroy(small);

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        memscope_tracker *big = memscope_new();
        for (size_t i = 0; i < 2000; i++) memscope_track_as(big, &blocks[i], 8, "after", "char *", "w.c", 2);
        struct rlimit rl;
        getrlimit(RLIMIT_FSIZE, &rl);
        rl.rlim_cur = 4096;
        setrlimit(RLIMIT_FSIZE, &rl);
        memscope_result r = memscope_export_json(big, good);
        _exit(r == MEMSCOPE_ERR_IO ? 0 : 40 - (int)r);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0)
        print_error("export past RLIMIT_FSIZE returned %d, expected MEMSCOPE_ERR_IO (-3)\n",
                    40 - WEXITSTATUS(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_json(good, "d['total_allocations'] == 1", "d['hotspots'][0]['var_name'] == 'before'");
    assert_int_equal(list_dir(dir, names, sizeof names), 1);
    assert_string_equal(names, "report.json");
}

static void test_export_replaces_existing_file_and_leaves_no_temp(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], path[MST_PATH_MAX], names[1024];
    fresh_dir(dir, sizeof dir, "replace");
    mst_fmt(path, sizeof path, "%s/report.json", dir);
    memscope_tracker *t = memscope_new();
    static char blocks[4];
    memscope_track_as(t, &blocks[0], 8, "r", "char *", "r.c", 1);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_json(path, "d['total_allocations'] == 1");
    memscope_track_as(t, &blocks[1], 8, "r", "char *", "r.c", 1);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_json(path, "d['total_allocations'] == 2");
    assert_int_equal(list_dir(dir, names, sizeof names), 1);
    assert_string_equal(names, "report.json");
    memscope_destroy(t);
}

static void test_export_by_extension(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], path[MST_PATH_MAX], names[1024];
    fresh_dir(dir, sizeof dir, "by-extension");
    memscope_tracker *t = memscope_new();
    static char block[8];
    memscope_track_as(t, block, 8, "e", "char *", "e.c", 1);

    mst_fmt(path, sizeof path, "%s/report.json", dir);
    assert_int_equal(memscope_export(t, path), MEMSCOPE_OK);
    assert_json(path, "d['format'] == 'memscope'", "d['total_allocations'] == 1");

    const char *bad[] = {"report.txt", "report", "report.jsonx", "report.", "dir.json/report"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mst_fmt(path, sizeof path, "%s/%s", dir, bad[i]);
        assert_int_equal(memscope_export(t, path), MEMSCOPE_ERR_INVALID_ARG);
        assert_false(mst_file_exists(path));
    }
    assert_int_equal(list_dir(dir, names, sizeof names), 1);
    assert_string_equal(names, "report.json");
    memscope_destroy(t);
}

/* HTML and binary exports write their files (their contents are checked by test_html and
   test_binary); an unknown extension is refused. */
static void test_html_and_binary_exports_written(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], path[MST_PATH_MAX];
    fresh_dir(dir, sizeof dir, "formats");
    memscope_tracker *t = memscope_new();
    static char block[8];
    memscope_track_as(t, block, 8, "u", "char *", "u.c", 1);
    mst_fmt(path, sizeof path, "%s/report.html", dir);
    assert_int_equal(memscope_export_html(t, path), MEMSCOPE_OK);
    assert_true(mst_file_exists(path));
    mst_fmt(path, sizeof path, "%s/by-extension.htm", dir);
    assert_int_equal(memscope_export(t, path), MEMSCOPE_OK);
    assert_true(mst_file_exists(path));
    mst_fmt(path, sizeof path, "%s/report.msb", dir);
    assert_int_equal(memscope_export_binary(t, path), MEMSCOPE_OK);
    assert_true(mst_file_exists(path));
    mst_fmt(path, sizeof path, "%s/by-extension.msb", dir);
    assert_int_equal(memscope_export(t, path), MEMSCOPE_OK);
    assert_true(mst_file_exists(path));
    mst_fmt(path, sizeof path, "%s/report.txt", dir);
    assert_int_equal(memscope_export(t, path), MEMSCOPE_ERR_INVALID_ARG);
    assert_false(mst_file_exists(path));
    memscope_destroy(t);
}

/* ---- targets that are not regular files, temp names ---------------------------------------- */

/* Kind of what is at path without following a link: 'f' file, 'p' FIFO, 'c' device, 'l' link,
   'd' directory, 0 absent. */
static char kind_at(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return 0;
    return S_ISREG(st.st_mode) ? 'f' : S_ISFIFO(st.st_mode) ? 'p' : S_ISCHR(st.st_mode) ? 'c'
         : S_ISLNK(st.st_mode) ? 'l' : S_ISDIR(st.st_mode) ? 'd' : '?';
}

/* A FIFO, a link to /dev/null, a link to a FIFO and (as root) a copy of /dev/null are left as
   they are, for every format, with MEMSCOPE_ERR_NOT_REGULAR and no temp file behind; the
   FIFO has no reader, so a writer that opened it would block. */
static void test_export_refuses_special_files(void **state) {
    (void)state;
    static const char *const exts[] = {".json", ".html", ".msb", ".pb.gz", ".folded", ".trace.json", ".prom", ".massif", ".dhat.json"};
    char dir[MST_PATH_MAX], path[MST_PATH_MAX], fifo[MST_PATH_MAX], names[4096];
    fresh_dir(dir, sizeof dir, "special");
    memscope_tracker *t = memscope_new();
    static char block[8];
    memscope_track_as(t, block, 8, "s", "char *", "s.c", 1);
    int made_device = 0;
    size_t expect_entries = 0;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        mst_fmt(fifo, sizeof fifo, "%s/fifo%s", dir, exts[i]);
        assert_int_equal(mkfifo(fifo, 0600), 0);
        assert_int_equal(memscope_export(t, fifo), MEMSCOPE_ERR_NOT_REGULAR);
        assert_int_equal(kind_at(fifo), 'p');
        mst_fmt(path, sizeof path, "%s/null%s", dir, exts[i]);
        assert_int_equal(symlink("/dev/null", path), 0);
        assert_int_equal(memscope_export(t, path), MEMSCOPE_ERR_NOT_REGULAR);
        assert_int_equal(kind_at(path), 'l');
        mst_fmt(path, sizeof path, "%s/tofifo%s", dir, exts[i]);
        assert_int_equal(symlink(strrchr(fifo, '/') + 1, path), 0); /* the FIFO beside it */
        assert_int_equal(memscope_export(t, path), MEMSCOPE_ERR_NOT_REGULAR);
        assert_int_equal(kind_at(path), 'l');
        expect_entries += 3;
        mst_fmt(path, sizeof path, "%s/devnull%s", dir, exts[i]);
        if (mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0) {
            made_device = 1;
            expect_entries++;
            assert_int_equal(memscope_export(t, path), MEMSCOPE_ERR_NOT_REGULAR);
            assert_int_equal(kind_at(path), 'c');
        }
    }
    const char *const many[] = {fifo};
    assert_int_equal(memscope_export_many(t, many, 1), MEMSCOPE_ERR_NOT_REGULAR);
    assert_string_not_equal(memscope_result_string(MEMSCOPE_ERR_NOT_REGULAR), "unknown result");
    assert_int_equal(list_dir(dir, names, sizeof names), expect_entries); /* no temp files */
    if (!made_device) print_message("(not root: the copy of /dev/null was not tried)\n");
    memscope_destroy(t);
}

/* Nothing is written through a link: a link to a regular file (say one planted in a shared
   directory, aimed at a file of the exporting user) is itself replaced by the report, and the
   file it led to stays as it was; a dangling link likewise. */
static void test_export_never_writes_through_a_link(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], victim[MST_PATH_MAX], link[MST_PATH_MAX], dangling[MST_PATH_MAX], text[64], names[1024];
    fresh_dir(dir, sizeof dir, "link");
    mst_fmt(victim, sizeof victim, "%s/victim.json", dir);
    mst_fmt(link, sizeof link, "%s/link.json", dir);
    mst_fmt(dangling, sizeof dangling, "%s/dangling.json", dir);
    FILE *f = fopen(victim, "w");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);
    assert_int_equal(symlink("victim.json", link), 0);
    assert_int_equal(symlink("nowhere/none.json", dangling), 0);
    memscope_tracker *t = memscope_new();
    static char block[8];
    memscope_track_as(t, block, 8, "l", "char *", "l.c", 1);
    assert_int_equal(memscope_export_json(t, link), MEMSCOPE_OK);
    assert_int_equal(kind_at(link), 'f'); /* the link itself was replaced */
    assert_json(link, "d['total_allocations'] == 1");
    assert_int_equal(mst_read_file(victim, text, sizeof text), 8);
    assert_string_equal(text, "precious");
    assert_int_equal(memscope_export_json(t, dangling), MEMSCOPE_OK);
    assert_int_equal(kind_at(dangling), 'f');
    assert_int_equal(list_dir(dir, names, sizeof names), 3); /* no nowhere/, no temp file */
    memscope_destroy(t);
}

/* Another user who pre-creates the names an export would use for its temp file (the old
   ".NAME.tmp-PID-N") cannot block it: names are random. */
static void test_temp_names_cannot_be_guessed(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], path[MST_PATH_MAX], trap[MST_PATH_MAX];
    fresh_dir(dir, sizeof dir, "tmp-guess");
    mst_fmt(path, sizeof path, "%s/report.json", dir);
    for (int n = 0; n < 3000; n++) {
        mst_fmt(trap, sizeof trap, "%s/.report.json.tmp-%ld-%d", dir, (long)getpid(), n);
        int fd = open(trap, O_WRONLY | O_CREAT | O_EXCL, 0600);
        assert_true(fd >= 0);
        close(fd);
    }
    memscope_tracker *t = memscope_new();
    static char block[8];
    memscope_track_as(t, block, 8, "g", "char *", "g.c", 1);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_int_equal(memscope_export_binary(t, path), MEMSCOPE_OK); /* any writer: the same opening */
    memscope_destroy(t);
    uint64_t a = ms__random_u64(), b = ms__random_u64();
    assert_true(a != b);
}

/* A name that is taken is retried with a fresh one, a bounded number of times. */
static uint64_t fixed_values[MS__TMP_TRIES + 8];
static size_t fixed_next;
static uint64_t fixed_random(void) { return fixed_values[fixed_next++ % (sizeof fixed_values / sizeof fixed_values[0])]; }

static void test_temp_name_taken_is_retried_then_refused(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], path[MST_PATH_MAX], trap[MST_PATH_MAX], names[16384];
    fresh_dir(dir, sizeof dir, "tmp-retry");
    mst_fmt(path, sizeof path, "%s/r.json", dir);
    for (size_t i = 0; i < sizeof fixed_values / sizeof fixed_values[0]; i++) fixed_values[i] = 0x1000 + i;
    for (int i = 0; i < 5; i++) { /* the first five names are taken */
        mst_fmt(trap, sizeof trap, "%s/.r.json.tmp-%016llx", dir, (unsigned long long)fixed_values[i]);
        close(open(trap, O_WRONLY | O_CREAT | O_EXCL, 0600));
    }
    memscope_tracker *t = memscope_new();
    static char block[8];
    memscope_track_as(t, block, 8, "r", "char *", "r.c", 1);
    ms__tmp_random = fixed_random;
    fixed_next = 0;
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_int_equal((int)fixed_next, 6);
    assert_int_equal(list_dir(dir, names, sizeof names), 6);
    for (int i = 5; i < MS__TMP_TRIES; i++) { /* now every name it will try */
        mst_fmt(trap, sizeof trap, "%s/.r.json.tmp-%016llx", dir, (unsigned long long)fixed_values[i]);
        close(open(trap, O_WRONLY | O_CREAT | O_EXCL, 0600));
    }
    fixed_next = 0;
    errno = 0;
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_ERR_IO);
    assert_int_equal(errno, EEXIST);
    assert_int_equal((int)fixed_next, MS__TMP_TRIES);
    assert_int_equal(list_dir(dir, names, sizeof names), MS__TMP_TRIES + 1);
    ms__tmp_random = ms__random_u64;
    memscope_destroy(t);
}

/* ---- auto-export ------------------------------------------------------------------------ */

static char g_path[MST_PATH_MAX], g_moved[MST_PATH_MAX];
static char g_child_blocks[8][64]; /* static: nothing for LeakSanitizer to report in children */

static void exit_from_helper(void) { exit(0); }

static pid_t g_last_child;

/* Runs fn in a forked child; its stderr goes to stderr_path when given. Returns the wait status. */
static int run_in_child(void (*fn)(void), const char *stderr_path) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (stderr_path) {
            int fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || dup2(fd, 2) < 0) _exit(90);
            close(fd);
        }
        fn();
        _exit(91); /* fn must exit */
    }
    g_last_child = pid;
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return status;
}

#define assert_child_exited_0(status)                                                            \
    do {                                                                                         \
        int st_ = (status);                                                                      \
        if (!(st_ >= 0 && WIFEXITED(st_) && WEXITSTATUS(st_) == 0)) {                             \
            print_error("child: %s %d\n", (st_ >= 0 && WIFEXITED(st_)) ? "exit status" : "signal/wait", \
                        (st_ >= 0 && WIFEXITED(st_)) ? WEXITSTATUS(st_)                          \
                                                     : (st_ >= 0 ? WTERMSIG(st_) : st_));        \
            fail();                                                                              \
        }                                                                                        \
    } while (0)

static void child_auto_export_then_exit(void) {
    memscope_tracker *t = memscope_with_auto_export(memscope_new(), g_path);
    if (!t) _exit(10);
    char *one = g_child_blocks[0], *two = g_child_blocks[1], *three = g_child_blocks[2];
    TRACK_SIZE(t, one, 10);
    TRACK_SIZE(t, two, 20);
    TRACK_SIZE(t, three, 30);
    UNTRACK(t, one);
    if (mst_file_exists(g_path)) _exit(11); /* not before exit */
    exit_from_helper();
}

static void test_auto_export_at_exit(void **state) {
    (void)state;
    char dir[MST_PATH_MAX];
    fresh_dir(dir, sizeof dir, "auto-exit");
    mst_fmt(g_path, sizeof g_path, "%s/report.json", dir);
    assert_child_exited_0(run_in_child(child_auto_export_then_exit, NULL));
    assert_true(mst_file_exists(g_path));
    assert_json(g_path, "d['format'] == 'memscope'", "d['total_allocations'] == 3",
                "d['total_deallocations'] == 1", "d['active_allocations'] == 2",
                "d['current_memory_bytes'] == 50", "d['peak_memory_bytes'] == 60",
                "sorted(h['var_name'] for h in d['hotspots']) == ['one', 'three', 'two']");
}

static void child_destroy_then_exit(void) {
    memscope_tracker *t = memscope_with_auto_export(memscope_new(), g_path);
    if (!t) _exit(10);
    char *kept = g_child_blocks[3];
    TRACK_SIZE(t, kept, 42);
    memscope_destroy(t);
    if (!mst_file_exists(g_path)) _exit(12);   /* destroy exported */
    if (rename(g_path, g_moved) != 0) _exit(13); /* keep it for the parent, remove the path */
    exit_from_helper();                          /* must not export again */
}

static void test_destroy_exports_exactly_once(void **state) {
    (void)state;
    char dir[MST_PATH_MAX];
    fresh_dir(dir, sizeof dir, "destroy-once");
    mst_fmt(g_path, sizeof g_path, "%s/report.json", dir);
    mst_fmt(g_moved, sizeof g_moved, "%s/moved.json", dir);
    assert_child_exited_0(run_in_child(child_destroy_then_exit, NULL));
    assert_false(mst_file_exists(g_path)); /* not rewritten at exit */
    assert_json(g_moved, "d['total_allocations'] == 1", "d['total_allocated_bytes'] == 42",
                "d['active_allocations'] == 1", "d['hotspots'][0]['var_name'] == 'kept'");
}

static void test_destroy_writes_auto_export_in_process(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], path[MST_PATH_MAX];
    fresh_dir(dir, sizeof dir, "destroy-in-process");
    mst_fmt(path, sizeof path, "%s/report.json", dir);
    memscope_tracker *t = memscope_new();
    assert_ptr_equal(memscope_with_auto_export(t, path), t);
    static char block[16];
    memscope_track_as(t, block, 16, "inproc", "char *", "i.c", 4);
    assert_false(mst_file_exists(path));
    memscope_destroy(t);
    assert_json(path, "d['total_allocations'] == 1", "d['hotspots'][0]['var_name'] == 'inproc'",
                "d['hotspots'][0]['location'] == 'i.c:4'");
}

static void child_auto_export_fails(void) {
    memscope_tracker *t = memscope_with_auto_export(memscope_new(), "/proc/nonexistent/x.json");
    if (!t) _exit(10);
    char *doomed = g_child_blocks[4];
    TRACK_SIZE(t, doomed, 5);
    exit_from_helper();
}

static void test_failed_auto_export_prints_one_line_and_exits_normally(void **state) {
    (void)state;
    char err_path[MST_PATH_MAX], text[4096];
    mst_out_path(err_path, sizeof err_path, SUB, "auto-fail.stderr");
    assert_child_exited_0(run_in_child(child_auto_export_fails, err_path));
    assert_true(mst_read_file(err_path, text, sizeof text) > 0);
    size_t lines = 0;
    for (const char *c = text; *c; c++) lines += *c == '\n';
    if (lines != 1 || strstr(text, "/proc/nonexistent/x.json") == NULL) {
        print_error("stderr of the child:\n%s\n", text);
        fail();
    }
}

static void child_global_with_env(void) {
    if (setenv("MEMSCOPE_OUTPUT", g_path, 1) != 0) _exit(10);
    memscope_tracker *g = memscope_global();
    if (!g) _exit(11);
    if (memscope_global() != g) _exit(12);
    char *global_block = g_child_blocks[5];
    TRACK_SIZE(g, global_block, 77);
    exit_from_helper();
}

static void test_global_tracker_exports_at_exit_with_memscope_output(void **state) {
    (void)state;
    char dir[MST_PATH_MAX];
    fresh_dir(dir, sizeof dir, "global");
    mst_fmt(g_path, sizeof g_path, "%s/report.json", dir);
    assert_child_exited_0(run_in_child(child_global_with_env, NULL));
    assert_json(g_path, "d['format'] == 'memscope'", "d['total_allocations'] == 1",
                "d['total_allocated_bytes'] == 77", "d['active_allocations'] == 1",
                "d['hotspots'][0]['var_name'] == 'global_block'");
}

static void test_global_tracker_output_path_pid_pattern(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], want[MST_PATH_MAX];
    fresh_dir(dir, sizeof dir, "global-pid");
    mst_fmt(g_path, sizeof g_path, "%s/report-%%p.json", dir);
    assert_child_exited_0(run_in_child(child_global_with_env, NULL));
    mst_fmt(want, sizeof want, "%s/report-%d.json", dir, (int)g_last_child);
    assert_true(mst_file_exists(want));
    assert_json(want, "d['total_allocations'] == 1");
}

static void child_global_without_env(void) {
    unsetenv("MEMSCOPE_OUTPUT");
    if (chdir(g_path) != 0) _exit(10);
    memscope_tracker *g = memscope_global();
    if (!g) _exit(11);
    char *quiet = g_child_blocks[6];
    TRACK_SIZE(g, quiet, 9);
    exit_from_helper();
}

static void test_global_tracker_without_output_exports_nothing(void **state) {
    (void)state;
    char names[1024];
    fresh_dir(g_path, sizeof g_path, "global-quiet");
    assert_child_exited_0(run_in_child(child_global_without_env, NULL));
    if (list_dir(g_path, names, sizeof names) != 0) {
        print_error("files written without MEMSCOPE_OUTPUT: %s\n", names);
        fail();
    }
}

/* A relative MEMSCOPE_OUTPUT is taken against the working directory at the start: a program
   that changes directory later still writes where the user meant. */
static void child_global_relative_then_chdir(void) {
    if (chdir(g_path) != 0) _exit(10);
    if (setenv("MEMSCOPE_OUTPUT", "rel.json", 1) != 0) _exit(11);
    memscope_tracker *g = memscope_global();
    if (!g) _exit(12);
    char *moved_block = g_child_blocks[5];
    TRACK_SIZE(g, moved_block, 55);
    if (chdir(g_moved) != 0) _exit(13);
    exit_from_helper();
}

static void test_global_tracker_relative_output_is_fixed_at_start(void **state) {
    (void)state;
    char names[1024], want[MST_PATH_MAX];
    char rel[MST_PATH_MAX];
    fresh_dir(rel, sizeof rel, "global-rel"); /* absolute: the child changes directory twice */
    assert_non_null(realpath(rel, g_path));
    fresh_dir(rel, sizeof rel, "global-rel-elsewhere");
    assert_non_null(realpath(rel, g_moved));
    assert_child_exited_0(run_in_child(child_global_relative_then_chdir, NULL));
    mst_fmt(want, sizeof want, "%s/rel.json", g_path);
    assert_json(want, "d['total_allocations'] == 1");
    assert_int_equal(list_dir(g_moved, names, sizeof names), 0);
}

/* A forked child never replaces its parent's file: without %p it writes NAME.PID.EXT. Here
   the child outlives the parent, which wrote first. */
static int g_pipe[2];
static void child_global_forks(void) {
    if (setenv("MEMSCOPE_OUTPUT", g_path, 1) != 0) _exit(10);
    memscope_tracker *g = memscope_global();
    if (!g) _exit(11);
    char *parent_block = g_child_blocks[5];
    TRACK_SIZE(g, parent_block, 11);
    pid_t kid = fork();
    if (kid < 0) _exit(12);
    if (kid == 0) {
        char *a = g_child_blocks[6], *b = g_child_blocks[7];
        TRACK_SIZE(g, a, 22);
        TRACK_SIZE(g, b, 33);
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL); /* the parent has exported by now */
        exit_from_helper();
    }
    if (write(g_pipe[1], &kid, sizeof kid) != (ssize_t)sizeof kid) _exit(13);
    exit_from_helper();
}

static void test_global_tracker_forked_child_writes_its_own_file(void **state) {
    (void)state;
    char dir[MST_PATH_MAX], kid_path[MST_PATH_MAX];
    fresh_dir(dir, sizeof dir, "global-fork");
    mst_fmt(g_path, sizeof g_path, "%s/g.json", dir);
    assert_int_equal(pipe(g_pipe), 0);
    assert_child_exited_0(run_in_child(child_global_forks, NULL));
    pid_t kid = 0;
    assert_int_equal(read(g_pipe[0], &kid, sizeof kid), (ssize_t)sizeof kid);
    close(g_pipe[0]);
    close(g_pipe[1]);
    mst_fmt(kid_path, sizeof kid_path, "%s/g.%d.json", dir, (int)kid);
    for (int i = 0; i < 500 && !mst_file_exists(kid_path); i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL); /* a late write to g.json would land by now */
    assert_json(g_path, "d['total_allocations'] == 1", "d['total_allocated_bytes'] == 11");
    assert_json(kid_path, "d['total_allocations'] == 3", "d['total_allocated_bytes'] == 66");
}

/* A MEMSCOPE_OUTPUT the library cannot use is refused at the start with one line, and the
   default name is written instead. */
static void child_global_bad_output(void) {
    if (chdir(g_path) != 0) _exit(10);
    if (setenv("MEMSCOPE_OUTPUT", "out.txt", 1) != 0) _exit(11);
    memscope_tracker *g = memscope_global();
    if (!g) _exit(12);
    char *b = g_child_blocks[5];
    TRACK_SIZE(g, b, 5);
    exit_from_helper();
}

static void child_global_long_output(void) {
    static char longpath[5006];
    memset(longpath, 'a', 5000);
    memcpy(longpath + 5000, ".json", 6);
    if (chdir(g_path) != 0) _exit(10);
    if (setenv("MEMSCOPE_OUTPUT", longpath, 1) != 0) _exit(11);
    if (!memscope_global()) _exit(12);
    exit_from_helper();
}

static void test_global_tracker_bad_output_refused_at_start(void **state) {
    (void)state;
    char err[MST_PATH_MAX], text[2048], want[MST_PATH_MAX];
    fresh_dir(g_path, sizeof g_path, "global-bad");
    mst_fmt(err, sizeof err, "%s.stderr", g_path);
    assert_child_exited_0(run_in_child(child_global_bad_output, err));
    assert_true(mst_read_file(err, text, sizeof text) > 0);
    print_message("%s", text);
    assert_non_null(strstr(text, "memscope: MEMSCOPE_OUTPUT=out.txt refused: its extension names no format"));
    assert_non_null(strstr(text, "using memscope-%p.msb"));
    assert_null(strchr(strchr(text, '\n') + 1, '\n')); /* one line */
    mst_fmt(want, sizeof want, "%s/memscope-%d.msb", g_path, (int)g_last_child);
    assert_true(mst_file_exists(want));
    /* too long: said with its length, not cut short */
    fresh_dir(g_path, sizeof g_path, "global-long");
    assert_child_exited_0(run_in_child(child_global_long_output, err));
    assert_true(mst_read_file(err, text, sizeof text) > 0);
    print_message("%.120s...\n", text);
    assert_non_null(strstr(text, "refused: 5005 characters, more than the 4000 a path may have"));
    assert_null(strchr(strchr(text, '\n') + 1, '\n'));
}

int main(void) {
    /* the auto-export children inherit this; none of them may see a global path by accident */
    unsetenv("MEMSCOPE_OUTPUT");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_has_exact_report_values),
        cmocka_unit_test(test_json_of_empty_tracker),
        cmocka_unit_test(test_json_sampling_fields),
        cmocka_unit_test(test_json_at_rate_zero_is_strict_json),
        cmocka_unit_test(test_json_escapes_odd_names),
        cmocka_unit_test(test_json_long_name),
        cmocka_unit_test(test_export_creates_missing_parent_directories),
        cmocka_unit_test(test_export_to_unwritable_path_is_io_error_and_keeps_earlier_file),
        cmocka_unit_test(test_export_onto_a_directory_fails_without_leftovers),
        cmocka_unit_test(test_failed_write_keeps_earlier_file_and_no_temp),
        cmocka_unit_test(test_export_replaces_existing_file_and_leaves_no_temp),
        cmocka_unit_test(test_export_by_extension),
        cmocka_unit_test(test_html_and_binary_exports_written),
        cmocka_unit_test(test_auto_export_at_exit),
        cmocka_unit_test(test_destroy_exports_exactly_once),
        cmocka_unit_test(test_destroy_writes_auto_export_in_process),
        cmocka_unit_test(test_failed_auto_export_prints_one_line_and_exits_normally),
        cmocka_unit_test(test_global_tracker_exports_at_exit_with_memscope_output),
        cmocka_unit_test(test_global_tracker_output_path_pid_pattern),
        cmocka_unit_test(test_global_tracker_without_output_exports_nothing),
        cmocka_unit_test(test_global_tracker_relative_output_is_fixed_at_start),
        cmocka_unit_test(test_global_tracker_forked_child_writes_its_own_file),
        cmocka_unit_test(test_global_tracker_bad_output_refused_at_start),
        cmocka_unit_test(test_export_refuses_special_files),
        cmocka_unit_test(test_export_never_writes_through_a_link),
        cmocka_unit_test(test_temp_names_cannot_be_guessed),
        cmocka_unit_test(test_temp_name_taken_is_retried_then_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
