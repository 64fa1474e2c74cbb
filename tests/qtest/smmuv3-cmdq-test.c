/*
 * SMMUv3 command and event queues, and configuration errors: illegal
 * commands and command fetch aborts (IHI 0070 7.1), event queue
 * overflow (7.4), and the events of bad stream table or context
 * descriptor contents (7.3).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
/* Nothing answers here on virt: above the high PCIe window, below 2^44. */
#define NO_MEMORY       0x20000000000ULL

static uint32_t rd(QSmmuEnv *e, uint32_t off)
{
    return qtest_readl(e->qts, e->smmu.base + off);
}

static void wr(QSmmuEnv *e, uint32_t off, uint32_t val)
{
    qtest_writel(e->qts, e->smmu.base + off, val);
}

/* One row: an illegal command and the CMDQ_CONS.ERR it must give. */
typedef struct IllegalCmd {
    const char *name;
    uint64_t w0, w1;
    uint32_t cerror;
    const char *stage;      /* arm-smmuv3.stage; NULL: nested */
    const char *base_bug;   /* why the base's model fails it: skip there */
} IllegalCmd;

static const IllegalCmd illegal_cmds[] = {
    /* IHI 0070 4.1: an opcode the architecture does not define. */
    { .name = "opcode-0x7f", .w0 = 0x7f, .cerror = QSMMU_CERROR_ILL },
    { .name = "opcode-0x00", .w0 = 0x00, .cerror = QSMMU_CERROR_ILL },
    /* IHI 0070 4.3.1: SSec set on a Non-secure queue. */
    { .name = "cfgi-ste-ssec",
      .w0 = QSMMU_CMD_CFGI_STE | 1 << 10 | (uint64_t)SID << 32,
      .cerror = QSMMU_CERROR_ILL },
    /* IHI 0070 4.4: stage-1 TLBIs need IDR0.S1P, stage-2 ones S2P. */
    { .name = "nh-all-without-s1", .w0 = QSMMU_CMD_TLBI_NH_ALL,
      .cerror = QSMMU_CERROR_ILL, .stage = "2" },
    { .name = "nh-asid-without-s1",
      .w0 = QSMMU_CMD_TLBI_NH_ASID | 1ULL << 48,
      .cerror = QSMMU_CERROR_ILL, .stage = "2" },
    { .name = "s12-vmall-without-s2", .w0 = QSMMU_CMD_TLBI_S12_VMALL,
      .cerror = QSMMU_CERROR_ILL, .stage = "1" },
    { .name = "s2-ipa-without-s2", .w0 = QSMMU_CMD_TLBI_S2_IPA,
      .w1 = 0x1000, .cerror = QSMMU_CERROR_ILL, .stage = "1" },
    /* IHI 0070 4.3.3, 4.3.4: CFGI_CD(_ALL) need stage 1. */
    { .name = "cfgi-cd-without-s1",
      .w0 = QSMMU_CMD_CFGI_CD | (uint64_t)SID << 32,
      .cerror = QSMMU_CERROR_ILL, .stage = "2",
      .base_bug = "base accepts CFGI_CD without stage 1" },
    { .name = "cfgi-cd-all-without-s1",
      .w0 = QSMMU_CMD_CFGI_CD_ALL | (uint64_t)SID << 32,
      .cerror = QSMMU_CERROR_ILL, .stage = "2",
      .base_bug = "base accepts CFGI_CD_ALL without stage 1" },
};

/*
 * IHI 0070 7.1: the SMMU stops at the bad command with CONS pointing at
 * it, reports CMDQ_CONS.ERR and toggles GERROR.CMDQ_ERR; commands after
 * it wait until software fixes the queue and acknowledges in GERRORN.
 */
static void test_illegal(const void *opaque)
{
    const IllegalCmd *c = opaque;
    uint64_t bad[2] = { c->w0, c->w1 };
    QSMMUCmd sync = { .op = QSMMU_CMD_SYNC };
    uint64_t fixed[2];
    uint32_t bad_idx, gerror;
    QSmmuEnv e;

    qsmmu_env_start(&e, c->stage ?: "nested", 0, NULL);
    if (c->base_bug && qsmmu_skip_on_base(c->base_bug)) {
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_cmd(&e.smmu, &sync);
    bad_idx = e.smmu.cmdq_prod;
    qsmmu_cmd_push_raw(&e.smmu, bad);
    g_assert_cmpuint(qsmmu_sync(&e.smmu), ==, c->cerror);
    g_assert_cmphex(rd(&e, QSMMU_CMDQ_CONS) & 0xfffff, ==, bad_idx);
    gerror = rd(&e, QSMMU_GERROR);
    g_assert_cmphex((gerror ^ rd(&e, QSMMU_GERRORN)) & QSMMU_GERROR_CMDQ_ERR,
                    ==, QSMMU_GERROR_CMDQ_ERR);

    /* Replace the bad command, acknowledge, and the queue drains. */
    qsmmu_cmd_build(&sync, fixed);
    qsmmu_write_words(&e.smmu, e.smmu.cmdq + 16 * bad_idx, fixed, 2);
    wr(&e, QSMMU_GERRORN, gerror);
    wr(&e, QSMMU_CMDQ_PROD, e.smmu.cmdq_prod);
    g_assert_cmphex(rd(&e, QSMMU_CMDQ_CONS) & 0xfffff, ==,
                    e.smmu.cmdq_prod);
    qsmmu_cmd(&e.smmu, &sync);
    qsmmu_env_stop(&e);
}

/* IHI 0070 7.1: a command fetch that aborts gives CERROR_ABT. */
static void test_fetch_abort(void)
{
    QSmmuEnv e;

    qsmmu_env_start(&e, "nested", 0, NULL);
    wr(&e, QSMMU_CR0, QSMMU_CR0_EVENTQEN);
    g_assert_cmphex(rd(&e, QSMMU_CR0ACK), ==, QSMMU_CR0_EVENTQEN);
    qtest_writeq(e.qts, e.smmu.base + QSMMU_CMDQ_BASE, NO_MEMORY | 4);
    wr(&e, QSMMU_CMDQ_PROD, 0);
    wr(&e, QSMMU_CMDQ_CONS, 0);
    qsmmu_enable(&e.smmu, false);
    wr(&e, QSMMU_CMDQ_PROD, 1);
    g_assert_cmpuint(QSMMU_CMDQ_CONS_ERR(rd(&e, QSMMU_CMDQ_CONS)), ==,
                     QSMMU_CERROR_ABT);
    g_assert_cmphex(rd(&e, QSMMU_CMDQ_CONS) & 0x1f, ==, 0);
    g_assert_cmphex((rd(&e, QSMMU_GERROR) ^ rd(&e, QSMMU_GERRORN)) &
                    QSMMU_GERROR_CMDQ_ERR, ==, QSMMU_GERROR_CMDQ_ERR);
    qsmmu_env_stop(&e);
}

/*
 * IHI 0070 7.4: when the event queue is full, further events are lost
 * and EVENTQ_PROD.OVFLG toggles; the records already queued stay, no
 * GERROR is raised, and recording resumes once software made room and
 * acknowledged through EVENTQ_CONS.OVACKFLG.
 */
static void test_eventq_overflow(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    unsigned entries, i;
    uint64_t hole;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (qsmmu_skip_on_base("base drops events on a full queue without "
                           "toggling EVENTQ_PROD.OVFLG and raises "
                           "GERROR.EVENTQ_ABT_ERR")) {
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    qsmmu_enable(&e.smmu, true);
    entries = 1u << e.smmu.evtq_log2;
    /* One page past the two mapped: unmapped, one fault per access. */
    hole = x.data_iova + 0x100000;

    for (i = 0; i < entries + 3; i++) {
        g_assert_false(qsmmu_testdev_dma_read(&e.td, hole + i * 0x1000,
                                              XFER_LEN));
    }
    g_assert_cmphex(rd(&e, QSMMU_EVENTQ_PROD) & QSMMU_Q_OVFLG, ==,
                    QSMMU_Q_OVFLG);
    g_assert_cmphex(rd(&e, QSMMU_GERROR) ^ rd(&e, QSMMU_GERRORN), ==, 0);
    for (i = 0; i < entries; i++) {
        qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                               .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                               .input_addr = hole + i * 0x1000,
                           }, QSMMU_EV_INPUT_ADDR, NULL);
    }
    qsmmu_assert_no_event(&e.smmu);
    g_assert_cmphex(rd(&e, QSMMU_EVENTQ_CONS) & QSMMU_Q_OVFLG, ==,
                    QSMMU_Q_OVFLG);

    g_assert_false(qsmmu_testdev_dma_read(&e.td, hole, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                           .input_addr = hole,
                       }, QSMMU_EV_INPUT_ADDR, NULL);
    qsmmu_env_stop(&e);
}

/*
 * IHI 0070 3.5: PROD and CONS carry a wrap bit above the index; the
 * queue runs round several times and each CMD_SYNC sees CONS reach PROD.
 */
static void test_cmdq_wrap(void)
{
    QSMMUCmd cfgi = { .op = QSMMU_CMD_CFGI_STE, .sid = SID, .leaf = true };
    unsigned entries;
    QSmmuEnv e;

    qsmmu_env_start(&e, "nested", 0, NULL);
    entries = 1u << e.smmu.cmdq_log2;
    for (unsigned i = 0; i < 2 * entries + entries / 2; i += 40) {
        for (int n = 0; n < 39; n++) {
            qsmmu_cmd_push(&e.smmu, &cfgi);
        }
        g_assert_cmpuint(qsmmu_sync(&e.smmu), ==, QSMMU_CERROR_NONE);
    }
    /* Two and a half laps: the wrap bit is back to 0, the index past 0. */
    g_assert_cmphex(e.smmu.cmdq_prod >> e.smmu.cmdq_log2, ==, 0);
    g_assert_cmphex(rd(&e, QSMMU_CMDQ_CONS) & 0xfffff, ==, e.smmu.cmdq_prod);
    qsmmu_env_stop(&e);
}

/* Configuration errors: what to break and the event it must record. */
typedef enum ConfigBreak {
    STE_INVALID,            /* STE.V clear */
    SID_OUT_OF_RANGE,       /* StreamID beyond STRTAB_BASE_CFG.LOG2SIZE */
    STE_FETCH_ABORT,        /* stream table in no memory */
    CD_INVALID,             /* CD.V clear */
    CD_FETCH_ABORT,         /* CD pointer to no memory */
    CD_BIG_ENDIAN,          /* CD.ENDI set, IDR0.TTENDIAN little only */
    STE_S2_AARCH32,         /* STE.S2AA64 clear, IDR0.TTF AArch64 only */
    L1_SPAN_ZERO,           /* 2-level table, the SID's L1 SPAN is 0 */
    STAGE_NOT_IMPLEMENTED,  /* STE.Config enables a stage the SMMU lacks */
} ConfigBreak;

typedef struct ConfigCase {
    const char *name;
    /* Set-up */
    const char *stage;      /* arm-smmuv3.stage; NULL: nested */
    uint8_t split;          /* STRTAB_BASE_CFG.SPLIT; 0: linear */
    uint8_t config;         /* STE.Config; 0: stage 1 */
    ConfigBreak what;
    uint32_t cr2;           /* SMMU_CR2 while the DMA runs */
    /* Expected */
    uint8_t type;           /* 0: no event */
    /* F_*_FETCH: FetchAddr; the other words of the record are 0 */
    bool fetch_record;
    uint64_t fetch_addr;
    const char *base_bug;   /* why the base's model fails it: skip there */
    const char *base_fetch_bug; /* ... fails the record's layout */
} ConfigCase;

/* IHI 0070 6.3.12: C_BAD_STREAMID is recorded only with CR2.RECINVSID */
#define CR2_RECINVSID   (1u << 1)

static const ConfigCase config_cases[] = {
    { .name = "ste-invalid", .what = STE_INVALID,
      .type = QSMMU_EVT_C_BAD_STE },
    { .name = "sid-out-of-range", .what = SID_OUT_OF_RANGE,
      .cr2 = CR2_RECINVSID, .type = QSMMU_EVT_C_BAD_STREAMID },
    { .name = "sid-out-of-range-unrecorded", .what = SID_OUT_OF_RANGE,
      .base_bug = "base records C_BAD_STREAMID whatever CR2.RECINVSID "
                  "says" },
    /* Linear stream table: the STE of SID */
    { .name = "ste-fetch-abort", .what = STE_FETCH_ABORT,
      .type = QSMMU_EVT_F_STE_FETCH, .fetch_record = true,
      .fetch_addr = NO_MEMORY + SID * 64 },
    { .name = "cd-invalid", .what = CD_INVALID, .type = QSMMU_EVT_C_BAD_CD },
    /* CD 0 at S1ContextPtr */
    { .name = "cd-fetch-abort", .what = CD_FETCH_ABORT,
      .type = QSMMU_EVT_F_CD_FETCH, .fetch_record = true,
      .fetch_addr = NO_MEMORY,
      .base_fetch_bug = "base writes F_CD_FETCH's FetchAddr to "
                        "doubleword 2" },
    { .name = "cd-big-endian", .what = CD_BIG_ENDIAN,
      .type = QSMMU_EVT_C_BAD_CD },
    { .name = "l1-span-zero", .split = 6, .what = L1_SPAN_ZERO,
      .cr2 = CR2_RECINVSID, .type = QSMMU_EVT_C_BAD_STREAMID },
    { .name = "s1-on-s2-only-smmu", .stage = "2",
      .config = QSMMU_STE_CFG_S1, .what = STAGE_NOT_IMPLEMENTED,
      .type = QSMMU_EVT_C_BAD_STE },
    { .name = "s2-on-s1-only-smmu", .stage = "1",
      .config = QSMMU_STE_CFG_S2, .what = STAGE_NOT_IMPLEMENTED,
      .type = QSMMU_EVT_C_BAD_STE },
    { .name = "nested-on-s1-only-smmu", .stage = "1",
      .config = QSMMU_STE_CFG_NESTED, .what = STAGE_NOT_IMPLEMENTED,
      .type = QSMMU_EVT_C_BAD_STE },
    { .name = "ste-s2-aarch32", .config = QSMMU_STE_CFG_S2,
      .what = STE_S2_AARCH32, .type = QSMMU_EVT_C_BAD_STE,
      .base_bug = "base aborts QEMU (g_assert_not_reached) on "
                  "STE.S2AA64 == 0" },
};

/*
 * IHI 0070 7.3.4, 7.3.10: F_STE_FETCH and F_CD_FETCH hold the type, the
 * StreamID and FetchAddr[55:3] in doubleword 3; everything else is RES0
 * (no SubstreamID here).
 */
static void check_fetch_record(const ConfigCase *c, const uint32_t raw[8])
{
    if (c->base_fetch_bug && qsmmu_skip_on_base(c->base_fetch_bug)) {
        return;
    }
    g_assert_cmphex(raw[0], ==, c->type);
    g_assert_cmphex(raw[1], ==, SID);
    for (int i = 2; i < 6; i++) {
        g_assert_cmphex(raw[i], ==, 0);
    }
    g_assert_cmphex((uint64_t)raw[7] << 32 | raw[6], ==, c->fetch_addr);
}

static void test_config_error(const void *opaque)
{
    const ConfigCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    uint32_t raw[8];

    qsmmu_env_start(&e, c->stage ?: "nested", c->split, NULL);
    if (c->base_bug && qsmmu_skip_on_base(c->base_bug)) {
        qsmmu_env_stop(&e);
        return;
    }
    if (c->split && QSMMU_IDR0_ST_LEVEL(e.smmu.idr[0]) != 1) {
        g_test_skip("IDR0.ST_LEVEL: no 2-level stream table");
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, c->config ?: QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    switch (c->what) {
    case STE_INVALID:
        x.ste.valid = false;
        qsmmu_xlate_write_ste(&e, &x);
        break;
    case SID_OUT_OF_RANGE:
        /* 16 StreamIDs: 0x10 is the first one outside. */
        wr(&e, QSMMU_STRTAB_BASE_CFG, 4);
        break;
    case STE_FETCH_ABORT:
        qtest_writeq(e.qts, e.smmu.base + QSMMU_STRTAB_BASE, NO_MEMORY);
        break;
    case CD_INVALID:
        x.cd.valid = false;
        qsmmu_xlate_write_cd(&e, &x);
        break;
    case CD_FETCH_ABORT:
        x.ste.s1_ctx_ptr = NO_MEMORY;
        qsmmu_xlate_write_ste(&e, &x);
        break;
    case CD_BIG_ENDIAN:
        /* IHI 0070 5.4: ENDI selecting an unsupported endianness. */
        if (((e.smmu.idr[0] >> 21) & 3) != 2) {
            g_test_skip("IDR0.TTENDIAN allows big-endian tables");
            qsmmu_env_stop(&e);
            return;
        }
        x.cd.endi = true;
        qsmmu_xlate_write_cd(&e, &x);
        break;
    case STE_S2_AARCH32:
        /* IHI 0070 5.2: AArch32 stage-2 tables without IDR0.TTF support. */
        if (((e.smmu.idr[0] >> 2) & 3) != 2) {
            g_test_skip("IDR0.TTF allows AArch32 tables");
            qsmmu_env_stop(&e);
            return;
        }
        x.ste.s2_aa32 = true;
        qsmmu_xlate_write_ste(&e, &x);
        break;
    case STAGE_NOT_IMPLEMENTED:
        /* IHI 0070 5.2: enabling an unimplemented stage is ILLEGAL. */
        g_assert_cmphex(e.smmu.idr[0] & (QSMMU_IDR0_S1P | QSMMU_IDR0_S2P),
                        ==, g_str_equal(c->stage, "1") ? QSMMU_IDR0_S1P
                                                       : QSMMU_IDR0_S2P);
        break;
    case L1_SPAN_ZERO:
        /* IHI 0070 5.1: SPAN 0 marks the whole group's L2 table invalid. */
        qtest_writeq(e.qts, e.smmu.strtab + 8 * (SID >> e.smmu.split),
                     e.smmu.l2_tables[SID >> e.smmu.split]);
        break;
    }
    wr(&e, QSMMU_CR2, c->cr2);
    qsmmu_enable(&e.smmu, true);

    /* The DMA is refused; the event is due unless the case says none. */
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    if (c->type) {
        qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                               .type = c->type, .sid = SID,
                           }, 0, raw);
    }
    if (c->fetch_record) {
        check_fetch_record(c, raw);
    }
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(illegal_cmds); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/cmdq/illegal/%s",
                                                illegal_cmds[i].name);

        qtest_add_data_func(path, &illegal_cmds[i], test_illegal);
    }
    qtest_add_func("/smmuv3/cmdq/fetch-abort", test_fetch_abort);
    qtest_add_func("/smmuv3/cmdq/wrap", test_cmdq_wrap);
    qtest_add_func("/smmuv3/eventq/overflow", test_eventq_overflow);
    for (size_t i = 0; i < ARRAY_SIZE(config_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/config/%s",
                                                config_cases[i].name);

        qtest_add_data_func(path, &config_cases[i], test_config_error);
    }
    return g_test_run();
}
