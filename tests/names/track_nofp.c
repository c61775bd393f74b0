/* track_nofp.c - TRACK in code built without frame pointers (tests/names/run.sh): the stacks
 * come from the call-frame information, whole down to main, as in whole-program mode.
 * nofp_leaf has a VLA, so its frame is found from rbp: memscope's own functions, built
 * without frame pointers too, must leave TRACK's caller's rbp where the unwinder reads it. */
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
#include <stdlib.h>

#ifdef __clang__
#define NOIPA __attribute__((noinline))
#else
#define NOIPA __attribute__((noipa))
#endif
static memscope_tracker *t;
void *volatile keep[4];

static NOIPA void nofp_leaf(int n) {
    char vla[n + 16];
    vla[n] = 1;
    __asm__ __volatile__("" : : "r"(vla) : "memory");
    char *p = malloc(100 + (size_t)n);
    TRACK(t, p);
    keep[0] = p;
    keep[3] = &vla[n];
}
static NOIPA void nofp_mid(int n) { nofp_leaf(n + 1); keep[1] = (void *)(long)n; }
static NOIPA void nofp_top(int n) { nofp_mid(n + 1); keep[2] = (void *)(long)n; }

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    memscope_sampling_config c = memscope_sampling_full();
    t = memscope_with_sampling(memscope_new(), c);
    nofp_top(1);
    memscope_result r = memscope_export_json(t, argv[1]);
    memscope_destroy(t);
    return r == MEMSCOPE_OK ? 0 : 1;
}
