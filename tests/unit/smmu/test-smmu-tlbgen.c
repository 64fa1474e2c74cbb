/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of SMMUState.tlb_gen, which the device's per-thread caches
 * of TLB hits check without a lock: every way an entry leaves the TLB
 * (each invalidation command, eviction, reset) must change it, so no
 * copy of an entry outlives the entry; lookups and fills without an
 * eviction leave it, so those copies stay usable.
 */

#include "qemu/osdep.h"
#include "smmu-unit.h"

typedef enum Op {
    OP_ALL, OP_NSNH_ALL, OP_EL2_ALL, OP_EL2_ASID, OP_VMID, OP_VMID_S1,
    OP_ASID, OP_VA, OP_VAA, OP_EL2_VA, OP_IPA,
} Op;

typedef struct GenCase {
    const char *name;
    Op op;
} GenCase;

static const GenCase cases[] = {
    { "all", OP_ALL }, { "nsnh-all", OP_NSNH_ALL },
    { "el2-all", OP_EL2_ALL }, { "el2-asid", OP_EL2_ASID },
    { "s12-vmall", OP_VMID }, { "nh-all", OP_VMID_S1 },
    { "nh-asid", OP_ASID }, { "nh-va", OP_VA }, { "nh-vaa", OP_VAA },
    { "el2-va", OP_EL2_VA }, { "s2-ipa", OP_IPA },
};

/* One entry of each kind every command above reaches */
static SMMUState *populate(FakeMem *m)
{
    static const SMMUTLBEntry pop[] = {
        { .tag = SMMU_TAG_S1, .vmid = 1, .asid = 1, .base = 0x1000,
          .size_bits = 12 },
        { .tag = SMMU_TAG_NESTED, .vmid = 1, .asid = 1, .base = 0x2000,
          .size_bits = 12, .ipa_base = 0x80000 },
        { .tag = SMMU_TAG_S2, .vmid = 1, .base = 0x80000, .size_bits = 12 },
        { .tag = SMMU_TAG_EL2, .base = 0x1000, .size_bits = 12 },
        { .tag = SMMU_TAG_EL2_E2H, .asid = 1, .base = 0x1000,
          .size_bits = 12 },
    };
    SMMUState *s = engine_new(m, 64);

    for (size_t i = 0; i < ARRAY_SIZE(pop); i++) {
        smmu_tlb_insert(s, &pop[i]);
    }
    return s;
}

static void run(SMMUState *s, Op op)
{
    SMMUInvRange va = { .addr = 0x1000 };
    SMMUInvRange ipa = { .addr = 0x80000 };

    switch (op) {
    case OP_ALL:
        smmu_tlb_inv_all(s);
        break;
    case OP_NSNH_ALL:
        smmu_tlb_inv_nsnh_all(s);
        break;
    case OP_EL2_ALL:
        smmu_tlb_inv_el2_all(s);
        break;
    case OP_EL2_ASID:
        smmu_tlb_inv_el2_asid(s, 1);
        break;
    case OP_VMID:
        smmu_tlb_inv_vmid(s, 1);
        break;
    case OP_VMID_S1:
        smmu_tlb_inv_vmid_s1(s, 1);
        break;
    case OP_ASID:
        smmu_tlb_inv_asid(s, 1, 1);
        break;
    case OP_VA:
        smmu_tlb_inv_va(s, 1, 1, &va);
        break;
    case OP_VAA:
        smmu_tlb_inv_va(s, 1, -1, &va);
        break;
    case OP_EL2_VA:
        smmu_tlb_inv_el2_va(s, SMMU_REGIME_EL2, -1, &va);
        break;
    case OP_IPA:
        smmu_tlb_inv_ipa(s, 1, &ipa);
        break;
    }
}

/* A command that removes an entry changes the generation */
static void test_inval(const void *opaque)
{
    const GenCase *c = opaque;
    FakeMem *m = fake_mem_new();
    SMMUState *s = populate(m);
    uint64_t used = s->tlb_stats.used;
    uint32_t gen = s->tlb_gen;

    run(s, c->op);
    g_assert_cmpuint(s->tlb_stats.used, <, used);
    g_assert_cmpuint(s->tlb_gen, !=, gen);
    engine_free(s);
    fake_mem_free(m);
}

/* Lookups, hits or misses, and fills into free room keep it */
static void test_stable(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = populate(m);
    SMMUTLBEntry e = { .tag = SMMU_TAG_S1, .vmid = 2, .asid = 1,
                       .base = 0x7000, .size_bits = 12 };
    uint32_t gen = s->tlb_gen;

    g_assert_nonnull(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 1, 0x1000));
    g_assert_null(smmu_tlb_lookup(s, SMMU_TAG_S1, 1, 1, 0x9000));
    smmu_tlb_insert(s, &e);
    g_assert_cmpuint(s->tlb_gen, ==, gen);
    engine_free(s);
    fake_mem_free(m);
}

/* An eviction removes an entry too, and so does replacing one */
static void test_evict(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 1);
    SMMUTLBEntry e = { .tag = SMMU_TAG_S1, .vmid = 1, .asid = 1,
                       .base = 0x1000, .size_bits = 12 };
    uint32_t gen;

    smmu_tlb_insert(s, &e);
    gen = s->tlb_gen;
    e.base = 0x2000;
    smmu_tlb_insert(s, &e);
    g_assert_cmpuint(s->tlb_stats.evictions, ==, 1);
    g_assert_cmpuint(s->tlb_gen, !=, gen);
    gen = s->tlb_gen;
    e.out_base = 0x5000;
    smmu_tlb_insert(s, &e);         /* same key: the old one goes */
    g_assert_cmpuint(s->tlb_gen, !=, gen);
    engine_free(s);
    fake_mem_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmu/tlbgen/%s",
                                                cases[i].name);

        g_test_add_data_func(path, &cases[i], test_inval);
    }
    g_test_add_func("/smmu/tlbgen/stable", test_stable);
    g_test_add_func("/smmu/tlbgen/evict", test_evict);
    return g_test_run();
}
