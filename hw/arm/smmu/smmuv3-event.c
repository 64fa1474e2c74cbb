/*
 * SMMUv3 event queue, global errors and interrupt delivery.
 *
 * Arm IHI 0070 chapter 7: event records are 32 bytes written at
 * EVENTQ_PROD; a full queue loses the record and flags an overflow; a
 * failed write is a global error.  Each interrupt pulses its wired line
 * and, when the guest programmed an MSI address, also sends the MSI.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/lockable.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "system/dma.h"
#include "system/address-spaces.h"
#include "hw/irq.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define EVT_RECORD_BYTES 32

/*
 * Write one MSI.  MSIs are the only SMMU-originated accesses that may
 * reach device registers (an ITS or GICD_SETSPI), so they only happen
 * with the BQL held.  IHI 0070 3.18: they carry the SMMU's own DeviceID.
 */
static void smmuv3_write_msi(SMMUv3State *s, uint64_t addr, uint32_t data,
                             uint32_t abt_bit)
{
    MemTxAttrs attrs = { .requester_id = s->msi_requester_id };
    uint32_t le_data = cpu_to_le32(data);
    MemTxResult res;

    res = dma_memory_write(&address_space_memory, addr, &le_data,
                           sizeof(le_data), attrs);
    trace_smmuv3_msi(addr, data, res);
    if (res != MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: MSI write to 0x%" PRIx64 " aborted\n", addr);
        smmuv3_raise_gerror(s, abt_bit);
    }
}

/* Deliver what is pending on @line; BQL and s->lock held. */
static void smmuv3_deliver_irq(SMMUv3State *s, unsigned line)
{
    SMMUv3PendingIrq p = s->irq_pending[line];

    memset(&s->irq_pending[line], 0, sizeof(p));
    if (p.wired) {
        qemu_irq_pulse(s->irq[line]);
    }
    if (p.msi) {
        smmuv3_write_msi(s, p.addr, p.data, p.abt_bit);
    }
}

void smmuv3_flush_irqs(SMMUv3State *s)
{
    for (unsigned line = 0; line < ARRAY_SIZE(s->irq_pending); line++) {
        if (s->irq_pending[line].wired || s->irq_pending[line].msi) {
            smmuv3_deliver_irq(s, line);
        }
    }
}

/* Main loop, BQL held: interrupts raised by threads without it */
void smmuv3_irq_bh(void *opaque)
{
    SMMUv3State *s = opaque;

    QEMU_LOCK_GUARD(&s->lock);
    smmuv3_flush_irqs(s);
}

/*
 * IHI 0070 3.18.2: an enabled source pulses its wired output and, when
 * SMMU_IDR0.MSI == 1 and its MSI address (cfg0) is non-zero, also sends
 * its MSI.  Called with s->lock held.  Line pulses and MSIs need the
 * BQL, which this thread may not hold and must not take under s->lock
 * (an iothread translating): then the bottom half delivers them.  Signals
 * of one source that wait together are coalesced, as 3.18 allows.
 */
void smmuv3_signal_irq(SMMUv3State *s, unsigned line, uint64_t cfg0,
                       uint32_t data, uint32_t abt_bit)
{
    SMMUv3PendingIrq *p = &s->irq_pending[line];
    uint64_t addr = cfg0 & SMMU_MSI_ADDR_MASK;

    p->wired = true;
    if (s->feat.msi && addr) {
        p->msi = true;
        p->addr = addr;
        p->data = data;
        p->abt_bit = abt_bit;
    }
    if (bql_locked()) {
        smmuv3_deliver_irq(s, line);
    } else {
        qemu_bh_schedule(s->irq_bh);
    }
}

/*
 * IHI 0070 7.5: an error is active while GERROR and GERRORN differ in its
 * bit; the SMMU toggles GERROR to activate it, software toggles GERRORN
 * to acknowledge.  An already-active error is not raised again.
 */
void smmuv3_raise_gerror(SMMUv3State *s, uint32_t bit)
{
    uint32_t active = s->gerror ^ s->gerrorn;

    if (active & bit) {
        return;
    }
    s->gerror ^= bit;
    trace_smmuv3_gerror(bit, s->gerror);

    if (!FIELD_EX32(s->irq_ctrl, IRQ_CTRL, GERROR_IRQEN)) {
        return;
    }
    /* A failed GERROR MSI is itself recorded, without a new interrupt. */
    if (bit == GERROR_MSI_GERROR_ABT_ERR) {
        return;
    }
    smmuv3_signal_irq(s, SMMUV3_IRQ_GERROR, s->gerror_irq.addr,
                      s->gerror_irq.data, GERROR_MSI_GERROR_ABT_ERR);
}

/* F_WALK_EABT (0x0b) and F_TRANSLATION..F_PERMISSION (0x10-0x13) */
static bool evt_is_walk_fault(uint8_t type)
{
    return type == EVT_F_WALK_EABT ||
           (type >= EVT_F_TRANSLATION && type <= EVT_F_PERMISSION);
}

/* Lay out @ev as the 4 doublewords of IHI 0070 7.3 */
void smmuv3_encode_event(const SMMUv3Event *ev, uint64_t rec[4])
{
    memset(rec, 0, 4 * sizeof(uint64_t));
    rec[0] = FIELD_DP64(rec[0], EVT0, TYPE, ev->type);
    rec[0] = FIELD_DP64(rec[0], EVT0, SID, ev->sid);
    if (ev->ssv) {
        rec[0] = FIELD_DP64(rec[0], EVT0, SSV, 1);
        rec[0] = FIELD_DP64(rec[0], EVT0, SSID, ev->ssid);
    }

    if (ev->type == EVT_F_STE_FETCH || ev->type == EVT_F_CD_FETCH) {
        /* 7.3.4, 7.3.10: FetchAddr[55:3] is bits [247:195], doubleword 3 */
        rec[3] = ev->fetch_addr & EVT_FETCH_ADDR_MASK;
    } else if (evt_is_walk_fault(ev->type)) {
        /* 7.3.12-7.3.16: access properties, InputAddr, then IPA/Fetch */
        rec[1] = FIELD_DP64(rec[1], EVT1, PNU, ev->pnu);
        rec[1] = FIELD_DP64(rec[1], EVT1, IND, ev->ind);
        rec[1] = FIELD_DP64(rec[1], EVT1, RNW, ev->rnw);
        rec[1] = FIELD_DP64(rec[1], EVT1, S2, ev->s2);
        rec[1] = FIELD_DP64(rec[1], EVT1, CLASS, ev->class);
        /*
         * TTRnW: 1 for a descriptor read, 0 for an HTTU update (7.3.16;
         * a CD fetch is a read).
         */
        if (ev->class != SMMU_CLASS_IN || ev->type == EVT_F_WALK_EABT) {
            rec[1] = FIELD_DP64(rec[1], EVT1, TTRNW, !ev->tt_write);
        }
        if (ev->stall) {
            /* 7.3.13-16: Stall and STAG; never for F_WALK_EABT */
            rec[1] = FIELD_DP64(rec[1], EVT1, STALL, 1);
            rec[1] = FIELD_DP64(rec[1], EVT1, STAG, ev->stag);
        }
        rec[2] = ev->input_addr;
        if (ev->type == EVT_F_WALK_EABT) {
            rec[3] = ev->fetch_addr & EVT_FETCH_ADDR_MASK;
        } else if (ev->s2) {
            rec[3] = ev->ipa & EVT_IPA_MASK;
        }
    }
    if (ev->type == EVT_F_TRANSL_FORBIDDEN) {
        /* 7.3.8: RnW at bit 99, InputAddr in doubleword 2 */
        rec[1] = FIELD_DP64(rec[1], EVT1, RNW, ev->rnw);
        rec[2] = ev->input_addr;
    } else if (ev->type == EVT_F_BAD_ATS_TREQ) {
        /* 7.3.6: Span and InputAddr[63:12] (see smmuv3_bad_ats_treq()) */
        rec[1] = FIELD_DP64(rec[1], EVT1, ATS_SPAN, ev->span);
        rec[2] = ev->input_addr & ~0xfffULL;
    }
    /* C_BAD_*, F_STREAM_DISABLED: identification only */
}

/* Keep @ev in the recent-events ring (introspection), as it went */
static SMMUv3RecentEvent *smmuv3_recent_event(SMMUv3State *s,
                                              const SMMUv3Event *ev,
                                              SMMUv3EventOutcome outcome)
{
    SMMUv3RecentEvent *r = &s->recent[s->event_count++ %
                                      SMMUV3_RECENT_EVENTS];

    smmuv3_encode_event(ev, r->rec);
    r->time_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    r->outcome = outcome;
    return r;
}

/*
 * IHI 0070 7.2: the queue takes a record when enabled, not full and
 * without an unacknowledged EVENTQ_ABT_ERR.
 */
bool smmuv3_eventq_writable(SMMUv3State *s)
{
    SMMUv3Queue *q = &s->eventq;

    return FIELD_EX32(s->cr[0], CR0, EVENTQEN) &&
           !((s->gerror ^ s->gerrorn) & GERROR_EVENTQ_ABT_ERR) &&
           !smmuv3_q_full(q->prod, q->cons,
                          smmuv3_q_log2size(q->base, SMMUV3_EVENTQS));
}

void smmuv3_record_event(SMMUv3State *s, const SMMUv3Event *ev)
{
    SMMUv3Queue *q = &s->eventq;
    unsigned log2size = smmuv3_q_log2size(q->base, SMMUV3_EVENTQS);
    SMMUv3RecentEvent *recent;
    uint64_t rec[4];
    uint64_t addr;
    MemTxResult res;
    int i;

    trace_smmuv3_event(ev->type, ev->sid, ev->ssv ? ev->ssid : 0,
                       ev->input_addr);

    /* IHI 0070 7.2: nothing is recorded while the queue is disabled. */
    if (!FIELD_EX32(s->cr[0], CR0, EVENTQEN)) {
        smmuv3_recent_event(s, ev, SMMUV3_EVT_LOST_DISABLED);
        return;
    }
    /* A queue that could not be written stays silent until acknowledged */
    if ((s->gerror ^ s->gerrorn) & GERROR_EVENTQ_ABT_ERR) {
        smmuv3_recent_event(s, ev, SMMUV3_EVT_LOST_ABT);
        return;
    }
    recent = smmuv3_recent_event(s, ev, SMMUV3_EVT_QUEUED);
    if (smmuv3_q_full(q->prod, q->cons, log2size)) {
        recent->outcome = SMMUV3_EVT_LOST_OVERFLOW;
        /* 7.4: signal a new overflow by making OVFLG != OVACKFLG */
        if (FIELD_EX32(q->prod, EVENTQ_PROD, OVFLG) ==
            FIELD_EX32(q->cons, EVENTQ_CONS, OVACKFLG)) {
            q->prod ^= R_EVENTQ_PROD_OVFLG_MASK;
        }
        trace_smmuv3_eventq_overflow(q->prod, q->cons);
        return;
    }

    smmuv3_encode_event(ev, rec);
    for (i = 0; i < 4; i++) {
        rec[i] = cpu_to_le64(rec[i]);
    }
    addr = smmuv3_q_base(q->base, log2size, EVT_RECORD_BYTES) +
           (uint64_t)smmuv3_q_idx(q->prod, log2size) * EVT_RECORD_BYTES;
    /* A queue on device registers aborts (smmu_ram_rw) */
    res = smmu_ram_rw(addr, rec, sizeof(rec), true);
    if (res != MEMTX_OK) {
        recent->outcome = SMMUV3_EVT_WRITE_ABORT;
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: event queue write at 0x%" PRIx64
                      " aborted\n", addr);
        smmuv3_raise_gerror(s, GERROR_EVENTQ_ABT_ERR);
        return;
    }

    /* Advance WR with wrap, keeping the overflow flag. */
    q->prod = (q->prod & R_EVENTQ_PROD_OVFLG_MASK) |
              (smmuv3_q_ptr(q->prod + 1, log2size));

    if (FIELD_EX32(s->irq_ctrl, IRQ_CTRL, EVENTQ_IRQEN)) {
        smmuv3_signal_irq(s, SMMUV3_IRQ_EVTQ, s->eventq_irq.addr,
                          s->eventq_irq.data, GERROR_MSI_EVENTQ_ABT_ERR);
    }
}

/*
 * Complete @ev, which already names the transaction (SID, SubstreamID),
 * as the translation-related event for engine fault @f (7.3.12-16).
 * Returns false when the configuration asked not to record it (CD.R,
 * STE.S2R).
 */
bool smmuv3_fault_to_event(const SMMUFault *f, SMMUv3Event *ev)
{
    static const uint8_t type_of[] = {
        [SMMU_FAULT_TRANSLATION] = EVT_F_TRANSLATION,
        [SMMU_FAULT_ADDR_SIZE]   = EVT_F_ADDR_SIZE,
        [SMMU_FAULT_ACCESS]      = EVT_F_ACCESS,
        [SMMU_FAULT_PERMISSION]  = EVT_F_PERMISSION,
        [SMMU_FAULT_WALK_EABT]   = EVT_F_WALK_EABT,
    };

    if (f->type >= ARRAY_SIZE(type_of) || !type_of[f->type] || !f->record) {
        return false;
    }
    ev->type = type_of[f->type];
    ev->s2 = f->stage == 2;
    ev->class = f->cls;
    ev->rnw = !f->is_write;
    ev->ind = f->ind;
    ev->pnu = f->pnu;
    ev->input_addr = f->input_addr;
    ev->ipa = f->ipa;
    ev->fetch_addr = f->fetch_addr;
    ev->tt_write = f->tt_write;
    return true;
}
