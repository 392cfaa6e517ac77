/* PLACEHOLDER: replaced by the real command. */
#include "aioctl.h"
#include "commands.h"
int cmd_dump(int argc, char **argv) { (void)argc; (void)argv; errmsg("dump: not implemented yet"); return EXIT_REFUSED; }
