/*
 * libqos driver for an Arm SMMUv3 (IHI 0070) on the virt machine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "../libqtest.h"
#include "qemu/bitops.h"
#include "qemu/bswap.h"
#include "smmuv3.h"

uint64_t qsmmu_find_base(QTestState *qts)
{
    g_autofree char *mtree = qtest_hmp(qts, "info mtree");
    g_auto(GStrv) lines = g_strsplit(mtree, "\n", -1);

    /* The SMMU's registers are one I/O region named after its type. */
    for (char **l = lines; *l; l++) {
        uint64_t start, end;
        char name[64];

        if (sscanf(*l, " %" SCNx64 "-%" SCNx64 " (prio %*d, i/o): %63s",
                   &start, &end, name) == 3 &&
            g_str_equal(name, "arm-smmuv3")) {
            return start;
        }
    }
    g_assert_not_reached();
}

static uint64_t alloc_aligned(QSMMU *s, uint64_t size, uint64_t align)
{
    uint64_t addr = guest_alloc(s->alloc, size + align);

    addr = ROUND_UP(addr, align);
    qtest_memset(s->qts, addr, 0, size);
    return addr;
}

void qsmmu_write_words(QSMMU *s, uint64_t addr, const uint64_t *w, int n)
{
    for (int i = 0; i < n; i++) {
        qtest_writeq(s->qts, addr + 8 * i, w[i]);
    }
}

static uint32_t rd(QSMMU *s, uint32_t off)
{
    return qtest_readl(s->qts, s->base + off);
}

static void wr(QSMMU *s, uint32_t off, uint32_t val)
{
    qtest_writel(s->qts, s->base + off, val);
}

void qsmmu_init(QSMMU *s, QTestState *qts, QGuestAllocator *alloc,
                uint8_t sid_bits, uint8_t split)
{
    uint64_t strtab_cfg;

    memset(s, 0, sizeof(*s));
    s->qts = qts;
    s->alloc = alloc;
    s->base = qsmmu_find_base(qts);
    for (int i = 0; i < 6; i++) {
        s->idr[i] = rd(s, QSMMU_IDR0 + 4 * i);
    }

    /* IHI 0070 6.3 STRTAB_BASE_CFG.FMT: linear (0) or 2-level (1). */
    s->strtab_log2 = sid_bits;
    s->split = split;
    if (split) {
        unsigned l1_entries = 1u << (sid_bits - split);

        g_assert_cmpuint(split, <, sid_bits);
        s->strtab = alloc_aligned(s, l1_entries * 8, MAX(l1_entries * 8, 64));
        s->l2_tables = g_new0(uint64_t, l1_entries);
        strtab_cfg = sid_bits | split << 6 | 1 << 16;
    } else {
        uint64_t size = 64ULL << sid_bits;

        s->strtab = alloc_aligned(s, size, size);
        strtab_cfg = sid_bits;
    }
    qtest_writeq(qts, s->base + QSMMU_STRTAB_BASE, s->strtab);
    wr(s, QSMMU_STRTAB_BASE_CFG, strtab_cfg);

    /* IHI 0070 6.3 CMDQ_BASE, EVENTQ_BASE: aligned to their size. */
    s->cmdq_log2 = MIN(QSMMU_IDR1_CMDQS(s->idr[1]), 8);
    s->cmdq = alloc_aligned(s, 16 << s->cmdq_log2, 16 << s->cmdq_log2);
    qtest_writeq(qts, s->base + QSMMU_CMDQ_BASE, s->cmdq | s->cmdq_log2);
    wr(s, QSMMU_CMDQ_PROD, 0);
    wr(s, QSMMU_CMDQ_CONS, 0);

    s->evtq_log2 = MIN(QSMMU_IDR1_EVENTQS(s->idr[1]), 4);
    s->evtq = alloc_aligned(s, 32 << s->evtq_log2, 32 << s->evtq_log2);
    qtest_writeq(qts, s->base + QSMMU_EVENTQ_BASE, s->evtq | s->evtq_log2);
    wr(s, QSMMU_EVENTQ_PROD, 0);
    wr(s, QSMMU_EVENTQ_CONS, 0);

    wr(s, QSMMU_CR1, 0);
    wr(s, QSMMU_CR2, 0);
    wr(s, QSMMU_CR0, QSMMU_CR0_CMDQEN | QSMMU_CR0_EVENTQEN);
    g_assert_cmphex(rd(s, QSMMU_CR0ACK), ==,
                    QSMMU_CR0_CMDQEN | QSMMU_CR0_EVENTQEN);
}

void qsmmu_destroy(QSMMU *s)
{
    g_free(s->l2_tables);
    s->l2_tables = NULL;
}

void qsmmu_enable(QSMMU *s, bool on)
{
    uint32_t cr0 = QSMMU_CR0_CMDQEN | QSMMU_CR0_EVENTQEN |
                   (on ? QSMMU_CR0_SMMUEN : 0);

    wr(s, QSMMU_CR0, cr0);
    g_assert_cmphex(rd(s, QSMMU_CR0ACK), ==, cr0);
}

void qsmmu_set_gbpa(QSMMU *s, uint32_t gbpa)
{
    int tries = 1000;

    /* IHI 0070 6.3.14: the write takes effect when UPDATE reads 0. */
    wr(s, QSMMU_GBPA, gbpa | QSMMU_GBPA_UPDATE);
    while ((rd(s, QSMMU_GBPA) & QSMMU_GBPA_UPDATE) && --tries) {
        qtest_clock_step(s->qts, 1000);
    }
    g_assert_cmpint(tries, >, 0);
    g_assert_cmphex(rd(s, QSMMU_GBPA) & ~QSMMU_GBPA_UPDATE, ==, gbpa);
}

uint64_t qsmmu_ste_addr(QSMMU *s, uint32_t sid)
{
    uint32_t l1;

    g_assert_cmpuint(sid, <, 1u << s->strtab_log2);
    if (!s->split) {
        return s->strtab + 64ULL * sid;
    }
    /* IHI 0070 5.1: L1 descriptor, SPAN = SPLIT + 1 covers the group. */
    l1 = sid >> s->split;
    if (!s->l2_tables[l1]) {
        uint64_t size = 64ULL << s->split;

        s->l2_tables[l1] = alloc_aligned(s, size, size);
        qtest_writeq(s->qts, s->strtab + 8 * l1,
                     s->l2_tables[l1] | (s->split + 1));
    }
    return s->l2_tables[l1] + 64ULL * (sid & ((1u << s->split) - 1));
}

void qsmmu_write_ste(QSMMU *s, uint32_t sid, const uint64_t ste[8])
{
    qsmmu_write_words(s, qsmmu_ste_addr(s, sid), ste, 8);
}

void qsmmu_cmd_push_raw(QSMMU *s, const uint64_t words[2])
{
    uint32_t idx = s->cmdq_prod & ((1u << s->cmdq_log2) - 1);

    qsmmu_write_words(s, s->cmdq + 16 * idx, words, 2);
    /* Index and wrap bit advance together, IHI 0070 3.5. */
    s->cmdq_prod = (s->cmdq_prod + 1) & ((2u << s->cmdq_log2) - 1);
}

void qsmmu_cmd_push(QSMMU *s, const QSMMUCmd *cmd)
{
    uint64_t w[2];

    qsmmu_cmd_build(cmd, w);
    qsmmu_cmd_push_raw(s, w);
}

/* Is a command queue error reported and not yet acknowledged? */
static bool cmdq_error_active(QSMMU *s)
{
    return (rd(s, QSMMU_GERROR) ^ rd(s, QSMMU_GERRORN)) &
           QSMMU_GERROR_CMDQ_ERR;
}

uint32_t qsmmu_sync(QSMMU *s)
{
    QSMMUCmd sync = { .op = QSMMU_CMD_SYNC };
    uint32_t ptr_mask = (2u << s->cmdq_log2) - 1;

    qsmmu_cmd_push(s, &sync);
    wr(s, QSMMU_CMDQ_PROD, s->cmdq_prod);
    /* Bounded wait for the SMMU to catch up or to stop on an error. */
    for (int i = 0; i < 1000; i++) {
        /* IHI 0070 7.1: ERR keeps its value; GERROR says it is new. */
        if (cmdq_error_active(s)) {
            return QSMMU_CMDQ_CONS_ERR(rd(s, QSMMU_CMDQ_CONS));
        }
        if ((rd(s, QSMMU_CMDQ_CONS) & ptr_mask) == s->cmdq_prod) {
            return QSMMU_CERROR_NONE;
        }
        qtest_clock_step(s->qts, 1000);
    }
    g_assert_not_reached();
}

void qsmmu_cmd(QSMMU *s, const QSMMUCmd *cmd)
{
    qsmmu_cmd_push(s, cmd);
    g_assert_cmpuint(qsmmu_sync(s), ==, QSMMU_CERROR_NONE);
}

bool qsmmu_event_pop(QSMMU *s, QSMMUEvent *ev, uint32_t raw[8])
{
    uint32_t ptr_mask = (2u << s->evtq_log2) - 1;
    uint32_t prod = rd(s, QSMMU_EVENTQ_PROD);
    uint32_t cons = rd(s, QSMMU_EVENTQ_CONS);
    uint32_t rec[8];
    uint32_t idx;

    if ((prod & ptr_mask) == (cons & ptr_mask)) {
        return false;
    }
    idx = cons & ((1u << s->evtq_log2) - 1);
    qtest_memread(s->qts, s->evtq + 32 * idx, rec, sizeof(rec));
    for (int i = 0; i < 8; i++) {
        rec[i] = le32_to_cpu(rec[i]);
    }
    if (raw) {
        memcpy(raw, rec, sizeof(rec));
    }
    qsmmu_event_decode(rec, ev);
    /* Consume; OVACKFLG follows OVFLG to acknowledge any overflow. */
    cons = ((cons + 1) & ptr_mask) | (prod & QSMMU_Q_OVFLG);
    wr(s, QSMMU_EVENTQ_CONS, cons);
    return true;
}

void qsmmu_assert_no_event(QSMMU *s)
{
    QSMMUEvent ev;
    bool got = qsmmu_event_pop(s, &ev, NULL);

    if (got) {
        g_test_message("unexpected event type 0x%x sid 0x%x addr 0x%" PRIx64,
                       ev.type, ev.sid, ev.input_addr);
    }
    g_assert_false(got);
}
