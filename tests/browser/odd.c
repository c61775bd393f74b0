/* odd.c - the "odd" export: names that try to break out of the page, plus a control.
 *
 * Writes OUT_BASE.{json,html} with hostile names given through memscope_track_as (HTML and
 * script terminators, a comment opener, quotes, a newline, U+2028, invalid UTF-8, an
 * entity, a file path with spaces, markup that would run a handler) and a hostile thread
 * name, and OUT_BASE-control.{json,html}: the same shape (sites, counts, threads) with
 * plain names, so the test can compare element counts against what the page itself makes.
 * Usage: odd OUT_BASE
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>

#define MEMSCOPE_IMPLEMENTATION
#include "common.h"

struct site { const char *name, *type, *file; };

static const struct site odd_sites[] = {
    {"</script><script>alert(1)</script>", "char *", "odd.c"},
    {"open<!--comment", "<!-- not a comment -->", "odd.c"},
    {"say \"quotes' here", "char *", "odd.c"},
    {"line1\nline2", "char *", "odd.c"},
    {"sep\xe2\x80\xa8rator", "char *", "odd.c"},             /* U+2028 */
    {"bad\xff\xfe" "bytes", "char *", "odd.c"},                /* invalid UTF-8 */
    {"amp&amp;name", "char *", "odd.c"},
    {"spaced_path", "char *", "/tmp/dir with spaces/my file.c"},
    {"bold_type", "struct <b>bold</b> *", "odd.c"},
    {"<img src=x onerror=alert(2)>", "char *", "odd.c"},
};
#define NSITES (sizeof odd_sites / sizeof odd_sites[0])

static const struct site plain_sites[NSITES] = {
    {"plain_name_0", "char *", "odd.c"}, {"plain_name_1", "plain type", "odd.c"},
    {"plain_name_2", "char *", "odd.c"}, {"plain_name_3", "char *", "odd.c"},
    {"plain_name_4", "char *", "odd.c"}, {"plain_name_5", "char *", "odd.c"},
    {"plain_name_6", "char *", "odd.c"}, {"plain_name_7", "char *", "/tmp/plain/my_file.c"},
    {"plain_name_8", "struct plain *", "odd.c"}, {"plain_name_9", "char *", "odd.c"},
};

static char blocks[NSITES][3][64];

struct job { memscope_tracker *t; const struct site *sites; const char *thread_name; };

/* Per site: three blocks of different sizes, the first one freed, two left live. */
static void *work(void *arg)
{
    struct job *j = arg;
    pthread_setname_np(pthread_self(), j->thread_name);
    for (size_t s = 0; s < NSITES; s++)
        for (int k = 0; k < 3; k++)
            memscope_track_as(j->t, blocks[s][k], 8 * (size_t)(k + 1) + s, j->sites[s].name,
                              j->sites[s].type, j->sites[s].file, (uint32_t)(10 + s));
    for (size_t s = 0; s < NSITES; s++) memscope_untrack(j->t, blocks[s][0]);
    return NULL;
}

static int run(const struct site *sites, const char *thread_name, const char *base)
{
    memscope_tracker *t = memscope_new();
    if (!t) return 1;
    struct job j = {t, sites, thread_name};
    pthread_t th;
    if (pthread_create(&th, NULL, work, &j)) return 1;
    pthread_join(th, NULL);
    export_both(t, base);
    memscope_destroy(t);
    return 0;
}

int main(int argc, char **argv)
{
    const char *base = base_arg(argc, argv);
    char control[4096];
    snprintf(control, sizeof control, "%s-control", base);
    /* pthread names hold 15 bytes: "<b>t</b>&amp;" is 13 */
    return run(odd_sites, "<b>t</b>&amp;", base) || run(plain_sites, "plain-thread", control);
}
