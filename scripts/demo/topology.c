// SPDX-License-Identifier: GPL-2.0
/*
 * The demo's stand-in for `totem topology` while the CLI does not carry
 * it: the same code (userspace/topology_cmd.c), the same options.
 *
 *   totem-topology [-j] [-b BACKEND] [topology] [OPTIONS]
 */
#include <stdio.h>
#include <string.h>

#include "topology.h"

int main(int argc, char **argv)
{
	enum totem_backend b = TOTEM_BACKEND_AUTO;
	int json = 0, i = 1;

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-j")) {
			json = 1;
		} else if (!strcmp(argv[i], "-b") && i + 1 < argc) {
			if (totem_backend_parse(argv[++i], &b)) {
				fprintf(stderr, "totem-topology: unknown backend '%s'\n", argv[i]);
				return 2;
			}
		} else {
			break;
		}
	}
	if (i < argc && !strcmp(argv[i], "topology"))
		i++;
	/* totem_cmd_topology() parses from index 1 */
	argv[i - 1] = "topology";
	return totem_cmd_topology(b, argc - i + 1, argv + i - 1, json);
}
