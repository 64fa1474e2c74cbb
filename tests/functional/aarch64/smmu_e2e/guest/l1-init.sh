#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the e2e-nesting level-1 guest: run its program (e2e.prog on
# the kernel command line, nested-dma unless told) and power off.  The
# program prints "NEST ..." lines; the host (smmu_e2e/nesting.py) reads
# them.

# shellcheck source=tests/functional/aarch64/smmu_e2e/guest/guest-lib.sh
. /lib/e2e-guest.sh

prog=$(cmdline_param prog nested-dma)
echo "NEST kernel $(uname -r)"
# What Linux found: the SMMU's features, the test device's group.
dmesg | grep -E 'arm-smmu-v3.*(ias|features)' | sed 's/^/NEST dmesg /'
NEST_HOLD=$(cmdline_param hold 0) "/$prog"
echo "NEST exit $?"
# Events the kernel could not forward would show up here.
dmesg | grep -E 'arm-smmu-v3.*(event|PRI|access at iova)|iommufd|vfio|SVA' |
    sed 's/^/NEST dmesg /'
sync
poweroff -f
sleep 5
