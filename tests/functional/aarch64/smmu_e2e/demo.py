# SPDX-License-Identifier: GPL-2.0-or-later
"""make demo: boot Linux on the nested SMMU and tell what it saw (part
"boot"), then let Linux's iommufd build a vIOMMU and a nested domain and
show where smmu-testdev's DMA lands (part "nested"), track the pages it
dirties (part "dirty") and use its ATC (part "ats").

    python3 -m smmu_e2e.demo QEMU [--part all|boot|nested|dirty|ats]
                             [--stage S]
                             [--kernel IMAGE] [--initrd INITRD]

--kernel boots your kernel with our initramfs; --initrd hands the console
to your initramfs.  Logs and the disk image are kept in build/demo/.
"""

import argparse
import logging
import os
import shlex
import sys
import time

from qemu.machine import QEMUMachine

from . import AssetError, debian, kernel, nesting, data_file
from .initramfs import build_initramfs
from .linux import FEAT_S1, FEAT_S2, Payloads, features_named, judge, run
from .machine import boot, qemu_args, virtio_blk, virtio_net

OUT = os.path.abspath(os.path.join('build', 'demo'))


def machine(qemu, name):
    """A QEMUMachine whose console also goes to build/demo/console-<name>."""
    log = logging.getLogger('console')
    log.setLevel(logging.DEBUG)
    for h in log.handlers[:]:
        log.removeHandler(h)
    path = os.path.join(OUT, f'console-{name}.log')
    log.addHandler(logging.FileHandler(path, mode='w'))
    return QEMUMachine(qemu, base_temp_dir=OUT, log_dir=OUT, name=name)


def demo_boot(qemu, args):
    start = time.monotonic()
    guest, notice = debian.guest()
    if notice:
        print(f'notice: {notice}')
    kern, modules, label = guest.kernel, guest.modules, guest.label
    if args.kernel:
        kern, modules = os.path.abspath(args.kernel), []
        label = f'{kern} (yours)'
    payloads = Payloads()
    if args.initrd:
        # Their initramfs runs their own userspace: hand them the console.
        disk = os.path.join(OUT, 'disk.img')
        with open(disk, 'wb') as f:
            f.write(payloads.disk)
        cmd = [qemu, *qemu_args(args.stage, kernel=kern,
                                initrd=os.path.abspath(args.initrd),
                                append='console=ttyAMA0'),
               *virtio_blk(f'file={disk},format=raw'), *virtio_net(),
               '-nographic']
        print('Booting your kernel and initramfs (quit with Ctrl-A x):')
        print(shlex.join(cmd), flush=True)
        os.execv(qemu, cmd)
    initrd = os.path.join(OUT, 'initramfs.cpio.gz')
    build_initramfs(guest.busybox, modules,
                    data_file('guest', 'guest-init.sh'), initrd)
    setup = time.monotonic() - start
    # The base's virt forces stage=nested on its own SMMU: other stages
    # get a user-created SMMU, whose stages follow -global.
    smmu = 'machine' if args.stage == 'nested' else 'device'
    print(f'Booting Linux on the emulated SMMUv3 (stage={args.stage}), '
          'virtio-blk and virtio-net behind it...', flush=True)
    b, qargs = run(machine(qemu, 'boot'), args.stage, kern, initrd, OUT,
                   payloads, smmu)
    v = judge(b, args.stage, payloads, exact=False)
    rows = [
        ('kernel', label),
        ('SMMU', v.probe or 'no probe line'),
        ('features', ' '.join(features_named(v.features)) or '-'),
        *[('device', f'{n} {bdf} -> iommu group {f.get("group")} '
                     f'({f.get("type")} domain, driver {f.get("driver")})')
          for n, bdf, f in v.devices],
        # arm_smmu_domain_finalise(): stage 1 when the SMMU has it
        ('stage', 'DMA domains translate with stage '
                  + ('1 (CD + stage-1 tables)' if v.features & FEAT_S1 else
                     '2 (STE S2 tables)' if v.features & FEAT_S2 else '-')),
        ('time', f'setup {setup:.1f} s, boot to power-off {b.elapsed:.1f} s'),
        ('result', 'everything checked out: 16 MiB disk read, 4 MiB written '
                   'back and re-read, 4 MiB down and 1 MiB up the network, '
                   'every sha256 matched, no SMMU event or GERROR'
         if v.failure is None else f'FAILED: {v.failure}'),
    ]
    print()
    for key, text in rows:
        print(f'  {key:<9} {text}')
    if v.failure and args.kernel:
        print('  hint      our initramfs loads no modules into your kernel: '
              'it needs CONFIG_ARM_SMMU_V3, CONFIG_PCI_HOST_GENERIC, '
              'CONFIG_VIRTIO_PCI, CONFIG_VIRTIO_BLK and CONFIG_VIRTIO_NET =y')
    print('\nCommand line (the e2e.* arguments drive our /init; the disk '
          f'holds a known pattern):\n{shlex.join([qemu] + qargs)}\n\n'
          'With your own kernel: make demo KERNEL=/path/to/Image '
          f'[INITRD=/path/to/initrd]\nConsole log: {OUT}/console-boot.log')
    return v.failure is None


# The level-1 parts: the guest program each runs, and what it shows.
LEVEL1 = {
    'nested': ('nested-dma', 'Linux\'s iommufd builds a vIOMMU and a '
               'nested domain on our SMMUv3'),
    'dirty': ('dirty-track', 'iommufd dirty tracking on the SMMU\'s HTTU'),
    'ats': ('ats-inval', 'PCIe ATS: the device\'s ATC and CMD_ATC_INV'),
}


def demo_level1(qemu, part):
    prog, title = LEVEL1[part]
    print(f'make demo {part}: {title}\n  QEMU {qemu}')
    start = time.monotonic()
    kern = kernel.get()
    qargs = nesting.level1(kern, debian.guest()[0].busybox, OUT, prog)
    print(f'  kernel: {kern.label} ({kern.image})')
    print(f'  setup {time.monotonic() - start:.1f} s; booting: '
          + shlex.join(qargs), flush=True)
    vm = machine(qemu, part)
    vm.add_args(*qargs)
    b = boot(vm, 120, 60)
    for line in b.reports('NEST', 'dmesg'):
        print(f'  linux: {line}')
    steps = nesting.steps(b)
    for status, step, detail in steps:
        mark = {'ok': 'PASS', 'not ok': 'FAIL', 'skip': 'SKIP'}[status]
        print(f'  {mark} level 1 {step}' + (f'\n       {detail}'
                                            if detail else ''))
    for line in b.reports('NEST', 'info'):
        print(f'  note: {line}')
    print(f'  level 1 took {b.elapsed:.1f} s; console log '
          f'{OUT}/console-{part}.log')
    return b.finished and steps and all(s[0] == 'ok' for s in steps)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument('qemu')
    ap.add_argument('--part', default='all',
                    choices=('all', 'boot', *LEVEL1))
    ap.add_argument('--kernel', help='an arm64 Image to boot instead')
    ap.add_argument('--initrd', help='your initramfs (interactive boot)')
    ap.add_argument('--stage', default='nested', choices=('1', '2',
                                                          'nested'))
    args = ap.parse_args()
    qemu = os.path.abspath(args.qemu)
    os.makedirs(OUT, exist_ok=True)
    ok = True
    try:
        if args.part in ('all', 'boot'):
            ok = demo_boot(qemu, args)
        for part in LEVEL1:
            if args.part in ('all', part):
                print()
                ok = demo_level1(qemu, part) and ok
    except AssetError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
