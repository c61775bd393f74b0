/* sampling.c - record 1 % of the TRACK calls in a hot loop and scale the totals back up.
 *
 * Port of the seed's "With Sampling" example. From the repository root:
 *   cc -std=c11 -I. examples/sampling.c -pthread -o sampling && ./sampling
 *
 * The keep/skip decision is a hash of (this thread's TRACK sequence number, call site,
 * fixed seed): the same program samples the same calls on every run. An UNTRACK of a
 * pointer whose TRACK was skipped costs a lookup and is ignored.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#define ITERATIONS 10000

/* Newton's method, so the example needs no -lm. */
static double square_root(double x)
{
    double r = x > 1.0 ? x : 1.0;
    for (int i = 0; i < 64 && x > 0.0; i++)
        r = 0.5 * (r + x / r);
    return x > 0.0 ? r : 0.0;
}

int main(void)
{
    memscope_tracker *tracker =
        memscope_with_sampling(TRACKER(), memscope_sampling_high_performance());
    if (!tracker) {
        fprintf(stderr, "sampling: cannot create a tracker: out of memory\n");
        return 1;
    }

    uint64_t true_bytes = 0;
    for (int i = 0; i < ITERATIONS; i++) {
        /* Sizes vary (4..800 bytes) so the byte estimate is not just count * size. */
        size_t n = 1 + (size_t)i % 200;
        int *data = malloc(n * sizeof *data);
        if (!data) {
            fprintf(stderr, "sampling: out of memory\n");
            memscope_destroy(tracker);
            return 1;
        }
        for (size_t j = 0; j < n; j++)
            data[j] = i;
        /* The exact request, rather than the heap block's usable size: the truth is known. */
        TRACK_SIZE(tracker, data, n * sizeof *data);
        true_bytes += n * sizeof *data;

        UNTRACK(tracker, data);
        free(data);
    }

    memscope_report report = memscope_analyze(tracker);
    double rate = report.sample_rate;
    double expected = ITERATIONS * rate;
    double sigma = square_root(ITERATIONS * rate * (1.0 - rate));

    printf("TRACK calls made:        %d\n", ITERATIONS);
    printf("Recorded (sampled):      %zu allocations, %zu frees\n", report.total_allocations,
           report.total_deallocations);
    printf("sample_rate:             %.4f (expected %.0f +/- %.0f recorded, 3 sigma)\n", rate,
           expected, 3.0 * sigma);
    printf("Estimated allocations:   %.0f  (true %d, error %+.1f%%)\n",
           report.estimated_total_allocations, ITERATIONS,
           100.0 * (report.estimated_total_allocations - ITERATIONS) / ITERATIONS);
    printf("Estimated bytes:         %.0f  (true %" PRIu64 ", error %+.1f%%)\n",
           report.estimated_total_bytes, true_bytes,
           100.0 * (report.estimated_total_bytes - (double)true_bytes) / (double)true_bytes);
    printf("Live at the end:         %zu allocations\n", report.active_allocations);
    double deviation = (double)report.total_allocations - expected;
    if (deviation < -3.0 * sigma || deviation > 3.0 * sigma)
        printf("note: recorded count is outside the 3-sigma band\n");
    memscope_report_free(&report);

    /* The run as JSON and as the compact binary file, both from one instant:
       `memscope report output/sampling.msb` prints this run's report again. */
    const char *files[] = {"output/sampling.json", "output/sampling.msb"};
    memscope_result rc = memscope_export_many(tracker, files, 2);
    if (rc == MEMSCOPE_OK)
        printf("Reports: %s, %s\n", files[0], files[1]);
    else
        fprintf(stderr, "sampling: export failed: %s\n", memscope_result_string(rc));
    memscope_destroy(tracker);
    return rc == MEMSCOPE_OK ? 0 : 1;
}
