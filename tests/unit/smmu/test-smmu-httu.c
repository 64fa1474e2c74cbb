/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the SMMU engine's hardware translation table updates
 * (HTTU, IHI 0070 3.13): the Access flag and DBM dirty state at stage 1
 * and stage 2, the compare-and-swap and a descriptor another agent
 * changes between the walker's read and its swap (which qtest cannot
 * arrange), nested stage-1 updates through stage 2, and the TLB entries
 * of writable-clean descriptors.
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "smmu-unit.h"

#define VA              0x0000123456789000ULL
#define OUT             0x0000008000000000ULL
#define OUT2            0x0000009000000000ULL
#define TBL_IPA         0x20000000ULL   /* nested: stage-1 tables, IPAs */
#define TBL_PA          0x40000000ULL   /* ... where stage 2 puts them */

#define D_AP_RO         (1ULL << 7)     /* AP[2]; S2AP[1] at stage 2 */
#define D_AF            (1ULL << 10)
#define D_DBM           (1ULL << 51)

typedef struct Env {
    FakeMem *m;
    SMMUState *s;
    PtBuilder b1, b2;
    SMMUTransCfg cfg;
    uint64_t leaf;              /* PA of the leaf under test */
    uint64_t in;                /* the input address translated */
} Env;

/* Stage 1 (4K, 48 bits) mapping VA to OUT, leaf bits @set / @clear */
static void env_s1(Env *e, uint64_t set, uint64_t clear, bool ha, bool hd)
{
    e->m = fake_mem_new();
    e->s = engine_new(e->m, 64);
    pt_init(&e->b1, e->m, 12, 48, s1_start(12, 48), 0);
    pt_map(&e->b1, VA, 3, (s1_leaf(OUT, 3) | set) & ~clear);
    e->leaf = pt_entry(&e->b1, VA, 3);
    e->cfg = cfg_s1(&e->b1);
    e->in = VA;
    e->cfg.s1.ha = ha;
    e->cfg.s1.hd = hd;
}

/* Stage 2 only (4K, 40 bits from level 1) mapping VA's IPA to OUT */
static void env_s2(Env *e, uint64_t set, uint64_t clear, bool ha, bool hd)
{
    e->m = fake_mem_new();
    e->s = engine_new(e->m, 64);
    pt_init(&e->b2, e->m, 12, 40, 1, 0);
    pt_map(&e->b2, VA & MAKE_64BIT_MASK(0, 40), 3,
           (s2_leaf(OUT, 3) | set) & ~clear);
    e->leaf = pt_entry(&e->b2, VA & MAKE_64BIT_MASK(0, 40), 3);
    e->cfg = cfg_s2(&e->b2, 1);
    e->in = VA & MAKE_64BIT_MASK(0, 40);
    e->cfg.s2.ha = ha;
    e->cfg.s2.hd = hd;
}

/*
 * Nested: stage-1 tables at TBL_IPA, which a 2 MiB stage-2 block maps
 * to TBL_PA with @s2tbl bits (set) on a read-only block; the output IPA
 * OUT maps read/write to OUT2.  e->leaf is the stage-1 leaf's PA.
 */
static void env_nested(Env *e, uint64_t s1set, uint64_t s1clear,
                       uint64_t s2tbl, bool s2ha, bool s2hd)
{
    uint64_t keep;

    e->m = fake_mem_new();
    e->s = engine_new(e->m, 64);
    e->m->next = 0x10000000;
    pt_init(&e->b2, e->m, 12, 40, 1, 0);
    keep = e->m->next;
    e->m->next = TBL_PA;
    pt_init(&e->b1, e->m, 12, 48, s1_start(12, 48), TBL_PA - TBL_IPA);
    pt_map(&e->b1, VA, 3, (s1_leaf(OUT, 3) | s1set) & ~s1clear);
    e->leaf = pt_entry(&e->b1, VA, 3) + TBL_PA - TBL_IPA;
    g_assert_cmphex(e->m->next, <=, TBL_PA + (1ULL << 21));
    e->m->next = keep;
    pt_map(&e->b2, TBL_IPA, 2, (s2_leaf(TBL_PA, 2) & ~D_AP_RO) | s2tbl);
    pt_map(&e->b2, OUT, 3, s2_leaf(OUT2, 3));
    e->cfg = cfg_nested(&e->b1, &e->b2, 1);
    e->in = VA;
    e->cfg.s1.ha = e->cfg.s1.hd = true;
    e->cfg.s2.ha = s2ha;
    e->cfg.s2.hd = s2hd;
}

static void env_free(Env *e)
{
    engine_free(e->s);
    fake_mem_free(e->m);
}

static void expect_ok(Env *e, IOMMUAccessFlags acc, uint64_t out,
                      IOMMUAccessFlags perm)
{
    Expect x = { .addr = out, .addr_mask = 0xfff, .perm = perm };

    expect_translate(e->s, &e->cfg, e->in, acc, &x);
}

static uint64_t leaf_now(Env *e)
{
    return fake_mem_read(e->m, e->leaf);
}

/* HA: a leaf with AF == 0 gets AF, once, and translates */
static void test_s1_af(void)
{
    Env e;
    uint64_t before;

    env_s1(&e, 0, D_AF, true, false);
    before = leaf_now(&e);
    expect_ok(&e, IOMMU_RO, OUT, IOMMU_RW);
    g_assert_cmphex(leaf_now(&e), ==, before | D_AF);
    g_assert_cmpuint(e.m->swaps, ==, 1);
    env_free(&e);
}

/* Without HA (AFFD 0): F_ACCESS at level 3, nothing written */
static void test_s1_no_ha(void)
{
    Env e;
    uint64_t before;
    Expect x = S1_FAULT(SMMU_FAULT_ACCESS, 3);

    env_s1(&e, 0, D_AF, false, false);
    before = leaf_now(&e);
    expect_translate(e.s, &e.cfg, VA, IOMMU_RO, &x);
    g_assert_cmphex(leaf_now(&e), ==, before);
    g_assert_cmpuint(e.m->swaps, ==, 0);
    env_free(&e);
}

/* HD: a read leaves writable-clean alone (read-only), a write dirties */
static void test_s1_dirty(void)
{
    Env e;
    uint64_t before;

    env_s1(&e, D_DBM | D_AP_RO, 0, true, true);
    before = leaf_now(&e);
    expect_ok(&e, IOMMU_RO, OUT, IOMMU_RO);
    g_assert_cmphex(leaf_now(&e), ==, before);
    g_assert_cmpuint(e.m->swaps, ==, 0);
    /* The TLB holds it read-only: the write walks again and updates */
    expect_ok(&e, IOMMU_WO, OUT, IOMMU_RW);
    g_assert_cmphex(leaf_now(&e), ==, before & ~D_AP_RO);
    g_assert_cmpuint(e.m->swaps, ==, 1);
    /* Now cached writable: no more walks or swaps */
    e.m->reads = 0;
    expect_ok(&e, IOMMU_WO, OUT, IOMMU_RW);
    g_assert_cmpuint(e.m->reads, ==, 0);
    g_assert_cmpuint(e.m->swaps, ==, 1);
    env_free(&e);
}

/* HA without HD: DBM means nothing, the write is a permission fault */
static void test_s1_dbm_without_hd(void)
{
    Env e;
    uint64_t before;
    Expect x = S1_FAULT(SMMU_FAULT_PERMISSION, 3);

    env_s1(&e, D_DBM | D_AP_RO, D_AF, true, false);
    before = leaf_now(&e);
    expect_translate(e.s, &e.cfg, VA, IOMMU_WO, &x);
    g_assert_cmphex(leaf_now(&e), ==, before);
    env_free(&e);
}

/* Stage 2: AF, then S2AP[1] set by a write through a clean TLB entry */
static void test_s2_af_dirty(void)
{
    Env e;
    uint64_t before;

    env_s2(&e, D_DBM, D_AF | D_AP_RO, true, true);
    before = leaf_now(&e);
    expect_ok(&e, IOMMU_RO, OUT, IOMMU_RO);
    g_assert_cmphex(leaf_now(&e), ==, before | D_AF);
    expect_ok(&e, IOMMU_WO, OUT, IOMMU_RW);
    g_assert_cmphex(leaf_now(&e), ==, before | D_AF | D_AP_RO);
    g_assert_cmpuint(e.m->swaps, ==, 2);
    env_free(&e);
}

/*
 * A write refused at stage 2 leaves AF clear (ours writes nothing for a
 * faulting access) and caches nothing: the read after it walks again and
 * sets AF, so no TLB entry hides an access from AF.
 */
static void test_s2_refused_not_cached(void)
{
    Env e;
    Expect x = S2_FAULT(SMMU_FAULT_PERMISSION, 3, VA & MAKE_64BIT_MASK(0, 40));
    uint64_t before;

    env_s2(&e, 0, D_AF | D_AP_RO, true, true);
    before = leaf_now(&e);
    expect_translate(e.s, &e.cfg, e.in, IOMMU_WO, &x);
    g_assert_cmphex(leaf_now(&e), ==, before);
    e.m->reads = 0;
    expect_ok(&e, IOMMU_RO, OUT, IOMMU_RO);
    g_assert_cmpuint(e.m->reads, ==, 3);
    g_assert_cmphex(leaf_now(&e), ==, before | D_AF);
    env_free(&e);
}

/*
 * Another agent rewrites the leaf between the walker's read and its
 * swap: the swap fails, and the walker judges the value it found (Arm
 * ARM I_YZSVV), here a new output address that needs no update.
 */
static void test_race_new_oa(void)
{
    Env e;

    env_s1(&e, 0, D_AF, true, true);
    e.m->race = true;
    e.m->race_pa = e.leaf;
    e.m->race_val = s1_leaf(OUT2, 3);
    expect_ok(&e, IOMMU_RO, OUT2, IOMMU_RW);
    g_assert_cmphex(leaf_now(&e), ==, s1_leaf(OUT2, 3));
    g_assert_cmpuint(e.m->swaps, ==, 1);
    env_free(&e);
}

/* ... one that still needs the update: a second swap, of the new value */
static void test_race_again(void)
{
    Env e;

    env_s1(&e, 0, D_AF, true, true);
    e.m->race = true;
    e.m->race_pa = e.leaf;
    e.m->race_val = s1_leaf(OUT2, 3) & ~D_AF;
    expect_ok(&e, IOMMU_RO, OUT2, IOMMU_RW);
    g_assert_cmphex(leaf_now(&e), ==, s1_leaf(OUT2, 3));
    g_assert_cmpuint(e.m->swaps, ==, 2);
    env_free(&e);
}

/* ... one that unmapped it: a translation fault, nothing written */
static void test_race_invalid(void)
{
    Env e;
    Expect x = S1_FAULT(SMMU_FAULT_TRANSLATION, 3);

    env_s1(&e, D_DBM | D_AP_RO, 0, true, true);
    e.m->race = true;
    e.m->race_pa = e.leaf;
    e.m->race_val = 0;
    expect_translate(e.s, &e.cfg, VA, IOMMU_WO, &x);
    g_assert_cmphex(leaf_now(&e), ==, 0);
    env_free(&e);
}

/* ... one that made it read-only for good: a permission fault */
static void test_race_read_only(void)
{
    Env e;
    Expect x = S1_FAULT(SMMU_FAULT_PERMISSION, 3);
    uint64_t ro = s1_leaf(OUT, 3) | D_AP_RO;

    env_s1(&e, D_DBM | D_AP_RO, 0, true, true);
    e.m->race = true;
    e.m->race_pa = e.leaf;
    e.m->race_val = ro;
    expect_translate(e.s, &e.cfg, VA, IOMMU_WO, &x);
    g_assert_cmphex(leaf_now(&e), ==, ro);
    env_free(&e);
}

/*
 * ... and an agent that rewrites it at every swap: the walker gives up
 * after a bounded number of tries (F_WALK_EABT, as for a failed update)
 * instead of spinning for as long as the guest keeps writing.
 */
static void test_race_forever(void)
{
    Env e;
    SMMUTranslation out;
    SMMUFault f;

    env_s1(&e, 0, D_AF, true, true);
    e.m->race = e.m->race_forever = true;
    e.m->race_pa = e.leaf;
    e.m->race_val = s1_leaf(OUT2, 3) & ~D_AF;
    g_assert_false(smmu_translate(e.s, &e.cfg, VA, IOMMU_RO, &out, &f));
    g_assert_cmpint(f.type, ==, SMMU_FAULT_WALK_EABT);
    g_assert_cmpint(f.level, ==, 3);
    g_assert_true(f.tt_write);
    g_assert_cmpuint(e.m->swaps, ==, SMMU_DESC_UPDATE_TRIES);
    env_free(&e);
}

/* A swap that aborts: F_WALK_EABT at the leaf, a write (TTRnW 0) */
static void test_swap_abort(void)
{
    Env e;
    SMMUTranslation out;
    SMMUFault f;

    env_s1(&e, 0, D_AF, true, false);
    e.m->swap_fails = true;
    g_assert_false(smmu_translate(e.s, &e.cfg, VA, IOMMU_RO, &out, &f));
    g_assert_cmpint(f.type, ==, SMMU_FAULT_WALK_EABT);
    g_assert_cmpint(f.stage, ==, 1);
    g_assert_cmpint(f.level, ==, 3);
    g_assert_cmpint(f.cls, ==, SMMU_CLASS_TT);
    g_assert_cmphex(f.fetch_addr, ==, e.leaf);
    g_assert_true(f.tt_write);
    env_free(&e);
}

/*
 * Nested: the stage-1 update writes the descriptor's IPA.  Stage 2
 * read-only there: F_PERMISSION at stage 2, CLASS TT, the descriptor's
 * IPA, TTRnW 0 (IHI 0070 7.3.16, 3.13.5).
 */
static void test_nested_s2_ro(void)
{
    Env e;
    SMMUTranslation out;
    SMMUFault f;
    uint64_t before;

    env_nested(&e, 0, D_AF, 0, true, true);
    before = leaf_now(&e);
    g_assert_false(smmu_translate(e.s, &e.cfg, VA, IOMMU_RO, &out, &f));
    g_assert_cmpint(f.type, ==, SMMU_FAULT_PERMISSION);
    g_assert_cmpint(f.stage, ==, 2);
    g_assert_cmpint(f.level, ==, 2);
    g_assert_cmpint(f.cls, ==, SMMU_CLASS_TT);
    g_assert_cmphex(f.ipa, ==, e.leaf - TBL_PA + TBL_IPA);
    g_assert_true(f.tt_write);
    g_assert_false(f.is_write);
    g_assert_cmphex(leaf_now(&e), ==, before);
    env_free(&e);
}

/* With S2HD and DBM there, the stage-2 block is dirtied first */
static void test_nested_s2_dirtied(void)
{
    Env e;
    uint64_t before, s2tbl;

    env_nested(&e, D_DBM | D_AP_RO, 0, D_DBM, true, true);
    s2tbl = pt_entry(&e.b2, TBL_IPA, 2);
    before = leaf_now(&e);
    expect_ok(&e, IOMMU_WO, OUT2, IOMMU_RW);
    g_assert_cmphex(leaf_now(&e), ==, before & ~D_AP_RO);
    g_assert_true(fake_mem_read(e.m, s2tbl) & D_AP_RO);
    env_free(&e);
}

/* The same without S2HD: the stage-2 block stays read-only, a fault */
static void test_nested_s2_clean_no_s2hd(void)
{
    Env e;
    SMMUTranslation out;
    SMMUFault f;

    env_nested(&e, D_DBM | D_AP_RO, 0, D_DBM, true, false);
    g_assert_false(smmu_translate(e.s, &e.cfg, VA, IOMMU_WO, &out, &f));
    g_assert_cmpint(f.type, ==, SMMU_FAULT_PERMISSION);
    g_assert_cmpint(f.stage, ==, 2);
    g_assert_cmpint(f.cls, ==, SMMU_CLASS_TT);
    g_assert_true(f.tt_write);
    g_assert_true(f.is_write);
    env_free(&e);
}

/* smmu_probe_translate() of e->in under @probe: it must give @out */
static void probe_ok(Env *e, SMMUWalkProbe *probe, IOMMUAccessFlags acc,
                     uint64_t out, IOMMUAccessFlags perm)
{
    SMMUTranslation o;
    SMMUFault f;

    e->s->probe = probe;
    g_assert_true(smmu_probe_translate(e->s, &e->cfg, e->in, acc, &o, &f));
    e->s->probe = NULL;
    g_assert_cmphex(o.addr, ==, out);
    g_assert_cmpint(o.perm, ==, perm);
}

/*
 * A probe (SMMUState.probe, the monitor's x-smmuv3-translate) walks as
 * the access would, noting the AF it would set, but swaps nothing and
 * leaves the TLB as it was: the next real access still sets AF.
 */
static void test_probe_s1_af(void)
{
    SMMUWalkProbe probe = { 0 };
    SMMUTLBStats stats;
    Env e;
    uint64_t before;

    env_s1(&e, 0, D_AF, true, false);
    before = leaf_now(&e);
    stats = e.s->tlb_stats;
    probe_ok(&e, &probe, IOMMU_RO, OUT, IOMMU_RW);
    g_assert_cmpuint(e.m->swaps, ==, 0);
    g_assert_cmphex(leaf_now(&e), ==, before);
    g_assert_cmpuint(e.s->tlb_stats.hits, ==, stats.hits);
    g_assert_cmpuint(e.s->tlb_stats.misses, ==, stats.misses);
    g_assert_cmpuint(e.s->tlb_stats.used, ==, 0);
    g_assert_cmpuint(probe.n, ==, 4);
    g_assert_cmpuint(probe.lost, ==, 0);
    g_assert_cmpint(probe.step[3].stage, ==, 1);
    g_assert_cmpint(probe.step[3].level, ==, 3);
    g_assert_cmphex(probe.step[3].pa, ==, e.leaf);
    g_assert_cmphex(probe.step[3].desc, ==, before);
    g_assert_cmphex(probe.step[3].update, ==, before | D_AF);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmphex(probe.step[i].update, ==, probe.step[i].desc);
    }

    expect_ok(&e, IOMMU_RO, OUT, IOMMU_RW);
    g_assert_cmpuint(e.m->swaps, ==, 1);
    g_assert_cmphex(leaf_now(&e), ==, before | D_AF);
    env_free(&e);
}

/*
 * Nested, a write to a writable-clean stage-1 leaf: the probe lists the
 * stage-2 walks of each table IPA (CLASS TT, the write one included) and
 * of the output (CLASS IN), and dirties nothing at either stage.
 */
static void test_probe_nested_dirty(void)
{
    SMMUWalkProbe probe = { 0 };
    Env e;
    uint64_t before, s2tbl, s2before;
    unsigned s1 = 0, tt = 0, in = 0, s2dirty = 0;

    env_nested(&e, D_DBM | D_AP_RO, 0, D_DBM, true, true);
    s2tbl = pt_entry(&e.b2, TBL_IPA, 2);
    s2before = fake_mem_read(e.m, s2tbl);
    before = leaf_now(&e);
    probe_ok(&e, &probe, IOMMU_WO, OUT2, IOMMU_RW);
    g_assert_cmpuint(e.m->swaps, ==, 0);
    g_assert_cmphex(leaf_now(&e), ==, before);
    g_assert_cmphex(fake_mem_read(e.m, s2tbl), ==, s2before);
    g_assert_cmpuint(e.s->tlb_stats.used, ==, 0);
    for (unsigned i = 0; i < probe.n; i++) {
        const SMMUWalkStep *st = &probe.step[i];

        if (st->stage == 1) {
            s1++;
        } else if (st->cls == SMMU_CLASS_TT) {
            tt++;
        } else {
            g_assert_cmpint(st->cls, ==, SMMU_CLASS_IN);
            in++;
        }
        if (st->stage == 1 && st->pa == e.leaf) {
            g_assert_cmphex(st->update, ==, before & ~D_AP_RO);
        }
        /* The stage-2 block of the tables: the write sets S2AP[1] */
        if (st->stage == 2 && st->pa == s2tbl && st->update != st->desc) {
            g_assert_cmphex(st->update, ==, s2before | D_AP_RO);
            s2dirty++;
        }
    }
    /* Tables in a level-2 block: 2 lookups per walk, 4 reads, 1 write */
    g_assert_cmpuint(s1, ==, 4);
    g_assert_cmpuint(tt, ==, 2 * 5);
    g_assert_cmpuint(in, ==, 3);
    g_assert_cmpuint(s2dirty, ==, 1);
    env_free(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smmu/httu/s1/af", test_s1_af);
    g_test_add_func("/smmu/httu/s1/no-ha", test_s1_no_ha);
    g_test_add_func("/smmu/httu/s1/dirty", test_s1_dirty);
    g_test_add_func("/smmu/httu/s1/dbm-without-hd", test_s1_dbm_without_hd);
    g_test_add_func("/smmu/httu/s2/af-dirty", test_s2_af_dirty);
    g_test_add_func("/smmu/httu/s2/refused-not-cached",
                    test_s2_refused_not_cached);
    g_test_add_func("/smmu/httu/race/new-oa", test_race_new_oa);
    g_test_add_func("/smmu/httu/race/again", test_race_again);
    g_test_add_func("/smmu/httu/race/invalid", test_race_invalid);
    g_test_add_func("/smmu/httu/race/read-only", test_race_read_only);
    g_test_add_func("/smmu/httu/race/forever", test_race_forever);
    g_test_add_func("/smmu/httu/swap-abort", test_swap_abort);
    g_test_add_func("/smmu/httu/nested/s2-read-only", test_nested_s2_ro);
    g_test_add_func("/smmu/httu/probe/s1-af", test_probe_s1_af);
    g_test_add_func("/smmu/httu/probe/nested-dirty", test_probe_nested_dirty);
    g_test_add_func("/smmu/httu/nested/s2-dirtied", test_nested_s2_dirtied);
    g_test_add_func("/smmu/httu/nested/s2-clean-without-s2hd",
                    test_nested_s2_clean_no_s2hd);
    return g_test_run();
}
