/*
 * libqos driver for smmu-testdev, and the fixture the SMMUv3 qtests
 * share: virt with an SMMUv3 and one smmu-testdev behind it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef LIBQOS_SMMU_TESTDEV_H
#define LIBQOS_SMMU_TESTDEV_H

#include "libqos-malloc.h"
#include "generic-pcihost.h"
#include "smmuv3.h"
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

/* The shared fixture. */
typedef struct QSmmuEnv {
    QTestState *qts;
    QGuestAllocator alloc;
    QGenericPCIBus bus;
    QSMMU smmu;
    QSmmuTestdev td;
} QSmmuEnv;

/*
 * Start virt with an SMMUv3 of the given stage ("1", "2", "nested") and
 * an smmu-testdev; set up the SMMU's stream table (split 0: linear) and
 * queues, leaving it disabled.  extra is appended to the command line.
 */
void qsmmu_env_start(QSmmuEnv *e, const char *stage, uint8_t split,
                     const char *extra);
void qsmmu_env_stop(QSmmuEnv *e);
/* Guest RAM: size bytes aligned to align, zeroed. */
uint64_t qsmmu_env_alloc(QSmmuEnv *e, uint64_t size, uint64_t align);
/* Fill guest memory with a pattern derived from seed. */
void qsmmu_env_pattern(QSmmuEnv *e, uint64_t pa, uint32_t len, uint8_t seed);
/* Assert guest memory holds that pattern. */
void qsmmu_env_check_pattern(QSmmuEnv *e, uint64_t pa, uint32_t len,
                             uint8_t seed);
/* Assert the device buffer holds that pattern. */
void qsmmu_env_check_buf(QSmmuEnv *e, uint32_t len, uint8_t seed);
/*
 * Does this run use the base's SMMUv3 model?  True on the baseline build
 * (FORK_FLAVOUR=baseline).  Until our model replaces it, the "ours" build
 * runs the base's model too; that is recognised by its property list,
 * which holds nothing beyond the base's (stage and smmu-common's).
 * Tests of what the base gets wrong skip when this is true.
 */
bool qsmmu_is_base_model(QTestState *qts);

#endif /* LIBQOS_SMMU_TESTDEV_H */
