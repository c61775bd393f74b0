/* reload_site_plugin.c - a plugin of tests/names/run.sh's reload-site check, built twice from
 * this one source (-DALPHA -> libsalpha.so, tracking alpha_buf; without it -> libsbeta.so,
 * tracking beta_buf, on another line): a static function that mallocs and TRACKs the block,
 * called by the exported entry. The memscope_site of each TRACK is a static object of the
 * plugin, its strings in the plugin's .rodata: gone once the plugin is dlclosed, while the
 * tracker (in the host) still has the allocation to report. Includes memscope.h (-I.) without
 * MEMSCOPE_IMPLEMENTATION: memscope_track_site comes from the host. */
#include <stdlib.h>

#include "memscope.h"

#ifndef SIZE
#error "build with -DSIZE=bytes (and -DALPHA for the first plugin)"
#endif

#define NOIPA __attribute__((noipa))

static void *volatile sink;

#ifdef ALPHA
int alpha_site_entry(memscope_tracker *t, int n);

static NOIPA int alpha_site_static(memscope_tracker *t, int n) {
    char *alpha_buf = malloc(SIZE + (size_t)n);
    TRACK(t, alpha_buf);
    sink = alpha_buf;
    return n + 1;
}

NOIPA int alpha_site_entry(memscope_tracker *t, int n) { return alpha_site_static(t, n) + 1; }
#else
int beta_site_entry(memscope_tracker *t, int n);

static NOIPA int beta_site_static(memscope_tracker *t, int n) {
    char *beta_buf = malloc(SIZE + (size_t)n);
    sink = beta_buf;
    TRACK(t, beta_buf);
    return n + 1;
}

NOIPA int beta_site_entry(memscope_tracker *t, int n) { return beta_site_static(t, n) + 1; }
#endif
