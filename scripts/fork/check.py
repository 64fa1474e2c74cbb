#!/usr/bin/env python3
# make check's runner: `meson test` on each build flavour, then one line
#   N passed, N failed, N skipped
# counting every TAP case (GLib qtests, unit tests and the functional
# tests all speak TAP) once per flavour it ran on.  Setup "thorough": our
# functional tests download Debian assets, which QEMU keeps out of "quick".
#
# Usage: check.py --log-dir DIR FLAVOUR=OBJDIR:TEST[,TEST...] ...
# (TEST: a meson test name, or @SUITE for every test of that suite)
#
# SPDX-License-Identifier: GPL-2.0-or-later

import argparse
import json
import os
import re
import subprocess
import sys

TAP_LINE = re.compile(r'^(not ok|ok)\b\s*\d*\s*-?\s*(.*?)'
                      r'(?:\s+#\s*(SKIP|TODO)\b\s*(.*))?$', re.IGNORECASE)


def expand(obj, tests):
    """Test names, with each @SUITE replaced by that suite's tests."""
    names = []
    for t in tests:
        if not t.startswith('@'):
            names.append(t)
            continue
        out = subprocess.run(['meson', 'test', '-C', obj, '--no-rebuild',
                              '--list', '--suite', t[1:]],
                             capture_output=True, text=True, check=True)
        names += [ln.split(' / ', 1)[1] for ln in out.stdout.splitlines()
                  if ' / ' in ln]
    return names


def run_meson(flavour, obj, tests, logbase, multiplier):
    """meson test on one flavour; the results land in LOGBASE.json."""
    env = dict(os.environ, FORK_FLAVOUR=flavour)
    cmd = ['meson', 'test', '-C', obj, '--no-rebuild', '--logbase', logbase,
           '--timeout-multiplier', str(multiplier), '--num-processes', '1',
           '--setup', 'thorough', '--print-errorlogs'] + expand(obj, tests)
    print(f'==== {flavour}: {" ".join(cmd)}', flush=True)
    subprocess.run(cmd, env=env, check=False)
    # meson names its logs after the base and the setup
    return os.path.join(obj, 'meson-logs', logbase + '-thorough.json')


def count(flavour, json_path, totals, failures):
    """Counts the TAP cases of every test in one meson JSON log."""
    try:
        with open(json_path) as f:
            records = [json.loads(line) for line in f if line.strip()]
    except OSError as e:
        failures.append(f'[{flavour}] no meson log: {e}')
        totals['failed'] += 1
        return
    for rec in records:
        name = rec['name'].split(' / ')[-1]
        cases = 0
        failed_cases = 0
        for line in (rec.get('stdout') or '').splitlines():
            m = TAP_LINE.match(line.strip())
            if not m:
                continue
            cases += 1
            result, case, directive, reason = m.groups()
            if directive and directive.upper() == 'SKIP':
                totals['skipped'] += 1
                print(f'SKIP  [{flavour}] {name} {case}: {reason}')
            elif result.lower() == 'ok':
                totals['passed'] += 1
            else:
                totals['failed'] += 1
                failed_cases += 1
                failures.append(f'[{flavour}] {name} {case}')
        # A test that died, timed out or printed no case still fails.
        if rec['result'] not in ('OK', 'SKIP') and not failed_cases:
            totals['failed'] += 1
            failures.append(f'[{flavour}] {name}: {rec["result"]}')
        elif cases == 0 and rec['result'] == 'OK':
            totals['failed'] += 1
            failures.append(f'[{flavour}] {name}: ran no test')
        elif cases == 0:
            totals['skipped'] += 1
            print(f'SKIP  [{flavour}] {name}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--log-dir', required=True)
    ap.add_argument('--timeout-multiplier', type=int, default=3)
    ap.add_argument('runs', nargs='+',
                    help='FLAVOUR=OBJDIR:TEST[,TEST...] (meson test names; '
                         '@SUITE for all tests of a suite)')
    args = ap.parse_args()

    os.makedirs(args.log_dir, exist_ok=True)
    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    failures = []
    for n, run in enumerate(args.runs):
        flavour, rest = run.split('=', 1)
        obj, tests = rest.split(':', 1)
        log = run_meson(flavour, obj, tests.split(','), f'check-{n}-{flavour}',
                        args.timeout_multiplier)
        count(flavour, log, totals, failures)
        # Keep every log where make check's users look for them.
        for ext in ('.txt', '.json'):
            src = log[:-len('.json')] + ext
            if os.path.exists(src):
                os.replace(src, os.path.join(args.log_dir,
                                             f'{n}-{flavour}{ext}'))
    if failures:
        print('\nFailed:')
        for f in failures:
            print(f'  {f}')
    print(f'\nLogs: {args.log_dir}')
    print(f'\n{totals["passed"]} passed, {totals["failed"]} failed, '
          f'{totals["skipped"]} skipped')
    return 1 if totals['failed'] else 0


if __name__ == '__main__':
    sys.exit(main())
