/* libFuzzer harness: the pure reference core over memory and maps lines as a target
 * controls them.  Input: 8 bytes ring start, 8 bytes ring length, 8 bytes buffer base
 * address, 1 byte max; then a maps line up to the first '\n'; the rest is memory. */
#include "refs.h"

#include <stdlib.h>
#include <string.h>

static uint64_t take64(const unsigned char **d, size_t *n)
{
	uint64_t v = 0;
	size_t k = *n < 8 ? *n : 8;

	memcpy(&v, *d, k);
	*d += k;
	*n -= k;
	return v;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	uint64_t start = take64(&data, &size);
	uint64_t len = take64(&data, &size) % (1ull << 40);
	uint64_t base = take64(&data, &size);
	uint64_t end = start + len;
	size_t max = 1, offs[256], n, total = 0, pos = 0;
	const unsigned char *nl;
	struct map_entry e, prev;
	char name[96], small[3];

	if (size) {
		max = (size_t)data[0] % 256 + 1;
		data++;
		size--;
	}
	nl = memchr(data, '\n', size);
	if (nl) {
		size_t ll = (size_t)(nl - data);
		if (maps_parse_line((const char *)data, ll, &e) == 0) {
			enum refs_class c = refs_classify(&e, start, end);
			if (c != REFS_REWRITABLE && c != REFS_UNSAFE && c != REFS_SKIPPED)
				abort();
			/* a mapping overlapping the ring is never scanned */
			if (start < end && e.start < end && start < e.end && c != REFS_SKIPPED)
				abort();
			(void)refs_class_str(c);
			prev = e;
			prev.end = e.start;
			refs_mapping_name(&e, &prev, (pid_t)(base & 0xffff), name, sizeof(name));
			if (strlen(name) >= sizeof(name))
				abort();
			refs_mapping_name(&e, NULL, 0, small, sizeof(small));
		}
		size -= ll + 1;
		data = nl + 1;
	}
	/* Every word found is aligned in the target, in range, and none is missed: the
	 * resumable scan must agree with a plain word-by-word count. */
	do {
		n = refs_scan(data + pos, size - pos, base + pos, start, end, offs, max);
		for (size_t k = 0; k < n; k++) {
			uint64_t v;
			size_t off = pos + offs[k];
			if (off + 8 > size || (base + off) % 8 != 0)
				abort();
			memcpy(&v, data + off, 8);
			if (!refs_points_into(v, start, end))
				abort();
			if (refs_rewrite_value(refs_rewrite_value(v, start, base), base, start) != v)
				abort();
		}
		total += n;
		if (n == max)
			pos += offs[n - 1] + 8;
	} while (n == max && pos < size);
	size_t expect = 0;
	for (size_t off = (8 - base % 8) % 8; off + 8 <= size; off += 8) {
		uint64_t v;
		memcpy(&v, data + off, 8);
		expect += start < end && refs_points_into(v, start, end);
	}
	if (total != expect)
		abort();
	/* registers: arbitrary bytes as a register file */
	if (size >= sizeof(arch_regs)) {
		arch_regs r;
		size_t idx[64];
		memcpy(&r, data, sizeof(r));
		n = refs_scan_regs(&r, start, end, idx, 64);
		for (size_t k = 0; k < n; k++) {
			if (!refs_points_into(refs_reg_get(&r, idx[k]), start, end))
				abort();
			refs_reg_location(1, idx[k], name, sizeof(name));
		}
	}
	return 0;
}
