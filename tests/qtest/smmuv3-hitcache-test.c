/*
 * The per-thread caches of translations that serve TLB hits without the
 * SMMU's lock: never a stale answer.
 *
 * Each case reads the same page until the counter tlb-fast-hits shows
 * that the lock-free path answers, changes a descriptor or structure,
 * checks the old answer is still what is used (so the cache really holds
 * it), then runs one command or register write that must end it and
 * checks the next DMA sees the change: every TLBI form, every CFGI form,
 * an SMMUEN change, a TLB eviction (the copies never outlive their TLB
 * entry), and an access the cached answer was not made for.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/smmu-xlate.h"

#define SID         QSMMU_TESTDEV_SID
#define XFER_LEN    0x100
#define OLD_SEED    0x3c
#define NEW_SEED    0xc3
#define NO_CACHE    "the base's model has no per-thread translation cache"

typedef enum Change {
    CHANGE_S1_LEAF,
    CHANGE_S2_LEAF,
    CHANGE_CD,              /* new CD contents: new tables, ASID 2 */
    CHANGE_STE,             /* the STE points at such a CD elsewhere */
    CHANGE_NONE,
} Change;

typedef enum Action {
    ACT_CMD,                /* run cmd, then CMD_SYNC */
    ACT_SMMUEN_OFF,         /* GBPA abort, then SMMUEN 0: DMA refused */
    ACT_EVICT,              /* tlb-entries=1, another page evicts this */
} Action;

typedef struct Case {
    const char *name;
    uint8_t config;
    Change change;
    Action act;
    QSMMUCmd cmd;           /* addr is relative to the changed input */
} Case;

#define S1      QSMMU_STE_CFG_S1
#define S2      QSMMU_STE_CFG_S2
#define NESTED  QSMMU_STE_CFG_NESTED

static const Case cases[] = {
    { "s1/nh-va", S1, CHANGE_S1_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1, .leaf = true } },
    { "s1/nh-vaa", S1, CHANGE_S1_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_NH_VAA, .vmid = 1 } },
    { "s1/nh-asid", S1, CHANGE_S1_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_NH_ASID, .asid = 1, .vmid = 1 } },
    { "s1/nh-all", S1, CHANGE_S1_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_NH_ALL, .vmid = 1 } },
    { "s1/nsnh-all", S1, CHANGE_S1_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_NSNH_ALL } },
    { "s1/cfgi-cd", S1, CHANGE_CD, ACT_CMD,
      { .op = QSMMU_CMD_CFGI_CD, .sid = SID, .leaf = true } },
    { "s1/cfgi-cd-all", S1, CHANGE_CD, ACT_CMD,
      { .op = QSMMU_CMD_CFGI_CD_ALL, .sid = SID } },
    { "s1/cfgi-ste", S1, CHANGE_STE, ACT_CMD,
      { .op = QSMMU_CMD_CFGI_STE, .sid = SID, .leaf = true } },
    { "s1/cfgi-ste-range", S1, CHANGE_STE, ACT_CMD,
      { .op = QSMMU_CMD_CFGI_STE_RANGE, .sid = 0, .range = 31 } },
    { "s1/smmuen", S1, CHANGE_NONE, ACT_SMMUEN_OFF },
    { "s1/eviction", S1, CHANGE_S1_LEAF, ACT_EVICT },
    { "s2/s2-ipa", S2, CHANGE_S2_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_S2_IPA, .vmid = 1, .leaf = true } },
    { "s2/s12-vmall", S2, CHANGE_S2_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_S12_VMALL, .vmid = 1 } },
    { "nested/nh-va", NESTED, CHANGE_S1_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1, .leaf = true } },
    { "nested/s2-ipa", NESTED, CHANGE_S2_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_S2_IPA, .vmid = 1, .leaf = true } },
    { "nested/s12-vmall", NESTED, CHANGE_S2_LEAF, ACT_CMD,
      { .op = QSMMU_CMD_TLBI_S12_VMALL, .vmid = 1 } },
};

static int64_t fast_hits(QSmmuEnv *e)
{
    g_autofree char *path = qsmmu_qom_path(e->qts);
    QDict *resp = qtest_qmp(e->qts, "{ 'execute': 'qom-get', 'arguments': "
                            "{ 'path': %s, 'property': 'tlb-fast-hits' } }",
                            path);
    int64_t v;

    g_assert_true(qdict_haskey(resp, "return"));
    v = qdict_get_int(resp, "return");
    qobject_unref(resp);
    return v;
}

static void read_expect(QSmmuEnv *e, uint64_t iova, uint8_t seed)
{
    g_assert_true(qsmmu_testdev_dma_read(&e->td, iova, XFER_LEN));
    qsmmu_env_check_buf(e, XFER_LEN, seed);
}

/* Read until the lock-free path answers, and once more from it */
static void warm(QSmmuEnv *e, uint64_t iova, uint8_t seed)
{
    int64_t before = fast_hits(e);

    for (int i = 0; i < 3; i++) {
        read_expect(e, iova, seed);
    }
    g_assert_cmpint(fast_hits(e), >, before);
}

static void test_case(const void *opaque)
{
    const Case *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    QPgtable pt;
    uint64_t fresh, target;
    int64_t before;

    if (!qsmmu_env_start_ours(&e, "nested", c->act == ACT_EVICT ?
                              "-global arm-smmuv3.tlb-entries=1" : NULL,
                              NO_CACHE)) {
        return;
    }
    qsmmu_xlate_defaults(&x, c->config, SID);
    qsmmu_xlate_setup(&e, &x);
    qsmmu_enable(&e.smmu, true);
    qsmmu_env_pattern(&e, x.data, XFER_LEN, OLD_SEED);
    qsmmu_env_pattern(&e, x.data + 0x1000, XFER_LEN, OLD_SEED);
    warm(&e, x.data_iova, OLD_SEED);

    fresh = qsmmu_env_alloc(&e, 1 << 16, 1 << 16);
    qsmmu_env_pattern(&e, fresh, XFER_LEN, NEW_SEED);
    if (x.config & 2) {
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
    case CHANGE_CD:
    case CHANGE_STE:
        qpt_init(&pt, e.qts, &e.alloc, false, x.s1_gran, x.s1_ias, 8, 0);
        qpt_map(&pt, x.data_iova, fresh, 3, QPT_RW);
        x.cd.ttb0 = qpt_ttb(&pt);
        x.cd.asid = 2;
        if (c->change == CHANGE_STE) {
            x.cd_pa = qsmmu_env_alloc(&e, QSMMU_XLATE_CD_SIZE, 1 << 16);
        }
        qsmmu_xlate_write_cd(&e, &x);
        if (c->change == CHANGE_STE) {
            x.ste.s1_ctx_ptr = x.cd_pa;
            qsmmu_xlate_write_ste(&e, &x);
        }
        break;
    case CHANGE_NONE:
        break;
    }

    /* Still the cached answer, from the lock-free path */
    before = fast_hits(&e);
    read_expect(&e, x.data_iova, OLD_SEED);
    g_assert_cmpint(fast_hits(&e), >, before);

    switch (c->act) {
    case ACT_CMD: {
        QSMMUCmd cmd = c->cmd;

        cmd.addr += target;
        qsmmu_cmd(&e.smmu, &cmd);
        read_expect(&e, x.data_iova, NEW_SEED);
        break;
    }
    case ACT_SMMUEN_OFF:
        qsmmu_set_gbpa(&e.smmu, QSMMU_GBPA_ABORT);
        qsmmu_enable(&e.smmu, false);
        g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
        break;
    case ACT_EVICT:
        /* The next page's walk evicts the only entry: no command */
        read_expect(&e, x.data_iova + 0x1000, OLD_SEED);
        read_expect(&e, x.data_iova, NEW_SEED);
        break;
    }
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* A read-only page: the cached answer to reads serves no write */
static void test_access(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;

    if (!qsmmu_env_start_ours(&e, "nested", NULL, NO_CACHE)) {
        return;
    }
    qsmmu_xlate_defaults(&x, S1, SID);
    qsmmu_xlate_setup(&e, &x);
    qpt_map(&x.pt1, x.data_iova, x.data, 3, QPT_R);
    qsmmu_enable(&e.smmu, true);
    qsmmu_env_pattern(&e, x.data, XFER_LEN, OLD_SEED);
    warm(&e, x.data_iova, OLD_SEED);

    g_assert_false(qsmmu_testdev_dma_write(&e.td, x.data_iova, XFER_LEN));
    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_assert_cmphex(ev.type, ==, QSMMU_EVT_F_PERMISSION);
    g_assert_false(ev.rnw);
    qsmmu_env_check_pattern(&e, x.data, XFER_LEN, OLD_SEED);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/hitcache/%s",
                                                cases[i].name);

        qtest_add_data_func(path, &cases[i], test_case);
    }
    qtest_add_func("/smmuv3/hitcache/access", test_access);
    return g_test_run();
}
