/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of STE.EATS decoding (IHI 0070 5.2, 3.9.1) in
 * smmuv3_decode_ste(): raw STE words in, the effective EATS (0, or 1
 * for Full ATS) or C_BAD_STE out, with and without SMMU_IDR0.ATS.
 */

#include "qemu/osdep.h"
#include "smmuv3-decode-unit.h"

#define CTX             0x80000ULL
#define S2TTB_ADDR      0x40000000ULL
#define STE0(config)    (F(STE0, V, 1) | F(STE0, CONFIG, config) | \
                         F(STE0, S1CTXPTR, CTX >> 6))
#define STE1(eats)      F(STE1, EATS, eats)
/* 4K granule, 40-bit IPA from level 1, S2PS 44 bits */
#define STE2_OK         (F(STE2, S2T0SZ, 24) | F(STE2, S2SL0, 1) | \
                         F(STE2, S2PS, 4) | F(STE2, S2AA64, 1))
#define STE3_OK         F(STE3, S2TTB, S2TTB_ADDR >> 4)

/* The model with ats=on: feat_nested plus IDR0.ATS */
static const SMMUv3Features feat_ats = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .msi = true, .had = true, .ril = true, .fwb = true, .xnx = true,
    .bbml = 2, .ats = true,
};

typedef struct EatsCase {
    const char *name;
    const SMMUv3Features *f;    /* NULL: feat_ats */
    uint64_t w[4];
    SMMUv3CfgErr err;
    SMMUv3CfgKind kind;
    uint8_t eats;               /* the effective value, when OK */
} EatsCase;

static const EatsCase eats_cases[] = {
    /* 0b00: ATS disabled */
    { "s1-eats0", NULL, { STE0(STE_CFG_S1), STE1(0) },
      .kind = SMMUV3_CFG_TRANSLATE },
    /* 0b01: Full ATS at every stage */
    { "s1-eats1", NULL, { STE0(STE_CFG_S1), STE1(1) },
      .kind = SMMUV3_CFG_TRANSLATE, .eats = 1 },
    { "s2-eats1", NULL, { STE0(STE_CFG_S2), STE1(1), STE2_OK, STE3_OK },
      .kind = SMMUV3_CFG_TRANSLATE, .eats = 1 },
    { "nested-eats1", NULL,
      { STE0(STE_CFG_NESTED), STE1(1), STE2_OK, STE3_OK },
      .kind = SMMUV3_CFG_TRANSLATE, .eats = 1 },
    /* 0b10: Split-stage, ILLEGAL as IDR0.NS1ATS is 1, at any Config */
    { "nested-eats2", NULL,
      { STE0(STE_CFG_NESTED), STE1(2), STE2_OK, STE3_OK },
      .err = SMMUV3_CFG_BAD_STE },
    { "s1-eats2", NULL, { STE0(STE_CFG_S1), STE1(2) },
      .err = SMMUV3_CFG_BAD_STE },
    /* 0b11: DPT checks need IDR3.DPT (0): reserved, behaves as 0b00 */
    { "s1-eats3", NULL, { STE0(STE_CFG_S1), STE1(3) },
      .kind = SMMUV3_CFG_TRANSLATE },
    /* Config[1:0] == 0b00: EATS IGNORED, Split-stage included */
    { "bypass-eats2", NULL, { STE0(STE_CFG_BYPASS), STE1(2) },
      .kind = SMMUV3_CFG_BYPASS },
    { "bypass-eats1", NULL, { STE0(STE_CFG_BYPASS), STE1(1) },
      .kind = SMMUV3_CFG_BYPASS },
    { "abort-eats2", NULL, { STE0(STE_CFG_ABORT), STE1(2) },
      .kind = SMMUV3_CFG_ABORT },
    /* IDR0.ATS == 0: the field is IGNORED (5.2), 0b10 included */
    { "no-ats-eats1", &feat_nested, { STE0(STE_CFG_S1), STE1(1) },
      .kind = SMMUV3_CFG_TRANSLATE },
    { "no-ats-eats2", &feat_nested,
      { STE0(STE_CFG_NESTED), STE1(2), STE2_OK, STE3_OK },
      .kind = SMMUV3_CFG_TRANSLATE },
};

static void run_eats(const void *opaque)
{
    const EatsCase *c = opaque;
    const SMMUv3Features *f = c->f ? c->f : &feat_ats;
    uint64_t w[8] = { c->w[0], c->w[1], c->w[2], c->w[3] };
    SMMUv3Ste d;
    SMMUv3Verdict v = smmuv3_decode_ste(f, w, SMMUV3_NO_SSID, &d);

    g_assert_cmpint(v.err, ==, c->err);
    if (c->err != SMMUV3_CFG_OK) {
        g_assert_nonnull(v.why);
        return;
    }
    g_assert_cmpint(d.cfg.kind, ==, c->kind);
    g_assert_cmpuint(d.cfg.eats, ==, c->eats);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD_TABLE("eats", eats_cases, run_eats);
    return g_test_run();
}
