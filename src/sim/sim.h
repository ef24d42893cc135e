/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated Gunyah platform (gunyah_sim.ko): a hypercall backend with
 * two message queues to an in-kernel resource manager (RM), proxy-scheduled
 * vCPUs that run small guest programs, and an irq domain for the RM's and
 * the vCPUs' interrupts. Nothing above the hypercall layer can tell it
 * apart from the real hypervisor.
 */

#ifndef _GUNYAH_SIM_H
#define _GUNYAH_SIM_H

#include <linux/atomic.h>
#include <linux/idr.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "gunyah.h"
#include "rm_proto.h"

struct dentry;
struct irq_domain;
struct fwnode_handle;
struct platform_device;
struct seq_file;

/*
 * Interrupts: hwirq N of the sim's domain is GIC SPI N (virq N + 32) for
 * N < SIM_NR_SPI, else ESPI (virq 4096 + N - SIM_NR_SPI), so every number
 * the RM hands out is a valid GIC number for the DT-style RM client.
 */
#define SIM_GIC_SPI_BASE	32
#define SIM_NR_SPI		988	/* SPIs 32..1019 */
#define SIM_GIC_ESPI_BASE	4096
#define SIM_NR_ESPI		1024	/* ESPIs 4096..5119 */
#define SIM_NR_HWIRQS		(SIM_NR_SPI + SIM_NR_ESPI)
#define SIM_HWIRQ_RM_TX		0	/* RM TX queue has space again */
#define SIM_HWIRQ_RM_RX		1	/* RM RX queue has a message */
#define SIM_HWIRQ_FIRST_VCPU	2

/* Capability ids of the RM's queues; vCPU caps count up from SIM_CAPID_VCPU */
#define SIM_CAPID_RM_TX		0x10
#define SIM_CAPID_RM_RX		0x11
#define SIM_CAPID_VCPU		0x1000

/* VM ids: 0..3 are the hypervisor, HLOS and friends; RM picks from 64 up */
#define SIM_VMID_HLOS		3
#define SIM_VMID_MIN		4
#define SIM_VMID_DYN_FIRST	64
#define SIM_VMID_MAX		1023

#define SIM_MAX_VCPUS		64
#define SIM_MAX_PROGRAM_SIZE	4096
#define SIM_MAX_REASON_WORDS	64
#define SIM_MAX_DELAY_MS	1000
#define SIM_BENCH_MAX_CALLS	10000000

#define SIM_LOG_LINES		256
#define SIM_LOG_LINE_LEN	64

extern unsigned int sim_nr_vcpus;
/* vcpu_run finds its vCPU without gsim.lock: VMs are freed after this */
extern struct srcu_struct sim_srcu;
extern unsigned int sim_msgq_depth;

/* One message-queue message */
struct sim_msg {
	struct list_head list;
	size_t size;
	bool push;		/* last fragment: raises the receiver's irq */
	u8 data[GUNYAH_MSGQ_MAX_MSG_SIZE];
};

/* Messages built by the RM, put on the RX queue in one go */
struct sim_batch {
	struct list_head msgs;
	struct sim_vm *vm;	/* raise every vCPU wake-up of @vm after flushing */
};

enum sim_op {
	SIM_OP_MMIO_READ,
	SIM_OP_MMIO_WRITE,
	SIM_OP_PAGE_FAULT,
	SIM_OP_WFI,
	SIM_OP_CPU_OFF,
	SIM_OP_CPU_ON,
	SIM_OP_BLOCK,
	SIM_OP_YIELD,
	SIM_OP_STATE,
	SIM_OP_HYP_ERROR,
	SIM_OP_SYSTEM_OFF,
	SIM_OP_CRASH,
	SIM_OP_LOOP,
	SIM_OP_DELAY,
	SIM_OP_FAULT,
	SIM_OP_PSCI_RESET,
	SIM_OP_LOAD,
	SIM_OP_STORE,
};

/**
 * struct sim_insn - One decoded guest instruction
 * @op: what it does
 * @arg: address (mmio, page_fault), raw state, vCPU index (cpu_on),
 *       milliseconds (delay), exit type (system_off) or reset type
 *       (psci_reset)
 * @value: value to write (mmio_write), state data 0 (state), cookie
 *         (psci_reset)
 * @value2: state data 1 (state)
 * @len: access length (mmio); number of reason words (system_off)
 * @word: first reason word in &struct sim_program.words (system_off)
 * @err: gunyah_error to return (hyp_error)
 * @flag: write access (page_fault); write the last value read (mmio_write);
 *        SYSTEM_RESET2 rather than SYSTEM_RESET (psci_reset)
 * @flag64: SMC64 call (psci_reset)
 */
struct sim_insn {
	enum sim_op op;
	u64 arg;
	u64 value;
	u64 value2;
	u32 len;
	u32 word;
	int err;
	bool flag;
	bool flag64;
};

struct sim_program {
	unsigned int n;
	struct sim_insn *insns;
	u32 *words;
	char *text;
	size_t text_len;
};

/* What the previous vcpu_run returned, so the next one knows how to resume */
enum sim_pending {
	SIM_PEND_NONE,
	SIM_PEND_MMIO_READ,
	SIM_PEND_MMIO_WRITE,
	SIM_PEND_PAGE_FAULT,
	SIM_PEND_WFI,
	SIM_PEND_RESUME,	/* block, yield, state, hyp_error, delay */
};

struct sim_log {
	char (*lines)[SIM_LOG_LINE_LEN];
	unsigned int head;
	unsigned int count;
	unsigned long dropped;
};

struct sim_vm;

struct sim_vcpu {
	/*
	 * The vCPU's program, pc, pending exit, flags and log. vcpu_run takes
	 * only this one; anything that also needs the VM or the RM takes
	 * gsim.lock first, then this.
	 */
	struct mutex lock;
	struct sim_vm *vm;
	unsigned int index;
	u64 capid;
	unsigned int hwirq;

	struct sim_program *prog;
	unsigned int pc;
	enum sim_pending pending;
	u64 pend_addr;
	u64 pend_value;
	u32 pend_len;
	const char *pend_what;

	bool off;		/* executed cpu_off, waits for cpu_on */
	bool on_pending;	/* cpu_on came before this vCPU's cpu_off */
	unsigned int on_by;	/* vCPU whose cpu_on is pending */
	bool ended;		/* ran past its last instruction */
	bool wake_pending;	/* wake-up irq raised, not yet seen by wfi */
	bool in_run;		/* a thread is inside vcpu_run */
	u64 last_value;		/* last value an mmio_read got */
	unsigned long runs;

	struct sim_log log;
};

/*
 * struct sim_vm - one VM of the simulated RM
 * @public: behaves as the public hypervisor (quic/gunyah-hypervisor)
 *          does: no resume actions, no page-fault state; else v17's
 * @configured: the RM holds a configuration (VM_CONFIG_IMAGE accepted);
 *              the public RM's VM_RESET dereferences it
 * @busy_runs: the next N vcpu_run calls return ERROR_BUSY
 * @blocked_runs: the next N vcpu_run calls return BLOCKED, no progress
 * @reset_work: finishes a VM_RESET after its reply, as the RM's staged
 *              clean-up does
 * @image_handle: the parcel VM_CONFIG_IMAGE named (U32_MAX: none)
 * @dt_offset: the device tree's offset in that parcel
 * @dt_size: and its size
 * @boot: the boot vCPU's registers: PC and X0 from VM_CONFIG_IMAGE,
 *        then whatever VM_SET_BOOT_CONTEXT set
 */
struct sim_vm {
	struct kref ref;
	struct rcu_head rcu;	/* freed after sim_srcu readers of gsim.vcpus */
	struct list_head list;
	u16 vmid;
	u8 status;		/* enum gunyah_rm_vm_status */
	bool public;
	bool configured;
	u32 busy_runs;
	u32 blocked_runs;
	struct delayed_work reset_work;
	u32 image_handle;
	u64 dt_offset;
	u64 dt_size;
	struct {
		u64 pc;
		u64 x[32];
		u64 sp[3];
	} boot;
	bool crashed;
	bool dead;		/* deallocated; only references keep it */
	bool ignore_stop;	/* guest ignores a graceful VM_STOP */
	bool ignore_force_stop;	/* ... and a forced one */
	u16 exit_type;
	u32 exit_reason_size;
	/* make bench: vcpu_run's fixed MMIO read address (0: off), read locklessly */
	u64 bench_exit;
	u64 bench_calls;	/* bench_backend: calls timed ... */
	u64 bench_ns;		/* ... and their time */
	struct dentry *dir;
	unsigned int nr_vcpus;
	struct sim_vcpu vcpus[];
};

struct sim_stats {
	atomic64_t fragments_in;
	atomic64_t fragments_out;
	atomic64_t requests;
	atomic64_t requests_multi;
	atomic64_t replies;
	atomic64_t replies_multi;
	atomic64_t reply_errors;
	atomic64_t notifications;
	atomic64_t notifications_multi;
	atomic64_t dropped;
	atomic64_t tx_full;
	atomic64_t rx_empty;
	atomic64_t vcpu_runs;
	atomic64_t fatal_calls;	/* calls the public RM would not survive */
	atomic64_t mem_appends;
};

/* A request being reassembled from its fragments (RM worker only) */
struct sim_rm_partial {
	bool active;
	u16 seq;
	u32 msg_id;
	unsigned int remaining;
	size_t len;
	u8 *buf;
};

#define SIM_FAKE_REPLY_MAX	1024

/* rm_fake_reply: what the RM answers instead of serving one request */
struct sim_fake_reply {
	bool armed;
	u32 msg_id;		/* the request it replaces */
	u32 reply_id;		/* message id the reply carries */
	u32 err;
	size_t len;
	u8 payload[SIM_FAKE_REPLY_MAX];
};

struct gunyah_sim {
	struct mutex lock;		/* VMs, vCPUs and RM state */
	struct list_head vms;
	struct xarray vcpus;		/* capid - SIM_CAPID_VCPU -> live vCPU */
	struct ida vmid_ida;
	struct ida hwirq_ida;
	u64 next_capid;

	struct fwnode_handle *fwnode;
	struct irq_domain *domain;
	unsigned int rm_irq[2];

	struct workqueue_struct *wq;
	struct work_struct rm_work;
	struct sim_rm_partial partial;
	struct sim_fake_reply fake;	/* under @lock */
	bool rm_paused;			/* rm_pause: requests stay queued */
	u32 pause_before;		/* rm_pause_before: msg id, one-shot */
	bool held;			/* @held_msg waits for rm_pause N */
	struct sim_msg held_msg;	/* only the (ordered) RM work uses it */
	bool public_profile;		/* new VMs get sim_vm.public */
	u32 reset_delay_ms;		/* VM_RESET's staged clean-up */
	u32 refuse_call;		/* rm_refuse_call: msg id, one-shot */
	u32 refuse_error;		/* ... refused with this RM error */

	spinlock_t mq_lock;		/* both message queues */
	struct sim_msg *tx;		/* ring of sim_msgq_depth messages */
	unsigned int tx_head;
	unsigned int tx_count;
	bool tx_full_seen;		/* sender was told the queue is full */
	struct list_head rx;
	unsigned int rx_count;

	struct sim_stats stats;
	struct dentry *debugfs;
	struct platform_device *rm_pdev;
};

extern struct gunyah_sim gsim;

/* The RM's VM @vmid, or NULL; under gsim.lock */
static inline struct sim_vm *sim_vm_find(u16 vmid)
{
	struct sim_vm *vm;

	list_for_each_entry(vm, &gsim.vms, list)
		if (vm->vmid == vmid)
			return vm;
	return NULL;
}

/*
 * The files in the order they may call each other: each calls only files
 * listed after it (sim_main.c, the module entry, calls all).
 */

/* sim_debugfs.c: the platform's knobs */
void sim_debugfs_init(void);
void sim_debugfs_exit(void);

/* sim_rm_dev.c */
int sim_rm_device_create(void);
int sim_rm_probe_extra(const char *mode);

/* sim_rm.c: the RM server */
int sim_rm_init(void);
void sim_rm_exit(void);
int sim_rm_reap_vm(u16 vmid);
void sim_rm_set_paused(bool paused);
int sim_rm_set_fake_reply(u32 msg_id, u32 reply_id, u32 err,
			  const void *payload, size_t len);
int sim_rm_fake_reply_show(struct seq_file *s, void *unused);

/* sim_vm_debugfs.c */
void sim_vm_debugfs_add(struct sim_vm *vm);
void sim_vm_debugfs_remove(struct sim_vm *vm);

/* sim_vcpu.c */
enum gunyah_error sim_vcpu_run(u64 capid, unsigned long *resume_data,
			       struct gunyah_hypercall_vcpu_run_resp *resp);
int sim_vcpu_load(struct sim_vcpu *vcpu, struct sim_program *prog);
int sim_vcpu_bench_backend(struct sim_vm *vm, u64 calls);
__printf(2, 3) void sim_log(struct sim_vcpu *vcpu, const char *fmt, ...);
const char *sim_vcpu_pending_name(const struct sim_vcpu *vcpu);

/* sim_vm.c */
bool sim_vm_is_down(const struct sim_vm *vm);
void sim_vm_set_status(struct sim_vm *vm, u8 status, struct sim_batch *batch);
void sim_vm_exit(struct sim_vm *vm, u16 type, const u32 *words,
		 unsigned int nr_words, struct sim_batch *batch);
void sim_vm_crash(struct sim_vm *vm, struct sim_batch *batch);
void sim_vm_put(struct sim_vm *vm);

/* sim_rm_msg.c */
#define SIM_RM_HDR_SIZE		sizeof(struct gunyah_rm_rpc_hdr)
void sim_rm_reply(struct sim_batch *batch, u16 seq, u32 msg_id, u32 err,
		  const void *payload, size_t len);
void sim_rm_notify(struct sim_batch *batch, u32 msg_id, const void *payload,
		   size_t len);

/* sim_mem.c */
u32 sim_mem_create(const u8 *buf, size_t len, bool lend, u32 *handle,
		   const char **why);
u32 sim_mem_append(const u8 *buf, size_t len, const char **why);
u32 sim_mem_reclaim(u32 handle, const char **why);
u32 sim_mem_config_image(struct sim_vm *vm,
			 const struct gunyah_rm_vm_config_image_req *r,
			 const char **why);
u32 sim_mem_init_vm(struct sim_vm *vm, const char **why);
void sim_mem_release_vm(struct sim_vm *vm);
bool sim_mem_access(struct sim_vm *vm, u64 ipa, unsigned int len, bool write,
		    u64 *val);
int sim_mem_show(struct seq_file *s, void *unused);
void sim_mem_exit(void);

/* sim_guest.c: a vCPU's program, and its log's allocation */
struct sim_program *sim_program_parse(const char *text, size_t len,
				      const char *who);
void sim_program_free(struct sim_program *prog);
int sim_guest_init(struct sim_vcpu *vcpu);
void sim_guest_free(struct sim_vcpu *vcpu);

/* sim_msgq.c */
int sim_msgq_init(void);
void sim_msgq_exit(void);
enum gunyah_error sim_msgq_send(u64 capid, size_t size, void *buff,
				u64 tx_flags, bool *ready);
enum gunyah_error sim_msgq_recv(u64 capid, void *buff, size_t size,
				size_t *recv_size, bool *ready);
bool sim_msgq_tx_pop(struct sim_msg *msg);
void sim_batch_init(struct sim_batch *batch);
void sim_batch_flush(struct sim_batch *batch);
void sim_msgs_free(struct list_head *msgs);

/* sim_irq.c */
int sim_irq_init(void);
void sim_irq_exit(void);
void sim_irq_raise(unsigned int hwirq);
unsigned int sim_find_virq(u32 virq);
int sim_map_virq(u32 virq);
void sim_unmap_virq(unsigned int irq);
u32 sim_hwirq_to_virq(unsigned int hwirq);

#endif /* _GUNYAH_SIM_H */
