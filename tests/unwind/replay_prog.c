/* tests/unwind/replay_prog.c -- the hooks replay a thread's last call-frame-information walk
 * when malloc is called again from the same state (the caller's ip, sp and rbp), after
 * checking the stack words the walk read. This program makes that state repeat while the
 * stack above it changes: built -O2 -fomit-frame-pointer -g and run under `memscope run`.
 *
 *   - pa and pb have the same frame and call leaf the same way, so leaf's malloc starts from
 *     the same ip, sp and rbp under both; only the return address into pa or pb differs
 *     (sizes 1001 and 1002, alternating, ROUNDS times each);
 *   - xa and xb do the same two levels further up: main -> xa|xb -> mid -> leaf2 (sizes 2001
 *     and 2002): the stacks differ only at the third frame;
 *   - rec(d) recurses d = 1..8 times to leaf3 (size 3000 + d): the same leaf state at other
 *     depths is not possible, but the walk's length changes from one call to the next;
 *   - ra and rb call leafr (sizes 4001 and 4002), which keeps values that change at every
 *     call in callee-saved registers across its malloc, rbp among them as gcc and clang
 *     allocate them: the walk never computes a CFA from that rbp (no frame uses rbp as its
 *     frame pointer), so the replay need not compare it, and still tells ra from rb;
 *   - via calls pa or pb through one pointer, from one call in main (sizes 5001 and 5002,
 *     alternating): a walk from leaf differs from the previous one at pa/pb only, then
 *     reaches pa's/pb's CFA with the same return address into via and the same rbp, where it
 *     joins the previous walk (its frames via, main and beyond are taken after checking the
 *     stack words that walk read); xa/xb above are the other side: the join at leaf2's
 *     frame is refused, as the word above mid's frame (the return into xa or xb) differs;
 *   - qa and qb (called through one pointer from via2, alternating: sizes 6001 and 6002) call
 *     fpx, whose alloca gives it a frame pointer: its CFA is computed from rbp. qb's frame is
 *     larger, so fpx's rbp is lower under qb, and fpx's alloca is made smaller by as much, so
 *     that its malloc starts from the same ip and sp. Before calling fpx, qb stores the return
 *     address into qa in its own frame, where the word that the walk under qa read as fpx's
 *     return address lies. Every word that walk read then holds what it read, and only the
 *     rbp at the start tells the two apart: the replay must compare it (a walk that computed
 *     a CFA from the start's rbp depends on it). The test counts the calls set up this way.
 *   - qc and qd (the same way from via2: sizes 7001 and 7002) call fpy, which has a frame
 *     pointer as fpx has, and which calls leafy: leafy keeps six values in the callee-saved
 *     registers across its malloc, so it saves fpy's rbp in its frame and computes no CFA
 *     from rbp; fpy's CFA is computed from the rbp that leafy's step restores. leafy starts
 *     from the same ip and sp under both, qd plants the return address into qc as qb does,
 *     and leafy's registers make the start's rbp differ at every call anyway (a walk that
 *     never reads it need not compare it): the only word that tells the two walks apart is
 *     the rbp leafy saved, in a frame below the first: the replay must compare the saved
 *     rbp of a step whose rbp a later step used. The test counts these calls too.
 *
 * The test (tests/unwind/run.sh, job replay) checks in the JSON report that every one of
 * those allocations has the stack its size says, frame by frame.
 */
#define _GNU_SOURCE 1
#include <stdio.h>
#include <stdlib.h>

#if defined(__clang__)
#define CHAIN static __attribute__((noinline))
#else
#define CHAIN static __attribute__((noipa))
#endif
#define KEEP(x) __asm__ volatile("" : : "r"(x) : "memory")
#define ROUNDS 2000

static void *volatile g_keep;

/* three leaves with names of their own, each allocating and freeing one block of n bytes */
#define LEAF(name)                 \
    CHAIN void name(size_t n)      \
    {                              \
        void *p = malloc(n);       \
        KEEP(p);                   \
        g_keep = p;                \
        free(p);                   \
    }
LEAF(leaf)
LEAF(leaf2)
LEAF(leaf3)

/* n, a, b, c, d and e live across the malloc: six values, in the six callee-saved registers
   (rbx, rbp, r12-r15) */
CHAIN unsigned long leafr(size_t n, unsigned long a, unsigned long b, unsigned long c, unsigned long d,
                          unsigned long e)
{
    void *p = malloc(n);
    KEEP(p);
    g_keep = p;
    free(p);
    return a * 3u + b * 5u + c * 7u + d * 11u + e * 13u + (unsigned long)n;
}
static volatile unsigned long g_sum;
CHAIN void ra(size_t n, unsigned long v) { volatile char pad[40]; pad[0] = 6; g_sum += leafr(n, v, v ^ 1u, v + 7u, v * 3u, v >> 3); KEEP(pad); }
CHAIN void rb(size_t n, unsigned long v) { volatile char pad[40]; pad[0] = 7; g_sum += leafr(n, v, v ^ 2u, v + 9u, v * 5u, v >> 5); KEEP(pad); }

CHAIN void pa(size_t n) { volatile char pad[40]; pad[0] = 1; leaf(n); KEEP(pad); }
CHAIN void pb(size_t n) { volatile char pad[40]; pad[0] = 2; leaf(n); KEEP(pad); }

CHAIN void mid(size_t n) { volatile char pad[24]; pad[0] = 3; leaf2(n); KEEP(pad); }
CHAIN void xa(size_t n) { volatile char pad[56]; pad[0] = 4; mid(n); KEEP(pad); }
CHAIN void xb(size_t n) { volatile char pad[56]; pad[0] = 5; mid(n); KEEP(pad); }

CHAIN void via(void (*f)(size_t), size_t n) { volatile char pad[32]; pad[0] = 8; f(n); KEEP(pad); }

/* fpx under qa, then under qb: fpx's frame address, where its block of alloca ends, and the
   return address into qa; g_planted counts the calls under qb that were set up as above */
static unsigned long g_fp_a, g_buf_a, g_ra_a;
static volatile unsigned long g_planted;
CHAIN void fpx(size_t n, int under_b)
{
    unsigned long x = (unsigned long)__builtin_frame_address(0);
    /* under qb: smaller by how much lower fpx's frame is, so the block ends where it did */
    size_t gap = 4096;
    if (under_b && g_fp_a > x && g_fp_a - x < 2048) gap -= (size_t)(g_fp_a - x);
    volatile char *buf = (volatile char *)__builtin_alloca(gap);
    buf[0] = 9;
    if (!under_b) {
        g_fp_a = x;
        g_buf_a = (unsigned long)buf;
        g_ra_a = (unsigned long)__builtin_return_address(0);
    } else if ((unsigned long)buf == g_buf_a) {
        g_planted++;
    }
    void *p = malloc(n);
    KEEP(p);
    g_keep = p;
    free(p);
    KEEP(buf);
}
CHAIN void qa(size_t n) { volatile char pad[32]; pad[0] = 10; fpx(n, 0); KEEP(pad); }
CHAIN void qb(size_t n)
{
    volatile unsigned long pad[160]; /* 1280 bytes: fpx's frame starts that much lower */
    pad[0] = 11;
    /* the word that held the return address into qa when fpx ran under qa (just above fpx's
       frame pointer then), inside this frame now: the same value again */
    unsigned long at = g_fp_a + sizeof(void *), lo = (unsigned long)&pad[0];
    if (g_fp_a && at >= lo && at < lo + sizeof pad && (at - lo) % sizeof pad[0] == 0) pad[(at - lo) / sizeof pad[0]] = g_ra_a;
    fpx(n, 1);
    KEEP(pad);
}
/* fpy under qc, then under qd: as fpx under qa and qb, one frame further from malloc */
static unsigned long g_fp_c, g_buf_c, g_ra_c;
static volatile unsigned long g_planted_y;
CHAIN unsigned long leafy(size_t n, unsigned long a, unsigned long b, unsigned long c, unsigned long d,
                          unsigned long e)
{
    void *p = malloc(n);
    KEEP(p);
    g_keep = p;
    free(p);
    return a * 3u + b * 5u + c * 7u + d * 11u + e * 13u + (unsigned long)n;
}
CHAIN void fpy(size_t n, int under_d)
{
    unsigned long x = (unsigned long)__builtin_frame_address(0);
    size_t gap = 4096;
    if (under_d && g_fp_c > x && g_fp_c - x < 2048) gap -= (size_t)(g_fp_c - x);
    volatile char *buf = (volatile char *)__builtin_alloca(gap);
    buf[0] = 13;
    if (!under_d) {
        g_fp_c = x;
        g_buf_c = (unsigned long)buf;
        g_ra_c = (unsigned long)__builtin_return_address(0);
    } else if ((unsigned long)buf == g_buf_c) {
        g_planted_y++;
    }
    unsigned long v = (unsigned long)n * 2654435761u + g_sum;
    g_sum += leafy(n, v, v ^ 3u, v + 11u, v * 7u, v >> 7);
    KEEP(buf);
}
CHAIN void qc(size_t n) { volatile char pad[32]; pad[0] = 14; fpy(n, 0); KEEP(pad); }
CHAIN void qd(size_t n)
{
    volatile unsigned long pad[160];
    pad[0] = 15;
    unsigned long at = g_fp_c + sizeof(void *), lo = (unsigned long)&pad[0];
    if (g_fp_c && at >= lo && at < lo + sizeof pad && (at - lo) % sizeof pad[0] == 0) pad[(at - lo) / sizeof pad[0]] = g_ra_c;
    fpy(n, 1);
    KEEP(pad);
}
static volatile int g_two = 2; /* (a loop of two calls the compiler cannot unroll into two) */
CHAIN void via2(void (*f)(size_t), size_t n) { volatile char pad[32]; pad[0] = 12; f(n); KEEP(pad); }

CHAIN void rec(unsigned d, size_t n)
{
    volatile char pad[16];
    pad[0] = (char)d;
    if (d > 1) rec(d - 1, n);
    else leaf3(n);
    KEEP(pad);
}

int main(void)
{
    for (int i = 0; i < ROUNDS; i++) {
        pa(1001);
        pb(1002);
        if (i & 1) { xb(2002); xa(2001); } else { xa(2001); xb(2002); }
        unsigned d = 1u + (unsigned)i % 8u;
        rec(d, 3000u + d);
        ra(4001, (unsigned long)i * 2654435761u);
        rb(4002, (unsigned long)i * 40503u + 17u);
        for (int k = 0; k < 2; k++) via(k ? pb : pa, 5001u + (unsigned)k);
        for (int k = 0; k < g_two; k++) via2(k ? qb : qa, 6001u + (unsigned)k); /* one call site */
        for (int k = 0; k < g_two; k++) via2(k ? qd : qc, 7001u + (unsigned)k);
    }
    printf("replay_prog: %d rounds; fpx under qb from the same state as under qa: %lu\n", ROUNDS, (unsigned long)g_planted);
    printf("replay_prog: leafy under qd from the same state as under qc: %lu\n", (unsigned long)g_planted_y);
    return 0;
}
