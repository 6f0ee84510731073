/*
 * serial hostile client: starts a line it never ends, then scribbles over
 * its transmit ring's indices and keeps notifying. None of its characters
 * ('Z') may reach the console, and the other clients' lines stay whole.
 */
#include <microkit.h>

#include "ddf/serial.h"

#define VIRT_CH 0
#define CAP 1024u

uintptr_t serial_tx, serial_rx;

static serial_queue_t tx;
static unsigned pokes;

void init(void)
{
    (void)serial_attach(&tx, (void *)serial_tx, 0x1000, CAP, true, false);
    (void)serial_write(&tx, "ZZZZZZZZ no newline ever", 24);
    microkit_notify(VIRT_CH);
    tx.ring.shared->tail += 5000;
    microkit_notify(VIRT_CH);
}

void notified(microkit_channel ch)
{
    (void)ch;
    if (pokes++ < 100) {
        tx.ring.shared->tail += 7;
        microkit_notify(VIRT_CH);
    }
}
