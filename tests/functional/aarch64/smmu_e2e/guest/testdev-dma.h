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
#define STATUS_ERR(s)       (((s) >> 8) & 0xff)

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

/* One device operation: the MemTxResult, or -1 when it was refused. */
static inline int dma(int op, uint64_t iova, uint32_t len)
{
    uint32_t st;

    __sync_synchronize();
    wr64(op == OP_READ ? REG_SRC : REG_DST, iova);
    wr32(REG_LEN, len);
    wr32(REG_OP, op);
    wr32(REG_DOORBELL, 1);
    st = rd32(REG_STATUS);
    __sync_synchronize();
    if (!(st & STATUS_DONE) || STATUS_ERR(st)) {
        return -1;
    }
    return (int)rd32(REG_RESULT);
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
