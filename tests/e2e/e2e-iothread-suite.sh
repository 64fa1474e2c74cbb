#!/bin/sh
# DMA faults raised from an iothread: a virtio-blk disk served by an
# iothread, behind the SMMU, faults while its queue runs; QEMU must stay
# up and Linux must log the event, with the SMMU's wired interrupts and
# with its MSIs.  Uses the e2e-nesting kernel.  Speaks TAP; see
# tests/e2e/nesting/iothread.py.
# Environment: QEMU_BINARY, FORK_FLAVOUR (from make check), CACHE_DIR.
#
# SPDX-License-Identifier: GPL-2.0-or-later

here=$(cd "$(dirname "$0")" && pwd)
PYTHONDONTWRITEBYTECODE=1 exec "${PYTHON:-python3}" "$here/nesting/iothread.py" suite
