/*
 * SMMUv3 device model: register map, in-memory structure layouts and
 * helpers shared by the smmuv3-*.c files.
 *
 * Field positions follow Arm IHI 0070 (chapter 6 for registers, 5 for
 * STE/CD, 4 for commands, 7 for event records).  Fields are listed from
 * the most significant bit down, as the specification draws them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ARM_SMMU_SMMUV3_INTERNAL_H
#define HW_ARM_SMMU_SMMUV3_INTERNAL_H

#include "hw/registerfields.h"
#include "hw/arm/smmuv3.h"
#include "smmuv3-decode.h"

/* ---- Register offsets (IHI 0070 6.2); page 1 starts at 0x10000 ---- */
enum {
    SMMU_REG_IDR0            = 0x000,
    SMMU_REG_IDR1            = 0x004,
    SMMU_REG_IDR2            = 0x008,
    SMMU_REG_IDR3            = 0x00c,
    SMMU_REG_IDR4            = 0x010,
    SMMU_REG_IDR5            = 0x014,
    SMMU_REG_IIDR            = 0x018,
    SMMU_REG_AIDR            = 0x01c,
    SMMU_REG_CR0             = 0x020,
    SMMU_REG_CR0ACK          = 0x024,
    SMMU_REG_CR1             = 0x028,
    SMMU_REG_CR2             = 0x02c,
    SMMU_REG_STATUSR         = 0x040,
    SMMU_REG_GBPA            = 0x044,
    SMMU_REG_AGBPA           = 0x048,
    SMMU_REG_IRQ_CTRL        = 0x050,
    SMMU_REG_IRQ_CTRLACK     = 0x054,
    SMMU_REG_GERROR          = 0x060,
    SMMU_REG_GERRORN         = 0x064,
    SMMU_REG_GERROR_IRQ_CFG0 = 0x068,   /* 64-bit */
    SMMU_REG_GERROR_IRQ_CFG1 = 0x070,
    SMMU_REG_GERROR_IRQ_CFG2 = 0x074,
    SMMU_REG_STRTAB_BASE     = 0x080,   /* 64-bit */
    SMMU_REG_STRTAB_BASE_CFG = 0x088,
    SMMU_REG_CMDQ_BASE       = 0x090,   /* 64-bit */
    SMMU_REG_CMDQ_PROD       = 0x098,
    SMMU_REG_CMDQ_CONS       = 0x09c,
    SMMU_REG_EVENTQ_BASE     = 0x0a0,   /* 64-bit */
    SMMU_REG_EVENTQ_IRQ_CFG0 = 0x0b0,   /* 64-bit */
    SMMU_REG_EVENTQ_IRQ_CFG1 = 0x0b8,
    SMMU_REG_EVENTQ_IRQ_CFG2 = 0x0bc,
    SMMU_REG_PRIQ_BASE       = 0x0c0,   /* 64-bit */
    SMMU_REG_PRIQ_IRQ_CFG0   = 0x0d0,   /* 64-bit */
    SMMU_REG_PRIQ_IRQ_CFG1   = 0x0d8,
    SMMU_REG_PRIQ_IRQ_CFG2   = 0x0dc,
    SMMU_REG_EVENTQ_PROD     = 0x100a8, /* page 1 */
    SMMU_REG_EVENTQ_CONS     = 0x100ac, /* page 1 */
    SMMU_REG_PRIQ_PROD       = 0x100c8, /* page 1 */
    SMMU_REG_PRIQ_CONS       = 0x100cc, /* page 1 */
};

/* ---- SMMU_IDR0 (6.3.1) ---- */
FIELD(IDR0, ST_LEVEL, 27, 2)
FIELD(IDR0, TERM_MODEL, 26, 1)
FIELD(IDR0, STALL_MODEL, 24, 2)
FIELD(IDR0, TTENDIAN, 21, 2)
FIELD(IDR0, CD2L, 19, 1)
FIELD(IDR0, VMID16, 18, 1)
FIELD(IDR0, PRI, 16, 1)
FIELD(IDR0, SEV, 14, 1)
FIELD(IDR0, MSI, 13, 1)
FIELD(IDR0, ASID16, 12, 1)
FIELD(IDR0, NS1ATS, 11, 1)
FIELD(IDR0, ATS, 10, 1)
FIELD(IDR0, HYP, 9, 1)
FIELD(IDR0, HTTU, 6, 2)
FIELD(IDR0, COHACC, 4, 1)
FIELD(IDR0, TTF, 2, 2)
FIELD(IDR0, S1P, 1, 1)
FIELD(IDR0, S2P, 0, 1)

/* ---- SMMU_IDR1 (6.3.2) ---- */
FIELD(IDR1, ATTR_TYPES_OVR, 27, 1)
FIELD(IDR1, CMDQS, 21, 5)
FIELD(IDR1, EVENTQS, 16, 5)
FIELD(IDR1, PRIQS, 11, 5)
FIELD(IDR1, SSIDSIZE, 6, 5)
FIELD(IDR1, SIDSIZE, 0, 6)

/* ---- SMMU_IDR3 (6.3.4) ---- */
FIELD(IDR3, BBML, 11, 2)
FIELD(IDR3, RIL, 10, 1)
FIELD(IDR3, FWB, 8, 1)
FIELD(IDR3, PPS, 5, 1)
FIELD(IDR3, XNX, 4, 1)
FIELD(IDR3, HAD, 2, 1)

/* ---- SMMU_IDR5 (6.3.6) ---- */
FIELD(IDR5, STALL_MAX, 16, 16)
FIELD(IDR5, VAX, 10, 2)
FIELD(IDR5, DS, 7, 1)
FIELD(IDR5, GRAN64K, 6, 1)
FIELD(IDR5, GRAN16K, 5, 1)
FIELD(IDR5, GRAN4K, 4, 1)
FIELD(IDR5, OAS, 0, 3)

/* ---- SMMU_AIDR (6.3.8) ---- */
FIELD(AIDR, MAJOR, 4, 4)
FIELD(AIDR, MINOR, 0, 4)

/* ---- SMMU_CR0 / CR0ACK (6.3.9) ---- */
FIELD(CR0, ATSCHK, 4, 1)
FIELD(CR0, CMDQEN, 3, 1)
FIELD(CR0, EVENTQEN, 2, 1)
FIELD(CR0, PRIQEN, 1, 1)
FIELD(CR0, SMMUEN, 0, 1)

/* ---- SMMU_CR1 (6.3.11): cacheability attributes only ---- */
#define SMMU_CR1_WRITABLE        0xfffu

/* ---- SMMU_CR2 (6.3.12) ---- */
FIELD(CR2, PTM, 2, 1)
FIELD(CR2, RECINVSID, 1, 1)
FIELD(CR2, E2H, 0, 1)

/* ---- SMMU_GBPA (6.3.14) ---- */
FIELD(GBPA, UPDATE, 31, 1)
FIELD(GBPA, ABORT, 20, 1)
#define SMMU_GBPA_WRITABLE       0x001f3f1fu  /* ABORT..MemAttr */
#define SMMU_GBPA_RESET          0x00001000u  /* SHCFG = 0b01 */

/* ---- SMMU_IRQ_CTRL (6.3.16) ---- */
FIELD(IRQ_CTRL, EVENTQ_IRQEN, 2, 1)
FIELD(IRQ_CTRL, PRIQ_IRQEN, 1, 1)
FIELD(IRQ_CTRL, GERROR_IRQEN, 0, 1)

/* ---- SMMU_GERROR / GERRORN (6.3.18) ---- */
enum {
    GERROR_CMDQ_ERR           = 1u << 0,
    GERROR_EVENTQ_ABT_ERR     = 1u << 2,
    GERROR_PRIQ_ABT_ERR       = 1u << 3,
    GERROR_MSI_CMDQ_ABT_ERR   = 1u << 4,
    GERROR_MSI_EVENTQ_ABT_ERR = 1u << 5,
    GERROR_MSI_PRIQ_ABT_ERR   = 1u << 6,
    GERROR_MSI_GERROR_ABT_ERR = 1u << 7,
    GERROR_SFM_ERR            = 1u << 8,
};
#define SMMU_GERROR_BITS         0x1fdu

/* ---- *_IRQ_CFG0/1/2: MSI address, data, attributes (6.3.19-21) ---- */
#define SMMU_MSI_ADDR_MASK       0x000ffffffffffffcULL   /* ADDR[51:2] */
#define SMMU_MSI_CFG2_WRITABLE   0x3fu                   /* SH, MemAttr */
/* SMMU_PRIQ_IRQ_CFG2.LO (6.3.36): interrupt for Last == 1 requests only */
FIELD(PRIQ_IRQ_CFG2, LO, 31, 1)

/* ---- SMMU_STRTAB_BASE (6.3.24) / _CFG (6.3.25) ---- */
#define SMMU_STRTAB_BASE_WRITABLE 0x400fffffffffffc0ULL  /* RA, ADDR[51:6] */
/* STRTAB_CFG fields and the address mask: smmuv3-decode.h */
#define SMMU_STRTAB_CFG_WRITABLE 0x307ffu

/* ---- SMMU_CMDQ_BASE / SMMU_EVENTQ_BASE (6.3.26, 6.3.29) ---- */
FIELD(QBASE, LOG2SIZE, 0, 5)
#define SMMU_QBASE_ADDR_MASK     0x000fffffffffffe0ULL   /* ADDR[51:5] */
#define SMMU_QBASE_WRITABLE      0x400fffffffffffffULL   /* RA/WA, ADDR, SZ */

/* ---- *_PROD / *_CONS (6.3.27-28, 6.3.30-31) ---- */
#define SMMU_Q_PTR_MASK          0x000fffffu             /* WR/RD[19:0] */
FIELD(CMDQ_CONS, ERR, 24, 7)
FIELD(EVENTQ_PROD, OVFLG, 31, 1)
FIELD(EVENTQ_CONS, OVACKFLG, 31, 1)
/* PRIQ_PROD.OVFLG / PRIQ_CONS.OVACKFLG (6.3.97-98): the same bit 31 */

/* CMDQ_CONS.ERR codes (IHI 0070 7.1) */
enum {
    CMDQ_CERROR_NONE         = 0,
    CMDQ_CERROR_ILL          = 1,
    CMDQ_CERROR_ABT          = 2,
    CMDQ_CERROR_ATC_INV_SYNC = 3,
};

/* ---- Interrupt lines, in the order the machines wire them ---- */
enum {
    SMMUV3_IRQ_EVTQ = 0,
    SMMUV3_IRQ_PRIQ,
    SMMUV3_IRQ_CMD_SYNC,
    SMMUV3_IRQ_GERROR,
    SMMUV3_NUM_IRQS
};

/* ---- Features advertised by this model ---- */
#define SMMUV3_SIDSIZE           16
/* The widest IDR1.SSIDSIZE: the 20 bits MemTxAttrs.pid carries (PCIe) */
#define SMMUV3_MAX_SSIDSIZE      20
#define SMMUV3_CMDQS             19
#define SMMUV3_EVENTQS           19
#define SMMUV3_PRIQS             19

/* ---- Queue geometry: PROD/CONS hold index and wrap bit (IHI 0070 3.5) */
static inline unsigned smmuv3_q_log2size(uint64_t base_reg, unsigned max)
{
    return MIN(FIELD_EX64(base_reg, QBASE, LOG2SIZE), max);
}

static inline uint32_t smmuv3_q_idx(uint32_t ptr, unsigned log2size)
{
    return ptr & ((1u << log2size) - 1);
}

static inline uint32_t smmuv3_q_wrap(uint32_t ptr, unsigned log2size)
{
    return (ptr >> log2size) & 1;
}

/*
 * IHI 0070 6.3.26, 6.3.29: the effective base of a queue is aligned to
 * the larger of its size in bytes and 32 bytes.
 */
static inline uint64_t smmuv3_q_base(uint64_t base_reg, unsigned log2size,
                                     unsigned entry_bytes)
{
    uint64_t align = MAX((uint64_t)entry_bytes << log2size, 32);

    return base_reg & SMMU_QBASE_ADDR_MASK & ~(align - 1);
}

/* The index with its wrap bit, without any flag above it. */
static inline uint32_t smmuv3_q_ptr(uint32_t ptr, unsigned log2size)
{
    return ptr & ((2u << log2size) - 1);
}

static inline bool smmuv3_q_empty(uint32_t prod, uint32_t cons,
                                  unsigned log2size)
{
    return smmuv3_q_ptr(prod, log2size) == smmuv3_q_ptr(cons, log2size);
}

static inline bool smmuv3_q_full(uint32_t prod, uint32_t cons,
                                 unsigned log2size)
{
    return smmuv3_q_idx(prod, log2size) == smmuv3_q_idx(cons, log2size) &&
           smmuv3_q_wrap(prod, log2size) != smmuv3_q_wrap(cons, log2size);
}

/* ---- STE, CD and their tables: smmuv3-decode.h ---- */

/* ---- Commands (IHI 0070 chapter 4) ---- */
enum {
    CMD_PREFETCH_CONFIG = 0x01,
    CMD_PREFETCH_ADDR   = 0x02,
    CMD_CFGI_STE        = 0x03,
    CMD_CFGI_STE_RANGE  = 0x04,  /* also CMD_CFGI_ALL */
    CMD_CFGI_CD         = 0x05,
    CMD_CFGI_CD_ALL     = 0x06,
    CMD_TLBI_NH_ALL     = 0x10,
    CMD_TLBI_NH_ASID    = 0x11,
    CMD_TLBI_NH_VA      = 0x12,
    CMD_TLBI_NH_VAA     = 0x13,
    CMD_TLBI_EL3_ALL    = 0x18,
    CMD_TLBI_EL3_VA     = 0x1a,
    CMD_TLBI_EL2_ALL    = 0x20,
    CMD_TLBI_EL2_ASID   = 0x21,
    CMD_TLBI_EL2_VA     = 0x22,
    CMD_TLBI_EL2_VAA    = 0x23,
    CMD_TLBI_S12_VMALL  = 0x28,
    CMD_TLBI_S2_IPA     = 0x2a,
    CMD_TLBI_NSNH_ALL   = 0x30,
    CMD_ATC_INV         = 0x40,
    CMD_PRI_RESP        = 0x41,
    CMD_RESUME          = 0x44,
    CMD_STALL_TERM      = 0x45,
    CMD_SYNC            = 0x46,
};

/* Command doubleword 0 */
FIELD(CMD0, SID, 32, 32)
FIELD(CMD0, ASID, 48, 16)
FIELD(CMD0, VMID, 32, 16)
FIELD(CMD0, SCALE, 20, 5)
FIELD(CMD0, SSID, 12, 20)
FIELD(CMD0, NUM, 12, 5)
FIELD(CMD0, SSV, 11, 1)
FIELD(CMD0, SSEC, 10, 1)
FIELD(CMD0, GLOBAL, 9, 1)       /* CMD_ATC_INV */
FIELD(CMD0, OPCODE, 0, 8)
/* CMD_SYNC doubleword 0 */
FIELD(SYNC0, MSIDATA, 32, 32)
FIELD(SYNC0, CS, 12, 2)
/* Command doubleword 1 */
FIELD(CMD1, TG, 10, 2)
FIELD(CMD1, TTL, 8, 2)
FIELD(CMD1, RANGE, 0, 5)
FIELD(CMD1, LEAF, 0, 1)
FIELD(CMD1, ATC_SIZE, 0, 6)     /* CMD_ATC_INV: span 4096 << Size */
FIELD(CMD1, PRI_RESP, 12, 2)    /* CMD_PRI_RESP (4.5.2) */
FIELD(CMD1, PRI_PRGI, 0, 9)
#define CMD1_VA_MASK        0xfffffffffffff000ULL   /* Address[63:12] */
#define CMD1_IPA_MASK       0x000ffffffffff000ULL   /* Address[51:12] */
#define CMD1_MSIADDR_MASK   0x000ffffffffffffcULL   /* MSIAddr[51:2] */

enum {
    SYNC_CS_NONE = 0,
    SYNC_CS_IRQ  = 1,
    SYNC_CS_SEV  = 2,
};

/* ---- Event records (IHI 0070 7.3) ---- */
enum {
    EVT_F_UUT            = 0x01,
    EVT_C_BAD_STREAMID   = 0x02,
    EVT_F_STE_FETCH      = 0x03,
    EVT_C_BAD_STE        = 0x04,
    EVT_F_BAD_ATS_TREQ   = 0x05,
    EVT_F_STREAM_DISABLED = 0x06,
    EVT_F_TRANSL_FORBIDDEN = 0x07,
    EVT_C_BAD_SUBSTREAMID = 0x08,
    EVT_F_CD_FETCH       = 0x09,
    EVT_C_BAD_CD         = 0x0a,
    EVT_F_WALK_EABT      = 0x0b,
    EVT_F_TRANSLATION    = 0x10,
    EVT_F_ADDR_SIZE      = 0x11,
    EVT_F_ACCESS         = 0x12,
    EVT_F_PERMISSION     = 0x13,
};

/* Record doubleword 0 */
FIELD(EVT0, SID, 32, 32)
FIELD(EVT0, SSID, 12, 20)
FIELD(EVT0, SSV, 11, 1)
FIELD(EVT0, TYPE, 0, 8)
/* Record doubleword 1 (translation-related faults) */
FIELD(EVT1, TTRNW, 44, 1)
FIELD(EVT1, CLASS, 40, 2)
FIELD(EVT1, S2, 39, 1)
FIELD(EVT1, RNW, 35, 1)
FIELD(EVT1, IND, 34, 1)
FIELD(EVT1, PNU, 33, 1)
FIELD(EVT1, ATS_SPAN, 52, 12)   /* F_BAD_ATS_TREQ: STUs requested */
FIELD(EVT1, STALL, 31, 1)       /* F_TRANSLATION..F_PERMISSION */
FIELD(EVT1, STAG, 0, 16)
#define EVT_FETCH_ADDR_MASK  0x000ffffffffffff8ULL  /* FetchAddr[51:3] */
#define EVT_IPA_MASK         0x000ffffffffff000ULL  /* IPA[51:12] */

/* What the producer of an event knows; smmuv3-event.c lays it out. */
typedef struct SMMUv3Event {
    /*
     * Addresses: InputAddr and IPA of translation-related faults, and the
     * descriptor address of F_STE_FETCH, F_CD_FETCH and F_WALK_EABT.
     */
    uint64_t input_addr, ipa, fetch_addr;
    uint32_t sid, ssid;         /* ssid only meaningful with ssv */
    uint8_t type;               /* EVT_* */
    SMMUFaultClass class;       /* CLASS: the engine's encoding is 7.3's */
    bool ssv, s2, rnw, ind, pnu;
    bool tt_write;              /* TTRnW == 0: an HTTU descriptor write */
    uint16_t span;              /* F_BAD_ATS_TREQ: STUs requested */
    bool stall;                 /* Stall: the transaction is held */
    uint16_t stag;              /* STAG, with stall */
} SMMUv3Event;

/* One DMA request, as it travels from smmuv3_translate() */
typedef struct SMMUv3Txn {
    uint32_t sid;
    uint32_t ssid;          /* SMMUV3_NO_SSID without a SubstreamID */
    uint64_t addr;          /* the input address (InputAddr) */
    bool is_write;
} SMMUv3Txn;

/*
 * Why smmuv3_cfg_fetch() terminated a transaction; smmuv3-translate.c
 * alone turns it into an event.
 */
typedef struct SMMUv3CfgFault {
    SMMUv3CfgErr err;
    uint64_t fetch_addr;    /* SMMUV3_CFG_*_FETCH: the aborted address */
    SMMUFault s2;           /* SMMUV3_CFG_CD_S2_FAULT: InputAddr, RnW unset */
} SMMUv3CfgFault;

/*
 * The doublewords a configuration was decoded from, and where they
 * were (the CD's address is an IPA behind stage 2).
 */
typedef struct SMMUv3CfgRaw {
    uint64_t ste[8], cd[8];
    uint64_t ste_addr, cd_addr;
    uint64_t cd_pa;         /* where the CD was read (cd_addr after stage 2) */
    bool has_ste, has_cd;
} SMMUv3CfgRaw;

/* ---- Cross-file entry points ---- */
/* smmuv3-event.c */
void smmuv3_record_event(SMMUv3State *s, const SMMUv3Event *ev);
void smmuv3_encode_event(const SMMUv3Event *ev, uint64_t rec[4]);
bool smmuv3_fault_to_event(const SMMUFault *f, SMMUv3Event *ev);
void smmuv3_raise_gerror(SMMUv3State *s, uint32_t bit);
void smmuv3_signal_irq(SMMUv3State *s, unsigned line, uint64_t cfg0,
                       uint32_t data, uint32_t abt_bit);
void smmuv3_flush_irqs(SMMUv3State *s);
void smmuv3_irq_bh(void *opaque);

bool smmuv3_eventq_writable(SMMUv3State *s);

/* smmuv3-stall.c: the Stall model (IHI 0070 3.12.2) */
bool smmuv3_stall_hold(SMMUv3State *s, SMMUDevice *sdev, SMMUv3Event *ev);
int smmuv3_cmd_resume(SMMUv3State *s, uint64_t w0, uint64_t w1);
int smmuv3_cmd_stall_term(SMMUv3State *s, uint64_t w0);
void smmuv3_stall_abort_all(SMMUv3State *s);
void smmuv3_stall_eventq_kick(SMMUv3State *s);
void smmuv3_stall_register_type(void);
void smmuv3_stall_class_init(ObjectClass *klass);

/* smmuv3-cmdq.c */
void smmuv3_cmdq_consume(SMMUv3State *s);

/* smmuv3-priq.c: the PRI queue (IHI 0070 chapter 8) */
int smmuv3_pri_request(SMMUState *bs, SMMUDevice *sdev, uint32_t pasid,
                       bool priv_req, bool exec_req, hwaddr addr, bool last,
                       uint16_t prgi, bool is_read, bool is_write);
void smmuv3_pri_set_notifier(SMMUState *bs, SMMUDevice *sdev, uint32_t pasid,
                             IOMMUPRINotifier *n);
int smmuv3_cmd_pri_resp(SMMUv3State *s, uint64_t w0, uint64_t w1);
void smmuv3_pri_free(SMMUv3State *s);

/* smmuv3.c */
uint32_t smmuv3_idr(const SMMUv3Features *f, unsigned n);
uint32_t smmuv3_aidr(const SMMUv3Features *f);

/* smmuv3-regs.c */
extern const MemoryRegionOps smmuv3_mmio_ops;

/* smmuv3-config.c */
const SMMUv3Config *smmuv3_cfg_find(SMMUv3State *s, const SMMUv3Txn *t);
bool smmuv3_cfg_lookup(SMMUv3State *s, const SMMUv3Txn *t, SMMUv3Config *cfg);
bool smmuv3_cfg_fetch(SMMUv3State *s, const SMMUv3Txn *t, SMMUv3Config *cfg,
                      SMMUv3CfgFault *fault);
bool smmuv3_cfg_read(SMMUv3State *s, const SMMUv3Txn *t, SMMUv3Config *cfg,
                     SMMUv3CfgFault *fault);
bool smmuv3_cfg_read_raw(SMMUv3State *s, const SMMUv3Txn *t,
                         SMMUv3Config *cfg, SMMUv3CfgRaw *raw,
                         SMMUv3CfgFault *fault);
const SMMUv3CfgRaw *smmuv3_cfg_last_raw(SMMUv3State *s);
typedef void (*SMMUv3CfgVisit)(uint32_t sid, uint32_t ssid,
                               const SMMUv3CfgRaw *raw, void *opaque);
void smmuv3_cfg_cache_foreach(SMMUv3State *s, SMMUv3CfgVisit fn,
                              void *opaque);
void smmuv3_cfg_cache_init(SMMUv3State *s);
void smmuv3_cfg_cache_inv_all(SMMUv3State *s);
void smmuv3_cfg_cache_inv_sid_range(SMMUv3State *s, uint32_t first,
                                    uint32_t last);
void smmuv3_cfg_cache_inv_ssid(SMMUv3State *s, uint32_t sid, uint32_t ssid);

/* smmuv3-coherency.c */
bool smmuv3_coh_realize(SMMUv3State *s, Error **errp);
bool smmuv3_coh_cfg_hit(SMMUv3State *s, const SMMUv3Txn *t,
                        const SMMUv3Config *cached);
bool smmuv3_coh_translate(SMMUv3State *s, const SMMUv3Txn *t,
                          const SMMUTransCfg *tc, IOMMUAccessFlags flag,
                          SMMUTranslation *out, SMMUFault *fault);
void smmuv3_coh_cfgi(SMMUv3State *s, uint32_t first, uint32_t last,
                     bool all_ssids, uint32_t ssid);
struct SMMUv3CoherencyInfo *smmuv3_coh_info(SMMUv3State *s);

/* smmuv3-translate.c */
void smmuv3_notify_unmap_all(SMMUv3State *s);
void smmuv3_notify_unmap_range(SMMUv3State *s, uint64_t addr, uint64_t size);
void smmuv3_iommu_mr_register_type(void);
ssize_t smmuv3_ats_request(SMMUState *bs, SMMUDevice *sdev, uint32_t pasid,
                           bool priv_req, bool exec_req, hwaddr addr,
                           size_t length, bool no_write,
                           IOMMUTLBEntry *result, size_t result_length,
                           uint32_t *err_count);
void smmuv3_atc_inv(SMMUv3State *s, uint32_t sid, uint32_t pasid,
                    uint64_t addr, uint64_t span);
bool smmuv3_txn_cfg_event(SMMUv3State *s, const SMMUv3Txn *t,
                          SMMUv3CfgFault *cf, SMMUv3Event *ev);
bool smmuv3_txn_fault_event(const SMMUv3Txn *t, SMMUFault *f,
                            SMMUv3Event *ev);

#endif /* HW_ARM_SMMU_SMMUV3_INTERNAL_H */
