/* names_prog.c - the program of tests/names/run.sh: allocations from a chain of static
 * functions, from an exported function, from the test's shared library (exported and static
 * functions there), from a static callback the library calls, and from a thread. Each malloc
 * site has its own size. Two always_inline functions inlined into inline_host allocate too. At start it writes the load bias of every module, "BIAS<TAB>PATH"
 * per line (the program's own path from /proc/self/exe), to the file named by NAMES_BASES. */
#define _GNU_SOURCE
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NOIPA __attribute__((noipa)) /* not inlined, not cloned: the symbol is the function */

int names_lib_alloc(int n);
int names_lib_run(int (*cb)(int), int n);

void *volatile names_prog_sink[32];
#define KEEP(i, p) do { names_prog_sink[i] = (p); __asm__ volatile("" ::: "memory"); } while (0)

static int write_base(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    FILE *f = (FILE *)data;
    char exe[4096];
    const char *name = info->dlpi_name;
    if (!name || !*name) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) return 0;
        exe[n] = 0;
        name = exe;
    }
    fprintf(f, "%#lx\t%s\n", (unsigned long)info->dlpi_addr, name);
    return 0;
}

static NOIPA int chain_leaf(int n) {
    KEEP(0, malloc(1000 + (size_t)n));
    return n + 1;
}
static NOIPA int chain_mid(int n) {
    KEEP(1, malloc(1100 + (size_t)n));
    int r = chain_leaf(n + 1);
    return r + 1;
}
static NOIPA int chain_top(int n) {
    KEEP(2, malloc(1200 + (size_t)n));
    int r = chain_mid(n + 1);
    return r + 1;
}

/* called back from the library */
static NOIPA int prog_callback(int n) {
    KEEP(3, malloc(1300 + (size_t)n));
    return n + 1;
}

static NOIPA int thread_leaf(int n) {
    KEEP(4, malloc(1400 + (size_t)n));
    return n + 1;
}
static NOIPA void *thread_body(void *arg) {
    int r = thread_leaf((int)(long)arg);
    KEEP(5, malloc(1500 + (size_t)r));
    return NULL;
}

/* inlined calls: inline_leaf and inline_mid have no machine frame; each must still be a frame
   of its own, before inline_host, as addr2line -i shows them */
static inline __attribute__((always_inline)) int inline_leaf(int n) {
    KEEP(8, malloc(1800 + (size_t)n));
    return n + 1;
}
static inline __attribute__((always_inline)) int inline_mid(int n) {
    int r = inline_leaf(n + 1);
    return r + 1;
}
static NOIPA int inline_host(int n) {
    int r = inline_mid(n + 1);
    return r + 1;
}

NOIPA int prog_exported_alloc(int n) {
    KEEP(6, malloc(1600 + (size_t)n));
    return n + 1;
}

int main(void) {
    const char *bases = getenv("NAMES_BASES");
    if (bases) {
        FILE *f = fopen(bases, "w");
        if (!f) { perror(bases); return 2; }
        dl_iterate_phdr(write_base, f);
        if (fclose(f) != 0) { perror(bases); return 2; }
    }
    int r = chain_top(1);
    r += prog_exported_alloc(r);
    r += inline_host(r);
    r += names_lib_alloc(r);
    r += names_lib_run(prog_callback, r);
    pthread_t th;
    if (pthread_create(&th, NULL, thread_body, (void *)1L) != 0) return 3;
    if (pthread_join(th, NULL) != 0) return 3;
    KEEP(7, malloc(1700));
    return r > 0 ? 0 : 1;
}
