/*
 * sva-dma: Shared Virtual Addressing end to end, a level-1 program of the
 * e2e-nesting suite (the "NEST" report of nested-dma.c).
 *
 * The kernel's built-in test driver smmu-testdev-sva (../kdriver/) binds
 * this process's mm to smmu-testdev with iommu_sva_bind_device(): Linux
 * allocates a PASID, writes a CD for it (the SVA domain's ASID, TTB0 =
 * this process's pgd) and the device tags its DMA with that PASID, so
 * the SMMU walks the process's own page tables.  The program hands the
 * device pointers into its malloc'ed heap and its stack and checks the
 * bytes; then a munmap'ed buffer must no longer be reachable: the DMA
 * fails (the device's RESULT) and the SMMU records F_TRANSLATION, which
 * Linux logs.  Every buffer is touched before its DMA: this is the
 * variant without I/O page faults (no stall, no PRI).
 *
 * e2e.expect=refused: the SMMU must not offer SVA, and binding must fail
 * (the host names the errno).
 *
 * e2e.expect=iopf (an SMMU with stall=forced): one more step, dma_iopf,
 * writes into pages the process has never touched.  The SMMU stalls the
 * write, Linux's I/O page fault handler faults the pages in
 * (handle_mm_fault() on this mm) and resumes it, and the bytes must be
 * there when the process reads the pages for the first time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iommufd-nest.h"
#include "pci-vfio.h"
#include "testdev-dma.h"
#include "../kdriver/smmu-testdev-sva.h"

#define OP_COPY             3
#define BUF_LEN             0x10000     /* the device's buffer: 64 KiB */
#define COPY_LEN            40000       /* crosses 10 pages */
#define SRC_OFF             5           /* unaligned on both sides */
#define DST_OFF             11
#define MEMTX_OK            0

static int fd = -1;

/* One operation on our virtual addresses; -errno of the ioctl or 0 */
static int sva_dma(uint32_t op, const void *src, void *dst, uint32_t len,
                   struct smmu_testdev_sva_dma *d)
{
    memset(d, 0, sizeof(*d));
    d->src = (uintptr_t)src;
    d->dst = (uintptr_t)dst;
    d->len = len;
    d->op = op;
    return ioctl(fd, SMMU_TESTDEV_SVA_DMA, d) ? -errno : 0;
}

static int dma_ok(const struct smmu_testdev_sva_dma *d)
{
    return d->status == STATUS_DONE && d->result == MEMTX_OK;
}

/* Bytes of p[0..len) that are not c */
static size_t count_not(const uint8_t *p, size_t len, uint8_t c)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        n += p[i] != c;
    }
    return n;
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
    size_t i = 0;

    while (i < len && a[i] == b[i]) {
        i++;
    }
    return i;
}

/* The kernel command line has the word w */
static int cmdline_has(const char *w)
{
    char buf[2048] = "", *tok, *save;
    FILE *f = fopen("/proc/cmdline", "r");

    if (!f) {
        return 0;
    }
    if (!fgets(buf, sizeof(buf), f)) {
        buf[0] = 0;
    }
    fclose(f);
    for (tok = strtok_r(buf, "\n\t ", &save); tok;
         tok = strtok_r(NULL, "\n\t ", &save)) {
        if (!strcmp(tok, w)) {
            return 1;
        }
    }
    return 0;
}

static int bind_driver(const char *bdf)
{
    char path[300];
    int r;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
             bdf);
    r = sysfs_write(path, SMMU_TESTDEV_SVA_NAME);
    if (r) {
        return r;
    }
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
             bdf);
    sysfs_write(path, bdf);
    r = sysfs_write("/sys/bus/pci/drivers/" SMMU_TESTDEV_SVA_NAME "/bind",
                    bdf);
    if (r) {
        return r;
    }
    fd = open("/dev/" SMMU_TESTDEV_SVA_NAME, O_RDWR);
    return fd < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
    int refused = cmdline_has("e2e.expect=refused");
    int iopf = cmdline_has("e2e.expect=iopf");
    struct smmu_testdev_sva_bind b = {};
    struct smmu_testdev_sva_dma d;
    uint8_t *src, *dst, *map;
    uint8_t stack[8192];
    char bdf[300] = "";
    int r;

    (void)argc;
    (void)argv;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(NEST_MARK " start sva-dma (pages pre-touched%s)\n",
           iopf ? ", then untouched ones through I/O page faults" :
           ", no IOPF");

    if (!skipping("find_device")) {
        report(find_pci_function(TESTDEV_VENDOR, TESTDEV_DEVICE, bdf,
                                 sizeof(bdf)),
               "find_device", "smmu-testdev at %s", bdf[0] ? bdf : "(none)");
    }
    if (!skipping("bind_driver")) {
        r = bind_driver(bdf);
        report(r == 0, "bind_driver", "%s to " SMMU_TESTDEV_SVA_NAME " %s",
               bdf, r ? errname(-r) : "/dev/" SMMU_TESTDEV_SVA_NAME);
    }
    if (!skipping("sva_bind")) {
        r = ioctl(fd, SMMU_TESTDEV_SVA_BIND, &b) ? errno : 0;
        if (refused) {
            /* The step passes when Linux refuses, as this boot expects */
            report(r != 0, "sva_refused", "bind %s",
                   r ? errname(r) : "succeeded");
            return nest_done();
        }
        report(r == 0, "sva_bind", "pasid %u cpu_asid %u pgd 0x%llx %s",
               b.pasid, b.cpu_asid, (unsigned long long)b.pgd,
               r ? errname(r) : "");
    }

    /* The heap (malloc), every page written before the DMA */
    src = malloc(BUF_LEN);
    dst = malloc(BUF_LEN);
    if (!src || !dst) {
        report(0, "malloc", "out of memory");
        return nest_done();
    }
    pattern(src, BUF_LEN, 0x5a5a);
    memset(dst, 0, BUF_LEN);
    if (!skipping("dma_copy")) {
        r = sva_dma(OP_COPY, src + SRC_OFF, dst + DST_OFF, COPY_LEN, &d);
        size_t at = first_diff(src + SRC_OFF, dst + DST_OFF, COPY_LEN);
        size_t stray = count_not(dst, DST_OFF, 0) +
            count_not(dst + DST_OFF + COPY_LEN, BUF_LEN - DST_OFF - COPY_LEN,
                      0);

        report(!r && dma_ok(&d) && at == COPY_LEN && !stray, "dma_copy",
               "%u bytes heap %p -> heap %p: status 0x%x result %u, "
               "%s, %zu stray bytes %s", COPY_LEN, (void *)(src + SRC_OFF),
               (void *)(dst + DST_OFF), d.status, d.result,
               at == COPY_LEN ? "every byte matches" : "differs",
               stray, r ? errname(-r) : "");
        if (at != COPY_LEN) {
            printf(NEST_MARK " info first_diff offset %zu\n", at);
        }
    }
    /* The device's buffer holds src + SRC_OFF now; write it to the stack */
    memset(stack, 0xee, sizeof(stack));
    if (!skipping("dma_write_stack")) {
        r = sva_dma(OP_WRITE, NULL, stack + 100, 6000, &d);
        size_t at = first_diff(src + SRC_OFF, stack + 100, 6000);

        report(!r && dma_ok(&d) && at == 6000 &&
               !count_not(stack, 100, 0xee) &&
               !count_not(stack + 6100, sizeof(stack) - 6100, 0xee),
               "dma_write_stack", "6000 bytes -> stack %p: status 0x%x "
               "result %u, %s %s", (void *)(stack + 100), d.status, d.result,
               at == 6000 ? "every byte matches" : "differs",
               r ? errname(-r) : "");
    }

    /* An mmap'ed buffer: reachable, then munmap'ed */
    map = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        report(0, "mmap", "%s", errname(errno));
        return nest_done();
    }
    memset(map, 0, BUF_LEN);
    if (!skipping("dma_mapped")) {
        r = sva_dma(OP_COPY, src, map + 0x3000, 0x2000, &d);
        report(!r && dma_ok(&d) && !memcmp(src, map + 0x3000, 0x2000),
               "dma_mapped", "8192 bytes -> mmap %p: status 0x%x result %u",
               (void *)(map + 0x3000), d.status, d.result);
    }
    if (!skipping("dma_after_munmap")) {
        munmap(map, BUF_LEN);
        r = sva_dma(OP_COPY, src, map + 0x3000, 0x2000, &d);
        /* Done, not refused by the device, and the DMA failed */
        report(!r && d.status == STATUS_DONE && d.result != MEMTX_OK,
               "dma_after_munmap", "-> %p: status 0x%x result %u (%s) %s",
               (void *)(map + 0x3000), d.status, d.result,
               d.result ? "the DMA failed" : "the DMA reached memory",
               r ? errname(-r) : "");
        /* Linux logs the SMMU's event on this console: let it finish */
        usleep(300 * 1000);
    }
    /* The same addresses mapped again, to fresh pages */
    if (!skipping("dma_remapped")) {
        uint8_t *again = mmap(map, BUF_LEN, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS |
                              MAP_FIXED_NOREPLACE, -1, 0);

        if (again != map) {
            report(0, "dma_remapped", "mmap at %p: %s", (void *)map,
                   errname(errno));
        } else {
            memset(map, 0x11, BUF_LEN);
            r = sva_dma(OP_COPY, src + 0x100, map + 0x3000, 0x2000, &d);
            report(!r && dma_ok(&d) &&
                   !memcmp(src + 0x100, map + 0x3000, 0x2000) &&
                   !count_not(map, 0x3000, 0x11) &&
                   !count_not(map + 0x5000, BUF_LEN - 0x5000, 0x11),
                   "dma_remapped", "8192 bytes -> %p again: status 0x%x "
                   "result %u", (void *)(map + 0x3000), d.status, d.result);
        }
    }
    if (iopf && !skipping("dma_iopf")) {
        uint8_t *fresh = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (fresh == MAP_FAILED) {
            report(0, "dma_iopf", "mmap: %s", errname(errno));
        } else {
            r = sva_dma(OP_COPY, src + 0x200, fresh + 0x1800, 0x3000, &d);
            /* The CPU's first look at these pages */
            report(!r && dma_ok(&d) && d.stalls >= 1 &&
                   !memcmp(src + 0x200, fresh + 0x1800, 0x3000) &&
                   !count_not(fresh, 0x1800, 0) &&
                   !count_not(fresh + 0x4800, BUF_LEN - 0x4800, 0),
                   "dma_iopf", "12288 bytes -> untouched pages at %p: "
                   "status 0x%x result %u after %u stall(s); %s %s",
                   (void *)(fresh + 0x1800), d.status, d.result, d.stalls,
                   memcmp(src + 0x200, fresh + 0x1800, 0x3000) ?
                   "the bytes differ" : "every byte arrived",
                   r ? errname(-r) : "");
        }
    }
    if (!skipping("sva_unbind")) {
        r = ioctl(fd, SMMU_TESTDEV_SVA_UNBIND) ? errno : 0;
        report(r == 0, "sva_unbind", "%s", r ? errname(r) : "");
    }
    return nest_done();
}
