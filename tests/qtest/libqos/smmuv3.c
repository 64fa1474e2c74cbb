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

/* Bits [51:lo] of an address, as tables and queues hold them. */
static uint64_t addr_bits(uint64_t addr, unsigned lo)
{
    return addr & MAKE_64BIT_MASK(lo, 52 - lo);
}

/* STE.S2TG and CD.TG0 encodings, IHI 0070 5.2 and 5.4. */
static uint64_t tg_encoding(uint8_t granule)
{
    switch (granule) {
    case QSMMU_GRAN_64K:
        return 1;
    case QSMMU_GRAN_16K:
        return 2;
    default:
        return 0;
    }
}

/* IHI 0070 5.2: Stream Table Entry, eight 64-bit words. */
void qsmmu_ste_build(const QSMMUSte *ste, uint64_t out[8])
{
    memset(out, 0, 8 * sizeof(out[0]));
    out[0] = (uint64_t)ste->valid |
             (uint64_t)(ste->config & 7) << 1 |
             (uint64_t)(ste->s1_fmt & 3) << 4 |
             addr_bits(ste->s1_ctx_ptr, 6) |
             (uint64_t)(ste->s1_cdmax & 0x1f) << 59;
    out[1] = (ste->s1_dss & 3) |
             (uint64_t)ste->mev << 19 |
             (uint64_t)(ste->privcfg & 3) << 48 |
             (uint64_t)(ste->instcfg & 3) << 50;
    if (ste->config & 2) {
        out[1] |= (uint64_t)ste->s2_fwb << 25;
        out[2] = ste->s2_vmid |
                 (uint64_t)(ste->s2_t0sz & 0x3f) << 32 |
                 (uint64_t)(ste->s2_sl0 & 3) << 38 |
                 tg_encoding(ste->s2_granule) << 46 |
                 (uint64_t)(ste->s2_ps & 7) << 48 |
                 1ULL << 51 |                           /* S2AA64 */
                 (uint64_t)ste->s2_ptw << 54 |
                 (uint64_t)ste->s2_affd << 53 |
                 (uint64_t)ste->s2_r << 58;
        out[3] = addr_bits(ste->s2_ttb, 4);
    } else {
        /* VMID is still used for TLB tagging when stage 2 exists. */
        out[2] = ste->s2_vmid;
    }
}

/* IHI 0070 5.4: Context Descriptor, eight 64-bit words. */
void qsmmu_cd_build(const QSMMUCd *cd, uint64_t out[8])
{
    memset(out, 0, 8 * sizeof(out[0]));
    out[0] = (uint64_t)(cd->t0sz & 0x3f) |
             tg_encoding(cd->granule) << 6 |
             3ULL << 12 |                               /* SH0: inner */
             (uint64_t)cd->epd0 << 14 |
             1ULL << 30 |                               /* EPD1 */
             (uint64_t)cd->valid << 31 |
             (uint64_t)(cd->ips & 7) << 32 |
             (uint64_t)cd->affd << 35 |
             1ULL << 41 |                               /* AA64 */
             (uint64_t)cd->r << 45 |
             1ULL << 46 |                               /* A: abort */
             (uint64_t)cd->asid << 48;
    out[1] = addr_bits(cd->ttb0, 4);
    out[3] = 0xff;                                      /* MAIR: WB */
}

/* IHI 0070 chapter 4: command layouts, two 64-bit words. */
void qsmmu_cmd_build(const QSMMUCmd *c, uint64_t out[2])
{
    uint64_t range_fields = (uint64_t)(c->num & 0x1f) << 12 |
                            (uint64_t)(c->scale & 0x1f) << 20 |
                            (uint64_t)c->vmid << 32;
    uint64_t addr_fields = (uint64_t)c->leaf |
                           (uint64_t)(c->ttl & 3) << 8 |
                           (uint64_t)(c->tg & 3) << 10;

    out[0] = c->op;
    out[1] = 0;
    switch (c->op) {
    case QSMMU_CMD_PREFETCH_CONFIG:
    case QSMMU_CMD_CFGI_STE:
    case QSMMU_CMD_CFGI_CD:
    case QSMMU_CMD_CFGI_CD_ALL:
        out[0] |= (uint64_t)c->sid << 32;
        if (c->op != QSMMU_CMD_CFGI_CD_ALL) {
            out[0] |= (uint64_t)(c->ssid & 0xfffff) << 12 |
                      (uint64_t)c->ssv << 11;
            out[1] = c->leaf;
        }
        break;
    case QSMMU_CMD_CFGI_STE_RANGE:
        out[0] |= (uint64_t)c->sid << 32;
        out[1] = c->range & 0x1f;
        break;
    case QSMMU_CMD_TLBI_NH_ALL:
    case QSMMU_CMD_TLBI_S12_VMALL:
        out[0] |= (uint64_t)c->vmid << 32;
        break;
    case QSMMU_CMD_TLBI_NH_ASID:
        out[0] |= (uint64_t)c->vmid << 32 | (uint64_t)c->asid << 48;
        break;
    case QSMMU_CMD_TLBI_NH_VA:
        out[0] |= range_fields | (uint64_t)c->asid << 48;
        out[1] = addr_fields | (c->addr & ~0xfffULL);
        break;
    case QSMMU_CMD_TLBI_NH_VAA:
        out[0] |= range_fields;
        out[1] = addr_fields | (c->addr & ~0xfffULL);
        break;
    case QSMMU_CMD_TLBI_S2_IPA:
        out[0] |= range_fields;
        out[1] = addr_fields | addr_bits(c->addr, 12);
        break;
    default:
        break;
    }
}

/* IHI 0070 7.3: the record layout the translation faults share. */
void qsmmu_event_decode(const uint32_t rec[8], QSMMUEvent *ev)
{
    ev->type = rec[0] & 0xff;
    ev->ssv = (rec[0] >> 11) & 1;
    ev->ssid = rec[0] >> 12;
    ev->sid = rec[1];
    ev->pnu = (rec[3] >> 1) & 1;
    ev->ind = (rec[3] >> 2) & 1;
    ev->rnw = (rec[3] >> 3) & 1;
    ev->s2 = (rec[3] >> 7) & 1;
    ev->class = (rec[3] >> 8) & 3;
    ev->input_addr = (uint64_t)rec[5] << 32 | rec[4];
    ev->ipa = addr_bits((uint64_t)rec[7] << 32 | rec[6], 12);
    ev->fetch_addr = ((uint64_t)rec[7] << 32 | rec[6]) &
                     MAKE_64BIT_MASK(3, 53);
}

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
