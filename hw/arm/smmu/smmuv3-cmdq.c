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
#include "hw/pci/pci_bus.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define CMD_BYTES 16

/*
 * Opcodes for features this SMMU does not advertise, which the
 * architecture makes CERROR_ILL: TLBI_EL3_* (no Secure state / EL3),
 * TLBI_EL2_* (SMMU_IDR0.HYP == 0), ATC_INV (ats=off), PRI_RESP (pri=off),
 * RESUME and STALL_TERM (4.7.1-2: with STALL_MODEL 0b01, stall=none).
 */
static bool cmd_for_absent_feature(const SMMUv3Features *f, uint8_t op)
{
    return op == CMD_TLBI_EL3_ALL || op == CMD_TLBI_EL3_VA ||
           (op >= CMD_TLBI_EL2_ALL && op <= CMD_TLBI_EL2_VAA) ||
           (op == CMD_ATC_INV && !f->ats) || (op == CMD_PRI_RESP && !f->pri) ||
           ((op == CMD_RESUME || op == CMD_STALL_TERM) &&
            f->stall_model == 1);
}

/* VMID a command names: only meaningful when stage 2 exists (6.3.1). */
static uint16_t cmd_vmid(SMMUv3State *s, uint64_t w0)
{
    return s->feat.s2 ? FIELD_EX64(w0, CMD0, VMID) : 0;
}

/*
 * Decode the address invalidation fields; false for the Reserved
 * encodings that IHI 0070 4.4.1.1 makes CERROR_ILL.
 */
static bool cmd_inv_range(uint64_t w0, uint64_t w1, uint64_t addr_mask,
                          bool ds, SMMUInvRange *r)
{
    r->addr = w1 & addr_mask;
    r->tg = FIELD_EX64(w1, CMD1, TG);
    r->ttl = r->tg ? FIELD_EX64(w1, CMD1, TTL) : 0;
    r->leaf = FIELD_EX64(w1, CMD1, LEAF);
    /* 4.4.2: NUM and SCALE only mean something in the range form. */
    r->num = r->tg ? FIELD_EX64(w0, CMD0, NUM) : 0;
    r->scale = r->tg ? FIELD_EX64(w0, CMD0, SCALE) : 0;
    /* 4.4.1.1: without IDR5.DS, TTL 0b01 with a 16K TG counts as 0b00 */
    if (r->tg == 2 && r->ttl == 1 && !ds) {
        r->ttl = 0;
    }
    /* One granule (NUM = SCALE = 0) without a level hint is Reserved */
    return !(r->tg && !r->num && !r->scale && !r->ttl);
}

static int cmd_reserved_range(uint8_t op)
{
    qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: command 0x%02x with a Reserved "
                  "range: TG set, NUM = SCALE = 0 and no level hint\n", op);
    return CMDQ_CERROR_ILL;
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
    uint32_t last = MIN(first + span - 1, UINT32_MAX);

    if (unlikely(s->coh.mode)) {
        smmuv3_coh_cfgi(s, first, last, true, 0);
    }
    smmuv3_cfg_cache_inv_sid_range(s, first, last);
    smmu_inv_notifiers_sid_range(&s->smmu_state, first, last);
}

/*
 * CMD_ATC_INV (IHI 0070 4.5.1): Size above 52 may be CERROR_ILL, and is.
 * IGNORED while SMMUEN is 0.  Global is not passed on: completions never
 * set it (3.9.1), so no ATC holds a global entry.
 */
static int smmuv3_cmd_atc_inv(SMMUv3State *s, uint64_t w0, uint64_t w1)
{
    unsigned size = FIELD_EX64(w1, CMD1, ATC_SIZE);
    uint64_t span, addr;

    if (size > 52) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: CMD_ATC_INV Size %u\n",
                      size);
        return CMDQ_CERROR_ILL;
    }
    if (!FIELD_EX32(s->cr[0], CR0, SMMUEN)) {
        return CMDQ_CERROR_NONE;
    }
    /* 52: every address; otherwise aligned down to the span */
    span = size == 52 ? 0 : 4096ULL << size;
    addr = size == 52 ? 0 : w1 & CMD1_VA_MASK & ~(span - 1);
    smmuv3_atc_inv(s, FIELD_EX64(w0, CMD0, SID),
                   FIELD_EX64(w0, CMD0, SSV) ? FIELD_EX64(w0, CMD0, SSID)
                                             : PCI_NO_PASID,
                   addr, span);
    return CMDQ_CERROR_NONE;
}

/*
 * Execute one command.  Returns CMDQ_CERROR_NONE or the error code that
 * stops the queue.
 */
static int smmuv3_cmd_sync(SMMUv3State *s, uint64_t w0, uint64_t w1)
{
    unsigned cs = FIELD_EX64(w0, SYNC0, CS);

    if (cs == SYNC_CS_IRQ) {
        /* 4.7.3: the wired line is pulsed whatever MSIAddress holds */
        smmuv3_signal_irq(s, SMMUV3_IRQ_CMD_SYNC, w1 & CMD1_MSIADDR_MASK,
                          FIELD_EX64(w0, SYNC0, MSIDATA),
                          GERROR_MSI_CMDQ_ABT_ERR);
    } else if (cs != SYNC_CS_NONE && cs != SYNC_CS_SEV) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: CMD_SYNC with reserved CS\n");
        return CMDQ_CERROR_ILL;
    }
    /* SIG_SEV: no WFE-based waiters to wake in an emulated system. */
    return CMDQ_CERROR_NONE;
}

/*
 * Execute one command.  Returns CMDQ_CERROR_NONE or the error code that
 * stops the queue.
 */
/*
 * Whether this SMMU has what command @op needs.  4.4: the NH forms need
 * stage 1, S12_VMALL and S2_IPA stage 2.  4.3.3, 4.3.4: so do CFGI_CD
 * and CFGI_CD_ALL (CDs are stage 1).  4.2, 4.3: SSec may only be set on
 * the Secure queue, which this SMMU does not have.
 */
static bool cmd_supported(const SMMUv3Features *f, uint8_t op, uint64_t w0)
{
    /* 4.4.2.7-10: TLBI_EL2_* are CERROR_ILL unless SMMU_IDR0.HYP */
    bool el2 = op >= CMD_TLBI_EL2_ALL && op <= CMD_TLBI_EL2_VAA;
    bool nh = op >= CMD_TLBI_NH_ALL && op <= CMD_TLBI_NH_VAA;
    bool s2_only = op == CMD_TLBI_S12_VMALL || op == CMD_TLBI_S2_IPA;
    bool cfgi_cd = op == CMD_CFGI_CD || op == CMD_CFGI_CD_ALL;

    return (el2 ? f->hyp : !cmd_for_absent_feature(f, op)) &&
           !((nh || cfgi_cd) && !f->s1) &&
           !(s2_only && !f->s2) &&
           !(op <= CMD_CFGI_CD_ALL && FIELD_EX64(w0, CMD0, SSEC));
}

static int smmuv3_exec_cmd(SMMUv3State *s, uint64_t w0, uint64_t w1)
{
    uint8_t op = FIELD_EX64(w0, CMD0, OPCODE);
    SMMUState *bs = &s->smmu_state;
    uint32_t sid = FIELD_EX64(w0, CMD0, SID);
    SMMUInvRange r;

    trace_smmuv3_cmd(op, w0, w1);
    if (!cmd_supported(&s->feat, op, w0)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: command 0x%02x needs a feature this SMMU "
                      "does not have\n", op);
        return CMDQ_CERROR_ILL;
    }

    switch (op) {
    case CMD_SYNC:
        return smmuv3_cmd_sync(s, w0, w1);
    case CMD_ATC_INV:
        return smmuv3_cmd_atc_inv(s, w0, w1);
    case CMD_PRI_RESP:
        return smmuv3_cmd_pri_resp(s, w0, w1);
    case CMD_RESUME:
        return smmuv3_cmd_resume(s, w0, w1);
    case CMD_STALL_TERM:
        return smmuv3_cmd_stall_term(s, w0);
    case CMD_PREFETCH_CONFIG:
    case CMD_PREFETCH_ADDR:
        /* 4.2: prefetches are hints; this model fetches on demand. */
        break;
    /*
     * 4.3.8: after CFGI_* and CMD_SYNC nothing derived from the old
     * configuration may translate, so notifier users (vhost's IOTLB,
     * which also holds bypass identity entries) of those StreamIDs drop
     * what they hold; notifiers are per device, so CFGI_CD drops all.
     */
    case CMD_CFGI_STE:
    case CMD_CFGI_CD_ALL:
        if (unlikely(s->coh.mode)) {
            smmuv3_coh_cfgi(s, sid, sid, true, 0);
        }
        smmuv3_cfg_cache_inv_sid_range(s, sid, sid);
        smmu_inv_notifiers_sid_range(bs, sid, sid);
        break;
    case CMD_CFGI_STE_RANGE:
        cmd_cfgi_ste_range(s, w0, w1);
        break;
    case CMD_CFGI_CD:
        if (unlikely(s->coh.mode)) {
            smmuv3_coh_cfgi(s, sid, sid, false, FIELD_EX64(w0, CMD0, SSID));
        }
        smmuv3_cfg_cache_inv_ssid(s, sid, FIELD_EX64(w0, CMD0, SSID));
        smmu_inv_notifiers_sid_range(bs, sid, sid);
        break;
    case CMD_TLBI_NSNH_ALL:
        /* 4.4.4.1: not the NS-EL2 or NS-EL2-E2H entries */
        smmu_tlb_inv_nsnh_all(bs);
        smmuv3_notify_unmap_all(s);
        break;
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
        if (!cmd_inv_range(w0, w1, CMD1_VA_MASK, s->feat.ds, &r)) {
            return cmd_reserved_range(op);
        }
        smmu_tlb_inv_va(bs, cmd_vmid(s, w0),
                        op == CMD_TLBI_NH_VA ?
                        (int)FIELD_EX64(w0, CMD0, ASID) : -1, &r);
        notify_range(s, &r);
        break;
    case CMD_TLBI_EL2_ALL:
        smmu_tlb_inv_el2_all(bs);
        smmuv3_notify_unmap_all(s);
        break;
    case CMD_TLBI_EL2_ASID:
        smmu_tlb_inv_el2_asid(bs, FIELD_EX64(w0, CMD0, ASID));
        smmuv3_notify_unmap_all(s);
        break;
    case CMD_TLBI_EL2_VA:
    case CMD_TLBI_EL2_VAA:
        if (!cmd_inv_range(w0, w1, CMD1_VA_MASK, s->feat.ds, &r)) {
            return cmd_reserved_range(op);
        }
        /* 4.4.2.8-9: SMMU_CR2.E2H says which EL2 regime they reach */
        smmu_tlb_inv_el2_va(bs, FIELD_EX32(s->cr[2], CR2, E2H) ?
                            SMMU_REGIME_EL2_E2H : SMMU_REGIME_EL2,
                            op == CMD_TLBI_EL2_VA ?
                            (int)FIELD_EX64(w0, CMD0, ASID) : -1, &r);
        notify_range(s, &r);
        break;
    case CMD_TLBI_S12_VMALL:
        smmu_tlb_inv_vmid(bs, cmd_vmid(s, w0));
        smmuv3_notify_unmap_all(s);
        break;
    case CMD_TLBI_S2_IPA:
        if (!cmd_inv_range(w0, w1, CMD1_IPA_MASK, s->feat.ds, &r)) {
            return cmd_reserved_range(op);
        }
        smmu_tlb_inv_ipa(bs, cmd_vmid(s, w0), &r);
        /* IPAs map back to any IOVA: every notifier must re-translate. */
        smmuv3_notify_unmap_all(s);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: illegal opcode 0x%02x\n",
                      op);
        return CMDQ_CERROR_ILL;
    }
    return CMDQ_CERROR_NONE;
}

static void smmuv3_cmdq_error(SMMUv3State *s, int err)
{
    s->cmdq.cons = FIELD_DP32(s->cmdq.cons, CMDQ_CONS, ERR, err);
    trace_smmuv3_cmdq_error(err, s->cmdq.cons);
    smmuv3_raise_gerror(s, GERROR_CMDQ_ERR);
}

/* Bounded: at most one pass over the queue per doorbell. */
static void smmuv3_cmdq_run(SMMUv3State *s)
{
    SMMUv3Queue *q = &s->cmdq;
    unsigned log2size = smmuv3_q_log2size(q->base, SMMUV3_CMDQS);
    uint64_t base = smmuv3_q_base(q->base, log2size, CMD_BYTES);
    uint32_t budget = 1u << log2size;

    while (budget-- && !smmuv3_q_empty(q->prod, q->cons, log2size)) {
        uint64_t cmd[2];
        hwaddr addr = base + (hwaddr)smmuv3_q_idx(q->cons, log2size) *
                             CMD_BYTES;
        MemTxResult res;
        int err;

        /* A queue on device registers aborts (smmu_ram_rw) */
        res = smmu_ram_rw(addr, cmd, sizeof(cmd), false);
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

void smmuv3_cmdq_consume(SMMUv3State *s)
{
    if (s->cmdq_running || !FIELD_EX32(s->cr[0], CR0, CMDQEN) ||
        ((s->gerror ^ s->gerrorn) & GERROR_CMDQ_ERR)) {
        return;
    }
    s->cmdq_running = true;
    smmuv3_cmdq_run(s);
    s->cmdq_running = false;
}
