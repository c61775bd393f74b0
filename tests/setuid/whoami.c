/* whoami.c - prints "ruid euid rgid egid": tells tests/setuid/run.sh whether the kernel and
 * filesystem honour the set-user-ID and set-group-ID bits here. */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

int main(void) {
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg)) return 1;
    printf("%ld %ld %ld %ld\n", (long)ru, (long)eu, (long)rg, (long)eg);
    return 0;
}
