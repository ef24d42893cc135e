// SPDX-License-Identifier: GPL-2.0-only
/*
 * A tiny VMM for the Gunyah driver: creates a VM with two vCPUs on the
 * simulated platform, loads a guest program that walks through every exit
 * kind, runs each vCPU in its own thread and emulates two MMIO devices:
 *   0x09000000 UART   (writes: one character printed)
 *   0x09001000 COUNTER (reads: an incrementing counter; writes: logged)
 *   0x09002000 SYNC    (reads block until vCPU 1 has said its part)
 * It prints one line per exit.
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
#include <unistd.h>

#include <linux/gunyah.h>

/* The selftests' helpers: one way to make vCPUs, find vmids, load programs */
#include "../selftests/gunyah/gunyah_util.h"

#define UART	0x09000000ULL
#define COUNTER	0x09001000ULL
#define SYNC	0x09002000ULL

static const char *const programs[2] = {
	"mmio_write 0x09000000 1 0x48\n"	/* 'H' */
	"mmio_write 0x09000000 1 0x69\n"	/* 'i' */
	"mmio_write 0x09000000 1 0x0a\n"
	"mmio_read 0x09001000 4\n"
	"mmio_write 0x09001004 4 last\n"
	"page_fault 0x80000000 w\n"
	"yield\n"
	"cpu_on 1\n"
	"mmio_read 0x09002000 4\n"
	"system_off 1 0x0\n",

	"cpu_off\n"
	"mmio_read 0x09001000 4\n"
	"mmio_write 0x09000000 1 0x21\n"	/* '!' */
	"mmio_write 0x09000000 1 0x0a\n",
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int vcpu1_done;
static uint32_t counter;

struct vcpu {
	int id, fd;
	struct gunyah_vcpu_run *run;
};

static void emulate_mmio(struct vcpu *v)
{
	struct gunyah_vcpu_run *run = v->run;
	uint64_t addr = run->mmio.phys_addr, val = 0;

	memcpy(&val, run->mmio.data, run->mmio.len);
	if (run->mmio.is_write) {
		if (addr == UART) {
			printf("vcpu%d: exit MMIO write UART    len %u data 0x%02llx '%c'\n",
			       v->id, run->mmio.len, (unsigned long long)val,
			       val >= 0x20 && val < 0x7f ? (char)val : '.');
			if (v->id == 1 && val == '\n') {
				pthread_mutex_lock(&lock);
				vcpu1_done = 1;
				pthread_cond_signal(&cond);
				pthread_mutex_unlock(&lock);
			}
		} else {
			printf("vcpu%d: exit MMIO write 0x%llx len %u data 0x%llx\n", v->id,
			       (unsigned long long)addr, run->mmio.len, (unsigned long long)val);
		}
		return;
	}
	if (addr == SYNC) {
		pthread_mutex_lock(&lock);
		while (!vcpu1_done)
			pthread_cond_wait(&cond, &lock);
		pthread_mutex_unlock(&lock);
		val = 1;
	} else if (addr == COUNTER) {
		pthread_mutex_lock(&lock);
		val = ++counter;
		pthread_mutex_unlock(&lock);
	} else {
		printf("vcpu%d: exit MMIO read  0x%llx: no device, fault\n", v->id,
		       (unsigned long long)addr);
		run->mmio.resume_action = GUNYAH_VCPU_RESUME_FAULT;
		return;
	}
	printf("vcpu%d: exit MMIO read  0x%llx len %u -> 0x%llx\n", v->id,
	       (unsigned long long)addr, run->mmio.len, (unsigned long long)val);
	memcpy(run->mmio.data, &val, sizeof(run->mmio.data));
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;

	while (!gh_run_to_exit(v->fd)) {
		switch (v->run->exit_reason) {
		case GUNYAH_VCPU_EXIT_MMIO:
			emulate_mmio(v);
			break;
		case GUNYAH_VCPU_EXIT_PAGE_FAULT:
			printf("vcpu%d: exit PAGE_FAULT at 0x%llx: no memory there, fault\n",
			       v->id, (unsigned long long)v->run->page_fault.phys_addr);
			break;
		case GUNYAH_VCPU_EXIT_STATUS: {
			struct gunyah_vm_exit_info *e = &v->run->status.exit_info;

			printf("vcpu%d: exit STATUS %s, exit type %u, reason size %u\n", v->id,
			       v->run->status.status == GUNYAH_VM_STATUS_EXITED ? "EXITED" :
			       v->run->status.status == GUNYAH_VM_STATUS_CRASHED ? "CRASHED" :
			       "LOAD_FAILED", e->type, e->reason_size);
			return NULL;
		}
		default:
			printf("vcpu%d: unexpected exit %u\n", v->id, v->run->exit_reason);
			return NULL;
		}
	}
	printf("vcpu%d: run failed: %s\n", v->id, strerror(errno));
	return NULL;
}

/*
 * The guest's memory: the RM starts no VM without it. 64 KiB at guest
 * address 0x40000000 holding the device tree (here an empty one), shared
 * with the VM; the VM keeps it after we close our fd.
 */
#define MEM_BASE	0x40000000ULL
#define MEM_SIZE	0x10000ULL
#define DTB_OFFSET	0x8000ULL

static int give_memory(int dev, int vm)
{
	struct gunyah_vm_dtb_config dtb = {
		.guest_phys_addr = MEM_BASE + DTB_OFFSET, .size = 0x1000,
	};
	char *p;
	int mem;

	mem = gh_create_guest_mem(dev, MEM_SIZE, 0);
	if (mem < 0) {
		perror("GUNYAH_CREATE_GUEST_MEM");
		return -1;
	}
	p = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mem, 0);
	if (p == MAP_FAILED) {
		perror("mmap guest memory");
		return -1;
	}
	gh_write_fdt(p + DTB_OFFSET);	/* an empty one */
	munmap(p, MEM_SIZE);
	if (gh_map_mem(vm, mem, MEM_BASE, 0, MEM_SIZE, GUNYAH_MEM_ALLOW_RWX)) {
		perror("GUNYAH_VM_MAP_MEM");
		return -1;
	}
	if (ioctl(vm, GUNYAH_VM_SET_DTB_CONFIG, &dtb)) {
		perror("GUNYAH_VM_SET_DTB_CONFIG");
		return -1;
	}
	close(mem);
	printf("guest memory: %llu KiB at %#llx, device tree at %#llx\n",
	       MEM_SIZE >> 10, MEM_BASE, MEM_BASE + DTB_OFFSET);
	return 0;
}

int main(void)
{
	struct vcpu vcpus[2];
	pthread_t threads[2];
	char path[128], line[128];
	int dev, vm, vmid, i;
	FILE *f;

	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = gh_open_dev();
	if (dev < 0) {
		perror("/dev/gunyah");
		return 1;
	}
	vm = ioctl(dev, GUNYAH_CREATE_VM, 0);
	if (vm < 0) {
		perror("GUNYAH_CREATE_VM");
		return 1;
	}
	if (give_memory(dev, vm))
		return 1;
	for (i = 0; i < 2; i++) {
		vcpus[i].id = i;
		vcpus[i].fd = gh_add_vcpu(vm, i);
		if (vcpus[i].fd < 0) {
			perror("GUNYAH_VM_ADD_FUNCTION");
			return 1;
		}
		vcpus[i].run = mmap(NULL, ioctl(vcpus[i].fd, GUNYAH_VCPU_MMAP_SIZE),
				    PROT_READ | PROT_WRITE, MAP_SHARED, vcpus[i].fd, 0);
		if (vcpus[i].run == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
	}
	if (ioctl(vm, GUNYAH_VM_START)) {
		perror("GUNYAH_VM_START");
		return 1;
	}
	vmid = gh_vmid(vm);
	printf("VM started: vmid %d, 2 vCPUs\n", vmid);

	/* The simulated guests' code, loaded the way firmware would be */
	for (i = 0; i < 2; i++) {
		if (gh_sim_load(vmid, i, programs[i])) {
			gh_sim_path(path, sizeof(path), vmid, i, "program");
			perror(path);
			return 1;
		}
	}
	for (i = 0; i < 2; i++)
		pthread_create(&threads[i], NULL, vcpu_thread, &vcpus[i]);
	for (i = 0; i < 2; i++)
		pthread_join(threads[i], NULL);
	printf("VM exited; counter served %u reads\n", counter);

	/* What each guest observed, from the simulator's per-vCPU log */
	for (i = 0; i < 2; i++) {
		gh_sim_path(path, sizeof(path), vmid, i, "log");
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			printf("guest vcpu%d saw: %s", i, line);
		if (f)
			fclose(f);
	}
	for (i = 0; i < 2; i++)
		close(vcpus[i].fd);
	close(vm);
	close(dev);
	return 0;
}
