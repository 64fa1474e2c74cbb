/*
 * The SMMU engine's TLB seen from outside: hit/miss/eviction counters
 * (read-only QOM properties tlb-*), LRU single-entry eviction under a
 * small "tlb-entries", stage-2 entries reused by nested walks, and
 * invalidations removing exactly the entries they cover.
 *
 * These check our model's caching design, so they skip on the base's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define PAGE            0x1000ULL

typedef struct TlbEnv {
    QSmmuEnv e;
    QSmmuXlate x;
    char *path;                 /* QOM path of the SMMU */
} TlbEnv;

typedef struct TlbCounters {
    int64_t hits, misses, evictions, invalidated, used;
} TlbCounters;

static int64_t qom_int(TlbEnv *t, const char *prop)
{
    QDict *resp = qtest_qmp(t->e.qts, "{ 'execute': 'qom-get', 'arguments': "
                            "{ 'path': %s, 'property': %s } }",
                            t->path, prop);
    int64_t v;

    g_assert_true(qdict_haskey(resp, "return"));
    v = qdict_get_int(resp, "return");
    qobject_unref(resp);
    return v;
}

static void counters(TlbEnv *t, TlbCounters *c)
{
    c->hits = qom_int(t, "tlb-hits");
    c->misses = qom_int(t, "tlb-misses");
    c->evictions = qom_int(t, "tlb-evictions");
    c->invalidated = qom_int(t, "tlb-invalidated");
    c->used = qom_int(t, "tlb-used");
}

/* Start, set up config with 4K pages over the data, enable; false: skip */
static bool tlb_start(TlbEnv *t, uint8_t config, const char *extra)
{
    if (!qsmmu_env_start_ours(&t->e, "nested", extra,
                              "the base's model has no tlb-* counters")) {
        return false;
    }
    t->path = qsmmu_qom_path(t->e.qts);
    g_assert_nonnull(t->path);
    qsmmu_xlate_defaults(&t->x, config, SID);
    qsmmu_xlate_setup(&t->e, &t->x);
    qsmmu_enable(&t->e.smmu, true);
    return true;
}

static void tlb_stop(TlbEnv *t)
{
    qsmmu_assert_no_event(&t->e.smmu);
    g_free(t->path);
    qsmmu_env_stop(&t->e);
}

/* DMA-read page @n of the data buffer and check what arrived */
static void read_page(TlbEnv *t, unsigned n)
{
    uint64_t off = n * PAGE;

    qsmmu_env_pattern(&t->e, t->x.data + off, XFER_LEN, 0x40 + n);
    g_assert_true(qsmmu_testdev_dma_read(&t->e.td, t->x.data_iova + off,
                                         XFER_LEN));
    qsmmu_env_check_buf(&t->e, XFER_LEN, 0x40 + n);
}

/* The data buffer starts page-aligned, so pages are whole 4K leaves */
static void test_counters(void)
{
    TlbEnv t;
    TlbCounters a, b, c;

    if (!tlb_start(&t, QSMMU_STE_CFG_S1, NULL)) {
        return;
    }
    g_assert_cmphex(t.x.data & (PAGE - 1), ==, 0);
    counters(&t, &a);
    g_assert_cmpint(a.used, ==, 0);

    read_page(&t, 0);
    counters(&t, &b);
    g_assert_cmpint(b.misses, >, a.misses);
    g_assert_cmpint(b.used, ==, 1);

    /* Same page again: served from the TLB */
    read_page(&t, 0);
    counters(&t, &c);
    g_assert_cmpint(c.hits, >, b.hits);
    g_assert_cmpint(c.misses, ==, b.misses);
    g_assert_cmpint(c.used, ==, 1);
    g_assert_cmpint(c.evictions, ==, 0);
    tlb_stop(&t);
}

/* tlb-entries=2: the least recently used entry alone goes */
static void test_lru_eviction(void)
{
    TlbEnv t;
    TlbCounters a, b;

    if (!tlb_start(&t, QSMMU_STE_CFG_S1,
                   "-global arm-smmuv3.tlb-entries=2")) {
        return;
    }
    read_page(&t, 0);               /* A */
    read_page(&t, 1);               /* B */
    read_page(&t, 0);               /* A most recent, B least */
    counters(&t, &a);
    g_assert_cmpint(a.used, ==, 2);
    g_assert_cmpint(a.evictions, ==, 0);

    read_page(&t, 2);               /* C evicts B only */
    counters(&t, &b);
    g_assert_cmpint(b.used, ==, 2);
    g_assert_cmpint(b.evictions, ==, 1);

    read_page(&t, 0);               /* A still cached */
    counters(&t, &a);
    g_assert_cmpint(a.misses, ==, b.misses);
    g_assert_cmpint(a.hits, >, b.hits);

    read_page(&t, 1);               /* B was evicted: a walk, evicts C */
    counters(&t, &b);
    g_assert_cmpint(b.misses, >, a.misses);
    g_assert_cmpint(b.evictions, ==, 2);
    g_assert_cmpint(b.used, ==, 2);

    /* Many more pages: still one eviction per new entry */
    for (unsigned n = 3; n < 16; n++) {
        read_page(&t, n);
    }
    counters(&t, &a);
    g_assert_cmpint(a.used, ==, 2);
    g_assert_cmpint(a.evictions, ==, 2 + 13);
    tlb_stop(&t);
}

/*
 * Nested: the second page's stage-1 walk reads descriptors in the same
 * stage-1 tables, whose IPAs stage 2 already translated for the first
 * page: those four stage-2 lookups hit.
 */
static void test_nested_s2_reuse(void)
{
    TlbEnv t;
    TlbCounters a, b;

    if (!tlb_start(&t, QSMMU_STE_CFG_NESTED, NULL)) {
        return;
    }
    read_page(&t, 0);
    counters(&t, &a);
    read_page(&t, 1);
    counters(&t, &b);
    /* 48-bit input, 4K granule: four stage-1 levels */
    g_assert_cmpint(b.hits - a.hits, >=, 4);
    /* One combined entry and one stage-2 entry (data IPA) were added */
    g_assert_cmpint(b.used - a.used, ==, 2);
    tlb_stop(&t);
}

/* Each invalidation removes the entries it covers and nothing else */
static void test_precise_invalidation(void)
{
    TlbEnv t;
    TlbCounters a, b;
    QSMMUCmd cmd;

    if (!tlb_start(&t, QSMMU_STE_CFG_S1, NULL)) {
        return;
    }
    for (unsigned n = 0; n < 4; n++) {
        read_page(&t, n);
    }
    counters(&t, &a);
    g_assert_cmpint(a.used, ==, 4);

    /* Another ASID, another VMID: nothing */
    cmd = (QSMMUCmd) { .op = QSMMU_CMD_TLBI_NH_ASID, .asid = 2, .vmid = 1 };
    qsmmu_cmd(&t.e.smmu, &cmd);
    cmd = (QSMMUCmd) { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 2,
                       .addr = t.x.data_iova, .leaf = true };
    qsmmu_cmd(&t.e.smmu, &cmd);
    counters(&t, &b);
    g_assert_cmpint(b.invalidated, ==, a.invalidated);
    g_assert_cmpint(b.used, ==, 4);

    /* One page */
    cmd = (QSMMUCmd) { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1,
                       .addr = t.x.data_iova + 3 * PAGE, .leaf = true };
    qsmmu_cmd(&t.e.smmu, &cmd);
    counters(&t, &a);
    g_assert_cmpint(a.invalidated - b.invalidated, ==, 1);
    g_assert_cmpint(a.used, ==, 3);

    if (t.e.smmu.idr[3] & QSMMU_IDR3_RIL) {
        /* Pages 1 and 2: TG 4K, NUM 1, SCALE 0, TTL level 3 */
        cmd = (QSMMUCmd) { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1,
                           .addr = t.x.data_iova + PAGE, .tg = 1, .num = 1,
                           .ttl = 3, .leaf = true };
        qsmmu_cmd(&t.e.smmu, &cmd);
        counters(&t, &b);
        g_assert_cmpint(b.invalidated - a.invalidated, ==, 2);
        g_assert_cmpint(b.used, ==, 1);
    }

    /* Page 0 still translates from the TLB */
    counters(&t, &a);
    read_page(&t, 0);
    counters(&t, &b);
    g_assert_cmpint(b.misses, ==, a.misses);

    cmd = (QSMMUCmd) { .op = QSMMU_CMD_TLBI_NH_ASID, .asid = 1, .vmid = 1 };
    qsmmu_cmd(&t.e.smmu, &cmd);
    counters(&t, &a);
    g_assert_cmpint(a.used, ==, 0);
    tlb_stop(&t);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3/tlb/counters", test_counters);
    qtest_add_func("/smmuv3/tlb/lru-eviction", test_lru_eviction);
    qtest_add_func("/smmuv3/tlb/nested-s2-reuse", test_nested_s2_reuse);
    qtest_add_func("/smmuv3/tlb/precise-invalidation",
                   test_precise_invalidation);
    return g_test_run();
}
