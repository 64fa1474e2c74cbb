# SPDX-License-Identifier: GPL-2.0-or-later
"""e2e iothread: DMA faults raised from an iothread (review finding C1).

    iothread.py suite   TAP for `make check` (QEMU_BINARY, FORK_FLAVOUR,
                        CACHE_DIR, E2E_LOG_DIR)

The e2e-nesting kernel boots on -M virt,iommu=smmuv3 with a virtio-blk
disk whose queues an iothread serves (iothread=io0, iommu_platform=on).
iothread-fault.c, static in the initramfs, binds the disk to vfio-pci,
attaches it to an empty iommufd IOAS and starts queue 0 with its rings at
unmapped IOVAs: the iothread's first ring read faults in the SMMU, which
records F_TRANSLATION and raises its event interrupt from the iothread,
without the BQL.  QEMU must stay up and Linux must log the event.

Two boots: the SMMU's wired interrupt lines (virt's device tree as is),
and its MSIs (the device tree with msi-parent = <&its DEVID> added to the
SMMU node, DEVID being arm-smmuv3's msi-requester-id; Linux then takes
event and GERROR interrupts through the ITS, which only delivers them if
the MSIs carry that DeviceID).  On the baseline the wired boot is expected
to abort in gicv3_cpuif_update (the base raises the line without the
BQL), and the MSI boot is skipped (the base has no SMMU MSIs).
"""

import os
import re
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
E2E = os.path.dirname(HERE)
sys.path.insert(0, E2E)
sys.path.insert(0, HERE)
import e2e_assets  # noqa: E402
import e2e_boot  # noqa: E402
import kernel as nest_kernel  # noqa: E402
import suite as nest_suite  # noqa: E402

PROGRAM = os.path.join(HERE, 'iothread-fault.c')
INIT = os.path.join(HERE, 'iothread-init.sh')
BOOT_TIMEOUT = 150
SILENCE = 60
# arm-smmuv3's msi-requester-id default (hw/arm/smmu/smmuv3.c)
SMMU_DEVID = 0xffff
BQL_ABORT = 'assertion failed: (bql_locked())'
# Linux's report of the fault: "event 0x10 received" (older) or the
# decoded "event: F_TRANSLATION client: ..." (newer)
EVENT_RE = re.compile(r'arm-smmu-v3 \S+: (event 0x10 received|'
                      r'event: F_TRANSLATION)')


def log_dir(flavour):
    path = os.path.join(os.path.dirname(nest_suite.log_dir(flavour)),
                        'iothread')
    os.makedirs(path, exist_ok=True)
    return path


def prepare(flavour):
    logs = log_dir(flavour)
    kern = nest_kernel.get()
    guest, notice = e2e_assets.fetch()      # for its busybox
    prog = os.path.join(logs, 'iothread-fault')
    nest_suite.build_program(kern, prog, PROGRAM)
    initrd = os.path.join(logs, 'initramfs-iothread.cpio.gz')
    e2e_assets.build_initramfs(guest.busybox, [], INIT, initrd,
                               extra_files=[('iothread-fault', prog, 0o755)])
    return kern, initrd, notice


def qemu_command(qemu, kern, initrd, extra=()):
    return [
        qemu, '-M', 'virt,iommu=smmuv3,gic-version=3',
        '-cpu', e2e_boot.DEFAULT_CPU, '-smp', '2', '-m', '512',
        '-nographic', '-nic', 'none', '-no-reboot',
        '-kernel', kern.image, '-initrd', initrd,
        '-append', 'console=ttyAMA0 rdinit=/init panic=-1 loglevel=3',
        '-object', 'iothread,id=io0',
        '-drive', 'if=none,id=d0,driver=null-co,read-zeroes=on',
        '-device', 'virtio-blk-pci,drive=d0,iothread=io0,'
                   'iommu_platform=on,disable-legacy=on',
    ] + list(extra)


# ---- a minimal flattened device tree editor (devicetree spec 5) ----

FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9


def _fdt_walk(blob):
    """Yield (token offset, token, node path, prop name, value)."""
    (magic, _, off_struct, off_strings, _, _, _, _, _,
     size_struct) = struct.unpack_from('>10I', blob)
    if magic != 0xd00dfeed:
        raise ValueError('not a flattened device tree')
    path = []
    pos = off_struct
    while pos < off_struct + size_struct:
        tok, = struct.unpack_from('>I', blob, pos)
        at = pos
        pos += 4
        if tok == FDT_BEGIN_NODE:
            end = blob.index(b'\0', pos)
            path.append(blob[pos:end].decode())
            pos = (end + 4) & ~3
            yield at, tok, '/'.join(path) or '/', None, None
        elif tok == FDT_END_NODE:
            path.pop()
        elif tok == FDT_PROP:
            length, nameoff = struct.unpack_from('>II', blob, pos)
            pos += 8
            name_end = blob.index(b'\0', off_strings + nameoff)
            name = blob[off_strings + nameoff:name_end].decode()
            yield at, tok, '/'.join(path) or '/', name, \
                blob[pos:pos + length]
            pos = (pos + length + 3) & ~3
        elif tok == FDT_END:
            return


def fdt_find(blob, node_re, prop):
    """The value of prop in the first node whose path matches node_re."""
    for _, tok, path, name, value in _fdt_walk(blob):
        if tok == FDT_PROP and name == prop and re.search(node_re, path):
            return path, value
    raise KeyError(f'no {prop} in a node matching {node_re}')


def fdt_add_prop(blob, node_re, prop, value):
    """A copy of blob with prop = value added to the node matching node_re
    (the memory reservation map, struct and strings blocks in that order,
    as QEMU lays them out)."""
    hdr = list(struct.unpack_from('>10I', blob))
    off_struct, off_strings = hdr[2], hdr[3]
    size_strings, size_struct = hdr[8], hdr[9]
    if off_strings < off_struct + size_struct:
        raise ValueError('unexpected device tree layout')
    for at, tok, path, _, _ in _fdt_walk(blob):
        if tok == FDT_BEGIN_NODE and re.search(node_re, path):
            break
    else:
        raise KeyError(f'no node matching {node_re}')
    # After the node's name: its properties start there
    name_end = blob.index(b'\0', at + 4)
    insert = (name_end + 4) & ~3
    strings = blob[off_strings:off_strings + size_strings]
    new_strings = strings + prop.encode() + b'\0'
    padded = value + b'\0' * (-len(value) % 4)
    new_prop = struct.pack('>III', FDT_PROP, len(value), len(strings)) + padded
    structs = blob[off_struct:off_struct + size_struct]
    rel = insert - off_struct
    new_struct = structs[:rel] + new_prop + structs[rel:]
    out = bytearray(blob[:off_struct] + new_struct + new_strings)
    hdr[1] = len(out)
    hdr[3] = off_struct + len(new_struct)
    hdr[8] = len(new_strings)
    hdr[9] = len(new_struct)
    struct.pack_into('>10I', out, 0, *hdr)
    return bytes(out)


def msi_dtb(qemu, kern, initrd, out):
    """virt's device tree with msi-parent = <&its SMMU_DEVID> on the SMMU."""
    raw = out + '.orig'
    cmd = qemu_command(qemu, kern, initrd,
                       ['-machine', f'dumpdtb={raw}'])
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=60)
    with open(raw, 'rb') as f:
        blob = f.read()
    _, phandle = fdt_find(blob, r'/its@', 'phandle')
    value = phandle + struct.pack('>I', SMMU_DEVID)
    with open(out, 'wb') as f:
        f.write(fdt_add_prop(blob, r'/smmuv3@[0-9a-f]+$', 'msi-parent',
                             value))


class Boot:
    def __init__(self, variant):
        self.variant = variant
        self.console = []
        self.finished = False
        self.status = None
        self.log = None
        self.elapsed = 0.0

    def lines(self, key):
        out = []
        for line in self.console:
            at = line.find('IOTF ')
            if at >= 0 and line[at + 5:].startswith(key + ' '):
                out.append(line[at + 6 + len(key):].strip())
        return out


def run_boot(qemu, kern, initrd, flavour, variant):
    b = Boot(variant)
    logs = log_dir(flavour)
    extra = []
    if variant == 'msi':
        dtb = os.path.join(logs, 'virt-smmu-msi.dtb')
        msi_dtb(qemu, kern, initrd, dtb)
        extra = ['-dtb', dtb]
    b.log = os.path.join(logs, f'console-{variant}.log')
    cmd = qemu_command(qemu, kern, initrd, extra)
    start = time.monotonic()
    with open(b.log, 'wb') as log:
        log.write(('$ ' + ' '.join(cmd) + '\n').encode())
        b.finished, b.status = e2e_boot.run_qemu(cmd, log, BOOT_TIMEOUT,
                                                 SILENCE, b.console)
    b.elapsed = time.monotonic() - start
    return b


def judge(b, flavour):
    """[(status, name, detail)] for one boot."""
    v = b.variant
    aborted = any(BQL_ABORT in ln for ln in b.console)
    steps = {}
    for line in b.console:
        at = line.find('IOTF ')
        if at < 0:
            continue
        words = line[at + 5:]
        for st in ('ok', 'not ok'):
            if words.startswith(st + ' '):
                step, _, detail = words[len(st) + 1:].partition(' ')
                steps[step] = (st, detail)
    tail = b.console[-1] if b.console else '(no console output)'
    out = []
    if flavour == 'baseline' and v == 'wired':
        out.append(('ok' if aborted else 'not ok',
                    f'{v}: the base aborts when an iothread DMA faults',
                    'QEMU died with ' + BQL_ABORT if aborted else
                    f'no such abort (status {b.status}); last line {tail!r}'))
        return out
    prog_ok = [s for s in ('find_disk', 'bind_vfio', 'attach_empty_ioas',
                           'virtio_caps', 'features', 'queue_started',
                           'notify') if steps.get(s, ('',))[0] == 'ok']
    out.append(('ok' if len(prog_ok) == 7 else 'not ok',
                f'{v}: guest started virtio queue 0 at unmapped IOVAs and '
                'kicked it',
                '; '.join(f'{k} {s} {d}' for k, (s, d) in steps.items())))
    up = b.finished and b.status == 0 and not aborted and \
        any(ln.startswith('0') for ln in b.lines('done'))
    out.append(('ok' if up else 'not ok',
                f'{v}: QEMU stays up while the iothread\'s DMA faults',
                '' if up else
                (f'QEMU died with {BQL_ABORT}' if aborted else
                 f'finished={b.finished} status={b.status}; last line '
                 f'{tail!r}')))
    events = [ln for ln in b.lines('dmesg') if EVENT_RE.search(ln)]
    out.append(('ok' if events else 'not ok',
                f'{v}: Linux logged the F_TRANSLATION event',
                events[0] if events else 'no arm-smmu-v3 event in dmesg'))
    return out


def run_suite():
    flavour = os.environ.get('FORK_FLAVOUR', 'ours')
    qemu = nest_suite.default_qemu()
    n = 0

    def tap(status, name, detail=''):
        nonlocal n
        n += 1
        nest_suite.tap(n, status, name, detail)

    nest_suite.diag(f'flavour {flavour}, QEMU {qemu}, logs in '
                    f'{log_dir(flavour)}')
    try:
        if not os.access(qemu, os.X_OK):
            raise e2e_assets.AssetError(f'no QEMU binary at {qemu}')
        kern, initrd, _ = prepare(flavour)
    except (nest_kernel.KernelError, e2e_assets.AssetError, OSError,
            subprocess.SubprocessError) as e:
        tap('not ok', 'iothread: kernel and guest program', str(e))
        print(f'1..{n}')
        return 0
    tap('ok', 'iothread: kernel and guest program', kern.label)
    for variant in ('wired', 'msi'):
        if variant == 'msi' and flavour == 'baseline':
            tap('skip', 'msi: SMMU MSIs while an iothread DMA faults',
                'the base model sends no SMMU MSIs')
            continue
        try:
            b = run_boot(qemu, kern, initrd, flavour, variant)
        except (OSError, ValueError, KeyError,
                subprocess.SubprocessError) as e:
            tap('not ok', f'{variant}: boot', repr(e))
            continue
        nest_suite.diag(f'{variant}: {b.elapsed:.1f} s, console log {b.log}')
        for line in b.lines('irq'):
            nest_suite.diag(f'{variant}: /proc/interrupts {line}')
        for status, name, detail in judge(b, flavour):
            tap(status, name, detail)
    print(f'1..{n}')
    return 0


if __name__ == '__main__':
    sys.exit(run_suite())
