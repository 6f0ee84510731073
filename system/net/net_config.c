/*
 * Parser for a client's network configuration text (see net_config.h).
 *
 * The text comes from a region the system description fills, and the network
 * virtualiser may parse the same text to enforce it, so it is outside input:
 * every number is range-checked, every list bounded, and the result is built
 * in a local and copied out only when the whole text is valid. No allocation,
 * no C library beyond what a freestanding build has.
 */
#include "system/net/net_config.h"

typedef struct {
    const char *p;
    const char *end;
} net_cursor_t;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* A decimal number of at most `max`, at least one digit. */
static bool parse_decimal(net_cursor_t *c, uint32_t max, uint32_t *out)
{
    uint32_t v = 0;
    const char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        v = v * 10 + (uint32_t)(*c->p - '0');
        if (v > max) {
            return false;
        }
        c->p++;
    }
    if (c->p == start || c->p - start > 10) {
        return false;
    }
    *out = v;
    return true;
}

static bool expect(net_cursor_t *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool parse_ipv4(net_cursor_t *c, uint32_t *out)
{
    uint32_t ip = 0;
    for (int i = 0; i < 4; i++) {
        uint32_t octet;
        if ((i > 0 && !expect(c, '.')) || !parse_decimal(c, 255, &octet)) {
            return false;
        }
        ip = (ip << 8) | octet;
    }
    *out = ip;
    return true;
}

static bool parse_mac(net_cursor_t *c, uint8_t mac[6])
{
    uint8_t m[6];
    for (int i = 0; i < 6; i++) {
        if (i > 0 && !expect(c, ':')) {
            return false;
        }
        if (c->end - c->p < 2) {
            return false;
        }
        int hi = hex_value(c->p[0]), lo = hex_value(c->p[1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        m[i] = (uint8_t)(hi << 4 | lo);
        c->p += 2;
    }
    /* A unicast address: multicast/broadcast would make the virtualiser's
     * demultiplexing ambiguous. */
    if (m[0] & 1) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = m[i];
    }
    return true;
}

static bool parse_ports(net_cursor_t *c, net_port_set_t *set)
{
    set->count = 0;
    do {
        uint32_t first, last;
        if (!parse_decimal(c, 65535, &first) || first == 0) {
            return false;
        }
        last = first;
        if (expect(c, '-') && (!parse_decimal(c, 65535, &last) || last < first)) {
            return false;
        }
        if (set->count == NET_CONFIG_MAX_RANGES) {
            return false;
        }
        set->range[set->count].first = (uint16_t)first;
        set->range[set->count].last = (uint16_t)last;
        set->count++;
    } while (expect(c, ','));
    return true;
}

static bool key_is(const char *key, size_t key_len, const char *want)
{
    size_t i = 0;
    for (; i < key_len; i++) {
        if (want[i] == '\0' || want[i] != key[i]) {
            return false;
        }
    }
    return want[i] == '\0';
}

static bool at_word_end(const net_cursor_t *c)
{
    return c->p == c->end || is_space(*c->p);
}

/* One `key=value` word; `c` points at the value. */
static net_config_err_t parse_setting(const char *key, size_t key_len, net_cursor_t *c,
                                      net_config_t *cfg, bool *has_ip)
{
    bool ok;
    if (key_is(key, key_len, "mac")) {
        ok = parse_mac(c, cfg->mac);
        cfg->has_mac = ok;
    } else if (key_is(key, key_len, "ip")) {
        if (c->end - c->p >= 4 && key_is(c->p, 4, "dhcp")) {
            c->p += 4;
            cfg->dhcp = true;
            ok = true;
        } else {
            uint32_t prefix = 32;
            ok = parse_ipv4(c, &cfg->ip) && (!expect(c, '/') || parse_decimal(c, 32, &prefix));
            cfg->netmask = prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix);
            cfg->dhcp = false;
            *has_ip = ok;
        }
    } else if (key_is(key, key_len, "gw")) {
        ok = parse_ipv4(c, &cfg->gateway);
    } else if (key_is(key, key_len, "dns")) {
        ok = cfg->dns_count < 2 && parse_ipv4(c, &cfg->dns[cfg->dns_count]);
        if (ok) {
            cfg->dns_count++;
        }
    } else if (key_is(key, key_len, "queue")) {
        uint32_t cap = 0;
        ok = parse_decimal(c, NET_CONFIG_MAX_QUEUE, &cap) && cap >= 2 && (cap & (cap - 1)) == 0;
        cfg->queue_capacity = ok ? cap : 0;
    } else if (key_is(key, key_len, "tcp")) {
        ok = parse_ports(c, &cfg->tcp_ports);
    } else if (key_is(key, key_len, "udp")) {
        ok = parse_ports(c, &cfg->udp_ports);
    } else {
        return NET_CONFIG_UNKNOWN_KEY;
    }
    return ok && at_word_end(c) ? NET_CONFIG_OK : NET_CONFIG_BAD_VALUE;
}

net_config_err_t net_config_parse(const char *text, size_t len, net_config_t *out, size_t *err_at)
{
    net_config_t cfg = {0};
    bool has_ip = false;
    size_t n = 0;
    while (n < len && text[n] != '\0') {
        n++;
    }
    if (n > NET_CONFIG_MAX_TEXT) {
        if (err_at) {
            *err_at = NET_CONFIG_MAX_TEXT;
        }
        return NET_CONFIG_TOO_LONG;
    }
    net_cursor_t c = {text, text + n};
    while (c.p < c.end) {
        if (is_space(*c.p)) {
            c.p++;
            continue;
        }
        const char *key = c.p;
        while (c.p < c.end && *c.p != '=' && !is_space(*c.p)) {
            c.p++;
        }
        net_config_err_t err = NET_CONFIG_BAD_VALUE;
        if (expect(&c, '=')) {
            err = parse_setting(key, (size_t)(c.p - 1 - key), &c, &cfg, &has_ip);
        }
        if (err != NET_CONFIG_OK) {
            if (err_at) {
                *err_at = (size_t)(key - text);
            }
            return err;
        }
    }
    if (!cfg.has_mac || (!cfg.dhcp && !has_ip)) {
        if (err_at) {
            *err_at = n;
        }
        return NET_CONFIG_MISSING;
    }
    *out = cfg;
    return NET_CONFIG_OK;
}

bool net_port_set_contains(const net_port_set_t *set, uint16_t port)
{
    if (port == 0) {
        return false;
    }
    for (size_t i = 0; i < set->count && i < NET_CONFIG_MAX_RANGES; i++) {
        if (port >= set->range[i].first && port <= set->range[i].last) {
            return true;
        }
    }
    return false;
}

const char *net_config_strerror(net_config_err_t err)
{
    switch (err) {
    case NET_CONFIG_OK: return "ok";
    case NET_CONFIG_TOO_LONG: return "configuration text too long";
    case NET_CONFIG_UNKNOWN_KEY: return "unknown key";
    case NET_CONFIG_BAD_VALUE: return "malformed value";
    case NET_CONFIG_MISSING: return "mac and ip (or ip=dhcp) are required";
    }
    return "unknown error";
}
