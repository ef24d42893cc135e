// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated RM's memory parcels, with the checks of the public RM's
 * memparcel code (quic/gunyah-resource-manager, src/memparcel/): the
 * host gives memory to VMs by MEM_SHARE or MEM_LEND (and MEM_APPEND,
 * which the public RM does not have), VM_CONFIG_IMAGE names the parcel
 * that holds the VM's image and device tree, VM_INIT maps every other
 * parcel the VM is in the ACL of, a VM that is reset or freed lets go of
 * its parcels, and MEM_RECLAIM gives one back to the host while no VM
 * holds it.
 *
 * Where a parcel appears in the VM: the real RM reads it from the VM's
 * device tree (the memory node with the parcel's label); this simulator
 * does not parse device trees and maps a parcel at its label times
 * 4 KiB, the label the driver gives it (docs/memory.md).
 *
 * All under gsim.lock.
 */

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

#define SIM_PARCEL_MAX_ACL	8
#define SIM_PARCEL_MAX_RANGES	65536
#define SIM_LABEL_SHIFT		12
#define SIM_FDT_MAGIC		0xd00dfeed

struct sim_range {
	u64 phys;
	u64 size;
};

/**
 * struct sim_parcel - One memory parcel
 * @list: on gsim.parcels
 * @handle: the RM's handle
 * @label: the host's label
 * @lend: MEM_LEND (the host gave up access), else MEM_SHARE
 * @open: more ranges follow in MEM_APPEND
 * @n_acl: entries in @acl
 * @acl: who may get the memory, with which MEM_RIGHTS_*
 * @n_ranges: entries in @ranges
 * @ranges: host physical ranges, in order
 * @size: sum of @ranges
 * @vmid: the VM that holds (has mapped) the parcel, 0 for none
 * @ipa: where in that VM
 * @rights: that VM's rights
 */
struct sim_parcel {
	struct list_head list;
	u32 handle;
	u32 label;
	bool lend;
	bool open;
	unsigned int n_acl;
	struct {
		u16 vmid;
		u8 rights;
	} acl[SIM_PARCEL_MAX_ACL];
	unsigned int n_ranges;
	struct sim_range *ranges;
	u64 size;
	u16 vmid;
	u64 ipa;
	u8 rights;
};

static LIST_HEAD(sim_parcels);
static u32 sim_next_handle;	/* the public RM counts from 0 */

static struct sim_parcel *sim_parcel_find(u32 handle)
{
	struct sim_parcel *p;

	list_for_each_entry(p, &sim_parcels, list)
		if (p->handle == handle)
			return p;
	return NULL;
}

static int sim_parcel_acl_index(const struct sim_parcel *p, u16 vmid)
{
	unsigned int i;

	for (i = 0; i < p->n_acl; i++)
		if (p->acl[i].vmid == vmid)
			return i;
	return -1;
}

static void sim_parcel_free(struct sim_parcel *p)
{
	list_del(&p->list);
	kvfree(p->ranges);
	kfree(p);
}

/* A memory extent over memory another parcel has: the RM refuses it */
static bool sim_range_in_use(u64 phys, u64 size)
{
	struct sim_parcel *p;
	unsigned int i;

	list_for_each_entry(p, &sim_parcels, list)
		for (i = 0; i < p->n_ranges; i++)
			if (phys < p->ranges[i].phys + p->ranges[i].size &&
			    p->ranges[i].phys < phys + size)
				return true;
	return false;
}

/* Take @n ranges from the wire into @p, checked */
static u32 sim_parcel_add_ranges(struct sim_parcel *p,
				 const struct gunyah_rm_mem_range *wire,
				 unsigned int n, const char **why)
{
	struct sim_range *r;
	unsigned int i;
	u64 phys, size;

	if (!n) {
		*why = "no ranges";
		return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
	}
	if (p->n_ranges + n > SIM_PARCEL_MAX_RANGES) {
		*why = "too many ranges";
		return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
	}
	/* kvrealloc() changed its arguments in 6.12: grow by hand */
	r = kvmalloc_array(p->n_ranges + n, sizeof(*r), GFP_KERNEL);
	if (!r)
		return GUNYAH_RM_ERROR_NOMEM;
	if (p->n_ranges)
		memcpy(r, p->ranges, p->n_ranges * sizeof(*r));
	kvfree(p->ranges);
	p->ranges = r;
	for (i = 0; i < n; i++) {
		phys = le64_to_cpu(wire[i].phys_addr);
		size = le64_to_cpu(wire[i].size);
		if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size) ||
		    phys + size < phys) {
			*why = "range not page aligned, empty or wrapping";
			return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
		}
		/* Only the host's own RAM: this hypervisor touches it */
		if (!pfn_valid(PHYS_PFN(phys)) ||
		    !pfn_valid(PHYS_PFN(phys + size - 1))) {
			*why = "range is not RAM";
			return GUNYAH_RM_ERROR_MEM_INVALID;
		}
		if (sim_range_in_use(phys, size)) {
			*why = "range is in another parcel";
			return GUNYAH_RM_ERROR_MEM_INUSE;
		}
		r[p->n_ranges].phys = phys;
		r[p->n_ranges].size = size;
		p->n_ranges++;
		p->size += size;
	}
	return GUNYAH_RM_ERROR_OK;
}

static bool sim_rights_valid(u8 rights)
{
	switch (rights) {
	case GUNYAH_RM_MEM_RIGHTS_R:
	case GUNYAH_RM_MEM_RIGHTS_R | GUNYAH_RM_MEM_RIGHTS_X:
	case GUNYAH_RM_MEM_RIGHTS_R | GUNYAH_RM_MEM_RIGHTS_W:
	case GUNYAH_RM_MEM_RIGHTS_R | GUNYAH_RM_MEM_RIGHTS_W | GUNYAH_RM_MEM_RIGHTS_X:
		return true;
	default:
		return false;
	}
}

/* The ACL: no duplicates, known VMs, valid rights; the host in a share only */
static u32 sim_parcel_take_acl(struct sim_parcel *p,
			       const struct gunyah_rm_mem_acl_entry *acl,
			       u32 n, const char **why)
{
	unsigned int i;
	u16 vmid;

	if (!n) {
		*why = "empty ACL";
		return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
	}
	if (n > SIM_PARCEL_MAX_ACL) {
		*why = "ACL too long";
		return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
	}
	for (i = 0; i < n; i++) {
		vmid = le16_to_cpu(acl[i].vmid);
		if (sim_parcel_acl_index(p, vmid) >= 0) {
			*why = "ACL names a VM twice";
			return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
		}
		if ((vmid != SIM_VMID_HLOS && !sim_vm_find(vmid)) ||
		    !sim_rights_valid(acl[i].rights)) {
			*why = "ACL entry with an unknown VM or invalid rights";
			return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
		}
		p->acl[i].vmid = vmid;
		p->acl[i].rights = acl[i].rights;
		p->n_acl = i + 1;
	}
	if ((sim_parcel_acl_index(p, SIM_VMID_HLOS) >= 0) == p->lend) {
		*why = p->lend ? "a lend names the host in its ACL" :
				 "a share leaves the host out of its ACL";
		return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
	}
	return GUNYAH_RM_ERROR_OK;
}

/* Read a list count (le16 and padding) at @*pos, advancing it */
static bool sim_take_count(const u8 *buf, size_t len, size_t *pos, u32 *n,
			   size_t entry_size)
{
	const struct gunyah_rm_mem_list_hdr *h;

	if (len - *pos < sizeof(*h))
		return false;
	h = (const void *)(buf + *pos);
	*n = le16_to_cpu(h->n_entries);
	*pos += sizeof(*h);
	return len - *pos >= (size_t)*n * entry_size;
}

/**
 * sim_mem_create() - MEM_SHARE or MEM_LEND
 * @buf: request payload
 * @len: its size
 * @lend: MEM_LEND
 * @handle: set to the new parcel's handle
 * @why: set to the reason for a refusal
 *
 * Return: an RM error code.
 */
u32 sim_mem_create(const u8 *buf, size_t len, bool lend, u32 *handle,
		   const char **why)
{
	const struct gunyah_rm_mem_share_hdr *hdr = (const void *)buf;
	const struct gunyah_rm_mem_acl_entry *acl;
	const struct gunyah_rm_mem_attr_entry *attr;
	const struct gunyah_rm_mem_range *ranges;
	u32 n_acl, n_ranges, n_attr, i, err;
	struct sim_parcel *p;
	size_t pos;

	*why = "malformed parcel lists";
	if (len < sizeof(*hdr) + sizeof(__le32))
		return GUNYAH_RM_ERROR_INVALID;
	pos = sizeof(*hdr);
	n_acl = le32_to_cpu(*(const __le32 *)(buf + pos));
	pos += sizeof(__le32);
	if (n_acl > SIM_PARCEL_MAX_ACL || len - pos < n_acl * sizeof(*acl))
		return GUNYAH_RM_ERROR_INVALID;
	acl = (const void *)(buf + pos);
	pos += n_acl * sizeof(*acl);
	if (!sim_take_count(buf, len, &pos, &n_ranges, sizeof(*ranges)))
		return GUNYAH_RM_ERROR_INVALID;
	ranges = (const void *)(buf + pos);
	pos += (size_t)n_ranges * sizeof(*ranges);
	if (!sim_take_count(buf, len, &pos, &n_attr, sizeof(*attr)))
		return GUNYAH_RM_ERROR_INVALID;
	attr = (const void *)(buf + pos);
	pos += (size_t)n_attr * sizeof(*attr);
	if (pos != len)
		return GUNYAH_RM_ERROR_INVALID;
	if (hdr->mem_type != GUNYAH_RM_MEM_TYPE_NORMAL) {
		*why = "only normal memory";
		return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
	}

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return GUNYAH_RM_ERROR_NOMEM;
	p->lend = lend;
	p->label = le32_to_cpu(hdr->label);
	/* The public RM has no MEM_APPEND and does not look at the flag */
	p->open = !READ_ONCE(gsim.public_profile) &&
		  (hdr->flags & GUNYAH_RM_MEM_SHARE_FLAG_APPEND);
	err = sim_parcel_take_acl(p, acl, n_acl, why);
	for (i = 0; !err && i < n_attr; i++) {
		if (le16_to_cpu(attr[i].attr) > 3) {
			*why = "invalid memory attribute";
			err = GUNYAH_RM_ERROR_ARGUMENT_INVALID;
		} else if (sim_parcel_acl_index(p, le16_to_cpu(attr[i].vmid)) < 0) {
			*why = "attribute for a VM not in the ACL";
			err = GUNYAH_RM_ERROR_VMID_INVALID;
		}
	}
	if (!err)
		err = sim_parcel_add_ranges(p, ranges, n_ranges, why);
	if (err) {
		kvfree(p->ranges);
		kfree(p);
		return err;
	}
	p->handle = sim_next_handle++;
	list_add_tail(&p->list, &sim_parcels);
	*handle = p->handle;
	return GUNYAH_RM_ERROR_OK;
}

/**
 * sim_mem_append() - MEM_APPEND: more ranges for an open parcel
 * @buf: request payload
 * @len: its size
 * @why: set to the reason for a refusal
 *
 * Return: an RM error code.
 */
u32 sim_mem_append(const u8 *buf, size_t len, const char **why)
{
	const struct gunyah_rm_mem_append_hdr *hdr = (const void *)buf;
	const struct gunyah_rm_mem_range *ranges;
	struct sim_parcel *p;
	size_t pos = sizeof(*hdr);
	u32 n, err;

	if (READ_ONCE(gsim.public_profile)) {
		*why = "the public RM has no MEM_APPEND";
		return GUNYAH_RM_ERROR_UNIMPLEMENTED;
	}
	*why = "malformed append";
	if (len < sizeof(*hdr) ||
	    !sim_take_count(buf, len, &pos, &n, sizeof(*ranges)) ||
	    pos + (size_t)n * sizeof(*ranges) != len)
		return GUNYAH_RM_ERROR_INVALID;
	ranges = (const void *)(buf + pos);
	p = sim_parcel_find(le32_to_cpu(hdr->mem_handle));
	if (!p) {
		*why = "no such parcel";
		return GUNYAH_RM_ERROR_HANDLE_INVALID;
	}
	if (!p->open) {
		*why = "parcel is complete";
		return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
	}
	err = sim_parcel_add_ranges(p, ranges, n, why);
	if (err)
		return err;
	atomic64_inc(&gsim.stats.mem_appends);
	if (hdr->flags & GUNYAH_RM_MEM_APPEND_FLAG_END)
		p->open = false;
	return GUNYAH_RM_ERROR_OK;
}

/**
 * sim_mem_reclaim() - MEM_RECLAIM: the host takes a parcel back
 * @handle: the parcel
 * @why: set to the reason for a refusal
 *
 * Return: an RM error code.
 */
u32 sim_mem_reclaim(u32 handle, const char **why)
{
	struct sim_parcel *p = sim_parcel_find(handle);

	if (!p) {
		*why = "no such parcel";
		return GUNYAH_RM_ERROR_HANDLE_INVALID;
	}
	if (p->vmid) {
		*why = "a VM still holds the parcel";
		return GUNYAH_RM_ERROR_MEM_INUSE;
	}
	sim_parcel_free(p);
	return GUNYAH_RM_ERROR_OK;
}

static void sim_parcel_map(struct sim_parcel *p, struct sim_vm *vm)
{
	p->vmid = vm->vmid;
	p->ipa = (u64)p->label << SIM_LABEL_SHIFT;
	p->rights = p->acl[sim_parcel_acl_index(p, vm->vmid)].rights;
}

/* Copy between the parcel at @offset and @val; the access stays in a page */
static void sim_parcel_copy(struct sim_parcel *p, u64 offset, void *val,
			    unsigned int len, bool write)
{
	unsigned int i;
	struct page *page;
	u8 *va;

	for (i = 0; i < p->n_ranges; i++) {
		if (offset < p->ranges[i].size)
			break;
		offset -= p->ranges[i].size;
	}
	page = pfn_to_page(PHYS_PFN(p->ranges[i].phys + offset));
	va = kmap_local_page(page);
	if (write)
		memcpy(va + offset_in_page(offset), val, len);
	else
		memcpy(val, va + offset_in_page(offset), len);
	kunmap_local(va);
}

/**
 * sim_mem_config_image() - VM_CONFIG_IMAGE's parcel checks
 * @vm: the VM, in a state that may be configured
 * @r: the request
 * @why: set to the reason for a refusal
 *
 * As the public RM: the parcel must be one the VM is in the ACL of, the
 * image and device tree inside it. The VM then holds the parcel.
 *
 * Return: an RM error code.
 */
u32 sim_mem_config_image(struct sim_vm *vm,
			 const struct gunyah_rm_vm_config_image_req *r,
			 const char **why)
{
	u64 img_off = le64_to_cpu(r->image_offset), img_size = le64_to_cpu(r->image_size);
	u64 dt_off = le64_to_cpu(r->dtb_offset), dt_size = le64_to_cpu(r->dtb_size);
	struct sim_parcel *p = sim_parcel_find(le32_to_cpu(r->mem_handle));

	if (!p || p->open || sim_parcel_acl_index(p, vm->vmid) < 0 ||
	    (p->vmid && p->vmid != vm->vmid)) {
		*why = "no parcel by that handle for this VM";
		return GUNYAH_RM_ERROR_MEM_INVALID;
	}
	if (img_off + img_size < img_off || img_off + img_size > p->size ||
	    dt_off + dt_size < dt_off || dt_off + dt_size > p->size) {
		*why = "image or device tree range outside the parcel";
		return GUNYAH_RM_ERROR_ARGUMENT_INVALID;
	}
	sim_parcel_map(p, vm);
	vm->image_handle = p->handle;
	vm->boot.pc = p->ipa + img_off;
	vm->boot.x[0] = p->ipa + dt_off;
	vm->dt_offset = dt_off;
	vm->dt_size = dt_size;
	return GUNYAH_RM_ERROR_OK;
}

/**
 * sim_mem_init_vm() - VM_INIT's memory work
 * @vm: the VM, configured
 * @why: set to the reason for a refusal
 *
 * The RM reads the device tree (here: its header must be a flattened
 * device tree that fits the size given), then maps every other complete
 * parcel the VM is in the ACL of.
 *
 * Return: an RM error code.
 */
u32 sim_mem_init_vm(struct sim_vm *vm, const char **why)
{
	struct sim_parcel *p = sim_parcel_find(vm->image_handle);
	__be32 fdt[2];

	if (!p || p->vmid != vm->vmid || vm->dt_size < sizeof(fdt) ||
	    offset_in_page(vm->dt_offset) > PAGE_SIZE - sizeof(fdt)) {
		*why = "no device tree to read";
		return GUNYAH_RM_ERROR_MEM_INVALID;
	}
	sim_parcel_copy(p, vm->dt_offset, fdt, sizeof(fdt), false);
	if (be32_to_cpu(fdt[0]) != SIM_FDT_MAGIC || be32_to_cpu(fdt[1]) > vm->dt_size) {
		*why = "device tree header is not a flattened device tree of that size";
		return GUNYAH_RM_ERROR_MEM_INVALID;
	}
	list_for_each_entry(p, &sim_parcels, list)
		if (!p->vmid && !p->open && sim_parcel_acl_index(p, vm->vmid) >= 0)
			sim_parcel_map(p, vm);
	return GUNYAH_RM_ERROR_OK;
}

/**
 * sim_mem_release_vm() - A VM reset or freed lets go of its parcels
 * @vm: the VM
 */
void sim_mem_release_vm(struct sim_vm *vm)
{
	struct sim_parcel *p;

	list_for_each_entry(p, &sim_parcels, list)
		if (p->vmid == vm->vmid)
			p->vmid = 0;
	vm->image_handle = U32_MAX;
}

/**
 * sim_mem_access() - A guest load or store of guest memory
 * @vm: the VM
 * @ipa: guest address, aligned to @len
 * @len: 1, 2, 4 or 8
 * @write: a store of *@val, else a load into *@val
 * @val: the value
 *
 * Return: true if @ipa is memory the VM holds with the rights for the
 * access; false: the hypervisor hands the access to the host as MMIO.
 */
bool sim_mem_access(struct sim_vm *vm, u64 ipa, unsigned int len, bool write,
		    u64 *val)
{
	u8 need = write ? GUNYAH_RM_MEM_RIGHTS_W : GUNYAH_RM_MEM_RIGHTS_R;
	struct sim_parcel *p;
	__le64 buf;

	lockdep_assert_held(&gsim.lock);
	list_for_each_entry(p, &sim_parcels, list) {
		if (p->vmid != vm->vmid || ipa < p->ipa || ipa - p->ipa >= p->size)
			continue;
		if (!(p->rights & need))
			return false;
		/* The guest is little endian: its low bytes come first */
		buf = cpu_to_le64(write ? *val : 0);
		sim_parcel_copy(p, ipa - p->ipa, &buf, len, write);
		if (!write)
			*val = le64_to_cpu(buf);
		return true;
	}
	return false;
}

/* debugfs parcels: one line per parcel */
int sim_mem_show(struct seq_file *s, void *unused)
{
	struct sim_parcel *p;
	unsigned int i;

	mutex_lock(&gsim.lock);
	list_for_each_entry(p, &sim_parcels, list) {
		seq_printf(s, "%u %s label %#x size %#llx ranges %u acl",
			   p->handle, p->lend ? "lend" : "share", p->label,
			   p->size, p->n_ranges);
		for (i = 0; i < p->n_acl; i++)
			seq_printf(s, " %u:%u", p->acl[i].vmid, p->acl[i].rights);
		if (p->open)
			seq_puts(s, " open");
		if (p->vmid)
			seq_printf(s, " held %u at %#llx", p->vmid, p->ipa);
		seq_putc(s, '\n');
	}
	mutex_unlock(&gsim.lock);
	return 0;
}

/* At unload: the pages are the host's, only the bookkeeping goes */
void sim_mem_exit(void)
{
	struct sim_parcel *p, *tmp;

	list_for_each_entry_safe(p, tmp, &sim_parcels, list) {
		pr_info("gunyah_sim: parcel %u never reclaimed, forgetting it\n",
			p->handle);
		sim_parcel_free(p);
	}
}
