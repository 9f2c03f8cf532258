// SPDX-License-Identifier: GPL-2.0
/* totem.ko: module entry (grown by the kmod work). */
#include <linux/module.h>
#include "codec.h"

static int __init totem_init(void)
{
	return 0;
}

static void __exit totem_exit(void)
{
}

module_init(totem_init);
module_exit(totem_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TCP Option Tracing: process identity in a TCP option");
