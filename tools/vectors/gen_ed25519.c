/* gen_ed25519.c - proto/vectors/ed25519.json: Ed25519 signatures as
 * libsodium 1.0.18 judges them (proto/entry.md, "Signature").
 *
 * Ed25519 written out by hand for what the library will not sign: a
 * signature with S not reduced, a small-order R, a small-order key
 * (made here for invalid.json's entries, gen_invalid.c), and a key of
 * mixed order that libsodium 1.0.18 accepts when h is even and refuses
 * when h is odd (its entry goes to entries.json). Each case is checked
 * against crypto_sign_verify_detached before it is written. */
#include "gen_common.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>

/* ---- Ed25519 by hand (for signatures libsodium must refuse) */

static const uint8_t ed_L[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
    0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
/* The neutral element (0, 1) and the point (0, -1) of order 2. */
const uint8_t ed_identity[32] = {1};
static const uint8_t ed_order2[32] = {
    0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

void sc_from_hash(uint8_t out[32], const void *p, size_t len)
{
    uint8_t h[64];
    crypto_hash_sha512(h, p, len);
    crypto_core_ed25519_scalar_reduce(out, h);
}

void hram(uint8_t out[32], const uint8_t *r, const uint8_t *a, const uint8_t *m,
          size_t m_len)
{
    crypto_hash_sha512_state st;
    uint8_t h[64];
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, r, 32);
    crypto_hash_sha512_update(&st, a, 32);
    crypto_hash_sha512_update(&st, m, m_len);
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(out, h);
}

void secret_scalar(const struct identity *id, uint8_t a[32])
{
    uint8_t wide[64] = {0};
    crypto_sign_ed25519_sk_to_curve25519(wide, id->sk); /* clamped */
    crypto_core_ed25519_scalar_reduce(a, wide);
}

void add_L(uint8_t s[32])
{
    unsigned carry = 0;
    for (size_t i = 0; i < 32; i++) {
        unsigned v = s[i] + ed_L[i] + carry;
        s[i] = (uint8_t)v;
        carry = v >> 8;
    }
}

/* ---- Ed25519 vectors without envelope */

static json_t *sig_case(const char *name, const uint8_t *pk, const uint8_t *m,
                        size_t m_len, const uint8_t *sig, bool valid,
                        const char *rule)
{
    bool got = crypto_sign_verify_detached(sig, m, m_len, pk) == 0;
    if (got != valid)
        die("ed25519 %s: libsodium says %s", name, got ? "valid" : "invalid");
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "public_key", hex_json(pk, 32));
    json_object_set_new(j, "message", hex_json(m, m_len));
    json_object_set_new(j, "signature", hex_json(sig, 64));
    json_object_set_new(j, "valid", json_boolean(valid));
    json_object_set_new(j, "rule", json_string(rule));
    return j;
}

/* A signature of the message in @m under the scalar @a of the key @pk,
 * whose h = SHA-512(R || A || M) mod L is odd when @odd, else even: the
 * nonces come from a counter starting at @ctr until h has that parity. */
static void sign_h_parity(uint8_t sig[64], const uint8_t *a, const uint8_t *pk,
                          const struct enc *m, uint32_t ctr, bool odd)
{
    for (;; ctr++) {
        uint8_t seedbuf[40], r[32], h[32], ha[32];
        memcpy(seedbuf, "huzhu vectors: mixed nonce", 26);
        memcpy(seedbuf + 26, &ctr, sizeof ctr);
        sc_from_hash(r, seedbuf, 30);
        check(crypto_scalarmult_ed25519_base_noclamp(sig, r), NULL, "R");
        hram(h, sig, pk, enc_data(m), enc_len(m));
        if ((h[0] & 1) != odd)
            continue;
        crypto_core_ed25519_scalar_mul(ha, h, a);
        crypto_core_ed25519_scalar_add(sig + 32, r, ha);
        return;
    }
}

/* An entry from a mixed-order key A = [a]B + T, T of order 2: libsodium
 * 1.0.18 checks neither the subgroup of A nor a cofactor, so a signature
 * whose h is even verifies. A second implementation must accept it. */
struct blob mixed_order_entry(struct enc *tmp, json_t *sigs)
{
    uint8_t a[32], main_pt[32], pk[32];
    sc_from_hash(a, "huzhu vectors: mixed-order key", 30);
    check(crypto_scalarmult_ed25519_base_noclamp(main_pt, a), NULL, "aB");
    if (crypto_core_ed25519_add(pk, main_pt, ed_order2) != 0)
        die("mixed-order key");
    struct entry e = {0};
    e.version = 1;
    memcpy(e.network, placeholder_net, HZ_NET_LEN);
    memcpy(e.author, pk, 32);
    e.seq = 1;
    e.clock = T0_MS << 16;
    struct enc body;
    enc_init(&body);
    struct blob bb = good_body(&body);
    e.body = (struct hz_bytes){bb.p, bb.len};
    signing_input(&e, tmp);
    sign_h_parity(e.sig, a, pk, tmp, 0, false); /* [h]T must vanish */
    json_array_append_new(
        sigs, sig_case("mixed_order_key", pk, enc_data(tmp), enc_len(tmp),
                       e.sig, true,
                       "A = [a]B + T with T of order 2 and h even: "
                       "libsodium 1.0.18 accepts (no subgroup check on A, "
                       "no cofactor in the equation)"));
    /* The same key and message, signed with h odd: [h]T = T != 0. */
    struct entry odd = e;
    sign_h_parity(odd.sig, a, pk, tmp, 1000, true);
    json_array_append_new(
        sigs, sig_case("mixed_order_key_odd_h", pk, enc_data(tmp), enc_len(tmp),
                       odd.sig, false,
                       "the same mixed-order key with h odd: [S]B - [h]A "
                       "= R - T, which is not R (the equation has no "
                       "cofactor)"));
    struct blob out = encode_entry(&e);
    enc_close(&body);
    free(bb.p);
    return out;
}

json_t *gen_ed25519(struct gen *g)
{
    json_t *sigs = json_array();
    struct enc tmp;
    enc_init(&tmp);
    struct blob mixed = mixed_order_entry(&tmp, sigs);
    enc_close(&tmp);
    free(mixed.p); /* the entry goes to entries.json */
    const struct fates *fs = fates_get(g);
    /* The plain case and the refused ones, from the invalid entries. */
    static const struct {
        const char *fate;
        bool valid;
        const char *rule;
    } from[] = {
        {"sig_s_not_reduced", false,
         "S (the last 32 bytes, little-endian) must be below L"},
        {"sig_r_small_order", false,
         "R (the first 32 bytes) must not encode a point of small order"},
        {"author_small_order", false,
         "the public key must not encode a point of small order"},
        {"bad_signature", false, "the point equation must hold"},
    };
    for (size_t i = 0; i < N(from); i++) {
        const struct fate *f = NULL;
        for (size_t k = 0; k < fs->n; k++) {
            if (strcmp(fs->v[k].name, from[i].fate) == 0)
                f = &fs->v[k];
        }
        if (f == NULL)
            die("no invalid entry %s", from[i].fate);
        struct entry e;
        decode_or_die(&e, &f->b);
        signing_input(&e, &g->scratch);
        json_array_append_new(sigs, sig_case(from[i].fate, e.author,
                                             enc_data(&g->scratch),
                                             enc_len(&g->scratch), e.sig,
                                             from[i].valid, from[i].rule));
    }
    json_t *root = file_root(
        "Ed25519 signatures as libsodium 1.0.18 crypto_sign_verify_detached "
        "judges them (proto/entry.md, \"Signature\"). message is the "
        "entry's signing input.");
    json_object_set_new(root, "cases", sigs);
    return root;
}
