/* roster.h - a village's household roster (花名册) read into households
 * and their members (huzhu import roster; proto/roster.md; DECISIONS 41).
 *
 * Pure: rows of text cells come in, numbered as a spreadsheet program
 * shows them (src/sheet reads the file); households go out, with every
 * row that could not be read and why. No file, no store, no clock: the
 * current year comes in the options.
 *
 * The headings are found among the first ROSTER_HEADER_SCAN rows (the
 * first row naming at least two known columns, one of them a name; a
 * second heading row under it fills the columns its first leaves open,
 * as a two-level heading does), through merged cells as the sheet merges
 * them. Two layouts:
 *   persons     one row per person (a 姓名 column), grouped into
 *               households by 户号, else by 户主姓名, else by a 户主 row
 *               in 与户主关系 starting each household; a row whose
 *               grouping cell is empty continues the household above it
 *               (a cell merged down a household's rows);
 *   households  one row per household (户主姓名 and no 姓名): the head,
 *               and members in numbered columns (成员1姓名, 成员2身份证号
 *               ...) or their names in one 家庭成员 cell.
 * A row that cannot be read (a missing name, an ID number that fails its
 * check, an impossible date, an ID number stored as a number) is refused
 * whole, with its row number, its column and the reason; a household is
 * given with its readable rows when it has at least one. */
#ifndef HZ_ROSTER_H
#define HZ_ROSTER_H

#include "huzhu/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROSTER_HEADER_SCAN 10u  /* rows looked at for the headings */
#define ROSTER_PERSONS_MAX 100u /* persons of one household (members) */
#define ROSTER_MEMBER_COLS 20u  /* numbered member columns, 成员1..20 */
#define ROSTER_MAPPING_MAX 64u  /* headings a mapping file may name */

/* What a column holds. */
enum roster_field {
    RF_NONE = 0, /* not recognised: ignored and listed */
    RF_IGNORE,   /* a mapping said to ignore it */
    RF_NUMBER,   /* 户号 */
    RF_HEAD_NAME,
    RF_HEAD_ID,
    RF_NAME,
    RF_RELATION,
    RF_SEX,
    RF_BIRTH, /* a date, a year and month, or a year */
    RF_AGE,
    RF_ID,
    RF_PHONE,
    RF_MEMBERS, /* 家庭人口 */
    RF_VILLAGE,
    RF_GROUP, /* 组, 村民小组 */
    RF_GRID,
    RF_ADDRESS,
    RF_NOTES,
    RF_MEMBER_NAMES, /* 家庭成员: several names in one cell */
    RF_DISABLED,
    RF_LEFT_BEHIND,
    RF_PREGNANT,
    RF_CHRONIC,
    RF_ELDERLY_MOBILITY,
    RF_NO_CARETAKER,
    RF_FIELDS
};

/* The field's name in a mapping file ("number", "head_name", ...), and
 * back (RF_NONE when unknown). */
const char *roster_field_name(enum roster_field f);
enum roster_field roster_field_of(const char *name);

/* A heading as a mapping file gives it: its text and what it holds. */
struct roster_mapping {
    const char *heading;
    enum roster_field field;
};

struct roster_cell {
    const char *text;
    bool number; /* stored as a number in an XLSX (digits may be lost) */
};

struct roster_row {
    uint32_t number;
    size_t n;
    const struct roster_cell *cells;
};

struct roster_merge {
    uint32_t r1, c1, r2, c2; /* 1-based, inclusive */
};

/* Person flags, as bits. */
#define ROSTER_DISABLED (1u << 0)
#define ROSTER_LEFT_BEHIND (1u << 1)
#define ROSTER_PREGNANT (1u << 2)
#define ROSTER_CHRONIC (1u << 3)
#define ROSTER_ELDERLY_MOBILITY (1u << 4)
#define ROSTER_NO_CARETAKER (1u << 5)
#define ROSTER_FLAGS 6u

/* Text fields are NULL when the roster has none; owned by the roster and
 * valid during the callback. */
struct roster_person {
    uint32_t row;
    const char *name, *relation, *id_number, *phone, *notes;
    const char *sex; /* "male", "female" or NULL */
    int birth_year;  /* 0: not known */
    unsigned flags;
    bool head;
};

struct roster_household {
    uint32_t row; /* the first row it was read from */
    const char *number, *head_name, *village, *grid, *address, *phone, *notes;
    int members; /* -1: not given */
    struct roster_person persons[ROSTER_PERSONS_MAX];
    size_t n_persons;
};

enum roster_layout { ROSTER_LAYOUT_PERSONS, ROSTER_LAYOUT_HOUSEHOLDS };

struct roster_opts {
    int this_year;       /* an ID number's or birth date's latest year */
    const char *village; /* for rows with none (--village) */
    bool date1904;       /* an XLSX's dates count from 1904 */
    const struct roster_merge *merges; /* of the sheet (XLSX) */
    size_t n_merges;
    const struct roster_mapping *mapping; /* headings a file names */
    size_t n_mapping;
    uint32_t header_row; /* 0: found among the first rows */
    void *data;
    /* A household read (with at least one person). Non-zero stops. */
    int (*household)(void *data, const struct roster_household *h,
                     struct hz_err *err);
    /* Row @row refused: @heading the column at fault ("" for the row),
     * why in Chinese and English. Never the cell's value (a name or an
     * ID number). */
    void (*refused)(void *data, uint32_t row, const char *heading,
                    const char *zh, const char *en);
};

struct roster;

int roster_new(struct roster **out, const struct roster_opts *o,
               struct hz_err *err);
/* What the sheet says of itself, known once its reading began (an
 * XLSX's merged ranges, copied; whether its dates count from 1904):
 * before the first row. */
int roster_sheet(struct roster *r, const struct roster_merge *merges,
                 size_t n_merges, bool date1904, struct hz_err *err);
/* The next row. HZ_EMALFORMED when no heading row was found in the
 * first rows, or the headings name no way to group rows into households
 * (the message says what is missing); a callback's failure stops. */
int roster_row(struct roster *r, const struct roster_row *row,
               struct hz_err *err);
/* The last household; HZ_EMALFORMED when no heading row was seen. */
int roster_end(struct roster *r, struct hz_err *err);
void roster_free(struct roster *r);

/* What the headings said, once found. */
struct roster_columns {
    uint32_t header_row, header_rows; /* the (first) heading row, 1 or 2 */
    enum roster_layout layout;
    enum roster_field group_by; /* RF_NUMBER, RF_HEAD_NAME or RF_RELATION
                                   (persons layout) */
    size_t n_cols;
    const char *const *headings; /* each column's heading text */
    const enum roster_field *fields;
    const unsigned *member; /* 0, or the member number of 成员N... */
};
/* NULL until the headings are found. */
const struct roster_columns *roster_columns(const struct roster *r);

/* A name as compared when looking for the same person written twice
 * (huzhu dups): full-width letters, digits and signs as ASCII, ASCII
 * letters in lower case, spaces (ASCII, U+3000) left out, and the
 * middle dots of a transcribed name (· • ． .) as one "·". Traditional
 * characters are the caller's to convert first (OpenCC). Into @out
 * (cap bytes, NUL-terminated; cut at a character boundary). */
void roster_name_key(const char *name, char *out, size_t cap);

/* ---- cells (exposed for tests) */

/* @text as a birth date: a year, a year and month or a whole date, as
 * people type them (1990, 1990-01-05, 1990/1/5, 1990.01, 1990年1月5日,
 * 199001, 19900105), or an Excel date serial when @number. The year, or
 * 0 with *@bad set when it is not a date or not a real one. */
int roster_birth_year(const char *text, bool number, bool date1904,
                      int this_year, bool *bad);

#endif
