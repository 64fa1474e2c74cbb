/*
 * SMMUv3 translation entry point: the IOMMU memory region of each PCI
 * function behind the SMMU, and the IOMMU notifier hooks.
 *
 * Arm IHI 0070 3.2 (global bypass), 3.3 (configuration lookup) and 3.12
 * (fault reporting): a terminated transaction returns IOMMU_NONE and,
 * where the architecture says so, records an event.
 *
 * SubstreamIDs come from MemTxAttrs.pid (8 bits, as the PCI DMA path
 * of QEMU carries PASIDs); pid 0 means "no SubstreamID".
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/lockable.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "system/address-spaces.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define BYPASS_PAGE_MASK 0xfffULL
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
    bool merge = like &&
                 (smmuv3_is_retry(s->last_fault.addr, t->addr) ||
                  (mev && (t->addr >> 12) == (s->last_fault.addr >> 12) &&
                   now - s->last_fault.time_ns < MERGE_WINDOW_NS));

    s->last_fault.valid = true;
    s->last_fault.addr = t->addr;
    s->last_fault.sid = ev->sid;
    s->last_fault.ssid = ev->ssid;
    s->last_fault.type = ev->type;
    s->last_fault.rnw = !t->is_write;
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

static IOMMUTLBEntry smmuv3_translate(IOMMUMemoryRegion *mr, hwaddr addr,
                                      IOMMUAccessFlags flag, int iommu_idx)
{
    SMMUDevice *sdev = container_of(mr, SMMUDevice, iommu);
    /* container_of, not a QOM cast: this runs for every DMA request */
    SMMUv3State *s = container_of(sdev->smmu, SMMUv3State, smmu_state);
    const SMMUv3Txn t = {
        .sid = smmu_get_sid(sdev),
        .ssid = iommu_idx ? iommu_idx : SMMUV3_NO_SSID,
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
    SMMUFault fault;
    SMMUv3Config cfg;

    QEMU_LOCK_GUARD(&s->lock);
    /* smmuv3_report() sets it again when this call faults */
    after_fault = s->last_fault.valid;
    s->last_fault.valid = false;

    /*
     * 3.2 / 6.3.14: with SMMUEN == 0, GBPA decides, without events;
     * 3.4: an input address above the OAS is aborted, still silently.
     */
    if (!FIELD_EX32(s->cr[0], CR0, SMMUEN)) {
        if (!FIELD_EX32(s->gbpa, GBPA, ABORT) &&
            !(addr >> s->feat.oas_bits)) {
            entry.perm = IOMMU_RW;
        }
        trace_smmuv3_xlate_disabled(t.sid, addr, entry.perm);
        return entry;
    }

    if (!smmuv3_cfg_lookup(s, &t, &cfg) &&
        !smmuv3_cfg_miss(s, &t, &cfg, after_fault)) {
        return entry;
    }

    switch (cfg.kind) {
    case SMMUV3_CFG_ABORT:
        trace_smmuv3_xlate_abort(t.sid, addr, 0);
        return entry;
    case SMMUV3_CFG_BYPASS:
        if (addr >> s->feat.oas_bits) {
            smmuv3_bypass_fault(s, &cfg, &t, after_fault);
            return entry;
        }
        entry.perm = IOMMU_RW;
        trace_smmuv3_xlate_bypass(t.sid, addr);
        return entry;
    case SMMUV3_CFG_TRANSLATE:
        break;
    }

    if (!smmu_translate(&s->smmu_state, &cfg.tc, addr, flag, &out, &fault)) {
        smmuv3_engine_fault(s, &t, &fault, cfg.mev, after_fault);
        return entry;
    }

    entry.addr_mask = out.addr_mask;
    entry.iova = addr & ~out.addr_mask;
    entry.translated_addr = out.addr & ~out.addr_mask;
    entry.perm = out.perm;
    trace_smmuv3_xlate_ok(t.sid, t.ssid == SMMUV3_NO_SSID ? 0 : t.ssid,
                          addr, out.addr, out.addr_mask, out.perm);
    return entry;
}

static int smmuv3_attrs_to_index(IOMMUMemoryRegion *mr, MemTxAttrs attrs)
{
    return attrs.unspecified ? 0 : attrs.pid;
}

static int smmuv3_num_indexes(IOMMUMemoryRegion *mr)
{
    return 1 << SMMUV3_SSIDSIZE;
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
            smmu_notify_unmap(n, addr, size - 1);
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
}

static const TypeInfo smmuv3_iommu_mr_info = {
    .class_init = smmuv3_iommu_mr_class_init,
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
    type_register_static(&smmuv3_iommu_mr_info);
}
