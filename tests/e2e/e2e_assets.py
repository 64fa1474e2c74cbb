# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest assets of the e2e suite: a Debian arm64 kernel, busybox, initramfs.

Packages come from Debian's archive through a private apt configuration
(its own sources list, state and cache under the cache directory, arm64 as
the only architecture), so the host's apt setup is never changed and no
root is needed.  Once cached, nothing is downloaded.
"""

import gzip
import io
import lzma
import os
import shutil
import subprocess
import sys
import tempfile

# The kernel we test with.  Debian drops an ABI from the archive some time
# after a newer one lands; then we take the newest and say so.
KERNEL_PIN = 'linux-image-6.1.0-50-arm64'
KERNEL_FALLBACK = 'linux-image-arm64'
BUSYBOX = 'busybox-static'
SUITES = ('bookworm', 'bookworm-updates')
SECURITY_SUITE = 'bookworm-security'
KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg'

# Drivers the guest needs; their dependencies are added from modinfo.
GUEST_MODULES = ('virtio_pci', 'virtio_blk', 'virtio_net')

APT_TIMEOUT = 600


def cache_root():
    base = os.environ.get('CACHE_DIR') or os.path.join(
        os.path.expanduser('~'), '.cache', 'smmu-fork')
    return os.path.join(base, 'e2e')


def note(msg):
    print(f'e2e: {msg}', file=sys.stderr, flush=True)


class AssetError(Exception):
    pass


class PrivateApt:
    """apt-get with every directory of its own, for arm64 only.

    suites defaults to bookworm's; security names a debian-security suite
    (None for none).  Snapshots of suites such as sid carry an expired
    Release file: pass check_valid_until=False for those.
    """

    def __init__(self, root, suites=SUITES, security=SECURITY_SUITE,
                 check_valid_until=True):
        self.root = root
        self.conf = os.path.join(root, 'apt.conf')
        self.suites = tuple(suites)
        self.security = security
        self.check_valid_until = check_valid_until

    def setup(self):
        for sub in ('parts', 'prefs', 'sources.d', 'state/lists/partial',
                    'cache/archives/partial', 'log'):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        status = os.path.join(self.root, 'state', 'status')
        if not os.path.exists(status):
            open(status, 'w').close()
        opts = f'[arch=arm64 signed-by={KEYRING}]'
        lines = [f'deb {opts} http://deb.debian.org/debian {s} main'
                 for s in self.suites]
        if self.security:
            lines.append(f'deb {opts} http://deb.debian.org/debian-security '
                         f'{self.security} main')
        with open(os.path.join(self.root, 'sources.list'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        r = self.root
        # As root, apt would hand downloads to the _apt user, which may not
        # reach a cache under root's home.
        sandbox = 'APT::Sandbox::User "root";\n' if os.geteuid() == 0 else ''
        valid = ('' if self.check_valid_until
                 else 'Acquire::Check-Valid-Until "false";\n')
        with open(self.conf, 'w') as f:
            f.write(sandbox + valid)
            f.write(f'''Dir::Etc::Parts "{r}/parts";
Dir::Etc::PreferencesParts "{r}/prefs";
Dir::Etc::Preferences "{r}/preferences";
Dir::Etc::SourceList "{r}/sources.list";
Dir::Etc::SourceParts "{r}/sources.d";
Dir::State "{r}/state";
Dir::State::status "{r}/state/status";
Dir::Cache "{r}/cache";
Dir::Log "{r}/log";
APT::Architecture "arm64";
APT::Architectures {{ "arm64"; }};
Acquire::Languages "none";
Acquire::Retries "3";
''')

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
        out = self.run('apt-cache', 'policy', package)
        for line in out.splitlines():
            line = line.strip()
            if line.startswith('Candidate:'):
                v = line.split(':', 1)[1].strip()
                return None if v == '(none)' else v
        return None

    def depends(self, package):
        out = self.run('apt-cache', 'depends', package)
        return [line.split(':', 1)[1].strip() for line in out.splitlines()
                if line.strip().startswith('Depends:')]

    def download(self, package, version, dest):
        self.run('apt-get', '-q', 'download', f'{package}={version}', cwd=dest)


def _choose_kernel(apt):
    version = apt.candidate(KERNEL_PIN)
    if version:
        return KERNEL_PIN, version, None
    deps = [d for d in apt.depends(KERNEL_FALLBACK)
            if d.startswith('linux-image-')]
    if not deps:
        raise AssetError(f'neither {KERNEL_PIN} nor {KERNEL_FALLBACK} '
                         'is in the archive')
    version = apt.candidate(deps[0])
    return deps[0], version, (f'{KERNEL_PIN} is gone from the archive; '
                              f'using the newest, {deps[0]} {version}')


def _extract(deb, dest):
    os.makedirs(dest, exist_ok=True)
    subprocess.run(['dpkg-deb', '-x', deb, dest], check=True,
                   timeout=APT_TIMEOUT)


def _module_name(filename):
    base = filename.split('.ko')[0]
    return base.replace('-', '_')


def _read_module(path):
    with open(path, 'rb') as f:
        data = f.read()
    if path.endswith('.xz'):
        data = lzma.decompress(data)
    elif path.endswith('.zst'):
        data = subprocess.run(['zstd', '-dc', path], check=True,
                              capture_output=True).stdout
    return data


def _modinfo_depends(data):
    """The depends= entry of a module's .modinfo strings."""
    marker = b'\0depends='
    at = data.find(marker)
    if at < 0:
        return []
    end = data.index(b'\0', at + 1)
    value = data[at + len(marker):end].decode()
    return [d for d in value.split(',') if d]


def _resolve_modules(moddir, wanted):
    """Modules files for wanted names, dependencies first."""
    by_name = {}
    for dirpath, _, files in os.walk(moddir):
        for fn in files:
            if '.ko' in fn:
                by_name[_module_name(fn)] = os.path.join(dirpath, fn)
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
    """Kernel image, its modules, busybox: all under one cache directory."""

    def __init__(self, kernel, modules, busybox, label):
        self.kernel = kernel
        self.modules = modules          # [(name, path)] in load order
        self.busybox = busybox
        self.label = label


def fetch():
    """The cached guest, fetching it the first time (or when the pin moved).

    Returns (Guest, notice): notice says when the pin was not available.
    """
    root = cache_root()
    stamp = os.path.join(root, 'guest', 'CURRENT')
    cached = None
    try:
        with open(stamp) as f:
            pin, pkg, version = f.read().split()
    except (OSError, ValueError):
        pin = None
    if pin:
        cached = _load(root, pkg, version)
        if cached and pin == KERNEL_PIN:
            notice = None if pkg == pin else f'{pin} was not available'
            return cached, notice
    try:
        return _fetch_new(root, stamp)
    except (AssetError, OSError, subprocess.SubprocessError) as e:
        if not cached:
            raise AssetError(str(e)) from e
        return cached, f'could not fetch {KERNEL_PIN} ({e}); using the cache'


def _fetch_new(root, stamp):
    apt = PrivateApt(os.path.join(root, 'apt'))
    apt.setup()
    note('fetching the guest kernel and busybox from Debian (arm64)')
    apt.update()
    pkg, version, notice = _choose_kernel(apt)
    bb_version = apt.candidate(BUSYBOX)
    if not bb_version:
        raise AssetError(f'{BUSYBOX} is not in the archive')
    debs = os.path.join(root, 'debs')
    shutil.rmtree(debs, ignore_errors=True)
    os.makedirs(debs)
    apt.download(pkg, version, debs)
    apt.download(BUSYBOX, bb_version, debs)
    _install(root, pkg, version, debs)
    shutil.rmtree(debs, ignore_errors=True)
    # apt's binary caches are rebuilt from the lists when needed.
    for name in ('pkgcache.bin', 'srcpkgcache.bin'):
        try:
            os.unlink(os.path.join(apt.root, 'cache', name))
        except FileNotFoundError:
            pass
    tmp = stamp + '.tmp'
    with open(tmp, 'w') as f:
        f.write(f'{KERNEL_PIN} {pkg} {version}\n')
    os.replace(tmp, stamp)
    # Only the current guest is kept.
    keep = os.path.basename(_guest_dir(root, pkg, version))
    for old in os.listdir(os.path.dirname(stamp)):
        path = os.path.join(os.path.dirname(stamp), old)
        if old != keep and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
    if notice:
        note(notice)
    return _load(root, pkg, version), notice


def _guest_dir(root, pkg, version):
    return os.path.join(root, 'guest', f'{pkg}_{version}')


def _install(root, pkg, version, debs):
    """Keep only what the guest needs: Image, a few modules, busybox."""
    dest = _guest_dir(root, pkg, version)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root) as tmp:
        for deb in os.listdir(debs):
            _extract(os.path.join(debs, deb), tmp)
        boot = os.path.join(tmp, 'boot')
        images = [f for f in os.listdir(boot) if f.startswith('vmlinuz-')]
        if len(images) != 1:
            raise AssetError(f'{pkg}: expected one vmlinuz, found {images}')
        kver = images[0][len('vmlinuz-'):]
        os.makedirs(os.path.join(dest, 'modules'))
        shutil.copy(os.path.join(boot, images[0]),
                    os.path.join(dest, 'Image'))
        mods = _resolve_modules(os.path.join(tmp, 'lib', 'modules', kver),
                                GUEST_MODULES)
        with open(os.path.join(dest, 'modules', 'load.list'), 'w') as f:
            for name, data in mods:
                with open(os.path.join(dest, 'modules', f'{name}.ko'),
                          'wb') as m:
                    m.write(data)
                f.write(f'{name}.ko\n')
        shutil.copy(os.path.join(tmp, 'bin', 'busybox'),
                    os.path.join(dest, 'busybox'))
        with open(os.path.join(dest, 'kver'), 'w') as f:
            f.write(kver + '\n')


def _load(root, pkg, version):
    dest = _guest_dir(root, pkg, version)
    try:
        with open(os.path.join(dest, 'modules', 'load.list')) as f:
            names = f.read().split()
        with open(os.path.join(dest, 'kver')) as f:
            kver = f.read().strip()
    except OSError:
        return None
    mods = [(n, os.path.join(dest, 'modules', n)) for n in names]
    return Guest(os.path.join(dest, 'Image'), mods,
                 os.path.join(dest, 'busybox'),
                 f'{kver} (Debian {pkg} {version})')


class Cpio:
    """A newc archive, written without root (device nodes included)."""

    def __init__(self):
        self.out = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b'', rdev=(0, 0), nlink=1):
        fields = (self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name) + 1, 0)
        self.ino += 1
        hdr = b'070701' + b''.join(b'%08X' % v for v in fields)
        self.out.write(hdr + name.encode() + b'\0')
        self.out.write(b'\0' * (-self.out.tell() % 4))
        self.out.write(data)
        self.out.write(b'\0' * (-self.out.tell() % 4))

    def directory(self, name):
        self._entry(name, 0o040755, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, 0o100000 | mode, data)

    def chardev(self, name, major, minor):
        self._entry(name, 0o020600, rdev=(major, minor))

    def finish(self):
        self._entry('TRAILER!!!', 0)
        return self.out.getvalue()


GUEST_LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'guest-lib.sh')
GUEST_LIB_PATH = 'lib/e2e-guest.sh'


def build_initramfs(guest_busybox, modules, init_script, out_path,
                    extra_files=()):
    """gzip'd cpio: our /init, busybox, the modules and their load order,
    and the shell library every init sources (GUEST_LIB).

    extra_files: (name in the archive, host path, mode) to add as well.
    """
    c = Cpio()
    for d in ('bin', 'dev', 'proc', 'sys', 'tmp', 'lib', 'lib/modules'):
        c.directory(d)
    c.chardev('dev/console', 5, 1)
    with open(init_script, 'rb') as f:
        c.file('init', f.read(), 0o755)
    with open(guest_busybox, 'rb') as f:
        c.file('bin/busybox', f.read(), 0o755)
    with open(GUEST_LIB, 'rb') as f:
        c.file(GUEST_LIB_PATH, f.read())
    order = []
    for name, path in modules:
        with open(path, 'rb') as f:
            c.file(f'lib/modules/{name}', f.read())
        order.append(name)
    c.file('lib/modules/load.list', ''.join(f'{n}\n' for n in order).encode())
    for name, path, mode in extra_files:
        with open(path, 'rb') as f:
            c.file(name, f.read(), mode)
    with open(out_path, 'wb') as f:
        f.write(gzip.compress(c.finish(), compresslevel=1))
