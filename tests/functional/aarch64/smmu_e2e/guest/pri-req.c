/*
 * pri-req: a PCIe Page Request through the SMMU's PRI queue with Linux's
 * arm-smmu-v3 as the driver, a level-1 program of the e2e-nesting suite
 * (see nested-dma.c for the setting and the "NEST" report).
 *
 * Linux 7.2 sets up the PRI queue but enables PRI in no endpoint and has
 * no page-fault handler for it: it logs each request as unexpected and
 * answers CMD_PRI_RESP with Deny, which the device sees as a PRG Response
 * Failure.  So the program enables PRI in smmu-testdev's capability
 * itself (through sysfs: VFIO keeps the capability read-only), has the
 * device send one Page Request with Last set, and checks the response
 * the device got and what Linux logged.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "iommufd-nest.h"
#include "pci-vfio.h"
#include "testdev-dma.h"

/* smmu-testdev's PRI registers (smmu-testdev.h) */
#define REG_PRI_ADDR        0x90
#define REG_PRI_REQ         0x98
#define REG_PRI_STATUS      0x9c
#define REG_PRI_RESP_COUNT  0xa0
#define REG_PRI_RESP_CODE   0xa4
#define REG_PRI_RESP_PRGI   0xa8
#define PRI_REQ_GO          (1u << 0)
#define PRI_REQ_R           (1u << 1)
#define PRI_REQ_W           (1u << 2)
#define PRI_REQ_LAST        (1u << 5)
#define PRI_ST_SENT         1
#define PRI_RESP_FAILURE    0xf
/* PCIe PRI capability: Control at +4, Outstanding Allocation at +0xc */
#define PRI_CAP             0x110
#define PRI_CTRL_ENABLE     1u

#define IOVA_BASE           0x30000000ULL
#define FAULT_IOVA          0x50000000ULL   /* mapped nowhere */
#define PRGI                0x12

static struct nest nest;

static int config_write(const char *bdf, unsigned off, const void *v, int n)
{
    char path[300];
    int fd, r;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
    fd = open(path, O_RDWR);
    if (fd < 0) {
        return errno;
    }
    r = pwrite(fd, v, n, off) == n ? 0 : errno ? errno : EIO;
    close(fd);
    return r;
}

int main(void)
{
    char bdf[300] = "";
    uint32_t alloc = 32;
    uint16_t ctrl = PRI_CTRL_ENABLE;
    int r;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(NEST_MARK " start pri-req\n");
    nest_open(&nest, TESTDEV_VENDOR, TESTDEV_DEVICE, "smmu-testdev");
    nest_ioas(&nest, IOVA_BASE, 16 * NEST_PG);
    if (!skipping("attach_paging")) {
        struct vfio_device_attach_iommufd_pt at = {
            .argsz = sizeof(at), .pt_id = nest.ioas_id,
        };
        r = ioctl(nest.devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
        report(r == 0, "attach_paging", r ? errname(errno) :
               "device on a paging domain of ioas %u", nest.ioas_id);
    }
    testdev_bar = nest_testdev_bar0(&nest);
    if (!skipping("pri_enable")) {
        find_pci_function(TESTDEV_VENDOR, TESTDEV_DEVICE, bdf, sizeof(bdf));
        r = config_write(bdf, PRI_CAP + 0xc, &alloc, 4);
        if (!r) {
            r = config_write(bdf, PRI_CAP + 4, &ctrl, 2);
        }
        report(r == 0, "pri_enable", r ? errname(r) : "PRI enabled in %s's "
               "capability, %u outstanding requests", bdf, alloc);
    }
    if (!skipping("page_request")) {
        wr32(REG_PRI_RESP_COUNT, 0);
        wr64(REG_PRI_ADDR, FAULT_IOVA);
        wr32(REG_PRI_REQ, PRI_REQ_GO | PRI_REQ_R | PRI_REQ_W | PRI_REQ_LAST |
             PRGI << 16);
        report(rd32(REG_PRI_STATUS) == PRI_ST_SENT, "page_request",
               "Page Request for 0x%llx (RW, Last, PRG index 0x%x): %s",
               FAULT_IOVA, PRGI, rd32(REG_PRI_STATUS) == PRI_ST_SENT ?
               "sent" : "refused by the device (no PRI at the SMMU)");
    }
    if (!skipping("prg_response")) {
        struct timespec pause = { 0, 10 * 1000 * 1000 };

        /* Linux answers from its PRI queue thread */
        for (int i = 0; i < 300 && !rd32(REG_PRI_RESP_COUNT); i++) {
            nanosleep(&pause, NULL);
        }
        report(rd32(REG_PRI_RESP_COUNT) == 1 &&
               rd32(REG_PRI_RESP_CODE) == PRI_RESP_FAILURE &&
               rd32(REG_PRI_RESP_PRGI) == PRGI, "prg_response",
               "%u response(s), code 0x%x (want 0x%x: Linux denies), PRG "
               "index 0x%x", rd32(REG_PRI_RESP_COUNT),
               rd32(REG_PRI_RESP_CODE), PRI_RESP_FAILURE,
               rd32(REG_PRI_RESP_PRGI));
    }
    return nest_done();
}
