/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the SMMUv3 configuration decoders (smmuv3-decode.c):
 * raw STE words in, the decoded configuration or the C_BAD_* reason
 * out (IHI 0070 5.2, 7.3), and the libqos STE builder round-tripped.
 * One named case per row, its comment saying why; one expectation
 * helper per table.
 */

#include "qemu/osdep.h"
#include "smmuv3-decode-unit.h"
#include "../../qtest/libqos/smmuv3.h"

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
    bool s2_ds, s2_lpa;
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
    /* 5.5: S2S with the Stall model, required when it is forced */
    { .name = "s2-stall-supported", .f = &feat_stall,
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2S, 1), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    { .name = "s2-stall-forced", .f = &feat_stall_forced,
      .w = { STE0(STE_CFG_S2), 0, STE2_OK | F(STE2, S2S, 1), STE3_OK },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, S2_OK_EXPECT } },
    { .name = "s2-no-stall-forced", .f = &feat_stall_forced,
      .w = { STE0(STE_CFG_S2), 0, STE2_OK, STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* 5.2 EATS: Full ATS with stage 2 and S2S is ILLEGAL */
    { .name = "s2-stall-eats", .f = &feat_stall,
      .w = { STE0(STE_CFG_S2), F(STE1, EATS, 1), STE2_OK | F(STE2, S2S, 1),
             STE3_OK },
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
    /*
     * Bits [1:0] below S2TTB are not part of the address ([3:2] are
     * S2DS and S2SL0_2, see the ste-lpa rows)
     */
    { .name = "s2-ttb-low-bits",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK, STE3_OK | 0x3 },
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
    /* 5.5: S1STALLD is legal only with STALL_MODEL 0b00 */
    { .name = "s1-stalld-supported", .f = &feat_stall,
      .w = { STE0_S1(STE_CFG_S1, 0, 0), F(STE1, S1STALLD, 1) },
      .e = { .kind = SMMUV3_CFG_TRANSLATE, .s1 = true } },
    { .name = "s1-stalld-forced", .f = &feat_stall_forced,
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

/* ---- 52-bit IPA and PA: S2T0SZ, S2SL0_2, S2DS, S2PS 52 (5.2) ---- */

#define S2TTB_HIGH      ((1ULL << 51) | (1ULL << 49) | 0x40000000ULL)
/* S2T0SZ @tsz, S2SL0 @sl0, S2TG @tg, S2PS 52 bits, VMID 0x11 */
#define STE2_52(tsz, sl0, tg) \
    ((STE2_S2(tsz, sl0, tg) & ~R_STE2_S2PS_MASK) | F(STE2, S2PS, 6))
#define STE3_DS         F(STE3, S2DS, 1)
#define STE3_SL2        F(STE3, S2SL0_2, 1)
#define S2_52_EXPECT(g, tsz, sl0) \
    .kind = SMMUV3_CFG_TRANSLATE, .s2 = true, .vmid = 0x11, \
    .s2_gbits = (g), .s2_tsz = (tsz), .s2_sl0 = (sl0), .s2_ps = 52, \
    .s2_ttb = S2TTB_ADDR, .s2_lpa = true

static const SteCase lpa_ste_cases[] = {
    /* 64K: a 52-bit IPA from level 1 */
    { .name = "s2-64k-ia52", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(12, 2, 1), STE3_OK },
      .e = { S2_52_EXPECT(16, 12, 2) } },
    /* ... needs an IAS (the OAS) of 52 bits: MAX(12, 64 - IAS) */
    { .name = "s2-64k-ia52-oas48", .f = &feat_vax48,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(12, 2, 1), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    { .name = "s2-64k-ia49-novax", .f = &feat_lpa_novax,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(15, 2, 1), STE3_OK },
      .e = { S2_52_EXPECT(16, 15, 2) } },
    /* 4K without S2DS: at most 48 bits whatever the OAS */
    { .name = "s2-4k-ia52-nods", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(12, 2, 0), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    /* 4K, S2DS: level 0 with 16 concatenated tables */
    { .name = "s2-4k-ds-l0-ia52", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(12, 2, 0), STE3_OK | STE3_DS },
      .e = { S2_52_EXPECT(12, 12, 2), .s2_ds = true } },
    /* ... level -1: S2SL0_2:S2SL0 0b100 (VTCR_EL2.SL2) */
    { .name = "s2-4k-ds-lm1-ia52", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(12, 0, 0),
             STE3_OK | STE3_DS | STE3_SL2 },
      .e = { S2_52_EXPECT(12, 12, 4), .s2_ds = true } },
    { .name = "s2-4k-ds-lm1-ia49", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(15, 0, 0),
             STE3_OK | STE3_DS | STE3_SL2 },
      .e = { S2_52_EXPECT(12, 15, 4), .s2_ds = true } },
    /* level -1 resolves nothing of a 48-bit IPA */
    { .name = "s2-4k-ds-lm1-ia48", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(16, 0, 0),
             STE3_OK | STE3_DS | STE3_SL2 },
      .err = SMMUV3_CFG_BAD_STE },
    /* SL2 with SL0 != 0 is reserved (S2InvalidSL '1x1', '11x') */
    { .name = "s2-4k-ds-sl2-sl0-1", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(12, 1, 0),
             STE3_OK | STE3_DS | STE3_SL2 },
      .err = SMMUV3_CFG_BAD_STE },
    /* level -1 needs PAMax 52 */
    { .name = "s2-4k-ds-lm1-oas48", .f = &feat_ds48,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(16, 0, 0),
             STE3_OK | STE3_DS | STE3_SL2 },
      .err = SMMUV3_CFG_BAD_STE },
    /* S2SL0_2 only counts for 4K with S2DS: ignored without it */
    { .name = "s2-4k-sl2-nods", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(24, 1, 0), STE3_OK | STE3_SL2 },
      .e = { S2_52_EXPECT(12, 24, 1) } },
    /* 16K, S2DS: SL0 0b11 is level 0 */
    { .name = "s2-16k-ds-l0-ia52", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(12, 3, 2), STE3_OK | STE3_DS },
      .e = { S2_52_EXPECT(14, 12, 3), .s2_ds = true } },
    { .name = "s2-16k-l0-nods", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(16, 3, 2), STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    { .name = "s2-16k-ds-l0-oas48", .f = &feat_ds48,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(16, 3, 2), STE3_OK | STE3_DS },
      .err = SMMUV3_CFG_BAD_STE },
    /* S2DS on an SMMU without IDR5.DS: refused */
    { .name = "s2-ds-without-idr5-ds",
      .w = { STE0(STE_CFG_S2), 0, STE2_OK, STE3_OK | STE3_DS },
      .err = SMMUV3_CFG_BAD_STE },
    /* S2DS is RES0 with 64K: no effect */
    { .name = "s2-ds-64k", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(12, 2, 1), STE3_OK | STE3_DS },
      .e = { S2_52_EXPECT(16, 12, 2) } },
    /* S2TTB above 48 bits: 64K or S2DS, within S2PS */
    { .name = "s2-ttb52-64k", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(12, 2, 1),
             F(STE3, S2TTB, S2TTB_HIGH >> 4) },
      .e = { S2_52_EXPECT(16, 12, 2), .s2_ttb = S2TTB_HIGH } },
    { .name = "s2-ttb52-4k-nods", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(24, 1, 0),
             F(STE3, S2TTB, S2TTB_HIGH >> 4) },
      .err = SMMUV3_CFG_BAD_STE },
    { .name = "s2-ttb52-4k-ds", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(24, 1, 0),
             F(STE3, S2TTB, S2TTB_HIGH >> 4) | STE3_DS },
      .e = { S2_52_EXPECT(12, 24, 1), .s2_ttb = S2TTB_HIGH,
             .s2_ds = true } },
    { .name = "s2-ttb52-ps48", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0,
             (STE2_52(16, 2, 1) & ~R_STE2_S2PS_MASK) | F(STE2, S2PS, 5),
             F(STE3, S2TTB, S2TTB_HIGH >> 4) },
      .err = SMMUV3_CFG_BAD_STE },
    /* S2PS 52 aligns the start table to 64 bytes (5.2 S2TTB) */
    { .name = "s2-ttb-align64", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0, STE2_52(24, 1, 0),
             STE3_OK | F(STE3, S2TTB, 3) },
      .e = { S2_52_EXPECT(12, 24, 1) } },
    /* S2PS 0b111 behaves as 52 bits */
    { .name = "s2-ps7-as-52", .f = &feat_lpa,
      .w = { STE0(STE_CFG_S2), 0,
             (STE2_52(24, 1, 0) & ~R_STE2_S2PS_MASK) | F(STE2, S2PS, 7),
             STE3_OK },
      .e = { S2_52_EXPECT(12, 24, 1) } },
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
        g_assert_cmpint(tc->s2.ds, ==, e->s2_ds);
        g_assert_cmpint(tc->s2.lpa, ==, e->s2_lpa);
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

/* ---- The libqos STE builder, round-tripped (tests/qtest/libqos) ---- */

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

/*
 * 5.2 MTCFG/MemAttr, ALLOCCFG, SHCFG: decoded with ATTR_TYPES_OVR, for a
 * bypass STE as for any; RES0 (use incoming) without it.
 */
static void test_attr_ovr(void)
{
    const uint64_t w[8] = {
        STE0(STE_CFG_BYPASS),
        F(STE1, MTCFG, 1) | F(STE1, MEMATTR, 0xe) | F(STE1, ALLOCCFG, 0xa) |
        F(STE1, SHCFG, 3),
    };
    SMMUv3Features f = feat_nested;
    SMMUv3Ste ste;

    f.attr_types_ovr = true;
    g_assert_cmpint(smmuv3_decode_ste(&f, w, SMMUV3_NO_SSID, &ste).err, ==,
                    SMMUV3_CFG_OK);
    g_assert_true(ste.cfg.ovr.mtcfg);
    g_assert_cmphex(ste.cfg.ovr.memattr, ==, 0xe);
    g_assert_cmphex(ste.cfg.ovr.alloccfg, ==, 0xa);
    g_assert_cmphex(ste.cfg.ovr.shcfg, ==, 3);

    f.attr_types_ovr = false;
    g_assert_cmpint(smmuv3_decode_ste(&f, w, SMMUV3_NO_SSID, &ste).err, ==,
                    SMMUV3_CFG_OK);
    g_assert_false(ste.cfg.ovr.mtcfg);
    g_assert_cmphex(ste.cfg.ovr.alloccfg, ==, 0);
    g_assert_cmphex(ste.cfg.ovr.shcfg, ==, STE_SHCFG_INCOMING);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    ADD_TABLE("ste", ste_cases, run_ste);
    ADD_TABLE("ste-lpa", lpa_ste_cases, run_ste);
    ADD_TABLE("build-ste", ste_build_cases, run_ste_build);
    g_test_add_func("/smmuv3/ste/attr-ovr", test_attr_ovr);
    return g_test_run();
}
