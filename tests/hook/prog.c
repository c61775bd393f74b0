/* prog.c - a program that knows nothing of memscope, run under `memscope run` by
 * tests/hook/test_run.sh. Blocks of MARKER bytes are the ones the test counts.
 *   prog leak N | exit K | raise SIG | abort | wait PIDFILE | fork | threads N | churn N | atexit */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MARKER 12345
static void *volatile sink;
static void leak(int n) { for (int i = 0; i < n; i++) sink = malloc(MARKER); }
static void *worker(void *arg) {
    int n = *(int *)arg;
    for (int i = 0; i < n; i++) { void *p = malloc(MARKER); sink = p; free(p); } /* not sink: shared */
    leak(1);
    return NULL;
}
static void *kept;
static void free_kept(void) { free(kept); } /* atexit: runs before the report is written */

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "leak";
    int n = argc > 2 ? atoi(argv[2]) : 1;
    if (!strcmp(mode, "leak")) { leak(n); return 0; }
    if (!strcmp(mode, "exit")) { leak(1); exit(n); }
    if (!strcmp(mode, "raise")) { leak(3); raise(n); return 0; }
    if (!strcmp(mode, "abort")) { leak(2); abort(); }
    if (!strcmp(mode, "wait")) { /* the test kills us */
        leak(4);
        FILE *f = fopen(argv[2], "w");
        if (!f) return 2;
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
        for (;;) pause();
    }
    if (!strcmp(mode, "fork")) {
        leak(1);
        pid_t pid = fork();
        if (pid == 0) { leak(2); return 0; }
        int st;
        waitpid(pid, &st, 0);
        return 0;
    }
    if (!strcmp(mode, "threads")) {
        pthread_t th[4];
        for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, &n);
        for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
        return 0;
    }
    if (!strcmp(mode, "churn")) { int k = n; worker(&k); return 0; } /* one thread: n pairs + 1 leak */
    if (!strcmp(mode, "atexit")) { kept = malloc(MARKER); atexit(free_kept); leak(1); return 0; }
    return 3;
}
