/*
 * SMMUv3 PRI queue: PCIe Page Requests in, PRG Responses out.
 *
 * Arm IHI 0070 chapter 8 (the queue, its overflow and the automatic
 * responses), 4.5.2 (CMD_PRI_RESP), 6.3.33-36 and 6.3.97-98 (registers).
 * Devices reach it through QEMU's PCIIOMMUOps PRI hooks
 * (pci_pri_request_page(), pci_pri_register_notifier()); a response goes
 * to the IOMMUPRINotifier the function registered for the response's
 * PASID, or else to its PASID-less one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/lockable.h"
#include "hw/pci/pci_bus.h"
#include "smmuv3-internal.h"
#include "trace.h"

#define PRIQ_RECORD_BYTES   16

/* PRI queue record (chapter 8), doubleword 0 then 1 */
FIELD(PRIQ0, SID, 0, 32)
FIELD(PRIQ0, SSID, 32, 20)
FIELD(PRIQ0, PRIV, 58, 1)
FIELD(PRIQ0, EXEC, 59, 1)
FIELD(PRIQ0, READ, 60, 1)
FIELD(PRIQ0, WRITE, 61, 1)
FIELD(PRIQ0, LAST, 62, 1)
FIELD(PRIQ0, SSV, 63, 1)
FIELD(PRIQ1, PRGI, 0, 9)
#define PRIQ1_ADDR_MASK     0xfffffffffffff000ULL   /* Page address[63:12] */

#define PRIQ_OVFLG          (1u << 31)  /* PRIQ_PROD.OVFLG, CONS.OVACKFLG */

/* One registered receiver of PRG Responses */
typedef struct SMMUv3PRIReceiver {
    SMMUDevice *sdev;
    uint32_t pasid;             /* PCI_NO_PASID: the function's */
    IOMMUPRINotifier *n;
} SMMUv3PRIReceiver;

/* One Page Request as it arrived (PCIe Page Request Message) */
typedef struct SMMUv3PPR {
    SMMUDevice *sdev;
    uint32_t sid;
    bool ssv;
    uint32_t ssid;
    uint64_t addr;
    uint16_t prgi;
    bool last, read, write, exec, priv;
} SMMUv3PPR;

static bool pri_ssids(SMMUv3State *s)
{
    return s->feat.ssidsize > 0;
}

void smmuv3_pri_set_notifier(SMMUState *bs, SMMUDevice *sdev, uint32_t pasid,
                             IOMMUPRINotifier *n)
{
    SMMUv3State *s = ARM_SMMUV3(bs);
    SMMUv3PRIReceiver *r = NULL;
    GSList *l;

    QEMU_LOCK_GUARD(&s->lock);
    for (l = s->pri_notifiers; l; l = l->next) {
        SMMUv3PRIReceiver *e = l->data;

        if (e->sdev == sdev && e->pasid == pasid) {
            r = e;
            break;
        }
    }
    if (!n) {
        if (r) {
            s->pri_notifiers = g_slist_remove(s->pri_notifiers, r);
            g_free(r);
        }
        return;
    }
    if (!r) {
        r = g_new0(SMMUv3PRIReceiver, 1);
        r->sdev = sdev;
        r->pasid = pasid;
        s->pri_notifiers = g_slist_prepend(s->pri_notifiers, r);
    }
    r->n = n;
}

void smmuv3_pri_free(SMMUv3State *s)
{
    g_slist_free_full(s->pri_notifiers, g_free);
    s->pri_notifiers = NULL;
}

/*
 * The receiver of a response to StreamID @sid (or to @sdev when not
 * NULL) with PASID @pasid: the function's notifier for that PASID, else
 * its PASID-less one.
 */
static IOMMUPRINotifier *pri_receiver(SMMUv3State *s, SMMUDevice *sdev,
                                      uint32_t sid, uint32_t pasid)
{
    IOMMUPRINotifier *fallback = NULL;

    for (GSList *l = s->pri_notifiers; l; l = l->next) {
        SMMUv3PRIReceiver *e = l->data;

        if (sdev ? e->sdev != sdev : smmu_get_sid(e->sdev) != sid) {
            continue;
        }
        if (e->pasid == pasid) {
            return e->n;
        }
        if (e->pasid == PCI_NO_PASID) {
            fallback = e->n;
        }
    }
    return fallback;
}

/* Send a PRG Response Message; @pasid PCI_NO_PASID: without a PASID */
static void pri_respond(SMMUv3State *s, SMMUDevice *sdev, uint32_t sid,
                        uint32_t pasid, uint16_t prgi,
                        IOMMUPRIResponseCode code)
{
    IOMMUPRINotifier *n = pri_receiver(s, sdev, sid, pasid);
    IOMMUPRIResponse resp = {
        .response_code = code,
        .prgi = prgi & PCI_PRI_PRGI_MASK,
    };

    trace_smmuv3_pri_resp(sid, pasid, prgi, code, n != NULL);
    if (n) {
        n->notify(n, &resp);
    }
}

/* LWR == 0b100 with a PASID: a Stop Marker, never answered (8.2) */
static bool ppr_is_stop_marker(const SMMUv3PPR *p)
{
    return p->ssv && p->last && !p->read && !p->write;
}

/*
 * 8.2: an automatic response when the request cannot be queued.  Failure
 * responses never carry a PASID; the overflow one (Success) carries the
 * request's, as IDR3.PPS is 1 (8.1).
 */
static void ppr_auto_respond(SMMUv3State *s, const SMMUv3PPR *p,
                             IOMMUPRIResponseCode code)
{
    uint32_t pasid = code == IOMMU_PRI_RESP_SUCCESS && p->ssv ? p->ssid
                                                              : PCI_NO_PASID;

    if (ppr_is_stop_marker(p)) {
        return;
    }
    trace_smmuv3_priq_auto_resp(p->sid, p->prgi, code);
    pri_respond(s, p->sdev, p->sid, pasid, p->prgi, code);
}

static void priq_signal(SMMUv3State *s)
{
    if (FIELD_EX32(s->irq_ctrl, IRQ_CTRL, PRIQ_IRQEN)) {
        smmuv3_signal_irq(s, SMMUV3_IRQ_PRIQ, s->priq_irq.addr,
                          s->priq_irq.data, GERROR_MSI_PRIQ_ABT_ERR);
    }
}

static bool priq_lo(SMMUv3State *s)
{
    return FIELD_EX32(s->priq_irq.attr, PRIQ_IRQ_CFG2, LO);
}

static void ppr_encode(const SMMUv3PPR *p, uint64_t rec[2])
{
    rec[0] = FIELD_DP64(0, PRIQ0, SID, p->sid);
    rec[0] = FIELD_DP64(rec[0], PRIQ0, SSV, p->ssv);
    rec[0] = FIELD_DP64(rec[0], PRIQ0, SSID, p->ssv ? p->ssid : 0);
    rec[0] = FIELD_DP64(rec[0], PRIQ0, PRIV, p->priv);
    rec[0] = FIELD_DP64(rec[0], PRIQ0, EXEC, p->exec);
    rec[0] = FIELD_DP64(rec[0], PRIQ0, READ, p->read);
    rec[0] = FIELD_DP64(rec[0], PRIQ0, WRITE, p->write);
    rec[0] = FIELD_DP64(rec[0], PRIQ0, LAST, p->last);
    rec[1] = FIELD_DP64(p->addr & PRIQ1_ADDR_MASK, PRIQ1, PRGI, p->prgi);
}

/* Queue @p, or discard it as chapter 8 says; s->lock held */
static void priq_put(SMMUv3State *s, const SMMUv3PPR *p)
{
    SMMUv3Queue *q = &s->priq;
    unsigned log2size = smmuv3_q_log2size(q->base, SMMUV3_PRIQS);
    uint64_t rec[2], addr;
    bool was_empty;

    /*
     * 8.2: with the effective PRIQEN 0 (SMMUEN 0 included) or
     * PRIQ_ABT_ERR active, nothing is written and every request is
     * answered with Response Failure.
     */
    if (!FIELD_EX32(s->cr[0], CR0, SMMUEN) ||
        !FIELD_EX32(s->cr[0], CR0, PRIQEN) ||
        ((s->gerror ^ s->gerrorn) & GERROR_PRIQ_ABT_ERR)) {
        ppr_auto_respond(s, p, IOMMU_PRI_RESP_FAILURE);
        return;
    }
    /*
     * 8.1: a request arriving at a full queue makes OVFLG differ from
     * OVACKFLG; while they differ nothing more is written.  A discarded
     * Last == 1 request is answered with Success, and raises the
     * interrupt when PRIQ_IRQ_CFG2.LO is set (6.3.36).
     */
    if (smmuv3_q_full(q->prod, q->cons, log2size) &&
        !((q->prod ^ q->cons) & PRIQ_OVFLG)) {
        q->prod ^= PRIQ_OVFLG;
        trace_smmuv3_priq_overflow(q->prod, q->cons);
    }
    if ((q->prod ^ q->cons) & PRIQ_OVFLG) {
        if (p->last && !ppr_is_stop_marker(p)) {
            ppr_auto_respond(s, p, IOMMU_PRI_RESP_SUCCESS);
            if (priq_lo(s)) {
                priq_signal(s);
            }
        }
        return;
    }

    was_empty = smmuv3_q_empty(q->prod, q->cons, log2size);
    ppr_encode(p, rec);
    trace_smmuv3_priq_record(p->sid, p->ssv ? p->ssid : 0, rec[0], rec[1]);
    rec[0] = cpu_to_le64(rec[0]);
    rec[1] = cpu_to_le64(rec[1]);
    addr = smmuv3_q_base(q->base, log2size, PRIQ_RECORD_BYTES) +
           (uint64_t)smmuv3_q_idx(q->prod, log2size) * PRIQ_RECORD_BYTES;
    /*
     * 8.2: the write aborts synchronously here (a queue on device
     * registers, smmu_ram_rw()): PRIQ_ABT_ERR and Response Failure.
     */
    if (smmu_ram_rw(addr, rec, sizeof(rec), true) != MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: PRI queue write at 0x%" PRIx64 " aborted\n",
                      addr);
        smmuv3_raise_gerror(s, GERROR_PRIQ_ABT_ERR);
        ppr_auto_respond(s, p, IOMMU_PRI_RESP_FAILURE);
        return;
    }
    q->prod = (q->prod & PRIQ_OVFLG) | smmuv3_q_ptr(q->prod + 1, log2size);

    /*
     * 6.3.36 LO: 0, when the queue becomes non-empty; 1, for each
     * Last == 1 request, after its record is visible.
     */
    if (priq_lo(s) ? p->last : was_empty) {
        priq_signal(s);
    }
}

/* SMMUBaseClass.pri_request: one PCIe Page Request Message */
int smmuv3_pri_request(SMMUState *bs, SMMUDevice *sdev, uint32_t pasid,
                       bool priv_req, bool exec_req, hwaddr addr, bool last,
                       uint16_t prgi, bool is_read, bool is_write)
{
    SMMUv3State *s = ARM_SMMUV3(bs);
    SMMUv3PPR p = {
        .sdev = sdev,
        .sid = smmu_get_sid(sdev),
        /* Chapter 8: SSV is 0 when the SMMU has no SubstreamIDs */
        .ssv = pasid != PCI_NO_PASID && pri_ssids(s),
        .addr = addr,
        .prgi = prgi & PCI_PRI_PRGI_MASK,
        .last = last,
        .read = is_read,
        .write = is_write,
    };

    if (!s->feat.pri) {
        return -ENODEV;
    }
    /* Chapter 8: X and Priv are 0 when SSV is 0 (PASID TLP bits) */
    if (p.ssv) {
        p.ssid = pasid & 0xfffff;
        p.exec = exec_req;
        p.priv = priv_req;
    }
    QEMU_LOCK_GUARD(&s->lock);
    priq_put(s, &p);
    return 0;
}

/*
 * CMD_PRI_RESP (4.5.2): Resp 0b00 Response Failure, 0b01 Invalid
 * Request, 0b10 Success (8.3), 0b11 ILLEGAL.  IGNORED while SMMUEN is 0.
 * Without SubstreamIDs SSV == 1 acts as SSV == 0 (one of the two
 * CONSTRAINED UNPREDICTABLE choices).
 */
int smmuv3_cmd_pri_resp(SMMUv3State *s, uint64_t w0, uint64_t w1)
{
    static const IOMMUPRIResponseCode code_of[] = {
        IOMMU_PRI_RESP_FAILURE,
        IOMMU_PRI_RESP_INVALID_REQUEST,
        IOMMU_PRI_RESP_SUCCESS,
    };
    unsigned resp = FIELD_EX64(w1, CMD1, PRI_RESP);
    bool ssv = FIELD_EX64(w0, CMD0, SSV) && pri_ssids(s);

    if (resp >= ARRAY_SIZE(code_of)) {
        qemu_log_mask(LOG_GUEST_ERROR, "smmuv3: CMD_PRI_RESP Resp 0b11\n");
        return CMDQ_CERROR_ILL;
    }
    if (!FIELD_EX32(s->cr[0], CR0, SMMUEN)) {
        return CMDQ_CERROR_NONE;
    }
    pri_respond(s, NULL, FIELD_EX64(w0, CMD0, SID),
                ssv ? FIELD_EX64(w0, CMD0, SSID) : PCI_NO_PASID,
                FIELD_EX64(w1, CMD1, PRI_PRGI), code_of[resp]);
    return CMDQ_CERROR_NONE;
}
