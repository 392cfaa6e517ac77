/* Pure decoding of a struct iocb as an application left it in its memory, and the plan
 * that batches reading many of them.  No system calls.  Layout: <linux/aio_abi.h>. */
#ifndef AIOCTL_IOCB_H
#define AIOCTL_IOCB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOCB_SIZE 64u

/* The fields of struct iocb (x86-64 little-endian layout, as the kernel reads it). */
struct iocb_view {
	uint64_t data;        /* aio_data: comes back as io_event.data */
	uint32_t key;         /* aio_key: the kernel stores 0 here at submit */
	uint32_t rw_flags;    /* RWF_* */
	uint16_t opcode;      /* IOCB_CMD_* */
	int16_t reqprio;
	uint32_t fd;
	uint64_t buf;         /* buffer, or the iovec array for PREADV/PWRITEV */
	uint64_t nbytes;      /* bytes, or the iovec count for PREADV/PWRITEV */
	int64_t offset;
	uint64_t reserved2;
	uint32_t flags;       /* IOCB_FLAG_* */
	uint32_t resfd;       /* eventfd signalled when IOCB_FLAG_RESFD is set */
};

/* Decodes IOCB_SIZE bytes; false (and *cb zeroed) when len is shorter. */
bool iocb_decode(const void *buf, size_t len, struct iocb_view *cb);

/* "PREAD", "PWRITE", "FSYNC", "FDSYNC", "POLL", "NOOP", "PREADV", "PWRITEV", or NULL
 * for a value no kernel accepts (the memory was reused for something else). */
const char *iocb_opcode_name(unsigned opcode);

/* Whether obj can be the address of an iocb at all: user half, not the zero page, and
 * obj + IOCB_SIZE does not wrap.  Anything else is never read. */
bool iocb_addr_plausible(uint64_t obj);

/* Batched reading: the addresses to read, sorted, are cut into spans; neighbours closer
 * than gap bytes share one span (heap allocators put iocbs next to each other), a span
 * never exceeds max_span bytes.  Each address must be plausible. */
struct iocb_span {
	uint64_t addr;
	size_t len;
	size_t first, count;   /* the addresses (indexes into the sorted array) it covers */
};

/* Fills spans (room for n entries is always enough) from n sorted addresses; returns
 * the number of spans. */
size_t iocb_plan_spans(const uint64_t *sorted, size_t n, size_t gap, size_t max_span,
		       struct iocb_span *spans);

#endif
