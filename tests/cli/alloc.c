/* alloc - a program that knows nothing of memscope, for tests/test_run_cli.sh: known numbers
 * of blocks of known sizes, so that a report can be checked exactly.
 *
 *   alloc small N                  N blocks of 12345 bytes, then exit 0
 *   alloc loop PIDFILE             its pid to PIDFILE, then allocates and frees until killed
 *                                  (exits 3 after 60 s, so that a failed test leaves nothing)
 *   alloc chdir DIR N              chdir(DIR), N blocks of 12345 bytes, exit 0
 *   alloc fork P C CHILDPIDFILE    P blocks of 11111 bytes; forks a child that makes C blocks
 *                                  of 22222 bytes and exits 300 ms after the parent has; the
 *                                  parent writes the child's pid to CHILDPIDFILE and exits 0 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *volatile keep[4096]; /* blocks stay reachable: no call is optimised away */

static void blocks(long n, size_t size) {
    for (long i = 0; i < n; i++) keep[i % 4096] = malloc(size);
}

static void nap(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* written whole, then renamed: a reader never sees half of it */
static void put_pid(const char *path, long pid) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) { perror(tmp); exit(2); }
    fprintf(f, "%ld\n", pid);
    if (fclose(f) != 0 || rename(tmp, path) != 0) { perror(path); exit(2); }
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "small") && argc == 3) {
        blocks(atol(argv[2]), 12345);
        return 0;
    }
    if (!strcmp(mode, "loop") && argc == 3) {
        put_pid(argv[2], (long)getpid());
        for (int i = 0; i < 6000; i++) {
            void *p = malloc(100);
            keep[0] = p;
            free(p);
            nap(10);
        }
        return 3;
    }
    if (!strcmp(mode, "chdir") && argc == 4) {
        if (chdir(argv[2]) != 0) { perror(argv[2]); return 2; }
        blocks(atol(argv[3]), 12345);
        return 0;
    }
    if (!strcmp(mode, "fork") && argc == 5) {
        blocks(atol(argv[2]), 11111);
        pid_t parent = getpid(), child = fork();
        if (child < 0) { perror("fork"); return 2; }
        if (child == 0) {
            blocks(atol(argv[3]), 22222);
            for (int i = 0; i < 1000 && getppid() == parent; i++) nap(10);
            nap(300);
            return 0;
        }
        put_pid(argv[4], (long)child);
        return 0;
    }
    fprintf(stderr, "usage: alloc small N | loop PIDFILE | chdir DIR N | fork P C CHILDPIDFILE\n");
    return 2;
}
