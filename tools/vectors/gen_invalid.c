/* gen_invalid.c - proto/vectors/invalid.json: entries a node must not
 * apply (proto/entry.md, "Transport checks", "Content checks" and
 * "Verdicts").
 *
 * Each entry is wrong in one place: an envelope written non-canonically,
 * a bad signature (the three Ed25519 rules of libsodium 1.0.18 included,
 * made by hand in gen_ed25519.c), a foreign network, a seq or clock out of
 * range, and bodies failing each content check. Before it is written,
 * each one is taken in alone by a fresh node and must meet the fate it is
 * labelled with: refused with its code, or stored as rejected (the body's
 * code) or held. ed25519.json takes four of them as signature cases. */
#include "gen_common.h"

#include "core/schema.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>

static const uint8_t other_net[HZ_NET_LEN] = "another-network!";

/* Envelope encodings that are not canonical. */
enum tweak {
    TWEAK_SEQ_UINT16,    /* seq 1 as cd 00 01 */
    TWEAK_CLOCK_FLOAT32, /* clock as ca ... */
    TWEAK_MAP,           /* {0: version, 1: network, ...} */
    TWEAK_BODY_INLINE,   /* the body array itself instead of bin */
    TWEAK_AUTHOR_STR,    /* author as str32 instead of bin32 */
    TWEAK_ARRAY16,       /* the envelope array header as dc 00 08 */
    TWEAK_BIN16_SIG,     /* sig as c5 00 40 instead of c4 40 */
};

static struct blob envelope_tweak(const struct entry *e, enum tweak t)
{
    struct enc o;
    enc_init(&o);
    if (t == TWEAK_MAP)
        enc_raw(&o, "\x88", 1);
    else if (t == TWEAK_ARRAY16)
        enc_raw(&o, "\xdc\x00\x08", 3);
    else
        enc_array(&o, 8);
    for (unsigned i = 0; i < 8; i++) {
        if (t == TWEAK_MAP)
            enc_uint(&o, i);
        switch (i) {
        case 0:
            enc_uint(&o, e->version);
            break;
        case 1:
            enc_bin(&o, e->network, HZ_NET_LEN);
            break;
        case 2:
            if (t == TWEAK_AUTHOR_STR) {
                enc_raw(&o, "\xd9\x20", 2);
                enc_raw(&o, e->author, HZ_KEY_LEN);
            } else {
                enc_bin(&o, e->author, HZ_KEY_LEN);
            }
            break;
        case 3:
            if (t == TWEAK_SEQ_UINT16) {
                uint8_t w[3] = {0xcd, (uint8_t)(e->seq >> 8), (uint8_t)e->seq};
                enc_raw(&o, w, 3);
            } else {
                enc_uint(&o, e->seq);
            }
            break;
        case 4:
            enc_bin(&o, e->prev, HZ_HASH_LEN);
            break;
        case 5:
            if (t == TWEAK_CLOCK_FLOAT32) {
                /* 1.0f: a float where an unsigned int belongs */
                enc_raw(&o, "\xca\x3f\x80\x00\x00", 5);
            } else {
                enc_uint(&o, e->clock);
            }
            break;
        case 6:
            if (t == TWEAK_BODY_INLINE)
                enc_raw(&o, e->body.p, e->body.len);
            else
                enc_bin(&o, e->body.p, e->body.len);
            break;
        case 7:
            if (t == TWEAK_BIN16_SIG) {
                enc_raw(&o, "\xc5\x00\x40", 3);
                enc_raw(&o, e->sig, HZ_SIG_LEN);
            } else {
                enc_bin(&o, e->sig, HZ_SIG_LEN);
            }
            break;
        }
    }
    struct blob b = blob_of_enc(&o);
    enc_close(&o);
    return b;
}

/* A minimal valid check-in, with one column swapped by the caller. */
static void stay_fields(struct enc *b, const char *skip, const char *kind)
{
    if (strcmp(skip, "kind") != 0) {
        ins_field(b, "kind");
        enc_cstr(b, kind);
    }
    if (strcmp(skip, "person") != 0) {
        ins_field(b, "person");
        bin_hex(b, P1);
    }
    if (strcmp(skip, "site") != 0) {
        ins_field(b, "site");
        bin_hex(b, S1);
    }
    if (strcmp(skip, "time") != 0) {
        ins_field(b, "time");
        enc_int(b, 1717200000);
    }
}

/* ---- invalid entries */

/* What a fresh node does with @b alone: the refusal code, or the
 * verdict it stores. */
static void expect_fate(const struct fate *f)
{
    struct genv g = {T0_MS, 99, {0}};
    g.env = (struct hz_env){&g, genv_now, genv_random};
    uint8_t seed[32];
    memset(seed, SEED_RECEIVER, sizeof seed);
    hz_node *n;
    struct hz_err err = {0};
    check(node_open_memory(seed, schema_current(), &g.env, &n, &err), &err,
          "open");
    check(txn_begin(n, &err), &err, "begin");
    enum ingest_result res = INGEST_DUPLICATE;
    struct hz_err why = {0};
    int rv = ingest_entry(n, f->b.p, f->b.len, &res, &why);
    const char *got = NULL, *code = NULL;
    if (rv != 0) {
        got = "refused";
        code = hz_errname(rv);
    } else if (res == INGEST_REJECTED) {
        got = "rejected";
    } else if (res == INGEST_HELD) {
        got = "held";
    } else if (res == INGEST_APPLIED) {
        got = "applied";
    } else {
        got = "other";
    }
    if (strcmp(got, f->verdict) != 0)
        die("%s: expected %s, got %s (%s)", f->name, f->verdict, got,
            rv ? why.msg : "");
    if (rv == 0 && res == INGEST_REJECTED) {
        /* The reason the body fails, by its code. */
        struct entry e;
        decode_or_die(&e, &f->b);
        struct body body;
        uint64_t version;
        int brv = body_peek_version(e.body.p, e.body.len, &version, &why);
        if (brv == 0)
            brv = body_decode(&body, schema_current(), e.body.p, e.body.len,
                              &why);
        if (brv == 0)
            die("%s: body decodes", f->name);
        code = hz_errname(brv);
    }
    if (code != NULL && strcmp(code, f->code) != 0)
        die("%s: expected %s, got %s (%s)", f->name, f->code, code, why.msg);
    txn_rollback(n);
    hz_node_close(n);
}

static void fate_add(struct fates *fs, const char *name, const char *verdict,
                     const char *code, const char *reason, struct blob b)
{
    if (fs->n == FATES_MAX)
        die("too many invalid vectors");
    fs->v[fs->n++] = (struct fate){name, verdict, code, reason, b};
}

/* An entry of @id at seq 1 around the body in @b. */
static struct blob with_body(const struct identity *id, struct enc *b)
{
    struct blob body = blob_of_enc(b);
    struct blob out =
        craft(id, 1, placeholder_net, 1, NULL, T0_MS << 16, &body, NULL);
    free(body.p);
    return out;
}

static void transport_fates(struct fates *fs, const struct identity *d,
                            struct enc *b)
{
    struct blob body = good_body(b);
    struct entry e;
    struct blob ok =
        craft(d, 1, placeholder_net, 1, NULL, T0_MS << 16, &body, &e);

    fate_add(fs, "envelope_seq_uint16", "refused", "HZ_EMALFORMED",
             "seq 1 written as uint16 (cd 00 01): integers take their "
             "shortest form",
             envelope_tweak(&e, TWEAK_SEQ_UINT16));
    fate_add(fs, "envelope_array16", "refused", "HZ_EMALFORMED",
             "the envelope array header written as array16 (dc 00 08) "
             "instead of fixarray (98)",
             envelope_tweak(&e, TWEAK_ARRAY16));
    fate_add(fs, "envelope_sig_bin16", "refused", "HZ_EMALFORMED",
             "the signature written as bin16 (c5 00 40) instead of bin8",
             envelope_tweak(&e, TWEAK_BIN16_SIG));
    fate_add(fs, "envelope_clock_float32", "refused", "HZ_EMALFORMED",
             "the clock written as a float32: it must be an unsigned int",
             envelope_tweak(&e, TWEAK_CLOCK_FLOAT32));
    fate_add(fs, "envelope_map", "refused", "HZ_EMALFORMED",
             "the envelope as a map {0: version, 1: network, ...} instead "
             "of an array",
             envelope_tweak(&e, TWEAK_MAP));
    fate_add(fs, "envelope_body_inline", "refused", "HZ_EMALFORMED",
             "the body array placed inline instead of as bin bytes",
             envelope_tweak(&e, TWEAK_BODY_INLINE));
    fate_add(fs, "envelope_author_str", "refused", "HZ_EMALFORMED",
             "the author key as str instead of bin",
             envelope_tweak(&e, TWEAK_AUTHOR_STR));

    struct blob trailing = blob_plus_byte(&ok, 0xc0);
    fate_add(fs, "envelope_trailing_byte", "refused", "HZ_EMALFORMED",
             "a valid entry followed by one more byte (c0)", trailing);

    struct entry bad = e;
    bad.sig[10] ^= 0x01;
    fate_add(fs, "bad_signature", "refused", "HZ_EBADSIG",
             "one bit of the signature flipped", encode_entry(&bad));

    /* A bit inside the body that keeps the msgpack valid: the last byte of
     * the body is the value 3 in members (a positive fixint). */
    struct blob flipped = blob_copy(ok.p, ok.len);
    size_t at = ok.len - HZ_SIG_LEN - 2 /* c4 40 */ - 2;
    if (flipped.p[at] != 0x03)
        die("flipped bit: unexpected layout");
    flipped.p[at] ^= 0x04;
    fate_add(fs, "flipped_body_bit", "refused", "HZ_EBADSIG",
             "one bit flipped inside the body (members 3 becomes 7): still "
             "valid msgpack, but the signature no longer verifies",
             flipped);

    fate_add(fs, "wrong_network", "refused", "HZ_ENETWORK",
             "signed for another network id (\"another-network!\")",
             craft(d, 1, other_net, 1, NULL, T0_MS << 16, &body, NULL));
    fate_add(fs, "seq_zero", "refused", "HZ_EMALFORMED",
             "seq 0: sequence numbers start at 1",
             craft(d, 1, placeholder_net, 0, NULL, T0_MS << 16, &body, NULL));
    uint8_t prev[HZ_HASH_LEN];
    memset(prev, 0xab, sizeof prev);
    fate_add(fs, "seq1_with_prev", "refused", "HZ_EMALFORMED",
             "seq 1 with a non-zero previous hash",
             craft(d, 1, placeholder_net, 1, prev, T0_MS << 16, &body, NULL));
    fate_add(fs, "envelope_version_2", "refused", "HZ_EVERSION",
             "envelope version 2: format 1 is the only envelope",
             craft(d, 2, placeholder_net, 1, NULL, T0_MS << 16, &body, NULL));
    fate_add(
        fs, "clock_over_int64", "refused", "HZ_EMALFORMED",
        "clock 2^63: clocks are at most 2^63-1",
        craft(d, 1, placeholder_net, 1, NULL, UINT64_C(1) << 63, &body, NULL));

    /* Ed25519 rules of libsodium 1.0.18 (proto/entry.md, "Signature"). */
    struct entry s = e;
    add_L(s.sig + 32);
    fate_add(fs, "sig_s_not_reduced", "refused", "HZ_EBADSIG",
             "S + L in place of S: the same point equation holds, but S "
             "must be below L",
             encode_entry(&s));

    struct entry r = e;
    uint8_t a[32], h[32];
    secret_scalar(d, a);
    memcpy(r.sig, ed_identity, 32);
    signing_input(&r, b);
    hram(h, r.sig, r.author, enc_data(b), enc_len(b));
    crypto_core_ed25519_scalar_mul(r.sig + 32, h, a);
    fate_add(fs, "sig_r_small_order", "refused", "HZ_EBADSIG",
             "R is the neutral element (small order) and S = h*a: the "
             "cofactorless equation holds, but R must not have small order",
             encode_entry(&r));

    struct entry k = e;
    memcpy(k.author, ed_identity, 32);
    uint8_t nonce[32];
    sc_from_hash(nonce, "huzhu vectors: small-order key", 30);
    check(crypto_scalarmult_ed25519_base_noclamp(k.sig, nonce), NULL, "R");
    memcpy(k.sig + 32, nonce, 32);
    fate_add(fs, "author_small_order", "refused", "HZ_EBADSIG",
             "the author key is the neutral element (small order); R = "
             "[S]B satisfies the equation for any message, so such keys "
             "are refused",
             encode_entry(&k));
    free(body.p);
    free(ok.p);
}

/* A stock_moves insert of @qty of I1 at S1, of @kind, received against
 * the match @match (hex) when not NULL. */
static void stock_move(struct enc *b, const char *kind, const char *match,
                       int64_t qty)
{
    op_head(b, 2, "stock_moves", M1, match != NULL ? 6 : 5);
    ins_field(b, "item");
    bin_hex(b, I1);
    ins_field(b, "kind");
    enc_cstr(b, kind);
    if (match != NULL) {
        ins_field(b, "match");
        bin_hex(b, match);
    }
    ins_field(b, "qty");
    enc_int(b, qty);
    ins_field(b, "site");
    bin_hex(b, S1);
    ins_field(b, "time");
    enc_int(b, 1717200000);
}

static void content_fates(struct fates *fs, const struct identity *d,
                          struct enc *b)
{
    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    /* schema version 1 as uint8: patch the second byte */
    struct blob wide = blob_of_enc(b);
    struct enc w;
    enc_init(&w);
    enc_raw(&w, "\x92\xcc\x01", 3);
    enc_raw(&w, wide.p + 2, wide.len - 2);
    free(wide.p);
    fate_add(fs, "body_int_uint8", "rejected", "HZ_EMALFORMED",
             "the body's schema version 1 written as uint8 (cc 01)",
             with_body(d, &w));
    enc_close(&w);

    body_head(b, 1, 1);
    op_head(b, 0, "sites", S1, 1);
    set_field(b, "area_m2");
    enc_raw(b, "\xca\x42\xf1\x00\x00", 5); /* 120.5f */
    no_heads(b);
    fate_add(fs, "body_float32", "rejected", "HZ_EMALFORMED",
             "a real written as float32 (ca 42 f1 00 00): reals are float64",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "sites", S1, 1);
    set_field(b, "area_m2");
    enc_raw(b, "\xcb\x80\x00\x00\x00\x00\x00\x00\x00", 9);
    no_heads(b);
    fate_add(fs, "body_negative_zero", "rejected", "HZ_EMALFORMED",
             "a real -0.0: written as 0.0, so -0.0 is not canonical",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "sites", S1, 1);
    set_field(b, "area_m2");
    enc_raw(b, "\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00", 9);
    no_heads(b);
    fate_add(fs, "body_nan", "rejected", "HZ_EMALFORMED",
             "a real NaN: reals are finite", with_body(d, b));

    body_head(b, 1, 1);
    enc_raw(b, "\x84", 1); /* the op as a map */
    enc_uint(b, 0);
    enc_uint(b, 0);
    enc_uint(b, 1);
    enc_cstr(b, "households");
    enc_uint(b, 2);
    bin_hex(b, H1);
    enc_uint(b, 3);
    enc_array(b, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_map", "rejected", "HZ_EMALFORMED",
             "an op written as a map instead of an array", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "village");
    enc_str(b, "\xe6\xb5\x8b\xe8\xaf", 5); /* 测 then a cut character */
    no_heads(b);
    fate_add(fs, "body_bad_utf8", "rejected", "HZ_EMALFORMED",
             "a text value that is not valid UTF-8 (a cut 3-byte sequence)",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "village");
    enc_str(b, "\xed\xa0\x80", 3); /* U+D800 */
    no_heads(b);
    fate_add(fs, "body_utf8_surrogate", "rejected", "HZ_EMALFORMED",
             "a text value holding the surrogate U+D800 (ed a0 80)",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 2);
    set_field(b, "status");
    enc_cstr(b, "home");
    no_heads(b);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_unsorted_columns", "rejected", "HZ_EMALFORMED",
             "columns status then members: columns are sorted by wire name",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 2);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    set_field(b, "members");
    enc_int(b, 4);
    no_heads(b);
    fate_add(fs, "body_duplicate_column", "rejected", "HZ_EMALFORMED",
             "one column set twice in one op", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    enc_array(b, 2);
    uint8_t hi[HZ_HASH_LEN], lo[HZ_HASH_LEN];
    memset(hi, 0x22, sizeof hi);
    memset(lo, 0x11, sizeof lo);
    enc_bin(b, hi, HZ_HASH_LEN);
    enc_bin(b, lo, HZ_HASH_LEN);
    fate_add(fs, "body_unsorted_heads", "rejected", "HZ_EMALFORMED",
             "heads 2222.. before 1111..: heads are sorted and unique",
             with_body(d, b));

    body_head(b, 1, 2);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    op_head(b, 1, "households", H1, 0);
    fate_add(fs, "body_two_ops_one_row", "rejected", "HZ_EMALFORMED",
             "a set and a del of the same row in one entry: one op per row",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "shelters_v9", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_unknown_table", "rejected", "HZ_ESCHEMA",
             "table shelters_v9 under schema version 1: stored in the "
             "chain, never applied (content, not transport)",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "roof_color");
    enc_cstr(b, "red");
    no_heads(b);
    fate_add(fs, "body_unknown_column", "rejected", "HZ_ESCHEMA",
             "column roof_color does not exist in households v1",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "status");
    enc_cstr(b, "on_the_moon");
    no_heads(b);
    fate_add(fs, "body_unknown_enum", "rejected", "HZ_ESCHEMA",
             "status on_the_moon is not a v1 enum value", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 101);
    no_heads(b);
    fate_add(fs, "body_out_of_range", "rejected", "HZ_EVALUE",
             "members 101: the range is 0..100", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_cstr(b, "3");
    no_heads(b);
    fate_add(fs, "body_wrong_type", "rejected", "HZ_EVALUE",
             "members as the text \"3\": an int column takes an int",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_uint(b, UINT64_C(1) << 63);
    no_heads(b);
    fate_add(fs, "body_int_over_int64", "rejected", "HZ_EVALUE",
             "an integer 2^63 (cf ...): values are signed 64-bit",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "stays", ST1, 4);
    ins_field(b, "kind");
    enc_cstr(b, "in");
    ins_field(b, "note");
    enc_cstr(b, "测试");
    ins_field(b, "site");
    bin_hex(b, S1);
    ins_field(b, "time");
    enc_int(b, 1717200000);
    fate_add(fs, "body_event_missing_required", "rejected", "HZ_EVALUE",
             "a check-in without its required person", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "stays", ST1, 5);
    ins_field(b, "kind");
    enc_cstr(b, "in");
    ins_field(b, "note");
    enc_nil(b);
    ins_field(b, "person");
    bin_hex(b, P1);
    ins_field(b, "site");
    bin_hex(b, S1);
    ins_field(b, "time");
    enc_int(b, 1717200000);
    fate_add(fs, "body_nil_in_event", "rejected", "HZ_EVALUE",
             "an event column written as nil: events leave absent columns "
             "out",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "stays", ST1, 1);
    set_field(b, "kind");
    enc_cstr(b, "in");
    no_heads(b);
    fate_add(fs, "body_set_on_event_table", "rejected", "HZ_ESCHEMA",
             "a set op on the event table stays: events are only inserted",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "households", H1, 1);
    ins_field(b, "members");
    enc_int(b, 3);
    fate_add(fs, "body_ins_on_entity_table", "rejected", "HZ_ESCHEMA",
             "an ins op on the entity table households", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "stays", ST1, 4);
    stay_fields(b, "", "out");
    fate_add(fs, "body_checkout_without_closes", "rejected", "HZ_EVALUE",
             "a check-out (kind out) that does not name the check-in it "
             "closes",
             with_body(d, b));

    body_head(b, 1, 1);
    stock_move(b, "received", NULL, -5);
    fate_add(fs, "body_stock_sign", "rejected", "HZ_EVALUE",
             "received with qty -5: incoming kinds take a positive qty",
             with_body(d, b));

    body_head(b, 4, 1);
    op_head(b, 2, "damage", M1, 4);
    ins_field(b, "facility");
    enc_cstr(b, "bridge");
    ins_field(b, "house");
    enc_cstr(b, "collapsed");
    ins_field(b, "household");
    bin_hex(b, H1);
    ins_field(b, "time");
    enc_int(b, 1717200000);
    fate_add(fs, "body_damage_household_and_facility", "rejected", "HZ_EVALUE",
             "a damage assessment naming both a household and a facility",
             with_body(d, b));

    body_head(b, 4, 1);
    op_head(b, 2, "relief", M1, 4);
    ins_field(b, "cash_fen");
    enc_int(b, 0);
    ins_field(b, "household");
    bin_hex(b, H1);
    ins_field(b, "method");
    enc_cstr(b, "cash");
    ins_field(b, "time");
    enc_int(b, 1717200000);
    fate_add(fs, "body_relief_of_nothing", "rejected", "HZ_EVALUE",
             "relief of 0 fen in cash and no goods", with_body(d, b));

    body_head(b, 5, 1);
    op_head(b, 2, "volunteer_service", M1, 5);
    ins_field(b, "kind");
    enc_cstr(b, "in");
    ins_field(b, "minutes");
    enc_int(b, 90);
    ins_field(b, "site");
    bin_hex(b, ST1);
    ins_field(b, "time");
    enc_int(b, 1717200000);
    ins_field(b, "volunteer");
    bin_hex(b, H1);
    fate_add(fs, "body_volunteer_checkin_with_minutes", "rejected", "HZ_EVALUE",
             "a volunteer's check-in carrying minutes: only hours recorded "
             "afterwards do",
             with_body(d, b));

    body_head(b, 6, 1);
    stock_move(b, "distributed", ST1, -5);
    fate_add(fs, "body_distributed_against_match", "rejected", "HZ_EVALUE",
             "goods distributed naming a match: only goods received are "
             "received against a match",
             with_body(d, b));

    body_head(b, 0, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_schema_version_0", "rejected", "HZ_EMALFORMED",
             "schema version 0: versions start at 1", with_body(d, b));

    body_head(b, 1, 0);
    fate_add(fs, "body_no_ops", "rejected", "HZ_EMALFORMED", "an empty op list",
             with_body(d, b));

    enc_reset(b);
    enc_raw(b, "\xc1\x00", 2);
    fate_add(fs, "body_not_msgpack", "rejected", "HZ_EMALFORMED",
             "body bytes c1 00: not msgpack at all", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "recorded_by", ST1, 1);
    ins_field(b, "account");
    enc_cstr(b, "wang");
    fate_add(fs, "body_table_newer_than_named", "rejected", "HZ_ESCHEMA",
             "a recorded_by row (since 2) in a body naming schema version 1: "
             "a body names the lowest version that defines what it uses",
             with_body(d, b));

    body_head(b, HZ_SCHEMA_VERSION + 1, 1);
    op_head(b, 0, "shelters_v9", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_newer_schema", "held", "",
             "schema version 11 on a version-10 node: stored and relayed, "
             "applied after an upgrade",
             with_body(d, b));
}

static json_t *fates_json(const struct fates *fs)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < fs->n; i++) {
        const struct fate *f = &fs->v[i];
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(f->name));
        json_object_set_new(j, "verdict", json_string(f->verdict));
        if (f->code[0] != '\0')
            json_object_set_new(j, "code", json_string(f->code));
        json_object_set_new(j, "reason", json_string(f->reason));
        json_object_set_new(j, "entry", hex_json(f->b.p, f->b.len));
        json_array_append_new(arr, j);
    }
    return arr;
}

const struct fates *fates_get(struct gen *g)
{
    struct fates *fs = &g->fs;
    if (fs->built)
        return fs;
    uint8_t seed[32];
    memset(seed, SEED_INVALID, sizeof seed);
    struct identity d;
    identity_from_seed(&d, seed);
    transport_fates(fs, &d, &g->scratch);
    content_fates(fs, &d, &g->scratch);
    for (size_t i = 0; i < fs->n; i++)
        expect_fate(&fs->v[i]);
    identity_close(&d);
    fs->built = true;
    return fs;
}

json_t *gen_invalid(struct gen *g)
{
    json_t *root = file_root(
        "Entries a node must not apply (proto/entry.md, \"Verdicts\"). "
        "Each is taken in alone by a fresh node on the placeholder "
        "network. refused: a transport check fails, nothing is stored. "
        "rejected: stored in the author's chain, never applied. held: "
        "stored, applied after an upgrade. code is the error huzhu "
        "reports (for rejected: why the body fails).");
    json_object_set_new(root, "entries", fates_json(fates_get(g)));
    return root;
}
