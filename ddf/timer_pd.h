/*
 * ddf/timer_pd.h: a timer client PD's side of ddf/timer.h, for
 * ddf/timer_clock.h: the protected call on the PD's timer channel, as a
 * timer_clock_call_fn whose context points at the channel id.
 */
#ifndef SUBSTRATE_DDF_TIMER_PD_H
#define SUBSTRATE_DDF_TIMER_PD_H

#include <microkit.h>

#include "ddf/timer_clock.h"

static inline uint32_t timer_pd_call(void *channel, uint64_t label, uint64_t reply[TIMER_REPLY_WORDS])
{
    microkit_msginfo m = microkit_ppcall(*(const microkit_channel *)channel, microkit_msginfo_new(label, 0));
    uint32_t words = (uint32_t)microkit_msginfo_get_count(m);
    words = words < TIMER_REPLY_WORDS ? words : TIMER_REPLY_WORDS;
    for (uint32_t i = 0; i < words; i++) {
        reply[i] = microkit_mr_get((uint8_t)i);
    }
    return words;
}

#endif
