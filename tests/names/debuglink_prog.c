/* debuglink_prog.c - the program of tests/names/run.sh's separate-debug-file checks (section
 * 6): a static function doing a plain malloc of a size of its own (4321 + n), called from
 * main. Built -O2 -g, its DWARF then moved into PROG.debug (objcopy --only-keep-debug, strip
 * -g, --add-gnu-debuglink): memscope must find the line of the malloc below from that file. */
#include <stdlib.h>

#define NOIPA __attribute__((noipa)) /* not inlined, not cloned: the symbol is the function */

static void *volatile sink;
/* a call that is not the function's last act: no sibling call, the frame stays */
#define KEEP(p) do { sink = (p); __asm__ volatile("" ::: "memory"); } while (0)

static NOIPA int debuglink_alloc(int n) {
    KEEP(malloc(4321 + (size_t)n)); /* the malloc line (run.sh finds it with grep -n) */
    return n + 1;
}

int main(void) {
    int r = debuglink_alloc(0);
    free(sink);
    return r == 1 ? 0 : 1;
}
