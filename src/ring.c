/* AIO ring decoding and the kernel's sizing rules (fs/aio.c: ioctx_alloc, aio_setup_ring). */
#include "ring.h"

#include <string.h>

static uint32_t get_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get_u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

bool ring_decode_header(const void *buf, size_t len, struct ring_header *h)
{
	const unsigned char *p = buf;

	memset(h, 0, sizeof(*h));
	if (!buf || len < AIO_RING_HEADER_SIZE)
		return false;
	h->id = get_u32(p + 0);
	h->nr = get_u32(p + 4);
	h->head = get_u32(p + 8);
	h->tail = get_u32(p + 12);
	h->magic = get_u32(p + 16);
	h->compat_features = get_u32(p + 20);
	h->incompat_features = get_u32(p + 24);
	h->header_length = get_u32(p + 28);
	return true;
}

unsigned ring_check(const struct ring_header *h, uint64_t vma_len, uint64_t file_offset)
{
	unsigned p = 0;

	if (h->magic != AIO_RING_MAGIC)
		p |= RING_BAD_MAGIC;
	if (h->compat_features != AIO_RING_COMPAT || h->incompat_features != AIO_RING_INCOMPAT)
		p |= RING_BAD_FEATURES;
	if (h->header_length != AIO_RING_HEADER_SIZE)
		p |= RING_BAD_HDRLEN;
	if (((uint64_t)h->nr + 1) * AIO_EVENT_SIZE != vma_len || vma_len % AIO_PAGE_SIZE)
		p |= RING_BAD_SIZE;
	if (h->head >= h->nr)
		p |= RING_BAD_HEAD;
	if (h->tail >= h->nr)
		p |= RING_BAD_TAIL;
	if (file_offset != 0)
		p |= RING_BAD_OFFSET;
	return p;
}

const char *ring_problem_str(unsigned problems)
{
	static const struct {
		unsigned bit;
		const char *text;
	} names[] = {
		{ RING_TRUNCATED, "unreadable" },
		{ RING_BAD_MAGIC, "bad magic" },
		{ RING_BAD_SIZE, "shrunk/split" },
		{ RING_BAD_OFFSET, "shrunk/split" },
		{ RING_BAD_FEATURES, "bad features" },
		{ RING_BAD_HDRLEN, "bad header length" },
		{ RING_BAD_HEAD, "bad head" },
		{ RING_BAD_TAIL, "bad tail" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (problems & names[i].bit)
			return names[i].text;
	return "ok";
}

uint32_t ring_pending(const struct ring_header *h)
{
	if (h->nr == 0 || h->head >= h->nr || h->tail >= h->nr)
		return 0;
	return h->tail >= h->head ? h->tail - h->head : h->nr - h->head + h->tail;
}

uint32_t ring_slot(const struct ring_header *h, uint32_t i)
{
	if (h->nr == 0)
		return 0;
	return (uint32_t)(((uint64_t)h->head % h->nr + i) % h->nr);
}

bool ring_decode_event(const void *ring, size_t len, uint32_t slot, struct ring_event *ev)
{
	const unsigned char *p = ring;
	uint64_t off = AIO_RING_HEADER_SIZE + (uint64_t)slot * AIO_EVENT_SIZE;

	memset(ev, 0, sizeof(*ev));
	if (!ring || off + AIO_EVENT_SIZE > len)
		return false;
	ev->data = get_u64(p + off);
	ev->obj = get_u64(p + off + 8);
	ev->res = (int64_t)get_u64(p + off + 16);
	ev->res2 = (int64_t)get_u64(p + off + 24);
	return true;
}

/* The kernel doubles the request (at least 4 per CPU) and adds 2 slots. */
static uint64_t kernel_slots(uint32_t nr_events, unsigned ncpus)
{
	uint64_t n = nr_events;
	uint64_t floor = 4ull * (ncpus ? ncpus : 1);

	if (n < floor)
		n = floor;
	return n * 2 + 2;
}

uint64_t ring_size_for_request(uint32_t nr_events, unsigned ncpus, uint32_t *nr)
{
	uint64_t bytes, pages;

	/* io_setup: EINVAL for 0 and for requests whose ring would overflow. */
	if (nr_events == 0 || nr_events > RING_MAX_REQUEST ||
	    kernel_slots(nr_events, ncpus) - 2 > 0x10000000u / AIO_EVENT_SIZE) {
		if (nr)
			*nr = 0;
		return 0;
	}
	bytes = AIO_RING_HEADER_SIZE + kernel_slots(nr_events, ncpus) * AIO_EVENT_SIZE;
	pages = (bytes + AIO_PAGE_SIZE - 1) / AIO_PAGE_SIZE;
	if (nr)
		*nr = (uint32_t)((pages * AIO_PAGE_SIZE - AIO_RING_HEADER_SIZE) / AIO_EVENT_SIZE);
	return pages * AIO_PAGE_SIZE;
}

uint32_t ring_nr_for_len(uint64_t vma_len)
{
	if (vma_len < AIO_PAGE_SIZE)
		return 0;
	return (uint32_t)(vma_len / AIO_EVENT_SIZE - 1);
}

bool ring_request_range(uint64_t vma_len, unsigned ncpus, uint32_t *lo, uint32_t *hi)
{
	uint64_t pages, slots_lo, slots_hi, req_lo, req_hi;
	uint64_t floor = 4ull * (ncpus ? ncpus : 1);

	*lo = *hi = 0;
	if (vma_len == 0 || vma_len % AIO_PAGE_SIZE)
		return false;
	pages = vma_len / AIO_PAGE_SIZE;
	/* 32 + 32 * (2n + 2) must lie in ((pages-1)*4096, pages*4096]:
	 * 2n + 3 in (128(pages-1), 128 pages], so n in [64(pages-1) - 1, 64 pages - 2]. */
	slots_hi = 64 * pages - 2;
	slots_lo = pages > 1 ? 64 * (pages - 1) - 1 : 1;
	/* Requests below the per-CPU floor are raised to it by the kernel. */
	if (slots_hi < floor)
		return false;              /* even the smallest request gives a bigger ring */
	req_hi = slots_hi;
	req_lo = slots_lo <= floor ? 1 : slots_lo;
	/* io_setup refuses requests whose doubled size overflows its limit. */
	if (req_hi > RING_MAX_REQUEST)
		req_hi = RING_MAX_REQUEST;
	if (req_lo > req_hi || ring_size_for_request((uint32_t)req_lo, ncpus, NULL) != vma_len ||
	    ring_size_for_request((uint32_t)req_hi, ncpus, NULL) != vma_len)
		return false;
	*lo = (uint32_t)req_lo;
	*hi = (uint32_t)req_hi;
	return true;
}
