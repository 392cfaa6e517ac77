/* The move's steps for the application's references to the ring (issue 4): scan while
 * frozen, before anything changes (unsafe references refuse the move); rewrite after the
 * kernel move is verified; optionally leave a read-only tombstone at the old address.
 * Each step that changes the target has its undo; they sit in move.c's step table. */
#ifndef AIOCTL_MOVE_REFS_H
#define AIOCTL_MOVE_REFS_H

#include "move.h"

/* Before the freeze: the same scan once, its result thrown away (see move_refs.c). */
void move_warm_refs(struct move_ctx *c);
int move_step_scan_refs(struct move_ctx *c);
int move_step_rewrite_refs(struct move_ctx *c);
int move_undo_rewrite_refs(struct move_ctx *c);
int move_step_tombstone(struct move_ctx *c);
int move_undo_tombstone(struct move_ctx *c);

#endif
