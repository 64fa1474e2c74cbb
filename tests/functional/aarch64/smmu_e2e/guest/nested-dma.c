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
 * A guest program, not QEMU code: plain libc (strtoul, and glibc's
 * strerrorname_np for the errno names the report wants).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "pci-vfio.h"

/* smmu-testdev (include/hw/misc/smmu-testdev.h in the QEMU tree). */
#define TESTDEV_VENDOR      0x1af4
#define TESTDEV_DEVICE      0x10f5
#define REG_ID              0x00
#define REG_SRC             0x08
#define REG_DST             0x10
#define REG_LEN             0x18
#define REG_OP              0x1c
#define REG_DOORBELL        0x24
#define REG_STATUS          0x28
#define REG_RESULT          0x2c
#define TESTDEV_MAGIC       0x534d4d55
#define TESTDEV_BUF         0x10000
#define OP_READ             1
#define OP_WRITE            2
#define STATUS_DONE         1u
#define STATUS_ERR(s)       (((s) >> 8) & 0xff)

/*
 * The "guest" memory: one buffer mapped in the IOAS at IPA_BASE.  Page
 * offsets inside it:
 */
#define IPA_BASE            0x10000000ULL
#define MEM_SIZE            (256 * 1024)
#define PG                  0x1000ULL
#define OFF_CD              0x0000      /* Context Descriptor (64 bytes) */
#define OFF_L1              0x1000      /* stage-1 level-1 table */
#define OFF_L2              0x2000      /* level 2 */
#define OFF_L3              0x3000      /* level 3 */
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

/* VMSAv8-64 4 KiB granule, 39-bit input: levels 1, 2, 3. */
#define T0SZ                25
#define DESC_VALID          (1ULL << 0)
#define DESC_TABLE          (1ULL << 1)     /* table at L1/L2, page at L3 */
#define DESC_AP_EL0_RW      (1ULL << 6)     /* AP[2:1] = 0b01 */
#define DESC_SH_INNER       (3ULL << 8)
#define DESC_AF             (1ULL << 10)
#define DESC_NG             (1ULL << 11)

/* IHI 0070 5.2 (STE), 5.4 (CD), 4.4 (commands), 7.3 (events). */
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
#define EVT_F_TRANSLATION   0x10

#define MARK "NEST"

static int passed, failed, skipped;
static const char *first_failure;

static const char *errname(int e)
{
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

/* Print one step's verdict; after a failure every later step is skipped. */
static int report(int ok, const char *step, const char *fmt, ...)
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
        printf(MARK " ok %s %s\n", step, detail);
    } else {
        failed++;
        first_failure = step;
        printf(MARK " not ok %s %s\n", step, detail);
    }
    fflush(stdout);
    return ok;
}

static int skipping(const char *step)
{
    if (!first_failure) {
        return 0;
    }
    skipped++;
    printf(MARK " skip %s after %s failed\n", step, first_failure);
    fflush(stdout);
    return 1;
}

static volatile uint8_t *bar;      /* MMIO: every access must happen */

static uint32_t rd32(uint32_t off)
{
    return *(volatile uint32_t *)(bar + off);  /* MMIO read */
}

static void wr32(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(bar + off) = v;     /* MMIO write */
}

static void wr64(uint32_t off, uint64_t v)
{
    wr32(off, (uint32_t)v);
    wr32(off + 4, (uint32_t)(v >> 32));
}

/* One device operation; returns the MemTxResult, or -1 when refused. */
static int dma(int op, uint64_t iova, uint32_t len)
{
    uint32_t st;

    __sync_synchronize();
    if (op == OP_READ) {
        wr64(REG_SRC, iova);
    } else {
        wr64(REG_DST, iova);
    }
    wr32(REG_LEN, len);
    wr32(REG_OP, op);
    wr32(REG_DOORBELL, 1);
    st = rd32(REG_STATUS);
    __sync_synchronize();
    if (!(st & STATUS_DONE) || STATUS_ERR(st)) {
        return -1;
    }
    return (int)rd32(REG_RESULT);
}

static void devbuf_fill(const uint8_t *src, uint32_t len)
{
    for (uint32_t i = 0; i < len; i += 4) {
        uint32_t v;

        memcpy(&v, src + i, 4);
        wr32(TESTDEV_BUF + i, v);
    }
}

static int devbuf_equals(const uint8_t *want, uint32_t len)
{
    for (uint32_t i = 0; i < len; i += 4) {
        uint32_t v = rd32(TESTDEV_BUF + i), w;

        memcpy(&w, want + i, 4);
        if (v != w) {
            return 0;
        }
    }
    return 1;
}

static uint8_t *mem;            /* IPA_BASE .. IPA_BASE + MEM_SIZE */

static uint64_t *u64_at(uint64_t off)
{
    return (uint64_t *)(mem + off);
}

static void pattern(uint8_t *p, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = seed >> 16;
    }
}

static int eqfd = -1;

/*
 * After a DMA that should have worked failed: what the vEVENTQ says (the
 * kernel forwards stage-1 and configuration events to it), for the log.
 */
static const char *pending_event(void)
{
    static char text[160];
    struct {
        struct iommufd_vevent_header h;
        struct iommu_vevent_arm_smmuv3 e;
    } ev;
    struct pollfd pfd = { .fd = eqfd, .events = POLLIN };

    if (eqfd < 0 || poll(&pfd, 1, 1000) != 1 ||
        read(eqfd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev)) {
        return "no vEVENTQ record";
    }
    snprintf(text, sizeof(text), "vEVENTQ record %016llx %016llx %016llx "
             "%016llx", (unsigned long long)ev.e.evt[0],
             (unsigned long long)ev.e.evt[1], (unsigned long long)ev.e.evt[2],
             (unsigned long long)ev.e.evt[3]);
    return text;
}

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

/* Stage-1 tables: IOVA -> page A; every table address is an IPA. */
static void build_stage1(void)
{
    unsigned l1 = (IOVA >> 30) & 511, l2 = (IOVA >> 21) & 511;
    unsigned l3 = (IOVA >> 12) & 511;
    uint64_t *cd = u64_at(OFF_CD);

    memset(mem, 0, OFF_A);
    u64_at(OFF_L1)[l1] = (IPA_BASE + OFF_L2) | DESC_TABLE | DESC_VALID;
    u64_at(OFF_L2)[l2] = (IPA_BASE + OFF_L3) | DESC_TABLE | DESC_VALID;
    u64_at(OFF_L3)[l3] = (IPA_BASE + OFF_A) | DESC_TABLE | DESC_VALID |
                         DESC_AP_EL0_RW | DESC_SH_INNER | DESC_AF | DESC_NG;

    cd[0] = CD0_T0SZ(T0SZ) | CD0_IRGN0_WBWA | CD0_ORGN0_WBWA | CD0_SH0_IS |
            CD0_EPD1 | CD0_V | CD0_IPS_40 | CD0_AA64 | CD0_R | CD0_A |
            CD0_ASID(ASID);
    cd[1] = (IPA_BASE + OFF_L1) & CD1_TTB0_MASK;
    cd[2] = 0;
    cd[3] = MAIR_ATTR0_WB;
    __sync_synchronize();
}

static uint64_t *leaf(void)
{
    return &u64_at(OFF_L3)[(IOVA >> 12) & 511];
}

int main(void)
{
    char bdf[300] = "", cdev[300] = "", why[256];
    int iommufd = -1, devfd = -1, r;
    uint32_t dev_id = 0, ioas_id = 0, s2_id = 0, viommu_id = 0;
    uint32_t vdev_id = 0, nested_id = 0;
    static uint8_t snap[MEM_SIZE], pat[DMA_LEN];

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(MARK " start nested-dma\n");

    /* 1. The device, bound to vfio-pci, opened through its cdev. */
    if (!skipping("find_device")) {
        report(find_pci_function(TESTDEV_VENDOR, TESTDEV_DEVICE, bdf,
                                 sizeof(bdf)), "find_device",
               "smmu-testdev %04x:%04x at %s", TESTDEV_VENDOR,
               TESTDEV_DEVICE, bdf[0] ? bdf : "(none)");
    }
    if (!skipping("bind_vfio")) {
        r = bind_vfio(bdf, cdev, sizeof(cdev));
        if (r == 0) {
            devfd = open(cdev, O_RDWR);
            r = devfd < 0 ? -errno : 0;
        }
        iommufd = open("/dev/iommu", O_RDWR);
        if (r == 0 && iommufd < 0) {
            r = -errno;
        }
        report(r == 0, "bind_vfio", "%s %s", cdev[0] ? cdev : "no cdev",
               r ? errname(-r) : "open, /dev/iommu open");
    }
    if (!skipping("bind_iommufd")) {
        struct vfio_device_bind_iommufd b = {
            .argsz = sizeof(b), .iommufd = iommufd,
        };
        r = ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &b);
        dev_id = b.out_devid;
        report(r == 0, "bind_iommufd", r ? errname(errno) : "dev_id %u",
               dev_id);
    }

    /* 2. Stage 2: the IOAS maps our buffer at IPA_BASE; a nest parent. */
    if (!skipping("ioas_map")) {
        struct iommu_ioas_alloc a = { .size = sizeof(a) };
        struct iommu_ioas_map m = {
            .size = sizeof(m),
            .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
                     IOMMU_IOAS_MAP_WRITEABLE,
            .length = MEM_SIZE, .iova = IPA_BASE,
        };
        mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        r = mem == MAP_FAILED ? -1 : ioctl(iommufd, IOMMU_IOAS_ALLOC, &a);
        if (r == 0) {
            ioas_id = a.out_ioas_id;
            m.ioas_id = ioas_id;
            m.user_va = (uintptr_t)mem;
            r = ioctl(iommufd, IOMMU_IOAS_MAP, &m);
        }
        report(r == 0, "ioas_map", r ? errname(errno) :
               "ioas %u: %u KiB at IPA 0x%llx", ioas_id, MEM_SIZE / 1024,
               IPA_BASE);
    }
    if (!skipping("hwpt_nest_parent")) {
        struct iommu_hwpt_alloc h = {
            .size = sizeof(h), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
            .dev_id = dev_id, .pt_id = ioas_id,
            .data_type = IOMMU_HWPT_DATA_NONE,
        };
        r = ioctl(iommufd, IOMMU_HWPT_ALLOC, &h);
        s2_id = h.out_hwpt_id;
        report(r == 0, "hwpt_nest_parent", r ? errname(errno) :
               "stage-2 hwpt %u", s2_id);
    }

    /* 3. The vIOMMU and the device's virtual StreamID. */
    if (!skipping("viommu_alloc")) {
        struct iommu_viommu_alloc v = {
            .size = sizeof(v), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
            .dev_id = dev_id, .hwpt_id = s2_id,
        };
        r = ioctl(iommufd, IOMMU_VIOMMU_ALLOC, &v);
        viommu_id = v.out_viommu_id;
        report(r == 0, "viommu_alloc", r ? errname(errno) : "viommu %u",
               viommu_id);
    }
    if (!skipping("vdevice_alloc")) {
        struct iommu_vdevice_alloc v = {
            .size = sizeof(v), .viommu_id = viommu_id, .dev_id = dev_id,
            .virt_id = VSID,
        };
        r = ioctl(iommufd, IOMMU_VDEVICE_ALLOC, &v);
        vdev_id = v.out_vdevice_id;
        report(r == 0, "vdevice_alloc", r ? errname(errno) :
               "vdevice %u, virtual SID 0x%x", vdev_id, VSID);
    }
    if (!skipping("veventq_alloc")) {
        struct iommu_veventq_alloc q = {
            .size = sizeof(q), .viommu_id = viommu_id,
            .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = 16,
        };
        r = ioctl(iommufd, IOMMU_VEVENTQ_ALLOC, &q);
        eqfd = r ? -1 : (int)q.out_veventq_fd;
        report(r == 0, "veventq_alloc", r ? errname(errno) :
               "veventq %u, fd %d", q.out_veventq_id, eqfd);
    }

    /* 4. The vSTE: stage 1 from a CD at an IPA; nested hwpt; attach. */
    if (!skipping("hwpt_nested")) {
        struct iommu_hwpt_arm_smmuv3 vste;
        struct iommu_hwpt_alloc h = {
            .size = sizeof(h), .dev_id = dev_id, .pt_id = viommu_id,
            .data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
            .data_len = sizeof(vste), .data_uptr = (uintptr_t)&vste,
        };
        build_stage1();
        vste.ste[0] = STE0_V | STE0_CFG_S1 |
                      ((IPA_BASE + OFF_CD) & STE0_CTXPTR_MASK);
        vste.ste[1] = STE1_S1CIR_WBRA | STE1_S1COR_WBRA | STE1_S1CSH_IS;
        r = ioctl(iommufd, IOMMU_HWPT_ALLOC, &h);
        nested_id = h.out_hwpt_id;
        report(r == 0, "hwpt_nested", r ? errname(errno) :
               "nested hwpt %u: vSTE S1 translate, CD at IPA 0x%llx, "
               "TTB0 IPA 0x%llx, ASID %d", nested_id, IPA_BASE + OFF_CD,
               IPA_BASE + OFF_L1, ASID);
    }
    if (!skipping("attach_nested")) {
        struct vfio_device_attach_iommufd_pt at = {
            .argsz = sizeof(at), .pt_id = nested_id,
        };
        r = ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
        report(r == 0, "attach_nested", r ? errname(errno) :
               "device attached to hwpt %u", nested_id);
    }

    /* 5. BAR0 of the device, bus mastering on. */
    if (!skipping("map_bar0")) {
        struct vfio_region_info ri = {
            .argsz = sizeof(ri), .index = VFIO_PCI_BAR0_REGION_INDEX,
        };
        struct vfio_region_info ci = {
            .argsz = sizeof(ci), .index = VFIO_PCI_CONFIG_REGION_INDEX,
        };
        uint16_t cmd = 0;
        void *p = MAP_FAILED;

        r = ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &ri);
        if (r == 0) {
            p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED,
                     devfd, ri.offset);
            r = p == MAP_FAILED ? -1 : 0;
        }
        if (r == 0) {
            bar = p;
            r = ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO, &ci);
        }
        if (r == 0 && pread(devfd, &cmd, 2, ci.offset + 4) != 2) {
            r = -1;
        }
        cmd |= 0x6;             /* PCI_COMMAND: memory, bus master */
        if (r == 0 && pwrite(devfd, &cmd, 2, ci.offset + 4) != 2) {
            r = -1;
        }
        report(r == 0 && rd32(REG_ID) == TESTDEV_MAGIC, "map_bar0",
               r ? errname(errno) : "BAR0 %llu KiB, ID 0x%08x",
               (unsigned long long)ri.size / 1024, r ? 0 : rd32(REG_ID));
    }

    /* 6. DMA through stage 1 (IOVA -> IPA of page A) and stage 2. */
    if (!skipping("dma_read")) {
        pattern(mem + OFF_A, PG, 0xa11ce);
        __sync_synchronize();
        r = dma(OP_READ, IOVA + DMA_OFF, DMA_LEN);
        if (r) {
            report(0, "dma_read", "device read failed (result %d); %s", r,
                   pending_event());
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
                   r, pending_event());
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
        *leaf() = (*leaf() & ~0x000ffffffffff000ULL) | (IPA_BASE + OFF_B);
        __sync_synchronize();
        memcpy(snap, mem, MEM_SIZE);
        pattern(pat, DMA_LEN, 0xcafe);
        devbuf_fill(pat, DMA_LEN);
        r = dma(OP_WRITE, IOVA + DMA_OFF, DMA_LEN);
        if (r) {
            report(0, "stale_tlb", "device write failed (result %d); %s",
                   r, pending_event());
        } else if (mem_is(snap, OFF_A + DMA_OFF, pat, DMA_LEN, why,
                          sizeof(why))) {
            report(1, "stale_tlb", "leaf now points to page B, but without "
                   "an invalidation the DMA still went to page A (cached)");
        } else {
            report(0, "stale_tlb", "%s", why);
        }
    }
    if (!skipping("invalidate")) {
        struct iommu_viommu_arm_smmuv3_invalidate c = {
            .cmd = { CMD_TLBI_NH_VA | CMD_TLBI_ASID(ASID),
                     (IOVA & ~(PG - 1)) | CMD_TLBI_LEAF },
        };
        struct iommu_hwpt_invalidate inv = {
            .size = sizeof(inv), .hwpt_id = viommu_id,
            .data_uptr = (uintptr_t)&c,
            .data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
            .entry_len = sizeof(c), .entry_num = 1,
        };
        r = ioctl(iommufd, IOMMU_HWPT_INVALIDATE, &inv);
        report(r == 0 && inv.entry_num == 1, "invalidate",
               r ? errname(errno) : "CMD_TLBI_NH_VA ASID %d VA 0x%llx "
               "through viommu %u (%u handled; the kernel adds CMD_SYNC)",
               ASID, IOVA, viommu_id, inv.entry_num);
    }
    if (!skipping("dma_after_invalidate")) {
        memcpy(snap, mem, MEM_SIZE);
        pattern(pat, DMA_LEN, 0xd00d);
        devbuf_fill(pat, DMA_LEN);
        r = dma(OP_WRITE, IOVA + DMA_OFF, DMA_LEN);
        if (r) {
            report(0, "dma_after_invalidate", "device write failed "
                   "(result %d); %s", r, pending_event());
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
        struct {
            struct iommufd_vevent_header h;
            struct iommu_vevent_arm_smmuv3 e;
        } ev;
        struct pollfd pfd = { .fd = eqfd, .events = POLLIN };
        ssize_t n = -1;

        memset(&ev, 0, sizeof(ev));
        if (poll(&pfd, 1, 5000) == 1) {
            n = read(eqfd, &ev, sizeof(ev));
        }
        if (n != (ssize_t)sizeof(ev)) {
            report(0, "fault_event", "no event record from the vEVENTQ "
                   "(read %zd%s%s)", n, n < 0 ? ", " : "",
                   n < 0 ? errname(errno) : "");
        } else {
            uint64_t e0 = ev.e.evt[0], e2 = ev.e.evt[2];
            unsigned type = e0 & 0xff, sid = e0 >> 32;

            report(type == EVT_F_TRANSLATION && sid == VSID &&
                   e2 == IOVA_UNMAPPED, "fault_event",
                   "event 0x%02x (want 0x%02x F_TRANSLATION), SID 0x%x "
                   "(want virtual 0x%x), address 0x%llx (want 0x%llx); "
                   "record %016llx %016llx %016llx %016llx", type,
                   EVT_F_TRANSLATION, sid, VSID, (unsigned long long)e2,
                   IOVA_UNMAPPED, (unsigned long long)ev.e.evt[0],
                   (unsigned long long)ev.e.evt[1],
                   (unsigned long long)ev.e.evt[2],
                   (unsigned long long)ev.e.evt[3]);
        }
    }

    printf(MARK " done %d %d %d\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
