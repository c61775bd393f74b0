/* MEMSCOPE_NO_JSON compiles out the JSON writer only (and the HTML dashboard, which embeds
   the JSON report): every other writer and the readers, .msb and JSON, still work.
   Built with -DMEMSCOPE_NO_JSON by make matrix; run as  no_json OUTDIR REPORT.json
   (REPORT.json: a JSON report to read back, tests/fuzz/corpus/json-valid.json). */
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdio.h>
#include <string.h>

#ifndef MEMSCOPE_NO_JSON
#error "build this test with -DMEMSCOPE_NO_JSON"
#endif

static int failures;

static void check(int ok, const char *what, const char *detail) {
    if (!ok) {
        fprintf(stderr, "no_json: FAIL %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
        failures++;
    }
}

/* The whole file, NUL-terminated, or NULL; *n its size. */
static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    *n = 0;
    if (!f) return NULL;
    size_t cap = 1 << 16, len = 0, got;
    char *buf = malloc(cap + 1);
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[len] = 0;
    *n = len;
    return buf;
}

/* The file is not empty and looks like its format: what a reader of it first checks. */
static void check_file(const char *path, const char *format) {
    size_t n;
    char *s = slurp(path, &n);
    check(s && n > 0, "a non-empty file", path);
    if (!s || !n) { free(s); return; }
    const unsigned char *u = (const unsigned char *)s;
    size_t e = n;
    while (e > 0 && (s[e - 1] == '\n' || s[e - 1] == ' ')) e--;
    int ok = 1;
    if (!strcmp(format, "msb")) {
        memscope_result r = MEMSCOPE_OK;
        memscope_tracker *l = memscope_load(path, &r);
        ok = l != NULL && memscope_stats(l).total_allocations == 3;
        memscope_destroy(l);
    } else if (!strcmp(format, "pprof")) {
        ok = n > 2 && u[0] == 0x1f && u[1] == 0x8b; /* gzip */
    } else if (!strcmp(format, "folded")) {
        ok = strchr(s, ' ') != NULL && e > 0 && s[e - 1] >= '0' && s[e - 1] <= '9';
    } else if (!strcmp(format, "trace") || !strcmp(format, "dhat")) {
        ok = (s[0] == '{' || s[0] == '[') && e > 0 && (s[e - 1] == '}' || s[e - 1] == ']');
    } else if (!strcmp(format, "massif")) {
        ok = !strncmp(s, "desc:", 5);
    } else if (!strcmp(format, "prometheus")) {
        ok = strstr(s, "memscope_") != NULL;
    }
    check(ok, format, path);
    free(s);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: no_json OUTDIR REPORT.json\n");
        return 2;
    }
    const char *dir = argv[1];
    char path[4096];
    memscope_tracker *t = memscope_new();
    char *a = malloc(100), *b = malloc(200), *c = malloc(300);
    TRACK(t, a); TRACK(t, b); TRACK(t, c);
    UNTRACK(t, b); free(b);

    /* every format but JSON and HTML, by extension, one at a time and all at once */
    static const char *const ext[][2] = {
        {".msb", "msb"}, {".pb.gz", "pprof"}, {".folded", "folded"}, {".trace.json", "trace"},
        {".massif", "massif"}, {".dhat.json", "dhat"}, {".prom", "prometheus"},
    };
    enum { N = sizeof ext / sizeof ext[0] };
    char many[N][4096];
    const char *many_p[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(path, sizeof path, "%s/one%s", dir, ext[i][0]);
        remove(path);
        memscope_result r = memscope_export(t, path);
        check(r == MEMSCOPE_OK, "memscope_export", path);
        check_file(path, ext[i][1]);
        snprintf(many[i], sizeof many[i], "%s/many%s", dir, ext[i][0]);
        remove(many[i]);
        many_p[i] = many[i];
    }
    check(memscope_export_many(t, many_p, N) == MEMSCOPE_OK, "memscope_export_many", NULL);
    for (size_t i = 0; i < N; i++) check_file(many[i], ext[i][1]);
    snprintf(path, sizeof path, "%s/cost.folded", dir);
    check(memscope_export_folded_cost(t, path, "leaked") == MEMSCOPE_OK, "memscope_export_folded_cost", path);

    /* JSON and HTML: compiled out, said so, nothing written */
    snprintf(path, sizeof path, "%s/report.json", dir);
    remove(path);
    check(memscope_export_json(t, path) == MEMSCOPE_ERR_UNSUPPORTED, "memscope_export_json: UNSUPPORTED", NULL);
    check(memscope_export(t, path) == MEMSCOPE_ERR_UNSUPPORTED, "memscope_export(.json): UNSUPPORTED", NULL);
    size_t n;
    char *s = slurp(path, &n);
    check(s == NULL, "no JSON file written", path);
    free(s);
    snprintf(path, sizeof path, "%s/report.html", dir);
    check(memscope_export_html(t, path) == MEMSCOPE_ERR_UNSUPPORTED, "memscope_export_html: UNSUPPORTED", NULL);
    check(memscope_export(t, path) == MEMSCOPE_ERR_UNSUPPORTED, "memscope_export(.html): UNSUPPORTED", NULL);

    /* the JSON reader stays: a JSON report loads, and is written back as a .msb that loads */
    memscope_result r = MEMSCOPE_OK;
    memscope_tracker *l = memscope_load(argv[2], &r);
    check(l != NULL, "memscope_load of a JSON report", memscope_load_error());
    if (l) {
        snprintf(path, sizeof path, "%s/from_json.msb", dir);
        check(memscope_export(l, path) == MEMSCOPE_OK, "a loaded JSON report written as .msb", path);
        memscope_tracker *l2 = memscope_load(path, &r);
        check(l2 && memscope_stats(l2).total_allocations == memscope_stats(l).total_allocations,
              "the .msb of a loaded JSON report loads back", path);
        memscope_destroy(l2);
        memscope_destroy(l);
    }

    UNTRACK(t, a); UNTRACK(t, c);
    free(a); free(c);
    memscope_destroy(t);
    if (!failures) printf("no_json: every export but JSON and HTML works, both readers too\n");
    return failures ? 1 : 0;
}
