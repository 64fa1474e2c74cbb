/*
 * SMMUv3 programming interface: MMIO register reads and writes.
 *
 * Arm IHI 0070 chapter 6.  Registers are 32 bits wide except the base and
 * MSI address registers, which accept 64-bit accesses and 32-bit accesses
 * to either half.  Reserved bits read as zero and ignore writes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/lockable.h"
#include "smmuv3-internal.h"
#include "trace.h"

static bool smmuv3_enabled(SMMUv3State *s)
{
    return FIELD_EX32(s->cr[0], CR0, SMMUEN);
}

static bool cmdq_enabled(SMMUv3State *s)
{
    return FIELD_EX32(s->cr[0], CR0, CMDQEN);
}

static bool eventq_enabled(SMMUv3State *s)
{
    return FIELD_EX32(s->cr[0], CR0, EVENTQEN);
}

/* 6.3.9.5: the PRIQ_* registers follow the actual PRIQEN, not SMMUEN */
static bool priq_enabled(SMMUv3State *s)
{
    return FIELD_EX32(s->cr[0], CR0, PRIQEN);
}

static bool priq_irq_enabled(SMMUv3State *s)
{
    return FIELD_EX32(s->irq_ctrl, IRQ_CTRL, PRIQ_IRQEN);
}

/* ---- 64-bit registers ---- */

/* The storage of the 64-bit register whose low half is at @off, or NULL */
static uint64_t *smmuv3_reg64(SMMUv3State *s, hwaddr off)
{
    switch (off) {
    case SMMU_REG_GERROR_IRQ_CFG0:
        return &s->gerror_irq.addr;
    case SMMU_REG_STRTAB_BASE:
        return &s->strtab_base;
    case SMMU_REG_CMDQ_BASE:
        return &s->cmdq.base;
    case SMMU_REG_EVENTQ_BASE:
        return &s->eventq.base;
    case SMMU_REG_EVENTQ_IRQ_CFG0:
        return &s->eventq_irq.addr;
    /* 6.3.33-34: present only with SMMU_IDR0.PRI */
    case SMMU_REG_PRIQ_BASE:
        return s->feat.pri ? &s->priq.base : NULL;
    case SMMU_REG_PRIQ_IRQ_CFG0:
        return s->feat.pri ? &s->priq_irq.addr : NULL;
    default:
        return NULL;
    }
}

/*
 * Whether a write to the 64-bit register at @off is accepted now, and
 * which bits it may set.  IHI 0070 6.3: a table or queue base must not
 * change while the structure is in use, nor an MSI configuration while
 * its interrupt is enabled; such writes are ignored.
 */
static bool smmuv3_reg64_writable(SMMUv3State *s, hwaddr off, uint64_t *mask)
{
    switch (off) {
    case SMMU_REG_GERROR_IRQ_CFG0:
        *mask = SMMU_MSI_ADDR_MASK;
        return !FIELD_EX32(s->irq_ctrl, IRQ_CTRL, GERROR_IRQEN);
    case SMMU_REG_EVENTQ_IRQ_CFG0:
        *mask = SMMU_MSI_ADDR_MASK;
        return !FIELD_EX32(s->irq_ctrl, IRQ_CTRL, EVENTQ_IRQEN);
    case SMMU_REG_STRTAB_BASE:
        *mask = SMMU_STRTAB_BASE_WRITABLE;
        return !smmuv3_enabled(s);
    case SMMU_REG_CMDQ_BASE:
        *mask = SMMU_QBASE_WRITABLE;
        return !cmdq_enabled(s);
    case SMMU_REG_EVENTQ_BASE:
        *mask = SMMU_QBASE_WRITABLE;
        return !eventq_enabled(s);
    case SMMU_REG_PRIQ_BASE:
        *mask = SMMU_QBASE_WRITABLE;
        return !priq_enabled(s);
    case SMMU_REG_PRIQ_IRQ_CFG0:
        *mask = SMMU_MSI_ADDR_MASK;
        return !priq_irq_enabled(s);
    default:
        g_assert_not_reached();
    }
}

static void smmuv3_write_reg64(SMMUv3State *s, hwaddr off, uint64_t *reg,
                               uint64_t val, unsigned shift, unsigned size)
{
    uint64_t lane = size == 8 ? UINT64_MAX : (0xffffffffULL << shift);
    uint64_t mask;

    if (!smmuv3_reg64_writable(s, off, &mask)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: write to 0x%" HWADDR_PRIx
                      " ignored while in use\n", off);
        return;
    }
    *reg = (*reg & ~(lane & mask)) | ((val << shift) & lane & mask);
}

/* ---- 32-bit registers ---- */

static void smmuv3_write_cr0(SMMUv3State *s, uint32_t val)
{
    uint32_t old = s->cr[0];
    uint32_t mask = R_CR0_SMMUEN_MASK | R_CR0_EVENTQEN_MASK |
                    R_CR0_CMDQEN_MASK;

    /* 6.3.9: ATSCHK is RES0 without ATS, PRIQEN without PRI */
    if (s->feat.ats) {
        mask |= R_CR0_ATSCHK_MASK;
    }
    if (s->feat.pri) {
        mask |= R_CR0_PRIQEN_MASK;
    }

    /* Every enable takes effect at once: CR0ACK reads CR0 (6.3.10). */
    s->cr[0] = val & mask;

    /* ATSCHK is read per transaction, never cached (3.9.2 allows both) */
    if ((old ^ s->cr[0]) & R_CR0_SMMUEN_MASK) {
        /* Every translation changes meaning: drop what was derived. */
        smmuv3_cfg_cache_inv_all(s);
        smmuv3_notify_unmap_all(s);
        /* 6.3.9.6: SMMUEN 1 -> 0 terminates every stalled transaction */
        if (!FIELD_EX32(s->cr[0], CR0, SMMUEN)) {
            smmuv3_stall_abort_all(s);
        }
    }
    if (!(old & R_CR0_EVENTQEN_MASK) && (s->cr[0] & R_CR0_EVENTQEN_MASK)) {
        smmuv3_stall_eventq_kick(s);
    }
    if (!(old & R_CR0_CMDQEN_MASK) && cmdq_enabled(s)) {
        smmuv3_cmdq_consume(s);
    }
}

static void smmuv3_write_gerrorn(SMMUv3State *s, uint32_t val)
{
    uint32_t was_active = s->gerror ^ s->gerrorn;

    s->gerrorn = val & SMMU_GERROR_BITS;
    /* 7.1: acknowledging CMDQ_ERR lets the queue run again. */
    if ((was_active & GERROR_CMDQ_ERR) &&
        !((s->gerror ^ s->gerrorn) & GERROR_CMDQ_ERR)) {
        smmuv3_cmdq_consume(s);
    }
    /* 7.2: an acknowledged EVENTQ_ABT_ERR lets records in again */
    smmuv3_stall_eventq_kick(s);
}

/* 6.3.14: the new value applies when written with UPDATE set. */
static void smmuv3_write_gbpa(SMMUv3State *s, uint32_t val)
{
    if (!FIELD_EX32(val, GBPA, UPDATE)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: GBPA write without UPDATE ignored\n");
        return;
    }
    s->gbpa = val & SMMU_GBPA_WRITABLE;
    smmuv3_notify_unmap_all(s);
}

/* *_IRQ_CFG1 (MSI data) or *_IRQ_CFG2 (attributes), 6.3.20-21 */
static void write_irq_cfg12(SMMUv3IrqCfg *c, bool cfg1, uint32_t val)
{
    if (cfg1) {
        c->data = val;
    } else {
        c->attr = val & SMMU_MSI_CFG2_WRITABLE;
    }
}

static void smmuv3_write_reg32(SMMUv3State *s, hwaddr off, uint32_t val)
{
    switch (off) {
    case SMMU_REG_CR0:
        smmuv3_write_cr0(s, val);
        return;
    case SMMU_REG_CR1:
        s->cr[1] = val & SMMU_CR1_WRITABLE;
        return;
    case SMMU_REG_CR2:
        /* 6.3.12: E2H is RES0 without SMMU_IDR0.HYP */
        s->cr[2] = val & (R_CR2_RECINVSID_MASK | R_CR2_PTM_MASK |
                          (s->feat.hyp ? R_CR2_E2H_MASK : 0));
        return;
    case SMMU_REG_GBPA:
        smmuv3_write_gbpa(s, val);
        return;
    case SMMU_REG_IRQ_CTRL:
        /* 3.18.1: MSIs raised before an IRQ_CTRL change complete first */
        smmuv3_flush_irqs(s);
        /* 6.3.16: PRIQ_IRQEN is RES0 without PRI */
        s->irq_ctrl = val & (R_IRQ_CTRL_GERROR_IRQEN_MASK |
                             R_IRQ_CTRL_EVENTQ_IRQEN_MASK |
                             (s->feat.pri ? R_IRQ_CTRL_PRIQ_IRQEN_MASK : 0));
        return;
    case SMMU_REG_GERRORN:
        smmuv3_write_gerrorn(s, val);
        return;
    case SMMU_REG_GERROR_IRQ_CFG1:
    case SMMU_REG_GERROR_IRQ_CFG2:
        if (FIELD_EX32(s->irq_ctrl, IRQ_CTRL, GERROR_IRQEN)) {
            break;
        }
        write_irq_cfg12(&s->gerror_irq, off == SMMU_REG_GERROR_IRQ_CFG1, val);
        return;
    case SMMU_REG_EVENTQ_IRQ_CFG1:
    case SMMU_REG_EVENTQ_IRQ_CFG2:
        if (FIELD_EX32(s->irq_ctrl, IRQ_CTRL, EVENTQ_IRQEN)) {
            break;
        }
        write_irq_cfg12(&s->eventq_irq, off == SMMU_REG_EVENTQ_IRQ_CFG1, val);
        return;
    case SMMU_REG_PRIQ_IRQ_CFG1:
    case SMMU_REG_PRIQ_IRQ_CFG2:
        if (!s->feat.pri) {
            goto unimplemented;
        }
        if (priq_irq_enabled(s)) {
            break;
        }
        if (off == SMMU_REG_PRIQ_IRQ_CFG1) {
            s->priq_irq.data = val;
        } else {
            /* 6.3.36: LO, SH and MemAttr */
            s->priq_irq.attr = val & (R_PRIQ_IRQ_CFG2_LO_MASK |
                                      SMMU_MSI_CFG2_WRITABLE);
        }
        return;
    case SMMU_REG_PRIQ_PROD:
        if (!s->feat.pri) {
            goto unimplemented;
        }
        if (priq_enabled(s)) {
            break;
        }
        s->priq.prod = val & (SMMU_Q_PTR_MASK | R_EVENTQ_PROD_OVFLG_MASK);
        return;
    case SMMU_REG_PRIQ_CONS:
        if (!s->feat.pri) {
            goto unimplemented;
        }
        s->priq.cons = val & (SMMU_Q_PTR_MASK | R_EVENTQ_CONS_OVACKFLG_MASK);
        return;
    case SMMU_REG_STRTAB_BASE_CFG:
        if (smmuv3_enabled(s)) {
            break;
        }
        s->strtab_base_cfg = val & SMMU_STRTAB_CFG_WRITABLE;
        return;
    case SMMU_REG_CMDQ_PROD:
        s->cmdq.prod = val & SMMU_Q_PTR_MASK;
        smmuv3_cmdq_consume(s);
        return;
    case SMMU_REG_CMDQ_CONS:
        if (cmdq_enabled(s)) {
            break;
        }
        s->cmdq.cons = val & SMMU_Q_PTR_MASK;
        return;
    case SMMU_REG_EVENTQ_PROD:
        if (eventq_enabled(s)) {
            break;
        }
        s->eventq.prod = val & (SMMU_Q_PTR_MASK | R_EVENTQ_PROD_OVFLG_MASK);
        return;
    case SMMU_REG_EVENTQ_CONS:
        s->eventq.cons = val & (SMMU_Q_PTR_MASK |
                                R_EVENTQ_CONS_OVACKFLG_MASK);
        smmuv3_stall_eventq_kick(s);
        return;
    case SMMU_REG_IDR0 ... SMMU_REG_AIDR:
    case SMMU_REG_CR0ACK:
    case SMMU_REG_STATUSR:
    case SMMU_REG_IRQ_CTRLACK:
    case SMMU_REG_GERROR:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: write to read-only register 0x%" HWADDR_PRIx
                      "\n", off);
        return;
    default:
    unimplemented:
        /* Reserved, AGBPA (no attribute override) and absent features */
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: write to unimplemented offset 0x%" HWADDR_PRIx
                      "\n", off);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR,
                  "smmuv3: write to 0x%" HWADDR_PRIx " ignored while in use\n",
                  off);
}

static uint32_t smmuv3_read_reg32(SMMUv3State *s, hwaddr off)
{
    switch (off) {
    case SMMU_REG_IDR0 ... SMMU_REG_IDR5:
        return smmuv3_idr(&s->feat, (off - SMMU_REG_IDR0) / 4);
    case SMMU_REG_IIDR:
        return 0;
    case SMMU_REG_AIDR:
        return smmuv3_aidr(&s->feat);
    case SMMU_REG_CR0:
    case SMMU_REG_CR0ACK:
        /* Enables take effect at once (6.3.10). */
        return s->cr[0];
    case SMMU_REG_CR1:
        return s->cr[1];
    case SMMU_REG_CR2:
        return s->cr[2];
    case SMMU_REG_STATUSR:
        return 0;
    case SMMU_REG_GBPA:
        return s->gbpa;
    case SMMU_REG_IRQ_CTRL:
    case SMMU_REG_IRQ_CTRLACK:
        /* Interrupt enables also take effect immediately (6.3.17). */
        return s->irq_ctrl;
    case SMMU_REG_GERROR:
        return s->gerror;
    case SMMU_REG_GERRORN:
        return s->gerrorn;
    case SMMU_REG_GERROR_IRQ_CFG1:
        return s->gerror_irq.data;
    case SMMU_REG_GERROR_IRQ_CFG2:
        return s->gerror_irq.attr;
    case SMMU_REG_STRTAB_BASE_CFG:
        return s->strtab_base_cfg;
    case SMMU_REG_CMDQ_PROD:
        return s->cmdq.prod;
    case SMMU_REG_CMDQ_CONS:
        return s->cmdq.cons;
    case SMMU_REG_EVENTQ_IRQ_CFG1:
        return s->eventq_irq.data;
    case SMMU_REG_EVENTQ_IRQ_CFG2:
        return s->eventq_irq.attr;
    case SMMU_REG_EVENTQ_PROD:
        return s->eventq.prod;
    case SMMU_REG_EVENTQ_CONS:
        return s->eventq.cons;
    case SMMU_REG_PRIQ_IRQ_CFG1:
        return s->feat.pri ? s->priq_irq.data : 0;
    case SMMU_REG_PRIQ_IRQ_CFG2:
        return s->feat.pri ? s->priq_irq.attr : 0;
    case SMMU_REG_PRIQ_PROD:
        return s->feat.pri ? s->priq.prod : 0;
    case SMMU_REG_PRIQ_CONS:
        return s->feat.pri ? s->priq.cons : 0;
    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: read of unimplemented offset 0x%" HWADDR_PRIx
                      "\n", off);
        return 0;
    }
}

/* No Secure state: @attrs.secure accesses see the Non-secure frame. */
static MemTxResult smmuv3_mmio_read(void *dev, hwaddr off, uint64_t *data,
                                   unsigned size, MemTxAttrs attrs)
{
    SMMUv3State *s = ARM_SMMUV3(dev);
    uint64_t *reg;

    QEMU_LOCK_GUARD(&s->lock);
    reg = smmuv3_reg64(s, off & ~7ULL);
    if (reg) {
        *data = size == 8 ? *reg : extract64(*reg, (off & 4) * 8, 32);
    } else if (size == 4) {
        *data = smmuv3_read_reg32(s, off);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: 64-bit read of 32-bit register 0x%"
                      HWADDR_PRIx "\n", off);
        *data = 0;
    }
    trace_smmuv3_read(off, *data, size);
    return MEMTX_OK;
}

static MemTxResult smmuv3_mmio_write(void *dev, hwaddr off, uint64_t data,
                                    unsigned size, MemTxAttrs attrs)
{
    SMMUv3State *s = ARM_SMMUV3(dev);
    uint64_t *reg;

    trace_smmuv3_write(off, data, size);
    QEMU_LOCK_GUARD(&s->lock);
    reg = smmuv3_reg64(s, off & ~7ULL);
    if (reg) {
        smmuv3_write_reg64(s, off & ~7ULL, reg, data, (off & 4) * 8, size);
    } else if (size == 4) {
        smmuv3_write_reg32(s, off, data);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "smmuv3: 64-bit write to 32-bit register 0x%"
                      HWADDR_PRIx " ignored\n", off);
    }
    return MEMTX_OK;
}

/* 6.2: naturally aligned 32-bit accesses, and 64-bit ones where allowed */
const MemoryRegionOps smmuv3_mmio_ops = {
    .endianness = DEVICE_LITTLE_ENDIAN,
    .impl.min_access_size = 4,
    .impl.max_access_size = 8,
    .valid.min_access_size = 4,
    .valid.max_access_size = 8,
    .valid.unaligned = false,
    .write_with_attrs = smmuv3_mmio_write,
    .read_with_attrs = smmuv3_mmio_read,
};
