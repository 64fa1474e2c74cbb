/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Shared helpers of the SMMUv3 decoder unit tests (smmuv3-decode.c):
 * constant field encodings for table initializers, SubstreamIDs in
 * rows, and the implemented-feature sets the rows decode against.
 */

#ifndef TESTS_UNIT_SMMU_DECODE_UNIT_H
#define TESTS_UNIT_SMMU_DECODE_UNIT_H

#include "smmuv3-decode.h"

/* A field of a structure as a constant: FIELD_DP64 for initializers */
#define F(reg, fld, v) \
    (((uint64_t)(v) << R_##reg##_##fld##_SHIFT) & R_##reg##_##fld##_MASK)

/* Transaction SubstreamIDs in tables: 0 means none */
#define SSID(n)        ((n) + 1)
#define NO_SSID        0

static inline uint32_t txn_ssid(uint32_t row)
{
    return row == NO_SSID ? SMMUV3_NO_SSID : row - 1;
}

/* The model's defaults but httu=off: stage=nested, oas=44, s2fwb=on */
extern const SMMUv3Features feat_nested;
/* stage=1, stage=2 */
extern const SMMUv3Features feat_s1, feat_s2;
/* Variants of feat_nested for the rules that depend on a feature */
extern const SMMUv3Features feat_oas42, feat_nofwb_nohad;
extern const SMMUv3Features feat_httu1_noterm, feat_httu2_aa32;
/* STALL_MODEL 0b00 (stall=supported, with ATS) and 0b10 (forced) */
extern const SMMUv3Features feat_stall, feat_stall_forced;
/*
 * 52-bit addresses: OAS 52 with VAX and DS; OAS 52 without either; VAX
 * with OAS 48; VAX and DS with OAS 48
 */
extern const SMMUv3Features feat_lpa, feat_lpa_novax, feat_vax48, feat_ds48;

/* @f, or feat_nested for NULL (a row that does not say) */
static inline const SMMUv3Features *feat_or_default(const SMMUv3Features *f)
{
    return f ? f : &feat_nested;
}

/* Register one GLib case per row of @cases, named after the row */
#define ADD_TABLE(prefix, cases, fn) \
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) { \
        g_autofree char *path = g_strdup_printf("/smmuv3/decode/%s/%s", \
                                                prefix, cases[i].name); \
        g_test_add_data_func(path, &cases[i], fn); \
    }

#endif
