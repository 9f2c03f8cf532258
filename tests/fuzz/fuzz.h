/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the libFuzzer targets of tests/fuzz/: the check that aborts, and
 * a buffer whose end touches an inaccessible page.
 *
 * ASan only sees the reads of instrumented code; libnl's nla_get_u32() and
 * friends are not, so a parser that trusts an attribute's type over its
 * length would read past the message unnoticed on the heap.  Copied with
 * fuzz_guarded(), the message ends where a PROT_NONE page starts, and such a
 * read faults.
 */
#ifndef _TOTEM_FUZZ_H
#define _TOTEM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: check failed: %s\n",      \
				__FILE__, __LINE__, #cond);               \
			abort();                                          \
		}                                                         \
	} while (0)

/* Largest input the guarded buffer takes (the targets' -max_len). */
#define FUZZ_GUARDED_MAX 65536

static inline int fuzz_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		if (*b++)
			return 0;
	return 1;
}

/* Is @needle (@m bytes) somewhere in @hay (@n bytes)? */
static inline int fuzz_contains(const void *hay, size_t n, const void *needle,
				size_t m)
{
	return m <= n && memmem(hay, n, needle, m) != NULL;
}

/*
 * Copy @size bytes (at most FUZZ_GUARDED_MAX) so that the copy starts
 * 4-aligned, as netlink messages do, and ends at most 3 bytes before an
 * inaccessible page.  Valid until the next call.
 */
static inline void *fuzz_guarded(const void *data, size_t size)
{
	static uint8_t *area;
	static size_t len;
	size_t off;

	if (!area) {
		long page = sysconf(_SC_PAGESIZE);

		len = (FUZZ_GUARDED_MAX + page - 1) / page * page;
		area = mmap(NULL, len + page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		CHECK(area != MAP_FAILED);
		CHECK(!mprotect(area + len, page, PROT_NONE));
	}
	CHECK(size <= FUZZ_GUARDED_MAX);
	off = len - ((size + 3) & ~(size_t)3);
	memcpy(area + off, data, size);
	return area + off;
}

#endif /* _TOTEM_FUZZ_H */
