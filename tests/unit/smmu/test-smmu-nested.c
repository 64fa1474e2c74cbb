/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the SMMU engine's nested walks (IHI 0070 3.4.1, 5.2,
 * 7.3): stage-1 tables in IPA space behind stage 2, for every pair of
 * granules; faults of either stage with their CLASS, and invalidations of
 * the combined TLB entries.
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "smmu-unit.h"

#define TBL_IPA         0x20000000ULL   /* stage-1 tables, as IPAs */
#define TBL_PA          0x40000000ULL   /* ... where stage 2 puts them */
#define OUT_IPA         0x0000008000000000ULL
#define OUT_PA          0x000000c000000000ULL

/* One stage-2 geometry per granule, start level <= 2 for the block */
static const Geom nest_s2_geoms[] = {
    { .name = "4k", .gbits = 12, .ia_bits = 40, .start = 1, .sl0 = 1 },
    { .name = "16k", .gbits = 14, .ia_bits = 40, .start = 2, .sl0 = 1 },
    { .name = "64k", .gbits = 16, .ia_bits = 44, .start = 2, .sl0 = 1 },
};
static const Geom nest_s1_geoms[] = {
    { .name = "4k", .gbits = 12, .ia_bits = 39, .start = 1 },
    { .name = "16k", .gbits = 14, .ia_bits = 36, .start = 2 },
    { .name = "64k", .gbits = 16, .ia_bits = 42, .start = 2 },
};

typedef enum NestKind {
    NEST_LEAF,              /* both stages map: translates */
    NEST_TT_FAULT,          /* stage 2 misses a stage-1 table: CLASS TT */
    NEST_IN_FAULT,          /* stage 2 misses the output IPA: CLASS IN */
    NEST_PTW_DEVICE,        /* S2PTW and tables in Device memory */
    NEST_S2_RO,             /* stage 2 read-only output: write faults */
    NEST_S1_EABT,           /* stage-1 table at an aborting PA */
    NEST_INV_VA,            /* NH_VA of the VA: stage 1 is walked again */
    NEST_INV_IPA,           /* S2_IPA of the output: both are walked */
    NEST_INV_OTHER_ASID,    /* NH_ASID of another ASID: nothing walked */
} NestKind;

static const char *const nest_names[] = {
    [NEST_LEAF] = "leaf", [NEST_TT_FAULT] = "s2-miss-table",
    [NEST_IN_FAULT] = "s2-miss-output", [NEST_PTW_DEVICE] = "s2ptw-device",
    [NEST_S2_RO] = "s2-ro-write", [NEST_S1_EABT] = "s1-table-eabt",
    [NEST_INV_VA] = "inv-va", [NEST_INV_IPA] = "inv-s2-ipa",
    [NEST_INV_OTHER_ASID] = "inv-other-asid",
};

typedef struct NestCase {
    const Geom *g1, *g2;
    NestKind kind;
} NestCase;

/*
 * Stage-2 tables below TBL_PA, stage-1 ones in the 2 MiB at TBL_PA that
 * stage 2 maps at TBL_IPA; stage 1 maps @va to OUT_IPA.  Returns the IPA
 * of the stage-1 root entry for @va, the first descriptor walked.
 */
static uint64_t nest_tables(FakeMem *m, const NestCase *c, uint64_t va,
                            PtBuilder *b1, PtBuilder *b2)
{
    const Geom *g1 = c->g1;
    uint64_t keep;

    m->next = 0x10000000;
    pt_init(b2, m, c->g2->gbits, c->g2->ia_bits, c->g2->start, 0);
    keep = m->next;
    m->next = TBL_PA;
    pt_init(b1, m, g1->gbits, g1->ia_bits, g1->start, TBL_PA - TBL_IPA);
    pt_map(b1, va, 3, s1_leaf(OUT_IPA, 3));
    g_assert_cmphex(m->next, <=, TBL_PA + (1ULL << 21));
    m->next = keep;
    return b1->root + extract64(va, pt_shift(g1->gbits, g1->start),
                                g1->ia_bits -
                                pt_shift(g1->gbits, g1->start)) * 8;
}

/*
 * After a fill: invalidate by @c->kind, translate again and count the
 * descriptors read (stage-2 entries of the tables stay cached).
 */
static void nest_invalidate(SMMUState *s, FakeMem *m, const NestCase *c,
                            const SMMUTransCfg *cfg, uint64_t va,
                            uint64_t ipa, const Expect *e)
{
    SMMUInvRange r = { .addr = va };
    unsigned reads = m->reads;
    unsigned walked = 4 - c->g1->start;

    if (c->kind == NEST_INV_VA) {
        smmu_tlb_inv_va(s, 1, 1, &r);
    } else if (c->kind == NEST_INV_IPA) {
        r.addr = ipa;
        smmu_tlb_inv_ipa(s, 1, &r);
        walked += 4 - c->g2->start;
    } else {
        smmu_tlb_inv_asid(s, 1, 2);
        walked = 0;
    }
    expect_translate(s, cfg, va, IOMMU_RW, e);
    g_assert_cmpuint(m->reads - reads, ==, walked);
}

static void run_nest(const void *opaque)
{
    const NestCase *c = opaque;
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    unsigned g1 = c->g1->gbits, g2 = c->g2->gbits;
    uint64_t va = IA_PATTERN & MAKE_64BIT_MASK(0, c->g1->ia_bits);
    uint64_t ipa = OUT_IPA | (va & MAKE_64BIT_MASK(0, g1));
    uint64_t tbl_block = s2_leaf(TBL_PA, 2);
    uint64_t out_page = s2_leaf(OUT_PA, 3);
    SMMUTransCfg cfg;
    PtBuilder b1, b2;
    Expect ok = {
        .addr = OUT_PA | (ipa & MAKE_64BIT_MASK(0, g2)),
        .addr_mask = MAKE_64BIT_MASK(0, MIN(g1, g2)), .perm = IOMMU_RW,
    };
    Expect e = ok;
    IOMMUAccessFlags access = IOMMU_RW;
    uint64_t root_slot = nest_tables(m, c, va, &b1, &b2);

    switch (c->kind) {
    case NEST_LEAF:
    case NEST_INV_VA:
    case NEST_INV_IPA:
    case NEST_INV_OTHER_ASID:
        break;
    case NEST_TT_FAULT:
        tbl_block = 0;
        e = (Expect) S2_FAULT(SMMU_FAULT_TRANSLATION, 2, root_slot);
        e.cls = SMMU_CLASS_TT;
        break;
    case NEST_IN_FAULT:
        out_page = 0;
        e = (Expect) S2_FAULT(SMMU_FAULT_TRANSLATION, 3, ipa);
        break;
    case NEST_PTW_DEVICE:
        tbl_block &= ~(0xfULL << 2);    /* MemAttr 0: Device-nGnRnE */
        e = (Expect) S2_FAULT(SMMU_FAULT_PERMISSION, 2, root_slot);
        e.cls = SMMU_CLASS_TT;
        break;
    case NEST_S2_RO:
        out_page &= ~(2ULL << 6);
        access = IOMMU_WO;
        e = (Expect) S2_FAULT(SMMU_FAULT_PERMISSION, 3, ipa);
        break;
    case NEST_S1_EABT:
        /* stage 2 puts the stage-1 tables on aborting memory */
        tbl_block = s2_leaf(FAKE_ABORT_BASE, 2);
        e = (Expect) {
            .fault = true, .type = SMMU_FAULT_WALK_EABT, .stage = 1,
            .level = c->g1->start, .cls = SMMU_CLASS_TT,
            .fetch_addr = FAKE_ABORT_BASE + (root_slot - TBL_IPA),
        };
        break;
    }
    pt_map(&b2, TBL_IPA, 2, tbl_block);
    pt_map(&b2, ipa & ~MAKE_64BIT_MASK(0, g2), 3, out_page);

    cfg = cfg_nested(&b1, &b2, c->g2->sl0);
    cfg.s2.ptw = c->kind == NEST_PTW_DEVICE;
    if (c->kind == NEST_S2_RO) {
        /* a read fills the TLB; the write then faults on the hit path */
        ok.perm = IOMMU_RO;
        expect_translate(s, &cfg, va, IOMMU_RO, &ok);
    }
    expect_translate(s, &cfg, va, access, &e);
    /* the second time from the TLB, with the same result */
    expect_translate(s, &cfg, va, access, &e);
    if (c->kind >= NEST_INV_VA) {
        nest_invalidate(s, m, c, &cfg, va, ipa, &e);
    }
    engine_free(s);
    fake_mem_free(m);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    for (i = 0; i < ARRAY_SIZE(nest_s1_geoms) * ARRAY_SIZE(nest_s2_geoms) *
                    ARRAY_SIZE(nest_names); i++) {
        NestCase *c = g_new(NestCase, 1);
        g_autofree char *path = NULL;

        *c = (NestCase) {
            .g1 = &nest_s1_geoms[i % 3],
            .g2 = &nest_s2_geoms[(i / 3) % 3],
            .kind = i / 9,
        };
        path = g_strdup_printf("/smmu/nested/s1-%s/s2-%s/%s",
                               c->g1->name, c->g2->name, nest_names[c->kind]);
        g_test_add_data_func_full(path, c, run_nest, g_free);
    }
    return g_test_run();
}
