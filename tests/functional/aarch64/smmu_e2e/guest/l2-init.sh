#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the L2 guest of the e2e-nesting suite (busybox only).  It reads
# the passed-through disk through L2's vSMMU and reports what it saw as
# "E2E-L2 <key> <value...>" console lines; the host side
# (smmu_e2e/nesting.py) judges them.

E2E_TAG=E2E-L2
# shellcheck source=tests/functional/aarch64/smmu_e2e/guest/guest-lib.sh
. /lib/e2e-guest.sh

say init "$(uname -r)"
load_modules

# The vSMMU as L2's driver saw it.
dmesg | grep 'arm-smmu-v3' | while read -r line; do
    say smmu "$line"
done

tries=0
while [ ! -b /dev/vda ] && [ $tries -lt 100 ]; do
    sleep 0.2
    tries=$((tries + 1))
done
if [ ! -b /dev/vda ]; then
    say disk missing
    finish fail
fi

# The disk must sit in an IOMMU group whose default domain translates
# (DMA or DMA-FQ, not identity): then its DMA goes through stage 1.
dev=$(readlink -f /sys/block/vda/device)
while [ -n "$dev" ] && [ "$dev" != / ] && [ ! -e "$dev/iommu_group" ]; do
    dev=${dev%/*}
done
if [ -e "$dev/iommu_group" ]; then
    say device "${dev##*/}"
    say domain "$(cat "$dev/iommu_group/type")"
else
    say domain none
fi

say sha256 "$(sha < /dev/vda)"
dmesg | grep -E 'arm-smmu-v3.*event|I/O error' | while read -r line; do
    say trouble "$line"
done
finish ok
