/*
 * The fixture the SMMUv3 qtests share: virt with an SMMUv3 and one
 * smmu-testdev behind it, plus the checks every test makes on it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef LIBQOS_SMMU_ENV_H
#define LIBQOS_SMMU_ENV_H

#include "libqos-malloc.h"
#include "generic-pcihost.h"
#include "smmuv3.h"
#include "smmu-testdev.h"

/* virt's RAM (with -m 512M) and the ECAM window of its host bridge. */
#define QSMMU_VIRT_RAM_BASE     0x40000000ULL
#define QSMMU_VIRT_RAM_SIZE     0x20000000ULL
#define QSMMU_VIRT_ECAM_BASE    0x4010000000ULL

/* Registers the driver in smmuv3.h does not use, IHI 0070 6.2 */
#define QSMMU_AIDR              0x1c
#define QSMMU_IRQ_CTRL          0x50
#define QSMMU_IRQ_CTRLACK       0x54
#define QSMMU_GERROR_IRQ_CFG0   0x68
#define QSMMU_GERROR_IRQ_CFG1   0x70
#define QSMMU_EVENTQ_IRQ_CFG0   0xb0
#define QSMMU_EVENTQ_IRQ_CFG1   0xb8

typedef struct QSmmuEnv {
    QTestState *qts;
    QGuestAllocator alloc;
    QGenericPCIBus bus;
    QSMMU smmu;
    QSmmuTestdev td;
} QSmmuEnv;

/*
 * Start virt with an SMMUv3 of the given stage ("1", "2", "nested") and
 * an smmu-testdev; set up the SMMU's stream table (split 0: linear) and
 * queues, leaving it disabled.  extra is appended to the command line.
 */
void qsmmu_env_start(QSmmuEnv *e, const char *stage, uint8_t split,
                     const char *extra);
/*
 * Start with options only our model has (extra, e.g. "-global
 * arm-smmuv3.oas=32"), or, on the base's model, skip the test with
 * reason and return false without starting anything.
 */
bool qsmmu_env_start_ours(QSmmuEnv *e, const char *stage, const char *extra,
                          const char *reason);
/*
 * Migrate e's machine (started with stage and extra) to a new QEMU with
 * the same options over a unix socket; e then drives the destination.
 */
void qsmmu_env_migrate(QSmmuEnv *e, const char *stage, const char *extra);
void qsmmu_env_stop(QSmmuEnv *e);
/* Guest RAM: size bytes aligned to align, zeroed. */
uint64_t qsmmu_env_alloc(QSmmuEnv *e, uint64_t size, uint64_t align);
/* Fill guest memory with a pattern derived from seed. */
void qsmmu_env_pattern(QSmmuEnv *e, uint64_t pa, uint32_t len, uint8_t seed);
/* Assert guest memory holds that pattern. */
void qsmmu_env_check_pattern(QSmmuEnv *e, uint64_t pa, uint32_t len,
                             uint8_t seed);
/* Assert the device buffer holds that pattern. */
void qsmmu_env_check_buf(QSmmuEnv *e, uint32_t len, uint8_t seed);

/* Bits of an SMMU_IDR5.OAS encoding (asserts it is not reserved). */
unsigned qsmmu_oas_bits(uint32_t idr5);

/* QOM path of the machine's arm-smmuv3 (NULL when there is none). */
char *qsmmu_qom_path(QTestState *qts);

/*
 * Does this run use the base's SMMUv3 model (FORK_FLAVOUR=baseline)?
 * Tests of what the base gets wrong skip when this is true.
 */
bool qsmmu_is_base_model(void);
/* On the base's model: skip with reason and return true. */
bool qsmmu_skip_on_base(const char *reason);

/*
 * What an event check compares beyond type, SID, SSV and SSID, which
 * it always compares.
 */
#define QSMMU_EV_S2             (1u << 0)
#define QSMMU_EV_CLASS          (1u << 1)
#define QSMMU_EV_RNW            (1u << 2)
#define QSMMU_EV_IND            (1u << 3)
#define QSMMU_EV_PNU            (1u << 4)
#define QSMMU_EV_INPUT_ADDR     (1u << 5)
#define QSMMU_EV_IPA            (1u << 6)   /* compared as IPA[51:12] */
#define QSMMU_EV_FETCH_ADDR     (1u << 7)

/*
 * Pop the next event and assert it is want in the fields of check
 * (QSMMU_EV_*); the raw record goes to raw when it is not NULL.
 */
void qsmmu_expect_event(QSMMU *s, const QSMMUEvent *want, uint32_t check,
                        uint32_t raw[8]);

#endif /* LIBQOS_SMMU_ENV_H */
