/* fuzz_body.c - libFuzzer target: entry bodies (core/body.h) against the
 * schema this build understands.
 *
 * Input: the bytes of one body, as carried in an entry. Properties:
 *   - body_peek_version returns 0 with a version >= 1, or an error code
 *     with a message;
 *   - for a version this build defines, body_decode returns 0 or one of
 *     its documented codes (never trips an HZ_ASSERT);
 *   - a decoded body encodes back to exactly the input (canonical bytes),
 *     names no version below body_min_version, and every op passes
 *     body_check_op at the version it names;
 *   - body_close releases everything (LeakSanitizer). */
#include "fuzz_util.h"

#include "core/body.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(hz_init() == 0);
    FUZZ_CHECK(schema_check(schema_current()) == 0);
    return 0;
}

static void check_decoded(const struct body *b, uint64_t version,
                          const uint8_t *data, size_t size)
{
    FUZZ_CHECK(b->schema_version == version);
    FUZZ_CHECK(b->n_ops >= 1);

    struct enc out;
    enc_init(&out);
    FUZZ_CHECK(body_encode(b, &out) == 0);
    FUZZ_CHECK(enc_len(&out) == size);
    FUZZ_CHECK(memcmp(enc_data(&out), data, size) == 0);
    enc_close(&out);

    FUZZ_CHECK(body_min_version(b) <= version);
    for (size_t i = 0; i < b->n_ops; i++) {
        unsigned since;
        struct hz_err err = {0};
        FUZZ_CHECK(body_check_op(&b->ops[i], (unsigned)version, &since, &err) ==
                   0);
        FUZZ_CHECK(since <= version);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct schema *s = schema_current();
    uint64_t version = 0;
    struct hz_err err = {0};
    int rv = body_peek_version(data, size, &version, &err);
    if (rv != 0) {
        /* body.h promises HZ_EMALFORMED only; the msgpack pre-scan also
         * reports nesting past HZ_DEPTH_MAX as HZ_ETOOBIG (FUZZING.md,
         * "Findings"). */
        FUZZ_CODES("body_peek_version", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG,
                   HZ_ENOMEM);
        return 0;
    }
    FUZZ_CHECK(version >= 1);
    /* A newer schema is held, never decoded (ingest.c, judge). */
    if (version > s->version)
        return 0;

    struct body b;
    memset(&err, 0, sizeof err);
    rv = body_decode(&b, s, data, size, &err);
    if (rv != 0) {
        FUZZ_CODES("body_decode", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG,
                   HZ_ESCHEMA, HZ_EVALUE, HZ_ENOMEM);
        FUZZ_CHECK(b.mem == NULL && b.ops == NULL);
        return 0;
    }
    check_decoded(&b, version, data, size);
    body_close(&b);
    return 0;
}
