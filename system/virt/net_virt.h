/*
 * The network virtualiser: several clients share one network driver.
 *
 * Receive: the virtualiser owns the receive DMA buffers and keeps the driver
 * supplied with empty ones. Each frame the driver returns is demultiplexed by
 * destination MAC (broadcast and multicast go to every client), copied into a
 * buffer the client itself offered, and the DMA buffer goes straight back to
 * the driver. A client with no free buffer loses the frame; nobody waits for
 * it, so a slow client cannot stall the rest.
 * Transmit: clients are served round robin, one frame each per pass. A frame
 * is copied out of the client's buffer into a transmit DMA buffer, its source
 * MAC is set to the client's own (no spoofing), and the client's buffer is
 * returned to it at once. A client with a grant (system/net/net_config.h)
 * has that private copy checked by net_filter_tx(); a frame from an address
 * or port the grant does not give is dropped and counted (tx_filtered).
 *
 * DHCP: a client whose grant says ip=dhcp has no address to enforce until
 * it has a lease. The virtualiser learns the lease from the DHCPACK it
 * delivers to that client (matching the transaction id of the client's own
 * latest request; net_dhcp_snoop_rx in system/net/net_filter.h), parsing a
 * private copy of the frame, which is also what the client receives. Before
 * the lease only DHCP from 0.0.0.0 and ARP probes leave; after it the lease
 * is enforced like a static address. A DHCPNAK withdraws it, and so does the
 * end of the lease time the ACK gave (option 51), checked against the
 * configuration's clock when the client next sends; without a clock a lease
 * lasts until a NAK.
 *
 * Grants: each client's grant text comes from a read-only region the system
 * description fills (prefill_path). It is copied out once at init, then
 * parsed; the client's MAC is the grant's. A grant that does not parse (or
 * names a multicast MAC) disables that client alone: it gets no frames and
 * none of its frames are sent. A client configured without a grant is a raw
 * Ethernet client: its MAC comes from the configuration and nothing but the
 * source MAC is enforced.
 *
 * Frames of several buffers and offloads (ddf/net.h). The virtualiser takes
 * NET_OFFLOAD_RX_CSUM and NET_OFFLOAD_RX_GSO from the driver (it says so on
 * the driver's receive free ring) and passes on to every client, on the
 * client's transmit free ring, the driver's transmit offload word as it reads
 * it at the start of each poll.
 *   Receive: a frame from the driver (a chain whose pieces may start inside
 *   their buffers) is checked whole, then copied into the client's buffers
 *   from offset 0, NET_BUFFER_SIZE bytes a piece, all or nothing: a client
 *   short of buffers loses the frame, never part of it. Buffers the client
 *   offered beyond what one frame needed stay with the virtualiser for the
 *   next frame (at most NET_MAX_CHAIN per client). Per client and frame it
 *   reads the client's receive offload word: a GSO frame goes only to a
 *   client with RX_GSO and RX_CSUM (GSO always comes with CSUM_PARTIAL), else
 *   it is dropped and counted; a CSUM_PARTIAL frame for a client without
 *   RX_CSUM has its checksum completed in software on the client's copy and
 *   arrives without the flag, and CSUM_VALID is not passed to such a client.
 *   A GSO frame to a broadcast or multicast address is dropped.
 *   Transmit: one frame (not buffer) per client per pass. The frame's
 *   descriptors are taken whole; if the driver lacks the DMA buffers or ring
 *   slots for it, it waits in the virtualiser (one per client) until it has
 *   them. Checked before it is copied: every piece in the client's region,
 *   known flags only, a chain only with GSO_TCPV4, GSO only with
 *   CSUM_PARTIAL, lengths (NET_MAX_FRAME, or NET_MAX_GSO_FRAME for GSO), the
 *   checksum field inside the first piece and past the IPv4 header's start.
 *   Checked on the private copy: for GSO, Ethernet + IPv4 + TCP headers in
 *   the first piece, not a fragment, no RST, IPv4 total length that of the
 *   whole frame, the checksum field the TCP one, gso_size >= 1; for a granted
 *   client's CSUM_PARTIAL frame, the field is the TCP or UDP checksum of an
 *   unfragmented IPv4 packet (so the device's write cannot change what the
 *   filter checked). A frame needing an offload the driver does not offer is
 *   dropped and counted. The filter sees a private copy of the headers.
 *
 * Clients therefore never see any buffer but their own, and the device only
 * ever sees the virtualiser's DMA buffers. Every descriptor from a client or
 * from the driver is checked (offset, alignment, length, ownership) before use.
 */
#ifndef SUBSTRATE_SYSTEM_VIRT_NET_VIRT_H
#define SUBSTRATE_SYSTEM_VIRT_NET_VIRT_H

#include <stdbool.h>
#include <stdint.h>

#include "ddf/net.h"
#include "ddf/net_csum.h"
#include "system/net/net_config.h"
#include "system/net/net_filter.h"

#define NET_VIRT_MAX_CLIENTS 8
#define NET_VIRT_MAX_BUFFERS 1024  /* DMA buffers per direction (a 64 KiB frame is 17) */
#define NET_VIRT_DEFAULT_CAPACITY 64u /* a client's ring capacity when nothing says */

typedef struct {
    void *rx_region;  size_t rx_region_size;   /* client's receive connection (virtualiser serves) */
    void *tx_region;  size_t tx_region_size;   /* client's transmit connection */
    uint32_t capacity;                         /* 0: the grant's queue=, else the default */
    uint8_t *rx_data; uint64_t rx_data_size;   /* the client's buffers, as mapped here */
    uint8_t *tx_data; uint64_t tx_data_size;
    const uint8_t *grant; size_t grant_size;   /* the grant region, or NULL */
    uint8_t mac[NET_MAC_LEN];                  /* used only without a grant */
} net_virt_client_cfg_t;

typedef struct {
    void *drv_rx_region; size_t drv_rx_region_size;
    void *drv_tx_region; size_t drv_tx_region_size;
    uint32_t drv_capacity;
    uint8_t *rx_dma; uint64_t rx_dma_size;     /* buffers lent to the driver */
    uint8_t *tx_dma; uint64_t tx_dma_size;
    size_t client_count;
    net_virt_client_cfg_t clients[NET_VIRT_MAX_CLIENTS];
    /* Nanoseconds, never decreasing, for DHCP lease ends; NULL: no clock.
     * Called only when a leased DHCP client sends or a lease is learned. */
    uint64_t (*now_ns)(void *ctx);
    void *clock_ctx;
} net_virt_cfg_t;

typedef struct {
    net_queue_t rx, tx;
    uint32_t capacity;                         /* of both its rings */
    uint8_t *rx_data; uint64_t rx_data_size;
    uint8_t *tx_data; uint64_t tx_data_size;
    uint8_t mac[NET_MAC_LEN];
    uint64_t rx_frames, tx_frames;
    uint64_t rx_dropped;                       /* no buffers or no ring room: the whole frame lost */
    uint64_t bad_descs;                        /* descriptors naming memory not its own, bad lengths */
    uint64_t tx_filtered;                      /* frames its grant does not allow */
    uint64_t rx_gso_refused;                   /* GSO frames for it without RX_GSO and RX_CSUM */
    uint64_t rx_csum_completed;                /* CSUM_PARTIAL frames completed here for it */
    uint64_t rx_gso_frames, tx_gso_frames;     /* GSO frames delivered to it, sent for it */
    uint64_t tx_broken_chains;                 /* chains cut short or too long */
    uint64_t tx_bad_offload;                   /* frames breaking the offload rules (net.h) */
    uint64_t tx_offload_refused;               /* frames needing an offload the driver lacks */
    /* Receive buffers it offered, taken from its free ring, not yet used. */
    uint64_t rx_spare[NET_MAX_CHAIN];
    uint32_t rx_spare_count;
    /* The frame taken from its transmit ring and not finished with. */
    net_buff_desc_t tx_pend[NET_MAX_CHAIN];
    uint32_t tx_pend_count;
    uint32_t tx_pend_returned;                 /* pieces already given back */
    uint8_t tx_pend_state;                     /* NET_VIRT_TX_* (net_virt.c) */
    bool broken;                               /* its rings were found corrupt */
    bool filtered;                             /* has a grant, enforced on transmit */
    bool disabled;                             /* its grant was bad: served not at all */
    net_config_err_t grant_err;                /* why, when disabled */
    net_config_t grant;                        /* with ip=dhcp, grant.ip is the learned lease */
    net_dhcp_snoop_t dhcp;                     /* lease snooping (ip=dhcp only) */
    uint64_t lease_end_ns;                     /* when grant.ip's lease runs out; UINT64_MAX: never */
    uint64_t leases_expired;                   /* leases withdrawn because their time ran out */
} net_virt_client_t;

typedef struct {
    net_queue_t drv_rx, drv_tx;
    uint32_t drv_capacity;
    uint8_t *rx_dma; uint32_t rx_bufs;
    uint8_t *tx_dma; uint32_t tx_bufs;
    bool rx_at_driver[NET_VIRT_MAX_BUFFERS];   /* ownership of each DMA buffer */
    bool tx_at_driver[NET_VIRT_MAX_BUFFERS];
    uint32_t rx_idle[NET_VIRT_MAX_BUFFERS];    /* receive buffers not at the driver (stack) */
    uint32_t rx_idle_count;
    uint32_t tx_idle[NET_VIRT_MAX_BUFFERS];
    uint32_t tx_idle_count;
    size_t client_count;
    net_virt_client_t clients[NET_VIRT_MAX_CLIENTS];
    uint32_t next_tx_client;
    uint64_t rx_no_owner, bad_driver_descs;
    uint64_t rx_broken_chains;                 /* from the driver: cut short or too long */
    uint64_t rx_bad_offload;                   /* from the driver: breaking the offload rules */
    uint64_t rx_gso_to_all;                    /* GSO frames to a broadcast/multicast address */
    uint32_t drv_tx_offloads;                  /* the driver's word, read at the start of a poll */
    bool any_dhcp;                             /* some client has ip=dhcp */
    uint64_t (*now_ns)(void *ctx);             /* the configuration's clock, or NULL */
    void *clock_ctx;
    uint8_t snoop_copy[NET_BUFFER_SIZE];       /* private copy of a DHCP reply */
    /* Scratch for one frame (a PD's stack is one page). */
    net_buff_desc_t frame[NET_MAX_CHAIN];      /* as taken from the driver */
    net_piece_t src[NET_MAX_CHAIN];            /* its bytes */
    net_piece_t dst[NET_MAX_CHAIN];            /* a client's copy, or the DMA copy */
    net_buff_desc_t out[NET_MAX_CHAIN];        /* what is published */
    uint8_t hdr_copy[NET_ETH_HDR_LEN + 60 + 60]; /* GSO headers (longest IPv4 and TCP) for the filter */
    /* Outputs of the last poll. */
    bool notify_drv_rx, notify_drv_tx;
    uint32_t notify_clients_rx, notify_clients_tx;  /* bit i: client i */
} net_virt_t;

typedef enum { NET_VIRT_OK = 0, NET_VIRT_EINVAL } net_virt_err_t;

/* Checks the configuration, then initialises every ring (this end is the
 * initialiser of all of them). Nothing is touched on error. A client whose
 * grant is bad is not an error: it is set disabled (see grant_err). */
net_virt_err_t net_virt_init(net_virt_t *v, const net_virt_cfg_t *cfg);

/*
 * The PD's configuration from its system description. For each client slot
 * i (up to NET_VIRT_MAX_CLIENTS) the description may map five regions,
 * patching their addresses (setvar_vaddr) and sizes (setvar_size):
 *   net_c<i>_rx, net_c<i>_tx           the receive and transmit queues
 *   net_c<i>_rx_data, net_c<i>_tx_data the client's buffers
 *   net_c<i>_grant                     its grant (optional, read-only)
 * A slot is a client when its four queue and data regions are mapped; the
 * clients are slots 0..n-1, without gaps, and client i's channel is 1 + i.
 * A size left unpatched (0) takes the default given here (the sizes of
 * systems written before setvar_size was used). The ring capacity comes from
 * the grant's queue= (net_virt_init), else `capacity`.
 */
typedef struct {
    uintptr_t rx, tx, rx_data, tx_data, grant;       /* 0: not mapped */
    uint64_t rx_size, tx_size, rx_data_size, tx_data_size, grant_size; /* 0: default */
} net_virt_slot_t;

typedef struct {
    uint64_t queue_size, data_size, grant_size;
    uint32_t capacity;
} net_virt_slot_defaults_t;

typedef enum {
    NET_VIRT_SLOTS_OK = 0,
    NET_VIRT_SLOTS_NONE,       /* no client at all */
    NET_VIRT_SLOTS_PARTIAL,    /* a slot maps some of its four regions, not all */
    NET_VIRT_SLOTS_GAP,        /* a client after an empty slot */
} net_virt_slots_err_t;

/* Fills cfg->clients[] and cfg->client_count from the slots; on error
 * *bad_slot names the slot and cfg is left as it was. */
net_virt_slots_err_t net_virt_slots_config(const net_virt_slot_t slots[NET_VIRT_MAX_CLIENTS],
                                           const net_virt_slot_defaults_t *def, net_virt_cfg_t *cfg,
                                           size_t *bad_slot);

/* All the work there is: refill the driver, demultiplex received frames,
 * transmit fairly, take back sent buffers. */
void net_virt_poll(net_virt_t *v);

#endif
