/*
 * smmu-testdev: a PCIe DMA engine for exercising an IOMMU from qtest.
 *
 * A test programs a source IOVA, a destination IOVA, a length, an
 * operation and optionally a PASID through BAR0, rings the doorbell, and
 * the operation runs to completion before the doorbell write returns.
 * Every request goes through the device's bus-master address space, so
 * an IOMMU in front of the bus translates it.  The
 * register layout is in include/hw/misc/smmu-testdev.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pci_bus.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "system/dma.h"
#include "qemu/rcu.h"
#include "qemu/main-loop.h"
#include "hw/iommu-stall.h"
#include "hw/misc/smmu-testdev.h"
#include "trace.h"

/* As many PASID bits as MemTxAttrs.pid carries (8 in the base's) */
#ifdef MEMTXATTRS_PID_BITS
#define SMMU_TESTDEV_PASID_WIDTH \
    MIN(MEMTXATTRS_PID_BITS, SMMU_TESTDEV_PASID_WIDTH_MAX)
#else
#define SMMU_TESTDEV_PASID_WIDTH SMMU_TESTDEV_PASID_WIDTH_BASE
#endif

OBJECT_DECLARE_SIMPLE_TYPE(SmmuTestdevState, SMMU_TESTDEV)

struct SmmuTestdevState {
    PCIDevice parent_obj;

    MemoryRegion bar;
    MemoryRegion regs;
    MemoryRegion buf_mr;

    uint64_t src;
    uint64_t dst;
    uint32_t len;
    uint32_t op;
    uint32_t pasid;
    uint32_t repeat;
    uint32_t stride;
    uint32_t wrap;
    uint32_t threads;
    uint32_t done_count;
    uint32_t status;
    uint32_t result;
    uint8_t buf[SMMU_TESTDEV_BUF_SIZE];

    /* Device IOTLB (see the header): not migrated */
    uint32_t iotlb_mode;
    uint32_t iotlb_dropped;
    unsigned iotlb_next;            /* round-robin replacement */
    MemoryRegion *iotlb_mr;         /* notifier registered here */
    IOMMUNotifier iotlb_notifier;
    IOMMUTLBEntry iotlb[SMMU_TESTDEV_IOTLB_ENTRIES];  /* perm 0: free */

    /* PCIe ATS and the ATC (see the header): not migrated */
    bool ats;                       /* property: the ATS capability */
    uint64_t ats_addr;
    uint32_t ats_status;
    uint64_t ats_xlate, ats_mask;
    uint32_t ats_perm;
    IOMMUTLBEntry atc[SMMU_TESTDEV_ATC_ENTRIES];    /* perm 0: free */
    unsigned atc_next;
    bool atc_registered;
    IOMMUNotifier atc_notifier;
    uint32_t atc_invals, atc_inv_pasid;
    uint64_t atc_inv_addr, atc_inv_mask;

    /* PCIe PRI (see the header): not migrated */
    bool pri;                       /* property: the PRI capability */
    uint64_t pri_addr;
    uint32_t pri_status;
    uint32_t pri_resp_count, pri_resp_code, pri_resp_prgi, pri_resp_pasid;
    bool pri_fn_registered;         /* the function's receiver */
    IOMMUPRINotifier pri_fn_notifier;
    uint32_t pri_pasid;             /* PCI_NO_PASID: no PASID receiver */
    IOMMUPRINotifier pri_pasid_notifier;

    /* Stalled transactions (see the header); the first three migrated */
    uint32_t stall_count, stall_tag;
    uint32_t stall_resume;          /* STALL_RESUME_*: what the BH does */
    bool stall_held;                /* a request of this run was held */
    bool stall_registered;
    IOMMUStallClient stall_client;
    QEMUBH *stall_bh;
};

enum {
    STALL_RESUME_NONE,
    STALL_RESUME_RETRY,
    STALL_RESUME_ABORT,
};

/* Operations whose requests are read / written / Translated / via ATC */
static bool op_reads(uint32_t op)
{
    return op == SMMU_TESTDEV_OP_READ || op == SMMU_TESTDEV_OP_COPY ||
           op == SMMU_TESTDEV_OP_READ_TRANSLATED ||
           op == SMMU_TESTDEV_OP_READ_ATC;
}

static bool op_writes(uint32_t op)
{
    return op == SMMU_TESTDEV_OP_WRITE || op == SMMU_TESTDEV_OP_COPY ||
           op == SMMU_TESTDEV_OP_WRITE_TRANSLATED ||
           op == SMMU_TESTDEV_OP_WRITE_ATC;
}

static bool op_translated(uint32_t op)
{
    return op == SMMU_TESTDEV_OP_READ_TRANSLATED ||
           op == SMMU_TESTDEV_OP_WRITE_TRANSLATED;
}

static bool op_atc(uint32_t op)
{
    return op == SMMU_TESTDEV_OP_READ_ATC || op == SMMU_TESTDEV_OP_WRITE_ATC;
}

/*
 * ATS Invalidate request (PCIe ATS 2.3): drop what overlaps the range.
 * One without a PASID covers every PASID's entries, one with a PASID
 * only that PASID's (this ATC never holds Global entries).
 */
static void smmu_testdev_atc_notify(IOMMUNotifier *n, IOMMUTLBEntry *inv)
{
    SmmuTestdevState *s = container_of(n, SmmuTestdevState, atc_notifier);
    uint64_t last = inv->iova + inv->addr_mask;

    s->atc_invals++;
    s->atc_inv_pasid = inv->pasid;
    s->atc_inv_addr = inv->iova;
    s->atc_inv_mask = inv->addr_mask;
    for (unsigned i = 0; i < SMMU_TESTDEV_ATC_ENTRIES; i++) {
        IOMMUTLBEntry *e = &s->atc[i];

        if (e->perm && e->iova <= last &&
            e->iova + e->addr_mask >= inv->iova &&
            (inv->pasid == PCI_NO_PASID || inv->pasid == e->pasid)) {
            e->perm = IOMMU_NONE;
        }
    }
}

static void smmu_testdev_atc_reset(SmmuTestdevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (s->atc_registered) {
        pci_iommu_unregister_iotlb_notifier(pdev, PCI_NO_PASID,
                                            &s->atc_notifier);
        s->atc_registered = false;
    }
    memset(s->atc, 0, sizeof(s->atc));
    s->atc_next = 0;
    s->atc_invals = 0;
    s->atc_inv_pasid = PCI_NO_PASID;
    s->atc_inv_addr = 0;
    s->atc_inv_mask = 0;
}

/* The IOMMU's invalidations must reach the ATC before it caches */
static bool smmu_testdev_atc_listen(SmmuTestdevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (s->atc_registered) {
        return true;
    }
    if (pci_iommu_init_iotlb_notifier(pdev, &s->atc_notifier,
                                      smmu_testdev_atc_notify, s) ||
        pci_iommu_register_iotlb_notifier(pdev, PCI_NO_PASID,
                                          &s->atc_notifier)) {
        return false;
    }
    s->atc_registered = true;
    return true;
}

/*
 * One ATS Translation Request for @addr: its completion in the ATS_*
 * registers; a success that grants something goes into the ATC, which
 * then holds it in *@out.
 */
static void smmu_testdev_ats_request(SmmuTestdevState *s, uint64_t addr,
                                     bool no_write, IOMMUTLBEntry **out)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint32_t pasid = s->pasid & SMMU_TESTDEV_PASID_VALID ?
                     s->pasid & SMMU_TESTDEV_PASID_MASK : PCI_NO_PASID;
    IOMMUTLBEntry e = { 0 };
    uint32_t errs;
    ssize_t n;

    *out = NULL;
    s->ats_xlate = s->ats_mask = 0;
    s->ats_perm = 0;
    if (!pcie_ats_enabled(pdev) || !smmu_testdev_atc_listen(s)) {
        s->ats_status = SMMU_TESTDEV_ATS_ST_DISABLED;
        return;
    }
    n = pci_ats_request_translation(pdev, pasid, false, false, addr, 1,
                                    no_write, &e, 1, &errs);
    if (n == -EPERM) {
        s->ats_status = SMMU_TESTDEV_ATS_ST_UR;
        return;
    }
    if (n < 1) {
        s->ats_status = n == -ENODEV ? SMMU_TESTDEV_ATS_ST_DISABLED
                                     : SMMU_TESTDEV_ATS_ST_CA;
        return;
    }
    s->ats_status = SMMU_TESTDEV_ATS_ST_OK;
    s->ats_xlate = e.translated_addr;
    s->ats_mask = e.addr_mask;
    s->ats_perm = e.perm & IOMMU_RW;
    if (s->ats_perm) {
        *out = &s->atc[s->atc_next];
        s->atc_next = (s->atc_next + 1) % SMMU_TESTDEV_ATC_ENTRIES;
        **out = e;
        (*out)->perm = s->ats_perm;
        (*out)->pasid = pasid;
    }
}

/* A PRG Response Message (PCIe PRI): what the registers show */
static void smmu_testdev_pri_got(SmmuTestdevState *s, uint32_t pasid,
                                 IOMMUPRIResponse *resp)
{
    static const uint32_t pcie_code[] = {
        [IOMMU_PRI_RESP_SUCCESS] = SMMU_TESTDEV_PRI_RESP_SUCCESS,
        [IOMMU_PRI_RESP_INVALID_REQUEST] = SMMU_TESTDEV_PRI_RESP_INVALID,
        [IOMMU_PRI_RESP_FAILURE] = SMMU_TESTDEV_PRI_RESP_FAILURE,
    };

    s->pri_resp_count++;
    s->pri_resp_code = resp->response_code < ARRAY_SIZE(pcie_code) ?
                       pcie_code[resp->response_code] :
                       SMMU_TESTDEV_PRI_RESP_FAILURE;
    s->pri_resp_prgi = resp->prgi;
    s->pri_resp_pasid = pasid;
}

static void smmu_testdev_pri_fn_notify(IOMMUPRINotifier *n,
                                       IOMMUPRIResponse *resp)
{
    SmmuTestdevState *s = container_of(n, SmmuTestdevState, pri_fn_notifier);

    smmu_testdev_pri_got(s, PCI_NO_PASID, resp);
}

static void smmu_testdev_pri_pasid_notify(IOMMUPRINotifier *n,
                                          IOMMUPRIResponse *resp)
{
    SmmuTestdevState *s = container_of(n, SmmuTestdevState,
                                       pri_pasid_notifier);

    smmu_testdev_pri_got(s, s->pri_pasid, resp);
}

static void smmu_testdev_pri_clear(SmmuTestdevState *s)
{
    s->pri_resp_count = 0;
    s->pri_resp_code = SMMU_TESTDEV_PRI_RESP_NONE;
    s->pri_resp_prgi = 0;
    s->pri_resp_pasid = PCI_NO_PASID;
}

static void smmu_testdev_pri_reset(SmmuTestdevState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (s->pri_fn_registered) {
        pci_pri_unregister_notifier(pdev, PCI_NO_PASID);
        s->pri_fn_registered = false;
    }
    if (s->pri_pasid != PCI_NO_PASID) {
        pci_pri_unregister_notifier(pdev, s->pri_pasid);
        s->pri_pasid = PCI_NO_PASID;
    }
    s->pri_addr = 0;
    s->pri_status = SMMU_TESTDEV_PRI_ST_NONE;
    smmu_testdev_pri_clear(s);
}

/*
 * One Page Request Message (PRI_REQ written with GO).  The receivers of
 * the responses are registered before the request goes out: one for the
 * function, one for the request's PASID.
 */
static void smmu_testdev_pri_request(SmmuTestdevState *s, uint32_t req)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint32_t pasid = s->pasid & SMMU_TESTDEV_PASID_VALID ?
                     s->pasid & SMMU_TESTDEV_PASID_MASK : PCI_NO_PASID;
    int ret;

    if (!s->pri_fn_registered) {
        s->pri_fn_notifier.notify = smmu_testdev_pri_fn_notify;
        s->pri_fn_registered =
            !pci_pri_register_notifier(pdev, PCI_NO_PASID,
                                       &s->pri_fn_notifier);
    }
    if (pasid != PCI_NO_PASID && pasid != s->pri_pasid) {
        if (s->pri_pasid != PCI_NO_PASID) {
            pci_pri_unregister_notifier(pdev, s->pri_pasid);
            s->pri_pasid = PCI_NO_PASID;
        }
        s->pri_pasid_notifier.notify = smmu_testdev_pri_pasid_notify;
        if (!pci_pri_register_notifier(pdev, pasid,
                                       &s->pri_pasid_notifier)) {
            s->pri_pasid = pasid;
        }
    }
    ret = pci_pri_request_page(pdev, pasid,
                               req & SMMU_TESTDEV_PRI_REQ_PRIV,
                               req & SMMU_TESTDEV_PRI_REQ_X,
                               s->pri_addr & ~0xfffULL,
                               req & SMMU_TESTDEV_PRI_REQ_LAST,
                               (req >> SMMU_TESTDEV_PRI_REQ_PRGI_SHIFT) &
                               PCI_PRI_PRGI_MASK,
                               req & SMMU_TESTDEV_PRI_REQ_R,
                               req & SMMU_TESTDEV_PRI_REQ_W);
    s->pri_status = ret ? SMMU_TESTDEV_PRI_ST_REFUSED
                        : SMMU_TESTDEV_PRI_ST_SENT;
    trace_smmu_testdev_pri_request(s->pri_addr, pasid, req, ret);
}

/* The ATC entry that lets this function access @addr this way, or NULL */
static IOMMUTLBEntry *smmu_testdev_atc_find(SmmuTestdevState *s,
                                            uint64_t addr, bool is_write)
{
    uint32_t pasid = s->pasid & SMMU_TESTDEV_PASID_VALID ?
                     s->pasid & SMMU_TESTDEV_PASID_MASK : PCI_NO_PASID;
    IOMMUAccessFlags need = is_write ? IOMMU_WO : IOMMU_RO;

    for (unsigned i = 0; i < SMMU_TESTDEV_ATC_ENTRIES; i++) {
        IOMMUTLBEntry *e = &s->atc[i];

        if ((e->perm & need) && e->pasid == pasid &&
            ((addr ^ e->iova) & ~e->addr_mask) == 0) {
            return e;
        }
    }
    return NULL;
}

/* The cached translation holding @addr for this direction, or NULL */
static IOMMUTLBEntry *smmu_testdev_iotlb_find(SmmuTestdevState *s,
                                              uint64_t addr, bool is_write)
{
    IOMMUAccessFlags need = is_write ? IOMMU_WO : IOMMU_RO;

    for (unsigned i = 0; i < SMMU_TESTDEV_IOTLB_ENTRIES; i++) {
        IOMMUTLBEntry *e = &s->iotlb[i];

        if ((e->perm & need) && ((addr ^ e->iova) & ~e->addr_mask) == 0) {
            return e;
        }
    }
    return NULL;
}

static void smmu_testdev_iotlb_add(SmmuTestdevState *s,
                                   const IOMMUTLBEntry *e, bool is_write)
{
    IOMMUTLBEntry *slot = &s->iotlb[s->iotlb_next];

    s->iotlb_next = (s->iotlb_next + 1) % SMMU_TESTDEV_IOTLB_ENTRIES;
    *slot = *e;
    /* Only the direction the IOMMU was asked about is known to be OK */
    slot->perm = is_write ? IOMMU_WO : IOMMU_RO;
}

/* IOMMU notifier: forget every translation the range touches */
static void smmu_testdev_iotlb_notify(IOMMUNotifier *n, IOMMUTLBEntry *inv)
{
    SmmuTestdevState *s = container_of(n, SmmuTestdevState, iotlb_notifier);
    uint64_t last = inv->iova + inv->addr_mask;

    for (unsigned i = 0; i < SMMU_TESTDEV_IOTLB_ENTRIES; i++) {
        IOMMUTLBEntry *e = &s->iotlb[i];

        if (e->perm && e->iova <= last &&
            e->iova + e->addr_mask >= inv->iova) {
            e->perm = IOMMU_NONE;
            s->iotlb_dropped++;
        }
    }
}

static void smmu_testdev_iotlb_set(SmmuTestdevState *s, uint32_t mode)
{
    AddressSpace *as = pci_device_iommu_address_space(PCI_DEVICE(s));
    IOMMUNotifierFlag flag = mode == SMMU_TESTDEV_IOTLB_DEVIOTLB ?
                             IOMMU_NOTIFIER_DEVIOTLB_UNMAP :
                             IOMMU_NOTIFIER_UNMAP;
    Error *err = NULL;

    if (s->iotlb_mr) {
        memory_region_unregister_iommu_notifier(s->iotlb_mr,
                                                &s->iotlb_notifier);
        s->iotlb_mr = NULL;
    }
    memset(s->iotlb, 0, sizeof(s->iotlb));
    s->iotlb_next = 0;
    s->iotlb_dropped = 0;
    s->iotlb_mode = SMMU_TESTDEV_IOTLB_OFF;
    if (mode != SMMU_TESTDEV_IOTLB_UNMAP &&
        mode != SMMU_TESTDEV_IOTLB_DEVIOTLB) {
        return;
    }
    if (!memory_region_is_iommu(as->root)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: no IOMMU for the IOTLB\n",
                      TYPE_SMMU_TESTDEV);
        return;
    }
    iommu_notifier_init(&s->iotlb_notifier, smmu_testdev_iotlb_notify, flag,
                        0, HWADDR_MAX, 0);
    if (memory_region_register_iommu_notifier(as->root, &s->iotlb_notifier,
                                              &err)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: IOTLB notifier refused: %s\n",
                      TYPE_SMMU_TESTDEV, error_get_pretty(err));
        error_free(err);
        return;
    }
    s->iotlb_mr = as->root;
    s->iotlb_mode = mode;
}

/* The attributes every DMA of the current operation carries. */
static bool smmu_testdev_dma_attrs(SmmuTestdevState *s, MemTxAttrs *attrs)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    uint32_t pasid = s->pasid & SMMU_TESTDEV_PASID_MASK;

    *attrs = (MemTxAttrs) { .requester_id = pci_requester_id(pdev) };
    if (!(s->pasid & SMMU_TESTDEV_PASID_VALID)) {
        return true;
    }
    /*
     * PCIe: a function only sends a PASID prefix once software enabled
     * it in the PASID capability.  MemTxAttrs.pid has no "present" flag,
     * so pid 0 means "no PASID".  The base's SMMUv3
     * model ignores attrs entirely (it has no attrs_to_index hook and
     * decodes only CD 0), so there a tagged transaction is translated
     * exactly like an untagged one.
     */
    if (!pcie_pasid_enabled(pdev) || pasid == 0 ||
        pasid >> SMMU_TESTDEV_PASID_WIDTH) {
        return false;
    }
    attrs->pid = pasid;
    return true;
}

/*
 * One request of at most a 4 KiB page, as a single TLP: translated once
 * (address_space_get_iotlb_entry() makes the IOMMU record one fault when
 * it refuses), then moved at the translated address.  pci_dma_rw() alone
 * would retry a refused access piece by piece, translating and faulting
 * again for each piece.
 */
static MemTxResult smmu_testdev_request(SmmuTestdevState *s, uint64_t addr,
                                        uint8_t *buf, uint32_t len,
                                        DMADirection dir, MemTxAttrs attrs)
{
    bool is_write = dir == DMA_DIRECTION_FROM_DEVICE;
    /* the embedded parent, not a QOM cast: this runs for every request */
    AddressSpace *as = pci_get_address_space(&s->parent_obj);
    bool cache = s->iotlb_mode != SMMU_TESTDEV_IOTLB_OFF && !attrs.pid &&
                 !op_translated(s->op) && !op_atc(s->op);

    if (op_atc(s->op)) {
        /* A request never crosses a page, so one ATC entry covers it */
        IOMMUTLBEntry *e = smmu_testdev_atc_find(s, addr, is_write);

        if (!e) {
            smmu_testdev_ats_request(s, addr, !is_write, &e);
        }
        if (!e || !(e->perm & (is_write ? IOMMU_WO : IOMMU_RO))) {
            return MEMTX_DECODE_ERROR;
        }
        addr = e->translated_addr | (addr & e->addr_mask);
    }
    if (op_translated(s->op) || op_atc(s->op)) {
        /* PCIe AT "Translated": no PASID prefix (IHI 0070 3.9.1.3) */
        attrs.address_type = PCI_AT_TRANSLATED;
        attrs.pid = 0;
    }

    RCU_READ_LOCK_GUARD();
    while (len) {
        IOMMUTLBEntry *hit = cache ? smmu_testdev_iotlb_find(s, addr, is_write)
                                   : NULL;
        IOMMUTLBEntry e = hit ? *hit
                              : address_space_get_iotlb_entry(as, addr,
                                                              is_write, attrs);
        /* 0 when the entry covers the whole 64-bit space */
        uint64_t span = e.addr_mask - (addr & e.addr_mask) + 1;
        uint32_t n = span ? MIN(len, span) : len;
        MemTxResult r;

        if (!(e.perm & (is_write ? IOMMU_WO : IOMMU_RO))) {
            return MEMTX_DECODE_ERROR;
        }
        if (cache && !hit) {
            smmu_testdev_iotlb_add(s, &e, is_write);
        }
        r = address_space_rw(e.target_as,
                             e.translated_addr | (addr & e.addr_mask),
                             attrs, buf, n, is_write);
        if (r != MEMTX_OK) {
            return r;
        }
        addr += n;
        buf += n;
        len -= n;
    }
    return MEMTX_OK;
}

/*
 * Move LEN bytes between the buffer and iova as PCIe would: requests that
 * never cross a 4 KiB boundary, stopping at the first that fails.
 */
static MemTxResult smmu_testdev_dma(SmmuTestdevState *s, uint64_t iova,
                                    uint8_t *buf, DMADirection dir,
                                    MemTxAttrs attrs)
{
    MemTxResult r = MEMTX_OK;
    uint32_t done = 0;

    while (done < s->len && r == MEMTX_OK) {
        uint64_t addr = iova + done;
        uint32_t n = MIN(s->len - done, SMMU_TESTDEV_REQ_BOUNDARY -
                         (addr & (SMMU_TESTDEV_REQ_BOUNDARY - 1)));

        r = smmu_testdev_request(s, addr, buf + done, n, dir, attrs);
        trace_smmu_testdev_dma(dir == DMA_DIRECTION_TO_DEVICE ? "read"
                                                              : "write",
                               addr, n, attrs.pid, r);
        done += n;
    }
    return r;
}

/* One run of the operation at src/dst: the MemTxResult of its DMA. */
static MemTxResult smmu_testdev_run_once(SmmuTestdevState *s, uint64_t src,
                                         uint64_t dst, uint8_t *buf,
                                         MemTxAttrs attrs)
{
    MemTxResult r = MEMTX_OK;

    if (s->op == SMMU_TESTDEV_OP_READ_MEMCORE) {
        return pci_dma_rw(&s->parent_obj, src, buf, s->len,
                          DMA_DIRECTION_TO_DEVICE, attrs);
    }
    if (op_reads(s->op)) {
        r = smmu_testdev_dma(s, src, buf, DMA_DIRECTION_TO_DEVICE, attrs);
    }
    if (op_writes(s->op) && r == MEMTX_OK) {
        r = smmu_testdev_dma(s, dst, buf, DMA_DIRECTION_FROM_DEVICE, attrs);
    }
    return r;
}

/* REPEAT runs into @buf; *@done counts those that succeeded */
static MemTxResult smmu_testdev_loop(SmmuTestdevState *s, uint8_t *buf,
                                     MemTxAttrs attrs, uint32_t *done)
{
    uint32_t repeat = MAX(s->repeat, 1);
    MemTxResult r = MEMTX_OK;

    for (uint32_t i = 0; i < repeat && r == MEMTX_OK; i++) {
        uint64_t off = (uint64_t)(s->wrap ? i % s->wrap : i) * s->stride;

        r = smmu_testdev_run_once(s, s->src + off, s->dst + off, buf, attrs);
        *done += r == MEMTX_OK;
    }
    return r;
}

/* One of THREADS: its own buffer, the device's registers read-only */
typedef struct SmmuTestdevWorker {
    SmmuTestdevState *s;
    QemuThread thread;
    MemTxAttrs attrs;
    uint8_t *buf;
    uint32_t done;
    MemTxResult result;
} SmmuTestdevWorker;

static void *smmu_testdev_worker(void *opaque)
{
    SmmuTestdevWorker *w = opaque;

    rcu_register_thread();
    w->result = smmu_testdev_loop(w->s, w->buf, w->attrs, &w->done);
    rcu_unregister_thread();
    return NULL;
}

/*
 * THREADS runs at once.  The BQL stays with the caller, which only
 * waits: DMA to RAM and the IOMMU's translation do not take it.
 */
static void smmu_testdev_run_threads(SmmuTestdevState *s, MemTxAttrs attrs)
{
    SmmuTestdevWorker w[SMMU_TESTDEV_MAX_THREADS] = { 0 };
    uint32_t n = s->threads;

    for (uint32_t i = 0; i < n; i++) {
        w[i].s = s;
        w[i].attrs = attrs;
        w[i].buf = i ? g_malloc(s->len) : s->buf;
        qemu_thread_create(&w[i].thread, "smmu-testdev", smmu_testdev_worker,
                           &w[i], QEMU_THREAD_JOINABLE);
    }
    for (uint32_t i = 0; i < n; i++) {
        qemu_thread_join(&w[i].thread);
        s->done_count += w[i].done;
        if (s->result == MEMTX_OK) {
            s->result = w[i].result;
        }
        if (i) {
            g_free(w[i].buf);
        }
    }
}

/*
 * Run the programmed operation REPEAT times, moving SRC and DST by STRIDE
 * each time and back to the start every WRAP times (benchmarks issue many
 * DMAs per doorbell this way); stops at the first failure.  Returns an
 * SMMU_TESTDEV_ERR_* code.
 */
static unsigned smmu_testdev_run(SmmuTestdevState *s)
{
    uint32_t repeat = MAX(s->repeat, 1);
    MemTxAttrs attrs;

    if (s->len == 0 || s->len > SMMU_TESTDEV_BUF_SIZE) {
        return SMMU_TESTDEV_ERR_LEN;
    }
    if (!op_reads(s->op) && !op_writes(s->op) &&
        s->op != SMMU_TESTDEV_OP_READ_MEMCORE) {
        return SMMU_TESTDEV_ERR_OP;
    }
    if ((uint64_t)repeat * s->len > SMMU_TESTDEV_MAX_BYTES) {
        return SMMU_TESTDEV_ERR_REPEAT;
    }
    if (!smmu_testdev_dma_attrs(s, &attrs)) {
        return SMMU_TESTDEV_ERR_PASID;
    }
    if (s->threads > 1) {
        /* Only what touches no state of the device but its buffer */
        if (s->threads > SMMU_TESTDEV_MAX_THREADS || attrs.pid ||
            s->iotlb_mode != SMMU_TESTDEV_IOTLB_OFF ||
            (s->op & ~SMMU_TESTDEV_OP_COPY)) {
            return SMMU_TESTDEV_ERR_THREADS;
        }
        smmu_testdev_run_threads(s, attrs);
        return SMMU_TESTDEV_ERR_NONE;
    }
    s->result = smmu_testdev_loop(s, s->buf, attrs, &s->done_count);
    return SMMU_TESTDEV_ERR_NONE;
}

/* Run the operation from its start; it may end parked on a stall */
static void smmu_testdev_start(SmmuTestdevState *s)
{
    unsigned err;

    s->status = 0;
    s->result = MEMTX_OK;
    s->done_count = 0;
    s->stall_held = false;
    err = smmu_testdev_run(s);
    if (err != SMMU_TESTDEV_ERR_NONE) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: refused op %u (error %u)\n",
                      TYPE_SMMU_TESTDEV, s->op, err);
    }
    if (s->stall_held) {
        s->status = SMMU_TESTDEV_STATUS_STALLED;
        trace_smmu_testdev_stalled(s->stall_tag);
        return;
    }
    s->status = SMMU_TESTDEV_STATUS_DONE |
                (err << SMMU_TESTDEV_STATUS_ERR_SHIFT);
}

/*
 * IOMMUStallClient.hold: one request at a time is parked, the one that
 * stopped the operation; others are terminated.
 */
static bool smmu_testdev_stall_hold(IOMMUStallClient *c, uint16_t tag)
{
    SmmuTestdevState *s = container_of(c, SmmuTestdevState, stall_client);

    if (s->stall_held || (s->status & SMMU_TESTDEV_STATUS_STALLED)) {
        return false;
    }
    s->stall_held = true;
    s->stall_tag = tag;
    s->stall_count++;
    return true;
}

/* IOMMUStallClient.resume: the IOMMU's lock is held, so later, in a BH */
static void smmu_testdev_stall_resume(IOMMUStallClient *c, uint16_t tag,
                                      bool retry)
{
    SmmuTestdevState *s = container_of(c, SmmuTestdevState, stall_client);

    trace_smmu_testdev_resume(tag, retry);
    if (!(s->status & SMMU_TESTDEV_STATUS_STALLED) || tag != s->stall_tag) {
        return;     /* not what the parked operation waits for */
    }
    s->stall_resume = retry ? STALL_RESUME_RETRY : STALL_RESUME_ABORT;
    qemu_bh_schedule(s->stall_bh);
}

static void smmu_testdev_stall_bh(void *opaque)
{
    SmmuTestdevState *s = opaque;
    uint32_t action = s->stall_resume;

    s->stall_resume = STALL_RESUME_NONE;
    if (!(s->status & SMMU_TESTDEV_STATUS_STALLED)) {
        return;
    }
    if (action == STALL_RESUME_RETRY) {
        smmu_testdev_start(s);
    } else if (action == STALL_RESUME_ABORT) {
        /* as a DMA the IOMMU refused */
        s->result = MEMTX_DECODE_ERROR;
        s->status = SMMU_TESTDEV_STATUS_DONE;
    }
}

static void smmu_testdev_stall_listen(SmmuTestdevState *s)
{
    if (!s->stall_registered) {
        s->stall_client.hold = smmu_testdev_stall_hold;
        s->stall_client.resume = smmu_testdev_stall_resume;
        s->stall_registered = pci_iommu_stall_register(PCI_DEVICE(s),
                                                       &s->stall_client);
    }
}

static void smmu_testdev_doorbell(SmmuTestdevState *s)
{
    if (s->status & SMMU_TESTDEV_STATUS_STALLED) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: doorbell while stalled\n",
                      TYPE_SMMU_TESTDEV);
        return;
    }
    smmu_testdev_stall_listen(s);
    s->stall_count = 0;
    smmu_testdev_start(s);
}

/* Replace the bytes [shift, shift + size) of *reg with val. */
static void smmu_testdev_put64(uint64_t *reg, unsigned shift, unsigned size,
                               uint64_t val)
{
    *reg = deposit64(*reg, shift, size * 8, val);
}

static uint64_t smmu_testdev_reg_read(void *opaque, hwaddr addr,
                                      unsigned size)
{
    SmmuTestdevState *s = opaque;
    uint64_t val;

    switch (addr & ~7ULL) {
    case SMMU_TESTDEV_REG_SRC:
        val = s->src;
        break;
    case SMMU_TESTDEV_REG_DST:
        val = s->dst;
        break;
    case SMMU_TESTDEV_REG_ATS_ADDR:
        val = s->ats_addr;
        break;
    case SMMU_TESTDEV_REG_ATS_XLATE:
        val = s->ats_xlate;
        break;
    case SMMU_TESTDEV_REG_ATS_MASK:
        val = s->ats_mask;
        break;
    case SMMU_TESTDEV_REG_ATC_INV_ADDR:
        val = s->atc_inv_addr;
        break;
    case SMMU_TESTDEV_REG_ATC_INV_MASK:
        val = s->atc_inv_mask;
        break;
    case SMMU_TESTDEV_REG_PRI_ADDR:
        val = s->pri_addr;
        break;
    default:
        switch (addr) {
        case SMMU_TESTDEV_REG_ID:
            return SMMU_TESTDEV_MAGIC;
        case SMMU_TESTDEV_REG_BUF_SIZE:
            return SMMU_TESTDEV_BUF_SIZE;
        case SMMU_TESTDEV_REG_LEN:
            return s->len;
        case SMMU_TESTDEV_REG_OP:
            return s->op;
        case SMMU_TESTDEV_REG_PASID:
            return s->pasid;
        case SMMU_TESTDEV_REG_REPEAT:
            return s->repeat;
        case SMMU_TESTDEV_REG_STRIDE:
            return s->stride;
        case SMMU_TESTDEV_REG_WRAP:
            return s->wrap;
        case SMMU_TESTDEV_REG_THREADS:
            return s->threads;
        case SMMU_TESTDEV_REG_DONE_COUNT:
            return s->done_count;
        case SMMU_TESTDEV_REG_STATUS:
            return s->status;
        case SMMU_TESTDEV_REG_RESULT:
            return s->result;
        case SMMU_TESTDEV_REG_IOTLB:
            return s->iotlb_mode;
        case SMMU_TESTDEV_REG_IOTLB_COUNT: {
            uint32_t n = 0;

            for (unsigned i = 0; i < SMMU_TESTDEV_IOTLB_ENTRIES; i++) {
                n += s->iotlb[i].perm != IOMMU_NONE;
            }
            return n;
        }
        case SMMU_TESTDEV_REG_IOTLB_DROPPED:
            return s->iotlb_dropped;
        case SMMU_TESTDEV_REG_ATS_STATUS:
            return s->ats_status;
        case SMMU_TESTDEV_REG_ATS_PERM:
            return s->ats_perm;
        case SMMU_TESTDEV_REG_ATC_COUNT: {
            uint32_t n = 0;

            for (unsigned i = 0; i < SMMU_TESTDEV_ATC_ENTRIES; i++) {
                n += s->atc[i].perm != IOMMU_NONE;
            }
            return n;
        }
        case SMMU_TESTDEV_REG_ATC_INVALS:
            return s->atc_invals;
        case SMMU_TESTDEV_REG_ATC_INV_PASID:
            return s->atc_inv_pasid;
        case SMMU_TESTDEV_REG_PRI_STATUS:
            return s->pri_status;
        case SMMU_TESTDEV_REG_PRI_RESP_COUNT:
            return s->pri_resp_count;
        case SMMU_TESTDEV_REG_PRI_RESP_CODE:
            return s->pri_resp_code;
        case SMMU_TESTDEV_REG_PRI_RESP_PRGI:
            return s->pri_resp_prgi;
        case SMMU_TESTDEV_REG_PRI_RESP_PASID:
            return s->pri_resp_pasid;
        case SMMU_TESTDEV_REG_STALL_COUNT:
            return s->stall_count;
        case SMMU_TESTDEV_REG_STALL_TAG:
            return s->stall_tag;
        default:
            return 0;
        }
    }
    return extract64(val, (addr & 7) * 8, size * 8);
}

static void smmu_testdev_reg_write(void *opaque, hwaddr addr, uint64_t val,
                                   unsigned size)
{
    SmmuTestdevState *s = opaque;

    switch (addr & ~7ULL) {
    case SMMU_TESTDEV_REG_SRC:
        smmu_testdev_put64(&s->src, (addr & 7) * 8, size, val);
        return;
    case SMMU_TESTDEV_REG_DST:
        smmu_testdev_put64(&s->dst, (addr & 7) * 8, size, val);
        return;
    case SMMU_TESTDEV_REG_ATS_ADDR:
        smmu_testdev_put64(&s->ats_addr, (addr & 7) * 8, size, val);
        return;
    case SMMU_TESTDEV_REG_PRI_ADDR:
        smmu_testdev_put64(&s->pri_addr, (addr & 7) * 8, size, val);
        return;
    }
    switch (addr) {
    case SMMU_TESTDEV_REG_LEN:
        s->len = val;
        break;
    case SMMU_TESTDEV_REG_OP:
        s->op = val;
        break;
    case SMMU_TESTDEV_REG_PASID:
        s->pasid = val & (SMMU_TESTDEV_PASID_VALID | SMMU_TESTDEV_PASID_MASK);
        break;
    case SMMU_TESTDEV_REG_REPEAT:
        s->repeat = val;
        break;
    case SMMU_TESTDEV_REG_STRIDE:
        s->stride = val;
        break;
    case SMMU_TESTDEV_REG_WRAP:
        s->wrap = val;
        break;
    case SMMU_TESTDEV_REG_THREADS:
        s->threads = val;
        break;
    case SMMU_TESTDEV_REG_IOTLB:
        smmu_testdev_iotlb_set(s, val);
        break;
    case SMMU_TESTDEV_REG_ATS_REQ:
        if (val & SMMU_TESTDEV_ATS_REQ_GO) {
            IOMMUTLBEntry *e;

            smmu_testdev_ats_request(s, s->ats_addr,
                                     val & SMMU_TESTDEV_ATS_REQ_NW, &e);
        }
        break;
    case SMMU_TESTDEV_REG_ATC_COUNT:
        memset(s->atc, 0, sizeof(s->atc));
        s->atc_invals = 0;
        break;
    case SMMU_TESTDEV_REG_PRI_REQ:
        if ((val & SMMU_TESTDEV_PRI_REQ_GO) && s->pri) {
            smmu_testdev_pri_request(s, val);
        }
        break;
    case SMMU_TESTDEV_REG_PRI_RESP_COUNT:
        smmu_testdev_pri_clear(s);
        break;
    case SMMU_TESTDEV_REG_DOORBELL:
        if (val & 1) {
            smmu_testdev_doorbell(s);
        }
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write to RO/unknown 0x%" HWADDR_PRIx
                      "\n", TYPE_SMMU_TESTDEV, addr);
        break;
    }
}

static const MemoryRegionOps smmu_testdev_reg_ops = {
    .read = smmu_testdev_reg_read,
    .write = smmu_testdev_reg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 4,
        .max_access_size = 8,
    },
};

static uint64_t smmu_testdev_buf_read(void *opaque, hwaddr addr,
                                      unsigned size)
{
    SmmuTestdevState *s = opaque;

    return ldn_le_p(&s->buf[addr], size);
}

static void smmu_testdev_buf_write(void *opaque, hwaddr addr, uint64_t val,
                                   unsigned size)
{
    SmmuTestdevState *s = opaque;

    stn_le_p(&s->buf[addr], size, val);
}

static const MemoryRegionOps smmu_testdev_buf_ops = {
    .read = smmu_testdev_buf_read,
    .write = smmu_testdev_buf_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
    },
};

/* Config space capabilities */
static bool smmu_testdev_init_caps(PCIDevice *pdev, Error **errp)
{
    if (pcie_endpoint_cap_init(pdev, SMMU_TESTDEV_EXP_CAP_OFFSET) < 0) {
        error_setg(errp, "%s: cannot add the PCIe capability",
                   TYPE_SMMU_TESTDEV);
        return false;
    }
    /*
     * PASIDs travel in an End-End TLP Prefix (PCIe 6.20), which the
     * function must say it supports: Linux enables PASID only then.
     */
    pci_long_test_and_set_mask(pdev->config + pdev->exp.exp_cap +
                               PCI_EXP_DEVCAP2, PCI_EXP_DEVCAP2_EE_PREFIX);
    pcie_pasid_init(pdev, SMMU_TESTDEV_PASID_CAP_OFFSET,
                    SMMU_TESTDEV_PASID_WIDTH, false, false);
    if (SMMU_TESTDEV(pdev)->ats) {
        /* Page-aligned requests; ATS disabled until software enables it */
        pcie_ats_init(pdev, SMMU_TESTDEV_ATS_CAP_OFFSET, true);
    }
    if (SMMU_TESTDEV(pdev)->pri) {
        /* Disabled until software enables it; no PASID on responses */
        pcie_pri_init(pdev, SMMU_TESTDEV_PRI_CAP_OFFSET,
                      SMMU_TESTDEV_PRI_MAX_REQS, false);
    }
    return true;
}

static void smmu_testdev_realize(PCIDevice *pdev, Error **errp)
{
    SmmuTestdevState *s = SMMU_TESTDEV(pdev);

    if (!smmu_testdev_init_caps(pdev, errp)) {
        return;
    }
    s->pri_pasid = PCI_NO_PASID;
    s->stall_bh = qemu_bh_new_guarded(smmu_testdev_stall_bh, s,
                                      &DEVICE(s)->mem_reentrancy_guard);

    memory_region_init(&s->bar, OBJECT(s), "smmu-testdev-bar",
                       SMMU_TESTDEV_BAR_SIZE);
    memory_region_init_io(&s->regs, OBJECT(s), &smmu_testdev_reg_ops, s,
                          "smmu-testdev-regs", SMMU_TESTDEV_BUF_OFFSET);
    memory_region_init_io(&s->buf_mr, OBJECT(s), &smmu_testdev_buf_ops, s,
                          "smmu-testdev-buf", SMMU_TESTDEV_BUF_SIZE);
    memory_region_add_subregion(&s->bar, 0, &s->regs);
    memory_region_add_subregion(&s->bar, SMMU_TESTDEV_BUF_OFFSET,
                                &s->buf_mr);
    pci_register_bar(pdev, SMMU_TESTDEV_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &s->bar);
}

static void smmu_testdev_exit(PCIDevice *pdev)
{
    smmu_testdev_iotlb_set(SMMU_TESTDEV(pdev), SMMU_TESTDEV_IOTLB_OFF);
    smmu_testdev_atc_reset(SMMU_TESTDEV(pdev));
    smmu_testdev_pri_reset(SMMU_TESTDEV(pdev));
    if (SMMU_TESTDEV(pdev)->stall_registered) {
        pci_iommu_stall_unregister(pdev, &SMMU_TESTDEV(pdev)->stall_client);
    }
    qemu_bh_delete(SMMU_TESTDEV(pdev)->stall_bh);
    pcie_cap_exit(pdev);
}

static void smmu_testdev_reset(DeviceState *dev)
{
    SmmuTestdevState *s = SMMU_TESTDEV(dev);

    s->src = 0;
    s->dst = 0;
    s->len = 0;
    s->op = 0;
    s->pasid = 0;
    s->repeat = 0;
    s->stride = 0;
    s->wrap = 0;
    s->threads = 0;
    s->done_count = 0;
    s->status = 0;
    s->result = 0;
    memset(s->buf, 0, sizeof(s->buf));
    smmu_testdev_iotlb_set(s, SMMU_TESTDEV_IOTLB_OFF);
    s->ats_addr = 0;
    s->ats_status = SMMU_TESTDEV_ATS_ST_NONE;
    s->ats_xlate = s->ats_mask = 0;
    s->ats_perm = 0;
    smmu_testdev_atc_reset(s);
    smmu_testdev_pri_reset(s);
    /* a parked operation is forgotten; the IOMMU may still hold a stall */
    s->stall_count = s->stall_tag = 0;
    s->stall_resume = STALL_RESUME_NONE;
    s->stall_held = false;
}

static const Property smmu_testdev_props[] = {
    /* The PCIe ATS capability and the ATC behind it */
    DEFINE_PROP_BOOL("ats", SmmuTestdevState, ats, true),
    /* The PCIe PRI capability: Page Requests and PRG Responses */
    DEFINE_PROP_BOOL("pri", SmmuTestdevState, pri, true),
};

static bool smmu_testdev_stall_needed(void *opaque)
{
    SmmuTestdevState *s = opaque;

    return s->stall_count || (s->status & SMMU_TESTDEV_STATUS_STALLED);
}

/* A parked operation waits for its IOMMU again on the destination */
static int smmu_testdev_stall_post_load(void *opaque, int version_id)
{
    SmmuTestdevState *s = opaque;

    if (s->status & SMMU_TESTDEV_STATUS_STALLED) {
        smmu_testdev_stall_listen(s);
    }
    if (s->stall_resume != STALL_RESUME_NONE) {
        qemu_bh_schedule(s->stall_bh);
    }
    return 0;
}

static const VMStateDescription vmstate_smmu_testdev_stall = {
    .name = TYPE_SMMU_TESTDEV "/stall",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = smmu_testdev_stall_needed,
    .post_load = smmu_testdev_stall_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(stall_count, SmmuTestdevState),
        VMSTATE_UINT32(stall_tag, SmmuTestdevState),
        VMSTATE_UINT32(stall_resume, SmmuTestdevState),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_smmu_testdev = {
    .name = TYPE_SMMU_TESTDEV,
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, SmmuTestdevState),
        VMSTATE_UINT64(src, SmmuTestdevState),
        VMSTATE_UINT64(dst, SmmuTestdevState),
        VMSTATE_UINT32(len, SmmuTestdevState),
        VMSTATE_UINT32(op, SmmuTestdevState),
        VMSTATE_UINT32(pasid, SmmuTestdevState),
        VMSTATE_UINT32(repeat, SmmuTestdevState),
        VMSTATE_UINT32(stride, SmmuTestdevState),
        VMSTATE_UINT32(wrap, SmmuTestdevState),
        VMSTATE_UINT32(done_count, SmmuTestdevState),
        VMSTATE_UINT32(status, SmmuTestdevState),
        VMSTATE_UINT32(result, SmmuTestdevState),
        VMSTATE_UINT8_ARRAY(buf, SmmuTestdevState, SMMU_TESTDEV_BUF_SIZE),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_smmu_testdev_stall,
        NULL
    }
};

static void smmu_testdev_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(klass);

    pc->realize = smmu_testdev_realize;
    pc->exit = smmu_testdev_exit;
    pc->vendor_id = SMMU_TESTDEV_VENDOR_ID;
    pc->device_id = SMMU_TESTDEV_DEVICE_ID;
    pc->revision = 1;
    pc->class_id = PCI_CLASS_OTHERS;
    dc->desc = "DMA engine for IOMMU tests";
    dc->vmsd = &vmstate_smmu_testdev;
    device_class_set_legacy_reset(dc, smmu_testdev_reset);
    device_class_set_props(dc, smmu_testdev_props);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo smmu_testdev_info = {
    .name = TYPE_SMMU_TESTDEV,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SmmuTestdevState),
    .class_init = smmu_testdev_class_init,
    .interfaces = (const InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { }
    },
};

static void smmu_testdev_register_types(void)
{
    type_register_static(&smmu_testdev_info);
}

type_init(smmu_testdev_register_types)
