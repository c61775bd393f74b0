/* reload_whost.c - the host of tests/names/run.sh's whole-program reload check (run under
 * `memscope run`; no memscope.h): for each of two plugins, dlopen it, call its entry, sleep
 * 100 ms (the stream names the frames meanwhile, while the plugin is loaded), dlclose it. The
 * second plugin is usually loaded where the first one was.
 *   reload_whost same-site|two-sites A.so A_ENTRY B.so B_ENTRY BASES
 * same-site: both entries are called from one call site (a loop), so when B lands where A was,
 * B's allocation has the very return addresses A's had (one stack of addresses); two-sites:
 * from two call sites in main (the stacks differ in main's frame, the plugin frames the same).
 * BASES gets "BIAS<TAB>PATH" per plugin (its load bias, from dlinfo); stdout says whether the
 * second plugin landed at the first one's base. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define NOIPA __attribute__((noipa))

typedef int (*entry_fn)(int n);

static NOIPA void *run_plugin(const char *path, const char *entry, int n, unsigned long *bias) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "dlopen %s: %s\n", path, dlerror()); return NULL; }
    struct link_map *lm = NULL;
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm) { fprintf(stderr, "dlinfo %s: %s\n", path, dlerror()); return NULL; }
    *bias = (unsigned long)lm->l_addr;
    entry_fn f = (entry_fn)dlsym(h, entry);
    if (!f) { fprintf(stderr, "dlsym %s: %s\n", entry, dlerror()); return NULL; }
    int r = f(n);
    __asm__ volatile("" ::: "memory"); /* not a sibling call: this frame stays in the stack */
    return r > 0 ? h : NULL;
}

/* after a plugin's call: its bias into BASES, 100 ms for the stream, dlclose */
static int finish(void *h, const char *path, unsigned long bias, FILE *bases) {
    fprintf(bases, "%#lx\t%s\n", bias, path);
    fflush(bases);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (dlclose(h) != 0) { fprintf(stderr, "dlclose %s: %s\n", path, dlerror()); return 1; }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage: %s same-site|two-sites A.so A_ENTRY B.so B_ENTRY BASES\n", argv[0]); return 2; }
    FILE *bases = fopen(argv[6], "w");
    if (!bases) { perror(argv[6]); return 2; }
    unsigned long bias[2] = {0, 0};
    if (strcmp(argv[1], "same-site") == 0) {
        int n = 2;
        __asm__("" : "+r"(n)); /* unknown to the compiler: the loop stays a loop, one call site */
        for (int i = 0; i < n; i++) {
            char **a = argv + 2 + 2 * i; /* PLUGIN.so ENTRY */
            void *h = run_plugin(a[0], a[1], 7, &bias[i]);
            if (!h || finish(h, a[0], bias[i], bases)) return 3;
        }
    } else {
        void *h = run_plugin(argv[2], argv[3], 7, &bias[0]);
        if (!h || finish(h, argv[2], bias[0], bases)) return 3;
        h = run_plugin(argv[4], argv[5], 7, &bias[1]);
        if (!h || finish(h, argv[4], bias[1], bases)) return 3;
    }
    printf("%s base %#lx, %s base %#lx: %s\n", argv[2], bias[0], argv[4], bias[1],
           bias[0] == bias[1] ? "same base" : "different bases");
    return fclose(bases) == 0 ? 0 : 2;
}
