/*
 * SMMUv3 configuration: the fetches of the stream table and CD
 * structures (CD addresses through stage 2) and the per-(StreamID,
 * SubstreamID) cache of decoded configurations.
 *
 * Arm IHI 0070 3.3 (tables), 5.4 (CD fetches through stage 2) and 7.3
 * (F_*_FETCH).  smmuv3-decode.c decodes what is fetched here; an
 * ILLEGAL structure, an aborted fetch or a stage-2 fault of a CD fetch
 * comes back as an SMMUv3CfgFault, which smmuv3-translate.c alone turns
 * into an event: this file builds none.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/atomic.h"
#include "system/dma.h"
#include "system/address-spaces.h"
#include "smmuv3-internal.h"
#include "trace.h"

/* ---- Decoded-configuration cache ---- */

static uint64_t cfg_key(uint32_t sid, uint32_t ssid)
{
    return ((uint64_t)sid << 32) | (ssid == SMMUV3_NO_SSID ? 0 : ssid + 1);
}

void smmuv3_cfg_cache_init(SMMUv3State *s)
{
    s->cfg_cache = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                         g_free, g_free);
    /* SMMUDevice.bypass_gen 0 means "never in bypass" */
    s->cfg_gen = 1;
}

/* Ends every per-device decision taken from the cached configurations */
static void cfg_gen_bump(SMMUv3State *s)
{
    uint32_t gen = s->cfg_gen + 1;

    qatomic_set(&s->cfg_gen, gen ? gen : 1);
}

void smmuv3_cfg_cache_inv_all(SMMUv3State *s)
{
    trace_smmuv3_cfg_inv(0, UINT32_MAX);
    cfg_gen_bump(s);
    s->cfg_last = NULL;
    s->cfg_stats.invalidated += g_hash_table_size(s->cfg_cache);
    g_hash_table_remove_all(s->cfg_cache);
}

typedef struct SidRange {
    uint32_t first, last;
} SidRange;

/*
 * What the cache holds: the decoded configuration and the doublewords
 * it was decoded from (smmuv3-coherency.c compares them with memory).
 */
typedef struct SMMUv3CfgEntry {
    SMMUv3Config cfg;
    SMMUv3CfgRaw raw;
} SMMUv3CfgEntry;

const SMMUv3CfgRaw *smmuv3_cfg_last_raw(SMMUv3State *s)
{
    return &container_of(s->cfg_last, SMMUv3CfgEntry, cfg)->raw;
}

typedef struct CfgForeach {
    SMMUv3CfgVisit fn;
    void *opaque;
} CfgForeach;

static void cfg_visit(gpointer key, gpointer value, gpointer opq)
{
    CfgForeach *f = opq;
    uint64_t k = *(uint64_t *)key;
    uint32_t low = k & UINT32_MAX;

    f->fn(k >> 32, low ? low - 1 : SMMUV3_NO_SSID,
          &container_of((SMMUv3Config *)value, SMMUv3CfgEntry, cfg)->raw,
          f->opaque);
}

/* Each cached configuration's key and raw words; @fn must not modify it */
void smmuv3_cfg_cache_foreach(SMMUv3State *s, SMMUv3CfgVisit fn,
                              void *opaque)
{
    CfgForeach f = { fn, opaque };

    g_hash_table_foreach(s->cfg_cache, cfg_visit, &f);
}

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
    cfg_gen_bump(s);
    s->cfg_last = NULL;
    s->cfg_stats.invalidated +=
        g_hash_table_foreach_remove(s->cfg_cache, key_in_sid_range, &r);
}

void smmuv3_cfg_cache_inv_ssid(SMMUv3State *s, uint32_t sid, uint32_t ssid)
{
    uint64_t key = cfg_key(sid, ssid);

    cfg_gen_bump(s);
    s->cfg_last = NULL;
    s->cfg_stats.invalidated += g_hash_table_remove(s->cfg_cache, &key);
    /* CD 0 also serves transactions without SubstreamID (S1DSS). */
    if (ssid == 0) {
        key = cfg_key(sid, SMMUV3_NO_SSID);
        s->cfg_stats.invalidated += g_hash_table_remove(s->cfg_cache, &key);
    }
}

/* ---- Fetches ---- */

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

/* A decoder refused a structure of @t's configuration */
static bool cfg_refused(const SMMUv3Txn *t, SMMUv3Verdict v,
                        SMMUv3CfgFault *fault)
{
    /* S1DSS terminating is what the STE asks, not a guest error */
    if (v.err != SMMUV3_CFG_STREAM_DISABLED) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: SID 0x%x SSID 0x%x: %s\n",
                      t->sid, t->ssid, v.why);
    }
    fault->err = v.err;
    return false;
}

/* A configuration fetch from @addr was aborted: F_STE_FETCH, F_CD_FETCH */
static bool fetch_aborted(SMMUv3CfgErr err, const char *what, hwaddr addr,
                          SMMUv3CfgFault *fault)
{
    qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: %s fetch at 0x%" HWADDR_PRIx
                  " aborted\n", what, addr);
    fault->err = err;
    fault->fetch_addr = addr;
    return false;
}

/* The STE of @t's StreamID (IHI 0070 3.3.1, 3.3.2) */
static bool fetch_ste(SMMUv3State *s, const SMMUv3Txn *t, uint64_t ste[8],
                      SMMUv3CfgRaw *raw, SMMUv3CfgFault *fault)
{
    SMMUv3SteLoc loc;
    SMMUv3Verdict v = smmuv3_ste_locate(&s->feat, s->strtab_base,
                                        s->strtab_base_cfg, t->sid, &loc);
    uint64_t addr = loc.addr, l1std;

    if (v.err) {
        return cfg_refused(t, v, fault);
    }
    if (loc.split) {
        if (!read_le64s(loc.addr, &l1std, 1)) {
            return fetch_aborted(SMMUV3_CFG_STE_FETCH, "L1STD", loc.addr,
                                 fault);
        }
        v = smmuv3_decode_l1std(l1std, t->sid, loc.split, &addr);
        if (v.err) {
            return cfg_refused(t, v, fault);
        }
    }
    if (!read_le64s(addr, ste, 8)) {
        return fetch_aborted(SMMUV3_CFG_STE_FETCH, "STE", addr, fault);
    }
    raw->ste_addr = addr;
    memcpy(raw->ste, ste, sizeof(raw->ste));
    raw->has_ste = true;
    trace_smmuv3_ste(t->sid, addr, FIELD_EX64(ste[0], STE0, CONFIG));
    return true;
}

/*
 * Read @count doublewords of a CD structure at @addr, an IPA when stage 2
 * is enabled (5.4: CD fetches go through stage 2, CLASS=CD).
 */
static bool cd_read(SMMUv3State *s, const SMMUTransCfg *tc, uint64_t addr,
                    uint64_t *buf, unsigned count, uint64_t *pa_out,
                    SMMUv3CfgFault *fault)
{
    uint64_t pa = addr;

    if (tc->s2_enabled) {
        memset(&fault->s2, 0, sizeof(fault->s2));
        if (!smmu_translate_ipa(&s->smmu_state, &tc->s2, addr, IOMMU_RO,
                                SMMU_CLASS_CD, &pa, &fault->s2)) {
            /*
             * IHI 0070 7.3: the record describes the incoming transaction
             * (InD/PnU after the STE overrides), not the CD fetch.
             */
            fault->s2.pnu = tc->priv;
            fault->s2.ind = tc->instr;
            fault->err = SMMUV3_CFG_CD_S2_FAULT;
            return false;
        }
    }
    if (!read_le64s(pa, buf, count)) {
        return fetch_aborted(SMMUV3_CFG_CD_FETCH, "CD", pa, fault);
    }
    *pa_out = pa;
    return true;
}

/* Locate, fetch and decode the CD @ste names for @t (3.3.2, 5.4) */
static bool fetch_cd(SMMUv3State *s, const SMMUv3Txn *t, SMMUv3Ste *ste,
                     SMMUv3CfgRaw *raw, SMMUv3CfgFault *fault)
{
    SMMUTransCfg *tc = &ste->cfg.tc;
    SMMUv3CdLoc loc;
    SMMUv3Verdict v = smmuv3_cd_locate(&s->feat, ste, &loc);
    uint64_t cd_addr = loc.addr, l1cd, cd[8], cd_pa;
    SMMURegime regime;

    if (v.err) {
        return cfg_refused(t, v, fault);
    }
    if (loc.split) {
        if (!cd_read(s, tc, loc.addr, &l1cd, 1, &cd_pa, fault)) {
            return false;
        }
        v = smmuv3_decode_l1cd(&s->feat, ste, l1cd, loc.split, &cd_addr);
        if (v.err) {
            return cfg_refused(t, v, fault);
        }
    }
    if (!cd_read(s, tc, cd_addr, cd, ARRAY_SIZE(cd), &cd_pa, fault)) {
        return false;
    }
    raw->cd_addr = cd_addr;
    raw->cd_pa = cd_pa;
    memcpy(raw->cd, cd, sizeof(raw->cd));
    raw->has_cd = true;
    /* 5.2 STRW 0b10: NS-EL2, or NS-EL2-E2H when SMMU_CR2.E2H is set */
    regime = !ste->el2 ? SMMU_REGIME_EL1 :
             FIELD_EX32(s->cr[2], CR2, E2H) ? SMMU_REGIME_EL2_E2H :
                                              SMMU_REGIME_EL2;
    v = smmuv3_decode_cd_regime(&s->feat, cd, regime, &tc->s1);
    /* 5.5: CD.S 1 under STE.S1STALLD 1 is ILLEGAL */
    if (!v.err && ste->s1stalld && FIELD_EX64(cd[0], CD0, S)) {
        v = (SMMUv3Verdict) { SMMUV3_CFG_BAD_CD, "CD.S under STE.S1STALLD" };
    }
    if (v.err) {
        return cfg_refused(t, v, fault);
    }
    ste->cfg.s1_stall = FIELD_EX64(cd[0], CD0, S);
    trace_smmuv3_stream_world(t->sid, ste->cd_idx,
                              regime == SMMU_REGIME_EL1 ? "NS-EL1" :
                              regime == SMMU_REGIME_EL2 ? "NS-EL2" :
                                                          "NS-EL2-E2H");
    trace_smmuv3_cd(t->sid, ste->cd_idx, cd_addr, tc->s1.asid);
    return true;
}

/*
 * The cached configuration of @t, or NULL on a miss (smmuv3_cfg_fetch()
 * then): the per-DMA path, which reads no memory, and the one place a
 * configuration cache hit is decided.  The pointer is good under the
 * lock until the next invalidation.
 */
const SMMUv3Config *smmuv3_cfg_find(SMMUv3State *s, const SMMUv3Txn *t)
{
    uint64_t key = cfg_key(t->sid, t->ssid);
    SMMUv3Config *cached = s->cfg_last;

    if (!cached || s->cfg_last_key != key) {
        cached = g_hash_table_lookup(s->cfg_cache, &key);
        if (!cached) {
            s->cfg_stats.misses++;
            return NULL;
        }
        s->cfg_last = cached;
        s->cfg_last_key = key;
    }
    s->cfg_stats.hits++;
    return cached;
}

/* smmuv3_cfg_find() into a copy */
bool smmuv3_cfg_lookup(SMMUv3State *s, const SMMUv3Txn *t, SMMUv3Config *cfg)
{
    const SMMUv3Config *cached = smmuv3_cfg_find(s, t);

    if (!cached) {
        return false;
    }
    *cfg = *cached;
    return true;
}

/*
 * Fetch and decode the configuration of @t, without caching it (the
 * translate probe's too).  Returns false when the transaction must be
 * terminated, with @fault saying why and cfg->mev set (false before the
 * STE is known).
 */
bool smmuv3_cfg_read(SMMUv3State *s, const SMMUv3Txn *t, SMMUv3Config *cfg,
                     SMMUv3CfgFault *fault)
{
    SMMUv3CfgRaw raw;

    return smmuv3_cfg_read_raw(s, t, cfg, &raw, fault);
}

/* smmuv3_cfg_read(), also giving the doublewords read in @raw */
bool smmuv3_cfg_read_raw(SMMUv3State *s, const SMMUv3Txn *t,
                         SMMUv3Config *cfg, SMMUv3CfgRaw *raw,
                         SMMUv3CfgFault *fault)
{
    uint64_t ste[8];
    SMMUv3Ste dec;
    SMMUv3Verdict v;

    cfg->mev = false;
    raw->has_ste = raw->has_cd = false;
    if (!fetch_ste(s, t, ste, raw, fault)) {
        return false;
    }
    v = smmuv3_decode_ste(&s->feat, ste, t->ssid, &dec);
    cfg->mev = dec.cfg.mev;
    if (v.err) {
        return cfg_refused(t, v, fault);
    }
    if (dec.need_cd && !fetch_cd(s, t, &dec, raw, fault)) {
        return false;
    }
    *cfg = dec.cfg;
    return true;
}

/* smmuv3_cfg_read(), and cache what it found */
bool smmuv3_cfg_fetch(SMMUv3State *s, const SMMUv3Txn *t, SMMUv3Config *cfg,
                      SMMUv3CfgFault *fault)
{
    uint64_t key = cfg_key(t->sid, t->ssid);
    SMMUv3CfgEntry *cached = g_new(SMMUv3CfgEntry, 1);

    if (!smmuv3_cfg_read_raw(s, t, cfg, &cached->raw, fault)) {
        g_free(cached);
        return false;
    }
    cached->cfg = *cfg;
    g_hash_table_insert(s->cfg_cache, g_memdup2(&key, sizeof(key)),
                        &cached->cfg);
    return true;
}
