/* prog.c - a program that knows nothing of memscope, run under `memscope run` by
 * tests/hook/test_run.sh. Blocks of MARKER bytes are the ones the test counts.
 *   prog leak N | exit K | raise SIG | abort | wait PIDFILE | fork | threads N | churn N | atexit
 *        | forks N (N children forked while other threads make new stacks and new threads) */
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
#define NOINLINE_ATTR __attribute__((noinline))
static void leak(int n) { for (int i = 0; i < n; i++) sink = malloc(MARKER); }
static void *worker(void *arg) {
    int n = *(int *)arg;
    for (int i = 0; i < n; i++) { void *p = malloc(MARKER); sink = p; free(p); } /* not sink: shared */
    leak(1);
    return NULL;
}
/* forks: a thread that keeps allocating from ever new call stacks (each a new entry in the
   tracker's stack table) and another that keeps starting threads (each a new thread record) */
static volatile int stop_busy;
static void *NOINLINE_ATTR deep_alloc(int depth) {
    if (depth > 0) { void *p = deep_alloc(depth - 1); __asm__ __volatile__("" ::: "memory"); return p; }
    return malloc(64);
}
static void *new_stacks(void *arg) {
    (void)arg;
    for (unsigned i = 0; !stop_busy; i++) {
        free(deep_alloc((int)(i % 48)));
        if (i % 16 == 0) usleep(50); /* keeps the history each child inherits short */
    }
    return NULL;
}
static void *short_lived(void *arg) { free(malloc(32)); return arg; }
static void *new_threads(void *arg) {
    (void)arg;
    while (!stop_busy) {
        pthread_t t;
        if (pthread_create(&t, NULL, short_lived, NULL) == 0) pthread_join(t, NULL);
        usleep(50);
    }
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
    if (!strcmp(mode, "forks")) { /* each child allocates from a new stack, starts a thread and exits */
        pthread_t a, b;
        pthread_create(&a, NULL, new_stacks, NULL);
        pthread_create(&b, NULL, new_threads, NULL);
        for (int i = 0; i < n; i++) {
            pid_t pid = fork();
            if (pid == 0) {
                pthread_t t;
                free(deep_alloc(50 + i % 10));
                if (pthread_create(&t, NULL, short_lived, NULL) == 0) pthread_join(t, NULL);
                exit(0); /* writes its report: the tracker's locks must be free in the child */
            }
            int st = 0;
            if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 3;
        }
        stop_busy = 1;
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        return 0;
    }
    if (!strcmp(mode, "atexit")) { kept = malloc(MARKER); atexit(free_kept); leak(1); return 0; }
    return 3;
}
