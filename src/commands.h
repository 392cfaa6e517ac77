/* One entry point per subcommand (src/cmd_*.c), dispatched from main.c.
 * Each receives argv with argv[0] = "aioctl COMMAND" and returns an exit status. */
#ifndef AIOCTL_COMMANDS_H
#define AIOCTL_COMMANDS_H

int cmd_list(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_move(int argc, char **argv);
int cmd_refs(int argc, char **argv);
int cmd_check(int argc, char **argv);

#endif
