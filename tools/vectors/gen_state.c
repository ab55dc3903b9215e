/* gen_state.c - proto/vectors/state.json: the scenario's entries and the
 * state they make (proto/merge.md; proto/state-hash.md).
 *
 * A fresh node takes in every entry of the scenario in reverse order, so
 * that most wait in pending first. Its state is written out: the state
 * hash, every byte hashed after the tag (checked to hash to the node's
 * state hash), the tables, conflicts, vector and stock. Every author's
 * own node must hold the same state hash. */
#include "gen_common.h"

#include "core/limits.h"
#include "core/schema.h"
#include "store/state/render.h"

#include <sodium.h>

#include <string.h>

/* ---- state: the hash input written out row by row */

static json_t *state_tables(hz_node *n, struct enc *in)
{
    const struct schema *s = n->schema;
    json_t *tables = json_object();
    enc_reset(in);
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct table_def *td = &s->tables[t];
        char sql[1024];
        query_select_sql(td, sql, sizeof sql - 20);
        strcat(sql, " ORDER BY id");
        sqlite3_stmt *st;
        struct hz_err err = {0};
        check(db_prep(&n->db, sql, &st, &err), &err, "select");
        json_t *rows = json_array();
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (json_array_size(rows) == 0)
                enc_cstr(in, td->name);
            struct value vals[HZ_FIELDS_MAX];
            size_t set = 0;
            for (size_t c = 0; c < td->n_cols; c++) {
                if (db_column_value(&td->cols[c], st, (int)c + 2, &vals[c]) !=
                    0)
                    die("value of %s", td->name);
                set += vals[c].type != VALUE_NIL;
            }
            bool entity = td->kind == TABLE_ENTITY;
            bool deleted = entity && sqlite3_column_int(st, 1) != 0;
            enc_array(in, entity ? 3 : 2);
            enc_bin(in, sqlite3_column_blob(st, 0), HZ_ROW_LEN);
            if (entity)
                enc_bool(in, deleted);
            enc_array(in, set);
            json_t *row = json_object();
            json_object_set_new(
                row, "id", hex_json(sqlite3_column_blob(st, 0), HZ_ROW_LEN));
            if (entity)
                json_object_set_new(row, "deleted", json_boolean(deleted));
            json_t *cols = json_object();
            for (size_t c = 0; c < td->n_cols; c++) {
                if (vals[c].type == VALUE_NIL)
                    continue;
                enc_array(in, 2);
                enc_cstr(in, td->cols[c].name);
                enc_value(in, &vals[c]);
                json_object_set_new(cols, td->cols[c].name,
                                    value_json(&vals[c]));
            }
            json_object_set_new(row, "columns", cols);
            json_array_append_new(rows, row);
        }
        sqlite3_reset(st);
        if (json_array_size(rows) > 0)
            json_object_set_new(tables, td->name, rows);
        else
            json_decref(rows);
    }
    return tables;
}

static json_t *view_json(hz_node *n, const char *view)
{
    char *text;
    struct hz_err err = {0};
    check(hz_node_view(n, view, &text, &err), &err, view);
    json_t *j = parsed(text);
    hz_free_string(text);
    return j;
}

/* The state of @n: hash, its input, tables, conflicts, vector, stock. */
static json_t *state_json(struct gen *g, hz_node *n)
{
    char hash[2 * HZ_HASH_LEN + 1];
    struct hz_err err = {0};
    check(hz_node_state_hash(n, hash, &err), &err, "state hash");
    json_t *tables = state_tables(n, &g->scratch);
    crypto_generichash_state h;
    uint8_t digest[HZ_HASH_LEN];
    char mine[2 * HZ_HASH_LEN + 1];
    crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)"huzhu state v1", 14);
    crypto_generichash_update(&h, enc_data(&g->scratch), enc_len(&g->scratch));
    crypto_generichash_final(&h, digest, sizeof digest);
    hex_encode(digest, sizeof digest, mine);
    if (strcmp(mine, hash) != 0)
        die("state hash: %s written out, %s from the node", mine, hash);
    json_t *j = json_object();
    json_object_set_new(j, "state_hash", json_string(hash));
    json_object_set_new(j, "hash_input",
                        hex_json(enc_data(&g->scratch), enc_len(&g->scratch)));
    json_object_set_new(j, "tables", tables);
    json_object_set_new(j, "conflicts", node_json(n, hz_node_conflicts));
    json_object_set_new(j, "vector", node_json(n, hz_node_vector));
    json_object_set_new(j, "stock", view_json(n, "stock"));
    return j;
}

json_t *gen_state(struct gen *g)
{
    const struct scenario *sc = scenario_get(g);
    /* Entries in a fixed order: by author name, then seq (the names sort
     * that way: A1 < A2 < ... < B1 < ... < C2). Ingested here in reverse,
     * so most arrive ahead of a gap and wait in pending. */
    const struct blob *order[NAMED_MAX];
    size_t count = sc->n_named;
    for (size_t i = 0; i < count; i++)
        order[i] = &sc->named[i].b;
    struct genv fg;
    hz_node *n = fresh_node(&fg, SEED_RECEIVER);
    const struct blob *rev[NAMED_MAX];
    for (size_t i = 0; i < count; i++)
        rev[i] = order[count - 1 - i];
    struct hz_ingest_stats st = {0};
    ingest_all(n, rev, count, &st);
    json_t *state = state_json(g, n);

    /* Every author's node holds the same state. */
    const char *want = json_string_value(json_object_get(state, "state_hash"));
    for (size_t i = 0; i < AUTHORS; i++) {
        char hash[2 * HZ_HASH_LEN + 1];
        struct hz_err err = {0};
        check(hz_node_state_hash(sc->au[i].node, hash, &err), &err, "hash");
        if (strcmp(hash, want) != 0)
            die("author %s does not converge", sc->au[i].name);
    }
    hz_node_close(n);

    json_t *root = file_root(
        "A set of entries and the state they make (proto/merge.md, "
        "proto/state-hash.md). Apply the entries in any order; the state "
        "hash must equal state_hash. hash_input is every byte hashed after "
        "the tag \"huzhu state v1\". tables, conflicts, vector and stock "
        "are the same state as a reader sees it.");
    json_object_set_new(root, "authors", scenario_keys_json(g));
    json_t *entries = json_array();
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(sc->named[i].name));
        json_object_set_new(e, "description", json_string(sc->named[i].desc));
        json_object_set_new(e, "entry",
                            hex_json(sc->named[i].b.p, sc->named[i].b.len));
        json_array_append_new(entries, e);
    }
    json_object_set_new(root, "entries", entries);
    json_object_update(root, state);
    json_decref(state);
    return root;
}
