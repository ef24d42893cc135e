// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real Gunyah hypercall backend: SMCCC HVC calls on arm64, and the
 * "gunyah" platform driver of the device tree's hypervisor node. The probe
 * registers the backend only when the vendor-hypervisor UID (asked through
 * the firmware's conduit, HVC or SMC) and HYP_IDENTIFY say this kernel runs
 * on Gunyah API version 1, then creates the node's children (the resource
 * manager). Anything else: no backend, one "no Gunyah" log line, and
 * gunyah_sim may register instead.
 */

#define pr_fmt(fmt) "gunyah: " fmt

#include <linux/arm-smccc.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/of_platform.h>
#include <linux/platform_device.h>

#include "gunyah.h"
#include "hypercall/backend.h"

#define GUNYAH_HYPERCALL(fn)						\
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64,	\
			   ARM_SMCCC_OWNER_VENDOR_HYP, fn)

#define GUNYAH_HYPERCALL_HYP_IDENTIFY	GUNYAH_HYPERCALL(0x8000)
#define GUNYAH_HYPERCALL_MSGQ_SEND	GUNYAH_HYPERCALL(0x801B)
#define GUNYAH_HYPERCALL_MSGQ_RECV	GUNYAH_HYPERCALL(0x801C)
#define GUNYAH_HYPERCALL_VCPU_RUN	GUNYAH_HYPERCALL(0x8065)

/* msgq_send: x1 = the queue can take more; msgq_recv: x1 = size, x2 flags */
#define GUNYAH_MSGQ_RECV_NOT_EMPTY	BIT(0)

/* UUID c1d58fcd-a453-5fdb-9265-ce36673d5f14 as returned in w0..w3 */
static const u32 gunyah_uid[4] = {
	0xcd8fd5c1, 0xdb5f53a4, 0x36ce6592, 0x145f3d67,
};

/* GIC interrupt numbers the RM hands out (virq): SPIs and extended SPIs */
#define GIC_SPI_BASE		32
#define GIC_SPI_LAST		1019
#define GIC_ESPI_BASE		4096
#define GIC_ESPI_LAST		5119
#define GIC_FWSPEC_SPI		0
#define GIC_FWSPEC_ESPI		2

/* The interrupt controller wake-up and RM interrupts live on */
static struct device_node *gunyah_gic_node;
static bool gunyah_hyp_bound;

static void gunyah_hvc_identify(struct gunyah_hypercall_hyp_identify_resp *resp)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(GUNYAH_HYPERCALL_HYP_IDENTIFY, &res);
	resp->api_info = res.a0;
	resp->flags[0] = res.a1;
	resp->flags[1] = res.a2;
	resp->flags[2] = res.a3;
}

static enum gunyah_error gunyah_hvc_msgq_send(u64 capid, size_t size, void *buff,
					      u64 tx_flags, bool *ready)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(GUNYAH_HYPERCALL_MSGQ_SEND, capid, size,
			  (uintptr_t)buff, tx_flags, 0, &res);
	if (res.a0 == GUNYAH_ERROR_OK)
		*ready = !!res.a1;
	return (enum gunyah_error)res.a0;
}

static enum gunyah_error gunyah_hvc_msgq_recv(u64 capid, void *buff, size_t size,
					      size_t *recv_size, bool *ready)
{
	struct arm_smccc_res res;

	arm_smccc_1_1_hvc(GUNYAH_HYPERCALL_MSGQ_RECV, capid, (uintptr_t)buff,
			  size, 0, &res);
	if (res.a0 == GUNYAH_ERROR_OK) {
		*recv_size = res.a1;
		*ready = res.a2 & GUNYAH_MSGQ_RECV_NOT_EMPTY;
	}
	return (enum gunyah_error)res.a0;
}

static enum gunyah_error
gunyah_hvc_vcpu_run(u64 capid, unsigned long *resume_data,
		    struct gunyah_hypercall_vcpu_run_resp *resp)
{
	struct arm_smccc_1_2_regs args = {
		.a0 = GUNYAH_HYPERCALL_VCPU_RUN,
		.a1 = capid,
		.a2 = resume_data[0],
		.a3 = resume_data[1],
		.a4 = resume_data[2],
		.a5 = 0,	/* reserved, must be 0 */
	};
	struct arm_smccc_1_2_regs res;

	arm_smccc_1_2_hvc(&args, &res);
	if (res.a0 == GUNYAH_ERROR_OK) {
		resp->state = res.a1;
		resp->state_data[0] = res.a2;
		resp->state_data[1] = res.a3;
		resp->state_data[2] = res.a4;
	}
	return (enum gunyah_error)res.a0;
}

/* The GIC's 3-cell spec of an RM interrupt number, if it is an SPI/ESPI */
static int gunyah_hvc_virq_fwspec(u32 virq, struct irq_fwspec *fwspec)
{
	*fwspec = (struct irq_fwspec) {
		.fwnode = of_fwnode_handle(gunyah_gic_node),
		.param_count = 3,
		.param[2] = IRQ_TYPE_EDGE_RISING,
	};
	if (virq >= GIC_SPI_BASE && virq <= GIC_SPI_LAST) {
		fwspec->param[0] = GIC_FWSPEC_SPI;
		fwspec->param[1] = virq - GIC_SPI_BASE;
	} else if (virq >= GIC_ESPI_BASE && virq <= GIC_ESPI_LAST) {
		fwspec->param[0] = GIC_FWSPEC_ESPI;
		fwspec->param[1] = virq - GIC_ESPI_BASE;
	} else {
		pr_err_ratelimited("virq %u is neither a GIC SPI nor an ESPI\n",
				   virq);
		return -EINVAL;
	}
	return 0;
}

/*
 * The GIC drivers (v2 and v3) number their hwirqs by INTID, which is what
 * the RM's virq is, so the lookup needs no translation.
 */
static unsigned int gunyah_hvc_find_virq(u32 virq)
{
	struct irq_domain *domain;
	struct irq_fwspec fwspec;

	if (gunyah_hvc_virq_fwspec(virq, &fwspec))
		return 0;	/* map_virq refuses it with a reason */
	domain = irq_find_matching_fwspec(&fwspec, DOMAIN_BUS_WIRED);
	if (!domain)
		domain = irq_find_matching_fwspec(&fwspec, DOMAIN_BUS_ANY);
	return domain ? irq_find_mapping(domain, virq) : 0;
}

static int gunyah_hvc_map_virq(u32 virq)
{
	struct irq_fwspec fwspec;
	unsigned int irq;
	int ret;

	ret = gunyah_hvc_virq_fwspec(virq, &fwspec);
	if (ret)
		return ret;
	irq = irq_create_fwspec_mapping(&fwspec);
	if (!irq) {
		pr_err_ratelimited("cannot map virq %u on the GIC\n", virq);
		return -EINVAL;
	}
	return irq;
}

static const struct gunyah_hypercall_ops gunyah_hvc_ops = {
	.name = "arm64-hvc",
	.owner = THIS_MODULE,
	.identify = gunyah_hvc_identify,
	.msgq_send = gunyah_hvc_msgq_send,
	.msgq_recv = gunyah_hvc_msgq_recv,
	.vcpu_run = gunyah_hvc_vcpu_run,
	.find_virq = gunyah_hvc_find_virq,
	.map_virq = gunyah_hvc_map_virq,
	.unmap_virq = irq_dispose_mapping,
};

/*
 * The conduit of the vendor-hypervisor UID call: the firmware's. Gunyah
 * answers it on HVC and on SMC (it traps its VMs' SMCs); QEMU with
 * virtualization=on and Qualcomm boards describe PSCI with "smc". SMCCC 1.1
 * firmware names its conduit; with SMCCC 1.0 trust the PSCI node's method.
 * No conduit: nothing is known to answer either instruction, so no call.
 */
static enum arm_smccc_conduit gunyah_hvc_conduit(struct device *dev,
						 const char **source)
{
	static const struct of_device_id psci_of_match[] = {
		{ .compatible = "arm,psci" },
		{ .compatible = "arm,psci-0.2" },
		{ .compatible = "arm,psci-1.0" },
		{}
	};
	enum arm_smccc_conduit conduit = arm_smccc_1_1_get_conduit();
	struct device_node *np;
	const char *method = NULL;

	*source = "SMCCC 1.1";
	if (conduit == SMCCC_CONDUIT_HVC || conduit == SMCCC_CONDUIT_SMC)
		return conduit;

	*source = "SMCCC 1.0, PSCI method";
	conduit = SMCCC_CONDUIT_NONE;
	np = of_find_matching_node(NULL, psci_of_match);
	if (np && !of_property_read_string(np, "method", &method)) {
		if (!strcmp(method, "hvc"))
			conduit = SMCCC_CONDUIT_HVC;
		else if (!strcmp(method, "smc"))
			conduit = SMCCC_CONDUIT_SMC;
	}
	if (conduit == SMCCC_CONDUIT_NONE)
		dev_info(dev, "no Gunyah: SMCCC 1.0 and PSCI's method is %s, neither hvc nor smc\n",
			 method ?: "unknown");
	of_node_put(np);
	return conduit;
}

static bool gunyah_hvc_detect(struct device *dev)
{
	struct gunyah_hypercall_hyp_identify_resp id;
	enum arm_smccc_conduit conduit;
	struct arm_smccc_res res;
	const char *source;
	u32 ver;
	u64 api;

	conduit = gunyah_hvc_conduit(dev, &source);
	if (conduit == SMCCC_CONDUIT_NONE)
		return false;
	dev_info(dev, "asking for the vendor-hypervisor UID through the %s conduit (%s)\n",
		 conduit == SMCCC_CONDUIT_SMC ? "SMC" : "HVC", source);

	/*
	 * The out-of-line SMCCC 1.0 call: safe whatever registers the callee
	 * clobbers. The inline 1.1/1.2 calls only once this is Gunyah, and
	 * always HVC: Gunyah's hypercalls are HVC whatever the conduit.
	 */
	if (conduit == SMCCC_CONDUIT_SMC)
		arm_smccc_smc(ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID, 0, 0, 0, 0, 0,
			      0, 0, &res);
	else
		arm_smccc_hvc(ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID, 0, 0, 0, 0, 0,
			      0, 0, &res);
	if ((long)res.a0 == SMCCC_RET_NOT_SUPPORTED) {
		dev_info(dev, "no Gunyah: the hypervisor has no vendor UID call (UUID check failed)\n");
		return false;
	}
	if ((u32)res.a0 != gunyah_uid[0] || (u32)res.a1 != gunyah_uid[1] ||
	    (u32)res.a2 != gunyah_uid[2] || (u32)res.a3 != gunyah_uid[3]) {
		dev_info(dev, "no Gunyah: hypervisor UID %08x-%08x-%08x-%08x is not Gunyah's (UUID check failed)\n",
			 (u32)res.a0, (u32)res.a1, (u32)res.a2, (u32)res.a3);
		return false;
	}

	/* the inline calls rely on SMCCC 1.1's preserved registers */
	ver = arm_smccc_get_version();
	if (ver < ARM_SMCCC_VERSION_1_1) {
		dev_err(dev, "refusing Gunyah behind SMCCC %u.%u: 1.1 or later is needed\n",
			ver >> 16, ver & 0xffff);
		return false;
	}

	gunyah_hvc_identify(&id);
	api = FIELD_GET(GUNYAH_API_INFO_API_VERSION_MASK, id.api_info);
	if (api != GUNYAH_API_V1) {
		dev_err(dev, "refusing Gunyah API version %llu (api_info %#llx): only version %d is supported\n",
			api, id.api_info, GUNYAH_API_V1);
		return false;
	}
	if (!(id.api_info & GUNYAH_API_INFO_IS_64BIT)) {
		dev_err(dev, "refusing 32-bit Gunyah ABI (api_info %#llx)\n",
			id.api_info);
		return false;
	}
	if (!!(id.api_info & GUNYAH_API_INFO_BIG_ENDIAN) !=
	    IS_ENABLED(CONFIG_CPU_BIG_ENDIAN)) {
		dev_err(dev, "refusing Gunyah of the other endianness (api_info %#llx)\n",
			id.api_info);
		return false;
	}

	dev_info(dev, "Gunyah API %llu, variant %#llx, flags %#llx\n", api,
		 FIELD_GET(GUNYAH_API_INFO_VARIANT_MASK, id.api_info),
		 id.flags[0]);
	return true;
}

/* The RM's virqs are GIC numbers: the parent must take 3-cell GIC specs */
static struct device_node *gunyah_hvc_gic(struct device *dev)
{
	struct device_node *gic = of_irq_find_parent(dev->of_node);
	u32 cells = 0;

	if (!gic) {
		dev_err(dev, "refusing the HVC backend: the hypervisor node has no interrupt parent\n");
		return NULL;
	}
	if (of_property_read_u32(gic, "#interrupt-cells", &cells) || cells != 3) {
		dev_err(dev, "refusing the HVC backend: interrupt parent %pOF is not a GIC (#interrupt-cells %u)\n",
			gic, cells);
		of_node_put(gic);
		return NULL;
	}
	return gic;
}

static void gunyah_hyp_remove(struct platform_device *pdev)
{
	of_platform_depopulate(&pdev->dev);
	WRITE_ONCE(gunyah_hyp_bound, false);
	gunyah_hypercall_unregister(&gunyah_hvc_ops);
	of_node_put(gunyah_gic_node);
	gunyah_gic_node = NULL;
}

static int gunyah_hyp_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct device_node *gic;
	int ret;

	if (READ_ONCE(gunyah_hyp_bound)) {
		dev_err(dev, "refusing a second Gunyah hypervisor node\n");
		return -EBUSY;
	}
	if (!gunyah_hvc_detect(dev))
		return -ENODEV;
	gic = gunyah_hvc_gic(dev);
	if (!gic)
		return -ENODEV;

	/* map_virq may run as soon as the backend is registered */
	gunyah_gic_node = gic;
	ret = gunyah_hypercall_register(&gunyah_hvc_ops);
	if (ret) {
		gunyah_gic_node = NULL;
		of_node_put(gic);
		return ret;
	}
	/* before the children: a resource manager probed now may bind */
	WRITE_ONCE(gunyah_hyp_bound, true);

	/*
	 * The upstream binding's node is no bus: create the RM child here.
	 * The public hypervisor's node is also a "simple-bus" whose children
	 * exist since boot; they wait (probe deferral) for this backend.
	 */
	ret = of_platform_populate(dev->of_node, NULL, NULL, dev);
	if (ret) {
		dev_err(dev, "cannot create the hypervisor node's children: %d\n",
			ret);
		gunyah_hyp_remove(pdev);
	}
	return ret;
}

/* The upstream binding, and what the public hypervisor generates */
static const struct of_device_id gunyah_hyp_of_match[] = {
	{ .compatible = "gunyah-hypervisor" },
	{ .compatible = "qcom,gunyah-hypervisor" },
	{ .compatible = "qcom,gunyah-hypervisor-1.0" },
	{}
};
MODULE_DEVICE_TABLE(of, gunyah_hyp_of_match);

static struct platform_driver gunyah_hyp_driver = {
	.probe = gunyah_hyp_probe,
	.remove_new = gunyah_hyp_remove,
	.driver = {
		.name = "gunyah",
		.of_match_table = gunyah_hyp_of_match,
		/* the RM and every VM stand on this backend */
		.suppress_bind_attrs = true,
	},
};

int gunyah_arm64_hvc_init(void)
{
	struct device_node *np;
	int ret;

	ret = platform_driver_register(&gunyah_hyp_driver);
	if (ret) {
		pr_err("cannot register the hypervisor platform driver: %d\n",
		       ret);
		return ret;
	}
	/* A node that failed to probe has said why; say it when there is none */
	np = of_find_matching_node(NULL, gunyah_hyp_of_match);
	if (!np)
		pr_info("no Gunyah: the device tree has no Gunyah hypervisor node (gunyah_sim can stand in)\n");
	of_node_put(np);
	return 0;
}

void gunyah_arm64_hvc_exit(void)
{
	platform_driver_unregister(&gunyah_hyp_driver);
}

/**
 * gunyah_hypercall_native() - Is the machine's own hypervisor the backend?
 *
 * Resource-manager nodes from the device tree describe that hypervisor's
 * message queues; only the HVC backend may serve them.
 *
 * Return: true once the hypervisor node has bound and the HVC backend is
 * registered.
 */
bool gunyah_hypercall_native(void)
{
	return READ_ONCE(gunyah_hyp_bound);
}
EXPORT_SYMBOL_GPL(gunyah_hypercall_native);
