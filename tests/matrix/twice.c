/* The header included twice: declarations first (as another header would), then the
   implementation; the implementation must not vanish behind the include guard. */
#include "memscope.h"
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
int main(void) {
    memscope_tracker *t = memscope_new();
    char buf[32];
    TRACK(t, buf);
    memscope_memory_stats s = memscope_stats(t);
    UNTRACK(t, buf);
    memscope_destroy(t);
    return s.total_allocated_bytes == sizeof buf ? 0 : 1;
}
