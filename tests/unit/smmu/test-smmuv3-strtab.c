/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Unit tests of the SMMUv3 configuration decoders (smmuv3-decode.c):
 * the shared encodings (PA sizes, TG), the stream table geometry and
 * the L1STD (IHI 0070 3.3.1-3.3.2, 5.1, 6.3.24-25).
 * One named case per row, its comment saying why; one expectation
 * helper per table.
 */

#include "qemu/osdep.h"
#include "smmuv3-decode-unit.h"

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


int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();
    g_test_add_func("/smmuv3/decode/pa-bits", test_pa_bits);
    g_test_add_func("/smmuv3/decode/tg-bits", test_tg_bits);
    ADD_TABLE("strtab", strtab_cases, run_strtab);
    ADD_TABLE("l1std", l1std_cases, run_l1std);
    return g_test_run();
}
