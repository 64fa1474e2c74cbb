#!/bin/sh
# iommufd nesting end to end: our kernel's iommufd builds an SMMUv3 vIOMMU
# and a nested domain (stage 1 from a vSTE over a stage-2 nest parent) on
# the emulated SMMUv3, and smmu-testdev's DMA shows where it lands (level
# 1); then, when tests/e2e/nesting/level2.py exists, L1 runs QEMU with KVM
# and an L2 guest (level 2).  Speaks TAP; see tests/e2e/nesting/suite.py.
# Environment: QEMU_BINARY, FORK_FLAVOUR (from make check), CACHE_DIR.
#
# SPDX-License-Identifier: GPL-2.0-or-later

here=$(cd "$(dirname "$0")" && pwd)
PYTHONDONTWRITEBYTECODE=1 exec "${PYTHON:-python3}" "$here/nesting/suite.py" suite
