// test_cpp.cpp - memscope.h's declarations compiled as C++11 and TRACK/UNTRACK/TRACK_SIZE used
// from C++. The implementation comes from the C TU tests/cpp_impl.c:
//   cc  -std=c11   -I. -c tests/cpp_impl.c -o cpp_impl.o
//   c++ -std=c++11 -Wall -Wextra -Werror -I. tests/test_cpp.cpp cpp_impl.o -pthread
// Exit status 0 = pass; each failed check prints one line.
#include "memscope.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static int g_failures = 0;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (!(cond)) {                                                              \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,   \
                         #cond);                                                    \
            g_failures++;                                                           \
        }                                                                           \
    } while (0)

namespace demo {
struct Widget {
    int id;
    double weight;
};
}  // namespace demo

static const memscope_event *find_event(const memscope_event *ev, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (ev[i].var_name && std::strcmp(ev[i].var_name, name) == 0) return &ev[i];
    return nullptr;
}

int main() {
    memscope_tracker *t = memscope_new();
    CHECK(t != nullptr);

    int *numbers = static_cast<int *>(std::malloc(10 * sizeof(int)));
    demo::Widget *widget = new demo::Widget{1, 2.5};
    const char *text = "literal";
    char buffer[32] = "stack";

    TRACK_SIZE(t, numbers, 10 * sizeof(int));
    TRACK_SIZE(t, widget, sizeof(demo::Widget));
    TRACK_SIZE(t, text, 8);
    TRACK_SIZE(t, buffer, sizeof buffer);  // arrays decay
    std::string owned_name = "from_std_string";
    memscope_track_as(t, widget + 1, 4, owned_name.c_str(), "demo::Widget", __FILE__, __LINE__);
    owned_name.assign(owned_name.size(), '#');  // the tracker copied the name

    memscope_memory_stats s = memscope_stats(t);
    CHECK(s.total_allocations == 5);
    CHECK(s.total_allocated_bytes == 10 * sizeof(int) + sizeof(demo::Widget) + 8 + 32 + 4);

    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    CHECK(n == 5);
    const memscope_event *e_numbers = find_event(ev, n, "numbers");
    const memscope_event *e_widget = find_event(ev, n, "widget");
    const memscope_event *e_buffer = find_event(ev, n, "buffer");
    CHECK(e_numbers && e_numbers->type_name && std::strstr(e_numbers->type_name, "int"));
    CHECK(e_widget && e_widget->type_name && std::strstr(e_widget->type_name, "Widget"));
    CHECK(e_buffer && e_buffer->type_name && std::strstr(e_buffer->type_name, "char"));
    CHECK(find_event(ev, n, "from_std_string") != nullptr);
    std::free(ev);

    UNTRACK(t, numbers);
    UNTRACK(t, widget);
    UNTRACK(t, text);
    UNTRACK(t, buffer);
    memscope_untrack(t, widget + 1);
    s = memscope_stats(t);
    CHECK(s.total_deallocations == 5);
    CHECK(s.current_memory_bytes == 0);

    int *null_ptr = nullptr;
    TRACK(t, null_ptr);  // TRACK of NULL does nothing
    CHECK(memscope_stats(t).total_allocations == 5);

    int *heap = static_cast<int *>(std::malloc(sizeof(int)));
    TRACK(t, heap);  // usable size
    CHECK(memscope_stats(t).current_memory_bytes >= sizeof(int));
    UNTRACK(t, heap);
    std::free(heap);

    memscope_report r = memscope_analyze(t);
    CHECK(r.total_allocations == 6);
    CHECK(r.hotspot_count == 6);
    memscope_report_free(&r);

    memscope_destroy(t);
    std::free(numbers);
    delete widget;
    CHECK(std::strcmp(memscope_version_string(), MEMSCOPE_VERSION_STRING) == 0);
    if (g_failures == 0) std::printf("test_cpp: all checks passed\n");
    return g_failures == 0 ? 0 : 1;
}
