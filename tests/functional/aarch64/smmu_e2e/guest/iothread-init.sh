#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the e2e iothread guest: run iothread-fault, show what Linux
# logged about the SMMU's events and how its interrupts came (wired lines
# or ITS MSIs), power off.  The host (test_smmuv3_iothread.py) reads the
# "IOTF ..." lines.

E2E_TAG=IOTF
# shellcheck source=tests/functional/aarch64/smmu_e2e/guest/guest-lib.sh
. /lib/e2e-guest.sh

say kernel "$(uname -r)"
/iothread-fault
say exit "$?"
# Give the event interrupt's thread a moment, then show its log
sleep 1
report_irqs arm-smmu-v3
dmesg | grep -E 'arm-smmu-v3' | sed 's/^/IOTF dmesg /'
# Not finish: iothread-fault's own "IOTF done <failed>" is the result.
sync
poweroff -f
sleep 5
