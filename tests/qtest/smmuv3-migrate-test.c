/*
 * Migration under traffic: half of a sequence of translated DMAs runs on
 * the source, the machine migrates to a second QEMU with events pending
 * in the event queue and commands held behind a command error, and the
 * destination must continue exactly where the source stopped: the same
 * registers, the same pending event records, the queued commands consumed
 * once the error is acknowledged, and the second half of the DMAs landing
 * through the same translation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-env.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define STEP            0x1000
#define STEPS           (QSMMU_XLATE_DATA_SIZE / STEP)
#define XFER_LEN        0x400
#define FAULTS          2
#define ILLEGAL_OPCODE  0x7f            /* no command has it, IHI 0070 4.1 */

/* What the destination must report as the source did */
static const uint32_t regs32[] = {
    0x00, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x1c,   /* IDR0-5, AIDR */
    0x20, 0x24, 0x28, 0x2c,                     /* CR0, CR0ACK, CR1, CR2 */
    0x44, 0x50, 0x54,                           /* GBPA, IRQ_CTRL(ACK) */
    0x60, 0x64,                                 /* GERROR, GERRORN */
    0x88, 0x98, 0x9c, 0x100a8, 0x100ac,         /* STRTAB_BASE_CFG, queues */
};
static const uint32_t regs64[] = { 0x80, 0x90, 0xa0 };

typedef struct MigrateCase {
    const char *name;
    uint8_t config;
    const char *stage;
    uint8_t split;
} MigrateCase;

static const MigrateCase cases[] = {
    { "s1", QSMMU_STE_CFG_S1, "1", 0 },
    { "s2", QSMMU_STE_CFG_S2, "2", 0 },
    { "nested", QSMMU_STE_CFG_NESTED, "nested", 0 },
    { "nested/2-level", QSMMU_STE_CFG_NESTED, "nested", 6 },
};

static uint8_t seed_of(int step)
{
    return 0x40 + step;
}

/* DMA step i: read page i of the data, write it back one page further. */
static void dma_step(QSmmuEnv *e, QSmmuXlate *x, int i)
{
    uint64_t off = (uint64_t)i * STEP;

    qsmmu_env_pattern(e, x->data + off, XFER_LEN, seed_of(i));
    g_assert_true(qsmmu_testdev_dma_read(&e->td, x->data_iova + off,
                                         XFER_LEN));
    qsmmu_env_check_buf(e, XFER_LEN, seed_of(i));
    g_assert_true(qsmmu_testdev_dma_write(&e->td,
                                          x->data_iova + off + XFER_LEN,
                                          XFER_LEN));
    qsmmu_env_check_pattern(e, x->data + off + XFER_LEN, XFER_LEN,
                            seed_of(i));
}

/* Faulting DMAs: IOVAs past the mapped data, one per fault. */
static uint64_t fault_iova(QSmmuXlate *x, int k)
{
    return x->data_iova + QSMMU_XLATE_DATA_SIZE + 0x200000ULL * (k + 1);
}

static void snapshot(QSmmuEnv *e, uint64_t *out)
{
    size_t n = 0;

    for (size_t i = 0; i < ARRAY_SIZE(regs32); i++) {
        out[n++] = qtest_readl(e->qts, e->smmu.base + regs32[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(regs64); i++) {
        out[n++] = qtest_readq(e->qts, e->smmu.base + regs64[i]);
    }
}

/* An illegal command at the queue's end stops it there (IHI 0070 7.1) */
static uint32_t make_command_error(QSmmuEnv *e, const QSMMUCmd *after)
{
    uint64_t bad[2] = { ILLEGAL_OPCODE };
    uint32_t bad_idx = e->smmu.cmdq_prod;

    qsmmu_cmd_push_raw(&e->smmu, bad);
    if (after) {
        qsmmu_cmd_push(&e->smmu, after);
    }
    g_assert_cmpuint(qsmmu_sync(&e->smmu), ==, QSMMU_CERROR_ILL);
    return bad_idx;
}

/* Replace the bad command with a sync and acknowledge: the queue drains. */
static void fix_command_error(QSmmuEnv *e, uint32_t bad_idx)
{
    QSMMUCmd sync = { .op = QSMMU_CMD_SYNC };
    uint64_t fixed[2];

    g_assert_cmphex(qtest_readl(e->qts, e->smmu.base + QSMMU_CMDQ_CONS) &
                    0xfffff, ==, bad_idx);
    qsmmu_cmd_build(&sync, fixed);
    qsmmu_write_words(&e->smmu, e->smmu.cmdq + 16 * bad_idx, fixed, 2);
    qtest_writel(e->qts, e->smmu.base + QSMMU_GERRORN,
                 qtest_readl(e->qts, e->smmu.base + QSMMU_GERROR));
    qtest_writel(e->qts, e->smmu.base + QSMMU_CMDQ_PROD, e->smmu.cmdq_prod);
    g_assert_cmphex(qtest_readl(e->qts, e->smmu.base + QSMMU_CMDQ_CONS) &
                    0xfffff, ==, e->smmu.cmdq_prod);
}

static void test_migrate(const void *opaque)
{
    const MigrateCase *c = opaque;
    uint64_t before[ARRAY_SIZE(regs32) + ARRAY_SIZE(regs64)];
    uint64_t after[ARRAY_SIZE(before)];
    QSMMUCmd tlbi = { .op = QSMMU_CMD_TLBI_NSNH_ALL };
    QSMMUCmd sync = { .op = QSMMU_CMD_SYNC };
    uint32_t bad_idx;
    QSMMUEvent ev;
    QSmmuXlate x;
    QSmmuEnv e;

    qsmmu_env_start(&e, c->stage, c->split, NULL);
    if (c->split && QSMMU_IDR0_ST_LEVEL(e.smmu.idr[0]) != 1) {
        g_test_skip("IDR0.ST_LEVEL: no 2-level stream table");
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, c->config, SID);
    qsmmu_xlate_setup(&e, &x);
    qsmmu_enable(&e.smmu, true);

    /* First half of the traffic, then events left in the queue. */
    for (int i = 0; i < STEPS / 2; i++) {
        dma_step(&e, &x, i);
    }
    for (int k = 0; k < FAULTS; k++) {
        g_assert_false(qsmmu_testdev_dma_read(&e.td, fault_iova(&x, k), 64));
    }
    /*
     * A command error holds a TLBI and a sync behind the bad command; an
     * earlier error, fixed and acknowledged, leaves GERRORN non-zero.
     */
    fix_command_error(&e, make_command_error(&e, NULL));
    bad_idx = make_command_error(&e, &tlbi);
    snapshot(&e, before);

    qsmmu_env_migrate(&e, c->stage, NULL);
    x.pt1.qts = x.pt2.qts = e.qts;

    snapshot(&e, after);
    for (size_t i = 0; i < ARRAY_SIZE(before); i++) {
        g_test_message("register %zu: 0x%" PRIx64, i, after[i]);
        g_assert_cmphex(after[i], ==, before[i]);
    }
    for (int k = 0; k < FAULTS; k++) {
        g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
        g_assert_cmphex(ev.type, ==, QSMMU_EVT_F_TRANSLATION);
        g_assert_cmphex(ev.sid, ==, SID);
        g_assert_cmphex(ev.input_addr, ==, fault_iova(&x, k));
    }
    qsmmu_assert_no_event(&e.smmu);

    /* The held commands run once the error is fixed and acknowledged. */
    fix_command_error(&e, bad_idx);

    /* Second half of the traffic, through the same translation. */
    for (int i = STEPS / 2; i < STEPS; i++) {
        dma_step(&e, &x, i);
    }
    qsmmu_cmd(&e.smmu, &sync);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *name =
            g_strdup_printf("/smmuv3/migrate/traffic/%s", cases[i].name);

        qtest_add_data_func(name, &cases[i], test_migrate);
    }
    return g_test_run();
}
