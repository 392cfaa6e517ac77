/* libFuzzer harness: command-line values (PIDs and addresses). */
#include "aioctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char s[64];
	pid_t pid;
	uint64_t addr;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (parse_pid(s, &pid) && pid <= 0)
		abort();
	if (parse_addr(s, &addr)) {
		/* What parses must print back to an equivalent value. */
		char again[32];
		uint64_t back;
		snprintf(again, sizeof(again), "0x%llx", (unsigned long long)addr);
		if (!parse_addr(again, &back) || back != addr)
			abort();
	}
	return 0;
}
