/*
 * Stalled transactions between an IOMMU and a master that can hold them.
 *
 * An IOMMU with a Stall model (the Arm SMMUv3's, IHI 0070 3.12.2) may
 * hold a faulting transaction instead of terminating it, until software
 * says to retry or terminate it.  In QEMU the translation is refused to
 * the memory core at once, so no thread waits: the master, which
 * registered an IOMMUStallClient on its IOMMU region, parks the request
 * and issues it again, or fails it, when the IOMMU tells it to.
 *
 * IOMMU memory region classes with a Stall model implement the
 * TYPE_IOMMU_STALL interface (arm-smmuv3: hw/arm/smmu/smmuv3-stall.c,
 * which also registers the type; without it the helpers below find no
 * IOMMU and nothing is ever stalled).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_IOMMU_STALL_H
#define HW_IOMMU_STALL_H

#include "hw/pci/pci.h"
#include "qom/object.h"

#define TYPE_IOMMU_STALL "iommu-stall"

typedef struct IOMMUStallClient IOMMUStallClient;

/*
 * A master's side.  Both hooks run with the IOMMU's lock held: they must
 * not issue DMA or call into the IOMMU (schedule a bottom half instead).
 */
struct IOMMUStallClient {
    /*
     * Called while translating one of the function's requests that
     * faulted with stalling configured: true holds it as the stalled
     * transaction @tag (the SMMUv3's STAG), which the translation then
     * refuses; false terminates it as usual.
     */
    bool (*hold)(IOMMUStallClient *c, uint16_t tag);
    /*
     * Stall @tag ended: @retry means issue the request again (it may
     * fault and stall again); otherwise it was terminated with an abort.
     */
    void (*resume)(IOMMUStallClient *c, uint16_t tag, bool retry);
};

typedef struct IOMMUStallClass {
    InterfaceClass parent_class;
    /* one client per region (per PCI function); a new one replaces it */
    void (*register_client)(IOMMUMemoryRegion *mr, IOMMUStallClient *c);
    void (*unregister_client)(IOMMUMemoryRegion *mr, IOMMUStallClient *c);
} IOMMUStallClass;

/* The stall interface of @pdev's IOMMU region, or NULL */
static inline IOMMUStallClass *pci_iommu_stall_class(PCIDevice *pdev,
                                                     IOMMUMemoryRegion **mr)
{
    AddressSpace *as = pci_device_iommu_address_space(pdev);

    if (!memory_region_is_iommu(as->root)) {
        return NULL;
    }
    *mr = IOMMU_MEMORY_REGION(as->root);
    /* NULL as well when the type is not registered */
    return (IOMMUStallClass *)
        object_class_dynamic_cast(object_get_class(OBJECT(as->root)),
                                  TYPE_IOMMU_STALL);
}

/*
 * Make @c the stall client of PCI function @pdev.  False when its IOMMU
 * (if any) has no Stall model: nothing of it will ever be stalled.
 */
static inline bool pci_iommu_stall_register(PCIDevice *pdev,
                                            IOMMUStallClient *c)
{
    IOMMUMemoryRegion *mr;
    IOMMUStallClass *k = pci_iommu_stall_class(pdev, &mr);

    if (!k) {
        return false;
    }
    k->register_client(mr, c);
    return true;
}

/* Stalls already held stay until software resumes or terminates them */
static inline void pci_iommu_stall_unregister(PCIDevice *pdev,
                                              IOMMUStallClient *c)
{
    IOMMUMemoryRegion *mr;
    IOMMUStallClass *k = pci_iommu_stall_class(pdev, &mr);

    if (k) {
        k->unregister_client(mr, c);
    }
}

#endif /* HW_IOMMU_STALL_H */
