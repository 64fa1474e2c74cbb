# SPDX-License-Identifier: GPL-2.0-or-later
"""Level 2 of the e2e-nesting suite: a full L2 guest over our SMMU.

L0 is our QEMU (TCG, virt with virtualization=on and our SMMUv3 in nested
mode) holding a virtio-blk disk of known content behind the SMMU.  L1 runs
the test kernel; its init binds that disk to vfio-pci and starts Debian's
qemu-system-aarch64 with KVM, an accelerated vSMMU (-device
arm-smmuv3,accel=on) backed by iommufd, UEFI, and the disk passed through.
L2 (a Debian kernel) reads the disk through its vSMMU and prints the
sha256.  So every DMA of the disk is translated by our model with stage 1
from L2's tables and stage 2 from L1's.  L0's trace shows the nested STE
and both walks for the disk's StreamID; the checks here assert both.

Assets (cached under the cache_dir the suite passes, by default
${CACHE_DIR:-~/.cache/smmu-fork}/e2e-nesting):
  - sid's qemu-system-arm and qemu-efi-aarch64 with the shared libraries
    they need, unpacked and pruned, keyed by package versions;
  - bookworm's arm64 kernel with the modules L2 loads, and busybox.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.dirname(HERE))

import e2e_assets  # noqa: E402
import e2e_boot  # noqa: E402

MiB = 1 << 20

# Debian's QEMU with -device arm-smmuv3,accel=on (QEMU 10.2 and later).
L1_PACKAGES = ('qemu-system-arm', 'qemu-efi-aarch64')
L1_SUITE = 'sid'
# Dependencies of those that L1's QEMU never loads with our command line:
# firmware for other machines, the init system, sound data.
L1_SKIP = ('systemd', 'libsystemd-shared', 'ipxe-qemu', 'seabios',
           'qemu-system-data', 'libasound2-data')
# Where the libraries go (relative to the root).
L1_LIBDIR = 'usr/lib/aarch64-linux-gnu'
L1_QEMU = 'usr/bin/qemu-system-aarch64'
L1_FIRMWARE = 'usr/share/qemu-efi-aarch64/QEMU_EFI.fd'
L1_LOADER = 'usr/lib/ld-linux-aarch64.so.1'

# L2's drivers (config symbol, module name), each built in or a module
# (dependencies added from modinfo).  The SMMU comes first so that the disk
# is behind the vSMMU before its driver probes it.
L2_DRIVERS = (('ARM_SMMU_V3', 'arm_smmu_v3'), ('VIRTIO_PCI', 'virtio_pci'),
              ('VIRTIO_BLK', 'virtio_blk'))

# The passed-through disk: a modern-only virtio-blk at a fixed slot of
# L0's pcie.0, so its StreamID (the requester ID, IHI 0070 3.4.1) is known.
DISK_SLOT = 2
DISK_SID = DISK_SLOT << 3
DISK_SIZE = 8 * MiB

L0_MEM = 2048
L2_MEM = 256
# Where virt puts RAM: L2's CD and tables are IPAs in this window.
L2_RAM_BASE = 0x40000000
# MSIs: the doorbell page the device writes lies in this window, where
# virt has its GIC (distributor, ITS) and Linux's arm-smmu-v3 its software
# MSI window (MSI_IOVA_BASE, 1 MiB).
L2_MSI = range(0x08000000, 0x08100000)
# Wall time for the whole boot chain; generous for a loaded machine.
TIMEOUT = 600
# Nothing on the console for this long means something hangs (a working
# run prints every few seconds; a broken translation often hangs L2's
# driver).
SILENCE = 150

# Our model's trace events (hw/arm/smmu/trace-events) that show how the
# disk's DMA was translated; the baseline has other names, so it gets none.
TRACE_EVENTS = ('smmuv3_ste', 'smmuv3_cd', 'smmu_walk_desc',
                'smmuv3_xlate_ok', 'smmuv3_xlate_fault', 'smmuv3_event')

# What L1's QEMU says when it gives up (warnings are left out).
QEMU_ERROR_RE = re.compile(r'qemu-system-aarch64: (?!.*warning:)')
# How L1 refuses the vIOMMU when the SMMU lacks S2FWB (the baseline):
# arm_smmu_get_viommu_size() in Linux answers EOPNOTSUPP.
VIOMMU_REFUSED_RE = re.compile(r'IOMMU_VIOMMU_ALLOC failed: '
                               r'Operation not supported')


def note(msg):
    print(f'level2: {msg}', file=sys.stderr, flush=True)


def nesting_root(cache_dir=None):
    """cache_dir as the suite passes it (its e2e-nesting cache), else the
    default one."""
    if cache_dir:
        return cache_dir
    base = os.environ.get('CACHE_DIR') or os.path.join(
        os.path.expanduser('~'), '.cache', 'smmu-fork')
    return os.path.join(base, 'e2e-nesting')


def log_dir(flavour):
    """Where the e2e-nesting suite keeps its logs (suite.py uses it too)."""
    base = os.environ.get('E2E_LOG_DIR') or os.path.join(
        REPO, 'build', 'e2e-logs', flavour)
    path = os.path.join(base, 'nesting')
    os.makedirs(path, exist_ok=True)
    return path


class SuiteApt(e2e_assets.PrivateApt):
    """PrivateApt on one suite of the archive, Depends only."""

    def __init__(self, root, suite):
        if suite in ('sid', 'unstable'):
            # sid's Release file in the snapshot is expired.
            super().__init__(root, suites=(suite,), security=None,
                             check_valid_until=False)
        else:
            super().__init__(root, suites=(suite, f'{suite}-updates'),
                             security=f'{suite}-security')

    def setup(self):
        super().setup()
        with open(self.conf, 'a') as f:
            f.write('APT::Install-Recommends "false";\n')

    def closure(self, packages):
        """[(package, version)] apt would install on an empty system."""
        out = self.run('apt-get', '-s', '-q', 'install', *packages)
        found = []
        for line in out.splitlines():
            m = re.match(r'Inst (\S+) \((\S+)', line)
            if m:
                found.append((m.group(1).split(':')[0], m.group(2)))
        return found


def _stamp_read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _stamp_write(path, value):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(value + '\n')
    os.replace(tmp, path)


def _keep_only(root, current):
    """Remove every sibling of current under root (old versions)."""
    for old in os.listdir(root):
        path = os.path.join(root, old)
        if old != current and os.path.isdir(path) and old != 'apt':
            shutil.rmtree(path, ignore_errors=True)


def _drop_bincache(apt):
    """apt rebuilds its binary caches from the lists when it needs them."""
    for name in ('pkgcache.bin', 'srcpkgcache.bin'):
        try:
            os.unlink(os.path.join(apt.root, 'cache', name))
        except FileNotFoundError:
            pass


# ELF reading, enough to list a shared object's DT_NEEDED entries.
def elf_needed(path):
    p = subprocess.run(['readelf', '-d', '-W', path], capture_output=True,
                       text=True, check=False)
    return re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', p.stdout)


def _walk_needed(root, binary):
    """({soname: path}, [missing sonames]) for binary's library closure."""
    libdirs = [os.path.join(root, d) for d in (L1_LIBDIR, 'usr/lib', 'lib')]
    found = {}
    missing = []
    todo = [os.path.join(root, binary)]
    while todo:
        for name in elf_needed(todo.pop()):
            if name in found or name in missing:
                continue
            hits = [os.path.join(d, name) for d in libdirs
                    if os.path.exists(os.path.join(d, name))]
            if hits:
                found[name] = hits[0]
                todo.append(hits[0])
            else:
                missing.append(name)
    return found, sorted(missing)


def needed_closure(root, binary):
    return _walk_needed(root, binary)[0]


def unresolved_libraries(root, binary):
    """Libraries binary needs (recursively) that root does not hold."""
    return _walk_needed(root, binary)[1]


def _prune(full, root):
    """Copy QEMU, the libraries it loads and the firmware from full to root.

    Libraries land under their DT_NEEDED names in the multiarch directory
    (Debian's loader searches it by default); the loader itself sits in
    /usr/lib, where Debian's PT_INTERP points through the /lib link.
    """
    missing = unresolved_libraries(full, L1_QEMU)
    if missing:
        raise e2e_assets.AssetError(
            f'{L1_QEMU} needs libraries no package provided: {missing}')
    libdir = os.path.join(root, L1_LIBDIR)
    os.makedirs(libdir)
    os.makedirs(os.path.join(root, 'usr', 'bin'))
    shutil.copy(os.path.join(full, L1_QEMU), os.path.join(root, L1_QEMU))
    for name, path in needed_closure(full, L1_QEMU).items():
        shutil.copy(os.path.realpath(path), os.path.join(libdir, name))
    shutil.copy(os.path.realpath(os.path.join(full, L1_LOADER)),
                os.path.join(root, L1_LOADER))
    fw = os.path.join(root, L1_FIRMWARE)
    os.makedirs(os.path.dirname(fw))
    shutil.copy(os.path.join(full, L1_FIRMWARE), fw)


class L1Userspace:
    """sid's QEMU, its libraries and UEFI, unpacked under one directory."""

    def __init__(self, root, label):
        self.root = root
        self.label = label


def l1_userspace(cache_dir=None):
    base = os.path.join(nesting_root(cache_dir), 'l1-qemu')
    os.makedirs(base, exist_ok=True)
    stamp = os.path.join(base, 'CURRENT')
    current = _stamp_read(stamp)
    if current and os.path.exists(os.path.join(base, current, 'READY')):
        return L1Userspace(os.path.join(base, current, 'root'),
                           _stamp_read(os.path.join(base, current, 'label')))
    apt = SuiteApt(os.path.join(base, 'apt'), L1_SUITE)
    apt.setup()
    note(f'fetching {", ".join(L1_PACKAGES)} and their libraries '
         f'from Debian {L1_SUITE} (arm64)')
    apt.update()
    wanted = [(p, v) for p, v in apt.closure(L1_PACKAGES)
              if p not in L1_SKIP]
    if not any(p == L1_PACKAGES[0] for p, _ in wanted):
        raise e2e_assets.AssetError(f'{L1_PACKAGES[0]} is not in {L1_SUITE}')
    ident = '\n'.join(f'{p}={v}' for p, v in sorted(wanted))
    key = hashlib.sha256(ident.encode()).hexdigest()[:16]
    dest = os.path.join(base, key)
    shutil.rmtree(dest, ignore_errors=True)
    debs = os.path.join(dest, 'debs')
    os.makedirs(debs)
    for p, v in wanted:
        apt.download(p, v, debs)
    full = os.path.join(dest, 'full')
    for deb in sorted(os.listdir(debs)):
        e2e_assets._extract(os.path.join(debs, deb), full)
    root = os.path.join(dest, 'root')
    _prune(full, root)
    shutil.rmtree(full)
    shutil.rmtree(debs)
    missing = unresolved_libraries(root, L1_QEMU)
    if missing:
        raise e2e_assets.AssetError(f'pruned too much: {missing}')
    version = dict(wanted)[L1_PACKAGES[0]]
    fw = dict(wanted).get(L1_PACKAGES[1], '?')
    label = f'Debian {L1_SUITE} qemu-system-arm {version}, ' \
            f'qemu-efi-aarch64 {fw}'
    with open(os.path.join(dest, 'packages'), 'w') as f:
        f.write(ident + '\n')
    with open(os.path.join(dest, 'label'), 'w') as f:
        f.write(label + '\n')
    open(os.path.join(dest, 'READY'), 'w').close()
    _stamp_write(stamp, key)
    _keep_only(base, key)
    _drop_bincache(apt)
    return L1Userspace(root, label)


class L2Guest:
    """Debian's kernel, the modules L2 loads (in order), busybox."""

    def __init__(self, root, label):
        self.kernel = os.path.join(root, 'Image')
        self.busybox = os.path.join(root, 'busybox')
        with open(os.path.join(root, 'modules', 'load.list')) as f:
            names = f.read().split()
        self.modules = [(n, os.path.join(root, 'modules', n)) for n in names]
        self.label = label


def l2_guest(cache_dir=None):
    base = os.path.join(nesting_root(cache_dir), 'l2-guest')
    os.makedirs(base, exist_ok=True)
    stamp = os.path.join(base, 'CURRENT')
    current = _stamp_read(stamp)
    if current and os.path.exists(os.path.join(base, current, 'READY')):
        return L2Guest(os.path.join(base, current),
                       _stamp_read(os.path.join(base, current, 'label')))
    apt = SuiteApt(os.path.join(base, 'apt'), e2e_assets.SUITES[0])
    apt.setup()
    note('fetching the L2 kernel and busybox from Debian '
         f'{e2e_assets.SUITES[0]} (arm64)')
    apt.update()
    pkg, version, notice = e2e_assets._choose_kernel(apt)
    if notice:
        note(notice)
    bb_version = apt.candidate(e2e_assets.BUSYBOX)
    if not bb_version:
        raise e2e_assets.AssetError(f'{e2e_assets.BUSYBOX} is not available')
    key = f'{pkg}_{version}_bb{bb_version}'.replace(':', '_')
    dest = os.path.join(base, key)
    shutil.rmtree(dest, ignore_errors=True)
    debs = os.path.join(dest, 'debs')
    os.makedirs(debs)
    apt.download(pkg, version, debs)
    apt.download(e2e_assets.BUSYBOX, bb_version, debs)
    full = os.path.join(dest, 'full')
    for deb in sorted(os.listdir(debs)):
        e2e_assets._extract(os.path.join(debs, deb), full)
    boot = os.path.join(full, 'boot')
    images = [f for f in os.listdir(boot) if f.startswith('vmlinuz-')]
    if len(images) != 1:
        raise e2e_assets.AssetError(f'{pkg}: expected one vmlinuz: {images}')
    kver = images[0][len('vmlinuz-'):]
    shutil.copy(os.path.join(boot, images[0]), os.path.join(dest, 'Image'))
    shutil.copy(os.path.join(full, 'bin', 'busybox'),
                os.path.join(dest, 'busybox'))
    moddir = os.path.join(dest, 'modules')
    os.makedirs(moddir)
    with open(os.path.join(boot, f'config-{kver}')) as f:
        config = f.read()
    wanted = []
    for sym, module in L2_DRIVERS:
        if f'\nCONFIG_{sym}=m' in config:
            wanted.append(module)
        elif f'\nCONFIG_{sym}=y' not in config:
            raise e2e_assets.AssetError(f'{pkg} lacks CONFIG_{sym}')
    mods = e2e_assets._resolve_modules(
        os.path.join(full, 'lib', 'modules', kver), wanted)
    with open(os.path.join(moddir, 'load.list'), 'w') as f:
        for name, data in mods:
            with open(os.path.join(moddir, f'{name}.ko'), 'wb') as m:
                m.write(data)
            f.write(f'{name}.ko\n')
    shutil.rmtree(full)
    shutil.rmtree(debs)
    with open(os.path.join(dest, 'label'), 'w') as f:
        f.write(f'{kver} (Debian {pkg} {version})\n')
    open(os.path.join(dest, 'READY'), 'w').close()
    _stamp_write(stamp, key)
    _keep_only(base, key)
    _drop_bincache(apt)
    return l2_guest(cache_dir)


class Cpio(e2e_assets.Cpio):
    """e2e_assets.Cpio with symbolic links and whole directory trees."""

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def tree(self, src, prefix):
        """Everything under src (directories, files, links) as prefix/..."""
        for dirpath, dirs, files in os.walk(src):
            rel = os.path.relpath(dirpath, src)
            here = prefix if rel == '.' else os.path.join(prefix, rel)
            self.directory(here)
            for name in sorted(dirs) + sorted(files):
                path = os.path.join(dirpath, name)
                arc = os.path.join(here, name)
                if os.path.islink(path):
                    self.symlink(arc, os.readlink(path))
                elif os.path.isfile(path):
                    with open(path, 'rb') as f:
                        mode = 0o755 if os.access(path, os.X_OK) else 0o644
                        self.file(arc, f.read(), mode)
            dirs.sort()


def build_l2_initrd(guest, out_path):
    e2e_assets.build_initramfs(guest.busybox, guest.modules,
                               os.path.join(HERE, 'l2-init.sh'), out_path)


def build_l1_initrd(l1, guest, l2_initrd, busybox, out_path,
                    l1_modules=(), init=None):
    """Uncompressed cpio (nothing to inflate under TCG): busybox, our init,
    Debian's QEMU tree, L2's kernel and initramfs."""
    c = Cpio()
    for d in ('bin', 'dev', 'proc', 'sys', 'tmp', 'l2'):
        c.directory(d)
    # Debian's binaries name /lib/ld-linux-aarch64.so.1 as their loader.
    c.symlink('lib', 'usr/lib')
    c.chardev('dev/console', 5, 1)
    with open(init or os.path.join(HERE, 'l1-level2-init.sh'), 'rb') as f:
        c.file('init', f.read(), 0o755)
    with open(busybox, 'rb') as f:
        c.file('bin/busybox', f.read(), 0o755)
    c.tree(os.path.join(l1.root, 'usr'), 'usr')
    # /lib is usr/lib here
    with open(e2e_assets.GUEST_LIB, 'rb') as f:
        c.file('usr/' + e2e_assets.GUEST_LIB_PATH, f.read())
    c.directory('usr/lib/modules')
    with open(guest.kernel, 'rb') as f:
        c.file('l2/Image', f.read())
    with open(l2_initrd, 'rb') as f:
        c.file('l2/initrd.gz', f.read())
    order = []
    for name, path in l1_modules:
        with open(path, 'rb') as f:
            c.file(f'usr/lib/modules/{name}', f.read())
        order.append(name)
    if order:
        c.file('usr/lib/modules/load.list',
               ''.join(f'{n}\n' for n in order).encode())
    with open(out_path, 'wb') as f:
        f.write(c.finish())


def disk_content():
    """The passed-through disk: known pseudo-random bytes."""
    return e2e_boot.pattern(0x12e5, DISK_SIZE)


def l0_command(qemu, l1_kernel, l1_initrd, disk, trace_log, trace=True):
    bdf = f'0000:00:{DISK_SLOT:02x}.0'
    append = ('console=ttyAMA0 rdinit=/init panic=-1 loglevel=4 '
              f'e2e.bdf={bdf} e2e.l2mem={L2_MEM}')
    cmd = [
        qemu, '-M', 'virt,virtualization=on,iommu=smmuv3,gic-version=3',
        '-cpu', e2e_boot.DEFAULT_CPU, '-smp', '2', '-m', str(L0_MEM),
        '-global', 'arm-smmuv3.stage=nested',
        '-nographic', '-nic', 'none', '-no-reboot',
        '-kernel', l1_kernel, '-initrd', l1_initrd, '-append', append,
        '-drive', f'if=none,id=disk0,file={disk},format=raw,readonly=on',
        '-device', 'virtio-blk-pci,drive=disk0,iommu_platform=on,'
                   f'disable-legacy=on,addr={DISK_SLOT:#x}',
    ]
    if trace:
        cmd += ['-D', trace_log]
        for ev in TRACE_EVENTS:
            cmd += ['-trace', ev]
    return cmd


def boot_l0(command, log_path, timeout=TIMEOUT, silence=SILENCE):
    """Run L0 to its end; returns (console lines, finished, seconds)."""
    console = []
    start = time.monotonic()
    with open(log_path, 'wb') as log:
        finished, _ = e2e_boot.run_qemu(command, log, timeout, silence,
                                        console)
    return console, finished, time.monotonic() - start


def reports(console, level, key):
    """Values of "E2E-<level> <key> ..." console lines, in order."""
    prefix = f'E2E-{level} {key}'
    out = []
    for line in console:
        at = line.find(prefix)
        if at >= 0:
            rest = line[at + len(prefix):]
            if rest == '' or rest[0] == ' ':
                out.append(rest.strip())
    return out


STE_RE = re.compile(r'smmuv3_ste sid 0x([0-9a-f]+) STE@0x[0-9a-f]+ '
                    r'Config (\d+)')
CD_RE = re.compile(r'smmuv3_cd sid 0x([0-9a-f]+) CD \d+ @0x([0-9a-f]+) '
                   r'asid (\d+)')
WALK_RE = re.compile(r'smmu_walk_desc stage (\d+) level \d+ input '
                     r'0x([0-9a-f]+) ')
XLATE_RE = re.compile(r'smmuv3_xlate_ok sid 0x([0-9a-f]+) ')
FAULT_RE = re.compile(r'smmuv3_xlate_fault sid 0x([0-9a-f]+) ')


EVENT_RE = re.compile(r'smmuv3_event event 0x([0-9a-f]+) sid 0x([0-9a-f]+) ')


def trace_events(path, sid):
    """{event type: count} our model recorded for sid (none without a
    trace, as on the baseline)."""
    counts = {}
    try:
        with open(path, errors='replace') as f:
            for line in f:
                m = EVENT_RE.search(line)
                if m and int(m.group(2), 16) == sid:
                    t = int(m.group(1), 16)
                    counts[t] = counts.get(t, 0) + 1
    except OSError:
        pass
    return counts


class TraceFacts:
    """What L0's trace says about the disk's StreamID once its STE was
    nested (Config 0b111, IHI 0070 5.2): walks by stage, translations."""

    def __init__(self, path, sid):
        self.configs = []           # every Config the disk's STE had
        self.walks = {1: 0, 2: 0}   # walk steps after the nested STE
        self.xlates = 0             # the disk's translations after it
        self.faults = 0
        self.cds = []               # (CD address, ASID) fetched when nested
        self.s2_inputs = set()      # IPAs stage 2 translated when nested
        nested = False
        with open(path, errors='replace') as f:
            for line in f:
                m = STE_RE.search(line)
                if m:
                    if int(m.group(1), 16) == sid:
                        config = int(m.group(2))
                        if not self.configs or self.configs[-1] != config:
                            self.configs.append(config)
                        nested = config == 7
                    continue
                if not nested:
                    continue
                m = CD_RE.search(line)
                if m and int(m.group(1), 16) == sid:
                    cd = (int(m.group(2), 16), int(m.group(3)))
                    if cd not in self.cds:
                        self.cds.append(cd)
                    continue
                m = WALK_RE.search(line)
                if m:
                    stage = int(m.group(1))
                    self.walks[stage] = self.walks.get(stage, 0) + 1
                    if stage == 2:
                        self.s2_inputs.add(int(m.group(2), 16))
                    continue
                m = XLATE_RE.search(line)
                if m and int(m.group(1), 16) == sid:
                    self.xlates += 1
                    continue
                m = FAULT_RE.search(line)
                if m and int(m.group(1), 16) == sid:
                    self.faults += 1


def run(qemu_binary, flavour, kernel_image, cache_dir, l1_modules=()):
    """Level 2 on one build: [(status, name, detail)]."""
    results = []
    name = 'level 2: L2 guest reads a passed-through disk through ' \
           'stage 1 (L2) over stage 2 (L1)'
    try:
        l1 = l1_userspace(cache_dir)
        guest = l2_guest(cache_dir)
    except (e2e_assets.AssetError, OSError,
            subprocess.SubprocessError) as e:
        return [('skip', name, f'assets unavailable: {e}')]
    results.append(('ok', 'level 2: L1 userspace from Debian',
                    f'{l1.label}; L2 kernel {guest.label}'))
    data = disk_content()
    want = e2e_boot.sha256(data)
    logdir = log_dir(flavour)
    with tempfile.TemporaryDirectory(prefix='level2-') as tmp:
        l2_initrd = os.path.join(tmp, 'l2-initrd.gz')
        build_l2_initrd(guest, l2_initrd)
        l1_initrd = os.path.join(tmp, 'l1-initrd.cpio')
        build_l1_initrd(l1, guest, l2_initrd, guest.busybox, l1_initrd,
                        l1_modules)
        disk = os.path.join(tmp, 'disk.img')
        with open(disk, 'wb') as f:
            f.write(data)
        trace = os.path.join(logdir, f'level2-{flavour}-trace.log')
        console_log = os.path.join(logdir, f'level2-{flavour}-console.log')
        # A trace of an earlier run must not speak for this one.
        if os.path.exists(trace):
            os.unlink(trace)
        cmd = l0_command(qemu_binary, kernel_image, l1_initrd, disk, trace,
                         trace=flavour == 'ours')
        console, finished, secs = boot_l0(cmd, console_log)
    results.extend(judge(console, finished, secs, flavour, want, trace,
                         console_log))
    return results


def judge(console, finished, secs, flavour, want, trace, console_log):
    name = 'level 2: L2 guest reads a passed-through disk through ' \
           'stage 1 (L2) over stage 2 (L1)'
    where = f'(console: {console_log})'
    text = '\n'.join(console)
    got = reports(console, 'L2', 'sha256')
    if not got:
        if VIOMMU_REFUSED_RE.search(text) and flavour == 'baseline':
            line = next(ln for ln in console if VIOMMU_REFUSED_RE.search(ln))
            return [('ok', 'level 2: L1 refuses the vIOMMU on the baseline '
                     '(no SMMU_IDR3.FWB), as expected', line.strip()),
                    ('skip', name, 'no vIOMMU on the baseline')]
        l1 = [f'{k}={v[-1]}' for k in ('init', 'driver', 'vfio', 'qemu',
                                        'qemu-exit', 'done')
              for v in [reports(console, 'L1', k)] if v]
        l2 = [f'{k}={v[-1]}' for k in ('init', 'domain', 'done')
              for v in [reports(console, 'L2', k)] if v]
        why = 'timed out' if not finished else 'L2 printed no checksum'
        errors = [ln.strip() for ln in console
                  if QEMU_ERROR_RE.search(ln) and 'Cannot reset' not in ln]
        events = ', '.join(f'{t:#x} x{n}' for t, n in
                           sorted(trace_events(trace, DISK_SID).items()))
        return [('not ok', name, f'{why} after {secs:.0f} s; L1: '
                 f'{", ".join(l1) or "nothing"}; L2: '
                 f'{", ".join(l2) or "nothing"}; L1 QEMU: '
                 f'{" / ".join(errors[:3]) or "no error"}; L0 SMMU events '
                 f'for the disk: {events or "none"} {where}')]
    out = []
    if got[-1] != want:
        return [('not ok', name, f'sha256 {got[-1]}, want {want} {where}')]
    domain = reports(console, 'L2', 'domain')
    if not domain or domain[-1] not in ('DMA', 'DMA-FQ'):
        return [('not ok', name, 'the disk is not behind a translating '
                 f'domain in L2 ({domain}) {where}')]
    out.append(('ok', name, f'sha256 matches; L2 domain {domain[-1]}; '
                f'{secs:.0f} s'))
    if flavour != 'ours':
        return out
    tname = 'level 2: L0 trace shows the disk nested (Config 7) with ' \
            'stage-1 and stage-2 walks'
    try:
        facts = TraceFacts(trace, DISK_SID)
    except OSError as e:
        return out + [('not ok', tname, f'no trace: {e}')]
    # The CD pointer of a nested STE, stage 1's table pointers and its
    # output are IPAs of L2 (IHI 0070 5.2 S1ContextPtr, 3.3.2), so
    # everything stage 2 translated lies in L2's RAM as L1's QEMU laid it
    # out, or is the MSI doorbell.
    l2_ram = range(L2_RAM_BASE, L2_RAM_BASE + L2_MEM * MiB)
    stray = sorted(a for a in facts.s2_inputs
                   if a not in l2_ram and a not in L2_MSI)
    msi = sum(1 for a in facts.s2_inputs if a in L2_MSI)
    cds = ', '.join(f'{a:#x} (ASID {asid})' for a, asid in facts.cds[:3])
    detail = (f'sid {DISK_SID:#x} Configs {facts.configs}, after nesting: '
              f'CD at {cds or "none"}, {facts.walks[1]} stage-1 and '
              f'{facts.walks[2]} stage-2 walk steps over '
              f'{len(facts.s2_inputs)} IPAs ({msi} in the MSI window, '
              f'{len(stray)} elsewhere'
              f'{": " + hex(stray[0]) if stray else ""}), {facts.xlates} '
              f'translations, {facts.faults} faults')
    ok = (7 in facts.configs and facts.cds
          and all(a in l2_ram for a, _ in facts.cds)
          and facts.walks[1] > 0 and facts.walks[2] > 0 and not stray
          and facts.xlates > 0)
    out.append(('ok' if ok else 'not ok', tname, detail))
    return out


def main(argv):
    """By hand: level2.py QEMU FLAVOUR L1_KERNEL, TAP on stdout."""
    if len(argv) != 4:
        print(f'usage: {argv[0]} QEMU ours|baseline L1_KERNEL_IMAGE',
              file=sys.stderr)
        return 2
    results = run(argv[1], argv[2], argv[3], None)
    print(f'1..{len(results)}')
    failed = 0
    for i, (status, name, detail) in enumerate(results, 1):
        if status == 'skip':
            print(f'ok {i} - {name} # SKIP {detail}')
        else:
            print(f'{status} {i} - {name}: {detail}')
            failed += status != 'ok'
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
