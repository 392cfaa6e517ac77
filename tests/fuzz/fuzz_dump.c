/* libFuzzer harness: dump's slot walk and formatting over ring bytes and iocb bytes the
 * target controls.  The walk must stay inside the bytes, and the JSON must always parse.
 * Input: 1 byte of flags, 1 byte file-name length, the file name, 64 bytes of iocb, and
 * the rest is the ring as read (header and events). */
#include "dumpfmt.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct sbuf b = { 0 };
	struct dump_ring r = { .addr = 0x7f0000000000ull, .inode = 1, .state = "ok" };
	unsigned char iocb[IOCB_SIZE] = { 0 };
	const char *file;
	size_t flen, shown = 0;
	uint32_t from[2], to[2], cap;
	bool all;

	if (size < 2)
		return 0;
	all = data[0] & 1;
	flen = data[1];
	data += 2;
	size -= 2;
	if (flen > size)
		flen = size;
	file = (const char *)data;
	data += flen;
	size -= flen;
	if (size >= IOCB_SIZE) {
		memcpy(iocb, data, IOCB_SIZE);
		data += IOCB_SIZE;
		size -= IOCB_SIZE;
	}
	r.size = size;
	r.have_hdr = ring_decode_header(data, size, &r.hdr);
	r.problems = r.have_hdr ? ring_check(&r.hdr, size, 0) : RING_TRUNCATED;
	r.pending = ring_pending(&r.hdr);
	cap = size < AIO_RING_HEADER_SIZE ? 0 : (uint32_t)((size - AIO_RING_HEADER_SIZE) / AIO_EVENT_SIZE);
	size_t nr = dumpfmt_slot_ranges(&r.hdr, cap, all, from, to);
	for (size_t k = 0; k < nr; k++) {
		if (from[k] > to[k] || to[k] > cap)
			abort();
		r.shown += to[k] - from[k];
	}
	dumpfmt_json_begin(&b, 1);
	dumpfmt_json_ring_begin(&b, &r, true);
	for (size_t k = 0; k < nr; k++) {
		for (uint32_t s = from[k]; s < to[k]; s++) {
			struct dump_event e = { .slot = s, .pending = dumpfmt_slot_pending(&r.hdr, s) };
			if (!ring_decode_event(data, size, s, &e.ev))
				abort();       /* the walk left the bytes */
			e.iocb_err = (e.ev.res & 3) == 3 ? 14 : DUMP_IOCB_OK;
			iocb_decode(iocb, sizeof(iocb), &e.cb);
			e.file = (e.ev.res & 4) ? file : NULL;
			e.file_len = flen;
			dumpfmt_json_event(&b, &e, shown == 0, all);
			dumpfmt_text_event(&b, &e, all);
			shown++;
		}
	}
	if (shown != r.shown)
		abort();
	dumpfmt_json_ring_end(&b);
	dumpfmt_json_end(&b);
	free(b.p);
	b = (struct sbuf){ 0 };

	/* JSON alone must parse: the same again without the text lines. */
	dumpfmt_json_begin(&b, 1);
	dumpfmt_json_ring_begin(&b, &r, true);
	shown = 0;
	for (size_t k = 0; k < nr; k++)
		for (uint32_t s = from[k]; s < to[k] && shown < 64; s++, shown++) {
			struct dump_event e = { .slot = s, .pending = true };
			ring_decode_event(data, size, s, &e.ev);
			iocb_decode(iocb, sizeof(iocb), &e.cb);
			e.file = file;
			e.file_len = flen;
			dumpfmt_json_event(&b, &e, shown == 0, all);
		}
	dumpfmt_json_ring_end(&b);
	dumpfmt_json_end(&b);
	/* Valid JSON that jansson refuses by default: u64 fields (nbytes) past INT64_MAX, and
	 * NUL escaped (no real path has one; the harness feeds any bytes). */
	json_t *j = json_loadb(b.p, b.len, JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, NULL);
	if (!j && !b.oom)
		abort();
	json_decref(j);
	sb_text_str(&b, file, flen);
	free(b.p);
	return 0;
}
