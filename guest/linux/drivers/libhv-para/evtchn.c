// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libhv para platform: the event-channel interrupt controller.
 *
 * Found through the device-tree node compatible "libhv,para-evtchn" (docs/PARA-ABI.md,
 * "Para Linux"). At init it fetches the hypervisor's start-info with GET_START_INFO, maps
 * the shared-info area, and creates an irq_domain whose hwirq numbers are event ports
 * (1..4095). The hypervisor signals "some port of this vCPU is pending" with the hart's
 * supervisor external interrupt (SEIP, level: vcpu_info.upcall_pending != 0), so the
 * domain hangs off the RISC-V INTC's S-external interrupt (hwirq 9) as a chained handler,
 * enabled on every CPU. The handler walks the two-level pending bitmap in shared memory
 * (pending_sel, then evtchn_pending & ~evtchn_mask) and dispatches every port bound to
 * this hart. No interrupt-controller registers, no claim/complete traps: ack and mask are
 * atomic bit operations on shared memory; only an unmask that finds the port already
 * pending, and affinity changes, make a hypercall.
 *
 * It also registers one platform device per PV device listed in start-info ("hvpara-blk",
 * "hvpara-net") and the "hvpara-rtc" device, so the front-ends are ordinary platform
 * drivers.
 *
 * Copyright (c) the libhv authors.
 */
#define pr_fmt(fmt) "libhv-evtchn: " fmt

#include <linux/bitops.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/irqchip.h>
#include <linux/irqchip/chained_irq.h>
#include <linux/irqdomain.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/percpu.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <asm/smp.h>

#include "hvpara.h"

static struct hvp_start_info *start_info;
static struct hvp_shared_info *shared;
static struct irq_domain *evtchn_domain;
static unsigned int parent_irq;
/* The hart (vCPU) each port is bound to: the handler only takes its own ports. */
static u8 port_hart[HVP_NR_PORTS];
static DEFINE_PER_CPU(struct hvp_vcpu_info *, cpu_vcpu_info);

const struct hvp_start_info *hvpara_start_info(void)
{
	return start_info;
}

static unsigned long *pending_bits(void)
{
	return (unsigned long *)shared->evtchn_pending;
}

static unsigned long *mask_bits(void)
{
	return (unsigned long *)shared->evtchn_mask;
}

/* ---- the irq_chip --------------------------------------------------------------------- */

static void evtchn_ack(struct irq_data *d)
{
	clear_bit(d->hwirq, pending_bits());
}

static void evtchn_mask(struct irq_data *d)
{
	set_bit(d->hwirq, mask_bits());
}

static void evtchn_unmask(struct irq_data *d)
{
	clear_bit(d->hwirq, mask_bits());
	/* The mask bit is clear before the pending bit is read (pairs with the raise). */
	smp_mb__after_atomic();
	/*
	 * Raised while masked: the hypervisor set the pending bit but did not signal the
	 * vCPU. EVTCHN_UNMASK makes it do that now (the bit is already clear, so the call
	 * only re-raises).
	 */
	if (test_bit(d->hwirq, pending_bits()))
		hvpara_call(HVP_FID_EVTCHN_OP, HVP_EVTCHN_UNMASK, d->hwirq, 0, 0);
}

static int evtchn_retrigger(struct irq_data *d)
{
	set_bit(d->hwirq, pending_bits());
	/* Pending before the mask bit is read. */
	smp_mb__after_atomic();
	if (!test_bit(d->hwirq, mask_bits()))
		hvpara_call(HVP_FID_EVTCHN_OP, HVP_EVTCHN_UNMASK, d->hwirq, 0, 0);
	return 1;
}

#ifdef CONFIG_SMP
static int evtchn_set_affinity(struct irq_data *d, const struct cpumask *dest, bool force)
{
	unsigned int cpu = force ? cpumask_first(dest) : cpumask_first_and(dest, cpu_online_mask);
	unsigned long hart;
	struct sbiret r;

	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	hart = cpuid_to_hartid_map(cpu);
	if (hart >= HVP_MAX_VCPUS)
		return -EINVAL;
	r = hvpara_call(HVP_FID_EVTCHN_OP, HVP_EVTCHN_BIND_VCPU, d->hwirq, hart, 0);
	if (r.error)
		return hvpara_errno(r.error);
	WRITE_ONCE(port_hart[d->hwirq], hart);
	irq_data_update_effective_affinity(d, cpumask_of(cpu));
	/* A port pending before the move would now be scanned only by its new hart. */
	if (test_bit(d->hwirq, pending_bits()) && !test_bit(d->hwirq, mask_bits()))
		hvpara_call(HVP_FID_EVTCHN_OP, HVP_EVTCHN_UNMASK, d->hwirq, 0, 0);
	return IRQ_SET_MASK_OK;
}
#endif

static struct irq_chip evtchn_chip = {
	.name = "libhv-evtchn",
	.irq_ack = evtchn_ack,
	.irq_mask = evtchn_mask,
	.irq_unmask = evtchn_unmask,
	.irq_retrigger = evtchn_retrigger,
#ifdef CONFIG_SMP
	.irq_set_affinity = evtchn_set_affinity,
#endif
	.flags = IRQCHIP_SKIP_SET_WAKE,
};

static int evtchn_domain_map(struct irq_domain *d, unsigned int irq, irq_hw_number_t hwirq)
{
	if (hwirq == 0 || hwirq >= HVP_NR_PORTS)
		return -EINVAL;
	irq_set_chip_and_handler(irq, &evtchn_chip, handle_edge_irq);
	irq_set_chip_data(irq, NULL);
	irq_set_noprobe(irq);
	return 0;
}

static const struct irq_domain_ops evtchn_domain_ops = {
	.map = evtchn_domain_map,
	.xlate = irq_domain_xlate_onecell,
};

/* ---- the S-external interrupt: scan the pending bitmap ---------------------------------- */

static void evtchn_handle_sei(struct irq_desc *desc)
{
	struct irq_chip *chip = irq_desc_get_chip(desc);
	struct hvp_vcpu_info *vi = this_cpu_read(cpu_vcpu_info);
	unsigned long hart = cpuid_to_hartid_map(smp_processor_id());
	u64 sel;

	chained_irq_enter(chip, desc);
	if (unlikely(!vi))
		goto out;
	/*
	 * Clear the level first: a port raised from here on sets upcall_pending again and the
	 * interrupt is taken once more after this handler.
	 */
	WRITE_ONCE(vi->upcall_pending, 0);
	/* The level is cleared before the selector and bitmaps are read. */
	smp_mb();
	sel = xchg(&vi->pending_sel, 0);
	while (sel) {
		unsigned int w = __ffs64(sel);
		u64 bits;

		sel &= sel - 1;
		if (w >= HVP_PORT_WORDS)
			continue;
		bits = READ_ONCE(shared->evtchn_pending[w]) & ~READ_ONCE(shared->evtchn_mask[w]);
		while (bits) {
			unsigned int port = w * 64 + __ffs64(bits);

			bits &= bits - 1;
			if (port == 0 || READ_ONCE(port_hart[port]) != hart)
				continue;
			if (generic_handle_domain_irq(evtchn_domain, port)) {
				/* Nobody mapped it: drop the event rather than storm. */
				clear_bit(port, pending_bits());
				pr_warn_ratelimited("event on unmapped port %u\n", port);
			}
		}
	}
out:
	chained_irq_exit(chip, desc);
}

static int evtchn_cpu_online(unsigned int cpu)
{
	unsigned long hart = cpuid_to_hartid_map(cpu);
	struct hvp_vcpu_info *vi;

	if (hart >= HVP_MAX_VCPUS || hart >= start_info->nr_vcpus) {
		pr_err("cpu %u: hart %lu has no vCPU slot in shared-info\n", cpu, hart);
		return 0;	/* the CPU works, it just gets no events */
	}
	vi = &shared->vcpu[hart];
	/* Events are enabled by sie.SEIE; upcall_mask is the 1.x guests' enable. */
	WRITE_ONCE(vi->upcall_mask, 0);
	per_cpu(cpu_vcpu_info, cpu) = vi;
	enable_percpu_irq(parent_irq, irq_get_trigger_type(parent_irq));
	return 0;
}

static int evtchn_cpu_offline(unsigned int cpu)
{
	disable_percpu_irq(parent_irq);
	return 0;
}

/* ---- ports for the front-ends ------------------------------------------------------------ */

/* New ports go to the boot CPU (logical CPU 0); irq affinity may move them later. */
static unsigned long boot_hart(void)
{
	return cpuid_to_hartid_map(0);
}

int hvpara_evtchn_alloc_irq(u32 *port)
{
	unsigned long hart = boot_hart();
	struct sbiret r;
	unsigned int irq;

	if (!evtchn_domain)
		return -ENODEV;
	r = hvpara_call(HVP_FID_EVTCHN_OP, HVP_EVTCHN_ALLOC_UNBOUND, hart, 0, 0);
	if (r.error)
		return hvpara_errno(r.error);
	if (r.value == 0 || r.value >= HVP_NR_PORTS)
		return -EIO;
	WRITE_ONCE(port_hart[r.value], hart);
	irq = irq_create_mapping(evtchn_domain, r.value);
	if (!irq) {
		hvpara_call(HVP_FID_EVTCHN_OP, HVP_EVTCHN_CLOSE, r.value, 0, 0);
		return -ENOMEM;
	}
	*port = r.value;
	return irq;
}
EXPORT_SYMBOL_GPL(hvpara_evtchn_alloc_irq);

int hvpara_evtchn_port_irq(u32 port)
{
	struct sbiret r;
	unsigned int irq;

	if (!evtchn_domain)
		return -ENODEV;
	if (port == 0 || port >= HVP_NR_PORTS)
		return -EINVAL;
	r = hvpara_call(HVP_FID_EVTCHN_OP, HVP_EVTCHN_STATUS, port, 0, 0);
	if (r.error)
		return hvpara_errno(r.error);
	if (HVP_EVTCHN_STATUS_STATE(r.value) == HVP_PORT_FREE)
		return -ENOENT;
	WRITE_ONCE(port_hart[port], HVP_EVTCHN_STATUS_VCPU(r.value));
	irq = irq_create_mapping(evtchn_domain, port);
	return irq ? irq : -ENOMEM;
}
EXPORT_SYMBOL_GPL(hvpara_evtchn_port_irq);

void hvpara_evtchn_free_irq(unsigned int irq, u32 port)
{
	if (irq)
		irq_dispose_mapping(irq);
	if (port)
		hvpara_call(HVP_FID_EVTCHN_OP, HVP_EVTCHN_CLOSE, port, 0, 0);
}
EXPORT_SYMBOL_GPL(hvpara_evtchn_free_irq);

/* ---- probe -------------------------------------------------------------------------------- */

static int __init evtchn_fetch_start_info(void)
{
	struct hvp_start_info *si;
	struct sbiret r;

	si = kzalloc(sizeof(*si), GFP_KERNEL);
	if (!si)
		return -ENOMEM;
	r = hvpara_call(HVP_FID_GET_START_INFO, virt_to_phys(si), sizeof(*si), 0, 0);
	if (r.error) {
		pr_err("GET_START_INFO failed (%ld)\n", r.error);
		kfree(si);
		return hvpara_errno(r.error);
	}
	if (si->magic != HVP_START_MAGIC || (si->abi_version >> 16) != HVP_ABI_MAJOR) {
		pr_err("start-info: bad magic %#x or ABI %#x (want major %u)\n", si->magic,
		       si->abi_version, HVP_ABI_MAJOR);
		kfree(si);
		return -EINVAL;
	}
	si->cmdline[HVP_CMDLINE_MAX - 1] = 0;
	if (si->nr_devices > HVP_MAX_DEVICES)
		si->nr_devices = HVP_MAX_DEVICES;
	start_info = si;
	return 0;
}

static int __init evtchn_of_init(struct device_node *node, struct device_node *parent)
{
	struct hvp_shared_info *sh;
	int rc;

	if (sbi_probe_extension(HVP_EID_PARA) <= 0) {
		pr_err("%pOF: the SBI has no libhv para extension\n", node);
		return -ENODEV;
	}
	rc = evtchn_fetch_start_info();
	if (rc)
		return rc;
	sh = memremap(start_info->shared_info_gpa, HVP_SHARED_INFO_SIZE, MEMREMAP_WB);
	if (!sh) {
		pr_err("cannot map shared-info at %#llx\n", start_info->shared_info_gpa);
		rc = -ENOMEM;
		goto fail;
	}
	if (sh->magic != HVP_SHARED_MAGIC) {
		pr_err("shared-info: bad magic %#x\n", sh->magic);
		rc = -EINVAL;
		goto fail_unmap;
	}
	shared = sh;

	parent_irq = irq_of_parse_and_map(node, 0);
	if (!parent_irq) {
		pr_err("%pOF: no S-external interrupt (interrupts-extended)\n", node);
		rc = -EINVAL;
		goto fail_unmap;
	}
	evtchn_domain = irq_domain_add_linear(node, HVP_NR_PORTS, &evtchn_domain_ops, NULL);
	if (!evtchn_domain) {
		rc = -ENOMEM;
		goto fail_unmap;
	}
	irq_set_chained_handler_and_data(parent_irq, evtchn_handle_sei, NULL);
	/* The boot CPU now; the others from evtchn_cpuhp_init() as they come online. */
	evtchn_cpu_online(smp_processor_id());
	pr_info("ABI %u.%u, %u vCPU(s), %u device(s), ports 1..%u\n",
		start_info->abi_version >> 16, start_info->abi_version & 0xffff,
		start_info->nr_vcpus, start_info->nr_devices, HVP_NR_PORTS - 1);
	return 0;

fail_unmap:
	shared = NULL;
	memunmap(sh);
fail:
	kfree(start_info);
	start_info = NULL;
	return rc;
}
IRQCHIP_DECLARE(libhv_para_evtchn, "libhv,para-evtchn", evtchn_of_init);

/* Before the secondary CPUs come up (early initcalls run before smp_init). */
static int __init evtchn_cpuhp_init(void)
{
	int rc;

	if (!evtchn_domain)
		return 0;
	rc = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "irqchip/libhv-evtchn:online",
				       evtchn_cpu_online, evtchn_cpu_offline);
	return rc < 0 ? rc : 0;
}
early_initcall(evtchn_cpuhp_init);

/* ---- the front-ends' platform devices ------------------------------------------------------- */

static int __init hvpara_register_devices(void)
{
	const struct hvp_start_info *si = start_info;
	struct platform_device *pdev;
	unsigned int i, j, disks = 0, nics = 0;

	if (!si)
		return 0;
	for (i = 0; i < si->nr_devices; i++) {
		const struct hvp_dev_info *d = &si->devices[i];

		if (d->type == HVP_DEV_BLOCK) {
			pdev = platform_device_register_data(NULL, "hvpara-blk", disks, d,
							     sizeof(*d));
			if (IS_ERR(pdev))
				pr_err("device %u: cannot register (%ld)\n", i, PTR_ERR(pdev));
			else
				disks++;
		} else if (d->type == HVP_DEV_NET && !(d->flags & HVP_DEVF_NET_RX)) {
			struct hvpara_net_pdata pd = { .tx = *d };
			bool found = false;

			/* Its rx ring: the entry with the same NIC index and the RX flag. */
			for (j = 0; j < si->nr_devices; j++) {
				const struct hvp_dev_info *e = &si->devices[j];

				if (e->type == HVP_DEV_NET && (e->flags & HVP_DEVF_NET_RX) &&
				    e->param[1] == d->param[1]) {
					pd.rx = *e;
					found = true;
					break;
				}
			}
			if (!found) {
				pr_err("NIC %llu has no rx ring entry\n", d->param[1]);
				continue;
			}
			pdev = platform_device_register_data(NULL, "hvpara-net", nics, &pd,
							     sizeof(pd));
			if (IS_ERR(pdev))
				pr_err("device %u: cannot register (%ld)\n", i, PTR_ERR(pdev));
			else
				nics++;
		}
	}
	pdev = platform_device_register_simple("hvpara-rtc", -1, NULL, 0);
	if (IS_ERR(pdev))
		pr_err("cannot register the RTC (%ld)\n", PTR_ERR(pdev));
	return 0;
}
subsys_initcall(hvpara_register_devices);
