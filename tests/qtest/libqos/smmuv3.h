/*
 * libqos driver for an Arm SMMUv3 (IHI 0070) on the virt machine.
 *
 * The structure builders (STE, CD, commands) are pure functions that
 * return the descriptor as little-endian-ordered 64-bit words, so tests
 * can build expected values in tables.  QSMMU then puts them in guest
 * memory and drives the register interface.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef LIBQOS_SMMUV3_H
#define LIBQOS_SMMUV3_H

#include "libqos-malloc.h"

/* Register offsets, IHI 0070 6.2 (event queue pointers in page 1). */
#define QSMMU_IDR0              0x00
#define QSMMU_IDR1              0x04
#define QSMMU_IDR3              0x0c
#define QSMMU_IDR5              0x14
#define QSMMU_CR0               0x20
#define QSMMU_CR0ACK            0x24
#define QSMMU_CR1               0x28
#define QSMMU_CR2               0x2c
#define QSMMU_GBPA              0x44
#define QSMMU_GERROR            0x60
#define QSMMU_GERRORN           0x64
#define QSMMU_STRTAB_BASE       0x80
#define QSMMU_STRTAB_BASE_CFG   0x88
#define QSMMU_CMDQ_BASE         0x90
#define QSMMU_CMDQ_PROD         0x98
#define QSMMU_CMDQ_CONS         0x9c
#define QSMMU_EVENTQ_BASE       0xa0
#define QSMMU_EVENTQ_PROD       0x100a8
#define QSMMU_EVENTQ_CONS       0x100ac

/* Register fields. */
#define QSMMU_IDR0_S2P          (1u << 0)
#define QSMMU_IDR0_S1P          (1u << 1)
#define QSMMU_IDR0_ST_LEVEL(v)  (((v) >> 27) & 3)
#define QSMMU_IDR1_EVENTQS(v)   (((v) >> 16) & 0x1f)
#define QSMMU_IDR1_CMDQS(v)     (((v) >> 21) & 0x1f)
#define QSMMU_IDR1_SIDSIZE(v)   ((v) & 0x3f)
#define QSMMU_IDR3_RIL          (1u << 10)
#define QSMMU_IDR3_FWB          (1u << 8)
#define QSMMU_IDR5_OAS(v)       ((v) & 7)
#define QSMMU_IDR5_GRAN4K       (1u << 4)
#define QSMMU_IDR5_GRAN16K      (1u << 5)
#define QSMMU_IDR5_GRAN64K      (1u << 6)
#define QSMMU_CR0_SMMUEN        (1u << 0)
#define QSMMU_CR0_EVENTQEN      (1u << 2)
#define QSMMU_CR0_CMDQEN        (1u << 3)
#define QSMMU_GBPA_UPDATE       (1u << 31)
#define QSMMU_GBPA_ABORT        (1u << 20)
#define QSMMU_GERROR_CMDQ_ERR   (1u << 0)
#define QSMMU_GERROR_EVENTQ_ABT (1u << 2)
#define QSMMU_CMDQ_CONS_ERR(v)  (((v) >> 24) & 0x7f)
#define QSMMU_Q_OVFLG           (1u << 31)

/* CMDQ_CONS.ERR codes, IHI 0070 7.1. */
#define QSMMU_CERROR_NONE       0
#define QSMMU_CERROR_ILL        1
#define QSMMU_CERROR_ABT        2

/* STE.Config, IHI 0070 5.2. */
#define QSMMU_STE_CFG_ABORT     0
#define QSMMU_STE_CFG_BYPASS    4
#define QSMMU_STE_CFG_S1        5
#define QSMMU_STE_CFG_S2        6
#define QSMMU_STE_CFG_NESTED    7

/* Translation granules as log2 of their size. */
#define QSMMU_GRAN_4K           12
#define QSMMU_GRAN_16K          14
#define QSMMU_GRAN_64K          16

/* IPS / S2PS / OAS encoding of 44 bits (the base's OAS). */
#define QSMMU_PS_44BIT          4

/* What an STE holds; unused fields stay zero. */
typedef struct QSMMUSte {
    bool valid;
    uint8_t config;             /* QSMMU_STE_CFG_* */
    uint64_t s1_ctx_ptr;        /* CD address (an IPA when nested) */
    uint8_t s1_cdmax;           /* log2 of the number of CDs */
    uint8_t s1_fmt;
    uint8_t s1_dss;
    uint16_t s2_vmid;
    uint8_t s2_t0sz;
    uint8_t s2_sl0;
    uint8_t s2_granule;         /* QSMMU_GRAN_* */
    uint8_t s2_ps;
    bool s2_affd;               /* disable access flag faults */
    bool s2_r;                  /* record faults */
    bool s2_ptw;                /* stage-1 walks to Device memory fault */
    bool s2_fwb;                /* S2 MemAttr in forced write-back form */
    uint64_t s2_ttb;
    bool s2_aa32;               /* S2AA64 = 0: AArch32 tables */
    bool s2_endi;               /* big-endian stage-2 tables */
    bool s2_ha;                 /* HTTU: access flag */
    bool s2_hd;                 /* HTTU: dirty state */
    bool s2_s;                  /* stall stage-2 faults */
    bool mev;                   /* merge events (IHI 0070 7.3.1) */
    bool s1_stalld;             /* no stall of stage-1 faults */
    uint8_t strw;               /* StreamWorld: 0 NS-EL1, 1 EL2, 2 EL2-E2H */
    uint8_t privcfg;            /* 3: privileged */
    uint8_t instcfg;            /* 3: instruction */
} QSMMUSte;

/*
 * What a CD holds.  Zero means the usual: TTB1 off (EPD1 set), A set
 * (abort on fault), little-endian AArch64 tables, no TBI, no HTTU.
 */
typedef struct QSMMUCd {
    bool valid;
    uint16_t asid;
    uint8_t t0sz;
    uint8_t granule;            /* QSMMU_GRAN_* */
    uint8_t ips;
    bool affd;
    bool epd0;
    bool r;                     /* record faults */
    uint64_t ttb0;
    bool ttb1_en;               /* clears EPD1: VA[55] == 1 walks TTB1 */
    uint8_t t1sz;
    uint8_t granule1;           /* QSMMU_GRAN_*; 0: TG1 field 0 */
    uint64_t ttb1;
    uint8_t tbi;                /* bit 0: TTB0, bit 1: TTB1 */
    bool endi;                  /* big-endian tables */
    bool a_clear;               /* A = 0: faults RAZ/WI, not abort */
    bool ha;                    /* HTTU: access flag */
    bool hd;                    /* HTTU: dirty state */
} QSMMUCd;

void qsmmu_ste_build(const QSMMUSte *ste, uint64_t out[8]);
void qsmmu_cd_build(const QSMMUCd *cd, uint64_t out[8]);

/* Command opcodes, IHI 0070 4.1-4.7. */
#define QSMMU_CMD_PREFETCH_CONFIG   0x01
#define QSMMU_CMD_CFGI_STE          0x03
#define QSMMU_CMD_CFGI_STE_RANGE    0x04
#define QSMMU_CMD_CFGI_CD           0x05
#define QSMMU_CMD_CFGI_CD_ALL       0x06
#define QSMMU_CMD_TLBI_NH_ALL       0x10
#define QSMMU_CMD_TLBI_NH_ASID      0x11
#define QSMMU_CMD_TLBI_NH_VA        0x12
#define QSMMU_CMD_TLBI_NH_VAA       0x13
#define QSMMU_CMD_TLBI_S12_VMALL    0x28
#define QSMMU_CMD_TLBI_S2_IPA       0x2a
#define QSMMU_CMD_TLBI_NSNH_ALL     0x30
#define QSMMU_CMD_SYNC              0x46

/*
 * The fields a command may carry; each opcode uses its own subset
 * (IHI 0070 chapter 4 gives the layout per opcode).
 */
typedef struct QSMMUCmd {
    uint8_t op;
    uint32_t sid;
    uint32_t ssid;
    bool ssv;
    bool leaf;
    uint8_t range;              /* CFGI_STE_RANGE */
    uint16_t vmid;
    uint16_t asid;
    uint64_t addr;              /* TLBI_*_VA/IPA */
    uint8_t tg;                 /* range: 1 = 4K, 2 = 16K, 3 = 64K */
    uint8_t num;
    uint8_t scale;
    uint8_t ttl;
    uint8_t cs;                 /* CMD_SYNC: 0 none, 1 IRQ/MSI, 2 SEV */
    uint32_t msi_data;          /* CMD_SYNC */
    uint64_t msi_addr;          /* CMD_SYNC, 0: no MSI write */
} QSMMUCmd;

void qsmmu_cmd_build(const QSMMUCmd *cmd, uint64_t out[2]);

/* Event types, IHI 0070 7.3. */
#define QSMMU_EVT_F_UUT             0x01
#define QSMMU_EVT_C_BAD_STREAMID    0x02
#define QSMMU_EVT_F_STE_FETCH       0x03
#define QSMMU_EVT_C_BAD_STE         0x04
#define QSMMU_EVT_F_STREAM_DISABLED 0x06
#define QSMMU_EVT_C_BAD_SUBSTREAMID 0x08
#define QSMMU_EVT_F_CD_FETCH        0x09
#define QSMMU_EVT_C_BAD_CD          0x0a
#define QSMMU_EVT_F_WALK_EABT       0x0b
#define QSMMU_EVT_F_TRANSLATION     0x10
#define QSMMU_EVT_F_ADDR_SIZE       0x11
#define QSMMU_EVT_F_ACCESS          0x12
#define QSMMU_EVT_F_PERMISSION      0x13

/* Event CLASS, IHI 0070 7.3 (F_TRANSLATION). */
#define QSMMU_CLASS_CD              0
#define QSMMU_CLASS_TT              1
#define QSMMU_CLASS_IN              2

/* A decoded event record (translation fault layout, IHI 0070 7.3). */
typedef struct QSMMUEvent {
    uint8_t type;
    bool ssv;
    uint32_t ssid;
    uint32_t sid;
    bool s2;
    uint8_t class;
    bool rnw;
    bool ind;
    bool pnu;
    uint64_t input_addr;
    uint64_t ipa;               /* IPA[51:12], when s2 */
    /* F_STE_FETCH, F_CD_FETCH, F_WALK_EABT: doubleword 3 bits [55:3] */
    uint64_t fetch_addr;
} QSMMUEvent;

void qsmmu_event_decode(const uint32_t rec[8], QSMMUEvent *ev);

typedef struct QSMMU {
    QTestState *qts;
    QGuestAllocator *alloc;
    uint64_t base;              /* MMIO window */
    uint32_t idr[6];

    uint64_t strtab;
    uint8_t strtab_log2;        /* SIDs covered */
    uint8_t split;              /* 0: linear */
    uint64_t *l2_tables;        /* 2-level: per L1 entry, 0 until made */

    uint64_t cmdq;
    uint8_t cmdq_log2;
    uint32_t cmdq_prod;         /* index and wrap bit */

    uint64_t evtq;
    uint8_t evtq_log2;
} QSMMU;

/* The SMMU's MMIO base, from "info mtree" (asserts there is one). */
uint64_t qsmmu_find_base(QTestState *qts);

/*
 * Find the SMMU, create a stream table (split 0: linear, else 2-level
 * with that SPLIT) covering 2^sid_bits StreamIDs with every STE invalid,
 * create and enable both queues.  The SMMU itself stays disabled.
 */
void qsmmu_init(QSMMU *s, QTestState *qts, QGuestAllocator *alloc,
                uint8_t sid_bits, uint8_t split);
void qsmmu_destroy(QSMMU *s);
void qsmmu_enable(QSMMU *s, bool on);
/* Program GBPA (with the UPDATE handshake). */
void qsmmu_set_gbpa(QSMMU *s, uint32_t gbpa);

/* Guest address of the STE of sid (creating its level-2 table if needed). */
uint64_t qsmmu_ste_addr(QSMMU *s, uint32_t sid);
void qsmmu_write_ste(QSMMU *s, uint32_t sid, const uint64_t ste[8]);
void qsmmu_write_words(QSMMU *s, uint64_t addr, const uint64_t *w, int n);

/* Append a command (no SYNC, PROD not written). */
void qsmmu_cmd_push(QSMMU *s, const QSMMUCmd *cmd);
void qsmmu_cmd_push_raw(QSMMU *s, const uint64_t words[2]);
/*
 * Append CMD_SYNC, publish PROD and return CMDQ_CONS.ERR once the SMMU
 * consumed everything (or stopped on an error).
 */
uint32_t qsmmu_sync(QSMMU *s);
/* One command then a sync; asserts no command error. */
void qsmmu_cmd(QSMMU *s, const QSMMUCmd *cmd);

/* Pop the next event record; false when the queue is empty. */
bool qsmmu_event_pop(QSMMU *s, QSMMUEvent *ev, uint32_t raw[8]);
/* Assert the event queue is empty. */
void qsmmu_assert_no_event(QSMMU *s);

#endif /* LIBQOS_SMMUV3_H */
