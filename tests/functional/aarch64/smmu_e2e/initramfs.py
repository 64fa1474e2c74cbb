# SPDX-License-Identifier: GPL-2.0-or-later
"""Initramfs images and static guest programs for the e2e guests."""

import gzip
import io
import os
import subprocess

from . import AssetError, data_file

# Where build_initramfs() puts guest/guest-lib.sh; every /init sources it.
GUEST_LIB_PATH = 'lib/e2e-guest.sh'
CROSS = 'aarch64-linux-gnu-'


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

    def copy(self, name, path, mode=0o644):
        with open(path, 'rb') as f:
            self.file(name, f.read(), mode)

    def chardev(self, name, major, minor):
        self._entry(name, 0o020600, rdev=(major, minor))

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def tree(self, src, prefix):
        """Everything under src (directories, files, links) as prefix/..."""
        for dirpath, dirs, files in os.walk(src):
            dirs.sort()
            rel = os.path.relpath(dirpath, src)
            here = prefix if rel == '.' else os.path.join(prefix, rel)
            self.directory(here)
            for name in dirs + sorted(files):
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    self.symlink(os.path.join(here, name), os.readlink(path))
                elif os.path.isfile(path):
                    self.copy(os.path.join(here, name), path,
                              0o755 if os.access(path, os.X_OK) else 0o644)

    def base(self, init, busybox, lib_dir='lib'):
        """/init, busybox, /dev/console and the shared shell library."""
        for d in ('bin', 'dev', 'proc', 'sys', 'tmp'):
            self.directory(d)
        self.chardev('dev/console', 5, 1)
        self.copy('init', init, 0o755)
        self.copy('bin/busybox', busybox, 0o755)
        self.copy(os.path.join(lib_dir, 'e2e-guest.sh'),
                  data_file('guest', 'guest-lib.sh'))

    def modules(self, modules):
        """Kernel modules and their load order (guest-lib's load_modules)."""
        self.directory('lib/modules')
        for name, path in modules:
            self.copy(f'lib/modules/{name}', path)
        if modules:
            self.file('lib/modules/load.list',
                      ''.join(f'{n}\n' for n, _ in modules).encode())

    def finish(self):
        self._entry('TRAILER!!!', 0)
        return self.out.getvalue()


def build_initramfs(busybox, modules, init, out_path, extra_files=()):
    """gzip'd cpio: init as /init, busybox, the modules and their load
    order, the shell library; extra_files: (name, host path, mode)."""
    c = Cpio()
    c.directory('lib')
    c.base(init, busybox)
    c.modules(modules)
    for name, path, mode in extra_files:
        c.copy(name, path, mode)
    with open(out_path, 'wb') as f:
        f.write(gzip.compress(c.finish(), compresslevel=1))


def build_program(kernel, out, source):
    """A static aarch64 guest program (guest/<source>, with the shared
    pci-vfio.c and iommufd-nest.c) against the nesting kernel's uapi
    headers."""
    cmd = [CROSS + 'gcc', '-static', '-O2', '-Wall', '-Wextra', '-Werror',
           '-I', kernel.headers, '-o', out, data_file('guest', source),
           data_file('guest', 'pci-vfio.c'),
           data_file('guest', 'iommufd-nest.c')]
    p = subprocess.run(cmd, text=True, capture_output=True, timeout=300)
    if p.returncode != 0:
        raise AssetError(f'building {source} failed:\n{p.stderr}')


def program_initramfs(kernel, busybox, source, init, workdir):
    """The initramfs (path) of a guest whose init (guest/<init>) runs one
    program, build_program(source), as /<source without .c>."""
    name = source[:-2]
    prog = os.path.join(workdir, name)
    build_program(kernel, prog, source)
    initrd = os.path.join(workdir, f'initramfs-{name}.cpio.gz')
    build_initramfs(busybox, [], data_file('guest', init), initrd,
                    extra_files=[(name, prog, 0o755)])
    return initrd
