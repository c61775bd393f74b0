/* tests/unwind/e2e_lib.c -> libe2e.so, the end-to-end test's own shared library, built like
   the program (-O2 -fomit-frame-pointer -g): an exported entry, two static functions, a
   marker allocation of its own, then the call back into the program. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__clang__)
#define CHAIN static __attribute__((noinline))
#else
#define CHAIN static __attribute__((noipa))   /* no clones (.isra, .constprop): exact names */
#endif
#define KEEP(x) __asm__ volatile("" : : "r"(x))

typedef unsigned (*e2e_cb)(unsigned base, unsigned i, void **keep);
unsigned e2e_lib_run(unsigned base, unsigned i, e2e_cb cb, void **keep);

/* rbp-based CFA (VLA); the library's marker allocation: base + 100 + i */
CHAIN unsigned lib_s2(unsigned base, unsigned i, e2e_cb cb, void **keep)
{
    size_t n = 16 + (base + i) % 200;
    volatile char vla[n];
    unsigned r;
    void *p = malloc(base + 100 + i);
    keep[i] = p;
    vla[0] = (char)i;
    vla[n - 1] = 1;
    r = cb(base, i, keep);
    return r + (unsigned)vla[0] + (unsigned)vla[n - 1];
}

/* a 5000-byte frame */
CHAIN unsigned lib_s1(unsigned base, unsigned i, e2e_cb cb, void **keep)
{
    volatile char big[5000];
    unsigned r;
    big[(base + i) % 5000] = 3;
    r = lib_s2(base, i, cb, keep);
    return r * 3u + (unsigned)big[(base + i) % 5000];
}

unsigned e2e_lib_run(unsigned base, unsigned i, e2e_cb cb, void **keep)
{
    unsigned r;
    r = lib_s1(base, i, cb, keep) + 1u;
    KEEP(r);
    return r;
}
