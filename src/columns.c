/* The column engine: see columns.h.  Cells keep their raw value; text for tables is made
 * only at print time, so JSON and sorting never see a formatted or escaped value. */
#include "columns.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int columns_find(const struct column_desc *descs, size_t ndescs, const char *name, size_t len)
{
	/* The JSON key works too ("comm" for COMMAND), so what a script reads it can ask for. */
	for (size_t i = 0; i < ndescs; i++)
		if (strlen(descs[i].name) == len && strncasecmp(descs[i].name, name, len) == 0)
			return (int)i;
	for (size_t i = 0; i < ndescs; i++)
		if (strlen(descs[i].json_key) == len && strncasecmp(descs[i].json_key, name, len) == 0)
			return (int)i;
	return -1;
}

size_t columns_defaults(const struct column_desc *descs, size_t ndescs, int *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ndescs && n < max; i++)
		if (descs[i].is_default)
			out[n++] = (int)i;
	return n;
}

int columns_parse_list(const struct column_desc *descs, size_t ndescs, const char *list,
		       int *out, size_t *n, size_t max, const char **bad, size_t *bad_len)
{
	const char *p = list;
	size_t count = 0;

	*bad = NULL;
	*bad_len = 0;
	if (*p == '+') {
		count = *n;
		p++;
	}
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int id = columns_find(descs, ndescs, p, len);

		if (id < 0) {
			*bad = p;
			*bad_len = len;
			return -1;
		}
		if (count >= max)
			return -2;
		out[count++] = id;
		if (!end)
			break;
		p = end + 1;
	}
	*n = count;
	return 0;
}

void size_to_human(uint64_t bytes, char *out, size_t outsz)
{
	static const char units[] = "BKMGTPE";
	unsigned exp = 0;
	uint64_t whole, frac, dec;

	while (exp + 1 < sizeof(units) - 1 && bytes >> (10 * (exp + 1)))
		exp++;
	if (exp == 0) {
		snprintf(out, outsz, "%" PRIu64 "B", bytes);
		return;
	}
	whole = bytes >> (10 * exp);
	frac = bytes & ((1ull << (10 * exp)) - 1);
	/* One decimal, rounded half up, from the top ten bits of the remainder (so that
	 * nothing overflows even for exabytes). */
	dec = ((frac >> (10 * (exp - 1))) * 10 + 512) >> 10;
	if (dec >= 10) {
		whole++;
		dec = 0;
	}
	if (dec)
		snprintf(out, outsz, "%" PRIu64 ".%" PRIu64 "%c", whole, dec, units[exp]);
	else
		snprintf(out, outsz, "%" PRIu64 "%c", whole, units[exp]);
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 if invalid.  Rejects
 * overlong forms, surrogates and code points above U+10FFFF, as RFC 3629 does. */
static size_t utf8_seq(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

char *col_escape(const char *str, size_t len, bool raw)
{
	const unsigned char *s = (const unsigned char *)str;
	char *out = malloc(len * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_seq(s + i, len - i, &cp);

		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == '\\' ||
		    (raw && cp == ' ')) {
			/* Escape the bytes of an invalid sequence one at a time, so that whatever
			 * follows it can still be decoded. */
			if (n == 0)
				n = 1;
			for (size_t k = 0; k < n; k++)
				o += sprintf(o, "\\x%02x", s[i + k]);
		} else {
			memcpy(o, s + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	return out;
}

char *utf8_sanitize(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	char *out = malloc(len * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_seq(s + i, len - i, &cp);

		if (n == 0 || cp == 0) {
			memcpy(o, "\xef\xbf\xbd", 3);   /* U+FFFD */
			o += 3;
			i++;
		} else {
			memcpy(o, s + i, n);
			o += n;
			i += n;
		}
	}
	*o = '\0';
	return out;
}

size_t utf8_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

const char *col_type_name(enum col_type type)
{
	switch (type) {
	case COL_STRING: return "string";
	case COL_NUMBER: return "number";
	case COL_HEX:    return "hexstring";
	case COL_SIZE:   return "size";
	case COL_PERCENT: return "number";
	case COL_ARRAY:  return "array";
	}
	return "string";
}

/* ---- tables ---- */

/* 16 bytes: a table of a thousand rows is written once, and fresh pages are what cost
 * (a page fault is 10-30 µs in a virtual machine with shadow paging). */
struct cell {
	union {
		char *str;           /* COL_STRING */
		uint64_t u;          /* COL_NUMBER, COL_HEX, COL_SIZE */
		double d;            /* COL_PERCENT */
		uint64_t *arr;       /* COL_ARRAY */
	};
	unsigned narr;
	bool set;
};

struct col_table {
	const struct column_desc *descs;
	size_t ndescs;
	int *ids;            /* shown columns, then (maybe) the hidden sort column */
	size_t nshown, ncols;
	int *slot_of;        /* descriptor id -> cell index, -1 when not kept */
	int sort_slot;
	struct cell *cells;  /* rows * ncols */
	size_t rows, cap;
};

struct col_table *col_table_new(const struct column_desc *descs, size_t ndescs,
				const int *ids, size_t n, int sort_id)
{
	struct col_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->descs = descs;
	t->ndescs = ndescs;
	t->ids = malloc((n + 1) * sizeof(int));
	t->slot_of = malloc(ndescs * sizeof(int));
	if (!t->ids || !t->slot_of) {
		col_table_free(t);
		return NULL;
	}
	for (size_t i = 0; i < ndescs; i++)
		t->slot_of[i] = -1;
	/* A column listed twice is shown twice but stored once. */
	for (size_t i = 0; i < n; i++) {
		t->ids[i] = ids[i];
		if (t->slot_of[ids[i]] < 0)
			t->slot_of[ids[i]] = (int)i;
	}
	t->nshown = t->ncols = n;
	t->sort_slot = -1;
	if (sort_id >= 0 && (size_t)sort_id < ndescs) {
		if (t->slot_of[sort_id] < 0) {
			t->ids[t->ncols] = sort_id;
			t->slot_of[sort_id] = (int)t->ncols++;
		}
		t->sort_slot = t->slot_of[sort_id];
	}
	return t;
}

static struct cell *cell_at(const struct col_table *t, size_t row, size_t slot)
{
	return &t->cells[row * t->ncols + slot];
}

/* Where the cells of shown column s live: a column listed twice is stored once. */
static size_t stored(const struct col_table *t, size_t s)
{
	return (size_t)t->slot_of[t->ids[s]];
}

void col_table_free(struct col_table *t)
{
	if (!t)
		return;
	for (size_t c = 0; c < t->ncols; c++) {
		enum col_type type = t->descs[t->ids[c]].type;
		if (type != COL_STRING && type != COL_ARRAY)
			continue;
		for (size_t r = 0; r < t->rows; r++)
			free(type == COL_STRING ? cell_at(t, r, c)->str : (char *)cell_at(t, r, c)->arr);
	}
	free(t->cells);
	free(t->ids);
	free(t->slot_of);
	free(t);
}

bool col_table_wants(const struct col_table *t, int id)
{
	return id >= 0 && (size_t)id < t->ndescs && t->slot_of[id] >= 0;
}

long col_table_add_row(struct col_table *t)
{
	if (t->rows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct cell *n = realloc(t->cells, ncap * t->ncols * sizeof(*n) + 1);
		if (!n)
			return -1;
		t->cells = n;
		t->cap = ncap;
	}
	memset(&t->cells[t->rows * t->ncols], 0, t->ncols * sizeof(struct cell));
	return (long)t->rows++;
}

size_t col_table_rows(const struct col_table *t)
{
	return t->rows;
}

static struct cell *cell_for(struct col_table *t, long row, int id)
{
	if (row < 0 || (size_t)row >= t->rows || !col_table_wants(t, id))
		return NULL;
	return cell_at(t, (size_t)row, (size_t)t->slot_of[id]);
}

void col_set_str(struct col_table *t, long row, int id, const char *s)
{
	struct cell *c = cell_for(t, row, id);

	if (!c || !s)
		return;
	free(c->str);
	c->str = strdup(s);
	c->set = c->str != NULL;
}

void col_set_u64(struct col_table *t, long row, int id, uint64_t v)
{
	struct cell *c = cell_for(t, row, id);

	if (c) {
		c->u = v;
		c->set = true;
	}
}

void col_set_real(struct col_table *t, long row, int id, double v)
{
	struct cell *c = cell_for(t, row, id);

	if (c) {
		c->d = v;
		c->set = true;
	}
}

void col_set_array(struct col_table *t, long row, int id, const uint64_t *v, size_t n)
{
	struct cell *c = cell_for(t, row, id);

	if (!c)
		return;
	free(c->arr);
	c->arr = NULL;
	c->narr = 0;
	if (n) {
		c->arr = malloc(n * sizeof(*v));
		if (!c->arr) {
			c->set = false;
			return;
		}
		memcpy(c->arr, v, n * sizeof(*v));
	}
	c->narr = (unsigned)n;
	c->set = true;
}

/* Numbers are formatted by hand: snprintf per cell was a third of a whole-machine list. */
static size_t fmt_dec(char *out, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

static size_t fmt_hex(char *out, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	size_t n = 0;

	do {
		tmp[n++] = digits[v & 15];
		v >>= 4;
	} while (v);
	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++)
		out[2 + i] = tmp[n - 1 - i];
	out[2 + n] = '\0';
	return n + 2;
}

/* Text of a cell for tables, before escaping: in buf (64 bytes) for scalars, the stored
 * string, or a malloc'd list in *heap for arrays.  "" for unset cells; NULL on ENOMEM. */
static const char *cell_text(const struct col_table *t, size_t row, size_t slot, unsigned flags,
			     char *buf, char **heap)
{
	const struct cell *c = cell_at(t, row, slot);

	*heap = NULL;
	if (!c->set)
		return "";
	switch (t->descs[t->ids[slot]].type) {
	case COL_STRING:
		return c->str;
	case COL_NUMBER:
		fmt_dec(buf, c->u);
		return buf;
	case COL_HEX:
		fmt_hex(buf, c->u);
		return buf;
	case COL_SIZE:
		if (flags & COLF_BYTES)
			fmt_dec(buf, c->u);
		else
			size_to_human(c->u, buf, 64);
		return buf;
	case COL_PERCENT:
		snprintf(buf, 64, "%.1f", c->d);
		return buf;
	case COL_ARRAY: {
		char *s = malloc(c->narr * 21 + 1), *o = s;
		if (!s)
			return NULL;
		*o = '\0';
		for (size_t i = 0; i < c->narr; i++) {
			if (i)
				*o++ = ',';
			o += fmt_dec(o, c->arr[i]);
		}
		*heap = s;
		return s;
	}
	}
	return "";
}

/* Whether col_escape would change s: the common case of plain ASCII skips it. */
static bool needs_escape(const char *s, bool raw)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f || c == '\\' || (raw && c == ' '))
			return true;
	}
	return false;
}

static int cmp_cells(const struct col_table *t, const struct cell *a, const struct cell *b)
{
	if (!a->set || !b->set)
		return (int)a->set - (int)b->set;
	switch (t->descs[t->ids[t->sort_slot]].type) {
	case COL_STRING:
		return strcmp(a->str, b->str);
	case COL_NUMBER:
	case COL_HEX:
	case COL_SIZE:
		return a->u < b->u ? -1 : a->u > b->u;
	case COL_PERCENT:
		return a->d < b->d ? -1 : a->d > b->d;
	case COL_ARRAY:
		for (size_t i = 0; i < a->narr && i < b->narr; i++)
			if (a->arr[i] != b->arr[i])
				return a->arr[i] < b->arr[i] ? -1 : 1;
		return a->narr < b->narr ? -1 : a->narr > b->narr;
	}
	return 0;
}

/* qsort is not stable and has no context argument: sort row indexes with a merge sort. */
static void merge_sort(const struct col_table *t, size_t *idx, size_t *tmp, size_t n, bool desc)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(t, idx, tmp, mid, desc);
	merge_sort(t, idx + mid, tmp, n - mid, desc);
	while (i < mid && j < n) {
		int c = cmp_cells(t, cell_at(t, idx[j], (size_t)t->sort_slot),
				  cell_at(t, idx[i], (size_t)t->sort_slot));
		if (desc ? c > 0 : c < 0)
			tmp[k++] = idx[j++];
		else
			tmp[k++] = idx[i++];
	}
	while (i < mid)
		tmp[k++] = idx[i++];
	while (j < n)
		tmp[k++] = idx[j++];
	memcpy(idx, tmp, n * sizeof(*idx));
}

void col_table_sort(struct col_table *t, bool desc)
{
	size_t *idx, *tmp;
	struct cell *sorted;

	if (t->sort_slot < 0 || t->rows < 2)
		return;
	idx = malloc(t->rows * sizeof(*idx));
	tmp = malloc(t->rows * sizeof(*tmp));
	sorted = malloc(t->rows * t->ncols * sizeof(*sorted));
	if (idx && tmp && sorted) {
		for (size_t i = 0; i < t->rows; i++)
			idx[i] = i;
		merge_sort(t, idx, tmp, t->rows, desc);
		for (size_t i = 0; i < t->rows; i++)
			memcpy(&sorted[i * t->ncols], cell_at(t, idx[i], 0), t->ncols * sizeof(*sorted));
		free(t->cells);
		t->cells = sorted;
		t->cap = t->rows;
		sorted = NULL;
	}
	free(idx);
	free(tmp);
	free(sorted);
}

static json_t *cell_json(const struct col_table *t, size_t row, size_t slot)
{
	const struct cell *c = cell_at(t, row, slot);
	char buf[32];

	if (!c->set)
		return json_null();
	switch (t->descs[t->ids[slot]].type) {
	case COL_STRING: {
		char *s = utf8_sanitize(c->str, strlen(c->str));
		json_t *j = s ? json_string(s) : NULL;
		free(s);
		return j;
	}
	case COL_NUMBER:
	case COL_SIZE:
		/* jansson integers are signed 64-bit; every value here fits. */
		return json_integer((json_int_t)c->u);
	case COL_HEX:
		snprintf(buf, sizeof(buf), "0x%" PRIx64, c->u);
		return json_string(buf);
	case COL_PERCENT:
		return json_real(c->d);
	case COL_ARRAY: {
		json_t *a = json_array();
		for (size_t i = 0; a && i < c->narr; i++)
			json_array_append_new(a, json_integer((json_int_t)c->arr[i]));
		return a;
	}
	}
	return json_null();
}

json_t *col_table_row_json(const struct col_table *t, size_t r)
{
	json_t *o = json_object();

	for (size_t s = 0; o && s < t->nshown; s++) {
		json_t *v = cell_json(t, r, stored(t, s));
		if (!v || json_object_set_new(o, t->descs[t->ids[s]].json_key, v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

json_t *col_table_json(const struct col_table *t)
{
	json_t *arr = json_array();

	for (size_t r = 0; arr && r < t->rows; r++) {
		json_t *o = col_table_row_json(t, r);
		if (!o || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* ---- JSON rows, written directly ----
 * The same text jansson's json_dumpf gives for col_table_row_json (its default ", " and
 * ": " separators, its escapes, its way with reals), without building objects: for a
 * thousand rows jansson took 10 ms of list -J's 70, mostly allocating (the unit test
 * checks the two agree). */

static void json_put_str(FILE *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	putc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':  fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20) {
				fputs("\\u00", out);
				putc(hex[c >> 4], out);
				putc(hex[c & 15], out);
			} else {
				putc(c, out);
			}
		}
	}
	putc('"', out);
}

/* A real as jansson writes it: %.6g, a decimal point always, no '+' nor leading zeros
 * in the exponent, '.' whatever the locale. */
static void json_put_real(FILE *out, double d)
{
	char buf[64], *e;
	size_t len;

	snprintf(buf, sizeof(buf), "%.6g", d);
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = '.';
	len = strlen(buf);
	if (strspn(buf, "0123456789-") == len && len + 2 < sizeof(buf))
		memcpy(buf + len, ".0", 3);
	e = strchr(buf, 'e');
	if (e) {
		char *digits = e + 1, *from;
		if (*digits == '-')
			digits++;
		from = digits;
		while (*from == '+' || (*from == '0' && from[1]))
			from++;
		memmove(digits, from, strlen(from) + 1);
	}
	fputs(buf, out);
}

static int json_put_cell(FILE *out, const struct col_table *t, size_t row, size_t slot)
{
	const struct cell *c = cell_at(t, row, slot);
	char buf[32];

	if (!c->set) {
		fputs("null", out);
		return 0;
	}
	switch (t->descs[t->ids[slot]].type) {
	case COL_STRING: {
		char *clean = utf8_sanitize(c->str, strlen(c->str));
		if (!clean)
			return -ENOMEM;
		json_put_str(out, clean);
		free(clean);
		return 0;
	}
	case COL_NUMBER:
	case COL_SIZE:
		fmt_dec(buf, c->u);
		fputs(buf, out);
		return 0;
	case COL_HEX:
		putc('"', out);
		fmt_hex(buf, c->u);
		fputs(buf, out);
		putc('"', out);
		return 0;
	case COL_PERCENT:
		json_put_real(out, c->d);
		return 0;
	case COL_ARRAY:
		putc('[', out);
		for (unsigned i = 0; i < c->narr; i++) {
			if (i)
				fputs(", ", out);
			fmt_dec(buf, c->arr[i]);
			fputs(buf, out);
		}
		putc(']', out);
		return 0;
	}
	fputs("null", out);
	return 0;
}

int col_table_print_json_rows(const struct col_table *t, const char *indent, FILE *out)
{
	for (size_t r = 0; r < t->rows; r++) {
		fputs(indent, out);
		putc('{', out);
		for (size_t s = 0; s < t->nshown; s++) {
			if (s)
				fputs(", ", out);
			json_put_str(out, t->descs[t->ids[s]].json_key);
			fputs(": ", out);
			if (json_put_cell(out, t, r, stored(t, s)) < 0)
				return -ENOMEM;
		}
		putc('}', out);
		fputs(r + 1 < t->rows ? ",\n" : "\n", out);
	}
	return ferror(out) ? -EIO : 0;
}

static void put_spaces(FILE *out, size_t n)
{
	static const char spaces[] = "                                ";

	while (n) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		fwrite(spaces, 1, k, out);
		n -= k;
	}
}

/* A shown cell as printed: escaped when needed.  *heap is what to free (NULL mostly:
 * plain text is formatted into buf or is the cell's own). */
static const char *shown_text(const struct col_table *t, size_t r, size_t s, unsigned flags,
			      bool raw, char *buf, char **heap)
{
	char *h;
	const char *plain = cell_text(t, r, stored(t, s), flags, buf, &h);
	char *esc;

	*heap = h;
	if (!plain || !needs_escape(plain, raw))
		return plain;
	esc = col_escape(plain, strlen(plain), raw);
	free(h);
	*heap = esc;
	return esc;
}

/* Two passes over the cells, widths then lines, each formatting them again: cheaper
 * than keeping every cell's text (an allocation each). */
int col_table_print(const struct col_table *t, unsigned flags, FILE *out)
{
	bool raw = flags & COLF_RAW, heads = !(flags & COLF_NOHEADINGS);
	size_t n = t->nshown, rows = t->rows;
	size_t *width = calloc(n + 1, sizeof(*width));

	if (!width)
		return -ENOMEM;
	for (size_t s = 0; s < n; s++)
		width[s] = heads ? strlen(t->descs[t->ids[s]].name) : 0;
	if (!raw)
		for (size_t r = 0; r < rows; r++)
			for (size_t s = 0; s < n; s++) {
				char buf[64], *heap;
				const char *v = shown_text(t, r, s, flags, raw, buf, &heap);
				size_t w;

				if (!v) {
					free(width);
					return -ENOMEM;
				}
				w = utf8_width(v);
				free(heap);
				if (w > width[s])
					width[s] = w;
			}
	for (long r = heads ? -1 : 0; r < (long)rows; r++) {
		for (size_t s = 0; s < n; s++) {
			char buf[64], *heap = NULL;
			const char *v = r < 0 ? t->descs[t->ids[s]].name :
					shown_text(t, (size_t)r, s, flags, raw, buf, &heap);
			bool last = s + 1 == n;
			size_t pad;

			if (!v) {
				free(width);
				return -ENOMEM;
			}
			if (s)
				putc(' ', out);
			if (raw) {
				/* "-" keeps every field non-empty, so that scripts can split on
				 * spaces and `read` counts fields right. */
				fputs(*v ? v : "-", out);
				free(heap);
				continue;
			}
			pad = width[s] - utf8_width(v);
			if (t->descs[t->ids[s]].align == COL_RIGHT)
				put_spaces(out, pad);
			fputs(v, out);
			if (t->descs[t->ids[s]].align == COL_LEFT && !last)
				put_spaces(out, pad);
			free(heap);
		}
		putc('\n', out);
	}
	free(width);
	return 0;
}

int columns_print_list(const struct column_desc *descs, size_t ndescs, unsigned flags, FILE *out)
{
	size_t w = 0;

	if (flags & COLF_JSON) {
		json_t *root = json_object(), *arr = json_array();
		char *s;

		if (!root || !arr || json_object_set_new(root, "columns", arr) != 0) {
			json_decref(root);
			return -ENOMEM;
		}
		for (size_t i = 0; i < ndescs; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b, s:s}",
				"name", descs[i].name, "key", descs[i].json_key,
				"type", col_type_name(descs[i].type), "default", descs[i].is_default,
				"help", descs[i].help));
		s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(root);
		if (!s)
			return -ENOMEM;
		fprintf(out, "%s\n", s);
		free(s);
		return 0;
	}
	for (size_t i = 0; i < ndescs; i++)
		if (strlen(descs[i].name) > w)
			w = strlen(descs[i].name);
	for (size_t i = 0; i < ndescs; i++) {
		if (flags & COLF_RAW)
			fprintf(out, "%s\t%s\n", descs[i].name, descs[i].help);
		else
			fprintf(out, "%*s  %s\n", (int)w, descs[i].name, descs[i].help);
	}
	return 0;
}
