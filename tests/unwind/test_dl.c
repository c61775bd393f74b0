/* tests/unwind/test_dl.c -> libtest_dlA.so / libtest_dlB.so: dlopen'ed and dlclose'd in a loop while
   other threads walk through them. B has a different code layout (padding
   code in front) so that a stale cache entry for A would be detected. */
#include <stdint.h>
#include <stddef.h>

typedef unsigned (*cfi_cb)(int depth, uint32_t seed);
unsigned dl_entry(int depth, uint32_t seed, cfi_cb cb);
int dl_variant(void);

#define KEEP(x) __asm__ volatile("" : : "r"(x))

#ifdef VARIANT_B
static volatile int dl_sink; /* only for the padding functions, never called */
#define PAD_FN(k) __attribute__((noinline)) int dl_pad##k(int x); \
    int dl_pad##k(int x) { dl_sink = x * k; dl_sink += x ^ (k * 77); return dl_sink + k; }
PAD_FN(1) PAD_FN(2) PAD_FN(3)
int dl_variant(void) { return 2; }
#define BIG 3000
#else
int dl_variant(void) { return 1; }
#define BIG 700
#endif

__attribute__((noinline)) static unsigned dl_inner(int depth, uint32_t seed, cfi_cb cb)
{
    volatile char buf[BIG];
    unsigned r;
    buf[seed % BIG] = 1;
    r = cb(depth, seed * 1664525u + 1013904223u);
    return r + (unsigned)buf[seed % BIG];
}

unsigned dl_entry(int depth, uint32_t seed, cfi_cb cb)
{
    unsigned r = (seed & 256) ? dl_inner(depth, seed, cb) + 1u : cb(depth, seed ^ 0x5555u) * 2u;
    KEEP(r);
    return r;
}
