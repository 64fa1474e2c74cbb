/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * VMSAv8-64 translation table walker of the SMMU engine: stage 1, stage 2
 * and nested (stage 1 over stage 2), for 4K/16K/64K granules and every
 * legal start level, plus smmu_translate(), the TLB-backed front end.
 *
 * Rules come from the Arm ARM (D8 "The AArch64 Virtual Memory System
 * Architecture") and IHI 0070 (SMMUv3) chapters 3.4, 5.2, 5.4 and 7.3.
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/log.h"
#include "smmu-internal.h"
#include "trace.h"

/*
 * Geometry of one walk.  A level L lookup resolves input bits
 * [shift(L) + stride - 1 : shift(L)], shift(L) = gbits + stride * (3 - L);
 * the start level resolves everything above shift(start), which for
 * stage 2 includes the concatenated-table bits.
 */
typedef struct SMMUWalkGeom {
    uint64_t ttb;
    uint8_t gbits;          /* granule: 12, 14 or 16 */
    uint8_t stride;         /* index bits per level: gbits - 3 */
    uint8_t ia_bits;        /* input address size */
    uint8_t oa_bits;        /* output address size */
    int8_t start;           /* start level, -1..3 */
    bool ds;                /* 4K/16K in the FEAT_LPA2 format (DS) */
    bool lpa;               /* a 52-bit PA (FEAT_LPA): 64K level-1 blocks */
} SMMUWalkGeom;

static unsigned geom_shift(const SMMUWalkGeom *g, int level)
{
    return g->gbits + g->stride * (3 - level);
}

static unsigned geom_width(const SMMUWalkGeom *g, int level)
{
    return level == g->start ? g->ia_bits - geom_shift(g, level) : g->stride;
}

static bool granule_ok(unsigned gbits)
{
    return gbits == 12 || gbits == 14 || gbits == 16;
}

/*
 * Levels above 3 that may hold a block (Arm ARM
 * AArch64.BlockDescSupported): 2, and 1 for 4K; with DS also level 0
 * for 4K and 1 for 16K; with a 52-bit PA, level 1 for 64K.
 */
static bool block_allowed(const SMMUWalkGeom *g, int level)
{
    switch (g->gbits) {
    case 12:
        return level == 2 || level == 1 || (level == 0 && g->ds);
    case 14:
        return level == 2 || (level == 1 && g->ds);
    default:
        return level == 2 || (level == 1 && g->lpa);
    }
}

/*
 * Output (or next-table) address held in a descriptor, before block
 * alignment (Arm ARM D8.3): OA[47:gbits] in place; 64K puts OA[51:48]
 * in bits [15:12] (FEAT_LPA); 4K/16K with DS hold OA[49:48] in place
 * and OA[51:50] in bits [9:8] (FEAT_LPA2), where shareability was.
 */
static uint64_t desc_address(uint64_t desc, const SMMUWalkGeom *g)
{
    if (g->gbits == 16) {
        return (desc & MAKE_64BIT_MASK(16, 32)) |
               (uint64_t)FIELD_EX64(desc, DESC, OA_HI) << 48;
    }
    if (g->ds) {
        return (desc & MAKE_64BIT_MASK(g->gbits, 50 - g->gbits)) |
               (uint64_t)FIELD_EX64(desc, DESC, OA_LPA2) << 50;
    }
    return desc & MAKE_64BIT_MASK(g->gbits, 48 - g->gbits);
}

static unsigned clamp_tsz(unsigned tsz)
{
    return MIN(MAX(tsz, SMMU_MIN_TSZ), SMMU_MAX_TSZ);
}

static void fault_set(SMMUFault *f, SMMUFaultType type, int stage, int level)
{
    f->type = type;
    f->stage = stage;
    f->level = level;
}

/* False when the STE's stage-2 fields describe no legal walk */
static bool s2_geometry(const SMMUS2Cfg *c, SMMUWalkGeom *g)
{
    unsigned extra;

    if (!granule_ok(c->granule_bits)) {
        return false;
    }
    g->gbits = c->granule_bits;
    g->stride = g->gbits - 3;
    g->ia_bits = 64 - clamp_tsz(c->tsz);
    g->oa_bits = MIN(c->ps_bits, SMMU_MAX_PA_BITS);
    g->ds = c->ds && g->gbits != 16;
    g->lpa = c->lpa;
    /* The decoder checked PAMax against the OAS: no limit of its own here */
    g->start = smmu_s2_start_level(g->gbits, c->sl0, 64 - g->ia_bits,
                                   SMMU_MAX_PA_BITS, g->ds);
    if (g->start == SMMU_S2_SL_INVALID) {
        return false;
    }
    /* The start level resolves 1..stride bits, up to 16 tables more */
    extra = g->ia_bits - geom_shift(g, g->start);
    g->ttb = c->vttb & ~MAKE_64BIT_MASK(0, extra + 3);
    return true;
}

/*
 * Stage-1 table for @va (IHI 0070 5.4, Arm ARM D8.2): VA[55] picks TTB0 or
 * TTB1, every bit above the input size up to bit 63 (bit 55 with TBI)
 * must equal VA[55].  NULL when @va is outside it (or it is disabled).
 * On the TLB hit path: the walk's geometry waits for a miss.
 */
static inline QEMU_ALWAYS_INLINE
const SMMUS1Table *s1_select(const SMMUS1Cfg *c, uint64_t va)
{
    unsigned half = extract64(va, 55, 1);
    const SMMUS1Table *t = &c->tt[half];
    unsigned top = (c->tbi >> half) & 1 ? 56 : 64;
    unsigned ia_bits = 64 - clamp_tsz(t->tsz);
    uint64_t upper, want;

    if (t->disabled || !granule_ok(t->granule_bits)) {
        return NULL;
    }
    upper = extract64(va, ia_bits, top - ia_bits);
    want = half ? MAKE_64BIT_MASK(0, top - ia_bits) : 0;
    return upper == want ? t : NULL;
}

/*
 * The walk of table @t: T0SZ 12..15 (52-bit VAs, VAX) start at level 1
 * for 64K, 0 for 16K and -1 for 4K (DS; the CD decoder allows those
 * only with DS or 64K).
 */
static void s1_geometry(const SMMUS1Cfg *c, const SMMUS1Table *t,
                        unsigned oas_bits, SMMUWalkGeom *g)
{
    g->gbits = t->granule_bits;
    g->stride = g->gbits - 3;
    g->ia_bits = 64 - clamp_tsz(t->tsz);
    /* IHI 0070 5.4: an IPS above the SMMU's OAS behaves as OAS */
    g->oa_bits = MIN(MIN(c->ips_bits, oas_bits), SMMU_MAX_PA_BITS);
    g->ds = c->ds && g->gbits != 16;
    g->lpa = oas_bits >= SMMU_MAX_PA_BITS;
    g->start = 4 - DIV_ROUND_UP(g->ia_bits - g->gbits, g->stride);
    g->ttb = t->ttb & ~MAKE_64BIT_MASK(0, geom_width(g, g->start) + 3);
}

/* Hierarchical stage-1 permissions collected from table descriptors */
static uint8_t s1_table_limits(uint64_t desc)
{
    uint8_t lim = 0;
    unsigned aptable = FIELD_EX64(desc, DESC, APTABLE);

    if (aptable & 2) {
        lim |= SMMU_S1_RO;
    }
    if (aptable & 1) {
        lim |= SMMU_S1_USER;        /* removes USER */
    }
    if (FIELD_EX64(desc, DESC, PXNTABLE)) {
        lim |= SMMU_S1_PXN;
    }
    if (FIELD_EX64(desc, DESC, XNTABLE)) {
        lim |= SMMU_S1_UXN;
    }
    return lim;
}

static uint8_t s1_leaf_attrs(uint64_t desc, uint8_t lim)
{
    unsigned ap = FIELD_EX64(desc, DESC, AP);
    uint8_t a = 0;

    if ((ap & 2) || (lim & SMMU_S1_RO)) {
        a |= SMMU_S1_RO;
    }
    if ((ap & 1) && !(lim & SMMU_S1_USER)) {
        a |= SMMU_S1_USER;
    }
    if (FIELD_EX64(desc, DESC, PXN) || (lim & SMMU_S1_PXN)) {
        a |= SMMU_S1_PXN;
    }
    if (FIELD_EX64(desc, DESC, UXN) || (lim & SMMU_S1_UXN)) {
        a |= SMMU_S1_UXN;
    }
    return a;
}

/*
 * The NS-EL2 regime without E2H (IHI 0070 3.17.5, 5.4.1; Arm ARM D8.4
 * for one-privilege-level regimes): no user permission checking, AP[1]
 * is ignored and treated as 1, APTable[0] and PXNTable are reserved
 * (ignored), and bit 54 / XNTable are XN for every access.  The result
 * grants the same to privileged and unprivileged streams.
 */
static uint8_t s1_el2_table_limits(uint64_t desc)
{
    uint8_t lim = 0;

    if (FIELD_EX64(desc, DESC, APTABLE) & 2) {
        lim |= SMMU_S1_RO;
    }
    if (FIELD_EX64(desc, DESC, XNTABLE)) {
        lim |= SMMU_S1_PXN | SMMU_S1_UXN;
    }
    return lim;
}

static uint8_t s1_el2_leaf_attrs(uint64_t desc, uint8_t lim)
{
    uint8_t a = SMMU_S1_USER | (lim & (SMMU_S1_PXN | SMMU_S1_UXN));

    if ((FIELD_EX64(desc, DESC, AP) & 2) || (lim & SMMU_S1_RO)) {
        a |= SMMU_S1_RO;
    }
    if (FIELD_EX64(desc, DESC, UXN)) {
        a |= SMMU_S1_PXN | SMMU_S1_UXN;
    }
    return a;
}

static uint8_t s2_leaf_attrs(uint64_t desc, bool fwb)
{
    unsigned s2ap = FIELD_EX64(desc, DESC, S2AP);
    unsigned xn = FIELD_EX64(desc, DESC, S2XN);
    unsigned memattr = FIELD_EX64(desc, DESC, S2_MEMATTR);
    uint8_t a = 0;

    if (s2ap & 1) {
        a |= SMMU_S2_READ;
    }
    if (s2ap & 2) {
        a |= SMMU_S2_WRITE;
    }
    /* XN[1:0]: 0 both may execute, 1 EL0 only, 2 neither, 3 EL1 only */
    if (xn == 1 || xn == 2) {
        a |= SMMU_S2_XN_PRIV;
    }
    if (xn == 2 || xn == 3) {
        a |= SMMU_S2_XN_USER;
    }
    /* Device memory: MemAttr[3:2] == 0, or MemAttr[2] == 0 with FWB */
    if (fwb ? !(memattr & 4) : !(memattr & 0xc)) {
        a |= SMMU_S2_DEVICE;
    }
    return a;
}

/* What the stage-1 attributes allow for @acc */
static bool s1_allows(uint8_t a, const SMMUAccess *acc, bool *rd, bool *wr)
{
    bool user = !acc->priv;

    *rd = !user || (a & SMMU_S1_USER);
    *wr = *rd && !(a & SMMU_S1_RO);
    if (acc->instr && (a & (user ? SMMU_S1_UXN : SMMU_S1_PXN))) {
        *rd = false;
    }
    return !(((acc->flags & IOMMU_RO) && !*rd) ||
             ((acc->flags & IOMMU_WO) && !*wr));
}

static bool s2_allows(uint8_t a, const SMMUAccess *acc, bool *rd, bool *wr)
{
    *rd = a & SMMU_S2_READ;
    *wr = a & SMMU_S2_WRITE;
    if (acc->instr && (a & (acc->priv ? SMMU_S2_XN_PRIV : SMMU_S2_XN_USER))) {
        *rd = false;
    }
    return !(((acc->flags & IOMMU_RO) && !*rd) ||
             ((acc->flags & IOMMU_WO) && !*wr));
}

/* How one walk reads and judges descriptors, besides its geometry */
typedef struct SMMUWalkPolicy {
    int stage;                  /* 1 or 2: the stage being walked */
    const SMMUS2Cfg *nest;      /* stage 1 nested: tables are IPAs */
    bool had;                   /* HADx: ignore APTable/XNTable/PXNTable */
    bool el2;                   /* NS-EL2 stage 1: one privilege level */
    bool affd;                  /* AFFD / S2AFFD: AF == 0 does not fault */
    bool fwb;                   /* S2FWB: how stage-2 MemAttr reads */
    bool ha;                    /* HA / S2HA: set AF instead of faulting */
    bool hd;                    /* HD / S2HD (with HA): dirty by DBM */
    const SMMUAccess *acc;      /* the access the leaf is walked for */
    SMMUFaultClass cls;         /* stage 2: what it translates (probes) */
} SMMUWalkPolicy;

/* A probe (SMMUState.probe) notes each descriptor its walks read */
static void probe_step(SMMUState *s, const SMMUWalkPolicy *p, uint64_t ia,
                       int level, uint64_t daddr, uint64_t dpa,
                       uint64_t desc, bool abort)
{
    SMMUWalkProbe *pr = s->probe;
    SMMUWalkStep *st;

    if (pr->n >= SMMU_PROBE_MAX_STEPS) {
        pr->lost++;
        return;
    }
    st = &pr->step[pr->n++];
    *st = (SMMUWalkStep) {
        .input = ia, .addr = daddr, .pa = dpa, .desc = desc,
        .update = desc, .level = level, .stage = p->stage,
        .cls = p->cls, .abort = abort,
    };
}

/* ... and instead of an HTTU update, the value it would write */
static void probe_update(SMMUState *s, const SMMUWalkPolicy *p,
                         uint64_t daddr, uint64_t new)
{
    SMMUWalkProbe *pr = s->probe;

    for (unsigned i = pr->n; i-- > 0;) {
        if (pr->step[i].stage == p->stage && pr->step[i].addr == daddr) {
            pr->step[i].update = new;
            return;
        }
    }
}

/*
 * Read the descriptor at @daddr, an IPA for a nested stage-1 walk, which
 * stage 2 translates first (IHI 0070 3.4.1).  False with @f filled.
 */
static bool walk_read_desc(SMMUState *s, const SMMUWalkPolicy *p,
                           uint64_t ia, int level, uint64_t daddr,
                           uint64_t *desc, uint64_t *pa, SMMUFault *f)
{
    uint64_t dpa = daddr;

    if (p->nest) {
        SMMUAccess rd = { .flags = IOMMU_RO };
        SMMUWalkLeaf s2leaf;

        if (!smmu_s2_translate(s, p->nest, daddr, &rd, SMMU_CLASS_TT,
                               &s2leaf, f)) {
            return false;
        }
        if (p->nest->ptw && (s2leaf.attrs & SMMU_S2_DEVICE)) {
            /* IHI 0070 5.2 S2PTW: walk to Device memory */
            fault_set(f, SMMU_FAULT_PERMISSION, 2, s2leaf.level);
            f->cls = SMMU_CLASS_TT;
            f->ipa = daddr;
            f->record = p->nest->record_faults;
            return false;
        }
        dpa = s2leaf.out;
    }

    /* The device's hook reads RAM only (smmu_ram_read_desc) */
    *pa = dpa;
    *desc = 0;
    if (s->read_desc(s->read_desc_opaque, dpa, desc) != MEMTX_OK) {
        trace_smmu_walk_desc(p->stage, level, ia, dpa, *desc);
        if (unlikely(s->probe)) {
            probe_step(s, p, ia, level, daddr, dpa, *desc, true);
        }
        fault_set(f, SMMU_FAULT_WALK_EABT, p->stage, level);
        f->fetch_addr = dpa;
        return false;
    }
    trace_smmu_walk_desc(p->stage, level, ia, dpa, *desc);
    if (unlikely(s->probe)) {
        probe_step(s, p, ia, level, daddr, dpa, *desc, false);
    }
    return true;
}

/*
 * HTTU (IHI 0070 3.13): write @new over the descriptor @old at @daddr
 * (PA @dpa) with one atomic compare-and-swap; *@cur gets what memory
 * held.  A stage-1 descriptor of a nested walk is written at the IPA
 * @daddr, so stage 2 must allow that write (3.13.5), and marks its own
 * page dirty with S2HD; a refusal is a stage-2 fault of CLASS TT with
 * TTRnW == 0, IPA the descriptor's (7.3.16).  False with @f filled.
 */
static bool walk_update_desc(SMMUState *s, const SMMUWalkPolicy *p,
                             int level, uint64_t daddr, uint64_t dpa,
                             uint64_t old, uint64_t new, uint64_t *cur,
                             SMMUFault *f)
{
    if (p->nest) {
        SMMUAccess wr = { .flags = IOMMU_WO };
        SMMUWalkLeaf s2leaf;

        if (!smmu_s2_translate(s, p->nest, daddr, &wr, SMMU_CLASS_TT,
                               &s2leaf, f)) {
            f->tt_write = true;
            return false;
        }
        dpa = s2leaf.out;
    }
    if (unlikely(s->probe)) {
        /* A probe writes nothing: it reports what the access would */
        probe_update(s, p, daddr, new);
        *cur = old;
        return true;
    }
    if (s->cas_desc(s->read_desc_opaque, dpa, old, new, cur) != MEMTX_OK) {
        fault_set(f, SMMU_FAULT_WALK_EABT, p->stage, level);
        f->fetch_addr = dpa;
        f->tt_write = true;
        return false;
    }
    trace_smmu_walk_update(p->stage, level, dpa, old, new, *cur);
    return true;
}

/* Is a descriptor writable-clean (DBM, AP[2] == 1 / S2AP[1] == 0)? */
static bool desc_clean(uint64_t desc, int stage)
{
    unsigned ap = FIELD_EX64(desc, DESC, AP);

    return FIELD_EX64(desc, DESC, DBM) && (stage == 1 ? ap & 2 : !(ap & 2));
}

/* The same descriptor made writable-dirty (3.13.3.1) */
static uint64_t desc_dirty(uint64_t desc, int stage)
{
    return stage == 1 ? desc & ~(2ULL << R_DESC_AP_SHIFT)
                      : desc | (2ULL << R_DESC_AP_SHIFT);
}

static uint8_t leaf_attrs(const SMMUWalkPolicy *p, uint64_t desc, uint8_t lim)
{
    if (p->stage == 2) {
        return s2_leaf_attrs(desc, p->fwb);
    }
    return p->el2 ? s1_el2_leaf_attrs(desc, lim) : s1_leaf_attrs(desc, lim);
}

/* Would @attrs give write permission (whatever else the access is)? */
static bool attrs_writable(const SMMUWalkPolicy *p, uint8_t attrs)
{
    return p->stage == 1 ? !(attrs & SMMU_S1_RO) : (attrs & SMMU_S2_WRITE);
}

static bool attrs_allow(const SMMUWalkPolicy *p, uint8_t attrs)
{
    bool rd, wr;

    if (!p->acc) {
        return true;
    }
    return p->stage == 1 ? s1_allows(attrs, p->acc, &rd, &wr)
                         : s2_allows(attrs, p->acc, &rd, &wr);
}

/*
 * One walk of @ia through the tables described by @g, as @p says.
 * Reads every descriptor through s->read_desc and checks the result.
 * With HTTU (p->ha, p->hd) the leaf may be updated in memory first.
 */
static bool walk(SMMUState *s, const SMMUWalkGeom *g,
                 const SMMUWalkPolicy *p, uint64_t ia,
                 SMMUWalkLeaf *leaf, SMMUFault *f)
{
    uint64_t table = g->ttb;
    uint8_t lim = 0;
    int level, tries = 0;

    /*
     * No Address Size check of the TTB: the STE and CD decoders reject
     * one outside the output range as ILLEGAL (IHI 0070 3.4, 5.2, 5.4).
     */
    /* At most five lookups (levels start..3), and a bounded re-judging */
    for (level = g->start; level <= 3; level++) {
        unsigned shift = geom_shift(g, level);
        uint64_t index = extract64(ia, shift, geom_width(g, level));
        uint64_t daddr = table + index * sizeof(uint64_t);
        uint64_t desc, dpa, oa, new;
        uint8_t attrs;

        if (!walk_read_desc(s, p, ia, level, daddr, &desc, &dpa, f)) {
            return false;
        }
    again:
        if (!FIELD_EX64(desc, DESC, VALID)) {
            fault_set(f, SMMU_FAULT_TRANSLATION, p->stage, level);
            return false;
        }
        oa = desc_address(desc, g);
        if (level < 3 && FIELD_EX64(desc, DESC, TYPE)) {
            if (oa >> g->oa_bits) {
                fault_set(f, SMMU_FAULT_ADDR_SIZE, p->stage, level);
                return false;
            }
            if (p->stage == 1 && !p->had) {
                lim |= p->el2 ? s1_el2_table_limits(desc)
                              : s1_table_limits(desc);
            }
            table = oa;
            continue;
        }
        /* A block at a level without blocks, or a reserved level-3 entry */
        if (level == 3 ? !FIELD_EX64(desc, DESC, TYPE)
                       : !block_allowed(g, level)) {
            fault_set(f, SMMU_FAULT_TRANSLATION, p->stage, level);
            return false;
        }
        oa &= ~MAKE_64BIT_MASK(0, shift);
        if (oa >> g->oa_bits) {
            fault_set(f, SMMU_FAULT_ADDR_SIZE, p->stage, level);
            return false;
        }
        new = desc;
        if (!FIELD_EX64(desc, DESC, AF)) {
            /* 3.13.2: with HTTU the SMMU sets AF instead of faulting */
            if (p->ha) {
                new = FIELD_DP64(new, DESC, AF, 1);
            } else if (!p->affd) {
                fault_set(f, SMMU_FAULT_ACCESS, p->stage, level);
                return false;
            }
        }
        attrs = leaf_attrs(p, new, lim);
        leaf->clean = false;
        if (p->hd && desc_clean(desc, p->stage)) {
            uint8_t dirty = leaf_attrs(p, desc_dirty(new, p->stage), lim);

            /*
             * 3.13.3.1: a write made possible only by AP[2] / S2AP[1]
             * (not one APTable or other permissions refuse) marks the
             * descriptor dirty and goes on.  Anything else keeps it
             * clean, and a TLB entry made from it read-only.
             */
            if (attrs_writable(p, dirty)) {
                if (p->acc && (p->acc->flags & IOMMU_WO) &&
                    attrs_allow(p, dirty)) {
                    new = desc_dirty(new, p->stage);
                    attrs = dirty;
                } else {
                    leaf->clean = true;
                }
            }
        }
        /*
         * As the Arm ARM's walk does: nothing is written for an access
         * that faults on permission (3.13.2 leaves AF UNKNOWN there); a
         * descriptor that changed meanwhile is judged again as found.
         */
        leaf->af_left = false;
        if (new != desc && !attrs_allow(p, attrs)) {
            /* A TLB must not hold what AF == 0 still marks unused */
            leaf->af_left = !FIELD_EX64(desc, DESC, AF);
        } else if (new != desc) {
            uint64_t cur;

            if (!walk_update_desc(s, p, level, daddr, dpa, desc, new, &cur,
                                  f)) {
                return false;
            }
            if (cur != desc) {
                if (++tries >= SMMU_DESC_UPDATE_TRIES) {
                    qemu_log_mask(LOG_GUEST_ERROR, "smmu: stage-%d descriptor"
                                  " at 0x%" PRIx64 " changed under %d "
                                  "updates: walk aborted\n", p->stage, dpa,
                                  tries);
                    fault_set(f, SMMU_FAULT_WALK_EABT, p->stage, level);
                    f->fetch_addr = dpa;
                    f->tt_write = true;
                    return false;
                }
                desc = cur;
                goto again;
            }
        }
        leaf->out = oa | extract64(ia, 0, shift);
        leaf->size_bits = shift;
        leaf->level = level;
        leaf->granule_bits = g->gbits;
        leaf->attrs = attrs;
        /* EL2 has no ASIDs: nG is ignored, every entry is global */
        leaf->global = p->stage == 1 &&
                       (p->el2 || !FIELD_EX64(desc, DESC, NG));
        return true;
    }
    g_assert_not_reached();     /* level 3 always ends the loop */
}

static void s2_fault_common(SMMUFault *f, const SMMUS2Cfg *s2,
                            SMMUFaultClass cls, uint64_t ipa)
{
    f->stage = 2;
    f->cls = cls;
    f->ipa = ipa;
    f->record = s2->record_faults;
}

bool smmu_s2_translate(SMMUState *s, const SMMUS2Cfg *s2, uint64_t ipa,
                       const SMMUAccess *acc, SMMUFaultClass cls,
                       SMMUWalkLeaf *leaf, SMMUFault *f)
{
    SMMUWalkPolicy p = {
        .stage = 2, .affd = s2->affd, .fwb = s2->fwb,
        .ha = s2->ha, .hd = s2->hd, .acc = acc, .cls = cls,
    };
    SMMUTLBEntry *e;
    /* Filled on a miss only: not zeroed on every hit (auto-var-init) */
    QEMU_UNINITIALIZED SMMUTLBEntry ne;
    SMMUWalkGeom g;
    bool rd, wr;

    if (!s2_geometry(s2, &g)) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmu: invalid stage-2 geometry "
                      "(S2TG %u bits, S2SL0 %u, S2T0SZ %u)\n",
                      s2->granule_bits, s2->sl0, s2->tsz);
        fault_set(f, SMMU_FAULT_TRANSLATION, 2, SMMU_LEVEL_NONE);
        s2_fault_common(f, s2, cls, ipa);
        return false;
    }
    if (ipa >> g.ia_bits) {
        fault_set(f, SMMU_FAULT_TRANSLATION, 2, g.start);
        s2_fault_common(f, s2, cls, ipa);
        return false;
    }

    /* A probe neither uses nor fills the TLB */
    e = s->probe ? NULL : smmu_tlb_lookup(s, SMMU_TAG_S2, s2->vmid, 0, ipa);
    if (e) {
        leaf->out = e->out_base + (ipa - e->base);
        leaf->size_bits = e->size_bits;
        leaf->level = e->level;
        leaf->granule_bits = e->granule_bits;
        leaf->attrs = e->s2_attrs;
        if (s2_allows(leaf->attrs, acc, &rd, &wr)) {
            return true;
        }
        if (!(e->clean & SMMU_CLEAN_S2) || !(acc->flags & IOMMU_WO)) {
            goto perm_fault;
        }
        /* Writable-clean (HTTU): walk again, which marks it dirty */
        smmu_tlb_remove(s, e);
    }
    if (!walk(s, &g, &p, ipa, leaf, f)) {
        s2_fault_common(f, s2, cls, ipa);
        return false;
    }
    memset(&ne, 0, sizeof(ne));
    ne.tag = SMMU_TAG_S2;
    ne.vmid = s2->vmid;
    ne.size_bits = leaf->size_bits;
    ne.base = ipa & ~MAKE_64BIT_MASK(0, leaf->size_bits);
    ne.out_base = leaf->out & ~MAKE_64BIT_MASK(0, leaf->size_bits);
    ne.level = leaf->level;
    ne.granule_bits = leaf->granule_bits;
    ne.s2_attrs = leaf->attrs;
    ne.clean = leaf->clean ? SMMU_CLEAN_S2 : 0;
    if (!leaf->af_left && !s->probe) {
        smmu_tlb_insert(s, &ne);
    }
    if (s2_allows(leaf->attrs, acc, &rd, &wr)) {
        return true;
    }
perm_fault:
    fault_set(f, SMMU_FAULT_PERMISSION, 2, leaf->level);
    s2_fault_common(f, s2, cls, ipa);
    return false;
}

bool smmu_translate_ipa(SMMUState *s, const SMMUS2Cfg *s2, uint64_t ipa,
                        IOMMUAccessFlags access, SMMUFaultClass cls,
                        uint64_t *pa, SMMUFault *fault)
{
    SMMUAccess acc = { .flags = access };
    SMMUWalkLeaf leaf;

    memset(fault, 0, sizeof(*fault));
    fault->input_addr = ipa;
    fault->is_write = access & IOMMU_WO;
    if (!smmu_s2_translate(s, s2, ipa, &acc, cls, &leaf, fault)) {
        trace_smmu_fault(fault->type, fault->stage, fault->cls,
                         fault->level, ipa, fault->ipa);
        return false;
    }
    *pa = leaf.out;
    return true;
}

static void s1_fault_common(SMMUFault *f, const SMMUTransCfg *cfg)
{
    f->stage = 1;
    f->cls = SMMU_CLASS_IN;
    f->record = cfg->s1.record_faults;
}

/*
 * Stage 1 (optionally nested) for a TLB miss: walk, check stage-1
 * permissions, then translate the output IPA through stage 2.
 */
static SMMUTLBEntry *s1_miss(SMMUState *s, const SMMUTransCfg *cfg,
                             const SMMUWalkGeom *g, uint64_t ia, bool had,
                             uint64_t key, const SMMUAccess *acc,
                             SMMUTLBEntry *ne, SMMUFault *f)
{
    SMMUWalkLeaf l1, l2;
    bool rd, wr;
    unsigned size_bits;

    SMMUWalkPolicy p = {
        .stage = 1,
        .nest = cfg->s2_enabled ? &cfg->s2 : NULL,
        .had = had,
        .el2 = cfg->s1.regime == SMMU_REGIME_EL2,
        .affd = cfg->s1.affd,
        .ha = cfg->s1.ha,
        .hd = cfg->s1.hd,
        .acc = acc,
    };

    if (!walk(s, g, &p, ia, &l1, f)) {
        if (f->stage == 1) {
            s1_fault_common(f, cfg);
            /*
             * IHI 0070 7.3.12: an abort reading a stage-1 descriptor
             * (nested: at the PA stage 2 gave) is S2 == 0, CLASS == TT.
             */
            if (f->type == SMMU_FAULT_WALK_EABT) {
                f->cls = SMMU_CLASS_TT;
            }
        }
        return NULL;
    }
    /* Arm ARM: stage-1 permission faults come before stage 2 of the OA */
    if (!s1_allows(l1.attrs, acc, &rd, &wr)) {
        fault_set(f, SMMU_FAULT_PERMISSION, 1, l1.level);
        s1_fault_common(f, cfg);
        return NULL;
    }

    memset(ne, 0, sizeof(*ne));
    ne->vmid = cfg->s2.vmid;
    /*
     * Global (nG == 0) leaves are still tagged with this ASID (another
     * ASID re-walks them), and marked so NH_VA of any ASID finds them.
     */
    ne->asid = cfg->s1.asid;
    ne->global = l1.global;
    ne->level = l1.level;
    ne->granule_bits = l1.granule_bits;
    ne->s1_attrs = l1.attrs;
    ne->clean = l1.clean ? SMMU_CLEAN_S1 : 0;
    size_bits = l1.size_bits;

    if (cfg->s2_enabled) {
        if (!smmu_s2_translate(s, &cfg->s2, l1.out, acc, SMMU_CLASS_IN,
                               &l2, f)) {
            return NULL;
        }
        size_bits = MIN(size_bits, l2.size_bits);
        ne->tag = SMMU_TAG_NESTED;
        ne->s2_attrs = l2.attrs;
        ne->s2_level = l2.level;
        ne->clean |= l2.clean ? SMMU_CLEAN_S2 : 0;
        ne->ipa_base = l1.out & ~MAKE_64BIT_MASK(0, size_bits);
        ne->out_base = l2.out & ~MAKE_64BIT_MASK(0, size_bits);
    } else {
        ne->tag = smmu_s1_tag(cfg->s1.regime);
        ne->out_base = l1.out & ~MAKE_64BIT_MASK(0, size_bits);
    }
    ne->size_bits = size_bits;
    ne->base = key & ~MAKE_64BIT_MASK(0, size_bits);
    if (!s->probe) {
        smmu_tlb_insert(s, ne);
    }
    return ne;
}

/*
 * Stage 1 bypassed: the input is the IPA (IHI 0070 3.4); one not below
 * 2^IAS is a stage-1 F_ADDR_SIZE before any stage-2 check.  IAS == OAS:
 * the SMMU walks AArch64 tables only.
 */
static bool s2_only_translate(SMMUState *s, const SMMUTransCfg *cfg,
                              uint64_t iova, const SMMUAccess *acc,
                              SMMUTranslation *out, SMMUFault *fault)
{
    SMMUWalkLeaf leaf;
    bool rd = true, wr = true;

    if (iova >> cfg->oas_bits) {
        fault_set(fault, SMMU_FAULT_ADDR_SIZE, 1, SMMU_LEVEL_NONE);
        fault->cls = SMMU_CLASS_IN;
        fault->record = true;
        return false;
    }
    if (!smmu_s2_translate(s, &cfg->s2, iova, acc, SMMU_CLASS_IN,
                           &leaf, fault)) {
        return false;
    }
    out->addr = leaf.out;
    out->addr_mask = MAKE_64BIT_MASK(0, leaf.size_bits);
    s2_allows(leaf.attrs, acc, &rd, &wr);
    out->perm = IOMMU_ACCESS_FLAG(rd, wr);
    return true;
}

/*
 * A TLB hit refused @acc at the stage @clean names.  An entry cached
 * from a writable-clean descriptor (HTTU) holds it read-only: a write
 * drops it and walks again, which marks the descriptor dirty in memory
 * before the write goes on.  Only here, off the path of hits that pass.
 */
static bool hit_rewalk(SMMUState *s, SMMUTLBEntry *e, const SMMUAccess *acc,
                       uint8_t clean)
{
    if (!(e->clean & clean) || !(acc->flags & IOMMU_WO)) {
        return false;
    }
    smmu_tlb_remove(s, e);
    return true;
}

/*
 * smmu_translate(), and with @probe its TLB-less form: one body, two
 * copies, so that the path of the hits pays nothing for the probe.
 */
static inline QEMU_ALWAYS_INLINE
bool translate(SMMUState *s, const SMMUTransCfg *cfg, uint64_t iova,
               IOMMUAccessFlags access, SMMUTranslation *out,
               SMMUFault *fault, bool probe)
{
    SMMUAccess acc = {
        .flags = access, .priv = cfg->priv, .instr = cfg->instr,
    };
    const SMMUS1Table *t;
    SMMUTLBEntry *e;
    /* s1_miss() fills it on a miss: not zeroed on every hit */
    QEMU_UNINITIALIZED SMMUTLBEntry scratch;
    SMMUWalkGeom g;
    uint64_t key;
    bool rd1 = true, wr1 = true, rd2 = true, wr2 = true;

    memset(fault, 0, sizeof(*fault));
    fault->input_addr = iova;
    fault->is_write = access & IOMMU_WO;
    /* IHI 0070 7.3.13-16: InD == 0 when RnW == 0 */
    fault->ind = cfg->instr && !(access & IOMMU_WO);
    fault->pnu = cfg->priv;

    if (!cfg->s1_enabled) {
        if (!s2_only_translate(s, cfg, iova, &acc, out, fault)) {
            goto fail;
        }
        return true;
    }

    t = s1_select(&cfg->s1, iova);
    if (!t) {
        /* Outside both TTB ranges, EPDx set, or a bad granule */
        fault_set(fault, SMMU_FAULT_TRANSLATION, 1, SMMU_LEVEL_NONE);
        s1_fault_common(fault, cfg);
        goto fail;
    }

    key = smmu_canonical_va(iova);
    /* EL2 streams have no stage 2 (5.2 STRW): one tag per regime */
    e = probe ? NULL :
        smmu_tlb_lookup(s, cfg->s2_enabled ? SMMU_TAG_NESTED :
                        smmu_s1_tag(cfg->s1.regime),
                        cfg->s2.vmid, cfg->s1.asid, key);
    if (e && !s1_allows(e->s1_attrs, &acc, &rd1, &wr1)) {
        if (!hit_rewalk(s, e, &acc, SMMU_CLEAN_S1)) {
            fault_set(fault, SMMU_FAULT_PERMISSION, 1, e->level);
            s1_fault_common(fault, cfg);
            goto fail;
        }
        e = NULL;
    } else if (e && e->tag == SMMU_TAG_NESTED &&
               !s2_allows(e->s2_attrs, &acc, &rd2, &wr2)) {
        if (!hit_rewalk(s, e, &acc, SMMU_CLEAN_S2)) {
            fault_set(fault, SMMU_FAULT_PERMISSION, 2, e->s2_level);
            s2_fault_common(fault, &cfg->s2, SMMU_CLASS_IN,
                            e->ipa_base + (key - e->base));
            goto fail;
        }
        e = NULL;
    }
    if (!e) {
        rd1 = wr1 = rd2 = wr2 = true;
        s1_geometry(&cfg->s1, t, cfg->oas_bits, &g);
        e = s1_miss(s, cfg, &g, extract64(iova, 0, g.ia_bits), t->had, key,
                    &acc, &scratch, fault);
        if (!e) {
            goto fail;
        }
        s1_allows(e->s1_attrs, &acc, &rd1, &wr1);
        if (e->tag == SMMU_TAG_NESTED) {
            s2_allows(e->s2_attrs, &acc, &rd2, &wr2);
        }
    }
    out->addr = e->out_base + (key - e->base);
    out->addr_mask = MAKE_64BIT_MASK(0, e->size_bits);
    out->perm = IOMMU_ACCESS_FLAG(rd1 && rd2, wr1 && wr2);
    trace_smmu_translate(iova, out->addr, out->addr_mask, out->perm);
    return true;

fail:
    trace_smmu_fault(fault->type, fault->stage, fault->cls, fault->level,
                     iova, fault->ipa);
    return false;
}

bool smmu_translate(SMMUState *s, const SMMUTransCfg *cfg, uint64_t iova,
                    IOMMUAccessFlags access, SMMUTranslation *out,
                    SMMUFault *fault)
{
    return translate(s, cfg, iova, access, out, fault, false);
}

bool smmu_probe_translate(SMMUState *s, const SMMUTransCfg *cfg,
                          uint64_t iova, IOMMUAccessFlags access,
                          SMMUTranslation *out, SMMUFault *fault)
{
    g_assert(s->probe);
    return translate(s, cfg, iova, access, out, fault, true);
}
