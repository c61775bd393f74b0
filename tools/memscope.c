/* memscope - the command-line tool of memscope.h: turns a .msb file into reports.
 *
 *   memscope report FILE.msb [--top N] [--json|--html|--msb|--pprof|--folded|--trace|--prom|--massif|--dhat OUT]...
 *                   [--strict]
 *   memscope --help | --version
 *
 * `report` prints a text summary (totals, peak, top hotspots, what was still live at the end
 * by site, threads, system metrics) and, with --json / --html, writes those reports of the
 * file. Exit status: 0 on success, 1 when the file is missing or malformed or an argument is
 * wrong, with one line on stderr that says which and why. A file cut off before its end (a
 * crash while it was written) is reported from its complete sections, with a warning on
 * stderr saying what was lost; --strict refuses it instead. `memscope run` (whole-program
 * mode) is not part of this version. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "../memscope.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: memscope report FILE.msb [--top N] [--FORMAT OUT]... [--strict]\n"
    "       memscope run [-o OUT.msb] [--sample-bytes N] [--rate R] [--depth D] [--no-stacks]\n"
    "                    [--monitor] [--max-events N] [--unwind fp|auto|dwarf] -- PROGRAM [ARGS]\n"
    "       memscope --help | --version\n"
    "\n"
    "  report FILE.msb   print a summary of a file written by memscope_export_binary:\n"
    "                    totals, peak, the top N hotspots (default 10), what was still\n"
    "                    live at the end by site, threads, system metrics\n"
    "  --top N           how many rows per table (1..100000)\n"
    "  --json OUT        also write the JSON report of the file to OUT\n"
    "  --html OUT        ... the HTML dashboard\n"
    "  --msb OUT         ... the binary file again (complete, also from a truncated one)\n"
    "  --pprof OUT       ... a pprof profile (go tool pprof; gzip-wrapped if OUT ends in .gz)\n"
    "  --folded OUT      ... folded stacks, bytes allocated (flamegraph.pl, inferno, speedscope)\n"
    "  --trace OUT       ... Chrome Trace Event JSON (ui.perfetto.dev, chrome://tracing)\n"
    "  --prom OUT        ... the Prometheus text exposition (node_exporter's textfile collector)\n"
    "  --massif OUT      ... massif's format (ms_print, massif-visualizer)\n"
    "  --dhat OUT        ... DHAT's JSON (Valgrind's dh_view.html)\n"
    "  --strict          refuse a truncated file (by default its complete sections are\n"
    "                    reported, with a warning on stderr saying what was lost)\n"
    "\n"
    "  run PROGRAM       run a dynamically linked program with every malloc, free, calloc,\n"
    "                    realloc, ... recorded (libmemscope.so preloaded); the report is\n"
    "                    written when it ends, also on SIGINT, SIGTERM and abort\n"
    "  -o OUT.msb        where (default memscope.PROGRAM.%p.msb; %p = the process id, so\n"
    "                    children get their own files)             env MEMSCOPE_OUTPUT\n"
    "  --sample-bytes N  record about one allocation per N bytes allocated, weighted so\n"
    "                    the estimates stay unbiased (0 = every call) MEMSCOPE_SAMPLE_BYTES\n"
    "  --rate R          keep a fraction R of the calls (hash sampling)  MEMSCOPE_SAMPLE_RATE\n"
    "  --depth D         call stack frames per allocation (default 32)  MEMSCOPE_STACK_DEPTH\n"
    "  --no-stacks       no call stacks (depth 0)\n"
    "  --monitor         sample CPU, RSS, threads, disk, network, GPU  MEMSCOPE_MONITOR=1\n"
    "  --max-events N    events kept in memory (default 4194304)        MEMSCOPE_MAX_EVENTS\n"
    "  --unwind MODE     fp: frame pointers; auto (default): frame pointers, glibc's\n"
    "                    unwinder where they stop at once; dwarf: unwinder  MEMSCOPE_UNWIND\n"
    "  --live-table      record through the live-address table at each call instead of\n"
    "                    per-thread logs resolved at the end (slower)  MEMSCOPE_LIVE_TABLE=1\n"
    "\n"
    "Exit status: report: 0 on success, 1 when the file is missing or malformed or an argument\n"
    "is wrong (one line on stderr says which and why); run: the program's.\n";

static const char *human(char *buf, size_t n, double v) {
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (v >= 1024.0 && i < 4) { v /= 1024.0; i++; }
    snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
    return buf;
}

static int fail(const char *fmt, const char *a, const char *b) {
    fprintf(stderr, "memscope: ");
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return 1;
}

/* Live allocations at the end, grouped by site (variable and location), largest first. */
typedef struct leak_row { const char *var, *type, *file; uint32_t line; uint64_t bytes, count; } leak_row;
typedef struct live { uint64_t addr; size_t ev; } live;

static int by_bytes(const void *a, const void *b) {
    const leak_row *x = (const leak_row *)a, *y = (const leak_row *)b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static void print_leaks(memscope_tracker *t, size_t top) {
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    size_t cap = 16;
    while (cap < 2 * n + 16) cap *= 2;
    live *tab = calloc(cap, sizeof *tab);
    if (!tab) { free(ev); printf("  (out of memory)\n"); return; }
    for (size_t i = 0; i < n; i++) { /* open addressing on the address; the latest alloc wins */
        size_t h = (size_t)((ev[i].address * 0x9E3779B97F4A7C15u) >> 20) & (cap - 1);
        while (tab[h].addr && tab[h].addr != ev[i].address) h = (h + 1) & (cap - 1);
        if (ev[i].kind == MEMSCOPE_EVENT_ALLOC) { tab[h].addr = ev[i].address; tab[h].ev = i + 1; }
        else if (tab[h].addr) tab[h].ev = 0; /* freed; the slot stays for probing */
    }
    leak_row *rows = calloc(n + 1, sizeof *rows);
    size_t nrows = 0;
    uint64_t total = 0, count = 0;
    for (size_t s = 0; rows && s < cap; s++) {
        if (!tab[s].addr || !tab[s].ev) continue;
        const memscope_event *e = &ev[tab[s].ev - 1];
        size_t r = 0;
        while (r < nrows && !(rows[r].line == e->line && rows[r].var == e->var_name && rows[r].file == e->file)) r++;
        if (r == nrows) { rows[r].var = e->var_name; rows[r].type = e->type_name; rows[r].file = e->file; rows[r].line = e->line; nrows++; }
        rows[r].bytes += e->size;
        rows[r].count++;
        total += e->size;
        count++;
    }
    char b1[32];
    printf("\nLIVE AT THE END (leaks): %" PRIu64 " allocations, %s, at %zu sites\n", count, human(b1, sizeof b1, (double)total), nrows);
    if (rows) qsort(rows, nrows, sizeof *rows, by_bytes);
    for (size_t r = 0; r < nrows && r < top; r++)
        printf("  %12s in %6" PRIu64 " allocations  %s (%s) at %s:%u\n", human(b1, sizeof b1, (double)rows[r].bytes),
               rows[r].count, rows[r].var ? rows[r].var : "?", rows[r].type ? rows[r].type : "?",
               rows[r].file ? rows[r].file : "?", rows[r].line);
    free(rows);
    free(tab);
    free(ev);
}

/* Sections by call stack, like heaptrack_print's: most calls to allocation functions, the
   peak's consumers, temporary allocations (freed before any other allocation was made),
   leaks. One pass over the events in time order; a live table maps an address to its
   allocation event. */
typedef struct stack_row { uint32_t stack; uint64_t calls, bytes, temp, at_peak, live_bytes, live_count; } stack_row;
static int by_field_off;
static int by_field(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)((const char *)a + by_field_off), y = *(const uint64_t *)((const char *)b + by_field_off);
    return x < y ? 1 : x > y ? -1 : 0;
}

static void print_stack(memscope_tracker *t, uint32_t stack) {
    memscope_symbol s;
    size_t shown = 0;
    for (size_t i = 0; shown < 6 && memscope_stack_symbol(t, stack, i, &s); i++) {
        const char *mod = s.module ? strrchr(s.module, '/') : NULL;
        mod = mod ? mod + 1 : s.module;
        if (s.function)
            printf("        at %s%s%s\n", s.function, mod ? " in " : "", mod ? mod : "");
        else if (mod && s.has_offset) /* addr2line -e MODULE OFFSET names it from debug info */
            printf("        at %s+0x%" PRIx64 "\n", mod, s.offset);
        else
            printf("        at 0x%" PRIxPTR "\n", s.address);
        shown++;
    }
    if (!shown) printf("        (no call stack)\n");
}

static void print_by_stack(memscope_tracker *t, const memscope_event *ev, size_t n, size_t top) {
    uint32_t max = 0;
    for (size_t i = 0; i < n; i++) if (ev[i].kind == MEMSCOPE_EVENT_ALLOC && ev[i].stack_id > max) max = ev[i].stack_id;
    if (!max) return; /* no stacks in this file */
    stack_row *rows = calloc((size_t)max + 1, sizeof *rows);
    uint64_t *cur = calloc((size_t)max + 1, sizeof *cur);
    size_t cap = 16;
    while (cap < 2 * n + 16) cap *= 2;
    live *tab = calloc(cap, sizeof *tab);
    if (!rows || !cur || !tab) { free(rows); free(cur); free(tab); printf("  (out of memory)\n"); return; }
    for (uint32_t s = 0; s <= max; s++) rows[s].stack = s;
    /* pass 1: the peak's event index */
    uint64_t live_now = 0, peak = 0;
    size_t peak_at = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == MEMSCOPE_EVENT_ALLOC) { live_now += ev[i].size; if (live_now > peak) { peak = live_now; peak_at = i + 1; } }
        else live_now -= ev[i].size;
    }
    /* pass 2 */
    uint64_t last_alloc = 0, temporary = 0;
    size_t last_alloc_ev = 0;
    for (size_t i = 0; i < n; i++) {
        const memscope_event *e = &ev[i];
        size_t h = (size_t)((e->address * 0x9E3779B97F4A7C15u) >> 20) & (cap - 1);
        while (tab[h].addr && tab[h].addr != e->address) h = (h + 1) & (cap - 1);
        if (e->kind == MEMSCOPE_EVENT_ALLOC) {
            tab[h].addr = e->address;
            tab[h].ev = i + 1;
            rows[e->stack_id].calls++;
            rows[e->stack_id].bytes += e->size;
            cur[e->stack_id] += e->size;
            last_alloc = e->address;
            last_alloc_ev = i + 1;
        } else if (tab[h].addr && tab[h].ev) {
            const memscope_event *a = &ev[tab[h].ev - 1];
            cur[a->stack_id] -= a->size;
            if (last_alloc_ev && last_alloc == e->address && tab[h].ev == last_alloc_ev) { rows[a->stack_id].temp++; temporary++; }
            tab[h].ev = 0;
            last_alloc_ev = 0;
        }
        if (i + 1 == peak_at) for (uint32_t s = 0; s <= max; s++) rows[s].at_peak = cur[s];
    }
    for (size_t s = 0; s < cap; s++) {
        if (!tab[s].addr || !tab[s].ev) continue;
        const memscope_event *a = &ev[tab[s].ev - 1];
        rows[a->stack_id].live_bytes += a->size;
        rows[a->stack_id].live_count++;
    }
    char b1[32], b2[32];
    uint64_t calls = 0;
    for (uint32_t s = 0; s <= max; s++) calls += rows[s].calls;
    printf("\nBY CALL STACK: %" PRIu64 " temporary allocations (%.1f %% of %" PRIu64 ": freed before any other allocation)\n",
           temporary, calls ? 100.0 * (double)temporary / (double)calls : 0.0, calls);
    static const struct { const char *title; size_t off; } sections[] = {
        {"MOST CALLS TO ALLOCATION FUNCTIONS", offsetof(stack_row, calls)},
        {"PEAK MEMORY CONSUMERS (live at the peak)", offsetof(stack_row, at_peak)},
        {"MOST TEMPORARY ALLOCATIONS", offsetof(stack_row, temp)},
        {"LEAKS (live at the end)", offsetof(stack_row, live_bytes)},
    };
    for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
        by_field_off = (int)sections[k].off;
        qsort(rows, (size_t)max + 1, sizeof *rows, by_field);
        printf("\n%s\n", sections[k].title);
        size_t shown = 0;
        for (uint32_t s = 0; s <= max && shown < top; s++) {
            const stack_row *r = &rows[s];
            uint64_t v = *(const uint64_t *)((const char *)r + sections[k].off);
            if (!v) break;
            if (k == 0) printf("  %" PRIu64 " calls, %s allocated\n", r->calls, human(b1, sizeof b1, (double)r->bytes));
            else if (k == 1) printf("  %s live at the peak, from %" PRIu64 " calls\n", human(b1, sizeof b1, (double)r->at_peak), r->calls);
            else if (k == 2) printf("  %" PRIu64 " temporary of %" PRIu64 " calls\n", r->temp, r->calls);
            else printf("  %s leaked in %" PRIu64 " allocations (%s allocated in all)\n", human(b1, sizeof b1, (double)r->live_bytes),
                        r->live_count, human(b2, sizeof b2, (double)r->bytes));
            print_stack(t, r->stack);
            shown++;
        }
        if (!shown) printf("  none\n");
    }
    free(rows);
    free(cur);
    free(tab);
}

/* The totals of a .msb from its END section alone (the last section), found by walking the
   section headers: the summary of `memscope run` without reading millions of events.
   0 on success; the full reader checks everything else when the file is reported. */
static uint64_t rd_varint(const unsigned char **p, const unsigned char *end, int *err) {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char c = *(*p)++;
        v |= (uint64_t)(c & 127u) << shift;
        if (!(c & 128u)) return v;
    }
    *err = 1;
    return 0;
}
static int read_end_totals(const char *path, uint64_t totals[9]) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    unsigned char h[16];
    int rc = -1;
    if (fread(h, 1, 16, f) == 16 && !memcmp(h, "\x89MSB\r\n\x1a\n", 8)) {
        for (;;) {
            if (fread(h, 1, 16, f) != 16) break;
            uint32_t type = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
            uint64_t len = 0;
            for (int i = 7; i >= 0; i--) len = len << 8 | h[8 + i];
            if (type != 9) {
                if (len > (uint64_t)1 << 40 || fseeko(f, (off_t)len + 4, SEEK_CUR) != 0) break;
                continue;
            }
            unsigned char buf[256];
            if (len > sizeof buf || fread(buf, 1, (size_t)len, f) != len) break;
            const unsigned char *p = buf;
            int err = 0;
            for (int i = 0; i < 9; i++) totals[i] = rd_varint(&p, buf + len, &err);
            rc = err ? -1 : 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* memscope run: the program under the preload library, then a one-line summary. */
static const char *find_preload(char *buf, size_t n) {
    const char *env = getenv("MEMSCOPE_PRELOAD_LIB");
    if (env && *env) return env;
    char self[4096];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0) return NULL;
    self[k] = 0;
    char *slash = strrchr(self, '/');
    if (!slash) return NULL;
    *slash = 0;
    static const char *const rel[] = {"/libmemscope.so", "/../lib/memscope/libmemscope.so"};
    for (size_t i = 0; i < 2; i++) {
        if (strlen(self) + strlen(rel[i]) + 1 > n) continue;
        memcpy(buf, self, strlen(self));
        memcpy(buf + strlen(self), rel[i], strlen(rel[i]) + 1);
        if (access(buf, R_OK) == 0) return buf;
    }
    return NULL;
}

static int run(int argc, char **argv) {
    const char *out = NULL;
    int i = 2;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { i++; break; }
        if (a[0] != '-') break;
        static const struct { const char *opt, *env; } vals[] = {
            {"--sample-bytes", "MEMSCOPE_SAMPLE_BYTES"}, {"--rate", "MEMSCOPE_SAMPLE_RATE"},
            {"--depth", "MEMSCOPE_STACK_DEPTH"}, {"--max-events", "MEMSCOPE_MAX_EVENTS"}, {"--unwind", "MEMSCOPE_UNWIND"},
        };
        int done = 0;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return fail("%s needs a value%s", a, "");
            out = argv[++i];
            done = 1;
        } else if (!strcmp(a, "--no-stacks")) {
            setenv("MEMSCOPE_STACK_DEPTH", "0", 1);
            done = 1;
        } else if (!strcmp(a, "--monitor")) {
            setenv("MEMSCOPE_MONITOR", "1", 1);
            done = 1;
        } else if (!strcmp(a, "--live-table")) {
            setenv("MEMSCOPE_LIVE_TABLE", "1", 1);
            done = 1;
        }
        for (size_t k = 0; !done && k < sizeof vals / sizeof vals[0]; k++) {
            if (strcmp(a, vals[k].opt) != 0) continue;
            if (i + 1 >= argc) return fail("%s needs a value%s", a, "");
            const char *v = argv[++i];
            char *end;
            if (strcmp(a, "--unwind") == 0 ? (strcmp(v, "fp") && strcmp(v, "auto") && strcmp(v, "dwarf"))
                : strcmp(a, "--rate") == 0 ? (strtod(v, &end) < 0 || strtod(v, &end) > 1 || *end || !*v)
                                           : (*v == '-' || (strtoull(v, &end, 10), *end) || !*v))
                return fail("%s %s: not a valid value; see memscope --help", a, v);
            setenv(vals[k].env, v, 1);
            done = 1;
        }
        if (!done) return fail("unknown option '%s'%s; see memscope --help", a, "");
    }
    if (i >= argc) return fail("run needs a program: memscope run [options] -- PROGRAM [ARGS]%s%s", "", "");
    char libbuf[4096], outbuf[4096];
    const char *lib = find_preload(libbuf, sizeof libbuf);
    if (!lib) return fail("cannot find libmemscope.so next to this program or in ../lib/memscope (set MEMSCOPE_PRELOAD_LIB)%s%s", "", "");
    if (!out) {
        const char *base = strrchr(argv[i], '/');
        snprintf(outbuf, sizeof outbuf, "memscope.%s.%%p.msb", base ? base + 1 : argv[i]);
        out = outbuf;
    }
    setenv("MEMSCOPE_OUTPUT", out, 1);
    const char *pre = getenv("LD_PRELOAD");
    char preload[8192];
    snprintf(preload, sizeof preload, "%s%s%s", lib, pre && *pre ? " " : "", pre && *pre ? pre : "");
    setenv("LD_PRELOAD", preload, 1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return fail("fork: %s%s", strerror(errno), "");
    if (pid == 0) {
        execvp(argv[i], argv + i);
        fprintf(stderr, "memscope: %s: %s\n", argv[i], strerror(errno));
        _exit(127);
    }
    signal(SIGINT, SIG_IGN); /* the program gets the terminal's signals; we wait for its report */
    signal(SIGTERM, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    /* the file of the program itself (its children of fork/exec write their own) */
    char path[4096];
    size_t n = 0;
    for (const char *s = out; *s && n + 24 < sizeof path; s++) {
        if (s[0] == '%' && s[1] == 'p') { n += (size_t)snprintf(path + n, sizeof path - n, "%ld", (long)pid); s++; }
        else path[n++] = *s;
    }
    path[n] = 0;
    uint64_t tot[9]; /* END: allocations, frees, active, peak, current, allocated bytes, ... */
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 127)) {
        size_t pl = strlen(path);
        if (pl < 4 || strcmp(path + pl - 4, ".msb") != 0) {
            fprintf(stderr, "memscope: report: %s%s\n", path, access(path, F_OK) == 0 ? "" : " (not written)");
        } else if (read_end_totals(path, tot) == 0) {
            char b1[32], b2[32];
            fprintf(stderr, "memscope: %s: %" PRIu64 " allocations, peak %s, %s in %" PRIu64 " blocks live at exit; `memscope report %s`\n",
                    path, tot[0], human(b1, sizeof b1, (double)tot[3]), human(b2, sizeof b2, (double)tot[4]), tot[2], path);
        } else {
            fprintf(stderr, "memscope: no complete report from %s at %s%s\n", argv[i], path,
                    access(path, F_OK) == 0 ? " (see memscope report)" : "");
        }
    }
    if (WIFSIGNALED(status)) {
        signal(WTERMSIG(status), SIG_DFL);
        raise(WTERMSIG(status));
        return 128 + WTERMSIG(status);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

typedef struct conversion { const char *option; memscope_result (*write)(memscope_tracker *, const char *); const char *out; } conversion;
static conversion conversions[] = {
    {"--json", memscope_export_json, NULL},     {"--html", memscope_export_html, NULL},
    {"--msb", memscope_export_binary, NULL},    {"--pprof", memscope_export_pprof, NULL},
    {"--folded", memscope_export_folded, NULL}, {"--trace", memscope_export_trace, NULL},
    {"--prom", memscope_export_prometheus, NULL}, {"--massif", memscope_export_massif, NULL},
    {"--dhat", memscope_export_dhat, NULL},
};
#define NCONV (sizeof conversions / sizeof conversions[0])

static int report(const char *path, size_t top, int strict) {
    memscope_result res;
    memscope_tracker *t = memscope_load(path, &res);
    if (!t) return fail("%s: %s", path, memscope_load_error());
    memscope_load_info info;
    if (memscope_loaded_info(t, &info) == MEMSCOPE_OK && !info.complete) {
        if (strict) {
            memscope_destroy(t);
            return fail("%s: %s (--strict)", path, memscope_load_error());
        }
        fprintf(stderr, "memscope: warning: %s: %s\n", path, memscope_load_error());
    }
    memscope_report r = memscope_analyze(t);
    char b1[32], b2[32], b3[32];
    printf("memscope report of %s\n", path);
    printf("  duration %.3f s, sample rate %.4g%s\n", r.duration_sec, r.sample_rate,
           memscope_get_sampling(t).capture_call_stack ? ", call stacks" : "");
    printf("  allocations %zu (%s), frees %zu, live at the end %zu (%s)\n", r.total_allocations,
           human(b1, sizeof b1, (double)r.total_allocated_bytes), r.total_deallocations, r.active_allocations,
           human(b2, sizeof b2, (double)r.current_memory_bytes));
    printf("  peak %s; %.0f allocations/s, %.0f frees/s\n", human(b3, sizeof b3, (double)r.peak_memory_bytes),
           r.allocation_rate_per_sec, r.deallocation_rate_per_sec);
    uint64_t sample_bytes = memscope_sample_bytes(t);
    if (sample_bytes)
        printf("  byte sampling: about one allocation recorded per %s allocated, each weighted\n",
               human(b1, sizeof b1, (double)sample_bytes));
    if (r.sample_rate < 1.0 || sample_bytes)
        printf("  estimated over every call: %.0f allocations, %s\n", r.estimated_total_allocations,
               human(b1, sizeof b1, r.estimated_total_bytes));
    if (r.dropped_events) printf("  %" PRIu64 " events were not retained (event bound): lists below are partial\n", r.dropped_events);

    printf("\nHOTSPOTS (%zu sites, by bytes)\n", r.hotspot_count);
    for (size_t i = 0; i < r.hotspot_count && i < top; i++) {
        const memscope_hotspot *h = &r.hotspots[i];
        printf("  %12s in %6zu allocations  %s (%s) at %s\n", human(b1, sizeof b1, (double)h->total_size),
               h->allocation_count, h->var_name ? h->var_name : "?", h->type_name ? h->type_name : "?",
               h->location ? h->location : "?");
    }
    print_leaks(t, top);
    size_t nev = 0;
    memscope_event *ev = memscope_events(t, &nev);
    if (ev) print_by_stack(t, ev, nev, top);
    free(ev);
    printf("\nTHREADS (%zu)\n", r.thread_count);
    for (size_t i = 0; i < r.thread_count && i < top; i++) {
        const memscope_thread_stats *th = &r.threads[i];
        printf("  %7u %-16s %8zu allocs %8zu frees  %10s allocated, %10s live, peak %s\n", th->thread_id,
               th->thread_name && *th->thread_name ? th->thread_name : "-", th->allocations, th->deallocations,
               human(b1, sizeof b1, (double)th->allocated_bytes), human(b2, sizeof b2, (double)th->current_bytes),
               human(b3, sizeof b3, (double)th->peak_bytes));
    }
    if (r.system_snapshot_count) {
        double cpu = 0;
        uint64_t rss = 0, wr = 0, rx = 0;
        uint32_t have = 0;
        for (size_t i = 0; i < r.system_snapshot_count; i++) {
            const memscope_system_snapshot *s = &r.system_snapshots[i];
            have |= s->available;
            if (s->available & MEMSCOPE_METRIC_CPU && s->cpu_usage_percent > cpu) cpu = s->cpu_usage_percent;
            if (s->available & MEMSCOPE_METRIC_MEMORY && s->memory_usage_bytes > rss) rss = s->memory_usage_bytes;
            if (s->available & MEMSCOPE_METRIC_DISK && s->disk_write_bps > wr) wr = s->disk_write_bps;
            if (s->available & MEMSCOPE_METRIC_NETWORK && s->network_rx_bps > rx) rx = s->network_rx_bps;
        }
        printf("\nSYSTEM (%zu snapshots)\n", r.system_snapshot_count);
        if (have & MEMSCOPE_METRIC_CPU) printf("  CPU: at most %.1f %% of one core\n", cpu); else printf("  CPU: unavailable\n");
        if (have & MEMSCOPE_METRIC_MEMORY) printf("  RSS: at most %s\n", human(b1, sizeof b1, (double)rss)); else printf("  RSS: unavailable\n");
        if (have & MEMSCOPE_METRIC_DISK) printf("  disk writes: at most %s/s\n", human(b1, sizeof b1, (double)wr)); else printf("  disk: unavailable\n");
        if (have & MEMSCOPE_METRIC_NETWORK) printf("  network rx: at most %s/s\n", human(b1, sizeof b1, (double)rx)); else printf("  network: unavailable\n");
    } else {
        printf("\nSYSTEM: no snapshots (the monitor was off)\n");
    }
    memscope_report_free(&r);
    int rc = 0;
    for (size_t k = 0; k < NCONV && !rc; k++)
        if (conversions[k].out && (res = conversions[k].write(t, conversions[k].out)) != MEMSCOPE_OK)
            rc = fail("%s: %s", conversions[k].out, res == MEMSCOPE_ERR_IO ? strerror(errno) : memscope_result_string(res));
    memscope_destroy(t);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) { fputs(usage, stderr); return 1; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) { fputs(usage, stdout); return 0; }
    if (!strcmp(argv[1], "--version")) { printf("memscope %s\n", memscope_version_string()); return 0; }
    if (!strcmp(argv[1], "run")) return run(argc, argv);
    if (strcmp(argv[1], "report") != 0) return fail("unknown command '%s'%s; see memscope --help", argv[1], "");
    const char *file = NULL;
    size_t top = 10;
    int strict = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        size_t conv = NCONV;
        for (size_t k = 0; k < NCONV; k++) if (!strcmp(a, conversions[k].option)) conv = k;
        if (!strcmp(a, "--top") || conv < NCONV) {
            if (i + 1 >= argc) return fail("%s needs a value%s", a, "");
            const char *v = argv[++i];
            if (conv < NCONV) conversions[conv].out = v;
            else {
                char *end;
                unsigned long long n = strtoull(v, &end, 10);
                if (*v == '-' || *end || n < 1 || n > 100000) return fail("--top %s: not a number from 1 to 100000%s", v, "");
                top = (size_t)n;
            }
        } else if (!strcmp(a, "--strict")) {
            strict = 1;
        } else if (a[0] == '-' && a[1]) {
            return fail("unknown option '%s'%s; see memscope --help", a, "");
        } else if (!file) {
            file = a;
        } else {
            return fail("one file at a time ('%s' is extra)%s", a, "");
        }
    }
    if (!file) return fail("report needs a FILE.msb%s%s", "", "");
    return report(file, top, strict);
}
