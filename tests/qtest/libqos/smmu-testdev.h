/*
 * libqos driver for smmu-testdev, the PCIe DMA engine the SMMUv3 qtests
 * put behind the SMMU (the fixture is in smmu-env.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef LIBQOS_SMMU_TESTDEV_H
#define LIBQOS_SMMU_TESTDEV_H

#include "pci.h"
#include "hw/misc/smmu-testdev.h"

/* The device's slot on pcie.0: devfn 0x10, so StreamID 0x10. */
#define QSMMU_TESTDEV_SLOT      2
#define QSMMU_TESTDEV_SID       (QSMMU_TESTDEV_SLOT << 3)

typedef struct QSmmuTestdev {
    QPCIDevice *dev;
    QPCIBar bar;
} QSmmuTestdev;

/* What one doorbell ring reported. */
typedef struct QSmmuTestdevStatus {
    uint32_t err;           /* SMMU_TESTDEV_ERR_* */
    uint32_t result;        /* MemTxResult */
} QSmmuTestdevStatus;

void qsmmu_testdev_init(QSmmuTestdev *t, QPCIBus *bus, int slot);
void qsmmu_testdev_free(QSmmuTestdev *t);
/* Set the Enable bit of the PASID capability. */
void qsmmu_testdev_enable_pasid(QSmmuTestdev *t, QTestState *qts);
void qsmmu_testdev_buf_write(QSmmuTestdev *t, uint32_t off, const void *p,
                             size_t len);
void qsmmu_testdev_buf_read(QSmmuTestdev *t, uint32_t off, void *p,
                            size_t len);
/* Program and run one operation; pasid is written to REG_PASID as is. */
QSmmuTestdevStatus qsmmu_testdev_run(QSmmuTestdev *t, uint32_t op,
                                     uint64_t src, uint64_t dst, uint32_t len,
                                     uint32_t pasid);
/* READ then return whether it succeeded (err none and MEMTX_OK). */
bool qsmmu_testdev_dma_read(QSmmuTestdev *t, uint64_t iova, uint32_t len);
bool qsmmu_testdev_dma_write(QSmmuTestdev *t, uint64_t iova, uint32_t len);
/* Device IOTLB: set SMMU_TESTDEV_IOTLB_*, return the mode in effect. */
uint32_t qsmmu_testdev_set_iotlb(QSmmuTestdev *t, uint32_t mode);
uint32_t qsmmu_testdev_iotlb_count(QSmmuTestdev *t);
uint32_t qsmmu_testdev_iotlb_dropped(QSmmuTestdev *t);

#endif /* LIBQOS_SMMU_TESTDEV_H */
