/* reload_plugin.c - a plugin of tests/names/run.sh's reload checks, built twice from this one
 * source (-DPFX=alpha -DSIZE=3000 -> libtalpha.so, -DPFX=beta -DSIZE=5000 -> libtbeta.so): a
 * static function PFX_static that allocates and TRACKs the block, called by the exported
 * PFX_entry. Both builds have the same code layout, so when the second is loaded where the
 * first was unloaded its frames have the very return addresses the first one's had. Includes
 * memscope.h (-I.) without MEMSCOPE_IMPLEMENTATION: memscope_track_site comes from the host. */
#include <stdlib.h>

#include "memscope.h"

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

int ENTRY_FN(memscope_tracker *t, int n);

static NOIPA int STATIC_FN(memscope_tracker *t, int n) {
    char *p = malloc(SIZE + (size_t)n);
    TRACK(t, p);
    KEEP(0, p);
    return n + 1;
}

NOIPA int ENTRY_FN(memscope_tracker *t, int n) {
    int r = STATIC_FN(t, n);
    KEEP(1, (void *)0);
    return r + 1;
}
