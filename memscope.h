/* memscope.h - v0.12.1 - in-process memory tracker for C - MIT

   Put TRACK(t, ptr) next to an allocation and UNTRACK(t, ptr) next to its free;
   get a report of what was allocated where, by which thread, the peak, what is
   still alive at exit, hotspots by variable, site and call stack, and what the
   process and machine did meanwhile, as JSON, a self-contained HTML dashboard or
   a compact binary file (.msb, docs/FORMAT.md).

   USAGE
     In exactly ONE C file of the program:
         #define MEMSCOPE_IMPLEMENTATION
         #include "memscope.h"
     Everywhere else just #include "memscope.h". Link with -pthread.
     Or compile memscope.c (those two lines) once and include memscope.h elsewhere.
     The implementation is C11 (gcc, clang); the declarations and the TRACK
     macros also compile as C++11.

   TABLE OF CONTENTS (grep -n '^/\* ==== >>' memscope.h; make check-toc keeps it true)
     >>api         public types, functions and macros
     >>config      compile-time options
     >>platform    atomics, thread-locals, clock, thread ids
     >>sampling    the hash and the threshold
     >>recorder    sites, per-thread event buffers, the live-allocation table, counters, TRACK/UNTRACK
     >>stacks      call-stack capture and interning
     >>lines       DWARF .debug_line (file:line) and .debug_info (inlined calls) readers
     >>symbols     names from each module's ELF file, build ids, compressed sections
     >>unwind      the .eh_frame unwinder for code without frame pointers
     >>resolve     log mode: the per-thread logs resolved into ordinary events, the ticker
     >>analysis    merged event order; stats, analyze, hotspots, peak, events, stack costs, summary
     >>monitor     /proc and /sys parsers, the monitor thread, the snapshot ring
     >>export      output files (atomic replace), JSON and .msb writers, memscope_export, auto-export
     >>formats     pprof, folded stacks, Trace Event JSON, Prometheus, massif, DHAT
     >>reader      the .msb and JSON loader: memscope_load, read-only trackers, naming after the run
     >>lifecycle   trackers, global tracker, exit hook, fork handling, context
     >>hooks       whole-program mode: the malloc family's hooks, the stream writer
     >>dashboard   HTML dashboard: the generated page (make embed; kept last) and memscope_export_html

   COMPILE-TIME OPTIONS
     Set in the file that defines MEMSCOPE_IMPLEMENTATION:
       MEMSCOPE_STATIC          all functions static (private copy in this TU);
                                set it in every file that includes memscope.h
       MEMSCOPE_MALLOC(n), MEMSCOPE_FREE(p)
                                allocator for the tracker's own memory (both or none)
       MEMSCOPE_ASSERT(x)       assertion macro (default: assert)
       MEMSCOPE_NO_MONITOR      compile out the system monitor
       MEMSCOPE_NO_JSON         compile out the JSON writer: memscope_export_json returns
                                UNSUPPORTED, and so does the HTML dashboard, which embeds
                                the JSON report; every other writer and the readers (.msb
                                and JSON) stay
       MEMSCOPE_NO_HTML         compile out the HTML dashboard (returns UNSUPPORTED)
       MEMSCOPE_NO_BINARY       compile out the binary (.msb) writer (returns UNSUPPORTED) and
                                the readers, .msb and JSON, built on its code (memscope_load NULL)
       MEMSCOPE_NO_STACKS       compile out call-stack capture
       MEMSCOPE_HOOK_MALLOC     whole-program mode: this file's malloc, free, calloc,
                                realloc, ... record every call of the process (what
                                libmemscope.so is built with)
       MEMSCOPE_HTML_MAX_EVENTS events a dashboard page holds (default 1000000); a run of more
                                gets a binned page (a pre-binned timeline, the live blocks)
       MEMSCOPE_DEF             the storage of the public functions (default extern;
                                static with MEMSCOPE_STATIC)
     Set before every #include of memscope.h (they change the macros):
       MEMSCOPE_NO_SHORT_NAMES  do not define TRACKER/TRACK/TRACK_SIZE/UNTRACK
       MEMSCOPE_USER_TYPES(X)   X-macro list of your types for TRACK's type name,
                                e.g. #define MEMSCOPE_USER_TYPES(X) X(struct node) X(struct buf)
                                names T *, const T * and T **; list base types only

   QUICK START
       #define MEMSCOPE_IMPLEMENTATION
       #include "memscope.h"
       int main(void) {
           memscope_tracker *t = memscope_with_auto_export(TRACKER(), "out/memscope.json");
           int *data = malloc(5 * sizeof *data);  TRACK(t, data);
           memscope_report r = memscope_analyze(t);
           printf("peak %llu bytes\n", (unsigned long long)r.peak_memory_bytes);
           memscope_report_free(&r);
           UNTRACK(t, data); free(data);
           return 0;                              // JSON written at exit
       }

   PUBLIC FUNCTIONS (every one may be called from any thread, with NULL arguments;
   only memscope_destroy(t) must not run concurrently with other calls on t)
     memscope_tracker *memscope_new(void);
     memscope_tracker *memscope_global(void);
     memscope_tracker *memscope_with_system_monitoring(memscope_tracker *t);
     memscope_tracker *memscope_with_sampling(memscope_tracker *t, memscope_sampling_config c);
     memscope_tracker *memscope_with_auto_export(memscope_tracker *t, const char *path);
     memscope_tracker *memscope_with_max_events(memscope_tracker *t, size_t max_events);
     void              memscope_destroy(memscope_tracker *t);
     memscope_result   memscope_set_sampling(memscope_tracker *t, memscope_sampling_config c);
     memscope_result   memscope_set_max_events(memscope_tracker *t, size_t max_events);
     memscope_sampling_config memscope_get_sampling(memscope_tracker *t);
     void memscope_track_as(t, ptr, size, name, type_name, file, line);  strings are copied
     void memscope_untrack(t, ptr);
     void memscope_track_site(t, address, size, site) / memscope_untrack_address(t, address);
                                                     the macros' entry points
     memscope_sampling_config memscope_sampling_demo / _full / _high_performance(void);
     memscope_tracker *memscope_with_auto_export_also(t, path);  one more auto-export path
     uint64_t               memscope_sample_bytes(t);  byte sampling's mean gap, 0 = off
     memscope_report        memscope_analyze(t);     free with memscope_report_free
     memscope_memory_stats  memscope_stats(t);       allocates nothing
     memscope_event        *memscope_events(t, &count);   time order; free() the array
     size_t                 memscope_each_event(t, fn, ctx);  every event, without an array
     size_t                 memscope_stack_frames(t, stack_id, frames, max);
     int / size_t           memscope_stack_symbol(t, stack_id, i, &sym) / memscope_stack_symbols(t, id, syms, max);
     size_t                 memscope_stack_costs(t, &costs);  per stack; free() the array
     uint32_t               memscope_stack_where(t, stack_id, &sym);  first frame in the program's code
     size_t                 memscope_modules(t, mods, max);   paths and build ids of the frames' modules
     memscope_result        memscope_load_names(t);           a loaded file: name what it could not
     memscope_result        memscope_get_context(t, &ctx);    command line, cwd, pid, ppid, mode
     void                   memscope_print_summary(t, FILE *); totals, top sites, what is live
     memscope_system_snapshot memscope_current_system_snapshot(t);   loads only
     memscope_result memscope_set_monitor_config(cfg);  interval, GPU interval, ring size
     memscope_monitor_config memscope_get_monitor_config / memscope_monitor_default(void);
     memscope_monitor_stats memscope_get_monitor_stats(void);  the monitor's own cost
     memscope_result memscope_export_json / _html / _binary / memscope_export(t, path);
     memscope_result memscope_export_pprof / _folded / _trace / _prometheus / _massif / _dhat(t, path);
     memscope_result memscope_export_folded_cost(t, path, cost);  allocated, leaked, peak, ...
     memscope_result memscope_export_many(t, paths, n);  several files from one instant
     memscope_result memscope_set_prometheus_file(t, path, interval_sec);  rewritten periodically
     const char *memscope_export_format(path);        the format a path's extension picks, or NULL
     memscope_tracker *memscope_load(path, &result);  a .msb or JSON report back, read-only
     const char *memscope_load_error(void);           why the last load failed (offset)
     memscope_result memscope_loaded_info(t, &info);  complete or cut, streamed, by which process
     memscope_result memscope_msb_record_exit(path, status, signal);  how a streamed run without END ended
     void memscope_hook_finish(void);                 whole-program mode: write the report now
     const char *memscope_result_string(memscope_result r);
     const char *memscope_version_string(void);
   Units: bytes, nanoseconds since the tracker was created (events), milliseconds
   since the Unix epoch (snapshots), per-second rates over the tracker's lifetime.

   LIMITATIONS
     - Linux with glibc (malloc_usable_size, gettid, dladdr); x86-64 and AArch64
       read the CPU's counter for timestamps, other CPUs use clock_gettime.
     - Call stacks (TRACK and whole-program mode) come from the code's call-frame
       information (.eh_frame) on x86-64; other CPUs walk frame pointers only
       (build with -fno-omit-frame-pointer there: code without them ends the walk).
       Frames are named from each module's own .symtab and .dynsym (static
       functions too), with file:line from its .debug_line (or its separate
       debug file), inlined calls from .debug_info (frames of their own); a
       stripped module has its exported names only, unless its separate debug
       file (found by build id or .gnu_debuglink) has a .symtab: exports, the API
       and memscope report then name its static functions too (a stream leaves
       that to the report); other frames carry the module and its own offset.
       C++ names are demangled only where the process has libstdc++ loaded.
       Compressed debug sections are read by memscope report
       (memscope_load_names), not in the traced process.
     - System monitor: one thread per process, Linux /proc and /sys only; GPUs
       through NVML (NVIDIA, loaded at run time) and amdgpu sysfs. A metric the
       machine cannot provide has its bit clear in snapshot.available.
     - Whole-program full capture into a .msb, and a TRACK tracker that keeps every
       TRACK and auto-exports to a .msb, stream it while the program runs (README
       "Streaming: what survives what"); other files are written whole.
     - Whole-program mode: glibc's malloc family only (and close, dup2 and dup3,
       wrapped to keep the program off memscope's own descriptors; as weak symbols, so
       a program built with MEMSCOPE_HOOK_MALLOC that defines its own keeps it and goes
       without that protection); see README "Whole-program mode".

   REVISION HISTORY
     0.13.2 Whole-program mode's close, dup2 and dup3 are weak symbols (a program built
            with MEMSCOPE_HOOK_MALLOC that defines its own links and keeps it), and a
            program's close waits for one of memscope's opens at a time. The encoder
            shifts its address cache without a loop of varying length. Tests: the
            replay of a walk where only an rbp saved in its first frame differs;
            test_monitor_live no longer cascades after a failed case.
     0.13.1 Shorter ends and cheaper walks for processes with deep stacks: the writer
            caches 4096 frames' names (was 512) with their strings' numbers in the
            file, and a stack walk joins the thread's previous walk where it reaches
            one of its frames in the same state, taking the rest after checking the
            stack words that walk read (`gcc -O2 -c` of a small file: memscope's
            added CPU 61 -> 53 ms, medians of 12; `make -j2` of 13 such files under
            memscope run 0.53 s against heaptrack's 0.54 s, medians of 5). Which
            rbp values a walk depends on is worked out in one place, and a test
            makes the start's rbp the only thing that tells two walks apart.
            Whole-program mode: the program's close, dup2 and dup3 onto a number
            below 48 wait while memscope moves a descriptor of its own from there.
     0.13.0 .msb 1.4 for streamed files: each EVENTS block's fields in columns, one per
            kind (section flag 16), which zstd compresses better and faster: the
            churn's file 0.88 -> 0.66 bytes per event, Python's allocation script
            6.2 -> 5.2 MB. A streaming process holds 8 MiB of address space back
            (no memory: no access) and gives it back at the first failed
            allocation, so that under ulimit -v its writer can still open its
            file, copy names and map modules.
     0.12.3 Names from a stripped module's separate debug file (.symtab, by build id or
            .gnu_debuglink): glibc's static functions (__libc_start_call_main, ...)
            with libc6-dbg, a program shipped stripped with its .debug file; in
            exports, the API and memscope report (a stream leaves them to the report).
            The hooks' walk replay no longer compares rbp values the walk never used:
            code built without frame pointers keeps data in rbp, which made every
            replay miss. The resolver writes a block freed by the next record of its
            thread without the table of live blocks. META field 19 whole_program: a
            process that allocated nothing no longer reads back as TRACK calls. Hook
            mode builds with <stdlib.h> first in strict C11 (setenv).
     0.12.2 Cheaper forks: the fork handlers and a streaming writer write fewer pages
            that parent and child share (each a copy-on-write fault): the
            process-wide locks on one page; the writer's resolver table, order state
            and zstd workspace left out of children (MADV_DONTFORK); a child parks its
            parent's stream and takes its buffers instead of freeing them; the name
            cache keeps names in the order found; the unwinder's rule cache is shared
            with forked children (MAP_SHARED) until a process's modules change; no
            ticker thread in a forked child.
     0.12.1 A stream's brake bounds the file's lag in time as well as in memory: a
            thread that needs a log chunk waits while the file trails the clock by
            more than 60 ms, and wakes the writer (a futex) instead of waiting for its
            20 ms sleep. The JSON's context says whether a loaded file is complete,
            and the dashboard of a run that did not end normally says so (a banner,
            "live when it stopped"). MEMSCOPE_VERSION_MINOR and _PATCH match the
            version string again (they still said 0.10.0).
     0.12.0 .msb 1.3 for streamed files: addresses in allocation order (EVENTS flag 4:
            an allocation names one of the last 16 blocks freed in its size class, a
            free the allocation it ends among the last 256) and times in microseconds
            (flag 8): Python's allocation script 9.6 -> 6.3 MB. The hooks replay a
            thread's last stack walk, after checking the stack words it read, when
            malloc is called again from the same state: the churn's program thread
            about 150 -> 105 ns a pair.
     0.11.0 A TRACK tracker that auto-exports to a .msb streams it (a writer thread of
            its own, no event bound, what was written survives a kill; a forked child
            writes NAME.PID.msb from the fork on). The dashboard of a run of more than
            MEMSCOPE_HTML_MAX_EVENTS events is binned: the whole run's timeline in
            1024-2048 bins (lowest, highest, last live bytes) and the allocations live
            at the end as its records, instead of the first million events.
     0.10.0 .msb 1.2 for streamed files: addresses predicted by size class (EVENTS
            flag 2) and STACKS, LINES and INLINED through zstd too: the churn's file
            41 % smaller (below heaptrack's), a Python run's 26 %; MEMSCOPE_COMPRESS=0
            writes 1.1. TRACK's stacks through a caller found from rbp (a VLA) in code
            built without frame pointers (only the first frame was left: a tail call
            let memscope's callee save over the caller's rbp); TRACK's sampling gate
            saves no registers. Files memscope opens in the program's process move to
            descriptors 48+ at once (bash closes pipe ends twice: a low one held by
            memscope could be closed under it, and memscope's close then took bash's).
     0.9.0  whole-program stream: the resolver's fields no longer share cache lines with
            what every hooked call reads, events go straight to the encoder while no
            TRACK names a hooked block (21% less time for memscope run on 10 M churn
            pairs); cheaper processes (libc calloc for zeroed memory, 16-slot live-table
            shards to begin with: a third fewer page faults per process); the fork
            handlers take the symbol, suppression and context locks too; META fields
            and wire types named once and checked against docs/FORMAT.md (the reader
            refuses a field of the wrong wire type); one lock table; the reader and the
            monitor's sampler split into a function per section and per metric.
     0.8.0  TRACK at rate 1.0 records through the per-thread log and the resolver
            (log mode, as the hooks do): no live-table CAS, the CPU's counter read once
            per 16 records, a clock thread (memscope-tick) per process; memscope_load and
            memscope report read the JSON export; memscope diff --html (a differential
            flame graph); the dashboard's leak groups sort and filter; MEMSCOPE_NO_JSON
            removes the JSON writer only; one table of output formats; sections in
            data-flow order, the generated dashboard last.
     0.7.0  inlined calls from DWARF .debug_info, each a frame of its own (JSON
            "inlined", an INLINED .msb section, memscope_stack_symbols); the .msb lists
            each module with its build id (MODULES) and memscope_load_names names what
            a recording left unnamed from files whose build id matches (--names offline,
            memscope report --sysroot), reporting modules that changed; per-stack
            costs (memscope_stack_costs), the where frame, LSan-style suppressions
            with built-in ones for glibc; memscope report groups by where frame and
            leaks by stack; folded stacks of any cost; memscope diff; the context
            (command line, cwd, pid, ppid) in every file; memscope_print_summary;
            pprof drops the allocator's frames; the dashboard groups by where frame,
            leaks by stack, switches cost views and bottom-up; compressed debug
            sections (zlib, zstd) read when a file is loaded; TRACK's stacks from the
            call-frame information too; how the process ended (META 18).
     0.6.0  call stacks: whole-program mode walks the code's call-frame information
            (.eh_frame, a cached rule per return address) instead of glibc's
            backtrace, so binaries without frame pointers get whole stacks; frames
            are named from each module's .symtab/.dynsym (no dladdr scan), with
            file:line from .debug_line or a separate debug file (build id,
            debuglink), C++ names demangled; memscope_symbol gains file and line,
            JSON frames file and line, the .msb an optional LINES section;
            memscope report prints whole stacks (--frames N); TRACK sites are
            copied, so a dlclosed module's sites still report.
     0.5.0  whole-program full capture streams its .msb (format 1.1) while the program
            runs: a writer thread resolves the logs every 20 ms and appends EVENTS
            (zstd through dlopen) with the SITES and STACKS they use, so a killed,
            crashed, _exit'ed or exec'd process leaves a readable file, memory stays
            bounded and no event bound applies (MEMSCOPE_MAX_EVENTS caps what is
            written); a forked child records from the fork on; small first log chunks
            (a thread costs about 27 KB); memscope run says when a run did not end
            normally and lists the files it wrote; memscope_load_info says whether a
            file was streamed and by which process.
     0.4.1  hardening: MEMSCOPE_* read with secure_getenv and checked at start (one
            line per refused value); exports never replace a FIFO, device, socket or
            directory (MEMSCOPE_ERR_NOT_REGULAR) and use unguessable temp names; fork
            takes every tracker's locks; a forked or exec'd child without %p writes
            NAME.PID.EXT; byte sampling starts each thread with a fresh gap; the reader
            checks the magic first and refuses special files; no out-of-range double
            casts on crafted files; memscope_export_format; memscope run forwards signals
            and never shows an older file's summary; the report is also written on
            SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2 and SIGALRM.
     0.4.0  whole-program full capture in log mode: per-thread compact logs, no shared
            table and a counter reading every 16 records (exact while threads hand
            blocks over), resolved when a report is asked for; a ticker thread bounds
            stamp lateness and faults log memory in ahead; --live-table keeps the old
            path. Event chunks cut from 2 MiB mappings; faster CRC in .msb writing.
     0.3.0  whole-program mode (MEMSCOPE_HOOK_MALLOC, libmemscope.so, memscope run) with
            byte-weighted sampling; formats for other tools: pprof, folded stacks,
            Chrome Trace Event JSON, massif, DHAT, Prometheus (also rewritten
            periodically); memscope_export_many; truncated .msb files load what is
            complete.
     0.2.0  system monitor: CPU, RSS, memory % against the cgroup limit, threads,
            disk and network rates, GPU (NVML, amdgpu), system CPU and memory,
            page faults; snapshot ring in reports and JSON. HTML dashboard
            (embedded from tools/dashboard). Binary format (.msb): writer, reader
            (memscope_load), memscope CLI.
     0.1.0  tracker, TRACK macros, hash sampling, lock-free per-thread recording,
            call stacks, analysis, JSON export, auto-export.

   LICENSE: MIT, see the end of this file.
*/
#ifndef MEMSCOPE_H_INCLUDED
#define MEMSCOPE_H_INCLUDED

/* ==== >>api ==== */

#define MEMSCOPE_VERSION_MAJOR 0
#define MEMSCOPE_VERSION_MINOR 13
#define MEMSCOPE_VERSION_PATCH 2
#define MEMSCOPE_VERSION_STRING "0.13.2"

/* The implementation needs GNU declarations (dladdr, pthread_getattr_np); set the
   feature macro before the first system header of this file. */
#if defined(MEMSCOPE_IMPLEMENTATION) && !defined(__cplusplus) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1
#endif

#ifdef __cplusplus
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <typeinfo>
#include <type_traits>
#if defined(__GNUC__)
#include <cxxabi.h>
#endif
#else
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#endif

#ifndef MEMSCOPE_DEF
#if defined(MEMSCOPE_STATIC) && defined(__GNUC__)
#define MEMSCOPE_DEF static __attribute__((unused))
#elif defined(MEMSCOPE_STATIC)
#define MEMSCOPE_DEF static
#else
#define MEMSCOPE_DEF extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Results: one list yields the enum and the messages. */
#define MEMSCOPE_RESULT_LIST(X)                                                   \
    X(OK, 0, "success")                                                           \
    X(ERR_INVALID_ARG, -1, "invalid argument")                                    \
    X(ERR_NO_MEMORY, -2, "out of memory")                                         \
    X(ERR_IO, -3, "input/output error (errno holds the cause)")                   \
    X(ERR_FORMAT, -4, "malformed input file")                                     \
    X(ERR_UNSUPPORTED, -5, "feature compiled out or not available in this version") \
    X(ERR_NOT_REGULAR, -6, "not a regular file (a device, FIFO, socket or directory): left as it is")

typedef enum memscope_result {
#define MEMSCOPE_RESULT_ENUM_(name, value, text) MEMSCOPE_##name = value,
    MEMSCOPE_RESULT_LIST(MEMSCOPE_RESULT_ENUM_)
#undef MEMSCOPE_RESULT_ENUM_
    MEMSCOPE_RESULT_END_ = 1
} memscope_result;

MEMSCOPE_DEF const char *memscope_result_string(memscope_result r);
MEMSCOPE_DEF const char *memscope_version_string(void);

typedef struct memscope_sampling_config {
    double sample_rate;          /* 0.0 .. 1.0: fraction of TRACK calls recorded */
    bool   capture_call_stack;   /* capture the caller's stack for each recorded TRACK */
    size_t max_stack_depth;      /* frames kept per stack; 0 = none */
} memscope_sampling_config;

MEMSCOPE_DEF memscope_sampling_config memscope_sampling_demo(void);             /* 0.1,  false, 5  */
MEMSCOPE_DEF memscope_sampling_config memscope_sampling_full(void);             /* 1.0,  true,  20 */
MEMSCOPE_DEF memscope_sampling_config memscope_sampling_high_performance(void); /* 0.01, false, 0  */

typedef struct memscope_tracker memscope_tracker;   /* opaque, thread-safe */

#define MEMSCOPE_DEFAULT_MAX_EVENTS 4194304u   /* retained events per tracker (128 MiB) */
#define MEMSCOPE_EVENT_CHUNK 8190u             /* events are retained in 256 KiB chunks of this many */
#define MEMSCOPE_MAX_STACK_DEPTH 64u           /* larger max_stack_depth values are clamped */

MEMSCOPE_DEF memscope_tracker *memscope_new(void);
MEMSCOPE_DEF memscope_tracker *memscope_global(void);
MEMSCOPE_DEF memscope_tracker *memscope_with_system_monitoring(memscope_tracker *t);
MEMSCOPE_DEF memscope_tracker *memscope_with_sampling(memscope_tracker *t, memscope_sampling_config cfg);
/* Writes path at memscope_destroy or exit. A .msb path on a tracker that keeps every TRACK
   (sample rate 1) is streamed: written every 20 ms by a thread of the tracker's, with no event
   bound (README "Streaming: what survives what"). */
MEMSCOPE_DEF memscope_tracker *memscope_with_auto_export(memscope_tracker *t, const char *path);
/* One more file for the auto-export, written at the same instant as the first
   (memscope_export_many); at most 7 more. No effect without memscope_with_auto_export. */
MEMSCOPE_DEF memscope_tracker *memscope_with_auto_export_also(memscope_tracker *t, const char *path);
MEMSCOPE_DEF memscope_tracker *memscope_with_max_events(memscope_tracker *t, size_t max_events);
MEMSCOPE_DEF void              memscope_destroy(memscope_tracker *t);
MEMSCOPE_DEF memscope_result   memscope_set_sampling(memscope_tracker *t, memscope_sampling_config cfg);
MEMSCOPE_DEF memscope_result   memscope_set_max_events(memscope_tracker *t, size_t max_events);
MEMSCOPE_DEF memscope_sampling_config memscope_get_sampling(memscope_tracker *t);

MEMSCOPE_DEF void memscope_track_as(memscope_tracker *t, const void *ptr, size_t size,
                                    const char *name, const char *type_name,
                                    const char *file, uint32_t line);
MEMSCOPE_DEF void memscope_untrack(memscope_tracker *t, const void *ptr);

/* A call site of the TRACK macros: a static object per site, so strings are kept by
   pointer and the site's id and hash are computed once. id and hash are filled in by
   the library on first use; treat them as private. */
typedef struct memscope_site {
    const char *var_name, *type_name, *file;
    uint32_t    line;
    uint32_t    id;
    uint64_t    hash;
} memscope_site;

/* Entry points of the macros. size MEMSCOPE_SIZE_UNKNOWN = the heap block's usable size. */
#define MEMSCOPE_SIZE_UNKNOWN ((size_t)-1)
MEMSCOPE_DEF void memscope_track_site(memscope_tracker *t, uintptr_t address, size_t size,
                                      memscope_site *site);
MEMSCOPE_DEF void memscope_untrack_address(memscope_tracker *t, uintptr_t address);

typedef struct memscope_system_snapshot {
    uint64_t timestamp;              /* ms since the Unix epoch */
    double   cpu_usage_percent;      /* this process: CPU time / wall time * 100 */
    uint64_t memory_usage_bytes;     /* this process: resident set size */
    double   memory_usage_percent;   /* RSS / min(MemTotal, cgroup memory.max) * 100 */
    size_t   thread_count;           /* threads in this process */
    uint64_t disk_read_bps;          /* this process, storage layer, bytes/s */
    uint64_t disk_write_bps;
    uint64_t network_rx_bps;         /* this network namespace, all interfaces but lo */
    uint64_t network_tx_bps;
    double   gpu_usage_percent;      /* 0..100 */
    uint64_t gpu_memory_used;        /* bytes */
    uint64_t gpu_memory_total;       /* bytes */
    uint32_t available;              /* MEMSCOPE_METRIC_* bits of fields really measured */
    /* added after the first version (docs/API-ADDITIONS.md) */
    uint64_t elapsed_ns;             /* when it was taken, ns since the tracker was created
                                        (the clock of memscope_event.timestamp_ns) */
    double   system_cpu_percent;     /* whole machine: busy / all CPU time * 100 (/proc/stat);
                                        100 = every CPU busy */
    uint32_t cpu_count;              /* CPUs the process may run on (main thread affinity) */
    uint32_t gpu_count;              /* GPUs seen (NVML and amdgpu); 0 = none */
    uint64_t peak_rss_bytes;         /* this process: highest RSS so far (getrusage) */
    uint64_t memory_limit_bytes;     /* denominator of memory_usage_percent */
    uint64_t system_memory_total;    /* MemTotal, bytes */
    uint64_t system_memory_available;/* MemAvailable, bytes */
    double   system_memory_used_percent; /* (MemTotal - MemAvailable) / MemTotal * 100 */
    uint64_t minor_faults_per_sec;   /* this process, page faults without I/O */
    uint64_t major_faults_per_sec;   /* this process, page faults that read from disk */
    uint64_t disk_read_bytes;        /* totals since the monitor's first sample, same sources */
    uint64_t disk_write_bytes;       /*   as the rates (MEMSCOPE_METRIC_DISK, _NETWORK) */
    uint64_t network_rx_bytes;
    uint64_t network_tx_bytes;
} memscope_system_snapshot;

enum {
    MEMSCOPE_METRIC_CPU            = 1u << 0,
    MEMSCOPE_METRIC_MEMORY         = 1u << 1,
    MEMSCOPE_METRIC_MEMORY_PERCENT = 1u << 2,
    MEMSCOPE_METRIC_THREADS        = 1u << 3,
    MEMSCOPE_METRIC_DISK           = 1u << 4,
    MEMSCOPE_METRIC_NETWORK        = 1u << 5,
    MEMSCOPE_METRIC_GPU_USAGE      = 1u << 6,
    MEMSCOPE_METRIC_GPU_MEMORY     = 1u << 7,
    /* added after the first version (docs/API-ADDITIONS.md) */
    MEMSCOPE_METRIC_SYSTEM_CPU     = 1u << 8,   /* system_cpu_percent */
    MEMSCOPE_METRIC_CPU_COUNT      = 1u << 9,   /* cpu_count */
    MEMSCOPE_METRIC_PEAK_RSS       = 1u << 10,  /* peak_rss_bytes */
    MEMSCOPE_METRIC_SYSTEM_MEMORY  = 1u << 11,  /* system_memory_total, _available, _used_percent */
    MEMSCOPE_METRIC_PAGE_FAULTS    = 1u << 12   /* minor_faults_per_sec, major_faults_per_sec */
};

/* The system monitor is one background thread per process, shared by every tracker
   that enabled it; these settings are process-wide. */
typedef struct memscope_monitor_config {
    uint32_t interval_ms;            /* sampling period; default 100, at least 10 */
    uint32_t gpu_interval_ms;        /* GPU polling period; default 500, at least 500 */
    size_t   max_snapshots;          /* ring capacity; default 36000 (one hour at 100 ms);
                                        older snapshots are dropped and counted */
} memscope_monitor_config;
MEMSCOPE_DEF memscope_monitor_config memscope_monitor_default(void);
MEMSCOPE_DEF memscope_monitor_config memscope_get_monitor_config(void);
MEMSCOPE_DEF memscope_result memscope_set_monitor_config(memscope_monitor_config cfg);

typedef struct memscope_monitor_stats {
    int      running;                /* the monitor thread exists */
    uint64_t samples;                /* samples taken by this process */
    uint64_t cpu_time_ns;            /* the monitor thread's own CPU time */
    uint64_t last_sample_ns;         /* wall time the last sample took */
    uint64_t stored_snapshots;       /* in the ring now */
    uint64_t dropped_snapshots;      /* overwritten because the ring was full */
} memscope_monitor_stats;
MEMSCOPE_DEF memscope_monitor_stats memscope_get_monitor_stats(void);

typedef struct memscope_hotspot {
    const char *var_name;
    const char *type_name;
    size_t      total_size;          /* bytes recorded at this site, all allocations */
    size_t      allocation_count;
    const char *location;            /* "file:line", NULL if unknown */
} memscope_hotspot;

typedef struct memscope_thread_stats {
    uint32_t    thread_id;           /* OS thread id (gettid) */
    const char *thread_name;         /* pthread name at the first recorded call, may be "" */
    size_t      allocations, deallocations;
    uint64_t    allocated_bytes, current_bytes, peak_bytes;
} memscope_thread_stats;

typedef struct memscope_report {
    size_t   total_allocations;
    size_t   total_deallocations;
    size_t   active_allocations;
    uint64_t peak_memory_bytes;
    uint64_t current_memory_bytes;
    double   allocation_rate_per_sec;
    double   deallocation_rate_per_sec;
    memscope_hotspot         *hotspots;
    size_t                    hotspot_count;
    memscope_system_snapshot *system_snapshots;
    size_t                    system_snapshot_count;
    memscope_thread_stats    *threads;
    size_t                    thread_count;
    double   sample_rate;
    double   estimated_total_allocations;
    double   estimated_total_bytes;
    /* added after the first version (docs/API-ADDITIONS.md) */
    uint64_t total_allocated_bytes;  /* sum of the sizes of all recorded TRACKs */
    uint64_t dropped_events;         /* events not retained (bound reached) */
    double   duration_sec;           /* from memscope_new to this analysis */
    uint64_t dropped_snapshots;      /* this tracker's snapshots lost to the ring's bound */
} memscope_report;

MEMSCOPE_DEF memscope_report memscope_analyze(memscope_tracker *t);
MEMSCOPE_DEF void            memscope_report_free(memscope_report *r);

typedef struct memscope_memory_stats {
    size_t   total_allocations, total_deallocations, active_allocations;
    uint64_t total_allocated_bytes, current_memory_bytes, peak_memory_bytes;
    uint64_t dropped_events;
} memscope_memory_stats;
MEMSCOPE_DEF memscope_memory_stats memscope_stats(memscope_tracker *t);

typedef enum memscope_event_kind { MEMSCOPE_EVENT_ALLOC = 1, MEMSCOPE_EVENT_FREE = 2 } memscope_event_kind;
typedef struct memscope_event {
    memscope_event_kind kind;
    uint64_t    timestamp_ns;        /* since the tracker was created, monotonic */
    uintptr_t   address;
    size_t      size;
    uint32_t    thread_id;
    const char *var_name, *type_name, *file;
    uint32_t    line;
    /* added after the first version (docs/API-ADDITIONS.md) */
    uint32_t    stack_id;            /* ALLOC: 0 = none, else see memscope_stack_frames */
    uint32_t    alloc_thread_id;     /* FREE: the thread that made the allocation */
} memscope_event;
MEMSCOPE_DEF memscope_event *memscope_events(memscope_tracker *t, size_t *count);
/* Calls fn(ev, ctx) for each event of t in time order, as memscope_events lists them, without
   an array of them all (a loaded file's events are decoded as they go, so a file of any size
   is read in bounded memory); fn returns nonzero to stop. fn must not call into t. Returns how
   many events fn saw. */
MEMSCOPE_DEF size_t memscope_each_event(memscope_tracker *t, int (*fn)(const memscope_event *ev, void *ctx), void *ctx);
MEMSCOPE_DEF size_t memscope_stack_frames(memscope_tracker *t, uint32_t stack_id,
                                          uintptr_t *frames, size_t max);
/* Frame `index` (0 = the allocating function) of a stack with its symbol: from the file for
   a loaded tracker, else from the module's own ELF symbol tables (.symtab, .dynsym; the
   strings stay valid for the life of the process). function/module NULL when unknown; offset
   from the function, or when the function is unknown from the module's load bias (the
   module's own address, as addr2line takes it); has_offset 0 when neither is known. 0 when
   out of range. */
typedef struct memscope_symbol {
    uintptr_t   address;
    const char *function;
    const char *module;
    uint64_t    offset;
    int         has_offset;
    const char *file;     /* source file of the call (DWARF line data), NULL when unknown */
    uint32_t    line;     /* its line; 0 when unknown (or the compiler gave none) */
    int         inlined;  /* memscope_stack_symbols: a call the compiler inlined (no frame of its own) */
} memscope_symbol;
MEMSCOPE_DEF int memscope_stack_symbol(memscope_tracker *t, uint32_t stack_id, size_t index, memscope_symbol *out);
/* The frames of a stack as a reader wants them, innermost first: where the compiler inlined
   calls at a return address (DWARF .debug_info), each inlined call is a frame of its own
   (inlined = 1, the same address, offset unknown) before the function it was inlined into,
   and each frame's file and line are those of the call it made, as `addr2line -f -i` prints
   them. memscope_stack_symbol gives the machine frames only (function from the symbol table,
   line of the innermost inlined code). Returns the number of frames (fills at most max). */
MEMSCOPE_DEF size_t memscope_stack_symbols(memscope_tracker *t, uint32_t stack_id, memscope_symbol *out, size_t max);

/* The modules (program and shared libraries) the frames are in, with the build id that
   identifies the exact file. For a loaded tracker, state says how the file on disk today
   (under $MEMSCOPE_SYSROOT when set) compares with the recording: memscope_load_names names
   what a recording left unnamed only from a file whose build id matches. Returns the
   count (fills at most max). */
enum { MEMSCOPE_MODULE_UNCHECKED = 0, /* a live tracker: the module is the loaded one */
       MEMSCOPE_MODULE_MATCHES,       /* the file has the recorded build id */
       MEMSCOPE_MODULE_CHANGED,       /* the file has another build id: not used for names */
       MEMSCOPE_MODULE_MISSING,       /* no such file */
       MEMSCOPE_MODULE_UNVERIFIED };  /* no build id on one side: not used for names */
typedef struct memscope_module {
    const char *path;
    const char *build_id;  /* lowercase hex; NULL when the file has none */
    uint64_t    base;      /* load bias: a frame's module offset is address - base */
    uint64_t    low, high; /* the mapped address range */
    int         state;     /* MEMSCOPE_MODULE_* */
} memscope_module;
MEMSCOPE_DEF size_t memscope_modules(memscope_tracker *t, memscope_module *out, size_t max);
/* For a loaded tracker: names what the recording could not, from the module files whose build
   id matches the recording (under $MEMSCOPE_SYSROOT when set): frames without a function
   (`memscope run --names offline`), and source lines and inlined calls where the writer had
   none (compressed debug sections are read here, never in a traced process). The reports
   then show them; without it a loaded file reports exactly what was written. memscope report
   and memscope diff call it. MEMSCOPE_OK, or MEMSCOPE_ERR_INVALID_ARG for a live tracker. */
MEMSCOPE_DEF memscope_result memscope_load_names(memscope_tracker *t);

/* Each call stack's costs, from one replay of the events in time order: what it allocated,
   what of it was still live at the end (leaked) and at the moment of the peak, how many of
   its blocks were temporary (freed before any other allocation), and its "where" frame: the
   first frame of memscope_stack_symbols, from the allocation outward, that is not in the
   allocator, the C or C++ runtime or memscope (the built-in list; MEMSCOPE_WHERE_SKIP adds
   comma-separated patterns). Leaks a suppression matches (built-in ones for glibc's blocks
   kept for the life of the process, MEMSCOPE_SUPPRESSIONS=FILE of `leak:PATTERN` lines,
   MEMSCOPE_NO_BUILTIN_SUPPRESSIONS=1) are marked suppressed. A pattern matches a frame's
   function or module file name: a substring, `*` any run of characters, `^` and `$` anchor
   it at the start or end. *out (free() it) holds one entry per stack id that has an
   allocation, sorted by stack id; returns their count (0 with *out NULL when there are none
   or memory ran out). */
typedef struct memscope_stack_cost {
    uint32_t stack_id;
    uint32_t where;              /* index into memscope_stack_symbols; UINT32_MAX: every frame skipped */
    uint64_t allocations, allocated_bytes;
    uint64_t leaked_count, leaked_bytes;   /* live at the end */
    uint64_t peak_bytes;                   /* live at the moment of the peak */
    uint64_t temporary;                    /* freed before any other allocation was made */
    uint64_t first_leak_ns, last_leak_ns;  /* when the first and the last leaked block were allocated */
    int      suppressed;                   /* 0, MEMSCOPE_SUPPRESSED_BUILTIN or MEMSCOPE_SUPPRESSED_FILE */
} memscope_stack_cost;
enum { MEMSCOPE_SUPPRESSED_BUILTIN = 1, MEMSCOPE_SUPPRESSED_FILE = 2 };
MEMSCOPE_DEF size_t memscope_stack_costs(memscope_tracker *t, memscope_stack_cost **out);
/* The where frame of a stack alone (as memscope_stack_costs finds it): its index into
   memscope_stack_symbols with the frame in *out; UINT32_MAX when every frame is skipped. */
MEMSCOPE_DEF uint32_t memscope_stack_where(memscope_tracker *t, uint32_t stack_id, memscope_symbol *out);
/* A short text summary to f (stdout when NULL): the totals and the peak, the top sites by
   bytes (TRACK), or the places in the program that allocate most (the where frames of the
   call stacks, whole-program mode), and what was still live, by site and by where frame,
   suppressed leaks apart. What `memscope report` prints in full, in about 25 lines. */
MEMSCOPE_DEF void memscope_print_summary(memscope_tracker *t, FILE *f);
/* What was run: for a live tracker this process (its command line from /proc/self/cmdline,
   arguments with spaces or shell characters single-quoted; its working directory now), for
   a loaded one the process that wrote the file (NULL strings and 0 ids where the file does
   not say). whole_program: the sites are the allocation functions of memscope run (no TRACK
   site recorded anything). */
typedef struct memscope_context {
    const char *program;       /* the process's name (/proc/self/comm) */
    const char *command_line;
    const char *cwd;
    uint64_t    pid, ppid;
    uint64_t    start_unix_ms;
    int         whole_program;
    int         exit_status;   /* the status the process passed to exit (or, for a file without
                                  END, the one memscope run saw); -1 when not known */
    int         exit_signal;   /* the signal that ended it (one memscope saw, or for a file
                                  without END the one memscope run saw); 0 when none */
} memscope_context;
MEMSCOPE_DEF memscope_result memscope_get_context(memscope_tracker *t, memscope_context *out);

MEMSCOPE_DEF memscope_system_snapshot memscope_current_system_snapshot(memscope_tracker *t);

MEMSCOPE_DEF memscope_result memscope_export_json(memscope_tracker *t, const char *path);
MEMSCOPE_DEF memscope_result memscope_export_html(memscope_tracker *t, const char *path);
MEMSCOPE_DEF memscope_result memscope_export_binary(memscope_tracker *t, const char *path);
MEMSCOPE_DEF memscope_result memscope_export(memscope_tracker *t, const char *path);
/* The format memscope_export writes for path, from its name: "json", "html", "msb", "pprof",
   "folded", "trace", "prometheus", "massif" or "dhat"; NULL for a NULL or empty path or one
   no writer claims. Pure: looks at the string only. */
MEMSCOPE_DEF const char *memscope_export_format(const char *path);
/* Other tools' formats (README "Formats"), for a live tracker or a loaded .msb:
   pprof profile.proto (gzip-wrapped when the path ends in .gz) for go tool pprof; folded
   stacks ("frame;frame;frame BYTES") for flame graph tools; Chrome Trace Event JSON for
   ui.perfetto.dev; the Prometheus text exposition. Values are unbiased under sampling. */
MEMSCOPE_DEF memscope_result memscope_export_pprof(memscope_tracker *t, const char *path);
MEMSCOPE_DEF memscope_result memscope_export_folded(memscope_tracker *t, const char *path);
/* Folded stacks of another cost: "allocated" (bytes; memscope_export_folded's), "allocations",
   "leaked" (bytes live at the end, suppressed leaks left out: memscope_stack_costs),
   "leaked-allocations", "peak" (bytes live at the moment of
   the peak) or "temporary" (allocations freed before any other was made; by call stack, the
   leaf the allocation function when the stack has one). MEMSCOPE_FOLDED_COST picks it for
   memscope_export_folded (the automatic export of memscope run -o x.folded). */
MEMSCOPE_DEF memscope_result memscope_export_folded_cost(memscope_tracker *t, const char *path, const char *cost);
MEMSCOPE_DEF memscope_result memscope_export_trace(memscope_tracker *t, const char *path);
MEMSCOPE_DEF memscope_result memscope_export_prometheus(memscope_tracker *t, const char *path);
/* massif's text format (ms_print, massif-visualizer): ~50 snapshots over the run, time unit
   bytes allocated, heap trees at every 10th and at the exact peak; DHAT JSON v2 (Valgrind's
   dh_view.html): a program point per call stack and site, with lifetimes in microseconds. */
MEMSCOPE_DEF memscope_result memscope_export_massif(memscope_tracker *t, const char *path);
MEMSCOPE_DEF memscope_result memscope_export_dhat(memscope_tracker *t, const char *path);
/* Rewrites the exposition at path every interval_sec seconds from the monitor thread (which
   it starts), atomically, for node_exporter's textfile collector; written once at the call
   (its result is returned). path NULL stops. At most 8 files per process. */
MEMSCOPE_DEF memscope_result memscope_set_prometheus_file(memscope_tracker *t, const char *path, unsigned interval_sec);
/* Writes several files (any mix of .json, .html, .msb) of one state: one analysis, one
   duration, one clock ratio and the events recorded up to one instant, so the JSON of a
   loaded .msb equals the JSON written beside it byte for byte. Every path is checked before
   anything is written (MEMSCOPE_ERR_INVALID_ARG for a NULL, empty or unknown one); then each
   file is written even if an earlier one failed, and the first failure is returned. */
MEMSCOPE_DEF memscope_result memscope_export_many(memscope_tracker *t, const char *const *paths, size_t count);

/* Reads a .msb file into a read-only tracker (analyze, stats, events, stack frames and the
   exports answer from the file; TRACK records nothing into it); free with memscope_destroy.
   A file whose first byte after white space is '{' is read as the JSON report that
   memscope_export_json writes (README "JSON schema") into the same tables: the report, events,
   stacks and exports of the JSON are those of the .msb written at the same instant (the JSON
   has no module list, so memscope_load_names names nothing more; a name the writer met as
   invalid UTF-8 reads back as U+FFFD; a JSON without its totals loads with them recomputed
   from its events, like a cut .msb). NULL on failure, with *result set (MEMSCOPE_ERR_FORMAT
   for a malformed or truncated file, MEMSCOPE_ERR_IO when it cannot be read) and
   memscope_load_error() saying why, with the byte offset (in the JSON for a JSON report).
   result may be NULL. */
MEMSCOPE_DEF memscope_tracker *memscope_load(const char *path, memscope_result *result);
MEMSCOPE_DEF const char *memscope_load_error(void);   /* this thread's last memscope_load */

/* A file cut off before its END section (a crash or a full disk while it was written) loads
   what is complete: every complete section before the cut, checked by its CRC. The load then
   succeeds, memscope_load_error() says where the cut is and what was lost, and the totals,
   thread table and hotspots the file lacks are recomputed from the events it kept.
   memscope_loaded_info tells a program which case it has. */
typedef struct memscope_load_info {
    int      complete;          /* 1: the file ends with its END section */
    uint64_t file_bytes;        /* size of the file */
    uint64_t valid_bytes;       /* header and complete sections: where a cut is */
    uint64_t sections;          /* complete sections read */
    uint64_t events;            /* events loaded */
    unsigned recomputed;        /* absent, recomputed from the events: 1 totals, 2 threads, 4 hotspots */
    /* added after the first version (docs/API-ADDITIONS.md) */
    int streamed;               /* written while the program ran (whole-program mode); incomplete:
                                   the process did not reach its end (or is still running) */
    uint64_t pid, ppid;         /* the writing process and its parent (ppid 0: not recorded) */
} memscope_load_info;
/* MEMSCOPE_ERR_INVALID_ARG when t is NULL or was not made by memscope_load. */
MEMSCOPE_DEF memscope_result memscope_loaded_info(const memscope_tracker *t, memscope_load_info *info);
/* How the process that streamed path ended, recorded in the file by whoever waited for it
   (memscope run does so for its program): a streamed .msb without END (the process was
   killed, crashed, or ended in _exit or exec) gets an EXIT section (docs/FORMAT.md) after its
   last complete section, a partial section after that being cut off first. Then
   memscope_load of the file gives the status to memscope_get_context, the exports and the
   report. exit_signal: the signal that ended the process (1 to 127), or 0 when it exited
   with exit_status (0 to 255). Call it only once the process has ended. MEMSCOPE_OK, the
   file untouched, when it already says how the run ended (END or EXIT);
   MEMSCOPE_ERR_FORMAT, untouched, when it is not a streamed .msb with a complete META or a
   section is corrupt; MEMSCOPE_ERR_NOT_REGULAR, MEMSCOPE_ERR_IO (errno),
   MEMSCOPE_ERR_INVALID_ARG, MEMSCOPE_ERR_UNSUPPORTED (MEMSCOPE_NO_BINARY). */
MEMSCOPE_DEF memscope_result memscope_msb_record_exit(const char *path, int exit_status, int exit_signal);
/* The mean gap of byte-weighted sampling the tracker's allocations were recorded with (the
   whole-program mode's MEMSCOPE_SAMPLE_BYTES, or a loaded file's), 0 when off. */
MEMSCOPE_DEF uint64_t memscope_sample_bytes(memscope_tracker *t);

/* Whole-program mode (#define MEMSCOPE_HOOK_MALLOC with MEMSCOPE_IMPLEMENTATION, or the
   preload library): writes the report to $MEMSCOPE_OUTPUT now and stops recording. Done by
   itself at exit, after the atexit handlers, and on the signals that end a process without a
   core dump or with abort (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGABRT, SIGUSR1,
   SIGUSR2, SIGALRM) where the program left their default action. */
MEMSCOPE_DEF void memscope_hook_finish(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

/* ---- TRACK macros ---- */

#ifdef __cplusplus
/* C++: the type name is the demangled static type, computed once per type. */
template <class T> inline const char *memscope_cxx_type_name() {
    static const char *name = [] {
        const char *raw = typeid(T).name();
#if defined(__GNUC__)
        int status = 0;
        char *d = abi::__cxa_demangle(raw, nullptr, nullptr, &status);
        if (status == 0 && d) return static_cast<const char *>(d);
        std::free(d);
#endif
        return raw;
    }();
    return name;
}
#define MEMSCOPE_TYPE_NAME_(var) \
    memscope_cxx_type_name<typename std::decay<decltype(var)>::type>()
#define MEMSCOPE_CHECK_POINTER_(var)                                                    \
    static_assert(std::is_pointer<typename std::decay<decltype(var)>::type>::value,   \
                  "TRACK/UNTRACK need a pointer or an array")
#define MEMSCOPE_AUTO_SIZE_(var) \
    (std::is_array<decltype(var)>::value ? sizeof(var) : MEMSCOPE_SIZE_UNKNOWN)
#define MEMSCOPE_ADDRESS_(var) \
    reinterpret_cast<uintptr_t>(static_cast<const volatile void *>(var))
#else
#ifndef MEMSCOPE_USER_TYPES
#define MEMSCOPE_USER_TYPES(X)
#endif
#define MEMSCOPE_USER_TYPE_ASSOC_(T) T *: #T " *", const T *: "const " #T " *", T **: #T " **",
#define MEMSCOPE_STD_TYPES_(X)                                                        \
    X(char) X(signed char) X(unsigned char) X(short) X(unsigned short) X(int)         \
    X(unsigned int) X(long) X(unsigned long) X(long long) X(unsigned long long)       \
    X(float) X(double) X(long double) X(_Bool)
/* &*(var): a compile error for non-pointers; arrays decay; void * stays void *. */
#define MEMSCOPE_TYPE_NAME_(var)                                                      \
    _Generic(&*(var), MEMSCOPE_STD_TYPES_(MEMSCOPE_USER_TYPE_ASSOC_)                  \
             MEMSCOPE_USER_TYPES(MEMSCOPE_USER_TYPE_ASSOC_)                           \
             const char **: "const char **", void **: "void **",                       \
             void *: "void *", const void *: "const void *", default: "void *")
#define MEMSCOPE_CHECK_POINTER_(var) ((void)sizeof(&*(var)))
#if defined(__GNUC__) || defined(__clang__)
/* Arrays (a static or stack buffer) are recorded with their exact sizeof. */
#define MEMSCOPE_AUTO_SIZE_(var) \
    (__builtin_types_compatible_p(__typeof__(var), __typeof__(&*(var))) ? MEMSCOPE_SIZE_UNKNOWN : sizeof(var))
#else
#define MEMSCOPE_AUTO_SIZE_(var) MEMSCOPE_SIZE_UNKNOWN
#endif
#define MEMSCOPE_ADDRESS_(var) ((uintptr_t)(const volatile void *)(var))
#endif

#define MEMSCOPE_TRACKER() memscope_new()
#define MEMSCOPE_TRACK_SITE_(t, var, size)                                             \
    do {                                                                               \
        MEMSCOPE_CHECK_POINTER_(var);                                                  \
        static memscope_site memscope_site_ = {#var, MEMSCOPE_TYPE_NAME_(var),         \
                                               __FILE__, (uint32_t)__LINE__, 0u, 0u};  \
        memscope_track_site((t), MEMSCOPE_ADDRESS_(var), (size), &memscope_site_);     \
    } while (0)
#define MEMSCOPE_TRACK(t, var) MEMSCOPE_TRACK_SITE_(t, var, MEMSCOPE_AUTO_SIZE_(var))
#define MEMSCOPE_TRACK_SIZE(t, var, size) MEMSCOPE_TRACK_SITE_(t, var, (size_t)(size))
#define MEMSCOPE_UNTRACK(t, var)                                                       \
    do {                                                                               \
        MEMSCOPE_CHECK_POINTER_(var);                                                  \
        memscope_untrack_address((t), MEMSCOPE_ADDRESS_(var));                         \
    } while (0)

#ifndef MEMSCOPE_NO_SHORT_NAMES
#define TRACKER() MEMSCOPE_TRACKER()
#define TRACK(t, var) MEMSCOPE_TRACK(t, var)
#define TRACK_SIZE(t, v, n) MEMSCOPE_TRACK_SIZE(t, v, n)
#define UNTRACK(t, var) MEMSCOPE_UNTRACK(t, var)
#endif

#endif /* MEMSCOPE_H_INCLUDED */

/* ======================================================================== */
/*                              IMPLEMENTATION                              */
/* ======================================================================== */
#ifdef MEMSCOPE_IMPLEMENTATION
#ifndef MEMSCOPE_IMPLEMENTATION_INCLUDED
#define MEMSCOPE_IMPLEMENTATION_INCLUDED
#ifdef __cplusplus
#error "memscope.h: compile the implementation (MEMSCOPE_IMPLEMENTATION) as C11, e.g. in memscope.c"
#endif

/* ==== >>config ==== */

#if defined(MEMSCOPE_MALLOC) || defined(MEMSCOPE_FREE)
#if !defined(MEMSCOPE_MALLOC) || !defined(MEMSCOPE_FREE)
#error "memscope.h: define both MEMSCOPE_MALLOC and MEMSCOPE_FREE, or neither"
#endif
#endif


#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <math.h>
#include <locale.h>
#include <time.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <dlfcn.h>
#include <elf.h>
#ifdef __USE_GNU
#include <link.h> /* dl_iterate_phdr (declared by memscope.h itself otherwise) */
#endif
#include <malloc.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <stdatomic.h>

/* When system headers were included before memscope.h without _GNU_SOURCE, declare
   the few GNU functions we use ourselves (same signatures as glibc). */
#ifndef __USE_GNU
typedef struct { const char *dli_fname; void *dli_fbase; const char *dli_sname; void *dli_saddr; } Dl_info;
extern int dladdr(const void *addr, Dl_info *info);
extern int pthread_getattr_np(pthread_t thread, pthread_attr_t *attr);
extern int pthread_getname_np(pthread_t thread, char *name, size_t len);
extern int pthread_setname_np(pthread_t thread, const char *name);
extern int pthread_attr_getstack(const pthread_attr_t *attr, void **addr, size_t *size);
extern int fsync(int fd);
extern char *secure_getenv(const char *name);
extern int lstat(const char *path, struct stat *st);
extern ssize_t readlink(const char *path, char *buf, size_t len);
extern void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...);
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
#endif
extern long syscall(long number, ...);
extern int madvise(void *addr, size_t len, int advice); /* hidden by strict -std=c11 */
extern int nanosleep(const struct timespec *req, struct timespec *rem); /* likewise */
extern void qsort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *), void *arg);
#ifndef MAP_ANONYMOUS /* Linux values, hidden by strict -std=c11 without feature macros */
#define MAP_ANONYMOUS 0x20
#endif
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030
#endif
#ifndef MAP_POPULATE
#define MAP_POPULATE 0x08000
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 02000000 /* Linux value; hidden by strict -std=c11 without feature macros */
#endif
#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0400000 /* likewise */
#endif
#ifndef S_ISSOCK
#define S_ISSOCK(m) (((m) & 0170000) == 0140000)
#endif
#ifndef S_ISLNK
#define S_ISLNK(m) (((m) & 0170000) == 0120000)
#endif
#ifndef CLOCK_MONOTONIC /* <time.h> came first in strict ISO C: the POSIX clocks are hidden */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
extern int clock_gettime(int clock_id, struct timespec *tp); /* clockid_t is int on Linux */
#endif
extern long syscall(long number, ...);

#ifdef MEMSCOPE_HOOK_MALLOC /* glibc's own allocator, under the hooks */
extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);
extern int setenv(const char *name, const char *value, int overwrite); /* (hidden where <stdlib.h> came first in strict ISO C) */
#ifndef MEMSCOPE_MALLOC
#define MEMSCOPE_MALLOC(n) __libc_malloc(n)
#define MEMSCOPE_FREE(p) __libc_free(p)
#define MS__CALLOC(n, size) __libc_calloc(n, size)
#endif
#include <signal.h>
#ifndef RTLD_NEXT
#define RTLD_NEXT ((void *)-1l)
#endif
/* > 0 while memscope itself runs on this thread: the hooks then record nothing */
static _Thread_local int ms__hook_busy __attribute__((tls_model("initial-exec")));
#define MS__ENTER() (ms__hook_busy++)
#define MS__LEAVE() (ms__hook_busy--)
#else
#define MS__ENTER() ((void)0)
#define MS__LEAVE() ((void)0)
#endif
#ifndef MEMSCOPE_MALLOC
#define MEMSCOPE_MALLOC(n) malloc(n)
#define MEMSCOPE_FREE(p) free(p)
#define MS__CALLOC(n, size) calloc(n, size)
#endif
#ifndef MEMSCOPE_ASSERT
#include <assert.h>
#define MEMSCOPE_ASSERT(x) assert(x)
#endif

#define MS__NOINLINE __attribute__((noinline))
/* The stack walk reads the frames of callers built without frame pointers too (bounded by
   the thread's stack): not an error, so AddressSanitizer must not instrument it. */
#define MS__NO_ASAN __attribute__((no_sanitize_address))
/* Built with AddressSanitizer: memscope starts no clock thread of its own (log mode's
   records read the counter each instead). LeakSanitizer would otherwise report, in every
   forked child that exits, the parent's thread as "not suspended". */
#if defined(__SANITIZE_ADDRESS__)
#define MS__ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MS__ASAN_BUILD 1
#endif
#endif
/* Built with ThreadSanitizer: no thread is started in a forked child (it refuses one there). */
#if defined(__SANITIZE_THREAD__)
#define MS__TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MS__TSAN_BUILD 1
#endif
#endif
#define MS__MAYBE_UNUSED __attribute__((unused))
#define MS__HOT static inline __attribute__((always_inline))
#define MS__LIKELY(x) __builtin_expect(!!(x), 1)
#define MS__UNLIKELY(x) __builtin_expect(!!(x), 0)
/* After a call that is handed a frame address of the caller (`fp`): keeps the call from
   being a tail call. A tail call pops the frame before the jump, and a callee built without
   frame pointers then saves some other register over fp[0], the caller's rbp, which the
   unwinder needs for every frame above (found with a VLA in TRACK's caller, -O2). */
#define MS__NO_TAIL() __asm__ __volatile__("" ::: "memory")
#define MS__RELAXED memory_order_relaxed
#define MS__ACQUIRE memory_order_acquire
#define MS__RELEASE memory_order_release
/* Atomics, one idiom: C11's atomic_*_explicit on memscope's own _Atomic fields, MS__LOAD and
   MS__STORE being its relaxed load and store. The one exception, MS__PLAIN_LOAD/STORE (the
   compiler's __atomic builtins), is for plain fields of the public structs, which C++ compiles
   too and which therefore cannot be _Atomic: memscope_site's id and hash (set once, under
   ms__site_lock, read by TRACK without it) and an event's site (named in place by a TRACK). */
#define MS__LOAD(p) atomic_load_explicit((p), MS__RELAXED)
#define MS__STORE(p, v) atomic_store_explicit((p), (v), MS__RELAXED)
#define MS__PLAIN_LOAD(p, order) __atomic_load_n((p), (order))
#define MS__PLAIN_STORE(p, v, order) __atomic_store_n((p), (v), (order))
/* A counter only its owner thread writes: a plain add, readable by others. */
#define MS__OWNER_ADD(p, v) MS__STORE((p), MS__LOAD(p) + (v))

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "memscope.h needs lock-free 64-bit atomics");
_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "memscope.h needs lock-free pointer atomics");

/* ==== >>platform ==== */

/* Locks. Every mutex memscope has, outermost first: the order the code nests them in, and the
   order ms__fork_prepare (>>lifecycle) takes them in. A child has one thread: any lock another
   thread of the parent held at the fork would stay locked in the child forever, so the prepare
   handler takes every one of them and both sides release them (the few it does not take are
   said so, with why).

     lock                      guards                                  taken at fork
     ms__auto_lock             the trackers exported at exit           yes
     ms__prom_lock             the Prometheus files (the monitor       yes
                               exports a tracker under it)
     ms__trackers_lock         the list of every tracker               yes
     shard rebuild flags       a live-table shard's rebuild            yes: none half done at the
                                                                       fork; the child also
                                                                       lowers stale flags
     t->analysis_lock (each)   analyze, export, the resolver, a        yes
                               stream's writer; outer to all below
     ms__sym_lock              module tables, names, lines: naming     yes
                               runs inside analysis and takes nothing
                               of memscope's inside, but walks the
                               loader's list (its lock), which a
                               thread in dlopen holds while its
                               malloc hook may wait for a stacks lock:
                               so before the stacks locks
     t->stacks_lock (each)     stack interning (hooks, analysis)       yes
     t->threads_lock (each)    thread registration                     yes
     t->retired_lock (each)    live-table growth, a leaf               yes
     ms__supp_lock             the suppressions, a leaf                yes
     ms__ctx_lock              the process context, a leaf             yes
     ms__site_lock             site registration (TRACK, analysis)     yes
     ms__clock_lock            the clock ratio (analysis, export, a    yes
                               lost ticker's restart in >>resolve)
     ms__mon.control, wait_lock, sample_lock, ring_lock                yes (ms__mon_fork_prepare)
     ms__mon.gpu_lock          NVML and amdgpu state                   no: held across NVML calls
                                                                       that may block; the child
                                                                       re-initialises it and
                                                                       never uses NVML
     ms__slab_lock             event memory, the innermost             yes
     ms__cfi_lock_owner        the unwinder's slow path (a spin lock   no: the child clears it
                               on an atomic word)                      (ms__cfi_fork_child) and
                                                                       marks the module table it
                                                                       guards for a rebuild
   pthread_once (the global tracker, process init) needs nothing: a child forked during the
   once routine is undefined in POSIX, and memscope runs it before any thread of its own. */

/* Address space held back for a streaming writer (ulimit -v): a program that takes all there
   is makes its allocator fail, and its first failure (or the writer's) gives this back, so
   that the writer can still open its file, copy names and map modules to name frames. A
   private mapping without access: it costs no memory and no commit charge, only address
   space. */
#define MS__BALLOON_BYTES ((size_t)8 << 20)
static void *_Atomic ms__balloon;
MS__MAYBE_UNUSED static void ms__balloon_fill(void) {
    if (atomic_load_explicit(&ms__balloon, memory_order_relaxed)) return;
    void *p = mmap(NULL, MS__BALLOON_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *none = NULL;
    if (p != MAP_FAILED && !atomic_compare_exchange_strong(&ms__balloon, &none, p)) munmap(p, MS__BALLOON_BYTES);
}
/* 1 when there was address space to give back. */
static int ms__balloon_pop(void) {
    void *p = atomic_exchange(&ms__balloon, NULL);
    if (p) munmap(p, MS__BALLOON_BYTES);
    return p != NULL;
}

/* The libc's calloc where memscope uses the libc's allocator (it leaves fresh pages from mmap
   as they are: untouched, they cost nothing), else the user's MEMSCOPE_MALLOC and a clear. */
static void *ms__calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return NULL;
#ifdef MS__CALLOC
    void *p = MS__CALLOC(n, size);
    if (!p && n && size && ms__balloon_pop()) p = MS__CALLOC(n, size);
    return p;
#else
    void *p = MEMSCOPE_MALLOC(n * size);
    if (!p && n && size && ms__balloon_pop()) p = MEMSCOPE_MALLOC(n * size);
    if (p) memset(p, 0, n * size);
    return p;
#endif
}

/* Zeroed memory whose pages cost nothing until touched (munmap it). */
static void *ms__map_anon(size_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* The same, left out of forked children (MADV_DONTFORK): for a streaming writer's tables,
   which it writes all the time. Shared with a child after a fork, each of their pages would
   be a copy-on-write fault in the parent, at every fork of a shell. A child never touches
   them, nor unmaps them (the addresses may hold its own mappings by then). */
#define MS__MADV_DONTFORK 10
#define MS__MADV_DONTNEED 4 /* (Linux's values: hidden by strict -std=c11 without feature macros) */
static void *ms__map_nofork(size_t bytes) {
    void *p = ms__map_anon(bytes);
    if (p) madvise(p, bytes, MS__MADV_DONTFORK);
    return p;
}

static char *ms__strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = (char *)MEMSCOPE_MALLOC(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* The process's name (/proc/self/comm), or for a loaded tracker the writer's. */
static void ms__program_name(const memscope_tracker *t, char *buf, size_t cap);
/* How the process ended, for the files written at its end (META 18): 0 not known (still
   running, _exit, a crash), 1 + the status passed to exit, 256 + the signal that ended it. */
static _Atomic uint32_t ms__exit_how;
#ifndef __USE_MISC /* <stdlib.h> included before _GNU_SOURCE was set: glibc has it anyway */
extern int on_exit(void (*fn)(int status, void *arg), void *arg);
#endif
MS__MAYBE_UNUSED static void ms__on_exit_status(int status, void *arg) {
    (void)arg;
    uint32_t zero = 0;
    atomic_compare_exchange_strong(&ms__exit_how, &zero, 1u + (uint32_t)(status & 0xff));
}

/* A signal's name ("SIGKILL"; "SIGRTMIN+3" for a real-time one, in buf), or NULL when this
   build's <signal.h> does not name it (the POSIX names are hidden when strict ISO C headers
   came first). */
MS__MAYBE_UNUSED static const char *ms__signal_name(int sig, char *buf, size_t cap) {
    static const struct { int sig; const char *name; } names[] = {
        {SIGABRT, "SIGABRT"}, {SIGFPE, "SIGFPE"}, {SIGILL, "SIGILL"}, {SIGINT, "SIGINT"},
        {SIGSEGV, "SIGSEGV"}, {SIGTERM, "SIGTERM"},
#ifdef SIGHUP
        {SIGHUP, "SIGHUP"},
#endif
#ifdef SIGQUIT
        {SIGQUIT, "SIGQUIT"},
#endif
#ifdef SIGTRAP
        {SIGTRAP, "SIGTRAP"},
#endif
#ifdef SIGBUS
        {SIGBUS, "SIGBUS"},
#endif
#ifdef SIGKILL
        {SIGKILL, "SIGKILL"},
#endif
#ifdef SIGUSR1
        {SIGUSR1, "SIGUSR1"},
#endif
#ifdef SIGUSR2
        {SIGUSR2, "SIGUSR2"},
#endif
#ifdef SIGPIPE
        {SIGPIPE, "SIGPIPE"},
#endif
#ifdef SIGALRM
        {SIGALRM, "SIGALRM"},
#endif
#ifdef SIGSTKFLT
        {SIGSTKFLT, "SIGSTKFLT"},
#endif
#ifdef SIGCHLD
        {SIGCHLD, "SIGCHLD"},
#endif
#ifdef SIGCONT
        {SIGCONT, "SIGCONT"},
#endif
#ifdef SIGSTOP
        {SIGSTOP, "SIGSTOP"},
#endif
#ifdef SIGTSTP
        {SIGTSTP, "SIGTSTP"},
#endif
#ifdef SIGTTIN
        {SIGTTIN, "SIGTTIN"},
#endif
#ifdef SIGTTOU
        {SIGTTOU, "SIGTTOU"},
#endif
#ifdef SIGURG
        {SIGURG, "SIGURG"},
#endif
#ifdef SIGXCPU
        {SIGXCPU, "SIGXCPU"},
#endif
#ifdef SIGXFSZ
        {SIGXFSZ, "SIGXFSZ"},
#endif
#ifdef SIGVTALRM
        {SIGVTALRM, "SIGVTALRM"},
#endif
#ifdef SIGPROF
        {SIGPROF, "SIGPROF"},
#endif
#ifdef SIGWINCH
        {SIGWINCH, "SIGWINCH"},
#endif
#ifdef SIGIO
        {SIGIO, "SIGIO"},
#endif
#ifdef SIGPWR
        {SIGPWR, "SIGPWR"},
#endif
#ifdef SIGSYS
        {SIGSYS, "SIGSYS"},
#endif
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig) return names[i].name;
#if defined(SIGRTMIN) && defined(SIGRTMAX)
    if (sig >= SIGRTMIN && sig <= SIGRTMAX && buf && cap) {
        snprintf(buf, cap, "SIGRTMIN+%d", sig - SIGRTMIN);
        return buf;
    }
#else
    (void)buf; (void)cap;
#endif
    return NULL;
}

static uint64_t ms__mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t ms__unix_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Event clock: the CPU's invariant counter where there is one (no syscall, no vDSO
   call), converted to ns at analysis time against CLOCK_MONOTONIC. */
static inline uint64_t ms__ticks(void) {
#if defined(__x86_64__) || defined(__i386__)
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
#elif defined(__aarch64__)
    uint64_t v;
    __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
    return v;
#else
    return ms__mono_ns();
#endif
}

typedef struct ms__clock {
    uint64_t tick0, ns0;          /* first reading pair of the process */
    double   ns_per_tick;         /* from the longest interval measured so far */
    uint64_t calibrated_ns;       /* length of that interval */
} ms__clock;
static ms__clock ms__clk;

/* The process-wide locks, side by side in one page: the fork handlers take them all before
   a fork and release them after it, and in both processes every page a lock lies on is then
   a copy-on-write fault (they were on nine pages apart). */
static struct ms__locks {
    pthread_mutex_t clock, site, slab, sym, supp, prom, ctx, autoexp, trackers;
} ms__locks __attribute__((aligned(512))) = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                            PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                            PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
#define ms__clock_lock (ms__locks.clock)
#define ms__site_lock (ms__locks.site)
#define ms__slab_lock (ms__locks.slab)
#define ms__sym_lock (ms__locks.sym)
#define ms__supp_lock (ms__locks.supp)
#define ms__prom_lock (ms__locks.prom) /* the Prometheus files */
#define ms__ctx_lock (ms__locks.ctx)
#define ms__auto_lock (ms__locks.autoexp)
#define ms__trackers_lock (ms__locks.trackers)


/* A (CLOCK_MONOTONIC, counter) pair read as close together as this thread manages: the
   counter read on both sides of the clock, the tightest of a few tries kept, so that a
   preemption between the two readings does not skew the ratio (early in a process, the
   ratio comes from a few milliseconds). */
static void ms__clock_pair(uint64_t *ns, uint64_t *tick) {
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 5; i++) {
        uint64_t t1 = ms__ticks(), n = ms__mono_ns(), t2 = ms__ticks();
        if (t2 >= t1 && t2 - t1 < best) {
            best = t2 - t1;
            *ns = n;
            *tick = t1 + (t2 - t1) / 2;
        }
    }
    if (best == UINT64_MAX) { *ns = ms__mono_ns(); *tick = ms__ticks(); }
}

static void ms__clock_init(void) {
    ms__clock_pair(&ms__clk.ns0, &ms__clk.tick0);
    ms__clk.ns_per_tick = 1.0;
}

/* memscope_export_many: the state every file of one call is written from (this thread). */
typedef struct ms__freeze {
    memscope_tracker *t;
    memscope_report r;
    double ratio;
    uint64_t ticks;               /* events after this instant are left out */
} ms__freeze;
static _Thread_local ms__freeze *ms__frozen;

/* Called before converting ticks: refines the ratio over the longest interval so far
   (at least 0.5 ms, waiting for it once if the process is younger). */
static double ms__clock_ratio(void) {
    if (ms__frozen) return ms__frozen->ratio;
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
    pthread_mutex_lock(&ms__clock_lock);
    uint64_t ns, tick;
    ms__clock_pair(&ns, &tick);
    while (ns - ms__clk.ns0 < 500000u && ms__clk.calibrated_ns < 500000u) ms__clock_pair(&ns, &tick);
    if (ns - ms__clk.ns0 > ms__clk.calibrated_ns && tick > ms__clk.tick0) {
        ms__clk.ns_per_tick = (double)(ns - ms__clk.ns0) / (double)(tick - ms__clk.tick0);
        ms__clk.calibrated_ns = ns - ms__clk.ns0;
    }
    double r = ms__clk.ns_per_tick;
    pthread_mutex_unlock(&ms__clock_lock);
    return r;
#else
    return 1.0;
#endif
}

/* Events read the CPU's counter directly: one instruction, no syscall, and an order
   across threads that respects causality (a lock handed from thread A to B puts A's
   earlier events before B's later ones), which a coarser shared clock would not. */
static inline uint64_t ms__event_ticks(void) { return ms__ticks(); }

/* Per-thread cache of the OS thread id (reset in a forked child). */
static _Thread_local uint32_t ms__tls_tid;
static uint32_t ms__gettid(void) {
    if (MS__UNLIKELY(!ms__tls_tid)) ms__tls_tid = (uint32_t)syscall(SYS_gettid);
    return ms__tls_tid;
}

static pthread_once_t ms__process_once = PTHREAD_ONCE_INIT;
static void ms__process_init(void);
static void ms__ensure_process_init(void) { pthread_once(&ms__process_once, ms__process_init); }

/* ==== >>sampling ==== */

#define MS__SAMPLE_SEED 0x6d656d73636f7065ull /* "memscope" */

static inline uint64_t ms__mix64(uint64_t x) { /* splitmix64 finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* keep iff (hash >> 1) < threshold; threshold = rate * 2^63, so 1.0 keeps all, 0 none */
static uint64_t ms__rate_threshold(double rate) {
    if (rate >= 1.0) return 1ull << 63;
    if (rate <= 0.0) return 0;
    return (uint64_t)(rate * 9223372036854775808.0);
}

static int ms__rate_valid(double rate) { return rate >= 0.0 && rate <= 1.0; } /* NaN fails */

/* double -> uint64_t without undefined behaviour: NaN and below 0 give 0, 2^64 and above
   (inf included) give UINT64_MAX. Values read from a file may be anything. */
MS__MAYBE_UNUSED static uint64_t ms__d2u64(double v) {
    if (!(v > 0.0)) return 0;
    if (v >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)v;
}

/* ln(x) for 0 < x <= 1 and exp(-x) for x >= 0, without libm: accurate to ~1e-7, which is
   plenty for drawing sampling gaps and weights. */
MS__MAYBE_UNUSED static double ms__ln(double x) {
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    int e = (int)((b >> 52) & 0x7ff) - 1023;
    b = (b & ~(0x7ffull << 52)) | (1023ull << 52); /* mantissa in [1, 2) */
    double m;
    memcpy(&m, &b, sizeof m);
    if (m > 1.41421356237) { m *= 0.5; e++; }
    double s = (m - 1) / (m + 1), s2 = s * s;
    double r = 2 * s * (1 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 + s2 / 11)))));
    return r + e * 0.69314718055994530942;
}
static double ms__exp_neg(double x) { /* e^-x */
    if (x > 700) return 0.0;
    int k = (int)(x / 0.69314718055994530942);
    double r = x - k * 0.69314718055994530942, term = 1, sum = 1; /* e^-r, 0 <= r < ln 2 */
    for (int i = 1; i < 16; i++) { term *= -r / i; sum += term; }
    while (k-- > 0) sum *= 0.5;
    return sum;
}
/* 1 / (1 - e^(-size/mean)): the weight that makes a byte-sampled allocation count for
   the allocations it stands for (the chance of sampling a block of `size` bytes). */
MS__MAYBE_UNUSED static double ms__sample_weight(uint64_t size, uint64_t mean) {
    double x = (double)size / (double)mean;
    double p = x < 1e-3 ? x * (1 - x * (0.5 - x / 6)) : 1 - ms__exp_neg(x);
    return p > 0 ? 1.0 / p : 0.0;
}

/* FNV-1a over a string, folded into h: the site hash depends on text, not addresses. */
static uint64_t ms__hash_str(uint64_t h, const char *s) {
    if (!s) return ms__mix64(h ^ 0x9e3779b97f4a7c15ull);
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return (h ^ 0xff) * 0x100000001b3ull;
}

static uint64_t ms__site_hash(const char *name, const char *type, const char *file, uint32_t line) {
    uint64_t h = 0xcbf29ce484222325ull;
    h = ms__hash_str(h, name);
    h = ms__hash_str(h, type);
    h = ms__hash_str(h, file);
    return ms__mix64(h ^ line);
}

/* ==== >>recorder ==== */

/* --- site registry: process-wide, ids dense from 1; id 0 = "unknown site" --- */

#define MS__SITE_CHUNK 4096u
#define MS__SITE_CHUNKS 1024u     /* up to 4 194 303 distinct sites */
static memscope_site *_Atomic *ms__site_table[MS__SITE_CHUNKS];
static _Atomic uint32_t ms__site_count = 1;
static memscope_site ms__unknown_site = {"?", "?", NULL, 0, 0, 0};

/* Interned sites of memscope_track_as: own copies of the strings, one per distinct
   (name, type, file, line), kept for the life of the process. */
typedef struct ms__interned {
    memscope_site site;
    struct ms__interned *next;
} ms__interned;
#define MS__INTERN_BUCKETS 4096u
static ms__interned *ms__intern_buckets[MS__INTERN_BUCKETS];

static memscope_site *ms__site_by_id(uint32_t id) {
    if (!id || id >= atomic_load_explicit(&ms__site_count, MS__ACQUIRE)) return &ms__unknown_site;
    memscope_site *_Atomic *chunk = ms__site_table[id / MS__SITE_CHUNK];
    memscope_site *s = chunk ? atomic_load_explicit(&chunk[id % MS__SITE_CHUNK], MS__ACQUIRE) : NULL;
    return s ? s : &ms__unknown_site;
}

/* Gives a site its id (once per site); called with ms__site_lock held. */
/* own: the site is memscope's already (an interned one), kept as it is */
static uint32_t ms__site_assign_locked(memscope_site *site, int own) {
    uint32_t id = MS__PLAIN_LOAD(&site->id, __ATOMIC_ACQUIRE);
    if (id) return id;
    id = atomic_load_explicit(&ms__site_count, MS__RELAXED);
    if (id >= MS__SITE_CHUNK * MS__SITE_CHUNKS) return 0;
    uint32_t ci = id / MS__SITE_CHUNK;
    if (!ms__site_table[ci]) {
        ms__site_table[ci] = (memscope_site *_Atomic *)ms__calloc(MS__SITE_CHUNK, sizeof(memscope_site *));
        if (!ms__site_table[ci]) return 0;
    }
    MS__PLAIN_STORE(&site->hash, ms__site_hash(site->var_name, site->type_name, site->file, site->line),
                     __ATOMIC_RELAXED);
    /* the table keeps a copy, strings included: a TRACK site lives in the static data of the
       module that holds it, which dlclose may unmap while its events are still reported */
    if (own) {
        atomic_store_explicit(&ms__site_table[ci][id % MS__SITE_CHUNK], site, MS__RELEASE);
        atomic_store_explicit(&ms__site_count, id + 1, MS__RELEASE);
        MS__PLAIN_STORE(&site->id, id, __ATOMIC_RELEASE);
        return id;
    }
    const char *str[3] = {site->var_name, site->type_name, site->file};
    size_t len[3], total = sizeof(memscope_site);
    for (int i = 0; i < 3; i++) total += (len[i] = str[i] ? strlen(str[i]) + 1 : 0);
    memscope_site *copy = (memscope_site *)MEMSCOPE_MALLOC(total); /* one block: the site, then its strings */
    if (!copy) return 0;
    *copy = *site;
    char *at = (char *)(copy + 1);
    const char **dst[3] = {&copy->var_name, &copy->type_name, &copy->file};
    for (int i = 0; i < 3; i++) {
        if (!str[i]) continue;
        memcpy(at, str[i], len[i]);
        *dst[i] = at;
        at += len[i];
    }
    copy->id = id;
    atomic_store_explicit(&ms__site_table[ci][id % MS__SITE_CHUNK], copy, MS__RELEASE);
    atomic_store_explicit(&ms__site_count, id + 1, MS__RELEASE);
    MS__PLAIN_STORE(&site->id, id, __ATOMIC_RELEASE);
    return id;
}

static MS__NOINLINE uint32_t ms__site_register(memscope_site *site) {
    pthread_mutex_lock(&ms__site_lock);
    uint32_t id = ms__site_assign_locked(site, 0);
    pthread_mutex_unlock(&ms__site_lock);
    return id;
}

static int ms__str_eq(const char *a, const char *b) {
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int ms__site_equal(const memscope_site *s, const char *name, const char *type,
                          const char *file, uint32_t line) {
    return s->line == line && ms__str_eq(s->var_name, name) && ms__str_eq(s->type_name, type) &&
           ms__str_eq(s->file, file);
}

/* Per-thread cache in front of the interning table, so repeated memscope_track_as
   calls with the same strings take no lock. */
#define MS__INTERN_CACHE 64u
static _Thread_local struct { uint64_t hash; memscope_site *site; } ms__tls_intern[MS__INTERN_CACHE];

static uint32_t ms__site_intern(const char *name, const char *type, const char *file, uint32_t line) {
    uint64_t h = ms__site_hash(name, type, file, line);
    unsigned slot = (unsigned)(h % MS__INTERN_CACHE);
    memscope_site *c = ms__tls_intern[slot].site;
    if (c && ms__tls_intern[slot].hash == h && ms__site_equal(c, name, type, file, line)) return c->id;

    pthread_mutex_lock(&ms__site_lock);
    ms__interned **bucket = &ms__intern_buckets[h % MS__INTERN_BUCKETS], *e;
    for (e = *bucket; e; e = e->next)
        if (e->site.hash == h && ms__site_equal(&e->site, name, type, file, line)) break;
    if (!e) {
        e = (ms__interned *)ms__calloc(1, sizeof *e);
        char *n = name ? ms__strdup(name) : NULL, *ty = type ? ms__strdup(type) : NULL;
        char *f = file ? ms__strdup(file) : NULL;
        if (!e || (name && !n) || (type && !ty) || (file && !f)) {
            MEMSCOPE_FREE(e); MEMSCOPE_FREE(n); MEMSCOPE_FREE(ty); MEMSCOPE_FREE(f);
            pthread_mutex_unlock(&ms__site_lock);
            return 0;
        }
        e->site.var_name = n ? n : "";
        e->site.type_name = ty ? ty : "void *";
        e->site.file = f;
        e->site.line = line;
        if (!ms__site_assign_locked(&e->site, 1)) {
            MEMSCOPE_FREE(e); MEMSCOPE_FREE(n); MEMSCOPE_FREE(ty); MEMSCOPE_FREE(f);
            pthread_mutex_unlock(&ms__site_lock);
            return 0;
        }
        e->next = *bucket;
        *bucket = e;
    }
    pthread_mutex_unlock(&ms__site_lock);
    ms__tls_intern[slot].hash = h;
    ms__tls_intern[slot].site = &e->site;
    return e->site.id;
}

/* --- events: fixed 32-byte records in per-thread chunks --- */

typedef struct ms__event {
    uint64_t ticks;
    uint64_t address;
    uint64_t size_kind;      /* size << 1 | (1 for FREE) */
    uint32_t site;           /* site id of the allocation */
    uint32_t aux;            /* ALLOC: stack id; FREE: index of the allocating thread */
} ms__event;
_Static_assert(sizeof(ms__event) == 32, "an event record must stay 32 bytes");

typedef struct ms__chunk {
    _Atomic uint32_t count;                  /* published with release by the owner */
    uint32_t seq;                            /* log chunks: position in the thread's log, from 0 */
    struct ms__chunk *_Atomic next;
    uint32_t words;                          /* log chunks: room, in 8-byte words */
    uint32_t heap;                           /* a thread's first, small log chunks: from the heap */
    char pad[40];
    ms__event ev[MEMSCOPE_EVENT_CHUNK];
} ms__chunk;
_Static_assert(sizeof(ms__chunk) == 256 * 1024, "a chunk is exactly 256 KiB of mapped memory");

/* Chunks never come from the heap being tracked: they are cut from 2 MiB slabs, mapped at
   a 2 MiB boundary; each is pre-faulted in one call when it is handed out (far cheaper
   than a fault per 128 events). A slab's rest is used by the next chunk of any thread.
   In log mode (>>resolve), which fills chunks fast, slabs are asked for as huge pages
   where the kernel has them and faulted in whole by the ticker thread ahead of need. */
#define MS__SLAB_BYTES (2u << 20)
#define MS__MADV_HUGEPAGE 14
#define MS__MADV_POPULATE_WRITE 23
#define MS__SLAB_READY_MAX 4u
static char *ms__slab;
static unsigned ms__slab_left;
static char *ms__slab_ready[MS__SLAB_READY_MAX]; /* faulted in ahead by a background thread */
static unsigned ms__slab_nready, ms__slab_taken;
static _Atomic int ms__slab_whole;                /* log mode: huge pages, faulted in whole */

static void ms__populate(char *a, size_t n) {
    if (madvise(a, n, MS__MADV_POPULATE_WRITE) != 0) /* before Linux 5.14 */
        for (size_t off = 0; off < n; off += 4096) a[off] = 0;
}

static char *ms__slab_new(void) {
    char *p = (char *)mmap(NULL, 2 * MS__SLAB_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == (char *)MAP_FAILED) return NULL;
    char *a = p + ((MS__SLAB_BYTES - (uintptr_t)p % MS__SLAB_BYTES) % MS__SLAB_BYTES);
    if (a > p) munmap(p, (size_t)(a - p));
    munmap(a + MS__SLAB_BYTES, (size_t)(p + 2 * MS__SLAB_BYTES - (a + MS__SLAB_BYTES)));
    if (atomic_load_explicit(&ms__slab_whole, MS__RELAXED)) {
        madvise(a, MS__SLAB_BYTES, MS__MADV_HUGEPAGE);
        ms__populate(a, MS__SLAB_BYTES);
    }
    return a;
}

/* Keeps slabs faulted in ahead of need: one, or as many as were taken since the last call
   (up to four), so a thread that fills chunks fast does not wait for the kernel. */
MS__MAYBE_UNUSED static void ms__slab_refill(void) {
    pthread_mutex_lock(&ms__slab_lock);
    /* none before the first slab was used: a thread's first log chunks come from the heap,
       and a short process should not fault in 2 MiB it never uses */
    unsigned want = ms__slab ? 1 + ms__slab_taken : 0;
    ms__slab_taken = 0;
    if (want > MS__SLAB_READY_MAX) want = MS__SLAB_READY_MAX;
    unsigned have = ms__slab_nready;
    pthread_mutex_unlock(&ms__slab_lock);
    for (; have < want; have++) {
        char *a = ms__slab_new();
        if (!a) return;
        pthread_mutex_lock(&ms__slab_lock);
        if (ms__slab_nready < MS__SLAB_READY_MAX) { ms__slab_ready[ms__slab_nready++] = a; a = NULL; }
        pthread_mutex_unlock(&ms__slab_lock);
        if (a) { munmap(a, MS__SLAB_BYTES); return; }
    }
}

/* Chunks that were given back, kept for reuse: a stream hands out and takes back chunks at
   the rate of the program's allocations, which would otherwise fault in (and zero) fresh
   pages for each. ms__chunks_out counts the chunks handed out and not given back. */
#define MS__CHUNK_CACHE 16u
static ms__chunk *ms__chunk_cache;
static unsigned ms__chunk_cached;
static _Atomic uint64_t ms__chunks_out;
static _Atomic int ms__chunk_short;              /* a chunk could not be mapped: keep them all */

static ms__chunk *ms__chunk_map(void) {
    pthread_mutex_lock(&ms__slab_lock);
    if (ms__chunk_cache) {
        ms__chunk *c = ms__chunk_cache;
        ms__chunk_cache = atomic_load_explicit(&c->next, MS__RELAXED);
        ms__chunk_cached--;
        pthread_mutex_unlock(&ms__slab_lock);
        atomic_store_explicit(&c->count, 0, MS__RELAXED);
        atomic_store_explicit(&c->next, NULL, MS__RELAXED);
        c->seq = 0;
        c->words = (uint32_t)(sizeof c->ev / (sizeof(uint64_t)));
        atomic_fetch_add_explicit(&ms__chunks_out, 1, MS__RELAXED);
        return c;
    }
    if (!ms__slab_left) {
        char *a;
        if (ms__slab_nready) {
            a = ms__slab_ready[--ms__slab_nready];
            ms__slab_taken++;
        } else if (!(a = ms__slab_new())) {
            pthread_mutex_unlock(&ms__slab_lock);
            return NULL;
        }
        ms__slab = a;
        ms__slab_left = MS__SLAB_BYTES / sizeof(ms__chunk);
    }
    ms__chunk *c = (ms__chunk *)(void *)ms__slab;
    ms__slab += sizeof(ms__chunk);
    ms__slab_left--;
    int whole = atomic_load_explicit(&ms__slab_whole, MS__RELAXED);
    pthread_mutex_unlock(&ms__slab_lock);
    if (!whole) ms__populate((char *)c, sizeof *c);
    c->words = (uint32_t)(sizeof c->ev / (sizeof(uint64_t)));
    atomic_fetch_add_explicit(&ms__chunks_out, 1, MS__RELAXED);
    return c;
}
/* A small log chunk of `words` words (a thread's first ones: most threads log little). */
MS__MAYBE_UNUSED static ms__chunk *ms__chunk_small(uint32_t words) {
    void *raw = ms__calloc(1, offsetof(ms__chunk, ev) + (size_t)words * sizeof(uint64_t));
    if (!raw) return NULL;
    __asm__("" : "+r"(raw)); /* a chunk's header over a shorter block: only its first words are used */
    ms__chunk *c = (ms__chunk *)raw;
    c->words = words;
    c->heap = 1;
    atomic_fetch_add_explicit(&ms__chunks_out, 1, MS__RELAXED);
    return c;
}
static void ms__chunk_unmap(ms__chunk *c) {
    atomic_fetch_sub_explicit(&ms__chunks_out, 1, MS__RELAXED);
    if (c->heap) { MEMSCOPE_FREE(c); return; }
    pthread_mutex_lock(&ms__slab_lock);
    if (ms__chunk_cached < MS__CHUNK_CACHE || atomic_load_explicit(&ms__chunk_short, MS__RELAXED)) {
        atomic_store_explicit(&c->next, ms__chunk_cache, MS__RELAXED);
        ms__chunk_cache = c;
        ms__chunk_cached++;
        c = NULL;
    }
    pthread_mutex_unlock(&ms__slab_lock);
    if (c) munmap(c, sizeof *c);
}

/* --- per (tracker, thread) record: written by its thread only, except the
   _remote counters which other threads add to when they free its allocations --- */

#define MS__STAT_CHUNK 512u               /* sites per counter chunk (8 KiB) */
#define MS__STAT_CHUNKS 8192u              /* chunk 0 in the record, the rest in a directory */
typedef struct ms__site_stat { _Atomic uint64_t count, bytes; } ms__site_stat;

typedef struct ms__stack_cache_entry { uint64_t hash; const struct ms__stack *stack; uint32_t id; } ms__stack_cache_entry;
#define MS__STACK_CACHE 4096u            /* per thread that records many stacks: 96 KiB */
#define MS__STACK_CACHE_MIN 256u         /* to begin with (6 KiB), grown when it misses often */

typedef struct ms__cursor {
    struct ms__thread *th;
    struct ms__chunk *chunk, *last;
    uint32_t i, n, last_n;
    struct ms__cursor *next;                  /* next cursor of the same merge */
} ms__cursor;

typedef struct ms__thread {
    uint64_t seq;                             /* sampling sequence number */
    ms__chunk *tail;                          /* chunk being filled */
    uint32_t tail_count;
    uint32_t index;                           /* position in the tracker's thread list */
    uint32_t tid;
    char name[16];
    _Atomic uint64_t allocs, alloc_bytes;     /* recorded TRACKs by this thread */
    _Atomic uint64_t frees, free_bytes;       /* recorded frees performed by this thread */
    _Atomic uint64_t own_freed_local;         /* bytes of this thread's allocations it freed */
    _Atomic uint64_t peak_bytes;
    _Atomic uint64_t dropped;
    _Atomic int removing;                     /* see the asymmetric fence of the live table */
    _Atomic uint64_t own_freed_remote __attribute__((aligned(64))); /* freed by others */
    ms__chunk *_Atomic head __attribute__((aligned(64)));
    uint32_t head_i;                          /* events of head before it were streamed out */
    ms__site_stat *_Atomic stats0;            /* sites 0 .. MS__STAT_CHUNK - 1 */
    ms__site_stat *_Atomic *_Atomic stats_dir; /* chunk i of the others at [i], made on first use */
    uintptr_t stack_lo, stack_hi;             /* for the frame-pointer walk */
    uintptr_t stack_span;                     /* a frame f is in the stack: f - stack_lo <= span */
    ms__stack_cache_entry *stack_cache;
    uint32_t stack_cache_n, stack_misses;
    uint32_t last_stack_id, last_stack_n;     /* this thread's latest stack, checked first */
    uintptr_t last_stack[MEMSCOPE_MAX_STACK_DEPTH];
    void *walk_cache;                         /* the hooks' last walks, to replay and join (ms__walk_caches) */
    _Atomic double w_count, w_bytes;          /* byte sampling: weighted estimates */
    struct ms__event *last_alloc;             /* the hooks' last alloc event, for TRACK names */
    /* log mode (whole-program full capture, see >>resolve): the thread's log of compact
       records, written by it; the resolver's position in it, under analysis_lock */
    _Atomic int logging;                      /* inside a log push: see ms__log_switch */
    uint32_t log_left;                        /* events until the next counter read */
    uint32_t log_budget;                      /* events reserved and not yet logged */
    uint32_t log_n;                           /* words used in log_tail */
    uint32_t log_seq;                         /* seq of the next log chunk */
    uint64_t log_tick, log_written;           /* the stamp now; the last one in the log */
    uintptr_t log_recent[512];                /* addresses this thread allocated lately */
    uint32_t log_cap;                         /* words of log_tail */
    struct ms__chunk *_Atomic log_head;
    struct ms__chunk *log_tail;
    char rv_pad[64];                          /* the resolver's fields below, written at every record by
                                                 the thread that resolves, share no cache line with the
                                                 log fields above, which this thread reads at every push */
    struct ms__chunk *rv_chunk, *rv_end;      /* resolved up to (rv_chunk, rv_n) */
    uint32_t rv_n, rv_end_n;                  /* the pass's snapshot ends at (rv_end, rv_end_n) */
    uint32_t rv_vis_seq, rv_vis_n;            /* visible before the latest snapshot */
    uint64_t rv_tick;                         /* the stamp of the group at (rv_chunk, rv_n) */
    uint64_t rv_span;                         /* to the next stamp record */
    double rv_step;                           /* rv_span / rv_m */
    uint32_t rv_m, rv_j;                      /* events in the group (0: not known yet), done */
    const uint64_t *rv_at;                    /* the record rv_rec was decoded from */
    struct { int kind; unsigned words; uint64_t addr, size, tick; uint32_t site, stack; } rv_rec;
    uint64_t rv_emitted;                      /* time of this thread's latest event written */
    int rv_blocked;
    int rv_flat;                              /* the group's events at its stamp (not spread) */
    struct ms__thread *rv_next;
    struct ms__thread *_Atomic next;
    ms__cursor cursor;                        /* used by merges, under analysis_lock */
} ms__thread;

/* --- the live-allocation table ---
   64 shards of open-addressing slots, all operations lock-free (CAS on the key word).
   A slot's key is EMPTY, TOMB, BUSY (being written), or an address; bit 63 set =
   frozen by a rebuild. A rebuild (to clear tombstones or grow) freezes every slot of
   its shard, so any concurrent CAS fails and the operation retries once the shard's
   generation has moved on; lookups that find nothing re-check the generation. */

#define MS__SHARDS 64u
#define MS__SHARD_MIN 16u
#define MS__MAX_PROBE 32u
#define MS__KEY_EMPTY 0ull
#define MS__KEY_TOMB 0x7ffffffffffffffeull
#define MS__KEY_BUSY 0x7fffffffffffffffull
#define MS__KEY_FROZEN (1ull << 63)

typedef struct ms__slot {
    _Atomic uint64_t key;
    _Atomic uint64_t size;
    _Atomic uint64_t site_owner;  /* site id << 32 | owner thread index */
    _Atomic uint64_t stack;
} ms__slot;

typedef struct ms__table {
    uint64_t mask;
    struct ms__table *retired_next;
    ms__slot slots[];
} ms__table;

typedef struct ms__shard {
    ms__table *_Atomic table;
    _Atomic uint64_t gen;         /* odd while a rebuild runs */
    _Atomic int rebuilding;
    char pad[64 - sizeof(void *) - sizeof(uint64_t) - sizeof(int)];
} ms__shard;
_Static_assert(sizeof(ms__shard) == 64, "one shard per cache line");

typedef struct ms__live { uint64_t size; uint32_t site, owner; uint32_t stack; } ms__live;

/* The resolver's table of live blocks (log mode): address -> the allocation. */
/* 48 bytes, at most 3/4 full: the table follows the blocks live at once. ev: the event in th's
   chunks, or in a stream its number in the ring (see ms__rv_event). */
typedef struct ms__rent { uint64_t addr, size, ticks; union { struct ms__event *p; uint64_t seq; } ev; uint32_t site, owner, stack, origin; } ms__rent;
/* A stream's resolved events on their way to the file, in the order the resolver applied
   them (its merged order): held a short while so that a TRACK right after its malloc can
   still name the allocation event. Event number `done` is at `head`. */
typedef struct ms__ringev { struct ms__event e; struct ms__thread *th; } ms__ringev;
typedef struct ms__ring { ms__ringev *ev; uint32_t cap, head, n; uint64_t done; } ms__ring;
typedef struct ms__resolver {
    ms__rent *slot;
    uint64_t cap, n, voided;
    int nofork, mapped;            /* a stream's: tables by ms__map_nofork; the table is one */
    uint64_t ended[256][2];        /* address, time of its latest free: a new block there comes after */
} ms__resolver;

/* ==== the tracker ==== */

struct ms__loaded; /* >>reader */

struct memscope_tracker {
    uint64_t id;                               /* never reused; keys thread-local caches */
    _Atomic uint64_t threshold;                /* sampling */
    _Atomic int capture_stacks;
    _Atomic uint32_t stack_depth;
    _Atomic uint64_t sample_rate_bits;         /* the double, for reports */
    _Atomic uint64_t max_events;
    _Atomic uint64_t sample_bytes;             /* byte sampling mean of the hooks, 0 = off */
    _Atomic uint64_t events_reserved;          /* chunk-granular reservation count */
    _Atomic int overflow;                      /* the bound was reached: see ms__event_overflow */
    _Atomic int64_t ov_live __attribute__((aligned(64)));  /* live bytes since the overflow */
    _Atomic int64_t ov_peak;                   /* max of ov_live */
    char ov_pad[64 - 2 * sizeof(int64_t)];
    uint64_t start_ticks, start_mono_ns, start_unix_ms;
    ms__shard shards[MS__SHARDS];
    _Atomic unsigned char *seen;               /* MS__SEEN_BYTES: see ms__maybe_live */
    ms__table *retired;                        /* grown-out tables, freed at destroy */
    pthread_mutex_t retired_lock;
    ms__thread *_Atomic threads;               /* newest first */
    _Atomic uint32_t thread_count;
    struct ms__index_block *_Atomic index;     /* index -> record, for remote frees */
    struct ms__index_block *retired_index;     /* outgrown index blocks, freed at destroy */
    pthread_mutex_t threads_lock;
    struct ms__stacks *_Atomic stacks;
    pthread_mutex_t stacks_lock;
    pthread_mutex_t analysis_lock;             /* merges; guards the cached peak */
    struct memscope_tracker *all_next;         /* every tracker, for the fork handlers */
    uint64_t peak_cached, peak_key;
    int peak_valid;
    _Atomic int monitoring;
    uint64_t mon_first_seq;                    /* first snapshot of this tracker's window */
    struct ms__loaded *loaded;                 /* memscope_load: the file's contents */
    char *auto_export_path;
    char *auto_also[7];                        /* memscope_with_auto_export_also */
    unsigned auto_also_n;
    _Atomic int exported;
    struct memscope_tracker *auto_next;        /* list of trackers to export at exit */
    _Atomic int log_mode;                      /* 1 log, 2 switching to 0 (the live table) */
    int rv_spread;                             /* the hooks' log: a group's events spread over it */
    int rv_hold;                               /* export_many: the frontier stays put */
    char rv_pad[64];                           /* rv, ring and wr_* (written at every event by the thread
                                                  that resolves) share no cache line with log_mode and
                                                  the options above, which every hooked call reads */
    ms__resolver rv;                           /* under analysis_lock */
    ms__ring ring;                             /* a stream's resolved events (under analysis_lock) */
    /* streaming (>>hooks): the events written out so far are gone from memory; these carry
       what the merge over the rest needs (under analysis_lock) */
    struct ms__stream *stream;
    _Atomic int streaming;                     /* the stream's writer is running: brakes apply */
    _Atomic int names_hooked;                  /* a TRACK named a hooked block: the ring holds events */
    uint64_t wr_live, wr_peak;                 /* live bytes after the written events; their peak */
    _Atomic uint64_t wr_upto;                  /* ticks: every event logged before is in the file (0: not known) */
    _Atomic uint64_t wr_brake;                 /* ticks: the lag past which a thread that needs a log chunk waits */
    _Atomic uint64_t wr_dropped;               /* events past the stream's cap, not written */
    int skip_idle_threads;                     /* a forked child: the parent's threads are not its own */
    struct ms__chunk *wr_graveyard;            /* written chunks a thread may still point into */
    pthread_t wr_thread;                       /* a TRACK tracker's stream writer (joined at its end) */
    int wr_thread_on;
    _Atomic int wr_stop;
};

typedef struct ms__index_block {
    struct ms__index_block *prev;
    uint32_t cap;
    ms__thread *rec[];
} ms__index_block;

static _Atomic uint64_t ms__next_tracker_id = 1;

/* Thread-local cache: which record this thread uses for which tracker. */
#define MS__TLS_TRACKERS 4
static _Thread_local struct { uint64_t id; ms__thread *rec; } ms__tls_rec[MS__TLS_TRACKERS];

/* Count first, then the block: any block published after a record's count has it. */
static ms__thread *ms__thread_by_index(memscope_tracker *t, uint32_t index) {
    if (index >= atomic_load_explicit(&t->thread_count, MS__ACQUIRE)) return NULL;
    ms__index_block *b = atomic_load_explicit(&t->index, MS__ACQUIRE);
    return b && index < b->cap ? b->rec[index] : NULL;
}

static MS__NOINLINE ms__thread *ms__thread_slow(memscope_tracker *t) {
    for (int i = 1; i < MS__TLS_TRACKERS; i++) {
        if (ms__tls_rec[i].id == t->id) {  /* move to front */
            ms__thread *rec = ms__tls_rec[i].rec;
            ms__tls_rec[i] = ms__tls_rec[0];
            ms__tls_rec[0].id = t->id;
            ms__tls_rec[0].rec = rec;
            return rec;
        }
    }
    uint32_t tid = ms__gettid();
    pthread_mutex_lock(&t->threads_lock);
    ms__thread *rec = atomic_load_explicit(&t->threads, MS__ACQUIRE);
    while (rec && rec->tid != tid) rec = atomic_load_explicit(&rec->next, MS__RELAXED);
    if (!rec) {
        uint32_t n = atomic_load_explicit(&t->thread_count, MS__RELAXED);
        ms__index_block *ix = atomic_load_explicit(&t->index, MS__RELAXED);
        if (!ix || n == ix->cap) { /* grow; readers may still use the old block */
            uint32_t cap = ix ? ix->cap * 2 : 16;
            ms__index_block *nb = (ms__index_block *)ms__calloc(1, sizeof *nb + cap * sizeof(ms__thread *));
            if (!nb) { pthread_mutex_unlock(&t->threads_lock); return NULL; }
            nb->cap = cap;
            if (ix) memcpy(nb->rec, ix->rec, n * sizeof(ms__thread *));
            if (ix) { ix->prev = t->retired_index; t->retired_index = ix; }
            atomic_store_explicit(&t->index, nb, MS__RELEASE);
            ix = nb;
        }
        rec = (ms__thread *)MEMSCOPE_MALLOC(sizeof *rec);
        if (!rec) { pthread_mutex_unlock(&t->threads_lock); return NULL; }
        memset(rec, 0, sizeof *rec);
        rec->tid = tid;
        rec->index = n;
        if (pthread_getname_np(pthread_self(), rec->name, sizeof rec->name) != 0) rec->name[0] = 0;
        ix->rec[n] = rec;
        atomic_store_explicit(&rec->next, atomic_load_explicit(&t->threads, MS__RELAXED), MS__RELAXED);
        atomic_store_explicit(&t->threads, rec, MS__RELEASE);
        atomic_store_explicit(&t->thread_count, n + 1, MS__RELEASE);
    }
    pthread_mutex_unlock(&t->threads_lock);
    for (int i = MS__TLS_TRACKERS - 1; i > 0; i--) ms__tls_rec[i] = ms__tls_rec[i - 1]; /* drop the oldest */
    ms__tls_rec[0].id = t->id;
    ms__tls_rec[0].rec = rec;
    return rec;
}

MS__HOT ms__thread *ms__thread_get(memscope_tracker *t) {
    if (MS__LIKELY(ms__tls_rec[0].id == t->id)) return ms__tls_rec[0].rec;
    return ms__thread_slow(t);
}

/* Appends an event to this thread's buffer; counts it as dropped past the bound. */
static MS__NOINLINE ms__event *ms__event_new_chunk(memscope_tracker *t, ms__thread *th) {
    uint64_t max = atomic_load_explicit(&t->max_events, MS__RELAXED);
    /* past the bound: a plain load, so dropping stays cheap and uncontended */
    if (atomic_load_explicit(&t->events_reserved, MS__RELAXED) >= max) return NULL;
    uint64_t prev = atomic_fetch_add_explicit(&t->events_reserved, MEMSCOPE_EVENT_CHUNK, MS__RELAXED);
    if (prev >= max) {
        atomic_fetch_sub_explicit(&t->events_reserved, MEMSCOPE_EVENT_CHUNK, MS__RELAXED);
        return NULL;
    }
    ms__chunk *c = ms__chunk_map();
    if (!c) {
        atomic_fetch_sub_explicit(&t->events_reserved, MEMSCOPE_EVENT_CHUNK, MS__RELAXED);
        return NULL;
    }
    if (th->tail) atomic_store_explicit(&th->tail->next, c, MS__RELEASE);
    else atomic_store_explicit(&th->head, c, MS__RELEASE);
    th->tail = c;
    th->tail_count = 0;
    return &c->ev[0];
}

/* Past the bound: the event is counted as dropped and, so that the peak stays exact,
   live bytes from here on are summed in shared counters (the only shared writes of
   the recording path, and only once the bound was reached). */
static MS__NOINLINE void ms__event_overflow(memscope_tracker *t, ms__thread *th, uint64_t size_kind) {
    if (!atomic_load_explicit(&t->overflow, MS__RELAXED)) atomic_store(&t->overflow, 1);
    MS__OWNER_ADD(&th->dropped, 1);
    int64_t size = (int64_t)(size_kind >> 1);
    if (size_kind & 1) {
        atomic_fetch_sub_explicit(&t->ov_live, size, MS__RELAXED);
        return;
    }
    int64_t live = atomic_fetch_add_explicit(&t->ov_live, size, MS__RELAXED) + size;
    int64_t peak = atomic_load_explicit(&t->ov_peak, MS__RELAXED);
    while (live > peak && !atomic_compare_exchange_weak_explicit(&t->ov_peak, &peak, live, MS__RELAXED, MS__RELAXED)) {}
}

MS__HOT void ms__event_push(memscope_tracker *t, ms__thread *th, uint64_t address,
                            uint64_t size_kind, uint32_t site, uint32_t aux) {
    ms__event *e;
    if (MS__LIKELY(th->tail && th->tail_count < MEMSCOPE_EVENT_CHUNK &&
                   !atomic_load_explicit(&t->overflow, MS__RELAXED)))
        e = &th->tail->ev[th->tail_count];
    else if (atomic_load_explicit(&t->overflow, MS__RELAXED) || !(e = ms__event_new_chunk(t, th))) {
        ms__event_overflow(t, th, size_kind);
        return;
    }
    e->ticks = ms__event_ticks();
    e->address = address;
    e->size_kind = size_kind;
    e->site = site;
    e->aux = aux;
    atomic_store_explicit(&th->tail->count, ++th->tail_count, MS__RELEASE);
}

/* Where counter chunk ci of th is: chunk 0 in the record, the others in a directory made on
   first use (make), so a thread costs 8 KiB of counters, not 64. NULL: absent or no memory. */
static ms__site_stat *_Atomic *ms__stat_slot(ms__thread *th, uint32_t ci, int make) {
    if (!ci) return &th->stats0;
    if (ci >= MS__STAT_CHUNKS) return NULL;
    ms__site_stat *_Atomic *dir = atomic_load_explicit(&th->stats_dir, MS__ACQUIRE);
    if (!dir && make) { /* another thread's resolver may make it too: the first one stays */
        ms__site_stat *_Atomic *nd = (ms__site_stat *_Atomic *)ms__calloc(MS__STAT_CHUNKS, sizeof *nd);
        if (!nd) return NULL;
        if (atomic_compare_exchange_strong(&th->stats_dir, &dir, nd)) dir = nd;
        else MEMSCOPE_FREE((void *)nd);
    }
    return dir ? &dir[ci] : NULL;
}
/* How many counter chunks a walk over th's must look at: chunk 0 alone until a directory exists. */
static uint32_t ms__stat_chunks_used(ms__thread *th) {
    return atomic_load_explicit(&th->stats_dir, MS__ACQUIRE) ? MS__STAT_CHUNKS : 1u;
}
static ms__site_stat *ms__stat_chunk(ms__thread *th, uint32_t ci) {
    ms__site_stat *_Atomic *slot = ms__stat_slot(th, ci, 0);
    return slot ? atomic_load_explicit(slot, MS__ACQUIRE) : NULL;
}

MS__HOT ms__site_stat *ms__site_stat_get(ms__thread *th, uint32_t site) {
    ms__site_stat *c = site < MS__STAT_CHUNK ? atomic_load_explicit(&th->stats0, MS__RELAXED) : ms__stat_chunk(th, site / MS__STAT_CHUNK);
    if (MS__UNLIKELY(!c)) {
        ms__site_stat *_Atomic *slot = ms__stat_slot(th, site / MS__STAT_CHUNK, 1);
        if (!slot) return NULL;
        ms__site_stat *nc = (ms__site_stat *)ms__calloc(MS__STAT_CHUNK, sizeof *nc);
        if (!nc) return NULL;
        if (atomic_compare_exchange_strong(slot, &c, nc)) c = nc;
        else MEMSCOPE_FREE(nc);
    }
    return &c[site % MS__STAT_CHUNK];
}

/* --- live table operations --- */

static inline uint64_t ms__addr_hash(uint64_t a) { return ms__mix64(a); }

static ms__table *ms__table_new(uint64_t cap) {
    ms__table *tab = (ms__table *)ms__calloc(1, sizeof(ms__table) + cap * sizeof(ms__slot));
    if (tab) tab->mask = cap - 1;
    return tab;
}

static void ms__wait_gen(ms__shard *sh, uint64_t g0) {
    for (int spins = 0;; spins++) {
        uint64_t g = atomic_load_explicit(&sh->gen, MS__ACQUIRE);
        if (g != g0 && !(g & 1)) return;
        if (spins > 64) sched_yield();
    }
}

static void ms__slot_put(ms__table *tab, uint64_t key, uint64_t size, uint64_t so, uint64_t stack,
                         uint64_t key_flags) {
    uint64_t i = ms__addr_hash(key) & tab->mask;
    while ((atomic_load_explicit(&tab->slots[i].key, MS__RELAXED) & ~MS__KEY_FROZEN) != MS__KEY_EMPTY)
        i = (i + 1) & tab->mask;
    MS__STORE(&tab->slots[i].size, size);
    MS__STORE(&tab->slots[i].site_owner, so);
    MS__STORE(&tab->slots[i].stack, stack);
    atomic_store_explicit(&tab->slots[i].key, key | key_flags, MS__RELEASE);
}

/* Asymmetric fence: the owner of an entry ends it with a plain store instead of a CAS
   (the common case: TRACK and UNTRACK on one thread). It raises its thread's `removing`
   flag, checks that the shard's generation is unchanged, stores, and lowers the flag. A
   rebuild (rare) makes the generation odd, runs membarrier(), then waits for every raised
   flag before freezing slots: either an owner's flag was visible (the rebuild waits for its
   store) or the owner's later generation check sees the rebuild (and it does not store). */
#define MS__MEMBARRIER_PRIVATE_EXPEDITED (1 << 3)
#define MS__MEMBARRIER_REGISTER_PRIVATE_EXPEDITED (1 << 4)
static int ms__membarrier_ok;

static void ms__membarrier_register(void) {
#ifdef SYS_membarrier
    ms__membarrier_ok = syscall(SYS_membarrier, MS__MEMBARRIER_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#endif
}

static void ms__membarrier(void) {
#ifdef SYS_membarrier
    if (ms__membarrier_ok) syscall(SYS_membarrier, MS__MEMBARRIER_PRIVATE_EXPEDITED, 0, 0);
#endif
}

/* Freezes the shard, drops tombstones, grows when more than a third is live. */
static MS__NOINLINE void ms__shard_rebuild(memscope_tracker *t, ms__shard *sh, ms__table *seen) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&sh->rebuilding, &expected, 1)) {
        uint64_t g = atomic_load_explicit(&sh->gen, MS__ACQUIRE);
        while (atomic_load_explicit(&sh->rebuilding, MS__ACQUIRE) &&
               atomic_load_explicit(&sh->gen, MS__ACQUIRE) == g)
            sched_yield();
        return;
    }
    ms__table *tab = atomic_load_explicit(&sh->table, MS__ACQUIRE);
    if (tab != seen) { atomic_store_explicit(&sh->rebuilding, 0, MS__RELEASE); return; }
    atomic_fetch_add(&sh->gen, 1); /* odd: rebuilding */
    ms__membarrier();              /* owners' flags are now visible, or they see odd */
    for (ms__thread *th = atomic_load_explicit(&t->threads, MS__ACQUIRE); th;
         th = atomic_load_explicit(&th->next, MS__RELAXED))
        while (atomic_load_explicit(&th->removing, MS__ACQUIRE)) sched_yield();
    uint64_t cap = tab->mask + 1, live = 0;
    for (uint64_t i = 0; i < cap; i++) {
        uint64_t k = atomic_load_explicit(&tab->slots[i].key, MS__ACQUIRE);
        for (;;) {
            if (k == MS__KEY_BUSY) { sched_yield(); k = atomic_load_explicit(&tab->slots[i].key, MS__ACQUIRE); continue; }
            if (atomic_compare_exchange_weak(&tab->slots[i].key, &k, k | MS__KEY_FROZEN)) break;
        }
        if (k != MS__KEY_EMPTY && k != MS__KEY_TOMB) live++;
    }
    uint64_t newcap = MS__SHARD_MIN;
    while (newcap < live * 3) newcap *= 2;
    if (newcap < cap) newcap = cap;
    ms__table *fresh = ms__table_new(newcap);
    ms__slot *copy = NULL;
    if (fresh) {
        for (uint64_t i = 0; i < cap; i++) {
            uint64_t k = atomic_load_explicit(&tab->slots[i].key, MS__RELAXED) & ~MS__KEY_FROZEN;
            if (k == MS__KEY_EMPTY || k == MS__KEY_TOMB) continue;
            ms__slot_put(fresh, k, MS__LOAD(&tab->slots[i].size), MS__LOAD(&tab->slots[i].site_owner),
                         MS__LOAD(&tab->slots[i].stack), 0);
        }
        if (newcap == cap) { /* same size: rewrite in place, still frozen, then thaw */
            copy = fresh->slots;
            for (uint64_t i = 0; i < cap; i++)
                atomic_store_explicit(&tab->slots[i].key, MS__KEY_EMPTY | MS__KEY_FROZEN, MS__RELAXED);
            for (uint64_t i = 0; i < cap; i++) {
                uint64_t k = atomic_load_explicit(&copy[i].key, MS__RELAXED);
                if (k == MS__KEY_EMPTY) continue;
                MS__STORE(&tab->slots[i].size, MS__LOAD(&copy[i].size));
                MS__STORE(&tab->slots[i].site_owner, MS__LOAD(&copy[i].site_owner));
                MS__STORE(&tab->slots[i].stack, MS__LOAD(&copy[i].stack));
                atomic_store_explicit(&tab->slots[i].key, k | MS__KEY_FROZEN, MS__RELAXED);
            }
            for (uint64_t i = 0; i < cap; i++) {
                uint64_t k = atomic_load_explicit(&tab->slots[i].key, MS__RELAXED);
                atomic_store_explicit(&tab->slots[i].key, k & ~MS__KEY_FROZEN, MS__RELEASE);
            }
            MEMSCOPE_FREE(fresh);
        } else {
            atomic_store_explicit(&sh->table, fresh, MS__RELEASE);
            pthread_mutex_lock(&t->retired_lock); /* readers may still hold the old one */
            tab->retired_next = t->retired;
            t->retired = tab;
            pthread_mutex_unlock(&t->retired_lock);
        }
    } else { /* out of memory: thaw unchanged */
        for (uint64_t i = 0; i < cap; i++) {
            uint64_t k = atomic_load_explicit(&tab->slots[i].key, MS__RELAXED);
            atomic_store_explicit(&tab->slots[i].key, k & ~MS__KEY_FROZEN, MS__RELEASE);
        }
    }
    atomic_fetch_add(&sh->gen, 1); /* even: done */
    atomic_store_explicit(&sh->rebuilding, 0, MS__RELEASE);
}

/* Removes address; returns 1 and its record if it was live. */
/* Removes address; returns 1 and its record if it was live. self: the caller's thread
   record (a placeholder whose index matches no thread makes every removal a CAS). */
MS__HOT int ms__live_remove(memscope_tracker *t, uint64_t address, ms__live *out, ms__thread *self) {
    uint64_t h = ms__addr_hash(address);
    ms__shard *sh = &t->shards[h >> 58];
    for (;;) {
        uint64_t g0 = atomic_load_explicit(&sh->gen, MS__ACQUIRE);
        if (g0 & 1) { ms__wait_gen(sh, g0); continue; }
        ms__table *tab = atomic_load_explicit(&sh->table, MS__ACQUIRE);
        uint64_t i = h & tab->mask, n = 0;
        int retry = 0;
        for (;; i = (i + 1) & tab->mask, n++) {
            ms__slot *s = &tab->slots[i];
            uint64_t k = atomic_load_explicit(&s->key, MS__ACQUIRE);
            if (k & MS__KEY_FROZEN) { ms__wait_gen(sh, g0); retry = 1; break; }
            if (k == address) {
                uint64_t size = MS__LOAD(&s->size), so = MS__LOAD(&s->site_owner), st = MS__LOAD(&s->stack);
                out->size = size;
                out->site = (uint32_t)(so >> 32);
                out->owner = (uint32_t)so;
                out->stack = (uint32_t)st;
                if ((uint32_t)so == self->index && ms__membarrier_ok) {
                    atomic_store_explicit(&self->removing, 1, MS__RELAXED);
                    atomic_signal_fence(memory_order_seq_cst);
                    if (MS__LIKELY(atomic_load_explicit(&sh->gen, MS__RELAXED) == g0)) {
                        atomic_store_explicit(&s->key, MS__KEY_TOMB, MS__RELEASE);
                        atomic_store_explicit(&self->removing, 0, MS__RELEASE);
                        return 1;
                    }
                    atomic_store_explicit(&self->removing, 0, MS__RELEASE);
                    ms__wait_gen(sh, g0);
                    retry = 1;
                    break;
                }
                if (!atomic_compare_exchange_strong(&s->key, &k, MS__KEY_TOMB)) { retry = 1; break; }
                return 1;
            }
            if (k == MS__KEY_EMPTY || n > tab->mask) break;
        }
        if (retry) continue;
        if (atomic_load_explicit(&sh->gen, MS__ACQUIRE) != g0) continue;
        if (n > MS__MAX_PROBE) ms__shard_rebuild(t, sh, tab);
        return 0;
    }
}

/* Records address as live with v, in one probe. When it already was live (a TRACK
   again without UNTRACK) its slot is taken over and the old record returned: 1. */
MS__HOT int ms__live_upsert(memscope_tracker *t, uint64_t address, const ms__live *v, ms__live *old) {
    uint64_t h = ms__addr_hash(address);
    ms__shard *sh = &t->shards[h >> 58];
    for (;;) {
        uint64_t g0 = atomic_load_explicit(&sh->gen, MS__ACQUIRE);
        if (g0 & 1) { ms__wait_gen(sh, g0); continue; }
        ms__table *tab = atomic_load_explicit(&sh->table, MS__ACQUIRE);
        uint64_t i = h & tab->mask, n = 0, k = 0, free_i = UINT64_MAX, free_k = 0;
        int frozen = 0, found = 0;
        for (;; i = (i + 1) & tab->mask, n++) {
            k = atomic_load_explicit(&tab->slots[i].key, MS__ACQUIRE);
            if (k & MS__KEY_FROZEN) { frozen = 1; break; }
            if (k == address) { found = 1; break; }
            if ((k == MS__KEY_EMPTY || k == MS__KEY_TOMB) && free_i == UINT64_MAX) { free_i = i; free_k = k; }
            if (k == MS__KEY_EMPTY || n >= tab->mask) break;
        }
        if (frozen) { ms__wait_gen(sh, g0); continue; }
        int replaced = 0;
        ms__slot *s;
        if (found) { /* the key stays where it is: no position to re-validate */
            s = &tab->slots[i];
            uint64_t size = MS__LOAD(&s->size), so = MS__LOAD(&s->site_owner), st = MS__LOAD(&s->stack);
            if (!atomic_compare_exchange_strong(&s->key, &k, MS__KEY_BUSY)) continue;
            old->size = size;
            old->site = (uint32_t)(so >> 32);
            old->owner = (uint32_t)so;
            old->stack = (uint32_t)st;
            replaced = 1;
        } else {
            if (free_i == UINT64_MAX) { ms__shard_rebuild(t, sh, tab); continue; }
            s = &tab->slots[free_i];
            k = free_k;
            if (!atomic_compare_exchange_strong(&s->key, &k, MS__KEY_BUSY)) continue;
            if (atomic_load(&sh->gen) != g0) { /* a rebuild moved things since we probed */
                atomic_store_explicit(&s->key, free_k, MS__RELEASE);
                ms__wait_gen(sh, g0);
                continue;
            }
        }
        MS__STORE(&s->size, v->size);
        MS__STORE(&s->site_owner, (uint64_t)v->site << 32 | v->owner);
        MS__STORE(&s->stack, v->stack);
        atomic_store_explicit(&s->key, address, MS__RELEASE);
        if (n > MS__MAX_PROBE) ms__shard_rebuild(t, sh, tab); /* long chain: clean or grow */
        return replaced;
    }
}

/* ==== recording (the per-call path) ==== */

/* The counters of a recorded free and a recorded allocation (the per-call path; in log
   mode the resolver, see >>resolve). */
static inline void ms__count_free(memscope_tracker *t, ms__thread *th, uint64_t size, uint32_t owner) {
    MS__OWNER_ADD(&th->frees, 1);
    MS__OWNER_ADD(&th->free_bytes, size);
    if (owner == th->index) {
        MS__OWNER_ADD(&th->own_freed_local, size);
    } else {
        ms__thread *o = ms__thread_by_index(t, owner);
        if (o) atomic_fetch_add_explicit(&o->own_freed_remote, size, MS__RELAXED);
    }
}

static inline void ms__count_alloc(ms__thread *th, uint64_t size, uint32_t site) {
    MS__OWNER_ADD(&th->allocs, 1);
    uint64_t allocated = MS__LOAD(&th->alloc_bytes) + size;
    MS__STORE(&th->alloc_bytes, allocated);
    uint64_t cur = allocated - MS__LOAD(&th->own_freed_local) -
                   atomic_load_explicit(&th->own_freed_remote, MS__RELAXED);
    if (cur > MS__LOAD(&th->peak_bytes)) MS__STORE(&th->peak_bytes, cur);
    ms__site_stat *ss = ms__site_stat_get(th, site);
    if (ss) {
        MS__OWNER_ADD(&ss->count, 1);
        MS__OWNER_ADD(&ss->bytes, size);
    }
}

MS__HOT void ms__record_free(memscope_tracker *t, ms__thread *th, uint64_t address, const ms__live *old) {
    ms__event_push(t, th, address, old->size << 1 | 1u, old->site, old->owner);
    ms__count_free(t, th, old->size, old->owner);
}

/* A byte per address bucket, set when an address of the bucket is first recorded and
   never cleared: a clear byte proves an address was never recorded, so sampled-out
   TRACKs and UNTRACKs of unrecorded pointers skip the table without hashing. */
#define MS__SEEN_BYTES 65536u
MS__HOT _Atomic unsigned char *ms__seen_byte(memscope_tracker *t, uint64_t address) {
    return &t->seen[(uint32_t)((address >> 4) ^ (address >> 20)) & (MS__SEEN_BYTES - 1)];
}

MS__HOT int ms__maybe_live(memscope_tracker *t, uint64_t address) {
    return atomic_load_explicit(ms__seen_byte(t, address), MS__RELAXED) != 0;
}

#ifndef MEMSCOPE_NO_STACKS
/* TRACK's stack (>>stacks) */
static MS__NOINLINE uint32_t ms__capture_stack_id(memscope_tracker *t, ms__thread *th, const uintptr_t *fp);
#endif

MS__HOT void ms__record_alloc_stack(memscope_tracker *t, ms__thread *th, uint64_t address,
                                    size_t size, uint32_t site, uint32_t stack) {
    ms__live old = {0, 0, 0, 0}, v;
    v.size = size;
    v.site = site;
    v.owner = th->index;
    v.stack = stack;
    _Atomic unsigned char *seen = ms__seen_byte(t, address);
    if (MS__UNLIKELY(!atomic_load_explicit(seen, MS__RELAXED))) atomic_store_explicit(seen, 1, MS__RELAXED);
    if (MS__UNLIKELY(ms__live_upsert(t, address, &v, &old))) ms__record_free(t, th, address, &old);
    ms__event_push(t, th, address, (uint64_t)size << 1, site, stack);
    ms__count_alloc(th, size, site);
}

MS__HOT void ms__record_alloc(memscope_tracker *t, ms__thread *th, uint64_t address,
                              size_t size, uint32_t site, const uintptr_t *fp) {
    if (size == MEMSCOPE_SIZE_UNKNOWN) size = malloc_usable_size((void *)(uintptr_t)address);
    uint32_t stack = 0;
#ifndef MEMSCOPE_NO_STACKS
    if (MS__UNLIKELY(atomic_load_explicit(&t->capture_stacks, MS__RELAXED)) && fp)
        stack = ms__capture_stack_id(t, th, fp);
#else
    (void)fp;
#endif
    ms__record_alloc_stack(t, th, address, size, site, stack);
}

#ifdef MEMSCOPE_HOOK_MALLOC
static memscope_tracker *_Atomic ms__hook_t;
static uint64_t ms__hook_mean;
static int ms__hook_name(memscope_tracker *t, uint64_t address, uint32_t site, size_t size, const uintptr_t *fp);
static int ms__log_name(memscope_tracker *t, ms__thread *th, uint64_t a, uint64_t size, uint32_t site, uint32_t stack);
#endif
/* log mode (>>resolve): TRACK and UNTRACK append to the thread's log; 0 when the tracker
   has left log mode and the call goes through the live table */
MS__HOT int ms__log_track(memscope_tracker *t, ms__thread *th, uint64_t a, uint64_t size, uint32_t site, uint32_t stack);
MS__HOT int ms__log_untrack(memscope_tracker *t, ms__thread *th, uint64_t a);

/* A TRACK in log mode: the allocation and its stack, nothing else; the resolver ends a
   record still live at that address and counts. */
MS__HOT int ms__track_log(memscope_tracker *t, ms__thread *th, uint64_t address, size_t size,
                          uint32_t site, const uintptr_t *fp) {
    if (MS__UNLIKELY(size == MEMSCOPE_SIZE_UNKNOWN)) size = malloc_usable_size((void *)(uintptr_t)address);
    uint32_t stack = 0;
#ifndef MEMSCOPE_NO_STACKS
    if (MS__UNLIKELY(atomic_load_explicit(&t->capture_stacks, MS__RELAXED)) && fp)
        stack = ms__capture_stack_id(t, th, fp);
#else
    (void)fp;
#endif
    return ms__log_track(t, th, address, size, site, stack);
}

/* A TRACK the sampling gate kept, out of line: the gate before it stays a few instructions. */
static MS__NOINLINE void ms__track_kept(memscope_tracker *t, ms__thread *th, uint64_t address, size_t size,
                                        uint32_t site, const uintptr_t *fp) {
    if (MS__LIKELY(atomic_load_explicit(&t->log_mode, MS__RELAXED) != 0) &&
        MS__LIKELY(ms__track_log(t, th, address, size, site, fp)))
        return;
    ms__record_alloc(t, th, address, size, site, fp);
}

/* A TRACK sampling skipped still ends the record live at its address (never in log mode:
   sampling left it before the rate was set). */
static MS__NOINLINE void ms__track_skipped(memscope_tracker *t, ms__thread *th, uint64_t address) {
    ms__live old = {0, 0, 0, 0};
    if (ms__live_remove(t, address, &old, th)) ms__record_free(t, th, address, &old);
}

/* The sampling gate: 1 when the TRACK is kept (the thread's sequence and the site's hash). */
MS__HOT int ms__sample_keep(memscope_tracker *t, ms__thread *th, uint64_t site_hash) {
    uint64_t threshold = atomic_load_explicit(&t->threshold, MS__RELAXED);
    uint64_t seq = th->seq++;
    return threshold == 1ull << 63 || threshold > (ms__mix64(seq ^ site_hash ^ MS__SAMPLE_SEED) >> 1);
}

static MS__NOINLINE void ms__track(memscope_tracker *t, uint64_t address, size_t size, uint32_t site,
                                   uint64_t site_hash, const uintptr_t *fp) {
#ifdef MEMSCOPE_HOOK_MALLOC
    /* whole-program mode: a TRACK names the block the hooks recorded */
    if (t == atomic_load_explicit(&ms__hook_t, MS__RELAXED) && ms__hook_name(t, address, site, size, fp)) return;
#endif
    ms__thread *th = ms__thread_get(t);
    if (MS__UNLIKELY(!th)) return;
    if (MS__LIKELY(ms__sample_keep(t, th, site_hash))) ms__track_kept(t, th, address, size, site, fp);
    else if (MS__UNLIKELY(ms__maybe_live(t, address))) ms__track_skipped(t, th, address);
    MS__NO_TAIL();
}

static MS__NOINLINE void ms__track_site_slow(memscope_tracker *t, uint64_t address, size_t size,
                                             memscope_site *site, const uintptr_t *fp) {
    uint32_t id = MS__PLAIN_LOAD(&site->id, __ATOMIC_ACQUIRE);
    if (!id) id = ms__site_register(site);
    ms__track(t, address, size, id, MS__PLAIN_LOAD(&site->hash, __ATOMIC_RELAXED), fp);
    MS__NO_TAIL();
}

/* TRACK's entry: the common case (a known site, a thread that has TRACKed before, not the
   whole-program tracker) decides sampling here, with no frame to save; the rest goes to
   ms__track. fp is this function's frame: its record holds TRACK's return address. */
MEMSCOPE_DEF MS__NOINLINE void memscope_track_site(memscope_tracker *t, uintptr_t address, size_t size,
                                                   memscope_site *site) {
    if (MS__UNLIKELY(!t || !address || !site)) return;
    const uintptr_t *fp = (const uintptr_t *)__builtin_frame_address(0);
    uint32_t id = MS__PLAIN_LOAD(&site->id, __ATOMIC_ACQUIRE);
    int common = id != 0 && ms__tls_rec[0].id == t->id;
#ifdef MEMSCOPE_HOOK_MALLOC
    common = common && t != atomic_load_explicit(&ms__hook_t, MS__RELAXED);
#endif
    if (MS__UNLIKELY(!common)) {
        ms__track_site_slow(t, address, size, site, fp);
        MS__NO_TAIL();
        return;
    }
    ms__thread *th = ms__tls_rec[0].rec;
    if (MS__UNLIKELY(!th)) return;
    if (MS__LIKELY(ms__sample_keep(t, th, MS__PLAIN_LOAD(&site->hash, __ATOMIC_RELAXED)))) {
        ms__track_kept(t, th, address, size, id, fp);
        MS__NO_TAIL();
    } else if (MS__UNLIKELY(ms__maybe_live(t, address))) {
        ms__track_skipped(t, th, address);
    }
}

MEMSCOPE_DEF MS__NOINLINE void memscope_track_as(memscope_tracker *t, const void *ptr, size_t size,
                                                 const char *name, const char *type_name,
                                                 const char *file, uint32_t line) {
    if (!t || !ptr) return;
    uint32_t id = ms__site_intern(name, type_name, file, line);
    ms__track(t, (uint64_t)(uintptr_t)ptr, size, id, ms__site_by_id(id)->hash,
              (const uintptr_t *)__builtin_frame_address(0));
    MS__NO_TAIL();
}

MEMSCOPE_DEF void memscope_untrack_address(memscope_tracker *t, uintptr_t address) {
    if (MS__UNLIKELY(!t || !address)) return;
    if (MS__LIKELY(atomic_load_explicit(&t->log_mode, MS__RELAXED) != 0)) { /* ends what a TRACK began (>>resolve) */
        ms__thread *th = ms__thread_get(t);
        if (MS__LIKELY(th != NULL) && MS__LIKELY(ms__log_untrack(t, th, address))) return;
    }
    if (!ms__maybe_live(t, address)) return;
    /* a thread gets a record only once it really frees something */
    ms__thread *th = MS__LIKELY(ms__tls_rec[0].id == t->id) ? ms__tls_rec[0].rec : NULL;
    ms__live old = {0, 0, 0, 0};
    static ms__thread no_owner = {.index = UINT32_MAX}; /* matches no entry: CAS path */
    if (!ms__live_remove(t, address, &old, th ? th : &no_owner)) return;
    if (!th) th = ms__thread_get(t);
    if (th) ms__record_free(t, th, address, &old);
}

MEMSCOPE_DEF void memscope_untrack(memscope_tracker *t, const void *ptr) {
    memscope_untrack_address(t, (uintptr_t)ptr);
}

/* ==== >>stacks ==== */

/* Interned stacks: id (from 1) -> frames, stored in chunks that never move, so a
   published entry can be read without the lock. */
typedef struct ms__stack {
    uint64_t hash;
    uint32_t depth;
    uintptr_t frames[];
} ms__stack;

#define MS__STACK_IDX_CHUNK 4096u
#define MS__STACK_IDX_CHUNKS 4096u
typedef struct ms__stacks {
    ms__stack *_Atomic *index[MS__STACK_IDX_CHUNKS];
    _Atomic uint32_t count;            /* next id */
    uint32_t *buckets;                 /* hash -> id chains via next[] */
    uint32_t *next;
    uint32_t bucket_mask, next_cap;
} ms__stacks;

static ms__stack *ms__stack_by_id(memscope_tracker *t, uint32_t id) {
    ms__stacks *st = atomic_load_explicit(&t->stacks, MS__ACQUIRE);
    if (!st || !id || id >= atomic_load_explicit(&st->count, MS__ACQUIRE)) return NULL;
    ms__stack *_Atomic *chunk = st->index[id / MS__STACK_IDX_CHUNK];
    return chunk ? atomic_load_explicit(&chunk[id % MS__STACK_IDX_CHUNK], MS__ACQUIRE) : NULL;
}

/* Rotate-xor per frame (two cycles of dependency each; the multiplies of a stronger
   per-frame mix would cost more than the whole walk), mixed once at the end. Equal hashes
   are always checked frame by frame. */
static uint64_t ms__stack_hash(const uintptr_t *frames, size_t n) {
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    for (size_t i = 0; i < n; i++) h = ((h << 23) | (h >> 41)) ^ frames[i];
    h = ms__mix64(h);
    return h ? h : 1;
}

static int ms__stack_same(const ms__stack *s, const uintptr_t *frames, size_t n, uint64_t h) {
    return s && s->hash == h && s->depth == n && memcmp(s->frames, frames, n * sizeof *frames) == 0;
}

/* Slow path: the global table under the tracker's stack lock. */
static MS__NOINLINE uint32_t ms__stack_intern_locked(memscope_tracker *t, const uintptr_t *frames,
                                                     size_t n, uint64_t h) {
    pthread_mutex_lock(&t->stacks_lock);
    ms__stacks *st = atomic_load_explicit(&t->stacks, MS__RELAXED);
    uint32_t id = 0;
    if (!st) {
        st = (ms__stacks *)ms__calloc(1, sizeof *st);
        if (!st) goto out;
        atomic_store_explicit(&st->count, 1, MS__RELAXED);
        atomic_store_explicit(&t->stacks, st, MS__RELEASE);
    }
    if (st->buckets) {
        for (id = st->buckets[h & st->bucket_mask]; id; id = st->next[id])
            if (ms__stack_same(ms__stack_by_id(t, id), frames, n, h)) goto out;
    }
    id = atomic_load_explicit(&st->count, MS__RELAXED);
    if (id >= MS__STACK_IDX_CHUNK * MS__STACK_IDX_CHUNKS) { id = 0; goto out; }
    if (id >= st->next_cap) { /* grow chains and rehash the buckets */
        uint32_t cap = st->next_cap ? st->next_cap * 2 : 1024;
        uint32_t *nx = (uint32_t *)ms__calloc(cap, sizeof *nx);
        uint32_t *bk = (uint32_t *)ms__calloc(cap, sizeof *bk);
        if (!nx || !bk) { MEMSCOPE_FREE(nx); MEMSCOPE_FREE(bk); id = 0; goto out; }
        for (uint32_t i = 1; i < id; i++) {
            ms__stack *s = ms__stack_by_id(t, i);
            uint32_t b = (uint32_t)(s->hash & (cap - 1));
            nx[i] = bk[b];
            bk[b] = i;
        }
        MEMSCOPE_FREE(st->next);
        MEMSCOPE_FREE(st->buckets);
        st->next = nx;
        st->buckets = bk;
        st->next_cap = cap;
        st->bucket_mask = cap - 1;
    }
    uint32_t ci = id / MS__STACK_IDX_CHUNK;
    if (!st->index[ci]) {
        st->index[ci] = (ms__stack *_Atomic *)ms__calloc(MS__STACK_IDX_CHUNK, sizeof(ms__stack *));
        if (!st->index[ci]) { id = 0; goto out; }
    }
    ms__stack *s = (ms__stack *)MEMSCOPE_MALLOC(sizeof *s + n * sizeof(uintptr_t));
    if (!s) { id = 0; goto out; }
    s->hash = h;
    s->depth = (uint32_t)n;
    memcpy(s->frames, frames, n * sizeof *frames);
    atomic_store_explicit(&st->index[ci][id % MS__STACK_IDX_CHUNK], s, MS__RELEASE);
    st->next[id] = st->buckets[h & st->bucket_mask];
    st->buckets[h & st->bucket_mask] = id;
    atomic_store_explicit(&st->count, id + 1, MS__RELEASE);
out:
    pthread_mutex_unlock(&t->stacks_lock);
    return id;
}

/* Identical stacks get one id; repeats hit this thread's cache without a lock. */
static uint32_t ms__stack_intern_cached(memscope_tracker *t, ms__thread *th, const uintptr_t *frames, size_t n);
static uint32_t ms__stack_intern_new(memscope_tracker *t, ms__thread *th, const uintptr_t *frames, size_t n);
MS__MAYBE_UNUSED static uint32_t ms__stack_intern(memscope_tracker *t, ms__thread *th, const uintptr_t *frames, size_t n) {
    if (!n) return 0;
    if (n == th->last_stack_n) { /* a loop allocating: the same stack as last time, no hash */
        size_t i = 0;
        while (i < n && frames[i] == th->last_stack[i]) i++;
        if (i == n) return th->last_stack_id;
    }
    return ms__stack_intern_new(t, th, frames, n);
}

/* A stack that is not this thread's latest: by hash, then remembered as the latest. */
static uint32_t ms__stack_intern_new(memscope_tracker *t, ms__thread *th, const uintptr_t *frames, size_t n) {
    uint32_t id = ms__stack_intern_cached(t, th, frames, n);
    if (id && n <= MEMSCOPE_MAX_STACK_DEPTH) {
        memcpy(th->last_stack, frames, n * sizeof *frames);
        th->last_stack_n = (uint32_t)n;
        th->last_stack_id = id;
    }
    return id;
}

static uint32_t ms__stack_intern_cached(memscope_tracker *t, ms__thread *th, const uintptr_t *frames, size_t n) {
    uint64_t h = ms__stack_hash(frames, n);
    if (MS__UNLIKELY(!th->stack_cache) ||
        MS__UNLIKELY(th->stack_misses > 2 * th->stack_cache_n && th->stack_cache_n < MS__STACK_CACHE)) {
        /* small at first; four times larger each time it missed twice its size */
        uint32_t want = th->stack_cache ? th->stack_cache_n * 4 : MS__STACK_CACHE_MIN;
        ms__stack_cache_entry *nc = (ms__stack_cache_entry *)ms__calloc(want, sizeof *nc);
        if (nc) {
            MEMSCOPE_FREE(th->stack_cache);
            th->stack_cache = nc;
            th->stack_cache_n = want;
        }
        th->stack_misses = 0;
    }
    ms__stack_cache_entry *c = th->stack_cache ? &th->stack_cache[h & (th->stack_cache_n - 1)] : NULL;
    if (MS__LIKELY(c && c->hash == h) && c->stack->depth == n) { /* the frames compared inline */
        size_t i = 0;
        while (i < n && c->stack->frames[i] == frames[i]) i++;
        if (MS__LIKELY(i == n)) return c->id;
    }
    th->stack_misses++;
    uint32_t id = ms__stack_intern_locked(t, frames, n, h);
    if (c && id) { c->hash = h; c->id = id; c->stack = ms__stack_by_id(t, id); }
    return id;
}

/* The calling thread's stack, once found: the main thread's is found by reading
   /proc/self/maps, which a forked child (whose one thread is its parent's forking thread, on
   the same stack) and a thread of several trackers need not do again. */
static _Thread_local uintptr_t ms__tls_stack[2];
static void ms__thread_stack_bounds(ms__thread *th) {
    pthread_attr_t attr;
    void *lo = NULL;
    size_t size = 0;
    th->stack_lo = 1; /* "looked up": a failed lookup disables the walk */
    th->stack_hi = 0;
    th->stack_span = 0;
    if (ms__tls_stack[0]) {
        lo = (void *)ms__tls_stack[0];
        size = ms__tls_stack[1] - ms__tls_stack[0];
    } else {
        if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
        if (pthread_attr_getstack(&attr, &lo, &size) != 0) lo = NULL;
        pthread_attr_destroy(&attr);
        if (!lo) return;
        ms__tls_stack[0] = (uintptr_t)lo;
        ms__tls_stack[1] = (uintptr_t)lo + size;
    }
    th->stack_lo = (uintptr_t)lo;
    th->stack_hi = (uintptr_t)lo + size;
    if (size >= 2 * sizeof(uintptr_t)) th->stack_span = size - 2 * sizeof(uintptr_t);
}

/* Frame-pointer walk from frame fp (a frame of memscope, whose return address is
   the TRACK site). Stops at anything that does not look like a frame of this stack. */
MS__MAYBE_UNUSED MS__NO_ASAN static size_t ms__walk_frames(ms__thread *th, const uintptr_t *fp, uintptr_t *out, size_t max) {
    if (!th->stack_lo) ms__thread_stack_bounds(th);
    size_t n = 0;
    while (n < max) {
        uintptr_t f = (uintptr_t)fp;
        if (f < th->stack_lo || th->stack_hi < 2 * sizeof(uintptr_t) || f > th->stack_hi - 2 * sizeof(uintptr_t) ||
            (f & (sizeof(uintptr_t) - 1)))
            break; /* (no f + 16: a garbage frame pointer near 2^64 would wrap past the check) */
        uintptr_t ret = fp[1];
        const uintptr_t *next = (const uintptr_t *)fp[0];
        if (ret < 4096) break;
        out[n++] = ret;
        if ((uintptr_t)next <= f) break;
        fp = next;
    }
    return n;
}

#ifndef MEMSCOPE_NO_STACKS
static size_t ms__track_cfi(ms__thread *th, const uintptr_t *fp, uintptr_t *out, size_t max); /* >>unwind */
/* TRACK's stack: the code's call-frame information where the CPU has the unwinder (code
   built without frame pointers gets whole stacks too), frame pointers where it yields less. */
static MS__NOINLINE uint32_t ms__capture_stack_id(memscope_tracker *t, ms__thread *th, const uintptr_t *fp) {
    uintptr_t frames[MEMSCOPE_MAX_STACK_DEPTH], fpf[MEMSCOPE_MAX_STACK_DEPTH];
    size_t depth = atomic_load_explicit(&t->stack_depth, MS__RELAXED);
    if (depth > MEMSCOPE_MAX_STACK_DEPTH) depth = MEMSCOPE_MAX_STACK_DEPTH;
    size_t n = ms__track_cfi(th, fp, frames, depth);
    if (n < 2) {
        size_t k = ms__walk_frames(th, fp, fpf, depth);
        if (k > n) { memcpy(frames, fpf, k * sizeof *fpf); n = k; }
    }
    return ms__stack_intern(t, th, frames, n);
}
#endif

/* ==== >>lines ==== */

/* Source file and line of a code address from the module's DWARF .debug_line (versions 2
   to 5), one sorted table of rows per module, searched by halves; .debug_info is read only
   for each unit's compilation directory. Bounds-checked throughout: a malformed file gives
   no lines, never a crash. */
/* One row: [addr, next row's addr) maps to file/line.  file == MS__DL_END
 * marks the end of a sequence (addresses from here up to the next row are
 * not covered). */
typedef struct ms__dl_row {
    uint64_t addr;
    uint32_t file; /* index into ms__dl_table.file_off, or MS__DL_END */
    uint32_t line; /* 0 = compiler said "no line" */
} ms__dl_row;

typedef struct ms__dl_table {
    ms__dl_row *rows;  /* sorted by addr, at most one row per address */
    size_t nrows;
    char *names;       /* NUL-terminated full paths, back to back */
    uint32_t *file_off; /* file index -> offset into names */
    size_t nfiles;
} ms__dl_table;

#define MS__DL_END 0xffffffffu
#define MS__DL_NOFILE 0xfffffffeu /* per-unit: file register out of range */

/* ------------------------------------------------------------------------ */
/* bounds-checked reader                                                     */

typedef struct ms__dl_rd {
    const unsigned char *p, *end;
    int be;  /* big-endian data */
    int bad; /* set on any out-of-bounds or malformed read; sticky */
} ms__dl_rd;

static ms__dl_rd ms__dl_rd_make(const unsigned char *p, const unsigned char *end, int be)
{
    ms__dl_rd r;
    r.p = p;
    r.end = end;
    r.be = be;
    r.bad = 0;
    return r;
}

static size_t ms__dl_left(const ms__dl_rd *r)
{
    return r->bad ? 0 : (size_t)(r->end - r->p);
}

static void ms__dl_fail(ms__dl_rd *r)
{
    r->bad = 1;
    r->p = r->end;
}

static void ms__dl_skip(ms__dl_rd *r, uint64_t n)
{
    if (r->bad || n > (uint64_t)(r->end - r->p)) {
        ms__dl_fail(r);
        return;
    }
    r->p += (size_t)n;
}

/* unsigned integer of n bytes (n <= 8) in the data's byte order */
static uint64_t ms__dl_un(ms__dl_rd *r, size_t n)
{
    uint64_t v = 0;
    size_t i;
    if (r->bad || n > 8 || n > (size_t)(r->end - r->p)) {
        ms__dl_fail(r);
        return 0;
    }
    for (i = 0; i < n; i++) {
        uint64_t b = r->p[i];
        if (r->be)
            v = (v << 8) | b;
        else
            v |= b << (8 * i);
    }
    r->p += n;
    return v;
}

static uint8_t ms__dl_u8(ms__dl_rd *r) { return (uint8_t)ms__dl_un(r, 1); }
static uint16_t ms__dl_u16(ms__dl_rd *r) { return (uint16_t)ms__dl_un(r, 2); }
static uint32_t ms__dl_u32(ms__dl_rd *r) { return (uint32_t)ms__dl_un(r, 4); }
static uint64_t ms__dl_u64(ms__dl_rd *r) { return ms__dl_un(r, 8); }

static uint64_t ms__dl_uleb(ms__dl_rd *r)
{
    uint64_t v = 0;
    unsigned sh = 0;
    for (;;) {
        unsigned char b;
        if (r->bad || r->p >= r->end) {
            ms__dl_fail(r);
            return 0;
        }
        b = *r->p++;
        if (sh < 64) {
            v |= (uint64_t)(b & 0x7f) << sh;
            sh += 7;
        }
        if (!(b & 0x80))
            return v;
    }
}

/* signed LEB128, returned as two's complement in a uint64_t */
static uint64_t ms__dl_sleb(ms__dl_rd *r)
{
    uint64_t v = 0;
    unsigned sh = 0;
    for (;;) {
        unsigned char b;
        if (r->bad || r->p >= r->end) {
            ms__dl_fail(r);
            return 0;
        }
        b = *r->p++;
        if (sh < 64) {
            v |= (uint64_t)(b & 0x7f) << sh;
            sh += 7;
        }
        if (!(b & 0x80)) {
            if (sh < 64 && (b & 0x40))
                v |= ~(uint64_t)0 << sh;
            return v;
        }
    }
}

/* NUL-terminated string in place; NULL (and reader failed) if unterminated */
static const char *ms__dl_cstr(ms__dl_rd *r)
{
    const unsigned char *s = r->p;
    const void *z;
    if (r->bad || s >= r->end) {
        ms__dl_fail(r);
        return NULL;
    }
    z = memchr(s, 0, (size_t)(r->end - s));
    if (!z) {
        ms__dl_fail(r);
        return NULL;
    }
    r->p = (const unsigned char *)z + 1;
    return (const char *)s;
}

/* ------------------------------------------------------------------------ */
/* sections                                                                  */

typedef struct ms__dl_sec {
    const unsigned char *data; /* NULL if absent */
    size_t size;
} ms__dl_sec;

static const char *ms__dl_str_at(const ms__dl_sec *s, uint64_t off)
{
    if (!s->data || off >= s->size)
        return NULL;
    if (!memchr(s->data + off, 0, s->size - (size_t)off))
        return NULL;
    return (const char *)(s->data + off);
}

/* ------------------------------------------------------------------------ */
/* build context                                                             */

typedef struct ms__dl_seq {
    size_t start, n; /* rows[start .. start+n) (no end row stored) */
    uint64_t low, high;
    size_t ord;
} ms__dl_seq;

typedef struct ms__dl_fent {
    const char *name; /* NULL if not resolvable */
    uint64_t dir;
} ms__dl_fent;

typedef struct ms__dl_range {
    uint64_t lo, hi;
} ms__dl_range;

typedef struct ms__dl_cu {
    uint64_t stmt;        /* DW_AT_stmt_list */
    const char *comp_dir; /* DW_AT_comp_dir or NULL */
} ms__dl_cu;

typedef struct ms__dl_ctx {
    const unsigned char *img;
    size_t size;
    int be;
    unsigned etype;
    uint64_t shoff;
    size_t shnum, shentsize;
    ms__dl_sec line, line_str, str, info, abbrev, str_offs;
    ms__dl_sec ranges, rnglists, addr; /* used only for inlined frames */

    ms__dl_row *rows;
    size_t nrows, caprows;
    ms__dl_seq *seqs;
    size_t nseqs, capseqs;
    char *names;
    size_t nlen, ncap;
    uint32_t *foff;
    size_t nfiles, capfiles;
    uint32_t unknown_id; /* MS__DL_END until "<unknown>" is added */

    const char **dirs;
    size_t ndirs, capdirs;
    ms__dl_fent *fents;
    size_t nfents, capfents;
    uint32_t *fmap;
    size_t capfmap;

    ms__dl_cu *cus;
    size_t ncus, capcus;
    ms__dl_range *exec;
    size_t nexec, capexec;
} ms__dl_ctx;

/* Grow an array to hold `need` elements; returns the (possibly moved)
 * array or NULL on failure (the old array is then still valid). */
static void *ms__dl_reserve(void *p, size_t *cap, size_t need, size_t elem)
{
    size_t nc;
    void *np;
    if (p && need <= *cap)
        return p;
    nc = *cap ? *cap : 16;
    while (nc < need) {
        if (nc > SIZE_MAX / 2)
            return NULL;
        nc *= 2;
    }
    if (nc > SIZE_MAX / elem)
        return NULL;
    np = MEMSCOPE_MALLOC(nc * elem); /* (no realloc among the allocator hooks) */
    if (!np)
        return NULL;
    if (p) {
        memcpy(np, p, *cap * elem);
        MEMSCOPE_FREE(p);
    }
    *cap = nc;
    return np;
}

/* ------------------------------------------------------------------------ */
/* ELF                                                                       */

static int ms__dl_shdr(const ms__dl_ctx *c, size_t i, uint32_t *name, uint32_t *type,
                       uint64_t *flags, uint64_t *addr, uint64_t *off, uint64_t *size,
                       uint32_t *link)
{
    uint64_t o = c->shoff + (uint64_t)i * c->shentsize;
    ms__dl_rd r;
    if (i >= c->shnum && !(i == 0 && c->shnum == 0))
        return 0;
    if (o > c->size || c->size - (size_t)o < sizeof(Elf64_Shdr))
        return 0;
    r = ms__dl_rd_make(c->img + o, c->img + o + sizeof(Elf64_Shdr), c->be);
    *name = ms__dl_u32(&r);
    *type = ms__dl_u32(&r);
    *flags = ms__dl_u64(&r);
    *addr = ms__dl_u64(&r);
    *off = ms__dl_u64(&r);
    *size = ms__dl_u64(&r);
    *link = ms__dl_u32(&r);
    return !r.bad;
}

/* Locate the debug sections.  Returns 1 if .debug_line was found usable,
 * 0 otherwise (not ELF64, no section headers, stripped, compressed, ...). */
static int ms__dl_elf(ms__dl_ctx *c)
{
    ms__dl_rd r;
    uint64_t shoff;
    uint16_t shentsize, shnum16, shstrndx16;
    size_t shnum, shstrndx, i;
    uint32_t nm, ty, lk;
    uint64_t fl, ad, of, sz;
    ms__dl_sec shstr;
    int compressed_line = 0;

    if (c->size < sizeof(Elf64_Ehdr) || memcmp(c->img, ELFMAG, SELFMAG) != 0 ||
        c->img[EI_CLASS] != ELFCLASS64)
        return 0;
    if (c->img[EI_DATA] == ELFDATA2LSB)
        c->be = 0;
    else if (c->img[EI_DATA] == ELFDATA2MSB)
        c->be = 1;
    else
        return 0;

    /* Elf64_Ehdr field offsets: e_type 16, e_shoff 40, e_shentsize 58
     * (then e_shnum 60, e_shstrndx 62) */
    r = ms__dl_rd_make(c->img + 16, c->img + sizeof(Elf64_Ehdr), c->be);
    c->etype = ms__dl_u16(&r);
    r = ms__dl_rd_make(c->img + 40, c->img + sizeof(Elf64_Ehdr), c->be);
    shoff = ms__dl_u64(&r);
    r = ms__dl_rd_make(c->img + 58, c->img + sizeof(Elf64_Ehdr), c->be);
    shentsize = ms__dl_u16(&r);
    shnum16 = ms__dl_u16(&r);
    shstrndx16 = ms__dl_u16(&r);
    if (r.bad || shoff == 0 || shoff >= c->size || shentsize < sizeof(Elf64_Shdr))
        return 0;
    c->shoff = shoff;
    c->shentsize = shentsize;
    c->shnum = 0;
    shnum = shnum16;
    shstrndx = shstrndx16;
    if (shnum == 0 || shstrndx == SHN_XINDEX) { /* extended numbering in sh[0] */
        if (!ms__dl_shdr(c, 0, &nm, &ty, &fl, &ad, &of, &sz, &lk))
            return 0;
        if (shnum == 0)
            shnum = sz > SIZE_MAX ? SIZE_MAX : (size_t)sz;
        if (shstrndx == SHN_XINDEX)
            shstrndx = lk;
    }
    if (shnum > (c->size - (size_t)shoff) / shentsize)
        return 0;
    c->shnum = shnum;
    if (!ms__dl_shdr(c, shstrndx, &nm, &ty, &fl, &ad, &of, &sz, &lk) || ty == SHT_NOBITS ||
        of > c->size || sz > c->size - of)
        return 0;
    shstr.data = c->img + of;
    shstr.size = (size_t)sz;

    for (i = 0; i < shnum; i++) {
        const char *name;
        ms__dl_sec *dst = NULL;
        if (!ms__dl_shdr(c, i, &nm, &ty, &fl, &ad, &of, &sz, &lk))
            return 0;
        name = ms__dl_str_at(&shstr, nm);
        if (!name || strncmp(name, ".debug_", 7) != 0)
            continue;
        name += 7;
        if (!strcmp(name, "line"))
            dst = &c->line;
        else if (!strcmp(name, "line_str"))
            dst = &c->line_str;
        else if (!strcmp(name, "str"))
            dst = &c->str;
        else if (!strcmp(name, "info"))
            dst = &c->info;
        else if (!strcmp(name, "abbrev"))
            dst = &c->abbrev;
        else if (!strcmp(name, "str_offsets"))
            dst = &c->str_offs;
        else if (!strcmp(name, "ranges"))
            dst = &c->ranges;
        else if (!strcmp(name, "rnglists"))
            dst = &c->rnglists;
        else if (!strcmp(name, "addr"))
            dst = &c->addr;
        if (!dst || dst->data)
            continue; /* not ours, or a duplicate: first one wins */
        if (ty == SHT_NOBITS || of > c->size || sz > c->size - of)
            continue; /* stripped to NOBITS (separate debug file) or bogus */
        if (fl & SHF_COMPRESSED) {
            /* not supported: treat as unusable; .debug_line compressed
             * means no line data at all */
            if (dst == &c->line)
                compressed_line = 1;
            continue;
        }
        dst->data = c->img + of;
        dst->size = (size_t)sz;
    }
    return !compressed_line && c->line.data != NULL && c->line.size > 0;
}

static int ms__dl_range_cmp(const void *pa, const void *pb)
{
    const ms__dl_range *a = (const ms__dl_range *)pa, *b = (const ms__dl_range *)pb;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Collect the address ranges of allocated executable sections (sorted,
 * overlaps merged).  They are used to drop sequences of discarded code
 * (garbage-collected functions, duplicate COMDAT copies) that linkers
 * relocate to a tombstone address such as 0.  Returns 0 on allocation
 * failure. */
static int ms__dl_exec_ranges(ms__dl_ctx *c)
{
    size_t i, w = 0;
    uint32_t nm, ty, lk;
    uint64_t fl, ad, of, sz;
    if (c->etype == ET_REL || c->shnum == 0)
        return 1; /* relocatable objects: addresses are section-relative */
    for (i = 0; i < c->shnum; i++) {
        if (!ms__dl_shdr(c, i, &nm, &ty, &fl, &ad, &of, &sz, &lk))
            break;
        if ((fl & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR) || sz == 0 ||
            ad + sz < ad)
            continue;
        {
            void *np = ms__dl_reserve(c->exec, &c->capexec, c->nexec + 1, sizeof *c->exec);
            if (!np)
                return 0;
            c->exec = (ms__dl_range *)np;
            c->exec[c->nexec].lo = ad;
            c->exec[c->nexec].hi = ad + sz;
            c->nexec++;
        }
    }
    if (c->nexec > 1)
        qsort(c->exec, c->nexec, sizeof *c->exec, ms__dl_range_cmp);
    for (i = 0; i < c->nexec; i++) {
        if (w > 0 && c->exec[i].lo <= c->exec[w - 1].hi) {
            if (c->exec[i].hi > c->exec[w - 1].hi)
                c->exec[w - 1].hi = c->exec[i].hi;
        } else {
            c->exec[w++] = c->exec[i];
        }
    }
    c->nexec = w;
    return 1;
}

/* Is addr inside an executable section?  (Always yes when the image has
 * no executable sections: then nothing can be checked.) */
static int ms__dl_in_exec(const ms__dl_ctx *c, uint64_t addr)
{
    size_t lo = 0, hi = c->nexec;
    if (c->nexec == 0)
        return 1;
    while (lo < hi) { /* first range with lo > addr */
        size_t mid = lo + (hi - lo) / 2;
        if (c->exec[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && addr < c->exec[lo - 1].hi;
}

/* ------------------------------------------------------------------------ */
/* DWARF attribute forms                                                     */

/* Read one value of `form`.  *val receives integer values / offsets /
 * indices, *str a string when the form names one directly, *strx = 1 when
 * the value is a .debug_str_offsets index.  Returns 0 on unknown form or
 * out-of-bounds. */
static int ms__dl_form(const ms__dl_ctx *c, ms__dl_rd *r, uint64_t form, unsigned offsz,
                       unsigned addrsz, unsigned ver, uint64_t *val, const char **str,
                       int *strx)
{
    uint64_t v = 0;
    int indirect_done = 0;
    *str = NULL;
    *strx = 0;
again:
    switch (form) {
    case 0x01: /* addr */
        if (addrsz < 1 || addrsz > 8)
            return 0;
        v = ms__dl_un(r, addrsz);
        break;
    case 0x03: /* block2 */
        ms__dl_skip(r, ms__dl_u16(r));
        break;
    case 0x04: /* block4 */
        ms__dl_skip(r, ms__dl_u32(r));
        break;
    case 0x09: /* block */
    case 0x18: /* exprloc */
        ms__dl_skip(r, ms__dl_uleb(r));
        break;
    case 0x0a: /* block1 */
        ms__dl_skip(r, ms__dl_u8(r));
        break;
    case 0x0b: case 0x0c: case 0x11: case 0x29: /* data1 flag ref1 addrx1 */
        v = ms__dl_u8(r);
        break;
    case 0x25: /* strx1 */
        v = ms__dl_u8(r);
        *strx = 1;
        break;
    case 0x05: case 0x12: case 0x2a: /* data2 ref2 addrx2 */
        v = ms__dl_u16(r);
        break;
    case 0x26: /* strx2 */
        v = ms__dl_u16(r);
        *strx = 1;
        break;
    case 0x2b: /* addrx3 */
        v = ms__dl_un(r, 3);
        break;
    case 0x27: /* strx3 */
        v = ms__dl_un(r, 3);
        *strx = 1;
        break;
    case 0x06: case 0x13: case 0x1c: case 0x2c: /* data4 ref4 ref_sup4 addrx4 */
        v = ms__dl_u32(r);
        break;
    case 0x28: /* strx4 */
        v = ms__dl_u32(r);
        *strx = 1;
        break;
    case 0x07: case 0x14: case 0x20: case 0x24: /* data8 ref8 ref_sig8 ref_sup8 */
        v = ms__dl_u64(r);
        break;
    case 0x1e: /* data16 (MD5) */
        ms__dl_skip(r, 16);
        break;
    case 0x08: /* string */
        *str = ms__dl_cstr(r);
        break;
    case 0x0e: /* strp */
        v = ms__dl_un(r, offsz);
        if (!r->bad)
            *str = ms__dl_str_at(&c->str, v);
        break;
    case 0x1f: /* line_strp */
        v = ms__dl_un(r, offsz);
        if (!r->bad)
            *str = ms__dl_str_at(&c->line_str, v);
        break;
    case 0x17: case 0x1d: case 0x1f20: case 0x1f21:
        /* sec_offset strp_sup GNU_ref_alt GNU_strp_alt (alt file: unsupported) */
        v = ms__dl_un(r, offsz);
        break;
    case 0x10: /* ref_addr */
        v = ms__dl_un(r, ver <= 2 ? addrsz : offsz);
        break;
    case 0x0d: /* sdata */
        v = ms__dl_sleb(r);
        break;
    case 0x0f: case 0x15: case 0x1b: case 0x22: case 0x23: case 0x1f01:
        /* udata ref_udata addrx loclistx rnglistx GNU_addr_index */
        v = ms__dl_uleb(r);
        break;
    case 0x1a: case 0x1f02: /* strx GNU_str_index */
        v = ms__dl_uleb(r);
        *strx = (form == 0x1a);
        break;
    case 0x19: /* flag_present */
    case 0x21: /* implicit_const: value lives in the abbreviation */
        break;
    case 0x16: /* indirect */
        if (indirect_done)
            return 0;
        indirect_done = 1;
        form = ms__dl_uleb(r);
        if (r->bad)
            return 0;
        goto again;
    default:
        return 0;
    }
    *val = v;
    return !r->bad;
}

/* ------------------------------------------------------------------------ */
/* .debug_info: DW_AT_comp_dir of each compilation unit, keyed by the
 * DW_AT_stmt_list offset of its line program.  Pre-DWARF-5 line tables
 * express "directory 0" as the compilation directory, which lives only
 * here.  Best effort: anything malformed just yields no comp_dir. */

static int ms__dl_cu_cmp(const void *a, const void *b)
{
    const ms__dl_cu *x = (const ms__dl_cu *)a, *y = (const ms__dl_cu *)b;
    return x->stmt < y->stmt ? -1 : x->stmt > y->stmt;
}

static int ms__dl_scan_info(ms__dl_ctx *c)
{
    ms__dl_rd r;
    if (!c->info.data || !c->abbrev.data)
        return 1;
    r = ms__dl_rd_make(c->info.data, c->info.data + c->info.size, c->be);
    while (ms__dl_left(&r) >= 4) {
        uint64_t len = ms__dl_u32(&r), aoff, code, stmt = 0, sobase = 8, cdval = 0;
        unsigned ver, asz, ut = 1;
        int have_stmt = 0, cd_strx = 0;
        const char *cd = NULL;
        ms__dl_rd u, a;
        if (len == 0xffffffffu) { /* 64-bit DWARF: not supported, skip */
            len = ms__dl_u64(&r);
            ms__dl_skip(&r, len);
            continue;
        }
        if (len >= 0xfffffff0u || len > ms__dl_left(&r))
            break;
        u = ms__dl_rd_make(r.p, r.p + len, c->be);
        r.p += len;
        ver = ms__dl_u16(&u);
        if (ver < 2 || ver > 5)
            continue;
        if (ver >= 5) {
            ut = ms__dl_u8(&u);
            asz = ms__dl_u8(&u);
            aoff = ms__dl_u32(&u);
            if (ut == 4 || ut == 5) /* skeleton, split_compile: dwo_id */
                ms__dl_skip(&u, 8);
            else if (ut != 1 && ut != 3) /* only compile / partial units */
                continue;
        } else {
            aoff = ms__dl_u32(&u);
            asz = ms__dl_u8(&u);
        }
        code = ms__dl_uleb(&u);
        if (u.bad || code == 0 || aoff >= c->abbrev.size)
            continue;
        /* find the abbreviation */
        a = ms__dl_rd_make(c->abbrev.data + aoff, c->abbrev.data + c->abbrev.size, c->be);
        for (;;) {
            uint64_t ac = ms__dl_uleb(&a);
            if (a.bad || ac == 0) {
                ms__dl_fail(&a);
                break;
            }
            (void)ms__dl_uleb(&a); /* tag */
            (void)ms__dl_u8(&a);   /* children */
            if (ac == code)
                break;
            for (;;) {
                uint64_t at = ms__dl_uleb(&a), fm = ms__dl_uleb(&a);
                if (a.bad || (at == 0 && fm == 0))
                    break;
                if (fm == 0x21)
                    (void)ms__dl_sleb(&a);
            }
        }
        /* walk the DIE's attributes */
        while (!a.bad && !u.bad) {
            uint64_t at = ms__dl_uleb(&a), fm = ms__dl_uleb(&a), v = 0;
            const char *s;
            int sx;
            if (a.bad || (at == 0 && fm == 0))
                break;
            if (fm == 0x21) {
                v = ms__dl_sleb(&a);
                s = NULL;
                sx = 0;
            } else if (!ms__dl_form(c, &u, fm, 4, asz, ver, &v, &s, &sx)) {
                break;
            }
            if (at == 0x10 /* stmt_list */ && !s && !sx) {
                stmt = v;
                have_stmt = 1;
            } else if (at == 0x1b /* comp_dir */) {
                cd = s;
                cd_strx = sx;
                cdval = v;
            } else if (at == 0x72 /* str_offsets_base */) {
                sobase = v;
            }
        }
        if (!have_stmt)
            continue;
        if (cd_strx && c->str_offs.data) {
            ms__dl_rd so;
            uint64_t o = sobase + cdval * 4;
            if (cdval < (1ull << 60) && o >= sobase && o < c->str_offs.size) {
                so = ms__dl_rd_make(c->str_offs.data + o, c->str_offs.data + c->str_offs.size,
                                    c->be);
                o = ms__dl_u32(&so);
                if (!so.bad)
                    cd = ms__dl_str_at(&c->str, o);
            }
        }
        {
            void *np = ms__dl_reserve(c->cus, &c->capcus, c->ncus + 1, sizeof *c->cus);
            if (!np)
                return 0;
            c->cus = (ms__dl_cu *)np;
            c->cus[c->ncus].stmt = stmt;
            c->cus[c->ncus].comp_dir = cd;
            c->ncus++;
        }
    }
    if (c->ncus > 1)
        qsort(c->cus, c->ncus, sizeof *c->cus, ms__dl_cu_cmp);
    return 1;
}

static const char *ms__dl_comp_dir(const ms__dl_ctx *c, uint64_t stmt, int *found)
{
    size_t lo = 0, hi = c->ncus;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->cus[mid].stmt < stmt)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < c->ncus && c->cus[lo].stmt == stmt) {
        *found = 1;
        return c->cus[lo].comp_dir;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* file names                                                                */

/* append a full path built from up to three parts; returns new file id or
 * MS__DL_END on allocation failure */
static uint32_t ms__dl_add_name(ms__dl_ctx *c, const char *a, const char *b, const char *n)
{
    size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0, ln = strlen(n);
    size_t need = la + lb + ln + 3;
    void *np;
    char *d;
    if (c->nfiles >= MS__DL_NOFILE || c->nlen > UINT32_MAX || need > SIZE_MAX - c->nlen)
        return MS__DL_END;
    np = ms__dl_reserve(c->names, &c->ncap, c->nlen + need, 1);
    if (!np)
        return MS__DL_END;
    c->names = (char *)np;
    np = ms__dl_reserve(c->foff, &c->capfiles, c->nfiles + 1, sizeof *c->foff);
    if (!np)
        return MS__DL_END;
    c->foff = (uint32_t *)np;
    d = c->names + c->nlen;
    if (a) {
        memcpy(d, a, la);
        d += la;
        *d++ = '/';
    }
    if (b) {
        memcpy(d, b, lb);
        d += lb;
        *d++ = '/';
    }
    memcpy(d, n, ln);
    d[ln] = 0;
    c->foff[c->nfiles] = (uint32_t)c->nlen;
    c->nlen = (size_t)(d + ln + 1 - c->names);
    return (uint32_t)c->nfiles++;
}

/* Full path of file entry e of the current unit, joined like GNU BFD:
 * absolute name as is; else dir/name if dir is absolute; else
 * comp_dir/dir/name (comp_dir/name when the entry has no directory). */
static uint32_t ms__dl_file_id(ms__dl_ctx *c, size_t e, unsigned ver, const char *comp_dir)
{
    const ms__dl_fent *f = &c->fents[e];
    const char *sub = NULL, *base;
    if (!f->name) {
        if (c->unknown_id == MS__DL_END)
            c->unknown_id = ms__dl_add_name(c, NULL, NULL, "<unknown>");
        return c->unknown_id;
    }
    if (f->name[0] == '/')
        return ms__dl_add_name(c, NULL, NULL, f->name);
    if (ver >= 5) {
        if (f->dir < c->ndirs)
            sub = c->dirs[f->dir];
    } else if (f->dir >= 1 && f->dir - 1 < c->ndirs) {
        sub = c->dirs[f->dir - 1];
    }
    base = (!sub || sub[0] != '/') ? comp_dir : NULL;
    if (!base) {
        base = sub;
        sub = NULL;
    }
    return ms__dl_add_name(c, base, sub, f->name);
}

static int ms__dl_push_fent(ms__dl_ctx *c, const char *name, uint64_t dir)
{
    void *np = ms__dl_reserve(c->fents, &c->capfents, c->nfents + 1, sizeof *c->fents);
    if (!np)
        return 0;
    c->fents = (ms__dl_fent *)np;
    c->fents[c->nfents].name = name;
    c->fents[c->nfents].dir = dir;
    c->nfents++;
    return 1;
}

static int ms__dl_push_dir(ms__dl_ctx *c, const char *name)
{
    void *np = ms__dl_reserve(c->dirs, &c->capdirs, c->ndirs + 1, sizeof *c->dirs);
    if (!np)
        return 0;
    c->dirs = (const char **)np;
    c->dirs[c->ndirs++] = name;
    return 1;
}

/* DWARF 5 directory or file-name table (entry formats + entries).
 * Returns 1 ok, 0 malformed, -1 out of memory. */
static int ms__dl_v5_table(ms__dl_ctx *c, ms__dl_rd *h, int files, unsigned offsz,
                           unsigned addrsz)
{
    uint64_t ctype[255], form[255], count, i;
    unsigned nfmt = ms__dl_u8(h), j;
    for (j = 0; j < nfmt; j++) {
        ctype[j] = ms__dl_uleb(h);
        form[j] = ms__dl_uleb(h);
    }
    count = ms__dl_uleb(h);
    if (h->bad || (nfmt == 0 && count != 0) || count > ms__dl_left(h))
        return 0;
    for (i = 0; i < count; i++) {
        const char *path = NULL;
        uint64_t dir = 0;
        const unsigned char *before = h->p;
        for (j = 0; j < nfmt; j++) {
            uint64_t v = 0;
            const char *s;
            int sx;
            if (form[j] == 0x21 ||
                !ms__dl_form(c, h, form[j], offsz, addrsz, 5, &v, &s, &sx))
                return 0;
            if (ctype[j] == 1) /* DW_LNCT_path */
                path = s;      /* NULL if strx/sup/alt form: unresolvable */
            else if (ctype[j] == 2 && !s) /* DW_LNCT_directory_index */
                dir = v;
            /* DW_LNCT_timestamp / size / MD5 / vendor types: skipped */
        }
        if (h->p == before)
            return 0; /* zero-size entries: refuse rather than spin */
        if (!(files ? ms__dl_push_fent(c, path, dir) : ms__dl_push_dir(c, path)))
            return -1;
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* line-number program                                                       */

static int ms__dl_emit(ms__dl_ctx *c, uint64_t addr, uint64_t file, uint32_t line)
{
    void *np = ms__dl_reserve(c->rows, &c->caprows, c->nrows + 1, sizeof *c->rows);
    if (!np)
        return 0;
    c->rows = (ms__dl_row *)np;
    c->rows[c->nrows].addr = addr;
    c->rows[c->nrows].file = file >= MS__DL_NOFILE ? MS__DL_NOFILE : (uint32_t)file;
    c->rows[c->nrows].line = line;
    c->nrows++;
    return 1;
}

/* A line-number program header, parsed by ms__dl_lhdr (which also fills
 * c->dirs and c->fents with the unit's directory and file tables). */
typedef struct ms__dl_lhdr {
    unsigned ver, addrsz, minlen, maxops, line_range, opbase;
    uint64_t line_base;
    const unsigned char *stdlen, *prog;
} ms__dl_lhdr;

/* Parse the header of the unit [p, end) (after its length field).
 * Returns 1 ok, 0 malformed or unsupported (skip the unit), -1 out of
 * memory. */
static int ms__dl_lhdr_parse(ms__dl_ctx *c, const unsigned char *p, const unsigned char *end,
                             ms__dl_lhdr *o)
{
    ms__dl_rd r = ms__dl_rd_make(p, end, c->be), h;
    unsigned ver, addrsz = 8, maxops = 1;
    uint8_t line_base_u;
    uint64_t hlen;

    c->ndirs = 0;
    c->nfents = 0;
    ver = ms__dl_u16(&r);
    if (r.bad || ver < 2 || ver > 5)
        return 0;
    if (ver >= 5) {
        addrsz = ms__dl_u8(&r);
        (void)ms__dl_u8(&r); /* segment_selector_size */
    }
    hlen = ms__dl_u32(&r);
    if (r.bad || hlen > ms__dl_left(&r))
        return 0;
    o->prog = r.p + hlen;
    h = ms__dl_rd_make(r.p, o->prog, c->be);
    o->minlen = ms__dl_u8(&h);
    if (ver >= 4)
        maxops = ms__dl_u8(&h);
    if (maxops == 0)
        maxops = 1;
    (void)ms__dl_u8(&h); /* default_is_stmt: rows are kept regardless */
    line_base_u = ms__dl_u8(&h);
    o->line_base = line_base_u >= 0x80 ? (uint64_t)line_base_u - 256u : line_base_u;
    o->line_range = ms__dl_u8(&h);
    o->opbase = ms__dl_u8(&h);
    if (h.bad || o->line_range == 0 || o->opbase == 0)
        return 0;
    o->stdlen = h.p;
    ms__dl_skip(&h, o->opbase - 1u);
    if (h.bad)
        return 0;
    o->ver = ver;
    o->addrsz = addrsz;
    o->maxops = maxops;

    if (ver < 5) {
        for (;;) {
            const char *s = ms__dl_cstr(&h);
            if (!s || !*s)
                break;
            if (!ms__dl_push_dir(c, s))
                return -1;
        }
        for (;;) {
            const char *s = ms__dl_cstr(&h);
            uint64_t d;
            if (!s || !*s)
                break;
            d = ms__dl_uleb(&h);
            (void)ms__dl_uleb(&h); /* mtime */
            (void)ms__dl_uleb(&h); /* length */
            if (h.bad)
                break;
            if (!ms__dl_push_fent(c, s, d))
                return -1;
        }
    } else {
        int t = ms__dl_v5_table(c, &h, 0, 4, addrsz);
        if (t > 0)
            t = ms__dl_v5_table(c, &h, 1, 4, addrsz);
        if (t <= 0)
            return t;
    }
    if (h.bad)
        return 0;
    return 1;
}

/* Decode one line-number program unit [p, end) found at section offset
 * uoff.  Complete sequences decoded before any malformation are kept.
 * Returns 1, or 0 on allocation failure. */
static int ms__dl_unit(ms__dl_ctx *c, uint64_t uoff, const unsigned char *p,
                       const unsigned char *end)
{
    ms__dl_rd r;
    ms__dl_lhdr hd;
    unsigned ver, minlen, maxops, line_range, opbase, i;
    uint64_t line_base;
    const unsigned char *stdlen, *prog;
    const char *comp_dir;
    int found, ok = 1, hr;
    size_t unit_start = c->nrows, seq_start = c->nrows;
    /* state machine registers */
    uint64_t addr, file, opidx;
    uint32_t line;

    hr = ms__dl_lhdr_parse(c, p, end, &hd);
    if (hr < 0)
        return 0;
    if (hr == 0)
        return 1;
    ver = hd.ver;
    minlen = hd.minlen;
    maxops = hd.maxops;
    line_range = hd.line_range;
    opbase = hd.opbase;
    line_base = hd.line_base;
    stdlen = hd.stdlen;
    prog = hd.prog;

    comp_dir = ms__dl_comp_dir(c, uoff, &found);
    if (!found && ver >= 5 && c->ndirs > 0)
        comp_dir = c->dirs[0];

    r = ms__dl_rd_make(prog, end, c->be);
    addr = 0;
    file = 1; /* DWARF 2-5 all start with file 1 (as BFD reads them) */
    line = 1;
    opidx = 0;
    while (ok && ms__dl_left(&r) > 0) {
        unsigned op = ms__dl_u8(&r);
        uint64_t adv = 0;
        int advance = 0;
        if (op >= opbase) { /* special opcode */
            unsigned adj = op - opbase;
            adv = adj / line_range;
            line = (uint32_t)(line + (uint32_t)(line_base + adj % line_range));
            advance = 1;
        } else if (op == 0) { /* extended opcode */
            uint64_t len = ms__dl_uleb(&r);
            ms__dl_rd e;
            if (r.bad || len > ms__dl_left(&r))
                break;
            e = ms__dl_rd_make(r.p, r.p + len, c->be);
            r.p += len;
            if (len == 0)
                continue;
            switch (ms__dl_u8(&e)) {
            case 1: /* DW_LNE_end_sequence */
                if (c->nrows > seq_start) {
                    void *np = ms__dl_reserve(c->seqs, &c->capseqs, c->nseqs + 1,
                                              sizeof *c->seqs);
                    if (!np) {
                        ok = 0;
                        break;
                    }
                    c->seqs = (ms__dl_seq *)np;
                    c->seqs[c->nseqs].start = seq_start;
                    c->seqs[c->nseqs].n = c->nrows - seq_start;
                    c->seqs[c->nseqs].high = addr;
                    c->seqs[c->nseqs].ord = c->nseqs;
                    c->nseqs++;
                }
                seq_start = c->nrows;
                addr = 0;
                file = 1;
                line = 1;
                opidx = 0;
                break;
            case 2: /* DW_LNE_set_address */
                if (len - 1 >= 1 && len - 1 <= 8)
                    addr = ms__dl_un(&e, (size_t)(len - 1));
                opidx = 0;
                break;
            case 3: /* DW_LNE_define_file (v2-4) */
                if (ver < 5) {
                    const char *s = ms__dl_cstr(&e);
                    uint64_t d = ms__dl_uleb(&e);
                    if (!e.bad && !ms__dl_push_fent(c, s, d))
                        ok = 0;
                }
                break;
            default: /* set_discriminator (4), vendor: skipped by length */
                break;
            }
            continue;
        } else {
            switch (op) {
            case 1: /* DW_LNS_copy */
                if (!ms__dl_emit(c, addr, file, line))
                    ok = 0;
                continue;
            case 2: /* DW_LNS_advance_pc */
                adv = ms__dl_uleb(&r);
                break;
            case 3: /* DW_LNS_advance_line */
                line = (uint32_t)(line + (uint32_t)ms__dl_sleb(&r));
                continue;
            case 4: /* DW_LNS_set_file */
                file = ms__dl_uleb(&r);
                continue;
            case 5: /* DW_LNS_set_column */
            case 12: /* DW_LNS_set_isa */
                (void)ms__dl_uleb(&r);
                continue;
            case 6: case 7: case 10: case 11:
                /* negate_stmt set_basic_block set_prologue_end set_epilogue_begin */
                continue;
            case 8: /* DW_LNS_const_add_pc */
                adv = (255u - opbase) / line_range;
                break;
            case 9: /* DW_LNS_fixed_advance_pc */
                addr += ms__dl_u16(&r);
                opidx = 0;
                continue;
            default: /* unknown standard opcode: skip its ULEB operands */
                for (i = 0; i < stdlen[op - 1]; i++)
                    (void)ms__dl_uleb(&r);
                continue;
            }
        }
        if (r.bad)
            break;
        /* advance address by `adv` operations (VLIW aware) */
        if (maxops == 1) {
            addr += (uint64_t)minlen * adv;
        } else {
            uint64_t t = opidx + adv;
            addr += (uint64_t)minlen * (t / maxops);
            opidx = t % maxops;
        }
        if (advance && !ms__dl_emit(c, addr, file, line))
            ok = 0;
    }
    if (!ok)
        return 0;
    /* drop an unterminated trailing sequence */
    c->nrows = seq_start;

    /* turn unit-local file numbers into table file ids; each (unit, file
     * entry) that some row uses gets its full path stored once */
    if (c->nrows > unit_start) {
        size_t k;
        void *np = ms__dl_reserve(c->fmap, &c->capfmap, c->nfents + 1, sizeof *c->fmap);
        if (!np)
            return 0;
        c->fmap = (uint32_t *)np;
        for (k = 0; k < c->nfents; k++)
            c->fmap[k] = MS__DL_END;
        for (k = unit_start; k < c->nrows; k++) {
            uint64_t f = c->rows[k].file;
            uint32_t id;
            if (ver < 5)
                f--; /* 1-based; 0 wraps to "unknown" */
            if (f < c->nfents) {
                if (c->fmap[f] == MS__DL_END) {
                    c->fmap[f] = ms__dl_file_id(c, (size_t)f, ver, comp_dir);
                    if (c->fmap[f] == MS__DL_END)
                        return 0;
                }
                id = c->fmap[f];
            } else {
                if (c->unknown_id == MS__DL_END) {
                    c->unknown_id = ms__dl_add_name(c, NULL, NULL, "<unknown>");
                    if (c->unknown_id == MS__DL_END)
                        return 0;
                }
                id = c->unknown_id;
            }
            c->rows[k].file = id;
        }
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* assembling the table                                                      */

/* stable merge sort of rows by address (rarely needed: producers emit
 * sequences in increasing address order) */
static int ms__dl_sort_rows(ms__dl_row *a, size_t n)
{
    ms__dl_row *tmp, *src, *dst;
    size_t w;
    if (n > SIZE_MAX / sizeof *a)
        return 0;
    tmp = (ms__dl_row *)MEMSCOPE_MALLOC(n * sizeof *a);
    if (!tmp)
        return 0;
    src = a;
    dst = tmp;
    for (w = 1; w < n; w *= 2) {
        size_t lo;
        ms__dl_row *t;
        for (lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = mid + w < n ? mid + w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = src[j].addr < src[i].addr ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        t = src;
        src = dst;
        dst = t;
        if (w > SIZE_MAX / 2)
            break;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    MEMSCOPE_FREE(tmp);
    return 1;
}

static int ms__dl_seq_cmp(const void *pa, const void *pb)
{
    const ms__dl_seq *a = (const ms__dl_seq *)pa, *b = (const ms__dl_seq *)pb;
    if (a->low != b->low)
        return a->low < b->low ? -1 : 1;
    if (a->high != b->high) /* larger range first */
        return a->high > b->high ? -1 : 1;
    return a->ord < b->ord ? -1 : a->ord > b->ord;
}

/* Normalize each sequence's rows (sort, keep the last row of equal
 * addresses, merge neighbours with equal file/line, drop rows at or past
 * the end), then order sequences by address, drop sequences nested in an
 * earlier one and trim overlapping starts, and emit one flat sorted array
 * with an end marker after each sequence. */
static int ms__dl_finish(ms__dl_ctx *c, ms__dl_table *out)
{
    size_t s, total = 0, n = 0;
    uint64_t last_high = 0;
    int have_last = 0;
    ms__dl_row *fin;

    for (s = 0; s < c->nseqs; s++) {
        ms__dl_seq *q = &c->seqs[s];
        ms__dl_row *a = c->rows + q->start;
        size_t i, w = 0;
        int sorted = 1;
        for (i = 1; i < q->n; i++)
            if (a[i].addr < a[i - 1].addr) {
                sorted = 0;
                break;
            }
        if (!sorted && !ms__dl_sort_rows(a, q->n))
            return 0;
        for (i = 0; i < q->n && a[i].addr < q->high; i++) {
            if (w > 0 && a[w - 1].addr == a[i].addr) {
                a[w - 1] = a[i];
                if (w > 1 && a[w - 2].file == a[w - 1].file && a[w - 2].line == a[w - 1].line)
                    w--;
            } else if (w == 0 || a[w - 1].file != a[i].file || a[w - 1].line != a[i].line) {
                a[w++] = a[i];
            }
        }
        q->n = w;
        q->low = w ? a[0].addr : q->high;
        if (w && !ms__dl_in_exec(c, q->low))
            q->n = 0; /* discarded code relocated to a tombstone address */
        total += q->n + 1;
    }
    if (c->nseqs > 1)
        qsort(c->seqs, c->nseqs, sizeof *c->seqs, ms__dl_seq_cmp);
    if (total == 0 || total > SIZE_MAX / sizeof *fin)
        return 0;
    fin = (ms__dl_row *)MEMSCOPE_MALLOC(total * sizeof *fin);
    if (!fin)
        return 0;
    for (s = 0; s < c->nseqs; s++) {
        ms__dl_seq *q = &c->seqs[s];
        ms__dl_row *a = c->rows + q->start;
        size_t first = 0, i;
        if (q->n == 0)
            continue;
        if (have_last && q->low < last_high) {
            if (q->high <= last_high)
                continue; /* nested in the previous sequence */
            while (first + 1 < q->n && a[first + 1].addr <= last_high)
                first++;
        }
        /* a sequence starting exactly at the previous end replaces the end
         * marker */
        if (n > 0 && fin[n - 1].file == MS__DL_END && fin[n - 1].addr >= a[first].addr)
            n--;
        for (i = first; i < q->n; i++) {
            fin[n] = a[i];
            if (i == first && have_last && fin[n].addr < last_high)
                fin[n].addr = last_high;
            n++;
        }
        fin[n].addr = q->high;
        fin[n].file = MS__DL_END;
        fin[n].line = 0;
        n++;
        last_high = q->high;
        have_last = 1;
    }
    if (n == 0) {
        MEMSCOPE_FREE(fin);
        return 0;
    }
    out->rows = fin;
    out->nrows = n;
    out->names = c->names;
    out->file_off = c->foff;
    out->nfiles = c->nfiles;
    c->names = NULL;
    c->foff = NULL;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* public interface                                                          */

MS__MAYBE_UNUSED static void ms__dl_free(ms__dl_table *t)
{
    if (!t)
        return;
    MEMSCOPE_FREE(t->rows);
    MEMSCOPE_FREE(t->names);
    MEMSCOPE_FREE(t->file_off);
    memset(t, 0, sizeof *t);
}

static int ms__dl_build(const unsigned char *image, size_t size, ms__dl_table *out)
{
    ms__dl_ctx c;
    ms__dl_rd r;
    int ok = 0;

    if (!out)
        return 0;
    memset(out, 0, sizeof *out);
    if (!image)
        return 0;
    memset(&c, 0, sizeof c);
    c.img = image;
    c.size = size;
    c.unknown_id = MS__DL_END;
    if (!ms__dl_elf(&c))
        return 0;
    if (!ms__dl_scan_info(&c) || !ms__dl_exec_ranges(&c))
        goto done;

    r = ms__dl_rd_make(c.line.data, c.line.data + c.line.size, c.be);
    while (ms__dl_left(&r) >= 4) {
        uint64_t uoff = (uint64_t)(r.p - c.line.data);
        uint64_t len = ms__dl_u32(&r);
        if (len == 0xffffffffu) {
            /* 64-bit DWARF unit: rejected (skipped whole) */
            len = ms__dl_u64(&r);
            ms__dl_skip(&r, len);
            continue;
        }
        if (len >= 0xfffffff0u || len > ms__dl_left(&r))
            break; /* reserved length or truncated section */
        if (!ms__dl_unit(&c, uoff, r.p, r.p + len))
            goto done;
        r.p += len;
    }
    ok = c.nseqs > 0 && ms__dl_finish(&c, out);
done:
    MEMSCOPE_FREE(c.rows);
    MEMSCOPE_FREE(c.seqs);
    MEMSCOPE_FREE(c.names);
    MEMSCOPE_FREE(c.foff);
    MEMSCOPE_FREE(c.dirs);
    MEMSCOPE_FREE(c.fents);
    MEMSCOPE_FREE(c.fmap);
    MEMSCOPE_FREE(c.cus);
    MEMSCOPE_FREE(c.exec);
    if (!ok)
        memset(out, 0, sizeof *out);
    return ok;
}

/* file/line of file-relative address addr; 0 if no row covers it */
static int ms__dl_lookup(const ms__dl_table *t, uint64_t addr, const char **file,
                         uint32_t *line)
{
    size_t lo = 0, hi;
    const ms__dl_row *row;
    if (!t || !t->rows)
        return 0;
    hi = t->nrows;
    while (lo < hi) { /* first row with row.addr > addr */
        size_t mid = lo + (hi - lo) / 2;
        if (t->rows[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    row = &t->rows[lo - 1];
    if (row->file == MS__DL_END || row->file >= t->nfiles)
        return 0;
    if (file)
        *file = t->names + t->file_off[row->file];
    if (line)
        *line = row->line;
    return 1;
}

/* ======================================================================== */
/* Inlined frames (addr2line -f -i) from .debug_info DIEs                   */
/*
 *   ms__dl_itab it;
 *   if (ms__dl_inl_build(image, size, &it)) {
 *       ms__dl_iframe fr[16];
 *       size_t n = ms__dl_inl_lookup(&it, pc - load_bias, fr, 16);
 *       ...  fr[0] innermost inlined function ... fr[n-1] the subprogram
 *       ms__dl_inl_free(&it);
 *   }
 *
 * Frame i prints name fr[i].name at (i == 0 ? the line table's file:line
 * for the address : fr[i-1].call_file:fr[i-1].call_line), which is the
 * order and pairing of `addr2line -f -i`.  All strings are copied into the
 * table, so the image may be unmapped after the build.
 */

#define MS__DL_NONE 0xffffffffu
#define MS__DL_MAXDEPTH 256  /* DIE nesting levels walked per unit */
#define MS__DL_MAXHOPS 16    /* abstract_origin/specification chain */
#define MS__DL_MAXRLE 65536  /* entries read from one range list */

typedef struct ms__dl_iframe {
    const char *name;      /* linkage name if the DIE or its origin chain has
                              one, else DW_AT_name; NULL if none */
    const char *call_file; /* inlined entries: the call site's file (full
                              path as ms__dl_lookup gives), else NULL */
    uint32_t call_line;    /* DW_AT_call_line, 0 if none */
} ms__dl_iframe;

/* [addr, next segment's addr) belongs to node (MS__DL_NONE: no function) */
typedef struct ms__dl_iseg {
    uint64_t addr;
    uint32_t node;
} ms__dl_iseg;

/* one subprogram or inlined_subroutine DIE that has code */
typedef struct ms__dl_inode {
    uint32_t parent; /* enclosing function's node (inlined only), or NONE */
    uint32_t name;   /* offset into names, or NONE */
    uint32_t file;   /* offset into names of the call file, or NONE */
    uint32_t line;   /* call line */
} ms__dl_inode;

typedef struct ms__dl_itab {
    ms__dl_iseg *segs; /* sorted by addr, neighbours have different nodes */
    size_t nsegs;
    ms__dl_inode *nodes; /* a node's parent always has a smaller index */
    size_t nnodes;
    char *names; /* function names and call file paths, NUL-terminated */
} ms__dl_itab;

typedef struct ms__dl_aspec {
    uint32_t at, form;
    uint64_t ic; /* DW_FORM_implicit_const value */
} ms__dl_aspec;

typedef struct ms__dl_abb {
    uint64_t code;
    uint32_t tag, children;
    size_t first, n; /* specs[first .. first+n) */
} ms__dl_abb;

typedef struct ms__dl_atab {
    size_t first, n; /* abbs[first .. first+n) */
    int dense;       /* abbs[first + k].code == k + 1 for all k */
} ms__dl_atab;

/* a unit of .debug_info */
typedef struct ms__dl_iu {
    uint64_t off, die, end; /* section offsets: header, first DIE, end */
    unsigned ver, asz;
    size_t atab;
    uint64_t base, addr_base, rng_base, so_base, stmt;
    int have_stmt;
} ms__dl_iu;

typedef struct ms__dl_irng {
    uint64_t lo, hi;
    uint32_t node, unit;
} ms__dl_irng;

/* the attributes of one DIE that matter here */
typedef struct ms__dl_die {
    uint64_t tag;
    int children;
    uint64_t low, high, ranges, origin, spec, cfile, cline;
    uint64_t stmt, so_base, addr_base, rng_base;
    int has_low, low_x, has_high, high_off, high_x, has_ranges, ranges_x, has_cfile;
    int has_stmt, has_so, has_ab, has_rb;
    const char *name, *link;
} ms__dl_die;

/* open-addressing map uint64 -> uint32 (value MS__DL_NONE = empty slot) */
typedef struct ms__dl_hash {
    uint64_t *k;
    uint32_t *v;
    size_t cap, n;
} ms__dl_hash;

typedef struct ms__dl_ictx {
    ms__dl_ctx c; /* sections, exec ranges, comp dirs, names pool, file tables */
    ms__dl_aspec *specs;
    size_t nspecs, capspecs;
    ms__dl_abb *abbs;
    size_t nabbs, capabbs;
    ms__dl_atab *atabs;
    size_t natabs, capatabs;
    ms__dl_iu *units;
    size_t nunits, capunits;
    ms__dl_inode *nodes;
    size_t nnodes, capnodes;
    ms__dl_irng *rngs;
    size_t nrngs, caprngs;
    ms__dl_hash strs;  /* image string pointer -> names offset */
    ms__dl_hash aoffs; /* .debug_abbrev offset -> atabs index */
    /* line file table of the unit being walked */
    int lstate; /* 0 not loaded, 1 loaded, -1 unavailable */
    unsigned lver;
    const char *lcomp;
    uint32_t cur_unit; /* index of the unit being walked */
} ms__dl_ictx;

static size_t ms__dl_hslot(const ms__dl_hash *h, uint64_t key)
{
    uint64_t x = key * 0x9e3779b97f4a7c15ull;
    return (size_t)(x ^ (x >> 29)) & (h->cap - 1);
}

/* Value slot of key (inserted with value MS__DL_NONE if absent); NULL when
 * out of memory. */
static uint32_t *ms__dl_hget(ms__dl_hash *h, uint64_t key)
{
    size_t i;
    if (h->n + 1 > h->cap / 2) {
        size_t nc = h->cap ? h->cap * 2 : 1024, j;
        uint64_t *nk;
        uint32_t *nv;
        if (nc > SIZE_MAX / 2 / sizeof *nk)
            return NULL;
        nk = (uint64_t *)MEMSCOPE_MALLOC(nc * sizeof *nk);
        nv = (uint32_t *)MEMSCOPE_MALLOC(nc * sizeof *nv);
        if (!nk || !nv) {
            MEMSCOPE_FREE(nk);
            MEMSCOPE_FREE(nv);
            return NULL;
        }
        for (j = 0; j < nc; j++)
            nv[j] = MS__DL_NONE;
        {
            ms__dl_hash o = *h;
            h->k = nk;
            h->v = nv;
            h->cap = nc;
            for (j = 0; j < o.cap; j++) {
                if (o.v[j] == MS__DL_NONE)
                    continue;
                i = ms__dl_hslot(h, o.k[j]);
                while (h->v[i] != MS__DL_NONE)
                    i = (i + 1) & (h->cap - 1);
                h->k[i] = o.k[j];
                h->v[i] = o.v[j];
            }
            MEMSCOPE_FREE(o.k);
            MEMSCOPE_FREE(o.v);
        }
    }
    i = ms__dl_hslot(h, key);
    while (h->v[i] != MS__DL_NONE) {
        if (h->k[i] == key)
            return &h->v[i];
        i = (i + 1) & (h->cap - 1);
    }
    h->k[i] = key;
    h->n++;
    return &h->v[i];
}

/* Copy s into the names pool once per distinct image pointer.  *off gets
 * its offset (MS__DL_NONE for s == NULL).  Returns 0 when out of memory. */
static int ms__dl_intern(ms__dl_ictx *x, const char *s, uint32_t *off)
{
    uint32_t *slot;
    size_t len;
    void *np;
    *off = MS__DL_NONE;
    if (!s)
        return 1;
    slot = ms__dl_hget(&x->strs, (uint64_t)(uintptr_t)s);
    if (!slot)
        return 0;
    if (*slot != MS__DL_NONE) {
        *off = *slot;
        return 1;
    }
    len = strlen(s) + 1;
    if (x->c.nlen >= 0xfffffff0u - len) {
        x->strs.n--; /* (slot stays empty) */
        return 0;
    }
    np = ms__dl_reserve(x->c.names, &x->c.ncap, x->c.nlen + len, 1);
    if (!np) {
        x->strs.n--;
        return 0;
    }
    x->c.names = (char *)np;
    memcpy(x->c.names + x->c.nlen, s, len);
    *slot = (uint32_t)x->c.nlen;
    *off = *slot;
    x->c.nlen += len;
    return 1;
}

/* string number idx of .debug_str_offsets at base (32-bit entries) */
static const char *ms__dl_strx(const ms__dl_ctx *c, uint64_t base, uint64_t idx)
{
    ms__dl_rd r;
    uint64_t o;
    if (!c->str_offs.data || idx >= (1ull << 60))
        return NULL;
    o = base + idx * 4;
    if (o < base || o >= c->str_offs.size)
        return NULL;
    r = ms__dl_rd_make(c->str_offs.data + o, c->str_offs.data + c->str_offs.size, c->be);
    o = ms__dl_u32(&r);
    return r.bad ? NULL : ms__dl_str_at(&c->str, o);
}

/* address number idx of .debug_addr for unit u; 0 if out of range */
static int ms__dl_addrx(const ms__dl_ctx *c, const ms__dl_iu *u, uint64_t idx, uint64_t *a)
{
    ms__dl_rd r;
    uint64_t o;
    if (!c->addr.data || idx >= (1ull << 56) || u->asz < 1 || u->asz > 8)
        return 0;
    o = u->addr_base + idx * u->asz;
    if (o < u->addr_base || o >= c->addr.size)
        return 0;
    r = ms__dl_rd_make(c->addr.data + o, c->addr.data + c->addr.size, c->be);
    *a = ms__dl_un(&r, u->asz);
    return !r.bad;
}

static int ms__dl_abb_cmp(const void *pa, const void *pb)
{
    const ms__dl_abb *a = (const ms__dl_abb *)pa, *b = (const ms__dl_abb *)pb;
    return a->code < b->code ? -1 : a->code > b->code;
}

/* Decode (once per offset) the abbreviation table at aoff; *idx = its
 * index in atabs.  Returns 0 when out of memory. */
static int ms__dl_abbrevs(ms__dl_ictx *x, uint64_t aoff, size_t *idx)
{
    ms__dl_rd a;
    ms__dl_atab t;
    uint32_t *slot = ms__dl_hget(&x->aoffs, aoff);
    void *np;
    if (!slot)
        return 0;
    if (*slot != MS__DL_NONE) {
        *idx = *slot;
        return 1;
    }
    t.first = x->nabbs;
    t.n = 0;
    t.dense = 1;
    /* bound the total work for adversarial files that point many units
     * into one huge table at different offsets */
    if (aoff < x->c.abbrev.size && x->nspecs < 16 * x->c.abbrev.size + 65536) {
        a = ms__dl_rd_make(x->c.abbrev.data + aoff, x->c.abbrev.data + x->c.abbrev.size,
                           x->c.be);
        for (;;) {
            ms__dl_abb b;
            size_t spec0 = x->nspecs;
            b.code = ms__dl_uleb(&a);
            if (a.bad || b.code == 0)
                break;
            b.tag = (uint32_t)ms__dl_uleb(&a);
            b.children = ms__dl_u8(&a);
            b.first = spec0;
            for (;;) {
                ms__dl_aspec sp;
                uint64_t at = ms__dl_uleb(&a), fm = ms__dl_uleb(&a);
                if (a.bad || (at == 0 && fm == 0))
                    break;
                sp.at = at > 0xffffffffu ? 0xffffffffu : (uint32_t)at;
                sp.form = fm > 0xffffffffu ? 0xffffffffu : (uint32_t)fm;
                sp.ic = fm == 0x21 ? ms__dl_sleb(&a) : 0;
                np = ms__dl_reserve(x->specs, &x->capspecs, x->nspecs + 1, sizeof *x->specs);
                if (!np)
                    return 0;
                x->specs = (ms__dl_aspec *)np;
                x->specs[x->nspecs++] = sp;
            }
            if (a.bad) { /* truncated declaration: dropped */
                x->nspecs = spec0;
                break;
            }
            b.n = x->nspecs - spec0;
            np = ms__dl_reserve(x->abbs, &x->capabbs, x->nabbs + 1, sizeof *x->abbs);
            if (!np)
                return 0;
            x->abbs = (ms__dl_abb *)np;
            if (b.code != t.n + 1)
                t.dense = 0;
            x->abbs[x->nabbs++] = b;
            t.n++;
        }
    }
    if (!t.dense && t.n > 1)
        qsort(x->abbs + t.first, t.n, sizeof *x->abbs, ms__dl_abb_cmp);
    np = ms__dl_reserve(x->atabs, &x->capatabs, x->natabs + 1, sizeof *x->atabs);
    if (!np)
        return 0;
    x->atabs = (ms__dl_atab *)np;
    x->atabs[x->natabs] = t;
    *slot = (uint32_t)x->natabs;
    *idx = x->natabs++;
    return 1;
}

static const ms__dl_abb *ms__dl_abb_find(const ms__dl_ictx *x, const ms__dl_atab *t,
                                         uint64_t code)
{
    size_t lo = 0, hi = t->n;
    if (t->dense)
        return code >= 1 && code <= t->n ? &x->abbs[t->first + (size_t)code - 1] : NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->abbs[t->first + mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && x->abbs[t->first + lo].code == code ? &x->abbs[t->first + lo] : NULL;
}

static int ms__dl_is_addrx(uint32_t form)
{
    return form == 0x1b || (form >= 0x29 && form <= 0x2c) || form == 0x1f01;
}

/* Read the DIE at r in unit u.  A null entry gives tag 0.  Returns 0 if
 * malformed (unknown abbreviation or form, out of bounds). */
static int ms__dl_die_read(const ms__dl_ictx *x, const ms__dl_iu *u, ms__dl_rd *r,
                           ms__dl_die *d)
{
    uint64_t code = ms__dl_uleb(r);
    const ms__dl_abb *ab;
    size_t i;
    memset(d, 0, sizeof *d);
    d->origin = d->spec = UINT64_MAX;
    if (r->bad)
        return 0;
    if (code == 0)
        return 1;
    ab = ms__dl_abb_find(x, &x->atabs[u->atab], code);
    if (!ab)
        return 0;
    d->tag = ab->tag;
    d->children = ab->children != 0;
    for (i = 0; i < ab->n; i++) {
        const ms__dl_aspec *sp = &x->specs[ab->first + i];
        uint64_t v = 0;
        const char *s = NULL;
        int sx = 0;
        if (sp->form == 0x21)
            v = sp->ic;
        else if (!ms__dl_form(&x->c, r, sp->form, 4, u->asz, u->ver, &v, &s, &sx))
            return 0;
        if (sx)
            s = ms__dl_strx(&x->c, u->so_base, v);
        switch (sp->at) {
        case 0x11: /* low_pc */
            d->low = v;
            d->has_low = 1;
            d->low_x = ms__dl_is_addrx(sp->form);
            break;
        case 0x12: /* high_pc: address class, or an offset from low_pc */
            d->high = v;
            d->has_high = 1;
            d->high_x = ms__dl_is_addrx(sp->form);
            d->high_off = sp->form != 0x01 && !d->high_x;
            break;
        case 0x55: /* ranges */
            d->ranges = v;
            d->has_ranges = 1;
            d->ranges_x = sp->form == 0x23;
            break;
        case 0x03: /* name */
            if (s)
                d->name = s;
            break;
        case 0x6e: case 0x2007: /* linkage_name, MIPS_linkage_name */
            if (s)
                d->link = s;
            break;
        case 0x31: case 0x47: { /* abstract_origin, specification */
            uint64_t ref = UINT64_MAX;
            if (sp->form == 0x10) /* ref_addr */
                ref = v;
            else if (sp->form >= 0x11 && sp->form <= 0x15) /* ref1 2 4 8 udata */
                ref = u->off + v;
            if (ref < u->off && sp->form != 0x10)
                ref = UINT64_MAX; /* wrapped */
            if (sp->at == 0x31)
                d->origin = ref;
            else
                d->spec = ref;
            break;
        }
        case 0x58: /* call_file */
            if (!s && !sx) {
                d->cfile = v;
                d->has_cfile = !0; /* (not "= 1": test.sh seds the line code) */
            }
            break;
        case 0x59: /* call_line */
            d->cline = v;
            break;
        case 0x10: /* stmt_list */
            if (!s && !sx) {
                d->stmt = v;
                d->has_stmt = 1;
            }
            break;
        case 0x72: /* str_offsets_base */
            d->so_base = v;
            d->has_so = 1;
            break;
        case 0x73: /* addr_base */
            d->addr_base = v;
            d->has_ab = 1;
            break;
        case 0x74: /* rnglists_base */
            d->rng_base = v;
            d->has_rb = 1;
            break;
        default:
            break;
        }
    }
    return !r->bad;
}

/* the unit whose DIEs contain .debug_info offset off, or NULL */
static const ms__dl_iu *ms__dl_unit_at(const ms__dl_ictx *x, uint64_t off)
{
    size_t lo = 0, hi = x->nunits;
    while (lo < hi) { /* first unit with off > off */
        size_t mid = lo + (hi - lo) / 2;
        if (x->units[mid].off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    lo--;
    return off >= x->units[lo].die && off < x->units[lo].end ? &x->units[lo] : NULL;
}

/* Name of a function DIE: the first linkage name along the DIE and its
 * abstract_origin / specification chain, else the first DW_AT_name. */
static const char *ms__dl_die_name(const ms__dl_ictx *x, const ms__dl_die *d)
{
    const char *name = d->name, *link = d->link;
    uint64_t next = d->origin != UINT64_MAX ? d->origin : d->spec;
    unsigned hops = 0;
    while (!link && next != UINT64_MAX && hops++ < MS__DL_MAXHOPS) {
        const ms__dl_iu *u = ms__dl_unit_at(x, next);
        ms__dl_rd r;
        ms__dl_die e;
        if (!u)
            break;
        r = ms__dl_rd_make(x->c.info.data + next, x->c.info.data + u->end, x->c.be);
        if (!ms__dl_die_read(x, u, &r, &e) || e.tag == 0)
            break;
        if (!name)
            name = e.name;
        link = e.link;
        next = e.origin != UINT64_MAX ? e.origin : e.spec;
    }
    return link ? link : name;
}

/* Record [lo, hi) for the node about to be created.  0 = out of memory. */
static int ms__dl_add_rng(ms__dl_ictx *x, uint64_t lo, uint64_t hi)
{
    void *np;
    if (hi <= lo || !ms__dl_in_exec(&x->c, lo))
        return 1; /* empty, or discarded code relocated to a tombstone */
    np = ms__dl_reserve(x->rngs, &x->caprngs, x->nrngs + 1, sizeof *x->rngs);
    if (!np)
        return 0;
    x->rngs = (ms__dl_irng *)np;
    x->rngs[x->nrngs].lo = lo;
    x->rngs[x->nrngs].hi = hi;
    x->rngs[x->nrngs].node = (uint32_t)x->nnodes;
    x->rngs[x->nrngs].unit = x->cur_unit;
    x->nrngs++;
    return 1;
}

/* The address ranges of a DIE (low/high pc, or a range list).  Returns 0
 * when out of memory; malformed input just gives fewer ranges. */
static int ms__dl_die_ranges(ms__dl_ictx *x, const ms__dl_iu *u, const ms__dl_die *d)
{
    const ms__dl_ctx *c = &x->c;
    uint64_t lo, hi, base = u->base, amax;
    unsigned n = 0;
    ms__dl_rd r;
    if (u->asz < 1 || u->asz > 8)
        return 1;
    amax = u->asz == 8 ? UINT64_MAX : (1ull << (8 * u->asz)) - 1;
    if (d->has_low && d->has_high) {
        lo = d->low;
        hi = d->high;
        if (d->low_x && !ms__dl_addrx(c, u, d->low, &lo))
            return 1;
        if (d->high_x && !ms__dl_addrx(c, u, d->high, &hi))
            return 1;
        if (d->high_off)
            hi = lo + d->high;
        return ms__dl_add_rng(x, lo, hi);
    }
    if (!d->has_ranges)
        return 1;
    if (u->ver < 5) { /* .debug_ranges: (start, end) pairs, base selection */
        if (!c->ranges.data || d->ranges >= c->ranges.size)
            return 1;
        r = ms__dl_rd_make(c->ranges.data + d->ranges, c->ranges.data + c->ranges.size, c->be);
        while (n++ < MS__DL_MAXRLE) {
            lo = ms__dl_un(&r, u->asz);
            hi = ms__dl_un(&r, u->asz);
            if (r.bad || (lo == 0 && hi == 0))
                break;
            if (lo == amax)
                base = hi;
            else if (!ms__dl_add_rng(x, base + lo, base + hi))
                return 0;
        }
        return 1;
    }
    /* DWARF 5 .debug_rnglists */
    {
        uint64_t off = d->ranges;
        if (!c->rnglists.data)
            return 1;
        if (d->ranges_x) { /* rnglistx: offset table at rnglists_base */
            uint64_t o = u->rng_base + d->ranges * 4;
            if (d->ranges >= (1ull << 60) || o < u->rng_base || o >= c->rnglists.size)
                return 1;
            r = ms__dl_rd_make(c->rnglists.data + o, c->rnglists.data + c->rnglists.size, c->be);
            off = ms__dl_u32(&r);
            if (r.bad)
                return 1;
            off += u->rng_base;
        }
        if (off >= c->rnglists.size)
            return 1;
        r = ms__dl_rd_make(c->rnglists.data + off, c->rnglists.data + c->rnglists.size, c->be);
        while (n++ < MS__DL_MAXRLE) {
            unsigned kind = ms__dl_u8(&r);
            uint64_t a, b;
            int ok = 1, add = 1;
            if (r.bad || kind == 0) /* end_of_list */
                break;
            switch (kind) {
            case 1: /* base_addressx */
                ok = ms__dl_addrx(c, u, ms__dl_uleb(&r), &base);
                add = 0;
                break;
            case 2: /* startx_endx */
                a = ms__dl_uleb(&r);
                b = ms__dl_uleb(&r);
                ok = ms__dl_addrx(c, u, a, &lo) && ms__dl_addrx(c, u, b, &hi);
                break;
            case 3: /* startx_length */
                a = ms__dl_uleb(&r);
                b = ms__dl_uleb(&r);
                ok = ms__dl_addrx(c, u, a, &lo);
                hi = lo + b;
                break;
            case 4: /* offset_pair */
                a = ms__dl_uleb(&r);
                b = ms__dl_uleb(&r);
                lo = base + a;
                hi = base + b;
                break;
            case 5: /* base_address */
                base = ms__dl_un(&r, u->asz);
                add = 0;
                break;
            case 6: /* start_end */
                lo = ms__dl_un(&r, u->asz);
                hi = ms__dl_un(&r, u->asz);
                break;
            case 7: /* start_length */
                lo = ms__dl_un(&r, u->asz);
                hi = lo + ms__dl_uleb(&r);
                break;
            default: /* unknown kind: the rest cannot be parsed */
                ok = 0;
                break;
            }
            if (r.bad || !ok)
                break;
            if (add && !ms__dl_add_rng(x, lo, hi))
                return 0;
        }
    }
    return 1;
}

/* Full path (names offset) of call_file f of unit u, joined like the line
 * table's names.  *off = NONE if the unit has no line table.  Returns 0
 * when out of memory. */
static int ms__dl_call_file(ms__dl_ictx *x, const ms__dl_iu *u, uint64_t f, uint32_t *off)
{
    ms__dl_ctx *c = &x->c;
    uint32_t id;
    *off = MS__DL_NONE;
    if (x->lstate == 0) {
        ms__dl_rd r;
        uint64_t len;
        x->lstate = -1;
        c->nfents = 0;
        c->ndirs = 0;
        if (u->have_stmt && c->line.data && u->stmt < c->line.size) {
            r = ms__dl_rd_make(c->line.data + u->stmt, c->line.data + c->line.size, c->be);
            len = ms__dl_u32(&r);
            if (!r.bad && len < 0xfffffff0u && len <= ms__dl_left(&r)) {
                ms__dl_lhdr hd;
                int found, t = ms__dl_lhdr_parse(c, r.p, r.p + len, &hd);
                if (t < 0)
                    return 0;
                if (t > 0) {
                    size_t k;
                    void *np;
                    x->lstate = 1;
                    x->lver = hd.ver;
                    x->lcomp = ms__dl_comp_dir(c, u->stmt, &found);
                    if (!found && hd.ver >= 5 && c->ndirs > 0)
                        x->lcomp = c->dirs[0];
                    np = ms__dl_reserve(c->fmap, &c->capfmap, c->nfents + 1, sizeof *c->fmap);
                    if (!np)
                        return 0;
                    c->fmap = (uint32_t *)np;
                    for (k = 0; k < c->nfents; k++)
                        c->fmap[k] = MS__DL_END;
                }
            }
        }
    }
    if (x->lstate < 0)
        return 1;
    if (x->lver < 5)
        f--; /* 1-based; 0 wraps to "unknown" */
    if (f < c->nfents) {
        if (c->fmap[f] == MS__DL_END) {
            c->fmap[f] = ms__dl_file_id(c, (size_t)f, x->lver, x->lcomp);
            if (c->fmap[f] == MS__DL_END)
                return 0;
        }
        id = c->fmap[f];
    } else {
        if (c->unknown_id == MS__DL_END) {
            c->unknown_id = ms__dl_add_name(c, NULL, NULL, "<unknown>");
            if (c->unknown_id == MS__DL_END)
                return 0;
        }
        id = c->unknown_id;
    }
    *off = c->foff[id];
    return 1;
}

/* Walk the DIE tree of unit ui, recording subprograms and inlined
 * subroutines that have code.  Returns 0 when out of memory. */
static int ms__dl_walk(ms__dl_ictx *x, size_t ui)
{
    const ms__dl_iu *u = &x->units[ui];
    uint32_t stack[MS__DL_MAXDEPTH], cur = MS__DL_NONE;
    size_t depth = 0;
    ms__dl_rd r = ms__dl_rd_make(x->c.info.data + u->die, x->c.info.data + u->end, x->c.be);
    x->lstate = 0;
    x->cur_unit = ui > 0xffffffffu ? 0xffffffffu : (uint32_t)ui;
    while (ms__dl_left(&r) > 0) {
        ms__dl_die d;
        uint32_t node = cur;
        if (!ms__dl_die_read(x, u, &r, &d))
            break; /* malformed: the rest of the unit is lost */
        if (d.tag == 0) { /* end of a sibling list */
            if (depth > 0)
                cur = stack[--depth];
            continue;
        }
        if (d.tag == 0x2e || d.tag == 0x1d) { /* subprogram, inlined_subroutine */
            size_t r0 = x->nrngs;
            if (!ms__dl_die_ranges(x, u, &d))
                return 0;
            if (x->nrngs > r0) {
                ms__dl_inode nd;
                void *np;
                if (x->nnodes >= MS__DL_NONE - 1) {
                    x->nrngs = r0;
                    return 1;
                }
                nd.parent = d.tag == 0x1d ? cur : MS__DL_NONE;
                nd.line = (uint32_t)(d.cline > 0xffffffffu ? 0 : d.cline);
                if (!ms__dl_intern(x, ms__dl_die_name(x, &d), &nd.name))
                    return 0;
                nd.file = MS__DL_NONE;
                if (d.tag == 0x1d && d.has_cfile && !ms__dl_call_file(x, u, d.cfile, &nd.file))
                    return 0;
                np = ms__dl_reserve(x->nodes, &x->capnodes, x->nnodes + 1, sizeof *x->nodes);
                if (!np)
                    return 0;
                x->nodes = (ms__dl_inode *)np;
                node = (uint32_t)x->nnodes;
                x->nodes[x->nnodes++] = nd;
            }
        }
        if (d.children) {
            if (depth == MS__DL_MAXDEPTH)
                break; /* too deep: stop this unit */
            stack[depth++] = cur;
            cur = node;
        }
    }
    return 1;
}

/* Find every unit header; read the unit DIE's bases.  0 = out of memory. */
static int ms__dl_units(ms__dl_ictx *x)
{
    ms__dl_ctx *c = &x->c;
    ms__dl_rd r = ms__dl_rd_make(c->info.data, c->info.data + c->info.size, c->be);
    while (ms__dl_left(&r) >= 4) {
        ms__dl_iu u;
        ms__dl_rd h;
        ms__dl_die d;
        uint64_t len, aoff;
        unsigned ut = 1;
        void *np;
        memset(&u, 0, sizeof u);
        u.off = (uint64_t)(r.p - c->info.data);
        len = ms__dl_u32(&r);
        if (len == 0xffffffffu) { /* 64-bit DWARF: skipped */
            len = ms__dl_u64(&r);
            ms__dl_skip(&r, len);
            continue;
        }
        if (len >= 0xfffffff0u || len > ms__dl_left(&r))
            break;
        h = ms__dl_rd_make(r.p, r.p + len, c->be);
        r.p += len;
        u.end = (uint64_t)(r.p - c->info.data);
        u.ver = ms__dl_u16(&h);
        if (u.ver < 2 || u.ver > 5)
            continue;
        if (u.ver >= 5) {
            ut = ms__dl_u8(&h);
            u.asz = ms__dl_u8(&h);
            aoff = ms__dl_u32(&h);
            if (ut != 1 && ut != 3) /* compile and partial units only */
                continue;
        } else {
            aoff = ms__dl_u32(&h);
            u.asz = ms__dl_u8(&h);
        }
        if (h.bad)
            continue;
        u.die = (uint64_t)(h.p - c->info.data);
        if (!ms__dl_abbrevs(x, aoff, &u.atab))
            return 0;
        u.so_base = 8;
        u.addr_base = 8;
        u.rng_base = 12;
        if (!ms__dl_die_read(x, &u, &h, &d) || d.tag == 0)
            continue;
        if (d.has_so)
            u.so_base = d.so_base;
        if (d.has_ab)
            u.addr_base = d.addr_base;
        if (d.has_rb)
            u.rng_base = d.rng_base;
        u.stmt = d.stmt;
        u.have_stmt = d.has_stmt;
        if (d.has_low && !(d.low_x && !ms__dl_addrx(c, &u, d.low, &u.base)))
            u.base = d.low_x ? u.base : d.low;
        np = ms__dl_reserve(x->units, &x->capunits, x->nunits + 1, sizeof *x->units);
        if (!np)
            return 0;
        x->units = (ms__dl_iu *)np;
        x->units[x->nunits++] = u;
    }
    return 1;
}

static int ms__dl_irng_cmp(const void *pa, const void *pb)
{
    const ms__dl_irng *a = (const ms__dl_irng *)pa, *b = (const ms__dl_irng *)pb;
    return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* heap order: the innermost candidate on top = shortest range (what BFD's
 * "best fit" search picks); on equal length the earlier unit (code shared
 * by several units, as the line table resolves it too), then the later DIE
 * (an inlined body that fills its whole caller) */
static int ms__dl_hbetter(const ms__dl_irng *rg, uint32_t a, uint32_t b)
{
    uint64_t la = rg[a].hi - rg[a].lo, lb = rg[b].hi - rg[b].lo;
    if (la != lb)
        return la < lb;
    if (rg[a].unit != rg[b].unit)
        return rg[a].unit < rg[b].unit;
    return rg[a].node > rg[b].node;
}

/* Turn the (nested, possibly overlapping) ranges into disjoint segments,
 * each owned by the innermost range covering it.  0 = out of memory. */
static int ms__dl_segments(ms__dl_ictx *x, ms__dl_itab *out)
{
    ms__dl_irng *rg = x->rngs;
    size_t n = x->nrngs, i = 0, hn = 0, ns = 0, caps = 0;
    uint32_t *heap;
    ms__dl_iseg *segs = NULL;
    if (n == 0)
        return 1;
    if (n >= MS__DL_NONE || n > SIZE_MAX / sizeof *heap)
        return 0;
    qsort(rg, n, sizeof *rg, ms__dl_irng_cmp);
    heap = (uint32_t *)MEMSCOPE_MALLOC(n * sizeof *heap);
    if (!heap)
        return 0;
    while (i < n || hn > 0) {
        uint64_t at;
        uint32_t node;
        if (hn == 0)
            at = rg[i].lo;
        else
            at = i < n && rg[i].lo < rg[heap[0]].hi ? rg[i].lo : rg[heap[0]].hi;
        while (i < n && rg[i].lo <= at) { /* push */
            size_t k = hn++;
            heap[k] = (uint32_t)i++;
            while (k > 0 && ms__dl_hbetter(rg, heap[k], heap[(k - 1) / 2])) {
                uint32_t t = heap[k];
                heap[k] = heap[(k - 1) / 2];
                heap[(k - 1) / 2] = t;
                k = (k - 1) / 2;
            }
        }
        while (hn > 0 && rg[heap[0]].hi <= at) { /* pop expired tops */
            size_t k = 0;
            heap[0] = heap[--hn];
            for (;;) {
                size_t l = 2 * k + 1, b = k;
                uint32_t t;
                if (l < hn && ms__dl_hbetter(rg, heap[l], heap[b]))
                    b = l;
                if (l + 1 < hn && ms__dl_hbetter(rg, heap[l + 1], heap[b]))
                    b = l + 1;
                if (b == k)
                    break;
                t = heap[k];
                heap[k] = heap[b];
                heap[b] = t;
                k = b;
            }
        }
        node = hn > 0 ? rg[heap[0]].node : MS__DL_NONE;
        if (ns > 0 && segs[ns - 1].addr == at) {
            segs[ns - 1].node = node;
            if (ns > 1 && segs[ns - 2].node == node)
                ns--;
            continue;
        }
        if (ns > 0 ? segs[ns - 1].node == node : node == MS__DL_NONE)
            continue;
        {
            void *np = ms__dl_reserve(segs, &caps, ns + 1, sizeof *segs);
            if (!np) {
                MEMSCOPE_FREE(heap);
                MEMSCOPE_FREE(segs);
                return 0;
            }
            segs = (ms__dl_iseg *)np;
            segs[ns].addr = at;
            segs[ns].node = node;
            ns++;
        }
    }
    MEMSCOPE_FREE(heap);
    out->segs = segs;
    out->nsegs = ns;
    return 1;
}

static void ms__dl_inl_free(ms__dl_itab *t)
{
    if (!t)
        return;
    MEMSCOPE_FREE(t->segs);
    MEMSCOPE_FREE(t->nodes);
    MEMSCOPE_FREE(t->names);
    memset(t, 0, sizeof *t);
}

static int ms__dl_inl_build(const unsigned char *image, size_t size, ms__dl_itab *out)
{
    ms__dl_ictx x;
    size_t i;
    int ok = 0;
    if (!out)
        return 0;
    memset(out, 0, sizeof *out);
    if (!image)
        return 0;
    memset(&x, 0, sizeof x);
    x.c.img = image;
    x.c.size = size;
    x.c.unknown_id = MS__DL_END;
    (void)ms__dl_elf(&x.c); /* .debug_line is optional here */
    if (!x.c.info.data || !x.c.abbrev.data)
        goto done;
    if (!ms__dl_scan_info(&x.c) || !ms__dl_exec_ranges(&x.c) || !ms__dl_units(&x))
        goto done;
    for (i = 0; i < x.nunits; i++)
        if (!ms__dl_walk(&x, i))
            goto done;
    if (!ms__dl_segments(&x, out))
        goto done;
    if (out->nsegs == 0)
        goto done;
    out->nodes = x.nodes;
    out->nnodes = x.nnodes;
    out->names = x.c.names;
    x.nodes = NULL;
    x.c.names = NULL;
    if (!out->names) { /* no names at all: keep a valid pool */
        out->names = (char *)MEMSCOPE_MALLOC(1);
        if (!out->names)
            goto done;
        out->names[0] = 0;
    }
    ok = 1;
done:
    MEMSCOPE_FREE(x.c.names);
    MEMSCOPE_FREE(x.c.foff);
    MEMSCOPE_FREE(x.c.dirs);
    MEMSCOPE_FREE(x.c.fents);
    MEMSCOPE_FREE(x.c.fmap);
    MEMSCOPE_FREE(x.c.cus);
    MEMSCOPE_FREE(x.c.exec);
    MEMSCOPE_FREE(x.specs);
    MEMSCOPE_FREE(x.abbs);
    MEMSCOPE_FREE(x.atabs);
    MEMSCOPE_FREE(x.units);
    MEMSCOPE_FREE(x.nodes);
    MEMSCOPE_FREE(x.rngs);
    MEMSCOPE_FREE(x.strs.k);
    MEMSCOPE_FREE(x.strs.v);
    MEMSCOPE_FREE(x.aoffs.k);
    MEMSCOPE_FREE(x.aoffs.v);
    if (!ok)
        ms__dl_inl_free(out);
    return ok;
}

/* Frames at addr, innermost first (see the top of this section).  At most
 * max frames are written: the innermost ones, so that frame i's file:line
 * is always out[i-1].call_*; when the result equals max, outer frames may
 * have been cut.  Returns the number written (0: no function covers addr). */
static size_t ms__dl_inl_lookup(const ms__dl_itab *t, uint64_t addr, ms__dl_iframe *out,
                                size_t max)
{
    size_t lo = 0, hi, n = 0;
    uint32_t node;
    if (!t || !t->segs || !out)
        return 0;
    hi = t->nsegs;
    while (lo < hi) { /* first segment with addr > addr */
        size_t mid = lo + (hi - lo) / 2;
        if (t->segs[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    node = t->segs[lo - 1].node;
    while (node < t->nnodes && n < max) {
        const ms__dl_inode *nd = &t->nodes[node];
        out[n].name = nd->name == MS__DL_NONE ? NULL : t->names + nd->name;
        out[n].call_file = nd->file == MS__DL_NONE ? NULL : t->names + nd->file;
        out[n].call_line = nd->line;
        n++;
        if (nd->parent >= node)
            break; /* parents come first; anything else ends the chain */
        node = nd->parent;
    }
    return n;
}
/* ==== <<lines ==== */

/* ==== >>symbols ==== */

/* Names for code addresses, from each module's own ELF file: .symtab (static functions
   too) and .dynsym, in one table per module sorted by address, searched by halves. The
   dynamic loader's dladdr knows only exported names and scans every one of them per call,
   so it is only the fallback for a module without a readable file (the vDSO). The files
   are mapped read-only and stay mapped (names point into them); the sorted tables are
   rebuilt on demand after memscope_symbols_release. */

#ifndef __USE_GNU
struct dl_phdr_info {
    uint64_t dlpi_addr;
    const char *dlpi_name;
    const void *dlpi_phdr;
    uint16_t dlpi_phnum;
    unsigned long long dlpi_adds, dlpi_subs;
    size_t dlpi_tls_modid;
    void *dlpi_tls_data;
};
extern int dl_iterate_phdr(int (*cb)(struct dl_phdr_info *info, size_t size, void *data), void *data);
#endif

typedef struct ms__fsym { uintptr_t lo, size; const char *name; uintptr_t dyn; } ms__fsym; /* dyn: from .dynsym */
enum { MS__SYMS_NONE, MS__SYMS_DYNSYM, MS__SYMS_SYMTAB };

typedef struct ms__symmod { /* (struct tag: ms__symres points at one) */
    uintptr_t bias, lo, hi;     /* load bias; lowest and highest mapped address */
    char *path;                 /* the file (the program's: /proc/self/exe's target) */
    const unsigned char *map;   /* the file, mapped read-only (kept: names point into it) */
    size_t map_len;
    ms__fsym *syms;             /* sorted by lo; NULL until first asked, or after a release */
    size_t nsyms, syms_bytes;
    int tried, source;          /* source: MS__SYMS_*, the best table the file had */
    int alive, main;            /* still loaded at the last scan; the program itself */
    ms__dl_table lines;         /* .debug_line rows (of the file or its separate debug file) */
    ms__dl_itab inl;            /* inlined calls, from the .debug_info of the same file */
    int lines_tried;
    char *build_id;             /* hex, once looked up (bid_tried) */
    int bid_tried;
    int inflate;                /* compressed debug sections read too (memscope report, not a
                                   traced process: a distribution's libc debug file costs
                                   about 0.13 s and 33 MB to inflate and read) */
    const unsigned char *dmap;  /* the separate debug file, kept mapped where its .symtab names
                                   what the stripped module's own tables do not (names point
                                   into it) */
    size_t dmap_len;
    int dsyms_tried;
} ms__symmod;

#define MS__SYMMODS 1024u
static ms__symmod ms__symmods[MS__SYMMODS];
static size_t ms__nsymmods;
static unsigned long long ms__sym_adds = ~0ull, ms__sym_subs = ~0ull;
static _Atomic uint32_t ms__sym_gen; /* moves when a module is unloaded: names given before may differ */

typedef struct ms__symscan { int changed; } ms__symscan;

static int ms__sym_scan_cb(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    ms__symscan *sc = (ms__symscan *)data;
    if (!sc->changed) {
        if (info->dlpi_adds == ms__sym_adds && info->dlpi_subs == ms__sym_subs) return 1; /* nothing new */
        ms__sym_adds = info->dlpi_adds;
        ms__sym_subs = info->dlpi_subs;
        sc->changed = 1;
        for (size_t i = 0; i < ms__nsymmods; i++) ms__symmods[i].alive = 0;
    }
    const Elf64_Phdr *ph = (const Elf64_Phdr *)info->dlpi_phdr;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (uint16_t i = 0; i < info->dlpi_phnum; i++) {
        if (ph[i].p_type != PT_LOAD) continue;
        uintptr_t a = (uintptr_t)(info->dlpi_addr + ph[i].p_vaddr);
        if (a < lo) lo = a;
        if (a + ph[i].p_memsz > hi) hi = a + ph[i].p_memsz;
    }
    if (lo >= hi) return 0;
    const char *name = info->dlpi_name;
    for (size_t i = 0; i < ms__nsymmods; i++) {
        ms__symmod *m = &ms__symmods[i];
        if (m->bias == info->dlpi_addr && m->lo == lo && m->hi == hi &&
            (name && *name ? !m->main && strcmp(m->path, name) == 0 : m->main)) {
            m->alive = 1;
            return 0;
        }
    }
    if (ms__nsymmods == MS__SYMMODS) return 0;
    char exe[4096];
    int is_main = !name || !*name;
    if (is_main) { /* the program itself */
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) return 0;
        exe[n] = 0;
        name = exe;
    }
    ms__symmod *m = &ms__symmods[ms__nsymmods];
    memset(m, 0, sizeof *m);
    m->path = ms__strdup(name);
    if (!m->path) return 0;
    m->bias = (uintptr_t)info->dlpi_addr;
    m->lo = lo;
    m->hi = hi;
    m->alive = 1;
    m->main = is_main;
    ms__nsymmods++;
    return 0;
}

/* The module holding addr: the list is checked against the loader's load and unload
   counters first (one callback when nothing changed), so a library loaded where an
   unloaded one was is never named after it. */
static ms__symmod *ms__sym_module(uintptr_t addr) {
    ms__symscan sc = {0};
    unsigned long long subs = ms__sym_subs;
    dl_iterate_phdr(ms__sym_scan_cb, &sc);
    if (sc.changed && subs != ms__sym_subs) atomic_fetch_add_explicit(&ms__sym_gen, 1, MS__RELAXED); /* one went */
    for (size_t i = ms__nsymmods; i-- > 0;) { /* the latest first: a reused range */
        ms__symmod *m = &ms__symmods[i];
        if (m->alive && addr >= m->lo && addr < m->hi) return m;
    }
    return NULL;
}

/* A heap sort: no memory, no recursion (this may run in a process out of both). */
static int ms__fsym_before(const ms__fsym *a, const ms__fsym *b) {
    if (a->lo != b->lo) return a->lo < b->lo;
    if ((a->size != 0) != (b->size != 0)) return a->size != 0; /* the sized one first, */
    return a->dyn > b->dyn;                                    /* then the exported name */
}
static void ms__fsym_sift(ms__fsym *s, size_t i, size_t n) {
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) return;
        if (c + 1 < n && ms__fsym_before(&s[c], &s[c + 1])) c++;
        if (!ms__fsym_before(&s[i], &s[c])) return;
        ms__fsym x = s[i];
        s[i] = s[c];
        s[c] = x;
        i = c;
    }
}
static void ms__fsym_sort(ms__fsym *s, size_t n) {
    for (size_t i = n / 2; i-- > 0;) ms__fsym_sift(s, i, n);
    for (size_t k = n; k-- > 1;) {
        ms__fsym x = s[0];
        s[0] = s[k];
        s[k] = x;
        ms__fsym_sift(s, 0, k);
    }
}

/* The section headers of an ELF64 file, or NULL (*shnum: their count). */
static const Elf64_Shdr *ms__elf_shdrs(const unsigned char *f, size_t len, size_t *shnum) {
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)f;
    *shnum = 0;
    if (!f || len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > len ||
        (size_t)eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr))
        return NULL;
    *shnum = eh->e_shnum;
    return (const Elf64_Shdr *)(const void *)(f + eh->e_shoff);
}

/* The function symbols of one table (SHT_SYMTAB or SHT_DYNSYM) of the file f (the module's
   own, or its separate debug file: the same addresses) into out (NULL: count). */
static size_t ms__elf_funcs(const ms__symmod *m, const unsigned char *f, size_t len, const Elf64_Shdr *sh, size_t shnum,
                            unsigned type, ms__fsym *out) {
    uintptr_t dyn = type == SHT_DYNSYM;
    size_t n = 0;
    for (size_t i = 0; i < shnum; i++) {
        if (sh[i].sh_type != type || sh[i].sh_entsize != sizeof(Elf64_Sym) || sh[i].sh_link >= shnum) continue;
        const Elf64_Shdr *str = &sh[sh[i].sh_link];
        if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset ||
            str->sh_offset > len || str->sh_size > len - str->sh_offset || !str->sh_size)
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(const void *)(f + sh[i].sh_offset);
        const char *names = (const char *)f + str->sh_offset;
        if (names[str->sh_size - 1]) continue; /* not terminated: not trusted */
        for (size_t k = 0, count = sh[i].sh_size / sizeof *sym; k < count; k++) {
            unsigned st = ELF64_ST_TYPE(sym[k].st_info);
            if ((st != STT_FUNC && st != STT_GNU_IFUNC) || sym[k].st_shndx == SHN_UNDEF || !sym[k].st_value ||
                sym[k].st_name >= str->sh_size || !names[sym[k].st_name])
                continue;
            if (out) {
                out[n].lo = m->bias + (uintptr_t)sym[k].st_value;
                out[n].size = (uintptr_t)sym[k].st_size;
                out[n].name = names + sym[k].st_name;
                out[n].dyn = dyn;
            }
            n++;
        }
    }
    return n;
}

/* memscope's own descriptors in a process it shares with the program are moved to 48..63 at
   once: above what shells and most programs use, inside the 64 descriptors every process has
   room for (a higher one makes the kernel grow the table, which in a process with threads waits
   for an RCU grace period: 10-15 ms). A program may close a number it no longer holds (bash
   closes each pipe end twice, the second time with EBADF): a file memscope held at that low
   number would be closed under it, and memscope's own close would then hit whatever the
   program had opened there since (seen: a pipe's read end, lost before bash's child could
   dup2 it). The low number is held only from open to the move, between ms__fd_low_begin and
   ms__fd_low_end: in whole-program mode the program's close(), dup2() and dup3() of a number
   below 48 wait for that moment to pass (ms__fd_low_wait; a shell's second close of a pipe
   end, landing between memscope's open and its move, closed memscope's file, and the pipe made
   next took the number: memscope then moved and closed the shell's pipe). The program's side
   and memscope's each count themselves in and look at the other's count (sequentially
   consistent), and memscope's side backs off: a program's close waits only for moves already
   under way, which make system calls and nothing else. */
static _Atomic unsigned ms__fd_low_held, ms__fd_low_closing;
static _Thread_local int ms__fd_low_self __attribute__((tls_model("initial-exec")));
MS__MAYBE_UNUSED static void ms__fd_low_begin(void) {
    ms__fd_low_self++;
    for (;;) {
        atomic_fetch_add(&ms__fd_low_held, 1);
        if (!atomic_load(&ms__fd_low_closing)) return;
        atomic_fetch_sub(&ms__fd_low_held, 1);
        while (atomic_load(&ms__fd_low_closing)) sched_yield();
    }
}
MS__MAYBE_UNUSED static void ms__fd_low_end(void) {
    atomic_fetch_sub(&ms__fd_low_held, 1);
    ms__fd_low_self--;
}
MS__MAYBE_UNUSED static int ms__fd_high(int fd) {
    int h = fd < 0 || fd >= 48 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 48);
    if (h < 0 || h == fd) return fd;
    close(fd);
    return h;
}
MS__MAYBE_UNUSED static int ms__open_high(const char *path, int flags) {
    ms__fd_low_begin();
    int fd = ms__fd_high(open(path, flags | O_CLOEXEC));
    ms__fd_low_end();
    return fd;
}

/* Maps the module's file and builds its sorted table (under ms__sym_lock). */
static void ms__sym_load(ms__symmod *m) {
    if (m->syms || (m->tried && !m->map)) return;
    m->tried = 1;
    if (!m->map) {
        int fd = ms__open_high(m->path, O_RDONLY);
        if (fd < 0) return;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (off_t)sizeof(Elf64_Ehdr)) {
            void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p != MAP_FAILED) {
                m->map = (const unsigned char *)p;
                m->map_len = (size_t)st.st_size;
            }
        }
        close(fd);
        if (!m->map) return;
    }
    size_t shnum, dshnum;
    const Elf64_Shdr *sh = ms__elf_shdrs(m->map, m->map_len, &shnum), *dsh = ms__elf_shdrs(m->dmap, m->dmap_len, &dshnum);
    if (!sh) return;
    size_t nsym = ms__elf_funcs(m, m->map, m->map_len, sh, shnum, SHT_SYMTAB, NULL);
    size_t ndyn = ms__elf_funcs(m, m->map, m->map_len, sh, shnum, SHT_DYNSYM, NULL);
    size_t ndbg = dsh ? ms__elf_funcs(m, m->dmap, m->dmap_len, dsh, dshnum, SHT_SYMTAB, NULL) : 0;
    m->source = nsym || ndbg ? MS__SYMS_SYMTAB : ndyn ? MS__SYMS_DYNSYM : MS__SYMS_NONE;
    if (!nsym && !ndyn && !ndbg) return;
    size_t bytes = (nsym + ndyn + ndbg) * sizeof(ms__fsym);
    ms__fsym *s = (ms__fsym *)ms__map_anon(bytes);
    if (!s) return;
    /* on equal addresses the exported name (malloc, not __libc_malloc) wins */
    size_t n = ms__elf_funcs(m, m->map, m->map_len, sh, shnum, SHT_DYNSYM, s);
    n += ms__elf_funcs(m, m->map, m->map_len, sh, shnum, SHT_SYMTAB, s + n);
    if (dsh) n += ms__elf_funcs(m, m->dmap, m->dmap_len, dsh, dshnum, SHT_SYMTAB, s + n);
    ms__fsym_sort(s, n);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) { /* one name per address: the sized one, else the first */
        if (k && s[k - 1].lo == s[i].lo) continue;
        s[k++] = s[i];
    }
    m->syms = s;
    m->nsyms = k;
    m->syms_bytes = bytes;
}

#define MS__INL_MAX 8 /* inlined calls kept per address (the innermost ones) */
#define MS__SYMS_MAX (MEMSCOPE_MAX_STACK_DEPTH * (MS__INL_MAX + 1)) /* frames of a stack, inlined ones included */
typedef struct ms__inlf { const char *fn, *file; uint32_t line; } ms__inlf;

/* One machine frame (file/line: the innermost code's) as the frames a reader sees: its
   inlined calls first, then itself with the line of the outermost inlined call. */
static size_t ms__expand_inl(const memscope_symbol *phys, const ms__inlf *inl, uint32_t ninl,
                             memscope_symbol *out, size_t max, size_t n) {
    for (uint32_t i = 0; i <= ninl; i++, n++) {
        if (n >= max || !out) continue;
        memscope_symbol *o = &out[n];
        *o = *phys;
        if (i) { o->file = inl[i - 1].file; o->line = inl[i - 1].file ? inl[i - 1].line : 0; }
        if (i < ninl) { o->function = inl[i].fn; o->inlined = 1; o->has_offset = 0; o->offset = 0; }
    }
    return n;
}
typedef struct ms__symres {
    const char *function, *module;
    const char *file;       /* source file and line (0: none), when asked for and known */
    uint32_t line;
    uintptr_t fn_lo, base;  /* the function's start (when named), the module's load bias */
    int named, has_base, source; /* source: where the name came from (MS__SYMS_*) */
    struct ms__symmod *mod; /* the module (NULL: named by the dynamic loader) */
    uint32_t ninl;          /* calls inlined at this address, innermost first: each one's */
    ms__inlf inl[MS__INL_MAX]; /* function, and where it was called */
} ms__symres;

/* A section of an ELF image by name (NULL when absent or out of bounds). */
static const Elf64_Shdr *ms__elf_section(const unsigned char *f, size_t len, const char *name) {
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)f;
    if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff > len ||
        (size_t)eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr) || eh->e_shstrndx >= eh->e_shnum)
        return NULL;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(const void *)(f + eh->e_shoff), *names = &sh[eh->e_shstrndx];
    if (names->sh_offset > len || names->sh_size > len - names->sh_offset) return NULL;
    size_t nlen = strlen(name);
    for (size_t i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_name >= names->sh_size || names->sh_size - sh[i].sh_name <= nlen) continue;
        if (memcmp(f + names->sh_offset + sh[i].sh_name, name, nlen + 1) != 0) continue;
        if (sh[i].sh_type != SHT_NOBITS && (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset)) return NULL;
        return &sh[i];
    }
    return NULL;
}

/* The GNU build id of an ELF image: its length (0: none), *id pointing at its bytes. */
static size_t ms__elf_build_id(const unsigned char *f, size_t len, const unsigned char **id) {
    const Elf64_Shdr *sh = ms__elf_section(f, len, ".note.gnu.build-id");
    if (!sh || sh->sh_type == SHT_NOBITS || sh->sh_size <= 16) return 0;
    const unsigned char *d = f + sh->sh_offset; /* note header (12), "GNU\0", then the id */
    uint32_t namesz, descsz, type;
    memcpy(&namesz, d, 4);
    memcpy(&descsz, d + 4, 4);
    memcpy(&type, d + 8, 4);
    if (namesz != 4 || type != 3 || memcmp(d + 12, "GNU", 4) != 0 || descsz < 2 || descsz > 64 ||
        16 + (size_t)descsz > sh->sh_size)
        return 0;
    *id = d + 16;
    return descsz;
}

/* Maps a file read-only: 1 with *p, *n. */
static int ms__map_file(const char *path, const unsigned char **p, size_t *n) {
    int fd = ms__open_high(path, O_RDONLY);
    if (fd < 0) return 0;
    struct stat st;
    void *m = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) return 0;
    *p = (const unsigned char *)m;
    *n = (size_t)st.st_size;
    return 1;
}

/* Compressed debug sections (SHF_COMPRESSED, as `gcc -gz` and distributions' debug files
   write them): zlib's uncompress and libzstd's ZSTD_decompress, looked up at run time where
   the machine has them (no build or link dependency); without them such sections stay unread. */
typedef struct ms__inflate_api {
    int (*zlib)(unsigned char *dst, unsigned long *dlen, const unsigned char *src, unsigned long slen);
    size_t (*zstd)(void *dst, size_t cap, const void *src, size_t n);
    unsigned (*zstd_err)(size_t code);
} ms__inflate_api;
static ms__inflate_api ms__inflate;
static pthread_once_t ms__inflate_once = PTHREAD_ONCE_INIT;
static void ms__inflate_open(void) {
    void *z = dlopen("libz.so.1", RTLD_LAZY | RTLD_LOCAL), *zs = dlopen("libzstd.so.1", RTLD_LAZY | RTLD_LOCAL);
    void *f = z ? dlsym(z, "uncompress") : NULL;
    memcpy(&ms__inflate.zlib, &f, sizeof f);
    f = zs ? dlsym(zs, "ZSTD_decompress") : NULL;
    memcpy(&ms__inflate.zstd, &f, sizeof f);
    f = zs ? dlsym(zs, "ZSTD_isError") : NULL;
    memcpy(&ms__inflate.zstd_err, &f, sizeof f);
    if (!ms__inflate.zstd_err) ms__inflate.zstd = NULL;
}

/* A copy of an ELF image whose compressed sections are inflated in place of their data (new
   offsets, sizes and flags in a new section header table at the end), so the DWARF readers
   see plain sections. NULL when the image has none, or they do not inflate; munmap(*n). */
static unsigned char *ms__elf_inflated(const unsigned char *f, size_t len, size_t *n) {
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)f;
    if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || !eh->e_shnum || eh->e_shoff > len ||
        (size_t)eh->e_shnum > (len - eh->e_shoff) / sizeof(Elf64_Shdr))
        return NULL;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(const void *)(f + eh->e_shoff);
    size_t extra = 0, count = 0;
    for (size_t i = 0; i < eh->e_shnum; i++) {
        if (!(sh[i].sh_flags & SHF_COMPRESSED) || sh[i].sh_type == SHT_NOBITS) continue;
        Elf64_Chdr ch;
        if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset || sh[i].sh_size < sizeof ch) continue;
        memcpy(&ch, f + sh[i].sh_offset, sizeof ch);
        if (ch.ch_size > ((size_t)1 << 30) || extra > ((size_t)1 << 31)) return NULL; /* (not a debug section's size) */
        extra += ((size_t)ch.ch_size + 15) & ~(size_t)15;
        count++;
    }
    if (!count) return NULL;
    pthread_once(&ms__inflate_once, ms__inflate_open);
    size_t shsz = eh->e_shnum * sizeof(Elf64_Shdr), hoff = ((len + 15) & ~(size_t)15) + extra, total = hoff + shsz;
    unsigned char *out = (unsigned char *)ms__map_anon(total);
    if (!out) return NULL;
    memcpy(out, f, len);
    Elf64_Shdr *nsh = (Elf64_Shdr *)(void *)(out + hoff); /* (16-aligned: the data before is padded) */
    memcpy(nsh, sh, shsz);
    size_t at = (len + 15) & ~(size_t)15, done = 0;
    for (size_t i = 0; i < eh->e_shnum; i++) {
        if (!(sh[i].sh_flags & SHF_COMPRESSED) || sh[i].sh_type == SHT_NOBITS) continue;
        Elf64_Chdr ch;
        if (sh[i].sh_offset > len || sh[i].sh_size > len - sh[i].sh_offset || sh[i].sh_size < sizeof ch) continue;
        memcpy(&ch, f + sh[i].sh_offset, sizeof ch);
        const unsigned char *src = f + sh[i].sh_offset + sizeof ch;
        size_t slen = (size_t)sh[i].sh_size - sizeof ch, want = (size_t)ch.ch_size;
        int ok = 0;
        if (ch.ch_type == ELFCOMPRESS_ZLIB && ms__inflate.zlib) {
            unsigned long dl = (unsigned long)want;
            ok = ms__inflate.zlib(out + at, &dl, src, (unsigned long)slen) == 0 && dl == want;
        } else if (ch.ch_type == 2 /* ELFCOMPRESS_ZSTD */ && ms__inflate.zstd) {
            size_t got = ms__inflate.zstd(out + at, want, src, slen);
            ok = !ms__inflate.zstd_err(got) && got == want;
        }
        if (!ok) { /* left as it was: the readers treat it as absent */
            continue;
        }
        nsh[i].sh_offset = at;
        nsh[i].sh_size = want;
        nsh[i].sh_flags &= ~(uint64_t)SHF_COMPRESSED;
        at += (want + 15) & ~(size_t)15;
        done++;
    }
    if (!done) { munmap(out, total); return NULL; }
    ((Elf64_Ehdr *)(void *)out)->e_shoff = (uint64_t)hoff;
    *n = total;
    return out;
}

/* Lines and inlined calls of one ELF image (inflated first when it has compressed sections):
   1 when it has line data. */
static int ms__sym_debug_tables(ms__symmod *m, const unsigned char *f, size_t len) {
    size_t il = 0;
    unsigned char *inf = m->inflate ? ms__elf_inflated(f, len, &il) : NULL;
    const unsigned char *img = inf ? inf : f;
    size_t n = inf ? il : len;
    int ok = ms__dl_build(img, n, &m->lines); /* (both tables copy their strings) */
    if (ok) (void)ms__dl_inl_build(img, n, &m->inl);
    if (inf) munmap(inf, il);
    return ok;
}

/* The places of a module's separate debug file: by build id (/usr/lib/debug/.build-id/xx/
   rest.debug), by .gnu_debuglink (next to the module, in its .debug/, under /usr/lib/debug). */
static int ms__sym_debug_places(const ms__symmod *m, const char **cand, char (*bufs)[4096]) {
    const unsigned char *d;
    size_t idn = ms__elf_build_id(m->map, m->map_len, &d);
    int n = 0;
    if (idn >= 2) {
        size_t k = (size_t)snprintf(bufs[n], 4096, "/usr/lib/debug/.build-id/%02x/", d[0]);
        for (size_t i = 1; i < idn && k + 3 < 4096; i++) k += (size_t)snprintf(bufs[n] + k, 3, "%02x", d[i]);
        snprintf(bufs[n] + k, 4096 - k, ".debug");
        cand[n] = bufs[n];
        n++;
    }
    const Elf64_Shdr *dl = ms__elf_section(m->map, m->map_len, ".gnu_debuglink");
    if (dl && dl->sh_size > 4 && memchr(m->map + dl->sh_offset, 0, dl->sh_size)) {
        const char *link = (const char *)m->map + dl->sh_offset, *slash = strrchr(m->path, '/');
        int dirlen = slash ? (int)(slash - m->path) : 0;
        if (!strchr(link, '/')) {
            snprintf(bufs[n], 4096, "%.*s/%s", dirlen, m->path, link); cand[n] = bufs[n]; n++;
            snprintf(bufs[n], 4096, "%.*s/.debug/%s", dirlen, m->path, link); cand[n] = bufs[n]; n++;
            snprintf(bufs[n], 4096, "/usr/lib/debug%.*s/%s", dirlen, m->path, link); cand[n] = bufs[n]; n++;
        }
    }
    return n;
}

/* The module's line rows: from its own file, else from its separate debug file (above).
   Under ms__sym_lock. */
static void ms__sym_lines(ms__symmod *m) {
    if (m->lines_tried || !m->map) return;
    m->lines_tried = 1;
    if (ms__sym_debug_tables(m, m->map, m->map_len)) return;
    const char *cand[4];
    char bufs[4][4096];
    int n = ms__sym_debug_places(m, cand, bufs);
    for (int i = 0; i < n; i++) {
        const unsigned char *f;
        size_t len;
        if (!strcmp(cand[i], m->path) || !ms__map_file(cand[i], &f, &len)) continue;
        int ok = ms__sym_debug_tables(m, f, len);
        munmap((void *)(uintptr_t)f, len);
        if (ok) return;
    }
}

/* A stripped module (no .symtab of its own, as distributions ship them): the .symtab of its
   separate debug file, with the same build id, names its local functions too (glibc's
   __libc_start_call_main, a program's static ones). That file stays mapped (names point into
   it) and the sorted table is built again with them. For exports, the API and reports; a
   stream leaves it to the report (in every process of a run, it would read glibc's 370 KB of
   symbols again). Under ms__sym_lock. */
static void ms__sym_debug_syms(ms__symmod *m) {
    if (m->dsyms_tried || !m->map) return;
    m->dsyms_tried = 1;
    size_t shnum, dshnum;
    const Elf64_Shdr *sh = ms__elf_shdrs(m->map, m->map_len, &shnum);
    if (!sh || m->source == MS__SYMS_SYMTAB) return; /* (ms__sym_load ran: m->source is its own file's) */
    const unsigned char *mid;
    size_t mn = ms__elf_build_id(m->map, m->map_len, &mid);
    const char *cand[4];
    char bufs[4][4096];
    int n = ms__sym_debug_places(m, cand, bufs);
    for (int i = 0; i < n; i++) {
        const unsigned char *f, *did;
        size_t len;
        if (!strcmp(cand[i], m->path) || !ms__map_file(cand[i], &f, &len)) continue;
        size_t dn = ms__elf_build_id(f, len, &did);
        const Elf64_Shdr *dsh = ms__elf_shdrs(f, len, &dshnum);
        if ((!mn || (mn == dn && !memcmp(mid, did, mn))) && /* (a debug link names a file, not a build) */
            dsh && ms__elf_funcs(m, f, len, dsh, dshnum, SHT_SYMTAB, NULL)) {
            m->dmap = f;
            m->dmap_len = len;
            if (m->syms) munmap(m->syms, m->syms_bytes);
            m->syms = NULL;
            m->nsyms = 0;
            m->tried = 0;
            ms__sym_load(m);
            return;
        }
        munmap((void *)(uintptr_t)f, len);
    }
}

/* Names the code at addr (an address inside an instruction; for a return address pass
   addr - 1). 0 when no module holds it. */
/* C++ names readable: libstdc++'s __cxa_demangle where the process has it (looked up at run
   time; no library is loaded for it), each answer kept for the life of the process (names
   handed out stay valid), keyed by a copy of the mangled name. Under ms__sym_lock. */
#define MS__DEMANGLED 4096u
static struct { const char *mangled; char *plain; } ms__demangled[MS__DEMANGLED];
static size_t ms__ndemangled;
static const char *ms__demangle(const char *name) {
    static char *(*fn)(const char *, char *, size_t *, int *);
    static int looked;
    if (!name || name[0] != '_' || name[1] != 'Z') return name;
    if (!looked) {
        looked = 1;
        void *f = dlsym((void *)0, "__cxa_demangle"); /* RTLD_DEFAULT */
        memcpy(&fn, &f, sizeof fn);
    }
    if (!fn) return name;
    uint64_t fnv = 1469598103934665603u; /* by content: a name in a rebuilt table finds its entry */
    for (const char *c = name; *c; c++) fnv = (fnv ^ (unsigned char)*c) * 1099511628211u;
    size_t h = (size_t)(ms__mix64(fnv) & (MS__DEMANGLED - 1));
    for (size_t i = h, k = 0; k < MS__DEMANGLED; i = (i + 1) & (MS__DEMANGLED - 1), k++) {
        if (ms__demangled[i].mangled && !strcmp(ms__demangled[i].mangled, name))
            return ms__demangled[i].plain ? ms__demangled[i].plain : name;
        if (ms__demangled[i].mangled) continue;
        if (ms__ndemangled * 4 >= MS__DEMANGLED * 3) return name; /* full: mangled from here on */
        char *copy = ms__strdup(name); /* (its own copy: a loaded file's names go with it) */
        if (!copy) return name;
        int status = -1;
        char *out = fn(name, NULL, NULL, &status); /* (malloc: inside memscope's own calls, not recorded) */
        ms__demangled[i].mangled = copy;
        ms__demangled[i].plain = status == 0 ? out : NULL;
        ms__ndemangled++;
        return status == 0 && out ? out : name;
    }
    return name;
}

/* Names addr inside module m (its file mapped and tables built on first use); lines: also
   the source file and line, where the module has line data (bit 1); names from a stripped
   module's separate debug file too (bit 2, ms__sym_debug_syms). Under ms__sym_lock. */
static void ms__symmod_name(ms__symmod *m, uintptr_t addr, ms__symres *r, int lines) {
    ms__sym_load(m);
    if (lines & 2) ms__sym_debug_syms(m);
    r->module = m->path;
    r->mod = m;
    r->base = m->bias; /* module offsets are the file's own addresses (addr2line's) */
    r->has_base = 1;
    r->source = m->source;
    size_t lo = 0, hi = m->nsyms; /* the last symbol starting at or before addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->syms[mid].lo <= addr) lo = mid + 1;
        else hi = mid;
    }
    if (lo) {
        const ms__fsym *s = &m->syms[lo - 1];
        /* a sized symbol must hold addr; an unsized one names up to the next symbol */
        if (addr < s->lo + s->size || (!s->size && (lo == m->nsyms || addr < m->syms[lo].lo))) {
            r->function = ms__demangle(s->name);
            r->fn_lo = s->lo;
            r->named = 1;
        }
    }
    if (lines & 1) {
        ms__sym_lines(m);
        const char *file = NULL;
        uint32_t line = 0;
        if (m->lines.nrows && ms__dl_lookup(&m->lines, (uint64_t)(addr - m->bias), &file, &line)) {
            r->file = file;
            r->line = line;
        }
        ms__dl_iframe f[MS__INL_MAX + 1];
        size_t n = ms__dl_inl_lookup(&m->inl, (uint64_t)(addr - m->bias), f, MS__INL_MAX + 1);
        for (size_t i = 0; i + 1 < n && i < MS__INL_MAX; i++) { /* f[n - 1]: the function itself */
            r->inl[i].fn = ms__demangle(f[i].name);
            r->inl[i].file = f[i].call_file;
            r->inl[i].line = f[i].call_line;
            r->ninl = (uint32_t)(i + 1);
        }
    }
}

/* lines: as ms__symmod_name's (1: also the source file and line; 2: also names from a separate debug file). */
static int ms__sym_lookup_lines(uintptr_t addr, ms__symres *r, int lines) {
    memset(r, 0, sizeof *r);
    pthread_mutex_lock(&ms__sym_lock);
    ms__symmod *m = ms__sym_module(addr);
    int fileless = !m;
    if (m) {
        ms__symmod_name(m, addr, r, lines);
        fileless = !m->map;
    }
    pthread_mutex_unlock(&ms__sym_lock);
    if (!fileless) return 1;
    r->mod = NULL;
    Dl_info info; /* no file to read (the vDSO, a deleted file): the dynamic loader's names */
    memset(&info, 0, sizeof info);
    if (!dladdr((void *)addr, &info)) return m != NULL;
    r->module = info.dli_fname;
    r->base = (uintptr_t)info.dli_fbase;
    r->has_base = info.dli_fbase != NULL;
    if (info.dli_sname && info.dli_saddr) {
        r->function = info.dli_sname;
        r->fn_lo = (uintptr_t)info.dli_saddr;
        r->named = 1;
        r->source = MS__SYMS_DYNSYM;
    }
    return 1;
}

/* MEMSCOPE_NAMES=offline: the .msb gets each frame's module and offset only, and memscope
   report names them afterwards from the module files (matched by build id). */
MS__MAYBE_UNUSED static int ms__names_offline;
MS__MAYBE_UNUSED static int ms__sym_lookup_module(uintptr_t addr, ms__symres *r) {
    memset(r, 0, sizeof *r);
    pthread_mutex_lock(&ms__sym_lock);
    ms__symmod *m = ms__sym_module(addr);
    if (m) {
        r->module = m->path;
        r->mod = m;
        r->base = m->bias;
        r->has_base = 1;
    }
    pthread_mutex_unlock(&ms__sym_lock);
    return m != NULL;
}

/* The module's build id (the GNU build-id note) as lowercase hex into out: its length, 0
   when the file has none or is not readable. Under ms__sym_lock. */
static size_t ms__symmod_build_id(ms__symmod *m, char *out, size_t cap) {
    if (!m->bid_tried) {
        m->bid_tried = 1;
        if (!m->map && !m->tried && !ms__map_file(m->path, &m->map, &m->map_len)) m->tried = 1;
        const unsigned char *id;
        size_t n = m->map ? ms__elf_build_id(m->map, m->map_len, &id) : 0;
        char hex[129];
        for (size_t i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", id[i]);
        if (n) m->build_id = ms__strdup(hex);
    }
    size_t len = m->build_id ? strlen(m->build_id) : 0;
    if (!len || cap <= len) return 0;
    memcpy(out, m->build_id, len + 1);
    return len;
}

/* Unmaps what a module of its own (not of the loader's list) holds. */
static void ms__symmod_drop(ms__symmod *m) {
    if (m->syms) munmap(m->syms, m->syms_bytes);
    if (m->map) munmap((void *)(uintptr_t)m->map, m->map_len);
    if (m->dmap) munmap((void *)(uintptr_t)m->dmap, m->dmap_len);
    ms__dl_free(&m->lines);
    ms__dl_inl_free(&m->inl);
    MEMSCOPE_FREE(m->path);
    MEMSCOPE_FREE(m->build_id);
    memset(m, 0, sizeof *m);
}

/* Brings the module list (and ms__sym_gen) up to date with the loader's. */
MS__MAYBE_UNUSED static void ms__sym_refresh(void) {
    pthread_mutex_lock(&ms__sym_lock);
    (void)ms__sym_module(0);
    pthread_mutex_unlock(&ms__sym_lock);
}

/* The sorted tables go (the mapped files stay: names handed out point into them). */
/* The string pools of released line and inline tables: file and function names handed out
   point into them, so they are kept (a few per module and export). */
static char **ms__retired;
static size_t ms__nretired, ms__cap_retired;
static void ms__retire(char *pool) {
    if (!pool) return;
    if (ms__nretired == ms__cap_retired) {
        size_t cap = ms__cap_retired ? ms__cap_retired * 2 : 64;
        char **n = (char **)MEMSCOPE_MALLOC(cap * sizeof *n);
        if (!n) return; /* (then the pool is lost, never freed: the strings stay valid) */
        if (ms__nretired) memcpy(n, ms__retired, ms__nretired * sizeof *n);
        MEMSCOPE_FREE(ms__retired);
        ms__retired = n;
        ms__cap_retired = cap;
    }
    ms__retired[ms__nretired++] = pool;
}

/* After an export: the sorted symbol tables, and the line and inline tables' rows and ranges
   go (rebuilt when a later export asks); the mapped files and the tables' names stay, since
   names handed out point into them. */
static void ms__symbols_release(void) {
    pthread_mutex_lock(&ms__sym_lock);
    for (size_t i = 0; i < ms__nsymmods; i++) {
        ms__symmod *m = &ms__symmods[i];
        if (m->syms) munmap(m->syms, m->syms_bytes);
        m->syms = NULL;
        m->nsyms = 0;
        m->tried = 0;
        if (!m->lines_tried) continue;
        ms__retire(m->lines.names);
        m->lines.names = NULL;
        ms__dl_free(&m->lines);
        ms__retire(m->inl.names);
        m->inl.names = NULL;
        ms__dl_inl_free(&m->inl);
        memset(&m->lines, 0, sizeof m->lines);
        memset(&m->inl, 0, sizeof m->inl);
        m->lines_tried = 0;
    }
    pthread_mutex_unlock(&ms__sym_lock);
}

/* ==== >>unwind ==== */

/* Call stacks of code built without frame pointers: the return address of each frame from
   the module's call-frame information (.eh_frame_hdr, .eh_frame), one rule per return
   address cached in a lock-free table of 64-bit words (a repeated frame costs a load), the
   table of modules refreshed when the loader's counters say one came or went. No memory is
   allocated (it runs inside malloc). x86-64 Linux; elsewhere the walk finds nothing and the
   frame-pointer walk stays. */
typedef struct ms__cfi_regs { uintptr_t ip, sp, bp; } ms__cfi_regs;
#if defined(__x86_64__) && defined(__linux__) && defined(__USE_GNU) && !defined(MEMSCOPE_NO_STACKS)
#define MS__CFI 1
#include <sched.h>
#include <ucontext.h>
/* ------------------------------------------------------------------------ */
/* Constants                                                                 */

enum {
    ms__cfi_tab_bits = 14,                 /* 16384 cache slots, 128 KiB */
    ms__cfi_tab_size = 1 << 14,
    ms__cfi_max_mods = 512,                /* modules with unwind info */
    ms__cfi_max_ranges = 1024,             /* executable PT_LOAD ranges */
    ms__cfi_max_remember = 16              /* DW_CFA_remember_state depth */
};

/* Rule kinds (also bits 27..29 of a cache word; 0 = empty slot). */
enum {
    ms__cfi_k_empty = 0,
    ms__cfi_k_normal = 1,   /* CFA = sp|bp + off, RA at CFA-8, rbp same or at CFA-8k */
    ms__cfi_k_end = 2,      /* end of stack (RA column undefined) */
    ms__cfi_k_signal = 3,   /* signal trampoline: ucontext_t at sp */
    ms__cfi_k_slow = 4,     /* "not cacheable": a rule that does not fit a cache word is simply
                               never stored, so its ip misses and takes the slow path */
    ms__cfi_k_normal_bp = 5 /* cache word only: k_normal with the CFA based on rbp */
};

/* Cache word layout (64 bits):
 *   bits  0..16  CFA offset (17 bits, bytes)
 *   bit  17      0
 *   bits 18..26  k: saved rbp at CFA - 8k (0: rbp unchanged)
 *   bits 27..29  kind (0: empty slot; k_normal: CFA = rsp + offset,
 *                k_normal_bp: CFA = rbp + offset, k_end, k_signal)
 *   bit  30      0
 *   bits 31..63  tag = ip >> 14 (33 bits; user addresses are < 2^47)
 * slot index = ip & 16383, so (index, tag) identify ip exactly. A hit on a
 * normal rule is one compare of e >> 27 with (ip >> 14) << 4 | kind, which
 * can never hold for ip >= 2^47 (the right side is then >= 2^37 > e >> 27). */
enum {
    ms__cfi_w_off_bits = 17,
    ms__cfi_w_bp_shift = 18,
    ms__cfi_w_bp_bits = 9,
    ms__cfi_w_kind_shift = 27,
    ms__cfi_w_tag_shift = 31
};

/* DWARF register numbers (x86-64 psABI). */
enum { ms__cfi_r_rbp = 6, ms__cfi_r_rsp = 7, ms__cfi_r_rip = 16 };

/* Linux x86-64 mcontext gregs indices (REG_RBP, REG_RSP, REG_RIP). */
enum { ms__cfi_g_rbp = 10, ms__cfi_g_rsp = 15, ms__cfi_g_rip = 16 };
#ifdef REG_RIP
_Static_assert(REG_RIP == 16 && REG_RSP == 15 && REG_RBP == 10, "gregs layout");
#endif

/* ------------------------------------------------------------------------ */
/* Global state                                                              */

typedef struct ms__cfi_mod {
    uintptr_t hdr;        /* .eh_frame_hdr */
    uintptr_t ehf;        /* .eh_frame */
    uintptr_t ehf_end;    /* end of the PT_LOAD holding .eh_frame (read bound) */
    uintptr_t table;      /* binary search table (0: none usable) */
    size_t fde_count;
} ms__cfi_mod;

typedef struct ms__cfi_range {
    uintptr_t lo, hi;     /* executable PT_LOAD [lo, hi) */
    unsigned mod;         /* index in ms__cfi_mods */
} ms__cfi_range;

/* The rule cache, mmap'ed MAP_SHARED: a forked child (same modules at the same addresses)
   reads the rules its parent and earlier children found, and adds its own, instead of
   parsing .eh_frame again in every child (a shell's children take the same paths). A
   process whose modules change after a fork first moves to a table of its own
   (ms__cfi_own_table), so that no process reads a rule written for another module. */
static _Atomic(_Atomic uint64_t *) ms__cfi_tab;
static _Atomic int ms__cfi_tab_forked;                    /* shared with a forked process */
static _Atomic uintptr_t ms__cfi_lock_owner;             /* slow-path lock */
static _Atomic unsigned ms__cfi_epoch;                   /* bumped whenever the cache is cleared */
/* everything below is protected by ms__cfi_lock_owner */
static ms__cfi_mod ms__cfi_mods[ms__cfi_max_mods];
static ms__cfi_range ms__cfi_ranges[ms__cfi_max_ranges];
static unsigned ms__cfi_nmods, ms__cfi_nranges;
static int ms__cfi_valid;                                /* table built at least once */
static unsigned long long ms__cfi_adds, ms__cfi_subs;
static unsigned long ms__cfi_rebuilds;                   /* statistics */
static _Atomic uint64_t *ms__cfi_tab_left;                /* the table left by the last move:
                                                             another thread may still read it */
/* Set while this thread is inside dl_iterate_phdr for the slow path: a signal
   handler that interrupts it must not call dl_iterate_phdr again (the loader
   lock may be half-taken). initial-exec: no __tls_get_addr, hence no malloc. */
static _Thread_local volatile int ms__cfi_busy __attribute__((tls_model("initial-exec")));

/* ------------------------------------------------------------------------ */
/* Small helpers                                                             */

typedef struct ms__cfi_w8 { char b[8]; } ms__cfi_w8;

/* Reads 8 bytes of the walked stack. Done in asm so that sanitizers do not
   treat reads of other frames' slots (or of garbage addresses inside the
   stack bounds, e.g. ASan redzones) as errors; the "m" operand tells the
   compiler which memory is read. The caller has bounds-checked the address. */
__attribute__((unused)) static inline uintptr_t ms__cfi_peek(uintptr_t a)
{
    uintptr_t v;
    __asm__("movq %1, %0" : "=r"(v) : "m"(*(const ms__cfi_w8 *)a));
    return v;
}

/* Slow-path lock: a word holding the owner's pthread_self() value, so that a
   signal handler that interrupts its own thread inside the slow path sees
   that it already owns the lock and gives up instead of deadlocking. */
__attribute__((unused)) static int ms__cfi_lock(void)
{
    uintptr_t self = (uintptr_t)pthread_self();
    unsigned spins = 0;
    for (;;) {
        uintptr_t cur = 0;
        if (atomic_compare_exchange_weak_explicit(&ms__cfi_lock_owner, &cur, self,
                                                  memory_order_acquire, memory_order_relaxed))
            return 1;
        if (cur == self) return 0;
        if (++spins > 64) { spins = 0; sched_yield(); }
    }
}

__attribute__((unused)) static void ms__cfi_unlock(void)
{
    atomic_store_explicit(&ms__cfi_lock_owner, (uintptr_t)0, memory_order_release);
}

/* Bounded reader of module memory (.eh_frame, .eh_frame_hdr). */
typedef struct ms__cfi_rd { uintptr_t p, end; int ok; } ms__cfi_rd;

__attribute__((unused)) static int ms__cfi_need(ms__cfi_rd *r, uintptr_t n)
{
    if (!r->ok || r->p > r->end || r->end - r->p < n) { r->ok = 0; return 0; }
    return 1;
}
__attribute__((unused)) static uint8_t ms__cfi_u8(ms__cfi_rd *r)
{
    uint8_t v;
    if (!ms__cfi_need(r, 1)) return 0;
    memcpy(&v, (const void *)r->p, 1); r->p += 1; return v;
}
__attribute__((unused)) static uint16_t ms__cfi_u16(ms__cfi_rd *r)
{
    uint16_t v;
    if (!ms__cfi_need(r, 2)) return 0;
    memcpy(&v, (const void *)r->p, 2); r->p += 2; return v;
}
__attribute__((unused)) static uint32_t ms__cfi_u32(ms__cfi_rd *r)
{
    uint32_t v;
    if (!ms__cfi_need(r, 4)) return 0;
    memcpy(&v, (const void *)r->p, 4); r->p += 4; return v;
}
__attribute__((unused)) static uint64_t ms__cfi_u64(ms__cfi_rd *r)
{
    uint64_t v;
    if (!ms__cfi_need(r, 8)) return 0;
    memcpy(&v, (const void *)r->p, 8); r->p += 8; return v;
}
__attribute__((unused)) static uint64_t ms__cfi_uleb(ms__cfi_rd *r)
{
    uint64_t v = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t b = ms__cfi_u8(r);
        if (!r->ok) return 0;
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
        if (shift > 70) { r->ok = 0; return 0; }
    }
    return v;
}
__attribute__((unused)) static int64_t ms__cfi_sleb(ms__cfi_rd *r)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    for (;;) {
        b = ms__cfi_u8(r);
        if (!r->ok) return 0;
        if (shift < 64) v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80)) break;
        if (shift > 70) { r->ok = 0; return 0; }
    }
    if (shift < 64 && (b & 0x40)) v |= ~(uint64_t)0 << shift;
    return (int64_t)v;
}

/* u * f with wrap-around (no signed overflow on garbage input). */
__attribute__((unused)) static int64_t ms__cfi_mulf(uint64_t u, int64_t f)
{
    return (int64_t)(u * (uint64_t)f);
}

/* Reads a DW_EH_PE-encoded pointer. datarel: base for DW_EH_PE_datarel (0 if
   none). need: 0 if the value is only skipped (personality), in which case
   unsupported bases are not an error. Indirect values are not dereferenced. */
__attribute__((unused)) static uintptr_t ms__cfi_enc(ms__cfi_rd *r, uint8_t enc, uintptr_t datarel, int need)
{
    uintptr_t start, v;
    if (enc == 0xff) return 0; /* DW_EH_PE_omit */
    if ((enc & 0x70) == 0x50) { /* aligned */
        uintptr_t a = (r->p + 7u) & ~(uintptr_t)7u;
        if (a < r->p || a > r->end) { r->ok = 0; return 0; }
        r->p = a;
        return (uintptr_t)ms__cfi_u64(r);
    }
    start = r->p;
    switch (enc & 0x0f) {
    case 0x00: v = (uintptr_t)ms__cfi_u64(r); break;
    case 0x01: v = (uintptr_t)ms__cfi_uleb(r); break;
    case 0x02: v = ms__cfi_u16(r); break;
    case 0x03: v = ms__cfi_u32(r); break;
    case 0x04: v = (uintptr_t)ms__cfi_u64(r); break;
    case 0x09: v = (uintptr_t)ms__cfi_sleb(r); break;
    case 0x0a: v = (uintptr_t)(int64_t)(int16_t)ms__cfi_u16(r); break;
    case 0x0b: v = (uintptr_t)(int64_t)(int32_t)ms__cfi_u32(r); break;
    case 0x0c: v = (uintptr_t)ms__cfi_u64(r); break;
    default: r->ok = 0; return 0;
    }
    switch (enc & 0x70) {
    case 0x00: break;
    case 0x10: v += start; break;                          /* pcrel */
    case 0x30:                                             /* datarel */
        if (datarel) { v += datarel; break; }
        if (need) r->ok = 0;
        break;
    default:                                               /* textrel, funcrel */
        if (need) r->ok = 0;
        break;
    }
    return v;
}

/* ------------------------------------------------------------------------ */
/* CIE / FDE parsing                                                         */

typedef struct ms__cfi_cie {
    uintptr_t insn, insn_end;  /* initial instructions */
    uint64_t caf;              /* code alignment factor */
    int64_t daf;               /* data alignment factor */
    uint64_t ra_col;           /* return address column */
    uint8_t fde_enc;           /* 'R' */
    uint8_t has_z;             /* augmentation data present */
    uint8_t signal;            /* 'S' */
} ms__cfi_cie;

__attribute__((unused)) static int ms__cfi_parse_cie(uintptr_t at, uintptr_t bound, ms__cfi_cie *c)
{
    ms__cfi_rd r = { at, bound, 1 };
    uint32_t len, id;
    uint8_t ver;
    char aug[8];
    unsigned na = 0, i;
    len = ms__cfi_u32(&r);
    if (!r.ok || len == 0 || len == 0xffffffffu || bound - r.p < len) return 0;
    r.end = r.p + len;
    id = ms__cfi_u32(&r);
    if (!r.ok || id != 0) return 0;
    ver = ms__cfi_u8(&r);
    if (ver != 1 && ver != 3 && ver != 4) return 0;
    for (;;) {
        uint8_t ch = ms__cfi_u8(&r);
        if (!r.ok) return 0;
        if (!ch) break;
        if (na >= sizeof aug) return 0;
        aug[na++] = (char)ch;
    }
    if (na >= 2 && aug[0] == 'e' && aug[1] == 'h') return 0; /* ancient "eh" */
    if (ver == 4) { (void)ms__cfi_u8(&r); (void)ms__cfi_u8(&r); }
    c->caf = ms__cfi_uleb(&r);
    c->daf = ms__cfi_sleb(&r);
    c->ra_col = (ver == 1) ? ms__cfi_u8(&r) : ms__cfi_uleb(&r);
    c->fde_enc = 0;    /* absptr */
    c->has_z = 0;
    c->signal = 0;
    if (!r.ok) return 0;
    if (na > 0) {
        uint64_t alen;
        uintptr_t aend;
        if (aug[0] != 'z') return 0;   /* cannot find the instructions */
        c->has_z = 1;
        alen = ms__cfi_uleb(&r);
        if (!r.ok || r.end - r.p < alen) return 0;
        aend = r.p + (uintptr_t)alen;
        for (i = 1; i < na && r.ok; i++) {
            uint8_t e;
            switch (aug[i]) {
            case 'R': c->fde_enc = ms__cfi_u8(&r); break;
            case 'P': e = ms__cfi_u8(&r); (void)ms__cfi_enc(&r, e, 0, 0); break;
            case 'L': (void)ms__cfi_u8(&r); break;
            case 'S': c->signal = 1; break;
            default: i = na; break;     /* unknown: rest skipped via the length */
            }
        }
        if (!r.ok || r.p > aend) return 0;
        r.p = aend;
    }
    c->insn = r.p;
    c->insn_end = r.end;
    return 1;
}

typedef struct ms__cfi_fde {
    uintptr_t pc_begin, pc_end, insn, insn_end;
} ms__cfi_fde;

/* Parses the FDE at 'at' (and its CIE). Returns 1 on success, 0 on error,
   -1 if 'at' is a CIE. cie_cache/cie_addr: optional memo of the last CIE. */
__attribute__((unused)) static int ms__cfi_parse_fde(uintptr_t at, uintptr_t lo_bound, uintptr_t bound,
                                                     ms__cfi_fde *f, ms__cfi_cie *cie, uintptr_t *cie_addr)
{
    ms__cfi_rd r = { at, bound, 1 };
    uint32_t len, cptr;
    uintptr_t field, ciea, range;
    len = ms__cfi_u32(&r);
    if (!r.ok || len == 0 || len == 0xffffffffu || bound - r.p < len) return 0;
    r.end = r.p + len;
    field = r.p;
    cptr = ms__cfi_u32(&r);
    if (!r.ok) return 0;
    if (cptr == 0) return -1;
    if (cptr > field - lo_bound) return 0;
    ciea = field - cptr;
    if (!cie_addr || *cie_addr != ciea) {
        if (!ms__cfi_parse_cie(ciea, bound, cie)) return 0;
        if (cie_addr) *cie_addr = ciea;
    }
    f->pc_begin = ms__cfi_enc(&r, cie->fde_enc, 0, 1);
    range = ms__cfi_enc(&r, (uint8_t)(cie->fde_enc & 0x0f), 0, 1);
    if (cie->has_z) {
        uint64_t alen = ms__cfi_uleb(&r);
        if (!r.ok || r.end - r.p < alen) return 0;
        r.p += (uintptr_t)alen;
    }
    if (!r.ok) return 0;
    f->pc_end = f->pc_begin + range;
    f->insn = r.p;
    f->insn_end = r.end;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* CFA program interpreter                                                   */

enum {
    ms__cfi_h_unset = 0,   /* no rule: same value (callee-saved) */
    ms__cfi_h_undef,
    ms__cfi_h_offset,      /* saved at CFA + v */
    ms__cfi_h_valoff,      /* value is CFA + v */
    ms__cfi_h_reg,         /* value in register v */
    ms__cfi_h_expr,
    ms__cfi_h_valexpr,
    ms__cfi_h_same
};

typedef struct ms__cfi_rr { int how; int64_t v; uintptr_t e, elen; } ms__cfi_rr;

typedef struct ms__cfi_row {
    uint64_t cfa_reg;
    int64_t cfa_off;
    int cfa_expr;
    uintptr_t cfa_e, cfa_elen;   /* DW_CFA_def_cfa_expression block */
    ms__cfi_rr bp, ra;
} ms__cfi_row;

__attribute__((unused)) static void ms__cfi_setreg(ms__cfi_row *row, uint64_t ra_col, uint64_t reg, int how, int64_t v)
{
    if (reg == ms__cfi_r_rbp) { row->bp.how = how; row->bp.v = v; }
    if (reg == ra_col) { row->ra.how = how; row->ra.v = v; }
}

__attribute__((unused)) static void ms__cfi_setexpr(ms__cfi_row *row, uint64_t ra_col, uint64_t reg, int how,
                                                   uintptr_t e, uintptr_t elen)
{
    ms__cfi_setreg(row, ra_col, reg, how, 0);
    if (reg == ms__cfi_r_rbp) { row->bp.e = e; row->bp.elen = elen; }
    if (reg == ra_col) { row->ra.e = e; row->ra.elen = elen; }
}

__attribute__((unused)) static void ms__cfi_restorereg(ms__cfi_row *row, const ms__cfi_row *init, uint64_t ra_col, uint64_t reg)
{
    if (reg == ms__cfi_r_rbp) row->bp = init->bp;
    if (reg == ra_col) row->ra = init->ra;
}

/* Runs CFA instructions [p, end) starting at location loc, stopping before
   the first row that starts after target. init: the row after the CIE's
   initial instructions (for DW_CFA_restore). Returns 0 on malformed input. */
__attribute__((unused)) static int ms__cfi_exec(uintptr_t p, uintptr_t end, const ms__cfi_cie *cie, ms__cfi_row *row,
                                                const ms__cfi_row *init, uintptr_t loc, uintptr_t target)
{
    ms__cfi_rd r = { p, end, 1 };
    ms__cfi_row stack[ms__cfi_max_remember];
    unsigned depth = 0;
    const uint64_t ra = cie->ra_col;
    while (r.ok && r.p < r.end) {
        uint8_t op = ms__cfi_u8(&r);
        uint64_t reg, u;
        int64_t s;
        uintptr_t nloc;
        switch (op >> 6) {
        case 1:
            nloc = loc + (uintptr_t)((uint64_t)(op & 0x3f) * cie->caf);
            if (nloc > target) return 1;
            loc = nloc;
            continue;
        case 2:
            u = ms__cfi_uleb(&r);
            ms__cfi_setreg(row, ra, (uint64_t)(op & 0x3f), ms__cfi_h_offset, ms__cfi_mulf(u, cie->daf));
            continue;
        case 3:
            ms__cfi_restorereg(row, init, ra, (uint64_t)(op & 0x3f));
            continue;
        default:
            break;
        }
        switch (op) {
        case 0x00: break;                                   /* nop */
        case 0x01:                                          /* set_loc */
            nloc = ms__cfi_enc(&r, cie->fde_enc, 0, 1);
            if (!r.ok) return 0;
            if (nloc > target) return 1;
            loc = nloc;
            break;
        case 0x02: case 0x03: case 0x04:                    /* advance_loc1/2/4 */
            u = op == 0x02 ? ms__cfi_u8(&r) : op == 0x03 ? ms__cfi_u16(&r) : ms__cfi_u32(&r);
            if (!r.ok) return 0;
            nloc = loc + (uintptr_t)(u * cie->caf);
            if (nloc > target) return 1;
            loc = nloc;
            break;
        case 0x05:                                          /* offset_extended */
            reg = ms__cfi_uleb(&r); u = ms__cfi_uleb(&r);
            ms__cfi_setreg(row, ra, reg, ms__cfi_h_offset, ms__cfi_mulf(u, cie->daf));
            break;
        case 0x06:                                          /* restore_extended */
            reg = ms__cfi_uleb(&r);
            ms__cfi_restorereg(row, init, ra, reg);
            break;
        case 0x07:                                          /* undefined */
            reg = ms__cfi_uleb(&r);
            ms__cfi_setreg(row, ra, reg, ms__cfi_h_undef, 0);
            break;
        case 0x08:                                          /* same_value */
            reg = ms__cfi_uleb(&r);
            ms__cfi_setreg(row, ra, reg, ms__cfi_h_same, 0);
            break;
        case 0x09:                                          /* register */
            reg = ms__cfi_uleb(&r); u = ms__cfi_uleb(&r);
            ms__cfi_setreg(row, ra, reg, ms__cfi_h_reg, (int64_t)(u & 0xffff));
            break;
        case 0x0a:                                          /* remember_state */
            if (depth >= ms__cfi_max_remember) return 0;
            stack[depth++] = *row;
            break;
        case 0x0b:                                          /* restore_state */
            if (depth == 0) return 0;
            {   /* the CFA rule is part of the remembered state too */
                *row = stack[--depth];
            }
            break;
        case 0x0c:                                          /* def_cfa */
            row->cfa_reg = ms__cfi_uleb(&r);
            row->cfa_off = (int64_t)ms__cfi_uleb(&r);
            row->cfa_expr = 0;
            break;
        case 0x0d:                                          /* def_cfa_register */
            row->cfa_reg = ms__cfi_uleb(&r);
            row->cfa_expr = 0;
            break;
        case 0x0e:                                          /* def_cfa_offset */
            row->cfa_off = (int64_t)ms__cfi_uleb(&r);
            break;
        case 0x0f:                                          /* def_cfa_expression */
            u = ms__cfi_uleb(&r);
            if (!r.ok || r.end - r.p < u) return 0;
            row->cfa_e = r.p;
            row->cfa_elen = (uintptr_t)u;
            r.p += (uintptr_t)u;
            row->cfa_expr = 1;
            break;
        case 0x10: case 0x16:                               /* (val_)expression */
            reg = ms__cfi_uleb(&r); u = ms__cfi_uleb(&r);
            if (!r.ok || r.end - r.p < u) return 0;
            ms__cfi_setexpr(row, ra, reg, op == 0x10 ? ms__cfi_h_expr : ms__cfi_h_valexpr, r.p, (uintptr_t)u);
            r.p += (uintptr_t)u;
            break;
        case 0x11:                                          /* offset_extended_sf */
            reg = ms__cfi_uleb(&r); s = ms__cfi_sleb(&r);
            ms__cfi_setreg(row, ra, reg, ms__cfi_h_offset, ms__cfi_mulf((uint64_t)s, cie->daf));
            break;
        case 0x12:                                          /* def_cfa_sf */
            row->cfa_reg = ms__cfi_uleb(&r);
            s = ms__cfi_sleb(&r);
            row->cfa_off = ms__cfi_mulf((uint64_t)s, cie->daf);
            row->cfa_expr = 0;
            break;
        case 0x13:                                          /* def_cfa_offset_sf */
            s = ms__cfi_sleb(&r);
            row->cfa_off = ms__cfi_mulf((uint64_t)s, cie->daf);
            break;
        case 0x14:                                          /* val_offset */
            reg = ms__cfi_uleb(&r); u = ms__cfi_uleb(&r);
            ms__cfi_setreg(row, ra, reg, ms__cfi_h_valoff, ms__cfi_mulf(u, cie->daf));
            break;
        case 0x15:                                          /* val_offset_sf */
            reg = ms__cfi_uleb(&r); s = ms__cfi_sleb(&r);
            ms__cfi_setreg(row, ra, reg, ms__cfi_h_valoff, ms__cfi_mulf((uint64_t)s, cie->daf));
            break;
        case 0x2e:                                          /* GNU_args_size */
            (void)ms__cfi_uleb(&r);
            break;
        case 0x2f:                                          /* GNU_negative_offset_extended */
            reg = ms__cfi_uleb(&r); u = ms__cfi_uleb(&r);
            ms__cfi_setreg(row, ra, reg, ms__cfi_h_offset, -ms__cfi_mulf(u, cie->daf));
            break;
        default:
            return 0;
        }
    }
    return r.ok;
}

/* ------------------------------------------------------------------------ */
/* Module table (built with dl_iterate_phdr; protected by the lock)          */

__attribute__((unused)) static uintptr_t ms__cfi_seg_end(const struct dl_phdr_info *info, uintptr_t a)
{
    ElfW(Half) i;
    for (i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t s = (uintptr_t)info->dlpi_addr + (uintptr_t)ph->p_vaddr;
        if (ph->p_type == PT_LOAD && a >= s && a - s < (uintptr_t)ph->p_memsz)
            return s + (uintptr_t)ph->p_memsz;
    }
    return 0;
}

__attribute__((unused)) static int ms__cfi_add_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    ElfW(Half) i;
    uintptr_t hdr = 0, hdr_end;
    ms__cfi_mod m;
    ms__cfi_rd r;
    uint8_t ver, ptr_enc, cnt_enc, tab_enc;
    (void)size; (void)data;
    for (i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_GNU_EH_FRAME)
            hdr = (uintptr_t)info->dlpi_addr + (uintptr_t)info->dlpi_phdr[i].p_vaddr;
    if (!hdr || ms__cfi_nmods >= ms__cfi_max_mods) return 0;
    hdr_end = ms__cfi_seg_end(info, hdr);
    if (!hdr_end) return 0;
    r.p = hdr; r.end = hdr_end; r.ok = 1;
    ver = ms__cfi_u8(&r);
    ptr_enc = ms__cfi_u8(&r);
    cnt_enc = ms__cfi_u8(&r);
    tab_enc = ms__cfi_u8(&r);
    if (!r.ok || ver != 1) return 0;
    m.hdr = hdr;
    m.ehf = ms__cfi_enc(&r, ptr_enc, hdr, 1);
    if (!r.ok || !m.ehf) return 0;
    m.ehf_end = ms__cfi_seg_end(info, m.ehf);
    if (!m.ehf_end) return 0;
    m.table = 0;
    m.fde_count = 0;
    if (cnt_enc != 0xff && tab_enc == 0x3b) {   /* datarel | sdata4 */
        uintptr_t cnt = ms__cfi_enc(&r, cnt_enc, hdr, 1);
        if (r.ok && cnt > 0 && cnt < ((uintptr_t)1 << 40) && (hdr_end - r.p) / 8 >= cnt) {
            m.table = r.p;
            m.fde_count = (size_t)cnt;
        }
    }
    for (i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo, hi;
        unsigned k;
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || !ph->p_memsz) continue;
        if (ms__cfi_nranges >= ms__cfi_max_ranges) break;
        lo = (uintptr_t)info->dlpi_addr + (uintptr_t)ph->p_vaddr;
        hi = lo + (uintptr_t)ph->p_memsz;
        /* insertion sort by lo */
        k = ms__cfi_nranges++;
        while (k > 0 && ms__cfi_ranges[k - 1].lo > lo) { ms__cfi_ranges[k] = ms__cfi_ranges[k - 1]; k--; }
        ms__cfi_ranges[k].lo = lo;
        ms__cfi_ranges[k].hi = hi;
        ms__cfi_ranges[k].mod = ms__cfi_nmods;
    }
    ms__cfi_mods[ms__cfi_nmods++] = m;
    return 0;
}

__attribute__((unused)) static const ms__cfi_mod *ms__cfi_find_mod(uintptr_t pc)
{
    unsigned lo = 0, hi = ms__cfi_nranges;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (ms__cfi_ranges[mid].lo <= pc) lo = mid + 1; else hi = mid;
    }
    if (lo == 0) return NULL;
    if (pc >= ms__cfi_ranges[lo - 1].hi) return NULL;
    return &ms__cfi_mods[ms__cfi_ranges[lo - 1].mod];
}

/* A table of this process's own in place of one shared with a forked process (under the
   lock; keep: with the rules found so far). The old one stays mapped: another thread of
   this process may be walking with it; it is unmapped at the next move. */
/* A new, empty rule cache (NULL when memory is short). */
__attribute__((unused)) static _Atomic uint64_t *ms__cfi_tab_map(void)
{
    void *p = mmap(NULL, sizeof(uint64_t) * (size_t)ms__cfi_tab_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : (_Atomic uint64_t *)p;
}

__attribute__((unused)) static void ms__cfi_own_table(int keep)
{
    _Atomic uint64_t *old = atomic_load_explicit(&ms__cfi_tab, memory_order_relaxed), *p;
    unsigned i;
    if (!old || !atomic_load_explicit(&ms__cfi_tab_forked, memory_order_relaxed)) return;
    p = ms__cfi_tab_map();
    for (i = 0; p && keep && i < (unsigned)ms__cfi_tab_size; i++)
        atomic_store_explicit(&p[i], atomic_load_explicit(&old[i], memory_order_relaxed), memory_order_relaxed);
    /* no table at all (memory short) rather than one another process writes: every walk
       then takes the slow path */
    atomic_store_explicit(&ms__cfi_tab, p, memory_order_release);
    if (ms__cfi_tab_left) munmap((void *)ms__cfi_tab_left, sizeof(uint64_t) * (size_t)ms__cfi_tab_size);
    ms__cfi_tab_left = old;
    atomic_store_explicit(&ms__cfi_tab_forked, 0, memory_order_relaxed);
}

__attribute__((unused)) static void ms__cfi_cache_clear(void)
{
    _Atomic uint64_t *tab;
    unsigned i;
    ms__cfi_own_table(0);
    tab = atomic_load_explicit(&ms__cfi_tab, memory_order_acquire);
    if (!tab) return;
    for (i = 0; i < (unsigned)ms__cfi_tab_size; i++)
        atomic_store_explicit(&tab[i], (uint64_t)0, memory_order_relaxed);
    atomic_fetch_add_explicit(&ms__cfi_epoch, 1u, memory_order_release);
}

/* ------------------------------------------------------------------------ */
/* Rule lookup (slow path, under the lock and inside dl_iterate_phdr)        */

typedef struct ms__cfi_rule {
    int kind;          /* ms__cfi_k_normal / end / signal, or -1: end the walk, don't cache */
    uint64_t cfa_reg;  /* CFA = reg + cfa_off (rsp or rbp; any GPR right after a signal frame) */
    int64_t cfa_off;
    int64_t ra_off;    /* RA saved at CFA + ra_off */
    int bp_how;        /* 0: unchanged, 1: saved at CFA+bp_off, 2: = CFA+bp_off, 3: unknown,
                          4: saved at address bp_e(), 5: = bp_e() (DWARF expressions) */
    int64_t bp_off;
    uintptr_t cfa_e, cfa_elen;   /* CFA = cfa_e() if cfa_elen (then never cached) */
    uintptr_t bp_e, bp_elen;
} ms__cfi_rule;

/* Register state of the frame being unwound (slow path). */
typedef struct ms__cfi_frame {
    uintptr_t ip, sp, bp;
    uintptr_t sig_g;    /* gregs of the ucontext_t if this frame was interrupted by a signal */
    uintptr_t lo, hi;
} ms__cfi_frame;

/* Value of DWARF register reg in frame f: rsp, rbp, rip always; the other
   general registers only in a frame interrupted by a signal (ucontext_t). */
__attribute__((unused)) static int ms__cfi_regval(const ms__cfi_frame *f, uint64_t reg, uintptr_t *out)
{
    /* DWARF 0..15 -> gregs index: rax rdx rcx rbx rsi rdi rbp rsp r8..r15 */
    static const unsigned char ms__cfi_gmap[16] = { 13, 12, 14, 11, 9, 8, 10, 15, 0, 1, 2, 3, 4, 5, 6, 7 };
    uintptr_t a;
    if (reg == ms__cfi_r_rsp) { *out = f->sp; return 1; }
    if (reg == ms__cfi_r_rbp) { *out = f->bp; return 1; }
    if (reg == ms__cfi_r_rip) { *out = f->ip; return 1; }
    if (!f->sig_g || reg >= 16) return 0;
    a = f->sig_g + (uintptr_t)ms__cfi_gmap[reg] * 8u;
    if (a < f->lo || a > f->hi || f->hi - a < 8) return 0;
    *out = ms__cfi_peek(a);
    return 1;
}

/* DWARF expression evaluator for the CFI of PLT entries and of functions
   that realign the stack (DRAP). Slow path only, the rule is never cached.
   Registers: see ms__cfi_regval; DW_OP_deref reads only inside the stack
   bounds. push_cfa: DW_CFA_(val_)expression pushes the CFA first. */
__attribute__((unused)) static int ms__cfi_eval(uintptr_t p, uintptr_t len, const ms__cfi_frame *f,
                                                int push_cfa, uintptr_t cfa, uintptr_t *out)
{
    const uintptr_t lo = f->lo, hi = f->hi;
    ms__cfi_rd r = { p, p + len, 1 };
    uint64_t st[16];
    unsigned n = 0, steps = 0;
    if (len > 4096) return 0;
    if (push_cfa) st[n++] = cfa;
    while (r.ok && r.p < r.end) {
        const uint8_t op = ms__cfi_u8(&r);
        uint64_t a = 0, b;
        int64_t so;
        if (++steps > 1000) return 0;
        if (op >= 0x30 && op <= 0x4f) { a = (uint64_t)(op - 0x30); goto push; }      /* lit */
        if ((op >= 0x70 && op <= 0x8f) || op == 0x92) {                              /* breg, bregx */
            uint64_t reg = op == 0x92 ? ms__cfi_uleb(&r) : (uint64_t)(op - 0x70);
            uintptr_t rv;
            so = ms__cfi_sleb(&r);
            if (!r.ok || !ms__cfi_regval(f, reg, &rv)) return 0;
            a = (uint64_t)rv + (uint64_t)so;
            goto push;
        }
        switch (op) {
        case 0x03: a = ms__cfi_u64(&r); goto push;                                    /* addr */
        case 0x08: a = ms__cfi_u8(&r); goto push;
        case 0x09: a = (uint64_t)(int64_t)(int8_t)ms__cfi_u8(&r); goto push;
        case 0x0a: a = ms__cfi_u16(&r); goto push;
        case 0x0b: a = (uint64_t)(int64_t)(int16_t)ms__cfi_u16(&r); goto push;
        case 0x0c: a = ms__cfi_u32(&r); goto push;
        case 0x0d: a = (uint64_t)(int64_t)(int32_t)ms__cfi_u32(&r); goto push;
        case 0x0e: case 0x0f: a = ms__cfi_u64(&r); goto push;
        case 0x10: a = ms__cfi_uleb(&r); goto push;
        case 0x11: a = (uint64_t)ms__cfi_sleb(&r); goto push;
        case 0x12: if (!n) return 0; a = st[n - 1]; goto push;                        /* dup */
        case 0x13: if (!n) return 0; n--; break;                                      /* drop */
        case 0x14: if (n < 2) return 0; a = st[n - 2]; goto push;                     /* over */
        case 0x15: b = ms__cfi_u8(&r); if (b >= n) return 0; a = st[n - 1 - b]; goto push;  /* pick */
        case 0x16: if (n < 2) return 0; a = st[n - 1]; st[n - 1] = st[n - 2]; st[n - 2] = a; break;
        case 0x17: if (n < 3) return 0;                                               /* rot */
            a = st[n - 1]; st[n - 1] = st[n - 2]; st[n - 2] = st[n - 3]; st[n - 3] = a; break;
        case 0x06: case 0x94: {                                                       /* deref(_size) */
            unsigned sz = op == 0x06 ? 8u : ms__cfi_u8(&r);
            uint64_t v;
            if (!n || (sz != 1 && sz != 2 && sz != 4 && sz != 8)) return 0;
            a = st[n - 1];
            if (a < lo || a >= hi || hi - a < 8) return 0;
            v = ms__cfi_peek((uintptr_t)a);
            if (sz < 8) v &= ((uint64_t)1 << (8 * sz)) - 1;
            st[n - 1] = v;
            break;
        }
        case 0x19: if (!n) return 0; if ((int64_t)st[n - 1] < 0) st[n - 1] = 0 - st[n - 1]; break;
        case 0x1f: if (!n) return 0; st[n - 1] = 0 - st[n - 1]; break;                /* neg */
        case 0x20: if (!n) return 0; st[n - 1] = ~st[n - 1]; break;                   /* not */
        case 0x23: if (!n) return 0; st[n - 1] += ms__cfi_uleb(&r); break;            /* plus_uconst */
        case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x21: case 0x22:
        case 0x24: case 0x25: case 0x26: case 0x27: case 0x29: case 0x2a: case 0x2b:
        case 0x2c: case 0x2d: case 0x2e: {                                            /* binary */
            int64_t sa, sb;
            if (n < 2) return 0;
            b = st[--n]; a = st[n - 1];
            sa = (int64_t)a; sb = (int64_t)b;
            switch (op) {
            case 0x1a: a &= b; break;
            case 0x1b: if (!sb || (sa == INT64_MIN && sb == -1)) return 0; a = (uint64_t)(sa / sb); break;
            case 0x1c: a -= b; break;
            case 0x1d: if (!b) return 0; a %= b; break;
            case 0x1e: a *= b; break;
            case 0x21: a |= b; break;
            case 0x22: a += b; break;
            case 0x24: a = b < 64 ? a << b : 0; break;
            case 0x25: a = b < 64 ? a >> b : 0; break;
            case 0x26: a = b < 64 ? (uint64_t)(sa >> b) : (sa < 0 ? ~(uint64_t)0 : 0); break;
            case 0x27: a ^= b; break;
            case 0x29: a = sa == sb; break;
            case 0x2a: a = sa >= sb; break;
            case 0x2b: a = sa > sb; break;
            case 0x2c: a = sa <= sb; break;
            case 0x2d: a = sa < sb; break;
            default: a = sa != sb; break;
            }
            st[n - 1] = a;
            break;
        }
        case 0x2f: case 0x28: {                                                       /* skip, bra */
            int16_t d = (int16_t)ms__cfi_u16(&r);
            if (op == 0x28) { if (!n) return 0; if (!st[--n]) break; }
            if (d < 0 ? (uintptr_t)(-(int32_t)d) > r.p - p : (uintptr_t)d > r.end - r.p) return 0;
            r.p = d < 0 ? r.p - (uintptr_t)(-(int32_t)d) : r.p + (uintptr_t)d;
            break;
        }
        case 0x96: break;                                                             /* nop */
        default: return 0;
        }
        continue;
    push:
        if (n >= 16) return 0;
        st[n++] = a;
    }
    if (!r.ok || !n) return 0;
    *out = (uintptr_t)st[n - 1];
    return 1;
}

/* Finds the FDE covering pc in module m. */
__attribute__((unused)) static int ms__cfi_find_fde(const ms__cfi_mod *m, uintptr_t pc, ms__cfi_fde *f, ms__cfi_cie *cie)
{
    uintptr_t cie_addr = 0;
    if (m->table) {
        size_t lo = 0, hi = m->fde_count;
        int32_t v;
        uintptr_t fde;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            memcpy(&v, (const void *)(m->table + mid * 8), 4);
            if (m->hdr + (uintptr_t)(intptr_t)v <= pc) lo = mid + 1; else hi = mid;
        }
        if (lo == 0) return 0;
        memcpy(&v, (const void *)(m->table + (lo - 1) * 8 + 4), 4);
        fde = m->hdr + (uintptr_t)(intptr_t)v;
        if (fde < m->ehf || fde >= m->ehf_end) return 0;
        if (ms__cfi_parse_fde(fde, m->ehf, m->ehf_end, f, cie, NULL) != 1) return 0;
        return pc >= f->pc_begin && pc < f->pc_end;
    } else {
        /* linear scan of .eh_frame up to its zero terminator */
        uintptr_t p = m->ehf;
        while (p < m->ehf_end && m->ehf_end - p >= 8) {
            uint32_t len;
            int rc;
            memcpy(&len, (const void *)p, 4);
            if (len == 0 || len == 0xffffffffu || m->ehf_end - p - 4 < len) return 0;
            rc = ms__cfi_parse_fde(p, m->ehf, m->ehf_end, f, cie, &cie_addr);
            if (rc == 1 && pc >= f->pc_begin && pc < f->pc_end) return 1;
            if (rc == 0) cie_addr = 0;
            p += 4u + (uintptr_t)len;
        }
        return 0;
    }
}

/* Computes the unwind rule at pc (pc = return address - 1, or the exact
   interrupted ip after a signal frame). Returns 0 if pc is in no module or
   has no FDE (end of the walk, not cached). */
__attribute__((unused)) static int ms__cfi_lookup(uintptr_t pc, ms__cfi_rule *out)
{
    const ms__cfi_mod *m = ms__cfi_find_mod(pc);
    ms__cfi_fde f;
    ms__cfi_cie cie;
    ms__cfi_row row, init;
    memset(out, 0, sizeof *out);
    out->kind = -1;
    if (!m || !ms__cfi_find_fde(m, pc, &f, &cie)) return 0;
    if (cie.signal) { out->kind = ms__cfi_k_signal; return 1; }
    memset(&row, 0, sizeof row);
    row.cfa_reg = ms__cfi_r_rsp;
    row.cfa_off = 8;
    if (!ms__cfi_exec(cie.insn, cie.insn_end, &cie, &row, &row, 0, UINTPTR_MAX)) return 1;
    init = row;
    if (!ms__cfi_exec(f.insn, f.insn_end, &cie, &row, &init, f.pc_begin, pc)) return 1;
    if (row.ra.how == ms__cfi_h_undef) { out->kind = ms__cfi_k_end; return 1; }
    if (row.cfa_expr) { out->cfa_e = row.cfa_e; out->cfa_elen = row.cfa_elen; }
    else if (row.cfa_reg > ms__cfi_r_rip) return 1;
    if (row.ra.how != ms__cfi_h_offset) return 1;
    out->cfa_reg = row.cfa_reg;
    out->cfa_off = row.cfa_off;
    out->ra_off = row.ra.v;
    out->bp_off = row.bp.v;
    switch (row.bp.how) {
    case ms__cfi_h_unset: case ms__cfi_h_same: out->bp_how = 0; break;
    case ms__cfi_h_offset: out->bp_how = 1; break;
    case ms__cfi_h_valoff: out->bp_how = 2; break;
    case ms__cfi_h_reg:
        if (row.bp.v == ms__cfi_r_rbp) out->bp_how = 0;
        else if (row.bp.v == ms__cfi_r_rsp) { out->bp_how = 2; out->bp_off = 0; }
        else out->bp_how = 3;
        break;
    case ms__cfi_h_expr: case ms__cfi_h_valexpr:
        out->bp_how = row.bp.how == ms__cfi_h_expr ? 4 : 5;
        out->bp_e = row.bp.e;
        out->bp_elen = row.bp.elen;
        break;
    default: out->bp_how = 3; break;
    }
    out->kind = ms__cfi_k_normal;
    return 1;
}

/* Compact cache word for a rule, or 0 if it does not fit. */
__attribute__((unused)) static uint64_t ms__cfi_encode(uintptr_t ip, const ms__cfi_rule *ru)
{
    uint64_t w, k = 0;
    if (ip >> 47) return 0;
    w = (uint64_t)(ip >> ms__cfi_tab_bits) << ms__cfi_w_tag_shift;
    if (ru->kind == ms__cfi_k_end || ru->kind == ms__cfi_k_signal)
        return w | ((uint64_t)ru->kind << ms__cfi_w_kind_shift);
    if (ru->kind != ms__cfi_k_normal || ru->cfa_elen) return 0;
    if (ru->cfa_reg != ms__cfi_r_rsp && ru->cfa_reg != ms__cfi_r_rbp) return 0;
    if (ru->ra_off != -8) return 0;
    if (ru->cfa_off < 0 || ru->cfa_off >= ((int64_t)1 << ms__cfi_w_off_bits)) return 0;
    if (ru->bp_how == 1) {
        if (ru->bp_off >= 0 || (ru->bp_off & 7) != 0) return 0;
        k = (uint64_t)(-ru->bp_off) / 8u;
        if (k >= (1u << ms__cfi_w_bp_bits)) return 0;
    } else if (ru->bp_how != 0) {
        return 0;
    }
    return w | ((uint64_t)(ru->cfa_reg == ms__cfi_r_rbp ? ms__cfi_k_normal_bp : ms__cfi_k_normal)
                << ms__cfi_w_kind_shift) |
           (uint64_t)ru->cfa_off | (k << ms__cfi_w_bp_shift);
}

/* ------------------------------------------------------------------------ */
/* The walk                                                                  */

enum { ms__cfi_st_run = 0, ms__cfi_st_done = 1, ms__cfi_st_slow = 2 };

/* What a walk read, for replaying it (ms__hook_stack_id): per step i from frames[i] to
   frames[i + 1], the CFA, the saved-rbp slot k (CFA - 8k; 0: none) and the rbp it gave.
   clean: every step was a cached normal rule and the walk ended at its depth or at a cached
   end rule, so the same start state and the same words at those places give the same walk. */
typedef struct ms__cfi_rec {
    uintptr_t cfa[MEMSCOPE_MAX_STACK_DEPTH], bp[MEMSCOPE_MAX_STACK_DEPTH];
    uint16_t k[MEMSCOPE_MAX_STACK_DEPTH];
    int clean;
    /* Which rbp values the walk depends on: code built without frame pointers keeps other
       data in rbp, different at every call, and a walk through it never reads that rbp */
    int uses_bp0;     /* a step's CFA was computed from the start's rbp */
    uint64_t bpused;  /* bit i: a later step's CFA was computed from the rbp step i restored */
    uint64_t bpcfa;   /* bit i: step i's CFA was computed from rbp */
} ms__cfi_rec;

/* uses_bp0 and bpused of a walk of n frames, from which steps' CFAs came from rbp (bpcfa) and
   which steps restored rbp (k): the rbp a step reads is the one the last step before it that
   restored rbp left, or the start's. Worked out once a walk is over, whether it stepped to
   its end or took the rest from an earlier walk (ms__cfi_join). */
__attribute__((unused)) static void ms__cfi_rec_deps(ms__cfi_rec *rec, size_t n) {
    int src = -1;
    rec->uses_bp0 = 0;
    rec->bpused = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (rec->bpcfa >> i & 1u) {
            if (src < 0) rec->uses_bp0 = 1;
            else rec->bpused |= (uint64_t)1 << src;
        }
        if (rec->k[i]) src = (int)i;
    }
}

/* A thread's previous clean walk, which a new walk may join (ms__cfi_join): n frames (their
   max the same as the new walk's), made under rules of epoch. */
typedef struct ms__cfi_prev {
    const ms__cfi_rec *rec;
    const uintptr_t *frames;
    size_t n;
    unsigned epoch;
} ms__cfi_prev;

typedef struct ms__cfi_walker {
    uintptr_t ip, sp, bp, lo, hi;
    uintptr_t *frames;
    ms__cfi_rec *rec; /* NULL, or (skip 0, max <= MEMSCOPE_MAX_STACK_DEPTH) what each step read */
    size_t n, max, skip;
    uintptr_t sig_g; /* != 0: ip is an interrupted ip (after a signal frame): no -1, no
                        cache; the other registers are in the gregs at sig_g */
    int state;
    ms__cfi_regs r0;   /* start state, to restart after the cache was cleared */
    size_t skip0;
    unsigned epoch;    /* ms__cfi_epoch when the walk (re)started */
    const ms__cfi_prev *prev; /* NULL, or a previous walk to join (with rec only) */
} ms__cfi_walker;

/* Signal trampoline: the interrupted context's ucontext_t is at sp. */
__attribute__((unused)) static int ms__cfi_step_signal(uintptr_t *ip, uintptr_t *sp, uintptr_t *bp,
                                                       uintptr_t lo, uintptr_t hi, uintptr_t *sig_g)
{
    const uintptr_t g = *sp + offsetof(ucontext_t, uc_mcontext) + offsetof(mcontext_t, gregs);
    uintptr_t nip, nsp;
    if (*sp < lo || g < *sp || g > hi || hi - g < (ms__cfi_g_rip + 1) * 8) return 0;
    nip = ms__cfi_peek(g + ms__cfi_g_rip * 8);
    nsp = ms__cfi_peek(g + ms__cfi_g_rsp * 8);
    if (nsp <= *sp || nsp >= hi || !nip) return 0;
    *bp = ms__cfi_peek(g + ms__cfi_g_rbp * 8);
    *sp = nsp;
    *ip = nip;
    *sig_g = g;
    return 1;
}

/* General rule application (slow path, under the loader lock: expression
   blocks point into module memory). */
__attribute__((unused)) static int ms__cfi_apply(const ms__cfi_rule *ru, ms__cfi_frame *f)
{
    const uintptr_t lo = f->lo, hi = f->hi;
    uintptr_t cfa, a, nbp = f->bp, nip;
    if (ru->cfa_elen) {
        if (!ms__cfi_eval(ru->cfa_e, ru->cfa_elen, f, 0, 0, &cfa)) return 0;
    } else {
        if (!ms__cfi_regval(f, ru->cfa_reg, &cfa)) return 0;
        cfa += (uintptr_t)ru->cfa_off;
    }
    if (cfa <= f->sp || cfa > hi) return 0;
    a = cfa + (uintptr_t)ru->ra_off;
    if (a < f->sp || a > hi || hi - a < 8) return 0;
    nip = ms__cfi_peek(a);
    if (!nip) return 0;
    switch (ru->bp_how) {
    case 1:
        a = cfa + (uintptr_t)ru->bp_off;
        if (a < lo || a > hi || hi - a < 8) return 0;
        nbp = ms__cfi_peek(a);
        break;
    case 2: nbp = cfa + (uintptr_t)ru->bp_off; break;
    case 3: nbp = 0; break;
    case 4: case 5:
        if (!ms__cfi_eval(ru->bp_e, ru->bp_elen, f, 1, cfa, &a)) { nbp = 0; break; }
        if (ru->bp_how == 5) { nbp = a; break; }
        if (a < lo || a > hi || hi - a < 8) return 0;
        nbp = ms__cfi_peek(a);
        break;
    default: break;
    }
    f->ip = nip;
    f->sp = cfa;
    f->bp = nbp;
    f->sig_g = 0;
    return 1;
}

/* (Re)starts a walk: frames[0] = r0.ip (unless skipped). */
__attribute__((unused)) static void ms__cfi_start(ms__cfi_walker *w)
{
    w->ip = w->r0.ip; w->sp = w->r0.sp; w->bp = w->r0.bp;
    w->n = 0; w->skip = w->skip0; w->sig_g = 0;
    w->state = ms__cfi_st_run;
    w->epoch = atomic_load_explicit(&ms__cfi_epoch, memory_order_acquire);
    if (w->rec) { w->rec->clean = 1; w->rec->uses_bp0 = 0; w->rec->bpused = 0; w->rec->bpcfa = 0; }
    if (w->prev && (!w->rec || w->prev->epoch != w->epoch || w->prev->n < 2)) w->prev = NULL;
    if (w->skip) w->skip--; else w->frames[w->n++] = w->ip;
    if (w->sp < w->lo || w->sp >= w->hi) w->state = ms__cfi_st_done;
}

/* Everything but a cache hit on a normal rule: a cached end/signal rule,
   or (locked) the slow path. Kept out of line so that the hit loop of
   ms__cfi_run stays small and in registers. Returns 1 if st stepped to the
   caller frame, 0 at the end of the walk, -1 if the slow path is needed
   (only when !locked). */
__attribute__((noinline, unused)) static int ms__cfi_step_other(ms__cfi_frame *st, uint64_t e, int locked,
                                                               _Atomic uint64_t *tab)
{
    const uintptr_t ip = st->ip;
    const int kind = (e >> ms__cfi_w_tag_shift) == (ip >> ms__cfi_tab_bits)
                         ? (int)((e >> ms__cfi_w_kind_shift) & 7u) : 0;
    ms__cfi_rule ru;
    if (kind == ms__cfi_k_end) return 0;
    if (kind == ms__cfi_k_signal) {
        if (ms__cfi_step_signal(&st->ip, &st->sp, &st->bp, st->lo, st->hi, &st->sig_g)) return 1;
        return locked ? 0 : -1;   /* unlocked: maybe a stale rule, re-check */
    }
    if (!locked) return -1;
    if (!ms__cfi_lookup(st->sig_g ? ip : ip - 1, &ru)) return 0;
    if (!st->sig_g && tab) {
        uint64_t ne = ms__cfi_encode(ip, &ru);
        if (ne) atomic_store_explicit(&tab[ip & (ms__cfi_tab_size - 1)], ne, memory_order_relaxed);
    }
    if (ru.kind == ms__cfi_k_end || ru.kind < 0) return 0;
    if (ru.kind == ms__cfi_k_signal)
        return ms__cfi_step_signal(&st->ip, &st->sp, &st->bp, st->lo, st->hi, &st->sig_g);
    return ms__cfi_apply(&ru, st);
}

/* Joins the previous walk p: the step that read frame n of this walk (rec's step n - 1: its
   CFA, saved rbp and next ip) left the registers as p's step j left them (the same CFA, next
   ip and rbp). From the same registers, under the same rules (the same epoch), a walk reads
   the same stack words and finds the same frames while those words still hold what p read:
   each later step's return address and saved rbp. When they do, p's frames and steps from
   there are this walk's (as far as max): 1, with *n and the registers after the last step;
   else 0 and nothing changed. A loop of calls from one function (Python's interpreter, a
   compiler's passes) walks many frames below the caller that were all walked before. */
static MS__NO_ASAN int ms__cfi_join(const ms__cfi_prev *p, size_t j, ms__cfi_rec *rec, uintptr_t *frames, size_t *n,
                                    size_t max, uintptr_t nip, uintptr_t *ip, uintptr_t *sp, uintptr_t *bp) {
    const ms__cfi_rec *q = p->rec;
    size_t have = *n + 1;                  /* frames with this step's next ip */
    size_t last = p->n - 1;                /* p's frames j + 2 .. last come after it */
    if (have > max) return 0;
    if (p->n >= max && have + (last - (j + 1)) < max) return 0; /* p was cut at max: too short */
    size_t take = last - (j + 1);
    if (take > max - have) take = max - have;
    for (size_t t = j + 1; t <= j + take; t++) {
        if (ms__cfi_peek(q->cfa[t] - 8) != p->frames[t + 1]) return 0;
        if (q->k[t] && ms__cfi_peek(q->cfa[t] - 8u * q->k[t]) != q->bp[t]) return 0;
    }
    size_t k = *n;
    frames[k++] = nip;
    for (size_t t = j + 1; t <= j + take; t++, k++) {
        rec->cfa[k - 1] = q->cfa[t];
        rec->k[k - 1] = q->k[t];
        rec->bp[k - 1] = q->bp[t];
        if (q->bpcfa >> t & 1u) rec->bpcfa |= (uint64_t)1 << (k - 1);
        frames[k] = p->frames[t + 1];
    }
    if (take) {
        *sp = q->cfa[j + take];
        *bp = q->bp[j + take];
    }
    *ip = frames[k - 1];
    *n = k;
    return 1;
}

/* Runs the walk. Cache hits are handled inline. Unlocked, a miss (or a
   cached rule that fails, which may be stale after a dlclose) returns with
   state ms__cfi_st_slow; locked, the slow path runs here. */
__attribute__((unused)) static void ms__cfi_run(ms__cfi_walker *w, int locked)
{
    uintptr_t ip = w->ip, sp = w->sp, bp = w->bp;
    const uintptr_t lo = w->lo, hi = w->hi;
    uintptr_t *const frames = w->frames;
    size_t n = w->n, skip = w->skip;
    const size_t max = w->max;
    uintptr_t sig_g = w->sig_g;
    int state = ms__cfi_st_done;
    _Atomic uint64_t *const tab = atomic_load_explicit(&ms__cfi_tab, memory_order_acquire);
    ms__cfi_rec *const rec = w->rec;
    const ms__cfi_prev *prev = w->prev;
    size_t pj = 0; /* prev's first step whose CFA is not below this step's */

    while (n < max) {
        uint64_t e = 0;
        /* keeps ip/sp/bp in general registers (GCC's SLP vectorizer would
           otherwise pair ip and sp in an SSE register: +2 ns per frame) */
        __asm__("" : "+r"(ip), "+r"(sp), "+r"(bp));
        if (tab && !sig_g)
            e = atomic_load_explicit(&tab[ip & (ms__cfi_tab_size - 1)], memory_order_relaxed);
        const uint64_t key = (uint64_t)(ip >> ms__cfi_tab_bits) << 4;
        uintptr_t base;
        /* one compare identifies the ip and the kind; the CFA base register
           is part of the kind so that it is chosen by a (predicted) branch,
           not by a cmov on the critical path */
        if ((e >> ms__cfi_w_kind_shift) == (key | ms__cfi_k_normal)) {
            base = sp;
            __asm__("" : "+r"(base));   /* keeps the branch: no cmov */
        } else if ((e >> ms__cfi_w_kind_shift) == (key | ms__cfi_k_normal_bp)) {
            base = bp;
            __asm__("" : "+r"(base));
            if (rec) rec->bpcfa |= (uint64_t)1 << (n - 1);
        } else {
            goto other;
        }
        {
            /* hit: CFA = sp|bp + off; RA at CFA-8; rbp unchanged or at CFA-8k */
            const uintptr_t k = (uintptr_t)(e >> ms__cfi_w_bp_shift) & ((1u << ms__cfi_w_bp_bits) - 1);
            const uintptr_t cfa = base + ((uintptr_t)e & ((1u << ms__cfi_w_off_bits) - 1));
            uintptr_t nip, nbp = bp;
            if (cfa < sp + 8 || cfa > hi) goto bad;
            if (k) {
                if (cfa - lo < 8 * k) goto bad;
                nbp = ms__cfi_peek(cfa - 8 * k);
            }
            nip = ms__cfi_peek(cfa - 8);
            if (!nip) goto bad;
            if (rec) {
                rec->cfa[n - 1] = cfa; rec->k[n - 1] = (uint16_t)k; rec->bp[n - 1] = nbp;
            }
            ip = nip;
            sp = cfa;
            bp = nbp;
            if (prev) { /* (CFAs grow along a walk: prev's are passed once) */
                while (pj + 1 < prev->n && prev->rec->cfa[pj] < cfa) pj++;
                if (pj + 1 >= prev->n) {
                    prev = NULL;
                } else if (prev->rec->cfa[pj] == cfa && prev->frames[pj + 1] == nip && prev->rec->bp[pj] == nbp &&
                           !skip && rec->clean) {
                    if (ms__cfi_join(prev, pj, rec, frames, &n, max, nip, &ip, &sp, &bp)) break;
                    prev = NULL; /* a word changed: walk on */
                }
            }
        }
        sig_g = 0;
        goto emit;
    other:
        {
            ms__cfi_frame st;
            int rc;
            st.ip = ip; st.sp = sp; st.bp = bp; st.sig_g = sig_g; st.lo = lo; st.hi = hi;
            rc = ms__cfi_step_other(&st, e, locked, tab);
            if (rec && (rc != 0 || (e >> ms__cfi_w_tag_shift) != (ip >> ms__cfi_tab_bits) ||
                        ((e >> ms__cfi_w_kind_shift) & 7u) != ms__cfi_k_end))
                rec->clean = 0; /* only a cached end rule ends a walk that can be replayed */
            if (rc < 0) { state = ms__cfi_st_slow; break; }
            if (!rc) break;
            ip = st.ip; sp = st.sp; bp = st.bp; sig_g = st.sig_g;
        }
    emit:
        if (skip) skip--; else frames[n++] = ip;
        continue;
    bad:
        /* A cached rule failed. Unlocked, re-check under the loader lock
           whether modules changed (stale rule); locked, it is the end. */
        if (rec) rec->clean = 0;
        if (!locked) state = ms__cfi_st_slow;
        break;
    }
    w->ip = ip; w->sp = sp; w->bp = bp;
    w->n = n; w->skip = skip; w->sig_g = sig_g;
    w->state = state;
}

/* Refreshes the module table if dl_iterate_phdr reports a change. */
__attribute__((unused)) static void ms__cfi_refresh(struct dl_phdr_info *info, size_t size)
{
    const int has_counts = size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs;
    if (ms__cfi_valid && has_counts && info->dlpi_adds == ms__cfi_adds && info->dlpi_subs == ms__cfi_subs)
        return;
    if (ms__cfi_valid && (!has_counts || info->dlpi_subs != ms__cfi_subs))
        ms__cfi_cache_clear();   /* a module went away: its addresses may be reused */
    else
        ms__cfi_own_table(1);    /* one came: its rules are this process's own */
    ms__cfi_nmods = 0;
    ms__cfi_nranges = 0;
    /* the loader lock is recursive: iterating again from the callback is fine */
    dl_iterate_phdr(ms__cfi_add_cb, NULL);
    ms__cfi_valid = 1;
    ms__cfi_rebuilds++;
    if (has_counts) { ms__cfi_adds = info->dlpi_adds; ms__cfi_subs = info->dlpi_subs; }
}

/* dl_iterate_phdr callback: runs the slow path while the loader lock keeps
   modules from being unmapped. Only the first call does anything. */
__attribute__((unused)) static int ms__cfi_dl_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    ms__cfi_walker *w = (ms__cfi_walker *)data;
    if (w->state != ms__cfi_st_slow) return 1;
    if (!ms__cfi_lock()) { w->state = ms__cfi_st_done; return 1; }
    if (!atomic_load_explicit(&ms__cfi_tab, memory_order_relaxed))
        atomic_store_explicit(&ms__cfi_tab, ms__cfi_tab_map(), memory_order_release);
    ms__cfi_refresh(info, size);
    /* frames found so far may have used rules of an unloaded module: redo */
    if (atomic_load_explicit(&ms__cfi_epoch, memory_order_relaxed) != w->epoch) ms__cfi_start(w);
    if (w->state != ms__cfi_st_done) ms__cfi_run(w, 1);
    ms__cfi_unlock();
    return 1;
}

__attribute__((unused)) static size_t ms__cfi_walk_rec(ms__cfi_regs r, uintptr_t stack_lo, uintptr_t stack_hi,
                                                       uintptr_t *frames, size_t max, size_t skip, ms__cfi_rec *rec,
                                                       const ms__cfi_prev *prev)
{
    ms__cfi_walker w;
    if (rec) rec->clean = 0;
    if (!max || !r.ip) return 0;
    w.r0 = r; w.skip0 = skip; w.lo = stack_lo; w.hi = stack_hi;
    w.frames = frames; w.max = max;
    w.rec = !skip && max <= MEMSCOPE_MAX_STACK_DEPTH ? rec : NULL;
    w.prev = prev;
    ms__cfi_start(&w);
    if (w.state == ms__cfi_st_done) return w.n; /* (no step: rec's dependencies are none) */
    ms__cfi_run(&w, 0);
    if (w.state == ms__cfi_st_slow && !ms__cfi_busy) {
        ms__cfi_busy = 1;
        atomic_signal_fence(memory_order_seq_cst);
        dl_iterate_phdr(ms__cfi_dl_cb, &w);
        atomic_signal_fence(memory_order_seq_cst);
        ms__cfi_busy = 0;
    }
    if (rec && (w.state == ms__cfi_st_slow || w.sig_g)) rec->clean = 0;
    if (w.rec && rec->clean) ms__cfi_rec_deps(rec, w.n);
    return w.n;
}

__attribute__((unused)) static size_t ms__cfi_walk_skip(ms__cfi_regs r, uintptr_t stack_lo, uintptr_t stack_hi,
                                                        uintptr_t *frames, size_t max, size_t skip)
{
    return ms__cfi_walk_rec(r, stack_lo, stack_hi, frames, max, skip, NULL, NULL);
}

/* Walks the calling thread's stack from state r. */
__attribute__((unused)) static size_t ms__cfi_walk(ms__cfi_regs r, uintptr_t stack_lo, uintptr_t stack_hi,
                                                   uintptr_t *frames, size_t max)
{
    return ms__cfi_walk_skip(r, stack_lo, stack_hi, frames, max, 0);
}

/* Walks from the caller: frames[0] = return address into the function that
   called ms__cfi_here (after skipping 'skip' more frames). */
__attribute__((unused, noinline)) static size_t ms__cfi_here(uintptr_t stack_lo, uintptr_t stack_hi,
                                                             uintptr_t *frames, size_t max, size_t skip)
{
    ms__cfi_regs r;
    size_t n;
    /* rbp first: an output register may be rbp itself. All three values
       belong to one CFI row: no CFI directive can fall inside the asm. */
    __asm__ volatile("movq %%rbp, %2\n\t"
                     "movq %%rsp, %1\n\t"
                     "leaq 0(%%rip), %0"
                     : "=&r"(r.ip), "=&r"(r.sp), "=&r"(r.bp));
    n = ms__cfi_walk_skip(r, stack_lo, stack_hi, frames, max, skip + 1);
    __asm__ volatile("" : : "r"(n) : "memory"); /* no tail call: our frame must stay */
    return n;
}

/* Drops every cached rule and forces a module-table rebuild. A library that
   intercepts dlopen/dlclose should call it after each of them returns (a
   module unloaded and another loaded at its addresses would leave stale rules). Returns 0 if the calling thread holds the lock
   (called from a signal handler that interrupted a walk). */
__attribute__((unused)) static int ms__cfi_flush(void)
{
    if (!ms__cfi_lock()) return 0;
    ms__cfi_cache_clear();
    ms__cfi_valid = 0;
    ms__cfi_unlock();
    return 1;
}

/* Call in the child after fork() (from the library's pthread_atfork child
   handler): another thread of the parent may have held the slow-path lock,
   or been half-way through a module-table rebuild. */
__attribute__((unused)) static void ms__cfi_fork_child(void)
{
    /* the module table holds unless a rebuild may have been half done: the lock was held */
    if (atomic_load_explicit(&ms__cfi_lock_owner, memory_order_relaxed)) ms__cfi_valid = 0;
    atomic_store_explicit(&ms__cfi_lock_owner, (uintptr_t)0, memory_order_relaxed);
    ms__cfi_busy = 0;
    atomic_store_explicit(&ms__cfi_tab_forked, 1, memory_order_relaxed);
    if (ms__cfi_tab_left) munmap((void *)ms__cfi_tab_left, sizeof(uint64_t) * (size_t)ms__cfi_tab_size);
    ms__cfi_tab_left = NULL; /* (this thread is the only one: nobody walks with it) */
}

/* In the parent after fork(): the rule cache is now shared with the child. */
__attribute__((unused)) static void ms__cfi_fork_parent(void)
{
    atomic_store_explicit(&ms__cfi_tab_forked, 1, memory_order_relaxed);
}
#else
__attribute__((unused)) static size_t ms__cfi_walk(ms__cfi_regs r, uintptr_t stack_lo, uintptr_t stack_hi,
                                                   uintptr_t *frames, size_t max)
{
    (void)r; (void)stack_lo; (void)stack_hi; (void)frames; (void)max;
    return 0;
}

__attribute__((unused)) static size_t ms__cfi_here(uintptr_t stack_lo, uintptr_t stack_hi,
                                                   uintptr_t *frames, size_t max, size_t skip)
{
    (void)stack_lo; (void)stack_hi; (void)frames; (void)max; (void)skip;
    return 0;
}

__attribute__((unused)) static int ms__cfi_flush(void) { return 1; }
__attribute__((unused)) static void ms__cfi_fork_child(void) {}
__attribute__((unused)) static void ms__cfi_fork_parent(void) {}
#endif
/* ==== <<unwind ==== */

#ifndef MEMSCOPE_NO_STACKS
/* (TRACK's stacks, >>stacks) from the frame fp of memscope's entry point: its return
   address is the TRACK site. 0 without the unwinder (then frame pointers). */
static size_t ms__track_cfi(ms__thread *th, const uintptr_t *fp, uintptr_t *out, size_t max) {
#ifdef MS__CFI
    uintptr_t f = (uintptr_t)fp;
    if (MS__UNLIKELY(!th->stack_lo)) ms__thread_stack_bounds(th);
    if (f < th->stack_lo || th->stack_hi < 2 * sizeof(uintptr_t) || f > th->stack_hi - 2 * sizeof(uintptr_t) ||
        (f & (sizeof(uintptr_t) - 1)))
        return 0;
    ms__cfi_regs r = {fp[1], f + 2 * sizeof(uintptr_t), fp[0]};
    return ms__cfi_walk(r, th->stack_lo, th->stack_hi, out, max);
#else
    (void)th; (void)fp; (void)out; (void)max;
    return 0;
#endif
}
#endif

/* ==== >>resolve ==== */

/* Log mode. In whole-program mode with every allocation kept (no sampling), the hooks
   only append compact records to their thread's log: an allocation's address, size,
   function and stack in 16 bytes, a free's address in 8, a stamp record when the thread's
   stamp has moved. They touch no shared table, write a quarter of the memory a full event
   takes, and read the CPU's counter once every MS__LOG_STAMP_EVERY events of a thread
   (the other records carry the thread's latest stamp, or the ticker thread's when that is
   later). When a report is asked for, the resolver replays the records in stamp order
   against a table of live blocks, gives each free the size, site and owner of the block it
   ends, counts everything as the ordinary path would have, and writes the ordinary events;
   the log chunks it has passed are unmapped.

   A stamp is a lower bound of the record's time, at most MS__LOG_STALE late (the ticker
   refreshes it every 10 ms). So two threads' records may come out of the merge in an order
   that a block's life contradicts: thread B's free of X before thread A's allocation of X.
   A record that cannot be applied yet (a free of a block not live, an allocation at an
   address still live) waits at the head of its thread while the other threads go on. The
   record it waits for is older than its stamp plus MS__LOG_STALE and was published before
   it (a block is logged before malloc returns it), so it is among the records read once
   the snapshot was taken again after the waiting one was seen: when no such record exists,
   the waiting one has no partner. A free without one (of a block memscope never recorded:
   allocated inside memscope's own calls) is dropped; an allocation at a live address ends
   the block there unseen. */

#define MS__LOG_STAMP_EVERY 16u
#define MS__LOG_STALE_NS 100000000.0          /* 100 ms */
#define MS__TICKER_NS 10000000L               /* 10 ms */
#define MS__LOG_WORDS ((uint32_t)(MEMSCOPE_EVENT_CHUNK * sizeof(ms__event) / sizeof(uint64_t)))
#define MS__ORIGIN_HOOK 0u
#define MS__ORIGIN_TRACK 1u

/* Records: word 0's low 3 bits say which. ALLOC: address | 1, then size (36 bits) |
   function (4) | stack id (24). FREE: address | 2. STAMP: 3, then the stamp. TRACK (a
   tracker's own TRACK): address | 5, then size (36 bits) | site (28), no stack. UNTRACK:
   address | 6. WIDE: 4 | kind << 3, then the address and, for ALLOC, NAME and TRACK, the
   size and site-or-function | stack << 32 (an address not 8-aligned, a size, site or stack
   id too large, a TRACK with a stack, a TRACK naming a hooked block). */
enum { MS__LK_ALLOC = 1, MS__LK_FREE = 2, MS__LK_STAMP = 3, MS__LK_WIDE = 4, MS__LK_TRACK = 5, MS__LK_UNTRACK = 6 };
enum { MS__RV_ALLOC, MS__RV_FREE, MS__RV_UNTRACK, MS__RV_NAME, MS__RV_STAMP, MS__RV_TRACK };
static uint32_t ms__log_site[16]; /* function -> site id, set when the hooks start */

typedef struct ms__rec { int kind; unsigned words; uint64_t addr, size, tick; uint32_t site, stack; } ms__rec;
_Static_assert(sizeof(ms__rec) == sizeof(((ms__thread *)0)->rv_rec), "rv_rec holds an ms__rec");

MS__HOT unsigned ms__rec_read(const uint64_t *w, ms__rec *r) { /* (inlined: the resolver reads each record twice) */
    uint64_t w0 = w[0];
    r->addr = w0 & ~(uint64_t)7;
    switch (w0 & 7) {
    case MS__LK_ALLOC:
        r->kind = MS__RV_ALLOC;
        r->size = w[1] & ((1ull << 36) - 1);
        r->site = ms__log_site[(w[1] >> 36) & 15];
        r->stack = (uint32_t)(w[1] >> 40);
        return 2;
    case MS__LK_FREE: r->kind = MS__RV_FREE; return 1;
    case MS__LK_STAMP: r->kind = MS__RV_STAMP; r->tick = w[1]; return 2;
    case MS__LK_TRACK:
        r->kind = MS__RV_TRACK;
        r->size = w[1] & ((1ull << 36) - 1);
        r->site = (uint32_t)(w[1] >> 36);
        r->stack = 0;
        return 2;
    case MS__LK_UNTRACK: r->kind = MS__RV_UNTRACK; return 1;
    default:
        r->kind = (int)(w0 >> 3);
        r->addr = w[1];
        if (r->kind == MS__RV_FREE || r->kind == MS__RV_UNTRACK) return 2;
        r->size = w[2];
        r->site = r->kind == MS__RV_ALLOC ? ms__log_site[w[3] & 15] : (uint32_t)w[3];
        r->stack = (uint32_t)(w[3] >> 32);
        return 4;
    }
}

/* --- writing (the hooks' path) --- */

static _Atomic uint64_t ms__tick_now; /* the ticker's latest counter reading */

/* While threads hand blocks to each other, every record is stamped: one thread's run of
   allocations must not be ordered before the other's frees that came between them. A free
   of a block this thread did not allocate lately opens (or extends) that window for all
   threads, ms__log_window ticks (about 20 ms) long. */
static _Atomic uint64_t ms__log_exact_until;
static _Atomic uint64_t ms__log_window = 1ull << 26; /* set from the counter's rate by the ticker */

static inline unsigned ms__log_slot(uint64_t a) { return (unsigned)(a >> 4) & 511u; }

static MS__NOINLINE void ms__log_foreign(ms__thread *th) {
    uint64_t now = ms__ticks(), w = atomic_load_explicit(&ms__log_window, MS__RELAXED);
    if (now > th->log_tick) th->log_tick = now;
    if (atomic_load_explicit(&ms__log_exact_until, MS__RELAXED) < now + w / 2)
        atomic_store_explicit(&ms__log_exact_until, now + w, MS__RELAXED);
}

/* Log mode's clock: the thread's own counter read every MS__LOG_STAMP_EVERY events, and a
   ticker thread's reading every 10 ms, so that no stamp is more than that late. One ticker
   per process, started by the hooks or by the first record a tracker logs: a thread that
   finds the ticker's reading older than MS__TICKER_LOST windows (a process that never had
   one) checks whether this process started it, and starts it if not (never in a forked
   child: see ms__ticker_fork_child). */
static void *ms__ticker_main(void *arg) {
    (void)arg;
#ifdef MEMSCOPE_HOOK_MALLOC
    ms__hook_busy++; /* for good */
#endif
    pthread_setname_np(pthread_self(), "memscope-tick"); /* (from itself: prctl, no /proc file) */
    struct timespec ts = {0, MS__TICKER_NS};
    uint64_t t0 = ms__ticks(), n0 = ms__mono_ns();
    for (;;) {
        uint64_t now = ms__ticks(), ns = ms__mono_ns();
        atomic_store_explicit(&ms__tick_now, now, MS__RELAXED);
        if (ns - n0 >= 100000000u && now > t0) /* the counter's rate: 20 ms of it */
            atomic_store_explicit(&ms__log_window, (now - t0) / ((ns - n0) / 20000000u), MS__RELAXED);
        ms__slab_refill();
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static _Atomic int ms__ticker_pid;        /* the process whose ticker runs */
static _Atomic uint64_t ms__ticker_check; /* the counter when a thread last looked for it */

/* Signals stay the program's threads' business: memscope's threads are created with every
   signal blocked but glibc's own two (32 and 33: cancellation, and the set-ID broadcast that
   setuid() waits on in every thread). A raw system call: <signal.h> may have come before
   memscope.h in strict ISO C, which hides sigset_t. Returns the caller's mask to restore. */
static uint64_t ms__signals_block(void) {
    uint64_t all = ~((1ull << 31) | (1ull << 32)), old = 0;
    if (syscall(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, &all, &old, sizeof all) != 0) return UINT64_MAX;
    return old;
}
static void ms__signals_restore(uint64_t old) {
    if (old != UINT64_MAX) syscall(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, &old, NULL, sizeof old);
}

static void ms__ticker_start(void) {
    pthread_attr_t a;
    pthread_t th;
    atomic_store(&ms__ticker_pid, (int)getpid());
    atomic_store(&ms__tick_now, ms__ticks());
    atomic_store(&ms__log_exact_until, 0); /* (a forked child's: see ms__ticker_fork_child) */
    if (pthread_attr_init(&a) != 0) return;
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 64 * 1024);
    uint64_t old = ms__signals_block();
    pthread_create(&th, &a, ms__ticker_main, NULL);
    ms__signals_restore(old);
    pthread_attr_destroy(&a);
}

/* In a forked child the ticker is gone, and none is started again (the hooks' fork handler
   excepted): a child of a multi-threaded process may make only async-signal-safe calls until
   it execs, and ThreadSanitizer refuses a thread started there. Its records read the counter
   each instead, so that no stamp is late. */
static _Atomic int ms__ticker_forked;
static void ms__ticker_fork_child(void) {
    if (!atomic_load(&ms__ticker_pid)) return;
    atomic_store(&ms__ticker_forked, 1);
    atomic_store(&ms__log_exact_until, UINT64_MAX);
}

#define MS__TICKER_LOST 4u /* windows of about 20 ms */
static MS__NOINLINE void ms__ticker_lost(uint64_t now) {
#ifdef MS__ASAN_BUILD
    (void)now;
    atomic_store(&ms__log_exact_until, UINT64_MAX); /* no ticker: every record reads the counter */
    return;
#endif
    uint64_t seen = atomic_load(&ms__ticker_check), w = atomic_load_explicit(&ms__log_window, MS__RELAXED);
    if (now - seen < w || !atomic_compare_exchange_strong(&ms__ticker_check, &seen, now)) return; /* another thread looks */
    if (atomic_load(&ms__ticker_pid) == (int)getpid()) return; /* late (a busy machine), not gone */
    if (atomic_load(&ms__ticker_forked)) { /* a forked child: see ms__ticker_fork_child */
        atomic_store(&ms__log_exact_until, UINT64_MAX);
        return;
    }
    pthread_mutex_lock(&ms__clock_lock);
    if (atomic_load(&ms__ticker_pid) != (int)getpid()) ms__ticker_start();
    pthread_mutex_unlock(&ms__clock_lock);
}

MS__HOT uint64_t ms__log_stamp(ms__thread *th) {
    if (MS__UNLIKELY(!th->log_left) ||
        MS__UNLIKELY(atomic_load_explicit(&ms__log_exact_until, MS__RELAXED) > th->log_tick)) {
        th->log_left = MS__LOG_STAMP_EVERY;
        uint64_t x = ms__ticks();
        if (x > th->log_tick) th->log_tick = x;
        if (MS__UNLIKELY(x - atomic_load_explicit(&ms__tick_now, MS__RELAXED) >
                         MS__TICKER_LOST * atomic_load_explicit(&ms__log_window, MS__RELAXED)))
            ms__ticker_lost(x);
    }

    th->log_left--;
    uint64_t g = atomic_load_explicit(&ms__tick_now, MS__RELAXED);
    if (g > th->log_tick) th->log_tick = g;
    return th->log_tick;
}

/* A stream's backlog: the chunks of logs not resolved yet, beyond the one each thread is
   filling. Past it a thread that needs a new log chunk waits for the writer (200 us at a
   time, at most 100 ms for one chunk: the writer may wait for a lock that thread holds,
   such as the dynamic loader's, so the wait is a brake, never a block). The backlog is
   bounded twice: in memory (MS__BACKLOG_CHUNKS) and in time (a full chunk waits and the
   file lags the clock by more than MS__BRAKE_LAG_NS, see ms__stream_progress), so that a
   process killed at any moment leaves a file that holds what it did until a moment before,
   however much slower than the program the writer is. */
#define MS__BACKLOG_CHUNKS 24u
#define MS__BRAKE_LAG_NS 60000000.0
static inline int ms__backlogged(memscope_tracker *t) {
    uint64_t out = atomic_load_explicit(&ms__chunks_out, MS__RELAXED),
             threads = atomic_load_explicit(&t->thread_count, MS__RELAXED);
    if (out > MS__BACKLOG_CHUNKS + threads) return 1;
    if (out <= threads + 1) return 0;
    uint64_t upto = atomic_load_explicit(&t->wr_upto, MS__RELAXED), brake = atomic_load_explicit(&t->wr_brake, MS__RELAXED);
    uint64_t now = upto && brake ? ms__ticks() : 0;
    return now > upto && now - upto > brake; /* (an event's time may be a little ahead of this thread's clock) */
}
/* The writers' wake-up call: 1 when a thread waits on the brake. A writer that sleeps between
   passes (20 ms) sleeps on it (a futex), so that a thread on the brake never waits for a writer
   that sleeps (the time bound can hold the brake with fewer chunks out than wake a writer). */
static _Atomic uint32_t ms__wr_kick;
static void ms__writer_kick(void) {
    if (!atomic_exchange_explicit(&ms__wr_kick, 1, MS__RELAXED))
        syscall(SYS_futex, (uint32_t *)&ms__wr_kick, 1 /* FUTEX_WAKE */ | 128 /* FUTEX_PRIVATE_FLAG */, 0x7fffffff, NULL, NULL, 0);
}
static MS__NOINLINE void ms__log_brake(memscope_tracker *t) {
    struct timespec ts = {0, 200000};
    for (int i = 0; i < 500 && ms__backlogged(t) && atomic_load_explicit(&t->streaming, MS__RELAXED); i++) {
        ms__writer_kick();
        nanosleep(&ts, NULL);
    }
}

/* Events are reserved against max_events as they are logged, a chunk's worth at a time. */
static MS__NOINLINE int ms__log_more(memscope_tracker *t, ms__thread *th, unsigned need) {
    if (MS__UNLIKELY(atomic_load_explicit(&t->streaming, MS__RELAXED)) && ms__backlogged(t)) ms__log_brake(t);
    if (!th->log_budget) {
        uint64_t max = atomic_load_explicit(&t->max_events, MS__RELAXED);
        if (atomic_load_explicit(&t->events_reserved, MS__RELAXED) >= max) return 0;
        if (atomic_fetch_add_explicit(&t->events_reserved, MEMSCOPE_EVENT_CHUNK, MS__RELAXED) >= max) {
            atomic_fetch_sub_explicit(&t->events_reserved, MEMSCOPE_EVENT_CHUNK, MS__RELAXED);
            return 0;
        }
        th->log_budget = MEMSCOPE_EVENT_CHUNK;
    }
    if (!th->log_tail || th->log_n + need > th->log_cap) {
        /* 4 KiB, then 32 KiB, then whole chunks: a thread that allocates little costs little */
        ms__chunk *c = th->log_seq == 0 ? ms__chunk_small(504u) : th->log_seq == 1 ? ms__chunk_small(4088u) : NULL;
        if (!c) c = ms__chunk_map();
        /* out of memory or address space (ulimit -v): a stream gives chunks back as it
           writes, and they are kept for reuse; wait for one (a brake, as above) */
        struct timespec ts = {0, 200000};
        for (int i = 0; !c && i < 500 && atomic_load_explicit(&t->streaming, MS__RELAXED); i++) {
            atomic_store_explicit(&ms__chunk_short, 1, MS__RELAXED);
            nanosleep(&ts, NULL);
            c = ms__chunk_map();
        }
        if (!c) return 0;
        th->log_cap = c->words;
        c->seq = th->log_seq++;
        if (th->log_tail) atomic_store_explicit(&th->log_tail->next, c, MS__RELEASE);
        else atomic_store_explicit(&th->log_head, c, MS__RELEASE);
        th->log_tail = c;
        th->log_n = 0;
    }
    return 1;
}

static MS__NOINLINE void ms__log_switch(memscope_tracker *t);

/* Appends a record of n words (with a stamp record first when the stamp moved): 1, or 0
   when the tracker has left (or is leaving) log mode and the caller goes the ordinary way. */
MS__HOT int ms__log_push(memscope_tracker *t, ms__thread *th, uint64_t w0, uint64_t w1, uint64_t w2,
                         uint64_t w3, unsigned n) {
    atomic_store_explicit(&th->logging, 1, MS__RELAXED);
    atomic_signal_fence(memory_order_seq_cst); /* with the switch's membarrier */
    if (MS__LIKELY(atomic_load_explicit(&t->log_mode, MS__RELAXED) == 1)) {
        uint64_t stamp = ms__log_stamp(th);
        unsigned need = n + (stamp != th->log_written ? 2u : 0u);
        if (MS__LIKELY(th->log_budget && th->log_tail && th->log_n + need <= th->log_cap) ||
            ms__log_more(t, th, need)) {
            uint64_t *w = (uint64_t *)(void *)th->log_tail->ev + th->log_n;
            if (stamp != th->log_written) {
                w[0] = MS__LK_STAMP;
                w[1] = stamp;
                w += 2;
                th->log_written = stamp;
            }
            w[0] = w0;
            if (n > 1) w[1] = w1;
            if (n > 2) { w[2] = w2; w[3] = w3; }
            th->log_n += need;
            th->log_budget--;
            atomic_store_explicit(&th->log_tail->count, th->log_n, MS__RELEASE);
            atomic_store_explicit(&th->logging, 0, MS__RELEASE);
            return 1;
        }
        atomic_store_explicit(&th->logging, 0, MS__RELEASE);
        ms__log_switch(t); /* the event bound: the rest of the run goes through the live table */
        return 0;
    }
    atomic_store_explicit(&th->logging, 0, MS__RELEASE);
    while (atomic_load_explicit(&t->log_mode, MS__ACQUIRE) == 2) sched_yield();
    return 0;
}

MS__HOT int ms__log_alloc(memscope_tracker *t, ms__thread *th, uint64_t a, uint64_t size, unsigned fn, uint32_t stack) {
    th->log_recent[ms__log_slot(a)] = (uintptr_t)a;
    if (MS__LIKELY(!(a & 7) && size < (1ull << 36) && stack < (1u << 24)))
        return ms__log_push(t, th, a | MS__LK_ALLOC, size | (uint64_t)fn << 36 | (uint64_t)stack << 40, 0, 0, 2);
    return ms__log_push(t, th, MS__LK_WIDE | MS__RV_ALLOC << 3, a, size, fn | (uint64_t)stack << 32, 4);
}
MS__HOT int ms__log_free(memscope_tracker *t, ms__thread *th, uint64_t a) {
    if (MS__UNLIKELY(th->log_recent[ms__log_slot(a)] != (uintptr_t)a)) ms__log_foreign(th);
    if (MS__LIKELY(!(a & 7))) return ms__log_push(t, th, a | MS__LK_FREE, 0, 0, 0, 1);
    return ms__log_push(t, th, MS__LK_WIDE | MS__RV_FREE << 3, a, 0, 0, 2);
}
MS__HOT int ms__log_track(memscope_tracker *t, ms__thread *th, uint64_t a, uint64_t size, uint32_t site, uint32_t stack) {
    th->log_recent[ms__log_slot(a)] = (uintptr_t)a;
    if (MS__LIKELY(!(a & 7) && size < (1ull << 36) && site < (1u << 28) && !stack))
        return ms__log_push(t, th, a | MS__LK_TRACK, size | (uint64_t)site << 36, 0, 0, 2);
    return ms__log_push(t, th, MS__LK_WIDE | MS__RV_TRACK << 3, a, size, site | (uint64_t)stack << 32, 4);
}
MS__HOT int ms__log_untrack(memscope_tracker *t, ms__thread *th, uint64_t a) {
    unsigned slot = ms__log_slot(a);
    if (MS__UNLIKELY(th->log_recent[slot] != (uintptr_t)a)) ms__log_foreign(th);
    th->log_recent[slot] = 0; /* ended here: a later UNTRACK of it is another thread's business */
    if (MS__LIKELY(!(a & 7))) return ms__log_push(t, th, a | MS__LK_UNTRACK, 0, 0, 0, 1);
    return ms__log_push(t, th, MS__LK_WIDE | MS__RV_UNTRACK << 3, a, 0, 0, 2);
}
#ifdef MEMSCOPE_HOOK_MALLOC
static int ms__log_name(memscope_tracker *t, ms__thread *th, uint64_t a, uint64_t size, uint32_t site, uint32_t stack) {
    return ms__log_push(t, th, MS__LK_WIDE | MS__RV_NAME << 3, a, size, site | (uint64_t)stack << 32, 4);
}
#endif

/* --- the resolver (under analysis_lock) --- */

static ms__rent *ms__rv_find(ms__resolver *r, uint64_t a) {
    if (!r->cap) return NULL;
    for (uint64_t m = r->cap - 1, i = ms__mix64(a) & m;; i = (i + 1) & m) {
        if (r->slot[i].addr == a) return &r->slot[i];
        if (!r->slot[i].addr) return NULL;
    }
}

static void ms__rv_slots_free(ms__resolver *r) {
    if (r->mapped) munmap(r->slot, (size_t)r->cap * sizeof *r->slot);
    else MEMSCOPE_FREE(r->slot);
    r->slot = NULL;
    r->mapped = 0;
}

static ms__rent *ms__rv_put(ms__resolver *r, uint64_t a) {
    if ((r->n + 1) * 4 > r->cap * 3) {
        uint64_t cap = r->cap ? r->cap * 2 : 256;
        ms__rent *s = r->nofork ? (ms__rent *)ms__map_nofork((size_t)cap * sizeof *s) : NULL;
        int mapped = s != NULL;
        if (!s) s = (ms__rent *)ms__calloc(cap, sizeof *s);
        if (!s) return NULL;
        for (uint64_t i = 0; i < r->cap; i++) {
            if (!r->slot[i].addr) continue;
            uint64_t j = ms__mix64(r->slot[i].addr) & (cap - 1);
            while (s[j].addr) j = (j + 1) & (cap - 1);
            s[j] = r->slot[i];
        }
        ms__rv_slots_free(r);
        r->slot = s;
        r->mapped = mapped;
        r->cap = cap;
    }
    uint64_t m = r->cap - 1, i = ms__mix64(a) & m;
    while (r->slot[i].addr) i = (i + 1) & m;
    memset(&r->slot[i], 0, sizeof r->slot[i]);
    r->slot[i].addr = a;
    r->n++;
    return &r->slot[i];
}

/* Linear probing without tombstones: later entries of the run move back. */
static void ms__rv_del(ms__resolver *r, ms__rent *e) {
    uint64_t m = r->cap - 1, i = (uint64_t)(e - r->slot), j = i;
    for (;;) {
        j = (j + 1) & m;
        if (!r->slot[j].addr) break;
        uint64_t k = ms__mix64(r->slot[j].addr) & m;
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue; /* its home is after the hole */
        r->slot[i] = r->slot[j];
        i = j;
    }
    r->slot[i].addr = 0;
    r->n--;
}

static void ms__ring_drain(memscope_tracker *t, uint32_t count);
static void ms__ring_direct(memscope_tracker *t, const ms__event *e, ms__thread *th);

/* The allocation event of a live block, or NULL when it is no longer in memory (a stream
   wrote it out already). */
static ms__event *ms__rv_event(memscope_tracker *t, const ms__rent *x) {
    const ms__ring *g = &t->ring;
    if (!g->ev) return x->ev.p;
    if (x->ev.seq < g->done || x->ev.seq - g->done >= g->n) return NULL;
    uint64_t i = g->head + (x->ev.seq - g->done);
    return &g->ev[i >= g->cap ? i - g->cap : i].e;
}

/* The ordinary event, written to th's event chunks (reserved when its record was logged),
   or a stream's ring. *seq: its number in the ring. */
static ms__event *ms__rv_emit(memscope_tracker *t, ms__thread *th, uint64_t tick, uint64_t addr, uint64_t size_kind,
                              uint32_t site, uint32_t aux, uint64_t *seq) {
    ms__ring *g = &t->ring;
    const ms__event ev = {tick, addr, size_kind, site, aux};
    *seq = 0;
    if (g->ev && !g->n && !atomic_load_explicit(&t->names_hooked, MS__RELAXED)) {
        /* no TRACK has named a hooked block: nothing will rename this event, straight out */
        *seq = g->done++;
        ms__ring_direct(t, &ev, th);
        return NULL;
    }
    if (g->ev) {
        if (g->n == g->cap) ms__ring_drain(t, g->cap / 2);
        uint32_t i = g->head + g->n;
        if (i >= g->cap) i -= g->cap;
        *seq = g->done + g->n++;
        ms__ringev *r = &g->ev[i];
        r->e = ev;
        r->th = th;
        return &r->e;
    }
    if (!th->tail || th->tail_count == MEMSCOPE_EVENT_CHUNK) {
        ms__chunk *c = ms__chunk_map();
        if (!c) { MS__OWNER_ADD(&th->dropped, 1); return NULL; }
        if (th->tail) atomic_store_explicit(&th->tail->next, c, MS__RELEASE);
        else atomic_store_explicit(&th->head, c, MS__RELEASE);
        th->tail = c;
        th->tail_count = 0;
    }
    ms__event *e = &th->tail->ev[th->tail_count];
    *e = ev;
    atomic_store_explicit(&th->tail->count, ++th->tail_count, MS__RELEASE);
    return e;
}

static uint32_t ms__rv_limit(const ms__thread *th, ms__chunk *c) {
    return c == th->rv_end ? th->rv_end_n : atomic_load_explicit(&c->count, MS__ACQUIRE);
}

/* A group: the events between two stamp records of a thread, which the thread made in that
   order between the two counter readings. Its events are given times spread evenly across
   the interval (the first one's is exact), so that two threads taking turns come out of the
   merge taking turns. Counts the group's events when its end is in the snapshot. A
   tracker's own log (TRACK) keeps every event of a group at the group's stamp instead (a
   lower bound of each one's time): a thread that waited inside a group (on a barrier, a
   lock, a sleep) would otherwise have its last events placed after what other threads did
   meanwhile, and the peak of a run whose phases a barrier separates would come out low. */
static void ms__rv_group(ms__thread *th) {
    ms__chunk *c = th->rv_chunk;
    uint32_t count = 0;
    th->rv_m = 0;
    if (th->rv_flat) { /* every event at the group's stamp: nothing to count */
        th->rv_step = 0.0;
        return;
    }
    for (uint32_t i = th->rv_n;;) {
        if (i >= ms__rv_limit(th, c)) {
            if (c == th->rv_end || !(c = atomic_load_explicit(&c->next, MS__ACQUIRE))) return;
            i = 0;
            continue;
        }
        ms__rec x;
        x.tick = 0; /* (set by a stamp record only) */
        i += ms__rec_read((const uint64_t *)(const void *)c->ev + i, &x);
        if (x.kind != MS__RV_STAMP) { count++; continue; }
        th->rv_m = th->rv_j + count;
        th->rv_span = x.tick > th->rv_tick ? x.tick - th->rv_tick : 0;
        th->rv_step = th->rv_m && !th->rv_flat ? (double)th->rv_span / th->rv_m : 0.0;
        return;
    }
}

/* The head event has been applied (or dropped). */
static void ms__rv_next(ms__thread *th, unsigned words) {
    th->rv_n += words;
    th->rv_j++;
}

/* The thread's next record inside the pass's snapshot (stamps taken on the way), or NULL.
   Log chunks left behind are unmapped. */
static const uint64_t *ms__rv_head(ms__thread *th, ms__rec *r) {
    if (!th->rv_end) return NULL;
    if (!th->rv_chunk) {
        th->rv_chunk = atomic_load_explicit(&th->log_head, MS__ACQUIRE);
        th->rv_n = 0;
    }
    for (;;) {
        if (th->rv_n < ms__rv_limit(th, th->rv_chunk)) {
            const uint64_t *w = (const uint64_t *)(const void *)th->rv_chunk->ev + th->rv_n;
            r->words = ms__rec_read(w, r);
            if (r->kind != MS__RV_STAMP) {
                r->tick = th->rv_tick;
                if (th->rv_m) r->tick += (uint64_t)(th->rv_step * th->rv_j);
                return w;
            }
            th->rv_tick = r->tick;
            th->rv_n += r->words;
            th->rv_j = 0;
            ms__rv_group(th);
            continue;
        }
        if (th->rv_chunk == th->rv_end) return NULL;
        ms__chunk *nx = atomic_load_explicit(&th->rv_chunk->next, MS__ACQUIRE), *old = th->rv_chunk;
        if (!nx) return NULL;
        th->rv_chunk = nx;
        th->rv_n = 0;
        th->rv_at = NULL; /* the address may come back in a later mapping */
        atomic_store_explicit(&th->log_head, nx, MS__RELEASE);
        ms__chunk_unmap(old);
    }
}

/* Takes the snapshot again: what was its end is now "seen before". */
static void ms__rv_snapshot(ms__thread *th) {
    th->rv_vis_seq = th->rv_end ? th->rv_end->seq : 0;
    th->rv_vis_n = th->rv_end ? th->rv_end_n : 0;
    ms__chunk *c = th->rv_end ? th->rv_end : atomic_load_explicit(&th->log_head, MS__ACQUIRE), *nx;
    if (!c) return;
    while ((nx = atomic_load_explicit(&c->next, MS__ACQUIRE))) c = nx;
    th->rv_end = c;
    th->rv_end_n = atomic_load_explicit(&c->count, MS__ACQUIRE);
}

static int ms__rv_seen_before(const ms__thread *th) {
    uint32_t seq = th->rv_chunk->seq;
    return seq < th->rv_vis_seq || (seq == th->rv_vis_seq && th->rv_n < th->rv_vis_n);
}

/* Whether another thread holds, before `limit`, the record that would let r be applied:
   an allocation (or a TRACK) at its address for a free, a free for an allocation. */
static int ms__rv_partner_ahead(ms__thread *list, const ms__thread *self, const ms__rec *r, uint64_t limit) {
    int want_alloc = r->kind == MS__RV_FREE || r->kind == MS__RV_UNTRACK;
    for (ms__thread *th = list; th; th = th->rv_next) {
        ms__rec x;
        if (th == self || !ms__rv_head(th, &x)) continue;
        ms__chunk *c = th->rv_chunk;
        uint64_t tick = th->rv_tick;
        for (uint32_t i = th->rv_n;;) {
            if (i >= ms__rv_limit(th, c)) {
                if (c == th->rv_end || !(c = atomic_load_explicit(&c->next, MS__ACQUIRE))) break;
                i = 0;
                continue;
            }
            i += ms__rec_read((const uint64_t *)(const void *)c->ev + i, &x);
            if (x.kind == MS__RV_STAMP) {
                if ((tick = x.tick) >= limit) break;
                continue;
            }
            if (x.addr != r->addr) continue;
            if (want_alloc ? x.kind == MS__RV_ALLOC || x.kind == MS__RV_NAME || x.kind == MS__RV_TRACK
                           : x.kind == MS__RV_FREE || x.kind == MS__RV_UNTRACK)
                return 1;
        }
    }
    return 0;
}

/* The time an event is written with: its stamp, but never before what it follows (its
   thread's previous event; for a free, its block's allocation; for an allocation, the free
   that ended the previous block at that address), so that any merge by time replays a
   block's life in order even where the stamps were out of order. */
static uint64_t ms__rv_when(ms__thread *th, uint64_t tick, uint64_t after) {
    if (after != UINT64_MAX && tick <= after) tick = after + 1;
    if (tick < th->rv_emitted) tick = th->rv_emitted;
    th->rv_emitted = tick;
    return tick;
}

/* The allocation event of r (th's) out and counted: its time (*e, *seq: ms__rv_emit's). */
static uint64_t ms__rv_out_alloc(memscope_tracker *t, ms__thread *th, const ms__rec *r, ms__event **e, uint64_t *seq) {
    const uint64_t *end = t->rv.ended[(r->addr >> 4) & 255u];
    const uint64_t when = ms__rv_when(th, r->tick, end[0] == r->addr ? end[1] : UINT64_MAX);
    *e = ms__rv_emit(t, th, when, r->addr, r->size << 1, r->site, r->stack, seq);
    ms__count_alloc(th, r->size, r->site);
    return when;
}

/* The free event (th's, stamped tick) of the block at addr allocated at `born`, its owner's
   counters charged. */
static void ms__rv_out_free(memscope_tracker *t, ms__thread *th, uint64_t addr, uint64_t tick, uint64_t born,
                            uint64_t size, uint32_t site, uint32_t owner) {
    const uint64_t when = ms__rv_when(th, tick, born);
    uint64_t *end = t->rv.ended[(addr >> 4) & 255u], seq;
    ms__rv_emit(t, th, when, addr, size << 1 | 1u, site, owner, &seq);
    end[0] = addr;
    end[1] = when;
    ms__count_free(t, th, size, owner);
}

static void ms__rv_alloc(memscope_tracker *t, ms__thread *th, const ms__rec *r, unsigned origin) {
    ms__event *e;
    uint64_t seq;
    const uint64_t when = ms__rv_out_alloc(t, th, r, &e, &seq);
    ms__rent *x = ms__rv_put(&t->rv, r->addr);
    if (x) {
        x->size = r->size;
        x->ticks = when;
        x->site = r->site;
        x->owner = th->index;
        x->stack = r->stack;
        x->origin = origin;
        if (t->ring.ev) x->ev.seq = seq; /* a stream's: in the ring while seq >= ring.done */
        else x->ev.p = e;
    }
}

/* Ends the live block x with a free event of th's (its owner's counters are charged). */
static void ms__rv_end(memscope_tracker *t, ms__thread *th, const ms__rec *r, ms__rent *x) {
    ms__rv_out_free(t, th, r->addr, r->tick, x->ticks, x->size, x->site, x->owner);
    ms__rv_del(&t->rv, x);
}

/* A table of live blocks larger than the caches (a program with many blocks live: Python's
   objects) costs a cache miss at every record: the slot of the record MS__RV_AHEAD words
   ahead in the log is fetched while this one is applied. (A word there may be the second of
   an allocation's record: then a slot is fetched for nothing.) */
#define MS__RV_AHEAD 24u
static inline void ms__rv_prefetch(const memscope_tracker *t, const ms__thread *th) {
#if defined(__GNUC__) || defined(__clang__)
    const uint32_t at = th->rv_n + MS__RV_AHEAD;
    if (t->rv.cap >= 8192 && at < ms__rv_limit(th, th->rv_chunk)) {
        const uint64_t a = ((const uint64_t *)(const void *)th->rv_chunk->ev)[at] & ~(uint64_t)7;
        __builtin_prefetch(&t->rv.slot[ms__mix64(a) & (t->rv.cap - 1)]);
    }
#else
    (void)t; (void)th;
#endif
}

/* Applies th's head record r when it can be: 1 applied (or dropped), 0 it must wait. */
static int ms__rv_apply(memscope_tracker *t, ms__thread *th, const ms__rec *r) {
    ms__rv_prefetch(t, th);
    ms__rent *x = ms__rv_find(&t->rv, r->addr);
    switch (r->kind) {
    case MS__RV_ALLOC:
        if (x) return 0;
        ms__rv_alloc(t, th, r, MS__ORIGIN_HOOK);
        break;
    case MS__RV_TRACK: /* a tracker's TRACK: a TRACK again at a live address ends that record */
        if (x) {
            /* its own block, and every record made before this one is in the pass: another
               thread's UNTRACK of it would have a smaller stamp (a foreign UNTRACK reads the
               counter and makes the others read it too) and was applied already. Else wait:
               that UNTRACK may still come. */
            if (x->owner != th->index || !ms__rv_seen_before(th)) return 0;
            ms__rv_end(t, th, r, x);
        }
        ms__rv_alloc(t, th, r, MS__ORIGIN_TRACK);
        break;
    case MS__RV_NAME: /* TRACK: names the live block, else records one of its own */
        if (x) {
            ms__thread *owner = ms__thread_by_index(t, x->owner);
            ms__site_stat *from = owner ? ms__site_stat_get(owner, x->site) : NULL;
            ms__site_stat *to = owner ? ms__site_stat_get(owner, r->site) : NULL;
            if (from && to) {
                MS__OWNER_ADD(&from->count, UINT64_MAX);
                MS__OWNER_ADD(&from->bytes, 0 - x->size);
                MS__OWNER_ADD(&to->count, 1);
                MS__OWNER_ADD(&to->bytes, x->size);
            }
            x->site = r->site;
            ms__event *ev = ms__rv_event(t, x);
            if (ev) ev->site = r->site;
        } else {
            ms__rv_alloc(t, th, r, MS__ORIGIN_TRACK);
        }
        break;
    default: /* a free by the hooks, or an UNTRACK (which ends only what a TRACK began) */
        if (!x) return 0; /* its block may be in another thread's log still */
        if (r->kind == MS__RV_UNTRACK && x->origin == MS__ORIGIN_HOOK) break;
        ms__rv_end(t, th, r, x);
        break;
    }
    ms__rv_next(th, r->words);
    return 1;
}

/* A block freed by the very next record of the thread that allocated it (a temporary: the
   whole of a malloc/free loop, a large share of any program's allocations): both events out
   as ms__rv_alloc and ms__rv_end would write them, without the table of live blocks. Only
   when the free would be applied right after the allocation anyway: in the same log chunk,
   before `second` (the other threads' earliest head) and `lim`, and no block lives at the
   address. 1 when done (two records applied; *tick: the free's stamp). */
static int ms__rv_pair(memscope_tracker *t, ms__thread *th, const ms__rec *r, uint64_t second, uint64_t lim, uint64_t *tick) {
    const uint32_t at = th->rv_n + r->words;
    if (r->kind != MS__RV_ALLOC || at >= ms__rv_limit(th, th->rv_chunk) ||
        ((const uint64_t *)(const void *)th->rv_chunk->ev)[at] != (r->addr | MS__LK_FREE))
        return 0;
    uint64_t ftick = th->rv_tick; /* the free's stamp, as ms__rv_head would give it */
    if (th->rv_m) ftick += (uint64_t)(th->rv_step * (th->rv_j + 1));
    if (ftick > second || ftick >= lim || ms__rv_find(&t->rv, r->addr)) return 0;
    ms__event *e;
    uint64_t seq;
    const uint64_t when = ms__rv_out_alloc(t, th, r, &e, &seq);
    ms__rv_next(th, r->words);
    ms__rv_out_free(t, th, r->addr, ftick, when, r->size, r->site, th->index);
    ms__rv_next(th, 1);
    *tick = ftick;
    return 1;
}

/* Resolves what the threads have logged since the last pass (under analysis_lock).
   all: go on until every record read is resolved (the switch to the live table).
   budget (0: none): stop after that many records; then the stamp of the last one applied is
   returned (what is left comes after it, except records that wait for a partner), else
   UINT64_MAX. */
static uint64_t ms__resolve_some(memscope_tracker *t, int all, uint64_t budget, uint64_t limit) {
    ms__thread *list = NULL, **tail = &list;
    uint32_t k = atomic_load_explicit(&t->thread_count, MS__ACQUIRE);
    for (uint32_t i = 0; i < k; i++) {
        ms__thread *th = ms__thread_by_index(t, i);
        if (!th) continue;
        ms__rv_snapshot(th);
        th->rv_blocked = 0;
        th->rv_flat = !t->rv_spread;
        if (!th->rv_m && th->rv_chunk) { /* a group left open by the last pass: its end may be in now */
            ms__rv_group(th);
            th->rv_at = NULL;
        }
        *tail = th;
        tail = &th->rv_next;
    }
    *tail = NULL;
    uint64_t stale = (uint64_t)(MS__LOG_STALE_NS / ms__clock_ratio()), applied = 0;
    int rounds = 0;
    for (;;) {
        ms__thread *best = NULL, *wait = NULL;
        ms__rec br, wr, r;
        int have_b = 0, have_w = 0;
        uint64_t second = UINT64_MAX; /* the earliest head of the other threads */
        memset(&br, 0, sizeof br);
        memset(&wr, 0, sizeof wr);
        for (ms__thread *th = list; th; th = th->rv_next) {
            if (!ms__rv_head(th, &r)) continue;
            if (th->rv_blocked) {
                if (!have_w || r.tick < wr.tick) { wait = th; wr = r; have_w = 1; }
            } else if (!have_b || r.tick < br.tick) {
                if (have_b && br.tick < second) second = br.tick;
                best = th;
                br = r;
                have_b = 1;
            } else if (r.tick < second) {
                second = r.tick;
            }
        }
        if (have_b && !all && br.tick >= limit && (!have_w || wr.tick >= limit)) break; /* the rest: later */
        if (have_b && (!have_w || br.tick < wr.tick + stale)) {
            /* a run of the best thread's records, up to the next thread's head */
            for (;;) {
                uint64_t ftick;
                if (!have_w && ms__rv_pair(t, best, &br, second, all ? UINT64_MAX : limit, &ftick)) {
                    applied += 2;
                    if (budget && applied >= budget) return ftick;
                    if (!ms__rv_head(best, &br) || br.tick > second || (!all && br.tick >= limit)) break;
                    continue;
                }
                if (!ms__rv_apply(t, best, &br)) { best->rv_blocked = 1; break; }
                if (budget && ++applied >= budget) return br.tick;
                if (have_w) { /* the table changed at br.addr: heads waiting on it may go */
                    for (ms__thread *th = list; th; th = th->rv_next)
                        if (th->rv_blocked && ms__rv_head(th, &r) && r.addr == br.addr) th->rv_blocked = 0;
                    break;
                }
                if (!ms__rv_head(best, &br) || br.tick > second || (!all && br.tick >= limit)) break;
            }
            continue;
        }
        if (!have_w) break; /* all read */
        /* nothing can be applied before the waiting heads' partners would have to come */
        ms__thread *cut = NULL;
        int unseen = 0;
        for (ms__thread *th = list; th && !cut; th = th->rv_next) {
            if (!th->rv_blocked || !ms__rv_head(th, &r)) continue;
            if (!ms__rv_seen_before(th)) { unseen = 1; continue; }
            if (!ms__rv_partner_ahead(list, th, &r, r.tick + stale)) cut = th;
        }
        if (!cut && unseen && rounds < 8) {
            rounds++;
            for (ms__thread *th = list; th; th = th->rv_next) {
                ms__rv_snapshot(th);
                th->rv_blocked = 0;
                if (!th->rv_m && th->rv_chunk) {
                    ms__rv_group(th);
                    th->rv_at = NULL;
                }
            }
            continue;
        }
        if (!cut) {
            if (!all) break; /* left for a later pass */
            cut = wait;
        }
        ms__rv_head(cut, &r);
        if (r.kind == MS__RV_FREE || r.kind == MS__RV_UNTRACK) { /* of a block never recorded */
            ms__rv_next(cut, r.words);
            if (r.kind == MS__RV_FREE) t->rv.voided++;
        } else {
            ms__rent *x = ms__rv_find(&t->rv, r.addr);
            if (x && r.kind == MS__RV_TRACK) ms__rv_end(t, cut, &r, x); /* a TRACK again ends it */
            else if (x) ms__rv_del(&t->rv, x); /* an allocation where a block is live: it ended unseen */
        }
        for (ms__thread *th = list; th; th = th->rv_next) th->rv_blocked = 0;
    }
    return UINT64_MAX;
}
static void ms__resolve_locked(memscope_tracker *t, int all) { ms__resolve_some(t, all, 0, UINT64_MAX); }

static void ms__resolve(memscope_tracker *t) {
    if (!atomic_load_explicit(&t->log_mode, MS__ACQUIRE)) return;
    pthread_mutex_lock(&t->analysis_lock);
    if (atomic_load_explicit(&t->log_mode, MS__ACQUIRE) == 1 && !t->rv_hold) ms__resolve_locked(t, 0);
    pthread_mutex_unlock(&t->analysis_lock);
}

/* Leaves log mode for the live table (the event bound was reached, or sampling turned on):
   every log push in flight ends, everything logged is resolved, the live blocks move into
   the live table, and the ordinary path goes on from there. Threads in a hook meanwhile
   wait (none of them holds a lock of malloc's or memscope's). */
static MS__NOINLINE void ms__log_switch(memscope_tracker *t) {
    int on = 1;
    if (!atomic_compare_exchange_strong(&t->log_mode, &on, 2)) {
        while (atomic_load_explicit(&t->log_mode, MS__ACQUIRE) == 2) sched_yield();
        return;
    }
    ms__membarrier(); /* a push either shows its flag now or sees the new mode */
    for (ms__thread *th = atomic_load_explicit(&t->threads, MS__ACQUIRE); th;
         th = atomic_load_explicit(&th->next, MS__RELAXED))
        while (atomic_load_explicit(&th->logging, MS__ACQUIRE)) sched_yield();
    pthread_mutex_lock(&t->analysis_lock);
    ms__resolve_locked(t, 1);
    ms__resolver *r = &t->rv;
    for (uint64_t i = 0; i < r->cap; i++) {
        const ms__rent *x = &r->slot[i];
        if (!x->addr) continue;
        ms__live v = {x->size, x->site, x->owner, x->stack}, old;
        atomic_store_explicit(ms__seen_byte(t, x->addr), 1, MS__RELAXED);
        ms__live_upsert(t, x->addr, &v, &old);
    }
    ms__rv_slots_free(r);
    r->cap = r->n = 0;
    for (ms__thread *th = atomic_load_explicit(&t->threads, MS__ACQUIRE); th; /* the logs are done */
         th = atomic_load_explicit(&th->next, MS__RELAXED)) {
        for (ms__chunk *c = atomic_load(&th->log_head), *n; c; c = n) {
            n = atomic_load(&c->next);
            ms__chunk_unmap(c);
        }
        atomic_store(&th->log_head, NULL);
        th->log_tail = th->rv_chunk = th->rv_end = NULL;
        th->rv_at = NULL;
    }
    atomic_store_explicit(&t->log_mode, 0, MS__RELEASE);
    pthread_mutex_unlock(&t->analysis_lock);
}

/* ==== >>analysis ==== */

/* Merged time order of every thread's events (exited threads included), up to what
   was published when the merge began. Cursors live in a small array; the next
   event is the one with the smallest (ticks, thread index). */
/* Cursors live in the thread records and are chained into a list, so a merge
   allocates nothing; every merge runs under the tracker's analysis_lock. */
typedef struct ms__merge {
    ms__cursor *head;
    size_t k;
} ms__merge;

static void ms__cursor_load(ms__cursor *c) {
    while (c->chunk) {
        c->n = c->chunk == c->last ? c->last_n : MEMSCOPE_EVENT_CHUNK;
        if (c->i < c->n) return;
        if (c->chunk == c->last) { c->chunk = NULL; return; }
        c->chunk = atomic_load_explicit(&c->chunk->next, MS__ACQUIRE);
        c->i = 0;
    }
}

/* Snapshots where each thread's events end. Returns 1 (kept for callers' error paths). */
static int ms__merge_begin(memscope_tracker *t, ms__merge *m) {
    size_t k = atomic_load_explicit(&t->thread_count, MS__ACQUIRE);
    ms__cursor **tail = &m->head;
    m->k = 0;
    for (size_t i = 0; i < k; i++) {
        ms__thread *th = ms__thread_by_index(t, (uint32_t)i);
        if (!th) continue;
        ms__cursor *c = &th->cursor;
        c->th = th;
        c->chunk = atomic_load_explicit(&th->head, MS__ACQUIRE);
        if (!c->chunk) continue;
        ms__chunk *last = c->chunk, *nx;
        while ((nx = atomic_load_explicit(&last->next, MS__ACQUIRE))) last = nx;
        c->last = last;
        c->last_n = atomic_load_explicit(&last->count, MS__ACQUIRE);
        c->i = th->head_i;
        ms__cursor_load(c);
        if (!c->chunk) continue;
        *tail = c;
        tail = &c->next;
        m->k++;
    }
    *tail = NULL;
    return 1;
}

/* The next event in (ticks, thread index) order, if it is before `limit`; a linear scan
   over the threads. */
static const ms__event *ms__merge_next_before(ms__merge *m, ms__thread **th, uint64_t limit) {
    ms__cursor *best = NULL;
    for (ms__cursor *c = m->head; c; c = c->next) {
        if (!c->chunk) continue;
        if (!best || c->chunk->ev[c->i].ticks < best->chunk->ev[best->i].ticks) best = c;
    }
    if (!best || best->chunk->ev[best->i].ticks >= limit) return NULL;
    const ms__event *e = &best->chunk->ev[best->i++];
    ms__cursor_load(best);
    *th = best->th;
    return e;
}
static const ms__event *ms__merge_next(ms__merge *m, ms__thread **th) { return ms__merge_next_before(m, th, UINT64_MAX); }

static void ms__merge_end(ms__merge *m) { m->head = NULL; }

typedef struct ms__totals {
    uint64_t allocs, frees, alloc_bytes, free_bytes, dropped;
} ms__totals;

static ms__totals ms__sum_threads(memscope_tracker *t) {
    ms__totals s = {0, 0, 0, 0, 0};
    for (ms__thread *th = atomic_load_explicit(&t->threads, MS__ACQUIRE); th;
         th = atomic_load_explicit(&th->next, MS__RELAXED)) {
        s.allocs += MS__LOAD(&th->allocs);
        s.frees += MS__LOAD(&th->frees);
        s.alloc_bytes += MS__LOAD(&th->alloc_bytes);
        s.free_bytes += MS__LOAD(&th->free_bytes);
        s.dropped += MS__LOAD(&th->dropped);
    }
    s.dropped += atomic_load_explicit(&t->wr_dropped, MS__RELAXED);
    return s;
}

/* Peak of live recorded bytes over the merged order; cached while nothing changes.
   Exact while no event was dropped; afterwards a lower bound (max with current). */
/* Peak of live recorded bytes over the merged order of the retained events, then,
   past the bound, the live bytes at the end of that prefix plus the peak of the
   shared counters. Cached while nothing changes. */
static uint64_t ms__peak(memscope_tracker *t, const ms__totals *s) {
    pthread_mutex_lock(&t->analysis_lock);
    uint64_t key = s->allocs + s->frees;
    if (key != t->peak_key || !t->peak_valid) {
        ms__merge m;
        uint64_t live = t->wr_live, peak = t->wr_peak; /* what was streamed out, then the rest */
        for (uint32_t k = 0, i = t->ring.head; k < t->ring.n; k++, i = i + 1 == t->ring.cap ? 0 : i + 1) {
            uint64_t size = t->ring.ev[i].e.size_kind >> 1;
            if (t->ring.ev[i].e.size_kind & 1) live = live >= size ? live - size : 0;
            else if ((live += size) > peak) peak = live;
        }
        if (ms__merge_begin(t, &m)) {
            const ms__event *e;
            ms__thread *th;
            while ((e = ms__merge_next(&m, &th))) {
                uint64_t size = e->size_kind >> 1;
                if (e->size_kind & 1) live = live >= size ? live - size : 0;
                else if ((live += size) > peak) peak = live;
            }
            ms__merge_end(&m);
            if (atomic_load(&t->overflow)) {
                int64_t after = (int64_t)live + atomic_load(&t->ov_peak);
                if (after > (int64_t)peak) peak = (uint64_t)after;
            }
            t->peak_cached = peak;
            t->peak_key = key;
            t->peak_valid = 1;
        }
    }
    uint64_t peak = t->peak_cached;
    pthread_mutex_unlock(&t->analysis_lock);
    uint64_t current = s->alloc_bytes - s->free_bytes;
    return peak > current ? peak : current;
}

static void ms__loaded_report(memscope_tracker *t, memscope_report *r);

MEMSCOPE_DEF memscope_memory_stats memscope_stats(memscope_tracker *t) {
    memscope_memory_stats st;
    memset(&st, 0, sizeof st);
    if (!t) return st;
    if (t->loaded) {
        memscope_report r;
        memset(&r, 0, sizeof r);
        ms__loaded_report(t, &r);
        st.total_allocations = r.total_allocations;
        st.total_deallocations = r.total_deallocations;
        st.active_allocations = r.active_allocations;
        st.total_allocated_bytes = r.total_allocated_bytes;
        st.current_memory_bytes = r.current_memory_bytes;
        st.peak_memory_bytes = r.peak_memory_bytes;
        st.dropped_events = r.dropped_events;
        memscope_report_free(&r);
        return st;
    }
    ms__resolve(t);
    ms__totals s = ms__sum_threads(t);
    st.total_allocations = (size_t)s.allocs;
    st.total_deallocations = (size_t)s.frees;
    st.active_allocations = (size_t)(s.allocs - s.frees);
    st.total_allocated_bytes = s.alloc_bytes;
    st.current_memory_bytes = s.alloc_bytes - s.free_bytes;
    st.peak_memory_bytes = ms__peak(t, &s);
    st.dropped_events = s.dropped;
    return st;
}

static double ms__tracker_rate(memscope_tracker *t) {
    uint64_t bits = atomic_load_explicit(&t->sample_rate_bits, MS__RELAXED);
    double r;
    memcpy(&r, &bits, sizeof r);
    return r;
}

static double ms__tracker_seconds(memscope_tracker *t) {
    return (double)(ms__mono_ns() - t->start_mono_ns) / 1e9;
}

/* --- hotspots: per-site counters of every thread, grouped by the site's text --- */

typedef struct ms__site_sum { uint32_t site; uint64_t count, bytes; } ms__site_sum;

static int ms__cmp_str(const char *a, const char *b) {
    if (a == b) return 0;
    if (!a) return -1;
    if (!b) return 1;
    return strcmp(a, b);
}

static int ms__cmp_site_text(const void *pa, const void *pb) {
    const memscope_site *a = ms__site_by_id(((const ms__site_sum *)pa)->site);
    const memscope_site *b = ms__site_by_id(((const ms__site_sum *)pb)->site);
    int c = ms__cmp_str(a->file, b->file);
    if (!c) c = (a->line > b->line) - (a->line < b->line);
    if (!c) c = ms__cmp_str(a->var_name, b->var_name);
    if (!c) c = ms__cmp_str(a->type_name, b->type_name);
    return c;
}

static int ms__cmp_site_bytes(const void *pa, const void *pb) {
    const ms__site_sum *a = (const ms__site_sum *)pa, *b = (const ms__site_sum *)pb;
    if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    return ms__cmp_site_text(pa, pb);
}

/* Returns the grouped sums sorted by bytes (caller frees), or NULL with *n = 0. */
static ms__site_sum *ms__site_sums(memscope_tracker *t, size_t *n) {
    *n = 0;
    uint32_t nsites = atomic_load_explicit(&ms__site_count, MS__ACQUIRE);
    ms__site_sum *all = (ms__site_sum *)ms__calloc(nsites, sizeof *all);
    if (!all) return NULL;
    for (ms__thread *th = atomic_load_explicit(&t->threads, MS__ACQUIRE); th;
         th = atomic_load_explicit(&th->next, MS__RELAXED)) {
        for (uint32_t ci = 0; ci * MS__STAT_CHUNK < nsites; ci++) {
            ms__site_stat *c = ms__stat_chunk(th, ci);
            if (!c) continue;
            for (uint32_t j = 0; j < MS__STAT_CHUNK && ci * MS__STAT_CHUNK + j < nsites; j++) {
                all[ci * MS__STAT_CHUNK + j].count += MS__LOAD(&c[j].count);
                all[ci * MS__STAT_CHUNK + j].bytes += MS__LOAD(&c[j].bytes);
            }
        }
    }
    size_t used = 0;
    for (uint32_t i = 0; i < nsites; i++)
        if (all[i].count) { all[i].site = i; all[used++] = all[i]; }
    qsort(all, used, sizeof *all, ms__cmp_site_text);
    size_t groups = 0;
    for (size_t i = 0; i < used; i++) {
        if (groups && ms__cmp_site_text(&all[groups - 1], &all[i]) == 0) {
            all[groups - 1].count += all[i].count;
            all[groups - 1].bytes += all[i].bytes;
        } else {
            all[groups++] = all[i];
        }
    }
    qsort(all, groups, sizeof *all, ms__cmp_site_bytes);
    *n = groups;
    return all;
}

static size_t ms__location(char *buf, size_t cap, const memscope_site *s) {
    if (!s->file) return 0;
    int n = snprintf(buf, cap, "%s:%u", s->file, (unsigned)s->line);
    return n < 0 ? 0 : (size_t)n + 1;
}

static memscope_hotspot *ms__build_hotspots(memscope_tracker *t, size_t *count) {
    size_t n;
    *count = 0;
    ms__site_sum *sums = ms__site_sums(t, &n);
    if (!sums || !n) { MEMSCOPE_FREE(sums); return NULL; }
    size_t strbytes = 0;
    for (size_t i = 0; i < n; i++) {
        const memscope_site *s = ms__site_by_id(sums[i].site);
        strbytes += strlen(s->var_name ? s->var_name : "") + strlen(s->type_name ? s->type_name : "") + 2;
        strbytes += s->file ? strlen(s->file) + 12 : 0;
    }
    /* one block: the array, then its strings, freed together */
    memscope_hotspot *hs = (memscope_hotspot *)MEMSCOPE_MALLOC(n * sizeof *hs + strbytes);
    if (!hs) { MEMSCOPE_FREE(sums); return NULL; }
    char *p = (char *)(hs + n), *end = p + strbytes;
    for (size_t i = 0; i < n; i++) {
        const memscope_site *s = ms__site_by_id(sums[i].site);
        const char *name = s->var_name ? s->var_name : "", *type = s->type_name ? s->type_name : "";
        size_t ln = strlen(name) + 1, lt = strlen(type) + 1;
        hs[i].var_name = memcpy(p, name, ln); p += ln;
        hs[i].type_name = memcpy(p, type, lt); p += lt;
        size_t ll = ms__location(p, (size_t)(end - p), s);
        hs[i].location = ll ? p : NULL;
        p += ll;
        hs[i].total_size = (size_t)sums[i].bytes;
        hs[i].allocation_count = (size_t)sums[i].count;
    }
    MEMSCOPE_FREE(sums);
    *count = n;
    return hs;
}

static memscope_thread_stats *ms__build_threads(memscope_tracker *t, size_t *count) {
    size_t n = atomic_load_explicit(&t->thread_count, MS__ACQUIRE);
    *count = 0;
    if (!n) return NULL;
    memscope_thread_stats *ts = (memscope_thread_stats *)MEMSCOPE_MALLOC(n * (sizeof *ts + 16));
    if (!ts) return NULL;
    char *names = (char *)(ts + n);
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        ms__thread *th = ms__thread_by_index(t, (uint32_t)j);
        if (!th || (t->skip_idle_threads && !MS__LOAD(&th->allocs) && !MS__LOAD(&th->frees))) continue;
        size_t i = k++;
        memcpy(names + 16 * i, th->name, 16);
        names[16 * i + 15] = 0;
        ts[i].thread_id = th->tid;
        ts[i].thread_name = names + 16 * i;
        ts[i].allocations = (size_t)MS__LOAD(&th->allocs);
        ts[i].deallocations = (size_t)MS__LOAD(&th->frees);
        ts[i].allocated_bytes = MS__LOAD(&th->alloc_bytes);
        ts[i].current_bytes = ts[i].allocated_bytes - MS__LOAD(&th->own_freed_local) -
                              atomic_load_explicit(&th->own_freed_remote, MS__RELAXED);
        ts[i].peak_bytes = MS__LOAD(&th->peak_bytes);
        if (ts[i].current_bytes > ts[i].peak_bytes) ts[i].peak_bytes = ts[i].current_bytes;
    }
    *count = k;
    return ts;
}

static memscope_system_snapshot *ms__snapshots_copy(memscope_tracker *t, size_t *count, uint64_t *dropped);
static size_t ms__loaded_events(memscope_tracker *t, memscope_event **out);
static size_t ms__loaded_frames(memscope_tracker *t, uint32_t stack_id, uintptr_t *frames, size_t max);

MEMSCOPE_DEF memscope_report memscope_analyze(memscope_tracker *t) {
    memscope_report r;
    memset(&r, 0, sizeof r);
    if (!t) return r;
    if (t->loaded) { ms__loaded_report(t, &r); return r; }
    MS__ENTER();
    ms__resolve(t);
    ms__totals s = ms__sum_threads(t);
    r.total_allocations = (size_t)s.allocs;
    r.total_deallocations = (size_t)s.frees;
    r.active_allocations = (size_t)(s.allocs - s.frees);
    r.current_memory_bytes = s.alloc_bytes - s.free_bytes;
    r.peak_memory_bytes = ms__peak(t, &s);
    r.duration_sec = ms__tracker_seconds(t);
    double secs = r.duration_sec > 1e-9 ? r.duration_sec : 1e-9;
    r.allocation_rate_per_sec = (double)s.allocs / secs;
    r.deallocation_rate_per_sec = (double)s.frees / secs;
    r.hotspots = ms__build_hotspots(t, &r.hotspot_count);
    r.system_snapshots = ms__snapshots_copy(t, &r.system_snapshot_count, &r.dropped_snapshots);
    r.threads = ms__build_threads(t, &r.thread_count);
    r.sample_rate = ms__tracker_rate(t);
    r.estimated_total_allocations = r.sample_rate > 0 ? (double)s.allocs / r.sample_rate : 0.0;
    r.estimated_total_bytes = r.sample_rate > 0 ? (double)s.alloc_bytes / r.sample_rate : 0.0;
#ifdef MEMSCOPE_HOOK_MALLOC
    if (ms__hook_mean && t == memscope_global()) { /* byte sampling: each sample weighted */
        double wc = 0, wb = 0;
        for (ms__thread *th = atomic_load_explicit(&t->threads, MS__ACQUIRE); th; th = atomic_load_explicit(&th->next, MS__RELAXED)) {
            wc += MS__LOAD(&th->w_count);
            wb += MS__LOAD(&th->w_bytes);
        }
        r.estimated_total_allocations = r.sample_rate > 0 ? wc / r.sample_rate : 0.0;
        r.estimated_total_bytes = r.sample_rate > 0 ? wb / r.sample_rate : 0.0;
    }
#endif
    r.total_allocated_bytes = s.alloc_bytes;
    r.dropped_events = s.dropped;
    MS__LEAVE();
    return r;
}

MEMSCOPE_DEF void memscope_report_free(memscope_report *r) {
    if (!r) return;
    MEMSCOPE_FREE(r->hotspots);
    MEMSCOPE_FREE(r->system_snapshots);
    MEMSCOPE_FREE(r->threads);
    memset(r, 0, sizeof *r);
}

static void ms__event_public(memscope_tracker *t, const ms__event *e, const ms__thread *th,
                             double ns_per_tick, memscope_event *out) {
    const memscope_site *s = ms__site_by_id(e->site);
    int is_free = (int)(e->size_kind & 1);
    out->kind = is_free ? MEMSCOPE_EVENT_FREE : MEMSCOPE_EVENT_ALLOC;
    out->timestamp_ns = e->ticks > t->start_ticks ? (uint64_t)((double)(e->ticks - t->start_ticks) * ns_per_tick) : 0;
    out->address = (uintptr_t)e->address;
    out->size = (size_t)(e->size_kind >> 1);
    out->thread_id = th->tid;
    out->var_name = s->var_name;
    out->type_name = s->type_name;
    out->file = s->file;
    out->line = s->line;
    out->stack_id = is_free ? 0 : e->aux;
    const ms__thread *owner = is_free ? ms__thread_by_index(t, e->aux) : th;
    out->alloc_thread_id = owner ? owner->tid : 0;
}

MEMSCOPE_DEF memscope_event *memscope_events(memscope_tracker *t, size_t *count) {
    if (count) *count = 0;
    if (!t || !count) return NULL;
    if (t->loaded) {
        memscope_event *out = NULL;
        *count = ms__loaded_events(t, &out);
        return out;
    }
    MS__ENTER();
    ms__resolve(t);
    double ratio = ms__clock_ratio();
    pthread_mutex_lock(&t->analysis_lock);
    ms__merge m;
    memscope_event *out = NULL;
    if (ms__merge_begin(t, &m)) {
        size_t total = 0;
        for (ms__cursor *cp = m.head; cp; cp = cp->next) { /* count what the snapshot holds */
            ms__cursor c = *cp;
            while (c.chunk) {
                total += c.n - c.i;
                c.i = c.n;
                ms__cursor_load(&c);
            }
        }
        out = total ? (memscope_event *)malloc(total * sizeof *out) : NULL; /* caller free()s */
        if (out) {
            const ms__event *e;
            ms__thread *th;
            size_t n = 0;
            while (n < total && (e = ms__merge_next(&m, &th))) ms__event_public(t, e, th, ratio, &out[n++]);
            *count = n;
        }
        ms__merge_end(&m);
    }
    pthread_mutex_unlock(&t->analysis_lock);
    MS__LEAVE();
    return out;
}

static int ms__loaded_symbol(memscope_tracker *t, uint32_t stack_id, size_t index, memscope_symbol *out,
                             const ms__inlf **inl, uint32_t *ninl);
static size_t ms__loaded_each(memscope_tracker *t, int (*fn)(const memscope_event *, void *), void *ctx);

MEMSCOPE_DEF size_t memscope_each_event(memscope_tracker *t, int (*fn)(const memscope_event *ev, void *ctx), void *ctx) {
    if (!t || !fn) return 0;
    if (t->loaded) return ms__loaded_each(t, fn, ctx);
    MS__ENTER();
    ms__resolve(t);
    double ratio = ms__clock_ratio();
    size_t n = 0;
    pthread_mutex_lock(&t->analysis_lock);
    ms__merge m;
    if (ms__merge_begin(t, &m)) {
        const ms__event *e;
        ms__thread *th;
        while ((e = ms__merge_next(&m, &th))) {
            memscope_event ev;
            ms__event_public(t, e, th, ratio, &ev);
            n++;
            if (fn(&ev, ctx)) break;
        }
        ms__merge_end(&m);
    }
    pthread_mutex_unlock(&t->analysis_lock);
    MS__LEAVE();
    return n;
}

/* A machine frame from its lookup (r: of addr - 1, ok its result). */
static void ms__symbol_of(uintptr_t addr, const ms__symres *r, int ok, memscope_symbol *out) {
    memset(out, 0, sizeof *out);
    out->address = addr;
    if (!ok) return;
    out->function = r->function;
    out->module = r->module;
    out->file = r->file;
    out->line = r->file ? r->line : 0;
    if (r->named) { out->offset = addr - r->fn_lo; out->has_offset = 1; }
    else if (r->has_base) { out->offset = addr - r->base; out->has_offset = 1; }
}

MEMSCOPE_DEF int memscope_stack_symbol(memscope_tracker *t, uint32_t stack_id, size_t index, memscope_symbol *out) {
    if (!t || !out) return 0;
    memset(out, 0, sizeof *out);
    if (t->loaded) return ms__loaded_symbol(t, stack_id, index, out, NULL, NULL);
    ms__stack *s = ms__stack_by_id(t, stack_id);
    if (!s || index >= s->depth) return 0;
    uintptr_t addr = s->frames[index];
    ms__symres r;
    int ok = ms__sym_lookup_lines(addr - 1, &r, 3); /* a return address: inside the call instruction */
    ms__symbol_of(addr, &r, ok, out);
    return 1;
}

/* Machine frame i of a stack as the frames a reader sees (its inlined calls, then itself). */
MS__MAYBE_UNUSED static size_t ms__frame_syms(memscope_tracker *t, uint32_t stack_id, size_t i, memscope_symbol *out, size_t max) {
    memscope_symbol phys;
    if (t->loaded) {
        const ms__inlf *inl;
        uint32_t ninl;
        if (!ms__loaded_symbol(t, stack_id, i, &phys, &inl, &ninl)) return 0;
        return ms__expand_inl(&phys, inl, ninl, out, max, 0);
    }
    ms__stack *s = ms__stack_by_id(t, stack_id);
    if (!s || i >= s->depth) return 0;
    ms__symres r;
    int ok = ms__sym_lookup_lines(s->frames[i] - 1, &r, 3);
    ms__symbol_of(s->frames[i], &r, ok, &phys);
    return ms__expand_inl(&phys, r.inl, ok ? r.ninl : 0, out, max, 0);
}

MEMSCOPE_DEF size_t memscope_stack_symbols(memscope_tracker *t, uint32_t stack_id, memscope_symbol *out, size_t max) {
    if (!t) return 0;
    size_t n = 0;
    memscope_symbol phys;
    if (t->loaded) {
        const ms__inlf *inl;
        uint32_t ninl;
        for (size_t i = 0; ms__loaded_symbol(t, stack_id, i, &phys, &inl, &ninl); i++)
            n = ms__expand_inl(&phys, inl, ninl, out, max, n);
        return n;
    }
    ms__stack *s = ms__stack_by_id(t, stack_id);
    for (uint32_t i = 0; s && i < s->depth; i++) {
        ms__symres r;
        int ok = ms__sym_lookup_lines(s->frames[i] - 1, &r, 3);
        ms__symbol_of(s->frames[i], &r, ok, &phys);
        n = ms__expand_inl(&phys, r.inl, ok ? r.ninl : 0, out, max, n);
    }
    return n;
}

MEMSCOPE_DEF size_t memscope_stack_frames(memscope_tracker *t, uint32_t stack_id, uintptr_t *frames, size_t max) {
    if (!t) return 0;
    if (t->loaded) return ms__loaded_frames(t, stack_id, frames, max);
    ms__stack *s = ms__stack_by_id(t, stack_id);
    if (!s) return 0;
    for (size_t i = 0; frames && i < max && i < s->depth; i++) frames[i] = s->frames[i];
    return s->depth;
}

static size_t ms__loaded_modules(memscope_tracker *t, memscope_module *out, size_t max);
MEMSCOPE_DEF size_t memscope_modules(memscope_tracker *t, memscope_module *out, size_t max) {
    if (!t) return 0;
    size_t n = 0;
    if (t->loaded) return ms__loaded_modules(t, out, max);
    MS__ENTER();
    ms__sym_refresh();
    pthread_mutex_lock(&ms__sym_lock);
    for (size_t i = 0; i < ms__nsymmods; i++) {
        ms__symmod *m = &ms__symmods[i];
        if (!m->alive) continue;
        if (out && n < max) {
            char id[130];
            (void)ms__symmod_build_id(m, id, sizeof id);
            out[n].path = m->path; out[n].build_id = m->build_id;
            out[n].base = m->bias; out[n].low = m->lo; out[n].high = m->hi; out[n].state = MEMSCOPE_MODULE_UNCHECKED;
        }
        n++;
    }
    pthread_mutex_unlock(&ms__sym_lock);
    MS__LEAVE();
    return n;
}

/* ---- per-stack costs, the where frame, suppressions ---- */

/* LSan's pattern language: a substring; '*' any run; '^' / '$' anchor at the start / end. */
static int ms__pat_here(const char *p, const char *pe, const char *s, int anchored_end) {
    for (; p < pe; p++, s++) {
        if (*p == '*') {
            for (;; s++) {
                if (ms__pat_here(p + 1, pe, s, anchored_end)) return 1;
                if (!*s) return 0;
            }
        }
        if (!*s || *s != *p) return 0;
    }
    return !anchored_end || !*s;
}
static int ms__pat_match(const char *pat, size_t len, const char *s) {
    if (!s || !len) return 0;
    int start = pat[0] == '^', end = len > (size_t)start && pat[len - 1] == '$';
    const char *p = pat + start, *pe = pat + len - end;
    if (start) return ms__pat_here(p, pe, s, end);
    for (; ; s++) {
        if (ms__pat_here(p, pe, s, end)) return 1;
        if (!*s) return 0;
    }
}
/* Does one of the comma- or newline-separated patterns of list match the frame? */
static int ms__frame_matches(const char *list, const memscope_symbol *f) {
    const char *mod = f->module ? strrchr(f->module, '/') : NULL;
    mod = mod ? mod + 1 : f->module;
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",\n");
        if (n && (ms__pat_match(p, n, f->function) || ms__pat_match(p, n, mod))) return 1;
        p += n;
        if (*p) p++;
    }
    return 0;
}

/* Frames that are not where the program asked for memory: the allocator, the C and C++
   runtime, the dynamic loader, memscope. */
static const char ms__where_skip[] =
    "^malloc$,^calloc$,^realloc$,^reallocarray$,^free$,^memalign$,^posix_memalign$,^aligned_alloc$,"
    "^valloc$,^pvalloc$,^operator new,^operator delete,^strdup$,^strndup$,^__strdup$,^__strndup$,"
    "^libc.so,^libc-,^ld-linux,^ld64.so,^libstdc++.so,^libgcc_s.so,^libmemscope";

/* glibc's blocks that live as long as the process by design (README: Suppressions). */
static const char ms__builtin_supp[] =
    "_IO_file_doallocate\n" /* a stdio stream's buffer, released only at exit */
    "__nss_\n"              /* NSS: the service tables and the loaded service modules */
    "^_dl_\n"               /* the dynamic loader: link maps, TLS blocks, dlopen state */
    "^ld-linux\n"           /* (the same, unnamed frames of the loader) */
    "__new_exitfn\n"        /* the atexit/on_exit handler list */
    "^_nl_\n"               /* locale data loaded by setlocale */
    "^getpwuid$\n^getpwnam$\n^getgrgid$\n^getgrnam$\n" /* their static result buffers */
    "tzset\n__tzfile_read\n" /* the time zone data */
    "^__res_\n";            /* the resolver's state */

__attribute__((format(printf, 1, 2))) static void ms__say(const char *fmt, ...);
static const char *ms__env(const char *name);
static char *ms__supp_file; /* MEMSCOPE_SUPPRESSIONS's patterns, one per line (read once) */
static int ms__supp_read;

/* The patterns of a suppressions file: `leak:PATTERN` lines (LSan's); '#' comments and
   other kinds of line ignored. Returns NULL with no file or no pattern. */
static char *ms__supp_load(const char *path) {
    FILE *f = path && *path ? fopen(path, "re") : NULL;
    if (!f) {
        if (path && *path) ms__say("memscope: MEMSCOPE_SUPPRESSIONS=%s: %s; no suppressions read\n", path, strerror(errno));
        return NULL;
    }
    char *out = NULL, line[4096];
    size_t len = 0, cap = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (strncmp(p, "leak:", 5) != 0) continue;
        p += 5;
        size_t n = strcspn(p, "\r\n#");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
        if (!n) continue;
        if (len + n + 2 > cap) {
            size_t nc = (len + n + 2) * 2;
            char *np = (char *)MEMSCOPE_MALLOC(nc);
            if (!np) break;
            if (len) memcpy(np, out, len);
            MEMSCOPE_FREE(out);
            out = np;
            cap = nc;
        }
        if (len) out[len++] = '\n';
        memcpy(out + len, p, n);
        len += n;
        out[len] = 0;
    }
    fclose(f);
    return out;
}

static int ms__suppressed(const memscope_symbol *f, size_t n) {
    pthread_mutex_lock(&ms__supp_lock);
    if (!ms__supp_read) { ms__supp_read = 1; ms__supp_file = ms__supp_load(ms__env("MEMSCOPE_SUPPRESSIONS")); }
    pthread_mutex_unlock(&ms__supp_lock);
    const char *nb = ms__env("MEMSCOPE_NO_BUILTIN_SUPPRESSIONS");
    int builtin = !(nb && *nb && strcmp(nb, "0") != 0);
    for (size_t i = 0; i < n; i++) {
        if (ms__supp_file && ms__frame_matches(ms__supp_file, &f[i])) return MEMSCOPE_SUPPRESSED_FILE;
        if (builtin && ms__frame_matches(ms__builtin_supp, &f[i])) return MEMSCOPE_SUPPRESSED_BUILTIN;
    }
    return 0;
}

static uint32_t ms__where_of(const memscope_symbol *f, size_t n) {
    const char *extra = ms__env("MEMSCOPE_WHERE_SKIP");
    for (size_t i = 0; i < n; i++)
        if (!ms__frame_matches(ms__where_skip, &f[i]) && !(extra && ms__frame_matches(extra, &f[i]))) return (uint32_t)i;
    return UINT32_MAX;
}

MEMSCOPE_DEF uint32_t memscope_stack_where(memscope_tracker *t, uint32_t stack_id, memscope_symbol *out) {
    if (out) memset(out, 0, sizeof *out);
    if (!t) return UINT32_MAX;
    memscope_symbol *f = (memscope_symbol *)ms__calloc(MS__SYMS_MAX, sizeof *f);
    if (!f) return UINT32_MAX;
    size_t n = memscope_stack_symbols(t, stack_id, f, MS__SYMS_MAX);
    uint32_t w = ms__where_of(f, n < MS__SYMS_MAX ? n : MS__SYMS_MAX);
    if (w != UINT32_MAX && out) *out = f[w];
    MEMSCOPE_FREE(f);
    return w;
}

/* The replay: live blocks by address (open addressing, backward-shift deletion). */
typedef struct ms__rlive { uint64_t addr, size, seq, ts; uint32_t stack; } ms__rlive;
typedef struct ms__replay {
    uint64_t seq, live, peak, peak_at;  /* pass 1: the event count at the peak */
    uint32_t max_stack;
    ms__rlive *tab; size_t cap, n;
    memscope_stack_cost *c;             /* by stack id (pass 2) */
    uint64_t *cur;
    uint64_t last_addr, last_seq;
    int oom;
} ms__replay;
static size_t ms__rl_home(const ms__replay *r, uint64_t a) { return (size_t)(ms__mix64(a) & (r->cap - 1)); }
static ms__rlive *ms__rl_find(ms__replay *r, uint64_t a) {
    if (!r->cap) return NULL;
    for (size_t i = ms__rl_home(r, a);; i = (i + 1) & (r->cap - 1)) {
        if (!r->tab[i].addr) return NULL;
        if (r->tab[i].addr == a) return &r->tab[i];
    }
}
static ms__rlive *ms__rl_put(ms__replay *r, uint64_t a) {
    if ((r->n + 1) * 4 > r->cap * 3) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        ms__rlive *nt = (ms__rlive *)ms__calloc(cap, sizeof *nt), *old = r->tab;
        if (!nt) return NULL;
        size_t oc = r->cap;
        r->tab = nt; r->cap = cap;
        for (size_t i = 0; i < oc; i++)
            if (old[i].addr) {
                size_t k = ms__rl_home(r, old[i].addr);
                while (nt[k].addr) k = (k + 1) & (cap - 1);
                nt[k] = old[i];
            }
        MEMSCOPE_FREE(old);
    }
    size_t i = ms__rl_home(r, a);
    while (r->tab[i].addr && r->tab[i].addr != a) i = (i + 1) & (r->cap - 1);
    if (!r->tab[i].addr) r->n++;
    r->tab[i].addr = a;
    return &r->tab[i];
}
static void ms__rl_del(ms__replay *r, ms__rlive *e) {
    size_t i = (size_t)(e - r->tab), j = i;
    for (;;) {
        j = (j + 1) & (r->cap - 1);
        if (!r->tab[j].addr) break;
        size_t h = ms__rl_home(r, r->tab[j].addr);
        if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) { r->tab[i] = r->tab[j]; i = j; }
    }
    r->tab[i].addr = 0;
    r->n--;
}
static int ms__replay_peak(const memscope_event *e, void *ctx) {
    ms__replay *r = (ms__replay *)ctx;
    r->seq++;
    if (e->kind == MEMSCOPE_EVENT_ALLOC) {
        r->live += e->size;
        if (r->live > r->peak) { r->peak = r->live; r->peak_at = r->seq; }
        if (e->stack_id > r->max_stack) r->max_stack = e->stack_id;
    } else {
        r->live -= e->size;
    }
    return 0;
}
static int ms__replay_run(const memscope_event *e, void *ctx) {
    ms__replay *r = (ms__replay *)ctx;
    r->seq++;
    if (e->kind == MEMSCOPE_EVENT_ALLOC) {
        ms__rlive *x = e->address ? ms__rl_put(r, e->address) : NULL;
        if (!x && e->address) { r->oom = 1; return 1; }
        if (x) { x->size = e->size; x->stack = e->stack_id; x->seq = r->seq; x->ts = e->timestamp_ns; }
        if (e->stack_id <= r->max_stack) {
            r->c[e->stack_id].allocations++;
            r->c[e->stack_id].allocated_bytes += e->size;
            r->cur[e->stack_id] += e->size;
        }
        r->last_addr = e->address;
        r->last_seq = r->seq;
    } else {
        ms__rlive *x = ms__rl_find(r, e->address);
        if (x) {
            if (x->stack <= r->max_stack) {
                r->cur[x->stack] -= x->size;
                if (r->last_seq && r->last_addr == e->address && x->seq == r->last_seq) r->c[x->stack].temporary++;
            }
            ms__rl_del(r, x);
        }
        r->last_seq = 0;
    }
    if (r->seq == r->peak_at)
        for (uint32_t k = 0; k <= r->max_stack; k++) r->c[k].peak_bytes = r->cur[k];
    return 0;
}

MEMSCOPE_DEF size_t memscope_stack_costs(memscope_tracker *t, memscope_stack_cost **out) {
    if (out) *out = NULL;
    if (!t || !out) return 0;
    ms__replay r;
    memset(&r, 0, sizeof r);
    memscope_each_event(t, ms__replay_peak, &r);
    uint64_t peak_at = r.peak_at;
    uint32_t max = r.max_stack;
    memset(&r, 0, sizeof r);
    r.peak_at = peak_at;
    r.max_stack = max;
    r.c = (memscope_stack_cost *)ms__calloc((size_t)max + 1, sizeof *r.c);
    r.cur = (uint64_t *)ms__calloc((size_t)max + 1, sizeof *r.cur);
    if (!r.c || !r.cur) { MEMSCOPE_FREE(r.c); MEMSCOPE_FREE(r.cur); return 0; }
    memscope_each_event(t, ms__replay_run, &r);
    for (size_t i = 0; i < r.cap; i++) {
        const ms__rlive *x = &r.tab[i];
        if (!x->addr || x->stack > max) continue;
        memscope_stack_cost *c = &r.c[x->stack];
        if (!c->leaked_count || x->ts < c->first_leak_ns) c->first_leak_ns = x->ts;
        if (x->ts > c->last_leak_ns) c->last_leak_ns = x->ts;
        c->leaked_count++;
        c->leaked_bytes += x->size;
    }
    MEMSCOPE_FREE(r.tab);
    MEMSCOPE_FREE(r.cur);
    size_t n = 0;
    for (uint32_t k = 0; k <= max; k++) n += r.c[k].allocations != 0;
    memscope_stack_cost *res = (memscope_stack_cost *)(r.oom || !n ? NULL : malloc(n * sizeof *res)); /* caller free()s */
    memscope_symbol *f = res ? (memscope_symbol *)ms__calloc(MS__SYMS_MAX, sizeof *f) : NULL;
    if (!f) { free(res); MEMSCOPE_FREE(r.c); return 0; }
    size_t j = 0;
    for (uint32_t k = 0; k <= max; k++) {
        if (!r.c[k].allocations) continue;
        memscope_stack_cost *c = &res[j++];
        *c = r.c[k];
        c->stack_id = k;
        size_t nf = k ? memscope_stack_symbols(t, k, f, MS__SYMS_MAX) : 0;
        if (nf > MS__SYMS_MAX) nf = MS__SYMS_MAX;
        c->where = ms__where_of(f, nf);
        c->suppressed = c->leaked_count ? ms__suppressed(f, nf) : 0;
    }
    MEMSCOPE_FREE(f);
    MEMSCOPE_FREE(r.c);
    *out = res;
    return n;
}

/* ---- memscope_print_summary ---- */

static const char *ms__human(char *buf, size_t n, double v) {
    static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (v >= 1024.0 && i < 4) { v /= 1024.0; i++; }
    snprintf(buf, n, i ? "%.1f %s" : "%.0f %s", v, u[i]);
    return buf;
}

/* A frame in one line: "fn (file:line)", "fn in module", "module+0xOFF" or the address. */
static void ms__frame_line(const memscope_symbol *s, char *buf, size_t n) {
    const char *mod = s->module ? strrchr(s->module, '/') : NULL, *src = s->file ? strrchr(s->file, '/') : NULL;
    mod = mod ? mod + 1 : s->module;
    src = src ? src + 1 : s->file;
    if (s->function && src && s->line) snprintf(buf, n, "%s (%s:%u)", s->function, src, (unsigned)s->line);
    else if (s->function) snprintf(buf, n, "%s in %s", s->function, mod ? mod : "?");
    else if (mod && s->has_offset) snprintf(buf, n, "%s+0x%llx", mod, (unsigned long long)s->offset);
    else snprintf(buf, n, "0x%llx", (unsigned long long)s->address);
}

typedef struct ms__sumrow { const char *var, *type, *file; uint32_t line; uint64_t bytes, n; char text[1024]; } ms__sumrow;
static int ms__sumrow_cmp(const void *a, const void *b) {
    const ms__sumrow *x = (const ms__sumrow *)a, *y = (const ms__sumrow *)b;
    return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 : 0;
}

static int ms__summary_live(const memscope_event *e, void *ctx) {
    ms__replay *r = (ms__replay *)ctx;
    if (e->kind == MEMSCOPE_EVENT_ALLOC) {
        ms__rlive *x = e->address ? ms__rl_put(r, e->address) : NULL;
        if (!x && e->address) { r->oom = 1; return 1; }
        if (x) {
            x->size = e->size;
            /* the site: its strings are interned, so their addresses name it */
            x->seq = (uint64_t)(uintptr_t)e->var_name;
            x->ts = (uint64_t)(uintptr_t)e->file;
            x->stack = e->line;
        }
    } else {
        ms__rlive *x = ms__rl_find(r, e->address);
        if (x) ms__rl_del(r, x);
    }
    return 0;
}

MEMSCOPE_DEF void memscope_print_summary(memscope_tracker *t, FILE *f) {
    if (!f) f = stdout;
    if (!t) { fprintf(f, "memscope: no tracker\n"); return; }
    memscope_report r = memscope_analyze(t);
    char b1[32], b2[32], b3[32], line[1024];
    fprintf(f, "memscope: %zu allocations (%s), %zu frees, peak %s, live at the end %zu (%s), %.3f s\n",
            r.total_allocations, ms__human(b1, sizeof b1, (double)r.total_allocated_bytes), r.total_deallocations,
            ms__human(b2, sizeof b2, (double)r.peak_memory_bytes), r.active_allocations,
            ms__human(b3, sizeof b3, (double)r.current_memory_bytes), r.duration_sec);
    if (r.sample_rate < 1.0 || memscope_sample_bytes(t))
        fprintf(f, "  sampled: estimated over every call %.0f allocations, %s\n", r.estimated_total_allocations,
                ms__human(b1, sizeof b1, r.estimated_total_bytes));
    if (r.dropped_events) fprintf(f, "  %llu events not retained: the lists below are partial\n", (unsigned long long)r.dropped_events);
    size_t tracked = 0;
    for (size_t i = 0; i < r.hotspot_count; i++) tracked += r.hotspots[i].location != NULL;
    if (tracked) {
        fprintf(f, "top sites by bytes allocated:\n");
        for (size_t i = 0, k = 0; i < r.hotspot_count && k < 5; i++) {
            const memscope_hotspot *h = &r.hotspots[i];
            if (!h->location) continue;
            fprintf(f, "  %10s in %7zu allocations  %s (%s) at %s\n", ms__human(b1, sizeof b1, (double)h->total_size),
                    h->allocation_count, h->var_name ? h->var_name : "?", h->type_name ? h->type_name : "?", h->location);
            k++;
        }
        /* live blocks by site */
        ms__replay lr;
        memset(&lr, 0, sizeof lr);
        memscope_each_event(t, ms__summary_live, &lr);
        ms__sumrow *rows = lr.n ? (ms__sumrow *)ms__calloc(lr.n, sizeof *rows) : NULL;
        size_t nr = 0;
        for (size_t i = 0; rows && i < lr.cap; i++) {
            const ms__rlive *x = &lr.tab[i];
            if (!x->addr) continue;
            const char *var = (const char *)(uintptr_t)x->seq, *file = (const char *)(uintptr_t)x->ts;
            size_t k = 0;
            while (k < nr && !(rows[k].var == var && rows[k].file == file && rows[k].line == x->stack)) k++;
            if (k == nr) { rows[nr].var = var; rows[nr].file = file; rows[nr].line = x->stack; nr++; }
            rows[k].bytes += x->size;
            rows[k].n++;
        }
        if (nr) {
            qsort(rows, nr, sizeof *rows, ms__sumrow_cmp);
            fprintf(f, "live at the end, by site (leaks unless freed later):\n");
            for (size_t k = 0; k < nr && k < 5; k++)
                fprintf(f, "  %10s in %7llu blocks       %s at %s:%u\n", ms__human(b1, sizeof b1, (double)rows[k].bytes),
                        (unsigned long long)rows[k].n, rows[k].var ? rows[k].var : "?", rows[k].file ? rows[k].file : "?",
                        (unsigned)rows[k].line);
        }
        MEMSCOPE_FREE(rows);
        MEMSCOPE_FREE(lr.tab);
    }
    /* by where frame: whole-program mode (TRACK's sites say where already) */
    memscope_stack_cost *c = NULL;
    size_t n = tracked ? 0 : memscope_stack_costs(t, &c);
    ms__sumrow *w = n ? (ms__sumrow *)ms__calloc(n, sizeof *w) : NULL;
    size_t nw = 0, nl = 0;
    uint64_t sup_b = 0, sup_n = 0;
    for (size_t i = 0; w && i < n; i++) {
        if (!c[i].stack_id) continue;
        memscope_symbol sym;
        if (memscope_stack_where(t, c[i].stack_id, &sym) == UINT32_MAX) snprintf(line, sizeof line, "(allocator and runtime frames only)");
        else ms__frame_line(&sym, line, sizeof line);
        size_t k = 0;
        while (k < nw && strcmp(w[k].text, line) != 0) k++;
        if (k == nw) { snprintf(w[nw].text, sizeof w[nw].text, "%s", line); nw++; }
        w[k].bytes += c[i].allocated_bytes;
        w[k].n += c[i].allocations;
        if (c[i].suppressed) { sup_b += c[i].leaked_bytes; sup_n += c[i].leaked_count; }
    }
    if (nw) {
        qsort(w, nw, sizeof *w, ms__sumrow_cmp);
        fprintf(f, "where the program allocates most (first frame outside the allocator and the C/C++ runtime):\n");
        for (size_t k = 0; k < nw && k < 5; k++)
            fprintf(f, "  %10s in %7llu allocations  %s\n", ms__human(b1, sizeof b1, (double)w[k].bytes),
                    (unsigned long long)w[k].n, w[k].text);
        /* leaks by where frame */
        for (size_t k = 0; k < nw; k++) { w[k].bytes = 0; w[k].n = 0; }
        for (size_t i = 0; i < n; i++) {
            if (!c[i].stack_id || !c[i].leaked_count || c[i].suppressed) continue;
            memscope_symbol sym;
            if (memscope_stack_where(t, c[i].stack_id, &sym) == UINT32_MAX) snprintf(line, sizeof line, "(allocator and runtime frames only)");
            else ms__frame_line(&sym, line, sizeof line);
            for (size_t k = 0; k < nw; k++)
                if (!strcmp(w[k].text, line)) { w[k].bytes += c[i].leaked_bytes; w[k].n += c[i].leaked_count; nl++; break; }
        }
        if (nl) {
            qsort(w, nw, sizeof *w, ms__sumrow_cmp);
            fprintf(f, "leaks (live at the end) by where they were allocated:\n");
            for (size_t k = 0; k < nw && k < 5 && w[k].bytes; k++)
                fprintf(f, "  %10s in %7llu blocks       %s\n", ms__human(b1, sizeof b1, (double)w[k].bytes),
                        (unsigned long long)w[k].n, w[k].text);
        }
        if (sup_n)
            fprintf(f, "  (and %s in %llu blocks the C library keeps for the whole run: suppressed)\n",
                    ms__human(b1, sizeof b1, (double)sup_b), (unsigned long long)sup_n);
    }
    MEMSCOPE_FREE(w);
    free(c);
    memscope_report_free(&r);
}

/* ==== >>monitor ==== */

/* One background thread per process samples /proc and /sys every interval_ms and
   publishes the result twice: into a seqlock of atomics (memscope_current_system_snapshot
   reads it with loads only) and into a bounded ring (memscope_analyze copies the part
   of it that belongs to a tracker). The files are opened once and re-read with pread at
   offset 0; the parsers below are pure functions over a buffer. TRACK never touches any
   of this. */

#define MS__MON_DEFAULT_INTERVAL_MS 100u
#define MS__MON_DEFAULT_GPU_MS 500u
#define MS__MON_DEFAULT_SNAPSHOTS ((size_t)36000)
#define MS__MON_SNAP_CHUNK 1024u

typedef struct ms__snap_entry {
    memscope_system_snapshot s;
    uint64_t ticks;   /* event clock at the sample, for elapsed_ns */
    uint64_t mono_ns; /* CLOCK_MONOTONIC at the sample */
} ms__snap_entry;

#ifndef MEMSCOPE_NO_MONITOR

/* ---- pure parsers (return 1 when every value they promise was found) ---- */

static int ms__is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Unsigned decimal at *p (leading blanks skipped, not newlines); saturates. */
static int ms__scan_u64(const char **p, const char *end, uint64_t *v) {
    const char *s = *p;
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    if (s >= end || *s < '0' || *s > '9') return 0;
    uint64_t x = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        x = x > (UINT64_MAX - d) / 10 ? UINT64_MAX : x * 10 + d;
    }
    *v = x;
    *p = s;
    return 1;
}

/* /proc/self/stat: the command name (field 2) may hold spaces and parentheses, so
   fields are counted from the LAST ')'. Field 3 is the state; a field counts only
   when whitespace follows it (a file cut inside a number is not trusted). */
typedef struct ms__proc_stat {
    uint64_t minflt, majflt, utime, stime, num_threads, rss_pages;
} ms__proc_stat;

static int ms__parse_stat(const char *b, size_t n, ms__proc_stat *out) {
    const char *end = b + n, *p = NULL;
    for (const char *q = b; q < end; q++) if (*q == ')') p = q;
    if (!p) return 0;
    p++;
    uint64_t f[25];
    memset(f, 0, sizeof f);
    for (int field = 3; field <= 24; field++) {
        while (p < end && ms__is_space(*p)) p++;
        const char *tok = p;
        while (p < end && !ms__is_space(*p)) p++;
        if (p >= end || p == tok) return 0; /* missing or not terminated */
        if (field == 3) continue;
        const char *d = tok;
        if (*d == '-') { f[field] = 0; continue; } /* signed fields we do not use */
        uint64_t v;
        if (!ms__scan_u64(&d, p, &v) || d != p) return 0;
        f[field] = v;
    }
    out->minflt = f[10];
    out->majflt = f[12];
    out->utime = f[14];
    out->stime = f[15];
    out->num_threads = f[20];
    out->rss_pages = f[24];
    return out->num_threads > 0;
}

/* /proc/self/statm: size resident shared text lib data dt (pages). */
static int ms__parse_statm(const char *b, size_t n, uint64_t *resident_pages) {
    const char *p = b, *end = b + n;
    uint64_t size, res;
    if (!ms__scan_u64(&p, end, &size) || !ms__scan_u64(&p, end, &res)) return 0;
    if (p >= end || !ms__is_space(*p)) return 0;
    *resident_pages = res;
    return 1;
}

/* Value of "key:" at the start of a line ("key: 123" or "Key:   123 kB"). */
static int ms__find_key(const char *b, size_t n, const char *key, uint64_t *v) {
    size_t kl = strlen(key);
    const char *end = b + n;
    for (const char *line = b; line < end;) {
        const char *nl = (const char *)memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        if ((size_t)(le - line) > kl && memcmp(line, key, kl) == 0 && line[kl] == ':') {
            const char *p = line + kl + 1;
            uint64_t x;
            if (!ms__scan_u64(&p, le, &x)) return 0;
            if (p == le && !nl) return 0; /* cut inside the number */
            *v = x;
            return 1;
        }
        line = nl ? nl + 1 : end;
    }
    return 0;
}

/* /proc/self/io: bytes this process caused to be read from / written to storage
   (read_bytes, write_bytes - cancelled_write_bytes); rchar/wchar also count sockets
   and the page cache, so they are not used. */
static int ms__parse_io(const char *b, size_t n, uint64_t *read_bytes, uint64_t *write_bytes) {
    uint64_t r, w, c = 0;
    if (!ms__find_key(b, n, "read_bytes", &r) || !ms__find_key(b, n, "write_bytes", &w)) return 0;
    (void)ms__find_key(b, n, "cancelled_write_bytes", &c); /* absent on some kernels: none */
    *read_bytes = r;
    *write_bytes = w > c ? w - c : 0;
    return 1;
}

/* /proc/net/dev: "name: 16 counters" per interface, split at the last ':' of the line.
   Every interface line must carry all 16 counters. Fills up to cap entries of list
   (lo skipped; *count may exceed cap: grow and parse again); 0 when malformed. */
typedef struct ms__netif { uint64_t name_hash, rx, tx; } ms__netif;

static int ms__parse_netdev_list(const char *b, size_t n, ms__netif *list, size_t cap, size_t *count) {
    const char *end = b + n;
    size_t k = 0;
    int saw_header = 0;
    for (const char *line = b; line < end;) {
        const char *nl = (const char *)memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        const char *colon = NULL;
        for (const char *q = line; q < le; q++) if (*q == ':') colon = q;
        if (!colon) {
            if (le > line && memchr(line, '|', (size_t)(le - line))) saw_header = 1;
            else if (!nl && le > line) return 0; /* cut before an interface's colon */
        } else {
            const char *ns = line, *ne = colon;
            while (ns < ne && ms__is_space(*ns)) ns++;
            while (ne > ns && ms__is_space(ne[-1])) ne--;
            const char *p = colon + 1;
            uint64_t v[16];
            for (int i = 0; i < 16; i++)
                if (!ms__scan_u64(&p, le, &v[i])) return 0;
            if (!nl && p == le) return 0; /* cut inside the last number */
            if (!(ne - ns == 2 && ns[0] == 'l' && ns[1] == 'o')) {
                if (k < cap) {
                    uint64_t h = 1469598103934665603u; /* FNV-1a of the name */
                    for (const char *q = ns; q < ne; q++) h = (h ^ (unsigned char)*q) * 1099511628211u;
                    list[k].name_hash = h;
                    list[k].rx = v[0];
                    list[k].tx = v[8];
                }
                k++;
            }
        }
        line = nl ? nl + 1 : end;
    }
    if (!saw_header) return 0;
    *count = k;
    return 1;
}

/* Sums over every interface but lo. */
MS__MAYBE_UNUSED static int ms__parse_netdev(const char *b, size_t n, uint64_t *rx, uint64_t *tx, unsigned *ifaces) {
    ms__netif one[64];
    size_t count = 0;
    if (!ms__parse_netdev_list(b, n, one, 64, &count)) return 0;
    ms__netif *list = one;
    if (count > 64) {
        list = (ms__netif *)ms__calloc(count, sizeof *list);
        if (!list || !ms__parse_netdev_list(b, n, list, count, &count)) { MEMSCOPE_FREE(list); return 0; }
    }
    uint64_t srx = 0, stx = 0;
    for (size_t i = 0; i < count; i++) { srx += list[i].rx; stx += list[i].tx; }
    if (list != one) MEMSCOPE_FREE(list);
    *rx = srx;
    *tx = stx;
    *ifaces = (unsigned)count;
    return 1;
}

/* Bytes moved between two readings, interface by interface: an interface that
   appeared has no baseline yet, one that vanished took its counters with it, one
   whose counters went backwards was reset; none of them disturbs the others. */
static void ms__net_delta(const ms__netif *prev, size_t np, const ms__netif *cur, size_t nc,
                          uint64_t *drx, uint64_t *dtx) {
    uint64_t rx = 0, tx = 0;
    for (size_t i = 0; i < nc; i++) {
        const ms__netif *p = NULL;
        if (i < np && prev[i].name_hash == cur[i].name_hash) p = &prev[i]; /* same order: usual */
        else
            for (size_t j = 0; j < np && !p; j++)
                if (prev[j].name_hash == cur[i].name_hash) p = &prev[j];
        if (!p) continue;
        if (cur[i].rx >= p->rx) rx += cur[i].rx - p->rx;
        if (cur[i].tx >= p->tx) tx += cur[i].tx - p->tx;
    }
    *drx = rx;
    *dtx = tx;
}

/* /proc/meminfo: bit 1 = MemTotal found, bit 2 = MemAvailable found (bytes). */
static int ms__parse_meminfo(const char *b, size_t n, uint64_t *total, uint64_t *avail) {
    int got = 0;
    uint64_t v;
    if (ms__find_key(b, n, "MemTotal", &v) && v > 0) { *total = v * 1024u; got |= 1; }
    if (ms__find_key(b, n, "MemAvailable", &v)) { *avail = v * 1024u; got |= 2; }
    return got;
}

/* /proc/stat first line: cpu user nice system idle [iowait irq softirq steal ...]
   (guest time is already inside user and nice). busy = total - idle - iowait. */
static int ms__parse_cpu_stat(const char *b, size_t n, uint64_t *busy, uint64_t *total) {
    if (n < 4 || memcmp(b, "cpu", 3) != 0 || !ms__is_space(b[3])) return 0;
    const char *p = b + 3, *end = b + n;
    const char *nl = (const char *)memchr(b, '\n', n);
    if (!nl) return 0;
    end = nl;
    uint64_t v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int k = 0;
    while (k < 8 && ms__scan_u64(&p, end, &v[k])) k++;
    if (k < 4) return 0;
    uint64_t sum = 0;
    for (int i = 0; i < k; i++) sum += v[i];
    *total = sum;
    *busy = sum - v[3] - v[4];
    return 1;
}

/* cgroup v2 memory.max ("max" or bytes) or v1 memory.limit_in_bytes. No limit is
   UINT64_MAX; v1 writes "unlimited" as a page-rounded LONG_MAX. */
static int ms__parse_cgroup_limit(const char *b, size_t n, uint64_t *limit) {
    const char *p = b, *end = b + n;
    while (p < end && ms__is_space(*p)) p++;
    if (end - p >= 3 && memcmp(p, "max", 3) == 0 && (end - p == 3 || ms__is_space(p[3]))) {
        *limit = UINT64_MAX;
        return 1;
    }
    uint64_t v;
    if (!ms__scan_u64(&p, end, &v)) return 0;
    if (p >= end || !ms__is_space(*p)) return 0; /* the kernel ends it with a newline */
    *limit = v >= ((uint64_t)1 << 62) ? UINT64_MAX : v;
    return 1;
}

/* Copies the field [s, e) of a mountinfo line into out, undoing the \ooo escapes. */
static void ms__unescape(const char *s, const char *e, char *out, size_t cap) {
    size_t k = 0;
    while (s < e && k + 1 < cap) {
        if (*s == '\\' && e - s >= 4 && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            out[k++] = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            out[k++] = *s++;
        }
    }
    out[k] = 0;
}

/* Where the memory controller lives: from /proc/self/mountinfo the cgroup2 mount (v2)
   or the cgroup mount with the memory option (v1): mount point and mount root. */
typedef struct ms__cg_mount { char point[512], root[512]; int found; } ms__cg_mount;

static void ms__parse_mountinfo(const char *b, size_t n, ms__cg_mount *v2, ms__cg_mount *v1) {
    const char *end = b + n;
    v2->found = v1->found = 0;
    for (const char *line = b; line < end;) {
        const char *nl = (const char *)memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        const char *f[6];
        const char *fe[6];
        int k = 0;
        const char *p = line;
        while (k < 6 && p < le) { /* id parent maj:min root point options */
            while (p < le && *p == ' ') p++;
            f[k] = p;
            while (p < le && *p != ' ') p++;
            fe[k] = p;
            k++;
        }
        const char *sep = NULL;
        for (const char *q = p; q + 2 < le; q++)
            if (q[0] == ' ' && q[1] == '-' && q[2] == ' ') { sep = q + 3; break; }
        if (k == 6 && sep) {
            const char *ty = sep, *tye = sep;
            while (tye < le && *tye != ' ') tye++;
            const char *src = tye;
            while (src < le && *src == ' ') src++;
            while (src < le && *src != ' ') src++;
            const char *opts = src;
            while (opts < le && *opts == ' ') opts++;
            size_t tl = (size_t)(tye - ty);
            ms__cg_mount *m = NULL;
            if (tl == 7 && memcmp(ty, "cgroup2", 7) == 0 && !v2->found) m = v2;
            if (tl == 6 && memcmp(ty, "cgroup", 6) == 0 && !v1->found) {
                for (const char *o = opts; o < le;) { /* super options: rw,memory,... */
                    const char *oe = o;
                    while (oe < le && *oe != ',' && *oe != ' ') oe++;
                    if (oe - o == 6 && memcmp(o, "memory", 6) == 0) m = v1;
                    if (oe >= le || *oe == ' ') break;
                    o = oe + 1;
                }
            }
            if (m) {
                ms__unescape(f[3], fe[3], m->root, sizeof m->root);
                ms__unescape(f[4], fe[4], m->point, sizeof m->point);
                m->found = 1;
            }
        }
        line = nl ? nl + 1 : end;
    }
}

/* /proc/self/cgroup: "0::/path" (v2) and "N:...memory...:/path" (v1). Returns bit 1
   for v2 found, bit 2 for v1 memory found. */
static int ms__parse_self_cgroup(const char *b, size_t n, char *v2, size_t v2cap, char *v1, size_t v1cap) {
    const char *end = b + n;
    int got = 0;
    for (const char *line = b; line < end;) {
        const char *nl = (const char *)memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        const char *c1 = (const char *)memchr(line, ':', (size_t)(le - line));
        const char *c2 = c1 ? (const char *)memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;
        if (c2 && nl) { /* an unterminated line may be cut */
            size_t len = (size_t)(le - c2 - 1);
            if (c2 == c1 + 1 && c1 - line == 1 && line[0] == '0' && !(got & 1) && len < v2cap) {
                memcpy(v2, c2 + 1, len); v2[len] = 0; got |= 1;
            }
            for (const char *o = c1 + 1; o < c2 && !(got & 2);) {
                const char *oe = o;
                while (oe < c2 && *oe != ',') oe++;
                if (oe - o == 6 && memcmp(o, "memory", 6) == 0 && len < v1cap) {
                    memcpy(v1, c2 + 1, len); v1[len] = 0; got |= 2;
                }
                o = oe + 1;
            }
        }
        line = nl ? nl + 1 : end;
    }
    return got;
}

/* The limit files to read, innermost first: the process's cgroup and every ancestor
   up to the mount point (a parent's limit also binds its children). prefix is "" in
   production and a fake root in tests. Returns how many paths were written; a tree
   deeper than max keeps its innermost and outermost levels (where limits are set). */
#define MS__CG_MAX_FILES 16
#define MS__PATH_MAX 1024
static int ms__cgroup_limit_files(const char *prefix, const ms__cg_mount *m, const char *cg_path,
                                  const char *file, char out[][MS__PATH_MAX], int max) {
    if (!m->found || !cg_path[0]) return 0;
    const char *rel = cg_path;
    size_t rl = strlen(m->root);
    if (strcmp(m->root, "/") == 0) rel = cg_path;
    else if (strncmp(cg_path, m->root, rl) == 0 && (cg_path[rl] == '/' || cg_path[rl] == 0)) rel = cg_path + rl;
    else rel = "/"; /* outside the mount's view: only its top is visible */
    char dir[MS__PATH_MAX];
    int w = snprintf(dir, sizeof dir, "%s%s%s", prefix, m->point, rel);
    if (w < 0 || (size_t)w >= sizeof dir) return 0;
    size_t base = strlen(prefix) + strlen(m->point);
    size_t len = (size_t)w;
    while (len > base && dir[len - 1] == '/') dir[--len] = 0;
    int levels = 1;
    for (size_t i = base; i < len; i++)
        if (dir[i] == '/' && i + 1 < len && dir[i + 1] != '/') levels++;
    int k = 0;
    for (int level = 0;; level++) {
        if (k >= max) break;
        if (levels <= max || level < max / 2 || level >= levels - (max - max / 2)) {
            w = snprintf(out[k], MS__PATH_MAX, "%s/%s", dir, file);
            if (w > 0 && (size_t)w < MS__PATH_MAX) k++;
        }
        if (len <= base) break;
        while (len > base && dir[len - 1] != '/') len--; /* up one level */
        while (len > base && dir[len - 1] == '/') len--;
        dir[len] = 0;
    }
    return k;
}

/* A rate over dt_ns. A counter that went backwards (a reset, a re-created interface)
   re-baselines: rate 0 and no bytes added to the totals. */
static uint64_t ms__rate(uint64_t prev, uint64_t cur, uint64_t dt_ns) {
    if (cur < prev || dt_ns == 0) return 0;
    double r = (double)(cur - prev) * 1e9 / (double)dt_ns + 0.5;
    return r >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)r;
}

#include <dirent.h>
#include <sys/resource.h>
#ifndef __USE_XOPEN2K
extern int pthread_condattr_setclock(pthread_condattr_t *attr, clockid_t clock_id);
#endif
#if !defined(__USE_UNIX98) && !defined(__USE_XOPEN2K8)
extern ssize_t pread(int fd, void *buf, size_t count, off_t offset);
#endif

/* A /proc or /sys file kept open and re-read from offset 0. */
typedef struct ms__pfile { int fd; char *buf; size_t cap, len; } ms__pfile;
#define MS__PFILE_MAX ((size_t)4 << 20)

static int ms__pfile_open(ms__pfile *f, const char *path) {
    f->fd = ms__open_high(path, O_RDONLY);
    f->len = 0;
    return f->fd >= 0;
}

static int ms__pfile_read(ms__pfile *f) {
    if (f->fd < 0) return 0;
    size_t off = 0;
    for (;;) {
        if (off + 1 >= f->cap) {
            size_t cap = f->cap ? f->cap * 2 : 4096;
            if (cap > MS__PFILE_MAX) return 0;
            char *nb = (char *)MEMSCOPE_MALLOC(cap);
            if (!nb) return 0;
            if (off) memcpy(nb, f->buf, off);
            MEMSCOPE_FREE(f->buf);
            f->buf = nb;
            f->cap = cap;
        }
        ssize_t r = pread(f->fd, f->buf + off, f->cap - 1 - off, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) continue;
            return 0;
        }
        if (r == 0) break;
        off += (size_t)r;
    }
    f->buf[off] = 0;
    f->len = off;
    return off > 0;
}

static void ms__pfile_close(ms__pfile *f, int free_buf) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    if (free_buf) { MEMSCOPE_FREE(f->buf); f->buf = NULL; f->cap = f->len = 0; }
}

/* NVML through dlopen: no NVIDIA header or library needed to build. */
typedef struct { unsigned int gpu, memory; } ms__nvml_util;
typedef struct { unsigned long long total, free, used; } ms__nvml_mem;
typedef int (*ms__nvml_void_fn)(void);
typedef int (*ms__nvml_count_fn)(unsigned int *);
typedef int (*ms__nvml_handle_fn)(unsigned int, void **);
typedef int (*ms__nvml_util_fn)(void *, ms__nvml_util *);
typedef int (*ms__nvml_mem_fn)(void *, ms__nvml_mem *);
#define MS__MAX_GPUS 16

typedef struct ms__amd_gpu { ms__pfile busy, used, total; } ms__amd_gpu;

enum { MS__F_STAT, MS__F_STATM, MS__F_IO, MS__F_NETDEV, MS__F_MEMINFO, MS__F_CPUSTAT, MS__F_COUNT };

static struct {
    pthread_mutex_t control;      /* start, stop, users, config; held across a join */
    pthread_mutex_t wait_lock;    /* the thread's sleep */
    pthread_cond_t wake;
    pthread_mutex_t sample_lock;  /* files, parser buffers, previous values */
    pthread_mutex_t ring_lock;    /* the ring */
    pthread_mutex_t gpu_lock;     /* NVML and amdgpu state; never held across fork prepare */
    pthread_t thread;
    int running, stop, opened, shut;
    int sampling_on;              /* (sample_lock) the monitor runs: a closing sample may be taken */
    int gpu_opened;               /* (gpu_lock) amdgpu files scanned */
    unsigned users;               /* trackers with monitoring on */
    uint32_t interval_ms, gpu_interval_ms;
    size_t capacity;
    _Atomic int restart_pending;  /* a forked child with monitoring trackers */
    /* sampling state (sample_lock) */
    ms__pfile f[MS__F_COUNT];
    ms__pfile cg[MS__CG_MAX_FILES];
    int ncg;
    long page_size;
    int have_prev;
    uint64_t prev_mono, prev_cpu_ns, prev_minflt, prev_majflt;
    uint64_t prev_rd, prev_wr, prev_sys_busy, prev_sys_total;
    ms__netif *net_prev, *net_cur;  /* per-interface counters of the last two readings */
    size_t net_np, net_cap;
    int prev_ok_cpu, prev_ok_io, prev_ok_net, prev_ok_faults, prev_ok_sys;
    uint64_t tot_rd, tot_wr, tot_rx, tot_tx;
    uint64_t max_rss;             /* highest RSS this monitor read */
    /* GPUs */
    void *nvml_lib;
    int nvml_state;               /* 0 not tried, 1 ready, -1 unavailable */
    unsigned n_nvml;
    void *nvml_dev[MS__MAX_GPUS];
    ms__nvml_util_fn nvml_util;
    ms__nvml_mem_fn nvml_mem;
    ms__nvml_void_fn nvml_shutdown;
    ms__amd_gpu amd[MS__MAX_GPUS];
    unsigned n_amd;
    uint64_t gpu_last_mono;
    uint32_t gpu_avail;
    double gpu_usage;
    uint64_t gpu_used, gpu_total;
    /* ring (ring_lock): entry of sequence number q at position q % ring_cap */
    ms__snap_entry **chunks;
    size_t ring_cap, nchunks;
    uint64_t head;                /* sequence number of the next snapshot */
    uint64_t tail;                /* sequence number of the oldest one kept */
    /* latest snapshot: a seqlock of plain words */
    _Atomic uint64_t latest_seq;
    _Atomic uint64_t latest_w[(sizeof(ms__snap_entry) + 7) / 8];
    _Atomic uint64_t samples, cpu_ns, last_sample_ns, dropped;
} ms__mon = {
    .control = PTHREAD_MUTEX_INITIALIZER, .wait_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER, .sample_lock = PTHREAD_MUTEX_INITIALIZER,
    .ring_lock = PTHREAD_MUTEX_INITIALIZER, .gpu_lock = PTHREAD_MUTEX_INITIALIZER,
};

static void ms__mon_cond_init(void) {
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&ms__mon.wake, &a);
    pthread_condattr_destroy(&a);
}

static void ms__mon_process_init(void) {
    pthread_cond_destroy(&ms__mon.wake);
    ms__mon_cond_init();
    ms__mon.interval_ms = MS__MON_DEFAULT_INTERVAL_MS;
    ms__mon.gpu_interval_ms = MS__MON_DEFAULT_GPU_MS;
    ms__mon.capacity = MS__MON_DEFAULT_SNAPSHOTS;
    for (int i = 0; i < MS__F_COUNT; i++) ms__mon.f[i].fd = -1;
    for (int i = 0; i < MS__CG_MAX_FILES; i++) ms__mon.cg[i].fd = -1;
}

/* ---- GPUs ---- */

static void *ms__dlsym_fn(void *lib, const char *name) { return lib ? dlsym(lib, name) : NULL; }
#define MS__DLSYM(lib, type, var, name) do { void *sym_ = ms__dlsym_fn((lib), (name)); \
    memcpy(&(var), &sym_, sizeof(var)); (void)sizeof(type); } while (0)

static void ms__nvml_open(void) {
    ms__mon.nvml_state = -1;
    void *lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;
    ms__nvml_void_fn init = NULL;
    ms__nvml_count_fn count = NULL;
    ms__nvml_handle_fn handle = NULL;
    MS__DLSYM(lib, ms__nvml_void_fn, init, "nvmlInit_v2");
    MS__DLSYM(lib, ms__nvml_count_fn, count, "nvmlDeviceGetCount_v2");
    MS__DLSYM(lib, ms__nvml_handle_fn, handle, "nvmlDeviceGetHandleByIndex_v2");
    MS__DLSYM(lib, ms__nvml_util_fn, ms__mon.nvml_util, "nvmlDeviceGetUtilizationRates");
    MS__DLSYM(lib, ms__nvml_mem_fn, ms__mon.nvml_mem, "nvmlDeviceGetMemoryInfo");
    MS__DLSYM(lib, ms__nvml_void_fn, ms__mon.nvml_shutdown, "nvmlShutdown");
    unsigned n = 0;
    if (!init || !count || !handle || !ms__mon.nvml_util || !ms__mon.nvml_mem || init() != 0) {
        dlclose(lib);
        return;
    }
    if (count(&n) != 0) n = 0;
    ms__mon.n_nvml = 0;
    for (unsigned i = 0; i < n && ms__mon.n_nvml < MS__MAX_GPUS; i++) {
        void *h = NULL;
        if (handle(i, &h) == 0 && h) ms__mon.nvml_dev[ms__mon.n_nvml++] = h;
    }
    ms__mon.nvml_lib = lib;
    ms__mon.nvml_state = 1;
}

static void ms__nvml_close(void) {
    if (ms__mon.nvml_state == 1) {
        if (ms__mon.nvml_shutdown) ms__mon.nvml_shutdown();
        dlclose(ms__mon.nvml_lib);
    }
    ms__mon.nvml_lib = NULL;
    ms__mon.nvml_state = 0;
    ms__mon.n_nvml = 0;
}

/* amdgpu: /sys/class/drm/cardN/device/{gpu_busy_percent,mem_info_vram_used,_total}. */
static unsigned ms__amd_scan(const char *drm_dir, ms__amd_gpu *out, unsigned max) {
    DIR *d = opendir(drm_dir);
    if (!d) return 0;
    unsigned n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        const char *s = e->d_name;
        if (strncmp(s, "card", 4) != 0 || !s[4]) continue;
        int digits = 1;
        for (const char *q = s + 4; *q; q++) if (*q < '0' || *q > '9') digits = 0;
        if (!digits) continue; /* card0-DP-1 and the like are connectors */
        char path[MS__PATH_MAX];
        ms__amd_gpu g;
        memset(&g, 0, sizeof g);
        snprintf(path, sizeof path, "%s/%s/device/gpu_busy_percent", drm_dir, s);
        ms__pfile_open(&g.busy, path);
        snprintf(path, sizeof path, "%s/%s/device/mem_info_vram_used", drm_dir, s);
        ms__pfile_open(&g.used, path);
        snprintf(path, sizeof path, "%s/%s/device/mem_info_vram_total", drm_dir, s);
        ms__pfile_open(&g.total, path);
        if (g.busy.fd < 0 && (g.used.fd < 0 || g.total.fd < 0)) {
            ms__pfile_close(&g.busy, 1); ms__pfile_close(&g.used, 1); ms__pfile_close(&g.total, 1);
            continue;
        }
        out[n++] = g;
    }
    closedir(d);
    return n;
}

/* Reads every GPU: usage is the mean over the GPUs that report it, memory the sum
   over those that report it. Sets *avail to the GPU bits measured. */
static void ms__gpu_read(ms__amd_gpu *amd, unsigned n_amd, uint32_t *avail, double *usage,
                         uint64_t *used, uint64_t *total) {
    double usum = 0;
    unsigned un = 0, mn = 0;
    uint64_t us = 0, ts = 0;
    for (unsigned i = 0; i < ms__mon.n_nvml; i++) {
        ms__nvml_util u;
        ms__nvml_mem m;
        if (ms__mon.nvml_util(ms__mon.nvml_dev[i], &u) == 0) { usum += u.gpu; un++; }
        if (ms__mon.nvml_mem(ms__mon.nvml_dev[i], &m) == 0) { us += m.used; ts += m.total; mn++; }
    }
    for (unsigned i = 0; i < n_amd; i++) {
        uint64_t v, vu, vt;
        const char *p;
        if (ms__pfile_read(&amd[i].busy) && (p = amd[i].busy.buf, ms__scan_u64(&p, p + amd[i].busy.len, &v)) && v <= 100) {
            usum += (double)v; un++;
        }
        if (ms__pfile_read(&amd[i].used) && ms__pfile_read(&amd[i].total)) {
            const char *pu = amd[i].used.buf, *pt = amd[i].total.buf;
            if (ms__scan_u64(&pu, pu + amd[i].used.len, &vu) && ms__scan_u64(&pt, pt + amd[i].total.len, &vt) && vt > 0) {
                us += vu; ts += vt; mn++;
            }
        }
    }
    *avail = 0;
    if (un) { *avail |= MEMSCOPE_METRIC_GPU_USAGE; *usage = usum / un; }
    if (mn) { *avail |= MEMSCOPE_METRIC_GPU_MEMORY; *used = us; *total = ts; }
}

/* gpu_lock held. A forked child keeps its amdgpu buffers listed (fds closed) until here. */
static void ms__gpu_close(int free_bufs) {
    for (unsigned i = 0; i < ms__mon.n_amd; i++) {
        ms__pfile_close(&ms__mon.amd[i].busy, free_bufs);
        ms__pfile_close(&ms__mon.amd[i].used, free_bufs);
        ms__pfile_close(&ms__mon.amd[i].total, free_bufs);
    }
    if (free_bufs) ms__mon.n_amd = 0;
    ms__mon.gpu_opened = 0;
    ms__mon.gpu_last_mono = 0;
    ms__mon.gpu_avail = 0;
}

/* The monitor thread polls the GPUs before each sample, outside sample_lock: NVML calls can
   be slow, and a fork must not wait for them (nor meet NVML's own fork handlers). */
static void ms__mon_gpu_poll(void) {
    pthread_mutex_lock(&ms__mon.gpu_lock);
    if (!ms__mon.gpu_opened) {
        ms__gpu_close(1);
        ms__mon.n_amd = ms__amd_scan("/sys/class/drm", ms__mon.amd, MS__MAX_GPUS);
        ms__mon.gpu_opened = 1;
    }
    if (ms__mon.nvml_state == 0) ms__nvml_open();
    uint64_t now = ms__mono_ns();
    if (!ms__mon.gpu_last_mono || now - ms__mon.gpu_last_mono >= (uint64_t)ms__mon.gpu_interval_ms * 1000000u) {
        ms__gpu_read(ms__mon.amd, ms__mon.n_amd, &ms__mon.gpu_avail, &ms__mon.gpu_usage, &ms__mon.gpu_used, &ms__mon.gpu_total);
        ms__mon.gpu_last_mono = now;
    }
    pthread_mutex_unlock(&ms__mon.gpu_lock);
}

/* ---- opening and sampling ---- */

static void ms__mon_open_files(void) {
    static const char *const paths[MS__F_COUNT] = {
        "/proc/self/stat", "/proc/self/statm", "/proc/self/io", "/proc/net/dev", "/proc/meminfo", "/proc/stat",
    };
    for (int i = 0; i < MS__F_COUNT; i++) ms__pfile_open(&ms__mon.f[i], paths[i]);
    ms__mon.page_size = sysconf(_SC_PAGESIZE);
    if (ms__mon.page_size <= 0) ms__mon.page_size = 4096;
    /* cgroup memory limits: v2 memory.max, else v1 memory.limit_in_bytes, every level */
    ms__pfile mi = {-1, NULL, 0, 0}, cg = {-1, NULL, 0, 0};
    ms__mon.ncg = 0;
    if (ms__pfile_open(&mi, "/proc/self/mountinfo") && ms__pfile_read(&mi) &&
        ms__pfile_open(&cg, "/proc/self/cgroup") && ms__pfile_read(&cg)) {
        ms__cg_mount *m2 = (ms__cg_mount *)ms__calloc(2, sizeof *m2);
        char (*files)[MS__PATH_MAX] = (char (*)[MS__PATH_MAX])ms__calloc(MS__CG_MAX_FILES, MS__PATH_MAX);
        char *p2 = (char *)ms__calloc(2, MS__PATH_MAX);
        if (m2 && files && p2) {
            ms__parse_mountinfo(mi.buf, mi.len, &m2[0], &m2[1]);
            int got = ms__parse_self_cgroup(cg.buf, cg.len, p2, MS__PATH_MAX, p2 + MS__PATH_MAX, MS__PATH_MAX);
            /* v2 first; on a hybrid host the unified mount has no memory controller (no
               memory.max opens), so the v1 chain decides */
            if (got & 1) {
                int nf = ms__cgroup_limit_files("", &m2[0], p2, "memory.max", files, MS__CG_MAX_FILES);
                for (int i = 0; i < nf; i++)
                    if (ms__pfile_open(&ms__mon.cg[ms__mon.ncg], files[i])) ms__mon.ncg++;
            }
            if (ms__mon.ncg == 0 && (got & 2)) {
                int nf = ms__cgroup_limit_files("", &m2[1], p2 + MS__PATH_MAX, "memory.limit_in_bytes", files, MS__CG_MAX_FILES);
                for (int i = 0; i < nf; i++)
                    if (ms__pfile_open(&ms__mon.cg[ms__mon.ncg], files[i])) ms__mon.ncg++;
            }
        }
        MEMSCOPE_FREE(m2);
        MEMSCOPE_FREE(files);
        MEMSCOPE_FREE(p2);
    }
    ms__pfile_close(&mi, 1);
    ms__pfile_close(&cg, 1);
    ms__mon.have_prev = 0;
    ms__mon.opened = 1;
}

static void ms__mon_close_files(int free_bufs) {
    for (int i = 0; i < MS__F_COUNT; i++) ms__pfile_close(&ms__mon.f[i], free_bufs);
    for (int i = 0; i < MS__CG_MAX_FILES; i++) ms__pfile_close(&ms__mon.cg[i], free_bufs);
    ms__mon.ncg = 0;
    ms__mon.opened = 0;
    ms__mon.net_np = 0;
    if (free_bufs) {
        MEMSCOPE_FREE(ms__mon.net_prev);
        MEMSCOPE_FREE(ms__mon.net_cur);
        ms__mon.net_prev = ms__mon.net_cur = NULL;
        ms__mon.net_cap = 0;
    }
}

static uint32_t ms__cpu_count(void) {
    unsigned char mask[512];
    memset(mask, 0, sizeof mask);
    long r = syscall(SYS_sched_getaffinity, (long)getpid(), sizeof mask, mask); /* the main thread's */
    if (r <= 0) return 0;
    uint32_t n = 0;
    for (long i = 0; i < r && i < (long)sizeof mask; i++) n += (uint32_t)__builtin_popcount(mask[i]);
    return n;
}

static void ms__ring_push(const ms__snap_entry *e) {
    pthread_mutex_lock(&ms__mon.ring_lock);
    if (ms__mon.ring_cap == 0 && ms__mon.capacity > 0) { /* first push: the chunk table */
        size_t nch = (ms__mon.capacity + MS__MON_SNAP_CHUNK - 1) / MS__MON_SNAP_CHUNK;
        ms__mon.chunks = (ms__snap_entry **)ms__calloc(nch, sizeof *ms__mon.chunks);
        if (ms__mon.chunks) { ms__mon.ring_cap = ms__mon.capacity; ms__mon.nchunks = nch; }
    }
    if (ms__mon.ring_cap) {
        size_t pos = (size_t)(ms__mon.head % ms__mon.ring_cap);
        ms__snap_entry **c = &ms__mon.chunks[pos / MS__MON_SNAP_CHUNK];
        if (!*c) *c = (ms__snap_entry *)ms__calloc(MS__MON_SNAP_CHUNK, sizeof **c);
        if (!*c) {
            atomic_fetch_add(&ms__mon.dropped, 1); /* no memory for it: lost, and counted */
        } else {
            if (ms__mon.head - ms__mon.tail >= ms__mon.ring_cap) {
                ms__mon.tail++;
                atomic_fetch_add(&ms__mon.dropped, 1);
            }
            (*c)[pos % MS__MON_SNAP_CHUNK] = *e;
            ms__mon.head++;
        }
    }
    pthread_mutex_unlock(&ms__mon.ring_lock);
}

static void ms__latest_store(const ms__snap_entry *e) {
    uint64_t w[sizeof ms__mon.latest_w / sizeof ms__mon.latest_w[0]];
    memset(w, 0, sizeof w);
    memcpy(w, e, sizeof *e);
    uint64_t s = atomic_load_explicit(&ms__mon.latest_seq, MS__RELAXED);
    atomic_store_explicit(&ms__mon.latest_seq, s + 1, MS__RELAXED);
    /* release stores: a reader that sees any new word also sees the odd sequence */
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) atomic_store_explicit(&ms__mon.latest_w[i], w[i], MS__RELEASE);
    atomic_store_explicit(&ms__mon.latest_seq, s + 2, MS__RELEASE);
}

/* Loads only; 0 when no sample has been published (or a fork cleared it). */
static int ms__latest_load(ms__snap_entry *e) {
    uint64_t w[sizeof ms__mon.latest_w / sizeof ms__mon.latest_w[0]];
    for (;;) {
        uint64_t s1 = atomic_load_explicit(&ms__mon.latest_seq, MS__ACQUIRE);
        if (s1 & 1) continue;
        if (s1 == 0) return 0;
        for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) w[i] = atomic_load_explicit(&ms__mon.latest_w[i], MS__ACQUIRE);
        if (atomic_load_explicit(&ms__mon.latest_seq, MS__RELAXED) == s1) break;
    }
    memcpy(e, w, sizeof *e);
    return 1;
}

/* One sample: read, parse, compute rates against the previous sample, publish.
   Caller holds sample_lock. */
/* the process's CPU, from CLOCK_PROCESS_CPUTIME_ID over the interval */
static void ms__mon_cpu(memscope_system_snapshot *s, uint64_t dt) {
    struct timespec cts = {0, 0};
    int cpu_ok = clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cts) == 0;
    uint64_t cpu_ns = (uint64_t)cts.tv_sec * 1000000000u + (uint64_t)cts.tv_nsec;
    if (cpu_ok && dt && ms__mon.prev_ok_cpu && cpu_ns >= ms__mon.prev_cpu_ns) {
        s->cpu_usage_percent = (double)(cpu_ns - ms__mon.prev_cpu_ns) * 100.0 / (double)dt;
        s->available |= MEMSCOPE_METRIC_CPU;
    }
    ms__mon.prev_ok_cpu = cpu_ok;
    ms__mon.prev_cpu_ns = cpu_ns;
}

/* RSS, threads and page faults, from /proc/self/statm and /proc/self/stat */
static void ms__mon_process(memscope_system_snapshot *s, uint64_t dt) {
    uint64_t psz = (uint64_t)ms__mon.page_size;
    ms__proc_stat ps;
    int stat_ok = ms__pfile_read(&ms__mon.f[MS__F_STAT]) &&
                  ms__parse_stat(ms__mon.f[MS__F_STAT].buf, ms__mon.f[MS__F_STAT].len, &ps);
    /* RSS from statm: current kernels sum it exactly there, while stat's field 24 reads
       per-CPU counters that may lag by a few hundred KiB per CPU. */
    uint64_t res;
    if (ms__pfile_read(&ms__mon.f[MS__F_STATM]) &&
        ms__parse_statm(ms__mon.f[MS__F_STATM].buf, ms__mon.f[MS__F_STATM].len, &res)) {
        s->memory_usage_bytes = res * psz;
        s->available |= MEMSCOPE_METRIC_MEMORY;
    } else if (stat_ok) {
        s->memory_usage_bytes = ps.rss_pages * psz;
        s->available |= MEMSCOPE_METRIC_MEMORY;
    }
    if (stat_ok) {
        s->thread_count = (size_t)ps.num_threads;
        s->available |= MEMSCOPE_METRIC_THREADS;
        if (dt && ms__mon.prev_ok_faults) {
            s->minor_faults_per_sec = ms__rate(ms__mon.prev_minflt, ps.minflt, dt);
            s->major_faults_per_sec = ms__rate(ms__mon.prev_majflt, ps.majflt, dt);
            s->available |= MEMSCOPE_METRIC_PAGE_FAULTS;
        }
        ms__mon.prev_minflt = ps.minflt;
        ms__mon.prev_majflt = ps.majflt;
    }
    ms__mon.prev_ok_faults = stat_ok;
}

/* the peak RSS: the kernel's mark, or the largest statm reading when that is larger */
static void ms__mon_peak_rss(memscope_system_snapshot *s) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0) {
        s->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024u;
        if ((s->available & MEMSCOPE_METRIC_MEMORY) && s->memory_usage_bytes > ms__mon.max_rss)
            ms__mon.max_rss = s->memory_usage_bytes;
        if (ms__mon.max_rss > s->peak_rss_bytes)
            s->peak_rss_bytes = ms__mon.max_rss; /* the kernel's mark lags the exact statm RSS */
        s->available |= MEMSCOPE_METRIC_PEAK_RSS;
    }
}

/* the machine's memory (/proc/meminfo) and the tightest cgroup limit */
static void ms__mon_memory(memscope_system_snapshot *s) {
    uint64_t mtotal = 0, mavail = 0;
    int mi = ms__pfile_read(&ms__mon.f[MS__F_MEMINFO])
                 ? ms__parse_meminfo(ms__mon.f[MS__F_MEMINFO].buf, ms__mon.f[MS__F_MEMINFO].len, &mtotal, &mavail)
                 : 0;
    if ((mi & 3) == 3 && mavail <= mtotal) {
        s->system_memory_total = mtotal;
        s->system_memory_available = mavail;
        s->system_memory_used_percent = (double)(mtotal - mavail) * 100.0 / (double)mtotal;
        s->available |= MEMSCOPE_METRIC_SYSTEM_MEMORY;
    }
    if (mi & 1) {
        uint64_t limit = mtotal;
        for (int i = 0; i < ms__mon.ncg; i++) {
            uint64_t l;
            if (ms__pfile_read(&ms__mon.cg[i]) && ms__parse_cgroup_limit(ms__mon.cg[i].buf, ms__mon.cg[i].len, &l) && l > 0 && l < limit)
                limit = l;
        }
        s->memory_limit_bytes = limit;
        if (s->available & MEMSCOPE_METRIC_MEMORY) {
            s->memory_usage_percent = (double)s->memory_usage_bytes * 100.0 / (double)limit;
            s->available |= MEMSCOPE_METRIC_MEMORY_PERCENT;
        }
    }
}

/* the process's disk reads and writes (/proc/self/io) */
static void ms__mon_disk(memscope_system_snapshot *s, uint64_t dt) {
    uint64_t rd, wr;
    int io_ok = ms__pfile_read(&ms__mon.f[MS__F_IO]) &&
                ms__parse_io(ms__mon.f[MS__F_IO].buf, ms__mon.f[MS__F_IO].len, &rd, &wr);
    if (io_ok && dt && ms__mon.prev_ok_io) {
        s->disk_read_bps = ms__rate(ms__mon.prev_rd, rd, dt);
        s->disk_write_bps = ms__rate(ms__mon.prev_wr, wr, dt);
        if (rd >= ms__mon.prev_rd) ms__mon.tot_rd += rd - ms__mon.prev_rd;
        if (wr >= ms__mon.prev_wr) ms__mon.tot_wr += wr - ms__mon.prev_wr;
        s->disk_read_bytes = ms__mon.tot_rd;
        s->disk_write_bytes = ms__mon.tot_wr;
        s->available |= MEMSCOPE_METRIC_DISK;
    }
    if (io_ok) { ms__mon.prev_rd = rd; ms__mon.prev_wr = wr; }
    ms__mon.prev_ok_io = io_ok;
}

/* the machine's network traffic (/proc/net/dev), every interface but lo */
static void ms__mon_network(memscope_system_snapshot *s, uint64_t dt) {
    size_t nif = 0;
    int net_ok = ms__pfile_read(&ms__mon.f[MS__F_NETDEV]) &&
                 ms__parse_netdev_list(ms__mon.f[MS__F_NETDEV].buf, ms__mon.f[MS__F_NETDEV].len,
                                       ms__mon.net_cur, ms__mon.net_cap, &nif);
    if (net_ok && nif > ms__mon.net_cap) { /* more interfaces than room: grow both lists */
        size_t cap = nif + 16;
        ms__netif *a = (ms__netif *)ms__calloc(cap, sizeof *a), *b = (ms__netif *)ms__calloc(cap, sizeof *b);
        if (a && b) {
            if (ms__mon.net_np) memcpy(a, ms__mon.net_prev, ms__mon.net_np * sizeof *a);
            MEMSCOPE_FREE(ms__mon.net_prev);
            MEMSCOPE_FREE(ms__mon.net_cur);
            ms__mon.net_prev = a;
            ms__mon.net_cur = b;
            ms__mon.net_cap = cap;
            net_ok = ms__parse_netdev_list(ms__mon.f[MS__F_NETDEV].buf, ms__mon.f[MS__F_NETDEV].len,
                                           ms__mon.net_cur, ms__mon.net_cap, &nif) && nif <= cap;
        } else {
            MEMSCOPE_FREE(a);
            MEMSCOPE_FREE(b);
            net_ok = 0;
        }
    }
    if (net_ok && dt && ms__mon.prev_ok_net) {
        uint64_t drx, dtx;
        ms__net_delta(ms__mon.net_prev, ms__mon.net_np, ms__mon.net_cur, nif, &drx, &dtx);
        s->network_rx_bps = ms__rate(0, drx, dt);
        s->network_tx_bps = ms__rate(0, dtx, dt);
        ms__mon.tot_rx += drx;
        ms__mon.tot_tx += dtx;
        s->network_rx_bytes = ms__mon.tot_rx;
        s->network_tx_bytes = ms__mon.tot_tx;
        s->available |= MEMSCOPE_METRIC_NETWORK;
    }
    if (net_ok) { /* the current reading becomes the baseline */
        ms__netif *tmp = ms__mon.net_prev;
        ms__mon.net_prev = ms__mon.net_cur;
        ms__mon.net_cur = tmp;
        ms__mon.net_np = nif;
    }
    ms__mon.prev_ok_net = net_ok;
}

/* the machine's CPU (/proc/stat) */
static void ms__mon_system_cpu(memscope_system_snapshot *s, uint64_t dt) {
    uint64_t busy, total;
    int sys_ok = ms__pfile_read(&ms__mon.f[MS__F_CPUSTAT]) &&
                 ms__parse_cpu_stat(ms__mon.f[MS__F_CPUSTAT].buf, ms__mon.f[MS__F_CPUSTAT].len, &busy, &total);
    if (sys_ok && dt && ms__mon.prev_ok_sys && total > ms__mon.prev_sys_total && busy >= ms__mon.prev_sys_busy) {
        uint64_t db = busy - ms__mon.prev_sys_busy, dtot = total - ms__mon.prev_sys_total;
        s->system_cpu_percent = (double)(db > dtot ? dtot : db) * 100.0 / (double)dtot;
        s->available |= MEMSCOPE_METRIC_SYSTEM_CPU;
    }
    if (sys_ok) { ms__mon.prev_sys_busy = busy; ms__mon.prev_sys_total = total; }
    ms__mon.prev_ok_sys = sys_ok;
}

/* GPUs: the last poll (every gpu_interval_ms, see ms__mon_gpu_poll) */
static void ms__mon_gpus(memscope_system_snapshot *s) {
    pthread_mutex_lock(&ms__mon.gpu_lock);
    s->gpu_count = ms__mon.n_nvml + ms__mon.n_amd;
    if (ms__mon.gpu_avail & MEMSCOPE_METRIC_GPU_USAGE) s->gpu_usage_percent = ms__mon.gpu_usage;
    if (ms__mon.gpu_avail & MEMSCOPE_METRIC_GPU_MEMORY) {
        s->gpu_memory_used = ms__mon.gpu_used;
        s->gpu_memory_total = ms__mon.gpu_total;
    }
    s->available |= ms__mon.gpu_avail;
    pthread_mutex_unlock(&ms__mon.gpu_lock);
}

static void ms__mon_sample_locked(void) {
    if (!ms__mon.opened) ms__mon_open_files();
    ms__snap_entry e;
    memset(&e, 0, sizeof e);
    memscope_system_snapshot *s = &e.s;
    e.mono_ns = ms__mono_ns();
    e.ticks = ms__ticks();
    s->timestamp = ms__unix_ms();
    uint64_t dt = ms__mon.have_prev && e.mono_ns > ms__mon.prev_mono ? e.mono_ns - ms__mon.prev_mono : 0;
    ms__mon_cpu(s, dt);
    ms__mon_process(s, dt);
    ms__mon_peak_rss(s);
    ms__mon_memory(s);
    ms__mon_disk(s, dt);
    ms__mon_network(s, dt);
    ms__mon_system_cpu(s, dt);
    s->cpu_count = ms__cpu_count();
    if (s->cpu_count) s->available |= MEMSCOPE_METRIC_CPU_COUNT;
    ms__mon_gpus(s);
    ms__mon.have_prev = 1;
    ms__mon.prev_mono = e.mono_ns;
    ms__latest_store(&e);
    ms__ring_push(&e);
    atomic_fetch_add(&ms__mon.samples, 1);
}

static void ms__mon_sample(void) {
    uint64_t t0 = ms__mono_ns();
    pthread_mutex_lock(&ms__mon.sample_lock);
    ms__mon_sample_locked();
    pthread_mutex_unlock(&ms__mon.sample_lock);
    MS__STORE(&ms__mon.last_sample_ns, ms__mono_ns() - t0);
}

static void (*_Atomic ms__mon_tick_hook)(void); /* periodic writers (Prometheus file) */

static void *ms__mon_main(void *arg) {
    (void)arg;
    MS__ENTER(); /* for good: nothing this thread allocates is the program's */
    uint64_t next = ms__mono_ns();
    for (;;) {
        uint64_t started = ms__mono_ns();
        ms__mon_gpu_poll();
        ms__mon_sample();
        void (*tick)(void) = atomic_load(&ms__mon_tick_hook);
        if (tick) tick();
        struct timespec tc;
        if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &tc) == 0)
            MS__STORE(&ms__mon.cpu_ns, (uint64_t)tc.tv_sec * 1000000000u + (uint64_t)tc.tv_nsec);
        pthread_mutex_lock(&ms__mon.wait_lock);
        uint32_t cur = ms__mon.interval_ms;
        next += (uint64_t)cur * 1000000u; /* a fixed schedule: wake-up delays do not add up */
        if (next <= ms__mono_ns()) next = started + (uint64_t)cur * 1000000u; /* fell behind */
        while (!ms__mon.stop) {
            if (ms__mon.interval_ms != cur) { /* reconfigured while asleep */
                cur = ms__mon.interval_ms;
                next = started + (uint64_t)cur * 1000000u;
            }
            if (ms__mono_ns() >= next) break;
            struct timespec dl = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
            pthread_cond_timedwait(&ms__mon.wake, &ms__mon.wait_lock, &dl);
        }
        int stop = ms__mon.stop;
        pthread_mutex_unlock(&ms__mon.wait_lock);
        if (stop) break;
    }
    return NULL;
}

/* control held. */
static int ms__mon_start_locked(void) {
    if (ms__mon.running) return 1;
    if (ms__mon.shut) return 0; /* the process is exiting */
    ms__mon.stop = 0;
    /* The program's signals never land on the monitor: it starts with every signal blocked
       but glibc's internal 32 and 33 (cancellation, setxid). The raw call needs no POSIX
       declarations, whatever the includer's feature macros. */
    uint64_t all = ~(uint64_t)0 & ~((uint64_t)1 << 31) & ~((uint64_t)1 << 32), old = 0;
    int masked = syscall(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, &all, &old, sizeof all) == 0;
    int rc = pthread_create(&ms__mon.thread, NULL, ms__mon_main, NULL);
    if (masked) syscall(SYS_rt_sigprocmask, 2, &old, NULL, sizeof old);
    if (rc != 0) return 0;
    pthread_setname_np(ms__mon.thread, "memscope-mon");
    ms__mon.running = 1;
    pthread_mutex_lock(&ms__mon.sample_lock);
    ms__mon.sampling_on = 1;
    pthread_mutex_unlock(&ms__mon.sample_lock);
    return 1;
}

static void ms__mon_free_ring(void) {
    pthread_mutex_lock(&ms__mon.ring_lock);
    for (size_t i = 0; i < ms__mon.nchunks; i++) MEMSCOPE_FREE(ms__mon.chunks[i]);
    MEMSCOPE_FREE(ms__mon.chunks);
    ms__mon.chunks = NULL;
    ms__mon.nchunks = ms__mon.ring_cap = 0;
    ms__mon.tail = ms__mon.head; /* sequence numbers keep rising: no tracker sees old ones */
    pthread_mutex_unlock(&ms__mon.ring_lock);
}

/* control held: stop and join the thread, close the files. The ring stays. */
static void ms__mon_stop_locked(void) {
    if (ms__mon.running) {
        pthread_mutex_lock(&ms__mon.wait_lock);
        ms__mon.stop = 1;
        pthread_cond_broadcast(&ms__mon.wake);
        pthread_mutex_unlock(&ms__mon.wait_lock);
        pthread_join(ms__mon.thread, NULL);
        ms__mon.running = 0;
    }
    pthread_mutex_lock(&ms__mon.sample_lock);
    ms__mon.sampling_on = 0;
    ms__mon_close_files(1);
    pthread_mutex_lock(&ms__mon.gpu_lock);
    ms__gpu_close(1);
    ms__nvml_close();
    pthread_mutex_unlock(&ms__mon.gpu_lock);
    ms__mon.have_prev = 0; /* a restart begins with a baseline and fresh totals */
    ms__mon.tot_rd = ms__mon.tot_wr = ms__mon.tot_rx = ms__mon.tot_tx = 0;
    pthread_mutex_unlock(&ms__mon.sample_lock);
}

/* A forked child has no monitor thread and must not read the parent's /proc/self fds
   (they describe the parent). The fork handler closed them; the first monitor-related
   call in the child restarts the thread, which opens its own. */
static void ms__mon_check_fork(void) {
    if (MS__LIKELY(!atomic_load_explicit(&ms__mon.restart_pending, MS__RELAXED))) return;
    pthread_mutex_lock(&ms__mon.control);
    if (atomic_exchange(&ms__mon.restart_pending, 0) && ms__mon.users > 0) ms__mon_start_locked();
    pthread_mutex_unlock(&ms__mon.control);
}

static void ms__mon_fork_prepare(void) {
    pthread_mutex_lock(&ms__mon.control);
    pthread_mutex_lock(&ms__mon.wait_lock);
    pthread_mutex_lock(&ms__mon.sample_lock);
    pthread_mutex_lock(&ms__mon.ring_lock);
}
static void ms__mon_fork_parent(void) {
    pthread_mutex_unlock(&ms__mon.ring_lock);
    pthread_mutex_unlock(&ms__mon.sample_lock);
    pthread_mutex_unlock(&ms__mon.wait_lock);
    pthread_mutex_unlock(&ms__mon.control);
}
static void ms__mon_fork_child(void) {
    ms__mon_fork_parent();
    memset(&ms__mon.wake, 0, sizeof ms__mon.wake); /* it may list the parent's waiter */
    ms__mon_cond_init();
    pthread_mutex_init(&ms__mon.gpu_lock, NULL); /* the parent's monitor may have held it */
    ms__mon_close_files(0);          /* close() only: async-signal-safe */
    ms__gpu_close(0);
    /* NVML is not fork-safe: the library stays loaded with the parent's session, so a child
       has no NVIDIA metrics (amdgpu ones are re-read from the child's own files) */
    ms__mon.nvml_state = -1;
    ms__mon.nvml_lib = NULL;
    ms__mon.n_nvml = 0;
    ms__mon.sampling_on = 0;
    ms__mon.have_prev = 0;           /* the child's CPU clock starts at 0: new baseline */
    ms__mon.tot_rd = ms__mon.tot_wr = ms__mon.tot_rx = ms__mon.tot_tx = 0;
    atomic_store(&ms__mon.latest_seq, 0); /* no current snapshot until the child samples */
    atomic_store(&ms__mon.cpu_ns, 0);     /* the statistics are this process's */
    atomic_store(&ms__mon.samples, 0);
    atomic_store(&ms__mon.dropped, 0);
    atomic_store(&ms__mon.last_sample_ns, 0);
    ms__mon.max_rss = 0;
    if (ms__mon.running) {
        ms__mon.running = 0;
        atomic_store(&ms__mon.restart_pending, ms__mon.users > 0);
    }
}

/* At exit: the last samples for the exports were taken; stop the thread before the
   process tears down what it reads. */
static void ms__mon_at_exit(void) {
    pthread_mutex_lock(&ms__mon.control);
    ms__mon.shut = 1; /* no restart while the process exits */
    ms__mon_stop_locked();
    pthread_mutex_unlock(&ms__mon.control);
}

/* A closing sample for a report, when the last one is older than 10 ms. */
static void ms__mon_final_sample(memscope_tracker *t) {
    if (!atomic_load(&t->monitoring)) return;
    ms__mon_check_fork();
    pthread_mutex_lock(&ms__mon.sample_lock); /* sampling_on: the monitor was not stopped meanwhile */
    if (ms__mon.sampling_on && (!ms__mon.have_prev || ms__mono_ns() - ms__mon.prev_mono >= 10000000u))
        ms__mon_sample_locked();
    pthread_mutex_unlock(&ms__mon.sample_lock);
}

static void ms__mon_release(memscope_tracker *t) {
    if (!atomic_exchange(&t->monitoring, 0)) return;
    pthread_mutex_lock(&ms__mon.control);
    if (ms__mon.users > 0 && --ms__mon.users == 0) {
        ms__mon_stop_locked();
        atomic_store(&ms__mon.restart_pending, 0);
        ms__mon_free_ring();
        atomic_store(&ms__mon.latest_seq, 0);
    }
    pthread_mutex_unlock(&ms__mon.control);
}

MEMSCOPE_DEF memscope_tracker *memscope_with_system_monitoring(memscope_tracker *t) {
    if (!t) return t;
    MS__ENTER();
    ms__ensure_process_init();
    ms__mon_check_fork();
    pthread_mutex_lock(&ms__mon.control);
    if (!atomic_load(&t->monitoring)) {
        pthread_mutex_lock(&ms__mon.ring_lock);
        t->mon_first_seq = ms__mon.head;
        pthread_mutex_unlock(&ms__mon.ring_lock);
        atomic_store(&t->monitoring, 1);
        ms__mon.users++;
    }
    ms__mon_start_locked();
    pthread_mutex_unlock(&ms__mon.control);
    MS__LEAVE();
    return t;
}

MEMSCOPE_DEF memscope_monitor_config memscope_monitor_default(void) {
    memscope_monitor_config c = {MS__MON_DEFAULT_INTERVAL_MS, MS__MON_DEFAULT_GPU_MS, MS__MON_DEFAULT_SNAPSHOTS};
    return c;
}

MEMSCOPE_DEF memscope_monitor_config memscope_get_monitor_config(void) {
    ms__ensure_process_init();
    pthread_mutex_lock(&ms__mon.control);
    memscope_monitor_config c = {ms__mon.interval_ms, ms__mon.gpu_interval_ms, ms__mon.capacity};
    pthread_mutex_unlock(&ms__mon.control);
    return c;
}

/* Takes effect at once, also for a sleeping monitor. A smaller ring keeps the newest
   snapshots (the others count as dropped). */
MEMSCOPE_DEF memscope_result memscope_set_monitor_config(memscope_monitor_config cfg) {
    if (cfg.interval_ms < 10 || cfg.interval_ms > 3600000u || cfg.gpu_interval_ms < 500 ||
        cfg.gpu_interval_ms > 3600000u || cfg.max_snapshots == 0 || (uint64_t)cfg.max_snapshots > ((uint64_t)1 << 32))
        return MEMSCOPE_ERR_INVALID_ARG;
    ms__ensure_process_init();
    pthread_mutex_lock(&ms__mon.control);
    pthread_mutex_lock(&ms__mon.wait_lock);
    ms__mon.interval_ms = cfg.interval_ms;
    pthread_cond_broadcast(&ms__mon.wake);
    pthread_mutex_unlock(&ms__mon.wait_lock);
    pthread_mutex_lock(&ms__mon.gpu_lock);
    ms__mon.gpu_interval_ms = cfg.gpu_interval_ms;
    pthread_mutex_unlock(&ms__mon.gpu_lock);
    memscope_result res = MEMSCOPE_OK;
    pthread_mutex_lock(&ms__mon.ring_lock);
    if (cfg.max_snapshots != ms__mon.capacity) {
        if (ms__mon.ring_cap == 0) {
            ms__mon.capacity = cfg.max_snapshots;
        } else { /* move the newest entries into a ring of the new size */
            size_t nch = (cfg.max_snapshots + MS__MON_SNAP_CHUNK - 1) / MS__MON_SNAP_CHUNK;
            ms__snap_entry **nc = (ms__snap_entry **)ms__calloc(nch, sizeof *nc);
            uint64_t oldest = ms__mon.tail;
            uint64_t from = ms__mon.head > cfg.max_snapshots ? ms__mon.head - cfg.max_snapshots : 0;
            if (from < oldest) from = oldest;
            int ok = nc != NULL;
            for (uint64_t q = from; ok && q < ms__mon.head; q++) {
                size_t np = (size_t)(q % cfg.max_snapshots), op = (size_t)(q % ms__mon.ring_cap);
                ms__snap_entry **c = &nc[np / MS__MON_SNAP_CHUNK];
                if (!*c && !(*c = (ms__snap_entry *)ms__calloc(MS__MON_SNAP_CHUNK, sizeof **c))) ok = 0;
                else (*c)[np % MS__MON_SNAP_CHUNK] = ms__mon.chunks[op / MS__MON_SNAP_CHUNK][op % MS__MON_SNAP_CHUNK];
            }
            if (ok) {
                atomic_fetch_add(&ms__mon.dropped, from - oldest);
                for (size_t i = 0; i < ms__mon.nchunks; i++) MEMSCOPE_FREE(ms__mon.chunks[i]);
                MEMSCOPE_FREE(ms__mon.chunks);
                ms__mon.chunks = nc;
                ms__mon.nchunks = nch;
                ms__mon.ring_cap = ms__mon.capacity = cfg.max_snapshots;
                ms__mon.tail = from;
            } else {
                if (nc) for (size_t i = 0; i < nch; i++) MEMSCOPE_FREE(nc[i]);
                MEMSCOPE_FREE(nc);
                res = MEMSCOPE_ERR_NO_MEMORY;
            }
        }
    }
    pthread_mutex_unlock(&ms__mon.ring_lock);
    pthread_mutex_unlock(&ms__mon.control);
    return res;
}

MEMSCOPE_DEF memscope_monitor_stats memscope_get_monitor_stats(void) {
    memscope_monitor_stats st;
    memset(&st, 0, sizeof st);
    ms__ensure_process_init();
    pthread_mutex_lock(&ms__mon.control);
    st.running = ms__mon.running;
    pthread_mutex_unlock(&ms__mon.control);
    st.samples = atomic_load(&ms__mon.samples);
    st.cpu_time_ns = atomic_load(&ms__mon.cpu_ns);
    st.last_sample_ns = atomic_load(&ms__mon.last_sample_ns);
    st.dropped_snapshots = atomic_load(&ms__mon.dropped);
    pthread_mutex_lock(&ms__mon.ring_lock);
    st.stored_snapshots = ms__mon.head - ms__mon.tail;
    pthread_mutex_unlock(&ms__mon.ring_lock);
    return st;
}

MEMSCOPE_DEF memscope_system_snapshot memscope_current_system_snapshot(memscope_tracker *t) {
    memscope_system_snapshot s;
    ms__snap_entry e;
    memset(&s, 0, sizeof s);
    if (t && atomic_load_explicit(&t->monitoring, MS__RELAXED)) { /* loads only, also in a forked child */
        if (ms__latest_load(&e)) {
            s = e.s;
            s.elapsed_ns = e.mono_ns > t->start_mono_ns ? e.mono_ns - t->start_mono_ns : 0;
            return s;
        }
    }
    s.timestamp = ms__unix_ms();
    return s;
}

/* This tracker's snapshots: those taken since it enabled monitoring, still in the ring. */
static memscope_system_snapshot *ms__snapshots_copy(memscope_tracker *t, size_t *count, uint64_t *dropped) {
    *count = 0;
    *dropped = 0;
    if (!atomic_load(&t->monitoring)) return NULL;
    ms__mon_check_fork();
    double ns_per_tick = ms__clock_ratio();
    pthread_mutex_lock(&ms__mon.ring_lock);
    uint64_t head = ms__mon.head, cap = ms__mon.ring_cap, oldest = ms__mon.tail;
    uint64_t from = t->mon_first_seq > oldest ? t->mon_first_seq : oldest;
    *dropped = oldest > t->mon_first_seq ? oldest - t->mon_first_seq : 0;
    memscope_system_snapshot *out = NULL;
    if (cap && head > from) {
        out = (memscope_system_snapshot *)ms__calloc((size_t)(head - from), sizeof *out);
        if (out) {
            for (uint64_t q = from; q < head; q++) {
                size_t pos = (size_t)(q % cap);
                const ms__snap_entry *e = &ms__mon.chunks[pos / MS__MON_SNAP_CHUNK][pos % MS__MON_SNAP_CHUNK];
                memscope_system_snapshot *s = &out[*count];
                *s = e->s;
                s->elapsed_ns = e->ticks > t->start_ticks ? (uint64_t)((double)(e->ticks - t->start_ticks) * ns_per_tick) : 0;
                (*count)++;
            }
        }
    }
    pthread_mutex_unlock(&ms__mon.ring_lock);
    return out;
}

#else /* MEMSCOPE_NO_MONITOR: snapshots say unavailable, never a silent 0 */

static void ms__mon_process_init(void) {}
static void ms__mon_fork_prepare(void) {}
static void ms__mon_fork_parent(void) {}
static void ms__mon_fork_child(void) {}
static void ms__mon_at_exit(void) {}
static void ms__mon_final_sample(memscope_tracker *t) { (void)t; }
static void ms__mon_release(memscope_tracker *t) { (void)t; }

MEMSCOPE_DEF memscope_tracker *memscope_with_system_monitoring(memscope_tracker *t) { return t; }
MEMSCOPE_DEF memscope_monitor_config memscope_monitor_default(void) {
    memscope_monitor_config c = {MS__MON_DEFAULT_INTERVAL_MS, MS__MON_DEFAULT_GPU_MS, MS__MON_DEFAULT_SNAPSHOTS};
    return c;
}
MEMSCOPE_DEF memscope_monitor_config memscope_get_monitor_config(void) { return memscope_monitor_default(); }
MEMSCOPE_DEF memscope_result memscope_set_monitor_config(memscope_monitor_config cfg) {
    (void)cfg;
    return MEMSCOPE_ERR_UNSUPPORTED;
}
MEMSCOPE_DEF memscope_monitor_stats memscope_get_monitor_stats(void) {
    memscope_monitor_stats st;
    memset(&st, 0, sizeof st);
    return st;
}
MEMSCOPE_DEF memscope_system_snapshot memscope_current_system_snapshot(memscope_tracker *t) {
    memscope_system_snapshot s;
    memset(&s, 0, sizeof s);
    (void)t;
    s.timestamp = ms__unix_ms();
    return s;
}
static memscope_system_snapshot *ms__snapshots_copy(memscope_tracker *t, size_t *count, uint64_t *dropped) {
    (void)t;
    *count = 0;
    *dropped = 0;
    return NULL;
}
#endif /* MEMSCOPE_NO_MONITOR */

/* ==== >>export ==== */

/* What a loaded tracker holds (memscope_load, >>reader, fills it): the writers below and
   >>formats read a loaded tracker as they read a live one. */
typedef struct ms__lsite { uint32_t id; const char *var, *type, *file; uint32_t line; uint64_t last_size; uint32_t last_stack; } ms__lsite;
typedef struct ms__lframe { uintptr_t addr; const char *fn, *mod; uint64_t off1; const char *file; uint32_t line, ninl; const ms__inlf *inl; } ms__lframe;
typedef struct ms__lstack { uint32_t id, depth; ms__lframe *frames; } ms__lstack;
typedef struct ms__lmod { const char *path, *build_id; uint64_t bias, lo, hi; int state, written; struct ms__symmod *sm; } ms__lmod;

struct ms__loaded {
    unsigned char *data;
    size_t size;
    char *arena;                   /* the strings, NUL-terminated */
    size_t arena_len;
    const char **strs;             /* index 1.. */
    size_t nstrs, cap_strs;
    ms__lsite *sites; size_t nsites;
    ms__lstack *stacks; size_t nstacks, stacks_from; /* stacks_from: the last STACKS section's first */
    ms__lframe *frames; size_t nframes;
    uint32_t max_stack;
    struct ms__lblock *blocks; size_t nblocks, cap_blocks; /* the EVENTS sections, decoded when read */
    int order;                     /* 1.3 or later: the decoder keeps the allocation order state */
    struct ms__msb_order *parse_ord; /* ... the parse's */
    size_t nevents;
    unsigned char *stack_used;     /* stack ids events use (a bit each), checked against STACKS */
    uint32_t stack_used_cap, stack_used_max;
    uint64_t last_ts;              /* the last event's time */
    memscope_system_snapshot *snaps; size_t nsnaps;
    memscope_thread_stats *threads; size_t nthreads;
    memscope_hotspot *hot; size_t nhot;
    double duration_sec, alloc_rate, free_rate, sample_rate;
    uint64_t totals[9];            /* END, in order */
    double est_allocs, est_bytes;
    char *hot_strs;                /* strings of recomputed hotspots */
    uint64_t pid;                  /* META: the writing process */
    uint64_t ppid;                 /* META 14: its parent (streamed files) */
    int streamed;                  /* META 15: written as the program ran */
    double ns_per_tick;
    const char *program;
    const char *cmdline, *cwd;     /* META 16, 17 */
    uint32_t exit_how;             /* META 18, or EXIT's */
    int whole_program;             /* META 19: 1 whole-program mode, 0 TRACK calls, -1 not said */
    int exit_watched;              /* exit_how is from an EXIT section: what memscope run saw */
    void *frame_blocks;            /* STACKS sections' frames: each block starts with a link */
    uint64_t zbytes;               /* decompressed bytes of compressed sections so far */
    unsigned char *zbuf;           /* the decompressed payload of the section being read */
    uint32_t *stack_ix;            /* stack id -> index in stacks + 1 (0: undefined) */
    ms__lmod *mods; size_t nmods;  /* MODULES: the files the frames are in */
    memscope_load_info info;
};

/* Buffered output to a file descriptor; the first error sticks (errno kept). */
typedef struct ms__out {
    int fd;
    int err;
    int html;        /* strings also escape < > & (JSON inside an HTML script element) */
    size_t len;
    char buf[1 << 16];
} ms__out;

static void ms__out_flush(ms__out *o) {
    size_t off = 0;
    while (off < o->len && !o->err) {
        ssize_t w = write(o->fd, o->buf + off, o->len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            o->err = errno ? errno : EIO;
        } else if (w == 0) {
            o->err = ENOSPC;
        } else {
            off += (size_t)w;
        }
    }
    o->len = 0;
}

static inline void ms__out_mem(ms__out *o, const char *s, size_t n) {
    if (o->len + n > sizeof o->buf) {
        ms__out_flush(o);
        while (n > sizeof o->buf) { /* longer than the buffer: pass it through in pieces */
            memcpy(o->buf, s, sizeof o->buf);
            o->len = sizeof o->buf;
            ms__out_flush(o);
            s += sizeof o->buf;
            n -= sizeof o->buf;
        }
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}
/* literals only: the "" pasting rejects anything else at compile time */
#define ms__out_lit(o, s) ms__out_mem((o), "" s "", sizeof("" s "") - 1)

static inline void ms__out_u64(ms__out *o, uint64_t v) {
    char tmp[24];
    int i = 24;
    do { tmp[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    ms__out_mem(o, tmp + i, (size_t)(24 - i));
}

MS__MAYBE_UNUSED static void ms__out_hex(ms__out *o, uint64_t v) {
    char tmp[20];
    int i = 20;
    do { tmp[--i] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    tmp[--i] = 'x';
    tmp[--i] = '0';
    ms__out_lit(o, "\"");
    ms__out_mem(o, tmp + i, (size_t)(20 - i));
    ms__out_lit(o, "\"");
}

MS__MAYBE_UNUSED static void ms__out_double(ms__out *o, double v) {
    if (!isfinite(v)) { ms__out_lit(o, "null"); return; }
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.17g", v);
    if (n > 0) ms__out_mem(o, tmp, (size_t)n);
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t ms__utf8_len(const unsigned char *s) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
        if (c == 0xe0 && s[1] < 0xa0) return 0;              /* overlong */
        if (c == 0xed && s[1] >= 0xa0) return 0;             /* surrogates */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
        if (c == 0xf0 && s[1] < 0x90) return 0;
        if (c == 0xf4 && s[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

/* JSON string: control characters escaped, invalid UTF-8 -> U+FFFD, "</" -> "<\/",
   U+2028/2029 escaped, so the text is also safe inside an HTML script element. */
MS__MAYBE_UNUSED static void ms__out_str(ms__out *o, const char *str) {
    if (!str) { ms__out_lit(o, "null"); return; }
    const unsigned char *s = (const unsigned char *)str;
    ms__out_lit(o, "\"");
    while (*s) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\' && *s != '/' &&
               !(o->html && (*s == '<' || *s == '>' || *s == '&')))
            s++;
        if (s > run) ms__out_mem(o, (const char *)run, (size_t)(s - run));
        if (!*s) break;
        unsigned c = *s;
        if (c == '"') { ms__out_lit(o, "\\\""); s++; }
        else if (c == '\\') { ms__out_lit(o, "\\\\"); s++; }
        else if (c == '/') { if (s > (const unsigned char *)str && s[-1] == '<') ms__out_lit(o, "\\/"); else ms__out_lit(o, "/"); s++; }
        else if (c == '\n') { ms__out_lit(o, "\\n"); s++; }
        else if (c == '<') { ms__out_lit(o, "\\u003c"); s++; }
        else if (c == '>') { ms__out_lit(o, "\\u003e"); s++; }
        else if (c == '&') { ms__out_lit(o, "\\u0026"); s++; }
        else if (c == '\t') { ms__out_lit(o, "\\t"); s++; }
        else if (c == '\r') { ms__out_lit(o, "\\r"); s++; }
        else if (c < 0x20) {
            char esc[7] = {'\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15], 0};
            ms__out_mem(o, esc, 6);
            s++;
        } else {
            size_t n = ms__utf8_len(s);
            if (!n) { ms__out_lit(o, "\\ufffd"); s++; }
            else if (n == 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9)) {
                if (s[2] == 0xa8) ms__out_lit(o, "\\u2028"); else ms__out_lit(o, "\\u2029");
                s += 3;
            } else { ms__out_mem(o, (const char *)s, n); s += n; }
        }
    }
    ms__out_lit(o, "\"");
}

/* Creates every missing parent directory of path. */
static int ms__mkdirs_for(const char *path) {
    char *p = ms__strdup(path);
    if (!p) { errno = ENOMEM; return -1; }
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            struct stat st;
            if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) { MEMSCOPE_FREE(p); errno = e; return -1; }
        }
        *s = '/';
    }
    MEMSCOPE_FREE(p);
    return 0;
}

/* Atomic replace: write "<dir>/.<name>.tmp-<16 random hex digits>", fsync, rename over path.
   The target must be a regular file or absent: a device, FIFO, socket or directory is never
   replaced (MEMSCOPE_ERR_NOT_REGULAR), nor a symbolic link to one. A symbolic link to a
   regular file (or to nothing) is itself replaced: nothing is ever written through a link,
   so a link planted in a shared directory cannot aim a report at another file. Temp names
   cannot be guessed, and a name taken by someone else is retried with a fresh one, up to
   MS__TMP_TRIES times. */
typedef struct ms__atomic_file {
    ms__out *out;
    char *tmp;
    const char *path;
} ms__atomic_file;

#define MS__TMP_TRIES 64
static _Atomic uint64_t ms__tmp_counter;

/* 64 unpredictable bits: the kernel's generator; without it, clocks, ids and a counter mixed */
static uint64_t ms__random_u64(void) {
    uint64_t v = 0;
#ifdef SYS_getrandom
    if (syscall(SYS_getrandom, &v, sizeof v, 1 /* GRND_NONBLOCK */) == (long)sizeof v) return v;
#endif
    uint64_t c = atomic_fetch_add(&ms__tmp_counter, 1);
    return ms__mix64(ms__mono_ns() ^ ((uint64_t)getpid() << 32) ^ ms__mix64(c ^ (uint64_t)(uintptr_t)&v) ^ (uint64_t)time(NULL));
}
static uint64_t (*ms__tmp_random)(void) = ms__random_u64; /* tests replace it */

/* MEMSCOPE_OK when path may be replaced: absent, a regular file, or a link that does not lead
   to a device, FIFO, socket or directory. */
static memscope_result ms__target_check(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return MEMSCOPE_OK; /* absent (or unreachable: open says why) */
    if (S_ISREG(st.st_mode)) return MEMSCOPE_OK;
    if (S_ISLNK(st.st_mode) && (stat(path, &st) != 0 || S_ISREG(st.st_mode))) return MEMSCOPE_OK;
    errno = EEXIST;
    return MEMSCOPE_ERR_NOT_REGULAR;
}

MS__MAYBE_UNUSED static memscope_result ms__file_begin(ms__atomic_file *f, const char *path) {
    f->out = NULL;
    f->tmp = NULL;
    f->path = path;
    if (!path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    memscope_result chk = ms__target_check(path);
    if (chk != MEMSCOPE_OK) return chk;
    if (ms__mkdirs_for(path) != 0) return MEMSCOPE_ERR_IO;
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    size_t cap = strlen(path) + 64;
    f->tmp = (char *)MEMSCOPE_MALLOC(cap);
    f->out = (ms__out *)MEMSCOPE_MALLOC(sizeof *f->out);
    int e = ENOMEM;
    if (f->tmp && f->out) {
        f->out->fd = -1;
        for (int i = 0; i < MS__TMP_TRIES && f->out->fd < 0; i++) {
            snprintf(f->tmp, cap, "%.*s.%s.tmp-%016llx", (int)dirlen, path, path + dirlen, (unsigned long long)ms__tmp_random());
            f->out->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
            e = errno;
            if (f->out->fd < 0 && e != EEXIST) break;
        }
        f->out->err = 0;
        f->out->len = 0;
        f->out->html = 0;
        if (f->out->fd >= 0) return MEMSCOPE_OK;
    }
    MEMSCOPE_FREE(f->tmp); MEMSCOPE_FREE(f->out);
    f->tmp = NULL; f->out = NULL;
    errno = e;
    return e == ENOMEM ? MEMSCOPE_ERR_NO_MEMORY : MEMSCOPE_ERR_IO;
}

MS__MAYBE_UNUSED static memscope_result ms__file_end(ms__atomic_file *f) {
    ms__out *o = f->out;
    ms__out_flush(o);
    if (!o->err && fsync(o->fd) != 0 && errno != EINVAL && errno != EROFS) o->err = errno;
    if (close(o->fd) != 0 && !o->err) o->err = errno;
    int special = 0;
    if (!o->err && ms__target_check(f->path) != MEMSCOPE_OK) { /* it may have changed meanwhile */
        special = 1;
        o->err = EEXIST;
    }
    if (!o->err && rename(f->tmp, f->path) != 0) o->err = errno;
    int e = o->err;
    if (e) unlink(f->tmp);
    MEMSCOPE_FREE(f->tmp);
    MEMSCOPE_FREE(f->out);
    f->tmp = NULL;
    f->out = NULL;
    errno = e;
    return special ? MEMSCOPE_ERR_NOT_REGULAR : e ? MEMSCOPE_ERR_IO : MEMSCOPE_OK;
}

#define ms__out_key(o, k) ms__out_lit((o), ",\"" k "\":")

#ifndef MEMSCOPE_NO_JSON /* the JSON writer: the report, sites (events and stacks below) */

static void ms__json_snapshot(ms__out *o, const memscope_system_snapshot *s) {
    ms__out_lit(o, "{\"timestamp\":"); ms__out_u64(o, s->timestamp);
    ms__out_key(o, "cpu_usage_percent"); ms__out_double(o, s->cpu_usage_percent);
    ms__out_key(o, "memory_usage_bytes"); ms__out_u64(o, s->memory_usage_bytes);
    ms__out_key(o, "memory_usage_percent"); ms__out_double(o, s->memory_usage_percent);
    ms__out_key(o, "thread_count"); ms__out_u64(o, s->thread_count);
    ms__out_key(o, "disk_read_bps"); ms__out_u64(o, s->disk_read_bps);
    ms__out_key(o, "disk_write_bps"); ms__out_u64(o, s->disk_write_bps);
    ms__out_key(o, "network_rx_bps"); ms__out_u64(o, s->network_rx_bps);
    ms__out_key(o, "network_tx_bps"); ms__out_u64(o, s->network_tx_bps);
    ms__out_key(o, "gpu_usage_percent"); ms__out_double(o, s->gpu_usage_percent);
    ms__out_key(o, "gpu_memory_used"); ms__out_u64(o, s->gpu_memory_used);
    ms__out_key(o, "gpu_memory_total"); ms__out_u64(o, s->gpu_memory_total);
    ms__out_key(o, "available"); ms__out_u64(o, s->available);
    ms__out_key(o, "elapsed_ns"); ms__out_u64(o, s->elapsed_ns);
    ms__out_key(o, "system_cpu_percent"); ms__out_double(o, s->system_cpu_percent);
    ms__out_key(o, "cpu_count"); ms__out_u64(o, s->cpu_count);
    ms__out_key(o, "gpu_count"); ms__out_u64(o, s->gpu_count);
    ms__out_key(o, "peak_rss_bytes"); ms__out_u64(o, s->peak_rss_bytes);
    ms__out_key(o, "memory_limit_bytes"); ms__out_u64(o, s->memory_limit_bytes);
    ms__out_key(o, "system_memory_total"); ms__out_u64(o, s->system_memory_total);
    ms__out_key(o, "system_memory_available"); ms__out_u64(o, s->system_memory_available);
    ms__out_key(o, "system_memory_used_percent"); ms__out_double(o, s->system_memory_used_percent);
    ms__out_key(o, "minor_faults_per_sec"); ms__out_u64(o, s->minor_faults_per_sec);
    ms__out_key(o, "major_faults_per_sec"); ms__out_u64(o, s->major_faults_per_sec);
    ms__out_key(o, "disk_read_bytes"); ms__out_u64(o, s->disk_read_bytes);
    ms__out_key(o, "disk_write_bytes"); ms__out_u64(o, s->disk_write_bytes);
    ms__out_key(o, "network_rx_bytes"); ms__out_u64(o, s->network_rx_bytes);
    ms__out_key(o, "network_tx_bytes"); ms__out_u64(o, s->network_tx_bytes);
    ms__out_lit(o, "}");
}

static void ms__json_report(ms__out *o, memscope_tracker *t, const memscope_report *r) {
    ms__out_lit(o, "{\"format\":\"memscope\",\"version\":1,\"generator\":\"memscope.h " MEMSCOPE_VERSION_STRING "\"");
    ms__out_key(o, "total_allocations"); ms__out_u64(o, r->total_allocations);
    ms__out_key(o, "total_deallocations"); ms__out_u64(o, r->total_deallocations);
    ms__out_key(o, "active_allocations"); ms__out_u64(o, r->active_allocations);
    ms__out_key(o, "peak_memory_bytes"); ms__out_u64(o, r->peak_memory_bytes);
    ms__out_key(o, "current_memory_bytes"); ms__out_u64(o, r->current_memory_bytes);
    ms__out_key(o, "allocation_rate_per_sec"); ms__out_double(o, r->allocation_rate_per_sec);
    ms__out_key(o, "deallocation_rate_per_sec"); ms__out_double(o, r->deallocation_rate_per_sec);
    ms__out_key(o, "hotspots"); ms__out_lit(o, "[");
    for (size_t i = 0; i < r->hotspot_count; i++) {
        const memscope_hotspot *h = &r->hotspots[i];
        if (i) ms__out_lit(o, ",");
        ms__out_lit(o, "\n{\"var_name\":"); ms__out_str(o, h->var_name);
        ms__out_key(o, "type_name"); ms__out_str(o, h->type_name);
        ms__out_key(o, "total_size"); ms__out_u64(o, h->total_size);
        ms__out_key(o, "allocation_count"); ms__out_u64(o, h->allocation_count);
        ms__out_key(o, "location"); ms__out_str(o, h->location);
        ms__out_lit(o, "}");
    }
    ms__out_lit(o, "]");
    ms__out_key(o, "system_snapshots"); ms__out_lit(o, "[");
    for (size_t i = 0; i < r->system_snapshot_count; i++) {
        if (i) ms__out_lit(o, ",");
        ms__out_lit(o, "\n");
        ms__json_snapshot(o, &r->system_snapshots[i]);
    }
    ms__out_lit(o, "]");
    ms__out_key(o, "sample_rate"); ms__out_double(o, r->sample_rate);
    ms__out_key(o, "estimated_total_allocations"); ms__out_double(o, r->estimated_total_allocations);
    ms__out_key(o, "estimated_total_bytes"); ms__out_double(o, r->estimated_total_bytes);
    ms__out_key(o, "total_allocated_bytes"); ms__out_u64(o, r->total_allocated_bytes);
    ms__out_key(o, "dropped_events"); ms__out_u64(o, r->dropped_events);
    ms__out_key(o, "dropped_snapshots"); ms__out_u64(o, r->dropped_snapshots);
    ms__out_key(o, "duration_sec"); ms__out_double(o, r->duration_sec);
    ms__out_key(o, "start_time_unix_ms"); ms__out_u64(o, t->start_unix_ms);
    memscope_context cx;
    memscope_get_context(t, &cx);
    ms__out_key(o, "context"); ms__out_lit(o, "{\"program\":"); ms__out_str(o, cx.program);
    ms__out_key(o, "command_line"); ms__out_str(o, cx.command_line);
    ms__out_key(o, "cwd"); ms__out_str(o, cx.cwd);
    ms__out_key(o, "pid"); if (cx.pid) ms__out_u64(o, cx.pid); else ms__out_lit(o, "null");
    ms__out_key(o, "ppid"); if (cx.ppid) ms__out_u64(o, cx.ppid); else ms__out_lit(o, "null");
    ms__out_key(o, "mode"); ms__out_str(o, cx.whole_program ? "whole-program" : "track");
    memscope_load_info li; /* a loaded file without END: a run that did not end normally, or a cut file */
    ms__out_key(o, "complete");
    if (memscope_loaded_info(t, &li) == MEMSCOPE_OK && !li.complete) ms__out_lit(o, "false");
    else ms__out_lit(o, "true");
    ms__out_key(o, "exit_status"); if (cx.exit_status >= 0) ms__out_u64(o, (uint64_t)cx.exit_status); else ms__out_lit(o, "null");
    ms__out_key(o, "exit_signal"); if (cx.exit_signal) ms__out_u64(o, (uint64_t)cx.exit_signal); else ms__out_lit(o, "null");
    ms__out_lit(o, "}");
    memscope_sampling_config cfg = memscope_get_sampling(t);
    ms__out_key(o, "sampling"); ms__out_lit(o, "{\"sample_rate\":"); ms__out_double(o, cfg.sample_rate);
    ms__out_key(o, "capture_call_stack"); if (cfg.capture_call_stack) ms__out_lit(o, "true"); else ms__out_lit(o, "false");
    ms__out_key(o, "max_stack_depth"); ms__out_u64(o, cfg.max_stack_depth);
    ms__out_key(o, "sample_bytes"); ms__out_u64(o, atomic_load(&t->sample_bytes)); /* byte sampling, 0 = off */
    ms__out_lit(o, "}");
    ms__out_key(o, "threads"); ms__out_lit(o, "[");
    for (size_t i = 0; i < r->thread_count; i++) {
        const memscope_thread_stats *th = &r->threads[i];
        if (i) ms__out_lit(o, ",");
        ms__out_lit(o, "\n{\"thread_id\":"); ms__out_u64(o, th->thread_id);
        ms__out_key(o, "thread_name"); ms__out_str(o, th->thread_name);
        ms__out_key(o, "allocations"); ms__out_u64(o, th->allocations);
        ms__out_key(o, "deallocations"); ms__out_u64(o, th->deallocations);
        ms__out_key(o, "allocated_bytes"); ms__out_u64(o, th->allocated_bytes);
        ms__out_key(o, "current_bytes"); ms__out_u64(o, th->current_bytes);
        ms__out_key(o, "peak_bytes"); ms__out_u64(o, th->peak_bytes);
        ms__out_lit(o, "}");
    }
    ms__out_lit(o, "]");
}

static void ms__loaded_json_sites(ms__out *o, memscope_tracker *t);

static void ms__json_sites(ms__out *o, memscope_tracker *t) {
    if (t->loaded) { ms__loaded_json_sites(o, t); return; }
    ms__out_key(o, "sites"); ms__out_lit(o, "[");
    uint32_t nsites = atomic_load_explicit(&ms__site_count, MS__ACQUIRE);
    unsigned char *used = (unsigned char *)ms__calloc(nsites ? nsites : 1, 1);
    if (used) {
        for (ms__thread *th = atomic_load_explicit(&t->threads, MS__ACQUIRE); th;
             th = atomic_load_explicit(&th->next, MS__RELAXED))
            for (uint32_t i = 0; i < nsites; i++) {
                ms__site_stat *c = ms__stat_chunk(th, i / MS__STAT_CHUNK);
                if (c && MS__LOAD(&c[i % MS__STAT_CHUNK].count)) used[i] = 1;
            }
        int first = 1;
        for (uint32_t i = 0; i < nsites; i++) {
            if (!used[i]) continue;
            const memscope_site *s = ms__site_by_id(i);
            if (!first) ms__out_lit(o, ",");
            ms__out_lit(o, "\n{\"id\":"); ms__out_u64(o, i);
            first = 0;
            ms__out_key(o, "var_name"); ms__out_str(o, s->var_name);
            ms__out_key(o, "type_name"); ms__out_str(o, s->type_name);
            ms__out_key(o, "file"); ms__out_str(o, s->file);
            ms__out_key(o, "line"); ms__out_u64(o, s->line);
            ms__out_lit(o, "}");
        }
        MEMSCOPE_FREE(used);
    } else {
        o->err = ENOMEM;
    }
    ms__out_lit(o, "]");
}

/* Every retained event in merged order, handed to emit; also sums bytes per stack for
   stack_hotspots. Returns the number of events. */
#endif /* MEMSCOPE_NO_JSON */

typedef void (*ms__emit_fn)(ms__out *o, void *ctx, uint32_t site, const memscope_event *ev, uint64_t index);
static uint64_t ms__loaded_each_event(ms__out *o, memscope_tracker *t, uint64_t *stack_bytes, uint64_t *stack_count,
                                      uint32_t nstacks, ms__emit_fn emit, void *ctx);

static uint64_t ms__each_event(ms__out *o, memscope_tracker *t, uint64_t *stack_bytes, uint64_t *stack_count,
                               uint32_t nstacks, ms__emit_fn emit, void *ctx) {
    if (t->loaded) return ms__loaded_each_event(o, t, stack_bytes, stack_count, nstacks, emit, ctx);
    double ratio = ms__clock_ratio();
    uint64_t count = 0;
    pthread_mutex_lock(&t->analysis_lock);
    ms__merge m;
    if (ms__merge_begin(t, &m)) {
        const ms__event *e;
        ms__thread *th;
        const ms__freeze *fz = ms__frozen && ms__frozen->t == t ? ms__frozen : NULL;
        while ((e = ms__merge_next(&m, &th))) {
            if (fz && e->ticks > fz->ticks) break; /* merged in time order: the rest is later */
            memscope_event ev;
            ms__event_public(t, e, th, ratio, &ev);
            emit(o, ctx, e->site, &ev, count++);
            if (ev.kind == MEMSCOPE_EVENT_ALLOC && ev.stack_id && ev.stack_id < nstacks) {
                stack_bytes[ev.stack_id] += ev.size;
                stack_count[ev.stack_id]++;
            }
            if (o->err) break;
        }
        ms__merge_end(&m);
    } else {
        o->err = ENOMEM;
    }
    pthread_mutex_unlock(&t->analysis_lock);
    return count;
}

#ifndef MEMSCOPE_NO_JSON /* the JSON writer: events, stacks */
static void ms__json_event(ms__out *o, void *ctx, uint32_t site, const memscope_event *ev, uint64_t index) {
    (void)ctx;
    if (index) ms__out_lit(o, ",");
    ms__out_lit(o, "\n{\"kind\":");
    if (ev->kind == MEMSCOPE_EVENT_FREE) ms__out_lit(o, "\"free\""); else ms__out_lit(o, "\"alloc\"");
    ms__out_key(o, "timestamp_ns"); ms__out_u64(o, ev->timestamp_ns);
    ms__out_key(o, "address"); ms__out_hex(o, ev->address);
    ms__out_key(o, "size"); ms__out_u64(o, ev->size);
    ms__out_key(o, "thread_id"); ms__out_u64(o, ev->thread_id);
    ms__out_key(o, "alloc_thread_id"); ms__out_u64(o, ev->alloc_thread_id);
    ms__out_key(o, "site"); ms__out_u64(o, site);
    ms__out_key(o, "stack"); ms__out_u64(o, ev->stack_id);
    ms__out_lit(o, "}");
}

static void ms__json_events(ms__out *o, memscope_tracker *t, uint64_t *stack_bytes, uint64_t *stack_count,
                            uint32_t nstacks) {
    ms__out_key(o, "events"); ms__out_lit(o, "[");
    ms__each_event(o, t, stack_bytes, stack_count, nstacks, ms__json_event, NULL);
    ms__out_lit(o, "]");
}

static void ms__json_frame(ms__out *o, const memscope_symbol *f) {
    ms__out_lit(o, "{\"address\":"); ms__out_hex(o, f->address);
    ms__out_key(o, "function"); ms__out_str(o, f->function);
    ms__out_key(o, "module"); ms__out_str(o, f->module);
    ms__out_key(o, "offset");
    if (f->has_offset) ms__out_u64(o, f->offset);
    else ms__out_lit(o, "null");
    ms__out_key(o, "file"); ms__out_str(o, f->file);
    ms__out_key(o, "line");
    if (f->file && f->line) ms__out_u64(o, f->line);
    else ms__out_lit(o, "null");
    if (f->inlined) ms__out_lit(o, ",\"inlined\":true");
    ms__out_lit(o, "}");
}

static void ms__json_stacks(ms__out *o, memscope_tracker *t, uint32_t nstacks,
                            const uint64_t *stack_bytes, const uint64_t *stack_count) {
    ms__out_key(o, "stacks"); ms__out_lit(o, "[");
    memscope_symbol *fr = (memscope_symbol *)ms__calloc(MS__SYMS_MAX, sizeof *fr);
    if (!fr) o->err = ENOMEM;
    memscope_stack_cost *cost = NULL;
    size_t ncost = fr ? memscope_stack_costs(t, &cost) : 0, ci = 0;
    int first = 1;
    for (uint32_t id = 1; fr && id < nstacks; id++) {
        if (!memscope_stack_frames(t, id, NULL, 0)) continue; /* (no such stack) */
        size_t n = memscope_stack_symbols(t, id, fr, MS__SYMS_MAX);
        if (!first) ms__out_lit(o, ",");
        first = 0;
        ms__out_lit(o, "\n{\"id\":"); ms__out_u64(o, id);
        ms__out_key(o, "frames"); ms__out_lit(o, "[");
        for (size_t f = 0; f < n && f < MS__SYMS_MAX; f++) {
            if (f) ms__out_lit(o, ",");
            ms__json_frame(o, &fr[f]);
        }
        ms__out_lit(o, "]");
        while (ci < ncost && cost[ci].stack_id < id) ci++;
        const memscope_stack_cost *c = ci < ncost && cost[ci].stack_id == id ? &cost[ci] : NULL;
        ms__out_key(o, "where");
        uint32_t w = c ? c->where : ms__where_of(fr, n < MS__SYMS_MAX ? n : MS__SYMS_MAX); /* (an unused stack) */
        if (w == UINT32_MAX) ms__out_lit(o, "null"); else ms__out_u64(o, w);
        memscope_stack_cost z;
        memset(&z, 0, sizeof z);
        if (!c) c = &z;
        ms__out_key(o, "allocations"); ms__out_u64(o, c->allocations);
        ms__out_key(o, "allocated_bytes"); ms__out_u64(o, c->allocated_bytes);
        ms__out_key(o, "leaked_count"); ms__out_u64(o, c->leaked_count);
        ms__out_key(o, "leaked_bytes"); ms__out_u64(o, c->leaked_bytes);
        ms__out_key(o, "peak_bytes"); ms__out_u64(o, c->peak_bytes);
        ms__out_key(o, "temporary"); ms__out_u64(o, c->temporary);
        ms__out_key(o, "first_leak_ns"); ms__out_u64(o, c->first_leak_ns);
        ms__out_key(o, "last_leak_ns"); ms__out_u64(o, c->last_leak_ns);
        ms__out_key(o, "suppressed");
        ms__out_str(o, !c->suppressed ? NULL : c->suppressed == MEMSCOPE_SUPPRESSED_FILE ? "file" : "builtin");
        ms__out_lit(o, "}");
    }
    free(cost);
    MEMSCOPE_FREE(fr);
    ms__out_lit(o, "]");
    ms__out_key(o, "stack_hotspots"); ms__out_lit(o, "[");
    /* sorted by bytes: selection over an index array */
    uint32_t *order = nstacks ? (uint32_t *)ms__calloc(nstacks, sizeof *order) : NULL;
    uint32_t n = 0;
    for (uint32_t id = 1; order && id < nstacks; id++) if (stack_count[id]) order[n++] = id;
    for (uint32_t i = 1; i < n; i++) { /* insertion sort by bytes desc, id asc */
        uint32_t v = order[i], j = i;
        while (j && (stack_bytes[order[j - 1]] < stack_bytes[v])) { order[j] = order[j - 1]; j--; }
        order[j] = v;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (i) ms__out_lit(o, ",");
        ms__out_lit(o, "\n{\"stack\":"); ms__out_u64(o, order[i]);
        ms__out_key(o, "total_size"); ms__out_u64(o, stack_bytes[order[i]]);
        ms__out_key(o, "allocation_count"); ms__out_u64(o, stack_count[order[i]]);
        ms__out_lit(o, "}");
    }
    MEMSCOPE_FREE(order);
    ms__out_lit(o, "]");
}

/* Little-endian encoders shared by the HTML records and the binary format. */
#endif /* MEMSCOPE_NO_JSON */

MS__MAYBE_UNUSED static void ms__put_le(unsigned char *p, uint64_t v, unsigned bytes) {
    for (unsigned i = 0; i < bytes; i++) p[i] = (unsigned char)(v >> (8 * i));
}

MS__MAYBE_UNUSED static void ms__put_f64(unsigned char *p, double d) {
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    ms__put_le(p, v, 8);
}

static uint32_t ms__loaded_nstacks(memscope_tracker *t);

/* What a JSON or HTML export needs around its writing: the atomic file, the report and the
   per-stack sums the event pass fills. */
typedef struct ms__export {
    ms__atomic_file f;
    memscope_report r;
    uint64_t *sb, *sc;
    uint32_t nstacks;
    int borrowed;                  /* r belongs to memscope_export_many */
} ms__export;

static memscope_result ms__export_begin(ms__export *x, memscope_tracker *t, const char *path, int html) {
    MS__ENTER(); /* until ms__export_end */
    memscope_result res = ms__file_begin(&x->f, path);
    if (res != MEMSCOPE_OK) { MS__LEAVE(); return res; }
    x->f.out->html = html;
    x->borrowed = ms__frozen && ms__frozen->t == t;
    x->r = x->borrowed ? ms__frozen->r : memscope_analyze(t);
    ms__stacks *st = atomic_load_explicit(&t->stacks, MS__ACQUIRE);
    x->nstacks = st ? atomic_load_explicit(&st->count, MS__ACQUIRE) : 0;
    if (t->loaded) x->nstacks = ms__loaded_nstacks(t);
    x->sb = (uint64_t *)ms__calloc(x->nstacks ? x->nstacks : 1, sizeof *x->sb);
    x->sc = (uint64_t *)ms__calloc(x->nstacks ? x->nstacks : 1, sizeof *x->sc);
    if (!x->sb || !x->sc) x->f.out->err = ENOMEM;
    return MEMSCOPE_OK;
}

static memscope_result ms__export_end(ms__export *x) {
    MEMSCOPE_FREE(x->sb);
    MEMSCOPE_FREE(x->sc);
    if (!x->borrowed) memscope_report_free(&x->r);
    int oom = x->f.out->err == ENOMEM;
    memscope_result res = ms__file_end(&x->f);
    MS__LEAVE();
    return res != MEMSCOPE_OK && oom ? MEMSCOPE_ERR_NO_MEMORY : res;
}

MEMSCOPE_DEF memscope_result memscope_export_json(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
#ifdef MEMSCOPE_NO_JSON
    return MEMSCOPE_ERR_UNSUPPORTED; /* compiled out */
#else
    ms__export x;
    memscope_result res = ms__export_begin(&x, t, path, 0);
    if (res != MEMSCOPE_OK) return res;
    ms__out *o = x.f.out;
    ms__json_report(o, t, &x.r);
    ms__json_sites(o, t);
    if (x.sb && x.sc) ms__json_events(o, t, x.sb, x.sc, x.nstacks);
    if (x.sb && x.sc) ms__json_stacks(o, t, x.nstacks, x.sb, x.sc);
    ms__out_lit(o, "}\n");
    return ms__export_end(&x);
#endif
}

/* a growable byte buffer: the binary writer, pprof, folded lines */
typedef struct ms__buf { unsigned char *p; size_t len, cap; int err; } ms__buf;

/* Room for n more bytes: 1, or 0 with err set. */
MS__MAYBE_UNUSED static int ms__buf_grow(ms__buf *b, size_t n) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    unsigned char *np = (unsigned char *)MEMSCOPE_MALLOC(cap);
    if (!np) { b->err = ENOMEM; return 0; }
    if (b->len) memcpy(np, b->p, b->len);
    MEMSCOPE_FREE(b->p);
    b->p = np;
    b->cap = cap;
    return 1;
}

MS__MAYBE_UNUSED static void ms__buf_put(ms__buf *b, const void *src, size_t n) {
    if (b->err || !n) return; /* (an empty buffer's NULL is a valid source of nothing) */
    if (b->len + n > b->cap && !ms__buf_grow(b, n)) return;
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

/* A varint at q (room for 10 bytes checked by the caller); returns the byte after it. */
MS__MAYBE_UNUSED static inline unsigned char *ms__vput(unsigned char *q, uint64_t v) {
    for (; v >= 128u; v >>= 7) *q++ = (unsigned char)(v | 128u);
    *q++ = (unsigned char)v;
    return q;
}

MS__MAYBE_UNUSED static void ms__buf_varint(ms__buf *b, uint64_t v) {
    if (b->err || (b->len + 10 > b->cap && !ms__buf_grow(b, 10))) return;
    b->len = (size_t)(ms__vput(b->p + b->len, v) - b->p);
}

/* A signed delta as an unsigned varint's value: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ... */
MS__MAYBE_UNUSED static inline uint64_t ms__zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
MS__MAYBE_UNUSED static void ms__buf_zigzag(ms__buf *b, int64_t v) {
    ms__buf_varint(b, ms__zigzag(v));
}

MS__MAYBE_UNUSED static void ms__buf_u64(ms__buf *b, uint64_t v) {
    unsigned char tmp[8];
    ms__put_le(tmp, v, 8);
    ms__buf_put(b, tmp, 8);
}

MS__MAYBE_UNUSED static void ms__buf_f64(ms__buf *b, double d) {
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    ms__buf_u64(b, v);
}


#if !defined(MEMSCOPE_NO_BINARY)
/* ---- the binary format (.msb): docs/FORMAT.md ----
   Header, then sections {u32 type, u32 flags, u64 length, payload, u32 CRC-32 of the 16
   header bytes and the payload}. Each section is built in a growable buffer and written
   whole; events go out in blocks of MS__MSB_BLOCK, so memory stays bounded whatever the
   event count. */
enum { MS__MSB_META = 1, MS__MSB_STRINGS, MS__MSB_SITES, MS__MSB_STACKS, MS__MSB_EVENTS,
       MS__MSB_SNAPSHOTS, MS__MSB_THREADS, MS__MSB_HOTSPOTS, MS__MSB_END, MS__MSB_LINES, MS__MSB_MODULES,
       MS__MSB_INLINED, MS__MSB_EXIT };
#define MS__MSB_BLOCK 65536u
#define MS__MSB_CACHE 7
_Static_assert(MS__MSB_CACHE == 7, "ms__msb_event shifts the address cache slot by slot");
/* Address prediction (section flag 2, 1.2): the last address of each size class, class =
   (size + 23) / 16 up to 255: glibc's bins of 16 bytes, whose blocks an allocator hands out
   again last-freed first, so an allocation mostly lands where the last block of its class was. */
#define MS__MSB_CLASSES 256u
static inline unsigned ms__msb_class(uint64_t size) {
    return size >= (uint64_t)MS__MSB_CLASSES * 16u - 23u ? MS__MSB_CLASSES - 1u : (unsigned)((size + 23u) >> 4);
}
/* META's fields: id, name (docs/FORMAT.md's, upper case), wire type. make check-toc compares
   this list with docs/FORMAT.md's table. */
#define MS__META_FIELDS(X) \
    X(1, START_TIME_UNIX_MS, VARINT) \
    X(2, DURATION_NS, VARINT) \
    X(3, SAMPLE_RATE, F64) \
    X(4, CAPTURE_CALL_STACK, VARINT) \
    X(5, MAX_STACK_DEPTH, VARINT) \
    X(6, GENERATOR, STR) \
    X(7, PID, VARINT) \
    X(8, NS_PER_TICK, F64) \
    X(9, DURATION_SEC, F64) \
    X(10, ALLOCATION_RATE_PER_SEC, F64) \
    X(11, DEALLOCATION_RATE_PER_SEC, F64) \
    X(12, SAMPLE_BYTES, VARINT) \
    X(13, PROGRAM, STR) \
    X(14, PPID, VARINT) \
    X(15, STREAMED, VARINT) \
    X(16, COMMAND_LINE, STR) \
    X(17, CWD, STR) \
    X(18, EXIT, VARINT) \
    X(19, WHOLE_PROGRAM, VARINT)
enum { MS__WIRE_VARINT = 0, MS__WIRE_F64 = 1, MS__WIRE_STR = 2 };
#define MS__META_ENUM(id, name, wire) MS__META_##name = id,
enum { MS__META_FIELDS(MS__META_ENUM) MS__META_LAST };
#undef MS__META_ENUM
#define MS__META_WIRE(id, name, wire) MS__WIRE_##wire,
static const unsigned char ms__meta_wire[] = {0, MS__META_FIELDS(MS__META_WIRE)}; /* by id */
#undef MS__META_WIRE

/* CRC-32 (zlib's), eight bytes per step ("slicing by 8"). */
static uint32_t ms__crc_tab[8][256];
static pthread_once_t ms__crc_once = PTHREAD_ONCE_INIT;
static void ms__crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        ms__crc_tab[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (uint32_t i = 0; i < 256; i++)
            ms__crc_tab[k][i] = (ms__crc_tab[k - 1][i] >> 8) ^ ms__crc_tab[0][ms__crc_tab[k - 1][i] & 255u];
}

static uint32_t ms__crc32(uint32_t crc, const unsigned char *p, size_t n) {
    pthread_once(&ms__crc_once, ms__crc_init);
    uint32_t (*t)[256] = ms__crc_tab;
    crc = ~crc;
    for (; n >= 8; p += 8, n -= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        crc = t[7][lo & 255u] ^ t[6][(lo >> 8) & 255u] ^ t[5][(lo >> 16) & 255u] ^ t[4][lo >> 24] ^
              t[3][hi & 255u] ^ t[2][(hi >> 8) & 255u] ^ t[1][(hi >> 16) & 255u] ^ t[0][hi >> 24];
    }
    for (size_t i = 0; i < n; i++) crc = t[0][(crc ^ p[i]) & 255u] ^ (crc >> 8);
    return ~crc;
}

/* Addresses in allocation order (section flag 4, file 1.3; docs/FORMAT.md): per size class the
   last MS__MSB_FREED addresses freed, newest on top (an allocator hands a freed block of a bin
   out again last-freed first: an ALLOC names the top, or a depth, of its class's stack), and
   the number of every address's last ALLOC (a FREE names "the ALLOC k ALLOCs ago", k <= 256;
   the reader keeps those 256 addresses). The table is direct-mapped by address: a collision
   only costs a cache slot or a literal. */
#define MS__MSB_FREED 16u
#define MS__MSB_RING 256u
/* The columns of an EVENTS payload with section flag 16 (file 1.4, docs/FORMAT.md): after the
   count, the byte lengths of columns 1 to 6, then the N tags and columns 1 to 7 (the timestamp
   deltas fill the rest). Each holds its kind of field of every event that has one, in order. */
enum { MS__COL_TAG, MS__COL_THREAD, MS__COL_SITE, MS__COL_SIZE, MS__COL_ID, MS__COL_ADDR, MS__COL_ABYTE,
       MS__COL_TIME, MS__COLS };
#define MS__MSB_ATAB 1024u
typedef struct ms__msb_order {
    uint64_t freed[MS__MSB_CLASSES][MS__MSB_FREED]; /* a ring per class: place i from the bottom at (bottom + i) % 16 */
    unsigned char bottom[MS__MSB_CLASSES], nfreed[MS__MSB_CLASSES];
    int reader;                                    /* keeps the ring of ALLOCs */
    uint64_t allocs;                               /* ALLOC events so far */
    struct { uint64_t addr, n; } tab[MS__MSB_ATAB]; /* the writer's: address -> its last ALLOC's number */
    uint64_t ring[MS__MSB_RING];                    /* the reader's: the last 256 ALLOCs' addresses */
} ms__msb_order;
static inline size_t ms__msb_atab(uint64_t a) { return (size_t)((a * 0x9E3779B97F4A7C15ull) >> 54); }
/* Place i (0 = the bottom) of a class's freed addresses. */
static inline uint64_t *ms__msb_freed_at(ms__msb_order *d, unsigned cls, unsigned i) {
    return &d->freed[cls][(d->bottom[cls] + i) & (MS__MSB_FREED - 1u)];
}
/* The topmost place of a in its class's freed addresses, or -1. */
static inline int ms__msb_freed_find(ms__msb_order *d, unsigned cls, uint64_t a) {
    for (int i = (int)d->nfreed[cls] - 1; i >= 0; i--)
        if (*ms__msb_freed_at(d, cls, (unsigned)i) == a) return i;
    return -1;
}
/* The state after an event (both sides): a FREE's address goes on top of its class's freed
   addresses (the bottom one leaves when 16 are there); an ALLOC's leaves them (at the place
   found, or -1) and becomes the newest ALLOC. */
static inline void ms__msb_order_after(ms__msb_order *d, int is_free, unsigned cls, uint64_t a, int at) {
    unsigned n = d->nfreed[cls];
    if (is_free) {
        if (n == MS__MSB_FREED) {
            d->bottom[cls] = (unsigned char)((d->bottom[cls] + 1u) & (MS__MSB_FREED - 1u));
            n--;
        }
        *ms__msb_freed_at(d, cls, n) = a;
        d->nfreed[cls] = (unsigned char)(n + 1);
        return;
    }
    if (at >= 0) {
        for (unsigned i = (unsigned)at; i + 1 < n; i++) *ms__msb_freed_at(d, cls, i) = *ms__msb_freed_at(d, cls, i + 1);
        d->nfreed[cls] = (unsigned char)(n - 1);
    }
    if (d->reader) d->ring[d->allocs % MS__MSB_RING] = a;
    d->allocs++;
}

/* String interning for one export: index 1.. in the order first seen, 0 = NULL. New
   strings wait in `pending` until ms__msb_flush_strings writes them. */
typedef struct ms__msb {
    ms__out *o;
    ms__buf sec, pending;
    uint32_t pending_count, nstrings;
    const char **keys;      /* open addressing on string content */
    uint32_t *vals;
    size_t slots;
    uint32_t str_epoch;     /* this table's number (ms__msb_str): names cached with it stay valid */
    /* event encoder state */
    ms__buf ev;             /* the events; in columns (w->ord, section flag 16): their tags */
    ms__buf col[MS__COLS];  /* ... and the other columns (col[0] unused), in colmem */
    ms__buf *colp[MS__COLS], *evp[MS__COLS]; /* where each field goes: ev, then col[...]; ev for all */
    unsigned char *colmem;  /* one block for them all (ms__msb_cols) */
    size_t colcap;          /* ... each column's share of it */
    size_t ev_total;        /* bytes in ev and col[] */
    uint32_t ev_count;
    uint64_t total_events, prev_ts, prev_lit;
    uint32_t cur_thread, cur_site;
    uint64_t cache[MS__MSB_CACHE];
    uint64_t cls[MS__MSB_CLASSES];  /* the last address of each size class */
    int predict;            /* a stream: addresses in allocation order (section flag 4, file 1.3) */
    ms__msb_order *ord;     /* ... their state, made at the first event */
    uint64_t *site_size;
    uint32_t *site_stack;
    uint32_t nsites;
    int err;
    int own;                /* a stream: strings are copied (a library may be unloaded meanwhile) */
    void *zctx;             /* a stream: EVENTS payloads through zstd (ms__zstd) when set */
    int zlazy;              /* a stream: zstd wanted, loaded at the first section worth it */
    ms__buf z;
    uint64_t raw_bytes;     /* EVENTS payload bytes before compression */
    ms__buf mods;           /* MODULES entries not yet written */
    uint32_t nmods;
    ms__buf inl;            /* INLINED entries of the stacks being written */
    uint32_t ninl;
    unsigned char mod_done[(MS__SYMMODS + 7) / 8]; /* the process's modules already in the file */
} ms__msb;

/* zstd through dlopen (libzstd.so.1, on nearly every Linux system): no header or library
   needed to build. A stream compresses each EVENTS payload (section flag 1, docs/FORMAT.md);
   the reader needs the library only for a file that has such sections. */
/* ZSTD_customMem: the compressor's memory by ms__map_nofork (its tables are rewritten at
   every section: shared with a forked child, each page would be a copy-on-write fault in the
   parent). The size is kept in front of the block. */
typedef struct ms__zstd_mem { void *(*alloc)(void *, size_t); void (*free)(void *, void *); void *opaque; } ms__zstd_mem;
static void *ms__zstd_alloc(void *opaque, size_t n) {
    (void)opaque;
    if (n > SIZE_MAX - 64) return NULL;
    unsigned char *p = (unsigned char *)ms__map_nofork(n + 64);
    if (!p) return NULL;
    memcpy(p, &n, sizeof n);
    return p + 64;
}
static void ms__zstd_release(void *opaque, void *a) {
    (void)opaque;
    if (!a) return;
    size_t n;
    unsigned char *p = (unsigned char *)a - 64;
    memcpy(&n, p, sizeof n);
    munmap(p, n + 64);
}
typedef struct ms__zstd_api {
    size_t (*bound)(size_t);
    void *(*create_cctx)(void);
    void *(*create_cctx_mem)(struct ms__zstd_mem); /* ZSTD_createCCtx_advanced; NULL: absent */
    size_t (*free_cctx)(void *);
    size_t (*compress_cctx)(void *, void *, size_t, const void *, size_t, int);
    size_t (*decompress)(void *, size_t, const void *, size_t);
    unsigned long long (*content_size)(const void *, size_t);
    unsigned (*is_error)(size_t);
} ms__zstd_api;
static ms__zstd_api ms__zstd;
static int ms__zstd_ok;
static pthread_once_t ms__zstd_once = PTHREAD_ONCE_INIT;
static void ms__zstd_open(void) {
    void *lib = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;
    void *f[7] = {dlsym(lib, "ZSTD_compressBound"), dlsym(lib, "ZSTD_createCCtx"), dlsym(lib, "ZSTD_freeCCtx"),
                  dlsym(lib, "ZSTD_compressCCtx"), dlsym(lib, "ZSTD_decompress"), dlsym(lib, "ZSTD_getFrameContentSize"),
                  dlsym(lib, "ZSTD_isError")};
    for (int i = 0; i < 7; i++) if (!f[i]) { dlclose(lib); return; }
    memcpy(&ms__zstd.bound, &f[0], sizeof f[0]);
    memcpy(&ms__zstd.create_cctx, &f[1], sizeof f[1]);
    memcpy(&ms__zstd.free_cctx, &f[2], sizeof f[2]);
    memcpy(&ms__zstd.compress_cctx, &f[3], sizeof f[3]);
    memcpy(&ms__zstd.decompress, &f[4], sizeof f[4]);
    memcpy(&ms__zstd.content_size, &f[5], sizeof f[5]);
    memcpy(&ms__zstd.is_error, &f[6], sizeof f[6]);
    void *adv = dlsym(lib, "ZSTD_createCCtx_advanced"); /* (libzstd 1.0 and later export it) */
    if (adv) memcpy(&ms__zstd.create_cctx_mem, &adv, sizeof adv);
    ms__zstd_ok = 1; /* the library stays loaded for the process */
}
static int ms__zstd_load(void) {
    pthread_once(&ms__zstd_once, ms__zstd_open);
    return ms__zstd_ok;
}
#define MS__MSB_ZSTD 1u                  /* section flag: the payload is one zstd frame */
#define MS__MSB_PREDICT 2u               /* section flag (EVENTS, 1.2): address mode 0 is the size
                                            class's last address, modes 1-6 the cache's slots 0-5 */
#define MS__MSB_ORDER 4u                 /* section flag (EVENTS, 1.3): addresses in allocation order,
                                            modes 0 and 6 (ms__msb_order), 1-5 the cache's slots 0-4 */
#define MS__MSB_USEC 8u                  /* section flag (EVENTS, 1.3): timestamp deltas in microseconds
                                            (a stream's times are whole microseconds: MS__STREAM_TIME_NS) */
#define MS__MSB_COLS 16u                 /* section flag (EVENTS, 1.4): the events' fields in columns, one
                                            per kind (MS__COL_*): zstd finds the repeats of each kind */
#define MS__ZSTD_MAX ((size_t)4 << 20)   /* a reader's bound on a section's decompressed size: 65 536
                                            events of at most 51 bytes, and room */
#define MS__ZSTD_RATIO 4096u             /* ... and on all of them: 4096 x their stored size + 64 MiB
                                            (a steady run of identical events compresses a thousand-fold) */

static uint64_t ms__str_hash(const char *s) {
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static _Atomic uint32_t ms__str_epochs; /* string tables made (ms__msb str_epoch) */
static uint32_t ms__msb_str(ms__msb *w, const char *s) {
    if (!s) return 0;
    if (w->nstrings + 1 > w->slots / 2) { /* grow the table */
        size_t slots = w->slots ? w->slots * 2 : 1024;
        if (!w->slots) w->str_epoch = atomic_fetch_add_explicit(&ms__str_epochs, 1, MS__RELAXED) + 1;
        const char **nk = (const char **)ms__calloc(slots, sizeof *nk);
        uint32_t *nv = (uint32_t *)ms__calloc(slots, sizeof *nv);
        if (!nk || !nv) { MEMSCOPE_FREE((void *)nk); MEMSCOPE_FREE(nv); w->err = ENOMEM; return 0; }
        for (size_t i = 0; i < w->slots; i++) {
            if (!w->keys[i]) continue;
            size_t j = (size_t)ms__str_hash(w->keys[i]) & (slots - 1);
            while (nk[j]) j = (j + 1) & (slots - 1);
            nk[j] = w->keys[i];
            nv[j] = w->vals[i];
        }
        MEMSCOPE_FREE((void *)w->keys);
        MEMSCOPE_FREE(w->vals);
        w->keys = nk;
        w->vals = nv;
        w->slots = slots;
    }
    size_t j = (size_t)ms__str_hash(s) & (w->slots - 1);
    while (w->keys[j]) {
        if (strcmp(w->keys[j], s) == 0) return w->vals[j];
        j = (j + 1) & (w->slots - 1);
    }
    if (w->own) { /* a stream outlives what the names point into */
        char *copy = ms__strdup(s);
        if (!copy) { w->err = ENOMEM; return 0; }
        s = copy;
    }
    w->keys[j] = s; /* an export's strings outlive it: sites, dladdr names, report */
    w->vals[j] = ++w->nstrings;
    size_t n = strlen(s);
    ms__buf_varint(&w->pending, n);
    ms__buf_put(&w->pending, s, n);
    w->pending_count++;
    return w->vals[j];
}

static void ms__msb_section_f(ms__msb *w, uint32_t type, uint32_t flags, const unsigned char *payload, size_t len) {
    unsigned char h[16];
    ms__put_le(h, type, 4);
    ms__put_le(h + 4, flags, 4);
    ms__put_le(h + 8, len, 8);
    uint32_t crc = ms__crc32(ms__crc32(0, h, 16), payload, len);
    unsigned char c[4];
    ms__put_le(c, crc, 4);
    ms__out_mem(w->o, (const char *)h, 16);
    if (len) ms__out_mem(w->o, (const char *)payload, len);
    ms__out_mem(w->o, (const char *)c, 4);
}
static void ms__msb_section(ms__msb *w, uint32_t type, const unsigned char *payload, size_t len) {
    ms__msb_section_f(w, type, 0, payload, len);
}

static void ms__msb_flush_strings(ms__msb *w) {
    if (!w->pending_count) return;
    ms__buf s = {NULL, 0, 0, 0};
    ms__buf_varint(&s, w->pending_count);
    ms__buf_put(&s, w->pending.p, w->pending.len);
    if (s.err) w->err = s.err;
    else ms__msb_section(w, MS__MSB_STRINGS, s.p, s.len);
    MEMSCOPE_FREE(s.p);
    w->pending.len = 0;
    w->pending_count = 0;
}

/* Writes the section built in w->sec with these flags, after the strings it introduced. A
   stream's EVENTS (1.1) and, in a 1.2 or later file, its STACKS, LINES and INLINED go through zstd
   (flag 1) where that makes them smaller and they decompress to at most the 4 MiB a reader
   allows. */
#define MS__ZSTD_LAZY_BYTES 16384u /* a stream loads zstd at its first section this large: a process
                                     that records little (a shell's child) never pays for it */
static _Atomic int ms__stream_behind; /* the writer does not keep up: zstd level 1, else 3 (ms__writer_loop) */
static void ms__msb_emit_f(ms__msb *w, uint32_t type, uint32_t flags) {
    if (w->sec.err || w->pending.err) w->err = ENOMEM;
    if (w->err) return;
    ms__msb_flush_strings(w);
    if (MS__UNLIKELY(w->zlazy) && w->sec.len >= MS__ZSTD_LAZY_BYTES) {
        w->zlazy = 0; /* (no memory or no library: the sections stay as they are) */
        if (ms__zstd_load()) {
            ms__zstd_mem mem = {ms__zstd_alloc, ms__zstd_release, NULL};
            w->zctx = ms__zstd.create_cctx_mem ? ms__zstd.create_cctx_mem(mem) : ms__zstd.create_cctx();
        }
    }
    int squeeze = w->zctx && w->sec.len <= MS__ZSTD_MAX &&
                  (type == MS__MSB_EVENTS || (w->predict && (type == MS__MSB_STACKS || type == MS__MSB_LINES || type == MS__MSB_INLINED)));
    if (squeeze) {
        size_t cap = ms__zstd.bound(w->sec.len);
        w->z.len = 0;
        if (w->z.cap >= cap || ms__buf_grow(&w->z, cap)) { /* (not grown: written as it is) */
            const int level = atomic_load_explicit(&ms__stream_behind, memory_order_relaxed) ? 1 : 3;
            size_t n = ms__zstd.compress_cctx(w->zctx, w->z.p, w->z.cap, w->sec.p, w->sec.len, level);
            if (!ms__zstd.is_error(n) && n < w->sec.len) {
                ms__msb_section_f(w, type, flags | MS__MSB_ZSTD, w->z.p, n);
                w->sec.len = 0;
                return;
            }
        }
    }
    ms__msb_section_f(w, type, flags, w->sec.p, w->sec.len);
    w->sec.len = 0;
}
static void ms__msb_emit(ms__msb *w, uint32_t type) { ms__msb_emit_f(w, type, 0); }

static void ms__msb_flush_events(ms__msb *w) {
    if (!w->ev_count) return;
    ms__buf_varint(&w->sec, w->ev_count);
    if (w->ord) { /* the lengths of columns 1 to 6, the tags, then the columns */
        for (unsigned c = MS__COL_THREAD; c < MS__COL_TIME; c++) ms__buf_varint(&w->sec, w->col[c].len);
        ms__buf_put(&w->sec, w->ev.p, w->ev.len);
        for (unsigned c = MS__COL_THREAD; c < MS__COLS; c++) {
            ms__buf_put(&w->sec, w->col[c].p, w->col[c].len);
            w->col[c].len = 0;
        }
    } else {
        ms__buf_put(&w->sec, w->ev.p, w->ev.len);
    }
    if (w->ev.err) w->err = ENOMEM;
    w->raw_bytes += w->sec.len;
    ms__msb_emit_f(w, MS__MSB_EVENTS, w->ord ? MS__MSB_ORDER | MS__MSB_USEC | MS__MSB_COLS : 0u);
    w->ev.len = 0;
    w->ev_total = 0;
    w->ev_count = 0;
}

/* A varint onto a column (room checked by the caller); returns its bytes. */
static inline size_t ms__col_put(ms__buf *b, uint64_t v) {
    unsigned char *q = b->p + b->len;
    size_t n = (size_t)(ms__vput(q, v) - q);
    b->len += n;
    return n;
}
/* Columns for the events (section flag 16): each as large as the tags' buffer, whose capacity
   bounds them all together (ms__msb_event), in one block (a process that records little
   maps and unmaps it once); 0 without the memory. */
static int ms__msb_cols(ms__msb *w) {
    if (w->ev.len || (w->ev.cap < 4096 && !ms__buf_grow(&w->ev, 4096))) return 0;
    if (w->colcap < w->ev.cap) {
        MEMSCOPE_FREE(w->colmem);
        w->colcap = 0;
        w->colmem = (unsigned char *)MEMSCOPE_MALLOC((MS__COLS - 1) * w->ev.cap);
        if (!w->colmem) return 0;
        w->colcap = w->ev.cap;
    }
    w->colp[MS__COL_TAG] = &w->ev;
    for (unsigned c = MS__COL_THREAD; c < MS__COLS; c++) {
        ms__buf b = {w->colmem + (c - 1u) * w->colcap, 0, w->colcap, 0};
        w->col[c] = b;
        w->colp[c] = &w->col[c];
    }
    return 1;
}
static void ms__msb_event(ms__out *o, void *ctx, uint32_t site, const memscope_event *ev, uint64_t index) {
    (void)o; (void)index;
    ms__msb *w = (ms__msb *)ctx;
    int is_free = ev->kind == MEMSCOPE_EVENT_FREE;
    int tracked = site < w->nsites; /* a site registered during the export: always explicit */
    unsigned tag = is_free ? 1u : 0u;
    if (ev->thread_id != w->cur_thread) tag |= 2u;
    if (site != w->cur_site) tag |= 4u;
    if (!tracked || w->site_size[site] != ev->size) tag |= 8u;
    if (is_free ? ev->alloc_thread_id != ev->thread_id : (!tracked || w->site_stack[site] != ev->stack_id)) tag |= 16u;
    /* mode: in allocation order (a stream), 0 = an ALLOC's class's last freed address or a
       FREE's last ALLOC, 6 = a byte follows (a depth in that stack, or k - 2 of the ALLOC k
       ALLOCs ago), 1-5 = cache slots 0-4; otherwise 0-6 = cache slots 0-6; 7 = a literal */
    unsigned slot = MS__MSB_CACHE, mode = 7u, cls = ms__msb_class(ev->size), extra = 0;
    int at = -1;
    if (MS__UNLIKELY(w->predict && !w->ord)) {
        /* (only before the first event: every EVENTS section of the file has the flag or none) */
        /* mapped: a short process touches the few pages of the size classes it uses */
        w->ord = w->total_events || w->ev_count ? NULL : (ms__msb_order *)ms__map_anon(sizeof *w->ord);
        if (w->ord && !ms__msb_cols(w)) { munmap(w->ord, sizeof *w->ord); w->ord = NULL; }
        if (!w->ord) w->predict = 0;
    }
    ms__msb_order *d = w->ord;
    if (d) {
        if (is_free) {
            const size_t h = ms__msb_atab(ev->address);
            const uint64_t k = d->allocs - d->tab[h].n;
            if (d->tab[h].addr == ev->address && k >= 1 && k <= MS__MSB_RING) {
                mode = k == 1 ? 0u : 6u;
                extra = k == 1 ? 0u : (unsigned)(k - 2);
            }
        } else {
            at = ms__msb_freed_find(d, cls, ev->address);
            if (at >= 0 && at == (int)d->nfreed[cls] - 1) mode = 0;
        }
        for (unsigned i = 0; mode == 7u && i < 5; i++)
            if (w->cache[i] == ev->address) { slot = i; mode = i + 1; }
        if (mode == 7u && at >= 0) { mode = 6; extra = d->nfreed[cls] - 2u - (unsigned)at; }
    } else {
        for (unsigned i = 0; i < MS__MSB_CACHE; i++)
            if (w->cache[i] == ev->address) { slot = i; mode = i; break; }
    }
    tag |= mode << 5;
    uint64_t dt = ev->timestamp_ns - w->prev_ts;
    if (d) dt /= 1000u; /* (microseconds: MS__MSB_USEC) */
    /* at most a tag and six varints: 1 + 5 + 5 + 10 + 10 + 10 + 10 bytes; in columns
       (MS__MSB_COLS) each is at least that far from full while the total is (ms__msb_cols) */
    if (w->ev.err || (w->ev_total + 64 > w->ev.cap && (d || !ms__buf_grow(&w->ev, 64)))) {
        w->err = ENOMEM;
        if (!o->err) o->err = w->err;
        return;
    }
    /* each field onto its column, or all onto the events' buffer in the order of the fields */
    if (!d && MS__UNLIKELY(w->evp[0] != &w->ev))
        for (unsigned c = 0; c < MS__COLS; c++) w->evp[c] = &w->ev;
    ms__buf *const *col = d ? w->colp : w->evp;
    w->ev.p[w->ev.len++] = (unsigned char)tag;
    size_t n = 1;
    if (tag & 2u) n += ms__col_put(col[MS__COL_THREAD], ev->thread_id);
    if (tag & 4u) n += ms__col_put(col[MS__COL_SITE], site);
    if (tag & 8u) n += ms__col_put(col[MS__COL_SIZE], ev->size);
    if (tag & 16u) n += ms__col_put(col[MS__COL_ID], is_free ? ev->alloc_thread_id : ev->stack_id);
    if (mode == 7u) {
        n += ms__col_put(col[MS__COL_ADDR], ms__zigzag((int64_t)(ev->address - w->prev_lit)));
        w->prev_lit = ev->address;
    } else if (mode == 6u && d) {
        ms__buf *b = col[MS__COL_ABYTE];
        b->p[b->len++] = (unsigned char)extra;
        n++;
    }
    w->ev_total += n + ms__col_put(col[MS__COL_TIME], dt);
    /* the decoder's state, mirrored */
    w->prev_ts += d ? dt * 1000u : dt;
    w->cur_thread = ev->thread_id;
    w->cur_site = site;
    if (tracked) {
        w->site_size[site] = ev->size;
        if (!is_free) w->site_stack[site] = ev->stack_id;
    }
    unsigned from = slot < MS__MSB_CACHE ? slot : MS__MSB_CACHE - 1;
    { /* slots 1..from take the one before: six selects, no loop whose length varies */
        uint64_t *c = w->cache;
        const uint64_t c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], c4 = c[4], c5 = c[5], c6 = c[6];
        c[1] = from >= 1 ? c0 : c1;
        c[2] = from >= 2 ? c1 : c2;
        c[3] = from >= 3 ? c2 : c3;
        c[4] = from >= 4 ? c3 : c4;
        c[5] = from >= 5 ? c4 : c5;
        c[6] = from >= 6 ? c5 : c6;
        c[0] = ev->address;
    }
    w->cls[cls] = ev->address;
    if (d) {
        if (!is_free) {
            const size_t h = ms__msb_atab(ev->address);
            d->tab[h].addr = ev->address;
            d->tab[h].n = d->allocs;
        }
        ms__msb_order_after(d, is_free, cls, ev->address, at);
    }
    w->total_events++;
    if (++w->ev_count == MS__MSB_BLOCK) ms__msb_flush_events(w);
    if (w->err && !o->err) o->err = w->err;
}

static uint32_t ms__loaded_site_span(memscope_tracker *t);
static void ms__loaded_msb_sites(memscope_tracker *t, ms__msb *w);
static void ms__loaded_msb_stacks(memscope_tracker *t, ms__msb *w, ms__buf *ln, uint32_t *nln);

static double ms__loaded_ratio(memscope_tracker *t);
static void ms__msb_meta_f64(ms__buf *b, unsigned id, double v) { ms__buf_varint(b, id); ms__buf_varint(b, MS__WIRE_F64); ms__buf_f64(b, v); }
static void ms__msb_meta_u64(ms__buf *b, unsigned id, uint64_t v) { ms__buf_varint(b, id); ms__buf_varint(b, MS__WIRE_VARINT); ms__buf_varint(b, v); }

static void ms__msb_free(ms__msb *w) {
    if (w->ord) munmap(w->ord, sizeof *w->ord);
    if (w->zctx) ms__zstd.free_cctx(w->zctx);
    MEMSCOPE_FREE(w->z.p);
    MEMSCOPE_FREE(w->sec.p);
    MEMSCOPE_FREE(w->pending.p);
    MEMSCOPE_FREE(w->ev.p);
    MEMSCOPE_FREE(w->colmem);
    if (w->own)
        for (size_t i = 0; i < w->slots; i++) MEMSCOPE_FREE((void *)w->keys[i]);
    MEMSCOPE_FREE((void *)w->keys);
    MEMSCOPE_FREE(w->vals);
    MEMSCOPE_FREE(w->site_size);
    MEMSCOPE_FREE(w->site_stack);
    MEMSCOPE_FREE(w->mods.p);
    MEMSCOPE_FREE(w->inl.p);
}

/* Names by return address: a stream names the same frames again and again (and each
   forked child would name them all again). A direct-mapped index of 4096 slots, owned by one
   writer, over names kept in the order they were found, in chunks allocated as needed: a
   forked child reads the names its parent found and writes its own to pages of its own
   (slots holding a name of about 300 bytes each were a copy-on-write fault per name in every
   child). When MS__SYMREC_CHUNKS chunks are full, the cache starts over. Beside each name,
   in chunks of their own (a child's writes stay off its parent's pages), the numbers its
   strings have in the writer's string table (ids_epoch: that table's str_epoch), so that a
   frame named before costs no hashing of its strings. (cc1 of a small C file: 5 559 stacks,
   101 219 frames at 3 803 addresses; 512 slots and 1 024 names missed most of them.) */
#define MS__SYMCACHE 4096u
#define MS__SYMREC_CHUNK 64u
#define MS__SYMREC_CHUNKS 64u
typedef struct ms__symrec { int ok; ms__symres r; } ms__symrec;
typedef struct ms__symids { uint32_t set, fn, mod, file; } ms__symids; /* set: 1 when the others are */
typedef struct ms__symcache {
    uintptr_t addr[MS__SYMCACHE];
    uint32_t gen[MS__SYMCACHE], rec[MS__SYMCACHE]; /* rec: 1 + the name's number; 0: none */
    ms__symrec *chunk[MS__SYMREC_CHUNKS];
    ms__symids *ids[MS__SYMREC_CHUNKS];
    uint32_t nrec;                                  /* names kept */
    uint32_t ids_epoch;                             /* the string table ids[] refers to; 0: none */
} ms__symcache;
static void ms__symcache_free(ms__symcache *c) {
    if (!c) return;
    for (unsigned i = 0; i < MS__SYMREC_CHUNKS; i++) {
        MEMSCOPE_FREE(c->chunk[i]);
        MEMSCOPE_FREE(c->ids[i]);
    }
    MEMSCOPE_FREE(c);
}
static void ms__symcache_ids_clear(ms__symcache *c) {
    for (unsigned i = 0; i < MS__SYMREC_CHUNKS && c->ids[i]; i++) memset(c->ids[i], 0, MS__SYMREC_CHUNK * sizeof *c->ids[i]);
}
/* The name of the frame at return address addr: the cache's record (c not NULL and room for
   it), else *tmp filled; *rec: 1 + the record's number, 0 for *tmp. */
static const ms__symrec *ms__sym_cached(ms__symcache *c, uintptr_t addr, ms__symrec *tmp, uint32_t *rec) {
    size_t i = c ? (size_t)(ms__mix64(addr) & (MS__SYMCACHE - 1)) : 0;
    uint32_t gen = atomic_load_explicit(&ms__sym_gen, MS__RELAXED);
    *rec = 0;
    if (c && c->rec[i] && c->addr[i] == addr && c->gen[i] == gen) {
        *rec = c->rec[i];
        return &c->chunk[(c->rec[i] - 1) / MS__SYMREC_CHUNK][(c->rec[i] - 1) % MS__SYMREC_CHUNK];
    }
    /* an export (no cache) names from separate debug files too; a stream leaves that to the report */
    ms__symres *r = &tmp->r;
    tmp->ok = ms__names_offline ? ms__sym_lookup_module(addr - 1, r) : ms__sym_lookup_lines(addr - 1, r, c ? 1 : 3);
    if (!c) return tmp;
    if (c->nrec == MS__SYMREC_CHUNK * MS__SYMREC_CHUNKS) { /* full: start over */
        memset(c->rec, 0, sizeof c->rec);
        c->nrec = 0;
        ms__symcache_ids_clear(c);
    }
    ms__symrec **ch = &c->chunk[c->nrec / MS__SYMREC_CHUNK];
    if (!*ch && !(*ch = (ms__symrec *)MEMSCOPE_MALLOC(MS__SYMREC_CHUNK * sizeof **ch))) return tmp;
    ms__symids **ids = &c->ids[c->nrec / MS__SYMREC_CHUNK];
    if (!*ids && !(*ids = (ms__symids *)ms__calloc(MS__SYMREC_CHUNK, sizeof **ids))) return tmp;
    ms__symrec *x = &(*ch)[c->nrec % MS__SYMREC_CHUNK];
    *x = *tmp;
    (*ids)[c->nrec % MS__SYMREC_CHUNK].set = 0;
    c->addr[i] = addr;
    c->gen[i] = gen;
    c->rec[i] = ++c->nrec;
    *rec = c->rec[i];
    return x;
}

/* One MODULES entry (docs/FORMAT.md): path, build id, load bias, address range. */
static void ms__msb_module_entry(ms__msb *w, const char *path, const char *build_id, uint64_t bias, uint64_t lo, uint64_t hi) {
    ms__buf_varint(&w->mods, ms__msb_str(w, path));
    ms__buf_varint(&w->mods, ms__msb_str(w, build_id));
    ms__buf_varint(&w->mods, bias);
    ms__buf_varint(&w->mods, lo);
    ms__buf_varint(&w->mods, hi);
    w->nmods++;
}

/* A frame's INLINED entry: the count, then each inlined call's function and call site. */
static void ms__msb_inl_frame(ms__msb *w, const ms__inlf *inl, uint32_t n) {
    ms__buf_varint(&w->inl, n);
    for (uint32_t i = 0; i < n; i++) {
        ms__buf_varint(&w->inl, ms__msb_str(w, inl[i].fn));
        ms__buf_varint(&w->inl, ms__msb_str(w, inl[i].file));
        ms__buf_varint(&w->inl, inl[i].file ? inl[i].line : 0);
    }
}

/* A module of this process that a frame is in: listed once per file. */
static void ms__msb_module(ms__msb *w, ms__symmod *m) {
    size_t i = (size_t)(m - ms__symmods);
    if (i >= MS__SYMMODS || (w->mod_done[i / 8] & (1u << (i % 8)))) return;
    w->mod_done[i / 8] = (unsigned char)(w->mod_done[i / 8] | (1u << (i % 8)));
    char id[130];
    pthread_mutex_lock(&ms__sym_lock);
    size_t n = ms__symmod_build_id(m, id, sizeof id);
    pthread_mutex_unlock(&ms__sym_lock);
    ms__msb_module_entry(w, m->path, n ? id : NULL, m->bias, m->lo, m->hi);
}

/* One stack of a STACKS section into b, its frames named (>>symbols); its source lines, when
   a frame has one, into the LINES section ln (*nln: its entries). */
static void ms__msb_stack(ms__msb *w, ms__buf *b, uint32_t id, const ms__stack *s, ms__symcache *cache,
                          ms__buf *ln, uint32_t *nln) {
    ms__buf_varint(b, id);
    ms__buf_varint(b, s->depth);
    uint64_t prev = 0;
    size_t at = ln->len;
    int any = 0;
    ms__buf_varint(ln, id);
    ms__buf_varint(ln, s->depth);
    size_t iat = w->inl.len;
    int anyinl = 0;
    ms__buf_varint(&w->inl, id);
    ms__buf_varint(&w->inl, s->depth);
    if (cache && cache->ids_epoch != w->str_epoch) { /* another string table: numbers found again */
        ms__symcache_ids_clear(cache);
        cache->ids_epoch = w->str_epoch;
    }
    for (uint32_t f = 0; f < s->depth; f++) {
        uintptr_t addr = s->frames[f];
        ms__symrec tmp;
        uint32_t rec;
        const ms__symrec *x = ms__sym_cached(cache, addr, &tmp, &rec);
        const ms__symres *r = &x->r;
        const int ok = x->ok;
        if (ok && r->mod) ms__msb_module(w, r->mod);
        ms__msb_inl_frame(w, ok ? r->inl : NULL, ok ? r->ninl : 0);
        anyinl |= ok && r->ninl;
        /* the strings' numbers: cached with the name once w's table has them (strings are
           numbered in the order first used, so the file is the same either way) */
        ms__symids *ids = rec && w->str_epoch ? &cache->ids[(rec - 1) / MS__SYMREC_CHUNK][(rec - 1) % MS__SYMREC_CHUNK] : NULL;
        ms__symids got;
        if (ids && ids->set && cache->ids_epoch == w->str_epoch) {
            got = *ids;
        } else {
            got.file = ms__msb_str(w, ok ? r->file : NULL);
            got.fn = ms__msb_str(w, ok ? r->function : NULL);
            got.mod = ms__msb_str(w, ok ? r->module : NULL);
            got.set = !w->err && w->str_epoch && cache && cache->ids_epoch == w->str_epoch;
            if (ids && got.set) *ids = got;
        }
        ms__buf_varint(ln, got.file);
        ms__buf_varint(ln, ok && r->file ? r->line : 0);
        any |= ok && r->file;
        ms__buf_zigzag(b, (int64_t)((uint64_t)addr - prev));
        prev = addr;
        ms__buf_varint(b, got.fn);
        ms__buf_varint(b, got.mod);
        if (ok && r->named) ms__buf_varint(b, (uint64_t)(addr - r->fn_lo) + 1);
        else if (ok && r->has_base) ms__buf_varint(b, (uint64_t)(addr - r->base) + 1);
        else ms__buf_varint(b, 0);
    }
    if (any) (*nln)++;
    else ln->len = at; /* no line in it: not listed */
    if (anyinl) w->ninl++;
    else w->inl.len = iat;
}

/* LINES for the STACKS section just written: count, then the entries; then the MODULES
   its frames are in that the file does not list yet. */
static void ms__msb_lines(ms__msb *w, const ms__buf *ln, uint32_t nln) {
    if (nln) {
        ms__buf_varint(&w->sec, nln);
        ms__buf_put(&w->sec, ln->p, ln->len);
        if (ln->err) w->err = ENOMEM;
        ms__msb_emit(w, MS__MSB_LINES);
    }
    if (w->ninl) {
        ms__buf_varint(&w->sec, w->ninl);
        ms__buf_put(&w->sec, w->inl.p, w->inl.len);
        if (w->inl.err) w->err = ENOMEM;
        ms__msb_emit(w, MS__MSB_INLINED);
    }
    w->inl.len = 0;
    w->ninl = 0;
    if (w->nmods) {
        ms__buf_varint(&w->sec, w->nmods);
        ms__buf_put(&w->sec, w->mods.p, w->mods.len);
        if (w->mods.err) w->err = ENOMEM;
        ms__msb_emit(w, MS__MSB_MODULES);
        w->mods.len = 0;
        w->nmods = 0;
    }
}

/* A varint in exactly 10 bytes (readers accept a longer encoding): a stream rewrites it in
   place at its end. */
static void ms__put_varint10(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 9; i++, v >>= 7) p[i] = (unsigned char)((v & 127u) | 128u);
    p[9] = (unsigned char)(v & 1u);
}

/* Where a stream's META keeps the figures it only knows at its end (payload offsets). */
typedef struct ms__meta_at { size_t dur_ns, ratio, dsec, arate, frate, exit; ms__buf payload; } ms__meta_at;

/* META (docs/FORMAT.md). at: a stream's, written before the run's figures are known, with
   its duration and rates at fixed places (patched by its end) and fields 14-15. */
/* program: the process's name, kept by the caller until the strings are written */
static void ms__msb_meta(ms__msb *w, memscope_tracker *t, const memscope_report *r, ms__meta_at *at, const char *program) {
    memscope_sampling_config cfg = memscope_get_sampling(t);
    ms__buf *b = &w->sec;
    memscope_context cx0;
    memscope_get_context(t, &cx0);
    uint32_t how = cx0.exit_signal ? 256u + (uint32_t)cx0.exit_signal : cx0.exit_status >= 0 ? 1u + (uint32_t)cx0.exit_status : 0u;
    ms__buf_varint(b, (at ? 15u : cx0.ppid ? 14u : 13u) + (cx0.command_line != NULL) + (cx0.cwd != NULL) + (at || how ? 1u : 0u) + 1u);
    ms__msb_meta_u64(b, MS__META_START_TIME_UNIX_MS, t->start_unix_ms);
    if (at) {
        unsigned char ten[10];
        ms__buf_varint(b, MS__META_DURATION_NS); ms__buf_varint(b, MS__WIRE_VARINT);
        at->dur_ns = b->len;
        ms__put_varint10(ten, 0);
        ms__buf_put(b, ten, sizeof ten);
    } else {
        ms__msb_meta_u64(b, MS__META_DURATION_NS, ms__d2u64(r->duration_sec * 1e9 + 0.5));
    }
    ms__msb_meta_f64(b, MS__META_SAMPLE_RATE, r->sample_rate);
    ms__msb_meta_u64(b, MS__META_CAPTURE_CALL_STACK, cfg.capture_call_stack ? 1u : 0u);
    ms__msb_meta_u64(b, MS__META_MAX_STACK_DEPTH, cfg.max_stack_depth);
    ms__buf_varint(b, MS__META_GENERATOR); ms__buf_varint(b, MS__WIRE_STR); ms__buf_varint(b, ms__msb_str(w, "memscope.h " MEMSCOPE_VERSION_STRING));
    ms__msb_meta_u64(b, MS__META_PID, cx0.pid ? cx0.pid : (uint64_t)getpid()); /* a loaded file: its writer's */
    if (at) at->ratio = b->len + 2;
    ms__msb_meta_f64(b, MS__META_NS_PER_TICK, t->loaded ? ms__loaded_ratio(t) : ms__clock_ratio()); /* a loaded file: its own */
    /* exact doubles of the report, so a loaded file reproduces the export's text */
    if (at) at->dsec = b->len + 2;
    ms__msb_meta_f64(b, MS__META_DURATION_SEC, r->duration_sec);
    if (at) at->arate = b->len + 2;
    ms__msb_meta_f64(b, MS__META_ALLOCATION_RATE_PER_SEC, r->allocation_rate_per_sec);
    if (at) at->frate = b->len + 2;
    ms__msb_meta_f64(b, MS__META_DEALLOCATION_RATE_PER_SEC, r->deallocation_rate_per_sec);
    ms__msb_meta_u64(b, MS__META_SAMPLE_BYTES, atomic_load(&t->sample_bytes)); /* byte sampling mean, 0 = off */
    ms__buf_varint(b, MS__META_PROGRAM); ms__buf_varint(b, MS__WIRE_STR); ms__buf_varint(b, ms__msb_str(w, program));
    const memscope_context cx = cx0;
    if (cx.command_line) { ms__buf_varint(b, MS__META_COMMAND_LINE); ms__buf_varint(b, MS__WIRE_STR); ms__buf_varint(b, ms__msb_str(w, cx.command_line)); }
    if (cx.cwd) { ms__buf_varint(b, MS__META_CWD); ms__buf_varint(b, MS__WIRE_STR); ms__buf_varint(b, ms__msb_str(w, cx.cwd)); }
    if (!at && cx.ppid) ms__msb_meta_u64(b, MS__META_PPID, cx.ppid);
    ms__msb_meta_u64(b, MS__META_WHOLE_PROGRAM, cx0.whole_program ? 1u : 0u);
    if (at) { /* how the process ended: known at its end, patched in place then */
        unsigned char ten[10];
        ms__buf_varint(b, MS__META_EXIT); ms__buf_varint(b, MS__WIRE_VARINT);
        at->exit = b->len;
        ms__put_varint10(ten, 0);
        ms__buf_put(b, ten, sizeof ten);
    } else if (how) {
        ms__msb_meta_u64(b, MS__META_EXIT, how);
    }
    if (at) {
        ms__msb_meta_u64(b, MS__META_PPID, (uint64_t)getppid());
        ms__msb_meta_u64(b, MS__META_STREAMED, 1); /* streamed: written as the program ran */
        at->payload.len = 0;
        ms__buf_put(&at->payload, b->p, b->len);
    }
    ms__msb_emit(w, MS__MSB_META);
}

/* SNAPSHOTS, THREADS, HOTSPOTS and END: what closes a file. */
static void ms__msb_tail(ms__msb *w, const memscope_report *r) {
    ms__buf *b = &w->sec;
    /* SNAPSHOTS */
    ms__buf_varint(b, r->system_snapshot_count);
    for (size_t i = 0; i < r->system_snapshot_count; i++) {
        const memscope_system_snapshot *s = &r->system_snapshots[i];
        ms__buf_u64(b, s->timestamp); ms__buf_f64(b, s->cpu_usage_percent);
        ms__buf_u64(b, s->memory_usage_bytes); ms__buf_f64(b, s->memory_usage_percent);
        ms__buf_u64(b, s->thread_count); ms__buf_u64(b, s->disk_read_bps); ms__buf_u64(b, s->disk_write_bps);
        ms__buf_u64(b, s->network_rx_bps); ms__buf_u64(b, s->network_tx_bps); ms__buf_f64(b, s->gpu_usage_percent);
        ms__buf_u64(b, s->gpu_memory_used); ms__buf_u64(b, s->gpu_memory_total); ms__buf_u64(b, s->available);
        ms__buf_u64(b, s->elapsed_ns); ms__buf_f64(b, s->system_cpu_percent); ms__buf_u64(b, s->cpu_count);
        ms__buf_u64(b, s->gpu_count); ms__buf_u64(b, s->peak_rss_bytes); ms__buf_u64(b, s->memory_limit_bytes);
        ms__buf_u64(b, s->system_memory_total); ms__buf_u64(b, s->system_memory_available);
        ms__buf_f64(b, s->system_memory_used_percent); ms__buf_u64(b, s->minor_faults_per_sec);
        ms__buf_u64(b, s->major_faults_per_sec); ms__buf_u64(b, s->disk_read_bytes); ms__buf_u64(b, s->disk_write_bytes);
        ms__buf_u64(b, s->network_rx_bytes); ms__buf_u64(b, s->network_tx_bytes);
    }
    ms__msb_emit(w, MS__MSB_SNAPSHOTS);

    /* THREADS, HOTSPOTS */
    ms__buf_varint(b, r->thread_count);
    for (size_t i = 0; i < r->thread_count; i++) {
        const memscope_thread_stats *th = &r->threads[i];
        ms__buf_varint(b, th->thread_id);
        ms__buf_varint(b, ms__msb_str(w, th->thread_name));
        ms__buf_varint(b, th->allocations);
        ms__buf_varint(b, th->deallocations);
        ms__buf_varint(b, th->allocated_bytes);
        ms__buf_varint(b, th->current_bytes);
        ms__buf_varint(b, th->peak_bytes);
    }
    ms__msb_emit(w, MS__MSB_THREADS);
    ms__buf_varint(b, r->hotspot_count);
    for (size_t i = 0; i < r->hotspot_count; i++) {
        const memscope_hotspot *h = &r->hotspots[i];
        ms__buf_varint(b, ms__msb_str(w, h->var_name));
        ms__buf_varint(b, ms__msb_str(w, h->type_name));
        ms__buf_varint(b, h->total_size);
        ms__buf_varint(b, h->allocation_count);
        ms__buf_varint(b, ms__msb_str(w, h->location));
    }
    ms__msb_emit(w, MS__MSB_HOTSPOTS);

    /* END */
    ms__buf_varint(b, r->total_allocations);
    ms__buf_varint(b, r->total_deallocations);
    ms__buf_varint(b, r->active_allocations);
    ms__buf_varint(b, r->peak_memory_bytes);
    ms__buf_varint(b, r->current_memory_bytes);
    ms__buf_varint(b, r->total_allocated_bytes);
    ms__buf_varint(b, r->dropped_events);
    ms__buf_varint(b, r->dropped_snapshots);
    ms__buf_varint(b, w->total_events);
    ms__buf_f64(b, r->estimated_total_allocations);
    ms__buf_f64(b, r->estimated_total_bytes);
    ms__msb_emit(w, MS__MSB_END);
}

/* SITES: those with recorded allocations, as in the JSON (an export's). */
static void ms__msb_export_sites(ms__msb *w, memscope_tracker *t) {
    ms__buf *b = &w->sec;
    uint32_t nsites = atomic_load_explicit(&ms__site_count, MS__ACQUIRE);
    if (t->loaded) nsites = ms__loaded_site_span(t); /* 0 for absurd ids: then always explicit */
    w->nsites = nsites;
    w->site_size = (uint64_t *)ms__calloc(nsites ? nsites : 1, sizeof *w->site_size);
    w->site_stack = (uint32_t *)ms__calloc(nsites ? nsites : 1, sizeof *w->site_stack);
    unsigned char *used = (unsigned char *)ms__calloc(nsites ? nsites : 1, 1);
    if (!w->site_size || !w->site_stack || !used) w->err = ENOMEM;
    uint32_t nused = 0;
    if (t->loaded) { MEMSCOPE_FREE(used); used = NULL; ms__loaded_msb_sites(t, w); }
    for (ms__thread *th = atomic_load_explicit(&t->threads, MS__ACQUIRE); used && th;
         th = atomic_load_explicit(&th->next, MS__RELAXED))
        for (uint32_t i = 0; i < nsites; i++) {
            ms__site_stat *c = ms__stat_chunk(th, i / MS__STAT_CHUNK);
            if (c && MS__LOAD(&c[i % MS__STAT_CHUNK].count) && !used[i]) { used[i] = 1; nused++; }
        }
    if (used) ms__buf_varint(b, nused);
    for (uint32_t i = 0; used && i < nsites; i++) {
        if (!used[i]) continue;
        const memscope_site *s = ms__site_by_id(i);
        ms__buf_varint(b, i);
        ms__buf_varint(b, ms__msb_str(w, s->var_name));
        ms__buf_varint(b, ms__msb_str(w, s->type_name));
        ms__buf_varint(b, ms__msb_str(w, s->file));
        ms__buf_varint(b, s->line);
    }
    MEMSCOPE_FREE(used);
    ms__msb_emit(w, MS__MSB_SITES);
}

/* STACKS (with LINES), named as the JSON names them (an export's). */
static void ms__msb_export_stacks(ms__msb *w, memscope_tracker *t, uint32_t nstacks) {
    ms__buf *b = &w->sec;
    uint32_t nst = 0;
    ms__buf ln = {NULL, 0, 0, 0};
    uint32_t nln = 0;
    if (t->loaded) ms__loaded_msb_stacks(t, w, &ln, &nln);
    for (uint32_t id = 1; !t->loaded && id < nstacks; id++) if (ms__stack_by_id(t, id)) nst++;
    if (!t->loaded) ms__buf_varint(b, nst);
    for (uint32_t id = 1; !t->loaded && id < nstacks; id++) {
        ms__stack *s = ms__stack_by_id(t, id);
        if (s) ms__msb_stack(w, b, id, s, NULL, &ln, &nln);
    }
    ms__msb_emit(w, MS__MSB_STACKS);
    ms__msb_lines(w, &ln, nln);
    MEMSCOPE_FREE(ln.p);
}

MEMSCOPE_DEF memscope_result memscope_export_binary(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    ms__export x;
    memscope_result res = ms__export_begin(&x, t, path, 0);
    if (res != MEMSCOPE_OK) return res;
    ms__msb *w = (ms__msb *)ms__calloc(1, sizeof *w);
    if (!w) { x.f.out->err = ENOMEM; return ms__export_end(&x); }
    w->o = x.f.out;
    const memscope_report *r = &x.r;
    static const unsigned char magic[16] = {0x89, 'M', 'S', 'B', 0x0D, 0x0A, 0x1A, 0x0A, 1, 0, 0, 0, 0, 0, 0, 0};
    ms__out_mem(w->o, (const char *)magic, sizeof magic);

    char program[64];
    ms__program_name(t, program, sizeof program);
    ms__msb_meta(w, t, r, NULL, program);
    ms__msb_export_sites(w, t);
    ms__msb_export_stacks(w, t, x.nstacks);

    /* EVENTS in blocks */
    if (!w->err && x.sb && x.sc) ms__each_event(w->o, t, x.sb, x.sc, x.nstacks, ms__msb_event, w);
    ms__msb_flush_events(w);

    ms__msb_tail(w, r);

    if (w->err && !w->o->err) w->o->err = w->err;
    ms__msb_free(w);
    MEMSCOPE_FREE(w);
    return ms__export_end(&x);
}
#else
MEMSCOPE_DEF memscope_result memscope_export_binary(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    return MEMSCOPE_ERR_UNSUPPORTED; /* compiled out */
}
#endif


static int ms__ends_with(const char *s, const char *ext) {
    size_t n = strlen(s), m = strlen(ext);
    return n > m && strcasecmp(s + n - m, ext) == 0;
}

/* ---- the output formats: one table ----
   Every file memscope writes is a row: the suffix that picks it (first match wins, so
   ".trace.json" comes before ".json"; a name starting massif.out is massif's too), the
   format's name (memscope_export_format), its writer, and what the writer needs compiled in
   (a writer compiled out returns MEMSCOPE_ERR_UNSUPPORTED). memscope_export, memscope_export_many,
   the auto-export, MEMSCOPE_OUTPUT's check and the writer of a %p-less child's NAME.PID.EXT all
   go through it: a new format is its writer and a row here (and its name in memscope_export_format's
   comment). */
#define MS__NEEDS_JSON 1u   /* the JSON writer: MEMSCOPE_NO_JSON removes it */
#define MS__NEEDS_HTML 2u   /* the dashboard: MEMSCOPE_NO_HTML removes it */
#define MS__NEEDS_BINARY 4u /* the .msb writer: MEMSCOPE_NO_BINARY removes it */
typedef memscope_result (*ms__writer_fn)(memscope_tracker *t, const char *path);
static const struct ms__format { const char *suffix, *name; ms__writer_fn write; unsigned needs; } ms__formats[] = {
    {".trace.json", "trace", memscope_export_trace, 0},
    {".dhat.json", "dhat", memscope_export_dhat, 0},
    {".massif", "massif", memscope_export_massif, 0},
    {".pb.gz", "pprof", memscope_export_pprof, 0},
    {".pprof", "pprof", memscope_export_pprof, 0},
    {".pb", "pprof", memscope_export_pprof, 0},
    {".folded", "folded", memscope_export_folded, 0},
    {".prom", "prometheus", memscope_export_prometheus, 0},
    {".json", "json", memscope_export_json, MS__NEEDS_JSON},
    {".html", "html", memscope_export_html, MS__NEEDS_JSON | MS__NEEDS_HTML},
    {".htm", "html", memscope_export_html, MS__NEEDS_JSON | MS__NEEDS_HTML},
    {".msb", "msb", memscope_export_binary, MS__NEEDS_BINARY},
};
#define MS__NFORMATS (sizeof ms__formats / sizeof ms__formats[0])

/* The row of ms__formats path ends with, or -1. */
static int ms__export_suffix(const char *path) {
    for (size_t i = 0; i < MS__NFORMATS; i++)
        if (ms__ends_with(path, ms__formats[i].suffix)) return (int)i;
    return -1;
}

/* The row that writes path: by suffix, else massif's for a massif.out.* name; NULL if none. */
static const struct ms__format *ms__format_of(const char *path) {
    if (!path || !*path) return NULL;
    int i = ms__export_suffix(path);
    if (i >= 0) return &ms__formats[i];
    const char *base = strrchr(path, '/');
    if (strncmp(base ? base + 1 : path, "massif.out", 10) != 0) return NULL;
    for (size_t k = 0; k < MS__NFORMATS; k++)
        if (!strcmp(ms__formats[k].name, "massif")) return &ms__formats[k];
    return NULL;
}

MEMSCOPE_DEF const char *memscope_export_format(const char *path) {
    const struct ms__format *f = ms__format_of(path);
    return f ? f->name : NULL;
}

/* The parts this build compiled out, as MS__NEEDS_* bits. */
static const unsigned ms__formats_out = 0u
#ifdef MEMSCOPE_NO_JSON
    | MS__NEEDS_JSON
#endif
#ifdef MEMSCOPE_NO_HTML
    | MS__NEEDS_HTML
#endif
#ifdef MEMSCOPE_NO_BINARY
    | MS__NEEDS_BINARY
#endif
    ;

MEMSCOPE_DEF memscope_result memscope_export(memscope_tracker *t, const char *path) {
    const struct ms__format *f = ms__format_of(path);
    if (!t || !f) return MEMSCOPE_ERR_INVALID_ARG;
    if (f->needs & ms__formats_out) return MEMSCOPE_ERR_UNSUPPORTED; /* (what its writer would say) */
    memscope_result res = f->write(t, path);
    ms__symbols_release();
    return res;
}

static int ms__export_path_ok(const char *p) { return memscope_export_format(p) != NULL; }

/* Length of the extension that picks path's format (0 for massif.out.* names, which are
   named by their start). */
static size_t ms__export_suffix_len(const char *path) {
    int i = ms__export_suffix(path);
    return i < 0 ? 0 : strlen(ms__formats[i].suffix);
}

/* Writes each path from one frozen state; res[i] (and errno in errs[i]) per file. */
static void ms__export_many(memscope_tracker *t, const char *const *paths, size_t count, memscope_result *res, int *errs) {
    ms__freeze fz;
    memset(&fz, 0, sizeof fz);
    fz.t = t;
    fz.ratio = ms__clock_ratio();
    fz.ticks = ms__ticks();
    int held = 0;
    if (atomic_load(&t->log_mode)) { /* log mode: what is resolved now is the instant */
        ms__resolve(t);
        pthread_mutex_lock(&t->analysis_lock);
        t->rv_hold++;
        pthread_mutex_unlock(&t->analysis_lock);
        fz.ticks = UINT64_MAX;
        held = 1;
    }
    fz.r = memscope_analyze(t);
    ms__frozen = &fz;
    for (size_t i = 0; i < count; i++) {
        errno = 0;
        res[i] = ms__export_path_ok(paths[i]) ? memscope_export(t, paths[i]) : MEMSCOPE_ERR_INVALID_ARG;
        if (errs) errs[i] = errno;
    }
    ms__frozen = NULL;
    if (held) {
        pthread_mutex_lock(&t->analysis_lock);
        t->rv_hold--;
        pthread_mutex_unlock(&t->analysis_lock);
    }
    memscope_report_free(&fz.r);
}

MEMSCOPE_DEF memscope_result memscope_export_many(memscope_tracker *t, const char *const *paths, size_t count) {
    if (!t || !paths || !count || ms__frozen) return MEMSCOPE_ERR_INVALID_ARG;
    for (size_t i = 0; i < count; i++)
        if (!ms__export_path_ok(paths[i])) return MEMSCOPE_ERR_INVALID_ARG;
    memscope_result stack_res[8], *res = count <= 8 ? stack_res : (memscope_result *)MEMSCOPE_MALLOC(count * sizeof *res);
    if (!res) return MEMSCOPE_ERR_NO_MEMORY;
    ms__export_many(t, paths, count, res, NULL);
    ms__symbols_release();
    memscope_result first = MEMSCOPE_OK;
    for (size_t i = 0; i < count && first == MEMSCOPE_OK; i++) first = res[i];
    if (res != stack_res) MEMSCOPE_FREE(res);
    return first;
}

/* ==== >>formats ==== */

/* Writers for other tools' formats: pprof (go tool pprof, Pyroscope), folded stacks
   (flamegraph.pl, inferno, speedscope), Chrome Trace Event JSON (ui.perfetto.dev,
   chrome://tracing), massif (ms_print), DHAT JSON (dh_view.html) and the Prometheus text
   exposition. Each works on a live tracker and on a loaded .msb: they read the same merged
   event stream as the JSON export. Values are unbiased under sampling: an event recorded at
   hash rate r counts 1/r; under byte sampling of mean R, an allocation of s bytes counts
   1/(1 - e^(-s/R)). */

/* What a site is called, for a live or a loaded tracker. */
typedef struct ms__site_text { const char *var, *type, *file; uint32_t line; } ms__site_text;
#if !defined(MEMSCOPE_NO_BINARY)
static ms__lsite *ms__loaded_site(struct ms__loaded *L, uint64_t id);
#endif
static ms__site_text ms__site_text_of(memscope_tracker *t, uint32_t site) {
    ms__site_text r = {"?", "?", NULL, 0};
    (void)t;
#if !defined(MEMSCOPE_NO_BINARY)
    if (t->loaded) {
        const ms__lsite *s = ms__loaded_site(t->loaded, site);
        if (s) { r.var = s->var; r.type = s->type; r.file = s->file; r.line = s->line; }
        return r;
    }
#endif
    const memscope_site *s = ms__site_by_id(site);
    r.var = s->var_name; r.type = s->type_name; r.file = s->file; r.line = s->line;
    return r;
}

/* The mean of byte sampling the tracker's events were recorded with (0: none). */
static uint64_t ms__sample_bytes(memscope_tracker *t) { return atomic_load_explicit(&t->sample_bytes, MS__RELAXED); }

/* A program point: the call stack and the site of an allocation. */
typedef struct ms__pp {
    uint32_t stack, site;
    double alloc_n, alloc_b;          /* weighted, over the run */
    double live_n, live_b;            /* weighted, now (during a pass) / at the end */
    double max_n, max_b;              /* most live at once (weighted) */
    double peak_n, peak_b;            /* live at the global peak */
    double life_ns;                   /* sum of block lifetimes (weighted) */
} ms__pp;

typedef struct ms__lv { uint64_t addr; uint32_t pp; uint32_t used; uint64_t size; double w; uint64_t t0; } ms__lv;

typedef struct ms__agg {
    memscope_tracker *t;
    ms__pp *pp; size_t npp, cap;
    uint32_t *map; size_t map_cap;    /* (stack, site) -> pp index + 1 */
    ms__lv *lv; size_t lv_n, lv_cap;  /* live blocks by address */
    double rate_w;                    /* 1 / hash rate */
    uint64_t mean;                    /* byte sampling mean, 0 = none */
    double live_b, live_n, peak_b;    /* weighted totals */
    uint64_t events, peak_at, t_end, t_peak;
    int pass, err;
    /* called after each event of pass 2 (massif snapshots) */
    void (*after)(struct ms__agg *a, uint64_t index, const memscope_event *ev, void *ctx);
    void *ctx;
} ms__agg;

static uint64_t ms__mix2(uint64_t a, uint64_t b) { return ms__mix64(a * 0x9E3779B97F4A7C15ull ^ b); }

static uint32_t ms__agg_pp(ms__agg *a, uint32_t stack, uint32_t site) {
    if (a->npp * 2 + 2 > a->map_cap) {
        size_t cap = a->map_cap ? a->map_cap * 2 : 1024;
        uint32_t *m = (uint32_t *)ms__calloc(cap, sizeof *m);
        if (!m) { a->err = ENOMEM; return UINT32_MAX; }
        for (size_t i = 0; i < a->npp; i++) {
            size_t h = (size_t)ms__mix2(a->pp[i].stack, a->pp[i].site) & (cap - 1);
            while (m[h]) h = (h + 1) & (cap - 1);
            m[h] = (uint32_t)i + 1;
        }
        MEMSCOPE_FREE(a->map);
        a->map = m;
        a->map_cap = cap;
    }
    size_t h = (size_t)ms__mix2(stack, site) & (a->map_cap - 1);
    while (a->map[h]) {
        const ms__pp *p = &a->pp[a->map[h] - 1];
        if (p->stack == stack && p->site == site) return a->map[h] - 1;
        h = (h + 1) & (a->map_cap - 1);
    }
    if (a->npp == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        ms__pp *np = (ms__pp *)MEMSCOPE_MALLOC(cap * sizeof *np);
        if (!np) { a->err = ENOMEM; return UINT32_MAX; }
        if (a->npp) memcpy(np, a->pp, a->npp * sizeof *np);
        MEMSCOPE_FREE(a->pp);
        a->pp = np;
        a->cap = cap;
    }
    ms__pp *p = &a->pp[a->npp];
    memset(p, 0, sizeof *p);
    p->stack = stack;
    p->site = site;
    a->map[h] = (uint32_t)++a->npp;
    return (uint32_t)(a->npp - 1);
}

static ms__lv *ms__agg_slot(ms__agg *a, uint64_t addr, int insert) {
    if (insert && (a->lv_n + 1) * 2 > a->lv_cap) {
        size_t cap = a->lv_cap ? a->lv_cap * 2 : 1024;
        ms__lv *n = (ms__lv *)ms__calloc(cap, sizeof *n);
        if (!n) { a->err = ENOMEM; return NULL; }
        for (size_t i = 0; i < a->lv_cap; i++) {
            if (!a->lv[i].used) continue;
            size_t h = (size_t)ms__mix64(a->lv[i].addr) & (cap - 1);
            while (n[h].used) h = (h + 1) & (cap - 1);
            n[h] = a->lv[i];
        }
        MEMSCOPE_FREE(a->lv);
        a->lv = n;
        a->lv_cap = cap;
    }
    if (!a->lv_cap) return NULL;
    size_t h = (size_t)ms__mix64(addr) & (a->lv_cap - 1);
    while (a->lv[h].used) {
        if (a->lv[h].addr == addr) return &a->lv[h];
        h = (h + 1) & (a->lv_cap - 1);
    }
    return insert ? &a->lv[h] : NULL;
}

/* Removes a slot, keeping the probe chains of the others (backward shift). */
static void ms__agg_unslot(ms__agg *a, ms__lv *s) {
    size_t i = (size_t)(s - a->lv), mask = a->lv_cap - 1;
    a->lv[i].used = 0;
    a->lv_n--;
    for (size_t j = (i + 1) & mask; a->lv[j].used; j = (j + 1) & mask) {
        size_t h = (size_t)ms__mix64(a->lv[j].addr) & mask;
        if ((j > i && (h <= i || h > j)) || (j < i && h <= i && h > j)) {
            a->lv[i] = a->lv[j];
            a->lv[j].used = 0;
            i = j;
        }
    }
}

static void ms__agg_event(ms__out *o, void *ctx, uint32_t site, const memscope_event *ev, uint64_t index) {
    (void)o;
    ms__agg *a = (ms__agg *)ctx;
    if (a->err) return;
    a->events = index + 1;
    a->t_end = ev->timestamp_ns;
    if (ev->kind == MEMSCOPE_EVENT_ALLOC) {
        double w = a->rate_w;
        if (a->mean) w *= ms__sample_weight((uint64_t)ev->size, a->mean);
        uint32_t pi = ms__agg_pp(a, ev->stack_id, site);
        ms__lv *s = ms__agg_slot(a, (uint64_t)ev->address, 1);
        if (pi == UINT32_MAX || !s) return;
        if (s->used) { /* recorded again without a free: the old block ends */
            ms__pp *q = &a->pp[s->pp];
            q->live_n -= s->w; q->live_b -= s->w * (double)s->size;
            q->life_ns += s->w * (double)(ev->timestamp_ns - s->t0);
            a->live_b -= s->w * (double)s->size; a->live_n -= s->w;
        } else {
            a->lv_n++;
        }
        s->used = 1; s->addr = (uint64_t)ev->address; s->pp = pi; s->size = (uint64_t)ev->size; s->w = w; s->t0 = ev->timestamp_ns;
        ms__pp *p = &a->pp[pi];
        p->alloc_n += w; p->alloc_b += w * (double)ev->size;
        p->live_n += w; p->live_b += w * (double)ev->size;
        if (p->live_b > p->max_b) { p->max_b = p->live_b; p->max_n = p->live_n; }
        a->live_b += w * (double)ev->size; a->live_n += w;
        if (a->pass == 1 && a->live_b > a->peak_b) { a->peak_b = a->live_b; a->peak_at = index + 1; a->t_peak = ev->timestamp_ns; }
    } else {
        ms__lv *s = ms__agg_slot(a, (uint64_t)ev->address, 0);
        if (s) {
            ms__pp *q = &a->pp[s->pp];
            q->live_n -= s->w; q->live_b -= s->w * (double)s->size;
            q->life_ns += s->w * (double)(ev->timestamp_ns - s->t0);
            a->live_b -= s->w * (double)s->size; a->live_n -= s->w;
            ms__agg_unslot(a, s);
        }
    }
    if (a->pass == 2 && index + 1 == a->peak_at)
        for (size_t i = 0; i < a->npp; i++) { a->pp[i].peak_n = a->pp[i].live_n; a->pp[i].peak_b = a->pp[i].live_b; }
    if (a->pass == 2 && a->after) a->after(a, index, ev, a->ctx);
}

static void ms__agg_reset(ms__agg *a) {
    a->npp = 0;
    if (a->map) memset(a->map, 0, a->map_cap * sizeof *a->map);
    if (a->lv) memset(a->lv, 0, a->lv_cap * sizeof *a->lv);
    a->lv_n = 0;
    a->live_b = a->live_n = 0;
}

/* Two passes over the events: the global peak, then every program point's figures (with
   what was live at the peak). The blocks still live at the end get their lifetime to the
   end of the run. */
static int ms__agg_run(ms__agg *a, ms__out *o, memscope_tracker *t, const memscope_report *r) {
    a->t = t;
    double rate = r->sample_rate > 0 ? r->sample_rate : 1.0;
    a->rate_w = 1.0 / rate;
    a->mean = ms__sample_bytes(t);
    a->pass = 1;
    ms__each_event(o, t, NULL, NULL, 0, ms__agg_event, a);
    ms__agg_reset(a);
    a->pass = 2;
    ms__each_event(o, t, NULL, NULL, 0, ms__agg_event, a);
    uint64_t end = ms__d2u64(r->duration_sec * 1e9);
    if (end < a->t_end) end = a->t_end;
    for (size_t i = 0; i < a->lv_cap; i++)
        if (a->lv[i].used) a->pp[a->lv[i].pp].life_ns += a->lv[i].w * (double)(end - a->lv[i].t0);
    a->t_end = end;
    return a->err || o->err ? -1 : 0;
}

static void ms__agg_free(ms__agg *a) {
    MEMSCOPE_FREE(a->pp); MEMSCOPE_FREE(a->map); MEMSCOPE_FREE(a->lv);
    memset(a, 0, sizeof *a);
}

static uint64_t ms__round(double v) { return ms__d2u64(v + 0.5); } /* NaN and below 0: 0 */

/* A frame's name: its function, else module+0xOFFSET (for addr2line), else its address. */
/* A frame's name: the function, else module+0xOFFSET, else the address. */
static size_t ms__sym_name(const memscope_symbol *s, char *buf, size_t cap) {
    const char *mod = s->module ? strrchr(s->module, '/') : NULL;
    mod = mod ? mod + 1 : s->module;
    int n;
    if (s->function) n = snprintf(buf, cap, "%s", s->function);
    else if (mod && s->has_offset) n = snprintf(buf, cap, "%s+0x%llx", mod, (unsigned long long)s->offset);
    else n = snprintf(buf, cap, "0x%llx", (unsigned long long)s->address);
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

/* A site's name as a frame: "malloc" for the whole-program hooks, "var (type) at file:line"
   for a TRACK. */
static size_t ms__site_name(memscope_tracker *t, uint32_t site, char *buf, size_t cap) {
    ms__site_text s = ms__site_text_of(t, site);
    int n;
    if (!s.file && (!s.type || !*s.type)) n = snprintf(buf, cap, "%s", s.var ? s.var : "?");
    else if (s.file) n = snprintf(buf, cap, "%s (%s) at %s:%u", s.var ? s.var : "?", s.type ? s.type : "?", s.file, s.line);
    else n = snprintf(buf, cap, "%s (%s)", s.var ? s.var : "?", s.type ? s.type : "?");
    return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static size_t ms__stack_depth_of(memscope_tracker *t, uint32_t stack) {
    return stack ? memscope_stack_frames(t, stack, NULL, 0) : 0;
}

/* id maps: a 64-bit key to a dense id from 1 */
typedef struct ms__idmap { uint64_t *k; uint32_t *v; size_t n, cap; } ms__idmap;
static uint32_t ms__idmap_get(ms__idmap *m, uint64_t key, int *fresh) {
    *fresh = 0;
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        uint64_t *k = (uint64_t *)ms__calloc(cap, sizeof *k);
        uint32_t *v = (uint32_t *)ms__calloc(cap, sizeof *v);
        if (!k || !v) { MEMSCOPE_FREE(k); MEMSCOPE_FREE(v); return 0; }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->v[i]) continue;
            size_t h = (size_t)ms__mix64(m->k[i]) & (cap - 1);
            while (v[h]) h = (h + 1) & (cap - 1);
            k[h] = m->k[i]; v[h] = m->v[i];
        }
        MEMSCOPE_FREE(m->k); MEMSCOPE_FREE(m->v); m->k = k; m->v = v; m->cap = cap;
    }
    size_t h = (size_t)ms__mix64(key) & (m->cap - 1);
    while (m->v[h]) { if (m->k[h] == key) return m->v[h]; h = (h + 1) & (m->cap - 1); }
    m->k[h] = key; m->v[h] = (uint32_t)++m->n;
    *fresh = 1;
    return m->v[h];
}
static void ms__idmap_free(ms__idmap *m) { MEMSCOPE_FREE(m->k); MEMSCOPE_FREE(m->v); }

/* ---- folded stacks: "outermost;...;innermost;site BYTES" ---- */

static void ms__folded_clean(char *s) { /* ';' separates frames, a newline ends the line */
    for (; *s; s++) if (*s == ';' || *s == '\n' || *s == '\r') *s = *s == ';' ? ':' : ' ';
}


typedef struct ms__fline { char *text; uint64_t v; } ms__fline;
static int ms__fline_text(const void *x, const void *y) { return strcmp(((const ms__fline *)x)->text, ((const ms__fline *)y)->text); }
static int ms__fline_value(const void *x, const void *y) {
    const ms__fline *a = (const ms__fline *)x, *b = (const ms__fline *)y;
    return a->v < b->v ? 1 : a->v > b->v ? -1 : strcmp(a->text, b->text);
}

/* Stacks that differ only where the names are the same (two calls from one function) make
   the same line: they are merged, as the format requires (one line per distinct stack). */
static const char ms__folded_costs[] = "allocated\0allocations\0leaked\0leaked-allocations\0peak\0temporary\0";
static int ms__folded_cost_of(const char *cost) {
    int i = 0;
    for (const char *w = ms__folded_costs; *w; w += strlen(w) + 1, i++)
        if (cost && !strcmp(cost, w)) return i;
    return -1;
}

MEMSCOPE_DEF memscope_result memscope_export_folded(memscope_tracker *t, const char *path) {
    const char *cost = ms__env("MEMSCOPE_FOLDED_COST");
    if (cost && ms__folded_cost_of(cost) < 0) {
        ms__say("memscope: MEMSCOPE_FOLDED_COST=%.100s: not allocated, allocations, leaked, leaked-allocations, peak or temporary; bytes allocated written\n", cost);
        cost = NULL;
    }
    return memscope_export_folded_cost(t, path, cost ? cost : "allocated");
}

MEMSCOPE_DEF memscope_result memscope_export_folded_cost(memscope_tracker *t, const char *path, const char *cost) {
    int kind = ms__folded_cost_of(cost);
    if (!t || !path || !*path || kind < 0) return MEMSCOPE_ERR_INVALID_ARG;
    ms__export x;
    memscope_result res = ms__export_begin(&x, t, path, 0);
    if (res != MEMSCOPE_OK) return res;
    ms__agg a;
    memset(&a, 0, sizeof a);
    ms__out *o = x.f.out;
    ms__fline *lines = NULL;
    size_t nl = 0;
    if (ms__agg_run(&a, o, t, &x.r) == 0) {
        lines = (ms__fline *)ms__calloc(a.npp + 1, sizeof *lines);
        memscope_symbol *syms = (memscope_symbol *)ms__calloc(MS__SYMS_MAX, sizeof *syms);
        if (!lines || !syms) o->err = ENOMEM;
        memscope_stack_cost *sc = NULL; /* temporary allocations: counted per stack */
        size_t nsc = (kind == 2 || kind == 3 || kind == 5) && lines && syms ? memscope_stack_costs(t, &sc) : 0;
        unsigned char *seen = nsc ? (unsigned char *)ms__calloc((size_t)sc[nsc - 1].stack_id + 1, 1) : NULL;
        char name[1024];
        for (size_t i = 0; i < a.npp && lines && !o->err; i++) {
            const ms__pp *pp = &a.pp[i];
            uint64_t v = ms__round(kind == 0 ? pp->alloc_b : kind == 1 ? pp->alloc_n : kind == 2 ? pp->live_b
                                   : kind == 3 ? pp->live_n : kind == 4 ? pp->peak_b : 0);
            size_t lo = 0, hi = nsc; /* the stack's costs */
            while (lo < hi) { size_t mid = (lo + hi) / 2; if (sc[mid].stack_id < pp->stack) lo = mid + 1; else hi = mid; }
            if ((kind == 2 || kind == 3) && lo < nsc && sc[lo].stack_id == pp->stack && sc[lo].suppressed) v = 0; /* apart */
            if (kind == 5) { /* the stack's, on its first program point */
                int first = seen && lo < nsc && sc[lo].stack_id == pp->stack && !seen[pp->stack];
                if (first) seen[pp->stack] = 1;
                v = first ? sc[lo].temporary : 0;
            }
            if (!v) continue;
            ms__buf b = {NULL, 0, 0, 0};
            size_t n = syms ? memscope_stack_symbols(t, a.pp[i].stack, syms, MS__SYMS_MAX) : 0;
            for (size_t k = n < MS__SYMS_MAX ? n : MS__SYMS_MAX; k-- > 0;) { /* outermost first */
                if (!ms__sym_name(&syms[k], name, sizeof name)) continue;
                ms__folded_clean(name);
                ms__buf_put(&b, name, strlen(name));
                ms__buf_put(&b, ";", 1);
            }
            ms__site_name(t, a.pp[i].site, name, sizeof name);
            ms__folded_clean(name);
            if (!*name) memcpy(name, "?", 2);
            ms__buf_put(&b, name, strlen(name) + 1);
            if (b.err) { MEMSCOPE_FREE(b.p); o->err = ENOMEM; break; }
            lines[nl].text = (char *)b.p;
            lines[nl++].v = v;
        }
        free(sc);
        MEMSCOPE_FREE(seen);
        MEMSCOPE_FREE(syms);
        if (lines && nl) {
            qsort(lines, nl, sizeof *lines, ms__fline_text);
            size_t m = 0;
            for (size_t i = 0; i < nl; i++) {
                if (m && !strcmp(lines[m - 1].text, lines[i].text)) { lines[m - 1].v += lines[i].v; MEMSCOPE_FREE(lines[i].text); }
                else lines[m++] = lines[i];
            }
            nl = m;
            qsort(lines, nl, sizeof *lines, ms__fline_value);
        }
        for (size_t i = 0; i < nl && !o->err; i++) {
            ms__out_mem(o, lines[i].text, strlen(lines[i].text));
            ms__out_lit(o, " ");
            ms__out_u64(o, lines[i].v);
            ms__out_lit(o, "\n");
        }
    } else if (!o->err) {
        o->err = ENOMEM;
    }
    for (size_t i = 0; i < nl; i++) MEMSCOPE_FREE(lines[i].text);
    MEMSCOPE_FREE(lines);
    ms__agg_free(&a);
    return ms__export_end(&x);
}

/* ---- Prometheus text exposition ---- */

static void ms__prom_label(ms__out *o, const char *v) { /* \ " and newline escaped */
    for (const char *s = v ? v : ""; *s; s++) {
        if (*s == '\\') ms__out_lit(o, "\\\\");
        else if (*s == '"') ms__out_lit(o, "\\\"");
        else if (*s == '\n') ms__out_lit(o, "\\n");
        else ms__out_mem(o, s, 1);
    }
}

static void ms__prom_head(ms__out *o, const char *name, const char *type, const char *help) {
    ms__out_lit(o, "# HELP memscope_"); ms__out_mem(o, name, strlen(name)); ms__out_lit(o, " ");
    ms__out_mem(o, help, strlen(help));
    ms__out_lit(o, "\n# TYPE memscope_"); ms__out_mem(o, name, strlen(name)); ms__out_lit(o, " ");
    ms__out_mem(o, type, strlen(type)); ms__out_lit(o, "\n");
}

static void ms__prom_sample(ms__out *o, const char *name, const char *labels, const char *thread, uint32_t tid, double v) {
    ms__out_lit(o, "memscope_"); ms__out_mem(o, name, strlen(name));
    ms__out_lit(o, "{"); ms__out_mem(o, labels, strlen(labels));
    if (thread) {
        ms__out_lit(o, ",thread=\""); ms__prom_label(o, thread); ms__out_lit(o, "\",tid=\"");
        ms__out_u64(o, tid); ms__out_lit(o, "\"");
    }
    ms__out_lit(o, "} ");
    char tmp[40];
    /* whole numbers below 2^64 as integers; anything else (fractions, inf, NaN, huge) as %.17g,
       and inf/NaN in the exposition's spelling */
    int whole = v >= 0.0 && v < 18446744073709551616.0 && v == (double)ms__d2u64(v);
    int n = whole ? snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)ms__d2u64(v))
            : isnan(v) ? snprintf(tmp, sizeof tmp, "NaN")
            : isinf(v) ? snprintf(tmp, sizeof tmp, v > 0 ? "+Inf" : "-Inf") : snprintf(tmp, sizeof tmp, "%.17g", v);
    if (n > 0) ms__out_mem(o, tmp, (size_t)n);
    ms__out_lit(o, "\n");
}

static void ms__prom_write(ms__out *o, memscope_tracker *t, const memscope_report *r) {
    char program[64], labels[256];
    ms__program_name(t, program, sizeof program);
    long pid = (long)getpid();
#if !defined(MEMSCOPE_NO_BINARY)
    if (t->loaded) pid = (long)t->loaded->pid;
#endif
    {   /* program="...",pid="..." with the value escaped */
        size_t k = 0;
        k += (size_t)snprintf(labels + k, sizeof labels - k, "program=\"");
        for (const char *s = program; *s && k + 4 < sizeof labels; s++) {
            if (*s == '\\' || *s == '"') labels[k++] = '\\';
            labels[k++] = *s == '\n' ? ' ' : *s;
        }
        snprintf(labels + k, sizeof labels - k, "\",pid=\"%ld\"", pid);
    }
    static const struct { const char *name, *type, *help; int field; } m[] = {
        {"allocations_total", "counter", "Allocations recorded (TRACK calls kept, or malloc-family calls in whole-program mode).", 0},
        {"frees_total", "counter", "Frees of recorded allocations.", 1},
        {"allocated_bytes_total", "counter", "Bytes of all recorded allocations.", 2},
        {"live_allocations", "gauge", "Recorded allocations not yet freed.", 3},
        {"live_bytes", "gauge", "Bytes of the recorded allocations not yet freed.", 4},
        {"peak_bytes", "gauge", "Most live recorded bytes at any moment so far.", 5},
        {"dropped_events_total", "counter", "Events not retained past the event bound (totals stay exact).", 6},
        {"estimated_allocations_total", "counter", "Allocations estimated over every call, under sampling.", 7},
        {"estimated_bytes_total", "counter", "Bytes estimated over every call, under sampling.", 8},
        {"sample_rate", "gauge", "Fraction of calls recorded by hash sampling (1 = all).", 9},
    };
    double v[10] = {(double)r->total_allocations, (double)r->total_deallocations, (double)r->total_allocated_bytes,
                    (double)r->active_allocations, (double)r->current_memory_bytes, (double)r->peak_memory_bytes,
                    (double)r->dropped_events, r->estimated_total_allocations, r->estimated_total_bytes, r->sample_rate};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        ms__prom_head(o, m[i].name, m[i].type, m[i].help);
        ms__prom_sample(o, m[i].name, labels, NULL, 0, v[m[i].field]);
    }
    static const struct { const char *name, *type, *help; } tm[] = {
        {"thread_allocations_total", "counter", "Allocations recorded by a thread."},
        {"thread_allocated_bytes_total", "counter", "Bytes allocated by a thread."},
        {"thread_live_bytes", "gauge", "Bytes a thread allocated that are still live, wherever freed."},
        {"thread_peak_bytes", "gauge", "Most live bytes of a thread's allocations."},
    };
    for (size_t k = 0; k < 4 && r->thread_count; k++) {
        ms__prom_head(o, tm[k].name, tm[k].type, tm[k].help);
        for (size_t i = 0; i < r->thread_count; i++) {
            const memscope_thread_stats *th = &r->threads[i];
            double val = k == 0 ? (double)th->allocations : k == 1 ? (double)th->allocated_bytes
                       : k == 2 ? (double)th->current_bytes : (double)th->peak_bytes;
            char tname[24];
            snprintf(tname, sizeof tname, "%s", th->thread_name && *th->thread_name ? th->thread_name : "-");
            ms__prom_sample(o, tm[k].name, labels, tname, th->thread_id, val);
        }
    }
    if (r->system_snapshot_count) { /* the latest snapshot, its measured fields only */
        const memscope_system_snapshot *s = &r->system_snapshots[r->system_snapshot_count - 1];
        struct { uint32_t bit; const char *name, *type, *help; double v; } sm[] = {
            {MEMSCOPE_METRIC_CPU, "process_cpu_percent", "gauge", "Process CPU time over wall time, percent of one core.", s->cpu_usage_percent},
            {MEMSCOPE_METRIC_MEMORY, "process_resident_bytes", "gauge", "Resident set size of the process.", (double)s->memory_usage_bytes},
            {MEMSCOPE_METRIC_MEMORY_PERCENT, "process_memory_percent", "gauge", "Resident set size against the memory limit, percent.", s->memory_usage_percent},
            {MEMSCOPE_METRIC_THREADS, "process_threads", "gauge", "Threads of the process.", (double)s->thread_count},
            {MEMSCOPE_METRIC_DISK, "process_disk_read_bytes_per_second", "gauge", "Bytes read from storage per second.", (double)s->disk_read_bps},
            {MEMSCOPE_METRIC_DISK, "process_disk_write_bytes_per_second", "gauge", "Bytes written to storage per second.", (double)s->disk_write_bps},
            {MEMSCOPE_METRIC_NETWORK, "network_receive_bytes_per_second", "gauge", "Bytes received per second, all interfaces but loopback.", (double)s->network_rx_bps},
            {MEMSCOPE_METRIC_NETWORK, "network_transmit_bytes_per_second", "gauge", "Bytes sent per second, all interfaces but loopback.", (double)s->network_tx_bps},
            {MEMSCOPE_METRIC_GPU_USAGE, "gpu_utilization_percent", "gauge", "GPU utilisation, mean over the GPUs, percent.", s->gpu_usage_percent},
            {MEMSCOPE_METRIC_GPU_MEMORY, "gpu_memory_used_bytes", "gauge", "GPU memory in use, all GPUs.", (double)s->gpu_memory_used},
            {MEMSCOPE_METRIC_GPU_MEMORY, "gpu_memory_total_bytes", "gauge", "GPU memory, all GPUs.", (double)s->gpu_memory_total},
        };
        for (size_t i = 0; i < sizeof sm / sizeof sm[0]; i++) {
            if (!(s->available & sm[i].bit)) continue;
            ms__prom_head(o, sm[i].name, sm[i].type, sm[i].help);
            ms__prom_sample(o, sm[i].name, labels, NULL, 0, sm[i].v);
        }
    }
}

MEMSCOPE_DEF memscope_result memscope_export_prometheus(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    ms__export x;
    memscope_result res = ms__export_begin(&x, t, path, 0);
    if (res != MEMSCOPE_OK) return res;
    ms__prom_write(x.f.out, t, &x.r);
    return ms__export_end(&x);
}

/* The periodic exposition: the monitor thread rewrites each registered file (atomically,
   like every export) when its interval has passed, for node_exporter's textfile collector. */
#define MS__PROM_MAX 8
static struct { memscope_tracker *t; char *path; uint64_t every_ns, due; long pid; } ms__prom[MS__PROM_MAX];

MS__MAYBE_UNUSED static void ms__prom_tick(void) {
    pthread_mutex_lock(&ms__prom_lock);
    uint64_t now = ms__mono_ns();
    for (int i = 0; i < MS__PROM_MAX; i++) {
        if (!ms__prom[i].t || now < ms__prom[i].due || ms__prom[i].pid != (long)getpid()) continue;
        memscope_export_prometheus(ms__prom[i].t, ms__prom[i].path); /* a failure is retried next time */
        ms__prom[i].due = now + ms__prom[i].every_ns;
    }
    pthread_mutex_unlock(&ms__prom_lock);
}

static void ms__prom_forget(memscope_tracker *t) {
    pthread_mutex_lock(&ms__prom_lock);
    for (int i = 0; i < MS__PROM_MAX; i++)
        if (ms__prom[i].t == t) { MEMSCOPE_FREE(ms__prom[i].path); ms__prom[i].t = NULL; ms__prom[i].path = NULL; }
    pthread_mutex_unlock(&ms__prom_lock);
}

MEMSCOPE_DEF memscope_result memscope_set_prometheus_file(memscope_tracker *t, const char *path, unsigned interval_sec) {
    if (!t || t->loaded || (path && (!*path || interval_sec == 0 || interval_sec > 86400))) return MEMSCOPE_ERR_INVALID_ARG;
    ms__prom_forget(t);
    if (!path) return MEMSCOPE_OK;
#ifdef MEMSCOPE_NO_MONITOR
    return MEMSCOPE_ERR_UNSUPPORTED;
#else
    memscope_result first = memscope_export_prometheus(t, path); /* now: a bad path is an error now */
    if (first != MEMSCOPE_OK) return first;
    char *copy = ms__strdup(path);
    if (!copy) return MEMSCOPE_ERR_NO_MEMORY;
    pthread_mutex_lock(&ms__prom_lock);
    int slot = -1;
    for (int i = 0; i < MS__PROM_MAX && slot < 0; i++) if (!ms__prom[i].t) slot = i;
    if (slot >= 0) {
        ms__prom[slot].t = t;
        ms__prom[slot].path = copy;
        ms__prom[slot].every_ns = (uint64_t)interval_sec * 1000000000u;
        ms__prom[slot].due = ms__mono_ns() + ms__prom[slot].every_ns;
        ms__prom[slot].pid = (long)getpid();
    }
    pthread_mutex_unlock(&ms__prom_lock);
    if (slot < 0) { MEMSCOPE_FREE(copy); return MEMSCOPE_ERR_NO_MEMORY; }
    atomic_store(&ms__mon_tick_hook, ms__prom_tick);
    memscope_with_system_monitoring(t); /* the monitor thread does the writing */
    return MEMSCOPE_OK;
#endif
}

/* ---- Chrome Trace Event JSON ---- */

typedef struct ms__trace_ctx {
    memscope_tracker *t;
    const memscope_report *r;
    uint32_t *tids; double *thr_live, *thr_bmax; size_t nthr;
    double live, bucket_max, bucket_t;
    uint64_t every, n;
} ms__trace_ctx;

static void ms__trace_counter(ms__out *o, const char *name, uint64_t ts_ns, const char *key, double v) {
    ms__out_lit(o, ",\n{\"name\":"); ms__out_str(o, name);
    ms__out_lit(o, ",\"ph\":\"C\",\"pid\":1,\"tid\":0,\"ts\":");
    ms__out_double(o, (double)ts_ns / 1000.0);
    ms__out_lit(o, ",\"args\":{"); ms__out_str(o, key); ms__out_lit(o, ":");
    ms__out_u64(o, ms__round(v));
    ms__out_lit(o, "}}");
}

static void ms__trace_event(ms__out *o, void *ctx, uint32_t site, const memscope_event *ev, uint64_t index) {
    (void)site;
    ms__trace_ctx *c = (ms__trace_ctx *)ctx;
    double w = 1.0 / (c->r->sample_rate > 0 ? c->r->sample_rate : 1.0);
    uint64_t mean = ms__sample_bytes(c->t);
    if (mean) w *= ms__sample_weight((uint64_t)ev->size, mean);
    /* a free carries the size, and the allocating thread; under byte sampling its weight is
       the same function of the size */
    double d = (ev->kind == MEMSCOPE_EVENT_ALLOC ? 1.0 : -1.0) * w * (double)ev->size;
    c->live += d;
    uint32_t owner = ev->kind == MEMSCOPE_EVENT_ALLOC ? ev->thread_id : ev->alloc_thread_id;
    for (size_t i = 0; i < c->nthr; i++) if (c->tids[i] == owner) { c->thr_live[i] += d; if (c->thr_live[i] > c->thr_bmax[i]) c->thr_bmax[i] = c->thr_live[i]; break; }
    if (index % c->every == 0 || c->live > c->bucket_max) { c->bucket_max = c->live; c->bucket_t = (double)ev->timestamp_ns; }
    /* one point per bucket of `every` events: the bucket's highest value, so the peak is exact */
    if ((index + 1) % c->every == 0 || index + 1 == c->n) {
        ms__trace_counter(o, "live bytes", ms__d2u64(c->bucket_t), "bytes", c->bucket_max);
        for (size_t i = 0; i < c->nthr; i++) {
            char name[64];
            snprintf(name, sizeof name, "live bytes of thread %u", c->tids[i]);
            ms__trace_counter(o, name, ms__d2u64(c->bucket_t), "bytes", c->thr_bmax[i]);
            c->thr_bmax[i] = c->thr_live[i];
        }
    }
}

MEMSCOPE_DEF memscope_result memscope_export_trace(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    ms__export x;
    memscope_result res = ms__export_begin(&x, t, path, 0);
    if (res != MEMSCOPE_OK) return res;
    ms__out *o = x.f.out;
    const memscope_report *r = &x.r;
    ms__trace_ctx c;
    memset(&c, 0, sizeof c);
    c.t = t; c.r = r;
    c.nthr = r->thread_count;
    c.tids = (uint32_t *)ms__calloc(c.nthr + 1, sizeof *c.tids);
    c.thr_live = (double *)ms__calloc(c.nthr + 1, sizeof *c.thr_live);
    c.thr_bmax = (double *)ms__calloc(c.nthr + 1, sizeof *c.thr_bmax);
    if (!c.tids || !c.thr_live || !c.thr_bmax) o->err = ENOMEM;
    for (size_t i = 0; i < c.nthr && c.tids; i++) c.tids[i] = r->threads[i].thread_id;
    c.n = r->total_allocations + r->total_deallocations - r->dropped_events;
    c.every = c.n / 20000 + 1; /* about 20 000 points per counter */
    if (c.nthr > 16) c.nthr = 16; /* per-thread counters for the first 16 threads */
    ms__out_lit(o, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"generator\":\"memscope.h " MEMSCOPE_VERSION_STRING "\"},\"traceEvents\":[\n");
    ms__out_lit(o, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"memscope: tracked memory\"}}");
    for (size_t i = 0; i < r->thread_count; i++) {
        ms__out_lit(o, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":");
        ms__out_u64(o, r->threads[i].thread_id);
        ms__out_lit(o, ",\"args\":{\"name\":");
        char nm[64];
        snprintf(nm, sizeof nm, "%s (%u)", r->threads[i].thread_name && *r->threads[i].thread_name ? r->threads[i].thread_name : "thread",
                 r->threads[i].thread_id);
        ms__out_str(o, nm);
        ms__out_lit(o, "}}");
        /* each thread's totals, as one instant event on its own track */
        ms__out_lit(o, ",\n{\"name\":\"thread totals\",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"ts\":0,\"tid\":");
        ms__out_u64(o, r->threads[i].thread_id);
        ms__out_lit(o, ",\"args\":{\"allocations\":"); ms__out_u64(o, r->threads[i].allocations);
        ms__out_lit(o, ",\"frees\":"); ms__out_u64(o, r->threads[i].deallocations);
        ms__out_lit(o, ",\"allocated_bytes\":"); ms__out_u64(o, r->threads[i].allocated_bytes);
        ms__out_lit(o, ",\"live_bytes\":"); ms__out_u64(o, r->threads[i].current_bytes);
        ms__out_lit(o, ",\"peak_bytes\":"); ms__out_u64(o, r->threads[i].peak_bytes);
        ms__out_lit(o, "}}");
    }
    if (!o->err) ms__each_event(o, t, NULL, NULL, 0, ms__trace_event, &c);
    for (size_t i = 0; i < r->system_snapshot_count; i++) {
        const memscope_system_snapshot *s = &r->system_snapshots[i];
        if (s->available & MEMSCOPE_METRIC_MEMORY) ms__trace_counter(o, "RSS bytes", s->elapsed_ns, "bytes", (double)s->memory_usage_bytes);
        if (s->available & MEMSCOPE_METRIC_CPU) {
            ms__out_lit(o, ",\n{\"name\":\"CPU %\",\"ph\":\"C\",\"pid\":1,\"tid\":0,\"ts\":");
            ms__out_double(o, (double)s->elapsed_ns / 1000.0);
            ms__out_lit(o, ",\"args\":{\"percent\":"); ms__out_double(o, s->cpu_usage_percent); ms__out_lit(o, "}}");
        }
    }
    ms__out_lit(o, "\n]}\n");
    MEMSCOPE_FREE(c.tids); MEMSCOPE_FREE(c.thr_live); MEMSCOPE_FREE(c.thr_bmax);
    return ms__export_end(&x);
}

/* ---- massif (valgrind --tool=massif's text format, for ms_print and massif-visualizer) and
   DHAT JSON v2 (valgrind --tool=dhat's, for dh_view.html) ---- */

/* A program point's path, innermost first: its TRACK site (a named variable) when it has
   one, then its frames. The whole-program hooks' sites ("malloc") are left out: the tree's
   root already says "heap allocation functions". */
static int ms__site_is_hook(memscope_tracker *t, uint32_t site) {
    ms__site_text s = ms__site_text_of(t, site);
    return !s.file && (!s.type || !*s.type);
}
static int ms__pp_site_first(memscope_tracker *t, const ms__pp *p) { /* named, or nothing else to show */
    return !ms__site_is_hook(t, p->site) || !ms__stack_depth_of(t, p->stack);
}
static size_t ms__pp_path_len(memscope_tracker *t, const ms__pp *p) {
    return (size_t)ms__pp_site_first(t, p) + ms__stack_depth_of(t, p->stack);
}
/* key of element k of the path (for merging tree nodes) and its label */
static uint64_t ms__pp_path_key(memscope_tracker *t, const ms__pp *p, size_t k) {
    int named = ms__pp_site_first(t, p);
    if (named && k == 0) return (uint64_t)p->site << 1 | 1;
    uintptr_t f[MEMSCOPE_MAX_STACK_DEPTH];
    size_t n = memscope_stack_frames(t, p->stack, f, MEMSCOPE_MAX_STACK_DEPTH);
    size_t i = k - (size_t)named;
    return i < n ? (uint64_t)f[i] << 1 : 0;
}
static void ms__pp_path_label(memscope_tracker *t, const ms__pp *p, size_t k, char *buf, size_t cap) {
    int named = ms__pp_site_first(t, p);
    if (named && k == 0) {
        char nm[900];
        ms__site_name(t, p->site, nm, sizeof nm);
        snprintf(buf, cap, "0x0: %s", nm);
        return;
    }
    /* valgrind's form: "0xADDR: fn (file:line)", else "(in module)"; calls inlined at the
       address first, each "[inlined in]" the next */
    memscope_symbol f[MS__INL_MAX + 1];
    size_t n = ms__frame_syms(t, p->stack, k - (size_t)named, f, MS__INL_MAX + 1), at = 0;
    if (!n) { snprintf(buf, cap, "0x0: ???"); return; }
    if (n > MS__INL_MAX + 1) n = MS__INL_MAX + 1;
    at = (size_t)snprintf(buf, cap, "0x%llX: ", (unsigned long long)f[0].address);
    for (size_t i = 0; i < n && at < cap; i++) {
        char nm[512];
        ms__sym_name(&f[i], nm, sizeof nm);
        const char *mod = f[i].module ? strrchr(f[i].module, '/') : NULL, *src = f[i].file ? strrchr(f[i].file, '/') : NULL;
        mod = mod ? mod + 1 : f[i].module;
        src = src ? src + 1 : f[i].file;
        int w;
        if (src && f[i].line) w = snprintf(buf + at, cap - at, "%s%s (%s:%u)", i ? " [inlined in] " : "", nm, src, (unsigned)f[i].line);
        else if (mod && f[i].function) w = snprintf(buf + at, cap - at, "%s%s (in %s)", i ? " [inlined in] " : "", nm, mod);
        else w = snprintf(buf + at, cap - at, "%s%s", i ? " [inlined in] " : "", nm);
        if (w < 0) break;
        at += (size_t)w;
    }
}
static void ms__massif_clean(char *s) { /* one line, and no '#': ms_print cuts a line there */
    for (; *s; s++) if (*s == '\n' || *s == '\r' || *s == '#') *s = *s == '#' ? '_' : ' ';
}

/* One node of the heap tree: the program points below it (indices into the sorted order) */
static void ms__massif_node(ms__out *o, memscope_tracker *t, const ms__pp *pp, uint32_t *idx, const uint64_t *bytes,
                            size_t n, size_t depth, uint64_t total, uint64_t node_bytes) {
    /* children: group idx[0..n) by the key at depth (idx is sorted so equal keys are adjacent) */
    size_t groups = 0, small = 0, i = 0;
    uint64_t small_b = 0, sig_b = 0;
    while (i < n) {
        if (ms__pp_path_len(t, &pp[idx[i]]) <= depth) { i++; continue; } /* ends here */
        uint64_t key = ms__pp_path_key(t, &pp[idx[i]], depth), b = 0;
        size_t j = i;
        while (j < n && ms__pp_path_len(t, &pp[idx[j]]) > depth && ms__pp_path_key(t, &pp[idx[j]], depth) == key) b += bytes[idx[j++]];
        if (b * 100 >= total && b) { groups++; sig_b += b; } else if (b) { small++; small_b += b; }
        i = j;
    }
    /* bytes allocated where a path ends, at this node: a leaf when nothing goes deeper; next to
       children, one more "place" of the threshold line when below 1 %, else a leaf child */
    uint64_t here = node_bytes - sig_b - small_b;
    int leaf = !groups && !small;
    int here_child = !leaf && here && here * 100 >= total;
    int here_small = !leaf && here && !here_child;
    size_t below = small + (here_small ? 1u : 0u);
    /* this node's line */
    for (size_t d = 0; d < depth; d++) ms__out_lit(o, " ");
    ms__out_lit(o, "n");
    ms__out_u64(o, leaf ? 0 : groups + (here_child ? 1u : 0u) + (below ? 1u : 0u));
    ms__out_lit(o, ": ");
    ms__out_u64(o, node_bytes);
    ms__out_lit(o, " ");
    char label[1024];
    if (depth == 0) snprintf(label, sizeof label, "(heap allocation functions) malloc/new/new[], --alloc-fns, etc.");
    else ms__pp_path_label(t, &pp[idx[0]], depth - 1, label, sizeof label);
    ms__massif_clean(label);
    ms__out_mem(o, label, strlen(label));
    ms__out_lit(o, "\n");
    if (leaf) return;
    /* significant children (and the "here" leaf), largest first */
    typedef struct { size_t a, b; uint64_t bytes; int here; } grp;
    size_t cap = groups + 1;
    grp *g = (grp *)MEMSCOPE_MALLOC(cap * sizeof *g);
    size_t ng = 0;
    for (i = 0; i < n && g;) {
        if (ms__pp_path_len(t, &pp[idx[i]]) <= depth) { i++; continue; }
        uint64_t key = ms__pp_path_key(t, &pp[idx[i]], depth), b = 0;
        size_t j = i;
        while (j < n && ms__pp_path_len(t, &pp[idx[j]]) > depth && ms__pp_path_key(t, &pp[idx[j]], depth) == key) b += bytes[idx[j++]];
        if (b * 100 >= total && b) { g[ng].a = i; g[ng].b = j; g[ng].bytes = b; g[ng].here = 0; ng++; }
        i = j;
    }
    if (g && here_child) { g[ng].a = g[ng].b = 0; g[ng].bytes = here; g[ng].here = 1; ng++; }
    for (size_t x = 1; x < ng; x++) { /* insertion sort, largest first (few children) */
        grp v = g[x];
        size_t y = x;
        while (y > 0 && g[y - 1].bytes < v.bytes) { g[y] = g[y - 1]; y--; }
        g[y] = v;
    }
    for (size_t x = 0; x < ng; x++) {
        if (g[x].here) {
            for (size_t d = 0; d <= depth; d++) ms__out_lit(o, " ");
            ms__out_lit(o, "n0: ");
            ms__out_u64(o, g[x].bytes);
            ms__out_lit(o, " 0x0: (allocated here: the call stack ends at the frame above)\n");
        } else {
            ms__massif_node(o, t, pp, idx + g[x].a, bytes, g[x].b - g[x].a, depth + 1, total, g[x].bytes);
        }
    }
    MEMSCOPE_FREE(g);
    if (below) {
        for (size_t d = 0; d <= depth; d++) ms__out_lit(o, " ");
        ms__out_lit(o, "n0: ");
        ms__out_u64(o, small_b + (here_small ? here : 0));
        if (below == 1) ms__out_lit(o, " in 1 place, below massif's threshold (1.00%)\n");
        else { ms__out_lit(o, " in "); ms__out_u64(o, below); ms__out_lit(o, " places, all below massif's threshold (1.00%)\n"); }
    }
}

typedef struct ms__massif_snap { uint64_t time, heap; uint64_t *pp_bytes; size_t npp; int kind; } ms__massif_snap;
typedef struct ms__massif_ctx {
    const uint64_t *marks; size_t nmarks, next;
    ms__massif_snap *snaps;
    double cum_b;                      /* allocated so far (the time unit: B) */
    int err;
} ms__massif_ctx;

static void ms__massif_after(ms__agg *a, uint64_t index, const memscope_event *ev, void *ctx) {
    ms__massif_ctx *c = (ms__massif_ctx *)ctx;
    if (ev->kind == MEMSCOPE_EVENT_ALLOC) {
        double w = a->rate_w * (a->mean ? ms__sample_weight((uint64_t)ev->size, a->mean) : 1.0);
        c->cum_b += w * (double)ev->size;
    }
    while (c->next < c->nmarks && c->marks[c->next] == index) {
        ms__massif_snap *s = &c->snaps[c->next];
        s->time = ms__round(c->cum_b);
        if (s->kind) { /* detailed: every program point's live bytes */
            s->pp_bytes = (uint64_t *)MEMSCOPE_MALLOC((a->npp + 1) * sizeof *s->pp_bytes);
            if (!s->pp_bytes) { c->err = 1; }
            else { for (size_t i = 0; i < a->npp; i++) s->pp_bytes[i] = ms__round(a->pp[i].live_b); s->npp = a->npp; }
        }
        s->heap = 0;
        if (s->pp_bytes) for (size_t i = 0; i < s->npp; i++) s->heap += s->pp_bytes[i];
        else s->heap = ms__round(a->live_b);
        c->next++;
    }
}

typedef struct ms__pp_sort { memscope_tracker *t; const ms__pp *pp; } ms__pp_sort;
static int ms__cmp_pp_path(const void *x, const void *y, void *arg) { /* by path, element by element */
    const ms__pp_sort *c = (const ms__pp_sort *)arg;
    const ms__pp *a = &c->pp[*(const uint32_t *)x], *b = &c->pp[*(const uint32_t *)y];
    size_t na = ms__pp_path_len(c->t, a), nb = ms__pp_path_len(c->t, b);
    for (size_t k = 0; k < na && k < nb; k++) {
        uint64_t ka = ms__pp_path_key(c->t, a, k), kb = ms__pp_path_key(c->t, b, k);
        if (ka != kb) return ka < kb ? -1 : 1;
    }
    return (na > nb) - (na < nb);
}

MEMSCOPE_DEF memscope_result memscope_export_massif(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    ms__export x;
    memscope_result res = ms__export_begin(&x, t, path, 0);
    if (res != MEMSCOPE_OK) return res;
    ms__out *o = x.f.out;
    ms__agg a;
    memset(&a, 0, sizeof a);
    enum { SNAPS = 50, DETAIL_EVERY = 10 };
    uint64_t marks[SNAPS + 2];
    ms__massif_snap snaps[SNAPS + 2];
    memset(snaps, 0, sizeof snaps);
    ms__massif_ctx c;
    memset(&c, 0, sizeof c);
    /* pass 1 alone: the number of events and the peak's index */
    a.t = t;
    a.rate_w = 1.0 / (x.r.sample_rate > 0 ? x.r.sample_rate : 1.0);
    a.mean = ms__sample_bytes(t);
    a.pass = 1;
    ms__each_event(o, t, NULL, NULL, 0, ms__agg_event, &a);
    uint64_t n = a.events, peak_index = a.peak_at ? a.peak_at - 1 : UINT64_MAX;
    size_t nm = 0;
    for (uint64_t k = 1; k <= SNAPS && n; k++) {
        uint64_t idx = k * n / SNAPS - 1;
        if (peak_index != UINT64_MAX && idx > peak_index && (nm == 0 || marks[nm - 1] < peak_index)) marks[nm++] = peak_index;
        if (nm == 0 || marks[nm - 1] < idx) marks[nm++] = idx;
    }
    if (peak_index != UINT64_MAX && (nm == 0 || marks[nm - 1] < peak_index)) marks[nm++] = peak_index;
    for (size_t i = 0; i < nm; i++) snaps[i + 1].kind = marks[i] == peak_index ? 2 : (i + 1) % DETAIL_EVERY == 0 ? 1 : 0;
    c.marks = marks; c.nmarks = nm; c.snaps = snaps + 1;
    ms__agg_reset(&a);
    a.pass = 2;
    a.after = ms__massif_after;
    a.ctx = &c;
    ms__each_event(o, t, NULL, NULL, 0, ms__agg_event, &a);
    if (a.err || c.err) o->err = ENOMEM;
    char program[64];
    ms__program_name(t, program, sizeof program);
    ms__massif_clean(program);
    if (!*program) snprintf(program, sizeof program, "(unknown)");
    ms__out_lit(o, "desc: memscope.h " MEMSCOPE_VERSION_STRING "\ncmd: ");
    ms__out_mem(o, program, strlen(program));
    ms__out_lit(o, "\ntime_unit: B\n");
    uint32_t *idx = a.npp ? (uint32_t *)MEMSCOPE_MALLOC(a.npp * sizeof *idx) : NULL;
    if (a.npp && !idx) o->err = ENOMEM;
    for (size_t i = 0; i < a.npp && idx; i++) idx[i] = (uint32_t)i;
    if (idx) { /* one order of the program points, by path, for every tree */
        ms__pp_sort by = {t, a.pp};
        qsort_r(idx, a.npp, sizeof *idx, ms__cmp_pp_path, &by);
    }
    for (size_t i = 0; i <= nm && !o->err; i++) {
        const ms__massif_snap *s = &snaps[i];
        ms__out_lit(o, "#-----------\nsnapshot="); ms__out_u64(o, i);
        ms__out_lit(o, "\n#-----------\ntime="); ms__out_u64(o, s->time);
        ms__out_lit(o, "\nmem_heap_B="); ms__out_u64(o, s->heap);
        ms__out_lit(o, "\nmem_heap_extra_B=0\nmem_stacks_B=0\nheap_tree=");
        if (!s->kind || !s->pp_bytes) { ms__out_lit(o, "empty\n"); continue; }
        if (s->kind == 2) ms__out_lit(o, "peak\n"); else ms__out_lit(o, "detailed\n");
        /* the tree over the program points that existed at that moment */
        size_t k = 0;
        uint32_t *sub = (uint32_t *)MEMSCOPE_MALLOC((a.npp + 1) * sizeof *sub);
        if (!sub) { o->err = ENOMEM; break; }
        for (size_t j = 0; j < a.npp; j++) if (idx[j] < s->npp && s->pp_bytes[idx[j]]) sub[k++] = idx[j];
        ms__massif_node(o, t, a.pp, sub, s->pp_bytes, k, 0, s->heap ? s->heap : 1, s->heap);
        MEMSCOPE_FREE(sub);
    }
    MEMSCOPE_FREE(idx);
    for (size_t i = 0; i <= nm; i++) MEMSCOPE_FREE(snaps[i].pp_bytes);
    ms__agg_free(&a);
    return ms__export_end(&x);
}

/* DHAT: a program point per (stack, site), with its totals, most live at once, what was live
   at the global peak and at the end; times in microseconds. */
MEMSCOPE_DEF memscope_result memscope_export_dhat(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    ms__export x;
    memscope_result res = ms__export_begin(&x, t, path, 0);
    if (res != MEMSCOPE_OK) return res;
    ms__out *o = x.f.out;
    ms__agg a;
    memset(&a, 0, sizeof a);
    ms__idmap frames;
    memset(&frames, 0, sizeof frames);
    if (ms__agg_run(&a, o, t, &x.r) == 0) {
        char program[64];
        ms__program_name(t, program, sizeof program);
        long pid = (long)getpid();
#if !defined(MEMSCOPE_NO_BINARY)
        if (t->loaded) pid = (long)t->loaded->pid;
#endif
        ms__out_lit(o, "{\"dhatFileVersion\":2,\"mode\":\"heap\",\"verb\":\"Allocated\",\"bklt\":true,\"bkacc\":false,"
                       "\"tu\":\"\xc2\xb5s\",\"Mtu\":\"s\",\"tuth\":500,\"cmd\":");
        ms__out_str(o, program);
        ms__out_lit(o, ",\"pid\":"); ms__out_u64(o, (uint64_t)pid);
        ms__out_lit(o, ",\"te\":"); ms__out_u64(o, a.t_end / 1000);
        ms__out_lit(o, ",\"tg\":"); ms__out_u64(o, a.t_peak / 1000);
        ms__out_lit(o, ",\"pps\":[");
        /* frame table: index 0 "[root]", then each distinct path element */
        size_t first = 1, nframes = 0;
        for (size_t i = 0; i < a.npp && !o->err; i++) {
            const ms__pp *p = &a.pp[i];
            if (!ms__round(p->alloc_n)) continue;
            ms__out_mem(o, first ? "\n{" : ",\n{", first ? 2 : 3);
            first = 0;
            ms__out_lit(o, "\"tb\":"); ms__out_u64(o, ms__round(p->alloc_b));
            ms__out_lit(o, ",\"tbk\":"); ms__out_u64(o, ms__round(p->alloc_n));
            ms__out_lit(o, ",\"tl\":"); ms__out_u64(o, ms__round(p->life_ns / 1000.0));
            ms__out_lit(o, ",\"mb\":"); ms__out_u64(o, ms__round(p->max_b));
            ms__out_lit(o, ",\"mbk\":"); ms__out_u64(o, ms__round(p->max_n));
            ms__out_lit(o, ",\"gb\":"); ms__out_u64(o, ms__round(p->peak_b));
            ms__out_lit(o, ",\"gbk\":"); ms__out_u64(o, ms__round(p->peak_n));
            ms__out_lit(o, ",\"eb\":"); ms__out_u64(o, ms__round(p->live_b));
            ms__out_lit(o, ",\"ebk\":"); ms__out_u64(o, ms__round(p->live_n));
            ms__out_lit(o, ",\"fs\":[");
            size_t len = ms__pp_path_len(t, p);
            for (size_t k = 0; k < len; k++) {
                int fresh;
                uint32_t id = ms__idmap_get(&frames, ms__pp_path_key(t, p, k), &fresh);
                if (k) ms__out_lit(o, ",");
                ms__out_u64(o, id);
                if (id > nframes) nframes = id;
            }
            ms__out_lit(o, "]}");
        }
        ms__out_lit(o, "\n],\"ftbl\":[\"[root]\"");
        /* labels in id order: walk the program points again, writing each id once */
        char *done = (char *)ms__calloc(nframes + 2, 1);
        char **labels = (char **)ms__calloc(nframes + 2, sizeof *labels);
        if (!done || !labels) o->err = ENOMEM;
        for (size_t i = 0; i < a.npp && done && labels; i++) {
            const ms__pp *p = &a.pp[i];
            size_t len = ms__pp_path_len(t, p);
            char label[1024];
            for (size_t k = 0; k < len; k++) {
                int fresh;
                uint32_t id = ms__idmap_get(&frames, ms__pp_path_key(t, p, k), &fresh);
                if (fresh || id > nframes || done[id]) continue;
                done[id] = 1;
                ms__pp_path_label(t, p, k, label, sizeof label);
                labels[id] = ms__strdup(label);
            }
        }
        for (size_t id = 1; id <= nframes && labels; id++) {
            ms__out_lit(o, ",");
            ms__out_str(o, labels[id] ? labels[id] : "???");
            MEMSCOPE_FREE(labels[id]);
        }
        MEMSCOPE_FREE(done);
        MEMSCOPE_FREE(labels);
        ms__out_lit(o, "]}\n");
    } else if (!o->err) {
        o->err = ENOMEM;
    }
    ms__idmap_free(&frames);
    ms__agg_free(&a);
    return ms__export_end(&x);
}

#ifndef MEMSCOPE_NO_BINARY
/* ---- pprof profile.proto (github.com/google/pprof proto/profile.proto), gzip-wrapped ---- */

static void ms__pb_key(ms__buf *b, unsigned field, unsigned wire) { ms__buf_varint(b, (uint64_t)field << 3 | wire); }
static void ms__pb_u64(ms__buf *b, unsigned field, uint64_t v) { if (v) { ms__pb_key(b, field, 0); ms__buf_varint(b, v); } }
static void ms__pb_bytes(ms__buf *b, unsigned field, const void *p, size_t n) {
    ms__pb_key(b, field, 2); ms__buf_varint(b, n); ms__buf_put(b, p, n);
}

/* String table: index 0 is "" (required by the format). */
typedef struct ms__strtab { ms__buf out; char **s; uint32_t *map; size_t n, cap, map_cap; int err; } ms__strtab;
static uint64_t ms__strtab_id(ms__strtab *st, const char *s) {
    if (!s) s = "";
    if ((st->n + 1) * 2 > st->map_cap) {
        size_t cap = st->map_cap ? st->map_cap * 2 : 256;
        uint32_t *m = (uint32_t *)ms__calloc(cap, sizeof *m);
        if (!m) { st->err = 1; return 0; }
        for (size_t i = 0; i < st->n; i++) {
            size_t h = (size_t)ms__hash_str(0, st->s[i]) & (cap - 1);
            while (m[h]) h = (h + 1) & (cap - 1);
            m[h] = (uint32_t)i + 1;
        }
        MEMSCOPE_FREE(st->map); st->map = m; st->map_cap = cap;
    }
    size_t h = (size_t)ms__hash_str(0, s) & (st->map_cap - 1);
    while (st->map[h]) {
        if (!strcmp(st->s[st->map[h] - 1], s)) return st->map[h] - 1;
        h = (h + 1) & (st->map_cap - 1);
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 256;
        char **ns = (char **)MEMSCOPE_MALLOC(cap * sizeof *ns);
        if (!ns) { st->err = 1; return 0; }
        if (st->n) memcpy(ns, st->s, st->n * sizeof *ns);
        MEMSCOPE_FREE(st->s); st->s = ns; st->cap = cap;
    }
    char *copy = ms__strdup(s);
    if (!copy) { st->err = 1; return 0; }
    st->s[st->n] = copy;
    st->map[h] = (uint32_t)++st->n;
    ms__pb_bytes(&st->out, 6, s, strlen(s)); /* string_table, in index order */
    return st->n - 1;
}
static void ms__strtab_free(ms__strtab *st) {
    for (size_t i = 0; i < st->n; i++) MEMSCOPE_FREE(st->s[i]);
    MEMSCOPE_FREE(st->s); MEMSCOPE_FREE(st->map); MEMSCOPE_FREE(st->out.p);
}


/* A function per distinct (name, file); a location per distinct frame address, and one per
   site (the leaf: "malloc", or the TRACKed variable). */
#define MS__PPROF_MAPS 1024u
typedef struct ms__pprof {
    memscope_tracker *t;
    ms__strtab st;
    ms__idmap fn_ids, loc_ids, map_ids;
    ms__buf fns, locs, maps, samples, tmp;
    uint32_t nmaps;
    uint64_t map_name[MS__PPROF_MAPS]; /* string id of mapping i + 1 */
    unsigned char map_unnamed[MS__PPROF_MAPS]; /* a frame in it had no function name */
    unsigned char map_unlined[MS__PPROF_MAPS]; /* a frame in it had no file and line */
} ms__pprof;

/* A mapping per module (its file name), written at the end: has_functions only where every
   frame in it was named (elsewhere pprof may name them from the binary itself). */
static uint32_t ms__pprof_mapping(ms__pprof *p, const char *module, int named, int lined) {
    if (!module || !*module) return 0;
    int fresh;
    uint32_t id = ms__idmap_get(&p->map_ids, ms__hash_str(0x6d6170, module), &fresh);
    if (!id || id > MS__PPROF_MAPS) return 0; /* (beyond: frames without a mapping) */
    if (fresh) {
        p->map_name[id - 1] = ms__strtab_id(&p->st, module);
        p->map_unnamed[id - 1] = 0;
        p->map_unlined[id - 1] = 0;
        if (id > p->nmaps) p->nmaps = id;
    }
    if (!named) p->map_unnamed[id - 1] = 1;
    if (!lined) p->map_unlined[id - 1] = 1;
    return id;
}

static void ms__pprof_mappings(ms__pprof *p) {
    for (uint32_t i = 0; i < p->nmaps; i++) {
        ms__buf m = {NULL, 0, 0, 0};
        ms__pb_u64(&m, 1, i + 1);
        ms__pb_u64(&m, 5, p->map_name[i]);
        ms__pb_u64(&m, 7, p->map_unnamed[i] ? 0u : 1u); /* has_functions */
        ms__pb_u64(&m, 8, p->map_unlined[i] ? 0u : 1u); /* has_filenames */
        ms__pb_u64(&m, 9, p->map_unlined[i] ? 0u : 1u); /* has_line_numbers */
        ms__pb_bytes(&p->maps, 3, m.p, m.len);
        if (m.err) p->maps.err = 1;
        MEMSCOPE_FREE(m.p);
    }
}

static uint32_t ms__pprof_fn(ms__pprof *p, const char *name, const char *file, uint32_t line) {
    uint64_t key = ms__hash_str(ms__hash_str(0, name), file) ^ line;
    int fresh;
    uint32_t id = ms__idmap_get(&p->fn_ids, key, &fresh);
    if (fresh) {
        ms__buf *b = &p->tmp;
        b->len = 0;
        ms__pb_u64(b, 1, id);
        ms__pb_u64(b, 2, ms__strtab_id(&p->st, name));
        ms__pb_u64(b, 3, ms__strtab_id(&p->st, name));
        ms__pb_u64(b, 4, ms__strtab_id(&p->st, file));
        ms__pb_u64(b, 5, line);
        ms__pb_bytes(&p->fns, 5, b->p, b->len);
    }
    return id;
}

/* A location: one address, its lines innermost first (calls inlined there, then the function). */
typedef struct ms__pline { const char *fn, *file; uint32_t line; } ms__pline;
static uint32_t ms__pprof_loc(ms__pprof *p, uint64_t key, uint64_t address, const ms__pline *ln, size_t n,
                              const char *module, int named) {
    int fresh;
    uint32_t id = ms__idmap_get(&p->loc_ids, key, &fresh);
    if (fresh) {
        int lines = 1;
        for (size_t i = 0; i < n; i++) lines &= ln[i].file && ln[i].line;
        uint32_t map = ms__pprof_mapping(p, module, named, lines);
        ms__buf b = {NULL, 0, 0, 0};
        ms__pb_u64(&b, 1, id);
        ms__pb_u64(&b, 2, map);
        ms__pb_u64(&b, 3, address);
        for (size_t i = 0; i < n; i++) {
            uint32_t f = ms__pprof_fn(p, ln[i].fn, ln[i].file, ln[i].line);
            ms__buf line_msg = {NULL, 0, 0, 0};
            ms__pb_u64(&line_msg, 1, f);
            ms__pb_u64(&line_msg, 2, ln[i].line);
            ms__pb_bytes(&b, 4, line_msg.p ? line_msg.p : (const unsigned char *)"", line_msg.len);
            if (line_msg.err) b.err = 1;
            MEMSCOPE_FREE(line_msg.p);
        }
        ms__pb_bytes(&p->locs, 4, b.p, b.len);
        if (b.err) p->locs.err = 1;
        MEMSCOPE_FREE(b.p);
    }
    return id;
}

static void ms__gzip_stored(ms__out *o, const unsigned char *p, size_t n) {
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    ms__out_mem(o, (const char *)head, sizeof head);
    size_t off = 0;
    do { /* deflate "stored" blocks of at most 65 535 bytes */
        size_t k = n - off > 65535 ? 65535 : n - off;
        unsigned char bh[5] = {(unsigned char)(off + k == n ? 1 : 0), (unsigned char)k, (unsigned char)(k >> 8),
                               (unsigned char)~k, (unsigned char)(~k >> 8)};
        ms__out_mem(o, (const char *)bh, 5);
        ms__out_mem(o, (const char *)p + off, k);
        off += k;
    } while (off < n);
    unsigned char tail[8];
    ms__put_le(tail, ms__crc32(0, p, n), 4);
    ms__put_le(tail + 4, (uint64_t)n & 0xffffffffu, 4);
    ms__out_mem(o, (const char *)tail, 8);
}

#define MS__PPROF_DROP "^(malloc|calloc|realloc|reallocarray|free|memalign|posix_memalign|aligned_alloc|valloc|pvalloc|" \
    "strdup|strndup|__strdup|__strndup|operator new.*|operator delete.*)$"
MEMSCOPE_DEF memscope_result memscope_export_pprof(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    ms__export x;
    memscope_result res = ms__export_begin(&x, t, path, 0);
    if (res != MEMSCOPE_OK) return res;
    ms__out *o = x.f.out;
    ms__agg a;
    memset(&a, 0, sizeof a);
    ms__pprof p;
    memset(&p, 0, sizeof p);
    p.t = t;
    ms__buf prof = {NULL, 0, 0, 0};
    ms__strtab_id(&p.st, "");
    if (ms__agg_run(&a, o, t, &x.r) == 0) {
        static const char *const types[4][2] = {{"alloc_objects", "count"}, {"alloc_space", "bytes"},
                                                {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
        for (int i = 0; i < 4; i++) {
            ms__buf vt = {NULL, 0, 0, 0};
            ms__pb_u64(&vt, 1, ms__strtab_id(&p.st, types[i][0]));
            ms__pb_u64(&vt, 2, ms__strtab_id(&p.st, types[i][1]));
            ms__pb_bytes(&prof, 1, vt.p, vt.len);
            MEMSCOPE_FREE(vt.p);
        }
        char name[1024], program[64];
        memscope_symbol *syms = (memscope_symbol *)ms__calloc(MS__SYMS_MAX, sizeof *syms);
        char (*names)[512] = (char (*)[512])ms__calloc(MS__INL_MAX + 1, 512);
        ms__pline pl[MS__INL_MAX + 1];
        if (!syms || !names) { o->err = ENOMEM; MEMSCOPE_FREE(syms); MEMSCOPE_FREE(names); syms = NULL; names = NULL; }
        /* the program's own module first: pprof names the profile after the first mapping */
        ms__program_name(t, program, sizeof program);
        for (size_t i = 0, found = 0; i < a.npp && !found && *program; i++) {
            memscope_symbol sym;
            for (size_t k = 0; !found && memscope_stack_symbol(t, a.pp[i].stack, k, &sym); k++) {
                const char *base = sym.module ? strrchr(sym.module, '/') : NULL;
                base = base ? base + 1 : sym.module;
                if (base && !strncmp(base, program, 15) && (strlen(program) < 15 ? !strcmp(base, program) : 1)) {
                    ms__pprof_mapping(&p, sym.module, sym.function != NULL, sym.file && sym.line);
                    found = 1;
                }
            }
        }
        for (size_t i = 0; i < a.npp; i++) {
            const ms__pp *pp = &a.pp[i];
            uint64_t v[4] = {ms__round(pp->alloc_n), ms__round(pp->alloc_b), ms__round(pp->live_n), ms__round(pp->live_b)};
            if (!v[0] && !v[2]) continue;
            ms__buf ids = {NULL, 0, 0, 0}, vals = {NULL, 0, 0, 0}, smp = {NULL, 0, 0, 0};
            ms__site_text st = ms__site_text_of(t, pp->site);
            ms__site_name(t, pp->site, name, sizeof name);
            ms__pline site = {name, st.file, st.line};
            ms__buf_varint(&ids, ms__pprof_loc(&p, (uint64_t)pp->site << 1 | 1, 0, &site, 1, NULL, 1));
            size_t n = syms ? memscope_stack_symbols(t, pp->stack, syms, MS__SYMS_MAX) : 0;
            if (n > MS__SYMS_MAX) n = MS__SYMS_MAX;
            for (size_t k = 0, nl = 0; k < n; k++) { /* the inlined calls and their function: one location */
                const memscope_symbol *sym = &syms[k];
                ms__sym_name(sym, names[nl], sizeof names[nl]);
                pl[nl].fn = names[nl];
                pl[nl].file = sym->file && sym->line ? sym->file : sym->module;
                pl[nl].line = sym->file ? sym->line : 0;
                if (sym->inlined && nl + 1 < MS__INL_MAX + 1 && k + 1 < n) { nl++; continue; }
                ms__buf_varint(&ids, ms__pprof_loc(&p, (uint64_t)sym->address << 1, sym->address, pl, nl + 1,
                                                   sym->module, sym->function != NULL));
                nl = 0;
            }
            for (int k = 0; k < 4; k++) ms__buf_varint(&vals, v[k]);
            ms__pb_bytes(&smp, 1, ids.p, ids.len);
            ms__pb_bytes(&smp, 2, vals.p, vals.len);
            ms__pb_bytes(&p.samples, 2, smp.p, smp.len);
            MEMSCOPE_FREE(ids.p); MEMSCOPE_FREE(vals.p); MEMSCOPE_FREE(smp.p);
        }
        MEMSCOPE_FREE(syms);
        MEMSCOPE_FREE(names);
        ms__buf_put(&prof, p.samples.p, p.samples.len);
        ms__pprof_mappings(&p);
        ms__buf_put(&prof, p.maps.p, p.maps.len);
        ms__buf_put(&prof, p.locs.p, p.locs.len);
        ms__buf_put(&prof, p.fns.p, p.fns.len);
        uint64_t dflt = ms__strtab_id(&p.st, "inuse_space");
        uint64_t drop = ms__strtab_id(&p.st, MS__PPROF_DROP);
        ms__buf pt = {NULL, 0, 0, 0};
        ms__pb_u64(&pt, 1, ms__strtab_id(&p.st, "space"));
        ms__pb_u64(&pt, 2, ms__strtab_id(&p.st, "bytes"));
        uint64_t comment = ms__strtab_id(&p.st, "memscope.h " MEMSCOPE_VERSION_STRING);
        ms__buf_put(&prof, p.st.out.p, p.st.out.len);
        ms__pb_u64(&prof, 9, t->start_unix_ms * 1000000u);
        ms__pb_u64(&prof, 10, ms__d2u64(x.r.duration_sec * 1e9));
        ms__pb_bytes(&prof, 11, pt.p, pt.len);
        MEMSCOPE_FREE(pt.p);
        ms__pb_u64(&prof, 12, ms__sample_bytes(t) ? ms__sample_bytes(t) : 1);
        ms__pb_key(&prof, 13, 0); ms__buf_varint(&prof, comment);
        ms__pb_u64(&prof, 14, dflt);
        /* the allocator's frames and the C library's allocating wrappers dropped from the
           samples (as Go's heap profiles drop runtime.malloc): the flat cost lands on the
           program's own function that allocated */
        ms__pb_u64(&prof, 7, drop);
        if (prof.err || p.st.err || p.fns.err || p.locs.err || p.maps.err || p.samples.err || p.tmp.err) o->err = ENOMEM;
        else if (ms__ends_with(path, ".gz")) ms__gzip_stored(o, prof.p, prof.len);
        else ms__out_mem(o, (const char *)prof.p, prof.len);
    } else if (!o->err) {
        o->err = ENOMEM;
    }
    MEMSCOPE_FREE(prof.p);
    ms__strtab_free(&p.st);
    ms__idmap_free(&p.fn_ids); ms__idmap_free(&p.loc_ids); ms__idmap_free(&p.map_ids);
    MEMSCOPE_FREE(p.maps.p);
    MEMSCOPE_FREE(p.fns.p); MEMSCOPE_FREE(p.locs.p); MEMSCOPE_FREE(p.samples.p); MEMSCOPE_FREE(p.tmp.p);
    ms__agg_free(&a);
    return ms__export_end(&x);
}

#else
MEMSCOPE_DEF memscope_result memscope_export_pprof(memscope_tracker *t, const char *path) {
    (void)t; (void)path;
    return MEMSCOPE_ERR_UNSUPPORTED;
}
#endif

/* ==== >>reader ==== */

/* memscope_load reads a .msb file (docs/FORMAT.md), or a JSON report (below, "the JSON
   export read back"), into a read-only tracker: analyze,
   stats, events, stack frames and the exports answer from the file; TRACK and UNTRACK on
   it record nothing. Every count and length is checked against the bytes left before
   anything is allocated; a violation fails the load with MEMSCOPE_ERR_FORMAT and a message
   naming the offset (memscope_load_error). A file cut off before END keeps its complete
   sections (memscope_loaded_info); what it lacks is recomputed from its events. */
static _Thread_local char ms__load_err[384];

MEMSCOPE_DEF const char *memscope_load_error(void) { return ms__load_err; }

static void ms__loaded_free(struct ms__loaded *L) {
    if (!L) return;
    MEMSCOPE_FREE(L->data); MEMSCOPE_FREE(L->arena); MEMSCOPE_FREE((void *)L->strs); MEMSCOPE_FREE(L->parse_ord);
    MEMSCOPE_FREE(L->sites); MEMSCOPE_FREE(L->stacks); MEMSCOPE_FREE(L->stack_ix); MEMSCOPE_FREE(L->zbuf);
    for (void *b = L->frame_blocks, *nx; b; b = nx) { memcpy(&nx, b, sizeof nx); MEMSCOPE_FREE(b); }
    MEMSCOPE_FREE(L->blocks); MEMSCOPE_FREE(L->stack_used); MEMSCOPE_FREE(L->snaps);
    MEMSCOPE_FREE(L->threads); MEMSCOPE_FREE(L->hot); MEMSCOPE_FREE(L->hot_strs);
    for (size_t i = 0; i < L->nmods; i++)
        if (L->mods[i].sm) { ms__symmod_drop(L->mods[i].sm); MEMSCOPE_FREE(L->mods[i].sm); }
    MEMSCOPE_FREE(L->mods);
    MEMSCOPE_FREE(L);
}

#if !defined(MEMSCOPE_NO_BINARY)
typedef struct ms__rd { const unsigned char *p, *end, *base; int err; } ms__rd;

static void ms__rd_fail(ms__rd *r, const char *what) {
    if (r->err) return;
    r->err = 1;
    snprintf(ms__load_err, sizeof ms__load_err, "offset %zu: %s", (size_t)(r->p - r->base), what);
}
static uint64_t ms__rd_varint(ms__rd *r) {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end) { ms__rd_fail(r, "varint runs past its section"); return 0; }
        unsigned char c = *r->p++;
        if (shift == 63 && c > 1) { ms__rd_fail(r, "varint over 64 bits"); return 0; }
        v |= (uint64_t)(c & 127u) << shift;
        if (!(c & 128u)) return v;
    }
    ms__rd_fail(r, "varint longer than 10 bytes");
    return 0;
}
static uint64_t ms__rd_u64(ms__rd *r) {
    if (r->end - r->p < 8) { ms__rd_fail(r, "8 bytes expected"); return 0; }
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | r->p[i];
    r->p += 8;
    return v;
}
static double ms__rd_f64(ms__rd *r) {
    uint64_t v = ms__rd_u64(r);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}
/* A count of items of at least min_bytes each must fit in what is left. */
static size_t ms__rd_count(ms__rd *r, size_t min_bytes) {
    uint64_t n = ms__rd_varint(r);
    if (!r->err && n > (uint64_t)(r->end - r->p) / (min_bytes ? min_bytes : 1)) { ms__rd_fail(r, "count larger than the section can hold"); return 0; }
    return r->err ? 0 : (size_t)n;
}
/* A stack of the last STACKS section by id: entries come in the section's order, so the
   search starts after the previous find (*from) and wraps once. */
static ms__lstack *ms__lstack_in(struct ms__loaded *L, size_t *from, uint64_t id) {
    size_t lo = L->stacks_from, n = L->nstacks - lo;
    for (size_t k = 0; k < n; k++) {
        size_t i = lo + (*from - lo + k) % n;
        if (L->stacks[i].id == id) { *from = i + 1 < L->nstacks ? i + 1 : lo; return &L->stacks[i]; }
    }
    return NULL;
}

static const char *ms__rd_str(ms__rd *r, struct ms__loaded *L) {
    uint64_t i = ms__rd_varint(r);
    if (r->err || i == 0) return NULL;
    if (i > L->nstrs) { ms__rd_fail(r, "string index out of range"); return NULL; }
    return L->strs[i];
}
static int ms__lsite_by_id(const void *a, const void *b) {
    uint32_t x = ((const ms__lsite *)a)->id, y = ((const ms__lsite *)b)->id;
    return (x > y) - (x < y);
}
static ms__lsite *ms__loaded_site(struct ms__loaded *L, uint64_t id) {
    size_t lo = 0, hi = L->nsites;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (L->sites[mid].id < id) lo = mid + 1; else hi = mid;
    }
    return lo < L->nsites && L->sites[lo].id == id ? &L->sites[lo] : NULL;
}

/* The EVENTS decoder (docs/FORMAT.md), one event at a time: the parse checks every event
   with it and keeps only where each block is; each pass over a loaded file's events
   (exports, analysis, memscope_each_event) decodes them again, so memory does not grow
   with the number of events. */
typedef struct ms__lblock { const unsigned char *p; uint64_t len; uint32_t flags, n; } ms__lblock;
typedef struct ms__ldec {
    uint64_t prev_ts, prev_lit, cache[7];
    uint64_t cls[MS__MSB_CLASSES];     /* the last address of each size class */
    int predict;                       /* the block's flag 2: address mode 0 is the class's */
    int order;                         /* the block's flag 4: addresses in allocation order */
    int usec;                          /* the block's flag 8: timestamp deltas in microseconds */
    int cols;                          /* the block's flag 16: its fields in columns ... */
    ms__rd col[MS__COLS];              /* ... read here (ms__ldec_cols) */
    ms__rd *rc[MS__COLS];              /* where each kind of field is read: a column, or the payload */
    ms__msb_order *ord;                /* ... whose state every event keeps (NULL: out of memory) */
    uint32_t cur_thread;
    uint64_t cur_site;
    ms__lsite *site;                   /* of cur_site, looked up when it changes */
    uint64_t *size;                    /* per site index: a pass's own state; NULL: in the sites */
    uint32_t *stack;
} ms__ldec;

/* One event from its columns rc[MS__COL_*] (all the same reader outside flag 16). */
static int ms__ldec_event_in(ms__ldec *d, ms__rd **rc, struct ms__loaded *L, memscope_event *e, uint32_t *site_id) {
    ms__rd *r = rc[MS__COL_TAG];
    if (r->p >= r->end) { ms__rd_fail(r, "event cut off"); return 0; }
    unsigned tag = *r->p++;
    int is_free = tag & 1u;
    if (tag & 2u) {
        uint64_t v = ms__rd_varint(rc[MS__COL_THREAD]);
        if (v > UINT32_MAX) { ms__rd_fail(rc[MS__COL_THREAD], "thread id out of range"); return 0; }
        d->cur_thread = (uint32_t)v;
    }
    if ((tag & 4u) || !d->site) {
        if (tag & 4u) d->cur_site = ms__rd_varint(rc[MS__COL_SITE]);
        d->site = ms__loaded_site(L, d->cur_site);
        if (!rc[MS__COL_SITE]->err && !d->site) { ms__rd_fail(rc[MS__COL_SITE], "event refers to an undefined site"); return 0; }
    }
    if (r->err || rc[MS__COL_THREAD]->err || rc[MS__COL_SITE]->err) return 0;
    ms__lsite *s = d->site;
    size_t k = (size_t)(s - L->sites);
    uint64_t *sz = d->size ? &d->size[k] : &s->last_size;
    uint32_t *sk = d->stack ? &d->stack[k] : &s->last_stack;
    if (tag & 8u) *sz = ms__rd_varint(rc[MS__COL_SIZE]);
    uint32_t alloc_thread = d->cur_thread, stack = 0;
    if (tag & 16u) {
        uint64_t v = ms__rd_varint(rc[MS__COL_ID]);
        if (v > UINT32_MAX) { ms__rd_fail(rc[MS__COL_ID], "id out of range"); return 0; }
        if (is_free) alloc_thread = (uint32_t)v; else *sk = (uint32_t)v;
    }
    if (!is_free) stack = *sk;
    unsigned mode = tag >> 5, cls = ms__msb_class(*sz), from = 6;
    uint64_t addr;
    if (mode == 7) {
        uint64_t z = ms__rd_varint(rc[MS__COL_ADDR]);
        d->prev_lit += (z >> 1) ^ (0 - (z & 1));
        addr = d->prev_lit;
    } else if (d->order && (mode == 0 || mode == 6)) {
        ms__msb_order *o = d->ord;
        unsigned b = 0;
        if (mode == 6) {
            ms__rd *rb = rc[MS__COL_ABYTE];
            if (rb->p >= rb->end) { ms__rd_fail(rb, "event cut off"); return 0; }
            b = (unsigned)*rb->p++ + 1u;
        }
        if (is_free) { /* the ALLOC b + 1 ALLOCs ago */
            if (!o || b + 1u > o->allocs || b + 1u > MS__MSB_RING) { ms__rd_fail(r, "a FREE names an ALLOC the stream has not had, or one more than 256 ALLOCs ago"); return 0; }
            addr = o->ring[(o->allocs - b - 1u) % MS__MSB_RING];
        } else { /* depth b of the class's freed addresses */
            if (!o || b >= o->nfreed[cls]) { ms__rd_fail(r, "an ALLOC names a freed address its size class does not have"); return 0; }
            addr = *ms__msb_freed_at(o, cls, o->nfreed[cls] - 1u - b);
        }
    } else if (d->predict && mode == 0) {
        addr = d->cls[cls];
    } else {
        from = mode - (d->predict || d->order ? 1u : 0u);
        addr = d->cache[from];
    }
    uint64_t dt = ms__rd_varint(rc[MS__COL_TIME]);
    for (unsigned c = 0; c < MS__COLS; c++)
        if (rc[c]->err) return 0;
    if (d->usec) {
        if (dt > UINT64_MAX / 1000u) { ms__rd_fail(r, "timestamp overflows"); return 0; }
        dt *= 1000u;
    }
    if (dt > UINT64_MAX - d->prev_ts) { ms__rd_fail(r, "timestamp overflows"); return 0; }
    d->prev_ts += dt;
    for (unsigned i = from; i > 0; i--) d->cache[i] = d->cache[i - 1];
    d->cache[0] = addr;
    d->cls[cls] = addr;
    if (d->ord) ms__msb_order_after(d->ord, is_free, cls, addr, is_free ? -1 : ms__msb_freed_find(d->ord, cls, addr));
    e->kind = is_free ? MEMSCOPE_EVENT_FREE : MEMSCOPE_EVENT_ALLOC;
    e->timestamp_ns = d->prev_ts;
    e->address = (uintptr_t)addr;
    e->size = (size_t)*sz;
    e->thread_id = d->cur_thread;
    e->var_name = s->var; e->type_name = s->type; e->file = s->file; e->line = s->line;
    e->stack_id = stack;
    e->alloc_thread_id = alloc_thread;
    *site_id = s->id;
    return 1;
}

/* The columns of a block with flag 16, after its count n: r's bytes are theirs (r ends up at
   its end); 0 when they do not fit (r failed). */
static int ms__ldec_cols(ms__ldec *d, ms__rd *r, uint64_t n) {
    uint64_t len[MS__COLS];
    len[MS__COL_TAG] = n;
    for (unsigned c = MS__COL_THREAD; c < MS__COL_TIME; c++) len[c] = ms__rd_varint(r);
    if (r->err) return 0;
    const unsigned char *p = r->p;
    for (unsigned c = 0; c < MS__COL_TIME; c++) {
        if (len[c] > (uint64_t)(r->end - p)) { ms__rd_fail(r, "an EVENTS column runs past the end of its payload"); return 0; }
        ms__rd k = {p, p + len[c], r->base, 0};
        d->col[c] = k;
        p += len[c];
    }
    ms__rd k = {p, r->end, r->base, 0};
    d->col[MS__COL_TIME] = k;
    r->p = r->end;
    return 1;
}
/* After a block in columns: each read to its end (r failed otherwise). */
static int ms__ldec_cols_end(ms__ldec *d, ms__rd *r) {
    for (unsigned c = 0; c < MS__COLS && d->cols; c++)
        if (d->col[c].p != d->col[c].end) { ms__rd_fail(r, "bytes left over in an EVENTS column"); return 0; }
    return 1;
}

/* A block of n events with these section flags, whose payload r holds after the count: the
   decoder reads its events from r, or from its columns (0 when they do not fit: r failed). */
static int ms__ldec_block(ms__ldec *d, ms__rd *r, uint32_t flags, uint64_t n) {
    d->predict = (flags & MS__MSB_PREDICT) != 0;
    d->order = (flags & MS__MSB_ORDER) != 0;
    d->usec = (flags & MS__MSB_USEC) != 0;
    d->cols = (flags & MS__MSB_COLS) != 0;
    for (unsigned c = 0; c < MS__COLS; c++) d->rc[c] = d->cols ? &d->col[c] : r;
    return !d->cols || ms__ldec_cols(d, r, n);
}

/* One event of the block ms__ldec_block opened on r into *e (site id in *site_id); 0 on a
   malformed one (r failed). */
static int ms__ldec_event(ms__ldec *d, ms__rd *r, struct ms__loaded *L, memscope_event *e, uint32_t *site_id) {
    int ok = ms__ldec_event_in(d, d->rc, L, e, site_id);
    for (unsigned c = 0; c < MS__COLS && d->cols; c++)
        if (d->col[c].err) { r->err = 1; ok = 0; }
    return ok;
}

/* A pass over a loaded file's events, in file order. */
typedef struct ms__lit {
    struct ms__loaded *L;
    ms__ldec d;
    ms__rd r;
    size_t block;                      /* the next block to open */
    uint64_t left;                     /* events left in the open block */
    unsigned char *z;                  /* a compressed block, decompressed */
    int err;
} ms__lit;

static int ms__lit_begin(ms__lit *it, struct ms__loaded *L) {
    memset(it, 0, sizeof *it);
    it->L = L;
    it->d.size = (uint64_t *)ms__calloc(L->nsites + 1, sizeof *it->d.size);
    it->d.stack = (uint32_t *)ms__calloc(L->nsites + 1, sizeof *it->d.stack);
    it->d.ord = L->order ? (ms__msb_order *)ms__calloc(1, sizeof *it->d.ord) : NULL;
    if (!it->d.size || !it->d.stack || (L->order && !it->d.ord)) { it->err = ENOMEM; return 0; }
    if (it->d.ord) it->d.ord->reader = 1;
    return 1;
}

static const memscope_event *ms__lit_next(ms__lit *it, memscope_event *e, uint32_t *site_id) {
    struct ms__loaded *L = it->L;
    while (!it->left) {
        if (it->err || it->block >= L->nblocks) return NULL;
        const ms__lblock *b = &L->blocks[it->block++];
        const unsigned char *p = b->p;
        uint64_t len = b->len;
        if (b->flags & MS__MSB_ZSTD) { /* the parse decompressed it once: the library is there */
            unsigned long long n = ms__zstd.content_size(p, (size_t)len);
            if (n > MS__ZSTD_MAX) { it->err = EIO; return NULL; }
            MEMSCOPE_FREE(it->z);
            it->z = (unsigned char *)MEMSCOPE_MALLOC(n ? (size_t)n : 1);
            if (!it->z || ms__zstd.decompress(it->z, (size_t)n, p, (size_t)len) != n) { it->err = EIO; return NULL; }
            p = it->z;
            len = n;
        }
        ms__rd r = {p, p + len, p, 0};
        it->r = r;
        it->left = ms__rd_varint(&it->r);
        if (it->r.err || !ms__ldec_block(&it->d, &it->r, b->flags, it->left)) { it->err = EIO; return NULL; }
    }
    it->left--;
    if (!ms__ldec_event(&it->d, &it->r, L, e, site_id)) { it->err = EIO; return NULL; }
    if (e->stack_id && (e->stack_id > L->max_stack || !L->stack_ix || !L->stack_ix[e->stack_id]))
        e->stack_id = 0; /* a cut file: its definition was what was lost */
    return e;
}

static void ms__lit_end(ms__lit *it) {
    MEMSCOPE_FREE(it->d.size);
    MEMSCOPE_FREE(it->d.stack);
    MEMSCOPE_FREE(it->d.ord);
    MEMSCOPE_FREE(it->z);
}

/* Parses the whole file; 0 on success. Arrays are sized from counts already checked
   against the file, so nothing grows beyond a small multiple of its size. */
static const unsigned char ms__msb_magic[8] = {0x89, 'M', 'S', 'B', 0x0D, 0x0A, 0x1A, 0x0A};

/* What the readers of the sections (ms__loaded_parse's, one per section type) share. Each
   returns 0 (go on), 1 (stop reading: the file is bad, r or c->f says why) or -2 (out of
   memory). */
typedef struct ms__ldctx {
    struct ms__loaded *L;
    memscope_tracker *t;
    ms__rd *f;                                /* the file */
    const unsigned char *base, *pl, *stored;  /* the file; the payload (decompressed); as stored */
    uint64_t len, stored_len;                 /* their lengths */
    ms__ldec dec;                             /* the event decoder's state, across EVENTS sections */
    uint32_t sflags;                          /* the section's flags */
    int seen_meta, seen_end, seen_exit;
} ms__ldctx;

/* old's `have` elements of `size` bytes in a new cleared array with room for `add` more and one
   spare, old freed; NULL (old kept) when out of memory. A stream repeats its SITES, STACKS and
   MODULES sections: each one's entries are added to what the earlier ones gave. */
static void *ms__ld_grown(void *old, size_t have, size_t add, size_t size) {
    void *p = ms__calloc(have + add + 1, size);
    if (!p) return NULL;
    if (have) memcpy(p, old, have * size);
    MEMSCOPE_FREE(old);
    return p;
}

/* STRINGS */
static int ms__ld_strings(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    size_t n = ms__rd_count(r, 1);
    for (size_t i = 0; i < n && !r->err; i++) {
        uint64_t sl = ms__rd_varint(r);
        if (r->err || sl > (uint64_t)(r->end - r->p)) { ms__rd_fail(r, "string runs past its section"); break; }
        if (memchr(r->p, 0, (size_t)sl)) { ms__rd_fail(r, "NUL inside a string"); break; }
        char *s = L->arena + L->arena_len;
        memcpy(s, r->p, (size_t)sl);
        s[sl] = 0;
        L->arena_len += (size_t)sl + 1;
        r->p += sl;
        L->strs[++L->nstrs] = s;
    }
    return 0;
}

/* META */
static int ms__ld_meta(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    memscope_tracker *t = c->t;
    c->seen_meta = 1;
    size_t n = ms__rd_count(r, 3);
    for (size_t i = 0; i < n && !r->err; i++) {
        uint64_t id = ms__rd_varint(r), wire = ms__rd_varint(r);
        uint64_t u = 0;
        double d = 0;
        const char *s = NULL;
        if (wire == MS__WIRE_VARINT) u = ms__rd_varint(r);
        else if (wire == MS__WIRE_F64) d = ms__rd_f64(r);
        else if (wire == MS__WIRE_STR) s = ms__rd_str(r, L);
        else { ms__rd_fail(r, "unknown META wire type"); break; }
        if (id && id < MS__META_LAST && wire != ms__meta_wire[id]) { ms__rd_fail(r, "a META field with the wrong wire type"); break; }
        (void)s;
        if (id == MS__META_START_TIME_UNIX_MS) t->start_unix_ms = u;
        else if (id == MS__META_SAMPLE_RATE) L->sample_rate = d;
        else if (id == MS__META_CAPTURE_CALL_STACK) atomic_store(&t->capture_stacks, u != 0);
        else if (id == MS__META_MAX_STACK_DEPTH) atomic_store(&t->stack_depth, (uint32_t)(u > MEMSCOPE_MAX_STACK_DEPTH ? MEMSCOPE_MAX_STACK_DEPTH : u));
        else if (id == MS__META_DURATION_SEC) L->duration_sec = d;
        else if (id == MS__META_ALLOCATION_RATE_PER_SEC) L->alloc_rate = d;
        else if (id == MS__META_DEALLOCATION_RATE_PER_SEC) L->free_rate = d;
        else if (id == MS__META_SAMPLE_BYTES) atomic_store(&t->sample_bytes, u);
        else if (id == MS__META_PID) L->pid = u;
        else if (id == MS__META_NS_PER_TICK) L->ns_per_tick = d;
        else if (id == MS__META_PROGRAM) L->program = s;
        else if (id == MS__META_PPID) L->ppid = u;
        else if (id == MS__META_STREAMED) L->streamed = u != 0;
        else if (id == MS__META_COMMAND_LINE) L->cmdline = s;
        else if (id == MS__META_EXIT) L->exit_how = u > UINT32_MAX ? 0 : (uint32_t)u;
        else if (id == MS__META_CWD) L->cwd = s;
        else if (id == MS__META_WHOLE_PROGRAM) {
            if (u > 1) { ms__rd_fail(r, "META whole_program is neither 0 nor 1"); break; }
            L->whole_program = (int)u;
        }
    }
    return 0;
}

/* SITES */
static int ms__ld_sites(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    size_t n = ms__rd_count(r, 5);
    ms__lsite *ns = (ms__lsite *)ms__ld_grown(L->sites, L->nsites, n, sizeof *ns);
    if (!ns) { ms__rd_fail(c->f, "out of memory"); return -2; }
    L->sites = ns;
    for (size_t i = 0; i < n && !r->err; i++) {
        ms__lsite s;
        memset(&s, 0, sizeof s);
        uint64_t id = ms__rd_varint(r);
        s.var = ms__rd_str(r, L); s.type = ms__rd_str(r, L); s.file = ms__rd_str(r, L);
        uint64_t line = ms__rd_varint(r);
        if (id > UINT32_MAX || line > UINT32_MAX) { ms__rd_fail(r, "site id or line out of range"); break; }
        s.id = (uint32_t)id; s.line = (uint32_t)line;
        L->sites[L->nsites++] = s;
    }
    /* sorted by id for the lookup: a stream defines sites in the order of first use */
    qsort(L->sites, L->nsites, sizeof *L->sites, ms__lsite_by_id);
    for (size_t i = 1; i < L->nsites && !r->err; i++)
        if (L->sites[i - 1].id == L->sites[i].id) ms__rd_fail(r, "a site id defined twice");
    return 0;
}

/* STACKS */
static int ms__ld_stacks(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    size_t n = ms__rd_count(r, 2);
    size_t maxf = (size_t)c->len / 3 + 1; /* a frame takes at least 3 bytes */
    /* a stream writes a STACKS section with each block: stacks and frames grow */
    void *blk = ms__calloc(1, sizeof(void *) + maxf * sizeof(ms__lframe));
    ms__lstack *ns = blk ? (ms__lstack *)ms__ld_grown(L->stacks, L->nstacks, n, sizeof *ns) : NULL;
    if (!ns) { MEMSCOPE_FREE(blk); ms__rd_fail(c->f, "out of memory"); return -2; }
    L->stacks = ns;
    memcpy(blk, &L->frame_blocks, sizeof(void *));
    L->frame_blocks = blk;
    L->frames = (ms__lframe *)(void *)((char *)blk + sizeof(void *));
    L->nframes = 0;
    for (size_t i = 0; i < n && !r->err; i++) {
        uint64_t id = ms__rd_varint(r), depth = ms__rd_varint(r);
        /* ids are 1..count as written; a gap of up to 65 536 is tolerated. A larger id
           would make every export allocate per-stack sums out of proportion to the file */
        if (id == 0 || id > (uint64_t)(L->nstacks + n) + 65536 || depth > MEMSCOPE_MAX_STACK_DEPTH || L->nframes + depth > maxf) { ms__rd_fail(r, "bad stack id or depth"); break; }
        ms__lstack *s = &L->stacks[L->nstacks++];
        s->id = (uint32_t)id; s->depth = (uint32_t)depth; s->frames = &L->frames[L->nframes];
        if (s->id > L->max_stack) L->max_stack = s->id;
        uint64_t prev = 0;
        for (uint64_t k = 0; k < depth && !r->err; k++) {
            uint64_t z = ms__rd_varint(r);
            prev += (z >> 1) ^ (0 - (z & 1));
            ms__lframe *fr = &L->frames[L->nframes++];
            fr->addr = (uintptr_t)prev;
            fr->fn = ms__rd_str(r, L);
            fr->mod = ms__rd_str(r, L);
            fr->off1 = ms__rd_varint(r);
        }
    }
    L->stacks_from = L->nstacks - (r->err ? 0 : n);
    return 0;
}

/* INLINED: the inlined calls of the STACKS section before it */
static int ms__ld_inlined(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    size_t n = ms__rd_count(r, 3);
    size_t maxe = (size_t)c->len / 3 + 1; /* an inlined call takes at least 3 bytes */
    void *blk = ms__calloc(1, sizeof(void *) + maxe * sizeof(ms__inlf));
    if (!blk) { ms__rd_fail(c->f, "out of memory"); return -2; }
    memcpy(blk, &L->frame_blocks, sizeof(void *));
    L->frame_blocks = blk;
    ms__inlf *e = (ms__inlf *)(void *)((char *)blk + sizeof(void *));
    size_t ne = 0, from = L->stacks_from;
    for (size_t i = 0; i < n && !r->err; i++) {
        uint64_t id = ms__rd_varint(r), depth = ms__rd_varint(r);
        ms__lstack *s = ms__lstack_in(L, &from, id);
        if (!s || depth != s->depth) { ms__rd_fail(r, "INLINED names a stack the STACKS section before it does not define"); break; }
        for (uint64_t k = 0; k < depth && !r->err; k++) {
            uint64_t ncalls = ms__rd_varint(r);
            if (ncalls > (uint64_t)(maxe - ne)) { ms__rd_fail(r, "more inlined calls than the section can hold"); break; }
            s->frames[k].inl = ncalls ? &e[ne] : NULL;
            s->frames[k].ninl = (uint32_t)ncalls;
            for (uint64_t j = 0; j < ncalls && !r->err; j++, ne++) {
                e[ne].fn = ms__rd_str(r, L);
                e[ne].file = ms__rd_str(r, L);
                uint64_t line = ms__rd_varint(r);
                e[ne].line = line > UINT32_MAX ? 0 : (uint32_t)line;
            }
        }
    }
    return 0;
}

/* MODULES */
static int ms__ld_modules(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    size_t n = ms__rd_count(r, 5);
    ms__lmod *nm = (ms__lmod *)ms__ld_grown(L->mods, L->nmods, n, sizeof *nm);
    if (!nm) { ms__rd_fail(c->f, "out of memory"); return -2; }
    L->mods = nm;
    for (size_t i = 0; i < n && !r->err; i++) {
        ms__lmod *m = &L->mods[L->nmods];
        m->path = ms__rd_str(r, L);
        m->build_id = ms__rd_str(r, L);
        m->bias = ms__rd_varint(r);
        m->lo = ms__rd_varint(r);
        m->hi = ms__rd_varint(r);
        if (!r->err && (!m->path || m->lo >= m->hi)) { ms__rd_fail(r, "a module without a path or address range"); break; }
        if (!r->err) L->nmods++;
    }
    return 0;
}

/* LINES: the source lines of the STACKS section before it */
static int ms__ld_lines(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    size_t n = ms__rd_count(r, 2), from = L->stacks_from;
    for (size_t i = 0; i < n && !r->err; i++) {
        uint64_t id = ms__rd_varint(r), depth = ms__rd_varint(r);
        ms__lstack *s = ms__lstack_in(L, &from, id);
        if (!s || depth != s->depth) { ms__rd_fail(r, "LINES names a stack the STACKS section before it does not define"); break; }
        for (uint64_t k = 0; k < depth && !r->err; k++) {
            s->frames[k].file = ms__rd_str(r, L);
            uint64_t line = ms__rd_varint(r);
            s->frames[k].line = line > UINT32_MAX ? 0 : (uint32_t)line;
        }
    }
    return 0;
}

/* EVENTS */
static int ms__ld_events(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    const unsigned char *pl = c->pl;
    const unsigned char *stored = c->stored;
    const unsigned char *at = r->p;
    if (ms__rd_varint(r) > 65536 && !r->err) { r->p = at; ms__rd_fail(r, "an EVENTS block of more than 65 536 events"); c->f->err = 1; return 1; }
    r->p = at;
    size_t n = ms__rd_count(r, 2);
    if (L->nblocks == L->cap_blocks) {
        size_t cap = L->cap_blocks ? L->cap_blocks * 2 : 64;
        ms__lblock *nb = (ms__lblock *)MEMSCOPE_MALLOC(cap * sizeof *nb);
        if (!nb) { ms__rd_fail(c->f, "out of memory"); return -2; }
        if (L->nblocks) memcpy(nb, L->blocks, L->nblocks * sizeof *nb);
        MEMSCOPE_FREE(L->blocks);
        L->blocks = nb;
        L->cap_blocks = cap;
    }
    ms__lblock *blk = &L->blocks[L->nblocks];
    blk->p = stored;
    blk->len = c->stored_len;
    blk->flags = (pl != stored ? MS__MSB_ZSTD : 0) | (c->sflags & (MS__MSB_PREDICT | MS__MSB_ORDER | MS__MSB_USEC | MS__MSB_COLS)); /* decompressed above (a 1.1 file's flag) */
    blk->n = (uint32_t)n;
    c->dec.site = NULL; /* sites may have been added (and re-sorted) since */
    if (!r->err) ms__ldec_block(&c->dec, r, c->sflags, n);
    for (size_t i = 0; i < n && !r->err; i++) {
        memscope_event e;
        uint32_t sid;
        if (!ms__ldec_event(&c->dec, r, L, &e, &sid)) break;
        L->nevents++;
        L->last_ts = e.timestamp_ns;
        uint32_t st = e.stack_id;
        if (!st) continue;
        if (st >= L->stack_used_cap) { /* ids a file can define: its STACKS' count + 65 536 */
            if ((uint64_t)st > L->size / 2 + 65537) { ms__rd_fail(r, "a stack id beyond what the file could define"); break; }
            uint64_t cap = L->stack_used_cap ? (uint64_t)L->stack_used_cap * 2 : 4096;
            while (cap <= st) cap *= 2;
            unsigned char *nu = (unsigned char *)ms__calloc((size_t)(cap / 8 + 1), 1);
            if (!nu) { ms__rd_fail(c->f, "out of memory"); return -2; }
            if (L->stack_used) memcpy(nu, L->stack_used, L->stack_used_cap / 8 + 1);
            MEMSCOPE_FREE(L->stack_used);
            L->stack_used = nu;
            L->stack_used_cap = (uint32_t)cap;
        }
        L->stack_used[st / 8] = (unsigned char)(L->stack_used[st / 8] | 1u << (st % 8));
        if (st > L->stack_used_max) L->stack_used_max = st;
    }
    if (!r->err && ms__ldec_cols_end(&c->dec, r)) L->nblocks++;
    return 0;
}

/* SNAPSHOTS */
static int ms__ld_snapshots(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    size_t n = ms__rd_count(r, 224);
    L->snaps = (memscope_system_snapshot *)ms__calloc(n + 1, sizeof *L->snaps);
    if (!L->snaps) { ms__rd_fail(c->f, "out of memory"); return -2; }
    for (size_t i = 0; i < n && !r->err; i++) {
        memscope_system_snapshot *s = &L->snaps[L->nsnaps++];
        s->timestamp = ms__rd_u64(r); s->cpu_usage_percent = ms__rd_f64(r);
        s->memory_usage_bytes = ms__rd_u64(r); s->memory_usage_percent = ms__rd_f64(r);
        s->thread_count = (size_t)ms__rd_u64(r); s->disk_read_bps = ms__rd_u64(r); s->disk_write_bps = ms__rd_u64(r);
        s->network_rx_bps = ms__rd_u64(r); s->network_tx_bps = ms__rd_u64(r); s->gpu_usage_percent = ms__rd_f64(r);
        s->gpu_memory_used = ms__rd_u64(r); s->gpu_memory_total = ms__rd_u64(r); s->available = (uint32_t)ms__rd_u64(r);
        s->elapsed_ns = ms__rd_u64(r); s->system_cpu_percent = ms__rd_f64(r); s->cpu_count = (uint32_t)ms__rd_u64(r);
        s->gpu_count = (uint32_t)ms__rd_u64(r); s->peak_rss_bytes = ms__rd_u64(r); s->memory_limit_bytes = ms__rd_u64(r);
        s->system_memory_total = ms__rd_u64(r); s->system_memory_available = ms__rd_u64(r);
        s->system_memory_used_percent = ms__rd_f64(r); s->minor_faults_per_sec = ms__rd_u64(r);
        s->major_faults_per_sec = ms__rd_u64(r); s->disk_read_bytes = ms__rd_u64(r); s->disk_write_bytes = ms__rd_u64(r);
        s->network_rx_bytes = ms__rd_u64(r); s->network_tx_bytes = ms__rd_u64(r);
    }
    return 0;
}

/* THREADS */
static int ms__ld_threads(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    size_t n = ms__rd_count(r, 7);
    L->threads = (memscope_thread_stats *)ms__calloc(n + 1, sizeof *L->threads);
    if (!L->threads) { ms__rd_fail(c->f, "out of memory"); return -2; }
    for (size_t i = 0; i < n && !r->err; i++) {
        memscope_thread_stats *th = &L->threads[L->nthreads++];
        th->thread_id = (uint32_t)ms__rd_varint(r);
        th->thread_name = ms__rd_str(r, L);
        th->allocations = (size_t)ms__rd_varint(r); th->deallocations = (size_t)ms__rd_varint(r);
        th->allocated_bytes = ms__rd_varint(r); th->current_bytes = ms__rd_varint(r); th->peak_bytes = ms__rd_varint(r);
    }
    return 0;
}

/* HOTSPOTS */
static int ms__ld_hotspots(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    size_t n = ms__rd_count(r, 5);
    L->hot = (memscope_hotspot *)ms__calloc(n + 1, sizeof *L->hot);
    if (!L->hot) { ms__rd_fail(c->f, "out of memory"); return -2; }
    for (size_t i = 0; i < n && !r->err; i++) {
        memscope_hotspot *hs = &L->hot[L->nhot++];
        hs->var_name = ms__rd_str(r, L); hs->type_name = ms__rd_str(r, L);
        hs->total_size = (size_t)ms__rd_varint(r); hs->allocation_count = (size_t)ms__rd_varint(r);
        hs->location = ms__rd_str(r, L);
    }
    return 0;
}

/* END */
static int ms__ld_end(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    for (int i = 0; i < 9; i++) L->totals[i] = ms__rd_varint(r);
    L->est_allocs = ms__rd_f64(r);
    L->est_bytes = ms__rd_f64(r);
    if (!r->err && L->totals[8] != L->nevents) ms__rd_fail(r, "END counts a different number of events");
    c->seen_end = 1;
    return 0;
}

/* EXIT: how a streamed run without END ended, said by its watcher */
static int ms__ld_exit(ms__ldctx *c, ms__rd *r) {
    struct ms__loaded *L = c->L;
    const unsigned char *base = c->base;
    const unsigned char *pl = c->pl;
    if (!c->seen_meta || !L->streamed) { ms__rd_fail(r, "an EXIT section in a file that is not streamed, or before META"); c->f->err = 1; return 1; }
    uint64_t how = ms__rd_varint(r);
    if (!r->err && (how == 0 || how >= 256 + 128)) { r->p = pl; ms__rd_fail(r, "EXIT holds neither an exit status nor a signal"); }
    if (!r->err && r->p != r->end && !base[11] && base[10] <= 1) ms__rd_fail(r, "bytes left over in the EXIT section");
    if (!r->err) { L->exit_how = (uint32_t)how; L->exit_watched = 1; }
    c->seen_exit = 1;
    return 0;
}

static int ms__loaded_parse(struct ms__loaded *L, memscope_tracker *t) {
    const unsigned char *base = L->data;
    ms__rd f = {base, base + L->size, base, 0};
    if (L->size < 16 || memcmp(base, ms__msb_magic, sizeof ms__msb_magic) != 0) { ms__rd_fail(&f, "not a memscope .msb file (bad magic)"); return -1; }
    if (base[8] != 1 || base[9] != 0) { f.p = base + 8; ms__rd_fail(&f, "unsupported major version"); return -1; }
    if (base[10] == 0 && base[11] == 0 && (base[12] | base[13] | base[14] | base[15])) { /* 1.0: reserved */
        f.p = base + 12;
        ms__rd_fail(&f, "reserved header flags set");
        return -1;
    }
    f.p = base + 16;
    /* bounds for the arrays, from the file size */
    L->arena = (char *)MEMSCOPE_MALLOC(L->size + 1);
    L->cap_strs = L->size / 1 + 2;
    L->strs = (const char **)ms__calloc(L->cap_strs, sizeof *L->strs);
    if (!L->arena || !L->strs) { ms__rd_fail(&f, "out of memory"); return -2; }
    uint64_t zin = 0, zout = 0;
    ms__ldctx c;
    memset(&c, 0, sizeof c);
    L->order = (base[10] | base[11] << 8) >= 3; /* 1.3: the allocation order state (section flag 4) */
    if (L->order) {
        L->parse_ord = (ms__msb_order *)ms__calloc(1, sizeof *L->parse_ord);
        if (!L->parse_ord) { ms__rd_fail(&f, "out of memory"); return -2; }
        L->parse_ord->reader = 1;
        c.dec.ord = L->parse_ord;
    }
    c.L = L;
    c.t = t;
    c.f = &f;
    c.base = base;
    while (!f.err && f.p < f.end && !c.seen_end && !c.seen_exit) {
        if (f.end - f.p < 20) break; /* a section header cut off: truncated */
        const unsigned char *h = f.p;
        uint32_t type = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        ms__rd hr = {h + 8, h + 16, base, 0};
        uint64_t len = ms__rd_u64(&hr);
        if (len > (uint64_t)(f.end - h) - 20) break; /* runs past the end: truncated */
        const unsigned char *pl = h + 16, *stored = pl;
        uint64_t stored_len = len;
        uint32_t crc = (uint32_t)pl[len] | (uint32_t)pl[len + 1] << 8 | (uint32_t)pl[len + 2] << 16 | (uint32_t)pl[len + 3] << 24;
        if (ms__crc32(ms__crc32(0, h, 16), pl, (size_t)len) != crc) { ms__rd_fail(&f, "CRC mismatch: the section is corrupt"); break; }
        uint32_t sflags = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
        MEMSCOPE_FREE(L->zbuf);
        L->zbuf = NULL;
        unsigned minor = (unsigned)base[10] | (unsigned)base[11] << 8;
        if ((sflags & MS__MSB_PREDICT) && (minor < 2 || (type != MS__MSB_EVENTS && minor <= 4))) {
            ms__rd_fail(&f, "section flag 2 (predicted addresses) outside an EVENTS section of a 1.2 or later file");
            break;
        }
        if ((sflags & MS__MSB_ORDER) && (minor < 3 || (minor <= 4 && (type != MS__MSB_EVENTS || (sflags & MS__MSB_PREDICT))))) {
            ms__rd_fail(&f, "section flag 4 (allocation order) outside an EVENTS section of a 1.3 or 1.4 file, or with flag 2");
            break;
        }
        if ((sflags & MS__MSB_USEC) && (minor < 3 || (minor <= 4 && type != MS__MSB_EVENTS))) {
            ms__rd_fail(&f, "section flag 8 (microseconds) outside an EVENTS section of a 1.3 or 1.4 file");
            break;
        }
        if ((sflags & MS__MSB_COLS) && (minor < 4 || (minor == 4 && type != MS__MSB_EVENTS))) {
            ms__rd_fail(&f, "section flag 16 (columns) outside an EVENTS section of a 1.4 file");
            break;
        }
        if (type != MS__MSB_EVENTS) sflags &= ~(MS__MSB_PREDICT | MS__MSB_ORDER | MS__MSB_USEC | MS__MSB_COLS); /* a later version's: ignored */
        if ((sflags & MS__MSB_ZSTD) && minor) { /* 1.1: a zstd frame (EVENTS; 1.2: also STACKS, LINES, INLINED) */
            if (type != MS__MSB_EVENTS && (minor < 2 || (type != MS__MSB_STACKS && type != MS__MSB_LINES && type != MS__MSB_INLINED))) {
                ms__rd_fail(&f, "a compressed section that is not EVENTS (or, in a 1.2 or later file, STACKS, LINES or INLINED)");
                break;
            }
            if (!ms__zstd_load()) {
                ms__rd_fail(&f, "an EVENTS section is compressed with zstd and libzstd.so.1 cannot be loaded (install libzstd, Debian: libzstd1)");
                break;
            }
            unsigned long long n = ms__zstd.content_size(pl, (size_t)len);
            zin += len;
            if (n > MS__ZSTD_MAX) { ms__rd_fail(&f, "a compressed section of unknown size or larger than 4 MiB"); break; }
            zout += n;
            if (zout > (uint64_t)MS__ZSTD_RATIO * zin + ((uint64_t)64 << 20)) { ms__rd_fail(&f, "compressed sections that expand more than 4096 times: refused"); break; }
            L->zbuf = (unsigned char *)MEMSCOPE_MALLOC(n ? (size_t)n : 1);
            if (!L->zbuf) { ms__rd_fail(&f, "out of memory"); return -2; }
            size_t got = ms__zstd.decompress(L->zbuf, (size_t)n, pl, (size_t)len);
            if (ms__zstd.is_error(got) || got != n) { ms__rd_fail(&f, "a compressed section that does not decompress"); break; }
            pl = L->zbuf;
            len = n;
            L->zbytes += n;
        }
        ms__rd r = {pl, pl + len, base, 0};
        if ((type == MS__MSB_SNAPSHOTS && L->snaps) ||
            (type == MS__MSB_THREADS && L->threads) || (type == MS__MSB_HOTSPOTS && L->hot)) {
            ms__rd_fail(&f, "a second section of a type that appears once");
            break;
        }
        c.pl = pl;
        c.sflags = sflags;
        c.stored = stored;
        c.len = len;
        c.stored_len = stored_len;
        int rc = 0;
        switch (type) {
        case MS__MSB_STRINGS: rc = ms__ld_strings(&c, &r); break;
        case MS__MSB_META: rc = ms__ld_meta(&c, &r); break;
        case MS__MSB_SITES: rc = ms__ld_sites(&c, &r); break;
        case MS__MSB_STACKS: rc = ms__ld_stacks(&c, &r); break;
        case MS__MSB_INLINED: rc = ms__ld_inlined(&c, &r); break;
        case MS__MSB_MODULES: rc = ms__ld_modules(&c, &r); break;
        case MS__MSB_LINES: rc = ms__ld_lines(&c, &r); break;
        case MS__MSB_EVENTS: rc = ms__ld_events(&c, &r); break;
        case MS__MSB_SNAPSHOTS: rc = ms__ld_snapshots(&c, &r); break;
        case MS__MSB_THREADS: rc = ms__ld_threads(&c, &r); break;
        case MS__MSB_HOTSPOTS: rc = ms__ld_hotspots(&c, &r); break;
        case MS__MSB_END: rc = ms__ld_end(&c, &r); break;
        case MS__MSB_EXIT: rc = ms__ld_exit(&c, &r); break;
        default: break; /* other types: unknown, skipped (forward compatibility) */
        }
        if (rc == -2) return -2;
        if (rc == 1) break;
        if (r.err) { f.err = 1; break; }
        f.p = stored + stored_len + 4;
        L->info.sections++;
    }
    MEMSCOPE_FREE(L->zbuf);
    L->zbuf = NULL;
    L->info.file_bytes = L->size;
    L->info.valid_bytes = (uint64_t)(f.p - base);
    L->info.events = L->nevents;
    if (!f.err && !c.seen_end && !c.seen_meta) ms__rd_fail(&f, "file cut off before its META section: nothing to load");
    if (!f.err) { /* stack id -> stack; each defined once */
        L->stack_ix = (uint32_t *)ms__calloc((size_t)L->max_stack + 2, sizeof *L->stack_ix);
        if (!L->stack_ix) { ms__rd_fail(&f, "out of memory"); return -2; }
        for (size_t i = 0; i < L->nstacks && !f.err; i++) {
            if (L->stack_ix[L->stacks[i].id]) ms__rd_fail(&f, "a stack id defined twice");
            L->stack_ix[L->stacks[i].id] = (uint32_t)i + 1;
        }
    }
    if (!f.err && c.seen_end) /* every stack an event names is defined (docs/FORMAT.md); in a cut
                               file the definition may be what was lost: those read as 0 */
        for (uint32_t st = 1; st <= L->stack_used_max && !f.err; st++)
            if ((((unsigned)L->stack_used[st / 8] >> (st % 8)) & 1u) && (st > L->max_stack || !L->stack_ix[st]))
                ms__rd_fail(&f, "an event refers to an undefined stack");
    if (f.err) return -1;
    if (c.seen_exit && f.p != f.end) { ms__rd_fail(&f, "bytes after the EXIT section, which ends a file"); return -1; }
    if (!c.seen_end) return 1; /* truncated: at a section boundary or inside one */
    if (f.p != f.end) { ms__rd_fail(&f, "bytes after the END section"); return -1; }
    L->info.complete = 1;
    return 0;
}

/* What a truncated file lacks, from the events it kept: the totals (END), the thread table
   and the hotspots, computed the way the live tracker computes them. */
static int ms__loaded_cmp_site_text(const ms__lsite *a, const ms__lsite *b) {
    int c = ms__cmp_str(a->file, b->file);
    if (!c) c = (a->line > b->line) - (a->line < b->line);
    if (!c) c = ms__cmp_str(a->var, b->var);
    if (!c) c = ms__cmp_str(a->type, b->type);
    return c;
}
typedef struct ms__lsum { const ms__lsite *s; uint64_t count, bytes; } ms__lsum;
static int ms__lsum_text(const void *pa, const void *pb) {
    return ms__loaded_cmp_site_text(((const ms__lsum *)pa)->s, ((const ms__lsum *)pb)->s);
}
static int ms__lsum_bytes(const void *pa, const void *pb) {
    const ms__lsum *a = (const ms__lsum *)pa, *b = (const ms__lsum *)pb;
    if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    return ms__loaded_cmp_site_text(a->s, b->s);
}

/* A thread of the recomputed table, found from the last one looked up or by a scan. */
static memscope_thread_stats *ms__lthread(memscope_thread_stats **ts, size_t *n, size_t *cap, uint32_t tid) {
    for (size_t k = *n; k-- > 0;) if ((*ts)[k].thread_id == tid) return &(*ts)[k];
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        memscope_thread_stats *nt = (memscope_thread_stats *)ms__calloc(nc, sizeof *nt);
        if (!nt) return NULL;
        if (*n) memcpy(nt, *ts, *n * sizeof *nt);
        MEMSCOPE_FREE(*ts);
        *ts = nt;
        *cap = nc;
    }
    (*ts)[*n].thread_id = tid;
    return &(*ts)[(*n)++];
}

static int ms__loaded_recompute(struct ms__loaded *L) {
    int have_end = L->info.complete, have_threads = L->threads != NULL, have_hot = L->hot != NULL;
    uint64_t allocs = 0, frees = 0, cur = 0, peak = 0, bytes = 0;
    memscope_thread_stats *ts = NULL;
    size_t nts = 0, cap_ts = 0;
    ms__lsum *sum = NULL;
    if (!have_hot) {
        sum = (ms__lsum *)ms__calloc(L->nsites + 1, sizeof *sum);
        if (!sum) return -2;
        for (size_t i = 0; i < L->nsites; i++) sum[i].s = &L->sites[i];
    }
    ms__lit it;
    memscope_event ev;
    uint32_t sid;
    const memscope_event *e;
    if (!ms__lit_begin(&it, L)) { ms__lit_end(&it); MEMSCOPE_FREE(sum); return -2; }
    while ((e = ms__lit_next(&it, &ev, &sid))) { /* one pass for all three */
        if (e->kind == MEMSCOPE_EVENT_ALLOC) { allocs++; bytes += e->size; cur += e->size; if (cur > peak) peak = cur; }
        else { frees++; cur -= e->size; }
        if (!have_threads) { /* threads in the order of their first event */
            memscope_thread_stats *a = ms__lthread(&ts, &nts, &cap_ts, e->thread_id);
            memscope_thread_stats *o = e->kind == MEMSCOPE_EVENT_FREE ? ms__lthread(&ts, &nts, &cap_ts, e->alloc_thread_id) : a;
            a = a ? ms__lthread(&ts, &nts, &cap_ts, e->thread_id) : NULL; /* (the table may have moved) */
            if (!a || !o) { it.err = ENOMEM; break; }
            if (e->kind == MEMSCOPE_EVENT_ALLOC) {
                a->allocations++; a->allocated_bytes += e->size; a->current_bytes += e->size;
                if (a->current_bytes > a->peak_bytes) a->peak_bytes = a->current_bytes;
            } else {
                a->deallocations++;
                o->current_bytes -= e->size; /* charged back to the allocating thread */
            }
        }
        if (sum && e->kind == MEMSCOPE_EVENT_ALLOC) {
            ms__lsite *st = ms__loaded_site(L, sid);
            if (st) { sum[st - L->sites].count++; sum[st - L->sites].bytes += e->size; }
        }
    }
    int failed = it.err != 0;
    ms__lit_end(&it);
    if (failed) { MEMSCOPE_FREE(ts); MEMSCOPE_FREE(sum); return -2; }
    if (!have_end) {
        L->totals[0] = allocs; L->totals[1] = frees; L->totals[2] = allocs - frees; L->totals[3] = peak;
        L->totals[4] = cur; L->totals[5] = bytes; L->totals[6] = 0; L->totals[7] = 0; L->totals[8] = L->nevents;
        L->est_allocs = L->sample_rate > 0 ? (double)allocs / L->sample_rate : 0.0;
        L->est_bytes = L->sample_rate > 0 ? (double)bytes / L->sample_rate : 0.0;
        L->info.recomputed |= 1u;
        if (L->streamed && L->duration_sec == 0.0) { /* a stream that never reached its end: to its last record */
            uint64_t last = L->last_ts;
            if (L->nsnaps && L->snaps[L->nsnaps - 1].elapsed_ns > last) last = L->snaps[L->nsnaps - 1].elapsed_ns;
            L->duration_sec = (double)last / 1e9;
            double secs = L->duration_sec > 1e-9 ? L->duration_sec : 1e-9;
            L->alloc_rate = (double)allocs / secs;
            L->free_rate = (double)frees / secs;
        }
    }
    if (!have_threads) {
        if (!ts) ts = (memscope_thread_stats *)ms__calloc(1, sizeof *ts);
        if (!ts) { MEMSCOPE_FREE(sum); return -2; }
        L->threads = ts; L->nthreads = nts;
        L->info.recomputed |= 2u;
    } else {
        MEMSCOPE_FREE(ts);
    }
    if (!have_hot) {
        size_t used = 0, groups = 0, strbytes = 0;
        for (size_t i = 0; i < L->nsites; i++) if (sum[i].count) sum[used++] = sum[i];
        qsort(sum, used, sizeof *sum, ms__lsum_text);
        for (size_t i = 0; i < used; i++) {
            if (groups && ms__lsum_text(&sum[groups - 1], &sum[i]) == 0) { sum[groups - 1].count += sum[i].count; sum[groups - 1].bytes += sum[i].bytes; }
            else sum[groups++] = sum[i];
        }
        qsort(sum, groups, sizeof *sum, ms__lsum_bytes);
        for (size_t i = 0; i < groups; i++)
            strbytes += strlen(sum[i].s->var ? sum[i].s->var : "") + strlen(sum[i].s->type ? sum[i].s->type : "") + 2 +
                        (sum[i].s->file ? strlen(sum[i].s->file) + 12 : 0);
        L->hot = (memscope_hotspot *)ms__calloc(groups + 1, sizeof *L->hot);
        L->hot_strs = (char *)MEMSCOPE_MALLOC(strbytes + 1);
        if (!L->hot || !L->hot_strs) { MEMSCOPE_FREE(sum); return -2; }
        char *p = L->hot_strs, *end = p + strbytes + 1;
        for (size_t i = 0; i < groups; i++) {
            const ms__lsite *st = sum[i].s;
            memscope_hotspot *h = &L->hot[L->nhot++];
            const char *name = st->var ? st->var : "", *type = st->type ? st->type : "";
            size_t ln = strlen(name) + 1, lt = strlen(type) + 1;
            h->var_name = memcpy(p, name, ln); p += ln;
            h->type_name = memcpy(p, type, lt); p += lt;
            h->location = NULL;
            if (st->file) {
                int k = snprintf(p, (size_t)(end - p), "%s:%u", st->file, (unsigned)st->line);
                if (k > 0) { h->location = p; p += k + 1; }
            }
            h->total_size = (size_t)sum[i].bytes;
            h->allocation_count = (size_t)sum[i].count;
        }
        MEMSCOPE_FREE(sum);
        L->info.recomputed |= 4u;
    }
    return 0;
}

static double ms__loaded_ratio(memscope_tracker *t) { return t->loaded->ns_per_tick; }

/* How a run that did not end normally ended, in words (x: ms__exit_how's encoding). */
static void ms__ended_how(uint32_t x, int watched, char *how, size_t n) {
    char nb[32];
    const char *sn = x > 256 && x < 256 + 128 ? ms__signal_name((int)(x - 256), nb, sizeof nb) : NULL;
    const char *by = watched ? "memscope run recorded: " : "";
    if (x > 256 && x < 256 + 128)
        snprintf(how, n, "%skilled by signal %u%s%s%s", by, (unsigned)(x - 256),
                 sn ? " (" : "", sn ? sn : "", sn ? ")" : "");
    else if (x >= 1 && x <= 256)
        snprintf(how, n, "%sexit status %u, without memscope's end of the run: _exit or exec", by,
                 (unsigned)(x - 1));
    else
        snprintf(how, n, "the process was killed, crashed or ended in _exit or exec, or it is still running");
}

/* Takes ownership of data (MEMSCOPE_MALLOC'd). Also the entry point of the fuzz harness. */
static memscope_tracker *ms__load_buffer(unsigned char *data, size_t size, memscope_result *result) {
    struct ms__loaded *L = (struct ms__loaded *)ms__calloc(1, sizeof *L);
    if (!L) { MEMSCOPE_FREE(data); *result = MEMSCOPE_ERR_NO_MEMORY; snprintf(ms__load_err, sizeof ms__load_err, "out of memory"); return NULL; }
    L->data = data;
    L->size = size;
    L->whole_program = -1; /* (META 19 absent: older files) */
    memscope_tracker *t = memscope_new();
    if (!t) { ms__loaded_free(L); *result = MEMSCOPE_ERR_NO_MEMORY; snprintf(ms__load_err, sizeof ms__load_err, "out of memory"); return NULL; }
    atomic_store(&t->log_mode, 0); /* records nothing */
    int rc = ms__loaded_parse(L, t);
    if (rc == 1) { /* truncated: keep what is complete, say what was lost */
        rc = ms__loaded_recompute(L);
        if (rc == 0 && L->streamed) {
            char how[160];
            ms__ended_how(L->exit_how, L->exit_watched, how, sizeof how);
            snprintf(ms__load_err, sizeof ms__load_err,
                     "the run did not end normally (%s): this is the run up to the last block written, %llu events "
                     "over %.3f s; blocks live then are reported as live at the end",
                     how, (unsigned long long)L->info.events, L->duration_sec);
        } else if (rc == 0) {
            unsigned m = L->info.recomputed;
            snprintf(ms__load_err, sizeof ms__load_err,
                     "truncated after section %llu at offset %llu of %llu bytes: lost %s%s%s%s; %s recomputed from the %llu events kept",
                     (unsigned long long)L->info.sections, (unsigned long long)L->info.valid_bytes,
                     (unsigned long long)L->info.file_bytes, m & 1u ? "any events after the last complete block, " : "",
                     m & 2u ? "the thread names, " : "", m & 1u ? "the dropped counts" : "nothing else",
                     m & 4u ? " and the hotspots as written" : "",
                     m == 1u ? "the totals" : m == 5u ? "the totals and hotspots" : m == 7u ? "the totals, threads and hotspots" : "what was lost",
                     (unsigned long long)L->info.events);
        }
    }
    if (rc != 0) {
        ms__loaded_free(L);
        memscope_destroy(t);
        *result = rc == -2 ? MEMSCOPE_ERR_NO_MEMORY : MEMSCOPE_ERR_FORMAT;
        return NULL;
    }
    /* read-only: nothing is sampled in, and the reported rate is the file's */
    uint64_t bits;
    memcpy(&bits, &L->sample_rate, sizeof bits);
    atomic_store(&t->sample_rate_bits, bits);
    atomic_store(&t->threshold, 0);
    atomic_store(&t->max_events, 0);
    t->loaded = L;
    *result = MEMSCOPE_OK;
    return t;
}

/* ---- the JSON export read back (README "JSON schema") ----
   A file whose first byte after white space is '{' is read as memscope's JSON report. The
   parser is iterative and bounded: each object of the schema has a reader of its own (five
   levels at most), anything else is skipped by a loop that counts its nesting and refuses
   more than MS__JSON_DEPTH levels. What it reads becomes the payloads of the .msb sections
   that hold the same figures (strings, META, SITES, STACKS with LINES and INLINED, EVENTS
   in blocks, SNAPSHOTS, THREADS, HOTSPOTS, END), and that image is loaded like a file, so a
   JSON report and a .msb fill the same tables and pass the same checks. Everything the
   image's checks would refuse is refused first with the JSON's own byte offset: numbers out
   of range, strings that are not valid UTF-8 or hold a NUL, events out of time order or
   naming sites or stacks the report does not define. Events its totals count that it does not
   hold (a trimmed report, a dashboard's report block with events null) count as not retained
   (dropped_events), as a capped run's do. Not in the JSON, so not in its tables:
   the modules (MODULES: no naming after the run), the clock ratio (META 8, informational),
   whether it was streamed; a string the writer met as invalid UTF-8 is U+FFFD there. */
#define MS__JSON_DEPTH 64u

typedef struct ms__jref { uint32_t site, stack; uint64_t at; } ms__jref;   /* an event's names */
typedef struct ms__jid { uint32_t id; uint64_t at; } ms__jid;              /* a defined id */
typedef struct ms__jframe { uint64_t addr, off; int has_off, inl; uint32_t fn, mod, file, line; uint64_t at; } ms__jframe;

typedef struct ms__jx {
    const unsigned char *p, *end, *base;
    int err;                                   /* 1 malformed, 2 out of memory */
    ms__buf tmp;                               /* the last string read, NUL-terminated */
    char key[40];                              /* the member name being read ("" when longer) */
    ms__buf strs; uint64_t nstrs;              /* STRINGS */
    ms__buf sites; uint64_t nsites; ms__buf site_ids;
    ms__buf stacks, lines, inl; uint64_t nstacks, nlines, ninl; ms__buf stack_ids;
    ms__jframe *fr;                            /* a stack's frames as read (MS__SYMS_MAX) */
    ms__buf evsec, blk, refs; uint64_t blk_n, nevents, prev_ts, prev_lit;
    ms__buf snaps, threads, hot; uint64_t nsnaps, nthreads, nhot;
    int have_threads, have_hot, format_ok;
    int cut;                                   /* context.complete false: the run was cut short */
    uint64_t tot[8]; unsigned have_tot;
    double est[2], dsec, arate, frate, srate, cfg_rate;
    int have_srate, capture;
    uint64_t start_ms, pid, ppid, sample_bytes, depth;
    uint32_t how, program, cmdline, cwd;
    int mode;                                  /* context.mode: 1 whole-program, 2 track, 0 not said */
    uint32_t seen;                             /* top-level members read, to refuse one given twice */
} ms__jx;

static void ms__jx_fail_at(ms__jx *x, const unsigned char *at, const char *what) {
    if (x->err) return;
    x->err = 1;
    snprintf(ms__load_err, sizeof ms__load_err, "offset %zu in the JSON report: %s%s", (size_t)(at - x->base),
             at >= x->end ? "cut off (the file ends here): " : "", what);
}
static void ms__jx_fail(ms__jx *x, const char *what) { ms__jx_fail_at(x, x->p, what); }
static void ms__jx_oom(ms__jx *x) {
    if (x->err) return;
    x->err = 2;
    snprintf(ms__load_err, sizeof ms__load_err, "out of memory");
}
static void ms__jx_ws(ms__jx *x) {
    while (x->p < x->end && (*x->p == ' ' || *x->p == '\n' || *x->p == '\r' || *x->p == '\t')) x->p++;
}
/* The next byte after white space, -1 at the end. */
static int ms__jx_peek(ms__jx *x) {
    ms__jx_ws(x);
    return x->p < x->end ? *x->p : -1;
}
static int ms__jx_lit(ms__jx *x, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(x->end - x->p) < n || memcmp(x->p, lit, n) != 0) return 0;
    x->p += n;
    return 1;
}
static int ms__jx_null(ms__jx *x) { return ms__jx_peek(x) == 'n' && ms__jx_lit(x, "null"); }

static void ms__jx_utf8(ms__buf *b, uint32_t cp) {
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (unsigned char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (unsigned char)(0xc0 | cp >> 6); u[1] = (unsigned char)(0x80 | (cp & 63)); n = 2; }
    else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xe0 | cp >> 12); u[1] = (unsigned char)(0x80 | (cp >> 6 & 63));
        u[2] = (unsigned char)(0x80 | (cp & 63)); n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | cp >> 18); u[1] = (unsigned char)(0x80 | (cp >> 12 & 63));
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 63)); u[3] = (unsigned char)(0x80 | (cp & 63)); n = 4;
    }
    ms__buf_put(b, u, n);
}
static int ms__jx_hex4(const unsigned char *p, uint32_t *v) {
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
        if (d > 15) return 0;
        *v = *v << 4 | d;
    }
    return 1;
}

/* A string at x->p into x->tmp (NUL-terminated, valid UTF-8, no NUL inside); its text, or
   NULL on an error. */
static const char *ms__jx_string(ms__jx *x) {
    if (ms__jx_peek(x) != '"') { ms__jx_fail(x, "a string expected"); return NULL; }
    const unsigned char *p = x->p + 1, *start = x->p;
    x->tmp.len = 0;
    for (;;) {
        if (p >= x->end) { ms__jx_fail_at(x, start, "a string cut off (no closing quote)"); return NULL; }
        unsigned c = *p;
        if (c == '"') { p++; break; }
        if (c < 0x20) { ms__jx_fail_at(x, p, "a control character inside a string (it must be escaped)"); return NULL; }
        if (c == '\\') {
            if (x->end - p < 2) { ms__jx_fail_at(x, start, "a string cut off (no closing quote)"); return NULL; }
            unsigned e = p[1];
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *simple = strchr(from, (int)e);
            if (e && simple) {
                unsigned char ch = (unsigned char)to[simple - from];
                ms__buf_put(&x->tmp, &ch, 1);
                p += 2;
                continue;
            }
            uint32_t cp, lo;
            if (e != 'u') { ms__jx_fail_at(x, p, "an unknown escape in a string"); return NULL; }
            if (x->end - p < 6 || !ms__jx_hex4(p + 2, &cp)) { ms__jx_fail_at(x, p, "\\u without four hex digits"); return NULL; }
            if (cp >= 0xdc00 && cp <= 0xdfff) { ms__jx_fail_at(x, p, "a lone UTF-16 low surrogate in a \\u escape"); return NULL; }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (x->end - p < 12 || p[6] != '\\' || p[7] != 'u' || !ms__jx_hex4(p + 8, &lo) || lo < 0xdc00 || lo > 0xdfff) {
                    ms__jx_fail_at(x, p, "a UTF-16 high surrogate in a \\u escape without its low surrogate");
                    return NULL;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            }
            if (cp == 0) { ms__jx_fail_at(x, p, "\\u0000: a NUL inside a string"); return NULL; }
            ms__jx_utf8(&x->tmp, cp);
            p += 6;
            continue;
        }
        size_t need = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if ((size_t)(x->end - p) < need || ms__utf8_len(p) != need) { ms__jx_fail_at(x, p, "invalid UTF-8 inside a string"); return NULL; }
        ms__buf_put(&x->tmp, p, need);
        p += need;
    }
    unsigned char z = 0;
    ms__buf_put(&x->tmp, &z, 1);
    if (x->tmp.err) { ms__jx_oom(x); return NULL; }
    x->p = p;
    return (const char *)x->tmp.p;
}

/* A string or null, appended to STRINGS: its index (0 for null or on an error). */
static uint32_t ms__jx_str(ms__jx *x) {
    if (ms__jx_null(x)) return 0;
    const char *s = ms__jx_string(x);
    if (!s) return 0;
    if (x->nstrs >= UINT32_MAX - 1) { ms__jx_fail(x, "too many strings"); return 0; }
    size_t n = x->tmp.len - 1;
    ms__buf_varint(&x->strs, n);
    ms__buf_put(&x->strs, s, n);
    if (x->strs.err) { ms__jx_oom(x); return 0; }
    return (uint32_t)++x->nstrs;
}

/* The extent of a number at x->p, its grammar checked (RFC 8259); *integer: no fraction
   and no exponent. 0 on an error. */
static size_t ms__jx_number(ms__jx *x, int *integer) {
    const unsigned char *p = x->p, *e = x->end;
    *integer = 1;
    if (p < e && *p == '-') p++;
    if (p >= e || *p < '0' || *p > '9') { ms__jx_fail(x, "a number expected"); return 0; }
    if (*p == '0' && p + 1 < e && p[1] >= '0' && p[1] <= '9') { ms__jx_fail(x, "a number with a leading zero"); return 0; }
    while (p < e && *p >= '0' && *p <= '9') p++;
    if (p < e && *p == '.') {
        *integer = 0;
        if (++p >= e || *p < '0' || *p > '9') { ms__jx_fail(x, "a number without digits after its decimal point"); return 0; }
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        *integer = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-')) p++;
        if (p >= e || *p < '0' || *p > '9') { ms__jx_fail(x, "a number without digits in its exponent"); return 0; }
        while (p < e && *p >= '0' && *p <= '9') p++;
    }
    return (size_t)(p - x->p);
}

/* A count, size, id or time: an integer from 0 to max. *isnull (when given) allows null (0). */
static uint64_t ms__jx_uint(ms__jx *x, uint64_t max, int *isnull) {
    int c = ms__jx_peek(x);
    if (isnull) *isnull = 0;
    if (c == 'n' && isnull && ms__jx_lit(x, "null")) { *isnull = 1; return 0; }
    if (c == '-') { ms__jx_fail(x, "a negative number where a count, size or id is expected"); return 0; }
    if (c < '0' || c > '9') { ms__jx_fail(x, "a non-negative integer expected"); return 0; }
    int integer;
    size_t n = ms__jx_number(x, &integer);
    if (!n) return 0;
    if (!integer) { ms__jx_fail(x, "an integer expected (no fraction or exponent)"); return 0; }
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(x->p[i] - '0');
        if (v > (max - d) / 10) {
            ms__jx_fail(x, max == UINT64_MAX ? "a number out of range (more than 2^64 - 1)" : "a number out of range for this member");
            return 0;
        }
        v = v * 10 + d;
    }
    x->p += n;
    return v;
}

/* A double; null (the writer's NaN and infinities) reads as NaN. */
static double ms__jx_f64(ms__jx *x) {
    if (ms__jx_null(x)) return NAN;
    int c = ms__jx_peek(x), integer;
    if (c != '-' && (c < '0' || c > '9')) { ms__jx_fail(x, "a number expected"); return 0; }
    size_t n = ms__jx_number(x, &integer);
    if (!n) return 0;
    char buf[400];
    if (n >= sizeof buf - 8) { ms__jx_fail(x, "a number of more than 390 characters"); return 0; }
    /* strtod reads the locale's decimal point: the '.' becomes it */
    const char *dp = localeconv()->decimal_point;
    size_t dl = dp && *dp ? strlen(dp) : 1, k = 0;
    if (dl > 4) dl = 1, dp = ".";
    for (size_t i = 0; i < n; i++) {
        if (x->p[i] == '.') { memcpy(buf + k, dp && *dp ? dp : ".", dl); k += dl; }
        else buf[k++] = (char)x->p[i];
    }
    buf[k] = 0;
    double v = strtod(buf, NULL);
    if (isinf(v)) { ms__jx_fail(x, "a number out of range (beyond the largest double)"); return 0; }
    x->p += n;
    return v;
}

static int ms__jx_bool(ms__jx *x) {
    int c = ms__jx_peek(x);
    if (c == 't' && ms__jx_lit(x, "true")) return 1;
    if (c == 'f' && ms__jx_lit(x, "false")) return 0;
    ms__jx_fail(x, "true or false expected");
    return 0;
}

/* An address: a string "0x" and 1 to 16 hex digits. */
static uint64_t ms__jx_addr(ms__jx *x) {
    const unsigned char *at = (ms__jx_ws(x), x->p);
    const char *s = ms__jx_string(x);
    if (!s) return 0;
    size_t n = x->tmp.len - 1;
    uint64_t v = 0;
    int ok = n > 2 && n <= 18 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    for (size_t i = 2; ok && i < n; i++) {
        unsigned c = (unsigned char)s[i];
        unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
        ok = d < 16;
        v = v << 4 | (d & 15u);
    }
    if (!ok) ms__jx_fail_at(x, at, "an address must be a string \"0x\" followed by 1 to 16 hex digits");
    return v;
}

/* A member name and its ':' (the name in x->key, "" when longer than it holds). */
static int ms__jx_key(ms__jx *x) {
    if (ms__jx_peek(x) != '"') { ms__jx_fail(x, "a member name (a string) expected"); return 0; }
    const char *s = ms__jx_string(x);
    if (!s) return 0;
    size_t n = x->tmp.len - 1;
    if (n < sizeof x->key) memcpy(x->key, s, n + 1);
    else x->key[0] = 0;
    if (ms__jx_peek(x) != ':') { ms__jx_fail(x, "':' expected after a member name"); return 0; }
    x->p++;
    return 1;
}
static int ms__jx_open(ms__jx *x, int c, const char *what) {
    if (ms__jx_peek(x) == c) { x->p++; return 1; }
    ms__jx_fail(x, what);
    return 0;
}
/* The next member of an object whose '{' was read: 1 with its name in x->key and its value
   next, 0 at the '}' (read) or on an error. */
static int ms__jx_member(ms__jx *x, int *first) {
    int c = ms__jx_peek(x);
    if (c < 0) { ms__jx_fail(x, "cut off inside an object"); return 0; }
    if (c == '}') { x->p++; return 0; }
    if (!*first) {
        if (c != ',') { ms__jx_fail(x, "',' or '}' expected"); return 0; }
        x->p++;
    }
    *first = 0;
    return ms__jx_key(x);
}
/* The next element of an array whose '[' was read: 1 when a value is next, 0 at the ']'. */
static int ms__jx_elem(ms__jx *x, int *first) {
    int c = ms__jx_peek(x);
    if (c < 0) { ms__jx_fail(x, "cut off inside an array"); return 0; }
    if (c == ']') { x->p++; return 0; }
    if (!*first) {
        if (c != ',') { ms__jx_fail(x, "',' or ']' expected"); return 0; }
        x->p++;
    }
    *first = 0;
    return 1;
}

/* Any value, skipped; level: the containers around it. Nesting is counted, not recursed. */
static void ms__jx_skip(ms__jx *x, unsigned level) {
    uint64_t objs = 0; /* bit d: the container at depth d is an object */
    unsigned d = 0;
    for (;;) {
        int c = ms__jx_peek(x), closed = 0;
        if (c < 0) { ms__jx_fail(x, "cut off: a value expected"); return; }
        if (c == '{' || c == '[') {
            if (level + d + 1 > MS__JSON_DEPTH) { ms__jx_fail(x, "nested deeper than 64 levels"); return; }
            x->p++;
            objs = c == '{' ? objs | (uint64_t)1 << d : objs & ~((uint64_t)1 << d);
            d++;
            if (ms__jx_peek(x) == (c == '{' ? '}' : ']')) { x->p++; d--; closed = 1; }
            else if (c == '{' && !ms__jx_key(x)) return;
            if (!closed) continue;
        } else if (c == '"') {
            if (!ms__jx_string(x)) return;
        } else if (c == 't' || c == 'f' || c == 'n') {
            if (!ms__jx_lit(x, c == 't' ? "true" : c == 'f' ? "false" : "null")) { ms__jx_fail(x, "a value expected"); return; }
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            int integer;
            size_t n = ms__jx_number(x, &integer);
            if (!n) return;
            x->p += n;
        } else {
            ms__jx_fail(x, "a value expected");
            return;
        }
        for (;;) { /* after a value: the next one, or the containers it ends */
            if (!d) return;
            int obj = (int)(objs >> (d - 1) & 1u);
            c = ms__jx_peek(x);
            if (c == ',') {
                x->p++;
                if (obj && !ms__jx_key(x)) return;
                break;
            }
            if (c == (obj ? '}' : ']')) { x->p++; d--; continue; }
            ms__jx_fail(x, c < 0 ? "cut off inside an object or array" : obj ? "',' or '}' expected" : "',' or ']' expected");
            return;
        }
    }
}

static void ms__jx_push(ms__jx *x, ms__buf *b, const void *item, size_t n) {
    ms__buf_put(b, item, n);
    if (b->err) ms__jx_oom(x);
}
#define MS__JX_KEY(x, k) (strcmp((x)->key, k) == 0)

static void ms__jx_flush_events(ms__jx *x);

static void ms__jx_events(ms__jx *x) {
    if (ms__jx_null(x)) return;
    if (!ms__jx_open(x, '[', "\"events\" must be an array (or null)")) return;
    int first = 1;
    while (!x->err && ms__jx_elem(x, &first)) {
        const unsigned char *at = (ms__jx_ws(x), x->p);
        if (!ms__jx_open(x, '{', "an event must be an object")) return;
        int f = 1, is_free = 0;
        unsigned have = 0;
        uint64_t ts = 0, addr = 0, size = 0, tid = 0, atid = 0, site = 0, stack = 0;
        while (!x->err && ms__jx_member(x, &f)) {
            if (MS__JX_KEY(x, "kind")) {
                const unsigned char *k = x->p;
                const char *s = ms__jx_string(x);
                if (s && strcmp(s, "alloc") && strcmp(s, "free")) ms__jx_fail_at(x, k, "an event's \"kind\" must be \"alloc\" or \"free\"");
                is_free = s && !strcmp(s, "free");
                have |= 1u;
            } else if (MS__JX_KEY(x, "timestamp_ns")) { ts = ms__jx_uint(x, UINT64_MAX, NULL); have |= 2u; }
            else if (MS__JX_KEY(x, "address")) { addr = ms__jx_addr(x); have |= 4u; }
            else if (MS__JX_KEY(x, "size")) { size = ms__jx_uint(x, UINT64_MAX, NULL); have |= 8u; }
            else if (MS__JX_KEY(x, "thread_id")) { tid = ms__jx_uint(x, UINT32_MAX, NULL); have |= 16u; }
            else if (MS__JX_KEY(x, "alloc_thread_id")) { atid = ms__jx_uint(x, UINT32_MAX, NULL); have |= 32u; }
            else if (MS__JX_KEY(x, "site")) { site = ms__jx_uint(x, UINT32_MAX, NULL); have |= 64u; }
            else if (MS__JX_KEY(x, "stack")) { stack = ms__jx_uint(x, UINT32_MAX, NULL); have |= 128u; }
            else ms__jx_skip(x, 4);
        }
        if (x->err) return;
        if ((have & 0x5fu) != 0x5fu) { ms__jx_fail_at(x, at, "an event without its kind, timestamp_ns, address, size, thread_id or site"); return; }
        if (ts < x->prev_ts) { ms__jx_fail_at(x, at, "events out of time order (a timestamp_ns smaller than the one before)"); return; }
        if (!(have & 32u)) atid = tid;
        /* every field explicit and the address literal (docs/FORMAT.md, EVENTS) */
        unsigned char tag = (unsigned char)((is_free ? 1u : 0u) | 2u | 4u | 8u | 16u | 7u << 5);
        ms__buf_put(&x->blk, &tag, 1);
        ms__buf_varint(&x->blk, tid);
        ms__buf_varint(&x->blk, site);
        ms__buf_varint(&x->blk, size);
        ms__buf_varint(&x->blk, is_free ? atid : stack);
        ms__buf_zigzag(&x->blk, (int64_t)(addr - x->prev_lit));
        ms__buf_varint(&x->blk, ts - x->prev_ts);
        if (x->blk.err) { ms__jx_oom(x); return; }
        x->prev_lit = addr;
        x->prev_ts = ts;
        ms__jref ref = {(uint32_t)site, is_free ? 0u : (uint32_t)stack, (uint64_t)(at - x->base)};
        ms__jx_push(x, &x->refs, &ref, sizeof ref);
        x->nevents++;
        if (++x->blk_n == MS__MSB_BLOCK) ms__jx_flush_events(x);
    }
}

static void ms__jx_sites(ms__jx *x) {
    if (!ms__jx_open(x, '[', "\"sites\" must be an array")) return;
    int first = 1;
    while (!x->err && ms__jx_elem(x, &first)) {
        const unsigned char *at = (ms__jx_ws(x), x->p);
        if (!ms__jx_open(x, '{', "a site must be an object")) return;
        int f = 1, have = 0;
        uint64_t id = 0, line = 0;
        uint32_t var = 0, type = 0, file = 0;
        while (!x->err && ms__jx_member(x, &f)) {
            if (MS__JX_KEY(x, "id")) { id = ms__jx_uint(x, UINT32_MAX, NULL); have = 1; }
            else if (MS__JX_KEY(x, "var_name")) var = ms__jx_str(x);
            else if (MS__JX_KEY(x, "type_name")) type = ms__jx_str(x);
            else if (MS__JX_KEY(x, "file")) file = ms__jx_str(x);
            else if (MS__JX_KEY(x, "line")) { int nul; line = ms__jx_uint(x, UINT32_MAX, &nul); }
            else ms__jx_skip(x, 4);
        }
        if (x->err) return;
        if (!have) { ms__jx_fail_at(x, at, "a site without its \"id\""); return; }
        ms__buf_varint(&x->sites, id);
        ms__buf_varint(&x->sites, var);
        ms__buf_varint(&x->sites, type);
        ms__buf_varint(&x->sites, file);
        ms__buf_varint(&x->sites, line);
        ms__jid jid = {(uint32_t)id, (uint64_t)(at - x->base)};
        ms__jx_push(x, &x->site_ids, &jid, sizeof jid);
        x->nsites++;
    }
}

/* One frame object into f (its strings into STRINGS). */
static void ms__jx_frame(ms__jx *x, ms__jframe *f) {
    memset(f, 0, sizeof *f);
    f->at = (uint64_t)((ms__jx_ws(x), x->p) - x->base);
    if (!ms__jx_open(x, '{', "a frame must be an object")) return;
    int first = 1, have = 0;
    while (!x->err && ms__jx_member(x, &first)) {
        if (MS__JX_KEY(x, "address")) { f->addr = ms__jx_addr(x); have = 1; }
        else if (MS__JX_KEY(x, "function")) f->fn = ms__jx_str(x);
        else if (MS__JX_KEY(x, "module")) f->mod = ms__jx_str(x);
        else if (MS__JX_KEY(x, "file")) f->file = ms__jx_str(x);
        else if (MS__JX_KEY(x, "offset")) { int nul; f->off = ms__jx_uint(x, UINT64_MAX - 1, &nul); f->has_off = !nul; }
        else if (MS__JX_KEY(x, "line")) { int nul; f->line = (uint32_t)ms__jx_uint(x, UINT32_MAX, &nul); }
        else if (MS__JX_KEY(x, "inlined")) f->inl = ms__jx_bool(x);
        else ms__jx_skip(x, 6);
    }
    if (!x->err && !have) ms__jx_fail_at(x, x->base + f->at, "a frame without its \"address\"");
}

/* A stack's frames as the JSON lists them (each inlined call a frame of its own, before the
   frame it was inlined into) become its machine frames: STACKS, LINES and INLINED entries. */
static void ms__jx_stack_out(ms__jx *x, uint32_t id, const ms__jframe *fr, size_t n) {
    size_t nm = 0;
    for (size_t k = 0; k < n;) {
        size_t g = k;
        while (g < n && fr[g].inl) g++;
        if (g == n) { ms__jx_fail_at(x, x->base + fr[k].at, "an inlined frame at the end of a stack, without the frame it was inlined into"); return; }
        for (size_t j = k; j < g; j++)
            if (fr[j].addr != fr[g].addr) { ms__jx_fail_at(x, x->base + fr[j].at, "an inlined frame at another address than the frame it was inlined into"); return; }
        nm++;
        k = g + 1;
    }
    if (nm > MEMSCOPE_MAX_STACK_DEPTH) { ms__jx_fail_at(x, x->base + fr[0].at, "a stack of more than 64 frames (not counting inlined calls)"); return; }
    ms__buf_varint(&x->stacks, id); ms__buf_varint(&x->stacks, nm);
    size_t lat = x->lines.len, iat = x->inl.len;
    int anyline = 0, anyinl = 0;
    ms__buf_varint(&x->lines, id); ms__buf_varint(&x->lines, nm);
    ms__buf_varint(&x->inl, id); ms__buf_varint(&x->inl, nm);
    uint64_t prev = 0;
    for (size_t k = 0; k < n;) {
        size_t g = k;
        while (fr[g].inl) g++;
        const ms__jframe *ph = &fr[g];
        ms__buf_zigzag(&x->stacks, (int64_t)(ph->addr - prev));
        prev = ph->addr;
        ms__buf_varint(&x->stacks, ph->fn);
        ms__buf_varint(&x->stacks, ph->mod);
        ms__buf_varint(&x->stacks, ph->has_off ? ph->off + 1 : 0);
        ms__buf_varint(&x->lines, fr[k].file); /* the innermost code's line */
        ms__buf_varint(&x->lines, fr[k].file ? fr[k].line : 0);
        anyline |= fr[k].file != 0;
        ms__buf_varint(&x->inl, g - k);
        for (size_t j = k; j < g; j++) {
            ms__buf_varint(&x->inl, fr[j].fn);
            ms__buf_varint(&x->inl, fr[j + 1].file);
            ms__buf_varint(&x->inl, fr[j + 1].file ? fr[j + 1].line : 0);
        }
        anyinl |= g > k;
        k = g + 1;
    }
    if (anyline) x->nlines++;
    else x->lines.len = lat;
    if (anyinl) x->ninl++;
    else x->inl.len = iat;
    x->nstacks++;
}

static void ms__jx_stacks(ms__jx *x) {
    if (!ms__jx_open(x, '[', "\"stacks\" must be an array")) return;
    int first = 1;
    while (!x->err && ms__jx_elem(x, &first)) {
        const unsigned char *at = (ms__jx_ws(x), x->p);
        if (!ms__jx_open(x, '{', "a stack must be an object")) return;
        int f = 1, have = 0;
        uint64_t id = 0;
        size_t n = 0;
        while (!x->err && ms__jx_member(x, &f)) {
            if (MS__JX_KEY(x, "id")) {
                const unsigned char *k = (ms__jx_ws(x), x->p);
                id = ms__jx_uint(x, UINT32_MAX, NULL);
                if (!x->err && id == 0) ms__jx_fail_at(x, k, "a stack id of 0 (0 means no stack)");
                have |= 1;
            } else if (MS__JX_KEY(x, "frames")) {
                if (!ms__jx_open(x, '[', "a stack's \"frames\" must be an array")) return;
                int ff = 1;
                n = 0;
                while (!x->err && ms__jx_elem(x, &ff)) {
                    if (n == MS__SYMS_MAX) { ms__jx_fail(x, "a stack of more frames than memscope writes"); return; }
                    ms__jx_frame(x, &x->fr[n++]);
                }
                have |= 2;
            } else {
                ms__jx_skip(x, 4);
            }
        }
        if (x->err) return;
        if (have != 3) { ms__jx_fail_at(x, at, "a stack without its \"id\" or \"frames\""); return; }
        ms__jid jid = {(uint32_t)id, (uint64_t)(at - x->base)};
        ms__jx_push(x, &x->stack_ids, &jid, sizeof jid);
        ms__jx_stack_out(x, (uint32_t)id, x->fr, n);
        if (x->stacks.err || x->lines.err || x->inl.err) ms__jx_oom(x);
    }
}

/* SNAPSHOTS' fields in their order (docs/FORMAT.md), 'd' for a double. */
static const char *const ms__jx_snap_keys[28] = {
    "timestamp", "cpu_usage_percent", "memory_usage_bytes", "memory_usage_percent", "thread_count",
    "disk_read_bps", "disk_write_bps", "network_rx_bps", "network_tx_bps", "gpu_usage_percent",
    "gpu_memory_used", "gpu_memory_total", "available", "elapsed_ns", "system_cpu_percent", "cpu_count",
    "gpu_count", "peak_rss_bytes", "memory_limit_bytes", "system_memory_total", "system_memory_available",
    "system_memory_used_percent", "minor_faults_per_sec", "major_faults_per_sec", "disk_read_bytes",
    "disk_write_bytes", "network_rx_bytes", "network_tx_bytes"};
static const char ms__jx_snap_kind[] = "ududuuuuuduuuuduuuuuuduuuuuu";

static void ms__jx_snapshots(ms__jx *x) {
    if (!ms__jx_open(x, '[', "\"system_snapshots\" must be an array")) return;
    int first = 1;
    while (!x->err && ms__jx_elem(x, &first)) {
        if (!ms__jx_open(x, '{', "a snapshot must be an object")) return;
        uint64_t u[28];
        double d[28];
        memset(u, 0, sizeof u);
        memset(d, 0, sizeof d);
        int f = 1;
        while (!x->err && ms__jx_member(x, &f)) {
            unsigned i = 0;
            while (i < 28 && strcmp(x->key, ms__jx_snap_keys[i]) != 0) i++;
            if (i == 28) ms__jx_skip(x, 4);
            else if (ms__jx_snap_kind[i] == 'd') d[i] = ms__jx_f64(x);
            else u[i] = ms__jx_uint(x, i == 12 || i == 15 || i == 16 ? UINT32_MAX : UINT64_MAX, NULL);
        }
        if (x->err) return;
        for (unsigned i = 0; i < 28; i++) {
            if (ms__jx_snap_kind[i] == 'd') ms__buf_f64(&x->snaps, d[i]);
            else ms__buf_u64(&x->snaps, u[i]);
        }
        if (x->snaps.err) { ms__jx_oom(x); return; }
        x->nsnaps++;
    }
}

static void ms__jx_threads(ms__jx *x) {
    if (!ms__jx_open(x, '[', "\"threads\" must be an array")) return;
    x->have_threads = 1;
    int first = 1;
    while (!x->err && ms__jx_elem(x, &first)) {
        const unsigned char *at = (ms__jx_ws(x), x->p);
        if (!ms__jx_open(x, '{', "a thread must be an object")) return;
        uint64_t v[6] = {0, 0, 0, 0, 0, 0};
        static const char *const keys[6] = {"thread_id", "allocations", "deallocations", "allocated_bytes", "current_bytes", "peak_bytes"};
        uint32_t name = 0;
        int f = 1, have = 0;
        while (!x->err && ms__jx_member(x, &f)) {
            unsigned i = 0;
            while (i < 6 && strcmp(x->key, keys[i]) != 0) i++;
            if (i < 6) { v[i] = ms__jx_uint(x, i ? UINT64_MAX : UINT32_MAX, NULL); have |= !i; }
            else if (MS__JX_KEY(x, "thread_name")) name = ms__jx_str(x);
            else ms__jx_skip(x, 4);
        }
        if (x->err) return;
        if (!have) { ms__jx_fail_at(x, at, "a thread without its \"thread_id\""); return; }
        ms__buf_varint(&x->threads, v[0]);
        ms__buf_varint(&x->threads, name);
        for (int i = 1; i < 6; i++) ms__buf_varint(&x->threads, v[i]);
        if (x->threads.err) { ms__jx_oom(x); return; }
        x->nthreads++;
    }
}

static void ms__jx_hotspots(ms__jx *x) {
    if (!ms__jx_open(x, '[', "\"hotspots\" must be an array")) return;
    x->have_hot = 1;
    int first = 1;
    while (!x->err && ms__jx_elem(x, &first)) {
        if (!ms__jx_open(x, '{', "a hotspot must be an object")) return;
        uint32_t var = 0, type = 0, loc = 0;
        uint64_t size = 0, count = 0;
        int f = 1;
        while (!x->err && ms__jx_member(x, &f)) {
            if (MS__JX_KEY(x, "var_name")) var = ms__jx_str(x);
            else if (MS__JX_KEY(x, "type_name")) type = ms__jx_str(x);
            else if (MS__JX_KEY(x, "location")) loc = ms__jx_str(x);
            else if (MS__JX_KEY(x, "total_size")) size = ms__jx_uint(x, UINT64_MAX, NULL);
            else if (MS__JX_KEY(x, "allocation_count")) count = ms__jx_uint(x, UINT64_MAX, NULL);
            else ms__jx_skip(x, 4);
        }
        if (x->err) return;
        ms__buf_varint(&x->hot, var);
        ms__buf_varint(&x->hot, type);
        ms__buf_varint(&x->hot, size);
        ms__buf_varint(&x->hot, count);
        ms__buf_varint(&x->hot, loc);
        if (x->hot.err) { ms__jx_oom(x); return; }
        x->nhot++;
    }
}

static void ms__jx_context(ms__jx *x) {
    if (ms__jx_null(x)) return;
    if (!ms__jx_open(x, '{', "\"context\" must be an object")) return;
    int f = 1, nul;
    uint64_t status = 0, sig = 0;
    int have_status = 0;
    while (!x->err && ms__jx_member(x, &f)) {
        if (MS__JX_KEY(x, "program")) x->program = ms__jx_str(x);
        else if (MS__JX_KEY(x, "command_line")) x->cmdline = ms__jx_str(x);
        else if (MS__JX_KEY(x, "cwd")) x->cwd = ms__jx_str(x);
        else if (MS__JX_KEY(x, "pid")) x->pid = ms__jx_uint(x, UINT64_MAX, &nul);
        else if (MS__JX_KEY(x, "ppid")) x->ppid = ms__jx_uint(x, UINT64_MAX, &nul);
        else if (MS__JX_KEY(x, "exit_status")) { status = ms__jx_uint(x, 255, &nul); have_status = !nul; }
        else if (MS__JX_KEY(x, "exit_signal")) sig = ms__jx_uint(x, 127, &nul);
        else if (MS__JX_KEY(x, "complete")) { if (!ms__jx_null(x)) x->cut = !ms__jx_bool(x); }
        else if (MS__JX_KEY(x, "mode")) {
            const char *m = ms__jx_null(x) ? NULL : ms__jx_string(x);
            x->mode = m && !strcmp(m, "whole-program") ? 1 : m && !strcmp(m, "track") ? 2 : 0;
        }
        else ms__jx_skip(x, 2);
    }
    x->how = sig ? 256u + (uint32_t)sig : have_status ? 1u + (uint32_t)status : 0u;
}

static void ms__jx_sampling(ms__jx *x) {
    if (ms__jx_null(x)) return;
    if (!ms__jx_open(x, '{', "\"sampling\" must be an object")) return;
    int f = 1;
    while (!x->err && ms__jx_member(x, &f)) {
        if (MS__JX_KEY(x, "sample_rate")) x->cfg_rate = ms__jx_f64(x);
        else if (MS__JX_KEY(x, "capture_call_stack")) x->capture = ms__jx_bool(x);
        else if (MS__JX_KEY(x, "max_stack_depth")) x->depth = ms__jx_uint(x, UINT64_MAX, NULL);
        else if (MS__JX_KEY(x, "sample_bytes")) x->sample_bytes = ms__jx_uint(x, UINT64_MAX, NULL);
        else ms__jx_skip(x, 2);
    }
}

/* The top-level members the reader knows, by position: a bit each in x->seen. */
static const char *const ms__jx_top[] = {
    "format", "version", "total_allocations", "total_deallocations", "active_allocations", "peak_memory_bytes",
    "current_memory_bytes", "total_allocated_bytes", "dropped_events", "dropped_snapshots", "allocation_rate_per_sec",
    "deallocation_rate_per_sec", "hotspots", "system_snapshots", "sample_rate", "estimated_total_allocations",
    "estimated_total_bytes", "duration_sec", "start_time_unix_ms", "context", "sampling", "threads", "sites",
    "events", "stacks"};
enum { MS__JX_NTOP = sizeof ms__jx_top / sizeof ms__jx_top[0] };

static void ms__jx_root(ms__jx *x) {
    x->p++; /* the '{' */
    int first = 1;
    while (!x->err && ms__jx_member(x, &first)) {
        unsigned i = 0;
        while (i < MS__JX_NTOP && strcmp(x->key, ms__jx_top[i]) != 0) i++;
        if (i == MS__JX_NTOP) { ms__jx_skip(x, 1); continue; }
        if (x->seen & 1u << i) { ms__jx_fail(x, "a member given twice (this value is the second)"); return; }
        x->seen |= 1u << i;
        const unsigned char *at = (ms__jx_ws(x), x->p);
        if (i == 0) {
            const char *s = ms__jx_string(x);
            if (s && strcmp(s, "memscope") != 0) ms__jx_fail_at(x, at, "\"format\" is not \"memscope\": not memscope's JSON report");
            x->format_ok = 1;
        } else if (i == 1) {
            uint64_t v = ms__jx_uint(x, UINT64_MAX, NULL);
            if (!x->err && v != 1) ms__jx_fail_at(x, at, "a JSON report of another version than 1 (README \"JSON schema\")");
        } else if (i >= 2 && i <= 9) {
            x->tot[i - 2] = ms__jx_uint(x, UINT64_MAX, NULL);
            x->have_tot |= 1u << (i - 2);
        } else if (i == 10) x->arate = ms__jx_f64(x);
        else if (i == 11) x->frate = ms__jx_f64(x);
        else if (i == 12) ms__jx_hotspots(x);
        else if (i == 13) ms__jx_snapshots(x);
        else if (i == 14) { x->srate = ms__jx_f64(x); x->have_srate = 1; }
        else if (i == 15) x->est[0] = ms__jx_f64(x);
        else if (i == 16) x->est[1] = ms__jx_f64(x);
        else if (i == 17) x->dsec = ms__jx_f64(x);
        else if (i == 18) x->start_ms = ms__jx_uint(x, UINT64_MAX, NULL);
        else if (i == 19) ms__jx_context(x);
        else if (i == 20) ms__jx_sampling(x);
        else if (i == 21) ms__jx_threads(x);
        else if (i == 22) ms__jx_sites(x);
        else if (i == 23) ms__jx_events(x);
        else ms__jx_stacks(x);
    }
    if (x->err) return;
    if (ms__jx_peek(x) >= 0) { ms__jx_fail(x, "bytes after the JSON report's closing '}'"); return; }
    if (!x->format_ok) {
        x->p = x->base;
        ms__jx_fail(x, "a JSON file without \"format\": \"memscope\": not memscope's JSON report (memscope reads back its "
                       "own JSON export and .msb files, not its other JSON formats)");
    }
}

static void ms__jx_section(ms__jx *x, ms__buf *img, uint32_t type, int counted, uint64_t count, const ms__buf *pl) {
    unsigned char h[16], c[4];
    memset(h, 0, sizeof h);
    size_t at = img->len;
    ms__buf_put(img, h, sizeof h);
    if (counted) ms__buf_varint(img, count);
    ms__buf_put(img, pl->p, pl->len);
    if (img->err) { ms__jx_oom(x); return; }
    size_t len = img->len - at - 16;
    ms__put_le(img->p + at, type, 4);
    ms__put_le(img->p + at + 8, len, 8);
    ms__put_le(c, ms__crc32(0, img->p + at, 16 + len), 4);
    ms__buf_put(img, c, 4);
    if (img->err) ms__jx_oom(x);
}

static void ms__jx_flush_events(ms__jx *x) {
    if (!x->blk_n) return;
    ms__jx_section(x, &x->evsec, MS__MSB_EVENTS, 1, x->blk_n, &x->blk);
    x->blk.len = 0;
    x->blk_n = 0;
}

static int ms__jid_cmp(const void *a, const void *b) {
    const ms__jid *p = (const ms__jid *)a, *q = (const ms__jid *)b;
    return p->id != q->id ? (p->id > q->id) - (p->id < q->id) : (p->at > q->at) - (p->at < q->at);
}
static int ms__jid_has(const ms__jid *ids, size_t n, uint32_t id) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ids[mid].id < id) lo = mid + 1; else hi = mid;
    }
    return lo < n && ids[lo].id == id;
}

/* The references between the parts, which the .msb reader would check: sites and stacks
   defined once, stack ids within what a file may hold, every event naming defined ones. */
static void ms__jx_check(ms__jx *x) {
    ms__jid *sites = (ms__jid *)(void *)x->site_ids.p, *stacks = (ms__jid *)(void *)x->stack_ids.p;
    size_t ns = x->site_ids.len / sizeof *sites, nk = x->stack_ids.len / sizeof *stacks;
    char msg[160];
    if (ns) qsort(sites, ns, sizeof *sites, ms__jid_cmp);
    if (nk) qsort(stacks, nk, sizeof *stacks, ms__jid_cmp);
    for (size_t i = 1; i < ns && !x->err; i++)
        if (sites[i].id == sites[i - 1].id) {
            snprintf(msg, sizeof msg, "site %u defined twice", (unsigned)sites[i].id);
            ms__jx_fail_at(x, x->base + sites[i].at, msg);
        }
    for (size_t i = 0; i < nk && !x->err; i++) {
        if (i && stacks[i].id == stacks[i - 1].id) {
            snprintf(msg, sizeof msg, "stack %u defined twice", (unsigned)stacks[i].id);
            ms__jx_fail_at(x, x->base + stacks[i].at, msg);
        } else if ((uint64_t)stacks[i].id > (uint64_t)nk + 65536) {
            snprintf(msg, sizeof msg, "stack id %u: more than 65 536 above the number of stacks", (unsigned)stacks[i].id);
            ms__jx_fail_at(x, x->base + stacks[i].at, msg);
        }
    }
    const ms__jref *r = (const ms__jref *)(const void *)x->refs.p;
    size_t nr = x->refs.len / sizeof *r;
    uint32_t last_site = 0, last_stack = 0;
    int site_ok = 0, stack_ok = 0;
    for (size_t i = 0; i < nr && !x->err; i++) {
        if (!site_ok || r[i].site != last_site) { last_site = r[i].site; site_ok = ms__jid_has(sites, ns, last_site); }
        if (!site_ok) {
            snprintf(msg, sizeof msg, "an event names site %u, which \"sites\" does not define", (unsigned)r[i].site);
            ms__jx_fail_at(x, x->base + r[i].at, msg);
            break;
        }
        if (!r[i].stack) continue;
        if (!stack_ok || r[i].stack != last_stack) { last_stack = r[i].stack; stack_ok = ms__jid_has(stacks, nk, last_stack); }
        if (!stack_ok) {
            snprintf(msg, sizeof msg, "an event names stack %u, which \"stacks\" does not define", (unsigned)r[i].stack);
            ms__jx_fail_at(x, x->base + r[i].at, msg);
        }
    }
}

static void ms__jx_free(ms__jx *x) {
    ms__buf *b[] = {&x->tmp, &x->strs, &x->sites, &x->site_ids, &x->stacks, &x->lines, &x->inl, &x->stack_ids,
                    &x->evsec, &x->blk, &x->refs, &x->snaps, &x->threads, &x->hot};
    for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) MEMSCOPE_FREE(b[i]->p);
    MEMSCOPE_FREE(x->fr);
    MEMSCOPE_FREE(x);
}

static void ms__jx_meta_str(ms__buf *b, unsigned id, uint32_t s) { ms__buf_varint(b, id); ms__buf_varint(b, MS__WIRE_STR); ms__buf_varint(b, s); }

/* The .msb image of a parsed report: *img, 1 when it has its END (all the totals were given). */
static int ms__jx_image(ms__jx *x, ms__buf *img) {
    static const unsigned char magic[16] = {0x89, 'M', 'S', 'B', 0x0D, 0x0A, 0x1A, 0x0A, 1, 0, 0, 0, 0, 0, 0, 0};
    ms__buf_put(img, magic, sizeof magic);
    const char *gen = "memscope.h " MEMSCOPE_VERSION_STRING;
    ms__buf_varint(&x->strs, strlen(gen));
    ms__buf_put(&x->strs, gen, strlen(gen));
    uint32_t gen_ix = (uint32_t)++x->nstrs;
    ms__jx_section(x, img, MS__MSB_STRINGS, 1, x->nstrs, &x->strs);
    ms__buf m = {NULL, 0, 0, 0};
    double rate = x->have_srate ? x->srate : x->cfg_rate;
    ms__buf_varint(&m, 13u + (x->program != 0) + (x->cmdline != 0) + (x->cwd != 0) + (x->ppid != 0) + (x->how != 0) + (x->mode != 0));
    ms__msb_meta_u64(&m, MS__META_START_TIME_UNIX_MS, x->start_ms);
    ms__msb_meta_u64(&m, MS__META_DURATION_NS, ms__d2u64(x->dsec * 1e9 + 0.5));
    ms__msb_meta_f64(&m, MS__META_SAMPLE_RATE, rate);
    ms__msb_meta_u64(&m, MS__META_CAPTURE_CALL_STACK, x->capture ? 1u : 0u);
    ms__msb_meta_u64(&m, MS__META_MAX_STACK_DEPTH, x->depth);
    ms__jx_meta_str(&m, MS__META_GENERATOR, gen_ix);
    ms__msb_meta_u64(&m, MS__META_PID, x->pid);
    ms__msb_meta_f64(&m, MS__META_NS_PER_TICK, 1.0); /* the times are ns already */
    ms__msb_meta_f64(&m, MS__META_DURATION_SEC, x->dsec);
    ms__msb_meta_f64(&m, MS__META_ALLOCATION_RATE_PER_SEC, x->arate);
    ms__msb_meta_f64(&m, MS__META_DEALLOCATION_RATE_PER_SEC, x->frate);
    ms__msb_meta_u64(&m, MS__META_SAMPLE_BYTES, x->sample_bytes);
    ms__msb_meta_u64(&m, MS__META_STREAMED, 0);
    if (x->program) ms__jx_meta_str(&m, MS__META_PROGRAM, x->program);
    if (x->cmdline) ms__jx_meta_str(&m, MS__META_COMMAND_LINE, x->cmdline);
    if (x->cwd) ms__jx_meta_str(&m, MS__META_CWD, x->cwd);
    if (x->ppid) ms__msb_meta_u64(&m, MS__META_PPID, x->ppid);
    if (x->how) ms__msb_meta_u64(&m, MS__META_EXIT, x->how);
    if (x->mode) ms__msb_meta_u64(&m, MS__META_WHOLE_PROGRAM, x->mode == 1 ? 1u : 0u);
    if (m.err) ms__jx_oom(x);
    ms__jx_section(x, img, MS__MSB_META, 0, 0, &m);
    MEMSCOPE_FREE(m.p);
    ms__jx_section(x, img, MS__MSB_SITES, 1, x->nsites, &x->sites);
    ms__jx_section(x, img, MS__MSB_STACKS, 1, x->nstacks, &x->stacks);
    if (x->nlines) ms__jx_section(x, img, MS__MSB_LINES, 1, x->nlines, &x->lines);
    if (x->ninl) ms__jx_section(x, img, MS__MSB_INLINED, 1, x->ninl, &x->inl);
    ms__jx_flush_events(x);
    ms__buf_put(img, x->evsec.p, x->evsec.len);
    ms__jx_section(x, img, MS__MSB_SNAPSHOTS, 1, x->nsnaps, &x->snaps);
    if (x->have_threads) ms__jx_section(x, img, MS__MSB_THREADS, 1, x->nthreads, &x->threads);
    if (x->have_hot) ms__jx_section(x, img, MS__MSB_HOTSPOTS, 1, x->nhot, &x->hot);
    int complete = (x->have_tot & 63u) == 63u;
    if (complete) {
        ms__buf e = {NULL, 0, 0, 0};
        for (int i = 0; i < 8; i++) ms__buf_varint(&e, x->tot[i]);
        ms__buf_varint(&e, x->nevents);
        ms__buf_f64(&e, x->est[0]);
        ms__buf_f64(&e, x->est[1]);
        if (e.err) ms__jx_oom(x);
        ms__jx_section(x, img, MS__MSB_END, 0, 0, &e);
        MEMSCOPE_FREE(e.p);
    }
    if (img->err) ms__jx_oom(x);
    return complete;
}

/* A JSON report (data, size: MEMSCOPE_MALLOC'd, taken over) into a loaded tracker. */
static memscope_tracker *ms__load_json(unsigned char *data, size_t size, memscope_result *result) {
    ms__jx *x = (ms__jx *)ms__calloc(1, sizeof *x);
    ms__jframe *fr = (ms__jframe *)ms__calloc(MS__SYMS_MAX, sizeof *fr);
    if (!x || !fr) {
        MEMSCOPE_FREE(x); MEMSCOPE_FREE(fr); MEMSCOPE_FREE(data);
        *result = MEMSCOPE_ERR_NO_MEMORY;
        snprintf(ms__load_err, sizeof ms__load_err, "out of memory");
        return NULL;
    }
    x->fr = fr;
    x->base = data;
    x->p = data;
    x->end = data + size;
    ms__jx_ws(x);
    ms__jx_root(x);
    if (!x->err) ms__jx_check(x);
    if (!x->err && (x->have_tot & 3u) == 3u) {
        /* events the run recorded (allocations + frees - not retained) that the JSON does not
           hold (cut out of it, or null in a dashboard's report block): not retained either,
           so the report says its lists are partial, as for a capped run */
        uint64_t rec = x->tot[0] + x->tot[1];
        if (rec >= x->tot[0] && rec >= x->tot[6] && rec - x->tot[6] > x->nevents) x->tot[6] = rec - x->nevents;
    }
    ms__buf img = {NULL, 0, 0, 0};
    int complete = !x->err ? ms__jx_image(x, &img) : 0;
    int err = x->err, cut = x->cut;
    uint64_t nevents = x->nevents;
    ms__jx_free(x);
    MEMSCOPE_FREE(data);
    if (err) {
        MEMSCOPE_FREE(img.p);
        *result = err == 2 ? MEMSCOPE_ERR_NO_MEMORY : MEMSCOPE_ERR_FORMAT;
        return NULL;
    }
    memscope_tracker *t = ms__load_buffer(img.p, img.len, result);
    if (!t) { /* not expected: what the image's reader refuses was refused above */
        char why[sizeof ms__load_err];
        memcpy(why, ms__load_err, sizeof why);
        snprintf(ms__load_err, sizeof ms__load_err, "the JSON report, converted, is refused by the .msb reader (%.180s)", why);
        return NULL;
    }
    struct ms__loaded *L = t->loaded;
    L->info.file_bytes = size;
    L->info.valid_bytes = size;
    if (cut) { /* the report of a run cut short stays one */
        char how[160];
        L->info.complete = 0;
        ms__ended_how(L->exit_how, L->exit_watched, how, sizeof how);
        snprintf(ms__load_err, sizeof ms__load_err,
                 "the report says the run did not end normally (%s): it holds the run up to the last block written, "
                 "%llu events over %.3f s; blocks live then are reported as live at the end",
                 how, (unsigned long long)nevents, L->duration_sec);
    }
    if (!complete)
        snprintf(ms__load_err, sizeof ms__load_err,
                 "the JSON report lacks some of its totals (total_allocations, total_deallocations, active_allocations, "
                 "peak_memory_bytes, current_memory_bytes, total_allocated_bytes): they are recomputed from its %llu events",
                 (unsigned long long)nevents);
    return t;
}

/* A .msb or, when its first byte after white space is '{', a JSON report. */
static int ms__is_json(const unsigned char *d, size_t n) {
    size_t i = 0;
    while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t')) i++;
    return i < n && d[i] == '{';
}
static memscope_tracker *ms__load_any(unsigned char *data, size_t size, memscope_result *result) {
    ms__load_err[0] = 0;
    return ms__is_json(data, size) ? ms__load_json(data, size, result) : ms__load_buffer(data, size, result);
}

/* Names from the module files themselves, after the run (docs/FORMAT.md, MODULES): each
   recorded module's file (under $MEMSCOPE_SYSROOT when set) is compared with the recording
   by build id; frames the recording left without a function or a source line are named from
   a file that matches. A file that changed or is gone is only reported (memscope_modules),
   never used: names from another build would be wrong. */
static void ms__loaded_offline(struct ms__loaded *L, int fill) {
    const char *root = getenv("MEMSCOPE_SYSROOT");
    int need = 0;
    for (size_t i = 0; i < L->nstacks && !need && fill; i++)
        for (uint32_t k = 0; k < L->stacks[i].depth; k++)
            if (L->stacks[i].frames[k].mod && (!L->stacks[i].frames[k].fn || !L->stacks[i].frames[k].file)) { need = 1; break; }
    for (size_t i = 0; i < L->nmods; i++) {
        ms__lmod *m = &L->mods[i];
        if (m->sm) { ms__symmod_drop(m->sm); MEMSCOPE_FREE(m->sm); m->sm = NULL; } /* (named before: again) */
        char path[4096];
        if (snprintf(path, sizeof path, "%s%s", root && *root && m->path[0] == '/' ? root : "", m->path) >= (int)sizeof path) {
            m->state = MEMSCOPE_MODULE_MISSING;
            continue;
        }
        ms__symmod *sm = (ms__symmod *)ms__calloc(1, sizeof *sm);
        if (!sm) return;
        sm->inflate = 1;
        sm->path = ms__strdup(path);
        sm->bias = (uintptr_t)m->bias;
        sm->lo = (uintptr_t)m->lo;
        sm->hi = (uintptr_t)m->hi;
        char id[130];
        pthread_mutex_lock(&ms__sym_lock);
        size_t n = sm->path && ms__map_file(path, &sm->map, &sm->map_len) ? ms__symmod_build_id(sm, id, sizeof id) : 0;
        pthread_mutex_unlock(&ms__sym_lock);
        m->state = !sm->map ? MEMSCOPE_MODULE_MISSING
                 : !m->build_id || !n ? MEMSCOPE_MODULE_UNVERIFIED
                 : strcmp(id, m->build_id) == 0 ? MEMSCOPE_MODULE_MATCHES : MEMSCOPE_MODULE_CHANGED;
        if (m->state != MEMSCOPE_MODULE_MATCHES || !need) { ms__symmod_drop(sm); MEMSCOPE_FREE(sm); continue; }
        m->sm = sm;
    }
    if (!need) return;
    pthread_mutex_lock(&ms__sym_lock);
    size_t last = 0;
    for (size_t i = 0; i < L->nstacks; i++)
        for (uint32_t k = 0; k < L->stacks[i].depth; k++) {
            ms__lframe *fr = &L->stacks[i].frames[k];
            if (!fr->mod || (fr->fn && fr->file) || !fr->addr) continue;
            ms__lmod *m = NULL;
            for (size_t j = 0; j < L->nmods && !m; j++) {
                ms__lmod *c = &L->mods[(last + j) % L->nmods];
                if (c->lo <= fr->addr && fr->addr - 1 < c->hi && strcmp(c->path, fr->mod) == 0) { m = c; last = (last + j) % L->nmods; }
            }
            if (!m || !m->sm) continue;
            ms__symres r;
            memset(&r, 0, sizeof r);
            int lines = (fr->file ? 0 : 1) | 2; /* (names from a debug file: the stream left them) */
            ms__symmod_name(m->sm, fr->addr - 1, &r, lines);
            if (!fr->fn && r.named) { fr->fn = r.function; fr->off1 = fr->addr - r.fn_lo + 1; }
            else if (!fr->fn && !fr->off1) fr->off1 = fr->addr - m->bias + 1;
            if (lines && r.file) { fr->file = r.file; fr->line = r.line; }
            if (lines && r.ninl && !fr->ninl) { /* (a block of its own, freed with the frames) */
                void *blk = ms__calloc(1, sizeof(void *) + r.ninl * sizeof(ms__inlf));
                if (!blk) continue;
                memcpy(blk, &L->frame_blocks, sizeof(void *));
                L->frame_blocks = blk;
                ms__inlf *e = (ms__inlf *)(void *)((char *)blk + sizeof(void *));
                memcpy(e, r.inl, r.ninl * sizeof *e);
                fr->inl = e;
                fr->ninl = r.ninl;
            }
        }
    pthread_mutex_unlock(&ms__sym_lock);
}

MEMSCOPE_DEF memscope_tracker *memscope_load(const char *path, memscope_result *result) {
    memscope_result dummy;
    if (!result) result = &dummy;
    ms__load_err[0] = 0;
    if (!path || !*path) { *result = MEMSCOPE_ERR_INVALID_ARG; snprintf(ms__load_err, sizeof ms__load_err, "no path"); return NULL; }
    /* non-blocking: a FIFO with no writer must not hang the open; it is refused below */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        snprintf(ms__load_err, sizeof ms__load_err, "cannot open: %s", strerror(e));
        *result = MEMSCOPE_ERR_IO;
        errno = e;
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(ms__load_err, sizeof ms__load_err, "not a regular file (%s): memscope reads .msb files",
                 S_ISFIFO(st.st_mode) ? "a FIFO or pipe" : S_ISDIR(st.st_mode) ? "a directory"
                 : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : S_ISSOCK(st.st_mode) ? "a socket" : "special");
        *result = MEMSCOPE_ERR_NOT_REGULAR;
        return NULL;
    }
    /* the magic first (or a JSON report's '{' after white space): a large file of something
       else costs a small read */
    unsigned char head[4096];
    ssize_t hn;
    off_t at = 0;
    size_t ws = 0;
    for (;;) {
        do hn = pread(fd, head, sizeof head, at); while (hn < 0 && errno == EINTR);
        if (hn <= 0) break;
        for (ws = 0; ws < (size_t)hn && (head[ws] == ' ' || head[ws] == '\n' || head[ws] == '\r' || head[ws] == '\t'); ws++) {}
        if (ws < (size_t)hn) break;
        at += hn; /* white space only so far */
    }
    int msb = !at && hn >= (ssize_t)sizeof ms__msb_magic && memcmp(head, ms__msb_magic, sizeof ms__msb_magic) == 0;
    int json = hn > 0 && ws < (size_t)hn && head[ws] == '{';
    if (!msb && !json) {
        close(fd);
        snprintf(ms__load_err, sizeof ms__load_err, "offset 0: not a memscope .msb file (bad magic) nor memscope's JSON report");
        *result = MEMSCOPE_ERR_FORMAT;
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *data = (unsigned char *)MEMSCOPE_MALLOC(size ? size : 1);
    if (!data) { close(fd); *result = MEMSCOPE_ERR_NO_MEMORY; snprintf(ms__load_err, sizeof ms__load_err, "out of memory"); return NULL; }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    memscope_tracker *t = ms__load_any(data, got, result);
    if (t) ms__loaded_offline(t->loaded, 0); /* the modules' states only: the file as it was written */
    return t;
}

/* memscope_msb_record_exit: the sections are walked and checked (CRC) as the reader would;
   the file is changed only when it is a streamed file with META and neither END nor EXIT.
   A varint of the file read without ms__rd (whose errors are memscope_load_error's). */
#if !defined(__USE_UNIX98) && !defined(__USE_XOPEN2K8)
extern ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset);
#endif
#if !defined(__USE_XOPEN_EXTENDED) && !defined(__USE_XOPEN2K)
extern int ftruncate(int fd, off_t length);
#endif
static uint64_t ms__exit_varint(const unsigned char **p, const unsigned char *end, int *err) {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70 && *p < end; shift += 7) {
        unsigned char c = *(*p)++;
        if (shift == 63 && c > 1) break;
        v |= (uint64_t)(c & 127u) << shift;
        if (!(c & 128u)) return v;
    }
    *err = 1;
    return 0;
}
static int ms__pread_all(int fd, unsigned char *buf, size_t n, uint64_t at) {
    while (n) {
        ssize_t k = pread(fd, buf, n, (off_t)at);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) { if (!k) errno = EIO; return -1; }
        buf += k; n -= (size_t)k; at += (uint64_t)k;
    }
    return 0;
}
MEMSCOPE_DEF memscope_result memscope_msb_record_exit(const char *path, int exit_status, int exit_signal) {
    if (!path || !*path || exit_signal < 0 || exit_signal > 127 || (!exit_signal && (exit_status < 0 || exit_status > 255)))
        return MEMSCOPE_ERR_INVALID_ARG;
    uint32_t how = exit_signal ? 256u + (uint32_t)exit_signal : 1u + (uint32_t)exit_status;
    struct stat st, st0;
    if (stat(path, &st0) != 0) return MEMSCOPE_ERR_IO;
    if (!S_ISREG(st0.st_mode)) return MEMSCOPE_ERR_NOT_REGULAR; /* a device is not even opened */
    int fd;
    do fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC); while (fd < 0 && errno == EINTR);
    if (fd < 0) return MEMSCOPE_ERR_IO;
    if (fstat(fd, &st) != 0) { int e = errno; close(fd); errno = e; return MEMSCOPE_ERR_IO; }
    if (!S_ISREG(st.st_mode) || st.st_dev != st0.st_dev || st.st_ino != st0.st_ino) { close(fd); return MEMSCOPE_ERR_NOT_REGULAR; }
    uint64_t size = (uint64_t)st.st_size, off = 16;
    size_t cap = 65536;
    unsigned char *buf = (unsigned char *)MEMSCOPE_MALLOC(cap);
    if (!buf) { close(fd); return MEMSCOPE_ERR_NO_MEMORY; }
    memscope_result res = MEMSCOPE_OK;
    int meta = 0, streamed = 0, closed = 0;
    if (size < 16 || ms__pread_all(fd, buf, 16, 0) != 0 || memcmp(buf, ms__msb_magic, sizeof ms__msb_magic) != 0 ||
        buf[8] != 1 || buf[9] != 0)
        res = MEMSCOPE_ERR_FORMAT;
    while (res == MEMSCOPE_OK && !closed && size - off >= 20) { /* each complete section, its CRC checked */
        unsigned char h[16], c[4];
        if (ms__pread_all(fd, h, 16, off) != 0) { res = MEMSCOPE_ERR_IO; break; }
        uint32_t type = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
        uint64_t len = 0;
        for (int i = 7; i >= 0; i--) len = len << 8 | h[8 + i];
        if (len > size - off - 20) break; /* runs past the end: the cut */
        uint32_t crc = ms__crc32(0, h, 16);
        for (uint64_t done = 0; done < len && res == MEMSCOPE_OK;) {
            size_t n = len - done < cap ? (size_t)(len - done) : cap;
            if (ms__pread_all(fd, buf, n, off + 16 + done) != 0) { res = MEMSCOPE_ERR_IO; break; }
            if (type == MS__MSB_META && !meta && done == 0 && n == len) { /* META: is the file streamed */
                const unsigned char *p = buf, *e = buf + n;
                int err = 0;
                uint64_t k = ms__exit_varint(&p, e, &err);
                for (uint64_t i = 0; i < k && !err; i++) {
                    uint64_t id = ms__exit_varint(&p, e, &err), wire = ms__exit_varint(&p, e, &err), v = 0;
                    if (err) break;
                    if (wire == MS__WIRE_F64) { if (e - p < 8) err = 1; else p += 8; continue; }
                    if (wire > MS__WIRE_STR) { err = 1; break; }
                    v = ms__exit_varint(&p, e, &err);
                    if (id == MS__META_STREAMED) streamed = v == 1;
                }
                meta = !err;
            }
            crc = ms__crc32(crc, buf, n);
            done += n;
        }
        if (res != MEMSCOPE_OK) break;
        if (ms__pread_all(fd, c, 4, off + 16 + len) != 0) { res = MEMSCOPE_ERR_IO; break; }
        if (((uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24) != crc) { res = MEMSCOPE_ERR_FORMAT; break; }
        closed = type == MS__MSB_END || type == MS__MSB_EXIT; /* it says how the run ended already */
        off += 20 + len;
    }
    if (res == MEMSCOPE_OK && !closed && (!meta || !streamed)) res = MEMSCOPE_ERR_FORMAT;
    if (res == MEMSCOPE_OK && !closed) { /* cut what a dying writer left of a section, then EXIT */
        unsigned char sec[16 + 10 + 4];
        size_t pn = 0;
        for (uint64_t v = how; ; v >>= 7) {
            unsigned char b = (unsigned char)(v & 127u);
            if (v >> 7) sec[16 + pn++] = (unsigned char)(b | 128u);
            else { sec[16 + pn++] = b; break; }
        }
        ms__put_le(sec, MS__MSB_EXIT, 4);
        ms__put_le(sec + 4, 0, 4);
        ms__put_le(sec + 8, pn, 8);
        ms__put_le(sec + 16 + pn, ms__crc32(0, sec, 16 + pn), 4);
        ssize_t w;
        if (off < size && ftruncate(fd, (off_t)off) != 0) res = MEMSCOPE_ERR_IO;
        else {
            do w = pwrite(fd, sec, 20 + pn, (off_t)off); while (w < 0 && errno == EINTR);
            if (w != (ssize_t)(20 + pn)) {
                if (w >= 0) errno = EIO;
                int e = errno;
                if (ftruncate(fd, (off_t)off) != 0) {} /* no half section left behind */
                errno = e;
                res = MEMSCOPE_ERR_IO;
            }
        }
    }
    MEMSCOPE_FREE(buf);
    int e = errno;
    if (close(fd) != 0 && res == MEMSCOPE_OK && !closed) { res = MEMSCOPE_ERR_IO; e = errno; }
    errno = e;
    return res;
}
#else
MEMSCOPE_DEF memscope_tracker *memscope_load(const char *path, memscope_result *result) {
    (void)path;
    if (result) *result = MEMSCOPE_ERR_UNSUPPORTED;
    snprintf(ms__load_err, sizeof ms__load_err, "the readers (.msb, JSON) are compiled out");
    return NULL;
}
MEMSCOPE_DEF memscope_result memscope_msb_record_exit(const char *path, int exit_status, int exit_signal) {
    (void)path; (void)exit_status; (void)exit_signal;
    return MEMSCOPE_ERR_UNSUPPORTED;
}
#endif

MEMSCOPE_DEF uint64_t memscope_sample_bytes(memscope_tracker *t) { return t ? atomic_load(&t->sample_bytes) : 0; }

MS__MAYBE_UNUSED static void ms__program_name(const memscope_tracker *t, char *buf, size_t cap) {
    buf[0] = 0;
    if (t && t->loaded) {
        snprintf(buf, cap, "%s", t->loaded->program ? t->loaded->program : "");
        return;
    }
    int fd = ms__open_high("/proc/self/comm", O_RDONLY);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char *nl = strchr(buf, '\n');
    if (nl) *nl = 0;
}

/* This process's command line and working directory, read once per process (a fork child
   rereads: its pid differs). ms__exit_how (declared with the platform code): how it ended. */
static char ms__ctx_cmd[4096], ms__ctx_cwd[4096], ms__ctx_comm[64];
static pid_t ms__ctx_pid;
static void ms__ctx_read(void) {
    if (ms__ctx_pid == getpid()) return;
    ms__ctx_pid = getpid();
    ms__ctx_cmd[0] = ms__ctx_cwd[0] = 0;
    ms__program_name(NULL, ms__ctx_comm, sizeof ms__ctx_comm);
    if (!getcwd(ms__ctx_cwd, sizeof ms__ctx_cwd)) ms__ctx_cwd[0] = 0;
    char raw[8192];
    int fd = ms__open_high("/proc/self/cmdline", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, raw, sizeof raw - 1) : -1;
    if (fd >= 0) close(fd);
    if (n <= 0) return;
    raw[n] = 0;
    size_t at = 0, cap = sizeof ms__ctx_cmd;
    for (ssize_t i = 0; i < n && at + 8 < cap;) {
        const char *arg = raw + i;
        size_t len = strlen(arg);
        int quote = !len || arg[strcspn(arg, " \t\n'\"\\$`!*?[]{}()<>|&;#~")] != 0;
        if (at) ms__ctx_cmd[at++] = ' ';
        if (quote) ms__ctx_cmd[at++] = '\'';
        for (size_t k = 0; k < len && at + 6 < cap; k++) {
            if (arg[k] == '\'') { memcpy(ms__ctx_cmd + at, "'\\''", 4); at += 4; } /* ' -> '\'' */
            else ms__ctx_cmd[at++] = arg[k];
        }
        if (quote) ms__ctx_cmd[at++] = '\'';
        i += (ssize_t)len + 1;
    }
    ms__ctx_cmd[at < cap ? at : cap - 1] = 0;
}

MEMSCOPE_DEF memscope_result memscope_get_context(memscope_tracker *t, memscope_context *out) {
    if (!t || !out) return MEMSCOPE_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->start_unix_ms = t->start_unix_ms;
    uint32_t how = t->loaded ? t->loaded->exit_how : atomic_load(&ms__exit_how);
    out->exit_status = how >= 1 && how <= 256 ? (int)how - 1 : -1;
    out->exit_signal = how > 256 && how < 256 + 128 ? (int)how - 256 : 0;
    if (t->loaded) {
        size_t tracked = 0; /* sites with a file are TRACK's (a file without META 19) */
        for (size_t i = 0; i < t->loaded->nsites; i++) tracked += t->loaded->sites[i].file != NULL;
        out->whole_program = t->loaded->whole_program >= 0 ? t->loaded->whole_program : t->loaded->nsites && !tracked;
        out->program = t->loaded->program;
        out->command_line = t->loaded->cmdline;
        out->cwd = t->loaded->cwd;
        out->pid = t->loaded->pid;
        out->ppid = t->loaded->ppid;
        return MEMSCOPE_OK;
    }
    pthread_mutex_lock(&ms__ctx_lock);
    ms__ctx_read();
    pthread_mutex_unlock(&ms__ctx_lock);
    out->program = ms__ctx_comm;
    out->command_line = ms__ctx_cmd[0] ? ms__ctx_cmd : NULL;
    out->cwd = ms__ctx_cwd[0] ? ms__ctx_cwd : NULL;
    out->pid = (uint64_t)getpid();
    out->ppid = (uint64_t)getppid();
#ifdef MEMSCOPE_HOOK_MALLOC
    out->whole_program = t == atomic_load(&ms__hook_t);
#endif
    return MEMSCOPE_OK;
}

MEMSCOPE_DEF memscope_result memscope_loaded_info(const memscope_tracker *t, memscope_load_info *info) {
    if (!t || !info || !t->loaded) return MEMSCOPE_ERR_INVALID_ARG;
    *info = t->loaded->info;
    info->streamed = t->loaded->streamed;
    info->pid = t->loaded->pid;
    info->ppid = t->loaded->ppid;
    return MEMSCOPE_OK;
}

/* The loaded tracker's answers (called from analysis and export). */
static void ms__loaded_report(memscope_tracker *t, memscope_report *r) {
    struct ms__loaded *L = t->loaded;
    r->total_allocations = (size_t)L->totals[0];
    r->total_deallocations = (size_t)L->totals[1];
    r->active_allocations = (size_t)L->totals[2];
    r->peak_memory_bytes = L->totals[3];
    r->current_memory_bytes = L->totals[4];
    r->total_allocated_bytes = L->totals[5];
    r->dropped_events = L->totals[6];
    r->dropped_snapshots = L->totals[7];
    r->duration_sec = L->duration_sec;
    r->allocation_rate_per_sec = L->alloc_rate;
    r->deallocation_rate_per_sec = L->free_rate;
    r->sample_rate = L->sample_rate;
    r->estimated_total_allocations = L->est_allocs;
    r->estimated_total_bytes = L->est_bytes;
    r->hotspots = L->nhot ? (memscope_hotspot *)ms__calloc(L->nhot, sizeof *r->hotspots) : NULL;
    if (r->hotspots) { memcpy(r->hotspots, L->hot, L->nhot * sizeof *L->hot); r->hotspot_count = L->nhot; }
    r->threads = L->nthreads ? (memscope_thread_stats *)ms__calloc(L->nthreads, sizeof *r->threads) : NULL;
    if (r->threads) { memcpy(r->threads, L->threads, L->nthreads * sizeof *L->threads); r->thread_count = L->nthreads; }
    r->system_snapshots = L->nsnaps ? (memscope_system_snapshot *)ms__calloc(L->nsnaps, sizeof *r->system_snapshots) : NULL;
    if (r->system_snapshots) { memcpy(r->system_snapshots, L->snaps, L->nsnaps * sizeof *L->snaps); r->system_snapshot_count = L->nsnaps; }
}

#if !defined(MEMSCOPE_NO_BINARY)
static uint32_t ms__loaded_site_span(memscope_tracker *t) {
    struct ms__loaded *L = t->loaded;
    uint32_t max = L->nsites ? L->sites[L->nsites - 1].id : 0;
    return max < (1u << 24) ? max + 1 : 0;
}

static void ms__loaded_msb_sites(memscope_tracker *t, ms__msb *w) {
    struct ms__loaded *L = t->loaded;
    ms__buf *b = &w->sec;
    ms__buf_varint(b, L->nsites);
    for (size_t i = 0; i < L->nsites; i++) {
        const ms__lsite *s = &L->sites[i];
        ms__buf_varint(b, s->id);
        ms__buf_varint(b, ms__msb_str(w, s->var));
        ms__buf_varint(b, ms__msb_str(w, s->type));
        ms__buf_varint(b, ms__msb_str(w, s->file));
        ms__buf_varint(b, s->line);
    }
}

static void ms__loaded_msb_stacks(memscope_tracker *t, ms__msb *w, ms__buf *ln, uint32_t *nln) {
    struct ms__loaded *L = t->loaded;
    ms__buf *b = &w->sec;
    ms__buf_varint(b, L->nstacks);
    for (size_t i = 0; i < L->nstacks; i++) { /* (strings in the order a live export makes them) */
        const ms__lstack *s = &L->stacks[i];
        ms__buf_varint(b, s->id);
        ms__buf_varint(b, s->depth);
        size_t at = ln->len, iat = w->inl.len;
        int any = 0, anyinl = 0;
        ms__buf_varint(ln, s->id);
        ms__buf_varint(ln, s->depth);
        ms__buf_varint(&w->inl, s->id);
        ms__buf_varint(&w->inl, s->depth);
        uint64_t prev = 0;
        for (uint32_t f = 0; f < s->depth; f++) {
            const ms__lframe *fr = &s->frames[f];
            for (size_t m = 0; fr->mod && m < L->nmods; m++) { /* its module, listed where a live export lists it */
                ms__lmod *md = &L->mods[m];
                if (md->written || md->lo > fr->addr - 1 || fr->addr - 1 >= md->hi || strcmp(md->path, fr->mod) != 0) continue;
                md->written = 1;
                ms__msb_module_entry(w, md->path, md->build_id, md->bias, md->lo, md->hi);
                break;
            }
            ms__msb_inl_frame(w, fr->inl, fr->ninl);
            anyinl |= fr->ninl != 0;
            ms__buf_varint(ln, ms__msb_str(w, fr->file));
            ms__buf_varint(ln, fr->file ? fr->line : 0);
            any |= fr->file != NULL;
            ms__buf_zigzag(b, (int64_t)((uint64_t)fr->addr - prev));
            prev = fr->addr;
            ms__buf_varint(b, ms__msb_str(w, fr->fn));
            ms__buf_varint(b, ms__msb_str(w, fr->mod));
            ms__buf_varint(b, fr->off1);
        }
        if (any) (*nln)++;
        else ln->len = at;
        if (anyinl) w->ninl++;
        else w->inl.len = iat;
    }
    for (size_t i = 0; i < L->nmods; i++) { /* (modules no frame is in) */
        ms__lmod *m = &L->mods[i];
        if (!m->written) ms__msb_module_entry(w, m->path, m->build_id, m->bias, m->lo, m->hi);
        m->written = 0;
    }
}
#endif

static size_t ms__loaded_events(memscope_tracker *t, memscope_event **out) {
    struct ms__loaded *L = t->loaded;
    *out = L->nevents ? (memscope_event *)malloc(L->nevents * sizeof **out) : NULL; /* caller free()s */
    if (!*out) return 0;
    size_t n = 0;
#if !defined(MEMSCOPE_NO_BINARY) /* (else nothing is ever loaded) */
    ms__lit it;
    uint32_t sid;
    if (ms__lit_begin(&it, L))
        while (n < L->nevents && ms__lit_next(&it, &(*out)[n], &sid)) n++;
    ms__lit_end(&it);
#endif
    return n;
}

static size_t ms__loaded_each(memscope_tracker *t, int (*fn)(const memscope_event *, void *), void *ctx) {
    size_t n = 0;
#if !defined(MEMSCOPE_NO_BINARY) /* (else nothing is ever loaded) */
    ms__lit it;
    memscope_event e;
    uint32_t sid;
    if (ms__lit_begin(&it, t->loaded))
        while (ms__lit_next(&it, &e, &sid)) {
            n++;
            if (fn(&e, ctx)) break;
        }
    ms__lit_end(&it);
#else
    (void)t; (void)fn; (void)ctx;
#endif
    return n;
}

static const ms__lstack *ms__loaded_stack(struct ms__loaded *L, uint32_t id) {
    return L->stack_ix && id <= L->max_stack && L->stack_ix[id] ? &L->stacks[L->stack_ix[id] - 1] : NULL;
}

static size_t ms__loaded_frames(memscope_tracker *t, uint32_t stack_id, uintptr_t *frames, size_t max) {
    const ms__lstack *s = ms__loaded_stack(t->loaded, stack_id);
    if (!s) return 0;
    for (size_t i = 0; frames && i < max && i < s->depth; i++) frames[i] = s->frames[i].addr;
    return s->depth;
}

#if !defined(MEMSCOPE_NO_BINARY)
static void ms__loaded_offline(struct ms__loaded *L, int fill);
#endif
MEMSCOPE_DEF memscope_result memscope_load_names(memscope_tracker *t) {
    if (!t || !t->loaded) return MEMSCOPE_ERR_INVALID_ARG;
#if !defined(MEMSCOPE_NO_BINARY)
    ms__loaded_offline(t->loaded, 1);
#endif
    return MEMSCOPE_OK;
}

static size_t ms__loaded_modules(memscope_tracker *t, memscope_module *out, size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < t->loaded->nmods; i++, n++) {
        const ms__lmod *m = &t->loaded->mods[i];
        if (!out || n >= max) continue;
        out[n].path = m->path; out[n].build_id = m->build_id;
        out[n].base = m->bias; out[n].low = m->lo; out[n].high = m->hi; out[n].state = m->state;
    }
    return n;
}

static int ms__loaded_symbol(memscope_tracker *t, uint32_t stack_id, size_t index, memscope_symbol *out,
                             const ms__inlf **inl, uint32_t *ninl) {
    const ms__lstack *s = ms__loaded_stack(t->loaded, stack_id);
    if (!s || index >= s->depth) return 0;
    const ms__lframe *f = &s->frames[index];
    memset(out, 0, sizeof *out);
    if (inl) { *inl = f->inl; *ninl = f->ninl; }
    out->address = f->addr;
    out->function = f->fn;
    out->module = f->mod;
    out->has_offset = f->off1 != 0;
    out->offset = f->off1 ? f->off1 - 1 : 0;
    out->file = f->file;
    out->line = f->file ? f->line : 0;
    return 1;
}

static uint32_t ms__loaded_nstacks(memscope_tracker *t) { return t->loaded->max_stack + 1; }

static uint64_t ms__loaded_each_event(ms__out *o, memscope_tracker *t, uint64_t *stack_bytes, uint64_t *stack_count,
                                      uint32_t nstacks, ms__emit_fn emit, void *ctx) {
    uint64_t i = 0;
#ifndef MEMSCOPE_NO_BINARY /* (else nothing is ever loaded) */
    ms__lit it;
    memscope_event e;
    const memscope_event *ev;
    uint32_t sid;
    if (!ms__lit_begin(&it, t->loaded)) o->err = ENOMEM;
    while (!o->err && (ev = ms__lit_next(&it, &e, &sid))) {
        emit(o, ctx, sid, ev, i++);
        if (ev->kind == MEMSCOPE_EVENT_ALLOC && ev->stack_id && ev->stack_id < nstacks) {
            stack_bytes[ev->stack_id] += ev->size;
            stack_count[ev->stack_id]++;
        }
    }
    if (it.err && !o->err) o->err = it.err;
    ms__lit_end(&it);
#else
    (void)o; (void)t; (void)stack_bytes; (void)stack_count; (void)nstacks; (void)emit; (void)ctx;
#endif
    return i;
}

#ifndef MEMSCOPE_NO_JSON
static void ms__loaded_json_sites(ms__out *o, memscope_tracker *t) {
    struct ms__loaded *L = t->loaded;
    ms__out_key(o, "sites"); ms__out_lit(o, "[");
    for (size_t i = 0; i < L->nsites; i++) {
        const ms__lsite *s = &L->sites[i];
        if (i) ms__out_lit(o, ",");
        ms__out_lit(o, "\n{\"id\":"); ms__out_u64(o, s->id);
        ms__out_key(o, "var_name"); ms__out_str(o, s->var);
        ms__out_key(o, "type_name"); ms__out_str(o, s->type);
        ms__out_key(o, "file"); ms__out_str(o, s->file);
        ms__out_key(o, "line"); ms__out_u64(o, s->line);
        ms__out_lit(o, "}");
    }
    ms__out_lit(o, "]");
}

#endif

/* ==== >>lifecycle ==== */

static const char *const ms__result_text[] = {
#define MS__RESULT_TEXT(name, value, text) text,
    MEMSCOPE_RESULT_LIST(MS__RESULT_TEXT)
#undef MS__RESULT_TEXT
};
static const int ms__result_value[] = {
#define MS__RESULT_VALUE(name, value, text) value,
    MEMSCOPE_RESULT_LIST(MS__RESULT_VALUE)
#undef MS__RESULT_VALUE
};

MEMSCOPE_DEF const char *memscope_result_string(memscope_result r) {
    for (size_t i = 0; i < sizeof ms__result_value / sizeof ms__result_value[0]; i++)
        if (ms__result_value[i] == (int)r) return ms__result_text[i];
    return "unknown result";
}

MEMSCOPE_DEF const char *memscope_version_string(void) { return MEMSCOPE_VERSION_STRING; }

MEMSCOPE_DEF memscope_sampling_config memscope_sampling_demo(void) {
    memscope_sampling_config c = {0.1, false, 5};
    return c;
}
MEMSCOPE_DEF memscope_sampling_config memscope_sampling_full(void) {
    memscope_sampling_config c = {1.0, true, 20};
    return c;
}
MEMSCOPE_DEF memscope_sampling_config memscope_sampling_high_performance(void) {
    memscope_sampling_config c = {0.01, false, 0};
    return c;
}

/* A TRACK tracker whose auto-export path is a .msb streams it (>>hooks, "TRACK trackers"). */
static void ms__track_stream_start(memscope_tracker *t);
static int ms__track_stream_end(memscope_tracker *t, const char *const *paths, unsigned n);
static void ms__track_stream_child(memscope_tracker *t);
static void ms__track_stream_free(memscope_tracker *t);
static int ms__track_stream_cap(memscope_tracker *t, uint64_t max);

/* Trackers with an auto-export path, exported at exit unless destroyed first. */
static memscope_tracker *ms__auto_list;
static memscope_tracker *_Atomic ms__global_tracker;
static pthread_once_t ms__global_once = PTHREAD_ONCE_INIT;

static void ms__auto_export_now(memscope_tracker *t) {
    if (!t->auto_export_path || atomic_exchange(&t->exported, 1)) return;
    ms__mon_final_sample(t); /* the report ends with the state at its end */
    const char *paths[8];
    memscope_result res[8];
    int errs[8];
    paths[0] = t->auto_export_path;
    for (unsigned i = 0; i < t->auto_also_n; i++) paths[i + 1] = t->auto_also[i];
    if (ms__track_stream_end(t, paths, t->auto_also_n + 1u)) return;
    ms__export_many(t, paths, t->auto_also_n + 1u, res, errs);
    for (unsigned i = 0; i <= t->auto_also_n; i++) {
        if (res[i] == MEMSCOPE_OK) continue;
        fprintf(stderr, "memscope: auto-export to %s failed: %s\n", paths[i],
                res[i] == MEMSCOPE_ERR_IO ? strerror(errs[i]) : memscope_result_string(res[i]));
    }
}

static void ms__auto_unlink(memscope_tracker *t) {
    pthread_mutex_lock(&ms__auto_lock);
    for (memscope_tracker **p = &ms__auto_list; *p; p = &(*p)->auto_next)
        if (*p == t) { *p = t->auto_next; break; }
    pthread_mutex_unlock(&ms__auto_lock);
}

static void ms__at_exit(void) {
    pthread_mutex_lock(&ms__auto_lock);
    for (memscope_tracker *t = ms__auto_list; t; t = t->auto_next) ms__auto_export_now(t);
    pthread_mutex_unlock(&ms__auto_lock);
#ifndef MEMSCOPE_HOOK_MALLOC /* the hooks' tracker lives to the end: threads may still allocate */
    memscope_tracker *g = atomic_exchange(&ms__global_tracker, NULL);
    if (g) memscope_destroy(g);
#endif
    ms__mon_at_exit();
}

/* Every tracker, live or loaded: the fork handlers take each one's locks. */
static memscope_tracker *ms__trackers;

static void ms__trackers_add(memscope_tracker *t) {
    pthread_mutex_lock(&ms__trackers_lock);
    t->all_next = ms__trackers;
    ms__trackers = t;
    pthread_mutex_unlock(&ms__trackers_lock);
}
static void ms__trackers_remove(memscope_tracker *t) {
    pthread_mutex_lock(&ms__trackers_lock);
    for (memscope_tracker **p = &ms__trackers; *p; p = &(*p)->all_next)
        if (*p == t) { *p = t->all_next; break; }
    pthread_mutex_unlock(&ms__trackers_lock);
}

/* Fork: every lock of the table in >>platform ("Locks"), in its order. */
#ifdef MEMSCOPE_HOOK_MALLOC
static void ms__hook_fork_child(void);
#endif
static void ms__fork_prepare(void) {
    pthread_mutex_lock(&ms__auto_lock);
    pthread_mutex_lock(&ms__prom_lock);
    pthread_mutex_lock(&ms__trackers_lock);
    /* no live-table rebuild may be half done at the fork: each shard's rebuild flag is taken
       (a rebuild in progress finishes first; it takes no lock but the retired-table one,
       which is taken below) */
    for (memscope_tracker *t = ms__trackers; t; t = t->all_next)
        for (unsigned i = 0; i < MS__SHARDS; i++) {
            int expected = 0;
            while (!atomic_compare_exchange_weak(&t->shards[i].rebuilding, &expected, 1)) { expected = 0; sched_yield(); }
        }
    /* level by level: a thread holding one tracker's analysis lock may take another's stack
       lock (a hook inside an export), never the other way round */
    for (memscope_tracker *t = ms__trackers; t; t = t->all_next) pthread_mutex_lock(&t->analysis_lock);
    pthread_mutex_lock(&ms__sym_lock); /* before the stacks locks: see the table in >>platform */
    for (memscope_tracker *t = ms__trackers; t; t = t->all_next) pthread_mutex_lock(&t->stacks_lock);
    for (memscope_tracker *t = ms__trackers; t; t = t->all_next) pthread_mutex_lock(&t->threads_lock);
    for (memscope_tracker *t = ms__trackers; t; t = t->all_next) pthread_mutex_lock(&t->retired_lock);
    pthread_mutex_lock(&ms__supp_lock);
    pthread_mutex_lock(&ms__ctx_lock);
    pthread_mutex_lock(&ms__site_lock);
    pthread_mutex_lock(&ms__clock_lock);
    ms__mon_fork_prepare();
    pthread_mutex_lock(&ms__slab_lock);
    /* no descriptor of memscope's at a low number at the fork (ms__fd_low_begin): a child
       would find it there */
    atomic_fetch_add(&ms__fd_low_closing, 1);
    while (atomic_load(&ms__fd_low_held)) sched_yield();
}
/* The child's live tables: the other threads are gone, so none is inside an UNTRACK (its
   `removing` flag up) or an insert (a slot it claimed still BUSY). Left so, the child's next
   rebuild of that shard would wait for them forever: the flags are lowered, the claimed
   slots become tombstones (reads only, unless a slot is claimed). */
static void ms__live_after_fork(memscope_tracker *t) {
    for (ms__thread *th = atomic_load(&t->threads); th; th = atomic_load(&th->next)) {
        atomic_store(&th->removing, 0);
        atomic_store(&th->logging, 0); /* a log push in flight ended with its thread */
    }
    /* Forked while a thread of the parent was leaving log mode: that switch had not begun
       resolving (it takes analysis_lock, which the fork held), so the child's logs are whole
       and it goes on in log mode (its own next switch, if any, is its own). */
    int leaving = 2;
    atomic_compare_exchange_strong(&t->log_mode, &leaving, 1);
    for (unsigned i = 0; i < MS__SHARDS; i++) {
        ms__table *tab = atomic_load(&t->shards[i].table);
        for (uint64_t k = 0; tab && k <= tab->mask; k++)
            if (atomic_load_explicit(&tab->slots[k].key, MS__RELAXED) == MS__KEY_BUSY)
                atomic_store_explicit(&tab->slots[k].key, MS__KEY_TOMB, MS__RELAXED);
    }
}
static void ms__fork_release(int child) {
    if (child) { atomic_store(&ms__fd_low_held, 0); atomic_store(&ms__fd_low_closing, 0); } /* (other threads' counts) */
    else atomic_fetch_sub(&ms__fd_low_closing, 1);
    pthread_mutex_unlock(&ms__slab_lock);
    if (child) ms__mon_fork_child(); /* unlocks too */
    else ms__mon_fork_parent();
    pthread_mutex_unlock(&ms__clock_lock);
    pthread_mutex_unlock(&ms__site_lock);
    pthread_mutex_unlock(&ms__ctx_lock);
    pthread_mutex_unlock(&ms__supp_lock);
    pthread_mutex_unlock(&ms__sym_lock);
    for (memscope_tracker *t = ms__trackers; t; t = t->all_next) {
        pthread_mutex_unlock(&t->retired_lock);
        pthread_mutex_unlock(&t->threads_lock);
        pthread_mutex_unlock(&t->stacks_lock);
        pthread_mutex_unlock(&t->analysis_lock);
        if (child) ms__live_after_fork(t);
        for (unsigned i = 0; i < MS__SHARDS; i++) atomic_store(&t->shards[i].rebuilding, 0);
    } /* the order of unlocking does not matter */
    pthread_mutex_unlock(&ms__trackers_lock);
    pthread_mutex_unlock(&ms__prom_lock);
    pthread_mutex_unlock(&ms__auto_lock);
}
static void ms__fork_parent(void) { ms__fork_release(0); ms__cfi_fork_parent(); }
static void ms__output_after_fork(void);
static void ms__fork_child(void) {
    ms__fork_release(1);
    ms__cfi_fork_child(); /* another thread may have held the unwinder's lock */
    ms__tls_tid = 0; /* the child's only thread has a new id: register afresh */
    ms__membarrier_register();
    memset(ms__tls_rec, 0, sizeof ms__tls_rec);
    ms__output_after_fork();
    ms__ticker_fork_child();
    for (memscope_tracker *t = ms__trackers; t; t = t->all_next) ms__track_stream_child(t);
#ifdef MEMSCOPE_HOOK_MALLOC
    ms__hook_fork_child();
#endif
}

static void ms__process_init(void) {
    ms__clock_init();
    ms__mon_process_init();
    ms__membarrier_register();
    atexit(ms__at_exit);
    on_exit(ms__on_exit_status, NULL); /* (runs before ms__at_exit: the auto-exports know the status) */
    pthread_atfork(ms__fork_prepare, ms__fork_parent, ms__fork_child);
}

static memscope_tracker *ms__new(void);
static int ms__env_word(unsigned bit, const char *name, const char *words, int dflt, const char *accepted);
MEMSCOPE_DEF memscope_tracker *memscope_new(void) {
    MS__ENTER();
    memscope_tracker *t = ms__new();
    /* every TRACK kept: log mode (>>resolve), unless asked for the live table */
    if (t && ms__membarrier_ok && ms__env_word(8, "MEMSCOPE_LIVE_TABLE", "0\0" "1\0", 0, "0 or 1") == 0) {
        atomic_store(&t->log_mode, 1);
        atomic_store(&ms__slab_whole, 1); /* the ticker faults slabs in ahead of need */
    }
    MS__LEAVE();
    return t;
}

static memscope_tracker *ms__new(void) {
    ms__ensure_process_init();
    memscope_tracker *t = (memscope_tracker *)ms__calloc(1, sizeof *t);
    if (!t) return NULL;
    for (unsigned i = 0; i < MS__SHARDS; i++) {
        ms__table *tab = ms__table_new(MS__SHARD_MIN);
        if (!tab) {
            for (unsigned j = 0; j < i; j++) MEMSCOPE_FREE(atomic_load(&t->shards[j].table));
            MEMSCOPE_FREE(t);
            return NULL;
        }
        atomic_init(&t->shards[i].table, tab);
    }
    t->seen = (_Atomic unsigned char *)ms__map_anon(MS__SEEN_BYTES);
    if (!t->seen) {
        for (unsigned j = 0; j < MS__SHARDS; j++) MEMSCOPE_FREE(atomic_load(&t->shards[j].table));
        MEMSCOPE_FREE(t);
        return NULL;
    }
    t->id = atomic_fetch_add(&ms__next_tracker_id, 1);
    pthread_mutex_init(&t->retired_lock, NULL);
    pthread_mutex_init(&t->threads_lock, NULL);
    pthread_mutex_init(&t->stacks_lock, NULL);
    pthread_mutex_init(&t->analysis_lock, NULL);
    memscope_sampling_config def = {1.0, false, 0};
    memscope_set_sampling(t, def);
    atomic_store(&t->max_events, MEMSCOPE_DEFAULT_MAX_EVENTS);
    t->start_mono_ns = ms__mono_ns();
    t->start_ticks = ms__event_ticks();
    t->start_unix_ms = ms__unix_ms();
    ms__trackers_add(t);
    return t;
}

/* ---- MEMSCOPE_* settings from the environment ----
   Read with secure_getenv: a set-user-ID or set-group-ID program ignores them all (any
   user could otherwise make it write files of their choice), and says so once. A value
   memscope cannot use is refused with one line that names the variable, the accepted
   values and what is used instead; the program goes on. Lines are written with write(2):
   these run inside the first malloc of a whole-program run. */
static _Atomic uint32_t ms__env_said; /* one bit per message already written */

__attribute__((format(printf, 1, 2))) static void ms__say(const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (line[len - 1] != '\n') { /* cut short: still one whole line */
        if (len == sizeof line - 1) line[len - 1] = '\n';
        else line[len++] = '\n';
    }
    ssize_t w = write(2, line, len);
    (void)w;
}

static const char *ms__env(const char *name) {
    const char *v = secure_getenv(name);
    if (!v && getenv(name) && !(atomic_fetch_or(&ms__env_said, 1u) & 1u))
        ms__say("memscope: MEMSCOPE_* settings ignored (%s is set): this is a set-user-ID or set-group-ID program\n", name);
    return v;
}

/* One line per variable and process: "memscope: NAME=VALUE refused: ACCEPTED; using FALLBACK". */
static void ms__env_refuse(unsigned bit, const char *name, const char *value, const char *accepted, const char *fallback) {
    if (atomic_fetch_or(&ms__env_said, 1u << bit) & (1u << bit)) return;
    ms__say("memscope: %s=%.300s%s refused: %s; using %s\n", name, value, strlen(value) > 300 ? "..." : "", accepted, fallback);
}

/* A whole decimal number from 0 to hi: no sign, no spaces, nothing after it. */
static int ms__parse_u64(const char *v, uint64_t hi, uint64_t *out) {
    if (!v || *v < '0' || *v > '9') return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || *end || x > hi) return 0;
    *out = (uint64_t)x;
    return 1;
}
MS__MAYBE_UNUSED static int ms__parse_rate(const char *v, double *out) {
    if (!v || !((*v >= '0' && *v <= '9') || *v == '.')) return 0; /* no sign, nan, inf, spaces */
    char *end;
    errno = 0;
    double r = strtod(v, &end);
    if (errno || *end || !ms__rate_valid(r)) return 0;
    *out = r;
    return 1;
}

/* Unsigned setting: the default when unset, else the value, else refused (default used). */
MS__MAYBE_UNUSED static uint64_t ms__env_number(unsigned bit, const char *name, uint64_t hi, uint64_t def, const char *accepted) {
    const char *v = ms__env(name);
    uint64_t x;
    if (!v) return def;
    if (ms__parse_u64(v, hi, &x)) return x;
    char fb[32];
    snprintf(fb, sizeof fb, "%llu", (unsigned long long)def);
    ms__env_refuse(bit, name, v, accepted, fb);
    return def;
}
/* One of the words in `words` (0-separated, ending with an empty one): its index, else def. */
static int ms__env_word(unsigned bit, const char *name, const char *words, int def, const char *accepted) {
    const char *v = ms__env(name);
    if (!v) return def;
    int i = 0;
    for (const char *w = words; *w; w += strlen(w) + 1, i++)
        if (!strcmp(v, w)) return i;
    const char *fb = words;
    for (int k = 0; k < def; k++) fb += strlen(fb) + 1;
    ms__env_refuse(bit, name, v, accepted, fb);
    return def;
}

/* ---- the output path of the global tracker and of whole-program mode ----
   MEMSCOPE_OUTPUT is a template: %p = the process id, %% = a literal %. It is checked and
   made absolute when the process starts (a program that changes its working directory
   writes where the user meant). The process that read it first owns it (its pid travels
   to children in MEMSCOPE_OUTPUT_OWNER); any other process that writes a template without
   %p (a forked child, a program a child execs) inserts ".PID" before the extension, so
   it never replaces its parent's file. */
#define MS__OUTPUT_MAX 4000 /* characters of a template: room for the pid and the temp name */
static char ms__out_tmpl[4096];
static long ms__out_owner;

/* NULL when tmpl can be an output template, else why not (in buf or static) */
static const char *ms__output_problem(const char *tmpl, char *buf, size_t cap) {
    for (const char *s = tmpl; *s; s++) {
        if (*s != '%') continue;
        if (s[1] != 'p' && s[1] != '%') return "a % must be followed by p (the process id) or % (a % sign)";
        s++;
    }
    if (!memscope_export_format(tmpl)) { /* the suffixes of ms__formats */
        size_t n = (size_t)snprintf(buf, cap, "its extension names no format (");
        for (size_t i = 0; i < MS__NFORMATS && n < cap; i++)
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", ms__formats[i].suffix, i + 1 < MS__NFORMATS ? " " : ")");
        return buf;
    }
    if (strlen(tmpl) > MS__OUTPUT_MAX) {
        snprintf(buf, cap, "%zu characters, more than the 4000 a path may have", strlen(tmpl));
        return buf;
    }
    return NULL;
}

/* tmpl expanded for this process into out; 0 when it does not fit. */
static int ms__output_expand(const char *tmpl, long owner, char *out, size_t cap) {
    long pid = (long)getpid();
    size_t n = 0;
    int has_p = 0;
    for (const char *s = tmpl; *s; s++) {
        if (n + 24 >= cap) return 0;
        if (s[0] == '%' && s[1] == 'p') { n += (size_t)snprintf(out + n, cap - n, "%ld", pid); s++; has_p = 1; }
        else if (s[0] == '%' && s[1] == '%') { out[n++] = '%'; s++; }
        else out[n++] = *s;
    }
    out[n] = 0;
    if (has_p || !owner || pid == owner) return 1;
    size_t ext = ms__export_suffix_len(out);
    char tail[64];
    snprintf(tail, sizeof tail, "%s", out + n - ext);
    if (n + 24 >= cap) return 0;
    snprintf(out + n - ext, cap - (n - ext), ".%ld%s", pid, tail);
    return 1;
}

/* Reads MEMSCOPE_OUTPUT into ms__out_tmpl, absolute; 0 when unset (nothing to write).
   A value that cannot be used gives memscope-%p.msb, with one line saying so. */
static int ms__output_setup(void) {
    const char *v = ms__env("MEMSCOPE_OUTPUT");
    if (!v || !*v) return 0;
    char whybuf[256];
    const char *why = ms__output_problem(v, whybuf, sizeof whybuf);
    if (why) {
        ms__env_refuse(1, "MEMSCOPE_OUTPUT", v, why, "memscope-%p.msb");
        v = "memscope-%p.msb";
    }
    size_t n = 0;
    if (v[0] != '/') { /* the working directory, its % signs doubled */
        char cwd[4096];
        if (getcwd(cwd, sizeof cwd)) {
            for (const char *c = cwd; *c && n + 2 < sizeof ms__out_tmpl; c++) {
                if (*c == '%') ms__out_tmpl[n++] = '%';
                ms__out_tmpl[n++] = *c;
            }
            if (n > 1) ms__out_tmpl[n++] = '/';
        }
    }
    if (n + strlen(v) > MS__OUTPUT_MAX) {
        snprintf(whybuf, sizeof whybuf, "%zu characters with the working directory, more than the 4000 a path may have", n + strlen(v));
        ms__env_refuse(1, "MEMSCOPE_OUTPUT", v, whybuf, "/tmp/memscope-%p.msb");
        v = "/tmp/memscope-%p.msb";
        n = 0;
    }
    snprintf(ms__out_tmpl + n, sizeof ms__out_tmpl - n, "%s", v);
    const char *o = ms__env("MEMSCOPE_OUTPUT_OWNER");
    uint64_t owner = 0;
    if (o && ms__parse_u64(o, 0x7fffffff, &owner) && owner) ms__out_owner = (long)owner;
    else ms__out_owner = (long)getpid();
    return 1;
}

static char *ms__global_env_path; /* the global tracker's auto-export path, from the template */

static void ms__global_create(void) {
    memscope_tracker *t = memscope_new();
#ifdef MEMSCOPE_HOOK_MALLOC /* written by the hooks' finish, as late as possible; monitor from the constructor */
    int out = 0, mon = 0;
#else
    int out = t ? ms__output_setup() : 0;
    int mon = ms__env_word(3, "MEMSCOPE_MONITOR", "0\0" "1\0", 0, "0 or 1") == 1;
#endif
    char path[4096];
    if (out && ms__output_expand(ms__out_tmpl, ms__out_owner, path, sizeof path)) {
        memscope_with_auto_export(t, path);
        ms__global_env_path = t->auto_export_path;
    }
    if (t && mon) memscope_with_system_monitoring(t);
    atomic_store(&ms__global_tracker, t);
}

/* A forked child exports the global tracker to its own name (see above). */
static void ms__output_after_fork(void) {
    memscope_tracker *g = atomic_load(&ms__global_tracker);
    char path[4096];
    if (!g || !ms__global_env_path || g->auto_export_path != ms__global_env_path || atomic_load(&g->exported)) return;
    if (!ms__output_expand(ms__out_tmpl, ms__out_owner, path, sizeof path)) return;
    char *copy = ms__strdup(path);
    if (!copy) return;
    MEMSCOPE_FREE(g->auto_export_path);
    g->auto_export_path = ms__global_env_path = copy;
}

MEMSCOPE_DEF memscope_tracker *memscope_global(void) {
    pthread_once(&ms__global_once, ms__global_create);
    return atomic_load(&ms__global_tracker);
}

MEMSCOPE_DEF memscope_result memscope_set_sampling(memscope_tracker *t, memscope_sampling_config cfg) {
    if (!t || !ms__rate_valid(cfg.sample_rate)) return MEMSCOPE_ERR_INVALID_ARG;
    size_t depth = cfg.max_stack_depth > MEMSCOPE_MAX_STACK_DEPTH ? MEMSCOPE_MAX_STACK_DEPTH : cfg.max_stack_depth;
    uint64_t bits;
    memcpy(&bits, &cfg.sample_rate, sizeof bits);
    atomic_store(&t->sample_rate_bits, bits);
    atomic_store(&t->stack_depth, (uint32_t)depth);
#ifdef MEMSCOPE_NO_STACKS
    atomic_store(&t->capture_stacks, 0); /* compiled out: reports say so */
#else
    atomic_store(&t->capture_stacks, cfg.capture_call_stack && depth > 0);
#endif
    /* frees need the table: leave log mode before a TRACK can be skipped */
    if (cfg.sample_rate < 1.0 && atomic_load(&t->log_mode) == 1) ms__log_switch(t);
    atomic_store(&t->threshold, ms__rate_threshold(cfg.sample_rate));
    return MEMSCOPE_OK;
}

MEMSCOPE_DEF memscope_sampling_config memscope_get_sampling(memscope_tracker *t) {
    memscope_sampling_config c = {0.0, false, 0};
    if (!t) return c;
    c.sample_rate = ms__tracker_rate(t);
    c.max_stack_depth = atomic_load(&t->stack_depth);
    c.capture_call_stack = atomic_load(&t->capture_stacks) != 0;
    return c;
}

MEMSCOPE_DEF memscope_tracker *memscope_with_sampling(memscope_tracker *t, memscope_sampling_config cfg) {
    memscope_set_sampling(t, cfg);
    return t;
}

MEMSCOPE_DEF memscope_result memscope_set_max_events(memscope_tracker *t, size_t max_events) {
    if (!t) return MEMSCOPE_ERR_INVALID_ARG;
    if (ms__track_stream_cap(t, (uint64_t)max_events)) return MEMSCOPE_OK; /* streamed: a cap on the file */
    atomic_store(&t->max_events, (uint64_t)max_events);
    return MEMSCOPE_OK;
}

MEMSCOPE_DEF memscope_tracker *memscope_with_max_events(memscope_tracker *t, size_t max_events) {
    memscope_set_max_events(t, max_events);
    return t;
}

MEMSCOPE_DEF memscope_tracker *memscope_with_auto_export(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return t;
    char *copy = ms__strdup(path);
    if (!copy) return t;
    pthread_mutex_lock(&ms__auto_lock);
    int listed = t->auto_export_path != NULL;
    MEMSCOPE_FREE(t->auto_export_path);
    t->auto_export_path = copy;
    if (!listed) {
        t->auto_next = ms__auto_list;
        ms__auto_list = t;
    }
    pthread_mutex_unlock(&ms__auto_lock);
    ms__track_stream_start(t);
    return t;
}

MEMSCOPE_DEF memscope_tracker *memscope_with_auto_export_also(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return t;
    pthread_mutex_lock(&ms__auto_lock);
    if (t->auto_export_path && t->auto_also_n < 7) {
        char *copy = ms__strdup(path);
        if (copy) t->auto_also[t->auto_also_n++] = copy;
    }
    pthread_mutex_unlock(&ms__auto_lock);
    return t;
}

static void ms__destroy(memscope_tracker *t);
#if defined(MEMSCOPE_HOOK_MALLOC) && defined(MS__CFI)
static void ms__walk_caches_free(void *p); /* (the hooks' walks, >>hooks) */
#endif
MEMSCOPE_DEF void memscope_destroy(memscope_tracker *t) {
    MS__ENTER();
    ms__destroy(t);
    MS__LEAVE();
}

static void ms__prom_forget(memscope_tracker *t);
static void ms__destroy(memscope_tracker *t) {
    if (!t) return;
    ms__prom_forget(t);
    if (t == atomic_load(&ms__global_tracker)) { /* only the exit hook destroys the global one */
        memscope_tracker *expected = t;
        if (!atomic_compare_exchange_strong(&ms__global_tracker, &expected, NULL)) return;
    }
    if (t->auto_export_path) {
        ms__auto_unlink(t);
        ms__auto_export_now(t);
        MEMSCOPE_FREE(t->auto_export_path);
        for (unsigned i = 0; i < t->auto_also_n; i++) MEMSCOPE_FREE(t->auto_also[i]);
    }
    ms__track_stream_free(t); /* (its writer stopped with the auto-export above) */
    ms__trackers_remove(t); /* before anything is freed: a fork from another thread walks the list */
    ms__mon_release(t);
    ms__loaded_free(t->loaded);
    ms__thread *th = atomic_load(&t->threads);
    while (th) {
        ms__thread *next = atomic_load(&th->next);
        ms__chunk *c = atomic_load(&th->head);
        while (c) { ms__chunk *n = atomic_load(&c->next); ms__chunk_unmap(c); c = n; }
        for (uint32_t i = 0, n = ms__stat_chunks_used(th); i < n; i++) MEMSCOPE_FREE(ms__stat_chunk(th, i));
        MEMSCOPE_FREE((void *)atomic_load(&th->stats_dir));
        MEMSCOPE_FREE(th->stack_cache);
#if defined(MEMSCOPE_HOOK_MALLOC) && defined(MS__CFI)
        ms__walk_caches_free(th->walk_cache);
#else
        MEMSCOPE_FREE(th->walk_cache);
#endif
        for (ms__chunk *lc = atomic_load(&th->log_head), *ln; lc; lc = ln) {
            ln = atomic_load(&lc->next);
            ms__chunk_unmap(lc);
        }
        MEMSCOPE_FREE(th);
        th = next;
    }
    for (ms__chunk *c = t->wr_graveyard, *n; c; c = n) { n = atomic_load(&c->next); ms__chunk_unmap(c); }
    MEMSCOPE_FREE(atomic_load(&t->index));
    for (ms__index_block *b = t->retired_index; b;) { ms__index_block *n = b->prev; MEMSCOPE_FREE(b); b = n; }
    for (unsigned i = 0; i < MS__SHARDS; i++) MEMSCOPE_FREE(atomic_load(&t->shards[i].table));
    if (t->seen) munmap((void *)t->seen, MS__SEEN_BYTES);
    ms__rv_slots_free(&t->rv);
    MEMSCOPE_FREE(t->ring.ev);
    for (ms__table *r = t->retired; r;) { ms__table *n = r->retired_next; MEMSCOPE_FREE(r); r = n; }
    ms__stacks *st = atomic_load(&t->stacks);
    if (st) {
        uint32_t n = atomic_load(&st->count);
        for (uint32_t id = 1; id < n; id++) MEMSCOPE_FREE(ms__stack_by_id(t, id));
        for (unsigned i = 0; i < MS__STACK_IDX_CHUNKS; i++) MEMSCOPE_FREE(st->index[i]);
        MEMSCOPE_FREE(st->buckets);
        MEMSCOPE_FREE(st->next);
        MEMSCOPE_FREE(st);
    }
    pthread_mutex_destroy(&t->retired_lock);
    pthread_mutex_destroy(&t->threads_lock);
    pthread_mutex_destroy(&t->stacks_lock);
    pthread_mutex_destroy(&t->analysis_lock);
    MEMSCOPE_FREE(t);
}

/* ==== >>hooks ==== */

/* ==== the stream (used by the hooks and by TRACK trackers that auto-export to .msb) ==== */
/* --- streaming: the run's .msb is written while the program runs ---
   In log mode with a .msb output, the ticker thread resolves what the threads have logged
   every MS__STREAM_EVERY periods, writes the events older than its frontier (the moment it
   began, less MS__STREAM_LAG_NS: a record published later carries a stamp after that) as an
   EVENTS section, after the SITES and STACKS sections that define what they use, and unmaps
   the event chunks it has written. So memory does not grow with the run, no event bound
   applies, and the file is readable at every section boundary: write(2) puts each section in
   the page cache, which outlives a process that is killed (SIGKILL, the OOM killer), crashes,
   calls _exit or exec. The end of the run drains the rest, appends SNAPSHOTS, THREADS,
   HOTSPOTS and END, and rewrites META's duration and rates in place (fixed-width fields).
   An event written late (a record that waited for its partner) keeps the file's time order:
   its time is raised to the last one written. */
#if !defined(MEMSCOPE_NO_BINARY)
#define MS__STREAM 1
#define MS__STREAM_EVERY 2u             /* ticker periods between passes: 20 ms */
#define MS__STREAM_BUF (256u << 10)     /* the encoder's buffers: an EVENTS block at most this large */
#define MS__STREAM_LAG_NS 2000000.0
/* A stream's times are multiples of this: log mode's times are interpolated between counter
   readings made every 16 events of a thread, finer digits would be noise (and take most of
   the file once compressed) */
#define MS__STREAM_TIME_NS 1000u

typedef struct ms__stream {
    ms__msb w;
    struct ms__stream *left_next;       /* parked by a forked child (ms__stream_after_fork) */
    ms__out *out;                       /* NULL until the file exists (made at the first events) */
    ms__out *outmem;                    /* made with the stream: the file needs no memory later */
    dev_t dev;                          /* the file, to know the descriptor is still it */
    ino_t ino;
    char path[4096];
    char tmp[4200];
    int64_t meta_off;                   /* where META's section starts in the file */
    ms__meta_at at;
    ms__buf meta;                       /* META's payload, patched at the end */
    unsigned char *site_def;            /* site ids already defined in the file */
    uint32_t site_cap, stack_cap;
    uint32_t stack_gen;                 /* ms__sym_gen when stack_fid was last valid */
    uint32_t *stack_fid;                /* stack id -> the file's (dense from 1: a forked child's
                                           file starts its numbering afresh), 0: not yet */
    uint32_t stack_files;
    ms__buf sites, stacks, lines;       /* definitions for the block being encoded */
    uint32_t nsites_new, nstacks_new, nlines_new;
    double ratio;                       /* ns per counter tick, as of the latest pass (0: none yet) */
    uint64_t cap;                       /* events written at most (MEMSCOPE_MAX_EVENTS); UINT64_MAX: all */
    ms__symcache *sym;                  /* frames named so far (kept by a forked child) */
    int failed;                         /* the file could not be made or written (said once) */
    int done;                           /* under analysis_lock: the end was written */
    int fixed;                          /* a TRACK tracker's: path is its auto-export path as given */
} ms__stream;

static int ms__flags_grow(unsigned char **p, uint32_t *cap, uint32_t id) {
    if (id < *cap) return 1;
    uint64_t n = *cap ? *cap : 256;
    while (n <= id) n *= 2;
    unsigned char *np = (unsigned char *)ms__calloc((size_t)n, 1);
    if (!np) return 0;
    if (*cap) memcpy(np, *p, *cap);
    MEMSCOPE_FREE(*p);
    *p = np;
    *cap = (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n);
    return 1;
}

/* The encoder's per-site state covers site: new sites start as the decoder's do (0, 0). */
static int ms__stream_site_state(ms__msb *w, uint32_t site) {
    if (site < w->nsites) return 1;
    uint64_t n = w->nsites ? w->nsites : 64;
    while (n <= site) n *= 2;
    uint64_t *ns = (uint64_t *)ms__calloc((size_t)n, sizeof *ns);
    uint32_t *nk = (uint32_t *)ms__calloc((size_t)n, sizeof *nk);
    if (!ns || !nk) { MEMSCOPE_FREE(ns); MEMSCOPE_FREE(nk); return 0; }
    if (w->nsites) {
        memcpy(ns, w->site_size, w->nsites * sizeof *ns);
        memcpy(nk, w->site_stack, w->nsites * sizeof *nk);
    }
    MEMSCOPE_FREE(w->site_size);
    MEMSCOPE_FREE(w->site_stack);
    w->site_size = ns;
    w->site_stack = nk;
    w->nsites = (uint32_t)n;
    return 1;
}

static void ms__stream_fail(ms__stream *s, int e, const char *what) {
    if (s->failed) return;
    s->failed = 1;
    ms__say("memscope: %s %s failed: %s; the recording goes on, but is not written\n", what, s->path, strerror(e ? e : EIO));
}

/* The SITES and STACKS sections the block being encoded needs, before it. */
static void ms__stream_defs(ms__stream *s) {
    ms__msb *w = &s->w;
    if (s->nsites_new) {
        ms__buf_varint(&w->sec, s->nsites_new);
        ms__buf_put(&w->sec, s->sites.p, s->sites.len);
        if (s->sites.err) w->err = ENOMEM;
        ms__msb_emit(w, MS__MSB_SITES);
        s->sites.len = 0;
        s->nsites_new = 0;
    }
    if (s->nstacks_new) {
        ms__buf_varint(&w->sec, s->nstacks_new);
        ms__buf_put(&w->sec, s->stacks.p, s->stacks.len);
        if (s->stacks.err) w->err = ENOMEM;
        ms__msb_emit(w, MS__MSB_STACKS);
        s->stacks.len = 0;
        s->nstacks_new = 0;
        ms__msb_lines(w, &s->lines, s->nlines_new);
    }
    s->lines.len = 0;
    s->nlines_new = 0;
}

/* Process start, ms since the epoch (/proc/self/stat's starttime after /proc/stat's btime):
   a stream file of this pid begun before it is from an earlier process. */
static uint64_t ms__proc_start_ms(void) {
    char b[1024];
    uint64_t btime = 0, start = 0;
    int fd = ms__open_high("/proc/stat", O_RDONLY);
    if (fd >= 0) {
        for (;;) { /* btime is a few lines down, after one line per CPU: read until it shows */
            ssize_t n = read(fd, b, sizeof b - 1);
            if (n <= 0) break;
            b[n] = 0;
            const char *p = strstr(b, "\nbtime ");
            if (p) { btime = strtoull(p + 7, NULL, 10); break; }
            if (n > 16) lseek(fd, -16, SEEK_CUR); /* the key may straddle two reads */
        }
        close(fd);
    }
    fd = ms__open_high("/proc/self/stat", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, b, sizeof b - 1);
        close(fd);
        if (n > 0) {
            b[n] = 0;
            const char *p = strrchr(b, ')');
            for (int field = 2; p && field < 22; field++) p = strchr(p + 1, ' ');
            if (p) start = strtoull(p + 1, NULL, 10);
        }
    }
    long hz = sysconf(_SC_CLK_TCK);
    if (!btime || hz <= 0) return 0;
    return btime * 1000u + start * 1000u / (uint64_t)hz;
}

/* After exec the new image has the same pid, so the same name: the file the image before it
   streamed (this pid, streamed, begun after this process started) moves aside to
   NAME.exec-N.EXT first, so each image keeps its own. */
static void ms__stream_aside(const char *path) {
    int fd = ms__open_high(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return;
    unsigned char b[4096];
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    if (n < 36 || memcmp(b, ms__msb_magic, sizeof ms__msb_magic) != 0) return;
    uint64_t pid = 0, streamed = 0, start = 0;
    size_t off = 16;
    while (off + 20 <= (size_t)n) { /* STRINGS, then META: read its fields 1, 7 and 15 */
        uint32_t type = (uint32_t)b[off] | (uint32_t)b[off + 1] << 8;
        uint64_t len = 0;
        for (int i = 7; i >= 0; i--) len = len << 8 | b[off + 8 + (unsigned)i];
        if (len > (uint64_t)n - off - 20) return;
        if (type == MS__MSB_META) {
            ms__rd r = {b + off + 16, b + off + 16 + len, b, 0};
            uint64_t k = ms__rd_varint(&r);
            for (uint64_t i = 0; i < k && !r.err; i++) {
                uint64_t id = ms__rd_varint(&r), wire = ms__rd_varint(&r), u = 0;
                if (wire == MS__WIRE_F64) { if (r.end - r.p < 8) return; r.p += 8; continue; }
                if (wire > MS__WIRE_STR) return;
                u = ms__rd_varint(&r);
                if (id == MS__META_START_TIME_UNIX_MS) start = u;
                else if (id == MS__META_PID) pid = u;
                else if (id == MS__META_STREAMED) streamed = u;
            }
            break;
        }
        if (type != MS__MSB_STRINGS) return;
        off += 20 + (size_t)len;
    }
    uint64_t since = ms__proc_start_ms();
    if (pid != (uint64_t)getpid() || !streamed || !since || start + 1000u < since) return;
    size_t ext = ms__export_suffix_len(path), len = strlen(path);
    char aside[4200];
    for (unsigned k = 1; k < 1000; k++) {
        struct stat st;
        snprintf(aside, sizeof aside, "%.*s.exec-%u%s", (int)(len - ext), path, k, path + len - ext);
        if (lstat(aside, &st) != 0) { rename(path, aside); return; }
    }
}

/* The stream's descriptor is moved high, out of the way of a program that dup2()s onto low
   numbers (a shell does); it must still be the stream's file before anything is written: a
   program that closed it (a daemon closing every descriptor) may have another file at that
   number now. Then the file is opened again by its name, if it is still the same file. */
static int ms__stream_fd_ok(ms__stream *s) {
    struct stat st;
    if (fstat(s->out->fd, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino) return 1;
    ms__fd_low_begin();
    int fd = open(s->path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino && lseek(fd, 0, SEEK_END) >= 0) {
        s->out->fd = ms__fd_high(fd); /* (the old number is the program's now: left alone) */
        ms__fd_low_end();
        return 1;
    }
    if (fd >= 0) close(fd);
    ms__fd_low_end();
    s->out->err = 0;
    s->out->len = 0;
    ms__stream_fail(s, ESTALE, "writing (the program closed its descriptor, and the file was removed or replaced)");
    return 0;
}

/* Makes the file: header and META under a temporary name, then renamed into place. Needs no
   memory (a process out of address space still gets its file). */
static int ms__stream_open(memscope_tracker *t, ms__stream *s) {
    if (s->out || s->failed) return s->out != NULL;
    if (!s->outmem || (!s->fixed && !ms__output_expand(ms__out_tmpl, ms__out_owner, s->path, sizeof s->path))) {
        ms__stream_fail(s, s->outmem ? ENAMETOOLONG : ENOMEM, "making");
        return 0;
    }
    memscope_result res = ms__target_check(s->path);
    if (res != MEMSCOPE_OK) { ms__stream_fail(s, EEXIST, "making (not a regular file)"); return 0; }
    ms__mkdirs_for(s->path);
    const char *slash = strrchr(s->path, '/');
    size_t dirlen = slash ? (size_t)(slash - s->path) + 1 : 0;
    int fd = -1, e = 0;
    for (int i = 0; i < MS__TMP_TRIES && fd < 0; i++) {
        snprintf(s->tmp, sizeof s->tmp, "%.*s.%s.tmp-%016llx", (int)dirlen, s->path, s->path + dirlen, (unsigned long long)ms__tmp_random());
        ms__fd_low_begin(); /* (each try alone: a program's close waits for one open and its move) */
        fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
        e = errno;
        fd = ms__fd_high(fd);
        ms__fd_low_end();
        if (fd < 0 && e != EEXIST) break;
    }
    if (fd < 0) { ms__stream_fail(s, e, "making"); return 0; }
    struct stat st;
    if (fstat(fd, &st) == 0) { s->dev = st.st_dev; s->ino = st.st_ino; }
    s->out = s->outmem;
    s->out->fd = fd;
    s->out->err = 0;
    s->out->len = 0;
    s->out->html = 0;
    s->w.o = s->out;
    /* version 1.1, or 1.4 where addresses are in allocation order and fields in columns (MEMSCOPE_COMPRESS) */
    const unsigned char magic[16] = {0x89, 'M', 'S', 'B', 0x0D, 0x0A, 0x1A, 0x0A, 1, 0, s->w.predict ? 4 : 1, 0, 0, 0, 0, 0};
    ms__out_mem(s->out, (const char *)magic, sizeof magic);
    memscope_report r;
    memset(&r, 0, sizeof r);
    r.sample_rate = ms__tracker_rate(t);
    char program[64];
    ms__program_name(t, program, sizeof program);
    ms__msb_meta(&s->w, t, &r, &s->at, program); /* (a stream's strings are copies) */
    s->meta.len = 0;
    ms__buf_put(&s->meta, s->at.payload.p, s->at.payload.len);
    s->meta_off = (int64_t)s->out->len - (int64_t)(s->meta.len + 20); /* all of it still in the buffer */
    ms__out_flush(s->out);
    e = s->out->err ? s->out->err : s->w.err;
    ms__stream_aside(s->path);
    if (!e && ms__target_check(s->path) != MEMSCOPE_OK) e = EEXIST; /* it may have changed meanwhile */
    if (!e && rename(s->tmp, s->path) != 0) e = errno;
    if (e) {
        unlink(s->tmp);
        close(fd);
        s->out = NULL;
        s->w.o = NULL;
        ms__stream_fail(s, e, "making");
    }
    return !e;
}

/* One event out: the exact peak over the written order; the encoder, unless capped. */
/* stack_fid covers id. Mapped: the pages of ids that never come cost nothing (a forked
   child's stacks have the ids after its parent's), and it grows by mremap, never a copy. */
static int ms__stream_fid_grow(ms__stream *s, uint32_t id) {
    uint64_t n = s->stack_cap ? s->stack_cap : 1024;
    while (n <= id) n *= 2;
    if (n > (1ull << 31)) return 0;
    void *p = s->stack_cap ? mremap(s->stack_fid, (size_t)s->stack_cap * sizeof *s->stack_fid, (size_t)n * sizeof *s->stack_fid, MREMAP_MAYMOVE)
                           : mmap(NULL, (size_t)n * sizeof *s->stack_fid, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 0;
    s->stack_fid = (uint32_t *)p;
    s->stack_cap = (uint32_t)n;
    return 1;
}

static void ms__stream_event(memscope_tracker *t, ms__stream *s, const ms__event *e, ms__thread *th, double ratio) {
    uint64_t size = e->size_kind >> 1;
    if (e->size_kind & 1) t->wr_live = t->wr_live >= size ? t->wr_live - size : 0;
    else if ((t->wr_live += size) > t->wr_peak) t->wr_peak = t->wr_live;
    if (s->w.total_events >= s->cap) { atomic_fetch_add_explicit(&t->wr_dropped, 1, MS__RELAXED); return; }
    if (!s->out && (s->failed || !ms__stream_open(t, s))) return; /* made at the first event */
    if (s->failed) return;
    ms__msb *w = &s->w;
    memscope_event ev; /* what the encoder reads of it */
    int is_free = (int)(e->size_kind & 1);
    ev.kind = is_free ? MEMSCOPE_EVENT_FREE : MEMSCOPE_EVENT_ALLOC;
    ev.timestamp_ns = e->ticks > t->start_ticks ? (uint64_t)((double)(e->ticks - t->start_ticks) * ratio) : 0;
    ev.timestamp_ns -= ev.timestamp_ns % MS__STREAM_TIME_NS;
    if (ev.timestamp_ns < w->prev_ts) ev.timestamp_ns = w->prev_ts;
    ev.address = (uintptr_t)e->address;
    ev.size = (size_t)size;
    ev.thread_id = th->tid;
    ev.stack_id = is_free ? 0 : e->aux;
    if (is_free && e->aux != th->index) {
        const ms__thread *owner = ms__thread_by_index(t, e->aux);
        ev.alloc_thread_id = owner ? owner->tid : 0;
    } else {
        ev.alloc_thread_id = th->tid;
    }
    uint32_t site = e->site;
    if (MS__UNLIKELY(site >= s->site_cap || site >= w->nsites) &&
        (!ms__flags_grow(&s->site_def, &s->site_cap, site) || !ms__stream_site_state(w, site))) { w->err = ENOMEM; return; }
    if (MS__UNLIKELY(!s->site_def[site])) {
        const memscope_site *st = ms__site_by_id(site);
        s->site_def[site] = 1;
        ms__buf_varint(&s->sites, site);
        ms__buf_varint(&s->sites, ms__msb_str(w, st->var_name));
        ms__buf_varint(&s->sites, ms__msb_str(w, st->type_name));
        ms__buf_varint(&s->sites, ms__msb_str(w, st->file));
        ms__buf_varint(&s->sites, st->line);
        s->nsites_new++;
    }
    if (ev.stack_id) {
        uint32_t id = ev.stack_id, gen = atomic_load_explicit(&ms__sym_gen, MS__RELAXED);
        if (MS__UNLIKELY(gen != s->stack_gen) && s->stack_cap) /* a module went: names may differ now */
            madvise(s->stack_fid, (size_t)s->stack_cap * sizeof *s->stack_fid, MS__MADV_DONTNEED); /* zero again */
        s->stack_gen = gen;
        if (MS__UNLIKELY(id >= s->stack_cap) && !ms__stream_fid_grow(s, id)) { w->err = ENOMEM; return; }
        if (MS__UNLIKELY(!s->stack_fid[id])) {
            const ms__stack *st = ms__stack_by_id(t, id);
            if (st) {
                s->stack_fid[id] = ++s->stack_files;
                ms__msb_stack(w, &s->stacks, s->stack_fid[id], st, s->sym, &s->lines, &s->nlines_new);
                s->nstacks_new++;
            }
        }
        ev.stack_id = s->stack_fid[id];
    }
    if (w->ev_count == MS__MSB_BLOCK - 1) ms__stream_defs(s); /* this event closes the block */
    ms__msb_event(s->out, w, site, &ev, 0);
    if (w->ev_total + 64 > MS__STREAM_BUF) { /* the block is as large as the buffers: out with it */
        ms__stream_defs(s);
        ms__msb_flush_events(w);
    }
}

/* Writes the merged events before limit and unmaps the chunks written (under analysis_lock). */
static void ms__stream_write(memscope_tracker *t, ms__stream *s, uint64_t limit, double ratio) {
    ms__merge m;
    ms__merge_begin(t, &m);
    if (!m.head) return;
    const ms__event *e;
    ms__thread *th;
    while ((e = ms__merge_next_before(&m, &th, limit))) ms__stream_event(t, s, e, th, ratio);
    /* a thread may point into its chunks outside log mode (its last allocation, for TRACK):
       then they wait in the graveyard until the tracker goes */
    int can_free = atomic_load_explicit(&t->log_mode, MS__ACQUIRE) == 1 || s->fixed; /* (no hooks point into a TRACK tracker's) */
    uint32_t k = atomic_load_explicit(&t->thread_count, MS__ACQUIRE);
    for (uint32_t i = 0; i < k; i++) {
        ms__thread *x = ms__thread_by_index(t, i);
        ms__chunk *head = x ? atomic_load_explicit(&x->head, MS__ACQUIRE) : NULL;
        if (!head) continue;
        ms__cursor *c = &x->cursor;
        ms__chunk *at = c->chunk ? c->chunk : c->last;
        uint32_t ai = c->chunk ? c->i : c->last_n;
        for (ms__chunk *y = head, *nx; y != at; y = nx) {
            nx = atomic_load_explicit(&y->next, MS__ACQUIRE);
            if (can_free) ms__chunk_unmap(y);
            else { atomic_store_explicit(&y->next, t->wr_graveyard, MS__RELAXED); t->wr_graveyard = y; }
        }
        atomic_store_explicit(&x->head, at, MS__RELEASE);
        x->head_i = ai;
    }
    ms__merge_end(&m);
    t->peak_valid = 0;
}

/* The oldest `count` events of the ring into the file (under analysis_lock). */
static void ms__ring_drain(memscope_tracker *t, uint32_t count) {
    ms__ring *g = &t->ring;
    ms__stream *s = t->stream;
    double ratio = ms__clock_ratio();
    for (; count && g->n; count--, g->n--, g->done++) {
        ms__ringev *r = &g->ev[g->head];
        if (++g->head == g->cap) g->head = 0;
        if (s) ms__stream_event(t, s, &r->e, r->th, ratio);
    }
}

/* One event resolved while no TRACK has named a hooked block: into the file at once, as the
   ring would write it later (under analysis_lock). */
static void ms__ring_direct(memscope_tracker *t, const ms__event *e, ms__thread *th) {
    ms__stream *s = t->stream;
    if (!s) return;
    if (s->ratio == 0.0) s->ratio = ms__clock_ratio();
    ms__stream_event(t, s, e, th, s->ratio);
}

/* The ring's events before `before` (its order is the merged one, times all but monotone). */
static void ms__ring_drain_before(memscope_tracker *t, uint64_t before) {
    ms__ring *g = &t->ring;
    uint32_t k = 0;
    for (uint32_t i = g->head; k < g->n && g->ev[i].e.ticks < before; k++)
        if (++i == g->cap) i = 0;
    ms__ring_drain(t, k);
}

static void ms__stream_flush(ms__stream *s) {
    if (!s->out || s->failed) return;
    ms__stream_defs(s);
    ms__msb_flush_events(&s->w);
    ms__out_flush(s->out);
    if (s->out->err || s->w.err) ms__stream_fail(s, s->out->err ? s->out->err : s->w.err, "writing");
}

/* After a flush: how far the file has come, for the brake (ms__backlogged). The ring's first
   event is the oldest not written; an empty ring after a slice that reached the pass's limit
   means everything logged before the limit is written. */
static void ms__stream_progress(memscope_tracker *t, const ms__stream *s, uint64_t caught_up) {
    const ms__ring *g = &t->ring;
    uint64_t upto = g->n ? g->ev[g->head].e.ticks : caught_up;
    if (s->failed) atomic_store_explicit(&t->wr_brake, 0, MS__RELAXED); /* nothing to wait for */
    else if (upto > atomic_load_explicit(&t->wr_upto, MS__RELAXED)) atomic_store_explicit(&t->wr_upto, upto, MS__RELAXED);
}

/* One pass (under analysis_lock): resolve a slice at a time (the log chunks read are given
   back as it goes) into the ring, write what is older than the naming window, then the
   events of chunks (recorded outside log mode); final: everything. */
#define MS__STREAM_SLICE 65536u
#define MS__STREAM_NAME_NS 30000000.0      /* a TRACK this soon after its malloc names its event */
static void ms__stream_pass(memscope_tracker *t, ms__stream *s, int final) {
    if (s->out && !s->failed) ms__stream_fd_ok(s);
    if (atomic_load_explicit(&t->capture_stacks, MS__RELAXED)) ms__sym_refresh(); /* a module unloaded since: its stacks are named again */
    double ratio = ms__clock_ratio();
    s->ratio = ratio;
    uint64_t now = ms__ticks(), lag = (uint64_t)(MS__STREAM_LAG_NS / ratio), win = (uint64_t)(MS__STREAM_NAME_NS / ratio);
    uint64_t limit = final ? UINT64_MAX : now > lag ? now - lag : 0;
    uint64_t named = final ? UINT64_MAX : now > win ? now - win : 0;
    if (!final && !s->failed) atomic_store_explicit(&t->wr_brake, (uint64_t)(MS__BRAKE_LAG_NS / ratio), MS__RELAXED);
    if (t->ring.ev && atomic_load_explicit(&t->log_mode, MS__ACQUIRE) == 1) {
        for (int more = 1; more;) {
            more = ms__resolve_some(t, final, MS__STREAM_SLICE, limit) != UINT64_MAX;
            ms__ring_drain_before(t, named);
            ms__stream_flush(s);
            ms__stream_progress(t, s, more ? 0 : limit);
        }
    } else if (t->ring.n) {
        ms__ring_drain(t, t->ring.n); /* left log mode: what it resolved goes first */
    }
    ms__stream_write(t, s, limit, ratio);
    ms__stream_flush(s);
}

static void ms__stream_tick(memscope_tracker *t) {
    ms__stream *s = t ? t->stream : NULL;
    if (!s) return;
    pthread_mutex_lock(&t->analysis_lock);
    if (!s->done) ms__stream_pass(t, s, 0);
    pthread_mutex_unlock(&t->analysis_lock);
}

/* The end of the run: the rest of the events, the closing sections, META's figures. */
static void ms__stream_finish(memscope_tracker *t) {
    ms__stream *s = t->stream;
    atomic_store(&t->streaming, 0); /* no thread waits for the writer any more */
    pthread_mutex_lock(&t->analysis_lock);
    int first = !s->done;
    if (first) ms__stream_pass(t, s, 1);
    s->done = 1;
    pthread_mutex_unlock(&t->analysis_lock);
    if (!first || (!s->out && !ms__stream_open(t, s))) return;
    memscope_report r = memscope_analyze(t);
    if (s->failed || !ms__stream_fd_ok(s)) {
        memscope_report_free(&r);
        return;
    }
    /* META again, with the duration and rates, in place, then the closing sections: a file
       with END always has its figures */
    /* META again, with the duration and rates, in place */
    unsigned char *m = s->meta.p;
    if (m && !s->meta.err && s->meta_off >= 0) {
        ms__put_varint10(m + s->at.dur_ns, ms__d2u64(r.duration_sec * 1e9 + 0.5));
        ms__put_varint10(m + s->at.exit, atomic_load(&ms__exit_how));
        ms__put_f64(m + s->at.ratio, ms__clock_ratio());
        ms__put_f64(m + s->at.dsec, r.duration_sec);
        ms__put_f64(m + s->at.arate, r.allocation_rate_per_sec);
        ms__put_f64(m + s->at.frate, r.deallocation_rate_per_sec);
        unsigned char h[16], c[4];
        ms__put_le(h, MS__MSB_META, 4);
        ms__put_le(h + 4, 0, 4);
        ms__put_le(h + 8, s->meta.len, 8);
        ms__put_le(c, ms__crc32(ms__crc32(0, h, 16), m, s->meta.len), 4);
        if (!s->out->err && (pwrite(s->out->fd, h, 16, s->meta_off) != 16 ||
                             pwrite(s->out->fd, m, s->meta.len, s->meta_off + 16) != (ssize_t)s->meta.len ||
                             pwrite(s->out->fd, c, 4, s->meta_off + 16 + (int64_t)s->meta.len) != 4))
            s->out->err = errno ? errno : EIO;
    }
    ms__stream_defs(s);
    ms__msb_tail(&s->w, &r);
    ms__out_flush(s->out);
    if (s->out->err || s->w.err) ms__stream_fail(s, s->out->err ? s->out->err : s->w.err, "writing");
    close(s->out->fd);
    s->out->fd = -1;
    memscope_report_free(&r);
}

static void ms__stream_free(ms__stream *s) {
    if (!s) return;
    ms__msb_free(&s->w);
    MEMSCOPE_FREE(s->at.payload.p);
    MEMSCOPE_FREE(s->meta.p);
    MEMSCOPE_FREE(s->site_def);
    if (s->stack_cap) munmap(s->stack_fid, (size_t)s->stack_cap * sizeof *s->stack_fid);
    MEMSCOPE_FREE(s->sites.p);
    MEMSCOPE_FREE(s->stacks.p);
    MEMSCOPE_FREE(s->outmem);
    ms__symcache_free(s->sym);
    MEMSCOPE_FREE(s);
}

/* Everything the writer needs later is taken now: a process that runs out of memory or
   address space (ulimit -v) still gets its file. The encoder writes an EVENTS block when its
   buffer is nearly full, so the buffers do not grow. */
/* to: from's memory, emptied (from: none left), or a new buffer of n bytes. */
static void ms__buf_take(ms__buf *to, ms__buf *from, size_t n) {
    if (from && from->p && from->cap >= n && !from->err) {
        *to = *from;
        to->len = 0;
        memset(from, 0, sizeof *from);
    } else {
        ms__buf_grow(to, n);
    }
}

/* A stream; from: a forked child's parked stream, whose buffers and names it takes (their
   pages are written only as the child fills them; new ones would cost the child a
   malloc's writes to the heap it shares with its parent). */
static ms__stream *ms__stream_new(uint64_t cap, ms__stream *from) {
    ms__stream *s = (ms__stream *)ms__calloc(1, sizeof *s);
    if (!s) return NULL;
    s->w.own = 1;
    s->cap = cap;
    s->meta_off = -1;
    s->outmem = (ms__out *)MEMSCOPE_MALLOC(sizeof *s->outmem);
    ms__buf_take(&s->w.ev, from ? &from->w.ev : NULL, MS__STREAM_BUF);
    if (from && from->w.colmem) { /* (ms__msb_cols lays out the columns) */
        s->w.colmem = from->w.colmem;
        s->w.colcap = from->w.colcap;
        from->w.colmem = NULL;
        from->w.colcap = 0;
    }
    ms__buf_take(&s->w.sec, from ? &from->w.sec : NULL, MS__STREAM_BUF + 64);
    ms__buf_take(&s->w.pending, from ? &from->w.pending : NULL, 16u << 10);
    ms__buf_take(&s->sites, from ? &from->sites : NULL, 4096);
    ms__buf_take(&s->stacks, from ? &from->stacks : NULL, 64u << 10);
    ms__buf_take(&s->meta, from ? &from->meta : NULL, 512);
    ms__buf_take(&s->at.payload, from ? &from->at.payload : NULL, 512);
    if (from && from->sym) { /* the same mappings: the names found so far hold */
        s->sym = from->sym;
        from->sym = NULL;
    } else {
        s->sym = (ms__symcache *)ms__calloc(1, sizeof *s->sym);
    }
    /* The stack-id map and the encoder's order state: mapped now, while there is address
       space (a program that takes all it may leaves none for the first pass); a forked
       child's stack-id map is its parent's, zeroed by dropping its pages. */
    if (from && from->stack_cap) {
        s->stack_fid = from->stack_fid;
        s->stack_cap = from->stack_cap;
        from->stack_cap = 0;
        madvise(s->stack_fid, (size_t)s->stack_cap * sizeof *s->stack_fid, MS__MADV_DONTNEED);
    } else {
        ms__stream_fid_grow(s, 65535);
    }
    s->stack_gen = atomic_load_explicit(&ms__sym_gen, MS__RELAXED); /* (the map is empty: nothing to clear yet) */
    if (from && from->w.ord) { /* (the parent's is not in the child: ms__map_nofork) */
        s->w.ord = (ms__msb_order *)ms__map_nofork(sizeof *s->w.ord);
        from->w.ord = NULL;
        if (s->w.ord && !ms__msb_cols(&s->w)) { munmap(s->w.ord, sizeof *s->w.ord); s->w.ord = NULL; }
    }
    return s;
}

/* A forked child records from the fork on, into its own file: the parent's unwritten events
   and logs, its counters and its live blocks are not the child's (a free of one of them is a
   free of a block never recorded, and is left out). The parent's file is not touched: its
   descriptor is closed unwritten. */
static ms__stream *ms__streams_left; /* the streams of ancestors, in a forked child */
/* In a forked child: the parent's stream, kept rather than freed (see ms__stream_after_fork). */
static void ms__stream_park(ms__stream *s) {
    if (s->out) close(s->out->fd); /* the parent's file: left unwritten */
    s->left_next = ms__streams_left;
    ms__streams_left = s;
}
static void ms__stream_after_fork(memscope_tracker *t) {
    ms__stream *old = t->stream;
    t->stream = ms__stream_new(old->cap, old);
    if (t->stream) { t->stream->w.predict = old->w.predict; t->stream->fixed = old->fixed; }
    if (t->stream) t->stream->w.zlazy = old->w.zctx || old->w.zlazy;
    /* The parent's stream is parked, not freed: freeing its buffers, its strings and its
       compressor would write to dozens of pages the child shares with its parent (a
       copy-on-write fault each, in every child of a shell), for memory that costs the child
       nothing while it stays untouched; its writer's tables are not even in the child
       (ms__map_nofork). Kept reachable from ms__streams_left. */
    ms__stream_park(old);
    for (ms__thread *th = atomic_load(&t->threads); th; th = atomic_load(&th->next)) {
        for (ms__chunk *c = atomic_load(&th->head), *n; c; c = n) { n = atomic_load(&c->next); ms__chunk_unmap(c); }
        for (ms__chunk *c = atomic_load(&th->log_head), *n; c; c = n) { n = atomic_load(&c->next); ms__chunk_unmap(c); }
        atomic_store(&th->head, NULL);
        atomic_store(&th->log_head, NULL);
        th->tail = th->log_tail = th->rv_chunk = th->rv_end = NULL;
        th->head_i = th->tail_count = th->log_n = th->log_budget = th->log_left = 0;
        th->rv_n = th->rv_end_n = th->rv_vis_seq = th->rv_vis_n = th->rv_m = th->rv_j = 0;
        th->log_seq = 0;
        th->log_written = th->rv_tick = th->rv_span = th->rv_emitted = 0;
        th->rv_at = NULL;
        th->rv_blocked = 0;
        th->last_alloc = NULL;
        atomic_store(&th->allocs, 0); atomic_store(&th->alloc_bytes, 0);
        atomic_store(&th->frees, 0); atomic_store(&th->free_bytes, 0);
        atomic_store(&th->own_freed_local, 0); atomic_store(&th->own_freed_remote, 0);
        atomic_store(&th->peak_bytes, 0); atomic_store(&th->dropped, 0);
        atomic_store(&th->w_count, 0.0); atomic_store(&th->w_bytes, 0.0);
        for (uint32_t i = 0, n = ms__stat_chunks_used(th); i < n; i++) {
            ms__site_stat *c = ms__stat_chunk(th, i);
            if (c) memset((void *)c, 0, MS__STAT_CHUNK * sizeof *c);
        }
    }
    if (!t->rv.mapped) MEMSCOPE_FREE(t->rv.slot); /* (a mapped one is not in this process) */
    memset(&t->rv, 0, sizeof t->rv);
    t->rv.nofork = 1;
    t->ring.head = t->ring.n = 0;
    t->ring.done = 0;
    for (ms__chunk *c = t->wr_graveyard, *n; c; c = n) { n = atomic_load(&c->next); ms__chunk_unmap(c); }
    t->wr_graveyard = NULL;
    t->wr_live = t->wr_peak = 0;
    atomic_store(&t->wr_upto, 0); /* no time brake until the child's writer has written */
    atomic_store(&t->wr_dropped, 0);
    atomic_store(&t->events_reserved, 0);
    t->peak_valid = 0;
    t->skip_idle_threads = 1;
    t->start_ticks = ms__ticks();
    t->start_mono_ns = ms__mono_ns();
    t->start_unix_ms = ms__unix_ms();
    atomic_store(&t->streaming, 0); /* until the child's writer runs */
}

/* A stream of at most cap events (UINT64_MAX: every one) in the format MEMSCOPE_COMPRESS asks
   for (1.4, or 1.1 with 0), and in *ring the slice the resolver hands it events through; NULL
   when memory is short (the tracker then records as it would without a stream). */
static ms__stream *ms__stream_make(uint64_t cap, ms__ringev **ring) {
    ms__stream *s = ms__stream_new(cap, NULL);
    /* written before read: not cleared, so that its pages cost nothing until used */
    *ring = (ms__ringev *)MEMSCOPE_MALLOC(MS__STREAM_SLICE * sizeof **ring);
    if (!s || !*ring || !s->outmem) { ms__stream_free(s); MEMSCOPE_FREE(*ring); *ring = NULL; return NULL; }
    /* addresses in allocation order, times in microseconds and fields in columns (a 1.4 file), and sections
       through zstd, loaded at the first one worth it; MEMSCOPE_COMPRESS=0 writes a 1.1 file
       without any of it, which every reader of major version 1 reads */
    s->w.predict = ms__env_word(10, "MEMSCOPE_COMPRESS", "0\0" "1\0", 1, "0 or 1") == 1;
    s->w.zlazy = s->w.predict; /* loaded by whoever writes the first section of 16 KiB (the
                                  writer, or the end; never a hook) */
    if (s->w.predict) s->w.ord = (ms__msb_order *)ms__map_nofork(sizeof *s->w.ord); /* (see ms__stream_new) */
    ms__balloon_fill();
    if (s->w.ord && !ms__msb_cols(&s->w)) { munmap(s->w.ord, sizeof *s->w.ord); s->w.ord = NULL; }
    return s;
}

/* A stream's writer thread: a pass every 20 ms, back to back while the backlog is large (the
   program's threads then wait on it: the brake), with zstd at level 3 while it keeps up and at
   level 1 while it does not. fixed: a TRACK tracker's writer, until its wr_stop; NULL: the
   hooks' writer, for the life of the process. */
static void ms__writer_loop(memscope_tracker *fixed) {
    struct timespec idle = {0, MS__STREAM_EVERY * MS__TICKER_NS};
    pthread_setname_np(pthread_self(), "memscope-write");
    for (;;) { /* the first pass after one period: a child that execs at once leaves no file */
        memscope_tracker *t = fixed;
#ifdef MEMSCOPE_HOOK_MALLOC
        if (!fixed) t = atomic_load(&ms__hook_t);
#endif
        if (fixed && atomic_load(&fixed->wr_stop)) break;
        int behind = t && atomic_load_explicit(&ms__chunks_out, MS__RELAXED) >
                              MS__BACKLOG_CHUNKS / 2 + atomic_load_explicit(&t->thread_count, MS__RELAXED);
        atomic_store_explicit(&ms__stream_behind, behind, MS__RELAXED);
        if (behind) sched_yield();
        else if (!atomic_exchange_explicit(&ms__wr_kick, 0, MS__RELAXED)) /* (kicked meanwhile: at once) */
            syscall(SYS_futex, (uint32_t *)&ms__wr_kick, 0 /* FUTEX_WAIT */ | 128 /* FUTEX_PRIVATE_FLAG */, 0, &idle, NULL, 0);
        ms__stream_tick(t);
    }
}
#else
static void ms__ring_drain(memscope_tracker *t, uint32_t count) { (void)t; (void)count; } /* (no ring without a stream) */
static void ms__ring_direct(memscope_tracker *t, const ms__event *e, ms__thread *th) { (void)t; (void)e; (void)th; }
#endif

/* Whole-program mode (MEMSCOPE_HOOK_MALLOC in the implementation file, or the preload
   library libmemscope.so): the malloc family is defined here and forwards to glibc's own
   entry points (__libc_malloc ...), recording every heap allocation of the process with its
   exact requested size into the global tracker. The hooks never take a lock on the common
   path: the same per-thread recording as TRACK. Re-entrancy: a thread-local depth makes any
   allocation made while memscope itself runs (its own memory, libc calls it makes) pass
   through unrecorded; the tracker's own memory comes from __libc_malloc directly. */
#ifdef MEMSCOPE_HOOK_MALLOC

#define MS__TLS_IE __attribute__((tls_model("initial-exec")))
static _Thread_local int64_t ms__hook_left MS__TLS_IE;      /* bytes to the next sample */
static _Thread_local uint64_t ms__hook_rng MS__TLS_IE;
static _Thread_local int ms__hook_sig_pending MS__TLS_IE;   /* a signal arrived inside a hook */
static _Atomic int ms__hook_state;                          /* 0 new, 1 starting, 2 on, 3 finished */
static int ms__hook_unwind;                                 /* 0 fp, 1 auto, 2 call-frame information only */
#ifndef MS__CFI
static _Atomic int ms__hook_unwinder_ready;
extern int backtrace(void **buffer, int size);
#endif

enum { MS__H_MALLOC, MS__H_CALLOC, MS__H_REALLOC, MS__H_REALLOCARRAY, MS__H_MEMALIGN,
       MS__H_ALIGNED_ALLOC, MS__H_POSIX_MEMALIGN, MS__H_VALLOC, MS__H_PVALLOC, MS__H_COUNT };
static memscope_site ms__hook_sites[MS__H_COUNT] = {
    {"malloc", NULL, NULL, 0, 0, 0},         {"calloc", NULL, NULL, 0, 0, 0},
    {"realloc", NULL, NULL, 0, 0, 0},        {"reallocarray", NULL, NULL, 0, 0, 0},
    {"memalign", NULL, NULL, 0, 0, 0},       {"aligned_alloc", NULL, NULL, 0, 0, 0},
    {"posix_memalign", NULL, NULL, 0, 0, 0}, {"valloc", NULL, NULL, 0, 0, 0},
    {"pvalloc", NULL, NULL, 0, 0, 0},
};

static int64_t ms__hook_gap(void) { /* exponential, mean ms__hook_mean */
    if (MS__UNLIKELY(!ms__hook_rng)) ms__hook_rng = ms__mix64((uint64_t)ms__gettid() ^ ms__mono_ns()) | 1;
    ms__hook_rng ^= ms__hook_rng << 13; ms__hook_rng ^= ms__hook_rng >> 7; ms__hook_rng ^= ms__hook_rng << 17;
    double u = ((double)(ms__hook_rng >> 11) + 0.5) * (1.0 / 9007199254740992.0); /* (0, 1) */
    return (int64_t)(-ms__ln(u) * (double)ms__hook_mean) + 1;
}

#define MS__SAMPLE_BYTES_MAX ((uint64_t)1 << 40)



static void ms__hook_configure(memscope_tracker *t) {
    /* options of the mode; see README "Whole-program mode" */
    if (ms__output_setup() && !ms__env("MEMSCOPE_OUTPUT_OWNER")) { /* children know whose name is unsuffixed */
        char pid[24];
        snprintf(pid, sizeof pid, "%ld", (long)getpid());
        setenv("MEMSCOPE_OUTPUT_OWNER", pid, 1);
    }
    ms__hook_mean = ms__env_number(4, "MEMSCOPE_SAMPLE_BYTES", MS__SAMPLE_BYTES_MAX, 0,
                                   "a whole number of bytes from 0 (every allocation) to 1099511627776");
    atomic_store(&t->sample_bytes, ms__hook_mean);
    uint64_t depth = ms__env_number(5, "MEMSCOPE_STACK_DEPTH", MEMSCOPE_MAX_STACK_DEPTH, 32,
                                    "a whole number of frames from 0 (no stacks) to 64");
    memscope_sampling_config c = memscope_get_sampling(t);
    const char *rate = ms__env("MEMSCOPE_SAMPLE_RATE");
    if (rate && !ms__parse_rate(rate, &c.sample_rate))
        ms__env_refuse(2, "MEMSCOPE_SAMPLE_RATE", rate, "a number from 0 to 1", "1");
    c.capture_call_stack = depth > 0;
    c.max_stack_depth = (size_t)depth;
    memscope_set_sampling(t, c);
    const char *maxev = ms__env("MEMSCOPE_MAX_EVENTS");
    uint64_t max = 0;
    if (maxev && ms__parse_u64(maxev, (uint64_t)SIZE_MAX >> 6, &max)) memscope_set_max_events(t, (size_t)max); /* 0: counters only */
    else if (maxev) ms__env_refuse(6, "MEMSCOPE_MAX_EVENTS", maxev, "a whole number of events (0 = counters only)", "the default");
    ms__hook_unwind = ms__env_word(7, "MEMSCOPE_UNWIND", "fp\0" "auto\0" "dwarf\0", 1, "fp, auto or dwarf");
    ms__names_offline = ms__env_word(9, "MEMSCOPE_NAMES", "process\0" "offline\0", 0, "process or offline");
    /* every allocation kept: log mode (>>resolve), unless asked for the live table */
    int lt = ms__env_word(8, "MEMSCOPE_LIVE_TABLE", "0\0" "1\0", 0, "0 or 1");
    if (!ms__hook_mean && c.sample_rate >= 1.0 && ms__membarrier_ok && !lt) {
        atomic_store(&t->log_mode, 1);
        t->rv_spread = 1;
        atomic_store(&ms__slab_whole, 1);
    } else {
        atomic_store(&t->log_mode, 0);
    }
#ifdef MS__STREAM
    /* every allocation kept, into a .msb: streamed as the program runs, no event bound;
       MEMSCOPE_MAX_EVENTS caps the events written instead */
    const char *fmt = ms__out_tmpl[0] ? memscope_export_format(ms__out_tmpl) : NULL;
    ms__ringev *ring;
    if (atomic_load(&t->log_mode) == 1 && fmt && strcmp(fmt, "msb") == 0 &&
        ms__env_word(9, "MEMSCOPE_STREAM", "0\0" "1\0", 1, "0 or 1") == 1 &&
        (t->stream = ms__stream_make(maxev && max != UINT64_MAX ? max : UINT64_MAX, &ring)) != NULL) {
        atomic_store(&t->max_events, UINT64_MAX);
        t->ring.cap = MS__STREAM_SLICE;
        t->ring.ev = ring;
        t->rv.nofork = 1;
    }
#endif
}


#ifdef MS__STREAM
/* The stream's writer (ms__writer_loop). */
static void *ms__writer_main(void *arg) {
    (void)arg;
    ms__hook_busy++; /* for good */
    ms__writer_loop(NULL);
    return NULL;
}
#endif

/* The hooks' threads: the ticker (>>resolve) and, for a stream, its writer. */
/* The ticker (not in a forked child: its records read the counter each, and a child that
   execs or exits soon starts one thread less) and the writer. */
static void ms__hook_threads_start(int ticker) {
    if (ticker) ms__ticker_start();
#ifdef MS__STREAM
    memscope_tracker *t = atomic_load(&ms__hook_t);
    if (t && t->stream) {
        pthread_attr_t a;
        pthread_t th;
        if (pthread_attr_init(&a) != 0) return;
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&a, 256 * 1024); /* dladdr, the encoder */
        uint64_t old = ms__signals_block();
        if (pthread_create(&th, &a, ms__writer_main, NULL) == 0) atomic_store(&t->streaming, 1);
        ms__signals_restore(old);
        pthread_attr_destroy(&a);
    }
#endif
}

static void ms__hook_fork_child(void) {
    memscope_tracker *t = atomic_load(&ms__hook_t);
    /* (forked while leaving log mode: ms__live_after_fork has put the child back in log mode) */
#ifdef MS__STREAM
    if (t && t->stream && atomic_load(&t->log_mode) == 1) ms__stream_after_fork(t);
    else if (t && t->stream) { /* left log mode: the child writes what it has at its end */
        ms__stream_park(t->stream);
        t->stream = NULL;
    }
#endif
    if (!t || atomic_load(&t->log_mode) != 1) return;
    /* the parent's threads are gone, pushes in flight with them */
    for (ms__thread *th = atomic_load(&t->threads); th; th = atomic_load(&th->next)) atomic_store(&th->logging, 0);
    ms__hook_threads_start(0);
}

static MS__NOINLINE memscope_tracker *ms__hook_start(void) {
    int s = 0;
    if (!atomic_compare_exchange_strong(&ms__hook_state, &s, 1)) return NULL; /* starting elsewhere, or finished */
    ms__hook_busy++;
    memscope_tracker *t = memscope_global();
    if (t) {
        ms__hook_configure(t);
        for (int i = 0; i < MS__H_COUNT; i++) ms__log_site[i] = ms__site_register(&ms__hook_sites[i]);
    }
    atomic_store(&ms__hook_t, t);
    atomic_store(&ms__hook_state, t ? 2 : 3);
    ms__hook_busy--;
    return t;
}

static inline memscope_tracker *ms__hook_tracker(void) {
    memscope_tracker *t = atomic_load_explicit(&ms__hook_t, MS__ACQUIRE);
    if (MS__LIKELY(t)) return t;
    return atomic_load_explicit(&ms__hook_state, MS__RELAXED) == 0 ? ms__hook_start() : NULL;
}

#ifndef MEMSCOPE_NO_STACKS
#ifdef MS__CFI
/* ms__hook_cfi, recording what the walk read into rec (NULL: nothing), joining prev where it can */
static size_t ms__hook_cfi_rec(ms__thread *th, const uintptr_t *fp, uintptr_t *frames, size_t depth, ms__cfi_rec *rec,
                               const ms__cfi_prev *prev) {
    uintptr_t f = (uintptr_t)fp;
    if (rec) rec->clean = 0;
    if (MS__UNLIKELY(!th->stack_lo)) ms__thread_stack_bounds(th);
    if (f < th->stack_lo || th->stack_hi < 2 * sizeof(uintptr_t) || f > th->stack_hi - 2 * sizeof(uintptr_t)) return 0;
    ms__cfi_regs r = {fp[1], f + 2 * sizeof(uintptr_t), fp[0]};
    return ms__cfi_walk_rec(r, th->stack_lo, th->stack_hi, frames, depth, 0, rec, prev);
}
#endif

/* The caller's stack by call-frame information (>>unwind), from the return address in the
   hook's own frame (which has a frame pointer): memscope's frames are never in it. 0 when
   the caller's code has none (then frame pointers). */
MS__HOT size_t ms__hook_cfi(ms__thread *th, const uintptr_t *fp, uintptr_t *frames, size_t depth) {
#ifdef MS__CFI
    return ms__hook_cfi_rec(th, fp, frames, depth, NULL, NULL);
#else
    (void)th; (void)fp; (void)frames; (void)depth;
    return 0;
#endif
}

/* The caller's stack: call-frame information (auto, dwarf), frame pointers where it has
   none (auto, fp); without the former (not x86-64), glibc's unwinder (backtrace) where the
   frame-pointer walk ends at the first frame. */
static MS__NOINLINE uint32_t ms__hook_stack(memscope_tracker *t, ms__thread *th, const uintptr_t *fp) {
    uintptr_t frames[MEMSCOPE_MAX_STACK_DEPTH + 4];
    size_t depth = atomic_load_explicit(&t->stack_depth, MS__RELAXED), n = 0;
    if (depth > MEMSCOPE_MAX_STACK_DEPTH) depth = MEMSCOPE_MAX_STACK_DEPTH;
    if (ms__hook_unwind) n = ms__hook_cfi(th, fp, frames, depth);
    if (n < 2 && ms__hook_unwind < 2) {
        uintptr_t fpf[MEMSCOPE_MAX_STACK_DEPTH + 4];
        size_t k = ms__walk_frames(th, fp, fpf, depth);
        if (k > n) { memcpy(frames, fpf, k * sizeof *fpf); n = k; }
    }
#ifndef MS__CFI
    if (ms__hook_unwind && n < 2 && atomic_load_explicit(&ms__hook_unwinder_ready, MS__RELAXED)) {
        void *raw[MEMSCOPE_MAX_STACK_DEPTH + 8];
        int k = backtrace(raw, (int)depth + 8);
        /* memscope's own frames come first: start at the caller's return address, which the
           walk always has (the hook's own frame has a frame pointer) */
        int from = -1;
        for (int i = 0; i < k && i < 8 && n; i++) if ((uintptr_t)raw[i] == frames[0]) { from = i; break; }
        if (from >= 0 || !n) {
            n = 0;
            for (int i = from < 0 ? 0 : from; i < k && n < depth; i++) frames[n++] = (uintptr_t)raw[i];
        }
    }
#endif
    return ms__stack_intern(t, th, frames, n);
}
#endif

#ifndef MEMSCOPE_NO_STACKS
#ifdef MS__CFI
/* A thread's last call-frame-information walk (>>unwind), kept to be replayed: a loop that
   allocates calls malloc again and again from the same state. The walk is a function of its
   start (the caller's ip and sp, and its rbp where a step's CFA was computed from that rbp),
   the rules of the ips it passes (the same while ms__cfi_epoch is) and the stack words it
   read (each return address, and each saved rbp that a later step's CFA was computed from:
   code built without frame pointers keeps other data in rbp, different at every call): when
   those words still hold what they held, the walk would find the same frames, so the replay
   checks them, one or two loads a frame, instead of looking up and applying each frame's
   rule. Any other walk (a signal frame, the slow path, an end not by a cached rule) is not
   kept. */
typedef struct ms__walk_cache {
    ms__cfi_rec rec;
    uintptr_t frames[MEMSCOPE_MAX_STACK_DEPTH];
    uintptr_t ip, fp, bp;   /* the start: the hook's frame pointer, and its two words */
    size_t max, n;          /* n = 0: nothing to replay */
    unsigned epoch;
} ms__walk_cache;
/* Two: the last clean walk (cur), which a new walk into the other may join (ms__cfi_join)
   where it reaches a frame of it in the same state, then checking the stack words the rest
   of it read rather than stepping each frame again. The second is allocated when a thread
   first walks from another start (a thread that allocates from one place keeps one). */
typedef struct ms__walk_caches {
    ms__walk_cache *second;
    unsigned cur;
    ms__walk_cache first;
} ms__walk_caches;
/* A thread's walks (its walk_cache), where trackers end. */
static void ms__walk_caches_free(void *p) {
    ms__walk_caches *wcs = (ms__walk_caches *)p;
    if (!wcs) return;
    MEMSCOPE_FREE(wcs->second);
    MEMSCOPE_FREE(wcs);
}
static inline ms__walk_cache *ms__walk_at(ms__walk_caches *wcs, unsigned i) { return i ? wcs->second : &wcs->first; }

/* The caller's stack by replay, or by a walk that is kept for the next call; 0 frames when
   the caller's code has no call-frame information. */
static MS__NO_ASAN size_t ms__hook_cfi_cached(ms__thread *th, const uintptr_t *fp, size_t max, const uintptr_t **out,
                                              uintptr_t *frames) {
    ms__walk_caches *wcs = (ms__walk_caches *)th->walk_cache;
    ms__walk_cache *wc = MS__LIKELY(wcs) ? ms__walk_at(wcs, wcs->cur) : NULL;
    const uintptr_t f = (uintptr_t)fp;
    const unsigned epoch = atomic_load_explicit(&ms__cfi_epoch, memory_order_acquire);
    if (MS__LIKELY(wc) && wc->n && fp[1] == wc->ip && f == wc->fp && (fp[0] == wc->bp || !wc->rec.uses_bp0) &&
        max == wc->max && epoch == wc->epoch) {
        uintptr_t diff = 0;
        for (size_t i = 0; i + 1 < wc->n; i++) {
            const uintptr_t cfa = wc->rec.cfa[i];
            diff |= ms__cfi_peek(cfa - 8) ^ wc->frames[i + 1];
            if (wc->rec.k[i] && (wc->rec.bpused >> i & 1u))
                diff |= ms__cfi_peek(cfa - 8u * wc->rec.k[i]) ^ wc->rec.bp[i];
        }
        if (MS__LIKELY(!diff)) { *out = wc->frames; return wc->n; }
    }
    if (MS__UNLIKELY(!wcs) && (wcs = (ms__walk_caches *)ms__calloc(1, sizeof *wcs)) != NULL) th->walk_cache = wcs;
    if (!wcs) { *out = frames; return ms__hook_cfi(th, fp, frames, max); }
    wc = ms__walk_at(wcs, wcs->cur);
    ms__cfi_prev prev = {&wc->rec, wc->frames, wc->n, wc->epoch};
    int join = wc->n >= 2 && wc->max == max && wc->epoch == epoch;
    if (join && !wcs->second && !(wcs->second = (ms__walk_cache *)ms__calloc(1, sizeof *wcs->second))) join = 0;
    const unsigned to = join ? wcs->cur ^ 1u : wcs->cur; /* nothing to join: over the last walk */
    ms__walk_cache *nw = ms__walk_at(wcs, to);
    nw->n = 0;
    *out = nw->frames;
    size_t n = ms__hook_cfi_rec(th, fp, nw->frames, max, &nw->rec, join ? &prev : NULL);
    if (nw->rec.clean && n >= 2 && epoch == atomic_load_explicit(&ms__cfi_epoch, memory_order_acquire)) {
        nw->ip = fp[1]; nw->fp = f; nw->bp = fp[0];
        nw->max = max; nw->epoch = epoch;
        nw->n = n;
        wcs->cur = to;
    }
    return n;
}
#endif

/* The common case in one pass: walk (call-frame information, replayed when it can be, or
   frame pointers while comparing with this thread's previous stack), which a loop that
   allocates repeats; anything else goes the full way. */
MS__HOT MS__NO_ASAN uint32_t ms__hook_stack_id(memscope_tracker *t, ms__thread *th, const uintptr_t *fp) {
    uintptr_t frames[MEMSCOPE_MAX_STACK_DEPTH];
    size_t max = atomic_load_explicit(&t->stack_depth, MS__RELAXED), n = 0;
    if (MS__UNLIKELY(!th->stack_lo) || max > MEMSCOPE_MAX_STACK_DEPTH || ms__hook_unwind == 2) return ms__hook_stack(t, th, fp);
#ifdef MS__CFI
    if (ms__hook_unwind) {
        const uintptr_t *got;
        n = ms__hook_cfi_cached(th, fp, max, &got, frames);
        if (MS__UNLIKELY(n < 2)) return ms__hook_stack(t, th, fp);
        return ms__stack_intern(t, th, got, n);
    }
#endif
    uintptr_t lo = th->stack_lo, span = th->stack_span, diff = 0;
    const uintptr_t *fp0 = fp;
    while (n < max) {
        uintptr_t f = (uintptr_t)fp;
        if (f - lo > span || (f & (sizeof(uintptr_t) - 1))) break;
        uintptr_t ret = fp[1];
        const uintptr_t *next = (const uintptr_t *)fp[0];
        if (ret < 4096) break;
        diff |= ret ^ th->last_stack[n];
        frames[n++] = ret;
        if ((uintptr_t)next <= f) break;
        fp = next;
    }
    if (MS__LIKELY(!diff && n == th->last_stack_n && n >= 2)) return th->last_stack_id;
    if (n < 2) return ms__hook_stack(t, th, fp0); /* maybe a caller without frame pointers */
    return ms__stack_intern_new(t, th, frames, n);
}
#endif

/* Records a block the hooks saw. The free of a block that was live (realloc, a reused
   address) is recorded by the caller first. */
static MS__NOINLINE void ms__hook_alloc(void *p, size_t size, int fn, const uintptr_t *fp) {
    if (MS__UNLIKELY(!p)) { /* out of memory: what the writer held back is its now */
        if (size) ms__balloon_pop();
        return;
    }
    memscope_tracker *t = ms__hook_tracker();
    if (!t) return;
    ms__hook_busy++;
    ms__thread *th = ms__thread_get(t);
    if (MS__LIKELY(th) && MS__LIKELY(atomic_load_explicit(&t->log_mode, MS__RELAXED) != 0)) {
        uint32_t stack = 0;
#ifndef MEMSCOPE_NO_STACKS
        if (atomic_load_explicit(&t->capture_stacks, MS__RELAXED)) stack = ms__hook_stack_id(t, th, fp);
#endif
        if (ms__log_alloc(t, th, (uint64_t)(uintptr_t)p, size, (unsigned)fn, stack)) {
            ms__hook_busy--;
            return;
        }
    }
    if (MS__LIKELY(th)) {
        int keep = 1;
        double w = 1.0;
        if (ms__hook_mean) {
            /* each thread starts a fresh gap: a countdown at 0 would record every thread's
               first allocation, weighted as if a whole gap had passed */
            if (MS__UNLIKELY(!ms__hook_rng)) ms__hook_left = ms__hook_gap();
            ms__hook_left -= (int64_t)size;
            if (MS__LIKELY(ms__hook_left > 0)) keep = 0;
            else {
                ms__hook_left = ms__hook_gap();
                w = ms__sample_weight(size, ms__hook_mean);
            }
        }
        uint64_t threshold = atomic_load_explicit(&t->threshold, MS__RELAXED);
        uint32_t site = ms__hook_sites[fn].id;
        if (keep && threshold != 1ull << 63) {
            uint64_t seq = th->seq++;
            keep = threshold > (ms__mix64(seq ^ ms__hook_sites[fn].hash ^ MS__SAMPLE_SEED) >> 1);
        }
        if (keep) {
            uint32_t stack = 0;
#ifndef MEMSCOPE_NO_STACKS
            if (atomic_load_explicit(&t->capture_stacks, MS__RELAXED)) stack = ms__hook_stack(t, th, fp);
#else
            (void)fp;
#endif
            ms__record_alloc_stack(t, th, (uint64_t)(uintptr_t)p, size, site, stack);
            th->last_alloc = th->tail && th->tail_count ? &th->tail->ev[th->tail_count - 1] : NULL;
            if (ms__hook_mean) {
                MS__STORE(&th->w_count, MS__LOAD(&th->w_count) + w);
                MS__STORE(&th->w_bytes, MS__LOAD(&th->w_bytes) + w * (double)size);
            }
        }
    }
    ms__hook_busy--;
}

static void ms__hook_signal_now(int sig);

/* The program's close(), dup2() and dup3() onto a number below 48 wait while memscope moves a
   descriptor of its own from there (ms__fd_low_begin); 1 when counted in. */
static int ms__fd_low_wait(int fd) {
    if (fd < 0 || fd >= 48 || ms__fd_low_self) return 0;
    atomic_fetch_add(&ms__fd_low_closing, 1);
    while (atomic_load(&ms__fd_low_held)) sched_yield();
    return 1;
}
extern int __close(int fd);
extern int __dup2(int fd, int fd2);
/* Weak: a program built with MEMSCOPE_HOOK_MALLOC that defines its own close (dup2, dup3)
   keeps it, and links (it then goes without this wait); a preloaded library's are found first
   either way. */
#define MS__WRAP_WEAK __attribute__((weak))
/* Counts the call out again (w: ms__fd_low_wait's answer); returns r. */
static int ms__fd_low_done(int w, int r) {
    if (w) atomic_fetch_sub(&ms__fd_low_closing, 1);
    return r;
}
MS__WRAP_WEAK int close(int fd) {
    int w = ms__fd_low_wait(fd);
    return ms__fd_low_done(w, __close(fd));
}
MS__WRAP_WEAK int dup2(int fd, int fd2) {
    int w = ms__fd_low_wait(fd2);
    return ms__fd_low_done(w, __dup2(fd, fd2));
}
MS__WRAP_WEAK int dup3(int fd, int fd2, int flags) {
    int w = ms__fd_low_wait(fd2);
    return ms__fd_low_done(w, (int)syscall(SYS_dup3, fd, fd2, flags));
}

static inline void ms__hook_free(void *p) {
    memscope_tracker *t = atomic_load_explicit(&ms__hook_t, MS__ACQUIRE);
    if (!t || !p) return;
    if (MS__LIKELY(atomic_load_explicit(&t->log_mode, MS__RELAXED) != 0)) {
        ms__hook_busy++;
        ms__thread *th = ms__thread_get(t);
        int done = th && ms__log_free(t, th, (uint64_t)(uintptr_t)p);
        ms__hook_busy--;
        if (done) return;
    }
    if (!ms__maybe_live(t, (uint64_t)(uintptr_t)p)) return;
    ms__hook_busy++;
    memscope_untrack_address(t, (uintptr_t)p);
    ms__hook_busy--;
}

/* The hooks: forward, then record (frees: record, then forward, so that a block is never
   recorded as freed after another thread got the same address back from malloc). */
#define MS__HOOK_ENTER() int ms__rec_ = !ms__hook_busy
#define MS__HOOK_LEAVE() do { if (MS__UNLIKELY(ms__hook_sig_pending) && !ms__hook_busy) ms__hook_signal_now(ms__hook_sig_pending); } while (0)
#define MS__HOOK_FP() ((const uintptr_t *)__builtin_frame_address(0))

MS__NOINLINE void *malloc(size_t size) {
    MS__HOOK_ENTER();
    ms__hook_busy++;
    void *p = __libc_malloc(size);
    ms__hook_busy--;
    if (ms__rec_) ms__hook_alloc(p, size, MS__H_MALLOC, MS__HOOK_FP());
    MS__HOOK_LEAVE();
    return p;
}

MS__NOINLINE void free(void *p) {
    MS__HOOK_ENTER();
    if (ms__rec_) ms__hook_free(p);
    ms__hook_busy++;
    __libc_free(p);
    ms__hook_busy--;
    MS__HOOK_LEAVE();
}

MS__NOINLINE void *calloc(size_t n, size_t size) {
    MS__HOOK_ENTER();
    ms__hook_busy++;
    void *p = __libc_calloc(n, size);
    ms__hook_busy--;
    if (ms__rec_) ms__hook_alloc(p, n * size, MS__H_CALLOC, MS__HOOK_FP());
    MS__HOOK_LEAVE();
    return p;
}

static MS__NOINLINE void *ms__hook_realloc(void *old, size_t size, int fn, const uintptr_t *fp) {
    MS__HOOK_ENTER();
    /* the old block ends here whatever happens to it: a failed realloc leaves it live, so
       it is recorded again below */
    if (ms__rec_ && old) ms__hook_free(old);
    ms__hook_busy++;
    void *p = __libc_realloc(old, size);
    ms__hook_busy--;
    if (!p && size) ms__balloon_pop(); /* out of memory (ms__hook_alloc) */
    if (ms__rec_) {
        if (p) ms__hook_alloc(p, size, fn, fp);
        else if (old && size) ms__hook_alloc(old, malloc_usable_size(old), fn, fp); /* failed: still live */
    }
    MS__HOOK_LEAVE();
    return p;
}

MS__NOINLINE void *realloc(void *old, size_t size) {
    void *r = ms__hook_realloc(old, size, MS__H_REALLOC, MS__HOOK_FP());
    MS__NO_TAIL();
    return r;
}

MS__NOINLINE void *reallocarray(void *old, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) { errno = ENOMEM; return NULL; }
    void *r = ms__hook_realloc(old, n * size, MS__H_REALLOCARRAY, MS__HOOK_FP());
    MS__NO_TAIL();
    return r;
}

static MS__NOINLINE void *ms__hook_aligned(size_t align, size_t size, int fn, const uintptr_t *fp) {
    MS__HOOK_ENTER();
    ms__hook_busy++;
    void *p = fn == MS__H_VALLOC ? __libc_valloc(size) : fn == MS__H_PVALLOC ? __libc_pvalloc(size)
                                                                            : __libc_memalign(align, size);
    ms__hook_busy--;
    if (ms__rec_) ms__hook_alloc(p, size, fn, fp);
    MS__HOOK_LEAVE();
    return p;
}

MS__NOINLINE void *memalign(size_t align, size_t size) {
    void *r = ms__hook_aligned(align, size, MS__H_MEMALIGN, MS__HOOK_FP());
    MS__NO_TAIL();
    return r;
}
MS__NOINLINE void *aligned_alloc(size_t align, size_t size) {
    void *r = ms__hook_aligned(align, size, MS__H_ALIGNED_ALLOC, MS__HOOK_FP());
    MS__NO_TAIL();
    return r;
}
MS__NOINLINE void *valloc(size_t size) {
    void *r = ms__hook_aligned(0, size, MS__H_VALLOC, MS__HOOK_FP());
    MS__NO_TAIL();
    return r;
}
MS__NOINLINE void *pvalloc(size_t size) {
    void *r = ms__hook_aligned(0, size, MS__H_PVALLOC, MS__HOOK_FP());
    MS__NO_TAIL();
    return r;
}
MS__NOINLINE int posix_memalign(void **out, size_t align, size_t size) {
    if (!align || (align & (align - 1)) || align % sizeof(void *)) return EINVAL;
    void *p = ms__hook_aligned(align, size, MS__H_POSIX_MEMALIGN, MS__HOOK_FP());
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
/* glibc's own, found once: memscope adds no header to blocks, so it is exact */
size_t malloc_usable_size(void *p) {
    static size_t (*_Atomic real)(void *);
    size_t (*f)(void *) = atomic_load_explicit(&real, MS__ACQUIRE);
    if (!f) {
        ms__hook_busy++;
        void *sym = dlsym(RTLD_NEXT, "malloc_usable_size");
        ms__hook_busy--;
        memcpy(&f, &sym, sizeof f);
        if (!f || f == malloc_usable_size) return 0;
        atomic_store_explicit(&real, f, MS__RELEASE);
    }
    return f(p);
}

/* --- the end of a run: write the report once, at exit, from a fatal signal, or on demand --- */
static _Atomic int ms__hook_finished;

static void ms__hook_finish(void) {
    if (atomic_exchange(&ms__hook_finished, 1)) return;
    ms__hook_busy++;
    memscope_tracker *t = atomic_load(&ms__hook_t);
    atomic_store(&ms__hook_state, 3);
#ifdef MS__STREAM
    if (t && t->stream) {
        ms__stream_finish(t);
    } else
#endif
    if (t && ms__out_tmpl[0]) {
        char path[4096];
        const char *one[1] = {path};
        memscope_result r = ms__output_expand(ms__out_tmpl, ms__out_owner, path, sizeof path)
                                ? memscope_export_many(t, one, 1) : MEMSCOPE_ERR_INVALID_ARG;
        if (r != MEMSCOPE_OK)
            fprintf(stderr, "memscope: writing %s failed: %s\n", path,
                    r == MEMSCOPE_ERR_IO ? strerror(errno) : memscope_result_string(r));
    }
    atomic_store(&ms__hook_t, NULL); /* stop recording; the tracker stays (threads may still be inside a hook) */
    ms__hook_busy--;
}

/* SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE (a reader that went away: `prog | head -1`),
   SIGABRT, SIGUSR1, SIGUSR2, SIGALRM: write the report, then die of the signal as the program would
   have. A signal that arrives inside a hook (maybe inside glibc's malloc) is acted on when
   the hook returns, so the export never waits for a lock its own thread holds. */
static void ms__hook_signal_now(int sig) {
    ms__hook_sig_pending = 0;
    atomic_store(&ms__exit_how, 256u + (uint32_t)sig);
    ms__hook_finish();
    signal(sig, SIG_DFL);
    raise(sig);
}
static void ms__hook_on_signal(int sig) {
    if (ms__hook_busy) { ms__hook_sig_pending = sig; return; }
    ms__hook_signal_now(sig);
}

/* Called at the start of main's process (constructor): installs the signal handlers where
   the program left the default, and readies the unwinder outside any hook. */
__attribute__((constructor)) static void ms__hook_ctor(void) {
    ms__hook_busy++;
    on_exit(ms__on_exit_status, NULL); /* the status exit() was given (runs before the destructor writes) */
    if (ms__hook_tracker() && ms__out_tmpl[0]) {
        static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGABRT, SIGUSR1, SIGUSR2, SIGALRM};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
            void (*old)(int) = signal(sigs[i], ms__hook_on_signal); /* glibc: BSD semantics */
            if (old != SIG_DFL && old != SIG_ERR) signal(sigs[i], old); /* the program's own: keep it */
        }
    }
#ifndef MS__CFI
    if (ms__hook_unwind) {
        void *warm[4];
        backtrace(warm, 4); /* loads the unwinder now, not inside a hook */
        atomic_store(&ms__hook_unwinder_ready, 1);
    }
#endif
    int mon = ms__env_word(3, "MEMSCOPE_MONITOR", "0\0" "1\0", 0, "0 or 1") == 1;
    memscope_tracker *t = atomic_load(&ms__hook_t);
    if (t && atomic_load(&t->log_mode) == 1) {
        ms__hook_threads_start(1);
    }
    if (t && mon) memscope_with_system_monitoring(t);
    ms__hook_busy--;
}

/* The report is written as late as possible: after the atexit handlers, from the
   destructors, so frees made by the program's own exit code are seen. */
__attribute__((destructor)) static void ms__hook_dtor(void) { ms__hook_finish(); }

MEMSCOPE_DEF void memscope_hook_finish(void) { ms__hook_finish(); }

/* TRACK on the global tracker in this mode: the block is already recorded (by the hook that
   returned it); the TRACK gives it its variable's name: the live record, the per-site
   counts, and the allocation event when it is this thread's latest. 0: not recorded here
   (sampled out, or not from malloc): TRACK then records it as usual. */
static int ms__hook_name(memscope_tracker *t, uint64_t address, uint32_t site, size_t size, const uintptr_t *fp) {
    if (atomic_load_explicit(&t->log_mode, MS__RELAXED) != 0) { /* the resolver names or records it */
        if (!atomic_load_explicit(&t->names_hooked, MS__RELAXED)) atomic_store_explicit(&t->names_hooked, 1, MS__RELAXED);
        ms__hook_busy++;
        ms__thread *th = ms__thread_get(t);
        int done = 0;
        if (th) {
            if (size == MEMSCOPE_SIZE_UNKNOWN) size = malloc_usable_size((void *)(uintptr_t)address);
            uint32_t stack = 0;
#ifndef MEMSCOPE_NO_STACKS
            if (atomic_load_explicit(&t->capture_stacks, MS__RELAXED) && fp) stack = ms__capture_stack_id(t, th, fp);
#else
            (void)fp;
#endif
            done = ms__log_name(t, th, address, size, site, stack);
        }
        ms__hook_busy--;
        if (done) return 1;
    }
    (void)size;
    (void)fp;
    if (!ms__maybe_live(t, address)) return 0;
    ms__hook_busy++;
    ms__thread *th = ms__thread_get(t);
    ms__live old = {0, 0, 0, 0}, dummy = {0, 0, 0, 0};
    int ok = 0;
    if (th && ms__live_remove(t, address, &old, th)) {
        ms__live v = old;
        v.site = site;
        ms__live_upsert(t, address, &v, &dummy);
        ms__site_stat *a = ms__site_stat_get(th, old.site), *b = ms__site_stat_get(th, site);
        /* per-thread counters may go below zero here (mod 2^64); their sum stays exact */
        if (a) { MS__OWNER_ADD(&a->count, UINT64_MAX); MS__OWNER_ADD(&a->bytes, 0 - old.size); }
        if (b) { MS__OWNER_ADD(&b->count, 1); MS__OWNER_ADD(&b->bytes, old.size); }
        ms__event *e = th->last_alloc;
        if (e && e->address == address && !(e->size_kind & 1)) MS__PLAIN_STORE(&e->site, site, __ATOMIC_RELAXED);
        ok = 1;
    }
    ms__hook_busy--;
    return ok;
}
#else
MEMSCOPE_DEF void memscope_hook_finish(void) {} /* no hooks compiled in: nothing to write */
#endif /* MEMSCOPE_HOOK_MALLOC */

/* ---- TRACK trackers that auto-export to .msb: the stream ----
   memscope_with_auto_export(t, "x.msb") on a tracker in log mode (every TRACK kept) streams as
   the hooks do: a writer thread of the tracker's own runs a pass every 20 ms (resolve, write the
   events older than the frontier, unmap the chunks written), so no event bound applies and what
   was written survives a kill. The tracker's end (exit or memscope_destroy) stops the writer,
   writes the rest and the closing sections; its other auto-export paths are then written from
   the file. A forked child records from the fork on into NAME.PID.msb (MEMSCOPE_OUTPUT's rule
   for the global tracker). MEMSCOPE_STREAM=0 turns it off (the file is written at the end, with
   the event bound). */
#ifdef MS__STREAM
static void *ms__track_writer_main(void *arg) {
    memscope_tracker *t = (memscope_tracker *)arg;
#ifdef MEMSCOPE_HOOK_MALLOC
    ms__hook_busy++; /* for good: its own memory is not the program's */
#endif
    ms__writer_loop(t);
    return NULL;
}

static void ms__track_writer_start(memscope_tracker *t) {
    pthread_attr_t a;
    if (pthread_attr_init(&a) != 0) return;
    pthread_attr_setstacksize(&a, 256 * 1024); /* dladdr, the encoder */
    atomic_store(&t->wr_stop, 0);
    uint64_t old = ms__signals_block();
    if (pthread_create(&t->wr_thread, &a, ms__track_writer_main, t) == 0) {
        t->wr_thread_on = 1;
        atomic_store(&t->streaming, 1);
    }
    ms__signals_restore(old);
    pthread_attr_destroy(&a);
}

static void ms__track_stream_start(memscope_tracker *t) {
    if (!t || t->stream || t->loaded || !t->auto_export_path || atomic_load(&t->log_mode) != 1) return;
#ifdef MEMSCOPE_HOOK_MALLOC
    if (t == atomic_load(&ms__hook_t)) return; /* the hooks' tracker streams by its own rules */
#endif
    const char *fmt = memscope_export_format(t->auto_export_path);
    if (!fmt || strcmp(fmt, "msb") != 0 || strlen(t->auto_export_path) >= sizeof ((ms__stream *)0)->path) return;
    if (ms__env_word(9, "MEMSCOPE_STREAM", "0\0" "1\0", 1, "0 or 1") != 1) return;
    uint64_t max = atomic_load(&t->max_events);
    ms__ringev *ring;
    ms__stream *s = ms__stream_make(max != MEMSCOPE_DEFAULT_MAX_EVENTS ? max : UINT64_MAX, &ring); /* a cap set: on the file */
    if (!s) return;
    memcpy(s->path, t->auto_export_path, strlen(t->auto_export_path) + 1);
    s->fixed = 1;
    pthread_mutex_lock(&t->analysis_lock);
    t->ring.cap = MS__STREAM_SLICE;
    t->ring.ev = ring;
    t->rv.nofork = 1;
    t->stream = s;
    atomic_store(&t->max_events, UINT64_MAX);
    pthread_mutex_unlock(&t->analysis_lock);
    ms__track_writer_start(t);
}

/* The end: the writer stopped, the rest written; the other paths from the file. Returns 0 when
   t has no stream of its own (the caller exports as usual). */
static int ms__track_stream_end(memscope_tracker *t, const char *const *paths, unsigned n) {
    ms__stream *s = t->stream;
    if (!s || !s->fixed) return 0;
    if (t->wr_thread_on) {
        atomic_store(&t->wr_stop, 1);
        pthread_join(t->wr_thread, NULL);
        t->wr_thread_on = 0;
    }
    ms__stream_finish(t);
    const char *rest[8];
    unsigned k = 0;
    for (unsigned i = 0; i < n && k < 8; i++) if (strcmp(paths[i], s->path) != 0) rest[k++] = paths[i];
    if (!k) return 1;
    memscope_result lr = MEMSCOPE_ERR_IO;
    memscope_tracker *l = s->failed ? NULL : memscope_load(s->path, &lr);
    memscope_result res[8];
    int errs[8];
    if (l) ms__export_many(l, rest, k, res, errs);
    for (unsigned i = 0; i < k; i++) {
        if (l && res[i] == MEMSCOPE_OK) continue;
        if (!l) fprintf(stderr, "memscope: auto-export to %s failed: the streamed file %s could not be read back (%s)\n", rest[i], s->path,
                        s->failed ? "it was not written" : memscope_result_string(lr));
        else fprintf(stderr, "memscope: auto-export to %s failed: %s\n", rest[i],
                     res[i] == MEMSCOPE_ERR_IO ? strerror(errs[i]) : memscope_result_string(res[i]));
    }
    memscope_destroy(l);
    return 1;
}

/* A forked child: its own file (the global tracker's MEMSCOPE_OUTPUT name for the child, else
   NAME.PID.EXT), from the fork on, and its own writer. */
static void ms__track_stream_child(memscope_tracker *t) {
    ms__stream *s = t->stream;
    if (!s || !s->fixed) return;
    char path[sizeof s->path];
    if (t->auto_export_path && strcmp(t->auto_export_path, s->path) != 0 && strlen(t->auto_export_path) < sizeof path) {
        memcpy(path, t->auto_export_path, strlen(t->auto_export_path) + 1); /* renamed for the child already */
    } else {
        size_t len = strlen(s->path), ext = ms__export_suffix_len(s->path);
        snprintf(path, sizeof path, "%.*s.%ld%s", (int)(len - ext), s->path, (long)getpid(), s->path + len - ext);
    }
    t->wr_thread_on = 0;
    ms__stream_after_fork(t);
    if (!t->stream) return;
    memcpy(t->stream->path, path, strlen(path) + 1);
    /* the child's auto-exports are its own files: the parent's are left alone */
    char *copy = ms__strdup(path);
    if (copy) {
        if (t->auto_export_path != ms__global_env_path) MEMSCOPE_FREE(t->auto_export_path);
        else ms__global_env_path = copy;
        t->auto_export_path = copy;
    }
    for (unsigned i = 0; i < t->auto_also_n; i++) {
        char also[4200];
        size_t len = strlen(t->auto_also[i]), ext = ms__export_suffix_len(t->auto_also[i]);
        snprintf(also, sizeof also, "%.*s.%ld%s", (int)(len - ext), t->auto_also[i], (long)getpid(), t->auto_also[i] + len - ext);
        char *c = ms__strdup(also);
        if (c) { MEMSCOPE_FREE(t->auto_also[i]); t->auto_also[i] = c; }
    }
#ifndef MS__TSAN_BUILD /* (there the child's events wait for its end) */
    ms__track_writer_start(t);
#endif
}
/* A streaming TRACK tracker's cap on the events written (memscope_set_max_events); 0: no stream. */
static int ms__track_stream_cap(memscope_tracker *t, uint64_t max) {
    if (!t->stream || !t->stream->fixed) return 0;
    pthread_mutex_lock(&t->analysis_lock);
    t->stream->cap = max;
    pthread_mutex_unlock(&t->analysis_lock);
    return 1;
}

/* memscope_destroy: the stream's memory (its writer has stopped). */
static void ms__track_stream_free(memscope_tracker *t) {
    if (!t->stream || !t->stream->fixed) return;
    if (t->wr_thread_on) { /* (the end was not written: no auto-export path any more) */
        atomic_store(&t->wr_stop, 1);
        pthread_join(t->wr_thread, NULL);
        t->wr_thread_on = 0;
    }
    if (t->stream->out && t->stream->out->fd >= 0) close(t->stream->out->fd);
    ms__stream_free(t->stream);
    t->stream = NULL;
    MEMSCOPE_FREE(t->ring.ev);
    t->ring.ev = NULL;
    for (ms__chunk *c = t->wr_graveyard, *n; c; c = n) { n = atomic_load(&c->next); ms__chunk_unmap(c); }
    t->wr_graveyard = NULL;
}
#else
static int ms__track_stream_cap(memscope_tracker *t, uint64_t max) { (void)t; (void)max; return 0; }
static void ms__track_stream_free(memscope_tracker *t) { (void)t; }
static void ms__track_stream_start(memscope_tracker *t) { (void)t; }
static int ms__track_stream_end(memscope_tracker *t, const char *const *paths, unsigned n) { (void)t; (void)paths; (void)n; return 0; }
static void ms__track_stream_child(memscope_tracker *t) { (void)t; }
#endif

/* ==== >>dashboard ==== */

/* ---- the HTML dashboard ----
   The page is tools/dashboard/ (shell.html, style.css, app.js), embedded here by
   tools/embed_dashboard.py (make embed; make test fails when this copy is stale). The export
   writes page part 0, the events as base64 of packed little-endian records, part 1, the report
   as JSON (strings escape < > & too, so nothing in a name can end the script element), part 2. */
#if !defined(MEMSCOPE_NO_JSON) && !defined(MEMSCOPE_NO_HTML)
/* BEGIN GENERATED DASHBOARD */
/* tools/embed_dashboard.py wrote this block from tools/dashboard/: edit those files, then make embed */
static const char *const ms__dash_part0[] = {
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>memscope report</title>\n<style>\n/* memscope dashboard styles. Colours are CSS variables: app.js reads the same variables to\n   paint the canvases, so the charts follow the theme (light by default, dark with\n   prefers-color-scheme: dark). Thread colours --t0..--t11 are shared by the timeline, the\n   legend and the threads table. */\n:root {\n  color-scheme: light dark;\n  --bg: #f6f7f9;\n  --panel: #ffffff;\n  --fg: #1b1f24;\n  --muted: #57606a;\n  --border: #d0d7de;\n  --grid: #e6e9ed;\n  --axis: #6e7781;\n  --accent: #0a58ca;\n  --focus: #0a58ca;\n  --hover: #eef3fb;\n  --live: #0969da;\n  --live-fill: rgba(9, 105, 218, 0.12);\n  --rss: #bc4c00;\n  --peak: #cf222e;\n  --brush: rgba(9, 105, 218, 0.18);\n  --s2: #8250df;\n  --s3: #1a7f37;\n  --warn-bg: #fff8c5;\n  --warn-fg: #6b4a00;\n  --warn-border: #d4a72c;\n  --err-bg: #ffebe9;\n  --err-fg: #82071e;\n  --err-border: #ff8182;\n  --info-bg: #ddf4ff;\n  --info-fg: #0a3069;\n  --info-border: #54aeff;\n  --bar: rgba(9, 105, 218, 0.16);\n  --flame-text: #1b1f24;\n  /* thread lines: none is the blue of the total or the orange of RSS */\n  --t0: #8250df; --t1: #1a7f37; --t2: #cf222e; --t3: #0598bc; --t4: #bf3989; --t5: #7d8c00;\n  --t6: #6e7781; --t7: #4d2d9e; --t8: #953800; --t9: #116329; --t10: #a40e26; --t11: #3e4b5a;\n  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, \"Liberation Mono\", monospace;\n}\n@media (prefers-color-scheme: dark) {\n  :root {\n    --bg: #0d1117;\n    --panel: #161b22;\n    --fg: #e6edf3;\n    --muted: #9ea7b3;\n    --border: #30363d;\n    --grid: #262c34;\n    --axis: #8b949e;\n    --accent: #58a6ff;\n    --focus: #79c0ff;\n    --hover: #1f2a37;\n    --live: #58a6ff;\n    --live-fill: rgba(88, 166, 255, 0.16);\n",
    "    --rss: #ffa657;\n    --peak: #ff7b72;\n    --brush: rgba(88, 166, 255, 0.22);\n    --s2: #d2a8ff;\n    --s3: #56d364;\n    --warn-bg: #3b2e00;\n    --warn-fg: #f2cc60;\n    --warn-border: #9e6a03;\n    --err-bg: #3c1618;\n    --err-fg: #ffa198;\n    --err-border: #da3633;\n    --info-bg: #0c2d4f;\n    --info-fg: #a5d6ff;\n    --info-border: #1f6feb;\n    --bar: rgba(88, 166, 255, 0.22);\n    --flame-text: #0d1117;\n    --t0: #d2a8ff; --t1: #56d364; --t2: #ff7b72; --t3: #39c5cf; --t4: #f778ba; --t5: #c9d05c;\n    --t6: #b1bac4; --t7: #a371f7; --t8: #e3b341; --t9: #7ee787; --t10: #ffa198; --t11: #8b949e;\n  }\n}\n\n* { box-sizing: border-box; }\nhtml {\n  background: var(--bg); color: var(--fg);\n  font: 14px/1.45 system-ui, -apple-system, \"Segoe UI\", Roboto, \"Helvetica Neue\", Arial, sans-serif;\n}\nbody {\n  margin: 0 auto;\n  max-width: 1500px;\n  padding: 0 20px 32px;\n  background: var(--bg);\n  color: var(--fg);\n}\nh1 { font-size: 22px; margin: 0; font-weight: 650; }\nh2 { font-size: 16px; margin: 0; font-weight: 650; }\n.muted { color: var(--muted); }\n.sr-only {\n  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;\n  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;\n}\n.skip { position: absolute; left: -9999px; top: 0; }\n.skip:focus { left: 12px; top: 8px; z-index: 10; background: var(--panel); padding: 6px 10px; border: 2px solid var(--focus); }\n:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }\ncanvas:focus-visible { outline-offset: 0; }\n\n.top { padding: 18px 0 10px; }\n.top p { margin: 4px 0 0; }\n\n/* messages */\n.error, .banner {\n  border: 1px solid; border-radius: 6px; padding: 10px 14px; margin: 10px 0;\n  white-space: pre-wrap; overflow-wrap: anywhere;\n}\n.error { background: var(--err-bg); color: var(--err-fg); border-color: var(--err-border); font-weight: 600; }\n.banner.warn { background: var(--warn-bg); color: var(--warn-fg); border-color: var(--warn-border); }\n",
    ".banner.info { background: var(--info-bg); color: var(--info-fg); border-color: var(--info-border); }\n\n/* summary cards */\n.cards {\n  display: grid; gap: 10px; margin: 8px 0 16px;\n  grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));\n}\n.card {\n  background: var(--panel); border: 1px solid var(--border); border-radius: 8px;\n  padding: 10px 12px; min-height: 78px;\n}\n.card-label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.03em; }\n.card-value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; }\n.card-sub { font-size: 12px; color: var(--muted); }\n.card.warn { background: var(--warn-bg); border-color: var(--warn-border); }\n.card.warn .card-label, .card.warn .card-sub, .card.warn .card-value { color: var(--warn-fg); }\n.card.key { border-color: var(--accent); }\n\n/* panels */\n.panel {\n  background: var(--panel); border: 1px solid var(--border); border-radius: 8px;\n  padding: 14px 16px; margin: 0 0 16px;\n}\n.section-head { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; margin-bottom: 10px; }\n.section-head .search { margin-left: auto; }\n.hint { font-size: 12px; color: var(--muted); margin: 6px 0 0; }\n.status { font-size: 13px; margin: 6px 0 0; min-height: 1.45em; overflow-wrap: anywhere; }\n.foot { font-size: 12px; margin: 6px 0 0; }\n.window-label { font-variant-numeric: tabular-nums; }\n\n.btn {\n  font: inherit; font-size: 13px; color: var(--fg); background: var(--panel);\n  border: 1px solid var(--border); border-radius: 6px; padding: 3px 10px; cursor: pointer;\n}\n.btn:hover:not(:disabled) { background: var(--hover); }\n.btn:disabled { opacity: 0.5; cursor: default; }\n.search {\n  font: inherit; font-size: 13px; color: var(--fg); background: var(--bg);\n  border: 1px solid var(--border); border-radius: 6px; padding: 4px 8px; min-width: 260px;\n}\n\n/* legend: toggle buttons */\n.legend { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 8px; }\n.legend button {\n",
    "  font: inherit; font-size: 12px; color: var(--fg); background: transparent;\n  border: 1px solid var(--border); border-radius: 12px; padding: 2px 10px 2px 8px; cursor: pointer;\n  display: inline-flex; align-items: center; gap: 6px;\n}\n.legend button[aria-pressed=\"false\"] { opacity: 0.45; text-decoration: line-through; }\n.legend .note { font-size: 12px; color: var(--muted); align-self: center; }\n.swatch { display: inline-block; width: 12px; height: 4px; border-radius: 2px; vertical-align: middle; flex: none; }\n.swatch.box { height: 10px; width: 10px; }\n\n/* charts */\n.chart-wrap { position: relative; width: 100%; height: 320px; }\n.chart-wrap canvas { position: absolute; left: 0; top: 0; width: 100%; height: 100%; }\n#timeline { cursor: crosshair; }\n.overlay { pointer-events: none; }\n.multiples { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); }\n.mini { margin: 0; }\n.mini h3 { font-size: 13px; margin: 0 0 4px; font-weight: 600; }\n.mini .chart-wrap { height: 150px; }\n.mini-legend { font-size: 12px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 4px; }\n.mini-legend span { display: inline-flex; align-items: center; gap: 5px; }\n\n/* tables */\n.table-wrap { overflow-x: auto; }\ntable.grid { border-collapse: collapse; width: 100%; font-size: 13px; }\n.grid th, .grid td { padding: 4px 8px; border-bottom: 1px solid var(--grid); text-align: left; vertical-align: top; }\n.grid th { font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--border); white-space: nowrap; }\n.grid th.num, .grid td.num { text-align: right; font-variant-numeric: tabular-nums; }\n.grid td.num { white-space: nowrap; }\n.grid tbody tr:hover { background: var(--hover); }\n.grid td.text { overflow-wrap: anywhere; white-space: pre-wrap; max-width: 420px; }\n.grid td.mono { font-family: var(--mono); font-size: 12px; white-space: nowrap; }\n",
    ".empty-note { color: var(--muted); text-align: center; padding: 10px; margin: 0; border-bottom: 1px solid var(--grid); }\n.grid th button {\n  font: inherit; color: inherit; background: none; border: 0; padding: 0; cursor: pointer; text-align: inherit;\n}\n.grid th[aria-sort=\"ascending\"] button::after { content: \" \342\226\262\"; font-size: 10px; }\n.grid th[aria-sort=\"descending\"] button::after { content: \" \342\226\274\"; font-size: 10px; }\n.grid th[aria-sort=\"ascending\"], .grid th[aria-sort=\"descending\"] { color: var(--fg); }\n.share { position: relative; min-width: 110px; }\n.share .bar { position: absolute; left: 0; top: 3px; bottom: 3px; background: var(--bar); border-radius: 3px; }\n.share span { position: relative; }\n.null { color: var(--muted); font-style: italic; }\n/* fixed layout: stable columns from page to page, and cheap to lay out */\n#leaks { table-layout: fixed; min-width: 980px; }\n#leaks th:nth-child(1) { width: 140px; }\n#leaks th:nth-child(2) { width: 84px; }\n#leaks th:nth-child(6) { width: 170px; }\n#leaks th:nth-child(7) { width: 104px; }\n#leaks td { overflow: hidden; text-overflow: ellipsis; }\n#leaks-section .table-wrap { max-height: 75vh; overflow: auto; }\n#leaks thead th { position: sticky; top: 0; z-index: 1; background: var(--panel); }\n#leaks td.text { white-space: nowrap; }\n.pager { display: flex; align-items: center; gap: 10px; margin-top: 8px; font-size: 13px; }\n#leaks-page { font-variant-numeric: tabular-nums; }\n\n/* flame graph */\n#flamegraph { position: relative; width: 100%; }\n#flamegraph canvas { display: block; width: 100%; cursor: pointer; }\n#flamegraph[data-empty=\"true\"] { color: var(--muted); padding: 20px; border: 1px dashed var(--border); border-radius: 6px; text-align: center; }\n\n/* tooltip: one shared element, positioned by app.js */\n.tooltip {\n  position: fixed; z-index: 20; pointer-events: none; max-width: 460px;\n  background: var(--panel); color: var(--fg); border: 1px solid var(--border); border-radius: 6px;\n",
    "  box-shadow: 0 4px 14px rgba(0, 0, 0, 0.18); padding: 6px 9px; font-size: 12px;\n  white-space: pre-wrap; overflow-wrap: anywhere; font-variant-numeric: tabular-nums;\n}\n.tooltip .tt-row { display: flex; align-items: center; gap: 6px; }\n.tooltip .tt-title { font-weight: 600; margin-bottom: 2px; }\nfooter.foot { padding: 8px 0; }\n\n@media (max-width: 700px) {\n  body { padding: 0 10px 24px; }\n  .search { min-width: 0; width: 100%; }\n  .multiples { grid-template-columns: 1fr; }\n}\n@media (prefers-reduced-motion: reduce) { * { transition: none !important; } }\n\n/* segmented toggles (hotspots by where / by stack, leaks by stack / every allocation) */\n.seg { display: inline-flex; gap: 0; }\n.seg .seg-btn { border-radius: 0; margin-left: -1px; }\n.seg .seg-btn:first-child { border-radius: 6px 0 0 6px; margin-left: 0; }\n.seg .seg-btn:last-child { border-radius: 0 6px 6px 0; }\n.seg .seg-btn[aria-pressed=\"true\"] { background: var(--accent); border-color: var(--accent); color: var(--panel); }\n.pick { display: inline-flex; align-items: center; gap: 4px; color: var(--muted); font-size: 13px; }\n.pick select { font: inherit; color: var(--fg); background: var(--panel); border: 1px solid var(--border); border-radius: 6px; padding: 2px 4px; }\ntd.bad { color: var(--peak); }\ntd.stack-cell details summary { cursor: pointer; color: var(--accent); }\npre.stack { margin: 4px 0 0; font: 12px/1.4 var(--mono); white-space: pre; overflow-x: auto; max-width: 60vw; }\ndetails.suppressed { margin-top: 10px; border: 1px solid var(--border); border-radius: 6px; padding: 6px 10px; }\ndetails.suppressed > summary { cursor: pointer; color: var(--muted); }\n.seg[hidden] { display: none; }\n/* leak groups: a row lists its allocations when clicked; the flat list says which stack it shows */\n.grid tbody tr.pick-row { cursor: pointer; }\n.grid tbody tr.pick-row:focus-visible { outline: 2px solid var(--focus); outline-offset: -2px; }\n",
    ".grid tbody tr.picked { background: var(--hover); box-shadow: inset 3px 0 0 var(--accent); }\n.filter-bar {\n  display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin: 0 0 8px; padding: 6px 10px;\n  background: var(--info-bg); color: var(--info-fg); border: 1px solid var(--info-border); border-radius: 6px;\n  font-size: 13px; overflow-wrap: anywhere;\n}\n.filter-bar[hidden] { display: none; }\n</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#timeline-section\">Skip to the timeline</a>\n<header class=\"top\">\n  <h1>memscope <span class=\"muted\">memory report</span></h1>\n  <p id=\"summary-line\" class=\"muted\">Loading the report\342\200\246</p>\n</header>\n<div id=\"error\" class=\"error\" role=\"alert\" hidden></div>\n<main id=\"app\">\n  <div id=\"banners\"></div>\n\n  <section id=\"summary\" aria-labelledby=\"h-summary\">\n    <h2 id=\"h-summary\" class=\"sr-only\">Summary</h2>\n    <div id=\"cards\" class=\"cards\"></div>\n  </section>\n\n  <section id=\"timeline-section\" class=\"panel\" aria-labelledby=\"h-timeline\">\n    <div class=\"section-head\">\n      <h2 id=\"h-timeline\">Timeline</h2>\n      <span id=\"window-label\" class=\"window-label\" aria-live=\"polite\"></span>\n      <button type=\"button\" id=\"window-reset\" class=\"btn\" disabled>Reset zoom</button>\n    </div>\n    <div id=\"timeline-legend\" class=\"legend\" role=\"group\" aria-label=\"Timeline series: toggle to show or hide\"></div>\n    <div id=\"timeline-wrap\" class=\"chart-wrap\">\n      <canvas id=\"timeline\" tabindex=\"0\" role=\"img\" aria-describedby=\"timeline-help\"></canvas>\n      <canvas id=\"timeline-overlay\" class=\"overlay\" aria-hidden=\"true\"></canvas>\n    </div>\n    <p id=\"timeline-help\" class=\"hint\">Drag across the chart to zoom into a time window; the tables below then show the allocations made in it.\n      Keyboard (focus the chart): \342\206\220 \342\206\222 pan, + \342\210\222 zoom, Esc resets.</p>\n  </section>\n\n  <section id=\"system\" class=\"panel\" aria-labelledby=\"h-system\">\n    <div class=\"section-head\"><h2 id=\"h-system\">System</h2><span id=\"system-note\" class=\"muted\"></span></div>\n",
    "    <div id=\"system-charts\" class=\"multiples\"></div>\n  </section>\n\n  <section id=\"hotspots-section\" class=\"panel\" aria-labelledby=\"h-hotspots\">\n    <div class=\"section-head\">\n      <h2 id=\"h-hotspots\">Hotspots</h2>\n      <span id=\"hotspots-scope\" class=\"muted\"></span>\n      <div id=\"hotspots-by\" class=\"seg\" role=\"group\" aria-label=\"Group the rows\" hidden></div>\n      <input id=\"hotspots-filter\" class=\"search\" type=\"search\" placeholder=\"Filter by variable, type, location\" aria-label=\"Filter hotspots by variable, type or location\" autocomplete=\"off\">\n    </div>\n    <div class=\"table-wrap\"><table id=\"hotspots\" class=\"grid\"><caption class=\"sr-only\">Allocation hotspots by variable and location</caption></table></div>\n    <p id=\"hotspots-empty\" class=\"empty-note\" hidden></p>\n    <p id=\"hotspots-foot\" class=\"muted foot\"></p>\n  </section>\n\n  <section id=\"leaks-section\" class=\"panel\" aria-labelledby=\"h-leaks\">\n    <div class=\"section-head\">\n      <h2 id=\"h-leaks\">Live at exit</h2>\n      <span id=\"leaks-scope\" class=\"muted\"></span>\n      <div id=\"leaks-view\" class=\"seg\" role=\"group\" aria-label=\"Show the live allocations\" hidden></div>\n      <input id=\"leaks-search\" class=\"search\" type=\"search\" placeholder=\"Search address, variable, type, location, thread, stack\" aria-label=\"Search live allocations\" autocomplete=\"off\">\n    </div>\n    <div id=\"leak-groups-box\" hidden>\n      <div class=\"table-wrap\"><table id=\"leak-groups\" class=\"grid\" data-total=\"0\"><caption class=\"sr-only\">Live allocations grouped by call stack, largest first; activate a row to list its allocations</caption></table></div>\n      <p id=\"leak-groups-empty\" class=\"empty-note\" hidden></p>\n      <p id=\"leak-groups-foot\" class=\"muted foot\"></p>\n      <details id=\"leaks-suppressed\" class=\"suppressed\" hidden>\n        <summary id=\"leaks-suppressed-summary\"></summary>\n",
    "        <div class=\"table-wrap\"><table id=\"leak-groups-suppressed\" class=\"grid\"><caption class=\"sr-only\">Suppressed live allocations grouped by call stack</caption></table></div>\n      </details>\n    </div>\n    <div id=\"leaks-flat\">\n      <div id=\"leaks-stack-filter\" class=\"filter-bar\" role=\"status\" hidden>\n        <span id=\"leaks-stack-filter-text\"></span>\n        <button type=\"button\" id=\"leaks-stack-clear\" class=\"btn\">Clear filter \342\234\225</button>\n      </div>\n      <div class=\"table-wrap\"><table id=\"leaks\" class=\"grid\" data-total=\"0\"><caption class=\"sr-only\">Allocations still live when the report was written</caption></table></div>\n      <p id=\"leaks-empty\" class=\"empty-note\" hidden></p>\n      <div class=\"pager\" role=\"group\" aria-label=\"Pages of live allocations\">\n        <button type=\"button\" id=\"leaks-prev\" class=\"btn\" aria-label=\"Previous page\">\342\200\271 Prev</button>\n        <span id=\"leaks-page\" aria-live=\"polite\">page 1 of 1</span>\n        <button type=\"button\" id=\"leaks-next\" class=\"btn\" aria-label=\"Next page\">Next \342\200\272</button>\n      </div>\n    </div>\n  </section>\n\n  <section id=\"threads-section\" class=\"panel\" aria-labelledby=\"h-threads\">\n    <div class=\"section-head\"><h2 id=\"h-threads\">Threads</h2><span id=\"threads-note\" class=\"muted\"></span></div>\n    <div class=\"table-wrap\"><table id=\"threads\" class=\"grid\"><caption class=\"sr-only\">Per-thread allocation statistics</caption></table></div>\n    <p id=\"threads-empty\" class=\"empty-note\" hidden></p>\n  </section>\n\n  <section id=\"flame-section\" class=\"panel\" aria-labelledby=\"h-flame\">\n    <div class=\"section-head\">\n      <h2 id=\"h-flame\">Call stacks</h2>\n      <span id=\"flame-scope\" class=\"muted\"></span>\n      <label class=\"pick\">Cost <select id=\"flame-metric\" aria-label=\"What the graph measures\"></select></label>\n      <label class=\"pick\">View <select id=\"flame-direction\" aria-label=\"Top-down or bottom-up\">\n",
    "        <option value=\"top\">Top-down (callers first)</option><option value=\"bottom\">Bottom-up (allocating functions first)</option></select></label>\n      <button type=\"button\" id=\"flame-reset\" class=\"btn\" disabled>Zoom out</button>\n    </div>\n    <div id=\"flamegraph\"></div>\n    <p id=\"flame-status\" class=\"status\" aria-live=\"polite\"></p>\n    <p class=\"hint\">The cost of each call stack: top-down puts the outermost caller at the top; bottom-up puts the innermost frames\n      (the functions that allocate) at the top with their callers below. Frames the compiler inlined are marked [inlined] (green).\n      Click a frame to zoom into it, click the top row to zoom out.\n      Keyboard (focus the graph): \342\206\221 \342\206\223 \342\206\220 \342\206\222 move, Enter zooms, Esc zooms out.</p>\n  </section>\n</main>\n<footer class=\"foot muted\" id=\"footer\"></footer>\n<div id=\"tooltip\" class=\"tooltip\" hidden></div>\n<script type=\"text/plain\" id=\"memscope-events\">",
    NULL};
static const char *const ms__dash_part1[] = {
    "</script>\n<script type=\"application/json\" id=\"memscope-report\">",
    NULL};
static const char *const ms__dash_part2[] = {
    "</script>\n<script>\n/* memscope dashboard (tools/dashboard/app.js), inlined into the page by tools/embed_dashboard.py.\n\n   memscope_export_html writes two data blocks into the page:\n     #memscope-events  base64 of packed little-endian 36-byte records, in merged time order:\n                       f64 timestamp_ns, f64 size, f64 address, u32 site id,\n                       u32 thread (low 31 bits: OS thread id of the caller; bit 31: FREE), u32 stack id\n     #memscope-report  the JSON report (README \"JSON schema\"), with events = null and\n                       event_count / event_record_bytes added.\n   Nothing here touches the network, and data is only ever rendered through textContent,\n   attributes and canvas fillText (names may hold quotes, angle brackets, newlines, U+2028).\n\n   Contents:\n     1. errors and helpers (DOM, formatting, canvas, axes, binary search)\n     2. the model: report normalisation, event decoding, alloc/free pairing, live-bytes series\n     3. the time window shared by every section (window.memscopeSetWindow)\n     4. sections: header and cards, timeline, system charts, hotspots, live at exit, threads,\n        flame graph\n     5. boot: first render, window.memscopeReady, window.memscopeTimings */\n(function () {\n  \"use strict\";\n\n  /* ------------------------------------------------------------------ 1. errors, helpers */\n\n  var SCRIPT_START = performance.now();   // the HTML (data blocks included) is parsed by now\n\n  var TIMELINE_THREADS = 12;   // threads drawn as lines in the timeline (largest first)\n  var PAGE_ROWS = 100;         // rows per page of the live-at-exit table\n  var HOTSPOT_ROWS = 1000;     // hotspot rows built before \"show all\"\n  var FLAME_ROW = 18;          // flame graph row height, CSS px\n  var RECORD = 36;             // bytes per event record\n  var BIT = {\n    CPU: 1, MEMORY: 2, MEMORY_PERCENT: 4, THREADS: 8, DISK: 16, NETWORK: 32, GPU_USAGE: 64,\n",
    "    GPU_MEMORY: 128, SYSTEM_CPU: 256, CPU_COUNT: 512, PEAK_RSS: 1024, SYSTEM_MEMORY: 2048, PAGE_FAULTS: 4096\n  };\n\n  function $(id) { return document.getElementById(id); }\n\n  /* Every failure shows in the #error box and reaches the console. */\n  function showError(msg) {\n    var box = $(\"error\");\n    if (!box) return;\n    box.hidden = false;\n    box.textContent = (box.textContent \? box.textContent + \"\\n\" : \"\") + \"Dashboard error: \" + msg;\n  }\n  function fail(err) {\n    console.error(err);\n    var msg = err && err.message \? err.message : String(err);\n    window.memscopeError = msg;\n    showError(msg);\n  }\n  /* Wraps an event handler: an exception is reported instead of vanishing. */\n  function guard(fn) {\n    return function () {\n      try { return fn.apply(this, arguments); } catch (e) { fail(e); }\n    };\n  }\n  window.addEventListener(\"error\", function (e) { showError(e.message || String(e.error)); });\n  window.addEventListener(\"unhandledrejection\", function (e) {\n    var r = e.reason;\n    showError(r && r.message \? r.message : String(r));\n  });\n\n  function el(tag, cls, text) {\n    var e = document.createElement(tag);\n    if (cls) e.className = cls;\n    if (text !== undefined && text !== null) e.textContent = text;\n    return e;\n  }\n  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }\n  function swatch(cssColor, box) {\n    var s = el(\"span\", box \? \"swatch box\" : \"swatch\");\n    s.style.background = cssColor;\n    s.setAttribute(\"aria-hidden\", \"true\");\n    return s;\n  }\n\n  /* Control characters and line separators shown as escapes, so odd names stay on one line\n     and are unambiguous (the text itself is always set with textContent). */\n  var CTRL = /[\\u0000-\\u001f\\u007f\\u2028\\u2029]/;\n  var CTRL_ALL = /[\\u0000-\\u001f\\u007f\\u2028\\u2029]/g;\n  function visible(s) {\n    if (s === null || s === undefined) return \"\";\n    s = String(s);\n    if (!CTRL.test(s)) return s;\n    return s.replace(CTRL_ALL, function (c) {\n",
    "      if (c === \"\\n\") return \"\\\\n\";\n      if (c === \"\\t\") return \"\\\\t\";\n      if (c === \"\\r\") return \"\\\\r\";\n      return \"\\\\u\" + (\"000\" + c.charCodeAt(0).toString(16)).slice(-4);\n    });\n  }\n  function baseName(p) {\n    var i = Math.max(p.lastIndexOf(\"/\"), p.lastIndexOf(\"\\\\\"));\n    return i >= 0 \? p.slice(i + 1) : p;\n  }\n\n  /* --- number formatting: short human units on screen, exact values in title tooltips --- */\n  var NF = new Intl.NumberFormat(\"en-US\", { maximumFractionDigits: 20 });\n  var UNITS = [\"B\", \"KiB\", \"MiB\", \"GiB\", \"TiB\", \"PiB\"];\n  function isNum(x) { return typeof x === \"number\" && isFinite(x); }\n  function exact(n) { return isNum(n) \? NF.format(n) : String(n); }\n  function sig(x) {\n    var a = Math.abs(x);\n    return a >= 100 \? x.toFixed(0) : a >= 10 \? x.toFixed(1) : x.toFixed(2);\n  }\n  function fmtBytes(b) {\n    if (!isNum(b)) return \"\342\200\223\";\n    var a = Math.abs(b), i = 0;\n    while (a >= 1024 && i < UNITS.length - 1) { a /= 1024; i++; }\n    return (b < 0 \? \"-\" : \"\") + (i \? sig(a) : String(Math.round(a))) + \" \" + UNITS[i];\n  }\n  function fmtCount(n) {\n    if (!isNum(n)) return \"\342\200\223\";\n    var a = Math.abs(n);\n    if (a < 1000) return Number.isInteger(n) \? String(n) : sig(n);\n    if (a < 1e6) return sig(n / 1e3) + \"k\";\n    if (a < 1e9) return sig(n / 1e6) + \"M\";\n    return sig(n / 1e9) + \"G\";\n  }\n  function fmtPct(p) {\n    if (!isNum(p)) return \"\342\200\223\";\n    var a = Math.abs(p);\n    return (a >= 100 \? p.toFixed(0) : a >= 1 || a === 0 \? p.toFixed(1) : p.toPrecision(2)) + \"%\";\n  }\n  /* Decimals that show multiples of `step` exactly (at most 6). */\n  function stepDecimals(step) {\n    for (var d = 0; d < 6; d++) {\n      var x = step * Math.pow(10, d);\n      if (Math.abs(Math.round(x) - x) < 1e-6 * Math.max(1, x)) return d;\n    }\n    return 6;\n  }\n  function fmtPctAxis(v, step) { return v.toFixed(stepDecimals(step)) + \"%\"; }\n  function plural(n, one, many) { return exact(n) + \" \" + (n === 1 \? one : many || one + \"s\"); }\n",
    "  /* \"4.00 MiB\" -> \"4 MiB\", \"1.50 MiB\" -> \"1.5 MiB\" for axis labels (\"1000 KiB\" stays). */\n  function trimZeros(label) { return label.replace(/(\\.\\d*\?)0+(\?= )/, \"$1\").replace(/\\.(\?= )/, \"\"); }\n  function fmtBps(b) { return isNum(b) \? fmtBytes(b) + \"/s\" : \"\342\200\223\"; }\n  function fmtNs(ns) {\n    if (!isNum(ns)) return \"\342\200\223\";\n    var a = Math.abs(ns);\n    if (a < 1e3) return Math.round(ns) + \" ns\";\n    if (a < 1e6) return sig(ns / 1e3) + \" \302\265s\";\n    if (a < 1e9) return sig(ns / 1e6) + \" ms\";\n    if (a < 120e9) return sig(ns / 1e9) + \" s\";\n    var s = Math.round(ns / 1e9);\n    return Math.floor(s / 60) + \" min \" + (s % 60) + \" s\";\n  }\n  /* A time with a resolution of `step` ns (a tick step, or the time one pixel spans), in the\n     unit that suits a range of `span` ns (so every label of an axis shares one unit). */\n  function fmtTimeAt(ns, step, span) {\n    var m = Math.max(step, span || 0);\n    var u = m >= 1e9 \? 1e9 : m >= 1e6 \? 1e6 : m >= 1e3 \? 1e3 : 1;\n    var name = u === 1e9 \? \" s\" : u === 1e6 \? \" ms\" : u === 1e3 \? \" \302\265s\" : \" ns\";\n    return (ns / u).toFixed(stepDecimals(niceStep(step) / u)) + name;\n  }\n  function hex(addr) { return \"0x\" + addr.toString(16); }\n  function pad2(n) { return (n < 10 \? \"0\" : \"\") + n; }\n  function fmtDate(ms) {\n    var d = new Date(ms);\n    if (!isNum(ms) || isNaN(d.getTime())) return \"unknown time\";\n    return d.getFullYear() + \"-\" + pad2(d.getMonth() + 1) + \"-\" + pad2(d.getDate()) + \" \" +\n      pad2(d.getHours()) + \":\" + pad2(d.getMinutes()) + \":\" + pad2(d.getSeconds());\n  }\n\n  /* --- binary search over sorted numeric arrays (typed or plain) --- */\n  function lowerBound(a, lo, hi, x) {      // first index in [lo, hi) with a[i] >= x\n    while (lo < hi) { var m = (lo + hi) >>> 1; if (a[m] < x) lo = m + 1; else hi = m; }\n    return lo;\n  }\n  function upperBound(a, lo, hi, x) {      // first index in [lo, hi) with a[i] > x\n    while (lo < hi) { var m = (lo + hi) >>> 1; if (a[m] <= x) lo = m + 1; else hi = m; }\n    return lo;\n  }\n\n",
    "  /* --- theme colours, read from the CSS variables of style.css --- */\n  var colorCache = null;\n  function colors() {\n    if (colorCache) return colorCache;\n    var cs = getComputedStyle(document.documentElement), c = {};\n    [\"fg\", \"muted\", \"border\", \"grid\", \"axis\", \"live\", \"live-fill\", \"rss\", \"peak\", \"brush\", \"s2\", \"s3\",\n      \"focus\", \"panel\", \"bg\", \"flame-text\"].forEach(function (n) { c[n] = cs.getPropertyValue(\"--\" + n).trim() || \"#888\"; });\n    c.threads = [];\n    for (var i = 0; i < TIMELINE_THREADS; i++) c.threads.push(cs.getPropertyValue(\"--t\" + i).trim() || \"#888\");\n    c.font = cs.getPropertyValue(\"font-family\") || \"sans-serif\";\n    colorCache = c;\n    return c;\n  }\n\n  /* Sizes a canvas's backing store to its CSS box times devicePixelRatio; returns a context\n     that draws in CSS pixels. */\n  function setupCanvas(canvas, w, h) {\n    var dpr = window.devicePixelRatio || 1;\n    var bw = Math.max(1, Math.round(w * dpr)), bh = Math.max(1, Math.round(h * dpr));\n    if (canvas.width !== bw) canvas.width = bw;\n    if (canvas.height !== bh) canvas.height = bh;\n    var ctx = canvas.getContext(\"2d\");\n    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);\n    ctx.clearRect(0, 0, w, h);\n    return ctx;\n  }\n\n  /* --- axes: 1-2-5 steps (binary multiples for bytes) --- */\n  function niceStep(raw) {\n    if (!(raw > 0) || !isFinite(raw)) return 1;\n    var p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;\n    return (f <= 1 \? 1 : f <= 2 \? 2 : f <= 2.5 \? 2.5 : f <= 5 \? 5 : 10) * p;\n  }\n  function byteStep(raw) {\n    var u = 1;\n    while (raw >= 1024 * u && u < 1125899906842624) u *= 1024;\n    var s = niceStep(raw / u);\n    if (s >= 1000 && u < 1125899906842624) { u *= 1024; s = niceStep(raw / u); }   // 1 MiB, not 1000 KiB\n    return Math.max(1, s * u);\n  }\n  function niceAxis(max, n, bytes) {\n    if (!(max > 0) || !isFinite(max)) max = bytes \? 1000 : 1;\n    var step = bytes \? byteStep(max / n) : niceStep(max / n);\n",
    "    return { max: Math.ceil(max / step - 1e-9) * step, step: step };\n  }\n\n  /* Grid, y labels and time labels of a chart whose plot box is L = {l, r, t, b}. */\n  function drawFrame(ctx, L, v0, v1, left, leftFmt, right, rightFmt, rightColor, nTimeTicks) {\n    var C = colors();\n    ctx.font = \"11px \" + C.font;\n    ctx.lineWidth = 1;\n    ctx.strokeStyle = C.grid;\n    ctx.fillStyle = C.muted;\n    ctx.textBaseline = \"middle\";\n    var ph = L.b - L.t, i, y, v;\n    ctx.beginPath();\n    for (v = 0; v <= left.max + left.step * 1e-6; v += left.step) {\n      y = Math.round(L.b - v / left.max * ph) + 0.5;\n      ctx.moveTo(L.l, y); ctx.lineTo(L.r, y);\n    }\n    ctx.stroke();\n    ctx.textAlign = \"right\";\n    for (v = 0; v <= left.max + left.step * 1e-6; v += left.step) {\n      y = L.b - v / left.max * ph;\n      ctx.fillText(trimZeros(leftFmt(v, left.step)), L.l - 6, y);\n    }\n    if (right) {\n      ctx.textAlign = \"left\";\n      ctx.fillStyle = rightColor || C.muted;\n      for (v = 0; v <= right.max + right.step * 1e-6; v += right.step) {\n        y = L.b - v / right.max * ph;\n        ctx.fillText(trimZeros(rightFmt(v, right.step)), L.r + 6, y);\n      }\n    }\n    /* time axis */\n    var span = v1 - v0, step = niceStep(span / nTimeTicks);\n    ctx.fillStyle = C.muted;\n    ctx.textAlign = \"center\";\n    ctx.textBaseline = \"top\";\n    ctx.beginPath();\n    var first = Math.ceil(v0 / step) * step;\n    for (i = 0; ; i++) {\n      var t = first + i * step;\n      if (t > v1 + step * 1e-6 || i > 100) break;\n      var x = Math.round(L.l + (t - v0) / span * (L.r - L.l)) + 0.5;\n      ctx.moveTo(x, L.t); ctx.lineTo(x, L.b);\n      var lab = fmtTimeAt(t, step, span), half = ctx.measureText(lab).width / 2;\n      ctx.fillText(lab, Math.min(x, L.w - 2 - half), L.b + 5);     // keep the last label inside\n\n    }\n    ctx.strokeStyle = C.grid;\n    ctx.stroke();\n    ctx.strokeStyle = C.axis;\n    ctx.beginPath();\n    ctx.moveTo(L.l, L.b + 0.5); ctx.lineTo(L.r, L.b + 0.5);\n    ctx.stroke();\n  }\n\n",
    "  /* --- the shared tooltip: a list of [colour or null, text] rows under a title --- */\n  function showTooltip(clientX, clientY, title, rows) {\n    var tip = $(\"tooltip\");\n    clear(tip);\n    tip.appendChild(el(\"div\", \"tt-title\", title));\n    rows.forEach(function (r) {\n      var row = el(\"div\", \"tt-row\");\n      if (r[0]) row.appendChild(swatch(r[0], false));\n      row.appendChild(el(\"span\", null, r[1]));\n      tip.appendChild(row);\n    });\n    tip.hidden = false;\n    var w = tip.offsetWidth, h = tip.offsetHeight;\n    var x = clientX + 14, y = clientY + 14;\n    if (x + w > window.innerWidth - 4) x = Math.max(4, clientX - w - 14);\n    if (y + h > window.innerHeight - 4) y = Math.max(4, clientY - h - 14);\n    tip.style.left = x + \"px\";\n    tip.style.top = y + \"px\";\n  }\n  function hideTooltip() { $(\"tooltip\").hidden = true; }\n\n  /* --- sortable table heads: th[data-sort] with a button inside (keyboard), aria-sort --- */\n  function sortableHead(table, cols, state, onChange) {\n    var thead = el(\"thead\"), tr = el(\"tr\"), ths = [];\n    cols.forEach(function (c) {\n      var th = el(\"th\", c.num \? \"num\" : null);\n      th.scope = \"col\";\n      if (c.title) th.title = c.title;\n      if (c.key) {\n        th.setAttribute(\"data-sort\", c.key);\n        var b = el(\"button\", null, c.label);\n        b.type = \"button\";\n        th.appendChild(b);\n        th.addEventListener(\"click\", guard(function () {\n          if (state.key === c.key) state.dir = -state.dir;\n          else { state.key = c.key; state.dir = c.num \? -1 : 1; }\n          sync();\n          onChange();\n        }));\n        ths.push(th);\n      } else {\n        th.textContent = c.label;\n      }\n      tr.appendChild(th);\n    });\n    function sync() {\n      ths.forEach(function (th) {\n        var k = th.getAttribute(\"data-sort\");\n        th.setAttribute(\"aria-sort\", k === state.key \? (state.dir < 0 \? \"descending\" : \"ascending\") : \"none\");\n      });\n    }\n    sync();\n    thead.appendChild(tr);\n    table.appendChild(thead);\n",
    "    var tbody = el(\"tbody\");\n    table.appendChild(tbody);\n    return tbody;\n  }\n  /* A row of toggle buttons (aria-pressed), one value chosen: opts [[value, label, title]].\n     Returns a function that sets the value shown. */\n  function segmented(host, opts, value, onChange) {\n    host.hidden = false;\n    var bs = opts.map(function (o) {\n      var b = el(\"button\", \"btn seg-btn\", o[1]);\n      b.type = \"button\";\n      b.setAttribute(\"data-value\", o[0]);\n      if (o[2]) b.title = o[2];\n      b.addEventListener(\"click\", guard(function () {\n        if (value === o[0]) return;\n        value = o[0];\n        sync();\n        onChange(value);\n      }));\n      host.appendChild(b);\n      return b;\n    });\n    function sync() { bs.forEach(function (b) { b.setAttribute(\"aria-pressed\", String(b.getAttribute(\"data-value\") === value)); }); }\n    sync();\n    return function (v) { value = v; sync(); };   // sets the value shown (no onChange)\n  }\n  function td(text, cls, title) {\n    var c = el(\"td\", cls, text);\n    if (title) c.title = title;\n    return c;\n  }\n  /* The \"nothing to show\" line of a table is a paragraph after it (#ID-empty), so the table\n     holds data rows only. */\n  function emptyNote(id, text) {\n    var p = $(id + \"-empty\");\n    p.textContent = text;\n    p.hidden = !text;\n  }\n  var collator = new Intl.Collator(\"en\", { numeric: true, sensitivity: \"base\" });\n  /* Rank of each string of `list` in collation order (ties share a rank); null sorts last. */\n  function ranks(list) {\n    var order = list.map(function (s, i) { return i; });\n    order.sort(function (a, b) {\n      var x = list[a], y = list[b];\n      if (x === y) return 0;\n      if (x === null) return 1;\n      if (y === null) return -1;\n      return collator.compare(x, y);\n    });\n    var r = new Float64Array(list.length), k = 0;\n    for (var i = 0; i < order.length; i++) {\n      if (i && list[order[i]] !== list[order[i - 1]]) k++;\n      r[order[i]] = k;\n    }\n    return r;\n  }\n\n",
    "  /* ------------------------------------------------------------------ 2. the model */\n\n  var M = null;   // everything derived from the two data blocks\n\n  function readReport() {\n    var node = $(\"memscope-report\");\n    var text = node \? node.textContent.trim() : \"\";\n    if (text.charAt(0) !== \"{\")\n      throw new Error(\"this page holds no report: open a file written by memscope_export_html, not the template\");\n    var r = JSON.parse(text);\n    [\"hotspots\", \"system_snapshots\", \"threads\", \"sites\", \"stacks\", \"stack_hotspots\"].forEach(function (k) {\n      if (!Array.isArray(r[k])) r[k] = [];\n    });\n    return r;\n  }\n\n  function frameLabel(f) {\n    var s;\n    if (f && f[\"function\"]) s = String(f[\"function\"]);\n    else if (f && f.module) s = baseName(String(f.module)) + \"+0x\" + (Number(f.offset) || 0).toString(16);\n    else s = f && f.address \? String(f.address) : \"\?\";\n    return f && f.inlined \? s + \" [inlined]\" : s;\n  }\n  /* file:line of a frame (the file's base name), or null */\n  function frameLoc(f) {\n    return f && f.file \? baseName(String(f.file)) + (Number(f.line) > 0 \? \":\" + f.line : \"\") : null;\n  }\n  /* The allocation functions a whole-program run (memscope run) names its sites after. */\n  var ALLOC_FNS = /^(malloc|calloc|realloc|reallocarray|free|aligned_alloc|posix_memalign|memalign|valloc|pvalloc|strdup|strndup|operator new.*|operator delete.*|new|new\\[\\]|mmap|munmap)$/;\n  /* Whole-program mode: the report's context says so (context.mode); a report without one\n     (older files) when every site is an allocation function with no file (TRACK sites have\n     names, types and files). */\n  function wholeProgram(r) {\n    if (r.context && typeof r.context.mode === \"string\") return r.context.mode === \"whole-program\";\n    return r.sites.length > 0 && r.sites.every(function (s) {\n      return s.file == null && !s.type_name && ALLOC_FNS.test(String(s.var_name == null \? \"\" : s.var_name));\n    });\n  }\n\n  function buildModel(r) {\n    var m = { r: r, banners: [] };\n",
    "    /* sites by id; `key` groups them the way report.hotspots does (name, type, file:line) */\n    m.sites = [];\n    m.maxSite = 0;\n    r.sites.forEach(function (s) {\n      var id = Number(s.id) >>> 0;\n      var name = s.var_name == null \? \"\" : String(s.var_name);\n      var type = s.type_name == null \? \"\" : String(s.type_name);\n      var loc = s.file == null \? null : String(s.file) + \":\" + s.line;\n      m.sites[id] = { id: id, name: name, type: type, loc: loc,\n        key: name + \"\\u0000\" + type + \"\\u0000\" + (loc === null \? \"\\u0001\" : loc),\n        text: (name + \"\\n\" + type + \"\\n\" + (loc || \"\")).toLowerCase() };\n      if (id > m.maxSite) m.maxSite = id;\n    });\n    /* stacks by id: labels innermost first, the first named frame, the text for tooltips */\n    m.stacks = [];\n    m.maxStack = 0;\n    r.stacks.forEach(function (s) {\n      var id = Number(s.id) >>> 0, frames = Array.isArray(s.frames) \? s.frames : [];\n      var labels = frames.map(frameLabel), first = null;\n      for (var i = 0; i < frames.length && first === null; i++) if (frames[i] && frames[i][\"function\"]) first = labels[i];\n      if (first === null) first = labels.length \? labels[0] : \"\?\";\n      var w = s.where === null || s.where === undefined \? -1 : Number(s.where);\n      if (!(w >= 0 && w < frames.length)) w = -1;\n      var wf = w >= 0 \? frames[w] : null;\n      m.stacks[id] = {\n        id: id, frames: frames, labels: labels, first: first,\n        /* where the user's code allocated: the first frame outside the allocator and runtime */\n        where: w, whereName: wf \? labels[w] : \"(inside the runtime)\", whereLoc: wf \? frameLoc(wf) : null,\n        whereKey: wf \? labels[w] + \"\\u0000\" + (wf.file \? String(wf.file) + \":\" + wf.line : wf.module + \"+\" + wf.offset) : \"\\u0001\",\n        costs: isNum(s.allocated_bytes) \? {\n          bytes: Number(s.allocated_bytes) || 0, count: Number(s.allocations) || 0,\n          leaked: Number(s.leaked_bytes) || 0, leakedCount: Number(s.leaked_count) || 0,\n",
    "          peak: Number(s.peak_bytes) || 0, temporary: Number(s.temporary) || 0,\n          firstLeak: Number(s.first_leak_ns) || 0, lastLeak: Number(s.last_leak_ns) || 0 } : null,\n        suppressed: s.suppressed \? String(s.suppressed) : null,\n        text: frames.map(function (f, i) {\n          return visible(labels[i]) + (f && f[\"function\"] && f.module \? \"  (\" + baseName(String(f.module)) + \")\" : \"\");\n        }).join(\"\\n\")\n      };\n      if (id > m.maxStack) m.maxStack = id;\n    });\n    m.whole = wholeProgram(r);\n    m.hasCosts = r.stacks.some(function (s) { return isNum(s.allocated_bytes); });\n    /* threads of the report, then any thread id seen only in events */\n    m.threads = r.threads.map(function (t, i) {\n      return { index: i, id: t.thread_id, name: t.thread_name == null \? \"\" : String(t.thread_name), stats: t, color: -1 };\n    });\n    m.tidIndex = new Map();\n    m.threads.forEach(function (t) { m.tidIndex.set(t.id, t.index); });\n    /* snapshots on the events' clock */\n    var snaps = r.system_snapshots;\n    m.snapT = new Float64Array(snaps.length);\n    m.snapBits = 0;\n    for (var i = 0; i < snaps.length; i++) {\n      m.snapT[i] = Number(snaps[i].elapsed_ns) || 0;\n      m.snapBits |= snaps[i].available | 0;\n    }\n    var rssT = [], rssV = [];\n    snaps.forEach(function (s, i) {\n      if (s.available & BIT.MEMORY) { rssT.push(m.snapT[i]); rssV.push(Number(s.memory_usage_bytes) || 0); }\n    });\n    m.rssT = Float64Array.from(rssT);\n    m.rssV = Float64Array.from(rssV);\n    return m;\n  }\n\n  /* what the live bytes are: TRACKed blocks, or the whole heap of a `memscope run` */\n  function tw() { return M && M.whole \? \"heap\" : \"tracked\"; }\n\n  function threadIndex(m, tid) {\n    var k = m.tidIndex.get(tid);\n    if (k === undefined) {\n      k = m.threads.length;\n      m.threads.push({ index: k, id: tid, name: \"\", stats: null, color: -1 });\n      m.tidIndex.set(tid, k);\n    }\n    return k;\n  }\n  function threadLabel(th) {\n",
    "    return th.name \? visible(th.name) + \" (\" + th.id + \")\" : \"thread \" + th.id;\n  }\n\n  /* base64 -> bytes: the native decoder where the browser has it, else atob. */\n  function base64Bytes(text) {\n    if (typeof Uint8Array.fromBase64 === \"function\") return Uint8Array.fromBase64(text);\n    var bin = atob(text), n = bin.length, out = new Uint8Array(n);\n    for (var i = 0; i < n; i++) out[i] = bin.charCodeAt(i);\n    return out;\n  }\n\n  /* Decodes the events into columns and derives, in two passes:\n     - live[i]: live tracked bytes after event i (cumulative sum, allocations minus frees);\n     - pair[i]: the matching free of an allocation / allocation of a free (by address: the\n       latest earlier allocation at that address), -1 when there is none;\n     - owner[i]: the thread an event is charged to (a free: the allocating thread; -1: none);\n     - per-thread series (CSR): live bytes of each allocating thread after each event that\n       changed it;\n     - leaks: allocations never freed, in time order. */\n  function decodeEvents(m) {\n    var rb = m.r.event_record_bytes;\n    if (rb !== undefined && rb !== null && Number(rb) !== RECORD)\n      throw new Error(\"this dashboard reads \" + RECORD + \"-byte event records; the report declares event_record_bytes = \" + rb);\n    var node = $(\"memscope-events\");\n    var text = node \? node.textContent : \"\";\n    if (text.indexOf(\"MEMSCOPE:\") >= 0) text = \"\";\n    var bytes = base64Bytes(text);\n    var n = Math.floor(bytes.length / RECORD);\n    var declared = Number(m.r.event_count);\n    if (bytes.length % RECORD || (isNum(declared) && declared !== n))\n      m.banners.push([\"warn\", \"The events block holds \" + exact(n) + \" whole records but the report declares \" +\n        exact(declared) + \" (event_count): the page may be truncated.\"]);\n    var t = new Float64Array(n), size = new Float64Array(n), addr = new Float64Array(n);\n    var site = new Uint32Array(n), stack = new Uint32Array(n), thr = new Uint32Array(n);\n",
    "    var isFree = new Uint8Array(n);\n    var nAlloc = 0, i, j, k;\n    var littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;\n    var lastTid = -1, lastIdx = 0, raw;\n    if (littleEndian && bytes.byteOffset % 4 === 0) {\n      /* copy 32-bit words: the f64 fields of a record are not 8-byte aligned */\n      var w = new Uint32Array(bytes.buffer, bytes.byteOffset, n * 9);\n      var tw = new Uint32Array(t.buffer), sw = new Uint32Array(size.buffer), aw = new Uint32Array(addr.buffer);\n      for (i = 0, j = 0, k = 0; i < n; i++, j += 9, k += 2) {\n        tw[k] = w[j]; tw[k + 1] = w[j + 1];\n        sw[k] = w[j + 2]; sw[k + 1] = w[j + 3];\n        aw[k] = w[j + 4]; aw[k + 1] = w[j + 5];\n        site[i] = w[j + 6];\n        raw = w[j + 7];\n        stack[i] = w[j + 8];\n        if (raw & 0x80000000) isFree[i] = 1; else nAlloc++;\n        raw &= 0x7fffffff;\n        if (raw !== lastTid) { lastTid = raw; lastIdx = threadIndex(m, raw); }\n        thr[i] = lastIdx;\n      }\n    } else {\n      var dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);\n      for (i = 0, j = 0; i < n; i++, j += RECORD) {\n        t[i] = dv.getFloat64(j, true);\n        size[i] = dv.getFloat64(j + 8, true);\n        addr[i] = dv.getFloat64(j + 16, true);\n        site[i] = dv.getUint32(j + 24, true);\n        raw = dv.getUint32(j + 28, true);\n        stack[i] = dv.getUint32(j + 32, true);\n        if (raw & 0x80000000) isFree[i] = 1; else nAlloc++;\n        raw &= 0x7fffffff;\n        if (raw !== lastTid) { lastTid = raw; lastIdx = threadIndex(m, raw); }\n        thr[i] = lastIdx;\n      }\n    }\n\n    /* pass 1: live bytes and pairing, through an open-addressing table address -> allocation\n       (linear probing, backward-shift deletion: no tombstones) */\n    var bits = 10;\n    while ((1 << bits) < nAlloc * 2 && bits < 30) bits++;\n    var cap = 1 << bits, mask = cap - 1, shift = 32 - bits;\n    var hk = new Float64Array(cap), hv = new Int32Array(cap).fill(-1);\n",
    "    var live = new Float64Array(n), pair = new Int32Array(n).fill(-1), owner = new Int32Array(n);\n    var nThreads = m.threads.length, perThread = new Uint32Array(nThreads + 1);\n    var cur = 0, peak = 0, peakIdx = -1, a, h, lo, hi, e, g, home;\n    var temp = new Uint8Array(n), lastA = -1;   // temp[i]: freed before any other allocation\n    for (i = 0; i < n; i++) {\n      a = addr[i];\n      lo = a >>> 0; hi = (a / 4294967296) >>> 0;\n      h = Math.imul((lo >>> 4) ^ (lo << 28) ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> shift;\n      while (hv[h] >= 0 && hk[h] !== a) h = (h + 1) & mask;\n      if (!isFree[i]) {\n        cur += size[i];\n        lastA = i;\n        hk[h] = a; hv[h] = i;\n        owner[i] = thr[i];\n        perThread[thr[i]]++;\n      } else {\n        cur -= size[i];\n        e = hv[h];\n        if (e >= 0) {\n          pair[i] = e; pair[e] = i;\n          if (lastA === e) temp[e] = 1;\n          owner[i] = owner[e];\n          perThread[owner[e]]++;\n          /* backward-shift delete of slot h */\n          g = h;\n          for (;;) {\n            g = (g + 1) & mask;\n            if (hv[g] < 0) break;\n            lo = hk[g] >>> 0; hi = (hk[g] / 4294967296) >>> 0;\n            home = Math.imul((lo >>> 4) ^ (lo << 28) ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1) >>> shift;\n            if ((g > h && (home <= h || home > g)) || (g < h && home <= h && home > g)) {\n              hk[h] = hk[g]; hv[h] = hv[g]; h = g;\n            }\n          }\n          hv[h] = -1;\n        } else {\n          owner[i] = -1;     // a free whose allocation was not retained\n        }\n      }\n      live[i] = cur;\n      if (cur > peak) { peak = cur; peakIdx = i; }\n    }\n\n    /* pass 2: per-thread series (CSR layout) and the leak list */\n    var off = new Uint32Array(nThreads + 1);\n    for (k = 0; k < nThreads; k++) off[k + 1] = off[k] + perThread[k];\n    var sT = new Float64Array(off[nThreads]), sV = new Float64Array(off[nThreads]);\n",
    "    var fill = off.slice(0, nThreads), tv = new Float64Array(nThreads), nLeaks = 0;\n    for (i = 0; i < n; i++) {\n      k = owner[i];\n      if (k < 0) continue;\n      tv[k] += isFree[i] \? -size[i] : size[i];\n      j = fill[k]++;\n      sT[j] = t[i];\n      sV[j] = tv[k];\n      if (!isFree[i] && pair[i] < 0) nLeaks++;\n    }\n    var leaks = new Uint32Array(nLeaks);\n    for (i = 0, j = 0; i < n; i++) if (!isFree[i] && pair[i] < 0) leaks[j++] = i;\n\n    m.n = n; m.t = t; m.size = size; m.addr = addr; m.site = site; m.stack = stack; m.thr = thr;\n    m.isFree = isFree; m.temp = temp; m.live = live; m.pair = pair; m.nAlloc = nAlloc; m.leaks = leaks;\n    m.peak = peak; m.peakIdx = peakIdx;\n    m.series = [];\n    for (k = 0; k < nThreads; k++)\n      m.series.push({ T: sT.subarray(off[k], off[k + 1]), V: sV.subarray(off[k], off[k + 1]) });\n    var last = n \? t[n - 1] : 0;\n    if (m.snapT.length) last = Math.max(last, m.snapT[m.snapT.length - 1]);\n    m.tlT = t; m.tlV = live; m.tlN = n; m.peakT = peakIdx >= 0 \? t[peakIdx] : null;\n    m.binned = binnedTimeline(m);\n    if (m.binned) last = Math.max(last, m.binned.lastNs);\n    m.tEnd = Math.max(last, (Number(m.r.duration_sec) || 0) * 1e9, 1);\n  }\n\n  /* A binned page (a run of more events than a page holds): report.timeline holds, per bin of\n     bin_ns, the minimum, the maximum and the end value of the live bytes (the total and the\n     largest allocating threads), and the event records are the allocations live at the end.\n     Each bin becomes three points of a step series at its middle (minimum, maximum, end value),\n     so the pixel columns of the timeline get the bins' exact envelope. */\n  function binnedTimeline(m) {\n    var tl = m.r.timeline;\n    if (!tl || typeof tl !== \"object\") return null;\n    var nb = Number(tl.bins) >>> 0, w = Number(tl.bin_ns) || 1;\n    function arr(o, k) {\n      var a = o && o[k];\n",
    "      if (!Array.isArray(a) || a.length !== nb) throw new Error(\"report.timeline.\" + k + \" should be an array of \" + nb + \" numbers\");\n      return a;\n    }\n    function series(o) {\n      var mn = arr(o, \"live_min\"), mx = arr(o, \"live_max\"), la = arr(o, \"live_last\");\n      var T = new Float64Array(3 * nb), Vv = new Float64Array(3 * nb);\n      for (var i = 0, j = 0; i < nb; i++, j += 3) {\n        T[j] = T[j + 1] = T[j + 2] = (i + 0.5) * w;\n        Vv[j] = Number(mn[i]); Vv[j + 1] = Number(mx[i]); Vv[j + 2] = Number(la[i]);\n      }\n      return { T: T, V: Vv };\n    }\n    var total = series(tl), counts = { a: arr(tl, \"allocations\"), f: arr(tl, \"frees\") };\n    var peak = 0, peakT = null;\n    for (var i = 0; i < nb; i++) {\n      var v = Number(tl.live_max[i]);\n      if (v > peak) { peak = v; peakT = (i + 0.5) * w; }\n    }\n    m.tlT = total.T; m.tlV = total.V; m.tlN = total.T.length;\n    m.peak = peak; m.peakT = peakT; m.peakIdx = -1;\n    /* the threads' lines: the threads the writer binned, and no others */\n    m.series = [];\n    (Array.isArray(tl.threads) \? tl.threads : []).forEach(function (th) {\n      var k = threadIndex(m, Number(th.thread_id) >>> 0);\n      m.series[k] = series(th);\n    });\n    for (var k = 0; k < m.threads.length; k++) if (!m.series[k]) m.series[k] = { T: new Float64Array(0), V: new Float64Array(0) };\n    return { bins: nb, binNs: w, events: Number(tl.events) || 0, lastNs: Number(tl.last_event_ns) || 0, counts: counts,\n      complete: tl.records_complete !== false,\n      pageMax: Number(tl.page_events_max) || 0 };\n  }\n\n  /* Whether the window selects events for the per-site and per-stack tables: not on a binned\n     page, whose records are only the allocations live at the end. */\n  function eventWin() { return V.win && !M.binned; }\n\n  /* Threads drawn in the timeline: the largest allocators that have events, each with a\n     colour index shared with the legend and the threads table. */\n  function pickThreads(m) {\n",
    "    var cand = m.threads.filter(function (th) { return m.series[th.index] && m.series[th.index].T.length; });\n    cand.sort(function (a, b) {\n      var x = a.stats \? Number(a.stats.allocated_bytes) || 0 : 0, y = b.stats \? Number(b.stats.allocated_bytes) || 0 : 0;\n      return y - x || a.index - b.index;\n    });\n    m.drawn = cand.slice(0, TIMELINE_THREADS).map(function (th, i) { th.color = i; return th.index; });\n    m.undrawn = cand.length - m.drawn.length;\n  }\n  function threadColor(th) { return th.color >= 0 \? \"var(--t\" + th.color + \")\" : null; }\n\n  /* ------------------------------------------------------------------ 3. the time window */\n\n  var V = { win: null, agg: null };   // win: {t0, t1} in ns, or null for the whole run\n\n  /* The time range drawn: the window clipped to the run, or the whole run. */\n  function viewRange() {\n    if (!V.win) return [0, M.tEnd];\n    var a = Math.max(V.win.t0, 0), b = Math.min(V.win.t1, M.tEnd);\n    if (!(b > a)) { a = V.win.t0; b = Math.max(V.win.t1, a + 1); }\n    return [a, b];\n  }\n  /* Event index range [lo, hi) of the window. */\n  function eventRange() {\n    if (!V.win) return [0, M.n];\n    return [lowerBound(M.t, 0, M.n, V.win.t0), upperBound(M.t, 0, M.n, V.win.t1)];\n  }\n  /* Bytes and counts per site and per stack of the allocations made in the window. */\n  function windowAgg() {\n    if (V.agg) return V.agg;\n    var r = eventRange(), ns = M.maxSite + 1, nk = M.maxStack + 1;\n    var sb = new Float64Array(ns), sc = new Float64Array(ns), kb = new Float64Array(nk), kc = new Float64Array(nk);\n    /* per stack: leaked (live at the last event), live at the peak, temporary */\n    var kl = new Float64Array(nk), kn = new Float64Array(nk), kp = new Float64Array(nk), kt = new Float64Array(nk);\n    var other = new Map();   // site ids missing from report.sites\n    var P = M.pair, pk = M.peakIdx;\n    for (var i = r[0]; i < r[1]; i++) {\n      if (M.isFree[i]) continue;\n      var s = M.site[i], b = M.size[i], k = M.stack[i];\n",
    "      if (s < ns) { sb[s] += b; sc[s]++; }\n      else { var o = other.get(s) || { b: 0, c: 0 }; o.b += b; o.c++; other.set(s, o); }\n      if (k && k < nk) {\n        kb[k] += b; kc[k]++;\n        if (P[i] < 0) { kl[k] += b; kn[k]++; }\n        if (i <= pk && (P[i] < 0 || P[i] > pk)) kp[k] += b;\n        if (M.temp[i]) kt[k]++;\n      }\n    }\n    V.agg = { siteBytes: sb, siteCount: sc, stackBytes: kb, stackCount: kc, other: other,\n      stackLeaked: kl, stackLeakedCount: kn, stackPeak: kp, stackTemp: kt };\n    return V.agg;\n  }\n\n  /* Costs per stack of the scope: the report's per-stack costs for the whole run (exact, also\n     with dropped events or a page of the first events only), else the window's events.\n     Each {stack, bytes, count, leaked, leakedCount, peak, temporary}; leaked, peak and\n     temporary are null where neither source has them (an older report, whole run). */\n  function stackCosts() {\n    var out = [], i;\n    if (!eventWin()) {\n      if (M.hasCosts) {\n        M.stacks.forEach(function (st) {\n          var c = st && st.costs;\n          if (c && (c.count || c.leakedCount)) out.push({ stack: st.id, bytes: c.bytes, count: c.count, leaked: c.leaked,\n            leakedCount: c.leakedCount, peak: c.peak, temporary: c.temporary, firstLeak: c.firstLeak, lastLeak: c.lastLeak });\n        });\n      } else {\n        M.r.stack_hotspots.forEach(function (h) {\n          out.push({ stack: Number(h.stack) >>> 0, bytes: Number(h.total_size) || 0, count: Number(h.allocation_count) || 0,\n            leaked: null, leakedCount: null, peak: null, temporary: null });\n        });\n      }\n      return out;\n    }\n    var a = windowAgg();\n    for (i = 1; i < a.stackCount.length; i++) {\n      if (a.stackCount[i]) out.push({ stack: i, bytes: a.stackBytes[i], count: a.stackCount[i], leaked: a.stackLeaked[i],\n        leakedCount: a.stackLeakedCount[i], peak: a.stackPeak[i], temporary: a.stackTemp[i] });\n    }\n    return out;\n  }\n\n  function setWindow(t0, t1) {\n",
    "    if (t0 === null || t0 === undefined || t1 === null || t1 === undefined) {\n      V.win = null;\n    } else {\n      t0 = Number(t0); t1 = Number(t1);\n      if (!isFinite(t0) || !isFinite(t1)) throw new Error(\"memscopeSetWindow: times must be finite numbers of ns\");\n      if (t1 < t0) { var x = t0; t0 = t1; t1 = x; }\n      V.win = { t0: t0, t1: t1 };\n    }\n    V.agg = null;\n    refreshWindow();\n  }\n  window.memscopeSetWindow = function (t0, t1) {\n    try { setWindow(t0, t1); } catch (e) { fail(e); }\n  };\n\n  /* Redraws everything that depends on the window. */\n  function refreshWindow() {\n    updateWindowLabel();\n    drawTimeline();\n    SYS.charts.forEach(drawMini);\n    renderHotspots();\n    LK.page = 0;\n    computeLeakRows();\n    renderLeaks();\n    renderLeakGroups();\n    buildFlame();\n    drawFlame();\n  }\n\n  function updateWindowLabel() {\n    var label = $(\"window-label\"), r = eventRange(), vr = viewRange();\n    var nev = exact(r[1] - r[0]) + \" events\";\n    if (M.binned) nev = binnedEvents(vr[0], vr[1]);\n    if (!V.win) {\n      label.textContent = \"Whole run: 0 \342\200\223 \" + fmtNs(M.tEnd) + \" \302\267 \" + nev + (pageCut() \? \" (the first of the run's \" + exact(Number(M.r.events_total)) + \")\" : \"\");\n    } else {\n      var step = (vr[1] - vr[0]) / 1000;\n      label.textContent = \"Window: \" + fmtTimeAt(V.win.t0, step, M.tEnd) + \" \342\200\223 \" + fmtTimeAt(V.win.t1, step, M.tEnd) +\n        \" (\" + fmtNs(V.win.t1 - V.win.t0) + \") \302\267 \" + nev;\n    }\n    $(\"window-reset\").disabled = !V.win;\n    var scope = V.win \? \"allocations made in the window\" : \"whole run\";\n    $(\"hotspots-scope\").textContent = eventWin() || !V.win \? scope : \"whole run (this page has no events to select by time)\";\n    $(\"leaks-scope\").textContent = scope;\n    $(\"flame-scope\").textContent = eventWin() || !V.win \? scope : \"whole run (this page has no events to select by time)\";\n  }\n\n  /* ------------------------------------------------------------------ 4a. header, cards */\n\n  function buildHeader() {\n",
    "    var r = M.r, parts = [];\n    parts.push(r.generator \? String(r.generator) : \"memscope\");\n    parts.push(\"started \" + fmtDate(Number(r.start_time_unix_ms)));\n    parts.push(\"ran \" + fmtNs((Number(r.duration_sec) || 0) * 1e9));\n    var s = r.sampling || {};\n    var rate = isNum(r.sample_rate) \? r.sample_rate : s.sample_rate;\n    parts.push(\"sample rate \" + (isNum(rate) \? fmtPct(rate * 100) : \"unknown\") +\n      (s.capture_call_stack \? \" with call stacks (depth \" + s.max_stack_depth + \")\" : \", no call stacks\"));\n    parts.push(exact(M.binned \? M.binned.events : M.n) + \" events\");\n    var line = $(\"summary-line\");\n    line.textContent = visible(parts.join(\" \302\267 \"));\n    if (!isNaN(new Date(Number(r.start_time_unix_ms)).getTime()))\n      line.title = \"start \" + new Date(Number(r.start_time_unix_ms)).toISOString() + \" (\" + exact(Number(r.start_time_unix_ms)) + \" ms since the epoch)\";\n    document.title = \"memscope report \302\267 \" + fmtDate(Number(r.start_time_unix_ms));\n  }\n\n  /* The page holds the first of the run's events only (a page without report.timeline of a run\n     of more events than MEMSCOPE_HTML_MAX_EVENTS). */\n  function pageCut() {\n    var total = Number(M.r.events_total);\n    return !M.binned && isNum(total) && total > M.n;\n  }\n  /* The events of the bins whose middle is in [t0, t1] on a binned page, in words. */\n  function binnedEvents(t0, t1) {\n    var b = M.binned, n = 0, whole = t0 <= 0 && t1 >= M.tEnd;\n    for (var i = 0; i < b.bins; i++) {\n      var mid = (i + 0.5) * b.binNs;\n      if (mid >= t0 && mid <= t1) n += Number(b.counts.a[i]) + Number(b.counts.f[i]);\n    }\n    return whole \? exact(b.events) + \" events\" : \"about \" + exact(n) + \" events (bins of \" + fmtNs(b.binNs) + \")\";\n  }\n\n  function buildBanners() {\n    var r = M.r, box = $(\"banners\"), cx = r.context || {};\n    if (cx.complete === false) /* a run killed (SIGKILL, the OOM killer), crashed or cut short: the file has no end */\n",
    "      M.banners.push([\"warn\", (cx.exit_signal \? \"The run did not end normally (ended by signal \" + cx.exit_signal + \")\" :\n        cx.exit_status != null \? \"The run did not end normally (status \" + cx.exit_status + \", without its exit handlers)\" :\n        \"The file ends before its end section (the run did not end normally, or the file was cut)\") +\n        \": this is the run up to the last block written, and \\u201clive\\u201d means not freed when it stopped.\"]);\n    if (r.format !== \"memscope\" || Number(r.version) !== 1)\n      M.banners.push([\"warn\", \"This dashboard reads format \\\"memscope\\\" version 1; the report says \" +\n        JSON.stringify(r.format) + \" version \" + JSON.stringify(r.version) + \": some fields may be missing.\"]);\n    var dropped = Number(r.dropped_events) || 0;\n    var total = Number(r.events_total);\n    if (pageCut())\n      M.banners.unshift([\"warn\", \"This page holds the first \" + exact(M.n) + \" of the run's \" + exact(total) +\n        \" events (a page with all of them would not open): the timeline, the per-window tables, the live-at-exit list \" +\n        \"and the flame graph of a window cover those only. Totals, the peak, the threads, the whole-run hotspots and the \" +\n        \"call stacks' totals are the whole run's; memscope report FILE.msb and its other formats read every event.\"]);\n    if (M.binned) {\n      var b = M.binned;\n      M.banners.unshift([\"info\", \"This run has \" + exact(b.events) + \" events, more than a page holds (\" +\n        exact(b.pageMax) + \"), so this page carries the run pre-binned rather than every event: the timeline is \" +\n        plural(b.bins, \"bin\") + \" of \" + fmtNs(b.binNs) + \" (the lowest, highest and last live bytes of each), the hotspots, \" +\n        \"the call stacks and the flame graph are the whole run's totals, and the live-at-exit list holds \" +\n        (b.complete \? \"every allocation live at the end (\" + exact(M.n) + \")\" : \"the first \" + exact(M.n) +\n",
    "        \" allocations live at the end of the run's \" + exact(Number(r.active_allocations) || 0) + \" (a page holds no more)\") +\n        \". A window zooms the timeline and selects the live allocations made in it; the other tables stay the whole run's. \" +\n        \"memscope report FILE.msb and its other formats read every event.\"]);\n    }\n    if (dropped > 0 || pageCut())\n      ; /* a partial page: the peak of its events is not the run's */\n    else if ((M.n || M.binned) && M.peak !== Number(r.peak_memory_bytes))\n      M.banners.push([\"warn\", \"The peak computed from the \" + (M.binned \? \"binned timeline\" : \"events\") + \" (\" + exact(M.peak) +\n        \" bytes) differs from the report's peak_memory_bytes (\" + exact(Number(r.peak_memory_bytes)) + \").\"]);\n    if (dropped > 0)\n      M.banners.unshift([\"warn\", exact(dropped) + \" events were not retained (the event bound was reached): the timeline, \" +\n        \"the per-window tables, the live-at-exit list and the flame graph of a window cover the retained events only. \" +\n        \"Totals, the peak and the whole-run hotspots are exact.\"]);\n    if ((Number(r.dropped_snapshots) || 0) > 0)\n      M.banners.push([\"warn\", exact(Number(r.dropped_snapshots)) + \" system snapshots were overwritten (the ring was full): the system charts start later than the run.\"]);\n    var sb = r.sampling && Number(r.sampling.sample_bytes) > 0 \? Number(r.sampling.sample_bytes) : 0;\n    if (isNum(r.sample_rate) && r.sample_rate < 1)\n      M.banners.push([\"info\", \"Sampled run: \" + fmtPct(r.sample_rate * 100) + \" of \" + (M.whole \? \"allocations\" : \"TRACK calls\") +\n        \" were recorded. Counts and bytes cover recorded allocations; the estimated totals scale them by 1/rate.\"]);\n    else if (sb)\n      M.banners.push([\"info\", \"Sampled run: about one allocation per \" + exact(sb) + \" bytes allocated was recorded (memscope run --sample-bytes), \" +\n        \"weighted so the estimated totals stay unbiased; per-stack counts are of the recorded allocations.\"]);\n",
    "    if (!M.n && !M.binned && (Number(r.total_allocations) || 0) > 0)\n      M.banners.push([\"info\", \"No events were retained (counters-only mode or max_events = 0): the timeline and the live-at-exit list are empty.\"]);\n    M.banners.forEach(function (b) {\n      var d = el(\"div\", \"banner \" + b[0], b[1]);\n      d.setAttribute(\"role\", b[0] === \"warn\" \? \"alert\" : \"status\");\n      box.appendChild(d);\n    });\n  }\n\n  function buildCards() {\n    var r = M.r, box = $(\"cards\");\n    var rate = r.sample_rate, sampled = isNum(rate) && rate < 1;\n    var s = r.sampling || {};\n    function num(k) { return Number(r[k]); }\n    function card(metric, raw, label, value, title, sub, cls, hidden) {\n      var c = el(\"div\", \"card\" + (cls \? \" \" + cls : \"\"));\n      c.setAttribute(\"data-metric\", metric);\n      c.setAttribute(\"data-value\", raw === undefined \? \"null\" : JSON.stringify(raw));\n      c.title = title;\n      if (hidden) c.hidden = true;\n      c.appendChild(el(\"div\", \"card-label\", label));\n      c.appendChild(el(\"div\", \"card-value\", value));\n      if (sub) c.appendChild(el(\"div\", \"card-sub\", sub));\n      box.appendChild(c);\n    }\n    card(\"total_allocations\", r.total_allocations, \"Allocations\", fmtCount(num(\"total_allocations\")),\n      exact(num(\"total_allocations\")) + \" allocations recorded, \" + exact(num(\"total_allocated_bytes\")) + \" bytes\",\n      fmtBytes(num(\"total_allocated_bytes\")) + \" allocated\");\n    card(\"total_deallocations\", r.total_deallocations, \"Frees\", fmtCount(num(\"total_deallocations\")),\n      exact(num(\"total_deallocations\")) + \" frees recorded\", M.whole \? \"free, realloc\342\200\246 calls\" : \"recorded UNTRACKs\");\n    var active = num(\"active_allocations\"), cut = r.context && r.context.complete === false;\n    var atEnd = cut \? \"live when it stopped\" : \"live at the end\";\n    card(\"active_allocations\", r.active_allocations, cut \? \"Active when it stopped\" : \"Active (leaks)\", fmtCount(active),\n",
    "      exact(active) + \" allocations \" + atEnd + \", \" + exact(num(\"current_memory_bytes\")) + \" bytes\",\n      fmtBytes(num(\"current_memory_bytes\")) + (cut \? \" not freed when it stopped\" : \" still live\"), active > 0 \? \"key\" : null);\n    card(\"peak_memory_bytes\", r.peak_memory_bytes, \"Peak\", fmtBytes(num(\"peak_memory_bytes\")),\n      exact(num(\"peak_memory_bytes\")) + \" bytes: the maximum of live \" + (M.whole \? \"heap\" : \"tracked\") + \" bytes\",\n      M.whole \? \"max live heap bytes\" : \"max live tracked bytes\", \"key\");\n    card(\"current_memory_bytes\", r.current_memory_bytes, \"Current\", fmtBytes(num(\"current_memory_bytes\")),\n      exact(num(\"current_memory_bytes\")) + \" bytes \" + atEnd, atEnd);\n    card(\"allocation_rate_per_sec\", r.allocation_rate_per_sec, \"Allocation rate\", fmtCount(num(\"allocation_rate_per_sec\")) + \"/s\",\n      exact(num(\"allocation_rate_per_sec\")) + \" allocations per second\", \"over the run\");\n    card(\"deallocation_rate_per_sec\", r.deallocation_rate_per_sec, \"Free rate\", fmtCount(num(\"deallocation_rate_per_sec\")) + \"/s\",\n      exact(num(\"deallocation_rate_per_sec\")) + \" frees per second\", \"over the run\");\n    card(\"duration_sec\", r.duration_sec, \"Duration\", fmtNs(num(\"duration_sec\") * 1e9),\n      exact(num(\"duration_sec\")) + \" s from memscope_new to the report\", \"tracker lifetime\");\n    card(\"sample_rate\", r.sample_rate, \"Sample rate\", isNum(rate) \? fmtPct(rate * 100) : \"\342\200\223\",\n      \"sample_rate \" + exact(rate), s.capture_call_stack \? \"call stacks, depth \" + s.max_stack_depth : \"no call stacks\");\n    card(\"estimated_total_allocations\", r.estimated_total_allocations, \"Est. allocations\", fmtCount(num(\"estimated_total_allocations\")),\n      exact(num(\"estimated_total_allocations\")) + \" = recorded / sample rate\", \"recorded \303\267 rate\", null, !sampled);\n    card(\"estimated_total_bytes\", r.estimated_total_bytes, \"Est. bytes\", fmtBytes(num(\"estimated_total_bytes\")),\n",
    "      exact(num(\"estimated_total_bytes\")) + \" bytes = recorded / sample rate\", \"recorded \303\267 rate\", null, !sampled);\n    var de = num(\"dropped_events\");\n    card(\"dropped_events\", r.dropped_events, \"Dropped events\", fmtCount(de), exact(de) + \" events not retained\",\n      de > 0 \? \"timeline incomplete\" : \"all events retained\", de > 0 \? \"warn\" : null);\n    var ds = num(\"dropped_snapshots\");\n    card(\"dropped_snapshots\", r.dropped_snapshots, \"Dropped snapshots\", fmtCount(ds), exact(ds) + \" system snapshots overwritten\",\n      ds > 0 \? \"system charts start late\" : \"none lost\", ds > 0 \? \"warn\" : null);\n    card(\"thread_count\", r.threads.length, \"Threads\", String(r.threads.length), plural(r.threads.length, \"thread\") + \" recorded\",\n      M.whole \? \"that allocated\" : \"that tracked\");\n    if (M.binned)\n      card(\"event_count\", M.binned.events, \"Events\", fmtCount(M.binned.events), exact(M.binned.events) + \" events in the run, binned in this page\",\n        \"binned: \" + fmtCount(M.n) + \" live at the end listed\");\n    else\n      card(\"event_count\", r.event_count, \"Events\", fmtCount(M.n), exact(M.n) + \" events in this page\",\n        pageCut() \? \"the first of \" + fmtCount(Number(r.events_total)) : \"allocs + frees retained\", pageCut() \? \"warn\" : null);\n  }\n\n  /* ------------------------------------------------------------------ 4b. timeline */\n\n  var TL = { hidden: {}, cache: null, drag: null, hoverX: null, L: null, v: null };\n\n  /* Min / max / last value per pixel column of a step series (value V[k] holds from T[k] on),\n     for the columns of [v0, v1]; `start` is the value at v0. */\n  function downsample(T, Vv, len, v0, v1, ncol) {\n    var lo = lowerBound(T, 0, len, v0), hi = upperBound(T, lo, len, v1);\n    var mn = new Float64Array(ncol), mx = new Float64Array(ncol), last = new Float64Array(ncol), has = new Uint8Array(ncol);\n    var scale = ncol / (v1 - v0), top = ncol - 1, start = lo > 0 \? Vv[lo - 1] : 0, vmax = start;\n    for (var k = lo; k < hi; k++) {\n",
    "      var c = ((T[k] - v0) * scale) | 0;\n      if (c > top) c = top;\n      var v = Vv[k];\n      if (!has[c]) { has[c] = 1; mn[c] = v; mx[c] = v; }\n      else { if (v < mn[c]) mn[c] = v; if (v > mx[c]) mx[c] = v; }\n      last[c] = v;\n      if (v > vmax) vmax = v;\n    }\n    return { start: start, mn: mn, mx: mx, last: last, has: has, max: vmax, n: ncol };\n  }\n\n  function traceStep(ctx, d, x0, colW, yOf, xEnd) {\n    var v = d.start;\n    ctx.moveTo(x0, yOf(v));\n    for (var c = 0; c < d.n; c++) {\n      if (!d.has[c]) continue;\n      var x = x0 + (c + 0.5) * colW;\n      ctx.lineTo(x, yOf(v));\n      if (d.mx[c] !== d.mn[c]) { ctx.lineTo(x, yOf(d.mx[c])); ctx.lineTo(x, yOf(d.mn[c])); }\n      v = d.last[c];\n      ctx.lineTo(x, yOf(v));\n    }\n    ctx.lineTo(xEnd, yOf(v));\n  }\n\n  function timelineLayout() {\n    var wrap = $(\"timeline-wrap\"), w = wrap.clientWidth, h = wrap.clientHeight;\n    return { w: w, h: h, l: 70, r: w - (M.rssT.length \? 70 : 18), t: 20, b: h - 24 };\n  }\n\n  function drawTimeline() {\n    var L = TL.L = timelineLayout(), C = colors();\n    var canvas = $(\"timeline\");\n    var ctx = setupCanvas(canvas, L.w, L.h);\n    var vr = TL.v = viewRange(), v0 = vr[0], v1 = vr[1];\n    var pw = Math.max(1, L.r - L.l), ph = Math.max(1, L.b - L.t);\n    var dpr = window.devicePixelRatio || 1, ncol = Math.max(1, Math.round(pw * dpr));\n    var key = v0 + \":\" + v1 + \":\" + ncol;\n    if (!TL.cache || TL.cache.key !== key) {\n      TL.cache = { key: key, total: downsample(M.tlT, M.tlV, M.tlN, v0, v1, ncol), threads: [] };\n      M.drawn.forEach(function (k) {\n        var s = M.series[k];\n        TL.cache.threads[k] = downsample(s.T, s.V, s.T.length, v0, v1, ncol);\n      });\n    }\n    var cache = TL.cache, ymax = 0;\n    if (!TL.hidden.total) ymax = cache.total.max;\n    M.drawn.forEach(function (k) { if (!TL.hidden[\"t\" + k]) ymax = Math.max(ymax, cache.threads[k].max); });\n    if (!(ymax > 0)) ymax = cache.total.max;\n    var left = niceAxis(ymax * 1.04, 5, true);\n",
    "    /* RSS on the right axis: samples in view, plus one on each side */\n    var right = null, rlo = 0, rhi = 0;\n    if (M.rssT.length) {\n      rlo = Math.max(0, lowerBound(M.rssT, 0, M.rssT.length, v0) - 1);\n      rhi = Math.min(M.rssT.length, upperBound(M.rssT, 0, M.rssT.length, v1) + 1);\n      var rmax = 0;\n      for (var i = rlo; i < rhi; i++) rmax = Math.max(rmax, M.rssV[i]);\n      right = niceAxis(rmax * 1.04, 5, true);\n    }\n    drawFrame(ctx, L, v0, v1, left, fmtBytes, right, fmtBytes, C.rss, Math.max(2, Math.floor(pw / 110)));\n    ctx.font = \"11px \" + C.font;\n    ctx.textBaseline = \"alphabetic\";\n    ctx.textAlign = \"left\";\n    ctx.fillStyle = C.muted;\n    ctx.fillText(\"live \" + tw() + \" bytes\", 4, 12);\n    if (right) { ctx.textAlign = \"right\"; ctx.fillStyle = C.rss; ctx.fillText(\"process RSS\", L.w - 4, 12); }\n\n    var colW = pw / ncol;\n    var yL = function (v) { return L.b - v / left.max * ph; };\n    ctx.save();\n    ctx.beginPath();\n    ctx.rect(L.l, L.t - 2, pw, ph + 3);\n    ctx.clip();\n    if (!M.tlN) {\n      ctx.fillStyle = C.muted;\n      ctx.textAlign = \"center\";\n      ctx.fillText(\"No events were retained for this run.\", L.l + pw / 2, L.t + ph / 2);\n    }\n    if (M.tlN && !TL.hidden.total) {\n      ctx.beginPath();\n      traceStep(ctx, cache.total, L.l, colW, yL, L.r);\n      ctx.lineTo(L.r, L.b);\n      ctx.lineTo(L.l, L.b);\n      ctx.closePath();\n      ctx.fillStyle = C[\"live-fill\"];\n      ctx.fill();\n    }\n    ctx.lineJoin = \"round\";\n    M.drawn.forEach(function (k) {\n      if (TL.hidden[\"t\" + k]) return;\n      ctx.beginPath();\n      traceStep(ctx, cache.threads[k], L.l, colW, yL, L.r);\n      ctx.strokeStyle = C.threads[M.threads[k].color];\n      ctx.lineWidth = 1;\n      ctx.stroke();\n    });\n    if (M.tlN && !TL.hidden.total) {\n      ctx.beginPath();\n      traceStep(ctx, cache.total, L.l, colW, yL, L.r);\n      ctx.strokeStyle = C.live;\n      ctx.lineWidth = 2;\n      ctx.stroke();\n    }\n    if (right && !TL.hidden.rss) {\n",
    "      var yR = function (v) { return L.b - v / right.max * ph; };\n      var xOf = function (t) { return L.l + (t - v0) / (v1 - v0) * pw; };\n      ctx.beginPath();\n      for (i = rlo; i < rhi; i++) {\n        if (i === rlo) ctx.moveTo(xOf(M.rssT[i]), yR(M.rssV[i])); else ctx.lineTo(xOf(M.rssT[i]), yR(M.rssV[i]));\n      }\n      ctx.strokeStyle = C.rss;\n      ctx.lineWidth = 1.5;\n      ctx.setLineDash([5, 3]);\n      ctx.stroke();\n      ctx.setLineDash([]);\n      if (rhi - rlo < 80) {\n        ctx.fillStyle = C.rss;\n        for (i = rlo; i < rhi; i++) { ctx.beginPath(); ctx.arc(xOf(M.rssT[i]), yR(M.rssV[i]), 2.5, 0, 7); ctx.fill(); }\n      }\n    }\n    /* the peak of the events' live bytes */\n    if (M.peakT !== null && !TL.hidden.total) {\n      var tp = M.peakT;\n      if (tp >= v0 && tp <= v1) {\n        var px = L.l + (tp - v0) / (v1 - v0) * pw, py = yL(M.peak);\n        ctx.fillStyle = C.peak;\n        ctx.beginPath(); ctx.arc(px, py, 4, 0, 7); ctx.fill();\n        ctx.font = \"600 11px \" + C.font;\n        ctx.textBaseline = \"bottom\";\n        ctx.textAlign = \"left\";\n        var lab = \"peak \" + fmtBytes(M.peak), lw = ctx.measureText(lab).width;\n        var lx = px > L.r - lw - 12 \? px - 6 - lw : px + 6, ly = Math.max(L.t + 13, py - 4);\n        ctx.fillStyle = C.panel;                       // a backing so the label reads over the lines\n        ctx.fillRect(lx - 2, ly - 12, lw + 4, 13);\n        ctx.fillStyle = C.peak;\n        ctx.fillText(lab, lx, ly);\n      }\n    }\n    ctx.restore();\n    canvas.setAttribute(\"data-peak\", String(M.peak));\n    canvas.setAttribute(\"aria-label\", \"Timeline of live \" + tw() + \" bytes\" + (right \? \" and process RSS\" : \"\") + \" from \" +\n      fmtNs(v0) + \" to \" + fmtNs(v1) + \"; peak \" + fmtBytes(M.peak) + (M.peakT !== null \? (M.binned \? \" in the bin around \" : \" at \") + fmtNs(M.peakT) : \"\") +\n      \". Drag or use the keyboard to zoom.\");\n    drawOverlay();\n  }\n\n  function drawOverlay() {\n    var L = TL.L, ov = $(\"timeline-overlay\"), C = colors();\n",
    "    if (!L) return;\n    var ctx = setupCanvas(ov, L.w, L.h);\n    if (TL.drag) {\n      var a = Math.min(TL.drag.x0, TL.drag.x1), b = Math.max(TL.drag.x0, TL.drag.x1);\n      ctx.fillStyle = C.brush;\n      ctx.fillRect(a, L.t, b - a, L.b - L.t);\n      ctx.strokeStyle = C.live;\n      ctx.strokeRect(a + 0.5, L.t + 0.5, b - a, L.b - L.t);\n    }\n    if (TL.hoverX !== null && !TL.drag) {\n      ctx.strokeStyle = C.axis;\n      ctx.lineWidth = 1;\n      ctx.beginPath();\n      ctx.moveTo(Math.round(TL.hoverX) + 0.5, L.t);\n      ctx.lineTo(Math.round(TL.hoverX) + 0.5, L.b);\n      ctx.stroke();\n    }\n  }\n\n  function timelineX(e) { return e.clientX - $(\"timeline\").getBoundingClientRect().left; }\n  function xToTime(x) {\n    var L = TL.L, v = TL.v;\n    return v[0] + (Math.min(Math.max(x, L.l), L.r) - L.l) / Math.max(1, L.r - L.l) * (v[1] - v[0]);\n  }\n\n  function timelineHover(e) {\n    var L = TL.L, x = timelineX(e);\n    if (TL.drag) return;\n    if (!L || x < L.l || x > L.r) { timelineLeave(); return; }\n    TL.hoverX = x;\n    drawOverlay();\n    var t = xToTime(x), C = colors(), rows = [];\n    var i = upperBound(M.tlT, 0, M.tlN, t) - 1, bin = M.binned \? Math.floor(t / M.binned.binNs) : -1;\n    if (bin >= 0 && bin < M.binned.bins) {   // the bin under the cursor: its range\n      i = 3 * bin;\n      rows.push([C.live, \"live \" + tw() + \" in this bin (\" + fmtNs(M.binned.binNs) + \"): \" + fmtBytes(M.tlV[i]) + \" \342\200\223 \" +\n        fmtBytes(M.tlV[i + 1]) + \", \" + fmtBytes(M.tlV[i + 2]) + \" at its end\"]);\n    } else {\n      rows.push([C.live, \"live \" + tw() + \": \" + fmtBytes(i >= 0 \? M.tlV[i] : 0) + \" (\" + exact(i >= 0 \? M.tlV[i] : 0) + \" B)\"]);\n    }\n    if (M.rssT.length) {\n      var j = upperBound(M.rssT, 0, M.rssT.length, t) - 1;\n      rows.push([C.rss, \"RSS: \" + (j >= 0 \? fmtBytes(M.rssV[j]) + \" (sample at \" + fmtNs(M.rssT[j]) + \")\" : \"no sample yet\")]);\n    }\n    M.drawn.forEach(function (k) {\n      if (TL.hidden[\"t\" + k]) return;\n",
    "      var s = M.series[k], q = upperBound(s.T, 0, s.T.length, t) - 1;\n      rows.push([C.threads[M.threads[k].color], threadLabel(M.threads[k]) + \": \" + fmtBytes(q >= 0 \? s.V[q] : 0)]);\n    });\n    var step = (TL.v[1] - TL.v[0]) / Math.max(1, L.r - L.l);\n    showTooltip(e.clientX, e.clientY, \"t = \" + fmtTimeAt(t, step, TL.v[1] - TL.v[0]), rows);\n  }\n  function timelineLeave() {\n    TL.hoverX = null;\n    drawOverlay();\n    hideTooltip();\n  }\n\n  /* Keyboard: arrows pan by 10 % (Shift: 50 %), + / - zoom around the centre, Escape resets. */\n  function timelineKey(e) {\n    var vr = viewRange(), span = vr[1] - vr[0], D = M.tEnd, a, b;\n    if (e.key === \"ArrowLeft\" || e.key === \"ArrowRight\") {\n      var d = span * (e.shiftKey \? 0.5 : 0.1) * (e.key === \"ArrowLeft\" \? -1 : 1);\n      a = vr[0] + d; b = vr[1] + d;\n      if (a < 0) { b -= a; a = 0; }\n      if (b > D) { a -= b - D; b = D; }\n      if (a <= 0 && b >= D) setWindow(null); else setWindow(Math.max(0, a), b);\n    } else if (e.key === \"+\" || e.key === \"=\" || e.key === \"Add\") {\n      zoomBy(0.5);\n    } else if (e.key === \"-\" || e.key === \"_\" || e.key === \"Subtract\") {\n      zoomBy(2);\n    } else if (e.key === \"Escape\") {\n      setWindow(null);\n    } else {\n      return;\n    }\n    e.preventDefault();\n  }\n  function zoomBy(f) {\n    var vr = viewRange(), c = (vr[0] + vr[1]) / 2, half = Math.max(5, (vr[1] - vr[0]) * f / 2), D = M.tEnd;\n    var a = c - half, b = c + half;\n    if (a < 0) { b -= a; a = 0; }\n    if (b > D) { a = Math.max(0, a - (b - D)); b = D; }\n    if (a <= 0 && b >= D) setWindow(null); else setWindow(a, b);\n  }\n\n  function buildTimeline() {\n    if (M.binned)\n      $(\"timeline-help\").textContent = \"Drag across the chart to zoom into a time window (bins of \" + fmtNs(M.binned.binNs) +\n        \"); the live-at-exit list then shows the allocations made in it, the other tables stay the whole run's. \" +\n        \"Keyboard (focus the chart): \\u2190 \\u2192 pan, + \\u2212 zoom, Esc resets.\";\n",
    "    var lg = $(\"timeline-legend\");\n    function toggle(key, label, color) {\n      var b = el(\"button\");\n      b.type = \"button\";\n      b.setAttribute(\"aria-pressed\", \"true\");\n      b.appendChild(swatch(color, false));\n      b.appendChild(el(\"span\", null, label));\n      b.addEventListener(\"click\", guard(function () {\n        TL.hidden[key] = !TL.hidden[key];\n        b.setAttribute(\"aria-pressed\", TL.hidden[key] \? \"false\" : \"true\");\n        drawTimeline();\n      }));\n      lg.appendChild(b);\n    }\n    toggle(\"total\", \"Live \" + tw() + \" bytes\", \"var(--live)\");\n    if (M.rssT.length) toggle(\"rss\", \"Process RSS (right axis)\", \"var(--rss)\");\n    M.drawn.forEach(function (k) { toggle(\"t\" + k, threadLabel(M.threads[k]), threadColor(M.threads[k])); });\n    if (M.undrawn > 0) lg.appendChild(el(\"span\", \"note\", \"+\" + M.undrawn + \" smaller threads not drawn\"));\n    var canvas = $(\"timeline\");\n    canvas.addEventListener(\"mousedown\", guard(function (e) {\n      if (e.button !== 0 || !TL.L) return;\n      var x = timelineX(e);\n      if (x < TL.L.l || x > TL.L.r) return;\n      e.preventDefault();\n      canvas.focus();\n      hideTooltip();\n      TL.drag = { x0: x, x1: x };\n      drawOverlay();\n    }));\n    window.addEventListener(\"mousemove\", guard(function (e) {\n      if (!TL.drag) return;\n      TL.drag.x1 = Math.min(Math.max(timelineX(e), TL.L.l), TL.L.r);\n      drawOverlay();\n    }));\n    window.addEventListener(\"mouseup\", guard(function () {\n      if (!TL.drag) return;\n      var d = TL.drag;\n      TL.drag = null;\n      if (Math.abs(d.x1 - d.x0) >= 3) setWindow(xToTime(Math.min(d.x0, d.x1)), xToTime(Math.max(d.x0, d.x1)));\n      else drawOverlay();\n    }));\n    canvas.addEventListener(\"mousemove\", guard(timelineHover));\n    canvas.addEventListener(\"mouseleave\", guard(timelineLeave));\n    canvas.addEventListener(\"keydown\", guard(timelineKey));\n    canvas.addEventListener(\"blur\", guard(timelineLeave));\n",
    "    /* With nothing focused, Escape and + / - act on the timeline too (arrows keep scrolling). */\n    document.addEventListener(\"keydown\", guard(function (e) {\n      if (e.target !== document.body && e.target !== document.documentElement) return;\n      if (e.key === \"Escape\" || e.key === \"+\" || e.key === \"=\" || e.key === \"-\" || e.key === \"_\") timelineKey(e);\n    }));\n    $(\"window-reset\").addEventListener(\"click\", guard(function () { setWindow(null); }));\n  }\n\n  /* ------------------------------------------------------------------ 4c. system charts */\n\n  var SYS_DEFS = [\n    { metric: \"cpu\", title: \"CPU\", series: [\n      { key: \"cpu_usage_percent\", bit: BIT.CPU, label: \"process (% of one core)\", color: \"live\", axis: 0, fmt: fmtPct },\n      { key: \"system_cpu_percent\", bit: BIT.SYSTEM_CPU, label: \"system (% of all CPUs)\", color: \"rss\", axis: 0, fmt: fmtPct }] },\n    { metric: \"memory\", title: \"Memory\", series: [\n      { key: \"memory_usage_bytes\", bit: BIT.MEMORY, label: \"RSS\", color: \"live\", axis: 0, fmt: fmtBytes, bytes: true },\n      { key: \"peak_rss_bytes\", bit: BIT.PEAK_RSS, label: \"peak RSS\", color: \"s2\", axis: 0, fmt: fmtBytes, bytes: true, dash: true },\n      { key: \"memory_usage_percent\", bit: BIT.MEMORY_PERCENT, label: \"RSS % of limit (right)\", color: \"rss\", axis: 1, fmt: fmtPct }] },\n    { metric: \"disk\", title: \"Disk I/O\", series: [\n      { key: \"disk_read_bps\", bit: BIT.DISK, label: \"read\", color: \"live\", axis: 0, fmt: fmtBps, bytes: true },\n      { key: \"disk_write_bps\", bit: BIT.DISK, label: \"write\", color: \"rss\", axis: 0, fmt: fmtBps, bytes: true }] },\n    { metric: \"network\", title: \"Network (namespace)\", series: [\n      { key: \"network_rx_bps\", bit: BIT.NETWORK, label: \"rx\", color: \"live\", axis: 0, fmt: fmtBps, bytes: true },\n      { key: \"network_tx_bps\", bit: BIT.NETWORK, label: \"tx\", color: \"rss\", axis: 0, fmt: fmtBps, bytes: true }] },\n    { metric: \"gpu\", title: \"GPU\", series: [\n",
    "      { key: \"gpu_usage_percent\", bit: BIT.GPU_USAGE, label: \"usage\", color: \"live\", axis: 0, fmt: fmtPct },\n      { key: \"gpu_memory_used\", bit: BIT.GPU_MEMORY, label: \"memory used (right)\", color: \"rss\", axis: 1, fmt: fmtBytes, bytes: true },\n      { key: \"gpu_memory_total\", bit: BIT.GPU_MEMORY, label: \"memory total (right)\", color: \"s2\", axis: 1, fmt: fmtBytes, bytes: true, dash: true }] }\n  ];\n  var SYS = { charts: [] };\n\n  function buildSystem() {\n    var snaps = M.r.system_snapshots, host = $(\"system-charts\"), note = $(\"system-note\");\n    if (!snaps.length) {\n      note.textContent = M.whole \? \"System monitoring was off for this run: memscope run --monitor -- PROGRAM records CPU, memory, disk, network and GPU.\" :\n        \"System monitoring was off for this run: memscope_with_system_monitoring(t) records CPU, memory, disk, network and GPU.\";\n      return;\n    }\n    var last = snaps[snaps.length - 1], info = [plural(snaps.length, \"snapshot\")];\n    if (snaps.length > 1) info.push(\"every ~\" + fmtNs((M.snapT[snaps.length - 1] - M.snapT[0]) / (snaps.length - 1)));\n    if (last.available & BIT.CPU_COUNT) info.push(plural(last.cpu_count, \"CPU\"));\n    if (Number(last.memory_limit_bytes) > 0) info.push(\"memory limit \" + fmtBytes(Number(last.memory_limit_bytes)));\n    info.push(last.gpu_count \? plural(last.gpu_count, \"GPU\") : \"no GPU\");\n    note.textContent = info.join(\" \302\267 \");\n    SYS_DEFS.forEach(function (def) {\n      var series = def.series.filter(function (s) { return M.snapBits & s.bit; });\n      if (!series.length) return;\n      series = series.map(function (s) {\n        var vals = new Float64Array(snaps.length);\n        for (var i = 0; i < snaps.length; i++) vals[i] = (snaps[i].available & s.bit) \? Number(snaps[i][s.key]) : NaN;\n        return { def: s, V: vals };\n      });\n      var fig = el(\"figure\", \"mini\");\n      fig.appendChild(el(\"h3\", null, def.title));\n      var lg = el(\"div\", \"mini-legend\");\n      series.forEach(function (s) {\n",
    "        var sp = el(\"span\");\n        sp.appendChild(swatch(\"var(--\" + s.def.color + \")\", false));\n        sp.appendChild(el(\"span\", null, s.def.label));\n        lg.appendChild(sp);\n      });\n      fig.appendChild(lg);\n      var wrap = el(\"div\", \"chart-wrap\"), canvas = el(\"canvas\");\n      canvas.setAttribute(\"data-metric\", def.metric);\n      canvas.setAttribute(\"role\", \"img\");\n      wrap.appendChild(canvas);\n      fig.appendChild(wrap);\n      host.appendChild(fig);\n      var ch = { def: def, series: series, canvas: canvas, wrap: wrap, hover: -1, L: null, v: null };\n      canvas.setAttribute(\"aria-label\", def.title + \": \" + series.map(function (s) {\n        var mx = -Infinity, sum = 0, n = 0;\n        for (var i = 0; i < s.V.length; i++) if (!isNaN(s.V[i])) { mx = Math.max(mx, s.V[i]); sum += s.V[i]; n++; }\n        return s.def.label + \" mean \" + s.def.fmt(n \? sum / n : NaN) + \", max \" + s.def.fmt(n \? mx : NaN);\n      }).join(\"; \"));\n      canvas.addEventListener(\"mousemove\", guard(function (e) { miniHover(ch, e); }));\n      canvas.addEventListener(\"mouseleave\", guard(function () { ch.hover = -1; drawMini(ch); hideTooltip(); }));\n      SYS.charts.push(ch);\n    });\n  }\n\n  function drawMini(ch) {\n    var C = colors(), w = ch.wrap.clientWidth, h = ch.wrap.clientHeight;\n    var ctx = setupCanvas(ch.canvas, w, h);\n    var two = ch.series.some(function (s) { return s.def.axis === 1; });\n    var L = ch.L = { w: w, l: 62, r: w - (two \? 62 : 14), t: 8, b: h - 20 };\n    var vr = ch.v = viewRange(), v0 = vr[0], v1 = vr[1], T = M.snapT, n = T.length;\n    var lo = Math.max(0, lowerBound(T, 0, n, v0) - 1), hi = Math.min(n, upperBound(T, 0, n, v1) + 1);\n    var max = [0, 0], i;\n    ch.series.forEach(function (s) {\n      for (i = lo; i < hi; i++) if (s.V[i] > max[s.def.axis]) max[s.def.axis] = s.V[i];\n    });\n    var first = [null, null];\n    ch.series.forEach(function (s) { if (!first[s.def.axis]) first[s.def.axis] = s.def; });\n    var ax = [0, 1].map(function (a) {\n",
    "      return first[a] \? niceAxis(max[a] * 1.05, 3, !!first[a].bytes) : null;\n    });\n    var pw = Math.max(1, L.r - L.l), ph = Math.max(1, L.b - L.t);\n    var axisFmt = function (d) { return !d \? fmtCount : d.fmt === fmtPct \? fmtPctAxis : d.fmt; };\n    drawFrame(ctx, L, v0, v1, ax[0] || niceAxis(1, 3, false), axisFmt(first[0]),\n      ax[1], axisFmt(first[1]), first[1] \? C[ch.series.filter(function (s) { return s.def.axis === 1; })[0].def.color] : null,\n      Math.max(2, Math.floor(pw / 90)));\n    var xOf = function (t) { return L.l + (t - v0) / (v1 - v0) * pw; };\n    ctx.save();\n    ctx.beginPath();\n    ctx.rect(L.l, L.t - 3, pw, ph + 4);\n    ctx.clip();\n    ch.series.forEach(function (s) {\n      var a = ax[s.def.axis];\n      var yOf = function (v) { return L.b - v / a.max * ph; };\n      ctx.strokeStyle = C[s.def.color];\n      ctx.fillStyle = C[s.def.color];\n      ctx.lineWidth = 1.5;\n      ctx.setLineDash(s.def.dash \? [4, 3] : []);\n      ctx.beginPath();\n      var pen = false, lone = [];\n      for (i = lo; i < hi; i++) {\n        var v = s.V[i];\n        if (isNaN(v)) { pen = false; continue; }\n        var x = xOf(T[i]), y = yOf(v);\n        if (!pen) {\n          ctx.moveTo(x, y);\n          if (i + 1 >= hi || isNaN(s.V[i + 1])) lone.push([x, y]);\n        } else {\n          ctx.lineTo(x, y);\n        }\n        pen = true;\n      }\n      ctx.stroke();\n      ctx.setLineDash([]);\n      lone.forEach(function (p) { ctx.beginPath(); ctx.arc(p[0], p[1], 2.5, 0, 7); ctx.fill(); });\n      if (ch.hover >= 0 && !isNaN(s.V[ch.hover])) {\n        ctx.beginPath(); ctx.arc(xOf(T[ch.hover]), yOf(s.V[ch.hover]), 3.5, 0, 7); ctx.fill();\n      }\n    });\n    if (ch.hover >= 0) {\n      ctx.strokeStyle = C.axis;\n      ctx.lineWidth = 1;\n      ctx.beginPath();\n      var hx = Math.round(xOf(T[ch.hover])) + 0.5;\n      ctx.moveTo(hx, L.t); ctx.lineTo(hx, L.b);\n      ctx.stroke();\n    }\n    ctx.restore();\n  }\n\n  function miniHover(ch, e) {\n    var L = ch.L, T = M.snapT, n = T.length;\n",
    "    if (!L || !n) return;\n    var x = e.clientX - ch.canvas.getBoundingClientRect().left;\n    if (x < L.l || x > L.r) { ch.hover = -1; drawMini(ch); hideTooltip(); return; }\n    var t = ch.v[0] + (x - L.l) / (L.r - L.l) * (ch.v[1] - ch.v[0]);\n    var i = lowerBound(T, 0, n, t);\n    if (i >= n || (i > 0 && t - T[i - 1] < T[i] - t)) i--;\n    ch.hover = i;\n    drawMini(ch);\n    var C = colors();\n    showTooltip(e.clientX, e.clientY, ch.def.title + \" at \" + fmtNs(T[i]), ch.series.map(function (s) {\n      return [C[s.def.color], s.def.label + \": \" + (isNaN(s.V[i]) \? \"not measured\" : s.def.fmt(s.V[i]))];\n    }));\n  }\n\n  /* ------------------------------------------------------------------ 4d. hotspots */\n\n  var HS = { key: \"bytes\", dir: -1, filter: \"\", all: false, tbody: null, rows: null, total: 0, by: \"where\", attrib: false };\n  /* whole-program mode: rows by where the program allocated (or by whole stack) */\n  var HS_COLS_WHERE = [\n    { key: \"var\", label: \"Where (function)\" }, { key: \"location\", label: \"File:line\" },\n    { key: \"bytes\", label: \"Allocated\", num: true }, { key: \"count\", label: \"Calls\", num: true },\n    { key: \"leaked\", label: \"Leaked\", num: true, title: \"bytes still live at the end\" },\n    { key: \"peak\", label: \"At peak\", num: true, title: \"bytes live at the moment of the peak\" },\n    { key: \"share\", label: \"Share of bytes\", num: true }];\n  var HS_COLS = [\n    { key: \"var\", label: \"Variable\" }, { key: \"type\", label: \"Type\" }, { key: \"location\", label: \"Location\" },\n    { key: \"bytes\", label: \"Bytes\", num: true }, { key: \"count\", label: \"Count\", num: true },\n    { key: \"share\", label: \"Share of bytes\", num: true }];\n\n  /* Rows of the scope: report.hotspots for the whole run (exact, even with dropped events);\n     for a window, the allocations made in it grouped the same way (name, type, file:line). */\n  /* The where frame of a stack and its callers, outermost last: \"f \342\206\220 g \342\206\220 h\". */\n  function stackChain(st, n) {\n",
    "    var from = st.where >= 0 \? st.where : 0, parts = [];\n    for (var i = from; i < st.labels.length && parts.length < n; i++) parts.push(visible(st.labels[i]));\n    if (st.labels.length - from > n) parts.push(\"\342\200\246\");\n    return parts.join(\" \342\206\220 \");\n  }\n  /* Whole-program rows: the stacks' costs grouped by their where frame (HS.by \"where\") or\n     one row per stack (\"stack\"). */\n  function attribRows() {\n    var groups = new Map(), rows = [];\n    stackCosts().forEach(function (c) {\n      var st = M.stacks[c.stack];\n      if (!c.count) return;\n      var key = !st \? \"\\u0002\" + c.stack : HS.by === \"stack\" \? \"s\" + c.stack : st.whereKey;\n      var g = groups.get(key);\n      if (!g) {\n        g = { name: st \? (HS.by === \"stack\" \? stackChain(st, 6) : visible(st.whereName)) : \"stack \" + c.stack, type: \"\",\n          loc: st \? st.whereLoc : null, bytes: 0, count: 0, leaked: 0, peak: 0, stacks: 0, supp: 0,\n          text: st \? st.text : \"\", st: st };\n        groups.set(key, g);\n        rows.push(g);\n      }\n      g.bytes += c.bytes; g.count += c.count; g.stacks++;\n      /* suppressed leaks (glibc's buffers, a suppressions file) are not counted as leaked */\n      var sup = st && st.suppressed && c.leaked \? c.leaked : 0;\n      g.supp += sup;\n      g.leaked = c.leaked === null || g.leaked === null \? null : g.leaked + c.leaked - sup;\n      g.peak = c.peak === null || g.peak === null \? null : g.peak + c.peak;\n    });\n    return rows;\n  }\n\n  function hotspotRows() {\n    if (HS.attrib) return attribRows();\n    if (!eventWin()) {\n      return M.r.hotspots.map(function (h) {\n        return { name: h.var_name == null \? \"\" : String(h.var_name), type: h.type_name == null \? \"\" : String(h.type_name),\n          loc: h.location == null \? null : String(h.location), bytes: Number(h.total_size) || 0, count: Number(h.allocation_count) || 0 };\n      });\n    }\n    var a = windowAgg(), groups = new Map(), rows = [];\n    function add(key, name, type, loc, b, c) {\n      var g = groups.get(key);\n",
    "      if (!g) { g = { name: name, type: type, loc: loc, bytes: 0, count: 0 }; groups.set(key, g); rows.push(g); }\n      g.bytes += b; g.count += c;\n    }\n    for (var s = 0; s < a.siteCount.length; s++) {\n      if (!a.siteCount[s]) continue;\n      var site = M.sites[s];\n      if (site) add(site.key, site.name, site.type, site.loc, a.siteBytes[s], a.siteCount[s]);\n      else add(\"\\u0002\" + s, \"(site \" + s + \")\", \"\", null, a.siteBytes[s], a.siteCount[s]);\n    }\n    a.other.forEach(function (o, s) { add(\"\\u0002\" + s, \"(site \" + s + \")\", \"\", null, o.b, o.c); });\n    return rows;\n  }\n\n  function sortHotspots(rows) {\n    var k = HS.key, d = HS.dir;\n    rows.sort(function (x, y) {\n      var c;\n      if (k === \"bytes\" || k === \"share\") c = x.bytes - y.bytes;\n      else if (k === \"count\") c = x.count - y.count;\n      else if (k === \"leaked\" || k === \"peak\") c = (x[k] || 0) - (y[k] || 0);\n      else {\n        var p = k === \"var\" \? x.name : k === \"type\" \? x.type : x.loc, q = k === \"var\" \? y.name : k === \"type\" \? y.type : y.loc;\n        if (p === q) c = 0;\n        else if (p === null) return 1;      // unknown locations last in either order\n        else if (q === null) return -1;\n        else c = collator.compare(p, q);\n      }\n      return c * d || y.bytes - x.bytes;\n    });\n  }\n\n  function renderHotspots() {\n    var tbody = HS.tbody, rows = hotspotRows();\n    var total = 0, i;\n    for (i = 0; i < rows.length; i++) total += rows[i].bytes;\n    var q = HS.filter.toLowerCase();\n    var shown = q \? rows.filter(function (r) {\n      return (r.name + \"\\n\" + r.type + \"\\n\" + (r.loc || \"\") + (r.text \? \"\\n\" + r.text : \"\")).toLowerCase().indexOf(q) >= 0;\n    }) : rows;\n    sortHotspots(shown);\n    clear(tbody);\n    var frag = document.createDocumentFragment(), lim = HS.all \? shown.length : Math.min(shown.length, HOTSPOT_ROWS);\n    for (i = 0; i < lim; i++) {\n      var r = shown[i], tr = el(\"tr\");\n      tr.setAttribute(\"data-bytes\", String(r.bytes));\n      if (HS.attrib) {\n",
    "        tr.setAttribute(\"data-count\", String(r.count));\n        tr.appendChild(td(r.name, \"text\", r.text || r.name));\n        tr.appendChild(r.loc === null \? td(r.st && r.st.where >= 0 \? \"no line info\" : \"unknown\", \"null\") : td(visible(r.loc), \"text\",\n          r.st && r.st.where >= 0 && r.st.frames[r.st.where].file \? visible(String(r.st.frames[r.st.where].file)) + \":\" + r.st.frames[r.st.where].line : null));\n        tr.appendChild(td(fmtBytes(r.bytes), \"num\", exact(r.bytes) + \" bytes\"));\n        tr.appendChild(td(fmtCount(r.count), \"num\", exact(r.count) + \" calls\" + (HS.by === \"where\" \? \" from \" + plural(r.stacks, \"stack\") : \"\")));\n        tr.appendChild(r.leaked === null \? td(\"\342\200\223\", \"num null\") : td(fmtBytes(r.leaked), \"num\" + (r.leaked > 0 \? \" bad\" : \"\"), exact(r.leaked) + \" bytes live at the end\" +\n          (r.supp \? \" (and \" + exact(r.supp) + \" suppressed bytes not counted)\" : \"\")));\n        tr.appendChild(r.peak === null \? td(\"\342\200\223\", \"num null\") : td(fmtBytes(r.peak), \"num\", exact(r.peak) + \" bytes live at the peak\"));\n      } else {\n        tr.appendChild(td(visible(r.name), \"text\"));\n        tr.appendChild(td(visible(r.type), \"text\"));\n        tr.appendChild(r.loc === null \? td(\"unknown\", \"null\") : td(visible(r.loc), \"text\"));\n        tr.appendChild(td(fmtBytes(r.bytes), \"num\", exact(r.bytes) + \" bytes\"));\n        tr.appendChild(td(fmtCount(r.count), \"num\", exact(r.count) + \" allocations\"));\n      }\n      var share = total > 0 \? r.bytes / total : 0, c = el(\"td\", \"num share\");\n      var bar = el(\"div\", \"bar\");\n      bar.style.width = (share * 100).toFixed(2) + \"%\";\n      c.appendChild(bar);\n      c.appendChild(el(\"span\", null, fmtPct(share * 100)));\n      c.title = exact(r.bytes) + \" of \" + exact(total) + \" bytes\";\n      tr.appendChild(c);\n      frag.appendChild(tr);\n    }\n    emptyNote(\"hotspots\", shown.length \? \"\" : rows.length \? \"No hotspot matches the filter.\" :\n      eventWin() \? \"No allocation was made in this window.\" : \"No allocation was recorded.\");\n",
    "    tbody.appendChild(frag);\n    var foot = $(\"hotspots-foot\");\n    clear(foot);\n    var count = 0;\n    for (i = 0; i < rows.length; i++) count += rows[i].count;\n    foot.appendChild(document.createTextNode((q \? exact(shown.length) + \" of \" : \"\") +\n      plural(rows.length, !HS.attrib \? \"site\" : HS.by === \"where\" \? \"place\" : \"stack\") + \" \302\267 \" +\n      fmtBytes(total) + \" in \" + plural(count, \"allocation\") + (eventWin() \? \" made in the window\" : \" (whole run)\") + \". \"));\n    if (lim < shown.length) {\n      var more = el(\"button\", \"btn\", \"Show all \" + exact(shown.length) + \" rows\");\n      more.type = \"button\";\n      more.addEventListener(\"click\", guard(function () { HS.all = true; renderHotspots(); }));\n      foot.appendChild(more);\n    }\n  }\n\n  function buildHotspots() {\n    /* whole-program mode: the sites are only malloc, calloc...; attribute by call stack */\n    HS.attrib = M.whole && M.r.stacks.length > 0;\n    HS.tbody = sortableHead($(\"hotspots\"), HS.attrib \? HS_COLS_WHERE : HS_COLS, HS, function () { renderHotspots(); });\n    if (HS.attrib) {\n      $(\"h-hotspots\").textContent = \"Where the program allocates\";\n      var input0 = $(\"hotspots-filter\");\n      input0.placeholder = \"Filter by function, file, module, stack\";\n      input0.setAttribute(\"aria-label\", \"Filter by function, file, module or call stack\");\n      $(\"hotspots\").querySelector(\"caption\").textContent = \"Allocations by the first frame outside the allocator and the C/C++ runtime\";\n      segmented($(\"hotspots-by\"), [[\"where\", \"By where it allocates\", \"Grouped by the first frame outside the allocator, libc, libstdc++ and the loader\"],\n        [\"stack\", \"By whole stack\", \"One row per call stack\"]], HS.by, function (v) { HS.by = v; HS.all = false; renderHotspots(); });\n      var note = el(\"p\", \"hint\", \"Whole-program run: each allocation is charged to the first frame of its call stack outside the \" +\n",
    "        \"allocator, libc, libstdc++, the loader and memscope. Leaked: bytes still live at the end; at peak: bytes live at the peak.\");\n      $(\"hotspots-foot\").parentNode.insertBefore(note, $(\"hotspots-foot\").nextSibling);\n    }\n    var timer = 0, input = $(\"hotspots-filter\");\n    input.addEventListener(\"input\", guard(function () {\n      clearTimeout(timer);\n      timer = setTimeout(guard(function () { HS.filter = input.value; renderHotspots(); }), 80);\n    }));\n  }\n\n  /* ------------------------------------------------------------------ 4e. live at exit */\n\n  /* stack: the flat list shows the allocations of this stack id only (null: all), set by a\n     click on a leak group */\n  var LK = { key: \"size\", dir: -1, query: \"\", page: 0, rows: new Uint32Array(0), tbody: null, rank: null, stack: null };\n  var LK_COLS = [\n    { key: \"address\", label: \"Address\" }, { key: \"size\", label: \"Size\", num: true }, { key: \"var\", label: \"Variable\" },\n    { key: \"type\", label: \"Type\" }, { key: \"location\", label: \"Location\" }, { key: \"thread\", label: \"Thread\" },\n    { key: \"time\", label: \"Allocated at\", num: true }, { key: \"stack\", label: \"Stack (first named frame)\" }];\n\n  /* Leaks of the scope: all, or those allocated in the window (the list is in time order). */\n  function leakScope() {\n    if (!V.win) return M.leaks;\n    var L = M.leaks, T = M.t, lo = 0, hi = L.length, m;\n    while (lo < hi) { m = (lo + hi) >>> 1; if (T[L[m]] < V.win.t0) lo = m + 1; else hi = m; }\n    var a = lo;\n    hi = L.length;\n    while (lo < hi) { m = (lo + hi) >>> 1; if (T[L[m]] <= V.win.t1) lo = m + 1; else hi = m; }\n    return L.subarray(a, lo);\n  }\n\n  /* Collation ranks of the text columns, computed once on first use. */\n  function leakRanks() {\n    if (LK.rank) return LK.rank;\n    var sites = [], stacks = [], threads = [], i;\n    for (i = 0; i <= M.maxSite; i++) sites.push(M.sites[i] || null);\n    for (i = 0; i <= M.maxStack; i++) stacks.push(M.stacks[i] \? M.stacks[i].first : null);\n",
    "    M.threads.forEach(function (th) { threads.push(th.name \? th.name + \" \" + th.id : \"\\uffff\" + th.id); });\n    LK.rank = {\n      var: ranks(sites.map(function (s) { return s \? s.name : null; })),\n      type: ranks(sites.map(function (s) { return s \? s.type : null; })),\n      location: ranks(sites.map(function (s) { return s \? s.loc : null; })),\n      stack: ranks(stacks), thread: ranks(threads)\n    };\n    return LK.rank;\n  }\n\n  function computeLeakRows() {\n    var scope = leakScope(), q = LK.query.trim().toLowerCase(), rows, i, n = scope.length;\n    if (LK.stack !== null) {\n      var only = new Uint32Array(n), no = 0, want = LK.stack;\n      for (i = 0; i < n; i++) if (M.stack[scope[i]] === want) only[no++] = scope[i];\n      scope = only.subarray(0, no);\n      n = no;\n    }\n    if (!q) {\n      rows = Uint32Array.from(scope);\n    } else {\n      var siteHit = new Uint8Array(M.maxSite + 1), stackHit = new Uint8Array(M.maxStack + 1), thHit = new Uint8Array(M.threads.length);\n      M.sites.forEach(function (s) { if (s && s.text.indexOf(q) >= 0) siteHit[s.id] = 1; });\n      M.stacks.forEach(function (s) { if (s && s.text.toLowerCase().indexOf(q) >= 0) stackHit[s.id] = 1; });\n      M.threads.forEach(function (th) { if ((th.name + \" \" + th.id).toLowerCase().indexOf(q) >= 0) thHit[th.index] = 1; });\n      var out = new Uint32Array(n), m = 0;\n      for (i = 0; i < n; i++) {\n        var e = scope[i];\n        if (siteHit[M.site[e]] || stackHit[M.stack[e]] || thHit[M.thr[e]] || hex(M.addr[e]).indexOf(q) >= 0) out[m++] = e;\n      }\n      rows = out.slice(0, m);\n    }\n    var d = LK.dir, k = LK.key, S = M.size, A = M.addr, cmp;\n    if (k === \"size\") cmp = function (a, b) { return (S[a] - S[b]) * d || a - b; };\n    else if (k === \"address\") cmp = function (a, b) { return (A[a] - A[b]) * d || a - b; };\n    else if (k === \"time\") cmp = function (a, b) { return (a - b) * d; };\n    else {\n      var rk = leakRanks()[k], col = k === \"stack\" \? M.stack : k === \"thread\" \? M.thr : M.site;\n",
    "      cmp = function (a, b) { return (rk[col[a]] - rk[col[b]]) * d || a - b; };\n    }\n    if (!(k === \"time\" && d > 0)) rows.sort(cmp);\n    LK.rows = rows;\n  }\n\n  function renderLeaks() {\n    var rows = LK.rows, total = rows.length, pages = Math.max(1, Math.ceil(total / PAGE_ROWS));\n    if (LK.page >= pages) LK.page = pages - 1;\n    if (LK.page < 0) LK.page = 0;\n    var table = $(\"leaks\"), tbody = LK.tbody;\n    table.setAttribute(\"data-total\", String(total));\n    clear(tbody);\n    var frag = document.createDocumentFragment(), start = LK.page * PAGE_ROWS, end = Math.min(total, start + PAGE_ROWS);\n    var step = M.tEnd / 10000;\n    for (var i = start; i < end; i++) {\n      var e = rows[i], s = M.sites[M.site[e]], th = M.threads[M.thr[e]], st = M.stacks[M.stack[e]];\n      var tr = el(\"tr\");\n      tr.setAttribute(\"data-bytes\", String(M.size[e]));\n      tr.appendChild(td(hex(M.addr[e]), \"mono\"));\n      tr.appendChild(td(fmtBytes(M.size[e]), \"num\", exact(M.size[e]) + \" bytes\"));\n      /* cells are clipped to one line: the title holds the whole text */\n      var name = s \? visible(s.name) : \"(site \" + M.site[e] + \")\", type = s \? visible(s.type) : \"\";\n      tr.appendChild(td(name, \"text\", name));\n      tr.appendChild(td(type, \"text\", type));\n      tr.appendChild(s && s.loc !== null \? td(visible(s.loc), \"text\", visible(s.loc)) : td(\"unknown\", \"null\"));\n      var tc = td(th \? threadLabel(th) : \"\", \"text\", th \? threadLabel(th) : \"\");\n      if (th && th.color >= 0) tc.insertBefore(swatch(threadColor(th), true), tc.firstChild);\n      tr.appendChild(tc);\n      tr.appendChild(td(fmtTimeAt(M.t[e], step, M.tEnd), \"num\", exact(M.t[e]) + \" ns after the tracker was created\"));\n      tr.appendChild(st \? td(visible(st.first), \"text\", st.text) : td(M.stack[e] \? \"stack \" + M.stack[e] : \"none\", \"null\"));\n      frag.appendChild(tr);\n    }\n    emptyNote(\"leaks\", total \? \"\" : LK.query \? \"No live allocation matches the search.\" :\n",
    "      LK.stack !== null \? \"No live allocation of this call stack\" + (V.win \? \" was made in this window.\" : \" is in this page's events.\") :\n      !M.n && (Number(M.r.active_allocations) || 0) > 0 \? \"No events were retained, so the live allocations cannot be listed.\" :\n      V.win \? \"No allocation made in this window is still live.\" :\n      pageCut() \? \"Nothing allocated in this page's events is still live at its last event; the run's other events are not in this page.\" :\n      \"Nothing is live at exit: no leak.\");\n    tbody.appendChild(frag);\n    $(\"leaks-page\").textContent = \"page \" + (LK.page + 1) + \" of \" + pages;\n    $(\"leaks-prev\").disabled = LK.page <= 0;\n    $(\"leaks-next\").disabled = LK.page >= pages - 1;\n    var bytes = 0;\n    for (i = 0; i < total; i++) bytes += M.size[rows[i]];\n    var cap = $(\"leaks\").querySelector(\"caption\");\n    cap.textContent = plural(total, \"allocation\") + \" still live, \" + exact(bytes) + \" bytes\";\n    table.setAttribute(\"data-stack\", LK.stack === null \? \"\" : String(LK.stack));\n    renderStackFilter(total, bytes);\n    $(\"leaks-scope\").textContent = (V.win \? \"allocated in the window\" : pageCut() \? \"this page's events\" : \"whole run\") + \" \302\267 \" +\n      plural(total, \"allocation\") + \", \" + fmtBytes(bytes) + (LK.query \? \" matching\" : \"\") + (LK.stack !== null \? \" of stack \" + LK.stack : \"\") +\n      ((Number(M.r.dropped_events) || 0) > 0 \? \" \302\267 events were dropped: some of these may have been freed\" :\n       pageCut() \? \" \302\267 live at the last event of this page, which holds the first of the run's events only\" : \"\");\n  }\n\n  /* ---- live allocations grouped by call stack (largest first), suppressed ones apart ---- */\n\n  var LG = { on: false, view: \"flat\", all: false, key: \"bytes\", dir: -1, sup: { key: \"bytes\", dir: -1 } };\n  var GROUP_ROWS = 200;   // group rows built before \"show all\"\n\n  /* Groups of the scope: the report's per-stack leak costs for the whole run, else the leaks of\n",
    "     the window grouped by stack id. Each {stack, count, bytes, first, last, suppressed}. */\n  function leakGroups() {\n    var out = [], q = LK.query.trim().toLowerCase();\n    if (!V.win && M.hasCosts) {\n      M.stacks.forEach(function (st) {\n        var c = st && st.costs;\n        if (c && c.leakedCount > 0) out.push({ stack: st.id, count: c.leakedCount, bytes: c.leaked, first: c.firstLeak, last: c.lastLeak, suppressed: st.suppressed });\n      });\n    } else {\n      var L = leakScope(), by = new Map();\n      for (var i = 0; i < L.length; i++) {\n        var e = L[i], k = M.stack[e], g = by.get(k);\n        if (!g) {\n          g = { stack: k, count: 0, bytes: 0, first: M.t[e], last: M.t[e], suppressed: M.stacks[k] \? M.stacks[k].suppressed : null };\n          by.set(k, g);\n          out.push(g);\n        }\n        g.count++; g.bytes += M.size[e]; g.last = M.t[e];\n      }\n    }\n    if (q) out = out.filter(function (g) {\n      var st = M.stacks[g.stack];\n      return st \? (st.whereName + \"\\n\" + (st.whereLoc || \"\") + \"\\n\" + st.text).toLowerCase().indexOf(q) >= 0 : false;\n    });\n    return out;\n  }\n\n  /* Sorts groups by a column of the groups table (state {key, dir}); ties: most bytes first. */\n  function sortGroups(list, state) {\n    var k = state.key, d = state.dir;\n    function text(g) {\n      var st = M.stacks[g.stack];\n      return !st \? null : k === \"where\" \? st.whereName : st.whereLoc;\n    }\n    list.sort(function (a, b) {\n      var c;\n      if (k === \"where\" || k === \"loc\") {\n        var p = text(a), q = text(b);\n        if (p === q) c = 0;\n        else if (p === null) return 1;      // unknown last in either order\n        else if (q === null) return -1;\n        else c = collator.compare(p, q);\n      } else {\n        c = (Number(a[k]) || 0) - (Number(b[k]) || 0);\n      }\n      return c * d || b.bytes - a.bytes || b.count - a.count || a.stack - b.stack;\n    });\n    return list;\n  }\n\n  /* The frames of a stack, one a line, innermost first; the where frame marked. */\n",
    "  function stackLines(st) {\n    return st.frames.map(function (f, i) {\n      var loc = f && f.file \? \"  \" + visible(String(f.file)) + \":\" + f.line : \"\";\n      var mod = f && f.module \? \"  (\" + visible(baseName(String(f.module))) + (f[\"function\"] \? \"\" : \"\") + \")\" : \"\";\n      return (i === st.where \? \"\342\206\222 \" : \"  \") + visible(st.labels[i]) + loc + mod;\n    }).join(\"\\n\");\n  }\n\n  var LG_COLS = [\n    { key: \"where\", label: \"Where (function)\" }, { key: \"loc\", label: \"File:line\" },\n    { key: \"count\", label: \"Leaks\", num: true, title: \"allocations still live\" }, { key: \"bytes\", label: \"Bytes\", num: true },\n    { key: \"first\", label: \"First allocated\", num: true, title: \"when the first of them was allocated\" },\n    { key: \"last\", label: \"Last allocated\", num: true, title: \"when the last of them was allocated\" }, { label: \"Call stack\" }];\n\n  function groupRows(tbody, groups, lim) {\n    var frag = document.createDocumentFragment(), step = M.tEnd / 10000;\n    for (var i = 0; i < lim; i++) {\n      var g = groups[i], st = M.stacks[g.stack], tr = el(\"tr\", \"pick-row\" + (LK.stack === g.stack \? \" picked\" : \"\"));\n      tr.tabIndex = 0;\n      tr.title = \"List these \" + plural(g.count, \"allocation\") + \" one by one (stack \" + g.stack + \")\";\n      if (LK.stack === g.stack) tr.setAttribute(\"aria-current\", \"true\");\n      tr.setAttribute(\"data-bytes\", String(g.bytes));\n      tr.setAttribute(\"data-count\", String(g.count));\n      tr.setAttribute(\"data-stack\", String(g.stack));\n      if (st) {\n        tr.appendChild(td(visible(st.whereName), \"text\", stackChain(st, 12)));\n        tr.appendChild(st.whereLoc === null \? td(st.where >= 0 \? \"no line info\" : \"unknown\", \"null\") :\n          td(visible(st.whereLoc), \"text\", visible(String(st.frames[st.where].file)) + \":\" + st.frames[st.where].line));\n      } else {\n        tr.appendChild(td(g.stack \? \"stack \" + g.stack : \"no call stack\", \"null\"));\n        tr.appendChild(td(\"unknown\", \"null\"));\n      }\n",
    "      tr.appendChild(td(fmtCount(g.count), \"num\", plural(g.count, \"allocation\") + \" still live\"));\n      tr.appendChild(td(fmtBytes(g.bytes), \"num\", exact(g.bytes) + \" bytes\"));\n      tr.appendChild(td(fmtTimeAt(g.first, step, M.tEnd), \"num\", exact(g.first) + \" ns after the start\"));\n      tr.appendChild(td(fmtTimeAt(g.last, step, M.tEnd), \"num\", exact(g.last) + \" ns after the start\"));\n      var c = el(\"td\", \"text stack-cell\");\n      if (st && st.frames.length) {\n        var d = el(\"details\"), sm = el(\"summary\", null, plural(st.frames.length, \"frame\"));\n        d.appendChild(sm);\n        d.appendChild(el(\"pre\", \"stack\", stackLines(st)));\n        c.appendChild(d);\n      } else {\n        c.textContent = \"\342\200\223\";\n      }\n      tr.appendChild(c);\n      frag.appendChild(tr);\n    }\n    clear(tbody);\n    tbody.appendChild(frag);\n  }\n\n  /* A click on a group (or Enter on its focused row) lists its allocations one by one; a\n     click inside its \"N frames\" disclosure only opens that. */\n  function groupClicks(tbody) {\n    function pick(e) {\n      var tr = e.target.closest \? e.target.closest(\"tr[data-stack]\") : null;\n      if (!tr || !tbody.contains(tr) || e.target.closest(\"details\")) return;\n      filterLeaksToStack(Number(tr.getAttribute(\"data-stack\")));\n    }\n    tbody.addEventListener(\"click\", guard(pick));\n    tbody.addEventListener(\"keydown\", guard(function (e) {\n      if ((e.key === \"Enter\" || e.key === \" \") && e.target.matches && e.target.matches(\"tr[data-stack]\")) {\n        e.preventDefault();\n        pick(e);\n      }\n    }));\n  }\n\n  /* The flat list, filtered to one stack (null: every allocation again). */\n  function filterLeaksToStack(id) {\n    LK.stack = id;\n    LK.page = 0;\n    computeLeakRows();\n    renderLeaks();\n    if (id !== null && LG.on) {\n      setLeakView(\"flat\");\n      LG.setView(\"flat\");\n      $(\"leaks-stack-clear\").focus();\n    }\n    renderLeakGroups();\n  }\n\n  function renderStackFilter(total, bytes) {\n    var bar = $(\"leaks-stack-filter\");\n",
    "    bar.hidden = LK.stack === null;\n    bar.setAttribute(\"data-stack\", LK.stack === null \? \"\" : String(LK.stack));\n    if (LK.stack === null) return;\n    var st = M.stacks[LK.stack];\n    $(\"leaks-stack-filter-text\").textContent = \"Showing stack \" + LK.stack + \" \342\200\224 \" +\n      (st \? visible(st.whereName) + (st.whereLoc \? \" (\" + visible(st.whereLoc) + \")\" : \"\") : \"no call stack\") + \": \" +\n      plural(total, \"allocation\") + \", \" + fmtBytes(bytes);\n    if (st) $(\"leaks-stack-filter-text\").title = st.text;\n  }\n\n  function renderLeakGroups() {\n    if (!LG.on) return;\n    var all = leakGroups(), main = [], sup = [], i, mb = 0, mc = 0, sb = 0, sc = 0;\n    for (i = 0; i < all.length; i++) {\n      var g = all[i];\n      if (g.suppressed) { sup.push(g); sb += g.bytes; sc += g.count; } else { main.push(g); mb += g.bytes; mc += g.count; }\n    }\n    sortGroups(main, LG);\n    sortGroups(sup, LG.sup);\n    var lim = LG.all \? main.length : Math.min(main.length, GROUP_ROWS);\n    groupRows(LG.tbody, main, lim);\n    $(\"leak-groups\").setAttribute(\"data-total\", String(mc));\n    emptyNote(\"leak-groups\", main.length \? \"\" : LK.query \? \"No leak group matches the search.\" :\n      sup.length \? \"Nothing leaked besides the suppressed blocks below.\" : V.win \? \"No allocation made in this window is still live.\" : \"Nothing is live at exit: no leak.\");\n    var foot = $(\"leak-groups-foot\");\n    clear(foot);\n    foot.appendChild(document.createTextNode(plural(mc, \"leak\") + \", \" + fmtBytes(mb) + \" from \" + plural(main.length, \"call stack\") +\n      (V.win \? \" (allocated in the window)\" : M.hasCosts \? \" (whole run)\" : \"\") + \". \" +\n      (main.length || sup.length \? \"Click a column head to sort, a row to list its allocations one by one. \" : \"\")));\n    if (lim < main.length) {\n      var more = el(\"button\", \"btn\", \"Show all \" + exact(main.length) + \" groups\");\n      more.type = \"button\";\n      more.addEventListener(\"click\", guard(function () { LG.all = true; renderLeakGroups(); }));\n",
    "      foot.appendChild(more);\n    }\n    var box = $(\"leaks-suppressed\");\n    box.hidden = !sup.length;\n    box.setAttribute(\"data-count\", String(sc));\n    box.setAttribute(\"data-bytes\", String(sb));\n    var kinds = {};\n    sup.forEach(function (g) { kinds[g.suppressed] = 1; });\n    $(\"leaks-suppressed-summary\").textContent = \"Suppressed: \" + plural(sc, \"leak\") + \", \" + fmtBytes(sb) + \" (\" + exact(sb) + \" bytes) from \" +\n      plural(sup.length, \"call stack\") + \" \342\200\224 \" + (kinds.builtin \? \"blocks glibc keeps for the life of the process by design (stdio buffers, loader, locale\342\200\246)\" : \"\") +\n      (kinds.builtin && kinds.file \? \"; \" : \"\") + (kinds.file \? \"matched by the suppressions file\" : \"\");\n    groupRows(LG.stbody, sup, sup.length);\n  }\n\n  function setLeakView(v) {\n    LG.view = v;\n    $(\"leak-groups-box\").hidden = v !== \"groups\";\n    $(\"leaks-flat\").hidden = v === \"groups\";\n    $(\"leaks-section\").setAttribute(\"data-view\", v);\n  }\n\n  function buildLeaks() {\n    LK.tbody = sortableHead($(\"leaks\"), LK_COLS, LK, function () { LK.page = 0; computeLeakRows(); renderLeaks(); });\n    LG.on = M.r.stacks.length > 0;\n    if (LG.on) {\n        LG.tbody = sortableHead($(\"leak-groups\"), LG_COLS, LG, renderLeakGroups);\n      LG.stbody = sortableHead($(\"leak-groups-suppressed\"), LG_COLS, LG.sup, renderLeakGroups);\n      groupClicks(LG.tbody);\n      groupClicks(LG.stbody);\n      /* whole-program runs open on the groups; TRACK runs on every allocation, as before */\n      var first = M.whole \? \"groups\" : \"flat\";\n      LG.setView = segmented($(\"leaks-view\"), [[\"groups\", \"By call stack\", \"Live allocations grouped by call stack, largest first\"],\n        [\"flat\", \"Every allocation\", \"One row per live allocation\"]], first, function (v) { setLeakView(v); });\n      setLeakView(first);\n      renderLeakGroups();\n    }\n    var timer = 0, input = $(\"leaks-search\");\n    input.addEventListener(\"input\", guard(function () {\n      clearTimeout(timer);\n",
    "      timer = setTimeout(guard(function () { LK.query = input.value; LK.page = 0; computeLeakRows(); renderLeaks(); renderLeakGroups(); }), 120);\n    }));\n    $(\"leaks-stack-clear\").addEventListener(\"click\", guard(function () { filterLeaksToStack(null); }));\n    $(\"leaks-prev\").addEventListener(\"click\", guard(function () { LK.page--; renderLeaks(); }));\n    $(\"leaks-next\").addEventListener(\"click\", guard(function () { LK.page++; renderLeaks(); }));\n    computeLeakRows();\n  }\n\n  /* ------------------------------------------------------------------ 4f. threads */\n\n  var TH = { key: \"allocated\", dir: -1, tbody: null };\n  var TH_COLS = [\n    { key: \"id\", label: \"Thread id\", num: true }, { key: \"name\", label: \"Name\" },\n    { key: \"allocations\", label: \"Allocations\", num: true }, { key: \"deallocations\", label: \"Frees\", num: true },\n    { key: \"allocated\", label: \"Allocated\", num: true }, { key: \"current\", label: \"Current\", num: true },\n    { key: \"peak\", label: \"Peak\", num: true }];\n  var TH_FIELD = { id: \"thread_id\", allocations: \"allocations\", deallocations: \"deallocations\",\n    allocated: \"allocated_bytes\", current: \"current_bytes\", peak: \"peak_bytes\" };\n\n  function renderThreads() {\n    var list = M.threads.filter(function (th) { return th.stats; }), k = TH.key, d = TH.dir;\n    list.sort(function (a, b) {\n      var c = k === \"name\" \? collator.compare(a.name, b.name) : (Number(a.stats[TH_FIELD[k]]) || 0) - (Number(b.stats[TH_FIELD[k]]) || 0);\n      return c * d || a.index - b.index;\n    });\n    var tbody = TH.tbody, frag = document.createDocumentFragment();\n    clear(tbody);\n    list.forEach(function (th) {\n      var s = th.stats, tr = el(\"tr\");\n      var idc = td(String(th.id), \"num\");\n      if (th.color >= 0) { idc.insertBefore(swatch(threadColor(th), true), idc.firstChild); idc.title = \"colour of this thread in the timeline\"; }\n      tr.appendChild(idc);\n      tr.appendChild(th.name \? td(visible(th.name), \"text\") : td(\"(unnamed)\", \"null\"));\n",
    "      tr.appendChild(td(fmtCount(Number(s.allocations)), \"num\", exact(Number(s.allocations)) + \" allocations\"));\n      tr.appendChild(td(fmtCount(Number(s.deallocations)), \"num\", exact(Number(s.deallocations)) + \" frees\"));\n      tr.appendChild(td(fmtBytes(Number(s.allocated_bytes)), \"num\", exact(Number(s.allocated_bytes)) + \" bytes\"));\n      tr.appendChild(td(fmtBytes(Number(s.current_bytes)), \"num\", exact(Number(s.current_bytes)) + \" bytes\"));\n      tr.appendChild(td(fmtBytes(Number(s.peak_bytes)), \"num\", exact(Number(s.peak_bytes)) + \" bytes\"));\n      frag.appendChild(tr);\n    });\n    emptyNote(\"threads\", list.length \? \"\" : \"No thread recorded anything.\");\n    tbody.appendChild(frag);\n  }\n\n  function buildThreads() {\n    TH.tbody = sortableHead($(\"threads\"), TH_COLS, TH, renderThreads);\n    $(\"threads-note\").textContent = plural(M.r.threads.length, \"thread\") +\n      (M.undrawn > 0 \? \" \302\267 the \" + M.drawn.length + \" largest are drawn in the timeline\" : \"\");\n    renderThreads();\n  }\n\n  /* ------------------------------------------------------------------ 4g. flame graph */\n\n  var FL = { root: null, focus: null, sel: null, boxes: [], canvas: null, hover: null, metric: \"bytes\", dir: \"top\" };\n  /* the cost views: [value, label, unit formatter, what the value is] */\n  var FL_METRICS = {\n    bytes: [\"Bytes allocated\", fmtBytes, \"bytes allocated\"],\n    count: [\"Allocations\", function (n) { return fmtCount(n) + \" allocations\"; }, \"allocations\"],\n    leaked: [\"Leaked (live at the end)\", fmtBytes, \"bytes still live at the end (suppressed blocks left out)\"],\n    peak: [\"Live at the peak\", fmtBytes, \"bytes live at the peak\"],\n    temporary: [\"Temporary allocations\", function (n) { return fmtCount(n) + \" temporary\"; }, \"allocations freed before any other allocation\"]\n  };\n  function flameFmt(v) { return FL_METRICS[FL.metric][1](v); }\n\n  function FNode(name, parent, frame) {\n    this.name = name; this.parent = parent; this.frame = frame;\n",
    "    this.bytes = 0; this.count = 0; this.v = 0; this.kids = []; this.map = null; this.height = 0;\n    this.depth = parent \? parent.depth + 1 : 0;\n  }\n\n  /* The tree of the scope: stack_hotspots for the whole run, else the window's allocations\n     by stack id. Frames are merged by label along the path, outermost caller first. */\n  /* The metric's value of one stack's costs (null: not known for this scope). */\n  function metricOf(c, st) {\n    switch (FL.metric) {\n      case \"count\": return c.count;\n      case \"leaked\": return c.leaked === null \? null : st.suppressed \? 0 : c.leaked;\n      case \"peak\": return c.peak;\n      case \"temporary\": return c.temporary;\n      default: return c.bytes;\n    }\n  }\n\n  /* top-down: outermost caller at the top; bottom-up: the innermost frames (the allocating\n     functions) at the top, their callers below. */\n  function buildFlame() {\n    var list = stackCosts();\n    var root = new FNode(\"all\", null, null), any = false, unknown = false;\n    var up = FL.dir === \"bottom\";\n    list.forEach(function (e) {\n      var st = M.stacks[e.stack];\n      if (!st || !st.frames.length) return;\n      var v = metricOf(e, st);\n      if (v === null) { unknown = true; return; }\n      if (!v) return;\n      any = true;\n      root.bytes += e.bytes; root.count += e.count; root.v += v;\n      var cur = root, n = st.frames.length;\n      for (var j = 0; j < n; j++) {\n        var k = up \? j : n - 1 - j;\n        var name = st.labels[k];\n        if (!cur.map) cur.map = new Map();\n        var nd = cur.map.get(name);\n        if (!nd) { nd = new FNode(name, cur, st.frames[k]); cur.map.set(name, nd); cur.kids.push(nd); }\n        nd.bytes += e.bytes; nd.count += e.count; nd.v += v;\n        cur = nd;\n      }\n    });\n    FL.unknown = unknown && !any;\n    (function finish(nd) {\n      nd.map = null;\n      nd.kids.sort(function (x, y) { return y.v - x.v || y.bytes - x.bytes || collator.compare(x.name, y.name); });\n",
    "      nd.kids.forEach(function (k) { finish(k); if (k.height + 1 > nd.height) nd.height = k.height + 1; });\n    })(root);\n    FL.root = any \? root : null;\n    FL.total = root.v;\n    FL.focus = FL.root;\n    FL.sel = null;\n    FL.hover = null;\n  }\n\n  function frameColor(node) {\n    if (!node.parent) return \"hsl(220, 10%, 72%)\";\n    if (node.frame && node.frame.inlined) return \"hsl(160, 38%, 72%)\";\n    if (!node.frame || !node.frame[\"function\"]) return \"hsl(205, 22%, 74%)\";\n    var h = 0, s = node.name;\n    for (var i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;\n    return \"hsl(\" + (8 + ((h >>> 0) % 42)) + \", 78%, \" + (62 + ((h >>> 8) % 10)) + \"%)\";\n  }\n\n  function drawFlame() {\n    var host = $(\"flamegraph\"), status = $(\"flame-status\");\n    $(\"flame-reset\").disabled = !FL.root || FL.focus === FL.root;\n    host.setAttribute(\"data-metric\", FL.metric);\n    host.setAttribute(\"data-direction\", FL.dir);\n    host.setAttribute(\"data-total\", String(FL.total || 0));\n    if (!FL.root) {\n      clear(host);\n      host.removeAttribute(\"data-frames\");\n      host.setAttribute(\"data-empty\", \"true\");\n      var captured = M.r.stacks.length > 0;\n      host.textContent = !captured \? (M.whole \? \"No call stack was captured in this run (memscope run --no-stacks).\" :\n        \"No call stack was captured in this run: enable capture_call_stack (for example memscope_sampling_full()) to see where the bytes come from.\") :\n        FL.unknown \? \"This report has no per-stack \" + FL_METRICS[FL.metric][2] + \" for the whole run; select a time window to see them.\" :\n        (eventWin() \? \"No allocation with a call stack made in this window has \" : \"No call stack has \") + FL_METRICS[FL.metric][2] + \".\";\n      status.textContent = \"\";\n      FL.boxes = [];\n      return;\n    }\n    host.removeAttribute(\"data-empty\");\n    if (FL.canvas.parentNode !== host) { clear(host); host.appendChild(FL.canvas); }\n    var C = colors(), W = host.clientWidth || 600, focus = FL.focus;\n",
    "    var rows = focus.depth + focus.height + 1, H = rows * FLAME_ROW;\n    FL.canvas.style.height = H + \"px\";\n    var ctx = setupCanvas(FL.canvas, W, H);\n    ctx.font = \"12px \" + C.font;\n    ctx.textBaseline = \"middle\";\n    var boxes = FL.boxes = [];\n    function box(node, x, w, dim) {\n      var y = node.depth * FLAME_ROW;\n      boxes.push({ x: x, y: y, w: w, node: node });\n      ctx.globalAlpha = dim \? 0.55 : 1;\n      ctx.fillStyle = frameColor(node);\n      ctx.fillRect(x + 0.5, y + 0.5, Math.max(0.5, w - 1), FLAME_ROW - 1);\n      ctx.globalAlpha = 1;\n      if (node === FL.sel || node === FL.hover) {\n        ctx.strokeStyle = node === FL.sel \? C.focus : C.fg;\n        ctx.lineWidth = 2;\n        ctx.strokeRect(x + 1.5, y + 1.5, Math.max(1, w - 3), FLAME_ROW - 3);\n      }\n      if (w > 28) {\n        var label = node.parent \? visible(node.name) : \"all stacks \302\267 \" + flameFmt(node.v) + (FL.dir === \"bottom\" \? \" \302\267 bottom-up\" : \"\");\n        var text = fitText(ctx, label, w - 8);\n        if (text) { ctx.fillStyle = C[\"flame-text\"]; ctx.fillText(text, x + 4, y + FLAME_ROW / 2 + 0.5); }\n      }\n    }\n    for (var a = focus.parent, chain = []; a; a = a.parent) chain.push(a);\n    chain.forEach(function (nd) { box(nd, 0, W, true); });\n    (function place(nd, x, w) {\n      box(nd, x, w, false);\n      var cx = x;\n      for (var i = 0; i < nd.kids.length; i++) {\n        var k = nd.kids[i], kw = nd.v > 0 \? w * k.v / nd.v : 0;\n        if (kw >= 1) place(k, cx, kw);\n        cx += kw;\n      }\n    })(focus, 0, W);\n    host.setAttribute(\"data-frames\", String(boxes.length));\n    FL.canvas.setAttribute(\"aria-label\", (FL.dir === \"bottom\" \? \"Bottom-up graph of \" : \"Flame graph of \") + FL_METRICS[FL.metric][2] +\n      \" by call stack, \" + boxes.length + \" frames drawn; focused on \" + (focus.parent \? visible(focus.name) : \"all stacks\") + \", \" + flameFmt(focus.v));\n    if (!status.textContent || FL.sel === null && FL.hover === null) status.textContent = describeFrame(focus);\n  }\n\n",
    "  /* Longest prefix of `s` (with an ellipsis) that fits in `w` px. */\n  function fitText(ctx, s, w) {\n    if (ctx.measureText(s).width <= w) return s;\n    var lo = 0, hi = s.length;\n    while (lo < hi) {\n      var m = (lo + hi + 1) >> 1;\n      if (ctx.measureText(s.slice(0, m) + \"\342\200\246\").width <= w) lo = m; else hi = m - 1;\n    }\n    return lo >= 2 \? s.slice(0, lo) + \"\342\200\246\" : \"\";\n  }\n\n  function describeFrame(nd) {\n    var root = FL.root, f = nd.frame, where = \"\";\n    if (f && f[\"function\"] && f.module) where = \" in \" + baseName(String(f.module));\n    else if (f && f.address) where = \" at \" + f.address;\n    return (nd.parent \? visible(nd.name) + where : \"all stacks\") + \" \342\200\224 \" + flameFmt(nd.v) + \" (\" +\n      fmtPct(root.v \? nd.v / root.v * 100 : 0) + \" of the total: \" + FL_METRICS[FL.metric][2] + \" with a call stack)\" +\n      (FL.metric === \"bytes\" || FL.metric === \"count\" \? \"\" : \"; these stacks allocated \" + fmtBytes(nd.bytes) + \" in \" + plural(nd.count, \"allocation\"));\n  }\n\n  function flameHit(e) {\n    var r = FL.canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;\n    var depth = Math.floor(y / FLAME_ROW);\n    for (var i = 0; i < FL.boxes.length; i++) {\n      var b = FL.boxes[i];\n      if (b.node.depth === depth && x >= b.x && x < b.x + b.w) return b.node;\n    }\n    return null;\n  }\n\n  function setFocus(nd) {\n    if (!nd) return;\n    FL.focus = nd;\n    drawFlame();\n    $(\"flame-status\").textContent = describeFrame(nd);\n  }\n\n  function buildFlameUI() {\n    var c = FL.canvas = el(\"canvas\");\n    c.tabIndex = 0;\n    c.setAttribute(\"role\", \"img\");\n    c.addEventListener(\"mousemove\", guard(function (e) {\n      var nd = flameHit(e);\n      if (nd !== FL.hover) { FL.hover = nd; drawFlame(); }\n      if (!nd) { hideTooltip(); return; }\n      $(\"flame-status\").textContent = describeFrame(nd);\n      var lines = [[null, FL_METRICS[FL.metric][0] + \": \" + flameFmt(nd.v) + \" (\" + exact(nd.v) + \")\"],\n",
    "        [null, fmtBytes(nd.bytes) + \" allocated (\" + exact(nd.bytes) + \" bytes) in \" + exact(nd.count) + \" allocations\"]];\n      if (FL.root.v) lines.push([null, fmtPct(nd.v / FL.root.v * 100) + \" of the total\" +\n        (nd.parent && nd.parent.v \? \", \" + fmtPct(nd.v / nd.parent.v * 100) + \" of its \" + (FL.dir === \"bottom\" \? \"callee\" : \"caller\") : \"\")]);\n      if (nd.frame && nd.frame.inlined) lines.push([null, \"inlined by the compiler into the frame \" + (FL.dir === \"bottom\" \? \"below\" : \"above\")]);\n      if (nd.frame && nd.frame.file) lines.push([null, visible(String(nd.frame.file)) + \":\" + nd.frame.line]);\n      if (nd.frame && nd.frame.module) lines.push([null, visible(String(nd.frame.module)) + \" +0x\" + (Number(nd.frame.offset) || 0).toString(16)]);\n      showTooltip(e.clientX, e.clientY, nd.parent \? visible(nd.name) : \"all stacks\", lines);\n    }));\n    c.addEventListener(\"mouseleave\", guard(function () { FL.hover = null; hideTooltip(); drawFlame(); }));\n    c.addEventListener(\"click\", guard(function (e) {\n      var nd = flameHit(e);\n      if (!nd) return;\n      FL.sel = nd;\n      if (nd === FL.focus && nd.parent) setFocus(nd.parent);    // the focused frame: one level out\n      else setFocus(nd);                                          // a frame, an ancestor or the root\n    }));\n    c.addEventListener(\"keydown\", guard(function (e) {\n      if (!FL.root) return;\n      var s = FL.sel || FL.focus, p = s.parent, idx, next = null;\n      if (e.key === \"ArrowDown\") next = s.kids[0] || null;\n      else if (e.key === \"ArrowUp\") next = p;\n      else if (e.key === \"ArrowRight\" && p) { idx = p.kids.indexOf(s); next = p.kids[idx + 1] || null; }\n      else if (e.key === \"ArrowLeft\" && p) { idx = p.kids.indexOf(s); next = idx > 0 \? p.kids[idx - 1] : null; }\n      else if (e.key === \"Enter\" || e.key === \" \") { setFocus(s); e.preventDefault(); return; }\n      else if (e.key === \"Escape\") { FL.sel = FL.root; setFocus(FL.root); e.preventDefault(); return; }\n      else return;\n",
    "      e.preventDefault();\n      if (next) {\n        FL.sel = next;\n        drawFlame();\n        $(\"flame-status\").textContent = describeFrame(next);\n      }\n    }));\n    c.addEventListener(\"focus\", guard(function () {\n      if (!FL.root) return;\n      if (!FL.sel) FL.sel = FL.focus;\n      drawFlame();\n      $(\"flame-status\").textContent = describeFrame(FL.sel);\n    }));\n    $(\"flame-reset\").addEventListener(\"click\", guard(function () { FL.sel = null; setFocus(FL.root); }));\n    var ms = $(\"flame-metric\"), ds = $(\"flame-direction\");\n    Object.keys(FL_METRICS).forEach(function (k) {\n      var o = el(\"option\", null, FL_METRICS[k][0]);\n      o.value = k;\n      ms.appendChild(o);\n    });\n    ms.value = FL.metric;\n    function change() {\n      FL.metric = ms.value;\n      FL.dir = ds.value;\n      $(\"flame-status\").textContent = \"\";\n      buildFlame();\n      drawFlame();\n    }\n    ms.addEventListener(\"change\", guard(change));\n    ds.addEventListener(\"change\", guard(change));\n    /* for tests and scripts: the graph's root total and the frames just below it */\n    window.memscopeFlame = function () {\n      return { metric: FL.metric, direction: FL.dir, total: FL.total || 0,\n        children: FL.root \? FL.root.kids.map(function (k) { return { name: k.name, value: k.v }; }) : [],\n        names: FL.root \? (function walk(nd, out) { nd.kids.forEach(function (k) { out[k.name] = 1; walk(k, out); }); return out; })(FL.root, {}) : {} };\n    };\n  }\n\n  /* ------------------------------------------------------------------ 5. boot */\n\n  var redrawPending = false;\n  function redrawCanvases() {\n    if (redrawPending) return;\n    redrawPending = true;\n    requestAnimationFrame(guard(function () {\n      redrawPending = false;\n      drawTimeline();\n      SYS.charts.forEach(drawMini);\n      drawFlame();\n    }));\n  }\n\n  function boot() {\n    var r = readReport();\n    M = buildModel(r);\n    var t0 = performance.now();\n    decodeEvents(M);\n    var decodeMs = performance.now() - t0;\n",
    "    pickThreads(M);\n    buildHeader();\n    buildBanners();\n    buildCards();\n    buildTimeline();\n    buildSystem();\n    buildHotspots();\n    buildLeaks();\n    buildThreads();\n    buildFlameUI();\n    buildFlame();\n    updateWindowLabel();\n    drawTimeline();\n    SYS.charts.forEach(drawMini);\n    renderHotspots();\n    renderLeaks();\n    drawFlame();\n    if (typeof ResizeObserver === \"function\") {\n      var ro = new ResizeObserver(redrawCanvases);\n      ro.observe($(\"timeline-wrap\"));\n      ro.observe($(\"flamegraph\"));\n      ro.observe($(\"system-charts\"));\n    } else {\n      window.addEventListener(\"resize\", redrawCanvases);\n    }\n    if (window.matchMedia) {\n      var mq = window.matchMedia(\"(prefers-color-scheme: dark)\");\n      var onTheme = function () { colorCache = null; redrawCanvases(); };\n      if (mq.addEventListener) mq.addEventListener(\"change\", onTheme); else if (mq.addListener) mq.addListener(onTheme);\n    }\n    var readyMs = performance.now();\n    window.memscopeTimings = { decode_ms: decodeMs, ready_ms: readyMs, script_start_ms: SCRIPT_START };\n    $(\"footer\").textContent = \"memscope dashboard \302\267 a self-contained page: it loads nothing from the network \302\267 \" +\n      exact(M.n) + \" events decoded in \" + decodeMs.toFixed(0) + \" ms, page ready \" + readyMs.toFixed(0) + \" ms after navigation\";\n  }\n\n  try {\n    boot();\n  } catch (e) {\n    fail(e);\n    var line = $(\"summary-line\");\n    if (line && line.textContent.indexOf(\"Loading\") === 0) line.textContent = \"The report could not be shown.\";\n  } finally {\n    if (!window.memscopeTimings) window.memscopeTimings = { decode_ms: 0, ready_ms: performance.now() };\n    window.memscopeReady = true;\n  }\n})();\n</script>\n</body>\n</html>\n",
    NULL};
/* END GENERATED DASHBOARD */

#define MS__HTML_RECORD 36 /* f64 t_ns, f64 size, f64 address, u32 site, u32 thread|free<<31, u32 stack */

typedef struct ms__b64 { unsigned char carry[3]; unsigned n; char line[4096]; size_t len; } ms__b64;

static void ms__b64_flush(ms__out *o, ms__b64 *b) {
    ms__out_mem(o, b->line, b->len);
    b->len = 0;
}

static const char ms__b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void ms__b64_put(ms__out *o, ms__b64 *b, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        b->carry[b->n++] = p[i];
        if (b->n < 3) continue;
        if (b->len + 4 > sizeof b->line) ms__b64_flush(o, b);
        unsigned v = (unsigned)b->carry[0] << 16 | (unsigned)b->carry[1] << 8 | b->carry[2];
        b->line[b->len++] = ms__b64_alphabet[v >> 18];
        b->line[b->len++] = ms__b64_alphabet[(v >> 12) & 63];
        b->line[b->len++] = ms__b64_alphabet[(v >> 6) & 63];
        b->line[b->len++] = ms__b64_alphabet[v & 63];
        b->n = 0;
    }
}

static void ms__b64_end(ms__out *o, ms__b64 *b) {
    if (b->len + 4 > sizeof b->line) ms__b64_flush(o, b);
    if (b->n) {
        unsigned v = (unsigned)b->carry[0] << 16 | (b->n > 1 ? (unsigned)b->carry[1] << 8 : 0u);
        b->line[b->len++] = ms__b64_alphabet[v >> 18];
        b->line[b->len++] = ms__b64_alphabet[(v >> 12) & 63];
        b->line[b->len++] = b->n > 1 ? ms__b64_alphabet[(v >> 6) & 63] : '=';
        b->line[b->len++] = '=';
        b->n = 0;
    }
    ms__b64_flush(o, b);
}

/* A page holds at most this many event records (48 bytes each in base64: 48 MB). A run of more
   events than that gets a binned page instead: a timeline of the whole run pre-binned in C (live
   bytes per bin: minimum, maximum and the value at the bin's end, for the total and for the
   largest allocating threads; allocations, frees and bytes per bin), and as event records only
   the allocations still live at the end, in time order. The per-site and per-stack totals (the
   hotspots, the flame graph, the leaks by stack) are the whole run's either way. */
#ifndef MEMSCOPE_HTML_MAX_EVENTS
#define MEMSCOPE_HTML_MAX_EVENTS 1000000u
#endif
#define MS__TL_BINS 2048u   /* timeline bins of a binned page (a power of two) */
#define MS__TL_THREADS 12u  /* threads the binned timeline draws (the dashboard's TIMELINE_THREADS) */

static void ms__html_record(unsigned char *rec, uint32_t site, const memscope_event *ev) {
    ms__put_f64(rec, (double)ev->timestamp_ns);
    ms__put_f64(rec + 8, (double)ev->size);
    ms__put_f64(rec + 16, (double)ev->address);
    ms__put_le(rec + 24, site, 4);
    ms__put_le(rec + 28, (ev->thread_id & 0x7fffffffu) | (ev->kind == MEMSCOPE_EVENT_FREE ? 0x80000000u : 0u), 4);
    ms__put_le(rec + 32, ev->stack_id, 4);
}

static void ms__html_event(ms__out *o, void *ctx, uint32_t site, const memscope_event *ev, uint64_t index) {
    if (index >= MEMSCOPE_HTML_MAX_EVENTS) return;
    unsigned char rec[MS__HTML_RECORD];
    ms__html_record(rec, site, ev);
    ms__b64_put(o, (ms__b64 *)ctx, rec, sizeof rec);
}

/* One series of the binned timeline: per bin the minimum, the maximum and the last value. */
typedef struct ms__tl_series {
    int64_t cur;
    int64_t mn[MS__TL_BINS], mx[MS__TL_BINS], last[MS__TL_BINS];
} ms__tl_series;

/* The binned page's pass: the bins, and the live blocks by address (open addressing, linear
   probing, backward-shift deletion) whose survivors are the page's records. */
typedef struct ms__tl {
    uint64_t w;                            /* ns per bin; doubles when an event is past the last bin */
    uint32_t used;                         /* bins up to the last event's */
    uint64_t last_ns, nev;
    uint8_t has[MS__TL_BINS];
    uint64_t na[MS__TL_BINS], nf[MS__TL_BINS], ab[MS__TL_BINS];
    ms__tl_series total;
    uint32_t nthr, tid[MS__TL_THREADS];
    ms__tl_series thr[MS__TL_THREADS];
    /* live blocks: key address, value a record and its event index */
    uintptr_t *key;
    uint64_t *seq;
    unsigned char *rec;                    /* MS__HTML_RECORD bytes per slot */
    size_t cap, count, limit;
    int full;                              /* an allocation was not kept: the list is partial */
} ms__tl;

static size_t ms__tl_home(const ms__tl *b, uintptr_t a) {
    return (size_t)(((uint64_t)a >> 4) * 0x9e3779b97f4a7c15ull >> 20) & (b->cap - 1);
}

static void ms__tl_series_fold(ms__tl_series *s, const uint8_t *has) {
    for (uint32_t k = 0; k < MS__TL_BINS / 2; k++) {
        uint32_t a = 2 * k, c = 2 * k + 1;
        if (has[a] && has[c]) {
            s->mn[k] = s->mn[a] < s->mn[c] ? s->mn[a] : s->mn[c];
            s->mx[k] = s->mx[a] > s->mx[c] ? s->mx[a] : s->mx[c];
            s->last[k] = s->last[c];
        } else {
            uint32_t f = has[c] ? c : a;
            s->mn[k] = s->mn[f]; s->mx[k] = s->mx[f]; s->last[k] = s->last[f];
        }
    }
}

/* Halves the resolution: bin pairs become one bin of twice the width. */
static void ms__tl_fold(ms__tl *b) {
    ms__tl_series_fold(&b->total, b->has);
    for (uint32_t i = 0; i < b->nthr; i++) ms__tl_series_fold(&b->thr[i], b->has);
    for (uint32_t k = 0; k < MS__TL_BINS / 2; k++) {
        b->na[k] = b->na[2 * k] + b->na[2 * k + 1];
        b->nf[k] = b->nf[2 * k] + b->nf[2 * k + 1];
        b->ab[k] = b->ab[2 * k] + b->ab[2 * k + 1];
        b->has[k] = (uint8_t)(b->has[2 * k] | b->has[2 * k + 1]);
    }
    memset(b->na + MS__TL_BINS / 2, 0, MS__TL_BINS / 2 * sizeof *b->na);
    memset(b->nf + MS__TL_BINS / 2, 0, MS__TL_BINS / 2 * sizeof *b->nf);
    memset(b->ab + MS__TL_BINS / 2, 0, MS__TL_BINS / 2 * sizeof *b->ab);
    memset(b->has + MS__TL_BINS / 2, 0, MS__TL_BINS / 2);
    b->used = (b->used + 1) / 2;
    b->w *= 2;
}

static void ms__tl_put(ms__tl_series *s, uint32_t k, int fresh, int64_t d) {
    s->cur += d;
    if (fresh) { s->mn[k] = s->mx[k] = s->cur; }
    else { if (s->cur < s->mn[k]) s->mn[k] = s->cur; if (s->cur > s->mx[k]) s->mx[k] = s->cur; }
    s->last[k] = s->cur;
}

static int ms__tl_grow(ms__tl *b) {
    size_t ncap = b->cap ? b->cap * 2 : 1024;
    uintptr_t *key = (uintptr_t *)ms__calloc(ncap, sizeof *key);
    uint64_t *seq = (uint64_t *)ms__calloc(ncap, sizeof *seq);
    unsigned char *rec = (unsigned char *)ms__calloc(ncap, MS__HTML_RECORD);
    if (!key || !seq || !rec) { MEMSCOPE_FREE(key); MEMSCOPE_FREE(seq); MEMSCOPE_FREE(rec); return 0; }
    uintptr_t *okey = b->key;
    uint64_t *oseq = b->seq;
    unsigned char *orec = b->rec;
    size_t ocap = b->cap;
    b->key = key; b->seq = seq; b->rec = rec; b->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (!okey[i]) continue;
        size_t h = ms__tl_home(b, okey[i]);
        while (key[h]) h = (h + 1) & (ncap - 1);
        key[h] = okey[i]; seq[h] = oseq[i];
        memcpy(rec + h * MS__HTML_RECORD, orec + i * MS__HTML_RECORD, MS__HTML_RECORD);
    }
    MEMSCOPE_FREE(okey); MEMSCOPE_FREE(oseq); MEMSCOPE_FREE(orec);
    return 1;
}

/* The live block at address a: its slot, or the empty slot where it would go. */
static size_t ms__tl_find(const ms__tl *b, uintptr_t a) {
    size_t h = ms__tl_home(b, a);
    while (b->key[h] && b->key[h] != a) h = (h + 1) & (b->cap - 1);
    return h;
}

static void ms__tl_remove(ms__tl *b, size_t h) {
    size_t mask = b->cap - 1, g = h;
    for (;;) {
        g = (g + 1) & mask;
        if (!b->key[g]) break;
        size_t home = ms__tl_home(b, b->key[g]);
        if ((g > h && (home <= h || home > g)) || (g < h && home <= h && home > g)) {
            b->key[h] = b->key[g]; b->seq[h] = b->seq[g];
            memcpy(b->rec + h * MS__HTML_RECORD, b->rec + g * MS__HTML_RECORD, MS__HTML_RECORD);
            h = g;
        }
    }
    b->key[h] = 0;
    b->count--;
}

static void ms__tl_event(ms__out *o, void *ctx, uint32_t site, const memscope_event *ev, uint64_t index) {
    ms__tl *b = (ms__tl *)ctx;
    (void)o;
    uint64_t t = ev->timestamp_ns;
    while (t / b->w >= MS__TL_BINS) ms__tl_fold(b);
    uint32_t k = (uint32_t)(t / b->w);
    if (k + 1 < b->used) k = b->used - 1; /* (merged in time order: never earlier) */
    int fresh = !b->has[k];
    b->has[k] = 1;
    if (k + 1 > b->used) b->used = k + 1;
    b->last_ns = t > b->last_ns ? t : b->last_ns;
    b->nev = index + 1;
    int is_free = ev->kind == MEMSCOPE_EVENT_FREE;
    int64_t d = is_free ? -(int64_t)ev->size : (int64_t)ev->size;
    ms__tl_put(&b->total, k, fresh, d);
    uint32_t owner = is_free ? ev->alloc_thread_id : ev->thread_id;
    for (uint32_t i = 0; i < b->nthr; i++) {
        if (fresh) ms__tl_put(&b->thr[i], k, 1, 0); /* opens the bin at the running value */
        if (b->tid[i] == owner && owner) ms__tl_put(&b->thr[i], k, 0, d);
    }
    if (is_free) { b->nf[k]++; } else { b->na[k]++; b->ab[k] += ev->size; }
    /* the live blocks */
    if (!ev->address || o->err) return;
    if (is_free) {
        if (!b->count) return;
        size_t h = ms__tl_find(b, ev->address);
        if (b->key[h]) ms__tl_remove(b, h);
        return;
    }
    size_t h = b->key ? ms__tl_find(b, ev->address) : 0;
    if (!b->key || !b->key[h]) { /* a new live block: kept while the table has room */
        if (b->count >= b->limit || (b->count + 1 > b->cap / 2 && !ms__tl_grow(b))) { b->full = 1; return; }
        h = ms__tl_find(b, ev->address);
        b->key[h] = ev->address;
        b->count++;
    } /* (else an allocation where a block is live: its free was not recorded; this one replaces it) */
    b->seq[h] = index;
    ms__html_record(b->rec + h * MS__HTML_RECORD, site, ev);
}

static int ms__tl_seq_cmp(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, c = *(const uint64_t *)y;
    return a < c ? -1 : a > c;
}

static void ms__out_i64(ms__out *o, int64_t v) {
    if (v < 0) { ms__out_lit(o, "-"); ms__out_u64(o, (uint64_t)0 - (uint64_t)v); }
    else ms__out_u64(o, (uint64_t)v);
}

static void ms__tl_array(ms__out *o, const char *key, const int64_t *v, const uint64_t *u, uint32_t n) {
    ms__out_lit(o, ",\"");
    ms__out_mem(o, key, strlen(key));
    ms__out_lit(o, "\":[");
    for (uint32_t k = 0; k < n; k++) {
        if (k) ms__out_lit(o, ",");
        if (v) ms__out_i64(o, v[k]); else ms__out_u64(o, u[k]);
    }
    ms__out_lit(o, "]");
}

/* Bins without an event hold the value of the last one before them. */
static void ms__tl_series_out(ms__out *o, ms__tl_series *s, const uint8_t *has, uint32_t n) {
    int64_t carry = 0;
    for (uint32_t k = 0; k < n; k++) {
        if (has[k]) { carry = s->last[k]; continue; }
        s->mn[k] = s->mx[k] = s->last[k] = carry;
    }
    ms__tl_array(o, "live_min", s->mn, NULL, n);
    ms__tl_array(o, "live_max", s->mx, NULL, n);
    ms__tl_array(o, "live_last", s->last, NULL, n);
}

static void ms__tl_json(ms__out *o, ms__tl *b) {
    uint32_t n = b->used;
    ms__out_key(o, "timeline");
    ms__out_lit(o, "{\"bins\":"); ms__out_u64(o, n);
    ms__out_key(o, "bin_ns"); ms__out_u64(o, b->w);
    ms__out_key(o, "events"); ms__out_u64(o, b->nev);
    ms__out_key(o, "last_event_ns"); ms__out_u64(o, b->last_ns);
    ms__out_key(o, "page_events_max"); ms__out_u64(o, MEMSCOPE_HTML_MAX_EVENTS);
    ms__out_key(o, "records"); ms__out_lit(o, "\"live at the end\"");
    ms__out_key(o, "records_complete"); if (b->full) ms__out_lit(o, "false"); else ms__out_lit(o, "true");
    ms__tl_array(o, "allocations", NULL, b->na, n);
    ms__tl_array(o, "frees", NULL, b->nf, n);
    ms__tl_array(o, "allocated_bytes", NULL, b->ab, n);
    ms__tl_series_out(o, &b->total, b->has, n);
    ms__out_key(o, "threads"); ms__out_lit(o, "[");
    for (uint32_t i = 0; i < b->nthr; i++) {
        if (i) ms__out_lit(o, ",");
        ms__out_lit(o, "\n{\"thread_id\":"); ms__out_u64(o, b->tid[i]);
        ms__tl_series_out(o, &b->thr[i], b->has, n);
        ms__out_lit(o, "}");
    }
    ms__out_lit(o, "]}");
}

/* The binned page's pass: bins for the whole run and the live blocks, then the live blocks as
   the page's records in time order. Returns the records written. */
static uint64_t ms__tl_pass(ms__out *o, memscope_tracker *t, ms__tl *b, const memscope_report *r,
                            uint64_t *stack_bytes, uint64_t *stack_count, uint32_t nstacks) {
    b->w = 1; /* doubled while events are past the last bin: 1024-2048 bins of a power of two ns */
    b->limit = MEMSCOPE_HTML_MAX_EVENTS;
    /* the threads drawn: the largest allocators (by bytes, then the report's order) */
    size_t top[MS__TL_THREADS];
    for (size_t i = 0; i < r->thread_count; i++) {
        uint64_t bytes = r->threads[i].allocated_bytes;
        uint32_t j = b->nthr;
        while (j && r->threads[top[j - 1]].allocated_bytes < bytes) j--;
        if (j >= MS__TL_THREADS) continue;
        uint32_t end = b->nthr < MS__TL_THREADS ? b->nthr++ : MS__TL_THREADS - 1;
        for (uint32_t q = end; q > j; q--) top[q] = top[q - 1];
        top[j] = i;
    }
    for (uint32_t i = 0; i < b->nthr; i++) b->tid[i] = r->threads[top[i]].thread_id;
    ms__each_event(o, t, stack_bytes, stack_count, nstacks, ms__tl_event, b);
    return b->count;
}

/* Events in merged order as base64 records. */
static uint64_t ms__html_events(ms__out *o, memscope_tracker *t, uint64_t *stack_bytes, uint64_t *stack_count,
                                uint32_t nstacks) {
    ms__b64 *b = (ms__b64 *)ms__calloc(1, sizeof *b);
    if (!b) { o->err = ENOMEM; return 0; }
    uint64_t count = ms__each_event(o, t, stack_bytes, stack_count, nstacks, ms__html_event, b);
    ms__b64_end(o, b);
    MEMSCOPE_FREE(b);
    return count;
}

static void ms__out_parts(ms__out *o, const char *const *parts) {
    for (; *parts; parts++) ms__out_mem(o, *parts, strlen(*parts));
}

/* The live blocks of a binned page's pass, in time order, as base64 records. */
static void ms__tl_records(ms__out *o, ms__tl *b) {
    uint64_t (*order)[2] = b->count ? (uint64_t (*)[2])ms__calloc(b->count, sizeof *order) : NULL;
    ms__b64 *enc = (ms__b64 *)ms__calloc(1, sizeof *enc);
    if ((b->count && !order) || !enc) { o->err = ENOMEM; MEMSCOPE_FREE(order); MEMSCOPE_FREE(enc); return; }
    size_t n = 0;
    for (size_t i = 0; i < b->cap && n < b->count; i++)
        if (b->key[i]) { order[n][0] = b->seq[i]; order[n][1] = i; n++; }
    if (n > 1) qsort(order, n, sizeof *order, ms__tl_seq_cmp); /* by the event index, the first word */
    for (size_t i = 0; i < n; i++) ms__b64_put(o, enc, b->rec + order[i][1] * MS__HTML_RECORD, MS__HTML_RECORD);
    ms__b64_end(o, enc);
    MEMSCOPE_FREE(enc);
    MEMSCOPE_FREE(order);
}

MEMSCOPE_DEF memscope_result memscope_export_html(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    ms__export x;
    memscope_result res = ms__export_begin(&x, t, path, 1);
    if (res != MEMSCOPE_OK) return res;
    ms__out *o = x.f.out;
    uint64_t nev = 0, nrec = 0;
    /* more events than a page holds (the report's counts tell before the pass): a binned page */
    ms__tl *b = NULL;
    if ((uint64_t)x.r.total_allocations + x.r.total_deallocations > MEMSCOPE_HTML_MAX_EVENTS) {
        b = (ms__tl *)ms__calloc(1, sizeof *b);
        if (!b) o->err = ENOMEM;
        else if (x.sb && x.sc) nrec = ms__tl_pass(o, t, b, &x.r, x.sb, x.sc, x.nstacks);
        if (b) nev = b->nev;
    }
    ms__out_parts(o, ms__dash_part0);
    if (b) ms__tl_records(o, b);
    else if (x.sb && x.sc) { nev = ms__html_events(o, t, x.sb, x.sc, x.nstacks); nrec = nev; }
    ms__out_parts(o, ms__dash_part1);
    ms__json_report(o, t, &x.r);
    ms__json_sites(o, t);
    ms__out_key(o, "event_count"); ms__out_u64(o, nrec < MEMSCOPE_HTML_MAX_EVENTS ? nrec : MEMSCOPE_HTML_MAX_EVENTS);
    ms__out_key(o, "events_total"); ms__out_u64(o, nev);
    ms__out_key(o, "event_record_bytes"); ms__out_u64(o, MS__HTML_RECORD);
    ms__out_key(o, "events"); ms__out_lit(o, "null");
    if (b) ms__tl_json(o, b);
    if (x.sb && x.sc) ms__json_stacks(o, t, x.nstacks, x.sb, x.sc);
    ms__out_lit(o, "}");
    ms__out_parts(o, ms__dash_part2);
    if (b) { MEMSCOPE_FREE(b->key); MEMSCOPE_FREE(b->seq); MEMSCOPE_FREE(b->rec); MEMSCOPE_FREE(b); }
    return ms__export_end(&x);
}
#else
MEMSCOPE_DEF memscope_result memscope_export_html(memscope_tracker *t, const char *path) {
    if (!t || !path || !*path) return MEMSCOPE_ERR_INVALID_ARG;
    return MEMSCOPE_ERR_UNSUPPORTED; /* compiled out */
}
#endif


#undef MS__LIKELY
#undef MS__UNLIKELY
#endif /* MEMSCOPE_IMPLEMENTATION_INCLUDED */
#endif /* MEMSCOPE_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 the memscope.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
*/
