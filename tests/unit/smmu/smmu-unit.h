/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Shared helpers of the SMMU engine unit tests: a fake physical memory
 * behind the engine's read_desc hook, an SMMUState holding only the
 * engine fields (no QOM), and a builder of VMSAv8-64 translation tables.
 */

#ifndef TESTS_UNIT_SMMU_UNIT_H
#define TESTS_UNIT_SMMU_UNIT_H

#include "smmu-internal.h"

/* An input address with a non-zero index at every level */
#define IA_PATTERN          0x00005a5a5a5a5a5aULL

/* One geometry: a granule, an input size and the start level it gives */
typedef struct Geom {
    const char *name;
    unsigned gbits;
    unsigned ia_bits;
    int start;
    unsigned sl0;           /* stage 2: S2SL0, with S2SL0_2 as bit 2 */
    bool ds;                /* CD.DS / STE.S2DS: LPA2 descriptors */
    bool lpa;               /* 52-bit OAS: 64K level-1 blocks (FEAT_LPA) */
} Geom;

/*
 * Reads in [FAKE_ABORT_BASE, FAKE_ABORT_END) fail: the walker's
 * F_WALK_EABT.  Above it, 52-bit PAs read as memory again.
 */
#define FAKE_ABORT_BASE     0xf000000000ULL
#define FAKE_ABORT_END      0x10000000000ULL

typedef struct FakeMem {
    GHashTable *words;      /* PA -> uint64_t *: unwritten words read 0 */
    uint64_t next;          /* bump allocator of table memory */
    unsigned reads;         /* descriptors the walker read */
    unsigned swaps;         /* compare-and-swaps the walker made */
    /*
     * Another agent's write, made at the moment of the next swap at
     * race_pa (between the walker's read and its swap), then forgotten.
     */
    uint64_t race_pa;
    uint64_t race_val;
    bool race;
    bool race_forever;      /* ... at every swap, a new output page */
    bool swap_fails;        /* swaps abort: F_WALK_EABT */
} FakeMem;

FakeMem *fake_mem_new(void);
void fake_mem_free(FakeMem *m);
void fake_mem_write(FakeMem *m, uint64_t pa, uint64_t val);
uint64_t fake_mem_read(FakeMem *m, uint64_t pa);
/* @bytes of zeroed memory aligned to @bytes (a power of two) */
uint64_t fake_mem_alloc(FakeMem *m, uint64_t bytes);

/* An engine reading @m, with a TLB of @entries entries */
SMMUState *engine_new(FakeMem *m, uint32_t entries);
void engine_free(SMMUState *s);

/*
 * Translation tables of one geometry.  Table addresses are in the
 * input space of the tables' owner (an IPA for nested stage 1); @offset
 * is what stage 2 adds to reach the PA the builder writes at.
 */
typedef struct PtBuilder {
    FakeMem *m;
    unsigned gbits;         /* 12, 14, 16 */
    unsigned ia_bits;
    int start;              /* start level */
    uint64_t root;          /* table base (as the owner sees it) */
    uint64_t offset;        /* PA = table address + offset */
    uint64_t table_attrs;   /* extra bits of every table descriptor */
} PtBuilder;

unsigned pt_shift(unsigned gbits, int level);
/* A root table for the geometry, concatenated if the start level needs */
void pt_init(PtBuilder *b, FakeMem *m, unsigned gbits, unsigned ia_bits,
             int start, uint64_t offset);
/* Address of the level-@level entry for @ia, creating tables above it */
uint64_t pt_entry(PtBuilder *b, uint64_t ia, int level);
/* Write @desc as the level-@level entry for @ia */
void pt_map(PtBuilder *b, uint64_t ia, int level, uint64_t desc);

/* Descriptors: valid, AF set, read/write everywhere, Normal memory */
uint64_t s1_leaf(uint64_t oa, int level);
uint64_t s2_leaf(uint64_t oa, int level);

/*
 * Output address @oa as a descriptor of @gbits holds it (Arm ARM D8.3):
 * bits [51:48] in [15:12] for 64K (FEAT_LPA), [51:50] in [9:8] for
 * 4K/16K with @ds (FEAT_LPA2); bits above 48 dropped otherwise.
 */
uint64_t pt_oa(unsigned gbits, bool ds, uint64_t oa);

/* Stage-1 start level of an input size (Arm ARM D8.2) */
int s1_start(unsigned gbits, unsigned ia_bits);

/* Configurations: stage 1 on TTB0 only, stage 2, and both */
SMMUTransCfg cfg_s1(const PtBuilder *b);
SMMUTransCfg cfg_s2(const PtBuilder *b, unsigned sl0);
SMMUTransCfg cfg_nested(const PtBuilder *s1, const PtBuilder *s2,
                        unsigned sl0);

/* The one expectation of a walk: this leaf, or that fault */
typedef struct Expect {
    bool fault;
    /* success */
    uint64_t addr;
    uint64_t addr_mask;
    IOMMUAccessFlags perm;
    /* fault */
    SMMUFaultType type;
    int stage;
    int level;
    SMMUFaultClass cls;     /* checked for stage 2 and F_WALK_EABT */
    uint64_t ipa;           /* checked for stage 2 */
    uint64_t fetch_addr;    /* checked for F_WALK_EABT */
} Expect;

#define S1_FAULT(t, l) \
    { .fault = true, .type = (t), .stage = 1, .level = (l) }
#define S2_FAULT(t, l, ia) \
    { .fault = true, .type = (t), .stage = 2, .level = (l), \
      .cls = SMMU_CLASS_IN, .ipa = (ia) }

void expect_translate(SMMUState *s, const SMMUTransCfg *cfg, uint64_t iova,
                      IOMMUAccessFlags access, const Expect *e);

#endif
