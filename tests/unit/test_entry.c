/* test_entry.c - the signed envelope of format 1 (entry.c, DECISIONS 1, 2).
 *
 *   entry = [version, network, author, seq, prev, clock, body, sig]
 *
 * decode(encode(x)) is x; the signature and the id cover the tag
 * "huzhu entry v1" and the first seven fields, computed here
 * independently with msgpack-c and libsodium; flipping any single bit of
 * a signed entry makes decode or verify fail; every other spelling of the
 * same values (wider ints, other containers, other lengths) is refused
 * even when the signature would verify; the strict Ed25519 rules refuse
 * malleable signatures and small-order keys. */
#include "lib/unit_env.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

static const uint8_t net[HZ_NET_LEN] = "huzhu-no-network";

struct fixture {
    struct identity id;
    struct enc out;
    struct entry e;
};

static void make_identity(struct identity *id, uint8_t seed_byte)
{
    uint8_t seed[HZ_SEED_LEN];
    unit_seed(seed_byte, seed);
    identity_from_seed(id, seed);
}

/* Entry #@which of a few shapes: seq 1; seq 7 with a previous hash and a
 * 100-byte body; a large seq and clock with an empty body. */
static void sign_sample(struct fixture *f, int which)
{
    static uint8_t body[100];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (uint8_t)(i * 37 + 11);
    uint8_t prev[HZ_HASH_LEN];
    memset(prev, 0xab, sizeof prev);
    make_identity(&f->id, (uint8_t)(0x40 + which));
    enc_init(&f->out);
    switch (which) {
    case 0:
        unit_sign(&f->id, net, 1, NULL, UNIT_T0_MS << 16, body, 8, &f->e,
                  &f->out);
        break;
    case 1:
        unit_sign(&f->id, net, 7, prev, (UNIT_T0_MS << 16) | 3, body,
                  sizeof body, &f->e, &f->out);
        break;
    default:
        unit_sign(&f->id, net, (uint64_t)INT64_MAX, prev, (uint64_t)INT64_MAX,
                  body, 0, &f->e, &f->out);
        break;
    }
}

static void close_sample(struct fixture *f)
{
    enc_close(&f->out);
    identity_close(&f->id);
}

static void assert_same_entry(const struct entry *a, const struct entry *b)
{
    assert_int_equal(a->version, b->version);
    assert_memory_equal(a->network, b->network, HZ_NET_LEN);
    assert_memory_equal(a->author, b->author, HZ_KEY_LEN);
    assert_int_equal(a->seq, b->seq);
    assert_memory_equal(a->prev, b->prev, HZ_HASH_LEN);
    assert_int_equal(a->clock, b->clock);
    assert_int_equal(a->body.len, b->body.len);
    if (a->body.len > 0)
        assert_memory_equal(a->body.p, b->body.p, a->body.len);
    assert_memory_equal(a->sig, b->sig, HZ_SIG_LEN);
    assert_memory_equal(a->id, b->id, HZ_HASH_LEN);
}

/* decode and verify; 0 or the first error. */
static int check(const uint8_t *p, size_t len)
{
    struct entry e;
    int rv = entry_decode(&e, p, len, NULL);
    return rv != 0 ? rv : entry_verify(&e, NULL);
}

/* ---- round trip and the signed bytes */

static void entry_round_trips_through_decode_and_encode(void **state)
{
    (void)state;
    for (int which = 0; which < 3; which++) {
        struct fixture f;
        sign_sample(&f, which);
        struct entry d;
        struct hz_err err = {0};
        assert_int_equal(
            entry_decode(&d, enc_data(&f.out), enc_len(&f.out), &err), 0);
        assert_same_entry(&d, &f.e);
        assert_int_equal(entry_verify(&d, &err), 0);
        struct enc again;
        enc_init(&again);
        assert_int_equal(entry_encode(&d, &again), 0);
        assert_int_equal(enc_len(&again), enc_len(&f.out));
        assert_memory_equal(enc_data(&again), enc_data(&f.out),
                            enc_len(&f.out));
        enc_close(&again);
        close_sample(&f);
    }
}

/* The signing input and the id, built with msgpack-c and libsodium
 * directly from proto/entry.md: TAG || [version, network, author, seq,
 * prev, clock, body]. */
static void
entry_signature_and_id_cover_tag_and_first_seven_fields(void **state)
{
    (void)state;
    for (int which = 0; which < 3; which++) {
        struct fixture f;
        sign_sample(&f, which);
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        msgpack_sbuffer_write(&sb, "huzhu entry v1", 14);
        msgpack_pack_array(&pk, 7);
        msgpack_pack_uint64(&pk, 1);
        msgpack_pack_bin_with_body(&pk, net, HZ_NET_LEN);
        msgpack_pack_bin_with_body(&pk, f.id.pk, HZ_KEY_LEN);
        msgpack_pack_uint64(&pk, f.e.seq);
        msgpack_pack_bin_with_body(&pk, f.e.prev, HZ_HASH_LEN);
        msgpack_pack_uint64(&pk, f.e.clock);
        msgpack_pack_bin_with_body(&pk, f.e.body.p, f.e.body.len);

        uint8_t id[HZ_HASH_LEN];
        crypto_generichash(id, sizeof id, (const uint8_t *)sb.data, sb.size,
                           NULL, 0);
        assert_memory_equal(id, f.e.id, HZ_HASH_LEN);
        assert_int_equal(crypto_sign_verify_detached(f.e.sig,
                                                     (const uint8_t *)sb.data,
                                                     sb.size, f.id.pk),
                         0);
        /* The entry bytes are the same array with the signature added. */
        const uint8_t *p = enc_data(&f.out);
        assert_int_equal(p[0], 0x98);
        assert_int_equal(enc_len(&f.out), sb.size - 14 + 2 + HZ_SIG_LEN);
        assert_memory_equal(p + 1, sb.data + 15, sb.size - 15);
        assert_memory_equal(p + enc_len(&f.out) - HZ_SIG_LEN - 2,
                            ((const uint8_t[]){0xc4, HZ_SIG_LEN}), 2);
        msgpack_sbuffer_destroy(&sb);
        close_sample(&f);
    }
}

/* entry_decode_known reads the fields of checked bytes where the
 * canonical encoding puts them: the same fields as entry_decode for every
 * shape of integer and bin (seq and clock from a fixint to 9 bytes, bodies
 * of bin8 and bin16), and for any bytes — a bit flipped, cut short,
 * lengthened — either the fields entry_decode reads or HZ_EMALFORMED,
 * never a read outside them (the sanitizer builds check that). */
static void known_agrees(const uint8_t *buf, size_t len, const uint8_t *id)
{
    struct entry full, known;
    struct hz_err err = {0};
    int rv = entry_decode_known(&known, buf, len, id, &err);
    if (entry_decode(&full, buf, len, NULL) == 0) {
        assert_int_equal(rv, 0);
        memcpy(full.id, id, HZ_HASH_LEN);
        assert_same_entry(&known, &full);
        if (full.body.len > 0) /* an empty bin's pointer is no place */
            assert_ptr_equal(known.body.p, full.body.p);
    } else if (rv != 0) {
        assert_int_equal(rv, HZ_EMALFORMED);
    }
}

static void decode_known_reads_the_fields_decode_reads(void **state)
{
    (void)state;
    static uint8_t big[300];
    for (int which = 0; which < 4; which++) {
        struct fixture f;
        if (which < 3) {
            sign_sample(&f, which);
        } else { /* a body of bin16 */
            make_identity(&f.id, 0x44);
            enc_init(&f.out);
            unit_sign(&f.id, net, 300, big, (UNIT_T0_MS << 16) | 200, big,
                      sizeof big, &f.e, &f.out);
        }
        const uint8_t *p = enc_data(&f.out);
        size_t len = enc_len(&f.out);
        struct entry k;
        struct hz_err err = {0};
        assert_int_equal(entry_decode_known(&k, p, len, f.e.id, &err), 0);
        assert_same_entry(&k, &f.e);
        uint8_t *buf = malloc(len + 1);
        assert_non_null(buf);
        for (size_t bit = 0; bit < 8 * len; bit++) {
            memcpy(buf, p, len);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            known_agrees(buf, len, f.e.id);
        }
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *part = malloc(cut ? cut : 1);
            assert_non_null(part);
            memcpy(part, p, cut);
            assert_int_equal(entry_decode_known(&k, part, cut, f.e.id, &err),
                             HZ_EMALFORMED);
            free(part);
        }
        memcpy(buf, p, len);
        buf[len] = 0;
        assert_int_equal(entry_decode_known(&k, buf, len + 1, f.e.id, &err),
                         HZ_EMALFORMED);
        free(buf);
        close_sample(&f);
    }
}

/* entry_verify_bytes takes the signing input from the canonical bytes:
 * the same verdict as entry_verify for every sample, a body larger than
 * its stack buffer, and every bit flipped that still decodes. */
static void verify_bytes_agrees_with_verify(void **state)
{
    (void)state;
    static uint8_t big[3000];
    unsigned bad = 0;
    for (int which = 0; which < 4; which++) {
        struct fixture f;
        if (which < 3) {
            sign_sample(&f, which);
        } else {
            make_identity(&f.id, 0x45);
            enc_init(&f.out);
            unit_sign(&f.id, net, 2, big, UNIT_T0_MS << 16, big, sizeof big,
                      &f.e, &f.out);
        }
        size_t len = enc_len(&f.out);
        uint8_t *buf = malloc(len);
        assert_non_null(buf);
        memcpy(buf, enc_data(&f.out), len);
        struct entry e;
        assert_int_equal(entry_decode(&e, buf, len, NULL), 0);
        assert_int_equal(entry_verify_bytes(&e, buf, len, NULL), 0);
        for (size_t bit = 0; bit < 8 * len; bit += which == 3 ? 7 : 1) {
            memcpy(buf, enc_data(&f.out), len);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            if (entry_decode(&e, buf, len, NULL) != 0)
                continue;
            int want = entry_verify(&e, NULL);
            assert_int_equal(entry_verify_bytes(&e, buf, len, NULL), want);
            bad += want == HZ_EBADSIG;
        }
        free(buf);
        close_sample(&f);
    }
    assert_true(bad > 1000);
}

static void flipping_any_bit_makes_decode_or_verify_fail(void **state)
{
    (void)state;
    unsigned decode_fails = 0, verify_fails = 0;
    for (int which = 0; which < 3; which++) {
        struct fixture f;
        sign_sample(&f, which);
        size_t len = enc_len(&f.out);
        uint8_t *buf = malloc(len);
        assert_non_null(buf);
        for (size_t bit = 0; bit < 8 * len; bit++) {
            memcpy(buf, enc_data(&f.out), len);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            struct entry e;
            if (entry_decode(&e, buf, len, NULL) != 0) {
                decode_fails++;
                continue;
            }
            if (entry_verify(&e, NULL) != HZ_EBADSIG)
                fail_msg("entry %d: bit %zu flipped still verifies", which,
                         bit);
            verify_fails++;
        }
        free(buf);
        close_sample(&f);
    }
    /* Both kinds of failure were exercised. */
    assert_true(decode_fails > 0);
    assert_true(verify_fails > 1000);
}

static void verify_refuses_another_authors_key(void **state)
{
    (void)state;
    struct fixture f;
    sign_sample(&f, 1);
    struct identity other;
    make_identity(&other, 0x99);
    struct entry e = f.e;
    memcpy(e.author, other.pk, HZ_KEY_LEN);
    assert_int_equal(entry_verify(&e, NULL), HZ_EBADSIG);
    memset(e.sig, 0, HZ_SIG_LEN);
    memcpy(e.author, f.id.pk, HZ_KEY_LEN);
    assert_int_equal(entry_verify(&e, NULL), HZ_EBADSIG);
    identity_close(&other);
    close_sample(&f);
}

/* libsodium's strict rules (proto/entry.md): S must be below the group
 * order L, so S + L, which a lenient verifier accepts, is refused. */
static void verify_refuses_malleable_signature(void **state)
{
    (void)state;
    static const uint8_t order[32] = {
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
        0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
    struct fixture f;
    sign_sample(&f, 0);
    struct entry e = f.e;
    unsigned carry = 0;
    for (size_t i = 0; i < 32; i++) {
        unsigned s = e.sig[32 + i] + order[i] + carry;
        e.sig[32 + i] = (uint8_t)s;
        carry = s >> 8;
    }
    assert_int_equal(carry, 0);
    /* Still a well-formed, canonical entry: only verification refuses. */
    struct enc out;
    enc_init(&out);
    assert_int_equal(entry_encode(&e, &out), 0);
    struct entry d;
    assert_int_equal(entry_decode(&d, enc_data(&out), enc_len(&out), NULL), 0);
    assert_int_equal(entry_verify(&d, NULL), HZ_EBADSIG);
    enc_close(&out);
    close_sample(&f);
}

/* The identity point as a key, with R = identity and S = 0, satisfies
 * the verification equation for every message; strict rules refuse
 * small-order keys. */
static void verify_refuses_small_order_key(void **state)
{
    (void)state;
    struct fixture f;
    sign_sample(&f, 0);
    struct entry e = f.e;
    memset(e.author, 0, HZ_KEY_LEN);
    e.author[0] = 1;
    memset(e.sig, 0, HZ_SIG_LEN);
    e.sig[0] = 1;
    assert_int_equal(entry_verify(&e, NULL), HZ_EBADSIG);
    close_sample(&f);
}

/* ---- other spellings of the same values */

/* The eight fields of a signed entry as separately encoded parts, to be
 * re-assembled with one part spelled differently. */
struct parts {
    uint8_t f[10][300];
    size_t len[10];
    size_t n;
};

static void part_set(struct parts *p, size_t i, const uint8_t *b, size_t len)
{
    assert_true(len <= sizeof p->f[i]);
    memcpy(p->f[i], b, len);
    p->len[i] = len;
}

static void parts_of(const struct entry *e, struct parts *p)
{
    struct enc x;
    enc_init(&x);
#define PART(i, call)                                                          \
    do {                                                                       \
        enc_reset(&x);                                                         \
        call;                                                                  \
        part_set(p, i, enc_data(&x), enc_len(&x));                             \
    } while (0)
    PART(0, enc_uint(&x, e->version));
    PART(1, enc_bin(&x, e->network, HZ_NET_LEN));
    PART(2, enc_bin(&x, e->author, HZ_KEY_LEN));
    PART(3, enc_uint(&x, e->seq));
    PART(4, enc_bin(&x, e->prev, HZ_HASH_LEN));
    PART(5, enc_uint(&x, e->clock));
    PART(6, enc_bin(&x, e->body.p, e->body.len));
    PART(7, enc_bin(&x, e->sig, HZ_SIG_LEN));
#undef PART
    p->n = 8;
    enc_close(&x);
}

/* [parts...] with a fixarray header, or @hdr when not NULL. */
static size_t assemble(const struct parts *p, const uint8_t *hdr,
                       size_t hdr_len, uint8_t *out)
{
    size_t at = 0;
    if (hdr != NULL) {
        memcpy(out, hdr, hdr_len);
        at = hdr_len;
    } else {
        out[at++] = (uint8_t)(0x90 | p->n);
    }
    for (size_t i = 0; i < p->n; i++) {
        memcpy(out + at, p->f[i], p->len[i]);
        at += p->len[i];
    }
    return at;
}

static int decode_parts(const struct parts *p)
{
    uint8_t buf[3000];
    size_t len = assemble(p, NULL, 0, buf);
    struct entry e;
    return entry_decode(&e, buf, len, NULL);
}

/* @bin_hdr_len bytes of a bin header for @len bytes, then @fill. */
static void bin_part(struct parts *p, size_t i, uint8_t kind, size_t len,
                     uint8_t fill)
{
    uint8_t b[300];
    size_t at = 0;
    b[at++] = kind;
    if (kind == 0xc4) {
        b[at++] = (uint8_t)len;
    } else if (kind == 0xc5) {
        b[at++] = (uint8_t)(len >> 8);
        b[at++] = (uint8_t)len;
    } else { /* a str header of the same length */
        b[at - 1] = (uint8_t)(0xa0 | len);
        if (len > 31) {
            b[at - 1] = 0xd9;
            b[at++] = (uint8_t)len;
        }
    }
    memset(b + at, fill, len);
    part_set(p, i, b, at + len);
}

static void decode_refuses_wider_integer_forms(void **state)
{
    (void)state;
    struct identity id;
    make_identity(&id, 0x51);
    struct enc out;
    enc_init(&out);
    struct entry e;
    uint8_t prev[HZ_HASH_LEN];
    memset(prev, 0x11, sizeof prev);
    /* Small seq and clock, so that wider spellings exist. */
    unit_sign(&id, net, 5, prev, 1000, (const uint8_t *)"body", 4, &e, &out);
    struct parts p;
    parts_of(&e, &p);
    assert_int_equal(decode_parts(&p), 0);

    static const struct {
        size_t field;
        uint8_t b[9];
        size_t len;
    } wide[] = {
        {0, {0xcc, 0x01}, 2}, /* version */
        {0, {0xcd, 0x00, 0x01}, 3},
        {0, {0xd0, 0x01}, 2}, /* as int8 */
        {3, {0xcc, 0x05}, 2}, /* seq */
        {3, {0xcd, 0x00, 0x05}, 3},
        {3, {0xce, 0, 0, 0, 0x05}, 5},
        {3, {0xcf, 0, 0, 0, 0, 0, 0, 0, 0x05}, 9},
        {3, {0xd3, 0, 0, 0, 0, 0, 0, 0, 0x05}, 9}, /* as int64 */
        {5, {0xce, 0, 0, 0x03, 0xe8}, 5},          /* clock */
        {5, {0xcf, 0, 0, 0, 0, 0, 0, 0x03, 0xe8}, 9},
        {5, {0xd1, 0x03, 0xe8}, 3}, /* as int16 */
    };
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++) {
        struct parts q = p;
        part_set(&q, wide[i].field, wide[i].b, wide[i].len);
        /* The signature covers the canonical form, which these values
         * re-encode to: only the canonical-bytes rule stops them. */
        if (decode_parts(&q) != HZ_EMALFORMED)
            fail_msg("wide form %zu accepted", i);
    }
    enc_close(&out);
    identity_close(&id);
}

static void decode_refuses_other_containers_and_types(void **state)
{
    (void)state;
    struct fixture f;
    sign_sample(&f, 1);
    struct parts p;
    parts_of(&f.e, &p);
    uint8_t buf[3000];
    struct entry e;
    size_t len;

    /* array16 and array32 headers for the same eight fields */
    len = assemble(&p, (const uint8_t[]){0xdc, 0x00, 0x08}, 3, buf);
    assert_int_equal(entry_decode(&e, buf, len, NULL), HZ_EMALFORMED);
    len = assemble(&p, (const uint8_t[]){0xdd, 0, 0, 0, 0x08}, 5, buf);
    assert_int_equal(entry_decode(&e, buf, len, NULL), HZ_EMALFORMED);
    /* a map of four pairs */
    len = assemble(&p, (const uint8_t[]){0x84}, 1, buf);
    assert_int_equal(entry_decode(&e, buf, len, NULL), HZ_EMALFORMED);

    /* a field duplicated, or missing */
    struct parts q = p;
    part_set(&q, 8, p.f[7], p.len[7]);
    q.n = 9;
    int rv = decode_parts(&q);
    assert_true(rv == HZ_EMALFORMED || rv == HZ_ETOOBIG);
    q = p;
    q.n = 7;
    assert_int_equal(decode_parts(&q), HZ_EMALFORMED);

    /* network and author swapped */
    q = p;
    part_set(&q, 1, p.f[2], p.len[2]);
    part_set(&q, 2, p.f[1], p.len[1]);
    assert_int_equal(decode_parts(&q), HZ_EMALFORMED);

    /* bin written with a bin16 header */
    q = p;
    bin_part(&q, 1, 0xc5, HZ_NET_LEN, 0x68);
    assert_int_equal(decode_parts(&q), HZ_EMALFORMED);
    /* the body as str, the clock as float64, the seq as float32 */
    q = p;
    bin_part(&q, 6, 0xa0, 20, 'x');
    assert_int_equal(decode_parts(&q), HZ_EMALFORMED);
    q = p;
    part_set(&q, 5, (const uint8_t[]){0xcb, 0x43, 0, 0, 0, 0, 0, 0, 0}, 9);
    assert_int_equal(decode_parts(&q), HZ_EMALFORMED);
    q = p;
    part_set(&q, 3, (const uint8_t[]){0xca, 0x40, 0xe0, 0, 0}, 5);
    assert_int_equal(decode_parts(&q), HZ_EMALFORMED);
    /* a negative seq */
    q = p;
    part_set(&q, 3, (const uint8_t[]){0xf9}, 1);
    assert_int_equal(decode_parts(&q), HZ_EMALFORMED);
    close_sample(&f);
}

/* Fields of the same type in another order decode, but then describe
 * another entry, whose signature does not verify. */
static void reordered_fields_fail_decode_or_verify(void **state)
{
    (void)state;
    struct fixture f;
    sign_sample(&f, 1);
    struct parts p;
    parts_of(&f.e, &p);
    static const size_t swaps[][2] = {{3, 5}, {0, 3}, {4, 6},
                                      {6, 7}, {1, 2}, {0, 5}};
    for (size_t i = 0; i < sizeof swaps / sizeof swaps[0]; i++) {
        struct parts q = p;
        part_set(&q, swaps[i][0], p.f[swaps[i][1]], p.len[swaps[i][1]]);
        part_set(&q, swaps[i][1], p.f[swaps[i][0]], p.len[swaps[i][0]]);
        uint8_t buf[3000];
        size_t len = assemble(&q, NULL, 0, buf);
        assert_int_not_equal(check(buf, len), 0);
    }
    close_sample(&f);
}

static void decode_refuses_wrong_field_lengths(void **state)
{
    (void)state;
    struct fixture f;
    sign_sample(&f, 1);
    struct parts p;
    parts_of(&f.e, &p);
    static const struct {
        size_t field, len;
    } bad[] = {
        {1, HZ_NET_LEN - 1},
        {1, HZ_NET_LEN + 1},
        {2, HZ_KEY_LEN - 1},
        {2, HZ_KEY_LEN + 1},
        {4, HZ_HASH_LEN - 1},
        {4, HZ_HASH_LEN + 1},
        {4, 0},
        {7, HZ_SIG_LEN - 1},
        {7, HZ_SIG_LEN + 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct parts q = p;
        bin_part(&q, bad[i].field, 0xc4, bad[i].len, 0x5a);
        if (decode_parts(&q) != HZ_EMALFORMED)
            fail_msg("field %zu of %zu bytes accepted", bad[i].field,
                     bad[i].len);
    }
    close_sample(&f);
}

static void decode_refuses_seq_zero_and_out_of_range_numbers(void **state)
{
    (void)state;
    struct identity id;
    make_identity(&id, 0x52);
    uint8_t prev[HZ_HASH_LEN];
    memset(prev, 0x22, sizeof prev);
    static const struct {
        uint64_t seq;
        int with_prev;
        uint64_t clock;
        int want;
    } cases[] = {
        {0, 0, 1, HZ_EMALFORMED},
        {1, 1, 1, HZ_EMALFORMED}, /* seq 1 names no previous entry */
        {1, 0, 1, 0},
        {2, 1, 1, 0},
        {2, 0, 1, 0}, /* an all-zero prev past seq 1: the chain refuses */
        {(uint64_t)INT64_MAX, 1, 1, 0},
        {(uint64_t)INT64_MAX + 1, 1, 1, HZ_EMALFORMED},
        {UINT64_MAX, 1, 1, HZ_EMALFORMED},
        {3, 1, (uint64_t)INT64_MAX, 0},
        {3, 1, (uint64_t)INT64_MAX + 1, HZ_EMALFORMED},
        {3, 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct enc out;
        enc_init(&out);
        struct entry e;
        unit_sign(&id, net, cases[i].seq, cases[i].with_prev ? prev : NULL,
                  cases[i].clock, (const uint8_t *)"b", 1, &e, &out);
        struct entry d;
        int rv = entry_decode(&d, enc_data(&out), enc_len(&out), NULL);
        if (rv != cases[i].want)
            fail_msg("case %zu: %s, expected %s", i, hz_errname(rv),
                     hz_errname(cases[i].want));
        enc_close(&out);
    }
    identity_close(&id);
}

static void decode_refuses_envelope_versions_other_than_1(void **state)
{
    (void)state;
    struct fixture f;
    sign_sample(&f, 1);
    static const uint64_t versions[] = {0, 2, 3, 127, 1000};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        struct entry e = f.e;
        e.version = versions[i];
        struct enc out;
        enc_init(&out);
        assert_int_equal(entry_sign(&e, f.id.sk, &out), 0);
        struct entry d;
        assert_int_equal(entry_decode(&d, enc_data(&out), enc_len(&out), NULL),
                         HZ_EVERSION);
        enc_close(&out);
    }
    close_sample(&f);
}

static void decode_refuses_trailing_and_truncated_bytes(void **state)
{
    (void)state;
    struct fixture f;
    sign_sample(&f, 1);
    size_t len = enc_len(&f.out);
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    memcpy(buf, enc_data(&f.out), len);
    buf[len] = 0xc0;
    struct entry e;
    assert_int_equal(entry_decode(&e, buf, len + 1, NULL), HZ_EMALFORMED);
    for (size_t cut = 0; cut < len; cut++) {
        /* Exactly @cut bytes, so the sanitizers see any overread. */
        uint8_t *part = malloc(cut ? cut : 1);
        assert_non_null(part);
        memcpy(part, buf, cut);
        assert_int_equal(entry_decode(&e, part, cut, NULL), HZ_EMALFORMED);
        free(part);
    }
    free(buf);
    close_sample(&f);
}

static void decode_refuses_oversize_entry_and_body(void **state)
{
    (void)state;
    struct identity id;
    make_identity(&id, 0x53);
    uint8_t *body = calloc(1, HZ_BODY_LEN_MAX + 1);
    assert_non_null(body);
    struct entry e, d;
    struct enc out;
    enc_init(&out);
    /* The largest body fits. */
    unit_sign(&id, net, 1, NULL, 1, body, HZ_BODY_LEN_MAX, &e, &out);
    assert_true(enc_len(&out) <= HZ_ENTRY_LEN_MAX);
    assert_int_equal(entry_decode(&d, enc_data(&out), enc_len(&out), NULL), 0);
    assert_int_equal(entry_verify(&d, NULL), 0);
    /* One byte more does not, though the entry is under its own limit. */
    unit_sign(&id, net, 1, NULL, 1, body, HZ_BODY_LEN_MAX + 1, &e, &out);
    assert_true(enc_len(&out) <= HZ_ENTRY_LEN_MAX);
    assert_int_equal(entry_decode(&d, enc_data(&out), enc_len(&out), NULL),
                     HZ_ETOOBIG);
    /* Anything over the entry limit is refused before it is parsed. */
    uint8_t *big = malloc(HZ_ENTRY_LEN_MAX + 1);
    assert_non_null(big);
    memset(big, 0xc0, HZ_ENTRY_LEN_MAX + 1);
    assert_int_equal(entry_decode(&d, big, HZ_ENTRY_LEN_MAX + 1, NULL),
                     HZ_ETOOBIG);
    free(big);
    free(body);
    enc_close(&out);
    identity_close(&id);
}

static void decode_refuses_garbage(void **state)
{
    (void)state;
    uint64_t s = 0xe17;
    uint8_t buf[256];
    for (int iter = 0; iter < 2000; iter++) {
        size_t len = unit_rand_below(&s, sizeof buf + 1);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)unit_rand(&s);
        if (len > 0 && unit_rand(&s) % 2)
            buf[0] = 0x98; /* an eight-element array, at least */
        assert_int_not_equal(check(buf, len), 0);
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entry_round_trips_through_decode_and_encode),
        cmocka_unit_test(
            entry_signature_and_id_cover_tag_and_first_seven_fields),
        cmocka_unit_test(decode_known_reads_the_fields_decode_reads),
        cmocka_unit_test(verify_bytes_agrees_with_verify),
        cmocka_unit_test(flipping_any_bit_makes_decode_or_verify_fail),
        cmocka_unit_test(verify_refuses_another_authors_key),
        cmocka_unit_test(verify_refuses_malleable_signature),
        cmocka_unit_test(verify_refuses_small_order_key),
        cmocka_unit_test(decode_refuses_wider_integer_forms),
        cmocka_unit_test(decode_refuses_other_containers_and_types),
        cmocka_unit_test(reordered_fields_fail_decode_or_verify),
        cmocka_unit_test(decode_refuses_wrong_field_lengths),
        cmocka_unit_test(decode_refuses_seq_zero_and_out_of_range_numbers),
        cmocka_unit_test(decode_refuses_envelope_versions_other_than_1),
        cmocka_unit_test(decode_refuses_trailing_and_truncated_bytes),
        cmocka_unit_test(decode_refuses_oversize_entry_and_body),
        cmocka_unit_test(decode_refuses_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
