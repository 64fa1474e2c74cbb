# SPDX-License-Identifier: GPL-2.0-or-later
"""The base class of the fork's functional tests."""

from qemu_test import QemuSystemTest

from . import data_file, debian, initramfs
from .machine import boot, flavour


class SmmuTest(QemuSystemTest):
    """A QemuSystemTest that knows which build it tests (self.flavour:
    'ours' or 'baseline') and boots guests that power off by themselves."""

    def setUp(self):
        super().setUp()
        self.flavour = flavour(self.qemu_bin)
        self.log.info('flavour %s (%s)', self.flavour, self.qemu_bin)

    def skip_on_baseline(self, reason):
        """What the base's model cannot pass is skipped there, with why."""
        if self.flavour == 'baseline':
            self.skipTest(f'baseline: {reason}')

    def debian_guest(self, init, devices=False):
        """(Guest, initramfs path): Debian's kernel with guest/<init> as
        /init, the virtio modules and, with devices, the NVMe and igb
        drivers."""
        guest, notice = debian.guest()
        self.log.info('guest kernel %s%s', guest.label,
                      f' ({notice})' if notice else '')
        initrd = self.scratch_file('initramfs.cpio.gz')
        initramfs.build_initramfs(
            guest.busybox,
            guest.modules + (guest.device_modules if devices else []),
            data_file('guest', init), initrd)
        return guest, initrd

    def boot(self, args, timeout=90, silence=45, until=None):
        """self.vm with args, run by machine.boot()."""
        self.vm.add_args(*args)
        return boot(self.vm, timeout, silence, until)

    def fail_run(self, b, what):
        """Fail naming what was missing, with the console's tail."""
        self.fail(f'{what}\nconsole tail:\n{b.tail()}\n'
                  f'console log: {self.console_log_name}')
