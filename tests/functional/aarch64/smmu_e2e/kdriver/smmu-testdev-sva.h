/* SPDX-License-Identifier: GPL-2.0 */
/*
 * smmu-testdev-sva: the ioctls of /dev/smmu-testdev-sva, shared by the
 * driver (built into the e2e-nesting kernel) and the guest program
 * (guest/sva-dma.c), which includes this file by its relative path.
 */

#ifndef SMMU_TESTDEV_SVA_H
#define SMMU_TESTDEV_SVA_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SMMU_TESTDEV_SVA_NAME   "smmu-testdev-sva"

/* BIND: the calling process's mm is bound to the device (SVA) */
struct smmu_testdev_sva_bind {
	__u32 pasid;            /* out: the PASID Linux allocated */
	__u32 cpu_asid;         /* out: the CPU's ASID of the mm */
	__u64 pgd;              /* out: physical address of the mm's pgd */
};

/*
 * DMA: one smmu-testdev operation (its OP register: 1 read src into the
 * device's buffer, 2 write the buffer to dst, 3 copy src to dst) on the
 * process's virtual addresses, tagged with the bound PASID.
 */
struct smmu_testdev_sva_dma {
	__u64 src;              /* in */
	__u64 dst;              /* in */
	__u32 len;              /* in: at most 64 KiB, the device's buffer */
	__u32 op;               /* in */
	__u32 status;           /* out: the device's STATUS */
	__u32 result;           /* out: its RESULT (MemTxResult, 0 = OK) */
	__u32 stalls;           /* out: its STALL_COUNT (stalled, resumed) */
	__u32 pad;
};

#define SMMU_TESTDEV_SVA_BIND   _IOR('S', 0x40, struct smmu_testdev_sva_bind)
#define SMMU_TESTDEV_SVA_DMA    _IOWR('S', 0x41, struct smmu_testdev_sva_dma)
#define SMMU_TESTDEV_SVA_UNBIND _IO('S', 0x42)

#endif /* SMMU_TESTDEV_SVA_H */
