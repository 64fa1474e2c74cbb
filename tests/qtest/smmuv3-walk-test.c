/*
 * Walker rules of the SMMU engine not covered by the translate/fault
 * suites: concatenated stage-2 start tables, hierarchical (APTable)
 * stage-1 permissions, an external abort on a descriptor fetch, TTB1
 * selection by VA[55] and Top Byte Ignore.  The base's model gets the
 * first two wrong, so they skip there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qemu/bitops.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define SEED            0x3c

/* Descriptor bits, Arm ARM D8.3 */
#define D_TABLE         3ULL            /* valid + table */
#define D_APTABLE_RO    (1ULL << 62)    /* APTable[1]: no writes below */

/* Physical address with nothing behind it: below 44-bit OAS, not RAM */
#define NO_RAM_PA       0x80000000000ULL

static uint64_t idx(uint64_t ia, unsigned shift, unsigned bits)
{
    return (ia >> shift) & ((1ULL << bits) - 1);
}

/*
 * Stage 2 only, 4K granule, 40-bit IPA with S2SL0 = 1: the walk starts at
 * level 1 with two concatenated tables (IPA[39:30] indexes 1024 entries).
 * The IOVA has bit 39 set, so its entry is in the second table.
 */
static void test_s2_concatenated(void)
{
    uint64_t iova = 0x8040203000ULL, other = iova & ~(1ULL << 39);
    QSmmuEnv e;
    QSMMUSte ste = {
        .valid = true, .config = QSMMU_STE_CFG_S2, .s2_vmid = 1,
        .s2_t0sz = 64 - 40, .s2_sl0 = 1, .s2_granule = QSMMU_GRAN_4K,
        .s2_ps = QSMMU_PS_44BIT, .s2_r = true,
    };
    uint64_t l1, l2, l3, data, w[8];

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (qsmmu_skip_on_base("the base's model fails this concatenated walk")) {
        qsmmu_env_stop(&e);
        return;
    }
    l1 = qsmmu_env_alloc(&e, 0x2000, 0x2000);
    l2 = qsmmu_env_alloc(&e, 0x1000, 0x1000);
    l3 = qsmmu_env_alloc(&e, 0x1000, 0x1000);
    data = qsmmu_env_alloc(&e, 0x1000, 0x1000);
    g_assert_cmpuint(idx(iova, 30, 10), >=, 512);

    qtest_writeq(e.qts, l1 + 8 * idx(iova, 30, 10), l2 | D_TABLE);
    qtest_writeq(e.qts, l2 + 8 * idx(iova, 21, 9), l3 | D_TABLE);
    qtest_writeq(e.qts, l3 + 8 * idx(iova, 12, 9),
                 qpt_leaf_desc(true, QSMMU_GRAN_4K, 3, data, QPT_RW));
    ste.s2_ttb = l1;
    qsmmu_ste_build(&ste, w);
    qsmmu_write_ste(&e.smmu, SID, w);
    qsmmu_enable(&e.smmu, true);

    qsmmu_env_pattern(&e, data, XFER_LEN, SEED);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, SEED);
    qsmmu_assert_no_event(&e.smmu);

    /* Same indexes in the first table: nothing mapped there */
    g_assert_false(qsmmu_testdev_dma_read(&e.td, other, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                           .s2 = true, .input_addr = other, .ipa = other,
                       }, QSMMU_EV_S2 | QSMMU_EV_INPUT_ADDR | QSMMU_EV_IPA,
                       NULL);
    qsmmu_env_stop(&e);
}

/*
 * APTable[1] on the level-2 table descriptor makes everything below it
 * read-only even though the leaf allows writes (CD.HAD0 clear).
 */
static void test_s1_aptable(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t slot;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (qsmmu_skip_on_base("the base's model lets this write through")) {
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    slot = qpt_entry_addr(&x.pt1, x.data_iova, 2);
    qtest_writeq(e.qts, slot, qtest_readq(e.qts, slot) | D_APTABLE_RO);
    qsmmu_enable(&e.smmu, true);

    qsmmu_env_pattern(&e, x.data, XFER_LEN, SEED);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, SEED);
    qsmmu_assert_no_event(&e.smmu);

    g_assert_false(qsmmu_testdev_dma_write(&e.td, x.data_iova, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_PERMISSION, .sid = SID,
                           .rnw = false, .input_addr = x.data_iova,
                       }, QSMMU_EV_S2 | QSMMU_EV_RNW | QSMMU_EV_INPUT_ADDR,
                       NULL);
    qsmmu_env_stop(&e);
}

/* A level-2 table descriptor pointing where no memory answers */
static void test_walk_eabt(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t slot;

    qsmmu_env_start(&e, "nested", 0, NULL);
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    slot = qpt_entry_addr(&x.pt1, x.data_iova, 2);
    qtest_writeq(e.qts, slot, NO_RAM_PA | D_TABLE);
    qsmmu_enable(&e.smmu, true);

    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_WALK_EABT, .sid = SID,
                           .rnw = true, .input_addr = x.data_iova,
                       }, QSMMU_EV_S2 | QSMMU_EV_RNW | QSMMU_EV_INPUT_ADDR,
                       NULL);
    qsmmu_env_stop(&e);
}

/* CD.TBI0: a tag in VA[63:56] is ignored; without it the VA faults */
static void test_s1_tbi(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    uint64_t tagged;

    qsmmu_env_start(&e, "nested", 0, NULL);
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    tagged = x.data_iova | (0x5bULL << 56);
    qsmmu_enable(&e.smmu, true);

    g_assert_false(qsmmu_testdev_dma_read(&e.td, tagged, XFER_LEN));
    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_assert_cmphex(ev.type, ==, QSMMU_EVT_F_TRANSLATION);
    g_assert_cmphex(ev.input_addr, ==, tagged);
    while (qsmmu_event_pop(&e.smmu, &ev, NULL)) {
        /* drain */
    }

    x.cd.tbi = 1;                           /* TBI[0]: the TTB0 half */
    qsmmu_xlate_write_cd(&e, &x);
    qsmmu_cmd(&e.smmu, &(QSMMUCmd) { .op = QSMMU_CMD_CFGI_CD_ALL,
                                     .sid = SID });
    qsmmu_env_pattern(&e, x.data, XFER_LEN, SEED);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, tagged, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, SEED);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* VA[55] == 1 walks the TTB1 tables (T1SZ 16, 4K), not TTB0's */
static void test_s1_ttb1(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    QPgtable pt;
    uint64_t va_hi;

    qsmmu_env_start(&e, "nested", 0, NULL);
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    /* The same low 48 bits in the upper half of the address space */
    va_hi = x.data_iova | 0xffff800000000000ULL;
    qpt_init(&pt, e.qts, &e.alloc, false, QSMMU_GRAN_4K, 48, 8, 0);
    qpt_map(&pt, va_hi & MAKE_64BIT_MASK(0, 48), x.data + 0x1000, 3,
            QPT_RW);
    x.cd.ttb1_en = true;
    x.cd.t1sz = 16;
    x.cd.granule1 = QSMMU_GRAN_4K;
    x.cd.ttb1 = qpt_ttb(&pt);
    qsmmu_xlate_write_cd(&e, &x);
    qsmmu_enable(&e.smmu, true);

    qsmmu_env_pattern(&e, x.data + 0x1000, XFER_LEN, SEED);
    qsmmu_env_pattern(&e, x.data, XFER_LEN, SEED + 1);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, va_hi, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, SEED);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, SEED + 1);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3/walk/s2-concatenated", test_s2_concatenated);
    qtest_add_func("/smmuv3/walk/s1-aptable", test_s1_aptable);
    qtest_add_func("/smmuv3/walk/walk-eabt", test_walk_eabt);
    qtest_add_func("/smmuv3/walk/s1-tbi", test_s1_tbi);
    qtest_add_func("/smmuv3/walk/s1-ttb1", test_s1_ttb1);
    return g_test_run();
}
