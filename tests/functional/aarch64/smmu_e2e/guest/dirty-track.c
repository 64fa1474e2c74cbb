/*
 * dirty-track: iommufd dirty tracking on the emulated SMMUv3's HTTU, a
 * level-1 program of the e2e-nesting suite (see nested-dma.c for the
 * setting and the "NEST" report).
 *
 * Part 1, what a VMM does for live migration with an assigned device: a
 * paging hwpt allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING (Linux builds
 * a stage-1 domain whose writable leaves are writable-clean, DBM=1 with
 * AP[2]=1, and sets CD.HA/HD), tracking turned on, smmu-testdev writes
 * one set of pages and reads another, and IOMMU_HWPT_GET_DIRTY_BITMAP must
 * return exactly the written pages; after that read cleared them, a
 * second round of writes must come back exactly, and a round of reads
 * must leave the bitmap empty.  Only the SMMU's dirty-state update
 * (IHI 0070 3.13) can have marked the pages.
 *
 * Part 2, the nested case: what Linux allows for dirty tracking on the
 * stage 2 of a vIOMMU (a NEST_PARENT hwpt), and the guest's own HTTU: a
 * CD with HA/HD and stage-1 leaves that are writable-clean with AF=0,
 * written by this program in IOAS memory as a guest would; after the
 * device's DMA through the nested hwpt, the SMMU must have set AF on the
 * pages it touched and made the written ones dirty, in "guest" memory,
 * through stage 2.
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

#define IOVA_BASE           0x20000000ULL   /* = IPA in part 2 */
#define PAGES               64
#define MEM_SIZE            (PAGES * NEST_PG)
#define DMA_OFF             0x240           /* inside each page */
#define DMA_LEN             0x100

/*
 * Part 1: the pages the device writes (W1, W2, W3) and reads (R1), by
 * index.  Each written set is fresh: see redirty().
 */
static const int W1[] = { 1, 2, 7, 40, 63 };
static const int R1[] = { 3, 8, 41 };
static const int W2[] = { 9, 10, 33, 62 };
static const int W3[] = { 30, 31 };

/* Part 2: memory layout in pages; IOVAs of the nested round */
#define P2_CD               16
#define P2_TABLES           17      /* .. P2_DATA - 1 */
#define P2_DATA             24      /* the IPAs stage 1 maps to */
#define P2_IOVA             0x7f000000ULL
#define P2_ASID             9
#define P2_VSID             0x51
/* Page k of P2_IOVA: written (0, 1), read (2), untouched (3) */
#define P2_PAGES            4

/* VMSAv8-64 stage-1 page descriptor bits (Arm ARM D8.3) */
#define DESC_AP2            (1ULL << 7)     /* read-only; clear: dirty */
#define DESC_AF             (1ULL << 10)
#define DESC_DBM            (1ULL << 51)
/* IHI 0070 5.4: CD.HD, CD.HA */
#define CD0_HD              (1ULL << 42)
#define CD0_HA              (1ULL << 43)

#define N(a)                ((int)(sizeof(a) / sizeof((a)[0])))

static struct nest nest;
static uint32_t dirty_hwpt;

static uint64_t page_iova(int k)
{
    return IOVA_BASE + k * NEST_PG;
}

static uint64_t set_of(const int *pages, int n)
{
    uint64_t bits = 0;

    for (int i = 0; i < n; i++) {
        bits |= 1ULL << pages[i];
    }
    return bits;
}

/* "{1,2,7}" for a detail */
static const char *show(uint64_t bits)
{
    static char text[4][200];
    static int slot;
    char *t = text[slot++ % 4];
    size_t at = 0;

    t[at++] = '{';
    for (int k = 0; k < 64 && at < 190; k++) {
        if (bits & (1ULL << k)) {
            at += snprintf(t + at, 200 - at, "%s%d", at > 1 ? "," : "", k);
        }
    }
    snprintf(t + at, 200 - at, "}");
    return t;
}

static int get_dirty(uint64_t *bits, uint32_t flags)
{
    struct iommu_hwpt_get_dirty_bitmap g = {
        .size = sizeof(g), .hwpt_id = dirty_hwpt, .flags = flags,
        .iova = IOVA_BASE, .length = MEM_SIZE, .page_size = NEST_PG,
        .data = (uintptr_t)bits,
    };

    *bits = 0;
    return ioctl(nest.iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
}

static int set_tracking(int on)
{
    struct iommu_hwpt_set_dirty_tracking t = {
        .size = sizeof(t), .hwpt_id = dirty_hwpt,
        .flags = on ? IOMMU_HWPT_DIRTY_TRACKING_ENABLE : 0,
    };

    return ioctl(nest.iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &t);
}

/*
 * The device writes a page-specific pattern into each page of w and reads
 * each page of r; every byte is checked in memory or the device buffer.
 */
static int dma_round(const int *w, int nw, const int *r, int nr,
                     uint32_t seed, char *why, size_t len)
{
    uint8_t pat[DMA_LEN];

    for (int i = 0; i < nw; i++) {
        uint8_t *dst = nest.mem + w[i] * NEST_PG + DMA_OFF;

        pattern(pat, DMA_LEN, seed + w[i]);
        devbuf_fill(pat, DMA_LEN);
        if (dma(OP_WRITE, page_iova(w[i]) + DMA_OFF, DMA_LEN)) {
            snprintf(why, len, "write to page %d failed; %s", w[i],
                     nest_pending_event(&nest));
            return 0;
        }
        if (memcmp(dst, pat, DMA_LEN)) {
            snprintf(why, len, "the write to page %d did not land", w[i]);
            return 0;
        }
    }
    for (int i = 0; i < nr; i++) {
        pattern(nest.mem + r[i] * NEST_PG + DMA_OFF, DMA_LEN, seed ^ r[i]);
        __sync_synchronize();
        if (dma(OP_READ, page_iova(r[i]) + DMA_OFF, DMA_LEN) ||
            !devbuf_equals(nest.mem + r[i] * NEST_PG + DMA_OFF, DMA_LEN)) {
            snprintf(why, len, "the read of page %d failed or brought "
                     "other bytes", r[i]);
            return 0;
        }
    }
    snprintf(why, len, "wrote %s, read %s", show(set_of(w, nw)),
             show(set_of(r, nr)));
    return 1;
}

/* One round: the DMAs, then the bitmap (cleared) must be exactly want. */
static void round_step(const char *step, const int *w, int nw,
                       const int *r, int nr, uint32_t seed)
{
    char why[300];
    uint64_t got, want = set_of(w, nw);

    if (skipping(step)) {
        return;
    }
    if (!dma_round(w, nw, r, nr, seed, why, sizeof(why))) {
        report(0, step, "%s", why);
    } else if (get_dirty(&got, 0)) {
        report(0, step, "%s; GET_DIRTY_BITMAP: %s", why, errname(errno));
    } else {
        report(got == want, step, "%s; dirty bitmap %s, want %s", why,
               show(got), show(want));
    }
}

/*
 * A page written again after its dirty state was cleared.  Clearing
 * makes the leaf writable-clean again, and the architecture lets the SMMU
 * keep the writable-dirty translation in its TLB until software
 * invalidates it (IHI 0070 3.13.5: the A-profile rules); Linux 7.2 sends
 * no TLBI after IOMMU_HWPT_GET_DIRTY_BITMAP clears (arm_smmu_iotlb_sync()
 * ignores a gather without a page size), so an SMMU that caches the entry
 * does not mark the page again.  Reported, not judged: it is Linux's
 * behaviour, not the model's, and the host logs it.
 */
static void redirty(void)
{
    static const int again[] = { 2 };
    uint64_t got;
    char why[300];

    if (nest_failed()) {
        return;
    }
    if (dma_round(again, 1, NULL, 0, 0x6000, why, sizeof(why)) &&
        !get_dirty(&got, 0)) {
        printf(NEST_MARK " info redirty %s after its dirty state was "
               "cleared: dirty bitmap %s (%s)\n", why, show(got),
               got ? "Linux invalidated the TLB after clearing" :
               "no TLBI after clearing: the SMMU kept its writable-dirty "
               "translation");
    }
}

static void part1(void)
{
    uint64_t got;
    int r;

    if (!skipping("hw_info")) {
        struct iommu_hw_info h = { .size = sizeof(h), .dev_id = nest.dev_id };

        r = ioctl(nest.iommufd, IOMMU_GET_HW_INFO, &h);
        report(r == 0, "hw_info", r ? errname(errno) : "capabilities "
               "0x%llx: dirty tracking %s",
               (unsigned long long)h.out_capabilities,
               h.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING ? "yes" : "no");
    }
    if (!skipping("hwpt_dirty")) {
        struct iommu_hwpt_alloc h = {
            .size = sizeof(h), .flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
            .dev_id = nest.dev_id, .pt_id = nest.ioas_id,
            .data_type = IOMMU_HWPT_DATA_NONE,
        };
        r = ioctl(nest.iommufd, IOMMU_HWPT_ALLOC, &h);
        dirty_hwpt = h.out_hwpt_id;
        report(r == 0, "hwpt_dirty", r ? errname(errno) :
               "paging hwpt %u with dirty tracking", dirty_hwpt);
    }
    if (!skipping("attach_dirty")) {
        struct vfio_device_attach_iommufd_pt at = {
            .argsz = sizeof(at), .pt_id = dirty_hwpt,
        };
        r = ioctl(nest.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
        report(r == 0, "attach_dirty", r ? errname(errno) :
               "device attached to hwpt %u", dirty_hwpt);
    }
    testdev_bar = nest_testdev_bar0(&nest);
    if (!skipping("tracking_on")) {
        r = set_tracking(1);
        report(r == 0, "tracking_on", r ? errname(errno) :
               "IOMMU_HWPT_SET_DIRTY_TRACKING enable");
    }
    if (!skipping("bitmap_empty")) {
        r = get_dirty(&got, 0);
        report(r == 0 && got == 0, "bitmap_empty", r ? errname(errno) :
               "before any DMA: %s", show(got));
    }
    round_step("round1", W1, N(W1), R1, N(R1), 0x1000);
    round_step("round2", W2, N(W2), NULL, 0, 0x2000);
    /* Reads only, of pages written before and cleared since. */
    round_step("round_reads", NULL, 0, W1, N(W1), 0x3000);
    if (!skipping("no_clear")) {
        /* NO_CLEAR reports without re-arming: asked twice, seen twice. */
        uint64_t again;
        char why[300];

        if (!dma_round(W3, N(W3), NULL, 0, 0x4000, why, sizeof(why))) {
            report(0, "no_clear", "%s", why);
        } else {
            r = get_dirty(&got, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
                get_dirty(&again, 0);
            report(r == 0 && got == set_of(W3, N(W3)) && again == got,
                   "no_clear", "%s; NO_CLEAR %s, then %s, want %s twice",
                   why, show(got), show(again), show(set_of(W3, N(W3))));
        }
    }
    redirty();
}

/* The stage-1 leaf of part 2's page k */
static uint64_t *p2_leaf(int k)
{
    return nest_s1_leaf(&nest, P2_IOVA + k * NEST_PG);
}

static void part2(void)
{
    static const int w[] = { 0, 1 }, rd[] = { 2 };
    int r;

    if (!skipping("nest_parent_dirty")) {
        /* What Linux allows: dirty tracking of a vIOMMU's stage 2. */
        struct iommu_hwpt_alloc h = {
            .size = sizeof(h), .dev_id = nest.dev_id, .pt_id = nest.ioas_id,
            .flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
                     IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
            .data_type = IOMMU_HWPT_DATA_NONE,
        };
        r = ioctl(nest.iommufd, IOMMU_HWPT_ALLOC, &h);
        if (r) {
            report(errno == EOPNOTSUPP, "nest_parent_dirty", "Linux "
                   "refuses dirty tracking on a nest parent: %s",
                   errname(errno));
        } else {
            report(1, "nest_parent_dirty", "Linux allows dirty tracking "
                   "on a nest parent (hwpt %u)", h.out_hwpt_id);
        }
    }
    nest_viommu(&nest, P2_VSID);
    if (!nest_failed()) {
        uint64_t *cd = (uint64_t *)(nest.mem + P2_CD * NEST_PG);

        nest_s1_init(&nest, P2_CD * NEST_PG, P2_TABLES * NEST_PG,
                     P2_DATA * NEST_PG, P2_ASID);
        cd[0] |= CD0_HA | CD0_HD;
        for (int k = 0; k < P2_PAGES; k++) {
            nest_s1_map(&nest, P2_IOVA + k * NEST_PG,
                        IOVA_BASE + (P2_DATA + k) * NEST_PG);
            *p2_leaf(k) = (*p2_leaf(k) & ~DESC_AF) | DESC_AP2 | DESC_DBM;
        }
        __sync_synchronize();
    }
    nest_attach(&nest);
    if (!skipping("nested_dma")) {
        char why[300];
        uint8_t pat[DMA_LEN];

        r = 1;
        for (int i = 0; i < 2 && r; i++) {
            pattern(pat, DMA_LEN, 0x5000 + i);
            devbuf_fill(pat, DMA_LEN);
            r = !dma(OP_WRITE, P2_IOVA + w[i] * NEST_PG + DMA_OFF, DMA_LEN) &&
                !memcmp(nest.mem + (P2_DATA + w[i]) * NEST_PG + DMA_OFF, pat,
                        DMA_LEN);
        }
        r = r && !dma(OP_READ, P2_IOVA + rd[0] * NEST_PG, DMA_LEN);
        snprintf(why, sizeof(why), "%s", r ? "" : nest_pending_event(&nest));
        report(r, "nested_dma", r ? "wrote stage-1 pages 0, 1 and read "
               "page 2 through the nested hwpt" : "a DMA failed; %s", why);
    }
    if (!skipping("nested_httu")) {
        /* Written: AF, dirty; read: AF, still clean; untouched: neither. */
        static const uint64_t want[P2_PAGES] = {
            DESC_AF | DESC_DBM, DESC_AF | DESC_DBM,
            DESC_AF | DESC_AP2 | DESC_DBM, DESC_AP2 | DESC_DBM,
        };
        const uint64_t mask = DESC_AF | DESC_AP2 | DESC_DBM;
        char text[300];
        size_t at = 0;
        int ok = 1;

        for (int k = 0; k < P2_PAGES; k++) {
            uint64_t d = *(volatile uint64_t *)p2_leaf(k);

            ok &= (d & mask) == want[k];
            at += snprintf(text + at, sizeof(text) - at, "%s%d: AF=%d "
                           "AP[2]=%d", k ? ", " : "", k, !!(d & DESC_AF),
                           !!(d & DESC_AP2));
        }
        report(ok, "nested_httu", "stage-1 leaves in the guest's memory "
               "after the DMAs (want 0,1 AF=1 AP[2]=0; 2 AF=1 AP[2]=1; 3 "
               "AF=0 AP[2]=1): %s", text);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(NEST_MARK " start dirty-track\n");
    nest_open(&nest, TESTDEV_VENDOR, TESTDEV_DEVICE, "smmu-testdev");
    nest_ioas(&nest, IOVA_BASE, MEM_SIZE);
    part1();
    part2();
    return nest_done();
}
