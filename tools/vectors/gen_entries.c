/* gen_entries.c - proto/vectors/entries.json: valid entries, fully
 * described (proto/entry.md: "Envelope", "Signing", "Body").
 *
 * The scenario's entries and one from a mixed-order key, each with its
 * bytes, the decoded envelope and body, the signing input and the entry
 * id. Before it is written, each entry is checked both ways against the
 * code: it decodes, re-encodes to the same bytes and verifies, its id is
 * BLAKE2b-256 of the signing input written out here, and its body
 * re-encodes to the same bytes. */
#include "gen_common.h"

#include "core/schema.h"

#include <stdlib.h>
#include <string.h>

static json_t *ids_json(const uint8_t *const *ids, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, hex_json(ids[i], HZ_HASH_LEN));
    return a;
}

static json_t *body_json(const struct body *b)
{
    static const char *const kinds[] = {"set", "del", "ins"};
    json_t *ops = json_array();
    for (size_t i = 0; i < b->n_ops; i++) {
        const struct op *o = &b->ops[i];
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string(kinds[o->kind]));
        json_object_set_new(j, "table", json_string(o->table->name));
        json_object_set_new(j, "row", hex_json(o->row, HZ_ROW_LEN));
        if (o->kind == OP_DEL) {
            json_object_set_new(j, "seen", ids_json(o->seen, o->n_seen));
        } else {
            json_t *fs = json_array();
            for (size_t k = 0; k < o->n_fields; k++) {
                const struct field *f = &o->fields[k];
                json_t *fj = json_object();
                json_object_set_new(fj, "column",
                                    json_string(o->table->cols[f->col].name));
                json_object_set_new(fj, "value", value_json(&f->val));
                if (o->kind == OP_SET)
                    json_object_set_new(fj, "heads",
                                        ids_json(f->heads, f->n_heads));
                json_array_append_new(fs, fj);
            }
            json_object_set_new(j, "fields", fs);
        }
        json_array_append_new(ops, j);
    }
    json_t *j = json_object();
    json_object_set_new(j, "schema_version",
                        json_integer((json_int_t)b->schema_version));
    json_object_set_new(j, "ops", ops);
    return j;
}

/* A valid entry, fully described; checks it both ways on the way. */
static json_t *entry_json(struct gen *g, const char *name, const char *author,
                          const char *desc, const struct blob *b)
{
    struct entry e;
    json_t *j = entry_head_json(g, name, author, desc, b, CLOCK_WITH_PARTS, &e);
    struct hz_err err = {0};
    struct enc tmp;
    enc_init(&tmp);
    struct body body;
    check(body_decode(&body, schema_current(), e.body.p, e.body.len, &err),
          &err, name);
    check(body_encode(&body, &tmp), NULL, name);
    if (enc_len(&tmp) != e.body.len ||
        memcmp(enc_data(&tmp), e.body.p, e.body.len) != 0)
        die("%s: body re-encoding differs", name);
    json_object_set_new(j, "body", body_json(&body));
    body_close(&body);
    enc_close(&tmp);
    return j;
}

json_t *gen_entries(struct gen *g)
{
    json_t *root = file_root(
        "Valid entries (proto/entry.md): the envelope fields, the body "
        "decoded, the signing input, the entry id and the signature. "
        "Decoding entry and encoding it again must give the same bytes.");
    json_object_set_new(root, "keys", scenario_keys_json(g));
    json_t *arr = json_array();
    static const char *const pick[] = {"A1", "A2", "B1", "A3", "A4", "A5",
                                       "A6", "B2", "C1", "B5", "C2", "A8"};
    for (size_t i = 0; i < N(pick); i++) {
        const struct named *nm = scenario_entry(g, pick[i]);
        json_array_append_new(
            arr, entry_json(g, nm->name, nm->author, nm->desc, &nm->b));
    }
    /* The mixed-order key's signatures go to ed25519.json. */
    json_t *sigs = json_array();
    struct enc tmp;
    enc_init(&tmp);
    struct blob mixed = mixed_order_entry(&tmp, sigs);
    enc_close(&tmp);
    json_decref(sigs);
    json_array_append_new(
        arr, entry_json(g, "mixed_order_author", NULL,
                        "an author key of mixed order (see ed25519.json, "
                        "mixed_order_key): valid under libsodium 1.0.18",
                        &mixed));
    free(mixed.p);
    json_object_set_new(root, "entries", arr);
    return root;
}
