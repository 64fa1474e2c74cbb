/*
 * smmu-testdev on its own: identification, capabilities, the buffer
 * window, each operation on untranslated DMA, and the refusals (length,
 * operation, PASID).  virt without an IOMMU, so DMA addresses are
 * physical.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "libqos/pci.h"
#include "libqos/generic-pcihost.h"
#include "libqos/smmu-env.h"
#include "hw/pci/pci_regs.h"

#define RAM_BASE        QSMMU_VIRT_RAM_BASE
#define RAM_SIZE        0x10000000ULL   /* -m 256M */

typedef struct Rig {
    QTestState *qts;
    QGuestAllocator alloc;
    QGenericPCIBus bus;
    QSmmuTestdev td;
} Rig;

static void rig_start(Rig *r)
{
    r->qts = qtest_initf("-M virt -cpu max -m 256M -nic none "
                         "-device " TYPE_SMMU_TESTDEV ",addr=%d.0",
                         QSMMU_TESTDEV_SLOT);
    alloc_init(&r->alloc, 0, RAM_BASE, RAM_BASE + RAM_SIZE, 4096);
    qpci_init_generic(&r->bus, r->qts, &r->alloc, false);
    qsmmu_testdev_init(&r->td, &r->bus.bus, QSMMU_TESTDEV_SLOT);
}

static void rig_stop(Rig *r)
{
    qsmmu_testdev_free(&r->td);
    alloc_destroy(&r->alloc);
    qtest_quit(r->qts);
}

/* The PASID capability's Max PASID Width */
static unsigned pasid_width(Rig *r)
{
    uint64_t cap = QSMMU_VIRT_ECAM_BASE + (r->td.dev->devfn << 12) +
                   SMMU_TESTDEV_PASID_CAP_OFFSET;

    return (qtest_readw(r->qts, cap + PCI_PASID_CAP) &
            PCI_PASID_CAP_WIDTH) >> 8;
}

static void test_identity(void)
{
    Rig r;
    uint64_t cfg;

    rig_start(&r);
    g_assert_cmphex(qpci_io_readl(r.td.dev, r.td.bar,
                                  SMMU_TESTDEV_REG_BUF_SIZE), ==,
                    SMMU_TESTDEV_BUF_SIZE);
    /* A PCIe endpoint with a PASID capability, disabled at reset. */
    g_assert_cmpuint(qpci_find_capability(r.td.dev, PCI_CAP_ID_EXP, 0), ==,
                     SMMU_TESTDEV_EXP_CAP_OFFSET);
    cfg = QSMMU_VIRT_ECAM_BASE + (r.td.dev->devfn << 12) +
          SMMU_TESTDEV_PASID_CAP_OFFSET;
    g_assert_cmphex(qtest_readl(r.qts, cfg) & 0xffff, ==,
                    PCI_EXT_CAP_ID_PASID);
    /* 20 bits where MemTxAttrs.pid has them (ours), 8 on the base */
    g_assert_cmphex(pasid_width(&r), ==,
                    qsmmu_is_base_model() ? SMMU_TESTDEV_PASID_WIDTH_BASE :
                                            SMMU_TESTDEV_PASID_WIDTH_MAX);
    g_assert_cmphex(qtest_readw(r.qts, cfg + PCI_PASID_CTRL), ==, 0);
    rig_stop(&r);
}

static void test_buffer_window(void)
{
    Rig r;
    uint8_t in[64], out[64];

    rig_start(&r);
    for (int i = 0; i < sizeof(in); i++) {
        in[i] = i * 3 + 1;
    }
    qsmmu_testdev_buf_write(&r.td, SMMU_TESTDEV_BUF_SIZE - sizeof(in), in,
                            sizeof(in));
    qsmmu_testdev_buf_read(&r.td, SMMU_TESTDEV_BUF_SIZE - sizeof(in), out,
                           sizeof(out));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    rig_stop(&r);
}

static void test_operations(void)
{
    Rig r;
    uint64_t a, b, c;
    uint8_t pat[0x3000], got[0x3000];
    QSmmuTestdevStatus st;

    rig_start(&r);
    a = guest_alloc(&r.alloc, sizeof(pat));
    b = guest_alloc(&r.alloc, sizeof(pat));
    c = guest_alloc(&r.alloc, sizeof(pat));
    for (int i = 0; i < sizeof(pat); i++) {
        pat[i] = i ^ (i >> 8) ^ 0x3c;
    }
    qtest_memwrite(r.qts, a, pat, sizeof(pat));

    /* READ fills the buffer, WRITE empties it, COPY goes memory to memory. */
    g_assert_true(qsmmu_testdev_dma_read(&r.td, a, sizeof(pat)));
    qsmmu_testdev_buf_read(&r.td, 0, got, sizeof(got));
    g_assert_cmpmem(pat, sizeof(pat), got, sizeof(got));
    g_assert_true(qsmmu_testdev_dma_write(&r.td, b, sizeof(pat)));
    qtest_memread(r.qts, b, got, sizeof(got));
    g_assert_cmpmem(pat, sizeof(pat), got, sizeof(got));
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_COPY, a, c, sizeof(pat), 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    g_assert_cmpuint(st.result, ==, 0);
    qtest_memread(r.qts, c, got, sizeof(got));
    g_assert_cmpmem(pat, sizeof(pat), got, sizeof(got));

    /* DMA to where nothing answers reports the MemTxResult. */
    g_assert_false(qsmmu_testdev_dma_read(&r.td, 0x20000000000ULL, 16));
    rig_stop(&r);
}

static void test_refusals(void)
{
    Rig r;
    QSmmuTestdevStatus st;
    unsigned width;

    rig_start(&r);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, RAM_BASE, 0, 0, 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_LEN);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, RAM_BASE, 0,
                           SMMU_TESTDEV_BUF_SIZE + 1, 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_LEN);
    st = qsmmu_testdev_run(&r.td, 7, RAM_BASE, 0, 16, 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_OP);

    /* A PASID needs the capability enabled, and must fit MemTxAttrs. */
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, RAM_BASE, 0, 16,
                           SMMU_TESTDEV_PASID_VALID | 1);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_PASID);
    qsmmu_testdev_enable_pasid(&r.td, r.qts);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, RAM_BASE, 0, 16,
                           SMMU_TESTDEV_PASID_VALID | 1);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    g_assert_cmpuint(st.result, ==, 0);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, RAM_BASE, 0, 16,
                           SMMU_TESTDEV_PASID_VALID | 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_PASID);
    /* The widest PASID goes out, one bit more is refused */
    width = pasid_width(&r);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, RAM_BASE, 0, 16,
                           SMMU_TESTDEV_PASID_VALID | ((1u << width) - 1));
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    if (width < SMMU_TESTDEV_PASID_WIDTH_MAX) {
        st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, RAM_BASE, 0, 16,
                               SMMU_TESTDEV_PASID_VALID | 1u << width);
        g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_PASID);
    }
    rig_stop(&r);
}

/*
 * REPEAT/STRIDE/WRAP: runs i = 0..3 write the buffer to dst + (i % 2) *
 * stride, so two copies land and the third slot stays untouched; a run
 * that fails stops the sequence and DONE_COUNT says where.
 */
static void test_repeat(void)
{
    const uint32_t len = 0x100, stride = 0x1000;
    uint8_t pat[0x100], got[0x100], zero[0x100] = { 0 };
    QSmmuTestdevStatus st;
    uint64_t dst;
    Rig r;

    rig_start(&r);
    dst = guest_alloc(&r.alloc, 3 * stride);
    qtest_memset(r.qts, dst, 0, 3 * stride);
    for (int i = 0; i < len; i++) {
        pat[i] = 0xa5 ^ i;
    }
    qsmmu_testdev_buf_write(&r.td, 0, pat, len);
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_REPEAT, 4);
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_STRIDE, stride);
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_WRAP, 2);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_WRITE, 0, dst, len, 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    g_assert_cmpuint(st.result, ==, 0);
    g_assert_cmpuint(qpci_io_readl(r.td.dev, r.td.bar,
                                   SMMU_TESTDEV_REG_DONE_COUNT), ==, 4);
    for (int i = 0; i < 3; i++) {
        qtest_memread(r.qts, dst + i * stride, got, len);
        g_assert_cmpmem(got, len, i < 2 ? pat : zero, len);
    }

    /* Without WRAP, run 2 lands past the end of the 256 MiB of RAM. */
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_WRAP, 0);
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_STRIDE, 0x8000000);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_WRITE, 0,
                           RAM_BASE + 0x1000, len, 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    g_assert_cmpuint(st.result, !=, 0);
    g_assert_cmpuint(qpci_io_readl(r.td.dev, r.td.bar,
                                   SMMU_TESTDEV_REG_DONE_COUNT), ==, 2);

    /* The work of one doorbell is bounded. */
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_REPEAT, 0x100000);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, RAM_BASE, 0,
                           SMMU_TESTDEV_BUF_SIZE, 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_REPEAT);
    rig_stop(&r);
}

/*
 * THREADS: four threads each read SRC REPEAT times into a buffer of
 * their own (thread 0's is the device buffer) and DONE_COUNT adds up
 * every run; READ_MEMCORE, or more than SMMU_TESTDEV_MAX_THREADS, is
 * refused with ERR_THREADS.
 */
static void test_threads(void)
{
    const uint32_t len = 0x100, stride = 0x1000;
    uint8_t got[0x100], want[0x100];
    QSmmuTestdevStatus st;
    uint64_t src;
    Rig r;

    rig_start(&r);
    src = guest_alloc(&r.alloc, 2 * stride);
    qtest_memset(r.qts, src, 0x5a, 2 * stride);
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_REPEAT, 10);
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_STRIDE, stride);
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_WRAP, 2);
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_THREADS, 4);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, src, 0, len, 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    g_assert_cmpuint(st.result, ==, 0);
    g_assert_cmpuint(qpci_io_readl(r.td.dev, r.td.bar,
                                   SMMU_TESTDEV_REG_DONE_COUNT), ==, 40);
    /* Thread 0 read into the device buffer */
    qsmmu_testdev_buf_read(&r.td, 0, got, len);
    memset(want, 0x5a, len);
    g_assert_cmpmem(got, len, want, len);

    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ_MEMCORE, src, 0, len,
                           0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_THREADS);
    qpci_io_writel(r.td.dev, r.td.bar, SMMU_TESTDEV_REG_THREADS,
                   SMMU_TESTDEV_MAX_THREADS + 1);
    st = qsmmu_testdev_run(&r.td, SMMU_TESTDEV_OP_READ, src, 0, len, 0);
    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_THREADS);
    rig_stop(&r);
}

/* Without an IOMMU there is nothing to notify: the IOTLB stays off. */
static void test_iotlb_no_iommu(void)
{
    Rig r;
    uint64_t a;

    rig_start(&r);
    a = guest_alloc(&r.alloc, 0x1000);
    g_assert_cmpuint(qsmmu_testdev_set_iotlb(&r.td, SMMU_TESTDEV_IOTLB_UNMAP),
                     ==, SMMU_TESTDEV_IOTLB_OFF);
    g_assert_true(qsmmu_testdev_dma_read(&r.td, a, 0x100));
    g_assert_cmpuint(qsmmu_testdev_iotlb_count(&r.td), ==, 0);
    rig_stop(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/smmu-testdev/identity", test_identity);
    qtest_add_func("/smmu-testdev/buffer-window", test_buffer_window);
    qtest_add_func("/smmu-testdev/operations", test_operations);
    qtest_add_func("/smmu-testdev/refusals", test_refusals);
    qtest_add_func("/smmu-testdev/repeat", test_repeat);
    qtest_add_func("/smmu-testdev/iotlb-no-iommu", test_iotlb_no_iommu);
    qtest_add_func("/smmu-testdev/threads", test_threads);
    return g_test_run();
}
