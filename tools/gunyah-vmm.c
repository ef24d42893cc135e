// SPDX-License-Identifier: GPL-2.0-only
/*
 * gunyah-vmm: boot an aarch64 image in a Gunyah VM. It creates guest
 * memory, loads the image at its start and a generated device tree near
 * its end, maps it, starts the VM, runs each vCPU in a thread, emulates a
 * PL011 UART at 0x09000000 on MMIO exits (printing what the guest writes)
 * and stops at the STATUS exit.
 *
 *   gunyah-vmm [-m MiB] [-a GUEST_ADDR] [-c VCPUS] [-s SIM_PROGRAM] IMAGE
 *
 * On the simulated platform the vCPUs do not execute the image: -s loads
 * a gunyah_sim guest program into vCPU 0 instead (scripts/tiny-guest.sh
 * makes the twin of tools/guest/tiny-guest.S). See docs/memory.md.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/gunyah.h>

/* The selftests' helpers: one way to make vCPUs, find vmids, load programs */
#include "../selftests/gunyah/gunyah_util.h"

#define UART_BASE	0x09000000ULL
#define UART_SIZE	0x1000ULL
#define UARTDR		0x00
#define UARTFR		0x18
#define DTB_SPACE	0x10000ULL	/* at the end of guest memory */
#define MAX_VCPUS	8

/* ---- a flattened device tree, written front to back ---- */

#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_END		9
#define FDT_HDR_SIZE	40
#define FDT_RSV_SIZE	16

struct fdt {
	uint8_t structs[4096], strings[512];
	size_t slen, strlen;
};

static void fdt_u32(struct fdt *f, uint32_t v)
{
	v = htobe32(v);
	memcpy(f->structs + f->slen, &v, 4);
	f->slen += 4;
}

static void fdt_bytes(struct fdt *f, const void *p, size_t n)
{
	memcpy(f->structs + f->slen, p, n);
	f->slen += n;
	while (f->slen % 4)
		f->structs[f->slen++] = 0;
}

static void fdt_begin(struct fdt *f, const char *name)
{
	fdt_u32(f, FDT_BEGIN_NODE);
	fdt_bytes(f, name, strlen(name) + 1);
}

static void fdt_prop(struct fdt *f, const char *name, const void *val, size_t len)
{
	uint32_t off = f->strlen;

	memcpy(f->strings + f->strlen, name, strlen(name) + 1);
	f->strlen += strlen(name) + 1;
	fdt_u32(f, FDT_PROP);
	fdt_u32(f, len);
	fdt_u32(f, off);
	fdt_bytes(f, val, len);
}

static void fdt_prop_str(struct fdt *f, const char *name, const char *s)
{
	fdt_prop(f, name, s, strlen(s) + 1);
}

static void fdt_prop_cells(struct fdt *f, const char *name, const uint32_t *c, int n)
{
	uint32_t be[8];
	int i;

	for (i = 0; i < n; i++)
		be[i] = htobe32(c[i]);
	fdt_prop(f, name, be, n * 4);
}

/*
 * The guest's device tree: memory, CPUs, PSCI over HVC, the UART, and the
 * node the resource manager reads at VM_INIT (quic/gunyah-resource-manager,
 * src/vm_config/vm_config_parser.c): it allows no memory node but /memory
 * (which it rewrites), wants an image name, and places the image's parcel
 * at vm-config/memory's base-address. Proxy affinity: the host schedules
 * the vCPUs (GUNYAH_VCPU_RUN). Not yet tried on a real RM.
 */
static size_t make_dtb(void *out, uint64_t base, uint64_t size, int nr_cpus)
{
	const uint32_t two = 2, one = 1, zero = 0;
	const uint32_t mem[4] = { base >> 32, (uint32_t)base, size >> 32, (uint32_t)size };
	const uint32_t uart[4] = { 0, UART_BASE, 0, UART_SIZE };
	struct fdt f = { 0 };
	uint32_t hdr[10], reg;
	char name[32];
	int i;

	fdt_begin(&f, "");
	fdt_prop_cells(&f, "#address-cells", &two, 1);
	fdt_prop_cells(&f, "#size-cells", &two, 1);
	fdt_prop_str(&f, "compatible", "linux,dummy-virt");
	fdt_begin(&f, "memory");
	fdt_prop_str(&f, "device_type", "memory");
	fdt_prop_cells(&f, "reg", mem, 4);
	fdt_u32(&f, FDT_END_NODE);
	fdt_begin(&f, "gunyah-vm-config");
	fdt_prop_str(&f, "image-name", "gunyah-vmm-guest");
	fdt_prop_str(&f, "vm-type", "aarch64-guest");
	fdt_begin(&f, "memory");
	fdt_prop_cells(&f, "base-address", mem, 2);
	fdt_prop_cells(&f, "size-min", mem + 2, 2);
	fdt_u32(&f, FDT_END_NODE);
	fdt_begin(&f, "vcpus");
	fdt_prop_str(&f, "affinity", "proxy");
	fdt_u32(&f, FDT_END_NODE);
	fdt_u32(&f, FDT_END_NODE);
	fdt_begin(&f, "cpus");
	fdt_prop_cells(&f, "#address-cells", &one, 1);
	fdt_prop_cells(&f, "#size-cells", &zero, 1);
	for (i = 0; i < nr_cpus; i++) {
		snprintf(name, sizeof(name), "cpu@%d", i);
		reg = i;
		fdt_begin(&f, name);
		fdt_prop_str(&f, "device_type", "cpu");
		fdt_prop_str(&f, "compatible", "arm,armv8");
		fdt_prop_str(&f, "enable-method", "psci");
		fdt_prop_cells(&f, "reg", &reg, 1);
		fdt_u32(&f, FDT_END_NODE);
	}
	fdt_u32(&f, FDT_END_NODE);
	fdt_begin(&f, "psci");
	fdt_prop_str(&f, "compatible", "arm,psci-1.0");
	fdt_prop_str(&f, "method", "hvc");
	fdt_u32(&f, FDT_END_NODE);
	snprintf(name, sizeof(name), "pl011@%llx", UART_BASE);
	fdt_begin(&f, name);
	fdt_prop(&f, "compatible", "arm,pl011\0arm,primecell",
		 sizeof("arm,pl011\0arm,primecell"));
	fdt_prop_cells(&f, "reg", uart, 4);
	fdt_u32(&f, FDT_END_NODE);
	fdt_begin(&f, "chosen");
	snprintf(name, sizeof(name), "/pl011@%llx", UART_BASE);
	fdt_prop_str(&f, "stdout-path", name);
	fdt_u32(&f, FDT_END_NODE);
	fdt_u32(&f, FDT_END_NODE);
	fdt_u32(&f, FDT_END);

	hdr[0] = 0xd00dfeed;
	hdr[1] = FDT_HDR_SIZE + FDT_RSV_SIZE + f.slen + f.strlen;	/* totalsize */
	hdr[2] = FDT_HDR_SIZE + FDT_RSV_SIZE;				/* structs */
	hdr[3] = hdr[2] + f.slen;					/* strings */
	hdr[4] = FDT_HDR_SIZE;						/* rsvmap */
	hdr[5] = 17;							/* version */
	hdr[6] = 16;							/* compatible */
	hdr[7] = 0;							/* boot cpu */
	hdr[8] = f.strlen;
	hdr[9] = f.slen;
	for (i = 0; i < 10; i++)
		((uint32_t *)out)[i] = htobe32(hdr[i]);
	memset((char *)out + FDT_HDR_SIZE, 0, FDT_RSV_SIZE);
	memcpy((char *)out + hdr[2], f.structs, f.slen);
	memcpy((char *)out + hdr[3], f.strings, f.strlen);
	return hdr[1];
}

/* ---- the vCPUs ---- */

struct vcpu {
	int id, fd;
	struct gunyah_vcpu_run *run;
	int status, exit_type;
};

static pthread_mutex_t uart_lock = PTHREAD_MUTEX_INITIALIZER;
static char uart_line[256];
static size_t uart_len;

static void uart_write(char c)
{
	pthread_mutex_lock(&uart_lock);
	if (c != '\n' && uart_len < sizeof(uart_line) - 1)
		uart_line[uart_len++] = c;
	if (c == '\n' || uart_len == sizeof(uart_line) - 1) {
		uart_line[uart_len] = '\0';
		printf("guest: %s\n", uart_line);
		uart_len = 0;
	}
	pthread_mutex_unlock(&uart_lock);
}

static void emulate_mmio(struct vcpu *v)
{
	struct gunyah_vcpu_run *run = v->run;
	uint64_t addr = run->mmio.phys_addr, val = 0;

	run->mmio.resume_action = GUNYAH_VCPU_RESUME_HANDLED;
	if (addr >= UART_BASE && addr < UART_BASE + UART_SIZE) {
		if (run->mmio.is_write) {
			memcpy(&val, run->mmio.data, run->mmio.len < 8 ? run->mmio.len : 8);
			if (addr == UART_BASE + UARTDR)
				uart_write((char)val);
		}
		/* Reads: UARTFR 0, never busy; other registers read as 0 */
		else
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
		return;
	}
	fprintf(stderr, "vcpu%d: MMIO %s at %#llx: no device there\n", v->id,
		run->mmio.is_write ? "write" : "read", (unsigned long long)addr);
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0, sizeof(run->mmio.data));
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	for (;;) {
		if (gh_run_to_exit(v->fd)) {
			fprintf(stderr, "vcpu%d: GUNYAH_VCPU_RUN: %s\n", v->id, strerror(errno));
			return NULL;
		}
		switch (v->run->exit_reason) {
		case GUNYAH_VCPU_EXIT_MMIO:
			emulate_mmio(v);
			break;
		case GUNYAH_VCPU_EXIT_PAGE_FAULT:
			fprintf(stderr, "vcpu%d: page fault at %#llx outside guest memory\n",
				v->id, (unsigned long long)v->run->page_fault.phys_addr);
			v->run->page_fault.resume_action = GUNYAH_VCPU_RESUME_FAULT;
			break;
		case GUNYAH_VCPU_EXIT_STATUS:
			v->status = v->run->status.status;
			v->exit_type = v->run->status.exit_info.type;
			return NULL;
		default:
			fprintf(stderr, "vcpu%d: unknown exit %u\n", v->id, v->run->exit_reason);
			return NULL;
		}
	}
}

/* ---- set-up ---- */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void load_sim_program(int vmid, const char *file)
{
	char path[128], text[4096];
	ssize_t n;
	int fd;

	fd = open(file, O_RDONLY);
	if (fd < 0)
		die(file);
	n = read(fd, text, sizeof(text));
	if (n < 0)
		die(file);
	close(fd);
	gh_sim_path(path, sizeof(path), vmid, 0, "program");
	if (gh_write_buf(path, 0, 0, text, n))
		die(path);
}

static void print_usage(void)
{
	fprintf(stderr, "usage: gunyah-vmm [-m MiB] [-a GUEST_ADDR] [-c VCPUS]\n"
		"                  [-s SIM_PROGRAM] IMAGE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t base = 0x80000000ULL, size = 2ULL << 20;
	const char *sim_program = NULL;
	struct vcpu vcpus[MAX_VCPUS] = { 0 };
	pthread_t threads[MAX_VCPUS];
	int dev, vm, mem, img, nr = 1, i, opt, ret = 0;
	struct gunyah_create_mem_args create = { .flags = GHMF_CLOEXEC };
	struct gunyah_map_mem_args map = { .flags = GUNYAH_MEM_ALLOW_RWX };
	struct gunyah_vm_dtb_config dtb;
	struct stat st;
	uint8_t *p;

	while ((opt = getopt(argc, argv, "m:a:c:s:")) != -1) {
		switch (opt) {
		case 'm':
			size = strtoull(optarg, NULL, 0) << 20;
			break;
		case 'a':
			base = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			nr = atoi(optarg);
			break;
		case 's':
			sim_program = optarg;
			break;
		default:
			print_usage();
		}
	}
	if (optind != argc - 1 || nr < 1 || nr > MAX_VCPUS || size < 2 * DTB_SPACE)
		print_usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	dev = gh_open_dev();
	if (dev < 0)
		die("/dev/gunyah");
	vm = ioctl(dev, GUNYAH_CREATE_VM, 0);
	if (vm < 0)
		die("GUNYAH_CREATE_VM");

	/* Guest memory: the image at its start, the device tree at its end */
	create.size = size;
	mem = ioctl(dev, GUNYAH_CREATE_GUEST_MEM, &create);
	if (mem < 0)
		die("GUNYAH_CREATE_GUEST_MEM");
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mem, 0);
	if (p == MAP_FAILED)
		die("mmap guest memory");
	img = open(argv[optind], O_RDONLY);
	if (img < 0 || fstat(img, &st))
		die(argv[optind]);
	if ((uint64_t)st.st_size > size - DTB_SPACE) {
		fprintf(stderr, "%s: %lld bytes do not fit in %llu MiB of guest memory\n",
			argv[optind], (long long)st.st_size, (unsigned long long)size >> 20);
		return 1;
	}
	if (read(img, p, st.st_size) != st.st_size)
		die(argv[optind]);
	close(img);
	dtb.guest_phys_addr = base + size - DTB_SPACE;
	dtb.size = make_dtb(p + size - DTB_SPACE, base, size, nr);
	munmap(p, size);

	map.guest_addr = base;
	map.guest_mem_fd = mem;
	map.size = size;
	if (ioctl(vm, GUNYAH_VM_MAP_MEM, &map))
		die("GUNYAH_VM_MAP_MEM");
	close(mem);	/* the VM holds the memory now */
	if (ioctl(vm, GUNYAH_VM_SET_DTB_CONFIG, &dtb))
		die("GUNYAH_VM_SET_DTB_CONFIG");

	for (i = 0; i < nr; i++) {
		vcpus[i].id = i;
		vcpus[i].fd = gh_add_vcpu(vm, i);
		if (vcpus[i].fd < 0)
			die("GUNYAH_VM_ADD_FUNCTION");
		vcpus[i].run = mmap(NULL, ioctl(vcpus[i].fd, GUNYAH_VCPU_MMAP_SIZE),
				    PROT_READ | PROT_WRITE, MAP_SHARED, vcpus[i].fd, 0);
		if (vcpus[i].run == MAP_FAILED)
			die("mmap vCPU run page");
	}
	if (ioctl(vm, GUNYAH_VM_START))
		die("GUNYAH_VM_START");
	printf("VM %d started: %s (%lld bytes) at %#llx, ", gh_vmid(vm), argv[optind],
	       (long long)st.st_size, (unsigned long long)base);
	printf("device tree at %#llx (%llu bytes), %d vCPU%s\n",
	       (unsigned long long)dtb.guest_phys_addr, (unsigned long long)dtb.size, nr,
	       nr > 1 ? "s" : "");
	if (sim_program)
		load_sim_program(gh_vmid(vm), sim_program);

	for (i = 0; i < nr; i++)
		if (pthread_create(&threads[i], NULL, vcpu_thread, &vcpus[i]))
			die("pthread_create");
	for (i = 0; i < nr; i++)
		pthread_join(threads[i], NULL);
	printf("VM stopped: status %s, exit type %d\n",
	       vcpus[0].status == GUNYAH_VM_STATUS_EXITED ? "exited" :
	       vcpus[0].status == GUNYAH_VM_STATUS_CRASHED ? "crashed" : "load failed",
	       vcpus[0].exit_type);
	if (vcpus[0].status != GUNYAH_VM_STATUS_EXITED ||
	    vcpus[0].exit_type != GUNYAH_VM_EXIT_TYPE_PLATFORM_OFF)
		ret = 1;
	for (i = 0; i < nr; i++)
		close(vcpus[i].fd);
	close(vm);
	close(dev);
	return ret;
}
