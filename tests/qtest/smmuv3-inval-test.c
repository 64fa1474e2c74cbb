/*
 * SMMUv3 configuration and TLB invalidation (IHI 0070 4.3, 4.4).
 *
 * Each case translates once (so the SMMU may cache the walk), changes a
 * structure in memory, and checks that the old translation stays in use
 * after a command that does not cover the change (another ASID, VMID,
 * address range or StreamID: those entries survive) and that the new
 * one is used after the command that covers it.
 *
 * Architecturally an SMMU may re-walk at any time; the "still old" half
 * checks that a model caches like the base's and ours do, which is what
 * makes the "new after invalidation" half meaningful.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qemu/units.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define OTHER_SID       (SID + 8)
#define XFER_LEN        0x100
#define OLD_SEED        0xa1
#define NEW_SEED        0x5e
#define RANGE_ALIGN     0x8000ULL

typedef enum Change {
    CHANGE_S1_LEAF,         /* stage-1 leaf now maps the new buffer */
    CHANGE_S2_LEAF,         /* stage-2 leaf now maps the new buffer */
    CHANGE_STE_CD_PTR,      /* STE points at a new CD (new tables, ASID) */
    CHANGE_CD,              /* the CD rewritten in place */
} Change;

/*
 * A command whose addr and sid are relative: addr is added to the
 * changed translation's input address (rounded down to RANGE_ALIGN for
 * ranged forms), sid to the device's StreamID.  op 0: none.
 */
typedef struct InvalCase {
    const char *name;
    uint8_t config;
    Change change;
    bool ranged;            /* needs IDR3.RIL */
    QSMMUCmd wrong;
    QSMMUCmd right;
} InvalCase;

#define NH_VA(a, v, d)      { .op = QSMMU_CMD_TLBI_NH_VA, .asid = (a), \
                              .vmid = (v), .addr = (d), .leaf = true }
#define NH_VA_RANGE(a, d, n, s) { .op = QSMMU_CMD_TLBI_NH_VA, .asid = (a), \
                              .vmid = 1, .addr = (d), .tg = 1, .num = (n), \
                              .scale = (s), .ttl = 3, .leaf = true }
#define S2_IPA(v, d)        { .op = QSMMU_CMD_TLBI_S2_IPA, .vmid = (v), \
                              .addr = (d), .leaf = true }

#define S1      .config = QSMMU_STE_CFG_S1
#define S2      .config = QSMMU_STE_CFG_S2
#define NESTED  .config = QSMMU_STE_CFG_NESTED

static const InvalCase inval_cases[] = {
    { .name = "nh-va", S1, .change = CHANGE_S1_LEAF, .wrong = NH_VA(2, 1, 0),
      .right = NH_VA(1, 1, 0) },
    { .name = "nh-va-other-page", S1, .change = CHANGE_S1_LEAF,
      .wrong = NH_VA(1, 1, 0x2000), .right = NH_VA(1, 1, 0) },
    { .name = "nh-vaa", S1, .change = CHANGE_S1_LEAF,
      .wrong = { .op = QSMMU_CMD_TLBI_NH_VAA, .vmid = 1, .addr = 0x4000 },
      .right = { .op = QSMMU_CMD_TLBI_NH_VAA, .vmid = 1, .addr = 0 } },
    { .name = "nh-asid", S1, .change = CHANGE_S1_LEAF,
      .wrong = { .op = QSMMU_CMD_TLBI_NH_ASID, .asid = 2, .vmid = 1 },
      .right = { .op = QSMMU_CMD_TLBI_NH_ASID, .asid = 1, .vmid = 1 } },
    { .name = "nh-all", S1, .change = CHANGE_S1_LEAF,
      .wrong = { .op = QSMMU_CMD_TLBI_NH_ASID, .asid = 3, .vmid = 1 },
      .right = { .op = QSMMU_CMD_TLBI_NH_ALL, .vmid = 1 } },
    { .name = "nsnh-all", S1, .change = CHANGE_S1_LEAF,
      .wrong = { .op = QSMMU_CMD_TLBI_NH_VAA, .vmid = 1, .addr = 0x10000 },
      .right = { .op = QSMMU_CMD_TLBI_NSNH_ALL } },
    /* Ranged forms: TG 4K, TTL 3; range (NUM + 1) << SCALE pages. */
    { .name = "nh-va-range", S1, .change = CHANGE_S1_LEAF, .ranged = true,
      .wrong = NH_VA_RANGE(1, 0, 3, 0), .right = NH_VA_RANGE(1, 0x4000, 3, 0) },
    { .name = "nh-va-range-scale", S1, .change = CHANGE_S1_LEAF, .ranged = true,
      .wrong = NH_VA_RANGE(1, RANGE_ALIGN, 1, 2),
      .right = NH_VA_RANGE(1, 0, 1, 2) },
    { .name = "nh-va-range-asid", S1, .change = CHANGE_S1_LEAF, .ranged = true,
      .wrong = NH_VA_RANGE(2, 0, 1, 2), .right = NH_VA_RANGE(1, 0, 1, 2) },
    { .name = "s2-ipa", S2, .change = CHANGE_S2_LEAF, .wrong = S2_IPA(2, 0),
      .right = S2_IPA(1, 0) },
    { .name = "s2-ipa-other-page", S2, .change = CHANGE_S2_LEAF,
      .wrong = S2_IPA(1, 0x1000), .right = S2_IPA(1, 0) },
    { .name = "s2-ipa-range", S2, .change = CHANGE_S2_LEAF, .ranged = true,
      .wrong = { .op = QSMMU_CMD_TLBI_S2_IPA, .vmid = 1, .addr = RANGE_ALIGN,
                 .tg = 1, .num = 7, .ttl = 3, .leaf = true },
      .right = { .op = QSMMU_CMD_TLBI_S2_IPA, .vmid = 1, .addr = 0,
                 .tg = 1, .num = 7, .ttl = 3, .leaf = true } },
    { .name = "s12-vmall", S2, .change = CHANGE_S2_LEAF,
      .wrong = { .op = QSMMU_CMD_TLBI_S12_VMALL, .vmid = 2 },
      .right = { .op = QSMMU_CMD_TLBI_S12_VMALL, .vmid = 1 } },
    { .name = "nested/s12-vmall", NESTED, .change = CHANGE_S2_LEAF,
      .wrong = { .op = QSMMU_CMD_TLBI_S12_VMALL, .vmid = 2 },
      .right = { .op = QSMMU_CMD_TLBI_S12_VMALL, .vmid = 1 } },
    { .name = "nested/nh-va", NESTED, .change = CHANGE_S1_LEAF,
      .wrong = NH_VA(1, 2, 0), .right = NH_VA(1, 1, 0) },
    { .name = "cfgi-ste", S1, .change = CHANGE_STE_CD_PTR,
      .wrong = { .op = QSMMU_CMD_CFGI_STE, .sid = 8, .leaf = true },
      .right = { .op = QSMMU_CMD_CFGI_STE, .sid = 0, .leaf = true } },
    { .name = "cfgi-ste-range", S1, .change = CHANGE_STE_CD_PTR,
      .wrong = { .op = QSMMU_CMD_CFGI_STE_RANGE, .sid = 0x10, .range = 3 },
      .right = { .op = QSMMU_CMD_CFGI_STE_RANGE, .sid = 0, .range = 4 } },
    { .name = "cfgi-all", S1, .change = CHANGE_STE_CD_PTR,
      .wrong = { .op = QSMMU_CMD_CFGI_CD_ALL, .sid = 8 },
      .right = { .op = QSMMU_CMD_CFGI_STE_RANGE, .sid = 0, .range = 31 } },
    { .name = "cfgi-cd", S1, .change = CHANGE_CD,
      .wrong = { .op = QSMMU_CMD_CFGI_CD, .sid = 8, .leaf = true },
      .right = { .op = QSMMU_CMD_CFGI_CD, .sid = 0, .leaf = true } },
    { .name = "cfgi-cd-all", S1, .change = CHANGE_CD,
      .wrong = { .op = QSMMU_CMD_CFGI_STE, .sid = 8, .leaf = true },
      .right = { .op = QSMMU_CMD_CFGI_CD_ALL, .sid = 0 } },
};

static void issue(QSmmuEnv *e, const QSMMUCmd *rel, uint64_t target)
{
    QSMMUCmd cmd = *rel;

    if (!cmd.op) {
        return;
    }
    if (cmd.tg) {
        target &= ~(RANGE_ALIGN - 1);
    }
    cmd.addr += target;
    cmd.sid += SID;
    qsmmu_cmd(&e->smmu, &cmd);
}

static void read_expect(QSmmuEnv *e, uint64_t iova, uint8_t seed)
{
    g_assert_true(qsmmu_testdev_dma_read(&e->td, iova, XFER_LEN));
    qsmmu_env_check_buf(e, XFER_LEN, seed);
}

/* New stage-1 tables and CD (ASID 2) mapping the IOVA to new_ipa. */
static void new_context(QSmmuEnv *e, QSmmuXlate *x, uint64_t new_ipa)
{
    QPgtable pt;

    qpt_init(&pt, e->qts, &e->alloc, false, x->s1_gran, x->s1_ias, 8, 0);
    qpt_map(&pt, x->data_iova, new_ipa, 3, QPT_RW);
    x->cd.ttb0 = qpt_ttb(&pt);
    x->cd.asid = 2;
}

static void test_inval(const void *opaque)
{
    const InvalCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t fresh, target;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (c->ranged && !(e.smmu.idr[3] & QSMMU_IDR3_RIL)) {
        g_test_skip("IDR3.RIL: no range invalidation");
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, c->config, SID);
    qsmmu_xlate_setup(&e, &x);
    qsmmu_enable(&e.smmu, true);

    qsmmu_env_pattern(&e, x.data, XFER_LEN, OLD_SEED);
    read_expect(&e, x.data_iova, OLD_SEED);

    fresh = qsmmu_env_alloc(&e, 1 << 16, 1 << 16);
    qsmmu_env_pattern(&e, fresh, XFER_LEN, NEW_SEED);
    if (x.config & 2) {
        /* Stage 2 reaches the new buffer at its IPA in any case. */
        qpt_map(&x.pt2, qsmmu_xlate_ipa(&x, fresh), fresh, 3, QPT_RW);
    }
    target = x.data_iova;
    switch (c->change) {
    case CHANGE_S1_LEAF:
        qpt_map(&x.pt1, x.data_iova, qsmmu_xlate_ipa(&x, fresh), 3, QPT_RW);
        break;
    case CHANGE_S2_LEAF:
        target = x.config & 1 ? qsmmu_xlate_ipa(&x, x.data) : x.data_iova;
        qpt_map(&x.pt2, target, fresh, 3, QPT_RW);
        break;
    case CHANGE_STE_CD_PTR:
        new_context(&e, &x, fresh);
        x.cd_pa = qsmmu_env_alloc(&e, QSMMU_XLATE_CD_SIZE, 1 << 16);
        qsmmu_xlate_write_cd(&e, &x);
        x.ste.s1_ctx_ptr = x.cd_pa;
        qsmmu_xlate_write_ste(&e, &x);
        break;
    case CHANGE_CD:
        new_context(&e, &x, fresh);
        qsmmu_xlate_write_cd(&e, &x);
        break;
    }

    read_expect(&e, x.data_iova, OLD_SEED);
    issue(&e, &c->wrong, target);
    read_expect(&e, x.data_iova, OLD_SEED);
    issue(&e, &c->right, target);
    read_expect(&e, x.data_iova, NEW_SEED);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * IHI 0070 4.4: NH_VA invalidates the entry that translates the address,
 * wherever in a block it falls; an address outside the block leaves it.
 */
static void test_block_nh_va(void)
{
    const uint64_t block = 2 * MiB;
    QSMMUCmd cmd = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1,
                     .leaf = true };
    uint64_t fresh, off;
    QSmmuEnv e;
    QSmmuXlate x;

    qsmmu_env_start(&e, "nested", 0, NULL);
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    x.leaf_level = 2;
    qsmmu_xlate_setup(&e, &x);
    qsmmu_enable(&e.smmu, true);
    off = x.data_iova - x.leaf_iova;

    qsmmu_env_pattern(&e, x.data, XFER_LEN, OLD_SEED);
    read_expect(&e, x.data_iova, OLD_SEED);

    fresh = qsmmu_env_alloc(&e, block, block);
    qsmmu_env_pattern(&e, fresh + off, XFER_LEN, NEW_SEED);
    qpt_map(&x.pt1, x.leaf_iova, fresh, 2, QPT_RW);
    read_expect(&e, x.data_iova, OLD_SEED);

    cmd.addr = x.leaf_iova + block + off;
    qsmmu_cmd(&e.smmu, &cmd);
    read_expect(&e, x.data_iova, OLD_SEED);
    /* Another page of the same block than the one read. */
    cmd.addr = x.leaf_iova + ((off + 0x1000) & (block - 1));
    qsmmu_cmd(&e.smmu, &cmd);
    read_expect(&e, x.data_iova, NEW_SEED);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * A stage-1 page of granule @gran read through the SMMU (so cached), then
 * remapped in memory to a fresh page without invalidation: a read gives
 * OLD_SEED until a command drops the entry, NEW_SEED after.  False, with
 * the test skipped and @e stopped, when there is no range invalidation.
 */
static bool range_remapped(QSmmuEnv *e, QSmmuXlate *x, uint8_t gran)
{
    uint64_t fresh;

    qsmmu_env_start(e, "nested", 0, NULL);
    if (!(e->smmu.idr[3] & QSMMU_IDR3_RIL)) {
        g_test_skip("IDR3.RIL: no range invalidation");
        qsmmu_env_stop(e);
        return false;
    }
    qsmmu_xlate_defaults(x, QSMMU_STE_CFG_S1, SID);
    x->s1_gran = gran;
    qsmmu_xlate_setup(e, x);
    qsmmu_enable(&e->smmu, true);

    qsmmu_env_pattern(e, x->data, XFER_LEN, OLD_SEED);
    read_expect(e, x->data_iova, OLD_SEED);
    fresh = qsmmu_env_alloc(e, 1ULL << gran, 1ULL << gran);
    qsmmu_env_pattern(e, fresh, XFER_LEN, NEW_SEED);
    qpt_map(&x->pt1, x->data_iova, fresh, 3, QPT_RW);
    return true;
}

/*
 * IHI 0070 4.4 range invalidation with a 16K or 64K TG on tables of that
 * granule: a one-page range (NUM 0, SCALE 0, TTL 3) next to the page
 * leaves it, one on the page drops it.
 */
static void test_range_granule(const void *opaque)
{
    uint8_t gran = GPOINTER_TO_UINT(opaque);
    QSMMUCmd cmd = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1,
                     .tg = gran == QSMMU_GRAN_16K ? 2 : 3, .ttl = 3,
                     .leaf = true };
    QSmmuEnv e;
    QSmmuXlate x;

    if (!range_remapped(&e, &x, gran)) {
        return;
    }
    cmd.addr = x.data_iova + (1ULL << gran);
    qsmmu_cmd(&e.smmu, &cmd);
    read_expect(&e, x.data_iova, OLD_SEED);
    cmd.addr = x.data_iova;
    qsmmu_cmd(&e.smmu, &cmd);
    read_expect(&e, x.data_iova, NEW_SEED);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * IHI 0070 4.4.2.4: NH_VA invalidates global (nG == 0) entries by VMID
 * and VA whatever ASID they were cached under.  The mapping is cached
 * through the CD of ASID 1; NH_VA names ASID 2.
 */
static void test_global_nh_va(const void *opaque)
{
    uint8_t config = GPOINTER_TO_UINT(opaque);
    QSMMUCmd cmd = NH_VA(2, 1, 0);
    uint64_t fresh;
    QSmmuEnv e;
    QSmmuXlate x;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (qsmmu_skip_on_base("the base's model ignores nG: NH_VA misses "
                           "globals")) {
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, config, SID);
    qsmmu_xlate_setup(&e, &x);
    qpt_map(&x.pt1, x.data_iova, qsmmu_xlate_ipa(&x, x.data), 3,
            QPT_RW | QPT_GLOBAL);
    qsmmu_enable(&e.smmu, true);

    qsmmu_env_pattern(&e, x.data, XFER_LEN, OLD_SEED);
    read_expect(&e, x.data_iova, OLD_SEED);
    fresh = qsmmu_env_alloc(&e, 1 << 16, 1 << 16);
    qsmmu_env_pattern(&e, fresh, XFER_LEN, NEW_SEED);
    if (x.config & 2) {
        qpt_map(&x.pt2, qsmmu_xlate_ipa(&x, fresh), fresh, 3, QPT_RW);
    }
    qpt_map(&x.pt1, x.data_iova, qsmmu_xlate_ipa(&x, fresh), 3,
            QPT_RW | QPT_GLOBAL);

    /* Another page, then another VMID: the entry stays */
    cmd.addr = x.data_iova + 0x2000;
    qsmmu_cmd(&e.smmu, &cmd);
    read_expect(&e, x.data_iova, OLD_SEED);
    cmd.addr = x.data_iova;
    cmd.vmid = 2;
    qsmmu_cmd(&e.smmu, &cmd);
    read_expect(&e, x.data_iova, OLD_SEED);
    cmd.vmid = 1;
    qsmmu_cmd(&e.smmu, &cmd);
    read_expect(&e, x.data_iova, NEW_SEED);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * IHI 0070 4.4.1.1: with SMMU_IDR5.DS == 0, TTL 0b01 with TG 16K is
 * treated as TTL 0b00 (leaves of any level), so a 16K level-3 page in
 * the range goes; with DS it names level 1, and the page goes too, as
 * the model drops every entry overlapping a range.
 */
static void test_range_16k_ttl1(void)
{
    QSMMUCmd cmd = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1,
                     .tg = 2, .ttl = 1, .num = 1, .leaf = true };
    QSmmuEnv e;
    QSmmuXlate x;

    if (!range_remapped(&e, &x, QSMMU_GRAN_16K)) {
        return;
    }
    /* Two 16K granules from the page: [page, page + 32K) */
    cmd.addr = x.data_iova;
    qsmmu_cmd(&e.smmu, &cmd);
    read_expect(&e, x.data_iova, NEW_SEED);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* A range-form command and the CMDQ_CONS.ERR it must leave */
typedef struct RangeCmdCase {
    const char *name;
    QSMMUCmd cmd;
    uint32_t err;
    bool legal_with_ds;     /* SMMU_IDR5.DS makes it legal */
} RangeCmdCase;

static const RangeCmdCase range_cmd_cases[] = {
    /* IHI 0070 4.4.1.1: NUM == SCALE == 0 with TTL 0 is Reserved */
    { .name = "nh-va-tg4k-ttl0",
      .cmd = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1, .tg = 1 },
      .err = QSMMU_CERROR_ILL },
    { .name = "nh-vaa-tg64k-ttl0",
      .cmd = { .op = QSMMU_CMD_TLBI_NH_VAA, .vmid = 1, .tg = 3 },
      .err = QSMMU_CERROR_ILL },
    { .name = "s2-ipa-tg16k-ttl0",
      .cmd = { .op = QSMMU_CMD_TLBI_S2_IPA, .vmid = 1, .tg = 2 },
      .err = QSMMU_CERROR_ILL },
    /* ... and so is TTL 1 with TG 16K, which counts as TTL 0 (DS == 0) */
    { .name = "nh-va-tg16k-ttl1",
      .cmd = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1, .tg = 2,
               .ttl = 1 },
      .err = QSMMU_CERROR_ILL, .legal_with_ds = true },
    /* Legal neighbours: a real range, or a level hint */
    { .name = "nh-va-tg16k-ttl1-scale1",
      .cmd = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1, .tg = 2,
               .ttl = 1, .scale = 1 },
      .err = QSMMU_CERROR_NONE },
    { .name = "nh-va-tg4k-ttl0-num1",
      .cmd = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1, .tg = 1,
               .num = 1 },
      .err = QSMMU_CERROR_NONE },
    { .name = "nh-va-tg4k-ttl1",
      .cmd = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1, .tg = 1,
               .ttl = 1 },
      .err = QSMMU_CERROR_NONE },
};

static void test_range_cmd(const void *opaque)
{
    const RangeCmdCase *c = opaque;
    QSmmuEnv e;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (!(e.smmu.idr[3] & QSMMU_IDR3_RIL) ||
        (c->err && qsmmu_is_base_model())) {
        g_test_skip("no range invalidation, or the base's model "
                    "(accepts the Reserved combination)");
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_cmd_push(&e.smmu, &c->cmd);
    /* SMMU_IDR5.DS, bit 7 */
    g_assert_cmpuint(qsmmu_sync(&e.smmu), ==,
                     c->legal_with_ds && (e.smmu.idr[5] & (1u << 7)) ?
                     QSMMU_CERROR_NONE : c->err);
    qsmmu_env_stop(&e);
}

/*
 * IHI 0070 4.3.8 / 4.7.3: after CFGI_* and CMD_SYNC, and after SMMUEN
 * goes to 1, no translation derived from the old configuration may be
 * used.  The device keeps an IOTLB fed by the IOMMU and emptied by its
 * notifier (as vhost does), so the SMMU must notify for these changes,
 * and DEVIOTLB_UNMAP notifiers (vhost with ATS) must hear it too.
 */
typedef enum IotlbChange {
    IOTLB_STE_ABORT,        /* bypass STE -> abort STE, CFGI_STE */
    IOTLB_STE_XLATE,        /* bypass STE -> new mapping, CFGI_ALL */
    IOTLB_CD,               /* CD -> new CD and tables, CFGI_CD */
    IOTLB_GBPA,             /* GBPA bypass -> SMMUEN, abort STE */
} IotlbChange;

typedef struct IotlbCase {
    const char *name;
    uint32_t mode;          /* SMMU_TESTDEV_IOTLB_* */
    IotlbChange change;
    bool aborts;            /* the new configuration refuses the DMA */
} IotlbCase;

static const IotlbCase iotlb_cases[] = {
    { .name = "unmap/cfgi-ste-abort", .mode = SMMU_TESTDEV_IOTLB_UNMAP,
      .change = IOTLB_STE_ABORT, .aborts = true },
    { .name = "unmap/cfgi-all-xlate", .mode = SMMU_TESTDEV_IOTLB_UNMAP,
      .change = IOTLB_STE_XLATE },
    { .name = "unmap/cfgi-cd", .mode = SMMU_TESTDEV_IOTLB_UNMAP,
      .change = IOTLB_CD },
    { .name = "unmap/gbpa-smmuen", .mode = SMMU_TESTDEV_IOTLB_UNMAP,
      .change = IOTLB_GBPA, .aborts = true },
    { .name = "deviotlb/cfgi-ste-abort", .mode = SMMU_TESTDEV_IOTLB_DEVIOTLB,
      .change = IOTLB_STE_ABORT, .aborts = true },
    { .name = "deviotlb/cfgi-all-xlate", .mode = SMMU_TESTDEV_IOTLB_DEVIOTLB,
      .change = IOTLB_STE_XLATE },
    { .name = "deviotlb/cfgi-cd", .mode = SMMU_TESTDEV_IOTLB_DEVIOTLB,
      .change = IOTLB_CD },
    { .name = "deviotlb/gbpa-smmuen", .mode = SMMU_TESTDEV_IOTLB_DEVIOTLB,
      .change = IOTLB_GBPA, .aborts = true },
};

static void test_iotlb(const void *opaque)
{
    const IotlbCase *c = opaque;
    QSMMUCmd cfgi = { .sid = SID, .leaf = true };
    uint64_t fresh, iova;
    QSmmuEnv e;
    QSmmuXlate x;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (qsmmu_is_base_model()) {
        /* It refuses DEVIOTLB_UNMAP notifiers: the device stays off */
        g_assert_cmpuint(qsmmu_testdev_set_iotlb(&e.td, c->mode), ==,
                         c->mode == SMMU_TESTDEV_IOTLB_DEVIOTLB ?
                         SMMU_TESTDEV_IOTLB_OFF : c->mode);
        g_test_skip("the base's model does not notify configuration "
                    "changes (nor DEVIOTLB_UNMAP notifiers)");
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    g_assert_cmpuint(qsmmu_testdev_set_iotlb(&e.td, c->mode), ==, c->mode);
    qsmmu_env_pattern(&e, x.data, XFER_LEN, OLD_SEED);
    fresh = qsmmu_env_alloc(&e, 1 << 16, 1 << 16);
    qsmmu_env_pattern(&e, fresh, XFER_LEN, NEW_SEED);

    /* The old configuration: an identity (bypass) or translating one */
    iova = x.data;
    switch (c->change) {
    case IOTLB_STE_ABORT:
    case IOTLB_STE_XLATE:
        x.ste.config = QSMMU_STE_CFG_BYPASS;
        qsmmu_xlate_write_ste(&e, &x);
        qsmmu_enable(&e.smmu, true);
        break;
    case IOTLB_CD:
        iova = x.data_iova;
        qsmmu_enable(&e.smmu, true);
        break;
    case IOTLB_GBPA:
        x.ste.config = QSMMU_STE_CFG_ABORT;
        qsmmu_xlate_write_ste(&e, &x);
        qsmmu_set_gbpa(&e.smmu, 0);
        break;
    }
    read_expect(&e, iova, OLD_SEED);
    g_assert_cmpuint(qsmmu_testdev_iotlb_count(&e.td), ==, 1);
    /* Served from the device's IOTLB, which adds nothing */
    read_expect(&e, iova, OLD_SEED);
    g_assert_cmpuint(qsmmu_testdev_iotlb_count(&e.td), ==, 1);

    switch (c->change) {
    case IOTLB_STE_ABORT:
        x.ste.config = QSMMU_STE_CFG_ABORT;
        qsmmu_xlate_write_ste(&e, &x);
        cfgi.op = QSMMU_CMD_CFGI_STE;
        qsmmu_cmd(&e.smmu, &cfgi);
        break;
    case IOTLB_STE_XLATE:
        qpt_map(&x.pt1, iova, fresh, 3, QPT_RW);
        x.ste.config = QSMMU_STE_CFG_S1;
        qsmmu_xlate_write_ste(&e, &x);
        cfgi.op = QSMMU_CMD_CFGI_STE_RANGE;
        cfgi.sid = 0;
        cfgi.range = 31;
        qsmmu_cmd(&e.smmu, &cfgi);
        break;
    case IOTLB_CD:
        new_context(&e, &x, fresh);
        qsmmu_xlate_write_cd(&e, &x);
        cfgi.op = QSMMU_CMD_CFGI_CD;
        qsmmu_cmd(&e.smmu, &cfgi);
        break;
    case IOTLB_GBPA:
        qsmmu_enable(&e.smmu, true);
        break;
    }
    if (c->aborts) {
        g_assert_false(qsmmu_testdev_dma_read(&e.td, iova, XFER_LEN));
    } else {
        read_expect(&e, iova, NEW_SEED);
    }
    g_assert_cmpuint(qsmmu_testdev_iotlb_dropped(&e.td), >=, 1);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(inval_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/inval/%s",
                                                inval_cases[i].name);

        qtest_add_data_func(path, &inval_cases[i], test_inval);
    }
    qtest_add_func("/smmuv3/inval/nh-va-block", test_block_nh_va);
    qtest_add_data_func("/smmuv3/inval/nh-va-range-16k",
                        GUINT_TO_POINTER(QSMMU_GRAN_16K), test_range_granule);
    qtest_add_data_func("/smmuv3/inval/nh-va-range-64k",
                        GUINT_TO_POINTER(QSMMU_GRAN_64K), test_range_granule);
    qtest_add_data_func("/smmuv3/inval/nh-va-global",
                        GUINT_TO_POINTER(QSMMU_STE_CFG_S1),
                        test_global_nh_va);
    qtest_add_data_func("/smmuv3/inval/nested/nh-va-global",
                        GUINT_TO_POINTER(QSMMU_STE_CFG_NESTED),
                        test_global_nh_va);
    qtest_add_func("/smmuv3/inval/nh-va-range-16k-ttl1", test_range_16k_ttl1);
    for (size_t i = 0; i < ARRAY_SIZE(range_cmd_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/inval/range-cmd/%s",
                                                range_cmd_cases[i].name);

        qtest_add_data_func(path, &range_cmd_cases[i], test_range_cmd);
    }
    for (size_t i = 0; i < ARRAY_SIZE(iotlb_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/inval/iotlb/%s",
                                                iotlb_cases[i].name);

        qtest_add_data_func(path, &iotlb_cases[i], test_iotlb);
    }
    return g_test_run();
}
