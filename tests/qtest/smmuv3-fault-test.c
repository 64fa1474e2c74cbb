/*
 * SMMUv3 translation faults: translation, permission, access flag and
 * address size at stage 1 and stage 2, and stage-2 faults taken while
 * fetching the CD or walking stage-1 tables in nested mode.  Each case
 * breaks one piece of a working set-up, runs one DMA and checks that it
 * failed and the exact event record (IHI 0070 7.3).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qemu/bitops.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
/* 2 TiB: within the 44-bit OAS and IPS, and no memory on virt */
#define NO_MEMORY       0x20000000000ULL

/* What to break. */
typedef enum Breakage {
    S1_LEAF_INVALID,        /* stage-1 leaf descriptor invalid */
    S1_OUT_OF_RANGE,        /* IOVA above the T0SZ input range */
    S1_READ_ONLY,           /* write to a read-only stage-1 page */
    S1_NO_AF,               /* AF clear, CD.AFFD clear */
    S1_NO_AF_AFFD,          /* AF clear, CD.AFFD set: no fault */
    S1_OA_TOO_BIG,          /* leaf OA above CD.IPS */
    S1_NOT_RECORDED,        /* leaf invalid, CD.R clear: no event */
    S1_EXECUTE_NEVER,       /* XN page: data accesses unaffected */
    S1_SECOND_PAGE,         /* a 2-page DMA whose second page is invalid */
    S2_LEAF_INVALID,
    S2_READ_ONLY,           /* S2AP write clear */
    S2_NO_AF,
    S2_OA_TOO_BIG,          /* leaf OA above STE.S2PS */
    S2_EXECUTE_NEVER,
    S2_DATA_UNMAPPED,       /* nested: the data IPA */
    S2_CD_UNMAPPED,         /* nested: the CD's IPA */
    S2_CD_NO_READ,          /* nested: S2AP forbids reading the CD */
    S2_TTB_UNMAPPED,        /* nested: the stage-1 start table's IPA */
    S2_TABLE_UNMAPPED,      /* nested: a stage-1 next-level table's IPA */
    S1_TABLE_ABORT,         /* the stage-1 level-3 table in no memory */
    S2_TABLE_ABORT,         /* the stage-2 level-3 table in no memory */
    NESTED_TABLE_ABORT,     /* nested: S2 maps the S1 level-3 table there */
} Breakage;

/* Which address the event's IPA field must hold. */
typedef enum IpaIs {
    IPA_NONE,               /* stage-1 fault: not checked */
    IPA_DATA,
    IPA_CD,
    IPA_TTB,
    IPA_TABLE,
} IpaIs;

typedef struct FaultCase {
    const char *name;
    uint8_t config;
    Breakage breakage;
    bool write;
    uint8_t type;           /* 0: no event expected */
    bool s2;
    uint8_t class;
    IpaIs ipa;
    bool dma_ok;            /* the DMA still succeeds */
    const char *base_bug;   /* why the base's model fails it: skip there */
    uint8_t gran;           /* both stages' granule; 0: 4K */
    bool priv_instr;        /* STE.PRIVCFG and STE.INSTCFG force 1 */
} FaultCase;

#define G16K    .gran = QSMMU_GRAN_16K
#define G64K    .gran = QSMMU_GRAN_64K

static const FaultCase fault_cases[] = {
    { "s1/translation", QSMMU_STE_CFG_S1, S1_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/translation-range", QSMMU_STE_CFG_S1, S1_OUT_OF_RANGE, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/permission", QSMMU_STE_CFG_S1, S1_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/read-only-read", QSMMU_STE_CFG_S1, S1_READ_ONLY, false,
      0, false, 0, IPA_NONE, true },
    { "s1/access-flag", QSMMU_STE_CFG_S1, S1_NO_AF, false,
      QSMMU_EVT_F_ACCESS, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/access-flag-affd", QSMMU_STE_CFG_S1, S1_NO_AF_AFFD, false,
      0, false, 0, IPA_NONE, true },
    { "s1/address-size", QSMMU_STE_CFG_S1, S1_OA_TOO_BIG, false,
      QSMMU_EVT_F_ADDR_SIZE, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/not-recorded", QSMMU_STE_CFG_S1, S1_NOT_RECORDED, false,
      0, false, 0, IPA_NONE },
    { "s1/xn-data-write", QSMMU_STE_CFG_S1, S1_EXECUTE_NEVER, true,
      0, false, 0, IPA_NONE, true },
    { "s1/translation-second-page", QSMMU_STE_CFG_S1, S1_SECOND_PAGE, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/16k/translation", QSMMU_STE_CFG_S1, S1_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE, G16K },
    { "s1/64k/translation", QSMMU_STE_CFG_S1, S1_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE, G64K },
    { "s1/16k/permission", QSMMU_STE_CFG_S1, S1_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, false, QSMMU_CLASS_IN, IPA_NONE, G16K },
    { "s1/64k/access-flag", QSMMU_STE_CFG_S1, S1_NO_AF, false,
      QSMMU_EVT_F_ACCESS, false, QSMMU_CLASS_IN, IPA_NONE, G64K },
    { "s2/translation", QSMMU_STE_CFG_S2, S2_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_IN, IPA_DATA },
    { "s2/permission", QSMMU_STE_CFG_S2, S2_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, true, QSMMU_CLASS_IN, IPA_DATA },
    { "s2/access-flag", QSMMU_STE_CFG_S2, S2_NO_AF, false,
      QSMMU_EVT_F_ACCESS, true, QSMMU_CLASS_IN, IPA_DATA },
    { "s2/address-size", QSMMU_STE_CFG_S2, S2_OA_TOO_BIG, false,
      QSMMU_EVT_F_ADDR_SIZE, true, QSMMU_CLASS_IN, IPA_DATA },
    { "s2/xn-data-write", QSMMU_STE_CFG_S2, S2_EXECUTE_NEVER, true,
      0, false, 0, IPA_NONE, true },
    { "s2/16k/translation", QSMMU_STE_CFG_S2, S2_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_IN, IPA_DATA, G16K },
    { "s2/64k/permission", QSMMU_STE_CFG_S2, S2_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, true, QSMMU_CLASS_IN, IPA_DATA, G64K },
    { "s2/16k/access-flag", QSMMU_STE_CFG_S2, S2_NO_AF, false,
      QSMMU_EVT_F_ACCESS, true, QSMMU_CLASS_IN, IPA_DATA, G16K },
    { "nested/s1-translation", QSMMU_STE_CFG_NESTED, S1_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "nested/s1-permission", QSMMU_STE_CFG_NESTED, S1_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "nested/s2-data-translation", QSMMU_STE_CFG_NESTED, S2_DATA_UNMAPPED,
      false, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_IN, IPA_DATA },
    { "nested/s2-data-permission", QSMMU_STE_CFG_NESTED, S2_READ_ONLY,
      true, QSMMU_EVT_F_PERMISSION, true, QSMMU_CLASS_IN, IPA_DATA },
    { "nested/s2-cd-translation", QSMMU_STE_CFG_NESTED, S2_CD_UNMAPPED,
      false, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_CD, IPA_CD },
    { "nested/s2-cd-permission", QSMMU_STE_CFG_NESTED, S2_CD_NO_READ,
      false, QSMMU_EVT_F_PERMISSION, true, QSMMU_CLASS_CD, IPA_CD },
    { "nested/16k/s2-cd-translation", QSMMU_STE_CFG_NESTED, S2_CD_UNMAPPED,
      false, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_CD, IPA_CD, false,
      NULL, G16K },
    { "nested/64k/s2-data-translation", QSMMU_STE_CFG_NESTED,
      S2_DATA_UNMAPPED, false, QSMMU_EVT_F_TRANSLATION, true,
      QSMMU_CLASS_IN, IPA_DATA, false, NULL, G64K },
    { "nested/64k/s2-ttb-translation", QSMMU_STE_CFG_NESTED,
      S2_TTB_UNMAPPED, false, QSMMU_EVT_F_TRANSLATION, true,
      QSMMU_CLASS_TT, IPA_TTB, false, NULL, G64K },
    { "nested/s2-ttb-translation", QSMMU_STE_CFG_NESTED, S2_TTB_UNMAPPED,
      false, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_TT, IPA_TTB },
    { "nested/s2-table-translation", QSMMU_STE_CFG_NESTED,
      S2_TABLE_UNMAPPED, false, QSMMU_EVT_F_TRANSLATION, true,
      QSMMU_CLASS_TT, IPA_TABLE, false,
      "base reports a stage-2 fault on a next-level stage-1 table with "
      "S2=0 (its stage-1 walk error path overwrites the stage)" },
    /* IHI 0070 7.3.12: a stage-1 walk abort is S2 == 0, CLASS == TT */
    { "s1/walk-eabt", QSMMU_STE_CFG_S1, S1_TABLE_ABORT, false,
      QSMMU_EVT_F_WALK_EABT, false, QSMMU_CLASS_TT, IPA_NONE },
    { "s2/walk-eabt", QSMMU_STE_CFG_S2, S2_TABLE_ABORT, false,
      QSMMU_EVT_F_WALK_EABT, true, QSMMU_CLASS_IN, IPA_NONE },
    { "nested/s1-walk-eabt", QSMMU_STE_CFG_NESTED, NESTED_TABLE_ABORT, false,
      QSMMU_EVT_F_WALK_EABT, false, QSMMU_CLASS_TT, IPA_NONE },
    /* IHI 0070 7.3: RnW is the transaction's, not the CD fetch's */
    { "nested/s2-cd-translation-write", QSMMU_STE_CFG_NESTED, S2_CD_UNMAPPED,
      true, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_CD, IPA_CD, false,
      "base records the CD fetch's RnW" },
    /* InD/PnU after the STE overrides, also for a CD fetch fault */
    { "nested/s2-cd-translation-priv-instr", QSMMU_STE_CFG_NESTED,
      S2_CD_UNMAPPED, false, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_CD,
      IPA_CD, false, "base has no STE.PRIVCFG/INSTCFG", .priv_instr = true },
    /* IHI 0070 7.3.13: InD == 0 when RnW == 0 */
    { "s1/translation-write-instr", QSMMU_STE_CFG_S1, S1_LEAF_INVALID, true,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE, false,
      "base has no STE.PRIVCFG/INSTCFG", .priv_instr = true },
    { "s1/translation-read-instr", QSMMU_STE_CFG_S1, S1_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE, false,
      "base has no STE.PRIVCFG/INSTCFG", .priv_instr = true },
};

/* Overwrite the stage-2 level-3 descriptor of an IPA. */
static void s2_set_leaf(QSmmuXlate *x, uint64_t ipa, uint64_t desc)
{
    qpt_set_entry(&x->pt2, ipa, 3, desc);
}

static uint64_t s2_page(const QSmmuXlate *x, uint64_t addr)
{
    return addr & ~((1ULL << x->s2_gran) - 1);
}

/* Apply the breakage; returns the IOVA to access. */
static uint64_t break_setup(QSmmuEnv *e, QSmmuXlate *x, const FaultCase *c,
                            uint64_t *table_ipa, uint64_t *fetch)
{
    uint64_t iova = x->data_iova;
    uint64_t ipa = qsmmu_xlate_ipa(x, x->data);
    uint64_t d;

    switch (c->breakage) {
    case S1_LEAF_INVALID:
    case S1_NOT_RECORDED:
        qpt_set_entry(&x->pt1, iova, 3, 0);
        if (c->breakage == S1_NOT_RECORDED) {
            x->cd.r = false;
            qsmmu_xlate_write_cd(e, x);
        }
        break;
    case S1_OUT_OF_RANGE:
        iova |= 1ULL << x->s1_ias;
        break;
    case S1_EXECUTE_NEVER:
        qpt_map(&x->pt1, iova, ipa, 3, QPT_RW | QPT_XN);
        break;
    case S1_SECOND_PAGE:
        qpt_set_entry(&x->pt1, iova + 0x1000, 3, 0);
        break;
    case S1_READ_ONLY:
    case S1_NO_AF:
    case S1_NO_AF_AFFD:
        qpt_map(&x->pt1, iova, ipa, 3,
                c->breakage == S1_READ_ONLY ? QPT_R : QPT_RW | QPT_NO_AF);
        if (c->breakage == S1_NO_AF_AFFD) {
            x->cd.affd = true;
            qsmmu_xlate_write_cd(e, x);
        }
        break;
    case S1_OA_TOO_BIG:
        /* CD.IPS 40 bits; OA at 2^42 is within OAS but beyond IPS. */
        x->cd.ips = 2;
        qsmmu_xlate_write_cd(e, x);
        qpt_map(&x->pt1, iova, 1ULL << 42, 3, QPT_RW);
        break;
    case S2_LEAF_INVALID:
        s2_set_leaf(x, iova, 0);
        ipa = iova;
        break;
    case S2_READ_ONLY:
        if (x->config & 1) {
            s2_set_leaf(x, s2_page(x, ipa),
                        qpt_leaf_desc(true, x->s2_gran, 3,
                                      s2_page(x, x->data), QPT_R));
        } else {
            qpt_map(&x->pt2, iova, x->data, 3, QPT_R);
            ipa = iova;
        }
        break;
    case S2_NO_AF:
    case S2_EXECUTE_NEVER:
        qpt_map(&x->pt2, iova, x->data, 3, QPT_RW |
                (c->breakage == S2_NO_AF ? QPT_NO_AF : QPT_XN));
        ipa = iova;
        break;
    case S2_OA_TOO_BIG:
        /* S2PS 40 bits with a 40-bit IPA space; OA 2^42 is beyond it. */
        x->ste.s2_ps = 2;
        qsmmu_xlate_write_ste(e, x);
        qpt_map(&x->pt2, iova, 1ULL << 42, 3, QPT_RW);
        ipa = iova;
        break;
    case S2_DATA_UNMAPPED:
        s2_set_leaf(x, s2_page(x, ipa), 0);
        break;
    case S2_CD_UNMAPPED:
    case S2_CD_NO_READ:
        d = c->breakage == S2_CD_UNMAPPED ? 0 :
            qpt_leaf_desc(true, x->s2_gran, 3, x->cd_pa, QPT_W);
        s2_set_leaf(x, qsmmu_xlate_ipa(x, x->cd_pa), d);
        break;
    case S2_TTB_UNMAPPED:
        *table_ipa = qpt_ttb(&x->pt1);
        s2_set_leaf(x, s2_page(x, *table_ipa), 0);
        break;
    case S2_TABLE_UNMAPPED:
        /* The level-3 table: named by the level-2 table descriptor. */
        d = qtest_readq(e->qts, qpt_entry_addr(&x->pt1, iova, 2));
        *table_ipa = d & MAKE_64BIT_MASK(12, 36);
        s2_set_leaf(x, s2_page(x, *table_ipa), 0);
        break;
    case S1_TABLE_ABORT:
    case S2_TABLE_ABORT:
        /* The level-2 table descriptor names a table in no memory. */
        qpt_set_entry(c->breakage == S1_TABLE_ABORT ? &x->pt1 : &x->pt2,
                      iova, 2, NO_MEMORY | 3);
        *fetch = NO_MEMORY + ((iova >> 12) & 0x1ff) * 8;
        break;
    case NESTED_TABLE_ABORT:
        /* The level-3 table's IPA translates to no memory. */
        d = qpt_entry_addr(&x->pt1, iova, 3);
        s2_set_leaf(x, s2_page(x, qsmmu_xlate_ipa(x, d)),
                    qpt_leaf_desc(true, x->s2_gran, 3, NO_MEMORY, QPT_RW));
        *fetch = NO_MEMORY + (d & 0xfff);
        break;
    }
    return iova;
}

static void test_fault(const void *opaque)
{
    const FaultCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    uint64_t iova, fault_iova, table_ipa = 0, want_ipa = 0, fetch = 0;
    uint32_t len;
    bool ok;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (c->base_bug && qsmmu_is_base_model()) {
        g_test_skip(c->base_bug);
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, c->config, SID);
    if (c->gran) {
        x.s1_gran = x.s2_gran = c->gran;
    }
    if (c->breakage == S2_OA_TOO_BIG) {
        x.s2_ias = 40;      /* S2T0SZ must fit S2PS */
    }
    qsmmu_xlate_setup(&e, &x);
    if (c->priv_instr) {
        x.ste.privcfg = 3;
        x.ste.instcfg = 3;
        qsmmu_xlate_write_ste(&e, &x);
    }
    qsmmu_enable(&e.smmu, true);

    /* Nothing was translated yet, so no walk of the old set-up is cached. */
    iova = break_setup(&e, &x, c, &table_ipa, &fetch);
    fault_iova = iova;
    len = XFER_LEN;
    if (c->breakage == S1_SECOND_PAGE) {
        /* The first 4K request lands; the second faults on its start. */
        len = 0x2000;
        fault_iova = iova + 0x1000;
        qsmmu_env_pattern(&e, x.data, 0x1000, 0x77);
    }

    if (c->write) {
        ok = qsmmu_testdev_dma_write(&e.td, iova, len);
    } else {
        ok = qsmmu_testdev_dma_read(&e.td, iova, len);
    }
    g_assert_cmpint(ok, ==, c->dma_ok);
    if (c->breakage == S1_SECOND_PAGE) {
        qsmmu_env_check_buf(&e, 0x1000, 0x77);
    }
    if (!c->type) {
        qsmmu_assert_no_event(&e.smmu);
        qsmmu_env_stop(&e);
        return;
    }

    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_test_message("event type 0x%x s2 %d class %d rnw %d input 0x%" PRIx64
                   " ipa 0x%" PRIx64, ev.type, ev.s2, ev.class, ev.rnw,
                   ev.input_addr, ev.ipa);
    g_assert_cmphex(ev.type, ==, c->type);
    g_assert_cmphex(ev.sid, ==, SID);
    g_assert_false(ev.ssv);
    g_assert_cmpint(ev.s2, ==, c->s2);
    g_assert_cmpint(ev.class, ==, c->class);
    g_assert_cmpint(ev.rnw, ==, !c->write);
    /*
     * Untagged PCIe DMA: unprivileged data access, unless the STE
     * overrides it; a write is never an instruction fetch (7.3.13).
     */
    g_assert_cmpint(ev.pnu, ==, c->priv_instr);
    g_assert_cmpint(ev.ind, ==, c->priv_instr && !c->write);
    g_assert_cmphex(ev.input_addr, ==, fault_iova);
    if (c->type == QSMMU_EVT_F_WALK_EABT) {
        /* IHI 0070 7.3.12: the descriptor's PA, doubleword 3 [55:3] */
        g_assert_cmphex(ev.fetch_addr, ==, fetch);
    }
    switch (c->ipa) {
    case IPA_DATA:
        want_ipa = x.config & 1 ? qsmmu_xlate_ipa(&x, x.data) : iova;
        break;
    case IPA_CD:
        want_ipa = qsmmu_xlate_ipa(&x, x.cd_pa);
        break;
    case IPA_TTB:
    case IPA_TABLE:
        want_ipa = table_ipa;
        break;
    case IPA_NONE:
        break;
    }
    if (c->ipa != IPA_NONE) {
        /* IHI 0070 7.3: IPA[51:12] of the faulting stage-2 input. */
        g_assert_cmphex(ev.ipa, ==, want_ipa & ~0xfffULL);
    }
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * IHI 0070 7.3.1: with STE.MEV == 0 every faulting request gets its own
 * record, also a later one at a higher address of the same page; with
 * MEV == 1 the SMMU may merge them (InputAddr[11:0] do not count).
 */
static void test_merge(const void *opaque)
{
    bool mev = GPOINTER_TO_INT(opaque);
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    uint64_t iova;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (mev && qsmmu_is_base_model()) {
        g_test_skip("base never merges events");
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    x.ste.mev = mev;
    qsmmu_xlate_write_ste(&e, &x);
    iova = x.data_iova;
    qpt_set_entry(&x.pt1, iova, 3, 0);
    qsmmu_enable(&e.smmu, true);

    /* Two requests of the device, each translated once. */
    g_assert_false(qsmmu_testdev_dma_read(&e.td, iova, XFER_LEN));
    g_assert_false(qsmmu_testdev_dma_read(&e.td, iova + 0x200, XFER_LEN));

    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_assert_cmphex(ev.type, ==, QSMMU_EVT_F_TRANSLATION);
    g_assert_cmphex(ev.input_addr, ==, iova);
    if (!mev) {
        g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
        g_assert_cmphex(ev.type, ==, QSMMU_EVT_F_TRANSLATION);
        g_assert_cmphex(ev.sid, ==, SID);
        g_assert_false(ev.s2);
        g_assert_cmpint(ev.class, ==, QSMMU_CLASS_IN);
        g_assert_true(ev.rnw);
        g_assert_cmphex(ev.input_addr, ==, iova + 0x200);
    }
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * One pci_dma_read() of a faulting buffer: QEMU's memory core goes on
 * after the refusal piece by piece, translating each piece, yet the
 * device's one request is one record.  A second request, later in the
 * same page, is another record (STE.MEV == 0, 7.3.1).
 */
static void test_memcore_retries(void)
{
    static const struct {
        uint64_t off;
        uint32_t len;
    } reqs[] = {
        { 0, 0x100 },           /* 4-byte pieces to the end */
        { 0x301, 0x23 },        /* 1, 2 then 4-byte pieces */
        { 0x400, 0x1000 },      /* into the next page: a record there */
    };
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    uint64_t iova;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (qsmmu_is_base_model()) {
        g_test_skip("base records every piece of a refused access");
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    iova = x.data_iova;
    qpt_set_entry(&x.pt1, iova, 3, 0);
    qpt_set_entry(&x.pt1, iova + 0x1000, 3, 0);
    qsmmu_enable(&e.smmu, true);

    for (int i = 0; i < ARRAY_SIZE(reqs); i++) {
        QSmmuTestdevStatus st;

        st = qsmmu_testdev_run(&e.td, SMMU_TESTDEV_OP_READ_MEMCORE,
                               iova + reqs[i].off, 0, reqs[i].len, 0);
        g_assert_cmpuint(st.err, ==, 0);
        g_assert_cmpuint(st.result, !=, 0);
        g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
        g_assert_cmphex(ev.type, ==, QSMMU_EVT_F_TRANSLATION);
        g_assert_cmphex(ev.input_addr, ==, iova + reqs[i].off);
        if (reqs[i].off + reqs[i].len > 0x1000) {
            g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
            g_assert_cmphex(ev.type, ==, QSMMU_EVT_F_TRANSLATION);
            g_assert_cmphex(ev.input_addr, ==, iova + 0x1000);
        }
        qsmmu_assert_no_event(&e.smmu);
    }
    qsmmu_env_stop(&e);
}

/*
 * IHI 0070 3.4 on bypass paths, with a 32-bit OAS (so IAS == 32, as
 * SMMU_IDR0.TTF is AArch64 only) and RAM above 4 GiB.
 */
#define OAS32_EXTRA     "-global arm-smmuv3.oas=32 -m 3200M"
#define ABOVE_OAS       0x100000000ULL

typedef enum BypassKind {
    BYPASS_DISABLED,        /* SMMUEN == 0, GBPA.ABORT == 0 */
    BYPASS_STE,             /* STE.Config == 0b100 */
    BYPASS_S1_CONFIG,       /* STE.Config == 0b110: stage 2 only */
    BYPASS_S1DSS,           /* STE.Config == 0b101, S1DSS == 0b01 */
} BypassKind;

typedef struct BypassCase {
    const char *name;
    BypassKind kind;
    bool write;
} BypassCase;

static const BypassCase bypass_cases[] = {
    { "disabled", BYPASS_DISABLED },
    { "ste-bypass", BYPASS_STE },
    { "ste-bypass-write", BYPASS_STE, true },
    { "s2-only", BYPASS_S1_CONFIG },
    { "s1dss-bypass", BYPASS_S1DSS },
};

static void test_bypass_addr_size(const void *opaque)
{
    const BypassCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    bool ok;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (qsmmu_is_base_model()) {
        g_test_skip("base model: fixed 44-bit OAS, no oas property");
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_env_stop(&e);
    qsmmu_env_start(&e, "nested", 0, OAS32_EXTRA);

    qsmmu_xlate_defaults(&x, c->kind == BYPASS_S1_CONFIG ? QSMMU_STE_CFG_S2
                                                         : QSMMU_STE_CFG_S1,
                         SID);
    x.s2_ias = 32;
    qsmmu_xlate_setup(&e, &x);
    switch (c->kind) {
    case BYPASS_DISABLED:
        qsmmu_set_gbpa(&e.smmu, 0);
        break;
    case BYPASS_STE:
        x.ste = (QSMMUSte) { .valid = true, .config = QSMMU_STE_CFG_BYPASS };
        qsmmu_xlate_write_ste(&e, &x);
        break;
    case BYPASS_S1_CONFIG:
        break;
    case BYPASS_S1DSS:
        x.ste.s1_cdmax = 1;
        x.ste.s1_dss = 1;
        qsmmu_xlate_write_ste(&e, &x);
        break;
    }
    qsmmu_enable(&e.smmu, c->kind != BYPASS_DISABLED);

    /* Within the address size the transaction goes through. */
    if (c->kind != BYPASS_S1_CONFIG) {
        qsmmu_env_pattern(&e, x.data, XFER_LEN, 0x33);
        g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data, XFER_LEN));
        qsmmu_env_check_buf(&e, XFER_LEN, 0x33);
    } else {
        g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    }
    qsmmu_assert_no_event(&e.smmu);

    /* RAM at 4 GiB, but above the OAS (IAS): aborted */
    if (c->write) {
        ok = qsmmu_testdev_dma_write(&e.td, ABOVE_OAS, XFER_LEN);
    } else {
        ok = qsmmu_testdev_dma_read(&e.td, ABOVE_OAS, XFER_LEN);
    }
    g_assert_false(ok);
    if (c->kind == BYPASS_DISABLED) {
        /* 3.4: "terminated with an abort and no event is recorded" */
        qsmmu_assert_no_event(&e.smmu);
        qsmmu_env_stop(&e);
        return;
    }
    /* 7.3.14: a stage-1 F_ADDR_SIZE, CLASS == IN, before any stage 2 */
    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_assert_cmphex(ev.type, ==, QSMMU_EVT_F_ADDR_SIZE);
    g_assert_cmphex(ev.sid, ==, SID);
    g_assert_false(ev.ssv);
    g_assert_false(ev.s2);
    g_assert_cmpint(ev.class, ==, QSMMU_CLASS_IN);
    g_assert_cmpint(ev.rnw, ==, !c->write);
    g_assert_false(ev.ind);
    g_assert_false(ev.pnu);
    g_assert_cmphex(ev.input_addr, ==, ABOVE_OAS);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_data_func("/smmuv3/fault/merge/mev0-two-requests",
                        GINT_TO_POINTER(0), test_merge);
    qtest_add_data_func("/smmuv3/fault/merge/mev1-merged",
                        GINT_TO_POINTER(1), test_merge);
    qtest_add_func("/smmuv3/fault/merge/memcore-retries",
                   test_memcore_retries);
    for (size_t i = 0; i < ARRAY_SIZE(bypass_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/smmuv3/fault/bypass-addr-size/%s",
                            bypass_cases[i].name);

        qtest_add_data_func(path, &bypass_cases[i], test_bypass_addr_size);
    }
    for (size_t i = 0; i < ARRAY_SIZE(fault_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/fault/%s",
                                                fault_cases[i].name);

        qtest_add_data_func(path, &fault_cases[i], test_fault);
    }
    return g_test_run();
}
