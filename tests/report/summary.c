/* summary.c - memscope_print_summary of a .msb file (tests/report/run.sh) */
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
int main(int argc, char **argv) {
    if (argc != 2) return 2;
    memscope_result res;
    memscope_tracker *t = memscope_load(argv[1], &res);
    if (!t) { fprintf(stderr, "%s: %s\n", argv[1], memscope_load_error()); return 1; }
    memscope_print_summary(t, stdout);
    memscope_destroy(t);
    return 0;
}
