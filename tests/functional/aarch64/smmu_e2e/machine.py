# SPDX-License-Identifier: GPL-2.0-or-later
"""The QEMU command line of every e2e test, and one boot of it.

qemu_args() builds the machine part (virt, the SMMU's placement and
stages, CPU, memory, kernel); the endpoints behind the SMMU come from
virtio_blk(), virtio_net(), nvme_ctrl() or the test's own -device.
QEMUMachine adds the console, QMP and -display none; boot() launches it
and collects the console until the guest powers off (-no-reboot makes
QEMU exit then).
"""

import functools
import logging
import os
import socket
import subprocess
import time

# pauth-impdef: the architected QARMA5 costs TCG far more than it tests.
CPU = 'max,pauth-impdef=on'
SMMU_ID = 'smmu0'
# What the virtio devices behind the SMMU need: modern-only, so their DMA
# goes through the IOMMU (VIRTIO_F_ACCESS_PLATFORM).
VIRTIO_BEHIND_SMMU = 'iommu_platform=on,disable-legacy=on'


def append(extra='', loglevel=4, **params):
    """The kernel command line with e2e.NAME=VALUE for the guest's /init."""
    words = [f'console=ttyAMA0 rdinit=/init panic=-1 loglevel={loglevel}']
    words += [f'e2e.{k}={v}' for k, v in params.items()]
    return ' '.join(words + ([extra] if extra else []))


APPEND = append()


def qemu_args(stage=None, smmu='machine', cpu=CPU, smp=2, mem=512,
              virtualization=False, kernel=None, initrd=None, append=APPEND,
              machine=''):
    """-M virt with an SMMUv3 in front of pcie.0, and the guest to boot.

    smmu: 'machine' (virt's own, -M virt,iommu=smmuv3), 'device' (a
    user-created one, -device arm-smmuv3,primary-bus=pcie.0,id=smmu0) or
    None.  stage: -global arm-smmuv3.stage=<stage> when given.  The base's
    virt forces stage=nested on its own SMMU after the globals apply, so
    single-stage runs on the baseline need smmu='device'.  machine: more
    -M options (e.g. its=off).
    """
    opts = ['virt,gic-version=3', machine,
            virtualization and 'virtualization=on',
            smmu == 'machine' and 'iommu=smmuv3']
    args = ['-M', ','.join(filter(None, opts)), '-cpu', cpu, '-smp',
            str(smp), '-m', str(mem), '-nic', 'none', '-no-reboot']
    if stage:
        args += ['-global', f'arm-smmuv3.stage={stage}']
    if smmu == 'device':
        args += ['-device', f'arm-smmuv3,primary-bus=pcie.0,id={SMMU_ID}']
    if kernel:
        args += ['-kernel', kernel, '-append', append]
    if initrd:
        args += ['-initrd', initrd]
    return args


def virtio_blk(drive, name='disk0', props=''):
    """A virtio-blk-pci behind the SMMU; drive: -drive options after id."""
    return ['-drive', f'if=none,id={name},{drive}',
            '-device', f'virtio-blk-pci,drive={name},{VIRTIO_BEHIND_SMMU}'
                       + (f',{props}' if props else '')]


def nvme_ctrl(drive, serial, name='nvme0', props=''):
    """QEMU's NVMe controller (-device nvme) behind the SMMU with one
    namespace on a -drive; drive: its options after id."""
    return ['-drive', f'if=none,id={name},{drive}',
            '-device', f'nvme,serial={serial},drive={name}'
                       + (f',{props}' if props else '')]


def virtio_net(netdev='user', name='net0'):
    """A virtio-net-pci behind the SMMU on a user-mode (slirp) backend."""
    return ['-netdev', f'{netdev},id={name}',
            '-device', f'virtio-net-pci,netdev={name},{VIRTIO_BEHIND_SMMU},'
                       'romfile=']


class Boot:
    """One boot: console lines, how it ended, QEMU's own output."""

    def __init__(self):
        self.console = []
        self.finished = False   # QEMU exited by itself in time
        self.status = None      # its exit status (negative: a signal)
        self.elapsed = 0.0
        self.log = ''
        self.why = ''           # why it did not finish

    def reports(self, tag, key):
        """Values of the guest's "<tag> <key> <value...>" lines, in order."""
        out = []
        for line in self.console:
            at = line.find(f'{tag} {key}')
            rest = line[at + len(tag) + len(key) + 1:] if at >= 0 else None
            if rest is not None and (not rest or rest[0] == ' '):
                out.append(rest.strip())
        return out

    def tail(self, n=12):
        return '\n'.join('  ' + ln for ln in self.console[-n:])


def boot(vm, timeout, silence, until=None, after_launch=None):
    """Launch vm and read its console until QEMU exits, `until` matches a
    line (then QEMU keeps running), timeout seconds pass or the console
    stays silent for silence seconds (a hung guest: QEMU is killed).
    after_launch() runs once QEMU is up, before the console is read (an
    incoming migration's source is told to go there)."""
    b = Boot()
    console_log = logging.getLogger('console')
    vm.set_console()
    start = time.monotonic()
    vm.launch()
    try:
        if after_launch:
            after_launch()
        for raw in _lines(vm, start + timeout, silence, b):
            line = raw.decode(errors='replace').rstrip('\r\n')
            console_log.debug(line)
            b.console.append(line)
            if until and until(line):
                b.elapsed = time.monotonic() - start
                return b
        if not b.why:
            vm.wait(timeout=max(1, int(start + timeout - time.monotonic())))
            b.finished = True
    except Exception as e:      # noqa: BLE001 - a stuck exit is a failure
        b.why = f'QEMU did not exit after the console closed: {e!r}'
    vm.shutdown(hard=True)      # nothing left to do when QEMU has exited
    b.elapsed = time.monotonic() - start
    b.status = vm.exitcode()
    b.log = vm.get_log() or ''
    return b


def drain(vm, b, silence=2):
    """Add to b what vm's console still says within silence seconds (a
    boot() left early by `until`, once its guest has stopped)."""
    for raw in _lines(vm, time.monotonic() + silence, silence, b):
        b.console.append(raw.decode(errors='replace').rstrip('\r\n'))
    b.why = ''


def _lines(vm, deadline, silence, b):
    """Console lines as bytes; b.why says why they stopped early."""
    sock = vm.console_socket
    stream = vm.console_file
    while True:
        left = deadline - time.monotonic()
        sock.settimeout(max(0.1, min(silence, left)))
        try:
            raw = stream.readline()
        except (socket.timeout, OSError):
            b.why = ('QEMU did not power off in time' if left <= silence
                     else f'the console fell silent for {silence} s')
            return
        if not raw:
            return
        yield raw


@functools.cache
def flavour(qemu_binary):
    """'ours' or 'baseline': the lead's builds set pkgversion, which
    --version prints; FORK_FLAVOUR, else 'ours', for a binary that says
    neither."""
    version = subprocess.run([qemu_binary, '--version'], capture_output=True,
                             text=True, timeout=60, check=True).stdout
    if 'SMMUv3 nesting fork' in version:
        return 'ours'
    if 'unmodified base' in version:
        return 'baseline'
    return os.environ.get('FORK_FLAVOUR', 'ours')
