/* empty.c - the "empty" export: a tracker with no events, no stacks, no monitoring.
 * Usage: empty OUT_BASE */
#define MEMSCOPE_IMPLEMENTATION
#include "common.h"

int main(int argc, char **argv)
{
    const char *base = base_arg(argc, argv);
    memscope_tracker *t = memscope_new();
    if (!t) return 1;
    export_both(t, base);
    memscope_destroy(t);
    return 0;
}
