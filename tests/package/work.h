/* work.h - the consumer's second translation unit (no MEMSCOPE_IMPLEMENTATION there) */
#ifndef CONSUMER_WORK_H
#define CONSUMER_WORK_H
#include <stddef.h>
#include <memscope.h>

char *work_alloc(memscope_tracker *t, size_t n);
void work_free(memscope_tracker *t, char *p);

#endif
