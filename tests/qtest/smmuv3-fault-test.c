/*
 * SMMUv3 translation faults: translation, permission, access flag and
 * address size at stage 1 and stage 2, and stage-2 faults taken while
 * fetching the CD or walking stage-1 tables in nested mode.  Each case
 * breaks one piece of a working set-up, runs one DMA and checks that it
 * failed and the exact event record (IHI 0070 7.3).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qemu/bitops.h"
#include "libqos/smmu-xlate.h"

#define SID             QSMMU_TESTDEV_SID
#define XFER_LEN        0x100

/* What to break. */
typedef enum Breakage {
    S1_LEAF_INVALID,        /* stage-1 leaf descriptor invalid */
    S1_OUT_OF_RANGE,        /* IOVA above the T0SZ input range */
    S1_READ_ONLY,           /* write to a read-only stage-1 page */
    S1_NO_AF,               /* AF clear, CD.AFFD clear */
    S1_NO_AF_AFFD,          /* AF clear, CD.AFFD set: no fault */
    S1_OA_TOO_BIG,          /* leaf OA above CD.IPS */
    S1_NOT_RECORDED,        /* leaf invalid, CD.R clear: no event */
    S1_EXECUTE_NEVER,       /* XN page: data accesses unaffected */
    S1_SECOND_PAGE,         /* a 2-page DMA whose second page is invalid */
    S2_LEAF_INVALID,
    S2_READ_ONLY,           /* S2AP write clear */
    S2_NO_AF,
    S2_OA_TOO_BIG,          /* leaf OA above STE.S2PS */
    S2_EXECUTE_NEVER,
    S2_DATA_UNMAPPED,       /* nested: the data IPA */
    S2_CD_UNMAPPED,         /* nested: the CD's IPA */
    S2_CD_NO_READ,          /* nested: S2AP forbids reading the CD */
    S2_TTB_UNMAPPED,        /* nested: the stage-1 start table's IPA */
    S2_TABLE_UNMAPPED,      /* nested: a stage-1 next-level table's IPA */
} Breakage;

/* Which address the event's IPA field must hold. */
typedef enum IpaIs {
    IPA_NONE,               /* stage-1 fault: not checked */
    IPA_DATA,
    IPA_CD,
    IPA_TTB,
    IPA_TABLE,
} IpaIs;

typedef struct FaultCase {
    const char *name;
    uint8_t config;
    Breakage breakage;
    bool write;
    uint8_t type;           /* 0: no event expected */
    bool s2;
    uint8_t class;
    IpaIs ipa;
    bool dma_ok;            /* the DMA still succeeds */
    const char *base_bug;   /* why the base's model fails it: skip there */
    uint8_t gran;           /* both stages' granule; 0: 4K */
} FaultCase;

#define G16K    .gran = QSMMU_GRAN_16K
#define G64K    .gran = QSMMU_GRAN_64K

static const FaultCase fault_cases[] = {
    { "s1/translation", QSMMU_STE_CFG_S1, S1_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/translation-range", QSMMU_STE_CFG_S1, S1_OUT_OF_RANGE, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/permission", QSMMU_STE_CFG_S1, S1_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/read-only-read", QSMMU_STE_CFG_S1, S1_READ_ONLY, false,
      0, false, 0, IPA_NONE, true },
    { "s1/access-flag", QSMMU_STE_CFG_S1, S1_NO_AF, false,
      QSMMU_EVT_F_ACCESS, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/access-flag-affd", QSMMU_STE_CFG_S1, S1_NO_AF_AFFD, false,
      0, false, 0, IPA_NONE, true },
    { "s1/address-size", QSMMU_STE_CFG_S1, S1_OA_TOO_BIG, false,
      QSMMU_EVT_F_ADDR_SIZE, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/not-recorded", QSMMU_STE_CFG_S1, S1_NOT_RECORDED, false,
      0, false, 0, IPA_NONE },
    { "s1/xn-data-write", QSMMU_STE_CFG_S1, S1_EXECUTE_NEVER, true,
      0, false, 0, IPA_NONE, true },
    { "s1/translation-second-page", QSMMU_STE_CFG_S1, S1_SECOND_PAGE, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "s1/16k/translation", QSMMU_STE_CFG_S1, S1_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE, G16K },
    { "s1/64k/translation", QSMMU_STE_CFG_S1, S1_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE, G64K },
    { "s1/16k/permission", QSMMU_STE_CFG_S1, S1_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, false, QSMMU_CLASS_IN, IPA_NONE, G16K },
    { "s1/64k/access-flag", QSMMU_STE_CFG_S1, S1_NO_AF, false,
      QSMMU_EVT_F_ACCESS, false, QSMMU_CLASS_IN, IPA_NONE, G64K },
    { "s2/translation", QSMMU_STE_CFG_S2, S2_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_IN, IPA_DATA },
    { "s2/permission", QSMMU_STE_CFG_S2, S2_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, true, QSMMU_CLASS_IN, IPA_DATA },
    { "s2/access-flag", QSMMU_STE_CFG_S2, S2_NO_AF, false,
      QSMMU_EVT_F_ACCESS, true, QSMMU_CLASS_IN, IPA_DATA },
    { "s2/address-size", QSMMU_STE_CFG_S2, S2_OA_TOO_BIG, false,
      QSMMU_EVT_F_ADDR_SIZE, true, QSMMU_CLASS_IN, IPA_DATA },
    { "s2/xn-data-write", QSMMU_STE_CFG_S2, S2_EXECUTE_NEVER, true,
      0, false, 0, IPA_NONE, true },
    { "s2/16k/translation", QSMMU_STE_CFG_S2, S2_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_IN, IPA_DATA, G16K },
    { "s2/64k/permission", QSMMU_STE_CFG_S2, S2_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, true, QSMMU_CLASS_IN, IPA_DATA, G64K },
    { "s2/16k/access-flag", QSMMU_STE_CFG_S2, S2_NO_AF, false,
      QSMMU_EVT_F_ACCESS, true, QSMMU_CLASS_IN, IPA_DATA, G16K },
    { "nested/s1-translation", QSMMU_STE_CFG_NESTED, S1_LEAF_INVALID, false,
      QSMMU_EVT_F_TRANSLATION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "nested/s1-permission", QSMMU_STE_CFG_NESTED, S1_READ_ONLY, true,
      QSMMU_EVT_F_PERMISSION, false, QSMMU_CLASS_IN, IPA_NONE },
    { "nested/s2-data-translation", QSMMU_STE_CFG_NESTED, S2_DATA_UNMAPPED,
      false, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_IN, IPA_DATA },
    { "nested/s2-data-permission", QSMMU_STE_CFG_NESTED, S2_READ_ONLY,
      true, QSMMU_EVT_F_PERMISSION, true, QSMMU_CLASS_IN, IPA_DATA },
    { "nested/s2-cd-translation", QSMMU_STE_CFG_NESTED, S2_CD_UNMAPPED,
      false, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_CD, IPA_CD },
    { "nested/s2-cd-permission", QSMMU_STE_CFG_NESTED, S2_CD_NO_READ,
      false, QSMMU_EVT_F_PERMISSION, true, QSMMU_CLASS_CD, IPA_CD },
    { "nested/16k/s2-cd-translation", QSMMU_STE_CFG_NESTED, S2_CD_UNMAPPED,
      false, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_CD, IPA_CD, false,
      NULL, G16K },
    { "nested/64k/s2-data-translation", QSMMU_STE_CFG_NESTED,
      S2_DATA_UNMAPPED, false, QSMMU_EVT_F_TRANSLATION, true,
      QSMMU_CLASS_IN, IPA_DATA, false, NULL, G64K },
    { "nested/64k/s2-ttb-translation", QSMMU_STE_CFG_NESTED,
      S2_TTB_UNMAPPED, false, QSMMU_EVT_F_TRANSLATION, true,
      QSMMU_CLASS_TT, IPA_TTB, false, NULL, G64K },
    { "nested/s2-ttb-translation", QSMMU_STE_CFG_NESTED, S2_TTB_UNMAPPED,
      false, QSMMU_EVT_F_TRANSLATION, true, QSMMU_CLASS_TT, IPA_TTB },
    { "nested/s2-table-translation", QSMMU_STE_CFG_NESTED,
      S2_TABLE_UNMAPPED, false, QSMMU_EVT_F_TRANSLATION, true,
      QSMMU_CLASS_TT, IPA_TABLE, false,
      "base reports a stage-2 fault on a next-level stage-1 table with "
      "S2=0 (its stage-1 walk error path overwrites the stage)" },
};

/* Overwrite the stage-2 level-3 descriptor of an IPA. */
static void s2_set_leaf(QSmmuXlate *x, uint64_t ipa, uint64_t desc)
{
    qpt_set_entry(&x->pt2, ipa, 3, desc);
}

static uint64_t s2_page(const QSmmuXlate *x, uint64_t addr)
{
    return addr & ~((1ULL << x->s2_gran) - 1);
}

/* Apply the breakage; returns the IOVA to access. */
static uint64_t break_setup(QSmmuEnv *e, QSmmuXlate *x, const FaultCase *c,
                            uint64_t *table_ipa)
{
    uint64_t iova = x->data_iova;
    uint64_t ipa = qsmmu_xlate_ipa(x, x->data);
    uint64_t d;

    switch (c->breakage) {
    case S1_LEAF_INVALID:
    case S1_NOT_RECORDED:
        qpt_set_entry(&x->pt1, iova, 3, 0);
        if (c->breakage == S1_NOT_RECORDED) {
            x->cd.r = false;
            qsmmu_xlate_write_cd(e, x);
        }
        break;
    case S1_OUT_OF_RANGE:
        iova |= 1ULL << x->s1_ias;
        break;
    case S1_EXECUTE_NEVER:
        qpt_map(&x->pt1, iova, ipa, 3, QPT_RW | QPT_XN);
        break;
    case S1_SECOND_PAGE:
        qpt_set_entry(&x->pt1, iova + 0x1000, 3, 0);
        break;
    case S1_READ_ONLY:
    case S1_NO_AF:
    case S1_NO_AF_AFFD:
        qpt_map(&x->pt1, iova, ipa, 3,
                c->breakage == S1_READ_ONLY ? QPT_R : QPT_RW | QPT_NO_AF);
        if (c->breakage == S1_NO_AF_AFFD) {
            x->cd.affd = true;
            qsmmu_xlate_write_cd(e, x);
        }
        break;
    case S1_OA_TOO_BIG:
        /* CD.IPS 40 bits; OA at 2^42 is within OAS but beyond IPS. */
        x->cd.ips = 2;
        qsmmu_xlate_write_cd(e, x);
        qpt_map(&x->pt1, iova, 1ULL << 42, 3, QPT_RW);
        break;
    case S2_LEAF_INVALID:
        s2_set_leaf(x, iova, 0);
        ipa = iova;
        break;
    case S2_READ_ONLY:
        if (x->config & 1) {
            s2_set_leaf(x, s2_page(x, ipa),
                        qpt_leaf_desc(true, x->s2_gran, 3,
                                      s2_page(x, x->data), QPT_R));
        } else {
            qpt_map(&x->pt2, iova, x->data, 3, QPT_R);
            ipa = iova;
        }
        break;
    case S2_NO_AF:
    case S2_EXECUTE_NEVER:
        qpt_map(&x->pt2, iova, x->data, 3, QPT_RW |
                (c->breakage == S2_NO_AF ? QPT_NO_AF : QPT_XN));
        ipa = iova;
        break;
    case S2_OA_TOO_BIG:
        /* S2PS 40 bits with a 40-bit IPA space; OA 2^42 is beyond it. */
        x->ste.s2_ps = 2;
        qsmmu_xlate_write_ste(e, x);
        qpt_map(&x->pt2, iova, 1ULL << 42, 3, QPT_RW);
        ipa = iova;
        break;
    case S2_DATA_UNMAPPED:
        s2_set_leaf(x, s2_page(x, ipa), 0);
        break;
    case S2_CD_UNMAPPED:
    case S2_CD_NO_READ:
        d = c->breakage == S2_CD_UNMAPPED ? 0 :
            qpt_leaf_desc(true, x->s2_gran, 3, x->cd_pa, QPT_W);
        s2_set_leaf(x, qsmmu_xlate_ipa(x, x->cd_pa), d);
        break;
    case S2_TTB_UNMAPPED:
        *table_ipa = qpt_ttb(&x->pt1);
        s2_set_leaf(x, s2_page(x, *table_ipa), 0);
        break;
    case S2_TABLE_UNMAPPED:
        /* The level-3 table: named by the level-2 table descriptor. */
        d = qtest_readq(e->qts, qpt_entry_addr(&x->pt1, iova, 2));
        *table_ipa = d & MAKE_64BIT_MASK(12, 36);
        s2_set_leaf(x, s2_page(x, *table_ipa), 0);
        break;
    }
    return iova;
}

static void test_fault(const void *opaque)
{
    const FaultCase *c = opaque;
    QSmmuEnv e;
    QSmmuXlate x;
    QSMMUEvent ev;
    uint64_t iova, fault_iova, table_ipa = 0, want_ipa = 0;
    uint32_t len;
    bool ok;

    qsmmu_env_start(&e, "nested", 0, NULL);
    if (c->base_bug && qsmmu_is_base_model(e.qts)) {
        g_test_skip(c->base_bug);
        qsmmu_env_stop(&e);
        return;
    }
    qsmmu_xlate_defaults(&x, c->config, SID);
    if (c->gran) {
        x.s1_gran = x.s2_gran = c->gran;
    }
    if (c->breakage == S2_OA_TOO_BIG) {
        x.s2_ias = 40;      /* S2T0SZ must fit S2PS */
    }
    qsmmu_xlate_setup(&e, &x);
    qsmmu_enable(&e.smmu, true);

    /* Nothing was translated yet, so no walk of the old set-up is cached. */
    iova = break_setup(&e, &x, c, &table_ipa);
    fault_iova = iova;
    len = XFER_LEN;
    if (c->breakage == S1_SECOND_PAGE) {
        /* The first 4K request lands; the second faults on its start. */
        len = 0x2000;
        fault_iova = iova + 0x1000;
        qsmmu_env_pattern(&e, x.data, 0x1000, 0x77);
    }

    if (c->write) {
        ok = qsmmu_testdev_dma_write(&e.td, iova, len);
    } else {
        ok = qsmmu_testdev_dma_read(&e.td, iova, len);
    }
    g_assert_cmpint(ok, ==, c->dma_ok);
    if (c->breakage == S1_SECOND_PAGE) {
        qsmmu_env_check_buf(&e, 0x1000, 0x77);
    }
    if (!c->type) {
        qsmmu_assert_no_event(&e.smmu);
        qsmmu_env_stop(&e);
        return;
    }

    g_assert_true(qsmmu_event_pop(&e.smmu, &ev, NULL));
    g_test_message("event type 0x%x s2 %d class %d rnw %d input 0x%" PRIx64
                   " ipa 0x%" PRIx64, ev.type, ev.s2, ev.class, ev.rnw,
                   ev.input_addr, ev.ipa);
    g_assert_cmphex(ev.type, ==, c->type);
    g_assert_cmphex(ev.sid, ==, SID);
    g_assert_false(ev.ssv);
    g_assert_cmpint(ev.s2, ==, c->s2);
    g_assert_cmpint(ev.class, ==, c->class);
    g_assert_cmpint(ev.rnw, ==, !c->write);
    /* Untagged PCIe DMA: unprivileged data access. */
    g_assert_false(ev.pnu);
    g_assert_false(ev.ind);
    g_assert_cmphex(ev.input_addr, ==, fault_iova);
    switch (c->ipa) {
    case IPA_DATA:
        want_ipa = x.config & 1 ? qsmmu_xlate_ipa(&x, x.data) : iova;
        break;
    case IPA_CD:
        want_ipa = qsmmu_xlate_ipa(&x, x.cd_pa);
        break;
    case IPA_TTB:
    case IPA_TABLE:
        want_ipa = table_ipa;
        break;
    case IPA_NONE:
        break;
    }
    if (c->ipa != IPA_NONE) {
        /* IHI 0070 7.3: IPA[51:12] of the faulting stage-2 input. */
        g_assert_cmphex(ev.ipa, ==, want_ipa & ~0xfffULL);
    }
    qsmmu_assert_no_event(&e.smmu);
    qsmmu_env_stop(&e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(fault_cases); i++) {
        g_autofree char *path = g_strdup_printf("/smmuv3/fault/%s",
                                                fault_cases[i].name);

        qtest_add_data_func(path, &fault_cases[i], test_fault);
    }
    return g_test_run();
}
