/* own_close.c - a program that defines its own close and dup2, linked with memscope.c built
 * with -DMEMSCOPE_HOOK_MALLOC (whose wrappers of close, dup2 and dup3 are weak): it links,
 * and its own functions are the ones called. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int closes, dups;
int close(int fd) {
    closes++;
    return (int)syscall(SYS_close, fd);
}
int dup2(int fd, int fd2) {
    dups++;
    return (int)syscall(SYS_dup3, fd, fd2, 0);
}

int main(void) {
    int p[2];
    if (pipe(p) != 0) return 2;
    if (dup2(p[0], 40) != 40) return 3;
    close(40);
    close(p[0]);
    close(p[1]);
    char *x = (char *)malloc(32); /* the hooks still record */
    if (!x) return 4;
    x[0] = 1;
    free(x);
    if (closes != 3 || dups != 1) {
        fprintf(stderr, "own_close: close called %d times (3 expected), dup2 %d (1)\n", closes, dups);
        return 1;
    }
    return 0;
}
