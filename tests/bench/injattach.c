// SPDX-License-Identifier: GPL-2.0
/*
 * injattach: run another TCP option injector's eBPF object under the
 * benchmark's load (TOTEM_BENCH_OTHER_BPF, docs/performance.md).
 *
 *   injattach OBJECT CGROUP [PROGRAM...]
 *
 * Opens and loads every program of OBJECT (or only the PROGRAMs named)
 * with libbpf, attaches the
 * cgroup ones (sockops, cgroup/...) to the cgroup v2 directory CGROUP and
 * every other one the way its section name says (fentry/, kprobe/, ...),
 * prints "attached N" and holds the links until SIGTERM or SIGINT.  The
 * object's maps keep the values compiled into it: an injector that needs
 * its own loader to configure it should be given as TOTEM_BENCH_OTHER_CMD.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#define MAX_LINKS 64

static int is_cgroup_prog(enum bpf_prog_type t)
{
	return t == BPF_PROG_TYPE_SOCK_OPS || t == BPF_PROG_TYPE_CGROUP_SOCK ||
	       t == BPF_PROG_TYPE_CGROUP_SOCK_ADDR || t == BPF_PROG_TYPE_CGROUP_SKB ||
	       t == BPF_PROG_TYPE_CGROUP_SOCKOPT;
}

int main(int argc, char **argv)
{
	struct bpf_link *links[MAX_LINKS];
	struct bpf_program *prog;
	struct bpf_object *obj;
	int cg, err, sig, n = 0, rc = 1;
	sigset_t mask;

	if (argc < 3) {
		fprintf(stderr, "Usage: injattach OBJECT CGROUP [PROGRAM...]\n");
		return 2;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	cg = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		fprintf(stderr, "injattach: open %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "injattach: open %s: %s\n", argv[1], strerror(errno));
		goto out_close_cg;
	}
	if (argc > 3) {
		bpf_object__for_each_program(prog, obj) {
			bool want = false;
			int i;

			for (i = 3; i < argc; i++)
				want |= !strcmp(bpf_program__name(prog), argv[i]);
			bpf_program__set_autoload(prog, want);
		}
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "injattach: load %s: %s\n", argv[1], strerror(-err));
		goto out_close_obj;
	}
	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *l;

		if (!bpf_program__autoload(prog))
			continue;
		if (n == MAX_LINKS) {
			fprintf(stderr, "injattach: more than %d programs\n", MAX_LINKS);
			goto out_destroy;
		}
		if (is_cgroup_prog(bpf_program__type(prog)))
			l = bpf_program__attach_cgroup(prog, cg);
		else
			l = bpf_program__attach(prog);
		if (!l) {
			fprintf(stderr, "injattach: attach %s: %s\n", bpf_program__name(prog),
				strerror(errno));
			goto out_destroy;
		}
		links[n++] = l;
	}
	printf("attached %d\n", n);
	fflush(stdout);
	sigwait(&mask, &sig);
	rc = 0;
out_destroy:
	while (n)
		bpf_link__destroy(links[--n]);
out_close_obj:
	bpf_object__close(obj);
out_close_cg:
	close(cg);
	return rc;
}
