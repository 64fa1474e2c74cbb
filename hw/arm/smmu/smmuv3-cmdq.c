/*
 * SMMUv3 command queue consumption.
 *
 * Arm IHI 0070 chapter 4 (commands) and 7.1 (command errors).  Commands
 * execute synchronously, so a CMD_SYNC completes as soon as it is read.
 * An erroneous command stops consumption with CMDQ_CONS.RD pointing at it,
 * CMDQ_CONS.ERR set and GERROR.CMDQ_ERR active, until software
 * acknowledges the error through GERRORN.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "system/dma.h"
#include "system/address-spaces.h"
#include "hw/irq.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define CMD_BYTES 16

static const char *smmuv3_cmd_name(uint8_t op)
{
    static const char *const names[] = {
        [CMD_PREFETCH_CONFIG] = "CMD_PREFETCH_CONFIG",
        [CMD_PREFETCH_ADDR]   = "CMD_PREFETCH_ADDR",
        [CMD_CFGI_STE]        = "CMD_CFGI_STE",
        [CMD_CFGI_STE_RANGE]  = "CMD_CFGI_STE_RANGE",
        [CMD_CFGI_CD]         = "CMD_CFGI_CD",
        [CMD_CFGI_CD_ALL]     = "CMD_CFGI_CD_ALL",
        [CMD_TLBI_NH_ALL]     = "CMD_TLBI_NH_ALL",
        [CMD_TLBI_NH_ASID]    = "CMD_TLBI_NH_ASID",
        [CMD_TLBI_NH_VA]      = "CMD_TLBI_NH_VA",
        [CMD_TLBI_NH_VAA]     = "CMD_TLBI_NH_VAA",
        [CMD_TLBI_EL3_ALL]    = "CMD_TLBI_EL3_ALL",
        [CMD_TLBI_EL3_VA]     = "CMD_TLBI_EL3_VA",
        [CMD_TLBI_EL2_ALL]    = "CMD_TLBI_EL2_ALL",
        [CMD_TLBI_EL2_ASID]   = "CMD_TLBI_EL2_ASID",
        [CMD_TLBI_EL2_VA]     = "CMD_TLBI_EL2_VA",
        [CMD_TLBI_EL2_VAA]    = "CMD_TLBI_EL2_VAA",
        [CMD_TLBI_S12_VMALL]  = "CMD_TLBI_S12_VMALL",
        [CMD_TLBI_S2_IPA]     = "CMD_TLBI_S2_IPA",
        [CMD_TLBI_NSNH_ALL]   = "CMD_TLBI_NSNH_ALL",
        [CMD_ATC_INV]         = "CMD_ATC_INV",
        [CMD_PRI_RESP]        = "CMD_PRI_RESP",
        [CMD_RESUME]          = "CMD_RESUME",
        [CMD_STALL_TERM]      = "CMD_STALL_TERM",
        [CMD_SYNC]            = "CMD_SYNC",
    };

    if (op < ARRAY_SIZE(names) && names[op]) {
        return names[op];
    }
    return "reserved";
}

/* VMID a command names: only meaningful when stage 2 exists (6.3.1). */
static uint16_t cmd_vmid(SMMUv3State *s, uint64_t w0)
{
    return s->s2_supported ? FIELD_EX64(w0, CMD0, VMID) : 0;
}

static void cmd_inv_range(uint64_t w0, uint64_t w1, uint64_t addr_mask,
                          SMMUInvRange *r)
{
    r->addr = w1 & addr_mask;
    r->tg = FIELD_EX64(w1, CMD1, TG);
    r->ttl = FIELD_EX64(w1, CMD1, TTL);
    r->leaf = FIELD_EX64(w1, CMD1, LEAF);
    /* 4.4.2: NUM and SCALE only mean something in the range form. */
    r->num = r->tg ? FIELD_EX64(w0, CMD0, NUM) : 0;
    r->scale = r->tg ? FIELD_EX64(w0, CMD0, SCALE) : 0;
}

static void notify_range(SMMUv3State *s, const SMMUInvRange *r)
{
    uint64_t start, last;

    /* Single-address form: the smallest granule is the safe unit. */
    smmu_inv_range_span(r, 12, &start, &last);
    smmuv3_notify_unmap_range(s, start, last - start + 1);
}

/* CMD_CFGI_STE_RANGE: 2^(Range + 1) StreamIDs aligned on that size */
static void cmd_cfgi_ste_range(SMMUv3State *s, uint64_t w0, uint64_t w1)
{
    uint32_t sid = FIELD_EX64(w0, CMD0, SID);
    unsigned range = FIELD_EX64(w1, CMD1, RANGE);
    uint64_t span = 2ULL << range;
    uint64_t first = sid & ~(span - 1);

    smmuv3_cfg_cache_inv_sid_range(s, first,
                                   MIN(first + span - 1, UINT32_MAX));
}

/*
 * Execute one command.  Returns CMDQ_CERROR_NONE or the error code that
 * stops the queue.
 */
static int smmuv3_exec_cmd(SMMUv3State *s, uint64_t w0, uint64_t w1)
{
    uint8_t op = FIELD_EX64(w0, CMD0, OPCODE);
    SMMUState *bs = &s->smmu_state;
    SMMUInvRange r;
    uint32_t sid = FIELD_EX64(w0, CMD0, SID);

    trace_smmuv3_cmd(smmuv3_cmd_name(op), w0, w1);

    switch (op) {
    case CMD_PREFETCH_CONFIG:
    case CMD_PREFETCH_ADDR:
        /* 4.2: prefetches are hints; this model fetches on demand. */
        return CMDQ_CERROR_NONE;

    case CMD_CFGI_STE:
        smmuv3_cfg_cache_inv_sid_range(s, sid, sid);
        return CMDQ_CERROR_NONE;
    case CMD_CFGI_STE_RANGE:
        cmd_cfgi_ste_range(s, w0, w1);
        return CMDQ_CERROR_NONE;
    case CMD_CFGI_CD:
        smmuv3_cfg_cache_inv_ssid(s, sid, FIELD_EX64(w0, CMD0, SSID));
        return CMDQ_CERROR_NONE;
    case CMD_CFGI_CD_ALL:
        smmuv3_cfg_cache_inv_sid_range(s, sid, sid);
        return CMDQ_CERROR_NONE;

    case CMD_TLBI_NH_ALL:
    case CMD_TLBI_NH_ASID:
    case CMD_TLBI_NH_VA:
    case CMD_TLBI_NH_VAA:
        /* 4.4: the NH forms need stage 1. */
        if (!s->s1_supported) {
            return CMDQ_CERROR_ILL;
        }
        break;
    case CMD_TLBI_S12_VMALL:
    case CMD_TLBI_S2_IPA:
        if (!s->s2_supported) {
            return CMDQ_CERROR_ILL;
        }
        break;
    case CMD_TLBI_NSNH_ALL:
        smmu_tlb_inv_all(bs);
        smmuv3_notify_unmap_all(s);
        return CMDQ_CERROR_NONE;

    case CMD_TLBI_EL3_ALL:
    case CMD_TLBI_EL3_VA:
        /* No Secure state / EL3 StreamWorld. */
    case CMD_TLBI_EL2_ALL:
    case CMD_TLBI_EL2_ASID:
    case CMD_TLBI_EL2_VA:
    case CMD_TLBI_EL2_VAA:
        /* SMMU_IDR0.HYP == 0 */
    case CMD_ATC_INV:
        /* SMMU_IDR0.ATS == 0 */
    case CMD_PRI_RESP:
        /* SMMU_IDR0.PRI == 0 */
    case CMD_RESUME:
    case CMD_STALL_TERM:
        /* SMMU_IDR0.STALL_MODEL == 0b01: nothing can be stalled */
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: %s for a feature this SMMU does not have\n",
                      smmuv3_cmd_name(op));
        return CMDQ_CERROR_ILL;

    case CMD_SYNC:
        switch (FIELD_EX64(w0, SYNC0, CS)) {
        case SYNC_CS_NONE:
        case SYNC_CS_SEV:
            /* No WFE-based waiters to wake in an emulated system. */
            return CMDQ_CERROR_NONE;
        case SYNC_CS_IRQ:
            if (!smmuv3_send_msi(s, w1 & CMD1_MSIADDR_MASK,
                                 FIELD_EX64(w0, SYNC0, MSIDATA),
                                 GERROR_MSI_CMDQ_ABT_ERR)) {
                qemu_irq_pulse(s->irq[SMMUV3_IRQ_CMD_SYNC]);
            }
            return CMDQ_CERROR_NONE;
        default:
            qemu_log_mask(LOG_GUEST_ERROR,
                          "smmuv3: CMD_SYNC with reserved CS\n");
            return CMDQ_CERROR_ILL;
        }

    default:
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: illegal opcode 0x%x\n", op);
        return CMDQ_CERROR_ILL;
    }

    /* TLB invalidations by VMID/ASID/address */
    switch (op) {
    case CMD_TLBI_NH_ALL:
        smmu_tlb_inv_vmid_s1(bs, cmd_vmid(s, w0));
        smmuv3_notify_unmap_all(s);
        break;
    case CMD_TLBI_NH_ASID:
        smmu_tlb_inv_asid(bs, cmd_vmid(s, w0), FIELD_EX64(w0, CMD0, ASID));
        smmuv3_notify_unmap_all(s);
        break;
    case CMD_TLBI_NH_VA:
    case CMD_TLBI_NH_VAA:
        cmd_inv_range(w0, w1, CMD1_VA_MASK, &r);
        smmu_tlb_inv_va(bs, cmd_vmid(s, w0),
                        op == CMD_TLBI_NH_VA ?
                        (int)FIELD_EX64(w0, CMD0, ASID) : -1, &r);
        notify_range(s, &r);
        break;
    case CMD_TLBI_S12_VMALL:
        smmu_tlb_inv_vmid(bs, cmd_vmid(s, w0));
        smmuv3_notify_unmap_all(s);
        break;
    case CMD_TLBI_S2_IPA:
        cmd_inv_range(w0, w1, CMD1_IPA_MASK, &r);
        smmu_tlb_inv_ipa(bs, cmd_vmid(s, w0), &r);
        /* IPAs map back to any IOVA: every notifier must re-translate. */
        smmuv3_notify_unmap_all(s);
        break;
    default:
        g_assert_not_reached();
    }
    return CMDQ_CERROR_NONE;
}

static void smmuv3_cmdq_error(SMMUv3State *s, int err)
{
    s->cmdq.cons = FIELD_DP32(s->cmdq.cons, CMDQ_CONS, ERR, err);
    trace_smmuv3_cmdq_error(err, s->cmdq.cons);
    smmuv3_raise_gerror(s, GERROR_CMDQ_ERR);
}

void smmuv3_cmdq_consume(SMMUv3State *s)
{
    SMMUv3Queue *q = &s->cmdq;
    unsigned log2size = smmuv3_q_log2size(q->base, SMMUV3_CMDQS);
    uint64_t base = q->base & SMMU_QBASE_ADDR_MASK;
    uint32_t budget = 1u << log2size;

    if (!FIELD_EX32(s->cr[0], CR0, CMDQEN) ||
        ((s->gerror ^ s->gerrorn) & GERROR_CMDQ_ERR)) {
        return;
    }

    /* Bounded: one pass over the queue per doorbell. */
    while (budget-- &&
           !smmuv3_q_empty(q->prod, q->cons, log2size)) {
        uint64_t cmd[2];
        hwaddr addr = base + (hwaddr)smmuv3_q_idx(q->cons, log2size) *
                             CMD_BYTES;
        MemTxResult res;
        int err;

        res = dma_memory_read(&address_space_memory, addr, cmd, sizeof(cmd),
                              MEMTXATTRS_UNSPECIFIED);
        if (res != MEMTX_OK) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "smmuv3: command fetch at 0x%" HWADDR_PRIx
                          " aborted\n", addr);
            smmuv3_cmdq_error(s, CMDQ_CERROR_ABT);
            return;
        }
        err = smmuv3_exec_cmd(s, le64_to_cpu(cmd[0]), le64_to_cpu(cmd[1]));
        if (err != CMDQ_CERROR_NONE) {
            smmuv3_cmdq_error(s, err);
            return;
        }
        /* Advance RD with wrap; ERR is kept for software to read. */
        q->cons = (q->cons & R_CMDQ_CONS_ERR_MASK) |
                  smmuv3_q_ptr(q->cons + 1, log2size);
    }
}
