/* threads.c - one tracker shared by four threads, with a per-thread breakdown.
 *
 * Port of the seed's "Multi-threaded Tracking" example. From the repository root:
 *   cc -std=c11 -I. examples/threads.c -pthread -o threads && ./threads
 *
 * Threads share a tracker by passing the pointer. Each worker allocates 100 arrays of
 * 16 ints and frees every other one itself; main frees the rest after the report, which
 * shows that a thread's current_bytes counts what it allocated, wherever it is freed.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#define WORKERS 4
#define ARRAYS_PER_WORKER 100

struct worker {
    pthread_t thread;
    int id;
    memscope_tracker *tracker;
    int *kept[ARRAYS_PER_WORKER]; /* arrays left for main to free */
    size_t kept_count;
    int failed;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char name[16];
    snprintf(name, sizeof name, "worker-%d", w->id);
    pthread_setname_np(pthread_self(), name); /* before the first TRACK, which records it */

    for (int i = 0; i < ARRAYS_PER_WORKER; i++) {
        int *data = malloc(16 * sizeof *data);
        if (!data) {
            w->failed = 1;
            break;
        }
        for (int j = 0; j < 16; j++)
            data[j] = i;
        TRACK(w->tracker, data);

        if (i % 2) {
            UNTRACK(w->tracker, data);
            free(data);
        } else {
            w->kept[w->kept_count++] = data;
        }
    }
    return NULL;
}

static int by_thread_id(const void *a, const void *b)
{
    const memscope_thread_stats *x = a, *y = b;
    return x->thread_id < y->thread_id ? -1 : x->thread_id > y->thread_id;
}

static void print_thread_table(memscope_report *r)
{
    if (r->thread_count > 1)
        qsort(r->threads, r->thread_count, sizeof *r->threads, by_thread_id);
    printf("  %9s  %-16s %7s %7s %9s %9s %9s\n", "thread_id", "name", "allocs", "frees",
           "allocated", "current", "peak");
    for (size_t i = 0; i < r->thread_count; i++) {
        const memscope_thread_stats *s = &r->threads[i];
        printf("  %9" PRIu32 "  %-16s %7zu %7zu %9" PRIu64 " %9" PRIu64 " %9" PRIu64 "\n",
               s->thread_id, s->thread_name ? s->thread_name : "", s->allocations, s->deallocations,
               s->allocated_bytes, s->current_bytes, s->peak_bytes);
    }
}

int main(void)
{
    memscope_tracker *tracker = TRACKER();
    if (!tracker) {
        fprintf(stderr, "threads: cannot create a tracker: out of memory\n");
        return 1;
    }

    struct worker workers[WORKERS];
    int started = 0, status = 0;
    for (int i = 0; i < WORKERS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].id = i;
        workers[i].tracker = tracker;
        int err = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
        if (err) {
            fprintf(stderr, "threads: pthread_create: %s\n", strerror(err));
            status = 1;
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(workers[i].thread, NULL);
        if (workers[i].failed) {
            fprintf(stderr, "threads: worker %d ran out of memory\n", i);
            status = 1;
        }
    }

    memscope_report report = memscope_analyze(tracker);
    printf("Total allocations:   %zu (%d threads x %d)\n", report.total_allocations, started,
           ARRAYS_PER_WORKER);
    printf("Total deallocations: %zu\n", report.total_deallocations);
    printf("Active allocations:  %zu, %" PRIu64 " bytes live, peak %" PRIu64 " bytes\n",
           report.active_allocations, report.current_memory_bytes, report.peak_memory_bytes);
    printf("Per thread:\n");
    print_thread_table(&report);

    size_t sum_allocs = 0;
    uint64_t sum_current = 0;
    for (size_t i = 0; i < report.thread_count; i++) {
        sum_allocs += report.threads[i].allocations;
        sum_current += report.threads[i].current_bytes;
    }
    printf("Per-thread sums match the totals: %s\n",
           sum_allocs == report.total_allocations && sum_current == report.current_memory_bytes
               ? "yes" : "NO");
    memscope_report_free(&report);

    /* main frees what the workers kept; the bytes come off each worker's current_bytes. */
    for (int i = 0; i < started; i++) {
        for (size_t k = 0; k < workers[i].kept_count; k++) {
            UNTRACK(tracker, workers[i].kept[k]);
            free(workers[i].kept[k]);
        }
    }
    memscope_report after = memscope_analyze(tracker);
    uint64_t left = 0;
    for (size_t i = 0; i < after.thread_count; i++)
        left += after.threads[i].current_bytes;
    printf("After main freed the rest: %zu active, %zu frees, per-thread current bytes %" PRIu64
           "\n",
           after.active_allocations, after.total_deallocations, left);
    memscope_report_free(&after);

    /* The run as JSON and as the compact binary file, both from one instant:
       `memscope report output/threads.msb` prints this run's report again. */
    const char *files[] = {"output/threads.json", "output/threads.msb"};
    memscope_result rc = memscope_export_many(tracker, files, 2);
    if (rc == MEMSCOPE_OK)
        printf("Reports: %s, %s\n", files[0], files[1]);
    else
        fprintf(stderr, "threads: export failed: %s\n", memscope_result_string(rc));
    memscope_destroy(tracker);
    return rc == MEMSCOPE_OK ? status : 1;
}
