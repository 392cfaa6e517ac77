/* Reporting references (see refsout.h). */
#include "refsout.h"

#include <inttypes.h>
#include <string.h>

enum field { F_RING, F_ADDRESS, F_LOCATION, F_VALUE, F_NEW, F_ACTION };

/* The columns of the table and the keys of the JSON objects, from one place. */
static const struct {
	const char *head;
	const char *json;
	int width;
	const char *help;
} fields[] = {
	[F_RING]     = { "RING",     "ring",     14, "the ring referred to" },
	[F_ADDRESS]  = { "ADDRESS",  "address",  14, "where the reference is (\"-\" for a register)" },
	[F_LOCATION] = { "WHERE",    "location", 24, "mapping or thread and register holding it" },
	[F_VALUE]    = { "VALUE",    "value",    14, "the reference as found" },
	[F_NEW]      = { "NEW",      "new",      14, "what a move rewrites it to" },
	[F_ACTION]   = { "ACTION",   "action",   0,  "rewrite, or unsafe (refuses the move)" },
};

void refsout_header(FILE *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		fprintf(out, i + 1 < ARRAY_SIZE(fields) ? "%-*s " : "%-*s\n", fields[i].width, fields[i].head);
}

static void cell(const struct ref *r, uint64_t ring, uint64_t to, enum field f, char *out, size_t sz)
{
	switch (f) {
	case F_RING:
		snprintf(out, sz, "0x%" PRIx64, ring);
		break;
	case F_ADDRESS:
		if (r->where == REF_MEMORY)
			snprintf(out, sz, "0x%" PRIx64, r->addr);
		else
			snprintf(out, sz, "-");
		break;
	case F_LOCATION:
		snprintf(out, sz, "%s", r->name);
		break;
	case F_VALUE:
		snprintf(out, sz, "0x%" PRIx64, r->value);
		break;
	case F_NEW:
		if (to && r->cls == REFS_REWRITABLE)
			snprintf(out, sz, "0x%" PRIx64, refs_rewrite_value(r->value, ring, to));
		else
			snprintf(out, sz, "-");
		break;
	case F_ACTION:
		snprintf(out, sz, "%s", refs_class_str(r->cls));
		break;
	}
}

void refsout_rows(FILE *out, const struct ref_list *l, uint64_t ring_start, uint64_t new_start)
{
	char c[128];

	for (size_t k = 0; k < l->n; k++) {
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
			cell(&l->v[k], ring_start, new_start, (enum field)i, c, sizeof(c));
			fprintf(out, i + 1 < ARRAY_SIZE(fields) ? "%-*s " : "%-*s\n", fields[i].width, c);
		}
	}
}

int refsout_json(json_t *arr, const struct ref_list *l, uint64_t ring_start, uint64_t new_start)
{
	char c[128];

	for (size_t k = 0; k < l->n; k++) {
		const struct ref *r = &l->v[k];
		json_t *o = json_object();
		if (!o)
			return -1;
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
			cell(r, ring_start, new_start, (enum field)i, c, sizeof(c));
			if (strcmp(c, "-") == 0)
				json_object_set_new(o, fields[i].json, json_null());
			else
				json_object_set_new(o, fields[i].json, json_string(c));
		}
		json_object_set_new(o, "kind", json_string(r->where == REF_MEMORY ? "memory" : "register"));
		if (r->where == REF_REGISTER) {
			json_object_set_new(o, "tid", json_integer(r->tid));
			json_object_set_new(o, "register", json_string(refs_reg_name(r->reg)));
		}
		if (json_array_append_new(arr, o) != 0)
			return -1;
	}
	return 0;
}

void refsout_brief(char *out, size_t outsz, const struct ref_list *l, enum refs_class cls, size_t max)
{
	size_t used = 0, shown = 0, total = 0;

	if (!outsz)
		return;
	out[0] = '\0';
	for (size_t k = 0; k < l->n; k++) {
		const struct ref *r = &l->v[k];
		if (r->cls != cls)
			continue;
		total++;
		if (shown == max)
			continue;
		int w = r->where == REF_MEMORY
			? snprintf(out + used, outsz - used, "%s%s 0x%" PRIx64, shown ? ", " : "", r->name, r->addr)
			: snprintf(out + used, outsz - used, "%s%s", shown ? ", " : "", r->name);
		if (w < 0 || (size_t)w >= outsz - used)
			return;
		used += (size_t)w;
		shown++;
	}
	if (total > shown)
		snprintf(out + used, outsz - used, ", ... (%zu in all)", total);
}
