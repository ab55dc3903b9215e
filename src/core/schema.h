/* schema.h - the domain schema as data: tables, typed columns, enums.
 *
 * A table is an entity table (rows of last-writer-wins fields, tombstones)
 * or an event table (immutable rows). Every table, column and enum value
 * carries the schema version that introduced it; an entry names the lowest
 * version that defines everything it uses (DECISIONS 1). Tables are sorted
 * by wire name, and so are the columns of each table: that order is the
 * canonical order of proto/state-hash.md, checked by schema_check(). */
#ifndef HZ_SCHEMA_H
#define HZ_SCHEMA_H

#include "huzhu/error.h"
#include "types.h"

#define HZ_SCHEMA_VERSION 10u

enum col_type {
    COL_TEXT,
    COL_INT,
    COL_REAL,
    COL_BOOL,
    COL_ID,   /* a row id (bin16) of ref_table */
    COL_ENUM, /* one of enum_vals, by wire name (str) */
};

enum col_flags {
    COL_REQUIRED = 1u << 0, /* event tables: must be present */
    COL_PERSONAL = 1u << 1, /* never logged (names, phones, ID numbers) */
    COL_POSITIVE = 1u << 2, /* ints and reals: > 0 */
    COL_NONNEG = 1u << 3,   /* ints and reals: >= 0 */
    /* Since 10: health data (proto/schema.md, "Care and health"); always
     * with COL_PERSONAL. Only the web role health reads it, the county
     * mirror never copies it, HXL, PFIF and the disclosure never hold it. */
    COL_HEALTH = 1u << 4,
};

struct enum_val {
    const char *name; /* wire name */
    unsigned since;
    const char *zh;
    const char *en;
};

struct col_def {
    const char *name;
    enum col_type type;
    unsigned since;
    unsigned flags;
    const char *ref_table;         /* COL_ID */
    const struct enum_val *values; /* COL_ENUM, terminated by name NULL */
    int64_t min, max;              /* COL_INT when min < max */
    const char *zh;
    const char *en;
};

enum table_kind {
    TABLE_ENTITY,
    TABLE_EVENT,
};

enum table_flags {
    /* Written by the node itself as part of a person's action (who made
     * it), never by the action's own operations: hz_batch_put refuses it,
     * and the web's forms and routes leave it out. */
    TABLE_BY_NODE = 1u << 0,
};

struct table_def {
    const char *name;
    enum table_kind kind;
    unsigned since;
    const struct col_def *cols;
    size_t n_cols;
    const char *zh;
    const char *en;
    unsigned flags; /* enum table_flags */
};

struct schema {
    unsigned version;
    const struct table_def *tables;
    size_t n_tables;
};

/* The schema this build understands. */
const struct schema *schema_current(void);

/* Check the registry's own invariants (sorted, unique, references exist).
 * Returns 0 or HZ_ECORRUPT; run once by tests and at start-up. */
int schema_check(const struct schema *s);

/* Look up by wire name. NULL / -1 when unknown. */
const struct table_def *schema_table(const struct schema *s,
                                     const uint8_t *name, size_t len);
const struct table_def *schema_table_c(const struct schema *s,
                                       const char *name);
int schema_col(const struct table_def *t, const uint8_t *name, size_t len);
/* The same, looking first at the columns from @from on in order: the
 * columns of an op come sorted, mostly a few apart, so the next one is
 * found in a step or two where the binary search takes five (a body's
 * decode asks once a field). */
int schema_col_from(const struct table_def *t, const uint8_t *name, size_t len,
                    size_t from);
int schema_col_c(const struct table_def *t, const char *name);
/* Index of a table within s->tables. */
size_t schema_table_index(const struct schema *s, const struct table_def *t);

/* Content check of one received value for @c under schema version @v:
 * the type, enum membership, range and size (DECISIONS 3, 4: pure).
 * Sets *@since_needed to the version that defines the value (enum values
 * may be newer than their column). NIL is allowed for entity fields (it
 * clears them). 0 or HZ_EVALUE / HZ_ESCHEMA with a message naming the
 * column, never the value. */
int schema_check_value(const struct col_def *c, const struct value *v,
                       unsigned *since_needed, struct hz_err *err);

/* Parse text typed by a person (CLI argument, web form) into a value of
 * column @c. Empty text is NIL. Enum values accept the wire name or the
 * Chinese or English label; booleans accept true/false/yes/no/1/0/是/否.
 * Id bytes are written to @id_buf (HZ_ROW_LEN bytes) and borrowed by
 * out->s; text is borrowed from @text. 0 or HZ_EVALUE. */
int schema_parse_value(const struct col_def *c, const char *text,
                       uint8_t *id_buf, struct value *out, struct hz_err *err);

/* Is @c a time (Unix seconds, the range of every "time" column)? The
 * mirror gives it a timestamptz. */
bool schema_col_is_time(const struct col_def *c);

/* The enum entry for a wire name, or NULL. */
const struct enum_val *schema_enum(const struct col_def *c, const uint8_t *name,
                                   size_t len);

/* Is @s (NUL-terminated) a mainland resident ID number (GB 11643-1999):
 * 18 characters, 17 digits and a check character (0-9 or X, x allowed)
 * that the ISO 7064 MOD 11-2 sum matches, with a birth date YYYYMMDD at
 * position 7 that exists, from 1880 and not after @this_year (0: no
 * bound); or an old 15-digit number with YYMMDD taken as 19YY (DECISIONS
 * 41). Checked on local input only (persons.id_number), like a reference:
 * entries from peers are never refused for it. */
enum id_number_fault {
    IDN_OK,
    IDN_LENGTH,   /* neither 18 nor 15 characters */
    IDN_DIGITS,   /* a character that is not a digit (or the final X) */
    IDN_DATE,     /* the birth date does not exist or is out of range */
    IDN_CHECKSUM, /* the check character does not match */
};
enum id_number_fault schema_id_number_check(const char *s, int this_year);
const char *schema_id_number_fault_en(enum id_number_fault f);
const char *schema_id_number_fault_zh(enum id_number_fault f);

#endif
