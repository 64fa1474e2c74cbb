/*
 * PCIe ATS on the SMMUv3 (IHI 0070 3.9.1, 4.5.1, 5.2 STE.EATS): the
 * "ats" property and SMMU_IDR0.ATS, ATS Translation Requests from
 * smmu-testdev through pci_ats_request_translation() at every stage,
 * their UR and F_BAD_ATS_TREQ when ATS is not allowed, Translated
 * transactions against CR0.ATSCHK and STE.EATS (F_TRANSL_FORBIDDEN), and
 * the device's ATC filled by requests and emptied by CMD_ATC_INV.
 *
 * Commands run synchronously in this model: an ATS Invalidate reaches
 * the device while CMD_ATC_INV is consumed, before the CMD_SYNC that
 * follows completes; the cases check the ATC once the SYNC returned.
 *
 * The base's model has no ATS: every case skips there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"
#include "hw/pci/pci_regs.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define SEED            0x5d
#define BASE_SKIP       "the base's SMMUv3 has no ATS (SMMU_IDR0.ATS 0)"

/* IHI 0070 6.3.1, 6.3.9, 5.2, 4.5.1, 7.3.6, 7.3.8 */
#define IDR0_ATS        (1u << 10)
#define IDR0_NS1ATS     (1u << 11)
#define CR0_ATSCHK      (1u << 4)
#define STE1_EATS_SHIFT 28
#define CMD_ATC_INV     0x40
#define EVT_F_BAD_ATS_TREQ      0x05
#define EVT_F_TRANSL_FORBIDDEN  0x07
#define NO_PASID        0xffffffffu
#define PERM_R          SMMU_TESTDEV_ATS_PERM_R
#define PERM_RW         (SMMU_TESTDEV_ATS_PERM_R | SMMU_TESTDEV_ATS_PERM_W)

/* Stage-1 AP[2] (read-only), Arm ARM D8.3 */
#define D_AP_RO         (1ULL << 7)
#define D_OA_MASK       0x0000fffffffff000ULL

static uint32_t td_rd(QSmmuEnv *e, uint32_t off)
{
    return qpci_io_readl(e->td.dev, e->td.bar, off);
}

static uint64_t td_rdq(QSmmuEnv *e, uint32_t off)
{
    return qpci_io_readq(e->td.dev, e->td.bar, off);
}

static void td_wr(QSmmuEnv *e, uint32_t off, uint32_t val)
{
    qpci_io_writel(e->td.dev, e->td.bar, off, val);
}

/* Our model with ATS on and @extra, or skip on the base's */
static bool start(QSmmuEnv *e, const char *stage, const char *extra)
{
    g_autofree char *args = g_strdup_printf("-global arm-smmuv3.ats=on %s",
                                            extra ? extra : "");

    return qsmmu_env_start_ours(e, stage, args, BASE_SKIP);
}

/* Set Enable in the device's ATS capability (extended config space) */
static void enable_ats_cap(QSmmuEnv *e)
{
    uint64_t cap = QSMMU_VIRT_ECAM_BASE + (e->td.dev->devfn << 12) +
                   SMMU_TESTDEV_ATS_CAP_OFFSET;

    g_assert_cmphex(qtest_readl(e->qts, cap) & 0xffff, ==,
                    PCI_EXT_CAP_ID_ATS);
    qtest_writew(e->qts, cap + PCI_ATS_CTRL, PCI_ATS_CTRL_ENABLE);
    g_assert_cmphex(qtest_readw(e->qts, cap + PCI_ATS_CTRL), ==,
                    PCI_ATS_CTRL_ENABLE);
}

static void set_eats(QSmmuEnv *e, unsigned eats)
{
    uint64_t w1 = qsmmu_ste_addr(&e->smmu, SID) + 8;

    qtest_writeq(e->qts, w1, (qtest_readq(e->qts, w1) &
                              ~(3ULL << STE1_EATS_SHIFT)) |
                             (uint64_t)eats << STE1_EATS_SHIFT);
}

/* SMMUEN (and EVENTQEN, CMDQEN) on or off, with ATSCHK */
static void enable(QSmmuEnv *e, bool smmuen, bool atschk)
{
    uint32_t cr0;

    qsmmu_enable(&e->smmu, smmuen);
    cr0 = qtest_readl(e->qts, e->smmu.base + QSMMU_CR0) |
          (atschk ? CR0_ATSCHK : 0);
    qtest_writel(e->qts, e->smmu.base + QSMMU_CR0, cr0);
    g_assert_cmphex(qtest_readl(e->qts, e->smmu.base + QSMMU_CR0ACK), ==,
                    cr0);
}

/* Set up @config for the device with STE.EATS @eats; ATS enabled in it */
static void setup(QSmmuEnv *e, QSmmuXlate *x, uint8_t config, unsigned eats)
{
    qsmmu_xlate_defaults(x, config, SID);
    qsmmu_xlate_setup(e, x);
    set_eats(e, eats);
    enable_ats_cap(e);
}

/* One ATS Translation Request: the ATS_STATUS of its completion */
static uint32_t ats_req(QSmmuEnv *e, uint64_t addr, bool no_write)
{
    qpci_io_writeq(e->td.dev, e->td.bar, SMMU_TESTDEV_REG_ATS_ADDR, addr);
    td_wr(e, SMMU_TESTDEV_REG_ATS_REQ, SMMU_TESTDEV_ATS_REQ_GO |
                                       (no_write ? SMMU_TESTDEV_ATS_REQ_NW
                                                 : 0));
    return td_rd(e, SMMU_TESTDEV_REG_ATS_STATUS);
}

/* A successful completion translating to @pa with @mask and @perm */
static void expect_xlate(QSmmuEnv *e, uint64_t pa, uint64_t mask,
                         uint32_t perm)
{
    g_assert_cmpuint(td_rd(e, SMMU_TESTDEV_REG_ATS_STATUS), ==,
                     SMMU_TESTDEV_ATS_ST_OK);
    g_assert_cmphex(td_rd(e, SMMU_TESTDEV_REG_ATS_PERM), ==, perm);
    if (perm) {
        g_assert_cmphex(td_rdq(e, SMMU_TESTDEV_REG_ATS_XLATE), ==,
                        pa & ~mask);
    }
    g_assert_cmphex(td_rdq(e, SMMU_TESTDEV_REG_ATS_MASK), ==, mask);
}

/* Run @op on @addr: whether it succeeded */
static bool run(QSmmuEnv *e, uint32_t op, uint64_t addr)
{
    QSmmuTestdevStatus st = qsmmu_testdev_run(&e->td, op, addr, addr,
                                              XFER_LEN, 0);

    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    return st.result == 0;
}

/* A read through @op from @addr returns the pattern of @seed */
static void read_ok(QSmmuEnv *e, uint32_t op, uint64_t addr, uint64_t pa,
                    uint8_t seed)
{
    qsmmu_env_pattern(e, pa, XFER_LEN, seed);
    g_assert_true(run(e, op, addr));
    qsmmu_env_check_buf(e, XFER_LEN, seed);
}

/* CMD_ATC_INV (4.5.1) then CMD_SYNC: CMDQ_CONS.ERR */
static uint32_t atc_inv(QSmmuEnv *e, bool ssv, uint32_t ssid,
                        uint64_t addr, unsigned size)
{
    uint64_t w[2] = {
        CMD_ATC_INV | (uint64_t)ssv << 11 | (uint64_t)ssid << 12 |
        (uint64_t)SID << 32,
        (addr & ~0xfffULL) | size,
    };

    qsmmu_cmd_push_raw(&e->smmu, w);
    return qsmmu_sync(&e->smmu);
}

static void expect_raw_event(QSmmuEnv *e, uint8_t type, const uint32_t *want)
{
    uint32_t raw[8];

    qsmmu_expect_event(&e->smmu, &(QSMMUEvent) { .type = type, .sid = SID },
                       0, raw);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(raw[i], ==, want[i]);
    }
    qsmmu_assert_no_event(&e->smmu);
}

/* ---- SMMU_IDR0.ATS / NS1ATS (IHI 0070 6.3.1) ---- */

/*
 * Does the machine's device tree hold an "ats-supported" property (virt
 * puts it on the PCIe host bridge when its SMMU has ATS)?
 */
static bool dt_has_ats_supported(QTestState *qts)
{
    g_autofree char *path = NULL;
    g_autofree char *dtb = NULL;
    static const char prop[] = "ats-supported";
    gsize len;
    int fd = g_file_open_tmp("smmuv3-ats-XXXXXX.dtb", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    close(fd);
    qtest_qmp_assert_success(qts, "{'execute': 'dumpdtb', 'arguments': "
                             "{'filename': %s}}", path);
    g_assert_true(g_file_get_contents(path, &dtb, &len, NULL));
    unlink(path);
    return memmem(dtb, len, prop, sizeof(prop)) != NULL;
}

typedef struct IdrCase {
    const char *name;
    const char *stage;          /* nested: -M virt; 1: -M virt-9.0 */
    const char *ats;            /* NULL: the machine's default */
    bool want;
} IdrCase;

static const IdrCase idr_cases[] = {
    { "on", "nested", "on", true },
    { "off", "nested", "off", false },
    { "default-virt", "nested", NULL, true },
    /* the compat property of virt 10.1 and older */
    { "default-virt-9.0", "1", NULL, false },
    { "on-virt-9.0", "1", "on", true },
};

static void test_idr(const void *opaque)
{
    const IdrCase *c = opaque;
    g_autofree char *extra = c->ats ?
        g_strdup_printf("-global arm-smmuv3.ats=%s", c->ats) : NULL;
    QSmmuEnv e;

    if (!qsmmu_env_start_ours(&e, c->stage, extra ? extra : "",
                              BASE_SKIP)) {
        return;
    }
    /* Split-stage ATS is not implemented: NS1ATS is 1 with ATS */
    g_assert_cmphex(e.smmu.idr[0] & (IDR0_ATS | IDR0_NS1ATS), ==,
                    c->want ? IDR0_ATS | IDR0_NS1ATS : 0);
    /* Linux enables ATS only behind a host bridge that says it has it */
    g_assert_cmpint(dt_has_ats_supported(e.qts), ==, c->want);
    /* 6.3.9: ATSCHK is RES0 without ATS */
    qtest_writel(e.qts, e.smmu.base + QSMMU_CR0, CR0_ATSCHK);
    g_assert_cmphex(qtest_readl(e.qts, e.smmu.base + QSMMU_CR0ACK), ==,
                    c->want ? CR0_ATSCHK : 0);
    qsmmu_env_stop(&e);
}

/* ---- Requests ATS does not serve: UR, CA (3.9.1.2, 7.3.6) ---- */

typedef struct RefuseCase {
    const char *name;
    uint8_t config;             /* STE.Config */
    unsigned eats;
    bool smmuen;
    uint32_t status;            /* SMMU_TESTDEV_ATS_ST_* */
    bool event;                 /* F_BAD_ATS_TREQ */
} RefuseCase;

static const RefuseCase refuse_cases[] = {
    { "eats0", QSMMU_STE_CFG_S1, 0, true, SMMU_TESTDEV_ATS_ST_UR, true },
    /* 0b11 needs IDR3.DPT, 0 here: reserved, behaves as 0b00 */
    { "eats3", QSMMU_STE_CFG_S1, 3, true, SMMU_TESTDEV_ATS_ST_UR, true },
    { "smmuen0", QSMMU_STE_CFG_S1, 1, false, SMMU_TESTDEV_ATS_ST_UR, true },
    /* Config bypass: effective EATS 0b00 */
    { "bypass", QSMMU_STE_CFG_BYPASS, 1, true, SMMU_TESTDEV_ATS_ST_UR,
      true },
    /* Config abort: UR, no event */
    { "abort", QSMMU_STE_CFG_ABORT, 1, true, SMMU_TESTDEV_ATS_ST_UR },
    /* An ILLEGAL STE (Split-stage, NS1ATS 1): CA, no event */
    { "eats2", QSMMU_STE_CFG_S1, 2, true, SMMU_TESTDEV_ATS_ST_CA },
};

static void test_refuse(const void *opaque)
{
    const RefuseCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, "nested", NULL)) {
        return;
    }
    setup(&e, &x, QSMMU_STE_CFG_S1, c->eats);
    if (c->config != QSMMU_STE_CFG_S1) {
        x.ste.config = c->config;
        qsmmu_xlate_write_ste(&e, &x);
        set_eats(&e, c->eats);
    }
    enable(&e, c->smmuen, false);
    g_assert_cmpuint(ats_req(&e, x.data_iova + 0x10, false), ==, c->status);
    g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_COUNT), ==, 0);
    if (c->event) {
        /* InputAddr[63:12] and Span 1 (see smmuv3_bad_ats_treq()) */
        uint64_t in = x.data_iova & ~0xfffULL;

        expect_raw_event(&e, EVT_F_BAD_ATS_TREQ, (const uint32_t[8]) {
                             EVT_F_BAD_ATS_TREQ, SID, 0, 1u << 20,
                             (uint32_t)in, in >> 32, 0, 0 });
    }
    qsmmu_assert_no_event(&e.smmu);
    /* An ATC-mode DMA asks, is refused, and never goes out */
    g_assert_false(run(&e, SMMU_TESTDEV_OP_READ_ATC, x.data_iova));
    qsmmu_env_stop(&e);
}

/* ---- Translated transactions (3.9.1.3, 7.3.8) ---- */

typedef struct TranslatedCase {
    const char *name;
    const char *ats;            /* the property */
    unsigned eats;
    bool smmuen, atschk, write;
    bool pass;
    bool event;                 /* F_TRANSL_FORBIDDEN */
} TranslatedCase;

static const TranslatedCase translated_cases[] = {
    { "eats0-read", "on", 0, true, true, false, false, true },
    { "eats0-write", "on", 0, true, true, true, false, true },
    { "eats1", "on", 1, true, true, false, true, false },
    /* ATSCHK 0: Translated traffic bypasses, EATS unchecked */
    { "eats0-atschk0", "on", 0, true, false, false, true, false },
    { "smmuen0", "on", 1, false, true, false, false, true },
    /* an SMMU without ATS passes no Translated traffic, silently */
    { "ats-off", "off", 1, true, false, false, false, false },
};

static void test_translated(const void *opaque)
{
    const TranslatedCase *c = opaque;
    g_autofree char *extra = g_strdup_printf("-global arm-smmuv3.ats=%s",
                                             c->ats);
    QSmmuEnv e;
    QSmmuXlate x;
    uint32_t op = c->write ? SMMU_TESTDEV_OP_WRITE_TRANSLATED
                           : SMMU_TESTDEV_OP_READ_TRANSLATED;

    if (!qsmmu_env_start_ours(&e, "nested", extra, BASE_SKIP)) {
        return;
    }
    setup(&e, &x, QSMMU_STE_CFG_S1, c->eats);
    enable(&e, c->smmuen, c->atschk && !g_str_equal(c->ats, "off"));
    if (c->pass) {
        /* The PA itself, as the device was told by a completion */
        read_ok(&e, op, x.data, x.data, SEED);
    } else {
        g_assert_false(run(&e, op, x.data));
    }
    if (c->event) {
        expect_raw_event(&e, EVT_F_TRANSL_FORBIDDEN, (const uint32_t[8]) {
                             EVT_F_TRANSL_FORBIDDEN, SID, 0,
                             c->write ? 0 : 1u << 3,
                             (uint32_t)x.data, x.data >> 32, 0, 0 });
    }
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* ---- Translation Requests at every stage (3.9.1.2, 13.7) ---- */

typedef struct XlateCase {
    const char *name;
    uint8_t config;
    bool ro;                    /* the data mapped read-only */
} XlateCase;

static const XlateCase xlate_cases[] = {
    { "s1", QSMMU_STE_CFG_S1 },
    { "s2", QSMMU_STE_CFG_S2 },
    { "nested", QSMMU_STE_CFG_NESTED },
    { "s1-ro", QSMMU_STE_CFG_S1, true },
    { "s2-ro", QSMMU_STE_CFG_S2, true },
    /* read-only at stage 2 under a writable stage 1 */
    { "nested-ro", QSMMU_STE_CFG_NESTED, true },
};

/* Make the page holding the data read-only at its last stage */
static void make_ro(QSmmuXlate *x)
{
    bool s2 = x->config & 2;
    QPgtable *pt = s2 ? &x->pt2 : &x->pt1;
    /* nested: the IPA stage 1 outputs; otherwise the IOVA */
    uint64_t in = x->config == QSMMU_STE_CFG_NESTED ?
                  qsmmu_xlate_ipa(x, x->data) : x->data_iova;
    uint64_t pa = qpt_entry_addr(pt, in, 3);

    qtest_writeq(pt->qts, pa,
                 qpt_leaf_desc(s2, QSMMU_GRAN_4K, 3, x->data, QPT_R));
}

static void test_xlate(const void *opaque)
{
    const XlateCase *c = opaque;
    const char *stage = c->config == QSMMU_STE_CFG_S1 ? "1" :
                        c->config == QSMMU_STE_CFG_S2 ? "2" : "nested";
    uint32_t rw = c->ro ? PERM_R : PERM_RW;
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, stage, NULL)) {
        return;
    }
    setup(&e, &x, c->config, 1);
    if (c->ro) {
        make_ro(&x);
    }
    enable(&e, true, true);

    /* Read-write asked: PA (never the IPA), 4K page, what is granted */
    ats_req(&e, x.data_iova + 0x123, false);
    expect_xlate(&e, x.data, 0xfff, rw);
    /* NW: read only */
    ats_req(&e, x.data_iova + 0x1123, true);
    expect_xlate(&e, x.data + 0x1000, 0xfff, PERM_R);
    /* Unmapped: Success granting nothing, one STU, no event */
    ats_req(&e, x.data_iova + 0x100000, false);
    expect_xlate(&e, 0, 0xfff, 0);
    qsmmu_assert_no_event(&e.smmu);

    /* DMA through the ATC: the data of the PA, Translated */
    td_wr(&e, SMMU_TESTDEV_REG_ATC_COUNT, 0);
    read_ok(&e, SMMU_TESTDEV_OP_READ_ATC, x.data_iova, x.data, SEED);
    g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_COUNT), ==, 1);
    g_assert_cmpuint(run(&e, SMMU_TESTDEV_OP_WRITE_ATC, x.data_iova), ==,
                     !c->ro);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* A stage-1 STE with S1DSS bypass: identity, read-write (3.9.1.2) */
static void test_xlate_s1dss_bypass(void)
{
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, "1", NULL)) {
        return;
    }
    setup(&e, &x, QSMMU_STE_CFG_S1, 1);
    x.ste.s1_cdmax = 1;
    x.ste.s1_dss = 1;
    qsmmu_xlate_write_ste(&e, &x);
    set_eats(&e, 1);
    enable(&e, true, true);
    ats_req(&e, x.data + 0x10, false);
    expect_xlate(&e, x.data, 0xfff, PERM_RW);
    read_ok(&e, SMMU_TESTDEV_OP_READ_ATC, x.data, x.data, SEED);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* ---- The ATC and CMD_ATC_INV (4.5.1) ---- */

static void expect_inval(QSmmuEnv *e, uint32_t count, uint32_t pasid,
                         uint64_t addr, uint64_t mask)
{
    g_assert_cmpuint(td_rd(e, SMMU_TESTDEV_REG_ATC_INVALS), ==, count);
    g_assert_cmphex(td_rd(e, SMMU_TESTDEV_REG_ATC_INV_PASID), ==, pasid);
    g_assert_cmphex(td_rdq(e, SMMU_TESTDEV_REG_ATC_INV_ADDR), ==, addr);
    g_assert_cmphex(td_rdq(e, SMMU_TESTDEV_REG_ATC_INV_MASK), ==, mask);
}

/*
 * Fill the ATC, move the page to new data: the SMMU's TLB invalidation
 * does not reach the ATC, which still reads the old data, as hardware
 * would; after CMD_ATC_INV + CMD_SYNC the device asks again and reads
 * the new data; after an unmap it gets a completion granting nothing.
 */
static void test_atc_inval(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t leaf, data2;

    if (!start(&e, "1", NULL)) {
        return;
    }
    setup(&e, &x, QSMMU_STE_CFG_S1, 1);
    enable(&e, true, true);
    leaf = qpt_entry_addr(&x.pt1, x.data_iova, 3);
    data2 = qsmmu_env_alloc(&e, 0x1000, 0x1000);

    read_ok(&e, SMMU_TESTDEV_OP_READ_ATC, x.data_iova, x.data, SEED);
    g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_COUNT), ==, 1);

    qtest_writeq(e.qts, leaf, (qtest_readq(e.qts, leaf) & ~D_OA_MASK) |
                              data2);
    qsmmu_env_pattern(&e, data2, XFER_LEN, SEED + 1);
    qsmmu_cmd(&e.smmu, &(QSMMUCmd) { .op = QSMMU_CMD_TLBI_NH_VA,
                                     .asid = x.asid, .vmid = x.vmid,
                                     .addr = x.data_iova, .leaf = true });
    g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_INVALS), ==, 0);
    read_ok(&e, SMMU_TESTDEV_OP_READ_ATC, x.data_iova, x.data, SEED);

    g_assert_cmpuint(atc_inv(&e, false, 0, x.data_iova, 0), ==,
                     QSMMU_CERROR_NONE);
    expect_inval(&e, 1, NO_PASID, x.data_iova & ~0xfffULL, 0xfff);
    g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_COUNT), ==, 0);
    read_ok(&e, SMMU_TESTDEV_OP_READ_ATC, x.data_iova, data2, SEED + 1);
    g_assert_cmphex(td_rdq(&e, SMMU_TESTDEV_REG_ATS_XLATE), ==, data2);

    /* Unmapped: the new request grants nothing and the DMA fails */
    qtest_writeq(e.qts, leaf, 0);
    qsmmu_cmd(&e.smmu, &(QSMMUCmd) { .op = QSMMU_CMD_TLBI_NH_VA,
                                     .asid = x.asid, .vmid = x.vmid,
                                     .addr = x.data_iova, .leaf = true });
    g_assert_cmpuint(atc_inv(&e, false, 0, x.data_iova, 0), ==,
                     QSMMU_CERROR_NONE);
    g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_COUNT), ==, 0);
    g_assert_false(run(&e, SMMU_TESTDEV_OP_READ_ATC, x.data_iova));
    expect_xlate(&e, 0, 0xfff, 0);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* ---- CMD_ATC_INV fields (4.5.1) ---- */

typedef struct InvCase {
    const char *name;
    bool ssv;
    uint32_t ssid;
    uint64_t addr;
    unsigned size;
    uint32_t err;               /* CMDQ_CONS.ERR */
    uint64_t want_addr, want_mask;
    bool hit;                   /* drops the entry of 0x10000 (no PASID) */
} InvCase;

static const InvCase inv_cases[] = {
    { "page", .addr = 0x10000, .want_addr = 0x10000, .want_mask = 0xfff,
      .hit = true },
    { "other-page", .addr = 0x11000, .want_addr = 0x11000,
      .want_mask = 0xfff },
    /* Size 4: 64K span, the address aligned down to it */
    { "span-64k", .addr = 0x1f000, .size = 4, .want_addr = 0x10000,
      .want_mask = 0xffff, .hit = true },
    /* Size 52: every address */
    { "all", .addr = 0x12345000, .size = 52, .want_addr = 0,
      .want_mask = UINT64_MAX, .hit = true },
    /* with a PASID: only that PASID's entries */
    { "pasid", .ssv = true, .ssid = 5, .addr = 0x10000,
      .want_addr = 0x10000, .want_mask = 0xfff },
    /* Size above 52 (4.5.1: permitted to be CERROR_ILL, here it is) */
    { "size-53", .addr = 0x10000, .size = 53, .err = QSMMU_CERROR_ILL },
    { "size-63", .addr = 0x10000, .size = 63, .err = QSMMU_CERROR_ILL },
};

static void test_atc_inv_fields(const void *opaque)
{
    const InvCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, "1", NULL)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    x.iova = 0x10000;
    qsmmu_xlate_setup(&e, &x);
    set_eats(&e, 1);
    enable_ats_cap(&e);
    enable(&e, true, true);
    g_assert_cmphex(x.data_iova, ==, 0x10000);
    read_ok(&e, SMMU_TESTDEV_OP_READ_ATC, x.data_iova, x.data, SEED);
    g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_COUNT), ==, 1);

    g_assert_cmpuint(atc_inv(&e, c->ssv, c->ssid, c->addr, c->size), ==,
                     c->err);
    if (c->err) {
        g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_INVALS), ==, 0);
    } else {
        expect_inval(&e, 1, c->ssv ? c->ssid : NO_PASID, c->want_addr,
                     c->want_mask);
    }
    g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_COUNT), ==, !c->hit);
    qsmmu_env_stop(&e);
}

/* ats=off: CMD_ATC_INV is CERROR_ILL as without ATS (4.5.1) */
static void test_atc_inv_ats_off(void)
{
    QSmmuEnv e;

    if (!qsmmu_env_start_ours(&e, "nested", "-global arm-smmuv3.ats=off",
                              BASE_SKIP)) {
        return;
    }
    qsmmu_enable(&e.smmu, true);
    g_assert_cmpuint(atc_inv(&e, false, 0, 0x10000, 0), ==,
                     QSMMU_CERROR_ILL);
    qsmmu_env_stop(&e);
}

/* SMMUEN 0: CMD_ATC_INV is IGNORED (4.5.1) */
static void test_atc_inv_smmuen0(void)
{
    QSmmuEnv e;

    if (!start(&e, "nested", NULL)) {
        return;
    }
    enable_ats_cap(&e);
    /* the device listens once it asked once (UR here) */
    g_assert_cmpuint(ats_req(&e, 0x10000, true), ==, SMMU_TESTDEV_ATS_ST_UR);
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = EVT_F_BAD_ATS_TREQ, .sid = SID }, 0, NULL);
    g_assert_cmpuint(atc_inv(&e, false, 0, 0x10000, 0), ==,
                     QSMMU_CERROR_NONE);
    g_assert_cmpuint(td_rd(&e, SMMU_TESTDEV_REG_ATC_INVALS), ==, 0);
    qsmmu_env_stop(&e);
}

/* STE.EATS 0b10 is ILLEGAL (NS1ATS 1): ordinary DMA gets C_BAD_STE */
static void test_eats_split_illegal(void)
{
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, "nested", NULL)) {
        return;
    }
    setup(&e, &x, QSMMU_STE_CFG_NESTED, 2);
    enable(&e, true, true);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_C_BAD_STE, .sid = SID },
                       0, NULL);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

#define ADD_CASES(prefix, table, fn)                                        \
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {                      \
        g_autofree char *path = g_strdup_printf("/smmuv3/ats/" prefix "/%s", \
                                                table[i].name);             \
        qtest_add_data_func(path, &table[i], fn);                           \
    }

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD_CASES("idr", idr_cases, test_idr);
    ADD_CASES("refuse", refuse_cases, test_refuse);
    ADD_CASES("translated", translated_cases, test_translated);
    ADD_CASES("xlate", xlate_cases, test_xlate);
    qtest_add_func("/smmuv3/ats/xlate/s1dss-bypass", test_xlate_s1dss_bypass);
    qtest_add_func("/smmuv3/ats/atc/inval", test_atc_inval);
    ADD_CASES("atc-inv", inv_cases, test_atc_inv_fields);
    qtest_add_func("/smmuv3/ats/atc-inv/ats-off", test_atc_inv_ats_off);
    qtest_add_func("/smmuv3/ats/atc-inv/smmuen0", test_atc_inv_smmuen0);
    qtest_add_func("/smmuv3/ats/eats/split-illegal",
                   test_eats_split_illegal);
    return g_test_run();
}
