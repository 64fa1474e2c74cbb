/*
 * pasid20: a 20-bit PASID end to end, a level-1 program of the
 * e2e-nesting suite (see nested-dma.c for the setting and the "NEST"
 * report).
 *
 * smmu-testdev has a PASID capability of 20 bits; Linux enables it when
 * the SMMU has SubstreamIDs (SMMU_IDR1.SSIDSIZE) and gives the device a
 * 2-level CD table as wide as both allow.  An iommufd paging hwpt made
 * for PASID use (IOMMU_HWPT_ALLOC_PASID) is attached to PASID 0x12345
 * only, through VFIO's PASID attach; the device's RID stays blocked.
 * The device then reads and writes with that PASID and the bytes must
 * be the IOAS's; without the PASID the same IOVA must be refused.
 * 0x12345 needs all 20 bits: kept to 8 it would be PASID 0x45, which
 * has no domain.
 *
 * With arm-smmuv3.ssidsize=8 (and on the base's SMMU, which has no
 * SubstreamIDs) Linux limits the device's PASIDs to what the SMMU has
 * and refuses the attach with EINVAL (iommu_attach_device_pasid()).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "iommufd-nest.h"
#include "testdev-dma.h"

/* smmu-testdev's PASID register (smmu-testdev.h) */
#define REG_PASID           0x20
#define PASID_VALID         (1u << 31)

#define PASID               0x12345
#define IOVA_BASE           0x30000000ULL
#define MEM_SIZE            (16 * NEST_PG)
#define DMA_OFF             0x3100
#define DMA_LEN             0x200

static struct nest nest;

/* SMMU_IDR1.SSIDSIZE and the PASID width iommufd reports; 0 or errno */
static int hw_info(unsigned *ssidsize, unsigned *pasid_log2)
{
    struct iommu_hw_info_arm_smmuv3 smmu = { 0 };
    struct iommu_hw_info h = {
        .size = sizeof(h), .dev_id = nest.dev_id,
        .data_len = sizeof(smmu), .data_uptr = (uintptr_t)&smmu,
    };

    if (ioctl(nest.iommufd, IOMMU_GET_HW_INFO, &h)) {
        return errno;
    }
    *ssidsize = (smmu.idr[1] >> 6) & 0x1f;
    *pasid_log2 = h.out_max_pasid_log2;
    return 0;
}

int main(void)
{
    static uint8_t pat[DMA_LEN];
    uint32_t hwpt_id = 0;
    int r;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(NEST_MARK " start pasid20\n");
    nest_open(&nest, TESTDEV_VENDOR, TESTDEV_DEVICE, "smmu-testdev");
    nest_ioas(&nest, IOVA_BASE, MEM_SIZE);

    /* What Linux made of the SMMU's and the device's PASID widths */
    if (!skipping("hw_info")) {
        unsigned ssidsize = 0, log2 = 0;

        r = hw_info(&ssidsize, &log2);
        report(r == 0, "hw_info", r ? errname(r) : "SMMU_IDR1.SSIDSIZE %u, "
               "device PASID width %u bits", ssidsize, log2);
    }
    if (!skipping("hwpt_pasid")) {
        struct iommu_hwpt_alloc h = {
            .size = sizeof(h), .flags = IOMMU_HWPT_ALLOC_PASID,
            .dev_id = nest.dev_id, .pt_id = nest.ioas_id,
            .data_type = IOMMU_HWPT_DATA_NONE,
        };

        r = ioctl(nest.iommufd, IOMMU_HWPT_ALLOC, &h);
        hwpt_id = h.out_hwpt_id;
        report(r == 0, "hwpt_pasid", r ? errname(errno) :
               "paging hwpt %u for PASID use", hwpt_id);
    }
    if (!skipping("attach_pasid")) {
        struct vfio_device_attach_iommufd_pt at = {
            .argsz = sizeof(at), .flags = VFIO_DEVICE_ATTACH_PASID,
            .pt_id = hwpt_id, .pasid = PASID,
        };

        r = ioctl(nest.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
        report(r == 0, "attach_pasid", "PASID 0x%x onto hwpt %u: %s",
               PASID, hwpt_id, r ? errname(errno) : "attached");
    }
    testdev_bar = nest_testdev_bar0(&nest);
    if (!skipping("dma_read_pasid")) {
        pattern(nest.mem + DMA_OFF, DMA_LEN, 0x9a51d);
        wr32(REG_PASID, PASID_VALID | PASID);
        r = dma(OP_READ, IOVA_BASE + DMA_OFF, DMA_LEN);
        report(r == 0 && devbuf_equals(nest.mem + DMA_OFF, DMA_LEN),
               "dma_read_pasid", "read of IOVA 0x%llx with PASID 0x%x: "
               "result %d, %s", IOVA_BASE + DMA_OFF, PASID, r,
               r ? "failed" : devbuf_equals(nest.mem + DMA_OFF, DMA_LEN) ?
               "the IOAS's bytes" : "NOT the IOAS's bytes");
    }
    if (!skipping("dma_write_pasid")) {
        pattern(pat, DMA_LEN, 0x20b17);
        devbuf_fill(pat, DMA_LEN);
        wr32(REG_PASID, PASID_VALID | PASID);
        r = dma(OP_WRITE, IOVA_BASE + DMA_OFF, DMA_LEN);
        report(r == 0 && !memcmp(nest.mem + DMA_OFF, pat, DMA_LEN),
               "dma_write_pasid", "write to IOVA 0x%llx with PASID 0x%x: "
               "result %d, %s", IOVA_BASE + DMA_OFF, PASID, r,
               r ? "failed" : !memcmp(nest.mem + DMA_OFF, pat, DMA_LEN) ?
               "landed in the IOAS" : "NOT in the IOAS");
    }
    /* The RID has no domain: the PASID, not the IOVA, made the DMA work */
    if (!skipping("dma_without_pasid")) {
        wr32(REG_PASID, 0);
        r = dma(OP_READ, IOVA_BASE + DMA_OFF, DMA_LEN);
        report(r > 0, "dma_without_pasid", "read without a PASID: result "
               "%d (%s)", r, r > 0 ? "refused" : "NOT refused");
    }
    return nest_done();
}
