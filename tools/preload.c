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
