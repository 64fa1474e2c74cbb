# SPDX-License-Identifier: GPL-2.0-or-later
"""e2e-nesting: Linux's iommufd drives nested translation on our SMMUv3.

    suite.py suite   TAP for `make check` (QEMU_BINARY, FORK_FLAVOUR,
                     CACHE_DIR, E2E_LOG_DIR)
    suite.py demo    run level 1 once and tell what happened

Level 1: our kernel (kernel.py) boots on -M virt,iommu=smmuv3 (stage
nested) with smmu-testdev; nested-dma.c, static in the initramfs, sets up
an iommufd vIOMMU and a nested hwpt from a vSTE and checks where the
device's DMA lands (see nested-dma.c).  Each of its steps is a TAP case.

Level 2 (level2.py): L1 runs QEMU with KVM and an L2 guest,
through level2.run(qemu_binary, flavour, kernel_image, cache_dir) ->
[(status, name, detail)], status 'ok' | 'not ok' | 'skip'; cache_dir is
${CACHE_DIR:-~/.cache/smmu-fork}/e2e-nesting.
"""

import argparse
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(E2E))
sys.path.insert(0, E2E)
sys.path.insert(0, HERE)
import e2e_assets  # noqa: E402
import e2e_boot  # noqa: E402
import kernel as nest_kernel  # noqa: E402
import level2  # noqa: E402

PROGRAM = os.path.join(HERE, 'nested-dma.c')
# sysfs/VFIO helpers shared with the other guest program
PCI_VFIO = os.path.join(HERE, 'pci-vfio.c')
INIT = os.path.join(HERE, 'l1-init.sh')

# nested-dma's steps in order, and what each shows.
STEPS = (
    ('find_device', 'smmu-testdev is on the PCI bus'),
    ('bind_vfio', 'bound to vfio-pci, cdev and /dev/iommu open'),
    ('bind_iommufd', 'VFIO_DEVICE_BIND_IOMMUFD'),
    ('ioas_map', 'IOAS maps the "guest memory" at its IPA range'),
    ('hwpt_nest_parent', 'stage-2 hwpt with IOMMU_HWPT_ALLOC_NEST_PARENT'),
    ('viommu_alloc', 'IOMMU_VIOMMU_ALLOC of an Arm SMMUv3 vIOMMU'),
    ('vdevice_alloc', 'vDEVICE with a virtual StreamID'),
    ('veventq_alloc', 'vEVENTQ for the vIOMMU'),
    ('hwpt_nested', 'nested hwpt from a vSTE (CD and tables at IPAs)'),
    ('attach_nested', 'device attached to the nested hwpt'),
    ('map_bar0', 'BAR0 mapped, bus mastering on'),
    ('dma_read', 'device read through stage 1 + stage 2'),
    ('dma_write', 'device write lands in stage 1\'s page, nowhere else'),
    ('stale_tlb', 'remapped leaf without invalidation: old page used'),
    ('invalidate', 'CMD_TLBI_NH_VA through IOMMU_HWPT_INVALIDATE'),
    ('dma_after_invalidate', 'after the invalidation the new page is used'),
    ('fault_dma', 'DMA to an IOVA without a stage-1 leaf is refused'),
    ('fault_event', 'F_TRANSLATION naming the virtual SID and IOVA in '
                    'the vEVENTQ'),
)
BASELINE_REFUSES = 'viommu_alloc'
BASELINE_WHY = ('the base model has no SMMU_IDR3.FWB, and Linux creates an '
                'SMMUv3 vIOMMU only on an SMMU with S2FWB (or CANWBS)')

BOOT_TIMEOUT = 120
SILENCE = 60


def log_dir(flavour):
    return level2.log_dir(flavour)


def default_qemu():
    return os.environ.get('QEMU_BINARY') or os.path.join(
        REPO, 'build', 'qemu-system-aarch64')


def build_program(kern, out, program=PROGRAM):
    """A guest program (nested-dma by default) with pci-vfio.c, static,
    against the kernel's own uapi headers."""
    cmd = [nest_kernel.CROSS + 'gcc', '-static', '-O2', '-Wall', '-Wextra',
           '-Werror', '-I', kern.headers, '-o', out, program, PCI_VFIO]
    p = subprocess.run(cmd, text=True, capture_output=True)
    if p.returncode != 0:
        name = os.path.splitext(os.path.basename(program))[0]
        raise nest_kernel.KernelError(f'building {name} failed:\n'
                                      + p.stderr)


def prepare(flavour):
    """Kernel, program, initramfs: (kernel, initrd path, notes)."""
    logs = log_dir(flavour)
    kern = nest_kernel.get()
    guest, notice = e2e_assets.fetch()      # for its busybox
    prog = os.path.join(logs, 'nested-dma')
    build_program(kern, prog)
    initrd = os.path.join(logs, 'initramfs-l1.cpio.gz')
    e2e_assets.build_initramfs(guest.busybox, [], INIT, initrd,
                               extra_files=[('nested-dma', prog, 0o755)])
    return kern, initrd, notice


def qemu_command(qemu, kern, initrd):
    return [
        qemu, '-M', 'virt,iommu=smmuv3,gic-version=3',
        '-cpu', e2e_boot.DEFAULT_CPU, '-smp', '2', '-m', '512',
        '-global', 'arm-smmuv3.stage=nested',
        '-nographic', '-nic', 'none', '-no-reboot',
        '-kernel', kern.image, '-initrd', initrd,
        '-append', 'console=ttyAMA0 rdinit=/init panic=-1 loglevel=4',
        '-device', 'smmu-testdev',
    ]


class Level1:
    def __init__(self):
        self.console = []
        self.results = {}       # step -> (status, detail)
        self.facts = []         # other NEST lines
        self.finished = False
        self.elapsed = 0.0
        self.log = None


def run_level1(qemu, kern, initrd, flavour):
    r = Level1()
    r.log = os.path.join(log_dir(flavour), 'console-level1.log')
    cmd = qemu_command(qemu, kern, initrd)
    start = time.monotonic()
    with open(r.log, 'wb') as log:
        log.write(('$ ' + ' '.join(cmd) + '\n').encode())
        r.finished, _ = e2e_boot.run_qemu(cmd, log, BOOT_TIMEOUT, SILENCE,
                                          r.console)
    r.elapsed = time.monotonic() - start
    for line in r.console:
        at = line.find('NEST ')
        if at < 0:
            continue
        words = line[at + 5:].strip()
        for status in ('ok', 'not ok', 'skip'):
            if words.startswith(status + ' '):
                step, _, detail = words[len(status) + 1:].partition(' ')
                r.results[step] = (status, detail)
                break
        else:
            r.facts.append(words)
    return r


def judge(r, flavour):
    """[(status, name, detail)] for the level-1 steps on this flavour."""
    out = []
    refused = None
    if flavour == 'baseline':
        st, detail = r.results.get(BASELINE_REFUSES, (None, ''))
        if st == 'not ok' and 'EOPNOTSUPP' in detail:
            refused = detail
    for step, what in STEPS:
        name = f'level 1 {step}: {what}'
        if step not in r.results:
            tail = r.console[-1] if r.console else '(no console output)'
            out.append(('not ok', name, 'no report from nested-dma; last '
                        f'console line: {tail!r}'))
            continue
        status, detail = r.results[step]
        if refused and step == BASELINE_REFUSES:
            out.append(('ok', f'level 1 {step}: refused on the baseline, '
                        'as expected', f'{detail}: {BASELINE_WHY}'))
        elif refused and status == 'skip':
            out.append(('skip', name, f'baseline: no vIOMMU ({detail})'))
        else:
            out.append((status, name, detail))
    return out


def tap(n, status, name, detail):
    if status == 'skip':
        print(f'ok {n} - {name} # SKIP {detail}')
        return
    print(f'{status} {n} - {name}')
    diag(detail)


def diag(text):
    for line in str(text).splitlines():
        print(f'# {line}')
    sys.stdout.flush()


def run_level2(qemu, flavour, kern):
    try:
        return list(level2.run(qemu, flavour, kern.image,
                               nest_kernel.nesting_root()))
    except Exception as e:   # noqa: BLE001 - a crash is a failure
        return [('not ok', 'level 2', f'level2.run raised {e!r}')]


def run_suite():
    flavour = os.environ.get('FORK_FLAVOUR', 'ours')
    qemu = default_qemu()
    n = 0
    start = time.monotonic()
    diag(f'flavour {flavour}, QEMU {qemu}, logs in {log_dir(flavour)}')
    name = 'kernel: Debian linux-source, our config, iommufd + SMMUv3'
    try:
        if not os.access(qemu, os.X_OK):
            raise e2e_assets.AssetError(f'no QEMU binary at {qemu}')
        kern, initrd, notice = prepare(flavour)
    except (nest_kernel.KernelError, e2e_assets.AssetError, OSError,
            subprocess.SubprocessError) as e:
        n += 1
        tap(n, 'not ok', name, str(e))
        print(f'1..{n}')
        return 0
    n += 1
    tap(n, 'ok', name, f'{kern.label}; setup '
        f'{time.monotonic() - start:.1f} s')
    if notice:
        diag(f'notice: {notice}')

    r = run_level1(qemu, kern, initrd, flavour)
    diag(f'level 1: {r.elapsed:.1f} s, console log {r.log}')
    for fact in r.facts:
        diag(fact)
    n += 1
    ended = any(f.startswith('done ') for f in r.facts)
    tap(n, 'ok' if r.finished and ended else 'not ok',
        'level 1 guest booted, ran nested-dma and powered off',
        'QEMU did not finish in time or nested-dma did not end'
        if not r.finished else '')
    for status, name, detail in judge(r, flavour):
        n += 1
        tap(n, status, name, detail)

    l2_start = time.monotonic()
    results = run_level2(qemu, flavour, kern)
    if results:
        diag(f'level 2: {time.monotonic() - l2_start:.1f} s')
    for status, name, detail in results:
        n += 1
        tap(n, status, name, detail)
    diag(f'total {time.monotonic() - start:.1f} s')
    print(f'1..{n}')
    return 0


def run_demo(qemu):
    print('make demo nested: Linux\'s iommufd builds a vIOMMU and a nested '
          'domain on our SMMUv3')
    print(f'  QEMU {qemu}')
    start = time.monotonic()
    try:
        kern, initrd, _ = prepare('demo')
    except (nest_kernel.KernelError, e2e_assets.AssetError, OSError,
            subprocess.SubprocessError) as e:
        print(f'  setup failed: {e}')
        return 1
    print(f'  kernel: {kern.label} ({kern.image})')
    print(f'  setup {time.monotonic() - start:.1f} s; booting: '
          + shlex.join(qemu_command(qemu, kern, initrd)[1:]))
    r = run_level1(qemu, kern, initrd, 'demo')
    for fact in r.facts:
        if fact.startswith('dmesg '):
            print(f'  linux: {fact[6:]}')
    bad = 0
    for status, name, detail in judge(r, 'ours'):
        mark = {'ok': 'PASS', 'not ok': 'FAIL', 'skip': 'SKIP'}[status]
        bad += status == 'not ok'
        print(f'  {mark} {name}')
        if detail:
            print(f'       {detail}')
    print(f'  level 1 took {r.elapsed:.1f} s; console log {r.log}')
    return 1 if bad or not r.finished else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=('suite', 'demo'))
    ap.add_argument('--qemu', default=None)
    args = ap.parse_args()
    if args.mode == 'suite':
        return run_suite()
    return run_demo(args.qemu or default_qemu())


if __name__ == '__main__':
    sys.exit(main())
