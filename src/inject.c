/* The ptrace edge: freezing a whole process, running system calls inside it through a
 * `syscall` instruction it already has, and thawing it exactly as it was.
 *
 * Why the restart fix-up matters: threads stay in the PTRACE_EVENT_STOP our interrupt
 * caused, and leaving that stop runs the kernel's own syscall-restart logic on whatever
 * registers we put back.  The injector thread instead ends in a syscall-exit stop, past
 * that logic, so thaw applies the same rule itself (arch_restart_fixup). */
#include "inject.h"

#include <dirent.h>
#include <sched.h>
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "maps.h"
#include "target.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

static const int guarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

static void guarded_set(sigset_t *s)
{
	sigemptyset(s);
	for (size_t i = 0; i < ARRAY_SIZE(guarded_signals); i++)
		sigaddset(s, guarded_signals[i]);
}

struct proc_status {
	char state;
	pid_t tracer;
	int seccomp;
};

static int read_status(pid_t pid, struct proc_status *ps)
{
	char path[64];
	struct buf b = { 0 };
	int r;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	r = buf_read_file(&b, path);
	if (r < 0) {
		buf_free(&b);
		return r == -ENOENT ? -ESRCH : r;
	}
	for (char *line = b.data; line && *line; ) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(line, "State:", 6))
			sscanf(line + 6, " %c", &ps->state);
		else if (!strncmp(line, "TracerPid:", 10))
			ps->tracer = (pid_t)atoi(line + 10);
		else if (!strncmp(line, "Seccomp:", 8))
			ps->seccomp = atoi(line + 8);
		line = nl ? nl + 1 : NULL;
	}
	buf_free(&b);
	return 0;
}

/* ELF class of the executable: 1 (32-bit), 2 (64-bit), or 0 when unknown. */
static int exe_class(pid_t pid)
{
	char path[64];
	unsigned char id[5];
	FILE *fp;
	int cls = 0;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fp = fopen(path, "re");
	if (!fp)
		return 0;
	if (fread(id, 1, sizeof(id), fp) == sizeof(id) && !memcmp(id, "\177ELF", 4))
		cls = id[4];
	fclose(fp);
	return cls;
}

static bool have_cap(int cap)
{
	struct buf b = { 0 };
	unsigned long long eff = 0;
	char *p;

	if (buf_read_file(&b, "/proc/self/status") == 0 && (p = strstr(b.data, "CapEff:")))
		eff = strtoull(p + 7, NULL, 16);
	buf_free(&b);
	return (eff >> cap) & 1;
}

#define QUIET(flags) ((flags) & FREEZE_QUIET)

int inject_precheck(pid_t pid, unsigned flags)
{
	struct proc_status ps;
	int r = read_status(pid, &ps);

	if (pid == getpid()) {
		if (!QUIET(flags))
			errmsg("pid %d: refused: that is aioctl itself", (int)pid);
		return EXIT_REFUSED;
	}
	if (r < 0) {
		if (!QUIET(flags))
			errmsg_errno(-r, "pid %d", (int)pid);
		return exit_for_errno(-r);
	}
	if (ps.state == 'Z' || ps.state == 'X') {
		if (!QUIET(flags))
			errmsg("pid %d: refused: the process is a zombie or exiting", (int)pid);
		return EXIT_REFUSED;
	}
	if (ps.tracer) {
		if (!QUIET(flags))
			errmsg("pid %d: refused: already traced by pid %d", (int)pid, (int)ps.tracer);
		return EXIT_REFUSED;
	}
	if (exe_class(pid) == 1) {
		if (!QUIET(flags))
			errmsg("pid %d: refused: 32-bit process (aioctl handles %s processes only)",
			       (int)pid, ARCH_NAME);
		return EXIT_REFUSED;
	}
	/* A filter could kill the process for an injected call; only suspending it is safe,
	 * and PTRACE_O_SUSPEND_SECCOMP needs CAP_SYS_ADMIN. */
	if (ps.seccomp == 2 && !have_cap(21)) {
		if (!QUIET(flags))
			errmsg("pid %d: refused: seccomp filter active and it cannot be suspended "
			       "without CAP_SYS_ADMIN", (int)pid);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

static struct frozen_thread *find_thread(struct frozen *f, pid_t tid)
{
	for (size_t i = 0; i < f->nthreads; i++)
		if (f->threads[i].tid == tid)
			return &f->threads[i];
	return NULL;
}

static struct frozen_thread *add_thread(struct frozen *f, pid_t tid)
{
	if (f->nthreads == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 16;
		struct frozen_thread *n = realloc(f->threads, ncap * sizeof(*n));
		if (!n)
			return NULL;
		f->threads = n;
		f->cap = ncap;
	}
	memset(&f->threads[f->nthreads], 0, sizeof(f->threads[0]));
	f->threads[f->nthreads].tid = tid;
	return &f->threads[f->nthreads++];
}

static void hold_signal(struct frozen_thread *t, int sig)
{
	for (unsigned i = 0; i < t->nheld; i++)
		if (t->held[i] == sig && sig < SIGRTMIN)
			return;     /* standard signals do not queue: once is what the app gets */
	if (t->nheld < MAX_HELD_SIGNALS)
		t->held[t->nheld++] = sig;
}

/* The pidfd only becomes readable once we, the tracer, have collected every thread's
 * exit; a SIGKILLed target shows first as a zombie (or vanishes) in /proc. */
static bool process_dead(struct frozen *f)
{
	struct pollfd p = { .fd = f->pidfd, .events = POLLIN };
	struct proc_status ps;

	if (f->dead)
		return true;
	if ((f->pidfd >= 0 && poll(&p, 1, 0) == 1) || read_status(f->pid, &ps) < 0 ||
	    ps.state == 'Z' || ps.state == 'X')
		f->dead = true;
	return f->dead;
}

bool frozen_alive(struct frozen *f)
{
	return !process_dead(f);
}

/* A ptrace request on a thread we hold in a ptrace-stop failed, or the thread exited.
 * Such a thread stops answering (ESRCH) only when it is being killed, and with every
 * thread held that can only be a SIGKILL, which takes the whole process.  The failure
 * itself is the proof: /proc may not show a zombie for tens of ms yet (exit_aio waits out
 * an RCU grace period).  Returns -err. */
static int held_thread_failed(struct frozen *f, struct frozen_thread *t, int err)
{
	if (err == ESRCH) {
		t->gone = true;
		f->dead = true;
	}
	return -err;
}

/* Polling a stop that does not come (a thread in uninterruptible sleep) for longer than
 * this would only burn a CPU. */
#define POLL_BUDGET_US 2000

/* waitpid(tid, st, __WALL), polling first: a stop comes within tens of microseconds,
 * and sleeping instead costs a wake-up of an idle CPU, which virtual machines make
 * slow (100 µs and more when the host has descheduled the vCPU).  Polling also keeps
 * aioctl on its CPU, whose caches the warm-up filled.  sched_yield lets a tracee that
 * shares our CPU run; past the polling budget it sleeps as usual. */
static pid_t wait_stop(pid_t tid, int *st)
{
	uint64_t until = now_us() + POLL_BUDGET_US;
	pid_t w;

	do {
		w = waitpid(tid, st, __WALL | WNOHANG);
		if (w != 0)
			return w;
		sched_yield();
	} while (now_us() < until);
	return waitpid(tid, st, __WALL);
}

/* Waits for the first stop of a freshly seized and interrupted thread. */
static int wait_first_stop(struct frozen *f, struct frozen_thread *t)
{
	int st;

	for (;;) {
		pid_t w = wait_stop(t->tid, &st);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			t->gone = true;
			return 0;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			t->gone = true;
			if (t->tid == f->pid)
				f->dead = true;
			return 0;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (!f->first_stop_us)
			f->first_stop_us = now_us();
		if ((st >> 16) == PTRACE_EVENT_STOP) {
			t->stop = STOP_EVENT;
		} else if ((st >> 16) == 0) {
			/* It had dequeued a signal before our interrupt: keep it in this stop and
			 * hand the signal back at detach (siginfo intact). */
			t->stop = STOP_SIGNAL;
			t->pending_sig = WSTOPSIG(st);
		} else {
			/* Another event stop (we ask for none): treat as a plain stop. */
			t->stop = STOP_EVENT;
		}
		if (ptrace(PTRACE_GETREGS, t->tid, NULL, &t->saved) != 0) {
			if (errno == ESRCH) {
				t->gone = true;
				return 0;
			}
			return -errno;
		}
		t->resume = t->saved;
		t->in_syscall = arch_syscall_nr(&t->saved) >= 0;
		/* io_getevents is never restarted by the kernel: our stop made it return EINTR.
		 * Resuming re-issues it so that the application does not see that EINTR. */
		if (t->stop == STOP_EVENT && arch_syscall_nr(&t->saved) == ARCH_NR_IO_GETEVENTS &&
		    arch_retval(&t->saved) == -EINTR) {
			t->reissue_getevents = true;
			arch_reissue_syscall(&t->resume);
		}
		return 0;
	}
}

static int read_tids(pid_t pid, pid_t **tids, size_t *n)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	size_t cap = 0;

	*tids = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			pid_t *nt = realloc(*tids, ncap * sizeof(*nt));
			if (!nt) {
				closedir(d);
				return -ENOMEM;
			}
			*tids = nt;
			cap = ncap;
		}
		(*tids)[(*n)++] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	return 0;
}

static int find_vdso_syscall(pid_t pid, uint64_t *insn)
{
	char path[64];
	struct buf b = { 0 };
	size_t pos = 0, ll;
	const char *line;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (buf_read_file(&b, path) < 0) {
		buf_free(&b);
		return -ESRCH;
	}
	while ((line = maps_next_line(b.data, b.len, &pos, &ll))) {
		struct map_entry e;
		if (maps_parse_line(line, ll, &e) != 0 || e.path_len != 6 ||
		    memcmp(e.path, "[vdso]", 6) != 0)
			continue;
		size_t len = (size_t)(e.end - e.start);
		unsigned char *code = malloc(len);
		if (!code)
			break;
		ssize_t got = target_read(pid, e.start, code, len);
		if (got > 0) {
			unsigned char *hit = memmem(code, (size_t)got, arch_syscall_insn,
						    ARCH_SYSCALL_INSN_LEN);
			if (hit) {
				*insn = e.start + (uint64_t)(hit - code);
				r = 0;
			}
		}
		free(code);
		break;
	}
	buf_free(&b);
	return r;
}

/* Whether the `syscall` instruction found before the freeze is still at insn (a
 * process could have remapped its vDSO in between, as CRIU's restore does). */
static bool syscall_insn_still_there(pid_t pid, uint64_t insn)
{
	unsigned char code[ARCH_SYSCALL_INSN_LEN];

	return insn && target_read(pid, insn, code, sizeof(code)) == sizeof(code) &&
	       !memcmp(code, arch_syscall_insn, sizeof(code));
}

/* Fallback: the instruction a thread stopped in a syscall came from. */
static int find_thread_syscall(struct frozen *f, uint64_t *insn)
{
	for (size_t i = 0; i < f->nthreads; i++) {
		struct frozen_thread *t = &f->threads[i];
		unsigned char code[ARCH_SYSCALL_INSN_LEN];
		uint64_t at = arch_pc(&t->saved) - ARCH_SYSCALL_INSN_LEN;

		if (t->gone || !t->in_syscall)
			continue;
		if (target_read(f->pid, at, code, sizeof(code)) == sizeof(code) &&
		    !memcmp(code, arch_syscall_insn, sizeof(code))) {
			*insn = at;
			return 0;
		}
	}
	return -ENOENT;
}

static void detach_all_untouched(struct frozen *f)
{
	for (size_t i = 0; i < f->nthreads; i++) {
		struct frozen_thread *t = &f->threads[i];
		if (!t->gone)
			ptrace(PTRACE_DETACH, t->tid, NULL,
			       (void *)(long)(t->stop == STOP_SIGNAL ? t->pending_sig : 0));
	}
	f->last_resume_us = now_us();
}

static void freeze_cleanup(struct frozen *f)
{
	free(f->threads);
	f->threads = NULL;
	f->nthreads = f->cap = 0;
	if (f->pidfd >= 0)
		close(f->pidfd);
	f->pidfd = -1;
}

/* Touches, ahead of the freeze, the memory aioctl will touch while the target is frozen:
 * a page touched for the first time costs a fault, and a fault costs 10-30 µs in a
 * virtual machine with shadow paging (27 µs measured on the development VM, against
 * 0.02 µs for a page already touched).  Freed heap is kept rather than trimmed, so that
 * the buffers allocated while frozen come from warm pages. */
#define WARM_HEAP (512u << 10)
#define WARM_STACK (128u << 10)

static __attribute__((noinline)) void warm_stack(void)
{
	volatile unsigned char area[WARM_STACK];

	for (size_t i = 0; i < sizeof(area); i += 4096)
		area[i] = 0;
}

static void warm_up(void)
{
	static bool done;
	void *p;

	if (done)
		return;
	done = true;
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	p = malloc(WARM_HEAP);
	if (p) {
		memset(p, 1, WARM_HEAP);
		__asm__ volatile("" : : "r"(p) : "memory");   /* the stores must happen */
		free(p);
	}
	warm_stack();
	(void)now_us();         /* the vDSO clock's data pages fault in on first use */
}

int freeze_process(pid_t pid, unsigned flags, struct frozen *f)
{
	sigset_t guard;
	int status, r;
	long opts = PTRACE_O_TRACESYSGOOD;
	struct proc_status ps;
	uint64_t vdso_insn = 0;
	bool have_vdso;

	memset(f, 0, sizeof(*f));
	f->pid = pid;
	f->pidfd = -1;
	status = inject_precheck(pid, flags);
	if (status != EXIT_OK)
		return status;
	f->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* Without pidfd_open (kernels before 5.3, valgrind) the threads are pinned only once
	 * seized: a traced task's PID is not reused until its tracer lets go, and death is
	 * then seen in /proc (process_dead). */
	if (f->pidfd < 0 && errno != ENOSYS) {
		int e = errno;
		if (!QUIET(flags))
			errmsg_errno(e, "pid %d: cannot pin the process", (int)pid);
		return exit_for_errno(e);
	}
	if (read_status(pid, &ps) == 0 && ps.seccomp == 2) {
		opts |= PTRACE_O_SUSPEND_SECCOMP;
		f->seccomp_suspended = true;
	}

	warm_up();
	/* Looked up before the freeze, to keep reading the maps out of the frozen window;
	 * confirmed afterwards with a two-byte read. */
	have_vdso = find_vdso_syscall(pid, &vdso_insn) == 0;

	guarded_set(&guard);
	sigprocmask(SIG_BLOCK, &guard, &f->saved_sigmask);

	/* Threads can only be created by running threads: once a pass over the task list
	 * finds nothing new and everything seen is stopped, the set is complete. */
	for (;;) {
		pid_t *tids;
		size_t n, first_new = f->nthreads;

		r = read_tids(pid, &tids, &n);
		if (r < 0) {
			status = exit_for_errno(-r);
			if (!QUIET(flags))
				errmsg_errno(-r, "pid %d: cannot list threads", (int)pid);
			goto fail;
		}
		for (size_t i = 0; i < n; i++) {
			struct frozen_thread *t;
			if (find_thread(f, tids[i]))
				continue;
			if (ptrace(PTRACE_SEIZE, tids[i], NULL, (void *)opts) != 0) {
				int e = errno;
				pid_t tid = tids[i];
				if (e == ESRCH)
					continue;       /* exited between listing and seizing */
				free(tids);
				if (!QUIET(flags)) {
					if (e == EPERM && f->nthreads == 0)
						errmsg_errno(e, "pid %d: cannot attach with ptrace", (int)pid);
					else
						errmsg_errno(e, "pid %d: cannot attach thread %d", (int)pid,
							     (int)tid);
				}
				status = e == EPERM && f->seccomp_suspended ? EXIT_REFUSED
				       : exit_for_errno(e);
				goto fail;
			}
			t = add_thread(f, tids[i]);
			if (!t) {
				ptrace(PTRACE_DETACH, tids[i], NULL, NULL);
				free(tids);
				status = EXIT_REFUSED;
				goto fail;
			}
			if (ptrace(PTRACE_INTERRUPT, tids[i], NULL, NULL) != 0 && errno == ESRCH)
				t->gone = true;
		}
		free(tids);
		if (first_new == f->nthreads)
			break;
		for (size_t i = first_new; i < f->nthreads; i++) {
			if (f->threads[i].gone)
				continue;
			r = wait_first_stop(f, &f->threads[i]);
			if (r < 0) {
				if (!QUIET(flags))
					errmsg_errno(-r, "pid %d: thread %d", (int)pid,
						     (int)f->threads[i].tid);
				status = EXIT_REFUSED;
				goto fail;
			}
		}
		if (f->dead)
			break;
	}
	if (process_dead(f) || f->nthreads == 0) {
		if (!QUIET(flags))
			errmsg("pid %d: the process exited while being frozen", (int)pid);
		status = EXIT_REFUSED;
		goto fail;
	}
	for (size_t i = 0; i < f->nthreads; i++) {
		if (!f->threads[i].gone && arch_is_compat(&f->threads[i].saved)) {
			if (!QUIET(flags))
				errmsg("pid %d: refused: thread %d runs 32-bit code", (int)pid,
				       (int)f->threads[i].tid);
			status = EXIT_REFUSED;
			goto fail;
		}
	}
	/* The injector: a thread in a plain event stop, preferably one not inside a syscall
	 * (its restart state then needs no care at all). */
	f->injector = (size_t)-1;
	for (size_t i = 0; i < f->nthreads; i++) {
		struct frozen_thread *t = &f->threads[i];
		if (t->gone || t->stop != STOP_EVENT)
			continue;
		if (f->injector == (size_t)-1 || (f->threads[f->injector].in_syscall && !t->in_syscall))
			f->injector = i;
	}
	if (f->injector == (size_t)-1) {
		/* Every thread sits in a signal-delivery stop: none can run our calls without
		 * first handling its signal. */
		if (!QUIET(flags))
			errmsg("pid %d: refused: no thread is free to run system calls (signals being "
			       "delivered); try again", (int)pid);
		status = EXIT_REFUSED;
		goto fail;
	}
	if (!syscall_insn_still_there(pid, have_vdso ? vdso_insn : 0) &&
	    find_vdso_syscall(pid, &vdso_insn) != 0 &&
	    find_thread_syscall(f, &vdso_insn) != 0) {
		if (!QUIET(flags))
			errmsg("pid %d: refused: no syscall instruction found (no vDSO, no thread "
			       "in a syscall)", (int)pid);
		status = EXIT_REFUSED;
		goto fail;
	}
	f->syscall_insn = vdso_insn;
	return EXIT_OK;

fail:
	detach_all_untouched(f);
	freeze_cleanup(f);
	sigprocmask(SIG_SETMASK, &f->saved_sigmask, NULL);
	return status;
}

/* Resumes the injector with req and waits for its next syscall stop, holding back any
 * signal it dequeues meanwhile.  0, or -ESRCH when it died. */
static int step_to_syscall_stop(struct frozen *f, struct frozen_thread *t)
{
	int st;

	if (ptrace(PTRACE_SYSCALL, t->tid, NULL, NULL) != 0)
		return held_thread_failed(f, t, errno);
	for (;;) {
		pid_t w = wait_stop(t->tid, &st);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			return held_thread_failed(f, t, ESRCH);
		if (!WIFSTOPPED(st))
			continue;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80))
			return 0;
		if ((st >> 16) == 0)
			hold_signal(t, WSTOPSIG(st));
		/* Group-stops and signal stops: keep going, the signal is held for thaw. */
		if (ptrace(PTRACE_SYSCALL, t->tid, NULL, NULL) != 0)
			return held_thread_failed(f, t, errno);
	}
}

static int resume_registers(struct frozen_thread *t);

int remote_syscall(struct frozen *f, long nr, const long args[6], long *result)
{
	struct frozen_thread *t;
	arch_regs regs;
	struct __ptrace_syscall_info info;
	int r;

	/* No /proc check here: it costs more than the call, and a target that died makes
	 * the ptrace requests below fail with ESRCH anyway. */
	if (f->injector >= f->nthreads || f->dead)
		return -ESRCH;
	t = &f->threads[f->injector];
	if (t->gone)
		return -ESRCH;
	regs = t->saved;
	arch_prepare_syscall(&regs, f->syscall_insn, nr, args);
	if (ptrace(PTRACE_SETREGS, t->tid, NULL, &regs) != 0)
		return held_thread_failed(f, t, errno);
	f->injected = true;
	t->stop = STOP_SYSCALL;      /* from here on, thaw must use the exit-stop rules */
	/* Entry stop, then exit stop. */
	for (int phase = 0; phase < 2; phase++) {
		r = step_to_syscall_stop(f, t);
		if (r < 0)
			return r;
		memset(&info, 0, sizeof(info));
		if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info), &info) > 0) {
			if (phase == 0 && info.op != PTRACE_SYSCALL_INFO_ENTRY)
				return -EPROTO;
			if (phase == 1 && info.op != PTRACE_SYSCALL_INFO_EXIT)
				return -EPROTO;
		}
	}
	if (ptrace(PTRACE_GETREGS, t->tid, NULL, &regs) != 0)
		return held_thread_failed(f, t, errno);
	*result = arch_retval(&regs);
	/* Put the thread's own registers back at once rather than at thaw: should aioctl be
	 * killed before thawing, the kernel detaches the thread and it resumes where it was,
	 * not after our call inside the vDSO with our arguments in its registers. */
	r = resume_registers(t);
	return r < 0 ? held_thread_failed(f, t, -r) : 0;
}

/* Loads what thread t resumes with (its `resume` registers, with the restart fix-up when
 * it sits at a syscall stop).  0 or -errno. */
static int resume_registers(struct frozen_thread *t)
{
	arch_regs r = t->resume;

	if (t->stop == STOP_SYSCALL)
		arch_restart_fixup(&r);
	return ptrace(PTRACE_SETREGS, t->tid, NULL, &r) == 0 ? 0 : -errno;
}

int thaw_process(struct frozen *f)
{
	bool released = false;
	int ret = 0;

	for (size_t i = 0; i < f->nthreads; i++) {
		struct frozen_thread *t = &f->threads[i];
		int sig = t->stop == STOP_SIGNAL ? t->pending_sig : 0;
		int err = 0;

		if (t->gone)
			continue;
		if (t->stop == STOP_SYSCALL || memcmp(&t->resume, &t->saved, sizeof(t->resume)) != 0)
			err = -resume_registers(t);
		if (err != ESRCH) {
			/* Released even when its registers could not be put back (reported:
			 * EXIT_BROKEN), rather than left stopped until aioctl exits.  Signals
			 * the injector dequeued while running our calls go back to it; they are
			 * delivered once it runs again untraced. */
			for (unsigned k = 0; k < t->nheld; k++)
				syscall(SYS_tgkill, f->pid, t->tid, t->held[k]);
			if (ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(long)sig) == 0) {
				released = true;
				if (err)
					ret = -err;
				continue;
			}
			if (!err || errno == ESRCH)
				err = errno;
		}
		if (err != ESRCH) {
			ret = -err;
			continue;
		}
		/* Killed while held, as long as no thread ran yet.  Once one did, the
		 * application itself may have ended its other threads (an exit, a crash on the
		 * stale references --no-fix-refs leaves, an exec): that is not the
		 * operation's doing, and the move stands. */
		t->gone = true;
		if (!released) {
			f->dead = true;
			ret = -ESRCH;
		}
	}
	f->last_resume_us = now_us();
	if (f->pidfd >= 0)
		close(f->pidfd);
	f->pidfd = -1;
	return ret;
}

bool inject_signal_arrived(void)
{
	sigset_t pend;

	if (sigpending(&pend) != 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(guarded_signals); i++)
		if (sigismember(&pend, guarded_signals[i]))
			return true;
	return false;
}

int inject_release_signals(struct frozen *f)
{
	sigset_t guard;
	struct timespec zero = { 0, 0 };
	int sig = 0;

	guarded_set(&guard);
	if (inject_signal_arrived())
		sig = sigtimedwait(&guard, NULL, &zero);
	if (sig < 0)
		sig = 0;
	sigprocmask(SIG_SETMASK, &f->saved_sigmask, NULL);
	free(f->threads);
	f->threads = NULL;
	f->nthreads = f->cap = 0;
	return sig;
}

void inject_honour_signal(int sig)
{
	sigset_t s;

	fflush(stdout);
	fflush(stderr);
	signal(sig, SIG_DFL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	_exit(128 + sig);
}

int probe_liveness(pid_t pid, const uint64_t *addrs, size_t n, long *results)
{
	struct frozen f;
	int status = freeze_process(pid, FREEZE_QUIET, &f), sig;

	if (status != EXIT_OK)
		return status;
	for (size_t i = 0; i < n; i++) {
		const long args[6] = { (long)addrs[i], 0, 0, 0, 0, 0 };
		if (inject_signal_arrived() || remote_syscall(&f, SYS_io_getevents, args, &results[i]) < 0) {
			status = EXIT_REFUSED;
			break;
		}
	}
	if (thaw_process(&f) < 0)
		status = EXIT_REFUSED;
	sig = inject_release_signals(&f);
	if (sig)
		inject_honour_signal(sig);
	return status;
}
