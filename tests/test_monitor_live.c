/* test_monitor_live.c - the system monitor against the truth of this machine.
 *
 * Each test checks a snapshot field against an independent measurement: CPU of a thread that
 * spins for 1 s, RSS against /proc/self/statm and 200 MB touched, thread count against threads
 * started, disk writes against /proc/self/io read by the test, network bytes sent over a veth
 * pair between two network namespaces the test creates (as root), and fork() behaviour. Waits
 * are "until the monitor has taken N more samples", with a short interval, never fixed sleeps.
 */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/vfs.h>

#include "ms_test.h"

#define MB ((uint64_t)1 << 20)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_unix_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void set_interval(uint32_t ms) {
    memscope_monitor_config c = memscope_monitor_default();
    c.interval_ms = ms;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_OK);
}

/* Returns once the monitor has published n samples that started after this call. */
static void wait_samples(uint64_t n) {
    uint64_t s0 = memscope_get_monitor_stats().samples;
    double limit = now_s() + 10.0;
    while (memscope_get_monitor_stats().samples < s0 + n + 1) { /* +1: one may be in flight */
        if (now_s() > limit) fail_msg("the monitor took no sample for 10 s");
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

/* Every monitored tracker a test makes is kept here until done() destroys it; a test that
   fails before that leaves it to cleanup(), so that the next test starts with no monitor
   running (a failed assertion returns from the test at once). */
static memscope_tracker *kept[8];
static memscope_tracker *keep(memscope_tracker *t) {
    for (size_t i = 0; t && i < sizeof kept / sizeof kept[0]; i++)
        if (!kept[i]) { kept[i] = t; break; }
    return t;
}
static void done(memscope_tracker *t) {
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (kept[i] == t) kept[i] = NULL;
    memscope_destroy(t);
}
static int cleanup(void **state) {
    (void)state;
    int left = 0;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (kept[i]) { memscope_destroy(kept[i]); kept[i] = NULL; left++; }
    if (left) print_message("cleanup: destroyed %d tracker(s) a failed test left\n", left);
    return memscope_set_monitor_config(memscope_monitor_default()) == MEMSCOPE_OK ? 0 : -1;
}

static memscope_tracker *monitored(uint32_t interval_ms) {
    set_interval(interval_ms);
    memscope_tracker *t = keep(memscope_with_system_monitoring(memscope_new()));
    assert_non_null(t);
    wait_samples(1);
    return t;
}

static uint64_t statm_rss(void) {
    char buf[256];
    long n = mst_read_file("/proc/self/statm", buf, sizeof buf);
    assert_true(n > 0);
    unsigned long long size = 0, res = 0;
    assert_int_equal(sscanf(buf, "%llu %llu", &size, &res), 2);
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static int proc_io_write_bytes(uint64_t *out) {
    char buf[1024];
    long n = mst_read_file("/proc/self/io", buf, sizeof buf);
    if (n <= 0) return 0;
    const char *p = strstr(buf, "\nwrite_bytes:");
    const char *c = strstr(buf, "cancelled_write_bytes:");
    if (!p || !c) return 0;
    *out = strtoull(p + 13, NULL, 10) - strtoull(c + 22, NULL, 10);
    return 1;
}

/* ---- basics ---- */

static void test_no_monitoring_means_unavailable(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    memscope_system_snapshot s = memscope_current_system_snapshot(t);
    assert_int_equal(s.available, 0);
    assert_true(s.timestamp > 0);
    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.system_snapshot_count, 0);
    assert_null(r.system_snapshots);
    memscope_report_free(&r);
    done(t);
    s = memscope_current_system_snapshot(NULL);
    assert_int_equal(s.available, 0);
    assert_null(memscope_with_system_monitoring(NULL));
}

static void test_config_validation(void **state) {
    (void)state;
    memscope_monitor_config d = memscope_monitor_default();
    assert_int_equal(d.interval_ms, 100);
    assert_int_equal(d.gpu_interval_ms, 500);
    assert_true(d.max_snapshots >= 36000);
    memscope_monitor_config c = d;
    c.interval_ms = 9;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_ERR_INVALID_ARG);
    c = d; c.gpu_interval_ms = 499;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_ERR_INVALID_ARG);
    c = d; c.max_snapshots = 0;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_ERR_INVALID_ARG);
    c = d; c.interval_ms = 250; c.max_snapshots = 77;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_OK);
    memscope_monitor_config g = memscope_get_monitor_config();
    assert_int_equal(g.interval_ms, 250);
    assert_int_equal(g.max_snapshots, 77);
    assert_int_equal(memscope_set_monitor_config(d), MEMSCOPE_OK);
}

/* The first sample is a baseline: levels yes, rates no. Later ones carry rates. */
static void test_first_sample_has_no_rates(void **state) {
    (void)state;
    memscope_tracker *t = monitored(20);
    wait_samples(2);
    memscope_report r = memscope_analyze(t);
    assert_true(r.system_snapshot_count >= 3);
    const memscope_system_snapshot *s0 = &r.system_snapshots[0], *s2 = &r.system_snapshots[2];
    const uint32_t rates = MEMSCOPE_METRIC_CPU | MEMSCOPE_METRIC_DISK | MEMSCOPE_METRIC_NETWORK |
                           MEMSCOPE_METRIC_PAGE_FAULTS | MEMSCOPE_METRIC_SYSTEM_CPU;
    assert_int_equal(s0->available & rates, 0);
    assert_int_equal(s0->cpu_usage_percent, 0.0);
    assert_true(s0->available & MEMSCOPE_METRIC_MEMORY);
    assert_true(s0->available & MEMSCOPE_METRIC_THREADS);
    assert_true(s2->available & MEMSCOPE_METRIC_CPU);
    assert_true(s2->available & MEMSCOPE_METRIC_SYSTEM_CPU);
    assert_true(s2->available & MEMSCOPE_METRIC_PAGE_FAULTS);
    /* time order, on the event clock and the wall clock */
    for (size_t i = 1; i < r.system_snapshot_count; i++) {
        assert_true(r.system_snapshots[i].elapsed_ns > r.system_snapshots[i - 1].elapsed_ns);
        assert_true(r.system_snapshots[i].timestamp >= r.system_snapshots[i - 1].timestamp);
    }
    /* a GPU-less machine reports no GPU, never a 0 % GPU */
    if (s2->gpu_count == 0) assert_int_equal(s2->available & (MEMSCOPE_METRIC_GPU_USAGE | MEMSCOPE_METRIC_GPU_MEMORY), 0);
    memscope_report_free(&r);
    done(t);
}

/* ---- CPU ---- */

static volatile uint64_t spin_sink;
static void *spin_1s(void *arg) {
    (void)arg;
    double end = now_s() + 1.0;
    while (now_s() < end)
        for (int i = 0; i < 1000; i++) spin_sink += (uint64_t)i;
    return NULL;
}

static void test_cpu_busy_thread_is_one_core(void **state) {
    (void)state;
    memscope_tracker *t = monitored(50);
    uint64_t from = now_unix_ms();
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, spin_1s, NULL), 0);
    pthread_join(th, NULL);
    uint64_t to = now_unix_ms();
    memscope_report r = memscope_analyze(t);
    double sum = 0;
    int n = 0;
    for (size_t i = 1; i < r.system_snapshot_count; i++) {
        const memscope_system_snapshot *a = &r.system_snapshots[i - 1], *b = &r.system_snapshots[i];
        if (a->timestamp < from + 2 || b->timestamp + 2 > to) continue; /* whole interval inside */
        assert_true(b->available & MEMSCOPE_METRIC_CPU);
        sum += b->cpu_usage_percent;
        n++;
    }
    assert_true(n >= 10);
    double mean = sum / n;
    print_message("busy thread: %.1f %% of one core over %d samples\n", mean, n);
    assert_true(mean >= 80.0 && mean <= 120.0);
    memscope_report_free(&r);
    done(t);
}

/* ---- RSS ---- */

static void test_rss_tracks_statm_and_growth(void **state) {
    (void)state;
    memscope_tracker *t = monitored(20);
    wait_samples(1);
    uint64_t before_lo = statm_rss();
    wait_samples(1);
    memscope_system_snapshot s = memscope_current_system_snapshot(t);
    uint64_t before_hi = statm_rss();
    assert_true(s.available & MEMSCOPE_METRIC_MEMORY);
    uint64_t lo = before_lo < before_hi ? before_lo : before_hi, hi = before_lo < before_hi ? before_hi : before_lo;
    print_message("rss %" PRIu64 " statm %" PRIu64 "..%" PRIu64 "\n", s.memory_usage_bytes, lo, hi);
    assert_true((double)s.memory_usage_bytes >= 0.95 * (double)lo && (double)s.memory_usage_bytes <= 1.05 * (double)hi);

    const size_t big = 200u * MB;
    unsigned char *p = malloc(big);
    assert_non_null(p);
    TRACK_SIZE(t, p, big);
    for (size_t i = 0; i < big; i += 4096) p[i] = (unsigned char)i;
    wait_samples(2);
    memscope_system_snapshot after = memscope_current_system_snapshot(t);
    uint64_t st = statm_rss();
    print_message("after 200 MB: rss %" PRIu64 " (+%" PRIu64 ") statm %" PRIu64 "\n", after.memory_usage_bytes,
                  after.memory_usage_bytes - s.memory_usage_bytes, st);
    assert_true(after.memory_usage_bytes >= s.memory_usage_bytes + (uint64_t)(0.9 * (double)big));
    assert_true((double)after.memory_usage_bytes >= 0.95 * (double)st && (double)after.memory_usage_bytes <= 1.05 * (double)st);
    assert_true(after.available & MEMSCOPE_METRIC_PEAK_RSS);
    assert_true(after.peak_rss_bytes >= after.memory_usage_bytes);
    assert_true(after.available & MEMSCOPE_METRIC_MEMORY_PERCENT);
    assert_true(after.memory_limit_bytes > 0 && after.memory_limit_bytes <= after.system_memory_total);
    double pct = (double)after.memory_usage_bytes * 100.0 / (double)after.memory_limit_bytes;
    assert_true(mst_fabs(after.memory_usage_percent - pct) < 1e-9);
    assert_true(after.minor_faults_per_sec > 0 || after.available & MEMSCOPE_METRIC_PAGE_FAULTS);
    UNTRACK(t, p);
    free(p);
    done(t);
}

/* ---- threads ---- */

static pthread_barrier_t hold;
static void *held(void *arg) {
    (void)arg;
    pthread_barrier_wait(&hold);
    return NULL;
}

static void test_thread_count_rises_exactly(void **state) {
    (void)state;
    memscope_tracker *t = monitored(20);
    memscope_tracker *t2 = keep(memscope_with_system_monitoring(memscope_new())); /* shares the thread */
    wait_samples(1);
    size_t c0 = memscope_current_system_snapshot(t).thread_count;
    enum { N = 5 };
    pthread_t th[N];
    assert_int_equal(pthread_barrier_init(&hold, NULL, N + 1), 0);
    for (int i = 0; i < N; i++) assert_int_equal(pthread_create(&th[i], NULL, held, NULL), 0);
    wait_samples(1);
    size_t c1 = memscope_current_system_snapshot(t).thread_count;
    size_t c1b = memscope_current_system_snapshot(t2).thread_count;
    pthread_barrier_wait(&hold);
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&hold);
    wait_samples(1);
    size_t c2 = memscope_current_system_snapshot(t).thread_count;
    print_message("threads %zu -> %zu -> %zu\n", c0, c1, c2);
    assert_int_equal(c1, c0 + N);
    assert_int_equal(c1b, c1);
    assert_int_equal(c2, c0);
    done(t2);
    assert_true(memscope_get_monitor_stats().running); /* t still monitors */
    done(t);
    assert_false(memscope_get_monitor_stats().running);
}

/* ---- disk ---- */

/* Writes and fsyncs 64 MB under dir; returns the storage-layer bytes /proc/self/io saw. */
static uint64_t write_64mb(const char *dir) {
    char path[MST_PATH_MAX];
    mst_fmt(path, sizeof path, "%s/disk-test.bin", dir);
    uint64_t w0 = 0, w1 = 0;
    if (!proc_io_write_bytes(&w0)) return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 0;
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 64; i++)
        if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) { close(fd); unlink(path); return 0; }
    fsync(fd);
    close(fd);
    proc_io_write_bytes(&w1);
    unlink(path);
    return w1 - w0;
}

static void test_disk_write_rate(void **state) {
    (void)state;
    uint64_t probe;
    if (!proc_io_write_bytes(&probe)) { print_message("skipped: /proc/self/io is not readable here\n"); skip(); }
    memscope_tracker *t = monitored(50);
    wait_samples(1);
    memscope_system_snapshot s0 = memscope_current_system_snapshot(t);
    assert_true(s0.available & MEMSCOPE_METRIC_DISK);
    char outdir[MST_PATH_MAX];
    mst_out_dir(outdir, sizeof outdir, "disk");
    const char *dirs[] = {outdir, "/var/tmp", "/tmp"};
    uint64_t truth = 0;
    const char *used = NULL;
    for (size_t i = 0; i < 3 && truth < 60 * MB; i++) { truth = write_64mb(dirs[i]); used = dirs[i]; }
    if (truth < 60 * MB) {
        print_message("skipped: no disk-backed filesystem among the test folder, /var/tmp, /tmp\n");
        done(t);
        skip();
    }
    wait_samples(2);
    memscope_system_snapshot s1 = memscope_current_system_snapshot(t);
    memscope_report r = memscope_analyze(t);
    uint64_t max_bps = 0;
    double integral = 0;
    for (size_t i = 1; i < r.system_snapshot_count; i++) {
        const memscope_system_snapshot *a = &r.system_snapshots[i - 1], *b = &r.system_snapshots[i];
        if (!(b->available & MEMSCOPE_METRIC_DISK) || a->disk_write_bytes < s0.disk_write_bytes) continue;
        if (b->disk_write_bps > max_bps) max_bps = b->disk_write_bps;
        if (a->available & MEMSCOPE_METRIC_DISK && b->elapsed_ns > a->elapsed_ns)
            integral += (double)b->disk_write_bps * (double)(b->elapsed_ns - a->elapsed_ns) / 1e9;
    }
    uint64_t seen = s1.disk_write_bytes - s0.disk_write_bytes;
    print_message("%s: /proc/self/io +%" PRIu64 " B, monitor total +%" PRIu64 " B, rate integral %.0f B, max %" PRIu64 " B/s\n",
                  used, truth, seen, integral, max_bps);
    assert_true(seen >= truth - truth / 50); /* the monitor saw the write (other writes may add) */
    assert_true(max_bps > 0);
    assert_true(integral >= 0.9 * (double)truth);
    memscope_report_free(&r);
    done(t);
}

/* ---- network: a veth pair between two network namespaces ---- */

static int sh(const char *cmd) {
    int rc = system(cmd);
    return rc == 0 ? 0 : -1;
}

#define NET_SEND (8u * (unsigned)MB)
#define NET_BACK (1u * (unsigned)MB)

/* Runs in a grandchild in its own namespace: receive NET_SEND bytes, answer NET_BACK. */
static int net_server(int ready_fd, int go_fd) {
    if (unshare(CLONE_NEWNET) != 0) return 10;
    char c = 1;
    if (write(ready_fd, &c, 1) != 1) return 11;
    if (read(go_fd, &c, 1) != 1) return 12; /* the peer end was moved in */
    if (sh("ip addr add 10.77.0.2/24 dev msv1 && ip link set msv1 up && ip link set lo up") != 0) return 13;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(5577);
    a.sin_addr.s_addr = htonl(0x0a4d0002u);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 1) != 0) return 14;
    c = 2;
    if (write(ready_fd, &c, 1) != 1) return 15;
    int s = accept(ls, NULL, NULL);
    if (s < 0) return 16;
    static char buf[1 << 16];
    size_t got = 0;
    while (got < NET_SEND) {
        ssize_t n = read(s, buf, sizeof buf);
        if (n <= 0) return 17;
        got += (size_t)n;
    }
    memset(buf, 'b', sizeof buf);
    for (size_t sent = 0; sent < NET_BACK;) {
        ssize_t n = write(s, buf, sizeof buf < NET_BACK - sent ? sizeof buf : NET_BACK - sent);
        if (n <= 0) return 18;
        sent += (size_t)n;
    }
    shutdown(s, SHUT_WR);
    while (read(s, buf, sizeof buf) > 0) {}
    close(s);
    close(ls);
    return 0;
}

/* Runs in a child in its own namespace, with its own tracker and monitor. */
static int net_client(void) {
    if (unshare(CLONE_NEWNET) != 0) return 20;
    if (sh("ip link add msv0 type veth peer name msv1") != 0) return 21;
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0) return 22;
    pid_t g = fork();
    if (g == 0) _exit(net_server(up[1], down[0]));
    char c;
    if (read(up[0], &c, 1) != 1) return 23;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ip link set msv1 netns %d && ip addr add 10.77.0.1/24 dev msv0 && ip link set msv0 up && ip link set lo up", (int)g);
    if (sh(cmd) != 0) return 24;
    c = 1;
    if (write(down[1], &c, 1) != 1) return 25;
    if (read(up[0], &c, 1) != 1) return 26; /* listening */

    memscope_tracker *t = keep(memscope_with_system_monitoring(memscope_new()));
    uint64_t s0 = memscope_get_monitor_stats().samples;
    while (memscope_get_monitor_stats().samples < s0 + 2) { struct timespec ts = {0, 2000000}; nanosleep(&ts, NULL); }
    memscope_system_snapshot b = memscope_current_system_snapshot(t);
    if (!(b.available & MEMSCOPE_METRIC_NETWORK)) return 27;

    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(5577);
    a.sin_addr.s_addr = htonl(0x0a4d0002u);
    int tries = 0;
    while (connect(s, (struct sockaddr *)&a, sizeof a) != 0) { /* the link may take a moment */
        if (++tries > 200) return 28;
        close(s);
        s = socket(AF_INET, SOCK_STREAM, 0);
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    static char buf[1 << 16];
    memset(buf, 'a', sizeof buf);
    for (size_t sent = 0; sent < NET_SEND;) {
        ssize_t n = write(s, buf, sizeof buf);
        if (n <= 0) return 29;
        sent += (size_t)n;
    }
    size_t got = 0;
    while (got < NET_BACK) {
        ssize_t n = read(s, buf, sizeof buf);
        if (n <= 0) return 30;
        got += (size_t)n;
    }
    /* read the counters while the pair exists: it vanishes with the server's namespace */
    s0 = memscope_get_monitor_stats().samples;
    while (memscope_get_monitor_stats().samples < s0 + 3) { struct timespec ts = {0, 2000000}; nanosleep(&ts, NULL); }
    memscope_system_snapshot e = memscope_current_system_snapshot(t);
    uint64_t tx = e.network_tx_bytes - b.network_tx_bytes, rx = e.network_rx_bytes - b.network_rx_bytes;
    memscope_report r = memscope_analyze(t);
    uint64_t max_tx = 0, max_rx = 0;
    for (size_t i = 0; i < r.system_snapshot_count; i++) {
        if (r.system_snapshots[i].network_tx_bps > max_tx) max_tx = r.system_snapshots[i].network_tx_bps;
        if (r.system_snapshots[i].network_rx_bps > max_rx) max_rx = r.system_snapshots[i].network_rx_bps;
    }
    memscope_report_free(&r);
    printf("[ veth ] sent %u B, monitor tx +%llu B (max %llu B/s); answered %u B, rx +%llu B (max %llu B/s)\n",
           NET_SEND, (unsigned long long)tx, (unsigned long long)max_tx, NET_BACK, (unsigned long long)rx,
           (unsigned long long)max_rx);
    fflush(stdout);
    done(t);
    close(s);
    int st = 0;
    waitpid(g, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return 40 + (WIFEXITED(st) ? WEXITSTATUS(st) % 20 : 19);
    /* payload plus TCP/IP/Ethernet headers (a few %), and the other direction's ACKs */
    if (tx < NET_SEND || tx > NET_SEND + NET_SEND / 5) return 32;
    if (rx < NET_BACK || rx > NET_BACK + NET_SEND / 5) return 33;
    if (max_tx == 0 || max_rx == 0) return 34;
    return 0;
}

static void test_network_over_veth(void **state) {
    (void)state;
    if (geteuid() != 0) { print_message("skipped: creating network namespaces needs root\n"); skip(); }
    if (system("ip -V >/dev/null 2>&1") != 0) { print_message("skipped: the ip command (iproute2) is missing\n"); skip(); }
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0) {
        if (unshare(CLONE_NEWNET) != 0) _exit(99); /* probe: namespaces allowed here? */
        _exit(0);
    }
    int st = 0;
    waitpid(p, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 99) { print_message("skipped: unshare(CLONE_NEWNET) is not permitted\n"); skip(); }
    fflush(stdout);
    p = fork();
    assert_true(p >= 0);
    if (p == 0) _exit(net_client());
    waitpid(p, &st, 0);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) != 0) fail_msg("network namespace child failed at step %d", WEXITSTATUS(st));
}

/* ---- fork ---- */

#if defined(__SANITIZE_THREAD__)
#define MST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MST_TSAN 1
#endif
#endif

static void test_fork_child_gets_its_own_monitor(void **state) {
    (void)state;
#ifdef MST_TSAN
    /* ThreadSanitizer does not support starting threads in the child of a multi-threaded
       fork (it aborts with "dup thread"); the plain and ASan builds run this test. */
    print_message("skipped under ThreadSanitizer\n");
    skip();
#endif
    memscope_tracker *t = monitored(20);
    enum { N = 3 };
    pthread_t th[N];
    assert_int_equal(pthread_barrier_init(&hold, NULL, N + 1), 0);
    for (int i = 0; i < N; i++) assert_int_equal(pthread_create(&th[i], NULL, held, NULL), 0);
    wait_samples(1);
    size_t parent_threads = memscope_current_system_snapshot(t).thread_count;
    assert_true(parent_threads >= 2 + N);
    char *p = malloc(100);
    TRACK_SIZE(t, p, 100);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int rc = 0;
        memscope_monitor_stats ms = memscope_get_monitor_stats();
        if (ms.running) rc = 1; /* no dead monitor inherited */
        memscope_system_snapshot s = memscope_current_system_snapshot(t); /* loads only */
        if (!rc && s.available != 0) rc = 2; /* nothing published by the child yet */
        if (!rc && memscope_get_monitor_stats().running) rc = 9; /* and no restart from there */
        memscope_report r0 = memscope_analyze(t); /* restarts it */
        memscope_report_free(&r0);
        uint64_t s0 = memscope_get_monitor_stats().samples;
        double limit = now_s() + 10;
        while (!rc && memscope_get_monitor_stats().samples < s0 + 3)
            if (now_s() > limit) rc = 3;
        s = memscope_current_system_snapshot(t);
        /* the child's own /proc/self: its main thread plus the monitor's */
        if (!rc && (!(s.available & MEMSCOPE_METRIC_THREADS) || s.thread_count != 2)) rc = 4;
        if (!rc && !memscope_get_monitor_stats().running) rc = 5;
        char *q = malloc(50);
        TRACK_SIZE(t, q, 50); /* the tracker keeps working */
        UNTRACK(t, p);
        memscope_memory_stats ss = memscope_stats(t);
        if (!rc && (ss.total_allocations != 2 || ss.current_memory_bytes != 50)) rc = 6;
        memscope_report r = memscope_analyze(t);
        if (!rc && r.system_snapshot_count == 0) rc = 7;
        memscope_report_free(&r);
        done(t);
        if (!rc && memscope_get_monitor_stats().running) rc = 8;
        free(q);
        _exit(rc);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    /* the parent's monitor is untouched */
    assert_true(memscope_get_monitor_stats().running);
    wait_samples(1);
    assert_int_equal(memscope_current_system_snapshot(t).thread_count, parent_threads);
    pthread_barrier_wait(&hold);
    for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&hold);
    UNTRACK(t, p);
    free(p);
    done(t);
}

/* ---- the ring ---- */

static void test_ring_bound_counts_dropped(void **state) {
    (void)state;
    memscope_monitor_config c = memscope_monitor_default();
    c.interval_ms = 10;
    c.max_snapshots = 5;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_OK);
    uint64_t s_enable = memscope_get_monitor_stats().samples;
    memscope_tracker *t = keep(memscope_with_system_monitoring(memscope_new()));
    wait_samples(12);
    uint64_t before = memscope_get_monitor_stats().samples;
    memscope_report r = memscope_analyze(t);
    uint64_t after = memscope_get_monitor_stats().samples;
    assert_int_equal(r.system_snapshot_count, 5);
    uint64_t total = r.system_snapshot_count + r.dropped_snapshots;
    assert_true(total >= before - s_enable && total <= after - s_enable);
    for (size_t i = 1; i < r.system_snapshot_count; i++)
        assert_true(r.system_snapshots[i].elapsed_ns > r.system_snapshots[i - 1].elapsed_ns);
    memscope_monitor_stats ms = memscope_get_monitor_stats();
    assert_int_equal(ms.stored_snapshots, 5);
    assert_true(ms.dropped_snapshots >= r.dropped_snapshots);
    memscope_report_free(&r);

    /* growing the ring keeps what is there */
    c.max_snapshots = 1000;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_OK);
    r = memscope_analyze(t);
    assert_true(r.system_snapshot_count >= 5);
    memscope_report_free(&r);

    /* JSON carries the snapshots and the dropped count */
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "ring", "monitor.json");
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    const char *checks[] = {
        "len(d['system_snapshots']) >= 5",
        "d['dropped_snapshots'] >= 7",
        "all(s['available'] & 2 and s['memory_usage_bytes'] > 0 for s in d['system_snapshots'])",
        "all(a['elapsed_ns'] < b['elapsed_ns'] for a, b in zip(d['system_snapshots'], d['system_snapshots'][1:]))",
        "all(k in d['system_snapshots'][0] for k in ('cpu_usage_percent','thread_count','disk_read_bps','network_tx_bps','gpu_memory_total','system_cpu_percent','peak_rss_bytes','memory_limit_bytes'))",
    };
    assert_int_equal(mst_json_check(path, checks, sizeof checks / sizeof checks[0]), 0);
    done(t);
    assert_int_equal(memscope_set_monitor_config(memscope_monitor_default()), MEMSCOPE_OK);
}

/* The closing sample: an auto-exported report ends with the state at its end. */
static void test_auto_export_takes_closing_sample(void **state) {
    (void)state;
    set_interval(1000); /* long: without the closing sample there would be one snapshot */
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "auto", "closing.json");
    memscope_tracker *t = keep(memscope_with_auto_export(memscope_with_system_monitoring(memscope_new()), path));
    double limit = now_s() + 10;
    while (memscope_current_system_snapshot(t).available == 0) /* the first sample, no more */
        if (now_s() > limit) fail_msg("no first sample in 10 s");
    struct timespec ts = {0, 30000000};
    nanosleep(&ts, NULL);
    done(t);
    const char *checks[] = {
        "len(d['system_snapshots']) == 2",
        "d['system_snapshots'][1]['available'] & 1",
    };
    assert_int_equal(mst_json_check(path, checks, 2), 0);
    assert_false(memscope_get_monitor_stats().running);
    set_interval(100);
}

/* Reconfiguring a sleeping monitor takes effect at once, not after its old interval. */
static void test_interval_change_applies_while_asleep(void **state) {
    (void)state;
    memscope_tracker *t = monitored(2000);
    double t0 = now_s();
    set_interval(10);
    wait_samples(3);
    double dt = now_s() - t0;
    print_message("3 samples %.0f ms after switching from 2000 ms to 10 ms\n", dt * 1000);
    assert_true(dt < 1.0);
    done(t);
    set_interval(100);
}

/* MEMSCOPE_MONITOR=1 turns the monitor on for memscope_global(). */
static void test_global_tracker_env_monitor(void **state) {
    (void)state;
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("MEMSCOPE_MONITOR", "1", 1);
        memscope_tracker *g = memscope_global();
        int rc = 0;
        if (!g || !memscope_get_monitor_stats().running) rc = 1;
        uint64_t s0 = memscope_get_monitor_stats().samples;
        double limit = now_s() + 10;
        while (!rc && memscope_get_monitor_stats().samples < s0 + 2)
            if (now_s() > limit) rc = 2;
        if (!rc && !(memscope_current_system_snapshot(g).available & MEMSCOPE_METRIC_MEMORY)) rc = 3;
        _exit(rc);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_no_monitoring_means_unavailable, cleanup),
        cmocka_unit_test_teardown(test_config_validation, cleanup),
        cmocka_unit_test_teardown(test_first_sample_has_no_rates, cleanup),
        cmocka_unit_test_teardown(test_cpu_busy_thread_is_one_core, cleanup),
        cmocka_unit_test_teardown(test_rss_tracks_statm_and_growth, cleanup),
        cmocka_unit_test_teardown(test_thread_count_rises_exactly, cleanup),
        cmocka_unit_test_teardown(test_disk_write_rate, cleanup),
        cmocka_unit_test_teardown(test_network_over_veth, cleanup),
        cmocka_unit_test_teardown(test_fork_child_gets_its_own_monitor, cleanup),
        cmocka_unit_test_teardown(test_ring_bound_counts_dropped, cleanup),
        cmocka_unit_test_teardown(test_auto_export_takes_closing_sample, cleanup),
        cmocka_unit_test_teardown(test_interval_change_applies_while_asleep, cleanup),
        cmocka_unit_test_teardown(test_global_tracker_env_monitor, cleanup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
