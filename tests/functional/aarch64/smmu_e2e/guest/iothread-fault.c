/*
 * iothread-fault: a guest program of the e2e iothread suite.
 *
 * QEMU runs a virtio-blk-pci disk with iommu_platform=on whose queues
 * are served by an iothread.  This program takes the disk from its
 * driver, binds it to vfio-pci, attaches it to an empty iommufd IOAS
 * (nothing mapped: every DMA of the device faults in the SMMU) and starts
 * virtio queue 0 with its rings at unmapped IOVAs.  The notify makes the
 * iothread read the ring, which faults: the SMMU records F_TRANSLATION
 * and raises its event interrupt from a thread that does not hold
 * QEMU's BQL.  The host checks that QEMU stays up; the guest's init
 * shows what Linux logged.
 *
 * Output: "IOTF ok|not ok <step> <detail>" per step, "IOTF done" last.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "pci-vfio.h"

#define MARK                "IOTF"
#define VIRTIO_VENDOR       0x1af4
#define VIRTIO_BLK_MODERN   0x1042

/* virtio 1.x PCI capabilities and common configuration (virtio 4.1.4) */
#define PCI_CAP_VNDR        0x09
#define CAP_COMMON          1
#define CAP_NOTIFY          2
#define CC_DFSELECT         0x00
#define CC_DF               0x04
#define CC_GFSELECT         0x08
#define CC_GF               0x0c
#define CC_MSIX             0x10
#define CC_STATUS           0x14
#define CC_Q_SELECT         0x16
#define CC_Q_SIZE           0x18
#define CC_Q_MSIX           0x1a
#define CC_Q_ENABLE         0x1c
#define CC_Q_NOTIFY_OFF     0x1e
#define CC_Q_DESC           0x20
#define CC_Q_DRIVER         0x28
#define CC_Q_DEVICE         0x30
#define ST_ACK              1
#define ST_DRIVER           2
#define ST_DRIVER_OK        4
#define ST_FEATURES_OK      8
#define ST_NEEDS_RESET      0x40
#define F_HI_VERSION_1      (1u << 0)   /* feature 32 */
#define F_HI_ACCESS_PLAT    (1u << 1)   /* feature 33 */
#define NO_VECTOR           0xffff

/* Nothing is mapped in the IOAS: these IOVAs fault. */
#define RING_DESC           0x100000ULL
#define RING_DRIVER         0x200000ULL
#define RING_DEVICE         0x300000ULL
#define QUEUE_SIZE          16

static int failed;

static int report(int ok, const char *step, const char *fmt, ...)
{
    char detail[256] = "";
    va_list ap;

    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
    }
    printf(MARK " %s %s %s\n", ok ? "ok" : "not ok", step, detail);
    fflush(stdout);
    failed += !ok;
    return ok;
}

static int devfd = -1;

/* VFIO region offsets: config space and the BARs */
static uint64_t region_offset(unsigned index)
{
    struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };

    if (ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
        return UINT64_MAX;
    }
    return ri.offset;
}

static uint64_t cfg_off;

static uint32_t cfg_read(unsigned off, unsigned size)
{
    uint32_t v = 0;

    if (pread(devfd, &v, size, cfg_off + off) != (ssize_t)size) {
        return 0;
    }
    return v;
}

static void cfg_write(unsigned off, uint32_t v, unsigned size)
{
    if (pwrite(devfd, &v, size, cfg_off + off) != (ssize_t)size) {
        report(0, "config_write", "offset 0x%x: %s", off, strerror(errno));
    }
}

/* Where a virtio structure lives: BAR region offset + offset in BAR */
static uint64_t common, notify;
static uint32_t notify_mult;

static int find_caps(void)
{
    unsigned pos = cfg_read(0x34, 1) & 0xfc;
    int guard = 48;

    while (pos && guard--) {
        unsigned id = cfg_read(pos, 1), type = cfg_read(pos + 3, 1);
        unsigned barno = cfg_read(pos + 4, 1);
        uint32_t off = cfg_read(pos + 8, 4);

        if (id == PCI_CAP_VNDR && barno < 6 &&
            (type == CAP_COMMON || type == CAP_NOTIFY)) {
            uint64_t at = region_offset(VFIO_PCI_BAR0_REGION_INDEX + barno);

            if (at == UINT64_MAX) {
                return 0;
            }
            if (type == CAP_COMMON) {
                common = at + off;
            } else {
                notify = at + off;
                notify_mult = cfg_read(pos + 16, 4);
            }
        }
        pos = cfg_read(pos + 1, 1) & 0xfc;
    }
    return common && notify;
}

static uint32_t cc_read(unsigned off, unsigned size)
{
    uint32_t v = 0;

    if (pread(devfd, &v, size, common + off) != (ssize_t)size) {
        return UINT32_MAX;
    }
    return v;
}

static void cc_write(unsigned off, uint32_t v, unsigned size)
{
    if (pwrite(devfd, &v, size, common + off) != (ssize_t)size) {
        report(0, "bar_write", "offset 0x%x: %s", off, strerror(errno));
    }
}

static void cc_write64(unsigned off, uint64_t v)
{
    cc_write(off, (uint32_t)v, 4);
    cc_write(off + 4, (uint32_t)(v >> 32), 4);
}

int main(void)
{
    char bdf[300] = "", cdev[300] = "";
    int iommufd, r;
    uint32_t hi, status, qsize;
    uint16_t qnotify, q0 = 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!report(find_pci_function(VIRTIO_VENDOR, VIRTIO_BLK_MODERN, bdf,
                                  sizeof(bdf)), "find_disk",
                "virtio-blk (modern) at %s", bdf)) {
        goto out;
    }
    r = bind_vfio(bdf, cdev, sizeof(cdev));
    if (!report(r == 0, "bind_vfio", "%s", r ? strerror(-r) : cdev)) {
        goto out;
    }
    iommufd = open("/dev/iommu", O_RDWR);
    devfd = open(cdev, O_RDWR);
    if (!report(iommufd >= 0 && devfd >= 0, "open", "%s",
                strerror(errno))) {
        goto out;
    }
    {
        struct vfio_device_bind_iommufd bind = {
            .argsz = sizeof(bind), .iommufd = iommufd,
        };
        struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
        struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };

        r = ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind) ||
            ioctl(iommufd, IOMMU_IOAS_ALLOC, &ioas);
        if (!r) {
            at.pt_id = ioas.out_ioas_id;
            r = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
        }
        if (!report(r == 0, "attach_empty_ioas", "%s",
                    r ? strerror(errno) : "nothing mapped")) {
            goto out;
        }
    }
    cfg_off = region_offset(VFIO_PCI_CONFIG_REGION_INDEX);
    if (!report(cfg_off != UINT64_MAX && find_caps(), "virtio_caps",
                "common 0x%llx notify 0x%llx x%u",
                (unsigned long long)common, (unsigned long long)notify,
                notify_mult)) {
        goto out;
    }
    /* Memory space and bus mastering on */
    cfg_write(4, cfg_read(4, 2) | 0x6, 2);

    /* virtio 3.1.1: reset, ACKNOWLEDGE | DRIVER, features, FEATURES_OK */
    cc_write(CC_STATUS, 0, 1);
    cc_write(CC_STATUS, ST_ACK | ST_DRIVER, 1);
    cc_write(CC_DFSELECT, 1, 4);
    hi = cc_read(CC_DF, 4);
    cc_write(CC_GFSELECT, 0, 4);
    cc_write(CC_GF, 0, 4);
    cc_write(CC_GFSELECT, 1, 4);
    cc_write(CC_GF, hi & (F_HI_VERSION_1 | F_HI_ACCESS_PLAT), 4);
    cc_write(CC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK, 1);
    status = cc_read(CC_STATUS, 1);
    if (!report(status & ST_FEATURES_OK && hi & F_HI_ACCESS_PLAT,
                "features", "device features[63:32] 0x%x, status 0x%x",
                hi, status)) {
        goto out;
    }
    /* Queue 0 with its rings at unmapped IOVAs; no interrupts */
    cc_write(CC_MSIX, NO_VECTOR, 2);
    cc_write(CC_Q_SELECT, 0, 2);
    qsize = cc_read(CC_Q_SIZE, 2);
    if (qsize > QUEUE_SIZE) {
        cc_write(CC_Q_SIZE, QUEUE_SIZE, 2);
    }
    cc_write(CC_Q_MSIX, NO_VECTOR, 2);
    cc_write64(CC_Q_DESC, RING_DESC);
    cc_write64(CC_Q_DRIVER, RING_DRIVER);
    cc_write64(CC_Q_DEVICE, RING_DEVICE);
    cc_write(CC_Q_ENABLE, 1, 2);
    qnotify = cc_read(CC_Q_NOTIFY_OFF, 2);
    cc_write(CC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK,
             1);
    report(1, "queue_started", "rings at IOVA 0x%llx/0x%llx/0x%llx",
           (unsigned long long)RING_DESC, (unsigned long long)RING_DRIVER,
           (unsigned long long)RING_DEVICE);

    /* The iothread serves the notify: its ring reads fault */
    r = pwrite(devfd, &q0, 2, notify + (uint64_t)qnotify * notify_mult) == 2;
    report(r, "notify", "queue 0 kicked");
    sleep(3);
    status = cc_read(CC_STATUS, 1);
    report(1, "device_status", "0x%x%s", status,
           status & ST_NEEDS_RESET ? " (NEEDS_RESET: the device saw the "
           "fault)" : "");
out:
    printf(MARK " done %d\n", failed);
    fflush(stdout);
    return failed ? 1 : 0;
}
