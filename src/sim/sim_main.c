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

#include <linux/debugfs.h>
#include <linux/ioport.h>
#include <linux/irqdomain.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/string.h>

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

static const struct gunyah_rm_platform_data sim_rm_pdata = {
	.tx_capid = SIM_CAPID_RM_TX,
	.rx_capid = SIM_CAPID_RM_RX,
};

/* An RM device with the sim's queues and the two interrupts in @res */
static struct platform_device_info sim_rm_info(struct resource *res, int id)
{
	return (struct platform_device_info) {
		.name		= GUNYAH_RM_PLATFORM_DEV_NAME,
		.id		= id,
		.res		= res,
		.num_res	= 2,
		.data		= &sim_rm_pdata,
		.size_data	= sizeof(sim_rm_pdata),
	};
}

static int sim_rm_device_create(void)
{
	struct resource res[2] = {};
	struct platform_device_info info = sim_rm_info(res, PLATFORM_DEVID_NONE);
	int i;

	/* As the DT binding: 0 = TX-allowed, 1 = RX-requested, edge rising */
	for (i = 0; i < 2; i++) {
		gsim.rm_irq[i] = sim_irq_map_hwirq(i ? SIM_HWIRQ_RM_RX :
							 SIM_HWIRQ_RM_TX);
		if (!gsim.rm_irq[i]) {
			pr_err("gunyah_sim: cannot map the RM's interrupts\n");
			return -ENOMEM;
		}
		res[i].start = gsim.rm_irq[i];
		res[i].end = gsim.rm_irq[i];
		res[i].name = i ? "rx" : "tx";
		res[i].flags = IORESOURCE_IRQ | IORESOURCE_IRQ_HIGHEDGE;
	}

	gsim.rm_pdev = platform_device_register_full(&info);
	if (IS_ERR(gsim.rm_pdev)) {
		pr_err("gunyah_sim: cannot create the %s platform device: %pe\n",
		       GUNYAH_RM_PLATFORM_DEV_NAME, gsim.rm_pdev);
		return PTR_ERR(gsim.rm_pdev);
	}
	return 0;
}

/* No such Linux irq: request_irq() refuses it with -EINVAL */
#define SIM_BAD_IRQ	0x7fff0000

/* A mapped sim irq nobody uses, for a device that must get past request_irq() */
static int sim_spare_irq(int *hwirq)
{
	unsigned int irq;

	*hwirq = ida_alloc_range(&gsim.hwirq_ida, SIM_HWIRQ_FIRST_VCPU,
				 SIM_NR_HWIRQS - 1, GFP_KERNEL);
	if (*hwirq < 0)
		return *hwirq;
	irq = sim_irq_map_hwirq(*hwirq);
	if (!irq) {
		ida_free(&gsim.hwirq_ida, *hwirq);
		*hwirq = -1;
		return -ENOMEM;
	}
	return irq;
}

/**
 * sim_rm_probe_extra() - Probe a second, broken RM device, then remove it
 * @mode: what is wrong with it:
 *        no_pdata    neither platform data nor a DT node
 *        no_irq      no interrupt resource
 *        one_irq     no RX-requested interrupt (resource 1)
 *        bad_tx_irq  a TX interrupt that does not exist
 *        bad_rx_irq  a good TX interrupt, an RX one that does not exist
 *        second      nothing: a second RM while the sim's own has /dev/gunyah
 *
 * What a platform with a broken (or a second) RM node gives the RM
 * driver's probe. Refused unless the sim's own RM device is bound, so the
 * extra device can never bind and take over the queues. The driver logs
 * why its probe failed.
 *
 * Return: 0 (the device did not bind), -EEXIST (it did: a driver bug),
 * -EINVAL (unknown @mode), -ENODEV (the sim's RM is not bound), or the
 * error of creating the device.
 */
int sim_rm_probe_extra(const char *mode)
{
	static const char * const modes[] = {
		"no_pdata", "no_irq", "one_irq", "bad_tx_irq", "bad_rx_irq",
		"second",
	};
	static DEFINE_MUTEX(probe_lock);	/* one extra device at a time */
	struct resource res[2] = {
		DEFINE_RES_IRQ_NAMED(SIM_BAD_IRQ, "tx"),
		DEFINE_RES_IRQ_NAMED(SIM_BAD_IRQ, "rx"),
	};
	struct platform_device_info info = sim_rm_info(res, PLATFORM_DEVID_AUTO);
	int hwirq[2] = { -1, -1 }, spare = 0, m, i, ret;
	struct platform_device *pdev;
	bool bound;

	m = match_string(modes, ARRAY_SIZE(modes), mode);
	if (m < 0) {
		pr_warn("gunyah_sim: rm_probe: unknown mode \"%.32s\"\n", mode);
		return -EINVAL;
	}
	switch (m) {
	case 0:
		info.data = NULL;
		info.size_data = 0;
		break;
	case 1:
		info.num_res = 0;
		break;
	case 2:
		info.num_res = 1;
		break;
	case 4:
		spare = 1;
		break;
	case 5:
		spare = 2;
		break;
	}

	mutex_lock(&probe_lock);
	if (IS_ERR_OR_NULL(gsim.rm_pdev) || !READ_ONCE(gsim.rm_pdev->dev.driver)) {
		pr_warn("gunyah_sim: rm_probe: the sim's own RM is not bound\n");
		ret = -ENODEV;
		goto out;
	}
	for (i = 0; i < spare; i++) {
		ret = sim_spare_irq(&hwirq[i]);
		if (ret < 0)
			goto out;
		res[i].start = ret;
		res[i].end = ret;
	}

	pdev = platform_device_register_full(&info);
	if (IS_ERR(pdev)) {
		ret = PTR_ERR(pdev);
		goto out;
	}
	bound = !!READ_ONCE(pdev->dev.driver);
	pr_info("gunyah_sim: rm_probe %s: %s %s\n", modes[m], dev_name(&pdev->dev),
		bound ? "bound" : "not bound");
	platform_device_unregister(pdev);
	ret = bound ? -EEXIST : 0;
out:
	for (i = 0; i < spare; i++) {
		if (hwirq[i] < 0)
			continue;
		irq_dispose_mapping(irq_find_mapping(gsim.domain, hwirq[i]));
		ida_free(&gsim.hwirq_ida, hwirq[i]);
	}
	mutex_unlock(&probe_lock);
	return ret;
}

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
