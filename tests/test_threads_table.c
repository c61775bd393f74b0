/* test_threads_table.c - the lock-free live-allocation table under concurrency: many live
 * entries per shard (so shards grow and rebuild while other threads insert and remove),
 * tombstone churn, and cross-thread removals racing with rebuilds. Every count must be exact.
 */
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define THREADS 4
#define PER_THREAD 40000u /* 160 000 live at once: every shard grows several times */

static char g_arena[THREADS][PER_THREAD]; /* addresses only; TRACK_SIZE records 1 byte each */

typedef struct worker {
    memscope_tracker *t;
    int index;
    pthread_barrier_t *go;
} worker;

/* Phase 1: each thread tracks its own PER_THREAD addresses (shards grow under contention).
   Phase 2: each thread untracks the addresses of the NEXT thread (cross-thread removals, the
   CAS path) while the others do the same. Phase 3: each thread tracks its own addresses
   again, re-TRACKs each while live (an implicit free) and untracks it (the owner's plain-store
   removal), leaving tombstones that force rebuilds while other threads probe the shards. */
static void *table_worker(void *arg) {
    worker *w = arg;
    for (unsigned i = 0; i < PER_THREAD; i++) {
        char *p = &g_arena[w->index][i];
        TRACK_SIZE(w->t, p, 1);
    }
    pthread_barrier_wait(w->go);
    int victim = (w->index + 1) % THREADS;
    for (unsigned i = 0; i < PER_THREAD; i++) {
        char *q = &g_arena[victim][i];
        UNTRACK(w->t, q);
    }
    pthread_barrier_wait(w->go);
    for (unsigned i = 0; i < PER_THREAD; i++) {
        char *mine = &g_arena[w->index][i];
        TRACK_SIZE(w->t, mine, 2);
        TRACK_SIZE(w->t, mine, 3);
        UNTRACK(w->t, mine);
    }
    return NULL;
}

static void run_table_test(size_t max_events) {
    memscope_tracker *t = memscope_with_max_events(memscope_new(), max_events);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, THREADS);
    pthread_t th[THREADS];
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i].t = t;
        w[i].index = i;
        w[i].go = &go;
        assert_int_equal(pthread_create(&th[i], NULL, table_worker, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    pthread_barrier_destroy(&go);

    const uint64_t n = (uint64_t)THREADS * PER_THREAD;
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    assert_int_equal(s.total_allocations, 3 * n);
    assert_int_equal(s.total_deallocations, 3 * n);
    assert_int_equal(s.total_allocated_bytes, n * (1 + 2 + 3));
    /* phase 1 ends with every address live; phase 3 has at most one live per thread */
    assert_int_equal(s.peak_memory_bytes, n);
    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.thread_count, THREADS);
    for (size_t i = 0; i < r.thread_count; i++) {
        assert_int_equal(r.threads[i].allocations, 3 * PER_THREAD);
        assert_int_equal(r.threads[i].deallocations, 3 * PER_THREAD);
        assert_int_equal(r.threads[i].current_bytes, 0);
    }
    memscope_report_free(&r);

    /* nothing is left in the table: a TRACK of every address is a fresh allocation */
    for (int i = 0; i < THREADS; i++)
        for (unsigned j = 0; j < PER_THREAD; j++) {
            char *p = &g_arena[i][j];
            UNTRACK(t, p);
        }
    memscope_memory_stats s2 = memscope_stats(t);
    assert_int_equal(s2.total_deallocations, s.total_deallocations);
    memscope_destroy(t);
}

/* the peak from the merged retained events */
static void test_table_concurrency_exact_with_events(void **state) {
    (void)state;
    run_table_test(MEMSCOPE_DEFAULT_MAX_EVENTS);
}

/* counters only: the peak from the shared counters past the bound */
static void test_table_concurrency_exact_counters_only(void **state) {
    (void)state;
    run_table_test(0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_concurrency_exact_with_events),
        cmocka_unit_test(test_table_concurrency_exact_counters_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
