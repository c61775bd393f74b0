/* System headers first, in strict C11 mode (no _GNU_SOURCE), then the implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
int main(void) {
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    char *p = malloc(100);
    TRACK_SIZE(t, p, 100);
    memscope_memory_stats s = memscope_stats(t);
    UNTRACK(t, p);
    free(p);
    memscope_destroy(t);
    printf("late include: %s\n", s.current_memory_bytes == 100 ? "ok" : "FAIL");
    return s.current_memory_bytes == 100 ? 0 : 1;
}
