/* tests/unwind/fp_wrapper.c -- stands in for memscope's malloc hook: compiled with
   -fno-omit-frame-pointer (as libmemscope.so is), it builds the registers from its own
   frame pointer exactly like the hooks do (ms__hook_cfi: {fp[1], fp + 2, fp[0]}) and takes
   backtrace() in the same function. It also checks that ms__cfi_here(..., skip = 1) from
   the wrapper gives the same list (returns 0, a failure, if not).
   The unwinder is test_unwind.c's copy of memscope.h's (one cache per process, as under
   libmemscope.so), reached through unwind_walk_regs (a thunk that calls ms__cfi_walk: the
   walk starts from the registers given, so the thunk's own frame does not matter) and
   unwind_here_fn (ms__cfi_here itself, so the indirect call adds no frame). */
#include <execinfo.h>
#include <stddef.h>
#include <stdint.h>

size_t fp_wrapper(uintptr_t lo, uintptr_t hi, uintptr_t *out, size_t max, void **bt, int nbt_max, int *nbt);
extern size_t (*const unwind_here_fn)(uintptr_t, uintptr_t, uintptr_t *, size_t, size_t);
size_t unwind_walk_regs(uintptr_t ip, uintptr_t sp, uintptr_t bp, uintptr_t lo, uintptr_t hi,
                        uintptr_t *out, size_t max);

__attribute__((noinline)) size_t fp_wrapper(uintptr_t lo, uintptr_t hi, uintptr_t *out, size_t max,
                                             void **bt, int nbt_max, int *nbt)
{
    uintptr_t *fp = (uintptr_t *)__builtin_frame_address(0);
    size_t n;
    *nbt = backtrace(bt, nbt_max);
    /* the hooks' call convention: return address, the caller's sp, the caller's rbp */
    n = unwind_walk_regs(fp[1], (uintptr_t)(fp + 2), fp[0], lo, hi, out, max);
    /* the alternative that needs no frame pointer: skip the wrapper's frame */
    {
        uintptr_t alt[256];
        size_t na = unwind_here_fn(lo, hi, alt, max < 256 ? max : 256, 1), i;
        if (na != (n < 256 ? n : 256)) return 0;
        for (i = 0; i < na; i++) if (alt[i] != out[i]) return 0;
    }
    __asm__ volatile("" : : "r"(n) : "memory");
    return n;
}
