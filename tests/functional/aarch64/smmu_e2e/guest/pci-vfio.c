/*
 * sysfs and VFIO helpers shared by the e2e-nesting guest programs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pci-vfio.h"

int sysfs_write(const char *path, const char *val)
{
    int fd = open(path, O_WRONLY);
    ssize_t n;

    if (fd < 0) {
        return -errno;
    }
    n = write(fd, val, strlen(val));
    close(fd);
    return n < 0 ? -errno : 0;
}

static unsigned long sysfs_hex(const char *dir, const char *name)
{
    char path[512], buf[32] = "";
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    if (!fgets(buf, sizeof(buf), f)) {
        buf[0] = 0;
    }
    fclose(f);
    return strtoul(buf, NULL, 16);
}

int find_pci_function(unsigned vendor, unsigned device, char *bdf,
                      size_t len)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    struct dirent *e;
    char dir[300];
    int found = 0;

    if (!d) {
        return 0;
    }
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", e->d_name);
        if (sysfs_hex(dir, "vendor") == vendor &&
            sysfs_hex(dir, "device") == device) {
            snprintf(bdf, len, "%s", e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

int bind_vfio(const char *bdf, char *cdev, size_t len)
{
    char path[300];
    DIR *d;
    struct dirent *e;
    int r;

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
             bdf);
    r = sysfs_write(path, "vfio-pci");
    if (r) {
        return r;
    }
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
             bdf);
    sysfs_write(path, bdf);
    r = sysfs_write("/sys/bus/pci/drivers/vfio-pci/bind", bdf);
    if (r) {
        return r;
    }
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vfio-dev", bdf);
    d = opendir(path);
    if (!d) {
        return -errno;
    }
    r = -ENOENT;
    while ((e = readdir(d))) {
        if (!strncmp(e->d_name, "vfio", 4)) {
            snprintf(cdev, len, "/dev/vfio/devices/%s", e->d_name);
            r = 0;
            break;
        }
    }
    closedir(d);
    return r;
}
