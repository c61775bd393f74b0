/* MEMSCOPE_MALLOC/MEMSCOPE_FREE: the tracker's own memory comes from these, and a
   tracker gives all of it back on destroy (the process-wide site registry stays). */
#include <stdlib.h>
#include <stdio.h>
static long custom_live;
static void *my_malloc(size_t n) { custom_live++; return malloc(n); }
static void my_free(void *p) { if (p) custom_live--; free(p); }
#define MEMSCOPE_MALLOC(n) my_malloc(n)
#define MEMSCOPE_FREE(p) my_free(p)
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
static long cycle(void) {
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    long during = custom_live;
    for (int i = 0; i < 5000; i++) {
        char *p = malloc(10);
        TRACK(t, p);
        if (i % 2) { UNTRACK(t, p); }
        free(p);
    }
    memscope_report r = memscope_analyze(t);
    memscope_report_free(&r);
    memscope_destroy(t);
    return during;
}
int main(void) {
    long during = cycle();
    long after1 = custom_live;
    cycle();
    long after2 = custom_live;
    printf("custom allocator: %ld blocks while alive, %ld after the first destroy, %ld after the second\n",
           during, after1, after2);
    return during > 0 && after1 == after2 && after1 <= 2 ? 0 : 1;
}
