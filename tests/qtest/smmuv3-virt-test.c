/*
 * The virt board's SMMUv3: output address size from the CPUs, the user's
 * explicit choices, and clear errors for combinations the board rejects.
 *
 * Skipped on the base's model, which has a fixed 44-bit OAS and no "oas"
 * property.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-env.h"

#define BASE_SKIP   "base model: fixed 44-bit OAS, no oas property"

/*
 * Under the qtest accelerator virt accepts only a few CPU models; TCG with
 * the CPUs paused (-S) accepts them all, and qtest still reaches MMIO.
 */
static QTestState *boot(const char *args)
{
    return qtest_initf("-accel tcg -S -nic none %s", args);
}

typedef struct OasCase {
    const char *args;
    unsigned oas;
} OasCase;

/*
 * PARANGE of each CPU model: cortex-a53 40 bits, cortex-a57 44,
 * neoverse-n1 48; max has 52 (FEAT_LPA), which the model implements.
 */
static const OasCase oas_cases[] = {
    { .args = "-M virt,iommu=smmuv3 -cpu cortex-a53", .oas = 40 },
    { .args = "-M virt,iommu=smmuv3 -cpu cortex-a57", .oas = 44 },
    { .args = "-M virt,iommu=smmuv3 -cpu neoverse-n1", .oas = 48 },
    { .args = "-M virt,iommu=smmuv3 -cpu max", .oas = 52 },
    /* Machine types before 10.2 keep the 44-bit SMMU whatever the CPU */
    { .args = "-M virt-10.1,iommu=smmuv3 -cpu neoverse-n1", .oas = 44 },
    { .args = "-M virt-10.1,iommu=smmuv3 -cpu cortex-a53", .oas = 44 },
    /* An explicit choice wins */
    { .args = "-M virt,iommu=smmuv3 -cpu max -global arm-smmuv3.oas=40",
      .oas = 40 },
    { .args = "-M virt,iommu=smmuv3 -cpu neoverse-n1 -global arm-smmuv3.oas=36",
      .oas = 36 },
    /* -device instances follow the CPU too */
    { .args = "-M virt -cpu cortex-a53 -device arm-smmuv3,primary-bus=pcie.0",
      .oas = 40 },
    { .args = "-M virt -cpu neoverse-n1 -device arm-smmuv3,primary-bus=pcie.0",
      .oas = 48 },
};

static void test_oas(const void *opaque)
{
    const OasCase *c = opaque;
    QTestState *qts;
    uint32_t idr5;

    if (qsmmu_skip_on_base(BASE_SKIP)) {
        return;
    }
    qts = boot(c->args);
    idr5 = qtest_readl(qts, qsmmu_find_base(qts) + QSMMU_IDR5);
    g_assert_cmpuint(qsmmu_oas_bits(idr5), ==, c->oas);
    qtest_quit(qts);
}

typedef struct StageCase {
    const char *stage;      /* NULL: the board's default */
    bool s1p, s2p;
} StageCase;

static const StageCase stage_cases[] = {
    { .stage = NULL, .s1p = true, .s2p = true },  /* virt's default: nested */
    { .stage = "1", .s1p = true },
    { .stage = "2", .s2p = true },
    { .stage = "nested", .s1p = true, .s2p = true },
};

static void test_stage(const void *opaque)
{
    const StageCase *c = opaque;
    g_autofree char *args = g_strdup_printf(
        "-M virt,iommu=smmuv3 -cpu max%s%s",
        c->stage ? " -global arm-smmuv3.stage=" : "",
        c->stage ? c->stage : "");
    QTestState *qts;
    uint32_t idr0;

    if (qsmmu_skip_on_base(BASE_SKIP)) {
        return;
    }
    qts = boot(args);
    idr0 = qtest_readl(qts, qsmmu_find_base(qts) + QSMMU_IDR0);
    g_assert_cmpuint(!!(idr0 & QSMMU_IDR0_S2P), ==, c->s2p);
    g_assert_cmpuint(!!(idr0 & QSMMU_IDR0_S1P), ==, c->s1p);
    qtest_quit(qts);
}

typedef struct BadCase {
    const char *args;
    const char *const words[3];     /* stderr must name each of these */
} BadCase;

static const BadCase bad_cases[] = {
    { .args = "-M virt,iommu=smmuv3 -cpu cortex-a53 -global arm-smmuv3.oas=48",
      .words = { "oas=48", "40 bits" } },
    { .args = "-M virt -cpu cortex-a57 "
              "-device arm-smmuv3,primary-bus=pcie.0,oas=48",
      .words = { "oas=48", "44 bits" } },
    { .args = "-M virt,iommu=smmuv3 -cpu max -global arm-smmuv3.oas=41",
      .words = { "41", "32, 36, 40, 42, 44, 48" } },
    { .args = "-M virt,iommu=smmuv3 -cpu neoverse-n1 "
              "-global arm-smmuv3.oas=52",
      .words = { "oas=52", "48 bits" } },
    { .args = "-M virt,iommu=smmuv3 -cpu max -global arm-smmuv3.stage=3",
      .words = { "stage", "3" } },
};

/* QEMU must refuse to start: exit status 1 and one line naming the cause. */
static void test_bad(const void *opaque)
{
    const BadCase *c = opaque;
    g_autofree char *cmd = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) gerr = NULL;
    g_auto(GStrv) argv = NULL;
    int status;

    if (qsmmu_skip_on_base(BASE_SKIP)) {
        return;
    }
    /* timeout(1) keeps a wrongly accepted configuration from hanging us */
    cmd = g_strdup_printf("timeout 20 %s %s -display none -nic none "
                          "-S -monitor none -serial none",
                          qtest_qemu_binary(NULL), c->args);
    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &gerr));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH,
                               NULL, NULL, NULL, &err, &status, &gerr));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    for (int i = 0; i < ARRAY_SIZE(c->words) && c->words[i]; i++) {
        if (!strstr(err, c->words[i])) {
            g_test_message("stderr: %s", err);
        }
        g_assert_nonnull(strstr(err, c->words[i]));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (int i = 0; i < ARRAY_SIZE(oas_cases); i++) {
        g_autofree char *name = g_strdup_printf("/smmuv3/virt/oas/%d", i);
        qtest_add_data_func(name, &oas_cases[i], test_oas);
    }
    for (int i = 0; i < ARRAY_SIZE(stage_cases); i++) {
        g_autofree char *name = g_strdup_printf(
            "/smmuv3/virt/stage/%s",
            stage_cases[i].stage ? stage_cases[i].stage : "default");
        qtest_add_data_func(name, &stage_cases[i], test_stage);
    }
    for (int i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        g_autofree char *name = g_strdup_printf("/smmuv3/virt/reject/%d", i);
        qtest_add_data_func(name, &bad_cases[i], test_bad);
    }
    return g_test_run();
}
