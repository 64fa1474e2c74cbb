#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the migration test's guest: disk I/O through the SMMU in
# rounds, while the host migrates the machine.  Round i writes 64 KiB of
# "round i" lines at 4 MiB + i * 64 KiB, drops the page cache and reads
# the whole disk back; "E2E round <i> <sha256>" lets the host check every
# round against the disk it expects, on either side of the migration.

# shellcheck source=tests/functional/aarch64/smmu_e2e/guest/guest-lib.sh
. /lib/e2e-guest.sh

rounds=$(cmdline_param rounds 40)
say init "$(uname -r)"
load_modules
wait_for [ -b /dev/vda ]
report_dmesg
report_pci

i=1
while [ "$i" -le "$rounds" ]; do
    yes "round $i" | head -c 65536 |
        dd of=/dev/vda bs=64k seek=$((64 + i)) conv=notrunc,fsync 2>/dev/null
    echo 3 > /proc/sys/vm/drop_caches
    say round "$i $(sha < /dev/vda)"
    i=$((i + 1))
done
report_dmesg
finish 0
