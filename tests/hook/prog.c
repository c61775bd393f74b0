/* prog.c - a program that knows nothing of memscope, run under `memscope run` by
 * tests/hook/test_run.sh. Blocks of MARKER bytes are the ones the test counts.
 *   prog leak N | exit K | raise SIG | abort | wait PIDFILE | fork | threads N | churn N | atexit
 *        | forks N (N children forked while other threads make new stacks and new threads)
 *        | forkchain N (34567 bytes through chain_a -> chain_b, 80 ms, then N children one after
 *          another, each allocating 23456 bytes the same way; child N/2 loads libresolv first)
 * and for tests/hook/test_stream.sh (the .msb written while the program runs):
 *   prog progress N LOG [END]  N blocks, block i of 100000+i bytes (kept), one per ms; after each
 *        malloc returns, "i realtime_ns" appended to LOG (write(2)); its pid in LOG.pid first.
 *        END: return (default), _exit (150 ms later), _exit3 (_exit(3), 150 ms later), segv (150 ms
 *        later), pause, exec (100 ms later: this program again as `prog leak 2`)
 *      | oom LOG             blocks of 1 MiB + i, each filled, one per 5 ms, logged as above,
 *                            until malloc fails (then return 0) or the process is killed
 *      | vmlimit             blocks of 1 MiB until malloc fails; prints how many it got
 *      | spawn               posix_spawn and vfork+exec of `prog leak 2`, waits for both;
 *                            prints "spawn PID" and "vfork PID"
 *      | barrier T N         T threads alive together, each N malloc/free pairs of 4242 bytes */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

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

/* test_stream.sh: a log of when each block was returned, written with write(2) (no stdio
   buffer to lose when the process is killed) */
static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}
static void log_block(int fd, int i) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char line[64];
    int len = snprintf(line, sizeof line, "%d %lld\n", i, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    if (write(fd, line, (size_t)len) != len) _exit(4);
}
static int open_log(const char *path) {
    char pidpath[4096], tmp[4112], pid[32];
    snprintf(pidpath, sizeof pidpath, "%s.pid", path);
    snprintf(tmp, sizeof tmp, "%s.tmp", pidpath);
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    int pfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (pfd < 0 || write(pfd, pid, (size_t)len) != len || close(pfd) != 0 || rename(tmp, pidpath) != 0) return -1;
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
}
static void *volatile spare[65536]; /* volatile: the compiler may not drop a malloc kept nowhere else */
static int progress(int n, const char *logpath, const char *end, const char *self) {
    int fd = open_log(logpath);
    if (fd < 0 || n > 65536) return 2;
    for (int i = 0; i < n; i++) {
        spare[i] = malloc(100000 + (size_t)i);
        log_block(fd, i);
        sleep_ms(1);
    }
    close(fd);
    if (!strcmp(end, "_exit")) { sleep_ms(150); _exit(0); }
    if (!strcmp(end, "_exit3")) { sleep_ms(150); _exit(3); }
    if (!strcmp(end, "segv")) { sleep_ms(150); sink = NULL; *(volatile int *)sink = 1; return 5; }
    if (!strcmp(end, "pause")) for (;;) pause();
    if (!strcmp(end, "exec")) {
        sleep_ms(100);
        execl(self, self, "leak", "2", (char *)NULL);
        return 6;
    }
    return 0;
}
static int oom(const char *logpath) {
    int fd = open_log(logpath);
    if (fd < 0) return 2;
    for (int i = 0; i < 65536; i++) {
        char *p = malloc((1u << 20) + (size_t)i);
        if (!p) return 0;
        memset(p, i & 0xff, (1u << 20) + (size_t)i);
        spare[i] = p;
        log_block(fd, i);
        sleep_ms(5);
    }
    return 0;
}
static int spawn_children(const char *self) {
    char *args[] = {(char *)self, (char *)"leak", (char *)"2", NULL};
    pid_t a, b;
    if (posix_spawn(&a, self, NULL, NULL, args, environ) != 0) return 2;
    b = vfork();
    if (b == 0) { execve(self, args, environ); _exit(127); }
    if (b < 0) return 2;
    printf("spawn %ld\nvfork %ld\n", (long)a, (long)b);
    fflush(stdout);
    int sa = 0, sb = 0;
    if (waitpid(a, &sa, 0) != a || waitpid(b, &sb, 0) != b) return 3;
    return WIFEXITED(sa) && WEXITSTATUS(sa) == 0 && WIFEXITED(sb) && WEXITSTATUS(sb) == 0 ? 0 : 3;
}
static pthread_barrier_t barrier;
static void *barrier_worker(void *arg) {
    int n = *(int *)arg;
    pthread_barrier_wait(&barrier); /* every thread started before any allocates */
    for (int i = 0; i < n; i++) { void *p = malloc(4242); sink = p; free(p); }
    pthread_barrier_wait(&barrier); /* and none ends before all are done */
    return NULL;
}
static int barrier_threads(int t, int n) {
    pthread_t *th = calloc((size_t)t, sizeof *th);
    pthread_attr_t attr;
    if (!th || pthread_barrier_init(&barrier, NULL, (unsigned)t) != 0) return 2;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (int i = 0; i < t; i++)
        if (pthread_create(&th[i], &attr, barrier_worker, &n) != 0) return 3;
    for (int i = 0; i < t; i++) pthread_join(th[i], NULL);
    free(th);
    return 0;
}

/* forkchain: an allocation two calls deep, in code the parent never runs (no tail calls), and
   without frame pointers: only the call-frame information walks through it */
static void *volatile chain_kept;
__attribute__((noinline, optimize("omit-frame-pointer"))) static void *chain_b(size_t n) {
    void *p = malloc(n);
    __asm__ volatile("" : : "r"(p) : "memory");
    return p;
}
__attribute__((noinline, optimize("omit-frame-pointer"))) static void chain_a(size_t n) {
    chain_kept = chain_b(n);
    __asm__ volatile("" : : : "memory");
}

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
    if (!strcmp(mode, "outlive")) { /* a child that outlives its parent by about n ms (with
                                         "exec": it execs first, the new image outliving it) */
        leak(1);
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0 && argc > 3 && !strcmp(argv[3], "exec")) {
            leak(2);
            sleep_ms(150); /* (its file made: what a stream holds is what returned 100 ms before) */
            execl(argv[0], argv[0], "outlived", argv[2], (char *)NULL);
            return 6;
        }
        if (pid == 0) { leak(2); sleep_ms(n); leak(1); return 0; }
        printf("child %ld\n", (long)pid);
        sleep_ms(300); /* (its file made meanwhile: a stream's file appears at its first block) */
        return 0;
    }
    if (!strcmp(mode, "outlived")) { leak(1); sleep_ms(n); leak(2); return 0; }
    if (!strcmp(mode, "threads")) {
        pthread_t th[4];
        for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, &n);
        for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
        return 0;
    }
    if (!strcmp(mode, "churn")) { int k = n; worker(&k); return 0; } /* one thread: n pairs + 1 leak */
    if (!strcmp(mode, "forkchain")) {
        chain_a(34567); /* the same frames in the parent first, named by its writer before the forks */
        struct timespec ms80 = {0, 80000000};
        nanosleep(&ms80, NULL);
        for (int i = 0; i < n; i++) {
            pid_t pid = fork();
            if (pid == 0) {
                if (i == n / 2 && !dlopen("libresolv.so.2", RTLD_NOW)) return 4;
                chain_a(23456);
                return 0;
            }
            int st;
            if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) return 3;
        }
        return 0;
    }
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
    if (!strcmp(mode, "progress") && argc > 3) return progress(n, argv[3], argc > 4 ? argv[4] : "return", argv[0]);
    if (!strcmp(mode, "oom") && argc > 2) return oom(argv[2]);
    if (!strcmp(mode, "vmlimit")) {
        int got = 0;
        while (got < 65536 && (spare[got] = malloc(1u << 20)) != NULL) got++;
        printf("%d\n", got);
        return 0;
    }
    if (!strcmp(mode, "spawn")) return spawn_children(argv[0]);
    if (!strcmp(mode, "barrier") && argc > 3) return barrier_threads(n, atoi(argv[3]));
    return 3;
}
