/* system_monitoring.c - track memory and read what the process and machine are doing.
 *
 * Port of the seed's "With System Monitoring" example. From the repository root:
 *   cc -std=c11 -I. examples/system_monitoring.c -pthread -o system_monitoring
 *   ./system_monitoring
 *
 * The monitor thread samples every 100 ms. A metric this machine cannot provide
 * (no GPU, /proc/self/io not readable, monitor compiled out, ...) has its bit clear
 * in snapshot.available; it is printed as "unavailable", never as a made-up 0.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#define LABEL_FMT "  %-16s "

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile double sink; /* keeps busy_work's arithmetic from being optimized away */

/* Keep one core busy for a while, so the monitor has something to measure. */
static void busy_work(double seconds)
{
    double end = monotonic_seconds() + seconds;
    while (monotonic_seconds() < end)
        for (int i = 1; i < 10000; i++)
            sink += 1.0 / i;
}

static const char *human_bytes(char *buf, size_t len, double bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    while (bytes >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        bytes /= 1024.0;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}

static void print_unavailable(const char *label)
{
    printf(LABEL_FMT "unavailable\n", label);
}

static void print_snapshot(const memscope_system_snapshot *s)
{
    char a[32], b[32];
    uint32_t have = s->available;

    if (have & MEMSCOPE_METRIC_CPU)
        printf(LABEL_FMT "%.2f%% (100%% = one core busy)\n", "CPU usage:", s->cpu_usage_percent);
    else
        print_unavailable("CPU usage:");
    if (have & MEMSCOPE_METRIC_MEMORY)
        printf(LABEL_FMT "%s resident\n", "Memory usage:",
               human_bytes(a, sizeof a, (double)s->memory_usage_bytes));
    else
        print_unavailable("Memory usage:");
    if (have & MEMSCOPE_METRIC_MEMORY_PERCENT)
        printf(LABEL_FMT "%.2f%% of RAM or cgroup limit\n", "Memory percent:",
               s->memory_usage_percent);
    else
        print_unavailable("Memory percent:");
    if (have & MEMSCOPE_METRIC_THREADS)
        printf(LABEL_FMT "%zu\n", "Threads:", s->thread_count);
    else
        print_unavailable("Threads:");
    if (have & MEMSCOPE_METRIC_DISK)
        printf(LABEL_FMT "read %s/s, write %s/s\n", "Disk I/O:",
               human_bytes(a, sizeof a, (double)s->disk_read_bps),
               human_bytes(b, sizeof b, (double)s->disk_write_bps));
    else
        print_unavailable("Disk I/O:");
    if (have & MEMSCOPE_METRIC_NETWORK)
        printf(LABEL_FMT "rx %s/s, tx %s/s\n", "Network:",
               human_bytes(a, sizeof a, (double)s->network_rx_bps),
               human_bytes(b, sizeof b, (double)s->network_tx_bps));
    else
        print_unavailable("Network:");
    if (have & MEMSCOPE_METRIC_GPU_USAGE)
        printf(LABEL_FMT "%.2f%%\n", "GPU usage:", s->gpu_usage_percent);
    else
        print_unavailable("GPU usage:");
    if (have & MEMSCOPE_METRIC_GPU_MEMORY)
        printf(LABEL_FMT "%s of %s\n", "GPU memory:",
               human_bytes(a, sizeof a, (double)s->gpu_memory_used),
               human_bytes(b, sizeof b, (double)s->gpu_memory_total));
    else
        print_unavailable("GPU memory:");
}

static int popcount32(uint32_t v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

int main(void)
{
    memscope_tracker *tracker = memscope_with_system_monitoring(TRACKER());
    if (!tracker) {
        fprintf(stderr, "system_monitoring: cannot create a tracker: out of memory\n");
        return 1;
    }

    int *data = malloc(3 * sizeof *data);
    if (!data) {
        fprintf(stderr, "system_monitoring: out of memory\n");
        memscope_destroy(tracker);
        return 1;
    }
    for (int i = 0; i < 3; i++)
        data[i] = i + 1;
    TRACK(tracker, data);

    /* Rates need two samples 100 ms apart; give the monitor a few. */
    busy_work(0.35);

    memscope_system_snapshot snapshot = memscope_current_system_snapshot(tracker);
    printf("Current system snapshot:\n");
    print_snapshot(&snapshot);
    int measured = popcount32(snapshot.available & 0xffu);
    printf("%d of 8 metrics measured", measured);
    if (measured == 0)
        printf(" (no system monitor in this build or on this machine)");
    printf("\n");

    memscope_report report = memscope_analyze(tracker);
    printf("System snapshots in the report: %zu\n", report.system_snapshot_count);
    printf("Tracked allocations: %zu, live bytes: %" PRIu64 "\n", report.total_allocations,
           report.current_memory_bytes);
    memscope_report_free(&report);

    UNTRACK(tracker, data);
    free(data);
    memscope_destroy(tracker);
    return 0;
}
