/*
 * iopf: an I/O page fault served by user space through an iommufd fault
 * queue, on an SMMU that stalls faulting transactions (stall=forced); a
 * level-1 program of the e2e-nesting suite (see nested-dma.c for the
 * setting and the "NEST" report).
 *
 * With SMMU_IDR0.STALL_MODEL 0b10 Linux marks every master stall-capable
 * and sets CD.S, so a translation fault of a paging domain holds the
 * transaction (an event with Stall=1 and a STAG) instead of ending it.
 * A domain made with a fault queue (IOMMU_FAULT_QUEUE_ALLOC, then
 * IOMMU_HWPT_ALLOC with IOMMU_HWPT_FAULT_ID_VALID) hands such a fault to
 * this program; its page response becomes CMD_RESUME: Retry for success,
 * Abort for an invalid request.  smmu-testdev parks the stalled operation
 * (STATUS stalled) and runs it again on Retry.
 *
 * Round 1: a write to an unmapped IOVA stalls; the program reads the
 * fault, maps the page, answers success; the write completes in the new
 * page.  Round 2: another unmapped IOVA, answered invalid: the write
 * ends as a failed DMA and writes nothing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "iommufd-nest.h"
#include "testdev-dma.h"

#define IOVA_BASE           0x30000000ULL   /* mapped from the start */
#define FAULT_IOVA          0x50000000ULL   /* mapped on the first fault */
#define FAULT_IOVA2         0x50010000ULL   /* never mapped */
#define DMA_OFF             0x300
#define DMA_LEN             0x100

static struct nest nest;
static int fault_fd = -1;

/* STATUS once it has DONE set, or the last one read after timeout_ms */
static uint32_t wait_done(int timeout_ms)
{
    struct timespec ts = { 0, 1000 * 1000 };
    uint32_t st = rd32(REG_STATUS);

    for (int i = 0; i < timeout_ms && !(st & STATUS_DONE); i++) {
        nanosleep(&ts, NULL);
        st = rd32(REG_STATUS);
    }
    return st;
}

/* One fault record within timeout_ms into f: 0 or an errno */
static int read_fault(struct iommu_hwpt_pgfault *f, int timeout_ms)
{
    struct pollfd p = { .fd = fault_fd, .events = POLLIN };
    ssize_t n;

    if (poll(&p, 1, timeout_ms) != 1) {
        return ETIMEDOUT;
    }
    n = read(fault_fd, f, sizeof(*f));
    return n == sizeof(*f) ? 0 : n < 0 ? errno : EIO;
}

static int respond(const struct iommu_hwpt_pgfault *f, uint32_t code)
{
    struct iommu_hwpt_page_response r = { .cookie = f->cookie, .code = code };

    return write(fault_fd, &r, sizeof(r)) == sizeof(r) ? 0 : errno;
}

/*
 * Start a write of pattern seed to iova; the step passes when the device
 * parks it on a stall.  The fault then comes to the program in *f.
 */
static void stalled_write(const char *step, uint64_t iova, uint32_t seed,
                          struct iommu_hwpt_pgfault *f)
{
    uint8_t pat[DMA_LEN];
    uint32_t st;
    int r;

    if (skipping(step)) {
        return;
    }
    pattern(pat, DMA_LEN, seed);
    devbuf_fill(pat, DMA_LEN);
    st = dma_start(OP_WRITE, iova, DMA_LEN);
    r = read_fault(f, 5000);
    report(st == STATUS_STALLED && !r && f->addr == iova &&
           (f->perm & IOMMU_PGFAULT_PERM_WRITE) && f->dev_id == nest.dev_id &&
           f->grpid == rd32(REG_STALL_TAG), step, "a write to unmapped "
           "IOVA 0x%llx: device STATUS 0x%x (want 0x%x, parked), %u "
           "stall(s), STAG 0x%x; fault %s: address 0x%llx, perm 0x%x, dev "
           "%u, group 0x%x, cookie %u", (unsigned long long)iova, st,
           STATUS_STALLED, rd32(REG_STALL_COUNT), rd32(REG_STALL_TAG),
           r ? errname(r) : "read", (unsigned long long)f->addr, f->perm,
           f->dev_id, f->grpid, f->cookie);
}

int main(void)
{
    struct iommu_hwpt_pgfault f1 = { 0 }, f2 = { 0 };
    uint32_t hwpt_id = 0, st;
    uint8_t *page = NULL, pat[DMA_LEN];
    int r;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(NEST_MARK " start iopf\n");
    nest_open(&nest, TESTDEV_VENDOR, TESTDEV_DEVICE, "smmu-testdev");
    nest_ioas(&nest, IOVA_BASE, 16 * NEST_PG);
    if (!skipping("fault_queue")) {
        struct iommu_fault_alloc a = { .size = sizeof(a) };
        struct iommu_hwpt_alloc h = {
            .size = sizeof(h), .flags = IOMMU_HWPT_FAULT_ID_VALID,
            .dev_id = nest.dev_id, .pt_id = nest.ioas_id,
            .data_type = IOMMU_HWPT_DATA_NONE,
        };

        r = ioctl(nest.iommufd, IOMMU_FAULT_QUEUE_ALLOC, &a);
        if (!r) {
            fault_fd = a.out_fault_fd;
            h.fault_id = a.out_fault_id;
            r = ioctl(nest.iommufd, IOMMU_HWPT_ALLOC, &h);
            hwpt_id = h.out_hwpt_id;
        }
        report(r == 0, "fault_queue", r ? errname(errno) : "fault queue "
               "%u (fd %d); paging hwpt %u delivers its faults there",
               a.out_fault_id, fault_fd, hwpt_id);
    }
    if (!skipping("attach_iopf")) {
        struct vfio_device_attach_iommufd_pt at = {
            .argsz = sizeof(at), .pt_id = hwpt_id,
        };

        r = ioctl(nest.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
        report(r == 0, "attach_iopf", r ? errname(errno) :
               "device attached to hwpt %u", hwpt_id);
    }
    testdev_bar = nest_testdev_bar0(&nest);
    if (!skipping("dma_mapped")) {
        pattern(pat, DMA_LEN, 0x10f);
        devbuf_fill(pat, DMA_LEN);
        r = dma(OP_WRITE, IOVA_BASE + DMA_OFF, DMA_LEN);
        report(!r && !memcmp(nest.mem + DMA_OFF, pat, DMA_LEN) &&
               rd32(REG_STALL_COUNT) == 0, "dma_mapped", "a write to a "
               "mapped IOVA: result %d, %s, %u stall(s)", r,
               memcmp(nest.mem + DMA_OFF, pat, DMA_LEN) ? "wrong bytes" :
               "landed", rd32(REG_STALL_COUNT));
    }

    /* Round 1: map the page the fault names, then answer success. */
    stalled_write("stall", FAULT_IOVA + DMA_OFF, 0x1af, &f1);
    if (!skipping("resolve")) {
        r = nest_map_page(&nest, FAULT_IOVA, &page);
        if (!r) {
            r = respond(&f1, IOMMUFD_PAGE_RESP_SUCCESS);
        }
        st = wait_done(5000);
        pattern(pat, DMA_LEN, 0x1af);
        report(!r && st == STATUS_DONE && !memcmp(page + DMA_OFF, pat,
                                                  DMA_LEN), "resolve",
               "page mapped at IOVA 0x%llx and the fault answered success "
               "(%s): device STATUS 0x%x (want 0x%x), the bytes %s the new "
               "page", FAULT_IOVA, r ? errname(r) : "CMD_RESUME Retry", st,
               STATUS_DONE, page && !memcmp(page + DMA_OFF, pat, DMA_LEN) ?
               "reached" : "did not reach");
    }

    /* Round 2: answer invalid; the write must end, failed. */
    stalled_write("stall_again", FAULT_IOVA2 + DMA_OFF, 0x2af, &f2);
    if (!skipping("refuse")) {
        r = respond(&f2, IOMMUFD_PAGE_RESP_INVALID);
        st = wait_done(5000);
        report(!r && st == STATUS_DONE && rd32(REG_RESULT) != 0, "refuse",
               "fault answered invalid (%s): device STATUS 0x%x, result %u "
               "(want DONE with a failed transaction: the write aborted)",
               r ? errname(r) : "CMD_RESUME Abort", st, rd32(REG_RESULT));
    }
    if (!skipping("no_more_faults")) {
        struct iommu_hwpt_pgfault f3;

        r = read_fault(&f3, 200);
        report(r == ETIMEDOUT, "no_more_faults", r == ETIMEDOUT ?
               "nothing else in the fault queue" : "another fault: IOVA "
               "0x%llx", (unsigned long long)f3.addr);
    }
    return nest_done();
}
