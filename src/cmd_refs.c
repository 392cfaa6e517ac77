/* PLACEHOLDER: replaced by the real command. */
#include "aioctl.h"
#include "commands.h"
int cmd_refs(int argc, char **argv) { (void)argc; (void)argv; errmsg("refs: not implemented yet"); return EXIT_REFUSED; }
