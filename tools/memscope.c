/* memscope - the command-line tool of memscope.h: turns a .msb file into reports.
 *
 *   memscope report FILE.msb [--top N] [--json OUT] [--html OUT]
 *   memscope --help | --version
 *
 * `report` prints a text summary (totals, peak, top hotspots, what was still live at the end
 * by site, threads, system metrics) and, with --json / --html, writes those reports of the
 * file. Exit status: 0 on success, 1 when the file is missing or malformed or an argument is
 * wrong, with one line on stderr that says which and why. `memscope run` (whole-program mode)
 * is not part of this version. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "../memscope.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: memscope report FILE.msb [--top N] [--json OUT] [--html OUT]\n"
    "       memscope --help | --version\n"
    "\n"
    "  report FILE.msb   print a summary of a file written by memscope_export_binary:\n"
    "                    totals, peak, the top N hotspots (default 10), what was still\n"
    "                    live at the end by site, threads, system metrics\n"
    "  --top N           how many rows per table (1..100000)\n"
    "  --json OUT        also write the JSON report of the file to OUT\n"
    "  --html OUT        also write the HTML dashboard of the file to OUT\n"
    "\n"
    "Exit status: 0 on success, 1 when the file is missing or malformed or an argument is\n"
    "wrong (one line on stderr says which and why).\n";

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

static int report(const char *path, size_t top, const char *json, const char *html) {
    memscope_result res;
    memscope_tracker *t = memscope_load(path, &res);
    if (!t) return fail("%s: %s", path, memscope_load_error());
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
    if (r.sample_rate < 1.0)
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
    if (json && (res = memscope_export_json(t, json)) != MEMSCOPE_OK)
        rc = fail("%s: %s", json, res == MEMSCOPE_ERR_IO ? strerror(errno) : memscope_result_string(res));
    if (html && !rc && (res = memscope_export_html(t, html)) != MEMSCOPE_OK)
        rc = fail("%s: %s", html, res == MEMSCOPE_ERR_IO ? strerror(errno) : memscope_result_string(res));
    memscope_destroy(t);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2) { fputs(usage, stderr); return 1; }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) { fputs(usage, stdout); return 0; }
    if (!strcmp(argv[1], "--version")) { printf("memscope %s\n", memscope_version_string()); return 0; }
    if (!strcmp(argv[1], "run")) return fail("%s%s", "'run' (whole-program mode) is not part of this version", "");
    if (strcmp(argv[1], "report") != 0) return fail("unknown command '%s'%s; see memscope --help", argv[1], "");
    const char *file = NULL, *json = NULL, *html = NULL;
    size_t top = 10;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--top") || !strcmp(a, "--json") || !strcmp(a, "--html")) {
            if (i + 1 >= argc) return fail("%s needs a value%s", a, "");
            const char *v = argv[++i];
            if (!strcmp(a, "--json")) json = v;
            else if (!strcmp(a, "--html")) html = v;
            else {
                char *end;
                unsigned long long n = strtoull(v, &end, 10);
                if (*v == '-' || *end || n < 1 || n > 100000) return fail("--top %s: not a number from 1 to 100000%s", v, "");
                top = (size_t)n;
            }
        } else if (a[0] == '-' && a[1]) {
            return fail("unknown option '%s'%s; see memscope --help", a, "");
        } else if (!file) {
            file = a;
        } else {
            return fail("one file at a time ('%s' is extra)%s", a, "");
        }
    }
    if (!file) return fail("report needs a FILE.msb%s%s", "", "");
    return report(file, top, json, html);
}
