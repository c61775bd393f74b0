/* large.c - the "large" export: a plain program recorded by `memscope run` with more events
 * than a dashboard page holds (MEMSCOPE_HTML_MAX_EVENTS, 1,000,000), so its page is binned.
 *
 *   - grow_list: 60,000 blocks of 64 bytes kept, then freed in order (a ramp up and down: the
 *     peak of the run, about 3.8 MB);
 *   - churn_pair: 600,000 malloc+free pairs of 16..256 bytes on the main thread, and 100,000 on
 *     a second thread ("worker") at the same time;
 *   - leak_note (static): a 100-byte block every 250th pair of the main thread, never freed
 *     (2,400 leaks spread over the run: the live-at-exit list of the page);
 *   - printf to stdout: glibc's stdio buffer, a built-in suppressed leak.
 *
 * About 1.52 M events. run.sh records it with `memscope run -o large.msb -- large` and converts
 * it with `memscope report large.msb --html large.html --json large.json`.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))
#define ESCAPE(p) __asm__ __volatile__("" : : "r"(p) : "memory")

static void *leaks[2400];
static unsigned n_leaks;

static NOINLINE void leak_note(unsigned i) {
    char *p = malloc(100);
    if (!p) abort();
    memset(p, (int)(i & 0xff), 100);
    leaks[n_leaks++] = p; /* the leak the tests look for */
}

static NOINLINE void churn_pair(unsigned *seed) {
    *seed = *seed * 1103515245u + 12345u;
    size_t n = 16 + (*seed >> 16) % 241;
    char *p = malloc(n);
    if (!p) abort();
    p[0] = 1;
    ESCAPE(p);
    free(p);
}

static NOINLINE void grow_list(void) {
    enum { N = 60000 };
    void **list = malloc(N * sizeof *list);
    if (!list) abort();
    for (int i = 0; i < N; i++) {
        list[i] = malloc(64);
        if (!list[i]) abort();
        ESCAPE(list[i]);
    }
    for (int i = 0; i < N; i++) free(list[i]);
    free(list);
}

static void *worker(void *arg) {
    unsigned seed = 7;
    (void)arg;
    for (int i = 0; i < 100000; i++) churn_pair(&seed);
    return NULL;
}

int main(void) {
    unsigned seed = 1;
    pthread_t th;
    for (unsigned i = 0; i < 300000; i++) {
        churn_pair(&seed);
        if (i % 250 == 0) leak_note(i);
    }
    if (pthread_create(&th, NULL, worker, NULL) != 0) return 1;
    pthread_setname_np(th, "worker");
    grow_list();
    for (unsigned i = 300000; i < 600000; i++) {
        churn_pair(&seed);
        if (i % 250 == 0) leak_note(i);
    }
    pthread_join(th, NULL);
    printf("large: %u leaks\n", n_leaks);
    return 0;
}
