// SPDX-License-Identifier: GPL-2.0
/*
 * smmu-testdev-sva: Shared Virtual Addressing for QEMU's smmu-testdev
 * (1af4:10f5, the fork's hw/misc/smmu-testdev.c), a test driver of the
 * e2e-nesting kernel (tests/functional/aarch64/smmu_e2e/kdriver/; the
 * build copies it into drivers/misc/).
 *
 * It has no ID table: the guest binds it through driver_override, since
 * other tests give the same device to vfio-pci.  A process opens
 * /dev/smmu-testdev-sva, binds its mm (iommu_sva_bind_device()) and asks
 * for DMA on its own virtual addresses; the device tags them with the
 * PASID, and the SMMU walks the process's page tables.
 */

#include <linux/iommu.h>
#include <linux/miscdevice.h>
#include <linux/mm_types.h>
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <asm/mmu.h>

#include "smmu-testdev-sva.h"

/* smmu-testdev's BAR0 (include/hw/misc/smmu-testdev.h in QEMU's tree) */
#define TD_REG_ID               0x00
#define TD_REG_SRC              0x08
#define TD_REG_DST              0x10
#define TD_REG_LEN              0x18
#define TD_REG_OP               0x1c
#define TD_REG_PASID            0x20
#define TD_REG_DOORBELL         0x24
#define TD_REG_STATUS           0x28
#define TD_REG_RESULT           0x2c
#define TD_REG_STALL_COUNT      0xb0
#define TD_STATUS_DONE          BIT(0)
#define TD_STATUS_STALLED       BIT(1)
#define TD_MAGIC                0x534d4d55
#define TD_PASID_VALID          BIT(31)
#define TD_BUF_SIZE             0x10000

struct sva_testdev {
	struct pci_dev *pdev;
	void __iomem *bar;
	struct miscdevice misc;
	struct mutex lock;              /* one operation at a time */
};

/* The one device bound (smmu-testdev is a test device: one per guest) */
static struct sva_testdev *sva_testdev;
static DEFINE_MUTEX(sva_testdev_mutex);

struct sva_file {
	struct sva_testdev *td;
	struct iommu_sva *handle;       /* NULL until BIND */
	struct mutex lock;
};

static void td_write64(struct sva_testdev *td, u32 off, u64 v)
{
	writel(lower_32_bits(v), td->bar + off);
	writel(upper_32_bits(v), td->bar + off + 4);
}

static int sva_open(struct inode *inode, struct file *file)
{
	struct sva_file *f;

	f = kzalloc_obj(*f);
	if (!f)
		return -ENOMEM;
	mutex_lock(&sva_testdev_mutex);
	f->td = sva_testdev;
	mutex_unlock(&sva_testdev_mutex);
	if (!f->td) {
		kfree(f);
		return -ENODEV;
	}
	mutex_init(&f->lock);
	file->private_data = f;
	return 0;
}

static int sva_release(struct inode *inode, struct file *file)
{
	struct sva_file *f = file->private_data;

	if (f->handle)
		iommu_sva_unbind_device(f->handle);
	kfree(f);
	return 0;
}

static long sva_bind(struct sva_file *f, void __user *arg)
{
	struct smmu_testdev_sva_bind b = {};
	struct iommu_sva *handle;

	if (f->handle)
		return -EBUSY;
	handle = iommu_sva_bind_device(&f->td->pdev->dev, current->mm);
	if (IS_ERR(handle)) {
		dev_info(&f->td->pdev->dev, "SVA bind refused: %ld\n",
			 PTR_ERR(handle));
		return PTR_ERR(handle);
	}
	b.pasid = iommu_sva_get_pasid(handle);
	b.cpu_asid = ASID(current->mm);
	b.pgd = virt_to_phys(current->mm->pgd);
	if (copy_to_user(arg, &b, sizeof(b))) {
		iommu_sva_unbind_device(handle);
		return -EFAULT;
	}
	f->handle = handle;
	dev_info(&f->td->pdev->dev, "SVA bound: pasid %u cpu asid %u pgd %pa\n",
		 b.pasid, b.cpu_asid, &b.pgd);
	return 0;
}

static long sva_dma(struct sva_file *f, void __user *arg)
{
	struct sva_testdev *td = f->td;
	struct smmu_testdev_sva_dma d;
	unsigned long timeout;

	if (!f->handle)
		return -ENXIO;
	if (copy_from_user(&d, arg, sizeof(d)))
		return -EFAULT;
	if (!d.len || d.len > TD_BUF_SIZE)
		return -EINVAL;

	mutex_lock(&td->lock);
	td_write64(td, TD_REG_SRC, d.src);
	td_write64(td, TD_REG_DST, d.dst);
	writel(d.len, td->bar + TD_REG_LEN);
	writel(d.op, td->bar + TD_REG_OP);
	writel(TD_PASID_VALID | iommu_sva_get_pasid(f->handle),
	       td->bar + TD_REG_PASID);
	/* The model runs the operation within the doorbell write... */
	writel(1, td->bar + TD_REG_DOORBELL);
	d.status = readl(td->bar + TD_REG_STATUS);
	/*
	 * ...unless the SMMU stalled it: Linux's I/O page fault handler then
	 * faults the page in and resumes it (CMD_RESUME), or terminates it.
	 */
	timeout = jiffies + 5 * HZ;
	while ((d.status & TD_STATUS_STALLED) && time_before(jiffies, timeout)) {
		usleep_range(200, 1000);
		d.status = readl(td->bar + TD_REG_STATUS);
	}
	d.result = readl(td->bar + TD_REG_RESULT);
	d.stalls = readl(td->bar + TD_REG_STALL_COUNT);
	writel(0, td->bar + TD_REG_PASID);
	mutex_unlock(&td->lock);

	return copy_to_user(arg, &d, sizeof(d)) ? -EFAULT : 0;
}

static long sva_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct sva_file *f = file->private_data;
	long ret;

	mutex_lock(&f->lock);
	switch (cmd) {
	case SMMU_TESTDEV_SVA_BIND:
		ret = sva_bind(f, (void __user *)arg);
		break;
	case SMMU_TESTDEV_SVA_DMA:
		ret = sva_dma(f, (void __user *)arg);
		break;
	case SMMU_TESTDEV_SVA_UNBIND:
		ret = f->handle ? 0 : -ENXIO;
		if (f->handle)
			iommu_sva_unbind_device(f->handle);
		f->handle = NULL;
		break;
	default:
		ret = -ENOTTY;
	}
	mutex_unlock(&f->lock);
	return ret;
}

static const struct file_operations sva_fops = {
	.owner = THIS_MODULE,
	.open = sva_open,
	.release = sva_release,
	.unlocked_ioctl = sva_ioctl,
};

static int sva_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct sva_testdev *td;
	int ret;

	if (pdev->vendor != 0x1af4 || pdev->device != 0x10f5)
		return -ENODEV;
	td = devm_kzalloc(&pdev->dev, sizeof(*td), GFP_KERNEL);
	if (!td)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	td->bar = pcim_iomap_region(pdev, 0, SMMU_TESTDEV_SVA_NAME);
	if (IS_ERR(td->bar))
		return PTR_ERR(td->bar);
	if (readl(td->bar + TD_REG_ID) != TD_MAGIC)
		return -ENODEV;
	pci_set_master(pdev);
	td->pdev = pdev;
	mutex_init(&td->lock);

	mutex_lock(&sva_testdev_mutex);
	if (sva_testdev) {
		ret = -EBUSY;
		goto out;
	}
	td->misc.minor = MISC_DYNAMIC_MINOR;
	td->misc.name = SMMU_TESTDEV_SVA_NAME;
	td->misc.fops = &sva_fops;
	ret = misc_register(&td->misc);
	if (ret)
		goto out;
	sva_testdev = td;
	pci_set_drvdata(pdev, td);
out:
	mutex_unlock(&sva_testdev_mutex);
	return ret;
}

static void sva_remove(struct pci_dev *pdev)
{
	struct sva_testdev *td = pci_get_drvdata(pdev);

	mutex_lock(&sva_testdev_mutex);
	misc_deregister(&td->misc);
	sva_testdev = NULL;
	mutex_unlock(&sva_testdev_mutex);
}

/* No id_table: only driver_override binds a device to this driver */
static struct pci_driver sva_driver = {
	.name = SMMU_TESTDEV_SVA_NAME,
	.probe = sva_probe,
	.remove = sva_remove,
};
module_pci_driver(sva_driver);

MODULE_DESCRIPTION("SVA test driver for QEMU's smmu-testdev");
MODULE_LICENSE("GPL");
