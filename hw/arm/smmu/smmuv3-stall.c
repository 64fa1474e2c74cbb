/*
 * SMMUv3 Stall model (Arm IHI 0070 3.12.2, 4.7.1, 4.7.2).
 *
 * A translation that faults with CD.S (stage 1) or STE.S2S (stage 2)
 * set is held as a stalled transaction when its master registered a
 * stall client (IOMMUStallClient, include/hw/iommu-stall.h) and accepts
 * it: the translation is refused to QEMU's memory core at once, so no
 * thread ever waits, and the master parks the request.  The SMMU keeps
 * it in a table of SMMUV3_STALL_MAX (StreamID, STAG) until CMD_RESUME,
 * CMD_STALL_TERM, SMMUEN going to 0 or reset ends it, and then tells the
 * master to issue the request again (Retry) or to fail it (abort).
 *
 * Choices the architecture leaves to the implementation:
 * - a full table, or a master that cannot hold the request: the fault
 *   terminates the transaction and is reported with Stall == 0 (3.12);
 * - STAGs count up and skip those in use, so they are unique among the
 *   outstanding stalls of all StreamIDs (3.12.2);
 * - no duplicate suppression (3.12.2.1: permitted, not required), and
 *   no early retry but the one below;
 * - a stall whose record the event queue cannot take (full, disabled,
 *   or EVENTQ_ABT_ERR active) is held without a record and retried when
 *   the queue can take one again (3.12.2, 7.2), which records a new
 *   stall if it faults again.  Stall records never overflow (7.4);
 * - RAZ/WI termination does not exist (SMMU_IDR0.TERM_MODEL is 1), so
 *   CMD_RESUME's Abort bit is IGNORED: Terminate aborts (4.7.1);
 * - CFGI and TLBI leave stalls alone (4.3.7): a retry sees the new
 *   configuration.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/lockable.h"
#include "hw/pci/pci_bus.h"
#include "smmuv3-internal.h"
#include "trace.h"

/* CMD_RESUME (4.7.1): Action (Ac) 1 is Retry; Abort (Ab) IGNORED here */
FIELD(RESUME0, AC, 12, 1)
FIELD(RESUME1, STAG, 0, 16)

typedef struct SMMUv3StallReg {
    SMMUDevice *sdev;
    IOMMUStallClient *client;
} SMMUv3StallReg;

static SMMUv3StallReg *stall_reg_of_sdev(SMMUv3State *s, SMMUDevice *sdev)
{
    for (GSList *l = s->stall_clients; l; l = l->next) {
        SMMUv3StallReg *r = l->data;

        if (r->sdev == sdev) {
            return r;
        }
    }
    return NULL;
}

/* The client of the function whose StreamID is @sid now, or NULL */
static IOMMUStallClient *stall_client_of_sid(SMMUv3State *s, uint32_t sid)
{
    for (GSList *l = s->stall_clients; l; l = l->next) {
        SMMUv3StallReg *r = l->data;

        if (smmu_get_sid(r->sdev) == sid) {
            return r->client;
        }
    }
    return NULL;
}

static bool stag_in_use(SMMUv3State *s, uint16_t stag)
{
    for (unsigned i = 0; i < SMMUV3_STALL_MAX; i++) {
        if (s->stalls[i].valid && s->stalls[i].stag == stag) {
            return true;
        }
    }
    return false;
}

/*
 * Translation of one of @sdev's requests faulted with the stage set to
 * stall, @ev its record.  True: it is held (and recorded with Stall 1
 * when the queue can take it); false: terminate it as usual.
 */
bool smmuv3_stall_hold(SMMUv3State *s, SMMUDevice *sdev, SMMUv3Event *ev)
{
    SMMUv3StallReg *reg = stall_reg_of_sdev(s, sdev);
    SMMUv3Stall *e = NULL;
    uint16_t stag;

    for (unsigned i = 0; i < SMMUV3_STALL_MAX && !e; i++) {
        if (!s->stalls[i].valid) {
            e = &s->stalls[i];
        }
    }
    if (!reg || !e) {
        trace_smmuv3_stall_refused(ev->sid, ev->input_addr, !reg);
        return false;
    }
    /* At most SMMUV3_STALL_MAX in use: this ends */
    do {
        stag = s->stall_next_tag++;
    } while (stag_in_use(s, stag));
    if (!reg->client->hold(reg->client, stag)) {
        trace_smmuv3_stall_refused(ev->sid, ev->input_addr, false);
        return false;
    }
    e->valid = true;
    e->stag = stag;
    e->sid = ev->sid;
    e->recorded = smmuv3_eventq_writable(s);
    ev->stall = true;
    ev->stag = stag;
    trace_smmuv3_stall(ev->sid, ev->ssv ? ev->ssid : 0, ev->input_addr,
                       ev->type, stag, e->recorded);
    if (e->recorded) {
        smmuv3_record_event(s, ev);
    }
    return true;
}

/* End stall @e: tell its master, if it still has one */
static void stall_end(SMMUv3State *s, SMMUv3Stall *e, bool retry)
{
    IOMMUStallClient *c = stall_client_of_sid(s, e->sid);
    uint16_t stag = e->stag;

    e->valid = false;
    /* What comes next is a new request, not the memory core's piece */
    s->last_fault.valid = false;
    trace_smmuv3_stall_end(e->sid, stag, retry, c != NULL);
    if (c) {
        c->resume(c, stag, retry);
    }
}

/*
 * CMD_RESUME (4.7.1): the stall of this StreamID with this STAG, if
 * any, is retried or terminated; one that names none is a no-op.
 */
int smmuv3_cmd_resume(SMMUv3State *s, uint64_t w0, uint64_t w1)
{
    uint32_t sid = FIELD_EX64(w0, CMD0, SID);
    uint16_t stag = FIELD_EX64(w1, RESUME1, STAG);

    for (unsigned i = 0; i < SMMUV3_STALL_MAX; i++) {
        SMMUv3Stall *e = &s->stalls[i];

        if (e->valid && e->sid == sid && e->stag == stag) {
            stall_end(s, e, FIELD_EX64(w0, RESUME0, AC));
            return CMDQ_CERROR_NONE;
        }
    }
    trace_smmuv3_resume_unknown(sid, stag);
    return CMDQ_CERROR_NONE;
}

/* CMD_STALL_TERM (4.7.2): every stall of the StreamID is terminated */
int smmuv3_cmd_stall_term(SMMUv3State *s, uint64_t w0)
{
    uint32_t sid = FIELD_EX64(w0, CMD0, SID);

    for (unsigned i = 0; i < SMMUV3_STALL_MAX; i++) {
        if (s->stalls[i].valid && s->stalls[i].sid == sid) {
            stall_end(s, &s->stalls[i], false);
        }
    }
    return CMDQ_CERROR_NONE;
}

/* 6.3.9.6: SMMUEN 1 -> 0 (and reset) terminates every stall */
void smmuv3_stall_abort_all(SMMUv3State *s)
{
    for (unsigned i = 0; i < SMMUV3_STALL_MAX; i++) {
        if (s->stalls[i].valid) {
            stall_end(s, &s->stalls[i], false);
        }
    }
}

/*
 * The event queue may take records again (EVENTQ_CONS, CR0.EVENTQEN or
 * GERRORN written): stalls held without a record are retried, as though
 * they had just arrived (3.12.2, 7.2).
 */
void smmuv3_stall_eventq_kick(SMMUv3State *s)
{
    if (s->feat.stall_model == 1 || !smmuv3_eventq_writable(s)) {
        return;
    }
    for (unsigned i = 0; i < SMMUV3_STALL_MAX; i++) {
        if (s->stalls[i].valid && !s->stalls[i].recorded) {
            stall_end(s, &s->stalls[i], true);
        }
    }
}

/* IOMMUStallClass.register_client */
static void smmuv3_stall_register_client(IOMMUMemoryRegion *mr,
                                         IOMMUStallClient *c)
{
    SMMUDevice *sdev = container_of(mr, SMMUDevice, iommu);
    SMMUv3State *s = container_of(sdev->smmu, SMMUv3State, smmu_state);
    SMMUv3StallReg *r;

    QEMU_LOCK_GUARD(&s->lock);
    r = stall_reg_of_sdev(s, sdev);
    if (!r) {
        r = g_new0(SMMUv3StallReg, 1);
        r->sdev = sdev;
        s->stall_clients = g_slist_prepend(s->stall_clients, r);
    }
    r->client = c;
}

/* IOMMUStallClass.unregister_client */
static void smmuv3_stall_unregister_client(IOMMUMemoryRegion *mr,
                                           IOMMUStallClient *c)
{
    SMMUDevice *sdev = container_of(mr, SMMUDevice, iommu);
    SMMUv3State *s = container_of(sdev->smmu, SMMUv3State, smmu_state);
    SMMUv3StallReg *r;

    QEMU_LOCK_GUARD(&s->lock);
    r = stall_reg_of_sdev(s, sdev);
    if (r && r->client == c) {
        s->stall_clients = g_slist_remove(s->stall_clients, r);
        g_free(r);
    }
}

/* Fill in the interface of @klass, the SMMU's IOMMU region class */
void smmuv3_stall_class_init(ObjectClass *klass)
{
    IOMMUStallClass *k = (IOMMUStallClass *)
        object_class_dynamic_cast(klass, TYPE_IOMMU_STALL);

    k->register_client = smmuv3_stall_register_client;
    k->unregister_client = smmuv3_stall_unregister_client;
}

/*
 * The interface of hw/iommu-stall.h; registered here, as arm-smmuv3 is
 * its only implementation.
 */
static const TypeInfo iommu_stall_info = {
    .name = TYPE_IOMMU_STALL,
    .parent = TYPE_INTERFACE,
    .class_size = sizeof(IOMMUStallClass),
};

void smmuv3_stall_register_type(void)
{
    type_register_static(&iommu_stall_info);
}
