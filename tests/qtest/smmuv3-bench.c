/*
 * SMMUv3 translation benchmark driver (make bench runs it; not a test).
 *
 * Sets up one configuration through libqos, then lets smmu-testdev run
 * many DMAs from a single doorbell (REPEAT/STRIDE/WRAP) so the figure is
 * the SMMU path, not the qtest socket.  Prints one line
 *   RESULT {"workload": ..., "ns_per_op": ..., ...}
 * for scripts/fork/bench.py.
 *
 * Usage: smmuv3-bench WORKLOAD [PARAM=VALUE ...]
 *   dma     config=noiommu|gbpa|bypass|s1|s2|nested pages=N ops=N
 *           threads=N
 *           (gbpa: the SMMU disabled, GBPA bypassing every transaction;
 *           threads: N device threads at once, ops DMAs each, ns_per_op
 *           the elapsed time over all of them)
 *   cold    pages=N passes=N          (nested, 4-level over 4-level)
 *   inval   cmd=va|range|asid fill=N batches=N
 *   doorbell fill=N log2=N            (one CMDQ_PROD write, 2^log2 TLBIs)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/smmu-env.h"
#include "libqos/smmu-pgtable.h"

#define SID             QSMMU_TESTDEV_SID
#define PAGE            0x1000ULL
#define DMA_LEN         0x1000
#define DATA_PAGES      16          /* IOVA pages alias these PAs */
#define IOVA_BASE       0x8000000000ULL
#define IPA_OFFSET      (1ULL << 39)
#define CMD_BATCH       200         /* < the libqos command queue */

typedef struct Bench {
    QSmmuEnv env;
    bool smmu;                  /* false: no IOMMU on the machine */
    QPgtable pt1, pt2;
    uint64_t data;              /* PA of DATA_PAGES pages */
    char *smmu_path;            /* QOM path, for the TLB counters */
} Bench;

static const char *param(int argc, char **argv, const char *key,
                         const char *dflt)
{
    size_t n = strlen(key);

    for (int i = 2; i < argc; i++) {
        if (!strncmp(argv[i], key, n) && argv[i][n] == '=') {
            return argv[i] + n + 1;
        }
    }
    return dflt;
}

static uint64_t param_u64(int argc, char **argv, const char *key,
                          uint64_t dflt)
{
    const char *v = param(argc, argv, key, NULL);

    return v ? g_ascii_strtoull(v, NULL, 0) : dflt;
}

/* A TLB counter of our model; -1 where the model has none (the base). */
static int64_t tlb_counter(Bench *b, const char *name)
{
    QDict *resp;
    int64_t v = -1;

    if (!b->smmu_path) {
        return -1;
    }
    resp = qtest_qmp(b->env.qts, "{ 'execute': 'qom-get', 'arguments':"
                     " { 'path': %s, 'property': %s } }", b->smmu_path, name);
    if (qdict_haskey(resp, "return")) {
        v = qdict_get_int(resp, "return");
    }
    qobject_unref(resp);
    return v;
}

static uint64_t peak_rss_kib(QTestState *qts)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", qtest_pid(qts));
    g_autofree char *text = NULL;
    const char *hwm;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return 0;
    }
    hwm = strstr(text, "VmHWM:");
    return hwm ? g_ascii_strtoull(hwm + 6, NULL, 10) : 0;
}

static void start_noiommu(Bench *b)
{
    QSmmuEnv *e = &b->env;

    memset(b, 0, sizeof(*b));
    e->qts = qtest_initf("-M virt -cpu max -m 512M -nic none "
                         "-device %s,addr=%d.0", TYPE_SMMU_TESTDEV,
                         QSMMU_TESTDEV_SLOT);
    alloc_init(&e->alloc, 0, QSMMU_VIRT_RAM_BASE,
               QSMMU_VIRT_RAM_BASE + QSMMU_VIRT_RAM_SIZE, 4096);
    qpci_init_generic(&e->bus, e->qts, &e->alloc, false);
    qsmmu_testdev_init(&e->td, &e->bus.bus, QSMMU_TESTDEV_SLOT);
    b->data = qsmmu_env_alloc(e, DATA_PAGES * PAGE, PAGE);
}

/*
 * Map @pages IOVA pages from IOVA_BASE onto the DATA_PAGES data pages, at
 * the stages @config enables; stage-1 tables and the CD sit at IPAs that
 * stage 2 maps (nested), as a hypervisor's guest would place them.
 */
static void start_smmu(Bench *b, uint8_t config, uint64_t pages,
                       uint8_t s1_ias, uint8_t s2_ias)
{
    QSmmuEnv *e = &b->env;
    bool s1 = config == QSMMU_STE_CFG_S1 || config == QSMMU_STE_CFG_NESTED;
    bool s2 = config == QSMMU_STE_CFG_S2 || config == QSMMU_STE_CFG_NESTED;
    uint64_t ipa_off = s1 && s2 ? IPA_OFFSET : 0;
    unsigned tables = pages / 512 + 8;
    QSMMUSte ste = { .valid = true, .config = config, .s2_vmid = 1 };
    uint64_t words[8];

    memset(b, 0, sizeof(*b));
    b->smmu = true;
    qsmmu_env_start(e, config == QSMMU_STE_CFG_NESTED ? "nested" :
                    config == QSMMU_STE_CFG_S2 ? "2" : "1", 0, NULL);
    b->smmu_path = qsmmu_qom_path(e->qts);
    b->data = qsmmu_env_alloc(e, DATA_PAGES * PAGE, PAGE);

    if (s1) {
        QSMMUCd cd;
        uint64_t cd_pa = qsmmu_env_alloc(e, 64, 64);

        qpt_init(&b->pt1, e->qts, &e->alloc, false, QSMMU_GRAN_4K, s1_ias,
                 tables, ipa_off);
        for (uint64_t i = 0; i < pages; i++) {
            qpt_map(&b->pt1, IOVA_BASE + i * PAGE,
                    b->data + ipa_off + (i % DATA_PAGES) * PAGE, 3, QPT_RW);
        }
        cd = (QSMMUCd) { .valid = true, .asid = 1, .t0sz = 64 - s1_ias,
                         .granule = QSMMU_GRAN_4K, .ips = QSMMU_PS_44BIT,
                         .ttb0 = qpt_ttb(&b->pt1) };
        qsmmu_cd_build(&cd, words);
        qsmmu_write_words(&e->smmu, cd_pa, words, 8);
        ste.s1_ctx_ptr = cd_pa + ipa_off;
        if (s2) {
            QPgtable *pt2 = &b->pt2;

            qpt_init(pt2, e->qts, &e->alloc, true, QSMMU_GRAN_4K, s2_ias, 16,
                     0);
            qpt_map_range(pt2, b->data + ipa_off, b->data, DATA_PAGES * PAGE,
                          QPT_RW);
            qpt_map_range(pt2, (cd_pa & ~(PAGE - 1)) + ipa_off,
                          cd_pa & ~(PAGE - 1), PAGE, QPT_R);
            qpt_map_range(pt2, b->pt1.pool_ipa, b->pt1.pool,
                          b->pt1.pool_size, QPT_R);
        }
    } else if (s2) {
        qpt_init(&b->pt2, e->qts, &e->alloc, true, QSMMU_GRAN_4K, s2_ias,
                 tables, 0);
        for (uint64_t i = 0; i < pages; i++) {
            qpt_map(&b->pt2, IOVA_BASE + i * PAGE,
                    b->data + (i % DATA_PAGES) * PAGE, 3, QPT_RW);
        }
    }
    if (s2) {
        ste.s2_t0sz = 64 - s2_ias;
        ste.s2_sl0 = qpt_s2_sl0(QSMMU_GRAN_4K, b->pt2.start_level);
        ste.s2_granule = QSMMU_GRAN_4K;
        ste.s2_ps = QSMMU_PS_44BIT;
        ste.s2_ttb = qpt_ttb(&b->pt2);
    }
    qsmmu_ste_build(&ste, words);
    qsmmu_write_ste(&e->smmu, SID, words);
    qsmmu_enable(&e->smmu, true);
}

static void stop(Bench *b)
{
    g_free(b->smmu_path);
    if (b->smmu) {
        qsmmu_env_stop(&b->env);
    } else {
        qsmmu_testdev_free(&b->env.td);
        alloc_destroy(&b->env.alloc);
        qtest_quit(b->env.qts);
    }
}

/*
 * Run @ops DMA reads of DMA_LEN bytes over @pages IOVA pages, round robin,
 * from one doorbell; returns the elapsed nanoseconds.
 */
static uint64_t run_dmas_on(Bench *b, uint64_t iova, uint64_t pages,
                            uint64_t ops, uint32_t threads)
{
    QSmmuTestdev *t = &b->env.td;
    uint64_t done, start, end;

    qpci_io_writeq(t->dev, t->bar, SMMU_TESTDEV_REG_SRC, iova);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_LEN, DMA_LEN);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_OP, SMMU_TESTDEV_OP_READ);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_PASID, 0);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_REPEAT, ops);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_STRIDE, PAGE);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_WRAP, pages);
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_THREADS, threads);
    start = g_get_monotonic_time();
    qpci_io_writel(t->dev, t->bar, SMMU_TESTDEV_REG_DOORBELL, 1);
    done = qpci_io_readl(t->dev, t->bar, SMMU_TESTDEV_REG_DONE_COUNT);
    end = g_get_monotonic_time();
    g_assert_cmpuint(qpci_io_readl(t->dev, t->bar, SMMU_TESTDEV_REG_RESULT),
                     ==, 0);
    g_assert_cmpuint(done, ==, ops * MAX(threads, 1));
    return (end - start) * 1000;
}

static uint64_t run_dmas(Bench *b, uint64_t iova, uint64_t pages, uint64_t ops)
{
    return run_dmas_on(b, iova, pages, ops, 1);
}

static void report(Bench *b, const char *workload, const char *variant,
                   uint64_t ns, uint64_t ops, int64_t hits, int64_t misses)
{
    printf("RESULT {\"workload\": \"%s\", \"variant\": \"%s\", "
           "\"ns_per_op\": %.1f, \"ops\": %" PRIu64 ", \"ops_per_s\": %.0f, "
           "\"tlb_hit_rate\": %s, \"peak_rss_kib\": %" PRIu64 "}\n",
           workload, variant, (double)ns / ops, ops, ops * 1e9 / ns,
           hits < 0 || misses < 0 || hits + misses == 0 ? "null" :
           g_strdup_printf("%.4f", (double)hits / (hits + misses)),
           peak_rss_kib(b->env.qts));
    fflush(stdout);
}

static uint8_t config_by_name(const char *name)
{
    static const struct { const char *name; uint8_t config; } names[] = {
        { "bypass", QSMMU_STE_CFG_BYPASS }, { "s1", QSMMU_STE_CFG_S1 },
        { "s2", QSMMU_STE_CFG_S2 }, { "nested", QSMMU_STE_CFG_NESTED },
    };

    for (int i = 0; i < ARRAY_SIZE(names); i++) {
        if (g_str_equal(name, names[i].name)) {
            return names[i].config;
        }
    }
    g_error("unknown config %s", name);
}

/* Warm the TLB with one pass, then time @ops DMAs over @pages pages. */
static void bench_dma(int argc, char **argv)
{
    const char *config = param(argc, argv, "config", "nested");
    uint64_t pages = param_u64(argc, argv, "pages", DATA_PAGES);
    uint64_t ops = param_u64(argc, argv, "ops", 200000);
    uint64_t threads = MAX(param_u64(argc, argv, "threads", 1), 1);
    g_autofree char *variant = g_strdup_printf("%s/%" PRIu64 "/%" PRIu64,
                                               config, pages, threads);
    uint64_t iova = IOVA_BASE;
    int64_t hits, misses;
    uint64_t ns;
    Bench b;

    if (g_str_equal(config, "noiommu")) {
        start_noiommu(&b);
        run_dmas(&b, b.data, DATA_PAGES, DATA_PAGES);
        ns = run_dmas_on(&b, b.data, DATA_PAGES, ops, threads);
        report(&b, "dma", variant, ns, ops * threads, -1, -1);
        stop(&b);
        return;
    }
    if (g_str_equal(config, "gbpa")) {
        /* SMMUEN 0 and GBPA.ABORT 0: IHI 0070 3.2 global bypass */
        memset(&b, 0, sizeof(b));
        b.smmu = true;
        qsmmu_env_start(&b.env, "1", 0, NULL);
        b.smmu_path = qsmmu_qom_path(b.env.qts);
        b.data = qsmmu_env_alloc(&b.env, DATA_PAGES * PAGE, PAGE);
        qsmmu_set_gbpa(&b.env.smmu, 0);
    } else {
        start_smmu(&b, config_by_name(config), pages, 48, 44);
    }
    if (g_str_equal(config, "bypass") || g_str_equal(config, "gbpa")) {
        /* The IOVA is the PA: aim at the data pages, not IOVA_BASE */
        iova = b.data;
        pages = DATA_PAGES;
    }
    run_dmas(&b, iova, pages, pages);
    hits = tlb_counter(&b, "tlb-hits");
    misses = tlb_counter(&b, "tlb-misses");
    ns = run_dmas_on(&b, iova, pages, ops, threads);
    report(&b, "dma", variant, ns, ops * threads,
           hits < 0 ? -1 : tlb_counter(&b, "tlb-hits") - hits,
           misses < 0 ? -1 : tlb_counter(&b, "tlb-misses") - misses);
    stop(&b);
}

/* Nested 4-level over 4-level, every DMA a TLB miss: a full walk each. */
static void bench_cold(int argc, char **argv)
{
    uint64_t pages = param_u64(argc, argv, "pages", 4096);
    uint64_t passes = param_u64(argc, argv, "passes", 4);
    QSMMUCmd all = { .op = QSMMU_CMD_TLBI_NSNH_ALL };
    uint64_t ns = 0;
    Bench b;

    start_smmu(&b, QSMMU_STE_CFG_NESTED, pages, 48, 44);
    for (uint64_t p = 0; p < passes; p++) {
        qsmmu_cmd(&b.env.smmu, &all);
        ns += run_dmas(&b, IOVA_BASE, pages, pages);
    }
    report(&b, "cold", "nested-4l/4l", ns, pages * passes, -1, -1);
    stop(&b);
}

/*
 * Fill the TLB with @fill stage-1 entries of ASID 1, then time batches of
 * invalidations aimed at ASID 2 (so the fill stays): the cost of finding
 * what to remove, by TLB occupancy.
 */
static void bench_inval(int argc, char **argv)
{
    const char *cmd = param(argc, argv, "cmd", "va");
    uint64_t fill = param_u64(argc, argv, "fill", 1000);
    uint64_t batches = param_u64(argc, argv, "batches", 20);
    g_autofree char *variant = NULL;
    uint64_t ns = 0, empty = 0;
    int64_t used;
    Bench b;

    start_smmu(&b, QSMMU_STE_CFG_S1, fill, 48, 44);
    run_dmas(&b, IOVA_BASE, fill, fill);
    used = tlb_counter(&b, "tlb-used");
    for (uint64_t i = 0; i < batches; i++) {
        uint64_t t0;

        t0 = g_get_monotonic_time();
        qsmmu_sync(&b.env.smmu);
        empty += g_get_monotonic_time() - t0;
        for (int k = 0; k < CMD_BATCH; k++) {
            QSMMUCmd c = { .asid = 2, .vmid = 1,
                           .addr = IOVA_BASE + (uint64_t)k * PAGE };

            if (g_str_equal(cmd, "asid")) {
                c.op = QSMMU_CMD_TLBI_NH_ASID;
            } else {
                c.op = QSMMU_CMD_TLBI_NH_VA;
                if (g_str_equal(cmd, "range")) {
                    c.tg = 1;           /* 4K granules ... */
                    c.num = 31;         /* ... 32 of them */
                    c.ttl = 3;
                }
            }
            qsmmu_cmd_push(&b.env.smmu, &c);
        }
        t0 = g_get_monotonic_time();
        g_assert_cmpuint(qsmmu_sync(&b.env.smmu), ==, QSMMU_CERROR_NONE);
        ns += g_get_monotonic_time() - t0;
    }
    /* Per command, less what a lone CMD_SYNC costs */
    ns = ns > empty ? (ns - empty) * 1000 : 1;
    variant = used < 0 ? g_strdup_printf("%s/fill=%" PRIu64, cmd, fill)
                       : g_strdup_printf("%s/fill=%" PRIu64 "/used=%" PRId64,
                                         cmd, fill, used);
    report(&b, "inval", variant, ns, batches * CMD_BATCH, -1, -1);
    stop(&b);
}

/*
 * Fill the TLB with @fill stage-1 entries (ASID 1), then ring CMDQ_PROD
 * once over a full queue of 2^log2 CMD_TLBI_NH_VA range commands of that
 * ASID that all miss (their range ends below IOVA_BASE): the wall time of
 * the one doorbell write, during which the BQL is held.
 */
static void bench_doorbell(int argc, char **argv)
{
    uint64_t fill = param_u64(argc, argv, "fill", 16384);
    unsigned log2 = param_u64(argc, argv, "log2", 16);
    QSMMUCmd c = { .op = QSMMU_CMD_TLBI_NH_VA, .asid = 1, .vmid = 1,
                   .addr = 0, .tg = 1, .num = 31, .scale = 20, .ttl = 3,
                   .leaf = true };
    g_autofree char *variant = NULL;
    g_autofree uint64_t *q = NULL;
    uint64_t words[2], qpa, t0, ns;
    uint32_t n, cons;
    QSMMU *s;
    int64_t used;
    Bench b;

    start_smmu(&b, QSMMU_STE_CFG_S1, fill, 48, 44);
    s = &b.env.smmu;
    log2 = MIN(log2, QSMMU_IDR1_CMDQS(s->idr[1]));
    n = 1u << log2;
    run_dmas(&b, IOVA_BASE, fill, fill);
    used = tlb_counter(&b, "tlb-used");

    /* A queue of n commands in guest memory, swapped in while disabled */
    q = g_new(uint64_t, 2 * n);
    qsmmu_cmd_build(&c, words);
    for (uint32_t i = 0; i < n; i++) {
        q[2 * i] = cpu_to_le64(words[0]);
        q[2 * i + 1] = cpu_to_le64(words[1]);
    }
    qpa = qsmmu_env_alloc(&b.env, 16ULL << log2, 16ULL << log2);
    qtest_bufwrite(b.env.qts, qpa, q, 16ULL << log2);
    qtest_writel(b.env.qts, s->base + QSMMU_CR0,
                 QSMMU_CR0_SMMUEN | QSMMU_CR0_EVENTQEN);
    qtest_writeq(b.env.qts, s->base + QSMMU_CMDQ_BASE, qpa | log2);
    qtest_writel(b.env.qts, s->base + QSMMU_CMDQ_PROD, 0);
    qtest_writel(b.env.qts, s->base + QSMMU_CMDQ_CONS, 0);
    qtest_writel(b.env.qts, s->base + QSMMU_CR0, QSMMU_CR0_SMMUEN |
                 QSMMU_CR0_EVENTQEN | QSMMU_CR0_CMDQEN);

    /* Full: PROD's index equals CONS's, the wrap bit differs */
    t0 = g_get_monotonic_time();
    qtest_writel(b.env.qts, s->base + QSMMU_CMDQ_PROD, n);
    ns = (g_get_monotonic_time() - t0) * 1000;
    cons = qtest_readl(b.env.qts, s->base + QSMMU_CMDQ_CONS);
    g_assert_cmphex(cons, ==, n);
    g_assert_cmpint(tlb_counter(&b, "tlb-used"), ==, used);
    fprintf(stderr, "doorbell: %u commands, TLB %" PRId64 " entries: "
            "%.1f ms\n", n, used, ns / 1e6);
    variant = g_strdup_printf("nh-va-miss/fill=%" PRIu64 "/cmds=%u", fill, n);
    report(&b, "doorbell", variant, ns, n, -1, -1);
    stop(&b);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s dma|cold|inval|doorbell "
                "[PARAM=VALUE ...]\n",
                argv[0]);
        return 2;
    }
    if (g_str_equal(argv[1], "dma")) {
        bench_dma(argc, argv);
    } else if (g_str_equal(argv[1], "cold")) {
        bench_cold(argc, argv);
    } else if (g_str_equal(argv[1], "inval")) {
        bench_inval(argc, argv);
    } else if (g_str_equal(argv[1], "doorbell")) {
        bench_doorbell(argc, argv);
    } else {
        fprintf(stderr, "unknown workload %s\n", argv[1]);
        return 2;
    }
    return 0;
}
