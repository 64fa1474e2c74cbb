/*
 * Arm SMMUv3 device model (Arm IHI 0070).
 *
 * The device owns the programming interface (registers, queues, stream
 * and context descriptors, events); translation itself is done by the
 * common engine it derives from (hw/arm/smmu-common.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ARM_SMMUV3_H
#define HW_ARM_SMMUV3_H

#include "hw/arm/smmu-common.h"
#include "hw/arm/smmuv3-features.h"
#include "hw/iommu-stall.h"
#include "qapi/qapi-types-common.h"
#include "qemu/thread.h"
#include "qom/object.h"

#define TYPE_ARM_SMMUV3   "arm-smmuv3"

/*
 * Output address sizes (property "oas", SMMU_IDR5.OAS): 44 bits unless the
 * board or the user chooses; at most 52 (FEAT_LPA with 64K tables, and
 * FEAT_LPA2 with 4K/16K ones when "lpa2" is on).
 */
#define SMMUV3_DEFAULT_OAS  44
#define SMMUV3_MAX_OAS      52
#define TYPE_SMMUV3_IOMMU_MEMORY_REGION "smmuv3-iommu-memory-region"

/* One circular queue in guest memory: its base register and pointers. */
typedef struct SMMUv3Queue {
    uint64_t base;      /* SMMU_*Q_BASE as written */
    uint32_t prod;      /* SMMU_*Q_PROD */
    uint32_t cons;      /* SMMU_*Q_CONS */
} SMMUv3Queue;

/* MSI target of one interrupt source (IHI 0070 6.3.19-21, 6.3.32-34) */
typedef struct SMMUv3IrqCfg {
    uint64_t addr;      /* *_IRQ_CFG0 */
    uint32_t data;      /* *_IRQ_CFG1 */
    uint32_t attr;      /* *_IRQ_CFG2 */
} SMMUv3IrqCfg;

/*
 * One interrupt source's signal not yet delivered (IHI 0070 3.18.2):
 * raised by a thread without the BQL, delivered by SMMUv3State.irq_bh.
 */
typedef struct SMMUv3PendingIrq {
    bool wired;         /* pulse the source's wired line */
    bool msi;           /* write data to addr */
    uint64_t addr;
    uint32_t data;
    uint32_t abt_bit;   /* GERROR.MSI_*_ABT_ERR if the MSI aborts */
} SMMUv3PendingIrq;

/* What became of an event record (the recent-events ring) */
typedef enum SMMUv3EventOutcome {
    SMMUV3_EVT_QUEUED,          /* written to the event queue */
    SMMUV3_EVT_LOST_DISABLED,   /* EVENTQEN == 0 */
    SMMUV3_EVT_LOST_ABT,        /* GERROR.EVENTQ_ABT_ERR still active */
    SMMUV3_EVT_LOST_OVERFLOW,   /* the queue was full */
    SMMUV3_EVT_WRITE_ABORT,     /* the write aborted (EVENTQ_ABT_ERR) */
} SMMUv3EventOutcome;

/*
 * Stall model (IHI 0070 3.12.2, smmuv3-stall.c): a PCI function that
 * can hold a faulting transaction registers an IOMMUStallClient
 * (hw/iommu-stall.h); transactions of functions without one, or while
 * the table of SMMUV3_STALL_MAX outstanding stalls is full, are
 * terminated instead (reported with Stall == 0, as 3.12 allows).
 */
#define SMMUV3_STALL_MAX        64

/* One outstanding stalled transaction; migrated */
typedef struct SMMUv3Stall {
    bool valid;
    bool recorded;      /* its record is in the event queue (7.2) */
    uint16_t stag;
    uint32_t sid;
} SMMUv3Stall;

/* The last events, for introspection (smmuv3-introspect.c) */
#define SMMUV3_RECENT_EVENTS    16

typedef struct SMMUv3RecentEvent {
    uint64_t rec[4];            /* the record as IHI 0070 7.3 lays it out */
    int64_t time_ns;            /* QEMU_CLOCK_VIRTUAL */
    SMMUv3EventOutcome outcome;
} SMMUv3RecentEvent;

/* Configuration cache counters (x-query-smmuv3) */
typedef struct SMMUv3CfgStats {
    uint64_t hits, misses;
    uint64_t invalidated;       /* entries dropped by CFGI_*, SMMUEN, reset */
} SMMUv3CfgStats;

/* The coherency checker (smmuv3-coherency.c), property check-coherency */
typedef enum SMMUv3CohMode {
    SMMUV3_COH_OFF,
    SMMUV3_COH_ON,          /* report, then use what memory says */
    SMMUV3_COH_STRICT,      /* report, then use the stale cached value */
} SMMUv3CohMode;

/* What it found (x-query-smmuv3 "coherency") */
typedef enum SMMUv3CohKind {
    SMMUV3_COH_REMAP,       /* TLB: the output address changed */
    SMMUV3_COH_UNMAP,       /* TLB: the address no longer translates */
    SMMUV3_COH_PERM,        /* TLB: the permissions changed */
    SMMUV3_COH_DIRTY,       /* TLB: cleaned (HTTU dirty) but still dirty */
    SMMUV3_COH_STE,         /* configuration: the STE changed */
    SMMUV3_COH_CD,          /* configuration: the CD changed */
    SMMUV3_COH_STE_TORN,    /* a live STE rewritten, a fetch may mix */
    SMMUV3_COH_CD_TORN,     /* a live CD rewritten, a fetch may mix */
    SMMUV3_COH_KINDS,
} SMMUv3CohKind;

typedef struct SMMUv3Coherency {
    uint8_t mode;               /* SMMUv3CohMode */
    uint32_t period;            /* check one hit in this many */
    uint32_t tlb_tick, cfg_tick;
    uint64_t tlb_checks, cfg_checks, cfgi_checks, skipped;
    uint64_t reports, repeats;
    uint64_t kind[SMMUV3_COH_KINDS];
    SMMUWalkProbe *probe;       /* the re-walks' scratch */
    bool in_cfgi;               /* checking for a CMD_CFGI_*: nothing used */
    /* the last report, so a stale entry used again repeats it silently */
    struct {
        uint8_t kind;
        uint32_t sid, ssid;
        uint64_t where, after;
    } last;
} SMMUv3Coherency;

struct SMMUv3State {
    SMMUState smmu_state;

    /* Guest-visible state (migrated) */
    SMMUv3Queue cmdq, eventq;
    SMMUv3IrqCfg eventq_irq, gerror_irq;
    /* PRI queue (with feat.pri; a migration subsection) */
    SMMUv3Queue priq;
    SMMUv3IrqCfg priq_irq;
    uint64_t strtab_base;
    uint32_t strtab_base_cfg;
    uint32_t cr[3];             /* CR0..CR2; CR0ACK reads CR0 */
    uint32_t gbpa, irq_ctrl;
    uint32_t gerror, gerrorn;

    /* Properties as set; realize turns them into feat */
    char *stage;                /* "1", "2" or "nested" */
    uint8_t oas;                /* bits, 0 = the default */
    bool vax;                   /* SMMU_IDR5.VAX: 52-bit VAs */
    bool lpa2;                  /* SMMU_IDR5.DS: FEAT_LPA2 tables */
    bool s2fwb;                 /* SMMU_IDR3.FWB with stage 2 */
    char *httu;                 /* "off", "access" or "dirty" */
    bool ats;                   /* SMMU_IDR0.ATS */
    OnOffAuto pri;              /* SMMU_IDR0.PRI; auto: with ats */
    bool hyp;                   /* SMMU_IDR0.HYP, with both stages */
    uint8_t bbml;               /* SMMU_IDR3.BBML: 0, 1 or 2 */
    uint8_t ssidsize;           /* SMMU_IDR1.SSIDSIZE with stage 1 */
    bool attr_types_ovr;        /* SMMU_IDR1.ATTR_TYPES_OVR */
    char *check_coherency;      /* "off", "on" or "strict" */
    uint32_t check_coherency_period;
    /* Fixed at realize: the ID registers and the decoders read it */
    SMMUv3Features feat;

    qemu_irq irq[4];
    /* property "msi-requester-id": the DeviceID of the SMMU's own MSIs */
    uint16_t msi_requester_id;
    /* Indexed by wired line (EVTQ, PRIQ, CMD_SYNC, GERROR); under lock */
    SMMUv3PendingIrq irq_pending[4];
    QEMUBH *irq_bh;

    /*
     * PRG Response receivers: the IOMMUPRINotifiers that PCI functions
     * registered (pci_pri_register_notifier()), per (function, PASID).
     * Not migrated: devices register again.  smmuv3-priq.c.
     */
    GSList *pri_notifiers;

    /* Decoded STE/CD per (StreamID, SubstreamID); not migrated */
    GHashTable *cfg_cache;
    /* the last configuration found, ahead of the hash; NULL after inval */
    struct SMMUv3Config *cfg_last;
    uint64_t cfg_last_key;
    SMMUv3CfgStats cfg_stats;
    /*
     * Bumped (never to 0) by every configuration cache invalidation, so
     * by every CFGI_*, SMMUEN change, reset and migration load: the
     * translate fast path's per-device bypass decision holds while its
     * SMMUDevice.bypass_gen equals it.  Written under lock, read without.
     */
    uint32_t cfg_gen;

    /* The coherency checker's state and counters; not migrated */
    SMMUv3Coherency coh;

    /* The last SMMUV3_RECENT_EVENTS records, by event_count; not migrated */
    SMMUv3RecentEvent recent[SMMUV3_RECENT_EVENTS];
    uint64_t event_count;

    /*
     * The last translation's fault, when it faulted: to spot the memory
     * core's retries of one request and, with STE.MEV, to merge.
     */
    struct {
        bool valid;
        int64_t time_ns;        /* QEMU_CLOCK_VIRTUAL of its record */
        uint64_t addr;
        uint32_t sid, ssid;
        uint8_t type;
        bool rnw;
        bool stall;             /* it was held as a stalled transaction */
    } last_fault;

    /*
     * Serialises MMIO, command consumption, translation, reset and
     * migration load.  Lock order: the BQL, then this lock; a thread
     * holding it never takes the BQL (docs/devel/smmuv3-model.rst).
     */
    QemuRecMutex lock;
    /*
     * Set while commands run: an MSI aimed at our own registers must not
     * restart consumption from inside it.
     */
    bool cmdq_running;

    /* property "stall": "none", "supported" or "forced" */
    char *stall;
    /* Outstanding stalled transactions (smmuv3-stall.c); under lock */
    SMMUv3Stall stalls[SMMUV3_STALL_MAX];
    uint16_t stall_next_tag;
    /* (SMMUDevice *, IOMMUStallClient *) pairs; not migrated */
    GSList *stall_clients;
};

struct SMMUv3Class {
    SMMUBaseClass smmu_base_class;
    /* what smmuv3.c chains to */
    ResettablePhases parent_phases;
    DeviceRealize parent_realize;
};

OBJECT_DECLARE_TYPE(SMMUv3State, SMMUv3Class, ARM_SMMUV3)

/* SMMU_IDR0.HTTU of a realized arm-smmuv3 (for the board's firmware tables) */
uint8_t arm_smmuv3_httu(Object *obj);

#endif /* HW_ARM_SMMUV3_H */
