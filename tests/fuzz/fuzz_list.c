/* libFuzzer harness for what `aioctl list` does with text it does not control: column
 * lists from -o, command names and cgroup paths from processes, and maps buffers searched
 * for ring lines.  Invariants: escaped text holds no control byte, sanitized text is
 * valid UTF-8 (jansson accepts it), parsing never reads outside its input. */
#include "columns.h"
#include "maps.h"
#include "ringlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct column_desc cols[] = {
	{ "PID", "pid", COL_NUMBER, COL_RIGHT, true, "" },
	{ "COMMAND", "comm", COL_STRING, COL_LEFT, true, "" },
	{ "REQ-MIN", "req_min", COL_NUMBER, COL_RIGHT, false, "" },
	{ "SHARED", "shared", COL_ARRAY, COL_LEFT, false, "" },
};

static void check_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *str = malloc(size + 1), *esc, *san, out[256];
	int ids[8] = { 0, 1 };
	size_t n = 2, bad_len, pos = 0, ll;
	const char *bad, *line;
	json_t *j;

	if (!str)
		return 0;
	memcpy(str, data, size);
	str[size] = '\0';

	if (columns_parse_list(cols, 4, str, ids, &n, 8, &bad, &bad_len) == 0) {
		if (n > 8)
			abort();
		for (size_t i = 0; i < n; i++)
			if (ids[i] < 0 || ids[i] >= 4)
				abort();
	} else if (bad && (bad < str || bad + bad_len > str + size)) {
		abort();
	}

	esc = col_escape((const char *)data, size, true);
	check_escaped(esc);
	if (strchr(esc, ' '))
		abort();
	free(esc);
	esc = col_escape((const char *)data, size, false);
	check_escaped(esc);
	(void)utf8_width(esc);
	free(esc);

	san = utf8_sanitize((const char *)data, size);
	j = json_string(san);
	if (!j)
		abort();
	json_decref(j);
	free(san);

	/* A row with this command name, streamed as JSON, is exactly what jansson writes. */
	{
		int cids[] = { 0, 1 };
		struct col_table *t = col_table_new(cols, 4, cids, 2, -1);
		char *streamed = NULL, *dumped;
		size_t len = 0;
		FILE *f = open_memstream(&streamed, &len);
		long r = col_table_add_row(t);
		json_t *row;

		col_set_u64(t, r, 0, size);
		col_set_str(t, r, 1, str);
		if (col_table_print_json_rows(t, "", f) != 0)
			abort();
		fclose(f);
		row = col_table_row_json(t, 0);
		dumped = json_dumps(row, JSON_REAL_PRECISION(6));
		if (!dumped || strlen(streamed) != strlen(dumped) + 1 ||
		    memcmp(streamed, dumped, strlen(dumped)) != 0)
			abort();
		free(dumped);
		json_decref(row);
		free(streamed);
		col_table_free(t);
	}

	if (cgroup_pick_path(str, out, sizeof(out)) && strlen(out) >= sizeof(out))
		abort();
	if (cgroup_unit(str, out, sizeof(out)) && (strlen(out) >= sizeof(out) || strchr(out, '/')))
		abort();

	while ((line = maps_next_ring_line((const char *)data, size, &pos, &ll))) {
		if (line < (const char *)data || line + ll > (const char *)data + size || pos > size)
			abort();
	}
	free(str);
	return 0;
}
