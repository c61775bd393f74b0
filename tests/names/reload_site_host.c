/* reload_site_host.c - the host of tests/names/run.sh's reload-site check (TRACK sites of a
 * dlclosed plugin): a tracker (MEMSCOPE_IMPLEMENTATION, every TRACK recorded); dlopen A, call
 * A_ENTRY (a TRACK whose memscope_site is A's static data), dlclose A; map a page at the base A
 * had (MAP_FIXED_NOREPLACE, so it must be free: A is unmapped), so that B cannot land where A
 * was and A's old data stays unmapped; dlopen B, call B_ENTRY; export OUT.json (A's site named
 * there, after its module is gone); memscope_destroy. A site table that pointed into A's data
 * crashed in that export.
 *   reload_site_host A.so A_ENTRY B.so B_ENTRY OUT.json
 * Exit 0 when all of it ran; 3 dlopen/dlsym/dlclose failed, 4 export failed, 5 the page could
 * not be mapped at A's base or B landed there anyway (the check is then meaningless). stdout
 * says the bases. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

typedef int (*entry_fn)(memscope_tracker *t, int n);

static void *load_and_call(const char *path, const char *entry, memscope_tracker *t, unsigned long *bias) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "dlopen %s: %s\n", path, dlerror()); return NULL; }
    struct link_map *lm = NULL;
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || !lm) { fprintf(stderr, "dlinfo %s: %s\n", path, dlerror()); return NULL; }
    *bias = (unsigned long)lm->l_addr;
    entry_fn f = (entry_fn)dlsym(h, entry);
    if (!f) { fprintf(stderr, "dlsym %s: %s\n", entry, dlerror()); return NULL; }
    return f(t, 7) > 0 ? h : NULL;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: %s A.so A_ENTRY B.so B_ENTRY OUT.json\n", argv[0]); return 2; }
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    if (!t) return 2;
    unsigned long abase = 0, bbase = 0;
    void *h = load_and_call(argv[1], argv[2], t, &abase);
    if (!h) return 3;
    if (dlclose(h) != 0) { fprintf(stderr, "dlclose %s: %s\n", argv[1], dlerror()); return 3; }

    long pg = sysconf(_SC_PAGESIZE);
    void *want = (void *)(abase & ~(unsigned long)(pg - 1));
    void *page = mmap(want, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (page == MAP_FAILED || page != want) { /* an old kernel takes the flag for a hint */
        fprintf(stderr, "mmap of a page at %p (A's base): %s\n", want,
                page == MAP_FAILED ? strerror(errno) : "mapped elsewhere");
        printf("%s base %#lx: no page could be mapped there\n", argv[1], abase);
        return 5;
    }
    memset(page, 0xa5, (size_t)pg);

    h = load_and_call(argv[3], argv[4], t, &bbase);
    if (!h) return 3;
    printf("%s base %#lx (unloaded, a page mapped there), %s base %#lx: %s\n", argv[1], abase, argv[3], bbase,
           bbase == abase ? "same base" : "different bases");
    fflush(stdout);
    if (bbase == abase) return 5;

    memscope_result r = memscope_export(t, argv[5]);
    if (r != MEMSCOPE_OK) { fprintf(stderr, "export %s: %s\n", argv[5], memscope_result_string(r)); return 4; }
    memscope_destroy(t);
    dlclose(h);
    munmap(page, (size_t)pg);
    return 0;
}
