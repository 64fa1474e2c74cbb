/*
 * EL2 StreamWorlds (IHI 0070 3.17.5, 5.2 STRW, 6.3.12 CR2.E2H): the ID
 * registers, NS-EL2 and NS-EL2-E2H translation through STE.STRW, the
 * CD fields ignored at EL2, the scopes of CMD_TLBI_EL2_* against the
 * NS-EL1 commands, CERROR_ILL without HYP and C_BAD_STE for a reserved
 * STRW.
 *
 * TLB scopes are seen through data: a translation is cached in a
 * regime, then its leaf is pointed at another buffer without an
 * invalidation; a later DMA in that regime still reads the old buffer
 * if its entry survived the command, the new one if it went.
 *
 * The base's model has no HYP (and completes TLBI_EL2_* anyway): every
 * case skips there.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x40
#define NO_HYP          "the base's model has no HYP (EL2 StreamWorlds)"

#define IDR0_HYP        (1u << 9)
#define IDR3_XNX        (1u << 4)
#define IDR3_BBML(v)    (((v) >> 11) & 3)
#define CR2_E2H         (1u << 0)
#define CR2_RECINVSID   (1u << 1)
#define STRW_EL1        0
#define STRW_EL2        2
#define TTB1_BITS       0xffff000000000000ULL
#define DESC_OA_4K      0x0000fffffffff000ULL
#define BYTE_OLD        0xa5
#define BYTE_NEW        0x5a

#define CMD_TLBI_EL2_ALL    0x20
#define CMD_TLBI_EL2_ASID   0x21
#define CMD_TLBI_EL2_VA     0x22
#define CMD_TLBI_EL2_VAA    0x23

static uint32_t rd(QSmmuEnv *e, uint64_t off)
{
    return qtest_readl(e->qts, e->smmu.base + off);
}

static void wr(QSmmuEnv *e, uint64_t off, uint32_t v)
{
    qtest_writel(e->qts, e->smmu.base + off, v);
}

/* ---- ID registers ---- */

typedef struct IdrCase {
    const char *name;
    const char *args;
    bool hyp;
    unsigned bbml;
    unsigned aidr;
} IdrCase;

#define VIRT        "-M virt,iommu=smmuv3 "
#define NESTED      "-global arm-smmuv3.stage=nested "

static const IdrCase idr_cases[] = {
    /* 6.3.1: HYP with both stages; SMMUv3.2 with BBML 2 (6.3.4) */
    { "nested", VIRT NESTED, true, 2, 0x02 },
    /* HYP is RES0 when S1P or S2P is 0 */
    { "stage1", VIRT "-global arm-smmuv3.stage=1", false, 2, 0x01 },
    { "stage2", VIRT "-global arm-smmuv3.stage=2", false, 2, 0x02 },
    { "hyp-off", VIRT NESTED "-global arm-smmuv3.hyp=off", false, 2, 0x02 },
    { "bbml1", VIRT NESTED "-global arm-smmuv3.bbml=1", true, 1, 0x02 },
    /* BBML 0 is SMMUv3.1 at most */
    { "bbml0", VIRT NESTED "-global arm-smmuv3.bbml=0", true, 0, 0x01 },
    /* virt 10.1 and older: no HYP, as before */
    { "virt-10.1", "-M virt-10.1,iommu=smmuv3 " NESTED, false, 2, 0x02 },
};

static void test_idr(const void *opaque)
{
    const IdrCase *c = opaque;
    QTestState *qts;
    uint64_t base;
    uint32_t idr0, idr3;

    if (qsmmu_skip_on_base(NO_HYP)) {
        return;
    }
    qts = qtest_initf("-accel tcg -S -nic none %s", c->args);
    base = qsmmu_find_base(qts);
    idr0 = qtest_readl(qts, base + QSMMU_IDR0);
    idr3 = qtest_readl(qts, base + QSMMU_IDR3);
    g_assert_cmphex(idr0 & IDR0_HYP, ==, c->hyp ? IDR0_HYP : 0);
    g_assert_cmpuint(IDR3_BBML(idr3), ==, c->bbml);
    /* 6.3.4 XNX: mandatory with stage 2 from SMMUv3.1 */
    g_assert_cmphex(idr3 & IDR3_XNX, ==,
                    (idr0 & QSMMU_IDR0_S2P) ? IDR3_XNX : 0);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_AIDR), ==, c->aidr);
    /* 6.3.12: CR2.E2H is RES0 without HYP */
    qtest_writel(qts, base + QSMMU_CR2, CR2_E2H | CR2_RECINVSID);
    g_assert_cmphex(qtest_readl(qts, base + QSMMU_CR2), ==,
                    CR2_RECINVSID | (c->hyp ? CR2_E2H : 0));
    qtest_quit(qts);
}

/* bbml=3 does not exist: realize fails and QEMU exits with an error */
static void test_bbml_refused(void)
{
    g_autofree char *cmd = NULL, *err = NULL;
    g_autoptr(GError) gerr = NULL;
    g_auto(GStrv) argv = NULL;
    int status;

    if (qsmmu_skip_on_base(NO_HYP)) {
        return;
    }
    cmd = g_strdup_printf("timeout 20 %s -accel tcg -display none -nic none "
                          "-monitor none -serial none -S " VIRT
                          "-global arm-smmuv3.bbml=3",
                          qtest_qemu_binary(NULL));
    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &gerr));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                               NULL, NULL, &err, &status, &gerr));
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    g_assert_nonnull(strstr(err, "bbml=3"));
}

/* ---- Translation ---- */

typedef struct El2Env {
    QSmmuEnv e;
    QSmmuXlate x;
    uint64_t buf_new;           /* the leaf's new output page */
    uint64_t slot;              /* the leaf descriptor's address */
    uint64_t leaf;              /* its original value */
} El2Env;

static void invalidate_cfg(QSmmuEnv *e)
{
    qsmmu_cmd(&e->smmu, &(QSMMUCmd) { .op = QSMMU_CMD_CFGI_STE_RANGE,
                                      .range = 31 });
}

/*
 * stage=nested, a stage-1-only STE (Config 0b101) with @strw on CD
 * ASID 1, TTB1 = TTB0 (T1SZ = T0SZ), so VA | TTB1_BITS names the data
 * through TTB1.  The data page holds BYTE_OLD, buf_new BYTE_NEW.
 */
static bool el2_start(El2Env *t, const char *extra)
{
    QSmmuEnv *e = &t->e;
    QSmmuXlate *x = &t->x;

    if (!qsmmu_env_start_ours(e, "nested", extra, NO_HYP)) {
        return false;
    }
    qsmmu_xlate_defaults(x, QSMMU_STE_CFG_S1, SID);
    qsmmu_xlate_setup(e, x);
    x->cd.ttb1_en = true;
    x->cd.ttb1 = x->cd.ttb0;
    x->cd.t1sz = x->cd.t0sz;
    x->cd.granule1 = x->cd.granule;
    qsmmu_xlate_write_cd(e, x);
    qtest_memset(e->qts, x->data, BYTE_OLD, QSMMU_XLATE_DATA_SIZE);
    t->buf_new = qsmmu_env_alloc(e, 0x1000, 0x1000);
    qtest_memset(e->qts, t->buf_new, BYTE_NEW, 0x1000);
    t->slot = qpt_entry_addr(&x->pt1, x->data_iova, 3);
    t->leaf = qtest_readq(e->qts, t->slot);
    qsmmu_enable(&e->smmu, true);
    return true;
}

/* Select StreamWorld @strw with CR2.E2H @e2h, and invalidate configs */
static void el2_world(El2Env *t, unsigned strw, bool e2h, uint16_t asid)
{
    t->x.ste.strw = strw;
    qsmmu_xlate_write_ste(&t->e, &t->x);
    t->x.cd.asid = asid;
    qsmmu_xlate_write_cd(&t->e, &t->x);
    wr(&t->e, QSMMU_CR2, e2h ? CR2_E2H : 0);
    invalidate_cfg(&t->e);
}

/* DMA-read @iova; the first byte read, or -1 when it faulted */
static int dma_byte(El2Env *t, uint64_t iova)
{
    uint8_t b;

    if (!qsmmu_testdev_dma_read(&t->e.td, iova, XFER_LEN)) {
        return -1;
    }
    qsmmu_testdev_buf_read(&t->e.td, 0, &b, 1);
    return b;
}

/* Point the leaf at buf_new without invalidating anything */
static void el2_retarget(El2Env *t)
{
    qtest_writeq(t->e.qts, t->slot, (t->leaf & ~DESC_OA_4K) | t->buf_new);
}

static void expect_fault(El2Env *t, uint64_t iova, uint8_t type)
{
    g_assert_cmpint(dma_byte(t, iova), ==, -1);
    qsmmu_expect_event(&t->e.smmu, &(QSMMUEvent) {
                           .type = type, .sid = SID, .input_addr = iova,
                       }, QSMMU_EV_INPUT_ADDR, NULL);
}

/*
 * NS-EL2 (STRW 0b10, E2H 0): TTB0 translates, even with EPD0 set (5.4:
 * IGNORED at EL2); TTB1 is unreachable; no ASID tag, so a cached
 * translation still answers after CD.ASID changes.
 */
static void test_strw_el2(void)
{
    El2Env t;
    uint64_t iova;

    if (!el2_start(&t, NULL)) {
        return;
    }
    iova = t.x.data_iova;
    t.x.cd.epd0 = true;
    el2_world(&t, STRW_EL2, false, 1);
    g_assert_cmpint(dma_byte(&t, iova), ==, BYTE_OLD);
    expect_fault(&t, iova | TTB1_BITS, QSMMU_EVT_F_TRANSLATION);

    /* another ASID, no TLBI: the EL2 entry is untagged and still hits */
    el2_retarget(&t);
    el2_world(&t, STRW_EL2, false, 2);
    g_assert_cmpint(dma_byte(&t, iova), ==, BYTE_OLD);
    qsmmu_assert_no_event(&t.e.smmu);
    qsmmu_env_stop(&t.e);
}

/*
 * NS-EL2-E2H (STRW 0b10, E2H 1): both ranges as at EL1, EPD0 honoured,
 * and ASID-tagged entries: another ASID walks the (changed) tables.
 */
static void test_strw_el2_e2h(void)
{
    El2Env t;
    uint64_t iova;

    if (!el2_start(&t, NULL)) {
        return;
    }
    iova = t.x.data_iova;
    el2_world(&t, STRW_EL2, true, 1);
    g_assert_cmpint(dma_byte(&t, iova), ==, BYTE_OLD);
    g_assert_cmpint(dma_byte(&t, iova | TTB1_BITS), ==, BYTE_OLD);

    el2_retarget(&t);
    el2_world(&t, STRW_EL2, true, 2);
    g_assert_cmpint(dma_byte(&t, iova), ==, BYTE_NEW);
    /* ASID 1's entry is still there */
    el2_world(&t, STRW_EL2, true, 1);
    g_assert_cmpint(dma_byte(&t, iova), ==, BYTE_OLD);

    t.x.cd.epd0 = true;
    el2_world(&t, STRW_EL2, true, 3);
    expect_fault(&t, iova, QSMMU_EVT_F_TRANSLATION);
    qsmmu_env_stop(&t.e);
}

/* ---- Invalidation scopes ---- */

enum { W_EL1, W_EL2, W_E2H, W_COUNT };

typedef struct ScopeCase {
    const char *name;
    QSMMUCmd cmd;
    bool e2h;                   /* CR2.E2H when the command runs */
    bool gone[W_COUNT];         /* which regime's entry it removes */
    bool unchecked[W_COUNT];    /* "not required to be invalidated" */
} ScopeCase;

static const ScopeCase scope_cases[] = {
    /* 4.4.2.7: both EL2 regimes, not NS-EL1 */
    { "el2-all", { .op = CMD_TLBI_EL2_ALL }, false,
      { false, true, true } },
    /* 4.4.2.10: NS-EL2-E2H entries of the ASID */
    { "el2-asid", { .op = CMD_TLBI_EL2_ASID, .asid = 1 }, true,
      { false, false, true } },
    { "el2-asid-other", { .op = CMD_TLBI_EL2_ASID, .asid = 2 }, true,
      { false, false, false } },
    /*
     * 4.4.2.8: with E2H, ASID-matching E2H entries; EL2 ones are not
     * required to go
     */
    { "el2-va-e2h", { .op = CMD_TLBI_EL2_VA, .asid = 1, .leaf = true },
      true, { false, false, true }, { false, true, false } },
    { "el2-va-e2h-other-asid",
      { .op = CMD_TLBI_EL2_VA, .asid = 2, .leaf = true },
      true, { false, false, false }, { false, true, false } },
    /* without E2H, EL2 entries whatever the ASID */
    { "el2-va", { .op = CMD_TLBI_EL2_VA, .asid = 9 }, false,
      { false, true, false }, { false, false, true } },
    /* 4.4.2.9 */
    { "el2-vaa-e2h", { .op = CMD_TLBI_EL2_VAA }, true,
      { false, false, true }, { false, true, false } },
    { "el2-vaa", { .op = CMD_TLBI_EL2_VAA }, false,
      { false, true, false }, { false, false, true } },
    /* NS-EL1 commands never reach EL2 entries (4.4.2.1-4, 4.4.4.1) */
    { "nh-all", { .op = QSMMU_CMD_TLBI_NH_ALL, .vmid = 1 }, true,
      { true, false, false } },
    { "nh-asid", { .op = QSMMU_CMD_TLBI_NH_ASID, .vmid = 1, .asid = 1 },
      true, { true, false, false } },
    { "nh-va", { .op = QSMMU_CMD_TLBI_NH_VA, .vmid = 1, .asid = 1 }, true,
      { true, false, false } },
    { "nh-vaa", { .op = QSMMU_CMD_TLBI_NH_VAA, .vmid = 1 }, false,
      { true, false, false } },
    { "s12-vmall", { .op = QSMMU_CMD_TLBI_S12_VMALL, .vmid = 1 }, false,
      { true, false, false } },
    { "nsnh-all", { .op = QSMMU_CMD_TLBI_NSNH_ALL }, true,
      { true, false, false } },
};

/*
 * Run @c: TLBI_EL2_VA[A]/ASID have the layout of their NH forms with
 * VMID RES0 (4.4.2.8-10), which libqos builds; then the opcode.
 */
static void run_cmd(QSmmuEnv *e, const QSMMUCmd *c)
{
    static const uint8_t nh_form[] = {
        [CMD_TLBI_EL2_ASID - CMD_TLBI_EL2_ALL] = QSMMU_CMD_TLBI_NH_ASID,
        [CMD_TLBI_EL2_VA - CMD_TLBI_EL2_ALL] = QSMMU_CMD_TLBI_NH_VA,
        [CMD_TLBI_EL2_VAA - CMD_TLBI_EL2_ALL] = QSMMU_CMD_TLBI_NH_VAA,
    };
    QSMMUCmd tmp = *c;
    uint64_t w[2];

    if (c->op < CMD_TLBI_EL2_ALL || c->op > CMD_TLBI_EL2_VAA) {
        qsmmu_cmd(&e->smmu, c);
        return;
    }
    tmp.op = nh_form[c->op - CMD_TLBI_EL2_ALL];
    tmp.vmid = 0;
    qsmmu_cmd_build(&tmp, w);
    w[0] = (w[0] & ~0xffULL) | c->op;
    qsmmu_cmd_push_raw(&e->smmu, w);
    g_assert_cmpuint(qsmmu_sync(&e->smmu), ==, QSMMU_CERROR_NONE);
}

static const struct {
    unsigned strw;
    bool e2h;
} worlds[W_COUNT] = {
    [W_EL1] = { STRW_EL1, false },
    [W_EL2] = { STRW_EL2, false },
    [W_E2H] = { STRW_EL2, true },
};

static void test_scope(const void *opaque)
{
    const ScopeCase *c = opaque;
    QSMMUCmd cmd = c->cmd;
    El2Env t;
    unsigned w;

    if (!el2_start(&t, NULL)) {
        return;
    }
    /* one entry per regime, for the same VA, ASID 1, VMID 1 */
    for (w = 0; w < W_COUNT; w++) {
        el2_world(&t, worlds[w].strw, worlds[w].e2h, 1);
        g_assert_cmpint(dma_byte(&t, t.x.data_iova), ==, BYTE_OLD);
    }
    el2_retarget(&t);
    wr(&t.e, QSMMU_CR2, c->e2h ? CR2_E2H : 0);
    cmd.addr = t.x.data_iova;
    run_cmd(&t.e, &cmd);
    for (w = 0; w < W_COUNT; w++) {
        int got;

        el2_world(&t, worlds[w].strw, worlds[w].e2h, 1);
        got = dma_byte(&t, t.x.data_iova);
        g_test_message("regime %u: 0x%x", w, got);
        if (!c->unchecked[w]) {
            g_assert_cmpint(got, ==, c->gone[w] ? BYTE_NEW : BYTE_OLD);
        }
    }
    qsmmu_assert_no_event(&t.e.smmu);
    qsmmu_env_stop(&t.e);
}

/* ---- Errors ---- */

/*
 * 4.4.2.7-10: without HYP every TLBI_EL2_* is CERROR_ILL and stops the
 * queue on it.  The base has no HYP either, but runs them: skipped
 * there.
 */
static void test_cerror_ill(void)
{
    static const uint8_t ops[] = {
        CMD_TLBI_EL2_ALL, CMD_TLBI_EL2_ASID, CMD_TLBI_EL2_VA,
        CMD_TLBI_EL2_VAA,
    };
    QSmmuEnv e;

    if (!qsmmu_env_start_ours(&e, "nested", "-global arm-smmuv3.hyp=off",
                              "the base's model has no HYP yet completes "
                              "TLBI_EL2_* without CERROR_ILL")) {
        return;
    }
    g_assert_cmphex(rd(&e, QSMMU_IDR0) & IDR0_HYP, ==, 0);
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        uint32_t gerror, bad_idx = e.smmu.cmdq_prod;
        uint64_t fixed[2];

        qsmmu_cmd_push(&e.smmu, &(QSMMUCmd) { .op = ops[i], .addr = 0x1000 });
        g_assert_cmpuint(qsmmu_sync(&e.smmu), ==, QSMMU_CERROR_ILL);
        gerror = rd(&e, QSMMU_GERROR);
        g_assert_cmphex((gerror ^ rd(&e, QSMMU_GERRORN)) &
                        QSMMU_GERROR_CMDQ_ERR, ==, QSMMU_GERROR_CMDQ_ERR);
        g_assert_cmphex(rd(&e, QSMMU_CMDQ_CONS) & 0xfffff, ==, bad_idx);
        /* replace the bad command with a CMD_SYNC and acknowledge */
        qsmmu_cmd_build(&(QSMMUCmd) { .op = QSMMU_CMD_SYNC }, fixed);
        qsmmu_write_words(&e.smmu, e.smmu.cmdq + 16 * bad_idx, fixed, 2);
        wr(&e, QSMMU_GERRORN, gerror);
        wr(&e, QSMMU_CMDQ_PROD, e.smmu.cmdq_prod);
        g_assert_cmphex(rd(&e, QSMMU_CMDQ_CONS) & 0xfffff, ==,
                        e.smmu.cmdq_prod);
    }
    qsmmu_env_stop(&e);
}

/* 5.2: STRW 0b01 / 0b11 with Config 0b101 is ILLEGAL; ignored with S2 */
static void test_strw_illegal(void)
{
    El2Env t;

    if (!el2_start(&t, NULL)) {
        return;
    }
    for (unsigned strw = 1; strw <= 3; strw += 2) {
        el2_world(&t, strw, false, 1);
        g_assert_cmpint(dma_byte(&t, t.x.data_iova), ==, -1);
        qsmmu_expect_event(&t.e.smmu, &(QSMMUEvent) {
                               .type = QSMMU_EVT_C_BAD_STE, .sid = SID,
                           }, 0, NULL);
        /* a good DMA between: the next fault is not taken for a retry */
        el2_world(&t, STRW_EL1, false, 1);
        g_assert_cmpint(dma_byte(&t, t.x.data_iova), ==, BYTE_OLD);
    }
    qsmmu_env_stop(&t.e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(idr_cases); i++) {
        g_autofree char *p = g_strdup_printf("/smmuv3/el2/idr/%s",
                                             idr_cases[i].name);
        qtest_add_data_func(p, &idr_cases[i], test_idr);
    }
    qtest_add_func("/smmuv3/el2/bbml-refused", test_bbml_refused);
    qtest_add_func("/smmuv3/el2/strw-el2", test_strw_el2);
    qtest_add_func("/smmuv3/el2/strw-el2-e2h", test_strw_el2_e2h);
    for (size_t i = 0; i < ARRAY_SIZE(scope_cases); i++) {
        g_autofree char *p = g_strdup_printf("/smmuv3/el2/scope/%s",
                                             scope_cases[i].name);
        qtest_add_data_func(p, &scope_cases[i], test_scope);
    }
    qtest_add_func("/smmuv3/el2/cerror-ill", test_cerror_ill);
    qtest_add_func("/smmuv3/el2/strw-illegal", test_strw_illegal);
    return g_test_run();
}
