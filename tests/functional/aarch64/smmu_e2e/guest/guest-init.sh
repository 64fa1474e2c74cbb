#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the e2e guest (busybox only).  It drives DMA through the SMMU
# and reports what it saw as "E2E <key> <value...>" console lines; the host
# side (smmu_e2e/linux.py) decides whether that is right.  Nothing here
# judges a result, so a broken SMMU cannot make the guest lie about it.

# shellcheck source=tests/functional/aarch64/smmu_e2e/guest/guest-lib.sh
. /lib/e2e-guest.sh

# Our parameters ride on the kernel command line as e2e.NAME=VALUE.
port=$(cmdline_param port '')
upload=$(cmdline_param upload 0)

say init "$(uname -r)"

load_modules

# Devices probe asynchronously: give them a few seconds to appear.
wait_for [ -b /dev/vda ] && wait_for [ -d /sys/class/net/eth0 ]

# What the SMMU driver and the IOMMU core said while probing: printed now,
# so that a run that hangs later still shows it.
report_dmesg

report_pci
groups=
for g in /sys/kernel/iommu_groups/*; do
    [ -d "$g" ] && groups="$groups ${g##*/}"
done
say groups "${groups# }"

# Block: read the whole disk, write a copy of its first 4 MiB at 8 MiB,
# drop the page cache and read everything back from the device.
if [ -b /dev/vda ]; then
    # Large requests and readahead keep megabytes of IOVA space mapped at
    # once, so the transfers cross many pages of the SMMU's tables.
    cat /sys/block/vda/queue/max_hw_sectors_kb \
        > /sys/block/vda/queue/max_sectors_kb
    echo 4096 > /sys/block/vda/queue/read_ahead_kb
    say disk-read "$(sha < /dev/vda)"
    dd if=/dev/vda of=/dev/vda bs=1M count=4 seek=8 conv=notrunc,fsync \
        2>/dev/null
    sync
    echo 3 > /proc/sys/vm/drop_caches
    say disk-reread "$(sha < /dev/vda)"
else
    say disk-read missing
fi

# Network: user-mode netdev, the host's HTTP server answers on 10.0.2.2.
if [ -d /sys/class/net/eth0 ] && [ -n "$port" ]; then
    ip link set lo up
    ip link set eth0 up
    ip addr add 10.0.2.15/24 dev eth0
    ip route add default via 10.0.2.2
    # Debian's busybox wget has no -T: bound it with timeout instead.
    say net-get "$(timeout 30 wget -q -O - "http://10.0.2.2:$port/blob" | sha)"
    if [ "$upload" -gt 0 ] && [ -b /dev/vda ]; then
        # The upload is disk content the host knows: [2 MiB, 2 MiB + size),
        # base64 encoded because busybox wget posts a C string.
        dd if=/dev/vda bs=1M skip=2 count=$((upload / 1048576)) \
            2>/dev/null | base64 > /tmp/upload
        say net-post "$(timeout 30 wget -q -O - --post-file /tmp/upload \
                        "http://10.0.2.2:$port/upload")"
    fi
else
    say net-get missing
fi

# And what they said since (events, errors), and how the SMMU interrupts.
report_dmesg
report_irqs arm-smmu-v3

finish ok
