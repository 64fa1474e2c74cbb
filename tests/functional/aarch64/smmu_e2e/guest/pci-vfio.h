/*
 * sysfs and VFIO helpers shared by the e2e-nesting guest programs
 * (nested-dma.c, iothread-fault.c): find a PCI function by its IDs and
 * hand it to vfio-pci.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef E2E_PCI_VFIO_H
#define E2E_PCI_VFIO_H

#include <stddef.h>

/* Write @val to the sysfs file @path: 0 or a negative errno */
int sysfs_write(const char *path, const char *val);

/* The PCI address of the first function with @vendor:@device, into @bdf */
int find_pci_function(unsigned vendor, unsigned device, char *bdf,
                      size_t len);

/*
 * Unbind @bdf from its driver and bind it to vfio-pci (driver_override);
 * 0 with its /dev/vfio/devices/vfioN cdev in @cdev, or a negative errno.
 */
int bind_vfio(const char *bdf, char *cdev, size_t len);

#endif /* E2E_PCI_VFIO_H */
