/* Formatting of `aioctl dump`: ring headers, validity problems and events, as text or
 * as JSON.  Pure: everything is appended to a memory buffer that the caller writes out,
 * so that a full ring of 131072 events costs no per-event allocation or system call. */
#ifndef AIOCTL_DUMPFMT_H
#define AIOCTL_DUMPFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "iocb.h"
#include "ring.h"

/* A growable output buffer.  On allocation failure oom is set and appends are dropped. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};
/* Makes room for more bytes; false (and oom set) if it cannot. */
bool sb_reserve(struct sbuf *b, size_t more);
void sb_put(struct sbuf *b, const void *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_free(struct sbuf *b);

/* A string as JSON (quoted; control characters escaped; invalid UTF-8 bytes become
 * U+FFFD so the output always parses). */
void sb_json_str(struct sbuf *b, const char *s, size_t n);
/* A string for a terminal: printable ASCII and valid UTF-8 kept, anything else \xNN. */
void sb_text_str(struct sbuf *b, const char *s, size_t n);

/* What the formatter is told about one ring. */
struct dump_ring {
	uint64_t addr, size, inode;   /* the mapping, from /proc/PID/maps */
	bool have_hdr;                /* the header could be read */
	struct ring_header hdr;
	unsigned problems;            /* ring_problem bits */
	uint32_t pending;             /* ring_pending(hdr) */
	uint32_t shown;               /* events that follow */
	const char *state;            /* "ok", "bad", "changed", "vanished", "unreadable", "gone" */
	const char *message;          /* why, for a human; NULL when all is well */
};

/* Why an iocb was not decoded. */
enum {
	DUMP_IOCB_OK = 0,
	DUMP_IOCB_NOT_USER = -1,      /* obj is no user address: never read */
	DUMP_IOCB_NOT_READ = -2,      /* not asked for (--no-iocb) */
	/* > 0: the errno of the read (EFAULT: unmapped now; ESRCH: the process exited) */
};

struct dump_event {
	uint32_t slot;
	bool pending;                 /* between head and tail (false only with --all-slots) */
	struct ring_event ev;
	int iocb_err;                 /* DUMP_IOCB_* or errno */
	struct iocb_view cb;          /* valid when iocb_err == 0 */
	const char *file;             /* what cb.fd is now in the process; NULL if unknown */
	size_t file_len;
	const char *file_json;        /* optional: file already as a JSON string (cached) */
	size_t file_json_len;
	int file_err;                 /* errno of the readlink when file is NULL */
};

/* The errno name for a negative result ("EAGAIN"), NULL when there is none. */
const char *dumpfmt_errno_name(int64_t res);

/* Names of every problem bit, in a fixed order; returns how many were stored (≤ max). */
size_t dumpfmt_problems(unsigned problems, const char **names, size_t max);

/* The pending slots of a ring as at most two ranges [from, to): head..tail, wrapped at
 * nr, clipped to the cap slots the mapping really holds (a forged nr cannot make us walk
 * past the bytes we read).  With all, every slot the mapping holds.  Returns the number
 * of ranges (0, 1 or 2). */
size_t dumpfmt_slot_ranges(const struct ring_header *h, uint32_t cap, bool all,
			   uint32_t from[2], uint32_t to[2]);
/* Is slot between head and tail? */
bool dumpfmt_slot_pending(const struct ring_header *h, uint32_t slot);

/* Text: one block per ring, then a table of its events. */
void dumpfmt_text_ring(struct sbuf *b, pid_t pid, const struct dump_ring *r, bool all);
/* mark_pending (--all-slots): a '*' before the slots between head and tail. */
void dumpfmt_text_event(struct sbuf *b, const struct dump_event *e, bool mark_pending);

/* JSON, streamed: begin, then for every ring ring_begin, events, ring_end, then end.
 * first: this is the first ring (or event) of its array. */
void dumpfmt_json_begin(struct sbuf *b, pid_t pid);
void dumpfmt_json_ring_begin(struct sbuf *b, const struct dump_ring *r, bool first);
/* all (--all-slots): each event also says whether it is pending.  Keys that would be
 * null (res_errno, iocb_error) are left out. */
void dumpfmt_json_event(struct sbuf *b, const struct dump_event *e, bool first, bool all);
void dumpfmt_json_ring_end(struct sbuf *b);
void dumpfmt_json_end(struct sbuf *b);

#endif
