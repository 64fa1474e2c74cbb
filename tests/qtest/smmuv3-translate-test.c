/*
 * SMMUv3 translation: bypass and abort, stage 1, stage 2 and nested for
 * every granule and start level, page and block mappings.  Each case
 * moves data with smmu-testdev through the SMMU and checks what arrived.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-env.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x1000
#define XFER_OFF        0x800       /* crosses a 4K page boundary */
#define DATA_SIZE       QSMMU_XLATE_DATA_SIZE
#define NESTED_IAS      40

/* One translation set-up: which stages, granules, input sizes, leaf. */
typedef struct XlateCase {
    const char *name;
    uint8_t config;             /* QSMMU_STE_CFG_S1/S2/NESTED */
    uint8_t s1_gran, s1_ias;
    uint8_t s2_gran, s2_ias;
    int leaf;                   /* level of the leaf mapping the data */
} XlateCase;

#define S1      .config = QSMMU_STE_CFG_S1
#define S2      .config = QSMMU_STE_CFG_S2
#define NESTED  .config = QSMMU_STE_CFG_NESTED

static const XlateCase xlate_cases[] = {
    /* Stage 1: start levels follow from T0SZ (Arm ARM D8.2.5). */
    { .name = "s1/4k/sl0/page", S1, .s1_gran = 12, .s1_ias = 48, .leaf = 3 },
    { .name = "s1/4k/sl1/page", S1, .s1_gran = 12, .s1_ias = 39, .leaf = 3 },
    { .name = "s1/4k/sl2/page", S1, .s1_gran = 12, .s1_ias = 30, .leaf = 3 },
    { .name = "s1/4k/block1g", S1, .s1_gran = 12, .s1_ias = 39, .leaf = 1 },
    { .name = "s1/4k/block2m", S1, .s1_gran = 12, .s1_ias = 48, .leaf = 2 },
    { .name = "s1/16k/sl0/page", S1, .s1_gran = 14, .s1_ias = 48, .leaf = 3 },
    { .name = "s1/16k/sl1/page", S1, .s1_gran = 14, .s1_ias = 47, .leaf = 3 },
    { .name = "s1/16k/sl2/page", S1, .s1_gran = 14, .s1_ias = 36, .leaf = 3 },
    { .name = "s1/16k/sl3/page", S1, .s1_gran = 14, .s1_ias = 25, .leaf = 3 },
    { .name = "s1/16k/block32m", S1, .s1_gran = 14, .s1_ias = 36, .leaf = 2 },
    { .name = "s1/64k/sl1/page", S1, .s1_gran = 16, .s1_ias = 48, .leaf = 3 },
    { .name = "s1/64k/sl2/page", S1, .s1_gran = 16, .s1_ias = 42, .leaf = 3 },
    { .name = "s1/64k/sl3/page", S1, .s1_gran = 16, .s1_ias = 29, .leaf = 3 },
    { .name = "s1/64k/block512m", S1, .s1_gran = 16, .s1_ias = 42, .leaf = 2 },
    /* Stage 2: start levels from S2SL0, IAS bounded by OAS (44). */
    { .name = "s2/4k/sl0/page", S2, .s2_gran = 12, .s2_ias = 44, .leaf = 3 },
    { .name = "s2/4k/sl1/page", S2, .s2_gran = 12, .s2_ias = 39, .leaf = 3 },
    { .name = "s2/4k/sl2/page", S2, .s2_gran = 12, .s2_ias = 30, .leaf = 3 },
    { .name = "s2/4k/block1g", S2, .s2_gran = 12, .s2_ias = 39, .leaf = 1 },
    { .name = "s2/4k/block2m", S2, .s2_gran = 12, .s2_ias = 44, .leaf = 2 },
    { .name = "s2/16k/sl1/page", S2, .s2_gran = 14, .s2_ias = 44, .leaf = 3 },
    { .name = "s2/16k/sl2/page", S2, .s2_gran = 14, .s2_ias = 36, .leaf = 3 },
    { .name = "s2/16k/sl3/page", S2, .s2_gran = 14, .s2_ias = 25, .leaf = 3 },
    { .name = "s2/16k/block32m", S2, .s2_gran = 14, .s2_ias = 36, .leaf = 2 },
    { .name = "s2/64k/sl1/page", S2, .s2_gran = 16, .s2_ias = 44, .leaf = 3 },
    { .name = "s2/64k/sl2/page", S2, .s2_gran = 16, .s2_ias = 42, .leaf = 3 },
    { .name = "s2/64k/sl3/page", S2, .s2_gran = 16, .s2_ias = 29, .leaf = 3 },
    { .name = "s2/64k/block512m", S2, .s2_gran = 16, .s2_ias = 42, .leaf = 2 },
    /* Nested: CD and stage-1 tables live at IPAs stage 2 moves. */
    { .name = "nested/4k-4k", NESTED, .s1_gran = 12, .s1_ias = 48,
      .s2_gran = 12, .s2_ias = NESTED_IAS, .leaf = 3 },
    { .name = "nested/16k-16k", NESTED, .s1_gran = 14, .s1_ias = 47,
      .s2_gran = 14, .s2_ias = NESTED_IAS, .leaf = 3 },
    { .name = "nested/64k-64k", NESTED, .s1_gran = 16, .s1_ias = 48,
      .s2_gran = 16, .s2_ias = NESTED_IAS, .leaf = 3 },
    { .name = "nested/4k-64k", NESTED, .s1_gran = 12, .s1_ias = 39,
      .s2_gran = 16, .s2_ias = NESTED_IAS, .leaf = 3 },
    { .name = "nested/64k-4k", NESTED, .s1_gran = 16, .s1_ias = 42,
      .s2_gran = 12, .s2_ias = NESTED_IAS, .leaf = 3 },
    { .name = "nested/16k-4k/block", NESTED, .s1_gran = 14, .s1_ias = 36,
      .s2_gran = 12, .s2_ias = NESTED_IAS, .leaf = 2 },
};

static void check_transfers(QSmmuEnv *e, uint64_t iova, uint64_t pa)
{
    /* Device reads through the SMMU what the CPU wrote at pa. */
    qsmmu_env_pattern(e, pa + XFER_OFF, XFER_LEN, 0x11);
    g_assert_true(qsmmu_testdev_dma_read(&e->td, iova + XFER_OFF, XFER_LEN));
    qsmmu_env_check_buf(e, XFER_LEN, 0x11);

    /* And writes back to another offset of the same mapping. */
    qsmmu_env_pattern(e, pa, XFER_LEN, 0x22);
    g_assert_true(qsmmu_testdev_dma_read(&e->td, iova, XFER_LEN));
    g_assert_true(qsmmu_testdev_dma_write(&e->td, iova + 2 * XFER_LEN,
                                          XFER_LEN));
    qsmmu_env_check_pattern(e, pa + 2 * XFER_LEN, XFER_LEN, 0x22);
    qsmmu_assert_no_event(&e->smmu);
}

static bool granule_supported(QSmmuEnv *e, uint8_t gran)
{
    uint32_t bit = gran == 12 ? QSMMU_IDR5_GRAN4K :
                   gran == 14 ? QSMMU_IDR5_GRAN16K : QSMMU_IDR5_GRAN64K;

    return !gran || (e->smmu.idr[5] & bit);
}

static void run_xlate(const XlateCase *c, uint8_t split)
{
    QSmmuEnv e;
    QSmmuXlate x;

    qsmmu_env_start(&e, "nested", split, NULL);
    if (split && QSMMU_IDR0_ST_LEVEL(e.smmu.idr[0]) != 1) {
        g_test_skip("IDR0.ST_LEVEL: no 2-level stream table");
        qsmmu_env_stop(&e);
        return;
    }
    if (!granule_supported(&e, c->s1_gran) ||
        !granule_supported(&e, c->s2_gran)) {
        g_test_skip("granule not advertised in IDR5");
        qsmmu_env_stop(&e);
        return;
    }

    qsmmu_xlate_defaults(&x, c->config, SID);
    x.s1_gran = c->s1_gran;
    x.s1_ias = c->s1_ias;
    x.s2_gran = c->s2_gran;
    x.s2_ias = c->s2_ias;
    x.leaf_level = c->leaf;
    qsmmu_xlate_setup(&e, &x);
    qsmmu_enable(&e.smmu, true);

    check_transfers(&e, x.data_iova, x.data);
    qsmmu_env_stop(&e);
}

static void test_xlate(const void *opaque)
{
    run_xlate(opaque, 0);
}

/* STE.Config bypass moves data untranslated; abort refuses silently. */
static void test_ste_bypass_abort(void)
{
    QSmmuEnv e;
    QSMMUSte ste = { .valid = true, .config = QSMMU_STE_CFG_BYPASS };
    uint64_t words[8], data;

    qsmmu_env_start(&e, "nested", 0, NULL);
    data = qsmmu_env_alloc(&e, DATA_SIZE, 4096);
    qsmmu_ste_build(&ste, words);
    qsmmu_write_ste(&e.smmu, SID, words);
    qsmmu_enable(&e.smmu, true);
    check_transfers(&e, data, data);

    /* IHI 0070 5.2: Config 0b000 aborts, with no event recorded. */
    ste.config = QSMMU_STE_CFG_ABORT;
    qsmmu_ste_build(&ste, words);
    qsmmu_write_ste(&e.smmu, SID, words);
    qsmmu_cmd(&e.smmu, &(QSMMUCmd){ .op = QSMMU_CMD_CFGI_STE, .sid = SID,
                                    .leaf = true });
    g_assert_false(qsmmu_testdev_dma_read(&e.td, data, XFER_LEN));
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* IHI 0070 6.3.14: with SMMUEN clear, GBPA.ABORT decides. */
static void test_gbpa(void)
{
    QSmmuEnv e;
    uint64_t data;

    qsmmu_env_start(&e, "nested", 0, NULL);
    data = qsmmu_env_alloc(&e, DATA_SIZE, 4096);
    qsmmu_set_gbpa(&e.smmu, 0);
    check_transfers(&e, data, data);

    qsmmu_set_gbpa(&e.smmu, QSMMU_GBPA_ABORT);
    g_assert_false(qsmmu_testdev_dma_write(&e.td, data, XFER_LEN));
    g_assert_false(qsmmu_testdev_dma_read(&e.td, data, XFER_LEN));
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

/* IHI 0070 5.1: nested translation through a 2-level stream table. */
static void test_two_level_strtab(void)
{
    run_xlate(&xlate_cases[ARRAY_SIZE(xlate_cases) - 1], 6);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(xlate_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/translate/%s",
                                                xlate_cases[i].name);

        qtest_add_data_func(path, &xlate_cases[i], test_xlate);
    }
    qtest_add_func("/smmuv3/translate/ste-bypass-abort",
                   test_ste_bypass_abort);
    qtest_add_func("/smmuv3/translate/gbpa", test_gbpa);
    qtest_add_func("/smmuv3/translate/two-level-strtab",
                   test_two_level_strtab);
    return g_test_run();
}
