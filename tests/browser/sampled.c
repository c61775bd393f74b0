/* sampled.c - the "sampled" export: sample rate 0.25, no call stacks, one thread.
 * 4000 TRACKs over three sites, three in four freed, spread over about 40 ms.
 * Usage: sampled OUT_BASE */
#define MEMSCOPE_IMPLEMENTATION
#include "common.h"

#define N 4000

static void *blocks[N];

int main(int argc, char **argv)
{
    const char *base = base_arg(argc, argv);
    memscope_tracker *t = memscope_with_sampling(memscope_new(), (memscope_sampling_config){0.25, false, 0});
    if (!t) return 1;
    for (int i = 0; i < N; i++) {
        switch (i % 3) {
        case 0: { int *sampled_ints = malloc((size_t)(16 + i % 100) * sizeof(int));
                  if (!sampled_ints) return 1;
                  TRACK(t, sampled_ints); blocks[i] = sampled_ints; break; }
        case 1: { char *sampled_text = malloc((size_t)(32 + i % 500));
                  if (!sampled_text) return 1;
                  TRACK(t, sampled_text); blocks[i] = sampled_text; break; }
        default: { double *sampled_reals = malloc(64 * sizeof(double));
                   if (!sampled_reals) return 1;
                   TRACK(t, sampled_reals); blocks[i] = sampled_reals; break; }
        }
        if (i % 100 == 99) sleep_ms(1); /* so the events span time and a window can split them */
    }
    for (int i = 0; i < N; i++)
        if (i % 4) { UNTRACK(t, blocks[i]); free(blocks[i]); blocks[i] = NULL; }
    export_both(t, base);
    memscope_destroy(t);
    for (int i = 0; i < N; i++) free(blocks[i]);
    return 0;
}
