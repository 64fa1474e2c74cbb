/*
 * PCIe PRI on the SMMUv3 (IHI 0070 chapter 8, 4.5.2, 6.3.33-36,
 * 6.3.97-98): the "pri" property and SMMU_IDR0.PRI, Page Requests that
 * smmu-testdev sends through pci_pri_request_page() recorded in the PRI
 * queue, its interrupt (wired and MSI, PRIQ_IRQ_CFG2.LO), CMD_PRI_RESP
 * reaching the device's PRI notifier, the queue overflow with its
 * automatic responses, the automatic Response Failure with the queue
 * disabled or after a write abort, and migration of the registers.
 *
 * The base's model has no PRI: every case skips there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-env.h"
#include "hw/pci/pci_regs.h"

#define SID             QSMMU_TESTDEV_SID
#define BASE_SKIP       "the base's SMMUv3 has no PRI (SMMU_IDR0.PRI 0)"
#define NO_PASID        0xffffffffu

/* IHI 0070 6.3 */
#define IDR0_PRI            (1u << 16)
#define IDR1_PRIQS(v)       (((v) >> 11) & 0x1f)
#define IDR3_PPS            (1u << 5)
#define CR0_PRIQEN          (1u << 1)
#define IRQ_CTRL_PRIQ       (1u << 1)
#define GERROR_PRIQ_ABT     (1u << 3)
#define PRIQ_BASE           0xc0
#define PRIQ_IRQ_CFG0       0xd0
#define PRIQ_IRQ_CFG1       0xd8
#define PRIQ_IRQ_CFG2       0xdc
#define PRIQ_IRQ_CFG2_LO    (1u << 31)
#define PRIQ_PROD           0x100c8
#define PRIQ_CONS           0x100cc
#define OVFLG               (1u << 31)
#define CMD_PRI_RESP        0x41

/* PRI queue record, chapter 8 */
#define PRIQ0_SSID(v)       ((uint64_t)(v) << 32)
#define PRIQ0_PRIV          (1ULL << 58)
#define PRIQ0_EXEC          (1ULL << 59)
#define PRIQ0_READ          (1ULL << 60)
#define PRIQ0_WRITE         (1ULL << 61)
#define PRIQ0_LAST          (1ULL << 62)
#define PRIQ0_SSV           (1ULL << 63)

/* CMD_PRI_RESP Resp (4.5.2) */
#define RESP_FAILURE        0
#define RESP_INVALID        1
#define RESP_SUCCESS        2

/* smmu-testdev's PRI_REQ */
#define REQ_R               SMMU_TESTDEV_PRI_REQ_R
#define REQ_W               SMMU_TESTDEV_PRI_REQ_W
#define REQ_X               SMMU_TESTDEV_PRI_REQ_X
#define REQ_PRIV            SMMU_TESTDEV_PRI_REQ_PRIV
#define REQ_LAST            SMMU_TESTDEV_PRI_REQ_LAST

/* virt: GICv3 distributor; the SMMU's lines are SPIs 74..77, PRIQ second */
#define GICD_BASE           0x08000000ULL
#define GICD_ISPENDR(n)     (0x200 + 4 * (n))
#define GICD_ICPENDR(n)     (0x280 + 4 * (n))
#define GICD_ICFGR(n)       (0xc00 + 4 * (n))
#define PRIQ_INTID          (32 + 74 + 1)

typedef struct Env {
    QSmmuEnv e;
    uint64_t priq;          /* queue memory */
    unsigned log2;
} Env;

static uint32_t rd(Env *v, uint32_t off)
{
    return qtest_readl(v->e.qts, v->e.smmu.base + off);
}

static void wr(Env *v, uint32_t off, uint32_t val)
{
    qtest_writel(v->e.qts, v->e.smmu.base + off, val);
}

static uint32_t td_rd(Env *v, uint32_t off)
{
    return qpci_io_readl(v->e.td.dev, v->e.td.bar, off);
}

static void td_wr(Env *v, uint32_t off, uint32_t val)
{
    qpci_io_writel(v->e.td.dev, v->e.td.bar, off, val);
}

/* Set Enable in the device's PRI capability (extended config space) */
static void enable_pri_cap(Env *v)
{
    uint64_t cap = QSMMU_VIRT_ECAM_BASE + (v->e.td.dev->devfn << 12) +
                   SMMU_TESTDEV_PRI_CAP_OFFSET;

    g_assert_cmphex(qtest_readl(v->e.qts, cap) & 0xffff, ==,
                    PCI_EXT_CAP_ID_PRI);
    qtest_writew(v->e.qts, cap + PCI_PRI_CTRL, PCI_PRI_CTRL_ENABLE);
    g_assert_cmphex(qtest_readw(v->e.qts, cap + PCI_PRI_CTRL), ==,
                    PCI_PRI_CTRL_ENABLE);
}

/* The SMMU's PRIQ SPI edge-triggered and not pending */
static void gic_setup(Env *v)
{
    uint64_t cfg = GICD_BASE + GICD_ICFGR(PRIQ_INTID / 16);

    qtest_writel(v->e.qts, cfg, qtest_readl(v->e.qts, cfg) |
                                2u << (2 * (PRIQ_INTID % 16)));
    qtest_writel(v->e.qts, GICD_BASE + GICD_ICPENDR(PRIQ_INTID / 32),
                 1u << (PRIQ_INTID % 32));
}

/* Was the PRIQ line pulsed since the last call?  Clears the latch. */
static bool priq_pulsed(Env *v)
{
    uint32_t bit = 1u << (PRIQ_INTID % 32);
    bool pending = qtest_readl(v->e.qts, GICD_BASE +
                               GICD_ISPENDR(PRIQ_INTID / 32)) & bit;

    qtest_writel(v->e.qts, GICD_BASE + GICD_ICPENDR(PRIQ_INTID / 32), bit);
    return pending;
}

/*
 * Our model with @extra on virt with a GICv3, a PRI queue of 2^@log2
 * entries enabled with SMMUEN, PRI and PASID enabled in the device; or
 * skip on the base's.
 */
static bool start(Env *v, unsigned log2, const char *extra)
{
    g_autofree char *args = g_strdup_printf("-machine gic-version=3 %s",
                                            extra ? extra : "");

    if (!qsmmu_env_start_ours(&v->e, "nested", args, BASE_SKIP)) {
        return false;
    }
    v->log2 = log2;
    v->priq = qsmmu_env_alloc(&v->e, 16 << log2, MAX(16 << log2, 32));
    qtest_memset(v->e.qts, v->priq, 0, 16 << log2);
    qtest_writeq(v->e.qts, v->e.smmu.base + PRIQ_BASE, v->priq | log2);
    wr(v, PRIQ_PROD, 0);
    wr(v, PRIQ_CONS, 0);
    qsmmu_enable(&v->e.smmu, true);
    wr(v, QSMMU_CR0, rd(v, QSMMU_CR0) | CR0_PRIQEN);
    g_assert_cmphex(rd(v, QSMMU_CR0ACK) & CR0_PRIQEN, ==, CR0_PRIQEN);
    qsmmu_testdev_enable_pasid(&v->e.td, v->e.qts);
    enable_pri_cap(v);
    gic_setup(v);
    return true;
}

static void stop(Env *v)
{
    qsmmu_env_stop(&v->e);
}

/* One Page Request from the device: @pasid NO_PASID for none */
static void ppr(Env *v, uint64_t addr, uint32_t pasid, uint32_t flags,
                uint16_t prgi)
{
    td_wr(v, SMMU_TESTDEV_REG_PASID, pasid == NO_PASID ? 0 :
          SMMU_TESTDEV_PASID_VALID | pasid);
    qpci_io_writeq(v->e.td.dev, v->e.td.bar, SMMU_TESTDEV_REG_PRI_ADDR, addr);
    td_wr(v, SMMU_TESTDEV_REG_PRI_REQ, SMMU_TESTDEV_PRI_REQ_GO | flags |
          (uint32_t)prgi << SMMU_TESTDEV_PRI_REQ_PRGI_SHIFT);
    g_assert_cmpuint(td_rd(v, SMMU_TESTDEV_REG_PRI_STATUS), ==,
                     SMMU_TESTDEV_PRI_ST_SENT);
}

/* The record at queue index @idx */
static void expect_record(Env *v, unsigned idx, uint64_t w0, uint64_t w1)
{
    uint64_t at = v->priq + 16 * idx;

    g_assert_cmphex(qtest_readq(v->e.qts, at), ==, w0);
    g_assert_cmphex(qtest_readq(v->e.qts, at + 8), ==, w1);
}

/* No PRG Response since the last check */
static void expect_no_resp(Env *v)
{
    g_assert_cmpuint(td_rd(v, SMMU_TESTDEV_REG_PRI_RESP_COUNT), ==, 0);
}

/* Exactly one PRG Response since the last check, as given; clears it */
static void expect_resp(Env *v, uint32_t code, uint16_t prgi, uint32_t pasid)
{
    g_assert_cmpuint(td_rd(v, SMMU_TESTDEV_REG_PRI_RESP_COUNT), ==, 1);
    g_assert_cmphex(td_rd(v, SMMU_TESTDEV_REG_PRI_RESP_CODE), ==, code);
    g_assert_cmphex(td_rd(v, SMMU_TESTDEV_REG_PRI_RESP_PRGI), ==, prgi);
    g_assert_cmphex(td_rd(v, SMMU_TESTDEV_REG_PRI_RESP_PASID), ==, pasid);
    td_wr(v, SMMU_TESTDEV_REG_PRI_RESP_COUNT, 0);
}

/* CMD_PRI_RESP (4.5.2) then CMD_SYNC: CMDQ_CONS.ERR */
static uint32_t pri_resp(Env *v, bool ssv, uint32_t ssid, uint16_t prgi,
                         unsigned resp)
{
    uint64_t w[2] = {
        CMD_PRI_RESP | (uint64_t)ssv << 11 | (uint64_t)ssid << 12 |
        (uint64_t)SID << 32,
        prgi | (uint64_t)resp << 12,
    };

    qsmmu_cmd_push_raw(&v->e.smmu, w);
    return qsmmu_sync(&v->e.smmu);
}

/* ---- SMMU_IDR0.PRI, IDR1.PRIQS, IDR3.PPS (6.3.1, 6.3.2, 6.3.4) ---- */

typedef struct IdrCase {
    const char *name;
    const char *stage;          /* nested: -M virt; 1, 2: -M virt-9.0 */
    const char *extra;
    bool want;
} IdrCase;

static const IdrCase idr_cases[] = {
    { "default-virt", "nested", NULL, true },
    { "on", "nested", "-global arm-smmuv3.pri=on", true },
    { "off", "nested", "-global arm-smmuv3.pri=off", false },
    /* auto follows ats */
    { "ats-off", "nested", "-global arm-smmuv3.ats=off", false },
    /* the compat properties of virt 10.1 and older */
    { "default-virt-9.0", "1", NULL, false },
    { "ats-on-virt-9.0", "1", "-global arm-smmuv3.ats=on", false },
    { "on-virt-9.0", "1",
      "-global arm-smmuv3.ats=on -global arm-smmuv3.pri=on", true },
    /* stage 2 only: no SubstreamIDs, so IDR3.PPS is RES0 */
    { "stage2", "2", "-global arm-smmuv3.ats=on -global arm-smmuv3.pri=on",
      true },
};

static void test_idr(const void *opaque)
{
    const IdrCase *c = opaque;
    QSmmuEnv e;

    if (!qsmmu_env_start_ours(&e, c->stage, c->extra ? c->extra : "",
                              BASE_SKIP)) {
        return;
    }
    g_assert_cmphex(e.smmu.idr[0] & IDR0_PRI, ==, c->want ? IDR0_PRI : 0);
    g_assert_cmpuint(IDR1_PRIQS(e.smmu.idr[1]), ==, c->want ? 19 : 0);
    g_assert_cmphex(e.smmu.idr[3] & IDR3_PPS, ==,
                    c->want && strcmp(c->stage, "2") ? IDR3_PPS : 0);
    /* 6.3.9, 6.3.16, 6.3.33: RES0 without PRI */
    qtest_writel(e.qts, e.smmu.base + QSMMU_CR0, CR0_PRIQEN);
    g_assert_cmphex(qtest_readl(e.qts, e.smmu.base + QSMMU_CR0ACK), ==,
                    c->want ? CR0_PRIQEN : 0);
    qtest_writel(e.qts, e.smmu.base + QSMMU_CR0, 0);
    qtest_writel(e.qts, e.smmu.base + QSMMU_IRQ_CTRL, IRQ_CTRL_PRIQ);
    g_assert_cmphex(qtest_readl(e.qts, e.smmu.base + QSMMU_IRQ_CTRLACK), ==,
                    c->want ? IRQ_CTRL_PRIQ : 0);
    qtest_writel(e.qts, e.smmu.base + QSMMU_IRQ_CTRL, 0);
    qtest_writeq(e.qts, e.smmu.base + PRIQ_BASE, 0x40001000 | 3);
    g_assert_cmphex(qtest_readq(e.qts, e.smmu.base + PRIQ_BASE), ==,
                    c->want ? 0x40001000 | 3 : 0);
    qsmmu_env_stop(&e);
}

/* pri=on without ATS is refused: PRI follows a Translation Request */
static void test_pri_needs_ats(void)
{
    g_autofree char *cmd = NULL;
    g_autofree char *out = NULL;
    const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
    int status;

    if (qsmmu_skip_on_base(BASE_SKIP)) {
        return;
    }
    /* QMP on stdin quits a QEMU that starts */
    cmd = g_strdup_printf("printf '%%s\\n' '{\"execute\": "
                          "\"qmp_capabilities\"}' '{\"execute\": "
                          "\"quit\"}' | %s -M virt,iommu=smmuv3 -S "
                          "-display none -nodefaults -qmp stdio "
                          "-global arm-smmuv3.ats=off "
                          "-global arm-smmuv3.pri=on 2>&1",
                          qtest_qemu_binary(NULL));
    argv[2] = cmd;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL,
                               &out, NULL, &status, NULL));
    g_assert_nonnull(strstr(out, "pri=on needs ats=on"));
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
}

/* ---- Records (chapter 8) ---- */

static void test_record(void)
{
    Env v;

    if (!start(&v, 3, NULL)) {
        return;
    }
    /* no PASID: SSV 0, and X and Priv 0 whatever was asked */
    ppr(&v, 0x123456789abcULL, NO_PASID, REQ_R | REQ_X | REQ_PRIV, 5);
    expect_record(&v, 0, SID | PRIQ0_READ, 0x123456789000ULL | 5);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 1);
    /* with PASID 7: every bit, the highest PRG index */
    ppr(&v, 0xfff0000042000ULL, 7,
        REQ_R | REQ_W | REQ_X | REQ_PRIV | REQ_LAST, 0x1ff);
    expect_record(&v, 1, SID | PRIQ0_SSID(7) | PRIQ0_SSV | PRIQ0_PRIV |
                  PRIQ0_EXEC | PRIQ0_READ | PRIQ0_WRITE | PRIQ0_LAST,
                  0xfff0000042000ULL | 0x1ff);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 2);
    /* a Stop Marker (PASID, L = 1, R = W = 0) is recorded as it came */
    ppr(&v, 0, 7, REQ_LAST, 3);
    expect_record(&v, 2, SID | PRIQ0_SSID(7) | PRIQ0_SSV | PRIQ0_LAST, 3);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 3);
    /* queued requests get no automatic response; no event either */
    expect_no_resp(&v);
    qsmmu_assert_no_event(&v.e.smmu);
    /* the queue wraps: 8 entries, PROD's wrap bit is bit 3 */
    wr(&v, PRIQ_CONS, 3);
    for (int i = 0; i < 6; i++) {
        ppr(&v, 0x1000 * i, NO_PASID, REQ_W, i);
    }
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 8 | 1);
    expect_record(&v, 0, SID | PRIQ0_WRITE, 0x5000 | 5);
    stop(&v);
}

/* ---- The PRI queue interrupt (3.18.2, 6.3.36) ---- */

static void test_irq(const void *opaque)
{
    bool with_msi = GPOINTER_TO_INT(opaque);
    uint64_t msi = 0;
    Env v;

    if (!start(&v, 3, NULL)) {
        return;
    }
    if (with_msi) {
        msi = qsmmu_env_alloc(&v.e, 4, 4);
        qtest_writel(v.e.qts, msi, 0);
        qtest_writeq(v.e.qts, v.e.smmu.base + PRIQ_IRQ_CFG0, msi);
        wr(&v, PRIQ_IRQ_CFG1, 0x5a5a0001);
    }
    wr(&v, QSMMU_IRQ_CTRL, IRQ_CTRL_PRIQ);
    g_assert_false(priq_pulsed(&v));

    /* LO 0: when the queue goes from empty to non-empty only */
    ppr(&v, 0x1000, NO_PASID, REQ_R, 1);
    g_assert_true(priq_pulsed(&v));
    if (with_msi) {
        g_assert_cmphex(qtest_readl(v.e.qts, msi), ==, 0x5a5a0001);
        qtest_writel(v.e.qts, msi, 0);
    }
    ppr(&v, 0x2000, NO_PASID, REQ_R | REQ_LAST, 1);
    g_assert_false(priq_pulsed(&v));
    wr(&v, PRIQ_CONS, 2);
    ppr(&v, 0x3000, NO_PASID, REQ_R, 2);
    g_assert_true(priq_pulsed(&v));

    /* LO 1: for each Last == 1 request, empty or not */
    wr(&v, QSMMU_IRQ_CTRL, 0);
    wr(&v, PRIQ_IRQ_CFG2, PRIQ_IRQ_CFG2_LO);
    g_assert_cmphex(rd(&v, PRIQ_IRQ_CFG2), ==, PRIQ_IRQ_CFG2_LO);
    wr(&v, QSMMU_IRQ_CTRL, IRQ_CTRL_PRIQ);
    wr(&v, PRIQ_CONS, 3);
    ppr(&v, 0x4000, NO_PASID, REQ_R, 3);
    g_assert_false(priq_pulsed(&v));
    ppr(&v, 0x5000, NO_PASID, REQ_R | REQ_LAST, 3);
    g_assert_true(priq_pulsed(&v));
    if (with_msi) {
        g_assert_cmphex(qtest_readl(v.e.qts, msi), ==, 0x5a5a0001);
    }

    /* PRIQ_IRQEN 0: nothing */
    wr(&v, QSMMU_IRQ_CTRL, 0);
    ppr(&v, 0x6000, NO_PASID, REQ_R | REQ_LAST, 4);
    g_assert_false(priq_pulsed(&v));
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 6);
    stop(&v);
}

/* ---- CMD_PRI_RESP (4.5.2, 8.3) ---- */

static void test_resp(void)
{
    Env v;

    if (!start(&v, 3, NULL)) {
        return;
    }
    /* the device listens once it sent a request, here with PASID 9 */
    ppr(&v, 0x7000, 9, REQ_R | REQ_LAST, 0x42);
    expect_no_resp(&v);

    g_assert_cmpuint(pri_resp(&v, false, 0, 0x42, RESP_SUCCESS), ==,
                     QSMMU_CERROR_NONE);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_SUCCESS, 0x42, NO_PASID);
    g_assert_cmpuint(pri_resp(&v, false, 0, 0x1ff, RESP_INVALID), ==,
                     QSMMU_CERROR_NONE);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_INVALID, 0x1ff, NO_PASID);
    g_assert_cmpuint(pri_resp(&v, false, 0, 0, RESP_FAILURE), ==,
                     QSMMU_CERROR_NONE);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_FAILURE, 0, NO_PASID);
    /* SSV: the response carries the PASID, the device's receiver for it */
    g_assert_cmpuint(pri_resp(&v, true, 9, 0x42, RESP_SUCCESS), ==,
                     QSMMU_CERROR_NONE);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_SUCCESS, 0x42, 9);
    /* a PASID the device has no receiver for reaches the function's */
    g_assert_cmpuint(pri_resp(&v, true, 10, 7, RESP_SUCCESS), ==,
                     QSMMU_CERROR_NONE);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_SUCCESS, 7, NO_PASID);
    /* another StreamID: not this device */
    {
        uint64_t w[2] = { CMD_PRI_RESP | (uint64_t)(SID + 1) << 32,
                          RESP_SUCCESS << 12 };

        qsmmu_cmd_push_raw(&v.e.smmu, w);
        g_assert_cmpuint(qsmmu_sync(&v.e.smmu), ==, QSMMU_CERROR_NONE);
    }
    expect_no_resp(&v);

    /* Resp 0b11 is ILLEGAL */
    g_assert_cmpuint(pri_resp(&v, false, 0, 1, 3), ==, QSMMU_CERROR_ILL);
    expect_no_resp(&v);
    stop(&v);
}

/* IGNORED while SMMUEN is 0 (4.5.2) */
static void test_resp_smmuen0(void)
{
    Env v;

    if (!start(&v, 3, NULL)) {
        return;
    }
    ppr(&v, 0x7000, NO_PASID, REQ_R | REQ_LAST, 1);
    qsmmu_enable(&v.e.smmu, false);
    g_assert_cmpuint(pri_resp(&v, false, 0, 1, RESP_SUCCESS), ==,
                     QSMMU_CERROR_NONE);
    expect_no_resp(&v);
    stop(&v);
}

/* pri=off: CMD_PRI_RESP is ILLEGAL, the device's request goes nowhere */
static void test_pri_off(void)
{
    Env v;

    if (!qsmmu_env_start_ours(&v.e, "nested", "-global arm-smmuv3.pri=off",
                              BASE_SKIP)) {
        return;
    }
    qsmmu_enable(&v.e.smmu, true);
    qsmmu_testdev_enable_pasid(&v.e.td, v.e.qts);
    enable_pri_cap(&v);
    qpci_io_writeq(v.e.td.dev, v.e.td.bar, SMMU_TESTDEV_REG_PRI_ADDR, 0x1000);
    td_wr(&v, SMMU_TESTDEV_REG_PRI_REQ, SMMU_TESTDEV_PRI_REQ_GO | REQ_R |
          REQ_LAST);
    g_assert_cmpuint(td_rd(&v, SMMU_TESTDEV_REG_PRI_STATUS), ==,
                     SMMU_TESTDEV_PRI_ST_REFUSED);
    g_assert_cmpuint(pri_resp(&v, false, 0, 0, RESP_SUCCESS), ==,
                     QSMMU_CERROR_ILL);
    expect_no_resp(&v);
    stop(&v);
}

/* ---- Overflow (8.1) ---- */

static void test_overflow(void)
{
    Env v;

    if (!start(&v, 1, NULL)) {
        return;
    }
    wr(&v, PRIQ_IRQ_CFG2, PRIQ_IRQ_CFG2_LO);
    wr(&v, QSMMU_IRQ_CTRL, IRQ_CTRL_PRIQ);
    ppr(&v, 0x1000, NO_PASID, REQ_R, 1);
    ppr(&v, 0x2000, NO_PASID, REQ_R, 1);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 2);     /* full: wrap, index 0 */
    g_assert_false(priq_pulsed(&v));

    /* Last == 0 on a full queue: overflow, silently ignored */
    ppr(&v, 0x3000, NO_PASID, REQ_R, 1);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, OVFLG | 2);
    expect_no_resp(&v);
    g_assert_false(priq_pulsed(&v));
    /*
     * Last == 1 during overflow: discarded, automatic Success with the
     * request's PASID (IDR3.PPS 1), and the LO interrupt.
     */
    ppr(&v, 0x4000, 5, REQ_W | REQ_LAST, 0x77);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_SUCCESS, 0x77, 5);
    g_assert_true(priq_pulsed(&v));
    ppr(&v, 0x4000, NO_PASID, REQ_W | REQ_LAST, 0x78);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_SUCCESS, 0x78, NO_PASID);
    g_assert_true(priq_pulsed(&v));
    /* a Stop Marker is discarded without a response */
    ppr(&v, 0, 5, REQ_LAST, 0x79);
    expect_no_resp(&v);
    /* the records before the overflow are intact */
    expect_record(&v, 0, SID | PRIQ0_READ, 0x1000 | 1);
    expect_record(&v, 1, SID | PRIQ0_READ, 0x2000 | 1);

    /* space alone does not end the overflow: nothing is written */
    wr(&v, PRIQ_CONS, 2);
    ppr(&v, 0x5000, NO_PASID, REQ_R | REQ_LAST, 2);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_SUCCESS, 2, NO_PASID);
    g_assert_true(priq_pulsed(&v));
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, OVFLG | 2);
    expect_record(&v, 0, SID | PRIQ0_READ, 0x1000 | 1);

    /* acknowledged (OVACKFLG = OVFLG): recorded again */
    wr(&v, PRIQ_CONS, OVFLG | 2);
    ppr(&v, 0x6000, NO_PASID, REQ_R | REQ_LAST, 3);
    expect_no_resp(&v);
    g_assert_true(priq_pulsed(&v));
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, OVFLG | 3);
    expect_record(&v, 0, SID | PRIQ0_READ | PRIQ0_LAST, 0x6000 | 3);
    stop(&v);
}

/* ---- Automatic Response Failure (8.2) ---- */

typedef struct OffCase {
    const char *name;
    bool smmuen, priqen;
} OffCase;

static const OffCase off_cases[] = {
    { "priqen0", true, false },
    /* SMMUEN 0 makes the effective PRIQEN 0 */
    { "smmuen0", false, true },
};

static void test_disabled(const void *opaque)
{
    const OffCase *c = opaque;
    Env v;

    if (!start(&v, 3, NULL)) {
        return;
    }
    wr(&v, QSMMU_IRQ_CTRL, IRQ_CTRL_PRIQ);
    qsmmu_enable(&v.e.smmu, c->smmuen);
    wr(&v, QSMMU_CR0, rd(&v, QSMMU_CR0) | (c->priqen ? CR0_PRIQEN : 0));
    /* every request, Last or not, without the PASID; nothing written */
    ppr(&v, 0x1000, NO_PASID, REQ_R, 0x11);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_FAILURE, 0x11, NO_PASID);
    ppr(&v, 0x2000, 6, REQ_R | REQ_LAST, 0x12);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_FAILURE, 0x12, NO_PASID);
    /* no response to a Stop Marker */
    ppr(&v, 0, 6, REQ_LAST, 0x13);
    expect_no_resp(&v);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 0);
    g_assert_cmphex(qtest_readq(v.e.qts, v.priq), ==, 0);
    g_assert_false(priq_pulsed(&v));
    stop(&v);
}

/* A queue on device registers: PRIQ_ABT_ERR and Response Failure */
static void test_abort(void)
{
    Env v;
    uint32_t gerror;

    if (!start(&v, 3, NULL)) {
        return;
    }
    wr(&v, QSMMU_CR0, rd(&v, QSMMU_CR0) & ~CR0_PRIQEN);
    /* the SMMU's own register frame */
    qtest_writeq(v.e.qts, v.e.smmu.base + PRIQ_BASE, v.e.smmu.base | 3);
    wr(&v, QSMMU_CR0, rd(&v, QSMMU_CR0) | CR0_PRIQEN);
    gerror = rd(&v, QSMMU_GERROR);
    ppr(&v, 0x1000, 4, REQ_R, 0x21);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_FAILURE, 0x21, NO_PASID);
    g_assert_cmphex(rd(&v, QSMMU_GERROR) ^ gerror, ==, GERROR_PRIQ_ABT);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 0);
    /* while PRIQ_ABT_ERR is active: Failure, no write attempted */
    wr(&v, QSMMU_CR0, rd(&v, QSMMU_CR0) & ~CR0_PRIQEN);
    qtest_writeq(v.e.qts, v.e.smmu.base + PRIQ_BASE, v.priq | 3);
    wr(&v, QSMMU_CR0, rd(&v, QSMMU_CR0) | CR0_PRIQEN);
    ppr(&v, 0x2000, NO_PASID, REQ_R, 0x22);
    expect_resp(&v, SMMU_TESTDEV_PRI_RESP_FAILURE, 0x22, NO_PASID);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 0);
    /* acknowledged: recorded */
    wr(&v, QSMMU_GERRORN, rd(&v, QSMMU_GERROR));
    ppr(&v, 0x3000, NO_PASID, REQ_R, 0x23);
    expect_no_resp(&v);
    expect_record(&v, 0, SID | PRIQ0_READ, 0x3000 | 0x23);
    stop(&v);
}

/* ---- Registers guarded by PRIQEN / PRIQ_IRQEN, and migration ---- */

static void test_regs_migrate(void)
{
    Env v;
    uint64_t base;

    if (!start(&v, 3, NULL)) {
        return;
    }
    base = v.priq | 3;
    /* 6.3.33, 6.3.97: ignored while PRIQEN is 1 */
    qtest_writeq(v.e.qts, v.e.smmu.base + PRIQ_BASE, 0x40002000 | 4);
    wr(&v, PRIQ_PROD, 5);
    g_assert_cmphex(qtest_readq(v.e.qts, v.e.smmu.base + PRIQ_BASE), ==,
                    base);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 0);
    /* 6.3.34-36: ignored while PRIQ_IRQEN is 1 */
    qtest_writeq(v.e.qts, v.e.smmu.base + PRIQ_IRQ_CFG0, 0x40003004);
    wr(&v, PRIQ_IRQ_CFG1, 0x1234);
    wr(&v, PRIQ_IRQ_CFG2, PRIQ_IRQ_CFG2_LO | 0xffff);
    wr(&v, QSMMU_IRQ_CTRL, IRQ_CTRL_PRIQ);
    qtest_writeq(v.e.qts, v.e.smmu.base + PRIQ_IRQ_CFG0, 0x40005000);
    wr(&v, PRIQ_IRQ_CFG1, 0x9999);
    g_assert_cmphex(qtest_readq(v.e.qts, v.e.smmu.base + PRIQ_IRQ_CFG0), ==,
                    0x40003004);
    g_assert_cmphex(rd(&v, PRIQ_IRQ_CFG1), ==, 0x1234);
    g_assert_cmphex(rd(&v, PRIQ_IRQ_CFG2), ==, PRIQ_IRQ_CFG2_LO | 0x3f);
    ppr(&v, 0x1000, NO_PASID, REQ_R, 1);
    wr(&v, PRIQ_CONS, OVFLG | 1);

    qsmmu_env_migrate(&v.e, "nested", "-machine gic-version=3");
    g_assert_cmphex(qtest_readq(v.e.qts, v.e.smmu.base + PRIQ_BASE), ==,
                    base);
    g_assert_cmphex(rd(&v, PRIQ_PROD), ==, 1);
    g_assert_cmphex(rd(&v, PRIQ_CONS), ==, OVFLG | 1);
    g_assert_cmphex(qtest_readq(v.e.qts, v.e.smmu.base + PRIQ_IRQ_CFG0), ==,
                    0x40003004);
    g_assert_cmphex(rd(&v, PRIQ_IRQ_CFG1), ==, 0x1234);
    g_assert_cmphex(rd(&v, PRIQ_IRQ_CFG2), ==, PRIQ_IRQ_CFG2_LO | 0x3f);
    g_assert_cmphex(rd(&v, QSMMU_CR0ACK) & CR0_PRIQEN, ==, CR0_PRIQEN);
    stop(&v);
}

#define ADD_CASES(prefix, table, fn)                                        \
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {                      \
        g_autofree char *path = g_strdup_printf("/smmuv3/pri/" prefix "/%s", \
                                                table[i].name);             \
        qtest_add_data_func(path, &table[i], fn);                           \
    }

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD_CASES("idr", idr_cases, test_idr);
    qtest_add_func("/smmuv3/pri/idr/needs-ats", test_pri_needs_ats);
    qtest_add_func("/smmuv3/pri/record", test_record);
    qtest_add_data_func("/smmuv3/pri/irq/wired", GINT_TO_POINTER(0),
                        test_irq);
    qtest_add_data_func("/smmuv3/pri/irq/msi", GINT_TO_POINTER(1), test_irq);
    qtest_add_func("/smmuv3/pri/resp/codes", test_resp);
    qtest_add_func("/smmuv3/pri/resp/smmuen0", test_resp_smmuen0);
    qtest_add_func("/smmuv3/pri/resp/pri-off", test_pri_off);
    qtest_add_func("/smmuv3/pri/overflow", test_overflow);
    ADD_CASES("disabled", off_cases, test_disabled);
    qtest_add_func("/smmuv3/pri/abort", test_abort);
    qtest_add_func("/smmuv3/pri/regs-migrate", test_regs_migrate);
    return g_test_run();
}
