// SPDX-License-Identifier: GPL-2.0-only
/*
 * debugfs of the simulated platform, /sys/kernel/debug/gunyah_sim/:
 *   rm_stats                 RM traffic counters, "name: value" per line
 *   parcels                  the RM's memory parcels, one per line:
 *                            "HANDLE share|lend label L size S ranges N
 *                            acl VMID:RIGHTS... [open] [held VMID at IPA]"
 *   vm<vmid>/                each VM's files (sim_vm_debugfs.c)
 *   reap_vm                  write "VMID": free a VM whose owner cannot
 *                            (lost reply, refused VM_DEALLOC_VMID)
 *   rm_rx                    write "HEX [HEX...]": put these raw messages
 *                            (each at most 240 bytes) on the RX queue as
 *                            the RM would, in one go, and raise RX once
 *   rm_fake_reply            write "MSG_ID ERR [PAYLOAD_HEX|- [REPLY_ID]]":
 *                            the next request MSG_ID is not served but
 *                            answered with this reply (message id REPLY_ID,
 *                            default MSG_ID); "none" disarms. read: "none"
 *                            or "MSG_ID REPLY_ID ERR PAYLOAD_BYTES"
 *   rm_pause                 Y: the RM stops taking requests off the TX
 *                            queue (it fills up); N: it serves them
 *   rm_pause_before          MSG_ID: the next request with that id sets
 *                            rm_pause Y as it comes off the queue, and is
 *                            served first once rm_pause is N; one-shot
 *   public_profile           Y: VMs allocated from now on get public=Y
 *   rm_reset_delay_ms        how long VM_RESET's staged clean-up takes
 *                            after its reply (default 10)
 *   rm_refuse_call           MSG_ID: the RM refuses the next CONFIG_IMAGE,
 *                            INIT or START with that id as the real RM
 *                            does, moving the VM to INIT_FAILED; one-shot
 *   rm_refuse_error          the RM error it refuses with (0: MEM_INVALID)
 *   rcu_barrier              write: wait until the VMs that are gone are
 *                            freed (their frees wait for sim_srcu readers,
 *                            then RCU): leak checks measure after it
 *   rm_probe                 write a way to get an RM device wrong
 *                            (sim_rm_probe_extra()): a second
 *                            "gunyah_rsc_mgr" device is probed and removed
 * Files go away with the VM (VM_DEALLOC_VMID); debugfs waits for readers
 * and writers, and the sim's lock is never held across that wait.
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "gunyah_knob.h"
#include "sim.h"

static int sim_rm_stats_show(struct seq_file *s, void *unused)
{
	struct sim_stats *st = &gsim.stats;
	const struct {
		const char *name;
		atomic64_t *val;
	} stats[] = {
		{ "fragments_in", &st->fragments_in },
		{ "fragments_out", &st->fragments_out },
		{ "requests", &st->requests },
		{ "requests_multi", &st->requests_multi },
		{ "replies", &st->replies },
		{ "replies_multi", &st->replies_multi },
		{ "reply_errors", &st->reply_errors },
		{ "notifications", &st->notifications },
		{ "notifications_multi", &st->notifications_multi },
		{ "dropped", &st->dropped },
		{ "tx_full", &st->tx_full },
		{ "rx_empty", &st->rx_empty },
		{ "vcpu_runs", &st->vcpu_runs },
		{ "fatal_calls", &st->fatal_calls },
		{ "mem_appends", &st->mem_appends },
	};
	unsigned int tx, rx, vms = 0, i;
	unsigned long flags;
	struct sim_vm *vm;

	spin_lock_irqsave(&gsim.mq_lock, flags);
	tx = gsim.tx_count;
	rx = gsim.rx_count;
	spin_unlock_irqrestore(&gsim.mq_lock, flags);
	mutex_lock(&gsim.lock);
	list_for_each_entry(vm, &gsim.vms, list)
		vms++;
	mutex_unlock(&gsim.lock);

	for (i = 0; i < ARRAY_SIZE(stats); i++)
		seq_printf(s, "%s: %lld\n", stats[i].name,
			   atomic64_read(stats[i].val));
	seq_printf(s, "tx_queued: %u\nrx_queued: %u\nvms: %u\n", tx, rx, vms);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(sim_rm_stats);

DEFINE_SHOW_ATTRIBUTE(sim_mem);

static int sim_reap_vm_parse(struct file *file, struct gunyah_knob_args *args)
{
	u16 vmid;
	int ret;

	if (args->argc != 1 || kstrtou16(args->argv[0], 0, &vmid))
		return gunyah_knob_why(args, "expected a vmid");
	ret = sim_rm_reap_vm(vmid);
	if (ret)
		pr_warn("gunyah_sim: reap_vm: no VM %u\n", vmid);
	return ret;
}

GUNYAH_KNOB_WORDS_WRITE(sim_reap_vm, 32, sim_reap_vm_parse);
GUNYAH_KNOB_WO_FOPS(sim_reap_vm, sim_reap_vm_write);

/* One raw RM message per blank-separated hex word, at most this many */
#define SIM_RM_RX_MAX_MSGS	64
#define SIM_RM_RX_MAX_WRITE	(SIM_RM_RX_MAX_MSGS * (2 * GUNYAH_MSGQ_MAX_MSG_SIZE + 1))

static ssize_t sim_rm_rx_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	unsigned int n = 0;
	struct sim_batch batch;
	struct sim_msg *msg;
	char *buf, *cur, *tok;
	const char *why;
	size_t len;
	int ret;

	buf = gunyah_knob_copy(file, ubuf, count, ppos, SIM_RM_RX_MAX_WRITE);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	sim_batch_init(&batch);
	ret = -EINVAL;
	cur = buf;
	msg = NULL;
	while ((tok = strsep(&cur, " \t\n"))) {
		if (!*tok)
			continue;
		len = strlen(tok);
		if (len % 2 || len / 2 > GUNYAH_MSGQ_MAX_MSG_SIZE) {
			why = "a message is an even number of hex digits, at most 240 bytes";
			goto refuse;
		}
		if (n == SIM_RM_RX_MAX_MSGS) {
			why = "too many messages";
			goto refuse;
		}
		msg = kzalloc(sizeof(*msg), GFP_KERNEL);
		if (!msg) {
			ret = -ENOMEM;
			goto out;
		}
		list_add_tail(&msg->list, &batch.msgs);
		msg->size = len / 2;
		if (hex2bin(msg->data, tok, msg->size)) {
			why = "not hex";
			goto refuse;
		}
		n++;
	}
	if (!msg) {
		why = "no message";
		goto refuse;
	}
	msg->push = true;	/* the last one raises RX */

	mutex_lock(&gsim.lock);	/* not between the fragments of a reply */
	sim_batch_flush(&batch);
	mutex_unlock(&gsim.lock);
	pr_info("gunyah_sim: rm_rx: %u raw messages queued\n", n);
	ret = count;
	goto out;

refuse:
	gunyah_knob_refuse(file, why);
out:
	sim_msgs_free(&batch.msgs);
	kfree(buf);
	return ret;
}

GUNYAH_KNOB_WO_FOPS(sim_rm_rx, sim_rm_rx_write);

static int sim_fake_reply_parse(struct file *file, struct gunyah_knob_args *args)
{
	static u8 payload[SIM_FAKE_REPLY_MAX];
	static DEFINE_MUTEX(payload_lock);	/* @payload */
	const char *hex = args->argc > 2 ? args->argv[2] : "-";
	size_t len = strcmp(hex, "-") ? strlen(hex) : 0;
	u32 msg_id, reply_id, err;
	int ret;

	if (args->argc == 1 && !strcmp(args->argv[0], "none")) {
		mutex_lock(&gsim.lock);
		gsim.fake.armed = false;
		mutex_unlock(&gsim.lock);
		return 0;
	}
	if (args->argc < 2 || args->argc > 4 ||
	    kstrtou32(args->argv[0], 0, &msg_id) ||
	    kstrtou32(args->argv[1], 0, &err) ||
	    kstrtou32(args->argc == 4 ? args->argv[3] : args->argv[0], 0, &reply_id))
		return gunyah_knob_why(args, "expected MSG_ID ERR [PAYLOAD_HEX|- [REPLY_ID]]");
	if (len % 2 || len / 2 > SIM_FAKE_REPLY_MAX)
		return gunyah_knob_why(args,
				       "PAYLOAD_HEX: an even number of hex digits, at most 1024 bytes");

	mutex_lock(&payload_lock);
	ret = hex2bin(payload, hex, len / 2);
	if (ret)
		gunyah_knob_why(args, "PAYLOAD_HEX: not hex");
	else
		ret = sim_rm_set_fake_reply(msg_id, reply_id, err, payload, len / 2);
	mutex_unlock(&payload_lock);
	return ret;
}

GUNYAH_KNOB_WORDS_WRITE(sim_fake_reply, 2 * SIM_FAKE_REPLY_MAX + 64,
			sim_fake_reply_parse);
GUNYAH_KNOB_SEQ_FOPS(sim_rm_fake_reply, sim_fake_reply_write);

static int sim_rm_pause_show(struct seq_file *s, void *unused)
{
	seq_printf(s, "%c\n", READ_ONCE(gsim.rm_paused) ? 'Y' : 'N');
	return 0;
}

static ssize_t sim_rm_pause_write(struct file *file, const char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	bool paused;
	int ret;

	ret = kstrtobool_from_user(ubuf, count, &paused);
	if (ret)
		return ret;
	sim_rm_set_paused(paused);
	return count;
}

GUNYAH_KNOB_SEQ_FOPS(sim_rm_pause, sim_rm_pause_write);

static int sim_rm_probe_parse(struct file *file, struct gunyah_knob_args *args)
{
	if (args->argc != 1)
		return gunyah_knob_why(args, "expected one mode");
	return sim_rm_probe_extra(args->argv[0]);
}

GUNYAH_KNOB_WORDS_WRITE(sim_rm_probe, 31, sim_rm_probe_parse);
GUNYAH_KNOB_WO_FOPS(sim_rm_probe, sim_rm_probe_write);

static ssize_t sim_rcu_barrier_write(struct file *file, const char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	srcu_barrier(&sim_srcu);
	rcu_barrier();
	return count;
}

GUNYAH_KNOB_WO_FOPS(sim_rcu_barrier, sim_rcu_barrier_write);

void sim_debugfs_init(void)
{
	static const struct gunyah_knob_file files[] = {
		{ "rm_stats", 0400, &sim_rm_stats_fops },
		{ "parcels", 0400, &sim_mem_fops },
		{ "reap_vm", 0200, &sim_reap_vm_fops },
		{ "rm_rx", 0200, &sim_rm_rx_fops },
		{ "rm_fake_reply", 0600, &sim_rm_fake_reply_fops },
		{ "rm_pause", 0600, &sim_rm_pause_fops },
		{ "rm_probe", 0200, &sim_rm_probe_fops },
		{ "rcu_barrier", 0200, &sim_rcu_barrier_fops },
	};

	gsim.debugfs = debugfs_create_dir("gunyah_sim", NULL);
	gunyah_knob_create_files(gsim.debugfs, NULL, files, ARRAY_SIZE(files));
	debugfs_create_x32("rm_pause_before", 0600, gsim.debugfs,
			   &gsim.pause_before);
	debugfs_create_bool("public_profile", 0600, gsim.debugfs,
			    &gsim.public_profile);
	debugfs_create_u32("rm_reset_delay_ms", 0600, gsim.debugfs,
			   &gsim.reset_delay_ms);
	debugfs_create_x32("rm_refuse_call", 0600, gsim.debugfs,
			   &gsim.refuse_call);
	debugfs_create_x32("rm_refuse_error", 0600, gsim.debugfs,
			   &gsim.refuse_error);
}

void sim_debugfs_exit(void)
{
	debugfs_remove_recursive(gsim.debugfs);
}
