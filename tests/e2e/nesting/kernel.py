# SPDX-License-Identifier: GPL-2.0-or-later
"""The e2e-nesting kernel: Debian sid's linux-source, our config, cached.

Debian's arm64 kernels lack CONFIG_IOMMUFD, so the nesting suite builds
its own: the source package from sid (through a private apt, no root),
`make allnoconfig` plus kernel.config, cross-built with Debian's
aarch64-linux-gnu-gcc.  The Image and the uapi headers are cached under
${CACHE_DIR:-~/.cache/smmu-fork}/e2e-nesting/kernel/<key>/, the key
hashing the fragment, the source package version and the compiler; a
cached key is never rebuilt, and only the newest key is kept.

    python3 kernel.py   builds (or finds) the kernel and prints its dir
"""

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import e2e_assets  # noqa: E402

SOURCE_PKG = 'linux-source-7.2'
SUITE = 'sid'
FRAGMENT = os.path.join(HERE, 'kernel.config')
CROSS = 'aarch64-linux-gnu-'
BUILD_TIMEOUT = 3 * 3600


class KernelError(Exception):
    pass


def note(msg):
    print(f'e2e-nesting: {msg}', file=sys.stderr, flush=True)


def nesting_root():
    base = os.environ.get('CACHE_DIR') or os.path.join(
        os.path.expanduser('~'), '.cache', 'smmu-fork')
    return os.path.join(base, 'e2e-nesting')


class Kernel:
    def __init__(self, path, label):
        self.dir = path
        self.image = os.path.join(path, 'Image')
        self.headers = os.path.join(path, 'headers', 'include')
        self.label = label


def compiler_version():
    try:
        p = subprocess.run([CROSS + 'gcc', '--version'], text=True,
                           capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        raise KernelError(f'{CROSS}gcc is missing ({e}); run ./configure '
                          '(it installs gcc-aarch64-linux-gnu)') from e
    return p.stdout.splitlines()[0].strip()


def _fragment():
    with open(FRAGMENT, 'rb') as f:
        return f.read()


def wanted_symbols():
    """The CONFIG_X=y lines of the fragment."""
    out = []
    for line in _fragment().decode().splitlines():
        m = re.match(r'^(CONFIG_[A-Z0-9_]+)=y\s*$', line)
        if m:
            out.append(m.group(1))
    return out


def cache_key(version, compiler):
    h = hashlib.sha256()
    h.update(_fragment())
    h.update(f'\0{SOURCE_PKG}\0{version}\0{compiler}\0'.encode())
    return h.hexdigest()[:16]


def _kdir():
    return os.path.join(nesting_root(), 'kernel')


def _ready(path):
    return os.path.exists(os.path.join(path, 'READY'))


def _read_current():
    try:
        with open(os.path.join(_kdir(), 'CURRENT')) as f:
            pkg, version = f.read().split()
        return pkg, version
    except (OSError, ValueError):
        return None


def _load(key, version):
    path = os.path.join(_kdir(), key)
    if not _ready(path):
        return None
    return Kernel(path, f'Linux from Debian {SOURCE_PKG} {version}')


def cached():
    """The cached kernel for today's fragment and compiler, or None."""
    cur = _read_current()
    if not cur or cur[0] != SOURCE_PKG:
        return None
    return _load(cache_key(cur[1], compiler_version()), cur[1])


def get():
    """The kernel, building it the first time (several minutes).

    Several worktrees share the cache: one builds, the others wait.
    """
    k = cached()
    if k:
        return k
    os.makedirs(_kdir(), exist_ok=True)
    with open(os.path.join(_kdir(), 'lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return cached() or _get_locked()


def _get_locked():
    compiler = compiler_version()
    apt = e2e_assets.PrivateApt(os.path.join(_kdir(), 'apt'),
                                suites=(SUITE,), security=None,
                                check_valid_until=False)
    apt.setup()
    note(f'fetching {SOURCE_PKG} from Debian {SUITE}')
    apt.update()
    version = apt.candidate(SOURCE_PKG)
    if not version:
        raise KernelError(f'{SOURCE_PKG} is not in Debian {SUITE}')
    key = cache_key(version, compiler)
    k = _load(key, version)
    if not k:
        _build(apt, version, key)
        k = _load(key, version)
    # apt's binary caches are rebuilt from the lists when needed.
    for name in ('pkgcache.bin', 'srcpkgcache.bin'):
        try:
            os.unlink(os.path.join(apt.root, 'cache', name))
        except FileNotFoundError:
            pass
    tmp = os.path.join(_kdir(), 'CURRENT.tmp')
    with open(tmp, 'w') as f:
        f.write(f'{SOURCE_PKG} {version}\n')
    os.replace(tmp, os.path.join(_kdir(), 'CURRENT'))
    # Only the newest kernel is kept (apt's state stays for next time).
    for old in os.listdir(_kdir()):
        path = os.path.join(_kdir(), old)
        if old not in (key, 'apt') and os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
    return k


def _make(src, log, *targets, extra_env=None):
    cmd = ['make', '-s', '-j2', 'ARCH=arm64', f'CROSS_COMPILE={CROSS}']
    if shutil.which('ccache'):
        cmd.append(f'CC=ccache {CROSS}gcc')
    env = dict(os.environ, LC_ALL='C', **(extra_env or {}))
    # Reproducible inputs, so ccache hits when the work dir is rebuilt.
    env.setdefault('KBUILD_BUILD_TIMESTAMP', '2026-01-01')
    env.setdefault('KBUILD_BUILD_USER', 'smmu-fork')
    env.setdefault('KBUILD_BUILD_HOST', 'e2e-nesting')
    log.write(f'$ {" ".join(cmd + list(targets))}\n')
    log.flush()
    p = subprocess.run(cmd + list(targets), cwd=src, env=env, stdout=log,
                       stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT)
    if p.returncode != 0:
        raise KernelError(f'make {" ".join(targets)} failed; see {log.name}')


def check_config(config_path):
    """Fail naming every wanted symbol the final .config lacks."""
    have = set()
    with open(config_path) as f:
        for line in f:
            if line.rstrip().endswith('=y'):
                have.add(line.split('=', 1)[0])
    lost = [s for s in wanted_symbols() if s not in have]
    if lost:
        raise KernelError('kernel.config: not set in the final .config '
                          '(a dependency is missing?): ' + ' '.join(lost))


def _build(apt, version, key):
    kdir = _kdir()
    work = os.path.join(kdir, 'work')     # fixed path: ccache can hit
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    start = time.monotonic()
    note(f'downloading {SOURCE_PKG} {version}')
    apt.download(SOURCE_PKG, version, work)
    debs = [f for f in os.listdir(work) if f.endswith('.deb')]
    if len(debs) != 1:
        raise KernelError(f'expected one .deb, got {debs}')
    subprocess.run(['dpkg-deb', '-x', os.path.join(work, debs[0]),
                    os.path.join(work, 'pkg')], check=True)
    os.unlink(os.path.join(work, debs[0]))
    usr_src = os.path.join(work, 'pkg', 'usr', 'src')
    tars = [f for f in os.listdir(usr_src) if '.tar' in f]
    if len(tars) != 1:
        raise KernelError(f'{SOURCE_PKG}: expected one tarball, got {tars}')
    note(f'unpacking {tars[0]}')
    subprocess.run(['tar', '-xf', os.path.join(usr_src, tars[0]),
                    '-C', work], check=True)
    shutil.rmtree(os.path.join(work, 'pkg'))
    src = os.path.join(work, tars[0].split('.tar')[0])
    _compile(src, key, version, start)
    shutil.rmtree(work, ignore_errors=True)


def _compile(src, key, version, start):
    """Configure, check, build Image and the uapi headers into <key>/."""
    kdir = _kdir()
    log_path = os.path.join(kdir, 'build.log')
    note(f'building the kernel (cold build: several minutes); log in '
         f'{log_path}')
    with open(log_path, 'w') as log:
        _make(src, log, 'allnoconfig',
              extra_env={'KCONFIG_ALLCONFIG': FRAGMENT})
        check_config(os.path.join(src, '.config'))
        # "headers" rather than headers_install, which needs rsync.
        _make(src, log, 'Image', 'headers')
    dest = os.path.join(kdir, key)
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    shutil.copytree(os.path.join(src, 'usr', 'include'),
                    os.path.join(dest, 'headers', 'include'),
                    ignore=shutil.ignore_patterns('.*', 'Makefile'))
    shutil.copy(os.path.join(src, 'arch', 'arm64', 'boot', 'Image'),
                os.path.join(dest, 'Image'))
    shutil.copy(os.path.join(src, '.config'), os.path.join(dest, 'config'))
    secs = time.monotonic() - start
    with open(os.path.join(dest, 'label'), 'w') as f:
        f.write(f'{SOURCE_PKG} {version}\n{compiler_version()}\n'
                f'built in {secs:.0f} s\n')
    open(os.path.join(dest, 'READY'), 'w').close()
    note(f'kernel built in {secs:.0f} s')


def main():
    try:
        k = get()
    except (KernelError, e2e_assets.AssetError, OSError,
            subprocess.SubprocessError) as e:
        print(f'e2e-nesting: kernel: {e}', file=sys.stderr)
        return 1
    print(k.dir)
    return 0


if __name__ == '__main__':
    sys.exit(main())
