/*
 * A complete translation set-up for one stream: STE, CD and the page
 * tables of stage 1, stage 2 or both, mapping a data buffer at an IOVA.
 * Tests then change one piece (a descriptor, a permission, an S2
 * mapping) to provoke the behaviour they check.
 *
 * Nested layout: everything stage 1 names (the CD, its tables, the data)
 * is an IPA equal to the physical address plus QSMMU_XLATE_IPA_OFFSET,
 * which is not RAM, so a model that skips a stage-2 translation of any
 * of them fails.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef LIBQOS_SMMU_XLATE_H
#define LIBQOS_SMMU_XLATE_H

#include "smmu-env.h"
#include "smmu-pgtable.h"

#define QSMMU_XLATE_IPA_OFFSET  (1ULL << 39)
#define QSMMU_XLATE_DATA_SIZE   0x20000     /* two 64K pages */
#define QSMMU_XLATE_CD_SIZE     0x10000

typedef struct QSmmuXlate {
    /* Inputs. */
    uint32_t sid;
    uint8_t config;             /* QSMMU_STE_CFG_S1/S2/NESTED */
    uint8_t s1_gran, s1_ias;
    uint8_t s2_gran, s2_ias;
    int leaf_level;             /* of the stage that maps the data */
    uint16_t asid, vmid;
    uint64_t iova;              /* 0: chosen from the input size */

    /* Outputs. */
    QPgtable pt1, pt2;
    QSMMUCd cd;
    QSMMUSte ste;
    uint64_t ipa_off;           /* nested: QSMMU_XLATE_IPA_OFFSET */
    uint64_t data;              /* PA of the data buffer */
    uint64_t data_iova;         /* the IOVA that reaches data */
    uint64_t leaf_iova;         /* IOVA of the leaf mapping data */
    uint64_t cd_pa;
} QSmmuXlate;

/* Defaults for a config: 4K granules, 48/40-bit inputs, page leaves. */
void qsmmu_xlate_defaults(QSmmuXlate *x, uint8_t config, uint32_t sid);
/* Build and write everything; the SMMU is not enabled here. */
void qsmmu_xlate_setup(QSmmuEnv *e, QSmmuXlate *x);
/* Rewrite the STE / the CD from x->ste / x->cd. */
void qsmmu_xlate_write_ste(QSmmuEnv *e, QSmmuXlate *x);
void qsmmu_xlate_write_cd(QSmmuEnv *e, QSmmuXlate *x);
/* IPA of a stage-1 table's physical address, or of the CD. */
uint64_t qsmmu_xlate_ipa(const QSmmuXlate *x, uint64_t pa);

#endif /* LIBQOS_SMMU_XLATE_H */
