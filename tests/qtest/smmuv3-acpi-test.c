/*
 * The virt board's ACPI IORT describes its SMMUv3 as the SMMU describes
 * itself: the SMMUv3 node's HTTU Override equals SMMU_IDR0.HTTU of the
 * SMMU at the node's base address.  Linux booted with ACPI takes HTTU from
 * the IORT alone, so a zero there hides the SMMU's HTTU from it.
 *
 * The cases without options also run on the base's model (no HTTU, so
 * both are 0).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/fw_cfg.h"
#include "libqos/smmu-env.h"

#define VIRT_FW_CFG_BASE    0x09020000
#define TABLES_MAX          (512 * 1024)

/* ACPI table header (ACPI 6.5 5.2.6), IORT (DEN 0049) header and nodes */
#define ACPI_HDR_LEN        36
#define IORT_NUM_NODES      36
#define IORT_NODES_OFF      40
#define IORT_NODE_TYPE      0
#define IORT_NODE_LEN       1
#define IORT_TYPE_SMMUV3    4
#define SMMUV3_NODE_BASE    16
#define SMMUV3_NODE_FLAGS   24
#define SMMUV3_FLAG_COHACC  1
#define SMMUV3_FLAG_HTTU(f) (((f) >> 1) & 3)

#define IDR0_HTTU(idr0)     (((idr0) >> 6) & 3)    /* IHI 0070 6.3.1 */

typedef struct IortCase {
    const char *name;
    const char *args;
    bool ours_only;             /* options the base's model lacks */
    int httu;                   /* on our model; -1: as IDR0 says */
} IortCase;

static const IortCase cases[] = {
    { "machine", "-M virt,iommu=smmuv3", false, -1 },
    { "device", "-M virt -device arm-smmuv3,primary-bus=pcie.0", false, -1 },
    { "default-dirty", "-M virt,iommu=smmuv3", true, 2 },
    { "access", "-M virt,iommu=smmuv3 -global arm-smmuv3.httu=access",
      true, 1 },
    { "off", "-M virt,iommu=smmuv3 -global arm-smmuv3.httu=off", true, 0 },
    /* Machine types before 10.2 keep an SMMU without HTTU */
    { "virt-10.1", "-M virt-10.1,iommu=smmuv3", false, 0 },
};

/*
 * virt's fw_cfg (fw_cfg_init_mem_wide): data at +0, a big-endian selector
 * at +8; libqos's mm_fw_cfg_init() has another layout.
 */
static void virt_fw_cfg_select(QFWCFG *fw_cfg, uint16_t key)
{
    qtest_writew(fw_cfg->qts, fw_cfg->base + 8, bswap16(key));
}

static void virt_fw_cfg_read(QFWCFG *fw_cfg, void *data, size_t len)
{
    uint8_t *p = data;
    size_t i = 0;

    /* 8 bytes a read: stored little-endian, they are in file order */
    for (; i + 8 <= len; i += 8) {
        stq_le_p(p + i, qtest_readq(fw_cfg->qts, fw_cfg->base));
    }
    for (; i < len; i++) {
        p[i] = qtest_readb(fw_cfg->qts, fw_cfg->base);
    }
}

/* The IORT inside the blob of every table (etc/acpi/tables) */
static const uint8_t *find_iort(const uint8_t *blob, size_t len)
{
    for (size_t i = 0; i + ACPI_HDR_LEN <= len; i++) {
        if (!memcmp(blob + i, "IORT", 4)) {
            uint32_t tlen = ldl_le_p(blob + i + 4);

            if (tlen >= IORT_NODES_OFF + 4 && tlen <= len - i) {
                return blob + i;
            }
        }
    }
    return NULL;
}

static void test_iort(const void *opaque)
{
    const IortCase *c = opaque;
    g_autofree uint8_t *blob = g_malloc0(TABLES_MAX);
    const uint8_t *iort, *node;
    QFWCFG fw_cfg = {
        .base = VIRT_FW_CFG_BASE,
        .select = virt_fw_cfg_select, .read = virt_fw_cfg_read,
    };
    QTestState *qts;
    size_t len;
    unsigned smmus = 0;

    if (c->ours_only && qsmmu_skip_on_base("base model: no httu property")) {
        return;
    }
    qts = qtest_initf("-accel tcg -S -nic none -cpu max %s", c->args);
    fw_cfg.qts = qts;
    len = qfw_cfg_get_file(&fw_cfg, "etc/acpi/tables", blob, TABLES_MAX);
    g_assert_cmpuint(len, >, 0);
    g_assert_cmpuint(len, <=, TABLES_MAX);
    iort = find_iort(blob, len);
    g_assert_nonnull(iort);

    node = iort + ldl_le_p(iort + IORT_NODES_OFF);
    for (uint32_t n = ldl_le_p(iort + IORT_NUM_NODES); n; n--) {
        uint16_t node_len = lduw_le_p(node + IORT_NODE_LEN);

        g_assert_cmpuint(node_len, >, 0);
        if (node[IORT_NODE_TYPE] == IORT_TYPE_SMMUV3) {
            uint64_t base = ldq_le_p(node + SMMUV3_NODE_BASE);
            uint32_t flags = ldl_le_p(node + SMMUV3_NODE_FLAGS);
            uint32_t idr0 = qtest_readl(qts, base);

            g_assert_cmpuint(flags & SMMUV3_FLAG_COHACC, ==, 1);
            g_assert_cmpuint(SMMUV3_FLAG_HTTU(flags), ==, IDR0_HTTU(idr0));
            if (c->httu >= 0) {
                g_assert_cmpuint(IDR0_HTTU(idr0), ==, c->httu);
            }
            smmus++;
        }
        node += node_len;
    }
    g_assert_cmpuint(smmus, ==, 1);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *name =
            g_strdup_printf("/smmuv3/acpi/iort-httu/%s", cases[i].name);

        qtest_add_data_func(name, &cases[i], test_iort);
    }
    return g_test_run();
}
