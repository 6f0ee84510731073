/*
 * One lwIP instance: the network stack of one client protection domain.
 *
 * The stack is a plain library driven by three kinds of event, all from the
 * PD's single thread (the Microkit event loop), never re-entered:
 *   net_stack_input()   a frame arrived (the PD wrapper pops it from its
 *                       receive queue and returns the buffer right after);
 *   net_stack_poll()    time passed or transmit buffers came back: run due
 *                       lwIP timers and retry output that found no buffer;
 *   the socket calls in sock.h, made by the service in the same PD.
 * After each event the wrapper asks net_stack_next_timeout_ms() when to be
 * woken by the L2 timer.
 *
 * Frames leave through the link operations below, which the PD wrapper
 * implements on its ddf/net.h transmit queues (and the host tests on an
 * in-memory link). The stack never touches shared memory itself: a received
 * frame is copied once into lwIP's own buffers before it is parsed, so a
 * client that shares a buffer with the virtualiser cannot have it change
 * under the parser.
 *
 * lwIP keeps its state in globals, so there is exactly one stack per PD
 * (which is the design: one stack per client, see docs/net.md).
 */
#ifndef SUBSTRATE_NET_STACK_H
#define SUBSTRATE_NET_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddf/net.h"
#include "ddf/net_csum.h"
#include "system/net/net_config.h"

/* What tx_commit_in_place did with a frame. */
typedef enum {
    NET_TX_SENT,     /* queued; net_stack_tx_done(token) follows once the server is done */
    NET_TX_NO_ROOM,  /* the transmit ring is full: try again later */
    NET_TX_UNFIT,    /* not expressible in place (too many pieces, memory not the heap's) */
} net_tx_result_t;

/* lwIP's heap (MEM_SIZE), with room for its alignment and end markers. */
#define NET_STACK_HEAP_BYTES (2u * 1024 * 1024 + 4096u)

typedef struct {
    void *ctx;
    /* Transmit buffers for a frame of `len` bytes: buf[i] receives bytes
     * [i * NET_BUFFER_SIZE, (i + 1) * NET_BUFFER_SIZE) of it. Returns how
     * many (len / NET_BUFFER_SIZE rounded up), or 0 when not enough are free
     * (the stack then retries on the next net_stack_poll()). */
    size_t (*tx_reserve)(void *ctx, size_t len, uint8_t *buf[NET_MAX_CHAIN]);
    /* Sends the frame in the buffers tx_reserve returned last: `len` bytes
     * (0: nothing; the buffers stay the link's), with the offload metadata
     * of ddf/net.h in `meta` (flags, csum_*, gso_size; NULL for none). */
    void (*tx_commit)(void *ctx, size_t len, const net_buff_desc_t *meta);
    /* The NET_OFFLOAD_TX_* the link's server accepts now (NULL: none). */
    uint32_t (*tx_offloads)(void *ctx);
    /* Monotonic time in nanoseconds. */
    uint64_t (*now_ns)(void *ctx);
    /* Takes back receive buffer `buffer`, lent by net_stack_input_lent (NULL
     * if the link lends none). Called from inside lwIP, once per buffer, when
     * lwIP frees the data in it: it must not enter the stack. */
    void (*rx_release)(void *ctx, uint32_t buffer);
    /* Memory the link's server reads frames from, at least
     * NET_STACK_HEAP_BYTES, or NULL. When given, lwIP's heap lives there,
     * so the segments TCP writes into it can be sent where they are. */
    uint8_t *tx_heap;
    size_t tx_heap_size;
    /* Sends a frame whose first `len` bytes are in the buffers tx_reserve
     * returned last (its headers, with `meta` as for tx_commit) and whose
     * other bytes are piece[0..n-1] inside tx_heap, without copying them.
     * The reserved buffers are sent or the link's again, whatever the
     * result. After NET_TX_SENT the link calls net_stack_tx_done(token) when
     * its server has handed the whole frame back; until then the stack must
     * not change those bytes. NULL if the link cannot. */
    net_tx_result_t (*tx_commit_in_place)(void *ctx, size_t len, const net_buff_desc_t *meta,
                                          const net_piece_t *piece, size_t n, void *token);
} net_link_ops_t;

typedef enum {
    NET_OK = 0,
    NET_ERR_CONFIG,     /* configuration rejected */
    NET_ERR_STATE,      /* net_stack_init twice, or a call before init */
    NET_ERR_NOMEM,
} net_err_t;

typedef struct {
    uint64_t rx_frames, rx_dropped_size, rx_arp_refused;
    uint64_t tx_frames, tx_no_buffer;
    uint64_t rx_checksum_offloaded;  /* frames whose TCP/UDP sum the device vouched for */
    uint64_t tx_no_offload;          /* TSO segments the link no longer accepted */
    uint64_t tx_in_place;            /* TCP segments sent from lwIP's heap, headers copied only */
} net_stack_stats_t;

/* Starts the stack with the granted configuration: static address or DHCP. */
net_err_t net_stack_init(const net_config_t *cfg, const net_link_ops_t *link);

/* A frame received from the link; copied before parsing. Frames shorter than
 * an Ethernet header or longer than NET_STACK_MAX_FRAME are dropped here. */
#define NET_STACK_MAX_FRAME 1518
void net_stack_input(const uint8_t *frame, size_t len);

/*
 * A frame received in pieces (piece[i], piece_len[i], i < n <= NET_MAX_CHAIN)
 * with the receive flags of ddf/net.h: NET_DESC_CSUM_VALID and
 * NET_DESC_CSUM_PARTIAL (the device vouches for the data, so its TCP/UDP
 * checksum is not checked), NET_DESC_GSO_TCPV4 (a merged TCP segment, up to
 * NET_STACK_MAX_GSO_FRAME bytes, lwIP's largest buffer). Copied before
 * parsing, like net_stack_input.
 */
#define NET_STACK_MAX_GSO_FRAME 65535
void net_stack_input_frame(const uint8_t *const piece[], const size_t piece_len[], size_t n, uint16_t flags);

/*
 * The same, but the pieces are the link's receive buffers buffer[i]
 * (< NET_STACK_MAX_LENT, each named once), lent to the stack: lwIP keeps
 * the data where it is, as pbufs naming the link's memory, until the reader
 * has taken it, and gives every buffer back through link.rx_release exactly
 * once, possibly before this returns: a frame of at most
 * NET_STACK_COPY_MAX bytes, or any frame when `may_keep` is false (the
 * link is short of buffers), is copied and its buffers given back at once,
 * as are those of a frame that is dropped. Parsed in place: the link must
 * not write a buffer while it is lent.
 */
#define NET_STACK_MAX_LENT 1024
#define NET_STACK_COPY_MAX 256
void net_stack_input_lent(uint8_t *const piece[], const size_t piece_len[], const uint32_t buffer[], size_t n,
                          uint16_t flags, bool may_keep);

/*
 * TCP segmentation offload for one connection: when the link accepts
 * NET_OFFLOAD_TX_TSO4 and the peer takes full-sized segments, lwIP builds
 * segments of up to NET_STACK_TSO_MSS bytes and the device cuts them at the
 * wire's size. Called by the socket layer before a connection's first send.
 */
#define NET_STACK_TSO_MSS 16384
struct tcp_pcb;
void net_stack_tcp_offload(struct tcp_pcb *pcb);

/* The link's server has finished with a frame tx_commit_in_place sent. */
void net_stack_tx_done(void *token);

/* Runs due timers and retries deferred output. */
void net_stack_poll(void);

/* Milliseconds until the next lwIP timer, or UINT32_MAX for none. */
uint32_t net_stack_next_timeout_ms(void);

/* The current address (host byte order), 0 until DHCP has bound one. */
uint32_t net_stack_ip(void);
bool net_stack_is_up(void);
const net_config_t *net_stack_config(void);
net_stack_stats_t net_stack_stats(void);

/* ICMP echo: sends one request to `ip` (host byte order); replies are
 * counted. Returns false when it could not be sent. */
bool net_stack_ping(uint32_t ip);
uint32_t net_stack_ping_replies(void);

/* Mixes `seed` into the generator behind LWIP_RAND (ports, DHCP and DNS
 * ids); call before net_stack_init with something that differs per boot. */
void net_port_seed(uint64_t seed);

/* Called when the address changes (DHCP bound/renewed); optional. */
void net_stack_on_address(void (*cb)(uint32_t ip, void *arg), void *arg);

#endif
