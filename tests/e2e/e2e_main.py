# SPDX-License-Identifier: GPL-2.0-or-later
"""Real Linux on the emulated SMMUv3: the e2e suite (TAP) and `make demo`.

    e2e_main.py suite     TAP for `make check` (QEMU_BINARY, FORK_FLAVOUR)
    e2e_main.py demo      boot once with the nested SMMU, print a summary
"""

import argparse
import os
import shlex
import signal
import sys
import time

import e2e_assets
import e2e_boot

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
INIT = os.path.join(HERE, 'guest-init.sh')

# (placement, stage, exact): every stage on a user-created SMMU, whose
# stages follow -global arm-smmuv3.stage; then virt's own SMMU nested.
# The base's virt forces stage=nested on its own SMMU whatever -global
# says, so only nested is checked there.
# (placement, stage, exact stages, -cpu, oas Linux must report, why the
# base's model cannot pass the run: skipped on the baseline)
VIRT_FORCES_NESTED = 'base: virt forces stage=nested over -global stage'
SUITE_RUNS = (
    ('device', '1', True, None, None, None),
    ('device', '2', True, None, None, None),
    ('device', 'nested', True, None, None, None),
    ('machine', 'nested', False, None, None, None),
    ('machine', '1', True, None, None, VIRT_FORCES_NESTED),
    ('machine', '2', True, None, None, VIRT_FORCES_NESTED),
    # virt gives the SMMU the CPU's PA size: 48 bits for Neoverse-N1
    ('machine', 'nested', True, 'neoverse-n1', 48,
     'base: the SMMU has 44-bit OAS whatever the CPU'),
)

PLACEMENT_LABEL = {
    'device': '-device arm-smmuv3',
    'machine': '-M virt,iommu=smmuv3',
}


def boot_timeout():
    """Seconds for one boot; a good one takes 12-20 s on 2 idle cores."""
    return int(os.environ.get('E2E_BOOT_TIMEOUT', '90'))


def default_qemu():
    return os.environ.get('QEMU_BINARY') or os.path.join(
        REPO, 'build', 'qemu-system-aarch64')


def diag(text):
    for line in str(text).splitlines():
        print(f'# {line}')
    sys.stdout.flush()


def describe_probe(v):
    if not v.probe:
        return 'no arm-smmu-v3 probe line'
    return f'{v.probe} [{" ".join(e2e_boot.features_named(v.features))}]'


def run_suite():
    flavour = os.environ.get('FORK_FLAVOUR', 'ours')
    qemu = default_qemu()
    logs = os.environ.get('E2E_LOG_DIR') or os.path.join(
        REPO, 'build', 'e2e-logs', flavour)
    os.makedirs(logs, exist_ok=True)
    print(f'1..{1 + len(SUITE_RUNS)}')
    diag(f'flavour {flavour}, QEMU {qemu}, logs in {logs}')

    start = time.monotonic()
    guest = None
    try:
        if not os.access(qemu, os.X_OK):
            raise e2e_assets.AssetError(f'no QEMU binary at {qemu}')
        guest, notice = e2e_assets.fetch()
        if notice:
            diag(f'notice: {notice}')
        initrd = os.path.join(logs, 'initramfs.cpio.gz')
        e2e_assets.build_initramfs(guest.busybox, guest.modules, INIT,
                                   initrd)
        diag(f'guest kernel {guest.label}; setup '
             f'{time.monotonic() - start:.1f} s')
        print('ok 1 - guest: Debian arm64 kernel, busybox, initramfs')
    except (e2e_assets.AssetError, OSError) as e:
        diag(str(e))
        print('not ok 1 - guest: Debian arm64 kernel, busybox, initramfs')

    payloads = e2e_boot.Payloads()
    for n, (placement, stage, exact, cpu, oas, base_bug) in \
            enumerate(SUITE_RUNS, 2):
        name = (f'stage={stage} {PLACEMENT_LABEL[placement]}'
                f'{" -cpu " + cpu if cpu else ""}: Linux probes '
                'the SMMU, devices in groups, blk and net data intact')
        if base_bug and flavour == 'baseline':
            print(f'ok {n} - {name} # SKIP {base_bug}')
            continue
        if guest is None:
            print(f'not ok {n} - {name}')
            diag('no guest to boot')
            continue
        run = e2e_boot.boot(qemu, stage, guest.kernel, initrd, logs,
                            payloads, boot_timeout(), placement,
                            cpu=cpu or e2e_boot.DEFAULT_CPU)
        v = e2e_boot.judge(run, stage, payloads, exact, oas)
        diag(f'stage={stage} ({placement}): {describe_probe(v)}; '
             f'{run.elapsed:.1f} s')
        if v.failure is None:
            print(f'ok {n} - {name}')
            continue
        print(f'not ok {n} - {name}')
        diag(f'first missing: {v.failure}')
        diag('console tail:')
        diag('\n'.join('  ' + ln for ln in run.console[-12:]))
        diag(f'console log: {logs}/console-{placement}-stage{stage}*.log')
    diag(f'total {time.monotonic() - start:.1f} s')
    return 0


def _dma_stage(features):
    """Which stage arm-smmu-v3 gives a DMA domain: stage 1 when the SMMU
    has it (arm_smmu_domain_finalise), else stage 2."""
    if features & e2e_boot.FEAT_S1:
        return 'DMA domains translate with stage 1 (CD + stage-1 tables)'
    if features & e2e_boot.FEAT_S2:
        return 'DMA domains translate with stage 2 (STE S2 tables)'
    return '-'


def summary(guest_label, run, v, setup_s):
    groups = [f'{name} {bdf} -> iommu group {f.get("group")} '
              f'({f.get("type")} domain, driver {f.get("driver")})'
              for name, bdf, f in v.devices]
    iommu = [d.split('iommu: ', 1)[1] for d in run.reports('dmesg')
             if 'iommu: ' in d]
    rows = [
        ('kernel', guest_label),
        ('iommu', '; '.join(iommu) or '-'),
        ('SMMU', v.probe or 'no probe line'),
        ('features', ' '.join(e2e_boot.features_named(v.features)) or '-'),
        ('devices', '\n'.join(groups) or 'none in an IOMMU group'),
        ('stage', _dma_stage(v.features)),
        ('data', '\n'.join(v.facts) if v.failure is None
         else 'not all verified (see result)'),
        ('time', f'setup {setup_s:.1f} s, boot to power-off '
                 f'{run.elapsed:.1f} s'),
        ('result', 'everything checked out: sha256 of every transfer '
                   'matched, no SMMU event or GERROR'
         if v.failure is None else f'FAILED: {v.failure}'),
    ]
    for key, text in rows:
        lines = text.splitlines() or ['']
        print(f'  {key:<9} {lines[0]}')
        for more in lines[1:]:
            print(f'  {"":<9} {more}')


def run_demo(args):
    qemu = os.path.abspath(args.qemu or default_qemu())
    outdir = os.path.join(REPO, 'build', 'demo')
    os.makedirs(outdir, exist_ok=True)
    start = time.monotonic()
    if args.kernel:
        kernel = os.path.abspath(args.kernel)
        modules = []
        label = f'{kernel} (yours)'
        busybox = None
    else:
        guest, notice = e2e_assets.fetch()
        if notice:
            print(f'notice: {notice}')
        kernel, modules, label = guest.kernel, guest.modules, guest.label
        busybox = guest.busybox
    if args.initrd:
        initrd = os.path.abspath(args.initrd)
    else:
        if busybox is None:
            guest, _ = e2e_assets.fetch()
            busybox = guest.busybox
        initrd = os.path.join(outdir, 'initramfs.cpio.gz')
        e2e_assets.build_initramfs(busybox, modules, INIT, initrd)
    setup_s = time.monotonic() - start

    payloads = e2e_boot.Payloads()
    if args.initrd:
        # Their initramfs runs their own userspace: hand them the console.
        disk = os.path.join(outdir, 'disk.img')
        with open(disk, 'wb') as f:
            f.write(payloads.disk)
        cmd = e2e_boot.qemu_command(qemu, args.stage, kernel, initrd, disk,
                                    'console=ttyAMA0')
        print('Booting your kernel and initramfs (quit with Ctrl-A x):')
        print(shlex.join(cmd))
        sys.stdout.flush()
        os.execv(qemu, cmd)

    # virt's own SMMU is nested in the base whatever -global says: other
    # stages get a user-created SMMU, whose stages follow it.
    placement = 'machine' if args.stage == 'nested' else 'device'
    print(f'Booting Linux on the emulated SMMUv3 (stage={args.stage}), '
          'virtio-blk and virtio-net behind it...')
    sys.stdout.flush()
    run = e2e_boot.boot(qemu, args.stage, kernel, initrd, outdir, payloads,
                        boot_timeout(), placement, keep_disk=True)
    v = e2e_boot.judge(run, args.stage, payloads, exact=False)
    print()
    summary(label, run, v, setup_s)
    if v.failure and args.kernel:
        print('  hint      our initramfs loads no modules into your kernel: '
              'it needs CONFIG_ARM_SMMU_V3,\n'
              '            CONFIG_PCI_HOST_GENERIC, CONFIG_VIRTIO_PCI, '
              'CONFIG_VIRTIO_BLK and CONFIG_VIRTIO_NET =y')
    print()
    print('Command line (the e2e.* arguments drive our /init; the disk '
          'holds a known pattern):')
    print(shlex.join(run.command))
    print()
    print('With your own kernel: make demo KERNEL=/path/to/Image '
          '[INITRD=/path/to/initrd]')
    print(f'Console log: {outdir}/console-{placement}-stage{args.stage}.log')
    return 0 if v.failure is None else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest='mode', required=True)
    sub.add_parser('suite')
    demo = sub.add_parser('demo')
    demo.add_argument('--qemu')
    demo.add_argument('--kernel', help='an arm64 Image to boot instead')
    demo.add_argument('--initrd', help='your initramfs (interactive boot)')
    demo.add_argument('--stage', default='nested', choices=('1', '2',
                                                            'nested'))
    args = ap.parse_args()
    # Turn SIGTERM into an exit that runs the clean-up (QEMU is stopped in
    # e2e_boot.boot's finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    try:
        if args.mode == 'suite':
            return run_suite()
        return run_demo(args)
    except e2e_assets.AssetError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
