/* small.c - the "small" export of the browser tests.
 *
 * Two named threads (ms-producer, ms-consumer) work for at least 300 ms with full sampling
 * (call stacks) and the system monitor on (a 25 ms interval, so there are snapshots).
 * Leaks: 250 cache_entry blocks (more than 100, so the leaks table has 3 pages) and
 * 7 session_token strings. The consumer hands 40 handoff_msg blocks to main, which frees
 * them after the join (frees on another thread). Usage: small OUT_BASE
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>

#define MEMSCOPE_IMPLEMENTATION
#include "common.h"

#define MIN_SECONDS 0.3
#define CACHE_LEAKS 250
#define TOKEN_LEAKS 7
#define HANDOFFS 40

static memscope_tracker *tracker;
static double start;
static char *cache[CACHE_LEAKS];
static char *tokens[TOKEN_LEAKS];
static double *handoff[HANDOFFS];

/* Not static and not inlined, so the call stacks show them by name (-rdynamic). */
__attribute__((noinline)) char *make_frame(int i)
{
    char *frame_buf = malloc((size_t)(64 + (i % 16) * 32));
    if (!frame_buf) abort();
    frame_buf[0] = (char)i;
    TRACK(tracker, frame_buf);
    return frame_buf;
}

__attribute__((noinline)) char *make_cache_entry(int i)
{
    char *cache_entry = malloc(48);
    if (!cache_entry) abort();
    snprintf(cache_entry, 48, "entry %d", i);
    TRACK(tracker, cache_entry);
    return cache_entry;
}

__attribute__((noinline)) void producer_step(int i)
{
    char *f = make_frame(i);
    if (i < CACHE_LEAKS) cache[i] = make_cache_entry(i); /* never freed: leaks */
    UNTRACK(tracker, f);
    free(f);
}

static void *producer(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "ms-producer");
    for (int i = 0; i < CACHE_LEAKS + 10 || now_sec() - start < MIN_SECONDS; i++) {
        producer_step(i);
        sleep_ms(1);
    }
    return NULL;
}

__attribute__((noinline)) int *make_token_list(int i)
{
    int *token_list = calloc((size_t)(4 + i % 64), sizeof *token_list);
    if (!token_list) abort();
    TRACK(tracker, token_list);
    return token_list;
}

__attribute__((noinline)) void consumer_step(int i, int *leaked, int *handed)
{
    int *l = make_token_list(i);
    if (i % 40 == 0 && *leaked < TOKEN_LEAKS) {
        char *session_token = strdup("a session token that nobody frees");
        if (!session_token) abort();
        TRACK(tracker, session_token);
        tokens[(*leaked)++] = session_token;
    }
    if (i % 5 == 0 && *handed < HANDOFFS) {
        double *handoff_msg = malloc(256 * sizeof *handoff_msg);
        if (!handoff_msg) abort();
        handoff_msg[0] = i;
        TRACK(tracker, handoff_msg);
        handoff[(*handed)++] = handoff_msg;
    }
    UNTRACK(tracker, l);
    free(l);
}

static void *consumer(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "ms-consumer");
    int leaked = 0, handed = 0;
    for (int i = 0; i < 300 || now_sec() - start < MIN_SECONDS; i++) {
        consumer_step(i, &leaked, &handed);
        sleep_ms(1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *base = base_arg(argc, argv);
    memscope_monitor_config mc = memscope_monitor_default();
    mc.interval_ms = 25;
    if (memscope_set_monitor_config(mc) != MEMSCOPE_OK) return 1;
    tracker = memscope_with_sampling(memscope_with_system_monitoring(memscope_new()), memscope_sampling_full());
    if (!tracker) return 1;
    start = now_sec();
    pthread_t a, b;
    if (pthread_create(&a, NULL, producer, NULL) || pthread_create(&b, NULL, consumer, NULL)) return 1;
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    for (int i = 0; i < HANDOFFS; i++) { /* frees on the main thread */
        UNTRACK(tracker, handoff[i]);
        free(handoff[i]);
    }
    export_both(tracker, base);
    memscope_destroy(tracker);
    for (int i = 0; i < CACHE_LEAKS; i++) free(cache[i]);
    for (int i = 0; i < TOKEN_LEAKS; i++) free(tokens[i]);
    return 0;
}
