/*
 * The iommufd nesting set-up and the step report of the level-1 programs
 * (see iommufd-nest.h).  Plain libc (glibc's strerrorname_np for the
 * errno names the report wants).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "iommufd-nest.h"
#include "pci-vfio.h"

/* VMSAv8-64 4 KiB granule, 39-bit input: levels 1, 2, 3. */
#define T0SZ                25
#define DESC_VALID          (1ULL << 0)
#define DESC_TABLE          (1ULL << 1)     /* table at L1/L2, page at L3 */
#define DESC_AP_EL0_RW      (1ULL << 6)     /* AP[2:1] = 0b01 */
#define DESC_SH_INNER       (3ULL << 8)
#define DESC_AF             (1ULL << 10)
#define DESC_NG             (1ULL << 11)
#define DESC_ADDR_MASK      0x0000fffffffff000ULL

/* IHI 0070 5.2 (STE), 5.4 (CD), 4.4 (commands). */
#define STE0_V              (1ULL << 0)
#define STE0_CFG_S1         (5ULL << 1)
#define STE0_CTXPTR_MASK    0x000fffffffffffc0ULL
#define STE1_S1CIR_WBRA     (1ULL << 2)
#define STE1_S1COR_WBRA     (1ULL << 4)
#define STE1_S1CSH_IS       (3ULL << 6)
#define CD0_T0SZ(x)         ((uint64_t)(x))
#define CD0_IRGN0_WBWA      (1ULL << 8)
#define CD0_ORGN0_WBWA      (1ULL << 10)
#define CD0_SH0_IS          (3ULL << 12)
#define CD0_EPD1            (1ULL << 30)
#define CD0_V               (1ULL << 31)
#define CD0_IPS_40          (2ULL << 32)  /* our IPAs are far below */
#define CD0_AA64            (1ULL << 41)
#define CD0_R               (1ULL << 45)
#define CD0_A               (1ULL << 46)
#define CD0_ASID(x)         ((uint64_t)(x) << 48)
#define CD1_TTB0_MASK       0x000ffffffffffff0ULL
#define MAIR_ATTR0_WB       0xffULL
#define CMD_TLBI_NH_VA      0x12
#define CMD_TLBI_ASID(x)    ((uint64_t)(x) << 48)
#define CMD_TLBI_LEAF       1ULL
#define CMD_ATC_INV         0x40
#define CMD_ATC_SID(x)      ((uint64_t)(x) << 32)

static int passed, failed, skipped;
static const char *first_failure;

const char *errname(int e)
{
    const char *name = strerrorname_np(e);
    return name ? name : "E?";
}

int report(int ok, const char *step, const char *fmt, ...)
{
    char detail[512] = "";
    va_list ap;

    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
    }
    if (ok) {
        passed++;
        printf(NEST_MARK " ok %s %s\n", step, detail);
    } else {
        failed++;
        first_failure = step;
        printf(NEST_MARK " not ok %s %s\n", step, detail);
    }
    fflush(stdout);
    return ok;
}

int skipping(const char *step)
{
    if (!first_failure) {
        return 0;
    }
    skipped++;
    printf(NEST_MARK " skip %s after %s failed\n", step, first_failure);
    fflush(stdout);
    return 1;
}

int nest_failed(void)
{
    return first_failure != NULL;
}

int nest_done(void)
{
    printf(NEST_MARK " done %d %d %d\n", passed, failed, skipped);
    fflush(stdout);
    return failed ? 1 : 0;
}

void nest_open(struct nest *n, unsigned vendor, unsigned device,
               const char *what)
{
    char bdf[300] = "", cdev[300] = "";
    int r;

    n->iommufd = n->devfd = n->eqfd = -1;
    if (!skipping("find_device")) {
        report(find_pci_function(vendor, device, bdf, sizeof(bdf)),
               "find_device", "%s %04x:%04x at %s", what, vendor, device,
               bdf[0] ? bdf : "(none)");
    }
    if (!skipping("bind_vfio")) {
        r = bind_vfio(bdf, cdev, sizeof(cdev));
        if (r == 0) {
            n->devfd = open(cdev, O_RDWR);
            r = n->devfd < 0 ? -errno : 0;
        }
        n->iommufd = open("/dev/iommu", O_RDWR);
        if (r == 0 && n->iommufd < 0) {
            r = -errno;
        }
        report(r == 0, "bind_vfio", "%s %s", cdev[0] ? cdev : "no cdev",
               r ? errname(-r) : "open, /dev/iommu open");
    }
    if (!skipping("bind_iommufd")) {
        struct vfio_device_bind_iommufd b = {
            .argsz = sizeof(b), .iommufd = n->iommufd,
        };
        r = ioctl(n->devfd, VFIO_DEVICE_BIND_IOMMUFD, &b);
        n->dev_id = b.out_devid;
        report(r == 0, "bind_iommufd", r ? errname(errno) : "dev_id %u",
               n->dev_id);
    }
}

void nest_ioas(struct nest *n, uint64_t ipa, uint64_t size)
{
    int r;

    if (!skipping("ioas_map")) {
        struct iommu_ioas_alloc a = { .size = sizeof(a) };
        struct iommu_ioas_map m = {
            .size = sizeof(m),
            .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                     IOMMU_IOAS_MAP_WRITEABLE,
            .length = size, .iova = ipa,
        };
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

        r = p == MAP_FAILED ? -1 : ioctl(n->iommufd, IOMMU_IOAS_ALLOC, &a);
        if (r == 0) {
            n->mem = p;
            n->ipa = ipa;
            n->size = size;
            n->ioas_id = a.out_ioas_id;
            m.ioas_id = n->ioas_id;
            m.user_va = (uintptr_t)p;
            r = ioctl(n->iommufd, IOMMU_IOAS_MAP, &m);
        }
        report(r == 0, "ioas_map", r ? errname(errno) :
               "ioas %u: %llu KiB at IPA 0x%llx", n->ioas_id,
               (unsigned long long)size / 1024, (unsigned long long)ipa);
    }
}

int nest_map_page(struct nest *n, uint64_t iova, uint8_t **page)
{
    struct iommu_ioas_map m = {
        .size = sizeof(m), .ioas_id = n->ioas_id,
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                 IOMMU_IOAS_MAP_WRITEABLE,
        .length = NEST_PG, .iova = iova,
    };
    void *p = mmap(NULL, NEST_PG, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

    if (p == MAP_FAILED) {
        return errno;
    }
    *page = p;
    m.user_va = (uintptr_t)p;
    return ioctl(n->iommufd, IOMMU_IOAS_MAP, &m) ? errno : 0;
}

int nest_unmap_page(struct nest *n, uint64_t iova)
{
    struct iommu_ioas_unmap u = {
        .size = sizeof(u), .ioas_id = n->ioas_id,
        .iova = iova, .length = NEST_PG,
    };

    return ioctl(n->iommufd, IOMMU_IOAS_UNMAP, &u) ? errno : 0;
}

void nest_viommu(struct nest *n, uint32_t vsid)
{
    int r;

    n->vsid = vsid;
    if (!skipping("hwpt_nest_parent")) {
        struct iommu_hwpt_alloc h = {
            .size = sizeof(h), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
            .dev_id = n->dev_id, .pt_id = n->ioas_id,
            .data_type = IOMMU_HWPT_DATA_NONE,
        };
        r = ioctl(n->iommufd, IOMMU_HWPT_ALLOC, &h);
        n->s2_id = h.out_hwpt_id;
        report(r == 0, "hwpt_nest_parent", r ? errname(errno) :
               "stage-2 hwpt %u", n->s2_id);
    }

    /* The vIOMMU and the device's virtual StreamID. */
    if (!skipping("viommu_alloc")) {
        struct iommu_viommu_alloc v = {
            .size = sizeof(v), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
            .dev_id = n->dev_id, .hwpt_id = n->s2_id,
        };
        r = ioctl(n->iommufd, IOMMU_VIOMMU_ALLOC, &v);
        n->viommu_id = v.out_viommu_id;
        report(r == 0, "viommu_alloc", r ? errname(errno) : "viommu %u",
               n->viommu_id);
    }
    if (!skipping("vdevice_alloc")) {
        struct iommu_vdevice_alloc v = {
            .size = sizeof(v), .viommu_id = n->viommu_id,
            .dev_id = n->dev_id, .virt_id = vsid,
        };
        r = ioctl(n->iommufd, IOMMU_VDEVICE_ALLOC, &v);
        n->vdev_id = v.out_vdevice_id;
        report(r == 0, "vdevice_alloc", r ? errname(errno) :
               "vdevice %u, virtual SID 0x%x", n->vdev_id, vsid);
    }
    if (!skipping("veventq_alloc")) {
        struct iommu_veventq_alloc q = {
            .size = sizeof(q), .viommu_id = n->viommu_id,
            .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = 16,
        };
        r = ioctl(n->iommufd, IOMMU_VEVENTQ_ALLOC, &q);
        n->eqfd = r ? -1 : (int)q.out_veventq_fd;
        report(r == 0, "veventq_alloc", r ? errname(errno) :
               "veventq %u, fd %d", q.out_veventq_id, n->eqfd);
    }
}

void nest_stage2(struct nest *n, uint64_t ipa, uint64_t size, uint32_t vsid)
{
    /* Stage 2: the IOAS maps fresh memory at ipa; a nest parent on it. */
    nest_ioas(n, ipa, size);
    nest_viommu(n, vsid);
}

static uint64_t *table_at(struct nest *n, uint64_t ipa)
{
    return (uint64_t *)(n->mem + (ipa - n->ipa));
}

void nest_s1_init(struct nest *n, uint64_t cd_off, uint64_t pool_off,
                  uint64_t pool_end, uint16_t asid)
{
    uint64_t *cd = (uint64_t *)(n->mem + cd_off);

    memset(n->mem + cd_off, 0, NEST_PG);
    memset(n->mem + pool_off, 0, pool_end - pool_off);
    n->cd_off = cd_off;
    n->l1_off = pool_off;
    n->pool = pool_off + NEST_PG;
    n->pool_end = pool_end;
    n->asid = asid;
    cd[0] = CD0_T0SZ(T0SZ) | CD0_IRGN0_WBWA | CD0_ORGN0_WBWA | CD0_SH0_IS |
            CD0_EPD1 | CD0_V | CD0_IPS_40 | CD0_AA64 | CD0_R | CD0_A |
            CD0_ASID(asid);
    cd[1] = (n->ipa + n->l1_off) & CD1_TTB0_MASK;
    cd[2] = 0;
    cd[3] = MAIR_ATTR0_WB;
    __sync_synchronize();
}

/* The next-level table of desc, a new one from the pool when alloc. */
static uint64_t *next_table(struct nest *n, uint64_t *desc, int alloc)
{
    if (!(*desc & DESC_VALID)) {
        if (!alloc || n->pool >= n->pool_end) {
            return NULL;
        }
        *desc = (n->ipa + n->pool) | DESC_TABLE | DESC_VALID;
        n->pool += NEST_PG;
    }
    return table_at(n, *desc & DESC_ADDR_MASK);
}

static uint64_t *walk(struct nest *n, uint64_t iova, int alloc)
{
    uint64_t *l1 = (uint64_t *)(n->mem + n->l1_off), *l2, *l3;

    l2 = next_table(n, &l1[(iova >> 30) & 511], alloc);
    l3 = l2 ? next_table(n, &l2[(iova >> 21) & 511], alloc) : NULL;
    return l3 ? &l3[(iova >> 12) & 511] : NULL;
}

int nest_s1_map(struct nest *n, uint64_t iova, uint64_t ipa)
{
    uint64_t *leaf = walk(n, iova, 1);

    if (!leaf) {
        return -1;
    }
    /* At level 3 DESC_TABLE marks a page descriptor. */
    *leaf = (ipa & DESC_ADDR_MASK) | DESC_TABLE | DESC_VALID |
            DESC_AP_EL0_RW | DESC_SH_INNER | DESC_AF | DESC_NG;
    __sync_synchronize();
    return 0;
}

uint64_t *nest_s1_leaf(struct nest *n, uint64_t iova)
{
    return walk(n, iova, 0);
}

uint64_t nest_ipa(struct nest *n, const void *p)
{
    return n->ipa + (uint64_t)((const uint8_t *)p - n->mem);
}

void nest_attach(struct nest *n)
{
    int r;

    if (!skipping("hwpt_nested")) {
        struct iommu_hwpt_arm_smmuv3 vste;
        struct iommu_hwpt_alloc h = {
            .size = sizeof(h), .dev_id = n->dev_id, .pt_id = n->viommu_id,
            .data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
            .data_len = sizeof(vste), .data_uptr = (uintptr_t)&vste,
        };
        vste.ste[0] = STE0_V | STE0_CFG_S1 |
                      ((n->ipa + n->cd_off) & STE0_CTXPTR_MASK);
        vste.ste[1] = STE1_S1CIR_WBRA | STE1_S1COR_WBRA | STE1_S1CSH_IS |
                      n->vste1;
        r = ioctl(n->iommufd, IOMMU_HWPT_ALLOC, &h);
        n->nested_id = h.out_hwpt_id;
        report(r == 0, "hwpt_nested", r ? errname(errno) :
               "nested hwpt %u: vSTE S1 translate, CD at IPA 0x%llx, "
               "TTB0 IPA 0x%llx, ASID %d", n->nested_id,
               (unsigned long long)(n->ipa + n->cd_off),
               (unsigned long long)(n->ipa + n->l1_off), n->asid);
    }
    if (!skipping("attach_nested")) {
        struct vfio_device_attach_iommufd_pt at = {
            .argsz = sizeof(at), .pt_id = n->nested_id,
        };
        r = ioctl(n->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
        report(r == 0, "attach_nested", r ? errname(errno) :
               "device attached to hwpt %u", n->nested_id);
    }
}

volatile uint8_t *nest_testdev_bar0(struct nest *n)
{
    uint32_t id = 0;
    int r;

    if (skipping("map_bar0")) {
        return NULL;
    }
    r = nest_map_bar0(n);
    if (!r) {
        id = *(volatile uint32_t *)n->bar;      /* smmu-testdev's ID */
    }
    report(!r && id == 0x534d4d55, "map_bar0", r ? errname(r) :
           "BAR0 %llu KiB, ID 0x%08x", (unsigned long long)n->bar_size / 1024,
           id);
    return !r && id == 0x534d4d55 ? n->bar : NULL;
}

uint16_t nest_cfg16(struct nest *n, unsigned off)
{
    struct vfio_region_info ci = {
        .argsz = sizeof(ci), .index = VFIO_PCI_CONFIG_REGION_INDEX,
    };
    uint16_t v = 0;

    if (ioctl(n->devfd, VFIO_DEVICE_GET_REGION_INFO, &ci) ||
        pread(n->devfd, &v, 2, ci.offset + off) != 2) {
        return 0;
    }
    return v;
}

int nest_map_bar0(struct nest *n)
{
    struct vfio_region_info ri = {
        .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX,
    };
    struct vfio_region_info ci = {
        .argsz = sizeof(ci), .index = VFIO_PCI_CONFIG_REGION_INDEX,
    };
    uint16_t cmd = 0;
    void *p;

    if (ioctl(n->devfd, VFIO_DEVICE_GET_REGION_INFO, &ri) ||
        ioctl(n->devfd, VFIO_DEVICE_GET_REGION_INFO, &ci)) {
        return errno;
    }
    p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, n->devfd,
             ri.offset);
    if (p == MAP_FAILED) {
        return errno;
    }
    n->bar = p;
    n->bar_size = ri.size;
    if (pread(n->devfd, &cmd, 2, ci.offset + 4) != 2) {
        return errno ? errno : EIO;
    }
    cmd |= 0x6;             /* PCI_COMMAND: memory, bus master */
    if (pwrite(n->devfd, &cmd, 2, ci.offset + 4) != 2) {
        return errno ? errno : EIO;
    }
    return 0;
}

/* One command through the vIOMMU; *handled: entries the kernel took */
static int viommu_cmd(struct nest *n, uint64_t cmd0, uint64_t cmd1,
                      uint32_t *handled)
{
    struct iommu_viommu_arm_smmuv3_invalidate c = { .cmd = { cmd0, cmd1 } };
    struct iommu_hwpt_invalidate inv = {
        .size = sizeof(inv), .hwpt_id = n->viommu_id,
        .data_uptr = (uintptr_t)&c,
        .data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
        .entry_len = sizeof(c), .entry_num = 1,
    };
    int r = ioctl(n->iommufd, IOMMU_HWPT_INVALIDATE, &inv);

    *handled = inv.entry_num;
    return r;
}

int nest_tlbi_va(struct nest *n, uint64_t iova, uint32_t *handled)
{
    return viommu_cmd(n, CMD_TLBI_NH_VA | CMD_TLBI_ASID(n->asid),
                      (iova & ~(NEST_PG - 1)) | CMD_TLBI_LEAF, handled);
}

/* IHI 0070 4.6.1: Size is log2 of the span in 4 KiB pages, aligned to it */
int nest_atc_inv(struct nest *n, uint64_t iova, unsigned log2_pages,
                 uint32_t *handled)
{
    uint64_t span = NEST_PG << log2_pages;

    return viommu_cmd(n, CMD_ATC_INV | CMD_ATC_SID(n->vsid),
                      (iova & ~(span - 1)) | log2_pages, handled);
}

ssize_t nest_read_event(struct nest *n, int timeout_ms, uint64_t evt[4])
{
    struct {
        struct iommufd_vevent_header h;
        struct iommu_vevent_arm_smmuv3 e;
    } ev;
    struct pollfd pfd = { .fd = n->eqfd, .events = POLLIN };
    ssize_t got;

    memset(&ev, 0, sizeof(ev));
    if (n->eqfd < 0 || poll(&pfd, 1, timeout_ms) != 1) {
        return -1;
    }
    got = read(n->eqfd, &ev, sizeof(ev));
    if (got != (ssize_t)sizeof(ev)) {
        return -1;
    }
    memcpy(evt, ev.e.evt, sizeof(ev.e.evt));
    return sizeof(ev.e.evt);
}

/*
 * After a DMA that should have worked failed: what the vEVENTQ says (the
 * kernel forwards stage-1 and configuration events to it), for the log.
 */
const char *nest_pending_event(struct nest *n)
{
    static char text[160];
    uint64_t e[4];

    if (nest_read_event(n, 1000, e) < 0) {
        return "no vEVENTQ record";
    }
    snprintf(text, sizeof(text), "vEVENTQ record %016llx %016llx %016llx "
             "%016llx", (unsigned long long)e[0], (unsigned long long)e[1],
             (unsigned long long)e[2], (unsigned long long)e[3]);
    return text;
}
