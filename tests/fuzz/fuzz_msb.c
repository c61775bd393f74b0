/* fuzz_msb.c - libFuzzer harness for memscope_load's readers, the .msb one and the JSON report
 * one (an input whose first byte after white space is '{'; seeds tests/fuzz/corpus/json-*)
 * (make fuzz; make test replays the corpus and runs a short smoke). Every input either loads,
 * and then the loaded tracker is analysed,
 * its events and JSON produced and it is written through every writer that turns its numbers
 * into text or integers, or is refused with MEMSCOPE_ERR_FORMAT: never a crash, a hang, a
 * leak, undefined behaviour (hostile doubles: NaN, infinities, values beyond 2^64) or an
 * allocation out of proportion to the input. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "../../memscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Exports go to a private directory (in memory when /dev/shm exists: each export fsyncs), made
   once and removed at exit; every file is unlinked after its export. */
static char fz_dir[64];

static void fz_rmdir(void) {
    if (fz_dir[0]) rmdir(fz_dir);
}

static const char *fz_dir_get(void) {
    if (!fz_dir[0]) {
        struct stat st;
        const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(fz_dir, sizeof fz_dir, "%s/fuzz_msb-XXXXXX", base);
        if (!mkdtemp(fz_dir)) { perror("fuzz_msb: mkdtemp"); abort(); }
        atexit(fz_rmdir);
    }
    return fz_dir;
}

static const struct {
    const char *name;
    memscope_result (*write)(memscope_tracker *, const char *);
} fz_writers[] = {
    {"x.prom", memscope_export_prometheus}, {"x.msb", memscope_export_binary},
    {"x.json", memscope_export_json},       {"x.folded", memscope_export_folded},
    {"x.trace.json", memscope_export_trace}, {"x.pprof", memscope_export_pprof},
    {"x.massif", memscope_export_massif},   {"x.dhat.json", memscope_export_dhat},
};
enum { FZ_NWRITERS = sizeof fz_writers / sizeof fz_writers[0] };

static void fz_export(memscope_tracker *t) {
    char path[128];
    for (unsigned i = 0; i < FZ_NWRITERS; i++) {
        snprintf(path, sizeof path, "%s/%s", fz_dir_get(), fz_writers[i].name);
        memscope_result res = fz_writers[i].write(t, path);
        /* A loaded tracker is always writable; only the machine can refuse (memory, disk). */
        if (res != MEMSCOPE_OK && res != MEMSCOPE_ERR_NO_MEMORY && res != MEMSCOPE_ERR_IO) __builtin_trap();
        unlink(path);
    }
}

/* memscope_msb_record_exit on the input as a file (what memscope run does to its program's
   file): it refuses the file, or leaves it untouched, or cuts it after a complete section and
   appends EXIT, which a load that succeeds then reads back as the signal given. */
static void fz_record_exit(const unsigned char *data, size_t size) {
    char path[128];
    snprintf(path, sizeof path, "%s/in.msb", fz_dir_get());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    ssize_t w = size ? write(fd, data, size) : 0;
    close(fd);
    if (w != (ssize_t)size) { unlink(path); return; }
    memscope_result res = memscope_msb_record_exit(path, -1, 9);
    if (res != MEMSCOPE_OK && res != MEMSCOPE_ERR_FORMAT && res != MEMSCOPE_ERR_NO_MEMORY && res != MEMSCOPE_ERR_IO) __builtin_trap();
    struct stat st;
    if (stat(path, &st) != 0) __builtin_trap();
    size_t now = (size_t)st.st_size;
    unsigned char *back = (unsigned char *)malloc(now ? now : 1);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (!back || fd < 0 || read(fd, back, now) != (ssize_t)now) __builtin_trap();
    close(fd);
    int same = now == size && (!size || memcmp(back, data, size) == 0);
    if (res != MEMSCOPE_OK && !same) __builtin_trap(); /* refused: untouched */
    if (!same) { /* a prefix of the input, then the 22 bytes of EXIT */
        if (now < 16 + 22 || now - 22 > size || memcmp(back, data, now - 22) != 0 ||
            memcmp(back + now - 22, "\x0d\0\0\0\0\0\0\0\x02\0\0\0\0\0\0\0\x89\x02", 18) != 0)
            __builtin_trap();
        memscope_result lr;
        memscope_tracker *t = memscope_load(path, &lr);
        memscope_context cx;
        if (t && (memscope_get_context(t, &cx) != MEMSCOPE_OK || cx.exit_signal != 9)) __builtin_trap();
        if (t) memscope_destroy(t);
    }
    free(back);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *copy = (unsigned char *)malloc(size ? size : 1);
    if (!copy) return 0;
    if (size) memcpy(copy, data, size);
    /* Half of the inputs get their section CRCs recomputed, so mutations reach the parsers
       behind the CRC check instead of stopping at it. */
    size_t lead = 0; /* a JSON report: no CRCs */
    while (lead < size && (data[lead] == ' ' || data[lead] == '\n' || data[lead] == '\r' || data[lead] == '\t')) lead++;
    int json = lead < size && data[lead] == '{';
    if (!json && size > 16 && (data[size - 1] & 1)) {
        size_t off = 16;
        while (size - off >= 20) {
            uint64_t len = 0;
            for (int i = 7; i >= 0; i--) len = len << 8 | copy[off + 8 + (size_t)i];
            if (len > size - off - 20) break;
            uint32_t crc = ms__crc32(ms__crc32(0, copy + off, 16), copy + off + 16, (size_t)len);
            ms__put_le(copy + off + 16 + len, crc, 4);
            off += 20 + (size_t)len;
        }
    }
    if (!json) fz_record_exit(copy, size);
    memscope_result res;
    memscope_tracker *t = ms__load_any(copy, size, &res);
    if (!t) {
        if (res != MEMSCOPE_ERR_FORMAT && res != MEMSCOPE_ERR_NO_MEMORY) __builtin_trap();
        /* the JSON reader refuses what the .msb reader of its image would: that one never must */
        if (json && strstr(memscope_load_error(), "converted")) __builtin_trap();
        /* every refusal says where */
        if (res == MEMSCOPE_ERR_FORMAT && !strstr(memscope_load_error(), "offset")) __builtin_trap();
        return 0;
    }
    memscope_report r = memscope_analyze(t);
    memscope_report_free(&r);
    /* compressed EVENTS let a small input hold millions of events: the passes over them are
       bounded in memory, but memscope_events returns an array of them all, and writing them
       all takes long; such inputs stop at the analysis */
    memscope_load_info li;
    if (memscope_loaded_info(t, &li) == MEMSCOPE_OK && li.events > ((uint64_t)1 << 20)) {
        memscope_destroy(t);
        return 0;
    }
    size_t n = 0;
    free(memscope_events(t, &n));
    (void)memscope_stats(t);
    fz_export(t);
    memscope_destroy(t);
    return 0;
}
