/*
 * SMMUv3 20-bit SubstreamIDs (IHI 0070 3.3.2, 5.2 S1Fmt/S1CDMax, 6.3.2
 * SSIDSIZE): PASIDs up to 0xfffff reach their CDs through 2-level CD
 * tables of 4KB and 64KB leaves, whole (MemTxAttrs.pid carries every
 * bit), and SubstreamIDs beyond S1CDMax or SSIDSIZE are refused.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"
#include "hw/pci/pci_regs.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define PASID(n)        (SMMU_TESTDEV_PASID_VALID | (n))
#define SSIDSIZE(idr1)  (((idr1) >> 6) & 0x1f)
#define L1CD_V          1ULL
#define CD_BYTES        64

/* STE.S1Fmt and S1DSS, IHI 0070 5.2 */
#define S1FMT_LINEAR    0
#define S1FMT_2L_4K     1
#define S1FMT_2L_64K    2
#define S1DSS_TERMINATE 0

/*
 * The SSIDs each test maps, with 0x45 as well: an SMMU or a device that
 * kept only the low 8 bits would take 0x12345 to 0x45's CD, 0xfffff to
 * 0xff's and 0x100 to no SubstreamID, which S1DSS terminates.
 */
static const uint32_t ssids[] = { 0x1, 0x45, 0xff, 0x100, 0x12345, 0xfffff };

typedef struct Rig {
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t table;             /* the L1 (or linear) CD table */
    unsigned split;             /* SSID bits an L2 table indexes; 0: linear */
    unsigned cdmax;
} Rig;

/* IHI 0070 6.3.2: the SMMU must offer 20 bits for these tests */
static bool skip_below_20(Rig *r)
{
    unsigned bits = SSIDSIZE(r->e.smmu.idr[1]);

    if (bits < 20) {
        g_autofree char *why =
            g_strdup_printf("IDR1.SSIDSIZE %u, not 20 (the base's MemTxAttrs"
                            ".pid carries 8 bits)", bits);
        g_test_skip(why);
        qsmmu_env_stop(&r->e);
        return true;
    }
    return false;
}

/* Start with a stage-1 stream whose CD table has 2^cdmax CDs */
static bool rig_start(Rig *r, uint8_t fmt, unsigned cdmax)
{
    QSmmuEnv *e = &r->e;

    qsmmu_env_start(e, "nested", 0, NULL);
    if (skip_below_20(r)) {
        return false;
    }
    qsmmu_testdev_enable_pasid(&e->td, e->qts);
    qsmmu_xlate_defaults(&r->x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(e, &r->x);
    r->cdmax = cdmax;
    if (fmt == S1FMT_LINEAR) {
        r->split = 0;
        /* 5.2 S1Fmt 0b00: aligned to its size */
        r->table = qsmmu_env_alloc(e, CD_BYTES << cdmax, CD_BYTES << cdmax);
    } else {
        unsigned l1;

        r->split = fmt == S1FMT_2L_4K ? 6 : 10;
        l1 = cdmax > r->split ? 8 << (cdmax - r->split) : 8;
        /* 5.2: L1 tables aligned to their size, or 64 bytes */
        r->table = qsmmu_env_alloc(e, l1, MAX(l1, 64));
    }
    r->x.ste.s1_ctx_ptr = r->table;
    r->x.ste.s1_cdmax = cdmax;
    r->x.ste.s1_fmt = fmt;
    r->x.ste.s1_dss = S1DSS_TERMINATE;
    qsmmu_xlate_write_ste(e, &r->x);
    qsmmu_enable(&e->smmu, true);
    return true;
}

/* Where the CD of @ssid goes, with its L2 table made valid */
static uint64_t cd_slot(Rig *r, uint32_t ssid)
{
    QTestState *qts = r->e.qts;
    uint64_t l1e, l2;
    uint64_t l2_size = (uint64_t)CD_BYTES << r->split;

    if (!r->split) {
        return r->table + (uint64_t)ssid * CD_BYTES;
    }
    /* 5.2: SubstreamID[S1CDMax - 1:split] indexes the L1 table */
    l1e = r->table + (r->cdmax > r->split ? (ssid >> r->split) * 8 : 0);
    l2 = qtest_readq(qts, l1e) & ~0xfffULL;
    if (!l2) {
        /* 5.6 L1CD: L2Ptr[51:12], the L2 table aligned to its size */
        l2 = qsmmu_env_alloc(&r->e, l2_size, l2_size);
        qtest_writeq(qts, l1e, l2 | L1CD_V);
    }
    return l2 + (ssid & ((1u << r->split) - 1)) * CD_BYTES;
}

/* CD @ssid maps the IOVA to its own buffer, filled with @seed */
static void map_ssid(Rig *r, uint32_t ssid, uint8_t seed)
{
    QSmmuEnv *e = &r->e;
    QSMMUCd cd = r->x.cd;
    uint64_t buf = qsmmu_env_alloc(e, 0x1000, 0x1000);
    uint64_t w[8];
    QPgtable pt;

    qsmmu_env_pattern(e, buf, XFER_LEN, seed);
    qpt_init(&pt, e->qts, &e->alloc, false, r->x.s1_gran, r->x.s1_ias, 8, 0);
    qpt_map(&pt, r->x.data_iova, buf, 3, QPT_RW);
    cd.ttb0 = qpt_ttb(&pt);
    cd.asid = 0x100 + seed;     /* its own ASID: no TLB sharing */
    qsmmu_cd_build(&cd, w);
    qsmmu_write_words(&e->smmu, cd_slot(r, ssid), w, 8);
}

static QSmmuTestdevStatus dma_read(Rig *r, uint32_t ssid)
{
    return qsmmu_testdev_run(&r->e.td, SMMU_TESTDEV_OP_READ, r->x.data_iova,
                             0, XFER_LEN, PASID(ssid));
}

static void expect_data(Rig *r, uint32_t ssid, uint8_t seed)
{
    QSmmuTestdevStatus st = dma_read(r, ssid);

    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    g_assert_cmphex(st.result, ==, 0);
    qsmmu_env_check_buf(&r->e, XFER_LEN, seed);
}

/*
 * 7.3.9 C_BAD_SUBSTREAMID (or 7.3.5 C_BAD_STE with @ssid), the exact
 * record: type, SSV, SubstreamID, StreamID, everything else zero.
 */
static void expect_cfg_event(Rig *r, uint8_t type, uint32_t ssid)
{
    uint32_t raw[8];
    uint32_t want[8] = {
        type | 1u << 11 | ssid << 12, SID, 0, 0, 0, 0, 0, 0,
    };

    g_assert_cmphex(dma_read(r, ssid).result, !=, 0);
    qsmmu_expect_event(&r->e.smmu, &(QSMMUEvent) {
                           .type = type, .sid = SID, .ssv = true,
                           .ssid = ssid,
                       }, 0, raw);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(raw[i], ==, want[i]);
    }
    qsmmu_assert_no_event(&r->e.smmu);
}

static void test_ssidsize(void)
{
    Rig r;

    qsmmu_env_start(&r.e, "nested", 0, NULL);
    if (skip_below_20(&r)) {
        return;
    }
    g_assert_cmpuint(SSIDSIZE(r.e.smmu.idr[1]), ==, 20);
    /* PCIe PASID capability: Max PASID Width 20 */
    g_assert_cmpuint((qtest_readw(r.e.qts, QSMMU_VIRT_ECAM_BASE +
                                  (r.e.td.dev->devfn << 12) +
                                  SMMU_TESTDEV_PASID_CAP_OFFSET +
                                  PCI_PASID_CAP) & PCI_PASID_CAP_WIDTH) >> 8,
                     ==, 20);
    qsmmu_env_stop(&r.e);
}

/* Every SSID reaches its own CD through a 2-level table of @fmt */
static void run_2level(uint8_t fmt)
{
    Rig r;

    if (!rig_start(&r, fmt, 20)) {
        return;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(ssids); i++) {
        map_ssid(&r, ssids[i], 0x20 + i);
    }
    for (unsigned i = 0; i < ARRAY_SIZE(ssids); i++) {
        expect_data(&r, ssids[i], 0x20 + i);
    }
    /* Once more in reverse: each DMA still finds its own CD */
    for (unsigned i = ARRAY_SIZE(ssids); i-- > 0;) {
        expect_data(&r, ssids[i], 0x20 + i);
    }
    qsmmu_assert_no_event(&r.e.smmu);
    qsmmu_env_stop(&r.e);
}

static void test_2level_4k(void)
{
    run_2level(S1FMT_2L_4K);
}

static void test_2level_64k(void)
{
    run_2level(S1FMT_2L_64K);
}

/* 5.2 S1CDMax: SSIDs from 2^S1CDMax on are C_BAD_SUBSTREAMID */
static void test_cdmax_bound(void)
{
    Rig r;

    if (!rig_start(&r, S1FMT_2L_4K, 12)) {
        return;
    }
    map_ssid(&r, 0xfff, 0x31);
    expect_data(&r, 0xfff, 0x31);
    expect_cfg_event(&r, QSMMU_EVT_C_BAD_SUBSTREAMID, 0x1000);
    expect_cfg_event(&r, QSMMU_EVT_C_BAD_SUBSTREAMID, 0x12345);
    qsmmu_env_stop(&r.e);
}

/* A linear table of 1024 CDs: the last one, then the first beyond */
static void test_linear_bound(void)
{
    Rig r;

    if (!rig_start(&r, S1FMT_LINEAR, 10)) {
        return;
    }
    map_ssid(&r, 0x3ff, 0x32);
    expect_data(&r, 0x3ff, 0x32);
    expect_cfg_event(&r, QSMMU_EVT_C_BAD_SUBSTREAMID, 0x400);
    qsmmu_env_stop(&r.e);
}

/* 5.2 STE_ILLEGAL(): S1CDMax above SSIDSIZE makes the STE ILLEGAL */
static void test_cdmax_illegal(void)
{
    Rig r;

    if (!rig_start(&r, S1FMT_2L_64K, 20)) {
        return;
    }
    r.x.ste.s1_cdmax = 21;
    qsmmu_xlate_write_ste(&r.e, &r.x);
    qsmmu_cmd(&r.e.smmu, &(QSMMUCmd) {
                  .op = QSMMU_CMD_CFGI_STE, .sid = SID, .leaf = true,
              });
    expect_cfg_event(&r, QSMMU_EVT_C_BAD_STE, 0x100);
    qsmmu_env_stop(&r.e);
}

/* Property ssidsize=8: an older SMMU's 8 bits, and its limits */
static void test_ssidsize_8(void)
{
    Rig r;
    QSmmuEnv *e = &r.e;

    if (!qsmmu_env_start_ours(e, "nested", "-global arm-smmuv3.ssidsize=8",
                              "property ssidsize is the fork's")) {
        return;
    }
    g_assert_cmpuint(SSIDSIZE(e->smmu.idr[1]), ==, 8);
    qsmmu_testdev_enable_pasid(&e->td, e->qts);
    qsmmu_xlate_defaults(&r.x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(e, &r.x);
    r.split = 6;
    r.cdmax = 8;
    r.table = qsmmu_env_alloc(e, 64, 64);
    r.x.ste.s1_ctx_ptr = r.table;
    r.x.ste.s1_cdmax = 8;
    r.x.ste.s1_fmt = S1FMT_2L_4K;
    qsmmu_xlate_write_ste(e, &r.x);
    qsmmu_enable(&e->smmu, true);
    map_ssid(&r, 0xff, 0x33);
    expect_data(&r, 0xff, 0x33);
    /* 0x100 does not fit in 8 bits: beyond S1CDMax, never CD 0 */
    expect_cfg_event(&r, QSMMU_EVT_C_BAD_SUBSTREAMID, 0x100);
    /* S1CDMax 9 > SSIDSIZE 8: ILLEGAL */
    r.x.ste.s1_cdmax = 9;
    qsmmu_xlate_write_ste(e, &r.x);
    qsmmu_cmd(&e->smmu, &(QSMMUCmd) {
                  .op = QSMMU_CMD_CFGI_STE, .sid = SID, .leaf = true,
              });
    expect_cfg_event(&r, QSMMU_EVT_C_BAD_STE, 0x1);
    qsmmu_env_stop(e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3/ssid20/ssidsize", test_ssidsize);
    qtest_add_func("/smmuv3/ssid20/2level-4k", test_2level_4k);
    qtest_add_func("/smmuv3/ssid20/2level-64k", test_2level_64k);
    qtest_add_func("/smmuv3/ssid20/cdmax-bound", test_cdmax_bound);
    qtest_add_func("/smmuv3/ssid20/linear-bound", test_linear_bound);
    qtest_add_func("/smmuv3/ssid20/cdmax-illegal", test_cdmax_illegal);
    qtest_add_func("/smmuv3/ssid20/ssidsize-8", test_ssidsize_8);
    return g_test_run();
}
