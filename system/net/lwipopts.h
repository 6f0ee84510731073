/*
 * lwIP configuration for substrate: one stack instance per client protection
 * domain, driven from the Microkit event loop.
 *
 * NO_SYS=1: no threads, no sequential or BSD socket API. Everything runs from
 * the PD's notified() handler; the event API in system/net/sock.h sits on
 * lwIP's raw callback API. Memory is fixed at build time (static pools, no
 * malloc), so a PD's footprint is known ahead of time and a flood can only
 * exhaust that PD's own pools.
 */
#ifndef SUBSTRATE_NET_LWIPOPTS_H
#define SUBSTRATE_NET_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS 1

/* Memory: a static heap for pbufs of outgoing data and fixed pools. */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 8
/* With TCP segmentation offload a queued segment is up to 32 KiB
 * (NET_STACK_TSO_MSS) in one heap block. */
#define MEM_SIZE (2 * 1024 * 1024)
/* Where the heap is: in the link's transmit region when the link offers one
 * (net_stack.h, tx_heap), so segments leave from where TCP wrote them. */
extern unsigned char *net_stack_heap;
#define LWIP_RAM_HEAP_POINTER net_stack_heap
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_UDP_PCB 16
#define MEMP_NUM_TCP_PCB 64
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_TCP_SEG 1024
#define MEMP_NUM_REASSDATA 8
#define MEMP_NUM_FRAG_PBUF 32
#define MEMP_NUM_ARP_QUEUE 64
/* Packets held per address while ARP resolves it: enough for a burst of
 * connections opened at once (lwIP's default of 3 drops SYNs 4 and up,
 * which then wait for the 3 s initial retransmission timeout). */
#define ARP_QUEUE_LEN 32
/* Received data waits for its reader in the queue's buffers, lent to lwIP
 * (net_stack_input_lent), and here when it was copied instead: small
 * frames, and everything that arrives while half the buffers are lent. */
#define PBUF_POOL_SIZE 2048
#define PBUF_POOL_BUFSIZE 1536

/* Protocols. IPv4 only. */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define ARP_TABLE_SIZE 16
#define ARP_QUEUEING 1
/* An IP packet never updates the ARP table; only ARP traffic for us does. */
#define ETHARP_TRUST_IP_MAC 0
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define LWIP_ICMP 1
#define LWIP_RAW 1 /* for net_stack_ping */
#define MEMP_NUM_RAW_PCB 2
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 1
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DNS 1
#define DNS_TABLE_SIZE 4
#define DNS_MAX_NAME_LENGTH 128
#define DNS_MAX_SERVERS 2
/* DNS queries leave from a random port, but only from one the system
 * description grants (net_stack.c). */
int net_stack_udp_port_allowed(unsigned port);
#define DNS_PORT_ALLOWED(port) net_stack_udp_port_allowed(port)
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define IP_REASS_MAX_PBUFS 32
#define IP_DEFAULT_TTL 64

/* TCP: window scaling, keep-alive available per pcb, selective
 * acknowledgements.
 *
 * The receive window is what one connection may have in flight towards us.
 * It lands in this PD's receive queue from the virtualiser (`queue=`
 * buffers of 4 KiB; a merged 64 KiB segment takes 17) and waits there for
 * the reader, lent to lwIP, or, past half the queue, in lwIP's pool
 * (PBUF_POOL_SIZE buffers); what does not fit is dropped and sent again.
 * One window is 500 KiB (the most a scale of 3 allows): with 58 KiB a single
 * bulk stream left this PD waiting for data a third of the time, and with
 * 256 KiB one stream towards the guest ran 13-30 % slower than now. The
 * default echo's queue (1024 buffers, 4 MiB) and the pool (3 MiB) hold about
 * eight such windows as the stack keeps them (merged segments lent, the rest
 * copied); eight streams towards the guest cause no retransmissions (with
 * the earlier 768-buffer pool and 2 KiB buffers they made the host
 * retransmit about 20,000 segments in 6 s; docs/bench-net.md). A composition with a shallower queue should expect
 * losses under several bulk streams; SACK lets the sender repair many holes
 * per round trip instead of one. */
#define TCP_MSS 1460
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 3
#define TCP_WND (350 * TCP_MSS)
/* A window update (an ACK of its own) goes out once the reader has opened a
 * quarter of the window, not lwIP's default four segments: with 64 KiB
 * segments arriving merged, four segments' worth was an ACK per 6 KB read,
 * nine times as many as a Linux receiver sends for the same stream, and
 * each one is a frame through virtualiser, driver and device. */
#define TCP_WND_UPDATE_THRESHOLD (TCP_WND / 4)
#define LWIP_TCP_SACK_OUT 1
#define LWIP_TCP_MAX_SACK_NUM 4
/* What one connection may have written and not yet had acknowledged: with
 * 256 KiB one stream towards the host stopped, waiting for ACKs, 40 % of the
 * time; 512 KiB gave it 15-25 % more (docs/bench-net.md). Connections share
 * the heap (MEM_SIZE); a write that finds it full waits for acknowledgements
 * like one that finds the buffer full. */
#define TCP_SND_BUF (512 * 1024)
#define TCP_SND_QUEUELEN (2 * TCP_SND_BUF / TCP_MSS)
#define TCP_SNDLOWAT (16 * 1024) /* lwIP keeps it in a u16_t */
#define TCP_QUEUE_OOSEQ 1
/* A merged receive segment (up to 64 KiB) is dozens of pool buffers. */
#define TCP_OOSEQ_MAX_PBUFS 256
#define LWIP_TCP_KEEPALIVE 1
#define TCP_KEEPIDLE_DEFAULT 60000
#define TCP_KEEPINTVL_DEFAULT 10000
#define TCP_KEEPCNT_DEFAULT 6
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 32
#define LWIP_TCP_TIMESTAMPS 0
/* Initial sequence numbers: RFC 6528, clock plus a keyed hash of the
 * connection's addresses and ports (net_stack.c, net_random.h). */
struct ip4_addr;
unsigned int net_stack_tcp_isn(const struct ip4_addr *local_ip, unsigned short local_port,
                               const struct ip4_addr *remote_ip, unsigned short remote_port);
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) \
    net_stack_tcp_isn((local_ip), (local_port), (remote_ip), (remote_port))
/* Room tcp_write leaves in a queued segment for the next write to fill.
 * One offload segment (NET_STACK_TSO_MSS), so that a bulk writer's data
 * waiting for the window is sent in segments as large as TSO allows; it is
 * used only for writes sock.c marks TCP_WRITE_FLAG_MORE (a bulk writer),
 * and never beyond the connection's MSS. */
#define TCP_OVERSIZE (16 * 1024)

/* Netif: one per stack; the status callback reports DHCP results. */
#define LWIP_SINGLE_NETIF 1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_NETIF_TX_SINGLE_PBUF 1
/* Received frames stay in the link's buffers as custom pbufs, given back when
 * freed (net_stack_input_lent). */
#define LWIP_SUPPORT_CUSTOM_PBUF 1
#define ETH_PAD_SIZE 0

/* Checksums are checked here, except that a received frame whose TCP/UDP
 * checksum the device vouched for (ddf/net.h flags) is not checked again:
 * net_stack_input_frame turns the check off per frame
 * (LWIP_CHECKSUM_CTRL_PER_NETIF). lwIP generates every checksum but TCP's,
 * which the link output finishes on its own copy of the frame: the device
 * sums the data when it offers to (NET_OFFLOAD_TX_CSUM), else one pass does
 * (net_stack.c, tcp_csum_prepare). So written data is copied once, without a
 * sum, on its way to the device. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 0
#define CHECKSUM_GEN_ICMP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1
#define CHECKSUM_CHECK_ICMP 1
#define LWIP_CHECKSUM_ON_COPY 0

#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0
#define LWIP_DEBUG_TIMERNAMES 0
#define LWIP_PERF 0

#endif
