/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the SMMUv3 configuration decoders (smmuv3-decode.c):
 * locating a CD, the L1CD and the CD: raw words in, the stage-1
 * configuration or the C_BAD_* reason out (IHI 0070 3.3.2, 5.3, 5.4),
 * and the libqos CD builder round-tripped.
 * One named case per row, its comment saying why; one expectation
 * helper per table.
 */

#include "qemu/osdep.h"
#include "smmuv3-decode-unit.h"
#include "../../qtest/libqos/smmuv3.h"

#define CTX             0x80000ULL

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
    /* 20-bit SubstreamIDs: SubstreamID[19:6] indexes 16384 L1CDs */
    { .name = "2l-4k-ssid20", .ctx = CTX, .fmt = S1FMT_2L_4K, .cdmax = 20,
      .cd_idx = 0xfffff, .addr = CTX + 0x3fff * 8, .split = 6 },
    /* ... and SubstreamID[19:10] 1024 of them with 64 KB leaves */
    { .name = "2l-64k-ssid20", .ctx = CTX, .fmt = S1FMT_2L_64K, .cdmax = 20,
      .cd_idx = 0x12345, .addr = CTX + 0x48 * 8, .split = 10 },
    /* S1CDMax <= 10 with 64 KB leaves: L1CD 0 only (5.2 S1Fmt) */
    { .name = "2l-64k-cdmax10", .ctx = CTX, .fmt = S1FMT_2L_64K,
      .cdmax = 10, .cd_idx = 0x3ff, .addr = CTX, .split = 10 },
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
    /* the top SubstreamID's CD: the last of its 64 KB leaf */
    { .name = "64k-leaf-ssid20", .l1cd = L2CD | L1CD_V, .cd_idx = 0xfffff,
      .split = 10, .cd_addr = L2CD + 0x3ff * 64 },
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
    bool affd, r, ds;
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
    /* S: stall, without the Stall model */
    { .name = "stall", .w = { CD0_WITH(0, F(CD0, S, 1)), CD1_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* 5.5: S with STALL_MODEL 0b00; S == 0 is ILLEGAL when forced */
    { .name = "stall-supported", .f = &feat_stall,
      .w = { CD0_WITH(0, F(CD0, S, 1)), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT } },
    { .name = "no-stall-supported", .f = &feat_stall,
      .w = { CD0_OK, CD1_OK, CD2_OK }, .e = { CD_OK_EXPECT } },
    { .name = "stall-forced", .f = &feat_stall_forced,
      .w = { CD0_WITH(0, F(CD0, S, 1)), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT } },
    { .name = "no-stall-forced", .f = &feat_stall_forced,
      .w = { CD0_OK, CD1_OK, CD2_OK }, .err = SMMUV3_CFG_BAD_CD },
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
    g_assert_cmpint(s1->ds, ==, e->ds);
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

/* ---- 52-bit input and output: VAX, IPS 52, DS (5.4, 6.3.6) ---- */

#define CD_DS           F(CD2, DS, 1)
#define TTB_HIGH        ((1ULL << 51) | (1ULL << 48) | 0x30000ULL)
/* CD0_OK with TG0 @tg_, T0SZ @t_ and IPS 52 bits */
#define CD0_52(tg_, t_) \
    CD0_WITH(R_CD0_T0SZ_MASK | R_CD0_IPS_MASK, \
             F(CD0, TG0, tg_) | F(CD0, T0SZ, t_) | F(CD0, IPS, 6))
#define TT0_52(g_, t_)  { .ttb = TTB0, .tsz = (t_), .gbits = (g_) }

static const CdCase lpa_cd_cases[] = {
    /* VAX, 64K: T0SZ 12 is a 52-bit VA range */
    { .name = "t0sz12-64k", .f = &feat_lpa,
      .w = { CD0_52(1, 12), CD1_OK, CD2_OK },
      .e = { .tt = { TT0_52(16, 12), TT1_OFF }, .asid = 7, .ips = 52 } },
    /* ... 11 is below every minimum */
    { .name = "t0sz11-64k", .f = &feat_lpa,
      .w = { CD0_52(1, 11), CD1_OK }, .err = SMMUV3_CFG_BAD_CD },
    /* without VAX the minimum stays 16, OAS 52 or not */
    { .name = "t0sz12-64k-novax", .f = &feat_lpa_novax,
      .w = { CD0_52(1, 12), CD1_OK }, .err = SMMUV3_CFG_BAD_CD },
    { .name = "t0sz15-64k-novax", .f = &feat_lpa_novax,
      .w = { CD0_52(1, 15), CD1_OK }, .err = SMMUV3_CFG_BAD_CD },
    /* VAX does not depend on the OAS (6.3.6) */
    { .name = "t0sz12-64k-vax-oas48", .f = &feat_vax48,
      .w = { CD0_52(1, 12), CD1_OK, CD2_OK },
      .e = { .tt = { TT0_52(16, 12), TT1_OFF }, .asid = 7, .ips = 48 } },
    /* 4K and 16K need DS for T0SZ below 16 */
    { .name = "t0sz12-4k-nods", .f = &feat_lpa,
      .w = { CD0_52(0, 12), CD1_OK }, .err = SMMUV3_CFG_BAD_CD },
    { .name = "t0sz15-16k-nods", .f = &feat_lpa,
      .w = { CD0_52(2, 15), CD1_OK }, .err = SMMUV3_CFG_BAD_CD },
    { .name = "t0sz12-4k-ds", .f = &feat_lpa,
      .w = { CD0_52(0, 12), CD1_OK, CD2_OK | CD_DS },
      .e = { .tt = { TT0_52(12, 12), TT1_OFF }, .asid = 7, .ips = 52,
             .ds = true } },
    { .name = "t0sz12-16k-ds", .f = &feat_lpa,
      .w = { CD0_52(2, 12), CD1_OK, CD2_OK | CD_DS },
      .e = { .tt = { TT0_52(14, 12), TT1_OFF }, .asid = 7, .ips = 52,
             .ds = true } },
    /* TTB1 follows the same rule with its own granule (TG1 4K) */
    { .name = "t1sz12-4k-ds", .f = &feat_lpa,
      .w = { CD0_WITH(R_CD0_EPD1_MASK | R_CD0_IPS_MASK,
                      F(CD0, TG1, 2) | F(CD0, T1SZ, 12) | F(CD0, IPS, 6)),
             CD1_OK, CD2_OK | CD_DS },
      .e = { .tt = { TT0_OK, { .ttb = TTB1, .tsz = 12, .gbits = 12 } },
             .asid = 7, .ips = 52, .ds = true } },
    { .name = "t1sz12-4k-nods", .f = &feat_lpa,
      .w = { CD0_WITH(R_CD0_EPD1_MASK | R_CD0_IPS_MASK,
                      F(CD0, TG1, 2) | F(CD0, T1SZ, 12) | F(CD0, IPS, 6)),
             CD1_OK, CD2_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* DS set on an SMMU without IDR5.DS: refused, not reinterpreted */
    { .name = "ds-without-idr5-ds", .f = &feat_vax48,
      .w = { CD0_OK, CD1_OK, CD2_OK | CD_DS }, .err = SMMUV3_CFG_BAD_CD },
    { .name = "ds-default-features",
      .w = { CD0_OK, CD1_OK, CD2_OK | CD_DS }, .err = SMMUV3_CFG_BAD_CD },
    /* DS with OAS 48: 52-bit VAs, 48-bit output */
    { .name = "t0sz12-4k-ds-oas48", .f = &feat_ds48,
      .w = { CD0_52(0, 12), CD1_OK, CD2_OK | CD_DS },
      .e = { .tt = { TT0_52(12, 12), TT1_OFF }, .asid = 7, .ips = 48,
             .ds = true } },
    /* IPS 0b110 is 52 bits with OAS 52; 0b111 behaves as it (v3.1-3.3) */
    { .name = "ips52", .f = &feat_lpa,
      .w = { CD0_WITH(R_CD0_IPS_MASK, F(CD0, IPS, 6)), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT, .ips = 52 } },
    { .name = "ips7-as-52", .f = &feat_lpa,
      .w = { CD0_WITH(R_CD0_IPS_MASK, F(CD0, IPS, 7)), CD1_OK, CD2_OK },
      .e = { CD_OK_EXPECT, .ips = 52 } },
    /* TTB0 above 48 bits: 64K, or DS; never with a 48-bit IPS */
    { .name = "ttb0-52-64k", .f = &feat_lpa,
      .w = { CD0_52(1, 12), F(CDTTB, TTB, TTB_HIGH >> 4), CD2_OK },
      .e = { .tt = { { .ttb = TTB_HIGH, .tsz = 12, .gbits = 16 }, TT1_OFF },
             .asid = 7, .ips = 52 } },
    { .name = "ttb0-52-4k-nods", .f = &feat_lpa,
      .w = { CD0_52(0, 16), F(CDTTB, TTB, TTB_HIGH >> 4), CD2_OK },
      .err = SMMUV3_CFG_BAD_CD },
    { .name = "ttb0-52-4k-ds", .f = &feat_lpa,
      .w = { CD0_52(0, 16), F(CDTTB, TTB, TTB_HIGH >> 4), CD2_OK | CD_DS },
      .e = { .tt = { { .ttb = TTB_HIGH, .tsz = 16, .gbits = 12 }, TT1_OFF },
             .asid = 7, .ips = 52, .ds = true } },
    { .name = "ttb0-52-ips48", .f = &feat_lpa,
      .w = { CD0_WITH(R_CD0_IPS_MASK | R_CD0_TG0_MASK,
                      F(CD0, IPS, 5) | F(CD0, TG0, 1)),
             F(CDTTB, TTB, TTB_HIGH >> 4), CD2_OK },
      .err = SMMUV3_CFG_BAD_CD },
    /* a 52-bit IPS aligns the start table to 64 bytes (5.4 TTB0) */
    { .name = "ttb0-align64-ips52", .f = &feat_lpa,
      .w = { CD0_52(0, 25), CD1_OK | F(CDTTB, TTB, 3), CD2_OK },
      .e = { .tt = { TT0_52(12, 25), TT1_OFF }, .asid = 7, .ips = 52 } },
    { .name = "ttb0-align16-ips48", .f = &feat_lpa,
      .w = { CD0_WITH(R_CD0_IPS_MASK, F(CD0, IPS, 5)),
             CD1_OK | F(CDTTB, TTB, 3), CD2_OK },
      .e = { .tt = { { .ttb = TTB0 | 0x30, .tsz = 25, .gbits = 12 },
                     TT1_OFF },
             .asid = 7, .ips = 48 } },
};

/* ---- The libqos CD builder, round-tripped (tests/qtest/libqos) ---- */

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


int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    ADD_TABLE("cd-locate", cdloc_cases, run_cdloc);
    ADD_TABLE("l1cd", l1cd_cases, run_l1cd);
    ADD_TABLE("cd", cd_cases, run_cd);
    ADD_TABLE("cd-lpa", lpa_cd_cases, run_cd);
    ADD_TABLE("build-cd", cd_build_cases, run_cd_build);
    return g_test_run();
}
