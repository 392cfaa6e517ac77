/* ringlist.c: STATE, sharing and owners, the budget fit, summaries, cgroup parsing. */
#include "unit.h"
#include "aioctl.h"
#include "procinfo.h"
#include "ringlist.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static struct list_ring ring(pid_t pid, uint64_t start_addr, uint64_t len, uint64_t inode,
			     uint64_t started, pid_t ppid)
{
	struct list_ring r = { 0 };

	r.pid = pid;
	r.map.start = start_addr;
	r.map.end = start_addr + len;
	r.map.inode = inode;
	r.map.dev_minor = 0x12;
	r.hdr.nr = (uint32_t)(len / 32 - 1);
	r.start = started;
	r.ppid = ppid;
	return r;
}

static void states(void **state)
{
	struct list_ring r = ring(1, 0x1000, 4096, 5, 10, 0);

	(void)state;
	r.group_size = 1;
	assert_string_equal(list_ring_state(&r), "ok");
	r.group_size = 2;
	assert_string_equal(list_ring_state(&r), "shared");
	r.liveness = LIVENESS_INHERITED;
	assert_string_equal(list_ring_state(&r), "inherited");
	r.liveness = LIVENESS_LIVE;
	assert_string_equal(list_ring_state(&r), "live");
	r.liveness = LIVENESS_DEAD;
	assert_string_equal(list_ring_state(&r), "dead");
	r.problems = RING_BAD_MAGIC;
	assert_string_equal(list_ring_state(&r), "bad magic");
	r.problems = RING_BAD_SIZE;
	assert_string_equal(list_ring_state(&r), "shrunk/split");
	r.problems = RING_TRUNCATED;
	assert_string_equal(list_ring_state(&r), "unreadable");
	r.problems = 0;
	r.err = 1;
	assert_string_equal(list_ring_state(&r), "unreadable");
}

static void groups_and_owners(void **state)
{
	struct list_ring r[] = {
		ring(300, 0x7000, 4096, 42, 500, 200),    /* 0: child of 200, inherited 42 */
		ring(200, 0x7000, 4096, 42, 400, 1),      /* 1: parent, started first */
		ring(200, 0x9000, 8192, 43, 400, 1),      /* 2: parent's own ring */
		ring(400, 0x7000, 4096, 42, 400, 200),    /* 3: another child, same tick as parent */
		ring(500, 0x5000, 4096, 44, 0, 1),        /* 4: alone */
	};
	uint64_t others[4];

	(void)state;
	assert_int_equal(list_group_rings(r, 5), 0);
	assert_int_equal(r[0].group_size, 3);
	assert_int_equal(r[1].group_size, 3);
	assert_int_equal(r[3].group_size, 3);
	assert_int_equal(r[2].group_size, 1);
	assert_int_equal(r[4].group_size, 1);
	for (int i = 0; i < 4; i++)
		if (i != 2)
			assert_int_equal(r[i].owner, 200);
	assert_int_equal(r[2].owner, 200);
	assert_int_equal(r[4].owner, 500);
	assert_string_equal(list_ring_state(&r[0]), "shared");
	assert_string_equal(list_ring_state(&r[2]), "ok");
	assert_int_equal(list_sharers(r, 0, others, 4), 2);
	assert_int_equal(others[0], 200);
	assert_int_equal(others[1], 400);
	assert_int_equal(list_sharers(r, 1, others, 4), 2);
	assert_int_equal(others[0], 300);
	assert_int_equal(others[1], 400);
	assert_int_equal(list_sharers(r, 2, others, 4), 0);
	/* more sharers than room: the count is still right */
	assert_int_equal(list_sharers(r, 1, others, 1), 2);
}

static void owner_ties(void **state)
{
	/* same start tick: the parent wins even with the higher PID (PIDs wrap) */
	struct list_ring a[] = {
		ring(10, 0x7000, 4096, 1, 100, 900),
		ring(900, 0x7000, 4096, 1, 100, 1),
	};
	/* unknown start times lose against known ones */
	struct list_ring b[] = {
		ring(5, 0x7000, 4096, 2, 0, 1),
		ring(6, 0x7000, 4096, 2, 300, 1),
	};
	/* different devices are different rings even with the same inode */
	struct list_ring c[] = {
		ring(5, 0x7000, 4096, 3, 1, 1),
		ring(6, 0x7000, 4096, 3, 2, 1),
	};

	(void)state;
	list_group_rings(a, 2);
	assert_int_equal(a[0].owner, 900);
	list_group_rings(b, 2);
	assert_int_equal(b[0].owner, 6);
	c[1].map.dev_minor = 0x13;
	list_group_rings(c, 2);
	assert_int_equal(c[0].group_size, 1);
	assert_int_equal(c[1].owner, 6);
	assert_int_equal(list_group_rings(NULL, 0), 0);
}

static void a_probe_names_the_owner(void **state)
{
	/* the child started first by the clock (PIDs and ticks can mislead), but the
	 * probe found the context live in 200 */
	struct list_ring r[] = {
		ring(300, 0x7000, 4096, 42, 100, 1),
		ring(200, 0x7000, 4096, 42, 400, 1),
		ring(400, 0x7000, 4096, 42, 500, 200),
	};

	(void)state;
	list_group_rings(r, 3);
	assert_int_equal(r[1].owner, 300);
	r[1].liveness = LIVENESS_LIVE;
	r[0].liveness = r[2].liveness = LIVENESS_INHERITED;
	list_owner_from_liveness(r, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(r[i].owner, 200);
	assert_string_equal(list_ring_state(&r[0]), "inherited");
}

static void fits_the_budget(void **state)
{
	(void)state;
	assert_true(budget_fit(10, 620, 10) == 0.0);
	assert_true(budget_fit(10, 620, 5) == 0.0);      /* aio-nr below what we saw: clamp */
	assert_true(budget_fit(10, 620, 620) == 1.0);
	assert_true(budget_fit(10, 620, 9999) == 1.0);   /* rings we could not see */
	assert_true(budget_fit(0, 100, 25) == 0.25);
	assert_true(budget_fit(7, 7, 100) == 0.0);
}

static void summaries(void **state)
{
	/* 2 CPUs.  pid 20: one 17-page ring (1023-1086) and an inherited copy of pid 10's
	 * ring; pid 10: two 1-page rings (1-62 each); pid 30: a 3-page ring (127-190). */
	struct list_ring r[] = {
		ring(10, 0x1000, 4096, 1, 5, 1),
		ring(10, 0x3000, 4096, 2, 5, 1),
		ring(20, 0x1000, 4096, 1, 6, 10),
		ring(20, 0x9000, 17 * 4096, 3, 6, 10),
		ring(30, 0x1000, 3 * 4096, 4, 7, 1),
	};
	struct proc_summary *s;
	double fit;
	long n;

	(void)state;
	list_group_rings(r, 5);
	/* aio-nr exactly the sum of the lower bounds: every estimate is its lower bound */
	n = list_summarize(r, 5, 2, 1 + 1 + 1023 + 127, &s, &fit);
	assert_int_equal(n, 3);
	assert_true(fit == 0.0);
	assert_int_equal(s[0].pid, 20);
	assert_int_equal(s[0].rings, 2);
	assert_int_equal(s[0].owned, 1);
	assert_int_equal(s[0].slots, 127 + 2175);
	assert_int_equal(s[0].req_lo, 1023);
	assert_int_equal(s[0].req_hi, 1086);
	assert_true(s[0].req_est == 1023.0);
	assert_int_equal(s[1].pid, 30);
	assert_int_equal(s[2].pid, 10);
	assert_int_equal(s[2].rings, 2);
	assert_int_equal(s[2].req_lo, 2);
	assert_int_equal(s[2].req_hi, 124);
	free(s);
	/* aio-nr halfway between the sums: every ring halfway through its range */
	n = list_summarize(r, 5, 2, (1152 + 1400) / 2, &s, &fit);
	assert_true(fit == 0.5);
	assert_true(s[0].req_est == 1023 + 31.5);
	assert_true(s[2].req_est == 2 + 61.0);
	free(s);
	n = list_summarize(r, 0, 2, 0, &s, &fit);
	assert_int_equal(n, 0);
	free(s);
}

static void cgroups(void **state)
{
	char out[256];

	(void)state;
	assert_true(cgroup_pick_path("0::/system.slice/mysql.service\n", out, sizeof(out)));
	assert_string_equal(out, "/system.slice/mysql.service");
	/* libproc2's comma-joined v1 lines, with commas inside controller lists */
	assert_true(cgroup_pick_path("4:cpu,cpuacct:/a,9:name=systemd:/system.slice/x.service,0::/", out, sizeof(out)));
	assert_string_equal(out, "/system.slice/x.service");
	assert_true(cgroup_pick_path("4:memory:/process_api/5d6a", out, sizeof(out)));
	assert_string_equal(out, "/process_api/5d6a");
	assert_true(cgroup_pick_path("12:pids:/p\n11:memory:/m\n0::/v2\n", out, sizeof(out)));
	assert_string_equal(out, "/v2");
	assert_false(cgroup_pick_path("0::/\n1:cpu:/\n", out, sizeof(out)));
	assert_false(cgroup_pick_path("", out, sizeof(out)));
	assert_false(cgroup_pick_path("-", out, sizeof(out)));
	assert_false(cgroup_pick_path("garbage:", out, sizeof(out)));

	assert_true(cgroup_unit("/system.slice/mysql.service", out, sizeof(out)));
	assert_string_equal(out, "mysql.service");
	assert_true(cgroup_unit("/system.slice/docker-ab12.scope/x", out, sizeof(out)));
	assert_string_equal(out, "docker-ab12.scope");
	assert_true(cgroup_unit("/user.slice/user-1000.slice/user@1000.service/app.slice/a.service", out, sizeof(out)));
	assert_string_equal(out, "user@1000.service");
	assert_true(cgroup_unit("/init.scope", out, sizeof(out)));
	assert_string_equal(out, "init.scope");
	assert_false(cgroup_unit("/user.slice", out, sizeof(out)));
	assert_false(cgroup_unit("/process_api/5d6a", out, sizeof(out)));
	assert_false(cgroup_unit("/", out, sizeof(out)));
	assert_false(cgroup_unit("/.service", out, sizeof(out)));
}

/* list's scan threads read /proc/PID/cgroup themselves (procinfo_add_cgroup); the path
 * picked from it must be the one picked from libproc2's form, for every process here. */
static void cgroups_read_directly_as_libproc2(void **state)
{
	struct proc_table read = { 0 }, direct = { 0 };
	struct buf b = { 0 };
	pid_t *pids;
	size_t n, compared = 0;

	(void)state;
	assert_int_equal(procinfo_list_pids(&pids, &n), 0);
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++)
		if (pids[i] != getpid() && procinfo_add_cgroup(&read, pids[i], &b) == -ENOMEM)
			fail();
	assert_int_equal(procinfo_add_cgroup(&read, getpid(), &b), 0);
	/* taken over and sorted by PID, as list merges its threads' tables */
	assert_int_equal(procinfo_table_take(&direct, &read), 0);
	assert_int_equal(read.n, 0);
	for (size_t i = 1; i < direct.n; i++)
		assert_true(direct.v[i - 1].pid < direct.v[i].pid);
	for (size_t i = 0; i < direct.n; i++) {
		struct proc_info lib = { 0 };
		char a[4096], c[4096];
		bool pa, pc;

		if (procinfo_fetch(&direct.v[i].pid, 1, 0, PROCINFO_CGROUP, &lib) < 0 || !lib.pid) {
			procinfo_free(&lib, 1);
			continue;      /* gone meanwhile */
		}
		pa = cgroup_pick_path(direct.v[i].cgroup, a, sizeof(a));
		pc = cgroup_pick_path(lib.cgroup, c, sizeof(c));
		assert_int_equal(pa, pc);
		if (pa)
			assert_string_equal(a, c);
		compared++;
		procinfo_free(&lib, 1);
	}
	assert_true(compared > 0);
	assert_null(procinfo_lookup(&direct, -1));
	assert_non_null(procinfo_lookup(&direct, getpid()));
	procinfo_table_free(&direct);
	buf_free(&b);
	free(pids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(states),
		cmocka_unit_test(groups_and_owners),
		cmocka_unit_test(owner_ties),
		cmocka_unit_test(a_probe_names_the_owner),
		cmocka_unit_test(fits_the_budget),
		cmocka_unit_test(summaries),
		cmocka_unit_test(cgroups),
		cmocka_unit_test(cgroups_read_directly_as_libproc2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
