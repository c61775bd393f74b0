/* Must NOT compile: MEMSCOPE_MALLOC without MEMSCOPE_FREE. */
#include <stdlib.h>
#define MEMSCOPE_MALLOC(n) malloc(n)
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
int main(void) { return 0; }
