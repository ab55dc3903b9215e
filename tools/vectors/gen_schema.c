/* gen_schema.c - proto/vectors/schema.json: the schema registry at its
 * current version as data, each part with its since (proto/schema.md).
 *
 * Tables and columns in wire-name order, with types, flags, ranges,
 * references and enum values, as schema_current() holds them; the Python
 * reader checks proto/schema.md says the same. */
#include "gen_common.h"

#include "core/schema.h"

static const char *col_type_name(enum col_type t)
{
    switch (t) {
    case COL_TEXT:
        return "text";
    case COL_INT:
        return "int";
    case COL_REAL:
        return "real";
    case COL_BOOL:
        return "bool";
    case COL_ID:
        return "id";
    case COL_ENUM:
        return "enum";
    }
    return "?";
}

json_t *gen_schema(struct gen *g)
{
    const struct schema *s = schema_current();
    json_t *tables = json_array();
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct table_def *td = &s->tables[t];
        json_t *tj = json_object();
        json_object_set_new(tj, "name", json_string(td->name));
        json_object_set_new(
            tj, "kind",
            json_string(td->kind == TABLE_ENTITY ? "entity" : "event"));
        json_object_set_new(tj, "since", json_integer(td->since));
        if (td->flags & TABLE_BY_NODE)
            json_object_set_new(tj, "by_node", json_true());
        json_t *cols = json_array();
        for (size_t c = 0; c < td->n_cols; c++) {
            const struct col_def *cd = &td->cols[c];
            json_t *cj = json_object();
            json_object_set_new(cj, "name", json_string(cd->name));
            json_object_set_new(cj, "type",
                                json_string(col_type_name(cd->type)));
            json_object_set_new(cj, "since", json_integer(cd->since));
            json_object_set_new(cj, "required",
                                json_boolean(cd->flags & COL_REQUIRED));
            json_object_set_new(cj, "personal",
                                json_boolean(cd->flags & COL_PERSONAL));
            if (cd->flags & COL_NONNEG)
                json_object_set_new(cj, "nonneg", json_true());
            if (cd->flags & COL_POSITIVE)
                json_object_set_new(cj, "positive", json_true());
            if (cd->flags & COL_HEALTH)
                json_object_set_new(cj, "health", json_true());
            if (cd->type == COL_INT && cd->min < cd->max) {
                json_object_set_new(cj, "min",
                                    json_integer((json_int_t)cd->min));
                json_object_set_new(cj, "max",
                                    json_integer((json_int_t)cd->max));
            }
            if (cd->type == COL_ID)
                json_object_set_new(cj, "ref", json_string(cd->ref_table));
            if (cd->type == COL_ENUM) {
                json_t *ev = json_array();
                for (const struct enum_val *v = cd->values; v->name; v++) {
                    json_t *vj = json_object();
                    json_object_set_new(vj, "name", json_string(v->name));
                    json_object_set_new(vj, "since", json_integer(v->since));
                    json_array_append_new(ev, vj);
                }
                json_object_set_new(cj, "values", ev);
            }
            json_array_append_new(cols, cj);
        }
        json_object_set_new(tj, "columns", cols);
        json_array_append_new(tables, tj);
    }
    json_t *root = file_root(
        "The schema registry as data (proto/schema.md): tables and columns "
        "in wire-name order, with the version that introduced each (since), "
        "types, ranges and enum values; by_node marks a table written by the "
        "node itself with a person's action, never by the action's own "
        "operations.");
    json_object_set_new(root, "version", json_integer(s->version));
    json_object_set_new(root, "tables", tables);
    (void)g;
    return root;
}
