/*
 * AArch64 VMSAv8-64 translation tables for SMMU tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "../libqtest.h"
#include "qemu/bitops.h"
#include "smmu-pgtable.h"

/* Descriptor bits, Arm ARM D8.3. */
#define DESC_VALID      (1ULL << 0)
#define DESC_TABLE      (1ULL << 1)     /* table at L0-2, page at L3 */
#define DESC_AP_EL0     (1ULL << 6)     /* stage 1 AP[1]; stage 2 S2AP[0] */
#define DESC_AP_RO      (1ULL << 7)     /* stage 1 AP[2]; stage 2 S2AP[1] */
#define DESC_SH_INNER   (3ULL << 8)
#define DESC_AF         (1ULL << 10)
#define DESC_S1_NG      (1ULL << 11)    /* stage 1 nG: not global */
#define DESC_S1_PXN     (1ULL << 53)
#define DESC_S1_UXN     (1ULL << 54)
#define DESC_S2_XN      (2ULL << 53)    /* XN[1:0] = 0b10 */
#define DESC_S2_MEMATTR (0xfULL << 2)   /* Normal, write-back */
#define DESC_OA_MASK    MAKE_64BIT_MASK(12, 36) /* OA[47:12] */

unsigned qpt_stride(uint8_t granule)
{
    return granule - 3;
}

unsigned qpt_level_shift(uint8_t granule, int level)
{
    return granule + (3 - level) * qpt_stride(granule);
}

int qpt_start_level(uint8_t granule, uint8_t ias)
{
    unsigned stride = qpt_stride(granule);

    /* Each level resolves stride bits above the page offset. */
    return 3 - (ias - granule - 1) / stride;
}

uint8_t qpt_s2_sl0(uint8_t granule, int level)
{
    /* SL0 counts back from level 2 (4K) or level 3 (16K, 64K). */
    return (granule == 12 ? 2 : 3) - level;
}

uint64_t qpt_leaf_desc(bool stage2, uint8_t granule, int level, uint64_t oa,
                       unsigned perms)
{
    uint64_t d = DESC_VALID | DESC_SH_INNER;

    d |= oa & DESC_OA_MASK & ~MAKE_64BIT_MASK(0, qpt_level_shift(granule,
                                                                 level));
    if (level == 3) {
        d |= DESC_TABLE;
    }
    if (!(perms & QPT_NO_AF)) {
        d |= DESC_AF;
    }
    if (stage2) {
        d |= DESC_S2_MEMATTR;
        d |= (perms & QPT_R) ? DESC_AP_EL0 : 0;
        d |= (perms & QPT_W) ? DESC_AP_RO : 0;
        d |= (perms & QPT_XN) ? DESC_S2_XN : 0;
    } else {
        /* Accessible at EL0 and EL1; AP[2] makes it read-only. */
        d |= DESC_AP_EL0;
        d |= (perms & QPT_W) ? 0 : DESC_AP_RO;
        d |= (perms & QPT_XN) ? DESC_S1_PXN | DESC_S1_UXN : 0;
        /* Non-global as Linux maps, unless asked for a global entry */
        d |= (perms & QPT_GLOBAL) ? 0 : DESC_S1_NG;
    }
    return d;
}

static uint64_t pool_take(QPgtable *pt)
{
    uint64_t size = 1ULL << pt->granule;
    uint64_t pa;

    g_assert_cmpuint(pt->pool_used + size, <=, pt->pool_size);
    pa = pt->pool + pt->pool_used;
    pt->pool_used += size;
    qtest_memset(pt->qts, pa, 0, size);
    return pa;
}

static uint64_t pool_name(const QPgtable *pt, uint64_t pa)
{
    return pa - pt->pool + pt->pool_ipa;
}

static uint64_t pool_pa(const QPgtable *pt, uint64_t name)
{
    return name - pt->pool_ipa + pt->pool;
}

void qpt_init(QPgtable *pt, QTestState *qts, QGuestAllocator *alloc,
              bool stage2, uint8_t granule, uint8_t ias, unsigned max_tables,
              uint64_t ipa_offset)
{
    uint64_t gsize = 1ULL << granule;
    uint64_t align = 1 << 16;
    uint64_t bytes = (uint64_t)max_tables << granule;

    memset(pt, 0, sizeof(*pt));
    pt->qts = qts;
    pt->stage2 = stage2;
    pt->granule = granule;
    pt->ias = ias;
    pt->start_level = qpt_start_level(granule, ias);
    g_assert_cmpint(pt->start_level, >=, 0);
    pt->pool_size = ROUND_UP(bytes, align);
    pt->pool = ROUND_UP(guest_alloc(alloc, pt->pool_size + align), align);
    pt->pool_ipa = pt->pool + ipa_offset;
    g_assert_cmphex(pt->pool_ipa & (gsize - 1), ==, 0);
    pt->root = pool_take(pt);
}

uint64_t qpt_ttb(const QPgtable *pt)
{
    return pool_name(pt, pt->root);
}

static unsigned level_index(const QPgtable *pt, uint64_t va, int level)
{
    unsigned shift = qpt_level_shift(pt->granule, level);
    unsigned bits = level == pt->start_level ? pt->ias - shift
                                             : qpt_stride(pt->granule);

    return (va >> shift) & ((1u << bits) - 1);
}

/* Walk to the table at level, creating the tables on the way. */
static uint64_t table_for(QPgtable *pt, uint64_t va, int level, bool create)
{
    uint64_t table = pt->root;

    g_assert_cmpuint(va >> pt->ias, ==, 0);
    for (int l = pt->start_level; l < level; l++) {
        uint64_t slot = table + 8 * level_index(pt, va, l);
        uint64_t d = qtest_readq(pt->qts, slot);

        if (!(d & DESC_VALID)) {
            g_assert_true(create);
            d = DESC_VALID | DESC_TABLE | pool_name(pt, pool_take(pt));
            qtest_writeq(pt->qts, slot, d);
        }
        g_assert_true(d & DESC_TABLE);
        table = pool_pa(pt, d & DESC_OA_MASK);
    }
    return table;
}

void qpt_map(QPgtable *pt, uint64_t va, uint64_t oa, int level,
             unsigned perms)
{
    uint64_t table = table_for(pt, va, level, true);

    qtest_writeq(pt->qts, table + 8 * level_index(pt, va, level),
                 qpt_leaf_desc(pt->stage2, pt->granule, level, oa, perms));
}

void qpt_map_range(QPgtable *pt, uint64_t va, uint64_t oa, uint64_t size,
                   unsigned perms)
{
    uint64_t page = 1ULL << pt->granule;

    for (uint64_t off = 0; off < size; off += page) {
        qpt_map(pt, va + off, oa + off, 3, perms);
    }
}

uint64_t qpt_entry_addr(QPgtable *pt, uint64_t va, int level)
{
    return table_for(pt, va, level, false) + 8 * level_index(pt, va, level);
}

void qpt_set_entry(QPgtable *pt, uint64_t va, int level, uint64_t desc)
{
    qtest_writeq(pt->qts, qpt_entry_addr(pt, va, level), desc);
}
