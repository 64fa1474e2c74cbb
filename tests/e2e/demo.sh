#!/bin/sh
# make demo: boot Linux on the nested SMMU and print what it saw.
# Usage: demo.sh [QEMU_BINARY]   (KERNEL=, INITRD=, STAGE=1|2|nested from
# the environment; by default Debian's kernel, our initramfs, nested)
#
# SPDX-License-Identifier: GPL-2.0-or-later

here=$(cd "$(dirname "$0")" && pwd)
set -- --qemu "${1:-$here/../../build/qemu-system-aarch64}" \
    --stage "${STAGE:-nested}" \
    ${KERNEL:+--kernel "$KERNEL"} ${INITRD:+--initrd "$INITRD"}
PYTHONDONTWRITEBYTECODE=1 exec "${PYTHON:-python3}" "$here/e2e_main.py" demo "$@"
