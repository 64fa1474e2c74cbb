/*
 * SMMUv3 Stall model (IHI 0070 3.12.2, 4.7.1-2, 5.5, 6.3.1): property
 * "stall" and SMMU_IDR0.STALL_MODEL, the CD.S / STE.S1STALLD / STE.S2S
 * legality rules, stalled DMA of smmu-testdev reported with Stall and a
 * STAG, CMD_RESUME retry and abort, CMD_STALL_TERM, SMMUEN going to 0,
 * a full event queue, and migration of an outstanding stall.
 *
 * The base's model has no Stall model: every case skips there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define SLOT2           3
#define SID2            (SLOT2 << 3)
#define XFER_LEN        0x100
#define NO_STALL        "no stall model"

/* SMMU_IDR0.STALL_MODEL (6.3.1) and IDR5.STALL_MAX (6.3.6) */
#define IDR0_STALL_MODEL(v)     (((v) >> 24) & 3)
#define IDR5_STALL_MAX(v)       ((v) >> 16)
/* CD.S, bit 44 (5.4) */
#define CD0_S                   (1ULL << 44)
/* Event record word 2: Stall (bit 31 of doubleword 1) and STAG */
#define EVT_STALL(raw)          (((raw)[2] >> 31) & 1)
#define EVT_STAG(raw)           ((raw)[2] & 0xffff)
/* Commands of 4.7 */
#define CMD_RESUME              0x44
#define CMD_STALL_TERM          0x45
#define RESUME_RETRY            (1ULL << 12)
/* QEMU's MEMTX_DECODE_ERROR: how the device reports a refused DMA */
#define RESULT_DECODE_ERROR     (1u << 1)

static uint32_t td_rd(QSmmuTestdev *t, uint32_t off)
{
    return qpci_io_readl(t->dev, t->bar, off);
}

/*
 * Ring one READ of @len bytes at @iova tagged with @pasid (the PASID
 * register as is); returns STATUS right after.
 */
static uint32_t td_start_read_pasid(QSmmuTestdev *t, uint64_t iova,
                                    uint32_t len, uint32_t pasid)
{
    qpci_io_writeq(t->dev, t->bar, SMMU_TESTDEV_REG_SRC, iova);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_LEN, len);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_OP, SMMU_TESTDEV_OP_READ);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_PASID, pasid);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_DOORBELL, 1);
    return td_rd(t, SMMU_TESTDEV_REG_STATUS);
}

static uint32_t td_start_read(QSmmuTestdev *t, uint64_t iova, uint32_t len)
{
    return td_start_read_pasid(t, iova, len, 0);
}

/*
 * The device acts on a resume in a bottom half: wait (bounded) until it
 * is no longer parked, and return STATUS.
 */
static uint32_t td_wait_unparked(QTestState *qts, QSmmuTestdev *t)
{
    uint32_t st = 0;

    for (int i = 0; i < 1000; i++) {
        st = td_rd(t, SMMU_TESTDEV_REG_STATUS);
        if (!(st & SMMU_TESTDEV_STATUS_STALLED)) {
            break;
        }
        qtest_clock_step(qts, 1000);
    }
    return st;
}

static void stall_cmd(QSmmuEnv *e, uint64_t w0, uint64_t w1)
{
    uint64_t w[2] = { w0, w1 };

    qsmmu_cmd_push_raw(&e->smmu, w);
    g_assert_cmpuint(qsmmu_sync(&e->smmu), ==, QSMMU_CERROR_NONE);
}

static void resume(QSmmuEnv *e, uint32_t sid, uint16_t stag, bool retry)
{
    /* Abort (Ab, bit 13) set for a terminate: TERM_MODEL 1 ignores it */
    stall_cmd(e, CMD_RESUME | (retry ? RESUME_RETRY : 1ULL << 13) |
              (uint64_t)sid << 32, stag);
}

/* Start virt with stall=@model; false (skipped) on the base's model */
static bool stall_start(QSmmuEnv *e, const char *model, const char *more)
{
    g_autofree char *extra = g_strdup_printf("-global arm-smmuv3.stall=%s %s",
                                             model, more ? more : "");

    return qsmmu_env_start_ours(e, "nested", extra, NO_STALL);
}

/* Rewrite x's CD with CD.S as given (QSMMUCd has no S field) */
static void write_cd_s(QSmmuEnv *e, QSmmuXlate *x, bool s)
{
    uint64_t w[8];

    qsmmu_cd_build(&x->cd, w);
    w[0] = s ? w[0] | CD0_S : w[0] & ~CD0_S;
    qsmmu_write_words(&e->smmu, x->cd_pa, w, 8);
}

/* A stage-1 set-up for @sid with CD.S @s and the data page unmapped */
static void s1_setup(QSmmuEnv *e, QSmmuXlate *x, uint32_t sid, bool s)
{
    qsmmu_xlate_defaults(x, QSMMU_STE_CFG_S1, sid);
    qsmmu_xlate_setup(e, x);
    write_cd_s(e, x, s);
    qpt_set_entry(&x->pt1, x->data_iova, 3, 0);
}

/* Map the data page back (stage 1) */
static void s1_map(QSmmuXlate *x)
{
    qpt_map(&x->pt1, x->data_iova, qsmmu_xlate_ipa(x, x->data), 3, QPT_RW);
}

/*
 * Pop the stall record of a READ of @iova by @sid (F_TRANSLATION at
 * stage 1 unless @s2) and return its STAG.
 */
static uint16_t expect_stall(QSmmuEnv *e, uint32_t sid, uint64_t iova,
                             bool s2)
{
    uint32_t raw[8];

    qsmmu_expect_event(&e->smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_TRANSLATION, .sid = sid,
                           .s2 = s2, .class = QSMMU_CLASS_IN, .rnw = true,
                           .input_addr = iova,
                       }, QSMMU_EV_S2 | QSMMU_EV_CLASS | QSMMU_EV_RNW |
                       QSMMU_EV_IND | QSMMU_EV_PNU | QSMMU_EV_INPUT_ADDR,
                       raw);
    g_assert_cmpuint(EVT_STALL(raw), ==, 1);
    return EVT_STAG(raw);
}

static void expect_bad(QSmmuEnv *e, uint8_t type, uint32_t sid)
{
    qsmmu_expect_event(&e->smmu, &(QSMMUEvent) { .type = type, .sid = sid },
                       0, NULL);
}

/* Stall one READ of the main device; returns the STAG it was given */
static uint16_t stall_one(QSmmuEnv *e, QSmmuXlate *x)
{
    uint16_t stag;

    g_assert_cmphex(td_start_read(&e->td, x->data_iova, XFER_LEN), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    stag = expect_stall(e, SID, x->data_iova, false);
    g_assert_cmphex(td_rd(&e->td, SMMU_TESTDEV_REG_STALL_TAG), ==, stag);
    g_assert_cmpuint(td_rd(&e->td, SMMU_TESTDEV_REG_STALL_COUNT), ==, 1);
    qsmmu_assert_no_event(&e->smmu);
    return stag;
}

static void assert_aborted(QSmmuTestdev *t, uint32_t st)
{
    g_assert_cmphex(st, ==, SMMU_TESTDEV_STATUS_DONE);
    g_assert_cmphex(td_rd(t, SMMU_TESTDEV_REG_RESULT), ==,
                    RESULT_DECODE_ERROR);
}

/* 6.3.1: the property picks IDR0.STALL_MODEL; IDR5.STALL_MAX with it */
static void test_idr(const void *opaque)
{
    const char *model = opaque;
    unsigned want = g_str_equal(model, "supported") ? 0 :
                    g_str_equal(model, "none") ? 1 : 2;
    QSmmuEnv e;

    if (!stall_start(&e, model, NULL)) {
        return;
    }
    g_assert_cmpuint(IDR0_STALL_MODEL(e.smmu.idr[0]), ==, want);
    g_assert_cmpuint(IDR5_STALL_MAX(e.smmu.idr[5]), ==, want == 1 ? 0 : 64);
    qsmmu_env_stop(&e);
}

/* The default is the Terminate model only, as before the property */
static void test_idr_default(void)
{
    QSmmuEnv e;

    if (!qsmmu_env_start_ours(&e, "nested", NULL, NO_STALL)) {
        return;
    }
    g_assert_cmpuint(IDR0_STALL_MODEL(e.smmu.idr[0]), ==, 1);
    qsmmu_env_stop(&e);
}

/* A bad value stops QEMU with a clear error */
static void test_bad_value(void)
{
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *err = NULL;
    const char *argv[] = {
        qemu, "-M", "virt,iommu=smmuv3", "-display", "none", "-nodefaults",
        "-S", "-global", "arm-smmuv3.stall=sometimes", NULL,
    };
    int status;

    if (qsmmu_skip_on_base(NO_STALL)) {
        return;
    }
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               &err, &status, NULL));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), !=, 0);
    g_assert_nonnull(strstr(err, "invalid stall 'sometimes'"));
}

/*
 * 3.12.2, 7.3.13: a stage-1 fault with CD.S == 1 stalls: Stall == 1, a
 * STAG, the device parked; CMD_RESUME(Retry) after mapping the page
 * runs the request again and the data arrives.
 */
static void test_retry(const void *opaque)
{
    const char *model = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    uint16_t stag;

    if (!stall_start(&e, model, NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, true);
    qsmmu_enable(&e.smmu, true);
    qsmmu_env_pattern(&e, x.data, XFER_LEN, 0x31);

    stag = stall_one(&e, &x);
    /* Still parked: nothing happens without a resume */
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    s1_map(&x);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_DONE);
    g_assert_cmphex(td_rd(&e.td, SMMU_TESTDEV_REG_RESULT), ==, 0);
    qsmmu_env_check_buf(&e, XFER_LEN, 0x31);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* A retry that faults again stalls again, with a new record */
static void test_retry_faults_again(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint16_t stag, stag2;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, true);
    qsmmu_enable(&e.smmu, true);
    stag = stall_one(&e, &x);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    stag2 = expect_stall(&e, SID, x.data_iova, false);
    g_assert_cmphex(td_rd(&e.td, SMMU_TESTDEV_REG_STALL_TAG), ==, stag2);
    g_assert_cmpuint(td_rd(&e.td, SMMU_TESTDEV_REG_STALL_COUNT), ==, 2);
    resume(&e, SID, stag2, false);
    assert_aborted(&e.td, td_wait_unparked(e.qts, &e.td));
    qsmmu_env_stop(&e);
}

/* 4.7.1: CMD_RESUME(Terminate): the device sees a failed DMA */
static void test_abort(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint16_t stag;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, true);
    qsmmu_enable(&e.smmu, true);
    stag = stall_one(&e, &x);
    /* Even with the page mapped now: terminated, not retried */
    s1_map(&x);
    resume(&e, SID, stag, false);
    assert_aborted(&e.td, td_wait_unparked(e.qts, &e.td));
    /* The STAG is free again: a second resume of it does nothing */
    resume(&e, SID, stag, true);
    qsmmu_assert_no_event(&e.smmu);
    /* The device works again */
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_stop(&e);
}

/* 4.7.1: a RESUME naming no stall (STAG or StreamID) is a no-op */
static void test_resume_unknown(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint16_t stag;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, true);
    qsmmu_enable(&e.smmu, true);
    stag = stall_one(&e, &x);
    s1_map(&x);
    resume(&e, SID, stag + 1, true);
    resume(&e, SID + 1, stag, true);
    resume(&e, SID2, stag, false);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_DONE);
    g_assert_cmphex(td_rd(&e.td, SMMU_TESTDEV_REG_RESULT), ==, 0);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * 3.12.2: STAGs are unique among outstanding stalls; 4.7.2:
 * CMD_STALL_TERM terminates those of one StreamID only.
 */
static void test_two_devices(void)
{
    g_autofree char *dev2 = g_strdup_printf("-device %s,addr=%d.0",
                                            TYPE_SMMU_TESTDEV, SLOT2);
    QSmmuEnv e;
    QSmmuXlate x, x2;
    QSmmuTestdev td2;
    uint16_t stag, stag2;

    if (!stall_start(&e, "supported", dev2)) {
        return;
    }
    qsmmu_testdev_init(&td2, &e.bus.bus, SLOT2);
    s1_setup(&e, &x, SID, true);
    s1_setup(&e, &x2, SID2, true);
    qsmmu_enable(&e.smmu, true);

    stag = stall_one(&e, &x);
    g_assert_cmphex(td_start_read(&td2, x2.data_iova, XFER_LEN), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    stag2 = expect_stall(&e, SID2, x2.data_iova, false);
    g_assert_cmphex(stag2, !=, stag);
    g_assert_cmphex(td_rd(&td2, SMMU_TESTDEV_REG_STALL_TAG), ==, stag2);

    /* The other device's STAG under this StreamID names nothing */
    resume(&e, SID, stag2, false);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    g_assert_cmphex(td_wait_unparked(e.qts, &td2), ==,
                    SMMU_TESTDEV_STATUS_STALLED);

    /* STALL_TERM of the second StreamID: only td2 ends, with an error */
    stall_cmd(&e, CMD_STALL_TERM | (uint64_t)SID2 << 32, 0);
    assert_aborted(&td2, td_wait_unparked(e.qts, &td2));
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_STALLED);

    s1_map(&x);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_DONE);
    g_assert_cmphex(td_rd(&e.td, SMMU_TESTDEV_REG_RESULT), ==, 0);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_testdev_free(&td2);
    qsmmu_env_stop(&e);
}

/* 3.12.1: CD.S == 0 with stall=supported is the Terminate model */
static void test_supported_cd_s0(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint32_t raw[8];

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, false);
    qsmmu_enable(&e.smmu, true);
    assert_aborted(&e.td, td_start_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                           .input_addr = x.data_iova,
                       }, QSMMU_EV_INPUT_ADDR, raw);
    g_assert_cmpuint(EVT_STALL(raw), ==, 0);
    g_assert_cmpuint(td_rd(&e.td, SMMU_TESTDEV_REG_STALL_COUNT), ==, 0);
    qsmmu_env_stop(&e);
}

/*
 * 5.5: CD.S must be 0 with STALL_MODEL 0b01 and 1 with 0b10 (forced),
 * else C_BAD_CD; CD.S 1 under STE.S1STALLD 1 is ILLEGAL too.
 * STE.S1STALLD is ILLEGAL unless STALL_MODEL is 0b00 (C_BAD_STE).
 */
typedef struct LegalCase {
    const char *name;
    const char *model;
    bool cd_s, s1stalld;
    uint8_t event;          /* 0: legal, a plain (unstalled) fault */
} LegalCase;

static const LegalCase legal_cases[] = {
    { "none-cd-s", "none", .cd_s = true, .event = QSMMU_EVT_C_BAD_CD },
    { "forced-cd-s0", "forced", .event = QSMMU_EVT_C_BAD_CD },
    { "supported-s1stalld", "supported", .s1stalld = true },
    { "supported-s1stalld-cd-s", "supported", .cd_s = true, .s1stalld = true,
      .event = QSMMU_EVT_C_BAD_CD },
    { "forced-s1stalld", "forced", .cd_s = true, .s1stalld = true,
      .event = QSMMU_EVT_C_BAD_STE },
    { "none-s1stalld", "none", .s1stalld = true,
      .event = QSMMU_EVT_C_BAD_STE },
};

static void test_legal(const void *opaque)
{
    const LegalCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;

    if (!stall_start(&e, c->model, NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, c->cd_s);
    x.ste.s1_stalld = c->s1stalld;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_enable(&e.smmu, true);
    assert_aborted(&e.td, td_start_read(&e.td, x.data_iova, XFER_LEN));
    if (c->event) {
        expect_bad(&e, c->event, SID);
    } else {
        uint32_t raw[8];

        qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                               .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                           }, 0, raw);
        g_assert_cmpuint(EVT_STALL(raw), ==, 0);
    }
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * 3.12.2: a stage-2 fault stalls with STE.S2S; 5.5: S2S 0 with stage 2
 * is ILLEGAL when stall is forced, S2S 1 when there is no Stall model.
 */
static void test_s2(const void *opaque)
{
    const char *model = opaque;
    bool forced = g_str_equal(model, "forced");
    QSmmuEnv e;
    QSmmuXlate x;
    uint16_t stag;

    if (!stall_start(&e, model, NULL)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S2, SID);
    qsmmu_xlate_setup(&e, &x);
    qpt_set_entry(&x.pt2, x.data_iova, 3, 0);
    qsmmu_env_pattern(&e, x.data, XFER_LEN, 0x52);
    qsmmu_enable(&e.smmu, true);

    /* S2S 0: terminated under supported, C_BAD_STE under forced */
    assert_aborted(&e.td, td_start_read(&e.td, x.data_iova, XFER_LEN));
    expect_bad(&e, forced ? QSMMU_EVT_C_BAD_STE : QSMMU_EVT_F_TRANSLATION,
               SID);

    x.ste.s2_s = true;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_cmd(&e.smmu, &(QSMMUCmd) { .op = QSMMU_CMD_CFGI_STE, .sid = SID });
    g_assert_cmphex(td_start_read(&e.td, x.data_iova, XFER_LEN), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    stag = expect_stall(&e, SID, x.data_iova, true);
    qpt_map(&x.pt2, x.data_iova, x.data, 3, QPT_RW);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_DONE);
    qsmmu_env_check_buf(&e, XFER_LEN, 0x52);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

static void test_s2s_none(void)
{
    QSmmuEnv e;
    QSmmuXlate x;

    if (!stall_start(&e, "none", NULL)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S2, SID);
    qsmmu_xlate_setup(&e, &x);
    x.ste.s2_s = true;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_enable(&e.smmu, true);
    assert_aborted(&e.td, td_start_read(&e.td, x.data_iova, XFER_LEN));
    expect_bad(&e, QSMMU_EVT_C_BAD_STE, SID);
    qsmmu_env_stop(&e);
}

/* 6.3.9.6: SMMUEN 1 -> 0 terminates every stalled transaction */
static void test_smmuen_off(void)
{
    QSmmuEnv e;
    QSmmuXlate x;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, true);
    qsmmu_enable(&e.smmu, true);
    stall_one(&e, &x);
    qsmmu_enable(&e.smmu, false);
    assert_aborted(&e.td, td_wait_unparked(e.qts, &e.td));
    qsmmu_env_stop(&e);
}

/*
 * 3.12.2, 7.2, 7.4: a stall whose record the full queue cannot take is
 * held without one and without an overflow; once the queue has room the
 * transaction is retried as though it had just arrived, which records a
 * new stall if it still faults.
 */
static void test_eventq_full(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint32_t full;
    uint16_t stag;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    full = 1u << e.smmu.evtq_log2;
    s1_setup(&e, &x, SID, true);
    /* Full: PROD one lap ahead of CONS (set while the queue is off) */
    qtest_writel(e.qts, e.smmu.base + QSMMU_CR0, QSMMU_CR0_CMDQEN);
    qtest_writel(e.qts, e.smmu.base + QSMMU_EVENTQ_PROD, full);
    qsmmu_enable(&e.smmu, true);

    g_assert_cmphex(td_start_read(&e.td, x.data_iova, XFER_LEN), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    g_assert_cmphex(qtest_readl(e.qts, e.smmu.base + QSMMU_EVENTQ_PROD), ==,
                    full);
    /* Room again: the device is told to retry, and stalls again */
    qtest_writel(e.qts, e.smmu.base + QSMMU_EVENTQ_CONS, full);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    g_assert_cmpuint(td_rd(&e.td, SMMU_TESTDEV_REG_STALL_COUNT), ==, 2);
    stag = expect_stall(&e, SID, x.data_iova, false);
    g_assert_cmphex(td_rd(&e.td, SMMU_TESTDEV_REG_STALL_TAG), ==, stag);
    s1_map(&x);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_DONE);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* 7.3.1: stall records are never merged, even with STE.MEV */
static void test_no_merge(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint16_t stag, stag2;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, true);
    x.ste.mev = true;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_enable(&e.smmu, true);
    stag = stall_one(&e, &x);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    stag2 = expect_stall(&e, SID, x.data_iova, false);
    g_assert_cmphex(stag2, !=, stag);
    resume(&e, SID, stag2, false);
    assert_aborted(&e.td, td_wait_unparked(e.qts, &e.td));
    qsmmu_env_stop(&e);
}

/* A stall survives migration; the destination's RESUME completes it */
static void test_migrate(void)
{
    const char *extra = "-global arm-smmuv3.stall=supported";
    QSmmuEnv e;
    QSmmuXlate x;
    uint16_t stag;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, true);
    qsmmu_enable(&e.smmu, true);
    qsmmu_env_pattern(&e, x.data, XFER_LEN, 0x6d);
    stag = stall_one(&e, &x);
    qsmmu_env_migrate(&e, "nested", extra);
    x.pt1.qts = x.pt2.qts = e.qts;
    g_assert_cmphex(td_rd(&e.td, SMMU_TESTDEV_REG_STATUS), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    s1_map(&x);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_DONE);
    qsmmu_env_check_buf(&e, XFER_LEN, 0x6d);
    qsmmu_env_stop(&e);
}

/*
 * 7.3.13: a tagged request's stall record carries SSV and the
 * SubstreamID; CD.S of that substream's CD decides.
 */
static void test_ssid(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    QPgtable pt;
    QSMMUCd cd;
    uint64_t cd_table, buf, w[8];
    uint32_t raw[8];
    uint16_t stag;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    qsmmu_testdev_enable_pasid(&e.td, e.qts);
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    /* Four CDs; CD 2 stalls, its tables map nothing yet */
    cd_table = qsmmu_env_alloc(&e, 64 * 4, 64 * 4);
    buf = qsmmu_env_alloc(&e, 0x1000, 0x1000);
    qsmmu_env_pattern(&e, buf, XFER_LEN, 0x5d);
    qpt_init(&pt, e.qts, &e.alloc, false, x.s1_gran, x.s1_ias, 8, 0);
    cd = x.cd;
    cd.ttb0 = qpt_ttb(&pt);
    cd.asid = 12;
    qsmmu_cd_build(&cd, w);
    w[0] |= CD0_S;
    qsmmu_write_words(&e.smmu, cd_table + 64 * 2, w, 8);
    x.ste.s1_ctx_ptr = cd_table;
    x.ste.s1_cdmax = 2;
    x.ste.s1_fmt = 0;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_enable(&e.smmu, true);

    g_assert_cmphex(td_start_read_pasid(&e.td, x.data_iova, XFER_LEN,
                                        SMMU_TESTDEV_PASID_VALID | 2), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                           .ssv = true, .ssid = 2, .class = QSMMU_CLASS_IN,
                           .rnw = true, .input_addr = x.data_iova,
                       }, QSMMU_EV_S2 | QSMMU_EV_CLASS | QSMMU_EV_RNW |
                       QSMMU_EV_IND | QSMMU_EV_PNU | QSMMU_EV_INPUT_ADDR,
                       raw);
    g_assert_cmpuint(EVT_STALL(raw), ==, 1);
    stag = EVT_STAG(raw);
    g_assert_cmphex(td_rd(&e.td, SMMU_TESTDEV_REG_STALL_TAG), ==, stag);
    qpt_map(&pt, x.data_iova, buf, 3, QPT_RW);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_DONE);
    qsmmu_env_check_buf(&e, XFER_LEN, 0x5d);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * 4.3.7, 4.7.2: configuration changes leave a stall alone; its retry
 * sees the new STE, here Config abort, which terminates it silently.
 */
static void test_ste_change(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint16_t stag;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, true);
    qsmmu_enable(&e.smmu, true);
    stag = stall_one(&e, &x);
    x.ste.config = QSMMU_STE_CFG_ABORT;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_cmd(&e.smmu, &(QSMMUCmd) { .op = QSMMU_CMD_CFGI_STE, .sid = SID });
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_STALLED);
    s1_map(&x);
    resume(&e, SID, stag, true);
    assert_aborted(&e.td, td_wait_unparked(e.qts, &e.td));
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * One pci_dma_read() of two pages: the memory core goes on piece by
 * piece after the refusal, which must neither stall again nor record
 * more than the one stall (3.12.2: one record per transaction).
 */
static void test_memcore(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint16_t stag;
    uint32_t st;

    if (!stall_start(&e, "supported", NULL)) {
        return;
    }
    s1_setup(&e, &x, SID, true);
    qsmmu_enable(&e.smmu, true);
    qsmmu_env_pattern(&e, x.data, 0x2000, 0x4e);
    qpci_io_writeq(e.td.dev, e.td.bar, SMMU_TESTDEV_REG_SRC, x.data_iova);
    qpci_io_writel(e.td.dev, e.td.bar, SMMU_TESTDEV_REG_LEN, 0x2000);
    qpci_io_writel(e.td.dev, e.td.bar, SMMU_TESTDEV_REG_OP,
                   SMMU_TESTDEV_OP_READ_MEMCORE);
    qpci_io_writel(e.td.dev, e.td.bar, SMMU_TESTDEV_REG_PASID, 0);
    qpci_io_writel(e.td.dev, e.td.bar, SMMU_TESTDEV_REG_DOORBELL, 1);
    st = td_rd(&e.td, SMMU_TESTDEV_REG_STATUS);
    g_assert_cmphex(st, ==, SMMU_TESTDEV_STATUS_STALLED);
    stag = expect_stall(&e, SID, x.data_iova, false);
    qsmmu_assert_no_event(&e.smmu);
    s1_map(&x);
    resume(&e, SID, stag, true);
    g_assert_cmphex(td_wait_unparked(e.qts, &e.td), ==,
                    SMMU_TESTDEV_STATUS_DONE);
    g_assert_cmphex(td_rd(&e.td, SMMU_TESTDEV_REG_RESULT), ==, 0);
    qsmmu_env_check_buf(&e, 0x2000, 0x4e);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* 4.7.1-2: without the Stall model both commands are CERROR_ILL */
static void test_cmd_ill(void)
{
    QSmmuEnv e;
    uint64_t w[2] = { CMD_RESUME | (uint64_t)SID << 32, 0 };

    if (!stall_start(&e, "none", NULL)) {
        return;
    }
    qsmmu_cmd_push_raw(&e.smmu, w);
    g_assert_cmpuint(qsmmu_sync(&e.smmu), ==, QSMMU_CERROR_ILL);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    static const char *const models[] = { "none", "supported", "forced" };

    g_test_init(&argc, &argv, NULL);
    for (unsigned i = 0; i < ARRAY_SIZE(models); i++) {
        g_autofree char *p = g_strdup_printf("/smmuv3/stall/idr/%s",
                                             models[i]);

        qtest_add_data_func(p, models[i], test_idr);
    }
    qtest_add_func("/smmuv3/stall/idr/default", test_idr_default);
    qtest_add_func("/smmuv3/stall/bad-value", test_bad_value);
    qtest_add_data_func("/smmuv3/stall/retry/supported", "supported",
                        test_retry);
    qtest_add_data_func("/smmuv3/stall/retry/forced", "forced", test_retry);
    qtest_add_func("/smmuv3/stall/retry-faults-again",
                   test_retry_faults_again);
    qtest_add_func("/smmuv3/stall/abort", test_abort);
    qtest_add_func("/smmuv3/stall/resume-unknown", test_resume_unknown);
    qtest_add_func("/smmuv3/stall/two-devices", test_two_devices);
    qtest_add_func("/smmuv3/stall/supported-cd-s0", test_supported_cd_s0);
    for (unsigned i = 0; i < ARRAY_SIZE(legal_cases); i++) {
        g_autofree char *p = g_strdup_printf("/smmuv3/stall/legal/%s",
                                             legal_cases[i].name);

        qtest_add_data_func(p, &legal_cases[i], test_legal);
    }
    qtest_add_data_func("/smmuv3/stall/s2/supported", "supported", test_s2);
    qtest_add_data_func("/smmuv3/stall/s2/forced", "forced", test_s2);
    qtest_add_func("/smmuv3/stall/s2/none", test_s2s_none);
    qtest_add_func("/smmuv3/stall/smmuen-off", test_smmuen_off);
    qtest_add_func("/smmuv3/stall/eventq-full", test_eventq_full);
    qtest_add_func("/smmuv3/stall/no-merge", test_no_merge);
    qtest_add_func("/smmuv3/stall/migrate", test_migrate);
    qtest_add_func("/smmuv3/stall/cmd-ill", test_cmd_ill);
    qtest_add_func("/smmuv3/stall/ssid", test_ssid);
    qtest_add_func("/smmuv3/stall/ste-change", test_ste_change);
    qtest_add_func("/smmuv3/stall/memcore", test_memcore);
    return g_test_run();
}
