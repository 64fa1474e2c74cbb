/*
 * What an Arm SMMUv3 model implements, fixed at realize time.
 *
 * One struct, computed once from the device's properties: the ID
 * registers (IHI 0070 6.3.1-6.3.8) are derived from it and the STE/CD
 * decoders read it.  It holds no device state, so the decoders (and
 * their unit tests) need nothing else.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ARM_SMMUV3_FEATURES_H
#define HW_ARM_SMMUV3_FEATURES_H

typedef struct SMMUv3Features {
    bool s1, s2;            /* IDR0.S1P, S2P: property "stage" */
    bool hyp;               /* IDR0.HYP, both stages: property "hyp" */
    uint8_t oas_bits;       /* IDR5.OAS as a bit count: property "oas" */
    bool vax;               /* IDR5.VAX 0b01, 52-bit VAs: property "vax" */
    bool ds;                /* IDR5.DS, FEAT_LPA2 tables: property "lpa2" */
    uint8_t sidsize;        /* IDR1.SIDSIZE */
    uint8_t ssidsize;       /* IDR1.SSIDSIZE: 0 without stage 1 */
    uint8_t ttf;            /* IDR0.TTF: 2, AArch64 tables only */
    uint8_t ttendian;       /* IDR0.TTENDIAN: 2, little-endian only */
    uint8_t stall_model;    /* IDR0.STALL_MODEL: 1, no stalling */
    uint8_t httu;           /* IDR0.HTTU: 0, no hardware A/D update */
    bool term_model;        /* IDR0.TERM_MODEL: terminate aborts */
    bool msi;               /* IDR0.MSI */
    bool had, ril, fwb, xnx;    /* IDR3; fwb: property "s2fwb" */
    uint8_t bbml;           /* IDR3.BBML */
    /*
     * IDR1.ATTR_TYPES_OVR: the STE's MTCFG/MemAttr, ALLOCCFG and SHCFG
     * override incoming attributes: property "attr-types-ovr"
     */
    bool attr_types_ovr;
    /*
     * IDR0.ATS: property "ats".  Split-stage ATS is not implemented,
     * so IDR0.NS1ATS reads 1 with it (STE.EATS 0b10 is ILLEGAL).
     */
    bool ats;
    /*
     * IDR0.PRI, the PRI queue (IHI 0070 chapter 8): property "pri", only
     * with ATS.  IDR3.PPS reads 1 with it when SubstreamIDs exist.
     */
    bool pri;
} SMMUv3Features;

#endif /* HW_ARM_SMMUV3_FEATURES_H */
