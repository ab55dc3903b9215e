/* gen_trust_bundles_sealed.c - trust-bundles.json's "sealed": bundles as
 * huzhu export writes them in a network, imported or refused
 * (proto/bundle.md, "Sealed bundles").
 *
 * Each is read by a fresh node of its reader that joined with the token R
 * wrote for it, through hz_bundle_import: an imported one is described
 * (its plain bundle, epoch, key id, the epoch it carries, its chunks and
 * what the import counts), a refused one must be refused with its code
 * and change nothing. The refused ones are the imported ones changed in
 * one place, a bundle of another network, and bundles read by the devices
 * their epochs revoked. */
#include "gen_trust_bundles.h"

#include "huzhu/trust.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *stats_json(const struct hz_ingest_stats *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "entries", json_integer((json_int_t)s->entries));
    json_object_set_new(o, "applied", json_integer((json_int_t)s->applied));
    json_object_set_new(o, "duplicate", json_integer((json_int_t)s->duplicate));
    json_object_set_new(o, "pending", json_integer((json_int_t)s->pending));
    json_object_set_new(o, "rejected", json_integer((json_int_t)s->rejected));
    json_object_set_new(o, "denied", json_integer((json_int_t)s->denied));
    return o;
}

struct blob tb_unseal(struct dnode *d, const struct blob *sealed)
{
    FILE *in = fmemopen(sealed->p, sealed->len, "rb");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (in == NULL || out == NULL)
        die("unseal: streams");
    struct hz_err err = {0};
    check(unseal_file(d->n, in, out, &err), &err, "unseal");
    fclose(in);
    if (fclose(out) != 0)
        die("unseal: stream");
    struct blob b = blob_copy(buf, len);
    free(buf);
    return b;
}

/* Where things sit in a sealed bundle: proto/bundle.md, "Sealed bundles".
 * The header of a bundle this generator wrote is
 *   95 01 c4 10 <network> c4 10 <key id> <epoch> <carried>
 * and the offsets below are checked against it. */
#define SEAL_AT_VERSION 1u
#define SEAL_AT_KEY_ID 22u
#define SEAL_AT_EPOCH 38u
#define SEAL_CHUNKS_MAX 8

struct seal_layout {
    size_t header_len;
    size_t n_chunks;
    size_t chunk_at[SEAL_CHUNKS_MAX]; /* each chunk's 4-byte length */
    size_t chunk_len[SEAL_CHUNKS_MAX];
};

static size_t be32_at(const struct blob *b, size_t at)
{
    if (at + 4 > b->len)
        die("sealed bundle: cut");
    return (size_t)b->p[at] << 24 | (size_t)b->p[at + 1] << 16 |
           (size_t)b->p[at + 2] << 8 | b->p[at + 3];
}

static void seal_layout(const struct blob *b, const uint8_t *network,
                        struct seal_layout *s)
{
    memset(s, 0, sizeof *s);
    if (b->len < 12 || memcmp(b->p, "HZSEALED", 8) != 0)
        die("not a sealed bundle");
    s->header_len = be32_at(b, 8);
    const uint8_t *h = b->p + 12;
    if (h[0] != 0x95 || h[1] != 0x01 || h[2] != 0xc4 || h[3] != 0x10 ||
        memcmp(h + 4, network, HZ_NET_LEN) != 0 || h[20] != 0xc4 ||
        h[21] != 0x10)
        die("sealed header: not the layout expected");
    size_t at = 12 + s->header_len + 24;
    while (at < b->len) {
        if (s->n_chunks == SEAL_CHUNKS_MAX)
            die("sealed bundle: too many chunks");
        s->chunk_at[s->n_chunks] = at;
        s->chunk_len[s->n_chunks] = be32_at(b, at);
        at += 4 + s->chunk_len[s->n_chunks++];
    }
    if (at != b->len)
        die("sealed bundle: chunks do not fill it");
}

static int64_t count_log(hz_node *n)
{
    sqlite3_stmt *st;
    struct hz_err err = {0};
    check(db_prep(&n->db, "SELECT count(*) FROM log", &st, &err), &err, "log");
    if (sqlite3_step(st) != SQLITE_ROW)
        die("count log");
    int64_t c = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return c;
}

int tb_read(struct sworld *w, enum sm who, const struct blob *b,
            struct hz_ingest_stats *st, struct hz_err *err)
{
    char sub[32], path[600];
    snprintf(sub, sizeof sub, "reader%zu", w->n_tmp++);
    struct dnode d;
    dnode_open(&d, w->base, sub, who, T0_MS + 86400000);
    char *summary = NULL;
    struct hz_err jerr = {0};
    check(hz_join(d.n, w->token[who], &summary, &jerr), &jerr, "join");
    hz_free_string(summary);
    tmp_name(w, "in", path, sizeof path);
    file_put(path, b->p, b->len);
    char before[2 * HZ_HASH_LEN + 1], after[2 * HZ_HASH_LEN + 1];
    struct hz_err herr = {0};
    check(hz_node_state_hash(d.n, before, &herr), &herr, "state hash");
    int64_t log_before = count_log(d.n);
    memset(st, 0, sizeof *st);
    int rv = hz_bundle_import(d.n, path, st, err);
    check(hz_node_state_hash(d.n, after, &herr), &herr, "state hash");
    if (rv != 0 && (strcmp(before, after) != 0 || count_log(d.n) != log_before))
        die("a refused sealed bundle changed the node");
    hz_node_close(d.n);
    unlink(path);
    return rv;
}

void tb_sealed(struct sworld *w, json_t *a, const char *name, const char *desc,
               enum sm reader, const struct blob *b, const char *code,
               struct dnode *opener, const char *carried)
{
    struct hz_ingest_stats st;
    struct hz_err err = {0};
    int rv = tb_read(w, reader, b, &st, &err);
    if (code == NULL && rv != 0)
        die("%s: refused: %s (%s)", name, err.msg, hz_errname(rv));
    if (code != NULL)
        expect_refused(name, rv, code, &err);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "description", json_string(desc));
    json_object_set_new(o, "reader", json_string(sm[reader].name));
    json_object_set_new(o, "verdict",
                        json_string(code == NULL ? "imported" : "refused"));
    if (code != NULL)
        json_object_set_new(o, "code", json_string(code));
    json_object_set_new(o, "sealed", hex_json(b->p, b->len));
    if (code == NULL) {
        struct seal_layout s;
        seal_layout(b, w->network, &s);
        struct blob plain = tb_unseal(opener, b);
        json_object_set_new(o, "plain", hex_json(plain.p, plain.len));
        json_object_set_new(o, "plain_len",
                            json_integer((json_int_t)plain.len));
        json_object_set_new(o, "chunks", json_integer((json_int_t)s.n_chunks));
        /* Every chunk but the last holds 65,536 plain bytes. */
        size_t full = 65536 + crypto_secretstream_xchacha20poly1305_ABYTES;
        for (size_t i = 0; i + 1 < s.n_chunks; i++) {
            if (s.chunk_len[i] != full)
                die("%s: chunk %zu of %zu bytes", name, i, s.chunk_len[i]);
        }
        if (s.n_chunks == 0 || s.chunk_len[s.n_chunks - 1] > full)
            die("%s: the last chunk", name);
        json_object_set_new(o, "epoch", json_integer(b->p[12 + SEAL_AT_EPOCH]));
        json_object_set_new(o, "key_id",
                            hex_json(b->p + 12 + SEAL_AT_KEY_ID, 16));
        json_object_set_new(o, "carried",
                            carried ? json_string(carried) : json_null());
        json_object_set_new(o, "import", stats_json(&st));
        free(plain.p);
    }
    json_array_append_new(a, o);
}

/* Records with long notes: the plain bundle passes 65,536 bytes, so
 * it is sealed in two chunks. Test text, no one's data. */
void tb_long_records(struct dnode *d)
{
    char notes[2600];
    size_t at = 0;
    while (at + 6 < sizeof notes) {
        memcpy(notes + at, "测试", 6);
        at += 6;
    }
    notes[at] = '\0';
    for (int e = 0; e < 3; e++) {
        hz_batch *x;
        struct hz_err err = {0};
        check(hz_batch_open(d->n, &x, &err), &err, "batch");
        for (int i = 0; i < 8; i++) {
            char id[33], members[4];
            snprintf(id, sizeof id, "1a0000000000000000000000000000%02x",
                     e * 8 + i);
            snprintf(members, sizeof members, "%d", 1 + i);
            PUT(x, "households", id, {"members", members}, {"notes", notes},
                {"village", "测试村"});
        }
        size_t n = 0;
        check(hz_node_commit(d->n, x, &n, &err), &err, "records");
        hz_batch_close(x);
        d->g.now_ms += 60000;
    }
}

/* The bundles imported by their reader, each described. */
static void imported_cases(struct sworld *w, const struct tb_exports *x,
                           struct dnode *r, struct dnode *a, json_t *sealed)
{
    tb_sealed(w, sealed, "epoch0",
              "R's bundle after admitting A, C and V: "
              "epoch 0, its key derived from the network secret; carried nil",
              SM_C, &x->e0, NULL, r, NULL);
    tb_sealed(w, sealed, "epoch1_carried",
              "R's bundle after revoking V: epoch 1, whose object the header "
              "carries; C opens its share from the header",
              SM_C, &x->e1, NULL, r, "epoch1_by_root");
    tb_sealed(w, sealed, "epoch1_by_token_key",
              "the same bundle read by W, admitted after the revocation: no "
              "share of its own, the key is in W's join token",
              SM_W, &x->e1, NULL, r, "epoch1_by_root");
    tb_sealed(w, sealed, "epoch2_carried",
              "A's bundle after revoking W: epoch 2, signed by A's node key, "
              "carried in the header",
              SM_C, &x->e2, NULL, a, "epoch2_by_admin");
    tb_sealed(w, sealed, "epoch2_two_chunks",
              "A's bundle after records with long notes: the plain bundle "
              "is longer than 65,536 bytes, so two chunks, MESSAGE then "
              "FINAL",
              SM_C, &x->big, NULL, a, "epoch2_by_admin");
}

/* The bundles refused: the imported ones changed in one place, another
 * network's, and bundles read by the devices their epochs revoked. */
static void refused_cases(struct sworld *w, const struct tb_exports *x,
                          json_t *sealed)
{
    struct seal_layout lay0, lay_big;
    seal_layout(&x->e0, w->network, &lay0);
    seal_layout(&x->big, w->network, &lay_big);
    if (lay_big.n_chunks != 2)
        die("the long bundle has %zu chunks", lay_big.n_chunks);
    if (x->e0.p[12 + SEAL_AT_EPOCH] != 0 || x->e0.p[12 + SEAL_AT_VERSION] != 1)
        die("epoch 0's header: not the layout expected");
    struct blob b = blob_dup(&x->e0);
    b.p[lay0.chunk_at[0] + 4 + 16] ^= 0x01;
    tb_sealed(w, sealed, "ciphertext_byte_flipped",
              "epoch0 with byte 16 of the chunk's ciphertext flipped", SM_C, &b,
              "HZ_EBADSIG", NULL, NULL);
    free(b.p);
    b = blob_dup(&x->e0);
    b.p[12 + SEAL_AT_EPOCH] = 1;
    tb_sealed(w, sealed, "header_epoch_changed",
              "epoch0 with the header's epoch changed to 1: a header of an "
              "epoch after 0 carries that epoch's object, and this one "
              "carries nil (the key id still names epoch 0's key)",
              SM_C, &b, "HZ_EMALFORMED", NULL, NULL);
    free(b.p);
    b = blob_copy(x->big.p, lay_big.chunk_at[1]);
    tb_sealed(w, sealed, "cut_before_final",
              "epoch2_two_chunks cut after its first chunk: every chunk "
              "there authenticates, but the FINAL one is missing",
              SM_C, &b, "HZ_EMALFORMED", NULL, NULL);
    free(b.p);
    b = blob_plus_byte(&x->e0, 0x00);
    tb_sealed(w, sealed, "byte_after_final",
              "epoch0 with one zero byte after the FINAL chunk", SM_C, &b,
              "HZ_EMALFORMED", NULL, NULL);
    free(b.p);
    b = blob_dup(&x->e0);
    b.p[12 + SEAL_AT_KEY_ID] ^= 0x01;
    tb_sealed(w, sealed, "unknown_key_id",
              "epoch0 with the first byte of the key id flipped: a key no "
              "member holds",
              SM_C, &b, "HZ_EPERM", NULL, NULL);
    free(b.p);
    b = blob_dup(&x->e0);
    b.p[12 + SEAL_AT_VERSION] = 2;
    tb_sealed(w, sealed, "version_2", "epoch0 with the sealed format version 2",
              SM_C, &b, "HZ_EVERSION", NULL, NULL);
    free(b.p);
    tb_sealed(w, sealed, "another_network",
              "a bundle sealed by a node of another network (its own epoch "
              "0)",
              SM_C, &x->other, "HZ_ENETWORK", NULL, NULL);
    tb_sealed(w, sealed, "revoked_v_reads_epoch1",
              "epoch1_carried read by V, the device epoch 1 revoked: no "
              "share, no key",
              SM_V, &x->e1, "HZ_EPERM", NULL, NULL);
    tb_sealed(w, sealed, "revoked_w_reads_epoch2",
              "epoch2_carried read by W: its token holds epoch 1's key, and "
              "epoch 2 left it out",
              SM_W, &x->e2, "HZ_EPERM", NULL, NULL);
}

json_t *tb_sealed_cases(struct sworld *w, const struct tb_exports *x,
                        struct dnode *r, struct dnode *a)
{
    json_t *sealed = json_array();
    imported_cases(w, x, r, a, sealed);
    refused_cases(w, x, sealed);
    return sealed;
}
