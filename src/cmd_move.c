/* PLACEHOLDER: replaced by the real command. */
#include "aioctl.h"
#include "commands.h"
int cmd_move(int argc, char **argv) { (void)argc; (void)argv; errmsg("move: not implemented yet"); return EXIT_REFUSED; }
