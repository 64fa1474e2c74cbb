/*
 * libqos driver for smmu-testdev and the shared SMMUv3 test fixture.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "../libqtest.h"
#include "pci.h"
#include "smmu-testdev.h"
#include "hw/pci/pci_regs.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

/* virt's RAM and the high ECAM window the generic host bridge uses. */
#define VIRT_RAM_BASE       0x40000000ULL
#define VIRT_RAM_SIZE       0x20000000ULL
#define VIRT_ECAM_BASE      0x4010000000ULL

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
    uint64_t cap = VIRT_ECAM_BASE + (t->dev->devfn << 12) +
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

void qsmmu_env_start(QSmmuEnv *e, const char *stage, uint8_t split,
                     const char *extra)
{
    /*
     * virt 9.1 and later set stage=nested on their SMMU after -global is
     * applied; virt-9.0 leaves the stage to -global.
     */
    const char *machine = g_str_equal(stage, "nested") ? "virt" : "virt-9.0";

    memset(e, 0, sizeof(*e));
    e->qts = qtest_initf("-M %s,iommu=smmuv3 -cpu max -m 512M -nic none "
                         "-global arm-smmuv3.stage=%s "
                         "-device %s,addr=%d.0 %s",
                         machine, stage, TYPE_SMMU_TESTDEV,
                         QSMMU_TESTDEV_SLOT, extra ? extra : "");
    alloc_init(&e->alloc, 0, VIRT_RAM_BASE, VIRT_RAM_BASE + VIRT_RAM_SIZE,
               4096);
    qpci_init_generic(&e->bus, e->qts, &e->alloc, false);
    qsmmu_testdev_init(&e->td, &e->bus.bus, QSMMU_TESTDEV_SLOT);
    qsmmu_init(&e->smmu, e->qts, &e->alloc, 8, split);
}

void qsmmu_env_stop(QSmmuEnv *e)
{
    qsmmu_testdev_free(&e->td);
    qsmmu_destroy(&e->smmu);
    alloc_destroy(&e->alloc);
    qtest_quit(e->qts);
}

uint64_t qsmmu_env_alloc(QSmmuEnv *e, uint64_t size, uint64_t align)
{
    uint64_t pa = ROUND_UP(guest_alloc(&e->alloc, size + align), align);

    qtest_memset(e->qts, pa, 0, size);
    return pa;
}

static uint8_t pattern_byte(uint32_t i, uint8_t seed)
{
    return (i * 7 + seed) ^ (i >> 8);
}

void qsmmu_env_pattern(QSmmuEnv *e, uint64_t pa, uint32_t len, uint8_t seed)
{
    g_autofree uint8_t *p = g_malloc(len);

    for (uint32_t i = 0; i < len; i++) {
        p[i] = pattern_byte(i, seed);
    }
    qtest_memwrite(e->qts, pa, p, len);
}

static void check_bytes(const uint8_t *p, uint32_t len, uint8_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        if (p[i] != pattern_byte(i, seed)) {
            g_test_message("byte %u: 0x%02x, expected 0x%02x", i, p[i],
                           pattern_byte(i, seed));
            g_assert_not_reached();
        }
    }
}

void qsmmu_env_check_pattern(QSmmuEnv *e, uint64_t pa, uint32_t len,
                             uint8_t seed)
{
    g_autofree uint8_t *p = g_malloc(len);

    qtest_memread(e->qts, pa, p, len);
    check_bytes(p, len, seed);
}

void qsmmu_env_check_buf(QSmmuEnv *e, uint32_t len, uint8_t seed)
{
    g_autofree uint8_t *p = g_malloc(len);

    qsmmu_testdev_buf_read(&e->td, 0, p, len);
    check_bytes(p, len, seed);
}

bool qsmmu_is_base_model(QTestState *qts)
{
    static const char *const base_props[] = {
        "stage", "bus_num", "smmu_per_bus", "primary-bus", NULL
    };
    g_autoptr(QDict) resp = NULL;
    QList *props;
    QListEntry *entry;

    if (!g_strcmp0(g_getenv("FORK_FLAVOUR"), "baseline")) {
        return true;
    }
    resp = qtest_qmp(qts, "{'execute': 'device-list-properties', "
                     "'arguments': {'typename': 'arm-smmuv3'}}");
    g_assert_true(qdict_haskey(resp, "return"));
    props = qdict_get_qlist(resp, "return");
    QLIST_FOREACH_ENTRY(props, entry) {
        QDict *prop = qobject_to(QDict, qlist_entry_obj(entry));

        if (!g_strv_contains(base_props, qdict_get_str(prop, "name"))) {
            return false;
        }
    }
    return true;
}
