/* wholeprog.c - the "wholeprog" export: a plain program recorded by `memscope run` (no
 * memscope.h), with known allocation sites for the whole-program views of the dashboard.
 *
 *   - label_copy (static, a strdup wrapper): 40 strdup'ed labels of about 300 bytes, 30 of
 *     them leaked (the most bytes allocated, the largest leak group by bytes);
 *   - cmp_remember (static, qsort's comparator): one 24-byte malloc per comparison, the
 *     first 5 kept (leaked), the others freed at once (temporary allocations);
 *   - scratch: 100 malloc(64) + free pairs (temporary allocations, nothing leaked);
 *   - printf to stdout: glibc's stdio buffer, a built-in suppressed leak.
 *
 * run.sh records it with `memscope run -o wholeprog.msb -- wholeprog` and converts it with
 * `memscope report wholeprog.msb --html wholeprog.html --json wholeprog.json`.
 * Built with -O2 -g -fno-omit-frame-pointer; the static functions are kept out of line.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))
#define ESCAPE(p) __asm__ __volatile__("" : : "r"(p) : "memory")

static char *kept_labels[40];
static void *kept_cmp[5];
static int n_kept_cmp;

static NOINLINE char *label_copy(const char *s)
{
    char *p = strdup(s); /* the leak the tests look for */
    ESCAPE(p);
    return p;
}

/* inlined into main: its call of label_copy is an inlined frame of its own in the stacks */
static inline __attribute__((always_inline)) char *make_label(const char *s)
{
    return label_copy(s);
}

static NOINLINE int cmp_remember(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    void *note = malloc(24);
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

int main(void)
{
    char buf[320];
    for (int i = 0; i < 40; i++) {
        snprintf(buf, sizeof buf, "label number %d of the whole-program test %0*d", i, 250, i);
        kept_labels[i] = make_label(buf);
    }
    for (int i = 30; i < 40; i++) free(kept_labels[i]);
    int v[32];
    for (int i = 0; i < 32; i++) v[i] = (i * 7919) % 101;
    qsort(v, 32, sizeof v[0], cmp_remember);
    scratch(100);
    printf("wholeprog: sorted %d values, first %d\n", 32, v[0]);
    return 0;
}
