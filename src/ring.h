/* Pure decoding of AIO ring memory and the kernel's sizing arithmetic.  No system calls.
 * Layout and rules: ../shared/FACTS.md, "The ring header". */
#ifndef AIOCTL_RING_H
#define AIOCTL_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AIO_RING_MAGIC        0xa10a10a1u
#define AIO_RING_COMPAT       1u
#define AIO_RING_INCOMPAT     0u
#define AIO_RING_HEADER_SIZE  32u
#define AIO_EVENT_SIZE        32u
#define AIO_PAGE_SIZE         4096u
/* fs/aio.c refuses a request whose doubled slot count exceeds 0x10000000 / 32. */
#define RING_MAX_REQUEST      (0x10000000u / AIO_EVENT_SIZE / 2)

struct ring_header {
	uint32_t id, nr, head, tail;
	uint32_t magic, compat_features, incompat_features, header_length;
};

struct ring_event {
	uint64_t data;   /* the iocb's aio_data */
	uint64_t obj;    /* user address of the submitted struct iocb */
	int64_t res, res2;
};

/* Why a ring is not sane; a bit mask, 0 = sane. */
enum ring_problem {
	RING_BAD_MAGIC    = 1u << 0,
	RING_BAD_FEATURES = 1u << 1,  /* compat != 1 or incompat != 0 */
	RING_BAD_HDRLEN   = 1u << 2,
	RING_BAD_SIZE     = 1u << 3,  /* (nr + 1) * 32 != VMA length: shrunk, split or forged */
	RING_BAD_HEAD     = 1u << 4,  /* head >= nr */
	RING_BAD_TAIL     = 1u << 5,  /* tail >= nr */
	RING_BAD_OFFSET   = 1u << 6,  /* file offset of the mapping is not 0 */
	RING_TRUNCATED    = 1u << 7,  /* fewer than 32 bytes could be read */
};

/* Decodes the 32-byte header from buf (host byte order, as the kernel wrote it).
 * Returns false (and zeroes h) when len < 32. */
bool ring_decode_header(const void *buf, size_t len, struct ring_header *h);

/* Checks a decoded header against the mapping it was read from; returns ring_problem bits. */
unsigned ring_check(const struct ring_header *h, uint64_t vma_len, uint64_t file_offset);

/* A short, stable description of the first problem ("bad magic", "shrunk/split", ...),
 * or "ok" when problems == 0. */
const char *ring_problem_str(unsigned problems);

/* Completed events not yet reaped: (tail - head) mod nr.  0 when nr is 0 or head/tail
 * are out of range (nothing trustworthy to count). */
uint32_t ring_pending(const struct ring_header *h);

/* The slot of the i-th pending event, counting from head, wrapping at nr. */
uint32_t ring_slot(const struct ring_header *h, uint32_t i);

/* Decodes event slot from a buffer holding the ring from its start (header included).
 * false when the slot lies outside buf/len. */
bool ring_decode_event(const void *ring, size_t len, uint32_t slot, struct ring_event *ev);

/* Bytes the kernel maps for io_setup(nr_events) with ncpus possible CPUs; sets *nr to
 * the slot count it will show.  0 when io_setup would refuse the value. */
uint64_t ring_size_for_request(uint32_t nr_events, unsigned ncpus, uint32_t *nr);

/* The range of nr_events values a caller can have passed to io_setup to get a ring of
 * vma_len bytes with ncpus possible CPUs.  false when no request gives that size. */
bool ring_request_range(uint64_t vma_len, unsigned ncpus, uint32_t *lo, uint32_t *hi);

/* Slots (nr) of a sane ring mapping of vma_len bytes: vma_len / 32 - 1. */
uint32_t ring_nr_for_len(uint64_t vma_len);

#endif
