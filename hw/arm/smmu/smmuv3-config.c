/*
 * SMMUv3 configuration: stream table walk, STE and CD decoding, and the
 * per-(StreamID, SubstreamID) cache of decoded configurations.
 *
 * Arm IHI 0070 chapter 3.3 (stream table), 5.1-5.4 (STE, CD) and 7.3
 * (the configuration errors C_BAD_* and fetch faults F_*_FETCH).
 * An ILLEGAL structure is reported with its C_BAD_* event and the
 * transaction is terminated.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "system/dma.h"
#include "system/address-spaces.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define STE_BYTES   64
#define CD_BYTES    64
#define L1STD_BYTES 8
#define L1CD_BYTES  8

/* ---- Decoded-configuration cache ---- */

static uint64_t cfg_key(uint32_t sid, uint32_t ssid)
{
    return ((uint64_t)sid << 32) | (ssid == SMMUV3_NO_SSID ? 0 : ssid + 1);
}

void smmuv3_cfg_cache_init(SMMUv3State *s)
{
    s->cfg_cache = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                         g_free, g_free);
}

void smmuv3_cfg_cache_inv_all(SMMUv3State *s)
{
    trace_smmuv3_cfg_inv(0, UINT32_MAX);
    s->cfg_last = NULL;
    g_hash_table_remove_all(s->cfg_cache);
}

typedef struct SidRange {
    uint32_t first, last;
} SidRange;

static gboolean key_in_sid_range(gpointer key, gpointer value, gpointer opq)
{
    const SidRange *r = opq;
    uint32_t sid = *(uint64_t *)key >> 32;

    return sid >= r->first && sid <= r->last;
}

void smmuv3_cfg_cache_inv_sid_range(SMMUv3State *s, uint32_t first,
                                    uint32_t last)
{
    SidRange r = { first, last };

    trace_smmuv3_cfg_inv(first, last);
    s->cfg_last = NULL;
    g_hash_table_foreach_remove(s->cfg_cache, key_in_sid_range, &r);
}

void smmuv3_cfg_cache_inv_ssid(SMMUv3State *s, uint32_t sid, uint32_t ssid)
{
    uint64_t key = cfg_key(sid, ssid);

    s->cfg_last = NULL;
    g_hash_table_remove(s->cfg_cache, &key);
    /* CD 0 also serves transactions without SubstreamID (S1DSS). */
    if (ssid == 0) {
        key = cfg_key(sid, SMMUV3_NO_SSID);
        g_hash_table_remove(s->cfg_cache, &key);
    }
}

/* ---- Helpers ---- */

static void ev_init(SMMUv3Event *ev, uint8_t type, uint32_t sid,
                    uint32_t ssid)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    ev->sid = sid;
    ev->ssv = ssid != SMMUV3_NO_SSID;
    ev->ssid = ev->ssv ? ssid : 0;
}

/* A configuration fetch from @addr was aborted: the F_*_FETCH event */
static void fetch_aborted(SMMUv3Event *ev, uint8_t type, const char *what,
                          hwaddr addr, uint32_t sid, uint32_t ssid)
{
    qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: %s fetch at 0x%" HWADDR_PRIx
                  " aborted\n", what, addr);
    ev_init(ev, type, sid, ssid);
    ev->fetch_addr = addr;
}

static bool read_le64s(hwaddr addr, uint64_t *buf, unsigned count)
{
    /* L1STD, STE, L1CD and CD: RAM only (smmu_ram_rw) */
    MemTxResult res = smmu_ram_rw(addr, buf, count * sizeof(uint64_t),
                                  false);
    unsigned i;

    if (res != MEMTX_OK) {
        return false;
    }
    for (i = 0; i < count; i++) {
        buf[i] = le64_to_cpu(buf[i]);
    }
    return true;
}

/* @addr with its low @bits bits cleared (all of it when @bits >= 64) */
static hwaddr align_down_bits(hwaddr addr, unsigned bits)
{
    return bits >= 64 ? 0 : addr & ~MAKE_64BIT_MASK(0, bits);
}

/* IPS / S2PS / OAS encodings to a bit count (IHI 0070 5.2, 5.4) */
static uint8_t pa_bits(unsigned enc)
{
    static const uint8_t bits[] = { 32, 36, 40, 42, 44, 48, 52 };

    return bits[MIN(enc, ARRAY_SIZE(bits) - 1)];
}

/* ---- Stream table (IHI 0070 3.3.1, 3.3.2) ---- */

/*
 * Find the address of the STE for @sid.  Returns false with @ev set
 * (type 0 when the invalid StreamID must not be recorded).
 */
static bool smmuv3_find_ste(SMMUv3State *s, uint32_t sid, hwaddr *ste_addr,
                            SMMUv3Event *ev)
{
    uint32_t cfg = s->strtab_base_cfg;
    unsigned literal = FIELD_EX32(cfg, STRTAB_CFG, LOG2SIZE);
    unsigned log2size = MIN(literal, SMMUV3_SIDSIZE);
    hwaddr base = s->strtab_base & SMMU_STRTAB_ADDR_MASK;
    unsigned split, span;
    uint64_t l1std;
    hwaddr l1_addr, l2_base;
    uint32_t l2_idx;

    if (sid >> log2size) {
        goto bad_sid;
    }
    /*
     * 6.3.24: the base is aligned to the table size computed from the
     * literal LOG2SIZE (not capped by SIDSIZE), at least 64 bytes for a
     * 2-level table.
     */
    if (FIELD_EX32(cfg, STRTAB_CFG, FMT) != STRTAB_FMT_2LEVEL) {
        base = align_down_bits(base, literal + 6);
        *ste_addr = base + (hwaddr)sid * STE_BYTES;
        return true;
    }

    /* 6.3.25: SPLIT is 6, 8 or 10; "Other values ... behave as 6" */
    split = FIELD_EX32(cfg, STRTAB_CFG, SPLIT);
    if (split != 8 && split != 10) {
        split = 6;
    }
    base = align_down_bits(base, MAX(6, (int)literal - (int)split + 3));
    l1_addr = base + (hwaddr)(sid >> split) * L1STD_BYTES;
    if (!read_le64s(l1_addr, &l1std, 1)) {
        fetch_aborted(ev, EVT_F_STE_FETCH, "L1STD", l1_addr, sid,
                      SMMUV3_NO_SSID);
        return false;
    }
    /* 5.1: SPAN 0 is invalid; the L2 table holds 2^(SPAN-1) STEs */
    span = FIELD_EX64(l1std, L1STD, SPAN);
    l2_idx = sid & ((1u << split) - 1);
    if (span == 0 || span > split + 1 || l2_idx >> (span - 1)) {
        goto bad_sid;
    }
    /* The L2 table is aligned to its size; lower address bits are 0. */
    l2_base = (l1std & (R_L1STD_L2PTR_MASK)) &
              ~(((hwaddr)STE_BYTES << (span - 1)) - 1);
    *ste_addr = l2_base + (hwaddr)l2_idx * STE_BYTES;
    return true;

bad_sid:
    qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: StreamID 0x%x out of range\n",
                  sid);
    ev_init(ev, EVT_C_BAD_STREAMID, sid, SMMUV3_NO_SSID);
    if (!FIELD_EX32(s->cr[2], CR2, RECINVSID)) {
        ev->type = 0;
    }
    return false;
}

/* ---- Stage 2 (IHI 0070 5.2, STE doublewords 2-3) ---- */

static bool granule_bits_s2(unsigned tg, uint8_t *bits)
{
    switch (tg) {
    case 0:
        *bits = 12;
        return true;
    case 1:
        *bits = 16;
        return true;
    case 2:
        *bits = 14;
        return true;
    default:
        return false;
    }
}

/*
 * VMSAv8-64: S2SL0 picks the starting level; the first lookup must
 * resolve at least one bit and at most 16 concatenated tables' worth.
 */
static bool s2_start_consistent(uint8_t gbits, unsigned sl0, unsigned tsz,
                                unsigned pa_bits)
{
    unsigned stride = gbits - 3;
    unsigned ia_bits = 64 - tsz;
    int level, below;

    /* 4K: 0 -> L2, 1 -> L1, 2 -> L0; 16K/64K: 0 -> L3, 1 -> L2, 2 -> L1 */
    if (sl0 == 3) {
        return false;
    }
    /*
     * Arm ARM AArch64.S2InvalidSL(), PAMax being the OAS (IHI 0070 5.2
     * S2SL0): SL0 0b10 needs PAMax >= 44 (4K, 64K) or >= 42 (16K).
     */
    if (sl0 == 2 && pa_bits < (gbits == 14 ? 42 : 44)) {
        return false;
    }
    level = (gbits == 12 ? 2 : 3) - sl0;
    below = gbits + stride * (3 - level);
    return ia_bits > below && ia_bits <= below + stride + 4;
}

static bool smmuv3_decode_s2(SMMUv3State *s, const uint64_t *ste,
                             SMMUS2Cfg *s2)
{
    uint64_t w2 = ste[2];
    unsigned min_tsz = 64 - s->oas_bits;

    if (!FIELD_EX64(w2, STE2, S2AA64)) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: STE asks AArch32 stage 2\n");
        return false;
    }
    if (FIELD_EX64(w2, STE2, S2ENDI) || FIELD_EX64(w2, STE2, S2S)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: STE asks big-endian tables or stall\n");
        return false;
    }
    /* 5.2 S2HA/S2HD: ILLEGAL beyond what SMMU_IDR0.HTTU offers */
    if ((FIELD_EX64(w2, STE2, S2HA) &&
         FIELD_EX32(s->idr[0], IDR0, HTTU) == 0) ||
        (FIELD_EX64(w2, STE2, S2HD) &&
         FIELD_EX32(s->idr[0], IDR0, HTTU) < 2)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: STE asks unsupported stage-2 HTTU\n");
        return false;
    }
    if (!granule_bits_s2(FIELD_EX64(w2, STE2, S2TG), &s2->granule_bits)) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: STE.S2TG reserved\n");
        return false;
    }
    s2->tsz = FIELD_EX64(w2, STE2, S2T0SZ);
    s2->sl0 = FIELD_EX64(w2, STE2, S2SL0);
    if (s2->tsz < min_tsz || s2->tsz > SMMU_MAX_TSZ ||
        !s2_start_consistent(s2->granule_bits, s2->sl0, s2->tsz,
                             s->oas_bits)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: STE S2T0SZ %u / S2SL0 %u inconsistent\n",
                      s2->tsz, s2->sl0);
        return false;
    }
    s2->vttb = FIELD_EX64(ste[3], STE3, S2TTB) << 4;
    s2->vmid = FIELD_EX64(w2, STE2, S2VMID);
    s2->ps_bits = MIN(pa_bits(FIELD_EX64(w2, STE2, S2PS)), s->oas_bits);
    /* 5.2 S2TTB: ILLEGAL outside the effective S2PS (3.4.3: C_BAD_STE) */
    if (s2->vttb >> s2->ps_bits) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: STE.S2TTB 0x%" PRIx64 " beyond S2PS\n",
                      s2->vttb);
        return false;
    }
    s2->affd = FIELD_EX64(w2, STE2, S2AFFD);
    s2->record_faults = FIELD_EX64(w2, STE2, S2R);
    s2->ptw = FIELD_EX64(w2, STE2, S2PTW);
    /* IHI 0070 5.2: S2FWB is RES0 unless SMMU_IDR3.FWB says otherwise */
    s2->fwb = FIELD_EX32(s->idr[3], IDR3, FWB) &&
              FIELD_EX64(ste[1], STE1, S2FWB);
    return true;
}

/* ---- Context descriptors (IHI 0070 5.3, 5.4) ---- */

/*
 * Read @count doublewords of a CD structure at @addr, an IPA when stage 2
 * is enabled (5.4: CD fetches go through stage 2, CLASS=CD).
 */
static bool smmuv3_cd_read(SMMUv3State *s, const SMMUTransCfg *tc,
                           uint64_t addr, uint64_t *buf, unsigned count,
                           uint32_t sid, uint32_t ssid, uint64_t iova,
                           SMMUv3Event *ev)
{
    uint64_t pa = addr;

    if (tc->s2_enabled) {
        SMMUFault f = { 0 };

        if (!smmu_translate_ipa(&s->smmu_state, &tc->s2, addr, IOMMU_RO,
                                SMMU_CLASS_CD, &pa, &f)) {
            /*
             * IHI 0070 7.3: the record describes the incoming transaction
             * (InD/PnU after the STE overrides), not the CD fetch; its
             * RnW is set by the caller, which knows the direction.
             */
            f.input_addr = iova;
            f.pnu = tc->priv;
            f.ind = tc->instr;
            /* Leaves ev->type 0 when STE.S2R says not to record. */
            smmuv3_fault_to_event(&f, sid, ssid, ev);
            return false;
        }
    }
    if (!read_le64s(pa, buf, count)) {
        fetch_aborted(ev, EVT_F_CD_FETCH, "CD", pa, sid, ssid);
        return false;
    }
    return true;
}

static bool granule_bits_tg0(unsigned tg, uint8_t *bits)
{
    static const uint8_t map[] = { 12, 16, 14, 0 };

    *bits = map[tg & 3];
    return *bits != 0;
}

static bool granule_bits_tg1(unsigned tg, uint8_t *bits)
{
    static const uint8_t map[] = { 0, 14, 12, 16 };

    *bits = map[tg & 3];
    return *bits != 0;
}

static bool smmuv3_decode_tt(SMMUv3State *s, SMMUS1Table *tt, bool epd,
                             unsigned tsz, bool tg_ok, uint64_t ttb_word,
                             unsigned ips_bits)
{
    tt->disabled = epd;
    tt->tsz = tsz;
    tt->ttb = FIELD_EX64(ttb_word, CDTTB, TTB) << 4;
    tt->had = FIELD_EX32(s->idr[3], IDR3, HAD) &&
              FIELD_EX64(ttb_word, CDTTB, HAD);
    if (epd) {
        return true;
    }
    /*
     * 5.4: TxSZ outside the supported input range is ILLEGAL, and so is
     * a TTBx outside the effective IPS (3.4: C_BAD_CD, no F_ADDR_SIZE).
     */
    return tg_ok && tsz >= SMMU_MIN_TSZ && tsz <= SMMU_MAX_TSZ &&
           !(tt->ttb >> ips_bits);
}

static bool smmuv3_decode_cd(SMMUv3State *s, const uint64_t *cd,
                             SMMUS1Cfg *s1)
{
    uint64_t w0 = cd[0];
    bool ok0, ok1;

    if (!FIELD_EX64(w0, CD0, V)) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: CD not valid\n");
        return false;
    }
    /* TTF = AArch64 only, TTENDIAN = little-endian only, no stalls */
    if (!FIELD_EX64(w0, CD0, AA64) || FIELD_EX64(w0, CD0, ENDI) ||
        FIELD_EX64(w0, CD0, S)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: CD asks AArch32, big-endian or stall\n");
        return false;
    }
    /*
     * 5.4, CdIllegal(): A == 0 (RAZ/WI termination) with TERM_MODEL == 1,
     * and HA/HD beyond what SMMU_IDR0.HTTU offers, are ILLEGAL.
     */
    if ((!FIELD_EX64(w0, CD0, A) &&
         FIELD_EX32(s->idr[0], IDR0, TERM_MODEL)) ||
        (FIELD_EX64(w0, CD0, HA) &&
         FIELD_EX32(s->idr[0], IDR0, HTTU) == 0) ||
        (FIELD_EX64(w0, CD0, HD) &&
         FIELD_EX32(s->idr[0], IDR0, HTTU) < 2)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: CD asks RAZ/WI termination or HTTU\n");
        return false;
    }
    s1->ips_bits = MIN(pa_bits(FIELD_EX64(w0, CD0, IPS)), s->oas_bits);
    ok0 = granule_bits_tg0(FIELD_EX64(w0, CD0, TG0), &s1->tt[0].granule_bits);
    ok1 = granule_bits_tg1(FIELD_EX64(w0, CD0, TG1), &s1->tt[1].granule_bits);
    if (!smmuv3_decode_tt(s, &s1->tt[0], FIELD_EX64(w0, CD0, EPD0),
                          FIELD_EX64(w0, CD0, T0SZ), ok0, cd[1],
                          s1->ips_bits) ||
        !smmuv3_decode_tt(s, &s1->tt[1], FIELD_EX64(w0, CD0, EPD1),
                          FIELD_EX64(w0, CD0, T1SZ), ok1, cd[2],
                          s1->ips_bits)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: CD TxSZ, TGx or TTBx out of range\n");
        return false;
    }
    s1->asid = FIELD_EX64(w0, CD0, ASID);
    s1->tbi = FIELD_EX64(w0, CD0, TBI);
    s1->affd = FIELD_EX64(w0, CD0, AFFD);
    s1->record_faults = FIELD_EX64(w0, CD0, R);
    return true;
}

/*
 * Locate and decode the CD for @ssid (SMMUV3_NO_SSID: the stream's
 * default, already resolved by the caller to an index) per 3.3.2.
 */
static bool smmuv3_fetch_cd(SMMUv3State *s, const uint64_t *ste,
                            SMMUTransCfg *tc, uint32_t cd_idx,
                            uint32_t sid, uint32_t ssid, uint64_t iova,
                            SMMUv3Event *ev)
{
    uint64_t ctx = FIELD_EX64(ste[0], STE0, S1CTXPTR) << 6;
    unsigned fmt = FIELD_EX64(ste[0], STE0, S1FMT);
    unsigned cdmax = FIELD_EX64(ste[0], STE0, S1CDMAX);
    uint64_t cd_addr, cd[8];
    /* 3.4.3: without stage 2, CD and L1CD addresses are PAs within OAS */
    bool pa = !tc->s2_enabled;

    /* 5.2 S1Fmt: 0b11 is reserved and behaves as 0b00 (linear) */
    if (cdmax == 0 || (fmt != S1FMT_2L_4K && fmt != S1FMT_2L_64K)) {
        cd_addr = ctx + (uint64_t)cd_idx * CD_BYTES;
        if (pa && cd_addr >> s->oas_bits) {
            goto bad_ste;
        }
    } else {
        /* L2 tables of 4KB (64 CDs) or 64KB (1024 CDs) */
        unsigned split = fmt == S1FMT_2L_4K ? 6 : 10;
        uint64_t l1cd, l1_addr = ctx + (uint64_t)(cd_idx >> split) *
                                       L1CD_BYTES;

        if (pa && l1_addr >> s->oas_bits) {
            goto bad_ste;
        }
        if (!smmuv3_cd_read(s, tc, l1_addr, &l1cd, 1, sid, ssid, iova,
                            ev)) {
            return false;
        }
        cd_addr = (l1cd & R_L1CD_L2PTR_MASK &
                   ~(((uint64_t)CD_BYTES << split) - 1)) +
                  (uint64_t)(cd_idx & ((1u << split) - 1)) * CD_BYTES;
        /* 3.4.3 (3): an L2Ptr above the OAS gives C_BAD_SUBSTREAMID */
        if (!FIELD_EX64(l1cd, L1CD, V) || (pa && cd_addr >> s->oas_bits)) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "smmuv3: L1CD for SSID 0x%x not valid\n", cd_idx);
            ev_init(ev, EVT_C_BAD_SUBSTREAMID, sid, ssid);
            return false;
        }
    }
    if (!smmuv3_cd_read(s, tc, cd_addr, cd, ARRAY_SIZE(cd), sid, ssid,
                        iova, ev)) {
        return false;
    }
    if (!smmuv3_decode_cd(s, cd, &tc->s1)) {
        ev_init(ev, EVT_C_BAD_CD, sid, ssid);
        return false;
    }
    trace_smmuv3_cd(sid, cd_idx, cd_addr, tc->s1.asid);
    return true;

bad_ste:
    /* 3.4.3 (1): S1ContextPtr above the OAS, SMMUv3.1 and later */
    qemu_log_mask(LOG_GUEST_ERROR,
                  "smmuv3: CD table of SID 0x%x beyond the OAS\n", sid);
    ev_init(ev, EVT_C_BAD_STE, sid, ssid);
    return false;
}

/* ---- STE (IHI 0070 5.2) ---- */

/*
 * Stage-1 part of an STE for a transaction with @ssid.  Sets *skip_s1
 * when the STE lets this transaction bypass stage 1 (S1DSS).
 */
static bool smmuv3_decode_s1(SMMUv3State *s, const uint64_t *ste,
                             SMMUTransCfg *tc, uint32_t sid, uint32_t ssid,
                             uint64_t iova, bool *skip_s1, SMMUv3Event *ev)
{
    unsigned cdmax = FIELD_EX64(ste[0], STE0, S1CDMAX);
    unsigned dss = FIELD_EX64(ste[1], STE1, S1DSS);
    unsigned ssidsize = FIELD_EX32(s->idr[1], IDR1, SSIDSIZE);
    uint32_t cd_idx = 0;

    *skip_s1 = false;
    /*
     * 5.2: STRW is RES0 (IgnoreSTESTRW()) as SMMU_IDR0.HYP is 0 and the
     * table is Non-secure.  S1Fmt and S1DSS 0b11 are reserved, not
     * ILLEGAL: S1Fmt 0b11 acts as linear (smmuv3_fetch_cd), S1DSS 0b11
     * as terminate.  A stage-1-only S1ContextPtr above the OAS is
     * ILLEGAL (3.4.3).
     */
    if (FIELD_EX64(ste[1], STE1, S1STALLD) ||
        cdmax > ssidsize ||
        (!tc->s2_enabled &&
         (FIELD_EX64(ste[0], STE0, S1CTXPTR) << 6) >> s->oas_bits)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: STE stage-1 fields ILLEGAL for SID 0x%x\n",
                      sid);
        ev_init(ev, EVT_C_BAD_STE, sid, ssid);
        return false;
    }

    if (ssid == SMMUV3_NO_SSID) {
        if (cdmax) {
            switch (dss) {
            case S1DSS_TERMINATE:
            case S1DSS_RESERVED:
                ev_init(ev, EVT_F_STREAM_DISABLED, sid, ssid);
                return false;
            case S1DSS_BYPASS:
                *skip_s1 = true;
                return true;
            default:
                break;  /* S1DSS_SSID0: CD 0 */
            }
        }
    } else if (cdmax == 0 || ssid >> cdmax) {
        /*
         * SubstreamID 0 never gets here (MemTxAttrs.pid 0 means none,
         * smmuv3-translate.c), so S1DSS 0b10's F_STREAM_DISABLED for it
         * has no case.
         */
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: SubstreamID 0x%x not valid for SID 0x%x\n",
                      ssid, sid);
        ev_init(ev, EVT_C_BAD_SUBSTREAMID, sid, ssid);
        return false;
    } else {
        cd_idx = ssid;
    }
    return smmuv3_fetch_cd(s, ste, tc, cd_idx, sid, ssid, iova, ev);
}

static bool smmuv3_decode_ste(SMMUv3State *s, const uint64_t *ste,
                              uint32_t sid, uint32_t ssid, uint64_t iova,
                              SMMUv3Config *cfg, SMMUv3Event *ev)
{
    SMMUTransCfg *tc = &cfg->tc;
    unsigned config = FIELD_EX64(ste[0], STE0, CONFIG);
    bool want_s1 = config == STE_CFG_S1 || config == STE_CFG_NESTED;
    bool want_s2 = config == STE_CFG_S2 || config == STE_CFG_NESTED;
    bool skip_s1;

    if (!FIELD_EX64(ste[0], STE0, V)) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: STE for SID 0x%x invalid\n",
                      sid);
        goto bad_ste;
    }
    if (config == STE_CFG_ABORT) {
        cfg->kind = SMMUV3_CFG_ABORT;
        return true;
    }
    if (config == STE_CFG_BYPASS) {
        /* 5.2 S1Fmt: Config 0b1x0 with a SubstreamID: C_BAD_SUBSTREAMID */
        if (ssid != SMMUV3_NO_SSID) {
            ev_init(ev, EVT_C_BAD_SUBSTREAMID, sid, ssid);
            return false;
        }
        cfg->kind = SMMUV3_CFG_BYPASS;
        return true;
    }
    if (!want_s1 && !want_s2) {
        /* 0b001..0b011 */
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: STE.Config %u reserved\n",
                      config);
        goto bad_ste;
    }
    /* 5.2: a stage the SMMU does not implement makes the STE ILLEGAL */
    if ((want_s1 && !s->s1_supported) || (want_s2 && !s->s2_supported)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: STE.Config %u needs an absent stage\n", config);
        goto bad_ste;
    }

    memset(tc, 0, sizeof(*tc));
    tc->oas_bits = s->oas_bits;
    /* PRIVCFG 0b11 / INSTCFG 0b11 override PCIe's unprivileged data */
    tc->priv = extract64(ste[1], 48, 2) == 3;
    tc->instr = extract64(ste[1], 50, 2) == 3;
    if (want_s2) {
        if (!smmuv3_decode_s2(s, ste, &tc->s2)) {
            goto bad_ste;
        }
        tc->s2_enabled = true;
    } else if (s->s2_supported) {
        /* 5.2: S2VMID tags stage-1-only translations too */
        tc->s2.vmid = FIELD_EX64(ste[2], STE2, S2VMID);
    }

    if (want_s1) {
        if (!smmuv3_decode_s1(s, ste, tc, sid, ssid, iova, &skip_s1, ev)) {
            return false;
        }
        tc->s1_enabled = !skip_s1;
    } else if (ssid != SMMUV3_NO_SSID) {
        /* 3.3.2: SubstreamIDs need stage 1 */
        ev_init(ev, EVT_C_BAD_SUBSTREAMID, sid, ssid);
        return false;
    }

    cfg->kind = tc->s1_enabled || tc->s2_enabled ? SMMUV3_CFG_TRANSLATE :
                                                   SMMUV3_CFG_BYPASS;
    return true;

bad_ste:
    ev_init(ev, EVT_C_BAD_STE, sid, ssid);
    return false;
}

/*
 * The configuration for a transaction of (@sid, @ssid), from the cache or
 * freshly decoded.  Returns false when the transaction must be terminated;
 * @ev then holds the event to record (type 0: none).
 */
bool smmuv3_get_config(SMMUv3State *s, uint32_t sid, uint32_t ssid,
                       uint64_t iova, SMMUv3Config *cfg, SMMUv3Event *ev)
{
    uint64_t key = cfg_key(sid, ssid);
    SMMUv3Config *cached = s->cfg_last;
    uint64_t ste[8];
    hwaddr ste_addr;

    memset(ev, 0, sizeof(*ev));
    if (!cached || s->cfg_last_key != key) {
        cached = g_hash_table_lookup(s->cfg_cache, &key);
    }
    if (cached) {
        s->cfg_last = cached;
        s->cfg_last_key = key;
        *cfg = *cached;
        return true;
    }

    if (!smmuv3_find_ste(s, sid, &ste_addr, ev)) {
        if (ev->type) {
            ev->ssv = ssid != SMMUV3_NO_SSID;
            ev->ssid = ev->ssv ? ssid : 0;
        }
        return false;
    }
    if (!read_le64s(ste_addr, ste, ARRAY_SIZE(ste))) {
        fetch_aborted(ev, EVT_F_STE_FETCH, "STE", ste_addr, sid, ssid);
        return false;
    }
    trace_smmuv3_ste(sid, ste_addr, FIELD_EX64(ste[0], STE0, CONFIG));

    memset(cfg, 0, sizeof(*cfg));
    cfg->mev = FIELD_EX64(ste[1], STE1, MEV);
    if (!smmuv3_decode_ste(s, ste, sid, ssid, iova, cfg, ev)) {
        return false;
    }
    cached = g_new(SMMUv3Config, 1);
    *cached = *cfg;
    g_hash_table_insert(s->cfg_cache, g_memdup2(&key, sizeof(key)), cached);
    return true;
}
