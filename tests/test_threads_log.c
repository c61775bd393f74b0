/* test_threads_log.c - TRACK at rate 1.0 goes through the per-thread log and the resolver
 * (log mode): the same figures as the live-address table (MEMSCOPE_LIVE_TABLE=1) on a
 * workload whose phases barriers separate, re-TRACK of a live address on its own thread and
 * on another, UNTRACKs of unknown pointers, and stamps that are never late by more than the
 * ticker's period: after a sleep, in a forked child. Runs under TSan too. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NT 3
#define PER 20000u

static char g_blocks[NT][PER];

static memscope_tracker *tracker_in(int live_table) {
    if (live_table) setenv("MEMSCOPE_LIVE_TABLE", "1", 1);
    else unsetenv("MEMSCOPE_LIVE_TABLE");
    memscope_tracker *t = memscope_with_max_events(memscope_new(), 1u << 24);
    unsetenv("MEMSCOPE_LIVE_TABLE");
    return t;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {}
}

typedef struct phase_arg {
    memscope_tracker *t;
    unsigned index;
    pthread_barrier_t *go;
} phase_arg;

/* 1: each thread TRACKs its PER blocks with sizes 1..7; 2: UNTRACKs the next thread's odd
   ones; 3: re-TRACKs its own even ones with size 9 (ending the first record; live bytes only
   grow); 4: UNTRACKs a pointer nobody tracked, and its own even ones. Each phase's end is a
   barrier, so the peak is known: the larger of phase 1's and phase 3's ends. */
static void *phase_worker(void *p) {
    phase_arg *a = p;
    for (unsigned i = 0; i < PER; i++) TRACK_SIZE(a->t, &g_blocks[a->index][i], 1 + i % 7);
    pthread_barrier_wait(a->go);
    unsigned next = (a->index + 1) % NT;
    for (unsigned i = 1; i < PER; i += 2) UNTRACK(a->t, &g_blocks[next][i]);
    pthread_barrier_wait(a->go);
    for (unsigned i = 0; i < PER; i += 2) TRACK_SIZE(a->t, &g_blocks[a->index][i], 9);
    pthread_barrier_wait(a->go);
    static char nobody[64];
    UNTRACK(a->t, &nobody[a->index]);
    for (unsigned i = 0; i < PER; i += 2) UNTRACK(a->t, &g_blocks[a->index][i]);
    return NULL;
}

static memscope_memory_stats run_phases(memscope_tracker *t, memscope_report *r) {
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, NT);
    pthread_t th[NT];
    phase_arg a[NT];
    for (unsigned i = 0; i < NT; i++) {
        a[i] = (phase_arg){t, i, &go};
        assert_int_equal(pthread_create(&th[i], NULL, phase_worker, &a[i]), 0);
    }
    for (unsigned i = 0; i < NT; i++) pthread_join(th[i], NULL);
    pthread_barrier_destroy(&go);
    *r = memscope_analyze(t);
    return memscope_stats(t);
}

static void test_log_mode_equals_live_table(void **state) {
    (void)state;
    memscope_report rl, rt;
    memscope_tracker *tl = tracker_in(0), *tt = tracker_in(1);
    memscope_memory_stats l = run_phases(tl, &rl), s = run_phases(tt, &rt);
    /* known answers: PER per thread, then PER/2 re-TRACKs; every block ends */
    uint64_t first = 0;
    for (unsigned i = 0; i < PER; i++) first += 1 + i % 7;
    assert_int_equal(l.total_allocations, NT * (PER + PER / 2));
    assert_int_equal(l.total_deallocations, NT * (PER + PER / 2));
    assert_int_equal(l.current_memory_bytes, 0);
    assert_int_equal(l.total_allocated_bytes, NT * (first + 9ull * PER / 2));
    uint64_t after3 = NT * (9ull * PER / 2);
    assert_true(after3 > NT * first); /* the peak is phase 3's end, not phase 1's */
    assert_int_equal(l.peak_memory_bytes, after3);
    /* the live table's figures are the same */
    assert_int_equal(s.total_allocations, l.total_allocations);
    assert_int_equal(s.total_deallocations, l.total_deallocations);
    assert_int_equal(s.total_allocated_bytes, l.total_allocated_bytes);
    assert_int_equal(s.peak_memory_bytes, l.peak_memory_bytes);
    assert_int_equal(rl.thread_count, NT);
    assert_int_equal(rt.thread_count, NT);
    for (size_t i = 0; i < NT; i++) { /* each thread's own blocks are charged to it */
        assert_int_equal(rl.threads[i].allocations, PER + PER / 2);
        assert_int_equal(rl.threads[i].deallocations, PER + PER / 2); /* counted to the owner */
        assert_int_equal(rl.threads[i].current_bytes, 0);
        assert_int_equal(rt.threads[i].allocations, PER + PER / 2);
        assert_int_equal(rt.threads[i].current_bytes, 0);
    }
    memscope_report_free(&rl);
    memscope_report_free(&rt);
    /* the merged events never show a block freed before it was allocated */
    size_t n = 0;
    memscope_event *ev = memscope_events(tl, &n);
    assert_int_equal(n, 2 * l.total_allocations);
    int64_t live = 0;
    for (size_t i = 0; i < n; i++) {
        live += ev[i].kind == MEMSCOPE_EVENT_ALLOC ? 1 : -1;
        assert_true(live >= 0);
    }
    free(ev);
    memscope_destroy(tl);
    memscope_destroy(tt);
}

typedef struct retrack_arg { memscope_tracker *t; char *p; } retrack_arg;
static void *retrack_other(void *p) {
    retrack_arg *a = p;
    TRACK_SIZE(a->t, a->p, 30); /* ends main's record of the same address */
    return NULL;
}

static void test_retrack_ends_the_old_record(void **state) {
    (void)state;
    memscope_tracker *t = tracker_in(0);
    static char buf[64];
    TRACK_SIZE(t, buf, 10);
    TRACK_SIZE(t, buf, 20); /* same thread: the first ends */
    memscope_memory_stats s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 2);
    assert_int_equal(s.total_deallocations, 1);
    assert_int_equal(s.current_memory_bytes, 20);
    assert_int_equal(s.peak_memory_bytes, 20);
    retrack_arg a = {t, buf};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, retrack_other, &a), 0);
    pthread_join(th, NULL);
    s = memscope_stats(t);
    assert_int_equal(s.total_allocations, 3);
    assert_int_equal(s.total_deallocations, 2);
    assert_int_equal(s.current_memory_bytes, 30);
    assert_int_equal(s.peak_memory_bytes, 30);
    memscope_report r = memscope_analyze(t);
    assert_int_equal(r.thread_count, 2);
    for (size_t i = 0; i < r.thread_count; i++) /* main's records ended: it holds nothing */
        assert_int_equal(r.threads[i].current_bytes, r.threads[i].allocations == 1 ? 30 : 0);
    memscope_report_free(&r);
    UNTRACK(t, buf);
    UNTRACK(t, buf); /* again: nothing to end */
    UNTRACK(t, buf + 1);
    s = memscope_stats(t);
    assert_int_equal(s.total_deallocations, 3);
    assert_int_equal(s.current_memory_bytes, 0);
    memscope_destroy(t);
}

/* the lifetime of a block that lived `ms` milliseconds, as the events say */
static double lifetime_ms(memscope_tracker *t, const void *p) {
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    uint64_t a = 0, f = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].address != (uintptr_t)p) continue;
        if (ev[i].kind == MEMSCOPE_EVENT_ALLOC) a = ev[i].timestamp_ns;
        else f = ev[i].timestamp_ns;
    }
    free(ev);
    return f >= a ? (double)(f - a) / 1e6 : -1.0;
}

/* A record's stamp is the thread's counter reading of at most 16 records ago, or the
   ticker's (every 10 ms) when that is later: after a sleep it is never more than about
   10 ms late. */
static double sleep_lifetime(memscope_tracker *t, long ms) {
    static char a[8], b[8];
    sleep_ms(100); /* past any window of exact stamps that an earlier UNTRACK opened */
    for (int i = 0; i < 3; i++) { TRACK_SIZE(t, b, 1); UNTRACK(t, b); } /* mid-group */
    TRACK_SIZE(t, a, 8);
    sleep_ms(ms);
    UNTRACK(t, a);
    return lifetime_ms(t, a);
}

static void test_stamps_after_a_sleep_are_not_late(void **state) {
    (void)state;
    memscope_tracker *t = tracker_in(0);
    double life = sleep_lifetime(t, 150);
    assert_true(life >= 120.0);
    assert_true(life < 5000.0);
    memscope_destroy(t);
}

static void test_stamps_in_a_forked_child_are_not_late(void **state) {
    (void)state;
    memscope_tracker *t = tracker_in(0);
    sleep_lifetime(t, 20); /* the parent's ticker runs */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* no ticker here until a thread starts one: every record reads the counter */
        double l1 = sleep_lifetime(t, 150), l2 = sleep_lifetime(t, 150);
        memscope_memory_stats s = memscope_stats(t);
        int rc = l1 >= 120.0 && l2 >= 120.0 ? 0 : 1;
        if (s.current_memory_bytes != 0) rc = 2;
        memscope_destroy(t);
        _exit(rc);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    memscope_destroy(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_mode_equals_live_table),
        cmocka_unit_test(test_retrack_ends_the_old_record),
        cmocka_unit_test(test_stamps_after_a_sleep_are_not_late),
        cmocka_unit_test(test_stamps_in_a_forked_child_are_not_late),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
