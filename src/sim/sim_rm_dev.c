// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulated platform's RM devices: the one the RM driver binds to,
 * and the broken or second ones rm_probe shows the driver's probe.
 */

#include <linux/idr.h>
#include <linux/ioport.h>
#include <linux/irqdomain.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/string.h>

#include "sim.h"

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

/* The sim's own RM device, on the RM queues and interrupts */
int sim_rm_device_create(void)
{
	struct resource res[2] = {};
	struct platform_device_info info = sim_rm_info(res, PLATFORM_DEVID_NONE);
	int i;

	/* As the DT binding: 0 = TX-allowed, 1 = RX-requested, edge rising */
	for (i = 0; i < 2; i++) {
		gsim.rm_irq[i] = irq_create_mapping(gsim.domain,
						    i ? SIM_HWIRQ_RM_RX : SIM_HWIRQ_RM_TX);
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
	irq = irq_create_mapping(gsim.domain, *hwirq);
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
