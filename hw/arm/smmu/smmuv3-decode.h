/*
 * SMMUv3 configuration structures: layouts and pure decoders.
 *
 * Arm IHI 0070 3.3 (stream table), 5.1-5.4 (L1STD, STE, L1CD, CD).  The
 * decoders are functions of the implemented features and of the raw
 * doublewords (already converted from little-endian): they read no
 * memory, touch no device state and build no events.  They return an
 * SMMUv3CfgErr reason that the translate layer turns into an event.
 * Fields are listed from the most significant bit down.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ARM_SMMU_SMMUV3_DECODE_H
#define HW_ARM_SMMU_SMMUV3_DECODE_H

#include "hw/registerfields.h"
#include "hw/arm/smmu-common.h"
#include "hw/arm/smmuv3-features.h"

#define SMMUV3_STE_BYTES    64
#define SMMUV3_CD_BYTES     64
#define SMMUV3_L1STD_BYTES  8
#define SMMUV3_L1CD_BYTES   8

/* No SubstreamID on the transaction (iommu_idx 0) */
#define SMMUV3_NO_SSID      UINT32_MAX

/* ---- SMMU_STRTAB_BASE (6.3.24) / _CFG (6.3.25) ---- */
#define SMMU_STRTAB_ADDR_MASK    0x000fffffffffffc0ULL
FIELD(STRTAB_CFG, FMT, 16, 2)
FIELD(STRTAB_CFG, SPLIT, 6, 5)
FIELD(STRTAB_CFG, LOG2SIZE, 0, 6)
#define STRTAB_FMT_LINEAR        0
#define STRTAB_FMT_2LEVEL        1

/* ---- Stream table descriptors (IHI 0070 5.1, 5.2) ---- */
/* Level-1 stream table descriptor */
FIELD(L1STD, L2PTR, 6, 46)
FIELD(L1STD, SPAN, 0, 5)

/* STE doubleword 0 */
FIELD(STE0, S1CDMAX, 59, 5)
FIELD(STE0, S1CTXPTR, 6, 46)
FIELD(STE0, S1FMT, 4, 2)
FIELD(STE0, CONFIG, 1, 3)
FIELD(STE0, V, 0, 1)
/* STE doubleword 1 */
FIELD(STE1, INSTCFG, 50, 2)
FIELD(STE1, SHCFG, 44, 2)
FIELD(STE1, ALLOCCFG, 37, 4)
FIELD(STE1, MTCFG, 36, 1)
FIELD(STE1, MEMATTR, 32, 4)
FIELD(STE1, PRIVCFG, 48, 2)
FIELD(STE1, STRW, 30, 2)
FIELD(STE1, EATS, 28, 2)
FIELD(STE1, S1STALLD, 27, 1)
FIELD(STE1, S2FWB, 25, 1)
FIELD(STE1, MEV, 19, 1)
FIELD(STE1, S1DSS, 0, 2)
/* STE doubleword 2 */
FIELD(STE2, S2R, 58, 1)
FIELD(STE2, S2S, 57, 1)
FIELD(STE2, S2HA, 56, 1)
FIELD(STE2, S2HD, 55, 1)
FIELD(STE2, S2PTW, 54, 1)
FIELD(STE2, S2AFFD, 53, 1)
FIELD(STE2, S2ENDI, 52, 1)
FIELD(STE2, S2AA64, 51, 1)
FIELD(STE2, S2PS, 48, 3)
FIELD(STE2, S2TG, 46, 2)
FIELD(STE2, S2SH0, 44, 2)
FIELD(STE2, S2SL0, 38, 2)
FIELD(STE2, S2T0SZ, 32, 6)
FIELD(STE2, S2VMID, 0, 16)
/* STE doubleword 3 */
FIELD(STE3, S2TTB, 4, 48)
FIELD(STE3, S2DS, 3, 1)
FIELD(STE3, S2SL0_2, 2, 1)

/* STE.Config encodings (5.2) */
enum {
    STE_CFG_ABORT     = 0,
    STE_CFG_BYPASS    = 4,
    STE_CFG_S1        = 5,
    STE_CFG_S2        = 6,
    STE_CFG_NESTED    = 7,
};

/* STE.STRW (5.2), Non-secure: 0b00 NS-EL1, 0b10 NS-EL2(-E2H), 0bx1 ILLEGAL */
#define STE_STRW_EL2        2

/* STE.S1DSS (5.2) */
enum {
    S1DSS_TERMINATE   = 0,
    S1DSS_BYPASS      = 1,
    S1DSS_SSID0       = 2,
    S1DSS_RESERVED    = 3,  /* behaves as TERMINATE */
};

/* STE.S1Fmt (5.2) */
enum {
    S1FMT_LINEAR      = 0,
    S1FMT_2L_4K       = 1,
    S1FMT_2L_64K      = 2,
};

/* STE.EATS (5.2) */
enum {
    STE_EATS_OFF      = 0,
    STE_EATS_FULL     = 1,
    STE_EATS_SPLIT    = 2,  /* ILLEGAL: IDR0.NS1ATS is 1 */
    STE_EATS_DPT      = 3,  /* reserved, as 0b00: IDR3.DPT is 0 */
};

/* STE.PRIVCFG / INSTCFG (5.2): 0b11 overrides the incoming attribute */
#define STE_PRIVCFG_PRIV    3
#define STE_INSTCFG_INSTR   3

/* ---- Context descriptors (IHI 0070 5.3, 5.4) ---- */
FIELD(L1CD, L2PTR, 12, 40)
FIELD(L1CD, V, 0, 1)

/* CD doubleword 0 */
FIELD(CD0, ASID, 48, 16)
FIELD(CD0, A, 46, 1)
FIELD(CD0, R, 45, 1)
FIELD(CD0, S, 44, 1)
FIELD(CD0, HA, 43, 1)
FIELD(CD0, HD, 42, 1)
FIELD(CD0, AA64, 41, 1)
FIELD(CD0, TBI, 38, 2)
FIELD(CD0, AFFD, 35, 1)
FIELD(CD0, IPS, 32, 3)
FIELD(CD0, V, 31, 1)
FIELD(CD0, EPD1, 30, 1)
FIELD(CD0, TG1, 22, 2)
FIELD(CD0, T1SZ, 16, 6)
FIELD(CD0, ENDI, 15, 1)
FIELD(CD0, EPD0, 14, 1)
FIELD(CD0, TG0, 6, 2)
FIELD(CD0, T0SZ, 0, 6)
/* CD doublewords 1 and 2: TTB0 / TTB1 */
FIELD(CDTTB, TTB, 4, 48)
FIELD(CDTTB, HAD, 1, 1)
/* CD doubleword 2, beside TTB1 */
FIELD(CD2, DS, 58, 1)

/*
 * Why a configuration lookup terminates a transaction (IHI 0070 7.3).
 * The decoders return the C_BAD_* reasons and F_STREAM_DISABLED; the
 * fetches add the F_*_FETCH aborts and a stage-2 fault of a CD fetch.
 */
typedef enum SMMUv3CfgErr {
    SMMUV3_CFG_OK = 0,
    SMMUV3_CFG_BAD_STREAMID,    /* C_BAD_STREAMID */
    SMMUV3_CFG_STE_FETCH,       /* F_STE_FETCH (L1STD or STE) */
    SMMUV3_CFG_BAD_STE,         /* C_BAD_STE */
    SMMUV3_CFG_STREAM_DISABLED, /* F_STREAM_DISABLED (S1DSS) */
    SMMUV3_CFG_BAD_SUBSTREAMID, /* C_BAD_SUBSTREAMID */
    SMMUV3_CFG_CD_FETCH,        /* F_CD_FETCH (L1CD or CD) */
    SMMUV3_CFG_BAD_CD,          /* C_BAD_CD */
    SMMUV3_CFG_CD_S2_FAULT,     /* stage 2 faulted a CD address (5.4) */
} SMMUv3CfgErr;

/* A decoder's verdict: the reason, and for the log, what was wrong */
typedef struct SMMUv3Verdict {
    SMMUv3CfgErr err;
    const char *why;            /* NULL when err == SMMUV3_CFG_OK */
} SMMUv3Verdict;

/* What the STE (and CD) say to do with a stream's transactions */
typedef enum SMMUv3CfgKind {
    SMMUV3_CFG_ABORT,       /* terminate, no event (STE.Config == 0) */
    SMMUV3_CFG_BYPASS,      /* output address = input address */
    SMMUV3_CFG_TRANSLATE,   /* through the engine with tc */
} SMMUv3CfgKind;

/* STE.SHCFG (5.2): 0b01 takes the incoming Shareability */
#define STE_SHCFG_INCOMING  1

/*
 * The STE's overrides of incoming memory attributes (5.2, 13.1.4), with
 * SMMU_IDR1.ATTR_TYPES_OVR; without it they read as "use incoming".
 */
typedef struct SMMUv3AttrOvr {
    bool mtcfg;             /* replace the memory type with memattr */
    uint8_t memattr;        /* stage-2 MemAttr[3:0] encoding */
    uint8_t alloccfg;       /* 0b1RWT: RA, WA, TR replaced */
    uint8_t shcfg;          /* 0 NSH, 1 incoming, 2 OSH, 3 ISH */
} SMMUv3AttrOvr;

typedef struct SMMUv3Config {
    SMMUv3CfgKind kind;
    SMMUTransCfg tc;
    bool mev;               /* STE.MEV: events may be merged (7.3.1) */
    uint8_t eats;           /* effective STE.EATS: 0 or 1 (Full ATS) */
    /* 3.12: Translation-related faults of the stage stall (CD.S, S2S) */
    bool s1_stall, s2_stall;
    SMMUv3AttrOvr ovr;      /* only shown by the probe: DMA has no types */
} SMMUv3Config;

/* A decoded STE: the config, and where its CD is when stage 1 is on */
typedef struct SMMUv3Ste {
    SMMUv3Config cfg;       /* stage 1 (tc.s1) still to fill from the CD */
    bool need_cd;           /* tc.s1_enabled: fetch CD cd_idx */
    uint32_t cd_idx;        /* SubstreamID, or 0 for S1DSS 0b10 */
    uint64_t cd_table;      /* S1ContextPtr */
    uint8_t s1fmt, s1cdmax;
    bool s1stalld;          /* STE.S1STALLD: CD.S == 1 is ILLEGAL */
    /*
     * STRW 0b10 in force (HYP, Config 0b101): StreamWorld NS-EL2, or
     * NS-EL2-E2H with SMMU_CR2.E2H; the caller picks the regime.
     */
    bool el2;
} SMMUv3Ste;

/* Where a stream's STE is, or the L1STD to read first (3.3.2) */
typedef struct SMMUv3SteLoc {
    uint64_t addr;          /* the STE, or with split != 0 the L1STD */
    unsigned split;         /* STRTAB_BASE_CFG.SPLIT in force, 0: linear */
} SMMUv3SteLoc;

/* Where a CD is, or the L1CD to read first (3.3.2, 5.3) */
typedef struct SMMUv3CdLoc {
    uint64_t addr;          /* the CD, or with split != 0 the L1CD */
    unsigned split;         /* log2(CDs per L2 table), 0: linear */
} SMMUv3CdLoc;

/* Encodings shared by several fields */
typedef enum SMMUv3TgKind {
    SMMUV3_TG0,             /* CD.TG0 and STE.S2TG: 4K, 64K, 16K */
    SMMUV3_TG1,             /* CD.TG1: -, 16K, 4K, 64K */
} SMMUv3TgKind;

/* IPS / S2PS / OAS encoding to bits (values above 52 count as 52) */
uint8_t smmuv3_pa_bits(unsigned enc);
/* The encoding of @bits, or -1 when none is exactly @bits */
int smmuv3_pa_encoding(unsigned bits);
/* A TG field to log2(granule), 0 for a reserved encoding */
uint8_t smmuv3_tg_bits(SMMUv3TgKind kind, unsigned enc);

SMMUv3Verdict smmuv3_ste_locate(const SMMUv3Features *f,
                                uint64_t strtab_base, uint32_t strtab_cfg,
                                uint32_t sid, SMMUv3SteLoc *loc);
SMMUv3Verdict smmuv3_decode_l1std(uint64_t l1std, uint32_t sid,
                                  unsigned split, uint64_t *ste_addr);
SMMUv3Verdict smmuv3_decode_ste(const SMMUv3Features *f,
                                const uint64_t ste[8], uint32_t ssid,
                                SMMUv3Ste *out);
SMMUv3Verdict smmuv3_cd_locate(const SMMUv3Features *f,
                               const SMMUv3Ste *ste, SMMUv3CdLoc *loc);
SMMUv3Verdict smmuv3_decode_l1cd(const SMMUv3Features *f,
                                 const SMMUv3Ste *ste, uint64_t l1cd,
                                 unsigned split, uint64_t *cd_addr);
/* A CD reached through an NS-EL1 stream */
SMMUv3Verdict smmuv3_decode_cd(const SMMUv3Features *f,
                               const uint64_t cd[8], SMMUS1Cfg *s1);
/*
 * A CD reached through a stream of @regime (SMMURegime): at NS-EL2 only
 * TTB0 is reachable, EPD0/EPD1 and ASID are IGNORED and the TTB1 fields
 * and TBI1 RES0 (5.4, 5.4.1); NS-EL2-E2H decodes as NS-EL1.
 */
SMMUv3Verdict smmuv3_decode_cd_regime(const SMMUv3Features *f,
                                      const uint64_t cd[8], unsigned regime,
                                      SMMUS1Cfg *s1);

#endif /* HW_ARM_SMMU_SMMUV3_DECODE_H */
