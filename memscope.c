#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
