/*
 * SMMUv3 translation entry point: the IOMMU memory region of each PCI
 * function behind the SMMU, and the IOMMU notifier hooks.
 *
 * Arm IHI 0070 3.2 (global bypass), 3.3 (configuration lookup) and 3.12
 * (fault reporting): a terminated transaction returns IOMMU_NONE and,
 * where the architecture says so, records an event.
 *
 * SubstreamIDs come from MemTxAttrs.pid (20 bits, widened by our
 * patches/model patch to a whole PCIe PASID); pid 0 means "no
 * SubstreamID".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/atomic.h"
#include "qemu/lockable.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "system/address-spaces.h"
#include "hw/pci/pci_bus.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define BYPASS_PAGE_MASK 0xfffULL
/*
 * IOMMU index bit of a transaction marked Translated (PCIe AT,
 * MemTxAttrs.address_type): above the SubstreamIDs of the lower bits.
 */
#define SMMUV3_IDX_TRANSLATED  (1 << SMMUV3_MAX_SSIDSIZE)
/* ATS completions are in units of the STU, the smallest granule */
#define ATS_STU_MASK           0xfffULL
/* How long after a record a like fault may be merged into it (MEV == 1) */
#define MERGE_WINDOW_NS  (1000 * SCALE_US)

/*
 * Is a fault at @addr QEMU's memory core going on with the request whose
 * fault was the previous translation?  After a refused translation
 * flatview_read/write_continue() hand a piece of at most 4 bytes, and no
 * more than the alignment of the address, to the unassigned region
 * (memory_access_size()) and translate again just after it, to the end
 * of the request; address_space_map() translates a request's start
 * twice.  A request of a device never crosses a 4 KiB page (PCIe), so
 * a piece in another page is another request.
 */
static bool smmuv3_is_retry(uint64_t prev, uint64_t addr)
{
    uint64_t step = addr - prev;
    uint64_t align = prev & -prev;      /* 0: aligned to everything */

    if ((addr >> 12) != (prev >> 12)) {
        return false;
    }
    return step == 0 ||
           ((step == 1 || step == 2 || step == 4) && (!align || step <= align));
}

/*
 * Record @ev for transaction @t, once per device request.
 * @after_fault: the previous translation was a fault, recorded or merged
 * by this function.  IHI 0070 7.3.1: with STE.MEV == 0 no two requests'
 * events are merged; with @mev, like faults in the same page soon after
 * a record merge into it (InputAddr[11:0] do not count, 7.3.12-16).
 */
static void smmuv3_report(SMMUv3State *s, const SMMUv3Txn *t,
                          const SMMUv3Event *ev, bool mev, bool after_fault)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    bool like = after_fault && s->last_fault.type == ev->type &&
                s->last_fault.sid == ev->sid &&
                s->last_fault.ssid == ev->ssid &&
                s->last_fault.rnw == !t->is_write;
    /* 7.3.1: nothing merges into a stall record */
    bool merge = like &&
                 (smmuv3_is_retry(s->last_fault.addr, t->addr) ||
                  (mev && !s->last_fault.stall &&
                   (t->addr >> 12) == (s->last_fault.addr >> 12) &&
                   now - s->last_fault.time_ns < MERGE_WINDOW_NS));

    s->last_fault.valid = true;
    s->last_fault.addr = t->addr;
    s->last_fault.sid = ev->sid;
    s->last_fault.ssid = ev->ssid;
    s->last_fault.type = ev->type;
    s->last_fault.rnw = !t->is_write;
    s->last_fault.stall = false;
    if (!merge) {
        s->last_fault.time_ns = now;
        smmuv3_record_event(s, ev);
    }
}

/* An event about @t: the one place SID, SSV and SubstreamID are set */
static void txn_event(const SMMUv3Txn *t, uint8_t type, SMMUv3Event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    ev->sid = t->sid;
    ev->ssv = t->ssid != SMMUV3_NO_SSID;
    ev->ssid = ev->ssv ? t->ssid : 0;
}

/*
 * The event for engine fault @f of @t (7.3.12-16); false when the
 * configuration asked not to record it (CD.R, STE.S2R).
 */
static bool txn_fault_event(const SMMUv3Txn *t, SMMUFault *f,
                            SMMUv3Event *ev)
{
    f->input_addr = t->addr;
    txn_event(t, 0, ev);
    return smmuv3_fault_to_event(f, ev);
}

/* The event for a configuration fault of @t; false: none to record */
static bool txn_cfg_event(SMMUv3State *s, const SMMUv3Txn *t,
                          SMMUv3CfgFault *cf, SMMUv3Event *ev)
{
    static const uint8_t type_of[] = {
        [SMMUV3_CFG_BAD_STREAMID]    = EVT_C_BAD_STREAMID,
        [SMMUV3_CFG_STE_FETCH]       = EVT_F_STE_FETCH,
        [SMMUV3_CFG_BAD_STE]         = EVT_C_BAD_STE,
        [SMMUV3_CFG_STREAM_DISABLED] = EVT_F_STREAM_DISABLED,
        [SMMUV3_CFG_BAD_SUBSTREAMID] = EVT_C_BAD_SUBSTREAMID,
        [SMMUV3_CFG_CD_FETCH]        = EVT_F_CD_FETCH,
        [SMMUV3_CFG_BAD_CD]          = EVT_C_BAD_CD,
    };

    switch (cf->err) {
    case SMMUV3_CFG_CD_S2_FAULT:
        if (!txn_fault_event(t, &cf->s2, ev)) {
            return false;
        }
        /*
         * A stage-2 fault of the CD fetch: 7.3 wants the incoming
         * transaction's RnW (and InD == 0 for a write, 7.3.13-16).
         */
        ev->rnw = !t->is_write;
        ev->ind = ev->ind && !t->is_write;
        return true;
    case SMMUV3_CFG_BAD_STREAMID:
        /* 6.3.12: an invalid StreamID is recorded only with RECINVSID */
        if (!FIELD_EX32(s->cr[2], CR2, RECINVSID)) {
            return false;
        }
        break;
    case SMMUV3_CFG_STE_FETCH:
    case SMMUV3_CFG_CD_FETCH:
        txn_event(t, type_of[cf->err], ev);
        ev->fetch_addr = cf->fetch_addr;
        return true;
    default:
        break;
    }
    if (cf->err >= ARRAY_SIZE(type_of) || !type_of[cf->err]) {
        return false;
    }
    txn_event(t, type_of[cf->err], ev);
    return true;
}

/*
 * IHI 0070 3.4: a bypassed stage 1 (STE.Config 0b100, or S1DSS 0b01
 * with stage 2 also bypassed) takes the input address as the IPA, and
 * one not below 2^IAS is a stage-1 F_ADDR_SIZE.  IAS == OAS here, as
 * SMMU_IDR0.TTF is AArch64 only.  Record that fault for @t.
 */
static void smmuv3_bypass_fault(SMMUv3State *s, const SMMUv3Config *cfg,
                                const SMMUv3Txn *t, bool after_fault)
{
    SMMUFault f = {
        .type = SMMU_FAULT_ADDR_SIZE,
        .stage = 1,
        .cls = SMMU_CLASS_IN,
        .is_write = t->is_write,
        .ind = cfg->tc.instr && !t->is_write,
        .pnu = cfg->tc.priv,
        .record = true,
    };
    SMMUv3Event ev;

    txn_fault_event(t, &f, &ev);
    smmuv3_report(s, t, &ev, cfg->mev, after_fault);
    trace_smmuv3_xlate_fault(t->sid, t->addr, SMMU_FAULT_ADDR_SIZE, 1);
}

/*
 * A configuration cache miss: fetch and decode, or terminate @t with
 * its event.  Its locals stay off the per-DMA path.
 */
static bool smmuv3_cfg_miss(SMMUv3State *s, const SMMUv3Txn *t,
                            SMMUv3Config *cfg, bool after_fault)
{
    SMMUv3CfgFault cf;
    SMMUv3Event ev;
    bool record;

    if (smmuv3_cfg_fetch(s, t, cfg, &cf)) {
        return true;
    }
    /* Events found before the STE are not merged either (no MEV yet). */
    record = txn_cfg_event(s, t, &cf, &ev);
    if (record) {
        smmuv3_report(s, t, &ev, cfg->mev, after_fault);
    }
    trace_smmuv3_xlate_abort(t->sid, t->addr, record ? ev.type : 0);
    return false;
}

/* The engine refused @t: record its event unless CD.R/STE.S2R say not */
static void smmuv3_engine_fault(SMMUv3State *s, const SMMUv3Txn *t,
                                SMMUFault *fault, bool mev, bool after_fault)
{
    SMMUv3Event ev;

    if (txn_fault_event(t, fault, &ev)) {
        smmuv3_report(s, t, &ev, mev, after_fault);
    }
    trace_smmuv3_xlate_fault(t->sid, t->addr, fault->type, fault->stage);
}

/*
 * IHI 0070 3.12: may engine fault @f of a transaction under @cfg stall?
 * The four Translation-related faults, at a stage set to stall.
 */
static inline bool smmuv3_fault_may_stall(const SMMUv3Config *cfg,
                                          const SMMUFault *f)
{
    return (f->stage == 1 ? cfg->s1_stall : cfg->s2_stall) &&
           (f->type == SMMU_FAULT_TRANSLATION ||
            f->type == SMMU_FAULT_ADDR_SIZE ||
            f->type == SMMU_FAULT_ACCESS ||
            f->type == SMMU_FAULT_PERMISSION);
}

/*
 * Hold @t, whose fault @fault may stall, as a stalled transaction
 * (smmuv3-stall.c); false: terminate it as usual.  The memory core's
 * pieces of a request that just stalled are refused without a new stall
 * (the master retries the whole request).  5.5: a stall is always
 * recorded, CD.R and STE.S2R do not matter.
 */
static bool smmuv3_stall_fault(SMMUv3State *s, SMMUDevice *sdev,
                               const SMMUv3Txn *t, SMMUFault *fault,
                               bool after_fault)
{
    SMMUv3Event ev;

    if (after_fault && s->last_fault.stall &&
        s->last_fault.sid == t->sid && s->last_fault.rnw == !t->is_write &&
        smmuv3_is_retry(s->last_fault.addr, t->addr)) {
        s->last_fault.valid = true;
        s->last_fault.addr = t->addr;
        return true;
    }
    fault->record = true;
    txn_fault_event(t, fault, &ev);
    if (!smmuv3_stall_hold(s, sdev, &ev)) {
        return false;
    }
    s->last_fault.valid = true;
    s->last_fault.stall = true;
    s->last_fault.addr = t->addr;
    s->last_fault.sid = ev.sid;
    s->last_fault.ssid = ev.ssid;
    s->last_fault.type = ev.type;
    s->last_fault.rnw = !t->is_write;
    s->last_fault.time_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    return true;
}

/*
 * An ATS Translated transaction (IHI 0070 3.9.1.3, 5.2 STE.EATS): it
 * carries a PA.  It passes, below 2^OAS, unless SMMUEN is 0, or ATSCHK
 * is 1 and its STE does not allow ATS.  The configuration lookup is
 * made without a SubstreamID (IDR3.PASIDTT is 0) and records no
 * configuration events (no SMMU_CR2.REC_CFG_ATS); F_TRANSL_FORBIDDEN
 * (7.3.8) is recorded where the tables of 3.9.1.3 say.
 */
static IOMMUTLBEntry smmuv3_translated(SMMUv3State *s, const SMMUv3Txn *t,
                                       IOMMUTLBEntry entry, bool after_fault)
{
    SMMUv3CfgFault cf;
    SMMUv3Config cfg;
    SMMUv3Event ev;

    if (!s->feat.ats) {
        /* 5.2 STE.EATS: without ATS no Translated traffic passes */
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: Translated transaction "
                      "from 0x%x, but the SMMU has no ATS\n", t->sid);
        return entry;
    }
    if (FIELD_EX32(s->cr[0], CR0, SMMUEN) &&
        FIELD_EX32(s->cr[0], CR0, ATSCHK)) {
        if (!smmuv3_cfg_lookup(s, t, &cfg) &&
            !smmuv3_cfg_fetch(s, t, &cfg, &cf)) {
            trace_smmuv3_xlate_abort(t->sid, t->addr, 0);
            return entry;
        }
        if (cfg.kind == SMMUV3_CFG_ABORT) {
            trace_smmuv3_xlate_abort(t->sid, t->addr, 0);
            return entry;
        }
    } else if (FIELD_EX32(s->cr[0], CR0, SMMUEN)) {
        cfg.eats = 1;       /* ATSCHK 0: Translated traffic bypasses */
        cfg.mev = false;
    } else {
        cfg.eats = 0;       /* 3.9.1.3: SMMUEN 0 forbids it */
        cfg.mev = false;
    }
    if (!cfg.eats) {
        txn_event(t, EVT_F_TRANSL_FORBIDDEN, &ev);
        ev.rnw = !t->is_write;
        ev.input_addr = t->addr;
        smmuv3_report(s, t, &ev, cfg.mev, after_fault);
        trace_smmuv3_xlate_abort(t->sid, t->addr, ev.type);
        return entry;
    }
    /* 3.9.1.1: bits above the OAS abort the transaction, no event */
    if (!(t->addr >> s->feat.oas_bits)) {
        entry.perm = IOMMU_RW;
    }
    trace_smmuv3_xlate_translated(t->sid, t->addr, entry.perm);
    return entry;
}

/*
 * What a bypass (GBPA, or an STE with Config 0b100) answers: the identity
 * over every input address that passes, [0, 2^OAS) (3.2, 3.4), so that
 * the memory core translates a large transfer once, not page by page.
 * The memory core keeps no IOMMU answer but through notifiers, and every
 * change that ends a bypass (CFGI_*, SMMUEN, GBPA) notifies UNMAP for the
 * device's whole range (smmu_inv_notifiers_sid_range(),
 * smmuv3_notify_unmap_all()).
 */
static IOMMUTLBEntry smmuv3_bypass_entry(SMMUv3State *s)
{
    return (IOMMUTLBEntry) {
        .target_as = &address_space_memory,
        .addr_mask = MAKE_64BIT_MASK(0, s->feat.oas_bits),
        .perm = IOMMU_RW,
    };
}

/*
 * The translate fast path, without the lock: GBPA bypass while SMMUEN is
 * 0, or an STE in bypass found in the current configuration generation
 * (the slow path records it in sdev->bypass_gen; every invalidation
 * bumps s->cfg_gen).  Untagged, Untranslated transactions below the OAS
 * only, and not right after a fault, whose retries the slow path tracks.
 * Registers are read as the slow path reads them: GBPA and CR0 writes
 * take effect at the next transaction (6.3.9, 6.3.14).
 */
static inline bool smmuv3_fast_bypass(SMMUv3State *s, SMMUDevice *sdev,
                                      hwaddr addr, int iommu_idx)
{
    if (addr >> s->feat.oas_bits || qatomic_read(&s->last_fault.valid)) {
        return false;
    }
    if (!FIELD_EX32(qatomic_read(&s->cr[0]), CR0, SMMUEN)) {
        /* 3.2: the SubstreamID does not matter to GBPA */
        if ((iommu_idx & SMMUV3_IDX_TRANSLATED) ||
            FIELD_EX32(qatomic_read(&s->gbpa), GBPA, ABORT)) {
            return false;
        }
        trace_smmuv3_xlate_disabled(smmu_get_sid(sdev), addr, IOMMU_RW);
        return true;
    }
    /* The coherency checker must see configuration-cache uses */
    if (iommu_idx || unlikely(s->coh.mode) ||
        qatomic_read(&sdev->bypass_gen) != qatomic_read(&s->cfg_gen)) {
        return false;
    }
    trace_smmuv3_xlate_bypass(smmu_get_sid(sdev), addr);
    return true;
}

/*
 * The lock-free hit path: each thread keeps a direct-mapped cache of
 * final answers of the slow path, keyed by (device, which names the SMMU
 * and StreamID; IOMMU index, i.e. SubstreamID; 4 KiB input page; access),
 * as TCG keeps a TLB per vCPU.  An entry is used only while both
 * generations it was filled in still hold: SMMUv3State.cfg_gen, bumped
 * by every configuration cache invalidation (CFGI_*, an SMMUEN change,
 * reset, migration load), and SMMUState.tlb_gen, bumped whenever an
 * entry leaves the TLB (any TLBI, eviction, reset).  Both are bumped
 * under the lock by the command itself, so nothing stale is used once
 * the command has run, before its CMD_SYNC completes (IHI 0070 4.3.8,
 * 4.4).  Filled under the lock only with answers that were TLB hits
 * needing nothing on use: no HTTU (3.13), no coherency checking, no
 * fault, a StreamID that cannot change.  So a thread's entries are a
 * subset of the TLB, and its counters and LRU order see each entry's
 * first hit after every generation change.
 */
#define FAST_BITS       8
#define FAST_PAGE_BITS  12

typedef struct SMMUv3FastEntry {
    SMMUDevice *sdev;
    uint64_t page;              /* input address >> FAST_PAGE_BITS */
    uint32_t key;               /* fast_key(): IOMMU index and access */
    uint32_t cfg_gen;           /* SMMUv3State.cfg_gen when filled */
    uint32_t tlb_gen;           /* SMMUState.tlb_gen when filled */
    IOMMUTLBEntry entry;
} SMMUv3FastEntry;

typedef struct SMMUv3FastCache {
    bool ready;                 /* hit_slot assigned */
    unsigned hit_slot;          /* this thread's SMMUState.fast_hits[] */
    SMMUv3FastEntry e[1 << FAST_BITS];
} SMMUv3FastCache;

/*
 * Plain __thread, not QEMU_DEFINE_STATIC_CO_TLS: it is only reached
 * through IOMMUMemoryRegionClass.translate, a call through a pointer
 * that never yields, so no coroutine can carry its address to another
 * thread.
 */
static __thread SMMUv3FastCache fast_cache;

static inline uint32_t fast_key(IOMMUAccessFlags flag, int iommu_idx)
{
    return (uint32_t)iommu_idx << 2 | flag;
}

static inline SMMUv3FastEntry *fast_slot(SMMUDevice *sdev, uint64_t page,
                                         int iommu_idx)
{
    uintptr_t h = page ^ (page >> FAST_BITS) ^ ((uintptr_t)sdev >> 6) ^
                  ((uintptr_t)iommu_idx << 3);

    return &fast_cache.e[h & ((1 << FAST_BITS) - 1)];
}

static inline const IOMMUTLBEntry *
smmuv3_fast_hit(SMMUv3State *s, SMMUDevice *sdev, hwaddr addr,
                IOMMUAccessFlags flag, int iommu_idx)
{
    uint64_t page = addr >> FAST_PAGE_BITS;
    SMMUv3FastEntry *e = fast_slot(sdev, page, iommu_idx);

    /* last_fault: the slow path must see a faulting request's retries */
    if (e->sdev != sdev || e->page != page ||
        e->key != fast_key(flag, iommu_idx) ||
        e->cfg_gen != qatomic_read(&s->cfg_gen) ||
        e->tlb_gen != qatomic_read(&s->smmu_state.tlb_gen) ||
        qatomic_read(&s->last_fault.valid)) {
        return NULL;
    }
    smmu_count_fast_hit(&s->smmu_state, fast_cache.hit_slot);
    trace_smmuv3_xlate_ok(sdev->sid, iommu_idx, addr,
                          e->entry.translated_addr |
                          (addr & e->entry.addr_mask),
                          e->entry.addr_mask, e->entry.perm);
    return &e->entry;
}

/* Under the lock: keep @entry, the answer of a TLB hit, for this thread */
static void smmuv3_fast_fill(SMMUv3State *s, SMMUDevice *sdev, hwaddr addr,
                             IOMMUAccessFlags flag, int iommu_idx,
                             const IOMMUTLBEntry *entry)
{
    uint64_t page = addr >> FAST_PAGE_BITS;
    SMMUv3FastEntry *e = fast_slot(sdev, page, iommu_idx);

    if (!fast_cache.ready) {
        fast_cache.hit_slot = smmu_fast_hit_slot_new();
        fast_cache.ready = true;
    }
    e->sdev = sdev;
    e->page = page;
    e->key = fast_key(flag, iommu_idx);
    e->cfg_gen = s->cfg_gen;
    e->tlb_gen = s->smmu_state.tlb_gen;
    e->entry = *entry;
}

/* Everything but the fast paths, under the lock */
static __attribute__((noinline)) IOMMUTLBEntry
smmuv3_translate_locked(SMMUv3State *s, SMMUDevice *sdev, hwaddr addr,
                        IOMMUAccessFlags flag, int iommu_idx)
{
    int ssid = iommu_idx & ~SMMUV3_IDX_TRANSLATED;
    const SMMUv3Txn t = {
        .sid = smmu_get_sid(sdev),
        .ssid = ssid && !(iommu_idx & SMMUV3_IDX_TRANSLATED) ? ssid :
                                                             SMMUV3_NO_SSID,
        .addr = addr,
        .is_write = flag & IOMMU_WO,
    };
    IOMMUTLBEntry entry = {
        .target_as = &address_space_memory,
        .iova = addr & ~BYPASS_PAGE_MASK,
        .translated_addr = addr & ~BYPASS_PAGE_MASK,
        .addr_mask = BYPASS_PAGE_MASK,
        .perm = IOMMU_NONE,
    };
    bool after_fault;
    SMMUTranslation out;
    /* Written before use: not zeroed on every hit (auto-var-init) */
    QEMU_UNINITIALIZED SMMUFault fault;
    const SMMUv3Config *cfg;
    QEMU_UNINITIALIZED SMMUv3Config fetched;
    uint64_t misses;

    QEMU_LOCK_GUARD(&s->lock);
    /* smmuv3_report() sets it again when this call faults */
    after_fault = s->last_fault.valid;
    s->last_fault.valid = false;

    if (iommu_idx & SMMUV3_IDX_TRANSLATED) {
        return smmuv3_translated(s, &t, entry, after_fault);
    }
    /*
     * 3.2 / 6.3.14: with SMMUEN == 0, GBPA decides, without events;
     * 3.4: an input address above the OAS is aborted, still silently.
     */
    if (!FIELD_EX32(s->cr[0], CR0, SMMUEN)) {
        if (!FIELD_EX32(s->gbpa, GBPA, ABORT) &&
            !(addr >> s->feat.oas_bits)) {
            entry = smmuv3_bypass_entry(s);
        }
        trace_smmuv3_xlate_disabled(t.sid, addr, entry.perm);
        return entry;
    }

    /*
     * The cached configuration itself, not a copy: nothing below runs a
     * command or an invalidation (walks read RAM only, events are
     * recorded after the last use of cfg).  check-coherency=on fetches a
     * stale one again.
     */
    cfg = smmuv3_cfg_find(s, &t);
    if (!cfg || (unlikely(s->coh.mode) && smmuv3_coh_cfg_hit(s, &t, cfg))) {
        if (!smmuv3_cfg_miss(s, &t, &fetched, after_fault)) {
            return entry;
        }
        cfg = &fetched;
    }

    switch (cfg->kind) {
    case SMMUV3_CFG_ABORT:
        trace_smmuv3_xlate_abort(t.sid, addr, 0);
        return entry;
    case SMMUV3_CFG_BYPASS:
        if (addr >> s->feat.oas_bits) {
            smmuv3_bypass_fault(s, cfg, &t, after_fault);
            return entry;
        }
        /* Valid until the next invalidation bumps cfg_gen */
        if (!iommu_idx && sdev->sid_fixed) {
            qatomic_set(&sdev->bypass_gen, s->cfg_gen);
        }
        trace_smmuv3_xlate_bypass(t.sid, addr);
        return smmuv3_bypass_entry(s);
    case SMMUV3_CFG_TRANSLATE:
        break;
    }

    /* A TLB hit leaves the miss count alone (the walk of a miss counts) */
    misses = s->smmu_state.tlb_stats.misses;
    /* check-coherency: the hits are checked (smmuv3-coherency.c) */
    if (unlikely(s->coh.mode) ?
        !smmuv3_coh_translate(s, &t, &cfg->tc, flag, &out, &fault) :
        !smmu_translate(&s->smmu_state, &cfg->tc, addr, flag, &out, &fault)) {
        if (unlikely(smmuv3_fault_may_stall(cfg, &fault)) &&
            smmuv3_stall_fault(s, sdev, &t, &fault, after_fault)) {
            return entry;
        }
        smmuv3_engine_fault(s, &t, &fault, cfg->mev, after_fault);
        return entry;
    }

    entry.addr_mask = out.addr_mask;
    entry.iova = addr & ~out.addr_mask;
    entry.translated_addr = out.addr & ~out.addr_mask;
    entry.perm = out.perm;
    /* HTTU may have a descriptor to update on a later use (3.13) */
    if (misses == s->smmu_state.tlb_stats.misses && sdev->sid_fixed &&
        !s->coh.mode && !cfg->tc.s1.ha && !cfg->tc.s2.ha) {
        smmuv3_fast_fill(s, sdev, addr, flag, iommu_idx, &entry);
    }
    trace_smmuv3_xlate_ok(t.sid, t.ssid == SMMUV3_NO_SSID ? 0 : t.ssid,
                          addr, out.addr, out.addr_mask, out.perm);
    return entry;
}

/*
 * IOMMUMemoryRegionClass.translate: the fast paths here (bypass, then a
 * hit of this thread's cache), in a small frame without the lock; the
 * rest in smmuv3_translate_locked().
 */
static IOMMUTLBEntry smmuv3_translate(IOMMUMemoryRegion *mr, hwaddr addr,
                                      IOMMUAccessFlags flag, int iommu_idx)
{
    SMMUDevice *sdev = container_of(mr, SMMUDevice, iommu);
    /* container_of, not a QOM cast: this runs for every DMA request */
    SMMUv3State *s = container_of(sdev->smmu, SMMUv3State, smmu_state);

    const IOMMUTLBEntry *hit;

    if (smmuv3_fast_bypass(s, sdev, addr, iommu_idx)) {
        return smmuv3_bypass_entry(s);
    }
    hit = smmuv3_fast_hit(s, sdev, addr, flag, iommu_idx);
    if (hit) {
        return *hit;
    }
    return smmuv3_translate_locked(s, sdev, addr, flag, iommu_idx);
}

static int smmuv3_attrs_to_index(IOMMUMemoryRegion *mr, MemTxAttrs attrs)
{
    if (attrs.unspecified) {
        return 0;
    }
    /* IHI 0070 3.9.1.3: Translated traffic carries no SubstreamID here */
    if (attrs.address_type == PCI_AT_TRANSLATED) {
        return SMMUV3_IDX_TRANSLATED;
    }
    return attrs.pid;
}

static int smmuv3_num_indexes(IOMMUMemoryRegion *mr)
{
    return SMMUV3_IDX_TRANSLATED << 1;
}

/*
 * No MAP notifiers: the architecture lets software add mappings without
 * any invalidation, so MAP events could never be generated.  UNMAP and
 * DEVIOTLB_UNMAP notifiers both get every invalidation.
 */
static int smmuv3_notify_flag_changed(IOMMUMemoryRegion *mr,
                                      IOMMUNotifierFlag old,
                                      IOMMUNotifierFlag new, Error **errp)
{
    SMMUDevice *sdev = container_of(mr, SMMUDevice, iommu);

    if (new & IOMMU_NOTIFIER_MAP) {
        error_setg(errp, "arm-smmuv3 cannot send MAP notifications "
                   "(device %02x:%02x.%x)", pci_bus_num(sdev->bus),
                   PCI_SLOT(sdev->devfn), PCI_FUNC(sdev->devfn));
        return -EINVAL;
    }
    smmu_sdev_set_notifiers(sdev, new != IOMMU_NOTIFIER_NONE);
    return 0;
}

/* Nothing is mapped ahead of use: replaying means dropping stale state. */
static void smmuv3_replay(IOMMUMemoryRegion *mr, IOMMUNotifier *n)
{
    smmu_notify_unmap(n, n->start, n->end - n->start);
}

void smmuv3_notify_unmap_all(SMMUv3State *s)
{
    smmu_inv_notifiers_all(&s->smmu_state);
}

void smmuv3_notify_unmap_range(SMMUv3State *s, uint64_t addr, uint64_t size)
{
    SMMUDevice *sdev;

    trace_smmuv3_notify_unmap(addr, size);
    QLIST_FOREACH(sdev, &s->smmu_state.devices_with_notifiers,
                  notifier_next) {
        IOMMUNotifier *n;

        /* memory_region_notify_iommu_one() crops to each range. */
        IOMMU_NOTIFIER_FOREACH(n, &sdev->iommu) {
            if (!smmu_notifier_is_atc(sdev, n)) {
                smmu_notify_unmap(n, addr, size - 1);
            }
        }
    }
}

/*
 * F_BAD_ATS_TREQ (IHI 0070 7.3.6) for a Translation Request of @t
 * spanning @len bytes.  Our copy of the spec lacks the record's figure:
 * InputAddr[63:12] and Span are laid out as in E_PAGE_REQUEST (7.3.19);
 * the requested R/W/X/PRIV bits are not recorded.
 */
static void smmuv3_bad_ats_treq(SMMUv3State *s, const SMMUv3Txn *t,
                                uint64_t len)
{
    SMMUv3Event ev;

    txn_event(t, EVT_F_BAD_ATS_TREQ, &ev);
    ev.input_addr = t->addr;
    ev.span = MIN(DIV_ROUND_UP(len, ATS_STU_MASK + 1), 0xfff);
    smmuv3_record_event(s, &ev);
}

/*
 * One STU-aligned page of an ATS Translation Request, @want (IOMMU_RO or
 * IOMMU_RW) at @addr under @cfg (IHI 0070 3.9.1.2, 13.7): the
 * translation with what of @want it grants, or for a translation,
 * address size or access fault one STU granting nothing.  False: an
 * external abort of the walk, which makes the request a CA.  No fault
 * is recorded: the endpoint is told instead.
 */
static bool smmuv3_ats_page(SMMUv3State *s, const SMMUv3Txn *t0,
                            const SMMUv3Config *cfg, uint64_t addr,
                            IOMMUAccessFlags want, IOMMUTLBEntry *e)
{
    SMMUv3Txn t = { .sid = t0->sid, .ssid = t0->ssid, .addr = addr,
                    .is_write = want & IOMMU_WO };
    SMMUTranslation out;
    SMMUFault f;

    e->iova = addr & ~ATS_STU_MASK;
    e->addr_mask = ATS_STU_MASK;
    e->translated_addr = 0;
    e->perm = IOMMU_NONE;
    if (cfg->kind == SMMUV3_CFG_BYPASS) {
        /* 3.9.1.2: stage 1 skipped on a stage-1-only STE: identity */
        if (!(addr >> s->feat.oas_bits)) {
            e->translated_addr = e->iova;
            e->perm = IOMMU_RW;
        }
        return true;
    }
    /* check-coherency: a TLB hit serving the request is checked too */
    if (unlikely(s->coh.mode) ?
        !smmuv3_coh_translate(s, &t, &cfg->tc, want, &out, &f) :
        !smmu_translate(&s->smmu_state, &cfg->tc, addr, want, &out, &f)) {
        if (f.type == SMMU_FAULT_WALK_EABT) {
            return false;
        }
        /* 13.7: a write refused, the read may still be granted */
        if (f.type != SMMU_FAULT_PERMISSION || want != IOMMU_RW ||
            !smmu_translate(&s->smmu_state, &cfg->tc, addr, IOMMU_RO,
                            &out, &f)) {
            return f.type != SMMU_FAULT_WALK_EABT;
        }
    }
    e->addr_mask = out.addr_mask;
    e->iova = addr & ~out.addr_mask;
    e->translated_addr = out.addr & ~out.addr_mask;
    e->perm = out.perm & want;
    return true;
}

/*
 * SMMUBaseClass.ats_request: an ATS Translation Request (IHI 0070
 * 3.9.1.2).  UR, with F_BAD_ATS_TREQ, when SMMUEN is 0 or the STE's
 * effective EATS is 0b00 (Config bypass included); UR without an event
 * for Config abort; CA without an event for a configuration error (no
 * SMMU_CR2.REC_CFG_ATS) or a walk's external abort.  Otherwise one entry
 * per translation covering [addr, addr + length): the stage 1, stage 2
 * or nested result (Full ATS: all enabled stages), never Global.
 */
ssize_t smmuv3_ats_request(SMMUState *bs, SMMUDevice *sdev, uint32_t pasid,
                           bool priv_req, bool exec_req, hwaddr addr,
                           size_t length, bool no_write,
                           IOMMUTLBEntry *result, size_t result_length,
                           uint32_t *err_count)
{
    SMMUv3State *s = container_of(bs, SMMUv3State, smmu_state);
    IOMMUAccessFlags want = no_write ? IOMMU_RO : IOMMU_RW;
    SMMUv3Txn t = {
        .sid = smmu_get_sid(sdev),
        .ssid = pasid == PCI_NO_PASID ? SMMUV3_NO_SSID : pasid,
        .addr = addr,
        .is_write = !no_write,
    };
    uint64_t last = addr + MAX(length, 1) - 1;
    SMMUv3CfgFault cf;
    SMMUv3Config cfg;
    size_t n = 0;

    QEMU_LOCK_GUARD(&s->lock);
    *err_count = 0;
    if (!FIELD_EX32(s->cr[0], CR0, SMMUEN)) {
        smmuv3_bad_ats_treq(s, &t, last - addr + 1);
        trace_smmuv3_ats_request(t.sid, addr, want, SMMU_ATS_UR);
        return SMMU_ATS_UR;
    }
    if (!smmuv3_cfg_lookup(s, &t, &cfg) &&
        !smmuv3_cfg_fetch(s, &t, &cfg, &cf)) {
        /* 3.9.1.2: a stage-2 fault of the CD fetch grants nothing */
        if (cf.err != SMMUV3_CFG_CD_S2_FAULT ||
            cf.s2.type == SMMU_FAULT_WALK_EABT) {
            trace_smmuv3_ats_request(t.sid, addr, want, SMMU_ATS_CA);
            return SMMU_ATS_CA;
        }
        result[0] = (IOMMUTLBEntry) {
            .target_as = &address_space_memory,
            .iova = addr & ~ATS_STU_MASK,
            .addr_mask = ATS_STU_MASK,
            .perm = IOMMU_NONE,
            .pasid = pasid,
        };
        *err_count = 1;
        return 1;
    }
    if (cfg.kind == SMMUV3_CFG_ABORT) {
        trace_smmuv3_ats_request(t.sid, addr, want, SMMU_ATS_UR);
        return SMMU_ATS_UR;
    }
    if (!cfg.eats) {
        smmuv3_bad_ats_treq(s, &t, last - addr + 1);
        trace_smmuv3_ats_request(t.sid, addr, want, SMMU_ATS_UR);
        return SMMU_ATS_UR;
    }
    while (n < result_length) {
        IOMMUTLBEntry *e = &result[n++];

        e->target_as = &address_space_memory;
        e->pasid = pasid;
        if (!smmuv3_ats_page(s, &t, &cfg, addr, want, e)) {
            trace_smmuv3_ats_request(t.sid, addr, want, SMMU_ATS_CA);
            return SMMU_ATS_CA;
        }
        trace_smmuv3_ats_xlate(t.sid, addr, e->translated_addr,
                               e->addr_mask, e->perm);
        if (e->perm != want) {
            (*err_count)++;
        }
        if (e->iova + e->addr_mask >= last) {
            return n;
        }
        addr = e->iova + e->addr_mask + 1;
    }
    return -ENOMEM;
}

/*
 * CMD_ATC_INV (IHI 0070 4.5.1): an ATS Invalidate Request to the
 * function @sid for [addr, addr + span), with @pasid or PCI_NO_PASID.
 * It reaches the function's ATC notifiers (DEVIOTLB_UNMAP) before this
 * returns, so a later CMD_SYNC completes after the invalidation did.
 */
void smmuv3_atc_inv(SMMUv3State *s, uint32_t sid, uint32_t pasid,
                    uint64_t addr, uint64_t span)
{
    SMMUDevice *sdev;

    trace_smmuv3_atc_inv(sid, pasid, addr, span);
    QLIST_FOREACH(sdev, &s->smmu_state.devices_with_notifiers,
                  notifier_next) {
        IOMMUNotifier *n;
        IOMMUTLBEvent event = {
            .type = IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
            .entry = {
                .target_as = &address_space_memory,
                .iova = addr,
                .addr_mask = span - 1,
                .perm = IOMMU_NONE,
                .pasid = pasid,
            },
        };

        if (smmu_get_sid(sdev) != sid) {
            continue;
        }
        IOMMU_NOTIFIER_FOREACH(n, &sdev->iommu) {
            memory_region_notify_iommu_one(n, &event);
        }
    }
}

static void smmuv3_iommu_mr_class_init(ObjectClass *klass, const void *data)
{
    IOMMUMemoryRegionClass *mrc = IOMMU_MEMORY_REGION_CLASS(klass);

    /* SubstreamID as the IOMMU index */
    mrc->num_indexes = smmuv3_num_indexes;
    mrc->attrs_to_index = smmuv3_attrs_to_index;
    /* notifiers: UNMAP and DEVIOTLB_UNMAP */
    mrc->replay = smmuv3_replay;
    mrc->notify_flag_changed = smmuv3_notify_flag_changed;
    mrc->translate = smmuv3_translate;
    smmuv3_stall_class_init(klass);
}

static const TypeInfo smmuv3_iommu_mr_info = {
    .class_init = smmuv3_iommu_mr_class_init,
    /* the Stall model's masters (smmuv3-stall.c) */
    .interfaces = (const InterfaceInfo[]) {
        { TYPE_IOMMU_STALL },
        { }
    },
    .name = TYPE_SMMUV3_IOMMU_MEMORY_REGION,
    .parent = TYPE_IOMMU_MEMORY_REGION,
};

/*
 * For the translate probe (smmuv3-introspect.c): the event of @t's
 * configuration fault @cf or engine fault @f, as built for a DMA; false
 * when none would be recorded.
 */
bool smmuv3_txn_cfg_event(SMMUv3State *s, const SMMUv3Txn *t,
                          SMMUv3CfgFault *cf, SMMUv3Event *ev)
{
    return txn_cfg_event(s, t, cf, ev);
}

bool smmuv3_txn_fault_event(const SMMUv3Txn *t, SMMUFault *f,
                            SMMUv3Event *ev)
{
    return txn_fault_event(t, f, ev);
}

void smmuv3_iommu_mr_register_type(void)
{
    smmuv3_stall_register_type();
    type_register_static(&smmuv3_iommu_mr_info);
}
