# SPDX-License-Identifier: GPL-2.0-or-later
"""Workload 5 of make bench: a Linux guest reads its virtio-blk disk.

Debian's arm64 kernel (the e2e suite's guest) boots with a 256 MiB
virtio-blk disk and reads all of it five times with O_DIRECT; the guest's
clock around each read gives MB/s, and a boot's figure is their median.  The same read runs with no IOMMU, behind an
SMMU whose STEs Linux sets to bypass (iommu.passthrough=1), and behind a
translating SMMU (Linux's DMA domain, stage 1 of a nested-capable SMMU),
on our build and the baseline.  For ours the SMMU's TLB counters are read
over QMP after the read.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, 'tests', 'e2e'))

import e2e_assets  # noqa: E402

MiB = 1 << 20
DISK_MIB = 256
BOOT_TIMEOUT = 300
INIT = os.path.join(HERE, 'bench-guest-init.sh')
CPU = 'max,pauth-impdef=on'
SMMU_ID = 'smmu0'

# (label, SMMU in front of the disk, kernel arguments)
CONFIGS = (
    ('no IOMMU', False, ''),
    ('SMMU, STE bypass', True, 'iommu.passthrough=1'),
    ('SMMU, translated', True, 'iommu.passthrough=0'),
)


class BenchError(Exception):
    pass


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


def _initramfs(guest, workdir):
    path = os.path.join(workdir, 'bench-initrd.gz')
    mods = [m for m in guest.modules
            if not m[0].startswith('virtio_net')]
    e2e_assets.build_initramfs(guest.busybox, mods, INIT, path)
    return path


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.buf = b''
        self._reply()                       # greeting
        self.cmd('qmp_capabilities')

    def _reply(self):
        while True:
            while b'\n' not in self.buf:
                data = self.sock.recv(65536)
                if not data:
                    raise BenchError('QMP connection closed')
                self.buf += data
            line, self.buf = self.buf.split(b'\n', 1)
            msg = json.loads(line)
            if 'event' not in msg:
                return msg

    def cmd(self, name, **args):
        self.sock.sendall(json.dumps({'execute': name,
                                      'arguments': args}).encode() + b'\n')
        reply = self._reply()
        if 'error' in reply:
            raise BenchError(f'QMP {name}: {reply["error"]}')
        return reply.get('return')

    def close(self):
        self.sock.close()


def _command(qemu, smmu, kernel, initrd, disk, append, qmp):
    cmd = [qemu, '-M', 'virt,gic-version=3', '-cpu', CPU, '-smp', '2',
           '-m', '512', '-nographic', '-nic', 'none', '-no-reboot',
           '-kernel', kernel, '-initrd', initrd, '-append', append,
           '-qmp', f'unix:{qmp},server=on,wait=off',
           '-drive', f'if=none,id=disk0,file={disk},format=raw',
           '-device', 'virtio-blk-pci,drive=disk0,'
                      'iommu_platform=on,disable-legacy=on']
    if smmu:
        cmd += ['-global', 'arm-smmuv3.stage=nested',
                '-device', f'arm-smmuv3,primary-bus=pcie.0,id={SMMU_ID}']
    return cmd


def _counters(qmp, ours):
    if not ours:
        return {}
    path = f'/machine/peripheral/{SMMU_ID}'
    return {k: qmp.cmd('qom-get', path=path, property=f'tlb-{k}')
            for k in ('hits', 'misses')}


def boot_once(qemu, ours, config, kernel, initrd, disk, workdir):
    """One boot; returns {'mb_s': ..., 'hits': ..., 'misses': ...}."""
    label, smmu, extra = config
    append = f'console=ttyAMA0 rdinit=/init panic=-1 loglevel=3 {extra}'
    qmp_path = os.path.join(workdir, 'qmp.sock')
    if os.path.exists(qmp_path):
        os.unlink(qmp_path)
    proc = subprocess.Popen(_command(qemu, smmu, kernel, initrd, disk,
                                     append.strip(), qmp_path),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            errors='replace')
    deadline = time.monotonic() + BOOT_TIMEOUT
    result, console, speeds = None, [], []
    try:
        for line in proc.stdout:
            console.append(line.rstrip())
            if line.startswith('BENCH error') or \
                    time.monotonic() > deadline:
                break
            if line.startswith('BENCH read '):
                mib, t0, t1 = line.split()[2:5]
                secs = float(t1) - float(t0)
                if secs > 0:
                    speeds.append(int(mib) * MiB / 1e6 / secs)
            if line.startswith('BENCH waiting'):
                if speeds:
                    result = {'mb_s': statistics.median(speeds),
                              'reads_mb_s': speeds}
                qmp = Qmp(qmp_path)
                try:
                    if result is not None:
                        result.update(_counters(qmp, ours and smmu))
                    qmp.cmd('quit')
                finally:
                    qmp.close()
                break
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if result is None:
        tail = '\n'.join(console[-15:])
        raise BenchError(f'{label}: no result from the guest; console:\n'
                         f'{tail}')
    return result


def run(flavours, reps, workdir):
    """flavours: [(name, qemu binary)], ours first.

    Returns rows [(label, flavour, [results])] in CONFIGS order.
    """
    os.makedirs(workdir, exist_ok=True)
    guest, notice = e2e_assets.fetch()
    if notice:
        print(f'# guest kernel: {notice}', flush=True)
    disk = _disk(workdir)
    _warm(disk)
    initrd = _initramfs(guest, workdir)
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


def summarize(samples, names):
    """Print the table; return (rows for JSON, translated/no-IOMMU ratio)."""
    def med(label, name, key):
        vals = [r[key] for r in samples.get((label, name), [])
                if r.get(key) is not None]
        return statistics.median(vals) if vals else None

    ours = names[0]
    print(f'\nWorkload 5: Linux reads a {DISK_MIB} MiB virtio-blk disk '
          '(O_DIRECT, 1 MiB requests), MB/s, median:\n')
    head = f'{"configuration":<24}' + ''.join(f'{n:>12}' for n in names)
    head += f'{"ours/no-IOMMU":>15}{"TLB hit rate":>14}'
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
        print(row)
        rows.append({'configuration': label,
                     'mb_s': dict(zip(names, speeds)),
                     'ours_over_no_iommu': ratio, 'tlb_hit_rate_ours': rate})
    translated = rows[-1]['ours_over_no_iommu']
    return rows, translated


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--flavour', action='append', required=True,
                    help='NAME=QEMU_BINARY, ours first')
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--workdir', default=os.path.join(REPO, 'build', 'bench'))
    args = ap.parse_args()
    flavours = [f.split('=', 1) for f in args.flavour]
    samples = run(flavours, args.reps, args.workdir)
    summarize(samples, [n for n, _ in flavours])


if __name__ == '__main__':
    main()
