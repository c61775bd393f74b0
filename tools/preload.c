/* preload.c - libmemscope.so, the whole-program mode of memscope.h as a preload library.
 *
 *   LD_PRELOAD=libmemscope.so MEMSCOPE_OUTPUT=run.%p.msb PROGRAM ARGS   (what `memscope run` does)
 *
 * Every malloc, free, calloc, realloc, reallocarray, posix_memalign, aligned_alloc, memalign,
 * valloc and pvalloc of the process is recorded with its exact requested size and call stack,
 * and the report is written when the process ends (README "Whole-program mode"). */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#define MEMSCOPE_HOOK_MALLOC
#include "../memscope.h"

/* How the program ended, in its file (META 18): the status given to exit(), caught by an
   on_exit handler. It must run before the C library's handler that runs the destructors
   (which write the report), so it is registered as main starts: main is wrapped by taking
   the program's call to __libc_start_main, as preload tools do. */
typedef int (*ms__main_fn)(int, char **, char **);
typedef int (*ms__start_fn)(ms__main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *);
static ms__main_fn ms__real_main;

static int ms__main_wrapper(int argc, char **argv, char **envp) {
    on_exit(ms__on_exit_status, NULL);
    return ms__real_main(argc, argv, envp);
}

int __libc_start_main(ms__main_fn main_fn, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end);
int __libc_start_main(ms__main_fn main_fn, int argc, char **argv, void (*init)(void), void (*fini)(void),
                      void (*rtld_fini)(void), void *stack_end) {
    void *p = dlsym(RTLD_NEXT, "__libc_start_main");
    ms__start_fn real;
    memcpy(&real, &p, sizeof real);
    if (!real) abort();
    ms__real_main = main_fn;
    return real(ms__main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}
