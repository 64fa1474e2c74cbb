/*
 * Hardware translation table updates, HTTU (IHI 0070 3.13): the SMMU
 * sets the Access flag (CD.HA, STE.S2HA) and marks writable-clean
 * descriptors dirty on a write (CD.HD, STE.S2HD, DBM at bit 51), with
 * atomic updates of the descriptors in guest memory.
 *
 * Each case checks the descriptor words in memory after the DMA, the
 * data the DMA moved, and the events.  Cases of ours only (the
 * "httu" property, IDR0.HTTU != 0) skip on the base's model; the cases
 * of an SMMU or configuration without HTTU run on both, as the base has
 * none and must behave the same.
 *
 * A descriptor changed by a vCPU between the SMMU's read and its
 * compare-and-swap cannot be arranged from qtest: the SMMU reads and
 * updates within one DMA, which runs to completion inside a single
 * qtest command.  tests/unit/smmu/test-smmu-httu covers that race with
 * a fake memory that changes the word at the moment of the swap.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define SEED            0x3c
#define BASE_SKIP       "the base's model has no HTTU (SMMU_IDR0.HTTU 0)"

/* Descriptor bits, Arm ARM D8.3 */
#define D_AP_RO         (1ULL << 7)     /* stage 1 AP[2] */
#define D_S2AP_W        (1ULL << 7)     /* stage 2 S2AP[1] */
#define D_AF            (1ULL << 10)
#define D_DBM           (1ULL << 51)
#define D_APTABLE_RO    (1ULL << 62)    /* APTable[1] */

/* Event record word 3 bit 12: TTRnW (IHI 0070 7.3.16), 1 = a read */
#define EVT3_TTRNW      (1u << 12)

/* Start with httu=@httu on ours, or skip on the base. */
static bool start_ours(QSmmuEnv *e, const char *stage, const char *httu)
{
    g_autofree char *extra = g_strdup_printf("-global arm-smmuv3.httu=%s",
                                             httu);

    return qsmmu_env_start_ours(e, stage, extra, BASE_SKIP);
}

/* Start with HTTU present on ours (unused by the case), plain on the base */
static void start_both(QSmmuEnv *e, const char *stage)
{
    qsmmu_env_start(e, stage, 0, qsmmu_is_base_model() ? NULL :
                    "-global arm-smmuv3.httu=dirty");
}

/* The descriptor at @pa with @set bits set and @clear bits cleared */
static uint64_t edit_desc(QSmmuEnv *e, uint64_t pa, uint64_t set,
                          uint64_t clear)
{
    uint64_t d = (qtest_readq(e->qts, pa) | set) & ~clear;

    qtest_writeq(e->qts, pa, d);
    return d;
}

static void fill_buf(QSmmuEnv *e)
{
    uint8_t p[XFER_LEN];

    for (int i = 0; i < XFER_LEN; i++) {
        p[i] = i * 13 + SEED;
    }
    qsmmu_testdev_buf_write(&e->td, 0, p, XFER_LEN);
}

/* Guest memory at @pa holds what fill_buf() put in the device */
static void check_written(QSmmuEnv *e, uint64_t pa)
{
    uint8_t p[XFER_LEN];

    qtest_memread(e->qts, pa, p, XFER_LEN);
    for (int i = 0; i < XFER_LEN; i++) {
        g_assert_cmphex(p[i], ==, (uint8_t)(i * 13 + SEED));
    }
}

static void dma_read_ok(QSmmuEnv *e, QSmmuXlate *x)
{
    qsmmu_env_pattern(e, x->data, XFER_LEN, SEED);
    g_assert_true(qsmmu_testdev_dma_read(&e->td, x->data_iova, XFER_LEN));
    qsmmu_env_check_buf(e, XFER_LEN, SEED);
}

static void dma_write_ok(QSmmuEnv *e, QSmmuXlate *x)
{
    qtest_memset(e->qts, x->data, 0, XFER_LEN);
    fill_buf(e);
    g_assert_true(qsmmu_testdev_dma_write(&e->td, x->data_iova, XFER_LEN));
    check_written(e, x->data);
}

static void dma_ok(QSmmuEnv *e, QSmmuXlate *x, bool write)
{
    if (write) {
        dma_write_ok(e, x);
    } else {
        dma_read_ok(e, x);
    }
}

/* Set up @config for the testdev's stream; the SMMU stays disabled */
static void setup(QSmmuEnv *e, QSmmuXlate *x, uint8_t config)
{
    qsmmu_xlate_defaults(x, config, SID);
    qsmmu_xlate_setup(e, x);
}

/* PA of the leaf that maps the data: stage 1's, or stage 2's of @ipa */
static uint64_t s1_leaf(QSmmuXlate *x)
{
    return qpt_entry_addr(&x->pt1, x->data_iova, 3);
}

static uint64_t s2_leaf(QSmmuXlate *x, uint64_t ipa)
{
    return qpt_entry_addr(&x->pt2, ipa, 3);
}

static void expect_fault(QSmmuEnv *e, uint8_t type, bool s2, uint8_t class,
                         bool rnw, uint64_t input, uint64_t ipa,
                         uint32_t raw[8])
{
    qsmmu_expect_event(&e->smmu, &(QSMMUEvent) {
                           .type = type, .sid = SID, .s2 = s2,
                           .class = class, .rnw = rnw, .input_addr = input,
                           .ipa = ipa,
                       },
                       QSMMU_EV_S2 | QSMMU_EV_RNW | QSMMU_EV_INPUT_ADDR |
                       (s2 ? QSMMU_EV_CLASS | QSMMU_EV_IPA : 0), raw);
    qsmmu_assert_no_event(&e->smmu);
}

/* ---- SMMU_IDR0.HTTU (IHI 0070 6.3.1) per property and machine ---- */

typedef struct IdrCase {
    const char *name;
    const char *stage;          /* nested: -M virt; 1: -M virt-9.0 */
    const char *httu;           /* NULL: the machine's default */
    unsigned want;
} IdrCase;

static const IdrCase idr_cases[] = {
    { "off", "nested", "off", 0 },
    { "access", "nested", "access", 1 },
    { "dirty", "nested", "dirty", 2 },
    { "default-virt", "nested", NULL, 2 },
    /* the compat property of virt 10.1 and older */
    { "default-virt-9.0", "1", NULL, 0 },
    { "dirty-virt-9.0", "1", "dirty", 2 },
};

static void test_idr(const void *opaque)
{
    const IdrCase *c = opaque;
    g_autofree char *extra = c->httu ?
        g_strdup_printf("-global arm-smmuv3.httu=%s", c->httu) : NULL;
    QSmmuEnv e;

    if (!qsmmu_env_start_ours(&e, c->stage, extra ? extra : "", BASE_SKIP)) {
        return;
    }
    g_assert_cmpuint((e.smmu.idr[0] >> 6) & 3, ==, c->want);
    qsmmu_env_stop(&e);
}

/* ---- HA/HD beyond IDR0.HTTU: C_BAD_CD / C_BAD_STE (5.2, 5.4) ---- */

typedef struct IllegalCase {
    const char *name;
    const char *httu;
    bool ha, hd, s2;            /* CD.HA/HD, or STE.S2HA/S2HD with s2 */
} IllegalCase;

static const IllegalCase illegal_cases[] = {
    { "cd-ha-httu-off", "off", .ha = true },
    { "cd-hd-httu-access", "access", .ha = true, .hd = true },
    { "ste-s2ha-httu-off", "off", .ha = true, .s2 = true },
    { "ste-s2hd-httu-access", "access", .ha = true, .hd = true, .s2 = true },
};

static void test_illegal(const void *opaque)
{
    const IllegalCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start_ours(&e, "nested", c->httu)) {
        return;
    }
    setup(&e, &x, QSMMU_STE_CFG_NESTED);
    if (c->s2) {
        x.ste.s2_ha = c->ha;
        x.ste.s2_hd = c->hd;
        qsmmu_xlate_write_ste(&e, &x);
    } else {
        x.cd.ha = c->ha;
        x.cd.hd = c->hd;
        qsmmu_xlate_write_cd(&e, &x);
    }
    qsmmu_enable(&e.smmu, true);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = c->s2 ? QSMMU_EVT_C_BAD_STE
                                         : QSMMU_EVT_C_BAD_CD,
                           .sid = SID,
                       }, 0, NULL);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* ---- Access flag (3.13.2) ---- */

typedef struct AfCase {
    const char *name;
    uint8_t config;             /* S1 or S2 */
    bool ha;                    /* CD.HA / STE.S2HA */
    bool write;
} AfCase;

static const AfCase af_cases[] = {
    { "s1-read", QSMMU_STE_CFG_S1, .ha = true },
    { "s1-write", QSMMU_STE_CFG_S1, .ha = true, .write = true },
    { "s2-read", QSMMU_STE_CFG_S2, .ha = true },
    { "s2-write", QSMMU_STE_CFG_S2, .ha = true, .write = true },
    /* without HA: F_ACCESS and no update, as with no HTTU at all */
    { "s1-without-ha", QSMMU_STE_CFG_S1 },
    { "s2-without-ha", QSMMU_STE_CFG_S2, .write = true },
};

static void test_af(const void *opaque)
{
    const AfCase *c = opaque;
    bool s2 = c->config == QSMMU_STE_CFG_S2;
    const char *stage = s2 ? "2" : "1";
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t leaf, before;

    if (c->ha) {
        if (!start_ours(&e, stage, "access")) {
            return;
        }
    } else {
        start_both(&e, stage);
    }
    setup(&e, &x, c->config);
    leaf = s2 ? s2_leaf(&x, x.data_iova) : s1_leaf(&x);
    before = edit_desc(&e, leaf, 0, D_AF);
    if (s2) {
        x.ste.s2_ha = c->ha;
        qsmmu_xlate_write_ste(&e, &x);
    } else {
        x.cd.ha = c->ha;
        qsmmu_xlate_write_cd(&e, &x);
    }
    qsmmu_enable(&e.smmu, true);

    if (!c->ha) {
        if (c->write) {
            fill_buf(&e);
            g_assert_false(qsmmu_testdev_dma_write(&e.td, x.data_iova,
                                                   XFER_LEN));
        } else {
            g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova,
                                                  XFER_LEN));
        }
        expect_fault(&e, QSMMU_EVT_F_ACCESS, s2, QSMMU_CLASS_IN, !c->write,
                     x.data_iova, x.data_iova, NULL);
        g_assert_cmphex(qtest_readq(e.qts, leaf), ==, before);
        qsmmu_env_stop(&e);
        return;
    }
    dma_ok(&e, &x, c->write);
    qsmmu_assert_no_event(&e.smmu);
    /* AF set, nothing else changed */
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, before | D_AF);
    qsmmu_env_stop(&e);
}

/* ---- Dirty state (3.13.3.1): DBM, AP[2] / S2AP[1] ---- */

typedef struct DirtyCase {
    const char *name;
    uint8_t config;
    bool hd;                    /* HD / S2HD (HA always) */
    bool write;
    bool no_dbm;                /* read-only for good: DBM == 0 */
    bool aptable_ro;            /* stage 1: APTable makes it read-only */
    bool af_clear;              /* AF == 0 as well */
    bool no_ha;                 /* neither HA nor HD: runs on the base */
} DirtyCase;

static const DirtyCase dirty_cases[] = {
    { "s1-write", QSMMU_STE_CFG_S1, .hd = true, .write = true },
    { "s1-write-af-clear", QSMMU_STE_CFG_S1, .hd = true, .write = true,
      .af_clear = true },
    { "s1-read-stays-clean", QSMMU_STE_CFG_S1, .hd = true },
    { "s1-write-without-hd", QSMMU_STE_CFG_S1, .write = true },
    { "s1-write-without-ha-hd", QSMMU_STE_CFG_S1, .write = true,
      .no_ha = true },
    { "s1-write-without-dbm", QSMMU_STE_CFG_S1, .hd = true, .write = true,
      .no_dbm = true },
    { "s1-write-aptable-ro", QSMMU_STE_CFG_S1, .hd = true, .write = true,
      .aptable_ro = true },
    { "s2-write", QSMMU_STE_CFG_S2, .hd = true, .write = true },
    { "s2-read-stays-clean", QSMMU_STE_CFG_S2, .hd = true },
    { "s2-write-without-hd", QSMMU_STE_CFG_S2, .write = true },
    { "s2-write-without-ha-hd", QSMMU_STE_CFG_S2, .write = true,
      .no_ha = true },
};

static void test_dirty(const void *opaque)
{
    const DirtyCase *c = opaque;
    bool s2 = c->config == QSMMU_STE_CFG_S2;
    bool dirties = c->hd && c->write && !c->no_dbm && !c->aptable_ro;
    bool faults = c->write && !dirties;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t leaf, before, table = 0, want;

    if (c->no_ha) {
        start_both(&e, s2 ? "2" : "1");
    } else if (!start_ours(&e, s2 ? "2" : "1", c->hd ? "dirty" : "access")) {
        return;
    }
    setup(&e, &x, c->config);
    leaf = s2 ? s2_leaf(&x, x.data_iova) : s1_leaf(&x);
    /* Writable-clean: DBM with AP[2] set / S2AP[1] clear */
    before = edit_desc(&e, leaf, (c->no_dbm ? 0 : D_DBM) |
                       (s2 ? 0 : D_AP_RO),
                       (s2 ? D_S2AP_W : 0) | (c->af_clear ? D_AF : 0));
    if (c->aptable_ro) {
        table = qpt_entry_addr(&x.pt1, x.data_iova, 2);
        edit_desc(&e, table, D_APTABLE_RO, 0);
    }
    if (s2) {
        x.ste.s2_ha = !c->no_ha;
        x.ste.s2_hd = c->hd;
        qsmmu_xlate_write_ste(&e, &x);
    } else {
        x.cd.ha = !c->no_ha;
        x.cd.hd = c->hd;
        qsmmu_xlate_write_cd(&e, &x);
    }
    qsmmu_enable(&e.smmu, true);

    if (faults) {
        fill_buf(&e);
        g_assert_false(qsmmu_testdev_dma_write(&e.td, x.data_iova,
                                               XFER_LEN));
        expect_fault(&e, QSMMU_EVT_F_PERMISSION, s2, QSMMU_CLASS_IN, false,
                     x.data_iova, x.data_iova, NULL);
        /* 3.13.2 leaves AF UNKNOWN here; ours writes nothing */
        g_assert_cmphex(qtest_readq(e.qts, leaf), ==, before);
        qsmmu_env_stop(&e);
        return;
    }
    dma_ok(&e, &x, c->write);
    qsmmu_assert_no_event(&e.smmu);
    /* 3.13.2: a dirtied descriptor has AF == 1 too */
    want = before | D_AF;
    if (dirties) {
        want = s2 ? want | D_S2AP_W : want & ~D_AP_RO;
    }
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, want);
    qsmmu_env_stop(&e);
}

/* ---- Nested: a stage-1 update is a write at stage 2 (3.13.5) ---- */

typedef struct NestedCase {
    const char *name;
    bool s2_dbm;            /* the S2 leaf of the S1 table: DBM (clean) */
    bool s2hd;              /* STE.S2HD (S2HA always) */
    bool write;             /* S1 dirty update rather than AF */
} NestedCase;

static const NestedCase nested_cases[] = {
    /* stage 2 maps the stage-1 tables read-only */
    { "s1-af-s2-read-only" },
    { "s1-dirty-s2-read-only", .write = true },
    /* writable-clean at stage 2 without S2HD is still read-only */
    { "s1-af-s2-clean-without-s2hd", .s2_dbm = true },
    /* with S2HD, the stage-1 update marks the stage-2 page dirty */
    { "s1-af-s2-dirtied", .s2_dbm = true, .s2hd = true },
    { "s1-dirty-s2-dirtied", .s2_dbm = true, .s2hd = true, .write = true },
};

static void test_nested(const void *opaque)
{
    const NestedCase *c = opaque;
    bool ok = c->s2_dbm && c->s2hd;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t leaf1, leaf1_ipa, leaf2, s1_before, s2_before, data2;
    uint32_t raw[8];

    if (!start_ours(&e, "nested", "dirty")) {
        return;
    }
    setup(&e, &x, QSMMU_STE_CFG_NESTED);
    leaf1 = s1_leaf(&x);
    leaf1_ipa = qsmmu_xlate_ipa(&x, leaf1);
    /* Stage 1 needs an update: AF clear, or writable-clean for a write */
    s1_before = edit_desc(&e, leaf1, c->write ? D_DBM | D_AP_RO : 0,
                          c->write ? 0 : D_AF);
    /* The S2 leaf of the page holding the S1 leaf (read-only by setup) */
    leaf2 = s2_leaf(&x, leaf1_ipa);
    s2_before = edit_desc(&e, leaf2, c->s2_dbm ? D_DBM : 0, 0);
    /* And the S2 leaf of the data, untouched: it is writable already */
    data2 = qtest_readq(e.qts, s2_leaf(&x, qsmmu_xlate_ipa(&x, x.data)));
    x.cd.ha = true;
    x.cd.hd = true;
    qsmmu_xlate_write_cd(&e, &x);
    x.ste.s2_ha = true;
    x.ste.s2_hd = c->s2hd;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_enable(&e.smmu, true);

    if (!ok) {
        if (c->write) {
            fill_buf(&e);
            g_assert_false(qsmmu_testdev_dma_write(&e.td, x.data_iova,
                                                   XFER_LEN));
        } else {
            g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova,
                                                  XFER_LEN));
        }
        /*
         * 7.3.16: a stage-2 F_PERMISSION, CLASS TT, IPA the stage-1
         * descriptor's, TTRnW 0 (the descriptor write faulted); RnW
         * stays the transaction's.
         */
        expect_fault(&e, QSMMU_EVT_F_PERMISSION, true, QSMMU_CLASS_TT,
                     !c->write, x.data_iova, leaf1_ipa, raw);
        g_assert_cmphex(raw[3] & EVT3_TTRNW, ==, 0);
        g_assert_cmphex(qtest_readq(e.qts, leaf1), ==, s1_before);
        g_assert_cmphex(qtest_readq(e.qts, leaf2), ==, s2_before);
        qsmmu_env_stop(&e);
        return;
    }
    dma_ok(&e, &x, c->write);
    qsmmu_assert_no_event(&e.smmu);
    g_assert_cmphex(qtest_readq(e.qts, leaf1), ==,
                    c->write ? (s1_before | D_AF) & ~D_AP_RO
                             : s1_before | D_AF);
    g_assert_cmphex(qtest_readq(e.qts, leaf2), ==, s2_before | D_S2AP_W);
    g_assert_cmphex(qtest_readq(e.qts,
                                s2_leaf(&x, qsmmu_xlate_ipa(&x, x.data))),
                    ==, data2);
    qsmmu_env_stop(&e);
}

/* Nested: the stage-2 page of the output is dirtied by the write */
static void test_nested_output(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t leaf2, before;

    if (!start_ours(&e, "nested", "dirty")) {
        return;
    }
    setup(&e, &x, QSMMU_STE_CFG_NESTED);
    leaf2 = s2_leaf(&x, qsmmu_xlate_ipa(&x, x.data));
    before = edit_desc(&e, leaf2, D_DBM, D_S2AP_W);
    x.ste.s2_ha = true;
    x.ste.s2_hd = true;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_enable(&e.smmu, true);

    dma_read_ok(&e, &x);
    g_assert_cmphex(qtest_readq(e.qts, leaf2), ==, before);
    dma_write_ok(&e, &x);
    qsmmu_assert_no_event(&e.smmu);
    g_assert_cmphex(qtest_readq(e.qts, leaf2), ==, before | D_S2AP_W);
    qsmmu_env_stop(&e);
}

/* ---- TLB: an entry of a writable-clean descriptor ---- */

static int64_t tlb_hits(QSmmuEnv *e)
{
    g_autofree char *path = qsmmu_qom_path(e->qts);
    QDict *resp = qtest_qmp(e->qts, "{ 'execute': 'qom-get', 'arguments': "
                            "{ 'path': %s, 'property': 'tlb-hits' } }",
                            path);
    int64_t v;

    g_assert_true(qdict_haskey(resp, "return"));
    v = qdict_get_int(resp, "return");
    qobject_unref(resp);
    return v;
}

/*
 * A read caches the clean descriptor's translation (a second read
 * hits), and the write that follows still marks it dirty in memory
 * before the data lands: the cached entry is read-only until then.
 */
static void test_tlb_clean(const void *opaque)
{
    bool s2 = GPOINTER_TO_INT(opaque);
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t leaf, before, dirty;
    int64_t hits;

    if (!start_ours(&e, s2 ? "2" : "1", "dirty")) {
        return;
    }
    setup(&e, &x, s2 ? QSMMU_STE_CFG_S2 : QSMMU_STE_CFG_S1);
    leaf = s2 ? s2_leaf(&x, x.data_iova) : s1_leaf(&x);
    before = edit_desc(&e, leaf, D_DBM | (s2 ? 0 : D_AP_RO),
                       s2 ? D_S2AP_W : 0);
    dirty = s2 ? before | D_S2AP_W : before & ~D_AP_RO;
    if (s2) {
        x.ste.s2_ha = x.ste.s2_hd = true;
        qsmmu_xlate_write_ste(&e, &x);
    } else {
        x.cd.ha = x.cd.hd = true;
        qsmmu_xlate_write_cd(&e, &x);
    }
    qsmmu_enable(&e.smmu, true);

    dma_read_ok(&e, &x);
    hits = tlb_hits(&e);
    dma_read_ok(&e, &x);
    g_assert_cmpint(tlb_hits(&e), >, hits);
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, before);

    dma_write_ok(&e, &x);
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, dirty);
    /* Now cached writable: another write hits and changes nothing */
    hits = tlb_hits(&e);
    dma_write_ok(&e, &x);
    g_assert_cmpint(tlb_hits(&e), >, hits);
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, dirty);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* Registers /smmuv3/httu/GROUP/<name> for each case of a table. */
#define ADD_CASES(group, cases, fn)                                        \
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {                     \
        g_autofree char *path =                                            \
            g_strdup_printf("/smmuv3/httu/" group "/%s", (cases)[i].name); \
        qtest_add_data_func(path, &(cases)[i], fn);                        \
    }

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD_CASES("idr", idr_cases, test_idr);
    ADD_CASES("illegal", illegal_cases, test_illegal);
    ADD_CASES("af", af_cases, test_af);
    ADD_CASES("dirty", dirty_cases, test_dirty);
    ADD_CASES("nested", nested_cases, test_nested);
    qtest_add_func("/smmuv3/httu/nested/output-s2-dirtied",
                   test_nested_output);
    qtest_add_data_func("/smmuv3/httu/tlb/clean-s1", GINT_TO_POINTER(0),
                        test_tlb_clean);
    qtest_add_data_func("/smmuv3/httu/tlb/clean-s2", GINT_TO_POINTER(1),
                        test_tlb_clean);
    return g_test_run();
}
