/*
 * The event socket API (sock.h) on lwIP's raw callback API.
 *
 * Owns a fixed pool of socket slots. lwIP's callbacks never call the user:
 * they record what happened in the slot (`pending` bits, received pbufs) and
 * mark it; net_sock_dispatch() later turns the marks into events. So user
 * code never runs inside lwIP, and lwIP never sees a pcb closed under it.
 * Invariants:
 *   - a slot with pcb == NULL and kind TCP has lost its connection; it is
 *     freed after its ERROR event (or when the user closes it first);
 *   - received TCP data stays in lwIP pbufs (no copy) until net_sock_recv,
 *     and the window opens only by what the user consumed: a slow reader
 *     slows its sender, never the stack;
 *   - every local port comes from the granted sets in the configuration.
 */
#include "system/net/sock.h"

#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "system/net/net_stack.h"

enum { SOCK_FREE, SOCK_TCP_LISTEN, SOCK_TCP, SOCK_UDP };

enum {
    PEND_ACCEPT = 1u << 0,     /* this child waits to be announced to its parent */
    PEND_CONNECTED = 1u << 1,
    PEND_READABLE = 1u << 2,
    PEND_WRITABLE = 1u << 3,
    PEND_EOF = 1u << 4,        /* FIN received; CLOSED once rx is drained */
    PEND_ERROR = 1u << 5,
};

typedef struct {
    struct pbuf *p;
    uint32_t ip;
    uint16_t port;
} sock_dgram_t;

struct net_sock {
    uint8_t kind;
    bool want_writable;
    bool eof_reported;
    bool progress;              /* the user read some, and more is waiting */
    bool offload_decided;       /* TCP: net_stack_tcp_offload ran for it */
    bool output_pending;        /* TCP: written during dispatch, not yet pushed */
    uint32_t pending;
    net_sock_cb_t cb;
    void *arg;
    struct tcp_pcb *tcp;
    struct udp_pcb *udp;
    net_sock_t *parent;         /* listener of a child not yet accepted */
    /* TCP: received, not yet read, as a ring of pbuf chains (one chain's
     * tot_len is a u16_t, so chains are never concatenated). */
    struct pbuf *rx[NET_SOCK_RX_CHAINS];
    size_t rx_head, rx_count, rx_bytes;
    sock_dgram_t dgram[NET_SOCK_UDP_QUEUE];
    size_t dgram_head, dgram_count;
};

typedef struct {
    net_dns_cb_t cb;
    void *arg;
    uint32_t ip;
    bool used, done, ok;
    char name[DNS_MAX_NAME_LENGTH + 1];
} sock_dns_t;

static net_sock_t sock_pool[NET_SOCK_MAX];
/* Inside net_sock_dispatch: writes are pushed once at its end (see there). */
static bool sock_dispatching;

static void rx_drop_all(net_sock_t *s)
{
    for (size_t i = 0; i < s->rx_count; i++) {
        pbuf_free(s->rx[(s->rx_head + i) % NET_SOCK_RX_CHAINS]);
    }
    s->rx_count = 0;
    s->rx_bytes = 0;
}
static sock_dns_t sock_dns[NET_DNS_MAX];

static net_sock_t *sock_alloc(uint8_t kind, net_sock_cb_t cb, void *arg)
{
    for (size_t i = 0; i < NET_SOCK_MAX; i++) {
        if (sock_pool[i].kind == SOCK_FREE) {
            net_sock_t *s = &sock_pool[i];
            *s = (net_sock_t){0};
            s->kind = kind;
            s->cb = cb;
            s->arg = arg;
            return s;
        }
    }
    return NULL;
}

static bool sock_valid(const net_sock_t *s)
{
    return s != NULL && s >= sock_pool && s < sock_pool + NET_SOCK_MAX &&
           s->kind != SOCK_FREE;
}

static void sock_release(net_sock_t *s)
{
    rx_drop_all(s);
    for (size_t i = 0; i < s->dgram_count; i++) {
        pbuf_free(s->dgram[(s->dgram_head + i) % NET_SOCK_UDP_QUEUE].p);
    }
    *s = (net_sock_t){0};
}

static const net_port_set_t *granted(uint8_t kind)
{
    const net_config_t *cfg = net_stack_config();
    return kind == SOCK_UDP ? &cfg->udp_ports : &cfg->tcp_ports;
}

/* ------------------------------------------------------------------ TCP -- */

static void tcp_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

static err_t on_tcp_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    net_sock_t *s = arg;
    (void)pcb;
    (void)err;
    if (s == NULL) {
        return ERR_ABRT; /* cannot happen: detached pcbs have no recv callback */
    }
    if (p == NULL) {
        s->pending |= PEND_EOF;
        return ERR_OK;
    }
    if (s->rx_count == NET_SOCK_RX_CHAINS) {
        /* lwIP keeps refused data and offers it again later. */
        s->pending |= PEND_READABLE;
        return ERR_MEM;
    }
    s->rx[(s->rx_head + s->rx_count) % NET_SOCK_RX_CHAINS] = p;
    s->rx_count++;
    s->rx_bytes += p->tot_len;
    s->pending |= PEND_READABLE;
    return ERR_OK;
}

/* Segments are a pool shared by every connection, so a writer can be out of
 * room with nothing of its own in flight (no ack will come for it). Any ack
 * frees segments: wake every waiting writer, and the poll timer does the same
 * for the rare case where nothing at all is acked. */
static void wake_writers(void)
{
    for (size_t i = 0; i < NET_SOCK_MAX; i++) {
        net_sock_t *w = &sock_pool[i];
        if (w->kind == SOCK_TCP && w->want_writable && w->tcp != NULL && tcp_sndbuf(w->tcp) > 0) {
            w->pending |= PEND_WRITABLE;
        }
    }
}

static err_t on_tcp_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    (void)arg;
    (void)pcb;
    (void)len;
    wake_writers();
    return ERR_OK;
}

static err_t on_tcp_poll(void *arg, struct tcp_pcb *pcb)
{
    (void)arg;
    (void)pcb;
    wake_writers();
    return ERR_OK;
}

static void on_tcp_err(void *arg, err_t err)
{
    net_sock_t *s = arg;
    (void)err;
    if (s == NULL) {
        return;
    }
    s->tcp = NULL; /* lwIP has freed the pcb */
    s->pending |= PEND_ERROR;
}

static err_t on_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    net_sock_t *s = arg;
    (void)pcb;
    if (s != NULL && err == ERR_OK) {
        s->pending |= PEND_CONNECTED;
    }
    return ERR_OK;
}

static void tcp_attach(net_sock_t *s, struct tcp_pcb *pcb)
{
    s->tcp = pcb;
    tcp_arg(pcb, s);
    tcp_recv(pcb, on_tcp_recv);
    tcp_sent(pcb, on_tcp_sent);
    tcp_err(pcb, on_tcp_err);
    tcp_poll(pcb, on_tcp_poll, 1); /* every 500 ms */
    /* No Nagle: services here write whole messages or large chunks, and
     * Nagle's wait for an ACK meets the peer's delayed ACK (up to 250 ms)
     * on every odd-sized tail. */
    tcp_nagle_disable(pcb);
}

static err_t on_tcp_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
    net_sock_t *listener = arg;
    if (listener == NULL || err != ERR_OK || newpcb == NULL) {
        return ERR_VAL;
    }
    net_sock_t *child = sock_alloc(SOCK_TCP, listener->cb, listener->arg);
    if (child == NULL) {
        /* Out of sockets: refuse; lwIP resets the connection. */
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    tcp_attach(child, newpcb);
    child->parent = listener;
    child->pending |= PEND_ACCEPT;
    return ERR_OK;
}

/* A free port from the granted set, or 0. Starts at a random offset so that
 * a restarted client does not reuse the port its old connections had. */
static uint16_t pick_port(uint8_t kind)
{
    const net_port_set_t *set = granted(kind);
    uint32_t total = 0;
    for (size_t i = 0; i < set->count; i++) {
        total += (uint32_t)set->range[i].last - set->range[i].first + 1u;
    }
    if (total == 0) {
        return 0;
    }
    uint32_t start = LWIP_RAND() % total;
    for (uint32_t k = 0; k < total; k++) {
        uint32_t idx = (start + k) % total;
        for (size_t i = 0; i < set->count; i++) {
            uint32_t n = (uint32_t)set->range[i].last - set->range[i].first + 1u;
            if (idx < n) {
                uint16_t port = (uint16_t)(set->range[i].first + idx);
                bool busy = false;
                if (kind == SOCK_UDP) {
                    for (struct udp_pcb *u = udp_pcbs; u != NULL; u = u->next) {
                        busy = busy || u->local_port == port;
                    }
                    if (!busy) {
                        return port;
                    }
                } else {
                    return port; /* tcp_bind reports a busy port */
                }
                break;
            }
            idx -= n;
        }
    }
    return 0;
}

net_sock_err_t net_tcp_listen(uint16_t port, net_sock_cb_t cb, void *arg, net_sock_t **out)
{
    if (cb == NULL || out == NULL) {
        return NET_SOCK_EINVAL;
    }
    if (!net_port_set_contains(granted(SOCK_TCP), port)) {
        return NET_SOCK_EPERM;
    }
    net_sock_t *s = sock_alloc(SOCK_TCP_LISTEN, cb, arg);
    if (s == NULL) {
        return NET_SOCK_ENOMEM;
    }
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        sock_release(s);
        return NET_SOCK_ENOMEM;
    }
    if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        tcp_abort(pcb);
        sock_release(s);
        return NET_SOCK_EINUSE;
    }
    struct tcp_pcb *lpcb = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
    if (lpcb == NULL) {
        tcp_abort(pcb);
        sock_release(s);
        return NET_SOCK_ENOMEM;
    }
    s->tcp = lpcb;
    tcp_arg(lpcb, s);
    tcp_accept(lpcb, on_tcp_accept);
    *out = s;
    return NET_SOCK_OK;
}

net_sock_err_t net_tcp_connect(uint32_t ip, uint16_t port, net_sock_cb_t cb, void *arg,
                               net_sock_t **out)
{
    if (cb == NULL || out == NULL || port == 0 || ip == 0) {
        return NET_SOCK_EINVAL;
    }
    net_sock_t *s = sock_alloc(SOCK_TCP, cb, arg);
    if (s == NULL) {
        return NET_SOCK_ENOMEM;
    }
    struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        sock_release(s);
        return NET_SOCK_ENOMEM;
    }
    /* Bind explicitly so the local port is a granted one, never lwIP's
     * ephemeral choice. Try a few: a port may be held in TIME_WAIT. */
    net_sock_err_t result = NET_SOCK_EPERM;
    for (int attempt = 0; attempt < 16; attempt++) {
        uint16_t local = pick_port(SOCK_TCP);
        if (local == 0) {
            break;
        }
        if (tcp_bind(pcb, IP4_ADDR_ANY, local) == ERR_OK) {
            result = NET_SOCK_OK;
            break;
        }
        result = NET_SOCK_EINUSE;
    }
    if (result != NET_SOCK_OK) {
        tcp_abort(pcb);
        sock_release(s);
        return result;
    }
    tcp_attach(s, pcb);
    ip_addr_t remote;
    ip_addr_set_ip4_u32(&remote, lwip_htonl(ip));
    if (tcp_connect(pcb, &remote, port, on_tcp_connected) != ERR_OK) {
        tcp_detach(pcb);
        tcp_abort(pcb);
        sock_release(s);
        return NET_SOCK_ENOMEM;
    }
    *out = s;
    return NET_SOCK_OK;
}

size_t net_sock_send_space(net_sock_t *s)
{
    if (!sock_valid(s) || s->kind != SOCK_TCP || s->tcp == NULL) {
        return 0;
    }
    size_t room = tcp_sndbuf(s->tcp);
    if (tcp_sndqueuelen(s->tcp) >= TCP_SND_QUEUELEN - 4) {
        room = 0;
    }
    if (room == 0) {
        s->want_writable = true; /* the caller is waiting for room */
    }
    return room;
}

size_t net_sock_send(net_sock_t *s, const void *data, size_t len)
{
    if (!sock_valid(s) || s->kind != SOCK_TCP || s->tcp == NULL || data == NULL) {
        return 0;
    }
    if (!s->offload_decided) {
        /* Once established, and after lwIP set the initial window. */
        s->offload_decided = true;
        net_stack_tcp_offload(s->tcp);
    }
    size_t room = net_sock_send_space(s);
    size_t n = len < room ? len : room;
    if (n > 0xFFFF) {
        n = 0xFFFF; /* tcp_write takes a u16_t length */
    }
    /* A write of more than one wire segment is bulk data: lwIP leaves room
     * (TCP_OVERSIZE) in its last queued segment for the next write, so data
     * waiting for the window leaves in segments as large as the connection's
     * MSS (16 KiB with TSO). Small writes are sent as they are. */
    u8_t flags = TCP_WRITE_FLAG_COPY | (n > TCP_MSS ? TCP_WRITE_FLAG_MORE : 0);
    while (n > 0 && tcp_write(s->tcp, data, (u16_t)n, flags) != ERR_OK) {
        n /= 2; /* out of segments: try a smaller piece */
    }
    if (n > 0 && sock_dispatching) {
        s->output_pending = true;
    } else if (n > 0) {
        tcp_output(s->tcp);
    }
    if (n < len) {
        s->want_writable = true;
    }
    return n;
}

size_t net_sock_pending(const net_sock_t *s)
{
    if (!sock_valid(s)) {
        return 0;
    }
    if (s->kind == SOCK_UDP) {
        return s->dgram_count;
    }
    return s->rx_bytes;
}

size_t net_sock_peek(const net_sock_t *s, void *buf, size_t cap)
{
    if (!sock_valid(s) || s->kind != SOCK_TCP || buf == NULL) {
        return 0;
    }
    uint8_t *out = buf;
    size_t done = 0;
    for (size_t i = 0; i < s->rx_count && done < cap; i++) {
        const struct pbuf *p = s->rx[(s->rx_head + i) % NET_SOCK_RX_CHAINS];
        size_t want = cap - done < p->tot_len ? cap - done : p->tot_len;
        done += pbuf_copy_partial(p, out + done, (u16_t)want, 0);
    }
    return done;
}

size_t net_sock_view(const net_sock_t *s, const void **data)
{
    if (data == NULL) {
        return 0;
    }
    *data = NULL;
    if (!sock_valid(s) || s->kind != SOCK_TCP) {
        return 0;
    }
    for (size_t i = 0; i < s->rx_count; i++) {
        for (const struct pbuf *p = s->rx[(s->rx_head + i) % NET_SOCK_RX_CHAINS]; p != NULL; p = p->next) {
            if (p->len > 0) {
                *data = p->payload;
                return p->len;
            }
        }
    }
    return 0;
}

size_t net_sock_consume(net_sock_t *s, size_t len)
{
    if (!sock_valid(s) || s->kind != SOCK_TCP) {
        return 0;
    }
    size_t done = 0;
    while (done < len && s->rx_count > 0) {
        struct pbuf *p = s->rx[s->rx_head];
        size_t want = len - done;
        u16_t n = want < p->tot_len ? (u16_t)want : p->tot_len;
        done += n;
        s->rx_bytes -= n;
        if (n == p->tot_len) {
            pbuf_free(p);
            s->rx_head = (s->rx_head + 1) % NET_SOCK_RX_CHAINS;
            s->rx_count--;
        } else {
            s->rx[s->rx_head] = pbuf_free_header(p, n);
        }
        if (s->tcp != NULL && n > 0) {
            tcp_recved(s->tcp, n);
        }
    }
    s->progress = s->rx_count > 0 && done > 0;
    return done;
}

size_t net_sock_recv(net_sock_t *s, void *buf, size_t cap)
{
    size_t n = net_sock_peek(s, buf, cap);
    return net_sock_consume(s, n);
}

net_sock_err_t net_sock_keepalive(net_sock_t *s, uint32_t idle_ms, uint32_t interval_ms,
                                  uint32_t count)
{
    if (!sock_valid(s) || s->kind != SOCK_TCP || s->tcp == NULL || idle_ms == 0 ||
        interval_ms == 0 || count == 0) {
        return NET_SOCK_EINVAL;
    }
    ip_set_option(s->tcp, SOF_KEEPALIVE);
    s->tcp->keep_idle = idle_ms;
    s->tcp->keep_intvl = interval_ms;
    s->tcp->keep_cnt = count;
    return NET_SOCK_OK;
}

static void close_children(const net_sock_t *listener)
{
    for (size_t i = 0; i < NET_SOCK_MAX; i++) {
        net_sock_t *c = &sock_pool[i];
        if (c->kind == SOCK_TCP && c->parent == listener) {
            if (c->tcp != NULL) {
                tcp_detach(c->tcp);
                tcp_abort(c->tcp);
            }
            sock_release(c);
        }
    }
}

static void sock_close(net_sock_t *s, bool abort)
{
    if (!sock_valid(s)) {
        return;
    }
    if (s->kind == SOCK_UDP) {
        if (s->udp != NULL) {
            udp_remove(s->udp);
        }
    } else if (s->kind == SOCK_TCP_LISTEN) {
        close_children(s);
        if (s->tcp != NULL) {
            tcp_arg(s->tcp, NULL);
            tcp_close(s->tcp); /* closing a listener cannot fail */
        }
    } else if (s->tcp != NULL) {
        tcp_detach(s->tcp);
        if (abort || tcp_close(s->tcp) != ERR_OK) {
            tcp_abort(s->tcp);
        }
    }
    sock_release(s);
}

void net_sock_close(net_sock_t *s)
{
    sock_close(s, false);
}

void net_sock_abort(net_sock_t *s)
{
    sock_close(s, true);
}

/* ------------------------------------------------------------------ UDP -- */

static void on_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                        u16_t port)
{
    net_sock_t *s = arg;
    (void)pcb;
    if (s == NULL || s->dgram_count == NET_SOCK_UDP_QUEUE) {
        pbuf_free(p); /* queue full: drop, as a full socket buffer would */
        return;
    }
    sock_dgram_t *d = &s->dgram[(s->dgram_head + s->dgram_count) % NET_SOCK_UDP_QUEUE];
    d->p = p;
    d->ip = lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr)));
    d->port = port;
    s->dgram_count++;
    s->pending |= PEND_READABLE;
}

net_sock_err_t net_udp_open(uint16_t port, net_sock_cb_t cb, void *arg, net_sock_t **out)
{
    if (cb == NULL || out == NULL) {
        return NET_SOCK_EINVAL;
    }
    if (port == 0) {
        port = pick_port(SOCK_UDP);
    }
    if (!net_port_set_contains(granted(SOCK_UDP), port)) {
        return NET_SOCK_EPERM;
    }
    net_sock_t *s = sock_alloc(SOCK_UDP, cb, arg);
    if (s == NULL) {
        return NET_SOCK_ENOMEM;
    }
    struct udp_pcb *pcb = udp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        sock_release(s);
        return NET_SOCK_ENOMEM;
    }
    if (udp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
        udp_remove(pcb);
        sock_release(s);
        return NET_SOCK_EINUSE;
    }
    udp_recv(pcb, on_udp_recv, s);
    s->udp = pcb;
    *out = s;
    return NET_SOCK_OK;
}

net_sock_err_t net_udp_sendto(net_sock_t *s, uint32_t ip, uint16_t port, const void *data,
                              size_t len)
{
    if (!sock_valid(s) || s->kind != SOCK_UDP || data == NULL || port == 0 ||
        len > 65507) {
        return NET_SOCK_EINVAL;
    }
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (p == NULL) {
        return NET_SOCK_ENOMEM;
    }
    if (pbuf_take(p, data, (u16_t)len) != ERR_OK) {
        pbuf_free(p);
        return NET_SOCK_ENOMEM;
    }
    ip_addr_t remote;
    ip_addr_set_ip4_u32(&remote, lwip_htonl(ip));
    err_t err = udp_sendto(s->udp, p, &remote, port);
    pbuf_free(p);
    if (err == ERR_MEM || err == ERR_BUF) {
        return NET_SOCK_EAGAIN;
    }
    return err == ERR_OK || err == ERR_RTE ? NET_SOCK_OK : NET_SOCK_EINVAL;
}

size_t net_udp_recvfrom(net_sock_t *s, void *buf, size_t cap, uint32_t *ip, uint16_t *port)
{
    if (!sock_valid(s) || s->kind != SOCK_UDP || s->dgram_count == 0 || buf == NULL) {
        return 0;
    }
    sock_dgram_t d = s->dgram[s->dgram_head];
    s->dgram_head = (s->dgram_head + 1) % NET_SOCK_UDP_QUEUE;
    s->dgram_count--;
    size_t n = d.p->tot_len < cap ? d.p->tot_len : cap;
    n = pbuf_copy_partial(d.p, buf, (u16_t)n, 0);
    pbuf_free(d.p);
    s->progress = s->dgram_count > 0;
    if (ip != NULL) {
        *ip = d.ip;
    }
    if (port != NULL) {
        *port = d.port;
    }
    return n;
}

uint16_t net_sock_local_port(const net_sock_t *s)
{
    if (!sock_valid(s)) {
        return 0;
    }
    if (s->kind == SOCK_UDP) {
        return s->udp != NULL ? s->udp->local_port : 0;
    }
    return s->tcp != NULL ? s->tcp->local_port : 0;
}

uint32_t net_sock_remote_ip(const net_sock_t *s)
{
    if (!sock_valid(s) || s->kind != SOCK_TCP || s->tcp == NULL) {
        return 0;
    }
    return lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&s->tcp->remote_ip)));
}

uint16_t net_sock_remote_port(const net_sock_t *s)
{
    if (!sock_valid(s) || s->kind != SOCK_TCP || s->tcp == NULL) {
        return 0;
    }
    return s->tcp->remote_port;
}

/* ------------------------------------------------------------------ DNS -- */

static void on_dns_found(const char *name, const ip_addr_t *addr, void *arg)
{
    sock_dns_t *q = arg;
    (void)name;
    q->done = true;
    q->ok = addr != NULL;
    q->ip = addr != NULL ? lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))) : 0;
}

net_sock_err_t net_dns_resolve(const char *name, net_dns_cb_t cb, void *arg)
{
    if (name == NULL || cb == NULL) {
        return NET_SOCK_EINVAL;
    }
    size_t len = 0;
    while (len <= DNS_MAX_NAME_LENGTH && name[len] != '\0') {
        len++;
    }
    if (len == 0 || len > DNS_MAX_NAME_LENGTH) {
        return NET_SOCK_EINVAL;
    }
    sock_dns_t *q = NULL;
    for (size_t i = 0; i < NET_DNS_MAX && q == NULL; i++) {
        if (!sock_dns[i].used) {
            q = &sock_dns[i];
        }
    }
    if (q == NULL) {
        return NET_SOCK_ENOMEM;
    }
    *q = (sock_dns_t){.used = true, .cb = cb, .arg = arg};
    for (size_t i = 0; i < len; i++) {
        q->name[i] = name[i];
    }
    q->name[len] = '\0';
    ip_addr_t addr;
    err_t err = dns_gethostbyname(q->name, &addr, on_dns_found, q);
    if (err == ERR_OK) {
        on_dns_found(q->name, &addr, q);
    } else if (err != ERR_INPROGRESS) {
        q->done = true;
        q->ok = false;
    }
    return NET_SOCK_OK;
}

/* ------------------------------------------------------------- dispatch -- */

static void deliver(net_sock_t *s, net_sock_event_t ev, net_sock_t *child)
{
    if (s->cb != NULL) {
        s->cb(s, ev, child, s->arg);
    }
}

/* One slot's events; the slot may be freed by the callbacks it runs. */
static void dispatch_one(net_sock_t *s)
{
    if (s->pending & PEND_ACCEPT) {
        s->pending &= ~PEND_ACCEPT;
        net_sock_t *parent = s->parent;
        s->parent = NULL;
        deliver(parent, NET_SOCK_EV_ACCEPT, s);
        if (!sock_valid(s)) {
            return;
        }
    }
    if (s->pending & PEND_CONNECTED) {
        s->pending &= ~PEND_CONNECTED;
        deliver(s, NET_SOCK_EV_CONNECTED, NULL);
        if (!sock_valid(s)) {
            return;
        }
    }
    /* READABLE again while the reader makes progress, so a reader limited by
     * its buffer or by send space drains everything without new data. */
    if ((s->pending & PEND_READABLE) || s->progress) {
        s->pending &= ~PEND_READABLE;
        s->progress = false;
        if (net_sock_pending(s) > 0) {
            deliver(s, NET_SOCK_EV_READABLE, NULL);
        }
        if (!sock_valid(s)) {
            return;
        }
    }
    if (s->pending & PEND_WRITABLE) {
        s->pending &= ~PEND_WRITABLE;
        s->want_writable = false;
        deliver(s, NET_SOCK_EV_WRITABLE, NULL);
        if (!sock_valid(s)) {
            return;
        }
    }
    if ((s->pending & PEND_EOF) && !s->eof_reported && net_sock_pending(s) == 0) {
        s->eof_reported = true;
        deliver(s, NET_SOCK_EV_CLOSED, NULL);
        if (!sock_valid(s)) {
            return;
        }
    }
    if (s->pending & PEND_ERROR) {
        s->pending = 0;
        deliver(s, NET_SOCK_EV_ERROR, NULL);
        if (sock_valid(s)) {
            sock_release(s);
        }
    }
}

void net_sock_dispatch(void)
{
    /* What callbacks write is pushed out once, when they are all done, so
     * that a service writing in small pieces (from net_sock_view, a piece
     * per received buffer) still fills whole segments, as lwIP would have
     * filled them from one large write. Writes outside dispatch go at once. */
    sock_dispatching = true;
    /* Callbacks may create sockets and cause more events, so repeat until
     * quiet, with a bound in case a callback keeps re-arming itself. */
    for (int round = 0; round < 256; round++) {
        bool any = false;
        for (size_t i = 0; i < NET_SOCK_MAX; i++) {
            net_sock_t *s = &sock_pool[i];
            if (s->kind == SOCK_FREE) {
                continue;
            }
            /* A child is announced only while its listener lives. */
            if ((s->pending & PEND_ACCEPT) && !sock_valid(s->parent)) {
                continue;
            }
            if (s->pending == 0 && !s->progress) {
                continue;
            }
            dispatch_one(s);
            any = true;
        }
        for (size_t i = 0; i < NET_DNS_MAX; i++) {
            sock_dns_t *q = &sock_dns[i];
            if (q->used && q->done) {
                sock_dns_t copy = *q;
                *q = (sock_dns_t){0};
                copy.cb(copy.name, copy.ok, copy.ip, copy.arg);
                any = true;
            }
        }
        if (!any) {
            break;
        }
    }
    sock_dispatching = false;
    for (size_t i = 0; i < NET_SOCK_MAX; i++) {
        net_sock_t *s = &sock_pool[i];
        if (s->output_pending) {
            s->output_pending = false;
            if (s->kind == SOCK_TCP && s->tcp != NULL) {
                tcp_output(s->tcp);
            }
        }
    }
}

size_t net_sock_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < NET_SOCK_MAX; i++) {
        n += sock_pool[i].kind != SOCK_FREE;
    }
    return n;
}
