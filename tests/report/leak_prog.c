/* leak_prog.c - the program of tests/report/run.sh, recorded by `memscope run` (it knows
 * nothing of memscope). Its allocations, with K the first argument (default 1):
 *   - label_copy (static, a strdup wrapper), called through an inlined helper: 40*K labels
 *     of exactly 300 bytes (301 with the NUL), the last 10 of each 40 freed: 30*K leaked,
 *     9030*K bytes, the largest leak;
 *   - cmp_remember (static, qsort's comparator): one 24-byte block per comparison, the first
 *     5 kept (leaked, 120 bytes), the others freed at once (temporary allocations);
 *   - scratch: 100 malloc(64)/free pairs, nothing leaked;
 *   - printf: glibc's stdio buffer, kept by the C library (a built-in suppression).
 * With "0" it exits with status 2 at once; with "term" it dies of SIGTERM. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))
#define ESCAPE(p) __asm__ __volatile__("" : : "r"(p) : "memory")

static char *labels[4000];
static void *kept_cmp[5];
static int n_kept_cmp;

static NOINLINE char *label_copy(const char *s)
{
    char *p = strdup(s); /* LEAK-LINE: the leak the tests look for */
    ESCAPE(p);
    return p;
}

static inline __attribute__((always_inline)) char *make_label(const char *s)
{
    return label_copy(s);
}

static NOINLINE int cmp_remember(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    void *note = malloc(24); /* CMP-LINE */
    ESCAPE(note);
    if (n_kept_cmp < 5) kept_cmp[n_kept_cmp++] = note;
    else free(note);
    return (x > y) - (x < y);
}

static NOINLINE void scratch(int n)
{
    for (int i = 0; i < n; i++) {
        void *p = malloc(64);
        ESCAPE(p);
        free(p);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "term")) { /* ends by SIGTERM, after an allocation */
        void *p = malloc(10);
        ESCAPE(p);
        raise(SIGTERM);
    }
    int k = argc > 1 ? atoi(argv[1]) : 1;
    if (k < 1 || k > 100) return 2; /* ("0": exit status 2) */
    char buf[301];
    memset(buf, 'x', 300);
    buf[300] = 0;
    for (int i = 0; i < 40 * k; i++) {
        buf[0] = (char)('a' + i % 26);
        labels[i] = make_label(buf);
        if (i % 40 >= 30) free(labels[i]);
    }
    int v[32];
    for (int i = 0; i < 32; i++) v[i] = (i * 7919) % 101;
    qsort(v, 32, sizeof v[0], cmp_remember);
    scratch(100);
    printf("leak_prog: %d labels, first value %d\n", 40 * k, v[0]);
    return 0;
}
