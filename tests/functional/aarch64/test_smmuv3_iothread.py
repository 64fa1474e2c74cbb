#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""DMA faults raised from an iothread.

The e2e-nesting kernel boots on -M virt,iommu=smmuv3 with a virtio-blk
disk whose queues an iothread serves (iothread=io0, iommu_platform=on).
guest/iothread-fault.c binds the disk to vfio-pci, attaches it to an empty
iommufd IOAS and starts queue 0 with its rings at unmapped IOVAs: the
iothread's first ring read faults in the SMMU, which records
F_TRANSLATION and raises its event interrupt from the iothread, without
the BQL.  QEMU must stay up and Linux must log the event, with the SMMU's
wired interrupt lines (virt's device tree as is) and with its MSIs (the
device tree with msi-parent = <&its DEVID> added to the SMMU node, DEVID
being arm-smmuv3's msi-requester-id: the ITS only delivers MSIs that
carry it).  On the baseline the wired boot must abort (the base raises
the line without the BQL); it sends no SMMU MSIs.
"""

import re
import struct
import subprocess

from qemu_test import QemuSystemTest

from smmu_e2e import debian, fdt, initramfs, kernel
from smmu_e2e.machine import append, qemu_args, virtio_blk
from smmu_e2e.testcase import SmmuTest

# arm-smmuv3's msi-requester-id default (hw/arm/smmu/smmuv3.c)
SMMU_DEVID = 0xffff
BQL_ABORT = 'assertion failed: (bql_locked())'
# Linux's report of the fault: "event 0x10 received" (older) or the
# decoded "event: F_TRANSLATION client: ..." (newer)
EVENT_RE = re.compile(r'arm-smmu-v3 \S+: (event 0x10 received|'
                      r'event: F_TRANSLATION)')


class SMMUv3IOThread(SmmuTest):

    def setUp(self):
        super().setUp()
        kern = kernel.get()
        guest, _ = debian.guest()
        initrd = initramfs.program_initramfs(
            kern, guest.busybox, 'iothread-fault.c', 'iothread-init.sh',
            self.workdir)
        self.args = qemu_args(kernel=kern.image, initrd=initrd,
                              append=append(loglevel=3))
        self.args += ['-object', 'iothread,id=io0']
        self.args += virtio_blk('driver=null-co,read-zeroes=on', 'd0',
                                'iothread=io0')

    def run_guest(self, extra=()):
        b = self.boot(self.args + list(extra), timeout=150, silence=60)
        for line in b.reports('IOTF', 'irq'):
            self.log.info('/proc/interrupts %s', line)
        aborted = BQL_ABORT in b.log or any(BQL_ABORT in ln
                                             for ln in b.console)
        return b, aborted

    def check(self, b, aborted):
        if aborted:
            self.fail_run(b, f'QEMU died with {BQL_ABORT}')
        steps = b.reports('IOTF', 'ok') + b.reports('IOTF', 'not ok')
        if b.reports('IOTF', 'done') != ['0']:
            self.fail_run(b, 'the guest did not start virtio queue 0 at '
                          'unmapped IOVAs and kick it: ' + '; '.join(steps))
        if not b.finished or b.status != 0:
            self.fail_run(b, 'QEMU did not stay up while the iothread\'s '
                          f'DMA faulted: {b.why}, status {b.status}')
        events = [ln for ln in b.reports('IOTF', 'dmesg')
                  if EVENT_RE.search(ln)]
        if not events:
            self.fail_run(b, 'Linux logged no F_TRANSLATION event')
        self.log.info('%s', events[0])

    def test_wired(self):
        b, aborted = self.run_guest()
        if self.flavour == 'baseline':
            if not aborted:
                self.fail_run(b, f'the base did not abort ({BQL_ABORT}) '
                              f'when an iothread DMA faulted: {b.why}, '
                              f'status {b.status}')
            return
        self.check(b, aborted)

    def test_msi(self):
        self.skip_on_baseline('the base model sends no SMMU MSIs')
        raw = self.scratch_file('virt.dtb')
        subprocess.run([self.qemu_bin, *self.args, '-nographic',
                        '-machine', f'dumpdtb={raw}'], check=True,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=60)
        with open(raw, 'rb') as f:
            blob = f.read()
        phandle = fdt.find(blob, r'/its@', 'phandle')
        dtb = self.scratch_file('virt-smmu-msi.dtb')
        with open(dtb, 'wb') as f:
            f.write(fdt.add_prop(blob, r'/smmuv3@[0-9a-f]+$', 'msi-parent',
                                 phandle + struct.pack('>I', SMMU_DEVID)))
        self.check(*self.run_guest(['-dtb', dtb]))


if __name__ == '__main__':
    QemuSystemTest.main()
