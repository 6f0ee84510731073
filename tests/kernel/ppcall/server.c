/*
 * ppcall test, passive server (priority 200): answers each call with 64
 * words computed from the request, counts notifications, and keeps
 * statistics the client asks for at the end (see client.c).
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ppcall/ppcall.h"

static uint64_t calls, bad_words, bad_channel, inits, notifications;

void init(void)
{
    inits++;
}

void notified(microkit_channel ch)
{
    if (ch != PPCALL_SERVER_CH)
        bad_channel++;
    notifications++;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    uint64_t label = microkit_msginfo_get_label(msginfo);
    if (ch != PPCALL_SERVER_CH)
        bad_channel++;
    if (label == PPCALL_LABEL_REPORT) {
        microkit_mr_set(0, calls);
        microkit_mr_set(1, bad_words);
        microkit_mr_set(2, bad_channel);
        microkit_mr_set(3, inits);
        microkit_mr_set(4, notifications);
        return microkit_msginfo_new(0, 5);
    }
    calls++;
    if (microkit_msginfo_get_count(msginfo) != PPCALL_WORDS || label != calls)
        bad_words++;
    for (unsigned i = 0; i < PPCALL_WORDS; i++) {
        uint64_t w = microkit_mr_get((uint8_t)i);
        if (w != ppcall_request_word(label, i))
            bad_words++;
        microkit_mr_set((uint8_t)i, ppcall_reply_word(w, i));
    }
    return microkit_msginfo_new(label + 1, PPCALL_WORDS);
}
