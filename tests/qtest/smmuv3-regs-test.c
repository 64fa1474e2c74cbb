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

/* Register offsets, IHI 0070 6.2 (page 0). */
#define IDR0            0x00
#define IDR1            0x04
#define IDR5            0x14
#define AIDR            0x1c
#define CR0             0x20
#define CR0ACK          0x24
#define CR1             0x28
#define CR2             0x2c
#define GBPA            0x44
#define IRQ_CTRL        0x50
#define IRQ_CTRLACK     0x54
#define GERROR          0x60
#define GERRORN         0x64
#define STRTAB_BASE     0x80
#define CMDQ_BASE       0x90
#define CMDQ_PROD       0x98
#define CMDQ_CONS       0x9c
#define EVENTQ_BASE     0xa0
#define EVENTQ_PROD     0x100a8  /* page 1 alias, IHI 0070 6.2 */
#define EVENTQ_CONS     0x100ac

/* Bits [51:5] of the STRTAB/CMDQ/EVENTQ base registers hold the address. */
#define ADDR_MASK       0x000fffffffffffe0ULL

static QTestState *start(const char *extra, uint64_t *base)
{
    QTestState *qts = qtest_initf("-M virt,iommu=smmuv3 -cpu max -nic none %s",
                                  extra ? extra : "");
    g_autofree char *mtree = qtest_hmp(qts, "info mtree");
    g_auto(GStrv) lines = g_strsplit(mtree, "\n", -1);
    bool found = false;

    /* The SMMU registers one 128 KiB I/O region named after its type. */
    for (char **l = lines; *l && !found; l++) {
        uint64_t start, end;
        char name[64];

        if (sscanf(*l, " %" SCNx64 "-%" SCNx64 " (prio %*d, i/o): %63s",
                   &start, &end, name) == 3 &&
            g_str_equal(name, "arm-smmuv3")) {
            g_assert_cmphex(end - start + 1, ==, 0x20000);
            *base = start;
            found = true;
        }
    }
    g_assert_true(found);
    return qts;
}

static void test_id_registers(void)
{
    uint64_t base;
    QTestState *qts = start("-global arm-smmuv3.stage=nested", &base);
    uint32_t idr0 = qtest_readl(qts, base + IDR0);
    uint32_t idr1 = qtest_readl(qts, base + IDR1);
    uint32_t idr5 = qtest_readl(qts, base + IDR5);

    /* IHI 0070 6.3.1: nested needs both stages and AArch64 tables. */
    g_assert_cmpuint(idr0 & 1, ==, 1);                  /* S2P */
    g_assert_cmpuint((idr0 >> 1) & 1, ==, 1);           /* S1P */
    g_assert_cmpuint((idr0 >> 2) & 3, &, 2);            /* TTF: AArch64 */
    g_assert_cmpuint((idr0 >> 27) & 3, !=, 3);          /* ST_LEVEL reserved */

    /* IHI 0070 6.3.2: queues and StreamID space are non-zero sized. */
    g_assert_cmpuint((idr1 >> 21) & 0x1f, >, 0);        /* CMDQS */
    g_assert_cmpuint((idr1 >> 16) & 0x1f, >, 0);        /* EVENTQS */
    g_assert_cmpuint(idr1 & 0x3f, >, 0);                /* SIDSIZE */
    g_assert_cmpuint((idr1 >> 21) & 0x1f, <=, 19);
    g_assert_cmpuint((idr1 >> 16) & 0x1f, <=, 19);

    /* IHI 0070 6.3.6: at least one granule; OAS a defined encoding. */
    g_assert_cmpuint(idr5 & 0x70, !=, 0);               /* GRAN4K/16K/64K */
    g_assert_cmpuint(idr5 & 7, <=, 6);                  /* OAS */

    /* IHI 0070 6.3.8: SMMUv3.x architecture revision. */
    g_assert_cmpuint((qtest_readl(qts, base + AIDR) >> 4) & 0xf, ==, 0);
    qtest_quit(qts);
}

static void test_reset_state(void)
{
    uint64_t base;
    QTestState *qts = start(NULL, &base);

    /* IHI 0070 6.3.9-6.3.10: everything disabled, nothing acknowledged. */
    g_assert_cmphex(qtest_readl(qts, base + CR0), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + CR0ACK), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + IRQ_CTRL), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + IRQ_CTRLACK), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + GERROR), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + GERRORN), ==, 0);

    /*
     * IHI 0070 6.3.14: GBPA.UPDATE is clear at reset; this model resets
     * ABORT to 0 (bypass while disabled) and SHCFG to 0b01 (use incoming).
     */
    g_assert_cmphex(qtest_readl(qts, base + GBPA), ==, 0x1000);

    /*
     * Table and queue bases: the address fields come out of reset zeroed
     * and the indexes point at entry 0.  LOG2SIZE is UNKNOWN at reset, so
     * it is not checked (the base's model resets it to the maximum).
     */
    g_assert_cmphex(qtest_readq(qts, base + STRTAB_BASE) & ADDR_MASK, ==, 0);
    g_assert_cmphex(qtest_readq(qts, base + CMDQ_BASE) & ADDR_MASK, ==, 0);
    g_assert_cmphex(qtest_readq(qts, base + EVENTQ_BASE) & ADDR_MASK, ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + CMDQ_PROD), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + CMDQ_CONS), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + EVENTQ_PROD), ==, 0);
    g_assert_cmphex(qtest_readl(qts, base + EVENTQ_CONS), ==, 0);
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
    qtest_writel(qts, base + CR0, 0xc);
    g_assert_cmphex(qtest_readl(qts, base + CR0), ==, 0xc);
    g_assert_cmphex(qtest_readl(qts, base + CR0ACK), ==, 0xc);
    qtest_writel(qts, base + CR0, 0);
    g_assert_cmphex(qtest_readl(qts, base + CR0ACK), ==, 0);
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
    { "nested", "nested", NULL, 2, true, true, BASE_V31 },
    { "stage-2", "2", NULL, 2, true, true, BASE_V31 },
    /* no stage 2, so no IDR3.FWB, which SMMUv3.2 requires */
    { "stage-1", "1", NULL, 1, false, false },
    { "nested-s2fwb-off", "nested", "-global arm-smmuv3.s2fwb=off", 1,
      true, false, BASE_NO_FWB },
};

#define IDR3_BBML(v)    (((v) >> 11) & 3)
#define IDR3_RIL        (1u << 10)
#define IDR3_FWB        (1u << 8)
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

    if (c->base_bug && !g_strcmp0(g_getenv("FORK_FLAVOUR"), "baseline")) {
        g_test_skip(c->base_bug);
        return;
    }
    qsmmu_env_start(&e, c->stage, 0, c->extra);
    if (c->base_bug && qsmmu_is_base_model()) {
        g_test_skip(c->base_bug);
        qsmmu_env_stop(&e);
        return;
    }
    idr3 = e.smmu.idr[3];
    aidr = qtest_readl(e.qts, e.smmu.base + AIDR);
    g_test_message("IDR3 0x%x AIDR 0x%x", idr3, aidr);
    g_assert_cmphex(aidr, ==, c->aidr);
    g_assert_cmpuint(IDR3_BBML(idr3), ==, 2);
    g_assert_cmpuint(!!(idr3 & IDR3_RIL), ==, 1);
    g_assert_cmpuint(!!(idr3 & IDR3_HAD), ==, 1);
    g_assert_cmpuint(!!(idr3 & IDR3_XNX), ==, c->xnx);
    g_assert_cmpuint(!!(idr3 & IDR3_FWB), ==, c->fwb);
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
