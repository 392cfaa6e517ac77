/* aioctl check: does this kernel, with this user, allow what aioctl move needs?  It tries
 * for real on processes of its own: a ring with pending completions is created, a child
 * shows what fork does to it, and a ring in a child is moved with the same transaction
 * aioctl move uses, then reaped at its new place. */
#include "aioctl.h"
#include "commands.h"
#include "inject.h"
#include "move.h"
#include "target.h"

#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/aio_abi.h>

struct check_args {
	bool json;
};

static const struct argp_option options[] = {
	{ "json", 'J', NULL, 0, "JSON output", 0 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct check_args *a = state->input;

	(void)arg;
	switch (key) {
	case 'J': a->json = true; return 0;
	case ARGP_KEY_ARG: argp_error(state, "no arguments expected"); return 0;
	default: return ARGP_ERR_UNKNOWN;
	}
}

static const char doc[] =
	"Test whether this kernel and user allow what aioctl needs: ptrace of processes, "
	"ring moves (tried for real on a child process of aioctl's own), what fork does to "
	"rings, whether partial moves are refused, and the system's aio-nr budget.\v"
	"Exit status: 0 when everything aioctl move needs works, 3 when ptrace is not "
	"permitted, 5 when something else it needs does not work.";

enum verdict { V_OK, V_FAIL, V_INFO };

struct item {
	const char *key;        /* JSON key and stable name */
	enum verdict v;
	bool needed;            /* move cannot work without it */
	char detail[256];
};

#define MAX_ITEMS 12
static struct item items[MAX_ITEMS];
static size_t nitems;

static struct item *add(const char *key, bool needed, enum verdict v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static struct item *add(const char *key, bool needed, enum verdict v, const char *fmt, ...)
{
	struct item *it = &items[nitems < MAX_ITEMS ? nitems++ : MAX_ITEMS - 1];
	va_list ap;

	it->key = key;
	it->needed = needed;
	it->v = v;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
	return it;
}

static long io_setup_raw(unsigned nr, aio_context_t *ctx)
{
	return syscall(SYS_io_setup, nr, ctx);
}

static long getevents_raw(aio_context_t ctx, long min, long nr, struct io_event *ev)
{
	struct timespec ts = { 5, 0 };
	return syscall(SYS_io_getevents, ctx, min, nr, ev, ev ? &ts : NULL);
}

/* Submits n buffered reads of /proc/self/exe; they complete at once, leaving events. */
static int submit_reads(aio_context_t ctx, unsigned n, uint64_t data0)
{
	static char buf[512];
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (unsigned i = 0; i < n; i++) {
		struct iocb cb;
		struct iocb *list[1] = { &cb };
		memset(&cb, 0, sizeof(cb));
		cb.aio_fildes = (uint32_t)fd;
		cb.aio_lio_opcode = IOCB_CMD_PREAD;
		cb.aio_buf = (uint64_t)(uintptr_t)buf;
		cb.aio_nbytes = sizeof(buf);
		cb.aio_data = data0 + i;
		if (syscall(SYS_io_submit, ctx, 1, list) != 1) {
			int e = errno;
			close(fd);
			return -e;
		}
	}
	close(fd);
	return 0;
}

static bool maps_has(pid_t pid, uint64_t addr)
{
	struct buf b = { 0 };
	struct ring_map *rings = NULL;
	size_t n = 0;
	bool found = false;

	if (target_find_rings(pid, &b, &rings, &n) == 0)
		for (size_t i = 0; i < n; i++)
			found |= rings[i].start == addr;
	free(rings);
	buf_free(&b);
	return found;
}

/* Child side messages are fixed-size records over a pipe. */
struct child_msg {
	int fork_copied;        /* parent's ring visible in the child's maps */
	long fork_probe;        /* io_getevents(parent ring, 0, 0) in the child: -errno or 0 */
	uint64_t ring;          /* the child's own ring */
	long err;               /* setup failure (-errno), 0 if fine */
};

struct child_result {
	long probe_new, probe_old, reaped;
	uint64_t data[2];
};

static void child_main(aio_context_t parent_ring, int to_parent, int from_parent)
{
	struct child_msg m = { 0 };
	struct child_result res = { 0 };
	aio_context_t own = 0;
	uint64_t newaddr;
	struct io_event ev[2];

	m.fork_copied = maps_has(getpid(), parent_ring);
	m.fork_probe = getevents_raw(parent_ring, 0, 0, NULL) == 0 ? 0 : -errno;
	if (io_setup_raw(1, &own) != 0)
		m.err = -errno;
	else if ((m.err = submit_reads(own, 2, 0xc0de)) == 0)
		m.ring = own;
	if (write(to_parent, &m, sizeof(m)) != sizeof(m) || m.err)
		_exit(1);
	/* Blocked in read() while the parent moves our ring. */
	if (read(from_parent, &newaddr, sizeof(newaddr)) != sizeof(newaddr))
		_exit(1);
	res.probe_new = getevents_raw(newaddr, 0, 0, NULL) == 0 ? 0 : -errno;
	res.probe_old = getevents_raw(own, 0, 0, NULL) == 0 ? 0 : -errno;
	res.reaped = getevents_raw(newaddr, 2, 2, ev);
	if (res.reaped == 2) {
		res.data[0] = ev[0].data;
		res.data[1] = ev[1].data;
	}
	(void)!write(to_parent, &res, sizeof(res));
	_exit(0);
}

static bool read_full(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, (char *)p + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* A two-page ring moved by one page inside a throwaway child: 6.18 accepts it (and the
 * context is corrupt from then on), mainline refuses.  The child exits at once; exit
 * does not unmap through the corrupted context. */
static void check_partial(void)
{
	int p[2];
	pid_t pid;
	long result = 0;
	int st;

	if (pipe(p) != 0)
		return;
	pid = fork();
	if (pid == 0) {
		aio_context_t ctx = 0;
		long r;
		void *resv;
		if (io_setup_raw(63, &ctx) != 0) {
			r = -10000 - errno;
		} else {
			resv = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (resv == MAP_FAILED) {
				r = -10000 - errno;
			} else {
				void *m = mremap((void *)(uintptr_t)ctx, 4096, 4096,
						 MREMAP_MAYMOVE | MREMAP_FIXED, resv);
				r = m == MAP_FAILED ? -errno : 1;
			}
		}
		(void)!write(p[1], &r, sizeof(r));
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || !read_full(p[0], &result, sizeof(result)))
		result = -20000;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (result == 1)
		add("partial_moves_refused", false, V_INFO,
		    "no: this kernel accepts moving part of a ring, which corrupts the context "
		    "(aioctl always moves whole rings)");
	else if (result > -10000 && result < 0)
		add("partial_moves_refused", false, V_OK, "yes (%s)", strerror((int)-result));
	else
		add("partial_moves_refused", false, V_INFO, "could not test");
}

static int check_move(bool *ptrace_denied)
{
	aio_context_t parent_ring = 0;
	int to_parent[2], from_parent[2];
	struct child_msg m;
	struct child_result res;
	pid_t child;
	int st, status = EXIT_OK;

	*ptrace_denied = false;
	if (io_setup_raw(1, &parent_ring) != 0) {
		add("io_setup", true, V_FAIL, "io_setup(1) failed: %s%s", strerror(errno),
		    errno == EAGAIN ? " (aio-nr budget exhausted)" : "");
		return EXIT_REFUSED;
	}
	add("io_setup", true, V_OK, "a ring of aioctl's own: 0x%llx", (unsigned long long)parent_ring);
	submit_reads(parent_ring, 2, 0xbeef);
	if (pipe(to_parent) != 0 || pipe(from_parent) != 0) {
		syscall(SYS_io_destroy, parent_ring);
		return EXIT_REFUSED;
	}
	child = fork();
	if (child < 0) {
		add("ring_move", true, V_FAIL, "fork failed: %s", strerror(errno));
		syscall(SYS_io_destroy, parent_ring);
		return EXIT_REFUSED;
	}
	if (child == 0) {
		close(to_parent[0]);
		close(from_parent[1]);
		child_main(parent_ring, to_parent[1], from_parent[0]);
	}
	close(to_parent[1]);
	close(from_parent[0]);
	if (!read_full(to_parent[0], &m, sizeof(m)) || m.err) {
		add("ring_move", true, V_FAIL, "the test child could not set up a ring: %s",
		    strerror(m.err ? (int)-m.err : EIO));
		status = EXIT_REFUSED;
		goto out;
	}
	if (m.fork_copied)
		add("rings_copied_on_fork", false, V_INFO,
		    "yes: a forked child sees the parent's ring, but it is no context of the "
		    "child (probe there: %s)", m.fork_probe ? strerror((int)-m.fork_probe) : "live!");
	else
		add("rings_copied_on_fork", false, V_INFO, "no (the ring is not copied into a child)");

	{
		struct move_ctx c;
		struct ring_map *rings = NULL;
		size_t n = 0;
		int r;

		memset(&c, 0, sizeof(c));
		c.pid = child;
		/* the child keeps the old address on purpose, to probe that it is dead there */
		c.flags = MOVE_NO_FIX_REFS;
		r = target_find_rings(child, &c.maps, &rings, &n);
		for (size_t i = 0; r == 0 && i < n; i++)
			if (rings[i].start == m.ring)
				c.ring = rings[i];
		free(rings);
		c.len = c.ring.end - c.ring.start;
		if (!c.len || !move_find_free(c.maps.data, c.maps.len, c.len, c.ring.start, &c.dest)) {
			add("ring_move", true, V_FAIL, "cannot find the child's ring or a free place");
			move_ctx_free(&c);
			status = EXIT_REFUSED;
			goto out;
		}
		/* freeze_process prints why it refuses; check reports it as an item. */
		r = move_execute(&c);
		if (r == EXIT_OK) {
			uint64_t d = c.dest;
			if (write(from_parent[1], &d, sizeof(d)) != sizeof(d) ||
			    !read_full(to_parent[0], &res, sizeof(res))) {
				add("ring_move", true, V_FAIL, "the test child did not answer after the move");
				status = EXIT_REFUSED;
			} else if (res.probe_new == 0 && res.probe_old == -EINVAL && res.reaped == 2 &&
				   res.data[0] == 0xc0de && res.data[1] == 0xc0df) {
				add("ring_move", true, V_OK, "a ring with 2 pending completions moved "
				    "0x%llx -> 0x%llx and was reaped there; frozen %llu us",
				    (unsigned long long)c.ring.start, (unsigned long long)c.dest,
				    (unsigned long long)c.frozen_us);
			} else {
				add("ring_move", true, V_FAIL, "after the move: new address %s, old "
				    "address %s, %ld of 2 completions reaped",
				    res.probe_new ? strerror((int)-res.probe_new) : "live",
				    res.probe_old ? strerror((int)-res.probe_old) : "still live",
				    res.reaped);
				status = EXIT_REFUSED;
			}
			add("ptrace", true, V_OK, "processes can be stopped and resumed");
		} else {
			/* A ptrace refusal comes before anything else in the transaction. */
			if (!c.threads) {
				*ptrace_denied = true;
				add("ptrace", true, V_FAIL, "cannot attach to a process of aioctl's own");
			}
			add("ring_move", true, V_FAIL, "%s", c.why[0] ? c.why : "the move failed");
			status = r == EXIT_PERM ? EXIT_PERM : EXIT_REFUSED;
		}
		move_ctx_free(&c);
	}
out:
	close(from_parent[1]);
	close(to_parent[0]);
	kill(child, SIGKILL);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	syscall(SYS_io_destroy, parent_ring);
	return status;
}

static void check_ptrace_policy(void)
{
	struct buf b = { 0 };
	unsigned long long eff = 0;
	char *p;
	int scope = -1;
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");

	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = -1;
		fclose(f);
	}
	if (buf_read_file(&b, "/proc/self/status") == 0 && (p = strstr(b.data, "CapEff:")))
		eff = strtoull(p + 7, NULL, 16);
	buf_free(&b);
	add("ptrace_policy", false, scope == 3 ? V_FAIL : V_INFO,
	    "Yama ptrace_scope %s; CAP_SYS_PTRACE %s; CAP_SYS_ADMIN %s (needed for processes "
	    "with a seccomp filter)",
	    scope < 0 ? "absent" : scope == 0 ? "0 (classic)" : scope == 1 ? "1 (restricted: "
	    "descendants only without CAP_SYS_PTRACE)" : scope == 2 ? "2 (admin only)" :
	    "3 (no attach at all)", (eff >> 19) & 1 ? "yes" : "no", (eff >> 21) & 1 ? "yes" : "no");
	if (scope == 3)
		items[nitems - 1].needed = true;
}

int cmd_check(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, NULL, doc, NULL, NULL, NULL };
	struct check_args a = { 0 };
	uint64_t aio_nr = 0, aio_max = 0;
	bool budget, ptrace_denied = false, all_ok = true;
	struct utsname u;
	int status;

	if (argp_parse(&argp, argc, argv, 0, NULL, &a) != 0)
		return EXIT_USAGE;
	nitems = 0;
	uname(&u);
	check_ptrace_policy();
	budget = read_aio_budget(&aio_nr, &aio_max);
	if (budget)
		add("aio_budget", true, aio_nr + 2 <= aio_max ? V_OK : V_FAIL,
		    "aio-nr %llu of aio-max-nr %llu (%llu left)", (unsigned long long)aio_nr,
		    (unsigned long long)aio_max,
		    (unsigned long long)(aio_max > aio_nr ? aio_max - aio_nr : 0));
	else
		add("aio_budget", false, V_INFO, "/proc/sys/fs/aio-nr unreadable");
	status = check_move(&ptrace_denied);
	check_partial();

	for (size_t i = 0; i < nitems; i++)
		if (items[i].needed && items[i].v == V_FAIL)
			all_ok = false;
	if (all_ok)
		status = EXIT_OK;
	else if (status == EXIT_OK)
		status = EXIT_REFUSED;
	if (ptrace_denied)
		status = EXIT_PERM;

	if (a.json) {
		json_t *o = json_object(), *checks = json_object();
		json_object_set_new(o, "kernel", json_string(u.release));
		json_object_set_new(o, "move_supported", json_boolean(all_ok));
		if (budget) {
			json_object_set_new(o, "aio_nr", json_integer((json_int_t)aio_nr));
			json_object_set_new(o, "aio_max_nr", json_integer((json_int_t)aio_max));
		}
		for (size_t i = 0; i < nitems; i++) {
			json_t *it = json_object();
			json_object_set_new(it, "result", json_string(items[i].v == V_OK ? "ok" :
						items[i].v == V_FAIL ? "fail" : "info"));
			json_object_set_new(it, "needed", json_boolean(items[i].needed));
			json_object_set_new(it, "detail", json_string(items[i].detail));
			json_object_set_new(checks, items[i].key, it);
		}
		json_object_set_new(o, "checks", checks);
		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("kernel %s\n", u.release);
		for (size_t i = 0; i < nitems; i++)
			printf("%-5s %-22s %s\n", items[i].v == V_OK ? "ok" :
			       items[i].v == V_FAIL ? "FAIL" : "info", items[i].key, items[i].detail);
		printf("%s\n", all_ok ? "aioctl move works here"
				      : "aioctl move does NOT work here (see FAIL above)");
	}
	return status;
}
