// SPDX-License-Identifier: GPL-2.0-only
/*
 * The real Gunyah hypercall backend: SMCCC HVC calls on arm64. Registers
 * itself only when the vendor-hypervisor UID and HYP_IDENTIFY say this
 * kernel runs on Gunyah API version 1.
 */

#define pr_fmt(fmt) "gunyah: " fmt

#include <linux/arm-smccc.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/of.h>
#include <linux/of_irq.h>

#include "gunyah.h"
#include "hypercall/backend.h"

#define GUNYAH_HYPERCALL(fn)						\
	ARM_SMCCC_CALL_VAL(ARM_SMCCC_FAST_CALL, ARM_SMCCC_SMC_64,	\
			   ARM_SMCCC_OWNER_VENDOR_HYP, fn)

#define GUNYAH_HYPERCALL_HYP_IDENTIFY	GUNYAH_HYPERCALL(0x8000)
#define GUNYAH_HYPERCALL_MSGQ_SEND	GUNYAH_HYPERCALL(0x801B)
#define GUNYAH_HYPERCALL_MSGQ_RECV	GUNYAH_HYPERCALL(0x801C)
#define GUNYAH_HYPERCALL_VCPU_RUN	GUNYAH_HYPERCALL(0x8065)

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

static struct device_node *gunyah_gic_node;

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
		*ready = !!res.a2;
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

static int gunyah_hvc_map_virq(u32 virq)
{
	struct irq_fwspec fwspec = {
		.fwnode = of_fwnode_handle(gunyah_gic_node),
		.param_count = 3,
		.param[2] = IRQ_TYPE_EDGE_RISING,
	};
	unsigned int irq;

	if (virq >= GIC_SPI_BASE && virq <= GIC_SPI_LAST) {
		fwspec.param[0] = GIC_FWSPEC_SPI;
		fwspec.param[1] = virq - GIC_SPI_BASE;
	} else if (virq >= GIC_ESPI_BASE && virq <= GIC_ESPI_LAST) {
		fwspec.param[0] = GIC_FWSPEC_ESPI;
		fwspec.param[1] = virq - GIC_ESPI_BASE;
	} else {
		pr_err_ratelimited("virq %u is neither a GIC SPI nor an ESPI\n",
				   virq);
		return -EINVAL;
	}

	irq = irq_create_fwspec_mapping(&fwspec);
	if (!irq) {
		pr_err_ratelimited("cannot map virq %u on the GIC\n", virq);
		return -EINVAL;
	}
	return irq;
}

static void gunyah_hvc_unmap_virq(unsigned int irq)
{
	irq_dispose_mapping(irq);
}

static const struct gunyah_hypercall_ops gunyah_hvc_ops = {
	.name = "arm64-hvc",
	.owner = THIS_MODULE,
	.identify = gunyah_hvc_identify,
	.msgq_send = gunyah_hvc_msgq_send,
	.msgq_recv = gunyah_hvc_msgq_recv,
	.vcpu_run = gunyah_hvc_vcpu_run,
	.map_virq = gunyah_hvc_map_virq,
	.unmap_virq = gunyah_hvc_unmap_virq,
};

static bool gunyah_hvc_detect(void)
{
	struct gunyah_hypercall_hyp_identify_resp id;
	struct arm_smccc_res res;
	u64 api;

	/* HVC is only safe to issue when firmware says HVC is the conduit */
	if (arm_smccc_1_1_get_conduit() != SMCCC_CONDUIT_HVC) {
		pr_info("not running on Gunyah: SMCCC conduit is not HVC\n");
		return false;
	}

	arm_smccc_1_1_hvc(ARM_SMCCC_VENDOR_HYP_CALL_UID_FUNC_ID, &res);
	if ((u32)res.a0 != gunyah_uid[0] || (u32)res.a1 != gunyah_uid[1] ||
	    (u32)res.a2 != gunyah_uid[2] || (u32)res.a3 != gunyah_uid[3]) {
		pr_info("not running on Gunyah: hypervisor UID %08x-%08x-%08x-%08x\n",
			(u32)res.a0, (u32)res.a1, (u32)res.a2, (u32)res.a3);
		return false;
	}

	gunyah_hvc_identify(&id);
	api = FIELD_GET(GUNYAH_API_INFO_API_VERSION_MASK, id.api_info);
	if (api != GUNYAH_API_V1) {
		pr_err("refusing Gunyah API version %llu (api_info %#llx): only version %d is supported\n",
		       api, id.api_info, GUNYAH_API_V1);
		return false;
	}
	if (!(id.api_info & GUNYAH_API_INFO_IS_64BIT)) {
		pr_err("refusing 32-bit Gunyah ABI (api_info %#llx)\n",
		       id.api_info);
		return false;
	}

	pr_info("Gunyah API %llu, variant %#llx, flags %#llx\n", api,
		FIELD_GET(GUNYAH_API_INFO_VARIANT_MASK, id.api_info),
		id.flags[0]);
	return true;
}

void gunyah_arm64_hvc_init(void)
{
	struct device_node *root;

	if (!gunyah_hvc_detect())
		return;

	root = of_find_node_by_path("/");
	gunyah_gic_node = root ? of_irq_find_parent(root) : NULL;
	of_node_put(root);
	if (!gunyah_gic_node) {
		pr_err("refusing the HVC backend: no interrupt controller in the device tree\n");
		return;
	}

	if (gunyah_hypercall_register(&gunyah_hvc_ops)) {
		of_node_put(gunyah_gic_node);
		gunyah_gic_node = NULL;
	}
}

void gunyah_arm64_hvc_exit(void)
{
	if (!gunyah_gic_node)
		return;
	gunyah_hypercall_unregister(&gunyah_hvc_ops);
	of_node_put(gunyah_gic_node);
	gunyah_gic_node = NULL;
}
