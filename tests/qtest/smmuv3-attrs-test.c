/*
 * SMMUv3 memory attribute overrides (IHI 0070 6.3.2 ATTR_TYPES_OVR, 5.2
 * STE.MTCFG/MemAttr, ALLOCCFG, SHCFG, chapter 13): the attributes the
 * x-smmuv3-translate probe says an access leaves with, for bypass,
 * stage-1 and stage-2 streams, and the STE fields x-query-smmuv3 shows.
 *
 * libqos's tables: stage-1 leaves use AttrIndx 0 with MAIR Attr0 0xff
 * (Normal WB, read/write-allocate, non-transient) and SH Inner; stage-2
 * leaves MemAttr 0b1111 (Normal WB) and SH Inner.  A PCIe client of
 * QEMU supplies no attributes, so the input is 13.1.3's default:
 * Normal-iWB-oWB, RA, WA, non-transient, Non-shareable.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define SKIP_REASON     "the base has no x-smmuv3-translate and no " \
                        "SMMU_IDR1.ATTR_TYPES_OVR"
#define IDR1_ATTR_TYPES_OVR     (1u << 27)

/* STE doubleword 1 (IHI 0070 5.2) */
#define STE1_MEMATTR(x)         ((uint64_t)(x) << 32)
#define STE1_MTCFG              (1ULL << 36)
#define STE1_ALLOCCFG(x)        ((uint64_t)(x) << 37)
#define STE1_SHCFG(x)           ((uint64_t)(x) << 44)
#define SHCFG_INCOMING          1
#define SHCFG_OSH               2
#define SHCFG_ISH               3

#define WB_RAWA_ISH     "Normal-iWB/RAWAnTR-oWB/RAWAnTR-ISH"

static bool start(QSmmuEnv *e, QSmmuXlate *x, uint8_t config,
                  const char *extra)
{
    if (!extra) {
        qsmmu_env_start(e, "nested", 0, NULL);
        if (qsmmu_skip_on_base(SKIP_REASON)) {
            qsmmu_env_stop(e);
            return false;
        }
    } else if (!qsmmu_env_start_ours(e, "nested", extra, SKIP_REASON)) {
        return false;
    }
    qsmmu_xlate_defaults(x, config, SID);
    qsmmu_xlate_setup(e, x);
    qsmmu_enable(&e->smmu, true);
    return true;
}

/* Rewrite the stream's STE with @ovr in doubleword 1 */
static void set_ovr(QSmmuEnv *e, QSmmuXlate *x, uint64_t ovr)
{
    uint64_t w[8];

    qsmmu_ste_build(&x->ste, w);
    w[1] |= ovr;
    qsmmu_write_ste(&e->smmu, SID, w);
    qsmmu_cmd(&e->smmu, &(QSMMUCmd) {
                  .op = QSMMU_CMD_CFGI_STE, .sid = SID, .leaf = true,
              });
}

/* The probe's attributes for a read of @iova */
static void expect_attrs(QSmmuEnv *e, uint64_t iova, const char *want)
{
    QDict *resp = qtest_qmp(e->qts, "{ 'execute': 'x-smmuv3-translate', "
                            "'arguments': { 'sid': %u, 'iova': %" PRIu64
                            " } }", SID, iova);
    QDict *r = qdict_get_qdict(resp, "return");

    g_assert_nonnull(r);
    g_assert_true(qdict_haskey(r, "output"));
    g_assert_cmpstr(qdict_get_try_str(r, "attributes"), ==, want);
    qobject_unref(resp);
}

/* 6.3.2: IDR1.ATTR_TYPES_OVR reads 1 */
static void test_idr(void)
{
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, &x, QSMMU_STE_CFG_S1, NULL)) {
        return;
    }
    g_assert_cmphex(e.smmu.idr[1] & IDR1_ATTR_TYPES_OVR, ==,
                    IDR1_ATTR_TYPES_OVR);
    qsmmu_env_stop(&e);
}

/* 13.1.4: stage 1's MAIR attribute replaces the input and its overrides */
static void test_stage1_replaces(void)
{
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, &x, QSMMU_STE_CFG_S1, NULL)) {
        return;
    }
    expect_attrs(&e, x.data_iova, WB_RAWA_ISH);
    /* Device-nGnRE, Outer Shareable, no-allocate: all replaced */
    set_ovr(&e, &x, STE1_MTCFG | STE1_MEMATTR(1) | STE1_ALLOCCFG(8) |
            STE1_SHCFG(SHCFG_OSH));
    expect_attrs(&e, x.data_iova, WB_RAWA_ISH);
    qsmmu_env_stop(&e);
}

/* 13.1.5: without stage 1, stage 2 combines with the overridden input */
static void test_stage2_combines(void)
{
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, &x, QSMMU_STE_CFG_S2, NULL)) {
        return;
    }
    /* The default input (NSH) with stage 2's WB and Inner Shareable */
    expect_attrs(&e, x.data_iova, WB_RAWA_ISH);
    /* MemAttr 0b0101, Normal-iNC-oNC: NC wins, and NC is OSH (13.1.7) */
    set_ovr(&e, &x, STE1_MTCFG | STE1_MEMATTR(5));
    expect_attrs(&e, x.data_iova, "Normal-iNC-oNC-OSH");
    /* 0b1110: oWB-iWT; ALLOCCFG 0b1010: no read-allocate, write-allocate */
    set_ovr(&e, &x, STE1_MTCFG | STE1_MEMATTR(0xe) | STE1_ALLOCCFG(0xa) |
            STE1_SHCFG(SHCFG_INCOMING));
    expect_attrs(&e, x.data_iova, "Normal-iWT/nRAWAnTR-oWB/nRAWAnTR-ISH");
    /* 0b0001 Device-nGnRE is stronger than stage 2's Normal */
    set_ovr(&e, &x, STE1_MTCFG | STE1_MEMATTR(1));
    expect_attrs(&e, x.data_iova, "Device-nGnRE-OSH");
    /* SHCFG Outer beats stage 2's Inner */
    set_ovr(&e, &x, STE1_SHCFG(SHCFG_OSH));
    expect_attrs(&e, x.data_iova, "Normal-iWB/RAWAnTR-oWB/RAWAnTR-OSH");
    qsmmu_env_stop(&e);
}

/* Stage 2's leaf MemAttr := @m */
static void set_s2_memattr(QSmmuEnv *e, QSmmuXlate *x, unsigned m)
{
    uint64_t pa = qpt_entry_addr(&x->pt2, x->data_iova, x->leaf_level);
    uint64_t d = qtest_readq(e->qts, pa);

    qtest_writeq(e->qts, pa, (d & ~(0xfULL << 2)) | (uint64_t)m << 2);
}

/* 13.1.6 STE.S2FWB: stage 2's MemAttr[2:0] decides how they combine */
static void test_stage2_fwb(void)
{
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, &x, QSMMU_STE_CFG_S2, NULL)) {
        return;
    }
    x.ste.s2_fwb = true;
    /* 0b111: the input's (overridden) type, stage 2's shareability */
    set_s2_memattr(&e, &x, 7);
    set_ovr(&e, &x, STE1_MTCFG | STE1_MEMATTR(1));
    expect_attrs(&e, x.data_iova, "Device-nGnRE-OSH");
    /* 0b110: Normal-WB forced, even over Device */
    set_s2_memattr(&e, &x, 6);
    expect_attrs(&e, x.data_iova, WB_RAWA_ISH);
    /* 0b101: Normal-NC, unless the input is Device */
    set_s2_memattr(&e, &x, 5);
    expect_attrs(&e, x.data_iova, "Device-nGnRE-OSH");
    set_ovr(&e, &x, 0);
    expect_attrs(&e, x.data_iova, "Normal-iNC-oNC-OSH");
    /* 0b010: Device-nGRE forced */
    set_s2_memattr(&e, &x, 2);
    expect_attrs(&e, x.data_iova, "Device-nGRE-OSH");
    qsmmu_env_stop(&e);
}

/* Bypass: the overridden input is the output */
static void test_bypass(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t addr;

    if (!start(&e, &x, QSMMU_STE_CFG_S1, NULL)) {
        return;
    }
    x.ste.config = QSMMU_STE_CFG_BYPASS;
    addr = x.data;
    set_ovr(&e, &x, 0);
    expect_attrs(&e, addr, "Normal-iWB/RAWAnTR-oWB/RAWAnTR-NSH");
    /* ALLOCCFG 0b1001 (transient, no-allocate) is non-transient (13.1.7) */
    set_ovr(&e, &x, STE1_ALLOCCFG(9) | STE1_SHCFG(SHCFG_ISH));
    expect_attrs(&e, addr, "Normal-iWB/nRAnWAnTR-oWB/nRAnWAnTR-ISH");
    /* ALLOCCFG 0b1111: read/write-allocate, transient */
    set_ovr(&e, &x, STE1_ALLOCCFG(0xf));
    expect_attrs(&e, addr, "Normal-iWB/RAWATR-oWB/RAWATR-NSH");
    /* STE.MemAttr 0b1000 is Reserved and behaves as Device-nGnRnE */
    set_ovr(&e, &x, STE1_MTCFG | STE1_MEMATTR(8));
    expect_attrs(&e, addr, "Device-nGnRnE-OSH");
    qsmmu_env_stop(&e);
}

/* attr-types-ovr=off: the fields are RES0, the input passes unchanged */
static void test_off(void)
{
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e, &x, QSMMU_STE_CFG_S2, "-global arm-smmuv3."
               "attr-types-ovr=off")) {
        return;
    }
    g_assert_cmphex(e.smmu.idr[1] & IDR1_ATTR_TYPES_OVR, ==, 0);
    set_ovr(&e, &x, STE1_MTCFG | STE1_MEMATTR(1) | STE1_SHCFG(SHCFG_OSH));
    expect_attrs(&e, x.data_iova, WB_RAWA_ISH);
    qsmmu_env_stop(&e);
}

/* x-query-smmuv3 decodes the STE's override fields */
static void test_query_fields(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    QDict *resp, *ste;
    QList *fields;
    const char *names[] = { "MemAttr", "MTCFG", "ALLOCCFG", "SHCFG" };
    const uint64_t want[] = { 0xe, 1, 0xa, SHCFG_ISH };
    int found = 0;

    if (!start(&e, &x, QSMMU_STE_CFG_S2, NULL)) {
        return;
    }
    set_ovr(&e, &x, STE1_MTCFG | STE1_MEMATTR(0xe) | STE1_ALLOCCFG(0xa) |
            STE1_SHCFG(SHCFG_ISH));
    resp = qtest_qmp(e.qts, "{ 'execute': 'x-query-smmuv3', "
                     "'arguments': { 'sid': %u } }", SID);
    ste = qdict_get_qdict(qdict_get_qdict(resp, "return"), "ste");
    fields = qdict_get_qlist(ste, "fields");
    for (const QListEntry *le = qlist_first(fields); le;
         le = qlist_next(le)) {
        QDict *f = qobject_to(QDict, qlist_entry_obj(le));

        for (int i = 0; i < ARRAY_SIZE(names); i++) {
            if (g_str_equal(qdict_get_str(f, "name"), names[i])) {
                g_assert_cmphex(qdict_get_int(f, "value"), ==, want[i]);
                found++;
            }
        }
    }
    g_assert_cmpint(found, ==, ARRAY_SIZE(names));
    qobject_unref(resp);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3/attrs/idr", test_idr);
    qtest_add_func("/smmuv3/attrs/stage1-replaces", test_stage1_replaces);
    qtest_add_func("/smmuv3/attrs/stage2-combines", test_stage2_combines);
    qtest_add_func("/smmuv3/attrs/stage2-fwb", test_stage2_fwb);
    qtest_add_func("/smmuv3/attrs/bypass", test_bypass);
    qtest_add_func("/smmuv3/attrs/off", test_off);
    qtest_add_func("/smmuv3/attrs/query-fields", test_query_fields);
    return g_test_run();
}
