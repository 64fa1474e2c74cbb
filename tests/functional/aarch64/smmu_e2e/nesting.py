# SPDX-License-Identifier: GPL-2.0-or-later
"""iommufd nesting on our SMMUv3, two levels (test_smmuv3_nesting.py).

Level 1: our kernel (smmu_e2e.kernel) boots on -M virt,iommu=smmuv3
(stage nested) with smmu-testdev; guest/nested-dma.c, static in the
initramfs, sets up an iommufd vIOMMU and a nested hwpt from a vSTE and
checks where the device's DMA lands, one "NEST ok|not ok|skip <step>"
line per step and "NEST done <passed> <failed> <skipped>" last.
level1_nvme() assigns QEMU's NVMe controller instead: guest/nvme-nest.c
drives it through the nested domain (queues, Identify, PRP reads, a
write) and reports the same way.

Level 2: L0 (the build under test, virtualization=on) holds a virtio-blk
disk of known content behind its nested SMMU; L1 (our kernel,
guest/l1-level2-init.sh) binds it to vfio-pci and runs Debian's QEMU with
KVM and an accelerated vSMMU (-device arm-smmuv3,accel=on over iommufd);
L2 (Debian's kernel, guest/l2-init.sh) reads the disk and prints its
sha256.  Every DMA of the disk is then translated by our model with stage
1 from L2's tables and stage 2 from L1's; L0's trace shows both.
"""

import os
import re

from . import data_file, pattern, sha256
from .debian import NET_MODULES
from .initramfs import Cpio, build_initramfs, program_initramfs
from .machine import CPU, append, nvme_ctrl, qemu_args, virtio_blk

MiB = 1 << 20

# What the baseline refuses, and why: Linux's arm_smmu_get_viommu_size()
# answers EOPNOTSUPP on an SMMU without S2FWB (or CANWBS).
BASELINE_REFUSES = 'viommu_alloc'
BASELINE_WHY = ('the base model has no SMMU_IDR3.FWB, and Linux creates an '
                'SMMUv3 vIOMMU only on an SMMU with S2FWB (or CANWBS)')


def level1(kernel, busybox, workdir, prog='nested-dma', hold=0):
    """The QEMU arguments of level 1 running guest/<prog>.c with
    smmu-testdev (its initramfs built in workdir); hold: nested-dma's
    e2e.hold seconds."""
    initrd = program_initramfs(kernel, busybox, f'{prog}.c', 'l1-init.sh',
                               workdir)
    return qemu_args('nested', 'machine', kernel=kernel.image, initrd=initrd,
                     append=append(prog=prog, hold=hold)) + [
                         '-device', 'smmu-testdev']


# ---- level 1 dirty tracking (guest/dirty-track.c) ----

# Where the baseline stops: without SMMU_IDR0.HTTU Linux has no
# ARM_SMMU_FEAT_HD and refuses a dirty-tracking hwpt.
DIRTY_BASELINE_REFUSES = 'hwpt_dirty'
DIRTY_BASELINE_WHY = ('the base model has no SMMU_IDR0.HTTU, so Linux '
                      'offers no dirty tracking (IOMMU_HW_CAP_DIRTY_TRACKING)')
# Linux's ARM_SMMU_FEAT_HA and _HD (linux.LINUX_SMMU_FEATURES).
FEAT_HA, FEAT_HD = 1 << 21, 1 << 22
# The nesting kernel's probe line ("oas 48-bit (features 0x...)").
FEATURES_RE = re.compile(r'arm-smmu-v3 \S+: .*\(features (0x[0-9a-f]+)\)')


# ---- level 1 ATS (guest/ats-inval.c) ----

# The baseline: Linux finds no SMMU_IDR0.ATS (nor "ats-supported") and
# leaves ATS off on the device.
ATS_BASELINE_REFUSES = 'ats_enabled'
ATS_BASELINE_WHY = ('the base model has no SMMU_IDR0.ATS, so Linux does not '
                    'enable ATS on smmu-testdev')


# ---- level 1 PRI (guest/pri-req.c) ----

PRI_BASELINE_REFUSES = 'page_request'
PRI_BASELINE_WHY = ('the base model has no PRI queue (SMMU_IDR0.PRI 0), so '
                    'smmu-testdev cannot send a Page Request')
PRI_IOVA = 0x50000000       # pri-req.c's FAULT_IOVA


# ---- level 1 I/O page faults (guest/iopf.c) ----

# Without stalls (SMMU_IDR0.STALL_MODEL 0b01) a fault ends the DMA at
# once: nothing stalls and no fault reaches the program's queue.
IOPF_BASELINE_REFUSES = 'stall'
IOPF_BASELINE_WHY = ('the base model cannot stall (SMMU_IDR0.STALL_MODEL '
                     '0b01), so a fault aborts the DMA instead of reaching '
                     'user space')
# Linux 7.2 allocates the SMMU's IOPF queue only with ARM_SMMU_FEAT_SVA,
# which it refuses for 52-bit VAs with 4 KiB pages (LPA2); with stalls
# forced it then oopses attaching a fault-capable domain (a NULL queue in
# arm_smmu_enable_iopf()).  48-bit VAs keep SVA, and the queue.
IOPF_CPU = CPU + ',lpa2=off'
# Linux's ARM_SMMU_FEAT_STALLS and _STALL_FORCE
FEAT_STALLS_FORCED = 1 << 11 | 1 << 13


def smmu_features(b):
    """The feature word Linux printed for the SMMU (l1-init.sh's dmesg)."""
    for line in b.console:
        m = FEATURES_RE.search(line)
        if m:
            return int(m.group(1), 16)
    return None


# nested-dma.c's IOVA (IPA_BASE + OFF_D), whose leaf stale_tlb rewrites
NESTED_DMA_IOVA = 0x10020000


# ---- level 1 SVA (guest/sva-dma.c, kdriver/smmu-testdev-sva.c) ----

# -cpu max without FEAT_LPA2: with 4 KiB pages and LPA2 Linux 7.2 runs
# 52-bit VAs, for which arm_smmu_sva_supported() refuses SVA outright ("We
# don't support LPA2"); without it Linux runs 48-bit VAs while PARange stays
# 52 bits (FEAT_LPA), so SVA needs an SMMU with OAS 52.
SVA_CPU = CPU + ',lpa2=off'
FEAT_SVA = 1 << 17          # Linux's ARM_SMMU_FEAT_SVA
# The base model has no SubstreamIDs (IDR1.SSIDSIZE 0; and a 44-bit OAS):
# the device gets one PASID, 0, and iommu_alloc_global_pasid() none.
SVA_BASELINE_REFUSES = 'sva_bind'
SVA_BASELINE_WHY = ('the base model has no SubstreamIDs (and a 44-bit OAS): '
                    'Linux has no PASID to give, nor SVA to offer')
SVA_TRACE_EVENTS = ('smmuv3_cd', 'smmu_walk_desc')
# Without ARM_SMMU_FEAT_SVA Linux allocates the PASID, then
# arm_smmu_sva_domain_alloc() refuses the domain.
SVA_REFUSED_ERRNO = 'EOPNOTSUPP'


def level1_sva(kernel, busybox, workdir, oas=None, trace=None, stall=None):
    """The QEMU arguments of level 1 running guest/sva-dma.c.  oas: an
    SMMU OAS below the CPU's PARange, with which Linux must refuse SVA
    (sva-dma then expects the bind to fail); trace: a file for
    SVA_TRACE_EVENTS; stall: the SMMU's stall property, with which
    sva-dma adds its I/O page fault step."""
    initrd = program_initramfs(kernel, busybox, 'sva-dma.c', 'l1-init.sh',
                               workdir)
    params = ({'expect': 'refused'} if oas else
              {'expect': 'iopf'} if stall else {})
    args = qemu_args('nested', 'machine', cpu=SVA_CPU, kernel=kernel.image,
                     initrd=initrd, append=append(prog='sva-dma', **params))
    if oas:
        args += ['-global', f'arm-smmuv3.oas={oas}']
    if stall:
        args += ['-global', f'arm-smmuv3.stall={stall}']
    if trace:
        args += ['-D', trace]
        for ev in SVA_TRACE_EVENTS:
            args += ['-trace', ev]
    return args + ['-device', 'smmu-testdev']


def sva_trace(path, pasid):
    """From the trace of an SVA run: [(sid, CD address, ASID)] of every CD
    fetched at index pasid, and the addresses of the stage-1 descriptors
    read at the walks' start level (the entries of the pgd)."""
    cds, walks = [], []
    for line in _read(path):
        m = re.search(r'smmuv3_cd sid 0x([0-9a-f]+) CD (\d+) @0x([0-9a-f]+)'
                      r' asid (\d+)', line)
        if m and int(m.group(2)) == pasid:
            cd = (int(m.group(1), 16), int(m.group(3), 16), int(m.group(4)))
            if cd not in cds:
                cds.append(cd)
            continue
        m = re.search(r'smmu_walk_desc stage 1 level (\d+) input 0x[0-9a-f]+ '
                      r'desc@0x([0-9a-f]+)', line)
        if m:
            walks.append((int(m.group(1)), int(m.group(2), 16)))
    start = min((lv for lv, _ in walks), default=None)
    return cds, sorted({a for lv, a in walks if lv == start})


# ---- level 1 with an NVMe controller (guest/nvme-nest.c) ----

NVME_SERIAL = 'SMMU-NEST-NVME'          # nvme-nest.c's SERIAL
NVME_LBS = 512
NVME_DISK_SIZE = 2048 * NVME_LBS        # nvme-nest.c's DISK_BLOCKS
# nvme-nest.c's reads, (first LBA, blocks) by the command-line key that
# carries their expected sha256; its write (first LBA, blocks, LCG seed).
NVME_READS = {'read1': (3, 8), 'read2': (100, 40)}
NVME_WRITE = (1000, 2, 0x5eed)


def nvme_disk_content():
    return pattern(0x4e56, NVME_DISK_SIZE)


def nvme_written():
    """The bytes nvme-nest.c writes (its LCG, as nested-dma's pattern())."""
    _, blocks, seed = NVME_WRITE
    out = bytearray()
    for _ in range(blocks * NVME_LBS):
        seed = (seed * 1103515245 + 12345) & 0xffffffff
        out.append((seed >> 16) & 0xff)
    return bytes(out)


def level1_nvme(kernel, busybox, workdir, stage='nested'):
    """The QEMU arguments of level 1 with an NVMe controller, and the path
    of its disk image (written in workdir, checked by nvme_disk_check())."""
    disk = os.path.join(workdir, 'nvme.img')
    content = nvme_disk_content()
    with open(disk, 'wb') as f:
        f.write(content)
    shas = {key: sha256(content[lba * NVME_LBS:(lba + n) * NVME_LBS])
            for key, (lba, n) in NVME_READS.items()}
    initrd = program_initramfs(kernel, busybox, 'nvme-nest.c',
                               'l1-init.sh', workdir)
    return (qemu_args(stage, 'machine', kernel=kernel.image, initrd=initrd,
                      append=append(prog='nvme-nest', **shas))
            + nvme_ctrl(f'file={disk},format=raw', NVME_SERIAL)), disk


def nvme_disk_check(disk):
    """(ok, detail): the image holds nvme_written() at the write's blocks
    and its original bytes everywhere else."""
    with open(disk, 'rb') as f:
        got = f.read()
    lba, blocks, _ = NVME_WRITE
    at, end = lba * NVME_LBS, (lba + blocks) * NVME_LBS
    want = nvme_disk_content()
    want = want[:at] + nvme_written() + want[end:]
    if got == want:
        return True, (f'LBA {lba}-{lba + blocks - 1} hold the written '
                      f'bytes (sha256 {sha256(got[at:end])}), the rest '
                      'is unchanged')
    first = next((i for i in range(min(len(got), len(want)))
                  if got[i] != want[i]), min(len(got), len(want)))
    return False, (f'disk image differs from the expected at byte {first} '
                   f'(LBA {first // NVME_LBS}); size {len(got)}')


def steps(b):
    """The level-1 program's steps in order: [(status, step, detail)]."""
    out = []
    for line in b.console:
        m = re.search(r'NEST (ok|not ok|skip) (\S+) ?(.*)', line)
        if m:
            out.append(m.groups())
    return out


# ---- level 2 ----

# The passed-through disk: a modern-only virtio-blk at a fixed slot of
# L0's pcie.0, so its StreamID (the requester ID, IHI 0070 3.4.1) is known.
DISK_SLOT = 2
DISK_SID = DISK_SLOT << 3
DISK_SIZE = 8 * MiB
L0_MEM = 2048
L2_MEM = 256
# Where virt puts RAM: L2's CD and tables are IPAs in this window.
L2_RAM = range(0x40000000, 0x40000000 + L2_MEM * MiB)
# MSIs: the doorbell page the device writes lies in this window, where
# virt has its GIC (distributor, ITS) and Linux's arm-smmu-v3 its software
# MSI window (MSI_IOVA_BASE, 1 MiB).
L2_MSI = range(0x08000000, 0x08100000)
# Our model's trace events (hw/arm/smmu/trace-events) that show how the
# disk's DMA was translated; the baseline has other names, so it gets none.
TRACE_EVENTS = ('smmuv3_ste', 'smmuv3_cd', 'smmu_walk_desc',
                'smmuv3_xlate_ok', 'smmuv3_xlate_fault', 'smmuv3_event')
# What L1's QEMU says when it gives up (warnings are left out).
QEMU_ERROR_RE = re.compile(r'qemu-system-aarch64: (?!.*warning:)')
# How L1 refuses the vIOMMU when the SMMU lacks S2FWB (the baseline).
VIOMMU_REFUSED_RE = re.compile(r'IOMMU_VIOMMU_ALLOC failed: '
                               r'Operation not supported')


def disk_content():
    return pattern(0x12e5, DISK_SIZE)


def level2(kernel, l1, guest, workdir, trace=None):
    """The QEMU arguments of L0 (the initramfs of L1 and L2 and the disk
    made in workdir); trace: a file for TRACE_EVENTS."""
    l2_initrd = os.path.join(workdir, 'l2-initrd.gz')
    # L2 has no network; Debian's kernel has the SMMU driver built in.
    build_initramfs(guest.busybox, [m for m in guest.modules
                                    if m[0] not in NET_MODULES],
                    data_file('guest', 'l2-init.sh'), l2_initrd)
    # Uncompressed (nothing to inflate under TCG): Debian's QEMU tree, our
    # init and busybox, L2's kernel and initramfs.  /lib is usr/lib, where
    # Debian's binaries find their loader.
    c = Cpio()
    c.tree(os.path.join(l1.root, 'usr'), 'usr')
    c.symlink('lib', 'usr/lib')
    c.base(data_file('guest', 'l1-level2-init.sh'), guest.busybox,
           lib_dir='usr/lib')
    c.directory('l2')
    c.copy('l2/Image', guest.kernel)
    c.copy('l2/initrd.gz', l2_initrd)
    l1_initrd = os.path.join(workdir, 'l1-initrd.cpio')
    with open(l1_initrd, 'wb') as f:
        f.write(c.finish())
    disk = os.path.join(workdir, 'disk.img')
    with open(disk, 'wb') as f:
        f.write(disk_content())
    args = qemu_args('nested', 'machine', mem=L0_MEM, virtualization=True,
                     kernel=kernel.image, initrd=l1_initrd,
                     append=append(bdf=f'0000:00:{DISK_SLOT:02x}.0',
                                   l2mem=L2_MEM))
    args += virtio_blk(f'file={disk},format=raw,readonly=on',
                       props=f'addr={DISK_SLOT:#x}')
    if trace:
        args += ['-D', trace]
        for ev in TRACE_EVENTS:
            args += ['-trace', ev]
    return args


def level2_failure(b, trace):
    """Why L2 printed no checksum, from what every level said."""
    l1 = [f'{k}={v[-1]}' for k in ('init', 'driver', 'vfio', 'qemu',
                                    'qemu-exit', 'done')
          for v in [b.reports('E2E-L1', k)] if v]
    l2 = [f'{k}={v[-1]}' for k in ('init', 'domain', 'done')
          for v in [b.reports('E2E-L2', k)] if v]
    errors = [ln.strip() for ln in b.console
              if QEMU_ERROR_RE.search(ln) and 'Cannot reset' not in ln]
    events = {}
    for line in _read(trace):
        m = re.search(r'smmuv3_event event 0x([0-9a-f]+) sid 0x([0-9a-f]+) ',
                      line)
        if m and int(m.group(2), 16) == DISK_SID:
            events[m.group(1)] = events.get(m.group(1), 0) + 1
    return (f'{b.why or "L2 printed no checksum"} after {b.elapsed:.0f} s; '
            f'L1: {", ".join(l1) or "nothing"}; '
            f'L2: {", ".join(l2) or "nothing"}; '
            f'L1 QEMU: {" / ".join(errors[:3]) or "no error"}; L0 SMMU '
            'events for the disk: '
            + (', '.join(f'0x{t} x{n}' for t, n in sorted(events.items()))
               or 'none'))


def _read(path):
    try:
        with open(path, errors='replace') as f:
            yield from f
    except (OSError, TypeError):
        return


class TraceFacts:
    """What L0's trace says about the disk's StreamID once its STE was
    nested (Config 0b111, IHI 0070 5.2): walks by stage, translations."""

    def __init__(self, path, sid=DISK_SID):
        self.configs = []           # every Config the disk's STE had
        self.walks = {1: 0, 2: 0}   # walk steps after the nested STE
        self.xlates = self.faults = 0
        self.cds = []               # (CD address, ASID) fetched when nested
        self.s2_inputs = set()      # IPAs stage 2 translated when nested
        nested = False
        for line in _read(path):
            m = re.search(r'smmuv3_ste sid 0x([0-9a-f]+) STE@0x[0-9a-f]+ '
                          r'Config (\d+)', line)
            if m:
                if int(m.group(1), 16) == sid:
                    config = int(m.group(2))
                    if self.configs[-1:] != [config]:
                        self.configs.append(config)
                    nested = config == 7
                continue
            if not nested:
                continue
            m = re.search(r'smmuv3_cd sid 0x([0-9a-f]+) CD \d+ @0x([0-9a-f]+)'
                          r' asid (\d+)', line)
            if m and int(m.group(1), 16) == sid:
                cd = (int(m.group(2), 16), int(m.group(3)))
                if cd not in self.cds:
                    self.cds.append(cd)
            m = re.search(r'smmu_walk_desc stage (\d+) level \d+ input '
                          r'0x([0-9a-f]+) ', line)
            if m:
                self.walks[int(m.group(1))] += 1
                if m.group(1) == '2':
                    self.s2_inputs.add(int(m.group(2), 16))
            m = re.search(r'smmuv3_xlate_(ok|fault) sid 0x([0-9a-f]+) ', line)
            if m and int(m.group(2), 16) == sid:
                if m.group(1) == 'ok':
                    self.xlates += 1
                else:
                    self.faults += 1

    def check(self):
        """(ok, detail).  The CD pointer of a nested STE, stage 1's table
        pointers and its output are IPAs of L2 (IHI 0070 5.2 S1ContextPtr,
        3.3.2), so everything stage 2 translated lies in L2's RAM as L1's
        QEMU laid it out, or is the MSI doorbell."""
        stray = sorted(a for a in self.s2_inputs
                       if a not in L2_RAM and a not in L2_MSI)
        msi = sum(1 for a in self.s2_inputs if a in L2_MSI)
        cds = ', '.join(f'{a:#x} (ASID {asid})' for a, asid in self.cds[:3])
        detail = (f'sid {DISK_SID:#x} Configs {self.configs}, after '
                  f'nesting: CD at {cds or "none"}, {self.walks[1]} stage-1 '
                  f'and {self.walks[2]} stage-2 walk steps over '
                  f'{len(self.s2_inputs)} IPAs ({msi} in the MSI window, '
                  f'{len(stray)} elsewhere'
                  f'{": " + hex(stray[0]) if stray else ""}), {self.xlates} '
                  f'translations, {self.faults} faults')
        ok = (7 in self.configs and self.cds
              and all(a in L2_RAM for a, _ in self.cds)
              and self.walks[1] > 0 and self.walks[2] > 0 and not stray
              and self.xlates > 0)
        return bool(ok), detail
