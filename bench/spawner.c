/* Starts N idle processes, the first R of which hold one AIO ring each, for the list
 * benchmarks.  Prints "ready PID" (its own PID, the parent of all) once every child is
 * set up; on SIGTERM/SIGINT it kills its children and exits.
 *   spawner -n N -r R */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/aio_abi.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	unsigned n = 100, rings = 0;
	int opt, ready[2];

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = (unsigned)atoi(optarg);
		else if (opt == 'r')
			rings = (unsigned)atoi(optarg);
		else
			return 2;
	}
	if (pipe(ready) != 0)
		return 1;
	/* Our own process group: kill(0, ...) below must reach our children, not the
	 * benchmark script that started us. */
	if (setpgid(0, 0) != 0)
		return 1;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (unsigned i = 0; i < n; i++) {
		pid_t c = fork();
		if (c < 0) {
			perror("fork");
			kill(0, SIGTERM);
			return 1;
		}
		if (c == 0) {
			aio_context_t ctx = 0;
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (i < rings && syscall(SYS_io_setup, 1, &ctx) != 0) {
				perror("io_setup");
				_exit(1);
			}
			if (write(ready[1], "x", 1) != 1)
				_exit(1);
			close(ready[0]);
			close(ready[1]);
			for (;;)
				pause();
		}
	}
	close(ready[1]);
	for (unsigned got = 0; got < n;) {
		char b[256];
		ssize_t r = read(ready[0], b, sizeof(b));
		if (r <= 0) {
			fprintf(stderr, "spawner: a child failed\n");
			kill(0, SIGKILL);
			return 1;
		}
		got += (unsigned)r;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (!stop)
		pause();
	signal(SIGTERM, SIG_IGN);
	kill(0, SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}
