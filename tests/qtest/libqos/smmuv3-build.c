/*
 * Pure builders and decoders of the libqos SMMUv3 driver: STE, CD and
 * command words out of a struct, event records into one.  No qtest
 * dependency, so the unit tests (tests/unit/smmu) link this file too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "smmuv3.h"
#include "smmuv3-fields.h"

/* STE.S2TG and CD.TG0 encodings, IHI 0070 5.2 and 5.4. */
static uint64_t tg_encoding(uint8_t granule)
{
    switch (granule) {
    case QSMMU_GRAN_64K:
        return 1;
    case QSMMU_GRAN_16K:
        return 2;
    default:
        return 0;
    }
}

/* CD.TG1 has an encoding of its own, IHI 0070 5.4. */
static uint64_t tg1_encoding(uint8_t granule)
{
    switch (granule) {
    case QSMMU_GRAN_4K:
        return 2;
    case QSMMU_GRAN_16K:
        return 1;
    case QSMMU_GRAN_64K:
        return 3;
    default:
        return 0;
    }
}

/* IHI 0070 5.2: Stream Table Entry, eight 64-bit words. */
void qsmmu_ste_build(const QSMMUSte *ste, uint64_t out[8])
{
    uint64_t w;

    memset(out, 0, 8 * sizeof(out[0]));
    w = FIELD_DP64(0, QSTE0, V, ste->valid);
    w = FIELD_DP64(w, QSTE0, CONFIG, ste->config);
    w = FIELD_DP64(w, QSTE0, S1FMT, ste->s1_fmt);
    w = FIELD_DP64(w, QSTE0, S1CTXPTR, ste->s1_ctx_ptr >> 6);
    out[0] = FIELD_DP64(w, QSTE0, S1CDMAX, ste->s1_cdmax);

    w = FIELD_DP64(0, QSTE1, S1DSS, ste->s1_dss);
    w = FIELD_DP64(w, QSTE1, MEV, ste->mev);
    w = FIELD_DP64(w, QSTE1, S1STALLD, ste->s1_stalld);
    w = FIELD_DP64(w, QSTE1, STRW, ste->strw);
    w = FIELD_DP64(w, QSTE1, PRIVCFG, ste->privcfg);
    out[1] = FIELD_DP64(w, QSTE1, INSTCFG, ste->instcfg);

    /* VMID is still used for TLB tagging when stage 2 is off. */
    out[2] = FIELD_DP64(0, QSTE2, S2VMID, ste->s2_vmid);
    if (!(ste->config & 2)) {
        return;
    }
    out[1] = FIELD_DP64(out[1], QSTE1, S2FWB, ste->s2_fwb);
    w = FIELD_DP64(out[2], QSTE2, S2T0SZ, ste->s2_t0sz);
    w = FIELD_DP64(w, QSTE2, S2SL0, ste->s2_sl0);
    w = FIELD_DP64(w, QSTE2, S2TG, tg_encoding(ste->s2_granule));
    w = FIELD_DP64(w, QSTE2, S2PS, ste->s2_ps);
    w = FIELD_DP64(w, QSTE2, S2AA64, !ste->s2_aa32);
    w = FIELD_DP64(w, QSTE2, S2ENDI, ste->s2_endi);
    w = FIELD_DP64(w, QSTE2, S2AFFD, ste->s2_affd);
    w = FIELD_DP64(w, QSTE2, S2PTW, ste->s2_ptw);
    w = FIELD_DP64(w, QSTE2, S2HD, ste->s2_hd);
    w = FIELD_DP64(w, QSTE2, S2HA, ste->s2_ha);
    w = FIELD_DP64(w, QSTE2, S2S, ste->s2_s);
    out[2] = FIELD_DP64(w, QSTE2, S2R, ste->s2_r);
    out[3] = FIELD_DP64(0, QSTE3, S2TTB, ste->s2_ttb >> 4);
}

/* IHI 0070 5.4: Context Descriptor, eight 64-bit words. */
void qsmmu_cd_build(const QSMMUCd *cd, uint64_t out[8])
{
    uint64_t w;

    memset(out, 0, 8 * sizeof(out[0]));
    w = FIELD_DP64(0, QCD0, T0SZ, cd->t0sz);
    w = FIELD_DP64(w, QCD0, TG0, tg_encoding(cd->granule));
    w = FIELD_DP64(w, QCD0, SH0, 3);                    /* inner shareable */
    w = FIELD_DP64(w, QCD0, EPD0, cd->epd0);
    w = FIELD_DP64(w, QCD0, ENDI, cd->endi);
    w = FIELD_DP64(w, QCD0, T1SZ, cd->t1sz);
    w = FIELD_DP64(w, QCD0, TG1, tg1_encoding(cd->granule1));
    w = FIELD_DP64(w, QCD0, EPD1, !cd->ttb1_en);
    w = FIELD_DP64(w, QCD0, V, cd->valid);
    w = FIELD_DP64(w, QCD0, IPS, cd->ips);
    w = FIELD_DP64(w, QCD0, AFFD, cd->affd);
    w = FIELD_DP64(w, QCD0, TBI, cd->tbi);
    w = FIELD_DP64(w, QCD0, AA64, 1);
    w = FIELD_DP64(w, QCD0, HD, cd->hd);
    w = FIELD_DP64(w, QCD0, HA, cd->ha);
    w = FIELD_DP64(w, QCD0, R, cd->r);
    w = FIELD_DP64(w, QCD0, A, !cd->a_clear);
    out[0] = FIELD_DP64(w, QCD0, ASID, cd->asid);
    out[1] = FIELD_DP64(0, QCD1, TTB0, cd->ttb0 >> 4);
    out[2] = FIELD_DP64(0, QCD2, TTB1, cd->ttb1 >> 4);
    out[3] = FIELD_DP64(0, QCD3, MAIR0, 0xff);          /* Attr0: WB */
}

/* IHI 0070 chapter 4: command layouts, two 64-bit words. */
void qsmmu_cmd_build(const QSMMUCmd *c, uint64_t out[2])
{
    uint64_t range0, addr1;

    /* TLBI range fields (RIL, IHI 0070 4.4.1) */
    range0 = FIELD_DP64(0, QCMD0, NUM, c->num);
    range0 = FIELD_DP64(range0, QCMD0, SCALE, c->scale);
    range0 = FIELD_DP64(range0, QCMD0, VMID, c->vmid);
    addr1 = FIELD_DP64(0, QCMD1, LEAF, c->leaf);
    addr1 = FIELD_DP64(addr1, QCMD1, TTL, c->ttl);
    addr1 = FIELD_DP64(addr1, QCMD1, TG, c->tg);

    out[0] = FIELD_DP64(0, QCMD0, OPCODE, c->op);
    out[1] = 0;
    switch (c->op) {
    case QSMMU_CMD_PREFETCH_CONFIG:
    case QSMMU_CMD_CFGI_STE:
    case QSMMU_CMD_CFGI_CD:
    case QSMMU_CMD_CFGI_CD_ALL:
        out[0] = FIELD_DP64(out[0], QCMD0, SID, c->sid);
        if (c->op != QSMMU_CMD_CFGI_CD_ALL) {
            out[0] = FIELD_DP64(out[0], QCMD0, SSV, c->ssv);
            out[0] = FIELD_DP64(out[0], QCMD0, SSID, c->ssid);
            out[1] = FIELD_DP64(0, QCMD1, LEAF, c->leaf);
        }
        break;
    case QSMMU_CMD_CFGI_STE_RANGE:
        out[0] = FIELD_DP64(out[0], QCMD0, SID, c->sid);
        out[1] = FIELD_DP64(0, QCMD1, RANGE, c->range);
        break;
    case QSMMU_CMD_TLBI_NH_ALL:
    case QSMMU_CMD_TLBI_S12_VMALL:
        out[0] = FIELD_DP64(out[0], QCMD0, VMID, c->vmid);
        break;
    case QSMMU_CMD_TLBI_NH_ASID:
        out[0] = FIELD_DP64(out[0], QCMD0, VMID, c->vmid);
        out[0] = FIELD_DP64(out[0], QCMD0, ASID, c->asid);
        break;
    case QSMMU_CMD_TLBI_NH_VA:
        out[0] |= FIELD_DP64(range0, QCMD0, ASID, c->asid);
        out[1] = FIELD_DP64(addr1, QCMD1, ADDR, c->addr >> 12);
        break;
    case QSMMU_CMD_TLBI_NH_VAA:
        out[0] |= range0;
        out[1] = FIELD_DP64(addr1, QCMD1, ADDR, c->addr >> 12);
        break;
    case QSMMU_CMD_TLBI_S2_IPA:
        out[0] |= range0;
        out[1] = FIELD_DP64(addr1, QCMD1, IPA, c->addr >> 12);
        break;
    case QSMMU_CMD_SYNC:
        out[0] = FIELD_DP64(out[0], QCMD0, CS, c->cs);
        out[0] = FIELD_DP64(out[0], QCMD0, MSIDATA, c->msi_data);
        out[1] = FIELD_DP64(0, QCMD1, MSIADDR, c->msi_addr >> 2);
        break;
    default:
        break;
    }
}

/* IHI 0070 7.3: the record layout the translation faults share. */
void qsmmu_event_decode(const uint32_t rec[8], QSMMUEvent *ev)
{
    uint64_t w67 = (uint64_t)rec[7] << 32 | rec[6];

    ev->type = FIELD_EX32(rec[0], QEVT0, TYPE);
    ev->ssv = FIELD_EX32(rec[0], QEVT0, SSV);
    ev->ssid = FIELD_EX32(rec[0], QEVT0, SSID);
    ev->sid = rec[1];
    ev->pnu = FIELD_EX32(rec[3], QEVT3, PNU);
    ev->ind = FIELD_EX32(rec[3], QEVT3, IND);
    ev->rnw = FIELD_EX32(rec[3], QEVT3, RNW);
    ev->s2 = FIELD_EX32(rec[3], QEVT3, S2);
    ev->class = FIELD_EX32(rec[3], QEVT3, CLASS);
    ev->input_addr = (uint64_t)rec[5] << 32 | rec[4];
    ev->ipa = w67 & R_QEVT67_IPA_MASK;
    ev->fetch_addr = w67 & R_QEVT67_FETCH_MASK;
}
