/* test_stacks.c - call stacks with memscope_sampling_full(): stack ids on events, frames,
 * same path = same id, different paths = different ids, depth limit, and symbolised frames in
 * the JSON. Built with -fno-omit-frame-pointer -rdynamic so dladdr can name this file's
 * (non-static) functions. */
#define _GNU_SOURCE
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>

#include "ms_test.h"

#define NOINLINE __attribute__((noinline))

/* External linkage so -rdynamic exports them to dladdr. */
NOINLINE int ms_stack_leaf(memscope_tracker *t, char *leaf_block, size_t size);
NOINLINE int ms_stack_path_one(memscope_tracker *t, char *p, size_t size);
NOINLINE int ms_stack_path_two(memscope_tracker *t, char *p, size_t size);
NOINLINE int ms_stack_recurse(memscope_tracker *t, char *p, int depth);

static volatile int g_sink; /* keeps calls from being tail calls or folded */

NOINLINE int ms_stack_leaf(memscope_tracker *t, char *leaf_block, size_t size) {
    TRACK_SIZE(t, leaf_block, size);
    g_sink++;
    return g_sink;
}

NOINLINE int ms_stack_path_one(memscope_tracker *t, char *p, size_t size) {
    int r = ms_stack_leaf(t, p, size);
    g_sink++;
    return r + 1;
}

NOINLINE int ms_stack_path_two(memscope_tracker *t, char *p, size_t size) {
    int r = ms_stack_leaf(t, p, size);
    g_sink++;
    return r + 2;
}

NOINLINE int ms_stack_recurse(memscope_tracker *t, char *p, int depth) {
    int r = depth > 0 ? ms_stack_recurse(t, p, depth - 1) : ms_stack_leaf(t, p, 8);
    g_sink++;
    return r + 1;
}

static char g_blocks[16][32];
static volatile int g_two = 2; /* volatile: the loop below must not be unrolled */

/* path_one twice from the same call instruction, path_two once. */
static void run_paths(memscope_tracker *t) {
    for (int i = 0; i < g_two; i++) g_sink += ms_stack_path_one(t, g_blocks[i], 100);
    g_sink += ms_stack_path_two(t, g_blocks[2], 50);
}

/* Index of the first frame inside function `name`, or -1. */
static int frame_index_of(const uintptr_t *frames, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++) {
        Dl_info info;
        memset(&info, 0, sizeof info);
        /* a return address points after the call; -1 stays inside the caller */
        if (dladdr((void *)(frames[i] - 1), &info) && info.dli_sname &&
            strcmp(info.dli_sname, name) == 0)
            return (int)i;
    }
    return -1;
}

static void test_events_carry_stack_ids_with_full_sampling(void **state) {
    (void)state;
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    run_paths(t);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ev[i].kind, MEMSCOPE_EVENT_ALLOC);
        assert_int_not_equal(ev[i].stack_id, 0);
        uintptr_t frames[64];
        size_t depth = memscope_stack_frames(t, ev[i].stack_id, frames, 64);
        assert_true(depth >= 2);
        assert_true(depth <= 20); /* max_stack_depth of the full preset */
        for (size_t k = 0; k < depth; k++) assert_int_not_equal(frames[k], 0);
    }
    /* same call path, same id; different call path, different id */
    assert_int_equal(ev[0].stack_id, ev[1].stack_id);
    assert_int_not_equal(ev[0].stack_id, ev[2].stack_id);
    free(ev);
    memscope_destroy(t);
}

static void test_stack_frames_are_innermost_first_and_name_the_path(void **state) {
    (void)state;
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    run_paths(t);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 3);

    uintptr_t frames[64];
    size_t depth = memscope_stack_frames(t, ev[0].stack_id, frames, 64);
    int leaf = frame_index_of(frames, depth, "ms_stack_leaf");
    int one = frame_index_of(frames, depth, "ms_stack_path_one");
    assert_true(leaf >= 0);
    assert_true(one > leaf);
    assert_int_equal(frame_index_of(frames, depth, "ms_stack_path_two"), -1);

    depth = memscope_stack_frames(t, ev[2].stack_id, frames, 64);
    leaf = frame_index_of(frames, depth, "ms_stack_leaf");
    int two = frame_index_of(frames, depth, "ms_stack_path_two");
    assert_true(leaf >= 0);
    assert_true(two > leaf);
    assert_int_equal(frame_index_of(frames, depth, "ms_stack_path_one"), -1);
    free(ev);
    memscope_destroy(t);
}

static void test_stack_frames_copies_at_most_max(void **state) {
    (void)state;
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    run_paths(t);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_true(n >= 1);
    uintptr_t all[64], one[3] = {0, 0xAAAA, 0xBBBB};
    size_t depth = memscope_stack_frames(t, ev[0].stack_id, all, 64);
    assert_true(depth >= 2);
    assert_int_equal(memscope_stack_frames(t, ev[0].stack_id, one, 1), depth);
    assert_int_equal(one[0], all[0]);
    assert_int_equal(one[1], 0xAAAA); /* untouched */
    assert_int_equal(one[2], 0xBBBB);
    assert_int_equal(memscope_stack_frames(t, 0, all, 64), 0);
    assert_int_equal(memscope_stack_frames(t, 0x7FFFFFFFu, all, 64), 0);
    free(ev);
    memscope_destroy(t);
}

static void test_max_stack_depth_is_respected(void **state) {
    (void)state;
    const memscope_sampling_config cfg = {1.0, true, 3};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    g_sink += ms_stack_recurse(t, g_blocks[3], 10);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 1);
    assert_int_not_equal(ev[0].stack_id, 0);
    uintptr_t frames[64];
    size_t depth = memscope_stack_frames(t, ev[0].stack_id, frames, 64);
    assert_true(depth >= 1);
    assert_true(depth <= 3);
    free(ev);
    memscope_destroy(t);

    /* deep recursion with the full preset: at most 20 frames, and more than 3 */
    t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    g_sink += ms_stack_recurse(t, g_blocks[4], 30);
    ev = memscope_events(t, &n);
    assert_int_equal(n, 1);
    depth = memscope_stack_frames(t, ev[0].stack_id, frames, 64);
    assert_true(depth > 3);
    assert_true(depth <= 20);
    free(ev);
    memscope_destroy(t);
}

static void test_no_stacks_without_capture(void **state) {
    (void)state;
    char path[MST_PATH_MAX];
    mst_out_path(path, sizeof path, "stacks", "no-stacks.json");
    const memscope_sampling_config cfg = {1.0, false, 20};
    memscope_tracker *t = memscope_with_sampling(memscope_new(), cfg);
    run_paths(t);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) assert_int_equal(ev[i].stack_id, 0);
    free(ev);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);
    assert_json(path, "d['stacks'] == []", "d['stack_hotspots'] == []",
                "all(e['stack'] == 0 for e in d['events'])");
    memscope_destroy(t);
}

static void test_json_stacks_have_ids_and_symbolised_frames(void **state) {
    (void)state;
    char path[MST_PATH_MAX], expr[1024];
    mst_out_path(path, sizeof path, "stacks", "stacks.json");
    memscope_tracker *t = memscope_with_sampling(memscope_new(), memscope_sampling_full());
    run_paths(t);
    size_t n = 0;
    memscope_event *ev = memscope_events(t, &n);
    assert_int_equal(n, 3);
    const uint32_t id_one = ev[0].stack_id, id_two = ev[2].stack_id;
    uintptr_t frames[64];
    const size_t depth_one = memscope_stack_frames(t, id_one, frames, 64);
    free(ev);
    assert_int_equal(memscope_export_json(t, path), MEMSCOPE_OK);

    mst_fmt(expr, sizeof expr,
             "stack(d, %u) is not None and stack(d, %u) is not None and len(d['stacks']) == 2 and "
             "len([f for f in stack(d, %u)['frames'] if not f.get('inlined')]) == %zu", /* (machine frames) */
             id_one, id_two, id_one, depth_one);
    assert_json(path, expr);
    mst_fmt(expr, sizeof expr,
             "stack(d, %u)['frames'][0]['address'] == '0x%" PRIxPTR "' or "
             "int(stack(d, %u)['frames'][0]['address'], 16) == %" PRIuPTR,
             id_one, frames[0], id_one, frames[0]);
    assert_json(path, expr);
    mst_fmt(expr, sizeof expr,
             "any((f['function'] or '').find('ms_stack_path_one') >= 0 for f in stack(d, %u)['frames'])"
             " and any((f['function'] or '').find('ms_stack_leaf') >= 0 for f in stack(d, %u)['frames'])"
             " and not any((f['function'] or '').find('ms_stack_path_two') >= 0 "
             "for f in stack(d, %u)['frames'])",
             id_one, id_one, id_one);
    assert_json(path, expr);
    mst_fmt(expr, sizeof expr,
             "any((f['function'] or '').find('ms_stack_path_two') >= 0 for f in stack(d, %u)['frames'])",
             id_two);
    assert_json(path, expr);
    assert_json(path,
                "all(set(f.keys()) >= {'address', 'function', 'module', 'offset'} "
                "for s in d['stacks'] for f in s['frames'])",
                "all(f['address'].startswith('0x') for s in d['stacks'] for f in s['frames'])",
                "any(f['module'] for s in d['stacks'] for f in s['frames'])",
                "[e['stack'] for e in d['events']][0] == [e['stack'] for e in d['events']][1]");
    mst_fmt(expr, sizeof expr,
             "sorted((h['stack'], h['total_size'], h['allocation_count']) for h in "
             "d['stack_hotspots']) == sorted([(%u, 200, 2), (%u, 50, 1)])",
             id_one, id_two);
    assert_json(path, expr);
    mst_fmt(expr, sizeof expr, "[e['stack'] for e in d['events']] == [%u, %u, %u]", id_one,
             id_one, id_two);
    assert_json(path, expr);
    memscope_destroy(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_carry_stack_ids_with_full_sampling),
        cmocka_unit_test(test_stack_frames_are_innermost_first_and_name_the_path),
        cmocka_unit_test(test_stack_frames_copies_at_most_max),
        cmocka_unit_test(test_max_stack_depth_is_respected),
        cmocka_unit_test(test_no_stacks_without_capture),
        cmocka_unit_test(test_json_stacks_have_ids_and_symbolised_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
