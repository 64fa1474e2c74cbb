# Devices of the SMMUv3 fuzz build (scripts/fork/build.sh fuzz copies this to
# configs/devices/aarch64-softmmu/smmuv3-fuzz.mak and configures with
# --without-default-devices): virt, which selects the SMMUv3 and the PCIe host
# bridge, and the devices the smmuv3 generic-fuzz target puts behind it.
#
# SPDX-License-Identifier: GPL-2.0-or-later

CONFIG_ARM_VIRT=y
# virt selects ACPI_CXL, whose code links only with CXL's and CXL's only
# with the CXL memory device's (defaults of the default devices); CXL
# depends on the PCIe expander bridge and its ports on PCIe root ports
CONFIG_PXB=y
CONFIG_PCIE_PORT=y
CONFIG_CXL=y
CONFIG_CXL_MEM_DEVICE=y
CONFIG_SMMU_TESTDEV=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_BLK=y
