/* test_monitor_parse.c - the system monitor's pure parsers (section >>monitor of memscope.h)
 * over fixed /proc and /sys texts: /proc/self/stat, statm, io, /proc/net/dev, /proc/meminfo,
 * /proc/stat, cgroup memory limits, /proc/self/mountinfo and /proc/self/cgroup; the list of
 * cgroup limit files over a fake tree; rates; the amdgpu scan over a fake /sys/class/drm.
 * Every parser gets an exact-size heap copy with no NUL after it, so ASan reports any read
 * past buf+n; the "every prefix" tests feed each cut of a real file and check that a cut
 * file either fails or gives the values of the complete lines it still holds. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ms_test.h"

#define LIT(s) (s), (sizeof(s) - 1) /* a string literal and its length without the NUL */
#define KIB ((uint64_t)1024)
#define GIB ((uint64_t)1 << 30)

/* ---- exact-size copies and one wrapper per parser ---- */

/* n bytes on the heap, no NUL after them (malloc(0) gives a zero-size block ASan guards). */
static char *dup_exact(const char *s, size_t n) {
    char *b = (char *)malloc(n);
    assert_non_null(b);
    if (n) memcpy(b, s, n);
    return b;
}

static int stat_of(const char *s, size_t n, ms__proc_stat *out) {
    char *b = dup_exact(s, n);
    int r = ms__parse_stat(b, n, out);
    free(b);
    return r;
}

static int statm_of(const char *s, size_t n, uint64_t *res) {
    char *b = dup_exact(s, n);
    int r = ms__parse_statm(b, n, res);
    free(b);
    return r;
}

static int io_of(const char *s, size_t n, uint64_t *rd, uint64_t *wr) {
    char *b = dup_exact(s, n);
    int r = ms__parse_io(b, n, rd, wr);
    free(b);
    return r;
}

static int netdev_of(const char *s, size_t n, uint64_t *rx, uint64_t *tx, unsigned *ifaces) {
    char *b = dup_exact(s, n);
    int r = ms__parse_netdev(b, n, rx, tx, ifaces);
    free(b);
    return r;
}

static int meminfo_of(const char *s, size_t n, uint64_t *total, uint64_t *avail) {
    char *b = dup_exact(s, n);
    int r = ms__parse_meminfo(b, n, total, avail);
    free(b);
    return r;
}

static int cpu_of(const char *s, size_t n, uint64_t *busy, uint64_t *total) {
    char *b = dup_exact(s, n);
    int r = ms__parse_cpu_stat(b, n, busy, total);
    free(b);
    return r;
}

static int limit_of(const char *s, size_t n, uint64_t *limit) {
    char *b = dup_exact(s, n);
    int r = ms__parse_cgroup_limit(b, n, limit);
    free(b);
    return r;
}

/* Both mounts start filled with garbage so a parser that forgets a field is caught. */
static void mountinfo_of(const char *s, size_t n, ms__cg_mount *v2, ms__cg_mount *v1) {
    char *b = dup_exact(s, n);
    memset(v2, 'x', sizeof *v2);
    memset(v1, 'x', sizeof *v1);
    ms__parse_mountinfo(b, n, v2, v1);
    free(b);
}

static int self_cgroup_of(const char *s, size_t n, char *v2, size_t v2cap, char *v1, size_t v1cap) {
    char *b = dup_exact(s, n);
    int r = ms__parse_self_cgroup(b, n, v2, v2cap, v1, v1cap);
    free(b);
    return r;
}

/* ---- file helpers for the fake trees ---- */

static void write_text(const char *path, const char *text) {
    char dir[MST_PATH_MAX];
    mst_fmt(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    assert_non_null(slash);
    *slash = '\0';
    assert_int_equal(mst_mkdirs(dir), 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    size_t len = strlen(text);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A fresh, empty $OUT/<sub> in buf. */
static const char *fresh_dir(char *buf, size_t n, const char *sub) {
    mst_fmt(buf, n, "%s/%s", mst_out_root(), sub);
    mst_rm_rf(buf);
    assert_int_equal(mst_mkdirs(buf), 0);
    return buf;
}

/* ========================= /proc/self/stat ========================= */

/* A real Linux line (52 fields): minflt 5123 (field 10), majflt 7 (12), utime 42 (14),
   stime 17 (15), num_threads 3 (20), rss 2345 pages (24). The neighbours of every field read
   (cminflt 11, cmajflt 2, cutime 5, cstime 1, itrealvalue 0, vsize, rsslim) hold other values,
   so a field counted one off gives a wrong number. */
#define STAT_TAIL                                                                                \
    " S 4300 4321 2067 34816 4321 4194560 5123 11 7 2 42 17 5 1 20 0 3 0 1008043 123456789 2345 " \
    "18446744073709551615 94108420739072 94108420758953 140735112555344 0 0 0 0 0 0 0 0 0 17 1 "  \
    "0 0 0 0 0 94108420774960 94108420776576 94109062295552 140735112559242 140735112559262 "     \
    "140735112559262 140735112560619 0\n"
static const char STAT_NORMAL[] = "4321 (memscope)" STAT_TAIL;

static void assert_stat_values(const ms__proc_stat *s) {
    assert_int_equal(s->minflt, 5123);
    assert_int_equal(s->majflt, 7);
    assert_int_equal(s->utime, 42);
    assert_int_equal(s->stime, 17);
    assert_int_equal(s->num_threads, 3);
    assert_int_equal(s->rss_pages, 2345);
}

static void test_stat_normal_line(void **state) {
    (void)state;
    ms__proc_stat s;
    memset(&s, 0xab, sizeof s);
    assert_int_equal(stat_of(LIT(STAT_NORMAL), &s), 1);
    assert_stat_values(&s);
}

/* The command name is field 2 and may hold spaces and parentheses: fields count from the
   last ')'. "x) 99 99 y" plants fake numbers that a first-')' parser would take as fields 3..5. */
static void test_stat_command_names_with_spaces_and_parentheses(void **state) {
    (void)state;
    static const char *const lines[] = {
        "4321 (a) (b)" STAT_TAIL,
        "4321 (my prog)" STAT_TAIL,
        "4321 (x) 99 99 y)" STAT_TAIL,
        "4321 (:-))" STAT_TAIL,
        "4321 ()" STAT_TAIL,
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        ms__proc_stat s;
        memset(&s, 0xab, sizeof s);
        assert_int_equal(stat_of(lines[i], strlen(lines[i]), &s), 1);
        assert_stat_values(&s);
    }
}

/* A SCHED_FIFO task at rt priority 99 and nice -20: priority -100, nice -20, tpgid -1. */
static void test_stat_negative_priority_and_nice(void **state) {
    (void)state;
    static const char line[] =
        "77 (rt worker) S 1 77 77 0 -1 4194624 5123 11 7 2 42 17 5 1 -100 -20 3 0 1008043 "
        "123456789 2345 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 99 1 0 0 0 0 0 0 0 0 0 "
        "0 0\n";
    ms__proc_stat s;
    memset(&s, 0xab, sizeof s);
    assert_int_equal(stat_of(LIT(line), &s), 1);
    assert_stat_values(&s);
}

/* gVisor prints the same 52 fields with zeros where it keeps no count (faults, flags,
   addresses, signals) and "0\n" at the end. */
static void test_stat_gvisor_line(void **state) {
    (void)state;
    static const char line[] =
        "1 (python3) R 0 1 1 0 0 0 0 0 0 0 12 3 0 0 20 0 4 0 56 1048576000 8192 "
        "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
    ms__proc_stat s;
    memset(&s, 0xab, sizeof s);
    assert_int_equal(stat_of(LIT(line), &s), 1);
    assert_int_equal(s.minflt, 0);
    assert_int_equal(s.majflt, 0);
    assert_int_equal(s.utime, 12);
    assert_int_equal(s.stime, 3);
    assert_int_equal(s.num_threads, 4);
    assert_int_equal(s.rss_pages, 8192);
}

/* A file that ends right after field 24 and its whitespace is complete enough. */
static void test_stat_ends_after_field_24(void **state) {
    (void)state;
    ms__proc_stat s;
    memset(&s, 0xab, sizeof s);
    assert_int_equal(stat_of(LIT("4321 (memscope) S 4300 4321 2067 34816 4321 4194560 5123 11 7 "
                                 "2 42 17 5 1 20 0 3 0 1008043 123456789 2345\n"), &s), 1);
    assert_stat_values(&s);
}

static void test_stat_rejects_cut_empty_and_malformed(void **state) {
    (void)state;
    ms__proc_stat s;
    /* cut before field 24 (after vsize and its blank) */
    assert_int_equal(stat_of(LIT("4321 (memscope) S 4300 4321 2067 34816 4321 4194560 5123 11 7 "
                                 "2 42 17 5 1 20 0 3 0 1008043 123456789 "), &s), 0);
    /* cut inside field 24: "2345" might be the start of 23456 */
    assert_int_equal(stat_of(LIT("4321 (memscope) S 4300 4321 2067 34816 4321 4194560 5123 11 7 "
                                 "2 42 17 5 1 20 0 3 0 1008043 123456789 2345"), &s), 0);
    /* cut inside the command name: the only ')' left is a fake one, fields run out */
    assert_int_equal(stat_of(LIT("4321 (x) 99 99 y"), &s), 0);
    assert_int_equal(stat_of("", 0, &s), 0);
    /* no ')' at all */
    assert_int_equal(stat_of(LIT("4321 memscope S 4300 4321 2067 34816 4321 4194560 5123 11 7 2 "
                                 "42 17 5 1 20 0 3 0 1008043 123456789 2345 0\n"), &s), 0);
    /* num_threads 0 is not a live process's stat */
    assert_int_equal(stat_of(LIT("4321 (memscope) S 4300 4321 2067 34816 4321 4194560 5123 11 7 "
                                 "2 42 17 5 1 20 0 0 0 1008043 123456789 2345 0\n"), &s), 0);
    /* a field that is not a number */
    assert_int_equal(stat_of(LIT("4321 (memscope) S 4300 4321 2067 34816 4321 4194560 5x23 11 7 "
                                 "2 42 17 5 1 20 0 3 0 1008043 123456789 2345 0\n"), &s), 0);
}

/* Every cut of the real line either fails or gives exactly the full line's values. */
static void test_stat_every_prefix(void **state) {
    (void)state;
    size_t n = sizeof STAT_NORMAL - 1;
    size_t ok = 0;
    for (size_t k = 0; k <= n; k++) {
        ms__proc_stat s;
        memset(&s, 0xab, sizeof s);
        if (stat_of(STAT_NORMAL, k, &s)) {
            assert_stat_values(&s);
            ok++;
        }
    }
    /* succeeds from "... 2345 " on: the full length minus the length of the tail after it */
    const char *after = strstr(STAT_NORMAL, " 2345 ") + 6;
    assert_int_equal(ok, n - (size_t)(after - STAT_NORMAL) + 1);
}

/* ========================= /proc/self/statm ========================= */

static void test_statm(void **state) {
    (void)state;
    uint64_t res = 0;
    assert_int_equal(statm_of(LIT("2345 678 123 45 0 456 0\n"), &res), 1);
    assert_int_equal(res, 678);
    res = 0;
    assert_int_equal(statm_of(LIT("2345 678\n"), &res), 1); /* only the first two matter */
    assert_int_equal(res, 678);
    assert_int_equal(statm_of(LIT("2345 67"), &res), 0);    /* cut inside resident */
    assert_int_equal(statm_of(LIT("2345 678"), &res), 0);   /* complete? cannot tell */
    assert_int_equal(statm_of(LIT("2345 "), &res), 0);
    assert_int_equal(statm_of(LIT("2345"), &res), 0);
    assert_int_equal(statm_of("", 0, &res), 0);
    assert_int_equal(statm_of(LIT("2345\n678\n"), &res), 0); /* the values share one line */
}

/* ========================= /proc/self/io ========================= */

/* The kernel's layout, key order included (proc_pid_io_accounting). */
static const char IO_FULL[] = "rchar: 323934931\n"
                              "wchar: 323929600\n"
                              "syscr: 632687\n"
                              "syscw: 632675\n"
                              "read_bytes: 1187840\n"
                              "write_bytes: 409600\n"
                              "cancelled_write_bytes: 8192\n";

static void test_io_full_kernel_file(void **state) {
    (void)state;
    uint64_t rd = 1, wr = 1;
    assert_int_equal(io_of(LIT("rchar: 323934931\nwchar: 323929600\nsyscr: 632687\nsyscw: 632675\n"
                               "read_bytes: 1187840\nwrite_bytes: 323932160\n"
                               "cancelled_write_bytes: 0\n"), &rd, &wr), 1);
    assert_int_equal(rd, 1187840); /* not rchar */
    assert_int_equal(wr, 323932160); /* not wchar */
}

static void test_io_cancelled_bytes(void **state) {
    (void)state;
    uint64_t rd = 1, wr = 1;
    /* truncated pages that were never written back are subtracted */
    assert_int_equal(io_of(LIT(IO_FULL), &rd, &wr), 1);
    assert_int_equal(rd, 1187840);
    assert_int_equal(wr, 409600 - 8192);
    /* more cancelled than written (a file truncated by another process): 0, not a wrap */
    assert_int_equal(io_of(LIT("read_bytes: 0\nwrite_bytes: 4096\ncancelled_write_bytes: 8192\n"),
                           &rd, &wr), 1);
    assert_int_equal(rd, 0);
    assert_int_equal(wr, 0);
    /* no cancelled_write_bytes line: nothing subtracted */
    assert_int_equal(io_of(LIT("rchar: 10\nwchar: 20\nread_bytes: 4096\nwrite_bytes: 12288\n"),
                           &rd, &wr), 1);
    assert_int_equal(rd, 4096);
    assert_int_equal(wr, 12288);
}

static void test_io_missing_or_cut_required_keys(void **state) {
    (void)state;
    uint64_t rd, wr;
    assert_int_equal(io_of(LIT("rchar: 1\nwchar: 2\nwrite_bytes: 4096\ncancelled_write_bytes: 0\n"),
                           &rd, &wr), 0);
    assert_int_equal(io_of(LIT("rchar: 1\nwchar: 2\nread_bytes: 4096\ncancelled_write_bytes: 0\n"),
                           &rd, &wr), 0);
    assert_int_equal(io_of("", 0, &rd, &wr), 0);
    /* a key must start its line: "xread_bytes" is not read_bytes */
    assert_int_equal(io_of(LIT("xread_bytes: 1\nwrite_bytes: 2\n"), &rd, &wr), 0);
    /* write_bytes is the last line (an older kernel without cancelled_write_bytes) and the
       file ends inside its number: 4 may be the first digit of 4096, and a required value
       that cannot be trusted fails the sample (the disk rate is skipped once) rather than
       making a bogus rate. */
    assert_int_equal(io_of(LIT("read_bytes: 1187840\nwrite_bytes: 4"), &rd, &wr), 0);
    /* the same file with its newline is complete */
    rd = wr = 1;
    assert_int_equal(io_of(LIT("read_bytes: 1187840\nwrite_bytes: 4\n"), &rd, &wr), 1);
    assert_int_equal(rd, 1187840);
    assert_int_equal(wr, 4);
    /* a number followed by text on the same line is complete even without a newline */
    assert_int_equal(io_of(LIT("read_bytes: 1187840\nwrite_bytes: 4 "), &rd, &wr), 1);
    assert_int_equal(wr, 4);
}

/* cancelled_write_bytes is the kernel's last line and is optional. A file cut inside its
   number still carries complete read_bytes and write_bytes (each ends in a newline), so the
   parse succeeds, and the cut value is not trusted: it is ignored as if the line were absent
   (write = write_bytes), never subtracted in part ("cancelled_write_bytes: 81" may be 8192). */
static void test_io_cut_inside_optional_cancelled(void **state) {
    (void)state;
    static const char cut[] = "read_bytes: 1187840\nwrite_bytes: 409600\ncancelled_write_bytes: 81";
    uint64_t rd = 1, wr = 1;
    assert_int_equal(io_of(LIT(cut), &rd, &wr), 1);
    assert_int_equal(rd, 1187840);
    assert_int_equal(wr, 409600);
}

/* Every cut of the kernel file fails or gives read 1187840 and write either 409600 - 8192
   (cancelled complete) or 409600 (cancelled not there yet / not trusted). */
static void test_io_every_prefix(void **state) {
    (void)state;
    size_t n = sizeof IO_FULL - 1;
    size_t ok = 0;
    for (size_t k = 0; k <= n; k++) {
        uint64_t rd = 1, wr = 1;
        if (!io_of(IO_FULL, k, &rd, &wr)) continue;
        ok++;
        assert_int_equal(rd, 1187840);
        if (wr != 409600 - 8192 && wr != 409600) {
            print_error("prefix of %zu bytes: write %" PRIu64 "\n", k, wr);
            fail();
        }
    }
    /* from "write_bytes: 409600\n" on */
    const char *after = strstr(IO_FULL, "409600\n") + 7;
    assert_int_equal(ok, n - (size_t)(after - IO_FULL) + 1);
}

/* ========================= /proc/net/dev ========================= */

#define NETDEV_HEADER                                                                             \
    "Inter-|   Receive                                                |  Transmit\n"             \
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "   \
    "drop fifo colls carrier compressed\n"
#define NETDEV_LO                                                                                 \
    "    lo:    6534      58    0    0    0     0          0         0     6534      58    0    " \
    "0    0     0       0          0\n"
#define NETDEV_ETH0                                                                               \
    "  eth0: 18575595   12820    0    3    0     0          0        41   953819    7720    0    " \
    "0    0     0       0          0\n"
#define NETDEV_VETH                                                                               \
    "vethd2f1c3a:   50000     400    0    0    0     0          0         0    70000     500    " \
    "0    0    0     0       0          0\n"
/* Linux 6.x: two header lines, then "%6s: %8llu %7llu ..." per interface; a long name
   (veth) pushes its colon right. */
static const char NETDEV_REAL[] = NETDEV_HEADER NETDEV_LO NETDEV_ETH0 NETDEV_VETH;

static void test_netdev_real_layout(void **state) {
    (void)state;
    uint64_t rx = 1, tx = 1;
    unsigned ifaces = 99;
    assert_int_equal(netdev_of(LIT(NETDEV_REAL), &rx, &tx, &ifaces), 1);
    assert_int_equal(rx, 18575595u + 50000u); /* counter 0, not packets */
    assert_int_equal(tx, 953819u + 70000u);   /* counter 8, not 9 */
    assert_int_equal(ifaces, 2);
    /* the same without lo */
    rx = tx = 1;
    ifaces = 99;
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_ETH0 NETDEV_VETH), &rx, &tx, &ifaces), 1);
    assert_int_equal(rx, 18575595u + 50000u);
    assert_int_equal(tx, 953819u + 70000u);
    assert_int_equal(ifaces, 2);
    /* interface order does not matter, lo last */
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_VETH NETDEV_ETH0 NETDEV_LO), &rx, &tx,
                               &ifaces), 1);
    assert_int_equal(rx, 18575595u + 50000u);
    assert_int_equal(ifaces, 2);
}

/* A sandbox with loopback only: a valid file with nothing to count. */
static void test_netdev_only_lo(void **state) {
    (void)state;
    uint64_t rx = 1, tx = 1;
    unsigned ifaces = 99;
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_LO), &rx, &tx, &ifaces), 1);
    assert_int_equal(rx, 0);
    assert_int_equal(tx, 0);
    assert_int_equal(ifaces, 0);
    /* header only (no interface at all) is the same */
    rx = tx = 1;
    ifaces = 99;
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER), &rx, &tx, &ifaces), 1);
    assert_int_equal(rx, 0);
    assert_int_equal(tx, 0);
    assert_int_equal(ifaces, 0);
}

/* Older kernels printed "%6s:%8lu": a long counter touches the colon. Also names that merely
   start with "lo" are real interfaces. */
static void test_netdev_counters_glued_to_colon(void **state) {
    (void)state;
    uint64_t rx = 1, tx = 1;
    unsigned ifaces = 99;
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER
        "    lo:1234567890 1000 0 0 0 0 0 0 1234567890 1000 0 0 0 0 0 0\n"
        "  eth0:123456789012  987654    0    0    0     0          0         0 98765432109  876543"
        "    0    0    0     0       0          0\n"
        "lonely:5 1 0 0 0 0 0 0 7 1 0 0 0 0 0 0\n"), &rx, &tx, &ifaces), 1);
    assert_int_equal(rx, 123456789012u + 5u);
    assert_int_equal(tx, 98765432109u + 7u);
    assert_int_equal(ifaces, 2);
}

/* gVisor (netstack): "%6s: %7d %7d %4d %4d %4d %5d %10d %9d %8d %7d %4d %4d %4d %5d %7d %10d". */
static void test_netdev_gvisor_layout(void **state) {
    (void)state;
    uint64_t rx = 1, tx = 1;
    unsigned ifaces = 99;
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER
        "    lo:     880      10    0    0    0     0          0         0      880      10    0"
        "    0    0     0       0          0\n"
        "  eth0:    2048      16    0    0    0     0          0         0     1024       8    0"
        "    0    0     0       0          0\n"), &rx, &tx, &ifaces), 1);
    assert_int_equal(rx, 2048);
    assert_int_equal(tx, 1024);
    assert_int_equal(ifaces, 1);
}

static void test_netdev_rejects_malformed(void **state) {
    (void)state;
    uint64_t rx, tx;
    unsigned ifaces;
    /* 15 counters */
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_LO
        "  eth0: 18575595   12820    0    3    0     0          0        41   953819    7720    0"
        "    0    0     0       0\n"), &rx, &tx, &ifaces), 0);
    /* 15 counters on lo count too: every interface line must be whole */
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER "    lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"
                                   NETDEV_ETH0), &rx, &tx, &ifaces), 0);
    /* no header: not /proc/net/dev */
    assert_int_equal(netdev_of(LIT(NETDEV_LO NETDEV_ETH0), &rx, &tx, &ifaces), 0);
    assert_int_equal(netdev_of("", 0, &rx, &tx, &ifaces), 0);
    /* a counter that is not a number */
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER "  eth0: 1 2 3 4 5 6 7 8 x 10 11 12 13 14 15 16\n"),
                               &rx, &tx, &ifaces), 0);
}

/* A host with many interfaces (a container host's veths): 70 besides lo, veth<i> with
   rx = i + 1 and tx = 2 * (i + 1). */
static void test_netdev_many_interfaces(void **state) {
    (void)state;
    size_t cap = 16384, len = 0;
    char *text = (char *)malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len, "%s%s", NETDEV_HEADER, NETDEV_LO);
    for (unsigned i = 0; i < 70; i++) {
        int w = snprintf(text + len, cap - len,
                         "veth%u: %u 1 0 0 0 0 0 0 %u 1 0 0 0 0 0 0\n", i, i + 1, 2 * (i + 1));
        assert_true(w > 0 && (size_t)w < cap - len);
        len += (size_t)w;
    }
    uint64_t rx = 1, tx = 1;
    unsigned ifaces = 99;
    assert_int_equal(netdev_of(text, len, &rx, &tx, &ifaces), 1);
    assert_int_equal(rx, 70 * 71 / 2);
    assert_int_equal(tx, 70 * 71);
    assert_int_equal(ifaces, 70);
    /* the 70th line cut in its counters still fails */
    assert_int_equal(netdev_of(text, len - 4, &rx, &tx, &ifaces), 0);
    free(text);
}

/* Cut after the colon: in the counters, or after the 16th with no newline (it may be the
   first digits of a longer number). */
static void test_netdev_cut_in_counters_fails(void **state) {
    (void)state;
    uint64_t rx, tx;
    unsigned ifaces;
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_LO "  eth0: 18575595   12820    0"),
                               &rx, &tx, &ifaces), 0);
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_LO "  eth0:"), &rx, &tx, &ifaces), 0);
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_LO
        "  eth0: 18575595   12820    0    3    0     0          0        41   953819    7720    0"
        "    0    0     0       0          0"), &rx, &tx, &ifaces), 0);
}

/* A cut before the colon (inside the name or its leading blanks) also leaves a line cut
   mid-way: it must fail too, not drop the interface (which would make the next sample's
   rate jump by that interface's whole counter). */
static void test_netdev_cut_in_name_fails(void **state) {
    (void)state;
    uint64_t rx, tx;
    unsigned ifaces;
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_LO "  et"), &rx, &tx, &ifaces), 0);
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_LO "  eth0"), &rx, &tx, &ifaces), 0);
    assert_int_equal(netdev_of(LIT(NETDEV_HEADER NETDEV_LO "  "), &rx, &tx, &ifaces), 0);
}

/* Every cut of the real file: at a line end the values of the whole lines so far; inside an
   interface line, a failure. */
static void test_netdev_every_prefix(void **state) {
    (void)state;
    size_t n = sizeof NETDEV_REAL - 1;
    size_t hdr = sizeof NETDEV_HEADER - 1, lo_end = hdr + sizeof NETDEV_LO - 1;
    size_t eth_end = lo_end + sizeof NETDEV_ETH0 - 1;
    for (size_t k = 0; k <= n; k++) {
        uint64_t rx = 1, tx = 1;
        unsigned ifaces = 99;
        int r = netdev_of(NETDEV_REAL, k, &rx, &tx, &ifaces);
        if (k < hdr) continue; /* inside the header lines: either answer is acceptable */
        if (k == lo_end || k == hdr) {
            assert_int_equal(r, 1);
            assert_int_equal(rx, 0);
            assert_int_equal(ifaces, 0);
        } else if (k == eth_end) {
            assert_int_equal(r, 1);
            assert_int_equal(rx, 18575595);
            assert_int_equal(tx, 953819);
            assert_int_equal(ifaces, 1);
        } else if (k == n) {
            assert_int_equal(r, 1);
            assert_int_equal(rx, 18575595u + 50000u);
            assert_int_equal(ifaces, 2);
        } else if (r != 0) {
            print_error("cut at byte %zu of %zu (\"...%.12s|\") parsed as rx %" PRIu64 " ifaces %u\n",
                        k, n, NETDEV_REAL + (k > 12 ? k - 12 : 0), rx, ifaces);
            fail();
        }
    }
}

/* ========================= /proc/meminfo ========================= */

static void test_meminfo(void **state) {
    (void)state;
    uint64_t total = 1, avail = 1;
    assert_int_equal(meminfo_of(LIT("MemTotal:       16314248 kB\n"
                                    "MemFree:         1234567 kB\n"
                                    "MemAvailable:    9876543 kB\n"
                                    "Buffers:          345678 kB\n"), &total, &avail), 3);
    assert_int_equal(total, 16314248 * KIB);
    assert_int_equal(avail, 9876543 * KIB); /* not MemFree */
    /* kernels before 3.14 have no MemAvailable: bit 1 only, avail untouched */
    total = 1;
    avail = 777;
    assert_int_equal(meminfo_of(LIT("MemTotal:       16314248 kB\n"
                                    "MemFree:         1234567 kB\n"), &total, &avail), 1);
    assert_int_equal(total, 16314248 * KIB);
    assert_int_equal(avail, 777);
    assert_int_equal(meminfo_of("", 0, &total, &avail), 0);
    /* MemTotal 0 is not a total */
    assert_int_equal(meminfo_of(LIT("MemTotal: 0 kB\nMemAvailable: 5 kB\n"), &total, &avail), 2);
    assert_int_equal(avail, 5 * KIB);
}

static void test_meminfo_every_prefix(void **state) {
    (void)state;
    static const char full[] = "MemTotal:       16314248 kB\nMemFree:         1234567 kB\n"
                               "MemAvailable:    9876543 kB\n";
    size_t n = sizeof full - 1;
    int seen = 0;
    for (size_t k = 0; k <= n; k++) {
        uint64_t total = 1, avail = 1;
        int r = meminfo_of(full, k, &total, &avail);
        if (r & 1) assert_int_equal(total, 16314248 * KIB);
        if (r & 2) assert_int_equal(avail, 9876543 * KIB);
        seen |= r;
    }
    assert_int_equal(seen, 3);
}

/* ========================= /proc/stat ========================= */

static void test_cpu_stat(void **state) {
    (void)state;
    uint64_t busy = 1, total = 1;
    /* Linux >= 2.6.33: ten values; guest and guest_nice are already inside user and nice */
    assert_int_equal(cpu_of(LIT("cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0\n"
                                "cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0\n"),
                            &busy, &total), 1);
    uint64_t sum = 10132153u + 290696u + 3084719u + 46828483u + 16683u + 0u + 25195u + 0u;
    assert_int_equal(total, sum);
    assert_int_equal(busy, sum - 46828483u - 16683u);
    /* Linux 2.4: user nice system idle */
    assert_int_equal(cpu_of(LIT("cpu  100 20 30 400\n"), &busy, &total), 1);
    assert_int_equal(total, 550);
    assert_int_equal(busy, 150);
    /* gVisor: a valid line of zeros (the sampler then reports no system CPU) */
    busy = total = 1;
    assert_int_equal(cpu_of(LIT("cpu  0 0 0 0 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n"),
                            &busy, &total), 1);
    assert_int_equal(total, 0);
    assert_int_equal(busy, 0);
}

static void test_cpu_stat_rejects(void **state) {
    (void)state;
    uint64_t busy, total;
    /* no aggregate line first */
    assert_int_equal(cpu_of(LIT("cpu0 100 20 30 400 0 0 0 0 0 0\ncpu  100 20 30 400\n"),
                            &busy, &total), 0);
    /* first line not terminated: its last number may be cut */
    assert_int_equal(cpu_of(LIT("cpu  100 20 30 400 5 0 1 0 0 0"), &busy, &total), 0);
    /* three values */
    assert_int_equal(cpu_of(LIT("cpu  100 20 30\ncpu0 100 20 30 400\n"), &busy, &total), 0);
    assert_int_equal(cpu_of(LIT("intr 1 2 3 4\n"), &busy, &total), 0);
    assert_int_equal(cpu_of(LIT("cpu"), &busy, &total), 0);
    assert_int_equal(cpu_of("", 0, &busy, &total), 0);
}

static void test_cpu_stat_every_prefix(void **state) {
    (void)state;
    static const char full[] = "cpu  179341 0 23036 1808623 3552 0 381 186 0 0\n"
                               "cpu0 86330 0 11589 907402 2029 0 189 90 0 0\n";
    size_t n = sizeof full - 1, line = (size_t)(strchr(full, '\n') - full) + 1;
    for (size_t k = 0; k <= n; k++) {
        uint64_t busy = 1, total = 1;
        int r = cpu_of(full, k, &busy, &total);
        assert_int_equal(r, k >= line);
        if (r) {
            assert_int_equal(total, 179341u + 23036u + 1808623u + 3552u + 381u + 186u);
            assert_int_equal(busy, 179341u + 23036u + 381u + 186u);
        }
    }
}

/* ========================= cgroup memory limits ========================= */

static void test_cgroup_limit_values(void **state) {
    (void)state;
    uint64_t l = 1;
    assert_int_equal(limit_of(LIT("max\n"), &l), 1); /* cgroup v2 memory.max, no limit */
    assert_int_equal(l, UINT64_MAX);
    l = 1;
    assert_int_equal(limit_of(LIT("max"), &l), 1);
    assert_int_equal(l, UINT64_MAX);
    assert_int_equal(limit_of(LIT("536870912\n"), &l), 1);
    assert_int_equal(l, 536870912);
    /* cgroup v1 "unlimited": LONG_MAX rounded down to a page */
    l = 1;
    assert_int_equal(limit_of(LIT("9223372036854771712\n"), &l), 1);
    assert_int_equal(l, UINT64_MAX);
    /* the threshold is 2^62: one below is a (huge) limit, 2^62 itself is none */
    assert_int_equal(limit_of(LIT("4611686018427387903\n"), &l), 1);
    assert_int_equal(l, 4611686018427387903u);
    assert_int_equal(limit_of(LIT("4611686018427387904\n"), &l), 1);
    assert_int_equal(l, UINT64_MAX);
    /* garbage */
    assert_int_equal(limit_of(LIT("12x\n"), &l), 0);
    assert_int_equal(limit_of(LIT("12x"), &l), 0);
    assert_int_equal(limit_of(LIT("maximum\n"), &l), 0);
    assert_int_equal(limit_of(LIT("-1\n"), &l), 0);
    assert_int_equal(limit_of(LIT("\n"), &l), 0);
    assert_int_equal(limit_of("", 0, &l), 0);
}

/* ========================= mountinfo and /proc/self/cgroup ========================= */

/* systemd on a unified (cgroup v2 only) host. */
static const char MOUNTINFO_V2[] =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
    "25 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "26 25 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "27 25 0:7 / /sys/kernel/debug rw,nosuid,nodev,noexec,relatime shared:9 - debugfs debugfs rw\n";

/* A hybrid host (this one runs in gVisor): v1 controllers under a tmpfs, cgroup2 without
   controllers at /sys/fs/cgroup/unified. Only the cgroup line with the memory super option
   is the v1 memory mount. */
static const char MOUNTINFO_HYBRID[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char SELF_CGROUP_HYBRID[] = "9:name=systemd:/process_api/6fbc\n"
                                         "8:pids:/\n"
                                         "4:memory:/process_api/6fbc\n"
                                         "1:cpu:/\n"
                                         "0::/\n";

static void test_mountinfo_pure_v2(void **state) {
    (void)state;
    ms__cg_mount v2, v1;
    mountinfo_of(LIT(MOUNTINFO_V2), &v2, &v1);
    assert_int_equal(v2.found, 1);
    assert_string_equal(v2.point, "/sys/fs/cgroup");
    assert_string_equal(v2.root, "/");
    assert_int_equal(v1.found, 0);

    char p2[256], p1[256];
    strcpy(p1, "untouched");
    assert_int_equal(self_cgroup_of(LIT("0::/user.slice/user-1000.slice/app.scope\n"),
                                    p2, sizeof p2, p1, sizeof p1), 1);
    assert_string_equal(p2, "/user.slice/user-1000.slice/app.scope");
    assert_string_equal(p1, "untouched");
}

static void test_mountinfo_hybrid_v1(void **state) {
    (void)state;
    ms__cg_mount v2, v1;
    mountinfo_of(LIT(MOUNTINFO_HYBRID), &v2, &v1);
    assert_int_equal(v2.found, 1);
    assert_string_equal(v2.point, "/sys/fs/cgroup/unified");
    assert_string_equal(v2.root, "/");
    assert_int_equal(v1.found, 1);
    assert_string_equal(v1.point, "/sys/fs/cgroup/memory");
    assert_string_equal(v1.root, "/");

    char p2[256], p1[256];
    assert_int_equal(self_cgroup_of(LIT(SELF_CGROUP_HYBRID), p2, sizeof p2, p1, sizeof p1), 3);
    assert_string_equal(p2, "/");
    assert_string_equal(p1, "/process_api/6fbc");
}

/* v1 with memory co-mounted with other controllers, both in mountinfo's super options and in
   /proc/self/cgroup's controller list; per-mount options and optional fields ahead of "-". */
static void test_mountinfo_v1_comounted(void **state) {
    (void)state;
    ms__cg_mount v2, v1;
    mountinfo_of(LIT("35 31 0:32 / /sys/fs/cgroup/cpu,memory rw,nosuid,nodev,noexec,relatime "
                     "shared:16 master:3 - cgroup cgroup rw,cpu,memory,clone_children\n"),
                 &v2, &v1);
    assert_int_equal(v2.found, 0);
    assert_int_equal(v1.found, 1);
    assert_string_equal(v1.point, "/sys/fs/cgroup/cpu,memory");

    char p2[64], p1[64];
    assert_int_equal(self_cgroup_of(LIT("7:cpu,memory,clone:/a/b\n5:memoryx:/wrong\n"),
                                    p2, sizeof p2, p1, sizeof p1), 2);
    assert_string_equal(p1, "/a/b");
    /* "memoryx" and "xmemory" are not memory */
    assert_int_equal(self_cgroup_of(LIT("5:memoryx:/wrong\n6:xmemory:/wrong\n"),
                                    p2, sizeof p2, p1, sizeof p1), 0);
}

/* A container without a cgroup namespace: the mount root is the container's own cgroup and
   /proc/self/cgroup shows the full host path. */
static void test_mountinfo_container_root(void **state) {
    (void)state;
    ms__cg_mount v2, v1;
    mountinfo_of(LIT("1050 1040 0:30 /docker/abc /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,"
                     "relatime master:15 - cgroup cgroup rw,memory\n"
                     "1051 1040 0:31 /docker/abc /sys/fs/cgroup/unified ro,nosuid,nodev,noexec,"
                     "relatime - cgroup2 cgroup2 rw\n"), &v2, &v1);
    assert_int_equal(v1.found, 1);
    assert_string_equal(v1.root, "/docker/abc");
    assert_string_equal(v1.point, "/sys/fs/cgroup/memory");
    assert_int_equal(v2.found, 1);
    assert_string_equal(v2.root, "/docker/abc");
    assert_string_equal(v2.point, "/sys/fs/cgroup/unified");

    char p2[64], p1[64];
    assert_int_equal(self_cgroup_of(LIT("5:memory:/docker/abc/sub\n0::/docker/abc/sub\n"),
                                    p2, sizeof p2, p1, sizeof p1), 3);
    assert_string_equal(p1, "/docker/abc/sub");
    assert_string_equal(p2, "/docker/abc/sub");
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void test_mountinfo_escaped_point(void **state) {
    (void)state;
    ms__cg_mount v2, v1;
    mountinfo_of(LIT("30 25 0:26 /a\\040b /sys/fs/cgroup\\040x rw,relatime - cgroup2 cgroup2 rw\n"
                     "31 25 0:27 / /mnt/back\\134slash\\011tab rw - cgroup cgroup rw,memory\n"),
                 &v2, &v1);
    assert_int_equal(v2.found, 1);
    assert_string_equal(v2.point, "/sys/fs/cgroup x");
    assert_string_equal(v2.root, "/a b");
    assert_int_equal(v1.found, 1);
    assert_string_equal(v1.point, "/mnt/back\\slash\ttab");
}

static void test_mountinfo_first_mount_wins_and_misses(void **state) {
    (void)state;
    ms__cg_mount v2, v1;
    mountinfo_of(LIT("26 25 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                     "90 25 0:23 / /other rw - cgroup2 cgroup2 rw\n"), &v2, &v1);
    assert_int_equal(v2.found, 1);
    assert_string_equal(v2.point, "/sys/fs/cgroup");
    assert_int_equal(v1.found, 0);
    /* "cgroup2" is not "cgroup", "memory" only in the per-mount options is not the memory
       controller, nor is an option that only starts or ends with "memory", a line without
       " - " is not a mount */
    mountinfo_of(LIT("35 31 0:32 / /a rw,memory - cgroup cgroup rw,cpu\n"
                     "38 31 0:35 / /d rw - cgroup cgroup rw,memoryx,xmemory\n"
                     "36 31 0:33 / /b rw - cgroup2x cgroup2 rw\n"
                     "37 31 0:34 / /c rw cgroup cgroup rw,memory\n"), &v2, &v1);
    assert_int_equal(v2.found, 0);
    assert_int_equal(v1.found, 0);
    mountinfo_of("", 0, &v2, &v1);
    assert_int_equal(v2.found, 0);
    assert_int_equal(v1.found, 0);
}

static void test_self_cgroup_edges(void **state) {
    (void)state;
    char p2[8], p1[8];
    /* an unterminated last line may be cut: ignored */
    assert_int_equal(self_cgroup_of(LIT("4:memory:/a\n0::/longer"), p2, sizeof p2, p1, sizeof p1), 2);
    assert_string_equal(p1, "/a");
    /* a path that does not fit is not reported (7 characters + NUL fit in 8) */
    assert_int_equal(self_cgroup_of(LIT("0::/abcdef\n4:memory:/abcdefg\n"),
                                    p2, sizeof p2, p1, sizeof p1), 1);
    assert_string_equal(p2, "/abcdef");
    /* "10::/x" is not the v2 line; a path with ':' is kept whole */
    assert_int_equal(self_cgroup_of(LIT("10::/x\n0::/a:b\n"), p2, sizeof p2, p1, sizeof p1), 1);
    assert_string_equal(p2, "/a:b");
    assert_int_equal(self_cgroup_of("", 0, p2, sizeof p2, p1, sizeof p1), 0);
}

/* Every cut of mountinfo and /proc/self/cgroup: what is found is what the whole file gives. */
static void test_mountinfo_and_self_cgroup_every_prefix(void **state) {
    (void)state;
    size_t n = sizeof MOUNTINFO_HYBRID - 1;
    for (size_t k = 0; k <= n; k++) {
        ms__cg_mount v2, v1;
        mountinfo_of(MOUNTINFO_HYBRID, k, &v2, &v1);
        if (v2.found) assert_string_equal(v2.point, "/sys/fs/cgroup/unified");
        if (v1.found) assert_string_equal(v1.point, "/sys/fs/cgroup/memory");
        if (k == n) assert_true(v1.found && v2.found);
    }
    n = sizeof SELF_CGROUP_HYBRID - 1;
    for (size_t k = 0; k <= n; k++) {
        char p2[64], p1[64];
        int r = self_cgroup_of(SELF_CGROUP_HYBRID, k, p2, sizeof p2, p1, sizeof p1);
        if (r & 1) assert_string_equal(p2, "/");
        if (r & 2) assert_string_equal(p1, "/process_api/6fbc");
        if (k == n) assert_int_equal(r, 3);
    }
}

/* ========================= cgroup limit files over a fake tree ========================= */

static ms__cg_mount mount_at(const char *point, const char *root) {
    ms__cg_mount m;
    memset(&m, 0, sizeof m);
    mst_fmt(m.point, sizeof m.point, "%s", point);
    mst_fmt(m.root, sizeof m.root, "%s", root);
    m.found = 1;
    return m;
}

/* The smallest limit over the files that exist, each read with open/read into an exact-size
   buffer; *nread counts the files read and parsed. */
static uint64_t chain_limit(char files[][MS__PATH_MAX], int nf, int *nread) {
    uint64_t lim = UINT64_MAX;
    *nread = 0;
    for (int i = 0; i < nf; i++) {
        int fd = open(files[i], O_RDONLY);
        if (fd < 0) continue;
        char buf[128];
        ssize_t got = read(fd, buf, sizeof buf);
        close(fd);
        assert_true(got > 0);
        uint64_t l;
        if (limit_of(buf, (size_t)got, &l)) {
            (*nread)++;
            if (l < lim) lim = l;
        }
    }
    return lim;
}

static void assert_file_list(char files[][MS__PATH_MAX], int nf, const char *prefix,
                             const char *const *expected, int nexp) {
    assert_int_equal(nf, nexp);
    for (int i = 0; i < nexp; i++) {
        char want[MS__PATH_MAX];
        mst_fmt(want, sizeof want, "%s%s", prefix, expected[i]);
        assert_string_equal(files[i], want);
    }
}

/* cgroup v2: inner "max", parent 1 GiB, no memory.max at the root (the kernel has none there). */
static void test_limit_files_v2_chain(void **state) {
    (void)state;
    char prefix[MST_PATH_MAX], path[MST_PATH_MAX];
    fresh_dir(prefix, sizeof prefix, "cg-v2");
    mst_fmt(path, sizeof path, "%s/sys/fs/cgroup/a/b/memory.max", prefix);
    write_text(path, "max\n");
    mst_fmt(path, sizeof path, "%s/sys/fs/cgroup/a/memory.max", prefix);
    write_text(path, "1073741824\n");

    /* the mount and the path come from the parsers */
    ms__cg_mount v2, v1;
    mountinfo_of(LIT("26 25 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"), &v2, &v1);
    char p2[64], p1[64];
    assert_int_equal(self_cgroup_of(LIT("0::/a/b\n"), p2, sizeof p2, p1, sizeof p1), 1);

    static char files[MS__CG_MAX_FILES][MS__PATH_MAX];
    int nf = ms__cgroup_limit_files(prefix, &v2, p2, "memory.max", files, MS__CG_MAX_FILES);
    static const char *const want[] = {"/sys/fs/cgroup/a/b/memory.max", "/sys/fs/cgroup/a/memory.max",
                                       "/sys/fs/cgroup/memory.max"};
    assert_file_list(files, nf, prefix, want, 3);
    int nread;
    assert_int_equal(chain_limit(files, nf, &nread), GIB);
    assert_int_equal(nread, 2);

    /* every level "max": no limit */
    mst_fmt(path, sizeof path, "%s/sys/fs/cgroup/a/memory.max", prefix);
    write_text(path, "max\n");
    assert_int_equal(chain_limit(files, nf, &nread), UINT64_MAX);
    assert_int_equal(nread, 2);
}

/* cgroup v1 hybrid (mount and path from the hybrid fixtures): "unlimited" at the top and
   the parent, 256 MiB on the process's own cgroup. */
static void test_limit_files_v1_chain(void **state) {
    (void)state;
    char prefix[MST_PATH_MAX], path[MST_PATH_MAX];
    fresh_dir(prefix, sizeof prefix, "cg-v1");
    mst_fmt(path, sizeof path, "%s/sys/fs/cgroup/memory/memory.limit_in_bytes", prefix);
    write_text(path, "9223372036854771712\n");
    mst_fmt(path, sizeof path, "%s/sys/fs/cgroup/memory/process_api/memory.limit_in_bytes", prefix);
    write_text(path, "9223372036854771712\n");
    mst_fmt(path, sizeof path, "%s/sys/fs/cgroup/memory/process_api/6fbc/memory.limit_in_bytes",
            prefix);
    write_text(path, "268435456\n");

    ms__cg_mount v2, v1;
    mountinfo_of(LIT(MOUNTINFO_HYBRID), &v2, &v1);
    char p2[64], p1[64];
    assert_int_equal(self_cgroup_of(LIT(SELF_CGROUP_HYBRID), p2, sizeof p2, p1, sizeof p1), 3);

    static char files[MS__CG_MAX_FILES][MS__PATH_MAX];
    int nf = ms__cgroup_limit_files(prefix, &v1, p1, "memory.limit_in_bytes", files,
                                    MS__CG_MAX_FILES);
    static const char *const want[] = {
        "/sys/fs/cgroup/memory/process_api/6fbc/memory.limit_in_bytes",
        "/sys/fs/cgroup/memory/process_api/memory.limit_in_bytes",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    assert_file_list(files, nf, prefix, want, 3);
    int nread;
    assert_int_equal(chain_limit(files, nf, &nread), 268435456);
    assert_int_equal(nread, 3);

    /* the v2 side of the hybrid: process at "/" of the controller-less unified mount, one
       file at the mount point, which does not exist there */
    nf = ms__cgroup_limit_files(prefix, &v2, p2, "memory.max", files, MS__CG_MAX_FILES);
    static const char *const want2[] = {"/sys/fs/cgroup/unified/memory.max"};
    assert_file_list(files, nf, prefix, want2, 1);
    assert_int_equal(chain_limit(files, nf, &nread), UINT64_MAX);
    assert_int_equal(nread, 0);
}

/* The mount root is stripped from the cgroup path; a path outside the root sees only the top. */
static void test_limit_files_container_root(void **state) {
    (void)state;
    char prefix[MST_PATH_MAX], path[MST_PATH_MAX];
    fresh_dir(prefix, sizeof prefix, "cg-container");
    mst_fmt(path, sizeof path, "%s/sys/fs/cgroup/memory/memory.limit_in_bytes", prefix);
    write_text(path, "536870912\n");
    mst_fmt(path, sizeof path, "%s/sys/fs/cgroup/memory/sub/memory.limit_in_bytes", prefix);
    write_text(path, "9223372036854771712\n");

    ms__cg_mount m = mount_at("/sys/fs/cgroup/memory", "/docker/abc");
    static char files[MS__CG_MAX_FILES][MS__PATH_MAX];
    int nf = ms__cgroup_limit_files(prefix, &m, "/docker/abc/sub", "memory.limit_in_bytes", files,
                                    MS__CG_MAX_FILES);
    static const char *const want[] = {"/sys/fs/cgroup/memory/sub/memory.limit_in_bytes",
                                       "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    assert_file_list(files, nf, prefix, want, 2);
    int nread;
    assert_int_equal(chain_limit(files, nf, &nread), 536870912);
    assert_int_equal(nread, 2);

    static const char *const top[] = {"/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    /* the cgroup is the mount root itself */
    nf = ms__cgroup_limit_files(prefix, &m, "/docker/abc", "memory.limit_in_bytes", files,
                                MS__CG_MAX_FILES);
    assert_file_list(files, nf, prefix, top, 1);
    /* a sibling whose name starts like the root is outside it */
    nf = ms__cgroup_limit_files(prefix, &m, "/docker/abcdef/x", "memory.limit_in_bytes", files,
                                MS__CG_MAX_FILES);
    assert_file_list(files, nf, prefix, top, 1);
}

static void test_limit_files_edges(void **state) {
    (void)state;
    static char files[MS__CG_MAX_FILES][MS__PATH_MAX];
    ms__cg_mount m = mount_at("/sys/fs/cgroup", "/");
    /* at the root of the hierarchy: only the mount point's file */
    static const char *const top[] = {"/sys/fs/cgroup/memory.max"};
    int nf = ms__cgroup_limit_files("", &m, "/", "memory.max", files, MS__CG_MAX_FILES);
    assert_file_list(files, nf, "", top, 1);
    /* a trailing slash and doubled slashes do not add levels */
    nf = ms__cgroup_limit_files("/p", &m, "/a//b/", "memory.max", files, MS__CG_MAX_FILES);
    static const char *const ab[] = {"/sys/fs/cgroup/a//b/memory.max", "/sys/fs/cgroup/a/memory.max",
                                     "/sys/fs/cgroup/memory.max"};
    assert_file_list(files, nf, "/p", ab, 3);
    /* a tree deeper than max keeps its innermost and outermost levels, where limits are set */
    nf = ms__cgroup_limit_files("", &m, "/a/b/c", "memory.max", files, 2);
    static const char *const two[] = {"/sys/fs/cgroup/a/b/c/memory.max",
                                      "/sys/fs/cgroup/memory.max"};
    assert_file_list(files, nf, "", two, 2);
    nf = ms__cgroup_limit_files("", &m, "/a/b/c", "memory.max", files, 3);
    static const char *const three[] = {"/sys/fs/cgroup/a/b/c/memory.max", "/sys/fs/cgroup/a/memory.max",
                                        "/sys/fs/cgroup/memory.max"};
    assert_file_list(files, nf, "", three, 3);
    /* no mount, no path */
    assert_int_equal(ms__cgroup_limit_files("", &m, "", "memory.max", files, MS__CG_MAX_FILES), 0);
    m.found = 0;
    assert_int_equal(ms__cgroup_limit_files("", &m, "/a", "memory.max", files, MS__CG_MAX_FILES), 0);
}

/* ========================= rates ========================= */

static void test_rate(void **state) {
    (void)state;
    assert_int_equal(ms__rate(0, 1000, 500000000u), 2000);      /* 1000 bytes in 0.5 s */
    assert_int_equal(ms__rate(5000, 6000, 1000000000u), 1000);
    assert_int_equal(ms__rate(1000, 999, 1000000000u), 0);      /* went backwards */
    assert_int_equal(ms__rate(1000, 2000, 0), 0);               /* no time passed */
    assert_int_equal(ms__rate(7, 7, 1000000000u), 0);
    assert_int_equal(ms__rate(0, 1, 3000000000u), 0);           /* 0.333 rounds down */
    assert_int_equal(ms__rate(0, 2, 3000000000u), 1);           /* 0.667 rounds up */
    assert_int_equal(ms__rate(0, 1, 2000000000u), 1);           /* 0.5 rounds up */
    assert_int_equal(ms__rate(0, 1000000000000u, 1000000000u), 1000000000000u);
    assert_int_equal(ms__rate(0, 3, 100000000u), 30);           /* 3 bytes in 0.1 s */
}

/* Per-interface deltas: one interface vanishing, appearing or resetting leaves the others'
   bytes intact (a sum over all interfaces would go backwards and lose the interval). */
static void test_net_delta_per_interface(void **state) {
    (void)state;
    const char *before =
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
        "    lo: 9000 1 0 0 0 0 0 0 9000 1 0 0 0 0 0 0\n"
        "  eth0: 1000 1 0 0 0 0 0 0 2000 1 0 0 0 0 0 0\n"
        " veth1: 500000 1 0 0 0 0 0 0 700000 1 0 0 0 0 0 0\n"
        " wlan0: 300 1 0 0 0 0 0 0 400 1 0 0 0 0 0 0\n";
    const char *after = /* veth1 gone, wlan0 reset, new veth2, eth0 +500/+800, order changed */
        "Inter-|   Receive                                                |  Transmit\n"
        " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
        "    lo: 9900 1 0 0 0 0 0 0 9900 1 0 0 0 0 0 0\n"
        " wlan0: 10 1 0 0 0 0 0 0 20 1 0 0 0 0 0 0\n"
        "  eth0: 1500 1 0 0 0 0 0 0 2800 1 0 0 0 0 0 0\n"
        " veth2: 77777 1 0 0 0 0 0 0 88888 1 0 0 0 0 0 0\n";
    ms__netif a[8], b[8];
    size_t na = 0, nb = 0;
    assert_int_equal(ms__parse_netdev_list(before, strlen(before), a, 8, &na), 1);
    assert_int_equal(ms__parse_netdev_list(after, strlen(after), b, 8, &nb), 1);
    assert_int_equal(na, 3); /* lo skipped */
    assert_int_equal(nb, 3);
    uint64_t drx = 1, dtx = 1;
    ms__net_delta(a, na, b, nb, &drx, &dtx);
    assert_int_equal(drx, 500);
    assert_int_equal(dtx, 800);
    /* the sum over interfaces went backwards here: the aggregate would report nothing */
    uint64_t r0, t0, r1, t1;
    unsigned i0, i1;
    assert_int_equal(ms__parse_netdev(before, strlen(before), &r0, &t0, &i0), 1);
    assert_int_equal(ms__parse_netdev(after, strlen(after), &r1, &t1, &i1), 1);
    assert_true(r1 < r0 && t1 < t0);
    /* nothing before: no baseline, no bytes */
    ms__net_delta(NULL, 0, b, nb, &drx, &dtx);
    assert_int_equal(drx, 0);
    assert_int_equal(dtx, 0);
    /* a list that is too small reports the real count so the caller can grow it */
    size_t n1 = 0;
    assert_int_equal(ms__parse_netdev_list(before, strlen(before), a, 1, &n1), 1);
    assert_int_equal(n1, 3);
}

/* ========================= amdgpu over a fake /sys/class/drm ========================= */

static void fake_card(const char *drm, const char *card, const char *busy, const char *used,
                      const char *total) {
    char path[MST_PATH_MAX];
    mst_fmt(path, sizeof path, "%s/%s", drm, card);
    assert_int_equal(mst_mkdirs(path), 0);
    if (busy) {
        mst_fmt(path, sizeof path, "%s/%s/device/gpu_busy_percent", drm, card);
        write_text(path, busy);
    }
    if (used) {
        mst_fmt(path, sizeof path, "%s/%s/device/mem_info_vram_used", drm, card);
        write_text(path, used);
    }
    if (total) {
        mst_fmt(path, sizeof path, "%s/%s/device/mem_info_vram_total", drm, card);
        write_text(path, total);
    }
}

static void close_gpus(ms__amd_gpu *g, unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        ms__pfile_close(&g[i].busy, 1);
        ms__pfile_close(&g[i].used, 1);
        ms__pfile_close(&g[i].total, 1);
    }
}

static void test_amd_two_cards(void **state) {
    (void)state;
    assert_int_equal(ms__mon.n_nvml, 0); /* no NVML device mixed in */
    char drm[MST_PATH_MAX];
    fresh_dir(drm, sizeof drm, "drm-two");
    fake_card(drm, "card0", "40\n", "1073741824\n", "8589934592\n");
    fake_card(drm, "card1", "60\n", "2147483648\n", "17179869184\n");
    /* connectors and render nodes look like cards but are not: all would shift the sums */
    fake_card(drm, "card0-DP-1", "99\n", "999\n", "1000\n");
    fake_card(drm, "renderD128", "99\n", "999\n", "1000\n");
    fake_card(drm, "card", "99\n", "999\n", "1000\n");
    fake_card(drm, "card2", NULL, NULL, NULL); /* a card without amdgpu files */

    ms__amd_gpu g[MS__MAX_GPUS];
    unsigned n = ms__amd_scan(drm, g, MS__MAX_GPUS);
    assert_int_equal(n, 2);
    uint32_t avail = 0xffffffffu;
    double usage = -1;
    uint64_t used = 1, total = 1;
    ms__gpu_read(g, n, &avail, &usage, &used, &total);
    assert_int_equal(avail, MEMSCOPE_METRIC_GPU_USAGE | MEMSCOPE_METRIC_GPU_MEMORY);
    assert_double_near(usage, 50.0, 0);
    assert_int_equal(used, 3 * GIB);
    assert_int_equal(total, 24 * GIB);
    /* a second read re-reads the same open files */
    ms__gpu_read(g, n, &avail, &usage, &used, &total);
    assert_double_near(usage, 50.0, 0);
    assert_int_equal(total, 24 * GIB);
    close_gpus(g, n);

    /* max bounds the scan */
    n = ms__amd_scan(drm, g, 1);
    assert_int_equal(n, 1);
    close_gpus(g, n);
}

/* Usage is the mean over the GPUs that report it, memory the sum over those reporting both
   used and total; a busy value over 100 or a zero total is not a reading. */
static void test_amd_partial_cards(void **state) {
    (void)state;
    char drm[MST_PATH_MAX];
    fresh_dir(drm, sizeof drm, "drm-partial");
    fake_card(drm, "card0", "70\n", NULL, NULL);                /* busy only */
    fake_card(drm, "card1", NULL, "1073741824\n", "4294967296\n"); /* memory only */
    fake_card(drm, "card2", "101\n", "5\n", "0\n");             /* neither is valid */
    fake_card(drm, "card3", NULL, "1073741824\n", NULL);        /* used without total: skipped */

    ms__amd_gpu g[MS__MAX_GPUS];
    unsigned n = ms__amd_scan(drm, g, MS__MAX_GPUS);
    assert_int_equal(n, 3);
    uint32_t avail = 0;
    double usage = -1;
    uint64_t used = 1, total = 1;
    ms__gpu_read(g, n, &avail, &usage, &used, &total);
    assert_int_equal(avail, MEMSCOPE_METRIC_GPU_USAGE | MEMSCOPE_METRIC_GPU_MEMORY);
    assert_double_near(usage, 70.0, 0);
    assert_int_equal(used, GIB);
    assert_int_equal(total, 4 * GIB);
    close_gpus(g, n);
}

static void test_amd_no_cards(void **state) {
    (void)state;
    char drm[MST_PATH_MAX];
    fresh_dir(drm, sizeof drm, "drm-empty");
    ms__amd_gpu g[MS__MAX_GPUS];
    assert_int_equal(ms__amd_scan(drm, g, MS__MAX_GPUS), 0);
    uint32_t avail = 0xffffffffu;
    double usage = -1;
    uint64_t used = 1, total = 1;
    ms__gpu_read(g, 0, &avail, &usage, &used, &total);
    assert_int_equal(avail, 0);
    assert_double_near(usage, -1.0, 0); /* untouched when not measured */
    assert_int_equal(used, 1);
    assert_int_equal(total, 1);
    /* a missing directory */
    char missing[MST_PATH_MAX];
    mst_fmt(missing, sizeof missing, "%s/does-not-exist", drm);
    assert_int_equal(ms__amd_scan(missing, g, MS__MAX_GPUS), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat_normal_line),
        cmocka_unit_test(test_stat_command_names_with_spaces_and_parentheses),
        cmocka_unit_test(test_stat_negative_priority_and_nice),
        cmocka_unit_test(test_stat_gvisor_line),
        cmocka_unit_test(test_stat_ends_after_field_24),
        cmocka_unit_test(test_stat_rejects_cut_empty_and_malformed),
        cmocka_unit_test(test_stat_every_prefix),
        cmocka_unit_test(test_statm),
        cmocka_unit_test(test_io_full_kernel_file),
        cmocka_unit_test(test_io_cancelled_bytes),
        cmocka_unit_test(test_io_missing_or_cut_required_keys),
        cmocka_unit_test(test_io_cut_inside_optional_cancelled),
        cmocka_unit_test(test_io_every_prefix),
        cmocka_unit_test(test_netdev_real_layout),
        cmocka_unit_test(test_netdev_only_lo),
        cmocka_unit_test(test_netdev_counters_glued_to_colon),
        cmocka_unit_test(test_netdev_gvisor_layout),
        cmocka_unit_test(test_netdev_rejects_malformed),
        cmocka_unit_test(test_netdev_many_interfaces),
        cmocka_unit_test(test_netdev_cut_in_counters_fails),
        cmocka_unit_test(test_netdev_cut_in_name_fails),
        cmocka_unit_test(test_netdev_every_prefix),
        cmocka_unit_test(test_meminfo),
        cmocka_unit_test(test_meminfo_every_prefix),
        cmocka_unit_test(test_cpu_stat),
        cmocka_unit_test(test_cpu_stat_rejects),
        cmocka_unit_test(test_cpu_stat_every_prefix),
        cmocka_unit_test(test_cgroup_limit_values),
        cmocka_unit_test(test_mountinfo_pure_v2),
        cmocka_unit_test(test_mountinfo_hybrid_v1),
        cmocka_unit_test(test_mountinfo_v1_comounted),
        cmocka_unit_test(test_mountinfo_container_root),
        cmocka_unit_test(test_mountinfo_escaped_point),
        cmocka_unit_test(test_mountinfo_first_mount_wins_and_misses),
        cmocka_unit_test(test_self_cgroup_edges),
        cmocka_unit_test(test_mountinfo_and_self_cgroup_every_prefix),
        cmocka_unit_test(test_limit_files_v2_chain),
        cmocka_unit_test(test_limit_files_v1_chain),
        cmocka_unit_test(test_limit_files_container_root),
        cmocka_unit_test(test_limit_files_edges),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_net_delta_per_interface),
        cmocka_unit_test(test_amd_two_cards),
        cmocka_unit_test(test_amd_partial_cards),
        cmocka_unit_test(test_amd_no_cards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
