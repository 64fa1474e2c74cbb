/*
 * The shared SMMUv3 qtest fixture: start and stop, guest memory, data
 * patterns, the base-model skip and event expectations.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "../libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "smmu-env.h"

/* The machine of qsmmu_env_start(), with more options in extra */
static QTestState *env_machine(const char *stage, const char *extra,
                               const char *more)
{
    /*
     * virt 9.1 and later set stage=nested on their SMMU after -global is
     * applied; virt-9.0 leaves the stage to -global.
     */
    const char *machine = g_str_equal(stage, "nested") ? "virt" : "virt-9.0";

    return qtest_initf("-M %s,iommu=smmuv3 -cpu max -m 512M -nic none "
                       "-global arm-smmuv3.stage=%s "
                       "-device %s,addr=%d.0 %s %s",
                       machine, stage, TYPE_SMMU_TESTDEV,
                       QSMMU_TESTDEV_SLOT, extra ? extra : "", more);
}

void qsmmu_env_start(QSmmuEnv *e, const char *stage, uint8_t split,
                     const char *extra)
{
    memset(e, 0, sizeof(*e));
    e->qts = env_machine(stage, extra, "");
    alloc_init(&e->alloc, 0, QSMMU_VIRT_RAM_BASE,
               QSMMU_VIRT_RAM_BASE + QSMMU_VIRT_RAM_SIZE, 4096);
    qpci_init_generic(&e->bus, e->qts, &e->alloc, false);
    qsmmu_testdev_init(&e->td, &e->bus.bus, QSMMU_TESTDEV_SLOT);
    qsmmu_init(&e->smmu, e->qts, &e->alloc, 8, split);
}

bool qsmmu_env_start_ours(QSmmuEnv *e, const char *stage, const char *extra,
                          const char *reason)
{
    /* The base refuses our properties: start it plainly to skip. */
    qsmmu_env_start(e, stage, 0, qsmmu_is_base_model() ? NULL : extra);
    if (qsmmu_skip_on_base(reason)) {
        qsmmu_env_stop(e);
        return false;
    }
    return true;
}

void qsmmu_env_migrate(QSmmuEnv *e, const char *stage, const char *extra)
{
    g_autofree char *uri = g_strdup_printf("unix:%s/qsmmu-migrate-%d.sock",
                                           g_get_tmp_dir(), getpid());
    g_autofree char *incoming = g_strdup_printf("-incoming %s", uri);
    QTestState *to = env_machine(stage, extra, incoming);

    qtest_qmp_assert_success(e->qts, "{ 'execute': 'migrate', "
                             "'arguments': { 'uri': %s } }", uri);
    qtest_qmp_eventwait(e->qts, "STOP");
    qtest_qmp_eventwait(to, "RESUME");
    qtest_quit(e->qts);
    e->qts = to;
    e->bus.bus.qts = to;
    e->smmu.qts = to;
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

unsigned qsmmu_oas_bits(uint32_t idr5)
{
    /* IHI 0070 6.3.6: the encoding of ID_AA64MMFR0_EL1.PARange */
    static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };

    g_assert_cmpuint(QSMMU_IDR5_OAS(idr5), <, ARRAY_SIZE(bits));
    return bits[QSMMU_IDR5_OAS(idr5)];
}

char *qsmmu_qom_path(QTestState *qts)
{
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'qom-list', 'arguments':"
                            " { 'path': '/machine/unattached' } }");
    QList *list = qdict_get_qlist(resp, "return");
    char *path = NULL;

    for (const QListEntry *e = qlist_first(list); e && !path;
         e = qlist_next(e)) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        if (g_str_equal(qdict_get_str(p, "type"), "child<arm-smmuv3>")) {
            path = g_strdup_printf("/machine/unattached/%s",
                                   qdict_get_str(p, "name"));
        }
    }
    qobject_unref(resp);
    return path;
}

bool qsmmu_is_base_model(void)
{
    return !g_strcmp0(g_getenv("FORK_FLAVOUR"), "baseline");
}

bool qsmmu_skip_on_base(const char *reason)
{
    if (!qsmmu_is_base_model()) {
        return false;
    }
    g_test_skip(reason);
    return true;
}

void qsmmu_expect_event(QSMMU *s, const QSMMUEvent *want, uint32_t check,
                        uint32_t raw[8])
{
    QSMMUEvent ev;

    g_assert_true(qsmmu_event_pop(s, &ev, raw));
    g_test_message("event type 0x%x sid 0x%x ssv %d ssid 0x%x s2 %d "
                   "class %d rnw %d ind %d pnu %d input 0x%" PRIx64
                   " ipa 0x%" PRIx64 " fetch 0x%" PRIx64,
                   ev.type, ev.sid, ev.ssv, ev.ssid, ev.s2, ev.class, ev.rnw,
                   ev.ind, ev.pnu, ev.input_addr, ev.ipa, ev.fetch_addr);
    g_assert_cmphex(ev.type, ==, want->type);
    g_assert_cmphex(ev.sid, ==, want->sid);
    g_assert_cmpint(ev.ssv, ==, want->ssv);
    g_assert_cmphex(ev.ssid, ==, want->ssid);
    if (check & QSMMU_EV_S2) {
        g_assert_cmpint(ev.s2, ==, want->s2);
    }
    if (check & QSMMU_EV_CLASS) {
        g_assert_cmpint(ev.class, ==, want->class);
    }
    if (check & QSMMU_EV_RNW) {
        g_assert_cmpint(ev.rnw, ==, want->rnw);
    }
    if (check & QSMMU_EV_IND) {
        g_assert_cmpint(ev.ind, ==, want->ind);
    }
    if (check & QSMMU_EV_PNU) {
        g_assert_cmpint(ev.pnu, ==, want->pnu);
    }
    if (check & QSMMU_EV_INPUT_ADDR) {
        g_assert_cmphex(ev.input_addr, ==, want->input_addr);
    }
    if (check & QSMMU_EV_IPA) {
        /* IHI 0070 7.3: the record holds IPA[51:12] */
        g_assert_cmphex(ev.ipa, ==, want->ipa & ~0xfffULL);
    }
    if (check & QSMMU_EV_FETCH_ADDR) {
        g_assert_cmphex(ev.fetch_addr, ==, want->fetch_addr);
    }
}
