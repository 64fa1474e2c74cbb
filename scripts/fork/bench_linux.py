# SPDX-License-Identifier: GPL-2.0-or-later
"""Workload 5 of make bench: a Linux guest reads its virtio-blk disk.

Debian's arm64 kernel (the e2e suite's guest) boots with a 256 MiB
virtio-blk disk and reads all of it five times with O_DIRECT; the guest's
clock around each read gives MB/s, and a boot's figure is their median.
The same read runs with no IOMMU, behind an SMMU whose STEs Linux sets to
bypass (iommu.passthrough=1), and behind a translating SMMU (Linux's DMA
domain, stage 1 of a nested-capable SMMU), strict and lazy
(iommu.strict=0), on our build and the baseline.  For ours the SMMU's
TLB counters are read over QMP after the read, and perf samples QEMU for
the model's share of its CPU time.
"""

import os
import signal
import statistics
import subprocess
import tempfile

from qemu.machine import QEMUMachine

from smmu_e2e import debian
from smmu_e2e.initramfs import build_initramfs
from smmu_e2e.machine import SMMU_ID, append, boot, qemu_args, virtio_blk

HERE = os.path.dirname(os.path.abspath(__file__))

MiB = 1 << 20
# BENCH_PERF=0 skips the perf sampling of our build's SMMU boots
PERF = os.environ.get('BENCH_PERF', '1') != '0'
DISK_MIB = 256
BOOT_TIMEOUT = 300
INIT = os.path.join(HERE, 'bench-guest-init.sh')

# (label, SMMU in front of the disk, kernel arguments)
TRANSLATED = 'SMMU, translated'
CONFIGS = (
    ('no IOMMU', False, ''),
    ('SMMU, STE bypass', True, 'iommu.passthrough=1'),
    (TRANSLATED, True, 'iommu.passthrough=0'),
    # Issue #19: lazy invalidation (batched TLBIs, IOVAs reused later),
    # which separates Linux's strict-mode unmap cost from the model's
    ('SMMU, translated, lazy', True, 'iommu.passthrough=0 iommu.strict=0'),
    # ... and 4 MiB reads into transparent huge pages (Linux still maps
    # 4 KiB IOMMU pages: virtio-blk's segments are at most 64 KiB)
    ('SMMU, lazy, huge pages', True, 'iommu.passthrough=0 iommu.strict=0 '
     'transparent_hugepage=always e2e.bs=4'),
)

# Our model's functions, for its share of QEMU's CPU time (perf)
MODEL_SYMBOLS = ('smmu_', 'smmuv3_')


def _perf_start(pid, out):
    """perf record of QEMU's threads, or None where perf cannot."""
    try:
        return subprocess.Popen(['perf', 'record', '-q', '-F', '499',
                                 '-p', str(pid), '-o', out],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _perf_share(proc, out):
    """Stop perf; the model's share of the samples, in percent."""
    if proc is None:
        return None
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
        rep = subprocess.run(['perf', 'report', '-i', out, '--stdio',
                              '--no-children', '--sort', 'sym', '-q'],
                             capture_output=True, text=True, timeout=300)
    except (subprocess.TimeoutExpired, OSError):
        proc.kill()
        return None
    share = 0.0
    for line in rep.stdout.splitlines():
        # "  1.23%  [.] smmu_tlb_lookup"
        parts = line.split()
        if len(parts) >= 3 and parts[0].endswith('%') and \
                parts[-1].startswith(MODEL_SYMBOLS):
            share += float(parts[0][:-1])
    return share if rep.returncode == 0 else None


def _disk(workdir):
    """A 256 MiB image of non-zero data, made once."""
    path = os.path.join(workdir, f'disk-{DISK_MIB}M.img')
    if os.path.exists(path) and os.path.getsize(path) == DISK_MIB * MiB:
        return path
    chunk = bytes((i * 131 + 7) & 0xff for i in range(MiB))
    with open(path + '.tmp', 'wb') as f:
        for _ in range(DISK_MIB):
            f.write(chunk)
    os.replace(path + '.tmp', path)
    return path


def _warm(path):
    """Host page cache: the guest's read then measures emulation, not the
    host's disk."""
    with open(path, 'rb') as f:
        while f.read(16 * MiB):
            pass


def boot_once(qemu, ours, config, kernel, initrd, disk, workdir):
    """One boot; returns {'mb_s': ..., 'hits': ..., 'misses': ...}."""
    label, smmu, extra = config
    args = qemu_args('nested' if smmu else None, 'device' if smmu else None,
                     kernel=kernel, initrd=initrd,
                     append=append(extra, loglevel=3))
    args += virtio_blk(f'file={disk},format=raw')
    perf_out = os.path.join(workdir, 'perf.data')
    with QEMUMachine(qemu, args=args, base_temp_dir=workdir,
                     log_dir=workdir) as vm:
        perf = []

        def sample():
            # The model's share of the whole boot and read, ours only
            if ours and smmu and PERF:
                perf.append(_perf_start(vm.get_pid(), perf_out))

        # The guest's reads are silent: only the whole boot is bounded.
        b = boot(vm, BOOT_TIMEOUT, BOOT_TIMEOUT,
                 until=lambda ln: ln.startswith(('BENCH waiting',
                                                 'BENCH error')),
                 after_launch=sample)
        share = _perf_share(perf[0] if perf else None, perf_out)
        speeds = []
        for line in b.reports('BENCH', 'read'):
            mib, t0, t1 = line.split()[:3]
            if float(t1) > float(t0):
                speeds.append(int(mib) * MiB / 1e6 / (float(t1) - float(t0)))
        if not speeds or not b.reports('BENCH', 'waiting'):
            raise RuntimeError(f'{label}: no result from the guest; '
                             f'console:\n{b.tail(15)}')
        result = {'mb_s': statistics.median(speeds), 'reads_mb_s': speeds,
                  'model_share': share}
        if ours and smmu:
            path = f'/machine/peripheral/{SMMU_ID}'
            result.update({k: vm.cmd('qom-get', path=path,
                                     property=f'tlb-{k}')
                           for k in ('hits', 'misses')})
    return result


def run(flavours, reps, workdir):
    """flavours: [(name, qemu binary)], ours first.

    Returns rows [(label, flavour, [results])] in CONFIGS order.
    """
    os.makedirs(workdir, exist_ok=True)
    guest, notice = debian.guest()
    if notice:
        print(f'# guest kernel: {notice}', flush=True)
    disk = _disk(workdir)
    _warm(disk)
    initrd = os.path.join(workdir, 'bench-initrd.gz')
    build_initramfs(guest.busybox, [m for m in guest.modules
                                    if m[0] not in debian.NET_MODULES],
                    INIT, initrd)
    samples = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(reps):
            order = flavours if rep % 2 == 0 else list(reversed(flavours))
            for config in CONFIGS:
                # Without an SMMU both builds are the same machine.
                runs = order if config[1] else order[:1]
                for name, qemu in runs:
                    r = boot_once(qemu, name == flavours[0][0], config,
                                  guest.kernel, initrd, disk, tmp)
                    samples.setdefault((config[0], name), []).append(r)
            print(f'# linux repetition {rep + 1}/{reps} done', flush=True)
    return samples


def median(samples, label, name, key):
    """The median of samples[(label, name)][*][key], or None."""
    vals = [r[key] for r in samples.get((label, name), [])
            if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def summarize(samples, names):
    """Print the table; return (rows for JSON, translated/no-IOMMU ratio)."""
    def med(label, name, key):
        return median(samples, label, name, key)

    ours = names[0]
    print(f'\nWorkload 5: Linux reads a {DISK_MIB} MiB virtio-blk disk '
          '(O_DIRECT, 1 MiB requests), MB/s, median:\n')
    head = f'{"configuration":<24}' + ''.join(f'{n:>12}' for n in names)
    head += f'{"ours/no-IOMMU":>15}{"TLB hit rate":>14}{"model %":>9}'
    print(head)
    print('-' * len(head))
    base_speed = med('no IOMMU', ours, 'mb_s')
    rows = []
    for label, smmu, _ in CONFIGS:
        speeds = [med(label, n, 'mb_s') for n in names]
        if not smmu:
            speeds = speeds[:1] + [None] * (len(names) - 1)
        hits, misses = med(label, ours, 'hits'), med(label, ours, 'misses')
        rate = hits / (hits + misses) if hits is not None and \
            misses is not None and hits + misses else None
        ratio = speeds[0] / base_speed if speeds[0] and base_speed else None
        row = f'{label:<24}' + ''.join(
            f'{v:12.1f}' if v else f'{"-":>12}' for v in speeds)
        row += f'{ratio:14.3f}x' if ratio else f'{"-":>15}'
        row += f'{rate * 100:13.2f}%' if rate is not None else f'{"-":>14}'
        share = med(label, ours, 'model_share')
        row += f'{share:8.2f}%' if share is not None else f'{"-":>9}'
        print(row)
        rows.append({'configuration': label,
                     'mb_s': dict(zip(names, speeds)),
                     'ours_over_no_iommu': ratio, 'tlb_hit_rate_ours': rate,
                     'model_share_pct': share})
    translated = next(r['ours_over_no_iommu'] for r in rows
                      if r['configuration'] == TRANSLATED)
    return rows, translated

