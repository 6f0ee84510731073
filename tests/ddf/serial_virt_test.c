/*
 * The serial virtualiser: two chatty clients' lines never interleave, a
 * client that never ends its line neither blocks the console nor splits
 * another's line, input goes to the selected client, and a client that
 * stops reading or corrupts its rings only loses its own characters.
 */
#include <stdlib.h>
#include <string.h>

#include "system/virt/serial_virt.h"
#include "tests/ddf/ddf_test.h"

#define DCAP 256u
#define CCAP 64u

static _Alignas(64) uint8_t drv_tx_r[1024], drv_rx_r[1024], cli_tx_r[2][512], cli_rx_r[2][512];
static serial_virt_t virt;
static serial_queue_t drv_tx, drv_rx, cli_tx[2], cli_rx[2];
static char console[65536];
static size_t console_len;

static void setup(void)
{
    serial_virt_cfg_t cfg = {.drv_tx_region = drv_tx_r, .drv_tx_region_size = sizeof(drv_tx_r),
                             .drv_rx_region = drv_rx_r, .drv_rx_region_size = sizeof(drv_rx_r),
                             .drv_capacity = DCAP, .client_count = 2};
    for (int i = 0; i < 2; i++) {
        cfg.clients[i] = (serial_virt_client_cfg_t){.tx_region = cli_tx_r[i], .tx_region_size = 512,
                                                    .rx_region = cli_rx_r[i], .rx_region_size = 512,
                                                    .capacity = CCAP};
    }
    CHECK(serial_virt_init(&virt, &cfg) == SERIAL_VIRT_OK);
    CHECK(serial_attach(&drv_tx, drv_tx_r, sizeof(drv_tx_r), DCAP, false, false) == DDF_RING_OK);
    CHECK(serial_attach(&drv_rx, drv_rx_r, sizeof(drv_rx_r), DCAP, true, false) == DDF_RING_OK);
    for (int i = 0; i < 2; i++) {
        CHECK(serial_attach(&cli_tx[i], cli_tx_r[i], 512, CCAP, true, false) == DDF_RING_OK);
        CHECK(serial_attach(&cli_rx[i], cli_rx_r[i], 512, CCAP, false, false) == DDF_RING_OK);
    }
    console_len = 0;
}

/* The UART drains a few characters at a time. */
static void uart_drain(size_t max)
{
    uint8_t ch;
    while (max-- > 0 && console_len < sizeof(console) - 1 && serial_get(&drv_tx, &ch) == DDF_RING_OK) {
        console[console_len++] = (char)ch;
    }
    console[console_len] = 0;
}

static void serial_virt_chatty_clients_lines_stay_whole(void)
{
    setup();
    char line[64];
    int sent[2] = {0, 0};
    size_t pos[2] = {0, 0};
    char pending[2][64];
    size_t pending_len[2] = {0, 0};
    /* Each client writes its lines a few characters at a time. */
    for (int step = 0; step < 20000 && (sent[0] < 200 || sent[1] < 200 || pending_len[0] || pending_len[1]); step++) {
        for (int c = 0; c < 2; c++) {
            if (pending_len[c] == 0 && sent[c] < 200) {
                int n = snprintf(line, sizeof(line), "client %d says line %03d %s\n", c, sent[c],
                                 c ? "...................." : "-");
                memcpy(pending[c], line, (size_t)n);
                pending_len[c] = (size_t)n;
                pos[c] = 0;
                sent[c]++;
            }
            if (pending_len[c] == 0) {
                continue;
            }
            size_t chunk = (size_t)(step % 5) + 1;
            if (chunk > pending_len[c] - pos[c]) {
                chunk = pending_len[c] - pos[c];
            }
            pos[c] += serial_write(&cli_tx[c], pending[c] + pos[c], chunk);
            if (pos[c] == pending_len[c]) {
                pending_len[c] = 0;
            }
        }
        serial_virt_poll(&virt);
        uart_drain(7);
    }
    for (int i = 0; i < 50; i++) {
        serial_virt_poll(&virt);
        uart_drain(1000);
    }
    /* Every line on the console is one client's line, complete, in order. */
    int next[2] = {0, 0};
    char *save = NULL;
    for (char *l = strtok_r(console, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        /* "client C says line NNN TAIL" */
        CHECK(strncmp(l, "client ", 7) == 0 && strncmp(l + 8, " says line ", 11) == 0);
        int c = l[7] - '0';
        char *end = NULL;
        long n = strtol(l + 19, &end, 10);
        const char *tail = end != NULL && *end == ' ' ? end + 1 : "";
        CHECK(c == 0 || c == 1);
        if (c != 0 && c != 1) {
            break;
        }
        CHECK(n == next[c]);
        CHECK(strcmp(tail, c ? "...................." : "-") == 0);
        next[c]++;
    }
    CHECK(next[0] == 200 && next[1] == 200);
}

static void serial_virt_endless_line_neither_blocks_nor_splits(void)
{
    setup();
    /* Client 0 fills its ring with no newline; client 1 writes normal lines. */
    char junk[CCAP];
    memset(junk, 'x', sizeof(junk));
    CHECK(serial_write(&cli_tx[0], junk, sizeof(junk)) == CCAP);
    CHECK(serial_write(&cli_tx[1], "hello\n", 6) == 6);
    serial_virt_poll(&virt);
    uart_drain(1000);
    CHECK(console_len == CCAP + 6);
    CHECK(strstr(console, "hello\n") != NULL);
    CHECK(console[0] == 'h' || console[6] == 'x'); /* either order, never mixed */
    CHECK(strspn(strstr(console, "hello\n") == console ? console + 6 : console, "x") == CCAP);
}

static void serial_virt_input_goes_to_selected_client(void)
{
    setup();
    const char typed[] = "ab\x1c"
                         "1cd\x1c"
                         "9e\x1c"
                         "0f";
    CHECK(serial_write(&drv_rx, typed, sizeof(typed) - 1) == sizeof(typed) - 1);
    serial_virt_poll(&virt);
    char got[2][16] = {{0}};
    for (int c = 0; c < 2; c++) {
        uint8_t ch;
        size_t n = 0;
        while (n < 15 && serial_get(&cli_rx[c], &ch) == DDF_RING_OK) {
            got[c][n++] = (char)ch;
        }
    }
    /* "\x1c9" names no client, so the 9 is passed through as input. */
    CHECK(strcmp(got[0], "abf") == 0);
    CHECK(strcmp(got[1], "cd9e") == 0);
    CHECK(virt.notify_clients_rx == 3u);
}

static void serial_virt_bad_client_loses_only_its_own(void)
{
    setup();
    /* Client 0 never reads input: its ring fills, the rest is dropped. */
    char many[200];
    memset(many, 'k', sizeof(many));
    CHECK(serial_write(&drv_rx, many, sizeof(many)) == sizeof(many));
    serial_virt_poll(&virt);
    CHECK(virt.clients[0].rx_dropped == sizeof(many) - CCAP);
    CHECK(serial_empty(&drv_rx));
    /* Client 0 corrupts its transmit ring; client 1 still gets through. */
    cli_tx[0].ring.shared->tail += 500;
    CHECK(serial_write(&cli_tx[1], "still here\n", 11) == 11);
    serial_virt_poll(&virt);
    uart_drain(1000);
    CHECK(strcmp(console, "still here\n") == 0);
    CHECK(virt.clients[0].broken);
}

int main(void)
{
    RUN("serial_virt/chatty-clients-lines-stay-whole", serial_virt_chatty_clients_lines_stay_whole);
    RUN("serial_virt/endless-line-neither-blocks-nor-splits", serial_virt_endless_line_neither_blocks_nor_splits);
    RUN("serial_virt/input-goes-to-selected-client", serial_virt_input_goes_to_selected_client);
    RUN("serial_virt/bad-client-loses-only-its-own", serial_virt_bad_client_loses_only_its_own);
    return ddf_test_failures ? 1 : 0;
}
