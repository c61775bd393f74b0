/* names_lib.c - the shared library of tests/names/run.sh (built -fPIC -shared): an exported
 * function that allocates, a static function inside the library that allocates, and a call
 * back into the program through a static dispatcher. Every malloc site is its own. */
#include <stdlib.h>

#define NOIPA __attribute__((noipa)) /* not inlined, not cloned: the symbol is the function */

void *volatile names_lib_sink[16];

/* a call that is not the function's last act: no sibling call, the frame stays */
#define KEEP(i, p) do { names_lib_sink[i] = (p); __asm__ volatile("" ::: "memory"); } while (0)

static NOIPA int lib_static_alloc(int n) {
    KEEP(0, malloc(4000 + (size_t)n));
    return n + 1;
}

static NOIPA int lib_dispatch(int (*cb)(int), int n) {
    int r = cb(n);
    KEEP(1, malloc(4100 + (size_t)r));
    return r + 1;
}

NOIPA int names_lib_alloc(int n) {
    KEEP(2, malloc(4200 + (size_t)n));
    return n + 1;
}

NOIPA int names_lib_run(int (*cb)(int), int n) {
    int a = lib_static_alloc(n);
    int b = lib_dispatch(cb, a);
    return a + b + 1;
}
