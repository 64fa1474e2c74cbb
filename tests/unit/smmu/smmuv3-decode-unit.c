/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The implemented-feature sets the SMMUv3 decoder unit tests decode
 * against (SMMUv3Features, as realize computes it from the properties).
 */

#include "qemu/osdep.h"
#include "smmuv3-decode-unit.h"

const SMMUv3Features feat_nested = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .msi = true, .had = true, .ril = true, .fwb = true, .xnx = true,
    .bbml = 2,
};
const SMMUv3Features feat_s1 = {
    .s1 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .msi = true, .had = true, .ril = true, .bbml = 2,
};
const SMMUv3Features feat_s2 = {
    .s2 = true, .oas_bits = 44, .sidsize = 16,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .msi = true, .had = true, .ril = true, .fwb = true, .xnx = true,
    .bbml = 2,
};
/* Variants of feat_nested for the rules that depend on a feature */
const SMMUv3Features feat_stall = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 0, .term_model = true,
    .msi = true, .had = true, .ril = true, .fwb = true, .xnx = true,
    .bbml = 2, .ats = true,
};
const SMMUv3Features feat_stall_forced = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 2, .term_model = true,
    .msi = true, .had = true, .ril = true, .fwb = true, .xnx = true,
    .bbml = 2,
};
const SMMUv3Features feat_oas42 = {
    .s1 = true, .s2 = true, .oas_bits = 42, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .had = true, .fwb = true,
};
const SMMUv3Features feat_nofwb_nohad = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
};
const SMMUv3Features feat_httu1_noterm = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .httu = 1,
};
const SMMUv3Features feat_httu2_aa32 = {
    .s1 = true, .s2 = true, .oas_bits = 44, .sidsize = 16, .ssidsize = 8,
    .ttf = 3, .ttendian = 2, .stall_model = 1, .httu = 2,
    .term_model = true,
};
/* 52-bit addresses: OAS 52 with VAX and DS (IDR5.DS); VAX alone */
const SMMUv3Features feat_lpa = {
    .s1 = true, .s2 = true, .oas_bits = 52, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .had = true, .fwb = true, .vax = true, .ds = true,
};
const SMMUv3Features feat_lpa_novax = {
    .s1 = true, .s2 = true, .oas_bits = 52, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .had = true, .fwb = true,
};
const SMMUv3Features feat_vax48 = {
    .s1 = true, .s2 = true, .oas_bits = 48, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .had = true, .fwb = true, .vax = true,
};
const SMMUv3Features feat_ds48 = {
    .s1 = true, .s2 = true, .oas_bits = 48, .sidsize = 16, .ssidsize = 8,
    .ttf = 2, .ttendian = 2, .stall_model = 1, .term_model = true,
    .had = true, .fwb = true, .vax = true, .ds = true,
};
