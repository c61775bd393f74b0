/* cpp_impl.c - the implementation TU that tests/test_cpp.cpp links against (C11). */
#define MEMSCOPE_IMPLEMENTATION
#include "memscope.h"
