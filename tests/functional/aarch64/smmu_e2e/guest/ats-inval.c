/*
 * ats-inval: PCIe ATS with Linux's arm-smmu-v3 as the driver, a level-1
 * program of the e2e-nesting suite (see nested-dma.c for the setting and
 * the "NEST" report).
 *
 * smmu-testdev has the ATS capability and an ATC; the board sets
 * "ats-supported" on the host bridge when the SMMU has SMMU_IDR0.ATS.
 * Attaching the device to an iommufd paging domain makes Linux enable
 * ATS (STE.EATS, the capability's Enable bit).  The device then writes
 * through its ATC: a Translation Request fills it and the write goes out
 * Translated.  Unmapping the page must make Linux send CMD_ATC_INV for
 * it, which must reach the device (its invalidation counter and the last
 * invalidated range) and empty its ATC before the unmap returns; a write
 * to the unmapped page must then fail instead of using the stale entry,
 * and after a new map it must land in the new page.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "iommufd-nest.h"
#include "testdev-dma.h"

#define IOVA_BASE           0x30000000ULL
#define IOVA_PAGE           0x40000000ULL   /* its own mapping */
#define DMA_OFF             0x100
#define DMA_LEN             0x80

static struct nest nest;

/* The device writes DMA_LEN bytes of pattern seed through its ATC. */
static int atc_write(uint32_t seed)
{
    uint8_t pat[DMA_LEN];

    pattern(pat, DMA_LEN, seed);
    devbuf_fill(pat, DMA_LEN);
    return dma(OP_WRITE_ATC, IOVA_PAGE + DMA_OFF, DMA_LEN);
}

static int holds(const uint8_t *page, uint32_t seed)
{
    uint8_t pat[DMA_LEN];

    pattern(pat, DMA_LEN, seed);
    return !memcmp(page + DMA_OFF, pat, DMA_LEN);
}

int main(void)
{
    uint8_t *page = NULL, *page2 = NULL;
    uint32_t invals;
    int r;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(NEST_MARK " start ats-inval\n");
    nest_open(&nest, TESTDEV_VENDOR, TESTDEV_DEVICE, "smmu-testdev");
    nest_ioas(&nest, IOVA_BASE, 16 * NEST_PG);
    if (!skipping("map_page")) {
        r = nest_map_page(&nest, IOVA_PAGE, &page);
        report(r == 0, "map_page", r ? errname(r) : "one page at IOVA "
               "0x%llx", IOVA_PAGE);
    }
    if (!skipping("attach_paging")) {
        struct vfio_device_attach_iommufd_pt at = {
            .argsz = sizeof(at), .pt_id = nest.ioas_id,
        };
        r = ioctl(nest.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
        report(r == 0, "attach_paging", r ? errname(errno) :
               "device on a paging domain of ioas %u (hwpt %u)",
               nest.ioas_id, at.pt_id);
    }
    testdev_bar = nest_testdev_bar0(&nest);
    if (!skipping("ats_enabled")) {
        uint16_t ctrl = nest_cfg16(&nest, ATS_CAP + 6);

        report(ctrl & ATS_CTRL_ENABLE, "ats_enabled", "ATS Control 0x%04x: "
               "Linux %s ATS for the device", ctrl,
               ctrl & ATS_CTRL_ENABLE ? "enabled" : "did not enable");
    }
    if (!skipping("atc_write")) {
        r = atc_write(0xa75);
        report(!r && holds(page, 0xa75) && rd32(REG_ATC_COUNT) == 1 &&
               rd32(REG_ATS_STATUS) == ATS_ST_OK, "atc_write",
               "write through the ATC: result %d, %s in memory, ATC "
               "entries %u, request status %u", r,
               holds(page, 0xa75) ? "landed" : "not", rd32(REG_ATC_COUNT),
               rd32(REG_ATS_STATUS));
    }
    if (!skipping("unmap_invalidates")) {
        uint64_t addr, mask;

        invals = rd32(REG_ATC_INVALS);
        r = nest_unmap_page(&nest, IOVA_PAGE);
        addr = rd64(REG_ATC_INV_ADDR);
        mask = rd64(REG_ATC_INV_MASK);
        report(!r && rd32(REG_ATC_INVALS) > invals &&
               (IOVA_PAGE & ~mask) == addr && rd32(REG_ATC_COUNT) == 0,
               "unmap_invalidates", "IOMMU_IOAS_UNMAP %s; the device got "
               "%u ATC invalidation(s), the last for 0x%llx mask 0x%llx; "
               "ATC entries now %u", r ? errname(r) : "done",
               rd32(REG_ATC_INVALS) - invals, (unsigned long long)addr,
               (unsigned long long)mask, rd32(REG_ATC_COUNT));
    }
    if (!skipping("atc_after_unmap")) {
        r = atc_write(0xdead);
        report(r != 0 && !holds(page, 0xdead), "atc_after_unmap",
               "write through the ATC to the unmapped page: result %d, "
               "old page %s", r, holds(page, 0xdead) ? "WRITTEN (stale "
               "ATC entry)" : "untouched");
    }
    if (!skipping("atc_remap")) {
        r = nest_map_page(&nest, IOVA_PAGE, &page2);
        if (!r) {
            r = atc_write(0xbeef) ? EIO : 0;
        }
        report(!r && holds(page2, 0xbeef) && !holds(page, 0xbeef),
               "atc_remap", "after a new map the ATC write %s the new page "
               "and %s the old one", r ? "failed for" :
               holds(page2, 0xbeef) ? "reached" : "missed",
               holds(page, 0xbeef) ? "also hit" : "not");
    }
    return nest_done();
}
