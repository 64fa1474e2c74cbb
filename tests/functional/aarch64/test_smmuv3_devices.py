#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Real devices behind the emulated SMMUv3, under stage 1, 2 and nested.

Debian's arm64 kernel boots once per test with an NVMe controller (4 I/O
queue pairs, behind a root port), a virtio-blk disk served by an iothread
and an igb PF with 2 SR-IOV VFs behind a user-created SMMU (-device
arm-smmuv3,primary-bus=pcie.0) under stage 1, 2 and nested, and behind
virt's own (-M virt,iommu=smmuv3) nested.  guest/devices-init.sh reads,
copies and rereads both disks from each CPU and moves a blob down and up
through each VF; the host checks the SMMU's probe line, stages and
interrupts, that every function has its own IOMMU group with a DMA
domain, its own StreamID and an STE the SMMU fetched, every checksum, the
images the guest wrote, and that neither the SMMU nor the kernel
complained.  smmu_e2e/README.rst has the details.
"""

import os
import re

from qemu_test import QemuSystemTest

from smmu_e2e import sha256
from smmu_e2e.linux import (BLOB_SIZE, HttpServer, Payloads, features_named,
                            judge_boot, judge_end, keyed, pci_rows)
from smmu_e2e.machine import append, nvme_ctrl, qemu_args, virtio_blk
from smmu_e2e.testcase import SmmuTest

NVME = '0x1b36:0x0010'
IGB_PF = '0x8086:0x10c9'
IGB_VF = '0x8086:0x10ca'
VIRTIO_BLK = '0x1af4:0x1042'
NUM_VFS = 2
NVME_IOQPAIRS = 4
# A good boot takes about 30 s (igb's VFs and slirp the most).
BOOT_TIMEOUT = int(os.environ.get('E2E_BOOT_TIMEOUT', '150'))

# The trace event that shows the SMMU fetching a StreamID's STE: ours,
# and the base's (its config cache misses, one per STE fetch).
STE_TRACE = {
    'ours': ('smmuv3_ste', re.compile(r'smmuv3_ste sid (0x[0-9a-f]+)')),
    'baseline': ('smmuv3_config_cache_miss',
                 re.compile(r'smmuv3_config_cache_miss .*sid=(0x[0-9a-f]+)')),
}


def stream_id(bdf):
    """virt maps requester IDs to StreamIDs one to one (iommu-map)."""
    bus, devfn = bdf.split(':')[1:]
    dev, fn = devfn.split('.')
    return int(bus, 16) << 8 | int(dev, 16) << 3 | int(fn, 16)


class SMMUv3Devices(SmmuTest):

    payloads = Payloads()

    def check(self, stage, smmu='device'):
        """One boot with every device behind the SMMU; every check."""
        self.require_device('nvme')
        self.require_device('igb')
        self.require_netdev('user')
        guest, initrd = self.debian_guest('devices-init.sh', devices=True)
        disks = {}
        for name in ('nvme', 'blk'):
            disks[name] = self.scratch_file(f'{name}.img')
            with open(disks[name], 'wb') as f:
                f.write(self.payloads.disk)
        event, trace_re = STE_TRACE[self.flavour]
        # igb on pcie.0, not behind a root port: there Linux 6.1 leaves
        # the port's ACS disabled (seen: capability 0x5f, control 0; on a
        # device-tree machine ACS is requested by of_iommu_configure at
        # the first driver bind, after the ports were enumerated), so the
        # port, PF and VFs would share one IOMMU group.  On the root bus
        # each VF is a group of its own.
        devices = (['-device', 'pcie-root-port,id=rp0,chassis=1']
                   + nvme_ctrl(f'file={disks["nvme"]},format=raw', 'smmu0',
                               'nvm0', f'bus=rp0,max_ioqpairs={NVME_IOQPAIRS}')
                   + ['-object', 'iothread,id=io0']
                   + virtio_blk(f'file={disks["blk"]},format=raw',
                                props='iothread=io0')
                   + ['-netdev', 'user,id=net0',
                      '-device', 'igb,netdev=net0,romfile=',
                      '-trace', event])
        with HttpServer(self.payloads.blob) as server:
            b = self.boot(qemu_args(stage, smmu, kernel=guest.kernel,
                                    initrd=initrd,
                                    append=append(port=server.port))
                          + devices, BOOT_TIMEOUT, silence=60)
            uploads = list(server.uploads)
        self.log.info('stage=%s (%s): %.1f s', stage, smmu, b.elapsed)
        v = judge_boot(b, stage, msi=self.flavour == 'ours')
        rows = pci_rows(b)
        groups = {}     # bdf: IOMMU group, for every function
        for ids, name, driver, disk, image, queues in (
                (NVME, 'NVMe', 'nvme', 'nvme0n1', disks['nvme'], 2),
                (VIRTIO_BLK, 'virtio-blk', 'virtio-pci', 'vda', disks['blk'],
                 1)):
            bdf = v.find(rows, ids, name)
            if bdf:
                groups[bdf] = v.translated(rows, bdf, name, driver)
            self.judge_disk(b, v, disk, image, queues)
        # nvme0q0 is the admin queue; each I/O queue has its own vector,
        # and a read pinned to a CPU completes on that CPU's queue.
        irqs = keyed(b, 'irq')
        io = {q: int(n.split()[0]) for q, n in irqs.items()
              if q.startswith('nvme0q') and q != 'nvme0q0'}
        v.expect(len(io) >= 2, f'NVMe has 2 or more I/O queues ({irqs})')
        for q, n in sorted(io.items()):
            v.expect(n > 0, f'I/O queue {q} completed requests '
                     f'(interrupts {n})')
        self.judge_igb(b, v, rows, groups, uploads)
        v.expect(len(set(groups.values())) == len(groups),
                 f'each function has its own IOMMU group ({groups})')
        sids = {stream_id(bdf) for bdf in groups}
        v.expect(len(sids) == len(groups), f'distinct StreamIDs ({sids})')
        fetched = {int(s, 16) for s in trace_re.findall(b.log)}
        for bdf in sorted(groups):
            v.expect(stream_id(bdf) in fetched,
                     f'the SMMU fetched the STE of {bdf} (StreamID '
                     f'{stream_id(bdf):#x}; {event} saw '
                     f'{sorted(hex(s) for s in fetched)})')
        judge_end(b, v)
        self.log.info('%s [%s]', v.probe or 'no probe line',
                      ' '.join(features_named(v.features)))
        if v.failure:
            self.fail_run(b, f'first missing: {v.failure}')

    def judge_disk(self, b, v, disk, image, min_queues):
        """What disk_work in the guest reports, against the payloads."""
        queues = b.reports('E2E', f'{disk} queues')
        v.expect(queues and int(queues[0]) >= min_queues,
                 f'{disk} has at least {min_queues} blk-mq hardware '
                 f'queues (/sys/block/*/mq: {queues})')
        reads = keyed(b, f'{disk} read')
        v.expect(len(reads) >= min_queues, f'{disk} was read from '
                 f'{min_queues} CPUs or more ({sorted(reads)})')
        for cpu, digest in sorted(reads.items()):
            v.expect(digest == sha256(self.payloads.disk),
                     f'{disk}: O_DIRECT read on {cpu}: sha256 matches the '
                     'image')
        rereads = keyed(b, f'{disk} reread')
        for how in ('cached', 'direct'):
            v.expect(rereads.get(how) == sha256(self.payloads.disk_after),
                     f'{disk}: {how} reread after the O_DIRECT copy: sha256 '
                     'matches the image with the copy')
        with open(image, 'rb') as f:
            v.expect(f.read() == self.payloads.disk_after,
                     f'the image of {disk} on the host holds what the guest '
                     'wrote')

    def judge_igb(self, b, v, rows, groups, uploads):
        """The PF, its VFs and the blob each VF moved."""
        pf = v.find(rows, IGB_PF, 'igb PF')
        if pf:
            groups[pf] = v.translated(rows, pf, 'igb PF', 'igb')
        v.expect(b.reports('E2E', 'sriov')[1:2] == [f'enabled {NUM_VFS}'],
                 f'sriov_numvfs took {NUM_VFS} '
                 f'({b.reports("E2E", "sriov")})')
        vfs = keyed(b, 'vf')
        v.expect(len(vfs) == NUM_VFS, f'{NUM_VFS} virtfn links ({vfs})')
        for i, bdf in sorted(vfs.items()):
            v.expect(rows.get(bdf, ('',))[0] == IGB_VF,
                     f'VF {i} ({bdf}) is an 82576 VF ({IGB_VF})')
            groups[bdf] = v.translated(rows, bdf, f'VF {i}', 'igbvf')
        gets, posts = keyed(b, 'net-get'), keyed(b, 'net-post')
        rx = {k: int(n) for k, n in keyed(b, 'rx-bytes').items()
              if n.isdigit()}
        blob = sha256(self.payloads.blob)
        for tag in (f'vf{i}' for i in range(NUM_VFS)):
            v.expect(gets.get(tag) == blob, f'{tag} fetched the blob intact '
                     f'(igbvf rx; {gets.get(tag)})')
            v.expect(posts.get(tag) == blob, f'{tag} posted it back intact '
                     f'(igbvf tx; the server saw {posts.get(tag)})')
            v.expect(rx.get(tag, 0) >= BLOB_SIZE, f'{tag} received the '
                     f'blob itself ({rx.get(tag)} bytes)')
        v.expect(uploads.count(blob) == NUM_VFS, f'the host received '
                 f'{NUM_VFS} intact uploads ({len(uploads)} uploads)')
        v.expect(rx.get('pf', BLOB_SIZE) < BLOB_SIZE, 'the PF did not '
                 f'carry the blob ({rx.get("pf")} bytes received)')

    def test_stage1(self):
        self.check('1')

    def test_stage2(self):
        self.check('2')

    def test_nested(self):
        self.check('nested')

    def test_nested_machine(self):
        self.check('nested', 'machine')


if __name__ == '__main__':
    QemuSystemTest.main()
