// The declarations and the TRACK macros in C++11; the implementation is memscope.c.
#include "memscope.h"
#include <cstdio>
#include <cstring>
#include <string>
struct Widget { int a[4]; };
int main() {
    memscope_tracker *t = TRACKER();
    int *ip = static_cast<int *>(std::malloc(40));
    TRACK(t, ip);
    Widget *w = new Widget();
    TRACK_SIZE(t, w, sizeof *w);
    char arr[24];
    TRACK(t, arr);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    bool ok = n == 3 && std::strcmp(ev[0].type_name, "int*") == 0 &&
              std::strcmp(ev[1].type_name, "Widget*") == 0 && ev[2].size == sizeof arr;
    std::printf("C++: %zu events, types '%s' '%s' '%s' -> %s\n", n, n > 0 ? ev[0].type_name : "",
                n > 1 ? ev[1].type_name : "", n > 2 ? ev[2].type_name : "", ok ? "ok" : "FAIL");
    std::free(ev);
    UNTRACK(t, ip);
    UNTRACK(t, w);
    UNTRACK(t, arr);
    std::free(ip);
    delete w;
    memscope_destroy(t);
    return ok ? 0 : 1;
}
