/*
 * An event-driven socket API for C services in a protection domain.
 *
 * Fits the Microkit event loop: every call returns at once, and results come
 * back as events on a per-socket callback. There are no threads and no
 * blocking. Events are queued while lwIP runs and delivered by
 * net_sock_dispatch(), which the PD wrapper calls at the end of each
 * notified(); so a callback may call any function here (send, close, open
 * another socket) without re-entering lwIP.
 *
 * Ownership: a handle is valid from the call that returns it (or the
 * NET_SOCK_EV_ACCEPT that announces it) until net_sock_close() returns or a
 * NET_SOCK_EV_ERROR callback returns. After that the slot is reused.
 *
 * Policy: a socket can use only the local ports its system description
 * grants (net_config_t tcp_ports / udp_ports); anything else fails with
 * NET_SOCK_EPERM. (The network virtualiser enforces the same on the wire.)
 *
 * Example, a TCP echo server (the whole of service/echo does this for TCP and
 * UDP):
 *
 *     static void on_event(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
 *     {
 *         uint8_t buf[1024];
 *         switch (ev) {
 *         case NET_SOCK_EV_ACCEPT:            // child inherits this callback
 *             break;
 *         case NET_SOCK_EV_READABLE:
 *         case NET_SOCK_EV_WRITABLE: {
 *             size_t room = net_sock_send_space(s);
 *             size_t n = net_sock_peek(s, buf, room < sizeof buf ? room : sizeof buf);
 *             net_sock_consume(s, net_sock_send(s, buf, n)); // keep what did not fit
 *             break;
 *         }
 *         case NET_SOCK_EV_CLOSED:            // peer sent FIN and all data was read
 *             net_sock_close(s);
 *             break;
 *         default:
 *             break;
 *         }
 *     }
 *     ...
 *     net_sock_t *listener;
 *     net_tcp_listen(7, on_event, NULL, &listener);
 */
#ifndef SUBSTRATE_NET_SOCK_H
#define SUBSTRATE_NET_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_SOCK_MAX 64          /* sockets per PD, listeners included */
#define NET_SOCK_UDP_QUEUE 16    /* datagrams held per UDP socket */
#define NET_DNS_MAX 4            /* resolutions in flight */
#define NET_SOCK_RX_CHAINS 256   /* received segments held per TCP socket */

typedef struct net_sock net_sock_t;

typedef enum {
    NET_SOCK_OK = 0,
    NET_SOCK_EPERM,     /* port not granted by the system description */
    NET_SOCK_ENOMEM,    /* no free socket or lwIP pcb */
    NET_SOCK_EINUSE,    /* port already bound */
    NET_SOCK_EINVAL,    /* bad argument, or wrong kind of socket */
    NET_SOCK_ENOTCONN,  /* not connected (yet), or already closed */
    NET_SOCK_EAGAIN,    /* no room now; NET_SOCK_EV_WRITABLE follows */
} net_sock_err_t;

typedef enum {
    NET_SOCK_EV_ACCEPT,     /* listener: `child` is a new connection */
    NET_SOCK_EV_CONNECTED,  /* net_tcp_connect completed */
    NET_SOCK_EV_READABLE,   /* data or a datagram is waiting */
    NET_SOCK_EV_WRITABLE,   /* send space came back after a short send */
    NET_SOCK_EV_CLOSED,     /* peer closed its side and every byte was read */
    NET_SOCK_EV_ERROR,      /* reset, timeout or refused; handle dies after the callback */
} net_sock_event_t;

typedef void (*net_sock_cb_t)(net_sock_t *sock, net_sock_event_t ev, net_sock_t *child, void *arg);

/* TCP. Addresses are IPv4 in host byte order. */
net_sock_err_t net_tcp_listen(uint16_t port, net_sock_cb_t cb, void *arg, net_sock_t **out);
net_sock_err_t net_tcp_connect(uint32_t ip, uint16_t port, net_sock_cb_t cb, void *arg,
                               net_sock_t **out);
/* Queues up to `len` bytes; returns how many were taken (0 when the send
 * buffer is full: a NET_SOCK_EV_WRITABLE follows). Called from an event
 * callback, the bytes leave once every callback of that dispatch has run,
 * so many small writes make full segments; called elsewhere, at once. */
size_t net_sock_send(net_sock_t *s, const void *data, size_t len);
/* Bytes net_sock_send would take right now; when none, a
 * NET_SOCK_EV_WRITABLE follows once there is room. */
size_t net_sock_send_space(net_sock_t *s);
/* Copies out up to `cap` received bytes, opening the window by as much. */
size_t net_sock_recv(net_sock_t *s, void *buf, size_t cap);
/* The same in two steps, for a reader that forwards data and must not lose
 * what the next hop refuses: peek copies without consuming; consume drops
 * `len` bytes (returns how many) and opens the window by as much. */
size_t net_sock_peek(const net_sock_t *s, void *buf, size_t cap);
size_t net_sock_consume(net_sock_t *s, size_t len);
/* Reading in place: the next received bytes as they lie in the stack's
 * buffers (one contiguous run; 0 when none), without copying. `*data` stays
 * valid until net_sock_consume, net_sock_close or net_sock_abort on this
 * socket, or the return to the event loop; net_sock_send from it is fine. */
size_t net_sock_view(const net_sock_t *s, const void **data);
size_t net_sock_pending(const net_sock_t *s);
/* Keep-alive probes after `idle_ms` of silence, every `interval_ms`, `count` times. */
net_sock_err_t net_sock_keepalive(net_sock_t *s, uint32_t idle_ms, uint32_t interval_ms,
                                  uint32_t count);
/* Graceful close (FIN after queued data); the handle is gone on return. */
void net_sock_close(net_sock_t *s);
/* Reset the connection at once; the handle is gone on return. */
void net_sock_abort(net_sock_t *s);

/* UDP. Port 0 picks a free granted port. */
net_sock_err_t net_udp_open(uint16_t port, net_sock_cb_t cb, void *arg, net_sock_t **out);
net_sock_err_t net_udp_sendto(net_sock_t *s, uint32_t ip, uint16_t port, const void *data,
                              size_t len);
/* Pops one datagram; returns its length (truncated to cap) or 0 when none. */
size_t net_udp_recvfrom(net_sock_t *s, void *buf, size_t cap, uint32_t *ip, uint16_t *port);

/* Local and remote endpoints (host byte order). */
uint16_t net_sock_local_port(const net_sock_t *s);
uint32_t net_sock_remote_ip(const net_sock_t *s);
uint16_t net_sock_remote_port(const net_sock_t *s);

/* DNS: `cb` runs from net_sock_dispatch with ok=false on failure. */
typedef void (*net_dns_cb_t)(const char *name, bool ok, uint32_t ip, void *arg);
net_sock_err_t net_dns_resolve(const char *name, net_dns_cb_t cb, void *arg);

/* Delivers queued events; call after every batch of net_stack_* calls. */
void net_sock_dispatch(void);

/* Live sockets, for tests and statistics. */
size_t net_sock_count(void);

#endif
