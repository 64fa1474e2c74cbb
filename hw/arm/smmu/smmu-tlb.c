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
 * - Stage-1 entries are always tagged with their ASID, global (nG == 0)
 *   or not: a global entry is re-walked under another ASID and dropped
 *   by CMD_TLBI_NH_ASID, which the architecture permits.
 * - Capacity is the "tlb-entries" property; when full the least recently
 *   used entry alone is evicted.
 * - Invalidation (IHI 0070 4.4) goes through the affected contexts only,
 *   and for address ranges probes the hash when that is cheaper than
 *   scanning the context.
 * - Only leaf translations are cached (no walk cache), so the Leaf hint
 *   of a command never lets an entry survive.
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

typedef struct SMMUTLBCtx {
    uint64_t id;                    /* ctx_id(tag, vmid, asid) */
    uint8_t tag;
    uint16_t vmid;
    uint16_t asid;
    uint64_t sizes;                 /* bit n: entries of 2^n bytes exist */
    uint32_t size_count[64];
    uint32_t nr;
    QTAILQ_HEAD(, SMMUTLBEntry) entries;
} SMMUTLBCtx;

#define FRONT_BITS      12          /* 4096 slots */
#define FRONT_PAGE_BITS 12

struct SMMUTLB {
    GHashTable *entries;            /* SMMUTLBEntry * -> itself */
    GHashTable *ctxs;               /* &SMMUTLBCtx.id -> SMMUTLBCtx * */
    QTAILQ_HEAD(, SMMUTLBEntry) lru;    /* head: least recently used */
    bool front_stale;               /* front[] may hold removed entries */
    SMMUTLBEntry *front[1 << FRONT_BITS];
};

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
    QTAILQ_INIT(&tlb->lru);
    return tlb;
}

static SMMUTLBCtx *ctx_find(SMMUTLB *tlb, unsigned tag, uint16_t vmid,
                            uint16_t asid)
{
    uint64_t id = ctx_id(tag, vmid, asid);

    return g_hash_table_lookup(tlb->ctxs, &id);
}

static void entry_remove(SMMUState *s, SMMUTLBEntry *e)
{
    SMMUTLB *tlb = s->tlb;
    SMMUTLBCtx *ctx = e->ctx;

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
    if (--ctx->size_count[e->size_bits] == 0) {
        ctx->sizes &= ~(1ULL << e->size_bits);
    }
    s->tlb_stats.used--;
    g_free(e);
    if (--ctx->nr == 0) {
        g_hash_table_remove(tlb->ctxs, &ctx->id);
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
        ctx = g_new0(SMMUTLBCtx, 1);
        ctx->tag = tmpl->tag;
        ctx->vmid = tmpl->vmid;
        ctx->asid = tmpl->asid;
        ctx->id = ctx_id(ctx->tag, ctx->vmid, ctx->asid);
        QTAILQ_INIT(&ctx->entries);
        g_hash_table_insert(tlb->ctxs, &ctx->id, ctx);
    }

    e = g_new(SMMUTLBEntry, 1);
    *e = *tmpl;
    e->ctx = ctx;
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

/* An address-based invalidation decoded to an inclusive span + filters */
typedef struct SMMUInvSpan {
    uint64_t start;
    uint64_t last;
    uint8_t ttl;                    /* 0: any level */
    uint8_t granule_bits;           /* with ttl: granule of the entries */
    bool by_ipa;                    /* match a nested entry's IPA */
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

static void span_from_range(const SMMUInvRange *r, bool va, SMMUInvSpan *sp)
{
    uint64_t addr = va ? smmu_canonical_va(r->addr) : r->addr;

    memset(sp, 0, sizeof(*sp));
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
    /* IHI 0070 4.4.1.2: TTL (with a TG) names the leaf level */
    if (r->ttl) {
        sp->ttl = r->ttl;
        sp->granule_bits = tg_granule_bits(r->tg);
    }
}

static bool span_hits(const SMMUInvSpan *sp, const SMMUTLBEntry *e)
{
    uint64_t base = sp->by_ipa && e->tag == SMMU_TAG_NESTED ? e->ipa_base
                                                             : e->base;
    uint64_t end = base + MAKE_64BIT_MASK(0, e->size_bits);

    if (end < sp->start || base > sp->last) {
        return false;
    }
    /* TTL filters leaf entries of their own stage; nested IPAs ignore it */
    if (sp->ttl && !(sp->by_ipa && e->tag == SMMU_TAG_NESTED)) {
        return e->level == sp->ttl && e->granule_bits == sp->granule_bits;
    }
    return true;
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

/* Probes needed to cover [start, last] with every size present, capped */
static uint64_t probe_cost(const SMMUTLBCtx *ctx, uint64_t start,
                           uint64_t last, uint64_t cap)
{
    uint64_t sizes = ctx->sizes, cost = 0;

    while (sizes && cost <= cap) {
        unsigned n = ctz64(sizes);

        sizes &= sizes - 1;
        cost += ((last >> n) - (start >> n)) + 1;
    }
    return cost;
}

static unsigned ctx_drop_span(SMMUState *s, SMMUTLBCtx *ctx,
                              const SMMUInvSpan *sp)
{
    unsigned removed = 0;
    SMMUTLBEntry *e, *next;

    if (!sp->by_ipa && probe_cost(ctx, sp->start, sp->last, ctx->nr) <
        ctx->nr) {
        /* Cheaper to probe each aligned base of each size present */
        uint64_t sizes = ctx->sizes;

        while (sizes) {
            unsigned n = ctz64(sizes);
            uint64_t base = sp->start & ~MAKE_64BIT_MASK(0, n);
            SMMUTLBEntry key = { .asid = ctx->asid, .vmid = ctx->vmid,
                                 .tag = ctx->tag, .size_bits = n };
            uint64_t i, count = ((sp->last >> n) - (sp->start >> n)) + 1;

            sizes &= sizes - 1;
            for (i = 0; i < count; i++, base += 1ULL << n) {
                key.base = base;
                e = g_hash_table_lookup(s->tlb->entries, &key);
                if (e && span_hits(sp, e)) {
                    bool last_one = ctx->nr == 1;

                    entry_remove(s, e);
                    removed++;
                    if (last_one) {
                        return removed;     /* ctx is gone */
                    }
                }
            }
        }
        return removed;
    }
    QTAILQ_FOREACH_SAFE(e, &ctx->entries, ctx_link, next) {
        if (span_hits(sp, e)) {
            /* entry_remove frees ctx with its last entry: stop there */
            bool last_one = ctx->nr == 1;

            entry_remove(s, e);
            removed++;
            if (last_one) {
                break;
            }
        }
    }
    return removed;
}

typedef bool (*SMMUCtxFilter)(const SMMUTLBCtx *ctx, uint16_t vmid);

static bool ctx_is_vmid(const SMMUTLBCtx *ctx, uint16_t vmid)
{
    return ctx->vmid == vmid;
}

static bool ctx_is_vmid_s1(const SMMUTLBCtx *ctx, uint16_t vmid)
{
    return ctx->vmid == vmid && ctx->tag != SMMU_TAG_S2;
}

static bool ctx_is_vmid_nested(const SMMUTLBCtx *ctx, uint16_t vmid)
{
    return ctx->vmid == vmid && ctx->tag == SMMU_TAG_NESTED;
}

/*
 * Apply to every context passing @filter: drop all its entries (@sp NULL)
 * or those hit by @sp.  Scans contexts, not entries.
 */
static unsigned drop_matching(SMMUState *s, SMMUCtxFilter filter,
                              uint16_t vmid, const SMMUInvSpan *sp)
{
    g_autoptr(GPtrArray) hit = g_ptr_array_new();
    GHashTableIter it;
    SMMUTLBCtx *ctx;
    unsigned removed = 0, i;

    g_hash_table_iter_init(&it, s->tlb->ctxs);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&ctx)) {
        if (filter(ctx, vmid)) {
            g_ptr_array_add(hit, ctx);
        }
    }
    for (i = 0; i < hit->len; i++) {
        ctx = g_ptr_array_index(hit, i);
        removed += sp ? ctx_drop_span(s, ctx, sp) : ctx_drop_all(s, ctx);
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

    g_hash_table_remove_all(s->tlb->entries);
    g_hash_table_remove_all(s->tlb->ctxs);
    QTAILQ_FOREACH_SAFE(e, &s->tlb->lru, lru_link, next) {
        g_free(e);
    }
    QTAILQ_INIT(&s->tlb->lru);
    s->tlb->front_stale = true;
    s->tlb_stats.used = 0;
    count_invalidated(s, n);
    trace_smmu_tlb_inv("all", 0, 0, 0, 0, n);
}

void smmu_tlb_inv_vmid(SMMUState *s, uint16_t vmid)
{
    unsigned n = drop_matching(s, ctx_is_vmid, vmid, NULL);

    count_invalidated(s, n);
    trace_smmu_tlb_inv("vmid", vmid, 0, 0, 0, n);
}

void smmu_tlb_inv_vmid_s1(SMMUState *s, uint16_t vmid)
{
    unsigned n = drop_matching(s, ctx_is_vmid_s1, vmid, NULL);

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

void smmu_tlb_inv_va(SMMUState *s, uint16_t vmid, int asid,
                     const SMMUInvRange *r)
{
    SMMUInvSpan sp;
    unsigned n = 0;

    span_from_range(r, true, &sp);
    if (asid < 0) {
        /* NH_VAA: every ASID of the VMID */
        n = drop_matching(s, ctx_is_vmid_s1, vmid, &sp);
    } else {
        static const uint8_t tags[] = { SMMU_TAG_S1, SMMU_TAG_NESTED };
        unsigned i;

        /* NH_VA: the ASID's entries (globals are tagged with it too) */
        for (i = 0; i < ARRAY_SIZE(tags); i++) {
            SMMUTLBCtx *ctx = ctx_find(s->tlb, tags[i], vmid, asid);

            if (ctx) {
                n += ctx_drop_span(s, ctx, &sp);
            }
        }
    }
    count_invalidated(s, n);
    trace_smmu_tlb_inv("va", vmid, asid, sp.start, sp.last, n);
}

void smmu_tlb_inv_ipa(SMMUState *s, uint16_t vmid, const SMMUInvRange *r)
{
    SMMUInvSpan sp;
    SMMUTLBCtx *ctx;
    unsigned n = 0;

    span_from_range(r, false, &sp);
    ctx = ctx_find(s->tlb, SMMU_TAG_S2, vmid, 0);
    if (ctx) {
        n += ctx_drop_span(s, ctx, &sp);
    }
    /*
     * Combined entries built from the IPA go too, so a stage-2 change is
     * visible even if software skips the stage-1 invalidation.
     */
    sp.by_ipa = true;
    n += drop_matching(s, ctx_is_vmid_nested, vmid, &sp);
    count_invalidated(s, n);
    trace_smmu_tlb_inv("ipa", vmid, 0, sp.start, sp.last, n);
}
