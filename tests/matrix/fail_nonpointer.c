/* Must NOT compile: TRACK of something that is not a pointer or an array. */
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
int main(void) {
    memscope_tracker *t = memscope_new();
    int x = 0;
    TRACK(t, x);
    memscope_destroy(t);
    return 0;
}
