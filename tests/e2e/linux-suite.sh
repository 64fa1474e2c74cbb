#!/bin/sh
# Real Linux on the emulated SMMUv3: a Debian arm64 kernel boots with
# virtio-blk and virtio-net behind the SMMU (stage 1, 2 and nested) and
# moves data of known checksum.  Speaks TAP; see e2e_main.py.
# Environment: QEMU_BINARY, FORK_FLAVOUR (from make check), CACHE_DIR,
# E2E_BOOT_TIMEOUT (seconds per boot, default 90; 45 s of console
# silence also ends a boot).
#
# SPDX-License-Identifier: GPL-2.0-or-later

here=$(cd "$(dirname "$0")" && pwd)
PYTHONDONTWRITEBYTECODE=1 exec "${PYTHON:-python3}" "$here/e2e_main.py" suite
