/*
 * memcpy and memset for PDs that have no C library: the compiler emits calls
 * to them. Weak, so a PD that links a C library gets that library's.
 */
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n) __attribute__((weak));
void *memset(void *dst, int c, size_t n) __attribute__((weak));

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}
