/* fuzz_msb.c - libFuzzer harness for the .msb reader (make fuzz; make test replays the corpus
 * and runs a short smoke). Every input either loads, and then the loaded tracker is analysed
 * and its events and JSON produced, or is refused with MEMSCOPE_ERR_FORMAT: never a crash, a
 * hang, a leak or an allocation out of proportion to the input. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "../../memscope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *copy = (unsigned char *)malloc(size ? size : 1);
    if (!copy) return 0;
    if (size) memcpy(copy, data, size);
    /* Half of the inputs get their section CRCs recomputed, so mutations reach the parsers
       behind the CRC check instead of stopping at it. */
    if (size > 16 && (data[size - 1] & 1)) {
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
    memscope_result res;
    memscope_tracker *t = ms__load_buffer(copy, size, &res);
    if (!t) {
        if (res != MEMSCOPE_ERR_FORMAT && res != MEMSCOPE_ERR_NO_MEMORY) __builtin_trap();
        return 0;
    }
    memscope_report r = memscope_analyze(t);
    memscope_report_free(&r);
    size_t n = 0;
    free(memscope_events(t, &n));
    (void)memscope_stats(t);
    memscope_destroy(t);
    return 0;
}
