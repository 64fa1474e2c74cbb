#!/usr/bin/env python3
# Run every suite of the fork and print one closing line:
#   N passed, N failed, N skipped
#
# A suite is a program that speaks TAP (GLib qtests with --tap, our e2e
# scripts).  Each test case counts once per build flavour it runs on.
# Unit tests (--unit) run first, once: they test our engine without QEMU.
#
# SPDX-License-Identifier: GPL-2.0-or-later

import argparse
import os
import re
import signal
import subprocess
import sys
import time

TAP_LINE = re.compile(r'^(not ok|ok)\b\s*\d*\s*-?\s*(.*?)(?:\s+#\s*(SKIP|TODO)\b\s*(.*))?$',
                      re.IGNORECASE)


class Totals:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []


def run_suite(label, argv, env, timeout, totals, log_dir):
    """Run one TAP program; count its cases; a crash or timeout is a failure."""
    start = time.monotonic()
    log_path = os.path.join(log_dir, re.sub(r'[^A-Za-z0-9_.-]', '_', label) + '.log')
    seen = 0
    failed_before = totals.failed
    with open(log_path, 'w') as log:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                stderr=log, text=True, errors='replace',
                                start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout)
            status = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
            status = 'timeout'
        log.write(out)
    for line in out.splitlines():
        m = TAP_LINE.match(line.strip())
        if not m:
            continue
        seen += 1
        result, name, directive, reason = m.groups()
        name = name or f'case {seen}'
        if directive and directive.upper() == 'SKIP':
            totals.skipped += 1
            print(f'SKIP  {label} {name}: {reason}'.rstrip(': '))
        elif result.lower() == 'ok':
            totals.passed += 1
            print(f'PASS  {label} {name}')
        else:
            totals.failed += 1
            totals.failures.append(f'{label} {name}')
            print(f'FAIL  {label} {name}')
    elapsed = time.monotonic() - start
    # A program that died or timed out without reporting a failed case
    # still fails; one that reported nothing at all never passes.
    if status != 0 and totals.failed == failed_before:
        totals.failed += 1
        totals.failures.append(f'{label} (exit status {status})')
        print(f'FAIL  {label}: exit status {status}, see {log_path}')
    elif seen == 0 and status == 0:
        totals.failed += 1
        totals.failures.append(f'{label} (ran no test)')
        print(f'FAIL  {label}: ran no test, see {log_path}')
    print(f'----  {label}: {elapsed:.1f}s')
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--flavour', action='append', default=[],
                    help='NAME=OBJDIR: a built flavour to test')
    ap.add_argument('--qtest', action='append', default=[],
                    help='qtest binary name under tests/qtest/ of each flavour')
    ap.add_argument('--suite', action='append', default=[],
                    help='NAME=PROGRAM: a TAP program run once per flavour '
                         '(it gets QEMU_BINARY and FORK_FLAVOUR)')
    ap.add_argument('--unit', action='append', default=[],
                    help='NAME=PROGRAM: a GLib unit test run once, first')
    ap.add_argument('--timeout', type=int, default=600)
    ap.add_argument('--log-dir', required=True)
    args = ap.parse_args()

    os.makedirs(args.log_dir, exist_ok=True)
    totals = Totals()
    for spec in args.unit:
        name, program = spec.split('=', 1)
        run_suite(f'[unit] {name}', [program, '--tap', '-k'], dict(os.environ),
                  args.timeout, totals, args.log_dir)
    for spec in args.flavour:
        flavour, obj = spec.split('=', 1)
        qemu = os.path.join(obj, 'qemu-system-aarch64')
        env = dict(os.environ, QTEST_QEMU_BINARY=qemu, QEMU_BINARY=qemu,
                   FORK_FLAVOUR=flavour, MALLOC_PERTURB_='85')
        for name in args.qtest:
            binary = os.path.join(obj, 'tests', 'qtest', name)
            run_suite(f'[{flavour}] {name}', [binary, '--tap', '-k'], env,
                      args.timeout, totals, args.log_dir)
        for spec2 in args.suite:
            name, program = spec2.split('=', 1)
            run_suite(f'[{flavour}] {name}', [program], env,
                      args.timeout, totals, args.log_dir)

    if totals.failures:
        print('\nFailed:')
        for f in totals.failures:
            print(f'  {f}')
    print(f'\n{totals.passed} passed, {totals.failed} failed, {totals.skipped} skipped')
    return 1 if totals.failed else 0


if __name__ == '__main__':
    sys.exit(main())
