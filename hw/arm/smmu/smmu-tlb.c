/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The SMMU engine's TLB: one cache for stage-1, stage-2 and nested
 * (combined) leaf translations, each entry tagged by its stage.
 *
 * - Entries live in a hash keyed on (tag, VMID, ASID, size, base) and in
 *   the list of their context (tag, VMID, ASID).  A context remembers
 *   which mapping sizes it holds, so a lookup probes one hash slot per
 *   size actually present instead of every level of every granule.
 * - The tag also names the translation regime: NS-EL1 (S1, S2, NESTED),
 *   NS-EL2 or NS-EL2-E2H (IHI 0070 3.17.5).  EL2 entries have no VMID;
 *   each EL2 regime has an index space of its own beside the VMIDs', so
 *   no NS-EL1 command reaches them and no EL2 command NS-EL1 entries.
 * - Stage-1 entries are tagged with the ASID they were walked under and
 *   remember whether their leaf was global (nG == 0).  A global entry is
 *   re-walked under another ASID; CMD_TLBI_NH_VA reaches the global
 *   entries of every ASID of its VMID (IHI 0070 4.4.2.4).
 * - Capacity is the "tlb-entries" property; when full the least recently
 *   used entry alone is evicted.
 * - Address invalidation (IHI 0070 4.4) uses interval trees: per context
 *   by input address, per VMID for all its stage-1 entries, for its
 *   global ones and for nested entries by IPA.  A command costs the
 *   entries it removes plus a logarithmic search, never a scan of the
 *   TLB, so one doorbell full of commands that miss stays cheap.
 * - TG and TTL are hints that only narrow what must go (4.4.1.1); every
 *   entry overlapping the range is dropped (over-invalidation is
 *   permitted by 4.4), so no command visits entries it keeps.
 * - Only leaf translations are cached (no walk cache), so the Leaf hint
 *   of a command never lets an entry survive.
 * - Removing any entry, evicting included, bumps SMMUState.tlb_gen, which
 *   per-thread copies of entries (the subclass's lock-free hits) check.
 * - In front of the hash sits a direct-mapped array of recent hits, one
 *   slot per 4 KiB input page: a repeated lookup costs one compare
 *   instead of two hash probes.  A removed 4 KiB entry leaves its one
 *   slot; removing a larger one empties the array before the next use.
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "qemu/host-utils.h"
#include "smmu-internal.h"
#include "trace.h"

/*
 * Everything cached for one VMID, for the VMID-wide commands, or for one
 * EL2 regime (vm_key())
 */
typedef struct SMMUTLBVmid {
    uint32_t key;                   /* vm_key(tag, vmid) */
    QLIST_HEAD(, SMMUTLBCtx) ctxs;
    IntervalTreeRoot va;            /* S1 and NESTED entries by VA */
    IntervalTreeRoot global;        /* those of them with nG == 0 */
    IntervalTreeRoot ipa;           /* NESTED entries by IPA */
} SMMUTLBVmid;

typedef struct SMMUTLBCtx {
    uint64_t id;                    /* ctx_id(tag, vmid, asid) */
    uint8_t tag;
    uint16_t vmid;
    uint16_t asid;
    uint64_t sizes;                 /* bit n: entries of 2^n bytes exist */
    uint32_t size_count[64];
    uint32_t nr;
    QTAILQ_HEAD(, SMMUTLBEntry) entries;
    IntervalTreeRoot tree;          /* entries by input address */
    SMMUTLBVmid *vm;
    QLIST_ENTRY(SMMUTLBCtx) vm_link;
} SMMUTLBCtx;

#define FRONT_BITS      12          /* 4096 slots */
#define FRONT_PAGE_BITS 12

struct SMMUTLB {
    GHashTable *entries;            /* SMMUTLBEntry * -> itself */
    GHashTable *ctxs;               /* &SMMUTLBCtx.id -> SMMUTLBCtx * */
    GHashTable *vmids;              /* VMID -> SMMUTLBVmid * */
    QTAILQ_HEAD(, SMMUTLBEntry) lru;    /* head: least recently used */
    bool front_stale;               /* front[] may hold removed entries */
    SMMUTLBEntry *front[1 << FRONT_BITS];
};

/* The index space of entries of @tag: the VMID's, or the EL2 regime's */
static uint32_t vm_key(unsigned tag, uint16_t vmid)
{
    return tag >= SMMU_TAG_EL2 ? tag << 16 : vmid;
}

static uint64_t ctx_id(unsigned tag, uint16_t vmid, uint16_t asid)
{
    return ((uint64_t)tag << 48) | ((uint64_t)vmid << 32) | asid;
}

static unsigned front_slot(unsigned tag, uint16_t vmid, uint16_t asid,
                           uint64_t addr)
{
    uint64_t h = (addr >> FRONT_PAGE_BITS) ^ ((uint64_t)asid << 28) ^
                 ((uint64_t)vmid << 44) ^ ((uint64_t)tag << 60);

    h *= 0x9e3779b97f4a7c15ULL;
    return h >> (64 - FRONT_BITS);
}

static bool front_match(const SMMUTLBEntry *e, unsigned tag, uint16_t vmid,
                        uint16_t asid, uint64_t addr)
{
    return e && e->tag == tag && e->vmid == vmid && e->asid == asid &&
           ((addr - e->base) >> e->size_bits) == 0;
}

static guint entry_hash(gconstpointer p)
{
    const SMMUTLBEntry *e = p;
    uint64_t h = e->base ^ ((uint64_t)e->asid << 40) ^
                 ((uint64_t)e->vmid << 24) ^ ((uint64_t)e->tag << 8) ^
                 e->size_bits;

    h *= 0x9e3779b97f4a7c15ULL;
    return (guint)(h >> 32);
}

static gboolean entry_equal(gconstpointer pa, gconstpointer pb)
{
    const SMMUTLBEntry *a = pa, *b = pb;

    return a->base == b->base && a->asid == b->asid && a->vmid == b->vmid &&
           a->tag == b->tag && a->size_bits == b->size_bits;
}

SMMUTLB *smmu_tlb_new(void)
{
    SMMUTLB *tlb = g_new0(SMMUTLB, 1);

    tlb->entries = g_hash_table_new(entry_hash, entry_equal);
    tlb->ctxs = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                      NULL, g_free);
    tlb->vmids = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    QTAILQ_INIT(&tlb->lru);
    return tlb;
}

static SMMUTLBCtx *ctx_find(SMMUTLB *tlb, unsigned tag, uint16_t vmid,
                            uint16_t asid)
{
    uint64_t id = ctx_id(tag, vmid, asid);

    return g_hash_table_lookup(tlb->ctxs, &id);
}

/*
 * Every removal, eviction included, ends the per-thread copies of TLB
 * entries (SMMUState.tlb_gen), which therefore never outlive the entry
 * they copy.  Under the device's lock, read without it.
 */
static void tlb_gen_bump(SMMUState *s)
{
    qatomic_set(&s->tlb_gen, s->tlb_gen + 1);
}

static void entry_remove(SMMUState *s, SMMUTLBEntry *e)
{
    SMMUTLB *tlb = s->tlb;
    SMMUTLBCtx *ctx = e->ctx;

    tlb_gen_bump(s);

    if (e->size_bits == FRONT_PAGE_BITS) {
        unsigned slot = front_slot(e->tag, e->vmid, e->asid, e->base);

        if (tlb->front[slot] == e) {
            tlb->front[slot] = NULL;
        }
    } else {
        tlb->front_stale = true;
    }
    g_hash_table_remove(tlb->entries, e);
    QTAILQ_REMOVE(&tlb->lru, e, lru_link);
    QTAILQ_REMOVE(&ctx->entries, e, ctx_link);
    interval_tree_remove(&e->by_addr, &ctx->tree);
    if (e->tag != SMMU_TAG_S2) {
        interval_tree_remove(&e->by_vmid, &ctx->vm->va);
        if (e->global) {
            interval_tree_remove(&e->by_global, &ctx->vm->global);
        }
        if (e->tag == SMMU_TAG_NESTED) {
            interval_tree_remove(&e->by_ipa, &ctx->vm->ipa);
        }
    }
    if (--ctx->size_count[e->size_bits] == 0) {
        ctx->sizes &= ~(1ULL << e->size_bits);
    }
    s->tlb_stats.used--;
    g_free(e);
    if (--ctx->nr == 0) {
        SMMUTLBVmid *vm = ctx->vm;

        QLIST_REMOVE(ctx, vm_link);
        g_hash_table_remove(tlb->ctxs, &ctx->id);
        if (QLIST_EMPTY(&vm->ctxs)) {
            g_hash_table_remove(tlb->vmids, GUINT_TO_POINTER(vm->key));
        }
    }
}

void smmu_tlb_free(SMMUTLB *tlb)
{
    SMMUTLBEntry *e, *next;

    if (!tlb) {
        return;
    }
    QTAILQ_FOREACH_SAFE(e, &tlb->lru, lru_link, next) {
        g_free(e);
    }
    g_hash_table_destroy(tlb->entries);
    g_hash_table_destroy(tlb->ctxs);
    g_hash_table_destroy(tlb->vmids);
    g_free(tlb);
}

static SMMUTLBEntry *ctx_probe(SMMUTLB *tlb, SMMUTLBCtx *ctx, uint64_t addr)
{
    SMMUTLBEntry key = { .asid = ctx->asid, .vmid = ctx->vmid,
                         .tag = ctx->tag };
    uint64_t sizes = ctx->sizes;

    while (sizes) {
        unsigned n = ctz64(sizes);
        SMMUTLBEntry *e;

        sizes &= sizes - 1;
        key.size_bits = n;
        key.base = addr & ~MAKE_64BIT_MASK(0, n);
        e = g_hash_table_lookup(tlb->entries, &key);
        if (e) {
            return e;
        }
    }
    return NULL;
}

SMMUTLBEntry *smmu_tlb_lookup(SMMUState *s, SMMUTLBTag tag, uint16_t vmid,
                              uint16_t asid, uint64_t addr)
{
    SMMUTLB *tlb = s->tlb;
    unsigned slot = front_slot(tag, vmid, asid, addr);
    SMMUTLBEntry *e;

    if (tlb->front_stale) {
        memset(tlb->front, 0, sizeof(tlb->front));
        tlb->front_stale = false;
    }
    e = tlb->front[slot];
    if (!front_match(e, tag, vmid, asid, addr)) {
        SMMUTLBCtx *ctx = ctx_find(tlb, tag, vmid, asid);

        e = ctx ? ctx_probe(tlb, ctx, addr) : NULL;
        if (!e) {
            s->tlb_stats.misses++;
            trace_smmu_tlb_miss(tag, vmid, asid, addr);
            return NULL;
        }
        tlb->front[slot] = e;
    }
    /* Most recently used moves to the tail */
    QTAILQ_REMOVE(&tlb->lru, e, lru_link);
    QTAILQ_INSERT_TAIL(&tlb->lru, e, lru_link);
    s->tlb_stats.hits++;
    trace_smmu_tlb_hit(tag, vmid, asid, addr, e->size_bits);
    return e;
}

void smmu_tlb_remove(SMMUState *s, SMMUTLBEntry *e)
{
    entry_remove(s, e);
}

static void tree_add(IntervalTreeNode *n, IntervalTreeRoot *root,
                     uint64_t base, unsigned size_bits)
{
    n->start = base;
    n->last = base + MAKE_64BIT_MASK(0, size_bits);
    interval_tree_insert(n, root);
}

void smmu_tlb_insert(SMMUState *s, const SMMUTLBEntry *tmpl)
{
    SMMUTLB *tlb = s->tlb;
    SMMUTLBEntry *e, *old;
    SMMUTLBCtx *ctx;

    old = g_hash_table_lookup(tlb->entries, tmpl);
    if (old) {
        entry_remove(s, old);
    }
    while (s->tlb_stats.used >= MAX(s->tlb_entries, 1)) {
        SMMUTLBEntry *victim = QTAILQ_FIRST(&tlb->lru);

        trace_smmu_tlb_evict(victim->tag, victim->vmid, victim->asid,
                             victim->base, victim->size_bits);
        s->tlb_stats.evictions++;
        entry_remove(s, victim);
    }

    ctx = ctx_find(tlb, tmpl->tag, tmpl->vmid, tmpl->asid);
    if (!ctx) {
        uint32_t key = vm_key(tmpl->tag, tmpl->vmid);
        SMMUTLBVmid *vm = g_hash_table_lookup(tlb->vmids,
                                              GUINT_TO_POINTER(key));

        if (!vm) {
            vm = g_new0(SMMUTLBVmid, 1);
            vm->key = key;
            QLIST_INIT(&vm->ctxs);
            g_hash_table_insert(tlb->vmids, GUINT_TO_POINTER(key), vm);
        }
        ctx = g_new0(SMMUTLBCtx, 1);
        ctx->tag = tmpl->tag;
        ctx->vmid = tmpl->vmid;
        ctx->asid = tmpl->asid;
        ctx->id = ctx_id(ctx->tag, ctx->vmid, ctx->asid);
        ctx->vm = vm;
        QTAILQ_INIT(&ctx->entries);
        QLIST_INSERT_HEAD(&vm->ctxs, ctx, vm_link);
        g_hash_table_insert(tlb->ctxs, &ctx->id, ctx);
    }

    e = g_new0(SMMUTLBEntry, 1);
    *e = *tmpl;
    e->ctx = ctx;
    if (e->tag == SMMU_TAG_S2) {
        e->global = false;
    }
    tree_add(&e->by_addr, &ctx->tree, e->base, e->size_bits);
    if (e->tag != SMMU_TAG_S2) {
        tree_add(&e->by_vmid, &ctx->vm->va, e->base, e->size_bits);
        if (e->global) {
            tree_add(&e->by_global, &ctx->vm->global, e->base,
                     e->size_bits);
        }
        if (e->tag == SMMU_TAG_NESTED) {
            tree_add(&e->by_ipa, &ctx->vm->ipa, e->ipa_base, e->size_bits);
        }
    }
    g_hash_table_add(tlb->entries, e);
    QTAILQ_INSERT_TAIL(&tlb->lru, e, lru_link);
    QTAILQ_INSERT_TAIL(&ctx->entries, e, ctx_link);
    ctx->nr++;
    ctx->size_count[e->size_bits]++;
    ctx->sizes |= 1ULL << e->size_bits;
    s->tlb_stats.used++;
    trace_smmu_tlb_insert(e->tag, e->vmid, e->asid, e->base, e->size_bits,
                          e->out_base);
}

/* ------------------------------------------------------------------ */
/* Invalidation                                                        */
/* ------------------------------------------------------------------ */

/* An address-based invalidation decoded to an inclusive span */
typedef struct SMMUInvSpan {
    uint64_t start;
    uint64_t last;
} SMMUInvSpan;

static unsigned tg_granule_bits(unsigned tg)
{
    return tg ? 12 + 2 * (tg - 1) : 0;
}

void smmu_inv_range_span(const SMMUInvRange *r, uint8_t granule_bits,
                         uint64_t *start, uint64_t *last)
{
    unsigned gbits = r->tg ? tg_granule_bits(r->tg) : granule_bits;
    unsigned len_bits;

    if (gbits < 12 || gbits > 16) {
        gbits = 12;                 /* only 4K/16K/64K granules exist */
    }

    if (!r->tg) {
        *start = r->addr & ~MAKE_64BIT_MASK(0, gbits);
        *last = *start + MAKE_64BIT_MASK(0, gbits);
        return;
    }
    /* IHI 0070 4.4.1.1: (NUM + 1) * 2^SCALE granules from addr */
    *start = r->addr & ~MAKE_64BIT_MASK(0, gbits);
    len_bits = r->scale + gbits;
    if (len_bits >= 58) {
        *last = UINT64_MAX;
        return;
    }
    *last = *start + (((uint64_t)r->num + 1) << len_bits) - 1;
    if (*last < *start) {
        *last = UINT64_MAX;
    }
}

/*
 * TG and TTL only say which entries need not go (4.4.1.1); dropping
 * every entry of the span over-invalidates, as 4.4 permits.
 */
static void span_from_range(const SMMUInvRange *r, bool va, SMMUInvSpan *sp)
{
    uint64_t addr = va ? smmu_canonical_va(r->addr) : r->addr;

    if (!r->tg) {
        /* Single address: the entries holding it, any level */
        sp->start = sp->last = addr;
        return;
    }
    smmu_inv_range_span(r, 0, &sp->start, &sp->last);
    if (va) {
        sp->start = smmu_canonical_va(sp->start);
        sp->last = MAX(sp->start, smmu_canonical_va(sp->last));
    }
}

static unsigned ctx_drop_all(SMMUState *s, SMMUTLBCtx *ctx)
{
    unsigned n = ctx->nr;
    SMMUTLBEntry *e, *next;

    /* the ctx is freed with its last entry */
    QTAILQ_FOREACH_SAFE(e, &ctx->entries, ctx_link, next) {
        entry_remove(s, e);
    }
    return n;
}

/*
 * Append to @out the entries whose node at @node_off in SMMUTLBEntry is
 * in @root and overlaps @sp, except those of ASID @skip_asid (-1: none).
 * Only entries that are then removed are visited.
 */
static void tree_collect(IntervalTreeRoot *root, size_t node_off,
                         const SMMUInvSpan *sp, int skip_asid,
                         GPtrArray *out)
{
    IntervalTreeNode *n;

    for (n = interval_tree_iter_first(root, sp->start, sp->last); n;
         n = interval_tree_iter_next(n, sp->start, sp->last)) {
        SMMUTLBEntry *e = (SMMUTLBEntry *)((char *)n - node_off);

        if (skip_asid < 0 || e->asid != skip_asid) {
            g_ptr_array_add(out, e);
        }
    }
}

static unsigned drop_collected(SMMUState *s, GPtrArray *hit)
{
    unsigned i;

    for (i = 0; i < hit->len; i++) {
        entry_remove(s, g_ptr_array_index(hit, i));
    }
    return hit->len;
}

static SMMUTLBVmid *vmid_find(SMMUState *s, uint32_t key)
{
    return g_hash_table_lookup(s->tlb->vmids, GUINT_TO_POINTER(key));
}

/*
 * Drop every entry of the contexts of index space @key (a VMID, or an
 * EL2 regime's), stage-2 ones unless @s1
 */
static unsigned drop_vmid(SMMUState *s, uint32_t key, bool s1)
{
    g_autoptr(GPtrArray) hit = g_ptr_array_new();
    SMMUTLBVmid *vm = vmid_find(s, key);
    SMMUTLBCtx *ctx;
    unsigned removed = 0, i;

    if (!vm) {
        return 0;
    }
    QLIST_FOREACH(ctx, &vm->ctxs, vm_link) {
        if (!s1 || ctx->tag != SMMU_TAG_S2) {
            g_ptr_array_add(hit, ctx);
        }
    }
    /* the VMID goes with its last context: not touched again */
    for (i = 0; i < hit->len; i++) {
        removed += ctx_drop_all(s, g_ptr_array_index(hit, i));
    }
    return removed;
}

static void count_invalidated(SMMUState *s, unsigned n)
{
    s->tlb_stats.invalidated += n;
}

void smmu_tlb_inv_all(SMMUState *s)
{
    SMMUTLBEntry *e, *next;
    unsigned n = s->tlb_stats.used;

    tlb_gen_bump(s);
    g_hash_table_remove_all(s->tlb->entries);
    g_hash_table_remove_all(s->tlb->ctxs);
    g_hash_table_remove_all(s->tlb->vmids);
    QTAILQ_FOREACH_SAFE(e, &s->tlb->lru, lru_link, next) {
        g_free(e);
    }
    QTAILQ_INIT(&s->tlb->lru);
    s->tlb->front_stale = true;
    s->tlb_stats.used = 0;
    count_invalidated(s, n);
    trace_smmu_tlb_inv("all", 0, 0, 0, 0, n);
}

/* Is anything of an EL2 regime cached? */
static bool el2_cached(SMMUState *s)
{
    return vmid_find(s, vm_key(SMMU_TAG_EL2, 0)) ||
           vmid_find(s, vm_key(SMMU_TAG_EL2_E2H, 0));
}

static void collect_el1_key(gpointer key, gpointer value, gpointer opaque)
{
    if (GPOINTER_TO_UINT(key) <= UINT16_MAX) {
        g_array_append_val((GArray *)opaque, ((SMMUTLBVmid *)value)->key);
    }
}

void smmu_tlb_inv_nsnh_all(SMMUState *s)
{
    g_autoptr(GArray) keys = NULL;
    unsigned n = 0, i;

    /* Without EL2 entries this is everything: the cheap way */
    if (!el2_cached(s)) {
        smmu_tlb_inv_all(s);
        return;
    }
    keys = g_array_new(false, false, sizeof(uint32_t));
    g_hash_table_foreach(s->tlb->vmids, collect_el1_key, keys);
    for (i = 0; i < keys->len; i++) {
        n += drop_vmid(s, g_array_index(keys, uint32_t, i), false);
    }
    count_invalidated(s, n);
    trace_smmu_tlb_inv("nsnh", 0, 0, 0, 0, n);
}

void smmu_tlb_inv_el2_all(SMMUState *s)
{
    unsigned n = drop_vmid(s, vm_key(SMMU_TAG_EL2, 0), false) +
                 drop_vmid(s, vm_key(SMMU_TAG_EL2_E2H, 0), false);

    count_invalidated(s, n);
    trace_smmu_tlb_inv("el2-all", 0, 0, 0, 0, n);
}

void smmu_tlb_inv_el2_asid(SMMUState *s, uint16_t asid)
{
    SMMUTLBCtx *ctx = ctx_find(s->tlb, SMMU_TAG_EL2_E2H, 0, asid);
    unsigned n = ctx ? ctx_drop_all(s, ctx) : 0;

    count_invalidated(s, n);
    trace_smmu_tlb_inv("el2-asid", 0, asid, 0, 0, n);
}

void smmu_tlb_inv_vmid(SMMUState *s, uint16_t vmid)
{
    unsigned n = drop_vmid(s, vmid, false);

    count_invalidated(s, n);
    trace_smmu_tlb_inv("vmid", vmid, 0, 0, 0, n);
}

void smmu_tlb_inv_vmid_s1(SMMUState *s, uint16_t vmid)
{
    unsigned n = drop_vmid(s, vmid, true);

    count_invalidated(s, n);
    trace_smmu_tlb_inv("vmid-s1", vmid, 0, 0, 0, n);
}

void smmu_tlb_inv_asid(SMMUState *s, uint16_t vmid, uint16_t asid)
{
    static const uint8_t tags[] = { SMMU_TAG_S1, SMMU_TAG_NESTED };
    unsigned n = 0, i;

    for (i = 0; i < ARRAY_SIZE(tags); i++) {
        SMMUTLBCtx *ctx = ctx_find(s->tlb, tags[i], vmid, asid);

        if (ctx) {
            n += ctx_drop_all(s, ctx);
        }
    }
    count_invalidated(s, n);
    trace_smmu_tlb_inv("asid", vmid, asid, 0, 0, n);
}

/*
 * Collect the entries of index space @vm holding @sp: of every ASID
 * (@asid < 0), or those of contexts (@tags[i], @vmid, @asid) plus the
 * global entries of any ASID.
 */
static void collect_va(SMMUState *s, SMMUTLBVmid *vm, const uint8_t *tags,
                       unsigned ntags, uint16_t vmid, int asid,
                       const SMMUInvSpan *sp, GPtrArray *hit)
{
    unsigned i;

    if (!vm) {
        return;                     /* nothing cached there */
    }
    if (asid < 0) {
        tree_collect(&vm->va, offsetof(SMMUTLBEntry, by_vmid), sp, -1, hit);
        return;
    }
    for (i = 0; i < ntags; i++) {
        SMMUTLBCtx *ctx = ctx_find(s->tlb, tags[i], vmid, asid);

        if (ctx) {
            tree_collect(&ctx->tree, offsetof(SMMUTLBEntry, by_addr), sp,
                         -1, hit);
        }
    }
    /*
     * IHI 0070 4.4.2.4, 4.4.2.8: VA commands also reach global entries
     * whatever ASID they were cached under (this ASID's own are already
     * collected).
     */
    tree_collect(&vm->global, offsetof(SMMUTLBEntry, by_global), sp, asid,
                 hit);
}

void smmu_tlb_inv_va(SMMUState *s, uint16_t vmid, int asid,
                     const SMMUInvRange *r)
{
    static const uint8_t tags[] = { SMMU_TAG_S1, SMMU_TAG_NESTED };
    g_autoptr(GPtrArray) hit = g_ptr_array_new();
    SMMUInvSpan sp;
    unsigned n;

    span_from_range(r, true, &sp);
    collect_va(s, vmid_find(s, vm_key(SMMU_TAG_S1, vmid)), tags,
               ARRAY_SIZE(tags), vmid, asid, &sp, hit);
    n = drop_collected(s, hit);
    count_invalidated(s, n);
    trace_smmu_tlb_inv("va", vmid, asid, sp.start, sp.last, n);
}

void smmu_tlb_inv_el2_va(SMMUState *s, SMMURegime regime, int asid,
                         const SMMUInvRange *r)
{
    const uint8_t tag = smmu_s1_tag(regime);
    g_autoptr(GPtrArray) hit = g_ptr_array_new();
    SMMUInvSpan sp;
    unsigned n;

    span_from_range(r, true, &sp);
    if (tag == SMMU_TAG_EL2 || tag == SMMU_TAG_EL2_E2H) {
        /* 4.4.2.8: without E2H the ASID parameter is ignored */
        collect_va(s, vmid_find(s, vm_key(tag, 0)), &tag, 1, 0,
                   tag == SMMU_TAG_EL2 ? -1 : asid, &sp, hit);
    }
    n = drop_collected(s, hit);
    count_invalidated(s, n);
    trace_smmu_tlb_inv(tag == SMMU_TAG_EL2 ? "el2-va" : "el2-e2h-va", 0,
                       asid, sp.start, sp.last, n);
}

void smmu_tlb_inv_ipa(SMMUState *s, uint16_t vmid, const SMMUInvRange *r)
{
    g_autoptr(GPtrArray) hit = g_ptr_array_new();
    SMMUTLBVmid *vm = vmid_find(s, vm_key(SMMU_TAG_S2, vmid));
    SMMUInvSpan sp;
    SMMUTLBCtx *ctx;
    unsigned n = 0;

    span_from_range(r, false, &sp);
    ctx = ctx_find(s->tlb, SMMU_TAG_S2, vmid, 0);
    if (ctx) {
        tree_collect(&ctx->tree, offsetof(SMMUTLBEntry, by_addr), &sp, -1,
                     hit);
    }
    /*
     * Combined entries whose own IPA range overlaps go too.  A combined
     * entry built from a larger stage-2 leaf that holds the IPA, but
     * from another IPA, stays: 4.4.3.1 leaves that to the stage-1
     * invalidation software must also issue.
     */
    if (vm) {
        tree_collect(&vm->ipa, offsetof(SMMUTLBEntry, by_ipa), &sp, -1, hit);
    }
    n = drop_collected(s, hit);
    count_invalidated(s, n);
    trace_smmu_tlb_inv("ipa", vmid, 0, sp.start, sp.last, n);
}
