/* track_stream.c - a TRACK program whose tracker auto-exports to a .msb (the stream of a TRACK
 * tracker, tests/hook/test_stream.sh section 16). No hooks: memscope.h in TRACK mode only.
 *
 *   track_stream OUT.msb PAIRS [KEEP_EVERY [pace|nopace]]
 *       PAIRS TRACK+UNTRACK pairs of 16..271-byte blocks (variable work_buf); every KEEP_EVERY-th
 *       block is kept (live at the end, never UNTRACKed) and, with pace or nopace, logged to
 *       stdout as "i realtime_ns" after its TRACK returned; pace: a 100 us pause every 1000
 *       pairs, nopace: none (the program records faster than the writer writes).
 *   track_stream OUT.msb fork N
 *       N pairs, a fork, N more pairs and N/10 kept blocks in the child (which exits), N more
 *       pairs in the parent, then the parent waits for the child.
 *   track_stream OUT.msb also JSON
 *       1000 pairs and 10 kept blocks, with JSON as a second auto-export path.
 */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void pairs(memscope_tracker *t, long n, long keep_every, int pace) {
    char line[64];
    for (long i = 0; i < n; i++) {
        char *work_buf = malloc(16 + (size_t)(i & 255));
        if (!work_buf) abort();
        TRACK(t, work_buf);
        if (keep_every && i % keep_every == 0) {
            if (pace) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                int k = snprintf(line, sizeof line, "%ld %lld\n", i, (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
                if (write(1, line, (size_t)k) < 0) abort();
            }
        } else {
            UNTRACK(t, work_buf);
            free(work_buf);
        }
        if (pace == 1 && i % 1000 == 999) {
            struct timespec p = {0, 100000};
            nanosleep(&p, NULL);
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    memscope_tracker *t = memscope_with_auto_export(memscope_new(), argv[1]);
    if (strcmp(argv[2], "fork") == 0 && argc > 3) {
        long n = atol(argv[3]);
        pairs(t, n, 0, 0);
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) return 3;
        if (pid == 0) {
            pairs(t, n, 10, 0);
            exit(0); /* the auto-export at exit */
        }
        pairs(t, n, 0, 0);
        int st = 0;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 4;
    } else if (strcmp(argv[2], "also") == 0 && argc > 3) {
        memscope_with_auto_export_also(t, argv[3]);
        pairs(t, 1000, 100, 0);
    } else {
        pairs(t, atol(argv[2]), argc > 3 ? atol(argv[3]) : 0, argc > 4 ? (strcmp(argv[4], "nopace") == 0 ? 2 : 1) : 0);
    }
    memscope_destroy(t);
    return 0;
}
