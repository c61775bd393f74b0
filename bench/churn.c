/* churn - malloc/free churn for comparing whole-program trackers (bench/peer_bench.sh).
   Standalone C11 + pthreads; does not include memscope.h, so every tracker sees the same
   unmodified program.

   Usage: churn MODE PAIRS
     shallow   PAIRS malloc+free pairs in one loop, sizes 16..256 bytes from an LCG
     deep      the same, each pair made at the bottom of a call chain of 20..35 frames
               (plus one_pair, deep_loop, main, libc start-up); the depth and the
               functions on the chain vary per pair (16 depths x 256 paths = 4096
               distinct stacks), so a tracker that records stacks walks and hashes real,
               varying ones
     threads2  two threads, each doing PAIRS/2 shallow pairs at the same time

   Prints one line: mode=M pairs=N seconds=S ns_per_pair=X, where S is the
   CLOCK_MONOTONIC time of the loops only (not start-up or exit).

   Build: cc -std=c11 -O2 -fno-omit-frame-pointer -pthread bench/churn.c -o build/churn */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
/* The pointer escapes into an asm the compiler cannot see through, so it may not merge
   or drop the malloc/free pair. */
#define ESCAPE(p) __asm__ __volatile__("" : : "r"(p) : "memory")
#else
#define NOINLINE
#define ESCAPE(p) (g_escape = (p))
static void *volatile g_escape;
#endif

static volatile unsigned char g_sink;
static volatile unsigned g_frames; /* written after each call: keeps the calls non-tail */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t lcg_next(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return *state;
}

static size_t size_of(uint32_t r) {
    return 16 + (size_t)((r >> 8) % 241u); /* 16..256 */
}

/* Returns a byte read back from the block (0..255), or -1 when malloc fails. */
NOINLINE static int one_pair(size_t size, uint32_t r) {
    unsigned char *p = malloc(size);
    if (!p) return -1;
    p[0] = (unsigned char)r;
    p[size - 1] = (unsigned char)(r >> 8);
    ESCAPE(p);
    int v = p[size - 1] ^ p[0];
    free(p);
    return v;
}

/* The bytes read back are summed locally and stored once at the end: a store per pair
   to a shared global would bounce its cache line between the threads2 workers. */
static int shallow_loop(size_t pairs, uint32_t seed) {
    uint32_t s = seed;
    unsigned acc = 0;
    for (size_t i = 0; i < pairs; i++) {
        uint32_t r = lcg_next(&s);
        int v = one_pair(size_of(r), r);
        if (v < 0) return -1;
        acc += (unsigned)v;
    }
    g_sink = (unsigned char)acc;
    return 0;
}

/* ---- deep: a chain of four different functions, chosen per frame ---- */

typedef int (*level_fn)(unsigned depth, unsigned path, size_t size, uint32_t r);
static const level_fn g_next[4];

/* The 4 frames nearest the allocation are picked by 2 bits of path each (256 paths);
   the frames above are always level_a. The store after the call keeps it from being a
   tail call, so every frame stays on the stack. */
static unsigned pick(unsigned depth, unsigned path) {
    return depth < 4 ? (path >> (2 * depth)) & 3u : 0u;
}

#define DEFINE_LEVEL(name, k)                                                  \
    NOINLINE static int name(unsigned depth, unsigned path, size_t size,       \
                             uint32_t r) {                                     \
        if (depth == 0) {                                                      \
            int v = one_pair(size, r);                                         \
            g_frames = k;                                                      \
            return v;                                                          \
        }                                                                      \
        int rc = g_next[pick(depth - 1, path)](depth - 1, path, size, r);      \
        g_frames = depth + k;                                                  \
        return rc;                                                             \
    }
DEFINE_LEVEL(level_a, 0)
DEFINE_LEVEL(level_b, 1)
DEFINE_LEVEL(level_c, 2)
DEFINE_LEVEL(level_d, 3)
#undef DEFINE_LEVEL

static const level_fn g_next[4] = {level_a, level_b, level_c, level_d};

static int deep_loop(size_t pairs, uint32_t seed) {
    uint32_t s = seed;
    unsigned acc = 0;
    for (size_t i = 0; i < pairs; i++) {
        uint32_t r = lcg_next(&s);
        unsigned frames = 20u + (r >> 28);          /* 20..35 level_x frames */
        unsigned path = (r >> 20) & 0xffu;
        int v = g_next[pick(frames - 1, path)](frames - 1, path, size_of(r), r);
        if (v < 0) return -1;
        acc += (unsigned)v;
    }
    g_sink = (unsigned char)acc;
    return 0;
}

/* ---- threads2 ---- */

typedef struct worker {
    size_t pairs;
    uint32_t seed;
    pthread_barrier_t *go;
    int rc;
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    pthread_barrier_wait(w->go);
    w->rc = shallow_loop(w->pairs, w->seed);
    return NULL;
}

static int threads2(size_t pairs, double *seconds) {
    pthread_barrier_t go;
    pthread_t th[2];
    worker w[2];
    if (pthread_barrier_init(&go, NULL, 3)) return -1;
    for (int i = 0; i < 2; i++) {
        w[i].pairs = pairs / 2 + (i == 0 ? pairs % 2 : 0);
        w[i].seed = 12345u + 777u * (uint32_t)i;
        w[i].go = &go;
        w[i].rc = 0;
        if (pthread_create(&th[i], NULL, worker_main, &w[i])) return -1;
    }
    pthread_barrier_wait(&go);
    double t0 = now_s();
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    *seconds = now_s() - t0;
    pthread_barrier_destroy(&go);
    return w[0].rc || w[1].rc ? -1 : 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: churn shallow|deep|threads2 PAIRS\n");
        return 2;
    }
    const char *mode = argv[1];
    char *end = NULL;
    unsigned long long n = strtoull(argv[2], &end, 10);
    if (!end || *end || n == 0) {
        fprintf(stderr, "churn: PAIRS must be a positive integer, not '%s'\n", argv[2]);
        return 2;
    }
    size_t pairs = (size_t)n;
    double seconds = 0;
    int rc;
    if (!strcmp(mode, "shallow")) {
        double t0 = now_s();
        rc = shallow_loop(pairs, 12345u);
        seconds = now_s() - t0;
    } else if (!strcmp(mode, "deep")) {
        double t0 = now_s();
        rc = deep_loop(pairs, 12345u);
        seconds = now_s() - t0;
    } else if (!strcmp(mode, "threads2")) {
        rc = threads2(pairs, &seconds);
    } else {
        fprintf(stderr, "churn: unknown mode '%s' (shallow, deep, threads2)\n", mode);
        return 2;
    }
    if (rc) {
        fprintf(stderr, "churn: out of memory\n");
        return 1;
    }
    printf("mode=%s pairs=%zu seconds=%.6f ns_per_pair=%.2f\n", mode, pairs, seconds,
           seconds * 1e9 / (double)pairs);
    return 0;
}
