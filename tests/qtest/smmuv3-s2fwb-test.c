/*
 * Stage-2 forced write-back (IHI 0070 6.3.4 SMMU_IDR3.FWB, 5.2 STE.S2FWB).
 *
 * QEMU does not model cacheability, so FWB shows only where the stage-2
 * memory type decides an outcome: STE.S2PTW makes a stage-1 table walk
 * that lands on stage-2 Device memory a stage-2 permission fault, and
 * whether a MemAttr encoding means Device depends on S2FWB (Arm ARM
 * D8.6: with FWB, MemAttr[2] == 0 is Device; without, MemAttr[3:2] == 0).
 * The base's model has no FWB, so everything here skips there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define SEED            0x5a
#define MEMATTR_SHIFT   2
#define MEMATTR_MASK    (0xfULL << MEMATTR_SHIFT)
#define BASE_SKIP       "the base's model has no SMMU_IDR3.FWB"

typedef struct IdrCase {
    const char *stage;
    const char *extra;
    bool fwb;
} IdrCase;

static const IdrCase idr_cases[] = {
    { .stage = "nested", .fwb = true },
    { .stage = "2", .fwb = true },
    /* without stage 2 there is no stage-2 attribute to force */
    { .stage = "1", .fwb = false },
    { .stage = "nested", .extra = "-global arm-smmuv3.s2fwb=off",
      .fwb = false },
};

static void test_idr(const void *opaque)
{
    const IdrCase *c = opaque;
    QSmmuEnv e;

    if (!qsmmu_env_start_ours(&e, c->stage, c->extra, BASE_SKIP)) {
        return;
    }
    g_assert_cmpuint(!!(e.smmu.idr[3] & QSMMU_IDR3_FWB), ==, c->fwb);
    qsmmu_env_stop(&e);
}

typedef struct WalkCase {
    const char *name;
    const char *extra;          /* device options */
    bool s2fwb;                 /* STE.S2FWB */
    bool s2ptw;                 /* STE.S2PTW */
    uint8_t memattr;            /* S2 MemAttr of the stage-1 root table */
    bool faults;
} WalkCase;

static const WalkCase walk_cases[] = {
    /* 0b1000: Normal (outer write-through) without FWB, Device with it */
    { .name = "normal-without-fwb", .s2ptw = true, .memattr = 0x8 },
    { .name = "device-with-fwb", .s2fwb = true, .s2ptw = true,
      .memattr = 0x8, .faults = true },
    /* 0b0111 with FWB: the stage-1 attributes (Normal for walks) stand */
    { .name = "as-stage1-with-fwb", .s2fwb = true, .s2ptw = true,
      .memattr = 0x7 },
    /* 0b0101: Normal non-cacheable either way */
    { .name = "normal-nc-with-fwb", .s2fwb = true, .s2ptw = true,
      .memattr = 0x5 },
    { .name = "device-without-fwb", .s2ptw = true, .memattr = 0x1,
      .faults = true },
    /* S2PTW clear: the memory type of a walk is never checked */
    { .name = "device-without-ptw", .s2fwb = true, .memattr = 0x8 },
    /* SMMU_IDR3.FWB == 0: STE.S2FWB is RES0, so 0b1000 stays Normal */
    { .name = "s2fwb-res0-when-off", .extra = "-global arm-smmuv3.s2fwb=off",
      .s2fwb = true, .s2ptw = true, .memattr = 0x8 },
};

static void test_walk(const void *opaque)
{
    const WalkCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t root_ipa, slot, desc;

    if (!qsmmu_env_start_ours(&e, "nested", c->extra, BASE_SKIP)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_NESTED, SID);
    qsmmu_xlate_setup(&e, &x);
    x.ste.s2_fwb = c->s2fwb;
    x.ste.s2_ptw = c->s2ptw;
    qsmmu_xlate_write_ste(&e, &x);

    root_ipa = qpt_ttb(&x.pt1);
    slot = qpt_entry_addr(&x.pt2, root_ipa, 3);
    desc = qtest_readq(e.qts, slot);
    desc = (desc & ~MEMATTR_MASK) | (uint64_t)c->memattr << MEMATTR_SHIFT;
    qtest_writeq(e.qts, slot, desc);
    qsmmu_enable(&e.smmu, true);

    qsmmu_env_pattern(&e, x.data, XFER_LEN, SEED);
    if (!c->faults) {
        g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
        qsmmu_env_check_buf(&e, XFER_LEN, SEED);
        qsmmu_assert_no_event(&e.smmu);
        qsmmu_env_stop(&e);
        return;
    }
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_PERMISSION, .sid = SID,
                           .s2 = true, .class = QSMMU_CLASS_TT, .rnw = true,
                           .input_addr = x.data_iova, .ipa = root_ipa,
                       },
                       QSMMU_EV_S2 | QSMMU_EV_CLASS | QSMMU_EV_RNW |
                       QSMMU_EV_INPUT_ADDR | QSMMU_EV_IPA, NULL);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(idr_cases); i++) {
        const IdrCase *c = &idr_cases[i];
        g_autofree char *path = g_strdup_printf(
            "/smmuv3/s2fwb/idr/stage-%s%s", c->stage,
            c->extra ? "/property-off" : "");
        qtest_add_data_func(path, c, test_idr);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(walk_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/s2fwb/s2ptw/%s",
                                                walk_cases[i].name);
        qtest_add_data_func(path, &walk_cases[i], test_walk);
    }
    return g_test_run();
}
