/* reload_wplugin.c - a plugin of tests/names/run.sh's whole-program reload check, built twice
 * from this one source (-DPFX=walpha -DSIZE=6000 -> libwalpha.so, -DPFX=wbeta -DSIZE=8000 ->
 * libwbeta.so): a static function PFX_static doing a plain malloc, called by the exported
 * PFX_entry. Nothing of memscope: `memscope run` sees the malloc. Both builds have the same
 * code layout (the same return addresses when the second is loaded where the first was). */
#include <stdlib.h>

#if !defined(PFX) || !defined(SIZE)
#error "build with -DPFX=name -DSIZE=bytes"
#endif

#define NOIPA __attribute__((noipa)) /* not inlined, not cloned: the symbol is the function */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define STATIC_FN CAT(PFX, _static)
#define ENTRY_FN CAT(PFX, _entry)

static void *volatile sink[2];
/* a call that is not the function's last act: no sibling call, the frame stays */
#define KEEP(i, p) do { sink[i] = (p); __asm__ volatile("" ::: "memory"); } while (0)

int ENTRY_FN(int n);

static NOIPA int STATIC_FN(int n) {
    KEEP(0, malloc(SIZE + (size_t)n));
    return n + 1;
}

NOIPA int ENTRY_FN(int n) {
    int r = STATIC_FN(n);
    KEEP(1, (void *)0);
    return r + 1;
}
