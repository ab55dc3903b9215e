/* gen_trust_bundles_reseal.c - trust-bundles.json's sealed bundles that
 * break one rule of proto/bundle.md, "Reading a sealed bundle", and the
 * bundle whose plain bundle is exactly 65,536 bytes.
 *
 * A refused bundle here is a plain bundle that imports, sealed again by
 * hand (libsodium's secretstream, as bundle.md says) under a key its
 * reader holds, with one thing changed: the header's form, its epoch or
 * the object it carries, or the size or tag of a chunk. The same plain
 * bundle, key and header sealed in the one form imports for that reader
 * (checked here), so only the rule broken can refuse it. The exact one
 * is a real export: one FINAL chunk of 65,536 bytes, no empty chunk
 * after it. */
#include "gen_trust_bundles.h"

#include "core/bundle.h"
#include "huzhu/trust.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_PUSH crypto_secretstream_xchacha20poly1305_TAG_PUSH
#define TAG_REKEY crypto_secretstream_xchacha20poly1305_TAG_REKEY
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define CHUNK 65536u
#define PIECES_MAX 256
/* Households of 3,000 bytes that bring C's bundle near 65,536 bytes. */
#define EXACT_FILL 20

/* One chunk: how many plain bytes, under which tag. */
struct piece {
    size_t len;
    unsigned char tag;
};

static void put_be32(FILE *f, size_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};
    if (fwrite(b, 1, 4, f) != 4)
        die("reseal: write");
}

/* @plain sealed under @key with the header bytes @header (as given), in
 * the chunks @p[0..n), whose lengths add up to @plain's. */
static struct blob reseal(const uint8_t *key, const struct blob *header,
                          const struct blob *plain, const struct piece *p,
                          size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        die("reseal: stream");
    struct blob ad = blob_copy("HZSEALED\0\0\0\0", 12);
    ad.p[8] = (uint8_t)(header->len >> 24);
    ad.p[9] = (uint8_t)(header->len >> 16);
    ad.p[10] = (uint8_t)(header->len >> 8);
    ad.p[11] = (uint8_t)header->len;
    struct blob full = blob_splice(&ad, 12, 0, header->p, header->len);
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t ss[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_init_push(&st, ss, key);
    if (fwrite(full.p, 1, full.len, f) != full.len ||
        fwrite(ss, 1, sizeof ss, f) != sizeof ss)
        die("reseal: write");
    uint8_t *c =
        malloc(CHUNK + 1 + crypto_secretstream_xchacha20poly1305_ABYTES);
    size_t at = 0;
    for (size_t i = 0; c != NULL && i < n; i++) {
        unsigned long long clen;
        if (at + p[i].len > plain->len)
            die("reseal: pieces past the plain bundle");
        crypto_secretstream_xchacha20poly1305_push(
            &st, c, &clen, plain->p + at, p[i].len, full.p, full.len, p[i].tag);
        put_be32(f, (size_t)clen);
        if (fwrite(c, 1, (size_t)clen, f) != (size_t)clen)
            die("reseal: write");
        at += p[i].len;
    }
    if (c == NULL || at != plain->len)
        die("reseal: the pieces do not cover the plain bundle");
    free(c);
    free(ad.p);
    free(full.p);
    if (fclose(f) != 0)
        die("reseal: stream");
    struct blob out = blob_copy(buf, len);
    free(buf);
    return out;
}

/* The chunks of @len plain bytes in the one form: 65,536-byte MESSAGE
 * chunks, then a FINAL one of what is left (1 to 65,536 bytes). */
static size_t one_form(size_t len, struct piece *p)
{
    size_t n = 0;
    while (len > CHUNK) {
        p[n++] = (struct piece){CHUNK, TAG_MESSAGE};
        len -= CHUNK;
    }
    p[n++] = (struct piece){len, TAG_FINAL};
    return n;
}

/* The header bytes of a sealed bundle written by huzhu. */
static struct blob header_of(const struct blob *sealed)
{
    size_t hl = (size_t)sealed->p[8] << 24 | (size_t)sealed->p[9] << 16 |
                (size_t)sealed->p[10] << 8 | sealed->p[11];
    return blob_copy(sealed->p + 12, hl);
}

static struct blob header_enc(const uint8_t *network, const uint8_t *key_id,
                              uint64_t epoch, const struct blob *carried)
{
    struct sealed_header h = {.epoch = epoch};
    memcpy(h.network, network, HZ_NET_LEN);
    memcpy(h.key_id, key_id, HZ_KEY_ID_LEN);
    if (carried != NULL)
        h.carried = (struct hz_bytes){carried->p, carried->len};
    struct enc e;
    enc_init(&e);
    check(bundle_sealed_header_encode(&h, &e), NULL, "sealed header");
    struct blob b = blob_of_enc(&e);
    enc_close(&e);
    return b;
}

/* What the refused bundles are made of: a plain bundle, the key and the
 * header huzhu seals it with, and the reader who imports it so. */
struct base {
    const char *name;
    enum sm reader;
    const uint8_t *key;
    struct blob plain, header;
};

/* @b sealed in the one form imports for its reader, or the generator
 * stops: a refusal of a variant is then the variant's. */
static void base_imports(struct sworld *w, const struct base *b)
{
    struct piece p[PIECES_MAX];
    size_t n = one_form(b->plain.len, p);
    struct blob s = reseal(b->key, &b->header, &b->plain, p, n);
    struct hz_ingest_stats st;
    struct hz_err err = {0};
    if (tb_read(w, b->reader, &s, &st, &err) != 0)
        die("%s sealed again in the one form: %s", b->name, err.msg);
    free(s.p);
}

/* A variant of @b: @header (NULL: @b's) and the chunks @p[0..n) (none:
 * the one form), refused by @b's reader with @code. */
static void variant(struct sworld *w, json_t *a, const struct base *b,
                    const char *name, const char *desc,
                    const struct blob *header, const struct piece *p, size_t n,
                    const char *code)
{
    struct piece form[PIECES_MAX];
    if (n == 0) {
        n = one_form(b->plain.len, form);
        p = form;
    }
    struct blob s =
        reseal(b->key, header ? header : &b->header, &b->plain, p, n);
    tb_sealed(w, a, name, desc, b->reader, &s, code, NULL, NULL);
    free(s.p);
}

/* Chunks of the plain bundle cut in pieces of @size under MESSAGE, the
 * rest FINAL. */
static size_t cut_in(size_t len, size_t size, struct piece *p)
{
    size_t n = 0;
    while (len > size) {
        if (n + 1 == PIECES_MAX)
            die("too many pieces");
        p[n++] = (struct piece){size, TAG_MESSAGE};
        len -= size;
    }
    p[n++] = (struct piece){len, TAG_FINAL};
    return n;
}

/* The chunks a bundle of more than 65,536 plain bytes is cut into, but
 * with the first one @first_len bytes long under @tag. */
static size_t first_chunk(size_t len, size_t first_len, unsigned char tag,
                          struct piece *p)
{
    if (len <= first_len)
        die("the plain bundle is too short");
    p[0] = (struct piece){first_len, tag};
    p[1] = (struct piece){len - first_len, TAG_FINAL};
    return 2;
}

static void chunk_cases(struct sworld *w, json_t *a, const struct base *e0,
                        const struct base *big, const struct base *exact)
{
    struct piece p[PIECES_MAX];
    size_t n = cut_in(e0->plain.len, 1000, p);
    variant(w, a, e0, "chunks_of_1000",
            "epoch0's plain bundle sealed again under its key and header in "
            "MESSAGE chunks of 1,000 bytes and a FINAL one: every chunk but "
            "the last holds exactly 65,536",
            NULL, p, n, "HZ_EMALFORMED");
    n = first_chunk(big->plain.len, CHUNK, TAG_PUSH, p);
    variant(w, a, big, "push_tag_mid_stream",
            "epoch2_two_chunks' plain bundle sealed again under epoch 0's key "
            "in its two chunks, the first tagged PUSH (1), not MESSAGE",
            NULL, p, n, "HZ_EMALFORMED");
    n = first_chunk(big->plain.len, CHUNK, TAG_REKEY, p);
    variant(w, a, big, "rekey_tag_mid_stream",
            "the same with the first chunk tagged REKEY (2)", NULL, p, n,
            "HZ_EMALFORMED");
    n = first_chunk(big->plain.len, CHUNK + 1, TAG_MESSAGE, p);
    variant(w, a, big, "chunk_over_65536",
            "the same cut after 65,537 bytes: a chunk length of 65,554 is "
            "over the 65,553 a chunk holds, refused as malformed when read, "
            "before its ciphertext",
            NULL, p, n, "HZ_EMALFORMED");
    p[0] = (struct piece){CHUNK, TAG_MESSAGE};
    p[1] = (struct piece){0, TAG_FINAL};
    variant(w, a, exact, "empty_final_after_a_full_chunk",
            "exact_multiple's plain bundle (65,536 bytes) sealed again as a "
            "full MESSAGE chunk and an empty FINAL one: the last chunk holds "
            "1 to 65,536 bytes",
            NULL, p, 2, "HZ_EMALFORMED");
}

static void header_cases(struct sworld *w, json_t *a, const struct base *e0,
                         const struct base *e1w, const struct blob *ep1,
                         const struct blob *ep2)
{
    /* epoch0's header: 95 01 c4 10 <network> c4 10 <key id> 00 c0. */
    const struct blob *h = &e0->header;
    if (h->len != 40 || h->p[38] != 0x00 || h->p[39] != 0xc0)
        die("epoch 0's header: not the layout expected");
    struct blob v = blob_splice(h, 38, 1, "\xcc\x00", 2);
    variant(w, a, e0, "sealed_header_epoch_uint8",
            "epoch0 sealed again with its header's epoch 0 written as uint8 "
            "(cc 00): the header is canonical msgpack",
            &v, NULL, 0, "HZ_EMALFORMED");
    free(v.p);
    struct blob six = blob_splice(h, 0, 1, "\x96", 1);
    v = blob_splice(&six, six.len, 0, "\x00", 1);
    variant(w, a, e0, "sealed_header_six_elements",
            "epoch0 sealed again with a sixth element, 0, in its header", &v,
            NULL, 0, "HZ_EMALFORMED");
    free(v.p);
    free(six.p);
    struct enc e;
    enc_init(&e);
    enc_bin(&e, ep1->p, ep1->len);
    struct blob bin = blob_of_enc(&e);
    enc_close(&e);
    v = blob_splice(h, 39, 1, bin.p, bin.len);
    free(bin.p);
    variant(w, a, e0, "carried_at_epoch_0",
            "epoch0 sealed again with epoch 1's object carried in its header: "
            "a header of epoch 0 carries nil",
            &v, NULL, 0, "HZ_EMALFORMED");
    free(v.p);
    uint8_t kid1[HZ_KEY_ID_LEN];
    memcpy(kid1, e1w->header.p + 22, sizeof kid1);
    v = header_enc(w->network, kid1, 1, ep2);
    variant(w, a, e1w, "carried_of_another_epoch",
            "epoch1_by_token_key sealed again under epoch 1's key with a "
            "header of epoch 1 that carries epoch 2's object: the carried "
            "object is the header's epoch and key",
            &v, NULL, 0, "HZ_EMALFORMED");
    free(v.p);
    enc_init(&e);
    enc_array(&e, 5);
    enc_uint(&e, 1);
    enc_bin(&e, w->network, HZ_NET_LEN);
    enc_bin(&e, kid1, sizeof kid1);
    enc_uint(&e, 1);
    enc_nil(&e);
    v = blob_of_enc(&e);
    enc_close(&e);
    variant(w, a, e1w, "epoch_1_carries_nil",
            "epoch1_by_token_key sealed again under epoch 1's key with a "
            "header of epoch 1 that carries nil: W holds the key from its "
            "token, but a header of an epoch after 0 carries its object",
            &v, NULL, 0, "HZ_EMALFORMED");
    free(v.p);
    v = header_enc(w->network, kid1, 0, NULL);
    variant(w, a, e1w, "epoch_not_its_keys",
            "epoch1_by_token_key sealed again under epoch 1's key with a "
            "header [1, network, epoch 1's key id, 0, nil]: well formed, but "
            "W holds that key as epoch 1's (its token pairs them), and the "
            "header's epoch is its key's",
            &v, NULL, 0, "HZ_EMALFORMED");
    free(v.p);
}

/* Households on @d: @n_fill with notes of 3,000 bytes in one entry, then
 * one with a note of @last_len bytes in an entry of its own. Test text. */
static void exact_records(struct dnode *d, int n_fill, size_t last_len)
{
    static char notes[4097];
    memset(notes, 'x', sizeof notes - 1);
    for (int e = 0; e < 2; e++) {
        hz_batch *x;
        struct hz_err err = {0};
        check(hz_batch_open(d->n, &x, &err), &err, "batch");
        for (int i = 0; i < (e == 0 ? n_fill : 1); i++) {
            char id[33];
            size_t len = e == 0 ? 3000 : last_len;
            snprintf(id, sizeof id, "1b0000000000000000000000000000%02x",
                     (unsigned)(uint8_t)(e * 64 + i));
            notes[len] = '\0';
            PUT(x, "households", id, {"notes", notes}, {"village", "测试村"});
            notes[len] = 'x';
        }
        size_t n = 0;
        check(hz_node_commit(d->n, x, &n, &err), &err, "records");
        hz_batch_close(x);
        d->g.now_ms += 60000;
    }
}

/* A fresh node of C, joined, with exact_records(@last_len): its export
 * and the plain bundle inside. */
static struct blob exact_export(struct sworld *w, const char *sub,
                                size_t last_len, struct blob *plain,
                                struct dnode *d)
{
    dnode_open(d, w->base, sub, SM_C, T0_MS + 2 * 86400000);
    char *summary = NULL;
    struct hz_err err = {0};
    check(hz_join(d->n, w->token[SM_C], &summary, &err), &err, "join");
    hz_free_string(summary);
    exact_records(d, EXACT_FILL, last_len);
    struct blob b = tb_export(w, d);
    *plain = tb_unseal(d, &b);
    return b;
}

/* The writer's side of the rule: C's export whose plain bundle is
 * exactly 65,536 bytes is one FINAL chunk of 65,536 (the length found
 * by a first export with a last note of 1,000 bytes). */
static struct blob exact_case(struct sworld *w, json_t *a, struct blob *plain)
{
    struct dnode t;
    struct blob trial = exact_export(w, "exact_trial", 1000, plain, &t);
    size_t last = 1000 + CHUNK - plain->len;
    if (plain->len > CHUNK || last > 4096)
        die("exact: a plain bundle of %zu bytes; change the records",
            plain->len);
    free(trial.p);
    free(plain->p);
    hz_node_close(t.n);
    struct dnode d;
    struct blob b = exact_export(w, "exact", last, plain, &d);
    if (plain->len != CHUNK)
        die("exact: %zu bytes, not 65,536", plain->len);
    tb_sealed(w, a, "exact_multiple",
              "C's bundle whose plain bundle is exactly 65,536 bytes: one "
              "FINAL chunk of 65,536 (65,553 of ciphertext), and no empty "
              "chunk after it",
              SM_W, &b, NULL, &d, NULL);
    hz_node_close(d.n);
    return b;
}

void tb_resealed_cases(struct sworld *w, const struct tb_exports *x,
                       struct dnode *r, struct dnode *a, const struct blob *ep1,
                       const struct blob *ep2, json_t *sealed)
{
    uint8_t key0[32], key1[32];
    uint64_t epoch;
    struct hz_err err = {0};
    struct blob h0 = header_of(&x->e0), h1 = header_of(&x->e1);
    check(seal_key_by_id(r->n, h0.p + 22, key0, &epoch, &err), &err, "key 0");
    check(seal_key_by_id(r->n, h1.p + 22, key1, &epoch, &err), &err, "key 1");
    struct base e0 = {"epoch0", SM_C, key0, tb_unseal(r, &x->e0), h0};
    struct base big = {"epoch2_two_chunks", SM_C, key0, tb_unseal(a, &x->big),
                       blob_dup(&h0)};
    struct base e1w = {"epoch1_by_token_key", SM_W, key1, tb_unseal(r, &x->e1),
                       h1};
    struct blob exact_plain;
    struct blob exact = exact_case(w, sealed, &exact_plain);
    /* Read by W: C's own entries would look like a clone to a node of C. */
    struct base ex = {"exact_multiple", SM_W, key0, exact_plain, blob_dup(&h0)};
    const struct base *bases[] = {&e0, &big, &e1w, &ex};
    for (size_t i = 0; i < N(bases); i++)
        base_imports(w, bases[i]);
    chunk_cases(w, sealed, &e0, &big, &ex);
    header_cases(w, sealed, &e0, &e1w, ep1, ep2);
    for (size_t i = 0; i < N(bases); i++) {
        free(bases[i]->plain.p);
        free(bases[i]->header.p);
    }
    free(exact.p);
    sodium_memzero(key0, sizeof key0);
    sodium_memzero(key1, sizeof key1);
}
