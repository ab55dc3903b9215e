/* gen_values.c - proto/vectors/values.json: canonical msgpack of single
 * values, and encodings that are not canonical (proto/entry.md,
 * "Canonical msgpack").
 *
 * Integers at every width boundary, reals (-0.0 written as 0.0), text of
 * each str length class, nil, bool and bin, each as enc_value writes it. */
#include "gen_common.h"

#include <string.h>

/* @v and its canonical msgpack, as enc_value writes it, with @note when
 * not NULL, into @arr. */
static void canonical_case(json_t *arr, struct enc *e, const struct value *v,
                           const char *note)
{
    enc_reset(e);
    enc_value(e, v);
    json_t *j = json_object();
    json_object_set_new(j, "value", value_json(v));
    json_object_set_new(j, "msgpack", hex_json(enc_data(e), enc_len(e)));
    if (note != NULL)
        json_object_set_new(j, "note", json_string(note));
    json_array_append_new(arr, j);
}

json_t *gen_values(struct gen *g)
{
    static const int64_t ints[] = {
        0,         1,      127,    128,           255,
        256,       65535,  65536,  4294967295,    4294967296,
        INT64_MAX, -1,     -32,    -33,           -128,
        -129,      -32768, -32769, -2147483648LL, -2147483649LL,
        INT64_MIN};
    static const double reals[] = {0.0,   -0.0,  1.0, 1.5,
                                   120.5, -2.25, 0.1, 1e300};
    static const char *const strs[] = {"", "a", "互助",
                                       "0123456789012345678901234567890",
                                       "01234567890123456789012345678901"};
    json_t *arr = json_array();
    struct enc *e = &g->scratch;
    struct value v;
    for (size_t i = 0; i < N(ints); i++) {
        v = (struct value){.type = VALUE_INT, .i = ints[i]};
        canonical_case(arr, e, &v, NULL);
    }
    for (size_t i = 0; i < N(reals); i++) {
        v = (struct value){.type = VALUE_REAL, .r = reals[i]};
        canonical_case(arr, e, &v, i == 1 ? "-0.0 is written as 0.0" : NULL);
    }
    for (size_t i = 0; i < N(strs); i++) {
        v = (struct value){.type = VALUE_STR,
                           .s = {(const uint8_t *)strs[i], strlen(strs[i])}};
        canonical_case(arr, e, &v, NULL);
    }
    uint8_t row[HZ_ROW_LEN];
    hex_in(H1, row, HZ_ROW_LEN);
    struct value others[] = {
        {.type = VALUE_NIL},
        {.type = VALUE_BOOL, .b = true},
        {.type = VALUE_BOOL, .b = false},
        {.type = VALUE_BIN, .s = {row, HZ_ROW_LEN}},
    };
    for (size_t i = 0; i < N(others); i++)
        canonical_case(arr, e, &others[i], NULL);
    static const struct {
        const char *hex, *why;
    } bad[] = {
        {"cc05", "5 as uint8: a positive fixint is shorter"},
        {"cd00ff", "255 as uint16"},
        {"d0ff", "-1 as int8: a negative fixint is shorter"},
        {"d07f", "127 as int8: non-negative integers use the unsigned forms"},
        {"d1ff80", "-128 as int16: int8 is shorter"},
        {"ca3fc00000", "1.5 as float32: reals are float64"},
        {"cb8000000000000000", "-0.0: written as 0.0"},
        {"d90161", "\"a\" as str8: a fixstr is shorter"},
        {"dc0000", "an empty array as array16"},
        {"80", "a map: huzhu never writes maps"},
        {"ce0000ffff", "65535 as uint32: uint16 is shorter"},
        {"cf00000000ffffffff", "4294967295 as uint64: uint32 is shorter"},
        {"d0e0", "-32 as int8: a negative fixint is shorter"},
        {"d2ffff8000", "-32768 as int32: int16 is shorter"},
        {"d3ffffffff80000000", "-2147483648 as int64: int32 is shorter"},
        {"d3000000000000007f",
         "127 as int64: non-negative integers use the unsigned forms"},
        {"da000161", "\"a\" as str16: a fixstr is shorter"},
        {"c50001ff", "one byte as bin16: bin8 is shorter"},
        {"dd00000000", "an empty array as array32"},
        {"de0000", "an empty map16: huzhu never writes maps"},
    };
    json_t *nc = json_array();
    for (size_t i = 0; i < N(bad); i++) {
        json_t *j = json_object();
        json_object_set_new(j, "msgpack", json_string(bad[i].hex));
        json_object_set_new(j, "why", json_string(bad[i].why));
        json_array_append_new(nc, j);
    }
    json_t *root = file_root(
        "Canonical msgpack of single values (proto/entry.md, \"Canonical "
        "msgpack\"), and encodings that are not canonical.");
    json_object_set_new(root, "canonical", arr);
    json_object_set_new(root, "not_canonical", nc);
    return root;
}
