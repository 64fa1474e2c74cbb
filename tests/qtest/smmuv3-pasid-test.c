/*
 * SMMUv3 substreams (IHI 0070 3.3.2, 5.2 S1CDMax/S1DSS, 5.4): a PASID
 * tagged transaction selects its CD from a linear CD table; untagged
 * ones follow STE.S1DSS; an out-of-range SubstreamID is reported.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define CDMAX_LOG2      2           /* four CDs: SSIDs 0..3 */
#define PASID(n)        (SMMU_TESTDEV_PASID_VALID | (n))

/* STE.S1DSS encodings, IHI 0070 5.2. */
#define S1DSS_TERMINATE 0
#define S1DSS_BYPASS    1
#define S1DSS_SSID0     2

typedef struct PasidRig {
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t cd_table;
    uint64_t buf[1 << CDMAX_LOG2];  /* what each CD maps the IOVA to */
} PasidRig;

/* IHI 0070 6.3.2: IDR1.SSIDSIZE 0 means no substreams at all. */
static bool skip_without_substreams(PasidRig *r)
{
    if (((r->e.smmu.idr[1] >> 6) & 0x1f) < CDMAX_LOG2) {
        g_test_skip("IDR1.SSIDSIZE too small (the base's is 0: it ignores "
                    "MemTxAttrs.pid and decodes only CD 0)");
        qsmmu_env_stop(&r->e);
        return true;
    }
    return false;
}

/* CD n maps the IOVA to its own buffer, filled with seed n. */
static void rig_start(PasidRig *r, uint8_t s1dss)
{
    QSmmuEnv *e = &r->e;
    QSmmuXlate *x = &r->x;
    uint64_t w[8];

    qsmmu_env_start(e, "nested", 0, NULL);
    qsmmu_testdev_enable_pasid(&e->td, e->qts);
    qsmmu_xlate_defaults(x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(e, x);
    r->cd_table = qsmmu_env_alloc(e, 64 << CDMAX_LOG2, 64 << CDMAX_LOG2);
    for (int n = 0; n < 1 << CDMAX_LOG2; n++) {
        QPgtable pt;
        QSMMUCd cd = x->cd;

        r->buf[n] = qsmmu_env_alloc(e, 0x1000, 0x1000);
        qsmmu_env_pattern(e, r->buf[n], XFER_LEN, 0x10 + n);
        qpt_init(&pt, e->qts, &e->alloc, false, x->s1_gran, x->s1_ias, 8, 0);
        qpt_map(&pt, x->data_iova, r->buf[n], 3, QPT_RW);
        cd.ttb0 = qpt_ttb(&pt);
        cd.asid = 10 + n;
        qsmmu_cd_build(&cd, w);
        qsmmu_write_words(&e->smmu, r->cd_table + 64 * n, w, 8);
    }
    x->ste.s1_ctx_ptr = r->cd_table;
    x->ste.s1_cdmax = CDMAX_LOG2;
    x->ste.s1_fmt = 0;              /* linear CD table */
    x->ste.s1_dss = s1dss;
    qsmmu_xlate_write_ste(e, x);
    qsmmu_enable(&e->smmu, true);
}

static QSmmuTestdevStatus rig_read(PasidRig *r, uint32_t pasid)
{
    return qsmmu_testdev_run(&r->e.td, SMMU_TESTDEV_OP_READ,
                             r->x.data_iova, 0, XFER_LEN, pasid);
}

static void expect_cd(PasidRig *r, uint32_t pasid, int n)
{
    QSmmuTestdevStatus st = rig_read(r, pasid);

    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    g_assert_cmpuint(st.result, ==, 0);
    qsmmu_env_check_buf(&r->e, XFER_LEN, 0x10 + n);
}

static void test_select_cd(void)
{
    PasidRig r;

    rig_start(&r, S1DSS_SSID0);
    if (skip_without_substreams(&r)) {
        return;
    }
    for (int n = 1; n < 1 << CDMAX_LOG2; n++) {
        expect_cd(&r, PASID(n), n);
    }
    /* S1DSS 0b10: untagged transactions use CD 0. */
    expect_cd(&r, 0, 0);
    qsmmu_assert_no_event(&r.e.smmu);
    qsmmu_env_stop(&r.e);
}

static void test_bad_substream(void)
{
    PasidRig r;

    rig_start(&r, S1DSS_SSID0);
    if (skip_without_substreams(&r)) {
        return;
    }
    /* IHI 0070 7.3 C_BAD_SUBSTREAMID: SSID beyond 2^S1CDMax. */
    g_assert_cmphex(rig_read(&r, PASID(5)).result, !=, 0);
    qsmmu_expect_event(&r.e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_C_BAD_SUBSTREAMID, .sid = SID,
                           .ssv = true, .ssid = 5,
                       }, 0, NULL);
    qsmmu_assert_no_event(&r.e.smmu);
    qsmmu_env_stop(&r.e);
}

static void test_dss_terminate(void)
{
    PasidRig r;

    rig_start(&r, S1DSS_TERMINATE);
    if (skip_without_substreams(&r)) {
        return;
    }
    expect_cd(&r, PASID(2), 2);
    /* IHI 0070 5.2: S1DSS 0b00 aborts untagged traffic, F_STREAM_DISABLED. */
    g_assert_cmphex(rig_read(&r, 0).result, !=, 0);
    qsmmu_expect_event(&r.e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_STREAM_DISABLED, .sid = SID,
                       }, 0, NULL);
    qsmmu_assert_no_event(&r.e.smmu);
    qsmmu_env_stop(&r.e);
}

static void test_cfgi_cd_ssid(void)
{
    PasidRig r;
    QSMMUCd cd;
    uint64_t w[8];

    rig_start(&r, S1DSS_SSID0);
    if (skip_without_substreams(&r)) {
        return;
    }
    expect_cd(&r, PASID(1), 1);
    expect_cd(&r, PASID(2), 2);
    /* Swap CD 1 and 2's tables; only CFGI_CD of SSID 1 is issued. */
    cd = r.x.cd;
    cd.asid = 21;
    cd.ttb0 = qtest_readq(r.e.qts, r.cd_table + 64 * 2 + 8);
    qsmmu_cd_build(&cd, w);
    qsmmu_write_words(&r.e.smmu, r.cd_table + 64, w, 8);
    qsmmu_cmd(&r.e.smmu, &(QSMMUCmd){ .op = QSMMU_CMD_CFGI_CD, .sid = SID,
                                      .ssid = 1, .leaf = true });
    expect_cd(&r, PASID(1), 2);
    expect_cd(&r, PASID(2), 2);
    qsmmu_env_stop(&r.e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3/pasid/select-cd", test_select_cd);
    qtest_add_func("/smmuv3/pasid/bad-substream", test_bad_substream);
    qtest_add_func("/smmuv3/pasid/dss-terminate", test_dss_terminate);
    qtest_add_func("/smmuv3/pasid/cfgi-cd-ssid", test_cfgi_cd_ssid);
    return g_test_run();
}
