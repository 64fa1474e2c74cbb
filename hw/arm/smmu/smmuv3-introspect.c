/*
 * SMMUv3 introspection for driver developers: x-query-smmuv3 and
 * x-smmuv3-translate (qapi/smmuv3.json) and their HMP form, "info
 * smmuv3".
 *
 * Everything here runs in the monitor, with the BQL, and takes the
 * device's lock (the documented order: the BQL, then s->lock), so no
 * translation, command or register access runs meanwhile.  It reads the
 * SMMU's structures from RAM with smmu_ram_rw() as the SMMU does, and
 * changes nothing: the translate probe sets SMMUState.probe, under
 * which the engine bypasses the TLB, writes no descriptor (HTTU) and
 * notes each descriptor it reads; the configuration is read without
 * the configuration cache (smmuv3_cfg_read()) and events are built but
 * not recorded (docs/devel/smmuv3-model.rst, "Introspection").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/lockable.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-smmuv3.h"
#include "qobject/qdict.h"
#include "monitor/monitor.h"
#include "monitor/hmp.h"
#include "monitor/hmp-target.h"
#include "hw/qdev-core.h"
#include "hw/sysbus.h"
#include "smmuv3-internal.h"

/* CDs listed when no SubstreamID is asked for */
#define MAX_LISTED_CDS      8
#define CMDQ_ENTRY_BYTES    16
#define EVTQ_ENTRY_BYTES    32
/* Descriptor bits HTTU changes (IHI 0070 3.13): AF, AP[2] / S2AP[1] */
#define DESC_AF             (1ULL << 10)
#define DESC_AP2            (1ULL << 7)

/* ---- Finding the device ---- */

static SMMUv3State *smmuv3_find(const char *id, Error **errp)
{
    bool ambiguous = false;
    Object *obj;

    if (!id) {
        obj = object_resolve_path_type("", TYPE_ARM_SMMUV3, &ambiguous);
        if (!obj) {
            error_setg(errp, ambiguous ? "several arm-smmuv3 devices: give "
                       "an id or QOM path" : "no arm-smmuv3 device");
            return NULL;
        }
        return ARM_SMMUV3(obj);
    }
    obj = object_resolve_path_type(id, TYPE_ARM_SMMUV3, &ambiguous);
    if (!obj) {
        DeviceState *dev = qdev_find_recursive(sysbus_get_default(), id);

        obj = dev ? object_dynamic_cast(OBJECT(dev), TYPE_ARM_SMMUV3) : NULL;
    }
    if (!obj) {
        error_setg(errp, "'%s' is not an arm-smmuv3 (device id or QOM path)",
                   id);
        return NULL;
    }
    return ARM_SMMUV3(obj);
}

/* ---- Building the QAPI answer ---- */

static void add_field(SMMUv3FieldList ***tail, const char *name,
                      uint64_t value)
{
    SMMUv3Field *f = g_new0(SMMUv3Field, 1);

    f->name = g_strdup(name);
    f->value = value;
    QAPI_LIST_APPEND(*tail, f);
}

static void add_words(uint64List ***tail, const uint64_t *w, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        QAPI_LIST_APPEND(*tail, w[i]);
    }
}

typedef struct NamedVal {
    const char *name;
    uint64_t value;
} NamedVal;

/* A register and its fields (@f: ending with a NULL name, or NULL) */
static void add_reg(SMMUv3RegisterList ***tail, const char *name,
                    uint64_t value, const NamedVal *f)
{
    SMMUv3Register *r = g_new0(SMMUv3Register, 1);
    SMMUv3FieldList **ft = &r->fields;

    r->name = g_strdup(name);
    r->value = value;
    for (; f && f->name; f++) {
        add_field(&ft, f->name, f->value);
    }
    QAPI_LIST_APPEND(*tail, r);
}

static SMMUv3RegisterList *registers(SMMUv3State *s)
{
    SMMUv3RegisterList *head = NULL, **tail = &head;
    unsigned cq = smmuv3_q_log2size(s->cmdq.base, SMMUV3_CMDQS);
    unsigned eq = smmuv3_q_log2size(s->eventq.base, SMMUV3_EVENTQS);
    uint32_t idr0 = smmuv3_idr(&s->feat, 0);
    uint32_t active = s->gerror ^ s->gerrorn;

    add_reg(&tail, "IDR0", idr0, (const NamedVal[]) {
            { "S2P", FIELD_EX32(idr0, IDR0, S2P) },
            { "S1P", FIELD_EX32(idr0, IDR0, S1P) },
            { "HTTU", FIELD_EX32(idr0, IDR0, HTTU) },
            { "ST_LEVEL", FIELD_EX32(idr0, IDR0, ST_LEVEL) },
            { NULL } });
    add_reg(&tail, "IDR1", smmuv3_idr(&s->feat, 1), NULL);
    add_reg(&tail, "IDR5", smmuv3_idr(&s->feat, 5), NULL);
    add_reg(&tail, "CR0", s->cr[0],
            (const NamedVal[]) {
            { "SMMUEN", FIELD_EX32(s->cr[0], CR0, SMMUEN) },
            { "PRIQEN", FIELD_EX32(s->cr[0], CR0, PRIQEN) },
            { "EVENTQEN", FIELD_EX32(s->cr[0], CR0, EVENTQEN) },
            { "CMDQEN", FIELD_EX32(s->cr[0], CR0, CMDQEN) },
            { NULL } });
    /* 6.3.11: cacheability of queue and table accesses */
    add_reg(&tail, "CR1", s->cr[1], (const NamedVal[]) {
            { "QUEUE_IC", extract32(s->cr[1], 0, 2) },
            { "QUEUE_OC", extract32(s->cr[1], 2, 2) },
            { "QUEUE_SH", extract32(s->cr[1], 4, 2) },
            { "TABLE_IC", extract32(s->cr[1], 6, 2) },
            { "TABLE_OC", extract32(s->cr[1], 8, 2) },
            { "TABLE_SH", extract32(s->cr[1], 10, 2) },
            { NULL } });
    add_reg(&tail, "CR2", s->cr[2],
            (const NamedVal[]) {
            { "RECINVSID", FIELD_EX32(s->cr[2], CR2, RECINVSID) },
            { "PTM", FIELD_EX32(s->cr[2], CR2, PTM) },
            { NULL } });
    /* 6.3.14 */
    add_reg(&tail, "GBPA", s->gbpa,
            (const NamedVal[]) {
            { "ABORT", FIELD_EX32(s->gbpa, GBPA, ABORT) },
            { "INSTCFG", extract32(s->gbpa, 18, 2) },
            { "PRIVCFG", extract32(s->gbpa, 16, 2) },
            { "SHCFG", extract32(s->gbpa, 12, 2) },
            { "ALLOCCFG", extract32(s->gbpa, 8, 4) },
            { "MTCFG", extract32(s->gbpa, 4, 1) },
            { "MemAttr", extract32(s->gbpa, 0, 4) },
            { NULL } });
    add_reg(&tail, "IRQ_CTRL", s->irq_ctrl,
            (const NamedVal[]) {
            { "GERROR_IRQEN", FIELD_EX32(s->irq_ctrl, IRQ_CTRL, GERROR_IRQEN) },
            { "PRIQ_IRQEN", FIELD_EX32(s->irq_ctrl, IRQ_CTRL, PRIQ_IRQEN) },
            { "EVENTQ_IRQEN", FIELD_EX32(s->irq_ctrl, IRQ_CTRL,
                                         EVENTQ_IRQEN) },
            { NULL } });
    /* 7.5: an error is active while GERROR and GERRORN differ */
    add_reg(&tail, "GERROR", s->gerror,
            (const NamedVal[]) {
            { "active", active },
            { "CMDQ_ERR", !!(active & GERROR_CMDQ_ERR) },
            { "EVENTQ_ABT_ERR", !!(active & GERROR_EVENTQ_ABT_ERR) },
            { "MSI_CMDQ_ABT_ERR", !!(active & GERROR_MSI_CMDQ_ABT_ERR) },
            { "MSI_EVENTQ_ABT_ERR", !!(active & GERROR_MSI_EVENTQ_ABT_ERR) },
            { "MSI_GERROR_ABT_ERR", !!(active & GERROR_MSI_GERROR_ABT_ERR) },
            { NULL } });
    add_reg(&tail, "GERRORN", s->gerrorn, NULL);
    add_reg(&tail, "GERROR_IRQ_CFG0", s->gerror_irq.addr, NULL);
    add_reg(&tail, "STRTAB_BASE", s->strtab_base,
            (const NamedVal[]) {
            { "ADDR", s->strtab_base & SMMU_STRTAB_ADDR_MASK },
            { "RA", extract64(s->strtab_base, 62, 1) },
            { NULL } });
    add_reg(&tail, "STRTAB_BASE_CFG", s->strtab_base_cfg,
            (const NamedVal[]) {
            { "FMT", FIELD_EX32(s->strtab_base_cfg, STRTAB_CFG, FMT) },
            { "SPLIT", FIELD_EX32(s->strtab_base_cfg, STRTAB_CFG, SPLIT) },
            { "LOG2SIZE", FIELD_EX32(s->strtab_base_cfg, STRTAB_CFG,
                                     LOG2SIZE) },
            { NULL } });
    add_reg(&tail, "CMDQ_BASE", s->cmdq.base,
            (const NamedVal[]) {
            { "ADDR", smmuv3_q_base(s->cmdq.base, cq, CMDQ_ENTRY_BYTES) },
            { "LOG2SIZE", FIELD_EX64(s->cmdq.base, QBASE, LOG2SIZE) },
            { NULL } });
    /* 3.5: the index and, above it, the wrap bit */
    add_reg(&tail, "CMDQ_PROD", s->cmdq.prod,
            (const NamedVal[]) {
            { "WR", smmuv3_q_idx(s->cmdq.prod, cq) },
            { "WR_WRAP", smmuv3_q_wrap(s->cmdq.prod, cq) },
            { NULL } });
    add_reg(&tail, "CMDQ_CONS", s->cmdq.cons,
            (const NamedVal[]) {
            { "RD", smmuv3_q_idx(s->cmdq.cons, cq) },
            { "RD_WRAP", smmuv3_q_wrap(s->cmdq.cons, cq) },
            { "ERR", FIELD_EX32(s->cmdq.cons, CMDQ_CONS, ERR) },
            { NULL } });
    add_reg(&tail, "EVENTQ_BASE", s->eventq.base,
            (const NamedVal[]) {
            { "ADDR", smmuv3_q_base(s->eventq.base, eq, EVTQ_ENTRY_BYTES) },
            { "LOG2SIZE", FIELD_EX64(s->eventq.base, QBASE, LOG2SIZE) },
            { NULL } });
    add_reg(&tail, "EVENTQ_PROD", s->eventq.prod,
            (const NamedVal[]) {
            { "WR", smmuv3_q_idx(s->eventq.prod, eq) },
            { "WR_WRAP", smmuv3_q_wrap(s->eventq.prod, eq) },
            { "OVFLG", FIELD_EX32(s->eventq.prod, EVENTQ_PROD, OVFLG) },
            { NULL } });
    add_reg(&tail, "EVENTQ_CONS", s->eventq.cons,
            (const NamedVal[]) {
            { "RD", smmuv3_q_idx(s->eventq.cons, eq) },
            { "RD_WRAP", smmuv3_q_wrap(s->eventq.cons, eq) },
            { "OVACKFLG", FIELD_EX32(s->eventq.cons, EVENTQ_CONS, OVACKFLG) },
            { NULL } });
    add_reg(&tail, "EVENTQ_IRQ_CFG0", s->eventq_irq.addr, NULL);
    return head;
}

/* ---- STE and CD, as memory holds them ---- */

static bool read_words(uint64_t pa, uint64_t *w, unsigned n)
{
    if (smmu_ram_rw(pa, w, n * sizeof(uint64_t), false) != MEMTX_OK) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        w[i] = le64_to_cpu(w[i]);
    }
    return true;
}

static SMMUv3Structure *structure(const char *kind, uint32_t index)
{
    SMMUv3Structure *st = g_new0(SMMUv3Structure, 1);

    st->kind = g_strdup(kind);
    st->index = index;
    return st;
}

static const char *ste_config_name(unsigned config)
{
    switch (config) {
    case STE_CFG_ABORT:
        return "abort";
    case STE_CFG_BYPASS:
        return "bypass";
    case STE_CFG_S1:
        return "stage 1 translation";
    case STE_CFG_S2:
        return "stage 2 translation";
    case STE_CFG_NESTED:
        return "nested translation";
    default:
        return "reserved Config";
    }
}

static void ste_fields(const uint64_t *ste, SMMUv3FieldList **ft)
{
    add_field(&ft, "V", FIELD_EX64(ste[0], STE0, V));
    add_field(&ft, "Config", FIELD_EX64(ste[0], STE0, CONFIG));
    add_field(&ft, "S1Fmt", FIELD_EX64(ste[0], STE0, S1FMT));
    add_field(&ft, "S1ContextPtr", ste[0] & R_STE0_S1CTXPTR_MASK);
    add_field(&ft, "S1CDMax", FIELD_EX64(ste[0], STE0, S1CDMAX));
    add_field(&ft, "S1DSS", FIELD_EX64(ste[1], STE1, S1DSS));
    add_field(&ft, "MEV", FIELD_EX64(ste[1], STE1, MEV));
    add_field(&ft, "S2FWB", FIELD_EX64(ste[1], STE1, S2FWB));
    add_field(&ft, "S1STALLD", FIELD_EX64(ste[1], STE1, S1STALLD));
    add_field(&ft, "EATS", FIELD_EX64(ste[1], STE1, EATS));
    add_field(&ft, "STRW", FIELD_EX64(ste[1], STE1, STRW));
    add_field(&ft, "PRIVCFG", FIELD_EX64(ste[1], STE1, PRIVCFG));
    add_field(&ft, "INSTCFG", FIELD_EX64(ste[1], STE1, INSTCFG));
    add_field(&ft, "MemAttr", FIELD_EX64(ste[1], STE1, MEMATTR));
    add_field(&ft, "MTCFG", FIELD_EX64(ste[1], STE1, MTCFG));
    add_field(&ft, "ALLOCCFG", FIELD_EX64(ste[1], STE1, ALLOCCFG));
    add_field(&ft, "SHCFG", FIELD_EX64(ste[1], STE1, SHCFG));
    add_field(&ft, "S2VMID", FIELD_EX64(ste[2], STE2, S2VMID));
    add_field(&ft, "S2T0SZ", FIELD_EX64(ste[2], STE2, S2T0SZ));
    add_field(&ft, "S2SL0", FIELD_EX64(ste[2], STE2, S2SL0));
    add_field(&ft, "S2TG", FIELD_EX64(ste[2], STE2, S2TG));
    add_field(&ft, "S2PS", FIELD_EX64(ste[2], STE2, S2PS));
    add_field(&ft, "S2AA64", FIELD_EX64(ste[2], STE2, S2AA64));
    add_field(&ft, "S2ENDI", FIELD_EX64(ste[2], STE2, S2ENDI));
    add_field(&ft, "S2AFFD", FIELD_EX64(ste[2], STE2, S2AFFD));
    add_field(&ft, "S2PTW", FIELD_EX64(ste[2], STE2, S2PTW));
    add_field(&ft, "S2HD", FIELD_EX64(ste[2], STE2, S2HD));
    add_field(&ft, "S2HA", FIELD_EX64(ste[2], STE2, S2HA));
    add_field(&ft, "S2S", FIELD_EX64(ste[2], STE2, S2S));
    add_field(&ft, "S2R", FIELD_EX64(ste[2], STE2, S2R));
    add_field(&ft, "S2TTB", ste[3] & R_STE3_S2TTB_MASK);
    add_field(&ft, "S2DS", FIELD_EX64(ste[3], STE3, S2DS));
    add_field(&ft, "S2SL0_2", FIELD_EX64(ste[3], STE3, S2SL0_2));
}

static void cd_fields(const uint64_t *cd, SMMUv3FieldList **ft)
{
    add_field(&ft, "V", FIELD_EX64(cd[0], CD0, V));
    add_field(&ft, "ASID", FIELD_EX64(cd[0], CD0, ASID));
    add_field(&ft, "A", FIELD_EX64(cd[0], CD0, A));
    add_field(&ft, "R", FIELD_EX64(cd[0], CD0, R));
    add_field(&ft, "S", FIELD_EX64(cd[0], CD0, S));
    add_field(&ft, "HA", FIELD_EX64(cd[0], CD0, HA));
    add_field(&ft, "HD", FIELD_EX64(cd[0], CD0, HD));
    add_field(&ft, "AA64", FIELD_EX64(cd[0], CD0, AA64));
    add_field(&ft, "TBI", FIELD_EX64(cd[0], CD0, TBI));
    add_field(&ft, "AFFD", FIELD_EX64(cd[0], CD0, AFFD));
    add_field(&ft, "IPS", FIELD_EX64(cd[0], CD0, IPS));
    add_field(&ft, "ENDI", FIELD_EX64(cd[0], CD0, ENDI));
    add_field(&ft, "DS", FIELD_EX64(cd[2], CD2, DS));
    add_field(&ft, "EPD0", FIELD_EX64(cd[0], CD0, EPD0));
    add_field(&ft, "TG0", FIELD_EX64(cd[0], CD0, TG0));
    add_field(&ft, "T0SZ", FIELD_EX64(cd[0], CD0, T0SZ));
    add_field(&ft, "TTB0", cd[1] & R_CDTTB_TTB_MASK);
    add_field(&ft, "HAD0", FIELD_EX64(cd[1], CDTTB, HAD));
    add_field(&ft, "EPD1", FIELD_EX64(cd[0], CD0, EPD1));
    add_field(&ft, "TG1", FIELD_EX64(cd[0], CD0, TG1));
    add_field(&ft, "T1SZ", FIELD_EX64(cd[0], CD0, T1SZ));
    add_field(&ft, "TTB1", cd[2] & R_CDTTB_TTB_MASK);
    add_field(&ft, "HAD1", FIELD_EX64(cd[2], CDTTB, HAD));
}

/*
 * Read @n doublewords of a CD structure at @addr, through stage 2 when
 * @tc has it (IHI 0070 5.4), as a probe: no TLB entry, no HTTU update.
 * NULL, or what went wrong.
 */
static char *cd_read(SMMUv3State *s, const SMMUTransCfg *tc, uint64_t addr,
                     uint64_t *w, unsigned n, uint64_t *pa)
{
    SMMUWalkProbe *probe = g_new0(SMMUWalkProbe, 1);
    SMMUFault f;
    bool ok = true;

    *pa = addr;
    if (tc->s2_enabled) {
        s->smmu_state.probe = probe;
        ok = smmu_translate_ipa(&s->smmu_state, &tc->s2, addr, IOMMU_RO,
                                SMMU_CLASS_CD, pa, &f);
        s->smmu_state.probe = NULL;
    }
    g_free(probe);
    if (!ok) {
        return g_strdup_printf("stage 2 faults the IPA 0x%" PRIx64, addr);
    }
    if (!read_words(*pa, w, n)) {
        return g_strdup_printf("unreadable at 0x%" PRIx64 " (F_CD_FETCH)",
                               *pa);
    }
    return NULL;
}

/* The CD @ste (decoded for one SubstreamID) selects, as memory holds it */
static SMMUv3Structure *cd_info(SMMUv3State *s, const SMMUv3Ste *ste)
{
    SMMUv3Structure *st = structure("CD", ste->cd_idx);
    const SMMUTransCfg *tc = &ste->cfg.tc;
    SMMUv3FieldList **ft = &st->fields;
    uint64List **wt = &st->words;
    uint64_t cd[8], addr, pa, l1cd;
    SMMUv3CdLoc loc;
    SMMUv3Verdict v = smmuv3_cd_locate(&s->feat, ste, &loc);
    SMMUS1Cfg s1;
    char *err;

    if (v.err) {
        st->summary = g_strdup(v.why);
        return st;
    }
    addr = loc.addr;
    if (loc.split) {
        err = cd_read(s, tc, loc.addr, &l1cd, 1, &pa);
        if (err) {
            st->summary = g_strdup_printf("L1CD at 0x%" PRIx64 ": %s",
                                          loc.addr, err);
            g_free(err);
            return st;
        }
        v = smmuv3_decode_l1cd(&s->feat, ste, l1cd, loc.split, &addr);
        if (v.err) {
            st->summary = g_strdup_printf("%s (L1CD 0x%" PRIx64 " at 0x%"
                                          PRIx64 ")", v.why, l1cd, loc.addr);
            return st;
        }
    }
    st->has_address = true;
    st->address = addr;
    err = cd_read(s, tc, addr, cd, ARRAY_SIZE(cd), &pa);
    if (err) {
        st->summary = err;
        return st;
    }
    if (pa != addr) {
        st->has_pa = true;
        st->pa = pa;
    }
    add_words(&wt, cd, ARRAY_SIZE(cd));
    cd_fields(cd, ft);
    v = smmuv3_decode_cd(&s->feat, cd, &s1);
    st->summary = g_strdup(v.err ? v.why : "valid");
    return st;
}

/*
 * The STE of @sid into @ste; the structure to show for it.  False in
 * *@ok when there is no STE to decode.
 */
static SMMUv3Structure *ste_info(SMMUv3State *s, uint32_t sid,
                                 uint64_t ste[8], bool *ok)
{
    SMMUv3Structure *st = structure("STE", sid);
    SMMUv3FieldList **ft = &st->fields;
    uint64List **wt = &st->words;
    SMMUv3SteLoc loc;
    SMMUv3Verdict v = smmuv3_ste_locate(&s->feat, s->strtab_base,
                                        s->strtab_base_cfg, sid, &loc);
    uint64_t addr = loc.addr, l1std;
    SMMUv3Ste dec;

    *ok = false;
    if (v.err) {
        st->summary = g_strdup(v.why);
        return st;
    }
    if (loc.split) {
        if (!read_words(loc.addr, &l1std, 1)) {
            st->summary = g_strdup_printf("L1STD unreadable at 0x%" PRIx64
                                          " (F_STE_FETCH)", loc.addr);
            return st;
        }
        v = smmuv3_decode_l1std(l1std, sid, loc.split, &addr);
        if (v.err) {
            st->summary = g_strdup_printf("%s (L1STD 0x%" PRIx64 " at 0x%"
                                          PRIx64 ")", v.why, l1std, loc.addr);
            return st;
        }
    }
    st->has_address = true;
    st->address = addr;
    if (!read_words(addr, ste, 8)) {
        st->summary = g_strdup("unreadable (F_STE_FETCH)");
        return st;
    }
    *ok = true;
    add_words(&wt, ste, 8);
    ste_fields(ste, ft);
    v = smmuv3_decode_ste(&s->feat, ste, SMMUV3_NO_SSID, &dec);
    if (v.err && v.err != SMMUV3_CFG_STREAM_DISABLED) {
        st->summary = g_strdup(v.why);
    } else {
        st->summary = g_strdup_printf("%s%s",
            ste_config_name(FIELD_EX64(ste[0], STE0, CONFIG)),
            v.err ? ", S1DSS terminates without SubstreamID" : "");
    }
    return st;
}

static SMMUv3StructureList *cds_info(SMMUv3State *s, const uint64_t ste[8],
                                     bool has_ssid, uint32_t ssid)
{
    SMMUv3StructureList *head = NULL, **tail = &head;
    unsigned cdmax = FIELD_EX64(ste[0], STE0, S1CDMAX);
    SMMUv3Ste dec;
    SMMUv3Verdict v;

    if (has_ssid) {
        v = smmuv3_decode_ste(&s->feat, ste, ssid, &dec);
        if (v.err) {
            SMMUv3Structure *st = structure("CD", ssid);

            st->summary = g_strdup(v.why);
            QAPI_LIST_APPEND(tail, st);
        } else if (dec.need_cd) {
            QAPI_LIST_APPEND(tail, cd_info(s, &dec));
        }
        return head;
    }
    /* What a transaction without SubstreamID uses (S1DSS), then 1.. */
    v = smmuv3_decode_ste(&s->feat, ste, SMMUV3_NO_SSID, &dec);
    if (!v.err && dec.need_cd) {
        QAPI_LIST_APPEND(tail, cd_info(s, &dec));
    }
    for (uint32_t i = 1; cdmax && i < MIN(1u << cdmax, MAX_LISTED_CDS); i++) {
        v = smmuv3_decode_ste(&s->feat, ste, i, &dec);
        if (!v.err && dec.need_cd) {
            QAPI_LIST_APPEND(tail, cd_info(s, &dec));
        }
    }
    return head;
}

/* ---- Caches and events ---- */

static SMMUv3CacheInfoList *caches(SMMUv3State *s)
{
    SMMUv3CacheInfoList *head = NULL, **tail = &head;
    const SMMUTLBStats *t = &s->smmu_state.tlb_stats;
    SMMUv3CacheInfo *c = g_new0(SMMUv3CacheInfo, 1);

    c->name = g_strdup("tlb");
    c->entries = t->used;
    c->has_capacity = true;
    c->capacity = s->smmu_state.tlb_entries;
    c->hits = smmu_tlb_hits(&s->smmu_state);  /* per-thread hits too */
    c->misses = t->misses;
    c->evictions = t->evictions;
    c->invalidated = t->invalidated;
    QAPI_LIST_APPEND(tail, c);

    c = g_new0(SMMUv3CacheInfo, 1);
    c->name = g_strdup("config");
    c->entries = g_hash_table_size(s->cfg_cache);
    c->hits = s->cfg_stats.hits;
    c->misses = s->cfg_stats.misses;
    c->invalidated = s->cfg_stats.invalidated;
    QAPI_LIST_APPEND(tail, c);
    return head;
}

static const char *event_name(unsigned type)
{
    static const char *const names[] = {
        [EVT_F_UUT] = "F_UUT",
        [EVT_C_BAD_STREAMID] = "C_BAD_STREAMID",
        [EVT_F_STE_FETCH] = "F_STE_FETCH",
        [EVT_C_BAD_STE] = "C_BAD_STE",
        [EVT_F_STREAM_DISABLED] = "F_STREAM_DISABLED",
        [EVT_C_BAD_SUBSTREAMID] = "C_BAD_SUBSTREAMID",
        [EVT_F_CD_FETCH] = "F_CD_FETCH",
        [EVT_C_BAD_CD] = "C_BAD_CD",
        [EVT_F_WALK_EABT] = "F_WALK_EABT",
        [EVT_F_TRANSLATION] = "F_TRANSLATION",
        [EVT_F_ADDR_SIZE] = "F_ADDR_SIZE",
        [EVT_F_ACCESS] = "F_ACCESS",
        [EVT_F_PERMISSION] = "F_PERMISSION",
    };

    return type < ARRAY_SIZE(names) && names[type] ? names[type] : "unknown";
}

/* A record as IHI 0070 7.3 lays it out, decoded */
static SMMUv3EventRecord *event_record(const uint64_t rec[4])
{
    SMMUv3EventRecord *e = g_new0(SMMUv3EventRecord, 1);
    SMMUv3FieldList **ft = &e->fields;
    uint64List **wt = &e->words;
    unsigned type = FIELD_EX64(rec[0], EVT0, TYPE);
    bool walk = type == EVT_F_WALK_EABT ||
                (type >= EVT_F_TRANSLATION && type <= EVT_F_PERMISSION);

    e->type = type;
    e->name = g_strdup(event_name(type));
    add_words(&wt, rec, 4);
    add_field(&ft, "SID", FIELD_EX64(rec[0], EVT0, SID));
    add_field(&ft, "SSV", FIELD_EX64(rec[0], EVT0, SSV));
    add_field(&ft, "SubstreamID", FIELD_EX64(rec[0], EVT0, SSID));
    if (walk) {
        add_field(&ft, "S2", FIELD_EX64(rec[1], EVT1, S2));
        add_field(&ft, "CLASS", FIELD_EX64(rec[1], EVT1, CLASS));
        add_field(&ft, "RnW", FIELD_EX64(rec[1], EVT1, RNW));
        add_field(&ft, "InD", FIELD_EX64(rec[1], EVT1, IND));
        add_field(&ft, "PnU", FIELD_EX64(rec[1], EVT1, PNU));
        add_field(&ft, "TTRnW", FIELD_EX64(rec[1], EVT1, TTRNW));
        add_field(&ft, "InputAddr", rec[2]);
    }
    if (type == EVT_F_WALK_EABT || type == EVT_F_STE_FETCH ||
        type == EVT_F_CD_FETCH) {
        add_field(&ft, "FetchAddr", rec[3] & EVT_FETCH_ADDR_MASK);
    } else if (walk && FIELD_EX64(rec[1], EVT1, S2)) {
        add_field(&ft, "IPA", rec[3] & EVT_IPA_MASK);
    }
    return e;
}

static const char *const outcome_names[] = {
    [SMMUV3_EVT_QUEUED] = "queued",
    [SMMUV3_EVT_LOST_DISABLED] = "lost-disabled",
    [SMMUV3_EVT_LOST_ABT] = "lost-abort",
    [SMMUV3_EVT_LOST_OVERFLOW] = "lost-overflow",
    [SMMUV3_EVT_WRITE_ABORT] = "write-abort",
};

static SMMUv3EventRecordList *recent_events(SMMUv3State *s)
{
    SMMUv3EventRecordList *head = NULL, **tail = &head;
    uint64_t n = MIN(s->event_count, SMMUV3_RECENT_EVENTS);

    for (uint64_t i = s->event_count - n; i < s->event_count; i++) {
        const SMMUv3RecentEvent *r = &s->recent[i % SMMUV3_RECENT_EVENTS];
        SMMUv3EventRecord *e = event_record(r->rec);

        e->has_time_ns = true;
        e->time_ns = r->time_ns;
        e->outcome = g_strdup(outcome_names[r->outcome]);
        QAPI_LIST_APPEND(tail, e);
    }
    return head;
}

SMMUv3Info *qmp_x_query_smmuv3(const char *id, bool has_sid, uint32_t sid,
                               bool has_ssid, uint32_t ssid, Error **errp)
{
    SMMUv3State *s = smmuv3_find(id, errp);
    SMMUv3Info *info;
    uint64_t ste[8];
    bool ste_ok;

    if (!s) {
        return NULL;
    }
    info = g_new0(SMMUv3Info, 1);
    info->path = object_get_canonical_path(OBJECT(s));

    QEMU_LOCK_GUARD(&s->lock);
    info->registers = registers(s);
    if (has_sid) {
        info->ste = ste_info(s, sid, ste, &ste_ok);
        if (ste_ok) {
            info->cds = cds_info(s, ste, has_ssid, ssid);
            info->has_cds = !!info->cds;
        }
    }
    info->caches = caches(s);
    info->events = recent_events(s);
    info->events_total = s->event_count;
    info->coherency = smmuv3_coh_info(s);
    return info;
}

/* ---- The translate probe ---- */

static SMMUv3WalkStepList *walk_steps(const SMMUWalkProbe *p)
{
    static const char *const cls[] = {
        [SMMU_CLASS_CD] = "CD", [SMMU_CLASS_TT] = "TT", [SMMU_CLASS_IN] = "IN",
    };
    SMMUv3WalkStepList *head = NULL, **tail = &head;

    for (unsigned i = 0; i < p->n; i++) {
        const SMMUWalkStep *w = &p->step[i];
        SMMUv3WalkStep *st = g_new0(SMMUv3WalkStep, 1);
        uint64_t set = w->update & ~w->desc;
        uint64_t clr = w->desc & ~w->update;

        st->stage = w->stage;
        st->level = w->level;
        if (w->stage == 2) {
            st->q_class = g_strdup(cls[w->cls]);
        }
        st->input = w->input;
        st->address = w->addr;
        st->pa = w->pa;
        st->descriptor = w->desc;
        st->abort = w->abort;
        if (w->update != w->desc) {
            st->has_update = true;
            st->update = w->update;
        }
        /* IHI 0070 3.13: AF, then AP[2] cleared (S1) / S2AP[1] set (S2) */
        st->would_set_af = set & DESC_AF;
        st->would_set_dirty = w->stage == 1 ? clr & DESC_AP2 : set & DESC_AP2;
        QAPI_LIST_APPEND(tail, st);
    }
    return head;
}

/* The event @ev as a probe's answer, and whether it would be recorded */
static void probe_fault(SMMUv3TranslateResult *r, const SMMUv3Event *ev,
                        bool recorded)
{
    uint64_t rec[4];

    smmuv3_encode_event(ev, rec);
    r->fault = event_record(rec);
    r->has_recorded = true;
    r->recorded = recorded;
}

/* A configuration fault of @t: the event a DMA would produce */
static void probe_cfg_fault(SMMUv3State *s, const SMMUv3Txn *t,
                            SMMUv3CfgFault *cf, SMMUv3TranslateResult *r)
{
    SMMUv3Event ev;
    bool recorded = true;

    if (cf->err == SMMUV3_CFG_CD_S2_FAULT) {
        recorded = cf->s2.record;
        cf->s2.record = true;
    } else if (cf->err == SMMUV3_CFG_BAD_STREAMID) {
        recorded = FIELD_EX32(s->cr[2], CR2, RECINVSID);
    }
    if (!smmuv3_txn_cfg_event(s, t, cf, &ev)) {
        /* C_BAD_STREAMID without CR2.RECINVSID: built all the same */
        memset(&ev, 0, sizeof(ev));
        ev.type = EVT_C_BAD_STREAMID;
        ev.sid = t->sid;
        ev.ssv = t->ssid != SMMUV3_NO_SSID;
        ev.ssid = ev.ssv ? t->ssid : 0;
    }
    probe_fault(r, &ev, recorded);
}

/* An engine fault of @t */
static void probe_engine_fault(const SMMUv3Txn *t, SMMUFault *f,
                               SMMUv3TranslateResult *r)
{
    SMMUv3Event ev;
    bool recorded = f->record;

    f->record = true;
    smmuv3_txn_fault_event(t, f, &ev);
    probe_fault(r, &ev, recorded);
}

/* The STE of @sid as memory holds it */
static bool probe_ste(SMMUv3State *s, uint32_t sid, uint64_t ste[8])
{
    SMMUv3SteLoc loc;
    uint64_t addr, l1std;

    if (smmuv3_ste_locate(&s->feat, s->strtab_base, s->strtab_base_cfg,
                          sid, &loc).err) {
        return false;
    }
    addr = loc.addr;
    if (loc.split && (!read_words(loc.addr, &l1std, 1) ||
                      smmuv3_decode_l1std(l1std, sid, loc.split,
                                          &addr).err)) {
        return false;
    }
    return read_words(addr, ste, 8);
}

/* The STE's PRIVCFG/INSTCFG 0b0x take the probed access's attributes */
static void probe_attrs(SMMUv3State *s, uint32_t sid, bool priv, bool exec,
                        SMMUTransCfg *tc)
{
    uint64_t ste[8];

    if (!probe_ste(s, sid, ste)) {
        return;
    }
    if (FIELD_EX64(ste[1], STE1, PRIVCFG) < 2) {
        tc->priv = priv;
    }
    if (FIELD_EX64(ste[1], STE1, INSTCFG) < 2) {
        tc->instr = exec;
    }
}

/* ---- Output memory attributes (IHI 0070 chapter 13) ---- */

/* Cacheability of one level, weakest first (13.1.5: combine takes max) */
enum { CACHE_WB, CACHE_WT, CACHE_NC };
/* Shareability, weakest first */
enum { SH_NSH, SH_ISH, SH_OSH };

typedef struct MemLevel {
    uint8_t cache;          /* CACHE_* */
    bool ra, wa, tr;
} MemLevel;

typedef struct MemAttrs {
    /* 0 Normal, else Device: 1 GRE, 2 nGRE, 3 nGnRE, 4 nGnRnE (strength) */
    uint8_t dev;
    MemLevel in, out;
    uint8_t sh;             /* SH_* */
} MemAttrs;

static const char *const dev_names[] = {
    NULL, "GRE", "nGRE", "nGnRE", "nGnRnE",
};

/* A Device type from its 2-bit encoding (0b00 nGnRnE .. 0b11 GRE) */
static uint8_t dev_type(unsigned enc)
{
    return 4 - enc;
}

/* 13.1.3: what a PCIe client's transaction carries in QEMU: nothing */
static MemAttrs default_input(void)
{
    MemLevel wb = { .cache = CACHE_WB, .ra = true, .wa = true };

    return (MemAttrs) { .in = wb, .out = wb, .sh = SH_NSH };
}

/* One level of a stage-2 MemAttr (non-FWB) or STE.MemAttr: [1:0] */
static uint8_t s2_cache(unsigned enc)
{
    return enc == 3 ? CACHE_WB : enc == 2 ? CACHE_WT : CACHE_NC;
}

/*
 * A stage-2 (S2FWB 0) or STE MemAttr[3:0]; 5.2 STE.MemAttr: 0b0100,
 * 0b1000 and 0b1100 behave as Device-nGnRnE (the same for stage 2,
 * where they are CONSTRAINED UNPREDICTABLE).
 */
static void s2_memattr(unsigned m, MemAttrs *a)
{
    if (!(m & 0xc) || !(m & 3)) {
        a->dev = dev_type(m & 0xc ? 0 : m & 3);
        return;
    }
    a->dev = 0;
    a->out.cache = s2_cache(m >> 2);
    a->in.cache = s2_cache(m & 3);
}

/* A MAIR attribute byte (VMSAv8-64), for stage 1's replace (13.1.4) */
static MemAttrs mair_attrs(uint8_t attr, uint8_t sh)
{
    MemAttrs a = { .sh = sh };
    MemLevel *lv[2] = { &a.in, &a.out };

    if (!(attr >> 4)) {
        a.dev = dev_type((attr >> 2) & 3);
        return a;
    }
    for (int i = 0; i < 2; i++) {
        unsigned v = (attr >> (4 * i)) & 0xf;

        /*
         * 0b0100 NC; 0b00RW / 0b01RW (RW != 0) WT / WB transient;
         * 0b10RW / 0b11RW WT / WB; 0b0000 is UNPREDICTABLE: NC here
         */
        if (v == 4 || v == 0) {
            lv[i]->cache = CACHE_NC;
            continue;
        }
        lv[i]->cache = (v & 4) ? CACHE_WB : CACHE_WT;
        lv[i]->tr = v < 8;
        lv[i]->ra = v & 2;
        lv[i]->wa = v & 1;
    }
    return a;
}

/* Descriptor SH[1:0] (0b00 NSH, 0b10 OSH, 0b11 ISH) as SH_* */
static uint8_t sh_enc(unsigned enc)
{
    return enc == 2 ? SH_OSH : enc == 3 ? SH_ISH : SH_NSH;
}

/* 13.1.5: stage 2 combines with what stage 1 (or the input) gave */
static void combine(MemAttrs *a, const MemAttrs *s2)
{
    a->sh = MAX(a->sh, s2->sh);
    if (a->dev || s2->dev) {
        a->dev = MAX(a->dev, s2->dev);
        return;
    }
    a->in.cache = MAX(a->in.cache, s2->in.cache);
    a->out.cache = MAX(a->out.cache, s2->out.cache);
}

/*
 * Stage 2 with STE.S2FWB (13.1.6: as FEAT_S2FWB in the Arm ARM, which
 * target/arm's combined_attrs_fwb() follows too): MemAttr 0b00xx forces
 * that Device type; 0b0101 Normal-NC unless stage 1 is Device; 0b0110
 * forces Normal-WB; 0b0111 keeps stage 1; 0b0100 is reserved, taken as
 * Device-nGnRnE.  Bit [5] is RES0 and ignored, as the walker does.
 * Shareability combines as without FWB.
 */
static void combine_fwb(MemAttrs *a, unsigned m, uint8_t sh)
{
    MemLevel *lv[2] = { &a->in, &a->out };
    MemLevel wb = { .cache = CACHE_WB, .ra = true, .wa = true };

    a->sh = MAX(a->sh, sh);
    switch (m & 7) {
    case 0 ... 3:
        a->dev = dev_type(m);
        break;
    case 5:
        if (!a->dev) {
            a->in.cache = a->out.cache = CACHE_NC;
        }
        break;
    case 6:
        /* Write-through levels keep their hints, others take RA WA nTR */
        for (int i = 0; i < 2; i++) {
            if (a->dev || lv[i]->cache == CACHE_NC) {
                *lv[i] = wb;
            }
            lv[i]->cache = CACHE_WB;
        }
        a->dev = 0;
        break;
    case 7:
        break;
    default:
        a->dev = dev_type(0);
        break;
    }
}

/* 13.1.7: the consistent form of @a */
static void make_consistent(MemAttrs *a)
{
    MemLevel *lv[2] = { &a->in, &a->out };

    if (a->dev || (a->in.cache == CACHE_NC && a->out.cache == CACHE_NC)) {
        a->sh = SH_OSH;
    }
    for (int i = 0; i < 2; i++) {
        if (a->dev || lv[i]->cache == CACHE_NC) {
            lv[i]->ra = lv[i]->wa = lv[i]->tr = false;
        } else if (!lv[i]->ra && !lv[i]->wa) {
            lv[i]->tr = false;
        }
    }
}

/* 13.1.4: the STE's overrides of the input, MTCFG first */
static void apply_ovr(MemAttrs *a, const SMMUv3AttrOvr *o)
{
    MemLevel *lv[2] = { &a->in, &a->out };

    if (o->mtcfg) {
        s2_memattr(o->memattr, a);
    }
    for (int i = 0; i < 2 && (o->alloccfg & 8); i++) {
        lv[i]->ra = o->alloccfg & 4;
        lv[i]->wa = o->alloccfg & 2;
        lv[i]->tr = o->alloccfg & 1;
    }
    if (o->shcfg != STE_SHCFG_INCOMING) {
        a->sh = sh_enc(o->shcfg);
    }
}

/* The notation of 13.1.5.1: "Normal-iWB/RAWAnTR-oNC-ISH" */
static char *attrs_str(const MemAttrs *a)
{
    static const char *const cache[] = { "WB", "WT", "NC" };
    static const char *const sh[] = { "NSH", "ISH", "OSH" };
    const MemLevel *lv[2] = { &a->in, &a->out };
    GString *s;

    if (a->dev) {
        return g_strdup_printf("Device-%s-OSH", dev_names[a->dev]);
    }
    s = g_string_new("Normal");
    for (int i = 0; i < 2; i++) {
        g_string_append_printf(s, "-%c%s", i ? 'o' : 'i',
                               cache[lv[i]->cache]);
        if (lv[i]->cache != CACHE_NC) {
            g_string_append_printf(s, "/%sRA%sWA%sTR", lv[i]->ra ? "" : "n",
                                   lv[i]->wa ? "" : "n",
                                   lv[i]->tr ? "" : "n");
        }
    }
    g_string_append_printf(s, "-%s", sh[a->sh]);
    return g_string_free(s, false);
}

/* The last descriptor the probe read for stage @stage (class @cls) */
static const SMMUWalkStep *last_step(const SMMUWalkProbe *p, int stage,
                                     SMMUFaultClass cls)
{
    for (unsigned i = p->n; i-- > 0;) {
        const SMMUWalkStep *w = &p->step[i];

        if (w->stage == stage && (stage == 1 || w->cls == cls)) {
            return w->abort ? NULL : w;
        }
    }
    return NULL;
}

/* MAIR and SH0/SH1 of the CD @t uses (CD words 0 and 3) */
static bool probe_cd(SMMUv3State *s, const uint64_t ste[8],
                     const SMMUv3Txn *t, uint64_t *cd0, uint64_t *mair)
{
    SMMUv3StructureList *cds = cds_info(s, ste, t->ssid != SMMUV3_NO_SSID,
                                        t->ssid);
    uint64List *w = cds && cds->value->words ? cds->value->words : NULL;
    bool ok = false;

    for (int i = 0; w && i <= 3; i++, w = w->next) {
        if (i == 0) {
            *cd0 = w->value;
        } else if (i == 3) {
            *mair = w->value;
            ok = true;
        }
    }
    qapi_free_SMMUv3StructureList(cds);
    return ok;
}

/*
 * The memory attributes an Untranslated access of @t leaves with (13):
 * the default input (QEMU's PCIe carries none), the STE's overrides,
 * then stage 1's replace and stage 2's combine, from the leaves the
 * probe read.  NULL when a leaf is not among the probe's steps.
 */
static char *probe_out_attrs(SMMUv3State *s, const SMMUv3Txn *t,
                             const SMMUv3Config *cfg,
                             const SMMUWalkProbe *p)
{
    const SMMUTransCfg *tc = &cfg->tc;
    MemAttrs a = default_input();
    const SMMUWalkStep *w;
    uint64_t ste[8], cd0, mair;

    apply_ovr(&a, &cfg->ovr);
    if (cfg->kind == SMMUV3_CFG_TRANSLATE && tc->s1_enabled) {
        unsigned sh;

        w = last_step(p, 1, SMMU_CLASS_IN);
        if (!w || !probe_ste(s, t->sid, ste) ||
            !probe_cd(s, ste, t, &cd0, &mair)) {
            return NULL;
        }
        /* With DS the descriptor's [9:8] are OA bits: CD.SH0/SH1 rule */
        sh = !tc->s1.ds ? extract64(w->desc, 8, 2) :
             extract64(cd0, t->addr >> 55 & 1 ? 28 : 12, 2);
        a = mair_attrs(mair >> (8 * extract64(w->desc, 2, 3)),
                       sh_enc(sh));
    }
    if (cfg->kind == SMMUV3_CFG_TRANSLATE && tc->s2_enabled) {
        unsigned m, sh;
        MemAttrs s2 = { 0 };

        w = last_step(p, 2, SMMU_CLASS_IN);
        if (!w || !probe_ste(s, t->sid, ste)) {
            return NULL;
        }
        m = extract64(w->desc, 2, 4);
        sh = tc->s2.ds ? FIELD_EX64(ste[2], STE2, S2SH0) :
                         extract64(w->desc, 8, 2);
        if (tc->s2.fwb) {
            combine_fwb(&a, m, sh_enc(sh));
        } else {
            s2_memattr(m, &s2);
            s2.sh = sh_enc(sh);
            combine(&a, &s2);
        }
    }
    make_consistent(&a);
    return attrs_str(&a);
}

/* Translate @t under a probe, with s->lock held */
static void probe_translate(SMMUv3State *s, const SMMUv3Txn *t, bool priv,
                            bool exec, IOMMUAccessFlags flags,
                            SMMUWalkProbe *probe, SMMUv3TranslateResult *r)
{
    SMMUv3CfgFault cf;
    SMMUv3Config cfg;
    SMMUTranslation out;
    SMMUFault f;

    if (!smmuv3_cfg_read(s, t, &cfg, &cf)) {
        r->config = g_strdup("none");
        probe_cfg_fault(s, t, &cf, r);
        return;
    }
    switch (cfg.kind) {
    case SMMUV3_CFG_ABORT:
        /* IHI 0070 5.2: terminated without an event */
        r->config = g_strdup("abort");
        return;
    case SMMUV3_CFG_BYPASS:
        r->config = g_strdup("bypass");
        if (t->addr >> s->feat.oas_bits) {
            /* 3.4: a stage-1 F_ADDR_SIZE, as smmuv3_bypass_fault() */
            f = (SMMUFault) {
                .type = SMMU_FAULT_ADDR_SIZE, .stage = 1,
                .cls = SMMU_CLASS_IN, .is_write = t->is_write,
                .ind = cfg.tc.instr && !t->is_write, .pnu = cfg.tc.priv,
                .record = true,
            };
            probe_engine_fault(t, &f, r);
            return;
        }
        r->has_output = r->has_page_size = true;
        r->output = t->addr;
        r->page_size = 0x1000;
        r->has_readable = r->has_writable = true;
        r->readable = r->writable = true;
        r->attributes = probe_out_attrs(s, t, &cfg, probe);
        return;
    case SMMUV3_CFG_TRANSLATE:
        break;
    }
    r->config = g_strdup(cfg.tc.s1_enabled && cfg.tc.s2_enabled ? "nested" :
                         cfg.tc.s1_enabled ? "stage1" : "stage2");
    probe_attrs(s, t->sid, priv, exec, &cfg.tc);
    if (!smmu_probe_translate(&s->smmu_state, &cfg.tc, t->addr, flags, &out,
                              &f)) {
        probe_engine_fault(t, &f, r);
        return;
    }
    r->has_output = r->has_page_size = true;
    r->output = out.addr;
    r->page_size = out.addr_mask + 1;
    r->has_readable = r->has_writable = true;
    r->readable = out.perm & IOMMU_RO;
    r->writable = out.perm & IOMMU_WO;
    r->attributes = probe_out_attrs(s, t, &cfg, probe);
}

SMMUv3TranslateResult *qmp_x_smmuv3_translate(const char *id, uint32_t sid,
                                              bool has_ssid, uint32_t ssid,
                                              uint64_t iova, bool has_access,
                                              SMMUv3AccessList *access,
                                              Error **errp)
{
    SMMUv3State *s = smmuv3_find(id, errp);
    g_autofree SMMUWalkProbe *probe = NULL;
    SMMUv3TranslateResult *r;
    bool rd = !access, wr = false, priv = false, exec = false;
    SMMUv3SteLoc loc;
    SMMUv3Verdict v;
    SMMUv3Txn t;

    if (!s) {
        return NULL;
    }
    for (SMMUv3AccessList *a = access; a; a = a->next) {
        rd |= a->value == SMMUV3_ACCESS_READ;
        wr |= a->value == SMMUV3_ACCESS_WRITE;
        exec |= a->value == SMMUV3_ACCESS_EXEC;
        priv |= a->value == SMMUV3_ACCESS_PRIV;
    }
    /* An instruction fetch without read or write is a read */
    rd |= !wr;
    if (has_ssid && ssid >> s->feat.ssidsize) {
        error_setg(errp, "SubstreamID %u is beyond SSIDSIZE (%u bits)", ssid,
                   s->feat.ssidsize);
        return NULL;
    }

    QEMU_LOCK_GUARD(&s->lock);
    if (!FIELD_EX32(s->cr[0], CR0, SMMUEN)) {
        error_setg(errp, "the SMMU is disabled (CR0.SMMUEN == 0): GBPA.ABORT"
                   " (%u) decides for every stream",
                   FIELD_EX32(s->gbpa, GBPA, ABORT));
        return NULL;
    }
    v = smmuv3_ste_locate(&s->feat, s->strtab_base, s->strtab_base_cfg, sid,
                          &loc);
    if (v.err == SMMUV3_CFG_BAD_STREAMID) {
        error_setg(errp, "StreamID 0x%x is beyond the stream table "
                   "(STRTAB_BASE_CFG.LOG2SIZE %u)", sid,
                   FIELD_EX32(s->strtab_base_cfg, STRTAB_CFG, LOG2SIZE));
        return NULL;
    }

    t = (SMMUv3Txn) {
        .sid = sid, .ssid = has_ssid ? ssid : SMMUV3_NO_SSID,
        .addr = iova, .is_write = wr,
    };
    r = g_new0(SMMUv3TranslateResult, 1);
    probe = g_new0(SMMUWalkProbe, 1);
    s->smmu_state.probe = probe;
    probe_translate(s, &t, priv, exec,
                    IOMMU_ACCESS_FLAG(rd, wr), probe, r);
    s->smmu_state.probe = NULL;
    r->steps = walk_steps(probe);
    r->steps_lost = probe->lost;
    return r;
}

/* ---- HMP ---- */

static void print_fields(Monitor *mon, SMMUv3FieldList *f)
{
    for (; f; f = f->next) {
        monitor_printf(mon, " %s=0x%" PRIx64, f->value->name,
                       f->value->value);
    }
    monitor_printf(mon, "\n");
}

static void print_structure(Monitor *mon, SMMUv3Structure *st)
{
    monitor_printf(mon, "%s %s 0x%x", st->kind,
                   g_str_equal(st->kind, "STE") ? "SID" : "SSID", st->index);
    if (st->has_address) {
        monitor_printf(mon, " at 0x%" PRIx64, st->address);
    }
    if (st->has_pa) {
        monitor_printf(mon, " (PA 0x%" PRIx64 ")", st->pa);
    }
    monitor_printf(mon, ": %s\n", st->summary);
    if (st->words) {
        monitor_printf(mon, "  words:");
        for (uint64List *w = st->words; w; w = w->next) {
            monitor_printf(mon, " %016" PRIx64, w->value);
        }
        monitor_printf(mon, "\n ");
        print_fields(mon, st->fields);
    }
}

static void print_event(Monitor *mon, SMMUv3EventRecord *e)
{
    monitor_printf(mon, "%s (0x%02x)", e->name, e->type);
    print_fields(mon, e->fields);
}

static void hmp_show_info(Monitor *mon, SMMUv3Info *info)
{
    monitor_printf(mon, "arm-smmuv3 %s\n", info->path);
    for (SMMUv3RegisterList *r = info->registers; r; r = r->next) {
        monitor_printf(mon, "  %-16s 0x%08" PRIx64, r->value->name,
                       r->value->value);
        print_fields(mon, r->value->fields);
    }
    for (SMMUv3CacheInfoList *c = info->caches; c; c = c->next) {
        SMMUv3CacheInfo *ci = c->value;

        monitor_printf(mon, "%s: %" PRIu64, g_str_equal(ci->name, "tlb") ?
                       "TLB" : "Config cache", ci->entries);
        if (ci->has_capacity) {
            monitor_printf(mon, "/%" PRIu64, ci->capacity);
        }
        monitor_printf(mon, " entries, %" PRIu64 " hits, %" PRIu64
                       " misses, %" PRIu64 " evictions, %" PRIu64
                       " invalidated\n", ci->hits, ci->misses, ci->evictions,
                       ci->invalidated);
    }
    monitor_printf(mon, "Coherency checker: %s, every %u hits; %" PRIu64
                   " TLB, %" PRIu64 " config and %" PRIu64 " CFGI checks, %"
                   PRIu64 " skipped; %" PRIu64 " reports (remap %" PRIu64
                   ", unmap %" PRIu64 ", permission %" PRIu64 ", dirty %"
                   PRIu64 ", STE %" PRIu64 ", CD %" PRIu64 ", STE torn %"
                   PRIu64 ", CD torn %" PRIu64 "), %" PRIu64 " repeats\n",
                   info->coherency->mode, info->coherency->period,
                   info->coherency->tlb_checks,
                   info->coherency->config_checks,
                   info->coherency->cfgi_checks, info->coherency->skipped,
                   info->coherency->reports, info->coherency->remap,
                   info->coherency->unmap, info->coherency->permission,
                   info->coherency->dirty, info->coherency->ste,
                   info->coherency->cd, info->coherency->ste_torn,
                   info->coherency->cd_torn, info->coherency->repeats);
    if (info->ste) {
        print_structure(mon, info->ste);
    }
    for (SMMUv3StructureList *c = info->cds; c; c = c->next) {
        print_structure(mon, c->value);
    }
    monitor_printf(mon, "Recent events (%" PRIu64 " in all):\n",
                   info->events_total);
    for (SMMUv3EventRecordList *e = info->events; e; e = e->next) {
        monitor_printf(mon, "  %" PRId64 " ns %s: ", e->value->time_ns,
                       e->value->outcome);
        print_event(mon, e->value);
    }
}

static void hmp_show_probe(Monitor *mon, SMMUv3TranslateResult *r)
{
    monitor_printf(mon, "config %s", r->config);
    if (r->has_output) {
        monitor_printf(mon, ", output 0x%" PRIx64 ", page 0x%" PRIx64
                       ", %s%s%s%s\n", r->output, r->page_size,
                       r->readable ? "r" : "-", r->writable ? "w" : "-",
                       r->attributes ? ", " : "",
                       r->attributes ? r->attributes : "");
    } else if (r->fault) {
        monitor_printf(mon, ", fault (%s): ",
                       r->recorded ? "recorded" : "not recorded");
        print_event(mon, r->fault);
    } else {
        monitor_printf(mon, ", terminated without an event\n");
    }
    for (SMMUv3WalkStepList *l = r->steps; l; l = l->next) {
        SMMUv3WalkStep *w = l->value;

        monitor_printf(mon, "  S%u%s%s L%d in 0x%" PRIx64 " desc at 0x%"
                       PRIx64, w->stage, w->q_class ? " " : "",
                       w->q_class ? w->q_class : "", w->level, w->input,
                       w->address);
        if (w->pa != w->address) {
            monitor_printf(mon, " (PA 0x%" PRIx64 ")", w->pa);
        }
        if (w->abort) {
            monitor_printf(mon, ": abort\n");
            continue;
        }
        monitor_printf(mon, " = 0x%016" PRIx64, w->descriptor);
        if (w->has_update) {
            monitor_printf(mon, ", would set%s%s -> 0x%016" PRIx64,
                           w->would_set_af ? " AF" : "",
                           w->would_set_dirty ? " dirty" : "", w->update);
        }
        monitor_printf(mon, "\n");
    }
    if (r->steps_lost) {
        monitor_printf(mon, "  (%u more steps)\n", r->steps_lost);
    }
}

/* info smmuv3 [id] [sid=N] [ssid=N] [iova=ADDR [access=rwxp]] */
void hmp_info_smmuv3(Monitor *mon, const QDict *qdict)
{
    const char *args = qdict_get_try_str(qdict, "args");
    g_auto(GStrv) words = g_strsplit_set(args ? args : "", " \t", -1);
    g_autofree char *id = NULL;
    uint64_t sid = 0, ssid = 0, iova = 0;
    bool has_sid = false, has_ssid = false, has_iova = false;
    SMMUv3AccessList *access = NULL;
    Error *err = NULL;

    for (char **w = words; *w; w++) {
        const char *eq = strchr(*w, '=');
        uint64_t *val = NULL;
        bool *has = NULL;

        if (!**w) {
            continue;
        }
        if (g_str_has_prefix(*w, "access=")) {
            for (const char *c = eq + 1; *c; c++) {
                const char *flags = "rwxp";
                const char *pos = strchr(flags, *c);

                if (!pos) {
                    monitor_printf(mon, "access: r, w, x or p\n");
                    qapi_free_SMMUv3AccessList(access);
                    return;
                }
                QAPI_LIST_PREPEND(access, (SMMUv3Access)(pos - flags));
            }
            continue;
        }
        if (g_str_has_prefix(*w, "sid=")) {
            val = &sid;
            has = &has_sid;
        } else if (g_str_has_prefix(*w, "ssid=")) {
            val = &ssid;
            has = &has_ssid;
        } else if (g_str_has_prefix(*w, "iova=")) {
            val = &iova;
            has = &has_iova;
        } else if (!eq && !id) {
            id = g_strdup(*w);
            continue;
        }
        if (!val || qemu_strtou64(eq + 1, NULL, 0, val) < 0 ||
            (val != &iova && *val > UINT32_MAX)) {
            monitor_printf(mon, "bad argument '%s'\n", *w);
            qapi_free_SMMUv3AccessList(access);
            return;
        }
        *has = true;
    }

    if (has_iova) {
        SMMUv3TranslateResult *r;

        if (!has_sid) {
            monitor_printf(mon, "iova= needs sid=\n");
            qapi_free_SMMUv3AccessList(access);
            return;
        }
        r = qmp_x_smmuv3_translate(id, sid, has_ssid, ssid, iova, !!access,
                                   access, &err);
        qapi_free_SMMUv3AccessList(access);
        if (hmp_handle_error(mon, err)) {
            return;
        }
        hmp_show_probe(mon, r);
        qapi_free_SMMUv3TranslateResult(r);
    } else {
        SMMUv3Info *info;

        qapi_free_SMMUv3AccessList(access);
        info = qmp_x_query_smmuv3(id, has_sid, sid, has_ssid, ssid, &err);
        if (hmp_handle_error(mon, err)) {
            return;
        }
        hmp_show_info(mon, info);
        qapi_free_SMMUv3Info(info);
    }
}
