/*
 * smmu-testdev from a level-1 program: its registers (the QEMU tree's
 * include/hw/misc/smmu-testdev.h) through BAR0 mapped with VFIO, one DMA
 * at a time, and the byte pattern the programs move.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef E2E_TESTDEV_DMA_H
#define E2E_TESTDEV_DMA_H

#include <stdint.h>
#include <string.h>

#define TESTDEV_VENDOR      0x1af4
#define TESTDEV_DEVICE      0x10f5
#define REG_ID              0x00
#define REG_SRC             0x08
#define REG_DST             0x10
#define REG_LEN             0x18
#define REG_OP              0x1c
#define REG_DOORBELL        0x24
#define REG_STATUS          0x28
#define REG_RESULT          0x2c
#define TESTDEV_MAGIC       0x534d4d55
#define TESTDEV_BUF         0x10000
#define OP_READ             1
#define OP_WRITE            2
#define STATUS_DONE         1u
#define STATUS_STALLED      2u      /* parked on a stalled transaction */
#define STATUS_ERR(s)       (((s) >> 8) & 0xff)

/* ATS: the ATC, filled by Translation Requests, and what invalidated it */
#define REG_ATS_STATUS      0x5c
#define REG_ATC_COUNT       0x74
#define REG_ATC_INVALS      0x78
#define REG_ATC_INV_ADDR    0x80
#define REG_ATC_INV_MASK    0x88
#define OP_WRITE_ATC        0x13    /* a write through the ATC */
#define ATS_ST_OK           1
#define ATS_CAP             0x108   /* config space offset */
#define ATS_CTRL_ENABLE     (1u << 15)      /* in the ATS Control register */

/* Stall: how often the operation stalled, the STAG of the last stall */
#define REG_STALL_COUNT     0xb0
#define REG_STALL_TAG       0xb4

/* BAR0; every access is an MMIO access that must happen */
static volatile uint8_t *testdev_bar;

static inline uint32_t rd32(uint32_t off)
{
    return *(volatile uint32_t *)(testdev_bar + off);
}

static inline void wr32(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(testdev_bar + off) = v;
}

static inline void wr64(uint32_t off, uint64_t v)
{
    wr32(off, (uint32_t)v);
    wr32(off + 4, (uint32_t)(v >> 32));
}

/* Start one device operation; its STATUS right after the doorbell */
static inline uint32_t dma_start(int op, uint64_t iova, uint32_t len)
{
    uint32_t st;

    __sync_synchronize();
    wr64(op == OP_READ ? REG_SRC : REG_DST, iova);
    wr32(REG_LEN, len);
    wr32(REG_OP, op);
    wr32(REG_DOORBELL, 1);
    st = rd32(REG_STATUS);
    __sync_synchronize();
    return st;
}

/* One device operation: the MemTxResult, or -1 when it was refused. */
static inline int dma(int op, uint64_t iova, uint32_t len)
{
    uint32_t st = dma_start(op, iova, len);

    if (!(st & STATUS_DONE) || STATUS_ERR(st)) {
        return -1;
    }
    return (int)rd32(REG_RESULT);
}

static inline uint64_t rd64(uint32_t off)
{
    return rd32(off) | (uint64_t)rd32(off + 4) << 32;
}

/* The device buffer's first len bytes := src */
static inline void devbuf_fill(const uint8_t *src, uint32_t len)
{
    for (uint32_t i = 0; i < len; i += 4) {
        uint32_t v;

        memcpy(&v, src + i, 4);
        wr32(TESTDEV_BUF + i, v);
    }
}

static inline int devbuf_equals(const uint8_t *want, uint32_t len)
{
    for (uint32_t i = 0; i < len; i += 4) {
        uint32_t v = rd32(TESTDEV_BUF + i), w;

        memcpy(&w, want + i, 4);
        if (v != w) {
            return 0;
        }
    }
    return 1;
}

/* The bytes of an LCG seeded with seed (as the host's pattern()) */
static inline void pattern(uint8_t *p, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = seed >> 16;
    }
}

#endif /* E2E_TESTDEV_DMA_H */
