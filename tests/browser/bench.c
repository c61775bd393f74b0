/* bench.c - the export for `run.sh --bench`: 500,000 TRACK_SIZE/UNTRACK pairs with varied
 * sizes from 2 threads (1,000,000 events), sample rate 1.0, no stacks, event bound 2,000,000.
 * Writes OUT_BASE.html and prints "export_ms=<ms of memscope_export_html>" and
 * "events=<count>". Usage: bench OUT_BASE */
#define MEMSCOPE_IMPLEMENTATION
#include "common.h"

#include <pthread.h>

#define PAIRS_PER_THREAD 250000
#define ARENA 4096

static memscope_tracker *tracker;
static char arena[2][ARENA];

static void *work(void *arg)
{
    int id = *(int *)arg;
    uint32_t x = 2463534242u + (uint32_t)id;
    for (int i = 0; i < PAIRS_PER_THREAD; i++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;            /* xorshift32: varied sizes */
        size_t size = 8 + x % 16384;
        char *p = arena[id] + i % ARENA;                    /* stands in for a heap block */
        switch (i & 3) {
        case 0: { char *bench_small = p; TRACK_SIZE(tracker, bench_small, size % 256 + 1); UNTRACK(tracker, bench_small); break; }
        case 1: { char *bench_medium = p; TRACK_SIZE(tracker, bench_medium, size); UNTRACK(tracker, bench_medium); break; }
        case 2: { char *bench_large = p; TRACK_SIZE(tracker, bench_large, size * 16); UNTRACK(tracker, bench_large); break; }
        default: { char *bench_other = p; TRACK_SIZE(tracker, bench_other, size / 2 + 1); UNTRACK(tracker, bench_other); break; }
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *base = base_arg(argc, argv);
    tracker = memscope_with_max_events(memscope_with_sampling(memscope_new(), (memscope_sampling_config){1.0, false, 0}),
                                       2000000);
    if (!tracker) return 1;
    pthread_t th[2];
    int ids[2] = {0, 1};
    for (int i = 0; i < 2; i++)
        if (pthread_create(&th[i], NULL, work, &ids[i])) return 1;
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s.html", base);
    double t0 = now_sec();
    memscope_result r = memscope_export_html(tracker, path);
    double t1 = now_sec();
    if (r != MEMSCOPE_OK) {
        fprintf(stderr, "export %s: %s\n", path, memscope_result_string(r));
        return 1;
    }
    memscope_memory_stats st = memscope_stats(tracker);
    printf("export_ms=%.1f\nevents=%llu\ndropped=%llu\n", (t1 - t0) * 1e3,
           (unsigned long long)(st.total_allocations + st.total_deallocations),
           (unsigned long long)st.dropped_events);
    memscope_destroy(tracker);
    return 0;
}
