/*
 * SMMUv3 rules a fast bypass path could break: a cached bypass decision,
 * or a bypass answer covering more than one page, must never outlive the
 * configuration it came from.
 *
 * - STE bypass, then the STE rewritten to abort: after CFGI_STE and
 *   CMD_SYNC the next DMA is refused (IHI 0070 4.3.8), also for a device
 *   that keeps translations (an IOMMU notifier, as vhost's IOTLB).
 * - GBPA bypass while SMMUEN is 0, then SMMUEN 0 -> 1 with an invalid
 *   STE: the next DMA is refused with C_BAD_STE (6.3.9: at once).
 * - GBPA.ABORT written: the next DMA is refused, without an event; GBPA
 *   bypass again: the next one passes (6.3.14).
 * - A bypass answer never covers addresses at or above the OAS: a DMA
 *   there after one below is refused (3.4 F_ADDR_SIZE for an STE in
 *   bypass, silently for GBPA).
 *
 * Every DMA's data is checked against a pattern in guest memory.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-env.h"

#define SID     QSMMU_TESTDEV_SID
#define LEN     0x1000

typedef struct Fixture {
    QSmmuEnv env;
    uint64_t data;              /* PA of 4 pages of pattern */
} Fixture;

static void start(Fixture *f)
{
    qsmmu_env_start(&f->env, "1", 0, NULL);
    f->data = qsmmu_env_alloc(&f->env, 4 * LEN, LEN);
    for (int i = 0; i < 4; i++) {
        qsmmu_env_pattern(&f->env, f->data + i * LEN, LEN, 0x30 + i);
    }
}

/* A read of page i of the data passes and brings its pattern */
static void expect_read_ok(Fixture *f, int i)
{
    g_assert_true(qsmmu_testdev_dma_read(&f->env.td, f->data + i * LEN, LEN));
    qsmmu_env_check_buf(&f->env, LEN, 0x30 + i);
}

static void write_ste(Fixture *f, uint8_t config)
{
    QSMMUSte ste = { .valid = true, .config = config };
    uint64_t words[8];

    qsmmu_ste_build(&ste, words);
    qsmmu_write_ste(&f->env.smmu, SID, words);
}

static void cfgi_ste(Fixture *f)
{
    qsmmu_cmd(&f->env.smmu, &(QSMMUCmd) { .op = QSMMU_CMD_CFGI_STE,
                                         .sid = SID });
}

static void ste_bypass_to_abort(bool iotlb)
{
    Fixture f;

    start(&f);
    write_ste(&f, QSMMU_STE_CFG_BYPASS);
    qsmmu_enable(&f.env.smmu, true);
    if (iotlb) {
        g_assert_cmpuint(qsmmu_testdev_set_iotlb(&f.env.td,
                                                 SMMU_TESTDEV_IOTLB_UNMAP),
                         ==, SMMU_TESTDEV_IOTLB_UNMAP);
    }
    for (int n = 0; n < 3; n++) {
        for (int i = 0; i < 4; i++) {
            expect_read_ok(&f, i);
        }
    }
    if (iotlb) {
        g_assert_cmpuint(qsmmu_testdev_iotlb_count(&f.env.td), >, 0);
    }

    /* Written but not yet invalidated: the SMMU may use either STE */
    write_ste(&f, QSMMU_STE_CFG_ABORT);
    cfgi_ste(&f);
    for (int i = 0; i < 4; i++) {
        g_assert_false(qsmmu_testdev_dma_read(&f.env.td, f.data + i * LEN,
                                              LEN));
    }
    if (iotlb) {
        g_assert_cmpuint(qsmmu_testdev_iotlb_dropped(&f.env.td), >, 0);
    }
    /* Config abort records nothing (5.2) */
    qsmmu_assert_no_event(&f.env.smmu);

    /* And back: bypass again after the next invalidation */
    write_ste(&f, QSMMU_STE_CFG_BYPASS);
    cfgi_ste(&f);
    expect_read_ok(&f, 2);
    qsmmu_env_stop(&f.env);
}

static void test_ste_bypass_to_abort(void)
{
    ste_bypass_to_abort(false);
}

static void test_ste_bypass_to_abort_iotlb(void)
{
    if (qsmmu_skip_on_base("the base's CFGI_STE does not notify IOMMU "
                           "notifiers: a device IOTLB keeps the bypass "
                           "translation and the DMA goes on")) {
        return;
    }
    ste_bypass_to_abort(true);
}

static void test_smmuen_stops_gbpa(void)
{
    Fixture f;

    start(&f);
    qsmmu_set_gbpa(&f.env.smmu, 0);
    for (int i = 0; i < 4; i++) {
        expect_read_ok(&f, i);
    }
    /* Every STE of the table is invalid: 5.2 C_BAD_STE */
    qsmmu_enable(&f.env.smmu, true);
    g_assert_false(qsmmu_testdev_dma_read(&f.env.td, f.data, LEN));
    qsmmu_expect_event(&f.env.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_C_BAD_STE, .sid = SID,
                       }, 0, NULL);
    /* SMMUEN 1 -> 0: GBPA bypass again at once */
    qsmmu_enable(&f.env.smmu, false);
    expect_read_ok(&f, 1);
    qsmmu_env_stop(&f.env);
}

static void test_gbpa_abort(void)
{
    Fixture f;

    start(&f);
    qsmmu_set_gbpa(&f.env.smmu, 0);
    for (int n = 0; n < 3; n++) {
        expect_read_ok(&f, n);
    }
    qsmmu_set_gbpa(&f.env.smmu, QSMMU_GBPA_ABORT);
    g_assert_false(qsmmu_testdev_dma_read(&f.env.td, f.data, LEN));
    g_assert_false(qsmmu_testdev_dma_read(&f.env.td, f.data + 3 * LEN, LEN));
    qsmmu_set_gbpa(&f.env.smmu, 0);
    expect_read_ok(&f, 3);
    /* 3.2: SMMUEN 0 records no events */
    qsmmu_enable(&f.env.smmu, true);
    qsmmu_assert_no_event(&f.env.smmu);
    qsmmu_env_stop(&f.env);
}

static void bypass_above_oas(bool gbpa)
{
    Fixture f;
    unsigned oas;
    uint64_t above;

    start(&f);
    oas = qsmmu_oas_bits(f.env.smmu.idr[5]);
    above = 1ULL << oas;
    if (gbpa) {
        qsmmu_set_gbpa(&f.env.smmu, 0);
    } else {
        write_ste(&f, QSMMU_STE_CFG_BYPASS);
        qsmmu_enable(&f.env.smmu, true);
    }
    expect_read_ok(&f, 0);
    g_assert_false(qsmmu_testdev_dma_read(&f.env.td, above + f.data, LEN));
    if (!gbpa && qsmmu_skip_on_base("the base records no F_ADDR_SIZE for "
                                    "an STE in bypass above the OAS")) {
        qsmmu_env_stop(&f.env);
        return;
    }
    if (!gbpa) {
        qsmmu_expect_event(&f.env.smmu, &(QSMMUEvent) {
                               .type = QSMMU_EVT_F_ADDR_SIZE, .sid = SID,
                               .input_addr = above + f.data,
                           }, QSMMU_EV_INPUT_ADDR, NULL);
    }
    expect_read_ok(&f, 1);
    if (!gbpa) {
        qsmmu_assert_no_event(&f.env.smmu);
    }
    qsmmu_env_stop(&f.env);
}

static void test_ste_bypass_above_oas(void)
{
    bypass_above_oas(false);
}

static void test_gbpa_bypass_above_oas(void)
{
    bypass_above_oas(true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmuv3/fastpath/ste-bypass-to-abort",
                   test_ste_bypass_to_abort);
    qtest_add_func("/smmuv3/fastpath/ste-bypass-to-abort-iotlb",
                   test_ste_bypass_to_abort_iotlb);
    qtest_add_func("/smmuv3/fastpath/smmuen-stops-gbpa",
                   test_smmuen_stops_gbpa);
    qtest_add_func("/smmuv3/fastpath/gbpa-abort", test_gbpa_abort);
    qtest_add_func("/smmuv3/fastpath/ste-bypass-above-oas",
                   test_ste_bypass_above_oas);
    qtest_add_func("/smmuv3/fastpath/gbpa-bypass-above-oas",
                   test_gbpa_bypass_above_oas);
    return g_test_run();
}
