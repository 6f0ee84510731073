/*
 * serial test client: writes CHATTY_LINES numbered lines and echoes every
 * line it receives as "<NAME> got: <line>". Two of these take turns: each
 * turn writes TURN_CHARS characters (not aligned to lines) and passes the turn
 * to the other, so both rings hold half-written lines at the same time, which
 * a virtualiser forwarding characters rather than whole lines would mix.
 * Build with -DCHATTY_NAME='"A"'.
 */
#include <microkit.h>

#include "ddf/serial.h"

#define VIRT_CH 0
#define PEER_CH 1   /* the other chatty client: both start once both are up, so they race */
#define CAP 1024u
#ifndef CHATTY_NAME
#define CHATTY_NAME "A"
#endif
#ifndef CHATTY_LINES
#define CHATTY_LINES 150
#endif

uintptr_t serial_tx, serial_rx;

static serial_queue_t tx, rx;
static bool peer_up;
static unsigned idle_turns;
#define TURN_CHARS 25
static unsigned sent;
static char line[128];
static unsigned line_len;
static char pending[160];
static unsigned pending_len, pending_pos;
static char echo[160];
static unsigned echo_len; /* an echo waiting for the next line boundary */

static unsigned append(char *out, unsigned at, unsigned cap, const char *s)
{
    while (*s && at < cap) {
        out[at++] = *s++;
    }
    return at;
}

static unsigned append_num(char *out, unsigned at, unsigned cap, unsigned v)
{
    char digits[3] = {(char)('0' + v / 100 % 10), (char)('0' + v / 10 % 10), (char)('0' + v % 10)};
    for (int i = 0; i < 3 && at < cap; i++) {
        out[at++] = digits[i];
    }
    return at;
}

/* Writes up to `budget` characters from the pending line, making the next
 * one when it is out. */
static void pump(unsigned budget)
{
    while (budget > 0) {
        if (pending_pos == pending_len && echo_len != 0) {
            /* Lines are only whole if ours never interleave in our own ring either. */
            for (unsigned i = 0; i < echo_len; i++) {
                pending[i] = echo[i];
            }
            pending_len = echo_len;
            pending_pos = 0;
            echo_len = 0;
        }
        if (pending_pos == pending_len) {
            if (sent == CHATTY_LINES) {
                return;
            }
            unsigned n = append(pending, 0, sizeof(pending), CHATTY_NAME " line ");
            n = append_num(pending, n, sizeof(pending), sent++);
            n = append(pending, n, sizeof(pending), " the quick brown fox jumps over the lazy dog " CHATTY_NAME "\n");
            pending_len = n;
            pending_pos = 0;
        }
        unsigned want = pending_len - pending_pos < budget ? pending_len - pending_pos : budget;
        size_t put = serial_write(&tx, pending + pending_pos, want);
        budget -= (unsigned)put;
        pending_pos += (unsigned)put;
        if (put < want) {
            serial_request_space_signal(&tx);
            if (serial_full(&tx)) {
                return; /* the virtualiser will tell us when there is room */
            }
            ddf_ring_cancel_space_signal(&tx.ring);
        }
    }
}

static void echo_input(void)
{
    uint8_t c;
    while (serial_get(&rx, &c) == DDF_RING_OK) {
        if (c == '\r' || c == '\n') {
            if (line_len == 0) {
                continue;
            }
            unsigned n = append(echo, 0, sizeof(echo), CHATTY_NAME " got: ");
            for (unsigned i = 0; i < line_len && n < sizeof(echo) - 1; i++) {
                echo[n++] = line[i];
            }
            echo[n++] = '\n';
            echo_len = n;
            line_len = 0;
        } else if (line_len < sizeof(line)) {
            line[line_len++] = (char)c;
        }
    }
}

void init(void)
{
    (void)serial_attach(&tx, (void *)serial_tx, 0x1000, CAP, true, false);
    (void)serial_attach(&rx, (void *)serial_rx, 0x1000, CAP, false, false);
    microkit_notify(PEER_CH);
}

void notified(microkit_channel ch)
{
    echo_input();
    if (ch != PEER_CH) {
        if (peer_up) {
            pump(echo_len); /* flush an echo at a line boundary, or finish a line cut by a full ring */
            microkit_notify(VIRT_CH);
        }
        return;
    }
    peer_up = true;
    pump(TURN_CHARS);
    microkit_notify(VIRT_CH);
    /* Pass the turn on; once we are done, a bounded number of times more. */
    if (sent < CHATTY_LINES || pending_pos != pending_len || idle_turns++ < 2000) {
        microkit_notify(PEER_CH);
    }
}
