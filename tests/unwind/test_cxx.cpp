// C++ part of the test: functions with try/catch and RAII objects (FDEs with
// personality + LSDA, 'zPLR' CIEs, landing pads in .text.unlikely), walking
// from inside catch blocks and from destructors run during unwinding.
#include <cstdint>
#include <stdexcept>

extern "C" int cxx_check(int where);      // in test_unwind.c: backtrace vs ms__cfi_here
extern "C" int cxx_run(int iters, uint32_t seed);
// values are unsigned: wrap-around is intended

namespace {

volatile int sink;

uint32_t lcg(uint32_t s) { return s * 1664525u + 1013904223u; }

struct Guard {
    int on;
    explicit Guard(int o) : on(o) { sink = sink + 1; }
    ~Guard() {
        if (on) cxx_check(std::uncaught_exceptions() ? 2 : 3);   // 2: during unwinding
    }
};

struct MyErr : std::runtime_error {
    uint32_t v;
    explicit MyErr(uint32_t x) : std::runtime_error("myerr"), v(x) {}
};

unsigned level(int depth, uint32_t seed);

__attribute__((noinline)) unsigned bottom(uint32_t seed)
{
    Guard g((seed >> 5) & 1);
    if ((seed >> 9) % 3 == 0) throw MyErr(seed);
    if ((seed >> 9) % 3 == 1) throw 42;
    cxx_check(4);
    return seed & 7;
}

__attribute__((noinline)) unsigned with_catch(int depth, uint32_t seed)
{
    Guard g((seed >> 3) & 1);
    try {
        return level(depth - 1, lcg(seed)) + 1u;
    } catch (const MyErr &e) {
        cxx_check(1);                      // inside a catch block
        if (e.v & 16) throw;               // rethrow: unwinds more frames
        return e.v & 3;
    }
}

__attribute__((noinline)) unsigned with_catch_all(int depth, uint32_t seed)
{
    try {
        Guard g(1);
        unsigned r = level(depth - 1, lcg(seed));
        return r * 2u;
    } catch (...) {
        cxx_check(1);
        return 5u;
    }
}

__attribute__((noinline)) unsigned raii_only(int depth, uint32_t seed)
{
    Guard a(seed & 1), b((seed >> 1) & 1);
    volatile char buf[600];
    buf[seed % 600] = 1;
    return level(depth - 1, lcg(seed)) + (unsigned)buf[seed % 600];
}

unsigned level(int depth, uint32_t seed)
{
    if (depth <= 0) return bottom(seed);
    switch ((seed >> 13) % 3) {
    case 0: return with_catch(depth, seed) + 1u;
    case 1: return raii_only(depth, seed) - 1u;
    default: return with_catch_all(depth, seed) * 3u;
    }
}

} // namespace

extern "C" int cxx_run(int iters, uint32_t seed)
{
    unsigned total = 0;
    for (int i = 0; i < iters; i++) {
        seed = lcg(seed);
        try {
            // the outermost level is always catch-all so nothing escapes
            total += with_catch_all(3 + (int)((seed >> 20) % 20), seed);
        } catch (...) {
            total += 1u;
        }
    }
    return (int)(total & 0x7fffffff);
}
