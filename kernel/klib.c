/*
 * memset and memcpy for the kernel, with the names the compiler expects.
 * They use the string instructions, which are fast on every CPU we run on.
 */
#include "kernel/klib.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *k_memset(void *dst, int c, size_t n)
{
    return memset(dst, c, n);
}

void *k_memcpy(void *dst, const void *src, size_t n)
{
    return memcpy(dst, src, n);
}
