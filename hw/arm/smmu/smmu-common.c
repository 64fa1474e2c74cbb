/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * TYPE_ARM_SMMU, the abstract base of SMMU device models: hooks the
 * primary PCI bus, gives every PCI function its own IOMMU memory region
 * and address space (an SMMUDevice), finds them again by StreamID, and
 * owns the translation engine's TLB.
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/rcu.h"
#include "qemu/atomic.h"
#include "qemu/memalign.h"
#include "qom/object.h"
#include "qapi/visitor.h"
#include "hw/pci/pci_bridge.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pci_host.h"
#include "hw/qdev-properties.h"
#include "system/address-spaces.h"
#include "system/dma.h"
#include "smmu-internal.h"
#include "trace.h"

static SMMUBusDevs *bus_devs_get(SMMUState *s, PCIBus *bus)
{
    SMMUBusDevs *bd = g_hash_table_lookup(s->buses, bus);

    if (!bd) {
        bd = g_new0(SMMUBusDevs, 1);
        bd->bus = bus;
        g_hash_table_insert(s->buses, bus, bd);
    }
    return bd;
}

/* The SMMUDevice of (bus, devfn), made on first use */
static SMMUDevice *smmu_sdev_get(SMMUState *s, PCIBus *bus, int devfn)
{
    SMMUBaseClass *sbc = ARM_SMMU_GET_CLASS(s);
    SMMUBusDevs *bd = bus_devs_get(s, bus);
    SMMUDevice *sdev = bd->by_devfn[devfn & 0xff];
    g_autofree char *name = NULL;

    if (sdev) {
        return sdev;
    }
    sdev = g_new0(SMMUDevice, 1);
    sdev->smmu = s;
    sdev->bus = bus;
    sdev->devfn = devfn;
    /* A root bus's number is fixed before devices are put on it */
    if (pci_bus_is_root(bus)) {
        sdev->sid = pci_bus_num(bus) << 8 | devfn;
        sdev->sid_fixed = true;
    }
    name = g_strdup_printf("%s-%s-%02x.%x", sbc->iommu_mr_type,
                           bus->qbus.name, PCI_SLOT(devfn), PCI_FUNC(devfn));
    memory_region_init_iommu(&sdev->iommu, sizeof(sdev->iommu),
                             sbc->iommu_mr_type, OBJECT(s), name,
                             UINT64_MAX);
    address_space_init(&sdev->as, MEMORY_REGION(&sdev->iommu), name);
    bd->by_devfn[devfn & 0xff] = sdev;
    trace_smmu_add_device(name);
    return sdev;
}

/* PCIIOMMUOps.get_address_space: one SMMUDevice per (bus, devfn) */
static AddressSpace *smmu_device_as(PCIBus *bus, void *opaque, int devfn)
{
    return &smmu_sdev_get(opaque, bus, devfn)->as;
}

/*
 * PCIe ATS through the base's PCIIOMMUOps (pci_ats_request_translation()
 * and the pci_iommu_*_iotlb_notifier() helpers): the subclass answers
 * translation requests; an endpoint's ATC is a DEVIOTLB_UNMAP notifier
 * on the function's IOMMU region, which the subclass's ATC invalidation
 * command reaches.
 */
static ssize_t smmu_ats_request_translation(PCIBus *bus, void *opaque,
                                            int devfn, uint32_t pasid,
                                            bool priv_req, bool exec_req,
                                            hwaddr addr, size_t length,
                                            bool no_write,
                                            IOMMUTLBEntry *result,
                                            size_t result_length,
                                            uint32_t *err_count)
{
    SMMUState *s = opaque;
    SMMUBaseClass *sbc = ARM_SMMU_GET_CLASS(s);

    *err_count = 0;
    if (!s->ats_addr_width || !sbc->ats_request) {
        return -ENODEV;
    }
    return sbc->ats_request(s, smmu_sdev_get(s, bus, devfn), pasid,
                            priv_req, exec_req, addr, length, no_write,
                            result, result_length, err_count);
}

/* The STU is the smallest granule (IHI 0070 3.9.1): 4 KiB here */
static void smmu_get_iotlb_info(void *opaque, uint8_t *addr_width,
                                uint32_t *min_page_size)
{
    SMMUState *s = opaque;

    *addr_width = s->ats_addr_width;
    *min_page_size = 4096;
}

static void smmu_init_iotlb_notifier(PCIBus *bus, void *opaque, int devfn,
                                     IOMMUNotifier *n, IOMMUNotify fn,
                                     void *user_opaque)
{
    iommu_notifier_init(n, fn, IOMMU_NOTIFIER_DEVIOTLB_UNMAP, 0, HWADDR_MAX,
                        0);
    n->opaque = user_opaque;
}

/*
 * Notifiers are per function: every PASID's ATC entries hear about
 * every invalidation, which carries its PASID in IOMMUTLBEntry.pasid.
 */
static void smmu_register_iotlb_notifier(PCIBus *bus, void *opaque,
                                         int devfn, uint32_t pasid,
                                         IOMMUNotifier *n)
{
    SMMUDevice *sdev = smmu_sdev_get(opaque, bus, devfn);

    memory_region_register_iommu_notifier(MEMORY_REGION(&sdev->iommu), n,
                                          &error_fatal);
}

static void smmu_unregister_iotlb_notifier(PCIBus *bus, void *opaque,
                                           int devfn, uint32_t pasid,
                                           IOMMUNotifier *n)
{
    SMMUDevice *sdev = smmu_sdev_get(opaque, bus, devfn);

    memory_region_unregister_iommu_notifier(MEMORY_REGION(&sdev->iommu), n);
}

/*
 * PCIe PRI through the base's PCIIOMMUOps (pci_pri_request_page() and
 * pci_pri_[un]register_notifier()): the subclass queues Page Requests
 * and sends PRG Responses to the notifiers.
 */
static int smmu_pri_request_page(PCIBus *bus, void *opaque, int devfn,
                                 uint32_t pasid, bool priv_req,
                                 bool exec_req, hwaddr addr, bool lpig,
                                 uint16_t prgi, bool is_read, bool is_write)
{
    SMMUState *s = opaque;
    SMMUBaseClass *sbc = ARM_SMMU_GET_CLASS(s);

    if (!sbc->pri_request) {
        return -ENODEV;
    }
    return sbc->pri_request(s, smmu_sdev_get(s, bus, devfn), pasid,
                            priv_req, exec_req, addr, lpig, prgi, is_read,
                            is_write);
}

static void smmu_pri_register_notifier(PCIBus *bus, void *opaque, int devfn,
                                       uint32_t pasid, IOMMUPRINotifier *n)
{
    SMMUState *s = opaque;
    SMMUBaseClass *sbc = ARM_SMMU_GET_CLASS(s);

    if (sbc->pri_set_notifier) {
        sbc->pri_set_notifier(s, smmu_sdev_get(s, bus, devfn), pasid, n);
    }
}

static void smmu_pri_unregister_notifier(PCIBus *bus, void *opaque,
                                         int devfn, uint32_t pasid)
{
    smmu_pri_register_notifier(bus, opaque, devfn, pasid, NULL);
}

static const PCIIOMMUOps smmu_pci_iommu_ops = {
    .get_address_space = smmu_device_as,
    .get_iotlb_info = smmu_get_iotlb_info,
    .init_iotlb_notifier = smmu_init_iotlb_notifier,
    .register_iotlb_notifier = smmu_register_iotlb_notifier,
    .unregister_iotlb_notifier = smmu_unregister_iotlb_notifier,
    .ats_request_translation = smmu_ats_request_translation,
    .pri_register_notifier = smmu_pri_register_notifier,
    .pri_unregister_notifier = smmu_pri_unregister_notifier,
    .pri_request_page = smmu_pri_request_page,
};

/*
 * IHI 0070 3.9.1: an endpoint's ATC is invalidated by ATS Invalidate
 * requests (CMD_ATC_INV) only, never by the SMMU's TLB or configuration
 * invalidations.  A DEVIOTLB_UNMAP-only notifier of a function that has
 * ATS enabled, behind an SMMU with ATS, is such an ATC.  Otherwise (vhost
 * keeping a device IOTLB while the guest did not enable ATS) it is a copy
 * of the SMMU's own translations and follows the SMMU's invalidations.
 */
bool smmu_notifier_is_atc(SMMUDevice *sdev, IOMMUNotifier *n)
{
    PCIDevice *pdev = sdev->bus->devices[sdev->devfn];

    return sdev->smmu->ats_addr_width &&
           !(n->notifier_flags & IOMMU_NOTIFIER_UNMAP) &&
           pdev && pcie_ats_enabled(pdev);
}

void smmu_sdev_set_notifiers(SMMUDevice *sdev, bool on)
{
    if (on == sdev->has_notifiers) {
        return;
    }
    sdev->has_notifiers = on;
    if (on) {
        QLIST_INSERT_HEAD(&sdev->smmu->devices_with_notifiers, sdev,
                          notifier_next);
    } else {
        QLIST_REMOVE(sdev, notifier_next);
    }
}

/*
 * memory_region_notify_iommu_one() delivers only events whose type the
 * notifier asked for: a notifier registered for DEVIOTLB_UNMAP alone
 * (vhost with ATS) gets that type, every other one UNMAP.
 */
void smmu_notify_unmap(IOMMUNotifier *n, hwaddr iova, hwaddr addr_mask)
{
    IOMMUTLBEvent event = {
        .type = n->notifier_flags & IOMMU_NOTIFIER_UNMAP ?
                IOMMU_NOTIFIER_UNMAP : IOMMU_NOTIFIER_DEVIOTLB_UNMAP,
        .entry = {
            .target_as = &address_space_memory,
            .iova = iova,
            .addr_mask = addr_mask,
            .perm = IOMMU_NONE,
        },
    };

    memory_region_notify_iommu_one(n, &event);
}

static void smmu_sdev_unmap_all(SMMUDevice *sdev)
{
    IOMMUNotifier *n;

    IOMMU_NOTIFIER_FOREACH(n, &sdev->iommu) {
        if (!smmu_notifier_is_atc(sdev, n)) {
            smmu_notify_unmap(n, n->start, n->end - n->start);
        }
    }
}

void smmu_inv_notifiers_all(SMMUState *s)
{
    SMMUDevice *sdev;

    QLIST_FOREACH(sdev, &s->devices_with_notifiers, notifier_next) {
        smmu_sdev_unmap_all(sdev);
    }
}

void smmu_inv_notifiers_sid_range(SMMUState *s, uint32_t first,
                                  uint32_t last)
{
    SMMUDevice *sdev;

    QLIST_FOREACH(sdev, &s->devices_with_notifiers, notifier_next) {
        uint32_t sid = smmu_get_sid(sdev);

        if (sid >= first && sid <= last) {
            smmu_sdev_unmap_all(sdev);
        }
    }
}

/*
 * MemTxAttrs.memory makes the memory core refuse non-RAM regions inside
 * its dispatch, before any device callback and before it would take the
 * BQL.  Callers may hold the device's lock outside the BQL (an iothread
 * translating), and the lock order is BQL first, so a structure placed
 * on device registers must fail here rather than reach them.
 */
MemTxResult smmu_ram_rw(hwaddr addr, void *buf, hwaddr len, bool is_write)
{
    MemTxAttrs attrs = { .memory = 1 };
    hwaddr at = addr, left = len;

    RCU_READ_LOCK_GUARD();
    /*
     * A RAM device region (host MMIO mapped into the guest, e.g. a VFIO
     * BAR) passes that check but is dispatched as MMIO, under the BQL.
     */
    while (left) {
        hwaddr xlat, l = left;
        MemoryRegion *mr = address_space_translate(&address_space_memory,
                                                   at, &xlat, &l, is_write,
                                                   attrs);

        if (!l || !memory_access_is_direct(mr, is_write, attrs)) {
            return MEMTX_ACCESS_ERROR;
        }
        at += l;
        left -= l;
    }
    return dma_memory_rw(&address_space_memory, addr, buf, len,
                         is_write ? DMA_DIRECTION_FROM_DEVICE
                                  : DMA_DIRECTION_TO_DEVICE, attrs);
}

MemTxResult smmu_ram_read_desc(void *opaque, uint64_t pa, uint64_t *desc)
{
    uint64_t raw = 0;
    MemTxResult res = smmu_ram_rw(pa, &raw, sizeof(raw), false);

    *desc = le64_to_cpu(raw);
    return res;
}

/*
 * HTTU's atomic update (IHI 0070 3.13: agents update the flags
 * atomically).  Guest RAM is host memory that vCPU threads (TCG or KVM)
 * and other devices write concurrently, so the swap is a host
 * compare-and-swap on the RAM's host pointer, not a read and a write
 * through the memory API.  The region is checked as smmu_ram_rw() does
 * (RAM written directly, not ROM, not a RAM device), and the pointer is
 * taken with address_space_map() so that unmapping marks the page dirty
 * (migration, TCG's code tracking) when the swap happened.
 */
MemTxResult smmu_ram_cas_desc(void *opaque, uint64_t pa, uint64_t old,
                              uint64_t new, uint64_t *cur)
{
    MemTxAttrs attrs = { .memory = 1 };
    hwaddr xlat, l = sizeof(uint64_t), len = sizeof(uint64_t);
    MemoryRegion *mr;
    uint64_t *host, found;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(&address_space_memory, pa, &xlat, &l,
                                 true, attrs);
    if (l < sizeof(uint64_t) || (pa & 7) ||
        !memory_access_is_direct(mr, true, attrs)) {
        return MEMTX_ACCESS_ERROR;
    }
    host = address_space_map(&address_space_memory, pa, &len, true, attrs);
    if (!host) {
        return MEMTX_ACCESS_ERROR;
    }
    /* Not a bounce buffer: the RAM itself, as translated just above */
    if (len < sizeof(uint64_t) ||
        host != (uint64_t *)((uint8_t *)memory_region_get_ram_ptr(mr) +
                             xlat)) {
        address_space_unmap(&address_space_memory, host, len, true, 0);
        return MEMTX_ACCESS_ERROR;
    }
    found = qatomic_cmpxchg__nocheck(host, cpu_to_le64(old),
                                     cpu_to_le64(new));
    *cur = le64_to_cpu(found);
    address_space_unmap(&address_space_memory, host, len, true,
                        *cur == old ? sizeof(uint64_t) : 0);
    return MEMTX_OK;
}

/* Only a root complex's root bus: pcie.0 or a pxb-pcie one */
static bool primary_bus_ok(PCIBus *bus)
{
    if (!pci_bus_is_express(bus) || !pci_bus_is_root(bus) ||
        !object_dynamic_cast(OBJECT(bus)->parent, TYPE_PCI_HOST_BRIDGE)) {
        return false;
    }
    return !bus->parent_dev ||
           object_dynamic_cast(OBJECT(bus), TYPE_PXB_PCIE_BUS);
}

/*
 * The sysbus realize this class overrides; kept here rather than in
 * SMMUBaseClass.parent_realize, which belongs to the subclass.
 */
static DeviceRealize smmu_sysbus_realize;

static void smmu_base_realize(DeviceState *dev, Error **errp)
{
    SMMUState *s = ARM_SMMU(dev);
    SMMUBaseClass *sbc = ARM_SMMU_GET_CLASS(dev);
    ERRP_GUARD();

    if (smmu_sysbus_realize) {
        smmu_sysbus_realize(dev, errp);
        if (*errp) {
            return;
        }
    }
    if (!sbc->iommu_mr_type) {
        error_setg(errp, "SMMU subclass without an IOMMU region type");
        return;
    }
    if (!s->tlb_entries) {
        error_setg(errp, "tlb-entries must be at least 1");
        return;
    }
    if (!s->primary_bus) {
        error_setg(errp, "SMMU is not attached to any PCI bus");
        return;
    }
    if (!primary_bus_ok(s->primary_bus)) {
        error_setg(errp, "SMMU must sit on a PCIe root complex "
                   "(pcie.0 or a pxb-pcie root bus)");
        return;
    }

    s->buses = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    s->tlb = smmu_tlb_new();
    s->fast_hits = qemu_memalign(sizeof(SMMUFastHits),
                                 SMMU_FAST_HIT_SLOTS * sizeof(SMMUFastHits));
    memset(s->fast_hits, 0, SMMU_FAST_HIT_SLOTS * sizeof(SMMUFastHits));

    /* The whole hierarchy below the root bus, or that bus alone */
    if (!s->smmu_per_bus) {
        pci_setup_iommu(s->primary_bus, &smmu_pci_iommu_ops, s);
        return;
    }
    pci_setup_iommu_per_bus(s->primary_bus, &smmu_pci_iommu_ops, s);
}

/*
 * Exit phase.  Iothreads may still translate: the subclass runs this
 * under the lock it serialises translations with.
 */
static void smmu_base_reset_exit(Object *obj, ResetType type)
{
    SMMUState *s = ARM_SMMU(obj);

    if (s->tlb) {
        smmu_tlb_inv_all(s);
    }
}

unsigned smmu_fast_hit_slot_new(void)
{
    static unsigned next;

    return qatomic_fetch_inc(&next) % SMMU_FAST_HIT_SLOTS;
}

uint64_t smmu_fast_hits(SMMUState *s)
{
    uint64_t n = 0;
    unsigned i;

    for (i = 0; s->fast_hits && i < SMMU_FAST_HIT_SLOTS; i++) {
        n += qatomic_read(&s->fast_hits[i].n);
    }
    return n;
}

uint64_t smmu_tlb_hits(SMMUState *s)
{
    return s->tlb_stats.hits + smmu_fast_hits(s);
}

static void smmu_get_tlb_hits(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    SMMUState *s = ARM_SMMU(obj);
    /* the per-thread caches' hits are TLB hits too */
    uint64_t n = opaque ? smmu_fast_hits(s) : smmu_tlb_hits(s);

    visit_type_uint64(v, name, &n, errp);
}

static void smmu_base_init(Object *obj)
{
    SMMUState *s = ARM_SMMU(obj);

    QLIST_INIT(&s->devices_with_notifiers);
    s->read_desc = smmu_ram_read_desc;
    s->cas_desc = smmu_ram_cas_desc;
    /* Read-only counters for tests and benchmarks */
    object_property_add(obj, "tlb-hits", "uint64", smmu_get_tlb_hits,
                        NULL, NULL, NULL);
    object_property_add(obj, "tlb-fast-hits", "uint64", smmu_get_tlb_hits,
                        NULL, NULL, obj);
    object_property_add_uint64_ptr(obj, "tlb-misses", &s->tlb_stats.misses,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "tlb-evictions",
                                   &s->tlb_stats.evictions,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "tlb-invalidated",
                                   &s->tlb_stats.invalidated,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "tlb-used", &s->tlb_stats.used,
                                   OBJ_PROP_FLAG_READ);
}

static void smmu_base_finalize(Object *obj)
{
    SMMUState *s = ARM_SMMU(obj);

    smmu_tlb_free(s->tlb);
    s->tlb = NULL;
    qemu_vfree(s->fast_hits);
    s->fast_hits = NULL;
    if (s->buses) {
        g_hash_table_destroy(s->buses);
        s->buses = NULL;
    }
}

static const Property smmu_base_props[] = {
    DEFINE_PROP_LINK("primary-bus", SMMUState, primary_bus, TYPE_PCI_BUS,
                     PCIBus *),
    /* Never read: kept so command lines written for the base still work */
    DEFINE_PROP_UINT8("bus_num", SMMUState, bus_num, 0),
    DEFINE_PROP_BOOL("smmu_per_bus", SMMUState, smmu_per_bus, false),
    DEFINE_PROP_UINT32("tlb-entries", SMMUState, tlb_entries,
                       SMMU_TLB_DEFAULT_ENTRIES),
};

static void smmu_base_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    RESETTABLE_CLASS(oc)->phases.exit = smmu_base_reset_exit;
    device_class_set_parent_realize(dc, smmu_base_realize,
                                    &smmu_sysbus_realize);
    device_class_set_props(dc, smmu_base_props);
}

static const TypeInfo smmu_base_types[] = {
    {
        .name = TYPE_ARM_SMMU,
        .parent = TYPE_SYS_BUS_DEVICE,
        .abstract = true,
        .instance_size = sizeof(SMMUState),
        .instance_init = smmu_base_init,
        .instance_finalize = smmu_base_finalize,
        .class_size = sizeof(SMMUBaseClass),
        .class_init = smmu_base_class_init,
    },
};

DEFINE_TYPES(smmu_base_types)
