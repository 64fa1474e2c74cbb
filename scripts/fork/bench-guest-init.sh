#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the benchmark guest (workload 5 of make bench): read the whole
# virtio-blk disk five times with O_DIRECT, so every byte is a DMA through the
# SMMU (or none), and report the guest's clock before and after.  The host
# side (scripts/fork/bench_linux.py) turns that into MB/s.

E2E_TAG=BENCH
# shellcheck source=tests/functional/aarch64/smmu_e2e/guest/guest-lib.sh
. /lib/e2e-guest.sh
load_modules

tries=0
while [ ! -b /dev/vda ] && [ $tries -lt 100 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
if [ ! -b /dev/vda ]; then
    echo "BENCH error no /dev/vda"
    poweroff -f
fi

# Large requests, as a streaming reader would issue them.
cat /sys/block/vda/queue/max_hw_sectors_kb > /sys/block/vda/queue/max_sectors_kb
mib=$(($(cat /sys/block/vda/size) / 2048))
# e2e.bs (MiB): the huge-page row reads 4 MiB at a time, so dd's buffer
# can hold whole transparent huge pages
bs=$(cmdline_param bs 1)
# Several reads per boot: one read is short enough for TCG's jitter to
# show; the host takes their median.
for _ in 1 2 3 4 5; do
    t0=$(cut -d' ' -f1 /proc/uptime)
    dd if=/dev/vda of=/dev/null bs="${bs}M" count=$((mib / bs)) iflag=direct \
        2>/tmp/dd.err || echo "BENCH error dd: $(cat /tmp/dd.err)"
    t1=$(cut -d' ' -f1 /proc/uptime)
    echo "BENCH read $mib $t0 $t1"
done

# The host reads the SMMU's counters now, then quits QEMU.
echo "BENCH waiting"
sleep 60
poweroff -f
