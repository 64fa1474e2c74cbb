/*
 * What the level-1 nesting programs (nested-dma.c, nvme-nest.c) share:
 * the "NEST" step report, and the iommufd set-up a VMM does for a guest's
 * device behind an emulated SMMUv3 (IOAS as the guest's IPA space, a
 * NEST_PARENT stage-2 hwpt, an Arm SMMUv3 vIOMMU, a vDEVICE, a vEVENTQ,
 * and a nested hwpt from a vSTE whose CD and stage-1 tables the program
 * writes into its own IOAS memory, every table addressed by IPA).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef E2E_IOMMUFD_NEST_H
#define E2E_IOMMUFD_NEST_H

#include <stdint.h>
#include <sys/types.h>

#define NEST_MARK "NEST"
#define NEST_PG 0x1000ULL

/*
 * "NEST ok|not ok <step> <detail>"; returns ok.  After the first failure
 * skipping() reports every later step as "NEST skip <step>" and says 1.
 */
int report(int ok, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int skipping(const char *step);
/* Some step failed already */
int nest_failed(void);
/* "NEST done <passed> <failed> <skipped>"; the exit status */
int nest_done(void);
/* errno's name (EOPNOTSUPP), for the report */
const char *errname(int e);

struct nest {
    int iommufd, devfd, eqfd;
    uint32_t dev_id, ioas_id, s2_id, viommu_id, vdev_id, nested_id;
    uint8_t *mem;               /* the guest's memory: IPA ipa..ipa+size */
    uint64_t ipa, size;
    uint64_t cd_off;            /* the CD, in mem */
    uint64_t l1_off;            /* stage 1's level-1 table, in mem */
    uint64_t pool, pool_end;    /* free pages for stage-1 tables, in mem */
    uint16_t asid;
    uint32_t vsid;              /* the vDEVICE's virtual StreamID */
    uint64_t vste1;             /* more vSTE word-1 bits (e.g. EATS) */
    volatile uint8_t *bar;      /* BAR0, mmapped */
    uint64_t bar_size;
};

/* Steps find_device, bind_vfio, bind_iommufd (what: the report's name) */
void nest_open(struct nest *n, unsigned vendor, unsigned device,
               const char *what);

/* Step ioas_map: an IOAS with size bytes of fresh memory at IPA ipa */
void nest_ioas(struct nest *n, uint64_t ipa, uint64_t size);
/* One page of fresh memory at IOVA iova of n's IOAS: 0 or an errno */
int nest_map_page(struct nest *n, uint64_t iova, uint8_t **page);
/* Unmap the page at IOVA iova: 0 or an errno */
int nest_unmap_page(struct nest *n, uint64_t iova);

/*
 * Steps hwpt_nest_parent (on n's IOAS), viommu_alloc, vdevice_alloc
 * (virtual StreamID vsid), veventq_alloc.
 */
void nest_viommu(struct nest *n, uint32_t vsid);
/* nest_ioas(), then nest_viommu() */
void nest_stage2(struct nest *n, uint64_t ipa, uint64_t size, uint32_t vsid);

/*
 * Stage 1 in n->mem (VMSAv8-64, 4 KiB granule, 39-bit input, levels 1-3):
 * a CD at cd_off with ASID asid, tables taken from the pages
 * [pool_off, pool_end), all zeroed first; then nest_s1_map() one page
 * IOVA -> IPA, writeable.  0, or -1 when the pool is used up.
 */
void nest_s1_init(struct nest *n, uint64_t cd_off, uint64_t pool_off,
                  uint64_t pool_end, uint16_t asid);
int nest_s1_map(struct nest *n, uint64_t iova, uint64_t ipa);
/* The level-3 descriptor of iova (NULL: no table for it) */
uint64_t *nest_s1_leaf(struct nest *n, uint64_t iova);
/* The IPA of a pointer into n->mem */
uint64_t nest_ipa(struct nest *n, const void *p);

/*
 * Steps hwpt_nested (a vSTE: stage-1 translate, S1ContextPtr = the CD's
 * IPA) and attach_nested (the device onto it).
 */
void nest_attach(struct nest *n);

/*
 * Step map_bar0 for smmu-testdev: nest_map_bar0(), then its ID register
 * must read the device's magic.  n->bar, or NULL when the step failed.
 */
volatile uint8_t *nest_testdev_bar0(struct nest *n);

/* 16 bits of the device's config space at off (through VFIO), or 0 */
uint16_t nest_cfg16(struct nest *n, unsigned off);

/* BAR0 mmapped into n->bar, memory and bus master on: 0 or an errno */
int nest_map_bar0(struct nest *n);

/*
 * CMD_TLBI_NH_VA for n->asid and iova through the vIOMMU
 * (IOMMU_HWPT_INVALIDATE); *handled: entries the kernel took.  0 or -1.
 */
int nest_tlbi_va(struct nest *n, uint64_t iova, uint32_t *handled);

/*
 * CMD_ATC_INV for the vDEVICE (virtual SID n->vsid), 2^log2_pages pages
 * from iova, through the vIOMMU; *handled as for nest_tlbi_va().
 */
int nest_atc_inv(struct nest *n, uint64_t iova, unsigned log2_pages,
                 uint32_t *handled);

/*
 * One vEVENTQ record within timeout_ms into evt: its size (32 bytes) or
 * -1; nest_pending_event() describes it for a failure's detail.
 */
ssize_t nest_read_event(struct nest *n, int timeout_ms, uint64_t evt[4]);
const char *nest_pending_event(struct nest *n);

#endif /* E2E_IOMMUFD_NEST_H */
