/*
 * The libqos SMMUv3 driver's own view of the STE, CD and command
 * layouts, as hw/registerfields.h FIELD()s, written from IHI 0070 5.2,
 * 5.4 and chapter 4.  Deliberately not the model's headers: the same
 * libqos drives the base's model in the baseline flavour.  The Q
 * prefix keeps these apart from the model's names in the unit tests,
 * which include both.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef LIBQOS_SMMUV3_FIELDS_H
#define LIBQOS_SMMUV3_FIELDS_H

#include "hw/registerfields.h"

/* Stream Table Entry, IHI 0070 5.2 (word n is QSTEn). */
FIELD(QSTE0, V, 0, 1)
FIELD(QSTE0, CONFIG, 1, 3)
FIELD(QSTE0, S1FMT, 4, 2)
FIELD(QSTE0, S1CTXPTR, 6, 46)           /* S1ContextPtr[51:6] */
FIELD(QSTE0, S1CDMAX, 59, 5)
FIELD(QSTE1, S1DSS, 0, 2)
FIELD(QSTE1, MEV, 19, 1)
FIELD(QSTE1, S2FWB, 25, 1)
FIELD(QSTE1, S1STALLD, 27, 1)
FIELD(QSTE1, STRW, 30, 2)
FIELD(QSTE1, PRIVCFG, 48, 2)
FIELD(QSTE1, INSTCFG, 50, 2)
FIELD(QSTE2, S2VMID, 0, 16)
FIELD(QSTE2, S2T0SZ, 32, 6)
FIELD(QSTE2, S2SL0, 38, 2)
FIELD(QSTE2, S2TG, 46, 2)
FIELD(QSTE2, S2PS, 48, 3)
FIELD(QSTE2, S2AA64, 51, 1)
FIELD(QSTE2, S2ENDI, 52, 1)
FIELD(QSTE2, S2AFFD, 53, 1)
FIELD(QSTE2, S2PTW, 54, 1)
FIELD(QSTE2, S2HD, 55, 1)
FIELD(QSTE2, S2HA, 56, 1)
FIELD(QSTE2, S2S, 57, 1)
FIELD(QSTE2, S2R, 58, 1)
FIELD(QSTE3, S2TTB, 4, 48)              /* S2TTB[51:4] */

/* Context Descriptor, IHI 0070 5.4 (word n is QCDn). */
FIELD(QCD0, T0SZ, 0, 6)
FIELD(QCD0, TG0, 6, 2)
FIELD(QCD0, SH0, 12, 2)
FIELD(QCD0, EPD0, 14, 1)
FIELD(QCD0, ENDI, 15, 1)
FIELD(QCD0, T1SZ, 16, 6)
FIELD(QCD0, TG1, 22, 2)
FIELD(QCD0, SH1, 28, 2)
FIELD(QCD0, EPD1, 30, 1)
FIELD(QCD0, V, 31, 1)
FIELD(QCD0, IPS, 32, 3)
FIELD(QCD0, AFFD, 35, 1)
FIELD(QCD0, TBI, 38, 2)                 /* TBI[0]: TTB0, TBI[1]: TTB1 */
FIELD(QCD0, AA64, 41, 1)
FIELD(QCD0, HD, 42, 1)
FIELD(QCD0, HA, 43, 1)
FIELD(QCD0, R, 45, 1)
FIELD(QCD0, A, 46, 1)
FIELD(QCD0, ASID, 48, 16)
FIELD(QCD1, TTB0, 4, 48)                /* TTB0[51:4] */
FIELD(QCD2, TTB1, 4, 48)                /* TTB1[51:4] */
FIELD(QCD3, MAIR0, 0, 32)

/* Commands, IHI 0070 chapter 4 (word n is QCMDn). */
FIELD(QCMD0, OPCODE, 0, 8)
FIELD(QCMD0, SSV, 11, 1)
FIELD(QCMD0, SSID, 12, 20)
FIELD(QCMD0, NUM, 12, 5)                /* TLBI range: NUM, SCALE */
FIELD(QCMD0, SCALE, 20, 5)
FIELD(QCMD0, SID, 32, 32)
FIELD(QCMD0, VMID, 32, 16)
FIELD(QCMD0, ASID, 48, 16)
FIELD(QCMD0, CS, 12, 2)                 /* CMD_SYNC: CS, MSIData */
FIELD(QCMD0, MSIDATA, 32, 32)
FIELD(QCMD1, LEAF, 0, 1)
FIELD(QCMD1, RANGE, 0, 5)               /* CFGI_STE_RANGE */
FIELD(QCMD1, TTL, 8, 2)
FIELD(QCMD1, TG, 10, 2)
FIELD(QCMD1, ADDR, 12, 52)              /* TLBI_NH_VA/VAA: VA[63:12] */
FIELD(QCMD1, IPA, 12, 40)               /* TLBI_S2_IPA: IPA[51:12] */
FIELD(QCMD1, MSIADDR, 2, 50)            /* CMD_SYNC: MSIAddress[51:2] */

/* Event records, IHI 0070 7.3, as 32-bit words (word n is QEVTn). */
FIELD(QEVT0, TYPE, 0, 8)
FIELD(QEVT0, SSV, 11, 1)
FIELD(QEVT0, SSID, 12, 20)
FIELD(QEVT3, PNU, 1, 1)
FIELD(QEVT3, IND, 2, 1)
FIELD(QEVT3, RNW, 3, 1)
FIELD(QEVT3, S2, 7, 1)
FIELD(QEVT3, CLASS, 8, 2)
FIELD(QEVT67, IPA, 12, 40)              /* words 6-7 as one: IPA[51:12] */
FIELD(QEVT67, FETCH, 3, 53)             /* FetchAddr[55:3] */

#endif
