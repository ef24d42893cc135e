// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory: the fd GUNYAH_CREATE_GUEST_MEM returns. Its pages are
 * allocated up front, zeroed and charged to the caller's memory cgroup;
 * the VMM mmap()s them (shared) to load the guest, and VMs take a file
 * reference for as long as the RM may hand the pages to a guest. The
 * pages go back to the host allocator only when the last reference goes.
 */

#include <linux/anon_inodes.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vm_mgr/vm_mgr_priv.h"

/* Bound on one guest-memory fd; 0 = half of the host's RAM */
static unsigned int max_guest_mem_mb;
module_param(max_guest_mem_mb, uint, 0644);
MODULE_PARM_DESC(max_guest_mem_mb, "Largest guest-memory fd in MiB (0 = half the host's RAM)");

#define GUNYAH_GMEM_BLOCK_ORDER	(21 - PAGE_SHIFT)	/* 2 MiB */
#define GUNYAH_GMEM_FLAGS	(GHMF_CLOEXEC | GHMF_ALLOW_HUGEPAGE)

/**
 * struct gunyah_gmem - One guest-memory fd
 * @dev: device for logs
 * @nr_pages: its size in pages
 * @pages: its pages, order 0 (blocks are split)
 */
struct gunyah_gmem {
	struct device *dev;
	unsigned long nr_pages;
	struct page **pages;
};

static atomic_long_t gunyah_gmem_pages = ATOMIC_LONG_INIT(0);
static atomic_long_t gunyah_gmem_files = ATOMIC_LONG_INIT(0);
static atomic_long_t gunyah_gmem_lost = ATOMIC_LONG_INIT(0);

static void gunyah_gmem_free(struct gunyah_gmem *gmem)
{
	unsigned long i, n = 0;

	for (i = 0; i < gmem->nr_pages; i++) {
		if (gmem->pages[i]) {
			__free_page(gmem->pages[i]);
			n++;
		}
	}
	atomic_long_sub(n, &gunyah_gmem_pages);
	put_device(gmem->dev);
	kvfree(gmem->pages);
	kfree(gmem);
}

static int gunyah_gmem_alloc_pages(struct gunyah_gmem *gmem, bool blocks)
{
	const gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_ZERO;
	unsigned long i = 0, j, n;
	struct page *page;
	unsigned int order;

	while (i < gmem->nr_pages) {
		/* Killed (or chosen by the OOM killer): stop taking memory */
		if (fatal_signal_pending(current))
			return -EINTR;
		order = 0;
		page = NULL;
		if (blocks && gmem->nr_pages - i >= (1UL << GUNYAH_GMEM_BLOCK_ORDER)) {
			order = GUNYAH_GMEM_BLOCK_ORDER;
			page = alloc_pages(gfp | __GFP_NORETRY | __GFP_NOWARN, order);
		}
		if (!page) {
			order = 0;
			page = alloc_page(gfp);
		}
		if (!page)
			return -ENOMEM;
		if (order)
			split_page(page, order);
		n = 1UL << order;
		for (j = 0; j < n; j++)
			gmem->pages[i + j] = page + j;
		i += n;
		atomic_long_add(n, &gunyah_gmem_pages);
		cond_resched();
	}
	return 0;
}

static vm_fault_t gunyah_gmem_fault(struct vm_fault *vmf)
{
	struct gunyah_gmem *gmem = vmf->vma->vm_file->private_data;

	return gunyah_vm_fault_pages(vmf, gmem->pages, gmem->nr_pages);
}

static const struct vm_operations_struct gunyah_gmem_vm_ops = {
	.fault = gunyah_gmem_fault,
};

static int gunyah_gmem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct gunyah_gmem *gmem = file->private_data;

	/* A private mapping would copy on write: the guest would not see it */
	if (!(vma->vm_flags & VM_SHARED)) {
		dev_err_ratelimited(gmem->dev, "guest memory can only be mapped MAP_SHARED\n");
		return -EINVAL;
	}
	vma->vm_ops = &gunyah_gmem_vm_ops;
	return 0;
}

static int gunyah_gmem_release(struct inode *inode, struct file *file)
{
	gunyah_gmem_free(file->private_data);
	atomic_long_dec(&gunyah_gmem_files);
	return 0;
}

static const struct file_operations gunyah_gmem_fops = {
	.owner = THIS_MODULE,
	.mmap = gunyah_gmem_mmap,
	.release = gunyah_gmem_release,
	.llseek = noop_llseek,
};

/**
 * gunyah_gmem_create() - GUNYAH_CREATE_GUEST_MEM
 * @dev: device for logs
 * @argp: user pointer to &struct gunyah_create_mem_args
 *
 * Return: the new fd, or a negative errno.
 */
long gunyah_gmem_create(struct device *dev, void __user *argp)
{
	struct gunyah_create_mem_args args;
	struct gunyah_gmem *gmem;
	unsigned int i;
	u64 max_bytes;
	int fd, ret;

	if (copy_from_user(&args, argp, sizeof(args))) {
		dev_err_ratelimited(dev, "GUNYAH_CREATE_GUEST_MEM: cannot read the arguments\n");
		return -EFAULT;
	}
	for (i = 0; i < ARRAY_SIZE(args.reserved); i++) {
		if (args.reserved[i]) {
			dev_err_ratelimited(dev, "GUNYAH_CREATE_GUEST_MEM: reserved[%u] is not zero\n",
					    i);
			return -EINVAL;
		}
	}
	if (args.flags & ~GUNYAH_GMEM_FLAGS) {
		dev_err_ratelimited(dev, "GUNYAH_CREATE_GUEST_MEM: unknown flags %#llx\n",
				    args.flags & ~GUNYAH_GMEM_FLAGS);
		return -EINVAL;
	}
	if (!args.size || !PAGE_ALIGNED(args.size)) {
		dev_err_ratelimited(dev, "GUNYAH_CREATE_GUEST_MEM: size %#llx is not a non-zero multiple of %lu\n",
				    args.size, PAGE_SIZE);
		return -EINVAL;
	}
	max_bytes = (u64)READ_ONCE(max_guest_mem_mb) << 20;
	if (!max_bytes)
		max_bytes = (u64)(totalram_pages() / 2) << PAGE_SHIFT;
	if (args.size > max_bytes) {
		dev_err_ratelimited(dev, "GUNYAH_CREATE_GUEST_MEM: %llu bytes is more than the %llu allowed (max_guest_mem_mb)\n",
				    args.size, max_bytes);
		return -E2BIG;
	}

	gmem = kzalloc(sizeof(*gmem), GFP_KERNEL_ACCOUNT);
	if (!gmem)
		return -ENOMEM;
	gmem->dev = get_device(dev);
	gmem->nr_pages = args.size >> PAGE_SHIFT;
	gmem->pages = kvcalloc(gmem->nr_pages, sizeof(*gmem->pages),
			       GFP_KERNEL_ACCOUNT);
	if (!gmem->pages) {
		put_device(gmem->dev);
		kfree(gmem);
		return -ENOMEM;
	}
	ret = gunyah_gmem_alloc_pages(gmem, args.flags & GHMF_ALLOW_HUGEPAGE);
	if (ret) {
		dev_err_ratelimited(dev, "GUNYAH_CREATE_GUEST_MEM: cannot allocate %llu bytes: %d\n",
				    args.size, ret);
		goto err_free;
	}

	/* Counted before the fd exists: it may be closed as soon as it does */
	atomic_long_inc(&gunyah_gmem_files);
	fd = anon_inode_getfd("gunyah-guest-mem", &gunyah_gmem_fops, gmem,
			      O_RDWR | (args.flags & GHMF_CLOEXEC ? O_CLOEXEC : 0));
	if (fd >= 0)
		return fd;
	atomic_long_dec(&gunyah_gmem_files);
	ret = fd;
err_free:
	gunyah_gmem_free(gmem);
	return ret;
}

/**
 * gunyah_gmem_fget() - The guest memory behind a fd
 * @fd: the fd
 * @size: set to its size in bytes
 *
 * Return: a reference on its file (fput() it), or an ERR_PTR: -EBADF if
 * @fd is not open, -EINVAL if it is not guest memory.
 */
struct file *gunyah_gmem_fget(unsigned int fd, u64 *size)
{
	struct file *file = fget(fd);
	struct gunyah_gmem *gmem;

	if (!file)
		return ERR_PTR(-EBADF);
	if (file->f_op != &gunyah_gmem_fops) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	gmem = file->private_data;
	*size = (u64)gmem->nr_pages << PAGE_SHIFT;
	return file;
}

/**
 * gunyah_gmem_ranges() - Host physical ranges of part of guest memory
 * @file: from gunyah_gmem_fget()
 * @offset: byte offset, page aligned
 * @size: bytes, page aligned, inside the fd
 * @n: set to the number of ranges
 *
 * Contiguous pages make one range.
 *
 * Return: kvmalloc'ed ranges (kvfree() them), or an ERR_PTR.
 */
struct gunyah_rm_mem_range *gunyah_gmem_ranges(struct file *file, u64 offset,
					       u64 size, u32 *n)
{
	struct gunyah_gmem *gmem = file->private_data;
	unsigned long first = offset >> PAGE_SHIFT;
	unsigned long count = size >> PAGE_SHIFT;
	struct gunyah_rm_mem_range *r;
	phys_addr_t phys, end = 0;
	unsigned long i;
	u32 nr = 0;

	r = kvcalloc(count, sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < count; i++) {
		phys = page_to_phys(gmem->pages[first + i]);
		if (nr && phys == end) {
			le64_add_cpu(&r[nr - 1].size, PAGE_SIZE);
		} else {
			r[nr].phys_addr = cpu_to_le64(phys);
			r[nr].size = cpu_to_le64(PAGE_SIZE);
			nr++;
		}
		end = phys + PAGE_SIZE;
	}
	*n = nr;
	return r;
}

/**
 * gunyah_gmem_pin_forever() - Never give part of guest memory back
 * @file: from gunyah_gmem_fget()
 * @offset: byte offset, page aligned
 * @size: bytes, page aligned, inside the fd
 *
 * For memory the hypervisor may hold under a parcel nobody can name: an
 * extra reference keeps each page out of the allocator for good, while
 * the file itself may go (so the module can still be unloaded).
 */
void gunyah_gmem_pin_forever(struct file *file, u64 offset, u64 size)
{
	struct gunyah_gmem *gmem = file->private_data;
	unsigned long i, first = offset >> PAGE_SHIFT, n = size >> PAGE_SHIFT;

	for (i = 0; i < n; i++)
		get_page(gmem->pages[first + i]);
	atomic_long_add(n, &gunyah_gmem_lost);
}

/* For the guest_mem debugfs file (vm_mem.c): files, pages, pages lost */
void gunyah_gmem_counts(long *files, long *pages, long *lost)
{
	*files = atomic_long_read(&gunyah_gmem_files);
	*pages = atomic_long_read(&gunyah_gmem_pages);
	*lost = atomic_long_read(&gunyah_gmem_lost);
}
