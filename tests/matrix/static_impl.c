/* MEMSCOPE_STATIC: a private copy of the library in this TU. */
#define MEMSCOPE_STATIC
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
int main(void) {
    memscope_tracker *t = memscope_new();
    int x[4];
    TRACK(t, x);
    memscope_report r = memscope_analyze(t);
    int ok = r.total_allocations == 1 && r.peak_memory_bytes == sizeof x;
    memscope_report_free(&r);
    UNTRACK(t, x);
    memscope_destroy(t);
    return ok ? 0 : 1;
}
