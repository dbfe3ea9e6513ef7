// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the record file's writer (writer.c) and reader (reader.c) share:
 * the CRC-32C of every record and the header's identity of the host
 * (format: record.h, docs/RECORD-FORMAT.md).
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "rec/record.h"

/* ------------------------------------------------------------------ crc32c */

#define CRC32C_POLY 0x82f63b78u /* reflected Castagnoli */

void crc32c__init(struct crc32c_table *tab)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
		tab->t[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (j = 1; j < 8; j++)
			tab->t[j][i] = (tab->t[j - 1][i] >> 8) ^ tab->t[0][tab->t[j - 1][i] & 0xff];
}

uint32_t crc32c__update(const struct crc32c_table *tab, uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	crc = ~crc;
	/* Eight bytes a step: the replay path checksums every event. */
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);

		crc = tab->t[7][lo & 0xff] ^ tab->t[6][(lo >> 8) & 0xff] ^
		      tab->t[5][(lo >> 16) & 0xff] ^ tab->t[4][lo >> 24] ^ tab->t[3][p[4]] ^
		      tab->t[2][p[5]] ^ tab->t[1][p[6]] ^ tab->t[0][p[7]];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ tab->t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

uint32_t record__crc(const struct crc32c_table *tab, uint32_t type, const void *payload,
		     uint32_t len)
{
	uint32_t head[2] = { type, len };
	uint32_t crc = crc32c__update(tab, 0, head, sizeof(head));

	return crc32c__update(tab, crc, payload, len);
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	memset(dst + n, 0, size - n);
}

void record__header_from_host(struct oomrec_header *hdr)
{
	struct utsname u;
	char boot_id[64] = "";
	FILE *f;

	if (uname(&u) == 0) {
		copy_str(hdr->kernel_release, sizeof(hdr->kernel_release), u.release);
		copy_str(hdr->hostname, sizeof(hdr->hostname), u.nodename);
		copy_str(hdr->machine, sizeof(hdr->machine), u.machine);
	}
	/* Ties kernel timestamps to one boot: mono times mean nothing across boots. */
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f) {
		if (fgets(boot_id, sizeof(boot_id), f))
			boot_id[strcspn(boot_id, "\n")] = 0;
		fclose(f);
	}
	copy_str(hdr->boot_id, sizeof(hdr->boot_id), boot_id);
}
