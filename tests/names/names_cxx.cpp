// names_cxx.cpp - the C++ program of tests/names/run.sh: allocations (through operator new,
// which calls malloc) from a class method in a namespace, a template function, a lambda and
// an inline member function inlined into its caller. Like names_prog.c it writes each module's
// load bias to the file named by NAMES_BASES. Every frame in this program must carry
// the name, file and line addr2line -f -i -C gives it, C++ names demangled.
#include <link.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#define NOIPA __attribute__((noipa))

void *volatile cxx_sink[16];
#define KEEP(i, p) do { cxx_sink[i] = (p); __asm__ volatile("" ::: "memory"); } while (0)

namespace shapes {
struct Box {
    std::vector<int> items;
    NOIPA void grow(int n) {
        KEEP(0, new int[static_cast<size_t>(n) + 100]);
    }
    // inlined into fill: its allocation is an inlined frame of its own
    __attribute__((always_inline)) inline void add(int n) {
        KEEP(1, new char[static_cast<size_t>(n) + 200]);
    }
    NOIPA int fill(int n) {
        add(n);
        return n + 1;
    }
};
}  // namespace shapes

template <typename T> NOIPA T *make_many(size_t n) {
    T *p = new T[n + 300];
    KEEP(2, p);
    return p;
}

static int write_base(struct dl_phdr_info *info, size_t, void *data) {
    FILE *f = static_cast<FILE *>(data);
    char exe[4096];
    const char *name = info->dlpi_name;
    if (!name || !*name) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) return 0;
        exe[n] = 0;
        name = exe;
    }
    std::fprintf(f, "%#lx\t%s\n", static_cast<unsigned long>(info->dlpi_addr), name);
    return 0;
}

int main() {
    if (const char *bases = std::getenv("NAMES_BASES")) {
        FILE *f = std::fopen(bases, "w");
        if (!f) return 2;
        dl_iterate_phdr(write_base, f);
        std::fclose(f);
    }
    shapes::Box b;
    b.grow(1);
    int r = b.fill(2);
    make_many<long>(3);
    auto lam = [](int n) NOIPA { KEEP(3, new short[static_cast<size_t>(n) + 400]); return n + 1; };
    r += lam(4);
    std::string s(1000, 'x');  // libstdc++'s own allocation
    KEEP(4, &s);
    return r > 0 ? 0 : 1;
}
