/*
 * Arm SMMUv3 device (TYPE_ARM_SMMUV3): QOM type, properties, feature
 * registers, reset and migration state.
 *
 * The register interface lives in smmuv3-regs.c, the queues in
 * smmuv3-cmdq.c / smmuv3-event.c, the configuration structures in
 * smmuv3-config.c and the translation entry point in smmuv3-translate.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/lockable.h"
#include "qemu/main-loop.h"
#include "hw/qdev-properties.h"
#include "hw/irq.h"
#include "migration/vmstate.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define SMMUV3_MMIO_SIZE 0x20000

/*
 * What this model implements (IHI 0070 6.3.1-6.3.8), once the stage(s)
 * and OAS are known.
 */
static void smmuv3_init_features(SMMUv3Features *f, bool s2fwb, bool hyp,
                                 uint8_t bbml, uint8_t ssidsize)
{
    /* f->httu: property "httu", smmuv3_parse_httu() */
    f->sidsize = SMMUV3_SIDSIZE;
    /* SubstreamIDs select CDs, so they only exist with stage 1. */
    f->ssidsize = f->s1 ? ssidsize : 0;
    f->ttf = 2;                 /* AArch64 tables */
    f->ttendian = 2;            /* little-endian */
    /* f->stall_model: property "stall", smmuv3_parse_stall() */
    f->term_model = true;       /* terminate = abort */
    f->msi = true;
    f->had = true;
    f->ril = true;
    /* IHI 0070 6.3.4: FWB lets STE.S2FWB change how S2 MemAttr combines */
    f->fwb = f->s2 && s2fwb;
    /* Stage-2 XN[1:0] is decoded per EL (FEAT_XNX, mandatory from v3.1) */
    f->xnx = f->s2;
    /* 6.3.1 HYP: RES0 unless both stages are implemented */
    f->hyp = f->s1 && f->s2 && hyp;
    /*
     * 3.21.1.3 Level 2: nT is ignored; a lookup uses exactly one of any
     * overlapping TLB entries (never a conflict fault), and invalidation
     * by address removes every overlapping entry of any size.  That also
     * keeps every promise of Level 1 (3.21.1.2: a conflict fault is only
     * permitted, nT == 1 never faults) and of Level 0, so property "bbml"
     * only changes what IDR3 (and AIDR) claim.
     */
    f->bbml = bbml;
}

/* SMMU_IDR<n> (IHI 0070 6.3.1-6.3.6), derived from @f */
uint32_t smmuv3_idr(const SMMUv3Features *f, unsigned n)
{
    uint32_t r = 0;

    switch (n) {
    case 0:
        r = FIELD_DP32(r, IDR0, S1P, f->s1);
        r = FIELD_DP32(r, IDR0, S2P, f->s2);
        r = FIELD_DP32(r, IDR0, TTF, f->ttf);
        r = FIELD_DP32(r, IDR0, COHACC, 1);
        r = FIELD_DP32(r, IDR0, HYP, f->hyp);
        r = FIELD_DP32(r, IDR0, HTTU, f->httu);
        r = FIELD_DP32(r, IDR0, ATS, f->ats);
        /* 6.3.1: NS1ATS 1 says Split-stage ATS is not supported */
        r = FIELD_DP32(r, IDR0, NS1ATS, f->ats);
        r = FIELD_DP32(r, IDR0, PRI, f->pri);
        r = FIELD_DP32(r, IDR0, ASID16, 1);
        r = FIELD_DP32(r, IDR0, VMID16, 1);
        r = FIELD_DP32(r, IDR0, MSI, f->msi);
        r = FIELD_DP32(r, IDR0, CD2L, 1);
        r = FIELD_DP32(r, IDR0, TTENDIAN, f->ttendian);
        r = FIELD_DP32(r, IDR0, STALL_MODEL, f->stall_model);
        r = FIELD_DP32(r, IDR0, TERM_MODEL, f->term_model);
        return FIELD_DP32(r, IDR0, ST_LEVEL, 1);    /* 2-level tables */
    case 1:
        r = FIELD_DP32(r, IDR1, SIDSIZE, f->sidsize);
        r = FIELD_DP32(r, IDR1, SSIDSIZE, f->ssidsize);
        r = FIELD_DP32(r, IDR1, ATTR_TYPES_OVR, f->attr_types_ovr);
        r = FIELD_DP32(r, IDR1, EVENTQS, SMMUV3_EVENTQS);
        r = FIELD_DP32(r, IDR1, PRIQS, f->pri ? SMMUV3_PRIQS : 0);
        return FIELD_DP32(r, IDR1, CMDQS, SMMUV3_CMDQS);
    case 3:
        r = FIELD_DP32(r, IDR3, HAD, f->had);
        r = FIELD_DP32(r, IDR3, RIL, f->ril);
        r = FIELD_DP32(r, IDR3, FWB, f->fwb);
        r = FIELD_DP32(r, IDR3, XNX, f->xnx);
        /*
         * 6.3.4 PPS: an overflow auto-response carries the request's
         * PASID without looking at STE.PPAR (RES0 without SubstreamIDs)
         */
        r = FIELD_DP32(r, IDR3, PPS, f->pri && f->ssidsize);
        return FIELD_DP32(r, IDR3, BBML, f->bbml);
    case 5:
        r = FIELD_DP32(r, IDR5, OAS, smmuv3_pa_encoding(f->oas_bits));
        /* 6.3.6: the outstanding stalls this SMMU can hold */
        r = FIELD_DP32(r, IDR5, STALL_MAX,
                       f->stall_model != 1 ? SMMUV3_STALL_MAX : 0);
        /* 0b01: 52-bit VAs; DS: FEAT_LPA2 for 4K and 16K (6.3.6) */
        r = FIELD_DP32(r, IDR5, VAX, f->vax);
        r = FIELD_DP32(r, IDR5, DS, f->ds);
        r = FIELD_DP32(r, IDR5, GRAN4K, 1);
        r = FIELD_DP32(r, IDR5, GRAN16K, 1);
        return FIELD_DP32(r, IDR5, GRAN64K, 1);
    default:
        return 0;
    }
}

/*
 * 6.3.4: SMMUv3.2 requires BBML != 0, RIL and FWB.  Without FWB
 * (stage=1, or s2fwb=off) the model is an SMMUv3.1 that also has RIL
 * and BBML.
 */
/*
 * 6.3.4: SMMUv3.2 has FWB, RIL and a BBML of 1 or 2; without one of them
 * (stage=1, s2fwb=off, bbml=0) the model is an SMMUv3.1, which still may
 * have them (XNX and HAD, mandatory from v3.1, are always there).
 */
uint32_t smmuv3_aidr(const SMMUv3Features *f)
{
    return FIELD_DP32(0, AIDR, MINOR, f->fwb && f->ril && f->bbml ? 2 : 1);
}

static bool smmuv3_parse_stage(SMMUv3State *s, Error **errp)
{
    const char *stage = s->stage ? s->stage : "1";

    if (!strcmp(stage, "1")) {
        s->feat.s1 = true;
        s->feat.s2 = false;
    } else if (!strcmp(stage, "2")) {
        s->feat.s1 = false;
        s->feat.s2 = true;
    } else if (!strcmp(stage, "nested")) {
        s->feat.s1 = true;
        s->feat.s2 = true;
    } else {
        error_setg(errp, "arm-smmuv3: invalid stage '%s'", stage);
        error_append_hint(errp, "Valid values are 1, 2 and nested.\n");
        return false;
    }
    return true;
}

/* IHI 0070 6.3.6: the "oas" property must be an IDR5.OAS this model emits */
static bool smmuv3_parse_oas(SMMUv3State *s, Error **errp)
{
    unsigned bits = s->oas ? s->oas : SMMUV3_DEFAULT_OAS;

    if (bits <= SMMUV3_MAX_OAS && smmuv3_pa_encoding(bits) >= 0) {
        s->feat.oas_bits = bits;
        return true;
    }
    error_setg(errp, "arm-smmuv3: oas=%u is not one of 32, 36, 40, 42, "
               "44, 48, 52", bits);
    return false;
}

/*
 * IHI 0070 6.3.6: IDR5.DS (property "lpa2") promises at least 52-bit
 * VAs, so it needs IDR5.VAX (property "vax").
 */
static bool smmuv3_parse_lpa(SMMUv3State *s, Error **errp)
{
    if (s->lpa2 && !s->vax) {
        error_setg(errp, "arm-smmuv3: lpa2=on needs vax=on");
        error_append_hint(errp, "IDR5.DS implies 52-bit VAs (IDR5.VAX); "
                          "set lpa2=off as well.\n");
        return false;
    }
    s->feat.vax = s->vax;
    s->feat.ds = s->lpa2;
    return true;
}

/*
 * IHI 0070 6.3.1 SMMU_IDR0.HTTU: 0 none, 1 Access flag, 2 Access flag
 * and dirty state (3.13).  HAFT (3) is not implemented.
 */
static bool smmuv3_parse_httu(SMMUv3State *s, Error **errp)
{
    static const char *const names[] = { "off", "access", "dirty" };
    const char *httu = s->httu ? s->httu : "dirty";

    for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(httu, names[i])) {
            s->feat.httu = i;
            return true;
        }
    }
    error_setg(errp, "arm-smmuv3: invalid httu '%s'", httu);
    error_append_hint(errp, "Valid values are off, access and dirty.\n");
    return false;
}

/*
 * IHI 0070 3.9: a Page Request follows a failed ATS Translation Request,
 * so PRI needs ATS.  "auto" (the default) is PRI with ATS.
 */
static bool smmuv3_parse_pri(SMMUv3State *s, Error **errp)
{
    if (s->pri == ON_OFF_AUTO_ON && !s->ats) {
        error_setg(errp, "arm-smmuv3: pri=on needs ats=on");
        return false;
    }
    s->feat.pri = s->pri != ON_OFF_AUTO_OFF && s->ats;
    return true;
}

/*
 * IHI 0070 6.3.1 SMMU_IDR0.STALL_MODEL: "none" 0b01 (Terminate model
 * only, the default), "supported" 0b00 (both models, CD.S and STE.S2S
 * choose), "forced" 0b10 (every eligible fault stalls; CD.S and S2S
 * must be 1).  3.12.2, smmuv3-stall.c.
 */
static bool smmuv3_parse_stall(SMMUv3State *s, Error **errp)
{
    static const char *const names[] = { "supported", "none", "forced" };
    const char *stall = s->stall ? s->stall : "none";

    for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
        if (!strcmp(stall, names[i])) {
            s->feat.stall_model = i;
            return true;
        }
    }
    error_setg(errp, "arm-smmuv3: invalid stall '%s'", stall);
    error_append_hint(errp, "Valid values are none, supported and forced.\n");
    return false;
}

uint8_t arm_smmuv3_httu(Object *obj)
{
    return ARM_SMMUV3(obj)->feat.httu;
}

static void smmuv3_realize(DeviceState *dev, Error **errp)
{
    SysBusDevice *sbd = SYS_BUS_DEVICE(dev);
    SMMUv3Class *c = ARM_SMMUV3_GET_CLASS(dev);
    SMMUv3State *s = ARM_SMMUV3(dev);
    ERRP_GUARD();
    int i;

    if (!smmuv3_parse_stage(s, errp) || !smmuv3_parse_oas(s, errp) ||
        !smmuv3_parse_lpa(s, errp) || !smmuv3_parse_httu(s, errp) ||
        !smmuv3_coh_realize(s, errp) ||
        !smmuv3_parse_pri(s, errp) || !smmuv3_parse_stall(s, errp)) {
        return;
    }
    if (s->bbml > 2) {
        error_setg(errp, "arm-smmuv3: bbml=%u is not 0, 1 or 2", s->bbml);
        return;
    }
    if (s->ssidsize > SMMUV3_MAX_SSIDSIZE) {
        error_setg(errp, "arm-smmuv3: ssidsize=%u is beyond %u bits",
                   s->ssidsize, SMMUV3_MAX_SSIDSIZE);
        return;
    }
    c->parent_realize(dev, errp);
    if (*errp) {
        return;
    }

    smmuv3_init_features(&s->feat, s->s2fwb, s->hyp, s->bbml, s->ssidsize);
    s->feat.ats = s->ats;
    s->feat.attr_types_ovr = s->attr_types_ovr;
    /* PCIe ATS completions carry PAs of up to OAS bits */
    s->smmu_state.ats_addr_width = s->ats ? s->feat.oas_bits : 0;

    /* Wired lines: EVTQ, PRIQ, CMD_SYNC, GERROR */
    for (i = 0; i < SMMUV3_NUM_IRQS; i++) {
        sysbus_init_irq(sbd, s->irq + i);
    }
    memory_region_init_io(&s->smmu_state.iomem, OBJECT(s), &smmuv3_mmio_ops,
                          s, TYPE_ARM_SMMUV3, SMMUV3_MMIO_SIZE);
    sysbus_init_mmio(sbd, &s->smmu_state.iomem);
    /* Interrupts raised without the BQL; an MSI to our own frame aborts */
    s->irq_bh = qemu_bh_new_guarded(smmuv3_irq_bh, s,
                                    &dev->mem_reentrancy_guard);
}

/*
 * IHI 0070 6.3: architectural reset values.  Iothreads may still be
 * translating (their devices reset later), hence the lock.
 */
static void smmuv3_reset_hold(Object *obj, ResetType type)
{
    SMMUv3State *s = ARM_SMMUV3(obj);
    SMMUv3Class *c = ARM_SMMUV3_GET_CLASS(obj);

    QEMU_LOCK_GUARD(&s->lock);
    if (c->parent_phases.hold) {
        c->parent_phases.hold(obj, type);
    }

    memset(&s->cmdq, 0, sizeof(s->cmdq));
    memset(&s->eventq, 0, sizeof(s->eventq));
    memset(&s->eventq_irq, 0, sizeof(s->eventq_irq));
    memset(&s->gerror_irq, 0, sizeof(s->gerror_irq));
    memset(&s->priq, 0, sizeof(s->priq));
    memset(&s->priq_irq, 0, sizeof(s->priq_irq));
    s->strtab_base = 0;
    s->strtab_base_cfg = 0;
    memset(s->cr, 0, sizeof(s->cr));
    s->gbpa = SMMU_GBPA_RESET;
    s->irq_ctrl = 0;
    s->gerror = s->gerrorn = 0;
    memset(s->irq_pending, 0, sizeof(s->irq_pending));
    smmuv3_cfg_cache_inv_all(s);
    /* 6.3.9.6: as SMMUEN going to 0, reset terminates every stall */
    smmuv3_stall_abort_all(s);
}

/* The engine empties its TLB here; it takes no lock, so we take ours. */
static void smmuv3_reset_exit(Object *obj, ResetType type)
{
    SMMUv3State *s = ARM_SMMUV3(obj);
    SMMUv3Class *c = ARM_SMMUV3_GET_CLASS(obj);

    QEMU_LOCK_GUARD(&s->lock);
    if (c->parent_phases.exit) {
        c->parent_phases.exit(obj, type);
    }
}

static int smmuv3_post_load(void *opaque, int version_id)
{
    SMMUv3State *s = opaque;

    QEMU_LOCK_GUARD(&s->lock);
    /* Caches are not migrated; start from an empty configuration cache. */
    smmuv3_cfg_cache_inv_all(s);
    return 0;
}

static const VMStateDescription vmstate_smmuv3_q = {
    .name = "arm-smmuv3/queue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(base, SMMUv3Queue),
        VMSTATE_UINT32(prod, SMMUv3Queue),
        VMSTATE_UINT32(cons, SMMUv3Queue),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_smmuv3_irq = {
    .name = "arm-smmuv3/irq-cfg",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(addr, SMMUv3IrqCfg),
        VMSTATE_UINT32(data, SMMUv3IrqCfg),
        VMSTATE_UINT32(attr, SMMUv3IrqCfg),
        VMSTATE_END_OF_LIST()
    },
};

static bool smmuv3_pri_needed(void *opaque)
{
    SMMUv3State *s = opaque;

    return s->feat.pri;
}

/* The PRI queue: a subsection, so streams without PRI stay as they were */
static const VMStateDescription vmstate_smmuv3_pri = {
    .name = "arm-smmuv3/pri",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = smmuv3_pri_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(priq, SMMUv3State, 1, vmstate_smmuv3_q, SMMUv3Queue),
        VMSTATE_STRUCT(priq_irq, SMMUv3State, 1, vmstate_smmuv3_irq,
                       SMMUv3IrqCfg),
        VMSTATE_END_OF_LIST()
    },
};

static bool smmuv3_stall_needed(void *opaque)
{
    SMMUv3State *s = opaque;

    for (unsigned i = 0; i < SMMUV3_STALL_MAX; i++) {
        if (s->stalls[i].valid) {
            return true;
        }
    }
    return false;
}

static const VMStateDescription vmstate_smmuv3_stall_entry = {
    .name = "arm-smmuv3/stall-entry",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(valid, SMMUv3Stall),
        VMSTATE_BOOL(recorded, SMMUv3Stall),
        VMSTATE_UINT16(stag, SMMUv3Stall),
        VMSTATE_UINT32(sid, SMMUv3Stall),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Outstanding stalled transactions, only when there are some.  Their
 * masters migrate their parked requests and register again; a CMD_RESUME
 * on the destination reaches them by StreamID.
 */
static const VMStateDescription vmstate_smmuv3_stall = {
    .name = "arm-smmuv3/stall",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = smmuv3_stall_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_ARRAY(stalls, SMMUv3State, SMMUV3_STALL_MAX, 1,
                             vmstate_smmuv3_stall_entry, SMMUv3Stall),
        VMSTATE_UINT16(stall_next_tag, SMMUv3State),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_smmuv3_dev = {
    .name = TYPE_ARM_SMMUV3,
    .version_id = 1,
    .minimum_version_id = 1,
    .priority = MIG_PRI_IOMMU,
    .post_load = smmuv3_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(cmdq, SMMUv3State, 1, vmstate_smmuv3_q, SMMUv3Queue),
        VMSTATE_STRUCT(eventq, SMMUv3State, 1, vmstate_smmuv3_q,
                       SMMUv3Queue),
        VMSTATE_UINT64(strtab_base, SMMUv3State),
        VMSTATE_UINT32(strtab_base_cfg, SMMUv3State),
        VMSTATE_UINT32(gerror, SMMUv3State),
        VMSTATE_UINT32(gerrorn, SMMUv3State),
        VMSTATE_STRUCT(gerror_irq, SMMUv3State, 1, vmstate_smmuv3_irq,
                       SMMUv3IrqCfg),
        VMSTATE_UINT32(irq_ctrl, SMMUv3State),
        VMSTATE_STRUCT(eventq_irq, SMMUv3State, 1, vmstate_smmuv3_irq,
                       SMMUv3IrqCfg),
        /* CR0ACK and IRQ_CTRLACK read CR0 and IRQ_CTRL: not migrated */
        VMSTATE_UINT32_ARRAY(cr, SMMUv3State, 3),
        VMSTATE_UINT32(gbpa, SMMUv3State),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_smmuv3_pri,
        &vmstate_smmuv3_stall,
        NULL
    },
};

static const Property smmuv3_props[] = {
    /* "1", "2" or "nested": the translation stages the SMMU implements */
    DEFINE_PROP_STRING("stage", SMMUv3State, stage),
    /* Output address size in bits; unset, virt follows the CPUs' PA size */
    DEFINE_PROP_UINT8("oas", SMMUv3State, oas, 0),
    /*
     * 52-bit VAs (SMMU_IDR5.VAX) and the FEAT_LPA2 table format for 4K
     * and 16K (IDR5.DS, CD.DS, STE.S2DS); virt 10.1 and older set both
     * off.  lpa2 needs vax.
     */
    DEFINE_PROP_BOOL("vax", SMMUv3State, vax, true),
    DEFINE_PROP_BOOL("lpa2", SMMUv3State, lpa2, true),
    /* Stage-2 forced write-back; iommufd's vIOMMU needs it (or CANWBS) */
    DEFINE_PROP_BOOL("s2fwb", SMMUv3State, s2fwb, true),
    /*
     * Hardware translation table updates (SMMU_IDR0.HTTU): "off",
     * "access" (AF) or "dirty" (AF and DBM dirty state, the default);
     * virt 10.1 and older set "off".
     */
    DEFINE_PROP_STRING("httu", SMMUv3State, httu),
    /*
     * PCIe ATS (SMMU_IDR0.ATS, IHI 0070 3.9.1): translation requests,
     * Translated traffic checked against STE.EATS, CMD_ATC_INV; virt
     * 10.1 and older set it off.
     */
    DEFINE_PROP_BOOL("ats", SMMUv3State, ats, true),
    /*
     * PCIe PRI (SMMU_IDR0.PRI, IHI 0070 chapter 8): the PRI queue and
     * CMD_PRI_RESP.  auto (the default) follows "ats"; on needs it.
     * virt 10.1 and older set it off.
     */
    DEFINE_PROP_ON_OFF_AUTO("pri", SMMUv3State, pri, ON_OFF_AUTO_AUTO),
    /*
     * EL2 StreamWorlds (SMMU_IDR0.HYP, STE.STRW, SMMU_CR2.E2H and
     * CMD_TLBI_EL2_*); only with stage=nested (6.3.1).  virt 10.1 and
     * older set it off.
     */
    DEFINE_PROP_BOOL("hyp", SMMUv3State, hyp, true),
    /* SMMU_IDR3.BBML, the break-before-make level claimed: 0, 1 or 2 */
    DEFINE_PROP_UINT8("bbml", SMMUv3State, bbml, 2),
    /*
     * SMMU_IDR1.SSIDSIZE, the SubstreamID (PCIe PASID) bits: 0 to 20;
     * virt 10.1 and older keep 8.  Stage 1 only (3.3.2).
     */
    DEFINE_PROP_UINT8("ssidsize", SMMUv3State, ssidsize,
                      SMMUV3_MAX_SSIDSIZE),
    /*
     * SMMU_IDR1.ATTR_TYPES_OVR: STE.MTCFG/MemAttr, ALLOCCFG and SHCFG
     * take effect (x-smmuv3-translate shows the result); virt 10.1 and
     * older set it off.
     */
    DEFINE_PROP_BOOL("attr-types-ovr", SMMUv3State, attr_types_ovr, true),
    /*
     * The coherency checker (smmuv3-coherency.c): "off", "on" or
     * "strict"; it checks one TLB or configuration cache hit in
     * check-coherency-period (default every one).
     */
    DEFINE_PROP_STRING("check-coherency", SMMUv3State, check_coherency),
    DEFINE_PROP_UINT32("check-coherency-period", SMMUv3State,
                       check_coherency_period, 1),
    /*
     * IHI 0070 3.18: the DeviceID (MemTxAttrs.requester_id) of the SMMU's
     * own MSIs, which must not be a client's StreamID.  0xffff is the
     * requester ID of bus 255, device 31, function 7.
     */
    DEFINE_PROP_UINT16("msi-requester-id", SMMUv3State, msi_requester_id,
                       0xffff),
    /*
     * The Stall model (SMMU_IDR0.STALL_MODEL, IHI 0070 3.12.2): "none"
     * (the default), "supported" or "forced".
     */
    DEFINE_PROP_STRING("stall", SMMUv3State, stall),
};

static void smmuv3_instance_init(Object *obj)
{
    SMMUv3State *s = ARM_SMMUV3(obj);

    smmuv3_cfg_cache_init(s);
    qemu_rec_mutex_init(&s->lock);
}

static void smmuv3_finalize(Object *obj)
{
    SMMUv3State *s = ARM_SMMUV3(obj);

    g_hash_table_destroy(s->cfg_cache);
    smmuv3_pri_free(s);
    g_slist_free_full(s->stall_clients, g_free);
    if (s->irq_bh) {
        qemu_bh_delete(s->irq_bh);
    }
    qemu_rec_mutex_destroy(&s->lock);
}

static void smmuv3_class_init(ObjectClass *klass, const void *data)
{
    SMMUBaseClass *sbc = ARM_SMMU_CLASS(klass);
    SMMUv3Class *c = ARM_SMMUV3_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);
    DeviceClass *dc = DEVICE_CLASS(klass);

    sbc->iommu_mr_type = TYPE_SMMUV3_IOMMU_MEMORY_REGION;
    sbc->ats_request = smmuv3_ats_request;
    sbc->pri_request = smmuv3_pri_request;
    sbc->pri_set_notifier = smmuv3_pri_set_notifier;
    resettable_class_set_parent_phases(rc, NULL, smmuv3_reset_hold,
                                       smmuv3_reset_exit, &c->parent_phases);
    device_class_set_parent_realize(dc, smmuv3_realize, &c->parent_realize);
    device_class_set_props(dc, smmuv3_props);
    /* -device arm-smmuv3,primary-bus=... on machines that allow it */
    dc->user_creatable = true;
    dc->vmsd = &vmstate_smmuv3_dev;
    dc->desc = "Arm SMMUv3 (IHI 0070)";
}

static const TypeInfo smmuv3_type_info = {
    .parent = TYPE_ARM_SMMU,
    .name = TYPE_ARM_SMMUV3,
    .class_init = smmuv3_class_init,
    .class_size = sizeof(SMMUv3Class),
    .instance_init = smmuv3_instance_init,
    .instance_finalize = smmuv3_finalize,
    .instance_size = sizeof(SMMUv3State),
};

static void smmuv3_register_types(void)
{
    type_register_static(&smmuv3_type_info);
    smmuv3_iommu_mr_register_type();
}

type_init(smmuv3_register_types)
