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
#include "qapi/error.h"
#include "system/address-spaces.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define BYPASS_PAGE_MASK 0xfffULL

/*
 * After a failed translation QEMU's memory core carries on through the
 * rest of the access in small chunks, translating each: one DMA request
 * of a device becomes a run of calls at increasing addresses of the same
 * page.  Record its fault once, as the SMMU would for the one request.
 */
static void smmuv3_report(SMMUv3State *s, const SMMUv3Event *ev,
                          uint64_t addr, bool is_write)
{
    bool repeat = s->last_fault.valid && s->last_fault.type == ev->type &&
                  s->last_fault.sid == ev->sid &&
                  s->last_fault.ssid == ev->ssid &&
                  s->last_fault.rnw == !is_write &&
                  addr > s->last_fault.addr &&
                  (addr >> 12) == (s->last_fault.addr >> 12);

    s->last_fault.valid = true;
    s->last_fault.addr = addr;
    s->last_fault.sid = ev->sid;
    s->last_fault.ssid = ev->ssid;
    s->last_fault.type = ev->type;
    s->last_fault.rnw = !is_write;
    if (!repeat) {
        smmuv3_record_event(s, ev);
    }
}

static IOMMUTLBEntry smmuv3_translate(IOMMUMemoryRegion *mr, hwaddr addr,
                                      IOMMUAccessFlags flag, int iommu_idx)
{
    SMMUDevice *sdev = container_of(mr, SMMUDevice, iommu);
    /* container_of, not a QOM cast: this runs for every DMA request */
    SMMUv3State *s = container_of(sdev->smmu, SMMUv3State, smmu_state);
    uint32_t sid = smmu_get_sid(sdev);
    uint32_t ssid = iommu_idx ? iommu_idx : SMMUV3_NO_SSID;
    IOMMUTLBEntry entry = {
        .target_as = &address_space_memory,
        .iova = addr & ~BYPASS_PAGE_MASK,
        .translated_addr = addr & ~BYPASS_PAGE_MASK,
        .addr_mask = BYPASS_PAGE_MASK,
        .perm = IOMMU_NONE,
    };
    SMMUTranslation out;
    SMMUFault fault;
    SMMUv3Config cfg;
    SMMUv3Event ev;

    QEMU_LOCK_GUARD(&s->lock);

    /* 3.2 / 6.3.14: with SMMUEN == 0, GBPA decides, without events */
    if (!FIELD_EX32(s->cr[0], CR0, SMMUEN)) {
        if (!FIELD_EX32(s->gbpa, GBPA, ABORT)) {
            entry.perm = IOMMU_RW;
        }
        trace_smmuv3_xlate_disabled(sid, addr, entry.perm);
        return entry;
    }

    if (!smmuv3_get_config(s, sid, ssid, addr, &cfg, &ev)) {
        if (ev.type) {
            smmuv3_report(s, &ev, addr, flag & IOMMU_WO);
        }
        trace_smmuv3_xlate_abort(sid, addr, ev.type);
        return entry;
    }

    switch (cfg.kind) {
    case SMMUV3_CFG_ABORT:
        trace_smmuv3_xlate_abort(sid, addr, 0);
        return entry;
    case SMMUV3_CFG_BYPASS:
        entry.perm = IOMMU_RW;
        trace_smmuv3_xlate_bypass(sid, addr);
        return entry;
    case SMMUV3_CFG_TRANSLATE:
        break;
    }

    if (!smmu_translate(&s->smmu_state, &cfg.tc, addr, flag, &out, &fault)) {
        fault.input_addr = addr;
        if (smmuv3_fault_to_event(&fault, sid, ssid, &ev)) {
            smmuv3_report(s, &ev, addr, flag & IOMMU_WO);
        }
        trace_smmuv3_xlate_fault(sid, addr, fault.type, fault.stage);
        return entry;
    }

    s->last_fault.valid = false;
    entry.addr_mask = out.addr_mask;
    entry.iova = addr & ~out.addr_mask;
    entry.translated_addr = out.addr & ~out.addr_mask;
    entry.perm = out.perm;
    trace_smmuv3_xlate_ok(sid, ssid == SMMUV3_NO_SSID ? 0 : ssid, addr,
                              out.addr, out.addr_mask, out.perm);
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

void smmuv3_iommu_mr_register_type(void)
{
    type_register_static(&smmuv3_iommu_mr_info);
}
