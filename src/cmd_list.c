/* PLACEHOLDER: replaced by the real command. */
#include "aioctl.h"
#include "commands.h"
int cmd_list(int argc, char **argv) { (void)argc; (void)argv; errmsg("list: not implemented yet"); return EXIT_REFUSED; }
