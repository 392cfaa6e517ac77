/* Reporting references to a ring, the same way for `aioctl refs` and `move --dry-run`:
 * a table (columns from one table of fields) or JSON objects. */
#ifndef AIOCTL_REFSOUT_H
#define AIOCTL_REFSOUT_H

#include "refscan.h"

#include <jansson.h>
#include <stdio.h>

/* The table's heading line. */
void refsout_header(FILE *out);
/* One line per reference of l to the ring at ring_start (which moves to new_start, or 0
 * when no destination is known: the NEW column then shows "-"). */
void refsout_rows(FILE *out, const struct ref_list *l, uint64_t ring_start, uint64_t new_start);
/* Appends one JSON object per reference to the array arr. */
int refsout_json(json_t *arr, const struct ref_list *l, uint64_t ring_start, uint64_t new_start);
/* "[heap] 0x55d0c0a012a0, tid 812 r12" — at most max items, then ", ...": for the one-line
 * messages that name stale or unsafe references.  Only references of class cls. */
void refsout_brief(char *out, size_t outsz, const struct ref_list *l, enum refs_class cls, size_t max);

#endif
