/* struct iocb decoding and the span plan for batched reads. */
#include "iocb.h"

#include <string.h>

static uint16_t get_u16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get_u32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get_u64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

bool iocb_decode(const void *buf, size_t len, struct iocb_view *cb)
{
	const unsigned char *p = buf;

	memset(cb, 0, sizeof(*cb));
	if (!buf || len < IOCB_SIZE)
		return false;
	cb->data = get_u64(p + 0);
	cb->key = get_u32(p + 8);
	cb->rw_flags = get_u32(p + 12);
	cb->opcode = get_u16(p + 16);
	cb->reqprio = (int16_t)get_u16(p + 18);
	cb->fd = get_u32(p + 20);
	cb->buf = get_u64(p + 24);
	cb->nbytes = get_u64(p + 32);
	cb->offset = (int64_t)get_u64(p + 40);
	cb->reserved2 = get_u64(p + 48);
	cb->flags = get_u32(p + 56);
	cb->resfd = get_u32(p + 60);
	return true;
}

const char *iocb_opcode_name(unsigned opcode)
{
	/* 4 was the never-merged IOCB_CMD_PREADX: the kernel refuses it. */
	static const char *const names[] = {
		"PREAD", "PWRITE", "FSYNC", "FDSYNC", NULL, "POLL", "NOOP", "PREADV", "PWRITEV",
	};

	return opcode < sizeof(names) / sizeof(names[0]) ? names[opcode] : NULL;
}

bool iocb_addr_plausible(uint64_t obj)
{
	/* x86-64 user space ends below 1 << 47 (1 << 56 with 5-level paging). */
	return obj >= 4096 && obj < (1ull << 56) - IOCB_SIZE;
}

size_t iocb_plan_spans(const uint64_t *sorted, size_t n, size_t gap, size_t max_span,
		       struct iocb_span *spans)
{
	size_t ns = 0;

	if (max_span < IOCB_SIZE)
		max_span = IOCB_SIZE;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = sorted[i], end = a + IOCB_SIZE;
		struct iocb_span *s = ns ? &spans[ns - 1] : NULL;

		if (s) {
			uint64_t s_end = s->addr + s->len;
			/* Duplicates and overlaps (an iocb submitted twice) join for free. */
			if (a < s_end || (a - s_end <= gap && end - s->addr <= max_span)) {
				if (end > s_end)
					s->len = (size_t)(end - s->addr);
				s->count++;
				continue;
			}
		}
		spans[ns++] = (struct iocb_span){ .addr = a, .len = IOCB_SIZE, .first = i, .count = 1 };
	}
	return ns;
}
