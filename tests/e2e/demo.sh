#!/bin/sh
# make demo: boot Linux on the nested SMMU and print what it saw, then
# (part "nested") let Linux's iommufd build a vIOMMU and a nested domain
# and show where smmu-testdev's DMA lands.
# Usage: demo.sh [QEMU_BINARY]   (DEMO=all|boot|nested, default all;
# for the boot part KERNEL=, INITRD=, STAGE=1|2|nested from the
# environment; by default Debian's kernel, our initramfs, nested)
#
# SPDX-License-Identifier: GPL-2.0-or-later

here=$(cd "$(dirname "$0")" && pwd)
qemu=${1:-$(cd "$here/../.." && pwd)/build/qemu-system-aarch64}
part=${DEMO:-all}
case "$part" in
all|boot|nested) ;;
*) echo "demo.sh: DEMO must be all, boot or nested" >&2; exit 2 ;;
esac
export PYTHONDONTWRITEBYTECODE=1
status=0
if [ "$part" != nested ]; then
    "${PYTHON:-python3}" "$here/e2e_main.py" demo --qemu "$qemu" \
        --stage "${STAGE:-nested}" \
        ${KERNEL:+--kernel "$KERNEL"} ${INITRD:+--initrd "$INITRD"} ||
        status=1
fi
if [ "$part" != boot ]; then
    [ "$part" = all ] && echo
    "${PYTHON:-python3}" "$here/nesting/suite.py" demo --qemu "$qemu" ||
        status=1
fi
exit $status
