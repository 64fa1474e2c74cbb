# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# What every busybox /init of the e2e guests shares; build_initramfs()
# puts it at /lib/e2e-guest.sh and each init sources it first.  Reports
# are console lines "<E2E_TAG> <key> <value...>" (E2E_TAG defaults to E2E).

/bin/busybox mkdir -p /proc /sys /dev /tmp /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() {
    echo "${E2E_TAG:-E2E} $*"
}

# Poll until the command "$@" succeeds (10 s at most).  Shell variables
# are global: this one's counter has a name of its own.
wait_for() {
    wait_tries=0
    while ! "$@"; do
        wait_tries=$((wait_tries + 1))
        [ $wait_tries -gt 100 ] && return 1
        sleep 0.1
    done
}

# The sha256 of standard input, hex only.
sha() {
    sha256sum | cut -d' ' -f1
}

# Leave the machine whatever happens: the host waits for QEMU to exit.
finish() {
    say "done" "$1"
    sync
    poweroff -f
    sleep 5
}

# The value of e2e.NAME=VALUE on the kernel command line, or $2.
cmdline_param() {
    for word in $(cat /proc/cmdline); do
        case "$word" in
        "e2e.$1="*) echo "${word#e2e."$1"=}"; return ;;
        esac
    done
    echo "$2"
}

# Drivers the kernel has as modules, in dependency order; each reported.
load_modules() {
    [ -f /lib/modules/load.list ] || return 0
    while read -r mod; do
        if insmod "/lib/modules/$mod" 2>/tmp/insmod.err; then
            say module "$mod loaded"
        else
            say module "$mod failed: $(cat /tmp/insmod.err)"
        fi
    done < /lib/modules/load.list
}

# What the SMMU driver and the IOMMU core said since the last call.
report_dmesg() {
    dmesg -c | grep -iE 'smmu|iommu' | while read -r line; do
        say dmesg "$line"
    done
}

# "<bdf> <vendor>:<device> group=<n|none> type=<domain> driver=<name>"
report_pci() {
    for dev in /sys/bus/pci/devices/*; do
        [ -e "$dev/vendor" ] || continue
        group=none
        gtype=none
        driver=none
        if [ -e "$dev/iommu_group" ]; then
            group=$(basename "$(readlink "$dev/iommu_group")")
            gtype=$(cat "$dev/iommu_group/type" 2>/dev/null || echo unknown)
        fi
        [ -e "$dev/driver" ] && driver=$(basename "$(readlink "$dev/driver")")
        ids="$(cat "$dev/vendor"):$(cat "$dev/device")"
        say pci "$(basename "$dev") $ids group=$group type=$gtype" \
            "driver=$driver"
    done
}

# The interrupts whose name starts with $1: "irq <name> <count> <chip>"
# each, the count summed over the CPU columns; the chip (GICv3, ITS-...)
# tells a wired line from an MSI.
report_irqs() {
    awk -v p="$1" 'NR == 1 { n = NF; next }
        index($NF, p) == 1 {
            t = 0
            for (i = 2; i <= n + 1; i++) t += $i
            print $NF, t, $(n + 2)
        }' /proc/interrupts | while read -r line; do
        say irq "$line"
    done
}
