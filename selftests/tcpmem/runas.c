// SPDX-License-Identifier: GPL-2.0
/*
 * runas UID CMD [ARGS...]: drop to UID/GID (no groups) and exec CMD.
 * runas -C CMD [ARGS...]:  stay root but drop CAP_NET_ADMIN, and exec CMD.
 */
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	int i;

	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0))
		return -1;
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	for (i = 0; i < 2; i++) {
		if (CAP_NET_ADMIN / 32 != i)
			continue;
		data[i].effective &= ~(1U << (CAP_NET_ADMIN % 32));
		data[i].permitted &= ~(1U << (CAP_NET_ADMIN % 32));
		data[i].inheritable &= ~(1U << (CAP_NET_ADMIN % 32));
	}
	return syscall(SYS_capset, &hdr, data);
}

int main(int argc, char **argv)
{
	uid_t id;

	if (argc < 3) {
		fprintf(stderr, "usage: runas UID|-C CMD [ARGS...]\n");
		return 2;
	}
	if (!strcmp(argv[1], "-C")) {
		if (drop_net_admin()) {
			perror("runas: drop CAP_NET_ADMIN");
			return 2;
		}
	} else {
		id = (uid_t)strtoul(argv[1], NULL, 10);
		if (setgroups(0, NULL) || setgid(id) || setuid(id)) {
			perror("runas");
			return 2;
		}
	}
	execvp(argv[2], argv + 2);
	perror("runas: exec");
	return 127;
}
