#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of L1 for level 2 of the e2e-nesting suite (busybox only).  It
# hands the disk at e2e.bdf to vfio-pci and runs Debian's QEMU with KVM,
# an accelerated vSMMU over iommufd and the disk passed through to L2.
# It reports as "E2E-L1 <key> <value...>"; L2's own lines pass through.

E2E_TAG=E2E-L1
# shellcheck source=tests/functional/aarch64/smmu_e2e/guest/guest-lib.sh
. /lib/e2e-guest.sh

bdf=$(cmdline_param bdf '')
l2mem=$(cmdline_param l2mem 256)

say init "$(uname -r)"
# Debian's loader finds the libraries by its default path; say so anyway.
export LD_LIBRARY_PATH=/usr/lib/aarch64-linux-gnu
say qemu "$(/usr/bin/qemu-system-aarch64 --version 2>&1 | head -n 1)"

load_modules

dmesg | grep 'arm-smmu-v3' | while read -r line; do
    say smmu "$line"
done

sysdev=/sys/bus/pci/devices/$bdf
if [ -z "$bdf" ] || [ ! -d "$sysdev" ]; then
    say vfio "no device ${bdf:-(none given)}"
    finish fail
fi
say device "$bdf $(cat "$sysdev/vendor"):$(cat "$sysdev/device")"

# Give the disk to vfio-pci, whatever claimed it at boot.
echo vfio-pci > "$sysdev/driver_override"
if [ -e "$sysdev/driver" ]; then
    echo "$bdf" > "$sysdev/driver/unbind"
fi
echo "$bdf" > /sys/bus/pci/drivers_probe
drv=$(readlink "$sysdev/driver")
say driver "${drv##*/}"
cdev=$(ls "$sysdev/vfio-dev" 2>/dev/null)
if [ -z "$cdev" ] || [ ! -c "/dev/vfio/devices/$cdev" ] || [ ! -c /dev/iommu ]
then
    say vfio "no cdev (${cdev:-none}) or /dev/iommu"
    finish fail
fi
say vfio "/dev/vfio/devices/$cdev"
if [ ! -c /dev/kvm ]; then
    say kvm missing
    finish fail
fi

# accel=on only takes vfio-pci endpoints with an iommufd backend on its
# bus, hence -nodefaults and nothing else on pcie.0.
/usr/bin/qemu-system-aarch64 \
    -M virt,gic-version=3 -accel kvm -cpu host -smp 1 -m "$l2mem" \
    -nodefaults -display none -serial stdio -no-reboot \
    -bios /usr/share/qemu-efi-aarch64/QEMU_EFI.fd \
    -kernel /l2/Image -initrd /l2/initrd.gz \
    -append 'console=ttyAMA0 rdinit=/init panic=-1 loglevel=4' \
    -object iommufd,id=iommufd0 \
    -device arm-smmuv3,primary-bus=pcie.0,id=smmuv3.0,accel=on \
    -device vfio-pci,host="$bdf",iommufd=iommufd0,id=disk0 \
    </dev/null
status=$?
say qemu-exit "$status"
if [ "$status" -eq 0 ]; then
    finish ok
fi
finish fail
