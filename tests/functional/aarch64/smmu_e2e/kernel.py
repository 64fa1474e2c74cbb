# SPDX-License-Identifier: GPL-2.0-or-later
"""The e2e-nesting kernel: Debian's linux-source, our config, cached.

Debian's arm64 kernels lack CONFIG_IOMMUFD, so the nesting and iothread
tests use their own: linux-source-7.2 if the archive still has it, else
the newest linux-source-N (N >= 7.2) of sid, then trixie-backports
(debian_select.choose_source; through a private apt, no root),
`make allnoconfig` plus kernel.config, cross-built with Debian's
aarch64-linux-gnu-gcc.  The Image and the uapi headers are cached under
${CACHE_DIR:-~/.cache/smmu-fork}/e2e-nesting/kernel/<key>/, the key
hashing the fragment, our built-in test drivers (kdriver/, copied into
drivers/misc/), the source package and version and the compiler; a
cached key is never rebuilt (nor is the archive asked again while it
exists), and the two newest keys are kept.  A cold
build takes longer than a test may, so `make check` runs this first:

    cd tests/functional/aarch64 && python3 -m smmu_e2e.kernel
"""

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

from . import AssetError, cache_dir, data_file, debian_apt, debian_select
from . import note
from .debian import PrivateApt, read_stamp, write_stamp
from .initramfs import CROSS

# The series kernel.config was written for, preferred while it lasts.
SOURCE_PIN = 'linux-source-7.2'
FRAGMENT = data_file('kernel.config')
# Our built-in test drivers (kdriver/*.c and their headers): copied into
# drivers/misc/ and added to its Makefile as obj-y (no Kconfig symbol: they
# bind only through driver_override), hashed into the cache key.
DRIVER_DIR = data_file('kdriver')
BUILD_TIMEOUT = 3 * 3600


class Kernel:
    def __init__(self, path, pkg, version):
        self.dir = path
        self.image = os.path.join(path, 'Image')
        self.headers = os.path.join(path, 'headers', 'include')
        self.label = f'Linux from Debian {pkg} {version}'


def compiler_version():
    try:
        p = subprocess.run([CROSS + 'gcc', '--version'], text=True,
                           capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        raise AssetError(f'{CROSS}gcc is missing ({e}); run ./configure '
                         '(it installs gcc-aarch64-linux-gnu)') from e
    return p.stdout.splitlines()[0].strip()


def _fragment():
    with open(FRAGMENT, 'rb') as f:
        return f.read()


def _drivers():
    """[(file name, content)] of kdriver/, sorted."""
    out = []
    for name in sorted(os.listdir(DRIVER_DIR)):
        if name.endswith(('.c', '.h')):
            with open(os.path.join(DRIVER_DIR, name), 'rb') as f:
                out.append((name, f.read()))
    return out


def cache_key(pkg, version, compiler):
    ident = f'\0{pkg}\0{version}\0{compiler}\0'.encode()
    drivers = b''.join(name.encode() + b'\0' + data + b'\0'
                       for name, data in _drivers())
    return hashlib.sha256(_fragment() + ident + drivers).hexdigest()[:16]


def add_drivers(src):
    """Copy kdriver/ into drivers/misc/ of the source tree src and build
    every .c there into the kernel."""
    misc = os.path.join(src, 'drivers', 'misc')
    objs = []
    for name, data in _drivers():
        with open(os.path.join(misc, name), 'wb') as f:
            f.write(data)
        if name.endswith('.c'):
            objs.append(name[:-2] + '.o')
    with open(os.path.join(misc, 'Makefile'), 'a') as f:
        f.write('\n# smmu-fork e2e test drivers\n')
        f.writelines(f'obj-y += {o}\n' for o in objs)


def cached():
    """The cached kernel for today's fragment and compiler, or None."""
    kdir = cache_dir('e2e-nesting', 'kernel')
    pkg, _, version = (read_stamp(os.path.join(kdir, 'CURRENT')) or
                       '').partition(' ')
    path = os.path.join(kdir, cache_key(pkg, version, compiler_version()))
    if not pkg or not os.path.exists(os.path.join(path, 'READY')):
        return None
    return Kernel(path, pkg, version)


def get():
    """The kernel, building it the first time (several minutes).

    Several worktrees share the cache: one builds, the others wait.
    """
    k = cached()
    if k:
        return k
    kdir = cache_dir('e2e-nesting', 'kernel')
    with open(os.path.join(kdir, 'lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        k = cached()
        if k:
            return k
        suites = debian_select.SOURCE_SUITES
        apt = PrivateApt(os.path.join(kdir, 'apt'), suites)
        apt.setup()
        note(f'looking for linux-source in Debian {", ".join(suites)}')
        apt.update()
        try:
            choice = debian_select.choose_source(
                debian_apt.offers(apt, 'linux-source-'), pin=SOURCE_PIN)
        except debian_select.SelectionError as e:
            raise AssetError(str(e)) from e
        note(f'kernel source: {choice.describe()}')
        pkg, version = choice.package, choice.version
        key = cache_key(pkg, version, compiler_version())
        if not os.path.exists(os.path.join(kdir, key, 'READY')):
            _build(apt, pkg, version, os.path.join(kdir, key))
        apt.done()
        write_stamp(os.path.join(kdir, 'CURRENT'), f'{pkg} {version}')
        _keep_newest(kdir, key)
        return Kernel(os.path.join(kdir, key), pkg, version)


def _keep_newest(kdir, key, keep=2):
    """Remove old kernels but the keep newest (key among them): worktrees
    of the previous fragment or drivers share this cache and would rebuild
    theirs otherwise."""
    keys = [d for d in os.listdir(kdir) if d != 'apt' and
            os.path.isdir(os.path.join(kdir, d))]
    keys.sort(key=lambda d: os.path.getmtime(os.path.join(kdir, d)),
              reverse=True)
    old = [d for d in keys if d != key][keep - 1:]
    for d in old:
        shutil.rmtree(os.path.join(kdir, d), ignore_errors=True)


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
        raise AssetError(f'make {" ".join(targets)} failed; see {log.name}')


def check_config(config_path):
    """Fail naming every CONFIG_X=y of the fragment the final .config
    lacks (a dependency is missing)."""
    wanted = re.findall(r'^(CONFIG_[A-Z0-9_]+)=y\s*$', _fragment().decode(),
                        re.M)
    with open(config_path) as f:
        have = {line.split('=', 1)[0] for line in f
                if line.rstrip().endswith('=y')}
    lost = [s for s in wanted if s not in have]
    if lost:
        raise AssetError('kernel.config: not set in the final .config '
                         '(a dependency is missing?): ' + ' '.join(lost))


def _build(apt, pkg, version, dest):
    """Fetch and unpack the source, configure, check, build Image and the
    uapi headers into dest."""
    kdir = os.path.dirname(dest)
    work = os.path.join(kdir, 'work')     # fixed path: ccache can hit
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    start = time.monotonic()
    note(f'downloading {pkg} {version}')
    apt.download(pkg, version, work)
    pkg = os.path.join(work, 'pkg')
    subprocess.run(['dpkg-deb', '-x', os.path.join(work, os.listdir(work)[0]),
                    pkg], check=True)
    usr_src = os.path.join(pkg, 'usr', 'src')
    tars = [f for f in os.listdir(usr_src) if '.tar' in f]
    if len(tars) != 1:
        raise AssetError(f'{pkg}: expected one tarball, got {tars}')
    note(f'unpacking {tars[0]}')
    subprocess.run(['tar', '-xf', os.path.join(usr_src, tars[0]), '-C', work],
                   check=True)
    shutil.rmtree(pkg)
    src = os.path.join(work, tars[0].split('.tar')[0])
    add_drivers(src)
    log_path = os.path.join(kdir, 'build.log')
    note(f'building the kernel (cold build: several minutes); log in '
         f'{log_path}')
    with open(log_path, 'w') as log:
        _make(src, log, 'allnoconfig', extra_env={'KCONFIG_ALLCONFIG':
                                                  FRAGMENT})
        check_config(os.path.join(src, '.config'))
        # "headers" rather than headers_install, which needs rsync.
        _make(src, log, 'Image', 'headers')
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(os.path.join(src, 'usr', 'include'),
                    os.path.join(dest, 'headers', 'include'),
                    ignore=shutil.ignore_patterns('.*', 'Makefile'))
    shutil.copy(os.path.join(src, 'arch', 'arm64', 'boot', 'Image'), dest)
    shutil.copy(os.path.join(src, '.config'), os.path.join(dest, 'config'))
    secs = time.monotonic() - start
    with open(os.path.join(dest, 'label'), 'w') as f:
        f.write(f'{pkg} {version}\n{compiler_version()}\n'
                f'built in {secs:.0f} s\n')
    open(os.path.join(dest, 'READY'), 'w').close()
    shutil.rmtree(work, ignore_errors=True)
    note(f'kernel built in {secs:.0f} s')


if __name__ == '__main__':
    try:
        print(get().dir)
    except (AssetError, OSError, subprocess.SubprocessError) as e:
        print(f'e2e-nesting: kernel: {e}', file=sys.stderr)
        sys.exit(1)
