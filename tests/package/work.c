/* work.c - uses TRACK/UNTRACK with the declarations of memscope.h only */
#include <stdlib.h>
#include "work.h"

char *work_alloc(memscope_tracker *t, size_t n)
{
    char *p = malloc(n);
    if (p)
        TRACK(t, p);
    return p;
}

void work_free(memscope_tracker *t, char *p)
{
    UNTRACK(t, p);
    free(p);
}
