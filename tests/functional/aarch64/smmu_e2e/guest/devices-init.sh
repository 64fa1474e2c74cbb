#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the devices guest (busybox only): NVMe, igb with SR-IOV VFs and
# a virtio-blk disk served by an iothread sit behind the SMMU together, and
# this script moves data through each in turn.  Like guest-init.sh it only
# reports "E2E <key> <value...>" lines; the host (test_smmuv3_devices.py)
# knows the checksums and judges.

# shellcheck source=tests/functional/aarch64/smmu_e2e/guest/guest-lib.sh
. /lib/e2e-guest.sh

port=$(cmdline_param port '')

say init "$(uname -r)"
load_modules

# The PCI function with these ids, e.g. pci_find 0x8086 0x10c9.
pci_find() {
    for dev in /sys/bus/pci/devices/*; do
        [ "$(cat "$dev/vendor")" = "$1" ] &&
            [ "$(cat "$dev/device")" = "$2" ] && basename "$dev" && return
    done
}

# Large requests keep megabytes of IOVA space mapped at once.
big_requests() {
    cat "/sys/block/$1/queue/max_hw_sectors_kb" \
        > "/sys/block/$1/queue/max_sectors_kb"
}

# A disk holding the host's pattern: read it whole with O_DIRECT from each
# CPU in turn (blk-mq gives every CPU its own queue, so each hardware queue
# the driver set up carries a full read), copy [0, 4 MiB) to 8 MiB with
# O_DIRECT on the last CPU, then read it again through the page cache after
# dropping it, and once more with O_DIRECT.  Reports "<disk> <what> ...".
disk_work() {
    disk=$1
    wait_for [ -b "/dev/$disk" ] || { say "$disk" missing; return; }
    dev=/dev/$disk
    big_requests "$disk"
    echo 4096 > "/sys/block/$disk/queue/read_ahead_kb"
    set -- "/sys/block/$disk/mq"/*
    say "$disk" queues $#
    cpus=$(nproc)
    cpu=0
    while [ $cpu -lt "$cpus" ]; do
        say "$disk" read "cpu$cpu $(taskset -c $cpu \
            dd if="$dev" bs=1M iflag=direct 2>/dev/null | sha)"
        cpu=$((cpu + 1))
    done
    taskset -c $((cpus - 1)) dd if="$dev" of="$dev" bs=1M count=4 seek=8 \
        iflag=direct oflag=direct conv=notrunc,fsync 2>/dev/null
    sync
    echo 3 > /proc/sys/vm/drop_caches
    say "$disk" reread "cached $(sha < "$dev")"
    say "$disk" reread "direct $(dd if="$dev" bs=1M iflag=direct \
                                 2>/dev/null | sha)"
}

# The netdev of PCI function $1 once its driver has registered one.
netdev_of() {
    ls "/sys/bus/pci/devices/$1/net" 2>/dev/null
}

has_netdev() {
    [ -n "$(netdev_of "$1")" ]
}

# Bring $1 up as the guest's only route to the host's server at 10.0.2.2
# (user-mode netdev), fetch the blob, post it back, take it down again.
net_through() {
    ifc=$1
    tag=$2
    ip link set "$ifc" up
    ip addr add "10.0.2.$3/24" dev "$ifc"
    ip route add default via 10.0.2.2 dev "$ifc"
    wait_for grep -q 1 "/sys/class/net/$ifc/carrier" || say link "$tag down"
    # Debian's busybox wget has no -T: bound it with timeout instead.
    timeout 30 wget -q -O /tmp/blob "http://10.0.2.2:$port/blob"
    say net-get "$tag $(sha < /tmp/blob)"
    base64 /tmp/blob > /tmp/upload
    say net-post "$tag $(timeout 30 wget -q -O - --post-file /tmp/upload \
                         "http://10.0.2.2:$port/upload-$tag")"
    say rx-bytes "$tag $(cat "/sys/class/net/$ifc/statistics/rx_bytes")"
    rm -f /tmp/blob /tmp/upload
    ip route del default
    ip addr flush dev "$ifc"
    ip link set "$ifc" down
}

# Enable the PF's VFs; their links come up while the disks work.
igb_enable() {
    pf=$(pci_find 0x8086 0x10c9)
    [ -n "$pf" ] || { say igb missing; return; }
    wait_for has_netdev "$pf" || { say igb no-netdev; return; }
    pfif=$(netdev_of "$pf")
    # The VFs get no link while the PF is down (igb serves their mailbox
    # from its interrupts).  The PF gets no address: none of our traffic
    # is its own.
    ip link set "$pfif" up
    say sriov "total $(cat "/sys/bus/pci/devices/$pf/sriov_totalvfs")"
    echo 2 > "/sys/bus/pci/devices/$pf/sriov_numvfs"
    say sriov "enabled $(cat "/sys/bus/pci/devices/$pf/sriov_numvfs")"
    for link in "/sys/bus/pci/devices/$pf"/virtfn*; do
        [ -e "$link" ] || continue
        say vf "${link##*/virtfn} $(basename "$(readlink "$link")")"
    done
}

# The blob down and up through each VF in turn, then the PF's count.
igb_traffic() {
    [ -n "$pfif" ] || return
    i=0
    for link in "/sys/bus/pci/devices/$pf"/virtfn*; do
        [ -e "$link" ] || continue
        vf=$(basename "$(readlink "$link")")
        if wait_for has_netdev "$vf"; then
            net_through "$(netdev_of "$vf")" "vf$i" $((20 + i))
        else
            say net-get "vf$i no-netdev"
        fi
        i=$((i + 1))
    done
    say rx-bytes "pf $(cat "/sys/class/net/$pfif/statistics/rx_bytes")"
}

pfif=
report_dmesg
igb_enable
# Both disks at once: their DMA goes through the SMMU side by side.
disk_work nvme0n1 &
disk_work vda &
wait
report_irqs nvme0q
report_pci
igb_traffic
report_dmesg
report_irqs arm-smmu-v3
finish ok
