/* fuzz_entry.c - libFuzzer target: the signed entry envelope
 * (core/entry.h) on arbitrary bytes.
 *
 * Input: the bytes of one entry, as they arrive in a bundle frame or
 * from a peer. Properties:
 *   - entry_decode returns 0 or one of its documented codes, with a
 *     message, and never reads outside the input (ASan);
 *   - a decoded entry re-encodes to exactly the input (canonical bytes,
 *     DECISIONS 2), and its body view lies inside the input;
 *   - the entry id is BLAKE2b-256 of the tag and the canonical array of
 *     the first seven fields, recomputed here from the input bytes alone;
 *   - entry_verify returns 0 or HZ_EBADSIG; when it passes, flipping any
 *     one bit of the signature (chosen by the input) makes it fail. */
#include "fuzz_util.h"

#include "core/entry.h"

#include <sodium.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(hz_init() == 0);
    return 0;
}

static void check_decoded(const struct entry *e, const uint8_t *data,
                          size_t size)
{
    FUZZ_CHECK(e->version == HZ_ENTRY_VERSION);
    FUZZ_CHECK(e->seq >= 1);
    FUZZ_CHECK(e->body.len == 0 ||
               (e->body.p >= data && e->body.len <= size &&
                e->body.p - data <= (ptrdiff_t)(size - e->body.len)));

    struct enc out;
    enc_init(&out);
    FUZZ_CHECK(entry_encode(e, &out) == 0);
    FUZZ_CHECK(enc_len(&out) == size);
    FUZZ_CHECK(memcmp(enc_data(&out), data, size) == 0);
    enc_close(&out);

    /* Canonical: a fixarray of 8, then the fields, the signature last as
     * bin8 of 64 bytes (c4 40 ...). The signing input swaps the array
     * header for a fixarray of 7 and drops the signature. */
    FUZZ_CHECK(size > 1 + 2 + HZ_SIG_LEN);
    FUZZ_CHECK(data[0] == 0x98);
    FUZZ_CHECK(data[size - HZ_SIG_LEN - 2] == 0xc4);
    FUZZ_CHECK(data[size - HZ_SIG_LEN - 1] == HZ_SIG_LEN);
    crypto_generichash_state h;
    static const uint8_t fix7 = 0x97;
    uint8_t id[HZ_HASH_LEN];
    crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)HZ_ENTRY_TAG,
                              strlen(HZ_ENTRY_TAG));
    crypto_generichash_update(&h, &fix7, 1);
    crypto_generichash_update(&h, data + 1, size - 1 - 2 - HZ_SIG_LEN);
    crypto_generichash_final(&h, id, sizeof id);
    FUZZ_CHECK(memcmp(id, e->id, HZ_HASH_LEN) == 0);
}

static void check_verify(const struct entry *e, size_t size)
{
    struct hz_err err = {0};
    int rv = entry_verify(e, &err);
    if (rv != 0) {
        FUZZ_CODES("entry_verify", rv, &err, HZ_EBADSIG);
        return;
    }
    /* A valid signature: any single flipped bit must break it. */
    struct entry bad = *e;
    size_t bit = size % (HZ_SIG_LEN * 8u);
    bad.sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    memset(&err, 0, sizeof err);
    rv = entry_verify(&bad, &err);
    FUZZ_CHECK(rv == HZ_EBADSIG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct entry e;
    struct hz_err err = {0};
    int rv = entry_decode(&e, data, size, &err);
    if (rv != 0) {
        FUZZ_CODES("entry_decode", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG,
                   HZ_EVERSION, HZ_ENOMEM);
        return 0;
    }
    check_decoded(&e, data, size);
    check_verify(&e, size);
    return 0;
}
