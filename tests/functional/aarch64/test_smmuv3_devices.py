#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Real devices behind the emulated SMMUv3, under stage 1, 2 and nested.

Debian's arm64 kernel boots with one device behind a user-created SMMU
(-device arm-smmuv3,primary-bus=pcie.0, whose stages follow -global
arm-smmuv3.stage on the base as on ours) under stage 1, 2 and nested, and
behind virt's own (-M virt,iommu=smmuv3) nested; guest/devices-init.sh
moves data of known sha256 through it:

nvme
    an NVMe controller with 4 I/O queue pairs behind a root port; Linux
    makes one queue per CPU.  The disk is read whole with O_DIRECT from
    each CPU (so every queue carries a full read, and every queue's
    interrupt fires), 4 MiB are copied with O_DIRECT, and the disk is
    read again through a dropped page cache and with O_DIRECT.
igb
    an 82576 PF on pcie.0 with a user-mode network; the guest
    enables 2 SR-IOV VFs, each with its own requester ID, hence StreamID
    (QEMU's trace shows the SMMU fetching an STE for each) and its own
    IOMMU group, then fetches a 4 MiB blob from the host's HTTP server
    through each VF in turn (igbvf) and posts it back; the PF stays up
    without an address, and must not have carried the blob.
virtio-blk on an iothread
    the disk's queues are served by -object iothread, outside the BQL;
    the same reads, copy and rereads as for NVMe.

Each test boots once (8-18 s under TCG on 2 cores, igb 26-43 s); the host
checks the SMMU's probe line and stages, the device's IOMMU group and
domain, every checksum, the image the guest wrote, and that neither the
SMMU nor the kernel complained.
"""

import os
import re

from qemu_test import QemuSystemTest

from smmu_e2e import data_file, debian, initramfs, sha256
from smmu_e2e.linux import (BLOB_SIZE, FEAT_S1, FEAT_S2, KERNEL_TROUBLE_RE,
                            PROBE_RE, SMMU_TROUBLE_RE, HttpServer, Payloads,
                            Verdict, features_named)
from smmu_e2e.machine import append, nvme_ctrl, qemu_args, virtio_blk
from smmu_e2e.testcase import SmmuTest

NVME = '0x1b36:0x0010'
IGB_PF = '0x8086:0x10c9'
IGB_VF = '0x8086:0x10ca'
VIRTIO_BLK = '0x1af4:0x1042'
NUM_VFS = 2
NVME_IOQPAIRS = 4
# A good boot takes 8-18 s, igb up to 45 s (16 MiB over slirp).
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


def pci_rows(b):
    """{bdf: (ids, {group, type, driver})} from the guest's last listing."""
    rows = {}
    for row in b.reports('E2E', 'pci'):
        bdf, ids, *rest = row.split()
        rows[bdf] = (ids, dict(f.split('=', 1) for f in rest if '=' in f))
    return rows


def keyed(b, key):
    """{first word: rest} of the guest's "E2E <key> <word> <rest>" lines."""
    out = {}
    for line in b.reports('E2E', key):
        word, _, rest = line.partition(' ')
        out.setdefault(word, rest)
    return out


class SMMUv3Devices(SmmuTest):

    payloads = Payloads()

    def run_case(self, case, stage, smmu, devices, trace=None):
        """Boot with devices behind the SMMU (smmu: its placement, as for
        machine.qemu_args) and the guest's case; returns (Boot, Verdict
        with the checks every case shares, HTTP uploads)."""
        guest, notice = debian.guest()
        self.log.info('guest kernel %s%s', guest.label,
                      f' ({notice})' if notice else '')
        initrd = self.scratch_file('initramfs.cpio.gz')
        initramfs.build_initramfs(guest.busybox,
                                  guest.modules + guest.device_modules,
                                  data_file('guest', 'devices-init.sh'),
                                  initrd)
        with HttpServer(self.payloads.blob) as server:
            args = qemu_args(stage, smmu, kernel=guest.kernel,
                             initrd=initrd,
                             append=append(case=case, port=server.port))
            if trace:
                args += ['-trace', trace]
            b = self.boot(args + devices, BOOT_TIMEOUT)
            uploads = list(server.uploads)
        self.log.info('%s stage=%s (%s): %.1f s', case, stage, smmu,
                      b.elapsed)
        return b, self.judge_common(b, stage), uploads

    def judge_common(self, b, stage):
        """The boot ended well, arm-smmu-v3 probed with exactly the stages
        asked for, and nobody complained."""
        v = Verdict()
        last = next((ln for ln in reversed(b.console) if ln.strip()), '')
        v.expect(not b.why, f'{b.why}; last console line: {last.strip()!r}')
        oops = [ln for ln in b.console if KERNEL_TROUBLE_RE.search(ln)]
        v.expect(not oops, 'the kernel reports no panic, oops, warning or '
                 f'I/O error (first: {oops[0].strip()!r})' if oops else '')
        v.expect(b.reports('E2E', 'init'), 'guest /init started')
        for line in b.reports('E2E', 'module'):
            v.expect(line.endswith(' loaded'), f'module loads: {line}')
        dmesg = b.reports('E2E', 'dmesg')
        probes = [m for m in map(PROBE_RE.search, dmesg) if m]
        if v.expect(probes, 'arm-smmu-v3 probe line'):
            v.probe = probes[0].group(0)
            v.features = int(probes[0].group(4), 16)
            want = {'1': FEAT_S1, '2': FEAT_S2, 'nested': FEAT_S1 | FEAT_S2}
            for bit in (FEAT_S1, FEAT_S2):
                seen = bool(v.features & bit)
                v.expect(seen == bool(want[stage] & bit),
                         f'Linux sees {features_named(bit)[0]} in the SMMU '
                         f'features {"only " if seen else ""}when stage='
                         f'{stage} (features {v.features:#x})')
        trouble = [d for d in dmesg if SMMU_TROUBLE_RE.search(d)]
        v.expect(not trouble, 'no SMMU event or error in dmesg'
                 + (f' (first: {trouble[0]!r})' if trouble else ''))
        return v

    def finish(self, b, v):
        """The last checks of every case, then the verdict."""
        v.expect(b.reports('E2E', 'done') == ['ok'], 'guest finished')
        v.expect(b.status == 0, f'QEMU exited 0 (status {b.status})')
        self.log.info('%s [%s]', v.probe or 'no probe line',
                      ' '.join(features_named(v.features)))
        if v.failure:
            self.fail_run(b, f'first missing: {v.failure}')

    def expect_translated(self, v, rows, bdf, name, driver):
        """bdf is in an IOMMU group with a DMA domain, bound to driver."""
        fields = rows.get(bdf, (None, {}))[1]
        v.expect(fields.get('group', 'none') != 'none',
                 f'{name} ({bdf}) joined an IOMMU group')
        v.expect(fields.get('type') in ('DMA', 'DMA-FQ'),
                 f'{name} ({bdf}) has a translated (DMA) domain, not '
                 f'{fields.get("type")}')
        v.expect(fields.get('driver') == driver,
                 f'{name} ({bdf}) is bound to {driver}, not '
                 f'{fields.get("driver")}')
        return fields.get('group')

    def find(self, v, rows, ids, name):
        """The one function with these ids, or None (a failure)."""
        bdfs = sorted(bdf for bdf, (i, _) in rows.items() if i == ids)
        v.expect(bdfs, f'{name} ({ids}) on the PCI bus')
        return bdfs[0] if bdfs else None

    def disk_file(self):
        path = self.scratch_file('disk.img')
        with open(path, 'wb') as f:
            f.write(self.payloads.disk)
        return path

    def judge_disk(self, b, v, disk, min_queues):
        """What disk_work in the guest reports, against the payloads."""
        queues = b.reports('E2E', 'disk-queues')
        v.expect(queues and int(queues[0]) >= min_queues,
                 f'the disk has at least {min_queues} blk-mq hardware '
                 f'queues (/sys/block/*/mq: {queues})')
        reads = keyed(b, 'disk-read')
        v.expect(len(reads) >= min_queues, f'the disk was read from '
                 f'{min_queues} CPUs or more ({sorted(reads)})')
        for cpu, digest in sorted(reads.items()):
            v.expect(digest == sha256(self.payloads.disk),
                     f'O_DIRECT read on {cpu}: sha256 matches the image')
        rereads = keyed(b, 'disk-reread')
        for how in ('cached', 'direct'):
            v.expect(rereads.get(how) == sha256(self.payloads.disk_after),
                     f'{how} reread after the O_DIRECT copy: sha256 '
                     'matches the image with the copy')
        with open(disk, 'rb') as f:
            v.expect(f.read() == self.payloads.disk_after,
                     'the image on the host holds what the guest wrote')

    def check_disk(self, kind, stage, smmu, args, ids, label, driver, cpus):
        """Boot with one disk device; check its group and domain, then
        every checksum (judge_disk); returns the boot and its verdict."""
        disk = self.disk_file()
        b, v, _ = self.run_case(kind, stage, smmu,
                                args(f'file={disk},format=raw'))
        rows = pci_rows(b)
        bdf = self.find(v, rows, ids, label)
        if bdf:
            self.expect_translated(v, rows, bdf, label, driver)
        self.judge_disk(b, v, disk, cpus)
        return b, v

    def check_nvme(self, stage, smmu='device'):
        self.require_device('nvme')
        b, v = self.check_disk(
            'nvme', stage, smmu,
            lambda drive: ['-device', 'pcie-root-port,id=rp0,chassis=1']
            + nvme_ctrl(drive, 'smmu0', 'nvm0',
                        f'bus=rp0,max_ioqpairs={NVME_IOQPAIRS}'),
            NVME, 'NVMe', 'nvme', 2)
        # nvme0q0 is the admin queue; each I/O queue has its own vector,
        # and a read pinned to a CPU completes on that CPU's queue.
        irqs = keyed(b, 'irq')
        io = {q: int(n) for q, n in irqs.items() if q != 'nvme0q0'}
        v.expect(len(io) >= 2, f'NVMe has 2 or more I/O queues ({irqs})')
        for q, n in sorted(io.items()):
            v.expect(n > 0, f'I/O queue {q} completed requests '
                     f'(interrupts {n})')
        self.finish(b, v)

    def check_igb(self, stage, smmu='device'):
        self.require_device('igb')
        self.require_netdev('user')
        event, trace_re = STE_TRACE[self.flavour]
        # On pcie.0, not behind a root port: there Linux 6.1 leaves the
        # port's ACS disabled (seen: capability 0x5f, control 0; on a
        # device-tree machine ACS is requested by of_iommu_configure at
        # the first driver bind, after the ports were enumerated), so the
        # port, PF and VFs share one IOMMU group.  On the root bus each
        # VF is a group of its own.
        b, v, uploads = self.run_case('igb', stage, smmu, [
            '-netdev', 'user,id=net0',
            '-device', 'igb,netdev=net0,romfile='], trace=event)
        rows = pci_rows(b)
        pf = self.find(v, rows, IGB_PF, 'igb PF')
        groups = {}
        if pf:
            groups[pf] = self.expect_translated(v, rows, pf, 'igb PF', 'igb')
        v.expect(b.reports('E2E', 'sriov')[1:2] == [f'enabled {NUM_VFS}'],
                 f'sriov_numvfs took {NUM_VFS} '
                 f'({b.reports("E2E", "sriov")})')
        vfs = keyed(b, 'vf')
        v.expect(len(vfs) == NUM_VFS, f'{NUM_VFS} virtfn links ({vfs})')
        for i, bdf in sorted(vfs.items()):
            v.expect(rows.get(bdf, ('',))[0] == IGB_VF,
                     f'VF {i} ({bdf}) is an 82576 VF ({IGB_VF})')
            groups[bdf] = self.expect_translated(v, rows, bdf, f'VF {i}',
                                                 'igbvf')
        v.expect(len(set(groups.values())) == len(groups),
                 f'the PF and each VF have their own IOMMU group ({groups})')
        sids = {stream_id(bdf) for bdf in groups}
        v.expect(len(sids) == len(groups), f'distinct StreamIDs ({sids})')
        fetched = {int(s, 16) for s in trace_re.findall(b.log)}
        for bdf in sorted(groups):
            v.expect(stream_id(bdf) in fetched,
                     f'the SMMU fetched the STE of {bdf} (StreamID '
                     f'{stream_id(bdf):#x}; {event} saw '
                     f'{sorted(hex(s) for s in fetched)})')
        gets, posts = keyed(b, 'net-get'), keyed(b, 'net-post')
        rx = {k: int(n) for k, n in keyed(b, 'rx-bytes').items()
              if n.isdigit()}
        blob = sha256(self.payloads.blob)
        for i in range(NUM_VFS):
            tag = f'vf{i}'
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
        self.finish(b, v)

    def check_blk_iothread(self, stage, smmu='device'):
        b, v = self.check_disk(
            'blk', stage, smmu,
            lambda drive: ['-object', 'iothread,id=io0']
            + virtio_blk(drive, props='iothread=io0'),
            VIRTIO_BLK, 'virtio-blk', 'virtio-pci', 1)
        self.finish(b, v)

    def test_nvme_stage1(self):
        self.check_nvme('1')

    def test_nvme_stage2(self):
        self.check_nvme('2')

    def test_nvme_nested(self):
        self.check_nvme('nested')

    def test_nvme_nested_machine(self):
        self.check_nvme('nested', 'machine')

    def test_igb_sriov_stage1(self):
        self.check_igb('1')

    def test_igb_sriov_stage2(self):
        self.check_igb('2')

    def test_igb_sriov_nested(self):
        self.check_igb('nested')

    def test_igb_sriov_nested_machine(self):
        self.check_igb('nested', 'machine')

    def test_virtio_blk_iothread_stage1(self):
        self.check_blk_iothread('1')

    def test_virtio_blk_iothread_stage2(self):
        self.check_blk_iothread('2')

    def test_virtio_blk_iothread_nested(self):
        self.check_blk_iothread('nested')

    def test_virtio_blk_iothread_nested_machine(self):
        self.check_blk_iothread('nested', 'machine')


if __name__ == '__main__':
    QemuSystemTest.main()
