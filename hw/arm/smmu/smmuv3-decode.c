/*
 * SMMUv3 configuration decoders: stream table geometry, L1STD, STE,
 * L1CD and CD, as pure functions of the implemented features and the
 * raw doublewords.
 *
 * Arm IHI 0070 3.3.1-3.3.2 (tables), 3.4.3 (addresses beyond the OAS),
 * 5.1-5.4 (the structures) and 7.3 (the C_BAD_* reasons).  An ILLEGAL
 * structure gives its C_BAD_* reason; the caller fetches the words,
 * logs the reason and terminates the transaction.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "smmuv3-decode.h"

static const SMMUv3Verdict ok = { SMMUV3_CFG_OK, NULL };

static SMMUv3Verdict bad(SMMUv3CfgErr err, const char *why)
{
    return (SMMUv3Verdict){ err, why };
}

/* IPS / S2PS / OAS (IHI 0070 5.2, 5.4, 6.3.6) */
static const uint8_t pa_bits_by_enc[] = { 32, 36, 40, 42, 44, 48, 52 };

uint8_t smmuv3_pa_bits(unsigned enc)
{
    return pa_bits_by_enc[MIN(enc, ARRAY_SIZE(pa_bits_by_enc) - 1)];
}

int smmuv3_pa_encoding(unsigned bits)
{
    for (int enc = 0; enc < ARRAY_SIZE(pa_bits_by_enc); enc++) {
        if (pa_bits_by_enc[enc] == bits) {
            return enc;
        }
    }
    return -1;
}

/* IHI 0070 5.2 S2TG, 5.4 TG0 / TG1 */
uint8_t smmuv3_tg_bits(SMMUv3TgKind kind, unsigned enc)
{
    static const uint8_t bits[][4] = {
        [SMMUV3_TG0] = { 12, 16, 14, 0 },
        [SMMUV3_TG1] = { 0, 14, 12, 16 },
    };

    return bits[kind][enc & 3];
}

/*
 * 5.2 S2TTB, 5.4 TTB0/TTB1: with a 52-bit effective output size the
 * start table is at least 64-byte aligned; bits [5:0] read as zero.
 */
static uint64_t ttb_52_aligned(uint64_t ttb, unsigned pa_bits)
{
    return pa_bits >= SMMU_MAX_PA_BITS ? ttb & ~0x3fULL : ttb;
}

/*
 * 5.2 S2TTB, 5.4 TTBx: ILLEGAL outside the effective output size, and
 * above 48 bits for a 4K/16K table without DS (only 64K and the DS
 * format hold a 52-bit table address).
 */
static bool ttb_out_of_range(uint64_t ttb, unsigned pa_bits, unsigned gbits,
                             bool ds)
{
    return ttb >> pa_bits || (gbits != 16 && !ds && ttb >> 48);
}

/* @addr with its low @bits bits cleared (all of it when @bits >= 64) */
static uint64_t align_down_bits(uint64_t addr, unsigned bits)
{
    return bits >= 64 ? 0 : addr & ~MAKE_64BIT_MASK(0, bits);
}

/* ---- Stream table (IHI 0070 3.3.1, 3.3.2, 5.1) ---- */

SMMUv3Verdict smmuv3_ste_locate(const SMMUv3Features *f,
                                uint64_t strtab_base, uint32_t strtab_cfg,
                                uint32_t sid, SMMUv3SteLoc *loc)
{
    unsigned literal = FIELD_EX32(strtab_cfg, STRTAB_CFG, LOG2SIZE);
    unsigned log2size = MIN(literal, f->sidsize);
    uint64_t base = strtab_base & SMMU_STRTAB_ADDR_MASK;
    unsigned split;

    if (sid >> log2size) {
        return bad(SMMUV3_CFG_BAD_STREAMID, "StreamID beyond LOG2SIZE");
    }
    /*
     * 6.3.24: the base is aligned to the table size computed from the
     * literal LOG2SIZE (not capped by SIDSIZE), at least 64 bytes for a
     * 2-level table.
     */
    if (FIELD_EX32(strtab_cfg, STRTAB_CFG, FMT) != STRTAB_FMT_2LEVEL) {
        base = align_down_bits(base, literal + 6);
        loc->addr = base + (uint64_t)sid * SMMUV3_STE_BYTES;
        loc->split = 0;
        return ok;
    }
    /* 6.3.25: SPLIT is 6, 8 or 10; "Other values ... behave as 6" */
    split = FIELD_EX32(strtab_cfg, STRTAB_CFG, SPLIT);
    if (split != 8 && split != 10) {
        split = 6;
    }
    base = align_down_bits(base, MAX(6, (int)literal - (int)split + 3));
    loc->addr = base + (uint64_t)(sid >> split) * SMMUV3_L1STD_BYTES;
    loc->split = split;
    return ok;
}

SMMUv3Verdict smmuv3_decode_l1std(uint64_t l1std, uint32_t sid,
                                  unsigned split, uint64_t *ste_addr)
{
    /* 5.1: SPAN 0 is invalid; the L2 table holds 2^(SPAN-1) STEs */
    unsigned span = FIELD_EX64(l1std, L1STD, SPAN);
    uint32_t l2_idx = sid & ((1u << split) - 1);

    if (span == 0 || span > split + 1 || l2_idx >> (span - 1)) {
        return bad(SMMUV3_CFG_BAD_STREAMID, "L1STD.Span does not cover it");
    }
    /* The L2 table is aligned to its size; lower address bits are 0. */
    *ste_addr = (l1std & R_L1STD_L2PTR_MASK &
                 ~(((uint64_t)SMMUV3_STE_BYTES << (span - 1)) - 1)) +
                (uint64_t)l2_idx * SMMUV3_STE_BYTES;
    return ok;
}

/* ---- Stage 2 (IHI 0070 5.2, STE doublewords 2-3) ---- */

static SMMUv3Verdict decode_s2(const SMMUv3Features *f, const uint64_t *ste,
                               SMMUS2Cfg *s2)
{
    uint64_t w2 = ste[2];

    /* TTF: AArch64 only; TTENDIAN: little-endian only */
    if (!FIELD_EX64(w2, STE2, S2AA64) && !(f->ttf & 1)) {
        return bad(SMMUV3_CFG_BAD_STE, "STE asks AArch32 stage 2");
    }
    if (FIELD_EX64(w2, STE2, S2ENDI) && f->ttendian == 2) {
        return bad(SMMUV3_CFG_BAD_STE, "STE asks big-endian tables");
    }
    /* 5.5: S2S 1 without the Stall model, or 0 when it is forced */
    if (FIELD_EX64(w2, STE2, S2S) ? f->stall_model == 1
                                  : f->stall_model == 2) {
        return bad(SMMUV3_CFG_BAD_STE, "STE.S2S against STALL_MODEL");
    }
    /* 5.2 S2HA/S2HD: ILLEGAL beyond what SMMU_IDR0.HTTU offers */
    if ((FIELD_EX64(w2, STE2, S2HA) && f->httu == 0) ||
        (FIELD_EX64(w2, STE2, S2HD) && f->httu < 2)) {
        return bad(SMMUV3_CFG_BAD_STE, "STE asks unsupported stage-2 HTTU");
    }
    s2->granule_bits = smmuv3_tg_bits(SMMUV3_TG0, FIELD_EX64(w2, STE2, S2TG));
    if (!s2->granule_bits) {
        return bad(SMMUV3_CFG_BAD_STE, "STE.S2TG reserved");
    }
    /*
     * 5.2 S2DS: RES0 without SMMU_IDR5.DS.  Ignoring it would read the
     * tables in the wrong format, so the STE is refused (ch. 5 lets an
     * implementation treat a non-zero RES0 field as invalid).  With 64K
     * it is RES0 too, and changes nothing.
     */
    if (FIELD_EX64(ste[3], STE3, S2DS) && !f->ds) {
        return bad(SMMUV3_CFG_BAD_STE, "STE.S2DS without SMMU_IDR5.DS");
    }
    s2->ds = FIELD_EX64(ste[3], STE3, S2DS) && s2->granule_bits != 16;
    s2->tsz = FIELD_EX64(w2, STE2, S2T0SZ);
    /* S2SL0_2 is VTCR_EL2.SL2: only 4K with S2DS reads it */
    s2->sl0 = FIELD_EX64(w2, STE2, S2SL0);
    if (s2->ds && s2->granule_bits == 12) {
        s2->sl0 |= FIELD_EX64(ste[3], STE3, S2SL0_2) << 2;
    }
    /*
     * 5.2 S2T0SZ: at least MAX(16, 64 - IAS) for 4K/16K without S2DS,
     * MAX(12, 64 - IAS) otherwise (IAS == OAS: no AArch32 tables).
     */
    if (s2->tsz < MAX(s2->granule_bits == 16 || s2->ds ? 12 : 16,
                      64 - f->oas_bits) ||
        s2->tsz > SMMU_MAX_TSZ ||
        smmu_s2_start_level(s2->granule_bits, s2->sl0, s2->tsz,
                            f->oas_bits, s2->ds) == SMMU_S2_SL_INVALID) {
        return bad(SMMUV3_CFG_BAD_STE, "STE S2T0SZ / S2SL0 inconsistent");
    }
    s2->vmid = FIELD_EX64(w2, STE2, S2VMID);
    s2->ps_bits = MIN(smmuv3_pa_bits(FIELD_EX64(w2, STE2, S2PS)),
                      f->oas_bits);
    s2->lpa = f->oas_bits >= SMMU_MAX_PA_BITS;
    s2->vttb = ttb_52_aligned(FIELD_EX64(ste[3], STE3, S2TTB) << 4,
                              s2->ps_bits);
    /* 5.2 S2TTB: ILLEGAL outside the effective S2PS (3.4.3: C_BAD_STE) */
    if (ttb_out_of_range(s2->vttb, s2->ps_bits, s2->granule_bits, s2->ds)) {
        return bad(SMMUV3_CFG_BAD_STE, "STE.S2TTB beyond S2PS");
    }
    s2->affd = FIELD_EX64(w2, STE2, S2AFFD);
    s2->record_faults = FIELD_EX64(w2, STE2, S2R);
    s2->ptw = FIELD_EX64(w2, STE2, S2PTW);
    /* 5.2: {S2HA, S2HD} 0b01 is reserved and behaves as 0b00 */
    s2->ha = FIELD_EX64(w2, STE2, S2HA);
    s2->hd = s2->ha && FIELD_EX64(w2, STE2, S2HD);
    /* IHI 0070 5.2: S2FWB is RES0 unless SMMU_IDR3.FWB says otherwise */
    s2->fwb = f->fwb && FIELD_EX64(ste[1], STE1, S2FWB);
    return ok;
}

/* ---- STE stage 1 fields (IHI 0070 5.2) ---- */

/*
 * Stage-1 part of an STE for a transaction with @ssid: which CD it
 * uses, or that it bypasses stage 1 (S1DSS 0b01, need_cd stays false).
 */
static SMMUv3Verdict decode_s1(const SMMUv3Features *f, const uint64_t *ste,
                               uint32_t ssid, SMMUv3Ste *out)
{
    unsigned cdmax = FIELD_EX64(ste[0], STE0, S1CDMAX);

    out->cd_table = FIELD_EX64(ste[0], STE0, S1CTXPTR) << 6;
    out->s1fmt = FIELD_EX64(ste[0], STE0, S1FMT);
    out->s1cdmax = cdmax;
    /*
     * S1Fmt and S1DSS 0b11 are reserved, not
     * ILLEGAL: S1Fmt 0b11 acts as linear (smmuv3_cd_locate), S1DSS 0b11
     * as terminate.  A stage-1-only S1ContextPtr above the OAS is
     * ILLEGAL (3.4.3).
     */
    /* 5.5: S1STALLD is ILLEGAL unless STALL_MODEL is 0b00 */
    out->s1stalld = FIELD_EX64(ste[1], STE1, S1STALLD);
    if ((out->s1stalld && f->stall_model != 0) ||
        cdmax > f->ssidsize ||
        (!out->cfg.tc.s2_enabled && out->cd_table >> f->oas_bits)) {
        return bad(SMMUV3_CFG_BAD_STE, "STE stage-1 fields ILLEGAL");
    }
    if (ssid == SMMUV3_NO_SSID) {
        switch (cdmax ? FIELD_EX64(ste[1], STE1, S1DSS) : S1DSS_SSID0) {
        case S1DSS_TERMINATE:
        case S1DSS_RESERVED:
            return bad(SMMUV3_CFG_STREAM_DISABLED, "S1DSS terminates");
        case S1DSS_BYPASS:
            return ok;
        default:
            out->cd_idx = 0;   /* S1DSS_SSID0, or no SubstreamIDs: CD 0 */
            break;
        }
    } else if (cdmax == 0 || ssid >> cdmax) {
        /*
         * SubstreamID 0 never gets here (MemTxAttrs.pid 0 means none,
         * smmuv3-translate.c), so S1DSS 0b10's F_STREAM_DISABLED for it
         * has no case.
         */
        return bad(SMMUV3_CFG_BAD_SUBSTREAMID, "SubstreamID beyond S1CDMax");
    } else {
        out->cd_idx = ssid;
    }
    out->need_cd = true;
    return ok;
}

/* ---- STE attribute overrides (IHI 0070 5.2, 13.1.4) ---- */

/*
 * MTCFG/MemAttr, ALLOCCFG and SHCFG: RES0 without
 * SMMU_IDR1.ATTR_TYPES_OVR, which leaves the incoming attributes.  They
 * apply to bypass and translated streams alike (13.1.4); this model
 * applies them to PCIe streams too (IMPLEMENTATION DEFINED there).
 */
static void decode_attr_ovr(const SMMUv3Features *f, const uint64_t *ste,
                            SMMUv3AttrOvr *ovr)
{
    ovr->shcfg = STE_SHCFG_INCOMING;
    if (!f->attr_types_ovr) {
        return;
    }
    ovr->mtcfg = FIELD_EX64(ste[1], STE1, MTCFG);
    ovr->memattr = FIELD_EX64(ste[1], STE1, MEMATTR);
    ovr->alloccfg = FIELD_EX64(ste[1], STE1, ALLOCCFG);
    ovr->shcfg = FIELD_EX64(ste[1], STE1, SHCFG);
}

/* ---- STE.EATS (IHI 0070 5.2) ---- */

/*
 * The effective EATS of an STE whose Config enables a stage.  IGNORED
 * (0) without SMMU_IDR0.ATS; 0b10 (Split-stage) is ILLEGAL as
 * IDR0.NS1ATS is 1; 0b11 needs IDR3.DPT (0) and behaves as 0b00; 0b01
 * with stage 2 and S2S is ILLEGAL (smmuv3_decode_ste()).
 */
static SMMUv3Verdict decode_eats(const SMMUv3Features *f,
                                 const uint64_t *ste, uint8_t *eats)
{
    unsigned v = FIELD_EX64(ste[1], STE1, EATS);

    *eats = 0;
    if (!f->ats) {
        return ok;
    }
    if (v == STE_EATS_SPLIT) {
        return bad(SMMUV3_CFG_BAD_STE, "STE.EATS Split-stage (NS1ATS 1)");
    }
    *eats = v == STE_EATS_FULL;
    return ok;
}

/* ---- STE (IHI 0070 5.2) ---- */

SMMUv3Verdict smmuv3_decode_ste(const SMMUv3Features *f,
                                const uint64_t ste[8], uint32_t ssid,
                                SMMUv3Ste *out)
{
    SMMUTransCfg *tc = &out->cfg.tc;
    unsigned config = FIELD_EX64(ste[0], STE0, CONFIG);
    bool want_s1 = config == STE_CFG_S1 || config == STE_CFG_NESTED;
    bool want_s2 = config == STE_CFG_S2 || config == STE_CFG_NESTED;
    SMMUv3Verdict v;

    memset(out, 0, sizeof(*out));
    /* MEV applies to the events of this STE's own errors too */
    out->cfg.mev = FIELD_EX64(ste[1], STE1, MEV);
    decode_attr_ovr(f, ste, &out->cfg.ovr);
    if (!FIELD_EX64(ste[0], STE0, V)) {
        return bad(SMMUV3_CFG_BAD_STE, "STE not valid");
    }
    if (config == STE_CFG_ABORT) {
        out->cfg.kind = SMMUV3_CFG_ABORT;
        return ok;
    }
    if (config == STE_CFG_BYPASS) {
        /* 5.2 S1Fmt: Config 0b1x0 with a SubstreamID: C_BAD_SUBSTREAMID */
        if (ssid != SMMUV3_NO_SSID) {
            return bad(SMMUV3_CFG_BAD_SUBSTREAMID, "SubstreamID on bypass");
        }
        out->cfg.kind = SMMUV3_CFG_BYPASS;
        return ok;
    }
    if (!want_s1 && !want_s2) {
        return bad(SMMUV3_CFG_BAD_STE, "STE.Config reserved");  /* 0b0x1 */
    }
    /* 5.2: a stage the SMMU does not implement makes the STE ILLEGAL */
    if ((want_s1 && !f->s1) || (want_s2 && !f->s2)) {
        return bad(SMMUV3_CFG_BAD_STE, "STE.Config needs an absent stage");
    }
    v = decode_eats(f, ste, &out->cfg.eats);
    if (v.err) {
        return v;
    }
    /* 5.2 EATS: Full ATS with stage 2 and S2S 1 is ILLEGAL (SMMUv3.1) */
    if (out->cfg.eats && want_s2 && FIELD_EX64(ste[2], STE2, S2S)) {
        return bad(SMMUV3_CFG_BAD_STE, "STE.EATS 0b01 with S2S");
    }

    /*
     * 5.2 STRW, IgnoreSTESTRW(): RES0 without SMMU_IDR0.HYP, IGNORED
     * (NS-EL1) with stage 2 enabled; used for stage 1 only, where 0bx1
     * is Reserved and ILLEGAL.
     */
    if (f->hyp && config == STE_CFG_S1) {
        unsigned strw = FIELD_EX64(ste[1], STE1, STRW);

        if (strw & 1) {
            return bad(SMMUV3_CFG_BAD_STE, "STE.STRW reserved");
        }
        out->el2 = strw == STE_STRW_EL2;
    }

    tc->oas_bits = f->oas_bits;
    /* PRIVCFG 0b11 / INSTCFG 0b11 override PCIe's unprivileged data */
    tc->priv = FIELD_EX64(ste[1], STE1, PRIVCFG) == STE_PRIVCFG_PRIV;
    tc->instr = FIELD_EX64(ste[1], STE1, INSTCFG) == STE_INSTCFG_INSTR;
    if (want_s2) {
        v = decode_s2(f, ste, &tc->s2);
        if (v.err) {
            return v;
        }
        tc->s2_enabled = true;
        out->cfg.s2_stall = FIELD_EX64(ste[2], STE2, S2S);
    } else if (f->s2 && !out->el2) {
        /*
         * 5.2: S2VMID tags stage-1-only translations too, except at EL2
         * (IgnoreSTES2VMID(): EL2 regimes have no VMID)
         */
        tc->s2.vmid = FIELD_EX64(ste[2], STE2, S2VMID);
    }

    if (want_s1) {
        v = decode_s1(f, ste, ssid, out);
        if (v.err) {
            return v;
        }
        tc->s1_enabled = out->need_cd;
    } else if (ssid != SMMUV3_NO_SSID) {
        /* 3.3.2: SubstreamIDs need stage 1 */
        return bad(SMMUV3_CFG_BAD_SUBSTREAMID, "SubstreamID without stage 1");
    }
    out->cfg.kind = tc->s1_enabled || tc->s2_enabled ? SMMUV3_CFG_TRANSLATE :
                                                       SMMUV3_CFG_BYPASS;
    return ok;
}

/* ---- CD tables (IHI 0070 3.3.2, 5.3) ---- */

/* 3.4.3: without stage 2, CD and L1CD addresses are PAs within the OAS */
static bool beyond_oas(const SMMUv3Features *f, const SMMUv3Ste *ste,
                       uint64_t addr)
{
    return !ste->cfg.tc.s2_enabled && addr >> f->oas_bits;
}

SMMUv3Verdict smmuv3_cd_locate(const SMMUv3Features *f,
                               const SMMUv3Ste *ste, SMMUv3CdLoc *loc)
{
    unsigned fmt = ste->s1fmt;

    /* 5.2 S1Fmt: 0b11 is reserved and behaves as 0b00 (linear) */
    if (ste->s1cdmax == 0 || (fmt != S1FMT_2L_4K && fmt != S1FMT_2L_64K)) {
        loc->split = 0;
        loc->addr = ste->cd_table + (uint64_t)ste->cd_idx * SMMUV3_CD_BYTES;
    } else {
        /* L2 tables of 4KB (64 CDs) or 64KB (1024 CDs) */
        loc->split = fmt == S1FMT_2L_4K ? 6 : 10;
        loc->addr = ste->cd_table +
                    (uint64_t)(ste->cd_idx >> loc->split) * SMMUV3_L1CD_BYTES;
    }
    if (beyond_oas(f, ste, loc->addr)) {
        /* 3.4.3 (1): S1ContextPtr above the OAS, SMMUv3.1 and later */
        return bad(SMMUV3_CFG_BAD_STE, "CD table beyond the OAS");
    }
    return ok;
}

SMMUv3Verdict smmuv3_decode_l1cd(const SMMUv3Features *f,
                                 const SMMUv3Ste *ste, uint64_t l1cd,
                                 unsigned split, uint64_t *cd_addr)
{
    *cd_addr = (l1cd & R_L1CD_L2PTR_MASK &
                ~(((uint64_t)SMMUV3_CD_BYTES << split) - 1)) +
               (uint64_t)(ste->cd_idx & ((1u << split) - 1)) *
               SMMUV3_CD_BYTES;
    /* 3.4.3 (3): an L2Ptr above the OAS gives C_BAD_SUBSTREAMID */
    if (!FIELD_EX64(l1cd, L1CD, V) || beyond_oas(f, ste, *cd_addr)) {
        return bad(SMMUV3_CFG_BAD_SUBSTREAMID, "L1CD not valid");
    }
    return ok;
}

/* ---- CD (IHI 0070 5.4) ---- */

static bool decode_tt(const SMMUv3Features *f, SMMUS1Table *tt, bool epd,
                      unsigned tsz, uint8_t granule_bits, uint64_t ttb_word,
                      unsigned ips_bits, bool ds)
{
    /* CDTxSZInvalid(): 52-bit VAs with VAX, for 64K or 4K/16K with DS */
    unsigned min_tsz = f->vax && (granule_bits == 16 || ds) ? 12 : 16;

    tt->disabled = epd;
    tt->tsz = tsz;
    tt->granule_bits = granule_bits;
    tt->ttb = ttb_52_aligned(FIELD_EX64(ttb_word, CDTTB, TTB) << 4,
                             ips_bits);
    tt->had = f->had && FIELD_EX64(ttb_word, CDTTB, HAD);
    if (epd) {
        return true;
    }
    /*
     * 5.4: TxSZ outside the supported input range is ILLEGAL, and so is
     * a TTBx outside the effective IPS (3.4: C_BAD_CD, no F_ADDR_SIZE)
     * or, for 4K/16K without DS, above 48 bits.
     */
    return granule_bits && tsz >= min_tsz && tsz <= SMMU_MAX_TSZ &&
           !ttb_out_of_range(tt->ttb, ips_bits, granule_bits, ds);
}

SMMUv3Verdict smmuv3_decode_cd(const SMMUv3Features *f,
                               const uint64_t cd[8], SMMUS1Cfg *s1)
{
    return smmuv3_decode_cd_regime(f, cd, SMMU_REGIME_EL1, s1);
}

SMMUv3Verdict smmuv3_decode_cd_regime(const SMMUv3Features *f,
                                      const uint64_t cd[8], unsigned regime,
                                      SMMUS1Cfg *s1)
{
    uint64_t w0 = cd[0];
    /* 5.4.1: at NS-EL2 (not -E2H) TTB1 is unreachable */
    bool el2 = regime == SMMU_REGIME_EL2;
    bool tt1_ok;

    memset(s1, 0, sizeof(*s1));
    if (!FIELD_EX64(w0, CD0, V)) {
        return bad(SMMUV3_CFG_BAD_CD, "CD not valid");
    }
    if ((!FIELD_EX64(w0, CD0, AA64) && !(f->ttf & 1)) ||
        (FIELD_EX64(w0, CD0, ENDI) && f->ttendian == 2)) {
        return bad(SMMUV3_CFG_BAD_CD, "CD asks AArch32 or big-endian");
    }
    /*
     * 5.5: S 1 without the Stall model, or 0 when it is forced (with
     * STALL_MODEL 0b00 and STE.S1STALLD, the caller's check).
     */
    if (FIELD_EX64(w0, CD0, S) ? f->stall_model == 1 : f->stall_model == 2) {
        return bad(SMMUV3_CFG_BAD_CD, "CD.S against STALL_MODEL");
    }
    /*
     * 5.4, CdIllegal(): A == 0 (RAZ/WI termination) with TERM_MODEL == 1,
     * and HA/HD beyond what SMMU_IDR0.HTTU offers, are ILLEGAL.
     */
    if ((!FIELD_EX64(w0, CD0, A) && f->term_model) ||
        (FIELD_EX64(w0, CD0, HA) && f->httu == 0) ||
        (FIELD_EX64(w0, CD0, HD) && f->httu < 2)) {
        return bad(SMMUV3_CFG_BAD_CD, "CD asks RAZ/WI termination or HTTU");
    }
    /*
     * 5.4 CD.DS: RES0 without SMMU_IDR5.DS; refused rather than ignored,
     * as the STE's S2DS (decode_s2()).  It applies to the 4K/16K halves.
     */
    s1->ds = FIELD_EX64(cd[2], CD2, DS);
    if (s1->ds && !f->ds) {
        return bad(SMMUV3_CFG_BAD_CD, "CD.DS without SMMU_IDR5.DS");
    }
    s1->ips_bits = MIN(smmuv3_pa_bits(FIELD_EX64(w0, CD0, IPS)),
                       f->oas_bits);
    /*
     * 5.4 EPD0: EPD0 and EPD1 are IGNORED (effective 0) at NS-EL2; the
     * TTB1 fields are RES0 there, so not checked, and TTB1 never walked.
     */
    if (el2) {
        s1->tt[1].disabled = true;
        tt1_ok = true;
    } else {
        tt1_ok = decode_tt(f, &s1->tt[1], FIELD_EX64(w0, CD0, EPD1),
                           FIELD_EX64(w0, CD0, T1SZ),
                           smmuv3_tg_bits(SMMUV3_TG1,
                                          FIELD_EX64(w0, CD0, TG1)),
                           cd[2], s1->ips_bits, s1->ds);
    }
    if (!decode_tt(f, &s1->tt[0], !el2 && FIELD_EX64(w0, CD0, EPD0),
                   FIELD_EX64(w0, CD0, T0SZ),
                   smmuv3_tg_bits(SMMUV3_TG0, FIELD_EX64(w0, CD0, TG0)),
                   cd[1], s1->ips_bits, s1->ds) || !tt1_ok) {
        return bad(SMMUV3_CFG_BAD_CD, "CD TxSZ, TGx or TTBx out of range");
    }
    s1->regime = regime;
    /* 5.4 ASID, TBI1: IGNORED / RES0 at NS-EL2, which has no ASIDs */
    s1->asid = el2 ? 0 : FIELD_EX64(w0, CD0, ASID);
    s1->tbi = FIELD_EX64(w0, CD0, TBI) & (el2 ? 1 : 3);
    s1->affd = FIELD_EX64(w0, CD0, AFFD);
    /* 5.4: {HD, HA} 0b10 is reserved and behaves as 0b00 */
    s1->ha = FIELD_EX64(w0, CD0, HA);
    s1->hd = s1->ha && FIELD_EX64(w0, CD0, HD);
    s1->record_faults = FIELD_EX64(w0, CD0, R);
    return ok;
}
