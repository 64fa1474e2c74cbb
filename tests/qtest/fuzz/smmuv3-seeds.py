#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed inputs for the generic-fuzz-smmuv3 target (patches/infra/0005).

Usage: smmuv3-seeds.py OUT_DIR

Each seed is what one of the SMMUv3 qtests does, in generic-fuzz's input
format (tests/qtest/fuzz/generic_fuzz.c): map smmu-testdev's BAR through the
ECAM, program the SMMU's registers, then ring the doorbell.  generic-fuzz has
no memory write: everything the SMMU and the devices read from guest RAM comes
from the DMA patterns, one pattern per read, in the order the reads happen
(STE, CD, one descriptor per level, then the data), so each seed adds its
tables as patterns just before the register write that makes them read.
"""

import os
import struct
import sys

SEP = b"FUZZ"
OP_READ, OP_WRITE, OP_ADD_DMA_PATTERN, OP_CLEAR_DMA_PATTERNS = 2, 3, 7, 8
OP_CLOCK_STEP = 9

# Matched regions in address order (the index op_read/op_write take):
# the SMMU's registers (0x09050000), the ECAM (0x4010000000), then BARs
# placed in virt's high PCIe window, above both: smmu-testdev's registers
# and buffer, virtio-blk's common, isr, device and notify regions.
R_SMMU, R_ECAM, R_TD, R_TD_BUF = 0, 1, 2, 3
R_VIO_COMMON, R_VIO_ISR, R_VIO_DEVICE, R_VIO_NOTIFY = 4, 5, 6, 7

TD_DEVFN = 2 << 3        # addr=2.0 in the config: StreamID 0x10
VIO_DEVFN = 3 << 3       # addr=3.0: StreamID 0x18
TD_BAR = 0x8000000000
VIO_BAR = 0x8000100000

RAM = 0x40000000         # virt's RAM; the SMMU reads tables only from RAM
STRTAB = RAM + 0x100000
CMDQ = RAM + 0x200000
EVTQ = RAM + 0x300000
MSI = RAM + 0x380000
TABLES = RAM + 0x400000  # page tables, one 4 KiB page each
DATA = RAM + 0x800000

# SMMU registers, IHI 0070 6.2
CR0, CR1, CR2, GBPA, IRQ_CTRL = 0x20, 0x28, 0x2c, 0x44, 0x50
GERRORN, GERROR_IRQ_CFG0, GERROR_IRQ_CFG1 = 0x64, 0x68, 0x70
STRTAB_BASE, STRTAB_BASE_CFG = 0x80, 0x88
CMDQ_BASE, CMDQ_PROD, CMDQ_CONS = 0x90, 0x98, 0x9c
EVENTQ_BASE, EVENTQ_IRQ_CFG0, EVENTQ_IRQ_CFG1 = 0xa0, 0xb0, 0xb8
EVENTQ_PROD, EVENTQ_CONS = 0x100a8, 0x100ac

# smmu-testdev registers (include/hw/misc/smmu-testdev.h)
TD_SRC, TD_DST, TD_LEN, TD_OP, TD_PASID = 0x08, 0x10, 0x18, 0x1c, 0x20
TD_DOORBELL, TD_STATUS, TD_RESULT = 0x24, 0x28, 0x2c
TD_OP_READ, TD_OP_WRITE, TD_OP_COPY = 1, 2, 3
TD_PASID_VALID = 1 << 31


class Seed:
    def __init__(self):
        self.ops = []

    def op(self, code, payload=b""):
        data = bytes([code]) + payload
        assert SEP not in data, "an operand spells the separator"
        self.ops.append(data)

    def write(self, region, offset, value, size=4):
        code = {1: 0, 2: 1, 4: 2, 8: 3}[size]
        # struct {uint8 size; uint8 base; uint32 offset; uint64 value}
        self.op(OP_WRITE, struct.pack("<BBxxIQ", code, region, offset, value))

    def read(self, region, offset, size=4):
        code = {1: 0, 2: 1, 4: 2, 8: 3}[size]
        self.op(OP_READ, struct.pack("<BBxxI", code, region, offset))

    def pattern(self, data):
        # index 0, stride 0: the pattern repeats unchanged
        self.op(OP_ADD_DMA_PATTERN, b"\0\0" + data)

    def patterns(self, *blobs):
        self.op(OP_CLEAR_DMA_PATTERNS)
        for b in blobs:
            self.pattern(b)

    def bytes(self):
        return SEP.join(self.ops)


def qwords(*values):
    return b"".join(struct.pack("<Q", v) for v in values)


def map_bar(s, devfn, bar, addr):
    """A 64-bit memory BAR at addr, memory and bus mastering on."""
    cfg = devfn << 12
    s.write(R_ECAM, cfg + 0x10 + bar * 4, addr & 0xffffffff)
    s.write(R_ECAM, cfg + 0x14 + bar * 4, addr >> 32)
    s.write(R_ECAM, cfg + 0x04, 0x6, 2)


def smmu_setup(s, two_level=False, enable=True):
    """Queues of 16 entries, a stream table covering StreamID 0x10."""
    if two_level:
        # FMT 2-level, SPLIT 8, LOG2SIZE 16 (IHI 0070 6.3.24)
        s.write(R_SMMU, STRTAB_BASE_CFG, (1 << 16) | (8 << 6) | 16)
    else:
        s.write(R_SMMU, STRTAB_BASE_CFG, 8)
    s.write(R_SMMU, STRTAB_BASE, STRTAB, 8)
    s.write(R_SMMU, CMDQ_BASE, CMDQ | 4, 8)
    s.write(R_SMMU, EVENTQ_BASE, EVTQ | 4, 8)
    # Inner/outer write-back, inner shareable tables and queues
    s.write(R_SMMU, CR1, 0xd75)
    s.write(R_SMMU, IRQ_CTRL, 0x5)
    s.write(R_SMMU, GERROR_IRQ_CFG0, MSI, 8)
    s.write(R_SMMU, GERROR_IRQ_CFG1, 0x1234)
    s.write(R_SMMU, EVENTQ_IRQ_CFG0, MSI + 0x40, 8)
    if enable:
        s.write(R_SMMU, CR0, 0xd)


def table(addr):
    return addr | 3


def s1_page(pa):
    # AF, inner shareable, AP[1] (EL0 access), AttrIndx 0, page
    return pa | (1 << 10) | (3 << 8) | (1 << 6) | 3


def s2_page(pa):
    # AF, inner shareable, S2AP read/write, MemAttr normal write-back
    return pa | (1 << 10) | (3 << 8) | (3 << 6) | (0xf << 2) | 3


def ste(config, cd=0, s2ttb=0, cdmax=0, s1fmt=0):
    """STE, IHI 0070 5.2: 39-bit IPA, 4K granule, start level 1."""
    w0 = 1 | (config << 1) | (s1fmt << 4) | cd | (cdmax << 59)
    w1 = (1 << 2) | (1 << 4) | (3 << 6)      # CIR, COR WB, CSH inner
    w2 = 0x5 | (25 << 32) | (1 << 38) | (1 << 40) | (1 << 42) | (3 << 44)
    w2 |= (5 << 48) | (1 << 51) | (1 << 58)  # S2PS 48, S2AA64, S2R
    return qwords(w0, w1, w2, s2ttb, 0, 0, 0, 0)


def cd(ttb0, asid=1):
    """CD, IHI 0070 5.4: T0SZ 25, 4K, EPD1, V, IPS 48, AA64, R, A."""
    w0 = 25 | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 30) | (1 << 31)
    w0 |= (5 << 32) | (1 << 41) | (1 << 45) | (1 << 46) | (asid << 48)
    return qwords(w0, ttb0, 0, 0xff, 0, 0, 0, 0)


def doorbell(s, op=TD_OP_READ, iova=0x1000, length=0x100, pasid=0):
    s.write(R_TD, TD_SRC, iova, 8)
    s.write(R_TD, TD_DST, iova + 0x800, 8)
    s.write(R_TD, TD_LEN, length)
    s.write(R_TD, TD_OP, op)
    s.write(R_TD, TD_PASID, pasid)
    s.write(R_TD, TD_DOORBELL, 1)
    s.read(R_TD, TD_STATUS)
    s.read(R_TD, TD_RESULT)


def s1_walk(iova_pa):
    """Level 1, 2 and 3 descriptors for a 39-bit VA mapped to iova_pa."""
    return [qwords(table(TABLES + 0x1000)), qwords(table(TABLES + 0x2000)),
            qwords(s1_page(iova_pa))]


def seed_regs():
    s = Seed()
    for off in (0x0, 0x4, 0x8, 0xc, 0x10, 0x14, 0x18, 0x1c, CR0, GBPA):
        s.read(R_SMMU, off)
    s.write(R_SMMU, GBPA, (1 << 31) | (1 << 20))
    s.read(R_SMMU, GBPA)
    smmu_setup(s)
    s.read(R_SMMU, 0x24)
    s.write(R_SMMU, CR0, 0)
    return s


def seed_stage(stage, two_level=False, op=TD_OP_READ):
    s = Seed()
    map_bar(s, TD_DEVFN, 0, TD_BAR)
    smmu_setup(s, two_level)
    blobs = []
    if two_level:
        # L1STD for StreamIDs 0-255: Span 9 (IHI 0070 5.1)
        blobs.append(qwords((STRTAB + 0x10000) | 9))
    if stage == 1:
        blobs += [ste(5, cd=TABLES + 0x8000), cd(TABLES)]
        blobs += s1_walk(DATA)
    elif stage == 2:
        blobs += [ste(6, s2ttb=TABLES)]
        blobs += [qwords(table(TABLES + 0x1000)),
                  qwords(table(TABLES + 0x2000)), qwords(s2_page(DATA))]
    else:
        # Nested with an identity stage 2 in one 1 GiB block: the CD's IPA
        # walks stage 2 once; the stage-1 tables and the output then hit
        # that block in the TLB.
        block = RAM | (1 << 10) | (3 << 8) | (3 << 6) | (0xf << 2) | 1
        blobs += [ste(7, cd=TABLES + 0x8000, s2ttb=TABLES + 0x10000),
                  qwords(block), cd(TABLES)] + s1_walk(DATA)
    blobs.append(bytes(range(64)))      # the data the device reads
    s.patterns(*blobs)
    doorbell(s, op)
    s.read(R_SMMU, EVENTQ_PROD)
    return s


def seed_fault():
    """An invalid STE, then a bad CD: events C_BAD_STE and C_BAD_CD."""
    s = Seed()
    map_bar(s, TD_DEVFN, 0, TD_BAR)
    smmu_setup(s)
    s.patterns(qwords(0))
    doorbell(s)
    s.patterns(ste(5, cd=TABLES + 0x8000), qwords(0))
    doorbell(s, TD_OP_WRITE)
    s.read(R_SMMU, EVENTQ_PROD)
    s.write(R_SMMU, EVENTQ_CONS, 2)
    return s


def cmd(opcode, w0=0, w1=0):
    return qwords(opcode | w0, w1)


def seed_cmdq():
    """The commands smmuv3-cmdq-test issues, then an illegal one."""
    s = Seed()
    smmu_setup(s)
    sid = 0x10 << 32
    cmds = [cmd(0x01, sid), cmd(0x03, sid, 1), cmd(0x04, sid, 4),
            cmd(0x05, sid | (1 << 12), 1), cmd(0x06, sid, 1),
            cmd(0x04, 0, 31),                      # CFGI_ALL
            cmd(0x10), cmd(0x11, 1 << 48), cmd(0x12, 1 << 48, 0x1000),
            cmd(0x28, 5 << 32), cmd(0x2a, 5 << 32, 0x1000 >> 12 << 12),
            cmd(0x30), cmd(0x46, 1 << 12, MSI + 0x80)]  # CMD_SYNC, IRQ
    s.patterns(*cmds)
    s.write(R_SMMU, CMDQ_PROD, len(cmds))
    s.read(R_SMMU, CMDQ_CONS)
    # An unknown opcode: CERROR_ILL and GERROR.CMDQ_ERR with its MSI
    s.patterns(cmd(0x7f))
    s.write(R_SMMU, CMDQ_PROD, len(cmds) + 1)
    s.read(R_SMMU, CMDQ_CONS)
    s.read(R_SMMU, 0x60)
    s.write(R_SMMU, GERRORN, 1)
    return s


def seed_virtio():
    """One virtio-blk read request, the SMMU bypassing StreamID 0x18."""
    s = Seed()
    # smmu-testdev's BAR too: the region indices above count on it
    map_bar(s, TD_DEVFN, 0, TD_BAR)
    map_bar(s, VIO_DEVFN, 4, VIO_BAR)
    smmu_setup(s)
    common = [(0x14, 1, 1), (0x14, 3, 1), (0x08, 1, 4), (0x0c, 3, 4),
              (0x08, 0, 4), (0x0c, 0, 4), (0x14, 0xb, 1), (0x16, 0, 2),
              (0x18, 16, 2), (0x20, DATA & 0xffffffff, 4), (0x24, 0, 4),
              (0x28, (DATA + 0x100) & 0xffffffff, 4), (0x2c, 0, 4),
              (0x30, (DATA + 0x200) & 0xffffffff, 4), (0x34, 0, 4),
              (0x1c, 1, 2), (0x14, 0xf, 1)]
    for off, val, size in common:
        s.write(R_VIO_COMMON, off, val, size)
    # STE bypass; avail idx and ring; three descriptors; request header
    s.patterns(ste(4), struct.pack("<H", 1), struct.pack("<H", 0),
               struct.pack("<QIHH", DATA + 0x400, 16, 1, 1),
               struct.pack("<QIHH", DATA + 0x600, 512, 3, 2),
               struct.pack("<QIHH", DATA + 0x800, 1, 2, 0),
               struct.pack("<IIQ", 0, 0, 0))
    s.write(R_VIO_NOTIFY, 0, 0, 2)
    s.op(OP_CLOCK_STEP)
    s.read(R_VIO_ISR, 0, 1)
    return s


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {
        "regs": seed_regs(),
        "s1-linear": seed_stage(1),
        "s1-2level": seed_stage(1, two_level=True),
        "s1-write": seed_stage(1, op=TD_OP_WRITE),
        "s2-linear": seed_stage(2),
        "nested": seed_stage(3),
        "nested-2level-copy": seed_stage(3, True, TD_OP_COPY),
        "fault": seed_fault(),
        "cmdq": seed_cmdq(),
        "virtio-blk": seed_virtio(),
    }
    for name, seed in seeds.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(seed.bytes())


if __name__ == "__main__":
    main()
