# SPDX-License-Identifier: GPL-2.0-or-later
"""Shared code of the fork's end-to-end tests (test_smmuv3_*.py).

A test script in tests/functional/aarch64/ imports it as ``smmu_e2e``
(the script's own directory is on sys.path); ``make demo`` and
scripts/fork/bench_linux.py put that directory on PYTHONPATH.  Only
``smmu_e2e.testcase`` imports qemu_test; the rest needs qemu.machine
(the base's python/ directory) at most.  Each module's docstring gives
its API; README.rst beside this file says what each test checks.

Here: ``cache_dir(*parts)``: ``${CACHE_DIR:-~/.cache/smmu-fork}/<parts>``,
created, the one cache root of every asset; ``data_file(*parts)``: a file
shipped in this package (``guest/*``, ``kernel.config``); ``AssetError``;
``note(msg)`` (to stderr); ``pattern(seed, size)`` (reproducible bytes);
``sha256(data)``.
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
