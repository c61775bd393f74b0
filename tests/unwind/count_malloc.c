/* tests/unwind/count_malloc.c -> libcount_malloc.so: interposes the malloc family (LD_PRELOAD or linked
   first) and counts calls made by threads that enabled counting. */
#include <stddef.h>

void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);
void *__libc_memalign(size_t, size_t);

void count_malloc_enable(int on);
unsigned long count_malloc_calls(void);

static _Thread_local int on_;
static _Thread_local unsigned long calls_;

void count_malloc_enable(int on) { on_ = on; }
unsigned long count_malloc_calls(void) { return calls_; }

void *malloc(size_t n) { if (on_) calls_++; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { if (on_) calls_++; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { if (on_) calls_++; return __libc_realloc(p, n); }
void free(void *p) { if (on_ && p) calls_++; __libc_free(p); }
void *memalign(size_t a, size_t n) { if (on_) calls_++; return __libc_memalign(a, n); }
void *aligned_alloc(size_t a, size_t n) { if (on_) calls_++; return __libc_memalign(a, n); }
int posix_memalign(void **r, size_t a, size_t n)
{
    if (on_) calls_++;
    *r = __libc_memalign(a, n);
    return *r ? 0 : 12;
}
