/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Arm SMMU translation engine shared by SMMU device models: the abstract
 * TYPE_ARM_SMMU base class (PCI bus hook, one IOMMU memory region per PCI
 * function), the VMSAv8-64 stage-1 / stage-2 / nested table walker and the
 * stage-tagged TLB.
 *
 * The device model decodes its configuration structures (STE/CD) into an
 * SMMUTransCfg and calls smmu_translate(); faults come back as an SMMUFault
 * that the device turns into its own event records.
 *
 * The engine takes no lock: the device serialises translations, TLB
 * maintenance and reset.  IOMMU translation may run outside the BQL, and
 * with the device's lock held, so the engine never takes the BQL: its
 * descriptor reads only reach RAM (smmu_ram_read_desc()).
 *
 * The walker and the TLB (smmu-walk.c, smmu-tlb.c) use only the engine
 * fields of SMMUState and read memory through its read_desc hook, so
 * they link into a unit test with a fake memory and no QEMU process
 * (tests/unit/smmu/).
 */

#ifndef HW_ARM_SMMU_COMMON_H
#define HW_ARM_SMMU_COMMON_H

#include "hw/sysbus.h"
#include "hw/pci/pci.h"
#include "system/memory.h"
#include "qom/object.h"

/*
 * VMSAv8-64 limits the engine implements: 52-bit inputs (64K, or 4K/16K
 * with DS) and outputs; the device's decoders apply its own, smaller
 * limits (IHI 0070 5.2 S2T0SZ, 5.4 T0SZ).
 */
#define SMMU_MIN_TSZ             12   /* 52-bit input addresses */
#define SMMU_MAX_TSZ             39   /* 25-bit input addresses */
#define SMMU_MAX_PA_BITS         52

/* SMMUFault.level of a fault that no lookup level gave */
#define SMMU_LEVEL_NONE          INT8_MIN

/* Default number of TLB entries (property "tlb-entries") */
#define SMMU_TLB_DEFAULT_ENTRIES 16384

/* ------------------------------------------------------------------ */
/* Faults                                                              */
/* ------------------------------------------------------------------ */

/* Translation-related fault kinds, IHI 0070 7.3 (F_TRANSLATION ...) */
typedef enum SMMUFaultType {
    SMMU_FAULT_NONE = 0,
    SMMU_FAULT_TRANSLATION,     /* F_TRANSLATION */
    SMMU_FAULT_ADDR_SIZE,       /* F_ADDR_SIZE */
    SMMU_FAULT_ACCESS,          /* F_ACCESS */
    SMMU_FAULT_PERMISSION,      /* F_PERMISSION */
    SMMU_FAULT_WALK_EABT,       /* F_WALK_EABT */
} SMMUFaultType;

/*
 * What a stage-2 fault was translating (event record CLASS field,
 * IHI 0070 7.3: 0b00 CD fetch, 0b01 stage-1 table walk, 0b10 input).
 * Stage-1 faults always use SMMU_CLASS_IN.
 */
typedef enum SMMUFaultClass {
    SMMU_CLASS_CD = 0,
    SMMU_CLASS_TT = 1,
    SMMU_CLASS_IN = 2,
} SMMUFaultClass;

typedef struct SMMUFault {
    SMMUFaultType type;
    uint8_t stage;          /* 1 or 2: the stage that faulted (S2 bit) */
    SMMUFaultClass cls;     /* CLASS; meaningful when stage == 2 */
    int8_t level;           /* lookup level (-1..3), or SMMU_LEVEL_NONE */
    uint64_t input_addr;    /* InputAddr: the transaction's address */
    uint64_t ipa;           /* IPA: stage-2 faults, the faulting IPA */
    uint64_t fetch_addr;    /* F_WALK_EABT: descriptor address (PA) */
    bool is_write;          /* RnW = !is_write */
    bool ind;               /* InD: instruction access */
    bool pnu;               /* PnU: privileged access */
    bool tt_write;          /* CLASS TT / F_WALK_EABT: TTRnW == 0 (HTTU) */
    bool record;            /* CD.R (stage 1) or STE.S2R (stage 2) */
} SMMUFault;

/* ------------------------------------------------------------------ */
/* Translation configuration (decoded by the device from STE/CD)       */
/* ------------------------------------------------------------------ */

/*
 * The stage-1 translation regime a stream's StreamWorld selects (IHI
 * 0070 5.2 STRW, 3.17.5): NS-EL1 (ASID and VMID tagged), NS-EL2 (one
 * VA range, TTB0 only, no ASID: every entry global, no user/privileged
 * distinction) or NS-EL2-E2H (two ranges and ASIDs as EL1, no VMID).
 * TLB entries of the three never match each other's lookups or
 * invalidations (3.17.5, 4.4.2).
 */
typedef enum SMMURegime {
    SMMU_REGIME_EL1 = 0,
    SMMU_REGIME_EL2 = 1,
    SMMU_REGIME_EL2_E2H = 2,
} SMMURegime;

/* One stage-1 translation table (TTB0 or TTB1 half of a CD) */
typedef struct SMMUS1Table {
    uint64_t ttb;           /* table base (an IPA when stage 2 is on) */
    uint8_t tsz;            /* T0SZ / T1SZ: input size 64 - tsz bits */
    uint8_t granule_bits;   /* 12, 14 or 16 (from TG0 / TG1) */
    bool disabled;          /* EPD0 / EPD1: walks fault */
    bool had;               /* HAD0 / HAD1: ignore APTable/XNTable */
} SMMUS1Table;

typedef struct SMMUS1Cfg {
    SMMUS1Table tt[2];      /* [0]: TTB0 (VA[55] == 0), [1]: TTB1 */
    uint16_t asid;          /* 0 at EL2 (CD.ASID is IGNORED there) */
    uint8_t regime;         /* SMMURegime, from STE.STRW and CR2.E2H */
    uint8_t tbi;            /* bit 0: TBI0, bit 1: TBI1 */
    uint8_t ips_bits;       /* effective output size: CD.IPS capped by OAS */
    bool ds;                /* CD.DS: 4K/16K tables in the LPA2 format */
    bool affd;              /* CD.AFFD: AF == 0 does not fault */
    bool ha;                /* CD.HA: the SMMU sets AF (HTTU) */
    bool hd;                /* CD.HA && CD.HD: and the dirty state */
    bool record_faults;     /* CD.R */
} SMMUS1Cfg;

typedef struct SMMUS2Cfg {
    uint64_t vttb;          /* S2TTB (a PA) */
    uint16_t vmid;          /* S2VMID: tags stage-1-only entries too */
    uint8_t tsz;            /* S2T0SZ: IPA size 64 - tsz bits */
    uint8_t sl0;            /* S2SL0, and S2SL0_2 as bit 2 (4K with DS) */
    uint8_t granule_bits;   /* 12, 14 or 16 (from S2TG) */
    uint8_t ps_bits;        /* effective output size: S2PS capped by OAS */
    bool ds;                /* S2DS: 4K/16K tables in the FEAT_LPA2 format */
    bool lpa;               /* OAS 52 (FEAT_LPA): 64K level-1 blocks */
    bool affd;              /* S2AFFD */
    bool ha;                /* S2HA: the SMMU sets AF (HTTU) */
    bool hd;                /* S2HA && S2HD: and S2AP[1] with DBM */
    bool record_faults;     /* S2R */
    bool ptw;               /* S2PTW: stage-1 walks to Device memory fault */
    bool fwb;               /* S2FWB: S2 MemAttr is a combined attribute */
} SMMUS2Cfg;

/*
 * Stage-2 starting level from S2SL0 (Arm ARM VTCR_EL2.{SL2, SL0}, with
 * SL2 as bit 2 of @sl0, only meaningful for 4K with @ds) for an IPA of
 * 64 - @tsz bits, or SMMU_S2_SL_INVALID when they describe no legal walk
 * (AArch64.S2InvalidSL, S2InconsistentSL): SL0 0b11 except 16K with DS,
 * SL2 with SL0 != 0, a start level that resolves no IPA bit or would
 * need more than 16 concatenated tables, SL0 0b10 with a PAMax (@pa_max)
 * below 44 bits (42 with 16K), or a level -1 (4K) / 0 (16K) start under
 * a PAMax below 52.  The one rule for the STE decoder (IHI 0070 5.2
 * S2SL0, S2DS) and the walker.
 */
#define SMMU_S2_SL_INVALID  (-2)

static inline int smmu_s2_start_level(unsigned gbits, unsigned sl0,
                                      unsigned tsz, unsigned pa_max, bool ds)
{
    unsigned stride = gbits - 3;
    unsigned ia_bits = 64 - tsz;
    unsigned below;
    int level;

    if (gbits == 12 && ds && (sl0 & 4)) {
        if ((sl0 & 3) || pa_max < 52) {
            return SMMU_S2_SL_INVALID;
        }
        level = -1;
    } else {
        sl0 &= 3;
        if (sl0 == 3 && !(gbits == 14 && ds && pa_max >= 52)) {
            return SMMU_S2_SL_INVALID;
        }
        if (sl0 == 2 && pa_max < (gbits == 14 ? 42 : 44)) {
            return SMMU_S2_SL_INVALID;
        }
        /* 4K: 0 -> L2 .. 2 -> L0; 16K/64K: 0 -> L3 .. 3 -> L0 (16K DS) */
        level = (gbits == 12 ? 2 : 3) - (int)sl0;
    }
    below = gbits + stride * (3 - level);
    if (ia_bits <= below || ia_bits > below + stride + 4) {
        return SMMU_S2_SL_INVALID;
    }
    return level;
}

typedef struct SMMUTransCfg {
    bool s1_enabled;
    bool s2_enabled;
    SMMUS1Cfg s1;
    SMMUS2Cfg s2;           /* s2.vmid is used even when !s2_enabled */
    uint8_t oas_bits;       /* SMMU_IDR5.OAS as a bit count: caps IPS */
    bool priv;              /* treat the stream as privileged (PRIVCFG) */
    bool instr;             /* treat the stream as instruction (INSTCFG) */
} SMMUTransCfg;

/* Result of a successful translation */
typedef struct SMMUTranslation {
    uint64_t addr;          /* output PA for the input address */
    uint64_t addr_mask;     /* size - 1 of the mapping holding the input */
    IOMMUAccessFlags perm;  /* what both stages allow for this stream */
} SMMUTranslation;

/* ------------------------------------------------------------------ */
/* TLB invalidation (IHI 0070 4.4)                                     */
/* ------------------------------------------------------------------ */

/*
 * Address-based invalidation scope, fields as in CMD_TLBI_NH_VA[A] and
 * CMD_TLBI_S2_IPA.  tg == 0: the entries holding addr; otherwise a range
 * of (num + 1) << scale translation granules of size tg from addr.
 * ttl != 0 with tg != 0 restricts to leaf entries of that level and
 * granule.
 */
typedef struct SMMUInvRange {
    uint64_t addr;          /* VA or IPA */
    uint8_t tg;             /* 0: no range, 1: 4K, 2: 16K, 3: 64K */
    uint8_t num;            /* NUM, 0..31 */
    uint8_t scale;          /* SCALE, 0..63 */
    uint8_t ttl;            /* TTL level hint, 0 = none */
    bool leaf;              /* Leaf hint (only leaves are cached) */
} SMMUInvRange;

/* TLB counters, readable as the QOM properties tlb-* */
typedef struct SMMUTLBStats {
    uint64_t hits;
    uint64_t misses;
    uint64_t evictions;
    uint64_t invalidated;   /* entries removed by invalidation */
    uint64_t used;          /* entries currently cached */
} SMMUTLBStats;

typedef struct SMMUTLB SMMUTLB;

/*
 * How the walker reads one 64-bit translation table descriptor at
 * physical address @pa: fills *@desc in host order, or returns an error
 * that the walker reports as F_WALK_EABT.  Only called on a TLB miss.
 */
typedef MemTxResult SMMUReadDescFn(void *opaque, uint64_t pa,
                                   uint64_t *desc);

/*
 * How the walker updates a descriptor (HTTU, IHI 0070 3.13): a
 * single-copy-atomic compare-and-swap of the 64-bit descriptor at @pa
 * from @old to @new (host order).  *@cur gets the value found, which is
 * @old when the swap happened.  An error is reported as F_WALK_EABT.
 */
typedef MemTxResult SMMUCasDescFn(void *opaque, uint64_t pa, uint64_t old,
                                  uint64_t new, uint64_t *cur);

/* ------------------------------------------------------------------ */
/* Translate probe (introspection)                                     */
/* ------------------------------------------------------------------ */

/*
 * A probe translates like a device access but leaves no trace: while
 * SMMUState.probe is set, smmu_probe_translate() and the stage-2 paths
 * (smmu_translate_ipa() included) skip TLB lookups and fills, make no
 * HTTU update (the value it would write is noted) and record every
 * descriptor they read.  Set and cleared by the device under its lock.
 */
#define SMMU_PROBE_MAX_STEPS    64

/* One descriptor read of a probed walk */
typedef struct SMMUWalkStep {
    uint64_t input;         /* what this walk translates: VA or IPA */
    uint64_t addr;          /* descriptor address: an IPA at nested stage 1 */
    uint64_t pa;            /* where it was read */
    uint64_t desc;          /* the value read */
    uint64_t update;        /* HTTU: the value it would write, else desc */
    int8_t level;
    uint8_t stage;          /* 1 or 2 */
    SMMUFaultClass cls;     /* stage 2: what it translates (CD, TT, IN) */
    bool abort;             /* the read failed (F_WALK_EABT) */
} SMMUWalkStep;

typedef struct SMMUWalkProbe {
    unsigned n;             /* steps recorded */
    unsigned lost;          /* steps beyond SMMU_PROBE_MAX_STEPS */
    SMMUWalkStep step[SMMU_PROBE_MAX_STEPS];
} SMMUWalkProbe;

/* ------------------------------------------------------------------ */
/* The TYPE_ARM_SMMU base class                                        */
/* ------------------------------------------------------------------ */

typedef struct SMMUState SMMUState;

/*
 * Hits of the subclass's per-thread caches (see SMMUState.tlb_gen), in
 * SMMU_FAST_HIT_SLOTS counters a cache line apart, each thread adding to
 * its own slot, so that threads translating at once share no line.
 */
#define SMMU_FAST_HIT_SLOTS     16

typedef struct SMMUFastHits {
    uint64_t n;
} QEMU_ALIGNED(64) SMMUFastHits;

/* One PCI function behind the SMMU, created on first use of its AS */
typedef struct SMMUDevice {
    PCIBus *bus;
    uint8_t devfn;
    bool has_notifiers;     /* on smmu->devices_with_notifiers */
    /*
     * The StreamID, on a root bus, whose number cannot change once a
     * device sits on it; otherwise the bus number is read at each use
     * (a bridge's secondary bus number is the guest's to change).
     */
    bool sid_fixed;
    uint16_t sid;
    /*
     * The subclass's translate fast path: the configuration generation
     * in which this device's STE was found in bypass (0: never).
     */
    uint32_t bypass_gen;
    SMMUState *smmu;
    AddressSpace as;
    IOMMUMemoryRegion iommu;
    QLIST_ENTRY(SMMUDevice) notifier_next;  /* devices_with_notifiers */
} SMMUDevice;

/* Devices of one PCI bus, indexed by devfn */
typedef struct SMMUBusDevs {
    PCIBus *bus;
    SMMUDevice *by_devfn[256];
} SMMUBusDevs;

struct SMMUState {
    /* <private> */
    SysBusDevice parent_obj;

    /* <public> */
    MemoryRegion iomem;         /* for the subclass's register frame */

    /* properties */
    PCIBus *primary_bus;        /* "primary-bus" */
    uint8_t bus_num;            /* "bus_num": accepted, unused */
    bool smmu_per_bus;          /* "smmu_per_bus": only primary_bus */
    uint32_t tlb_entries;       /* "tlb-entries": TLB capacity */

    GHashTable *buses;          /* PCIBus * -> SMMUBusDevs * */
    QLIST_HEAD(, SMMUDevice) devices_with_notifiers;

    /* The engine: with tlb_entries, all smmu-walk.c and smmu-tlb.c use */
    SMMUTLB *tlb;
    SMMUTLBStats tlb_stats;     /* also readable as QOM "tlb-*" */
    SMMUReadDescFn *read_desc;  /* smmu_ram_read_desc by default */
    SMMUCasDescFn *cas_desc;    /* smmu_ram_cas_desc by default */
    void *read_desc_opaque;     /* for both hooks */

    /*
     * Bumped (under the device's lock) whenever an entry leaves the TLB:
     * invalidation, eviction, reset.  A per-thread copy of a TLB entry
     * (the subclass's lock-free hit path) is usable only while this has
     * the value it had when the copy was made, so such copies are always
     * a subset of the TLB.
     */
    uint32_t tlb_gen;
    /* Hits served by those copies, one counter per thread slot */
    SMMUFastHits *fast_hits;

    /* PCIe ATS: the subclass sets its output address size, 0 without */
    uint8_t ats_addr_width;
    SMMUWalkProbe *probe;       /* non-NULL: a probe walks (no side effect) */
};

struct SMMUBaseClass {
    /* <private> */
    SysBusDeviceClass parent_class;

    /* <public> */
    /*
     * For the subclass: where device_class_set_parent_realize() saves
     * TYPE_ARM_SMMU's realize (the base keeps its own parent elsewhere).
     */
    DeviceRealize parent_realize;
    /* the subclass's TYPE_IOMMU_MEMORY_REGION subtype (mandatory) */
    const char *iommu_mr_type;
    /*
     * PCIIOMMUOps.ats_request_translation for @sdev (optional; only
     * called when ats_addr_width is set).  Returns the number of entries
     * or a negative errno: SMMU_ATS_UR or SMMU_ATS_CA for those PCIe
     * completion statuses.
     */
    ssize_t (*ats_request)(SMMUState *s, SMMUDevice *sdev, uint32_t pasid,
                           bool priv_req, bool exec_req, hwaddr addr,
                           size_t length, bool no_write,
                           IOMMUTLBEntry *result, size_t result_length,
                           uint32_t *err_count);
    /*
     * PCIe PRI (optional): PCIIOMMUOps.pri_request_page for @sdev, and
     * pri_register_notifier / pri_unregister_notifier (@n NULL) for the
     * PRG Responses of @sdev's @pasid (PCI_NO_PASID: the function's).
     */
    int (*pri_request)(SMMUState *s, SMMUDevice *sdev, uint32_t pasid,
                       bool priv_req, bool exec_req, hwaddr addr, bool last,
                       uint16_t prgi, bool is_read, bool is_write);
    void (*pri_set_notifier)(SMMUState *s, SMMUDevice *sdev, uint32_t pasid,
                             IOMMUPRINotifier *n);
};

/*
 * How an ATS Translation Request fails (PCIe completion status), as
 * pci_ats_request_translation() returns it: Unsupported Request and
 * Completer Abort (IHI 0070 3.9.1.2).
 */
#define SMMU_ATS_UR             (-EPERM)
#define SMMU_ATS_CA             (-EIO)

#define TYPE_ARM_SMMU "arm-smmu"
OBJECT_DECLARE_TYPE(SMMUState, SMMUBaseClass, ARM_SMMU)

/*
 * Reset: the base class clears the TLB in its "exit" phase; subclasses
 * chain with resettable_class_set_parent_phases().
 */

/* StreamID of a device: its PCI requester ID */
static inline uint32_t smmu_get_sid(SMMUDevice *sdev)
{
    /* pci_bus_num() is a QOM class cast and a call: once per DMA */
    if (likely(sdev->sid_fixed)) {
        return sdev->sid;
    }
    return pci_bus_num(sdev->bus) << 8 | sdev->devfn;
}

/*
 * Count a hit of a per-thread cache of translations (no lock), in the
 * calling thread's @slot: it shows in "tlb-hits" and "tlb-fast-hits".
 */
static inline void smmu_count_fast_hit(SMMUState *s, unsigned slot)
{
    qatomic_inc(&s->fast_hits[slot % SMMU_FAST_HIT_SLOTS].n);
}

/* A counter slot for a new thread's cache: a different one for each */
unsigned smmu_fast_hit_slot_new(void);

/* Hits of the per-thread caches, and of the TLB with them */
uint64_t smmu_fast_hits(SMMUState *s);
uint64_t smmu_tlb_hits(SMMUState *s);

/* Track which devices have IOMMU notifiers (from notify_flag_changed) */
void smmu_sdev_set_notifiers(SMMUDevice *sdev, bool on);

/*
 * Tell notifier @n that [iova, iova + addr_mask] changed: an UNMAP event,
 * or DEVIOTLB_UNMAP for a notifier registered for that type only.
 */
void smmu_notify_unmap(IOMMUNotifier *n, hwaddr iova, hwaddr addr_mask);

/*
 * Is @n the ATC of an ATS-enabled function, which only ATC invalidation
 * reaches (IHI 0070 3.9.1)?
 */
bool smmu_notifier_is_atc(SMMUDevice *sdev, IOMMUNotifier *n);

/* Unmap the whole range of every registered notifier but ATCs */
void smmu_inv_notifiers_all(SMMUState *s);

/* The same for the devices whose StreamID is in [@first, @last] */
void smmu_inv_notifiers_sid_range(SMMUState *s, uint32_t first,
                                  uint32_t last);

/*
 * Read (@is_write false) or write guest memory for the SMMU's own
 * structures: tables, descriptors and queues.  Only RAM answers; any
 * other region (device registers) gives MEMTX_ACCESS_ERROR, which the
 * caller reports as that structure's abort.
 */
MemTxResult smmu_ram_rw(hwaddr addr, void *buf, hwaddr len, bool is_write);

/* The device's SMMUReadDescFn: a little-endian descriptor from RAM */
MemTxResult smmu_ram_read_desc(void *opaque, uint64_t pa, uint64_t *desc);

/*
 * The device's SMMUCasDescFn: an atomic compare-and-swap of a
 * little-endian descriptor in RAM (never ROM or device registers), on
 * the host's copy of guest memory, so that it is atomic against vCPUs
 * and other threads; a swap marks the page dirty for migration.
 */
MemTxResult smmu_ram_cas_desc(void *opaque, uint64_t pa, uint64_t old,
                              uint64_t new, uint64_t *cur);

/* ------------------------------------------------------------------ */
/* Translation                                                         */
/* ------------------------------------------------------------------ */

/*
 * Translate @iova for an access of kind @access (IOMMU_NONE: no permission
 * check) under @cfg: TLB lookup, on a miss the stage-1, stage-2 or nested
 * walk and a TLB fill.  At least one stage must be enabled.
 * Returns true and fills @out, or false and fills @fault.
 */
bool smmu_translate(SMMUState *s, const SMMUTransCfg *cfg, uint64_t iova,
                    IOMMUAccessFlags access, SMMUTranslation *out,
                    SMMUFault *fault);

/*
 * smmu_translate() for a probe (SMMUState.probe set): without the TLB,
 * without HTTU writes, every descriptor noted in the probe.
 */
bool smmu_probe_translate(SMMUState *s, const SMMUTransCfg *cfg,
                          uint64_t iova, IOMMUAccessFlags access,
                          SMMUTranslation *out, SMMUFault *fault);

/*
 * Stage-2-only translation of @ipa (e.g. a CD fetch, @cls SMMU_CLASS_CD)
 * through the TLB.  Returns true and the PA in @pa, or false and @fault.
 */
bool smmu_translate_ipa(SMMUState *s, const SMMUS2Cfg *s2, uint64_t ipa,
                        IOMMUAccessFlags access, SMMUFaultClass cls,
                        uint64_t *pa, SMMUFault *fault);

/* ------------------------------------------------------------------ */
/* TLB maintenance, one entry point per command (IHI 0070 4.4)         */
/* ------------------------------------------------------------------ */

/* Reset: everything, EL2 entries included */
void smmu_tlb_inv_all(SMMUState *s);
/*
 * CMD_TLBI_NSNH_ALL: every NS-EL1 entry (stage 1, stage 2, nested) but
 * no NS-EL2 or NS-EL2-E2H one (IHI 0070 4.4.4.1)
 */
void smmu_tlb_inv_nsnh_all(SMMUState *s);
/* CMD_TLBI_EL2_ALL: every NS-EL2 and NS-EL2-E2H entry (4.4.2.7) */
void smmu_tlb_inv_el2_all(SMMUState *s);
/* CMD_TLBI_EL2_ASID: NS-EL2-E2H entries of @asid (4.4.2.10) */
void smmu_tlb_inv_el2_asid(SMMUState *s, uint16_t asid);
/*
 * CMD_TLBI_EL2_VA (@asid >= 0) or CMD_TLBI_EL2_VAA (@asid < 0), for the
 * regime SMMU_CR2.E2H selects (4.4.2.8, 4.4.2.9): with @regime
 * SMMU_REGIME_EL2 every entry holding the VAs of @r (no ASIDs); with
 * SMMU_REGIME_EL2_E2H those of @asid and the global ones (VA), or of
 * every ASID (VAA).
 */
void smmu_tlb_inv_el2_va(SMMUState *s, SMMURegime regime, int asid,
                         const SMMUInvRange *r);
/* CMD_TLBI_S12_VMALL: stage-1, stage-2 and nested entries of @vmid */
void smmu_tlb_inv_vmid(SMMUState *s, uint16_t vmid);
/* CMD_TLBI_NH_ALL: stage-1 and nested entries of @vmid */
void smmu_tlb_inv_vmid_s1(SMMUState *s, uint16_t vmid);
/* CMD_TLBI_NH_ASID: stage-1 and nested entries of @asid in @vmid */
void smmu_tlb_inv_asid(SMMUState *s, uint16_t vmid, uint16_t asid);
/*
 * CMD_TLBI_NH_VA (@asid >= 0) or CMD_TLBI_NH_VAA
 * (@asid < 0: every ASID): stage-1 and nested entries of @vmid holding
 * the VAs of @r.
 */
void smmu_tlb_inv_va(SMMUState *s, uint16_t vmid, int asid,
                     const SMMUInvRange *r);
/*
 * CMD_TLBI_S2_IPA: stage-2 entries of @vmid holding the IPAs of @r, and
 * nested entries whose IPA lies in that range.
 */
void smmu_tlb_inv_ipa(SMMUState *s, uint16_t vmid, const SMMUInvRange *r);

/*
 * The address span [*start, *last] an invalidation @r covers, for IOMMU
 * UNMAP notifications; @granule_bits is the mapping granule to use when
 * r->tg == 0 (single-address form).
 */
void smmu_inv_range_span(const SMMUInvRange *r, uint8_t granule_bits,
                         uint64_t *start, uint64_t *last);

#endif /* HW_ARM_SMMU_COMMON_H */
