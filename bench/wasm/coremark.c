/*
 * Benchmark: CoreMark-style integer work (not CoreMark itself): linked-list
 * search and reversal, a small integer matrix multiply, a byte-driven state
 * machine, all folded into a CRC-16. Prints the final CRC.
 * Usage: coremark [ROUNDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint16_t crc16(uint16_t crc, uint8_t data)
{
    crc ^= data;
    for (int i = 0; i < 8; i++)
        crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) : (uint16_t)(crc >> 1);
    return crc;
}

static uint16_t crc32v(uint16_t crc, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        crc = crc16(crc, (uint8_t)(v >> (8 * i)));
    return crc;
}

typedef struct node {
    struct node *next;
    int32_t value, index;
} node_t;

#define LIST 400
#define MAT 24

static node_t *reverse(node_t *l)
{
    node_t *prev = NULL;
    while (l) {
        node_t *next = l->next;
        l->next = prev;
        prev = l;
        l = next;
    }
    return prev;
}

static uint16_t list_work(node_t *nodes, uint16_t crc, int seed)
{
    node_t *head = NULL;
    for (int i = 0; i < LIST; i++) {
        nodes[i].value = (int32_t)((i * 7919 + seed) & 0xffff);
        nodes[i].index = i;
        nodes[i].next = head;
        head = &nodes[i];
    }
    for (int k = 0; k < 8; k++) {
        int32_t want = (int32_t)((k * 977 + seed) & 0xffff);
        int found = -1;
        for (node_t *p = head; p; p = p->next)
            if (p->value == want) {
                found = p->index;
                break;
            }
        crc = crc32v(crc, (uint32_t)found);
        head = reverse(head);
    }
    return crc32v(crc, (uint32_t)head->value);
}

static uint16_t matrix_work(int32_t a[MAT][MAT], int32_t b[MAT][MAT], int32_t c[MAT][MAT], uint16_t crc, int seed)
{
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            a[i][j] = (i * j + seed) & 0xff;
            b[i][j] = (i + j * seed) & 0xff;
        }
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++) {
            int32_t s = 0;
            for (int k = 0; k < MAT; k++)
                s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    int32_t sum = 0;
    for (int i = 0; i < MAT; i++)
        for (int j = 0; j < MAT; j++)
            sum += c[i][j] >> 2;
    return crc32v(crc, (uint32_t)sum);
}

enum { START, INT, FRAC, EXP, ERR };

static uint16_t state_work(uint16_t crc, int seed)
{
    static const char *inputs[] = {"12345", "-3.25e8", "0.5", "abc", "+17", "6.02e23", "1e", "--1", "42.0"};
    int counts[5] = {0};
    for (int rep = 0; rep < 20; rep++) {
        const char *s = inputs[(rep + seed) % 9];
        int st = START;
        for (const char *p = s; *p && st != ERR; p++) {
            char ch = *p;
            switch (st) {
            case START: st = (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' ? INT : ERR; break;
            case INT: st = ch == '.' ? FRAC : ch == 'e' ? EXP : (ch >= '0' && ch <= '9') ? INT : ERR; break;
            case FRAC: st = ch == 'e' ? EXP : (ch >= '0' && ch <= '9') ? FRAC : ERR; break;
            case EXP: st = (ch >= '0' && ch <= '9') ? EXP : ERR; break;
            default: break;
            }
        }
        counts[st]++;
    }
    for (int i = 0; i < 5; i++)
        crc = crc32v(crc, (uint32_t)counts[i]);
    return crc;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 6000;
    static node_t nodes[LIST];
    static int32_t a[MAT][MAT], b[MAT][MAT], c[MAT][MAT];
    uint16_t crc = 0;
    for (int r = 0; r < rounds; r++) {
        crc = list_work(nodes, crc, r);
        crc = matrix_work(a, b, c, crc, r);
        crc = state_work(crc, r);
    }
    printf("coremark-style: %d rounds, crc 0x%04x\n", rounds, crc);
    return 0;
}
