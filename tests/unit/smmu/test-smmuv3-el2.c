/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the decoders' EL2 rules: STE.STRW (IHI 0070 5.2,
 * IgnoreSTESTRW(), IgnoreSTES2VMID()) and the CD fields that are
 * IGNORED or RES0 at NS-EL2 (5.4, 5.4.1).
 */

#include "qemu/osdep.h"
#include "smmuv3-decode-unit.h"

#define CTX             0x80000ULL
#define S2TTB_ADDR      0x40000000ULL
#define STE0(config)    (F(STE0, V, 1) | F(STE0, CONFIG, config) | \
                         F(STE0, S1CTXPTR, CTX >> 6))
#define STE1_STRW(v)    F(STE1, STRW, v)
/* 4K granule, 40-bit IPA from level 1, S2PS 44 bits, VMID 0x11 */
#define STE2_S2         (F(STE2, S2T0SZ, 24) | F(STE2, S2SL0, 1) | \
                         F(STE2, S2PS, 4) | F(STE2, S2AA64, 1) | \
                         F(STE2, S2VMID, 0x11))
#define STE3_S2         F(STE3, S2TTB, S2TTB_ADDR >> 4)

/* The model's default feature set with stage=nested: HYP */
static SMMUv3Features feat_hyp;

typedef struct SteCase {
    const char *name;
    bool no_hyp;            /* decode with feat_nested (HYP 0) */
    uint64_t w[4];
    SMMUv3CfgErr err;
    bool el2;               /* STRW 0b10 in force */
    uint16_t vmid;
} SteCase;

static const SteCase ste_cases[] = {
    /* Config 0b101: STRW used; 0b00 NS-EL1 with its S2VMID */
    { "s1-strw-el1", .w = { STE0(STE_CFG_S1), STE1_STRW(0), STE2_S2 },
      .vmid = 0x11 },
    /* 0b10: EL2, which has no VMID (IgnoreSTES2VMID()) */
    { "s1-strw-el2", .w = { STE0(STE_CFG_S1), STE1_STRW(2), STE2_S2 },
      .el2 = true },
    /* 0bx1: Reserved, ILLEGAL */
    { "s1-strw-01", .w = { STE0(STE_CFG_S1), STE1_STRW(1), STE2_S2 },
      .err = SMMUV3_CFG_BAD_STE },
    { "s1-strw-11", .w = { STE0(STE_CFG_S1), STE1_STRW(3), STE2_S2 },
      .err = SMMUV3_CFG_BAD_STE },
    /* Config 0b11x: STRW IGNORED, NS-EL1 */
    { "nested-strw-11", .w = { STE0(STE_CFG_NESTED), STE1_STRW(3), STE2_S2,
                               STE3_S2 }, .vmid = 0x11 },
    { "nested-strw-el2", .w = { STE0(STE_CFG_NESTED), STE1_STRW(2),
                                STE2_S2, STE3_S2 }, .vmid = 0x11 },
    { "s2-strw-01", .w = { STE0(STE_CFG_S2), STE1_STRW(1), STE2_S2,
                           STE3_S2 }, .vmid = 0x11 },
    /* bypass: ignored */
    { "bypass-strw-11", .w = { STE0(STE_CFG_BYPASS), STE1_STRW(3) } },
    /* HYP == 0: STRW is RES0 and ignored, as before */
    { "nohyp-strw-el2", .no_hyp = true,
      .w = { STE0(STE_CFG_S1), STE1_STRW(2), STE2_S2 }, .vmid = 0x11 },
    { "nohyp-strw-11", .no_hyp = true,
      .w = { STE0(STE_CFG_S1), STE1_STRW(3), STE2_S2 }, .vmid = 0x11 },
};

static void run_ste(const void *opaque)
{
    const SteCase *c = opaque;
    uint64_t ste[8] = { c->w[0], c->w[1], c->w[2], c->w[3] };
    SMMUv3Ste out;
    SMMUv3Verdict v = smmuv3_decode_ste(c->no_hyp ? &feat_nested : &feat_hyp,
                                        ste, SMMUV3_NO_SSID, &out);

    g_assert_cmpint(v.err, ==, c->err);
    if (c->err) {
        return;
    }
    g_assert_cmpint(out.el2, ==, c->el2);
    g_assert_cmpuint(out.cfg.tc.s2.vmid, ==, c->vmid);
}

#define TTB0            0x100000ULL
#define TTB1            0x200000ULL
/* valid, AArch64, A = 1, 39-bit TTB0 of 4K pages, IPS 44, ASID 7 */
#define CD0_BASE \
    (F(CD0, V, 1) | F(CD0, AA64, 1) | F(CD0, A, 1) | F(CD0, T0SZ, 25) | \
     F(CD0, IPS, 4) | F(CD0, ASID, 7))
/* a valid TTB1 half: 39 bits of 4K (TG1 0b10) */
#define CD0_TT1         (F(CD0, T1SZ, 25) | F(CD0, TG1, 2))
/* TTB1 fields a NS-EL1 CD may not hold: T1SZ 0, TG1 reserved */
#define CD0_TT1_BAD     (F(CD0, T1SZ, 0) | F(CD0, TG1, 0))

typedef struct CdCase {
    const char *name;
    SMMURegime regime;
    uint64_t w0, ttb1;
    SMMUv3CfgErr err;
    /* expected when OK */
    uint16_t asid;
    uint8_t tbi;
    bool tt0_disabled, tt1_disabled;
} CdCase;

static const CdCase cd_cases[] = {
    /* NS-EL1: both halves checked, ASID kept */
    { "el1", SMMU_REGIME_EL1, CD0_BASE | CD0_TT1, TTB1, .asid = 7 },
    { "el1-tt1-bad", SMMU_REGIME_EL1, CD0_BASE | CD0_TT1_BAD, TTB1,
      .err = SMMUV3_CFG_BAD_CD },
    { "el1-epd0", SMMU_REGIME_EL1, CD0_BASE | CD0_TT1 | F(CD0, EPD0, 1),
      TTB1, .asid = 7, .tt0_disabled = true },
    /* NS-EL2: TTB1 unreachable, its fields RES0 and not checked */
    { "el2-tt1-ignored", SMMU_REGIME_EL2, CD0_BASE | CD0_TT1_BAD, TTB1,
      .tt1_disabled = true },
    /* ... EPD0 and EPD1 IGNORED (effective 0): TTB0 walks, TTB1 never */
    { "el2-epd0-ignored", SMMU_REGIME_EL2,
      CD0_BASE | F(CD0, EPD0, 1) | F(CD0, EPD1, 1), 0,
      .tt1_disabled = true },
    /* ... TBI1 RES0, ASID IGNORED */
    { "el2-tbi1", SMMU_REGIME_EL2, CD0_BASE | F(CD0, TBI, 3), 0,
      .tbi = 1, .tt1_disabled = true },
    /* ... TTB0 still checked */
    { "el2-t0sz-bad", SMMU_REGIME_EL2,
      (CD0_BASE & ~F(CD0, T0SZ, 0x3f)) | F(CD0, T0SZ, 40), 0,
      .err = SMMUV3_CFG_BAD_CD },
    /* NS-EL2-E2H: decodes as NS-EL1 */
    { "e2h", SMMU_REGIME_EL2_E2H, CD0_BASE | CD0_TT1 | F(CD0, TBI, 3),
      TTB1, .asid = 7, .tbi = 3 },
    { "e2h-tt1-bad", SMMU_REGIME_EL2_E2H, CD0_BASE | CD0_TT1_BAD, TTB1,
      .err = SMMUV3_CFG_BAD_CD },
    { "e2h-epd1", SMMU_REGIME_EL2_E2H, CD0_BASE | F(CD0, EPD1, 1), 0,
      .asid = 7, .tt1_disabled = true },
};

static void run_cd(const void *opaque)
{
    const CdCase *c = opaque;
    uint64_t cd[8] = { c->w0, F(CDTTB, TTB, TTB0 >> 4),
                       F(CDTTB, TTB, c->ttb1 >> 4) };
    SMMUS1Cfg s1;
    SMMUv3Verdict v = smmuv3_decode_cd_regime(&feat_hyp, cd, c->regime, &s1);

    g_assert_cmpint(v.err, ==, c->err);
    if (c->err) {
        return;
    }
    g_assert_cmpuint(s1.regime, ==, c->regime);
    g_assert_cmpuint(s1.asid, ==, c->asid);
    g_assert_cmpuint(s1.tbi, ==, c->tbi);
    g_assert_cmpint(s1.tt[0].disabled, ==, c->tt0_disabled);
    g_assert_cmpint(s1.tt[1].disabled, ==, c->tt1_disabled);
    if (!c->tt0_disabled) {
        g_assert_cmphex(s1.tt[0].ttb, ==, TTB0);
        g_assert_cmpuint(s1.tt[0].tsz, ==, 25);
    }
    if (!c->tt1_disabled) {
        g_assert_cmphex(s1.tt[1].ttb, ==, TTB1);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    feat_hyp = feat_nested;
    feat_hyp.hyp = true;
    ADD_TABLE("el2-ste", ste_cases, run_ste);
    ADD_TABLE("el2-cd", cd_cases, run_cd);
    return g_test_run();
}
