/* A small column engine in the manner of util-linux's lslocks/lsipc: one descriptor table
 * per command drives table and raw output, -o parsing, --list-columns, JSON and sorting.
 * Everything here is pure apart from the final printing to a FILE. */
#ifndef AIOCTL_COLUMNS_H
#define AIOCTL_COLUMNS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* How a column's value is stored, shown and put into JSON. */
enum col_type {
	COL_STRING,     /* text; JSON string (invalid UTF-8 replaced by U+FFFD) */
	COL_NUMBER,     /* unsigned integer; JSON number; sorts numerically */
	COL_HEX,        /* unsigned integer shown "0x..."; JSON string "0x..."; sorts numerically */
	COL_SIZE,       /* bytes; "68K" in tables ("69632" with --bytes); JSON number of bytes */
	COL_PERCENT,    /* real number; "12.5" in tables; JSON number */
	COL_ARRAY,      /* list of unsigned integers; "812,813" in tables; JSON array */
};

enum col_align { COL_LEFT, COL_RIGHT };

struct column_desc {
	const char *name;        /* "PID": -o and headings */
	const char *json_key;    /* "pid" */
	enum col_type type;
	enum col_align align;
	bool is_default;         /* shown without -o */
	const char *help;        /* one line for --list-columns and --help */
};

/* Parses a comma-separated list of column names (case-insensitive) into descriptor
 * indexes (names or JSON keys).  A list starting with '+' appends to the ids already in out[0..*n) (the
 * defaults, by convention); otherwise it replaces them.  Returns 0, or -1 with *bad
 * pointing at the offending name in list (its length in *bad_len) when a name is
 * unknown or empty, or -2 when more than max columns result. */
int columns_parse_list(const struct column_desc *descs, size_t ndescs, const char *list,
		       int *out, size_t *n, size_t max, const char **bad, size_t *bad_len);

/* The index of the column called name or with that JSON key (case-insensitive), or -1. */
int columns_find(const struct column_desc *descs, size_t ndescs, const char *name, size_t len);

/* Fills out with the default columns' indexes; returns how many. */
size_t columns_defaults(const struct column_desc *descs, size_t ndescs, int *out, size_t max);

/* Human size the util-linux way: "512B", "4K", "68K", "1.5M" (one decimal, rounded). */
void size_to_human(uint64_t bytes, char *out, size_t outsz);

/* Makes text safe for a terminal table: C0/C1 controls, DEL, backslash and invalid UTF-8
 * become "\xHH"; with raw, spaces too, so that raw output splits on spaces.  Returns a
 * malloc'd string (NULL on allocation failure). */
char *col_escape(const char *s, size_t len, bool raw);

/* A copy of s with every invalid UTF-8 sequence replaced by U+FFFD (malloc'd). */
char *utf8_sanitize(const char *s, size_t len);

/* Display width of an escaped (valid UTF-8) string: one per code point. */
size_t utf8_width(const char *s);

/* A table: the selected columns, in order, plus rows of cells. */
struct col_table;

enum col_flags {
	COLF_NOHEADINGS = 1u << 0,
	COLF_RAW        = 1u << 1,
	COLF_JSON       = 1u << 2,
	COLF_BYTES      = 1u << 3,
};

/* Creates a table showing descs[ids[0..n)].  sort_id (or -1) names a column to sort by;
 * it is kept even when not shown. */
struct col_table *col_table_new(const struct column_desc *descs, size_t ndescs,
				const int *ids, size_t n, int sort_id);
void col_table_free(struct col_table *t);

/* Whether column id is shown or sorted on: lets the command skip work nobody asked for. */
bool col_table_wants(const struct col_table *t, int id);

/* Appends an empty row and returns its index (or -1 on allocation failure).  Cells left
 * unset are empty in tables and null in JSON. */
long col_table_add_row(struct col_table *t);
size_t col_table_rows(const struct col_table *t);

/* Cell setters; silently ignore columns the table does not want. */
void col_set_str(struct col_table *t, long row, int id, const char *s);
void col_set_u64(struct col_table *t, long row, int id, uint64_t v);
void col_set_real(struct col_table *t, long row, int id, double v);
void col_set_array(struct col_table *t, long row, int id, const uint64_t *v, size_t n);

/* Stable sort on the sort column (ascending, or descending when desc); numbers
 * numerically, text bytewise; unset cells first. */
void col_table_sort(struct col_table *t, bool desc);

/* One row as a JSON object keyed by json_key (new reference, NULL on error). */
json_t *col_table_row_json(const struct col_table *t, size_t row);

/* The rows as a JSON array of objects keyed by json_key (new reference, NULL on error). */
json_t *col_table_json(const struct col_table *t);

/* Prints the rows as the elements of a JSON array, one object per line after indent,
 * separated by commas: one row's objects exist at a time, so memory stays flat however
 * many rows there are.  The caller prints the brackets around them. */
int col_table_print_json_rows(const struct col_table *t, const char *indent, FILE *out);

/* Prints the table (aligned, or raw with COLF_RAW, where empty cells print as "-").  JSON is the caller's, since the
 * top-level object carries more than the rows. */
int col_table_print(const struct col_table *t, unsigned flags, FILE *out);

/* --list-columns: "NAME  help" aligned; with raw "NAME<TAB>help"; with json an object
 * {"columns":[{"name","key","type","default","help"}]}. */
int columns_print_list(const struct column_desc *descs, size_t ndescs, unsigned flags, FILE *out);

/* The JSON type name of a column type ("string", "number", ...). */
const char *col_type_name(enum col_type type);

#endif
