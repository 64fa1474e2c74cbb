#!/usr/bin/env python3
# Instructions per 4 KiB DMA, which do not depend on the machine's load:
# the bench driver's dma workload under valgrind --tool=callgrind, counting
# only smmu_testdev_reg_write() (its doorbell runs the DMA loop), at two
# DMA counts; the difference divided by the difference of counts leaves
# out the warm-up pass and everything else that runs once.
#
# Usage: bench_callgrind.py OBJDIR [CONFIG ...]   (default: all configs)
#
# SPDX-License-Identifier: GPL-2.0-or-later

import argparse
import os
import re
import subprocess
import sys
import tempfile

CONFIGS = ['noiommu', 'gbpa', 'bypass', 's1', 's2', 'nested']


def ir_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith(('summary:', 'totals:')):
                return int(line.split()[1])
    raise RuntimeError(f'no totals in {path}')


def run(obj, config, ops, pages, shim, tmp):
    out = os.path.join(tmp, f'cg.{config}.{ops}')
    qemu = os.path.join(obj, 'qemu-system-aarch64')
    env = dict(os.environ, QTEST_QEMU_BINARY=(
        'valgrind --tool=callgrind --collect-atstart=no '
        '--toggle-collect=smmu_testdev_reg_write '
        f'--callgrind-out-file={out} {qemu}'))
    # QEMU polls through io_uring otherwise, which valgrind cannot follow
    env['LD_PRELOAD'] = shim
    subprocess.run([os.path.join(obj, 'tests', 'qtest', 'smmuv3-bench'),
                    'dma', f'config={config}', f'pages={pages}',
                    f'ops={ops}'], env=env, check=True, timeout=900,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return ir_total(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('obj')
    ap.add_argument('configs', nargs='*', default=CONFIGS)
    ap.add_argument('--ops', type=int, nargs=2, default=[20000, 40000])
    ap.add_argument('--pages', type=int, default=16)
    ap.add_argument('--shim', default='build/no-io-uring.so')
    args = ap.parse_args()
    shim = os.path.abspath(args.shim)
    if not os.path.exists(shim):
        sys.exit(f'{shim} missing: cc -shared -fPIC -o {args.shim} '
                 'scripts/fork/no-io-uring.c')
    with tempfile.TemporaryDirectory() as tmp:
        for config in args.configs:
            lo, hi = (run(args.obj, config, n, args.pages, shim, tmp)
                      for n in args.ops)
            per = (hi - lo) / (args.ops[1] - args.ops[0])
            print(f'{config:10} {per:8.0f} Ir per DMA', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
