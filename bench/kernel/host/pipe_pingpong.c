/*
 * The host baseline for the kernel benchmark: a one-byte ping-pong between
 * two Linux processes over a pair of pipes, timed with rdtsc and with the
 * monotonic clock, so the kernel's figures can be read as ratios to it.
 *
 * Usage: pipe_pingpong [ROUNDS]   prints one line, "PIPE round-trip mean C
 * median C min C ns N", where C are TSC cycles per round trip and N the
 * mean in nanoseconds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int transfer(int fd, char *c, int writing)
{
    for (;;) {
        ssize_t n = writing ? write(fd, c, 1) : read(fd, c, 1);
        if (n == 1)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        return -1;
    }
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    if (rounds <= 0 || rounds > 100000000) {
        fprintf(stderr, "pipe_pingpong: ROUNDS must be 1..100000000\n");
        return 2;
    }
    int to_child[2], to_parent[2];
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
        perror("pipe_pingpong: pipe");
        return 1;
    }
    uint64_t *samples = calloc((size_t)rounds, sizeof *samples);
    if (!samples) {
        fprintf(stderr, "pipe_pingpong: out of memory\n");
        return 1;
    }
    int result = 1;
    char c = 'x';
    pid_t pid = fork();
    if (pid < 0) {
        perror("pipe_pingpong: fork");
        goto out;
    }
    if (pid == 0) {
        for (long i = 0; i < rounds; i++)
            if (transfer(to_child[0], &c, 0) || transfer(to_parent[1], &c, 1))
                _exit(1);
        _exit(0);
    }
    uint64_t min = UINT64_MAX;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint64_t start = rdtsc();
    for (long i = 0; i < rounds; i++) {
        uint64_t t0 = rdtsc();
        if (transfer(to_child[1], &c, 1) || transfer(to_parent[0], &c, 0)) {
            fprintf(stderr, "pipe_pingpong: transfer failed\n");
            goto out;
        }
        uint64_t d = rdtsc() - t0;
        samples[i] = d;
        if (d < min)
            min = d;
    }
    uint64_t total = rdtsc() - start;
    clock_gettime(CLOCK_MONOTONIC, &b);
    int status = 0;
    waitpid(pid, &status, 0);
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)rounds;
    qsort(samples, (size_t)rounds, sizeof *samples, compare_u64);
    printf("PIPE round-trip mean %llu median %llu min %llu ns %.0f n %ld\n",
           (unsigned long long)(total / (uint64_t)rounds), (unsigned long long)samples[rounds / 2],
           (unsigned long long)min, ns, rounds);
    result = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
out:
    free(samples);
    return result;
}
