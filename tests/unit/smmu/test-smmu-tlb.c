/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the SMMU engine's TLB (IHI 0070 4.4): a fixed set of
 * entries inserted directly, one invalidation command, then which
 * entries survive.
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "smmu-unit.h"

/* The population every scope case starts from */
static const SMMUTLBEntry population[] = {
    /* 0 */ { .tag = SMMU_TAG_S1, .vmid = 1, .asid = 1, .base = 0x1000,
              .size_bits = 12 },
    /* 1 */ { .tag = SMMU_TAG_S1, .vmid = 1, .asid = 2, .base = 0x1000,
              .size_bits = 12 },
    /* 2 */ { .tag = SMMU_TAG_S1, .vmid = 1, .asid = 2, .base = 0x5000,
              .size_bits = 12, .global = true },
    /* 3 */ { .tag = SMMU_TAG_NESTED, .vmid = 1, .asid = 1, .base = 0x2000,
              .size_bits = 12, .ipa_base = 0x80000 },
    /* 4 */ { .tag = SMMU_TAG_S2, .vmid = 1, .base = 0x80000,
              .size_bits = 12 },
    /* 5 */ { .tag = SMMU_TAG_S1, .vmid = 2, .asid = 1, .base = 0x1000,
              .size_bits = 12 },
    /* 6 */ { .tag = SMMU_TAG_S2, .vmid = 2, .base = 0x80000,
              .size_bits = 12 },
    /* 7 */ { .tag = SMMU_TAG_NESTED, .vmid = 1, .asid = 3,
              .base = 0x200000, .size_bits = 21, .ipa_base = 0x400000 },
    /* 8 */ { .tag = SMMU_TAG_S1, .vmid = 1, .asid = 1, .base = 0x10000,
              .size_bits = 16 },
    /* 9 */ { .tag = SMMU_TAG_S1, .vmid = 1, .asid = 1,
              .base = 0xffffffffffe00000ULL, .size_bits = 21 },
};
#define ALL_ENTRIES     MAKE_64BIT_MASK(0, ARRAY_SIZE(population))
#define E(n)            (1ULL << (n))

typedef enum InvKind {
    INV_NSNH_ALL,
    INV_S12_VMALL,
    INV_NH_ALL,
    INV_NH_ASID,
    INV_NH_VA,              /* asid < 0: NH_VAA */
    INV_S2_IPA,
} InvKind;

typedef struct ScopeCase {
    const char *name;
    InvKind kind;
    uint16_t vmid;
    int asid;
    SMMUInvRange r;
    uint64_t gone;          /* population entries the command removes */
} ScopeCase;

static const ScopeCase scope_cases[] = {
    /* CMD_TLBI_NSNH_ALL: everything */
    { .name = "nsnh-all", .kind = INV_NSNH_ALL, .gone = ALL_ENTRIES },
    /* S12_VMALL: stage 1, stage 2 and nested of one VMID */
    { .name = "s12-vmall", .kind = INV_S12_VMALL, .vmid = 1,
      .gone = ALL_ENTRIES & ~(E(5) | E(6)) },
    { .name = "s12-vmall-other", .kind = INV_S12_VMALL, .vmid = 2,
      .gone = E(5) | E(6) },
    { .name = "s12-vmall-empty", .kind = INV_S12_VMALL, .vmid = 7 },
    /* NH_ALL: stage-1 and nested entries of the VMID, not stage 2 */
    { .name = "nh-all", .kind = INV_NH_ALL, .vmid = 1,
      .gone = ALL_ENTRIES & ~(E(4) | E(5) | E(6)) },
    /* NH_ASID: that ASID only, global entries included */
    { .name = "nh-asid", .kind = INV_NH_ASID, .vmid = 1, .asid = 1,
      .gone = E(0) | E(3) | E(8) | E(9) },
    { .name = "nh-asid-global", .kind = INV_NH_ASID, .vmid = 1, .asid = 2,
      .gone = E(1) | E(2) },
    { .name = "nh-asid-other-vmid", .kind = INV_NH_ASID, .vmid = 2,
      .asid = 1, .gone = E(5) },
    /* NH_VA: the entry holding the VA, in its ASID only */
    { .name = "nh-va", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0x1234 }, .gone = E(0) },
    { .name = "nh-va-other-asid", .kind = INV_NH_VA, .vmid = 1, .asid = 2,
      .r = { .addr = 0x1000 }, .gone = E(1) },
    { .name = "nh-va-miss", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0x3000 } },
    /* IHI 0070 4.4.2.4: NH_VA reaches global entries of any ASID */
    { .name = "nh-va-global", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0x5000 }, .gone = E(2) },
    { .name = "nh-va-global-other-vmid", .kind = INV_NH_VA, .vmid = 2,
      .asid = 1, .r = { .addr = 0x5000 } },
    /* a nested entry by VA; inside a 2 MiB block */
    { .name = "nh-va-nested", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0x2000 }, .gone = E(3) },
    { .name = "nh-va-block", .kind = INV_NH_VA, .vmid = 1, .asid = 3,
      .r = { .addr = 0x3ff000 }, .gone = E(7) },
    { .name = "nh-va-64k", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0x1f000 }, .gone = E(8) },
    /* TTB1 VAs are kept in canonical form; tagged commands find them */
    { .name = "nh-va-ttb1", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0xffffffffffe01000ULL }, .gone = E(9) },
    { .name = "nh-va-ttb1-tagged", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0x00ffffffffe01000ULL }, .gone = E(9) },
    /* NH_VAA: every ASID of the VMID */
    { .name = "nh-vaa", .kind = INV_NH_VA, .vmid = 1, .asid = -1,
      .r = { .addr = 0x1000 }, .gone = E(0) | E(1) },
    { .name = "nh-vaa-other-vmid", .kind = INV_NH_VA, .vmid = 2,
      .asid = -1, .r = { .addr = 0x1000 }, .gone = E(5) },
    /* Ranges: (NUM + 1) << SCALE granules of TG from addr (4.4.1.1) */
    { .name = "range-4k-num3", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0, .tg = 1, .num = 3 }, .gone = E(0) | E(3) },
    { .name = "range-4k-num0", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0x2000, .tg = 1 }, .gone = E(3) },
    { .name = "range-4k-scale4", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0, .tg = 1, .scale = 4 },
      .gone = E(0) | E(2) | E(3) },
    { .name = "range-4k-scale4-num1", .kind = INV_NH_VA, .vmid = 1,
      .asid = 1, .r = { .addr = 0, .tg = 1, .num = 1, .scale = 4 },
      .gone = E(0) | E(2) | E(3) | E(8) },
    { .name = "range-16k-num1", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0, .tg = 2, .num = 1 }, .gone = E(0) | E(2) | E(3) },
    { .name = "range-16k-aligns-down", .kind = INV_NH_VA, .vmid = 1,
      .asid = 1, .r = { .addr = 0x1fff, .tg = 2 }, .gone = E(0) | E(3) },
    { .name = "range-64k", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0x10000, .tg = 3 }, .gone = E(8) },
    { .name = "range-64k-scale5", .kind = INV_NH_VA, .vmid = 1, .asid = 3,
      .r = { .addr = 0, .tg = 3, .scale = 5 }, .gone = E(2) },
    { .name = "range-64k-scale6", .kind = INV_NH_VA, .vmid = 1, .asid = 3,
      .r = { .addr = 0, .tg = 3, .scale = 6 }, .gone = E(2) | E(7) },
    /* the end of a range stops short of the next page */
    { .name = "range-ends-before", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0, .tg = 1 } },
    /* TTL and Leaf only narrow what must go: the same entries go */
    { .name = "range-ttl3", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0x1000, .tg = 1, .ttl = 3, .leaf = true },
      .gone = E(0) },
    { .name = "range-ttl2-block", .kind = INV_NH_VA, .vmid = 1, .asid = 3,
      .r = { .addr = 0x200000, .tg = 1, .ttl = 2 }, .gone = E(7) },
    /* SCALE 63: the range runs to the top of the address space */
    { .name = "range-scale63", .kind = INV_NH_VA, .vmid = 1, .asid = 1,
      .r = { .addr = 0, .tg = 1, .num = 31, .scale = 63 },
      .gone = E(0) | E(2) | E(3) | E(8) | E(9) },
    { .name = "range-vaa", .kind = INV_NH_VA, .vmid = 1, .asid = -1,
      .r = { .addr = 0, .tg = 1, .num = 31 },
      .gone = E(0) | E(1) | E(2) | E(3) | E(8) },
    /* S2_IPA: stage-2 entries and the nested ones over that IPA */
    { .name = "s2-ipa", .kind = INV_S2_IPA, .vmid = 1,
      .r = { .addr = 0x80000 }, .gone = E(3) | E(4) },
    { .name = "s2-ipa-other-vmid", .kind = INV_S2_IPA, .vmid = 2,
      .r = { .addr = 0x80000 }, .gone = E(6) },
    { .name = "s2-ipa-nested-block", .kind = INV_S2_IPA, .vmid = 1,
      .r = { .addr = 0x5ff000 }, .gone = E(7) },
    { .name = "s2-ipa-range", .kind = INV_S2_IPA, .vmid = 1,
      .r = { .addr = 0x400000, .tg = 1, .num = 1, .scale = 0 },
      .gone = E(7) },
    { .name = "s2-ipa-range-all", .kind = INV_S2_IPA, .vmid = 1,
      .r = { .addr = 0, .tg = 3, .num = 31, .scale = 20 },
      .gone = E(3) | E(4) | E(7) },
    /* IPA commands never reach stage-1-only entries by VA */
    { .name = "s2-ipa-not-va", .kind = INV_S2_IPA, .vmid = 1,
      .r = { .addr = 0x1000 } },
};

static SMMUState *populate(FakeMem *m)
{
    SMMUState *s = engine_new(m, 64);
    size_t i;

    for (i = 0; i < ARRAY_SIZE(population); i++) {
        smmu_tlb_insert(s, &population[i]);
    }
    return s;
}

static bool present(SMMUState *s, const SMMUTLBEntry *e)
{
    return smmu_tlb_lookup(s, e->tag, e->vmid, e->asid, e->base) != NULL;
}

/* The one expectation: exactly the entries of @gone are missing */
static void expect_survivors(SMMUState *s, uint64_t gone)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(population); i++) {
        if (present(s, &population[i]) != !(gone & E(i))) {
            g_test_message("entry %zu: expected %s", i,
                           gone & E(i) ? "gone" : "kept");
            g_test_fail();
        }
    }
    g_assert_cmpuint(s->tlb_stats.used, ==,
                     ARRAY_SIZE(population) - ctpop64(gone));
}

static void run_scope(const void *opaque)
{
    const ScopeCase *c = opaque;
    FakeMem *m = fake_mem_new();
    SMMUState *s = populate(m);

    switch (c->kind) {
    case INV_NSNH_ALL:
        smmu_tlb_inv_all(s);
        break;
    case INV_S12_VMALL:
        smmu_tlb_inv_vmid(s, c->vmid);
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
    case INV_S2_IPA:
        smmu_tlb_inv_ipa(s, c->vmid, &c->r);
        break;
    }
    g_assert_cmpuint(s->tlb_stats.invalidated, ==, ctpop64(c->gone));
    expect_survivors(s, c->gone);
    engine_free(s);
    fake_mem_free(m);
}

/* A lookup finds an entry under its own key and size only */
static void test_lookup_key(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = populate(m);

    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 1, 0x1ff8));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 1, 0x3000));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 4, 0x1000));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S1, 3, 1, 0x1000));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_NESTED, 1, 1, 0x1000));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 0x1000));
    /* sizes: inside the 2 MiB and 64 KiB entries, not past them */
    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_NESTED, 1, 3, 0x3fffff));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_NESTED, 1, 3, 0x400000));
    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 1, 0x1fffc));
    engine_free(s);
    fake_mem_free(m);
}

/* A global entry stays tagged with the ASID that walked it */
static void test_global_keeps_asid(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = populate(m);

    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 2, 0x5000));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 1, 0x5000));
    engine_free(s);
    fake_mem_free(m);
}

/* Hits and misses are counted; a repeated hit uses the front array */
static void test_stats(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = populate(m);
    int i;

    for (i = 0; i < 3; i++) {
        g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S2, 2, 0, 0x80010));
    }
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S2, 2, 0, 0x90000));
    g_assert_cmpuint(s->tlb_stats.hits, ==, 3);
    g_assert_cmpuint(s->tlb_stats.misses, ==, 1);
    g_assert_cmpuint(s->tlb_stats.used, ==, ARRAY_SIZE(population));
    engine_free(s);
    fake_mem_free(m);
}

/* A removed entry is not found through the front array afterwards */
static void test_front_after_inv(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = populate(m);
    SMMUInvRange r = { .addr = 0x3ff000 };

    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_NESTED, 1, 3, 0x3ff000));
    smmu_tlb_inv_va(s, 1, 3, &r);
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_NESTED, 1, 3, 0x3ff000));
    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 1, 0x1000));
    smmu_tlb_inv_all(s);
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 1, 0x1000));
    engine_free(s);
    fake_mem_free(m);
}

/* At capacity the least recently used entry alone is evicted */
static void test_evict_lru(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 3);
    SMMUTLBEntry e = { .tag = SMMU_TAG_S2, .vmid = 1, .size_bits = 12 };
    int i;

    for (i = 0; i < 3; i++) {
        e.base = i << 12;
        smmu_tlb_insert(s, &e);
    }
    /* touch entry 0: entry 1 is now the oldest */
    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 0));
    e.base = 3 << 12;
    smmu_tlb_insert(s, &e);
    g_assert_cmpuint(s->tlb_stats.evictions, ==, 1);
    g_assert_cmpuint(s->tlb_stats.used, ==, 3);
    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 0));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 1 << 12));
    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 2 << 12));
    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 3 << 12));
    engine_free(s);
    fake_mem_free(m);
}

/* A capacity of one still caches the newest entry */
static void test_evict_one(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 1);
    SMMUTLBEntry e = { .tag = SMMU_TAG_S1, .vmid = 1, .asid = 1,
                       .size_bits = 12 };
    int i;

    for (i = 0; i < 5; i++) {
        e.base = i << 12;
        smmu_tlb_insert(s, &e);
        g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 1, e.base));
    }
    g_assert_cmpuint(s->tlb_stats.evictions, ==, 4);
    g_assert_cmpuint(s->tlb_stats.used, ==, 1);
    engine_free(s);
    fake_mem_free(m);
}

/* Entries of different sizes at overlapping addresses both stay */
static void test_mixed_sizes(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 8);
    SMMUTLBEntry big = { .tag = SMMU_TAG_S2, .vmid = 1, .base = 0,
                         .size_bits = 21, .out_base = 0x200000 };
    SMMUTLBEntry page = { .tag = SMMU_TAG_S2, .vmid = 1, .base = 0x1000,
                          .size_bits = 12, .out_base = 0x9000 };
    SMMUInvRange r = { .addr = 0x1000 };

    smmu_tlb_insert(s, &big);
    smmu_tlb_insert(s, &page);
    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 0x1800));
    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 0x5000));
    /* one IPA invalidation drops both entries holding it */
    smmu_tlb_inv_ipa(s, 1, &r);
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 0x1800));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S2, 1, 0, 0x5000));
    g_assert_cmpuint(s->tlb_stats.invalidated, ==, 2);
    engine_free(s);
    fake_mem_free(m);
}

/* The UNMAP notification span of a command (smmu_inv_range_span) */
typedef struct SpanCase {
    const char *name;
    SMMUInvRange r;
    uint8_t granule_bits;
    uint64_t start, last;
} SpanCase;

static const SpanCase span_cases[] = {
    /* single address: one page of the mapping's granule */
    { .name = "single-4k", .r = { .addr = 0x12345 }, .granule_bits = 12,
      .start = 0x12000, .last = 0x12fff },
    { .name = "single-64k", .r = { .addr = 0x12345 }, .granule_bits = 16,
      .start = 0x10000, .last = 0x1ffff },
    /* an unknown granule counts as 4K */
    { .name = "single-bad-granule", .r = { .addr = 0x12345 },
      .granule_bits = 0, .start = 0x12000, .last = 0x12fff },
    { .name = "range-4k-num3", .r = { .addr = 0x4000, .tg = 1, .num = 3 },
      .start = 0x4000, .last = 0x7fff },
    { .name = "range-16k-scale2",
      .r = { .addr = 0x8000, .tg = 2, .scale = 2 },
      .start = 0x8000, .last = 0x17fff },
    { .name = "range-64k-num31-scale1",
      .r = { .addr = 0x10000, .tg = 3, .num = 31, .scale = 1 },
      .start = 0x10000, .last = 0x40ffff },
    { .name = "range-saturates",
      .r = { .addr = 0x1000, .tg = 1, .num = 31, .scale = 63 },
      .start = 0x1000, .last = UINT64_MAX },
    { .name = "range-wraps", .r = { .addr = 0xfffffffffff00000ULL,
      .tg = 1, .num = 31, .scale = 20 },
      .start = 0xfffffffffff00000ULL, .last = UINT64_MAX },
};

static void run_span(const void *opaque)
{
    const SpanCase *c = opaque;
    uint64_t start, last;

    smmu_inv_range_span(&c->r, c->granule_bits, &start, &last);
    g_assert_cmphex(start, ==, c->start);
    g_assert_cmphex(last, ==, c->last);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    for (i = 0; i < ARRAY_SIZE(scope_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmu/tlb/inv/%s",
                                                scope_cases[i].name);

        g_test_add_data_func(path, &scope_cases[i], run_scope);
    }
    for (i = 0; i < ARRAY_SIZE(span_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmu/tlb/span/%s",
                                                span_cases[i].name);

        g_test_add_data_func(path, &span_cases[i], run_span);
    }
    g_test_add_func("/smmu/tlb/lookup-key", test_lookup_key);
    g_test_add_func("/smmu/tlb/global-keeps-asid", test_global_keeps_asid);
    g_test_add_func("/smmu/tlb/stats", test_stats);
    g_test_add_func("/smmu/tlb/front-after-inv", test_front_after_inv);
    g_test_add_func("/smmu/tlb/evict-lru", test_evict_lru);
    g_test_add_func("/smmu/tlb/evict-one", test_evict_one);
    g_test_add_func("/smmu/tlb/mixed-sizes", test_mixed_sizes);
    return g_test_run();
}
