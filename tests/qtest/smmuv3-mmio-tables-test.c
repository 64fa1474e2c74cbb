/*
 * SMMUv3 structures placed on device registers instead of memory.
 *
 * The SMMU reads its stream table, context descriptors, translation
 * tables and command queue, and writes its event queue, as memory
 * (IHI 0070 3.4.3: SMMU-originated accesses).  A guest may point any of
 * them at a device's registers -- the SMMU's own frame, another
 * device's, or the requesting device's -- and this model refuses such
 * accesses (they could need the BQL while the SMMU's lock is held).
 * Each refusal must give the architected abort outcome and leave the
 * SMMU working:
 *   stream table / L1STD: F_STE_FETCH (7.3.4), CD: F_CD_FETCH (7.3.10),
 *   table walk: F_WALK_EABT (7.3.11), event queue: GERROR.EVENTQ_ABT_ERR
 *   (7.2), command queue: CERROR_ABT (7.1).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
/* A page of the SMMU's register frame that holds no register. */
#define SMMU_HOLE       0x4000
/* virt's PL061 GPIO controller (hw/arm/virt.c memmap VIRT_GPIO). */
#define VIRT_GPIO_BASE  0x09030000ULL
#define FETCH_ADDR_MASK 0x000ffffffffffff8ULL

/* F_STE_FETCH / F_CD_FETCH: FetchAddr in doubleword 3 (7.3.4, 7.3.10) */
#define CFG_FETCH_ADDR_DW   3

/* FetchAddr[51:3] of a raw record, from doubleword dw */
static uint64_t record_fetch_addr(const uint32_t raw[8], unsigned dw)
{
    return ((uint64_t)raw[2 * dw + 1] << 32 | raw[2 * dw]) & FETCH_ADDR_MASK;
}

typedef enum Where {
    SMMU_REGS,              /* the SMMU's own register frame */
    GPIO_REGS,              /* another device's registers */
    TESTDEV_REGS,           /* the requesting device's own BAR0 */
} Where;

typedef enum What {
    STRTAB,                 /* linear stream table */
    L1STD,                  /* level-1 table of a 2-level stream table */
    CD,                     /* STE.S1ContextPtr */
    S1_TABLE,               /* CD.TTB0 */
    S2_TABLE,               /* STE.S2TTB */
    EVENTQ,                 /* EVENTQ_BASE */
    CMDQ,                   /* CMDQ_BASE */
} What;

typedef struct MmioCase {
    const char *name;
    uint8_t split;          /* STRTAB_BASE_CFG.SPLIT; 0: linear */
    uint8_t config;         /* STE.Config; 0: stage 1 */
    What what;
    Where where;
} MmioCase;

static const MmioCase cases[] = {
    { .name = "strtab-on-smmu-regs", .what = STRTAB, .where = SMMU_REGS },
    { .name = "strtab-on-gpio-regs", .what = STRTAB, .where = GPIO_REGS },
    { .name = "strtab-on-testdev-regs", .what = STRTAB,
      .where = TESTDEV_REGS },
    { .name = "l1std-on-smmu-regs", .split = 6, .what = L1STD,
      .where = SMMU_REGS },
    { .name = "cd-on-smmu-regs", .what = CD, .where = SMMU_REGS },
    { .name = "cd-on-gpio-regs", .what = CD, .where = GPIO_REGS },
    { .name = "s1-table-on-smmu-regs", .what = S1_TABLE, .where = SMMU_REGS },
    { .name = "s1-table-on-gpio-regs", .what = S1_TABLE, .where = GPIO_REGS },
    { .name = "s2-table-on-smmu-regs", .config = QSMMU_STE_CFG_S2,
      .what = S2_TABLE, .where = SMMU_REGS },
    { .name = "eventq-on-smmu-regs", .what = EVENTQ, .where = SMMU_REGS },
    { .name = "eventq-on-testdev-regs", .what = EVENTQ,
      .where = TESTDEV_REGS },
    { .name = "cmdq-on-smmu-regs", .what = CMDQ, .where = SMMU_REGS },
    { .name = "cmdq-on-gpio-regs", .what = CMDQ, .where = GPIO_REGS },
};

static uint32_t rd(QSmmuEnv *e, uint32_t off)
{
    return qtest_readl(e->qts, e->smmu.base + off);
}

static void wr(QSmmuEnv *e, uint32_t off, uint32_t val)
{
    qtest_writel(e->qts, e->smmu.base + off, val);
}

static uint64_t mmio_addr(QSmmuEnv *e, Where where)
{
    switch (where) {
    case SMMU_REGS:
        return e->smmu.base + SMMU_HOLE;
    case GPIO_REGS:
        return VIRT_GPIO_BASE;
    case TESTDEV_REGS:
        return e->td.bar.addr;
    }
    g_assert_not_reached();
}

static uint32_t gerror_active(QSmmuEnv *e)
{
    return rd(e, QSMMU_GERROR) ^ rd(e, QSMMU_GERRORN);
}

/* The SMMU still runs commands and translates after the refusal. */
static void check_still_works(QSmmuEnv *e, QSmmuXlate *x, bool translates)
{
    qsmmu_cmd(&e->smmu, &(QSMMUCmd) { .op = QSMMU_CMD_CFGI_STE,
                                      .sid = SID, .leaf = true });
    if (translates) {
        qsmmu_env_pattern(e, x->data, XFER_LEN, 0x5a);
        g_assert_true(qsmmu_testdev_dma_read(&e->td, x->data_iova,
                                             XFER_LEN));
        qsmmu_env_check_buf(e, XFER_LEN, 0x5a);
    }
}

/* The DMA is refused with one event of @type; returns its raw record. */
static void expect_refused(QSmmuEnv *e, QSmmuXlate *x, uint8_t type,
                           uint32_t raw[8])
{
    g_assert_false(qsmmu_testdev_dma_read(&e->td, x->data_iova, XFER_LEN));
    qsmmu_expect_event(&e->smmu, &(QSMMUEvent) { .type = type, .sid = SID },
                       0, raw);
    qsmmu_assert_no_event(&e->smmu);
}

static void test_mmio(const void *opaque)
{
    const MmioCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    uint32_t raw[8];
    uint64_t mmio, at;

    qsmmu_env_start(&e, "nested", c->split, NULL);
    if (qsmmu_skip_on_base("the base's model reads and writes its "
                           "structures on device registers like memory")) {
        qsmmu_env_stop(&e);
        return;
    }
    mmio = mmio_addr(&e, c->where);
    qsmmu_xlate_defaults(&x, c->config ?: QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);

    switch (c->what) {
    case STRTAB:
    case L1STD:
        qtest_writeq(e.qts, e.smmu.base + QSMMU_STRTAB_BASE, mmio);
        qsmmu_enable(&e.smmu, true);
        expect_refused(&e, &x, QSMMU_EVT_F_STE_FETCH, raw);
        /* The STE of SID, or the L1STD of its group (index 0) */
        at = c->what == STRTAB ? mmio + 64 * SID : mmio;
        g_assert_cmphex(record_fetch_addr(raw, CFG_FETCH_ADDR_DW), ==, at);
        check_still_works(&e, &x, false);
        break;
    case CD:
        x.ste.s1_ctx_ptr = mmio;
        qsmmu_xlate_write_ste(&e, &x);
        qsmmu_enable(&e.smmu, true);
        expect_refused(&e, &x, QSMMU_EVT_F_CD_FETCH, raw);
        g_assert_cmphex(record_fetch_addr(raw, CFG_FETCH_ADDR_DW), ==, mmio);
        check_still_works(&e, &x, false);
        break;
    case S1_TABLE:
        x.cd.ttb0 = mmio;
        qsmmu_xlate_write_cd(&e, &x);
        qsmmu_enable(&e.smmu, true);
        expect_refused(&e, &x, QSMMU_EVT_F_WALK_EABT, raw);
        /* The level-0 descriptor the IOVA selects: 4K granule, 48 bits */
        at = mmio + 8 * ((x.data_iova >> 39) & 0x1ff);
        g_assert_cmphex(record_fetch_addr(raw, 3), ==, at);
        check_still_works(&e, &x, false);
        break;
    case S2_TABLE:
        x.ste.s2_ttb = mmio;
        qsmmu_xlate_write_ste(&e, &x);
        qsmmu_enable(&e.smmu, true);
        expect_refused(&e, &x, QSMMU_EVT_F_WALK_EABT, raw);
        /* Somewhere in the (up to 16 concatenated) start tables */
        at = record_fetch_addr(raw, 3);
        g_assert_cmphex(at, >=, mmio);
        g_assert_cmphex(at, <, mmio + 16 * 0x1000);
        g_assert_cmphex((raw[3] >> 7) & 1, ==, 1);     /* S2 */
        check_still_works(&e, &x, false);
        break;
    case EVENTQ:
        /* 6.3.29: EVENTQ_BASE is only written while the queue is off */
        wr(&e, QSMMU_CR0, QSMMU_CR0_CMDQEN);
        qtest_writeq(e.qts, e.smmu.base + QSMMU_EVENTQ_BASE,
                     mmio | e.smmu.evtq_log2);
        wr(&e, QSMMU_EVENTQ_PROD, 0);
        wr(&e, QSMMU_EVENTQ_CONS, 0);
        qsmmu_enable(&e.smmu, true);
        g_assert_cmphex(gerror_active(&e), ==, 0);
        /* Break the leaf: the fault's record cannot be written */
        qpt_set_entry(&x.pt1, x.data_iova, x.leaf_level, 0);
        g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova,
                                              XFER_LEN));
        g_assert_cmphex(gerror_active(&e), ==, QSMMU_GERROR_EVENTQ_ABT);
        g_assert_cmphex(rd(&e, QSMMU_EVENTQ_PROD), ==, 0);
        qsmmu_cmd(&e.smmu, &(QSMMUCmd) { .op = QSMMU_CMD_SYNC });
        break;
    case CMDQ:
        wr(&e, QSMMU_CR0, QSMMU_CR0_EVENTQEN);
        qtest_writeq(e.qts, e.smmu.base + QSMMU_CMDQ_BASE,
                     mmio | e.smmu.cmdq_log2);
        wr(&e, QSMMU_CMDQ_PROD, 0);
        wr(&e, QSMMU_CMDQ_CONS, 0);
        qsmmu_enable(&e.smmu, true);
        wr(&e, QSMMU_CMDQ_PROD, 1);
        g_assert_cmpuint(QSMMU_CMDQ_CONS_ERR(rd(&e, QSMMU_CMDQ_CONS)), ==,
                         QSMMU_CERROR_ABT);
        g_assert_cmphex(rd(&e, QSMMU_CMDQ_CONS) & 0xfffff, ==, 0);
        g_assert_cmphex(gerror_active(&e), ==, QSMMU_GERROR_CMDQ_ERR);
        /* Translation is unaffected */
        qsmmu_env_pattern(&e, x.data, XFER_LEN, 0x33);
        g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
        qsmmu_env_check_buf(&e, XFER_LEN, 0x33);
        break;
    }
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/mmio-tables/%s",
                                                cases[i].name);

        qtest_add_data_func(path, &cases[i], test_mmio);
    }
    return g_test_run();
}
