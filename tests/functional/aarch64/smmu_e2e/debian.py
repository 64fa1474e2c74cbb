# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest assets from Debian's archive, fetched once and cached.

apt runs with a private configuration (its own sources list, state and
cache under the cache directory, arm64 as the only architecture), so the
host's apt setup is never changed and no root is needed.  apt checks the
archive's signatures.  Once cached, nothing is downloaded.

    guest()         bookworm's arm64 kernel, its virtio modules, busybox
                    (cache: e2e/guest/)
    l1_userspace()  sid's qemu-system-aarch64 with its libraries and UEFI,
                    for a level-1 guest that runs a VM (e2e-nesting/l1-qemu/)
"""

import hashlib
import lzma
import os
import re
import shutil
import subprocess
import tempfile

from . import AssetError, cache_dir, debian_apt, debian_select, note

# The kernel we test with.  Debian drops an ABI from the archive some time
# after a newer one lands; then we take the newest and say so.
KERNEL_PIN = 'linux-image-6.1.0-50-arm64'
BUSYBOX = 'busybox-static'
GUEST_SUITE = 'bookworm'
KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg'
# Drivers the guest needs; their dependencies are added from modinfo.
GUEST_MODULES = ('virtio_pci', 'virtio_blk', 'virtio_net')
# What only virtio_net needs, for guests without a network.
NET_MODULES = ('failover.ko', 'net_failover.ko', 'virtio_net.ko')
# The drivers of test_smmuv3_devices.py, kept apart from the rest
# (Guest.device_modules, with what they need beyond GUEST_MODULES).
DEVICE_MODULES = ('nvme', 'igb', 'igbvf')
APT_TIMEOUT = 600

# Debian's QEMU with -device arm-smmuv3,accel=on (QEMU 10.2 and later).
L1_PACKAGES = ('qemu-system-arm', 'qemu-efi-aarch64')
L1_SUITE = 'sid'
# Dependencies of those that L1's QEMU never loads with our command line:
# firmware for other machines, the init system, sound data.
L1_SKIP = ('systemd', 'libsystemd-shared', 'ipxe-qemu', 'seabios',
           'qemu-system-data', 'libasound2-data')
L1_LIBDIR = 'usr/lib/aarch64-linux-gnu'
L1_QEMU = 'usr/bin/qemu-system-aarch64'
L1_FIRMWARE = 'usr/share/qemu-efi-aarch64/QEMU_EFI.fd'
L1_LOADER = 'usr/lib/ld-linux-aarch64.so.1'


class PrivateApt:
    """apt-get for Debian's archive, every directory its own.

    One stable suite comes with its -updates and -security; a tuple of
    suites is taken as it is.  With sid, the Release file's Valid-Until is
    not checked (snapshots of sid carry an expired one).
    """

    def __init__(self, root, suite):
        self.root = root
        self.conf = os.path.join(root, 'apt.conf')
        suites = suite if isinstance(suite, tuple) else (suite,)
        self.sid = 'sid' in suites or 'unstable' in suites
        self.sources = [('debian', s) for s in suites]
        if len(suites) == 1 and not self.sid:
            self.sources += [('debian', f'{suite}-updates'),
                             ('debian-security', f'{suite}-security')]

    def setup(self):
        for sub in ('parts', 'prefs', 'sources.d', 'state/lists/partial',
                    'cache/archives/partial', 'log'):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        status = os.path.join(self.root, 'state', 'status')
        if not os.path.exists(status):
            open(status, 'w').close()
        with open(os.path.join(self.root, 'sources.list'), 'w') as f:
            for archive, suite in self.sources:
                f.write(f'deb [arch=arm64 signed-by={KEYRING}] '
                        f'http://deb.debian.org/{archive} {suite} main\n')
        r = self.root
        with open(self.conf, 'w') as f:
            # As root, apt would hand downloads to the _apt user, which may
            # not reach a cache under root's home.
            if os.geteuid() == 0:
                f.write('APT::Sandbox::User "root";\n')
            if self.sid:
                f.write('Acquire::Check-Valid-Until "false";\n')
            for key, sub in (('Etc::Parts', 'parts'),
                             ('Etc::PreferencesParts', 'prefs'),
                             ('Etc::Preferences', 'preferences'),
                             ('Etc::SourceList', 'sources.list'),
                             ('Etc::SourceParts', 'sources.d'),
                             ('State', 'state'),
                             ('State::status', 'state/status'),
                             ('Cache', 'cache'), ('Log', 'log')):
                f.write(f'Dir::{key} "{r}/{sub}";\n')
            f.write('APT::Architecture "arm64";\n'
                    'APT::Architectures { "arm64"; };\n'
                    'APT::Install-Recommends "false";\n'
                    'Acquire::Languages "none";\nAcquire::Retries "3";\n')

    def run(self, *args, cwd=None):
        env = dict(os.environ, APT_CONFIG=self.conf, LC_ALL='C')
        p = subprocess.run(args, env=env, cwd=cwd, text=True,
                           capture_output=True, timeout=APT_TIMEOUT)
        if p.returncode != 0:
            raise AssetError(f'{" ".join(args)} failed:\n{p.stderr.strip()}')
        return p.stdout

    def update(self):
        self.run('apt-get', '-q', 'update')

    def candidate(self, package):
        """The version apt would take, or None when the archive lacks it."""
        m = re.search(r'^\s*Candidate:\s*(\S+)',
                      self.run('apt-cache', 'policy', package), re.M)
        return m.group(1) if m and m.group(1) != '(none)' else None

    def download(self, package, version, dest):
        self.run('apt-get', '-q', 'download', f'{package}={version}', cwd=dest)

    def closure(self, packages):
        """[(package, version)] apt would install on an empty system."""
        out = self.run('apt-get', '-s', '-q', 'install', *packages)
        return [(p.split(':')[0], v) for p, v in
                re.findall(r'^Inst (\S+) \((\S+)', out, re.M)]

    def done(self):
        """apt rebuilds its binary caches from the lists when needed."""
        for name in ('pkgcache.bin', 'srcpkgcache.bin'):
            try:
                os.unlink(os.path.join(self.root, 'cache', name))
            except FileNotFoundError:
                pass


def read_stamp(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def write_stamp(path, value):
    with open(path + '.tmp', 'w') as f:
        f.write(value + '\n')
    os.replace(path + '.tmp', path)


def keep_only(base, current):
    """Remove old versions: every directory under base but current and apt."""
    for old in os.listdir(base):
        path = os.path.join(base, old)
        if old not in (current, 'apt') and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)


def extract(debs, dest):
    """Unpack every .deb of the directory debs into dest."""
    for deb in sorted(os.listdir(debs)):
        subprocess.run(['dpkg-deb', '-x', os.path.join(debs, deb), dest],
                       check=True, timeout=APT_TIMEOUT)


def _module_name(filename):
    return filename.split('.ko')[0].replace('-', '_')


def _read_module(path):
    """A module's bytes (Debian compresses them with xz, if at all)."""
    with open(path, 'rb') as f:
        data = f.read()
    return lzma.decompress(data) if path.endswith('.xz') else data


def _modinfo_depends(data):
    """The depends= entry of a module's .modinfo strings."""
    at = data.find(b'\0depends=')
    if at < 0:
        return []
    value = data[at + 9:data.index(b'\0', at + 1)].decode()
    return [d for d in value.split(',') if d]


def _resolve_modules(moddir, wanted):
    """[(name, data)] of the wanted modules the kernel has as modules (the
    others are built in), dependencies first."""
    by_name = {_module_name(fn): os.path.join(dirpath, fn)
               for dirpath, _, files in os.walk(moddir)
               for fn in files if '.ko' in fn}
    order = []
    seen = set()

    def visit(name, depth):
        if name in seen:
            return
        if depth > 32 or name not in by_name:
            raise AssetError(f'kernel module {name} not found')
        seen.add(name)
        data = _read_module(by_name[name])
        for dep in _modinfo_depends(data):
            visit(_module_name(dep), depth + 1)
        order.append((name, data))

    for name in wanted:
        if name in by_name:
            visit(name, 0)
    return order


class Guest:
    """Kernel image, its modules in load order, busybox: one directory."""

    def __init__(self, path, pkg, version):
        with open(os.path.join(path, 'kver')) as f:
            kver = f.read().strip()
        self.kernel = os.path.join(path, 'Image')
        self.modules = self._load_list(path, 'load.list')
        # A guest cached before DEVICE_MODULES has no such list: OSError,
        # and guest() fetches it again.
        self.device_modules = self._load_list(path, 'devices.list')
        self.busybox = os.path.join(path, 'busybox')
        self.label = f'{kver} (Debian {pkg} {version})'

    @staticmethod
    def _load_list(path, name):
        with open(os.path.join(path, 'modules', name)) as f:
            names = f.read().split()
        return [(n, os.path.join(path, 'modules', n)) for n in names]


def guest():
    """The cached guest, fetching it the first time (or when the pin moved).

    Returns (Guest, notice): notice says when the pin was not available.
    """
    root = cache_dir('e2e')
    stamp = os.path.join(root, 'guest', 'CURRENT')
    cached = None
    try:
        pin, pkg, version = read_stamp(stamp).split()
        cached = Guest(os.path.join(root, 'guest', f'{pkg}_{version}'),
                       pkg, version)
        if pin == KERNEL_PIN:
            return cached, None if pkg == pin else f'{pin} was not available'
    except (AttributeError, ValueError, OSError):
        pass
    try:
        return _fetch_guest(root, stamp)
    except (AssetError, OSError, subprocess.SubprocessError) as e:
        if not cached:
            raise AssetError(str(e)) from e
        return cached, f'could not fetch {KERNEL_PIN} ({e}); using the cache'


def _fetch_guest(root, stamp):
    apt = PrivateApt(os.path.join(root, 'apt'), GUEST_SUITE)
    apt.setup()
    note('fetching the guest kernel and busybox from Debian (arm64)')
    apt.update()
    # The pinned kernel, else the newest of its series (ABIs renumber).
    try:
        c = debian_select.choose_kernel_image(
            debian_apt.offers(apt, 'linux-image-'), pin=KERNEL_PIN)
    except debian_select.SelectionError as e:
        raise AssetError(str(e)) from e
    pkg, version = c.package, c.version
    notice = c.describe() if c.fallback else None
    bb_version = apt.candidate(BUSYBOX)
    if not bb_version:
        raise AssetError(f'{BUSYBOX} is not in the archive')
    dest = os.path.join(root, 'guest', f'{pkg}_{version}')
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.join(dest, 'modules'))
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        debs = os.path.join(tmp, 'debs')
        os.makedirs(debs)
        apt.download(pkg, version, debs)
        apt.download(BUSYBOX, bb_version, debs)
        full = os.path.join(tmp, 'full')
        extract(debs, full)
        # Keep only what the guest needs: Image, a few modules, busybox.
        boot = os.path.join(full, 'boot')
        images = [f for f in os.listdir(boot) if f.startswith('vmlinuz-')]
        if len(images) != 1:
            raise AssetError(f'{pkg}: expected one vmlinuz, found {images}')
        kver = images[0][len('vmlinuz-'):]
        shutil.copy(os.path.join(boot, images[0]), os.path.join(dest, 'Image'))
        shutil.copy(os.path.join(full, 'bin', 'busybox'),
                    os.path.join(dest, 'busybox'))
        moddir = os.path.join(full, 'lib', 'modules', kver)
        mods = _resolve_modules(moddir, GUEST_MODULES)
        extra = [m for m in _resolve_modules(moddir, GUEST_MODULES +
                                             DEVICE_MODULES)
                 if m not in mods]
    for name, data in mods + extra:
        with open(os.path.join(dest, 'modules', f'{name}.ko'), 'wb') as m:
            m.write(data)
    for list_name, group in (('load.list', mods), ('devices.list', extra)):
        with open(os.path.join(dest, 'modules', list_name), 'w') as f:
            f.write(''.join(f'{name}.ko\n' for name, _ in group))
    write_stamp(os.path.join(dest, 'kver'), kver)
    apt.done()
    write_stamp(stamp, f'{KERNEL_PIN} {pkg} {version}')
    keep_only(os.path.dirname(stamp), os.path.basename(dest))
    if notice:
        note(notice)
    return Guest(dest, pkg, version), notice


def elf_needed(path):
    """A shared object's DT_NEEDED entries."""
    p = subprocess.run(['readelf', '-d', '-W', path], capture_output=True,
                       text=True, check=False)
    return re.findall(r'\(NEEDED\)\s+Shared library: \[([^\]]+)\]', p.stdout)


def library_closure(root, binary):
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


def _prune(full, root):
    """Copy QEMU, the libraries it loads and the firmware from full to root.

    Libraries land under their DT_NEEDED names in the multiarch directory
    (Debian's loader searches it by default); the loader itself sits in
    /usr/lib, where Debian's PT_INTERP points through the /lib link.
    """
    libs, missing = library_closure(full, L1_QEMU)
    if missing:
        raise AssetError(f'{L1_QEMU} needs libraries no package provided: '
                         f'{missing}')
    for path in (L1_QEMU, L1_LOADER, L1_FIRMWARE):
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        shutil.copy(os.path.realpath(os.path.join(full, path)),
                    os.path.join(root, path))
    os.makedirs(os.path.join(root, L1_LIBDIR), exist_ok=True)
    for name, path in libs.items():
        shutil.copy(os.path.realpath(path),
                    os.path.join(root, L1_LIBDIR, name))
    missing = library_closure(root, L1_QEMU)[1]
    if missing:
        raise AssetError(f'pruned too much: {missing}')


class L1Userspace:
    """sid's QEMU, its libraries and UEFI, unpacked under one directory."""

    def __init__(self, path):
        self.root = os.path.join(path, 'root')
        self.label = read_stamp(os.path.join(path, 'label'))


def l1_userspace():
    base = cache_dir('e2e-nesting', 'l1-qemu')
    stamp = os.path.join(base, 'CURRENT')
    current = read_stamp(stamp)
    if current and os.path.exists(os.path.join(base, current, 'READY')):
        return L1Userspace(os.path.join(base, current))
    apt = PrivateApt(os.path.join(base, 'apt'), L1_SUITE)
    apt.setup()
    note(f'fetching {", ".join(L1_PACKAGES)} and their libraries '
         f'from Debian {L1_SUITE} (arm64)')
    apt.update()
    wanted = dict((p, v) for p, v in apt.closure(L1_PACKAGES)
                  if p not in L1_SKIP)
    if L1_PACKAGES[0] not in wanted:
        raise AssetError(f'{L1_PACKAGES[0]} is not in {L1_SUITE}')
    ident = '\n'.join(f'{p}={v}' for p, v in sorted(wanted.items()))
    key = hashlib.sha256(ident.encode()).hexdigest()[:16]
    dest = os.path.join(base, key)
    shutil.rmtree(dest, ignore_errors=True)
    debs = os.path.join(dest, 'debs')
    os.makedirs(debs)
    for p, v in wanted.items():
        apt.download(p, v, debs)
    extract(debs, os.path.join(dest, 'full'))
    _prune(os.path.join(dest, 'full'), os.path.join(dest, 'root'))
    shutil.rmtree(os.path.join(dest, 'full'))
    shutil.rmtree(debs)
    write_stamp(os.path.join(dest, 'packages'), ident)
    write_stamp(os.path.join(dest, 'label'),
                f'Debian {L1_SUITE} qemu-system-arm {wanted[L1_PACKAGES[0]]}, '
                f'qemu-efi-aarch64 {wanted.get(L1_PACKAGES[1], "?")}')
    open(os.path.join(dest, 'READY'), 'w').close()
    write_stamp(stamp, key)
    keep_only(base, key)
    apt.done()
    return L1Userspace(dest)
