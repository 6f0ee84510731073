/*
 * The Linux guest's side of the network benchmark baseline: a TCP and UDP
 * echo on port 7, the same service as service/echo, for a Debian kernel
 * booted with a busybox initramfs (bench/net/linux_guest.py). Built static
 * with the host's gcc; poll-based, one process, no threads.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ECHO_MAX_CONNS 64

static int listen_on(int type)
{
    int fd = socket(AF_INET, type, 0);
    int one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7)};
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

int main(void)
{
    static unsigned char buf[65536];
    struct pollfd fds[ECHO_MAX_CONNS + 2];
    int n = 2;
    fds[0] = (struct pollfd){.fd = listen_on(SOCK_STREAM), .events = POLLIN};
    fds[1] = (struct pollfd){.fd = listen_on(SOCK_DGRAM), .events = POLLIN};
    if (fds[0].fd < 0 || fds[1].fd < 0) {
        perror("linux-echo: bind");
        return 1;
    }
    printf("linux-echo: echo on TCP and UDP port 7\n");
    fflush(stdout);
    for (;;) {
        if (poll(fds, (nfds_t)n, -1) < 0) {
            continue;
        }
        if ((fds[0].revents & POLLIN) && n < ECHO_MAX_CONNS + 2) {
            int c = accept(fds[0].fd, NULL, NULL);
            if (c >= 0) {
                int one = 1;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                fds[n++] = (struct pollfd){.fd = c, .events = POLLIN};
            }
        }
        if (fds[1].revents & POLLIN) {
            struct sockaddr_in from;
            socklen_t len = sizeof from;
            ssize_t got = recvfrom(fds[1].fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
            if (got >= 0) {
                sendto(fds[1].fd, buf, (size_t)got, 0, (struct sockaddr *)&from, len);
            }
        }
        for (int i = 2; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            ssize_t got = read(fds[i].fd, buf, sizeof buf);
            if (got <= 0) {
                close(fds[i].fd);
                fds[i] = fds[--n];
                i--;
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
