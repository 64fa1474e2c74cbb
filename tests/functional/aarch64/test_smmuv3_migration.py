#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Migration of a Linux guest doing disk I/O through the nested SMMU.

Debian's kernel boots on -M virt,iommu=smmuv3 (stage nested) with a
virtio-blk disk of known content; guest/migrate-init.sh writes a block and
reads the whole disk in rounds.  After a few rounds the machine migrates
(precopy, over a unix socket) to a second QEMU while the rounds go on;
the destination must finish them.  Every round's checksum must be the one
the host computes for the disk after that round's write, on both sides,
with no round lost or repeated; the image must hold every write; and
Linux must log no SMMU event or error.  And level 1 of the nesting suite
migrates with its nested domain up (test_level1_nested).
"""

import tempfile
import time

from qemu_test import QemuSystemTest

from smmu_e2e import debian, kernel, nesting, pattern, sha256
from smmu_e2e.linux import SMMU_TROUBLE_RE
from smmu_e2e.machine import append, boot, drain, qemu_args, virtio_blk
from smmu_e2e.testcase import SmmuTest

DISK_SIZE = 8 << 20
BLOCK = 64 << 10
ROUNDS = 40
MIGRATE_AFTER = 3           # rounds on the source before migrating
MIN_ROUNDS_AFTER = 3        # rounds the destination must run
HOLD = 10                   # seconds nested-dma keeps its nested domain


def round_block(i):
    """What round i writes (migrate-init.sh's `yes "round i" | head`)."""
    line = f'round {i}\n'.encode()
    return (line * (BLOCK // len(line) + 1))[:BLOCK]


def disk_after(i, content):
    """The disk once rounds 1..i wrote their blocks."""
    disk = bytearray(content)
    for r in range(1, i + 1):
        at = (64 + r) * BLOCK
        disk[at:at + BLOCK] = round_block(r)
    return bytes(disk)


class SMMUv3Migration(SmmuTest):

    def test_nested_disk(self):
        guest, initrd = self.debian_guest('migrate-init.sh')
        content = pattern(0x319, DISK_SIZE)
        disk = self.scratch_file('disk.img')
        with open(disk, 'wb') as f:
            f.write(content)
        args = qemu_args('nested', kernel=guest.kernel, initrd=initrd,
                         append=append(rounds=ROUNDS))
        args += virtio_blk(f'file={disk},format=raw,cache=none')
        src = self.boot(args, timeout=300, silence=90,
                        until=lambda ln: f'E2E round {MIGRATE_AFTER} ' in ln)
        if not src.reports('E2E', 'round'):
            self.fail_run(src, 'the guest ran no round before migrating')

        # A short path: sun_path holds 108 bytes, the scratch dir is longer
        with tempfile.TemporaryDirectory(prefix='smmu-mig-') as tmp:
            uri = f'unix:{tmp}/sock'
            dest = self.get_vm(name='dest')
            dest.add_args(*args, '-incoming', uri)
            dst = boot(dest, 300, 90, after_launch=lambda: self.migrate(uri))
        # What the source printed between `until` and its stop
        drain(self.vm, src)
        self.vm.shutdown()

        rounds = src.reports('E2E', 'round') + dst.reports('E2E', 'round')
        on_dest = len(dst.reports('E2E', 'round'))
        self.log.info('%d rounds on the source, %d on the destination, '
                      'migration %s', len(rounds) - on_dest, on_dest,
                      self.migration)
        if not dst.finished or dst.status != 0:
            self.fail_run(dst, f'the destination did not finish: {dst.why}')
        self.assertGreaterEqual(on_dest, MIN_ROUNDS_AFTER,
                                'rounds run on the destination')
        self.assertEqual([int(r.split()[0]) for r in rounds],
                         list(range(1, ROUNDS + 1)),
                         'every round once, in order, across the migration')
        for r in rounds:
            i, got = int(r.split()[0]), r.split()[1]
            self.assertEqual(got, sha256(disk_after(i, content)),
                             f'the disk read back in round {i}')
        with open(disk, 'rb') as f:
            self.assertEqual(f.read(), disk_after(ROUNDS, content),
                             'the image holds every round\'s write')
        trouble = [ln for ln in src.console + dst.console
                   if SMMU_TROUBLE_RE.search(ln)]
        self.assertEqual(trouble, [], 'Linux logged SMMU trouble')

    def test_level1_nested(self):
        """An L1 whose iommufd holds a vIOMMU and a nested hwpt (stage 1
        from its vSTE over a stage-2 nest parent) migrates while the
        nested domain is up; on the destination smmu-testdev's DMA must
        still go where stage 1 then stage 2 put it."""
        self.skip_on_baseline('Linux refuses the vIOMMU on the base model '
                              '(no SMMU_IDR3.FWB)')
        args = nesting.level1(kernel.get(), debian.guest()[0].busybox,
                              self.workdir, hold=HOLD)
        src = self.boot(args, timeout=150, silence=90,
                        until=lambda ln: 'NEST ok fault_event' in ln)
        with tempfile.TemporaryDirectory(prefix='smmu-mig-') as tmp:
            uri = f'unix:{tmp}/sock'
            dest = self.get_vm(name='dest')
            dest.add_args(*args, '-incoming', uri)
            dst = boot(dest, 150, HOLD + 60,
                       after_launch=lambda: self.migrate(uri))
        drain(self.vm, src)
        self.vm.shutdown()
        self.log.info('migration %s', self.migration)
        steps = nesting.steps(src) + nesting.steps(dst)
        failed = [st for st in steps if st[0] != 'ok']
        self.assertEqual(failed, [], 'every nested-dma step passed')
        self.assertIn('after_hold', [st[1] for st in nesting.steps(dst)],
                      'the destination ran the DMA after the migration')
        self.assertEqual(dst.reports('NEST', 'done'),
                         [f'{len(steps)} 0 0'])

    def migrate(self, uri):
        """Migrate self.vm to uri and wait until it completed."""
        self.vm.cmd('migrate', uri=uri)
        status = self.wait_migration()
        if status != 'completed':
            self.fail(f'migration ended {status}')

    def wait_migration(self, timeout=240):
        """The migration's final status; self.migration describes it."""
        self.migration = 'not finished'
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            info = self.vm.cmd('query-migrate')
            if info.get('status') in ('completed', 'failed', 'cancelled'):
                ram = info.get('ram', {})
                self.migration = (f"{info['status']} in "
                                  f"{info.get('total-time', 0)} ms, "
                                  f"{ram.get('transferred', 0) >> 20} MiB, "
                                  f"downtime {info.get('downtime', 0)} ms")
                return info['status']
            time.sleep(0.2)
        return 'timed out'


if __name__ == '__main__':
    QemuSystemTest.main()
