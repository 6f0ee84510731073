/*
 * Benchmark: sorting pseudo-random integers with quicksort and heapsort.
 * Prints a checksum of the sorted data.
 * Usage: sort [ROUNDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 50000

static uint32_t state = 12345;
static uint32_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

static void quicksort(int32_t *a, int lo, int hi)
{
    while (lo < hi) {
        int32_t pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++, j--;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static void sift(int32_t *a, int start, int end)
{
    int root = start;
    while (2 * root + 1 <= end) {
        int child = 2 * root + 1;
        if (child + 1 <= end && a[child] < a[child + 1])
            child++;
        if (a[root] >= a[child])
            return;
        int32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

static void heapsort(int32_t *a, int n)
{
    for (int s = (n - 2) / 2; s >= 0; s--)
        sift(a, s, n - 1);
    for (int end = n - 1; end > 0; end--) {
        int32_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift(a, 0, end - 1);
    }
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 20;
    static int32_t a[N];
    uint64_t sum = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < N; i++)
            a[i] = (int32_t)(next_random() % 1000000);
        if (r & 1)
            heapsort(a, N);
        else
            quicksort(a, 0, N - 1);
        for (int i = 1; i < N; i++)
            if (a[i - 1] > a[i]) {
                printf("not sorted at %d\n", i);
                return 1;
            }
        sum = sum * 31 + (uint64_t)a[N / 2] + (uint64_t)a[N - 1];
    }
    printf("sorted %d rounds of %d, checksum %llu\n", rounds, N, (unsigned long long)sum);
    return 0;
}
