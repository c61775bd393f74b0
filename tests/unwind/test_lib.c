/* tests/unwind/test_lib.c -> libtest_lib.so: part of the call chain main -> lib -> callback in main -> ... */
#include <stdint.h>
#include <stddef.h>

typedef unsigned (*cfi_cb)(int depth, uint32_t seed);
unsigned lib_node(int depth, uint32_t seed, cfi_cb cb);

#define KEEP(x) __asm__ volatile("" : : "r"(x))

static uint32_t lib_lcg(uint32_t s) { return s * 1664525u + 1013904223u; }

__attribute__((noinline)) static unsigned lib_inner_vla(int depth, uint32_t seed, cfi_cb cb)
{
    size_t n = 8 + (seed >> 7) % 300;
    volatile char vla[n];
    unsigned r;
    vla[0] = (char)seed;
    vla[n - 1] = 1;
    r = cb(depth, lib_lcg(seed));
    return r + (unsigned)vla[n - 1] + (unsigned)vla[0];
}

__attribute__((noinline)) static unsigned lib_inner_big(int depth, uint32_t seed, cfi_cb cb)
{
    volatile char big[5000];
    unsigned r;
    big[seed % 5000] = 3;
    r = cb(depth, lib_lcg(seed));
    return r + (unsigned)big[seed % 5000];
}

unsigned lib_node(int depth, uint32_t seed, cfi_cb cb)
{
    unsigned r;
    switch ((seed >> 11) % 3) {
    case 0: r = lib_inner_vla(depth, seed, cb) + 1; break;
    case 1: r = lib_inner_big(depth, seed, cb) * 3u; break;
    default: r = cb(depth, lib_lcg(seed)) - 2u; break;
    }
    KEEP(r);
    return r;
}
