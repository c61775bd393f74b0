/* memscope - the command-line tool of memscope.h: turns a .msb file or a JSON report into
 * reports, and runs a program with every allocation recorded.
 *
 *   memscope report FILE.msb|FILE.json [--top N] [--frames N] [--json|--html|--msb|--pprof|--folded|--trace|--prom|--massif|--dhat OUT]...
 *                   [--strict]
 *   memscope run [options] -- PROGRAM [ARGS]
 *   memscope --help | --version
 *
 * `report` prints a text summary (totals, peak, top hotspots, what was still live at the end
 * by site, threads, system metrics) and writes the reports asked for (OUT "-": standard
 * output). Exit status: 0 on success, 1 when the file is missing or malformed or an argument
 * is wrong, with one line on stderr that says which and why. A file cut off before its end (a
 * crash while it was written) is reported from its complete sections, with a warning on
 * stderr saying what was lost; --strict refuses it instead. `run` checks where the report
 * will go before the program starts, passes on the signals sent to it, and exits as the
 * program did. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "../memscope.h"
#include "diff_page.h" /* the page of memscope diff --html (tools/embed_dashboard.py) */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif
/* the library's longest MEMSCOPE_OUTPUT (room left for a pid and a temp name) */
#ifdef MS__OUTPUT_MAX
#define OUTPUT_MAX MS__OUTPUT_MAX
#else
#define OUTPUT_MAX 4000
#endif
#define MAX_SAMPLE_BYTES 1099511627776ull /* 2^40 */
#define MAX_MAX_EVENTS 1099511627776ull

static const char usage[] =
    "usage: memscope report FILE.msb|FILE.json [--top N] [--frames N] [--sysroot DIR] [--FORMAT OUT]...\n"
    "                    [--suppressions FILE] [--no-builtin-suppressions] [--as-recorded]\n"
    "                    [--strict]\n"
    "       memscope run [-o OUT.msb] [--sample-bytes N] [--rate R] [--depth D] [--no-stacks]\n"
    "                    [--monitor] [--max-events N] [--unwind fp|auto|dwarf]\n"
    "                    [--names process|offline] -- PROGRAM [ARGS]\n"
    "       memscope diff BASE.msb NEW.msb [--top N] [--frames N] [--folded OUT] [--html OUT]\n"
    "       memscope --help | --version\n"
    "\n"
    "  report FILE       print a summary of a file written by memscope_export_binary (.msb)\n"
    "                    or memscope_export_json (the JSON report, read back the same way):\n"
    "                    totals, peak, the top N hotspots (default 10), what was still\n"
    "                    live at the end by site, threads, system metrics\n"
    "  diff BASE NEW     what grew from one run to the other (.msb files or JSON reports), by\n"
    "                    call stack (matched by their frames' names): leaked, allocated and\n"
    "                    peak bytes, most growth first. --folded OUT writes \"stack BASE NEW\"\n"
    "                    lines of bytes allocated (flamegraph.pl's differential flame graph\n"
    "                    input); --html OUT a self-contained page: a differential flame graph\n"
    "                    (red: grew, blue: shrank; allocated, leaked, peak bytes or\n"
    "                    allocations) and the stacks ranked by growth. With either, no text;\n"
    "                    exit status 0\n"
    "  --top N           how many rows per table (1..100000)\n"
    "  --frames N        at most N frames of each call stack (default: every one);\n"
    "                    a cut stack ends with \"... K more frames\"\n"
    "  --suppressions FILE\n"
    "                    leaks listed apart as suppressed: `leak:PATTERN` lines (LSan's\n"
    "                    format); PATTERN is matched against each frame's function and\n"
    "                    module: a substring, * any text, ^ and $ anchor it\n"
    "                                                                 env MEMSCOPE_SUPPRESSIONS\n"
    "  --no-builtin-suppressions\n"
    "                    list with the others the blocks glibc keeps for the life of the\n"
    "                    process (stdio buffers, NSS, the loader's, locale, atexit, time zone)\n"
    "                                                env MEMSCOPE_NO_BUILTIN_SUPPRESSIONS=1\n"
    "  --as-recorded     only what the file holds: no names, lines or inlined calls added\n"
    "                    from the module files (memscope_load_names)\n"
    "  --sysroot DIR     look for the recorded modules under DIR (DIR/usr/lib/...): a\n"
    "                    file recorded on another machine. Frames the file left unnamed are\n"
    "                    named from each module whose build id matches the recording; a\n"
    "                    module that changed since is named on stderr and not used\n"
    "                                                                 env MEMSCOPE_SYSROOT\n";
static const char usage_out[] = /* (C compilers need only take 4095 characters in one string) */
    "  --json OUT        also write the JSON report of the file to OUT\n"
    "  --html OUT        ... the HTML dashboard\n"
    "  --msb OUT         ... the binary file again (complete, also from a truncated one)\n"
    "  --pprof OUT       ... a pprof profile (go tool pprof; gzip-wrapped if OUT ends in .gz)\n"
    "  --folded OUT      ... folded stacks, bytes allocated (flamegraph.pl, inferno, speedscope)\n"
    "  --folded-cost C   what --folded counts: allocated (bytes, the default), allocations,\n"
    "                    leaked, leaked-allocations, peak (bytes live at the peak), temporary\n"
    "  --trace OUT       ... Chrome Trace Event JSON (ui.perfetto.dev, chrome://tracing)\n"
    "  --prometheus OUT  ... the Prometheus text exposition (node_exporter's textfile\n"
    "                    collector; --prom is the same)\n"
    "  --massif OUT      ... massif's format (ms_print, massif-visualizer)\n"
    "  --dhat OUT        ... DHAT's JSON (Valgrind's dh_view.html)\n"
    "                    OUT \"-\" writes that report to standard output instead of the text\n"
    "                    summary (one OUT at most may be -). An OUT that is the input file,\n"
    "                    or the same file as another OUT, or exists and is not a regular file\n"
    "                    (a FIFO, a device, a link to one) is refused before anything is written\n"
    "  --strict          refuse a truncated file (by default its complete sections are\n"
    "                    reported, with a warning on stderr saying what was lost)\n"
    "\n";
static const char usage_run[] = /* two strings: C compilers need only take 4095 characters in one */
    "  run PROGRAM       run a dynamically linked program with every malloc, free, calloc,\n"
    "                    realloc, ... recorded (libmemscope.so preloaded); the report is\n"
    "                    written when it ends, also on SIGINT, SIGTERM and abort. SIGTERM,\n"
    "                    SIGINT, SIGQUIT, SIGHUP, SIGUSR1 and SIGUSR2 sent to memscope are\n"
    "                    passed on to the program\n"
    "  -o OUT.msb        where (default memscope.PROGRAM.%p.msb); made absolute against the\n"
    "                    current directory before the program starts, and checked then: its\n"
    "                    name must end in a report format's extension (.msb, .json, .html,\n"
    "                    .pb.gz, .folded, .trace.json, .prom, .massif, .dhat.json, ...), its\n"
    "                    directory must be writable, and an existing OUT a regular file.\n"
    "                    %p = the process id, %% = a literal %. Without %p, the program\n"
    "                    writes OUT and each process it forks or starts writes its own file\n"
    "                    with .PID before the extension (out.msb -> out.1234.msb)\n"
    "                                                                 env MEMSCOPE_OUTPUT\n"
    "  --sample-bytes N  record about one allocation per N bytes allocated, weighted so\n"
    "                    the estimates stay unbiased (0 = every call; 0..2^40)\n"
    "                                                                 MEMSCOPE_SAMPLE_BYTES\n"
    "  --rate R          keep a fraction R of the calls (hash sampling; 0..1)\n"
    "                                                                 MEMSCOPE_SAMPLE_RATE\n"
    "  --depth D         call stack frames per allocation (default 32; 0..@D@)\n"
    "                                                                 MEMSCOPE_STACK_DEPTH\n"
    "  --no-stacks       no call stacks (depth 0)\n"
    "  --monitor         sample CPU, RSS, threads, disk, network, GPU  MEMSCOPE_MONITOR=1\n"
    "  --max-events N    a .msb written as the program runs (the default: every allocation\n"
    "                    kept): write at most N events (default: all); past it totals and\n"
    "                    the peak stay exact. Other outputs, or sampling: events kept in\n"
    "                    memory (default 4194304; 0 = counters only)  MEMSCOPE_MAX_EVENTS\n"
    "  --unwind MODE     auto (default): the code's call-frame information (.eh_frame),\n"
    "                    frame pointers where it has none; fp: frame pointers only;\n"
    "                    dwarf: call-frame information only               MEMSCOPE_UNWIND\n"
    "  --names MODE      process (default): frames are named in the program, from its\n"
    "                    modules' symbol tables and debug data; offline: the file gets each\n"
    "                    frame's module, offset and the module's build id only, and memscope\n"
    "                    report names them from the same files later (a target without debug\n"
    "                    data: memscope report --sysroot)                MEMSCOPE_NAMES\n"
    "  --live-table      record through the live-address table at each call instead of\n"
    "                    per-thread logs resolved at the end (slower)  MEMSCOPE_LIVE_TABLE=1\n"
    "\n"
    "Exit status: report: 0 on success, 1 when the file is missing or malformed or an argument\n"
    "is wrong (one line on stderr says which and why); run: the program's (memscope dies of\n"
    "the signal the program died of), or 1 when an option or OUT is refused (the program is\n"
    "not started).\n";

/* the usage text with the library's stack depth limit in place of @D@ */
static void print_usage(FILE *f) {
    const char *mark = strstr(usage_run, "@D@");
    fputs(usage, f);
    fputs(usage_out, f);
    fwrite(usage_run, 1, (size_t)(mark - usage_run), f);
    fprintf(f, "%u", (unsigned)MEMSCOPE_MAX_STACK_DEPTH);
    fputs(mark + 3, f);
}

static const char *human(char *buf, size_t n, double v) { return ms__human(buf, n, v); }

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "memscope: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* What the report computes from the events: two passes over them (memscope_each_event: a
   file's events are decoded as they go, never all held), with a table of the blocks live at
   each point, so memory follows the live blocks and the call stacks, not the events.
   Pass 1 finds where the peak is; pass 2 replays the run: live at the end by site (the
   leaks), and by call stack, like heaptrack_print: most calls to allocation functions, the
   peak's consumers, temporary allocations (freed before any other allocation was made),
   leaks. */
typedef struct lv { uint64_t addr, size, seq; uint32_t stack, line; const char *var, *type, *file; } lv;
typedef struct livetab { lv *s; size_t cap, n; } livetab;
static size_t lt_home(const livetab *lt, uint64_t a) { return (size_t)((a * 0x9E3779B97F4A7C15u) >> 20) & (lt->cap - 1); }
static lv *lt_find(livetab *lt, uint64_t a) {
    if (!lt->cap) return NULL;
    for (size_t h = lt_home(lt, a);; h = (h + 1) & (lt->cap - 1)) {
        if (lt->s[h].addr == a) return &lt->s[h];
        if (!lt->s[h].addr) return NULL;
    }
}
static lv *lt_put(livetab *lt, uint64_t a) { /* NULL: out of memory */
    if ((lt->n + 1) * 2 > lt->cap) {
        size_t cap = lt->cap ? lt->cap * 2 : 1024;
        lv *ns = calloc(cap, sizeof *ns);
        if (!ns) return NULL;
        livetab old = *lt;
        lt->s = ns;
        lt->cap = cap;
        for (size_t i = 0; i < old.cap; i++) {
            if (!old.s[i].addr) continue;
            size_t h = lt_home(lt, old.s[i].addr);
            while (lt->s[h].addr) h = (h + 1) & (cap - 1);
            lt->s[h] = old.s[i];
        }
        free(old.s);
    }
    size_t h = lt_home(lt, a);
    while (lt->s[h].addr && lt->s[h].addr != a) h = (h + 1) & (lt->cap - 1);
    if (!lt->s[h].addr) lt->n++;
    lt->s[h].addr = a;
    return &lt->s[h];
}
static void lt_del(livetab *lt, lv *e) { /* linear probing without tombstones: later entries move back */
    size_t m = lt->cap - 1, i = (size_t)(e - lt->s), j = i;
    for (;;) {
        j = (j + 1) & m;
        if (!lt->s[j].addr) break;
        size_t k = lt_home(lt, lt->s[j].addr);
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
        lt->s[i] = lt->s[j];
        i = j;
    }
    lt->s[i].addr = 0;
    lt->n--;
}

typedef struct replay { livetab lt; int oom; } replay;

/* The blocks live at the end, with their sites. */
static int replay_run(const memscope_event *e, void *ctx) {
    replay *r = ctx;
    if (e->kind == MEMSCOPE_EVENT_ALLOC) {
        lv *x = lt_put(&r->lt, e->address);
        if (!x) { r->oom = 1; return 1; }
        x->size = e->size; x->stack = e->stack_id;
        x->var = e->var_name; x->type = e->type_name; x->file = e->file; x->line = e->line;
    } else {
        lv *x = lt_find(&r->lt, e->address);
        if (x) lt_del(&r->lt, x);
    }
    return 0;
}

/* Live allocations at the end, grouped by site (variable and location), largest first. */
typedef struct leak_row { const char *var, *type, *file; uint32_t line; uint64_t bytes, count; } leak_row;
static int by_bytes(const void *a, const void *b) {
    const leak_row *x = (const leak_row *)a, *y = (const leak_row *)b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static const char *end_word = "AT THE END"; /* "WHEN THE RUN STOPPED" for an interrupted one */
static void print_leaks(const replay *r, size_t top) {
    leak_row *rows = calloc(r->lt.n + 1, sizeof *rows);
    size_t nrows = 0;
    uint64_t total = 0, count = 0;
    for (size_t s = 0; rows && s < r->lt.cap; s++) {
        const lv *e = &r->lt.s[s];
        if (!e->addr) continue;
        size_t k = 0;
        while (k < nrows && !(rows[k].line == e->line && rows[k].var == e->var && rows[k].file == e->file)) k++;
        if (k == nrows) { rows[k].var = e->var; rows[k].type = e->type; rows[k].file = e->file; rows[k].line = e->line; nrows++; }
        rows[k].bytes += e->size;
        rows[k].count++;
        total += e->size;
        count++;
    }
    char b1[32];
    size_t tracked = 0;
    for (size_t k = 0; k < nrows; k++) tracked += rows[k].file != NULL;
    printf("\nLIVE %s (leaks): %" PRIu64 " allocations, %s, %s %zu %s\n", end_word, count, human(b1, sizeof b1, (double)total),
           tracked ? "at" : "from", nrows, tracked ? "sites" : nrows == 1 ? "allocation function" : "allocation functions");
    if (rows) qsort(rows, nrows, sizeof *rows, by_bytes);
    for (size_t k = 0; k < nrows && k < top; k++)
        if (!rows[k].file && !tracked)
            printf("  %12s in %6" PRIu64 " allocations  by %s\n", human(b1, sizeof b1, (double)rows[k].bytes), rows[k].count,
                   rows[k].var ? rows[k].var : "?");
        else
            printf("  %12s in %6" PRIu64 " allocations  %s (%s) at %s:%u\n", human(b1, sizeof b1, (double)rows[k].bytes),
                   rows[k].count, rows[k].var ? rows[k].var : "?", rows[k].type ? rows[k].type : "?",
                   rows[k].file ? rows[k].file : "?", rows[k].line);
    free(rows);
}

static int by_field_off;
static int by_field(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)((const char *)a + by_field_off), y = *(const uint64_t *)((const char *)b + by_field_off);
    return x < y ? 1 : x > y ? -1 : 0;
}

static size_t max_frames = SIZE_MAX; /* --frames N */
static int as_recorded;               /* --as-recorded: no names from the module files */

/* A frame as "fn (file:line) in module", "module+0xOFF" or the address. */
static void frame_text(const memscope_symbol *s, char *buf, size_t n) {
    const char *mod = s->module ? strrchr(s->module, '/') : NULL;
    const char *inl = s->inlined ? " (inlined)" : "";
    mod = mod ? mod + 1 : s->module;
    if (s->function && s->file && s->line)
        snprintf(buf, n, "%s (%s:%u)%s%s%s", s->function, s->file, (unsigned)s->line, mod ? " in " : "", mod ? mod : "", inl);
    else if (s->function)
        snprintf(buf, n, "%s%s%s%s", s->function, mod ? " in " : "", mod ? mod : "", inl);
    else if (mod && s->has_offset) /* addr2line -e MODULE OFFSET names it from debug info */
        snprintf(buf, n, "%s+0x%" PRIx64, mod, s->offset);
    else
        snprintf(buf, n, "0x%" PRIxPTR, s->address);
}

static void print_stack(memscope_tracker *t, uint32_t stack) {
    size_t depth = memscope_stack_symbols(t, stack, NULL, 0), shown = 0;
    memscope_symbol *f = depth ? (memscope_symbol *)calloc(depth, sizeof *f) : NULL;
    depth = f ? memscope_stack_symbols(t, stack, f, depth) : 0;
    char line[2048];
    for (size_t i = 0; i < depth && shown < max_frames; i++, shown++) {
        frame_text(&f[i], line, sizeof line);
        printf("        at %s\n", line);
    }
    free(f);
    if (depth > shown && shown) printf("        ... %zu more frame%s (--frames)\n", depth - shown, depth - shown == 1 ? "" : "s");
    if (!shown) printf("        (no call stack)\n");
}

/* The costs of the stacks grouped by their where frame (the first frame in the program's own
   code): rows of the same function and line, or the same unnamed address, are one. */
typedef struct where_row { char text[1024]; uint64_t bytes, allocs, leaked, leaked_n, peak; uint32_t stack; } where_row;
static int by_where_bytes(const void *a, const void *b) {
    const where_row *x = (const where_row *)a, *y = (const where_row *)b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : strcmp(x->text, y->text);
}
static void print_where(memscope_tracker *t, const memscope_stack_cost *c, size_t n, size_t top) {
    where_row *rows = calloc(n + 1, sizeof *rows);
    size_t nr = 0;
    for (size_t i = 0; rows && i < n; i++) {
        memscope_symbol w;
        where_row key;
        memset(&key, 0, sizeof key);
        if (!c[i].stack_id) snprintf(key.text, sizeof key.text, "(no call stack)");
        else if (c[i].where == UINT32_MAX) snprintf(key.text, sizeof key.text, "(only allocator and runtime frames)");
        else if (memscope_stack_where(t, c[i].stack_id, &w) != UINT32_MAX) {
            w.inlined = 0;
            frame_text(&w, key.text, sizeof key.text);
        }
        size_t k = 0;
        while (k < nr && strcmp(rows[k].text, key.text) != 0) k++;
        if (k == nr) { rows[nr] = key; rows[nr].stack = c[i].stack_id; nr++; }
        rows[k].bytes += c[i].allocated_bytes;
        rows[k].allocs += c[i].allocations;
        rows[k].leaked += c[i].suppressed ? 0 : c[i].leaked_bytes;
        rows[k].leaked_n += c[i].suppressed ? 0 : c[i].leaked_count;
        rows[k].peak += c[i].peak_bytes;
    }
    if (!rows) return;
    qsort(rows, nr, sizeof *rows, by_where_bytes);
    char b1[32], b2[32], b3[32];
    printf("\nWHERE THE PROGRAM ALLOCATES (%zu places: the first frame outside the allocator and the C/C++ runtime)\n", nr);
    printf("  %10s %9s %10s %10s  where\n", "allocated", "calls", "leaked", "at peak");
    for (size_t k = 0; k < nr && k < top; k++)
        printf("  %10s %9" PRIu64 " %10s %10s  %s\n", human(b1, sizeof b1, (double)rows[k].bytes), rows[k].allocs,
               human(b2, sizeof b2, (double)rows[k].leaked), human(b3, sizeof b3, (double)rows[k].peak), rows[k].text);
    free(rows);
}

static int by_leak(const void *a, const void *b) {
    const memscope_stack_cost *x = (const memscope_stack_cost *)a, *y = (const memscope_stack_cost *)b;
    return x->leaked_bytes < y->leaked_bytes ? 1 : x->leaked_bytes > y->leaked_bytes ? -1
         : x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

/* The sections by call stack (heaptrack_print's), from the library's replay of the events. */
static void print_by_stack(memscope_tracker *t, size_t top) {
    memscope_stack_cost *c = NULL;
    size_t n = memscope_stack_costs(t, &c);
    if (!n) return;
    int any_stack = 0;
    for (size_t i = 0; i < n; i++) any_stack |= c[i].stack_id != 0;
    if (!any_stack) { free(c); return; } /* no stacks in this file */
    print_where(t, c, n, top);
    char b1[32], b2[32];
    uint64_t calls = 0, temporary = 0;
    for (size_t i = 0; i < n; i++) { calls += c[i].allocations; temporary += c[i].temporary; }
    printf("\nBY CALL STACK: %" PRIu64 " temporary allocations (%.1f %% of %" PRIu64 ": freed before any other allocation)\n",
           temporary, calls ? 100.0 * (double)temporary / (double)calls : 0.0, calls);
    static const struct { const char *title; size_t off; } sections[] = {
        {"MOST CALLS TO ALLOCATION FUNCTIONS", offsetof(memscope_stack_cost, allocations)},
        {"PEAK MEMORY CONSUMERS (live at the peak)", offsetof(memscope_stack_cost, peak_bytes)},
        {"MOST TEMPORARY ALLOCATIONS", offsetof(memscope_stack_cost, temporary)},
    };
    for (size_t k = 0; k < sizeof sections / sizeof sections[0]; k++) {
        by_field_off = (int)sections[k].off;
        qsort(c, n, sizeof *c, by_field);
        printf("\n%s\n", sections[k].title);
        size_t shown = 0;
        for (size_t i = 0; i < n && shown < top; i++) {
            const memscope_stack_cost *w = &c[i];
            uint64_t v = *(const uint64_t *)((const char *)w + sections[k].off);
            if (!v) break;
            if (!w->stack_id) continue;
            const char *word = w->allocations == 1 ? "call" : "calls";
            if (k == 0) printf("  %" PRIu64 " %s, %s allocated\n", w->allocations, word, human(b1, sizeof b1, (double)w->allocated_bytes));
            else if (k == 1) printf("  %s live at the peak, from %" PRIu64 " %s\n", human(b1, sizeof b1, (double)w->peak_bytes), w->allocations, word);
            else printf("  %" PRIu64 " temporary of %" PRIu64 " %s\n", w->temporary, w->allocations, word);
            print_stack(t, w->stack_id);
            shown++;
        }
        if (!shown) printf("  none\n");
    }
    /* leaks by stack, largest first; the suppressed ones summed apart */
    qsort(c, n, sizeof *c, by_leak);
    uint64_t sup_n[3] = {0, 0, 0}, sup_b[3] = {0, 0, 0}, sup_s[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++)
        if (c[i].leaked_count && c[i].suppressed > 0 && c[i].suppressed < 3) {
            sup_n[c[i].suppressed] += c[i].leaked_count;
            sup_b[c[i].suppressed] += c[i].leaked_bytes;
            sup_s[c[i].suppressed]++;
        }
    printf("\nLEAKS (live %s), by call stack\n", strcmp(end_word, "AT THE END") ? "when the run stopped" : "at the end");
    size_t shown = 0;
    for (size_t i = 0; i < n && shown < top; i++) {
        const memscope_stack_cost *w = &c[i];
        if (!w->leaked_count) break;
        if (w->suppressed || !w->stack_id) continue;
        printf("  %s leaked in %" PRIu64 " allocation%s (%s allocated in all), allocated from %.3f s to %.3f s\n",
               human(b1, sizeof b1, (double)w->leaked_bytes), w->leaked_count, w->leaked_count == 1 ? "" : "s",
               human(b2, sizeof b2, (double)w->allocated_bytes), (double)w->first_leak_ns / 1e9, (double)w->last_leak_ns / 1e9);
        memscope_symbol ws;
        char wt[1024];
        if (memscope_stack_where(t, w->stack_id, &ws) != UINT32_MAX) {
            frame_text(&ws, wt, sizeof wt);
            printf("    where: %s\n", wt);
        }
        print_stack(t, w->stack_id);
        shown++;
    }
    if (!shown) printf("  none\n");
    if (sup_s[1])
        printf("  suppressed: %s in %" PRIu64 " allocations from %" PRIu64 " stacks the C library keeps for the\n"
               "  life of the process by design (built-in suppressions; --no-builtin-suppressions lists them)\n",
               human(b1, sizeof b1, (double)sup_b[1]), sup_n[1], sup_s[1]);
    if (sup_s[2])
        printf("  suppressed: %s in %" PRIu64 " allocations from %" PRIu64 " stacks (--suppressions)\n",
               human(b1, sizeof b1, (double)sup_b[2]), sup_n[2], sup_s[2]);
    free(c);
}

/* The leaks by site, then the sections by call stack. */
static void print_from_events(memscope_tracker *t, size_t top) {
    replay r;
    memset(&r, 0, sizeof r);
    memscope_each_event(t, replay_run, &r);
    if (r.oom) printf("\n  (out of memory: the tables below are incomplete)\n");
    print_leaks(&r, top);
    free(r.lt.s);
    print_by_stack(t, top);
}

/* A varint of the format (docs/FORMAT.md); *err set when it runs past end. */
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

/* What a .msb says of its writer and its totals, from META, the section headers and END alone
   (the summary of `memscope run` without reading millions of events; the full reader checks
   everything else when the file is reported). 0 when it is a .msb whose META could be read;
   complete: END was read, its totals in totals (allocations, frees, active, peak, current, ...). */
typedef struct peek { uint64_t pid, ppid, events_sections, totals[9]; int streamed, complete; char program[64]; } peek;
static int peek_msb(const char *path, peek *pk) {
    memset(pk, 0, sizeof *pk);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { close(fd); return -1; }
    FILE *f = fdopen(fd, "rb");
    if (!f) { close(fd); return -1; }
    unsigned char h[16];
    const char *strs[64]; /* the strings before META: the generator and program name */
    char arena[4096];
    size_t nstrs = 0, used = 0;
    int meta = 0;
    if (fread(h, 1, 16, f) == 16 && !memcmp(h, "\x89MSB\r\n\x1a\n", 8)) {
        for (;;) {
            if (fread(h, 1, 16, f) != 16) break;
            uint32_t type = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
            uint64_t len = 0;
            for (int i = 7; i >= 0; i--) len = len << 8 | h[8 + i];
            if (len > (uint64_t)st.st_size) break;
            if (!meta && (type == 1 || type == 2) && len <= 4096) {
                unsigned char buf[4096];
                if (fread(buf, 1, (size_t)len, f) != len || fseeko(f, 4, SEEK_CUR) != 0) break;
                const unsigned char *p = buf, *e = buf + len;
                int err = 0;
                uint64_t n = rd_varint(&p, e, &err);
                for (uint64_t i = 0; i < n && !err; i++) {
                    if (type == 2) { /* STRINGS */
                        uint64_t sl = rd_varint(&p, e, &err);
                        if (err || sl > (uint64_t)(e - p)) break;
                        if (nstrs < 64 && used + sl + 1 <= sizeof arena) {
                            memcpy(arena + used, p, (size_t)sl);
                            arena[used + sl] = 0;
                            strs[nstrs++] = arena + used;
                            used += (size_t)sl + 1;
                        }
                        p += sl;
                        continue;
                    }
                    uint64_t id = rd_varint(&p, e, &err), wire = rd_varint(&p, e, &err), u = 0;
                    if (wire == 1) { if (e - p < 8) { err = 1; break; } p += 8; continue; }
                    u = rd_varint(&p, e, &err);
                    if (id == 7) pk->pid = u;
                    else if (id == 14) pk->ppid = u;
                    else if (id == 15) pk->streamed = u != 0;
                    else if (id == 13 && u >= 1 && u <= nstrs) snprintf(pk->program, sizeof pk->program, "%s", strs[u - 1]);
                }
                if (type == 1) meta = !err;
                continue;
            }
            if (type == 5) pk->events_sections++;
            if (type == 9) { /* END: the totals */
                unsigned char buf[256];
                if (len > sizeof buf || fread(buf, 1, (size_t)len, f) != len) break;
                const unsigned char *p = buf;
                int err = 0;
                for (int i = 0; i < 9; i++) pk->totals[i] = rd_varint(&p, buf + len, &err);
                pk->complete = !err;
                break;
            }
            if (fseeko(f, (off_t)len + 4, SEEK_CUR) != 0) break;
        }
    }
    fclose(f);
    return meta ? 0 : -1;
}

/* A process's state letter and start time (clock ticks after boot) from /proc/PID/stat;
   0 when there is no such process. */
static int proc_state(uint64_t pid, char *state, unsigned long long *start) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%" PRIu64 "/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* after the command name, which may hold anything */
    if (!p) return 0;
    /* ") S ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime
       cstime priority nice threads itrealvalue starttime" */
    unsigned long long v = 0;
    char st = 0;
    int k = sscanf(p + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &st, &v);
    if (k != 2) return 0;
    *state = st;
    *start = v;
    return 1;
}
/* Whether the process that writes a file (its pid) still runs: a process of that pid, not a
   zombie, started no earlier than this command (a pid used again since by another process
   that started later is not told apart). */
static unsigned long long self_start;
static int still_running(uint64_t pid) {
    char st = 0;
    unsigned long long start = 0;
    if (!pid || !proc_state(pid, &st, &start)) return 0;
    return st != 'Z' && st != 'X' && start >= self_start;
}

/* Whether a file of the run is that of an image that exec'd (NAME.exec-N.EXT, ext: the
   extension's length): its pid may run on as another image, but this one ended. */
static int exec_image_file(const char *path, size_t ext) {
    size_t n = strlen(path);
    if (n <= ext) return 0;
    const char *end = path + n - ext, *q = end;
    while (q > path && q[-1] >= '0' && q[-1] <= '9') q--;
    return q < end && (size_t)(q - path) >= 6 && memcmp(q - 6, ".exec-", 6) == 0;
}

/* The files of one run besides the program's own: its children's (NAME.PID.EXT, or %p
   expanded) and those of images that exec'd (NAME.exec-N.EXT), written since `since`.
   Printed as one index when there is more than the program's file. */
static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static void print_index(const char *pattern, const char *own, const struct timespec *since) {
    /* the pattern as a glob: %p -> *, %% -> %, glob's own characters escaped; without %p
       the children's names insert .* before the extension */
    size_t n = strlen(pattern), ext = ms__export_suffix_len(pattern);
    char *g = malloc(2 * n + 8);
    if (!g) return;
    size_t k = 0;
    int has_p = 0;
    for (size_t i = 0; i < n; i++) {
        if (pattern[i] == '%' && pattern[i + 1] == 'p') { g[k++] = '*'; i++; has_p = 1; continue; }
        if (pattern[i] == '%' && pattern[i + 1] == '%') i++;
        if (!has_p && i == n - ext) { g[k++] = '*'; }
        if (strchr("*?[\\", pattern[i])) g[k++] = '\\';
        g[k++] = pattern[i];
    }
    g[k] = 0;
    glob_t gl;
    memset(&gl, 0, sizeof gl);
    int rc = glob(g, 0, NULL, &gl);
    free(g);
    if (rc != 0) { globfree(&gl); return; }
    char **names = calloc(gl.gl_pathc + 1, sizeof *names);
    size_t m = 0;
    struct stat st;
    for (size_t i = 0; names && i < gl.gl_pathc; i++) {
        if (lstat(gl.gl_pathv[i], &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (st.st_mtim.tv_sec < since->tv_sec || (st.st_mtim.tv_sec == since->tv_sec && st.st_mtim.tv_nsec < since->tv_nsec)) continue;
        names[m++] = gl.gl_pathv[i];
    }
    int others = 0;
    for (size_t i = 0; i < m; i++) if (strcmp(names[i], own) != 0) others = 1;
    if (others) {
        qsort(names, m, sizeof *names, by_name);
        fprintf(stderr, "memscope: %zu files written by this run (program, pid, parent pid):\n", m);
        size_t running = 0;
        for (size_t i = 0; i < m; i++) {
            peek pk;
            if (peek_msb(names[i], &pk) != 0) { fprintf(stderr, "  %s\n", names[i]); continue; }
            int live = !pk.complete && pk.streamed && !exec_image_file(names[i], ext) && still_running(pk.pid);
            running += (size_t)live;
            fprintf(stderr, "  %s  %s %" PRIu64 " (parent %" PRIu64 ")%s\n", names[i], pk.program[0] ? pk.program : "?", pk.pid,
                    pk.ppid, pk.complete ? "" : live ? ", still running (its file grows until it ends)"
                                      : pk.streamed ? ", did not end normally (killed, crashed, _exit or exec)" : ", incomplete");
        }
        if (running)
            fprintf(stderr, "memscope: %zu of these processes outlived the program and still run; `memscope report` reads "
                            "their files as they are now, with a warning\n", running);
    }
    free(names);
    globfree(&gl);
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

/* A decimal number in [lo, hi], digits only (no sign, no blanks); 0 on success. */
static int parse_u64(const char *v, uint64_t lo, uint64_t hi, uint64_t *out) {
    if (!*v) return -1;
    for (const char *s = v; *s; s++)
        if (*s < '0' || *s > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno == ERANGE || *end || n < lo || n > hi) return -1;
    *out = (uint64_t)n;
    return 0;
}

/* in with %p replaced by pid and %% by %, malloc'd. NULL when a % is followed by anything
   else (*bad = 1) or out of memory (*bad = 0). */
static char *expand_out(const char *in, long pid, int *bad) {
    char ps[24];
    size_t pl = (size_t)snprintf(ps, sizeof ps, "%ld", pid), n = 0;
    *bad = 0;
    for (const char *s = in; *s; s++) {
        if (*s != '%') { n++; continue; }
        if (s[1] == 'p') n += pl;
        else if (s[1] == '%') n++;
        else { *bad = 1; return NULL; }
        s++;
    }
    char *r = malloc(n + 1), *w = r;
    if (!r) return NULL;
    for (const char *s = in; *s; s++) {
        if (*s != '%') *w++ = *s;
        else if (*++s == 'p') { memcpy(w, ps, pl); w += pl; }
        else *w++ = '%';
    }
    *w = 0;
    return r;
}

/* a + b with every % of a doubled (a directory name taken literally in an OUT pattern) */
static char *join_escaped(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    for (const char *s = a; *s; s++) n += *s == '%';
    char *r = malloc(n), *w = r;
    if (!r) return NULL;
    for (const char *s = a; *s; s++) { *w++ = *s; if (*s == '%') *w++ = '%'; }
    if (w == r || w[-1] != '/') *w++ = '/';
    strcpy(w, b);
    return r;
}

/* a long path in a message: its start and end */
static const char *shown(const char *p, char *buf, size_t n) {
    size_t len = strlen(p);
    if (len < 120 || n < 120) return p;
    snprintf(buf, n, "%.60s...%s", p, p + len - 40);
    return buf;
}

static const char *kind_of(mode_t m) {
    return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
         : S_ISSOCK(m) ? "a socket" : S_ISDIR(m) ? "a directory" : "a special file";
}

/* 0 when a file can be made at absolute path: its nearest existing ancestor is a directory
   we may write in (the library makes the missing ones); else why not, in why. */
static int check_dir_of(const char *path, char *why, size_t n) {
    char *d = strdup(path);
    if (!d) { snprintf(why, n, "%s", strerror(ENOMEM)); return -1; }
    struct stat st;
    int rc = 0;
    for (;;) {
        char *slash = strrchr(d, '/');
        if (!slash) break;
        if (slash == d) slash[1] = 0; else *slash = 0;
        if (stat(d, &st) == 0) {
            char b[160];
            if (!S_ISDIR(st.st_mode)) { snprintf(why, n, "%s is not a directory", shown(d, b, sizeof b)); rc = -1; }
            else if (access(d, W_OK | X_OK) != 0) { snprintf(why, n, "cannot write in %s: %s", shown(d, b, sizeof b), strerror(errno)); rc = -1; }
            break;
        }
        if (errno != ENOENT && errno != ENOTDIR) { snprintf(why, n, "%s", strerror(errno)); rc = -1; break; }
        if (!strcmp(d, "/")) break;
    }
    free(d);
    return rc;
}

/* 0 when the report can be written at absolute path: absent, a regular file, or a link to
   one (the link's target is replaced), in a writable directory; else why not, in why. */
static int check_target(const char *path, char *why, size_t n) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) { snprintf(why, n, "%s", strerror(errno)); return -1; }
        return check_dir_of(path, why, n);
    }
    if (S_ISREG(st.st_mode)) return check_dir_of(path, why, n);
    if (!S_ISLNK(st.st_mode)) { snprintf(why, n, "%s, not a regular file", kind_of(st.st_mode)); return -1; }
    if (stat(path, &st) != 0) { snprintf(why, n, "a symbolic link to nothing (%s)", strerror(errno)); return -1; }
    if (!S_ISREG(st.st_mode)) { snprintf(why, n, "a symbolic link to %s, not a regular file", kind_of(st.st_mode)); return -1; }
    char *target = realpath(path, NULL);
    if (!target) { snprintf(why, n, "%s", strerror(errno)); return -1; }
    int rc = check_dir_of(target, why, n);
    free(target);
    return rc;
}

/* What a path held before the program ran: a report is this run's only if this changed. */
typedef struct file_state { int exists; mode_t mode; dev_t dev; ino_t ino; off_t size; struct timespec mtime; } file_state;
static file_state state_of(const char *path) {
    file_state s;
    struct stat st;
    memset(&s, 0, sizeof s);
    if (stat(path, &st) == 0) {
        s.exists = 1;
        s.mode = st.st_mode;
        s.dev = st.st_dev;
        s.ino = st.st_ino;
        s.size = st.st_size;
        s.mtime = st.st_mtim;
    }
    return s;
}
static int same_state(const file_state *a, const file_state *b) {
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* Signals sent to memscope by another process go on to the program. One from the terminal
   is not passed on: the program, in the same process group, got it already. */
static const int forwarded[] = {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2};
#define NFORWARDED (sizeof forwarded / sizeof forwarded[0])
static volatile sig_atomic_t forward_to; /* the program's pid until it has ended, else 0 */

static void forward_signal(int sig, siginfo_t *si, void *ctx) {
    (void)ctx;
    pid_t pid = (pid_t)forward_to;
    if (pid <= 0 || !si || si->si_pid == pid) return; /* none, or the program's own signal */
    int e = errno;
    if (si->si_code == SI_QUEUE) sigqueue(pid, sig, si->si_value);
    else if (si->si_code == SI_USER) kill(pid, sig);
    errno = e;
}

static int run(int argc, char **argv) {
    const char *out = NULL, *out_opt = "-o";
    int i = 2;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { i++; break; }
        if (a[0] != '-') break;
        static const struct { const char *opt, *env; uint64_t max; const char *range; } vals[] = {
            {"--sample-bytes", "MEMSCOPE_SAMPLE_BYTES", MAX_SAMPLE_BYTES, "a number from 0 to 1099511627776 (2^40)"},
            {"--rate", "MEMSCOPE_SAMPLE_RATE", 0, "a number from 0 to 1"},
            {"--depth", "MEMSCOPE_STACK_DEPTH", MEMSCOPE_MAX_STACK_DEPTH, NULL},
            {"--max-events", "MEMSCOPE_MAX_EVENTS", MAX_MAX_EVENTS, "a number from 0 to 1099511627776 (2^40; 0 = counters only)"},
            {"--unwind", "MEMSCOPE_UNWIND", 0, "fp, auto or dwarf"},
            {"--names", "MEMSCOPE_NAMES", 0, "process or offline"},
        };
        int done = 0;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc) return fail("%s needs a value", a);
            out_opt = a;
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
            if (i + 1 >= argc) return fail("%s needs a value", a);
            const char *v = argv[++i];
            char num[32];
            if (!strcmp(a, "--unwind")) {
                if (strcmp(v, "fp") && strcmp(v, "auto") && strcmp(v, "dwarf")) return fail("%s %s: not one of %s", a, v, vals[k].range);
                snprintf(num, sizeof num, "%s", v);
            } else if (!strcmp(a, "--names")) {
                if (strcmp(v, "process") && strcmp(v, "offline")) return fail("%s %s: not %s", a, v, vals[k].range);
                snprintf(num, sizeof num, "%s", v);
            } else if (!strcmp(a, "--rate")) {
                char *end = NULL;
                double r = -1.0;
                errno = 0;
                if ((*v >= '0' && *v <= '9') || *v == '.') r = strtod(v, &end); /* no sign, blank, nan, inf */
                if (!end || *end || errno || !(r >= 0.0 && r <= 1.0)) return fail("%s %s: not %s", a, v, vals[k].range);
                snprintf(num, sizeof num, "%s", v);
            } else {
                uint64_t n;
                if (parse_u64(v, 0, vals[k].max, &n) != 0) {
                    if (vals[k].range) return fail("%s %s: not %s", a, v, vals[k].range);
                    return fail("%s %s: not a number from 0 to %" PRIu64, a, v, vals[k].max);
                }
                snprintf(num, sizeof num, "%" PRIu64, n);
            }
            setenv(vals[k].env, num, 1);
            done = 1;
        }
        if (!done) return fail("unknown option '%s'; see memscope --help", a);
    }
    if (i >= argc) return fail("run needs a program: memscope run [options] -- PROGRAM [ARGS]");
    const char *prog = argv[i];
    char libbuf[4096], libabs[PATH_MAX], b1[160];
    const char *lib = find_preload(libbuf, sizeof libbuf);
    if (!lib) return fail("cannot find libmemscope.so next to this program or in ../lib/memscope (set MEMSCOPE_PRELOAD_LIB)");
    if (realpath(lib, libabs)) lib = libabs; /* found again by a program that changes directory and starts another */

    /* OUT: checked now, made absolute now (a program may change directory before it ends) */
    char *defname = NULL;
    if (!out) {
        const char *base = strrchr(prog, '/');
        base = base ? base + 1 : prog;
        defname = malloc(2 * strlen(base) + 32);
        if (!defname) return fail("%s", strerror(ENOMEM));
        char *w = defname + sprintf(defname, "memscope.");
        for (const char *s = base; *s; s++) { *w++ = *s; if (*s == '%') *w++ = '%'; }
        strcpy(w, ".%p.msb");
        out = defname;
    }
    int bad;
    char *probe = expand_out(out, 9999999, &bad); /* the longest pid: pid_max is at most 2^22 */
    if (!probe && bad)
        return fail("%s %s: a %% must be followed by p (the process id) or %% (a literal %%); %s not started", out_opt,
                    shown(out, b1, sizeof b1), prog);
    if (!probe) return fail("%s", strerror(ENOMEM));
    if (!memscope_export_format(out) || !memscope_export_format(probe)) { /* the library checks the pattern */
        free(probe);
        return fail("%s %s: not the name of a report (.msb, .json, .html, .pb.gz, .pprof, .folded, .trace.json, .prom, "
                    ".massif, .dhat.json); %s not started", out_opt, shown(out, b1, sizeof b1), prog);
    }
    free(probe);
    char *pattern = NULL; /* the absolute OUT, %p and %% kept: MEMSCOPE_OUTPUT */
    if (out[0] == '/') pattern = strdup(out);
    else {
        char *cwd = getcwd(NULL, 0);
        if (!cwd) return fail("%s %s: cannot make it absolute: the current directory: %s", out_opt, out, strerror(errno));
        pattern = join_escaped(cwd, out);
        free(cwd);
    }
    if (!pattern || !(probe = expand_out(pattern, 9999999, &bad))) return fail("%s", strerror(ENOMEM));
    size_t plen = strlen(probe);
    free(probe);
    if (strlen(pattern) > OUTPUT_MAX)
        return fail("%s %s: the path is %zu characters long%s, more than the limit of %d; %s not started", out_opt,
                    shown(out, b1, sizeof b1), strlen(pattern), out[0] == '/' ? "" : " once made absolute", OUTPUT_MAX, prog);
    if (plen > PATH_MAX - 1)
        return fail("%s %s: the path is %zu characters long%s%s, more than the limit of %d; %s not started", out_opt,
                    shown(out, b1, sizeof b1), plen, out[0] == '/' ? "" : " once made absolute",
                    strstr(pattern, "%p") ? " with a 7-digit process id for %p" : "", PATH_MAX - 1, prog);
    setenv("MEMSCOPE_OUTPUT", pattern, 1);
    const char *pre = getenv("LD_PRELOAD");
    char preload[8192];
    snprintf(preload, sizeof preload, "%s%s%s", lib, pre && *pre ? " " : "", pre && *pre ? pre : "");
    setenv("LD_PRELOAD", preload, 1);

    /* The child waits on `go` until the path's state is known for its pid; `ex` (closed by a
       successful exec) says whether the exec failed. */
    int go[2], ex[2];
    if (pipe2(go, O_CLOEXEC) != 0) return fail("pipe: %s", strerror(errno));
    if (pipe2(ex, O_CLOEXEC) != 0) return fail("pipe: %s", strerror(errno));
    sigset_t fwd, old;
    sigemptyset(&fwd);
    for (size_t k = 0; k < NFORWARDED; k++) sigaddset(&fwd, forwarded[k]);
    sigprocmask(SIG_BLOCK, &fwd, &old); /* none lost or left unforwarded between fork and handlers */
    fflush(NULL);
    { char st; proc_state((uint64_t)getpid(), &st, &self_start); } /* (what still_running compares) */
    pid_t pid = fork();
    if (pid < 0) return fail("fork: %s", strerror(errno));
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        close(go[1]);
        close(ex[0]);
        char c;
        ssize_t r;
        while ((r = read(go[0], &c, 1)) < 0 && errno == EINTR) {}
        if (r != 1) _exit(127); /* OUT refused: the program is not started */
        char own[32];
        snprintf(own, sizeof own, "%ld", (long)getpid()); /* the program writes OUT itself; its children OUT.PID */
        setenv("MEMSCOPE_OUTPUT_OWNER", own, 1);
        execvp(prog, argv + i);
        int e = errno;
        fprintf(stderr, "memscope: %s: %s\n", prog, strerror(e));
        if (write(ex[1], &e, sizeof e) < 0) {}
        _exit(127);
    }
    close(go[0]);
    close(ex[1]);
    signal(SIGPIPE, SIG_IGN); /* the child may be gone before it reads `go` */
    forward_to = pid;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forward_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (size_t k = 0; k < NFORWARDED; k++) {
        struct sigaction prev;
        if (sigaction(forwarded[k], NULL, &prev) == 0 && !(prev.sa_flags & SA_SIGINFO) && prev.sa_handler == SIG_IGN)
            continue; /* ignored when we started: so it is in the program */
        sigaction(forwarded[k], &sa, NULL);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* the program's own file: %p is its pid */
    char *path = expand_out(pattern, (long)pid, &bad), *disp = expand_out(out, (long)pid, &bad);
    char why[512];
    int refused = !path || !disp || check_target(path, why, sizeof why) != 0;
    if (!path || !disp) snprintf(why, sizeof why, "%s", strerror(ENOMEM));
    file_state before = state_of(path ? path : "");
    struct timespec started;
    clock_gettime(CLOCK_REALTIME, &started);
    started.tv_sec -= 1; /* file times are coarser than the clock */
    if (!refused && write(go[1], "g", 1) != 1) { /* it died of a signal passed on before its start */ }
    close(go[1]);
    int exec_err = 0;
    ssize_t got;
    while ((got = read(ex[0], &exec_err, sizeof exec_err)) < 0 && errno == EINTR) {}
    close(ex[0]);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {}
    forward_to = 0; /* ended, not yet reaped: its pid cannot have been reused until now */
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (refused) {
        int rc = fail("%s %s: %s; %s not started", out_opt, shown(disp ? disp : out, b1, sizeof b1), why, prog);
        free(path); free(disp); free(pattern); free(defname);
        return rc;
    }
    if (got != (ssize_t)sizeof exec_err) { /* it ran */
        file_state after = state_of(path);
        const char *fmt = memscope_export_format(path);
        peek pk;
        int peeked = fmt && strcmp(fmt, "msb") == 0 && after.exists && peek_msb(path, &pk) == 0;
        char sigtxt[96] = "";
        if (WIFSIGNALED(status))
            snprintf(sigtxt, sizeof sigtxt, " (it was killed by signal %d, %s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
        if (after.exists && !S_ISREG(after.mode)) {
            fprintf(stderr, "memscope: %s wrote no report to %s this run%s: %s is there now\n", prog, disp, sigtxt,
                    kind_of(after.mode));
        } else if (!after.exists || same_state(&before, &after)) {
            fprintf(stderr, "memscope: %s wrote no report to %s this run%s%s\n", prog, disp, sigtxt,
                    after.exists ? "; the file there is from an earlier run" : "");
        } else if (!fmt || strcmp(fmt, "msb") != 0) {
            fprintf(stderr, "memscope: report: %s\n", disp);
        } else if (peeked && pk.complete) {
            char h1[32], h2[32];
            fprintf(stderr, "memscope: %s: %" PRIu64 " allocations, peak %s, %s in %" PRIu64 " blocks live at exit; `memscope report %s`\n",
                    disp, pk.totals[0], human(h1, sizeof h1, (double)pk.totals[3]), human(h2, sizeof h2, (double)pk.totals[4]),
                    pk.totals[2], disp);
        } else {
            if (peeked && pk.streamed)
                fprintf(stderr, "memscope: %s did not end normally%s: %s holds the run up to then (%" PRIu64
                                " blocks of events); `memscope report %s`\n", prog, sigtxt, disp, pk.events_sections, disp);
            /* the program's own file (META's pid is the program's) is told how the process
               ended, which its writer could not say */
            if (peeked && pk.streamed && pk.pid == (uint64_t)pid && (WIFEXITED(status) || WIFSIGNALED(status))) {
                memscope_result rr = memscope_msb_record_exit(path, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                                                              WIFSIGNALED(status) ? WTERMSIG(status) : 0);
                if (rr != MEMSCOPE_OK)
                    fprintf(stderr, "memscope: could not record in %s how %s ended: %s\n", disp, prog,
                            rr == MEMSCOPE_ERR_IO ? strerror(errno) : memscope_result_string(rr));
            }
            else
                fprintf(stderr, "memscope: no complete report from %s at %s%s (see memscope report)\n", prog, disp, sigtxt);
        }
        if (fmt && strcmp(fmt, "msb") == 0) print_index(pattern, path, &started);
    }
    free(path); free(disp); free(pattern); free(defname);
    if (WIFSIGNALED(status)) {
        int s = WTERMSIG(status);
        signal(s, SIG_DFL);
        sigset_t one;
        sigemptyset(&one);
        sigaddset(&one, s);
        sigprocmask(SIG_UNBLOCK, &one, NULL);
        raise(s);
        return 128 + s;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* memscope report's conversion options: --NAME OUT for each format of the library's one table
   of formats (ms__formats in memscope.h), which also decides what a path's name picks
   (memscope_export, memscope_export_format, the checks of --output below): a new format is its
   writer and a row there, and report converts to it with --NAME. Made at start, in the
   table's order (the order the outputs are written in). */
typedef struct conversion { char option[32]; ms__writer_fn write; const char *out; } conversion;
static conversion conversions[MS__NFORMATS];
static size_t NCONV;
static void conversions_init(void) {
    for (size_t i = 0; i < MS__NFORMATS; i++) {
        char option[32];
        snprintf(option, sizeof option, "--%s", ms__formats[i].name);
        size_t k = 0;
        while (k < NCONV && strcmp(conversions[k].option, option) != 0) k++;
        if (k < NCONV) continue; /* another suffix of a format already there */
        memcpy(conversions[NCONV].option, option, sizeof option);
        conversions[NCONV++].write = ms__formats[i].write;
    }
}

/* The text summary of a loaded file */
static void print_report(memscope_tracker *t, const char *path, size_t top) {
    memscope_report r = memscope_analyze(t);
    char b1[32], b2[32], b3[32];
    printf("memscope report of %s\n", path);
    memscope_context cx;
    int have_cx = memscope_get_context(t, &cx) == MEMSCOPE_OK;
    if (have_cx) {
        if (cx.command_line) printf("  command: %s\n", cx.command_line);
        if (cx.cwd) printf("  in %s, ", cx.cwd);
        else printf("  ");
        time_t st = (time_t)(cx.start_unix_ms / 1000);
        struct tm tm;
        char when[64] = "?";
        if (cx.start_unix_ms && localtime_r(&st, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        printf("pid %" PRIu64, cx.pid);
        if (cx.ppid) printf(" (parent %" PRIu64 ")", cx.ppid);
        printf(", started %s; %s", when, cx.whole_program ? "whole program (memscope run)" : "TRACK calls");
        if (cx.exit_signal) printf("; ended by signal %d (%s)\n", cx.exit_signal, strsignal(cx.exit_signal));
        else if (cx.exit_status >= 0) printf("; exit status %d\n", cx.exit_status);
        else printf("\n");
    }
    printf("  duration %.3f s, sample rate %.4g%s\n", r.duration_sec, r.sample_rate,
           memscope_get_sampling(t).capture_call_stack ? ", call stacks" : "");
    memscope_load_info li;
    int cut = memscope_loaded_info(t, &li) == MEMSCOPE_OK && !li.complete;
    end_word = cut ? "WHEN THE RUN STOPPED" : "AT THE END";
    if (cut && li.streamed) {
        char how[96] = "", nb[32];
        const char *sn = have_cx && cx.exit_signal ? ms__signal_name(cx.exit_signal, nb, sizeof nb) : NULL;
        if (have_cx && cx.exit_signal)
            snprintf(how, sizeof how, " (killed by signal %d%s%s%s)", cx.exit_signal, sn ? " (" : "", sn ? sn : "", sn ? ")" : "");
        else if (have_cx && cx.exit_status >= 0)
            snprintf(how, sizeof how, " (exit status %d, without memscope's end of the run: _exit or exec)", cx.exit_status);
        printf("  the run did not end normally%s: what follows is the run up to the last block written,\n"
               "  and \"live\" means not freed when it stopped\n", how);
    }
    printf("  allocations %zu (%s), frees %zu, live %s %zu (%s)\n", r.total_allocations,
           human(b1, sizeof b1, (double)r.total_allocated_bytes), r.total_deallocations, cut ? "when it stopped" : "at the end",
           r.active_allocations,
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
    if (r.dropped_events)
        printf("  %" PRIu64 " events were not retained (the event bound, or --max-events): the totals and the peak\n"
               "  above count every event; the lists below come from the events kept and are partial\n", r.dropped_events);

    size_t tracked = 0; /* sites of TRACK calls (whole-program mode's are the allocation functions) */
    for (size_t i = 0; i < r.hotspot_count; i++) tracked += r.hotspots[i].location != NULL;
    if (tracked) printf("\nHOTSPOTS (%zu sites, by bytes)\n", r.hotspot_count);
    else if (r.hotspot_count) printf("\nALLOCATION FUNCTIONS\n");
    for (size_t i = 0; i < r.hotspot_count && i < top; i++) {
        const memscope_hotspot *h = &r.hotspots[i];
        if (!h->location && !tracked)
            printf("  %12s in %6zu calls to %s\n", human(b1, sizeof b1, (double)h->total_size), h->allocation_count,
                   h->var_name ? h->var_name : "?");
        else
            printf("  %12s in %6zu allocations  %s (%s) at %s\n", human(b1, sizeof b1, (double)h->total_size),
                   h->allocation_count, h->var_name ? h->var_name : "?", h->type_name ? h->type_name : "?",
                   h->location ? h->location : "?");
    }
    print_from_events(t, top);
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
}

/* A failed export in words: the cause itself for an I/O error */
static const char *result_text(memscope_result res, int err) {
    if (res == MEMSCOPE_ERR_IO) return err ? strerror(err) : "input/output error";
    return memscope_result_string(res);
}

/* A name for the file path names that two spellings of one path share: its directory
   resolved, then its last component (for a file that does not exist yet). */
static char *canonical(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *r = dir ? realpath(dir, NULL) : NULL, *res = NULL;
    if (!r && dir && dir[0] != '/') { /* a directory yet to be made: the name made absolute */
        char *cwd = getcwd(NULL, 0);
        if (cwd && (r = malloc(strlen(cwd) + strlen(dir) + 2))) sprintf(r, "%s/%s", cwd, dir);
        free(cwd);
    } else if (!r && dir) {
        r = strdup(dir);
    }
    if (r && (res = malloc(strlen(r) + strlen(base) + 2))) sprintf(res, "%s/%s", r, base);
    free(r);
    free(dir);
    return res;
}

/* Every output checked against the input and each other before anything is written */
static int check_outputs(const char *input) {
    struct stat in, st;
    int have_in = stat(input, &in) == 0;
    size_t dashes = 0;
    const char *first_dash = NULL;
    char b1[160], b2[160];
    for (size_t k = 0; k < NCONV; k++) {
        const conversion *c = &conversions[k];
        if (!c->out) continue;
        if (!strcmp(c->out, "-")) {
            if (dashes++) return fail("%s - and %s -: one output at most can be - (standard output)", first_dash, c->option);
            first_dash = c->option;
            continue;
        }
        if (lstat(c->out, &st) == 0) {
            int link = S_ISLNK(st.st_mode);
            if (link && stat(c->out, &st) != 0)
                return fail("%s %s: a symbolic link to nothing; nothing written", c->option, shown(c->out, b1, sizeof b1));
            if (!S_ISREG(st.st_mode))
                return fail("%s %s: %s%s, not a regular file; nothing written", c->option, shown(c->out, b1, sizeof b1),
                            link ? "a symbolic link to " : "", kind_of(st.st_mode));
            if (have_in && st.st_dev == in.st_dev && st.st_ino == in.st_ino)
                return fail("%s %s: the input file itself; nothing written", c->option, shown(c->out, b1, sizeof b1));
        }
    }
    for (size_t k = 0; k < NCONV; k++) {
        const conversion *a = &conversions[k];
        if (!a->out || !strcmp(a->out, "-")) continue;
        struct stat sa;
        int ea = stat(a->out, &sa) == 0;
        char *ca = ea ? NULL : canonical(a->out);
        for (size_t j = k + 1; j < NCONV; j++) {
            const conversion *b = &conversions[j];
            if (!b->out || !strcmp(b->out, "-")) continue;
            struct stat sb;
            int eb = stat(b->out, &sb) == 0, same = 0;
            if (ea && eb) same = sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
            else if (!ea && !eb) {
                char *cb = canonical(b->out);
                same = ca && cb && !strcmp(ca, cb);
                free(cb);
            }
            if (same) {
                free(ca);
                return fail("%s %s and %s %s: the same file; nothing written", a->option, shown(a->out, b1, sizeof b1),
                            b->option, shown(b->out, b2, sizeof b2));
            }
        }
        free(ca);
    }
    return 0;
}

/* OUT "-": the report goes to a file in a private directory, then to standard output */
static int export_to_stdout(memscope_tracker *t, const conversion *c) {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    char dir[PATH_MAX], file[PATH_MAX + 8];
    if ((size_t)snprintf(dir, sizeof dir, "%s/memscope-XXXXXX", tmp) >= sizeof dir) return fail("%s -: TMPDIR is too long", c->option);
    if (!mkdtemp(dir)) return fail("%s -: cannot make a directory in %s: %s", c->option, tmp, strerror(errno));
    snprintf(file, sizeof file, "%s/out", dir);
    memscope_result res = c->write(t, file);
    int err = errno, fd = -1;
    if (res == MEMSCOPE_OK && (fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) err = errno;
    unlink(file); /* gone before the copy: nothing is left behind if the copy is cut short */
    rmdir(dir);
    if (res != MEMSCOPE_OK) return fail("%s -: %s", c->option, result_text(res, err));
    if (fd < 0) return fail("%s -: %s", c->option, strerror(err));
    fflush(stdout);
    char buf[65536];
    ssize_t n;
    int rc = 0;
    while (!rc && (n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            rc = fail("%s -: %s", c->option, strerror(errno));
            break;
        }
        for (ssize_t w = 0, k; w < n; w += k)
            if ((k = write(STDOUT_FILENO, buf + w, (size_t)(n - w))) < 0) {
                if (errno == EINTR) { k = 0; continue; }
                rc = fail("%s -: standard output: %s", c->option, strerror(errno));
                break;
            }
    }
    close(fd);
    return rc;
}

/* Modules whose file is no longer the one recorded: their frames keep the recorded names
   (or stay unnamed) rather than take names from another build. */
static void warn_modules(memscope_tracker *t) {
    size_t n = memscope_modules(t, NULL, 0), missing = 0;
    memscope_module *m = n ? (memscope_module *)calloc(n, sizeof *m) : NULL;
    if (!m) return;
    n = memscope_modules(t, m, n);
    const char *root = getenv("MEMSCOPE_SYSROOT");
    for (size_t i = 0; i < n; i++) {
        if (m[i].state == MEMSCOPE_MODULE_CHANGED)
            fprintf(stderr, "memscope: warning: %s%s has changed since the recording (build id %s there, another now):"
                            " its frames keep the names recorded\n", root ? root : "", m[i].path, m[i].build_id);
        missing += m[i].state == MEMSCOPE_MODULE_MISSING;
    }
    if (missing)
        fprintf(stderr, "memscope: note: %zu of the %zu modules recorded are not on this machine%s%s: their frames keep the names recorded\n",
                missing, n, root ? " under " : "", root ? root : "");
    free(m);
}

static int report(const char *path, size_t top, int strict) {
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) /* a FIFO would wait for a writer */
        return fail("%s: %s, not a regular file", path, kind_of(st.st_mode));
    if (check_outputs(path) != 0) return 1;
    int text = 1; /* the text summary, unless a report goes to standard output */
    for (size_t k = 0; k < NCONV; k++)
        if (conversions[k].out && !strcmp(conversions[k].out, "-")) text = 0;
    /* C++ names the recording left mangled are demangled with libstdc++'s __cxa_demangle,
       where the machine has it (the library is looked up at run time; none is needed) */
    (void)dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL);
    memscope_result res;
    memscope_tracker *t = memscope_load(path, &res);
    if (!t) return fail("%s: %s", path, memscope_load_error());
    if (!as_recorded) memscope_load_names(t); /* what the recording could not name, from the same files */
    memscope_load_info info;
    if (memscope_loaded_info(t, &info) == MEMSCOPE_OK && !info.complete) {
        if (strict) {
            memscope_destroy(t);
            return fail("%s: %s (--strict)", path, memscope_load_error());
        }
        fprintf(stderr, "memscope: warning: %s: %s\n", path, memscope_load_error());
    }
    warn_modules(t);
    if (text) print_report(t, path, top);
    int rc = 0;
    for (size_t k = 0; k < NCONV && !rc; k++) {
        const conversion *c = &conversions[k];
        if (!c->out) continue;
        if (!strcmp(c->out, "-")) { rc = export_to_stdout(t, c); continue; }
        if ((res = c->write(t, c->out)) != MEMSCOPE_OK) {
            int err = errno;
            char b1[160];
            rc = fail("%s %s: %s", c->option, shown(c->out, b1, sizeof b1), result_text(res, err));
        }
    }
    memscope_destroy(t);
    return rc;
}

/* ---- memscope diff BASE NEW: what grew between two runs, by call stack ----
   Stacks are matched by their frames' names (function and line, or module+offset: the
   addresses move between runs), so a run of the same program lines up with the other. */
typedef struct diff_row {
    char *key;                      /* frame names, innermost first, one per line */
    uint32_t stack[2];              /* a stack of each file with that key (0: none) */
    uint64_t v[2][4];               /* per file: allocated, allocations, leaked, peak */
} diff_row;
typedef struct diff_tab { diff_row *r; size_t n, cap; } diff_tab;

static char *stack_key(memscope_tracker *t, uint32_t stack) {
    size_t n = memscope_stack_symbols(t, stack, NULL, 0);
    memscope_symbol *f = n ? calloc(n, sizeof *f) : NULL;
    n = f ? memscope_stack_symbols(t, stack, f, n) : 0;
    size_t cap = 256, len = 0;
    char *k = malloc(cap), line[2048];
    for (size_t i = 0; k && i < n; i++) {
        memscope_symbol s = f[i];
        s.address = 0;
        if (s.function) s.has_offset = 0; /* (the offset from the function moves with the code) */
        frame_text(&s, line, sizeof line);
        size_t l = strlen(line);
        if (len + l + 2 > cap) {
            while (len + l + 2 > cap) cap *= 2;
            char *nk = realloc(k, cap);
            if (!nk) { free(k); k = NULL; break; }
            k = nk;
        }
        memcpy(k + len, line, l);
        len += l;
        k[len++] = '\n';
    }
    if (k) k[len] = 0;
    free(f);
    return k;
}

static int diff_add(diff_tab *d, memscope_tracker *t, int which) {
    memscope_stack_cost *c = NULL;
    size_t n = memscope_stack_costs(t, &c);
    for (size_t i = 0; i < n; i++) {
        char *key = c[i].stack_id ? stack_key(t, c[i].stack_id) : strdup("(no call stack)\n");
        if (!key) { free(c); return -1; }
        size_t j = 0;
        while (j < d->n && strcmp(d->r[j].key, key) != 0) j++;
        if (j == d->n) {
            if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 256;
                diff_row *nr = realloc(d->r, cap * sizeof *nr);
                if (!nr) { free(key); free(c); return -1; }
                d->r = nr;
                d->cap = cap;
            }
            memset(&d->r[j], 0, sizeof d->r[j]);
            d->r[j].key = key;
            d->n++;
        } else {
            free(key);
        }
        diff_row *r = &d->r[j];
        if (!r->stack[which]) r->stack[which] = c[i].stack_id;
        r->v[which][0] += c[i].allocated_bytes;
        r->v[which][1] += c[i].allocations;
        r->v[which][2] += c[i].suppressed ? 0 : c[i].leaked_bytes;
        r->v[which][3] += c[i].peak_bytes;
    }
    free(c);
    return 0;
}

static int diff_by;
static int diff_cmp(const void *a, const void *b) {
    const diff_row *x = (const diff_row *)a, *y = (const diff_row *)b;
    int64_t gx = (int64_t)(x->v[1][diff_by] - x->v[0][diff_by]), gy = (int64_t)(y->v[1][diff_by] - y->v[0][diff_by]);
    return gx < gy ? 1 : gx > gy ? -1 : strcmp(x->key, y->key);
}

/* ---- memscope diff --html: a page with a differential flame graph and the ranked stacks ----
   The page (tools/dashboard/diff.html and diff.js, embedded by tools/embed_dashboard.py into
   tools/diff_page.h) gets one JSON block: the two runs' totals and one row per matched stack,
   {frames: [{name, file, line, module, inlined}] innermost first, where (an index into frames
   or null), stack: [id in BASE, id in NEW], base/new: {alloc, count, leak, peak}}. Strings are written with the JSON writer's
   HTML mode (< > & as \u escapes, invalid UTF-8 as U+FFFD), so no name can end the block. */
static void diff_json_frame(ms__out *o, const memscope_symbol *f) {
    char buf[512];
    const char *mod = f->module ? strrchr(f->module, '/') : NULL;
    mod = mod ? mod + 1 : f->module;
    const char *name = f->function;
    if (!name && mod && f->has_offset) { snprintf(buf, sizeof buf, "%s+0x%" PRIx64, mod, f->offset); name = buf; }
    else if (!name) { snprintf(buf, sizeof buf, "0x%" PRIxPTR, f->address); name = buf; }
    ms__out_lit(o, "{\"name\":"); ms__out_str(o, name);
    ms__out_key(o, "file"); ms__out_str(o, f->file && f->line ? f->file : NULL);
    ms__out_key(o, "line"); ms__out_u64(o, f->file ? f->line : 0);
    ms__out_key(o, "module"); ms__out_str(o, mod);
    if (f->inlined) ms__out_lit(o, ",\"inlined\":true");
    ms__out_lit(o, "}");
}

static void diff_json_values(ms__out *o, const uint64_t *v) {
    ms__out_lit(o, "{\"alloc\":"); ms__out_u64(o, v[0]);
    ms__out_key(o, "count"); ms__out_u64(o, v[1]);
    ms__out_key(o, "leak"); ms__out_u64(o, v[2]);
    ms__out_key(o, "peak"); ms__out_u64(o, v[3]);
    ms__out_lit(o, "}");
}

static void diff_json_run(ms__out *o, const char *file, const memscope_report *r) {
    ms__out_lit(o, "{\"file\":"); ms__out_str(o, file);
    ms__out_key(o, "allocated"); ms__out_u64(o, r->total_allocated_bytes);
    ms__out_key(o, "allocations"); ms__out_u64(o, r->total_allocations);
    ms__out_key(o, "peak"); ms__out_u64(o, r->peak_memory_bytes);
    ms__out_key(o, "live"); ms__out_u64(o, r->current_memory_bytes);
    ms__out_key(o, "live_count"); ms__out_u64(o, r->active_allocations);
    ms__out_lit(o, "}");
}

static int diff_html(const char *path, const diff_tab *d, memscope_tracker *t[2], const memscope_report r[2],
                     const char *files[2]) {
    int to_stdout = !strcmp(path, "-");
    int fd = to_stdout ? 1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail("--html %s: %s", path, strerror(errno));
    ms__out *o = calloc(1, sizeof *o);
    if (!o) { if (!to_stdout) close(fd); return fail("out of memory"); }
    o->fd = fd;
    ms__out_parts(o, diff_page_part0);
    o->html = 1;
    ms__out_lit(o, "{\"format\":\"memscope-diff\",\"version\":1,\"generator\":");
    ms__out_str(o, "memscope " MEMSCOPE_VERSION_STRING);
    ms__out_key(o, "base"); diff_json_run(o, files[0], &r[0]);
    ms__out_key(o, "new"); diff_json_run(o, files[1], &r[1]);
    ms__out_lit(o, ",\"rows\":[");
    size_t cap = 0, shown = 0;
    memscope_symbol *f = NULL;
    for (size_t i = 0; i < d->n && !o->err; i++) {
        const diff_row *w = &d->r[i];
        int k = w->stack[1] ? 1 : 0, any = 0;
        for (int j = 0; j < 4; j++) any |= w->v[0][j] || w->v[1][j];
        if (!any) continue;
        size_t n = w->stack[k] ? memscope_stack_symbols(t[k], w->stack[k], NULL, 0) : 0;
        if (n > cap) {
            memscope_symbol *nf = realloc(f, n * sizeof *nf);
            if (!nf) { o->err = ENOMEM; break; }
            f = nf;
            cap = n;
        }
        n = n ? memscope_stack_symbols(t[k], w->stack[k], f, n) : 0;
        if (shown++) ms__out_lit(o, ",");
        ms__out_lit(o, "\n{\"frames\":[");
        for (size_t j = 0; j < n; j++) {
            if (j) ms__out_lit(o, ",");
            diff_json_frame(o, &f[j]);
        }
        memscope_symbol ws;
        uint32_t wi = w->stack[k] ? memscope_stack_where(t[k], w->stack[k], &ws) : UINT32_MAX;
        ms__out_lit(o, "],\"where\":");
        if (wi < n) ms__out_u64(o, wi);
        else ms__out_lit(o, "null");
        ms__out_lit(o, ",\"stack\":[");
        ms__out_u64(o, w->stack[0]);
        ms__out_lit(o, ",");
        ms__out_u64(o, w->stack[1]);
        ms__out_lit(o, "],\"base\":");
        diff_json_values(o, w->v[0]);
        ms__out_lit(o, ",\"new\":");
        diff_json_values(o, w->v[1]);
        ms__out_lit(o, "}");
    }
    free(f);
    ms__out_lit(o, "]}");
    o->html = 0;
    ms__out_parts(o, diff_page_part1);
    ms__out_flush(o);
    int err = o->err;
    free(o);
    if (!to_stdout && close(fd) != 0 && !err) err = errno;
    return err ? fail("--html %s: %s", path, strerror(err)) : 0;
}

static const char *signed_human(char *buf, size_t n, int64_t v) {
    char h[24];
    human(h, sizeof h, (double)(v < 0 ? -(double)v : (double)v));
    snprintf(buf, n, "%s%s", v < 0 ? "-" : v > 0 ? "+" : "", h);
    return buf;
}

static int diff_main(int argc, char **argv) {
    const char *files[2] = {NULL, NULL}, *folded = NULL, *html = NULL;
    size_t top = 10;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--top") || !strcmp(a, "--frames") || !strcmp(a, "--folded") || !strcmp(a, "--html")) {
            if (i + 1 >= argc) return fail("%s needs a value", a);
            const char *v = argv[++i];
            uint64_t n;
            if (!strcmp(a, "--folded")) folded = v;
            else if (!strcmp(a, "--html")) html = v;
            else if (!strcmp(a, "--top")) { if (parse_u64(v, 1, 100000, &n) != 0) return fail("--top %s: not a number from 1 to 100000", v); top = (size_t)n; }
            else { if (parse_u64(v, 1, 1000, &n) != 0) return fail("--frames %s: not a number from 1 to 1000", v); max_frames = (size_t)n; }
        } else if (a[0] == '-' && a[1]) {
            return fail("unknown option '%s'; see memscope --help", a);
        } else if (!files[0]) files[0] = a;
        else if (!files[1]) files[1] = a;
        else return fail("diff takes two files ('%s' is extra)", a);
    }
    if (!files[1]) return fail("diff needs two files: memscope diff BASE.msb NEW.msb");
    if (folded && html && !strcmp(folded, "-") && !strcmp(html, "-"))
        return fail("--folded - and --html -: one output at most can be - (standard output)");
    for (int k = 0; k < 2; k++) { /* an output must not overwrite an input, nor the other output */
        struct stat in, out;
        if (stat(files[k], &in) != 0) continue;
        if ((folded && strcmp(folded, "-") && stat(folded, &out) == 0 && out.st_dev == in.st_dev && out.st_ino == in.st_ino) ||
            (html && strcmp(html, "-") && stat(html, &out) == 0 && out.st_dev == in.st_dev && out.st_ino == in.st_ino))
            return fail("%s: an output would overwrite this input; nothing written", files[k]);
    }
    if (folded && html && strcmp(html, "-")) {
        char *a = canonical(folded), *b = canonical(html);
        int same = a && b && !strcmp(a, b);
        free(a);
        free(b);
        if (same) return fail("--folded %s and --html %s: the same file; nothing written", folded, html);
    }
    (void)dlopen("libstdc++.so.6", RTLD_NOW | RTLD_GLOBAL);
    memscope_tracker *t[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        memscope_result res;
        t[k] = memscope_load(files[k], &res);
        if (!t[k]) { int rc = fail("%s: %s", files[k], memscope_load_error()); if (k) memscope_destroy(t[0]); return rc; }
        memscope_load_names(t[k]);
        warn_modules(t[k]);
    }
    diff_tab d = {NULL, 0, 0};
    int rc = 0;
    if (diff_add(&d, t[0], 0) != 0 || diff_add(&d, t[1], 1) != 0) rc = fail("out of memory");
    memscope_report r[2] = {memscope_analyze(t[0]), memscope_analyze(t[1])};
    char b1[32], b2[32], b3[32];
    if (!rc && html) rc = diff_html(html, &d, t, r, files);
    if (!rc && !folded && !html) {
        printf("memscope diff %s -> %s\n", files[0], files[1]);
        printf("  allocated %s -> %s (%s), allocations %zu -> %zu\n", human(b1, sizeof b1, (double)r[0].total_allocated_bytes),
               human(b2, sizeof b2, (double)r[1].total_allocated_bytes),
               signed_human(b3, sizeof b3, (int64_t)(r[1].total_allocated_bytes - r[0].total_allocated_bytes)),
               r[0].total_allocations, r[1].total_allocations);
        printf("  peak %s -> %s (%s)\n", human(b1, sizeof b1, (double)r[0].peak_memory_bytes), human(b2, sizeof b2, (double)r[1].peak_memory_bytes),
               signed_human(b3, sizeof b3, (int64_t)(r[1].peak_memory_bytes - r[0].peak_memory_bytes)));
        printf("  live at the end %s -> %s (%s)\n", human(b1, sizeof b1, (double)r[0].current_memory_bytes),
               human(b2, sizeof b2, (double)r[1].current_memory_bytes),
               signed_human(b3, sizeof b3, (int64_t)(r[1].current_memory_bytes - r[0].current_memory_bytes)));
        static const struct { const char *title; int by; } sec[] = {
            {"LEAKED (live at the end, suppressions aside): most growth first", 2},
            {"ALLOCATED: most growth first", 0},
            {"LIVE AT THE PEAK: most growth first", 3},
        };
        for (size_t s = 0; s < 3; s++) {
            diff_by = sec[s].by;
            qsort(d.r, d.n, sizeof *d.r, diff_cmp);
            printf("\n%s\n", sec[s].title);
            size_t shown = 0;
            for (size_t i = 0; i < d.n && shown < top; i++) {
                const diff_row *w = &d.r[i];
                int64_t g = (int64_t)(w->v[1][diff_by] - w->v[0][diff_by]);
                if (g <= 0) break;
                printf("  %s (%" PRIu64 " -> %" PRIu64 " bytes; allocations %" PRIu64 " -> %" PRIu64 ")%s\n",
                       signed_human(b1, sizeof b1, g), w->v[0][diff_by], w->v[1][diff_by],
                       w->v[0][1], w->v[1][1], w->stack[0] ? "" : "  new in the second run");
                print_stack(t[1], w->stack[1]);
                shown++;
            }
            if (!shown) printf("  no growth\n");
        }
    } else if (!rc && folded) { /* "frame;frame;frame BASE NEW": flamegraph.pl's differential input */
        FILE *f = strcmp(folded, "-") ? fopen(folded, "w") : stdout;
        if (!f) rc = fail("--folded %s: %s", folded, strerror(errno));
        for (size_t i = 0; f && i < d.n; i++) {
            const diff_row *w = &d.r[i];
            if (!w->v[0][0] && !w->v[1][0]) continue;
            /* outermost first, ';' between frames */
            char *k = w->key;
            size_t nl = 0;
            for (char *p = k; *p; p++) nl += *p == '\n';
            for (size_t j = nl; j-- > 0;) {
                char *p = k;
                for (size_t m = 0; m < j; m++) p = strchr(p, '\n') + 1;
                size_t l = strcspn(p, "\n"); /* the function's name: up to " (file:line)" or " in module" */
                for (const char *cut = p; (cut = strchr(cut, ' ')) && cut < p + l; cut++)
                    if (cut[1] == '(' || !strncmp(cut, " in ", 4)) { l = (size_t)(cut - p); break; }
                for (size_t q = 0; q < l; q++) fputc(p[q] == ';' || p[q] == ' ' ? '_' : p[q], f);
                fputc(j ? ';' : ' ', f);
            }
            fprintf(f, "%" PRIu64 " %" PRIu64 "\n", w->v[0][0], w->v[1][0]);
        }
        if (f && f != stdout && fclose(f) != 0) rc = fail("--folded %s: %s", folded, strerror(errno));
    }
    for (size_t i = 0; i < d.n; i++) free(d.r[i].key);
    free(d.r);
    memscope_report_free(&r[0]);
    memscope_report_free(&r[1]);
    memscope_destroy(t[0]);
    memscope_destroy(t[1]);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) { print_usage(stderr); return 1; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) { print_usage(stdout); return 0; }
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) { /* memscope report --help, memscope run -h */
        if (!strcmp(argv[1], "run") && argv[i][0] != '-') break; /* the program's own --help */
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { print_usage(stdout); return 0; }
    }
    if (!strcmp(argv[1], "--version")) { printf("memscope %s\n", memscope_version_string()); return 0; }
    if (!strcmp(argv[1], "run")) return run(argc, argv);
    if (!strcmp(argv[1], "diff")) return diff_main(argc, argv);
    if (strcmp(argv[1], "report") != 0) return fail("unknown command '%s'; see memscope --help", argv[1]);
    conversions_init();
    const char *file = NULL;
    size_t top = 10;
    int strict = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        size_t conv = NCONV;
        if (!strcmp(a, "--prom")) a = "--prometheus"; /* the short spelling of earlier versions */
        for (size_t k = 0; k < NCONV; k++) if (!strcmp(a, conversions[k].option)) conv = k;
        if (!strcmp(a, "--top") || !strcmp(a, "--frames") || !strcmp(a, "--sysroot") || !strcmp(a, "--suppressions") ||
            !strcmp(a, "--folded-cost") || conv < NCONV) {
            if (i + 1 >= argc) return fail("%s needs a value", a);
            const char *v = argv[++i];
            if (conv < NCONV) conversions[conv].out = v;
            else if (!strcmp(a, "--folded-cost")) {
                static const char *const costs[] = {"allocated", "allocations", "leaked", "leaked-allocations", "peak", "temporary"};
                size_t k = 0;
                while (k < 6 && strcmp(v, costs[k]) != 0) k++;
                if (k == 6) return fail("--folded-cost %s: not allocated, allocations, leaked, leaked-allocations, peak or temporary", v);
                setenv("MEMSCOPE_FOLDED_COST", v, 1);
            } else if (!strcmp(a, "--suppressions")) {
                FILE *sf = fopen(v, "r");
                if (!sf) return fail("--suppressions %s: %s", v, strerror(errno));
                fclose(sf);
                setenv("MEMSCOPE_SUPPRESSIONS", v, 1);
            } else if (!strcmp(a, "--sysroot")) {
                struct stat sr;
                if (stat(v, &sr) != 0 || !S_ISDIR(sr.st_mode)) return fail("--sysroot %s: not a directory", v);
                setenv("MEMSCOPE_SYSROOT", v, 1);
            }
            else if (!strcmp(a, "--frames")) {
                uint64_t n;
                if (parse_u64(v, 1, 1000, &n) != 0) return fail("--frames %s: not a number from 1 to 1000", v);
                max_frames = (size_t)n;
            } else {
                uint64_t n;
                if (parse_u64(v, 1, 100000, &n) != 0) return fail("--top %s: not a number from 1 to 100000", v);
                top = (size_t)n;
            }
        } else if (!strcmp(a, "--strict")) {
            strict = 1;
        } else if (!strcmp(a, "--as-recorded")) {
            as_recorded = 1;
        } else if (!strcmp(a, "--no-builtin-suppressions")) {
            setenv("MEMSCOPE_NO_BUILTIN_SUPPRESSIONS", "1", 1);
        } else if (a[0] == '-' && a[1]) {
            return fail("unknown option '%s'; see memscope --help", a);
        } else if (!file) {
            file = a;
        } else {
            return fail("one file at a time ('%s' is extra)", a);
        }
    }
    if (!file) return fail("report needs a FILE.msb or FILE.json");
    return report(file, top, strict);
}
