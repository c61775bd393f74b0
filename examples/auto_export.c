/* auto_export.c - the report writes itself when the program ends.
 *
 * Port of the seed's "With Auto-Export" example. From the repository root:
 *   cc -std=c11 -I. examples/auto_export.c -pthread -o auto_export && ./auto_export
 *   cat output/memory_report.json
 *
 * The report is written exactly once: by memscope_destroy(), or at exit (return from
 * main, exit()) if the tracker is still alive then, as here. The extension picks the
 * format (.json, .html, .msb); missing directories are created. A failed export prints
 * one line to stderr and never changes the exit status.
 */
#define _POSIX_C_SOURCE 200809L /* getcwd */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#define REPORT_PATH "./output/memory_report.json"

int main(void)
{
    memscope_tracker *tracker = memscope_with_auto_export(TRACKER(), REPORT_PATH);
    /* and the same state as a .msb, written at the same instant */
    memscope_with_auto_export_also(tracker, "./output/memory_report.msb");
    if (!tracker) {
        fprintf(stderr, "auto_export: cannot create a tracker: out of memory\n");
        return 1;
    }

    int *data = malloc(3 * sizeof *data);
    if (!data) {
        fprintf(stderr, "auto_export: out of memory\n");
        return 1;
    }
    for (int i = 0; i < 3; i++)
        data[i] = i + 1;
    TRACK(tracker, data);

    UNTRACK(tracker, data);
    free(data);

    memscope_memory_stats stats = memscope_stats(tracker);
    char cwd[PATH_MAX];
    printf("Tracked %zu allocation(s), %zu freed.\n", stats.total_allocations,
           stats.total_deallocations);
    printf("Returning from main without memscope_destroy(): the report will be written to\n"
           "  %s (in %s)\n",
           REPORT_PATH, getcwd(cwd, sizeof cwd) ? cwd : "the current directory");
    return 0; /* the exit hook exports the report */
}
