/*
 * SMMUv3 configuration decoding: which STE and CD field values are
 * ILLEGAL, reserved (behave as another value) or ignored (IHI 0070 5.2,
 * 5.4), how table and queue base addresses are aligned (6.3.24-6.3.29),
 * and the configuration error each case records (7.3), checked field by
 * field in the event record.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define PASID(n)        (SMMU_TESTDEV_PASID_VALID | (n))
/* A second smmu-testdev whose StreamID needs STRTAB L1 index 1 (split 6) */
#define SLOT2           8
#define SID2            (SLOT2 << 3)

static uint32_t rd(QSmmuEnv *e, uint32_t off)
{
    return qtest_readl(e->qts, e->smmu.base + off);
}

static void wr(QSmmuEnv *e, uint32_t off, uint32_t val)
{
    qtest_writel(e->qts, e->smmu.base + off, val);
}

/* Start, or skip when this is the base's model and base_bug says why. */
static bool start_case(QSmmuEnv *e, const char *stage, uint8_t split,
                       const char *extra, const char *base_bug)
{
    /* Before starting: the base may lack a property that extra sets. */
    if (base_bug && qsmmu_skip_on_base(base_bug)) {
        return false;
    }
    /*
     * Cases the base runs set only what ours needs to be like it
     * (httu=off): the base has no such property.
     */
    qsmmu_env_start(e, stage, split, qsmmu_is_base_model() ? NULL : extra);
    return true;
}

/* The DMA is refused and exactly this event is recorded. */
static void expect_refused(QSmmuEnv *e, uint64_t iova, uint32_t pasid,
                           uint8_t type)
{
    QSmmuTestdevStatus st = qsmmu_testdev_run(&e->td, SMMU_TESTDEV_OP_READ,
                                              iova, 0, XFER_LEN, pasid);
    bool ssv = pasid & SMMU_TESTDEV_PASID_VALID;

    g_assert_cmphex(st.result, !=, 0);
    qsmmu_expect_event(&e->smmu, &(QSMMUEvent) {
                           .type = type, .sid = SID, .ssv = ssv,
                           .ssid = ssv ? pasid & 0xff : 0,
                       }, 0, NULL);
    qsmmu_assert_no_event(&e->smmu);
}

/* The DMA succeeds, reads the data buffer, and records nothing. */
static void expect_ok(QSmmuEnv *e, QSmmuXlate *x, QSmmuTestdev *td)
{
    qsmmu_env_pattern(e, x->data, XFER_LEN, 0x5a);
    g_assert_true(qsmmu_testdev_dma_read(td, x->data_iova, XFER_LEN));
    if (td == &e->td) {
        qsmmu_env_check_buf(e, XFER_LEN, 0x5a);
    }
    qsmmu_assert_no_event(&e->smmu);
}

/* ---- W5: STRTAB_BASE_CFG.SPLIT reserved values behave as 6 ---- */

static void test_split_reserved(const void *opaque)
{
    unsigned split = GPOINTER_TO_UINT(opaque);
    QSmmuTestdev td2;
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start_case(&e, "nested", 6, "-device " TYPE_SMMU_TESTDEV
                    ",addr=" stringify(SLOT2) ".0",
                    "base treats reserved SPLIT values as the next lower")) {
        return;
    }
    qsmmu_testdev_init(&td2, &e.bus.bus, SLOT2);
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID2);
    qsmmu_xlate_setup(&e, &x);      /* STE in the L2 table of L1 entry 1 */
    /* IHI 0070 6.3.25: "Other values are reserved, behave as 6". */
    wr(&e, QSMMU_STRTAB_BASE_CFG, 8 | split << 6 | 1 << 16);
    wr(&e, QSMMU_CR2, 1 << 1);      /* RECINVSID: show a wrong lookup */
    qsmmu_enable(&e.smmu, true);
    expect_ok(&e, &x, &td2);
    qsmmu_testdev_free(&td2);
    qsmmu_env_stop(&e);
}

/* ---- W6: effective base addresses are aligned by the SMMU ---- */

typedef enum AlignWhat {
    ALIGN_STRTAB_LINEAR,
    ALIGN_STRTAB_2LEVEL,
    ALIGN_CMDQ,
    ALIGN_EVENTQ,
} AlignWhat;

typedef struct AlignCase {
    const char *name;
    AlignWhat what;
    uint8_t split;          /* STRTAB_BASE_CFG.SPLIT; 0: linear */
    const char *base_bug;   /* why the base's model fails it: skip there */
} AlignCase;

#define BASE_UNALIGNED  "base uses STRTAB_BASE and CMDQ_BASE unaligned"

static const AlignCase align_cases[] = {
    { .name = "strtab-linear", .what = ALIGN_STRTAB_LINEAR,
      .base_bug = BASE_UNALIGNED },
    { .name = "strtab-2level", .what = ALIGN_STRTAB_2LEVEL, .split = 6,
      .base_bug = BASE_UNALIGNED },
    { .name = "cmdq", .what = ALIGN_CMDQ, .base_bug = BASE_UNALIGNED },
    { .name = "eventq", .what = ALIGN_EVENTQ },
};

static void test_align(const void *opaque)
{
    const AlignCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t l1;

    if (!start_case(&e, "nested", c->split, NULL, c->base_bug)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    switch (c->what) {
    case ALIGN_STRTAB_LINEAR:
        /* 6.3.24: a linear table is aligned to 64 << LOG2SIZE (16K). */
        qtest_writeq(e.qts, e.smmu.base + QSMMU_STRTAB_BASE,
                     e.smmu.strtab + 0x2000);
        break;
    case ALIGN_STRTAB_2LEVEL:
        /*
         * 6.3.24: an L1 table of 2^(12 - 6) descriptors (512 bytes) is
         * aligned to its size; the SMMU ignores ADDR[8:6].
         */
        l1 = qsmmu_env_alloc(&e, 512, 512);
        qtest_writeq(e.qts, l1, qtest_readq(e.qts, e.smmu.strtab));
        qtest_writeq(e.qts, e.smmu.base + QSMMU_STRTAB_BASE, l1 + 0x1c0);
        wr(&e, QSMMU_STRTAB_BASE_CFG, 12 | 6 << 6 | 1 << 16);
        break;
    case ALIGN_CMDQ:
        /* 6.3.26: aligned to the queue size, 16 << LOG2SIZE bytes. */
        wr(&e, QSMMU_CR0, QSMMU_CR0_EVENTQEN);
        qtest_writeq(e.qts, e.smmu.base + QSMMU_CMDQ_BASE,
                     (e.smmu.cmdq + (8u << e.smmu.cmdq_log2)) |
                     e.smmu.cmdq_log2);
        wr(&e, QSMMU_CMDQ_PROD, 0);
        wr(&e, QSMMU_CMDQ_CONS, 0);
        e.smmu.cmdq_prod = 0;
        wr(&e, QSMMU_CR0, QSMMU_CR0_EVENTQEN | QSMMU_CR0_CMDQEN);
        g_assert_cmpuint(qsmmu_sync(&e.smmu), ==, QSMMU_CERROR_NONE);
        g_assert_cmphex(rd(&e, QSMMU_CMDQ_CONS) & 0xfffff, ==,
                        e.smmu.cmdq_prod);
        qsmmu_env_stop(&e);
        return;
    case ALIGN_EVENTQ:
        /* 6.3.29: aligned to the queue size, 32 << LOG2SIZE bytes. */
        wr(&e, QSMMU_CR0, QSMMU_CR0_CMDQEN);
        qtest_writeq(e.qts, e.smmu.base + QSMMU_EVENTQ_BASE,
                     (e.smmu.evtq + 0x20) | e.smmu.evtq_log2);
        wr(&e, QSMMU_CR0, QSMMU_CR0_EVENTQEN | QSMMU_CR0_CMDQEN);
        x.cd.valid = false;
        qsmmu_xlate_write_cd(&e, &x);
        qsmmu_enable(&e.smmu, true);
        expect_refused(&e, x.data_iova, 0, QSMMU_EVT_C_BAD_CD);
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_enable(&e.smmu, true);
    expect_ok(&e, &x, &e.td);
    qsmmu_env_stop(&e);
}

/*
 * ---- I1: IDR3.BBML level 2 (IHI 0070 3.21.1.3): "The implementation
 * ignores the nT bit in the Block descriptor", at stage 1 and 2 ----
 */

static void test_block_nt(const void *opaque)
{
    uint8_t config = GPOINTER_TO_UINT(opaque);
    QSmmuEnv e;
    QSmmuXlate x;
    QPgtable *pt;
    uint64_t d;

    qsmmu_env_start(&e, "nested", 0, NULL);
    g_assert_cmpuint((e.smmu.idr[3] >> 11) & 3, ==, 2);
    qsmmu_xlate_defaults(&x, config, SID);
    x.leaf_level = 2;
    qsmmu_xlate_setup(&e, &x);
    pt = config & 1 ? &x.pt1 : &x.pt2;
    d = qtest_readq(e.qts, qpt_entry_addr(pt, x.leaf_iova, 2));
    g_assert_cmphex(d & 3, ==, 1);                  /* a block */
    qpt_set_entry(pt, x.leaf_iova, 2, d | 1ULL << 16);
    qsmmu_enable(&e.smmu, true);
    expect_ok(&e, &x, &e.td);
    qsmmu_env_stop(&e);
}

/* ---- STE and CD field cases ---- */

typedef enum FieldWhat {
    SSID_ON_BYPASS,         /* W8: Config 0b100, SubstreamID supplied */
    SSID_ON_S2_ONLY,        /* W8: Config 0b110, SubstreamID supplied */
    SSID_ON_ABORT,          /* Config 0b000: abort, no event */
    STRW_EL2_NO_HYP,        /* V1: STRW 0b10 is RES0 with IDR0.HYP 0 */
    STRW_NESTED,            /* V1: STRW ignored with Config 0b11x */
    S1FMT_RESERVED,         /* V2: S1Fmt 0b11 behaves as linear */
    S1DSS_RESERVED,         /* V2: S1DSS 0b11 behaves as terminate */
    CD_A_CLEAR,             /* V3: CD.A 0 with IDR0.TERM_MODEL 1 */
    CD_HA,                  /* V3: CD.HA with IDR0.HTTU 0 */
    CD_HD,                  /* V3: CD.HD with IDR0.HTTU 0 */
    STE_S2HA,               /* V3: STE.S2HA with IDR0.HTTU 0 */
    STE_S2HD,               /* V3: STE.S2HD with IDR0.HTTU 0 */
    S2SL0_PA_TOO_SMALL,     /* V6: 4K SL0 0b10 (level 0) with OAS < 44 */
    CD_TTB0_ABOVE_IPS,      /* E3: TTB0 beyond the effective IPS */
    STE_S2TTB_ABOVE_PS,     /* E3: S2TTB beyond the effective S2PS */
    CTXPTR_ABOVE_OAS,       /* E3: stage-1-only S1ContextPtr above OAS */
    L2PTR_ABOVE_OAS,        /* E3: stage-1-only L1CD.L2Ptr above OAS */
} FieldWhat;

typedef struct FieldCase {
    const char *name;
    /* Set-up */
    const char *extra;      /* device options */
    uint8_t config;         /* QSMMU_STE_CFG_* */
    uint8_t s2_ias;         /* 0: the default */
    FieldWhat what;
    uint32_t pasid;         /* PASID register of the DMA */
    /* Expected */
    uint8_t type;           /* event; 0: the DMA works */
    const char *base_bug;   /* why the base's model fails it: skip there */
} FieldCase;

#define BASE_SSID       "base ignores MemTxAttrs.pid (no substreams)"
#define BASE_RESERVED   "base has no substreams: S1CDMax != 0 is C_BAD_STE"
#define BASE_HTTU       "base accepts STE.S2HA/S2HD without HTTU"
#define BASE_OAS        "base has no oas property"
#define BASE_PTR        "base fetches from a CD pointer above the OAS"
/* Ours has HTTU unless told otherwise; the base never has it */
#define HTTU_OFF        "-global arm-smmuv3.httu=off"

#define S1      .config = QSMMU_STE_CFG_S1
#define S2      .config = QSMMU_STE_CFG_S2
#define NESTED  .config = QSMMU_STE_CFG_NESTED

/* An SMMU without SMMU_IDR0.HYP (the base has none, nor the property) */
#define NO_HYP  "-global arm-smmuv3.hyp=off"

static const FieldCase field_cases[] = {
    { .name = "ssid-on-bypass", S1, .what = SSID_ON_BYPASS, .pasid = PASID(3),
      .type = QSMMU_EVT_C_BAD_SUBSTREAMID, .base_bug = BASE_SSID },
    { .name = "ssid-on-s2-only", S2, .what = SSID_ON_S2_ONLY, .pasid = PASID(3),
      .type = QSMMU_EVT_C_BAD_SUBSTREAMID, .base_bug = BASE_SSID },
    { .name = "ssid-on-abort", S1, .what = SSID_ON_ABORT, .pasid = PASID(3) },
    /* ours has HYP with stage=nested (smmuv3-el2-test): model one without */
    { .name = "strw-el2-without-hyp", S1, .what = STRW_EL2_NO_HYP,
      .extra = NO_HYP },
    { .name = "strw-ignored-nested", NESTED, .what = STRW_NESTED,
      .extra = NO_HYP },
    { .name = "s1fmt-reserved-linear", S1, .what = S1FMT_RESERVED,
      .base_bug = BASE_RESERVED },
    { .name = "s1dss-reserved-terminate", S1, .what = S1DSS_RESERVED,
      .type = QSMMU_EVT_F_STREAM_DISABLED, .base_bug = BASE_RESERVED },
    { .name = "cd-a-clear", S1, .what = CD_A_CLEAR,
      .type = QSMMU_EVT_C_BAD_CD },
    { .name = "cd-ha-without-httu", .extra = HTTU_OFF, S1, .what = CD_HA,
      .type = QSMMU_EVT_C_BAD_CD },
    { .name = "cd-hd-without-httu", .extra = HTTU_OFF, NESTED, .what = CD_HD,
      .type = QSMMU_EVT_C_BAD_CD },
    { .name = "ste-s2ha-without-httu", .extra = HTTU_OFF, S2,
      .what = STE_S2HA,
      .type = QSMMU_EVT_C_BAD_STE, .base_bug = BASE_HTTU },
    { .name = "ste-s2hd-without-httu", .extra = HTTU_OFF,
      NESTED, .what = STE_S2HD,
      .type = QSMMU_EVT_C_BAD_STE, .base_bug = BASE_HTTU },
    { .name = "s2sl0-level0-oas40", .extra = "-global arm-smmuv3.oas=40", S2,
      .s2_ias = 40, .what = S2SL0_PA_TOO_SMALL, .type = QSMMU_EVT_C_BAD_STE,
      .base_bug = BASE_OAS },
    { .name = "cd-ttb0-above-ips", S1, .what = CD_TTB0_ABOVE_IPS,
      .type = QSMMU_EVT_C_BAD_CD },
    { .name = "nested-cd-ttb0-above-ips", NESTED, .what = CD_TTB0_ABOVE_IPS,
      .type = QSMMU_EVT_C_BAD_CD },
    { .name = "ste-s2ttb-above-s2ps", S2, .s2_ias = 40,
      .what = STE_S2TTB_ABOVE_PS, .type = QSMMU_EVT_C_BAD_STE },
    { .name = "s1-ctxptr-above-oas", S1, .what = CTXPTR_ABOVE_OAS,
      .type = QSMMU_EVT_C_BAD_STE, .base_bug = BASE_PTR },
    { .name = "s1-l2ptr-above-oas", S1, .what = L2PTR_ABOVE_OAS,
      .pasid = PASID(1), .type = QSMMU_EVT_C_BAD_SUBSTREAMID,
      .base_bug = BASE_SSID },
};

static void test_field(const void *opaque)
{
    const FieldCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t ste[8];
    bool rewrite_ste = true, rewrite_cd = false;

    if (!start_case(&e, "nested", 0, c->extra, c->base_bug)) {
        return;
    }
    if (c->pasid) {
        qsmmu_testdev_enable_pasid(&e.td, e.qts);
    }
    qsmmu_xlate_defaults(&x, c->config, SID);
    x.s2_ias = c->s2_ias ?: x.s2_ias;
    qsmmu_xlate_setup(&e, &x);

    switch (c->what) {
    case SSID_ON_BYPASS:
    case SSID_ON_ABORT:
        x.ste.config = c->what == SSID_ON_BYPASS ? QSMMU_STE_CFG_BYPASS
                                                 : QSMMU_STE_CFG_ABORT;
        /* fall through */
    case SSID_ON_S2_ONLY:
        /* IHI 0070 5.2 S1Fmt: with Config 0b1x0, no SubstreamID. */
        qsmmu_ste_build(&x.ste, ste);
        break;
    case STRW_EL2_NO_HYP:
    case STRW_NESTED:
        /* IHI 0070 5.2 STRW, IgnoreSTESTRW(); SMMU_IDR0.HYP is 0 here. */
        g_assert_cmphex(e.smmu.idr[0] & (1u << 9), ==, 0);
        x.ste.strw = c->what == STRW_NESTED ? 1 : 2;
        qsmmu_ste_build(&x.ste, ste);
        break;
    case S1FMT_RESERVED:
        /* Two CDs, untagged traffic uses CD 0 (S1DSS 0b10). */
        x.ste.s1_cdmax = 1;
        x.ste.s1_dss = 2;
        x.ste.s1_fmt = 3;
        qsmmu_ste_build(&x.ste, ste);
        break;
    case S1DSS_RESERVED:
        x.ste.s1_cdmax = 1;
        x.ste.s1_dss = 3;
        qsmmu_ste_build(&x.ste, ste);
        break;
    case CD_A_CLEAR:
        /* IHI 0070 5.5, CdIllegal(): SMMU_IDR0.TERM_MODEL is 1 here. */
        g_assert_cmphex(e.smmu.idr[0] & (1u << 26), !=, 0);
        x.cd.a_clear = true;
        rewrite_cd = true;
        break;
    case CD_HA:
    case CD_HD:
        /* IHI 0070 5.4 HA/HD; SMMU_IDR0.HTTU is 0 here. */
        g_assert_cmphex((e.smmu.idr[0] >> 6) & 3, ==, 0);
        x.cd.ha = c->what == CD_HA;
        x.cd.hd = c->what == CD_HD;
        rewrite_cd = true;
        break;
    case STE_S2HA:
    case STE_S2HD:
        g_assert_cmphex((e.smmu.idr[0] >> 6) & 3, ==, 0);
        x.ste.s2_ha = c->what == STE_S2HA;
        x.ste.s2_hd = c->what == STE_S2HD;
        qsmmu_ste_build(&x.ste, ste);
        break;
    case S2SL0_PA_TOO_SMALL:
        /*
         * 40-bit IPA from level 0 is consistent with S2T0SZ, but the
         * Arm ARM's S2InvalidSL rejects 4K level 0 when the PA size
         * (the SMMU's OAS) is below 44 bits.
         */
        g_assert_cmpuint(qsmmu_oas_bits(e.smmu.idr[5]), ==, 40);
        x.ste.s2_sl0 = 2;
        qsmmu_ste_build(&x.ste, ste);
        break;
    case CD_TTB0_ABOVE_IPS:
        /* IHI 0070 5.4 TTB0: ILLEGAL outside the effective IPS (40). */
        x.cd.ips = 2;
        x.cd.ttb0 = 1ULL << 42;
        rewrite_cd = true;
        break;
    case STE_S2TTB_ABOVE_PS:
        /* IHI 0070 5.2 S2TTB: ILLEGAL outside the effective S2PS (40). */
        x.ste.s2_ps = 2;
        x.ste.s2_ttb = 1ULL << 42;
        qsmmu_ste_build(&x.ste, ste);
        break;
    case CTXPTR_ABOVE_OAS:
        /* IHI 0070 3.4.3 (1): a PA above the OAS gives C_BAD_STE. */
        x.ste.s1_ctx_ptr = 1ULL << qsmmu_oas_bits(e.smmu.idr[5]);
        qsmmu_ste_build(&x.ste, ste);
        break;
    case L2PTR_ABOVE_OAS:
        /* IHI 0070 3.4.3 (3): C_BAD_SUBSTREAMID; L1CD 0 at the CD. */
        x.ste.s1_cdmax = 7;
        x.ste.s1_fmt = 1;
        x.ste.s1_dss = 2;
        qsmmu_ste_build(&x.ste, ste);
        qtest_writeq(e.qts, x.cd_pa,
                     (1ULL << qsmmu_oas_bits(e.smmu.idr[5])) | 1);
        break;
    }
    if (rewrite_cd) {
        qsmmu_xlate_write_cd(&e, &x);
        rewrite_ste = false;
    }
    if (rewrite_ste) {
        qsmmu_write_ste(&e.smmu, SID, ste);
    }
    qsmmu_enable(&e.smmu, true);

    if (c->type) {
        expect_refused(&e, x.data_iova, c->pasid, c->type);
    } else if (c->pasid) {
        /* Config 0b000: "Report abort to device, no event recorded". */
        g_assert_cmphex(qsmmu_testdev_run(&e.td, SMMU_TESTDEV_OP_READ,
                                          x.data_iova, 0, XFER_LEN,
                                          c->pasid).result, !=, 0);
        qsmmu_assert_no_event(&e.smmu);
    } else {
        expect_ok(&e, &x, &e.td);
    }
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_data_func("/smmuv3/config/split-reserved/9",
                        GUINT_TO_POINTER(9), test_split_reserved);
    qtest_add_data_func("/smmuv3/config/split-reserved/11",
                        GUINT_TO_POINTER(11), test_split_reserved);
    for (size_t i = 0; i < ARRAY_SIZE(align_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/config/align/%s",
                                                align_cases[i].name);

        qtest_add_data_func(path, &align_cases[i], test_align);
    }
    qtest_add_data_func("/smmuv3/config/bbml2/s1-block-nt",
                        GUINT_TO_POINTER(QSMMU_STE_CFG_S1), test_block_nt);
    qtest_add_data_func("/smmuv3/config/bbml2/s2-block-nt",
                        GUINT_TO_POINTER(QSMMU_STE_CFG_S2), test_block_nt);
    for (size_t i = 0; i < ARRAY_SIZE(field_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/config/%s",
                                                field_cases[i].name);

        qtest_add_data_func(path, &field_cases[i], test_field);
    }
    return g_test_run();
}
