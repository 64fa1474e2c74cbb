/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Internals of the SMMU translation engine: VMSAv8-64 descriptor fields,
 * the walker's results and the TLB's entry format, shared by
 * smmu-walk.c, smmu-tlb.c, smmu-common.c and the unit tests
 * (tests/unit/smmu/).
 */

#ifndef HW_ARM_SMMU_SMMU_INTERNAL_H
#define HW_ARM_SMMU_SMMU_INTERNAL_H

#include "hw/registerfields.h"
#include "qemu/interval-tree.h"
#include "hw/arm/smmu-common.h"

/*
 * VMSAv8-64 long descriptor (Arm ARM D8.3).  Stage-1 and stage-2 share
 * the layout of the valid/type bits, the address and AF; the attribute
 * bits differ per stage.
 */
FIELD(DESC, VALID, 0, 1)
FIELD(DESC, TYPE, 1, 1)             /* 1: table (L0-2) or page (L3) */
FIELD(DESC, S2_MEMATTR, 2, 4)       /* stage 2 MemAttr[3:0] */
FIELD(DESC, AP, 6, 2)               /* stage 1 AP[2:1] */
FIELD(DESC, S2AP, 6, 2)             /* stage 2 S2AP: [0] read, [1] write */
FIELD(DESC, OA_LPA2, 8, 2)          /* 4K/16K with DS: OA[51:50] */
FIELD(DESC, AF, 10, 1)
FIELD(DESC, NG, 11, 1)              /* stage 1: not global */
FIELD(DESC, OA_HI, 12, 4)           /* 64K granule: OA[51:48] */
FIELD(DESC, DBM, 51, 1)             /* Dirty Bit Modifier (HTTU) */
FIELD(DESC, PXN, 53, 1)             /* stage 1 */
FIELD(DESC, UXN, 54, 1)             /* stage 1 */
FIELD(DESC, S2XN, 53, 2)            /* stage 2 XN[1:0] */
FIELD(DESC, PXNTABLE, 59, 1)        /* stage 1 table descriptors */
FIELD(DESC, XNTABLE, 60, 1)
FIELD(DESC, APTABLE, 61, 2)         /* [0]: no EL0, [1]: read-only */

/* Permission attributes a leaf grants, as kept in TLB entries */
enum {
    SMMU_S1_RO    = 1 << 0,         /* AP[2] (or APTable[1]) */
    SMMU_S1_USER  = 1 << 1,         /* AP[1] and not APTable[0] */
    SMMU_S1_PXN   = 1 << 2,
    SMMU_S1_UXN   = 1 << 3,
};
enum {
    SMMU_S2_READ    = 1 << 0,
    SMMU_S2_WRITE   = 1 << 1,
    SMMU_S2_XN_PRIV = 1 << 2,       /* not executable at EL1 */
    SMMU_S2_XN_USER = 1 << 3,       /* not executable at EL0 */
    SMMU_S2_DEVICE  = 1 << 4,       /* Device memory type */
};

/*
 * TLB entries made from a writable-clean descriptor with HD (HTTU): they
 * hold the descriptor's permissions as read, so read-only; a write that
 * they refuse drops them and walks again, which updates the descriptor.
 */
enum {
    SMMU_CLEAN_S1 = 1 << 0,
    SMMU_CLEAN_S2 = 1 << 1,
};

/* Entries tagged by the stage(s) they hold */
typedef enum SMMUTLBTag {
    SMMU_TAG_S1 = 1,                /* stage-1-only: VA -> PA */
    SMMU_TAG_S2 = 2,                /* stage 2: IPA -> PA */
    SMMU_TAG_NESTED = 3,            /* combined: VA -> PA via an IPA */
    SMMU_TAG_EL2 = 4,               /* NS-EL2 stage 1: no ASID, no VMID */
    SMMU_TAG_EL2_E2H = 5,           /* NS-EL2-E2H stage 1: ASID, no VMID */
} SMMUTLBTag;

/* The tag of stage-1 entries of @regime (SMMURegime) */
static inline SMMUTLBTag smmu_s1_tag(unsigned regime)
{
    return regime ? SMMU_TAG_EL2 - 1 + regime : SMMU_TAG_S1;
}

/* One leaf translation as the walker returns it */
typedef struct SMMUWalkLeaf {
    uint64_t out;                   /* output address of the input */
    uint8_t size_bits;              /* log2 of the block/page size */
    uint8_t level;                  /* 0..3: no leaf at level -1 */
    uint8_t granule_bits;
    uint8_t attrs;                  /* SMMU_S1_* or SMMU_S2_* */
    bool global;                    /* stage 1: nG == 0 */
    bool clean;                     /* writable-clean under HD: a write
                                       must update it first */
    bool af_left;                   /* HA, but AF left 0 (the access
                                       faults): must not be cached */
} SMMUWalkLeaf;

/* The access being checked: flags plus the stream's PRIV/INST attributes */
typedef struct SMMUAccess {
    IOMMUAccessFlags flags;
    bool priv;
    bool instr;
} SMMUAccess;

typedef struct SMMUTLBEntry SMMUTLBEntry;
struct SMMUTLBEntry {
    /* key */
    uint64_t base;                  /* input address, size-aligned */
    uint16_t asid;                  /* 0 for S2 */
    uint16_t vmid;
    uint8_t tag;                    /* SMMUTLBTag */
    uint8_t size_bits;
    /* payload */
    uint8_t level;                  /* leaf level (stage 1 for nested) */
    uint8_t granule_bits;           /* granule (stage 1 for nested) */
    uint8_t s1_attrs;
    uint8_t s2_attrs;
    uint8_t s2_level;               /* nested: stage-2 leaf level */
    uint8_t clean;                  /* SMMU_CLEAN_*: cached read-only
                                       until a write re-walks it */
    uint64_t ipa_base;              /* nested: IPA of base */
    uint64_t out_base;              /* PA of base */
    bool global;                    /* stage-1 leaf with nG == 0 */
    /* bookkeeping, owned by smmu-tlb.c */
    struct SMMUTLBCtx *ctx;
    IntervalTreeNode by_addr;       /* in ctx->tree: [base, end] */
    IntervalTreeNode by_vmid;       /* S1/NESTED: in the VMID's va tree */
    IntervalTreeNode by_global;     /* globals: in the VMID's global tree */
    IntervalTreeNode by_ipa;        /* NESTED: in the VMID's ipa tree */
    QTAILQ_ENTRY(SMMUTLBEntry) ctx_link;
    QTAILQ_ENTRY(SMMUTLBEntry) lru_link;
};

/* smmu-tlb.c */
SMMUTLB *smmu_tlb_new(void);
void smmu_tlb_free(SMMUTLB *tlb);
/* Entry of (@tag, @vmid, @asid) holding @addr, or NULL */
SMMUTLBEntry *smmu_tlb_lookup(SMMUState *s, SMMUTLBTag tag, uint16_t vmid,
                              uint16_t asid, uint64_t addr);
/* Insert a copy of @e (key fields and payload), evicting if full */
void smmu_tlb_insert(SMMUState *s, const SMMUTLBEntry *e);
/* Drop @e, an entry smmu_tlb_lookup() returned */
void smmu_tlb_remove(SMMUState *s, SMMUTLBEntry *e);

/* smmu-walk.c: stage-2 translation of @ipa through the TLB */
bool smmu_s2_translate(SMMUState *s, const SMMUS2Cfg *s2, uint64_t ipa,
                       const SMMUAccess *acc, SMMUFaultClass cls,
                       SMMUWalkLeaf *leaf, SMMUFault *f);

/* Canonical form of a VA for TLB keys: bits [63:56] copy bit 55 (TBI) */
static inline uint64_t smmu_canonical_va(uint64_t va)
{
    return (uint64_t)sextract64(va, 0, 56);
}

/*
 * Compare-and-swaps one walk makes on a descriptor that keeps changing
 * under it before giving up with F_WALK_EABT: a guest rewriting it in a
 * loop must not hold the walker for as long as it likes.
 */
#define SMMU_DESC_UPDATE_TRIES 16

#endif /* HW_ARM_SMMU_SMMU_INTERNAL_H */
