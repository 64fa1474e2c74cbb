/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Shared helpers of the SMMU engine unit tests (see smmu-unit.h).
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "smmu-unit.h"

static MemTxResult fake_read_desc(void *opaque, uint64_t pa, uint64_t *desc)
{
    FakeMem *m = opaque;

    m->reads++;
    if (pa >= FAKE_ABORT_BASE && pa < FAKE_ABORT_END) {
        return MEMTX_DECODE_ERROR;
    }
    *desc = fake_mem_read(m, pa);
    return MEMTX_OK;
}

static MemTxResult fake_cas_desc(void *opaque, uint64_t pa, uint64_t old,
                                 uint64_t new, uint64_t *cur)
{
    FakeMem *m = opaque;

    m->swaps++;
    if ((pa >= FAKE_ABORT_BASE && pa < FAKE_ABORT_END) || m->swap_fails) {
        return MEMTX_DECODE_ERROR;
    }
    if (m->race && pa == m->race_pa) {
        fake_mem_write(m, pa, m->race_val);
        m->race = m->race_forever;
        m->race_val ^= 1ULL << 12;  /* another output page each time */
    }
    *cur = fake_mem_read(m, pa);
    if (*cur == old) {
        fake_mem_write(m, pa, new);
    }
    return MEMTX_OK;
}

FakeMem *fake_mem_new(void)
{
    FakeMem *m = g_new0(FakeMem, 1);

    m->words = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                     NULL);
    m->next = 0x40000000;
    return m;
}

void fake_mem_free(FakeMem *m)
{
    g_hash_table_destroy(m->words);
    g_free(m);
}

void fake_mem_write(FakeMem *m, uint64_t pa, uint64_t val)
{
    uint64_t *key = g_new(uint64_t, 2);

    /* key[0] is the address, key[1] the value */
    key[0] = pa;
    key[1] = val;
    g_hash_table_replace(m->words, key, key);
}

uint64_t fake_mem_read(FakeMem *m, uint64_t pa)
{
    uint64_t *w = g_hash_table_lookup(m->words, &pa);

    return w ? w[1] : 0;
}

uint64_t fake_mem_alloc(FakeMem *m, uint64_t bytes)
{
    uint64_t pa = ROUND_UP(m->next, bytes);

    m->next = pa + bytes;
    return pa;
}

SMMUState *engine_new(FakeMem *m, uint32_t entries)
{
    SMMUState *s = g_new0(SMMUState, 1);

    s->tlb = smmu_tlb_new();
    s->tlb_entries = entries;
    s->read_desc = fake_read_desc;
    s->cas_desc = fake_cas_desc;
    s->read_desc_opaque = m;
    return s;
}

void engine_free(SMMUState *s)
{
    smmu_tlb_free(s->tlb);
    g_free(s);
}

unsigned pt_shift(unsigned gbits, int level)
{
    return gbits + (gbits - 3) * (3 - level);
}

static unsigned pt_width(const PtBuilder *b, int level)
{
    return level == b->start ? b->ia_bits - pt_shift(b->gbits, level)
                             : b->gbits - 3;
}

void pt_init(PtBuilder *b, FakeMem *m, unsigned gbits, unsigned ia_bits,
             int start, uint64_t offset)
{
    uint64_t bytes = 8ULL << (ia_bits - pt_shift(gbits, start));

    memset(b, 0, sizeof(*b));
    b->m = m;
    b->gbits = gbits;
    b->ia_bits = ia_bits;
    b->start = start;
    b->offset = offset;
    /* Tables need at least 8 entries' alignment for the TTB fields */
    b->root = fake_mem_alloc(m, MAX(bytes, 64)) - offset;
}

uint64_t pt_entry(PtBuilder *b, uint64_t ia, int level)
{
    uint64_t table = b->root;
    int l;

    for (l = b->start; ; l++) {
        unsigned shift = pt_shift(b->gbits, l);
        uint64_t slot = table + extract64(ia, shift, pt_width(b, l)) * 8;
        uint64_t desc;

        if (l == level) {
            return slot;
        }
        desc = fake_mem_read(b->m, slot + b->offset);
        if ((desc & 3) != 3) {
            uint64_t next = fake_mem_alloc(b->m, 1ULL << b->gbits) -
                            b->offset;

            desc = next | 3 | b->table_attrs;
            fake_mem_write(b->m, slot + b->offset, desc);
        }
        table = desc & MAKE_64BIT_MASK(b->gbits, 48 - b->gbits);
    }
}

void pt_map(PtBuilder *b, uint64_t ia, int level, uint64_t desc)
{
    fake_mem_write(b->m, pt_entry(b, ia, level) + b->offset, desc);
}

uint64_t s1_leaf(uint64_t oa, int level)
{
    /* AF, AP[2:1] = 0b01 (EL0 read/write), page or block */
    return oa | (level == 3 ? 3 : 1) | (1 << 10) | (1 << 6);
}

uint64_t s2_leaf(uint64_t oa, int level)
{
    /* AF, S2AP = read/write, MemAttr = Normal write-back */
    return oa | (level == 3 ? 3 : 1) | (1 << 10) | (3 << 6) | (0xf << 2);
}

uint64_t pt_oa(unsigned gbits, bool ds, uint64_t oa)
{
    if (gbits == 16) {
        return (oa & MAKE_64BIT_MASK(16, 32)) | extract64(oa, 48, 4) << 12;
    }
    if (ds) {
        return (oa & MAKE_64BIT_MASK(gbits, 50 - gbits)) |
               extract64(oa, 50, 2) << 8;
    }
    return oa & MAKE_64BIT_MASK(gbits, 48 - gbits);
}

int s1_start(unsigned gbits, unsigned ia_bits)
{
    return 4 - DIV_ROUND_UP(ia_bits - gbits, gbits - 3);
}

SMMUTransCfg cfg_s1(const PtBuilder *b)
{
    SMMUTransCfg c = {
        .s1_enabled = true,
        .s1 = {
            .tt[0] = {
                .ttb = b->root, .tsz = 64 - b->ia_bits,
                .granule_bits = b->gbits,
            },
            .tt[1] = { .disabled = true, .granule_bits = 12 },
            .asid = 1, .ips_bits = 48, .record_faults = true,
        },
        .s2 = { .vmid = 1 },
        .oas_bits = 48,
        .priv = true,
    };

    return c;
}

SMMUTransCfg cfg_s2(const PtBuilder *b, unsigned sl0)
{
    SMMUTransCfg c = {
        .s2_enabled = true,
        .s2 = {
            .vttb = b->root, .vmid = 1, .tsz = 64 - b->ia_bits, .sl0 = sl0,
            .granule_bits = b->gbits, .ps_bits = 48, .record_faults = true,
        },
        .oas_bits = 48,
        .priv = true,
    };

    return c;
}

SMMUTransCfg cfg_nested(const PtBuilder *s1, const PtBuilder *s2,
                        unsigned sl0)
{
    SMMUTransCfg c = cfg_s1(s1);

    c.s2_enabled = true;
    c.s2 = cfg_s2(s2, sl0).s2;
    return c;
}

void expect_translate(SMMUState *s, const SMMUTransCfg *cfg, uint64_t iova,
                      IOMMUAccessFlags access, const Expect *e)
{
    SMMUTranslation out = { 0 };
    SMMUFault f;
    bool ok = smmu_translate(s, cfg, iova, access, &out, &f);

    if (!e->fault) {
        if (!ok) {
            g_test_message("iova 0x%" PRIx64 ": fault type %d stage %d "
                           "level %d", iova, f.type, f.stage, f.level);
        }
        g_assert_true(ok);
        g_assert_cmphex(out.addr, ==, e->addr);
        g_assert_cmphex(out.addr_mask, ==, e->addr_mask);
        g_assert_cmpint(out.perm, ==, e->perm);
        return;
    }
    if (ok) {
        g_test_message("iova 0x%" PRIx64 " -> 0x%" PRIx64 ", expected a "
                       "fault", iova, out.addr);
    }
    g_assert_false(ok);
    g_assert_cmpint(f.type, ==, e->type);
    g_assert_cmpint(f.stage, ==, e->stage);
    g_assert_cmpint(f.level, ==, e->level);
    g_assert_cmphex(f.input_addr, ==, iova);
    if (e->stage == 2) {
        g_assert_cmpint(f.cls, ==, e->cls);
        g_assert_cmphex(f.ipa, ==, e->ipa);
    }
    if (e->type == SMMU_FAULT_WALK_EABT) {
        g_assert_cmpint(f.cls, ==, e->cls);
        g_assert_cmphex(f.fetch_addr, ==, e->fetch_addr);
    }
}
