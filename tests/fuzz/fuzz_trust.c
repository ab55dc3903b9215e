/* fuzz_trust.c - libFuzzer target: certificates, revocations, join token
 * payloads, trust bodies and the trust resolver (proto/trust.md).
 *
 * Input: one selector byte, then bytes. Properties:
 *   0 certificate, 1 revocation, 2 token payload: decoding returns 0 or
 *     a documented code with a message; what decodes re-encodes to
 *     exactly the input; verification returns 0 or HZ_EBADSIG;
 *   3 trust body: body_decode, then trust_body_check and
 *     trust_entry_allowed (no certificates: always HZ_ENOCERT) return 0 or
 *     a code with a message, never crash;
 *   4 resolver: the rest is a list of [kind, author byte, seq, object]
 *     records (objects decoded without their signatures, so the fuzzer can
 *     reach every rule); trust_resolve gives the same certificates in
 *     effect and the same cut-offs for the list and for it reversed
 *     (arrival order never matters), and every cut-off is an applied
 *     revocation's after_seq. */
#include "fuzz_util.h"

#include "core/cert.h"
#include "core/token.h"
#include "core/trust.h"

#include <stdlib.h>
#include <string.h>

#define OBJS_MAX 24

static const uint8_t network[HZ_NET_LEN] = "huzhu-fuzz-net!!";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(hz_init() == 0);
    return 0;
}

static void same_bytes(int (*enc)(const void *, struct enc *), const void *o,
                       const uint8_t *data, size_t size)
{
    struct enc out;
    enc_init(&out);
    FUZZ_CHECK(enc(o, &out) == 0);
    FUZZ_CHECK(enc_len(&out) == size &&
               memcmp(enc_data(&out), data, size) == 0);
    enc_close(&out);
}

static int enc_cert(const void *o, struct enc *out)
{
    return cert_encode(o, out);
}

static int enc_rev(const void *o, struct enc *out)
{
    return revocation_encode(o, out);
}

static int enc_token(const void *o, struct enc *out)
{
    return token_encode(o, out);
}

static void objects(const uint8_t *data, size_t size)
{
    struct trust_obj objs[OBJS_MAX], back[OBJS_MAX];
    size_t n = 0;
    /* records: kind(1) author(1) seq(1) len(2) object(len) */
    while (size >= 5 && n < OBJS_MAX) {
        size_t len = (size_t)data[3] << 8 | data[4];
        if (len > size - 5)
            break;
        struct trust_obj *o = &objs[n];
        memset(o, 0, sizeof *o);
        enum op_kind kind = data[0] & 1 ? OP_REVOKE : OP_CERT;
        struct hz_err err = {0};
        if (trust_obj_decode(network, kind, (struct hz_bytes){data + 5, len}, o,
                             &err) == 0) {
            memset(o->author, data[1] & 3, HZ_KEY_LEN);
            o->seq = data[2];
            o->idx = (uint32_t)n;
            memset(o->eid, (int)n, HZ_HASH_LEN);
            /* The fuzzer cannot sign for the root key: let the first bit
             * of the kind byte say which objects the root signed. */
            o->root = (data[0] & 2) != 0;
            n++;
        }
        data += 5 + len;
        size -= 5 + len;
    }
    for (size_t i = 0; i < n; i++)
        back[i] = objs[n - 1 - i];
    struct trust_result r1, r2;
    struct hz_err err = {0};
    FUZZ_CHECK(trust_resolve(network, objs, n, &r1, &err) == 0);
    FUZZ_CHECK(trust_resolve(network, back, n, &r2, &err) == 0);
    FUZZ_CHECK(r1.n_cuts == r2.n_cuts);
    for (size_t i = 0; i < r1.n_cuts; i++) {
        FUZZ_CHECK(memcmp(r1.cuts[i].subject, r2.cuts[i].subject, HZ_KEY_LEN) ==
                   0);
        FUZZ_CHECK(r1.cuts[i].seq == r2.cuts[i].seq);
        const struct trust_obj *by = &objs[r1.cuts[i].by];
        FUZZ_CHECK(by->kind == OP_REVOKE && by->effective);
        FUZZ_CHECK(by->rev.after_seq == r1.cuts[i].seq);
    }
    /* Both sorted the same way: positions match. */
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(objs[i].effective == back[i].effective &&
                   memcmp(objs[i].eid, back[i].eid, HZ_HASH_LEN) == 0);
    trust_result_close(&r1);
    trust_result_close(&r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0] % 5;
    data++;
    size--;
    struct hz_err err = {0};
    int rv;
    switch (sel) {
    case 0: {
        struct cert c;
        rv = cert_decode(&c, data, size, &err);
        if (rv != 0) {
            FUZZ_CODES("cert_decode", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG,
                       HZ_EVERSION);
            return 0;
        }
        same_bytes(enc_cert, &c, data, size);
        rv = cert_verify(&c, &err);
        if (rv != 0)
            FUZZ_CODES("cert_verify", rv, &err, HZ_EBADSIG);
        return 0;
    }
    case 1: {
        struct revocation r;
        rv = revocation_decode(&r, data, size, &err);
        if (rv != 0) {
            FUZZ_CODES("revocation_decode", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG,
                       HZ_EVERSION);
            return 0;
        }
        FUZZ_CHECK(r.has_after_id == (r.after_seq > 0));
        same_bytes(enc_rev, &r, data, size);
        rv = revocation_verify(&r, &err);
        if (rv != 0)
            FUZZ_CODES("revocation_verify", rv, &err, HZ_EBADSIG);
        return 0;
    }
    case 2: {
        struct token *t = malloc(sizeof *t);
        FUZZ_CHECK(t != NULL);
        rv = token_decode(t, data, size, &err);
        if (rv != 0)
            FUZZ_CODES("token_decode", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG,
                       HZ_EVERSION);
        else
            same_bytes(enc_token, t, data, size);
        free(t);
        return 0;
    }
    case 3: {
        struct body b;
        uint64_t version;
        /* body.h: the caller checks the version first */
        if (body_peek_version(data, size, &version, &err) != 0 ||
            version > schema_current()->version)
            return 0;
        rv = body_decode(&b, schema_current(), data, size, &err);
        if (rv != 0)
            return 0;
        static const uint8_t author[HZ_KEY_LEN] = {1};
        if (b.trust) {
            rv = trust_body_check(network, author, &b, &err);
            if (rv != 0)
                FUZZ_CODES("trust_body_check", rv, &err, HZ_EMALFORMED,
                           HZ_ETOOBIG, HZ_EVERSION, HZ_EBADSIG, HZ_ENETWORK);
        }
        if (!b.trust || rv == 0) {
            rv = trust_entry_allowed(network, author, 1, &b, NULL, 0, NULL,
                                     &err);
            FUZZ_CODES("trust_entry_allowed", rv, &err, HZ_ENOCERT);
        }
        body_close(&b);
        return 0;
    }
    default:
        objects(data, size);
        return 0;
    }
}
