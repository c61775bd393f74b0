/* fake_nvml.c - a stand-in libnvidia-ml.so.1 for tests on machines without an NVIDIA GPU.
 *
 * It exports the NVML entry points memscope.h loads with dlopen, with the real signatures and
 * struct layouts (nvmlUtilization_t, nvmlMemory_t v1), and reports two GPUs with known values.
 * Each memory query of device 0 adds 1 MiB to its used memory, so a test can see fresh readings;
 * fake_nvml_calls() counts utilisation queries, so a test can check the polling period.
 * Built by the Makefile as build/fake-nvml/libnvidia-ml.so.1. */
#include <stdint.h>

typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct fake_device { int index; } *nvmlDevice_t;

static struct fake_device devices[2] = {{0}, {1}};
static unsigned long long used0 = 1ull << 30;
static volatile unsigned long util_calls, inits, shutdowns;

int nvmlInit_v2(void) { inits++; return 0; }
int nvmlShutdown(void) { shutdowns++; return 0; }
int nvmlDeviceGetCount_v2(unsigned int *count) { *count = 2; return 0; }
int nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    if (index > 1) return 2; /* NVML_ERROR_INVALID_ARGUMENT */
    *device = &devices[index];
    return 0;
}
int nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *u) {
    util_calls++;
    u->gpu = device->index == 0 ? 30u : 50u;
    u->memory = 10u;
    return 0;
}
int nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *m) {
    if (device->index == 0) {
        used0 += 1ull << 20;
        m->total = 16ull << 30;
        m->used = used0;
    } else {
        m->total = 80ull << 30;
        m->used = 2ull << 30;
    }
    m->free = m->total - m->used;
    return 0;
}

unsigned long fake_nvml_calls(void) { return util_calls; }
unsigned long fake_nvml_inits(void) { return inits; }
unsigned long fake_nvml_shutdowns(void) { return shutdowns; }
