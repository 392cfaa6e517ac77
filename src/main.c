/* aioctl: list, inspect and move Linux AIO rings.  This file only dispatches. */
#include "aioctl.h"
#include "commands.h"

#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "list",  cmd_list,  "list the AIO rings of processes and the system's aio-nr budget" },
	{ "dump",  cmd_dump,  "decode one process's ring headers and pending completions" },
	{ "refs",  cmd_refs,  "show the references to a ring that a move would rewrite" },
	{ "move",  cmd_move,  "move a live process's ring to another address" },
	{ "check", cmd_check, "test whether this kernel and user can do what aioctl needs" },
};

const char *argp_program_version = "aioctl " AIOCTL_VERSION;
const char *argp_program_bug_address = NULL;

static char doc[] =
	"Inspect and relocate the Linux AIO rings that io_setup(2) maps into processes."
	"\vCommands:\n"
	"  list [PID...]     list the AIO rings of processes and the aio-nr budget\n"
	"  dump PID          decode ring headers and pending completions\n"
	"  refs PID          show the references a move would rewrite\n"
	"  move PID ADDR     move a live process's ring to ADDR\n"
	"  check             test what this kernel and user allow\n"
	"\n'aioctl COMMAND --help' describes each command.\n"
	"Exit status: 0 success, 1 nothing found, 2 usage error, 3 permission denied,\n"
	"4 no such process, 5 refused or failed with the target unchanged,\n"
	"6 failed and the target could not be restored.";

struct global_args {
	int cmd_index;     /* argv index of the command word, 0 if none */
};

static error_t parse_global(int key, char *arg, struct argp_state *state)
{
	struct global_args *g = state->input;

	(void)arg;
	switch (key) {
	case ARGP_KEY_ARG:
		/* The first non-option word is the command; the rest belongs to it. */
		g->cmd_index = state->next - 1;
		state->next = state->argc;
		return 0;
	case ARGP_KEY_NO_ARGS:
		argp_error(state, "no command given");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

int main(int argc, char **argv)
{
	static const struct argp argp = { NULL, parse_global, "COMMAND [ARG...]", doc, NULL, NULL, NULL };
	struct global_args g = { 0 };
	char name[64];
	int status;

	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &g) != 0 || g.cmd_index == 0)
		return EXIT_USAGE;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(argv[g.cmd_index], commands[i].name) != 0)
			continue;
		/* argv[0] becomes "aioctl COMMAND" so that argp's usage lines read naturally. */
		snprintf(name, sizeof(name), "aioctl %s", commands[i].name);
		argv[g.cmd_index] = name;
		status = commands[i].run(argc - g.cmd_index, argv + g.cmd_index);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			errmsg("write error on standard output");
			if (status == EXIT_OK)
				status = EXIT_REFUSED;
		}
		return status;
	}
	return usage_error(NULL, "unknown command '%s'", argv[g.cmd_index]);
}
