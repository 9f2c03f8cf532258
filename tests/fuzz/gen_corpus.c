// SPDX-License-Identifier: GPL-2.0
/*
 * gen_corpus DIR: write every option area of tests/unit/codec_vectors.h to
 * DIR/<vector name>, the fuzzer's seed corpus (`make fuzz-corpus`).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "codec_vectors.h"

int main(int argc, char **argv)
{
	char path[4096];
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < TOTEM_CODEC_NVECTORS; i++) {
		const struct totem_codec_vector *v = &totem_codec_vectors[i];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", argv[1], v->name);
		f = fopen(path, "we");
		if (!f) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
		if (fwrite(v->bytes, 1, v->len, f) != v->len || fclose(f)) {
			fprintf(stderr, "%s: write failed\n", path);
			return 1;
		}
	}
	printf("%zu seeds written to %s\n", (size_t)TOTEM_CODEC_NVECTORS,
	       argv[1]);
	return 0;
}
