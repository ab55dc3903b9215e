/* gen_bundle.c - proto/vectors/bundle.json: bundles (proto/bundle.md,
 * "Bundle file").
 *
 * A's node when it held A1 and A2 (scenario_node_a12) exports a full
 * bundle and the delta for a peer whose vector holds A1; each is
 * described (digest over every byte before the trailer frame, count,
 * entry ids, exporter, creation time, scope) with what an empty node
 * does with it. Then variants of the full bundle that must be refused,
 * each wrong in one place. */
#include "gen_common.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct blob export_bundle(struct gen *g, hz_node *n, const char *vector)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/.gen_vectors.bundle", g->dir);
    uint64_t count = 0;
    struct hz_err err = {0};
    check(hz_bundle_export(n, path, vector, &count, &err), &err, "export");
    struct blob b = file_blob(path);
    unlink(path);
    return b;
}

static json_t *bundle_case(const char *name, const char *verdict,
                           const char *code, const char *reason,
                           const struct blob *b)
{
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "verdict", json_string(verdict));
    if (code != NULL)
        json_object_set_new(j, "code", json_string(code));
    json_object_set_new(j, "reason", json_string(reason));
    json_object_set_new(j, "bundle", hex_json(b->p, b->len));
    return j;
}

/* What importing a bundle into an empty node does with its entries. */
static json_t *import_stats(int applied, int pending)
{
    json_t *j = json_object();
    json_object_set_new(j, "applied", json_integer(applied));
    json_object_set_new(j, "pending", json_integer(pending));
    return j;
}

/* Offset of the trailer frame in a bundle (walking the frames). */
static size_t trailer_at(const struct blob *b)
{
    size_t at = 8;
    for (;;) {
        size_t len = (size_t)b->p[at] << 24 | (size_t)b->p[at + 1] << 16 |
                     (size_t)b->p[at + 2] << 8 | b->p[at + 3];
        if (b->p[at + 4] == 3)
            return at;
        at += 5 + len;
    }
}

/* A bundle that imports: its digest over every byte before the trailer
 * frame, the @n_ids entries it holds, its exporter, creation time and
 * scope (0 everything, 1 a delta). */
static json_t *imported_case(const char *name, const char *reason,
                             const struct blob *b, const uint8_t *const *ids,
                             size_t n_ids, const uint8_t *exporter, int scope)
{
    json_t *j = bundle_case(name, "imported", NULL, reason, b);
    uint8_t digest[HZ_HASH_LEN];
    crypto_generichash(digest, sizeof digest, b->p, trailer_at(b), NULL, 0);
    json_object_set_new(j, "digest", hex_json(digest, sizeof digest));
    json_object_set_new(j, "count", json_integer((json_int_t)n_ids));
    json_t *arr = json_array();
    for (size_t i = 0; i < n_ids; i++)
        json_array_append_new(arr, hex_json(ids[i], HZ_HASH_LEN));
    json_object_set_new(j, "entry_ids", arr);
    json_object_set_new(j, "exporter", hex_json(exporter, HZ_KEY_LEN));
    json_object_set_new(j, "created_ms",
                        json_integer((json_int_t)(T0_MS + 60000)));
    json_object_set_new(j, "scope", json_integer(scope));
    return j;
}

/* Variants of the full bundle, each wrong in one place, into @ok. */
static void refused_variants(json_t *ok, const struct blob *full)
{
    struct blob v;
    size_t tr = trailer_at(full);
    v = blob_copy(full->p, tr);
    json_array_append_new(ok,
                          bundle_case("no_trailer", "refused", "HZ_EMALFORMED",
                                      "cut before the trailer frame", &v));
    free(v.p);
    v = blob_copy(full->p, full->len);
    v.p[v.len - 1] ^= 0x01;
    json_array_append_new(
        ok, bundle_case("digest_flipped", "refused", "HZ_EMALFORMED",
                        "the last bit of the trailer digest flipped", &v));
    free(v.p);
    v = blob_copy(full->p, full->len);
    /* The trailer payload is [count, digest]: 92 02 c4 20 ... */
    if (v.p[tr + 5] != 0x92 || v.p[tr + 6] != 0x02)
        die("trailer layout");
    v.p[tr + 6] = 0x03;
    json_array_append_new(
        ok,
        bundle_case("count_wrong", "refused", "HZ_EMALFORMED",
                    "the trailer claims 3 entries, the bundle holds 2", &v));
    free(v.p);
    v = blob_copy(full->p, full->len);
    v.p[0] = 'X';
    json_array_append_new(ok,
                          bundle_case("bad_magic", "refused", "HZ_EMALFORMED",
                                      "the magic is XZBUNDLE", &v));
    free(v.p);
    v = blob_copy("", 0);
    json_array_append_new(ok, bundle_case("empty", "refused", "HZ_EMALFORMED",
                                          "a zero-byte file", &v));
    free(v.p);
    v = blob_plus_byte(full, 0);
    json_array_append_new(ok, bundle_case("trailing_byte", "refused",
                                          "HZ_EMALFORMED",
                                          "one byte after the trailer", &v));
    free(v.p);
    /* An entry byte changed: the digest is recomputed so that only the
     * entry's signature can catch it. */
    v = blob_copy(full->p, full->len);
    size_t first_entry = 8 + 5 +
                         ((size_t)v.p[8] << 24 | (size_t)v.p[9] << 16 |
                          (size_t)v.p[10] << 8 | v.p[11]);
    v.p[first_entry + 5 + 30] ^= 0x01; /* inside the author key */
    crypto_generichash(v.p + v.len - HZ_HASH_LEN, HZ_HASH_LEN, v.p, tr, NULL,
                       0);
    json_array_append_new(
        ok, bundle_case("entry_tampered", "refused", "HZ_EBADSIG",
                        "one bit of the first entry's author flipped and "
                        "the digest recomputed: the entry's signature "
                        "fails",
                        &v));
    free(v.p);
}

json_t *gen_bundle(struct gen *g)
{
    const struct scenario *sc = scenario_get(g);
    struct genv fg;
    hz_node *n = scenario_node_a12(g, &fg);
    fg.now_ms = T0_MS + 60000;
    struct blob full = export_bundle(g, n, NULL);

    /* The same node for a peer that holds A1 only. */
    char vector[512];
    scenario_vector_a1(g, vector, sizeof vector);
    const struct blob *two[2] = {&scenario_entry(g, "A1")->b,
                                 &scenario_entry(g, "A2")->b};
    struct entry e1;
    decode_or_die(&e1, two[0]);
    struct blob delta = export_bundle(g, n, vector);
    hz_node_close(n);

    json_t *root = file_root(
        "Bundles (proto/bundle.md): magic, frames, header, entries, "
        "trailer with the count and the BLAKE2b-256 digest of every byte "
        "before the trailer frame.");
    json_t *ok = json_array();
    struct entry e2;
    decode_or_die(&e2, two[1]);
    const uint8_t *both[] = {e1.id, e2.id};
    const uint8_t *exporter = sc->au[0].id.pk;
    json_t *j = imported_case("full", "every entry of a node holding A1 and A2",
                              &full, both, 2, exporter, 0);
    json_object_set_new(j, "fresh_node", import_stats(2, 0));
    json_array_append_new(ok, j);

    j = imported_case("delta",
                      "what a peer whose vector holds A1 lacks: A2 only",
                      &delta, both + 1, 1, exporter, 1);
    json_object_set_new(j, "for_vector", parsed(vector));
    json_object_set_new(j, "fresh_node", import_stats(0, 1));
    json_array_append_new(ok, j);

    refused_variants(ok, &full);
    json_object_set_new(root, "bundles", ok);
    free(full.p);
    free(delta.p);
    return root;
}
