/*
 * Arm SMMUv3 device model (Arm IHI 0070).
 *
 * The device owns the programming interface (registers, queues, stream
 * and context descriptors, events); translation itself is done by the
 * common engine it derives from (hw/arm/smmu-common.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ARM_SMMUV3_H
#define HW_ARM_SMMUV3_H

#include "hw/arm/smmu-common.h"
#include "qemu/thread.h"
#include "qom/object.h"

#define TYPE_SMMUV3_IOMMU_MEMORY_REGION "smmuv3-iommu-memory-region"

/* One circular queue in guest memory: its base register and pointers. */
typedef struct SMMUv3Queue {
    uint64_t base;      /* SMMU_*Q_BASE as written */
    uint32_t prod;      /* SMMU_*Q_PROD */
    uint32_t cons;      /* SMMU_*Q_CONS */
} SMMUv3Queue;

struct SMMUv3State {
    SMMUState smmu_state;

    /* Configuration */
    char *stage;            /* "1", "2" or "nested" */
    bool s1_supported;
    bool s2_supported;

    /* Read-only identification, computed at realize */
    uint32_t idr[6];
    uint32_t iidr;
    uint32_t aidr;

    /* Control and status */
    uint32_t cr[3];
    uint32_t cr0ack;
    uint32_t gbpa;
    uint32_t irq_ctrl;
    uint32_t gerror;
    uint32_t gerrorn;
    uint64_t gerror_irq_cfg0;
    uint32_t gerror_irq_cfg1;
    uint32_t gerror_irq_cfg2;

    /* Stream table */
    uint64_t strtab_base;
    uint32_t strtab_base_cfg;

    /* Queues */
    SMMUv3Queue cmdq;
    SMMUv3Queue eventq;
    uint64_t eventq_irq_cfg0;
    uint32_t eventq_irq_cfg1;
    uint32_t eventq_irq_cfg2;

    qemu_irq irq[4];

    /* Decoded STE/CD per (StreamID, SubstreamID); not migrated */
    GHashTable *cfg_cache;

    /* Serialises MMIO, command consumption and translation. */
    QemuRecMutex lock;
};

struct SMMUv3Class {
    SMMUBaseClass smmu_base_class;

    DeviceRealize parent_realize;
    ResettablePhases parent_phases;
};

#define TYPE_ARM_SMMUV3   "arm-smmuv3"
OBJECT_DECLARE_TYPE(SMMUv3State, SMMUv3Class, ARM_SMMUV3)

#endif /* HW_ARM_SMMUV3_H */
