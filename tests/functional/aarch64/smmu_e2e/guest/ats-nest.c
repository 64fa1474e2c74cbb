/*
 * ats-nest: ATS under a nested domain, with the guest's ATC invalidation
 * forwarded through the vIOMMU; a level-1 program of the e2e-nesting
 * suite (see nested-dma.c for the setting and the "NEST" report).
 *
 * The program plays a VMM whose guest enabled ATS: its vSTE has
 * EATS = 0b01, which makes Linux enable ATS on smmu-testdev and leaves
 * the ATC to the guest (arm_smmu_attach_dev_nested(): "the VM must
 * generate ATC flushes").  A Translation Request then goes through the
 * guest's stage 1 and the host's stage 2, and the device's ATC holds the
 * result.  After the guest remaps the page and invalidates the SMMU's TLB
 * only, the device still writes the old page (its ATC is its own); the
 * guest's CMD_ATC_INV through IOMMU_HWPT_INVALIDATE (virtual SID turned
 * into the physical one by Linux) must reach the device, empty its ATC,
 * and send the next write to the new page.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "iommufd-nest.h"
#include "testdev-dma.h"

/* The guest's memory (IPAs) and what lives in it, as in nested-dma.c */
#define IPA_BASE            0x10000000ULL
#define MEM_SIZE            (256 * 1024)
#define OFF_CD              0x0000
#define OFF_TABLES          0x1000
#define OFF_A               0x10000     /* the first target */
#define OFF_B               0x11000     /* the target after the remap */
#define IOVA                0x20030000ULL
#define DMA_OFF             0x240
#define DMA_LEN             0x80
#define ASID                9
#define VSID                0x51
#define STE1_EATS_FULL      (1ULL << 28)    /* IHI 0070 5.2: EATS 0b01 */

static struct nest nest;

/* The device writes DMA_LEN bytes of pattern seed to IOVA via its ATC. */
static int atc_write(uint32_t seed)
{
    uint8_t pat[DMA_LEN];

    pattern(pat, DMA_LEN, seed);
    devbuf_fill(pat, DMA_LEN);
    return dma(OP_WRITE_ATC, IOVA + DMA_OFF, DMA_LEN);
}

/* Does the page at off hold pattern seed where the DMA writes? */
static int holds(uint64_t off, uint32_t seed)
{
    uint8_t pat[DMA_LEN];

    pattern(pat, DMA_LEN, seed);
    return !memcmp(nest.mem + off + DMA_OFF, pat, DMA_LEN);
}

static const char *where(uint32_t seed)
{
    return holds(OFF_A, seed) ? (holds(OFF_B, seed) ? "pages A and B" :
                                 "page A") :
           holds(OFF_B, seed) ? "page B" : "neither page";
}

int main(void)
{
    uint32_t handled = 0, invals;
    int r;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(NEST_MARK " start ats-nest\n");
    nest_open(&nest, TESTDEV_VENDOR, TESTDEV_DEVICE, "smmu-testdev");
    nest_stage2(&nest, IPA_BASE, MEM_SIZE, VSID);
    if (!nest_failed()) {
        nest_s1_init(&nest, OFF_CD, OFF_TABLES, OFF_A, ASID);
        nest_s1_map(&nest, IOVA, IPA_BASE + OFF_A);
    }
    nest.vste1 = STE1_EATS_FULL;
    nest_attach(&nest);
    testdev_bar = nest_testdev_bar0(&nest);
    if (!skipping("ats_enabled")) {
        uint16_t ctrl = nest_cfg16(&nest, ATS_CAP + 6);

        report(ctrl & ATS_CTRL_ENABLE, "ats_enabled", "vSTE EATS 0b01: ATS "
               "Control 0x%04x, Linux %s ATS for the device", ctrl,
               ctrl & ATS_CTRL_ENABLE ? "enabled" : "did not enable");
    }
    if (!skipping("atc_write")) {
        r = atc_write(0x5a1);
        report(!r && holds(OFF_A, 0x5a1) && rd32(REG_ATC_COUNT) == 1 &&
               rd32(REG_ATS_STATUS) == ATS_ST_OK, "atc_write",
               "a Translation Request through stage 1 and stage 2, then a "
               "Translated write: result %d, landed in %s (want page A), "
               "ATC entries %u", r, where(0x5a1), rd32(REG_ATC_COUNT));
    }
    if (!skipping("atc_stale")) {
        nest_s1_map(&nest, IOVA, IPA_BASE + OFF_B);
        r = nest_tlbi_va(&nest, IOVA, &handled);
        if (!r) {
            r = atc_write(0x5a2) ? EIO : 0;
        }
        report(!r && holds(OFF_A, 0x5a2) && !holds(OFF_B, 0x5a2),
               "atc_stale", "leaf remapped to page B and CMD_TLBI_NH_VA "
               "sent, no ATC invalidation yet: the write through the ATC "
               "went to %s (want page A: the device's own cache)",
               r ? errname(r) : where(0x5a2));
    }
    if (!skipping("atc_inv")) {
        uint64_t addr, mask;

        invals = rd32(REG_ATC_INVALS);
        r = nest_atc_inv(&nest, IOVA, 0, &handled);
        addr = rd64(REG_ATC_INV_ADDR);
        mask = rd64(REG_ATC_INV_MASK);
        report(!r && handled == 1 && rd32(REG_ATC_INVALS) == invals + 1 &&
               addr == IOVA && mask == NEST_PG - 1 &&
               rd32(REG_ATC_COUNT) == 0, "atc_inv",
               "CMD_ATC_INV virtual SID 0x%x VA 0x%llx through viommu %u: "
               "%s, %u handled; the device got %u invalidation(s), the "
               "last for 0x%llx mask 0x%llx; ATC entries now %u", VSID,
               IOVA, nest.viommu_id, r ? errname(errno) : "done", handled,
               rd32(REG_ATC_INVALS) - invals, (unsigned long long)addr,
               (unsigned long long)mask, rd32(REG_ATC_COUNT));
    }
    if (!skipping("atc_after_inv")) {
        r = atc_write(0x5a3);
        report(!r && holds(OFF_B, 0x5a3) && !holds(OFF_A, 0x5a3),
               "atc_after_inv", "the next write through the ATC: result "
               "%d, landed in %s (want page B, the new translation)", r,
               where(0x5a3));
    }
    return nest_done();
}
