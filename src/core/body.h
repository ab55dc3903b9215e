/* body.h - the entry body of schema format 1: the operations of one user
 * action (proto/entry.md, "Body" and "Operations").
 *
 *   body = [schema_version, [op, ...]]
 *   set  = [0, table, row, [[column, value, [head, ...]], ...]]
 *   del  = [1, table, row, [seen, ...]]
 *   ins  = [2, table, row, [[column, value], ...]]
 *   cert = [3, certificate]            (trust operations: proto/trust.md)
 *   rev  = [4, revocation]
 *   epoch = [5, bundle key epoch]
 *
 * Everything inside the body is content (DECISIONS 3): a body that fails
 * these checks is stored in its author's chain and never applied. */
#ifndef HZ_BODY_H
#define HZ_BODY_H

#include "codec.h"
#include "schema.h"
#include "types.h"

enum op_kind {
    OP_SET = 0,    /* set fields of an entity row */
    OP_DEL = 1,    /* tombstone an entity row */
    OP_INS = 2,    /* insert an immutable event row */
    OP_CERT = 3,   /* carry a membership certificate */
    OP_REVOKE = 4, /* carry a revocation */
    OP_EPOCH = 5,  /* carry a bundle key epoch */
};

/* Trust operations carry a signed object and no table; a body holds
 * either trust operations only or domain operations only. */
#define OP_IS_TRUST(k) ((k) == OP_CERT || (k) == OP_REVOKE || (k) == OP_EPOCH)

struct field {
    int col;               /* index into the table's columns */
    struct value val;      /* borrowed */
    size_t n_heads;        /* OP_SET: writes this one supersedes */
    const uint8_t **heads; /* each HZ_HASH_LEN bytes, borrowed */
};

struct op {
    enum op_kind kind;
    const struct table_def *table; /* NULL for trust operations */
    uint8_t row[HZ_ROW_LEN];
    struct hz_bytes object; /* OP_CERT, OP_REVOKE: the signed object */
    size_t n_fields;
    struct field *fields;
    size_t n_seen;        /* OP_DEL: field writes the deleter had seen */
    const uint8_t **seen; /* each HZ_HASH_LEN bytes, borrowed */
    /* OP_SET: the search document of the row it would insert, made ahead
     * of the entry's turn by an import's reader thread ("" for no keys),
     * or NULL (store/state/search.c, search_ahead_docs) */
    const char *sx_doc;
};

struct body {
    uint64_t schema_version;
    size_t n_ops;
    struct op *ops;
    bool trust; /* its operations are trust operations */
    void *mem;  /* one allocation behind ops, fields, heads */
};

/* Read only the schema version a body names: the first element of its
 * array, valid for bodies of any later format. 0 or HZ_EMALFORMED. */
int body_peek_version(const uint8_t *buf, size_t len, uint64_t *version,
                      struct hz_err *err);

/* Decode and check a body against @s, which must define the version the
 * body names (caller checks body_peek_version first). Checks: canonical
 * bytes, known tables and columns defined at the named version, value
 * types and ranges, sorted unique columns and heads, required event
 * columns, one op per row. On success @b borrows from @buf and must be
 * released with body_close(). Errors: HZ_EMALFORMED, HZ_ETOOBIG,
 * HZ_ESCHEMA, HZ_EVALUE, HZ_ENOMEM. */
int body_decode(struct body *b, const struct schema *s, const uint8_t *buf,
                size_t len, struct hz_err *err);

/* Encode @b canonically into @out (appended). 0 or HZ_ENOMEM. */
int body_encode(const struct body *b, struct enc *out);

/* Release what body_decode allocated; safe on a zeroed or failed body. */
void body_close(struct body *b);

/* The lowest schema version defining everything @b uses. */
unsigned body_min_version(const struct body *b);

/* The value of column @col in the op @o (borrowed from it), or NULL when
 * the op does not name it. */
const struct value *body_op_value(const struct op *o, const char *col);

/* Content checks of one op that body_decode also runs; exposed for
 * writers that build ops from local input. */
int body_check_op(const struct op *o, unsigned version, unsigned *since,
                  struct hz_err *err);

#endif
