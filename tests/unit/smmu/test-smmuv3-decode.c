/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the SMMUv3 configuration decoders (smmuv3-decode.c):
 * raw stream-table, STE, L1CD and CD words in, the decoded configuration
 * or the C_BAD_* reason out (IHI 0070 3.3, 5.1-5.4, 7.3).  One named
 * case per row, its comment saying why; one expectation helper per
 * table.  The libqos builders round-trip through the decoders.
 */

#include "qemu/osdep.h"
#include "smmuv3-decode.h"
#include "../../qtest/libqos/smmuv3.h"

/* A field of a structure as a constant: FIELD_DP64 for initializers */
#define F(reg, fld, v) \
    (((uint64_t)(v) << R_##reg##_##fld##_SHIFT) & R_##reg##_##fld##_MASK)

/* Transaction SubstreamIDs in tables: 0 means none */
#define SSID(n)        ((n) + 1)
#define NO_SSID        0

static uint32_t txn_ssid(uint32_t row)
{
    return row == NO_SSID ? SMMUV3_NO_SSID : row - 1;
}

/* The model's defaults: stage=nested, oas=44, s2fwb=on */
static const SMMUv3Features feat_nested = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .msi = true, .had = true, .ril = true, .fwb = true, .xnx = true,
    .bbml = 2,
};
static const SMMUv3Features feat_s1 = {
    .s1 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .msi = true, .had = true, .ril = true, .bbml = 2,
};
static const SMMUv3Features feat_s2 = {
    .s2 = true, .oas_bits = 44, .sidsize = 16,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .msi = true, .had = true, .ril = true, .fwb = true, .xnx = true,
    .bbml = 2,
};
/* Variants of feat_nested for the rules that depend on a feature */
static const SMMUv3Features feat_oas42 = {
    .s1 = true, .s2 = true, .oas_bits = 42, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .had = true, .fwb = true,
};
static const SMMUv3Features feat_nofwb_nohad = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
};
static const SMMUv3Features feat_httu1_noterm = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .httu = 1,
};
static const SMMUv3Features feat_httu2_aa32 = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 3, .ttendian = 2, .stall_model = 1, .httu = 2,
    .term_model = true,
};

static const SMMUv3Features *feat_or_default(const SMMUv3Features *f)
{
    return f ? f : &feat_nested;
}

/* ---- Shared encodings ---- */

static void test_pa_bits(void)
{
    static const uint8_t bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };

    for (unsigned enc = 0; enc < 8; enc++) {
        g_assert_cmpuint(smmuv3_pa_bits(enc), ==, bits[enc]);
        /* one table both ways: the IDR5.OAS of a size is its encoding */
        g_assert_cmpint(smmuv3_pa_encoding(bits[enc]), ==, MIN(enc, 6));
    }
    g_assert_cmpint(smmuv3_pa_encoding(33), ==, -1);
    g_assert_cmpint(smmuv3_pa_encoding(0), ==, -1);
}

static void test_tg_bits(void)
{
    /* IHI 0070 5.2 S2TG and 5.4 TG0 share an encoding; TG1 has its own */
    g_assert_cmpuint(smmuv3_tg_bits(SMMUV3_TG0, 0), ==, 12);
    g_assert_cmpuint(smmuv3_tg_bits(SMMUV3_TG0, 1), ==, 16);
    g_assert_cmpuint(smmuv3_tg_bits(SMMUV3_TG0, 2), ==, 14);
    g_assert_cmpuint(smmuv3_tg_bits(SMMUV3_TG0, 3), ==, 0);
    g_assert_cmpuint(smmuv3_tg_bits(SMMUV3_TG1, 0), ==, 0);
    g_assert_cmpuint(smmuv3_tg_bits(SMMUV3_TG1, 1), ==, 14);
    g_assert_cmpuint(smmuv3_tg_bits(SMMUV3_TG1, 2), ==, 12);
    g_assert_cmpuint(smmuv3_tg_bits(SMMUV3_TG1, 3), ==, 16);
}

/* ---- Stream table geometry and L1STD (3.3.1, 3.3.2, 5.1, 6.3.25) ---- */

#define STRTAB_BASE     0x40000000ULL
#define CFG_LINEAR(log2) F(STRTAB_CFG, LOG2SIZE, log2)
#define CFG_2LVL(log2, split) \
    (F(STRTAB_CFG, LOG2SIZE, log2) | F(STRTAB_CFG, SPLIT, split) | \
     F(STRTAB_CFG, FMT, STRTAB_FMT_2LEVEL))

typedef struct StrtabCase {
    const char *name;
    uint64_t base;
    uint32_t cfg;
    uint32_t sid;
    SMMUv3CfgErr err;
    uint64_t addr;          /* the STE, or with split the L1STD */
    unsigned split;
} StrtabCase;

static const StrtabCase strtab_cases[] = {
    /* linear: STE n at base + 64 * n */
    { .name = "linear-sid0", .base = STRTAB_BASE, .cfg = CFG_LINEAR(8),
      .sid = 0, .addr = STRTAB_BASE },
    { .name = "linear-sid5", .base = STRTAB_BASE, .cfg = CFG_LINEAR(8),
      .sid = 5, .addr = STRTAB_BASE + 5 * 64 },
    /* the last StreamID LOG2SIZE covers */
    { .name = "linear-last", .base = STRTAB_BASE, .cfg = CFG_LINEAR(8),
      .sid = 255, .addr = STRTAB_BASE + 255 * 64 },
    /* one past LOG2SIZE: C_BAD_STREAMID */
    { .name = "linear-beyond-log2size", .base = STRTAB_BASE,
      .cfg = CFG_LINEAR(8), .sid = 256, .err = SMMUV3_CFG_BAD_STREAMID },
    /* LOG2SIZE above SIDSIZE (16) counts as SIDSIZE */
    { .name = "linear-log2size-capped", .base = STRTAB_BASE,
      .cfg = CFG_LINEAR(20), .sid = 0x10000,
      .err = SMMUV3_CFG_BAD_STREAMID },
    /* 6.3.24: the base is aligned to the table size */
    { .name = "linear-base-aligned", .base = STRTAB_BASE + 0x1040,
      .cfg = CFG_LINEAR(6), .sid = 1, .addr = STRTAB_BASE + 0x1000 + 64 },
    /* LOG2SIZE 0: one STE, StreamID 0 only */
    { .name = "linear-log2size0", .base = STRTAB_BASE, .cfg = CFG_LINEAR(0),
      .sid = 1, .err = SMMUV3_CFG_BAD_STREAMID },
    /* FMT 0b10 is reserved and read as linear */
    { .name = "fmt-reserved-linear", .base = STRTAB_BASE,
      .cfg = CFG_LINEAR(8) | F(STRTAB_CFG, FMT, 2), .sid = 2,
      .addr = STRTAB_BASE + 2 * 64 },
    /* 2-level: the L1STD of sid >> SPLIT */
    { .name = "2lvl-split6", .base = STRTAB_BASE, .cfg = CFG_2LVL(16, 6),
      .sid = 0x45, .addr = STRTAB_BASE + 8, .split = 6 },
    { .name = "2lvl-split8", .base = STRTAB_BASE, .cfg = CFG_2LVL(16, 8),
      .sid = 0x345, .addr = STRTAB_BASE + 3 * 8, .split = 8 },
    { .name = "2lvl-split10", .base = STRTAB_BASE, .cfg = CFG_2LVL(16, 10),
      .sid = 0x1c45, .addr = STRTAB_BASE + 7 * 8, .split = 10 },
    /* 6.3.25: SPLIT values other than 6, 8, 10 behave as 6 */
    { .name = "2lvl-split7-as-6", .base = STRTAB_BASE,
      .cfg = CFG_2LVL(16, 7), .sid = 0x80, .addr = STRTAB_BASE + 2 * 8,
      .split = 6 },
    { .name = "2lvl-split0-as-6", .base = STRTAB_BASE,
      .cfg = CFG_2LVL(16, 0), .sid = 0x80, .addr = STRTAB_BASE + 2 * 8,
      .split = 6 },
    /* the L1 table is aligned to its size, 2^(16 - 6 + 3) bytes */
    { .name = "2lvl-base-aligned", .base = STRTAB_BASE + 0x1fc0,
      .cfg = CFG_2LVL(16, 6), .sid = 0, .addr = STRTAB_BASE, .split = 6 },
    /* ... and to at least 64 bytes */
    { .name = "2lvl-base-min-align", .base = STRTAB_BASE + 0x40,
      .cfg = CFG_2LVL(6, 6), .sid = 0, .addr = STRTAB_BASE + 0x40,
      .split = 6 },
    /* 2-level tables check LOG2SIZE too */
    { .name = "2lvl-beyond-log2size", .base = STRTAB_BASE,
      .cfg = CFG_2LVL(8, 6), .sid = 0x100,
      .err = SMMUV3_CFG_BAD_STREAMID },
    /* only the address bits of STRTAB_BASE count (RA is bit 62) */
    { .name = "base-ra-ignored", .base = STRTAB_BASE | (1ULL << 62),
      .cfg = CFG_LINEAR(8), .sid = 1, .addr = STRTAB_BASE + 64 },
};

static void run_strtab(const void *opaque)
{
    const StrtabCase *c = opaque;
    SMMUv3SteLoc loc = { 0 };
    SMMUv3Verdict v = smmuv3_ste_locate(&feat_nested, c->base, c->cfg,
                                        c->sid, &loc);

    g_assert_cmpint(v.err, ==, c->err);
    if (c->err == SMMUV3_CFG_OK) {
        g_assert_null(v.why);
        g_assert_cmphex(loc.addr, ==, c->addr);
        g_assert_cmpuint(loc.split, ==, c->split);
    } else {
        g_assert_nonnull(v.why);
    }
}

#define L2_BASE         0x50000000ULL
#define L1STD(ptr, span) ((ptr) | F(L1STD, SPAN, span))

typedef struct L1stdCase {
    const char *name;
    uint64_t l1std;
    uint32_t sid;
    unsigned split;
    SMMUv3CfgErr err;
    uint64_t ste_addr;
} L1stdCase;

static const L1stdCase l1std_cases[] = {
    /* Span 0: the L2 table is invalid */
    { .name = "span0", .l1std = L1STD(L2_BASE, 0), .sid = 0, .split = 6,
      .err = SMMUV3_CFG_BAD_STREAMID },
    /* Span 1: one STE, index 0 */
    { .name = "span1", .l1std = L1STD(L2_BASE, 1), .sid = 0x40,
      .split = 6, .ste_addr = L2_BASE },
    /* Span 1 does not reach index 1 */
    { .name = "span1-idx1", .l1std = L1STD(L2_BASE, 1), .sid = 0x41,
      .split = 6, .err = SMMUV3_CFG_BAD_STREAMID },
    /* Span 7 covers all 2^6 STEs of SPLIT 6 */
    { .name = "span7-full", .l1std = L1STD(L2_BASE, 7), .sid = 0x7f,
      .split = 6, .ste_addr = L2_BASE + 63 * 64 },
    /* Span beyond SPLIT + 1 is invalid */
    { .name = "span-beyond-split", .l1std = L1STD(L2_BASE, 8), .sid = 0,
      .split = 6, .err = SMMUV3_CFG_BAD_STREAMID },
    /* Span 11 with SPLIT 10 is the full 1024 STEs */
    { .name = "span11-split10", .l1std = L1STD(L2_BASE, 11), .sid = 0x7ff,
      .split = 10, .ste_addr = L2_BASE + 1023 * 64 },
    /* index 2 with a 2-STE table (Span 2) */
    { .name = "span2-idx2", .l1std = L1STD(L2_BASE, 2), .sid = 2,
      .split = 6, .err = SMMUV3_CFG_BAD_STREAMID },
    /* L2Ptr's low bits below the table size read as 0 */
    { .name = "l2ptr-aligned", .l1std = L1STD(L2_BASE + 0x40, 2), .sid = 1,
      .split = 6, .ste_addr = L2_BASE + 64 },
    /* bits above L2Ptr[51:6] are not address */
    { .name = "l2ptr-high-bits", .l1std = L1STD(L2_BASE, 3) | (1ULL << 60),
      .sid = 3, .split = 6, .ste_addr = L2_BASE + 3 * 64 },
};

static void run_l1std(const void *opaque)
{
    const L1stdCase *c = opaque;
    uint64_t addr = 0;
    SMMUv3Verdict v = smmuv3_decode_l1std(c->l1std, c->sid, c->split, &addr);

    g_assert_cmpint(v.err, ==, c->err);
    if (c->err == SMMUV3_CFG_OK) {
        g_assert_cmphex(addr, ==, c->ste_addr);
    }
}

/* ---- STE (5.2) ---- */

#define CTX             0x80000ULL
#define S2TTB_ADDR      0x40000000ULL
#define STE0(config)    (F(STE0, V, 1) | F(STE0, CONFIG, config))
#define STE0_S1(config, cdmax, fmt) \
    (STE0(config) | F(STE0, S1CTXPTR, CTX >> 6) | \
     F(STE0, S1CDMAX, cdmax) | F(STE0, S1FMT, fmt))
/* 4K granule, 40-bit IPA from level 1, S2PS 44 bits, VMID 0x11 */
#define STE2_S2(tsz, sl0, tg) \
    (F(STE2, S2T0SZ, tsz) | F(STE2, S2SL0, sl0) | F(STE2, S2TG, tg) | \
     F(STE2, S2PS, 4) | F(STE2, S2AA64, 1) | F(STE2, S2VMID, 0x11))
#define STE2_OK         STE2_S2(24, 1, 0)
#define STE3_OK         F(STE3, S2TTB, S2TTB_ADDR >> 4)

/* The decoded STE a row expects, when its reason is SMMUV3_CFG_OK */
typedef struct SteExpect {
    SMMUv3CfgKind kind;
    bool s1, s2;            /* tc.s1_enabled (a CD to fetch), s2_enabled */
    uint32_t cd_idx;
    uint64_t cd_table;      /* 0: CTX */
    uint8_t s1fmt, s1cdmax;
    bool priv, instr;
    uint16_t vmid;
    /* stage 2, checked when s2 */
    uint8_t s2_gbits, s2_tsz, s2_sl0, s2_ps;
    uint64_t s2_ttb;
    bool s2_fwb, s2_affd, s2_r, s2_ptw;
} SteExpect;

#define S2_OK_EXPECT \
    .s2 = true, .vmid = 0x11, .s2_gbits = 12, .s2_tsz = 24, .s2_sl0 = 1, \
    .s2_ps = 44, .s2_ttb = S2TTB_ADDR

typedef struct SteCase {
    const char *name;
    const SMMUv3Features *f;    /* NULL: feat_nested */
    uint64_t w[4];
    uint32_t ssid;              /* SSID(n) or NO_SSID */
    SMMUv3CfgErr err;
    bool mev;                   /* checked whatever the reason */
    SteExpect e;
} SteCase;

static const SteCase ste_cases[] = {
    /* V == 0: C_BAD_STE whatever else */
    { .name = "invalid", .w = { STE0(STE_CFG_BYPASS) & ~1ULL },
      .err = SMMUV3_CFG_BAD_STE },
    /* MEV is known even for a bad STE: its own events may merge */
    { .name = "invalid-mev", .w = { 0, F(STE1, MEV, 1) },
      .err = SMMUV3_CFG_BAD_STE, .mev = true },
    /* Config 0b000: abort silently */
    { .name = "abort", .w = { STE0(STE_CFG_ABORT) },
      .e = { .kind = SMMUV3_CFG_ABORT } },
    /* abort does not look at the SubstreamID */
    { .name = "abort-ssid", .w = { STE0(STE_CFG_ABORT) }, .ssid = SSID(3),
      .e = { .kind = SMMUV3_CFG_ABORT } },
    /* Config 0b100: bypass */
    { .name = "bypass", .w = { STE0(STE_CFG_BYPASS) },
      .e = { .kind = SMMUV3_CFG_BYPASS } },
    /* bypass ignores PRIVCFG/INSTCFG: no stage to apply them */
    { .name = "bypass-privcfg-ignored",
      .w = { STE0(STE_CFG_BYPASS), F(STE1, PRIVCFG, 3) },
      .e = { .kind = SMMUV3_CFG_BYPASS } },
    /* 5.2 S1Fmt: a SubstreamID on a bypass STE is C_BAD_SUBSTREAMID */
    { .name = "bypass-ssid", .w = { STE0(STE_CFG_BYPASS) },
      .ssid = SSID(1), .err = SMMUV3_CFG_BAD_SUBSTREAMID },
    /* Config 0b001..0b011 are reserved */
    { .name = "config1", .w = { STE0(1) }, .err = SMMUV3_CFG_BAD_STE },
    { .name = "config2", .w = { STE0(2) }, .err = SMMUV3_CFG_BAD_STE },
    { .name = "config3", .w = { STE0(3) }, .err = SMMUV3_CFG_BAD_STE },
    /* a stage the SMMU lacks makes the STE ILLEGAL */
    { .name = "s1-on-s2-smmu", .f = &feat_s2,
      .w = { STE0_S1(STE_CFG_S1, 0, 0) }, .err = SMMUV3_CFG_BAD_STE },
    { .name = "s2-on-s1-smmu", .f = &feat_s1,
      .w = { STE0(STE_CFG_S2), 0, STE2_OK, STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    { .name = "nested-on-s1-smmu", .f = &feat_s1,
      .w = { STE0_S1(STE_CFG_NESTED, 0, 0), 0, STE2_OK, STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    { .name = "nested-on-s2-smmu", .f = &feat_s2,
      .w = { STE0_S1(STE_CFG_NESTED, 0, 0), 0, STE2_OK, STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },

    /* stage 2 only: the geometry and attributes as decoded */
    { .name = "s2", .w = { STE0(STE_CFG_S2), 0, STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* stage 2 on a stage-2-only SMMU */
    { .name = "s2-on-s2-smmu", .f = &feat_s2,
      .w = { STE0(STE_CFG_S2), 0, STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* 3.3.2: a SubstreamID needs stage 1 */
    { .name = "s2-ssid", .w = { STE0(STE_CFG_S2), 0, STE2_OK, STE3_OK },
      .ssid = SSID(2), .err = SMMUV3_CFG_BAD_SUBSTREAMID },
    /* S2AA64 == 0 asks AArch32 tables, which TTF lacks */
    { .name = "s2-aa32",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK & ~R_STE2_S2AA64_MASK, STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* ... allowed when IDR0.TTF includes AArch32 (decoded as AArch64) */
    { .name = "s2-aa32-ttf3", .f = &feat_httu2_aa32,
      .w = { STE0(STE_CFG_S2), 0, STE2_OK & ~R_STE2_S2AA64_MASK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* S2ENDI: big-endian tables, TTENDIAN is little only */
    { .name = "s2-endi",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2ENDI, 1), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* S2S: stall, STALL_MODEL says none */
    { .name = "s2-stall",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2S, 1), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* S2HA without IDR0.HTTU */
    { .name = "s2-ha",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2HA, 1), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* S2HA with HTTU 0b01 (access flag) is fine */
    { .name = "s2-ha-httu1", .f = &feat_httu1_noterm,
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2HA, 1), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* S2HD needs HTTU 0b10 */
    { .name = "s2-hd-httu1", .f = &feat_httu1_noterm,
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2HD, 1), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    { .name = "s2-hd-httu2", .f = &feat_httu2_aa32,
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2HD, 1), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* S2TG 0b11 is reserved */
    { .name = "s2-tg-reserved",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(24, 1, 3), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* 64K granule, 40 bits from level 2 */
    { .name = "s2-64k",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(24, 1, 1), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_gbits = 16 } },
    /* 16K granule, 40 bits from level 2 (the most level 2 resolves) */
    { .name = "s2-16k",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(24, 1, 2), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_gbits = 14 } },
    /* 16K, 41 bits from level 2: more than 16 concatenated tables */
    { .name = "s2-16k-too-wide",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(23, 1, 2), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* an IPA wider than the OAS */
    { .name = "s2-tsz-beyond-oas",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(19, 2, 0), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* 44-bit IPA from level 0 with a 44-bit OAS */
    { .name = "s2-4k-l0",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(20, 2, 0), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_tsz = 20,
             .s2_sl0 = 2 } },
    /* S2InvalidSL: 4K SL0 0b10 (level 0) needs PAMax >= 44 */
    { .name = "s2-4k-l0-oas42", .f = &feat_oas42,
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(22, 2, 0), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* ... and 16K SL0 0b10 (level 1) PAMax >= 42 */
    { .name = "s2-16k-l1-oas42", .f = &feat_oas42,
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(22, 2, 2), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_gbits = 14,
             .s2_tsz = 22, .s2_sl0 = 2, .s2_ps = 42 } },
    /* SL0 0b11 is reserved at every granule here */
    { .name = "s2-sl0-3",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(24, 3, 0), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* T0SZ above the engine's 39 */
    { .name = "s2-tsz40",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(40, 0, 0), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* 25-bit IPA from level 2: the smallest */
    { .name = "s2-tsz39",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(39, 0, 0), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_tsz = 39,
             .s2_sl0 = 0 } },
    /* 40 bits from level 2 would need 512 concatenated tables */
    { .name = "s2-start-too-low",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(24, 0, 0), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* 31 bits from level 0 resolve nothing at level 0 */
    { .name = "s2-start-too-high",
      .w = { STE0(STE_CFG_S2), 0, STE2_S2(33, 2, 0), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* 5.2 S2TTB beyond the effective S2PS: C_BAD_STE (3.4.3) */
    { .name = "s2-ttb-beyond-ps",
      .w = { STE0(STE_CFG_S2), 0,
             (STE2_OK & ~R_STE2_S2PS_MASK) | F(STE2, S2PS, 0),
             F(STE3, S2TTB, (1ULL << 32) >> 4) },
      .err = SMMUV3_CFG_BAD_STE },
    /* S2PS 40 bits with a table below 4 GiB */
    { .name = "s2-ps40",
      .w = { STE0(STE_CFG_S2), 0,
             (STE2_OK & ~R_STE2_S2PS_MASK) | F(STE2, S2PS, 2), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_ps = 40 } },
    /* S2PS 52 bits is capped by the 44-bit OAS */
    { .name = "s2-ps52-capped",
      .w = { STE0(STE_CFG_S2), 0,
             (STE2_OK & ~R_STE2_S2PS_MASK) | F(STE2, S2PS, 6), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* S2PS 0b111 (reserved) behaves as 52 bits, so as the OAS */
    { .name = "s2-ps7-capped",
      .w = { STE0(STE_CFG_S2), 0,
             (STE2_OK & ~R_STE2_S2PS_MASK) | F(STE2, S2PS, 7), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* S2TTB bits [3:0] are not part of the address */
    { .name = "s2-ttb-low-bits",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK, STE3_OK | 0xf },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* S2FWB with IDR3.FWB */
    { .name = "s2-fwb",
      .w = { STE0(STE_CFG_S2), F(STE1, S2FWB, 1), STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_fwb = true } },
    /* S2FWB is RES0 without IDR3.FWB */
    { .name = "s2-fwb-res0", .f = &feat_nofwb_nohad,
      .w = { STE0(STE_CFG_S2), F(STE1, S2FWB, 1), STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* S2AFFD, S2R and S2PTW come through */
    { .name = "s2-affd",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2AFFD, 1), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_affd = true } },
    { .name = "s2-r",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2R, 1), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_r = true } },
    { .name = "s2-ptw",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2PTW, 1), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .s2_ptw = true } },
    /* PRIVCFG 0b11 / INSTCFG 0b11 override; 0b10 does not */
    { .name = "privcfg-priv",
      .w = { STE0(STE_CFG_S2), F(STE1, PRIVCFG, 3), STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .priv = true } },
    { .name = "privcfg-unpriv",
      .w = { STE0(STE_CFG_S2), F(STE1, PRIVCFG, 2), STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    { .name = "instcfg-instr",
      .w = { STE0(STE_CFG_S2), F(STE1, INSTCFG, 3), STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT, .instr = true } },
    { .name = "instcfg-data",
      .w = { STE0(STE_CFG_S2), F(STE1, INSTCFG, 2), STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* STE.MEV with a good STE */
    { .name = "mev", .w = { STE0(STE_CFG_S2), F(STE1, MEV, 1), STE2_OK,
                            STE3_OK },
      .mev = true, .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    /* STRW is RES0 here (no HYP), whatever it holds */
    { .name = "strw-ignored",
      .w = { STE0(STE_CFG_S2), F(STE1, STRW, 2), STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },

    /* stage 1: CD 0 of a linear table, no SubstreamIDs */
    { .name = "s1", .w = { STE0_S1(STE_CFG_S1, 0, 0) },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true } },
    /* 5.2: S2VMID tags stage-1-only translations when stage 2 exists */
    { .name = "s1-vmid", .w = { STE0_S1(STE_CFG_S1, 0, 0), 0, STE2_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true, .vmid = 0x11 } },
    /* ... and is not read without stage 2 */
    { .name = "s1-vmid-no-s2", .f = &feat_s1,
      .w = { STE0_S1(STE_CFG_S1, 0, 0), 0, STE2_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true } },
    /* S1STALLD: no stall model */
    { .name = "s1-stalld",
      .w = { STE0_S1(STE_CFG_S1, 0, 0), F(STE1, S1STALLD, 1) },
      .err = SMMUV3_CFG_BAD_STE },
    /* S1CDMax above IDR1.SSIDSIZE (8) */
    { .name = "s1-cdmax9", .w = { STE0_S1(STE_CFG_S1, 9, 0) },
      .err = SMMUV3_CFG_BAD_STE },
    /* S1CDMax 8 with SubstreamID 255 */
    { .name = "s1-cdmax8", .w = { STE0_S1(STE_CFG_S1, 8, 0) },
      .ssid = SSID(255),
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true, .cd_idx = 255,
             .s1cdmax = 8 } },
    /* stage-1-only S1ContextPtr beyond the OAS: C_BAD_STE (3.4.3) */
    { .name = "s1-ctx-beyond-oas",
      .w = { STE0(STE_CFG_S1) | F(STE0, S1CTXPTR, (1ULL << 44) >> 6) },
      .err = SMMUV3_CFG_BAD_STE },
    /* nested: S1ContextPtr is an IPA, stage 2 checks it */
    { .name = "nested-ctx-beyond-oas",
      .w = { STE0(STE_CFG_NESTED) | F(STE0, S1CTXPTR, (1ULL << 44) >> 6),
             0, STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true,
             .cd_table = 1ULL << 44, S2_OK_EXPECT } },
    /* a SubstreamID with S1CDMax 0 */
    { .name = "s1-ssid-cdmax0", .w = { STE0_S1(STE_CFG_S1, 0, 0) },
      .ssid = SSID(1), .err = SMMUV3_CFG_BAD_SUBSTREAMID },
    /* SubstreamID 4 with 2^2 CDs */
    { .name = "s1-ssid-beyond-cdmax", .w = { STE0_S1(STE_CFG_S1, 2, 0) },
      .ssid = SSID(4), .err = SMMUV3_CFG_BAD_SUBSTREAMID },
    /* SubstreamID 3 with 2^2 CDs: CD 3 */
    { .name = "s1-ssid3", .w = { STE0_S1(STE_CFG_S1, 2, 0) },
      .ssid = SSID(3),
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true, .cd_idx = 3,
             .s1cdmax = 2 } },
    /* no SubstreamID, S1DSS 0b00: F_STREAM_DISABLED */
    { .name = "s1dss-terminate",
      .w = { STE0_S1(STE_CFG_S1, 2, 0), F(STE1, S1DSS, S1DSS_TERMINATE) },
      .err = SMMUV3_CFG_STREAM_DISABLED },
    /* S1DSS 0b11 is reserved and behaves as terminate */
    { .name = "s1dss-reserved",
      .w = { STE0_S1(STE_CFG_S1, 2, 0), F(STE1, S1DSS, S1DSS_RESERVED) },
      .err = SMMUV3_CFG_STREAM_DISABLED },
    /* S1DSS 0b01, stage 1 only: the stream bypasses */
    { .name = "s1dss-bypass",
      .w = { STE0_S1(STE_CFG_S1, 2, 0), F(STE1, S1DSS, S1DSS_BYPASS) },
      .e = { .kind = SMMUV3_CFG_BYPASS, .s1cdmax = 2 } },
    /* S1DSS 0b01, nested: stage 2 alone */
    { .name = "s1dss-bypass-nested",
      .w = { STE0_S1(STE_CFG_NESTED, 2, 0), F(STE1, S1DSS, S1DSS_BYPASS),
             STE2_OK, STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1cdmax = 2, S2_OK_EXPECT } },
    /* S1DSS 0b10: CD 0 */
    { .name = "s1dss-ssid0",
      .w = { STE0_S1(STE_CFG_S1, 2, 0), F(STE1, S1DSS, S1DSS_SSID0) },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true, .s1cdmax = 2 } },
    /* S1DSS only counts with S1CDMax != 0 */
    { .name = "s1dss-ignored-cdmax0",
      .w = { STE0_S1(STE_CFG_S1, 0, 0), F(STE1, S1DSS, S1DSS_TERMINATE) },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true } },
    /* S1DSS does not apply to a transaction with a SubstreamID */
    { .name = "s1dss-terminate-ssid",
      .w = { STE0_S1(STE_CFG_S1, 2, 0), F(STE1, S1DSS, S1DSS_TERMINATE) },
      .ssid = SSID(1),
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true, .cd_idx = 1,
             .s1cdmax = 2 } },
    /* S1Fmt 0b11 is reserved, not ILLEGAL */
    { .name = "s1fmt-reserved", .w = { STE0_S1(STE_CFG_S1, 2, 3) },
      .ssid = SSID(1),
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true, .cd_idx = 1,
             .s1cdmax = 2, .s1fmt = 3 } },
    /* nested, SubstreamID 2 of a 2-level table */
    { .name = "nested-ssid",
      .w = { STE0_S1(STE_CFG_NESTED, 8, S1FMT_2L_4K), 0, STE2_OK,
             STE3_OK },
      .ssid = SSID(2),
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true, .cd_idx = 2,
             .s1cdmax = 8, .s1fmt = S1FMT_2L_4K, S2_OK_EXPECT } },
    /* stage 2 is decoded first: its error wins over a bad SubstreamID */
    { .name = "nested-s2-error-first",
      .w = { STE0_S1(STE_CFG_NESTED, 0, 0), 0, STE2_S2(24, 1, 3),
             STE3_OK },
      .ssid = SSID(2), .err = SMMUV3_CFG_BAD_STE },
    /* ... and stage-1 ILLEGAL fields win over the SubstreamID check */
    { .name = "s1-illegal-before-ssid",
      .w = { STE0_S1(STE_CFG_S1, 9, 0) }, .ssid = SSID(1),
      .err = SMMUV3_CFG_BAD_STE },
};

static void expect_ste(const SMMUv3Ste *d, const SteExpect *e)
{
    const SMMUTransCfg *tc = &d->cfg.tc;

    g_assert_cmpint(d->cfg.kind, ==, e->kind);
    g_assert_cmpint(tc->s1_enabled, ==, e->s1);
    g_assert_cmpint(d->need_cd, ==, e->s1);
    g_assert_cmpint(tc->s2_enabled, ==, e->s2);
    g_assert_cmpuint(d->cd_idx, ==, e->cd_idx);
    g_assert_cmpuint(tc->priv, ==, e->priv);
    g_assert_cmpuint(tc->instr, ==, e->instr);
    g_assert_cmpuint(tc->s2.vmid, ==, e->vmid);
    if (d->cfg.kind != SMMUV3_CFG_TRANSLATE &&
        d->cfg.kind != SMMUV3_CFG_BYPASS) {
        return;
    }
    if (e->s1 || d->s1cdmax) {
        g_assert_cmphex(d->cd_table, ==, e->cd_table ? e->cd_table : CTX);
        g_assert_cmpuint(d->s1fmt, ==, e->s1fmt);
        g_assert_cmpuint(d->s1cdmax, ==, e->s1cdmax);
    }
    if (e->s2) {
        g_assert_cmpuint(tc->s2.granule_bits, ==, e->s2_gbits);
        g_assert_cmpuint(tc->s2.tsz, ==, e->s2_tsz);
        g_assert_cmpuint(tc->s2.sl0, ==, e->s2_sl0);
        g_assert_cmpuint(tc->s2.ps_bits, ==, e->s2_ps);
        g_assert_cmphex(tc->s2.vttb, ==, e->s2_ttb);
        g_assert_cmpint(tc->s2.fwb, ==, e->s2_fwb);
        g_assert_cmpint(tc->s2.affd, ==, e->s2_affd);
        g_assert_cmpint(tc->s2.record_faults, ==, e->s2_r);
        g_assert_cmpint(tc->s2.ptw, ==, e->s2_ptw);
    }
}

static void run_ste(const void *opaque)
{
    const SteCase *c = opaque;
    const SMMUv3Features *f = feat_or_default(c->f);
    uint64_t w[8] = { c->w[0], c->w[1], c->w[2], c->w[3] };
    SMMUv3Ste d;
    SMMUv3Verdict v = smmuv3_decode_ste(f, w, txn_ssid(c->ssid), &d);

    g_assert_cmpint(v.err, ==, c->err);
    g_assert_cmpint(d.cfg.mev, ==, c->mev);
    if (c->err != SMMUV3_CFG_OK) {
        g_assert_nonnull(v.why);
        return;
    }
    if (d.cfg.kind == SMMUV3_CFG_TRANSLATE) {
        g_assert_cmpuint(d.cfg.tc.oas_bits, ==, f->oas_bits);
    }
    expect_ste(&d, &c->e);
}

/* ---- CD tables: locating a CD, L1CD (3.3.2, 5.3) ---- */

typedef struct CdLocCase {
    const char *name;
    const SMMUv3Features *f;
    uint64_t ctx;           /* S1ContextPtr */
    uint8_t fmt, cdmax;
    uint32_t cd_idx;
    bool nested;            /* stage 2 on: table addresses are IPAs */
    SMMUv3CfgErr err;
    uint64_t addr;
    unsigned split;
} CdLocCase;

static const CdLocCase cdloc_cases[] = {
    /* linear: CD n at S1ContextPtr + 64 * n */
    { .name = "linear-cd0", .ctx = CTX, .addr = CTX },
    { .name = "linear-cd3", .ctx = CTX, .cdmax = 2, .cd_idx = 3,
      .addr = CTX + 3 * 64 },
    /* 2-level, 4 KB leaves: 64 CDs per L1CD */
    { .name = "2l-4k", .ctx = CTX, .fmt = S1FMT_2L_4K, .cdmax = 8,
      .cd_idx = 0x45, .addr = CTX + 8, .split = 6 },
    /* 2-level, 64 KB leaves: 1024 CDs per L1CD */
    { .name = "2l-64k", .ctx = CTX, .fmt = S1FMT_2L_64K, .cdmax = 8,
      .cd_idx = 0x45, .addr = CTX, .split = 10 },
    /* S1Fmt 0b11 behaves as linear */
    { .name = "fmt3-linear", .ctx = CTX, .fmt = 3, .cdmax = 2,
      .cd_idx = 1, .addr = CTX + 64 },
    /* S1CDMax 0: one CD, linear whatever S1Fmt says */
    { .name = "cdmax0-linear", .ctx = CTX, .fmt = S1FMT_2L_4K,
      .addr = CTX },
    /* stage 1 only: a CD beyond the OAS is C_BAD_STE (3.4.3) */
    { .name = "linear-beyond-oas", .ctx = (1ULL << 44) - 64, .cdmax = 2,
      .cd_idx = 1, .err = SMMUV3_CFG_BAD_STE },
    /* ... stage 2 checks IPAs instead */
    { .name = "linear-beyond-oas-nested", .ctx = (1ULL << 44) - 64,
      .cdmax = 2, .cd_idx = 1, .nested = true, .addr = 1ULL << 44 },
    /* the last CD below the OAS */
    { .name = "linear-at-oas-top", .ctx = (1ULL << 44) - 128, .cdmax = 2,
      .cd_idx = 1, .addr = (1ULL << 44) - 64 },
    /* OAS 42: the same table is beyond it */
    { .name = "linear-beyond-oas42", .f = &feat_oas42,
      .ctx = (1ULL << 42), .err = SMMUV3_CFG_BAD_STE },
};

static SMMUv3Ste ste_for_cd(const SMMUv3Features *f, uint64_t ctx,
                            uint8_t fmt, uint8_t cdmax, uint32_t cd_idx,
                            bool nested)
{
    SMMUv3Ste ste = {
        .need_cd = true, .cd_idx = cd_idx, .cd_table = ctx,
        .s1fmt = fmt, .s1cdmax = cdmax,
    };

    ste.cfg.tc.s1_enabled = true;
    ste.cfg.tc.s2_enabled = nested;
    ste.cfg.tc.oas_bits = f->oas_bits;
    return ste;
}

static void run_cdloc(const void *opaque)
{
    const CdLocCase *c = opaque;
    const SMMUv3Features *f = feat_or_default(c->f);
    SMMUv3Ste ste = ste_for_cd(f, c->ctx, c->fmt, c->cdmax, c->cd_idx,
                               c->nested);
    SMMUv3CdLoc loc = { 0 };
    SMMUv3Verdict v = smmuv3_cd_locate(f, &ste, &loc);

    g_assert_cmpint(v.err, ==, c->err);
    if (c->err == SMMUV3_CFG_OK) {
        g_assert_cmphex(loc.addr, ==, c->addr);
        g_assert_cmpuint(loc.split, ==, c->split);
    }
}

#define L2CD            0x90000ULL
#define L1CD_V          F(L1CD, V, 1)

typedef struct L1cdCase {
    const char *name;
    uint64_t l1cd;
    uint32_t cd_idx;
    unsigned split;
    bool nested;
    SMMUv3CfgErr err;
    uint64_t cd_addr;
} L1cdCase;

static const L1cdCase l1cd_cases[] = {
    /* V == 0: C_BAD_SUBSTREAMID */
    { .name = "invalid", .l1cd = L2CD, .cd_idx = 1, .split = 6,
      .err = SMMUV3_CFG_BAD_SUBSTREAMID },
    /* CD (idx mod 64) of the 4 KB leaf */
    { .name = "4k-leaf", .l1cd = L2CD | L1CD_V, .cd_idx = 0x45, .split = 6,
      .cd_addr = L2CD + 5 * 64 },
    /* CD (idx mod 1024) of the 64 KB leaf */
    { .name = "64k-leaf", .l1cd = L2CD | L1CD_V, .cd_idx = 0x45,
      .split = 10, .cd_addr = L2CD + 0x45 * 64 },
    /* L2Ptr below the leaf size reads as 0 */
    { .name = "l2ptr-aligned", .l1cd = (L2CD + 0x1000) | L1CD_V,
      .cd_idx = 1, .split = 10, .cd_addr = L2CD + 64 },
    /* stage 1 only: an L2Ptr beyond the OAS is C_BAD_SUBSTREAMID */
    { .name = "beyond-oas", .l1cd = (1ULL << 44) | L1CD_V, .cd_idx = 1,
      .split = 6, .err = SMMUV3_CFG_BAD_SUBSTREAMID },
    /* ... an IPA under stage 2 */
    { .name = "beyond-oas-nested", .l1cd = (1ULL << 44) | L1CD_V,
      .cd_idx = 1, .split = 6, .nested = true,
      .cd_addr = (1ULL << 44) + 64 },
    /* bits above L2Ptr[51:12] are not address */
    { .name = "high-bits", .l1cd = L2CD | L1CD_V | (1ULL << 60),
      .cd_idx = 2, .split = 6, .cd_addr = L2CD + 2 * 64 },
};

static void run_l1cd(const void *opaque)
{
    const L1cdCase *c = opaque;
    SMMUv3Ste ste = ste_for_cd(&feat_nested, CTX, S1FMT_2L_4K, 8,
                               c->cd_idx, c->nested);
    uint64_t addr = 0;
    SMMUv3Verdict v = smmuv3_decode_l1cd(&feat_nested, &ste, c->l1cd,
                                         c->split, &addr);

    g_assert_cmpint(v.err, ==, c->err);
    if (c->err == SMMUV3_CFG_OK) {
        g_assert_cmphex(addr, ==, c->cd_addr);
    }
}

/* ---- CD (5.4) ---- */

#define TTB0            0x100000ULL
#define TTB1            0x200000ULL
/* valid, AArch64, A = 1, 39-bit TTB0 of 4K pages, TTB1 off, IPS 44 */
#define CD0_OK \
    (F(CD0, V, 1) | F(CD0, AA64, 1) | F(CD0, A, 1) | F(CD0, T0SZ, 25) | \
     F(CD0, EPD1, 1) | F(CD0, IPS, 4) | F(CD0, ASID, 7))
#define CD0_WITH(clear, set) ((CD0_OK & ~(clear)) | (set))
#define CD1_OK          F(CDTTB, TTB, TTB0 >> 4)
#define CD2_OK          F(CDTTB, TTB, TTB1 >> 4)

typedef struct TtExpect {
    uint64_t ttb;
    uint8_t tsz, gbits;
    bool disabled, had;
} TtExpect;

typedef struct CdExpect {
    TtExpect tt[2];
    uint16_t asid;
    uint8_t tbi, ips;
    bool affd, r;
} CdExpect;

#define TT0_OK      { .ttb = TTB0, .tsz = 25, .gbits = 12 }
#define TT1_OFF     { .ttb = TTB1, .disabled = true }
#define CD_OK_EXPECT .tt = { TT0_OK, TT1_OFF }, .asid = 7, .ips = 44

typedef struct CdCase {
    const char *name;
    const SMMUv3Features *f;
    uint64_t w[3];
    SMMUv3CfgErr err;
    CdExpect e;
} CdCase;

static const CdCase cd_cases[] = {
    /* one TTB0 of 4K pages, TTB1 disabled */
    { .name = "ok", .w = { CD0_OK, CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT } },
    /* V == 0 */
    { .name = "invalid", .w = { CD0_WITH(R_CD0_V_MASK, 0), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* AA64 == 0: AArch32 tables, not in IDR0.TTF */
    { .name = "aa32", .w = { CD0_WITH(R_CD0_AA64_MASK, 0), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* ... decoded as AArch64 when TTF has AArch32 */
    { .name = "aa32-ttf3", .f = &feat_httu2_aa32,
      .w = { CD0_WITH(R_CD0_AA64_MASK, 0), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT } },
    /* ENDI: big-endian tables */
    { .name = "endi", .w = { CD0_WITH(0, F(CD0, ENDI, 1)), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* S: stall */
    { .name = "stall", .w = { CD0_WITH(0, F(CD0, S, 1)), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* A == 0 with TERM_MODEL 1: ILLEGAL (CdIllegal()) */
    { .name = "a0-term-model", .w = { CD0_WITH(R_CD0_A_MASK, 0), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* A == 0 with TERM_MODEL 0: RAZ/WI termination is allowed */
    { .name = "a0-no-term-model", .f = &feat_httu1_noterm,
      .w = { CD0_WITH(R_CD0_A_MASK, 0), CD1_OK, CD2_OK },
      .e = { .tt = { TT0_OK, TT1_OFF }, .asid = 7, .ips = 44 } },
    /* HA and HD without HTTU */
    { .name = "ha", .w = { CD0_WITH(0, F(CD0, HA, 1)), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    { .name = "hd", .w = { CD0_WITH(0, F(CD0, HD, 1)), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* HA with HTTU 0b01, HD with 0b10 */
    { .name = "ha-httu1", .f = &feat_httu1_noterm,
      .w = { CD0_WITH(0, F(CD0, HA, 1)), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT } },
    { .name = "hd-httu1", .f = &feat_httu1_noterm,
      .w = { CD0_WITH(0, F(CD0, HD, 1)), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    { .name = "hd-httu2", .f = &feat_httu2_aa32,
      .w = { CD0_WITH(0, F(CD0, HD, 1)), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT } },
    /* TG0 encodings */
    { .name = "tg0-64k", .w = { CD0_WITH(0, F(CD0, TG0, 1)), CD1_OK,
                                CD2_OK },
      .e = { .tt = { { .ttb = TTB0, .tsz = 25, .gbits = 16 }, TT1_OFF },
             .asid = 7, .ips = 44 } },
    { .name = "tg0-16k", .w = { CD0_WITH(0, F(CD0, TG0, 2)), CD1_OK,
                                CD2_OK },
      .e = { .tt = { { .ttb = TTB0, .tsz = 25, .gbits = 14 }, TT1_OFF },
             .asid = 7, .ips = 44 } },
    /* TG0 0b11 is reserved */
    { .name = "tg0-reserved", .w = { CD0_WITH(0, F(CD0, TG0, 3)), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* ... but a disabled table's fields are not checked */
    { .name = "tg0-reserved-epd0",
      .w = { CD0_WITH(0, F(CD0, TG0, 3) | F(CD0, EPD0, 1)), CD1_OK,
             CD2_OK },
      .e = { .tt = { { .ttb = TTB0, .tsz = 25, .disabled = true },
                     TT1_OFF },
             .asid = 7, .ips = 44 } },
    /* TTB1 on: TG1 has its own encoding (0b10 is 4K) */
    { .name = "tt1-4k",
      .w = { CD0_WITH(R_CD0_EPD1_MASK, F(CD0, TG1, 2) | F(CD0, T1SZ, 30)),
             CD1_OK, CD2_OK },
      .e = { .tt = { TT0_OK, { .ttb = TTB1, .tsz = 30, .gbits = 12 } },
             .asid = 7, .ips = 44 } },
    { .name = "tt1-16k",
      .w = { CD0_WITH(R_CD0_EPD1_MASK, F(CD0, TG1, 1) | F(CD0, T1SZ, 30)),
             CD1_OK, CD2_OK },
      .e = { .tt = { TT0_OK, { .ttb = TTB1, .tsz = 30, .gbits = 14 } },
             .asid = 7, .ips = 44 } },
    { .name = "tt1-64k",
      .w = { CD0_WITH(R_CD0_EPD1_MASK, F(CD0, TG1, 3) | F(CD0, T1SZ, 30)),
             CD1_OK, CD2_OK },
      .e = { .tt = { TT0_OK, { .ttb = TTB1, .tsz = 30, .gbits = 16 } },
             .asid = 7, .ips = 44 } },
    /* TG1 0b00 is reserved */
    { .name = "tg1-reserved",
      .w = { CD0_WITH(R_CD0_EPD1_MASK, F(CD0, T1SZ, 30)), CD1_OK, CD2_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* TTB1 on with T1SZ out of range */
    { .name = "t1sz-40",
      .w = { CD0_WITH(R_CD0_EPD1_MASK, F(CD0, TG1, 2) | F(CD0, T1SZ, 40)),
             CD1_OK, CD2_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* T0SZ: 16 (48 bits) to 39 (25 bits) */
    { .name = "t0sz-15", .w = { CD0_WITH(R_CD0_T0SZ_MASK, F(CD0, T0SZ, 15)),
                                CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    { .name = "t0sz-16", .w = { CD0_WITH(R_CD0_T0SZ_MASK, F(CD0, T0SZ, 16)),
                                CD1_OK, CD2_OK },
      .e = { .tt = { { .ttb = TTB0, .tsz = 16, .gbits = 12 }, TT1_OFF },
             .asid = 7, .ips = 44 } },
    { .name = "t0sz-39", .w = { CD0_WITH(R_CD0_T0SZ_MASK, F(CD0, T0SZ, 39)),
                                CD1_OK, CD2_OK },
      .e = { .tt = { { .ttb = TTB0, .tsz = 39, .gbits = 12 }, TT1_OFF },
             .asid = 7, .ips = 44 } },
    { .name = "t0sz-40", .w = { CD0_WITH(R_CD0_T0SZ_MASK, F(CD0, T0SZ, 40)),
                                CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* TTB0 beyond the effective IPS: C_BAD_CD, not F_ADDR_SIZE (3.4) */
    { .name = "ttb0-beyond-ips",
      .w = { CD0_WITH(R_CD0_IPS_MASK, F(CD0, IPS, 0)),
             F(CDTTB, TTB, (1ULL << 32) >> 4) },
      .err = SMMUV3_CFG_BAD_CD },
    /* IPS 48 bits is capped by the 44-bit OAS, and TTB0 with it */
    { .name = "ips48-capped", .w = { CD0_WITH(R_CD0_IPS_MASK, F(CD0, IPS, 5)),
                                     CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT } },
    { .name = "ttb0-beyond-oas",
      .w = { CD0_WITH(R_CD0_IPS_MASK, F(CD0, IPS, 5)),
             F(CDTTB, TTB, (1ULL << 44) >> 4) },
      .err = SMMUV3_CFG_BAD_CD },
    /* IPS 32 bits */
    { .name = "ips32", .w = { CD0_WITH(R_CD0_IPS_MASK, F(CD0, IPS, 0)),
                              CD1_OK, CD2_OK },
      .e = { .tt = { TT0_OK, TT1_OFF }, .asid = 7, .ips = 32 } },
    /* a disabled TTB1 beyond IPS is not checked */
    { .name = "ttb1-off-beyond-ips",
      .w = { CD0_OK, CD1_OK, F(CDTTB, TTB, (1ULL << 47) >> 4) },
      .e = { .tt = { TT0_OK, { .ttb = 1ULL << 47, .disabled = true } },
             .asid = 7, .ips = 44 } },
    /* HAD0 with IDR3.HAD */
    { .name = "had0", .w = { CD0_OK, CD1_OK | F(CDTTB, HAD, 1), CD2_OK },
      .e = { .tt = { { .ttb = TTB0, .tsz = 25, .gbits = 12, .had = true },
                     TT1_OFF },
             .asid = 7, .ips = 44 } },
    /* HAD0 is RES0 without IDR3.HAD */
    { .name = "had0-res0", .f = &feat_nofwb_nohad,
      .w = { CD0_OK, CD1_OK | F(CDTTB, HAD, 1), CD2_OK },
      .e = { CD_OK_EXPECT } },
    /* TTB bits [3:0] are not address */
    { .name = "ttb-low-bits", .w = { CD0_OK, CD1_OK | 0x9, CD2_OK },
      .e = { CD_OK_EXPECT } },
    /* ASID, TBI, AFFD and R come through */
    { .name = "asid", .w = { CD0_WITH(R_CD0_ASID_MASK, F(CD0, ASID, 0xbeef)),
                             CD1_OK, CD2_OK },
      .e = { .tt = { TT0_OK, TT1_OFF }, .asid = 0xbeef, .ips = 44 } },
    { .name = "tbi", .w = { CD0_WITH(0, F(CD0, TBI, 3)), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT, .tbi = 3 } },
    { .name = "affd", .w = { CD0_WITH(0, F(CD0, AFFD, 1)), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT, .affd = true } },
    { .name = "r", .w = { CD0_WITH(0, F(CD0, R, 1)), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT, .r = true } },
};

static void expect_tt(const SMMUS1Table *t, const TtExpect *e)
{
    g_assert_cmphex(t->ttb, ==, e->ttb);
    g_assert_cmpint(t->disabled, ==, e->disabled);
    g_assert_cmpint(t->had, ==, e->had);
    g_assert_cmpuint(t->tsz, ==, e->tsz);
    if (!e->disabled) {
        g_assert_cmpuint(t->granule_bits, ==, e->gbits);
    }
}

static void expect_cd(const SMMUS1Cfg *s1, const CdExpect *e)
{
    expect_tt(&s1->tt[0], &e->tt[0]);
    expect_tt(&s1->tt[1], &e->tt[1]);
    g_assert_cmpuint(s1->asid, ==, e->asid);
    g_assert_cmpuint(s1->tbi, ==, e->tbi);
    g_assert_cmpuint(s1->ips_bits, ==, e->ips);
    g_assert_cmpint(s1->affd, ==, e->affd);
    g_assert_cmpint(s1->record_faults, ==, e->r);
}

static void run_cd(const void *opaque)
{
    const CdCase *c = opaque;
    uint64_t w[8] = { c->w[0], c->w[1], c->w[2] };
    SMMUS1Cfg s1;
    SMMUv3Verdict v = smmuv3_decode_cd(feat_or_default(c->f), w, &s1);

    g_assert_cmpint(v.err, ==, c->err);
    if (c->err == SMMUV3_CFG_OK) {
        expect_cd(&s1, &c->e);
    } else {
        g_assert_nonnull(v.why);
    }
}

/* ---- The libqos builders, round-tripped (tests/qtest/libqos) ---- */

typedef struct SteBuildCase {
    const char *name;
    QSMMUSte in;
    uint32_t ssid;
} SteBuildCase;

static const SteBuildCase ste_build_cases[] = {
    /* what smmuv3-translate-test builds for stage 1 */
    { .name = "s1", .in = { .valid = true, .config = QSMMU_STE_CFG_S1,
                            .s1_ctx_ptr = CTX } },
    /* stage 2, 4K, 40-bit IPA from level 1 */
    { .name = "s2-4k", .in = { .valid = true, .config = QSMMU_STE_CFG_S2,
                               .s2_vmid = 3, .s2_t0sz = 24, .s2_sl0 = 1,
                               .s2_granule = QSMMU_GRAN_4K,
                               .s2_ps = QSMMU_PS_44BIT,
                               .s2_ttb = S2TTB_ADDR } },
    /* stage 2, 64K, with S2R, S2PTW, S2AFFD, S2FWB */
    { .name = "s2-64k-attrs",
      .in = { .valid = true, .config = QSMMU_STE_CFG_S2, .s2_vmid = 9,
              .s2_t0sz = 24, .s2_sl0 = 1, .s2_granule = QSMMU_GRAN_64K,
              .s2_ps = QSMMU_PS_44BIT, .s2_ttb = S2TTB_ADDR,
              .s2_r = true, .s2_ptw = true, .s2_affd = true,
              .s2_fwb = true } },
    /* nested, 16K stage 2, a 2-level CD table and a SubstreamID */
    { .name = "nested-16k",
      .in = { .valid = true, .config = QSMMU_STE_CFG_NESTED,
              .s1_ctx_ptr = CTX, .s1_fmt = S1FMT_2L_4K, .s1_cdmax = 8,
              .s2_vmid = 5, .s2_t0sz = 24, .s2_sl0 = 1,
              .s2_granule = QSMMU_GRAN_16K, .s2_ps = QSMMU_PS_44BIT,
              .s2_ttb = S2TTB_ADDR, .privcfg = 3, .instcfg = 3,
              .mev = true },
      .ssid = SSID(7) },
    /* bypass */
    { .name = "bypass", .in = { .valid = true,
                                .config = QSMMU_STE_CFG_BYPASS } },
};

static void run_ste_build(const void *opaque)
{
    const SteBuildCase *c = opaque;
    const QSMMUSte *in = &c->in;
    uint64_t w[8];
    SMMUv3Ste d;
    SMMUv3Verdict v;

    qsmmu_ste_build(in, w);
    v = smmuv3_decode_ste(&feat_nested, w, txn_ssid(c->ssid), &d);
    g_assert_cmpint(v.err, ==, SMMUV3_CFG_OK);
    g_assert_cmpint(d.cfg.mev, ==, in->mev);
    g_assert_cmpint(d.cfg.tc.priv, ==, in->privcfg == 3);
    g_assert_cmpint(d.cfg.tc.instr, ==, in->instcfg == 3);
    if (in->config == QSMMU_STE_CFG_BYPASS) {
        g_assert_cmpint(d.cfg.kind, ==, SMMUV3_CFG_BYPASS);
        return;
    }
    g_assert_cmpint(d.cfg.kind, ==, SMMUV3_CFG_TRANSLATE);
    g_assert_cmpuint(d.cfg.tc.s2.vmid, ==, in->s2_vmid);
    if (in->config & 1) {
        g_assert_true(d.need_cd);
        g_assert_cmphex(d.cd_table, ==, in->s1_ctx_ptr);
        g_assert_cmpuint(d.s1fmt, ==, in->s1_fmt);
        g_assert_cmpuint(d.s1cdmax, ==, in->s1_cdmax);
        g_assert_cmpuint(d.cd_idx, ==, c->ssid ? txn_ssid(c->ssid) : 0);
    }
    if (in->config & 2) {
        const SMMUS2Cfg *s2 = &d.cfg.tc.s2;

        g_assert_cmpuint(s2->granule_bits, ==, in->s2_granule);
        g_assert_cmpuint(s2->tsz, ==, in->s2_t0sz);
        g_assert_cmpuint(s2->sl0, ==, in->s2_sl0);
        g_assert_cmpuint(s2->ps_bits, ==, smmuv3_pa_bits(in->s2_ps));
        g_assert_cmphex(s2->vttb, ==, in->s2_ttb);
        g_assert_cmpint(s2->record_faults, ==, in->s2_r);
        g_assert_cmpint(s2->ptw, ==, in->s2_ptw);
        g_assert_cmpint(s2->affd, ==, in->s2_affd);
        g_assert_cmpint(s2->fwb, ==, in->s2_fwb);
    }
}

typedef struct CdBuildCase {
    const char *name;
    QSMMUCd in;
} CdBuildCase;

static const CdBuildCase cd_build_cases[] = {
    /* what the translate tests build: 4K, 39-bit VA */
    { .name = "4k", .in = { .valid = true, .asid = 1, .t0sz = 25,
                            .granule = QSMMU_GRAN_4K,
                            .ips = QSMMU_PS_44BIT, .ttb0 = TTB0 } },
    { .name = "16k-r", .in = { .valid = true, .asid = 2, .t0sz = 28,
                               .granule = QSMMU_GRAN_16K,
                               .ips = QSMMU_PS_44BIT, .ttb0 = TTB0,
                               .r = true } },
    { .name = "64k-affd", .in = { .valid = true, .asid = 0xffff,
                                  .t0sz = 22, .granule = QSMMU_GRAN_64K,
                                  .ips = 2, .ttb0 = TTB0, .affd = true } },
    /* EPD0: TTB0 walks fault */
    { .name = "epd0", .in = { .valid = true, .asid = 3, .t0sz = 25,
                              .granule = QSMMU_GRAN_4K,
                              .ips = QSMMU_PS_44BIT, .ttb0 = TTB0,
                              .epd0 = true } },
};

static void run_cd_build(const void *opaque)
{
    const CdBuildCase *c = opaque;
    const QSMMUCd *in = &c->in;
    uint64_t w[8];
    SMMUS1Cfg s1;
    SMMUv3Verdict v;

    qsmmu_cd_build(in, w);
    v = smmuv3_decode_cd(&feat_nested, w, &s1);
    g_assert_cmpint(v.err, ==, SMMUV3_CFG_OK);
    g_assert_cmpuint(s1.asid, ==, in->asid);
    g_assert_cmpuint(s1.tt[0].tsz, ==, in->t0sz);
    g_assert_cmpuint(s1.tt[0].granule_bits, ==, in->granule);
    g_assert_cmphex(s1.tt[0].ttb, ==, in->ttb0);
    g_assert_cmpint(s1.tt[0].disabled, ==, in->epd0);
    g_assert_true(s1.tt[1].disabled);
    g_assert_cmpuint(s1.ips_bits, ==, MIN(smmuv3_pa_bits(in->ips), 44));
    g_assert_cmpint(s1.affd, ==, in->affd);
    g_assert_cmpint(s1.record_faults, ==, in->r);
}

#define ADD_TABLE(prefix, cases, fn) \
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) { \
        g_autofree char *path = g_strdup_printf("/smmuv3/decode/%s/%s", \
                                                prefix, cases[i].name); \
        g_test_add_data_func(path, &cases[i], fn); \
    }

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    g_test_add_func("/smmuv3/decode/pa-bits", test_pa_bits);
    g_test_add_func("/smmuv3/decode/tg-bits", test_tg_bits);
    ADD_TABLE("strtab", strtab_cases, run_strtab);
    ADD_TABLE("l1std", l1std_cases, run_l1std);
    ADD_TABLE("ste", ste_cases, run_ste);
    ADD_TABLE("cd-locate", cdloc_cases, run_cdloc);
    ADD_TABLE("l1cd", l1cd_cases, run_l1cd);
    ADD_TABLE("cd", cd_cases, run_cd);
    ADD_TABLE("build-ste", ste_build_cases, run_ste_build);
    ADD_TABLE("build-cd", cd_build_cases, run_cd_build);
    return g_test_run();
}
