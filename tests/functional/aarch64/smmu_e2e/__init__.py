# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared code of the fork's end-to-end tests (test_smmuv3_*.py).

A test script in tests/functional/aarch64/ imports it as ``smmu_e2e``
(the script's own directory is on sys.path); ``make demo`` and
scripts/fork/bench_linux.py put that directory on PYTHONPATH.  Only
``smmu_e2e.testcase`` imports qemu_test; the rest needs qemu.machine
(the base's python/ directory) at most.

The API, kept stable for the tests built on it:

smmu_e2e
    ``cache_dir(*parts)``: ``${CACHE_DIR:-~/.cache/smmu-fork}/<parts>``,
    created; the one cache root of every asset.  ``data_file(*parts)``: a
    file shipped in this package (``guest/*.sh``, ``guest/*.c``,
    ``kernel.config``).  ``AssetError``, ``note(msg)`` (to stderr),
    ``pattern(seed, size)`` (reproducible bytes), ``sha256(data)``.
smmu_e2e.debian
    ``PrivateApt(root, suite)``: apt-get on Debian's archive with its own
    state under root, arm64 only, no root needed.  ``guest()`` ->
    ``(Guest, notice)``: bookworm's kernel (``.kernel``), busybox
    (``.busybox``), the virtio modules in load order (``.modules``,
    ``[(name, path)]``), the NVMe and igb drivers to load after them
    (``.device_modules``), ``.label``; notice is None or says the pin
    moved.
    ``l1_userspace()``: sid's QEMU and UEFI for a level-1 guest.
smmu_e2e.initramfs
    ``build_initramfs(busybox, modules, init, out, extra_files=())``:
    gzip'd cpio with ``init`` as /init and ``guest/guest-lib.sh`` at
    /lib/e2e-guest.sh; ``build_program(kernel, out, source)``: a static
    aarch64 program from ``guest/<source>`` against the nesting kernel's
    uapi headers; ``program_initramfs(kernel, busybox, source, init,
    workdir)``: an initramfs whose init runs one.
smmu_e2e.kernel
    ``get()`` -> ``Kernel`` (``.image``, ``.headers``, ``.label``): the
    iommufd-capable kernel, built once and cached.
smmu_e2e.machine
    The one QEMU command builder: ``qemu_args(stage, smmu, cpu, smp, mem,
    virtualization, kernel, initrd, append)`` (``smmu`` is ``'machine'``
    for ``-M virt,iommu=smmuv3``, ``'device'`` for ``-device
    arm-smmuv3,primary-bus=pcie.0,id=smmu0``, None for no SMMU);
    ``virtio_blk(drive, ...)``, ``virtio_net(...)``, ``nvme_ctrl(drive,
    serial)`` for endpoints behind the SMMU; ``append(extra, loglevel, **params)``: the kernel command
    line with e2e.NAME=VALUE for the guest's /init.  ``boot(vm, timeout,
    silence, until=None)`` launches a QEMUMachine and collects its console
    until QEMU exits (or a line satisfies ``until``) -> ``Boot``
    (``.console`` lines, ``.finished``, ``.status``, ``.why``, ``.elapsed``,
    ``.log`` QEMU's own output, ``.reports(tag, key)``, ``.tail()``).  ``flavour(qemu_binary)``: 'ours' or
    'baseline', from QMP query-version's package string.
smmu_e2e.testcase
    ``SmmuTest``, a QemuSystemTest with ``self.flavour``,
    ``self.skip_on_baseline(reason)``, ``self.boot(args, timeout, silence,
    until)`` (on ``self.vm``) and ``self.fail_run(boot, what)``.  Tests run
    as ``meson test -C build/<flavour>/obj --setup thorough --no-rebuild
    func-aarch64-smmuv3_<name>`` (patches/infra/0004 registers them).
smmu_e2e.linux, smmu_e2e.nesting, smmu_e2e.fdt
    What the Linux, nesting and iothread tests judge; see each module.
"""

import hashlib
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


class AssetError(Exception):
    pass


def cache_dir(*parts):
    base = os.environ.get('CACHE_DIR') or os.path.join(
        os.path.expanduser('~'), '.cache', 'smmu-fork')
    path = os.path.join(base, *parts)
    os.makedirs(path, exist_ok=True)
    return path


def data_file(*parts):
    return os.path.join(HERE, *parts)


def note(msg):
    print(f'smmu_e2e: {msg}', file=sys.stderr, flush=True)


def pattern(seed, size):
    return random.Random(seed).randbytes(size)


def sha256(data):
    return hashlib.sha256(data).hexdigest()
