# Device configuration of the SMMUv3 fork (replaces the base's).
# The build uses --without-default-devices: only what is listed here, and what
# it selects, is compiled in.  This keeps builds fast and the SMMU in focus.

# The boards that carry an SMMUv3.
CONFIG_ARM_VIRT=y
CONFIG_SBSA_REF=y

# PCIe topology: root ports and extra host bridges (one SMMU per bridge).
CONFIG_PCIE_PORT=y
CONFIG_PXB=y
# pxb-pcie shares code with pxb-cxl, which needs the CXL core to link.
CONFIG_CXL=y
CONFIG_CXL_MEM_DEVICE=y

# Devices whose DMA goes through the SMMU.
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_BLK=y
CONFIG_VIRTIO_NET=y

# The DMA engine the fork's qtests drive through the SMMU.
CONFIG_SMMU_TESTDEV=y
