// SPDX-License-Identifier: GPL-2.0-only
/*
 * A VM's memory and boot configuration: the guest-memory ranges the VMM
 * mapped (GUNYAH_VM_MAP_MEM), where its device tree is and its boot
 * registers; at start, each range becomes one RM memory parcel shared
 * with the VM, the parcel holding the device tree configures the VM
 * image, and at teardown every parcel is reclaimed before its pages may
 * go back to the host.
 *
 * Memory is shared, never lent: lending hides the pages from the host
 * only if they leave the host's direct map, and stock kernels do not
 * export the functions that do it (docs/memory.md).
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#include "gunyah_knob.h"
#include "vm_mgr/vm_mgr_priv.h"

#define GUNYAH_VM_MAX_MEM_MAPS		64
/* A parcel's label is its guest frame number (4 KiB frames), a u32 */
#define GUNYAH_VM_LABEL_SHIFT		12
#define GUNYAH_VM_MAX_GUEST_ADDR	(1ULL << (32 + GUNYAH_VM_LABEL_SHIFT))
#define GUNYAH_VM_MEM_FLAGS		(GUNYAH_MEM_ALLOW_RWX | GUNYAH_MEM_ACCESS_MASK | \
					 GUNYAH_MEM_UNMAP)

/**
 * struct gunyah_vm_mem_map - One range of guest memory mapped into a VM
 * @list: on &struct gunyah_vm.mem_maps
 * @guest_addr: guest physical address
 * @size: bytes
 * @offset: into @file
 * @flags: GUNYAH_MEM_ALLOW_* of the mapping
 * @file: the guest memory; its reference keeps the pages
 * @parcel: the RM parcel, while @parcel.held
 * @rm: once its VM is gone and the RM still holds the parcel: the RM,
 *      referenced, for gunyah_vm_mem_retry_reclaim()
 */
struct gunyah_vm_mem_map {
	struct list_head list;
	u64 guest_addr;
	u64 size;
	u64 offset;
	u32 flags;
	struct file *file;
	struct gunyah_rm_mem_parcel parcel;
	struct gunyah_rm *rm;
};

/* Pages the RM holds in parcels now, and pages it never gave back */
static atomic_long_t gunyah_vm_mem_held = ATOMIC_LONG_INIT(0);
static atomic_long_t gunyah_vm_mem_stuck = ATOMIC_LONG_INIT(0);
/* Their mappings, until a retried MEM_RECLAIM succeeds */
static LIST_HEAD(gunyah_vm_mem_stuck_maps);
static DEFINE_SPINLOCK(gunyah_vm_mem_stuck_lock);

static struct gunyah_vm_mem_map *gunyah_vm_mem_find(struct gunyah_vm *ghvm,
						    u64 addr, u64 size)
{
	struct gunyah_vm_mem_map *map;

	list_for_each_entry(map, &ghvm->mem_maps, list)
		if (addr >= map->guest_addr &&
		    addr - map->guest_addr < map->size &&
		    size <= map->size - (addr - map->guest_addr))
			return map;
	return NULL;
}

static int gunyah_vm_mem_unmap(struct gunyah_vm *ghvm,
			       const struct gunyah_map_mem_args *a)
{
	struct gunyah_vm_mem_map *map;

	list_for_each_entry(map, &ghvm->mem_maps, list) {
		if (map->guest_addr == a->guest_addr && map->size == a->size) {
			list_del(&map->list);
			ghvm->nr_mem_maps--;
			fput(map->file);
			kfree(map);
			return 0;
		}
	}
	dev_err_ratelimited(ghvm->parent, "VM %u: GUNYAH_VM_MAP_MEM: no mapping of exactly %#llx+%#llx to unmap\n",
			    ghvm->vmid, a->guest_addr, a->size);
	return -ENOENT;
}

/* Every check of a new mapping but those against the fd's size */
static int gunyah_vm_mem_check_args(struct gunyah_vm *ghvm,
				    const struct gunyah_map_mem_args *a)
{
	struct device *dev = ghvm->parent;
	u32 access = a->flags & GUNYAH_MEM_ACCESS_MASK;
	struct gunyah_vm_mem_map *map;

	if (access == GUNYAH_MEM_FORCE_LEND) {
		dev_err_ratelimited(dev, "VM %u: GUNYAH_VM_MAP_MEM: lending is not supported: the host kernel cannot take the pages out of its direct map, so it could still touch memory the guest owns; map it shared\n",
				    ghvm->vmid);
		return -EOPNOTSUPP;
	}
	if (access != GUNYAH_MEM_DEFAULT_ACCESS && access != GUNYAH_MEM_FORCE_SHARE) {
		dev_err_ratelimited(dev, "VM %u: GUNYAH_VM_MAP_MEM: unknown access mode %#x\n",
				    ghvm->vmid, access);
		return -EINVAL;
	}
	if (!(a->flags & GUNYAH_MEM_ALLOW_READ)) {
		dev_err_ratelimited(dev, "VM %u: GUNYAH_VM_MAP_MEM: access %#x has no read; the RM gives R, RX, RW or RWX\n",
				    ghvm->vmid, a->flags & GUNYAH_MEM_ALLOW_RWX);
		return -EINVAL;
	}
	if (!a->size || !PAGE_ALIGNED(a->size)) {
		dev_err_ratelimited(dev, "VM %u: GUNYAH_VM_MAP_MEM: size %#llx is not a non-zero multiple of %lu\n",
				    ghvm->vmid, a->size, PAGE_SIZE);
		return -EINVAL;
	}
	if (!PAGE_ALIGNED(a->guest_addr) || !PAGE_ALIGNED(a->offset)) {
		dev_err_ratelimited(dev, "VM %u: GUNYAH_VM_MAP_MEM: guest address %#llx or offset %#llx is not page aligned\n",
				    ghvm->vmid, a->guest_addr, a->offset);
		return -EINVAL;
	}
	if (a->guest_addr >= GUNYAH_VM_MAX_GUEST_ADDR ||
	    a->size > GUNYAH_VM_MAX_GUEST_ADDR - a->guest_addr) {
		dev_err_ratelimited(dev, "VM %u: GUNYAH_VM_MAP_MEM: %#llx+%#llx ends past the guest address limit %#llx\n",
				    ghvm->vmid, a->guest_addr, a->size,
				    GUNYAH_VM_MAX_GUEST_ADDR);
		return -EINVAL;
	}
	list_for_each_entry(map, &ghvm->mem_maps, list) {
		if (a->guest_addr < map->guest_addr + map->size &&
		    map->guest_addr < a->guest_addr + a->size) {
			dev_err_ratelimited(dev, "VM %u: GUNYAH_VM_MAP_MEM: %#llx+%#llx overlaps the mapping at %#llx+%#llx\n",
					    ghvm->vmid, a->guest_addr, a->size,
					    map->guest_addr, map->size);
			return -EEXIST;
		}
	}
	if (ghvm->nr_mem_maps >= GUNYAH_VM_MAX_MEM_MAPS) {
		dev_err_ratelimited(dev, "VM %u: GUNYAH_VM_MAP_MEM: already %u mappings, the most a VM may have\n",
				    ghvm->vmid, ghvm->nr_mem_maps);
		return -ENOSPC;
	}
	return 0;
}

static int gunyah_vm_mem_map(struct gunyah_vm *ghvm,
			     const struct gunyah_map_mem_args *a)
{
	struct gunyah_vm_mem_map *map;
	struct file *file;
	u64 fd_size;
	int ret;

	if (a->flags & ~GUNYAH_VM_MEM_FLAGS) {
		dev_err_ratelimited(ghvm->parent, "VM %u: GUNYAH_VM_MAP_MEM: unknown flags %#x\n",
				    ghvm->vmid, a->flags & ~GUNYAH_VM_MEM_FLAGS);
		return -EINVAL;
	}
	if (a->flags & GUNYAH_MEM_UNMAP)
		return gunyah_vm_mem_unmap(ghvm, a);

	ret = gunyah_vm_mem_check_args(ghvm, a);
	if (ret)
		return ret;

	file = gunyah_gmem_fget(a->guest_mem_fd, &fd_size);
	if (IS_ERR(file)) {
		dev_err_ratelimited(ghvm->parent, "VM %u: GUNYAH_VM_MAP_MEM: fd %u is %s\n",
				    ghvm->vmid, a->guest_mem_fd,
				    PTR_ERR(file) == -EBADF ? "not open" : "not guest memory");
		return PTR_ERR(file);
	}
	if (a->offset >= fd_size || a->size > fd_size - a->offset) {
		dev_err_ratelimited(ghvm->parent, "VM %u: GUNYAH_VM_MAP_MEM: %#llx bytes at offset %#llx run past the end of the %#llx-byte guest memory\n",
				    ghvm->vmid, a->size, a->offset, fd_size);
		fput(file);
		return -EINVAL;
	}

	map = kzalloc(sizeof(*map), GFP_KERNEL_ACCOUNT);
	if (!map) {
		fput(file);
		return -ENOMEM;
	}
	map->guest_addr = a->guest_addr;
	map->size = a->size;
	map->offset = a->offset;
	map->flags = a->flags & GUNYAH_MEM_ALLOW_RWX;
	map->file = file;
	list_add_tail(&map->list, &ghvm->mem_maps);
	ghvm->nr_mem_maps++;
	return 0;
}

static int gunyah_vm_set_dtb(struct gunyah_vm *ghvm,
			     const struct gunyah_vm_dtb_config *c)
{
	if (!c->size || c->guest_phys_addr + c->size < c->guest_phys_addr) {
		dev_err_ratelimited(ghvm->parent, "VM %u: GUNYAH_VM_SET_DTB_CONFIG: %#llx+%#llx is empty or wraps\n",
				    ghvm->vmid, c->guest_phys_addr, c->size);
		return -EINVAL;
	}
	ghvm->dtb = *c;
	ghvm->dtb_set = true;
	return 0;
}

/* Register set @set's registers in @ghvm->boot and how many it has */
static u64 *gunyah_vm_boot_regs(struct gunyah_vm *ghvm, unsigned int set,
				unsigned int *n)
{
	switch (set) {
	case GUNYAH_VM_BOOT_CONTEXT_REG_SET_X:
		*n = ARRAY_SIZE(ghvm->boot.x);
		return ghvm->boot.x;
	case GUNYAH_VM_BOOT_CONTEXT_REG_SET_PC:
		*n = 1;
		return &ghvm->boot.pc;
	case GUNYAH_VM_BOOT_CONTEXT_REG_SET_SP:
		*n = ARRAY_SIZE(ghvm->boot.sp);
		return ghvm->boot.sp;
	}
	*n = 0;
	return NULL;
}

static int gunyah_vm_set_boot_reg(struct gunyah_vm *ghvm,
				  const struct gunyah_vm_boot_context *b)
{
	unsigned int set = b->reg >> 8, idx = b->reg & 0xff, n;
	u64 *regs = gunyah_vm_boot_regs(ghvm, set, &n);

	if (b->reserved || b->reg >> 16) {
		dev_err_ratelimited(ghvm->parent, "VM %u: GUNYAH_VM_SET_BOOT_CONTEXT: reserved bits set (reg %#x, reserved %#x)\n",
				    ghvm->vmid, b->reg, b->reserved);
		return -EINVAL;
	}
	if (!regs) {
		dev_err_ratelimited(ghvm->parent, "VM %u: GUNYAH_VM_SET_BOOT_CONTEXT: unknown register set %u\n",
				    ghvm->vmid, set);
		return -EINVAL;
	}
	if (idx >= n) {
		dev_err_ratelimited(ghvm->parent, "VM %u: GUNYAH_VM_SET_BOOT_CONTEXT: register set %u has no register %u\n",
				    ghvm->vmid, set, idx);
		return -EINVAL;
	}
	regs[idx] = b->value;
	ghvm->boot.set[set] |= BIT(idx);
	return 0;
}

/**
 * gunyah_vm_mem_ioctl() - GUNYAH_VM_MAP_MEM, _SET_DTB_CONFIG and
 *                         _SET_BOOT_CONTEXT, all only before the start
 * @ghvm: the VM
 * @cmd: the ioctl
 * @argp: its user argument
 *
 * Return: 0 or a negative errno.
 */
long gunyah_vm_mem_ioctl(struct gunyah_vm *ghvm, unsigned int cmd,
			 void __user *argp)
{
	union {
		struct gunyah_map_mem_args map;
		struct gunyah_vm_dtb_config dtb;
		struct gunyah_vm_boot_context boot;
	} a;
	const char *what;
	long ret;

	what = cmd == GUNYAH_VM_MAP_MEM ? "GUNYAH_VM_MAP_MEM" :
	       cmd == GUNYAH_VM_SET_DTB_CONFIG ? "GUNYAH_VM_SET_DTB_CONFIG" :
	       "GUNYAH_VM_SET_BOOT_CONTEXT";
	if (copy_from_user(&a, argp, _IOC_SIZE(cmd))) {
		dev_err_ratelimited(ghvm->parent, "VM %u: %s: cannot read the arguments\n",
				    ghvm->vmid, what);
		return -EFAULT;
	}

	/* A start in progress reads all of these: wait for it, killably */
	if (mutex_lock_killable(&ghvm->start_lock))
		return -EINTR;
	down_write(&ghvm->status_lock);
	if (ghvm->vm_status != GUNYAH_RM_VM_STATUS_NO_STATE) {
		dev_err_ratelimited(ghvm->parent, "VM %u: %s: the VM has started (or tried to); only before GUNYAH_VM_START\n",
				    ghvm->vmid, what);
		ret = -EBUSY;
	} else if (cmd == GUNYAH_VM_MAP_MEM) {
		ret = gunyah_vm_mem_map(ghvm, &a.map);
	} else if (cmd == GUNYAH_VM_SET_DTB_CONFIG) {
		ret = gunyah_vm_set_dtb(ghvm, &a.dtb);
	} else {
		ret = gunyah_vm_set_boot_reg(ghvm, &a.boot);
	}
	up_write(&ghvm->status_lock);
	mutex_unlock(&ghvm->start_lock);
	return ret;
}

/**
 * gunyah_vm_mem_check() - Is the VM ready to start? Before any RM call
 * @ghvm: the VM, start_lock held
 *
 * Return: 0, or -EINVAL with a line saying what is missing.
 */
int gunyah_vm_mem_check(struct gunyah_vm *ghvm)
{
	if (list_empty(&ghvm->mem_maps)) {
		dev_err_ratelimited(ghvm->parent, "VM cannot start: it has no guest memory (GUNYAH_VM_MAP_MEM)\n");
		return -EINVAL;
	}
	if (!ghvm->dtb_set) {
		dev_err_ratelimited(ghvm->parent, "VM cannot start: it has no device tree (GUNYAH_VM_SET_DTB_CONFIG)\n");
		return -EINVAL;
	}
	if (!gunyah_vm_mem_find(ghvm, ghvm->dtb.guest_phys_addr, ghvm->dtb.size)) {
		dev_err_ratelimited(ghvm->parent, "VM cannot start: its device tree at %#llx+%#llx is not inside one guest-memory mapping\n",
				    ghvm->dtb.guest_phys_addr, ghvm->dtb.size);
		return -EINVAL;
	}
	return 0;
}

/**
 * gunyah_vm_mem_share() - Share every mapping with the VM, one parcel each
 * @ghvm: the VM, its vmid allocated; start_lock held
 *
 * Return: 0 or a negative errno (what was shared stays recorded, for
 * gunyah_vm_mem_reclaim()).
 */
int gunyah_vm_mem_share(struct gunyah_vm *ghvm)
{
	struct gunyah_rm_mem_acl_entry acl[2];
	struct gunyah_vm_mem_map *map;
	struct gunyah_rm_mem_range *ranges;
	u16 host_vmid;
	int ret;

	ret = gunyah_rm_get_vmid(ghvm->rm, &host_vmid);
	if (ret) {
		dev_err_ratelimited(ghvm->parent, "VM %u: cannot learn the host's own vmid: %d\n",
				    ghvm->vmid, ret);
		return ret;
	}
	/* A share keeps the host in the ACL, with all rights */
	acl[0].vmid = cpu_to_le16(host_vmid);
	acl[0].rights = GUNYAH_RM_MEM_RIGHTS_R | GUNYAH_RM_MEM_RIGHTS_W |
			GUNYAH_RM_MEM_RIGHTS_X;
	acl[0].reserved = 0;
	acl[1].vmid = cpu_to_le16(ghvm->vmid);
	acl[1].reserved = 0;

	list_for_each_entry(map, &ghvm->mem_maps, list) {
		ranges = gunyah_gmem_ranges(map->file, map->offset, map->size,
					    &map->parcel.n_ranges);
		if (IS_ERR(ranges))
			return PTR_ERR(ranges);
		acl[1].rights =
			(map->flags & GUNYAH_MEM_ALLOW_READ ? GUNYAH_RM_MEM_RIGHTS_R : 0) |
			(map->flags & GUNYAH_MEM_ALLOW_WRITE ? GUNYAH_RM_MEM_RIGHTS_W : 0) |
			(map->flags & GUNYAH_MEM_ALLOW_EXEC ? GUNYAH_RM_MEM_RIGHTS_X : 0);
		map->parcel.label = map->guest_addr >> GUNYAH_VM_LABEL_SHIFT;
		map->parcel.lend = false;
		map->parcel.n_acl = ARRAY_SIZE(acl);
		map->parcel.acl = acl;
		map->parcel.ranges = ranges;
		ret = gunyah_rm_mem_share(ghvm->rm, &map->parcel);
		map->parcel.acl = NULL;
		map->parcel.ranges = NULL;
		kvfree(ranges);
		if (map->parcel.held)
			atomic_long_add(map->size >> PAGE_SHIFT, &gunyah_vm_mem_held);
		if (map->parcel.unknown) {
			dev_err(ghvm->parent, "VM %u: the RM may hold %#llx+%#llx in a parcel whose handle it did not give: its pages stay pinned for good\n",
				ghvm->vmid, map->guest_addr, map->size);
			gunyah_gmem_pin_forever(map->file, map->offset, map->size);
		}
		if (ret) {
			dev_err_ratelimited(ghvm->parent, "VM %u: sharing %#llx+%#llx with it failed: %d\n",
					    ghvm->vmid, map->guest_addr, map->size, ret);
			return ret;
		}
	}
	return 0;
}

/**
 * gunyah_vm_mem_configure() - VM_CONFIG_IMAGE with the parcel that holds
 *                             the device tree
 * @ghvm: the VM, its memory shared; start_lock held
 *
 * The RM boots the image at the parcel's start, the device tree's guest
 * address in X0, unless the boot context says otherwise.
 *
 * Return: 0 or a negative errno.
 */
int gunyah_vm_mem_configure(struct gunyah_vm *ghvm)
{
	struct gunyah_vm_mem_map *map;

	map = gunyah_vm_mem_find(ghvm, ghvm->dtb.guest_phys_addr, ghvm->dtb.size);
	if (WARN_ON(!map || !map->parcel.held))
		return -EINVAL;
	return gunyah_rm_vm_configure(ghvm->rm, ghvm->vmid, GUNYAH_RM_VM_AUTH_NONE,
				      map->parcel.mem_handle, 0, 0,
				      ghvm->dtb.guest_phys_addr - map->guest_addr,
				      ghvm->dtb.size);
}

/**
 * gunyah_vm_mem_set_boot_context() - Send the registers the VMM set
 * @ghvm: the VM, initialized; start_lock held
 *
 * Return: 0 or a negative errno.
 */
int gunyah_vm_mem_set_boot_context(struct gunyah_vm *ghvm)
{
	/* X, then SP, then PC: the order this driver has always sent them */
	static const u8 sets[] = {
		GUNYAH_VM_BOOT_CONTEXT_REG_SET_X,
		GUNYAH_VM_BOOT_CONTEXT_REG_SET_SP,
		GUNYAH_VM_BOOT_CONTEXT_REG_SET_PC,
	};
	unsigned int s, i, n;
	int ret = 0;
	u64 *regs;

	for (s = 0; !ret && s < ARRAY_SIZE(sets); s++) {
		regs = gunyah_vm_boot_regs(ghvm, sets[s], &n);
		for (i = 0; !ret && i < n; i++)
			if (ghvm->boot.set[sets[s]] & BIT(i))
				ret = gunyah_rm_vm_set_boot_context(ghvm->rm, ghvm->vmid,
								    sets[s], i, regs[i]);
	}
	if (ret == -EOPNOTSUPP)
		dev_err_ratelimited(ghvm->parent, "VM %u: the RM does not take a boot context (VM_SET_BOOT_CONTEXT); without one it boots the image at its parcel's start with the device tree in X0\n",
				    ghvm->vmid);
	else if (ret)
		dev_err_ratelimited(ghvm->parent, "VM %u: setting the boot context failed: %d\n",
				    ghvm->vmid, ret);
	return ret;
}

/**
 * gunyah_vm_mem_reclaim() - Take back every parcel the RM holds
 * @ghvm: the VM, which no longer runs; no other user
 *
 * A parcel the RM does not give back keeps its pages pinned for good:
 * the guest may still reach them. Logged, and counted as stuck.
 */
void gunyah_vm_mem_reclaim(struct gunyah_vm *ghvm)
{
	struct gunyah_vm_mem_map *map;
	int ret;

	list_for_each_entry(map, &ghvm->mem_maps, list) {
		if (!map->parcel.held)
			continue;
		ret = gunyah_rm_mem_reclaim(ghvm->rm, map->parcel.mem_handle);
		if (ret) {
			dev_err(ghvm->parent, "VM %u: parcel %#x (%#llx+%#llx) not reclaimed: %d; its pages stay pinned\n",
				ghvm->vmid, map->parcel.mem_handle, map->guest_addr,
				map->size, ret);
			continue;
		}
		map->parcel.held = false;
		atomic_long_sub(map->size >> PAGE_SHIFT, &gunyah_vm_mem_held);
	}
}

/**
 * gunyah_vm_mem_release() - Forget the mappings, at VM teardown
 * @ghvm: the VM, after gunyah_vm_mem_reclaim()
 *
 * The guest memory of a parcel still held is never released.
 */
void gunyah_vm_mem_release(struct gunyah_vm *ghvm)
{
	struct gunyah_vm_mem_map *map, *tmp;

	list_for_each_entry_safe(map, tmp, &ghvm->mem_maps, list) {
		list_del(&map->list);
		if (map->parcel.held) {
			/* Its file reference pins the pages for good */
			atomic_long_sub(map->size >> PAGE_SHIFT, &gunyah_vm_mem_held);
			atomic_long_add(map->size >> PAGE_SHIFT, &gunyah_vm_mem_stuck);
			map->rm = gunyah_rm_get(ghvm->rm);
			spin_lock(&gunyah_vm_mem_stuck_lock);
			list_add_tail(&map->list, &gunyah_vm_mem_stuck_maps);
			spin_unlock(&gunyah_vm_mem_stuck_lock);
			continue;
		}
		fput(map->file);
		kfree(map);
	}
	ghvm->nr_mem_maps = 0;
}

/**
 * gunyah_vm_mem_retry_reclaim() - Try again to take back the parcels of
 *                                 VMs that are gone
 *
 * At the start of every VM teardown, and for an administrator after the
 * RM was made to let go of them (e.g. a VM it kept was freed): write
 * "reclaim" to debugfs gunyah/guest_mem.
 *
 * Return: how many parcels are still held.
 */
long gunyah_vm_mem_retry_reclaim(void)
{
	struct gunyah_vm_mem_map *map, *tmp;
	LIST_HEAD(todo);
	long left = 0;

	if (!atomic_long_read(&gunyah_vm_mem_stuck))
		return 0;
	spin_lock(&gunyah_vm_mem_stuck_lock);
	list_splice_init(&gunyah_vm_mem_stuck_maps, &todo);
	spin_unlock(&gunyah_vm_mem_stuck_lock);

	list_for_each_entry_safe(map, tmp, &todo, list) {
		if (gunyah_rm_mem_reclaim(map->rm, map->parcel.mem_handle)) {
			left++;
			continue;
		}
		dev_info(gunyah_rm_dev(map->rm), "parcel %#x reclaimed at last; %#llx bytes back to the host\n",
			 map->parcel.mem_handle, map->size);
		list_del(&map->list);
		atomic_long_sub(map->size >> PAGE_SHIFT, &gunyah_vm_mem_stuck);
		fput(map->file);
		gunyah_rm_put(map->rm);
		kfree(map);
	}
	spin_lock(&gunyah_vm_mem_stuck_lock);
	list_splice(&todo, &gunyah_vm_mem_stuck_maps);
	spin_unlock(&gunyah_vm_mem_stuck_lock);
	return left;
}

/**
 * gunyah_vm_mem_show() - The mappings, for the VM fd's fdinfo
 * @ghvm: the VM, status_lock held
 * @m: the fdinfo file
 */
void gunyah_vm_mem_show(struct gunyah_vm *ghvm, struct seq_file *m)
{
	struct gunyah_vm_mem_map *map;

	list_for_each_entry(map, &ghvm->mem_maps, list) {
		seq_printf(m, "mem:\t%#llx+%#llx offset %#llx access %#x",
			   map->guest_addr, map->size, map->offset, map->flags);
		if (map->parcel.held)
			seq_printf(m, " parcel %#x", map->parcel.mem_handle);
		seq_putc(m, '\n');
	}
	if (ghvm->dtb_set)
		seq_printf(m, "dtb:\t%#llx+%#llx\n", ghvm->dtb.guest_phys_addr,
			   ghvm->dtb.size);
}

static int gunyah_vm_mem_stats_show(struct seq_file *s, void *unused)
{
	long files, pages, lost;

	gunyah_gmem_counts(&files, &pages, &lost);
	seq_printf(s, "files:\t%ld\npages:\t%ld\n", files, pages);
	seq_printf(s, "held:\t%ld\n", atomic_long_read(&gunyah_vm_mem_held));
	seq_printf(s, "stuck:\t%ld\n", atomic_long_read(&gunyah_vm_mem_stuck));
	seq_printf(s, "lost:\t%ld\n", lost);
	return 0;
}

/* "reclaim": retry MEM_RECLAIM of the parcels of VMs that are gone */
static int gunyah_vm_mem_stats_parse(struct file *file,
				     struct gunyah_knob_args *args)
{
	if (args->argc != 1 || strcmp(args->argv[0], "reclaim"))
		return gunyah_knob_why(args, "expected \"reclaim\"");
	return gunyah_vm_mem_retry_reclaim() ? -EBUSY : 0;
}

GUNYAH_KNOB_WORDS_WRITE(gunyah_vm_mem_stats, 16, gunyah_vm_mem_stats_parse);
GUNYAH_KNOB_SEQ_FOPS(gunyah_vm_mem_stats, gunyah_vm_mem_stats_write);

static struct dentry *gunyah_vm_mem_debugfs;

/*
 * /sys/kernel/debug/gunyah/guest_mem: how much guest memory exists, how
 * much of it RM parcels hold, how much is stuck with VMs that are gone
 * (write "reclaim" to retry those; -EBUSY while some stay stuck), and how
 * much is lost: pinned for good, maybe in a parcel no handle names.
 */
void gunyah_vm_mem_debugfs_init(void)
{
	gunyah_vm_mem_debugfs = debugfs_create_file("guest_mem", 0600,
						    gunyah_debugfs_root(), NULL,
						    &gunyah_vm_mem_stats_fops);
}

void gunyah_vm_mem_debugfs_exit(void)
{
	debugfs_remove(gunyah_vm_mem_debugfs);
}
