/* Declarations-only TU: links against the implementation in memscope.c. */
#include "memscope.h"
#include <stdlib.h>

int matrix_decl_user(void);
int matrix_decl_user(void) {
    memscope_tracker *t = TRACKER();
    int *p = malloc(8 * sizeof *p);
    TRACK_SIZE(t, p, 8 * sizeof *p);
    memscope_memory_stats s = memscope_stats(t);
    UNTRACK(t, p);
    free(p);
    memscope_destroy(t);
    return s.total_allocations == 1 && s.current_memory_bytes == 8 * sizeof(int) ? 0 : 1;
}
