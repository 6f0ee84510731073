/*
 * The Linux guest's side of the network benchmark baseline, the same
 * services as service/echo with its bench ports, for a Debian kernel booted
 * with a busybox initramfs (bench/net/linux_guest.py). Built static with the
 * host's gcc; poll-based, one process, no threads.
 *
 *   port 7   TCP and UDP echo (RFC 862)
 *   port 9   TCP discard (RFC 863): reads and drops; closes at the peer's end
 *   port 19  TCP source: sends until the peer closes (like chargen, RFC 864,
 *            but a fixed buffer)
 *   port 8   TCP: one line "cpu IDLE HZ TSC_KHZ CTXT NOW_NS" and close; IDLE
 *            is the whole guest's idle ticks from /proc/stat, HZ their rate
 *            (USER_HZ), TSC_KHZ the kernel's TSC rate, CTXT the context
 *            switches so far (/proc/stat ctxt), NOW_NS the monotonic clock.
 *            With dynamic ticks IDLE is measured, not sampled, so NOW_NS less
 *            IDLE is the exact busy time (the busy ticks are only sampled,
 *            at ticks, which stop whenever the CPU idles).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ECHO_MAX_CONNS 64
#define LISTENERS 5 /* echo TCP, echo UDP, discard, source, stats */

enum kind { ECHO, DISCARD, SOURCE };

static int listen_on(int type, int port)
{
    int fd = socket(AF_INET, type, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (fd < 0) {
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        (type == SOCK_STREAM && listen(fd, 32) != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* "cpu IDLE HZ TSC_KHZ CTXT NOW_NS\n" into out; 0 on success. */
static int cpu_line(char *out, size_t size)
{
    unsigned long long v[10] = {0};
    unsigned long long tsc_khz = 0;
    char line[512];
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL) {
        return -1;
    }
    int got = 0;
    if (fgets(line, sizeof line, f) != NULL && strncmp(line, "cpu ", 4) == 0) {
        char *p = line + 4;
        for (; got < 10; got++) {
            char *end;
            errno = 0;
            v[got] = strtoull(p, &end, 10);
            if (end == p || errno != 0) {
                break;
            }
            p = end;
        }
    }
    unsigned long long ctxt = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "ctxt ", 5) == 0) {
            ctxt = strtoull(line + 5, NULL, 10);
        }
    }
    fclose(f);
    if (got < 8) {
        return -1;
    }
    f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            char *colon = strchr(line, ':');
            if (strncmp(line, "cpu MHz", 7) == 0 && colon != NULL) {
                char *end;
                double mhz = strtod(colon + 1, &end);
                if (end != colon + 1 && mhz > 0) {
                    tsc_khz = (unsigned long long)(mhz * 1000.0);
                }
                break;
            }
        }
        fclose(f);
    }
    /* user nice system idle iowait irq softirq steal: idle is idle + iowait. */
    unsigned long long idle = v[3] + v[4];
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
        return -1;
    }
    unsigned long long now_ns =
        (unsigned long long)now.tv_sec * 1000000000ull + (unsigned long long)now.tv_nsec;
    int n = snprintf(out, size, "cpu %llu %ld %llu %llu %llu\n", idle, sysconf(_SC_CLK_TCK), tsc_khz, ctxt,
                     now_ns);
    return n > 0 && (size_t)n < size ? 0 : -1;
}

static void answer_stats(int listener)
{
    char line[192];
    int c = accept(listener, NULL, NULL);
    if (c < 0) {
        return;
    }
    if (cpu_line(line, sizeof line) == 0) {
        (void)!write(c, line, strlen(line));
    }
    close(c);
}

int main(void)
{
    static unsigned char buf[65536];
    static unsigned char pattern[65536];
    struct pollfd fds[ECHO_MAX_CONNS + LISTENERS];
    enum kind kinds[ECHO_MAX_CONNS + LISTENERS];
    int n = LISTENERS;
    signal(SIGPIPE, SIG_IGN); /* a peer that closes ends its connection, not us */
    for (size_t i = 0; i < sizeof pattern; i++) {
        pattern[i] = (unsigned char)('!' + i % 94);
    }
    fds[0] = (struct pollfd){.fd = listen_on(SOCK_STREAM, 7), .events = POLLIN};
    fds[1] = (struct pollfd){.fd = listen_on(SOCK_DGRAM, 7), .events = POLLIN};
    fds[2] = (struct pollfd){.fd = listen_on(SOCK_STREAM, 9), .events = POLLIN};
    fds[3] = (struct pollfd){.fd = listen_on(SOCK_STREAM, 19), .events = POLLIN};
    fds[4] = (struct pollfd){.fd = listen_on(SOCK_STREAM, 8), .events = POLLIN};
    for (int i = 0; i < LISTENERS; i++) {
        if (fds[i].fd < 0) {
            perror("linux-echo: bind");
            return 1;
        }
    }
    printf("linux-echo: echo on TCP and UDP port 7\n");
    fflush(stdout);
    for (;;) {
        if (poll(fds, (nfds_t)n, -1) < 0) {
            continue;
        }
        static const enum kind listener_kind[] = {ECHO, ECHO, DISCARD, SOURCE};
        for (int l = 0; l < 4; l++) {
            if (l == 1 || !(fds[l].revents & POLLIN) || n >= ECHO_MAX_CONNS + LISTENERS) {
                continue;
            }
            int c = accept(fds[l].fd, NULL, NULL);
            if (c >= 0) {
                int one = 1;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                kinds[n] = listener_kind[l];
                if (kinds[n] == SOURCE) {
                    fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
                }
                fds[n] = (struct pollfd){.fd = c, .events = kinds[n] == SOURCE ? POLLOUT : POLLIN};
                n++;
            }
        }
        if (fds[4].revents & POLLIN) {
            answer_stats(fds[4].fd);
        }
        if (fds[1].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t len = sizeof from;
            ssize_t got = recvfrom(fds[1].fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
            if (got >= 0) {
                sendto(fds[1].fd, buf, (size_t)got, 0, (struct sockaddr *)&from, len);
            }
        }
        for (int i = LISTENERS; i < n; i++) {
            short ev = fds[i].revents;
            if (!(ev & (POLLIN | POLLOUT | POLLHUP | POLLERR))) {
                continue;
            }
            ssize_t got = 0;
            if (kinds[i] == SOURCE) {
                got = (ev & (POLLHUP | POLLERR)) ? -1 : write(fds[i].fd, pattern, sizeof pattern);
                if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !(ev & (POLLHUP | POLLERR))) {
                    continue;
                }
            } else {
                got = read(fds[i].fd, buf, sizeof buf);
            }
            if (got <= 0) {
                close(fds[i].fd);
                fds[i] = fds[--n];
                kinds[i] = kinds[n];
                i--;
                continue;
            }
            if (kinds[i] != ECHO) {
                continue;
            }
            for (ssize_t off = 0; off < got;) {
                ssize_t w = write(fds[i].fd, buf + off, (size_t)(got - off));
                if (w <= 0) {
                    break;
                }
                off += w;
            }
        }
    }
}
