/* A process with one real AIO ring and one impostor: a deleted tmpfs file named "/[aio]"
 * mapped shared, which /proc/PID/maps shows exactly like a ring ("rw-s 00000000 00:NN
 * INODE /[aio] (deleted)").  The impostor even carries a sane ring header, so only the
 * device of the mapping tells it apart.
 *
 * The file lives on a detached tmpfs mount (fsopen/fsmount, never attached anywhere), so
 * its path is "/[aio]" without touching the real root directory.  Needs CAP_SYS_ADMIN.
 *
 * Output: "ring ADDR nr=.. head=.. tail=.. pending=0 id=.. req=1" for the real ring,
 * "fake ADDR" for the impostor, then "ready PID". */
#include "target.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/mount.h>

int main(void)
{
	io_context_t ctx = 0;
	struct aio_ring_view *r, *fake;
	int fs, mnt, fd;

	fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		die("fsopen");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		die("fsconfig");
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		die("fsmount");
	fd = openat(mnt, "[aio]", O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		die("openat");
	if (ftruncate(fd, 4096) != 0)
		die("ftruncate");
	fake = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fake == MAP_FAILED)
		die("mmap");
	if (unlinkat(mnt, "[aio]", 0) != 0)
		die("unlinkat");
	close(fd);
	close(mnt);
	close(fs);
	*fake = (struct aio_ring_view){ .id = 0, .nr = 127, .head = 0, .tail = 0,
					.magic = 0xa10a10a1u, .compat = 1, .incompat = 0,
					.header_length = 32 };

	if (io_setup(1, &ctx) != 0)
		die("io_setup");
	r = ring_of(ctx);
	printf("ring 0x%lx nr=%u head=%u tail=%u pending=0 id=%u req=1\n", (unsigned long)ctx,
	       r->nr, r->head, r->tail, r->id);
	printf("fake %p\n", (void *)fake);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	wait_forever();
}
