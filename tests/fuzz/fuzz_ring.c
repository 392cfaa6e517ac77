/* libFuzzer harness: ring bytes as the target controls them (any header, any size).
 * The first 8 input bytes choose the VMA length the header is checked against. */
#include "ring.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct ring_header h;
	struct ring_event ev;
	uint64_t vma_len = 0;
	uint32_t lo, hi, nr;

	if (size >= 8) {
		memcpy(&vma_len, data, 8);
		data += 8;
		size -= 8;
	}
	if (!ring_decode_header(data, size, &h))
		return 0;
	(void)ring_problem_str(ring_check(&h, vma_len, 0));
	uint32_t pending = ring_pending(&h);
	if (h.nr && pending >= h.nr)
		abort();
	/* Walk at most a bounded number of pending events, as dump does. */
	for (uint32_t i = 0; i < pending && i < 4096; i++) {
		uint32_t slot = ring_slot(&h, i);
		if (slot >= h.nr)
			abort();
		(void)ring_decode_event(data, size, slot, &ev);
	}
	if (ring_request_range(vma_len, (h.id % 512) + 1, &lo, &hi)) {
		if (lo > hi)
			abort();
		if (ring_size_for_request(lo, (h.id % 512) + 1, &nr) != vma_len ||
		    ring_size_for_request(hi, (h.id % 512) + 1, &nr) != vma_len)
			abort();
	}
	(void)ring_nr_for_len(vma_len);
	return 0;
}
