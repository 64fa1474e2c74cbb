/*
 * AArch64 VMSAv8-64 translation tables for SMMU tests: stage 1 and
 * stage 2, 4K/16K/64K granules, any start level, block and page entries.
 *
 * Tables come from one contiguous pool.  The pool may be given an
 * address other than its physical one (pool_ipa): the table descriptors
 * and the TTB then name that address, so for nested translation the
 * stage-1 tables sit at IPAs that only a stage-2 mapping of the pool
 * makes reachable.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef LIBQOS_SMMU_PGTABLE_H
#define LIBQOS_SMMU_PGTABLE_H

#include "libqos-malloc.h"

/* Leaf permissions and attributes. */
#define QPT_R           (1u << 0)   /* stage 2: S2AP[0]; stage 1: implied */
#define QPT_W           (1u << 1)   /* stage 1: AP[2] clear; stage 2: S2AP[1] */
#define QPT_NO_AF       (1u << 2)   /* leave the Access Flag clear */
#define QPT_XN          (1u << 3)
#define QPT_GLOBAL      (1u << 4)   /* stage 1: nG clear (default: nG set) */
#define QPT_RW          (QPT_R | QPT_W)

typedef struct QPgtable {
    QTestState *qts;
    bool stage2;
    uint8_t granule;        /* log2 of the granule size */
    uint8_t ias;            /* input address bits */
    uint8_t start_level;
    uint64_t pool;          /* physical address of the table pool */
    uint64_t pool_ipa;      /* the address descriptors use for it */
    uint64_t pool_size;
    uint64_t pool_used;
    uint64_t root;          /* physical address of the start table */
} QPgtable;

/* Bits resolved per level (granule - 3) and the shift of a level. */
unsigned qpt_stride(uint8_t granule);
unsigned qpt_level_shift(uint8_t granule, int level);
/* Arm ARM D8.2: start level of a walk of ias bits without concatenation. */
int qpt_start_level(uint8_t granule, uint8_t ias);
/* STE.S2SL0 encoding of a start level (IHI 0070 5.2, VTCR_EL2.SL0). */
uint8_t qpt_s2_sl0(uint8_t granule, int level);

/*
 * A leaf descriptor (page at level 3, block above) mapping output
 * address oa with perms QPT_*; pure.
 */
uint64_t qpt_leaf_desc(bool stage2, uint8_t granule, int level, uint64_t oa,
                       unsigned perms);

/*
 * Set up tables for a walk of ias bits with the given granule, pool of
 * max_tables tables.  The tables are named (in descriptors and the TTB)
 * by their physical address plus ipa_offset.  The pool is 64 KiB
 * aligned so a stage 2 of any granule can map it.
 */
void qpt_init(QPgtable *pt, QTestState *qts, QGuestAllocator *alloc,
              bool stage2, uint8_t granule, uint8_t ias, unsigned max_tables,
              uint64_t ipa_offset);
/* What the STE/CD TTB field holds. */
uint64_t qpt_ttb(const QPgtable *pt);

/* Map one leaf at level, [va, va + level size) -> oa. */
void qpt_map(QPgtable *pt, uint64_t va, uint64_t oa, int level,
             unsigned perms);
/* Map [va, va + size) -> oa with level-3 pages. */
void qpt_map_range(QPgtable *pt, uint64_t va, uint64_t oa, uint64_t size,
                   unsigned perms);
/* Physical address of the descriptor at level for va (tables exist). */
uint64_t qpt_entry_addr(QPgtable *pt, uint64_t va, int level);
/* Overwrite the descriptor at level for va. */
void qpt_set_entry(QPgtable *pt, uint64_t va, int level, uint64_t desc);

#endif /* LIBQOS_SMMU_PGTABLE_H */
