/* tests/unwind/test_unwind.c -- memscope.h's DWARF unwinder (the >>unwind section:
 * ms__cfi_walk, ms__cfi_here, ms__cfi_flush, ms__cfi_fork_child) against glibc backtrace().
 * Ported from the standalone cfi.h tests; this translation unit compiles memscope.h's own
 * copy of the unwinder (MEMSCOPE_IMPLEMENTATION; the monitor and the exporters are compiled
 * out only to save build time: the >>unwind section depends on none of them).
 *
 * Alignment: check_here() calls backtrace() and ms__cfi_here() from the same
 * function. backtrace()'s list starts with the return address into its caller
 * (check_here, or a sanitizer interceptor of backtrace), ours starts with the
 * return address into check_here from a different call site. So ours[1] (the
 * return address into check_here's caller) is searched for in bt[0..4]; from
 * there on both lists must be identical, frame by frame, and must end at the
 * same frame (unless one of them was truncated by max).
 *
 * usage: test_unwind [basic|lib|fp|linear|cxx|signal|sigslow|bounds|fork|threads|dl|dlflush|
 *                     garbage|all|dlstale|nomalloc]   (dlstale is informational; nomalloc needs
 *                     libcount_malloc.so linked in; neither is in "all")
 * environment: CFI_SCALE (iterations, percent of the standalone run's; default 100),
 *              CFI_TIME (durations of the timed tests, percent; default 100)
 * prints "ok   NAME [BUILD]: ..." or "FAIL NAME [BUILD]: ..." per test, "note: ..." lines.
 */
#define MEMSCOPE_IMPLEMENTATION
#define MEMSCOPE_NO_MONITOR
#define MEMSCOPE_NO_JSON
#define MEMSCOPE_NO_HTML
#define MEMSCOPE_NO_BINARY
/* with those parts compiled out some of memscope.h's helpers have no caller left */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "memscope.h"
#pragma GCC diagnostic pop

#ifndef MS__CFI
#error "memscope.h compiled without its unwinder (MS__CFI): x86-64 Linux with glibc only"
#endif

#include <dlfcn.h>
#include <execinfo.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* fp_wrapper.c (built with frame pointers, like the library's hooks) reaches this
   translation unit's copy of the unwinder through these: the process has one cache, as a
   program under libmemscope.so has. unwind_here_fn is ms__cfi_here itself, so that an
   indirect call to it from the wrapper adds no frame (skip = 1 skips the wrapper's). */
size_t (*const unwind_here_fn)(uintptr_t, uintptr_t, uintptr_t *, size_t, size_t);
size_t (*const unwind_here_fn)(uintptr_t, uintptr_t, uintptr_t *, size_t, size_t) = ms__cfi_here;
size_t unwind_walk_regs(uintptr_t ip, uintptr_t sp, uintptr_t bp, uintptr_t lo, uintptr_t hi,
                        uintptr_t *out, size_t max);
size_t unwind_walk_regs(uintptr_t ip, uintptr_t sp, uintptr_t bp, uintptr_t lo, uintptr_t hi,
                        uintptr_t *out, size_t max)
{
    ms__cfi_regs r = { ip, sp, bp };
    return ms__cfi_walk(r, lo, hi, out, max);
}

#ifndef BUILD_LABEL
#define BUILD_LABEL "?"
#endif

#define NOINLINE __attribute__((noinline))
#define MAXF 160

typedef unsigned (*cfi_cb)(int depth, uint32_t seed);
unsigned lib_node(int depth, uint32_t seed, cfi_cb cb);                 /* test_lib.c */
size_t fp_wrapper(uintptr_t lo, uintptr_t hi, uintptr_t *out, size_t max,
                  void **bt, int nbt_max, int *nbt);               /* fp_wrapper.c */
unsigned asm_odd(int depth, uint32_t seed, cfi_cb cb);             /* test_asm.S */
unsigned asm_expr(int depth, uint32_t seed, cfi_cb cb);
int cxx_run(int iters, uint32_t seed);                             /* test_cxx.cpp */
int cxx_check(int where);

/* ------------------------------------------------------------------------ */
/* per-thread state                                                          */

enum { MODE_NONE = 0, MODE_HERE = 1, MODE_FP = 2, MODE_WALK = 3 /* walk only (nomalloc) */ };
static _Thread_local uintptr_t t_lo, t_hi;
static _Thread_local int t_mode;
static _Thread_local unsigned (*t_dl_entry)(int, uint32_t, cfi_cb);
static uintptr_t g_main_lo, g_main_hi;

static _Thread_local volatile int g_sink;
#define KEEP(x) __asm__ volatile("" : : "r"(x))
static volatile uint32_t g_vol[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* statistics of the current test */
static pthread_mutex_t g_stat_mu = PTHREAD_MUTEX_INITIALIZER;
static _Atomic unsigned long g_walks, g_frames, g_fail, g_trunc;
#define HSET_BITS 18
static uint64_t g_hset[1u << HSET_BITS];
static unsigned long g_distinct;

static void stats_reset(void)
{
    pthread_mutex_lock(&g_stat_mu);
    memset(g_hset, 0, sizeof g_hset);
    g_distinct = 0;
    pthread_mutex_unlock(&g_stat_mu);
    g_walks = g_frames = g_fail = g_trunc = 0;
}

static void hset_add(const uintptr_t *f, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < n; i++) { h ^= f[i]; h *= 1099511628211ull; h ^= h >> 29; }
    if (!h) h = 1;
    pthread_mutex_lock(&g_stat_mu);
    {
        size_t m = (1u << HSET_BITS) - 1, k = (size_t)h & m, probes = 0;
        while (g_hset[k] && g_hset[k] != h && probes < 64) { k = (k + 1) & m; probes++; }
        if (!g_hset[k]) { g_hset[k] = h; g_distinct++; }
    }
    pthread_mutex_unlock(&g_stat_mu);
}

static void get_stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
    pthread_attr_t a;
    void *addr;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &a) != 0) { perror("pthread_getattr_np"); exit(2); }
    pthread_attr_getstack(&a, &addr, &size);
    pthread_attr_destroy(&a);
    *lo = (uintptr_t)addr;
    *hi = (uintptr_t)addr + size;
}

static void print_frames(const char *what, void *const *f, size_t n)
{
    size_t i;
    char **s = backtrace_symbols(f, (int)n);
    fprintf(stderr, "  %s (%zu):\n", what, n);
    for (i = 0; i < n; i++) fprintf(stderr, "    [%2zu] %p %s\n", i, f[i], s ? s[i] : "");
    free(s);
}

static _Atomic int g_printed;

/* Compares backtrace list bt[0..nb) with ours[from..no). Returns 1 if equal. */
static int compare(const char *tag, void **bt, int nb, const uintptr_t *ours, size_t no, size_t from, size_t maxo,
                   int allow_trunc)
{
    int j, found = -1;
    size_t i, cnt;
    if (no <= from) {
        if (allow_trunc) { g_trunc++; return 1; }
        goto fail;
    }
    for (j = 0; j < 5 && j < nb; j++)
        if ((uintptr_t)bt[j] == ours[from]) { found = j; break; }
    if (found < 0) goto fail;
    cnt = 0;
    for (i = from; i < no && (size_t)found + (i - from) < (size_t)nb; i++, cnt++)
        if ((uintptr_t)bt[(size_t)found + (i - from)] != ours[i]) goto fail;
    /* both must end at the same frame unless a list hit its max */
    {
        size_t rest_bt = (size_t)nb - (size_t)found, rest_ours = no - from;
        if (rest_bt != rest_ours) {
            int bt_full = nb == MAXF, ours_full = no == maxo;
            if (!(rest_bt > rest_ours && ours_full) && !(rest_ours > rest_bt && bt_full)) {
                if (allow_trunc && rest_ours < rest_bt) { g_trunc++; return 1; }
                goto fail;
            }
        }
    }
    g_walks++;
    g_frames += cnt;
    hset_add(ours + from, no - from);
    return 1;
fail:
    g_fail++;
    if (atomic_fetch_add(&g_printed, 1) < 3) {
        fprintf(stderr, "MISMATCH (%s, build %s)\n", tag, BUILD_LABEL);
        print_frames("backtrace", bt, (size_t)nb);
        print_frames("ms__cfi", (void *const *)(const void *)ours, no);
    }
    return 0;
}

static _Atomic int g_in_walk;   /* sigslow: main thread is inside ms__cfi_here */

/* Takes both traces in the same function. */
static NOINLINE int check_here(int allow_trunc)
{
    void *bt[MAXF];
    uintptr_t ours[MAXF];
    int nb = backtrace(bt, MAXF);
    size_t no = ms__cfi_here(t_lo, t_hi, ours, MAXF, 0);
    int ok = compare("here", bt, nb, ours, no, 1, MAXF, allow_trunc);
    __asm__ volatile("" ::: "memory");
    return ok;
}

/* max and skip: results must be prefixes / shifted copies of a full walk. */
static NOINLINE int check_max_skip(uint32_t seed)
{
    uintptr_t full[MAXF], part[MAXF];
    size_t nf = ms__cfi_here(t_lo, t_hi, full, MAXF, 0);
    size_t k = seed % 12, sk = (seed >> 4) % 6, np, i;
    int ok = 1;
    np = ms__cfi_here(t_lo, t_hi, part, k, 0);
    if (np != (k < nf ? k : nf)) ok = 0;
    for (i = 1; i < np && ok; i++) if (part[i] != full[i]) ok = 0;
    np = ms__cfi_here(t_lo, t_hi, part, MAXF, sk);
    if (nf > sk && np != nf - sk) ok = 0;
    for (i = 1; i < np && ok; i++) if (part[i] != full[i + sk]) ok = 0;
    if (sk == 0 && np != nf) ok = 0;
    if (ok) { g_walks++; g_frames += nf; } else {
        g_fail++;
        if (atomic_fetch_add(&g_printed, 1) < 3)
            fprintf(stderr, "MAX/SKIP mismatch k=%zu skip=%zu nf=%zu np=%zu\n", k, sk, nf, np);
    }
    return ok;
}

static NOINLINE int check_fp(void)
{
    void *bt[MAXF];
    uintptr_t ours[MAXF];
    int nb = 0;
    size_t no = fp_wrapper(t_lo, t_hi, ours, MAXF, bt, MAXF, &nb);
    int ok = compare("fp", bt, nb, ours, no, 0, MAXF, 0);
    __asm__ volatile("" ::: "memory");
    return ok;
}

static unsigned long g_cxx_where[5];

int cxx_check(int where)
{
    g_cxx_where[where & 3 ? where & 3 : 4]++;
    return check_here(0);
}

/* ------------------------------------------------------------------------ */
/* The call tree: noinline functions of different frame shapes, chosen by an
   LCG, so the call chain differs from one iteration to the next.            */

static uint32_t lcg(uint32_t s) { return s * 1664525u + 1013904223u; }

static _Thread_local int t_raise_every;
static _Thread_local unsigned long t_walk_frames;
static _Thread_local unsigned t_leaf_count;

static NOINLINE unsigned leaf(uint32_t seed)
{
    t_leaf_count++;
    switch (t_mode) {
    case MODE_HERE:
        if ((seed >> 8) % 16 == 0) return (unsigned)check_max_skip(seed);
        return (unsigned)check_here(0);
    case MODE_FP: return (unsigned)check_fp();
    case MODE_WALK: {
        uintptr_t f[MAXF];
        size_t n = ms__cfi_here(t_lo, t_hi, f, MAXF, 0);
        t_walk_frames += n;
        return (unsigned)n;
    }
    default: {
        unsigned i, s = 0;
        for (i = 0; i < 300; i++) s += (seed >> (i & 15)) ^ i;
        if (t_raise_every && t_leaf_count % (unsigned)t_raise_every == 0) raise(SIGUSR1);
        return s;
    }
    }
}

typedef unsigned (*node_fn)(int depth, uint32_t seed);
static unsigned dispatch(int depth, uint32_t seed);

#define NEXT(d, s) dispatch((d) - 1, lcg(s))

static NOINLINE unsigned node_plain(int depth, uint32_t seed)
{
    return NEXT(depth, seed) + 1u;
}

static NOINLINE unsigned node_big(int depth, uint32_t seed)
{
    volatile char buf[3000];
    unsigned r;
    buf[seed % 3000] = 2;
    r = NEXT(depth, seed);
    return r + (unsigned)buf[seed % 3000];
}

static NOINLINE unsigned node_vla(int depth, uint32_t seed)
{
    size_t n = 16 + (seed >> 5) % 400;
    volatile char vla[n];
    unsigned r;
    vla[0] = 1;
    vla[n - 1] = (char)seed;
    r = NEXT(depth, seed);
    return r + (unsigned)vla[0] + (unsigned)vla[n - 1];
}

static NOINLINE unsigned node_regs(int depth, uint32_t seed)
{
    uint32_t a = g_vol[seed & 7], b = g_vol[(seed >> 3) & 7], c = g_vol[(seed >> 6) & 7];
    uint32_t d = g_vol[(seed >> 9) & 7], e = g_vol[(seed >> 12) & 7], f = g_vol[(seed >> 15) & 7];
    unsigned r = NEXT(depth, seed);
    return r + a * b + c * d + e * f + (a ^ f);
}

static NOINLINE unsigned node_switch(int depth, uint32_t seed)
{
    unsigned r;
    switch ((seed >> 17) % 3) {
    case 0: r = NEXT(depth, seed) + 3u; break;
    case 1: r = 2u * NEXT(depth, seed ^ 1u); break;
    default: r = NEXT(depth, seed ^ 2u) - 1u; KEEP(r); break;
    }
    return r;
}

static NOINLINE unsigned node_aligned(int depth, uint32_t seed)
{
    _Alignas(64) volatile char buf[200];
    unsigned r;
    buf[seed % 200] = 1;
    r = NEXT(depth, seed);
    return r + (unsigned)buf[seed % 200];
}

/* stack realignment + VLA: GCC uses a DRAP register and describes the CFA
   and rbp with DWARF expressions (DW_CFA_def_cfa_expression) */
static NOINLINE unsigned node_drap(int depth, uint32_t seed)
{
    _Alignas(64) volatile char buf[64];
    size_t n = 8 + (seed >> 9) % 100;
    volatile char vla[n];
    unsigned r;
    buf[seed % 64] = 1;
    vla[n - 1] = 2;
    r = NEXT(depth, seed);
    return r + (unsigned)buf[seed % 64] + (unsigned)vla[n - 1];
}

static NOINLINE unsigned node_lib(int depth, uint32_t seed)
{
    return lib_node(depth - 1, lcg(seed), dispatch) + 7u;
}

static NOINLINE unsigned node_dl(int depth, uint32_t seed)
{
    unsigned (*e)(int, uint32_t, cfi_cb) = t_dl_entry;
    if (e) return e(depth - 1, lcg(seed), dispatch) + 5u;
    return NEXT(depth, seed) * 5u;
}

static NOINLINE unsigned node_asm(int depth, uint32_t seed)
{
    return asm_odd(depth - 1, lcg(seed), dispatch) + 3u;
}

static NOINLINE unsigned node_asmx(int depth, uint32_t seed)
{
    return asm_expr(depth - 1, lcg(seed), dispatch) * 3u;
}

#define NNODES 11
static node_fn const g_nodes[NNODES] = { node_plain, node_big, node_vla, node_regs, node_switch,
                                         node_aligned, node_drap, node_lib, node_dl, node_asm,
                                         node_asmx };
/* which nodes may be used; bit 7: shared library, bit 8: dlopen'ed library */
#define MASK_MAIN 0x67fu
static _Thread_local unsigned t_node_mask = MASK_MAIN;

static NOINLINE unsigned dispatch(int depth, uint32_t seed)
{
    unsigned k;
    unsigned r;
    if (depth <= 0) return leaf(seed) + 1u;
    k = (seed >> 24) % NNODES;
    while (!(t_node_mask & (1u << k))) k = (k + 1) % NNODES;
    r = g_nodes[k](depth, seed);
    return r ^ 1u;
}

static unsigned run_tree(uint32_t *seed)
{
    *seed = lcg(*seed);
    return dispatch(5 + (int)((*seed >> 16) % 36), *seed);
}

/* ------------------------------------------------------------------------ */

static int report(const char *name, unsigned long min_walks)
{
    int ok = g_fail == 0 && g_walks >= min_walks;
    printf("%s %-9s [%s]: stacks compared=%lu distinct=%lu frames compared=%lu failures=%lu%s\n",
           ok ? "ok  " : "FAIL", name, BUILD_LABEL, (unsigned long)g_walks, g_distinct,
           (unsigned long)g_frames, (unsigned long)g_fail, "");
    fflush(stdout);
    return ok;
}

static int test_basic(int iters, int mode, unsigned mask, const char *name)
{
    uint32_t seed = 12345;
    int i;
    stats_reset();
    t_mode = mode;
    t_node_mask = mask;
    for (i = 0; i < iters; i++) run_tree(&seed);
    t_mode = MODE_NONE;
    return report(name, (unsigned long)iters * 9 / 10);
}

/* The same with the .eh_frame_hdr tables ignored: every lookup is a linear
   scan of .eh_frame (the fallback for unusual table encodings). */
static int test_linear(int iters)
{
    uintptr_t f[MAXF];
    unsigned i;
    int ok;
    ms__cfi_here(t_lo, t_hi, f, MAXF, 0);       /* builds the module table */
    if (!ms__cfi_lock()) return 0;
    for (i = 0; i < ms__cfi_nmods; i++) ms__cfi_mods[i].table = 0;
    ms__cfi_cache_clear();
    ms__cfi_unlock();
    ok = test_basic(iters, MODE_HERE, MASK_MAIN | 0x80u, "linear");
    ms__cfi_flush();                             /* rebuild with the tables */
    return ok;
}

static int test_cxx(int iters)
{
    stats_reset();
    memset(g_cxx_where, 0, sizeof g_cxx_where);
    KEEP(cxx_run(iters, 777));
    printf("note: cxx       [%s]: walks from a catch block %lu, from a destructor during unwinding %lu, "
           "from a destructor (normal exit) %lu, from a plain function %lu\n",
           BUILD_LABEL, g_cxx_where[1], g_cxx_where[2], g_cxx_where[3], g_cxx_where[4]);
    if (!g_cxx_where[1] || !g_cxx_where[2]) g_fail++;
    return report("cxx", (unsigned long)iters);
}

/* ---- signals ---- */

static _Atomic unsigned long g_sigs;
static _Atomic int g_sig_allow_trunc;

static void on_signal(int sig)
{
    (void)sig;
    g_sigs++;
    check_here(g_sig_allow_trunc && g_in_walk);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int test_signal(double secs)
{
    struct sigaction sa;
    struct itimerval it;
    uint32_t seed = 99;
    double t0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGALRM);   /* no nesting: a nested handler would find */
    sigaddset(&sa.sa_mask, SIGUSR1);   /* the slow-path lock held (see sigslow) */
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    stats_reset();
    g_sigs = 0;
    t_mode = MODE_NONE;
    t_raise_every = 7;
    /* no node_drap here: GCC 12's CFI for the epilogue of a DRAP function is
       not exact (rbp's expression rule survives "pop %rbp"), and glibc's
       backtrace() (libgcc) crashes dereferencing it when a signal lands there */
    t_node_mask = (MASK_MAIN | 0x180u) & ~(1u << 6);
    memset(&it, 0, sizeof it);
    it.it_interval.tv_usec = 150;
    it.it_value.tv_usec = 150;
    setitimer(ITIMER_REAL, &it, NULL);
    t0 = now_s();
    while (now_s() - t0 < secs) run_tree(&seed);
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    t_raise_every = 0;
    printf("note: signal    [%s]: %lu signals handled\n", BUILD_LABEL, (unsigned long)g_sigs);
    return report("signal", 200);
}

/* The handler interrupts the main thread while it is itself walking (slow
   path included: the cache is cleared often). The handler's walk must either
   match backtrace() or stop early (lock held by the interrupted walk); it must
   never deadlock. */
static int test_sigslow(double secs)
{
    struct sigaction sa;
    struct itimerval it;
    double t0;
    unsigned long n = 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    stats_reset();
    g_sigs = 0;
    g_sig_allow_trunc = 1;
    memset(&it, 0, sizeof it);
    it.it_interval.tv_usec = 100;
    it.it_value.tv_usec = 100;
    setitimer(ITIMER_REAL, &it, NULL);
    t0 = now_s();
    while (now_s() - t0 < secs) {
        uintptr_t f[MAXF];
        g_in_walk = 1;
        if (n++ % 16 == 0) {
            /* clear the cache as the slow path would: under the lock */
            if (ms__cfi_lock()) { ms__cfi_cache_clear(); ms__cfi_unlock(); }
        }
        g_sink = (int)ms__cfi_here(t_lo, t_hi, f, MAXF, 0);
        g_in_walk = 0;
    }
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
    g_sig_allow_trunc = 0;
    printf("note: sigslow   [%s]: %lu signals, %lu main-thread walks, %lu handler walks stopped early (interrupted walk was in its slow path)\n",
           BUILD_LABEL, (unsigned long)g_sigs, n, (unsigned long)g_trunc);
    return report("sigslow", 20);
}

/* ---- threads ---- */

typedef struct targ { int iters; uint32_t seed; int use_dl; } targ;
static _Atomic int g_dl_stop, g_walk_stop;
static char g_dir[4096];

static void *walker_thread(void *p)
{
    targ *a = (targ *)p;
    uint32_t seed = a->seed;
    void *h = NULL;
    int i;
    get_stack_bounds(&t_lo, &t_hi);
    t_node_mask = MASK_MAIN | 0x180u;
    /* at least iters walks, and more until the main thread says stop */
    for (i = 0; i < a->iters || (!g_walk_stop && i < 50 * a->iters); i++) {
        if (a->use_dl && i % 2 == 0 && (lcg(seed ^ (uint32_t)i) >> 20) % 4 == 0) {
            /* hold our own reference for 2 walks; the loader thread opens and
               closes the library meanwhile, so it gets unmapped and remapped */
            char path[4200];
            snprintf(path, sizeof path, "%s/libtest_dl%c.so", g_dir,
                     a->use_dl == 1 || ((seed >> 3) & 1) ? 'A' : 'B');
            h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
            if (a->use_dl == 2) { ms__cfi_flush(); }
            if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); g_fail++; break; }
            *(void **)&t_dl_entry = dlsym(h, "dl_entry");
        }
        t_mode = (i & 3) == 3 ? MODE_FP : MODE_HERE;
        run_tree(&seed);
        if (h && i % 2 == 1) {
            t_dl_entry = NULL;
            dlclose(h);
            if (a->use_dl == 2) { ms__cfi_flush(); }
            h = NULL;
        }
    }
    if (h) { t_dl_entry = NULL; dlclose(h); }
    return NULL;
}

static _Atomic unsigned long g_dl_cycles;

static void *dl_loop_thread(void *p)
{
    int mode = *(int *)p;
    while (!g_dl_stop) {
        char path[4200];
        void *h;
        snprintf(path, sizeof path, "%s/libtest_dl%c.so", g_dir, mode == 1 || (g_dl_cycles & 1) ? 'A' : 'B');
        h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (mode == 2) { ms__cfi_flush(); }
        if (h) {
            int (*v)(void);
            *(void **)&v = dlsym(h, "dl_variant");
            if (v) g_sink = v();
            dlclose(h);
            if (mode == 2) { ms__cfi_flush(); }
        }
        g_dl_cycles++;
    }
    return NULL;
}

static double now_s(void);

static int subs_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(unsigned long long *)data = info->dlpi_subs;
    return 1;
}

static unsigned long long loader_subs(void)
{
    unsigned long long v = 0;
    dl_iterate_phdr(subs_cb, &v);
    return v;
}

static int test_threads(int nthreads, int iters, int use_dl, double secs)
{
    pthread_t th[16], dl;
    targ a[16];
    int i;
    double t0 = now_s();
    unsigned long rb0 = ms__cfi_rebuilds;
    unsigned long long subs0 = loader_subs();
    stats_reset();
    g_dl_stop = 0;
    g_walk_stop = 0;
    g_dl_cycles = 0;
    if (use_dl) pthread_create(&dl, NULL, dl_loop_thread, &use_dl);
    for (i = 0; i < nthreads; i++) {
        a[i].iters = iters;
        a[i].seed = 1000u + (uint32_t)i * 7919u;
        a[i].use_dl = use_dl;
        pthread_create(&th[i], NULL, walker_thread, &a[i]);
    }
    while (now_s() - t0 < secs) usleep(10000);
    g_walk_stop = 1;
    for (i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
    g_dl_stop = 1;
    if (use_dl) {
        pthread_join(dl, NULL);
        printf("note: %-9s [%s]: %lu dlopen/dlclose cycles by the loader thread, %llu unloads (dlpi_subs), "
               "%lu module-table rebuilds\n",
               use_dl == 1 ? "dl" : use_dl == 2 ? "dlflush" : "dlstale", BUILD_LABEL,
               (unsigned long)g_dl_cycles, loader_subs() - subs0, ms__cfi_rebuilds - rb0);
    }
    if (use_dl == 3) {
        /* informational: A and B are mapped at the same addresses with
           different rules for the same return address and nobody calls
           ms__cfi_flush(); stale cached rules can produce wrong stacks */
        printf("note: dlstale   [%s]: without ms__cfi_flush: %lu of %lu walks differed from backtrace()\n",
               BUILD_LABEL, (unsigned long)g_fail, (unsigned long)(g_fail + g_walks));
        return 1;
    }
    return report(use_dl == 1 ? "dl" : use_dl == 2 ? "dlflush" : "threads",
                  (unsigned long)(nthreads * iters) * 9 / 10);
}

/* ---- garbage ---- */

static NOINLINE void touch_stack(size_t n)
{
    volatile char *p = __builtin_alloca(n);
    size_t i;
    for (i = 0; i < n; i += 4096) p[i] = 0;
    p[n - 1] = 0;
}

/* ---- no allocation in the walker ----
   The malloc family is interposed and counted by libcount_malloc.so (count_malloc.c, linked
   into the plain builds only: the sanitizers have their own malloc). Counts the calls made
   during walks that take the slow path, a module-table rebuild and the cache's first mmap
   included (run it as its own process: "test_unwind nomalloc"), and during cache-hit walks.
   Also says whether pthread_getattr_np allocates (it does in glibc: the hooks call it once
   per thread). */
__attribute__((weak)) void count_malloc_enable(int on);
__attribute__((weak)) unsigned long count_malloc_calls(void);

static void *nomalloc_thread(void *p)
{
    uintptr_t f[128], lo, hi;
    unsigned long before, walker, getattr, tree;
    uint32_t seed = 31337;
    int i;
    pthread_attr_t a;
    void *addr;
    size_t size;
    size_t n1, n2;
    count_malloc_enable(1);
    before = count_malloc_calls();
    pthread_getattr_np(pthread_self(), &a);
    pthread_attr_getstack(&a, &addr, &size);
    pthread_attr_destroy(&a);
    getattr = count_malloc_calls() - before;
    lo = (uintptr_t)addr;
    hi = lo + size;
    before = count_malloc_calls();
    ms__cfi_flush();                              /* next walk: rebuild + slow path */
    n1 = ms__cfi_here(lo, hi, f, 128, 0);
    n2 = ms__cfi_here(lo, hi, f, 128, 0);         /* cache hits */
    /* then walks from the leaves of call trees through every frame shape, the shared
       library and the asm frames (DWARF expressions: the slow path every time) */
    t_lo = lo;
    t_hi = hi;
    t_mode = MODE_WALK;
    t_node_mask = MASK_MAIN | 0x80u;
    t_walk_frames = 0;
    for (i = 0; i < 300; i++) run_tree(&seed);
    t_mode = MODE_NONE;
    tree = t_walk_frames;
    walker = count_malloc_calls() - before;
    count_malloc_enable(0);
    printf("%s nomalloc  [%s]: %lu malloc-family calls in walks (slow path with a module-table rebuild and the "
           "cache's first mmap: %zu frames, cache hits: %zu frames, 300 call trees: %lu frames); "
           "pthread_getattr_np made %lu\n",
           walker == 0 && n1 > 2 && n1 == n2 && tree > 300 * 10 ? "ok  " : "FAIL", BUILD_LABEL, walker, n1, n2,
           tree, getattr);
    *(int *)p = walker == 0 && n1 > 2 && n1 == n2 && tree > 300 * 10;
    return NULL;
}

static int test_nomalloc(void)
{
    pthread_t t;
    int ok = 0;
    if (!count_malloc_enable || !count_malloc_calls) {
        printf("FAIL nomalloc  [%s]: not linked with libcount_malloc.so\n", BUILD_LABEL);
        return 0;
    }
    pthread_create(&t, NULL, nomalloc_thread, &ok);
    pthread_join(t, NULL);
    return ok;
}

static int test_garbage(void)
{
    uintptr_t f[64], real[MAXF], lo = t_lo, hi = t_hi, cur = (uintptr_t)__builtin_frame_address(0);
    size_t nreal, n, i;
    uint32_t s = 4242;
    unsigned long walks = 0, frames = 0, bad = 0;
    ms__cfi_regs r;
    touch_stack(256 * 1024);
    nreal = ms__cfi_here(lo, hi, real, MAXF, 0);
    /* ip in no module */
    r.ip = 0x1234; r.sp = cur; r.bp = cur;
    n = ms__cfi_walk(r, lo, hi, f, 64); walks++; frames += n; if (n != 1) bad++;
    /* sp outside the bounds */
    r.ip = real[0]; r.sp = lo - 64; r.bp = 0;
    n = ms__cfi_walk(r, lo, hi, f, 64); walks++; frames += n; if (n != 1) bad++;
    r.sp = hi + 64;
    n = ms__cfi_walk(r, lo, hi, f, 64); walks++; frames += n; if (n != 1) bad++;
    r.sp = ~(uintptr_t)0 - 3;
    n = ms__cfi_walk(r, lo, hi, f, 64); walks++; frames += n; if (n != 1) bad++;
    /* max = 0, ip = 0 */
    n = ms__cfi_walk(r, lo, hi, f, 0); walks++; if (n != 0) bad++;
    r.ip = 0; r.sp = cur;
    n = ms__cfi_walk(r, lo, hi, f, 64); walks++; if (n != 0) bad++;
    /* empty bounds */
    r.ip = real[0]; r.sp = cur;
    n = ms__cfi_walk(r, cur, cur, f, 64); walks++; if (n != 1) bad++;
    /* fuzz: real return addresses / random ips, random sp near the stack, garbage bp */
    for (i = 0; i < 200000; i++) {
        uintptr_t span = hi - (cur - 200 * 1024);
        s = lcg(s);
        switch (s % 4) {
        case 0: r.ip = real[(s >> 8) % nreal]; break;
        case 1: r.ip = real[(s >> 8) % nreal] + ((s >> 16) % 64) - 32; break;
        case 2: r.ip = ((uintptr_t)lcg(s) << 16) ^ (uintptr_t)s; break;
        default: r.ip = (uintptr_t)real[(s >> 8) % nreal] ^ ((uintptr_t)1 << ((s >> 20) % 47)); break;
        }
        s = lcg(s);
        r.sp = (cur - 200 * 1024) + (((uintptr_t)s << 13 ^ (uintptr_t)lcg(s)) % span);
        s = lcg(s);
        switch (s % 3) {
        case 0: r.bp = (cur - 200 * 1024) + ((uintptr_t)lcg(s) % span); break;
        case 1: r.bp = ((uintptr_t)s << 32) | lcg(s); break;
        default: r.bp = r.sp + (s % 512); break;
        }
        n = ms__cfi_walk(r, lo, hi, f, 64);
        walks++;
        frames += n;
        if (n > 64) bad++;
    }
    printf("%s garbage   [%s]: %lu walks with garbage ip/sp/bp, %lu frames returned, no crash\n",
           bad ? "FAIL" : "ok  ", BUILD_LABEL, walks, frames);
    return bad == 0;
}

/* The thread's stack bounds must be readable (the walker may read anywhere
   inside them): check them against /proc/self/maps. */
static int bounds_ok(uintptr_t lo, uintptr_t hi)
{
    FILE *fp = fopen("/proc/self/maps", "r");
    char line[512];
    uintptr_t covered = hi;
    int ok = 0;
    if (!fp) return 0;
    /* walk mappings from high to low is awkward; check lo and hi-1 separately */
    {
        int lo_ok = 0, hi_ok = 0;
        while (fgets(line, sizeof line, fp)) {
            unsigned long a, b;
            char perm[8];
            if (sscanf(line, "%lx-%lx %7s", &a, &b, perm) != 3) continue;
            if (perm[0] != 'r') continue;
            if (lo >= a && lo < b) lo_ok = 1;
            if (hi - 1 >= a && hi - 1 < b) hi_ok = 1;
        }
        ok = lo_ok && hi_ok;
    }
    (void)covered;
    fclose(fp);
    return ok;
}

static void *bounds_thread(void *p)
{
    uintptr_t lo, hi;
    get_stack_bounds(&lo, &hi);
    *(int *)p = bounds_ok(lo, hi);
    return NULL;
}

static int test_bounds(void)
{
    pthread_t t;
    int ok = 0;
    pthread_create(&t, NULL, bounds_thread, &ok);
    pthread_join(t, NULL);
    printf("%s bounds    [%s]: pthread_getattr_np stack of a thread is readable at both ends\n",
           ok ? "ok  " : "FAIL", BUILD_LABEL);
    return ok;
}

/* fork while another thread holds the slow-path lock: after
   ms__cfi_fork_child() the child must walk (slow path included) normally. */
static _Atomic int g_hold, g_held;

static void *lock_holder(void *p)
{
    (void)p;
    if (!ms__cfi_lock()) return NULL;
    g_held = 1;
    while (g_hold) usleep(1000);
    ms__cfi_unlock();
    return NULL;
}

static int test_fork(void)
{
    pthread_t t;
    pid_t pid;
    int st = 0, ok;
    g_hold = 1;
    g_held = 0;
    pthread_create(&t, NULL, lock_holder, NULL);
    while (!g_held) usleep(1000);
    pid = fork();
    if (pid == 0) {
        uint32_t seed = 5;
        int i;
        alarm(20);
        ms__cfi_fork_child();
        ms__cfi_cache_clear();            /* force the slow path in the child */
        stats_reset();
        t_mode = MODE_HERE;
        t_node_mask = MASK_MAIN | 0x80u;
        for (i = 0; i < 200; i++) run_tree(&seed);
        _exit(g_fail == 0 && g_walks >= 180 ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    g_hold = 0;
    pthread_join(t, NULL);
    ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    printf("%s fork      [%s]: child of a fork made while another thread held the slow-path lock "
           "walks after ms__cfi_fork_child() (200 stacks compared)\n", ok ? "ok  " : "FAIL", BUILD_LABEL);
    return ok;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    int all = !strcmp(what, "all"), ok = 1;
    int scale = getenv("CFI_SCALE") ? atoi(getenv("CFI_SCALE")) : 100;
    double tf = (getenv("CFI_TIME") ? atof(getenv("CFI_TIME")) : 100.0) / 100.0;
    char *slash;
    void *warm[4];
    snprintf(g_dir, sizeof g_dir, "%s", argv[0]);
    slash = strrchr(g_dir, '/');
    if (slash) *slash = 0; else snprintf(g_dir, sizeof g_dir, ".");
    get_stack_bounds(&g_main_lo, &g_main_hi);
    t_lo = g_main_lo;
    t_hi = g_main_hi;
    backtrace(warm, 4); /* loads libgcc_s before any signal handler needs it */
#define RUN(name, expr) if (all || !strcmp(what, name)) ok &= (expr)
    RUN("basic", test_basic(200 * scale, MODE_HERE, MASK_MAIN, "basic"));
    RUN("lib", test_basic(50 * scale, MODE_HERE, MASK_MAIN | 0x80u, "lib"));
    RUN("fp", test_basic(50 * scale, MODE_FP, MASK_MAIN | 0x80u, "fp"));
    RUN("linear", test_linear(10 * scale));
    RUN("cxx", test_cxx(50 * scale));
    RUN("signal", test_signal(0.5 * tf));
    RUN("sigslow", test_sigslow(0.4 * tf));
    RUN("bounds", test_bounds());
    RUN("fork", test_fork());
    RUN("threads", test_threads(8, 10 * scale, 0, tf));
    RUN("dl", test_threads(8, 2 * scale, 1, tf));
    RUN("dlflush", test_threads(8, 2 * scale, 2, tf));
    if (!strcmp(what, "dlstale")) { g_printed = 100; ok &= test_threads(8, 2 * scale, 3, tf); }
    RUN("garbage", test_garbage());
    if (!strcmp(what, "nomalloc")) ok &= test_nomalloc();
    return ok ? 0 : 1;
}
