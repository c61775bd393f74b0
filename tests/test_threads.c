/* test_threads.c - one tracker shared by threads: exact totals under contention, per-thread
 * stats, cross-thread UNTRACK, exited threads, concurrent analysis/export.
 * Runs under TSan too: the test code itself shares data only through joins and a mutex. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>

#include "ms_test.h"

#define NTHREADS 8
#define PAIRS 100000u
#define KEEP 10u /* allocations each worker leaves live */

typedef struct worker {
    memscope_tracker *t;
    unsigned index;
    size_t pairs;
    size_t size;     /* bytes per TRACK_SIZE */
    uint32_t tid;    /* written by the worker, read after join */
    uint64_t usable; /* sum of malloc_usable_size, for TRACK without size */
    char **keep;     /* the KEEP live allocations, freed by the main thread */
} worker;

static void name_this_thread(unsigned index) {
    char name[16];
    mst_fmt(name, sizeof name, "ms-worker-%u", index);
    pthread_setname_np(pthread_self(), name);
}

/* PAIRS x (malloc, TRACK_SIZE, UNTRACK, free), except the last KEEP which stay live. */
static void *worker_track_size(void *arg) {
    worker *w = arg;
    w->tid = mst_gettid();
    name_this_thread(w->index);
    for (size_t j = 0; j < w->pairs; j++) {
        char *block = malloc(w->size);
        TRACK_SIZE(w->t, block, w->size);
        if (j < w->pairs - KEEP) {
            UNTRACK(w->t, block);
            free(block);
        } else {
            w->keep[j - (w->pairs - KEEP)] = block;
        }
    }
    return NULL;
}

static void free_kept(memscope_tracker *t, worker *w) {
    for (size_t k = 0; k < KEEP; k++) {
        UNTRACK(t, w->keep[k]);
        free(w->keep[k]);
    }
    free(w->keep);
}

static void test_threads_8x100k_exact_totals(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    pthread_t th[NTHREADS];
    worker w[NTHREADS];
    uint64_t total_bytes = 0, live_bytes = 0;
    for (unsigned i = 0; i < NTHREADS; i++) {
        w[i] = (worker){t, i, PAIRS, 16u + i, 0, 0, calloc(KEEP, sizeof(char *))};
        total_bytes += (uint64_t)PAIRS * w[i].size;
        live_bytes += (uint64_t)KEEP * w[i].size;
        assert_int_equal(pthread_create(&th[i], NULL, worker_track_size, &w[i]), 0);
    }
    for (unsigned i = 0; i < NTHREADS; i++) assert_int_equal(pthread_join(th[i], NULL), 0);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, (size_t)NTHREADS * PAIRS);
    assert_int_equal(s.total_deallocations, (size_t)NTHREADS * (PAIRS - KEEP));
    assert_int_equal(s.active_allocations, (size_t)NTHREADS * KEEP);
    assert_int_equal(s.total_allocated_bytes, total_bytes);
    assert_int_equal(s.current_memory_bytes, live_bytes);
    /* no thread ever holds more than its KEEP blocks, and all are live at the end */
    assert_int_equal(s.peak_memory_bytes, live_bytes);
    assert_int_equal(s.dropped_events, 0);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.total_allocations, (size_t)NTHREADS * PAIRS);
    assert_int_equal(r.total_deallocations, (size_t)NTHREADS * (PAIRS - KEEP));
    assert_int_equal(r.active_allocations, (size_t)NTHREADS * KEEP);
    assert_int_equal(r.current_memory_bytes, live_bytes);
    assert_int_equal(r.peak_memory_bytes, live_bytes);
    assert_int_equal(r.total_allocated_bytes, total_bytes);
    assert_int_equal(r.thread_count, NTHREADS); /* the main thread recorded nothing yet */
    for (unsigned i = 0; i < NTHREADS; i++) {
        const memscope_thread_stats *ts = mst_find_thread(&r, w[i].tid);
        assert_non_null(ts);
        char name[16];
        mst_fmt(name, sizeof name, "ms-worker-%u", i);
        assert_string_equal(ts->thread_name, name);
        assert_int_equal(ts->allocations, PAIRS);
        assert_int_equal(ts->deallocations, PAIRS - KEEP);
        assert_int_equal(ts->allocated_bytes, (uint64_t)PAIRS * w[i].size);
        assert_int_equal(ts->current_bytes, (uint64_t)KEEP * w[i].size);
        assert_int_equal(ts->peak_bytes, (uint64_t)KEEP * w[i].size);
    }
    memscope_report_free(&r);

    for (unsigned i = 0; i < NTHREADS; i++) free_kept(t, &w[i]);
    s = memscope_stats(t);
    assert_int_equal(s.total_deallocations, (size_t)NTHREADS * PAIRS);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    memscope_destroy(t);
}

/* TRACK without a size from several threads: bytes are each block's usable size. */
static void *worker_track_usable(void *arg) {
    worker *w = arg;
    w->tid = mst_gettid();
    for (size_t j = 0; j < w->pairs; j++) {
        char *blk = malloc(1 + (j % 200));
        TRACK(w->t, blk);
        w->usable += malloc_usable_size(blk);
        UNTRACK(w->t, blk);
        free(blk);
    }
    return NULL;
}

static void test_threads_track_without_size_usable_bytes(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    pthread_t th[4];
    worker w[4];
    for (unsigned i = 0; i < 4; i++) {
        w[i] = (worker){t, i, 20000, 0, 0, 0, NULL};
        assert_int_equal(pthread_create(&th[i], NULL, worker_track_usable, &w[i]), 0);
    }
    uint64_t usable = 0;
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        usable += w[i].usable;
    }
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 80000);
    assert_int_equal(s.total_deallocations, 80000);
    assert_int_equal(s.total_allocated_bytes, usable);
    assert_int_equal(s.current_memory_bytes, 0);
    memscope_report r = memscope_analyze(t);
    for (unsigned i = 0; i < 4; i++) {
        const memscope_thread_stats *ts = mst_find_thread(&r, w[i].tid);
        assert_non_null(ts);
        assert_int_equal(ts->allocated_bytes, w[i].usable);
        assert_int_equal(ts->current_bytes, 0);
    }
    memscope_report_free(&r);
    memscope_destroy(t);
}

/* Every address's events alternate ALLOC, FREE, ALLOC, ... in the merged order: a FREE is never
   listed before the ALLOC it frees, even when the two happened on different threads. */
typedef struct addr_event {
    uintptr_t address;
    size_t index;
    memscope_event_kind kind;
} addr_event;

static int cmp_addr_event(const void *a, const void *b) {
    const addr_event *x = a, *y = b;
    if (x->address != y->address) return x->address < y->address ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

static void assert_causal_order(const memscope_event *ev, size_t n) {
    addr_event *ae = malloc((n ? n : 1) * sizeof *ae);
    assert_non_null(ae);
    for (size_t i = 0; i < n; i++) ae[i] = (addr_event){ev[i].address, i, ev[i].kind};
    qsort(ae, n, sizeof *ae, cmp_addr_event);
    size_t bad = 0, first_bad = 0;
    for (size_t i = 0; i < n; i++) {
        int first_of_address = i == 0 || ae[i].address != ae[i - 1].address;
        memscope_event_kind want = first_of_address ? MEMSCOPE_EVENT_ALLOC
                                   : (ae[i - 1].kind == MEMSCOPE_EVENT_ALLOC ? MEMSCOPE_EVENT_FREE
                                                                            : MEMSCOPE_EVENT_ALLOC);
        if (ae[i].kind != want && bad++ == 0) first_bad = ae[i].index;
    }
    free(ae);
    if (bad) {
        print_error("%zu of %zu events out of causal order (a FREE listed before its ALLOC or "
                    "two ALLOCs of one address in a row); first at index %zu\n",
                    bad, n, first_bad);
        fail();
    }
}

/* ---- cross-thread UNTRACK ---------------------------------------------------------------- */

typedef struct handoff {
    memscope_tracker *t;
    char *ptr;
    size_t size;
    uint32_t tid;
} handoff;

static void *thread_tracks(void *arg) {
    handoff *h = arg;
    h->tid = mst_gettid();
    char *shared_block = h->ptr;
    TRACK_SIZE(h->t, shared_block, h->size);
    return NULL;
}

static void *thread_untracks(void *arg) {
    handoff *h = arg;
    h->tid = mst_gettid();
    UNTRACK(h->t, h->ptr);
    return NULL;
}

static void test_cross_thread_untrack_between_two_workers(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *block = malloc(100);
    handoff a = {t, block, 100, 0}, b = {t, block, 0, 0};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, thread_tracks, &a), 0);
    assert_int_equal(pthread_join(ta, NULL), 0); /* A has exited before B frees and analyze */
    assert_int_equal(pthread_create(&tb, NULL, thread_untracks, &b), 0);
    assert_int_equal(pthread_join(tb, NULL), 0);
    assert_int_not_equal(a.tid, b.tid);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 1);
    assert_int_equal(s.total_deallocations, 1);
    assert_int_equal(s.current_memory_bytes, 0);
    assert_int_equal(s.peak_memory_bytes, 100);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.thread_count, 2);
    const memscope_thread_stats *ra = mst_find_thread(&r, a.tid), *rb = mst_find_thread(&r, b.tid);
    assert_non_null(ra);
    assert_non_null(rb);
    assert_int_equal(ra->allocations, 1);
    assert_int_equal(ra->deallocations, 0);
    assert_int_equal(ra->allocated_bytes, 100);
    assert_int_equal(ra->current_bytes, 0);
    assert_int_equal(ra->peak_bytes, 100);
    assert_int_equal(rb->allocations, 0);
    assert_int_equal(rb->deallocations, 1);
    assert_int_equal(rb->allocated_bytes, 0);
    assert_int_equal(rb->current_bytes, 0);
    memscope_report_free(&r);

    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ev[0].kind, MEMSCOPE_EVENT_ALLOC);
    assert_int_equal(ev[0].thread_id, a.tid);
    assert_int_equal(ev[0].alloc_thread_id, a.tid);
    assert_int_equal(ev[1].kind, MEMSCOPE_EVENT_FREE);
    assert_int_equal(ev[1].thread_id, b.tid);
    assert_int_equal(ev[1].alloc_thread_id, a.tid);
    assert_int_equal(ev[1].size, 100);
    assert_string_equal(ev[1].var_name, "shared_block");
    free(ev);
    free(block);
    memscope_destroy(t);
}

static void test_cross_thread_untrack_of_live_main_thread_allocation(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *mine = malloc(64), *other = malloc(32);
    TRACK_SIZE(t, mine, 64);
    TRACK_SIZE(t, other, 32);
    handoff b = {t, mine, 0, 0};
    pthread_t tb;
    assert_int_equal(pthread_create(&tb, NULL, thread_untracks, &b), 0);
    assert_int_equal(pthread_join(tb, NULL), 0);

    memscope_report r = memscope_analyze(t);
    const memscope_thread_stats *me = mst_find_thread(&r, mst_gettid());
    const memscope_thread_stats *rb = mst_find_thread(&r, b.tid);
    assert_non_null(me);
    assert_non_null(rb);
    assert_int_equal(me->allocations, 2);
    assert_int_equal(me->deallocations, 0);
    assert_int_equal(me->current_bytes, 32); /* dropped by the other thread's free */
    assert_int_equal(me->peak_bytes, 96);
    assert_int_equal(rb->deallocations, 1);
    assert_int_equal(rb->allocations, 0);
    assert_int_equal(r.current_memory_bytes, 32);
    assert_int_equal(r.total_deallocations, 1);
    memscope_report_free(&r);
    UNTRACK(t, other);
    free(mine);
    free(other);
    memscope_destroy(t);
}

/* B re-TRACKs A's live address while sampling skips B's call: A's record still ends there. */
static void test_cross_thread_sampled_out_retrack_frees_old_record(void **state) {
    (void)state;
    memscope_tracker *t = memscope_new();
    char *block = malloc(100);
    handoff a = {t, block, 100, 0}, b = {t, block, 60, 0};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, thread_tracks, &a), 0);
    assert_int_equal(pthread_join(ta, NULL), 0);
    const memscope_sampling_config off = {0.0, false, 0};
    assert_int_equal(memscope_set_sampling(t, off), MEMSCOPE_OK);
    assert_int_equal(pthread_create(&tb, NULL, thread_tracks, &b), 0);
    assert_int_equal(pthread_join(tb, NULL), 0);

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 1);
    assert_int_equal(s.total_deallocations, 1);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    memscope_report r = memscope_analyze(t);
    const memscope_thread_stats *ra = mst_find_thread(&r, a.tid), *rb = mst_find_thread(&r, b.tid);
    assert_non_null(ra);
    assert_int_equal(ra->current_bytes, 0);
    assert_non_null(rb);
    assert_int_equal(rb->deallocations, 1);
    memscope_report_free(&r);
    free(block);
    memscope_destroy(t);
}

/* Producer allocates, consumer frees, concurrently, through a mutex-protected ring. */
#define RING 64
typedef struct ring {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *slot[RING];
    size_t head, tail; /* guarded by mu */
    memscope_tracker *t;
    size_t count;
    uint32_t producer_tid, consumer_tid;
} ring;

static void *producer(void *arg) {
    ring *rg = arg;
    rg->producer_tid = mst_gettid();
    for (size_t i = 0; i < rg->count; i++) {
        char *msg = malloc(48);
        TRACK_SIZE(rg->t, msg, 48);
        pthread_mutex_lock(&rg->mu);
        while (rg->head - rg->tail == RING) pthread_cond_wait(&rg->cv, &rg->mu);
        rg->slot[rg->head % RING] = msg;
        rg->head++;
        pthread_cond_broadcast(&rg->cv);
        pthread_mutex_unlock(&rg->mu);
    }
    return NULL;
}

static void *consumer(void *arg) {
    ring *rg = arg;
    rg->consumer_tid = mst_gettid();
    for (size_t i = 0; i < rg->count; i++) {
        pthread_mutex_lock(&rg->mu);
        while (rg->head == rg->tail) pthread_cond_wait(&rg->cv, &rg->mu);
        char *msg = rg->slot[rg->tail % RING];
        rg->tail++;
        pthread_cond_broadcast(&rg->cv);
        pthread_mutex_unlock(&rg->mu);
        UNTRACK(rg->t, msg);
        free(msg);
    }
    return NULL;
}

static void test_cross_thread_untrack_concurrent_producer_consumer(void **state) {
    (void)state;
    ring *rg = calloc(1, sizeof *rg);
    pthread_mutex_init(&rg->mu, NULL);
    pthread_cond_init(&rg->cv, NULL);
    rg->t = memscope_new();
    rg->count = 20000;
    pthread_t tp, tc;
    assert_int_equal(pthread_create(&tc, NULL, consumer, rg), 0);
    assert_int_equal(pthread_create(&tp, NULL, producer, rg), 0);
    assert_int_equal(pthread_join(tp, NULL), 0);
    assert_int_equal(pthread_join(tc, NULL), 0);

    memscope_report r = memscope_analyze(rg->t);
    assert_int_equal(r.total_allocations, 20000);
    assert_int_equal(r.total_deallocations, 20000);
    assert_int_equal(r.active_allocations, 0);
    assert_int_equal(r.current_memory_bytes, 0);
    assert_true(r.peak_memory_bytes >= 48);
    assert_true(r.peak_memory_bytes <= (uint64_t)48 * (RING + 2));
    const memscope_thread_stats *p = mst_find_thread(&r, rg->producer_tid);
    const memscope_thread_stats *c = mst_find_thread(&r, rg->consumer_tid);
    assert_non_null(p);
    assert_non_null(c);
    assert_int_equal(p->allocations, 20000);
    assert_int_equal(p->deallocations, 0);
    assert_int_equal(p->allocated_bytes, (uint64_t)20000 * 48);
    assert_int_equal(p->current_bytes, 0);
    assert_int_equal(c->allocations, 0);
    assert_int_equal(c->deallocations, 20000);
    memscope_report_free(&r);

    size_t n = 0;
    memscope_event *ev = memscope_events(rg->t, &n);
    assert_int_equal(n, 40000);
    size_t frees_by_consumer = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) assert_true(ev[i].timestamp_ns >= ev[i - 1].timestamp_ns);
        if (ev[i].kind == MEMSCOPE_EVENT_FREE) {
            assert_int_equal(ev[i].thread_id, rg->consumer_tid);
            assert_int_equal(ev[i].alloc_thread_id, rg->producer_tid);
            assert_string_equal(ev[i].var_name, "msg");
            frees_by_consumer++;
        }
    }
    assert_int_equal(frees_by_consumer, 20000);
    assert_causal_order(ev, n);
    free(ev);
    memscope_destroy(rg->t);
    pthread_cond_destroy(&rg->cv);
    pthread_mutex_destroy(&rg->mu);
    free(rg);
}

/* Strict ping-pong: A allocates 1000 bytes, B frees them, A allocates again, ... The live bytes
   never exceed 1000, so the peak is exactly 1000 however fast the handoffs are. */
typedef struct pingpong {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *box;  /* guarded by mu: the block in flight, NULL when empty */
    int done;   /* guarded by mu */
    memscope_tracker *t;
    size_t rounds;
    uint32_t a_tid, b_tid;
} pingpong;

static void *ping_allocator(void *arg) {
    pingpong *pp = arg;
    pp->a_tid = mst_gettid();
    for (size_t i = 0; i < pp->rounds; i++) {
        char *ball = malloc(1000);
        pthread_mutex_lock(&pp->mu);
        while (pp->box != NULL) pthread_cond_wait(&pp->cv, &pp->mu);
        pthread_mutex_unlock(&pp->mu);
        TRACK_SIZE(pp->t, ball, 1000); /* after the previous block was untracked */
        pthread_mutex_lock(&pp->mu);
        pp->box = ball;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
    }
    pthread_mutex_lock(&pp->mu);
    while (pp->box != NULL) pthread_cond_wait(&pp->cv, &pp->mu);
    pp->done = 1;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

static void *pong_freer(void *arg) {
    pingpong *pp = arg;
    pp->b_tid = mst_gettid();
    for (;;) {
        pthread_mutex_lock(&pp->mu);
        while (pp->box == NULL && !pp->done) pthread_cond_wait(&pp->cv, &pp->mu);
        char *ball = pp->box;
        pthread_mutex_unlock(&pp->mu);
        if (ball == NULL) break;
        UNTRACK(pp->t, ball); /* before the allocator may track the next one */
        free(ball);
        pthread_mutex_lock(&pp->mu);
        pp->box = NULL;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
    }
    return NULL;
}

static void test_cross_thread_ping_pong_peak_is_exact(void **state) {
    (void)state;
    pingpong *pp = calloc(1, sizeof *pp);
    pthread_mutex_init(&pp->mu, NULL);
    pthread_cond_init(&pp->cv, NULL);
    pp->t = memscope_new();
    pp->rounds = 2000;
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&tb, NULL, pong_freer, pp), 0);
    assert_int_equal(pthread_create(&ta, NULL, ping_allocator, pp), 0);
    assert_int_equal(pthread_join(ta, NULL), 0);
    assert_int_equal(pthread_join(tb, NULL), 0);

    memscope_memory_stats s = memscope_stats(pp->t);
    assert_int_equal(s.total_allocations, 2000);
    assert_int_equal(s.total_deallocations, 2000);
    assert_int_equal(s.current_memory_bytes, 0);
    assert_int_equal(s.peak_memory_bytes, 1000);
    memscope_report r = memscope_analyze(pp->t);
    assert_int_equal(r.peak_memory_bytes, 1000);
    const memscope_thread_stats *a = mst_find_thread(&r, pp->a_tid);
    assert_non_null(a);
    assert_int_equal(a->peak_bytes, 1000);
    assert_int_equal(a->current_bytes, 0);
    memscope_report_free(&r);

    size_t n = 0;
    memscope_event *ev = memscope_events(pp->t, &n);
    assert_int_equal(n, 4000);
    assert_causal_order(ev, n);
    free(ev);
    memscope_destroy(pp->t);
    pthread_cond_destroy(&pp->cv);
    pthread_mutex_destroy(&pp->mu);
    free(pp);
}

/* ---- exited threads ----------------------------------------------------------------------- */

static void *worker_three_allocs(void *arg) {
    worker *w = arg;
    w->tid = mst_gettid();
    name_this_thread(w->index);
    for (size_t k = 0; k < 3; k++) {
        char *gone = malloc(10);
        TRACK_SIZE(w->t, gone, 10);
        w->keep[k] = gone;
    }
    return NULL;
}

static void test_thread_that_exited_before_analyze_is_in_report(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "threads", "exited.json");
    memscope_tracker *t = memscope_new();
    worker w = {t, 7, 3, 10, 0, 0, calloc(3, sizeof(char *))};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, worker_three_allocs, &w), 0);
    assert_int_equal(pthread_join(th, NULL), 0);

    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.thread_count, 1);
    const memscope_thread_stats *ts = mst_find_thread(&r, w.tid);
    assert_non_null(ts);
    assert_string_equal(ts->thread_name, "ms-worker-7");
    assert_int_equal(ts->allocations, 3);
    assert_int_equal(ts->allocated_bytes, 30);
    assert_int_equal(ts->current_bytes, 30);
    memscope_report_free(&r);

    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 3); /* the exited thread's buffered events are still there */
    for (size_t i = 0; i < n; i++) assert_int_equal(ev[i].thread_id, w.tid);
    free(ev);

    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    char expr[256];
    mst_fmt(expr, sizeof expr,
             "[(x['thread_name'], x['allocations'], x['current_bytes']) for x in d['threads']"
             " if x['thread_id'] == %u] == [('ms-worker-7', 3, 30)]",
             w.tid);
    assert_json(path, expr, "len(d['events']) == 3");

    for (size_t k = 0; k < 3; k++) {
        UNTRACK(t, w.keep[k]);
        free(w.keep[k]);
    }
    free(w.keep);
    memscope_destroy(t);
}

/* ---- concurrent readers --------------------------------------------------------------------- */

typedef struct stop_flag {
    pthread_mutex_t mu;
    int stop; /* guarded by mu */
} stop_flag;

typedef struct pair_worker {
    memscope_tracker *t;
    size_t pairs;
} pair_worker;

static void *worker_pairs(void *arg) {
    pair_worker *w = arg;
    for (size_t j = 0; j < w->pairs; j++) {
        char *item = malloc(24);
        TRACK_SIZE(w->t, item, 24);
        UNTRACK(w->t, item);
        free(item);
    }
    return NULL;
}

static void test_analyze_stats_export_concurrent_with_tracking(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "threads", "concurrent.json");
    memscope_tracker *t = memscope_new();
    pthread_t th[4];
    pair_worker w[4];
    for (unsigned i = 0; i < 4; i++) {
        w[i] = (pair_worker){t, 20000};
        assert_int_equal(pthread_create(&th[i], NULL, worker_pairs, &w[i]), 0);
    }
    for (int round = 0; round < 5; round++) {
        memscope_memory_stats s = memscope_stats(t);
        assert_true(s.total_allocations <= 80000);
        memscope_report r = memscope_analyze(t);
        assert_true(r.total_allocations <= 80000);
        memscope_report_free(&r);
        size_t n = 0;
        memscope_event *ev = memscope_events(t, &n);
        for (size_t i = 1; i < n; i++) assert_true(ev[i].timestamp_ns >= ev[i - 1].timestamp_ns);
        free(ev);
        assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
        (void)memscope_current_system_snapshot(t);
    }
    for (unsigned i = 0; i < 4; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_json(path, "d['format'] == 'memscope'", "d['total_allocations'] <= 80000");

    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 80000);
    assert_int_equal(s.total_deallocations, 80000);
    assert_int_equal(s.current_memory_bytes, 0);
    assert_int_equal(s.total_allocated_bytes, (uint64_t)80000 * 24);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_json(path, "d['total_allocations'] == 80000", "d['total_deallocations'] == 80000",
                "len(d['events']) == 160000", "len(d['threads']) == 4",
                "all(x['allocations'] == 20000 and x['deallocations'] == 20000 for x in d['threads'])");
    memscope_destroy(t);
}

/* Sampling with threads: each thread's UNTRACKs of its skipped TRACKs are ignored. */
static void test_threads_sampled_counts_stay_consistent(void **state) {
    (void)state;
    memscope_sampling_config cfg = {0.5, false, 0};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    pthread_t th[NTHREADS];
    pair_worker w[NTHREADS];
    for (unsigned i = 0; i < NTHREADS; i++) {
        w[i] = (pair_worker){t, 25000};
        assert_int_equal(pthread_create(&th[i], NULL, worker_pairs, &w[i]), 0);
    }
    for (unsigned i = 0; i < NTHREADS; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    memscope_memory_stats s = memscope_stats(t);
    assert_within_5_sigma(s.total_allocations, (size_t)NTHREADS * 25000, 0.5);
    assert_int_equal(s.total_deallocations, s.total_allocations);
    assert_int_equal(s.active_allocations, 0);
    assert_int_equal(s.current_memory_bytes, 0);
    assert_int_equal(s.total_allocated_bytes, (uint64_t)s.total_allocations * 24);
    memscope_destroy(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_8x100k_exact_totals),
        cmocka_unit_test(test_threads_track_without_size_usable_bytes),
        cmocka_unit_test(test_cross_thread_untrack_between_two_workers),
        cmocka_unit_test(test_cross_thread_untrack_of_live_main_thread_allocation),
        cmocka_unit_test(test_cross_thread_sampled_out_retrack_frees_old_record),
        cmocka_unit_test(test_cross_thread_untrack_concurrent_producer_consumer),
        cmocka_unit_test(test_cross_thread_ping_pong_peak_is_exact),
        cmocka_unit_test(test_thread_that_exited_before_analyze_is_in_report),
        cmocka_unit_test(test_analyze_stats_export_concurrent_with_tracking),
        cmocka_unit_test(test_threads_sampled_counts_stay_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
