/* libFuzzer harness: /proc/PID/maps text as a hostile process (or kernel) might present
 * it.  Every line is parsed; each entry's derived strings are built. */
#include "maps.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	size_t pos = 0, ll;
	const char *line;
	const char *buf = (const char *)data;

	(void)maps_may_contain_ring(buf, size);
	while ((line = maps_next_line(buf, size, &pos, &ll))) {
		struct map_entry e;
		char out[64], tiny[2];

		if (maps_parse_line(line, ll, &e) != 0)
			continue;
		if (e.start >= e.end || e.path < line || e.path + e.path_len > line + ll)
			abort();
		(void)maps_entry_is_ring_candidate(&e);
		maps_path_decode(&e, out, sizeof(out));
		if (strlen(out) >= sizeof(out))
			abort();
		maps_path_decode(&e, tiny, sizeof(tiny));
		maps_short_name(&e, out, sizeof(out));
	}
	return 0;
}
