/*
 * libqos driver for smmu-testdev.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "../libqtest.h"
#include "pci.h"
#include "smmu-testdev.h"
#include "smmu-env.h"
#include "hw/pci/pci_regs.h"

static uint32_t reg_rd(QSmmuTestdev *t, uint32_t off)
{
    return qpci_io_readl(t->dev, t->bar, off);
}

static void reg_wr(QSmmuTestdev *t, uint32_t off, uint32_t val)
{
    qpci_io_writel(t->dev, t->bar, off, val);
}

void qsmmu_testdev_init(QSmmuTestdev *t, QPCIBus *bus, int slot)
{
    uint64_t size;

    t->dev = qpci_device_find(bus, QPCI_DEVFN(slot, 0));
    g_assert_nonnull(t->dev);
    g_assert_cmphex(qpci_config_readw(t->dev, PCI_VENDOR_ID), ==,
                    SMMU_TESTDEV_VENDOR_ID);
    g_assert_cmphex(qpci_config_readw(t->dev, PCI_DEVICE_ID), ==,
                    SMMU_TESTDEV_DEVICE_ID);
    qpci_device_enable(t->dev);
    t->bar = qpci_iomap(t->dev, SMMU_TESTDEV_BAR, &size);
    g_assert_cmphex(size, ==, SMMU_TESTDEV_BAR_SIZE);
    g_assert_cmphex(reg_rd(t, SMMU_TESTDEV_REG_ID), ==, SMMU_TESTDEV_MAGIC);
}

void qsmmu_testdev_free(QSmmuTestdev *t)
{
    g_free(t->dev);
    t->dev = NULL;
}

void qsmmu_testdev_enable_pasid(QSmmuTestdev *t, QTestState *qts)
{
    /* Extended config space is beyond what qpci_config_* reach. */
    uint64_t cap = QSMMU_VIRT_ECAM_BASE + (t->dev->devfn << 12) +
                   SMMU_TESTDEV_PASID_CAP_OFFSET;

    g_assert_cmphex(qtest_readl(qts, cap) & 0xffff, ==, PCI_EXT_CAP_ID_PASID);
    qtest_writew(qts, cap + PCI_PASID_CTRL, PCI_PASID_CTRL_ENABLE);
    g_assert_cmphex(qtest_readw(qts, cap + PCI_PASID_CTRL), ==,
                    PCI_PASID_CTRL_ENABLE);
}

void qsmmu_testdev_buf_write(QSmmuTestdev *t, uint32_t off, const void *p,
                             size_t len)
{
    g_assert_cmpuint(off + len, <=, SMMU_TESTDEV_BUF_SIZE);
    qpci_memwrite(t->dev, t->bar, SMMU_TESTDEV_BUF_OFFSET + off, p, len);
}

void qsmmu_testdev_buf_read(QSmmuTestdev *t, uint32_t off, void *p,
                            size_t len)
{
    g_assert_cmpuint(off + len, <=, SMMU_TESTDEV_BUF_SIZE);
    qpci_memread(t->dev, t->bar, SMMU_TESTDEV_BUF_OFFSET + off, p, len);
}

QSmmuTestdevStatus qsmmu_testdev_run(QSmmuTestdev *t, uint32_t op,
                                     uint64_t src, uint64_t dst, uint32_t len,
                                     uint32_t pasid)
{
    QSmmuTestdevStatus st;
    uint32_t status;

    qpci_io_writeq(t->dev, t->bar, SMMU_TESTDEV_REG_SRC, src);
    qpci_io_writeq(t->dev, t->bar, SMMU_TESTDEV_REG_DST, dst);
    reg_wr(t, SMMU_TESTDEV_REG_LEN, len);
    reg_wr(t, SMMU_TESTDEV_REG_OP, op);
    reg_wr(t, SMMU_TESTDEV_REG_PASID, pasid);
    reg_wr(t, SMMU_TESTDEV_REG_DOORBELL, 1);
    status = reg_rd(t, SMMU_TESTDEV_REG_STATUS);
    g_assert_true(status & SMMU_TESTDEV_STATUS_DONE);
    st.err = (status & SMMU_TESTDEV_STATUS_ERR_MASK) >>
             SMMU_TESTDEV_STATUS_ERR_SHIFT;
    st.result = reg_rd(t, SMMU_TESTDEV_REG_RESULT);
    return st;
}

bool qsmmu_testdev_dma_read(QSmmuTestdev *t, uint64_t iova, uint32_t len)
{
    QSmmuTestdevStatus st = qsmmu_testdev_run(t, SMMU_TESTDEV_OP_READ, iova,
                                              0, len, 0);

    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    return st.result == 0;
}

uint32_t qsmmu_testdev_set_iotlb(QSmmuTestdev *t, uint32_t mode)
{
    reg_wr(t, SMMU_TESTDEV_REG_IOTLB, mode);
    return reg_rd(t, SMMU_TESTDEV_REG_IOTLB);
}

uint32_t qsmmu_testdev_iotlb_count(QSmmuTestdev *t)
{
    return reg_rd(t, SMMU_TESTDEV_REG_IOTLB_COUNT);
}

uint32_t qsmmu_testdev_iotlb_dropped(QSmmuTestdev *t)
{
    return reg_rd(t, SMMU_TESTDEV_REG_IOTLB_DROPPED);
}

bool qsmmu_testdev_dma_write(QSmmuTestdev *t, uint64_t iova, uint32_t len)
{
    QSmmuTestdevStatus st = qsmmu_testdev_run(t, SMMU_TESTDEV_OP_WRITE, 0,
                                              iova, len, 0);

    g_assert_cmpuint(st.err, ==, SMMU_TESTDEV_ERR_NONE);
    return st.result == 0;
}
