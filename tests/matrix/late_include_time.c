/* <time.h> and <signal.h> first, strict C11 and no -pthread: the POSIX clocks and signal types are hidden. */
#include <time.h>
#include <signal.h>
#include <stdio.h>
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
int main(void) {
    memscope_tracker *t = memscope_with_system_monitoring(memscope_new());
    memscope_system_snapshot s = memscope_current_system_snapshot(t);
    (void)s;
    memscope_destroy(t);
    puts("late include 2: ok");
    return 0;
}
