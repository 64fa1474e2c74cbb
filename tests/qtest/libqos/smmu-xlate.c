/*
 * A complete translation set-up for one stream.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "../libqtest.h"
#include "qemu/bitops.h"
#include "smmu-xlate.h"

void qsmmu_xlate_defaults(QSmmuXlate *x, uint8_t config, uint32_t sid)
{
    memset(x, 0, sizeof(*x));
    x->sid = sid;
    x->config = config;
    x->s1_gran = QSMMU_GRAN_4K;
    x->s1_ias = 48;
    x->s2_gran = QSMMU_GRAN_4K;
    x->s2_ias = config == QSMMU_STE_CFG_S2 ? 44 : 40;
    x->leaf_level = 3;
    x->asid = 1;
    x->vmid = 1;
}

/* An input address with non-zero indexes at every level, leaf-aligned. */
static uint64_t pick_iova(uint8_t ias, uint64_t leaf_size)
{
    return 0x5a5a5a5a5a5a5a5aULL & MAKE_64BIT_MASK(0, ias) & ~(leaf_size - 1);
}

uint64_t qsmmu_xlate_ipa(const QSmmuXlate *x, uint64_t pa)
{
    return pa + x->ipa_off;
}

void qsmmu_xlate_write_ste(QSmmuEnv *e, QSmmuXlate *x)
{
    uint64_t w[8];

    qsmmu_ste_build(&x->ste, w);
    qsmmu_write_ste(&e->smmu, x->sid, w);
}

void qsmmu_xlate_write_cd(QSmmuEnv *e, QSmmuXlate *x)
{
    uint64_t w[8];

    qsmmu_cd_build(&x->cd, w);
    qsmmu_write_words(&e->smmu, x->cd_pa, w, 8);
}

static void map_data(QPgtable *pt, QSmmuXlate *x, uint64_t oa)
{
    if (x->leaf_level == 3) {
        qpt_map_range(pt, x->leaf_iova, oa, QSMMU_XLATE_DATA_SIZE, QPT_RW);
    } else {
        qpt_map(pt, x->leaf_iova, oa, x->leaf_level, QPT_RW);
    }
}

void qsmmu_xlate_setup(QSmmuEnv *e, QSmmuXlate *x)
{
    bool s1 = x->config & 1, s2 = x->config & 2;
    uint8_t data_gran = s1 ? x->s1_gran : x->s2_gran;
    uint64_t leaf_size = 1ULL << qpt_level_shift(data_gran, x->leaf_level);
    uint64_t oa;

    x->ipa_off = s1 && s2 ? QSMMU_XLATE_IPA_OFFSET : 0;
    x->data = qsmmu_env_alloc(e, QSMMU_XLATE_DATA_SIZE, 1 << 16);
    /* A block maps the naturally aligned block holding the data. */
    oa = (x->data + x->ipa_off) & ~(leaf_size - 1);
    x->leaf_iova = x->iova ? x->iova
                           : pick_iova(s1 ? x->s1_ias : x->s2_ias, leaf_size);
    x->data_iova = x->leaf_iova + (x->data + x->ipa_off - oa);

    x->ste = (QSMMUSte) { .valid = true, .config = x->config,
                          .s2_vmid = x->vmid };
    if (s1) {
        qpt_init(&x->pt1, e->qts, &e->alloc, false, x->s1_gran, x->s1_ias,
                 8, x->ipa_off);
        map_data(&x->pt1, x, oa);
        x->cd = (QSMMUCd) {
            .valid = true, .asid = x->asid, .t0sz = 64 - x->s1_ias,
            .granule = x->s1_gran, .ips = QSMMU_PS_44BIT, .r = true,
            .ttb0 = qpt_ttb(&x->pt1),
        };
        x->cd_pa = qsmmu_env_alloc(e, QSMMU_XLATE_CD_SIZE, 1 << 16);
        qsmmu_xlate_write_cd(e, x);
        x->ste.s1_ctx_ptr = qsmmu_xlate_ipa(x, x->cd_pa);
    }
    if (s2) {
        qpt_init(&x->pt2, e->qts, &e->alloc, true, x->s2_gran, x->s2_ias,
                 16, 0);
        if (s1) {
            qpt_map_range(&x->pt2, qsmmu_xlate_ipa(x, x->data), x->data,
                          QSMMU_XLATE_DATA_SIZE, QPT_RW);
            qpt_map_range(&x->pt2, qsmmu_xlate_ipa(x, x->cd_pa), x->cd_pa,
                          QSMMU_XLATE_CD_SIZE, QPT_R);
            qpt_map_range(&x->pt2, x->pt1.pool_ipa, x->pt1.pool,
                          x->pt1.pool_size, QPT_R);
        } else {
            map_data(&x->pt2, x, oa);
        }
        x->ste.s2_t0sz = 64 - x->s2_ias;
        x->ste.s2_sl0 = qpt_s2_sl0(x->s2_gran, x->pt2.start_level);
        x->ste.s2_granule = x->s2_gran;
        x->ste.s2_ps = QSMMU_PS_44BIT;
        x->ste.s2_r = true;
        x->ste.s2_ttb = qpt_ttb(&x->pt2);
    }
    qsmmu_xlate_write_ste(e, x);
}
