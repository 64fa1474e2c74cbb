/*
 * SMMUv3 coherency checker (check-coherency=on|strict): each driver
 * mistake made on purpose -- a leaf remapped or unmapped without TLBI,
 * an IOVA reused without TLBI, an STE or CD changed without CFGI, a
 * valid STE or CD rewritten so that a fetch could be torn --
 * gives exactly one report (QMP event X_SMMUV3_COHERENCY, a counter of
 * x-query-smmuv3, a guest-error log line); the correct sequences give
 * none; "on" goes on with what memory says, "strict" with the stale
 * cached value, as hardware may; "off" (the default) checks nothing.
 *
 * The checker is this fork's: the base has no such property, so every
 * case skips there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qnum.h"
#include "libqos/smmu-xlate.h"
#include "hw/pci/pci_regs.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define SKIP_REASON     "the base has no coherency checker " \
                        "(arm-smmuv3.check-coherency)"

static uint64_t get_u64(QDict *d, const char *key)
{
    QNum *n = qobject_to(QNum, qdict_get(d, key));
    uint64_t v;

    g_assert_nonnull(n);
    g_assert_true(qnum_get_try_uint(n, &v));
    return v;
}

/* Stage 1 for SID, SMMU enabled, with the checker in @mode */
static bool start(QSmmuEnv *e, QSmmuXlate *x, const char *mode,
                  const char *more)
{
    g_autofree char *extra = g_strdup_printf(
        "-global arm-smmuv3.check-coherency=%s %s", mode, more ? more : "");

    if (!qsmmu_env_start_ours(e, "nested", extra, SKIP_REASON)) {
        return false;
    }
    qsmmu_xlate_defaults(x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(e, x);
    qsmmu_enable(&e->smmu, true);
    return true;
}

/* The checker's counters, from x-query-smmuv3 */
static QDict *counters(QSmmuEnv *e)
{
    QDict *resp = qtest_qmp(e->qts, "{ 'execute': 'x-query-smmuv3' }");
    QDict *ret = qdict_get_qdict(resp, "return");
    QDict *c;

    g_assert_nonnull(ret);
    c = qdict_get_qdict(ret, "coherency");
    g_assert_nonnull(c);
    qobject_ref(c);
    qobject_unref(resp);
    return c;
}

static uint64_t counter(QSmmuEnv *e, const char *name)
{
    QDict *c = counters(e);
    uint64_t v = get_u64(c, name);

    qobject_unref(c);
    return v;
}

/*
 * The next report already received (counters() talks QMP, so it
 * collects what the monitor sent before), or NULL.
 */
static QDict *next_report(QSmmuEnv *e)
{
    QDict *ev, *data;

    qobject_unref(counters(e));
    ev = qtest_qmp_event_ref(e->qts, "X_SMMUV3_COHERENCY");
    if (!ev) {
        return NULL;
    }
    data = qdict_get_qdict(ev, "data");
    qobject_ref(data);
    qobject_unref(ev);
    return data;
}

static void assert_no_report(QSmmuEnv *e)
{
    QDict *r = next_report(e);

    if (r) {
        g_error("unexpected report: %s", qdict_get_str(r, "message"));
    }
    g_assert_cmpuint(counter(e, "reports"), ==, 0);
}

/* A 4K page of fresh memory holding pattern @seed */
static uint64_t new_page(QSmmuEnv *e, uint8_t seed)
{
    uint64_t pa = qsmmu_env_alloc(e, 0x1000, 0x1000);

    qsmmu_env_pattern(e, pa, 0x1000, seed);
    return pa;
}

/* Point the stage-1 leaf of the first data page at @pa, no TLBI */
static void remap(QSmmuXlate *x, uint64_t pa)
{
    qpt_set_entry(&x->pt1, x->data_iova, 3,
                  qpt_leaf_desc(false, x->s1_gran, 3, pa, QPT_RW));
}

static void tlbi_va(QSmmuEnv *e, QSmmuXlate *x)
{
    QSMMUCmd c = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = x->asid,
                   .vmid = x->vmid, .addr = x->data_iova, .leaf = true };

    qsmmu_cmd(&e->smmu, &c);
}

static void cfgi_ste(QSmmuEnv *e)
{
    QSMMUCmd c = { .op = QSMMU_CMD_CFGI_STE, .sid = SID, .leaf = true };

    qsmmu_cmd(&e->smmu, &c);
}

static void cfgi_cd(QSmmuEnv *e)
{
    QSMMUCmd c = { .op = QSMMU_CMD_CFGI_CD, .sid = SID, .leaf = true };

    qsmmu_cmd(&e->smmu, &c);
}

/* The expected "missing" text of a stage-1 leaf change */
static char *missing_tlbi(QSmmuXlate *x)
{
    return g_strdup_printf("CMD_TLBI_NH_VA VMID %u ASID %u VA 0x%" PRIx64,
                           x->vmid, x->asid, x->data_iova);
}

/* A DMA read of the first data page fills the TLB and config cache */
static void warm(QSmmuEnv *e, QSmmuXlate *x)
{
    qsmmu_env_pattern(e, x->data, XFER_LEN, 1);
    g_assert_true(qsmmu_testdev_dma_read(&e->td, x->data_iova, XFER_LEN));
    qsmmu_env_check_buf(e, XFER_LEN, 1);
}

/* Check a TLB report: kind, where, old and new output, missing TLBI */
static void check_tlb_report(QSmmuEnv *e, QSmmuXlate *x, const char *kind,
                             uint64_t new_pa, bool stale_used)
{
    g_autofree char *missing = missing_tlbi(x);
    QDict *r = next_report(e);

    g_assert_nonnull(r);
    g_assert_cmpstr(qdict_get_str(r, "kind"), ==, kind);
    g_assert_cmpuint(get_u64(r, "sid"), ==, SID);
    g_assert_false(qdict_haskey(r, "ssid"));
    g_assert_cmphex(get_u64(r, "iova"), ==, x->data_iova);
    g_assert_cmphex(get_u64(r, "before"), ==, x->data);
    if (new_pa) {
        g_assert_cmphex(get_u64(r, "after"), ==, new_pa);
    } else {
        g_assert_false(qdict_haskey(r, "after"));
    }
    g_assert_cmphex(get_u64(r, "descriptor-address"), ==,
                    qpt_entry_addr(&x->pt1, x->data_iova, 3));
    g_assert_cmpstr(qdict_get_str(r, "missing"), ==, missing);
    g_assert_cmpint(qdict_get_bool(r, "stale-used"), ==, stale_used);
    qobject_unref(r);
    g_assert_null(next_report(e));
}

/*
 * A leaf remapped without TLBI: reported; "on" reads the new page (as
 * after a miss); the guest-error log has the line.
 */
static void test_remap(void)
{
    g_autofree char *log = g_strdup_printf("%s/smmuv3-coherency-%d.log",
                                           g_get_tmp_dir(), getpid());
    g_autofree char *more = g_strdup_printf("-d guest_errors -D %s", log);
    g_autofree char *text = NULL;
    g_autofree char *missing = NULL;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t pa;

    if (!start(&e, &x, "on", more)) {
        return;
    }
    warm(&e, &x);
    pa = new_page(&e, 2);
    remap(&x, pa);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 2);
    check_tlb_report(&e, &x, "tlb-remap", pa, false);
    g_assert_cmpuint(counter(&e, "reports"), ==, 1);
    g_assert_cmpuint(counter(&e, "remap"), ==, 1);
    g_assert_cmpuint(counter(&e, "tlb-checks"), >=, 1);
    /* The fresh translation replaced the stale one: no second report */
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    g_assert_null(next_report(&e));
    qsmmu_env_stop(&e);

    g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
    missing = missing_tlbi(&x);
    g_assert_nonnull(strstr(text, "smmuv3: coherency: tlb-remap"));
    g_assert_nonnull(strstr(text, missing));
    unlink(log);
}

/* "strict": the stale translation is used, a write lands in the old page */
static void test_remap_strict(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t pa;
    uint8_t buf[XFER_LEN];

    if (!start(&e, &x, "strict", NULL)) {
        return;
    }
    warm(&e, &x);
    pa = new_page(&e, 2);
    remap(&x, pa);
    memset(buf, 0x5a, sizeof(buf));
    qsmmu_testdev_buf_write(&e.td, 0, buf, sizeof(buf));
    g_assert_true(qsmmu_testdev_dma_write(&e.td, x.data_iova, XFER_LEN));
    g_assert_cmphex(qtest_readq(e.qts, x.data), ==, 0x5a5a5a5a5a5a5a5aULL);
    qsmmu_env_check_pattern(&e, pa, XFER_LEN, 2);
    check_tlb_report(&e, &x, "tlb-remap", pa, true);
    g_assert_cmpuint(counter(&e, "remap"), ==, 1);
    qsmmu_env_stop(&e);
}

/* The same remap with TLBI + CMD_SYNC: no report, the new page */
static void test_remap_tlbi(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t pa;

    if (!start(&e, &x, "on", NULL)) {
        return;
    }
    warm(&e, &x);
    pa = new_page(&e, 2);
    remap(&x, pa);
    tlbi_va(&e, &x);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 2);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    assert_no_report(&e);
    g_assert_cmpuint(counter(&e, "tlb-checks"), >=, 1);
    qsmmu_env_stop(&e);
}

/*
 * Unmapped without TLBI: reported; "on" then faults as a miss would
 * (F_TRANSLATION recorded).  Reusing the IOVA for another page, still
 * without TLBI, is a remap of the stale entry "strict" keeps.
 */
static void test_unmap_reuse(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    uint64_t pa;

    if (!start(&e, &x, "on", NULL)) {
        return;
    }
    warm(&e, &x);
    qpt_set_entry(&x.pt1, x.data_iova, 3, 0);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    check_tlb_report(&e, &x, "tlb-unmap", 0, false);
    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_assert_cmpint(ev.type, ==, QSMMU_EVT_F_TRANSLATION);
    g_assert_cmphex(ev.input_addr, ==, x.data_iova);
    g_assert_cmpuint(counter(&e, "unmap"), ==, 1);
    qsmmu_env_stop(&e);

    if (!start(&e, &x, "strict", NULL)) {
        return;
    }
    warm(&e, &x);
    qpt_set_entry(&x.pt1, x.data_iova, 3, 0);
    pa = new_page(&e, 3);
    remap(&x, pa);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 1);      /* the old page */
    check_tlb_report(&e, &x, "tlb-remap", pa, true);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * A read-only leaf made writable without TLBI: the cached read-only
 * entry faults the device's write (Arm ARM D8.16.1 lets the SMMU keep
 * it), the checker reports tlb-permission (no cached output: "before"
 * absent).  "on" drops the entry and the write lands; "strict" keeps
 * the fault (F_PERMISSION recorded).
 */
static void test_perm_raise(gconstpointer opaque)
{
    bool strict = GPOINTER_TO_INT(opaque);
    g_autofree char *missing = NULL;
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    QDict *r;
    uint8_t buf[XFER_LEN];

    if (!start(&e, &x, strict ? "strict" : "on", NULL)) {
        return;
    }
    /* Nothing cached yet: no TLBI needed for this one */
    qpt_set_entry(&x.pt1, x.data_iova, 3,
                  qpt_leaf_desc(false, x.s1_gran, 3, x.data, QPT_R));
    warm(&e, &x);
    remap(&x, x.data);                          /* read-write now */
    memset(buf, 0x5a, sizeof(buf));
    qsmmu_testdev_buf_write(&e.td, 0, buf, sizeof(buf));
    g_assert_cmpint(qsmmu_testdev_dma_write(&e.td, x.data_iova, XFER_LEN),
                    ==, !strict);
    if (strict) {
        qsmmu_env_check_pattern(&e, x.data, XFER_LEN, 1);
    } else {
        g_assert_cmphex(qtest_readq(e.qts, x.data), ==,
                        0x5a5a5a5a5a5a5a5aULL);
    }
    r = next_report(&e);
    g_assert_nonnull(r);
    g_assert_cmpstr(qdict_get_str(r, "kind"), ==, "tlb-permission");
    g_assert_cmpuint(get_u64(r, "sid"), ==, SID);
    g_assert_cmphex(get_u64(r, "iova"), ==, x.data_iova);
    g_assert_false(qdict_haskey(r, "before"));
    g_assert_cmphex(get_u64(r, "after"), ==, x.data);
    g_assert_cmphex(get_u64(r, "descriptor-address"), ==,
                    qpt_entry_addr(&x.pt1, x.data_iova, 3));
    missing = missing_tlbi(&x);
    g_assert_cmpstr(qdict_get_str(r, "missing"), ==, missing);
    g_assert_cmpint(qdict_get_bool(r, "stale-used"), ==, strict);
    g_assert_nonnull(strstr(qdict_get_str(r, "message"),
                            "the cached entry faults (permission, stage 1"));
    qobject_unref(r);
    g_assert_null(next_report(&e));
    g_assert_cmpuint(counter(&e, "permission"), ==, 1);
    if (strict) {
        g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
        g_assert_cmpint(ev.type, ==, QSMMU_EVT_F_PERMISSION);
        g_assert_cmphex(ev.input_addr, ==, x.data_iova);
    }
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * ATS: a Translation Request served from the TLB is checked like a DMA
 * (IHI 0070 3.9.1.2: the SMMU may answer from its TLB).  A leaf remapped
 * without TLBI: "on" reports tlb-remap and answers with the new page.
 */
static void test_ats_remap(void)
{
    uint64_t cap, ste1;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t pa;

    if (!qsmmu_env_start_ours(&e, "nested", "-global arm-smmuv3.ats=on "
                              "-global arm-smmuv3.check-coherency=on",
                              SKIP_REASON)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    /* STE.EATS = 0b01 (5.2), and ATS enabled in the device */
    ste1 = qsmmu_ste_addr(&e.smmu, SID) + 8;
    qtest_writeq(e.qts, ste1, qtest_readq(e.qts, ste1) | 1ULL << 28);
    cap = QSMMU_VIRT_ECAM_BASE + (e.td.dev->devfn << 12) +
          SMMU_TESTDEV_ATS_CAP_OFFSET;
    qtest_writew(e.qts, cap + PCI_ATS_CTRL, PCI_ATS_CTRL_ENABLE);
    qsmmu_enable(&e.smmu, true);
    warm(&e, &x);
    pa = new_page(&e, 2);
    remap(&x, pa);
    qpci_io_writeq(e.td.dev, e.td.bar, SMMU_TESTDEV_REG_ATS_ADDR,
                   x.data_iova);
    qpci_io_writel(e.td.dev, e.td.bar, SMMU_TESTDEV_REG_ATS_REQ,
                   SMMU_TESTDEV_ATS_REQ_GO);
    g_assert_cmpuint(qpci_io_readl(e.td.dev, e.td.bar,
                                   SMMU_TESTDEV_REG_ATS_STATUS), ==,
                     SMMU_TESTDEV_ATS_ST_OK);
    g_assert_cmphex(qpci_io_readq(e.td.dev, e.td.bar,
                                  SMMU_TESTDEV_REG_ATS_XLATE), ==, pa);
    check_tlb_report(&e, &x, "tlb-remap", pa, false);
    g_assert_cmpuint(counter(&e, "remap"), ==, 1);
    qsmmu_env_stop(&e);
}

/*
 * A new mapping needs no invalidation: the SMMU caches no invalid
 * descriptor (IHI 0070 3.21.1), so nothing is reported.
 */
static void test_new_mapping(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t pa;

    if (!start(&e, &x, "on", NULL)) {
        return;
    }
    qpt_set_entry(&x.pt1, x.data_iova, 3, 0);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    pa = new_page(&e, 2);
    remap(&x, pa);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 2);
    assert_no_report(&e);
    qsmmu_env_stop(&e);
}

#define D_AP_RO         (1ULL << 7)     /* AP[2] */
#define D_AF            (1ULL << 10)
#define D_DBM           (1ULL << 51)

/*
 * HTTU dirty state (IHI 0070 3.13.3): the SMMU's own AF and dirty
 * updates are no report; software cleaning a dirty descriptor without
 * TLBI is one (the cached writable-dirty entry would keep the device's
 * next writes from marking it dirty), and "on" marks it dirty again.
 */
static void test_dirty(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t leaf, d;

    if (!start(&e, &x, "on", "-global arm-smmuv3.httu=dirty")) {
        return;
    }
    /* No DMA yet, so nothing cached: no CFGI or TLBI needed here */
    x.cd.ha = x.cd.hd = true;
    qsmmu_xlate_write_cd(&e, &x);
    leaf = qpt_entry_addr(&x.pt1, x.data_iova, 3);
    d = (qtest_readq(e.qts, leaf) | D_DBM | D_AP_RO) & ~D_AF;
    qtest_writeq(e.qts, leaf, d);

    g_assert_true(qsmmu_testdev_dma_write(&e.td, x.data_iova, XFER_LEN));
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, (d | D_AF) & ~D_AP_RO);
    g_assert_true(qsmmu_testdev_dma_write(&e.td, x.data_iova, XFER_LEN));
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    assert_no_report(&e);
    g_assert_cmpuint(counter(&e, "tlb-checks"), >=, 2);

    /* Cleaned without TLBI, as Linux 7.2's GET_DIRTY_BITMAP does */
    qtest_writeq(e.qts, leaf, d | D_AF);
    g_assert_true(qsmmu_testdev_dma_write(&e.td, x.data_iova, XFER_LEN));
    check_tlb_report(&e, &x, "tlb-dirty", x.data, false);
    g_assert_cmpuint(counter(&e, "dirty"), ==, 1);
    /* "on" went on as a miss: the write marked the page dirty again */
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, (d | D_AF) & ~D_AP_RO);

    /* Cleaned with TLBI + CMD_SYNC: silent, and dirty again */
    qtest_writeq(e.qts, leaf, d | D_AF);
    tlbi_va(&e, &x);
    g_assert_true(qsmmu_testdev_dma_write(&e.td, x.data_iova, XFER_LEN));
    g_assert_true(qsmmu_testdev_dma_write(&e.td, x.data_iova, XFER_LEN));
    g_assert_null(next_report(&e));
    g_assert_cmpuint(counter(&e, "reports"), ==, 1);
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, (d | D_AF) & ~D_AP_RO);
    qsmmu_env_stop(&e);
}

/* Check a configuration report */
static void check_cfg_report(QSmmuEnv *e, const char *kind,
                             const char *missing, uint64_t daddr,
                             uint64_t old, uint64_t new)
{
    QDict *r = next_report(e);

    g_assert_nonnull(r);
    g_assert_cmpstr(qdict_get_str(r, "kind"), ==, kind);
    g_assert_cmpuint(get_u64(r, "sid"), ==, SID);
    g_assert_cmphex(get_u64(r, "descriptor-address"), ==, daddr);
    g_assert_cmphex(get_u64(r, "before"), ==, old);
    g_assert_cmphex(get_u64(r, "after"), ==, new);
    g_assert_cmpstr(qdict_get_str(r, "missing"), ==, missing);
    qobject_unref(r);
    g_assert_null(next_report(e));
}

/*
 * STE.Config changed (stage 1 -> bypass) without CFGI_STE: reported;
 * "on" bypasses (reads the IOVA as a PA), "strict" still translates.
 */
static void test_ste_config(gconstpointer opaque)
{
    bool strict = GPOINTER_TO_INT(opaque);
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t old_w[8], new_w[8], ste_addr;
    uint32_t bypass_pa;

    if (!start(&e, &x, strict ? "strict" : "on", NULL)) {
        return;
    }
    warm(&e, &x);
    ste_addr = qsmmu_ste_addr(&e.smmu, SID);
    qsmmu_ste_build(&x.ste, old_w);
    x.ste.config = QSMMU_STE_CFG_BYPASS;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_ste_build(&x.ste, new_w);
    /* Bypass: the DMA reads the PA equal to the IOVA, a second page */
    bypass_pa = new_page(&e, 4);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, strict ? x.data_iova :
                                         bypass_pa, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, strict ? 1 : 4);
    check_cfg_report(&e, "ste", "CMD_CFGI_STE SID 0x10", ste_addr,
                     old_w[0], new_w[0]);
    g_assert_cmpuint(counter(&e, "ste"), ==, 1);
    qsmmu_env_stop(&e);
}

/* STE.S1ContextPtr moved to a copy of the CD with other tables, no CFGI */
static void test_ste_ctxptr(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t old_w[8], new_w[8], cd2, pa, ste_addr;
    uint64_t cd_w[8];
    QPgtable pt;

    if (!start(&e, &x, "on", NULL)) {
        return;
    }
    warm(&e, &x);
    /* New tables mapping the IOVA to another page, a CD naming them */
    pa = new_page(&e, 5);
    qpt_init(&pt, e.qts, &e.alloc, false, x.s1_gran, x.s1_ias, 8, 0);
    qpt_map(&pt, x.data_iova, pa, 3, QPT_RW);
    cd2 = qsmmu_env_alloc(&e, QSMMU_XLATE_CD_SIZE, 1 << 16);
    /* Another ASID: the TLB's entries of ASID 1 are not stale for it */
    x.cd.asid = 2;
    x.cd.ttb0 = qpt_ttb(&pt);
    qsmmu_cd_build(&x.cd, cd_w);
    qsmmu_write_words(&e.smmu, cd2, cd_w, 8);
    ste_addr = qsmmu_ste_addr(&e.smmu, SID);
    qsmmu_ste_build(&x.ste, old_w);
    x.ste.s1_ctx_ptr = cd2;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_ste_build(&x.ste, new_w);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 5);
    /* S1ContextPtr is STE[0] bits [51:6] (IHI 0070 5.2) */
    check_cfg_report(&e, "ste", "CMD_CFGI_STE SID 0x10", ste_addr,
                     old_w[0], new_w[0]);
    qsmmu_env_stop(&e);
}

/*
 * A CD's ASID changed without CFGI_CD (one doubleword: not torn, but
 * the cached CD is stale); then back with CFGI_CD.
 */
static void test_cd(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t old_w[8], new_w[8];

    if (!start(&e, &x, "on", NULL)) {
        return;
    }
    warm(&e, &x);
    qsmmu_cd_build(&x.cd, old_w);
    x.cd.asid = 2;
    qsmmu_xlate_write_cd(&e, &x);
    qsmmu_cd_build(&x.cd, new_w);
    /* "on": ASID 2 misses in the TLB and walks the same tables */
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 1);
    check_cfg_report(&e, "cd", "CMD_CFGI_CD SID 0x10 SSID 0", x.cd_pa,
                     old_w[0], new_w[0]);
    g_assert_cmpuint(counter(&e, "cd"), ==, 1);

    /* Back, with CFGI_CD (ASID 1's TLB entries are right again): silent */
    x.cd.asid = 1;
    qsmmu_xlate_write_cd(&e, &x);
    cfgi_cd(&e);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 1);
    g_assert_null(next_report(&e));
    g_assert_cmpuint(counter(&e, "reports"), ==, 1);
    qsmmu_env_stop(&e);
}

/* An STE change with CFGI_STE + CMD_SYNC: silent */
static void test_ste_cfgi(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t pa;

    if (!start(&e, &x, "on", NULL)) {
        return;
    }
    warm(&e, &x);
    x.ste.config = QSMMU_STE_CFG_BYPASS;
    qsmmu_xlate_write_ste(&e, &x);
    cfgi_ste(&e);
    pa = new_page(&e, 7);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, pa, XFER_LEN));
    g_assert_true(qsmmu_testdev_dma_read(&e.td, pa, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 7);
    assert_no_report(&e);
    g_assert_cmpuint(counter(&e, "config-checks"), >=, 1);
    qsmmu_env_stop(&e);
}

/* ---- Torn rewrites (IHI 0070 3.21.3) ---- */

/* Write doublewords @mask of @w to the STE of SID */
static void write_ste_words(QSmmuEnv *e, const uint64_t w[8], unsigned mask)
{
    uint64_t a = qsmmu_ste_addr(&e->smmu, SID);

    for (int i = 0; i < 8; i++) {
        if (mask & (1u << i)) {
            qtest_writeq(e->qts, a + 8 * i, w[i]);
        }
    }
}

/* Check a torn report: where, the first changed doubleword, the text */
static void check_torn_report(QSmmuEnv *e, const char *kind,
                              uint64_t daddr, uint64_t old, uint64_t new,
                              const char *missing, const char *what)
{
    QDict *r = next_report(e);

    g_assert_nonnull(r);
    g_assert_cmpstr(qdict_get_str(r, "kind"), ==, kind);
    g_assert_cmpuint(get_u64(r, "sid"), ==, SID);
    g_assert_false(qdict_haskey(r, "iova"));
    g_assert_cmphex(get_u64(r, "descriptor-address"), ==, daddr);
    g_assert_cmphex(get_u64(r, "before"), ==, old);
    g_assert_cmphex(get_u64(r, "after"), ==, new);
    g_assert_cmpstr(qdict_get_str(r, "missing"), ==, missing);
    /* at a CMD_CFGI_* nothing is used; "on" uses memory */
    g_assert_false(qdict_get_bool(r, "stale-used"));
    if (!strstr(qdict_get_str(r, "message"), what)) {
        g_error("'%s' lacks '%s'", qdict_get_str(r, "message"), what);
    }
    qobject_unref(r);
    g_assert_null(next_report(e));
}

#define STE_TORN_MISSING \
    "STE.V=0, CMD_CFGI_STE SID 0x10, CMD_SYNC before the rewrite, then " \
    "V=1 and CMD_CFGI_STE SID 0x10 (or one used doubleword per " \
    "CMD_CFGI_STE SID 0x10 + CMD_SYNC)"

/*
 * A new CD (with other tables) for SID's STE to point at: the IOVA
 * reaches a page of pattern @seed.  Returns the CD's address.
 */
static uint64_t second_cd(QSmmuEnv *e, QSmmuXlate *x, uint8_t seed)
{
    QSMMUCd cd = x->cd;
    uint64_t w[8], a;
    QPgtable pt;

    qpt_init(&pt, e->qts, &e->alloc, false, x->s1_gran, x->s1_ias, 8, 0);
    qpt_map(&pt, x->data_iova, new_page(e, seed), 3, QPT_RW);
    a = qsmmu_env_alloc(e, QSMMU_XLATE_CD_SIZE, 1 << 16);
    cd.asid = 2;
    cd.ttb0 = qpt_ttb(&pt);
    qsmmu_cd_build(&cd, w);
    qsmmu_write_words(&e->smmu, a, w, 8);
    return a;
}

/*
 * A live STE rewritten in place, STE[0] (S1ContextPtr: another CD) and
 * STE[1] (PRIVCFG) at once: a fetch may see the old CD with the new
 * PRIVCFG, which is neither.  Reported at the CMD_CFGI_STE that follows
 * (@opaque 0; 2: "strict", which uses nothing stale at a CFGI) or, when
 * a DMA comes first, at that use (1).
 */
static void test_ste_torn(gconstpointer opaque)
{
    bool at_use = GPOINTER_TO_INT(opaque) == 1;
    bool strict = GPOINTER_TO_INT(opaque) == 2;
    g_autofree char *what = NULL;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t old_w[8], new_w[8];

    if (!start(&e, &x, strict ? "strict" : "on", NULL)) {
        return;
    }
    warm(&e, &x);
    qsmmu_ste_build(&x.ste, old_w);
    x.ste.s1_ctx_ptr = second_cd(&e, &x, 8);
    x.ste.privcfg = 3;
    qsmmu_ste_build(&x.ste, new_w);
    write_ste_words(&e, new_w, 0xff);
    if (at_use) {
        g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
        qsmmu_env_check_buf(&e, XFER_LEN, 8);
    }
    cfgi_ste(&e);
    what = g_strdup_printf("STE[0] 0x%" PRIx64 " -> 0x%" PRIx64 ", STE[1] 0x%"
                           PRIx64 " -> 0x%" PRIx64 ", rewritten while "
                           "valid: a fetch may mix new 1 with old 0",
                           old_w[0], new_w[0], old_w[1], new_w[1]);
    check_torn_report(&e, "ste-torn", qsmmu_ste_addr(&e.smmu, SID),
                      old_w[0], new_w[0], STE_TORN_MISSING, what);
    g_assert_cmpuint(counter(&e, "ste-torn"), ==, 1);
    g_assert_cmpuint(counter(&e, "ste"), ==, 0);
    g_assert_cmpuint(counter(&e, at_use ? "config-checks" : "cfgi-checks"),
                     >=, 1);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 8);
    g_assert_null(next_report(&e));
    qsmmu_env_stop(&e);
}

/*
 * Linux's non-hitless sequence for the same change (3.21.3.1): V = 0,
 * CFGI + SYNC, the other doublewords, CFGI + SYNC, then STE[0] with
 * V = 1, CFGI + SYNC; DMA while V = 0 faults (C_BAD_STE), then uses the
 * new CD.  No report.
 */
static void test_ste_v0_sequence(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    uint64_t old_w[8], new_w[8];

    if (!start(&e, &x, "on", NULL)) {
        return;
    }
    warm(&e, &x);
    qsmmu_ste_build(&x.ste, old_w);
    x.ste.s1_ctx_ptr = second_cd(&e, &x, 9);
    x.ste.privcfg = 3;
    qsmmu_ste_build(&x.ste, new_w);
    old_w[0] &= ~1ULL;                          /* STE.V */
    write_ste_words(&e, old_w, 1);
    cfgi_ste(&e);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_assert_cmpint(ev.type, ==, QSMMU_EVT_C_BAD_STE);
    write_ste_words(&e, new_w, 0xfe);
    cfgi_ste(&e);
    write_ste_words(&e, new_w, 1);
    cfgi_ste(&e);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 9);
    cfgi_ste(&e);
    assert_no_report(&e);
    qsmmu_assert_no_event(&e.smmu);
    g_assert_cmpuint(counter(&e, "cfgi-checks"), >=, 1);
    g_assert_cmpuint(counter(&e, "config-checks"), >=, 1);
    qsmmu_env_stop(&e);
}

/*
 * Bypass to stage 1 with PRIVCFG and S2VMID set (STE[0..2] change).
 * Linux's hitless steps (@one_step false): first STE[1] and STE[2],
 * which bypass ignores (two doublewords, every mix still bypass), CFGI +
 * SYNC; then the one critical STE[0], CFGI + SYNC; DMA after each step.
 * No report.  All at once (@one_step): a fetch may see stage 1 with the
 * old STE[1] (PRIVCFG 0) and the new STE[2], which is neither;
 * ste-torn.
 */
static void test_ste_hitless(gconstpointer opaque)
{
    bool one_step = GPOINTER_TO_INT(opaque);
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t s1_w[8], byp_w[8];

    if (!start(&e, &x, "on", NULL)) {
        return;
    }
    x.ste.privcfg = 3;
    x.ste.s2_vmid = 5;
    qsmmu_ste_build(&x.ste, s1_w);
    x.ste = (QSMMUSte) { .valid = true, .config = QSMMU_STE_CFG_BYPASS };
    qsmmu_ste_build(&x.ste, byp_w);
    write_ste_words(&e, byp_w, 0xff);
    cfgi_ste(&e);
    /* bypass: the data page by its PA */
    qsmmu_env_pattern(&e, x.data, XFER_LEN, 1);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 1);
    if (one_step) {
        write_ste_words(&e, s1_w, 0x7);
        cfgi_ste(&e);
        check_torn_report(&e, "ste-torn", qsmmu_ste_addr(&e.smmu, SID),
                          byp_w[0], s1_w[0], STE_TORN_MISSING,
                          "a fetch may mix new 0,2 with old 1");
        qsmmu_env_stop(&e);
        return;
    }
    write_ste_words(&e, s1_w, 0x6);
    cfgi_ste(&e);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data, XFER_LEN));
    write_ste_words(&e, s1_w, 0x1);
    cfgi_ste(&e);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 1);
    cfgi_ste(&e);
    assert_no_report(&e);
    g_assert_cmpuint(counter(&e, "cfgi-checks"), >=, 3);
    qsmmu_env_stop(&e);
}

/*
 * A live CD's ASID (CD[0]) and TTB0 (CD[1]) rewritten at once, then
 * CFGI_CD: a fetch may see the new ASID with the old tables; cd-torn.
 */
static void test_cd_torn(void)
{
    g_autofree char *missing = NULL;
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t old_w[8], new_w[8], pa;
    QPgtable pt;

    if (!start(&e, &x, "on", NULL)) {
        return;
    }
    warm(&e, &x);
    pa = new_page(&e, 6);
    qpt_init(&pt, e.qts, &e.alloc, false, x.s1_gran, x.s1_ias, 8, 0);
    qpt_map(&pt, x.data_iova, pa, 3, QPT_RW);
    qsmmu_cd_build(&x.cd, old_w);
    x.cd.asid = 2;
    x.cd.ttb0 = qpt_ttb(&pt);
    qsmmu_xlate_write_cd(&e, &x);
    qsmmu_cd_build(&x.cd, new_w);
    cfgi_cd(&e);
    missing = g_strdup("CD.V=0, CMD_CFGI_CD SID 0x10 SSID 0, CMD_SYNC "
                       "before the rewrite, then V=1 and CMD_CFGI_CD SID "
                       "0x10 SSID 0 (or one used doubleword per "
                       "CMD_CFGI_CD SID 0x10 SSID 0 + CMD_SYNC)");
    check_torn_report(&e, "cd-torn", x.cd_pa, old_w[0], new_w[0], missing,
                      "a fetch may mix new 1 with old 0");
    g_assert_cmpuint(counter(&e, "cd-torn"), ==, 1);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 6);
    g_assert_null(next_report(&e));
    qsmmu_env_stop(&e);
}

/* Off (the default): the same mistake is neither checked nor reported */
static void test_off(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    QDict *c;
    uint64_t pa;

    if (!qsmmu_env_start_ours(&e, "nested", "", SKIP_REASON)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(&e, &x);
    qsmmu_enable(&e.smmu, true);
    warm(&e, &x);
    pa = new_page(&e, 2);
    remap(&x, pa);
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_env_check_buf(&e, XFER_LEN, 1);      /* stale, as hardware may */
    g_assert_null(next_report(&e));
    c = counters(&e);
    g_assert_cmpstr(qdict_get_str(c, "mode"), ==, "off");
    g_assert_cmpuint(get_u64(c, "tlb-checks"), ==, 0);
    g_assert_cmpuint(get_u64(c, "config-checks"), ==, 0);
    g_assert_cmpuint(get_u64(c, "reports"), ==, 0);
    qobject_unref(c);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3/coherency/remap", test_remap);
    qtest_add_func("/smmuv3/coherency/remap-strict", test_remap_strict);
    qtest_add_func("/smmuv3/coherency/remap-tlbi", test_remap_tlbi);
    qtest_add_func("/smmuv3/coherency/unmap-reuse", test_unmap_reuse);
    qtest_add_func("/smmuv3/coherency/new-mapping", test_new_mapping);
    qtest_add_func("/smmuv3/coherency/ats-remap", test_ats_remap);
    qtest_add_data_func("/smmuv3/coherency/perm-raise", GINT_TO_POINTER(0),
                        test_perm_raise);
    qtest_add_data_func("/smmuv3/coherency/perm-raise-strict",
                        GINT_TO_POINTER(1), test_perm_raise);
    qtest_add_func("/smmuv3/coherency/dirty", test_dirty);
    qtest_add_data_func("/smmuv3/coherency/ste-config", GINT_TO_POINTER(0),
                        test_ste_config);
    qtest_add_data_func("/smmuv3/coherency/ste-config-strict",
                        GINT_TO_POINTER(1), test_ste_config);
    qtest_add_func("/smmuv3/coherency/ste-ctxptr", test_ste_ctxptr);
    qtest_add_func("/smmuv3/coherency/cd", test_cd);
    qtest_add_func("/smmuv3/coherency/ste-cfgi", test_ste_cfgi);
    qtest_add_data_func("/smmuv3/coherency/ste-torn-cfgi",
                        GINT_TO_POINTER(0), test_ste_torn);
    qtest_add_data_func("/smmuv3/coherency/ste-torn-use",
                        GINT_TO_POINTER(1), test_ste_torn);
    qtest_add_data_func("/smmuv3/coherency/ste-torn-cfgi-strict",
                        GINT_TO_POINTER(2), test_ste_torn);
    qtest_add_func("/smmuv3/coherency/ste-v0-sequence",
                   test_ste_v0_sequence);
    qtest_add_data_func("/smmuv3/coherency/ste-hitless",
                        GINT_TO_POINTER(0), test_ste_hitless);
    qtest_add_data_func("/smmuv3/coherency/ste-hitless-one-step",
                        GINT_TO_POINTER(1), test_ste_hitless);
    qtest_add_func("/smmuv3/coherency/cd-torn", test_cd_torn);
    qtest_add_func("/smmuv3/coherency/off", test_off);
    return g_test_run();
}
