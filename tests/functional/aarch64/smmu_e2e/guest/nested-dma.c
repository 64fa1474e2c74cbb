/*
 * nested-dma: level 1 of the e2e-nesting suite.
 *
 * Runs as a static program in a small Linux guest (no VM of its own) on
 * QEMU's virt with our SMMUv3 (stage=nested).  Through VFIO's device
 * cdev and iommufd it builds what a VMM builds for a guest: an IOAS whose
 * addresses play the guest's IPAs (stage 2, a NEST_PARENT hwpt), an Arm
 * SMMUv3 vIOMMU, a vDEVICE with a virtual StreamID, and a nested hwpt
 * from a vSTE whose Context Descriptor and stage-1 tables live in the
 * IOAS memory and are addressed by IPA.  Then it makes smmu-testdev DMA
 * through stage-1 IOVAs and looks where the bytes went.
 *
 * Output: one line per step, "NEST ok|not ok|skip <step> <detail>", and a
 * last "NEST done <passed> <failed> <skipped>" line; the host
 * (smmu_e2e/nesting.py) judges them.  After the first failure the remaining
 * steps are reported as skipped.
 *
 * The iommufd set-up and the report are iommufd-nest.c's, shared with
 * nvme-nest.c.  A guest program, not QEMU code: plain libc.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iommufd-nest.h"
#include "testdev-dma.h"

/*
 * The "guest" memory: one buffer mapped in the IOAS at IPA_BASE.  Page
 * offsets inside it:
 */
#define IPA_BASE            0x10000000ULL
#define MEM_SIZE            (256 * 1024)
#define PG                  NEST_PG
#define OFF_CD              0x0000      /* Context Descriptor (64 bytes) */
#define OFF_TABLES          0x1000      /* stage-1 levels 1, 2, 3 */
#define OFF_A               0x10000     /* data page A: first target */
#define OFF_B               0x11000     /* data page B: after the remap */
#define OFF_D               0x20000     /* what the IOVA would hit as an IPA */

/*
 * The IOVA stage 1 maps to page A.  It equals the IPA of page D, so a
 * walk that skipped stage 1 (IOVA used as IPA) would land in page D.
 */
#define IOVA                (IPA_BASE + OFF_D)
#define IOVA_UNMAPPED       (IOVA + PG) /* no stage-1 leaf */
#define DMA_OFF             0x180       /* DMAs start inside the page */
#define DMA_LEN             0x200
#define ASID                7
#define VSID                0x42

/* IHI 0070 7.3 (events). */
#define EVT_F_TRANSLATION   0x10

static struct nest nest;

static uint8_t *mem;            /* IPA_BASE .. IPA_BASE + MEM_SIZE */

/*
 * mem must equal snap except [off, off + len), which must hold want.
 * Describes the first difference in why.
 */
static int mem_is(const uint8_t *snap, uint64_t off, const uint8_t *want,
                  uint32_t len, char *why, size_t whylen)
{
    for (uint64_t i = 0; i < MEM_SIZE; i++) {
        int inside = i >= off && i < off + len;
        uint8_t exp = inside ? want[i - off] : snap[i];

        if (mem[i] != exp) {
            snprintf(why, whylen, "IPA 0x%llx holds 0x%02x, expected 0x%02x"
                     " (%s the DMA target)", (unsigned long long)(IPA_BASE + i),
                     mem[i], exp, inside ? "inside" : "outside");
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    char why[256];
    int r;
    uint32_t handled = 0;
    static uint8_t snap[MEM_SIZE], pat[DMA_LEN];

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(NEST_MARK " start nested-dma\n");

    /* 1-3. The device on vfio-pci and iommufd; stage 2; the vIOMMU. */
    nest_open(&nest, TESTDEV_VENDOR, TESTDEV_DEVICE, "smmu-testdev");
    nest_stage2(&nest, IPA_BASE, MEM_SIZE, VSID);
    mem = nest.mem;

    /*
     * 4. Stage 1: IOVA -> page A, every table addressed by IPA; the vSTE
     * points at the CD; nested hwpt; attach.
     */
    if (!nest_failed()) {
        nest_s1_init(&nest, OFF_CD, OFF_TABLES, OFF_A, ASID);
        nest_s1_map(&nest, IOVA, IPA_BASE + OFF_A);
    }
    nest_attach(&nest);

    /* 5. BAR0 of the device, bus mastering on. */
    testdev_bar = nest_testdev_bar0(&nest);

    /* 6. DMA through stage 1 (IOVA -> IPA of page A) and stage 2. */
    if (!skipping("dma_read")) {
        pattern(mem + OFF_A, PG, 0xa11ce);
        __sync_synchronize();
        r = dma(OP_READ, IOVA + DMA_OFF, DMA_LEN);
        if (r) {
            report(0, "dma_read", "device read failed (result %d); %s", r,
                   nest_pending_event(&nest));
        } else if (devbuf_equals(mem + OFF_A + DMA_OFF, DMA_LEN)) {
            report(1, "dma_read", "device read IOVA 0x%llx: got the bytes "
                   "of page A (IPA 0x%llx)", IOVA + DMA_OFF,
                   IPA_BASE + OFF_A + DMA_OFF);
        } else {
            report(0, "dma_read", "device read IOVA 0x%llx: not the bytes "
                   "of page A (IPA 0x%llx)", IOVA + DMA_OFF,
                   IPA_BASE + OFF_A + DMA_OFF);
        }
    }
    if (!skipping("dma_write")) {
        memcpy(snap, mem, MEM_SIZE);
        pattern(pat, DMA_LEN, 0xb0b);
        devbuf_fill(pat, DMA_LEN);
        r = dma(OP_WRITE, IOVA + DMA_OFF, DMA_LEN);
        if (r) {
            report(0, "dma_write", "device write failed (result %d); %s",
                   r, nest_pending_event(&nest));
        } else if (mem_is(snap, OFF_A + DMA_OFF, pat, DMA_LEN, why,
                          sizeof(why))) {
            report(1, "dma_write", "%u bytes to IOVA 0x%llx landed at IPA "
                   "0x%llx (page A) and nowhere else", DMA_LEN,
                   IOVA + DMA_OFF, IPA_BASE + OFF_A + DMA_OFF);
        } else {
            report(0, "dma_write", "%s", why);
        }
    }

    /* 7. Remap the leaf to page B: cached until TLBI_NH_VA. */
    if (!skipping("stale_tlb")) {
        nest_s1_map(&nest, IOVA, IPA_BASE + OFF_B);
        memcpy(snap, mem, MEM_SIZE);
        pattern(pat, DMA_LEN, 0xcafe);
        devbuf_fill(pat, DMA_LEN);
        r = dma(OP_WRITE, IOVA + DMA_OFF, DMA_LEN);
        if (r) {
            report(0, "stale_tlb", "device write failed (result %d); %s",
                   r, nest_pending_event(&nest));
        } else if (mem_is(snap, OFF_A + DMA_OFF, pat, DMA_LEN, why,
                          sizeof(why))) {
            report(1, "stale_tlb", "leaf now points to page B, but without "
                   "an invalidation the DMA still went to page A (cached)");
        } else {
            report(0, "stale_tlb", "%s", why);
        }
    }
    if (!skipping("invalidate")) {
        r = nest_tlbi_va(&nest, IOVA, &handled);
        report(r == 0 && handled == 1, "invalidate",
               r ? errname(errno) : "CMD_TLBI_NH_VA ASID %d VA 0x%llx "
               "through viommu %u (%u handled; the kernel adds CMD_SYNC)",
               ASID, IOVA, nest.viommu_id, handled);
    }
    if (!skipping("dma_after_invalidate")) {
        memcpy(snap, mem, MEM_SIZE);
        pattern(pat, DMA_LEN, 0xd00d);
        devbuf_fill(pat, DMA_LEN);
        r = dma(OP_WRITE, IOVA + DMA_OFF, DMA_LEN);
        if (r) {
            report(0, "dma_after_invalidate", "device write failed "
                   "(result %d); %s", r, nest_pending_event(&nest));
        } else if (mem_is(snap, OFF_B + DMA_OFF, pat, DMA_LEN, why,
                          sizeof(why))) {
            report(1, "dma_after_invalidate", "the DMA went to page B "
                   "(IPA 0x%llx), the new translation",
                   IPA_BASE + OFF_B + DMA_OFF);
        } else {
            report(0, "dma_after_invalidate", "%s", why);
        }
    }

    /* 8. A DMA without a stage-1 leaf: an event through the vEVENTQ. */
    if (!skipping("fault_dma")) {
        memcpy(snap, mem, MEM_SIZE);
        r = dma(OP_WRITE, IOVA_UNMAPPED, 64);
        report(r > 0 && mem_is(snap, 0, NULL, 0, why, sizeof(why)),
               "fault_dma", r > 0 ? "write to unmapped IOVA 0x%llx refused "
               "(result %d), memory untouched" : "write to unmapped IOVA "
               "0x%llx was not refused (result %d)", IOVA_UNMAPPED, r);
    }
    if (!skipping("fault_event")) {
        uint64_t e[4];

        if (nest_read_event(&nest, 5000, e) < 0) {
            report(0, "fault_event", "no event record from the vEVENTQ");
        } else {
            unsigned type = e[0] & 0xff, sid = e[0] >> 32;

            report(type == EVT_F_TRANSLATION && sid == VSID &&
                   e[2] == IOVA_UNMAPPED, "fault_event",
                   "event 0x%02x (want 0x%02x F_TRANSLATION), SID 0x%x "
                   "(want virtual 0x%x), address 0x%llx (want 0x%llx); "
                   "record %016llx %016llx %016llx %016llx", type,
                   EVT_F_TRANSLATION, sid, VSID, (unsigned long long)e[2],
                   IOVA_UNMAPPED, (unsigned long long)e[0],
                   (unsigned long long)e[1], (unsigned long long)e[2],
                   (unsigned long long)e[3]);
        }
    }

    /*
     * e2e.hold=N keeps the nested domain up N seconds (a look at it with
     * info smmuv3, or a migration), then DMAs through it once more.
     */
    if (atoi(getenv("NEST_HOLD") ?: "0") > 0 && !skipping("after_hold")) {
        sleep(atoi(getenv("NEST_HOLD")));
        memcpy(snap, mem, MEM_SIZE);
        pattern(pat, DMA_LEN, 0x401d);
        devbuf_fill(pat, DMA_LEN);
        r = dma(OP_WRITE, IOVA + DMA_OFF, DMA_LEN);
        report(!r && mem_is(snap, OFF_B + DMA_OFF, pat, DMA_LEN, why,
                            sizeof(why)), "after_hold", "a write after %s s "
               "went to page B: %s", getenv("NEST_HOLD"),
               r ? "no, it failed" : "yes");
    }
    return nest_done();
}
