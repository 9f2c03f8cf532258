// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the totem test VM (statically linked, see docs/vm.md).
 *
 * It loads the kernel modules listed in /vm/modules.list (dependencies first,
 * resolved by run-vm.sh from modules.dep), brings up lo, mounts the host root
 * read-only over virtio-9p at /host, gives it the pseudo file systems a test
 * needs, chroots into it and runs /run/vm/vm-suite.sh with the result serial
 * port (ttyS1) on fd 3.  When the suite exits it writes the token
 * "TOTEM-VM-RESULT PASS" (or FAIL) on ttyS1 and powers the VM off; no token
 * on the host side means the VM died or hung.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define HOST "/host"
#define RESULT_FD 3

static int result_fd = -1;

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("totem-init: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static void result(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	if (result_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(result_fd, buf, n) < 0)
		say("write ttyS1: %s", strerror(errno));
}

static _Noreturn void poweroff(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* Only reached if the kernel refused; init exiting panics, and
	 * panic=-1 with qemu -no-reboot ends the VM as well.
	 */
	say("reboot(RB_POWER_OFF): %s", strerror(errno));
	exit(1);
}

static _Noreturn void die(const char *what)
{
	say("FATAL: %s: %s", what, strerror(errno));
	result("TOTEM-VM-RESULT FAIL init: %s: %s\n", what, strerror(errno));
	poweroff();
}

static int do_mount(const char *src, const char *dst, const char *type,
		    unsigned long flags, const char *data, int required)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) == 0)
		return 0;
	say("mount %s on %s (%s): %s", src, dst, type ? type : "bind", strerror(errno));
	if (required)
		die("mount");
	return -1;
}

static void load_modules(const char *list)
{
	char line[512];
	FILE *f;

	f = fopen(list, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int fd;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(line);
		if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST) {
			say("load %s", line);
			die("finit_module");
		}
		close(fd);
	}
	fclose(f);
}

static void lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS lo");
	close(fd);
}

/* ttyS1 carries only what the suite writes: no CR/LF mangling, no echo. */
static void open_result_port(void)
{
	struct termios t;
	int fd;

	fd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
	if (fd < 0) {
		say("open /dev/ttyS1: %s", strerror(errno));
		return;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetospeed(&t, B115200);
		tcsetattr(fd, TCSANOW, &t);
	}
	if (fd != RESULT_FD) {
		if (dup2(fd, RESULT_FD) < 0)
			die("dup2");
		close(fd);
	}
	result_fd = RESULT_FD;
}

/* The host root, read-only, with this VM's own pseudo and scratch file systems on top. */
static int setup_host_root(int required)
{
	if (do_mount("hostroot", HOST, "9p", MS_RDONLY,
		     "trans=virtio,version=9p2000.L,msize=512000,cache=loose", required))
		return -1;
	do_mount("proc", HOST "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	do_mount("sysfs", HOST "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	do_mount("/dev", HOST "/dev", NULL, MS_BIND, NULL, 1);
	do_mount("devpts", HOST "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "ptmxmode=0666", 0);
	do_mount("tmpfs", HOST "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, NULL, 0);
	do_mount("tmpfs", HOST "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", 1);
	/*
	 * The checkout may live under the host's /tmp (CI clones anywhere):
	 * keep that /tmp reachable at /run/host-tmp before hiding it under
	 * the VM's scratch tmpfs; run-vm.sh rewrites the paths to match.
	 */
	do_mount(HOST "/tmp", HOST "/run/host-tmp", NULL, MS_BIND, NULL, 1);
	do_mount("tmpfs", HOST "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 1);
	do_mount("tmpfs", HOST "/var/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0);
	do_mount("bpf", HOST "/sys/fs/bpf", "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		 "mode=0700", 1);
	do_mount("cgroup2", HOST "/sys/fs/cgroup", "cgroup2",
		 MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	do_mount("debugfs", HOST "/sys/kernel/debug", "debugfs", 0, NULL, 0);
	do_mount("tracefs", HOST "/sys/kernel/tracing", "tracefs", 0, NULL, 0);
	do_mount("/vm", HOST "/run/vm", NULL, MS_BIND, NULL, 1);
	return 0;
}

/* Run argv (chrooted into root unless NULL) and return its exit status. */
static int run(char *const argv[], const char *root, int interactive)
{
	static char *const envp[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/tmp",
		"TERM=linux",
		"LANG=C.UTF-8",
		"PYTHONDONTWRITEBYTECODE=1",
		"TOTEM_VM=1",
		NULL,
	};
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (root && (chroot(root) || chdir("/"))) {
			say("chroot %s: %s", root, strerror(errno));
			_exit(126);
		}
		if (interactive) {
			int fd;

			/* A session with ttyS0 as controlling tty, for job control. */
			setsid();
			fd = open("/dev/ttyS0", O_RDWR);
			if (fd >= 0) {
				ioctl(fd, TIOCSCTTY, 1);
				dup2(fd, 0);
				dup2(fd, 1);
				dup2(fd, 2);
				if (fd > 2)
					close(fd);
			}
		}
		execve(argv[0], argv, envp);
		say("exec %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	/* PID 1 also reaps orphans; only the suite's own exit status counts. */
	for (;;) {
		pid_t w = wait(&status);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			die("wait");
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int main(void)
{
	static char *const suite[] = { "/bin/bash", "/run/vm/vm-suite.sh", NULL };
	static char *const shell[] = { "/bin/bash", "-i", NULL };
	int interactive;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	do_mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 1);
	do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	do_mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
	/* devtmpfs has no /dev/fd (udev makes it); bash needs it for <(...). */
	symlink("/proc/self/fd", "/dev/fd");
	symlink("/proc/self/fd/0", "/dev/stdin");
	symlink("/proc/self/fd/1", "/dev/stdout");
	symlink("/proc/self/fd/2", "/dev/stderr");
	open_result_port();
	say("booted");
	result("TOTEM-VM-BOOTED\n");

	load_modules("/vm/modules.list");
	lo_up();
	interactive = access("/vm/interactive", F_OK) == 0;
	if (setup_host_root(!interactive)) {
		/* Debugging a broken 9p set-up: busybox in the initramfs. */
		static char *const rescue[] = { "/bin/busybox", "sh", NULL };

		say("no host root; busybox rescue shell");
		rc = run(rescue, NULL, 1);
	} else if (interactive) {
		say("interactive shell in the host root; exit to power off");
		rc = run(shell, HOST, 1);
	} else {
		rc = run(suite, HOST, 0);
	}
	say("%s exited with %d", interactive ? "shell" : "suite", rc);
	if (rc)
		result("TOTEM-VM-RESULT FAIL suite exit %d\n", rc);
	else
		result("TOTEM-VM-RESULT PASS\n");
	poweroff();
}
