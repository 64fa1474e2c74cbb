#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""DMA faults raised from an iothread.

The e2e-nesting kernel boots on -M virt,iommu=smmuv3 with a virtio-blk
disk whose queues an iothread serves; guest/iothread-fault.c starts its
queue 0 at IOVAs an empty iommufd IOAS does not map, so the iothread's
first ring read faults in the SMMU, which records F_TRANSLATION and
raises its event interrupt from the iothread, without the BQL.  QEMU must
stay up, and Linux must log the event and count the interrupt, through
the SMMU's wired line (its=off) and through an ITS MSI (ours: virt's
msi-parent).  On the baseline the wired boot must abort (the base raises
the line without the BQL).  smmu_e2e/README.rst has the details.
"""

import re

from qemu_test import QemuSystemTest

from smmu_e2e import debian, initramfs, kernel
from smmu_e2e.linux import keyed
from smmu_e2e.machine import append, qemu_args, virtio_blk
from smmu_e2e.testcase import SmmuTest

BQL_ABORT = 'assertion failed: (bql_locked())'
# Linux's report of the fault: "event 0x10 received" (older) or the
# decoded "event: F_TRANSLATION client: ..." (newer)
EVENT_RE = re.compile(r'arm-smmu-v3 \S+: (event 0x10 received|'
                      r'event: F_TRANSLATION)')
EVTQ = 'arm-smmu-v3-evtq'


class SMMUv3IOThread(SmmuTest):

    def run_guest(self, machine, extra=''):
        kern = kernel.get()
        guest, _ = debian.guest()
        initrd = initramfs.program_initramfs(
            kern, guest.busybox, 'iothread-fault.c', 'iothread-init.sh',
            self.workdir)
        args = qemu_args(kernel=kern.image, initrd=initrd, machine=machine,
                         append=append(extra, loglevel=3))
        args += ['-object', 'iothread,id=io0']
        args += virtio_blk('driver=null-co,read-zeroes=on', 'd0',
                           'iothread=io0')
        b = self.boot(args, timeout=150, silence=60)
        aborted = BQL_ABORT in b.log or any(BQL_ABORT in ln
                                             for ln in b.console)
        return b, aborted

    def check(self, b, aborted, msi):
        """msi: the event interrupt must be an ITS MSI, else a wired SPI."""
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
        count, _, chip = (keyed(b, 'irq', 'IOTF').get(EVTQ) or
                          '0 none').partition(' ')
        self.log.info('%s: %s interrupts through %s', EVTQ, count, chip)
        if chip.startswith('ITS') != msi or int(count) < 1:
            self.fail_run(b, f'{EVTQ} fired through '
                          f'{"an ITS MSI" if msi else "a wired line"}: '
                          f'{count} interrupts through {chip}')

    def test_wired(self):
        # Without an ITS, MSIs are not isolated: iommufd then refuses to
        # attach a device unless told not to care.
        b, aborted = self.run_guest('its=off',
                                    'iommufd.allow_unsafe_interrupts=1')
        if self.flavour == 'baseline':
            if not aborted:
                self.fail_run(b, f'the base did not abort ({BQL_ABORT}) '
                              f'when an iothread DMA faulted: {b.why}, '
                              f'status {b.status}')
            return
        self.check(b, aborted, msi=False)

    def test_msi(self):
        self.skip_on_baseline('the base model sends no SMMU MSIs, and its '
                              'virt gives the SMMU no msi-parent')
        self.check(*self.run_guest(''), msi=True)


if __name__ == '__main__':
    QemuSystemTest.main()
