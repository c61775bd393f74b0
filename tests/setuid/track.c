/* track.c - a program built with memscope that tracks a few blocks on the global tracker,
 * which exports itself at exit to $MEMSCOPE_OUTPUT. Built plain and with
 * -DMEMSCOPE_HOOK_MALLOC (whole-program mode: every malloc recorded, the report written at
 * exit to $MEMSCOPE_OUTPUT), then installed set-user-ID / set-group-ID by tests/setuid/run.sh. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

int main(void) {
    memscope_tracker *t = memscope_global();
    if (!t) return 3;
    char *kept = malloc(100);
    char *freed = malloc(200);
    if (!kept || !freed) return 4;
    TRACK(t, kept);
    TRACK(t, freed);
    memset(kept, 1, 100);
    memset(freed, 2, 200);
    UNTRACK(t, freed);
    free(freed);
    UNTRACK(t, kept);
    free(kept);
    return 0;
}
