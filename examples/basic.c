/* basic.c - the smallest memscope.h program: track two heap blocks, analyze, free.
 *
 * Port of the seed's "Basic Usage" example. From the repository root:
 *   cc -std=c11 -I. examples/basic.c -pthread -o basic && ./basic
 *
 * TRACK records the variable's name, its type, file:line and the block's size
 * (malloc_usable_size, so a 20-byte request usually shows as 24 bytes).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

int main(void)
{
    memscope_tracker *tracker = TRACKER();
    if (!tracker) {
        fprintf(stderr, "basic: cannot create a tracker: out of memory\n");
        return 1;
    }

    int *data = malloc(5 * sizeof *data);
    char *string_data = strdup("Hello, world!");
    if (!data || !string_data) {
        fprintf(stderr, "basic: out of memory\n");
        free(data);
        free(string_data);
        memscope_destroy(tracker);
        return 1;
    }
    for (int i = 0; i < 5; i++)
        data[i] = i + 1;
    TRACK(tracker, data);
    TRACK(tracker, string_data);

    memscope_report report = memscope_analyze(tracker);
    printf("Total allocations:  %zu\n", report.total_allocations);
    printf("Active allocations: %zu\n", report.active_allocations);
    printf("Peak memory:        %" PRIu64 " bytes\n", report.peak_memory_bytes);
    printf("Tracked blocks:\n");
    for (size_t i = 0; i < report.hotspot_count; i++) {
        const memscope_hotspot *h = &report.hotspots[i];
        printf("  %-12s %-7s %4zu bytes  at %s\n", h->var_name, h->type_name,
               h->total_size, h->location ? h->location : "(unknown)");
    }
    memscope_report_free(&report);

    /* UNTRACK before free: afterwards the pointer's value is indeterminate. */
    UNTRACK(tracker, data);
    free(data);
    UNTRACK(tracker, string_data);
    free(string_data);

    memscope_memory_stats after = memscope_stats(tracker);
    printf("After freeing both: %zu active, %" PRIu64 " bytes live, %zu frees recorded\n",
           after.active_allocations, after.current_memory_bytes, after.total_deallocations);

    /* The run as JSON and as the compact binary file, both from one instant:
       `memscope report output/basic.msb` prints this run's report again. */
    const char *files[] = {"output/basic.json", "output/basic.msb"};
    memscope_result rc = memscope_export_many(tracker, files, 2);
    if (rc == MEMSCOPE_OK)
        printf("Reports: %s, %s\n", files[0], files[1]);
    else
        fprintf(stderr, "basic: export failed: %s\n", memscope_result_string(rc));
    memscope_destroy(tracker);
    return rc == MEMSCOPE_OK ? 0 : 1;
}
