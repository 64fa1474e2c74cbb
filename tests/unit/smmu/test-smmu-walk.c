/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the SMMU engine's VMSAv8-64 walker (Arm ARM D8, IHI 0070
 * 3.4 and 7.3): translation tables in a fake memory, smmu_translate() on
 * them, one expected leaf or fault per case.  Nested walks are in
 * test-smmu-nested.c.
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "smmu-unit.h"

/* Where leaves point: 1 GiB aligned, so every block size fits */
#define OA_BASE         0x0000008000000000ULL

/* Stage 1: the start level follows from T0SZ (Arm ARM D8.2) */
static const Geom s1_geoms[] = {
    { .name = "4k/ia48",  .gbits = 12, .ia_bits = 48, .start = 0 },
    { .name = "4k/ia39",  .gbits = 12, .ia_bits = 39, .start = 1 },
    { .name = "4k/ia30",  .gbits = 12, .ia_bits = 30, .start = 2 },
    { .name = "16k/ia48", .gbits = 14, .ia_bits = 48, .start = 0 },
    { .name = "16k/ia47", .gbits = 14, .ia_bits = 47, .start = 1 },
    { .name = "16k/ia36", .gbits = 14, .ia_bits = 36, .start = 2 },
    { .name = "16k/ia25", .gbits = 14, .ia_bits = 25, .start = 3 },
    { .name = "64k/ia48", .gbits = 16, .ia_bits = 48, .start = 1 },
    { .name = "64k/ia42", .gbits = 16, .ia_bits = 42, .start = 2 },
    { .name = "64k/ia29", .gbits = 16, .ia_bits = 29, .start = 3 },
};

/*
 * Stage 2: S2SL0 picks the start level; the start level may resolve up
 * to four bits more than a table holds (concatenated tables, D8.2.2).
 */
static const Geom s2_geoms[] = {
    { .name = "4k/sl0-0/ia32", .gbits = 12, .ia_bits = 32, .start = 2,
      .sl0 = 0 },           /* 4 concatenated tables */
    { .name = "4k/sl0-1/ia40", .gbits = 12, .ia_bits = 40, .start = 1,
      .sl0 = 1 },           /* 2 concatenated tables */
    { .name = "4k/sl0-2/ia48", .gbits = 12, .ia_bits = 48, .start = 0,
      .sl0 = 2 },
    { .name = "16k/sl0-0/ia25", .gbits = 14, .ia_bits = 25, .start = 3,
      .sl0 = 0 },
    { .name = "16k/sl0-1/ia40", .gbits = 14, .ia_bits = 40, .start = 2,
      .sl0 = 1 },           /* 16 concatenated tables */
    { .name = "16k/sl0-2/ia47", .gbits = 14, .ia_bits = 47, .start = 1,
      .sl0 = 2 },
    { .name = "16k/sl0-2/ia48", .gbits = 14, .ia_bits = 48, .start = 1,
      .sl0 = 2 },           /* 2 concatenated tables; SL0 3 is reserved */
    { .name = "64k/sl0-0/ia30", .gbits = 16, .ia_bits = 30, .start = 3,
      .sl0 = 0 },           /* 2 concatenated tables */
    { .name = "64k/sl0-1/ia44", .gbits = 16, .ia_bits = 44, .start = 2,
      .sl0 = 1 },           /* 4 concatenated tables */
    { .name = "64k/sl0-2/ia48", .gbits = 16, .ia_bits = 48, .start = 1,
      .sl0 = 2 },
};

/*
 * 52-bit geometries (IHI 0070 5.2, 5.4; Arm ARM FEAT_LPA, FEAT_LPA2),
 * walked with a 52-bit OAS, IPS and S2PS: 64K with LPA, 4K and 16K with
 * DS, whose 4K start level may be -1 (VTCR_EL2.SL2, S2SL0_2 here).
 */
static const Geom lpa_s1_geoms[] = {
    { .name = "64k/ia52", .gbits = 16, .ia_bits = 52, .start = 1,
      .lpa = true },
    { .name = "4k-ds/ia52", .gbits = 12, .ia_bits = 52, .start = -1,
      .ds = true, .lpa = true },
    { .name = "4k-ds/ia49", .gbits = 12, .ia_bits = 49, .start = -1,
      .ds = true, .lpa = true },
    { .name = "4k-ds/ia48", .gbits = 12, .ia_bits = 48, .start = 0,
      .ds = true, .lpa = true },
    { .name = "16k-ds/ia52", .gbits = 14, .ia_bits = 52, .start = 0,
      .ds = true, .lpa = true },
    { .name = "16k-ds/ia47", .gbits = 14, .ia_bits = 47, .start = 1,
      .ds = true, .lpa = true },
};

static const Geom lpa_s2_geoms[] = {
    { .name = "64k/sl0-2/ia52", .gbits = 16, .ia_bits = 52, .start = 1,
      .sl0 = 2, .lpa = true },
    { .name = "4k-ds/sl2/ia52", .gbits = 12, .ia_bits = 52, .start = -1,
      .sl0 = 4, .ds = true, .lpa = true },
    { .name = "4k-ds/sl0-2/ia52", .gbits = 12, .ia_bits = 52, .start = 0,
      .sl0 = 2, .ds = true, .lpa = true },   /* 16 concatenated tables */
    { .name = "16k-ds/sl0-3/ia52", .gbits = 14, .ia_bits = 52, .start = 0,
      .sl0 = 3, .ds = true, .lpa = true },
    { .name = "16k-ds/sl0-3/ia48", .gbits = 14, .ia_bits = 48, .start = 0,
      .sl0 = 3, .ds = true, .lpa = true },
};

/*
 * Levels where a leaf may sit (AArch64.BlockDescSupported): pages at 3,
 * blocks at 2, and at 1 for 4K; with DS also 4K level 0 and 16K level 1,
 * with a 52-bit PA 64K level 1.
 */
static bool leaf_level_ok(const Geom *g, int level)
{
    switch (level) {
    case 3:
    case 2:
        return true;
    case 1:
        return g->gbits == 12 || g->ds || (g->gbits == 16 && g->lpa);
    case 0:
        return g->gbits == 12 && g->ds;
    default:
        return false;
    }
}

/* Bits 51 and 48: both halves of each format's high address bits */
#define OA_HIGH         ((1ULL << 51) | (1ULL << 48))

/* A generated case: geometry, stage, level and what to put there */
typedef enum GenKind {
    GEN_LEAF,               /* a leaf at level: translates */
    GEN_INVALID,            /* an invalid entry at level: F_TRANSLATION */
    GEN_NO_AF,              /* a leaf without AF: F_ACCESS */
    GEN_NO_AF_AFFD,         /* the same with AFFD: translates */
    GEN_BAD_BLOCK,          /* a block where none may be: F_TRANSLATION */
    GEN_OA_SIZE,            /* a leaf above the output size: F_ADDR_SIZE */
    GEN_TABLE_SIZE,         /* a table above the output size: F_ADDR_SIZE */
    GEN_EABT,               /* a table in aborting memory: F_WALK_EABT */
    GEN_OA52,               /* a leaf with OA[51:48]: translates */
    GEN_OA52_SIZE,          /* ... with a 48-bit IPS: F_ADDR_SIZE */
    GEN_TABLE52_SIZE,       /* a table above 48 bits, IPS 48: F_ADDR_SIZE */
} GenKind;

static const char *const gen_names[] = {
    [GEN_LEAF] = "leaf", [GEN_INVALID] = "invalid", [GEN_NO_AF] = "no-af",
    [GEN_NO_AF_AFFD] = "no-af-affd", [GEN_BAD_BLOCK] = "bad-block",
    [GEN_OA_SIZE] = "oa-size", [GEN_TABLE_SIZE] = "table-size",
    [GEN_EABT] = "eabt", [GEN_OA52] = "oa52", [GEN_OA52_SIZE] = "oa52-size",
    [GEN_TABLE52_SIZE] = "table52-size",
};

typedef struct GenCase {
    const Geom *g;
    int stage;              /* 1 or 2 */
    int level;
    GenKind kind;
} GenCase;

static uint64_t leaf_desc(int stage, uint64_t oa, int level)
{
    return stage == 1 ? s1_leaf(oa, level) : s2_leaf(oa, level);
}

static void run_gen(const void *opaque)
{
    const GenCase *c = opaque;
    const Geom *g = c->g;
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    unsigned shift = pt_shift(g->gbits, c->level);
    uint64_t ia = IA_PATTERN & MAKE_64BIT_MASK(0, g->ia_bits);
    /* 1 GiB aligned, or a 512 GiB / 4 TiB block's size */
    uint64_t oa = ROUND_UP(OA_BASE, 1ULL << shift);
    uint64_t desc = leaf_desc(c->stage, oa, c->level);
    SMMUTransCfg cfg;
    PtBuilder b;
    Expect e = {
        .fault = true, .stage = c->stage, .level = c->level,
        .cls = SMMU_CLASS_IN, .ipa = ia,
    };

    if (g->ia_bits > 48) {
        /* an input with bits above 48 set */
        ia |= (0xbULL << 48) & MAKE_64BIT_MASK(0, g->ia_bits);
        e.ipa = ia;
    }
    pt_init(&b, m, g->gbits, g->ia_bits, g->start, 0);
    cfg = c->stage == 1 ? cfg_s1(&b) : cfg_s2(&b, g->sl0);
    if (g->lpa) {
        cfg.oas_bits = cfg.s1.ips_bits = cfg.s2.ps_bits = 52;
        cfg.s1.ds = cfg.s2.ds = g->ds;
        cfg.s2.lpa = true;
    }
    switch (c->kind) {
    case GEN_LEAF:
    case GEN_NO_AF_AFFD:
        if (c->kind == GEN_NO_AF_AFFD) {
            desc &= ~(1ULL << 10);
            cfg.s1.affd = cfg.s2.affd = true;
        }
        e = (Expect) {
            .addr = oa | extract64(ia, 0, shift),
            .addr_mask = MAKE_64BIT_MASK(0, shift), .perm = IOMMU_RW,
        };
        break;
    case GEN_INVALID:
        desc = 0;
        e.type = SMMU_FAULT_TRANSLATION;
        break;
    case GEN_NO_AF:
        desc &= ~(1ULL << 10);
        e.type = SMMU_FAULT_ACCESS;
        break;
    case GEN_BAD_BLOCK:
        desc = leaf_desc(c->stage, 0, 2) &
               ~MAKE_64BIT_MASK(12, 36);  /* a block, address 0 */
        e.type = SMMU_FAULT_TRANSLATION;
        break;
    case GEN_OA_SIZE:
        desc = leaf_desc(c->stage, 1ULL << 47, c->level);
        cfg.s1.ips_bits = 40;
        cfg.s2.ps_bits = 40;
        e.type = SMMU_FAULT_ADDR_SIZE;
        break;
    case GEN_TABLE_SIZE:
        desc = (1ULL << 47) | 3;
        cfg.s1.ips_bits = 40;
        cfg.s2.ps_bits = 40;
        e.type = SMMU_FAULT_ADDR_SIZE;
        break;
    case GEN_EABT:
        desc = FAKE_ABORT_BASE | 3;
        e = (Expect) {
            .fault = true, .type = SMMU_FAULT_WALK_EABT,
            .stage = c->stage, .level = c->level + 1,
            .cls = c->stage == 1 ? SMMU_CLASS_TT : SMMU_CLASS_IN,
            .ipa = ia,
            .fetch_addr = FAKE_ABORT_BASE +
                          extract64(ia, pt_shift(g->gbits, c->level + 1),
                                    g->gbits - 3) * 8,
        };
        break;
    case GEN_OA52:
        desc = leaf_desc(c->stage, 0, c->level) |
               pt_oa(g->gbits, g->ds, OA_HIGH | oa);
        e = (Expect) {
            .addr = OA_HIGH | oa | extract64(ia, 0, shift),
            .addr_mask = MAKE_64BIT_MASK(0, shift), .perm = IOMMU_RW,
        };
        break;
    case GEN_OA52_SIZE:
        desc = leaf_desc(c->stage, 0, c->level) |
               pt_oa(g->gbits, g->ds, OA_HIGH | oa);
        cfg.s1.ips_bits = cfg.s2.ps_bits = 48;
        e.type = SMMU_FAULT_ADDR_SIZE;
        break;
    case GEN_TABLE52_SIZE:
        desc = pt_oa(g->gbits, g->ds, 1ULL << 48 | 1ULL << 50) | 3;
        cfg.s1.ips_bits = cfg.s2.ps_bits = 48;
        e.type = SMMU_FAULT_ADDR_SIZE;
        break;
    }
    pt_map(&b, ia, c->level, desc);
    expect_translate(s, &cfg, ia, IOMMU_RW, &e);
    if (!e.fault) {
        /* the second time from the TLB: no descriptor is read */
        unsigned reads = m->reads;

        g_assert_cmpuint(reads, ==, c->level - g->start + 1);
        expect_translate(s, &cfg, ia, IOMMU_RW, &e);
        g_assert_cmpuint(m->reads, ==, reads);
    }

    engine_free(s);
    fake_mem_free(m);
}

static void add_gen(const Geom *g, int stage, int level, GenKind kind)
{
    GenCase *c = g_new(GenCase, 1);
    g_autofree char *path = g_strdup_printf("/smmu/walk/s%d/%s/L%d/%s",
                                            stage, g->name, level,
                                            gen_names[kind]);

    *c = (GenCase) { .g = g, .stage = stage, .level = level, .kind = kind };
    g_test_add_data_func_full(path, c, run_gen, g_free);
}

static void add_geom_cases(const Geom *g, int stage)
{
    int level;

    for (level = g->start; level <= 3; level++) {
        add_gen(g, stage, level, GEN_INVALID);
        if (leaf_level_ok(g, level)) {
            add_gen(g, stage, level, GEN_LEAF);
            add_gen(g, stage, level, GEN_NO_AF);
            add_gen(g, stage, level, GEN_NO_AF_AFFD);
            add_gen(g, stage, level, GEN_OA_SIZE);
            if (g->lpa) {
                add_gen(g, stage, level, GEN_OA52);
                add_gen(g, stage, level, GEN_OA52_SIZE);
            }
        } else {
            add_gen(g, stage, level, GEN_BAD_BLOCK);
        }
        if (level < 3) {
            add_gen(g, stage, level, GEN_TABLE_SIZE);
            add_gen(g, stage, level, GEN_EABT);
            if (g->lpa) {
                add_gen(g, stage, level, GEN_TABLE52_SIZE);
            }
        }
    }
}


/* ------------------------------------------------------------------ */
/* Stage-1 attributes: one 4K page behind two tables (T0SZ 25)         */
/* ------------------------------------------------------------------ */

#define VA_A            0x0000000012345678ULL
#define OA_A            0x0000000900000000ULL
#define PAGE_A(va)      (OA_A | ((va) & 0xfff))
#define DESC_AP_RO      (1ULL << 7)     /* AP[2] */
#define DESC_AP_EL0     (1ULL << 6)     /* AP[1] */
#define DESC_AF         (1ULL << 10)
#define DESC_PXN        (1ULL << 53)
#define DESC_UXN        (1ULL << 54)
#define TBL_PXN         (1ULL << 59)
#define TBL_XN          (1ULL << 60)
#define TBL_AP_NO_EL0   (1ULL << 61)
#define TBL_AP_RO       (1ULL << 62)

typedef struct S1Case {
    const char *name;
    uint64_t table_attrs;   /* in every table descriptor */
    uint64_t leaf_clear;    /* bits taken from the page descriptor */
    uint64_t leaf_set;      /* bits added to it */
    uint64_t va;            /* default VA_A */
    uint8_t tbi;
    bool had;               /* HAD0 */
    bool user;              /* an unprivileged stream (PRIVCFG) */
    bool instr;             /* an instruction stream (INSTCFG) */
    bool epd0;
    uint8_t ips_bits;       /* default 48 */
    uint8_t oas_bits;       /* default 48 */
    IOMMUAccessFlags access;
    Expect e;
} S1Case;

#define OK_RW(va)   { .addr = PAGE_A(va), .addr_mask = 0xfff, .perm = IOMMU_RW }
#define OK_RO(va)   { .addr = PAGE_A(va), .addr_mask = 0xfff, .perm = IOMMU_RO }

static const S1Case s1_cases[] = {
    /* The plain page: read/write for EL1 and EL0 */
    { .name = "page-rw", .access = IOMMU_RW, .e = OK_RW(VA_A) },
    /* IOMMU_NONE checks nothing and reports what is allowed */
    { .name = "access-none", .access = IOMMU_NONE, .e = OK_RW(VA_A) },
    /* AP[2]: writes fault at the leaf level, reads pass (D8.4.1) */
    { .name = "ap-ro-write", .leaf_set = DESC_AP_RO, .access = IOMMU_WO,
      .e = S1_FAULT(SMMU_FAULT_PERMISSION, 3) },
    { .name = "ap-ro-read", .leaf_set = DESC_AP_RO, .access = IOMMU_RO,
      .e = OK_RO(VA_A) },
    /* AP[1] == 0: EL1 only, so an unprivileged stream faults */
    { .name = "ap-el1-user", .leaf_clear = DESC_AP_EL0, .user = true,
      .access = IOMMU_RO, .e = S1_FAULT(SMMU_FAULT_PERMISSION, 3) },
    { .name = "ap-el1-priv", .leaf_clear = DESC_AP_EL0,
      .access = IOMMU_RW, .e = OK_RW(VA_A) },
    { .name = "ap-el0-user", .user = true, .access = IOMMU_RW,
      .e = OK_RW(VA_A) },
    /* APTable[1] makes everything below read-only (D8.4.2) */
    { .name = "aptable-ro-write", .table_attrs = TBL_AP_RO,
      .access = IOMMU_WO, .e = S1_FAULT(SMMU_FAULT_PERMISSION, 3) },
    { .name = "aptable-ro-read", .table_attrs = TBL_AP_RO,
      .access = IOMMU_RO, .e = OK_RO(VA_A) },
    /* HAD0 disables the hierarchical attributes (IHI 0070 5.4 CD.HAD0) */
    { .name = "aptable-ro-had", .table_attrs = TBL_AP_RO, .had = true,
      .access = IOMMU_RW, .e = OK_RW(VA_A) },
    /* APTable[0] removes EL0 access below */
    { .name = "aptable-no-el0-user", .table_attrs = TBL_AP_NO_EL0,
      .user = true, .access = IOMMU_RO,
      .e = S1_FAULT(SMMU_FAULT_PERMISSION, 3) },
    { .name = "aptable-no-el0-priv", .table_attrs = TBL_AP_NO_EL0,
      .access = IOMMU_RW, .e = OK_RW(VA_A) },
    { .name = "aptable-no-el0-had", .table_attrs = TBL_AP_NO_EL0,
      .had = true, .user = true, .access = IOMMU_RW, .e = OK_RW(VA_A) },
    /* XNTable / UXN: no instruction fetch at EL0 */
    { .name = "xntable-instr-user", .table_attrs = TBL_XN, .user = true,
      .instr = true, .access = IOMMU_RO,
      .e = S1_FAULT(SMMU_FAULT_PERMISSION, 3) },
    { .name = "xntable-data-user", .table_attrs = TBL_XN, .user = true,
      .access = IOMMU_RW, .e = OK_RW(VA_A) },
    { .name = "xntable-instr-had", .table_attrs = TBL_XN, .had = true,
      .user = true, .instr = true, .access = IOMMU_RO, .e = OK_RW(VA_A) },
    { .name = "xntable-instr-priv", .table_attrs = TBL_XN,
      .instr = true, .access = IOMMU_RO, .e = OK_RW(VA_A) },
    { .name = "pxntable-instr-priv", .table_attrs = TBL_PXN,
      .instr = true, .access = IOMMU_RO,
      .e = S1_FAULT(SMMU_FAULT_PERMISSION, 3) },
    { .name = "uxn-instr-user", .leaf_set = DESC_UXN, .user = true,
      .instr = true, .access = IOMMU_RO,
      .e = S1_FAULT(SMMU_FAULT_PERMISSION, 3) },
    { .name = "uxn-instr-priv", .leaf_set = DESC_UXN, .instr = true,
      .access = IOMMU_RO, .e = OK_RW(VA_A) },
    { .name = "pxn-instr-priv", .leaf_set = DESC_PXN, .instr = true,
      .access = IOMMU_RO, .e = S1_FAULT(SMMU_FAULT_PERMISSION, 3) },
    { .name = "pxn-instr-user", .leaf_set = DESC_PXN, .user = true,
      .instr = true, .access = IOMMU_RO, .e = OK_RW(VA_A) },
    /* A level-3 entry with bit[1] == 0 is reserved: F_TRANSLATION */
    { .name = "l3-reserved", .leaf_clear = 2, .access = IOMMU_RO,
      .e = S1_FAULT(SMMU_FAULT_TRANSLATION, 3) },
    /* TBI0: the top byte is ignored; without it the VA is out of range */
    { .name = "tbi0-tagged", .tbi = 1, .va = VA_A | (0xabULL << 56),
      .access = IOMMU_RW, .e = OK_RW(VA_A) },
    { .name = "tbi0-off-tagged", .va = VA_A | (0xabULL << 56),
      .access = IOMMU_RW,
      .e = S1_FAULT(SMMU_FAULT_TRANSLATION, SMMU_LEVEL_NONE) },
    /* TBI1 does not apply to TTB0 addresses */
    { .name = "tbi1-ttb0-tagged", .tbi = 2, .va = VA_A | (0xabULL << 56),
      .access = IOMMU_RW,
      .e = S1_FAULT(SMMU_FAULT_TRANSLATION, SMMU_LEVEL_NONE) },
    /* Above T0SZ and below TTB1's range: no table, level -1 */
    { .name = "va-above-t0sz", .va = VA_A | (1ULL << 40),
      .access = IOMMU_RW,
      .e = S1_FAULT(SMMU_FAULT_TRANSLATION, SMMU_LEVEL_NONE) },
    /* EPD0: a TTB0 walk faults without a fetch (IHI 0070 5.4) */
    { .name = "epd0", .epd0 = true, .access = IOMMU_RW,
      .e = S1_FAULT(SMMU_FAULT_TRANSLATION, SMMU_LEVEL_NONE) },
    /* AF == 0 without AFFD: F_ACCESS (IHI 0070 3.13.3) */
    { .name = "af-clear", .leaf_clear = DESC_AF, .access = IOMMU_RO,
      .e = S1_FAULT(SMMU_FAULT_ACCESS, 3) },
    /* An IPS above OAS behaves as OAS (IHI 0070 5.4) */
    { .name = "ips-capped-by-oas", .leaf_set = 1ULL << 44,
      .oas_bits = 40, .access = IOMMU_RO,
      .e = S1_FAULT(SMMU_FAULT_ADDR_SIZE, 3) },
    { .name = "ips-below-oa", .leaf_set = 1ULL << 44, .ips_bits = 44,
      .access = IOMMU_RO, .e = S1_FAULT(SMMU_FAULT_ADDR_SIZE, 3) },
};

static void run_s1_case(const void *opaque)
{
    const S1Case *c = opaque;
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    uint64_t va = c->va ? c->va : VA_A;
    uint64_t desc = s1_leaf(OA_A, 3);
    SMMUTransCfg cfg;
    PtBuilder b;

    pt_init(&b, m, 12, 39, 1, 0);
    b.table_attrs = c->table_attrs;
    desc = (desc & ~c->leaf_clear) | c->leaf_set;
    pt_map(&b, VA_A, 3, desc);
    cfg = cfg_s1(&b);
    cfg.s1.tbi = c->tbi;
    cfg.s1.tt[0].had = c->had;
    cfg.s1.tt[0].disabled = c->epd0;
    cfg.priv = !c->user;
    cfg.instr = c->instr;
    cfg.s1.ips_bits = c->ips_bits ? c->ips_bits : 48;
    cfg.oas_bits = c->oas_bits ? c->oas_bits : 48;
    expect_translate(s, &cfg, va, c->access, &c->e);
    engine_free(s);
    fake_mem_free(m);
}

/* TTB1 serves VA[55] == 1; EPD1 disables it; TBI1 ignores its top byte */
static void test_ttb1(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    uint64_t va = 0xffffff8000012345ULL;    /* T1SZ 25: 39 bits */
    PtBuilder b0, b1;
    SMMUTransCfg cfg;
    Expect ok = { .addr = OA_A | 0x345, .addr_mask = 0xfff,
                  .perm = IOMMU_RW };
    Expect off = S1_FAULT(SMMU_FAULT_TRANSLATION, SMMU_LEVEL_NONE);

    pt_init(&b0, m, 12, 39, 1, 0);
    pt_init(&b1, m, 16, 39, s1_start(16, 39), 0);
    pt_map(&b1, va, 3, s1_leaf(OA_A, 3));   /* one 64K page */
    ok.addr = OA_A | (va & 0xffff);
    ok.addr_mask = 0xffff;
    cfg = cfg_s1(&b0);
    cfg.s1.tt[1] = (SMMUS1Table) {
        .ttb = b1.root, .tsz = 25, .granule_bits = 16,
    };
    expect_translate(s, &cfg, va, IOMMU_RW, &ok);
    /* top byte 0x00 with bit 55 set: canonical only with TBI1 */
    expect_translate(s, &cfg, va & ~(0xffULL << 56), IOMMU_RW, &off);
    cfg.s1.tbi = 2;
    smmu_tlb_inv_all(s);
    expect_translate(s, &cfg, va & ~(0xffULL << 56), IOMMU_RW, &ok);
    /* a VA between the two ranges */
    expect_translate(s, &cfg, 0xff00000000000000ULL, IOMMU_RW, &off);
    cfg.s1.tt[1].disabled = true;
    smmu_tlb_inv_all(s);
    expect_translate(s, &cfg, va, IOMMU_RW, &off);
    engine_free(s);
    fake_mem_free(m);
}

/* ------------------------------------------------------------------ */
/* Stage 2 alone                                                       */
/* ------------------------------------------------------------------ */

typedef struct S2Case {
    const char *name;
    uint64_t leaf_clear;
    uint64_t leaf_set;
    uint64_t ipa;           /* default VA_A */
    bool user;
    bool instr;
    uint8_t sl0;            /* 0: start level 2 */
    uint8_t tsz;            /* S2T0SZ, default 32: 4 concatenated tables */
    uint8_t oas_bits;       /* default 48 */
    IOMMUAccessFlags access;
    Expect e;
} S2Case;

static const S2Case s2_cases[] = {
    { .name = "page-rw", .access = IOMMU_RW, .e = OK_RW(VA_A) },
    /* S2AP[1] clear: no writes; S2AP[0] clear: no reads (D8.4.3) */
    { .name = "s2ap-ro-write", .leaf_clear = 2ULL << 6, .access = IOMMU_WO,
      .e = S2_FAULT(SMMU_FAULT_PERMISSION, 3, VA_A) },
    { .name = "s2ap-ro-read", .leaf_clear = 2ULL << 6, .access = IOMMU_RO,
      .e = OK_RO(VA_A) },
    { .name = "s2ap-wo-read", .leaf_clear = 1ULL << 6, .access = IOMMU_RO,
      .e = S2_FAULT(SMMU_FAULT_PERMISSION, 3, VA_A) },
    { .name = "s2ap-none", .leaf_clear = 3ULL << 6, .access = IOMMU_RO,
      .e = S2_FAULT(SMMU_FAULT_PERMISSION, 3, VA_A) },
    /* XN[1:0] = 0b10: no execution at either EL */
    { .name = "xn-both-instr", .leaf_set = 2ULL << 53, .instr = true,
      .access = IOMMU_RO, .e = S2_FAULT(SMMU_FAULT_PERMISSION, 3, VA_A) },
    { .name = "xn-both-data", .leaf_set = 2ULL << 53,
      .access = IOMMU_RW, .e = OK_RW(VA_A) },
    /* 0b01: EL0 only executes; 0b11: EL1 only */
    { .name = "xn-01-instr-priv", .leaf_set = 1ULL << 53, .instr = true,
      .access = IOMMU_RO, .e = S2_FAULT(SMMU_FAULT_PERMISSION, 3, VA_A) },
    { .name = "xn-01-instr-user", .leaf_set = 1ULL << 53, .instr = true,
      .user = true, .access = IOMMU_RO, .e = OK_RW(VA_A) },
    { .name = "xn-11-instr-user", .leaf_set = 3ULL << 53, .instr = true,
      .user = true, .access = IOMMU_RO,
      .e = S2_FAULT(SMMU_FAULT_PERMISSION, 3, VA_A) },
    { .name = "xn-11-instr-priv", .leaf_set = 3ULL << 53, .instr = true,
      .access = IOMMU_RO, .e = OK_RW(VA_A) },
    /* An IPA above S2T0SZ: F_TRANSLATION at the start level */
    { .name = "ipa-above-t0sz", .ipa = 1ULL << 40, .access = IOMMU_RO,
      .e = S2_FAULT(SMMU_FAULT_TRANSLATION, 2, 1ULL << 40) },
    /* Stage 1 bypassed: an input above IAS is a stage-1 F_ADDR_SIZE */
    { .name = "ia-above-ias", .ipa = 1ULL << 44, .oas_bits = 44,
      .access = IOMMU_RO,
      .e = S1_FAULT(SMMU_FAULT_ADDR_SIZE, SMMU_LEVEL_NONE) },
    /* S2SL0 = 3 with 4K is reserved: no walk, level -1 */
    { .name = "sl0-reserved", .sl0 = 3, .access = IOMMU_RO,
      .e = S2_FAULT(SMMU_FAULT_TRANSLATION, SMMU_LEVEL_NONE, VA_A) },
    /*
     * More than 16 concatenated tables, or a start level above the IPA
     * size: no legal walk (D8.2.2).  The STE decoder rejects both; the
     * engine still faults rather than walk.
     */
    { .name = "concat-over-16", .sl0 = 0, .tsz = 24, .access = IOMMU_RO,
      .e = S2_FAULT(SMMU_FAULT_TRANSLATION, SMMU_LEVEL_NONE, VA_A) },
    { .name = "start-above-ipa", .sl0 = 2, .tsz = 34, .access = IOMMU_RO,
      .e = S2_FAULT(SMMU_FAULT_TRANSLATION, SMMU_LEVEL_NONE, VA_A) },
    /* 16 concatenated tables is the most there may be */
    { .name = "concat-16", .sl0 = 0, .tsz = 30, .access = IOMMU_RW,
      .e = OK_RW(VA_A) },
};

static void run_s2_case(const void *opaque)
{
    const S2Case *c = opaque;
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    uint64_t ipa = c->ipa ? c->ipa : VA_A;
    uint64_t desc = s2_leaf(OA_A, 3);
    SMMUTransCfg cfg;
    PtBuilder b;
    unsigned ia_bits = 64 - (c->tsz ? c->tsz : 32);
    int start = 2 - (int)c->sl0;   /* 4K: S2SL0 0..2 start at 2..0 */
    int extra = ia_bits - pt_shift(12, start);

    /* tables for the geometry when legal; any tables otherwise */
    if (c->sl0 > 2 || extra < 1 || extra > 13) {
        pt_init(&b, m, 12, 40, 1, 0);
    } else {
        pt_init(&b, m, 12, ia_bits, start, 0);
    }
    pt_map(&b, VA_A, 3, (desc & ~c->leaf_clear) | c->leaf_set);
    cfg = cfg_s2(&b, c->sl0);
    cfg.s2.tsz = 64 - ia_bits;
    cfg.priv = !c->user;
    cfg.instr = c->instr;
    cfg.oas_bits = c->oas_bits ? c->oas_bits : 48;
    expect_translate(s, &cfg, ipa, c->access, &c->e);
    engine_free(s);
    fake_mem_free(m);
}

/* ------------------------------------------------------------------ */
/* 52-bit addresses: tables above 48 bits, the DS format, VAX inputs    */
/* ------------------------------------------------------------------ */

/* A 52-bit configuration of one stage-1 table on TTB0 */
static SMMUTransCfg cfg_s1_52(const PtBuilder *b, bool ds)
{
    SMMUTransCfg cfg = cfg_s1(b);

    cfg.oas_bits = cfg.s1.ips_bits = 52;
    cfg.s1.ds = ds;
    return cfg;
}

/*
 * A table descriptor at @level pointing above 48 bits, encoded as the
 * granule's format says (OA[51:48] in [15:12] for 64K, OA[51:50] in
 * [9:8] and OA[49:48] in place with DS), and the rest of the walk there.
 */
static void lpa_high_table(const Geom *g)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    uint64_t ia = (IA_PATTERN | 0xbULL << 48) &
                  MAKE_64BIT_MASK(0, g->ia_bits);
    uint64_t high = (1ULL << 51) | (1ULL << 49) | (1ULL << 48) |
                    (1ULL << 32);
    uint64_t table = high;
    int level = g->start;
    SMMUTransCfg cfg;
    PtBuilder b;
    Expect ok = {
        .addr = OA_A | extract64(ia, 0, g->gbits),
        .addr_mask = MAKE_64BIT_MASK(0, g->gbits), .perm = IOMMU_RW,
    };
    Expect too_big = S1_FAULT(SMMU_FAULT_ADDR_SIZE, level);

    pt_init(&b, m, g->gbits, g->ia_bits, g->start, 0);
    pt_map(&b, ia, level, pt_oa(g->gbits, g->ds, table) | 3);
    for (level++; level <= 3; level++) {
        uint64_t slot = table + 8 * extract64(ia, pt_shift(g->gbits, level),
                                              g->gbits - 3);

        if (level == 3) {
            fake_mem_write(m, slot, s1_leaf(OA_A, 3));
        } else {
            table += 1ULL << g->gbits;
            fake_mem_write(m, slot, pt_oa(g->gbits, g->ds, table) | 3);
        }
    }
    cfg = cfg_s1_52(&b, g->ds);
    expect_translate(s, &cfg, ia, IOMMU_RW, &ok);
    g_assert_cmpuint(m->reads, ==, 4 - g->start);
    /* the same table with a 48-bit IPS is an Address Size fault */
    cfg.s1.ips_bits = 48;
    smmu_tlb_inv_all(s);
    expect_translate(s, &cfg, ia, IOMMU_RW, &too_big);
    engine_free(s);
    fake_mem_free(m);
}

static void test_lpa_high_table_64k(void)
{
    lpa_high_table(&lpa_s1_geoms[0]);
}

static void test_lpa_high_table_4k_ds(void)
{
    lpa_high_table(&lpa_s1_geoms[1]);
}

static void test_lpa_high_table_16k_ds(void)
{
    lpa_high_table(&lpa_s1_geoms[4]);
}

/*
 * Bits [9:8] of a 4K leaf: shareability without DS (the address stays
 * below 48 bits), OA[51:50] with it (FEAT_LPA2, IHI 0070 5.4 CD.DS).
 */
static void test_lpa_ds_bits_9_8(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    SMMUTransCfg cfg;
    PtBuilder b;
    Expect low = OK_RW(VA_A);
    Expect high = {
        .addr = (3ULL << 50) | PAGE_A(VA_A), .addr_mask = 0xfff,
        .perm = IOMMU_RW,
    };

    pt_init(&b, m, 12, 39, 1, 0);
    pt_map(&b, VA_A, 3, s1_leaf(OA_A, 3) | (3ULL << 8));
    cfg = cfg_s1_52(&b, false);
    expect_translate(s, &cfg, VA_A, IOMMU_RW, &low);
    cfg.s1.ds = true;
    smmu_tlb_inv_all(s);
    expect_translate(s, &cfg, VA_A, IOMMU_RW, &high);
    engine_free(s);
    fake_mem_free(m);
}

/*
 * A 64K descriptor with OA[51:48] on an SMMU without a 52-bit OAS: the
 * effective IPS caps it (IHI 0070 5.4), an Address Size fault.
 */
static void test_lpa_64k_oas48(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    uint64_t va = 0x0000123456789abcULL;
    SMMUTransCfg cfg;
    PtBuilder b;
    Expect e = S1_FAULT(SMMU_FAULT_ADDR_SIZE, 3);

    pt_init(&b, m, 16, 48, 1, 0);
    pt_map(&b, va, 3, s1_leaf(0, 3) | pt_oa(16, false, OA_HIGH | OA_A));
    cfg = cfg_s1_52(&b, false);
    cfg.oas_bits = 48;
    expect_translate(s, &cfg, va, IOMMU_RW, &e);
    engine_free(s);
    fake_mem_free(m);
}

/*
 * VAX: T0SZ / T1SZ 12 give 52-bit inputs on either half; a VA with a bit
 * above 52 set (and not all set for TTB1) is outside both.
 */
static void test_lpa_vax_ranges(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    uint64_t va0 = 0x000f123456789abcULL;
    uint64_t va1 = 0xfff0123456789abcULL;
    SMMUTransCfg cfg;
    PtBuilder b0, b1;
    Expect ok0 = {
        .addr = OA_A | (va0 & 0xffff), .addr_mask = 0xffff,
        .perm = IOMMU_RW,
    };
    Expect ok1 = {
        .addr = OA_A | 0x10000 | (va1 & 0xffff), .addr_mask = 0xffff,
        .perm = IOMMU_RW,
    };
    Expect off = S1_FAULT(SMMU_FAULT_TRANSLATION, SMMU_LEVEL_NONE);

    pt_init(&b0, m, 16, 52, 1, 0);
    pt_init(&b1, m, 16, 52, 1, 0);
    pt_map(&b0, va0, 3, s1_leaf(OA_A, 3));
    pt_map(&b1, va1, 3, s1_leaf(OA_A | 0x10000, 3));
    cfg = cfg_s1_52(&b0, false);
    cfg.s1.tt[1] = (SMMUS1Table) {
        .ttb = b1.root, .tsz = 12, .granule_bits = 16,
    };
    expect_translate(s, &cfg, va0, IOMMU_RW, &ok0);
    expect_translate(s, &cfg, va1, IOMMU_RW, &ok1);
    expect_translate(s, &cfg, va0 | (1ULL << 52), IOMMU_RW, &off);
    expect_translate(s, &cfg, va1 & ~(1ULL << 52), IOMMU_RW, &off);
    /* T0SZ 16 on the same tables: bits [51:48] are out of range */
    cfg.s1.tt[0].tsz = 16;
    expect_translate(s, &cfg, va0, IOMMU_RW, &off);
    engine_free(s);
    fake_mem_free(m);
}

/*
 * Nested, 52 bits at both stages: a 4K DS stage 1 from level -1 outputs
 * an IPA above 48 bits that a 64K stage 2 (S2T0SZ 12) maps to low RAM.
 */
static void test_lpa_nested(void)
{
    FakeMem *m = fake_mem_new();
    SMMUState *s = engine_new(m, 64);
    uint64_t va = 0x000c123456789abcULL;
    uint64_t ipa_page = (1ULL << 51) | (1ULL << 50) | (1ULL << 48) |
                        0x40000000ULL;
    uint64_t tbl_pa = 0x20000000ULL;    /* stage-1 tables, IPA = PA */
    SMMUTransCfg cfg;
    PtBuilder b1, b2;
    Expect ok = {
        .addr = OA_A | (va & 0xfff), .addr_mask = 0xfff, .perm = IOMMU_RW,
    };
    Expect s2_miss = {
        .fault = true, .type = SMMU_FAULT_TRANSLATION, .stage = 2,
        .level = 3, .cls = SMMU_CLASS_IN,
        .ipa = ipa_page + 0x10000 + (va & 0xfff),
    };

    m->next = tbl_pa;
    pt_init(&b1, m, 12, 52, -1, 0);
    pt_map(&b1, va, 3, s1_leaf(0, 3) | pt_oa(12, true, ipa_page));
    m->next = 0x10000000;
    pt_init(&b2, m, 16, 52, 1, 0);
    /* stage 2: the tables' 512 MiB identity block, and the output page */
    pt_map(&b2, tbl_pa, 2, s2_leaf(tbl_pa, 2));
    pt_map(&b2, ipa_page, 3, s2_leaf(OA_A, 3));
    cfg = cfg_nested(&b1, &b2, 2);
    cfg.oas_bits = cfg.s1.ips_bits = cfg.s2.ps_bits = 52;
    cfg.s1.ds = true;
    cfg.s2.lpa = true;
    expect_translate(s, &cfg, va, IOMMU_RW, &ok);
    /* stage 1 pointing at the next 64K IPA page: stage 2 misses it */
    pt_map(&b1, va, 3, s1_leaf(0, 3) | pt_oa(12, true, ipa_page + 0x10000));
    smmu_tlb_inv_all(s);
    expect_translate(s, &cfg, va, IOMMU_RW, &s2_miss);
    engine_free(s);
    fake_mem_free(m);
}

int main(int argc, char **argv)
{
    size_t i;

    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    for (i = 0; i < ARRAY_SIZE(s1_geoms); i++) {
        g_assert_cmpint(s1_start(s1_geoms[i].gbits, s1_geoms[i].ia_bits),
                        ==, s1_geoms[i].start);
        add_geom_cases(&s1_geoms[i], 1);
    }
    for (i = 0; i < ARRAY_SIZE(s2_geoms); i++) {
        add_geom_cases(&s2_geoms[i], 2);
    }
    for (i = 0; i < ARRAY_SIZE(lpa_s1_geoms); i++) {
        g_assert_cmpint(s1_start(lpa_s1_geoms[i].gbits,
                                 lpa_s1_geoms[i].ia_bits),
                        ==, lpa_s1_geoms[i].start);
        add_geom_cases(&lpa_s1_geoms[i], 1);
    }
    for (i = 0; i < ARRAY_SIZE(lpa_s2_geoms); i++) {
        add_geom_cases(&lpa_s2_geoms[i], 2);
    }
    g_test_add_func("/smmu/walk/lpa/high-table/64k", test_lpa_high_table_64k);
    g_test_add_func("/smmu/walk/lpa/high-table/4k-ds",
                    test_lpa_high_table_4k_ds);
    g_test_add_func("/smmu/walk/lpa/high-table/16k-ds",
                    test_lpa_high_table_16k_ds);
    g_test_add_func("/smmu/walk/lpa/ds-bits-9-8", test_lpa_ds_bits_9_8);
    g_test_add_func("/smmu/walk/lpa/64k-oas48", test_lpa_64k_oas48);
    g_test_add_func("/smmu/walk/lpa/vax-ranges", test_lpa_vax_ranges);
    g_test_add_func("/smmu/walk/lpa/nested", test_lpa_nested);
    for (i = 0; i < ARRAY_SIZE(s1_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmu/walk/s1/attr/%s",
                                                s1_cases[i].name);

        g_test_add_data_func(path, &s1_cases[i], run_s1_case);
    }
    g_test_add_func("/smmu/walk/s1/ttb1", test_ttb1);
    for (i = 0; i < ARRAY_SIZE(s2_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmu/walk/s2/attr/%s",
                                                s2_cases[i].name);

        g_test_add_data_func(path, &s2_cases[i], run_s2_case);
    }
    return g_test_run();
}
