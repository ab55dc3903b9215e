/* test_seal.c - sealed bundles have one form (seal.c, src/core/bundle.c;
 * proto/bundle.md, "Sealed bundles" and "Reading a sealed bundle").
 *
 * The writer cuts the plain bundle into 65,536-byte MESSAGE chunks and a
 * FINAL one of the 1 to 65,536 bytes left, never an empty one; the
 * reader refuses every other cut, any other tag, a chunk length over the
 * limit (as malformed, not truncated), a header not in its canonical
 * form, a header whose carried epoch object is missing, extra or another
 * epoch's, a header whose epoch is not its key's, and a valid header
 * swapped for another (it is additional data). Streams here are
 * sealed by hand from the text of bundle.md under a key the node holds,
 * so that only the rule broken can refuse them; each refusal has the
 * same stream in the one form beside it, which opens. */
#include "lib/unit_env.h"

#include "core/bundle.h"
#include "core/cert.h"
#include "core/limits.h"
#include "huzhu/trust.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK 65536u
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define T_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define T_PUSH crypto_secretstream_xchacha20poly1305_TAG_PUSH
#define T_REKEY crypto_secretstream_xchacha20poly1305_TAG_REKEY
#define T_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

/* A node in a network of its own: its directory, epoch 0's key. */
struct sworld {
    char *dir, *node_dir;
    struct unit_env env;
    hz_node *n;
    uint8_t key0[32], kid0[HZ_KEY_ID_LEN];
};

static void sworld_open(struct sworld *w)
{
    w->dir = unit_tmpdir();
    w->node_dir = unit_path(w->dir, "a");
    unit_env_init(&w->env, 7, UNIT_T0_MS);
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &w->env.env};
    struct hz_err err = {0};
    if (hz_node_create(w->node_dir, "测试封装节点", &opts, &w->n, &err) != 0)
        fail_msg("create: %s", err.msg);
    char *hex = NULL;
    if (hz_network_create(w->n, "测试网", &hex, &err) != 0)
        fail_msg("network create: %s", err.msg);
    hz_free_string(hex);
    assert_int_equal(unit_put(w->n, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), NULL, NULL),
                     0);
    uint64_t epoch = 1;
    assert_int_equal(seal_key_current(w->n, w->key0, w->kid0, &epoch, &err), 0);
    assert_int_equal(epoch, 0);
}

static void sworld_close(struct sworld *w)
{
    hz_node_close(w->n);
    unit_rmtree(w->dir);
    free(w->dir);
    free(w->node_dir);
}

/* Bytes that grow: a stream being written by hand. */
struct buf {
    uint8_t *p;
    size_t len;
};

static void buf_put(struct buf *b, const void *p, size_t len)
{
    b->p = realloc(b->p, b->len + len + 1);
    assert_non_null(b->p);
    memcpy(b->p + b->len, p, len);
    b->len += len;
}

static void buf_be32(struct buf *b, size_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};
    buf_put(b, x, 4);
}

/* One chunk: plain bytes and tag. */
struct piece {
    size_t len;
    unsigned char tag;
};

/* @plain sealed under @key with the header bytes @h, in @p[0..n)
 * (bundle.md: magic2 header_len header ss_header (length ciphertext)*,
 * the additional data magic2 || header_len || header on every chunk). */
static struct buf seal_by_hand(const uint8_t *key, const struct buf *h,
                               const uint8_t *plain, const struct piece *p,
                               size_t n)
{
    struct buf out = {0};
    buf_put(&out, "HZSEALED", 8);
    buf_be32(&out, h->len);
    buf_put(&out, h->p, h->len);
    size_t ad_len = out.len;
    uint8_t *ad = malloc(ad_len);
    assert_non_null(ad);
    memcpy(ad, out.p, ad_len);
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t ss[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_init_push(&st, ss, key);
    buf_put(&out, ss, sizeof ss);
    uint8_t *c = malloc(2 * CHUNK + ABYTES);
    assert_non_null(c);
    for (size_t i = 0; i < n; i++) {
        unsigned long long clen;
        crypto_secretstream_xchacha20poly1305_push(
            &st, c, &clen, plain, p[i].len, ad, ad_len, p[i].tag);
        buf_be32(&out, (size_t)clen);
        buf_put(&out, c, (size_t)clen);
        plain += p[i].len;
    }
    free(c);
    free(ad);
    return out;
}

/* The one form of @len bytes: full MESSAGE chunks, a FINAL of the rest. */
static size_t one_form(size_t len, struct piece *p)
{
    size_t n = 0;
    for (; len > CHUNK; len -= CHUNK)
        p[n++] = (struct piece){CHUNK, T_MESSAGE};
    p[n++] = (struct piece){len, T_FINAL};
    return n;
}

/* The header huzhu writes for the key @kid of @epoch. */
static struct buf header(const struct sworld *w, const uint8_t *kid,
                         uint64_t epoch, const struct buf *carried)
{
    struct sealed_header h = {.epoch = epoch};
    memcpy(h.network, w->n->network, HZ_NET_LEN);
    memcpy(h.key_id, kid, HZ_KEY_ID_LEN);
    if (carried != NULL)
        h.carried = (struct hz_bytes){carried->p, carried->len};
    struct enc e;
    enc_init(&e);
    assert_int_equal(bundle_sealed_header_encode(&h, &e), 0);
    struct buf b = {0};
    buf_put(&b, enc_data(&e), enc_len(&e));
    enc_close(&e);
    return b;
}

/* unseal_file of @s into *@plain (owned), or its refusal. */
static int open_sealed(struct sworld *w, const struct buf *s, struct buf *plain,
                       struct hz_err *err)
{
    FILE *in = fmemopen(s->p, s->len, "rb");
    char *got = NULL;
    size_t got_len = 0;
    FILE *out = open_memstream(&got, &got_len);
    assert_non_null(in);
    assert_non_null(out);
    int rv = unseal_file(w->n, in, out, err);
    fclose(in);
    assert_int_equal(fclose(out), 0);
    *plain = (struct buf){(uint8_t *)got, got_len};
    return rv;
}

/* @s is refused with @code and a message holding @word (and, when not
 * NULL, not @not_word). */
static void expect_refused(struct sworld *w, const struct buf *s, int code,
                           const char *word, const char *not_word,
                           const char *what)
{
    struct buf plain;
    struct hz_err err = {0};
    int rv = open_sealed(w, s, &plain, &err);
    free(plain.p);
    if (rv != code || strstr(err.msg, word) == NULL ||
        (not_word != NULL && strstr(err.msg, not_word) != NULL))
        fail_msg("%s: %s (%s), not %s with \"%s\"", what, hz_errname(rv),
                 err.msg, hz_errname(code), word);
}

/* @s opens to @plain[0..len). */
static void expect_opens(struct sworld *w, const struct buf *s,
                         const uint8_t *plain, size_t len, const char *what)
{
    struct buf got;
    struct hz_err err = {0};
    if (open_sealed(w, s, &got, &err) != 0)
        fail_msg("%s: %s", what, err.msg);
    assert_int_equal(got.len, len);
    assert_memory_equal(got.p, plain, len);
    free(got.p);
}

static uint8_t *bytes_of(size_t len, uint64_t seed)
{
    uint8_t *p = malloc(len + 1);
    assert_non_null(p);
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)unit_rand(&seed);
    return p;
}

/* ---- the writer */

static void writer_cuts_full_chunks_and_never_an_empty_final(void **state)
{
    (void)state;
    struct sworld w;
    sworld_open(&w);
    static const size_t lens[] = {1,         CHUNK - 1, CHUNK,
                                  CHUNK + 1, 2 * CHUNK, 2 * CHUNK + 1};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        uint8_t *data = bytes_of(lens[k], k);
        char *out = NULL;
        size_t out_len = 0;
        FILE *f = open_memstream(&out, &out_len);
        struct seal_out *s;
        struct hz_err err = {0};
        assert_int_equal(seal_begin(w.n, f, &s, &err), 0);
        assert_int_equal(seal_write(s, data, lens[k]), 0);
        assert_int_equal(seal_end(s, &err), 0);
        assert_int_equal(fclose(f), 0);
        struct buf sealed = {(uint8_t *)out, out_len};
        /* Pull every chunk by hand: lengths and tags. */
        size_t hl = (size_t)sealed.p[8] << 24 | (size_t)sealed.p[9] << 16 |
                    (size_t)sealed.p[10] << 8 | sealed.p[11];
        size_t at = 12 + hl;
        crypto_secretstream_xchacha20poly1305_state st;
        assert_int_equal(crypto_secretstream_xchacha20poly1305_init_pull(
                             &st, sealed.p + at, w.key0),
                         0);
        at += crypto_secretstream_xchacha20poly1305_HEADERBYTES;
        size_t n_chunks = 0, left = lens[k];
        uint8_t *m = malloc(CHUNK);
        assert_non_null(m);
        while (at < sealed.len) {
            size_t clen = (size_t)sealed.p[at] << 24 |
                          (size_t)sealed.p[at + 1] << 16 |
                          (size_t)sealed.p[at + 2] << 8 | sealed.p[at + 3];
            unsigned long long mlen;
            unsigned char tag;
            assert_true(clen <= CHUNK + ABYTES);
            assert_int_equal(crypto_secretstream_xchacha20poly1305_pull(
                                 &st, m, &mlen, &tag, sealed.p + at + 4, clen,
                                 sealed.p, 12 + hl),
                             0);
            bool last = left <= CHUNK;
            assert_int_equal(mlen, last ? left : CHUNK);
            assert_int_equal(tag, last ? T_FINAL : T_MESSAGE);
            assert_true(mlen > 0); /* never an empty chunk */
            left -= (size_t)mlen;
            at += 4 + clen;
            n_chunks++;
        }
        assert_int_equal(at, sealed.len);
        assert_int_equal(left, 0);
        assert_int_equal(n_chunks, (lens[k] + CHUNK - 1) / CHUNK);
        expect_opens(&w, &sealed, data, lens[k], "the writer's stream");
        free(m);
        free(out);
        free(data);
    }
    sworld_close(&w);
}

/* ---- chunks */

static void chunks_not_in_the_one_form_are_refused(void **state)
{
    (void)state;
    struct sworld w;
    sworld_open(&w);
    struct buf h = header(&w, w.kid0, 0, NULL);
    size_t d_len = 3 * CHUNK - 100, e_len = 2 * CHUNK;
    uint8_t *d = bytes_of(d_len, 1), *e = bytes_of(e_len, 2);
    struct piece p[400];
    /* The one form opens, for both. */
    size_t n = one_form(d_len, p);
    struct buf s = seal_by_hand(w.key0, &h, d, p, n);
    expect_opens(&w, &s, d, d_len, "one form");
    free(s.p);
    n = one_form(e_len, p);
    assert_int_equal(n, 2); /* a multiple of 65,536: no empty FINAL */
    s = seal_by_hand(w.key0, &h, e, p, n);
    expect_opens(&w, &s, e, e_len, "one form, a multiple of 65,536");
    free(s.p);

    struct {
        const char *what;
        const uint8_t *plain;
        struct piece p[4];
        size_t n;
        const char *word;
    } cases[] = {
        {"an empty FINAL after full chunks",
         e,
         {{CHUNK, T_MESSAGE}, {CHUNK, T_MESSAGE}, {0, T_FINAL}},
         3,
         "empty FINAL"},
        {"an empty FINAL alone", e, {{0, T_FINAL}}, 1, "empty FINAL"},
        {"a short MESSAGE",
         d,
         {{CHUNK - 1, T_MESSAGE}, {CHUNK, T_MESSAGE}, {CHUNK - 99, T_FINAL}},
         3,
         "MESSAGE with 65535 bytes"},
        {"PUSH first",
         d,
         {{CHUNK, T_PUSH}, {CHUNK, T_MESSAGE}, {CHUNK - 100, T_FINAL}},
         3,
         "chunk 0: tag 1"},
        {"REKEY second",
         d,
         {{CHUNK, T_MESSAGE}, {CHUNK, T_REKEY}, {CHUNK - 100, T_FINAL}},
         3,
         "chunk 1: tag 2"},
        {"FINAL first, more after",
         e,
         {{CHUNK, T_FINAL}, {CHUNK, T_FINAL}},
         2,
         "bytes after the FINAL"},
        {"MESSAGE chunks only",
         e,
         {{CHUNK, T_MESSAGE}, {CHUNK, T_MESSAGE}},
         2,
         "ends before a FINAL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s = seal_by_hand(w.key0, &h, cases[i].plain, cases[i].p, cases[i].n);
        expect_refused(&w, &s, HZ_EMALFORMED, cases[i].word, NULL,
                       cases[i].what);
        free(s.p);
    }
    /* Chunks of 1,000 bytes. */
    for (n = 0; n * 1000 < d_len; n++)
        p[n] = (struct piece){1000, T_MESSAGE};
    p[n - 1] = (struct piece){d_len - (n - 1) * 1000, T_FINAL};
    s = seal_by_hand(w.key0, &h, d, p, n);
    expect_refused(&w, &s, HZ_EMALFORMED, "MESSAGE with 1000 bytes", NULL,
                   "1,000-byte chunks");
    free(s.p);
    free(d);
    free(e);
    free(h.p);
    sworld_close(&w);
}

static void oversize_chunk_is_malformed_not_truncated(void **state)
{
    (void)state;
    struct sworld w;
    sworld_open(&w);
    struct buf h = header(&w, w.kid0, 0, NULL);
    size_t d_len = 2 * CHUNK;
    uint8_t *d = bytes_of(d_len, 3);
    /* An authentic chunk of 65,537 plain bytes. */
    struct piece p[2] = {{CHUNK + 1, T_MESSAGE}, {CHUNK - 1, T_FINAL}};
    struct buf s = seal_by_hand(w.key0, &h, d, p, 2);
    expect_refused(&w, &s, HZ_EMALFORMED, "chunk 0 of 65554 bytes: over",
                   "truncated", "a chunk of 65,537 plain bytes");
    free(s.p);
    /* A length field of 4 GiB on a good stream, and one of 16. */
    p[0] = (struct piece){CHUNK, T_MESSAGE};
    p[1] = (struct piece){CHUNK, T_FINAL};
    s = seal_by_hand(w.key0, &h, d, p, 2);
    size_t first =
        12 + h.len + crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    expect_opens(&w, &s, d, d_len, "the good stream");
    memset(s.p + first, 0xff, 4);
    expect_refused(&w, &s, HZ_EMALFORMED, "over the 65553", "truncated",
                   "a length of 4 GiB");
    memcpy(s.p + first, "\x00\x00\x00\x10", 4);
    expect_refused(&w, &s, HZ_EMALFORMED, "shorter than its 17-byte tag",
                   "truncated", "a length of 16");
    /* Cut inside a chunk: that one is truncated. */
    memcpy(s.p + first, "\x00\x01\x00\x11", 4);
    s.len -= 10;
    expect_refused(&w, &s, HZ_EMALFORMED, "truncated", NULL, "cut short");
    free(s.p);
    free(d);
    free(h.p);
    sworld_close(&w);
}

/* ---- the header */

/* An epoch object of @epoch naming @kid: well formed, signed by a key of
 * no one, made from @seed_byte (the reader does not check its signature). */
static struct buf epoch_object(const struct sworld *w, uint64_t epoch,
                               const uint8_t *kid, uint8_t seed_byte)
{
    uint8_t seed[32], subject[HZ_KEY_LEN], sealed[HZ_EPOCH_SEALED_LEN];
    memset(seed, seed_byte, sizeof seed);
    memset(subject, 0x11, sizeof subject);
    memset(sealed, 0x22, sizeof sealed);
    struct identity id;
    identity_from_seed(&id, seed);
    struct epoch_share share = {subject, sealed};
    struct epoch e = {.version = 1,
                      .epoch = epoch,
                      .n_shares = 1,
                      .shares = &share,
                      .issued_ms = UNIT_T0_MS};
    memcpy(e.network, w->n->network, HZ_NET_LEN);
    memcpy(e.key_id, kid, HZ_KEY_ID_LEN);
    memcpy(e.issuer, id.pk, HZ_KEY_LEN);
    struct enc out;
    enc_init(&out);
    assert_int_equal(epoch_sign(&e, id.sk, &out), 0);
    struct buf b = {0};
    buf_put(&b, enc_data(&out), enc_len(&out));
    enc_close(&out);
    identity_close(&id);
    return b;
}

/* @h with @del bytes at @at replaced by @ins, @tail appended. */
static struct buf spliced(const struct buf *h, size_t at, size_t del,
                          const char *ins, size_t ins_len, const char *tail,
                          size_t tail_len)
{
    struct buf b = {0};
    buf_put(&b, h->p, at);
    buf_put(&b, ins, ins_len);
    buf_put(&b, h->p + at + del, h->len - at - del);
    buf_put(&b, tail, tail_len);
    return b;
}

static void sealed_header_not_in_its_one_form_is_refused(void **state)
{
    (void)state;
    struct sworld w;
    sworld_open(&w);
    const char plain[] = "测试 plain bytes";
    struct piece p = {sizeof plain, T_FINAL};
    struct buf h = header(&w, w.kid0, 0, NULL);
    /* 95 01 c4 10 <network> c4 10 <key id> 00 c0 */
    assert_int_equal(h.len, 40);
    struct buf s = seal_by_hand(w.key0, &h, (const uint8_t *)plain, &p, 1);
    expect_opens(&w, &s, (const uint8_t *)plain, sizeof plain, "the header");
    free(s.p);
    struct buf ep1 = epoch_object(&w, 1, w.kid0, 0x5e);
    struct enc e;
    enc_init(&e);
    enc_bin(&e, ep1.p, ep1.len);
    struct buf bin = {0};
    buf_put(&bin, enc_data(&e), enc_len(&e));
    enc_close(&e);
    struct {
        const char *what;
        struct buf h;
        int code;
        const char *word;
    } cases[] = {
        {"epoch as uint8", spliced(&h, 38, 1, "\xcc\x00", 2, "", 0),
         HZ_EMALFORMED, "not canonical"},
        {"array16", spliced(&h, 0, 1, "\xdc\x00\x05", 3, "", 0), HZ_EMALFORMED,
         "not canonical"},
        {"network as bin16", spliced(&h, 2, 2, "\xc5\x00\x10", 3, "", 0),
         HZ_EMALFORMED, "not canonical"},
        {"six elements", spliced(&h, 0, 1, "\x96", 1, "\x00", 1), HZ_EMALFORMED,
         "6 elements"},
        {"a byte after", spliced(&h, 0, 0, "", 0, "\x00", 1), HZ_EMALFORMED,
         "sealed header"},
        {"version 2", spliced(&h, 1, 1, "\x02", 1, "", 0), HZ_EVERSION,
         "version 2"},
        {"epoch 0 carrying an object",
         spliced(&h, 39, 1, (const char *)bin.p, bin.len, "", 0), HZ_EMALFORMED,
         "epoch 0 carries an epoch object"},
        {"epoch 1 carrying nil", spliced(&h, 38, 1, "\x01", 1, "", 0),
         HZ_EMALFORMED, "epoch 1 carries no epoch object"},
        {"epoch 1 carrying no epoch object",
         spliced(&h, 38, 2, "\x01\xc4\x03\x01\x02\x03", 6, "", 0),
         HZ_EMALFORMED, "carried epoch"},
        {"epoch 2 carrying epoch 1's object",
         spliced(&h, 38, 2, "\x02", 1, (const char *)bin.p, bin.len),
         HZ_EMALFORMED, "carried epoch 1 is not the header's"},
        {"epoch 1 naming epoch 0's key",
         spliced(&h, 38, 2, "\x01", 1, (const char *)bin.p, bin.len),
         HZ_EMALFORMED, "says epoch 1, its key is epoch 0's"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s = seal_by_hand(w.key0, &cases[i].h, (const uint8_t *)plain, &p, 1);
        expect_refused(&w, &s, cases[i].code, cases[i].word, NULL,
                       cases[i].what);
        free(s.p);
        free(cases[i].h.p);
    }
    free(bin.p);
    free(ep1.p);
    free(h.p);
    sworld_close(&w);
}

/* A key a join token gave is the key of the epoch the token pairs it
 * with: a header stating another epoch for it is refused. And a header
 * is bound to its chunks: another valid one in its place does not
 * authenticate. */
static void header_states_its_keys_epoch_and_binds_the_chunks(void **state)
{
    (void)state;
    struct sworld w;
    sworld_open(&w);
    uint8_t k5[32], kid5[HZ_KEY_ID_LEN];
    memset(k5, 0x55, sizeof k5);
    seal_key_id(k5, kid5);
    struct hz_err err = {0};
    assert_int_equal(seal_key_keep(w.n, k5, 5, &err), 0);
    const char plain[] = "测试 plain bytes";
    struct piece p = {sizeof plain, T_FINAL};
    struct buf ep5 = epoch_object(&w, 5, kid5, 0x5e);
    struct buf good = header(&w, kid5, 5, &ep5);
    struct buf s = seal_by_hand(k5, &good, (const uint8_t *)plain, &p, 1);
    expect_opens(&w, &s, (const uint8_t *)plain, sizeof plain, "epoch 5");
    /* Another valid header in its place (another object of epoch 5, of
     * the same length): the header is additional data of every chunk. */
    struct buf other = epoch_object(&w, 5, kid5, 0x5f);
    struct buf swapped = header(&w, kid5, 5, &other);
    assert_int_equal(swapped.len, good.len);
    assert_memory_not_equal(swapped.p, good.p, good.len);
    memcpy(s.p + 12, swapped.p, swapped.len);
    expect_refused(&w, &s, HZ_EBADSIG, "does not decrypt", NULL,
                   "a header swapped for another valid one");
    free(swapped.p);
    free(other.p);
    free(s.p);
    struct buf as0 = header(&w, kid5, 0, NULL);
    s = seal_by_hand(k5, &as0, (const uint8_t *)plain, &p, 1);
    expect_refused(&w, &s, HZ_EMALFORMED, "says epoch 0, its key is epoch 5's",
                   NULL, "epoch 5's key as epoch 0");
    free(s.p);
    struct buf ep6 = epoch_object(&w, 6, kid5, 0x5e);
    struct buf as6 = header(&w, kid5, 6, &ep6);
    s = seal_by_hand(k5, &as6, (const uint8_t *)plain, &p, 1);
    expect_refused(&w, &s, HZ_EMALFORMED, "says epoch 6, its key is epoch 5's",
                   NULL, "epoch 5's key as epoch 6");
    free(s.p);
    free(as6.p);
    free(ep6.p);
    free(as0.p);
    free(good.p);
    free(ep5.p);
    sworld_close(&w);
}

/* ---- through import */

static void refused_sealed_bundle_changes_nothing(void **state)
{
    (void)state;
    struct sworld w;
    sworld_open(&w);
    char *path = unit_path(w.dir, "out.hzb");
    struct hz_err err = {0};
    assert_int_equal(hz_bundle_export(w.n, path, NULL, NULL, &err), 0);
    size_t len;
    uint8_t *bytes = unit_read_file(path, &len);
    struct buf sealed = {bytes, len}, plain;
    assert_int_equal(open_sealed(&w, &sealed, &plain, &err), 0);
    struct buf h = header(&w, w.kid0, 0, NULL);
    /* Four chunks, the first three MESSAGE chunks of a quarter each. */
    struct piece p[4];
    size_t quarter = plain.len / 4 + 1, n = 4;
    assert_true(plain.len > 4 && plain.len < CHUNK);
    for (size_t i = 0; i < 3; i++)
        p[i] = (struct piece){quarter, T_MESSAGE};
    p[3] = (struct piece){plain.len - 3 * quarter, T_FINAL};
    struct buf s = seal_by_hand(w.key0, &h, plain.p, p, n);
    unit_write_file(path, s.p, s.len);
    struct unit_snapshot before;
    unit_snapshot_take(w.n, &before);
    struct hz_ingest_stats st;
    assert_int_equal(hz_bundle_import(w.n, path, &st, &err), HZ_EMALFORMED);
    unit_assert_unchanged(w.n, &before);
    char *staged = unit_path(w.node_dir, "import.staging");
    struct stat sb;
    assert_int_not_equal(stat(staged, &sb), 0);
    free(s.p);
    /* The one form of the same plain bundle imports (all held already). */
    n = one_form(plain.len, p);
    s = seal_by_hand(w.key0, &h, plain.p, p, n);
    unit_write_file(path, s.p, s.len);
    assert_int_equal(hz_bundle_import(w.n, path, &st, &err), 0);
    assert_int_equal(st.duplicate, st.entries);
    unit_snapshot_free(&before);
    free(staged);
    free(s.p);
    free(h.p);
    free(plain.p);
    free(bytes);
    free(path);
    sworld_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writer_cuts_full_chunks_and_never_an_empty_final),
        cmocka_unit_test(chunks_not_in_the_one_form_are_refused),
        cmocka_unit_test(oversize_chunk_is_malformed_not_truncated),
        cmocka_unit_test(sealed_header_not_in_its_one_form_is_refused),
        cmocka_unit_test(header_states_its_keys_epoch_and_binds_the_chunks),
        cmocka_unit_test(refused_sealed_bundle_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
