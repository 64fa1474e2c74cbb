# SPDX-License-Identifier: GPL-2.0-or-later
"""Real Linux on the SMMU: Debian's kernel moves data of known sha256.

The host makes the data (a disk image and an HTTP payload), serves it,
boots the guest (guest/guest-init.sh as /init) with virtio-blk and
virtio-net behind the SMMU, and judge() checks every expected line in
order; the first missing or wrong one is the failure.  The guest only
reports, so a broken SMMU cannot make it lie.
"""

import base64
import binascii
import http.server
import os
import re
import threading

from . import pattern, sha256
from .machine import CPU, Boot, append, boot, qemu_args, virtio_blk, \
    virtio_net

MiB = 1 << 20
DISK_SIZE = 16 * MiB
BLOB_SIZE = 4 * MiB
UPLOAD_OFFSET = 2 * MiB         # the guest uploads disk[2 MiB, 2 MiB + size)
UPLOAD_SIZE = 1 * MiB
COPY_SRC, COPY_DST, COPY_LEN = 0, 8 * MiB, 4 * MiB   # the guest's dd

VIRTIO_BLK = '0x1af4:0x1042'    # modern-only (disable-legacy=on) ids
VIRTIO_NET = '0x1af4:0x1041'

# arm-smmu-v3's feature bits as Linux prints them (drivers/iommu/arm/
# arm-smmu-v3/arm-smmu-v3.h, ARM_SMMU_FEAT_*).
LINUX_SMMU_FEATURES = (
    '2_LVL_STRTAB', '2_LVL_CDTAB', 'TT_LE', 'TT_BE', 'PRI', 'ATS', 'SEV',
    'MSI', 'COHERENCY', 'TRANS_S1', 'TRANS_S2', 'STALLS', 'HYP',
    'STALL_FORCE', 'VAX', 'RANGE_INV', 'BTM', 'SVA', 'E2H', 'NESTING',
    'ATTR_TYPES_OVR', 'HA', 'HD', 'S2FWB', 'BBML2')
FEAT_S1 = 1 << 9
FEAT_S2 = 1 << 10

PROBE_RE = re.compile(r'arm-smmu-v3 (\S+): ias (\d+)-bit, oas (\d+)-bit '
                      r'\(features (0x[0-9a-f]+)\)')
# What arm-smmu-v3 says about an event, a global error or a stuck queue.
SMMU_TROUBLE_RE = re.compile(
    r'arm-smmu-v3.*(event 0x[0-9a-f]+ received|global error|aborted|'
    r'CMDQ error|skipping command|timeout|Service Failure|overflow|'
    r'failed|unable)', re.IGNORECASE)
# The kernel reporting trouble of its own (a wrong DMA often ends here).
KERNEL_TROUBLE_RE = re.compile(
    r'Kernel panic|Internal error:|Unable to handle kernel|BUG:|'
    r'WARNING:|Call trace:|blocked for more than|I/O error|'
    r'operation not supported error')


def features_named(mask):
    return [n for i, n in enumerate(LINUX_SMMU_FEATURES) if mask >> i & 1]


# Seconds for one boot; a good one takes 12-20 s on 2 idle cores.
BOOT_TIMEOUT = int(os.environ.get('E2E_BOOT_TIMEOUT', '90'))


class Payloads:
    """The data the guest moves, and what each transfer must yield."""

    def __init__(self):
        self.disk = pattern(0x5e1f, DISK_SIZE)
        self.blob = pattern(0xb10b, BLOB_SIZE)
        copied = bytearray(self.disk)
        copied[COPY_DST:COPY_DST + COPY_LEN] = \
            self.disk[COPY_SRC:COPY_SRC + COPY_LEN]
        self.disk_after = bytes(copied)
        self.upload = self.disk[UPLOAD_OFFSET:UPLOAD_OFFSET + UPLOAD_SIZE]


class HttpServer:
    """127.0.0.1 only: GET /blob, and POST /upload of base64 text (busybox
    wget cannot post binary data): records the decoded body's sha256."""

    def __init__(self, blob):
        self.uploads = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, body):
                self.send_response(200)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != '/blob':
                    self.send_error(404)
                    return
                self.reply(blob)

            def do_POST(self):
                length = int(self.headers.get('Content-Length', '0'))
                body = self.rfile.read(min(length, 64 * MiB))
                try:
                    digest = sha256(base64.b64decode(body))
                except binascii.Error:
                    digest = 'not-base64'
                outer.uploads.append(digest)
                self.reply((digest + '\n').encode())

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


# The kernel's last words at poweroff (kernel/reboot.c, pr_emerg)
POWER_DOWN = 'reboot: Power down'


def run(vm, stage, kernel, initrd, workdir, payloads, smmu='machine',
        cpu=None, coherency=False):
    """Boot the guest once on vm (a QEMUMachine not yet launched); returns
    (Boot with .uploads and .disk_after, the QEMU arguments added).

    coherency: with the coherency checker on (ours only); b.coherency is
    then x-query-smmuv3's "coherency" once the guest has powered off."""
    disk = os.path.join(workdir, f'disk-{smmu}-stage{stage}.img')
    with open(disk, 'wb') as f:
        f.write(payloads.disk)
    with HttpServer(payloads.blob) as server:
        args = qemu_args(stage, smmu, cpu=cpu or CPU, kernel=kernel,
                         initrd=initrd, append=append(
                             port=server.port, upload=UPLOAD_SIZE))
        args += virtio_blk(f'file={disk},format=raw') + virtio_net()
        if coherency:
            # -no-shutdown: QEMU stays up after the poweroff, to be asked
            args += ['-global', 'arm-smmuv3.check-coherency=on',
                     '-no-shutdown']
        vm.add_args(*args)
        b = boot(vm, BOOT_TIMEOUT, silence=45,
                 until=(lambda ln: POWER_DOWN in ln) if coherency else None)
        b.coherency = None
        if coherency and not b.why and vm.is_running():
            b.coherency = vm.cmd('x-query-smmuv3')['coherency']
            vm.shutdown()
            b.finished = True
            b.status = vm.exitcode()
            b.log = vm.get_log() or ''
        b.uploads = list(server.uploads)
    with open(disk, 'rb') as f:
        b.disk_after = f.read()
    return b, args


class Verdict:
    """What the run showed, and the first expectation it missed."""

    def __init__(self):
        self.failure = None
        self.probe = None
        self.features = 0
        self.devices = []

    def expect(self, ok, what):
        if not ok and self.failure is None:
            self.failure = what
        return ok

    def translated(self, rows, bdf, name, driver):
        """bdf is in an IOMMU group with a DMA domain, bound to driver;
        returns its group."""
        fields = rows.get(bdf, (None, {}))[1]
        self.devices.append((name, bdf, fields))
        self.expect(fields.get('group', 'none') != 'none',
                    f'{name} ({bdf}) joined an IOMMU group')
        self.expect(fields.get('type') in ('DMA', 'DMA-FQ'),
                    f'{name} ({bdf}) has a translated (DMA) domain, not '
                    f'{fields.get("type")}')
        self.expect(fields.get('driver') == driver,
                    f'{name} ({bdf}) is bound to {driver}, not '
                    f'{fields.get("driver")}')
        return fields.get('group')

    def find(self, rows, ids, name):
        """The first function with these ids, or None (a failure)."""
        bdfs = sorted(bdf for bdf, (i, _) in rows.items() if i == ids)
        self.expect(bdfs, f'{name} ({ids}) on the PCI bus')
        return bdfs[0] if bdfs else None


def pci_rows(b):
    """{bdf: (ids, {group, type, driver})} from the guest's last listing
    (guest-lib's report_pci)."""
    rows = {}
    for row in b.reports('E2E', 'pci'):
        bdf, ids, *rest = row.split()
        rows[bdf] = (ids, dict(f.split('=', 1) for f in rest if '=' in f))
    return rows


def keyed(b, key, tag='E2E'):
    """{first word: rest} of the guest's "<tag> <key> <word> <rest>"."""
    out = {}
    for line in b.reports(tag, key):
        word, _, rest = line.partition(' ')
        out.setdefault(word, rest)
    return out


def judge_boot(b: Boot, stage, exact=True, oas=None, msi=None):
    """The checks every Linux boot shares, up to the SMMU's probe.

    exact: the SMMU must implement exactly the stages asked for (stage=1
    has no stage 2, stage=2 no stage 1).  oas: the output address size
    Linux must report, when given.  msi: True when the SMMU's event and
    GERROR interrupts must be ITS MSIs (virt's msi-parent), False when
    wired, None: not checked (needs guest-lib's report_irqs arm-smmu)."""
    v = Verdict()
    last = next((ln.strip() for ln in reversed(b.console) if ln.strip()), '')
    v.expect(not b.why, f'{b.why}; last console line: {last!r}')
    oops = [ln for ln in b.console if KERNEL_TROUBLE_RE.search(ln)]
    v.expect(not oops, 'the kernel reports no panic, oops, warning or I/O '
             f'error (first: {oops[0].strip()!r})' if oops else '')
    v.expect(b.reports('E2E', 'init'), 'guest /init started ("E2E init")')
    for line in b.reports('E2E', 'module'):
        v.expect(line.endswith(' loaded'), f'module loads: {line}')
    probes = [m for m in map(PROBE_RE.search, b.reports('E2E', 'dmesg')) if m]
    if v.expect(probes, 'arm-smmu-v3 probe line '
                '("ias N-bit, oas N-bit (features 0x...)")'):
        v.probe = probes[0].group(0)
        v.features = int(probes[0].group(4), 16)
        # Linux must see the stages asked for; exact: and not the other.
        want = {'1': FEAT_S1, '2': FEAT_S2, 'nested': FEAT_S1 | FEAT_S2}
        for bit in (FEAT_S1, FEAT_S2):
            name = features_named(bit)[0]
            if want[stage] & bit:
                v.expect(v.features & bit, f'Linux sees {name} in the SMMU '
                         f'features (stage={stage})')
            elif exact:
                v.expect(not v.features & bit, f'Linux does not see {name} '
                         f'in the SMMU features (stage={stage})')
        if oas:
            v.expect(probes[0].group(3) == str(oas),
                     f'Linux reports oas {oas}-bit (the CPU\'s PA size)')
    if msi is not None:
        irqs = keyed(b, 'irq')
        for name in ('arm-smmu-v3-evtq', 'arm-smmu-v3-gerror'):
            chip = (irqs.get(name) or ' none').split()[-1]
            v.expect(name in irqs and chip.startswith('ITS') == msi,
                     f'{name} is {"an ITS MSI" if msi else "a wired line"} '
                     f'(interrupt chip {chip})')
    return v


def judge_end(b: Boot, v):
    """The checks every boot ends with; returns v."""
    trouble = [d for d in b.reports('E2E', 'dmesg')
               if SMMU_TROUBLE_RE.search(d)]
    v.expect(not trouble, 'no SMMU event or error in dmesg'
             + (f' (first: {trouble[0]!r})' if trouble else ''))
    v.expect(b.reports('E2E', 'done') == ['ok'],
             'guest finished ("E2E done ok")')
    v.expect(b.status == 0, f'QEMU exited 0 (status {b.status})')
    return v


def judge(b: Boot, stage, payloads, exact=True, oas=None, msi=None):
    """Check every expected line of one run of guest-init.sh, in the order
    the guest works (judge_boot's arguments)."""
    v = judge_boot(b, stage, exact, oas, msi)
    rows = pci_rows(b)
    for ids, name in ((VIRTIO_BLK, 'virtio-blk'), (VIRTIO_NET, 'virtio-net')):
        bdf = v.find(rows, ids, name)
        if bdf:
            v.translated(rows, bdf, name, 'virtio-pci')
    v.expect(b.reports('E2E', 'disk-read')[:1] == [sha256(payloads.disk)],
             'disk-read sha256 matches the image (virtio-blk reads)')
    v.expect(b.reports('E2E', 'disk-reread')[:1] ==
             [sha256(payloads.disk_after)],
             'disk-reread sha256 matches after the guest copy '
             '(virtio-blk writes, then reads)')
    v.expect(b.disk_after == payloads.disk_after,
             'the image on the host holds what the guest wrote')
    v.expect(b.reports('E2E', 'net-get')[:1] == [sha256(payloads.blob)],
             'net-get sha256 matches the served payload (virtio-net rx)')
    v.expect(sha256(payloads.upload) in b.uploads,
             'the host received the guest upload intact (virtio-net tx)')
    return judge_end(b, v)
