/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the engine's EL2 translation regimes (IHI 0070 3.17.5,
 * 5.4.1): the NS-EL2 stage-1 walk (one VA range, no user permission
 * checking, AP[1] ignored, no ASID), the NS-EL2-E2H walk (as NS-EL1, in
 * its own TLB regime), and the scopes of CMD_TLBI_EL2_* and of the
 * NS-EL1 commands over a TLB that holds entries of all three (4.4.2,
 * 4.4.4.1).
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "smmu-unit.h"

/* ---- TLB scopes ---- */

static const SMMUTLBEntry population[] = {
    /* 0 */ { .tag = SMMU_TAG_S1, .vmid = 0, .asid = 1, .base = 0x1000,
              .size_bits = 12 },
    /* 1 */ { .tag = SMMU_TAG_S1, .vmid = 0, .asid = 0, .base = 0x1000,
              .size_bits = 12, .global = true },
    /* 2 */ { .tag = SMMU_TAG_NESTED, .vmid = 1, .asid = 1, .base = 0x1000,
              .size_bits = 12, .ipa_base = 0x80000 },
    /* 3 */ { .tag = SMMU_TAG_S2, .vmid = 0, .base = 0x1000,
              .size_bits = 12 },
    /* 4: NS-EL2, no ASID, every entry global */
            { .tag = SMMU_TAG_EL2, .base = 0x1000, .size_bits = 12,
              .global = true },
    /* 5 */ { .tag = SMMU_TAG_EL2, .base = 0x200000, .size_bits = 21,
              .global = true },
    /* 6: NS-EL2-E2H, ASID 1 */
            { .tag = SMMU_TAG_EL2_E2H, .asid = 1, .base = 0x1000,
              .size_bits = 12 },
    /* 7: ASID 2 */
            { .tag = SMMU_TAG_EL2_E2H, .asid = 2, .base = 0x1000,
              .size_bits = 12 },
    /* 8: a global E2H entry cached under ASID 2 */
            { .tag = SMMU_TAG_EL2_E2H, .asid = 2, .base = 0x5000,
              .size_bits = 12, .global = true },
    /* 9: an E2H TTB1 address */
            { .tag = SMMU_TAG_EL2_E2H, .asid = 1,
              .base = 0xffffffffffe00000ULL, .size_bits = 21 },
};
#define ALL_ENTRIES     MAKE_64BIT_MASK(0, ARRAY_SIZE(population))
#define E(n)            (1ULL << (n))
#define EL1_ENTRIES     (E(0) | E(1) | E(2) | E(3))
#define EL2_ENTRIES     (E(4) | E(5))
#define E2H_ENTRIES     (E(6) | E(7) | E(8) | E(9))

typedef enum InvKind {
    INV_NSNH_ALL,
    INV_NH_ALL,
    INV_NH_ASID,
    INV_NH_VA,
    INV_S12_VMALL,
    INV_EL2_ALL,
    INV_EL2_ASID,
    INV_EL2_VA,             /* asid < 0: EL2_VAA */
} InvKind;

typedef struct ScopeCase {
    const char *name;
    InvKind kind;
    SMMURegime regime;      /* EL2_VA[A]: what SMMU_CR2.E2H selects */
    uint16_t vmid;
    int asid;
    SMMUInvRange r;
    uint64_t gone;
} ScopeCase;

static const ScopeCase scope_cases[] = {
    /* 4.4.4.1: NSNH_ALL leaves NS-EL2 and NS-EL2-E2H entries */
    { "nsnh-all", INV_NSNH_ALL, .gone = EL1_ENTRIES },
    /* NS-EL1 commands of VMID 0 (the EL2 entries' VMID field) */
    { "nh-all", INV_NH_ALL, .vmid = 0, .gone = E(0) | E(1) },
    { "nh-asid", INV_NH_ASID, .vmid = 0, .asid = 1, .gone = E(0) },
    { "nh-va", INV_NH_VA, .vmid = 0, .asid = 1, .r = { .addr = 0x1000 },
      .gone = E(0) | E(1) },
    { "nh-vaa", INV_NH_VA, .vmid = 0, .asid = -1,
      .r = { .addr = 0x0, .tg = 1, .num = 31, .scale = 20 },
      .gone = E(0) | E(1) },
    { "s12-vmall", INV_S12_VMALL, .vmid = 0, .gone = E(0) | E(1) | E(3) },
    /* 4.4.2.7: EL2_ALL, both EL2 regimes and nothing else */
    { "el2-all", INV_EL2_ALL, .gone = EL2_ENTRIES | E2H_ENTRIES },
    /* 4.4.2.10: EL2_ASID, E2H entries of the ASID */
    { "el2-asid", INV_EL2_ASID, .asid = 1, .gone = E(6) | E(9) },
    { "el2-asid-2", INV_EL2_ASID, .asid = 2, .gone = E(7) | E(8) },
    { "el2-asid-none", INV_EL2_ASID, .asid = 3 },
    /* 4.4.2.8 with E2H == 0: NS-EL2 entries by VA, ASID ignored */
    { "el2-va", INV_EL2_VA, SMMU_REGIME_EL2, .asid = 7,
      .r = { .addr = 0x1000 }, .gone = E(4) },
    { "el2-va-block", INV_EL2_VA, SMMU_REGIME_EL2, .asid = 0,
      .r = { .addr = 0x3ff000 }, .gone = E(5) },
    { "el2-va-range", INV_EL2_VA, SMMU_REGIME_EL2, .asid = 0,
      .r = { .addr = 0, .tg = 1, .num = 31, .scale = 20 },
      .gone = EL2_ENTRIES },
    /* with E2H == 1: the ASID's and global E2H entries */
    { "el2-e2h-va", INV_EL2_VA, SMMU_REGIME_EL2_E2H, .asid = 1,
      .r = { .addr = 0x1000 }, .gone = E(6) },
    { "el2-e2h-va-global", INV_EL2_VA, SMMU_REGIME_EL2_E2H, .asid = 1,
      .r = { .addr = 0x5000 }, .gone = E(8) },
    { "el2-e2h-va-ttb1", INV_EL2_VA, SMMU_REGIME_EL2_E2H, .asid = 1,
      .r = { .addr = 0xffffffffffe01000ULL }, .gone = E(9) },
    /* 4.4.2.9: EL2_VAA, every ASID */
    { "el2-e2h-vaa", INV_EL2_VA, SMMU_REGIME_EL2_E2H, .asid = -1,
      .r = { .addr = 0x1000 }, .gone = E(6) | E(7) },
    { "el2-vaa", INV_EL2_VA, SMMU_REGIME_EL2, .asid = -1,
      .r = { .addr = 0x1000 }, .gone = E(4) },
};

static bool present(SMMUState *s, const SMMUTLBEntry *e)
{
    return smmu_tlb_lookup(s, e->tag, e->vmid, e->asid, e->base) != NULL;
}

static void run_scope(const void *opaque)
{
    const ScopeCase *c = opaque;
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    size_t i;

    for (i = 0; i < ARRAY_SIZE(population); i++) {
        smmu_tlb_insert(s, &population[i]);
    }
    switch (c->kind) {
    case INV_NSNH_ALL:
        smmu_tlb_inv_nsnh_all(s);
        break;
    case INV_NH_ALL:
        smmu_tlb_inv_vmid_s1(s, c->vmid);
        break;
    case INV_NH_ASID:
        smmu_tlb_inv_asid(s, c->vmid, c->asid);
        break;
    case INV_NH_VA:
        smmu_tlb_inv_va(s, c->vmid, c->asid, &c->r);
        break;
    case INV_S12_VMALL:
        smmu_tlb_inv_vmid(s, c->vmid);
        break;
    case INV_EL2_ALL:
        smmu_tlb_inv_el2_all(s);
        break;
    case INV_EL2_ASID:
        smmu_tlb_inv_el2_asid(s, c->asid);
        break;
    case INV_EL2_VA:
        smmu_tlb_inv_el2_va(s, c->regime, c->asid, &c->r);
        break;
    }
    g_assert_cmpuint(s->tlb_stats.invalidated, ==, ctpop64(c->gone));
    for (i = 0; i < ARRAY_SIZE(population); i++) {
        if (present(s, &population[i]) != !(c->gone & E(i))) {
            g_test_message("entry %zu: expected %s", i,
                           c->gone & E(i) ? "gone" : "kept");
            g_test_fail();
        }
    }
    g_assert_cmpuint(s->tlb_stats.used, ==,
                     ARRAY_SIZE(population) - ctpop64(c->gone));
    engine_free(s);
    fake_mem_free(m);
}

/* NSNH_ALL with only NS-EL1 entries cached still empties the TLB */
static void test_nsnh_el1_only(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);

    smmu_tlb_insert(s, &population[0]);
    smmu_tlb_insert(s, &population[3]);
    smmu_tlb_inv_nsnh_all(s);
    g_assert_cmpuint(s->tlb_stats.used, ==, 0);
    g_assert_cmpuint(s->tlb_stats.invalidated, ==, 2);
    /* an EL2 entry inserted afterwards is found again */
    smmu_tlb_insert(s, &population[4]);
    g_assert_true(present(s, &population[4]));
    engine_free(s);
    fake_mem_free(m);
}

/* ---- Walks ---- */

#define OUT_PAGE    0x40000000ULL
#define VA          0x12345000ULL

typedef struct World {
    FakeMem *m;
    SMMUState *s;
    PtBuilder b;
    SMMUTransCfg cfg;
} World;

/* 4K, 39-bit VAs from level 1, one page at VA with @leaf_bits */
static void world_init(World *w, SMMURegime regime, uint64_t leaf_attrs,
                       uint64_t table_attrs)
{
    w->m = fake_mem_new();
    w->s = engine_new(w->m, 64);
    pt_init(&w->b, w->m, 12, 39, 1, 0);
    w->b.table_attrs = table_attrs;
    pt_map(&w->b, VA, 3, s1_leaf(OUT_PAGE, 3) | leaf_attrs);
    w->cfg = cfg_s1(&w->b);
    w->cfg.s1.regime = regime;
    w->cfg.s2.vmid = 0;
    if (regime == SMMU_REGIME_EL2) {
        w->cfg.s1.asid = 0;     /* what the CD decoder gives at EL2 */
    }
}

static void world_free(World *w)
{
    engine_free(w->s);
    fake_mem_free(w->m);
}

static const Expect page_rw = {
    .addr = OUT_PAGE, .addr_mask = 0xfff, .perm = IOMMU_RW,
};
static const Expect page_ro = {
    .addr = OUT_PAGE, .addr_mask = 0xfff, .perm = IOMMU_RO,
};
static const Expect s1_perm = S1_FAULT(SMMU_FAULT_PERMISSION, 3);

#define AP_RO       (2ULL << 6)     /* AP[2:1] = 0b10: privileged RO */
#define AP_USER     (1ULL << 6)
#define DESC_UXN    (1ULL << 54)
#define DESC_PXN    (1ULL << 53)
#define DESC_NG     (1ULL << 11)
#define TBL_APTABLE0 (1ULL << 61)
#define TBL_PXNTABLE (1ULL << 59)
#define TBL_XNTABLE  (1ULL << 60)

/*
 * 3.17.5, 5.4.1, Arm ARM: at NS-EL2 AP[1] is ignored (treated as 1), so
 * an unprivileged stream reads a page with AP[2:1] = 0b00, which NS-EL1
 * refuses it; APTable[0] and PXNTable are ignored.
 */
static void test_el2_ap1_ignored(void)
{
    World w;

    world_init(&w, SMMU_REGIME_EL2, 0, TBL_APTABLE0);
    pt_map(&w.b, VA, 3, (s1_leaf(OUT_PAGE, 3) & ~AP_USER));
    w.cfg.priv = false;
    expect_translate(w.s, &w.cfg, VA, IOMMU_RW, &page_rw);
    world_free(&w);

    world_init(&w, SMMU_REGIME_EL1, 0, 0);
    pt_map(&w.b, VA, 3, (s1_leaf(OUT_PAGE, 3) & ~AP_USER));
    w.cfg.priv = false;
    expect_translate(w.s, &w.cfg, VA, IOMMU_RO, &s1_perm);
    world_free(&w);
}

/* AP[2] still makes a page read-only at EL2, for every stream */
static void test_el2_ap2(void)
{
    World w;

    world_init(&w, SMMU_REGIME_EL2, AP_RO, 0);
    w.cfg.priv = false;
    expect_translate(w.s, &w.cfg, VA, IOMMU_RO, &page_ro);
    expect_translate(w.s, &w.cfg, VA, IOMMU_WO, &s1_perm);
    world_free(&w);
}

/* Bit 54 and XNTable are XN at EL2; bit 53 and PXNTable are ignored */
static void test_el2_xn(void)
{
    World w;

    world_init(&w, SMMU_REGIME_EL2, DESC_PXN, TBL_PXNTABLE);
    w.cfg.instr = true;
    expect_translate(w.s, &w.cfg, VA, IOMMU_RO, &page_rw);
    world_free(&w);

    world_init(&w, SMMU_REGIME_EL2, DESC_UXN, 0);
    w.cfg.instr = true;
    expect_translate(w.s, &w.cfg, VA, IOMMU_RO, &s1_perm);
    world_free(&w);

    world_init(&w, SMMU_REGIME_EL2, 0, TBL_XNTABLE);
    w.cfg.instr = true;
    w.cfg.priv = false;
    expect_translate(w.s, &w.cfg, VA, IOMMU_RO, &s1_perm);
    world_free(&w);
}

/*
 * EL2 entries are tagged by regime: an NS-EL1 stream with the same
 * tables, VMID 0 and ASID 0 walks again, and so does an NS-EL2-E2H one;
 * nG is ignored at EL2 (the entry is global), not at E2H.
 */
static void test_regime_tags(void)
{
    World w;
    unsigned reads;
    SMMUTransCfg el1, e2h;
    SMMUTLBEntry *e;

    world_init(&w, SMMU_REGIME_EL2, DESC_NG, 0);
    expect_translate(w.s, &w.cfg, VA, IOMMU_RW, &page_rw);
    e = smmu_tlb_lookup(w.s, SMMU_TAG_EL2, 0, 0, VA);
    g_assert_nonnull(e);
    g_assert_true(e->global);
    g_assert_null(smmu_tlb_lookup(w.s, SMMU_TAG_S1, 0, 0, VA));

    reads = w.m->reads;
    expect_translate(w.s, &w.cfg, VA, IOMMU_RW, &page_rw);
    g_assert_cmpuint(w.m->reads, ==, reads);            /* a hit */

    el1 = w.cfg;
    el1.s1.regime = SMMU_REGIME_EL1;
    expect_translate(w.s, &el1, VA, IOMMU_RW, &page_rw);
    g_assert_cmpuint(w.m->reads, ==, reads + 3);        /* walked */

    e2h = w.cfg;
    e2h.s1.regime = SMMU_REGIME_EL2_E2H;
    e2h.s1.asid = 5;
    expect_translate(w.s, &e2h, VA, IOMMU_RW, &page_rw);
    g_assert_cmpuint(w.m->reads, ==, reads + 6);
    e = smmu_tlb_lookup(w.s, SMMU_TAG_EL2_E2H, 0, 5, VA);
    g_assert_nonnull(e);
    g_assert_false(e->global);

    /* NH_ALL of VMID 0 drops the NS-EL1 entry only */
    smmu_tlb_inv_vmid_s1(w.s, 0);
    g_assert_cmpuint(w.s->tlb_stats.invalidated, ==, 1);
    expect_translate(w.s, &w.cfg, VA, IOMMU_RW, &page_rw);
    expect_translate(w.s, &e2h, VA, IOMMU_RW, &page_rw);
    g_assert_cmpuint(w.m->reads, ==, reads + 6);
    world_free(&w);
}

/*
 * 3.21.1.3 (BBML 2): a block that replaces a table without invalidation
 * gives either translation, never a mix; TLBI by VA then removes both.
 */
static void test_bbm_block_over_table(void)
{
    World w;
    SMMUTranslation out;
    SMMUFault f;
    const Expect block = {
        .addr = 0x80000000ULL | (VA & 0x1fffff), .addr_mask = 0x1fffff,
        .perm = IOMMU_RW,
    };
    SMMUInvRange r = { .addr = VA };

    world_init(&w, SMMU_REGIME_EL2, 0, 0);
    expect_translate(w.s, &w.cfg, VA, IOMMU_RW, &page_rw);
    pt_map(&w.b, VA, 2, s1_leaf(0x80000000ULL, 2));
    /* another page of the new block is walked and cached as a block */
    expect_translate(w.s, &w.cfg, (VA & ~0x1fffffULL) + 0x100000, IOMMU_RW,
                     &(Expect){ .addr = 0x80100000ULL, .addr_mask = 0x1fffff,
                                .perm = IOMMU_RW });
    /* VA now matches both entries: one of them answers, whole */
    g_assert_true(smmu_translate(w.s, &w.cfg, VA + 8, IOMMU_RW, &out, &f));
    g_assert_true((out.addr == OUT_PAGE + 8 && out.addr_mask == 0xfff) ||
                  (out.addr == block.addr + 8 &&
                   out.addr_mask == block.addr_mask));
    smmu_tlb_inv_el2_va(w.s, SMMU_REGIME_EL2, 0, &r);
    g_assert_cmpuint(w.s->tlb_stats.invalidated, ==, 2);
    expect_translate(w.s, &w.cfg, VA, IOMMU_RW, &block);
    world_free(&w);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < ARRAY_SIZE(scope_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmu/el2/scope/%s",
                                                scope_cases[i].name);
        g_test_add_data_func(path, &scope_cases[i], run_scope);
    }
    g_test_add_func("/smmu/el2/nsnh-el1-only", test_nsnh_el1_only);
    g_test_add_func("/smmu/el2/walk/ap1-ignored", test_el2_ap1_ignored);
    g_test_add_func("/smmu/el2/walk/ap2", test_el2_ap2);
    g_test_add_func("/smmu/el2/walk/xn", test_el2_xn);
    g_test_add_func("/smmu/el2/walk/regime-tags", test_regime_tags);
    g_test_add_func("/smmu/el2/walk/bbm-block-over-table",
                    test_bbm_block_over_table);
    return g_test_run();
}
