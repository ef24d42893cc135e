// SPDX-License-Identifier: GPL-2.0-only
/*
 * gunyah_sim.ko: a simulated Gunyah platform for machines without Gunyah.
 *
 * Load order mirrors a device-tree boot: the sim's interrupt controller
 * comes up, the hypercall backend is registered (refused if a real
 * hypervisor's backend is already there), then the RM's platform device
 * appears with its two message-queue capids and interrupts, for the
 * "gunyah_rsc_mgr" driver to bind.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>

#include "gunyah_knob.h"
#include "sim.h"

struct gunyah_sim gsim;

unsigned int sim_nr_vcpus = 2;
unsigned int sim_msgq_depth = 8;

/* Both parameters take 1-64: SIM_MAX_VCPUS, and a queue's most messages */
static_assert(SIM_MAX_VCPUS == 64);

GUNYAH_PARAM_UINT_RANGE_OPS(sim_1_64, 1, 64);
module_param_cb(nr_vcpus, &sim_1_64_param_ops, &sim_nr_vcpus, 0644);
MODULE_PARM_DESC(nr_vcpus, "vCPUs of each new simulated VM (1-64, default 2)");
module_param_cb(msgq_depth, &sim_1_64_param_ops, &sim_msgq_depth, 0444);
MODULE_PARM_DESC(msgq_depth, "messages the host-to-RM queue holds (1-64, default 8)");

/* What the public hypervisor on QEMU answers: API 1, 64-bit, variant 0x51 */
static void sim_identify(struct gunyah_hypercall_hyp_identify_resp *resp)
{
	resp->api_info = FIELD_PREP(GUNYAH_API_INFO_API_VERSION_MASK,
				    GUNYAH_API_V1) |
			 GUNYAH_API_INFO_IS_64BIT |
			 FIELD_PREP(GUNYAH_API_INFO_VARIANT_MASK, 0x51);
	resp->flags[0] = 0x10000eff;
	resp->flags[1] = 0;
	resp->flags[2] = 0;
}

static const struct gunyah_hypercall_ops sim_hypercall_ops = {
	.name		= "gunyah_sim",
	.owner		= THIS_MODULE,
	.identify	= sim_identify,
	.msgq_send	= sim_msgq_send,
	.msgq_recv	= sim_msgq_recv,
	.vcpu_run	= sim_vcpu_run,
	.find_virq	= sim_find_virq,
	.map_virq	= sim_map_virq,
	.unmap_virq	= sim_unmap_virq,
};

static int __init gunyah_sim_init(void)
{
	int ret;

	ret = sim_msgq_init();
	if (ret)
		return ret;
	ret = sim_rm_init();
	if (ret)
		goto err_msgq;
	ret = sim_irq_init();
	if (ret)
		goto err_rm;
	sim_debugfs_init();

	ret = gunyah_hypercall_register(&sim_hypercall_ops);
	if (ret) {
		pr_err("gunyah_sim: not loading: cannot register the simulated hypercall backend (%pe); is another backend, e.g. real Gunyah, already registered?\n",
		       ERR_PTR(ret));
		goto err_debugfs;
	}

	ret = sim_rm_device_create();
	if (ret)
		goto err_unregister;

	pr_info("gunyah_sim: simulated Gunyah platform up (RM tx capid %#x irq %u, rx capid %#x irq %u, %u vCPUs per VM)\n",
		SIM_CAPID_RM_TX, gsim.rm_irq[0], SIM_CAPID_RM_RX,
		gsim.rm_irq[1], sim_nr_vcpus);
	return 0;

err_unregister:
	gunyah_hypercall_unregister(&sim_hypercall_ops);
err_debugfs:
	sim_debugfs_exit();
	sim_irq_exit();
err_rm:
	sim_rm_exit();
err_msgq:
	sim_msgq_exit();
	return ret;
}
module_init(gunyah_sim_init);

/*
 * The RM client and every VM hold a reference on this module through the
 * hypercall layer, so exit runs only once nothing can call in any more.
 */
static void __exit gunyah_sim_exit(void)
{
	platform_device_unregister(gsim.rm_pdev);
	gunyah_hypercall_unregister(&sim_hypercall_ops);
	sim_rm_exit();
	sim_debugfs_exit();
	sim_irq_exit();
	sim_msgq_exit();
}
module_exit(gunyah_sim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Simulated Gunyah hypervisor platform and resource manager");
