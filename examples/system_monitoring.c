/* system_monitoring.c - what the process and the machine did while a program worked.
 *
 * Port of the seed's "With System Monitoring" example. From the repository root:
 *   cc -std=c11 -I. examples/system_monitoring.c -pthread -o system_monitoring
 *   ./system_monitoring
 *
 * The program runs three phases and reads the monitor during and after each one:
 *   1. CPU:    one core busy for 0.5 s             -> cpu_usage_percent near 100
 *   2. memory: 96 MiB allocated, touched, TRACKed  -> RSS grows, minor page faults
 *   3. disk:   32 MiB written to output/ and fsync -> disk_write_bps, disk_write_bytes
 * then prints the peaks found in the report's snapshots and the monitor's own cost, and
 * writes output/system_monitoring.json and the same state as output/system_monitoring.msb.
 *
 * The monitor samples every 50 ms here (memscope_set_monitor_config; the default is
 * 100 ms). A metric this machine cannot provide (no GPU, /proc/self/io not readable,
 * the first sample's rates, monitor compiled out, ...) has its bit clear in
 * snapshot.available and is printed as "unavailable", never as a made-up 0.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep, fsync, mkdir */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#define MIB ((size_t)1 << 20)
#define MEMORY_BLOCKS 4
#define MEMORY_BLOCK_BYTES (24 * MIB)  /* 4 x 24 MiB = 96 MiB */
#define FILE_BYTES (32 * MIB)
#define WRITE_CHUNK MIB
#define OUTPUT_DIR "output"
#define SCRATCH_FILE OUTPUT_DIR "/system_monitoring.tmp"
#define REPORT_FILE OUTPUT_DIR "/system_monitoring.json"
#define LABEL_FMT "  %-18s "

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Keeps the results of the work below observable, so the compiler cannot drop it. */
static volatile double cpu_sink;
static volatile uint64_t memory_sink;
static volatile unsigned char pattern_seed = 0x5a;

/* Keep one core busy for a while. */
static void busy_work(double seconds)
{
    double end = monotonic_seconds() + seconds;
    while (monotonic_seconds() < end)
        for (int i = 1; i < 10000; i++)
            cpu_sink += 1.0 / i;
}

/* Waits until the monitor has published n more samples (at most 2 s), polling its sample
   counter. After one, the newest snapshot's interval ends after the work done before the
   call, so its rates include that work; the first sample of all carries no rates, hence
   two at the start. Returns 0 when the monitor is not running (compiled out, or it could
   not start). */
static int wait_for_samples(uint64_t n)
{
    memscope_monitor_stats st = memscope_get_monitor_stats();
    if (!st.running)
        return 0;
    uint64_t target = st.samples + n;
    double deadline = monotonic_seconds() + 2.0;
    while (memscope_get_monitor_stats().samples < target) {
        if (monotonic_seconds() > deadline)
            return 0;
        sleep_ms(2);
    }
    return 1;
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

/* Every field of the snapshot, with its unit. */
static void print_snapshot(const memscope_system_snapshot *s)
{
    char a[32], b[32], c[32], d[32];
    uint32_t have = s->available;

    /* available == 0: no sample yet (or no monitor); timestamp is then just "now" and
       elapsed_ns and gpu_count mean nothing. */
    int sampled = have != 0;
    if (sampled)
        printf(LABEL_FMT "%" PRIu64 " ms since the Unix epoch, +%.3f s since the tracker was created\n",
               "Taken at:", s->timestamp, (double)s->elapsed_ns / 1e9);
    else
        printf(LABEL_FMT "%" PRIu64 " ms since the Unix epoch (no sample)\n", "Read at:", s->timestamp);

    if (have & MEMSCOPE_METRIC_CPU)
        printf(LABEL_FMT "%.1f %% of one core (this process)\n", "CPU usage:", s->cpu_usage_percent);
    else
        print_unavailable("CPU usage:");
    if (have & MEMSCOPE_METRIC_SYSTEM_CPU)
        printf(LABEL_FMT "%.1f %% of all CPUs (whole machine)\n", "System CPU:", s->system_cpu_percent);
    else
        print_unavailable("System CPU:");
    if (have & MEMSCOPE_METRIC_CPU_COUNT)
        printf(LABEL_FMT "%" PRIu32 " CPUs this process may run on\n", "CPU count:", s->cpu_count);
    else
        print_unavailable("CPU count:");

    if (have & MEMSCOPE_METRIC_MEMORY)
        printf(LABEL_FMT "%s resident\n", "Memory (RSS):", human_bytes(a, sizeof a, (double)s->memory_usage_bytes));
    else
        print_unavailable("Memory (RSS):");
    if (have & MEMSCOPE_METRIC_PEAK_RSS)
        printf(LABEL_FMT "%s resident at most so far\n", "Peak RSS:",
               human_bytes(a, sizeof a, (double)s->peak_rss_bytes));
    else
        print_unavailable("Peak RSS:");
    if (have & MEMSCOPE_METRIC_MEMORY_PERCENT)
        printf(LABEL_FMT "%.2f %% of %s (RAM or cgroup limit, the smaller)\n", "Memory percent:",
               s->memory_usage_percent, human_bytes(a, sizeof a, (double)s->memory_limit_bytes));
    else
        print_unavailable("Memory percent:");
    if (have & MEMSCOPE_METRIC_SYSTEM_MEMORY)
        printf(LABEL_FMT "%s of %s available, %.1f %% used (whole machine)\n", "System memory:",
               human_bytes(a, sizeof a, (double)s->system_memory_available),
               human_bytes(b, sizeof b, (double)s->system_memory_total), s->system_memory_used_percent);
    else
        print_unavailable("System memory:");
    if (have & MEMSCOPE_METRIC_PAGE_FAULTS)
        printf(LABEL_FMT "%" PRIu64 " minor/s, %" PRIu64 " major/s\n", "Page faults:",
               s->minor_faults_per_sec, s->major_faults_per_sec);
    else
        print_unavailable("Page faults:");
    if (have & MEMSCOPE_METRIC_THREADS)
        printf(LABEL_FMT "%zu (the monitor's own thread included)\n", "Threads:", s->thread_count);
    else
        print_unavailable("Threads:");

    if (have & MEMSCOPE_METRIC_DISK)
        printf(LABEL_FMT "read %s/s, write %s/s; totals read %s, written %s\n", "Disk I/O:",
               human_bytes(a, sizeof a, (double)s->disk_read_bps),
               human_bytes(b, sizeof b, (double)s->disk_write_bps),
               human_bytes(c, sizeof c, (double)s->disk_read_bytes),
               human_bytes(d, sizeof d, (double)s->disk_write_bytes));
    else
        print_unavailable("Disk I/O:");
    if (have & MEMSCOPE_METRIC_NETWORK)
        printf(LABEL_FMT "rx %s/s, tx %s/s; totals rx %s, tx %s\n", "Network:",
               human_bytes(a, sizeof a, (double)s->network_rx_bps),
               human_bytes(b, sizeof b, (double)s->network_tx_bps),
               human_bytes(c, sizeof c, (double)s->network_rx_bytes),
               human_bytes(d, sizeof d, (double)s->network_tx_bytes));
    else
        print_unavailable("Network:");

    if (sampled)
        printf(LABEL_FMT "%" PRIu32 "%s\n", "GPUs:", s->gpu_count, s->gpu_count ? "" : " (none found)");
    else
        print_unavailable("GPUs:");
    if (have & MEMSCOPE_METRIC_GPU_USAGE)
        printf(LABEL_FMT "%.1f %% (mean over the GPUs)\n", "GPU usage:", s->gpu_usage_percent);
    else
        print_unavailable("GPU usage:");
    if (have & MEMSCOPE_METRIC_GPU_MEMORY)
        printf(LABEL_FMT "%s used of %s\n", "GPU memory:", human_bytes(a, sizeof a, (double)s->gpu_memory_used),
               human_bytes(b, sizeof b, (double)s->gpu_memory_total));
    else
        print_unavailable("GPU memory:");
}

/* One line with the metrics that a phase moves. */
static void print_progress(const char *what, const memscope_system_snapshot *s)
{
    char a[32], b[32];
    uint32_t have = s->available;
    if (!have) {
        printf("  %-24s no sample\n", what);
        return;
    }
    printf("  %-24s +%.2f s:", what, (double)s->elapsed_ns / 1e9);
    if (have & MEMSCOPE_METRIC_CPU)
        printf(" cpu %.1f %%,", s->cpu_usage_percent);
    else
        printf(" cpu unavailable,");
    if (have & MEMSCOPE_METRIC_MEMORY)
        printf(" rss %s,", human_bytes(a, sizeof a, (double)s->memory_usage_bytes));
    else
        printf(" rss unavailable,");
    if (have & MEMSCOPE_METRIC_PAGE_FAULTS)
        printf(" %" PRIu64 " minor faults/s,", s->minor_faults_per_sec);
    else
        printf(" faults unavailable,");
    if (have & MEMSCOPE_METRIC_DISK)
        printf(" disk write %s/s (total %s)\n", human_bytes(a, sizeof a, (double)s->disk_write_bps),
               human_bytes(b, sizeof b, (double)s->disk_write_bytes));
    else
        printf(" disk unavailable\n");
}

static void cpu_phase(memscope_tracker *tracker)
{
    printf("\n== phase 1: one core busy for 0.5 s ==\n");
    busy_work(0.25);
    memscope_system_snapshot s = memscope_current_system_snapshot(tracker);
    print_progress("halfway", &s);
    busy_work(0.25);
    s = memscope_current_system_snapshot(tracker); /* its interval was busy */
    print_snapshot(&s);
}

/* Allocates, fills and TRACKs the blocks; returns 0 when out of memory. */
static int memory_phase(memscope_tracker *tracker, unsigned char **blocks)
{
    printf("\n== phase 2: %d x %zu MiB allocated, touched and tracked ==\n", MEMORY_BLOCKS,
           MEMORY_BLOCK_BYTES / MIB);
    unsigned char seed = pattern_seed;
    for (int i = 0; i < MEMORY_BLOCKS; i++) {
        unsigned char *block = malloc(MEMORY_BLOCK_BYTES);
        if (!block) {
            fprintf(stderr, "system_monitoring: out of memory\n");
            return 0;
        }
        TRACK(tracker, block);
        for (size_t k = 0; k < MEMORY_BLOCK_BYTES; k++) /* every page becomes resident */
            block[k] = (unsigned char)(k * 31u + seed);
        blocks[i] = block;
        wait_for_samples(1);
        memscope_system_snapshot s = memscope_current_system_snapshot(tracker);
        char what[32];
        snprintf(what, sizeof what, "after block %d", i + 1);
        print_progress(what, &s);
    }
    uint64_t sum = 0; /* read everything back: the blocks are really used */
    for (int i = 0; i < MEMORY_BLOCKS; i++)
        for (size_t k = 0; k < MEMORY_BLOCK_BYTES; k++)
            sum += blocks[i][k];
    memory_sink = sum;
    memscope_memory_stats ms = memscope_stats(tracker);
    printf("  tracked: %zu live allocations, %" PRIu64 " bytes live, checksum %" PRIu64 "\n",
           ms.active_allocations, ms.current_memory_bytes, (uint64_t)memory_sink);
    wait_for_samples(1);
    memscope_system_snapshot s = memscope_current_system_snapshot(tracker);
    print_snapshot(&s);
    return 1;
}

static void free_blocks(memscope_tracker *tracker, unsigned char **blocks)
{
    for (int i = 0; i < MEMORY_BLOCKS; i++) {
        unsigned char *block = blocks[i];
        if (!block)
            continue;
        UNTRACK(tracker, block);
        free(block);
        blocks[i] = NULL;
    }
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        buf += (size_t)w;
        len -= (size_t)w;
    }
    return 1;
}

/* Writes and fsyncs FILE_BYTES in two halves, then deletes the file. Returns 0 on error. */
static int file_phase(memscope_tracker *tracker)
{
    printf("\n== phase 3: %zu MiB written to %s, fsynced, deleted ==\n", FILE_BYTES / MIB, SCRATCH_FILE);
    if (mkdir(OUTPUT_DIR, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "system_monitoring: cannot create %s: %s\n", OUTPUT_DIR, strerror(errno));
        return 0;
    }
    unsigned char *chunk = malloc(WRITE_CHUNK);
    if (!chunk) {
        fprintf(stderr, "system_monitoring: out of memory\n");
        return 0;
    }
    TRACK(tracker, chunk);
    int fd = open(SCRATCH_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ok = fd >= 0;
    for (size_t done = 0; ok && done < FILE_BYTES; done += WRITE_CHUNK) {
        for (size_t k = 0; k < WRITE_CHUNK; k++) /* new content every chunk */
            chunk[k] = (unsigned char)((done + k) * 7u);
        ok = write_all(fd, chunk, WRITE_CHUNK);
        if (ok && done + WRITE_CHUNK == FILE_BYTES / 2) {
            ok = fsync(fd) == 0;
            wait_for_samples(1);
            memscope_system_snapshot s = memscope_current_system_snapshot(tracker);
            print_progress("half written", &s);
        }
    }
    if (ok)
        ok = fsync(fd) == 0;
    if (!ok)
        fprintf(stderr, "system_monitoring: writing %s: %s\n", SCRATCH_FILE, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(SCRATCH_FILE);
    UNTRACK(tracker, chunk);
    free(chunk);
    if (!ok)
        return 0;
    wait_for_samples(1);
    memscope_system_snapshot s = memscope_current_system_snapshot(tracker);
    print_snapshot(&s);
    printf("  (disk counts storage-layer I/O only: a file on tmpfs writes nothing to disk)\n");
    return 1;
}

/* Peaks over the report's snapshots, from the metrics that were measured. */
static void print_peaks(const memscope_report *r)
{
    const memscope_system_snapshot *cpu = NULL, *rss = NULL, *wr = NULL, *flt = NULL;
    for (size_t i = 0; i < r->system_snapshot_count; i++) {
        const memscope_system_snapshot *s = &r->system_snapshots[i];
        if ((s->available & MEMSCOPE_METRIC_CPU) && (!cpu || s->cpu_usage_percent > cpu->cpu_usage_percent))
            cpu = s;
        if ((s->available & MEMSCOPE_METRIC_MEMORY) && (!rss || s->memory_usage_bytes > rss->memory_usage_bytes))
            rss = s;
        if ((s->available & MEMSCOPE_METRIC_DISK) && (!wr || s->disk_write_bps > wr->disk_write_bps))
            wr = s;
        if ((s->available & MEMSCOPE_METRIC_PAGE_FAULTS) &&
            (!flt || s->minor_faults_per_sec > flt->minor_faults_per_sec))
            flt = s;
    }
    char a[32];
    printf("Peaks in the report's snapshots:\n");
    if (cpu)
        printf(LABEL_FMT "%.1f %% of one core at +%.2f s\n", "CPU usage:", cpu->cpu_usage_percent,
               (double)cpu->elapsed_ns / 1e9);
    else
        print_unavailable("CPU usage:");
    if (rss)
        printf(LABEL_FMT "%s at +%.2f s\n", "Memory (RSS):", human_bytes(a, sizeof a, (double)rss->memory_usage_bytes),
               (double)rss->elapsed_ns / 1e9);
    else
        print_unavailable("Memory (RSS):");
    if (wr)
        printf(LABEL_FMT "%s/s at +%.2f s\n", "Disk write:", human_bytes(a, sizeof a, (double)wr->disk_write_bps),
               (double)wr->elapsed_ns / 1e9);
    else
        print_unavailable("Disk write:");
    if (flt)
        printf(LABEL_FMT "%" PRIu64 " minor/s at +%.2f s\n", "Page faults:", flt->minor_faults_per_sec,
               (double)flt->elapsed_ns / 1e9);
    else
        print_unavailable("Page faults:");
}

static void print_monitor_stats(double seconds)
{
    memscope_monitor_stats st = memscope_get_monitor_stats();
    printf("Monitor: %s, %" PRIu64 " samples, %" PRIu64 " in the ring, %" PRIu64 " dropped from it\n",
           st.running ? "running" : "not running", st.samples, st.stored_snapshots, st.dropped_snapshots);
    if (st.samples == 0)
        return;
    double cpu_ms = (double)st.cpu_time_ns / 1e6;
    printf("Monitor CPU time: %.2f ms in all, %.3f ms per sample, %.2f %% of one core over %.2f s; "
           "last sample took %.3f ms\n",
           cpu_ms, cpu_ms / (double)st.samples, seconds > 0 ? cpu_ms / 10.0 / seconds : 0.0, seconds,
           (double)st.last_sample_ns / 1e6);
}

int main(void)
{
    memscope_monitor_config cfg = memscope_monitor_default();
    cfg.interval_ms = 50;
    memscope_result rc = memscope_set_monitor_config(cfg);
    if (rc != MEMSCOPE_OK)
        printf("memscope_set_monitor_config: %s\n", memscope_result_string(rc));
    cfg = memscope_get_monitor_config();
    printf("Monitor config: every %" PRIu32 " ms, GPUs every %" PRIu32 " ms, ring of %zu snapshots\n",
           cfg.interval_ms, cfg.gpu_interval_ms, cfg.max_snapshots);

    memscope_tracker *tracker = memscope_with_system_monitoring(TRACKER());
    if (!tracker) {
        fprintf(stderr, "system_monitoring: cannot create a tracker: out of memory\n");
        return 1;
    }

    /* Rates need two samples; the first one only sets the baseline. */
    int monitoring = wait_for_samples(2);
    printf("\n== idle ==\n");
    memscope_system_snapshot s = memscope_current_system_snapshot(tracker);
    print_snapshot(&s);
    if (!monitoring)
        printf("  (no system monitor in this build or on this machine)\n");

    unsigned char *blocks[MEMORY_BLOCKS] = {NULL};
    cpu_phase(tracker);
    int ok = memory_phase(tracker, blocks);
    free_blocks(tracker, blocks);
    if (ok) {
        wait_for_samples(1);
        s = memscope_current_system_snapshot(tracker);
        print_progress("blocks freed", &s);
    }
    ok = file_phase(tracker) && ok;

    printf("\n== report ==\n");
    memscope_report report = memscope_analyze(tracker);
    char peak[32];
    printf("Tracked: %zu allocations, %zu frees, peak %s\n", report.total_allocations,
           report.total_deallocations, human_bytes(peak, sizeof peak, (double)report.peak_memory_bytes));
    printf("System snapshots in the report: %zu, dropped (ring full): %" PRIu64 "\n",
           report.system_snapshot_count, report.dropped_snapshots);
    print_peaks(&report);
    print_monitor_stats(report.duration_sec);
    memscope_report_free(&report);

    const char *files[] = {REPORT_FILE, OUTPUT_DIR "/system_monitoring.msb"};
    rc = memscope_export_many(tracker, files, 2); /* JSON and binary of one instant */
    if (rc == MEMSCOPE_OK)
        printf("Report written to %s and %s\n", files[0], files[1]);
    else
        fprintf(stderr, "system_monitoring: export to %s failed: %s\n", REPORT_FILE, memscope_result_string(rc));
    memscope_destroy(tracker);
    return ok && rc == MEMSCOPE_OK ? 0 : 1;
}
