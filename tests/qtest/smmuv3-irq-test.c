/*
 * SMMUv3 interrupt sources (IHI 0070 3.18.2, 4.7.3): an enabled source
 * pulses its own wired output and, when MSIs are implemented and its
 * MSI address is non-zero, also writes its MSI.  CMD_SYNC with
 * CS == SIG_IRQ pulses the CMD_SYNC line whatever MSIAddress holds.
 *
 * The wired lines are seen through virt's GICv3: with the SMMU's SPIs
 * configured edge-triggered, a pulse latches their pending bit.  MSIs
 * are aimed at guest RAM and read back.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100

/* Register fields this file needs beyond libqos (IHI 0070 6.3) */
#define IRQ_CTRL_GERROR     (1u << 0)
#define IRQ_CTRL_EVENTQ     (1u << 2)
#define IDR0_MSI            (1u << 13)
#define SYNC_CS_IRQ         1

/*
 * virt: GICv3 distributor at 0x08000000; the SMMU's lines are SPIs
 * 74..77 (hw/arm/virt.c irqmap VIRT_SMMU) in the order EVTQ, PRIQ,
 * CMD_SYNC, GERROR.
 */
#define GICD_BASE           0x08000000ULL
#define GICD_ISPENDR(n)     (0x200 + 4 * (n))
#define GICD_ICPENDR(n)     (0x280 + 4 * (n))
#define GICD_ICFGR(n)       (0xc00 + 4 * (n))
#define SMMU_INTID(line)    (32 + 74 + (line))
#define LINE_EVTQ           0
#define LINE_CMD_SYNC       2
#define LINE_GERROR         3

static uint32_t rd(QSmmuEnv *e, uint32_t off)
{
    return qtest_readl(e->qts, e->smmu.base + off);
}

static void wr(QSmmuEnv *e, uint32_t off, uint32_t val)
{
    qtest_writel(e->qts, e->smmu.base + off, val);
}

/* Make the SMMU's four SPIs edge-triggered and not pending. */
static void gic_setup(QSmmuEnv *e)
{
    for (int line = 0; line < 4; line++) {
        unsigned id = SMMU_INTID(line);
        uint64_t cfg = GICD_BASE + GICD_ICFGR(id / 16);

        qtest_writel(e->qts, cfg, qtest_readl(e->qts, cfg) |
                                  2u << (2 * (id % 16)));
        qtest_writel(e->qts, GICD_BASE + GICD_ICPENDR(id / 32),
                     1u << (id % 32));
    }
}

/* Was the line pulsed since the last call?  Clears the latch. */
static bool gic_pulsed(QSmmuEnv *e, int line)
{
    unsigned id = SMMU_INTID(line);
    uint32_t bit = 1u << (id % 32);
    bool pending;

    pending = qtest_readl(e->qts, GICD_BASE + GICD_ISPENDR(id / 32)) & bit;
    qtest_writel(e->qts, GICD_BASE + GICD_ICPENDR(id / 32), bit);
    return pending;
}

static bool has_msi(QSmmuEnv *e)
{
    return e->smmu.idr[0] & IDR0_MSI;
}

static void env_start(QSmmuEnv *e)
{
    qsmmu_env_start(e, "nested", 0, "-machine gic-version=3");
    gic_setup(e);
}

/* 4.7.3: the wired CMD_SYNC output with and without an MSI */
static void test_cmd_sync(const void *opaque)
{
    bool with_msi = GPOINTER_TO_INT(opaque);
    QSmmuEnv e;
    uint64_t msi = 0;

    env_start(&e);
    if (with_msi && !has_msi(&e)) {
        g_test_skip("SMMU_IDR0.MSI is 0");
        qsmmu_env_stop(&e);
        return;
    }
    if (with_msi) {
        msi = qsmmu_env_alloc(&e, 4, 4);
    }
    g_assert_false(gic_pulsed(&e, LINE_CMD_SYNC));
    qsmmu_cmd_push(&e.smmu, &(QSMMUCmd) { .op = QSMMU_CMD_SYNC,
                                          .cs = SYNC_CS_IRQ,
                                          .msi_data = 0xc0ffee01,
                                          .msi_addr = msi });
    g_assert_cmpuint(qsmmu_sync(&e.smmu), ==, QSMMU_CERROR_NONE);
    g_assert_true(gic_pulsed(&e, LINE_CMD_SYNC));
    if (with_msi) {
        g_assert_cmphex(qtest_readl(e.qts, msi), ==, 0xc0ffee01);
    }
    g_assert_false(gic_pulsed(&e, LINE_EVTQ));
    g_assert_false(gic_pulsed(&e, LINE_GERROR));
    qsmmu_env_stop(&e);
}

/*
 * Start, and enable one interrupt source (@irq_ctrl): with @with_msi, its
 * MSI aimed at a word of RAM (*@msi) with @data, its IRQ_CFG1 being the
 * register after @cfg0.  False, with the test skipped, without MSIs.
 */
static bool source_start(QSmmuEnv *e, bool with_msi, uint32_t cfg0,
                         uint32_t data, uint32_t irq_ctrl, uint64_t *msi)
{
    env_start(e);
    *msi = 0;
    if (with_msi && !has_msi(e)) {
        g_test_skip("SMMU_IDR0.MSI is 0");
        qsmmu_env_stop(e);
        return false;
    }
    if (with_msi) {
        *msi = qsmmu_env_alloc(e, 4, 4);
        qtest_writeq(e->qts, e->smmu.base + cfg0, *msi);
        wr(e, cfg0 + 8, data);
    }
    wr(e, QSMMU_IRQ_CTRL, irq_ctrl);
    g_assert_cmphex(rd(e, QSMMU_IRQ_CTRLACK), ==, irq_ctrl);
    return true;
}

/* 3.18.2: an event pulses EVTQ and sends the event queue's MSI */
static void test_event(const void *opaque)
{
    bool with_msi = GPOINTER_TO_INT(opaque);
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t msi;

    if (!source_start(&e, with_msi, QSMMU_EVENTQ_IRQ_CFG0, 0xe0e0e0e1,
                      IRQ_CTRL_EVENTQ, &msi)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    qpt_set_entry(&x.pt1, x.data_iova, x.leaf_level, 0);
    qsmmu_enable(&e.smmu, true);

    g_assert_false(gic_pulsed(&e, LINE_EVTQ));
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                       }, 0, NULL);
    g_assert_true(gic_pulsed(&e, LINE_EVTQ));
    if (with_msi) {
        g_assert_cmphex(qtest_readl(e.qts, msi), ==, 0xe0e0e0e1);
    }
    g_assert_false(gic_pulsed(&e, LINE_GERROR));
    qsmmu_env_stop(&e);
}

/* 3.18.2: a new global error pulses GERROR and sends GERROR's MSI */
static void test_gerror(const void *opaque)
{
    bool with_msi = GPOINTER_TO_INT(opaque);
    uint64_t bad[2] = { 0x7f, 0 };          /* an undefined opcode */
    QSmmuEnv e;
    uint64_t msi;

    if (!source_start(&e, with_msi, QSMMU_GERROR_IRQ_CFG0, 0x6e6e6e61,
                      IRQ_CTRL_GERROR, &msi)) {
        return;
    }

    g_assert_false(gic_pulsed(&e, LINE_GERROR));
    qsmmu_cmd_push_raw(&e.smmu, bad);
    g_assert_cmpuint(qsmmu_sync(&e.smmu), ==, QSMMU_CERROR_ILL);
    g_assert_cmphex(rd(&e, QSMMU_GERROR) ^ rd(&e, QSMMU_GERRORN), ==,
                    QSMMU_GERROR_CMDQ_ERR);
    g_assert_true(gic_pulsed(&e, LINE_GERROR));
    if (with_msi) {
        g_assert_cmphex(qtest_readl(e.qts, msi), ==, 0x6e6e6e61);
    }
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_data_func("/smmuv3/irq/cmd-sync/wired", GINT_TO_POINTER(0),
                        test_cmd_sync);
    qtest_add_data_func("/smmuv3/irq/cmd-sync/wired-and-msi",
                        GINT_TO_POINTER(1), test_cmd_sync);
    qtest_add_data_func("/smmuv3/irq/event/wired", GINT_TO_POINTER(0),
                        test_event);
    qtest_add_data_func("/smmuv3/irq/event/wired-and-msi",
                        GINT_TO_POINTER(1), test_event);
    qtest_add_data_func("/smmuv3/irq/gerror/wired", GINT_TO_POINTER(0),
                        test_gerror);
    qtest_add_data_func("/smmuv3/irq/gerror/wired-and-msi",
                        GINT_TO_POINTER(1), test_gerror);
    return g_test_run();
}
