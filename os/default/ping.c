/*
 * ping: when the client starts a game, plays ROUNDS rounds of notification
 * ping-pong with pong, then tells the client it is done.
 */
#include <microkit.h>

#define CLIENT 0
#define PONG 1
#define ROUNDS 3

static unsigned int round_number;

void init(void)
{
    microkit_dbg_puts("ping: ready\n");
}

void notified(microkit_channel ch)
{
    if (ch == CLIENT) {
        round_number = 0;
    } else if (ch == PONG) {
        microkit_dbg_puts("ping: pong answered round ");
        microkit_dbg_put32(round_number);
        microkit_dbg_puts("\n");
    }
    if (round_number == ROUNDS) {
        microkit_notify(CLIENT);
        return;
    }
    round_number++;
    microkit_notify(PONG);
}
