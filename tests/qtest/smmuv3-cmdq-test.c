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
    { "opcode-0x7f", 0x7f, 0, QSMMU_CERROR_ILL },
    { "opcode-0x00", 0x00, 0, QSMMU_CERROR_ILL },
    /* IHI 0070 4.3.1: SSec set on a Non-secure queue. */
    { "cfgi-ste-ssec", QSMMU_CMD_CFGI_STE | 1 << 10 |
      (uint64_t)SID << 32, 0, QSMMU_CERROR_ILL },
    /* IHI 0070 4.4: stage-1 TLBIs need IDR0.S1P, stage-2 ones S2P. */
    { "nh-all-without-s1", QSMMU_CMD_TLBI_NH_ALL, 0, QSMMU_CERROR_ILL, "2" },
    { "nh-asid-without-s1", QSMMU_CMD_TLBI_NH_ASID | 1ULL << 48, 0,
      QSMMU_CERROR_ILL, "2" },
    { "s12-vmall-without-s2", QSMMU_CMD_TLBI_S12_VMALL, 0, QSMMU_CERROR_ILL,
      "1" },
    { "s2-ipa-without-s2", QSMMU_CMD_TLBI_S2_IPA, 0x1000, QSMMU_CERROR_ILL,
      "1" },
    /* IHI 0070 4.3.3, 4.3.4: CFGI_CD(_ALL) need stage 1. */
    { "cfgi-cd-without-s1", QSMMU_CMD_CFGI_CD | (uint64_t)SID << 32, 0,
      QSMMU_CERROR_ILL, "2", "base accepts CFGI_CD without stage 1" },
    { "cfgi-cd-all-without-s1", QSMMU_CMD_CFGI_CD_ALL | (uint64_t)SID << 32,
      0, QSMMU_CERROR_ILL, "2", "base accepts CFGI_CD_ALL without stage 1" },
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

    qsmmu_env_start(&e, c->stage ? c->stage : "nested", 0, NULL);
    if (c->base_bug && qsmmu_is_base_model()) {
        g_test_skip(c->base_bug);
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
    QSMMUEvent ev;
    unsigned entries, i;
    uint64_t hole;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (qsmmu_is_base_model()) {
        g_test_skip("base drops events on a full queue without toggling "
                    "EVENTQ_PROD.OVFLG and raises GERROR.EVENTQ_ABT_ERR");
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
        g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
        g_assert_cmphex(ev.type, ==, QSMMU_EVT_F_TRANSLATION);
        g_assert_cmphex(ev.input_addr, ==, hole + i * 0x1000);
    }
    qsmmu_assert_no_event(&e.smmu);
    g_assert_cmphex(rd(&e, QSMMU_EVENTQ_CONS) & QSMMU_Q_OVFLG, ==,
                    QSMMU_Q_OVFLG);

    g_assert_false(qsmmu_testdev_dma_read(&e.td, hole, XFER_LEN));
    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_assert_cmphex(ev.input_addr, ==, hole);
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
    ConfigBreak what;
    uint8_t type;
    const char *base_bug;   /* why the base's model fails it: skip there */
    const char *stage;      /* arm-smmuv3.stage; NULL: nested */
    uint8_t config;         /* STE.Config; 0: stage 1 */
    uint32_t cr2;           /* SMMU_CR2 while the DMA runs */
} ConfigCase;

/* IHI 0070 6.3.12: C_BAD_STREAMID is recorded only with CR2.RECINVSID */
#define CR2_RECINVSID   (1u << 1)

static const ConfigCase config_cases[] = {
    { "ste-invalid", STE_INVALID, QSMMU_EVT_C_BAD_STE },
    { "sid-out-of-range", SID_OUT_OF_RANGE, QSMMU_EVT_C_BAD_STREAMID,
      .cr2 = CR2_RECINVSID },
    { "sid-out-of-range-unrecorded", SID_OUT_OF_RANGE, 0,
      "base records C_BAD_STREAMID whatever CR2.RECINVSID says" },
    { "ste-fetch-abort", STE_FETCH_ABORT, QSMMU_EVT_F_STE_FETCH },
    { "cd-invalid", CD_INVALID, QSMMU_EVT_C_BAD_CD },
    { "cd-fetch-abort", CD_FETCH_ABORT, QSMMU_EVT_F_CD_FETCH },
    { "cd-big-endian", CD_BIG_ENDIAN, QSMMU_EVT_C_BAD_CD },
    { "l1-span-zero", L1_SPAN_ZERO, QSMMU_EVT_C_BAD_STREAMID,
      .cr2 = CR2_RECINVSID },
    { "s1-on-s2-only-smmu", STAGE_NOT_IMPLEMENTED, QSMMU_EVT_C_BAD_STE,
      NULL, "2", QSMMU_STE_CFG_S1 },
    { "s2-on-s1-only-smmu", STAGE_NOT_IMPLEMENTED, QSMMU_EVT_C_BAD_STE,
      NULL, "1", QSMMU_STE_CFG_S2 },
    { "nested-on-s1-only-smmu", STAGE_NOT_IMPLEMENTED, QSMMU_EVT_C_BAD_STE,
      NULL, "1", QSMMU_STE_CFG_NESTED },
    { "ste-s2-aarch32", STE_S2_AARCH32, QSMMU_EVT_C_BAD_STE,
      "base aborts QEMU (g_assert_not_reached) on STE.S2AA64 == 0" },
};

/*
 * IHI 0070 7.3.4, 7.3.10: F_STE_FETCH and F_CD_FETCH hold the type, the
 * StreamID and FetchAddr[55:3] in doubleword 3; everything else is RES0
 * (no SubstreamID here).
 */
static void check_fetch_record(QSmmuEnv *e, const ConfigCase *c,
                               const uint32_t raw[8])
{
    /* Linear stream table: the STE of SID; CD 0 at S1ContextPtr */
    uint64_t want = c->what == STE_FETCH_ABORT ? NO_MEMORY + SID * 64
                                               : NO_MEMORY;

    if (c->what == CD_FETCH_ABORT && qsmmu_is_base_model()) {
        g_test_skip("base writes F_CD_FETCH's FetchAddr to doubleword 2");
        return;
    }
    g_assert_cmphex(raw[0], ==, c->type);
    g_assert_cmphex(raw[1], ==, SID);
    for (int i = 2; i < 6; i++) {
        g_assert_cmphex(raw[i], ==, 0);
    }
    g_assert_cmphex((uint64_t)raw[7] << 32 | raw[6], ==, want);
}

static void test_config_error(const void *opaque)
{
    const ConfigCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    uint32_t raw[8];
    uint64_t words[8];

    qsmmu_env_start(&e, c->stage ? c->stage : "nested",
                    c->what == L1_SPAN_ZERO ? 6 : 0, NULL);
    if (c->base_bug && qsmmu_is_base_model()) {
        g_test_skip(c->base_bug);
        qsmmu_env_stop(&e);
        return;
    }
    if (c->what == L1_SPAN_ZERO && QSMMU_IDR0_ST_LEVEL(e.smmu.idr[0]) != 1) {
        g_test_skip("IDR0.ST_LEVEL: no 2-level stream table");
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, c->what == STE_S2_AARCH32 ? QSMMU_STE_CFG_S2 :
                             c->config ? c->config : QSMMU_STE_CFG_S1, SID);
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
        qsmmu_cd_build(&x.cd, words);
        words[0] |= 1ULL << 15;
        qsmmu_write_words(&e.smmu, x.cd_pa, words, 8);
        break;
    case STE_S2_AARCH32:
        /* IHI 0070 5.2: AArch32 stage-2 tables without IDR0.TTF support. */
        if (((e.smmu.idr[0] >> 2) & 3) != 2) {
            g_test_skip("IDR0.TTF allows AArch32 tables");
            qsmmu_env_stop(&e);
            return;
        }
        qsmmu_ste_build(&x.ste, words);
        words[2] &= ~(1ULL << 51);
        qsmmu_write_ste(&e.smmu, SID, words);
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
        g_assert_true(qsmmu_event_pop(&e.smmu, &ev, raw));
        g_assert_cmphex(ev.type, ==, c->type);
        g_assert_cmphex(ev.sid, ==, SID);
        g_assert_false(ev.ssv);
    }
    if (c->what == STE_FETCH_ABORT || c->what == CD_FETCH_ABORT) {
        check_fetch_record(&e, c, raw);
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
