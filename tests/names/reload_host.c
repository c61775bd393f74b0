/* reload_host.c - the TRACK API host of tests/names/run.sh's reload checks: a tracker with
 * full sampling (every TRACK, its call stack); dlopen ALPHA, call ALPHA_ENTRY, export T1,
 * dlclose ALPHA; dlopen BETA (often at the address ALPHA had), call BETA_ENTRY, export T2.
 * Both entries are called from the same call site (run_plugin), so when BETA lands where ALPHA
 * was, both allocations have the same stack of return addresses, named at export time.
 *   reload_host ALPHA.so ALPHA_ENTRY T1.json BETA.so BETA_ENTRY T2.json BASES
 * BASES gets "BIAS<TAB>PATH" per plugin (its load bias, from dlinfo); stdout says whether the
 * second plugin landed at the first one's base. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <dlfcn.h>
#include <link.h>
#include <stdio.h>

#define NOIPA __attribute__((noipa))

typedef int (*entry_fn)(memscope_tracker *t, int n);

static NOIPA void *run_plugin(const char *path, const char *entry, memscope_tracker *t, int n,
                              unsigned long *bias) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "dlopen %s: %s\n", path, dlerror()); return NULL; }
    struct link_map *lm = NULL;
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm) { fprintf(stderr, "dlinfo %s: %s\n", path, dlerror()); return NULL; }
    *bias = (unsigned long)lm->l_addr;
    entry_fn f = (entry_fn)dlsym(h, entry);
    if (!f) { fprintf(stderr, "dlsym %s: %s\n", entry, dlerror()); return NULL; }
    int r = f(t, n);
    __asm__ volatile("" ::: "memory"); /* not a sibling call: this frame stays in the stack */
    return r > 0 ? h : NULL;
}

int main(int argc, char **argv) {
    if (argc != 8) { fprintf(stderr, "usage: %s A.so A_ENTRY T1.json B.so B_ENTRY T2.json BASES\n", argv[0]); return 2; }
    FILE *bases = fopen(argv[7], "w");
    if (!bases) { perror(argv[7]); return 2; }
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    if (!t) return 2;
    unsigned long bias[2] = {0, 0};
    void *h = NULL;
    int n = 2;
    __asm__("" : "+r"(n)); /* unknown to the compiler: the loop stays a loop, one call site */
    for (int i = 0; i < n; i++) { /* one call site for both plugins: the same host frames */
        char **a = argv + 1 + 3 * i; /* PLUGIN.so ENTRY OUT.json */
        if (h && dlclose(h) != 0) { fprintf(stderr, "dlclose %s: %s\n", argv[1], dlerror()); return 3; }
        h = run_plugin(a[0], a[1], t, 7, &bias[i]);
        if (!h) return 3;
        fprintf(bases, "%#lx\t%s\n", bias[i], a[0]);
        fflush(bases);
        if (i) {
            printf("%s base %#lx, %s base %#lx: %s\n", argv[1], bias[0], a[0], bias[1],
                   bias[0] == bias[1] ? "same base" : "different bases");
            fflush(stdout);
        }
        memscope_result r = memscope_export(t, a[2]);
        if (r != MEMSCOPE_OK) { fprintf(stderr, "export %s: %s\n", a[2], memscope_result_string(r)); return 4; }
    }
    memscope_destroy(t);
    dlclose(h);
    return fclose(bases) == 0 ? 0 : 2;
}
