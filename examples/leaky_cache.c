/* leaky_cache.c - a word-frequency counter that leaks, and the memscope report that shows where.
 *
 * Counts the words of a built-in text or of the file argv[1] through a small LRU cache of raw
 * tokens ("Times," -> the entry of "times"). The cache has a bug: evicting a slot overwrites
 * its key without freeing it. After cleanup the program prints what memscope saw: totals,
 * peak, top allocation sites, and what is still allocated, by variable name and line.
 *
 *   cc -std=c11 -fno-omit-frame-pointer -I. examples/leaky_cache.c -pthread -o leaky_cache
 *   ./leaky_cache [TEXT_FILE [REPORT.json]]
 * The JSON report (call stacks included) goes to argv[2], else to $LEAKY_CACHE_REPORT, else
 * to ./output/leaky_cache.json. LeakSanitizer (-fsanitize=address) sees the same leak.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strndup */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMSCOPE_USER_TYPES(X) X(struct entry) X(struct cache_slot)
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#define INITIAL_BUCKETS 16 /* a power of two */
#define CACHE_SLOTS 16
#define MAX_WORD 64
#define TOP_N 5
#define DEFAULT_REPORT "./output/leaky_cache.json"

static const char builtin_text[] = /* the opening of A Tale of Two Cities */
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the "
    "age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the "
    "season of Light, it was the season of Darkness, it was the spring of hope, it was the "
    "winter of despair, we had everything before us, we had nothing before us, we were all going "
    "direct to Heaven, we were all going direct the other way -- in short, the period was so far "
    "like the present period, that some of its noisiest authorities insisted on its being "
    "received, for good or for evil, in the superlative degree of comparison only.\n";

static memscope_tracker *mem; /* one per program, like a logger */

/* ---- word table: chained hash table, doubled when three quarters full ---- */

struct entry {
    char *word;
    size_t count;
    struct entry *next;
};

struct table {
    struct entry **buckets;
    size_t bucket_count, size;
};

static size_t hash_word(const char *s) /* FNV-1a */
{
    uint64_t h = UINT64_C(14695981039346656037);
    while (*s)
        h = (h ^ (unsigned char)*s++) * UINT64_C(1099511628211);
    return (size_t)h;
}

/* Moves every entry into a new array of bucket_count buckets (a power of two). */
static int table_rehash(struct table *t, size_t bucket_count)
{
    struct entry **buckets = calloc(bucket_count, sizeof *buckets);
    if (!buckets)
        return -1;
    TRACK(mem, buckets);
    for (size_t i = 0; i < t->bucket_count; i++)
        for (struct entry *e = t->buckets[i], *next; e; e = next) {
            size_t slot = hash_word(e->word) & (bucket_count - 1);
            next = e->next;
            e->next = buckets[slot];
            buckets[slot] = e;
        }
    UNTRACK(mem, t->buckets);
    free(t->buckets);
    t->buckets = buckets;
    t->bucket_count = bucket_count;
    return 0;
}

/* The entry of word, added with count 0 if new; NULL when out of memory. */
static struct entry *table_intern(struct table *t, const char *word)
{
    size_t hash = hash_word(word);
    for (struct entry *e = t->buckets[hash & (t->bucket_count - 1)]; e; e = e->next)
        if (strcmp(e->word, word) == 0)
            return e;
    if (t->size >= t->bucket_count / 4 * 3 && table_rehash(t, 2 * t->bucket_count) != 0)
        return NULL;
    struct entry *e = malloc(sizeof *e);
    char *copy = strdup(word);
    if (!e || !copy) {
        free(e);
        free(copy);
        return NULL;
    }
    size_t slot = hash & (t->bucket_count - 1);
    *e = (struct entry){.word = copy, .count = 0, .next = t->buckets[slot]};
    TRACK(mem, e);
    TRACK(mem, e->word);
    t->buckets[slot] = e;
    t->size++;
    return e;
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->bucket_count; i++)
        for (struct entry *e = t->buckets[i], *next; e; e = next) {
            next = e->next;
            UNTRACK(mem, e->word);
            free(e->word);
            UNTRACK(mem, e);
            free(e);
        }
    UNTRACK(mem, t->buckets);
    free(t->buckets);
}

/* ---- token cache: raw token -> entry; when full, the least recently used slot goes ---- */

struct cache_slot {
    char *key; /* the token as it appears in the text; NULL: never used */
    struct entry *entry;
    unsigned long last_used;
};

struct cache {
    struct cache_slot *slots; /* CACHE_SLOTS of them, the used ones first */
    unsigned long clock;
    size_t evictions;
};

static struct entry *cache_get(struct cache *c, const char *token, size_t len)
{
    for (size_t i = 0; i < CACHE_SLOTS && c->slots[i].key; i++) {
        struct cache_slot *s = &c->slots[i];
        if (strncmp(s->key, token, len) == 0 && s->key[len] == '\0') {
            s->last_used = ++c->clock;
            return s->entry;
        }
    }
    return NULL;
}

static int cache_put(struct cache *c, const char *token, size_t len, struct entry *e)
{
    struct cache_slot *victim = &c->slots[0]; /* a never used slot has last_used 0 */
    for (size_t i = 1; i < CACHE_SLOTS; i++)
        if (c->slots[i].last_used < victim->last_used)
            victim = &c->slots[i];
    char *key = strndup(token, len);
    if (!key)
        return -1;
    if (victim->key)
        c->evictions++; /* THE LEAK: the old key is dropped here without UNTRACK + free */
    *victim = (struct cache_slot){.key = key, .entry = e, .last_used = ++c->clock};
    TRACK(mem, victim->key);
    return 0;
}

static void cache_free(struct cache *c)
{
    for (size_t i = 0; c->slots && i < CACHE_SLOTS; i++) {
        UNTRACK(mem, c->slots[i].key);
        free(c->slots[i].key);
    }
    UNTRACK(mem, c->slots);
    free(c->slots);
}

/* ---- counting ---- */

/* The token's letters and digits, lowercased ("Times," -> "times", "--" -> ""); returns the
   length written to out. */
static size_t normalize(const char *token, size_t len, char out[MAX_WORD])
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < MAX_WORD; i++)
        if (isalnum((unsigned char)token[i]))
            out[n++] = (char)tolower((unsigned char)token[i]);
    out[n] = '\0';
    return n;
}

static int count_words(const char *p, struct table *words, struct cache *cache, size_t *total)
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            return 0;
        const char *token = p;
        while (*p != '\0' && !isspace((unsigned char)*p))
            p++;
        size_t len = (size_t)(p - token);
        struct entry *e = cache_get(cache, token, len);
        if (!e) {
            char word[MAX_WORD];
            if (normalize(token, len, word) == 0)
                continue; /* punctuation only */
            if (!(e = table_intern(words, word)) || cache_put(cache, token, len, e) != 0)
                return -1;
        }
        e->count++;
        (*total)++;
    }
}

static void print_top_words(const struct table *t)
{
    const struct entry *top[TOP_N] = {0};
    for (size_t i = 0; i < t->bucket_count; i++)
        for (const struct entry *e = t->buckets[i]; e; e = e->next)
            for (size_t k = 0; k < TOP_N; k++)
                if (!top[k] || e->count > top[k]->count) {
                    memmove(&top[k + 1], &top[k], (TOP_N - 1 - k) * sizeof top[0]);
                    top[k] = e;
                    break;
                }
    printf("Most frequent:%s", top[0] ? "" : " (no words)");
    for (size_t k = 0; k < TOP_N && top[k]; k++)
        printf(" %s (%zu)", top[k]->word, top[k]->count);
    printf("\n");
}

/* The whole file, NUL-terminated; NULL with errno set on failure. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)size + 1))) {
        text[fread(text, 1, (size_t)size, f)] = '\0';
        if (ferror(f)) {
            free(text);
            text = NULL;
            errno = EIO;
        }
    }
    int saved = errno;
    fclose(f);
    errno = saved;
    TRACK(mem, text);
    return text;
}

/* ---- what memscope saw ---- */

static void print_memory_report(void)
{
    printf("\n");
    memscope_print_summary(mem, stdout); /* totals, top sites, what is still live */
}

int main(int argc, char **argv)
{
    const char *report_path = argc > 2 ? argv[2] : getenv("LEAKY_CACHE_REPORT");
    if (!report_path || !*report_path)
        report_path = DEFAULT_REPORT;
    mem = memscope_with_sampling(TRACKER(), memscope_sampling_full());
    if (!mem) {
        fprintf(stderr, "leaky_cache: cannot create a tracker: out of memory\n");
        return 1;
    }
    char *file_text = NULL;
    if (argc > 1 && !(file_text = read_text(argv[1]))) {
        fprintf(stderr, "leaky_cache: %s: %s\n", argv[1], strerror(errno));
        memscope_destroy(mem);
        return 1;
    }

    struct table words = {0};
    struct cache cache = {0};
    size_t total = 0;
    cache.slots = calloc(CACHE_SLOTS, sizeof *cache.slots);
    TRACK(mem, cache.slots);
    int ok = cache.slots && table_rehash(&words, INITIAL_BUCKETS) == 0 &&
             count_words(file_text ? file_text : builtin_text, &words, &cache, &total) == 0;
    if (ok) {
        printf("%zu words, %zu distinct, %zu evictions from the token cache\n", total,
               words.size, cache.evictions);
        print_top_words(&words);
    } else {
        fprintf(stderr, "leaky_cache: out of memory\n");
    }
    cache_free(&cache);
    table_free(&words);
    UNTRACK(mem, file_text);
    free(file_text);

    print_memory_report();
    /* the JSON report and, beside it, the same state as a .msb (one instant for both) */
    char msb_path[4096], html_path[4096];
    size_t len = strlen(report_path);
    int stem = len > 5 && strcmp(report_path + len - 5, ".json") == 0 ? (int)(len - 5) : (int)len;
    snprintf(msb_path, sizeof msb_path, "%.*s.msb", stem, report_path);
    snprintf(html_path, sizeof html_path, "%.*s.html", stem, report_path);
    const char *files[] = {report_path, msb_path, html_path};
    memscope_result rc = memscope_export_many(mem, files, 3);
    if (rc == MEMSCOPE_OK)
        printf("JSON report: %s (binary: %s, dashboard: %s)\n", report_path, msb_path, html_path);
    else
        fprintf(stderr, "leaky_cache: cannot write %s: %s\n", report_path,
                rc == MEMSCOPE_ERR_IO ? strerror(errno) : memscope_result_string(rc));
    memscope_destroy(mem);
    return ok && rc == MEMSCOPE_OK ? 0 : 1;
}
