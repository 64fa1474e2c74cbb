/*
 * Pure builders and decoders of the libqos SMMUv3 driver: STE, CD and
 * command words out of a struct, event records into one.  No qtest
 * dependency, so the unit tests (tests/unit/smmu) link this file too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "smmuv3.h"

/* Bits [51:lo] of an address, as tables and queues hold them. */
static uint64_t addr_bits(uint64_t addr, unsigned lo)
{
    return addr & MAKE_64BIT_MASK(lo, 52 - lo);
}

/* STE.S2TG and CD.TG0 encodings, IHI 0070 5.2 and 5.4. */
static uint64_t tg_encoding(uint8_t granule)
{
    switch (granule) {
    case QSMMU_GRAN_64K:
        return 1;
    case QSMMU_GRAN_16K:
        return 2;
    default:
        return 0;
    }
}

/* IHI 0070 5.2: Stream Table Entry, eight 64-bit words. */
void qsmmu_ste_build(const QSMMUSte *ste, uint64_t out[8])
{
    memset(out, 0, 8 * sizeof(out[0]));
    out[0] = (uint64_t)ste->valid |
             (uint64_t)(ste->config & 7) << 1 |
             (uint64_t)(ste->s1_fmt & 3) << 4 |
             addr_bits(ste->s1_ctx_ptr, 6) |
             (uint64_t)(ste->s1_cdmax & 0x1f) << 59;
    out[1] = (ste->s1_dss & 3) |
             (uint64_t)ste->mev << 19 |
             (uint64_t)(ste->privcfg & 3) << 48 |
             (uint64_t)(ste->instcfg & 3) << 50;
    if (ste->config & 2) {
        out[1] |= (uint64_t)ste->s2_fwb << 25;
        out[2] = ste->s2_vmid |
                 (uint64_t)(ste->s2_t0sz & 0x3f) << 32 |
                 (uint64_t)(ste->s2_sl0 & 3) << 38 |
                 tg_encoding(ste->s2_granule) << 46 |
                 (uint64_t)(ste->s2_ps & 7) << 48 |
                 1ULL << 51 |                           /* S2AA64 */
                 (uint64_t)ste->s2_ptw << 54 |
                 (uint64_t)ste->s2_affd << 53 |
                 (uint64_t)ste->s2_r << 58;
        out[3] = addr_bits(ste->s2_ttb, 4);
    } else {
        /* VMID is still used for TLB tagging when stage 2 exists. */
        out[2] = ste->s2_vmid;
    }
}

/* IHI 0070 5.4: Context Descriptor, eight 64-bit words. */
void qsmmu_cd_build(const QSMMUCd *cd, uint64_t out[8])
{
    memset(out, 0, 8 * sizeof(out[0]));
    out[0] = (uint64_t)(cd->t0sz & 0x3f) |
             tg_encoding(cd->granule) << 6 |
             3ULL << 12 |                               /* SH0: inner */
             (uint64_t)cd->epd0 << 14 |
             1ULL << 30 |                               /* EPD1 */
             (uint64_t)cd->valid << 31 |
             (uint64_t)(cd->ips & 7) << 32 |
             (uint64_t)cd->affd << 35 |
             1ULL << 41 |                               /* AA64 */
             (uint64_t)cd->r << 45 |
             1ULL << 46 |                               /* A: abort */
             (uint64_t)cd->asid << 48;
    out[1] = addr_bits(cd->ttb0, 4);
    out[3] = 0xff;                                      /* MAIR: WB */
}

/* IHI 0070 chapter 4: command layouts, two 64-bit words. */
void qsmmu_cmd_build(const QSMMUCmd *c, uint64_t out[2])
{
    uint64_t range_fields = (uint64_t)(c->num & 0x1f) << 12 |
                            (uint64_t)(c->scale & 0x1f) << 20 |
                            (uint64_t)c->vmid << 32;
    uint64_t addr_fields = (uint64_t)c->leaf |
                           (uint64_t)(c->ttl & 3) << 8 |
                           (uint64_t)(c->tg & 3) << 10;

    out[0] = c->op;
    out[1] = 0;
    switch (c->op) {
    case QSMMU_CMD_PREFETCH_CONFIG:
    case QSMMU_CMD_CFGI_STE:
    case QSMMU_CMD_CFGI_CD:
    case QSMMU_CMD_CFGI_CD_ALL:
        out[0] |= (uint64_t)c->sid << 32;
        if (c->op != QSMMU_CMD_CFGI_CD_ALL) {
            out[0] |= (uint64_t)(c->ssid & 0xfffff) << 12 |
                      (uint64_t)c->ssv << 11;
            out[1] = c->leaf;
        }
        break;
    case QSMMU_CMD_CFGI_STE_RANGE:
        out[0] |= (uint64_t)c->sid << 32;
        out[1] = c->range & 0x1f;
        break;
    case QSMMU_CMD_TLBI_NH_ALL:
    case QSMMU_CMD_TLBI_S12_VMALL:
        out[0] |= (uint64_t)c->vmid << 32;
        break;
    case QSMMU_CMD_TLBI_NH_ASID:
        out[0] |= (uint64_t)c->vmid << 32 | (uint64_t)c->asid << 48;
        break;
    case QSMMU_CMD_TLBI_NH_VA:
        out[0] |= range_fields | (uint64_t)c->asid << 48;
        out[1] = addr_fields | (c->addr & ~0xfffULL);
        break;
    case QSMMU_CMD_TLBI_NH_VAA:
        out[0] |= range_fields;
        out[1] = addr_fields | (c->addr & ~0xfffULL);
        break;
    case QSMMU_CMD_TLBI_S2_IPA:
        out[0] |= range_fields;
        out[1] = addr_fields | addr_bits(c->addr, 12);
        break;
    default:
        break;
    }
}

/* IHI 0070 7.3: the record layout the translation faults share. */
void qsmmu_event_decode(const uint32_t rec[8], QSMMUEvent *ev)
{
    ev->type = rec[0] & 0xff;
    ev->ssv = (rec[0] >> 11) & 1;
    ev->ssid = rec[0] >> 12;
    ev->sid = rec[1];
    ev->pnu = (rec[3] >> 1) & 1;
    ev->ind = (rec[3] >> 2) & 1;
    ev->rnw = (rec[3] >> 3) & 1;
    ev->s2 = (rec[3] >> 7) & 1;
    ev->class = (rec[3] >> 8) & 3;
    ev->input_addr = (uint64_t)rec[5] << 32 | rec[4];
    ev->ipa = addr_bits((uint64_t)rec[7] << 32 | rec[6], 12);
    ev->fetch_addr = ((uint64_t)rec[7] << 32 | rec[6]) &
                     MAKE_64BIT_MASK(3, 53);
}
