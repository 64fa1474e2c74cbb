/*
 * SMMUv3 register interface: identification and reset state.
 *
 * Boots virt with iommu=smmuv3 under qtest, locates the SMMU's MMIO window
 * from the memory tree, and checks what Arm IHI 0070 chapter 6 requires of
 * a nested-capable SMMU out of reset.  Passes on the base's model too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-env.h"

/* Bits [51:5] of the STRTAB/CMDQ/EVENTQ base registers hold the address. */
#define ADDR_MASK       0x000fffffffffffe0ULL

static QTestState *start(const char *extra, uint64_t *base)
{
    QTestState *qts = qtest_initf("-M virt,iommu=smmuv3 -cpu max -nic none %s",
                                  extra ? extra : "");
    g_autofree char *mtree = qtest_hmp(qts, "info mtree");
    g_autofree char *window = NULL;

    /* The SMMU registers one 128 KiB I/O region named after its type. */
    *base = qsmmu_find_base(qts);
    window = g_strdup_printf("%016" PRIx64 "-%016" PRIx64 " ", *base,
                             *base + 0x20000 - 1);
    g_assert_nonnull(strstr(mtree, window));
    return qts;
}

static void test_id_registers(void)
{
    uint64_t base;
    QTestState *qts = start("-global arm-smmuv3.stage=nested", &base);
    uint32_t idr0 = qtest_readl(qts, base + QSMMU_IDR0);
    uint32_t idr1 = qtest_readl(qts, base + QSMMU_IDR1);
    uint32_t idr5 = qtest_readl(qts, base + QSMMU_IDR5);

    /* IHI 0070 6.3.1: nested needs both stages and AArch64 tables. */
    g_assert_true(idr0 & QSMMU_IDR0_S2P);
    g_assert_true(idr0 & QSMMU_IDR0_S1P);
    g_assert_cmpuint((idr0 >> 2) & 3, &, 2);            /* TTF: AArch64 */
    g_assert_cmpuint(QSMMU_IDR0_ST_LEVEL(idr0), !=, 3); /* reserved */

    /* IHI 0070 6.3.2: queues and StreamID space are non-zero sized. */
    g_assert_cmpuint(QSMMU_IDR1_CMDQS(idr1), >, 0);
    g_assert_cmpuint(QSMMU_IDR1_EVENTQS(idr1), >, 0);
    g_assert_cmpuint(QSMMU_IDR1_SIDSIZE(idr1), >, 0);
    g_assert_cmpuint(QSMMU_IDR1_CMDQS(idr1), <=, 19);
    g_assert_cmpuint(QSMMU_IDR1_EVENTQS(idr1), <=, 19);

    /* IHI 0070 6.3.6: at least one granule; OAS a defined encoding. */
    g_assert_cmpuint(idr5 & (QSMMU_IDR5_GRAN4K | QSMMU_IDR5_GRAN16K |
                             QSMMU_IDR5_GRAN64K), !=, 0);
    g_assert_cmpuint(QSMMU_IDR5_OAS(idr5), <=, 6);

    /* IHI 0070 6.3.8: SMMUv3.x architecture revision. */
    g_assert_cmpuint((qtest_readl(qts, base + QSMMU_AIDR) >> 4) & 0xf, ==, 0);
    qtest_quit(qts);
}

static void test_reset_state(void)
{
    uint64_t base;
    QTestState *qts = start(NULL, &base);

    /* IHI 0070 6.3.9-6.3.10: everything disabled, nothing acknowledged. */
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_CR0), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_CR0ACK), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_IRQ_CTRL), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_IRQ_CTRLACK), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_GERROR), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_GERRORN), ==, 0);

    /*
     * IHI 0070 6.3.14: GBPA.UPDATE is clear at reset; this model resets
     * ABORT to 0 (bypass while disabled) and SHCFG to 0b01 (use incoming).
     */
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_GBPA), ==, 0x1000);

    /*
     * Table and queue bases: the address fields come out of reset zeroed
     * and the indexes point at entry 0.  LOG2SIZE is UNKNOWN at reset, so
     * it is not checked (the base's model resets it to the maximum).
     */
    g_assert_cmphex(qtest_readq(qts, base + QSMMU_STRTAB_BASE) & ADDR_MASK,
                    ==, 0);
    g_assert_cmphex(qtest_readq(qts, base + QSMMU_CMDQ_BASE) & ADDR_MASK,
                    ==, 0);
    g_assert_cmphex(qtest_readq(qts, base + QSMMU_EVENTQ_BASE) & ADDR_MASK,
                    ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_CMDQ_PROD), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_CMDQ_CONS), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_EVENTQ_PROD), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_EVENTQ_CONS), ==, 0);
    qtest_quit(qts);
}

static void test_enable_handshake(void)
{
    uint64_t base;
    QTestState *qts = start(NULL, &base);

    /*
     * IHI 0070 6.3.9: CR0ACK follows CR0 once the SMMU has acted on it.
     * Enable the queues (bits 2 and 3) with zero-sized tables: legal, and
     * the acknowledgment must mirror the written value.
     */
    qtest_writel(qts, base + QSMMU_CR0, 0xc);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_CR0), ==, 0xc);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_CR0ACK), ==, 0xc);
    qtest_writel(qts, base + QSMMU_CR0, 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_CR0ACK), ==, 0);
    qtest_quit(qts);
}

/* What one configuration must advertise (IHI 0070 6.3.4, 6.3.8). */
typedef struct IdrCase {
    const char *name;
    const char *stage;
    const char *extra;
    uint32_t aidr;          /* ArchMinorRev */
    bool xnx, fwb;
    const char *base_bug;   /* why the base's model fails it: skip there */
} IdrCase;

#define BASE_V31    "the base says SMMUv3.1 without IDR3.FWB"
#define BASE_NO_FWB "the base has no s2fwb property"


static const IdrCase idr_cases[] = {
    { .name = "nested", .stage = "nested", .aidr = 2, .xnx = true,
      .fwb = true, .base_bug = BASE_V31 },
    { .name = "stage-2", .stage = "2", .aidr = 2, .xnx = true, .fwb = true,
      .base_bug = BASE_V31 },
    /* no stage 2, so no IDR3.FWB, which SMMUv3.2 requires */
    { .name = "stage-1", .stage = "1", .aidr = 1 },
    { .name = "nested-s2fwb-off", .stage = "nested",
      .extra = "-global arm-smmuv3.s2fwb=off", .aidr = 1, .xnx = true,
      .base_bug = BASE_NO_FWB },
};

#define IDR3_BBML(v)    (((v) >> 11) & 3)
#define IDR3_XNX        (1u << 4)
#define IDR3_HAD        (1u << 2)

/*
 * IHI 0070 6.3.8 AIDR names the revision whose mandatory features the
 * SMMU has: 6.3.4 "BBML is 0b01 or 0b10", "RIL is 1" and "FWB is 1" in
 * SMMUv3.2 or later; XNX is mandatory from SMMUv3.1 with stage 2.
 */
static void test_idr_consistent(const void *opaque)
{
    const IdrCase *c = opaque;
    QSmmuEnv e;
    uint32_t idr3, aidr;

    /* The base refuses some of the properties: skip before starting */
    if (c->base_bug && qsmmu_skip_on_base(c->base_bug)) {
        return;
    }
    qsmmu_env_start(&e, c->stage, 0, c->extra);
    idr3 = e.smmu.idr[3];
    aidr = qtest_readl(e.qts, e.smmu.base + QSMMU_AIDR);
    g_test_message("IDR3 0x%x AIDR 0x%x", idr3, aidr);
    g_assert_cmphex(aidr, ==, c->aidr);
    g_assert_cmpuint(IDR3_BBML(idr3), ==, 2);
    g_assert_cmpuint(!!(idr3 & QSMMU_IDR3_RIL), ==, 1);
    g_assert_cmpuint(!!(idr3 & IDR3_HAD), ==, 1);
    g_assert_cmpuint(!!(idr3 & IDR3_XNX), ==, c->xnx);
    g_assert_cmpuint(!!(idr3 & QSMMU_IDR3_FWB), ==, c->fwb);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3/regs/id-registers", test_id_registers);
    qtest_add_func("/smmuv3/regs/reset-state", test_reset_state);
    qtest_add_func("/smmuv3/regs/enable-handshake", test_enable_handshake);
    for (size_t i = 0; i < ARRAY_SIZE(idr_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/regs/idr-version/%s",
                                                idr_cases[i].name);

        qtest_add_data_func(path, &idr_cases[i], test_idr_consistent);
    }
    return g_test_run();
}
