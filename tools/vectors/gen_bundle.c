/* gen_bundle.c - proto/vectors/bundle.json: bundles (proto/bundle.md,
 * "File format").
 *
 * A's node when it held A1 and A2 (scenario_node_a12) exports a full
 * bundle and the delta for a peer whose vector holds A1; each is
 * described (digest over every byte before the trailer frame, count,
 * entry ids, exporter, creation time, scope) with what an empty node
 * does with it. Then variants of the full bundle that must be refused,
 * each wrong in one place: among them a header or trailer that breaks
 * one rule of its one form (proto/bundle.md, "Header and trailer"). */
#include "gen_common.h"

#include "core/bundle.h"

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

static size_t be32_at(const uint8_t *p)
{
    return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

static void put_frame(uint8_t *at, size_t len, uint8_t kind)
{
    at[0] = (uint8_t)(len >> 24);
    at[1] = (uint8_t)(len >> 16);
    at[2] = (uint8_t)(len >> 8);
    at[3] = (uint8_t)len;
    at[4] = kind;
}

/* @full with the header frame's payload @hdr instead of its own, and a
 * trailer whose digest covers the new bytes: only the header is wrong. */
static struct blob with_header(const struct blob *full, const struct blob *hdr)
{
    size_t entries = 8 + 5 + be32_at(full->p + 8), tr = trailer_at(full);
    struct bundle_trailer t;
    struct hz_err err = {0};
    check(bundle_trailer_decode(&t, full->p + tr + 5, full->len - tr - 5, &err),
          &err, "the full bundle's trailer");
    struct blob pre = {malloc(13 + hdr->len + tr - entries),
                       13 + hdr->len + tr - entries};
    if (pre.p == NULL)
        die("out of memory");
    memcpy(pre.p, full->p, 8);
    put_frame(pre.p + 8, hdr->len, 1);
    memcpy(pre.p + 13, hdr->p, hdr->len);
    memcpy(pre.p + 13 + hdr->len, full->p + entries, tr - entries);
    crypto_generichash(t.digest, sizeof t.digest, pre.p, pre.len, NULL, 0);
    struct enc e;
    enc_init(&e);
    check(bundle_trailer_encode(&t, &e), NULL, "trailer");
    uint8_t frame[5];
    put_frame(frame, enc_len(&e), 3);
    struct blob a = blob_splice(&pre, pre.len, 0, frame, sizeof frame);
    struct blob out = blob_splice(&a, a.len, 0, enc_data(&e), enc_len(&e));
    enc_close(&e);
    free(a.p);
    free(pre.p);
    return out;
}

/* @full with the trailer frame's payload @tr instead of its own. */
static struct blob with_trailer(const struct blob *full, const struct blob *tr)
{
    size_t at = trailer_at(full);
    uint8_t frame[5];
    put_frame(frame, tr->len, 3);
    struct blob a = blob_splice(full, at, full->len - at, frame, sizeof frame);
    struct blob out = blob_splice(&a, a.len, 0, tr->p, tr->len);
    free(a.p);
    return out;
}

#define S(x) x, sizeof(x) - 1

/* A header or trailer wrong in one place: @del bytes of its payload at
 * @at replaced by @ins, and @tail appended. */
struct form_variant {
    const char *name, *code, *reason;
    int trailer; /* 0 the header, 1 the trailer */
    size_t at, del;
    const char *ins;
    size_t ins_len;
    const char *tail;
    size_t tail_len;
};

/* The full bundle's header is 95 01 c4 10 <network> c4 20 <exporter>
 * cf <created_ms> 00 (64 bytes), its trailer 92 02 c4 20 <digest>. */
static const struct form_variant form_variants[] = {
    {"header_array16", "HZ_EMALFORMED",
     "the header's array of 5 written as array16 (dc 00 05), not fixarray "
     "95; the digest recomputed",
     0, 0, 1, S("\xdc\x00\x05"), S("")},
    {"header_version_uint8", "HZ_EMALFORMED",
     "the version 1 written as uint8 (cc 01), not fixint 01; the digest "
     "recomputed",
     0, 1, 1, S("\xcc\x01"), S("")},
    {"header_version_2", "HZ_EVERSION",
     "the header [2]: a version other than 1 is a newer format, whatever "
     "follows it; the digest recomputed",
     0, 0, 64, S("\x91\x02"), S("")},
    {"header_network_bin16", "HZ_EMALFORMED",
     "the network's 16 bytes written as bin16 (c5 00 10), not bin8 c4 10; "
     "the digest recomputed",
     0, 2, 2, S("\xc5\x00\x10"), S("")},
    {"header_scope_uint8", "HZ_EMALFORMED",
     "scope 0 written as uint8 (cc 00); the digest recomputed", 0, 63, 1,
     S("\xcc\x00"), S("")},
    {"header_scope_2", "HZ_EMALFORMED",
     "scope 2: only 0 (everything) and 1 (a delta) are defined; the digest "
     "recomputed",
     0, 63, 1, S("\x02"), S("")},
    {"header_six_elements", "HZ_EMALFORMED",
     "a sixth element, 0, after scope (96 ... 00); the digest recomputed", 0, 0,
     1, S("\x96"), S("\x00")},
    {"header_byte_after", "HZ_EMALFORMED",
     "one byte (00) after the header's array, inside its frame; the digest "
     "recomputed",
     0, 0, 0, S(""), S("\x00")},
    {"trailer_array16", "HZ_EMALFORMED",
     "the trailer's array of 2 written as array16 (dc 00 02), not fixarray "
     "92",
     1, 0, 1, S("\xdc\x00\x02"), S("")},
    {"trailer_count_uint8", "HZ_EMALFORMED",
     "the count 2 written as uint8 (cc 02), not fixint 02", 1, 1, 1,
     S("\xcc\x02"), S("")},
    {"trailer_digest_bin16", "HZ_EMALFORMED",
     "the digest written as bin16 (c5 00 20), not bin8 c4 20", 1, 2, 2,
     S("\xc5\x00\x20"), S("")},
    {"trailer_three_elements", "HZ_EMALFORMED",
     "a third element, nil, after the digest (93 ... c0)", 1, 0, 1, S("\x93"),
     S("\xc0")},
    {"trailer_byte_after", "HZ_EMALFORMED",
     "one byte (00) after the trailer's array, inside its frame", 1, 0, 0,
     S(""), S("\x00")},
};

/* The variants of form_variants, into @ok. */
static void form_variant_cases(json_t *ok, const struct blob *full)
{
    size_t tr = trailer_at(full);
    struct blob hdr = blob_copy(full->p + 13, be32_at(full->p + 8));
    struct blob trl = blob_copy(full->p + tr + 5, full->len - tr - 5);
    if (hdr.len != 64 || hdr.p[0] != 0x95 || hdr.p[1] != 0x01 ||
        hdr.p[2] != 0xc4 || hdr.p[54] != 0xcf || hdr.p[63] != 0x00 ||
        trl.len != 36 || trl.p[0] != 0x92 || trl.p[1] != 0x02 ||
        trl.p[2] != 0xc4)
        die("header or trailer: not the layout expected");
    /* Rebuilding with nothing changed gives the bundle back. */
    struct blob same = with_header(full, &hdr);
    struct blob same_tr = with_trailer(full, &trl);
    if (same.len != full->len || memcmp(same.p, full->p, full->len) != 0 ||
        same_tr.len != full->len || memcmp(same_tr.p, full->p, full->len) != 0)
        die("with_header or with_trailer does not rebuild the bundle");
    free(same.p);
    free(same_tr.p);
    for (size_t i = 0; i < N(form_variants); i++) {
        const struct form_variant *f = &form_variants[i];
        const struct blob *part = f->trailer ? &trl : &hdr;
        struct blob a = blob_splice(part, f->at, f->del, f->ins, f->ins_len);
        struct blob b = blob_splice(&a, a.len, 0, f->tail, f->tail_len);
        struct blob v =
            f->trailer ? with_trailer(full, &b) : with_header(full, &b);
        json_array_append_new(
            ok, bundle_case(f->name, "refused", f->code, f->reason, &v));
        free(v.p);
        free(b.p);
        free(a.p);
    }
    free(hdr.p);
    free(trl.p);
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
    form_variant_cases(ok, full);
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
