/* Links decl_user.c (declarations only) with memscope.c (the implementation). */
#include "memscope.h"
#include <stdio.h>
int matrix_decl_user(void);
int main(void) {
    int rc = matrix_decl_user();
    printf("decl+impl link: %s (version %s)\n", rc ? "FAIL" : "ok", memscope_version_string());
    return rc;
}
