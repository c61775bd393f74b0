/* ms_test.h - helpers shared by the cmocka tests of memscope.h (test code only).
 *
 * Include after memscope.h and <cmocka.h>. Every helper is static inline so a test program that
 * does not use one gets no -Wunused-function warning. Output files go under
 * $MEMSCOPE_TEST_OUT (default build/test-out), one subfolder per test program.
 * JSON is checked by tests/check_json.py (python3, stdlib json), run with the repo root as cwd.
 */
#ifndef MS_TEST_H
#define MS_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MST_PATH_MAX 1024

/* snprintf that fails the test on truncation (and keeps -Wformat-truncation quiet). */
#define mst_fmt(buf, n, ...)                                                                     \
    do {                                                                                         \
        int mst_w_ = snprintf((buf), (n), __VA_ARGS__);                                          \
        if (mst_w_ < 0 || (size_t)mst_w_ >= (size_t)(n)) {                                       \
            print_error("%s:%d: formatted text too long for its buffer\n", __FILE__, __LINE__);  \
            fail();                                                                              \
        }                                                                                        \
    } while (0)

static inline uint32_t mst_gettid(void) { return (uint32_t)syscall(SYS_gettid); }

static inline const char *mst_out_root(void) {
    const char *root = getenv("MEMSCOPE_TEST_OUT");
    return (root && *root) ? root : "build/test-out";
}

/* mkdir -p; returns 0 when the directory exists afterwards. */
static inline int mst_mkdirs(const char *path) {
    char buf[MST_PATH_MAX];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '/') continue;
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        buf[i] = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    return 0;
}

static inline int mst__rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

/* rm -rf; missing path is fine. */
static inline void mst_rm_rf(const char *path) {
    (void)nftw(path, mst__rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* $OUT/<sub>, created. */
static inline const char *mst_out_dir(char *buf, size_t n, const char *sub) {
    mst_fmt(buf, n, "%s/%s", mst_out_root(), sub);
    if (mst_mkdirs(buf) != 0) {
        print_error("cannot create output directory %s: %s\n", buf, strerror(errno));
        fail();
    }
    return buf;
}

/* $OUT/<sub>/<name>, the folder created, any old file removed. */
static inline const char *mst_out_path(char *buf, size_t n, const char *sub, const char *name) {
    char dir[MST_PATH_MAX];
    mst_out_dir(dir, sizeof dir, sub);
    mst_fmt(buf, n, "%s/%s", dir, name);
    (void)unlink(buf);
    return buf;
}

static inline int mst_file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Reads up to n-1 bytes, NUL-terminates; returns bytes read or -1. */
static inline long mst_read_file(const char *path, char *buf, size_t n) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
    return (long)got;
}

/* Runs argv (PATH lookup), stdout captured into out (may be NULL). Returns the exit status,
   or -1 when it could not run or was killed by a signal. */
static inline int mst_run_to(char *const argv[], char *out, size_t outn, int with_stderr);
static inline int mst_run(char *const argv[], char *out, size_t outn) { return mst_run_to(argv, out, outn, 0); }
/* The same with stderr captured too (after stdout's text, interleaved as written). */
static inline int mst_run_both(char *const argv[], char *out, size_t outn) { return mst_run_to(argv, out, outn, 1); }
static inline int mst_run_to(char *const argv[], char *out, size_t outn, int with_stderr) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    if (with_stderr) posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    fflush(stdout);
    fflush(stderr);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return -1;
    }
    size_t used = 0;
    char sink[4096];
    for (;;) {
        char *dst = sink;
        size_t room = sizeof sink;
        if (out && outn > used + 1) {
            dst = out + used;
            room = outn - used - 1;
        }
        ssize_t r = read(fds[0], dst, room);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (dst != sink) used += (size_t)r;
    }
    close(fds[0]);
    if (out && outn) out[used] = '\0';
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* 0 when every expression is truthy for the strict JSON in path (see tests/check_json.py). */
static inline int mst_json_check(const char *path, const char *const *exprs, size_t n) {
    char *argv[40];
    size_t k = 0;
    argv[k++] = (char *)"python3";
    argv[k++] = (char *)"tests/check_json.py";
    argv[k++] = (char *)path;
    for (size_t i = 0; i < n && k < 39; i++) argv[k++] = (char *)exprs[i];
    argv[k] = NULL;
    return mst_run(argv, NULL, 0);
}

/* json.dumps(EXPR, ensure_ascii=True) into out; returns check_json.py's exit status. */
static inline int mst_json_get(const char *path, const char *expr, char *out, size_t n) {
    char *argv[] = {(char *)"python3", (char *)"tests/check_json.py", (char *)path,
                    (char *)"--get", (char *)expr, NULL};
    return mst_run(argv, out, n);
}

/* assert_json(path, "expr", ...): every Python expression over d/raw must be truthy. */
#define assert_json(path, ...)                                                                   \
    do {                                                                                         \
        const char *const mst_exprs_[] = {__VA_ARGS__};                                          \
        assert_int_equal(mst_json_check((path), mst_exprs_,                                      \
                                        sizeof mst_exprs_ / sizeof mst_exprs_[0]), 0);            \
    } while (0)

/* assert_json_get(path, "expr", "expected json.dumps text") */
#define assert_json_get(path, expr, expected)                                                    \
    do {                                                                                         \
        char mst_got_[65536];                                                                    \
        assert_int_equal(mst_json_get((path), (expr), mst_got_, sizeof mst_got_), 0);            \
        if (strcmp(mst_got_, (expected)) != 0) {                                                 \
            print_error("%s: %s\n  got      %s\n  expected %s\n", (path), (expr), mst_got_,      \
                        (expected));                                                             \
            fail();                                                                              \
        }                                                                                        \
    } while (0)

static inline double mst_fabs(double x) { return x < 0 ? -x : x; }

#define assert_double_near(a, b, tol)                                                            \
    do {                                                                                         \
        double mst_a_ = (double)(a), mst_b_ = (double)(b);                                       \
        if (!(mst_fabs(mst_a_ - mst_b_) <= (double)(tol))) {                                     \
            print_error("%s = %.17g, expected %s = %.17g (tolerance %g)\n", #a, mst_a_, #b,      \
                        mst_b_, (double)(tol));                                                  \
            fail();                                                                              \
        }                                                                                        \
    } while (0)

/* |kept - n*p| <= 5 sigma of Binomial(n, p), compared squared (no libm). */
static inline int mst_within_5_sigma(size_t kept, size_t n, double p) {
    double mean = (double)n * p;
    double var = (double)n * p * (1.0 - p);
    double dev = (double)kept - mean;
    return dev * dev <= 25.0 * var;
}

#define assert_within_5_sigma(kept, n, p)                                                        \
    do {                                                                                         \
        if (!mst_within_5_sigma((kept), (n), (p))) {                                             \
            print_error("kept %zu of %zu at rate %g: outside 5 sigma of %g\n", (size_t)(kept),   \
                        (size_t)(n), (double)(p), (double)(n) * (p));                            \
            fail();                                                                              \
        }                                                                                        \
    } while (0)

/* Thread stats entry for an OS thread id, or NULL. */
static inline const memscope_thread_stats *mst_find_thread(const memscope_report *r, uint32_t tid) {
    for (size_t i = 0; i < r->thread_count; i++)
        if (r->threads[i].thread_id == tid) return &r->threads[i];
    return NULL;
}

/* Hotspot with that var_name, or NULL. */
static inline const memscope_hotspot *mst_find_hotspot(const memscope_report *r, const char *name) {
    for (size_t i = 0; i < r->hotspot_count; i++)
        if (r->hotspots[i].var_name && strcmp(r->hotspots[i].var_name, name) == 0)
            return &r->hotspots[i];
    return NULL;
}

/* Shared by the exporters' tests: NULL tracker, NULL and empty paths are INVALID_ARG, an
   unwritable path is IO, and memscope_export (by extension) atomically replaces an existing
   file with one that starts with `magic`. */
typedef memscope_result (*mst_export_fn)(memscope_tracker *t, const char *path);
static inline void mst_check_export_errors(mst_export_fn fn, const char *ext, const char *magic, size_t magic_len) {
    memscope_tracker *t = memscope_new();
    char path[MST_PATH_MAX], name[64], buf[64];
    mst_fmt(path, sizeof path, "/proc/memscope-cannot/x.%s", ext);
    assert_int_equal(fn(NULL, "x.out"), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(fn(t, NULL), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(fn(t, ""), MEMSCOPE_ERR_INVALID_ARG);
    assert_int_equal(fn(t, path), MEMSCOPE_ERR_IO);
    mst_fmt(name, sizeof name, "replace.%s", ext);
    mst_out_path(path, sizeof path, ext, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old", f);
    fclose(f);
    assert_int_equal(memscope_export(t, path), MEMSCOPE_OK);
    assert_true(mst_read_file(path, buf, sizeof buf) >= (long)magic_len);
    assert_memory_equal(buf, magic, magic_len);
    memscope_destroy(t);
}

/* ---- a threaded workload shared by the export tests ----
   n named threads (prefix0, prefix1, ...) each make `iters` allocations of varied sizes through a
   two-frame call chain (so captured stacks have depth), free them at once except every
   keep_every-th, which stays live (leaks in the report). mst_workload_release frees the first
   `share` of the kept blocks from the calling thread (cross-thread frees), with UNTRACK;
   mst_workload_free frees the rest without UNTRACK (after the tracker's last export). */
#define MST_WORKERS 8
typedef struct mst_worker {
    memscope_tracker *t;
    int id, iters, keep_every, nkept, released;
    const char *prefix;
    char **kept;
} mst_worker;
typedef struct mst_workload { mst_worker w[MST_WORKERS]; int n; } mst_workload;

static __attribute__((noinline, unused)) void mst__leaf_alloc(memscope_tracker *t, char **out, size_t n) {
    *out = (char *)malloc(n);
    TRACK(t, *out);
}
static __attribute__((noinline, unused)) void mst__mid_alloc(memscope_tracker *t, char **out, size_t n) {
    mst__leaf_alloc(t, out, n);
    __asm__ __volatile__("" ::: "memory");
}

static inline void *mst__worker(void *p) {
    mst_worker *a = (mst_worker *)p;
    char name[16];
    snprintf(name, sizeof name, "%s%d", a->prefix, a->id);
    pthread_setname_np(pthread_self(), name);
    for (int i = 0; i < a->iters; i++) {
        char *b;
        mst__mid_alloc(a->t, &b, (size_t)(8 + (i * 37) % 500));
        if (i % a->keep_every) { UNTRACK(a->t, b); free(b); }
        else a->kept[a->nkept++] = b;
    }
    return NULL;
}

static inline void mst_workload_run(mst_workload *wl, memscope_tracker *t, int n, int iters, int keep_every,
                                    const char *prefix) {
    pthread_t th[MST_WORKERS];
    memset(wl, 0, sizeof *wl);
    wl->n = n < MST_WORKERS ? n : MST_WORKERS;
    for (int i = 0; i < wl->n; i++) {
        mst_worker *a = &wl->w[i];
        a->t = t; a->id = i; a->iters = iters; a->keep_every = keep_every; a->prefix = prefix;
        a->kept = (char **)calloc((size_t)(iters / keep_every + 1), sizeof *a->kept);
        assert_non_null(a->kept);
        assert_int_equal(pthread_create(&th[i], NULL, mst__worker, a), 0);
    }
    for (int i = 0; i < wl->n; i++) pthread_join(th[i], NULL);
}

static inline void mst_workload_release(mst_workload *wl, memscope_tracker *t, double share) {
    for (int i = 0; i < wl->n; i++) {
        mst_worker *a = &wl->w[i];
        int k = (int)(a->nkept * share);
        for (; a->released < k; a->released++) { UNTRACK(t, a->kept[a->released]); free(a->kept[a->released]); }
    }
}

static inline void mst_workload_free(mst_workload *wl) {
    for (int i = 0; i < wl->n; i++) {
        for (int k = wl->w[i].released; k < wl->w[i].nkept; k++) free(wl->w[i].kept[k]);
        free(wl->w[i].kept);
    }
}

#endif /* MS_TEST_H */
