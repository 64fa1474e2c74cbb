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
    S1_SECOND_PAGE,         /* the page after the IOVA's is invalid */
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
    /* Set-up */
    uint8_t config;         /* QSMMU_STE_CFG_* */
    uint8_t gran;           /* both stages' granule; 0: 4K */
    uint8_t s2_ias;         /* 0: the default */
    bool priv_instr;        /* STE.PRIVCFG and STE.INSTCFG force 1 */
    Breakage breakage;
    /* The DMA */
    bool write;
    uint32_t len;           /* 0: XFER_LEN */
    uint32_t landed;        /* bytes that arrive before the fault */
    uint32_t fault_off;     /* faulting address minus the IOVA */
    /* Expected */
    bool dma_ok;            /* the DMA still succeeds */
    uint8_t type;           /* 0: no event */
    bool s2;
    uint8_t class;
    IpaIs ipa;
    const char *base_bug;   /* why the base's model fails it: skip there */
} FaultCase;

#define S1              .config = QSMMU_STE_CFG_S1
#define S2              .config = QSMMU_STE_CFG_S2
#define NESTED          .config = QSMMU_STE_CFG_NESTED
#define G16K            .gran = QSMMU_GRAN_16K
#define G64K            .gran = QSMMU_GRAN_64K
#define EV(t, c)        .type = QSMMU_EVT_F_##t, .class = QSMMU_CLASS_##c
#define EV_S2(t, c, i)  EV(t, c), .s2 = true, .ipa = i
#define NO_PRIV_INSTR   "base has no STE.PRIVCFG/INSTCFG"

static const FaultCase fault_cases[] = {
    { .name = "s1/translation", S1, .breakage = S1_LEAF_INVALID,
      EV(TRANSLATION, IN) },
    { .name = "s1/translation-range", S1, .breakage = S1_OUT_OF_RANGE,
      EV(TRANSLATION, IN) },
    { .name = "s1/permission", S1, .breakage = S1_READ_ONLY, .write = true,
      EV(PERMISSION, IN) },
    { .name = "s1/read-only-read", S1, .breakage = S1_READ_ONLY,
      .dma_ok = true },
    { .name = "s1/access-flag", S1, .breakage = S1_NO_AF,
      EV(ACCESS, IN) },
    { .name = "s1/access-flag-affd", S1, .breakage = S1_NO_AF_AFFD,
      .dma_ok = true },
    { .name = "s1/address-size", S1, .breakage = S1_OA_TOO_BIG,
      EV(ADDR_SIZE, IN) },
    { .name = "s1/not-recorded", S1, .breakage = S1_NOT_RECORDED },
    { .name = "s1/xn-data-write", S1, .breakage = S1_EXECUTE_NEVER,
      .write = true, .dma_ok = true },
    /* The first 4K request lands; the second faults on its start. */
    { .name = "s1/translation-second-page", S1, .breakage = S1_SECOND_PAGE,
      .len = 0x2000, .landed = 0x1000, .fault_off = 0x1000,
      EV(TRANSLATION, IN) },
    { .name = "s1/16k/translation", S1, G16K, .breakage = S1_LEAF_INVALID,
      EV(TRANSLATION, IN) },
    { .name = "s1/64k/translation", S1, G64K, .breakage = S1_LEAF_INVALID,
      EV(TRANSLATION, IN) },
    { .name = "s1/16k/permission", S1, G16K, .breakage = S1_READ_ONLY,
      .write = true, EV(PERMISSION, IN) },
    { .name = "s1/64k/access-flag", S1, G64K, .breakage = S1_NO_AF,
      EV(ACCESS, IN) },
    { .name = "s2/translation", S2, .breakage = S2_LEAF_INVALID,
      EV_S2(TRANSLATION, IN, IPA_DATA) },
    { .name = "s2/permission", S2, .breakage = S2_READ_ONLY, .write = true,
      EV_S2(PERMISSION, IN, IPA_DATA) },
    { .name = "s2/access-flag", S2, .breakage = S2_NO_AF,
      EV_S2(ACCESS, IN, IPA_DATA) },
    /* S2T0SZ must fit S2PS */
    { .name = "s2/address-size", S2, .s2_ias = 40,
      .breakage = S2_OA_TOO_BIG, EV_S2(ADDR_SIZE, IN, IPA_DATA) },
    { .name = "s2/xn-data-write", S2, .breakage = S2_EXECUTE_NEVER,
      .write = true, .dma_ok = true },
    { .name = "s2/16k/translation", S2, G16K, .breakage = S2_LEAF_INVALID,
      EV_S2(TRANSLATION, IN, IPA_DATA) },
    { .name = "s2/64k/permission", S2, G64K, .breakage = S2_READ_ONLY,
      .write = true, EV_S2(PERMISSION, IN, IPA_DATA) },
    { .name = "s2/16k/access-flag", S2, G16K, .breakage = S2_NO_AF,
      EV_S2(ACCESS, IN, IPA_DATA) },
    { .name = "nested/s1-translation", NESTED, .breakage = S1_LEAF_INVALID,
      EV(TRANSLATION, IN) },
    { .name = "nested/s1-permission", NESTED, .breakage = S1_READ_ONLY,
      .write = true, EV(PERMISSION, IN) },
    { .name = "nested/s2-data-translation", NESTED,
      .breakage = S2_DATA_UNMAPPED, EV_S2(TRANSLATION, IN, IPA_DATA) },
    { .name = "nested/s2-data-permission", NESTED, .breakage = S2_READ_ONLY,
      .write = true, EV_S2(PERMISSION, IN, IPA_DATA) },
    { .name = "nested/s2-cd-translation", NESTED,
      .breakage = S2_CD_UNMAPPED, EV_S2(TRANSLATION, CD, IPA_CD) },
    { .name = "nested/s2-cd-permission", NESTED, .breakage = S2_CD_NO_READ,
      EV_S2(PERMISSION, CD, IPA_CD) },
    { .name = "nested/16k/s2-cd-translation", NESTED, G16K,
      .breakage = S2_CD_UNMAPPED, EV_S2(TRANSLATION, CD, IPA_CD) },
    { .name = "nested/64k/s2-data-translation", NESTED, G64K,
      .breakage = S2_DATA_UNMAPPED, EV_S2(TRANSLATION, IN, IPA_DATA) },
    { .name = "nested/64k/s2-ttb-translation", NESTED, G64K,
      .breakage = S2_TTB_UNMAPPED, EV_S2(TRANSLATION, TT, IPA_TTB) },
    { .name = "nested/s2-ttb-translation", NESTED,
      .breakage = S2_TTB_UNMAPPED, EV_S2(TRANSLATION, TT, IPA_TTB) },
    { .name = "nested/s2-table-translation", NESTED,
      .breakage = S2_TABLE_UNMAPPED, EV_S2(TRANSLATION, TT, IPA_TABLE),
      .base_bug = "base reports a stage-2 fault on a next-level stage-1 "
                  "table with S2=0 (its stage-1 walk error path "
                  "overwrites the stage)" },
    /* IHI 0070 7.3.12: a stage-1 walk abort is S2 == 0, CLASS == TT */
    { .name = "s1/walk-eabt", S1, .breakage = S1_TABLE_ABORT,
      EV(WALK_EABT, TT) },
    { .name = "s2/walk-eabt", S2, .breakage = S2_TABLE_ABORT,
      EV_S2(WALK_EABT, IN, IPA_NONE) },
    { .name = "nested/s1-walk-eabt", NESTED, .breakage = NESTED_TABLE_ABORT,
      EV(WALK_EABT, TT) },
    /* IHI 0070 7.3: RnW is the transaction's, not the CD fetch's */
    { .name = "nested/s2-cd-translation-write", NESTED,
      .breakage = S2_CD_UNMAPPED, .write = true,
      EV_S2(TRANSLATION, CD, IPA_CD),
      .base_bug = "base records the CD fetch's RnW" },
    /* InD/PnU after the STE overrides, also for a CD fetch fault */
    { .name = "nested/s2-cd-translation-priv-instr", NESTED,
      .priv_instr = true, .breakage = S2_CD_UNMAPPED,
      EV_S2(TRANSLATION, CD, IPA_CD), .base_bug = NO_PRIV_INSTR },
    /* IHI 0070 7.3.13: InD == 0 when RnW == 0 */
    { .name = "s1/translation-write-instr", S1, .priv_instr = true,
      .breakage = S1_LEAF_INVALID, .write = true, EV(TRANSLATION, IN),
      .base_bug = NO_PRIV_INSTR },
    { .name = "s1/translation-read-instr", S1, .priv_instr = true,
      .breakage = S1_LEAF_INVALID, EV(TRANSLATION, IN),
      .base_bug = NO_PRIV_INSTR },
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

/* Where a broken set-up faults. */
typedef struct Target {
    uint64_t iova;          /* to access */
    uint64_t ipa;           /* the event's IPA, IPA_TTB and IPA_TABLE */
    uint64_t fetch;         /* the descriptor PA of a walk abort */
} Target;

/* Apply the breakage. */
static Target break_setup(QSmmuEnv *e, QSmmuXlate *x, const FaultCase *c)
{
    Target t = { .iova = x->data_iova };
    uint64_t iova = t.iova;
    uint64_t ipa = qsmmu_xlate_ipa(x, x->data);
    uint64_t d;

    switch (c->breakage) {
    case S1_NOT_RECORDED:
        x->cd.r = false;
        qsmmu_xlate_write_cd(e, x);
        /* fall through */
    case S1_LEAF_INVALID:
        qpt_set_entry(&x->pt1, iova, 3, 0);
        break;
    case S1_OUT_OF_RANGE:
        t.iova |= 1ULL << x->s1_ias;
        break;
    case S1_EXECUTE_NEVER:
        qpt_map(&x->pt1, iova, ipa, 3, QPT_RW | QPT_XN);
        break;
    case S1_SECOND_PAGE:
        qpt_set_entry(&x->pt1, iova + 0x1000, 3, 0);
        break;
    case S1_READ_ONLY:
        qpt_map(&x->pt1, iova, ipa, 3, QPT_R);
        break;
    case S1_NO_AF_AFFD:
        x->cd.affd = true;
        qsmmu_xlate_write_cd(e, x);
        /* fall through */
    case S1_NO_AF:
        qpt_map(&x->pt1, iova, ipa, 3, QPT_RW | QPT_NO_AF);
        break;
    case S1_OA_TOO_BIG:
        /* CD.IPS 40 bits; OA at 2^42 is within OAS but beyond IPS. */
        x->cd.ips = 2;
        qsmmu_xlate_write_cd(e, x);
        qpt_map(&x->pt1, iova, 1ULL << 42, 3, QPT_RW);
        break;
    case S2_LEAF_INVALID:
        s2_set_leaf(x, iova, 0);
        break;
    case S2_READ_ONLY:
        if (x->config & 1) {
            s2_set_leaf(x, s2_page(x, ipa),
                        qpt_leaf_desc(true, x->s2_gran, 3,
                                      s2_page(x, x->data), QPT_R));
        } else {
            qpt_map(&x->pt2, iova, x->data, 3, QPT_R);
        }
        break;
    case S2_NO_AF:
        qpt_map(&x->pt2, iova, x->data, 3, QPT_RW | QPT_NO_AF);
        break;
    case S2_EXECUTE_NEVER:
        qpt_map(&x->pt2, iova, x->data, 3, QPT_RW | QPT_XN);
        break;
    case S2_OA_TOO_BIG:
        /* S2PS 40 bits with a 40-bit IPA space; OA 2^42 is beyond it. */
        x->ste.s2_ps = 2;
        qsmmu_xlate_write_ste(e, x);
        qpt_map(&x->pt2, iova, 1ULL << 42, 3, QPT_RW);
        break;
    case S2_DATA_UNMAPPED:
        s2_set_leaf(x, s2_page(x, ipa), 0);
        break;
    case S2_CD_UNMAPPED:
        s2_set_leaf(x, qsmmu_xlate_ipa(x, x->cd_pa), 0);
        break;
    case S2_CD_NO_READ:
        s2_set_leaf(x, qsmmu_xlate_ipa(x, x->cd_pa),
                    qpt_leaf_desc(true, x->s2_gran, 3, x->cd_pa, QPT_W));
        break;
    case S2_TTB_UNMAPPED:
        t.ipa = qpt_ttb(&x->pt1);
        s2_set_leaf(x, s2_page(x, t.ipa), 0);
        break;
    case S2_TABLE_UNMAPPED:
        /* The level-3 table: named by the level-2 table descriptor. */
        d = qtest_readq(e->qts, qpt_entry_addr(&x->pt1, iova, 2));
        t.ipa = d & MAKE_64BIT_MASK(12, 36);
        s2_set_leaf(x, s2_page(x, t.ipa), 0);
        break;
    case S1_TABLE_ABORT:
    case S2_TABLE_ABORT:
        /* The level-2 table descriptor names a table in no memory. */
        qpt_set_entry(c->breakage == S1_TABLE_ABORT ? &x->pt1 : &x->pt2,
                      iova, 2, NO_MEMORY | 3);
        t.fetch = NO_MEMORY + ((iova >> 12) & 0x1ff) * 8;
        break;
    case NESTED_TABLE_ABORT:
        /* The level-3 table's IPA translates to no memory. */
        d = qpt_entry_addr(&x->pt1, iova, 3);
        s2_set_leaf(x, s2_page(x, qsmmu_xlate_ipa(x, d)),
                    qpt_leaf_desc(true, x->s2_gran, 3, NO_MEMORY, QPT_RW));
        t.fetch = NO_MEMORY + (d & 0xfff);
        break;
    }
    return t;
}

/* The IPA a case's event names. */
static uint64_t want_ipa(const QSmmuXlate *x, const FaultCase *c,
                         const Target *t)
{
    switch (c->ipa) {
    case IPA_DATA:
        /* Stage 2 only: the IOVA is the IPA */
        return x->config & 1 ? qsmmu_xlate_ipa(x, x->data) : t->iova;
    case IPA_CD:
        return qsmmu_xlate_ipa(x, x->cd_pa);
    case IPA_TTB:
    case IPA_TABLE:
        return t->ipa;
    case IPA_NONE:
        break;
    }
    return 0;
}

static void test_fault(const void *opaque)
{
    const FaultCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    Target t;
    bool ok;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (c->base_bug && qsmmu_skip_on_base(c->base_bug)) {
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, c->config, SID);
    x.s1_gran = x.s2_gran = c->gran ?: QSMMU_GRAN_4K;
    x.s2_ias = c->s2_ias ?: x.s2_ias;
    qsmmu_xlate_setup(&e, &x);
    x.ste.privcfg = x.ste.instcfg = c->priv_instr ? 3 : 0;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_enable(&e.smmu, true);

    /* Nothing was translated yet, so no walk of the old set-up is cached. */
    t = break_setup(&e, &x, c);
    if (c->landed) {
        qsmmu_env_pattern(&e, x.data, c->landed, 0x77);
    }
    if (c->write) {
        ok = qsmmu_testdev_dma_write(&e.td, t.iova, c->len ?: XFER_LEN);
    } else {
        ok = qsmmu_testdev_dma_read(&e.td, t.iova, c->len ?: XFER_LEN);
    }
    g_assert_cmpint(ok, ==, c->dma_ok);
    if (c->landed) {
        qsmmu_env_check_buf(&e, c->landed, 0x77);
    }
    if (c->type) {
        /*
         * Untagged PCIe DMA: unprivileged data access, unless the STE
         * overrides it; a write is never an instruction fetch (7.3.13).
         * IHI 0070 7.3.12: a walk abort names the descriptor's PA.
         */
        qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                               .type = c->type, .sid = SID, .s2 = c->s2,
                               .class = c->class, .rnw = !c->write,
                               .pnu = c->priv_instr,
                               .ind = c->priv_instr && !c->write,
                               .input_addr = t.iova + c->fault_off,
                               .ipa = want_ipa(&x, c, &t),
                               .fetch_addr = t.fetch,
                           },
                           QSMMU_EV_S2 | QSMMU_EV_CLASS | QSMMU_EV_RNW |
                           QSMMU_EV_IND | QSMMU_EV_PNU |
                           QSMMU_EV_INPUT_ADDR |
                           (c->ipa != IPA_NONE ? QSMMU_EV_IPA : 0) |
                           (c->type == QSMMU_EVT_F_WALK_EABT ?
                            QSMMU_EV_FETCH_ADDR : 0), NULL);
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
    uint64_t iova;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (mev && qsmmu_skip_on_base("base never merges events")) {
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

    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                           .input_addr = iova,
                       }, QSMMU_EV_INPUT_ADDR, NULL);
    if (!mev) {
        qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                               .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                               .class = QSMMU_CLASS_IN, .rnw = true,
                               .input_addr = iova + 0x200,
                           },
                           QSMMU_EV_S2 | QSMMU_EV_CLASS | QSMMU_EV_RNW |
                           QSMMU_EV_INPUT_ADDR, NULL);
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
        { .off = 0, .len = 0x100 },         /* 4-byte pieces to the end */
        { .off = 0x301, .len = 0x23 },      /* 1, 2 then 4-byte pieces */
        /* into the next page: a record there */
        { .off = 0x400, .len = 0x1000 },
    };
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t iova;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (qsmmu_skip_on_base("base records every piece of a refused access")) {
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
        qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                               .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                               .input_addr = iova + reqs[i].off,
                           }, QSMMU_EV_INPUT_ADDR, NULL);
        if (reqs[i].off + reqs[i].len > 0x1000) {
            qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                                   .type = QSMMU_EVT_F_TRANSLATION,
                                   .sid = SID, .input_addr = iova + 0x1000,
                               }, QSMMU_EV_INPUT_ADDR, NULL);
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
    { .name = "disabled", .kind = BYPASS_DISABLED },
    { .name = "ste-bypass", .kind = BYPASS_STE },
    { .name = "ste-bypass-write", .kind = BYPASS_STE, .write = true },
    { .name = "s2-only", .kind = BYPASS_S1_CONFIG },
    { .name = "s1dss-bypass", .kind = BYPASS_S1DSS },
};

static void test_bypass_addr_size(const void *opaque)
{
    const BypassCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    bool ok;

    if (!qsmmu_env_start_ours(&e, "nested", OAS32_EXTRA,
                              "base model: fixed 44-bit OAS, no oas "
                              "property")) {
        return;
    }

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
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_ADDR_SIZE, .sid = SID,
                           .class = QSMMU_CLASS_IN, .rnw = !c->write,
                           .input_addr = ABOVE_OAS,
                       },
                       QSMMU_EV_S2 | QSMMU_EV_CLASS | QSMMU_EV_RNW |
                       QSMMU_EV_IND | QSMMU_EV_PNU | QSMMU_EV_INPUT_ADDR,
                       NULL);
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
