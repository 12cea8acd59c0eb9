// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libhv para platform: RTC class device on the WALLCLOCK hypercall.
 *
 * WALLCLOCK returns nanoseconds since the Unix epoch from the VM clock (a fixed epoch,
 * 2025-01-01, in deterministic mode). The clock belongs to the hypervisor, so the RTC is
 * read-only (RTC_SET_TIME fails with EINVAL). Registered as the "hvpara-rtc" platform
 * device by evtchn.c; it is the para kernel's rtc0.
 *
 * Copyright (c) the libhv authors.
 */
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/rtc.h>
#include <linux/time64.h>

#include "hvpara.h"

static int hvprtc_read_time(struct device *dev, struct rtc_time *tm)
{
	struct sbiret r = hvpara_call(HVP_FID_WALLCLOCK, 0, 0, 0, 0);

	if (r.error)
		return hvpara_errno(r.error);
	rtc_time64_to_tm(div_u64(r.value, NSEC_PER_SEC), tm);
	return 0;
}

static const struct rtc_class_ops hvprtc_ops = {
	.read_time = hvprtc_read_time,
};

static int hvprtc_probe(struct platform_device *pdev)
{
	struct rtc_device *rtc;
	struct rtc_time tm;
	int rc;

	/* Refuse to register a clock that cannot be read. */
	rc = hvprtc_read_time(&pdev->dev, &tm);
	if (rc)
		return rc;
	rtc = devm_rtc_allocate_device(&pdev->dev);
	if (IS_ERR(rtc))
		return PTR_ERR(rtc);
	rtc->ops = &hvprtc_ops;
	rtc->range_min = 0;
	rtc->range_max = div_u64(U64_MAX, NSEC_PER_SEC);
	return devm_rtc_register_device(rtc);
}

static struct platform_driver hvprtc_driver = {
	.probe = hvprtc_probe,
	.driver = {
		.name = "hvpara-rtc",
		.suppress_bind_attrs = true,
	},
};
builtin_platform_driver(hvprtc_driver);

MODULE_DESCRIPTION("libhv para RTC (WALLCLOCK)");
MODULE_LICENSE("Dual MIT/GPL");
