/* test_hooks.c - whole-program mode compiled into a program (MEMSCOPE_HOOK_MALLOC): every
 * function of the malloc family recorded with its exact requested size, realloc's cases,
 * failures recorded as nothing, libc-internal allocations seen, TRACK naming a block the
 * hooks recorded, the tracker's own memory never recorded, allocations before main, threads
 * and thread-local destructors, and byte-weighted sampling whose estimates are unbiased
 * (checked against the exact totals within 5 standard deviations computed from the sizes);
 * then log mode, which resolves the threads' records when figures are asked for: blocks
 * handed between threads, stamps out of order between threads, two threads in lockstep,
 * frees of blocks never recorded, UNTRACK of hooked blocks, the event bound reached mid-run.
 * The Makefile runs it again with MEMSCOPE_LIVE_TABLE=1 (the live table at every call).
 * Counts are exact: each check takes memscope_stats before and after, with nothing else
 * allocating in between. Not built with the sanitizers: they replace malloc themselves. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#define MEMSCOPE_HOOK_MALLOC
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../ms_test.h"

static memscope_memory_stats before_main;
static void *early[3];
__attribute__((constructor)) static void allocate_before_main(void) {
    before_main = memscope_stats(memscope_global());
    for (int i = 0; i < 3; i++) early[i] = malloc(7770 + (size_t)i);
}

/* Called through volatile pointers, so the compiler cannot fold or drop the calls (clang
   assumes an unused allocation succeeds and removes it). */
static void *(*volatile v_calloc)(size_t, size_t) = calloc;
static void *(*volatile v_malloc)(size_t) = malloc;
static void *(*volatile v_reallocarray)(void *, size_t, size_t) = reallocarray;
static void *(*volatile v_aligned_alloc)(size_t, size_t) = aligned_alloc;
static char *(*volatile v_strdup)(const char *) = strdup;

/* Stops the compiler from removing a malloc/free pair whose block is never used. */
static void *volatile sink;
static void churn_one(size_t size) {
    void *p = malloc(size);
    sink = p; /* the pointer escapes: the pair cannot be removed */
    free(p);  /* p, not sink: sink is shared by the threads */
}

typedef struct delta { uint64_t allocs, frees, live, bytes; } delta;
static memscope_memory_stats snap(void) { return memscope_stats(memscope_global()); }
static delta diff(memscope_memory_stats a, memscope_memory_stats b) {
    delta d = {b.total_allocations - a.total_allocations, b.total_deallocations - a.total_deallocations,
               b.current_memory_bytes - a.current_memory_bytes, 0};
    return d;
}

/* Events of one size, counted in the global tracker's event log. */
static size_t count_events(size_t size, memscope_event_kind kind) {
    size_t n = 0, k = 0;
    memscope_event *ev = memscope_events(memscope_global(), &n);
    for (size_t i = 0; i < n; i++) if (ev[i].size == size && ev[i].kind == kind) k++;
    free(ev);
    return k;
}

static void test_before_main(void **state) {
    (void)state;
    assert_int_equal(count_events(7770, MEMSCOPE_EVENT_ALLOC), 1);
    assert_int_equal(count_events(7772, MEMSCOPE_EVENT_ALLOC), 1);
    memscope_memory_stats a = snap();
    for (int i = 0; i < 3; i++) free(early[i]);
    delta d = diff(a, snap());
    assert_int_equal(d.frees, 3);
    assert_int_equal(d.live, (uint64_t)0 - (7770 + 7771 + 7772));
}

static void test_every_function_exact(void **state) {
    (void)state;
    void *p[10];
    memscope_memory_stats a = snap();
    p[0] = malloc(13);
    p[1] = calloc(7, 11);
    p[2] = aligned_alloc(64, 128);
    assert_int_equal(posix_memalign(&p[3], 32, 100), 0);
    p[4] = memalign(16, 50);
    p[5] = valloc(10);
    p[6] = pvalloc(20);
    p[7] = reallocarray(NULL, 3, 5);
    p[8] = realloc(NULL, 9);
    delta d = diff(a, snap());
    for (int i = 0; i < 9; i++) assert_non_null(p[i]);
    assert_int_equal(d.allocs, 9);
    assert_int_equal(d.frees, 0);
    assert_int_equal(d.live, 13 + 77 + 128 + 100 + 50 + 10 + 20 + 15 + 9); /* requested sizes, not usable sizes */
    a = snap();
    for (int i = 0; i < 9; i++) free(p[i]);
    free(NULL);
    d = diff(a, snap());
    assert_int_equal(d.frees, 9);
    assert_int_equal(d.live, (uint64_t)0 - (13 + 77 + 128 + 100 + 50 + 10 + 20 + 15 + 9));
    /* the hotspots name the function */
    memscope_report r = memscope_analyze(memscope_global());
    int seen_calloc = 0;
    for (size_t i = 0; i < r.hotspot_count; i++) if (!strcmp(r.hotspots[i].var_name, "posix_memalign")) seen_calloc = 1;
    memscope_report_free(&r);
    assert_true(seen_calloc);
}

static void test_failures_record_nothing(void **state) {
    (void)state;
    volatile size_t half = SIZE_MAX / 2, huge = SIZE_MAX - 4096; /* no compile-time warnings */
    memscope_memory_stats a = snap();
    void *x = v_calloc(half, 4);             /* overflow */
    void *y = v_reallocarray(NULL, half, 4); /* overflow */
    void *z = v_malloc(huge);                /* too large */
    void *w = NULL;
    int rc = posix_memalign(&w, 24, 10);   /* not a power of two */
    void *v = v_aligned_alloc(64, huge);
    delta d = diff(a, snap());
    assert_null(x); assert_null(y); assert_null(z); assert_null(v);
    assert_int_equal(rc, EINVAL);
    assert_null(w);
    assert_int_equal(d.allocs, 0);
    assert_int_equal(d.live, 0);
}

static void test_realloc_cases(void **state) {
    (void)state;
    memscope_memory_stats a = snap();
    char *p = malloc(100);
    char *q = realloc(p, 200);        /* grow: a free of 100, an alloc of 200 */
    char *r = realloc(q, 50);         /* shrink */
    volatile size_t huge = SIZE_MAX - 4096;
    void *volatile alias = r;
    char *big = realloc(alias, huge); /* fails: the block stays, recorded as live */
    assert_null(big);
    void *volatile keep = r;          /* still valid: the realloc failed */
    delta d = diff(a, snap());
    assert_int_equal(d.allocs, 3 + 1);  /* malloc, 2 reallocs, the failed one re-records the block */
    assert_int_equal(d.frees, 3);
    assert_true(d.live >= 50 && d.live < 50 + 64); /* after the failure: its usable size */
    a = snap();
    void *gone = realloc(keep, 0); /* glibc frees and returns NULL */
    d = diff(a, snap());
    assert_null(gone);
    assert_int_equal(d.frees, 1);
    assert_int_equal(d.allocs, 0);
}

static void test_libc_internal_allocations(void **state) {
    (void)state;
    memscope_memory_stats a = snap();
    char *s = v_strdup("whole-program mode");
    FILE *f = fopen("/proc/self/stat", "r");
    assert_non_null(f);
    fclose(f);
    delta d = diff(a, snap());
    free(s);
    assert_true(d.allocs >= 2); /* strdup's malloc and fopen's FILE at least */
    assert_true(d.frees >= 1);
}

/* dlsym's error path allocates (dlerror's buffer) through the hooks; dlopen loads a library */
static void test_dlsym_and_dlopen(void **state) {
    (void)state;
    assert_null(dlsym(RTLD_DEFAULT, "memscope_no_such_symbol"));
    assert_non_null(dlerror());
    void *h = dlopen("libm.so.6", RTLD_NOW);
    assert_non_null(h);
    assert_non_null(dlsym(h, "cos"));
    dlclose(h);
    memscope_memory_stats a = snap();
    churn_one(99);
    delta d = diff(a, snap());
    assert_int_equal(d.allocs, 1);
    assert_int_equal(d.frees, 1);
}

static void test_track_names_recorded_block(void **state) {
    (void)state;
    memscope_tracker *g = memscope_global();
    memscope_memory_stats a = snap();
    char *named_block = malloc(4321);
    TRACK(g, named_block);
    delta d = diff(a, snap());
    assert_int_equal(d.allocs, 1); /* named, not counted twice */
    assert_int_equal(d.live, 4321); /* the requested size stays */
    memscope_report r = memscope_analyze(g);
    int found = 0;
    for (size_t i = 0; i < r.hotspot_count; i++)
        if (!strcmp(r.hotspots[i].var_name, "named_block")) { found = 1; assert_int_equal(r.hotspots[i].total_size, 4321); }
    memscope_report_free(&r);
    assert_true(found);
    size_t n = 0;
    memscope_event *ev = memscope_events(g, &n);
    int named_event = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].size == 4321 && ev[i].var_name && !strcmp(ev[i].var_name, "named_block")) named_event = 1;
    free(ev);
    assert_true(named_event);
    a = snap();
    free(named_block); /* no UNTRACK needed */
    d = diff(a, snap());
    assert_int_equal(d.frees, 1);
    assert_int_equal(d.live, (uint64_t)0 - 4321);
    /* a block that is not from malloc is recorded by TRACK as before */
    static char buffer[64];
    char *static_buf = buffer;
    a = snap();
    TRACK_SIZE(g, static_buf, 64);
    UNTRACK(g, static_buf);
    d = diff(a, snap());
    assert_int_equal(d.allocs, 1);
    assert_int_equal(d.frees, 1);
}

static void test_own_memory_not_recorded(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "hooks", "own.json");
    memscope_tracker *g = memscope_global();
    memscope_memory_stats a = snap();
    memscope_report r = memscope_analyze(g);
    memscope_report_free(&r);
    size_t n = 0;
    free(memscope_events(g, &n));
    memscope_tracker *other = memscope_new();
    char *x = malloc(10);
    TRACK(other, x);           /* another tracker: recorded there; the global sees the malloc only */
    memscope_destroy(other);
    free(x);
    assert_int_equal(memscope_export_json(g, path), MEMSCOPE_OK);
    delta d = diff(a, snap());
    assert_int_equal(d.allocs, 1);
    assert_int_equal(d.frees, 1);
    assert_int_equal(d.live, 0);
}

#define THREADS 4
#define PER_THREAD 20000
static pthread_key_t key;
static void tls_destructor(void *p) { /* runs after the thread's start routine returned */
    free(p);
    churn_one(333);
}
static void *worker(void *arg) {
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++) churn_one((size_t)(i % 200) + 1);
    pthread_setspecific(key, malloc(222));
    return NULL;
}

static void test_threads_and_tls_destructors(void **state) {
    (void)state;
    assert_int_equal(pthread_key_create(&key, tls_destructor), 0);
    pthread_t th[THREADS];
    size_t e222 = count_events(222, MEMSCOPE_EVENT_FREE), e333 = count_events(333, MEMSCOPE_EVENT_ALLOC);
    memscope_memory_stats a = snap();
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_create(&th[i], NULL, worker, NULL), 0);
    for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    delta d = diff(a, snap());
    /* per thread: the churn, the key's block, the destructor's block; pthread_create's own
       allocations (its TLS) come on top */
    assert_true(d.allocs >= (uint64_t)THREADS * (PER_THREAD + 2));
    assert_true(d.allocs <= (uint64_t)THREADS * (PER_THREAD + 2) + 4 * THREADS);
    assert_int_equal(count_events(222, MEMSCOPE_EVENT_FREE) - e222, THREADS); /* freed in the destructors */
    assert_int_equal(count_events(333, MEMSCOPE_EVENT_ALLOC) - e333, THREADS);
    pthread_key_delete(key);
}

/* Runs this program again with FLAG (and NAME=VALUE in its environment when NAME is not
   NULL: the mode is read at start), prints what it says, and checks it exits 0. */
static void run_child(const char *flag, const char *name, const char *value) {
    char self[MST_PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(k > 0);
    self[k] = 0;
    char *argv[] = {self, (char *)flag, NULL};
    if (name) setenv(name, value, 1);
    char out[4096];
    int rc = mst_run(argv, out, sizeof out);
    if (name) unsetenv(name);
    print_message("%s", out);
    assert_int_equal(rc, 0);
}

/* Byte sampling runs in a child process: the mode is read from the environment at start. */
static void test_byte_sampling_unbiased(void **state) {
    (void)state;
    run_child("--sampling-child", "MEMSCOPE_SAMPLE_BYTES", "65536");
}

static int sampling_child(void) {
    /* N blocks of sizes 1..8192 from an LCG, each freed at once */
    const uint64_t mean = 65536;
    const int n = 300000;
    uint64_t x = 12345, bytes = 0;
    double var_count = 0, var_bytes = 0;
    memscope_report r0 = memscope_analyze(memscope_global());
    double c0 = r0.estimated_total_allocations, b0 = r0.estimated_total_bytes;
    memscope_report_free(&r0);
    memscope_memory_stats a = snap();
    for (int i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        size_t size = (size_t)(x >> 33) % 8192 + 1;
        churn_one(size);
        bytes += size;
        double pr = 1.0 / ms__sample_weight(size, mean); /* the chance of a sample */
        var_count += (1 - pr) / pr;
        var_bytes += (double)size * (double)size * (1 - pr) / pr;
    }
    memscope_memory_stats b = snap();
    memscope_report r = memscope_analyze(memscope_global());
    double ec = r.estimated_total_allocations - c0, eb = r.estimated_total_bytes - b0;
    memscope_report_free(&r);
    uint64_t recorded = b.total_allocations - a.total_allocations;
    double sc = sqrt(var_count), sb = sqrt(var_bytes);
    printf("byte sampling, mean %" PRIu64 " B: %d allocations of %" PRIu64 " B; recorded %" PRIu64
           " (expected about %.0f); estimated %.0f allocations (%+.2f sigma), %.0f B (%+.2f sigma)\n",
           mean, n, bytes, recorded, (double)bytes / (double)mean, ec, (ec - n) / sc, eb, (eb - (double)bytes) / sb);
    int ok = fabs(ec - n) < 5 * sc && fabs(eb - (double)bytes) < 5 * sb && recorded > 0 && recorded < (uint64_t)n / 10;
    return ok ? 0 : 1;
}

/* Every thread starts its own gap: 200 threads of 10 blocks of 64 B. A countdown that
   started at 0 recorded each thread's first block weighted ~mean/64, so the estimate was
   hundreds of times the truth at a large mean (1.6 M for 2 000 at 512 KiB). Checked at the
   reported mean (524288: one sample in ~4 000 blocks, so the bound is wide) and at a mean
   where the same bug is 11 sigma off (4096, 100 blocks per thread). */
static void test_byte_sampling_threads_start_fresh(void **state) {
    (void)state;
    run_child("--threads-sampling-child", "MEMSCOPE_SAMPLE_BYTES", "524288");
    setenv("THREAD_BLOCKS", "100", 1);
    run_child("--threads-sampling-child", "MEMSCOPE_SAMPLE_BYTES", "4096");
    unsetenv("THREAD_BLOCKS");
}

static int thread_blocks = 10;
static void *ten_blocks(void *arg) {
    (void)arg;
    for (int i = 0; i < thread_blocks; i++) churn_one(64);
    return NULL;
}

static int threads_sampling_child(void) {
    const char *tb = getenv("THREAD_BLOCKS");
    if (tb) thread_blocks = atoi(tb);
    uint64_t mean = memscope_sample_bytes(memscope_global());
    memscope_report r0 = memscope_analyze(memscope_global());
    double c0 = r0.estimated_total_allocations;
    size_t k0 = r0.total_allocations;
    memscope_report_free(&r0);
    enum { NTHREADS = 200 };
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) { /* one at a time: many threads, each with a fresh countdown */
        if (pthread_create(&th[i], NULL, ten_blocks, NULL) != 0) return 2;
        pthread_join(th[i], NULL);
    }
    memscope_report r = memscope_analyze(memscope_global());
    double ec = r.estimated_total_allocations - c0;
    size_t kept = r.total_allocations - k0;
    memscope_report_free(&r);
    double n = (double)NTHREADS * thread_blocks, pr = 1.0 / ms__sample_weight(64, mean);
    double sigma = sqrt(n * (1 - pr) / pr), expect = n * pr;
    printf("byte sampling, mean %" PRIu64 " B, %d threads x %d blocks of 64 B: %zu recorded (expected %.2f), "
           "estimated %.0f allocations of %.0f (%+.2f sigma)\n",
           mean, NTHREADS, thread_blocks, kept, expect, ec, n, (ec - n) / sigma);
    if (!mean) return 1;
    /* a handful of samples expected: their count is Poisson, far from normal; 9 or more at
       a mean of 0.25 has a chance of about 1e-11 */
    if (expect < 1) return kept <= 8 ? 0 : 1;
    return fabs(ec - n) < 5 * sigma ? 0 : 1;
}

/* Values the library cannot use are refused with one line naming the variable and the
   accepted values, and the default is used; the program runs on. */
static void test_bad_settings_refused_with_one_line(void **state) {
    (void)state;
    static const struct { const char *name, *value, *line; } cases[] = {
        {"MEMSCOPE_SAMPLE_BYTES", "-5", "memscope: MEMSCOPE_SAMPLE_BYTES=-5 refused: a whole number of bytes from 0"},
        {"MEMSCOPE_SAMPLE_BYTES", "99999999999999999999", "MEMSCOPE_SAMPLE_BYTES=99999999999999999999 refused"},
        {"MEMSCOPE_SAMPLE_RATE", "abc", "memscope: MEMSCOPE_SAMPLE_RATE=abc refused: a number from 0 to 1; using 1"},
        {"MEMSCOPE_SAMPLE_RATE", "nan", "MEMSCOPE_SAMPLE_RATE=nan refused"},
        {"MEMSCOPE_SAMPLE_RATE", "1e309", "MEMSCOPE_SAMPLE_RATE=1e309 refused"},
        {"MEMSCOPE_SAMPLE_RATE", "", "MEMSCOPE_SAMPLE_RATE= refused"},
        {"MEMSCOPE_STACK_DEPTH", "-1", "MEMSCOPE_STACK_DEPTH=-1 refused: a whole number of frames from 0 (no stacks) to 64; using 32"},
        {"MEMSCOPE_UNWIND", "frame", "MEMSCOPE_UNWIND=frame refused: fp, auto or dwarf; using auto"},
        {"MEMSCOPE_MAX_EVENTS", "lots", "MEMSCOPE_MAX_EVENTS=lots refused"},
        {"MEMSCOPE_MONITOR", "yes", "MEMSCOPE_MONITOR=yes refused: 0 or 1; using 0"},
    };
    char self[MST_PATH_MAX];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(k > 0);
    self[k] = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {self, (char *)"--settings-child", NULL};
        char out[4096];
        setenv(cases[i].name, cases[i].value, 1);
        int rc = mst_run_both(argv, out, sizeof out);
        unsetenv(cases[i].name);
        print_message("%s=%s: %s", cases[i].name, cases[i].value, out);
        assert_int_equal(rc, 0);
        const char *at = strstr(out, cases[i].line);
        assert_non_null(at);
        const char *eol = strchr(at, '\n');
        assert_non_null(eol);
        assert_null(strstr(eol, "refused")); /* once */
        size_t lines = 0;
        for (const char *c = out; *c; c++) lines += *c == '\n';
        assert_int_equal(lines, 2); /* the refusal and the child's own line */
    }
}

static int settings_child(void) {
    memscope_tracker *g = memscope_global();
    memscope_sampling_config c = memscope_get_sampling(g);
    printf("rate %g depth %zu sample_bytes %" PRIu64 "\n", c.sample_rate, c.max_stack_depth, memscope_sample_bytes(g));
    /* the defaults stand */
    return c.sample_rate == 1.0 && c.max_stack_depth == 32 && memscope_sample_bytes(g) == 0 ? 0 : 1;
}

/* --- log mode (full capture): records resolved when a report is asked for --- */

static void test_full_capture_uses_log_mode(void **state) {
    (void)state;
    const char *lt = getenv("MEMSCOPE_LIVE_TABLE");
    int want = !(lt && !strcmp(lt, "1"));
    assert_int_equal(atomic_load(&memscope_global()->log_mode) == 1, want);
}

/* A producer thread allocates, a consumer thread frees, through a queue; the main thread
   asks for figures while they run (each time a resolver pass over what is logged so far). */
#define HANDOFF 30000
#define HANDOFF_BASE 70000
static void *queue[HANDOFF];
static atomic_int queued, producer_tid, consumer_tid;
static size_t handoff_size(int i) { return HANDOFF_BASE + (size_t)(i % 997); }
static void *producer(void *arg) {
    (void)arg;
    producer_tid = (int)syscall(SYS_gettid);
    for (int i = 0; i < HANDOFF; i++) {
        queue[i] = v_malloc(handoff_size(i));
        atomic_store(&queued, i + 1);
    }
    return NULL;
}
static void *consumer(void *arg) {
    (void)arg;
    consumer_tid = (int)syscall(SYS_gettid);
    for (int i = 0; i < HANDOFF; i++) {
        while (atomic_load(&queued) <= i) sched_yield();
        free(queue[i]);
    }
    return NULL;
}

static void test_handoff_between_threads(void **state) {
    (void)state;
    memscope_memory_stats a = snap();
    pthread_t p, c;
    assert_int_equal(pthread_create(&c, NULL, consumer, NULL), 0);
    assert_int_equal(pthread_create(&p, NULL, producer, NULL), 0);
    for (int i = 0; i < 20; i++) { (void)snap(); usleep(1000); } /* resolver passes meanwhile */
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    memscope_memory_stats b = snap();
    uint64_t bytes = 0;
    for (int i = 0; i < HANDOFF; i++) bytes += handoff_size(i);
    size_t n = 0, allocs = 0, frees = 0, wrong = 0;
    uint64_t freed = 0;
    memscope_event *ev = memscope_events(memscope_global(), &n);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].size < HANDOFF_BASE || ev[i].size >= HANDOFF_BASE + 997) continue;
        if (ev[i].kind == MEMSCOPE_EVENT_ALLOC) {
            allocs++;
            if (ev[i].thread_id != (uint32_t)producer_tid) wrong++;
        } else {
            frees++;
            freed += ev[i].size;
            if (ev[i].thread_id != (uint32_t)consumer_tid || ev[i].alloc_thread_id != (uint32_t)producer_tid) wrong++;
        }
    }
    free(ev);
    assert_int_equal(allocs, HANDOFF);
    assert_int_equal(frees, HANDOFF);
    assert_int_equal(freed, bytes); /* every free got its block's size */
    assert_int_equal(wrong, 0);
    assert_true(b.total_allocated_bytes - a.total_allocated_bytes >= bytes);
    /* the two threads' figures: the producer's blocks all freed by the other thread */
    memscope_report r = memscope_analyze(memscope_global());
    int seen = 0;
    for (size_t i = 0; i < r.thread_count; i++) {
        if (r.threads[i].thread_id == (uint32_t)producer_tid) {
            seen++;
            assert_true(r.threads[i].allocated_bytes >= bytes);
            assert_true(r.threads[i].current_bytes < 4096); /* what pthread keeps at most */
        }
        if (r.threads[i].thread_id == (uint32_t)consumer_tid) {
            seen++;
            assert_true(r.threads[i].deallocations >= HANDOFF);
        }
    }
    memscope_report_free(&r);
    assert_int_equal(seen, 2);
}

/* Stamps out of order between threads (as a stale stamp makes them): the producer's
   records are stamped 50 ms ahead, so the consumer's free of each block, and its own
   allocation at the same address right after (malloc's per-thread cache hands it back),
   come before the block's allocation in stamp order. The resolver holds them until the
   allocation is applied: every figure stays exact. */
#define SKEWED 2000
static void *skew_queue[SKEWED];
static atomic_int skew_queued;
static void *skew_producer(void *arg) {
    (void)arg;
    ms__thread *th = ms__thread_get(memscope_global());
    th->log_tick = ms__ticks() + (uint64_t)(50e6 / ms__clock_ratio()); /* 50 ms ahead */
    for (int i = 0; i < SKEWED; i++) {
        skew_queue[i] = v_malloc(61000 + (size_t)(i % 7));
        atomic_store(&skew_queued, i + 1);
    }
    return NULL;
}
static void *skew_consumer(void *arg) {
    (void)arg;
    for (int i = 0; i < SKEWED; i++) {
        while (atomic_load(&skew_queued) <= i) sched_yield();
        free(skew_queue[i]);
        void *again = v_malloc(61000 + (size_t)(i % 7)); /* most often the same address */
        free(again);
    }
    return NULL;
}
static void test_stamps_out_of_order(void **state) {
    (void)state;
    if (atomic_load(&memscope_global()->log_mode) != 1) skip();
    memscope_memory_stats a = snap();
    pthread_t p, c;
    assert_int_equal(pthread_create(&c, NULL, skew_consumer, NULL), 0);
    assert_int_equal(pthread_create(&p, NULL, skew_producer, NULL), 0);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    usleep(120000); /* past the producer's stamps */
    memscope_memory_stats b = snap();
    uint64_t bytes = 0;
    for (int i = 0; i < SKEWED; i++) bytes += 61000 + (uint64_t)(i % 7);
    size_t n = 0, allocs = 0, frees = 0;
    uint64_t freed = 0;
    memscope_event *ev = memscope_events(memscope_global(), &n);
    /* merged by time, each block's free comes after its allocation: the live set never
       lacks the block a free ends (a small open-addressing set of the live addresses) */
    static uintptr_t live[8192];
    memset(live, 0, sizeof live);
    size_t out_of_order = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].size < 61000 || ev[i].size >= 61007) continue;
        size_t h = (ev[i].address >> 4) & 8191;
        if (ev[i].kind == MEMSCOPE_EVENT_ALLOC) {
            allocs++;
            while (live[h]) h = (h + 1) & 8191;
            live[h] = ev[i].address;
        } else {
            frees++;
            freed += ev[i].size;
            while (live[h] && live[h] != ev[i].address) h = (h + 1) & 8191;
            if (!live[h]) { out_of_order++; continue; }
            live[h] = 1; /* a tombstone: keeps later entries of the run reachable */
        }
    }
    free(ev);
    assert_int_equal(out_of_order, 0);
    assert_int_equal(allocs, 2 * SKEWED);
    assert_int_equal(frees, 2 * SKEWED);
    assert_int_equal(freed, 2 * bytes);
    assert_true(b.total_deallocations - a.total_deallocations >= 2 * SKEWED);
    assert_true(b.current_memory_bytes - a.current_memory_bytes < 8192); /* pthread's own at most */
}

/* Two threads in lockstep: one makes a block and hands it over, the other frees it, and
   only then is the next one made (a different address each time: the freed block goes to
   the freeing thread's cache), so exactly one is live at any time. The merged events of
   both threads must say so: a clock coarser than the handoffs would put a run of one
   thread's allocations before the other's frees and show many blocks live at once. Run in
   a child (a fresh peak). */
#define PINGPONG 3000
#define PP_SIZE 100000
static void *pp_slot;
static atomic_int pp_turn;
static void *pingpong(void *arg) {
    int me = (int)(intptr_t)arg;
    for (int r = me; r < 2 * PINGPONG; r += 2) {
        while (atomic_load(&pp_turn) != r) sched_yield();
        if (me == 0) pp_slot = v_malloc(PP_SIZE + (size_t)(r / 2 % 7));
        else free(pp_slot);
        atomic_store(&pp_turn, r + 1);
    }
    return NULL;
}
static void test_pingpong_peak(void **state) {
    (void)state;
    run_child("--pingpong-child", NULL, NULL);
}
static int pingpong_child(void) {
    pthread_t a, b;
    memscope_memory_stats s0 = snap();
    if (pthread_create(&a, NULL, pingpong, (void *)(intptr_t)0) || pthread_create(&b, NULL, pingpong, (void *)(intptr_t)1))
        return 2;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    usleep(20000);
    memscope_memory_stats s1 = snap();
    size_t n = 0, live = 0, max_live = 0;
    memscope_event *ev = memscope_events(memscope_global(), &n);
    for (size_t i = 0; i < n; i++) {
        if (ev[i].size < PP_SIZE || ev[i].size >= PP_SIZE + 7) continue;
        if (ev[i].kind == MEMSCOPE_EVENT_ALLOC) { if (++live > max_live) max_live = live; }
        else live--;
    }
    free(ev);
    printf("ping-pong of %d blocks of %d B between 2 threads: at most %zu live at once in the merged "
           "events; peak %" PRIu64 " B above the start\n", PINGPONG, PP_SIZE, max_live,
           (uint64_t)(s1.peak_memory_bytes - s0.current_memory_bytes));
    return max_live == 1 && s1.peak_memory_bytes - s0.current_memory_bytes < 2 * PP_SIZE ? 0 : 1;
}

/* free() of a block the hooks never saw (here: from glibc's own entry point) is dropped,
   also while another thread allocates. */
extern void *__libc_malloc(size_t);
static void *unrecorded_freer(void *arg) {
    void **blocks = (void **)arg;
    for (int i = 0; i < 1000; i++) free(blocks[i]);
    return NULL;
}
static void test_free_of_unrecorded_block(void **state) {
    (void)state;
    static void *blocks[1000];
    for (int i = 0; i < 1000; i++) blocks[i] = __libc_malloc(88888);
    memscope_memory_stats a = snap();
    uint64_t voided = memscope_global()->rv.voided;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, unrecorded_freer, blocks), 0);
    for (int i = 0; i < 2000; i++) churn_one(99999);
    pthread_join(th, NULL);
    memscope_memory_stats b = snap();
    assert_int_equal(count_events(88888, MEMSCOPE_EVENT_FREE), 0);
    assert_int_equal(count_events(99999, MEMSCOPE_EVENT_ALLOC), 2000);
    assert_int_equal(count_events(99999, MEMSCOPE_EVENT_FREE), 2000);
    assert_true(b.total_deallocations - a.total_deallocations < 2000 + 16); /* + pthread's own */
    if (atomic_load(&memscope_global()->log_mode) == 1) { /* + a few of pthread's, made inside memscope's calls */
        assert_true(memscope_global()->rv.voided - voided >= 1000);
        assert_true(memscope_global()->rv.voided - voided <= 1000 + 16);
    }
}

/* UNTRACK of a block the hooks recorded, then free: one free, not two. */
static void test_untrack_then_free_counts_once(void **state) {
    (void)state;
    memscope_tracker *g = memscope_global();
    memscope_memory_stats a = snap();
    char *untracked_block = v_malloc(5555);
    TRACK(g, untracked_block);
    UNTRACK(g, untracked_block);
    free(untracked_block);
    delta d = diff(a, snap());
    assert_int_equal(d.allocs, 1);
    assert_int_equal(d.frees, 1);
    assert_int_equal(d.live, 0);
}

/* Past the event bound the run goes on through the live table: the totals, the live bytes
   and the peak stay exact (the blocks live across the switch included). Run in a child
   (the bound is read at start). */
static void test_event_bound_switch(void **state) {
    (void)state;
    run_child("--bound-child", "MEMSCOPE_MAX_EVENTS", "50000");
}

static int bound_child(void) {
    memscope_tracker *g = memscope_global();
    int log0 = atomic_load(&g->log_mode);
    memscope_memory_stats a = snap();
    static void *kept[1000];
    for (int i = 0; i < 1000; i++) kept[i] = v_malloc(1000); /* live across the switch */
    for (int i = 0; i < 100000; i++) churn_one(10);          /* 200 000 events: past the bound */
    int log1 = atomic_load(&g->log_mode);
    void *big = v_malloc(5000000);                           /* the peak: after the switch */
    free(big);
    for (int i = 0; i < 1000; i++) free(kept[i]);
    memscope_memory_stats b = snap();
    uint64_t allocs = b.total_allocations - a.total_allocations, frees = b.total_deallocations - a.total_deallocations;
    printf("event bound 50000: log mode %d -> %d, %" PRIu64 " allocations, %" PRIu64 " frees, live %+" PRId64
           ", peak %" PRIu64 ", dropped %" PRIu64 "\n", log0, log1, allocs, frees,
           (int64_t)(b.current_memory_bytes - a.current_memory_bytes), (uint64_t)b.peak_memory_bytes,
           (uint64_t)b.dropped_events);
    int ok = allocs == 101001 && frees == 101001 && b.current_memory_bytes == a.current_memory_bytes &&
             b.peak_memory_bytes == a.current_memory_bytes + 1000 * 1000 + 5000000 && b.dropped_events > 0 &&
             log1 == 0;
    const char *lt = getenv("MEMSCOPE_LIVE_TABLE");
    if (!(lt && !strcmp(lt, "1"))) ok = ok && log0 == 1;
    return ok ? 0 : 1;
}

/* memscope's descriptors pass through a low number (open, then moved to 48+): a program's stale
   close() of that number (a shell closes each pipe end twice) waits for the move instead of
   closing memscope's file, so memscope never moves or closes a pipe the program made next */
static atomic_int fd_stop;
static atomic_long fd_opens, fd_wrong;
static void *fd_opener(void *arg) {
    (void)arg;
    while (!atomic_load(&fd_stop)) {
        int fd = ms__open_high("/proc/self/comm", O_RDONLY);
        if (fd < 0) continue;
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) atomic_fetch_add(&fd_wrong, 1);
        close(fd);
        atomic_fetch_add(&fd_opens, 1);
    }
    return NULL;
}
static void test_low_descriptors_not_crossed(void **state) {
    (void)state;
    pthread_t th;
    atomic_store(&fd_stop, 0);
    assert_int_equal(pthread_create(&th, NULL, fd_opener, NULL), 0);
    long rounds = 0, lost = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do {
        int p[2];
        assert_int_equal(pipe(p), 0);
        close(p[1]);
        close(p[1]); /* stale: EBADF, unless memscope's open took the number meanwhile */
        struct stat st;
        if (fstat(p[0], &st) != 0 || !S_ISFIFO(st.st_mode)) lost++;
        close(p[0]);
        rounds++;
        clock_gettime(CLOCK_MONOTONIC, &t1);
    } while ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9 < 1.5);
    atomic_store(&fd_stop, 1);
    pthread_join(th, NULL);
    print_message("%ld pipes closed twice while memscope opened %ld files: %ld read ends lost, %ld of memscope's files not its own\n",
                  rounds, (long)atomic_load(&fd_opens), lost, (long)atomic_load(&fd_wrong));
    assert_true(rounds > 1000 && atomic_load(&fd_opens) > 1000);
    assert_int_equal(lost, 0);
    assert_int_equal(atomic_load(&fd_wrong), 0);
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--sampling-child")) return sampling_child();
    if (argc > 1 && !strcmp(argv[1], "--bound-child")) return bound_child();
    if (argc > 1 && !strcmp(argv[1], "--threads-sampling-child")) return threads_sampling_child();
    if (argc > 1 && !strcmp(argv[1], "--settings-child")) return settings_child();
    if (argc > 1 && !strcmp(argv[1], "--pingpong-child")) return pingpong_child();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_before_main),
        cmocka_unit_test(test_every_function_exact),
        cmocka_unit_test(test_failures_record_nothing),
        cmocka_unit_test(test_realloc_cases),
        cmocka_unit_test(test_libc_internal_allocations),
        cmocka_unit_test(test_dlsym_and_dlopen),
        cmocka_unit_test(test_track_names_recorded_block),
        cmocka_unit_test(test_own_memory_not_recorded),
        cmocka_unit_test(test_threads_and_tls_destructors),
        cmocka_unit_test(test_byte_sampling_unbiased),
        cmocka_unit_test(test_byte_sampling_threads_start_fresh),
        cmocka_unit_test(test_bad_settings_refused_with_one_line),
        cmocka_unit_test(test_full_capture_uses_log_mode),
        cmocka_unit_test(test_handoff_between_threads),
        cmocka_unit_test(test_stamps_out_of_order),
        cmocka_unit_test(test_pingpong_peak),
        cmocka_unit_test(test_free_of_unrecorded_block),
        cmocka_unit_test(test_untrack_then_free_counts_once),
        cmocka_unit_test(test_event_bound_switch),
        cmocka_unit_test(test_low_descriptors_not_crossed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
