// SPDX-License-Identifier: GPL-2.0-only
/*
 * The sim's interrupt controller: an irq domain of its own whose hwirqs
 * stand for GIC SPIs/ESPIs. Interrupts are edge triggered, as Gunyah's
 * message-queue and vCPU wake-up interrupts are, and are raised from
 * process context.
 */

#include <linux/irq.h>
#include <linux/irqdesc.h>
#include <linux/irqdomain.h>

#include "sim.h"

/* Nothing to program: the flow handler and irq_data keep all the state */
static void sim_irq_noop(struct irq_data *d)
{
}

static int sim_irq_set_type(struct irq_data *d, unsigned int type)
{
	/* Gunyah's virqs are edge rising; refuse what this "GIC" cannot do */
	if (type != IRQ_TYPE_EDGE_RISING && type != IRQ_TYPE_NONE)
		return -EINVAL;
	return IRQ_SET_MASK_OK;
}

static struct irq_chip sim_irq_chip = {
	.name		= "gunyah-sim",
	.irq_ack	= sim_irq_noop,
	.irq_mask	= sim_irq_noop,
	.irq_unmask	= sim_irq_noop,
	.irq_set_type	= sim_irq_set_type,
	.flags		= IRQCHIP_SKIP_SET_WAKE,
};

static int sim_irq_domain_map(struct irq_domain *d, unsigned int irq,
			      irq_hw_number_t hwirq)
{
	irq_set_chip_and_handler_name(irq, &sim_irq_chip, handle_edge_irq,
				      "edge");
	irq_set_chip_data(irq, &gsim);
	irqd_set_trigger_type(irq_get_irq_data(irq), IRQ_TYPE_EDGE_RISING);
	return 0;
}

static const struct irq_domain_ops sim_irq_domain_ops = {
	.map	= sim_irq_domain_map,
	.xlate	= irq_domain_xlate_onecell,
};

u32 sim_hwirq_to_virq(unsigned int hwirq)
{
	if (hwirq < SIM_NR_SPI)
		return hwirq + SIM_GIC_SPI_BASE;
	return hwirq - SIM_NR_SPI + SIM_GIC_ESPI_BASE;
}

/* The sim hwirq standing for GIC interrupt @virq, or -EINVAL */
static int sim_virq_to_hwirq(u32 virq)
{
	if (virq >= SIM_GIC_SPI_BASE && virq < SIM_GIC_SPI_BASE + SIM_NR_SPI)
		return virq - SIM_GIC_SPI_BASE;
	if (virq >= SIM_GIC_ESPI_BASE &&
	    virq < SIM_GIC_ESPI_BASE + SIM_NR_ESPI)
		return virq - SIM_GIC_ESPI_BASE + SIM_NR_SPI;
	return -EINVAL;
}

unsigned int sim_find_virq(u32 virq)
{
	int hwirq = sim_virq_to_hwirq(virq);

	return hwirq < 0 ? 0 : irq_find_mapping(gsim.domain, hwirq);
}

/*
 * Turn a GIC number from the RM into a Linux irq, as the GIC driver would:
 * a number mapped already (the RM's own queue interrupts included) gets
 * its existing irq back.
 */
int sim_map_virq(u32 virq)
{
	int hwirq = sim_virq_to_hwirq(virq);
	unsigned int irq;

	if (hwirq < 0)
		return hwirq;
	irq = irq_create_mapping(gsim.domain, hwirq);
	if (!irq) {
		pr_err("gunyah_sim: cannot map virq %u (hwirq %d)\n", virq,
		       hwirq);
		return -ENOMEM;
	}
	return irq;
}

/*
 * The RM released a resource: drop its mapping, as the GIC driver would,
 * whoever else uses it; say so when that pulls an interrupt from under a
 * handler (the real GIC does it silently).
 */
void sim_unmap_virq(unsigned int irq)
{
	struct irq_data *d = irq_get_irq_data(irq);

	if (!d || d->domain != gsim.domain)
		return;
	if (irq_has_action(irq))
		pr_err("gunyah_sim: irq %u (hwirq %lu) unmapped while still requested\n",
		       irq, d->hwirq);
	irq_dispose_mapping(irq);
}

/*
 * Raise an edge. Unmapped hwirqs (nobody asked for the interrupt yet) are
 * dropped, like an interrupt that no driver has routed.
 */
void sim_irq_raise(unsigned int hwirq)
{
	generic_handle_domain_irq_safe(gsim.domain, hwirq);
}

int sim_irq_init(void)
{
	gsim.fwnode = irq_domain_alloc_named_fwnode("gunyah-sim");
	if (!gsim.fwnode) {
		pr_err("gunyah_sim: cannot allocate the irq domain's fwnode\n");
		return -ENOMEM;
	}

	gsim.domain = irq_domain_create_linear(gsim.fwnode, SIM_NR_HWIRQS,
					       &sim_irq_domain_ops, &gsim);
	if (!gsim.domain) {
		pr_err("gunyah_sim: cannot create the irq domain\n");
		irq_domain_free_fwnode(gsim.fwnode);
		return -ENOMEM;
	}
	return 0;
}

void sim_irq_exit(void)
{
	unsigned int hwirq, irq;

	for (hwirq = 0; hwirq < SIM_NR_HWIRQS; hwirq++) {
		irq = irq_find_mapping(gsim.domain, hwirq);
		if (!irq)
			continue;
		if (irq_has_action(irq))
			pr_warn("gunyah_sim: irq %u (hwirq %u) still requested at unload\n",
				irq, hwirq);
		irq_dispose_mapping(irq);
	}
	irq_domain_remove(gsim.domain);
	irq_domain_free_fwnode(gsim.fwnode);
}
