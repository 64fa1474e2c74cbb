/*
 * nvme-nest: level 1 of the e2e-nesting suite with an NVMe controller as
 * the assigned device (test_level1_nvme).
 *
 * Like nested-dma.c, it plays the VMM in a small Linux guest on QEMU's
 * virt with our SMMUv3 (stage=nested): through VFIO's device cdev and
 * iommufd (iommufd-nest.c) it puts QEMU's NVMe controller behind a nested
 * hwpt whose CD and stage-1 tables live in its IOAS memory.  Then it is
 * the controller's driver: admin queues, Identify, one I/O queue pair,
 * READs into buffers described by PRP entries and a PRP list, a WRITE
 * and a read back, polling completion phase bits (no interrupts).
 *
 * Every address the controller is given (queues, Identify data, PRPs,
 * the PRP list itself) is a stage-1 IOVA in [IOVA_BASE, IOVA_BASE +
 * NPAGES pages): far from the IPAs of the IOAS (IPA_BASE) and from the
 * guest's RAM, and each IOVA page maps to the IPA pages in reverse order,
 * so a model that skipped stage 1 would fault at stage 2 and a model that
 * assumed IPA-contiguous pages would scatter the data.
 *
 * Expected data: the host puts "e2e.read1=<sha256>" and "e2e.read2=..."
 * (the disk ranges the reads cover) on the kernel command line.  The
 * WRITE's bytes are an LCG the host recomputes; it also checks that they
 * reached the disk image.
 *
 * Output as nested-dma's: "NEST ok|not ok|skip <step> <detail>" lines and
 * "NEST done <passed> <failed> <skipped>" last.
 *
 * NVMe references are to the NVM Express Base Specification 1.4.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iommufd-nest.h"

/* QEMU's controller: PCI IDs, and the serial number the test gives it. */
#define NVME_VENDOR         0x1b36
#define NVME_DEVICE         0x0010
#define SERIAL              "SMMU-NEST-NVME" /* nesting.NVME_SERIAL */
#define DISK_BLOCKS         2048             /* nesting.NVME_DISK_SIZE */
#define LBS                 512

/* Controller registers (3.1): CAP, VS, INTMS, CC, CSTS, AQA, ASQ, ACQ. */
#define REG_CAP             0x00
#define REG_VS              0x08
#define REG_INTMS           0x0c
#define REG_CC              0x14
#define REG_CSTS            0x1c
#define REG_AQA             0x24
#define REG_ASQ             0x28
#define REG_ACQ             0x30
#define CAP_MQES(c)         ((unsigned)((c) & 0xffff))
#define CAP_TO(c)           ((unsigned)(((c) >> 24) & 0xff))  /* 500 ms */
#define CAP_DSTRD(c)        ((unsigned)(((c) >> 32) & 0xf))
#define CAP_CSS_NVM(c)      (((c) >> 37) & 1)
#define CAP_MPSMIN(c)       ((unsigned)(((c) >> 48) & 0xf))
#define CC_EN               (1u << 0)
#define CC_CSS_NVM          (0u << 4)
#define CC_MPS_4K           (0u << 7)
#define CC_IOSQES(x)        ((uint32_t)(x) << 16)   /* log2 of 64 */
#define CC_IOCQES(x)        ((uint32_t)(x) << 20)   /* log2 of 16 */
#define CSTS_RDY            (1u << 0)
#define CSTS_CFS            (1u << 1)
/* Doorbells (3.1, SQyTDBL and CQyHDBL) */
#define SQ_TDBL(y, s)       (0x1000 + (2 * (y)) * (4u << (s)))
#define CQ_HDBL(y, s)       (0x1000 + (2 * (y) + 1) * (4u << (s)))

/* Admin (5) and NVM (6) opcodes. */
#define ADM_CREATE_IOSQ     0x01
#define ADM_CREATE_IOCQ     0x05
#define ADM_IDENTIFY        0x06
#define NVM_WRITE           0x01
#define NVM_READ            0x02
#define CNS_NAMESPACE       0
#define CNS_CONTROLLER      1
#define QUEUE_PC            1u          /* physically contiguous */

/*
 * The IOAS: the "guest" memory at IPA_BASE.  Page 0 holds the CD, pages
 * 1-15 the stage-1 tables, then NPAGES data pages.
 */
#define IPA_BASE            0x20000000ULL
#define MEM_SIZE            (256 * 1024)
#define PG                  NEST_PG
#define OFF_CD              0x0000
#define OFF_TABLES          0x1000
#define OFF_DATA            0x10000
#define NPAGES              32
#define IOVA_BASE           0x3a5c000000ULL /* 39-bit, inside one 2 MiB */
#define ASID                9
#define VSID                0x51

/* IOVA pages (index k is IOVA_BASE + k * PG) */
#define P_ASQ               0
#define P_ACQ               1
#define P_IOSQ              2
#define P_IOCQ              3
#define P_IDCTRL            4
#define P_IDNS              5
#define P_PRPL              6
#define P_R1                7           /* 2 pages */
#define P_R2                9           /* 6 pages */
#define P_W                 15          /* 2 pages */
#define P_RB                17          /* 2 pages */
#define QDEPTH              16

/* The transfers: block counts, first LBAs, offsets in their first page */
#define R1_LBA              3
#define R1_BLOCKS           8           /* 4 KiB at +0x800: PRP1, PRP2 */
#define R1_OFF              0x800
#define R2_LBA              100
#define R2_BLOCKS           40          /* 20 KiB at +0x300: a PRP list */
#define R2_OFF              0x300
#define W_LBA               1000
#define W_BLOCKS            2           /* 1 KiB at +0xe00: PRP1, PRP2 */
#define W_OFF               0xe00
#define W_SEED              0x5eed      /* nesting.nvme_written() */
#define RB_OFF              0xc00
#define POISON              0xa5
#define TIMEOUT_MS          10000

static struct nest nest;
static uint64_t cap;
static unsigned dstrd;

static uint32_t rd32(uint32_t off)
{
    return *(volatile uint32_t *)(nest.bar + off);    /* MMIO read */
}

static void wr32(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(nest.bar + off) = v;       /* MMIO write */
}

static uint64_t rd64(uint32_t off)
{
    return rd32(off) | (uint64_t)rd32(off + 4) << 32;
}

static void wr64(uint32_t off, uint64_t v)
{
    wr32(off, (uint32_t)v);
    wr32(off + 4, (uint32_t)(v >> 32));
}

static uint64_t iova(unsigned page)
{
    return IOVA_BASE + page * PG;
}

/* IOVA page k is IPA data page NPAGES - 1 - k (stage 1, reversed). */
static uint64_t page_off(unsigned page)
{
    return OFF_DATA + (NPAGES - 1 - page) * PG;
}

/* The byte at IOVA iova(page) + off, through our own stage-1 layout. */
static uint8_t *at(unsigned page, uint64_t off)
{
    return nest.mem + page_off(page + off / PG) + off % PG;
}

static void copy_out(uint8_t *dst, unsigned page, uint64_t off, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        dst[i] = *at(page, off + i);
    }
}

static void copy_in(unsigned page, uint64_t off, const uint8_t *src,
                    size_t len)
{
    for (size_t i = 0; i < len; i++) {
        *at(page, off + i) = src[i];
    }
}

static void poison(unsigned page, unsigned pages)
{
    for (unsigned i = 0; i < pages; i++) {
        memset(nest.mem + page_off(page + i), POISON, PG);
    }
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* ---- SHA-256 (FIPS 180-4), for the reports ---- */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64], v[8];

    for (int t = 0; t < 16; t++) {
        w[t] = (uint32_t)p[4 * t] << 24 | p[4 * t + 1] << 16 |
               p[4 * t + 2] << 8 | p[4 * t + 3];
    }
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^
                      (w[t - 15] >> 3);
        uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^
                      (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    memcpy(v, h, sizeof(v));
    for (int t = 0; t < 64; t++) {
        uint32_t e = v[4], a = v[0];
        uint32_t t1 = v[7] + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                      ((e & v[5]) ^ (~e & v[6])) + sha_k[t] + w[t];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                      ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));

        memmove(v + 1, v, 7 * sizeof(v[0]));
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) {
        h[i] += v[i];
    }
}

/* The hex digest of data into hex (65 bytes). */
static void sha256_hex(const uint8_t *data, size_t len, char *hex)
{
    uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    uint8_t last[128] = { 0 };
    size_t full = len & ~(size_t)63, rest = len - full, n;
    uint64_t bits = (uint64_t)len * 8;

    for (size_t i = 0; i < full; i += 64) {
        sha_block(h, data + i);
    }
    memcpy(last, data + full, rest);
    last[rest] = 0x80;
    n = rest < 56 ? 64 : 128;
    for (int i = 0; i < 8; i++) {
        last[n - 1 - i] = bits >> (8 * i);
    }
    for (size_t i = 0; i < n; i += 64) {
        sha_block(h, last + i);
    }
    for (int i = 0; i < 8; i++) {
        snprintf(hex + 8 * i, 9, "%08x", h[i]);
    }
}

/* e2e.<key>=<value> from the kernel command line, into val. */
static int cmdline_param(const char *key, char *val, size_t len)
{
    char line[4096], want[64], *p;
    FILE *f = fopen("/proc/cmdline", "r");
    int found = 0;

    if (!f) {
        return 0;
    }
    if (fgets(line, sizeof(line), f)) {
        snprintf(want, sizeof(want), "e2e.%s=", key);
        for (p = strtok(line, " \n"); p && !found; p = strtok(NULL, " \n")) {
            if (!strncmp(p, want, strlen(want))) {
                snprintf(val, len, "%s", p + strlen(want));
                found = 1;
            }
        }
    }
    fclose(f);
    return found;
}

/* ---- queues ---- */

/* A submission/completion queue pair, polled through the phase bit. */
struct queue {
    unsigned qid, sq_page, cq_page;
    uint16_t tail, head, cid;
    int phase;
};

static struct queue admin = { 0, P_ASQ, P_ACQ, 0, 0, 0, 1 };
static struct queue io = { 1, P_IOSQ, P_IOCQ, 0, 0, 0, 1 };

/* What one command gave back. */
struct done {
    int timeout;            /* no completion in TIMEOUT_MS */
    uint32_t dw0, csts;
    unsigned sct, sc;       /* status code type, status code */
};

/*
 * Submit the 16 dwords of cmd (4.2: CDW0 opcode and CID, NSID, PRP1 in
 * DW6-7, PRP2 in DW8-9, CDW10-15) and poll its completion entry (4.6: DW0
 * command specific, DW2 SQ head and ID, DW3 CID, phase P at bit 16 and
 * the status field above it).
 */
static struct done run(struct queue *q, uint32_t cmd[16])
{
    volatile uint32_t *cqe;
    struct done d = { 0 };
    uint64_t end = now_ms() + TIMEOUT_MS;
    uint16_t cid = q->cid++;

    cmd[0] = (cmd[0] & 0xff) | (uint32_t)cid << 16;
    memcpy(nest.mem + page_off(q->sq_page) + q->tail * 64, cmd, 64);
    q->tail = (q->tail + 1) % QDEPTH;
    __sync_synchronize();
    wr32(SQ_TDBL(q->qid, dstrd), q->tail);

    cqe = (volatile uint32_t *)(nest.mem + page_off(q->cq_page) +
                                q->head * 16);
    while (((cqe[3] >> 16) & 1) != (uint32_t)q->phase) {
        d.csts = rd32(REG_CSTS);
        if (now_ms() > end || (d.csts & CSTS_CFS)) {
            d.timeout = 1;
            return d;
        }
    }
    __sync_synchronize();
    d.dw0 = cqe[0];
    d.sct = (cqe[3] >> 25) & 7;
    d.sc = (cqe[3] >> 17) & 0xff;
    if ((cqe[3] & 0xffff) != cid) {
        d.sct = 7;          /* not ours: report it as a vendor status */
        d.sc = 0xff;
    }
    q->head = (q->head + 1) % QDEPTH;
    if (!q->head) {
        q->phase ^= 1;
    }
    wr32(CQ_HDBL(q->qid, dstrd), q->head);
    return d;
}

/* A failed command's detail. */
static const char *why(struct done d)
{
    static char text[320];

    if (d.timeout) {
        snprintf(text, sizeof(text), "no completion within %d ms (CSTS "
                 "0x%x%s); %s", TIMEOUT_MS, d.csts,
                 d.csts & CSTS_CFS ? ", controller fatal status" : "",
                 nest_pending_event(&nest));
    } else {
        snprintf(text, sizeof(text), "status type %u code 0x%02x", d.sct,
                 d.sc);
    }
    return text;
}

static int ok(struct done d)
{
    return !d.timeout && !d.sct && !d.sc;
}

/*
 * PRP entries (4.3) for len bytes at IOVA page `page` + off: PRP1 the
 * first, with its offset; PRP2 the second page when the transfer ends
 * there, else the IOVA of a PRP list (page P_PRPL) naming the rest.
 */
static void prps(uint32_t cmd[16], unsigned page, uint64_t off, size_t len)
{
    uint64_t first = iova(page) + off;
    unsigned pages = (off % PG + len + PG - 1) / PG;
    uint64_t prp2 = 0;

    if (pages == 2) {
        prp2 = iova(page + 1);
    } else if (pages > 2) {
        uint64_t *list = (uint64_t *)(nest.mem + page_off(P_PRPL));

        for (unsigned i = 1; i < pages; i++) {
            list[i - 1] = iova(page + i);
        }
        prp2 = iova(P_PRPL);
    }
    cmd[6] = (uint32_t)first;
    cmd[7] = first >> 32;
    cmd[8] = (uint32_t)prp2;
    cmd[9] = prp2 >> 32;
}

/* READ or WRITE (6.9, 6.15): SLBA in CDW10-11, 0's based NLB in CDW12. */
static struct done rw(int opc, uint64_t lba, unsigned blocks,
                      unsigned page, uint64_t off)
{
    uint32_t cmd[16] = { opc, 1 };      /* NSID 1 */

    prps(cmd, page, off, (size_t)blocks * LBS);
    cmd[10] = (uint32_t)lba;
    cmd[11] = lba >> 32;
    cmd[12] = blocks - 1;
    return run(&io, cmd);
}

/* Identify (5.15): CNS in CDW10, the 4 KiB structure at PRP1. */
static struct done identify(unsigned cns, uint32_t nsid, unsigned page)
{
    uint32_t cmd[16] = { ADM_IDENTIFY, nsid };

    poison(page, 1);
    prps(cmd, page, 0, PG);
    cmd[10] = cns;
    return run(&admin, cmd);
}

/* A READ of blocks at lba into IOVA page + off, checked against the
 * sha256 the host put on the command line as e2e.<step's key>. */
static void read_step(const char *step, const char *key, uint64_t lba,
                      unsigned blocks, unsigned page, uint64_t off)
{
    static uint8_t buf[R2_BLOCKS * LBS];
    size_t len = (size_t)blocks * LBS;
    unsigned pages = (off + len + PG - 1) / PG;
    char want[80] = "", got[65];
    struct done d;

    if (skipping(step)) {
        return;
    }
    poison(page, pages);
    if (pages > 2) {
        poison(P_PRPL, 1);
    }
    d = rw(NVM_READ, lba, blocks, page, off);
    if (!ok(d)) {
        report(0, step, "READ %u blocks at LBA %llu: %s", blocks,
               (unsigned long long)lba, why(d));
        return;
    }
    copy_out(buf, page, off, len);
    sha256_hex(buf, len, got);
    cmdline_param(key, want, sizeof(want));
    report(!strcmp(got, want), step, "READ %u blocks at LBA %llu into "
           "IOVA 0x%llx (%u pages, PRP2 %s): sha256 %s, want %s", blocks,
           (unsigned long long)lba, (unsigned long long)(iova(page) + off),
           pages, pages > 2 ? "a PRP list" : "the second page", got,
           want[0] ? want : "(none given)");
}

int main(void)
{
    static uint8_t wbuf[W_BLOCKS * LBS], rbuf[W_BLOCKS * LBS];
    char hex[65];
    struct done d;
    int r;

    setvbuf(stdout, NULL, _IOLBF, 0);
    printf(NEST_MARK " start nvme-nest\n");

    /* The controller on vfio-pci and iommufd; stage 2; the vIOMMU. */
    nest_open(&nest, NVME_VENDOR, NVME_DEVICE, "nvme");
    nest_stage2(&nest, IPA_BASE, MEM_SIZE, VSID);

    /* Stage 1: the IOVA window onto the data pages, in reverse. */
    if (!skipping("stage1_tables")) {
        r = 0;
        nest_s1_init(&nest, OFF_CD, OFF_TABLES, OFF_DATA, ASID);
        for (unsigned k = 0; k < NPAGES && !r; k++) {
            r = nest_s1_map(&nest, iova(k), IPA_BASE + page_off(k));
        }
        report(!r, "stage1_tables", "IOVA 0x%llx-0x%llx -> IPA 0x%llx-0x%llx"
               " page by page in reverse order",
               (unsigned long long)iova(0),
               (unsigned long long)iova(NPAGES) - 1,
               (unsigned long long)(IPA_BASE + OFF_DATA),
               (unsigned long long)(IPA_BASE + OFF_DATA + NPAGES * PG - 1));
    }
    nest_attach(&nest);

    /* BAR0: CAP (3.1.1) says how to drive the controller. */
    if (!skipping("map_bar0")) {
        r = nest_map_bar0(&nest);
        if (r == 0) {
            cap = rd64(REG_CAP);
            dstrd = CAP_DSTRD(cap);
        }
        if (r) {
            report(0, "map_bar0", "%s", errname(r));
        } else {
            report(CAP_CSS_NVM(cap) && CAP_MPSMIN(cap) == 0 &&
                   CAP_MQES(cap) + 1 >= QDEPTH, "map_bar0", "BAR0 %llu KiB, "
                   "VS 0x%08x, CAP 0x%016llx: MQES %u, DSTRD %u, TO %u, "
                   "MPSMIN %u, NVM command set %s",
                   (unsigned long long)nest.bar_size / 1024, rd32(REG_VS),
                   (unsigned long long)cap, CAP_MQES(cap), dstrd,
                   CAP_TO(cap), CAP_MPSMIN(cap),
                   CAP_CSS_NVM(cap) ? "yes" : "no");
        }
    }

    /*
     * Initialization (7.6.1): CC.EN off and CSTS.RDY 0; admin queues in
     * AQA (3.1.8, 0's based sizes), ASQ (3.1.9), ACQ (3.1.10); CC (3.1.5)
     * with 64-byte SQ and 16-byte CQ entries, 4 KiB pages, NVM; then
     * CSTS.RDY (3.1.6) within CAP.TO.  INTMS (3.1.3) masks the pin
     * interrupt: completions are polled.
     */
    if (!skipping("enable")) {
        uint64_t end = now_ms() + (CAP_TO(cap) + 1) * 500;
        uint32_t csts;

        wr32(REG_CC, 0);
        while ((csts = rd32(REG_CSTS)) & CSTS_RDY && now_ms() < end) {
        }
        memset(nest.mem + page_off(P_ASQ), 0, PG);
        memset(nest.mem + page_off(P_ACQ), 0, PG);
        __sync_synchronize();
        wr32(REG_INTMS, 1);
        wr32(REG_AQA, (QDEPTH - 1) << 16 | (QDEPTH - 1));
        wr64(REG_ASQ, iova(P_ASQ));
        wr64(REG_ACQ, iova(P_ACQ));
        wr32(REG_CC, CC_IOCQES(4) | CC_IOSQES(6) | CC_MPS_4K | CC_CSS_NVM |
             CC_EN);
        end = now_ms() + (CAP_TO(cap) + 1) * 500;
        while (!((csts = rd32(REG_CSTS)) & (CSTS_RDY | CSTS_CFS)) &&
               now_ms() < end) {
        }
        report(csts == CSTS_RDY, "enable", "CSTS 0x%x; admin SQ at IOVA "
               "0x%llx (IPA 0x%llx), CQ at IOVA 0x%llx (IPA 0x%llx)", csts,
               (unsigned long long)iova(P_ASQ),
               (unsigned long long)(IPA_BASE + page_off(P_ASQ)),
               (unsigned long long)iova(P_ACQ),
               (unsigned long long)(IPA_BASE + page_off(P_ACQ)));
    }

    /*
     * Identify Controller (5.15.2.1): VID in bytes 1:0, SN in 23:4 (ASCII,
     * space padded), MN in 63:24.
     */
    if (!skipping("identify_ctrl")) {
        d = identify(CNS_CONTROLLER, 0, P_IDCTRL);
        if (!ok(d)) {
            report(0, "identify_ctrl", "%s", why(d));
        } else {
            char sn[21], mn[41];
            uint16_t vid = *at(P_IDCTRL, 0) | *at(P_IDCTRL, 1) << 8;

            copy_out((uint8_t *)sn, P_IDCTRL, 4, 20);
            copy_out((uint8_t *)mn, P_IDCTRL, 24, 40);
            sn[20] = mn[40] = 0;
            for (int i = 19; i >= 0 && sn[i] == ' '; i--) {
                sn[i] = 0;
            }
            for (int i = 39; i >= 0 && mn[i] == ' '; i--) {
                mn[i] = 0;
            }
            report(vid == NVME_VENDOR && !strcmp(sn, SERIAL),
                   "identify_ctrl", "VID 0x%04x, SN \"%s\" (want \"%s\"), MN "
                   "\"%s\", at IOVA 0x%llx", vid, sn, SERIAL, mn,
                   (unsigned long long)iova(P_IDCTRL));
        }
    }

    /*
     * Identify Namespace 1 (5.15.2.2): NSZE in bytes 7:0, FLBAS byte 26
     * (bits 3:0 the format), LBA format n at byte 128 + 4n, LBADS in its
     * bits 23:16.
     */
    if (!skipping("identify_ns")) {
        d = identify(CNS_NAMESPACE, 1, P_IDNS);
        if (!ok(d)) {
            report(0, "identify_ns", "%s", why(d));
        } else {
            uint64_t nsze = 0;
            uint32_t lbaf = 0;
            unsigned fmt = *at(P_IDNS, 26) & 0xf;

            copy_out((uint8_t *)&nsze, P_IDNS, 0, 8);
            copy_out((uint8_t *)&lbaf, P_IDNS, 128 + 4 * fmt, 4);
            report(nsze == DISK_BLOCKS && 1u << ((lbaf >> 16) & 0xff) == LBS,
                   "identify_ns", "NSZE %llu blocks (want %u), %u-byte blocks"
                   " (want %u)", (unsigned long long)nsze, DISK_BLOCKS,
                   1u << ((lbaf >> 16) & 0xff), LBS);
        }
    }

    /*
     * One I/O queue pair: Create I/O Completion Queue (5.3: QID and 0's
     * based QSIZE in CDW10, PC in CDW11, interrupts off), then Create I/O
     * Submission Queue (5.4: CDW11 PC and the CQID in 31:16).
     */
    if (!skipping("create_io_cq")) {
        uint32_t cmd[16] = { ADM_CREATE_IOCQ };

        memset(nest.mem + page_off(P_IOCQ), 0, PG);
        prps(cmd, P_IOCQ, 0, PG);
        cmd[10] = (QDEPTH - 1) << 16 | io.qid;
        cmd[11] = QUEUE_PC;
        d = run(&admin, cmd);
        report(ok(d), "create_io_cq", "CQ %u of %u entries at IOVA 0x%llx: "
               "%s", io.qid, QDEPTH, (unsigned long long)iova(P_IOCQ),
               ok(d) ? "created" : why(d));
    }
    if (!skipping("create_io_sq")) {
        uint32_t cmd[16] = { ADM_CREATE_IOSQ };

        prps(cmd, P_IOSQ, 0, PG);
        cmd[10] = (QDEPTH - 1) << 16 | io.qid;
        cmd[11] = io.qid << 16 | QUEUE_PC;
        d = run(&admin, cmd);
        report(ok(d), "create_io_sq", "SQ %u of %u entries at IOVA 0x%llx: "
               "%s", io.qid, QDEPTH, (unsigned long long)iova(P_IOSQ),
               ok(d) ? "created" : why(d));
    }

    /* Reads through PRP1 + PRP2, then PRP1 + a PRP list. */
    read_step("read_prp2", "read1", R1_LBA, R1_BLOCKS, P_R1, R1_OFF);
    read_step("read_prp_list", "read2", R2_LBA, R2_BLOCKS, P_R2, R2_OFF);

    /* A WRITE from IOVA memory, and the same blocks read back. */
    if (!skipping("write")) {
        uint32_t seed = W_SEED;

        for (size_t i = 0; i < sizeof(wbuf); i++) {
            seed = seed * 1103515245u + 12345u;
            wbuf[i] = seed >> 16;
        }
        poison(P_W, 2);
        copy_in(P_W, W_OFF, wbuf, sizeof(wbuf));
        __sync_synchronize();
        sha256_hex(wbuf, sizeof(wbuf), hex);
        d = rw(NVM_WRITE, W_LBA, W_BLOCKS, P_W, W_OFF);
        report(ok(d), "write", "WRITE %u blocks at LBA %u from IOVA 0x%llx: "
               "sha256 %s%s%s", W_BLOCKS, W_LBA,
               (unsigned long long)(iova(P_W) + W_OFF), hex,
               ok(d) ? "" : "; ", ok(d) ? "" : why(d));
    }
    if (!skipping("read_back")) {
        poison(P_RB, 2);
        d = rw(NVM_READ, W_LBA, W_BLOCKS, P_RB, RB_OFF);
        if (!ok(d)) {
            report(0, "read_back", "%s", why(d));
        } else {
            copy_out(rbuf, P_RB, RB_OFF, sizeof(rbuf));
            sha256_hex(rbuf, sizeof(rbuf), hex);
            report(!memcmp(rbuf, wbuf, sizeof(wbuf)), "read_back", "READ %u "
                   "blocks at LBA %u into IOVA 0x%llx: sha256 %s, %s",
                   W_BLOCKS, W_LBA, (unsigned long long)(iova(P_RB) + RB_OFF),
                   hex, memcmp(rbuf, wbuf, sizeof(wbuf)) ? "not what was "
                   "written" : "what was written");
        }
    }

    /* Leave the controller disabled (CC.EN 0) for the next owner. */
    if (nest.bar) {
        wr32(REG_CC, 0);
    }
    return nest_done();
}
