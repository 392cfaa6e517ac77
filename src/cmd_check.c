/* PLACEHOLDER: replaced by the real command. */
#include "aioctl.h"
#include "commands.h"
int cmd_check(int argc, char **argv) { (void)argc; (void)argv; errmsg("check: not implemented yet"); return EXIT_REFUSED; }
