/* fuzz_value.c - libFuzzer target: text typed by a person into a CLI
 * argument or a web form, parsed for every column of every table
 * (schema_parse_value, core/schema.h).
 *
 * Input: the text (NUL-terminated here, so it ends at its first NUL;
 * inputs over 8 KiB are skipped: twice HZ_TEXT_LEN_MAX is enough to
 * cross the limit). Properties, for each column:
 *   - schema_parse_value returns 0, HZ_EVALUE, or HZ_ETOOBIG for text
 *     over HZ_TEXT_LEN_MAX bytes, with a message; never a crash;
 *   - a parsed value has the column's type (or is NIL for empty text),
 *     passes schema_check_value, borrows only from the text, the id
 *     buffer or the schema's enum names, and is never NaN, Inf or -0;
 *   - it survives the wire: enc_value then mp_unpack and mp_value give
 *     the same value back. */
#include "fuzz_util.h"

#include "core/codec.h"
#include "core/limits.h"
#include "core/schema.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_LEN_MAX (2u * HZ_TEXT_LEN_MAX)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(schema_check(schema_current()) == 0);
    return 0;
}

static enum value_type type_of(enum col_type t)
{
    switch (t) {
    case COL_TEXT:
    case COL_ENUM:
        return VALUE_STR;
    case COL_INT:
        return VALUE_INT;
    case COL_REAL:
        return VALUE_REAL;
    case COL_BOOL:
        return VALUE_BOOL;
    case COL_ID:
        return VALUE_BIN;
    }
    FUZZ_CHECK(!"unknown column type");
    return VALUE_NIL;
}

static int same_value(const struct value *a, const struct value *b)
{
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case VALUE_NIL:
        return 1;
    case VALUE_BOOL:
        return a->b == b->b;
    case VALUE_INT:
        return a->i == b->i;
    case VALUE_REAL:
        return memcmp(&a->r, &b->r, sizeof a->r) == 0;
    case VALUE_STR:
    case VALUE_BIN:
        return a->s.len == b->s.len &&
               (a->s.len == 0 || memcmp(a->s.p, b->s.p, a->s.len) == 0);
    }
    return 0;
}

static int borrows_from(const struct value *v, const struct col_def *c,
                        const char *text, size_t len, const uint8_t *id_buf)
{
    const uint8_t *t = (const uint8_t *)text;
    if (v->s.p >= t && v->s.p + v->s.len <= t + len)
        return 1;
    if (v->s.p == id_buf && v->s.len == HZ_ROW_LEN)
        return 1;
    for (const struct enum_val *e = c->values; e != NULL && e->name; e++) {
        if (v->s.p == (const uint8_t *)e->name)
            return v->s.len == strlen(e->name);
    }
    return 0;
}

static void round_trip(const struct value *v)
{
    struct enc e;
    enc_init(&e);
    enc_value(&e, v);
    FUZZ_CHECK(enc_done(&e) == 0);
    msgpack_unpacked u;
    struct hz_err err = {0};
    FUZZ_CHECK(mp_unpack(&u, enc_data(&e), enc_len(&e), &err) == 0);
    struct value back;
    FUZZ_CHECK(mp_value(&u.data, &back, "value", &err) == 0);
    FUZZ_CHECK(same_value(v, &back));
    msgpack_unpacked_destroy(&u);
    enc_close(&e);
}

static void parse_one(const struct col_def *c, const char *text, size_t len)
{
    uint8_t id_buf[HZ_ROW_LEN];
    struct value v;
    struct hz_err err = {0};
    int rv = schema_parse_value(c, text, id_buf, &v, &err);
    if (rv != 0) {
        /* schema.h promises HZ_EVALUE; over-long text is HZ_ETOOBIG. */
        if (len > HZ_TEXT_LEN_MAX)
            FUZZ_CODES("schema_parse_value", rv, &err, HZ_ETOOBIG);
        else
            FUZZ_CODES("schema_parse_value", rv, &err, HZ_EVALUE);
        return;
    }
    FUZZ_CHECK(len <= HZ_TEXT_LEN_MAX);
    FUZZ_CHECK(v.type == (len == 0 ? VALUE_NIL : type_of(c->type)));
    unsigned since;
    FUZZ_CHECK(schema_check_value(c, &v, &since, &err) == 0);
    if (v.type == VALUE_STR || v.type == VALUE_BIN)
        FUZZ_CHECK(borrows_from(&v, c, text, len, id_buf));
    if (v.type == VALUE_REAL) {
        FUZZ_CHECK(isfinite(v.r));
        FUZZ_CHECK(!(v.r == 0.0 && signbit(v.r)));
    }
    round_trip(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TEXT_LEN_MAX)
        return 0;
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = strlen(text);

    const struct schema *s = schema_current();
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct table_def *td = &s->tables[t];
        for (size_t c = 0; c < td->n_cols; c++)
            parse_one(&td->cols[c], text, len);
    }
    free(text);
    return 0;
}
