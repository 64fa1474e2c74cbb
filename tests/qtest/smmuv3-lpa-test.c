/*
 * 52-bit addresses (IHI 0070 6.3.6 SMMU_IDR5.{OAS, VAX, DS}, 5.2, 5.4):
 * what virt advertises with -cpu max and for older machine types, and
 * translations of IOVAs above 48 bits at stage 1, stage 2 and nested,
 * with 64K tables (FEAT_LPA) and 4K tables in the LPA2 format (DS).
 *
 * Output addresses above 48 bits have no RAM behind them in qtest, so
 * they show as Address Size faults against a 48-bit IPS/S2PS; the
 * successful translations take 52-bit inputs (VAX, S2T0SZ 12) to low RAM.
 * The base's model has a 44-bit OAS and none of this: every case skips
 * there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qemu/bitops.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100
#define SEED            0x52
#define BASE_SKIP       "the base's model has a 44-bit OAS, no VAX or LPA2"

/* SMMU_IDR5 fields beyond libqos's (6.3.6) */
#define IDR5_VAX(v)     (((v) >> 10) & 3)
#define IDR5_DS(v)      (((v) >> 7) & 1)

/* Encodings: IPS / S2PS 0b110 is 52 bits, 0b101 48 (5.2, 5.4) */
#define PS_48           5
#define PS_52           6

/* Structure bits libqos's builders do not set */
#define CD2_DS          (1ULL << 58)    /* CD[186] */
#define STE3_S2DS       (1ULL << 3)     /* STE[195] */
#define STE3_S2SL0_2    (1ULL << 2)     /* STE[194]: VTCR_EL2.SL2 */

/* Descriptor bits, Arm ARM D8.3 */
#define D_TABLE         3ULL
#define D_OA_LPA2(oa)   (extract64(oa, 50, 2) << 8)   /* DS: OA[51:50] */
#define D_OA_64K(oa)    (extract64(oa, 48, 4) << 12)  /* 64K: OA[51:48] */
#define D_SH            (3ULL << 8)

/* An IOVA with bits [51:48] set, 64K aligned */
#define IOVA_52         0x000b5a5a5a5a0000ULL

/* -M @machine, TCG paused: the SMMU's IDR5 */
static uint32_t boot_idr5(const char *args)
{
    QTestState *qts = qtest_initf("-accel tcg -S -nic none %s", args);
    uint32_t idr5 = qtest_readl(qts, qsmmu_find_base(qts) + QSMMU_IDR5);

    qtest_quit(qts);
    return idr5;
}

typedef struct IdrCase {
    const char *name;
    const char *args;
    unsigned oas, vax, ds;
} IdrCase;

static const IdrCase idr_cases[] = {
    /* -cpu max has PARange 52 (FEAT_LPA): virt follows it */
    { .name = "cpu-max", .args = "-M virt,iommu=smmuv3 -cpu max",
      .oas = 52, .vax = 1, .ds = 1 },
    { .name = "neoverse-n1", .args = "-M virt,iommu=smmuv3 -cpu neoverse-n1",
      .oas = 48, .vax = 1, .ds = 1 },
    /* virt 10.1 and older: the 44-bit SMMU without VAX or DS */
    { .name = "virt-10.1", .args = "-M virt-10.1,iommu=smmuv3 -cpu max",
      .oas = 44, .vax = 0, .ds = 0 },
    /* an older SMMU on request */
    { .name = "vax-lpa2-off",
      .args = "-M virt,iommu=smmuv3 -cpu max -global arm-smmuv3.vax=off "
              "-global arm-smmuv3.lpa2=off",
      .oas = 52, .vax = 0, .ds = 0 },
    { .name = "lpa2-off", .args = "-M virt,iommu=smmuv3 -cpu max "
                                  "-global arm-smmuv3.lpa2=off",
      .oas = 52, .vax = 1, .ds = 0 },
    { .name = "oas-48", .args = "-M virt,iommu=smmuv3 -cpu max "
                                "-global arm-smmuv3.oas=48",
      .oas = 48, .vax = 1, .ds = 1 },
};

static void test_idr5(const void *opaque)
{
    const IdrCase *c = opaque;
    uint32_t idr5;

    if (qsmmu_skip_on_base(BASE_SKIP)) {
        return;
    }
    idr5 = boot_idr5(c->args);
    g_assert_cmpuint(qsmmu_oas_bits(idr5), ==, c->oas);
    g_assert_cmpuint(IDR5_VAX(idr5), ==, c->vax);
    g_assert_cmpuint(IDR5_DS(idr5), ==, c->ds);
}

/* Run QEMU to the end of machine creation; its exit status and stderr */
static int run_qemu(const char *args, char **err)
{
    g_autofree char *dir = g_dir_make_tmp("smmuv3-lpa-XXXXXX", NULL);
    g_autofree char *dtb = g_build_filename(dir, "virt.dtb", NULL);
    g_autofree char *cmd = NULL;
    g_autoptr(GError) gerr = NULL;
    g_auto(GStrv) argv = NULL;
    int status;

    g_assert_nonnull(dir);
    /* dumpdtb exits once the board is built; timeout(1) guards a hang */
    cmd = g_strdup_printf("timeout 20 %s -accel tcg -display none "
                          "-nic none -monitor none -serial none %s,"
                          "dumpdtb=%s", qtest_qemu_binary(NULL), args, dtb);
    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &gerr));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH,
                               NULL, NULL, NULL, err, &status, &gerr));
    unlink(dtb);
    rmdir(dir);
    g_assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* -cpu max: a 52-bit SMMU and not a word on stderr (issue #16) */
static void test_cpu_max_quiet(void)
{
    g_autofree char *err = NULL;

    if (qsmmu_skip_on_base(BASE_SKIP)) {
        return;
    }
    g_assert_cmpint(run_qemu("-cpu max -M virt,iommu=smmuv3", &err), ==, 0);
    if (*err) {
        g_test_message("stderr: %s", err);
    }
    g_assert_cmpstr(err, ==, "");
}

/* 6.3.6: IDR5.DS needs IDR5.VAX, so vax=off alone is refused */
static void test_lpa2_needs_vax(void)
{
    g_autofree char *err = NULL;

    if (qsmmu_skip_on_base(BASE_SKIP)) {
        return;
    }
    g_assert_cmpint(run_qemu("-cpu max -global arm-smmuv3.vax=off "
                             "-M virt,iommu=smmuv3", &err), ==, 1);
    g_assert_nonnull(strstr(err, "lpa2"));
    g_assert_nonnull(strstr(err, "vax"));
}

/*
 * The fixture on TCG (paused): under the qtest accelerator -cpu max is
 * not the TCG "max" and has a 44-bit PARange.
 */
static bool start(QSmmuEnv *e)
{
    qsmmu_env_start(e, "nested", 0, "-accel tcg -S");
    if (qsmmu_skip_on_base(BASE_SKIP)) {
        qsmmu_env_stop(e);
        return false;
    }
    g_assert_cmpuint(qsmmu_oas_bits(e->smmu.idr[5]), ==, 52);
    return true;
}

static void dma_ok(QSmmuEnv *e, uint64_t pa, uint64_t iova)
{
    qsmmu_env_pattern(e, pa, XFER_LEN, SEED);
    g_assert_true(qsmmu_testdev_dma_read(&e->td, iova, XFER_LEN));
    qsmmu_env_check_buf(e, XFER_LEN, SEED);
    qsmmu_assert_no_event(&e->smmu);
}

static void invalidate_all(QSmmuEnv *e)
{
    qsmmu_cmd(&e->smmu, &(QSMMUCmd) { .op = QSMMU_CMD_CFGI_STE,
                                      .sid = SID });
    qsmmu_cmd(&e->smmu, &(QSMMUCmd) { .op = QSMMU_CMD_TLBI_NSNH_ALL });
}

/*
 * Stage 1, 64K, T0SZ 12 (VAX), IPS 52: an IOVA above 48 bits reaches
 * RAM; one with bit 52 set is outside TTB0 (F_TRANSLATION); a leaf with
 * OA[51:48] in bits [15:12] against IPS 48 is an Address Size fault.
 */
static void test_s1_64k_va52(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t slot;

    if (!start(&e)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S1, SID);
    x.s1_gran = QSMMU_GRAN_64K;
    x.s1_ias = 52;
    x.iova = IOVA_52;
    qsmmu_xlate_setup(&e, &x);
    x.cd.ips = PS_52;
    qsmmu_xlate_write_cd(&e, &x);
    qsmmu_enable(&e.smmu, true);
    dma_ok(&e, x.data, x.data_iova);

    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova | 1ULL << 52,
                                          XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_TRANSLATION, .sid = SID,
                           .input_addr = x.data_iova | 1ULL << 52,
                       }, QSMMU_EV_S2 | QSMMU_EV_INPUT_ADDR, NULL);

    slot = qpt_entry_addr(&x.pt1, x.data_iova, 3);
    qtest_writeq(e.qts, slot, qtest_readq(e.qts, slot) | D_OA_64K(1ULL << 48));
    x.cd.ips = PS_48;
    qsmmu_xlate_write_cd(&e, &x);
    invalidate_all(&e);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_ADDR_SIZE, .sid = SID,
                           .input_addr = x.data_iova,
                       }, QSMMU_EV_S2 | QSMMU_EV_INPUT_ADDR, NULL);
    qsmmu_env_stop(&e);
}

/*
 * Stage 2, 64K, S2T0SZ 12 from level 1, S2PS 52: a 52-bit IPA reaches
 * RAM; OA[51:48] against S2PS 48 is a stage-2 Address Size fault.
 */
static void test_s2_64k_ipa52(void)
{
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t slot;

    if (!start(&e)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_S2, SID);
    x.s2_gran = QSMMU_GRAN_64K;
    x.s2_ias = 52;
    x.iova = IOVA_52;
    qsmmu_xlate_setup(&e, &x);
    x.ste.s2_ps = PS_52;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_enable(&e.smmu, true);
    dma_ok(&e, x.data, x.data_iova);

    slot = qpt_entry_addr(&x.pt2, x.data_iova, 3);
    qtest_writeq(e.qts, slot, qtest_readq(e.qts, slot) | D_OA_64K(1ULL << 51));
    x.ste.s2_ps = PS_48;
    qsmmu_xlate_write_ste(&e, &x);
    invalidate_all(&e);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, x.data_iova, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_ADDR_SIZE, .sid = SID,
                           .s2 = true, .input_addr = x.data_iova,
                           .ipa = x.data_iova,
                       }, QSMMU_EV_S2 | QSMMU_EV_INPUT_ADDR | QSMMU_EV_IPA,
                       NULL);
    qsmmu_env_stop(&e);
}

/*
 * Nested, 64K at both stages, 52-bit VA and IPA: the xlate layout, plus
 * a second VA whose stage-1 leaf names an IPA above 48 bits (OA[51:48] in
 * bits [15:12]) that stage 2 maps to the data.
 */
static void test_nested_64k_52(void)
{
    uint64_t ipa_hi = (1ULL << 51) | (1ULL << 49) | 0x123450000ULL;
    uint64_t va2 = IOVA_52 + 0x40000;
    QSmmuEnv e;
    QSmmuXlate x;

    if (!start(&e)) {
        return;
    }
    qsmmu_xlate_defaults(&x, QSMMU_STE_CFG_NESTED, SID);
    x.s1_gran = x.s2_gran = QSMMU_GRAN_64K;
    x.s1_ias = x.s2_ias = 52;
    x.iova = IOVA_52;
    qsmmu_xlate_setup(&e, &x);
    qpt_map(&x.pt1, va2, 0, 3, QPT_RW);
    qpt_set_entry(&x.pt1, va2, 3,
                  qpt_leaf_desc(false, QSMMU_GRAN_64K, 3, ipa_hi, QPT_RW) |
                  D_OA_64K(ipa_hi));
    qpt_map(&x.pt2, ipa_hi, x.data, 3, QPT_RW);
    x.cd.ips = PS_52;
    qsmmu_xlate_write_cd(&e, &x);
    x.ste.s2_ps = PS_52;
    qsmmu_xlate_write_ste(&e, &x);
    qsmmu_enable(&e.smmu, true);
    dma_ok(&e, x.data, x.data_iova);
    dma_ok(&e, x.data + 0x80, va2 + 0x80);

    /* with IPS 48 the same leaf is a stage-1 Address Size fault */
    x.cd.ips = PS_48;
    qsmmu_xlate_write_cd(&e, &x);
    invalidate_all(&e);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, va2, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_ADDR_SIZE, .sid = SID,
                           .input_addr = va2,
                       }, QSMMU_EV_S2 | QSMMU_EV_INPUT_ADDR, NULL);
    qsmmu_env_stop(&e);
}

/*
 * 4K tables in the LPA2 format for a 52-bit input, level -1 to 3: five
 * tables in RAM, the leaf mapping @iova to @oa (without SH bits, which
 * DS turns into OA[51:50]).  Returns the start table.
 */
static uint64_t ds_tables(QSmmuEnv *e, bool stage2, uint64_t iova,
                          uint64_t oa, uint64_t *leaf_slot)
{
    uint64_t root = qsmmu_env_alloc(e, 0x1000, 0x1000);
    uint64_t table = root;
    int level;

    for (level = -1; level < 3; level++) {
        unsigned shift = 12 + 9 * (3 - level);
        uint64_t next = qsmmu_env_alloc(e, 0x1000, 0x1000);

        qtest_writeq(e->qts, table + 8 * extract64(iova, shift,
                                                   level < 0 ? 4 : 9),
                     next | D_TABLE);
        table = next;
    }
    *leaf_slot = table + 8 * extract64(iova, 12, 9);
    qtest_writeq(e->qts, *leaf_slot,
                 (qpt_leaf_desc(stage2, QSMMU_GRAN_4K, 3, oa, QPT_RW) &
                  ~D_SH) | D_OA_LPA2(oa));
    return root;
}

/*
 * Stage 1, 4K with CD.DS, T0SZ 12: the walk starts at level -1.  OA[50]
 * in bits [9:8] against IPS 48 is an Address Size fault; the same CD
 * without DS is ILLEGAL (T0SZ below 16 for 4K).
 */
static void test_s1_4k_ds_va52(void)
{
    QSmmuEnv e;
    QSMMUCd cd = {
        .valid = true, .asid = 1, .t0sz = 12, .granule = QSMMU_GRAN_4K,
        .ips = PS_52, .r = true,
    };
    QSMMUSte ste = { .valid = true, .config = QSMMU_STE_CFG_S1 };
    uint64_t data, cd_pa, leaf, w[8];

    if (!start(&e)) {
        return;
    }
    data = qsmmu_env_alloc(&e, 0x1000, 0x1000);
    cd.ttb0 = ds_tables(&e, false, IOVA_52, data, &leaf);
    cd_pa = qsmmu_env_alloc(&e, 64, 64);
    qsmmu_cd_build(&cd, w);
    w[2] |= CD2_DS;
    qsmmu_write_words(&e.smmu, cd_pa, w, 8);
    ste.s1_ctx_ptr = cd_pa;
    qsmmu_ste_build(&ste, w);
    qsmmu_write_ste(&e.smmu, SID, w);
    qsmmu_enable(&e.smmu, true);
    dma_ok(&e, data, IOVA_52);

    cd.ips = PS_48;
    qsmmu_cd_build(&cd, w);
    w[2] |= CD2_DS;
    qsmmu_write_words(&e.smmu, cd_pa, w, 8);
    qtest_writeq(e.qts, leaf, qtest_readq(e.qts, leaf) | 1ULL << 8);
    invalidate_all(&e);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, IOVA_52, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_F_ADDR_SIZE, .sid = SID,
                           .input_addr = IOVA_52,
                       }, QSMMU_EV_S2 | QSMMU_EV_INPUT_ADDR, NULL);

    qsmmu_cd_build(&cd, w);                 /* DS clear */
    qsmmu_write_words(&e.smmu, cd_pa, w, 8);
    invalidate_all(&e);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, IOVA_52, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_C_BAD_CD, .sid = SID,
                       }, 0, NULL);
    qsmmu_env_stop(&e);
}

/*
 * Stage 2, 4K with S2DS and S2SL0_2:S2SL0 0b100: a 52-bit IPA from
 * level -1.  Without S2DS the STE is ILLEGAL (S2T0SZ 12 with 4K).
 */
static void test_s2_4k_ds_ipa52(void)
{
    QSmmuEnv e;
    QSMMUSte ste = {
        .valid = true, .config = QSMMU_STE_CFG_S2, .s2_vmid = 1,
        .s2_t0sz = 12, .s2_sl0 = 0, .s2_granule = QSMMU_GRAN_4K,
        .s2_ps = PS_52, .s2_r = true,
    };
    uint64_t data, leaf, w[8];

    if (!start(&e)) {
        return;
    }
    data = qsmmu_env_alloc(&e, 0x1000, 0x1000);
    ste.s2_ttb = ds_tables(&e, true, IOVA_52, data, &leaf);
    qsmmu_ste_build(&ste, w);
    w[3] |= STE3_S2DS | STE3_S2SL0_2;
    qsmmu_write_ste(&e.smmu, SID, w);
    qsmmu_enable(&e.smmu, true);
    dma_ok(&e, data, IOVA_52);

    qsmmu_ste_build(&ste, w);
    w[3] |= STE3_S2SL0_2;
    qsmmu_write_ste(&e.smmu, SID, w);
    invalidate_all(&e);
    g_assert_false(qsmmu_testdev_dma_read(&e.td, IOVA_52, XFER_LEN));
    qsmmu_expect_event(&e.smmu, &(QSMMUEvent) {
                           .type = QSMMU_EVT_C_BAD_STE, .sid = SID,
                       }, 0, NULL);
    qsmmu_env_stop(&e);
}

/* 4.4.1.1: with IDR5.DS, TTL 0b01 with a 16K TG is level 1, not Reserved */
static void test_tlbi_16k_ttl1(void)
{
    QSmmuEnv e;

    if (!start(&e)) {
        return;
    }
    g_assert_cmpuint(IDR5_DS(e.smmu.idr[5]), ==, 1);
    qsmmu_cmd_push(&e.smmu, &(QSMMUCmd) {
                       .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1,
                       .tg = 2, .ttl = 1,
                   });
    g_assert_cmpuint(qsmmu_sync(&e.smmu), ==, QSMMU_CERROR_NONE);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (int i = 0; i < ARRAY_SIZE(idr_cases); i++) {
        g_autofree char *name = g_strdup_printf("/smmuv3/lpa/idr5/%s",
                                                idr_cases[i].name);
        qtest_add_data_func(name, &idr_cases[i], test_idr5);
    }
    qtest_add_func("/smmuv3/lpa/cpu-max-quiet", test_cpu_max_quiet);
    qtest_add_func("/smmuv3/lpa/lpa2-needs-vax", test_lpa2_needs_vax);
    qtest_add_func("/smmuv3/lpa/s1-64k-va52", test_s1_64k_va52);
    qtest_add_func("/smmuv3/lpa/s2-64k-ipa52", test_s2_64k_ipa52);
    qtest_add_func("/smmuv3/lpa/nested-64k-52", test_nested_64k_52);
    qtest_add_func("/smmuv3/lpa/s1-4k-ds-va52", test_s1_4k_ds_va52);
    qtest_add_func("/smmuv3/lpa/s2-4k-ds-ipa52", test_s2_4k_ds_ipa52);
    qtest_add_func("/smmuv3/lpa/tlbi-16k-ttl1", test_tlbi_16k_ttl1);
    return g_test_run();
}
