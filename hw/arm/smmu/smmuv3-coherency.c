/*
 * SMMUv3 coherency checker (property check-coherency=off|on|strict).
 *
 * The SMMU may go on using what its TLB and configuration cache hold
 * until software invalidates it: IHI 0070 3.21 (structure and TLB
 * caching), 4.3 (CMD_CFGI_*: "changes to a structure ... are not
 * guaranteed to be observed until" the CFGI and a CMD_SYNC), 4.4
 * (CMD_TLBI_*), and the Arm ARM's rules on translation table updates
 * (D8.16 "TLB maintenance requirements").  A driver that forgets an
 * invalidation works on an emulator that re-reads memory and fails on
 * hardware.  With the checker on, a hit of the TLB or of the
 * configuration cache is compared with what memory says now -- a walk
 * by the translate probe's side-effect-free walker (SMMUState.probe),
 * or a re-read of the STE and CD -- and a difference the architecture
 * does not let software rely on is reported: a guest-error log line, a
 * trace event, the QMP event X_SMMUV3_COHERENCY and a counter.
 *
 * What is not reported, because software may rely on it:
 * - invalid to valid: an SMMU caches no translation that faults
 *   (IHI 0070 3.21.1; Arm ARM D8.16.1), and this model caches none, so
 *   such a change never meets a hit;
 * - HTTU's own updates (3.13): the AF and dirty state the SMMU wrote;
 *   the check compares outputs and permissions, not raw descriptors;
 * - a structure word that changed without changing the decoded
 *   configuration (a field the SMMU ignores).
 * A hit that faults (a permission fault from the cached entry) whose
 * access memory now allows is reported too: a permission raised without
 * TLBI.  ATS Translation Requests answered from the TLB are checked as
 * DMA is (smmuv3-translate.c calls smmuv3_coh_translate() for them).
 *
 * Reported although no output changed: a writable-dirty entry still
 * used after software made the descriptor writable-clean (3.13.3: the
 * clean state is only observed after a TLBI), which loses dirty state.
 *
 * Torn rewrites (ste-torn, cd-torn): a valid STE or CD rewritten in
 * place so that a fetch between two CMD_CFGI_* could see a mix of old
 * and new doublewords that means neither configuration (3.21.3); see
 * torn_mix().  Checked when a cached structure is used and at each
 * CMD_CFGI_* that invalidates one.
 *
 * "on" then goes on as a miss would (the stale entry is dropped and
 * the transaction translated again); "strict" uses the stale value, as
 * hardware may, so the bug shows in the guest too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "qapi/qapi-events-smmuv3.h"
#include "qapi/qapi-types-smmuv3.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define DESC_AP2        (1ULL << 7)     /* stage 1 AP[2], stage 2 S2AP[1] */
#define DESC_DBM        (1ULL << 51)

static const char *const kind_name[SMMUV3_COH_KINDS] = {
    [SMMUV3_COH_REMAP] = "tlb-remap",
    [SMMUV3_COH_UNMAP] = "tlb-unmap",
    [SMMUV3_COH_PERM]  = "tlb-permission",
    [SMMUV3_COH_DIRTY] = "tlb-dirty",
    [SMMUV3_COH_STE]   = "ste",
    [SMMUV3_COH_CD]    = "cd",
    [SMMUV3_COH_STE_TORN] = "ste-torn",
    [SMMUV3_COH_CD_TORN] = "cd-torn",
};

static const char *const mode_name[] = { "off", "on", "strict" };

/* One report, as the three outputs say it */
typedef struct CohReport {
    SMMUv3CohKind kind;
    const SMMUv3Txn *t;
    bool has_before, has_after, has_desc;
    uint64_t before, after, daddr, desc;
    char what[512];
    char missing[192];
} CohReport;

bool smmuv3_coh_realize(SMMUv3State *s, Error **errp)
{
    const char *mode = s->check_coherency ? s->check_coherency : "off";

    for (unsigned i = 0; i < ARRAY_SIZE(mode_name); i++) {
        if (!strcmp(mode, mode_name[i])) {
            s->coh.mode = i;
            s->coh.period = MAX(s->check_coherency_period, 1);
            s->coh.last.kind = SMMUV3_COH_KINDS;    /* none yet */
            if (i != SMMUV3_COH_OFF) {
                s->coh.probe = g_new0(SMMUWalkProbe, 1);
            }
            return true;
        }
    }
    error_setg(errp, "arm-smmuv3: invalid check-coherency '%s'", mode);
    error_append_hint(errp, "Valid values are off, on and strict.\n");
    return false;
}

/* Rate limit: true for one hit in s->coh.period */
static bool coh_due(SMMUv3Coherency *c, uint32_t *tick)
{
    if (++*tick < c->period) {
        c->skipped++;
        return false;
    }
    *tick = 0;
    return true;
}

static void coh_report(SMMUv3State *s, CohReport *r)
{
    SMMUv3Coherency *c = &s->coh;
    const SMMUv3Txn *t = r->t;
    bool has_ssid = t->ssid != SMMUV3_NO_SSID;
    bool tlb = r->kind < SMMUV3_COH_STE;
    bool stale = c->mode == SMMUV3_COH_STRICT && !c->in_cfgi;
    uint64_t where = tlb ? t->addr & ~0xfffULL : r->daddr;
    g_autoptr(GString) msg = g_string_new(kind_name[r->kind]);
    g_autofree char *path = NULL;

    /* A stale entry kept ("strict") is reported once, not per use */
    if (c->last.kind == r->kind && c->last.sid == t->sid &&
        c->last.ssid == t->ssid && c->last.where == where &&
        c->last.after == r->after) {
        c->repeats++;
        return;
    }
    c->last.kind = r->kind;
    c->last.sid = t->sid;
    c->last.ssid = t->ssid;
    c->last.where = where;
    c->last.after = r->after;
    c->reports++;
    c->kind[r->kind]++;

    g_string_append_printf(msg, " SID 0x%x", t->sid);
    if (has_ssid) {
        g_string_append_printf(msg, " SSID 0x%x", t->ssid);
    }
    if (tlb) {
        g_string_append_printf(msg, " IOVA 0x%" PRIx64, t->addr);
    }
    g_string_append_printf(msg, ": %s (at 0x%" PRIx64 "); missing %s%s%s",
                           r->what, r->daddr, r->missing,
                           r->kind >= SMMUV3_COH_STE_TORN ? "" :
                           " (then CMD_SYNC)",
                           stale ? "; the stale value is used" : "");
    qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: coherency: %s\n", msg->str);
    trace_smmuv3_coherency(kind_name[r->kind], t->sid, t->addr, r->before,
                           r->after, r->missing);
    path = object_get_canonical_path(OBJECT(s));
    qapi_event_send_x_smmuv3_coherency(path, kind_name[r->kind], t->sid,
                                       has_ssid, has_ssid ? t->ssid : 0,
                                       tlb, t->addr,
                                       r->has_before || !tlb, r->before,
                                       r->has_after, r->after,
                                       r->has_desc || !tlb, r->daddr,
                                       r->has_desc, r->desc, r->missing,
                                       stale, msg->str);
}

/* ---- Configuration ---- */

static bool s1_same(const SMMUS1Cfg *a, const SMMUS1Cfg *b)
{
    for (unsigned i = 0; i < 2; i++) {
        const SMMUS1Table *x = &a->tt[i], *y = &b->tt[i];

        if (x->ttb != y->ttb || x->tsz != y->tsz ||
            x->granule_bits != y->granule_bits ||
            x->disabled != y->disabled || x->had != y->had) {
            return false;
        }
    }
    return a->asid == b->asid && a->regime == b->regime &&
           a->tbi == b->tbi && a->ips_bits == b->ips_bits &&
           a->ds == b->ds && a->affd == b->affd && a->ha == b->ha &&
           a->hd == b->hd && a->record_faults == b->record_faults;
}

static bool s2_same(const SMMUS2Cfg *a, const SMMUS2Cfg *b)
{
    return a->vttb == b->vttb && a->vmid == b->vmid && a->tsz == b->tsz &&
           a->sl0 == b->sl0 && a->granule_bits == b->granule_bits &&
           a->ps_bits == b->ps_bits && a->ds == b->ds && a->lpa == b->lpa &&
           a->affd == b->affd && a->ha == b->ha && a->hd == b->hd &&
           a->record_faults == b->record_faults && a->ptw == b->ptw &&
           a->fwb == b->fwb;
}

/* Do two decoded configurations translate alike? (field by field) */
static bool cfg_same(const SMMUv3Config *a, const SMMUv3Config *b)
{
    const SMMUTransCfg *x = &a->tc, *y = &b->tc;

    if (a->kind != b->kind || a->mev != b->mev || a->eats != b->eats) {
        return false;
    }
    if (a->kind != SMMUV3_CFG_TRANSLATE) {
        return true;
    }
    return x->s1_enabled == y->s1_enabled &&
           x->s2_enabled == y->s2_enabled && x->priv == y->priv &&
           x->instr == y->instr && x->oas_bits == y->oas_bits &&
           (!x->s1_enabled || s1_same(&x->s1, &y->s1)) &&
           s2_same(&x->s2, &y->s2);
}

/* The first doubleword of @n that differs, or -1 */
static int first_diff(const uint64_t *a, const uint64_t *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i] != b[i]) {
            return i;
        }
    }
    return -1;
}

/* ---- Torn STE/CD rewrites ---- */

/*
 * IHI 0070 3.21.3: "the constituent 64-bit double-words of a structure
 * are permitted to be accessed by the SMMU non-atomically with respect
 * to the structure as a whole and in any temporal sequence"; only a
 * field within one single-copy atomic span (64 bits; 128 with FEAT_LSE2,
 * which a driver cannot assume) may be changed while the structure is
 * valid, and "if software modifies the structure while it is valid, it
 * must not allow the structure to enter an invalid intermediate state";
 * otherwise it makes it invalid first (3.21.3.1: V = 0, CMD_CFGI_*,
 * CMD_SYNC, write, then V = 1 and CMD_CFGI_*).  So between two
 * invalidations (the cached copy was fetched after the last one) any
 * mix of the doublewords as cached and as in memory may be fetched.
 * The rule: every such mix must decode to the old or to the new
 * configuration.  Linux's arm-smmu-v3 "used bits" updates keep it: a
 * hitless update writes the bits the current entry ignores, then the
 * one "critical" doubleword, then clears what the new entry ignores,
 * with CMD_CFGI + CMD_SYNC between the steps; anything else goes
 * through V = 0.  Decoding the mixes rather than keeping bit masks
 * makes "used" exactly what this model's decoders read.
 */

/* What a structure, or a mix, means */
typedef struct TornView {
    SMMUv3CfgErr err;
    SMMUv3Ste ste;
    SMMUS1Cfg s1;
} TornView;

typedef void (*TornDecode)(SMMUv3State *s, const uint64_t w[8],
                           uint32_t arg, TornView *v);
typedef bool (*TornSame)(const TornView *a, const TornView *b);

static void ste_view(SMMUv3State *s, const uint64_t w[8], uint32_t ssid,
                     TornView *v)
{
    v->err = smmuv3_decode_ste(&s->feat, w, ssid, &v->ste).err;
}

static bool ste_view_same(const TornView *a, const TornView *b)
{
    SMMUv3Config x = a->ste.cfg, y = b->ste.cfg;
    const SMMUv3Ste *p = &a->ste, *q = &b->ste;

    if (a->err || b->err) {
        return a->err == b->err;
    }
    /*
     * MEV only merges events, which software must expect anyway (7.3.1).
     * EATS only matters to ATS Translation Requests, which software
     * keeps off while it changes EATS (Linux disables the function's
     * ATS first); Linux's arm_smmu_get_ste_update_safe() lets both
     * change with the critical doubleword.
     */
    x.mev = y.mev = false;
    x.eats = y.eats = 0;
    return cfg_same(&x, &y) && p->need_cd == q->need_cd &&
           (!p->need_cd ||
            (p->cd_idx == q->cd_idx && p->cd_table == q->cd_table &&
             p->s1fmt == q->s1fmt && p->s1cdmax == q->s1cdmax &&
             p->el2 == q->el2));
}

static void cd_view(SMMUv3State *s, const uint64_t w[8], uint32_t regime,
                    TornView *v)
{
    v->err = smmuv3_decode_cd_regime(&s->feat, w, regime, &v->s1).err;
}

static bool cd_view_same(const TornView *a, const TornView *b)
{
    if (a->err || b->err) {
        return a->err == b->err;
    }
    return s1_same(&a->s1, &b->s1);
}

/* A bit per doubleword that differs */
static unsigned diff_mask(const uint64_t *a, const uint64_t *b)
{
    unsigned m = 0;

    for (unsigned i = 0; i < 8; i++) {
        m |= (a[i] != b[i]) << i;
    }
    return m;
}

/*
 * The doublewords @diff of @old replaced by @now's: a mix (bit i set:
 * doubleword i new) that means neither @old nor @now, or 0.  At most
 * 254 decodes, and only when two or more doublewords changed.
 */
static unsigned torn_mix(SMMUv3State *s, const uint64_t old[8],
                         const uint64_t now[8], unsigned diff,
                         TornDecode decode, TornSame same, uint32_t arg)
{
    TornView vo, vn, vm;
    uint64_t mix[8];

    if (ctpop32(diff) < 2) {
        return 0;
    }
    decode(s, old, arg, &vo);
    decode(s, now, arg, &vn);
    /* the non-empty proper subsets of @diff */
    for (unsigned pick = (diff - 1) & diff; pick; pick = (pick - 1) & diff) {
        for (unsigned i = 0; i < 8; i++) {
            mix[i] = pick & (1u << i) ? now[i] : old[i];
        }
        decode(s, mix, arg, &vm);
        if (!same(&vm, &vo) && !same(&vm, &vn)) {
            return pick;
        }
    }
    return 0;
}

/* "0,2,3": the doublewords of @mask */
static void dw_list(GString *g, unsigned mask)
{
    const char *sep = "";

    for (unsigned i = 0; i < 8; i++) {
        if (mask & (1u << i)) {
            g_string_append_printf(g, "%s%u", sep, i);
            sep = ",";
        }
    }
}

static void torn_report(SMMUv3State *s, const SMMUv3Txn *t, bool cd,
                        const uint64_t old[8], const uint64_t now[8],
                        uint64_t addr, unsigned diff, unsigned pick)
{
    const char *name = cd ? "CD" : "STE";
    CohReport r = { .t = t, .has_after = true };
    g_autoptr(GString) w = g_string_new("");
    unsigned first = ctz32(diff);
    g_autofree char *cfgi = cd ?
        g_strdup_printf("CMD_CFGI_CD SID 0x%x SSID %u", t->sid,
                        t->ssid == SMMUV3_NO_SSID ? 0 : t->ssid) :
        g_strdup_printf("CMD_CFGI_STE SID 0x%x", t->sid);

    r.kind = cd ? SMMUV3_COH_CD_TORN : SMMUV3_COH_STE_TORN;
    r.daddr = addr + 8 * first;
    r.before = old[first];
    r.after = now[first];
    for (unsigned i = 0; i < 8; i++) {
        if (diff & (1u << i)) {
            g_string_append_printf(w, "%s[%u] 0x%" PRIx64 " -> 0x%" PRIx64
                                   ", ", name, i, old[i], now[i]);
        }
    }
    g_string_append(w, "rewritten while valid: a fetch may mix new ");
    dw_list(w, pick);
    g_string_append(w, " with old ");
    dw_list(w, diff & ~pick);
    pstrcpy(r.what, sizeof(r.what), w->str);
    snprintf(r.missing, sizeof(r.missing), "%s.V=0, %s, CMD_SYNC before "
             "the rewrite, then V=1 and %s (or one used doubleword per "
             "%s + CMD_SYNC)", name, cfgi, cfgi, cfgi);
    coh_report(s, &r);
}

/*
 * Was @old (a cached configuration's words) rewritten into @now so
 * that a fetch could have been torn?  Reports it and returns true.
 */
static bool check_torn(SMMUv3State *s, const SMMUv3Txn *t,
                       const SMMUv3CfgRaw *old, const SMMUv3CfgRaw *now)
{
    SMMUv3Ste ste;
    unsigned diff, pick, regime;

    if (!old->has_ste || !now->has_ste || old->ste_addr != now->ste_addr) {
        return false;
    }
    diff = diff_mask(old->ste, now->ste);
    pick = torn_mix(s, old->ste, now->ste, diff, ste_view, ste_view_same,
                    t->ssid);
    if (pick) {
        torn_report(s, t, false, old->ste, now->ste, old->ste_addr, diff,
                    pick);
        return true;
    }
    if (!old->has_cd || !now->has_cd || old->cd_pa != now->cd_pa) {
        return false;
    }
    /* the CD was read in the regime of the STE that was cached */
    smmuv3_decode_ste(&s->feat, old->ste, t->ssid, &ste);
    regime = !ste.el2 ? SMMU_REGIME_EL1 :
             FIELD_EX32(s->cr[2], CR2, E2H) ? SMMU_REGIME_EL2_E2H :
                                              SMMU_REGIME_EL2;
    diff = diff_mask(old->cd, now->cd);
    pick = torn_mix(s, old->cd, now->cd, diff, cd_view, cd_view_same,
                    regime);
    if (pick) {
        torn_report(s, t, true, old->cd, now->cd, old->cd_addr, diff, pick);
        return true;
    }
    return false;
}

typedef struct CfgiScan {
    SMMUv3State *s;
    uint32_t first, last, ssid;
    bool all_ssids;
} CfgiScan;

static bool read_words(uint64_t addr, uint64_t w[8])
{
    if (smmu_ram_rw(addr, w, 64, false) != MEMTX_OK) {
        return false;
    }
    for (unsigned i = 0; i < 8; i++) {
        w[i] = le64_to_cpu(w[i]);
    }
    return true;
}

static void cfgi_visit(uint32_t sid, uint32_t ssid, const SMMUv3CfgRaw *raw,
                       void *opaque)
{
    CfgiScan *sc = opaque;
    SMMUv3Txn t = { .sid = sid, .ssid = ssid };
    SMMUv3CfgRaw now = *raw;

    if (sid < sc->first || sid > sc->last ||
        (!sc->all_ssids && ssid != sc->ssid &&
         !(sc->ssid == 0 && ssid == SMMUV3_NO_SSID))) {
        return;
    }
    sc->s->coh.cfgi_checks++;
    /* the same words the cached copy came from; no decode, no log */
    now.has_ste = raw->has_ste && read_words(raw->ste_addr, now.ste);
    now.has_cd = raw->has_cd && read_words(raw->cd_pa, now.cd);
    check_torn(sc->s, &t, raw, &now);
}

/*
 * A CMD_CFGI_* is about to drop the cached configurations of StreamIDs
 * [@first, @last] (of SubstreamID @ssid only unless @all_ssids): were
 * they rewritten, since they were fetched, in a way a fetch could tear?
 */
void smmuv3_coh_cfgi(SMMUv3State *s, uint32_t first, uint32_t last,
                     bool all_ssids, uint32_t ssid)
{
    CfgiScan sc = { s, first, last, ssid, all_ssids };

    s->coh.in_cfgi = true;
    smmuv3_cfg_cache_foreach(s, cfgi_visit, &sc);
    s->coh.in_cfgi = false;
}

/*
 * A configuration cache hit of @t gave @cached.  Returns true when the
 * caller must fetch it again ("on" and memory says otherwise).
 */
bool smmuv3_coh_cfg_hit(SMMUv3State *s, const SMMUv3Txn *t,
                        const SMMUv3Config *cached)
{
    SMMUv3Coherency *c = &s->coh;
    const SMMUv3CfgRaw *old = smmuv3_cfg_last_raw(s);
    SMMUv3CfgRaw now = { 0 };
    SMMUv3Config fresh;
    SMMUv3CfgFault cf;
    CohReport r = { .t = t };
    bool ok;
    int i = -1;

    if (!coh_due(c, &c->cfg_tick)) {
        return false;
    }
    c->cfg_checks++;
    /* A probe: the CD's stage-2 translation uses and fills no TLB */
    c->probe->n = c->probe->lost = 0;
    s->smmu_state.probe = c->probe;
    ok = smmuv3_cfg_read_raw(s, t, &fresh, &now, &cf);
    s->smmu_state.probe = NULL;
    if (check_torn(s, t, old, &now)) {
        goto reported;
    }
    if (ok && cfg_same(cached, &fresh)) {
        return false;
    }

    /* IHI 0070 4.3.1-4.3.4: which structure, so which CFGI */
    if (now.has_ste && old->ste_addr == now.ste_addr) {
        i = first_diff(old->ste, now.ste, 8);
    }
    if (i >= 0 || !now.has_ste || old->ste_addr != now.ste_addr) {
        r.kind = SMMUV3_COH_STE;
        i = MAX(i, 0);
        r.daddr = now.has_ste ? now.ste_addr + 8 * i : old->ste_addr;
        r.before = old->ste[i];
        r.after = now.ste[i];
        r.has_after = now.has_ste;
        snprintf(r.what, sizeof(r.what), "STE[%d] changed", i);
        snprintf(r.missing, sizeof(r.missing), "CMD_CFGI_STE SID 0x%x",
                 t->sid);
    } else {
        r.kind = SMMUV3_COH_CD;
        i = now.has_cd && old->has_cd && old->cd_addr == now.cd_addr ?
            MAX(first_diff(old->cd, now.cd, 8), 0) : 0;
        r.daddr = now.has_cd ? now.cd_addr + 8 * i : old->cd_addr;
        r.before = old->cd[i];
        r.after = now.cd[i];
        r.has_after = now.has_cd;
        snprintf(r.what, sizeof(r.what), "CD[%d] changed%s", i,
                 old->cd_addr != now.cd_addr ? " (another CD)" : "");
        snprintf(r.missing, sizeof(r.missing), "CMD_CFGI_CD SID 0x%x "
                 "SSID %u", t->sid,
                 t->ssid == SMMUV3_NO_SSID ? 0 : t->ssid);
    }
    if (!ok) {
        /* The structure is now refused: the transaction would abort */
        pstrcat(r.what, sizeof(r.what), ", now refused");
    }
    coh_report(s, &r);
reported:
    if (c->mode != SMMUV3_COH_ON) {
        return false;
    }
    /* As after the CFGI: drop it, the caller fetches it again */
    smmuv3_cfg_cache_inv_ssid(s, t->sid, t->ssid);
    return true;
}

/* ---- TLB ---- */

/* The last step of stage @stage the probe recorded, or NULL */
static const SMMUWalkStep *last_step(const SMMUWalkProbe *p, int stage,
                                     bool in_only)
{
    for (unsigned i = p->n; i-- > 0;) {
        const SMMUWalkStep *st = &p->step[i];

        if (st->stage == stage && (!in_only || st->cls == SMMU_CLASS_IN)) {
            return st;
        }
    }
    return NULL;
}

/* Is @st a writable-clean leaf (DBM set, not yet written; 3.13.3)? */
static bool step_clean(const SMMUWalkStep *st)
{
    if (!st || !(st->desc & DESC_DBM)) {
        return false;
    }
    return st->stage == 1 ? st->desc & DESC_AP2 : !(st->desc & DESC_AP2);
}

/* Would the walk have marked a descriptor dirty (not only set AF)? */
static bool probe_dirtied(const SMMUWalkProbe *p)
{
    for (unsigned i = 0; i < p->n; i++) {
        if ((p->step[i].update ^ p->step[i].desc) & DESC_AP2) {
            return true;
        }
    }
    return false;
}

/* The TLBI that would have removed the stale entry (IHI 0070 4.4) */
static void missing_tlbi(const SMMUTransCfg *tc, const SMMUv3Txn *t,
                         const SMMUWalkProbe *p, char *buf, size_t len)
{
    uint64_t va = t->addr & ~0xfffULL;
    const SMMUWalkStep *s2 = last_step(p, 2, true);
    uint64_t ipa = s2 ? s2->input & ~0xfffULL : va;

    if (!tc->s1_enabled) {
        snprintf(buf, len, "CMD_TLBI_S2_IPA VMID %u IPA 0x%" PRIx64,
                 tc->s2.vmid, ipa);
    } else if (tc->s1.regime == SMMU_REGIME_EL2) {
        snprintf(buf, len, "CMD_TLBI_EL2_VA VA 0x%" PRIx64, va);
    } else if (tc->s1.regime == SMMU_REGIME_EL2_E2H) {
        snprintf(buf, len, "CMD_TLBI_EL2_VA ASID %u VA 0x%" PRIx64,
                 tc->s1.asid, va);
    } else if (tc->s2_enabled) {
        /* Either stage may have changed: both commands are named */
        snprintf(buf, len, "CMD_TLBI_NH_VA VMID %u ASID %u VA 0x%" PRIx64
                 " or CMD_TLBI_S2_IPA VMID %u IPA 0x%" PRIx64, tc->s2.vmid,
                 tc->s1.asid, va, tc->s2.vmid, ipa);
    } else {
        /* the VMID field matters when stage 2 is implemented (4.4.2.3) */
        snprintf(buf, len, "CMD_TLBI_NH_VA VMID %u ASID %u VA 0x%" PRIx64,
                 tc->s2.vmid, tc->s1.asid, va);
    }
}

/* "on": drop what may be stale, as the missing TLBI would have */
static void drop_stale(SMMUv3State *s, const SMMUTransCfg *tc,
                       uint64_t addr)
{
    SMMUInvRange r = { .addr = addr };

    if (tc->s2_enabled) {
        /* a stale stage-2 entry may sit under any VA of the VMID */
        smmu_tlb_inv_vmid(&s->smmu_state, tc->s2.vmid);
    } else if (tc->s1.regime != SMMU_REGIME_EL1) {
        smmu_tlb_inv_el2_all(&s->smmu_state);
    } else {
        smmu_tlb_inv_va(&s->smmu_state, tc->s2.vmid, tc->s1.asid, &r);
    }
}

/*
 * smmu_translate() for @t, and when the TLB answered (a hit), the
 * check of that answer against a walk of the tables as they are now.
 */
bool smmuv3_coh_translate(SMMUv3State *s, const SMMUv3Txn *t,
                          const SMMUTransCfg *tc, IOMMUAccessFlags flag,
                          SMMUTranslation *out, SMMUFault *fault)
{
    SMMUState *bs = &s->smmu_state;
    SMMUv3Coherency *c = &s->coh;
    uint64_t hits = bs->tlb_stats.hits;
    const SMMUWalkStep *leaf;
    SMMUTranslation fresh;
    SMMUFault ff;
    CohReport r = { .t = t };
    bool ok;

    bool hit_ok = smmu_translate(bs, tc, t->addr, flag, out, fault);

    /*
     * A miss walked memory just now: nothing cached to compare.  Of the
     * faults, only a permission fault can come from a hit (nothing that
     * faults is cached, 3.21.1): the cached entry may be stale.
     */
    if (bs->tlb_stats.hits == hits ||
        (!hit_ok && fault->type != SMMU_FAULT_PERMISSION) ||
        !coh_due(c, &c->tlb_tick)) {
        return hit_ok;
    }
    c->tlb_checks++;
    c->probe->n = c->probe->lost = 0;
    bs->probe = c->probe;
    ok = smmu_probe_translate(bs, tc, t->addr, flag, &fresh, &ff);
    bs->probe = NULL;

    leaf = last_step(c->probe, tc->s1_enabled ? 1 : 2, false);
    if (!hit_ok) {
        if (!ok) {
            return false;       /* memory refuses it too */
        }
        /*
         * Permissions raised without TLBI: the SMMU may go on faulting
         * from the cached entry (Arm ARM D8.16.1), which is the driver's
         * bug whenever its device relies on the new permission.
         */
        r.kind = SMMUV3_COH_PERM;
        snprintf(r.what, sizeof(r.what), "the cached entry faults "
                 "(permission, stage %d, level %d), memory now allows %s",
                 fault->stage, fault->level,
                 flag & IOMMU_WO ? "the write" : "the read");
    } else if (!ok) {
        r.kind = SMMUV3_COH_UNMAP;
        snprintf(r.what, sizeof(r.what), "now faults (type %d, stage %d, "
                 "level %d)", ff.type, ff.stage, ff.level);
    } else if (fresh.addr != out->addr) {
        r.kind = SMMUV3_COH_REMAP;
        snprintf(r.what, sizeof(r.what), "output 0x%" PRIx64 " -> 0x%"
                 PRIx64, out->addr, fresh.addr);
    } else if ((out->perm & IOMMU_WO) &&
               (probe_dirtied(c->probe) ||
                (!(fresh.perm & IOMMU_WO) &&
                 (step_clean(last_step(c->probe, 1, false)) ||
                  step_clean(last_step(c->probe, 2, true)))))) {
        /* 3.13.3: cleaning a dirty descriptor needs a TLBI */
        r.kind = SMMUV3_COH_DIRTY;
        snprintf(r.what, sizeof(r.what), "writable-dirty entry, the "
                 "descriptor is writable-clean now");
    } else if (fresh.perm != out->perm) {
        r.kind = SMMUV3_COH_PERM;
        snprintf(r.what, sizeof(r.what), "permissions %d -> %d",
                 out->perm, fresh.perm);
    } else {
        return true;
    }
    if (hit_ok) {
        r.before = out->addr;
        r.has_before = true;
    }
    r.after = fresh.addr;
    r.has_after = ok;
    if (leaf) {
        r.daddr = leaf->addr;
        r.desc = leaf->desc;
        r.has_desc = true;
    }
    missing_tlbi(tc, t, c->probe, r.missing, sizeof(r.missing));
    coh_report(s, &r);
    if (c->mode != SMMUV3_COH_ON) {
        return hit_ok;
    }
    drop_stale(s, tc, t->addr);
    return smmu_translate(bs, tc, t->addr, flag, out, fault);
}

/* ---- Introspection ---- */

SMMUv3CoherencyInfo *smmuv3_coh_info(SMMUv3State *s)
{
    SMMUv3Coherency *c = &s->coh;
    SMMUv3CoherencyInfo *i = g_new0(SMMUv3CoherencyInfo, 1);

    i->mode = g_strdup(mode_name[c->mode]);
    i->period = c->period;
    i->tlb_checks = c->tlb_checks;
    i->config_checks = c->cfg_checks;
    i->skipped = c->skipped;
    i->reports = c->reports;
    i->repeats = c->repeats;
    i->remap = c->kind[SMMUV3_COH_REMAP];
    i->unmap = c->kind[SMMUV3_COH_UNMAP];
    i->permission = c->kind[SMMUV3_COH_PERM];
    i->dirty = c->kind[SMMUV3_COH_DIRTY];
    i->ste = c->kind[SMMUV3_COH_STE];
    i->cd = c->kind[SMMUV3_COH_CD];
    i->ste_torn = c->kind[SMMUV3_COH_STE_TORN];
    i->cd_torn = c->kind[SMMUV3_COH_CD_TORN];
    i->cfgi_checks = c->cfgi_checks;
    return i;
}
