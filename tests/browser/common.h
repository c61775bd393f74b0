/* common.h - shared by the programs that write the browser tests' exports.
 *
 * Each program takes one argument, a path without extension, and writes PATH.json and
 * PATH.html from the same tracker, back to back, after all its threads have joined, so
 * both files describe the same state (only duration_sec and the two rates, which are
 * computed at each export, move between the two).
 */
#ifndef MEMSCOPE_BROWSER_COMMON_H
#define MEMSCOPE_BROWSER_COMMON_H

/* memscope.h first: with MEMSCOPE_IMPLEMENTATION defined it sets the feature macros
   (clock_gettime, nanosleep) before any system header */
#include "memscope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Writes base.json then base.html; exits 1 with a message on any failure. */
static inline void export_both(memscope_tracker *t, const char *base)
{
    char path[4096];
    const char *ext[2] = {".json", ".html"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s%s", base, ext[i]);
        memscope_result r = i == 0 ? memscope_export_json(t, path) : memscope_export_html(t, path);
        if (r != MEMSCOPE_OK) {
            fprintf(stderr, "export %s: %s\n", path, memscope_result_string(r));
            exit(1);
        }
    }
}

static inline const char *base_arg(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT_BASE   (writes OUT_BASE.json and OUT_BASE.html)\n", argv[0]);
        exit(2);
    }
    return argv[1];
}

#endif
