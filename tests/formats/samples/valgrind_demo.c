/* valgrind_demo.c - a program with known heap numbers, to run under valgrind's massif and DHAT
 * and check tests/formats/check_massif.py and check_dhat.mjs against (see ../NOTES-massif-dhat.md).
 * Every size is a multiple of 16, so with --heap-admin=0 massif's extra-heap is 0 and its totals
 * are exactly the numbers below; it calls nothing in libc that allocates.
 *   total:     70,816 bytes in 75 blocks   (64 kept + 1 big + 10 short-lived)
 *   peak:      70,656 bytes in 65 blocks   (the 64 kept, 5,120 bytes, and the big one, 65,536)
 *   at exit:    3,072 bytes in 32 blocks   (the odd-numbered kept ones, 64 and 128 bytes)
 */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static void *make(size_t n) {
    void *p = malloc(n);
    if (p) memset(p, 0, n);
    return p;
}

__attribute__((noinline)) static void *make_big(void) { return make(65536); }

int main(void) {
    void *keep[64];
    for (int i = 0; i < 64; i++) keep[i] = make(32 * (size_t)(i % 4 + 1));
    free(make_big());
    for (int i = 0; i < 64; i += 2) free(keep[i]);
    for (int i = 0; i < 10; i++) free(make(16));
    return 0;   /* keep[1], keep[3], ... stay allocated */
}
