/* columns.c: -o parsing, sizes, escaping, table/raw/JSON output and sorting. */
#include "unit.h"
#include "columns.h"
#include "aioctl.h"

#include <stdlib.h>

enum { C_PID, C_NAME, C_ADDR, C_SIZE, C_PCT, C_LIST };

static const struct column_desc cols[] = {
	[C_PID]  = { "PID", "pid", COL_NUMBER, COL_RIGHT, true, "process ID" },
	[C_NAME] = { "NAME", "name", COL_STRING, COL_LEFT, true, "a name" },
	[C_ADDR] = { "ADDR", "addr", COL_HEX, COL_RIGHT, false, "an address" },
	[C_SIZE] = { "SIZE", "size", COL_SIZE, COL_RIGHT, true, "a size" },
	[C_PCT]  = { "SHARE", "pct", COL_PERCENT, COL_RIGHT, false, "a share" },
	[C_LIST] = { "OTHERS", "others", COL_ARRAY, COL_LEFT, false, "some numbers" },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static void parses_lists(void **state)
{
	int ids[8];
	size_t n;
	const char *bad;
	size_t bad_len;

	(void)state;
	n = columns_defaults(cols, NCOLS, ids, 8);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], C_PID);
	assert_int_equal(ids[2], C_SIZE);
	/* replace, case-insensitive */
	assert_int_equal(columns_parse_list(cols, NCOLS, "addr,Pid", ids, &n, 8, &bad, &bad_len), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], C_ADDR);
	assert_int_equal(ids[1], C_PID);
	/* +LIST extends what is there */
	n = columns_defaults(cols, NCOLS, ids, 8);
	assert_int_equal(columns_parse_list(cols, NCOLS, "+SHARE,OTHERS", ids, &n, 8, &bad, &bad_len), 0);
	assert_int_equal(n, 5);
	assert_int_equal(ids[3], C_PCT);
	assert_int_equal(ids[4], C_LIST);
	/* unknown and empty names, named back to the caller; ids untouched */
	n = 1;
	assert_int_equal(columns_parse_list(cols, NCOLS, "PID,BOGUS,NAME", ids, &n, 8, &bad, &bad_len), -1);
	assert_int_equal(bad_len, 5);
	assert_memory_equal(bad, "BOGUS", 5);
	assert_int_equal(n, 1);
	assert_int_equal(columns_parse_list(cols, NCOLS, "PID,", ids, &n, 8, &bad, &bad_len), -1);
	assert_int_equal(bad_len, 0);
	assert_int_equal(columns_parse_list(cols, NCOLS, "", ids, &n, 8, &bad, &bad_len), -1);
	assert_int_equal(columns_parse_list(cols, NCOLS, "+", ids, &n, 8, &bad, &bad_len), -1);
	/* a prefix of a name is not the name */
	assert_int_equal(columns_parse_list(cols, NCOLS, "PI", ids, &n, 8, &bad, &bad_len), -1);
	/* too many */
	assert_int_equal(columns_parse_list(cols, NCOLS, "PID,PID,PID", ids, &n, 2, &bad, &bad_len), -2);
	assert_int_equal(columns_find(cols, NCOLS, "share", 5), C_PCT);
	assert_int_equal(columns_find(cols, NCOLS, "sharex", 6), -1);
	/* JSON keys name columns too */
	assert_int_equal(columns_find(cols, NCOLS, "PCT", 3), C_PCT);
}

static void human_sizes(void **state)
{
	static const struct { uint64_t v; const char *s; } ex[] = {
		{ 0, "0B" }, { 512, "512B" }, { 1023, "1023B" }, { 1024, "1K" }, { 4096, "4K" },
		{ 69632, "68K" }, { 1536, "1.5K" }, { 1024 * 1024 + 1024 * 1024 / 2, "1.5M" },
		{ 4198400, "4M" }, { 1048575, "1024K" }, { 3ull << 30, "3G" },
		{ UINT64_MAX, "16E" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		size_to_human(ex[i].v, buf, sizeof(buf));
		assert_string_equal(buf, ex[i].s);
	}
}

static void escapes(void **state)
{
	char *s;

	(void)state;
	s = col_escape("a\x01" "b\"c\xff\xfe", 7, false);
	assert_string_equal(s, "a\\x01b\"c\\xff\\xfe");
	free(s);
	s = col_escape("x y\\z\n\x7f", 7, false);
	assert_string_equal(s, "x y\\x5cz\\x0a\\x7f");
	free(s);
	s = col_escape("x y", 3, true);
	assert_string_equal(s, "x\\x20y");
	free(s);
	/* valid UTF-8 passes; C1 controls and overlong forms do not */
	s = col_escape("\xc3\xa9t\xc3\xa9", 5, false);
	assert_string_equal(s, "\xc3\xa9t\xc3\xa9");
	assert_int_equal(utf8_width(s), 3);
	free(s);
	s = col_escape("\xc2\x85" "\xc0\xaf" "\xed\xa0\x80", 7, false);
	assert_string_equal(s, "\\xc2\\x85\\xc0\\xaf\\xed\\xa0\\x80");
	free(s);
	/* a truncated sequence at the end */
	s = col_escape("ok\xe2\x82", 4, false);
	assert_string_equal(s, "ok\\xe2\\x82");
	free(s);
	s = utf8_sanitize("a\xff" "b\xc3\xa9", 5);
	assert_string_equal(s, "a\xef\xbf\xbd" "b\xc3\xa9");
	free(s);
}

static char *print_to_string(struct col_table *t, unsigned flags)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	assert_non_null(f);
	assert_int_equal(col_table_print(t, flags, f), 0);
	fclose(f);
	return s;
}

static struct col_table *sample(const int *ids, size_t n, int sort_id)
{
	struct col_table *t = col_table_new(cols, NCOLS, ids, n, sort_id);
	static const uint64_t others[] = { 7, 12 };
	long r;

	assert_non_null(t);
	r = col_table_add_row(t);
	col_set_u64(t, r, C_PID, 100);
	col_set_str(t, r, C_NAME, "b\x01x");
	col_set_u64(t, r, C_ADDR, 0x7f00);
	col_set_u64(t, r, C_SIZE, 69632);
	col_set_real(t, r, C_PCT, 12.5);
	col_set_array(t, r, C_LIST, others, 2);
	r = col_table_add_row(t);
	col_set_u64(t, r, C_PID, 9);
	col_set_str(t, r, C_NAME, "a");
	col_set_u64(t, r, C_SIZE, 4096);
	col_set_array(t, r, C_LIST, NULL, 0);
	r = col_table_add_row(t);
	col_set_u64(t, r, C_PID, 20);
	col_set_str(t, r, C_NAME, "c d");
	col_set_u64(t, r, C_SIZE, 4096);
	return t;
}

static void tables(void **state)
{
	int ids[] = { C_PID, C_NAME, C_SIZE };
	struct col_table *t = sample(ids, 3, -1);
	char *s;

	(void)state;
	assert_true(col_table_wants(t, C_NAME));
	assert_false(col_table_wants(t, C_ADDR));
	assert_int_equal(col_table_rows(t), 3);
	s = print_to_string(t, 0);
	assert_string_equal(s, "PID NAME   SIZE\n"
			       "100 b\\x01x  68K\n"
			       "  9 a        4K\n"
			       " 20 c d      4K\n");
	free(s);
	s = print_to_string(t, COLF_NOHEADINGS | COLF_RAW | COLF_BYTES);
	assert_string_equal(s, "100 b\\x01x 69632\n9 a 4096\n20 c\\x20d 4096\n");
	free(s);
	col_table_free(t);
	/* raw output shows empty cells as "-" so that every row has every field */
	{
		int ids2[] = { C_PID, C_ADDR, C_NAME };
		t = sample(ids2, 3, -1);
		s = print_to_string(t, COLF_RAW);
		assert_string_equal(s, "PID ADDR NAME\n100 0x7f00 b\\x01x\n9 - a\n20 - c\\x20d\n");
		free(s);
		s = print_to_string(t, 0);
		assert_string_equal(s, "PID   ADDR NAME\n100 0x7f00 b\\x01x\n  9        a\n 20        c d\n");
		free(s);
		col_table_free(t);
	}
}

static void a_column_twice(void **state)
{
	int ids[] = { C_PID, C_NAME, C_PID };
	struct col_table *t = sample(ids, 3, -1);
	char *s = print_to_string(t, COLF_RAW | COLF_NOHEADINGS);

	(void)state;
	assert_string_equal(s, "100 b\\x01x 100\n9 a 9\n20 c\\x20d 20\n");
	free(s);
	col_table_free(t);
}

static void sorting(void **state)
{
	int ids[] = { C_PID, C_NAME };
	struct col_table *t;
	char *s;

	(void)state;
	/* numbers numerically (9 < 20 < 100), by a column that is not shown */
	t = sample(ids, 2, C_PID);
	col_table_sort(t, false);
	s = print_to_string(t, COLF_RAW | COLF_NOHEADINGS);
	assert_string_equal(s, "9 a\n20 c\\x20d\n100 b\\x01x\n");
	free(s);
	col_table_sort(t, true);
	s = print_to_string(t, COLF_RAW | COLF_NOHEADINGS);
	assert_string_equal(s, "100 b\\x01x\n20 c\\x20d\n9 a\n");
	free(s);
	col_table_free(t);
	/* text bytewise; stable for equal keys (SIZE 4096 twice keeps 9 before 20) */
	t = sample(ids, 2, C_SIZE);
	col_table_sort(t, false);
	s = print_to_string(t, COLF_RAW | COLF_NOHEADINGS);
	assert_string_equal(s, "9 a\n20 c\\x20d\n100 b\\x01x\n");
	free(s);
	col_table_free(t);
	/* unset cells first */
	t = sample(ids, 2, C_ADDR);
	col_table_sort(t, false);
	s = print_to_string(t, COLF_RAW | COLF_NOHEADINGS);
	assert_string_equal(s, "9 a\n20 c\\x20d\n100 b\\x01x\n");
	free(s);
	col_table_free(t);
}

static void json_rows(void **state)
{
	int ids[] = { C_PID, C_NAME, C_ADDR, C_SIZE, C_PCT, C_LIST };
	struct col_table *t = sample(ids, 6, -1);
	json_t *a = col_table_json(t), *o;
	char *s;

	(void)state;
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 3);
	o = json_array_get(a, 0);
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 100);
	assert_string_equal(json_string_value(json_object_get(o, "name")), "b\x01x");
	assert_string_equal(json_string_value(json_object_get(o, "addr")), "0x7f00");
	assert_int_equal(json_integer_value(json_object_get(o, "size")), 69632);
	assert_true(json_real_value(json_object_get(o, "pct")) == 12.5);
	assert_int_equal(json_array_size(json_object_get(o, "others")), 2);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "others"), 1)), 12);
	o = json_array_get(a, 1);
	assert_true(json_is_null(json_object_get(o, "addr")));
	assert_true(json_is_null(json_object_get(o, "pct")));
	assert_int_equal(json_array_size(json_object_get(o, "others")), 0);
	assert_true(json_is_null(json_object_get(json_array_get(a, 2), "others")));
	s = json_dumps(a, JSON_COMPACT);
	assert_non_null(strstr(s, "\"b\\u0001x\""));
	free(s);
	json_decref(a);
	col_table_free(t);

	/* invalid UTF-8 is replaced, so that the JSON stays valid */
	t = col_table_new(cols, NCOLS, ids, 2, -1);
	col_set_str(t, col_table_add_row(t), C_NAME, "q\"\xff");
	a = col_table_json(t);
	assert_non_null(a);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "name")),
			    "q\"\xef\xbf\xbd");
	json_decref(a);
	col_table_free(t);
}

static void json_rows_streamed(void **state)
{
	int ids[] = { C_PID, C_ADDR, C_LIST };
	struct col_table *t = sample(ids, 3, -1);
	char *s = NULL, *doc;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	json_t *j;

	(void)state;
	assert_int_equal(col_table_print_json_rows(t, "  ", f), 0);
	fclose(f);
	/* one object per line, comma-separated: valid inside brackets */
	assert_string_equal(s, "  {\"pid\": 100, \"addr\": \"0x7f00\", \"others\": [7, 12]},\n"
			       "  {\"pid\": 9, \"addr\": null, \"others\": []},\n"
			       "  {\"pid\": 20, \"addr\": null, \"others\": null}\n");
	assert_true(asprintf(&doc, "[\n%s]", s) > 0);
	j = json_loads(doc, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), 3);
	json_decref(j);
	free(doc);
	free(s);
	col_table_free(t);
}

/* The streamed rows are what jansson itself writes for col_table_json: byte for byte,
 * escapes, reals and invalid UTF-8 included. */
static void json_rows_streamed_as_jansson(void **state)
{
	int ids[] = { C_PID, C_NAME, C_ADDR, C_SIZE, C_PCT, C_LIST };
	static const char *names[] = { "q\"\\/", "tab\there\nnl\r\b\f\x1f\x7f", "bad\xff\xc3(",
				       "\xe2\x82\xac ok", "" };
	static const double pcts[] = { 0, 100, 33.333333333, 1e-7, 123456789.0, -2.5 };
	struct col_table *t = sample(ids, 6, -1);
	char *s = NULL, *want = NULL;
	size_t len = 0;
	FILE *f;
	json_t *a;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(pcts); i++) {
		long r = col_table_add_row(t);
		col_set_u64(t, r, C_PID, UINT64_C(1) << (i * 10));
		col_set_str(t, r, C_NAME, names[i % ARRAY_SIZE(names)]);
		col_set_real(t, r, C_PCT, pcts[i]);
	}
	f = open_memstream(&s, &len);
	assert_int_equal(col_table_print_json_rows(t, "", f), 0);
	fclose(f);
	a = col_table_json(t);
	assert_non_null(a);
	{
		/* jansson, one row a line, as the streamed form is laid out */
		size_t wlen = 0;
		FILE *w = open_memstream(&want, &wlen);
		for (size_t r = 0; r < json_array_size(a); r++) {
			json_dumpf(json_array_get(a, r), w, JSON_REAL_PRECISION(6));
			fputs(r + 1 < json_array_size(a) ? ",\n" : "\n", w);
		}
		fclose(w);
	}
	assert_string_equal(s, want);
	json_decref(a);
	free(s);
	free(want);
	col_table_free(t);
}

static void column_list(void **state)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	json_t *j;

	(void)state;
	assert_int_equal(columns_print_list(cols, 2, COLF_RAW, f), 0);
	fclose(f);
	assert_string_equal(s, "PID\tprocess ID\nNAME\ta name\n");
	free(s);
	f = open_memstream(&s, &len);
	assert_int_equal(columns_print_list(cols, NCOLS, COLF_JSON, f), 0);
	fclose(f);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "columns")), NCOLS);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "columns"), 2), "type")), "hexstring");
	json_decref(j);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_lists),
		cmocka_unit_test(human_sizes),
		cmocka_unit_test(escapes),
		cmocka_unit_test(tables),
		cmocka_unit_test(a_column_twice),
		cmocka_unit_test(sorting),
		cmocka_unit_test(json_rows),
		cmocka_unit_test(json_rows_streamed),
		cmocka_unit_test(json_rows_streamed_as_jansson),
		cmocka_unit_test(column_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
