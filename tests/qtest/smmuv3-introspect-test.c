/*
 * SMMUv3 introspection: the x-smmuv3-translate probe (output address,
 * walk steps, the fault record it would produce) leaves no trace in the
 * TLB, the event queue or guest memory; x-query-smmuv3 and "info smmuv3"
 * show the registers, the STE and CD of a stream, the caches and the
 * recent events; bad arguments are QMP errors.
 *
 * The commands are this fork's: the base has neither, so every case
 * skips there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define AF_BIT          (1ULL << 10)
#define SKIP_REASON     "the base has no x-smmuv3-translate, x-query-smmuv3 " \
                        "or info smmuv3"

/* One expected walk step: stage 2 steps name what they translated */
typedef struct Step {
    int stage, level;
    const char *cls;            /* stage 2: "CD", "TT" or "IN" */
    uint64_t input, address, pa, desc;
} Step;

typedef struct Steps {
    Step s[64];
    int n;
} Steps;

static uint64_t get_u64(QDict *d, const char *key)
{
    QNum *n = qobject_to(QNum, qdict_get(d, key));
    uint64_t v;

    g_assert_nonnull(n);
    g_assert_true(qnum_get_try_uint(n, &v));
    return v;
}

/* Is @desc at @level the end of a walk (a block or a page)? */
static bool desc_is_leaf(uint64_t desc, int level)
{
    return level == 3 || (desc & 3) == 1 || !(desc & 1);
}

/*
 * Append the steps of a walk of @ia through @pt as the model reads them:
 * each level's descriptor address (an IPA offset by @ipa_off for a
 * nested stage 1) and the value the test wrote there.
 */
static void expect_walk(QSmmuEnv *e, QPgtable *pt, uint64_t ia,
                        uint64_t ipa_off, const char *cls, Steps *st,
                        QSmmuXlate *x)
{
    for (int level = pt->start_level; level <= 3; level++) {
        uint64_t pa = qpt_entry_addr(pt, ia, level);
        Step *s;

        /* Stage 1 of a nested walk: stage 2 translates the table IPA */
        if (!pt->stage2 && ipa_off) {
            expect_walk(e, &x->pt2, pa + ipa_off, 0, "TT", st, x);
        }
        g_assert_cmpint(st->n, <, ARRAY_SIZE(st->s));
        s = &st->s[st->n++];
        s->stage = pt->stage2 ? 2 : 1;
        s->level = level;
        s->cls = pt->stage2 ? cls : NULL;
        s->input = ia;
        s->address = pa + ipa_off;
        s->pa = pa;
        s->desc = qtest_readq(e->qts, pa);
        if (desc_is_leaf(s->desc, level)) {
            return;
        }
    }
}

static void check_steps(QList *got, const Steps *want)
{
    const QListEntry *le = qlist_first(got);

    for (int i = 0; i < want->n; i++, le = qlist_next(le)) {
        const Step *w = &want->s[i];
        QDict *s;

        g_assert_nonnull(le);
        s = qobject_to(QDict, qlist_entry_obj(le));
        g_assert_cmpint(qdict_get_int(s, "stage"), ==, w->stage);
        g_assert_cmpint(qdict_get_int(s, "level"), ==, w->level);
        g_assert_cmphex(get_u64(s, "input"), ==, w->input);
        g_assert_cmphex(get_u64(s, "address"), ==, w->address);
        g_assert_cmphex(get_u64(s, "pa"), ==, w->pa);
        g_assert_cmphex(get_u64(s, "descriptor"), ==, w->desc);
        if (w->cls) {
            g_assert_cmpstr(qdict_get_str(s, "class"), ==, w->cls);
        } else {
            g_assert_false(qdict_haskey(s, "class"));
        }
    }
    g_assert_null(le);
}

/* The probe's answer; asserts it succeeded */
static QDict *probe(QSmmuEnv *e, uint32_t sid, uint64_t iova,
                    const char *access)
{
    QDict *resp = qtest_qmp(e->qts, "{ 'execute': 'x-smmuv3-translate', "
                            "'arguments': { 'sid': %u, 'iova': %" PRIu64
                            ", 'access': [ %s ] } }", sid, iova, access);
    QDict *ret;

    if (qdict_haskey(resp, "error")) {
        g_error("x-smmuv3-translate: %s",
                qdict_get_str(qdict_get_qdict(resp, "error"), "desc"));
    }
    ret = qdict_get_qdict(resp, "return");
    qobject_ref(ret);
    qobject_unref(resp);
    return ret;
}

/* The error a QMP command gave, which must be one */
static char *qmp_error(QDict *resp)
{
    QDict *err = qdict_get_qdict(resp, "error");
    char *desc;

    g_assert_nonnull(err);
    desc = g_strdup(qdict_get_str(err, "desc"));
    qobject_unref(resp);
    return desc;
}

static int64_t qom_int(QSmmuEnv *e, const char *path, const char *prop)
{
    QDict *resp = qtest_qmp(e->qts, "{ 'execute': 'qom-get', 'arguments': "
                            "{ 'path': %s, 'property': %s } }", path, prop);
    int64_t v = qdict_get_int(resp, "return");

    qobject_unref(resp);
    return v;
}

typedef struct TlbSnap {
    int64_t hits, misses, used;
} TlbSnap;

static void tlb_snap(QSmmuEnv *e, TlbSnap *t)
{
    g_autofree char *path = qsmmu_qom_path(e->qts);

    t->hits = qom_int(e, path, "tlb-hits");
    t->misses = qom_int(e, path, "tlb-misses");
    t->used = qom_int(e, path, "tlb-used");
}

static void assert_tlb_same(const TlbSnap *a, const TlbSnap *b)
{
    g_assert_cmpint(a->hits, ==, b->hits);
    g_assert_cmpint(a->misses, ==, b->misses);
    g_assert_cmpint(a->used, ==, b->used);
}

/* The value of field @name of an event or structure's "fields" */
static uint64_t field(QDict *d, const char *name)
{
    QList *fields = qdict_get_qlist(d, "fields");

    for (const QListEntry *le = qlist_first(fields); le;
         le = qlist_next(le)) {
        QDict *f = qobject_to(QDict, qlist_entry_obj(le));

        if (g_str_equal(qdict_get_str(f, "name"), name)) {
            return get_u64(f, "value");
        }
    }
    g_error("no field %s", name);
}

static bool start(QSmmuEnv *e, QSmmuXlate *x, uint8_t config)
{
    qsmmu_env_start(e, "nested", 0, NULL);
    if (qsmmu_skip_on_base(SKIP_REASON)) {
        qsmmu_env_stop(e);
        return false;
    }
    qsmmu_xlate_defaults(x, config, SID);
    qsmmu_xlate_setup(e, x);
    qsmmu_enable(&e->smmu, true);
    return true;
}

/* Stage 1: the output, the four descriptors, and no trace in the TLB */
static void test_probe_s1(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    TlbSnap before, after;
    Steps want = { 0 };
    QDict *r;

    if (!start(&e, &x, QSMMU_STE_CFG_S1)) {
        return;
    }
    /* A real DMA first: the TLB holds the page the probe asks about */
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    tlb_snap(&e, &before);
    g_assert_cmpint(before.used, >, 0);

    r = probe(&e, SID, x.data_iova + 0x123, "write");
    g_assert_cmpstr(qdict_get_str(r, "config"), ==, "stage1");
    g_assert_cmphex(get_u64(r, "output"), ==, x.data + 0x123);
    g_assert_cmphex(get_u64(r, "page-size"), ==, 0x1000);
    g_assert_true(qdict_get_bool(r, "readable"));
    g_assert_true(qdict_get_bool(r, "writable"));
    g_assert_false(qdict_haskey(r, "fault"));
    expect_walk(&e, &x.pt1, x.data_iova + 0x123, 0, NULL, &want, &x);
    g_assert_cmpint(want.n, ==, 4);
    check_steps(qdict_get_qlist(r, "steps"), &want);
    qobject_unref(r);

    tlb_snap(&e, &after);
    assert_tlb_same(&before, &after);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * An unmapped IOVA: the probe gives the F_TRANSLATION record, records
 * nothing, and a real DMA then records exactly that record.
 */
static void test_probe_fault(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    TlbSnap before, after;
    QSMMUEvent ev;
    uint64_t iova;
    QDict *r, *f;

    if (!start(&e, &x, QSMMU_STE_CFG_S1)) {
        return;
    }
    iova = x.leaf_iova + QSMMU_XLATE_DATA_SIZE + 0x40;
    tlb_snap(&e, &before);
    r = probe(&e, SID, iova, "read");
    g_assert_false(qdict_haskey(r, "output"));
    f = qdict_get_qdict(r, "fault");
    g_assert_nonnull(f);
    g_assert_cmpint(qdict_get_int(f, "type"), ==, QSMMU_EVT_F_TRANSLATION);
    g_assert_cmpstr(qdict_get_str(f, "name"), ==, "F_TRANSLATION");
    g_assert_cmphex(field(f, "SID"), ==, SID);
    g_assert_cmphex(field(f, "InputAddr"), ==, iova);
    g_assert_cmphex(field(f, "RnW"), ==, 1);
    g_assert_cmphex(field(f, "S2"), ==, 0);
    g_assert_true(qdict_get_bool(r, "recorded"));
    /* The walk ends on the invalid level-3 entry */
    g_assert_cmpint(qlist_size(qdict_get_qlist(r, "steps")), ==, 4);
    tlb_snap(&e, &after);
    assert_tlb_same(&before, &after);
    qsmmu_assert_no_event(&e.smmu);

    /* What the probe predicted is what a DMA records */
    g_assert_false(qsmmu_testdev_dma_read(&e.td, iova, 8));
    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_assert_cmpint(ev.type, ==, QSMMU_EVT_F_TRANSLATION);
    g_assert_cmphex(ev.input_addr, ==, iova);
    g_assert_cmphex(ev.sid, ==, SID);
    g_assert_true(ev.rnw);
    qobject_unref(r);
    qsmmu_env_stop(&e);
}

/* HTTU: the probe reports the AF it would set and leaves memory alone */
static void test_probe_httu(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t leaf, desc, oa;
    QList *steps;
    QDict *last = NULL, *r;

    if (!start(&e, &x, QSMMU_STE_CFG_S1)) {
        return;
    }
    x.cd.ha = true;
    qsmmu_xlate_write_cd(&e, &x);
    leaf = qpt_entry_addr(&x.pt1, x.data_iova, 3);
    oa = x.data & ~0xfffULL;
    desc = qpt_leaf_desc(false, QSMMU_GRAN_4K, 3, oa, QPT_RW | QPT_NO_AF);
    qtest_writeq(e.qts, leaf, desc);
    qsmmu_cmd(&e.smmu, &(QSMMUCmd){ .op = QSMMU_CMD_CFGI_STE, .sid = SID,
                                    .leaf = true });
    qsmmu_cmd(&e.smmu, &(QSMMUCmd){ .op = QSMMU_CMD_TLBI_NSNH_ALL });

    r = probe(&e, SID, x.data_iova, "read");
    g_assert_cmphex(get_u64(r, "output"), ==, x.data);
    steps = qdict_get_qlist(r, "steps");
    g_assert_cmpint(qlist_size(steps), ==, 4);
    for (const QListEntry *le = qlist_first(steps); le;
         le = qlist_next(le)) {
        last = qobject_to(QDict, qlist_entry_obj(le));
    }
    g_assert_cmphex(get_u64(last, "descriptor"), ==, desc);
    g_assert_cmphex(get_u64(last, "update"), ==, desc | AF_BIT);
    g_assert_true(qdict_get_bool(last, "would-set-af"));
    g_assert_false(qdict_get_bool(last, "would-set-dirty"));
    qobject_unref(r);
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, desc);

    /* A real access sets it: the probe was the only one to refrain */
    g_assert_true(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    g_assert_cmphex(qtest_readq(e.qts, leaf), ==, desc | AF_BIT);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/*
 * Nested: the CD fetch's stage-2 walk, then per stage-1 level the
 * stage-2 walk of its table IPA and the stage-1 descriptor, then the
 * stage-2 walk of the output IPA.
 */
static void test_probe_nested(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    TlbSnap before, after;
    Steps want = { 0 };
    uint64_t iova;
    QDict *r;

    if (!start(&e, &x, QSMMU_STE_CFG_NESTED)) {
        return;
    }
    iova = x.data_iova + 0x1010;
    tlb_snap(&e, &before);
    r = probe(&e, SID, iova, "read");
    g_assert_cmpstr(qdict_get_str(r, "config"), ==, "nested");
    g_assert_cmphex(get_u64(r, "output"), ==, x.data + 0x1010);
    expect_walk(&e, &x.pt2, qsmmu_xlate_ipa(&x, x.cd_pa), 0, "CD", &want,
                &x);
    expect_walk(&e, &x.pt1, iova, x.ipa_off, NULL, &want, &x);
    expect_walk(&e, &x.pt2, qsmmu_xlate_ipa(&x, x.data + 0x1010), 0, "IN",
                &want, &x);
    /* Four levels at each stage (libqos starts 40-bit stage 2 at 0) */
    g_assert_cmpint(x.pt2.start_level, ==, 0);
    g_assert_cmpint(want.n, ==, 4 + 4 * (4 + 1) + 4);
    check_steps(qdict_get_qlist(r, "steps"), &want);
    qobject_unref(r);
    tlb_snap(&e, &after);
    assert_tlb_same(&before, &after);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* Stage 2 only, and a stage-2 fault with its IPA */
static void test_probe_s2(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    Steps want = { 0 };
    uint64_t hole;
    QDict *r, *f;

    if (!start(&e, &x, QSMMU_STE_CFG_S2)) {
        return;
    }
    r = probe(&e, SID, x.data_iova, "read");
    g_assert_cmpstr(qdict_get_str(r, "config"), ==, "stage2");
    g_assert_cmphex(get_u64(r, "output"), ==, x.data);
    expect_walk(&e, &x.pt2, x.data_iova, 0, "IN", &want, &x);
    g_assert_cmpint(want.n, ==, 4);
    check_steps(qdict_get_qlist(r, "steps"), &want);
    qobject_unref(r);

    hole = x.leaf_iova + QSMMU_XLATE_DATA_SIZE;
    r = probe(&e, SID, hole, "write");
    f = qdict_get_qdict(r, "fault");
    g_assert_cmpstr(qdict_get_str(f, "name"), ==, "F_TRANSLATION");
    g_assert_cmphex(field(f, "S2"), ==, 1);
    g_assert_cmphex(field(f, "CLASS"), ==, QSMMU_CLASS_IN);
    g_assert_cmphex(field(f, "RnW"), ==, 0);
    g_assert_cmphex(field(f, "InputAddr"), ==, hole);
    g_assert_cmphex(field(f, "IPA"), ==, hole);
    qobject_unref(r);
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* x-query-smmuv3: registers, STE, CD, caches and the recent events */
static void test_query(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t hole;
    QDict *resp, *r, *ste, *cd, *ev;
    QList *l;

    if (!start(&e, &x, QSMMU_STE_CFG_S1)) {
        return;
    }
    hole = x.leaf_iova + QSMMU_XLATE_DATA_SIZE;
    g_assert_false(qsmmu_testdev_dma_write(&e.td, hole, 8));

    resp = qtest_qmp(e.qts, "{ 'execute': 'x-query-smmuv3', "
                     "'arguments': { 'sid': %u } }", SID);
    r = qdict_get_qdict(resp, "return");
    g_assert_nonnull(r);
    ste = qdict_get_qdict(r, "ste");
    g_assert_cmphex(get_u64(ste, "address"), ==,
                    qsmmu_ste_addr(&e.smmu, SID));
    g_assert_cmphex(field(ste, "Config"), ==, QSMMU_STE_CFG_S1);
    g_assert_cmphex(field(ste, "S1ContextPtr"), ==, x.cd_pa);
    l = qdict_get_qlist(r, "cds");
    g_assert_cmpint(qlist_size(l), ==, 1);
    cd = qobject_to(QDict, qlist_entry_obj(qlist_first(l)));
    g_assert_cmphex(get_u64(cd, "address"), ==, x.cd_pa);
    g_assert_cmphex(field(cd, "T0SZ"), ==, 64 - x.s1_ias);
    g_assert_cmphex(field(cd, "TTB0"), ==, qpt_ttb(&x.pt1));
    g_assert_cmphex(field(cd, "ASID"), ==, x.asid);
    /* The fault just recorded is the last of the recent events */
    l = qdict_get_qlist(r, "events");
    g_assert_cmpint(qlist_size(l), ==, 1);
    ev = qobject_to(QDict, qlist_entry_obj(qlist_first(l)));
    g_assert_cmpstr(qdict_get_str(ev, "name"), ==, "F_TRANSLATION");
    g_assert_cmphex(field(ev, "InputAddr"), ==, hole);
    g_assert_cmphex(field(ev, "RnW"), ==, 0);
    g_assert_cmpstr(qdict_get_str(ev, "outcome"), ==, "queued");
    qobject_unref(resp);
    qsmmu_env_stop(&e);
}

/* "info smmuv3" prints the decoded STE and CD fields */
static void test_hmp(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    g_autofree char *out = NULL;
    g_autofree char *want_ctx = NULL;
    g_autofree char *want_ttb = NULL;
    g_autofree char *probe_out = NULL;
    g_autofree char *want_out = NULL;

    if (!start(&e, &x, QSMMU_STE_CFG_S1)) {
        return;
    }
    out = qtest_hmp(e.qts, "info smmuv3 sid=%u", SID);
    want_ctx = g_strdup_printf("S1ContextPtr=0x%" PRIx64, x.cd_pa);
    want_ttb = g_strdup_printf("TTB0=0x%" PRIx64, qpt_ttb(&x.pt1));
    g_assert_nonnull(strstr(out, "SMMUEN=0x1"));
    g_assert_nonnull(strstr(out, "Config=0x5"));
    g_assert_nonnull(strstr(out, want_ctx));
    g_assert_nonnull(strstr(out, "T0SZ=0x10"));
    g_assert_nonnull(strstr(out, want_ttb));
    g_assert_nonnull(strstr(out, "TLB"));

    probe_out = qtest_hmp(e.qts, "info smmuv3 sid=%u iova=0x%" PRIx64
                          " access=w", SID, x.data_iova);
    want_out = g_strdup_printf("output 0x%" PRIx64, x.data);
    g_assert_nonnull(strstr(probe_out, want_out));
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* Clear errors for what cannot be probed */
static void test_errors(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    g_autofree char *beyond = NULL;
    g_autofree char *nodev = NULL;
    g_autofree char *disabled = NULL;

    if (!start(&e, &x, QSMMU_STE_CFG_S1)) {
        return;
    }
    /* qsmmu_env_start() makes a stream table of 2^8 StreamIDs */
    beyond = qmp_error(qtest_qmp(e.qts, "{ 'execute': 'x-smmuv3-translate',"
                                 " 'arguments': { 'sid': 256, 'iova': 0 } }"));
    g_assert_nonnull(strstr(beyond, "beyond the stream table"));
    nodev = qmp_error(qtest_qmp(e.qts, "{ 'execute': 'x-query-smmuv3',"
                                " 'arguments': { 'id': 'nosuch' } }"));
    g_assert_nonnull(strstr(nodev, "nosuch"));
    qsmmu_enable(&e.smmu, false);
    disabled = qmp_error(qtest_qmp(e.qts, "{ 'execute': "
                                   "'x-smmuv3-translate', 'arguments': "
                                   "{ 'sid': %u, 'iova': 0 } }", SID));
    g_assert_nonnull(strstr(disabled, "SMMUEN"));
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3/introspect/probe-s1", test_probe_s1);
    qtest_add_func("/smmuv3/introspect/probe-fault", test_probe_fault);
    qtest_add_func("/smmuv3/introspect/probe-httu", test_probe_httu);
    qtest_add_func("/smmuv3/introspect/probe-nested", test_probe_nested);
    qtest_add_func("/smmuv3/introspect/probe-s2", test_probe_s2);
    qtest_add_func("/smmuv3/introspect/query", test_query);
    qtest_add_func("/smmuv3/introspect/hmp", test_hmp);
    qtest_add_func("/smmuv3/introspect/errors", test_errors);
    return g_test_run();
}
