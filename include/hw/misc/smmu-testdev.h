/*
 * smmu-testdev: a PCIe DMA engine for exercising an IOMMU from qtest.
 *
 * Register layout of BAR0, shared by the device model and the tests.
 * All registers are little endian; 64-bit registers may be accessed as
 * one 64-bit access or as two 32-bit halves.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_MISC_SMMU_TESTDEV_H
#define HW_MISC_SMMU_TESTDEV_H

#define TYPE_SMMU_TESTDEV               "smmu-testdev"

/*
 * 1af4:10f5, from the range that docs/specs/pci-ids.rst leaves for
 * experimental use without registration (1af4:10f0-10ff); nothing in the
 * base uses it.
 */
#define SMMU_TESTDEV_VENDOR_ID          0x1af4
#define SMMU_TESTDEV_DEVICE_ID          0x10f5

/* BAR0: registers in the first 64 KiB, the DMA buffer in the second. */
#define SMMU_TESTDEV_BAR                0
#define SMMU_TESTDEV_BAR_SIZE           0x20000
#define SMMU_TESTDEV_BUF_OFFSET         0x10000
#define SMMU_TESTDEV_BUF_SIZE           0x10000

/* Register offsets in BAR0. */
#define SMMU_TESTDEV_REG_ID             0x00    /* RO: SMMU_TESTDEV_MAGIC */
#define SMMU_TESTDEV_REG_BUF_SIZE       0x04    /* RO: buffer bytes */
#define SMMU_TESTDEV_REG_SRC            0x08    /* RW 64: source IOVA */
#define SMMU_TESTDEV_REG_DST            0x10    /* RW 64: destination IOVA */
#define SMMU_TESTDEV_REG_LEN            0x18    /* RW: bytes to move */
#define SMMU_TESTDEV_REG_OP             0x1c    /* RW: SMMU_TESTDEV_OP_* */
#define SMMU_TESTDEV_REG_PASID          0x20    /* RW: PASID tag */
#define SMMU_TESTDEV_REG_DOORBELL       0x24    /* WO: write 1 to run */
#define SMMU_TESTDEV_REG_STATUS         0x28    /* RO: see below */
#define SMMU_TESTDEV_REG_RESULT         0x2c    /* RO: MemTxResult */
#define SMMU_TESTDEV_REG_REPEAT         0x30    /* RW: runs per doorbell */
#define SMMU_TESTDEV_REG_STRIDE         0x34    /* RW: address step per run */
#define SMMU_TESTDEV_REG_WRAP           0x38    /* RW: runs before restart */
#define SMMU_TESTDEV_REG_DONE_COUNT     0x3c    /* RO: runs that succeeded */
#define SMMU_TESTDEV_REG_IOTLB          0x40    /* RW: SMMU_TESTDEV_IOTLB_* */
#define SMMU_TESTDEV_REG_IOTLB_COUNT    0x44    /* RO: entries cached */
#define SMMU_TESTDEV_REG_IOTLB_DROPPED  0x48    /* RO: entries notified away */

/*
 * PCIe ATS (property "ats", on by default: the ATS extended capability
 * at SMMU_TESTDEV_ATS_CAP_OFFSET) and an ATC of SMMU_TESTDEV_ATC_ENTRIES
 * translations, filled by ATS Translation Requests through the IOMMU
 * (pci_ats_request_translation()) and emptied by the ATS Invalidate
 * requests the IOMMU sends (an IOMMU_NOTIFIER_DEVIOTLB_UNMAP notifier,
 * registered with pci_iommu_register_iotlb_notifier() at the first
 * request).  Software must enable ATS in the capability first.
 *
 * Writing ATS_REQ with bit 0 set requests the translation of ATS_ADDR
 * (read-only when bit 1, NW, is set; with the PASID of the PASID
 * register when its bit 31 is set), puts the first entry of a success
 * into the ATC and reports it in ATS_STATUS, ATS_XLATE (the translated
 * page), ATS_MASK and ATS_PERM (ATS_PERM_R | ATS_PERM_W; 0 is a
 * completion granting nothing, which is not cached).
 * ATC_INVALS counts the invalidations received; ATC_INV_* describe the
 * last one (PASID 0xffffffff: none).  Writing ATC_COUNT empties the ATC
 * and zeroes ATC_INVALS.  Not migrated.
 */
#define SMMU_TESTDEV_REG_ATS_ADDR       0x50    /* RW 64: untranslated */
#define SMMU_TESTDEV_REG_ATS_REQ        0x58    /* WO: ATS_REQ_* */
#define SMMU_TESTDEV_REG_ATS_STATUS     0x5c    /* RO: ATS_ST_* */
#define SMMU_TESTDEV_REG_ATS_XLATE      0x60    /* RO 64 */
#define SMMU_TESTDEV_REG_ATS_MASK       0x68    /* RO 64 */
#define SMMU_TESTDEV_REG_ATS_PERM       0x70    /* RO */
#define SMMU_TESTDEV_REG_ATC_COUNT      0x74    /* RO: entries; W: flush */
#define SMMU_TESTDEV_REG_ATC_INVALS     0x78    /* RO */
#define SMMU_TESTDEV_REG_ATC_INV_PASID  0x7c    /* RO */
#define SMMU_TESTDEV_REG_ATC_INV_ADDR   0x80    /* RO 64 */
#define SMMU_TESTDEV_REG_ATC_INV_MASK   0x88    /* RO 64 */

/* ATS_PERM: what the completion granted */
#define SMMU_TESTDEV_ATS_PERM_R         (1u << 0)
#define SMMU_TESTDEV_ATS_PERM_W         (1u << 1)

#define SMMU_TESTDEV_ATS_REQ_GO         (1u << 0)
#define SMMU_TESTDEV_ATS_REQ_NW         (1u << 1)

/* ATS_STATUS: the completion of the last request */
#define SMMU_TESTDEV_ATS_ST_NONE        0   /* no request yet */
#define SMMU_TESTDEV_ATS_ST_OK          1   /* Success (maybe R = W = 0) */
#define SMMU_TESTDEV_ATS_ST_UR          2   /* Unsupported Request */
#define SMMU_TESTDEV_ATS_ST_CA          3   /* Completer Abort */
#define SMMU_TESTDEV_ATS_ST_DISABLED    4   /* ATS not enabled, no IOMMU */

#define SMMU_TESTDEV_ATC_ENTRIES        4

/*
 * PCIe PRI (property "pri", on by default: the Page Request Interface
 * extended capability at SMMU_TESTDEV_PRI_CAP_OFFSET).  Software enables
 * PRI in the capability first (as Linux does after a Translation Request
 * returned no permission, or a test does by hand).
 *
 * Writing PRI_REQ with GO sends one Page Request Message for PRI_ADDR
 * through the IOMMU (pci_pri_request_page()) with the R, W, X, PRIV and
 * LAST bits and the PRG index of PRI_REQ, tagged with the PASID of the
 * PASID register when its bit 31 is set; PRI_STATUS says whether it
 * went out.  PRG Responses arrive through the IOMMU's PRI notifiers
 * (pci_pri_register_notifier(): one for the function, and one for the
 * PASID of the last tagged request): PRI_RESP_COUNT counts them,
 * PRI_RESP_CODE (the PCIe Response Code: SMMU_TESTDEV_PRI_RESP_*),
 * PRI_RESP_PRGI and PRI_RESP_PASID (the PASID of the notifier that got
 * it, 0xffffffff for the function's) describe the last one.  Writing
 * PRI_RESP_COUNT zeroes it and the last response.  Not migrated.
 */
#define SMMU_TESTDEV_REG_PRI_ADDR       0x90    /* RW 64: untranslated */
#define SMMU_TESTDEV_REG_PRI_REQ        0x98    /* WO: PRI_REQ_* */
#define SMMU_TESTDEV_REG_PRI_STATUS     0x9c    /* RO: PRI_ST_* */
#define SMMU_TESTDEV_REG_PRI_RESP_COUNT 0xa0    /* RO; W: clear */
#define SMMU_TESTDEV_REG_PRI_RESP_CODE  0xa4    /* RO */
#define SMMU_TESTDEV_REG_PRI_RESP_PRGI  0xa8    /* RO */
#define SMMU_TESTDEV_REG_PRI_RESP_PASID 0xac    /* RO */

#define SMMU_TESTDEV_PRI_REQ_GO         (1u << 0)
#define SMMU_TESTDEV_PRI_REQ_R          (1u << 1)
#define SMMU_TESTDEV_PRI_REQ_W          (1u << 2)
#define SMMU_TESTDEV_PRI_REQ_X          (1u << 3)
#define SMMU_TESTDEV_PRI_REQ_PRIV       (1u << 4)
#define SMMU_TESTDEV_PRI_REQ_LAST       (1u << 5)
#define SMMU_TESTDEV_PRI_REQ_PRGI_SHIFT 16      /* PRG index, 9 bits */

/* PRI_STATUS: what became of the last request */
#define SMMU_TESTDEV_PRI_ST_NONE        0   /* none yet */
#define SMMU_TESTDEV_PRI_ST_SENT        1   /* the IOMMU took it */
#define SMMU_TESTDEV_PRI_ST_REFUSED     2   /* PRI off, no IOMMU PRI */

/* PRI_RESP_CODE: PCIe PRG Response Codes; NONE: no response yet */
#define SMMU_TESTDEV_PRI_RESP_SUCCESS   0x0
#define SMMU_TESTDEV_PRI_RESP_INVALID   0x1
#define SMMU_TESTDEV_PRI_RESP_FAILURE   0xf
#define SMMU_TESTDEV_PRI_RESP_NONE      0xffffffffu

/*
 * Stall (an SMMUv3 with stall=supported or forced, IHI 0070 3.12.2):
 * when the IOMMU holds a request of the operation as a stalled
 * transaction instead of refusing it, the operation is parked: STATUS
 * reads SMMU_TESTDEV_STATUS_STALLED (DONE clear) and the doorbell is
 * ignored until the IOMMU answers.  CMD_RESUME with Retry: the whole
 * operation runs again from its start (REPEAT runs included) with the
 * registers as they are then, and may stall again; CMD_RESUME with
 * Abort, or CMD_STALL_TERM: it ends as a failed DMA does (STATUS DONE,
 * RESULT MEMTX_DECODE_ERROR).  An operation holds one stall at a time;
 * the IOMMU terminates any other request it would stall meanwhile.
 * STALL_COUNT counts the stalls since the doorbell, STALL_TAG is the
 * STAG of the last one (a test aid; real devices do not see it).
 * Device reset forgets a parked operation; it is migrated.
 */
#define SMMU_TESTDEV_REG_STALL_COUNT    0xb0    /* RO */
#define SMMU_TESTDEV_REG_STALL_TAG      0xb4    /* RO: STAG, 16 bits */

/*
 * Device IOTLB (off by default), a model of what vhost keeps: with IOTLB
 * set to UNMAP or DEVIOTLB the device registers an IOMMU notifier of
 * that type (IOMMU_NOTIFIER_UNMAP or IOMMU_NOTIFIER_DEVIOTLB_UNMAP) on
 * its IOMMU region, keeps up to SMMU_TESTDEV_IOTLB_ENTRIES translations
 * of untagged (no PASID) requests, reuses them without asking the IOMMU
 * again, and forgets those a notification covers.  Writing IOTLB empties
 * the cache and zeroes IOTLB_DROPPED; it reads back OFF when the IOMMU
 * refused the notifier (or there is no IOMMU).  Not migrated.
 */
#define SMMU_TESTDEV_IOTLB_OFF          0
#define SMMU_TESTDEV_IOTLB_UNMAP        1
#define SMMU_TESTDEV_IOTLB_DEVIOTLB     2
#define SMMU_TESTDEV_IOTLB_ENTRIES      16

/*
 * Repetition (for benchmarks): one doorbell runs the operation REPEAT
 * times (0 counts as 1); run i uses SRC and DST advanced by
 * (i % WRAP) * STRIDE (WRAP 0: by i * STRIDE).  The first failing run
 * stops the sequence; DONE_COUNT says how many succeeded.  REPEAT * LEN
 * may not exceed SMMU_TESTDEV_MAX_BYTES, which bounds a doorbell's work.
 */
#define SMMU_TESTDEV_MAX_BYTES          (4ULL << 30)

/*
 * Concurrency (for benchmarks): with THREADS N > 1 a doorbell runs the
 * repeated READ, WRITE or COPY on N threads of the device at once, each
 * REPEAT times over the same addresses with a buffer of its own (thread
 * 0's is the device buffer), and returns when all are done; DONE_COUNT
 * adds up their runs, RESULT is the first failure.  Not with the device
 * IOTLB, a PASID or the ATC.  So several threads translate at once, as
 * iothreads of several devices or queues do.
 */
#define SMMU_TESTDEV_REG_THREADS        0xb8    /* RW: 0 or 1: none */
#define SMMU_TESTDEV_MAX_THREADS        8

#define SMMU_TESTDEV_MAGIC              0x534d4d55  /* "SMMU" */

/*
 * Operations.  READ moves LEN bytes from IOVA SRC into the buffer at
 * offset 0; WRITE moves the buffer's first LEN bytes to IOVA DST; COPY
 * reads SRC into the buffer, then writes it to DST (the write is not
 * issued when the read fails).
 */
#define SMMU_TESTDEV_OP_READ            1
#define SMMU_TESTDEV_OP_WRITE           2
#define SMMU_TESTDEV_OP_COPY            3
/*
 * READ as one pci_dma_read() of LEN bytes, like most device models: the
 * memory core translates, and after a refusal goes on piece by piece.
 */
#define SMMU_TESTDEV_OP_READ_MEMCORE    4
/*
 * READ / WRITE with SRC / DST taken as translated addresses: every
 * request is marked Translated (PCIe AT, MemTxAttrs.address_type), as a
 * device would send one without asking the ATC.
 */
#define SMMU_TESTDEV_OP_READ_TRANSLATED 0x10
#define SMMU_TESTDEV_OP_WRITE_TRANSLATED 0x11
/*
 * READ / WRITE through the ATC: each request uses the cached translation
 * of its page, asks for one on a miss (ATS_* report the last request),
 * and goes out Translated.  A translation that does not grant the access
 * fails the operation with MEMTX_DECODE_ERROR.
 */
#define SMMU_TESTDEV_OP_READ_ATC        0x12
#define SMMU_TESTDEV_OP_WRITE_ATC       0x13

/*
 * DMA is issued as requests that do not cross this boundary (the PCIe
 * rule); the first request that fails ends the operation.
 */
#define SMMU_TESTDEV_REQ_BOUNDARY       0x1000

/*
 * PASID register: bit 31 tags every transaction of the next operation
 * with the PASID in bits [19:0].  The device must have PASID enabled in
 * its PASID extended capability.  QEMU's MemTxAttrs.pid carries the
 * PASID with no separate "present" flag, so PASID 0 cannot be sent, and
 * only as many bits as it holds: 20 with the fork's model, 8 with the
 * base's.  The capability's Max PASID Width says which; a PASID of 0 or
 * beyond that width fails with ERR_PASID.
 */
#define SMMU_TESTDEV_PASID_VALID        (1u << 31)
#define SMMU_TESTDEV_PASID_MASK         0xfffff

/*
 * STATUS: DONE (bit 0) is set when an operation finished (successfully
 * or not); ERR (bits [15:8]) says why the device refused to start it,
 * and RESULT holds the MemTxResult of the DMA that ran (0 = MEMTX_OK;
 * MEMTX_DECODE_ERROR when the IOMMU or the bus refused an address).
 * Writing any register but DOORBELL leaves STATUS alone; ringing the
 * doorbell clears it before the operation starts.
 */
#define SMMU_TESTDEV_STATUS_DONE        (1u << 0)
/* parked on a stalled transaction (see Stall above); DONE is clear */
#define SMMU_TESTDEV_STATUS_STALLED     (1u << 1)
#define SMMU_TESTDEV_STATUS_ERR_SHIFT   8
#define SMMU_TESTDEV_STATUS_ERR_MASK    (0xffu << SMMU_TESTDEV_STATUS_ERR_SHIFT)

#define SMMU_TESTDEV_ERR_NONE           0
#define SMMU_TESTDEV_ERR_LEN            1   /* LEN 0 or > buffer size */
#define SMMU_TESTDEV_ERR_OP             2   /* unknown OP */
#define SMMU_TESTDEV_ERR_PASID          3   /* PASID not sendable */
#define SMMU_TESTDEV_ERR_REPEAT         4   /* REPEAT * LEN too large */
#define SMMU_TESTDEV_ERR_THREADS        5   /* THREADS not allowed */

/* Extended capabilities in configuration space. */
#define SMMU_TESTDEV_EXP_CAP_OFFSET     0x80
#define SMMU_TESTDEV_PASID_CAP_OFFSET   0x100
/* Max PASID Width: 20, or 8 where MemTxAttrs.pid has only 8 bits */
#define SMMU_TESTDEV_PASID_WIDTH_MAX    20
#define SMMU_TESTDEV_PASID_WIDTH_BASE   8
#define SMMU_TESTDEV_ATS_CAP_OFFSET     0x108
#define SMMU_TESTDEV_PRI_CAP_OFFSET     0x110
#define SMMU_TESTDEV_PRI_MAX_REQS       32  /* outstanding requests */

#endif /* HW_MISC_SMMU_TESTDEV_H */
