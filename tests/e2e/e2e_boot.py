# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot the e2e guest on one SMMU configuration and judge what it reports.

The host side makes the data (a disk image and an HTTP payload of known
sha256), serves it, boots QEMU with the virtio devices behind the SMMU,
reads the console and checks every expected line in order.  The first
missing or wrong one is the failure reported.
"""

import base64
import binascii
import hashlib
import http.server
import os
import random
import re
import select
import signal
import subprocess
import threading
import time

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

# QEMU's stderr shares the stream: an ASan build (./configure --sanitize)
# announces at start that it cannot follow QEMU's coroutine stack switches.
# That notice is not trouble; a real sanitizer report kills QEMU anyway.
SANITIZER_NOTICE_RE = re.compile(
    r'^==\d+==WARNING: ASan doesn\'t fully support makecontext/swapcontext')


def features_named(mask):
    return [n for i, n in enumerate(LINUX_SMMU_FEATURES) if mask >> i & 1]


def pattern(seed, size):
    return random.Random(seed).randbytes(size)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


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
            def do_GET(self):
                if self.path != '/blob':
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header('Content-Length', str(len(blob)))
                self.send_header('Content-Type', 'application/octet-stream')
                self.end_headers()
                self.wfile.write(blob)

            def do_POST(self):
                length = int(self.headers.get('Content-Length', '0'))
                body = self.rfile.read(min(length, 64 * MiB))
                try:
                    digest = sha256(base64.b64decode(body))
                except binascii.Error:
                    digest = 'not-base64'
                outer.uploads.append((self.path, len(body), digest))
                reply = (digest + '\n').encode()
                self.send_response(200)
                self.send_header('Content-Length', str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


# Two ways to put an SMMUv3 in front of the PCIe root bus of virt:
#   machine: virt's own SMMU, -M virt,iommu=smmuv3;
#   device:  a user-created one, -device arm-smmuv3,primary-bus=pcie.0.
# Either way -global arm-smmuv3.stage selects the stages it implements.
SMMU_PLACEMENTS = ('machine', 'device')


DEFAULT_CPU = 'max,pauth-impdef=on'


def qemu_command(qemu, stage, kernel, initrd, disk, append,
                 placement='machine', smp=2, mem=512, cpu=DEFAULT_CPU):
    machine = 'virt,gic-version=3'
    smmu = []
    if placement == 'machine':
        machine = 'virt,iommu=smmuv3,gic-version=3'
    else:
        smmu = ['-device', 'arm-smmuv3,primary-bus=pcie.0']
    return [
        qemu, '-M', machine,
        '-cpu', cpu, '-smp', str(smp), '-m', str(mem),
        '-global', f'arm-smmuv3.stage={stage}', *smmu,
        '-nographic', '-nic', 'none', '-no-reboot',
        '-kernel', kernel, '-initrd', initrd, '-append', append,
        '-drive', f'if=none,id=disk0,file={disk},format=raw',
        '-device', 'virtio-blk-pci,drive=disk0,'
                   'iommu_platform=on,disable-legacy=on',
        '-netdev', 'user,id=net0',
        '-device', 'virtio-net-pci,netdev=net0,'
                   'iommu_platform=on,disable-legacy=on,romfile=',
    ]


def kernel_append(port, extra=''):
    args = ('console=ttyAMA0 rdinit=/init panic=-1 loglevel=4 '
            f'e2e.port={port} e2e.upload={UPLOAD_SIZE}')
    return f'{args} {extra}'.strip()


class Run:
    """One boot: console lines, exit status, timings."""

    def __init__(self):
        self.console = []
        self.status = None
        self.timed_out = False
        self.elapsed = 0.0
        self.uploads = []
        self.disk_after = None
        self.command = []

    def reports(self, key):
        """Values of the guest's "E2E <key> ..." lines, in order."""
        prefix = f'E2E {key} '
        out = []
        for line in self.console:
            at = line.find(prefix)
            if at >= 0:
                out.append(line[at + len(prefix):].strip())
            elif line.strip() == f'E2E {key}':
                out.append('')
        return out


def _read_console(proc, deadline, silence, sink, log):
    """Collect console lines until QEMU exits, the deadline passes or the
    console stays silent for silence seconds (a hung guest)."""
    fd = proc.stdout.fileno()
    pending = b''
    last_output = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= deadline or now - last_output >= silence:
            return False
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        last_output = time.monotonic()
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        log.write(chunk)
        pending += chunk
        *lines, pending = pending.split(b'\n')
        sink.extend(ln.decode(errors='replace').rstrip('\r') for ln in lines)
    if pending:
        sink.append(pending.decode(errors='replace'))
    return True


def _stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_qemu(command, log, timeout, silence, console):
    """Run QEMU until it exits, timeout seconds pass or its console stays
    silent for silence seconds; console lines go to the list console, raw
    output to the file log.  Returns (finished, exit status)."""
    start = time.monotonic()
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        finished = _read_console(proc, start + timeout, silence, console, log)
        if finished:
            try:
                proc.wait(timeout=max(1, start + timeout - time.monotonic()))
            except subprocess.TimeoutExpired:
                finished = False
    finally:
        _stop(proc)
    return finished, proc.returncode


def boot(qemu, stage, guest_kernel, initrd, workdir, payloads, timeout,
         placement='machine', keep_disk=False, silence=45, cpu=DEFAULT_CPU):
    """Boot once with stage=<1|2|nested>; the console goes to a log file.

    timeout bounds the whole boot, silence the time without console output.
    """
    run = Run()
    tag = f'{placement}-stage{stage}'
    if cpu != DEFAULT_CPU:
        tag += '-' + cpu.split(',')[0]
    disk = os.path.join(workdir, f'disk-{tag}.img')
    with open(disk, 'wb') as f:
        f.write(payloads.disk)
    log_path = os.path.join(workdir, f'console-{tag}.log')
    with HttpServer(payloads.blob) as server, open(log_path, 'wb') as log:
        run.command = qemu_command(qemu, stage, guest_kernel, initrd, disk,
                                   kernel_append(server.port), placement,
                                   cpu=cpu)
        start = time.monotonic()
        finished, run.status = run_qemu(run.command, log, timeout, silence,
                                        run.console)
        run.timed_out = not finished
        run.elapsed = time.monotonic() - start
        run.uploads = list(server.uploads)
    with open(disk, 'rb') as f:
        run.disk_after = f.read()
    if not keep_disk:
        os.unlink(disk)
    return run


class Verdict:
    """What the run showed, and the first expectation it missed."""

    def __init__(self):
        self.failure = None
        self.probe = None
        self.features = 0
        self.devices = []
        self.facts = []

    def expect(self, ok, what):
        if not ok and self.failure is None:
            self.failure = what
        return ok


def _expect_stages(v, stage, exact):
    """Linux must see the translation stages that were asked for; exact
    also requires the other stage to be absent."""
    want = {'1': FEAT_S1, '2': FEAT_S2, 'nested': FEAT_S1 | FEAT_S2}[stage]
    for bit in (FEAT_S1, FEAT_S2):
        name = features_named(bit)[0]
        if want & bit:
            v.expect(v.features & bit, f'Linux sees {name} in the SMMU '
                     f'features (stage={stage})')
        elif exact:
            v.expect(not v.features & bit, f'Linux does not see {name} '
                     f'in the SMMU features (stage={stage})')


def judge(run, stage, payloads, exact=True, oas=None):
    """Check every expected line of one run, in the order the guest works.

    exact: the SMMU must implement exactly the stages asked for (stage=1
    has no stage 2, stage=2 no stage 1).  oas: the output address size
    Linux must report, when given."""
    v = Verdict()
    if run.timed_out:
        v.expect(False, 'QEMU did not power off in time (or the console '
                 f'fell silent); last console line: {_last_line(run)!r}')
    oops = [ln for ln in run.console if KERNEL_TROUBLE_RE.search(ln) and
            not SANITIZER_NOTICE_RE.search(ln)]
    v.expect(not oops, 'the kernel reports no panic, oops, warning or I/O '
             f'error (first: {oops[0].strip()!r})' if oops else '')
    v.expect(run.reports('init'), 'guest /init started ("E2E init")')
    for line in run.reports('module'):
        v.expect(line.endswith(' loaded'), f'module loads: {line}')

    dmesg = run.reports('dmesg')
    probes = [m for m in map(PROBE_RE.search, dmesg) if m]
    if v.expect(probes, 'arm-smmu-v3 probe line '
                '("ias N-bit, oas N-bit (features 0x...)")'):
        v.probe = probes[0].group(0)
        v.features = int(probes[0].group(4), 16)
        _expect_stages(v, stage, exact)
        if oas:
            v.expect(probes[0].group(3) == str(oas),
                     f'Linux reports oas {oas}-bit (the CPU\'s PA size)')

    pci = run.reports('pci')
    for ids, name in ((VIRTIO_BLK, 'virtio-blk'), (VIRTIO_NET, 'virtio-net')):
        rows = [p for p in pci if f' {ids} ' in p]
        if not v.expect(rows, f'{name} ({ids}) on the PCI bus'):
            continue
        row = rows[0]
        fields = dict(f.split('=', 1) for f in row.split()[2:] if '=' in f)
        v.devices.append((name, row.split()[0], fields))
        v.expect(fields.get('group', 'none') != 'none',
                 f'{name} joined an IOMMU group')
        v.expect(fields.get('type') in ('DMA', 'DMA-FQ'),
                 f'{name} group has a translated (DMA) domain, '
                 f'not {fields.get("type")}')
        v.expect(fields.get('driver') == 'virtio-pci',
                 f'{name} is bound to virtio-pci')

    reads = run.reports('disk-read')
    v.expect(reads and reads[0] == sha256(payloads.disk),
             'disk-read sha256 matches the image (virtio-blk reads)')
    rereads = run.reports('disk-reread')
    v.expect(rereads and rereads[0] == sha256(payloads.disk_after),
             'disk-reread sha256 matches after the guest copy '
             '(virtio-blk writes, then reads)')
    v.expect(run.disk_after == payloads.disk_after,
             'the image on the host holds what the guest wrote')
    gets = run.reports('net-get')
    v.expect(gets and gets[0] == sha256(payloads.blob),
             'net-get sha256 matches the served payload (virtio-net rx)')
    want_up = sha256(payloads.upload)
    v.expect(any(u[2] == want_up for u in run.uploads),
             'the host received the guest upload intact (virtio-net tx)')

    trouble = [d for d in dmesg if SMMU_TROUBLE_RE.search(d)]
    v.expect(not trouble, 'no SMMU event or error in dmesg'
             + (f' (first: {trouble[0]!r})' if trouble else ''))
    v.expect(run.reports('done') == ['ok'], 'guest finished ("E2E done ok")')
    v.expect(run.status == 0, f'QEMU exited 0 (status {run.status})')

    v.facts = [
        f'disk {DISK_SIZE // MiB} MiB read, {COPY_LEN // MiB} MiB written '
        'back and re-read',
        f'net {BLOB_SIZE // MiB} MiB down, {UPLOAD_SIZE // MiB} MiB up']
    return v


def _last_line(run):
    for line in reversed(run.console):
        if line.strip():
            return line.strip()
    return ''
