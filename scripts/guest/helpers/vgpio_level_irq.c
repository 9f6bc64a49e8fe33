// SPDX-License-Identifier: GPL-2.0
/*
 * vgpio_level_irq - test helper for vgpio's guest integration tests.
 *
 * The GPIO character device only lets userspace ask for edge events, so a level-triggered
 * interrupt on a virtio-gpio line needs an in-kernel consumer. This module is that consumer:
 * on load it finds a gpio_chip by its label, maps one of its lines to an IRQ and requests a
 * threaded, oneshot, level-high or level-low interrupt named "vgpio-level" on it. The
 * threaded handler counts its runs and remembers when the last one happened.
 *
 * Parameters (busybox: insmod vgpio_level_irq.ko line=1 trigger=low):
 *   line     offset of the line on the chip (default 0)
 *   trigger  "high" or "low" (default "high")
 *   label    label of the gpio_chip, as gpiodetect prints it in brackets (default "virtio0")
 *   hold_ms  time the threaded handler sleeps before returning, so that a line held at its
 *            active level re-fires at a bounded rate instead of flooding the eventq
 *            (default 20)
 * Read-only results under /sys/module/vgpio_level_irq/parameters/:
 *   count    number of handler runs so far
 *   last_ns  CLOCK_MONOTONIC time (ns) of the last handler run, 0 if none
 *   irq      the Linux IRQ number in use (also visible in /proc/interrupts as vgpio-level)
 *
 * A level interrupt whose line stays active fires again each time the line is unmasked,
 * i.e. once per handler run; that is the expected behaviour being tested.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/errno.h>
#include <linux/gpio/consumer.h>
#include <linux/gpio/driver.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#define VLI_IRQ_NAME "vgpio-level"

static unsigned int line;
module_param(line, uint, 0444);
MODULE_PARM_DESC(line, "line offset on the chip (default 0)");

static char *trigger = "high";
module_param(trigger, charp, 0444);
MODULE_PARM_DESC(trigger, "active level: high or low (default high)");

static char *label = "virtio0";
module_param(label, charp, 0444);
MODULE_PARM_DESC(label, "label of the gpio_chip (default virtio0)");

static unsigned int hold_ms = 20;
module_param(hold_ms, uint, 0444);
MODULE_PARM_DESC(hold_ms, "milliseconds the threaded handler sleeps (default 20)");

static int irq = -1;
module_param(irq, int, 0444);
MODULE_PARM_DESC(irq, "(read-only) Linux IRQ number in use");

static atomic_t runs = ATOMIC_INIT(0);
static atomic64_t last_run_ns = ATOMIC64_INIT(0);
static bool irq_requested;

/* ---- read-only parameters backed by the atomics */

static int vli_refuse_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static int vli_get_count(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%d\n", atomic_read(&runs));
}

static int vli_get_last_ns(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%lld\n", (long long)atomic64_read(&last_run_ns));
}

static const struct kernel_param_ops vli_count_ops = {
	.set = vli_refuse_set,
	.get = vli_get_count,
};

static const struct kernel_param_ops vli_last_ns_ops = {
	.set = vli_refuse_set,
	.get = vli_get_last_ns,
};

module_param_cb(count, &vli_count_ops, NULL, 0444);
MODULE_PARM_DESC(count, "(read-only) number of interrupts handled");
module_param_cb(last_ns, &vli_last_ns_ops, NULL, 0444);
MODULE_PARM_DESC(last_ns, "(read-only) CLOCK_MONOTONIC ns of the last interrupt, 0 if none");

/* ---- interrupt handling */

static irqreturn_t vli_thread(int irqno, void *cookie)
{
	atomic64_set(&last_run_ns, ktime_get_ns());
	atomic_inc(&runs);
	/* the line stays masked until we return; pace the re-fire of a held level */
	if (hold_ms)
		msleep(hold_ms);
	return IRQ_HANDLED;
}

static int vli_match_label(struct gpio_chip *gc, void *wanted)
{
	return gc->label && strcmp(gc->label, (const char *)wanted) == 0;
}

static int __init vli_init(void)
{
	struct gpio_chip *gc;
	struct gpio_desc *desc;
	unsigned long flags;
	int dir, ret;

	if (sysfs_streq(trigger, "high")) {
		flags = IRQF_TRIGGER_HIGH;
	} else if (sysfs_streq(trigger, "low")) {
		flags = IRQF_TRIGGER_LOW;
	} else {
		pr_err("vgpio_level_irq: trigger must be \"high\" or \"low\", not \"%s\"\n", trigger);
		return -EINVAL;
	}

	gc = gpiochip_find(label, vli_match_label);
	if (!gc) {
		pr_err("vgpio_level_irq: no GPIO chip labelled \"%s\"\n", label);
		return -ENODEV;
	}
	if (line >= gc->ngpio) {
		pr_err("vgpio_level_irq: line %u out of range, chip \"%s\" has %u lines\n",
		       line, label, gc->ngpio);
		return -EINVAL;
	}
	desc = gpio_to_desc(gc->base + line);
	if (!desc) {
		pr_err("vgpio_level_irq: no descriptor for line %u of \"%s\"\n", line, label);
		return -ENODEV;
	}

	/*
	 * gpiolib refuses an IRQ on a line it believes is an output. Its belief can be stale
	 * (a released gpioset leaves the line flagged as output while the device has it at
	 * "none"), so ask the device: refuse a real output, make anything else an input.
	 */
	dir = gpiod_get_direction(desc);
	if (dir == GPIO_LINE_DIRECTION_OUT) {
		pr_err("vgpio_level_irq: line %u of \"%s\" is an output; release it first\n",
		       line, label);
		return -EBUSY;
	}
	if (dir != GPIO_LINE_DIRECTION_IN) {
		ret = gpiod_direction_input(desc);
		if (ret) {
			pr_err("vgpio_level_irq: cannot make line %u of \"%s\" an input: %d\n",
			       line, label, ret);
			return ret;
		}
	}

	ret = gpiod_to_irq(desc);
	if (ret < 0) {
		pr_err("vgpio_level_irq: line %u of \"%s\" has no IRQ: %d\n", line, label, ret);
		return ret;
	}
	irq = ret;

	ret = request_threaded_irq(irq, NULL, vli_thread, flags | IRQF_ONESHOT,
				   VLI_IRQ_NAME, &runs);
	if (ret) {
		pr_err("vgpio_level_irq: request_threaded_irq(%d) failed: %d\n", irq, ret);
		irq = -1;
		return ret;
	}
	irq_requested = true;
	pr_info("vgpio_level_irq: \"%s\" line %u -> irq %d, level-%s\n",
		label, line, irq, flags == IRQF_TRIGGER_HIGH ? "high" : "low");
	return 0;
}

static void __exit vli_exit(void)
{
	if (irq_requested)
		free_irq(irq, &runs);
	pr_info("vgpio_level_irq: released irq %d after %d interrupts\n",
		irq, atomic_read(&runs));
}

module_init(vli_init);
module_exit(vli_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vgpio test helper: level-triggered interrupt consumer for one GPIO line");
MODULE_AUTHOR("vgpio project");
