/* test_monitor_gpu.c - the NVML path of the monitor, against a stand-in libnvidia-ml.so.1.
 *
 * The monitor loads NVML with dlopen("libnvidia-ml.so.1"). This test re-executes itself with
 * build/fake-nvml (tests/gpu/fake_nvml.c, built by the Makefile) first on LD_LIBRARY_PATH, so the
 * loader finds a library with the real entry points and struct layouts that reports two GPUs
 * with known values. It checks the snapshot's GPU fields exactly, that NVML is polled at most
 * every gpu_interval_ms while other metrics are sampled faster, that readings are fresh at each
 * poll, and that NVML is shut down when the monitor stops. The real-GPU comparison with
 * nvidia-smi needs a machine with an NVIDIA GPU (see README, System metrics).
 */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ms_test.h"

#define GIB (1ull << 30)
#define MIB (1ull << 20)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long fake_counter(const char *name) {
    void *lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!lib) return (unsigned long)-1;
    unsigned long (*fn)(void) = NULL;
    void *sym = dlsym(lib, name);
    memcpy(&fn, &sym, sizeof fn);
    unsigned long v = fn ? fn() : (unsigned long)-1;
    dlclose(lib);
    return v;
}

static void test_gpu_fields_from_nvml(void **state) {
    (void)state;
    memscope_monitor_config c = memscope_monitor_default();
    c.interval_ms = 20;
    c.gpu_interval_ms = 500;
    assert_int_equal(memscope_set_monitor_config(c), MEMSCOPE_OK);
    memscope_tracker *t = memscope_with_system_monitoring(memscope_new());
    double limit = now_s() + 10;
    while (!(memscope_current_system_snapshot(t).available & MEMSCOPE_METRIC_GPU_MEMORY))
        if (now_s() > limit) fail_msg("no GPU reading in 10 s: was the fake NVML loaded?");
    double t0 = now_s();
    unsigned long calls0 = fake_counter("fake_nvml_calls");
    struct timespec ts = {1, 200000000};
    nanosleep(&ts, NULL);
    unsigned long calls = fake_counter("fake_nvml_calls") - calls0;
    double dt = now_s() - t0;
    memscope_report r = memscope_analyze(t);
    assert_true(r.system_snapshot_count >= 20);
    uint64_t prev_used = 0;
    size_t changes = 0;
    for (size_t i = 0; i < r.system_snapshot_count; i++) {
        const memscope_system_snapshot *s = &r.system_snapshots[i];
        assert_int_equal(s->gpu_count, 2);
        assert_true(s->available & MEMSCOPE_METRIC_GPU_USAGE);
        assert_true(s->available & MEMSCOPE_METRIC_GPU_MEMORY);
        assert_true(s->gpu_usage_percent == 40.0); /* mean of 30 and 50 */
        assert_int_equal(s->gpu_memory_total, 96 * GIB); /* 16 + 80 */
        /* device 0: 1 GiB + 1 MiB per query; device 1: 2 GiB */
        assert_true(s->gpu_memory_used > 3 * GIB && (s->gpu_memory_used - 3 * GIB) % MIB == 0);
        if (i && s->gpu_memory_used != prev_used) changes++;
        prev_used = s->gpu_memory_used;
    }
    /* about 2.4 polls in 1.2 s: never one per 20 ms sample */
    print_message("%zu snapshots, %lu utilisation queries (2 GPUs) in %.2f s, %zu fresh readings\n",
                  r.system_snapshot_count, calls, dt, changes);
    assert_true(calls >= 2 * 2);
    assert_true(calls <= 2 * (unsigned long)(dt / 0.5 + 1.5));
    assert_true(changes >= 2 && changes <= (size_t)(dt / 0.5 + 1.5) + 1);
    memscope_report_free(&r);

    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "gpu", "gpu.json");
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    const char *checks[] = {
        "all(s['gpu_count'] == 2 and s['available'] & 192 == 192 for s in d['system_snapshots'])",
        "all(s['gpu_usage_percent'] == 40 and s['gpu_memory_total'] == 96 * 2**30 for s in d['system_snapshots'])",
    };
    assert_int_equal(mst_json_check(path, checks, 2), 0);

    unsigned long shut0 = fake_counter("fake_nvml_shutdowns");
    memscope_destroy(t);
    assert_false(memscope_get_monitor_stats().running);
    /* the library was closed at stop: NOLOAD finds nothing, or (if something else holds it) one more shutdown */
    unsigned long shut1 = fake_counter("fake_nvml_shutdowns");
    assert_true(shut1 == (unsigned long)-1 || shut1 == shut0 + 1);
    assert_int_equal(memscope_set_monitor_config(memscope_monitor_default()), MEMSCOPE_OK);
}

int main(int argc, char **argv) {
    (void)argc;
    if (!getenv("MS_FAKE_NVML")) { /* re-execute with the stand-in library on the search path */
        const char *dir = getenv("MEMSCOPE_FAKE_NVML_DIR");
        if (!dir || !*dir) dir = "build/fake-nvml";
        char lib[MST_PATH_MAX], path[MST_PATH_MAX * 2];
        snprintf(lib, sizeof lib, "%s/libnvidia-ml.so.1", dir);
        if (access(lib, R_OK) != 0) {
            fprintf(stderr, "test_monitor_gpu: %s is missing (make builds it from tests/gpu/fake_nvml.c)\n", lib);
            return 1;
        }
        const char *old = getenv("LD_LIBRARY_PATH");
        snprintf(path, sizeof path, "%s%s%s", dir, old && *old ? ":" : "", old ? old : "");
        setenv("LD_LIBRARY_PATH", path, 1);
        setenv("MS_FAKE_NVML", "1", 1);
        execv("/proc/self/exe", argv);
        perror("test_monitor_gpu: execv");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpu_fields_from_nvml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
