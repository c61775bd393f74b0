/* tests/unwind/e2e_prog.c -- the end-to-end test of the unwinder through the product: built
 * -O2 -fomit-frame-pointer -g (no frame pointers anywhere in its own code), run under
 * `memscope run`. A chain of 15 distinct static noinline functions of different frame shapes
 * goes through the test's own library (libe2e.so, built the same way) and back:
 *
 *   main -> run_chain -> c01 .. c06 -> e2e_lib_run -> lib_s1 -> lib_s2 -> c07 (callback) .. c14
 *
 * Marker allocations, each of a size no other allocation has: in c14 (malloc, calloc,
 * realloc(NULL), posix_memalign) and in lib_s2 (malloc), ITERS times, from the main thread
 * (base 7000) and then from a second thread (base 9000, the chain starting at thread_main).
 * Every call in the chain has work after it (no tail calls), so every function has a frame.
 * The program writes each marker's size and the function names its stack must begin with
 * (innermost first) to the file named by argv[1]: "SIZE<TAB>f1 f2 ... main".
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#define CHAIN static __attribute__((noinline))
#else
#define CHAIN static __attribute__((noipa))   /* no clones (.isra, .constprop): exact names */
#endif
#define KEEP(x) __asm__ volatile("" : : "r"(x))
#define ITERS 3u

typedef unsigned (*e2e_cb)(unsigned base, unsigned i, void **keep);
unsigned e2e_lib_run(unsigned base, unsigned i, e2e_cb cb, void **keep);   /* e2e_lib.c */

static volatile unsigned g_vol[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* ---- from the callback to the leaf (called back by the library) ---- */

/* the leaf: the marker allocations, 4 per iteration: base + 10 i + 1 .. 4 */
CHAIN unsigned c14_leaf(unsigned base, unsigned i, void **keep)
{
    unsigned s = base + 10u * i;
    void *p = NULL;
    keep[8 + 4 * i] = malloc(s + 1);
    keep[9 + 4 * i] = calloc(1, s + 2);
    keep[10 + 4 * i] = realloc(NULL, s + 3);
    if (posix_memalign(&p, 64, s + 4) != 0) p = NULL;
    keep[11 + 4 * i] = p;
    return (unsigned)(keep[8 + 4 * i] != NULL) + (unsigned)(p != NULL);
}

/* callee-saved register pressure */
CHAIN unsigned c13_regs(unsigned base, unsigned i, void **keep)
{
    unsigned a = g_vol[i & 7], b = g_vol[(i + 1) & 7], c = g_vol[(i + 2) & 7];
    unsigned d = g_vol[(i + 3) & 7], e = g_vol[(i + 4) & 7], f = g_vol[(i + 5) & 7];
    unsigned r = c14_leaf(base, i, keep);
    return r + a * b + c * d + e * f + (a ^ f);
}

/* a 3000-byte frame */
CHAIN unsigned c12_big(unsigned base, unsigned i, void **keep)
{
    volatile char buf[3000];
    unsigned r;
    buf[(base + i) % 3000] = 2;
    r = c13_regs(base, i, keep);
    return r + (unsigned)buf[(base + i) % 3000];
}

/* rbp-based CFA (VLA) */
CHAIN unsigned c11_vla(unsigned base, unsigned i, void **keep)
{
    size_t n = 16 + (base + i) % 300;
    volatile char vla[n];
    unsigned r;
    vla[0] = 1;
    vla[n - 1] = (char)i;
    r = c12_big(base, i, keep);
    return r + (unsigned)vla[0] + (unsigned)vla[n - 1];
}

/* two call sites */
CHAIN unsigned c10_two(unsigned base, unsigned i, void **keep)
{
    unsigned r;
    if (g_vol[i & 7] & 1) r = c11_vla(base, i, keep) + 3u;
    else r = 2u * c11_vla(base, i, keep);
    KEEP(r);
    return r;
}

/* a 64-byte aligned local */
CHAIN unsigned c09_aligned(unsigned base, unsigned i, void **keep)
{
    _Alignas(64) volatile char buf[200];
    unsigned r;
    buf[(base + i) % 200] = 1;
    r = c10_two(base, i, keep);
    return r + (unsigned)buf[(base + i) % 200];
}

/* floating point */
CHAIN unsigned c08_float(unsigned base, unsigned i, void **keep)
{
    double x = (double)g_vol[i & 7] * 1.5;
    unsigned r = c09_aligned(base, i, keep);
    return r + (unsigned)(x * 3.0);
}

/* the callback the library calls */
CHAIN unsigned c07_cb(unsigned base, unsigned i, void **keep)
{
    unsigned r = c08_float(base, i, keep);
    KEEP(r);
    return r ^ 7u;
}

/* ---- from main (or thread_main) to the library ---- */

/* into the library */
CHAIN unsigned c06_tolib(unsigned base, unsigned i, void **keep)
{
    unsigned r = e2e_lib_run(base, i, c07_cb, keep);
    return r + 5u;
}

/* more than six arguments: some on the stack */
CHAIN unsigned c05_args(unsigned base, unsigned i, void **keep, unsigned a, unsigned b, unsigned c, unsigned d,
                        unsigned e, unsigned f)
{
    unsigned r = c06_tolib(base, i, keep);
    return r + a + b * c + d * e + f;
}

/* a DRAP frame in GCC (realigned stack and a VLA) */
CHAIN unsigned c04_drap(unsigned base, unsigned i, void **keep)
{
    _Alignas(64) volatile char buf[64];
    size_t n = 8 + (base + i) % 100;
    volatile char vla[n];
    unsigned r;
    buf[(base + i) % 64] = 1;
    vla[n - 1] = 2;
    r = c05_args(base, i, keep, g_vol[0], g_vol[1], g_vol[2], g_vol[3], g_vol[4], g_vol[5]);
    return r + (unsigned)buf[(base + i) % 64] + (unsigned)vla[n - 1];
}

/* a switch */
CHAIN unsigned c03_switch(unsigned base, unsigned i, void **keep)
{
    unsigned r;
    switch ((base + i) % 3) {
    case 0: r = c04_drap(base, i, keep) + 3u; break;
    case 1: r = 2u * c04_drap(base, i, keep); break;
    default: r = c04_drap(base, i, keep) - 1u; break;
    }
    KEEP(r);
    return r;
}

/* a small frame */
CHAIN unsigned c02_small(unsigned base, unsigned i, void **keep)
{
    volatile unsigned x = i;
    unsigned r = c03_switch(base, i, keep);
    return r + x;
}

CHAIN unsigned c01_plain(unsigned base, unsigned i, void **keep)
{
    unsigned r = c02_small(base, i, keep);
    return r + 1u;
}

/* ---- the expected stacks ---- */

static const char *const g_prog_top[] = {"c14_leaf", "c13_regs", "c12_big", "c11_vla", "c10_two",
                                         "c09_aligned", "c08_float", "c07_cb"};
static const char *const g_lib[] = {"lib_s2", "lib_s1", "e2e_lib_run"};
static const char *const g_prog_bottom[] = {"c06_tolib", "c05_args", "c04_drap", "c03_switch", "c02_small",
                                            "c01_plain"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void expect(FILE *f, unsigned size, int from_leaf, const char *root)
{
    size_t k;
    fprintf(f, "%u\t", size);
    if (from_leaf)
        for (k = 0; k < COUNT(g_prog_top); k++) fprintf(f, "%s ", g_prog_top[k]);
    for (k = 0; k < COUNT(g_lib); k++) fprintf(f, "%s ", g_lib[k]);
    for (k = 0; k < COUNT(g_prog_bottom); k++) fprintf(f, "%s ", g_prog_bottom[k]);
    fprintf(f, "run_chain %s\n", root);
}

CHAIN void run_chain(unsigned base, void **keep)
{
    unsigned i;
    for (i = 0; i < ITERS; i++) KEEP(c01_plain(base, i, keep));
}

static void *keep_main[64], *keep_thread[64];

static void *thread_main(void *arg)
{
    (void)arg;
    run_chain(9000, keep_thread);
    return NULL;
}

int main(int argc, char **argv)
{
    FILE *f;
    pthread_t t;
    unsigned i, k;
    if (argc < 2) { fprintf(stderr, "usage: e2e_prog MARKERS_FILE\n"); return 2; }
    run_chain(7000, keep_main);
    if (pthread_create(&t, NULL, thread_main, NULL) != 0 || pthread_join(t, NULL) != 0) return 1;
    f = fopen(argv[1], "w");
    if (!f) { perror(argv[1]); return 1; }
    for (i = 0; i < ITERS; i++) {
        for (k = 1; k <= 4; k++) {
            expect(f, 7000 + 10 * i + k, 1, "main");
            expect(f, 9000 + 10 * i + k, 1, "thread_main");
        }
        expect(f, 7000 + 100 + i, 0, "main");
        expect(f, 9000 + 100 + i, 0, "thread_main");
    }
    if (fclose(f) != 0) return 1;
    for (i = 0; i < 64; i++) { free(keep_main[i]); free(keep_thread[i]); }
    return 0;
}
