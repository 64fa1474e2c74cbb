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
 * Reported although no output changed: a writable-dirty entry still
 * used after software made the descriptor writable-clean (3.13.3: the
 * clean state is only observed after a TLBI), which loses dirty state.
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
};

static const char *const mode_name[] = { "off", "on", "strict" };

/* One report, as the three outputs say it */
typedef struct CohReport {
    SMMUv3CohKind kind;
    const SMMUv3Txn *t;
    bool has_after, has_desc;
    uint64_t before, after, daddr, desc;
    char what[96];
    char missing[128];
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
    bool stale = c->mode == SMMUV3_COH_STRICT;
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
    g_string_append_printf(msg, ": %s (at 0x%" PRIx64 "); missing %s "
                           "(then CMD_SYNC)%s", r->what, r->daddr,
                           r->missing,
                           stale ? "; the stale value is used" : "");
    qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: coherency: %s\n", msg->str);
    trace_smmuv3_coherency(kind_name[r->kind], t->sid, t->addr, r->before,
                           r->after, r->missing);
    path = object_get_canonical_path(OBJECT(s));
    qapi_event_send_x_smmuv3_coherency(path, kind_name[r->kind], t->sid,
                                       has_ssid, has_ssid ? t->ssid : 0,
                                       tlb, t->addr, true, r->before,
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

    if (!smmu_translate(bs, tc, t->addr, flag, out, fault)) {
        return false;
    }
    /* A miss walked memory just now: nothing cached to compare */
    if (bs->tlb_stats.hits == hits || !coh_due(c, &c->tlb_tick)) {
        return true;
    }
    c->tlb_checks++;
    c->probe->n = c->probe->lost = 0;
    bs->probe = c->probe;
    ok = smmu_probe_translate(bs, tc, t->addr, flag, &fresh, &ff);
    bs->probe = NULL;

    leaf = last_step(c->probe, tc->s1_enabled ? 1 : 2, false);
    if (!ok) {
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
    r.before = out->addr;
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
        return true;
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
    return i;
}
