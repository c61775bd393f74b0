/* main.c - a consumer of the installed memscope package; tests/package/run.sh builds it with
 * CMake (find_package(memscope), memscope::memscope) and with pkg-config:
 *   cc -std=c11 main.c work.c -DAPP_PACKAGE_VERSION="\"$(pkg-config --modversion memscope)\"" \
 *      $(pkg-config --cflags --libs memscope) -o consumer
 *
 * This file compiles the implementation; work.c only includes the header.
 * TRACK records the heap block's usable size: 1000, 40 and 24 bytes are usable sizes of
 * glibc's malloc as they are, so the figures below are exact there.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define MEMSCOPE_IMPLEMENTATION
#include <memscope.h>
#include "work.h"

#ifndef APP_PACKAGE_VERSION
#define APP_PACKAGE_VERSION "unknown"
#endif

int main(void)
{
    memscope_tracker *t = TRACKER();
    if (!t) {
        fprintf(stderr, "consumer: cannot create a tracker\n");
        return 1;
    }
    char *text = malloc(1000);
    double *values = malloc(5 * sizeof *values);
    char *small = work_alloc(t, 24);
    if (!text || !values || !small) {
        fprintf(stderr, "consumer: out of memory\n");
        return 1;
    }
    TRACK(t, text);
    TRACK(t, values);
    UNTRACK(t, values);
    free(values);

    memscope_memory_stats s = memscope_stats(t);
    printf("memscope package %s, header %s, library %s\n", APP_PACKAGE_VERSION,
           MEMSCOPE_VERSION_STRING, memscope_version_string());
    printf("allocations %zu, frees %zu, active %zu, peak %" PRIu64 " bytes, live %" PRIu64 " bytes\n",
           s.total_allocations, s.total_deallocations, s.active_allocations, s.peak_memory_bytes,
           s.current_memory_bytes);

    UNTRACK(t, text);
    free(text);
    work_free(t, small);
    memscope_destroy(t);
    return 0;
}
