/*
 * How a client PD calls the extension host: protected procedure calls on
 * the channel its system description gives it.
 *
 *   label < EXT_LABEL_RELOAD   call extension number `label`:
 *                              mr0 = argument -> reply label ext_reply_t, mr0 = result
 *   EXT_LABEL_CALL_BY_NAME     mr0 = argument, mr1..mr3 = name (EXT_PROTO_NAME_BYTES,
 *                              NUL-padded, little-endian in each word) -> as above
 *   EXT_LABEL_FIND             mr0..mr2 = name -> label OK with mr0 = index, or NO_SUCH
 *   EXT_LABEL_RELOAD           re-read the extension directory: every extension is
 *                              unloaded (a stopped one too) and loaded afresh
 *                              -> label OK, mr0 = running, mr1 = refused,
 *                                 mr2 = arena bytes in use after the load;
 *                              STOPPED if this host has no filesystem to reload from
 *
 * Extension numbers are positions in the loaded set (names in byte order,
 * refused ones included) and change only on a reload.
 */
#ifndef SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_PROTOCOL_H
#define SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

enum {
    EXT_LABEL_RELOAD = 0x100,
    EXT_LABEL_CALL_BY_NAME = 0x101,
    EXT_LABEL_FIND = 0x102,
};

#define EXT_PROTO_NAME_WORDS 3u
#define EXT_PROTO_NAME_BYTES (EXT_PROTO_NAME_WORDS * 8u)

/* Packs a name of len bytes (at most EXT_PROTO_NAME_BYTES are used) into words. */
static inline void ext_proto_pack_name(const char *name, size_t len, uint64_t words[EXT_PROTO_NAME_WORDS])
{
    for (size_t w = 0; w < EXT_PROTO_NAME_WORDS; w++)
        words[w] = 0;
    if (len > EXT_PROTO_NAME_BYTES)
        len = EXT_PROTO_NAME_BYTES;
    for (size_t i = 0; i < len; i++)
        words[i / 8] |= (uint64_t)(uint8_t)name[i] << (8 * (i % 8));
}

/* Unpacks words into a NUL-terminated name; returns its length (up to the first NUL). */
static inline size_t ext_proto_unpack_name(const uint64_t words[EXT_PROTO_NAME_WORDS],
                                           char name[EXT_PROTO_NAME_BYTES + 1])
{
    size_t n = 0;
    while (n < EXT_PROTO_NAME_BYTES) {
        char c = (char)(words[n / 8] >> (8 * (n % 8)));
        if (c == '\0')
            break;
        name[n++] = c;
    }
    name[n] = '\0';
    return n;
}

#endif
