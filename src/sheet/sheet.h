/* sheet.h - spreadsheet files read as rows of text, for huzhu import
 * roster (proto/roster.md).
 *
 *   CSV   split by libcsv; UTF-8 (with or without a byte-order mark) or
 *         GB18030 (what Excel in China saves as "CSV"), told apart by
 *         whether the whole file is valid UTF-8 and converted by iconv
 *   XLSX  inflated by libzip, its XML read by expat
 *
 * No parser of our own: the libraries split, inflate and parse; this
 * layer only walks their output and keeps every bound below. A row is
 * numbered as a spreadsheet program shows it (DECISIONS 41): in a CSV the
 * physical line where the record starts, counting every line (titles,
 * headings, blank lines); in an XLSX the row's `r` attribute.
 *
 * Everything a file declares or holds is bounded: past a bound the read
 * stops with HZ_ETOOBIG naming it, having cost at most the bound (a zip
 * bomb inflates no further than SHEET_PART_MAX; a 100 MB CSV line
 * allocates no more than SHEET_CELL_MAX). A file that is neither is
 * HZ_EMALFORMED; one that cannot be read HZ_EIO. */
#ifndef HZ_SHEET_H
#define HZ_SHEET_H

#include "huzhu/error.h"
#include "huzhu/node.h"
#include "huzhu/schema.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SHEET_CELL_MAX 4096u          /* bytes of one cell (a text column's) */
#define SHEET_COLS_MAX 256u           /* columns A .. IV */
#define SHEET_ROWS_MAX 1048576u       /* rows of a sheet, as Excel's own */
#define SHEET_PART_MAX (512u << 20)   /* bytes inflated of one XLSX part */
#define SHEET_STRINGS_MAX (64u << 20) /* bytes of the shared strings */
#define SHEET_STRINGS_N_MAX 2000000u  /* shared strings */
#define SHEET_SHEETS_MAX 64u          /* sheets of a workbook */
#define SHEET_MERGES_MAX 10000u       /* merged ranges of a sheet */

enum sheet_kind { SHEET_CSV, SHEET_XLSX };
enum sheet_enc { SHEET_ENC_AUTO, SHEET_ENC_UTF8, SHEET_ENC_GB18030 };

struct sheet_cell {
    const char *text; /* UTF-8, NUL-terminated; "" when empty */
    bool number;      /* XLSX: stored as a number (digits may be lost) */
};

struct sheet_row {
    uint32_t number; /* as a spreadsheet program shows it */
    size_t n;        /* cells, the last one non-empty */
    const struct sheet_cell *cells;
};

/* A merged range of an XLSX sheet, 1-based, inclusive. */
struct sheet_merge {
    uint32_t r1, c1, r2, c2;
};

/* What was read, filled before the first row is given. */
struct sheet_info {
    enum sheet_kind kind;
    enum sheet_enc enc;         /* CSV: the encoding read */
    char name[128];             /* XLSX: the sheet's name */
    bool date1904;              /* XLSX: dates count from 1904 */
    struct sheet_merge *merges; /* XLSX, owned by the info */
    size_t n_merges;
};

struct sheet_opts {
    enum sheet_enc enc; /* CSV: AUTO detects */
    size_t sheet;       /* XLSX: which sheet, 0-based, in workbook order */
};

/* Called for each row with at least one non-empty cell, in order; a
 * non-zero return stops the read and is returned. */
typedef int (*sheet_row_fn)(void *data, const struct sheet_info *info,
                            const struct sheet_row *row, struct hz_err *err);

/* Is @path an XLSX (a zip) rather than a CSV? By its first bytes. */
int sheet_kind_of(const char *path, enum sheet_kind *kind, struct hz_err *err);

/* The sheets of the XLSX @path, by name in workbook order: *@names is an
 * array of *@n strings (free with sheet_names_free). */
int sheet_names(const char *path, char ***names, size_t *n, struct hz_err *err);
void sheet_names_free(char **names, size_t n);

/* Read @path (CSV or XLSX, by its first bytes), calling @fn per row. */
int sheet_read(const char *path, const struct sheet_opts *o, sheet_row_fn fn,
               void *data, struct sheet_info *info, struct hz_err *err);
void sheet_info_free(struct sheet_info *info);

/* ---- roster_read.c: a roster file (花名册) read into households, for
 * huzhu import roster and POST /api/import/roster (proto/roster.md) */

struct roster_household;

struct sheet_roster_in {
    const char *path;    /* the file */
    const char *name;    /* its name as the user knows it (NULL: path) */
    enum sheet_enc enc;  /* CSV: AUTO detects */
    const char *sheet;   /* XLSX: by name or number from 1; NULL: the first
                            whose headings are found */
    const char *village; /* for rows with none */
    const char *mapping; /* a mapping file's text, or NULL */
    int this_year;       /* an ID number's or birth date's latest year */
    /* Each household read; non-zero stops the read and is returned. */
    int (*household)(void *data, const struct roster_household *h,
                     struct hz_err *err);
    void *data;
};

/* "utf-8" (utf8) or "gb18030" (gbk, gb2312: its subsets), any case, as
 * --encoding and the API name them: 0, or HZ_EINVAL. */
int sheet_encoding_of(const char *name, enum sheet_enc *enc);

/* Where a mapping's text is wrong: its line (from 1) and why. */
struct sheet_mapping_fault {
    unsigned line;
    const char *zh, *en;
    char field[64]; /* an unknown field's name, or "" */
};

/* Is @text a mapping ("heading = field" lines, "header = N", blank and
 * # lines)? 0, or HZ_EINVAL with @fault filled. */
int sheet_roster_mapping_check(const char *text,
                               struct sheet_mapping_fault *fault);

/* Read @in's file, handing each household to in->household. *@out is
 * set once the headings were found (also when the read then failed):
 * {"file", "kind", "sheet" | "encoding", "header_row", "header_rows",
 * "layout", "group_by", "columns", "unrecognized", "refused": [{"row",
 * "column", "why", "why_zh"}]} - never a cell's value. */
int sheet_roster_read(const struct sheet_roster_in *in, json_t **out,
                      struct hz_err *err);

/* ---- csv.c and xlsx.c (sheet_read calls one) */
int sheet_read_csv(const char *path, const struct sheet_opts *o,
                   sheet_row_fn fn, void *data, struct sheet_info *info,
                   struct hz_err *err);
int sheet_read_xlsx(const char *path, const struct sheet_opts *o,
                    sheet_row_fn fn, void *data, struct sheet_info *info,
                    struct hz_err *err);

/* ---- row.c: a row being built, cell by cell (both readers) */
struct sheet_rowbuf {
    struct sheet_cell cells[SHEET_COLS_MAX];
    char *text[SHEET_COLS_MAX]; /* owned copies */
    size_t n;                   /* cells set so far (holes are "") */
};
void sheet_rowbuf_init(struct sheet_rowbuf *b);
/* Set cell @col (0-based) to @len bytes of @text. HZ_ETOOBIG past the
 * bounds, HZ_ENOMEM. */
int sheet_rowbuf_set(struct sheet_rowbuf *b, size_t col, const char *text,
                     size_t len, bool number, struct hz_err *err);
/* Give the row numbered @number to @fn unless it is empty; then clear. */
int sheet_rowbuf_emit(struct sheet_rowbuf *b, uint32_t number, sheet_row_fn fn,
                      void *data, const struct sheet_info *info,
                      struct hz_err *err);
void sheet_rowbuf_free(struct sheet_rowbuf *b);

/* ---- csv.c: writing. One CSV record of @n cells to @out, each quoted
 * by libcsv as RFC 4180 says (NULL is an empty cell), CRLF after it. */
int sheet_csv_record(FILE *out, const char *const *cells, size_t n);

/* ---- xlsx_out.c: writing a workbook of plain tables (reports), with
 * Debian's libxlsxwriter. */

enum sheet_val { SHEET_V_EMPTY, SHEET_V_TEXT, SHEET_V_INT, SHEET_V_REAL };

struct sheet_value {
    enum sheet_val kind;
    const char *text; /* SHEET_V_TEXT */
    int64_t i;        /* SHEET_V_INT */
    double r;         /* SHEET_V_REAL */
};

/* One sheet to write: @rows x @cols values, row-major. The first
 * @title_rows rows are titles (bold), the next @head_rows headings (bold,
 * centred, bordered), the rest data (bordered). @merges are 0-based,
 * inclusive; a merged range shows its first cell's value. */
struct sheet_out {
    const char *name;
    size_t rows, cols;
    const struct sheet_value *cells;
    size_t title_rows, head_rows;
    const struct sheet_merge *merges;
    size_t n_merges;
    /* A long list, never held at once: when @row is set, @cells holds the
     * title and heading rows alone (@merges, if any, each within one of
     * them), and @n_data
     * data rows follow, each filled by @row into @cols values (texts
     * valid until the next call), written as they come. Past the
     * SHEET_XLSX_ROWS of a sheet the list goes on in sheets "NAME (2)",
     * "NAME (3)" ..., each with the same title and heading rows. */
    size_t n_data;
    int (*row)(void *data, struct sheet_value *cells, struct hz_err *err);
    void *row_data;
};

#define SHEET_XLSX_ROWS 1048576u /* rows of an XLSX sheet (Excel's limit) */

/* Write @n sheets to @path: to "@path.tmp", then renamed over @path, so
 * a failure leaves no half-written workbook. HZ_EIO naming the cause
 * (also a cell the library refuses, such as a row past the limit). */
int sheet_write_xlsx(const char *path, const struct sheet_out *sheets, size_t n,
                     struct hz_err *err);

/* ---- pfif_out.c: person records as PFIF 1.4 XML (proto/reports.md,
 * "PFIF"), written with Debian's libxml2 (xmlTextWriter). */

struct pfif_person {
    const char *record_id; /* DOMAIN/person.ID */
    const char *note_id;   /* DOMAIN/note.ID */
    const char *full_name; /* or NULL */
    const char *sex;       /* "female", "male", or NULL */
    const char *birth;     /* "YYYY", or NULL */
    const char *city;      /* the village, or NULL */
    const char *status;    /* a PFIF note status */
    const char *location;  /* last known location, or NULL */
    const char *text;      /* the note's text */
};

/* Write @n persons, each with one note, made at @when (ISO 8601 UTC,
 * "YYYY-MM-DDTHH:MM:SSZ") by @source, to @path ("FILE.tmp", then
 * renamed), or to standard output when @path is NULL. HZ_EIO. */
int sheet_write_pfif(const char *path, const char *source, const char *when,
                     const struct pfif_person *p, size_t n, struct hz_err *err);

/* ---- report_out.c: the township's reports (proto/reports.md) laid out
 * as files from the JSON of hz_node_report ("disaster", "relief",
 * "completeness", "hxl", "pfif"), so the command line and the web write
 * the same bytes. The CSV functions write to @fp (a file, stdout or a
 * memory stream) and give 0, or -1 with errno; the XLSX and PFIF ones
 * write @path ("@path.tmp", then renamed) and give 0 or an HZ_ code. */

/* A disaster report's figure: its key in the JSON, its zh and en
 * headings, its CSV heading; in the order of proto/reports.md. */
struct sheet_fig {
    const char *key, *zh, *en, *csv;
};
#define SHEET_N_FIGS 19
extern const struct sheet_fig sheet_figs[SHEET_N_FIGS];
/* The relief list's zh headings of D03001 .. D03010. */
extern const char *const sheet_relief_zh[10];

/* "初报", "续报", "核报" for a kind (another kind as it is; "" for
 * NULL); whether @kind is initial, daily or verified. */
const char *sheet_kind_zh(const char *kind);
bool sheet_report_kind_ok(const char *kind);
/* A report row's first column: the village, "(未填写村/社区)", "合计". */
const char *sheet_village_text(json_t *row);
/* A real day YYYY-MM-DD, 2000 or later (leap years counted). */
bool sheet_date_ok(const char *d);
/* Unix seconds @t as local time, "YYYY-MM-DD HH:MM" (or, with
 * @day_only, "YYYY-MM-DD"), into @out. */
void sheet_local_time(int64_t t, bool day_only, char *out, size_t len);
/* A JSON number as text (an integer, or 2 decimals); malloc'd. */
char *sheet_number_text(json_t *v, bool two_decimals);

/* The reports' CSV forms (proto/reports.md) of a report's JSON @rep to
 * @fp: 0, or -1 with errno. All take @zh so that one function type fits
 * them; only completeness has headings in two languages. */
int sheet_disaster_csv(FILE *fp, json_t *rep, bool zh);
int sheet_disaster_xlsx(const char *path, json_t *rep, struct hz_err *err);
/* The lists behind the figures kept in a file as the library hands
 * them (hz_report_opts.explain_fn): one JSON object a line; @n counts
 * them. sheet_lines_add is such an explain_fn (@data a sheet_lines). */
struct sheet_lines {
    FILE *fp;
    size_t n;
};
int sheet_lines_add(void *data, const struct hz_explain_line *l,
                    struct hz_err *err);
/* The same for rows given as JSON text (hz_report_opts.rows_fn). */
int sheet_rows_add(void *data, const char *json, struct hz_err *err);
/* A rows_fn that keeps nothing: the report without its long list. */
int sheet_rows_skip(void *data, const char *json, struct hz_err *err);
/* A report's CSV writer with its report, called as a writer of any data
 * (sheet_csv_of_write's @data is a struct sheet_csv_of). */
struct sheet_csv_of {
    int (*csv)(FILE *fp, json_t *rep, bool zh);
    json_t *rep;
};
int sheet_csv_of_write(FILE *fp, void *data, bool zh);
/* Rows read one at a time: from the array @arr, or when @fp is set from
 * the lines of @fp (a sheet_lines file, rewound); @cur holds the row
 * sheet_src_next gave last, until the next call or sheet_src_done. */
struct sheet_src {
    json_t *arr;
    FILE *fp;
    size_t i;
    json_t *cur;
};
/* The next row (an object), or NULL at the end or on a line that is no
 * JSON object. */
json_t *sheet_src_next(struct sheet_src *s);
void sheet_src_done(struct sheet_src *s);
/* The same with the lists behind the figures read from @lines, @n of
 * them, one JSON object a line (hz_explain_line's json), instead of
 * @rep's "explain" array: sheet 明细 written as they are read. */
int sheet_disaster_xlsx_lines(const char *path, json_t *rep, FILE *lines,
                              size_t n, struct hz_err *err);
int sheet_relief_csv(FILE *fp, json_t *rep, bool zh);
int sheet_relief_xlsx(const char *path, json_t *rep, struct hz_err *err);
/* The recovery report: its headings (the column "village" first, then
 * the figures in the order of proto/reports.md), its CSV (headings zh
 * or en, the total row 合计 or total) and XLSX (zh). */
extern const char *const sheet_recovery_zh[8];
extern const char *const sheet_recovery_en[8];
int sheet_recovery_csv(FILE *fp, json_t *rep, bool zh);
int sheet_recovery_xlsx(const char *path, json_t *rep, struct hz_err *err);
/* A completeness line's kind in words (zh, else en). */
const char *sheet_line_label(json_t *line, bool zh);
int sheet_completeness_csv(FILE *fp, json_t *rep, bool zh);
int sheet_hxl_csv(FILE *fp, json_t *rep, bool zh);
/* A PFIF domain: a-z 0-9 . - only, at most 201 bytes. */
bool sheet_pfif_domain_ok(const char *domain);
/* The "pfif" report as PFIF 1.4, records named under @domain, made at
 * @now (Unix seconds); @path NULL writes standard output. */
int sheet_pfif_report(const char *path, json_t *rep, const char *domain,
                      int64_t now, struct hz_err *err);

/* Put one row of @table (@n fields) into the caller's batch, its id into
 * @id_out (33 bytes) when not NULL: hz_batch_put, or a wrapper of it. */
typedef int (*sheet_put_fn)(void *data, const char *table, size_t n,
                            const struct hz_field *f, char *id_out,
                            struct hz_err *err);
/* A disaster report @rep submitted (proto/reports.md, "Submitted
 * reports"): its `reports` row (its id into @id, 33 bytes) and one
 * `report_figures` row per report row, each through @put. 0, or the
 * first failure of @put. */
int sheet_report_submit(json_t *rep, sheet_put_fn put, void *data, char *id,
                        struct hz_err *err);

/* ---- social_out.c: a volunteer's service record (hz_node_report
 * "volunteer") as CSV, with a byte-order mark; 0, or -1 with errno. */
int sheet_volunteer_csv(FILE *fp, json_t *rep, bool zh);
/* @minutes as hours with two decimals ("1.50"), into @out. */
void sheet_hours_text(json_int_t minutes, char *out, size_t len);

/* ---- warn_out.c: a warning campaign's delivery list as CSV and XLSX.
 * The households come from a struct sheet_lines file (one JSON object a
 * line, as hz_report_opts.rows_fn hands them), rewound here: a
 * township's 100,000 are never held at once. */

/* The households of @lines (a struct sheet_lines *) to @fp in UTF-8
 * with a byte-order mark; headings in Chinese when @zh. 0, or HZ_EIO
 * when a write fails. The shape of cli_csv_write's and the web's
 * writers. */
int sheet_campaign_csv(FILE *fp, void *lines, bool zh);
/* The same as an XLSX workbook at @path: sheet 预警到户, the notice of
 * the campaign report @rep (its headline, else its event) as a title,
 * the Chinese headings, the households. HZ_EIO or HZ_ENOMEM naming the
 * cause. */
int sheet_campaign_xlsx(const char *path, json_t *rep,
                        struct sheet_lines *lines, struct hz_err *err);

/* ---- donation_out.c: the donation disclosure (hz_node_report
 * "disclosure"; proto/reports.md, "Donation disclosure") */

/* @fen (minor units, may be negative) as yuan with two decimals
 * ("-12.30"), into @out. */
void sheet_fen_text(int64_t fen, char *out, size_t len);
/* The disclosure @rep to @fp in UTF-8 with a byte-order mark: a title
 * line, then the sections totals, donations, uses and per village, each
 * after an empty line, its title and its headings (Chinese when @zh).
 * The uses are read from @ledger, @n_ledger of them, one JSON object a
 * line (hz_report_opts.rows_fn's, kept by sheet_rows_add), or from
 * @rep's "ledger" array when @ledger is NULL. 0, or HZ_EIO when a write
 * fails or @ledger ends early. */
int sheet_disclosure_csv(FILE *fp, json_t *rep, FILE *ledger, size_t n_ledger,
                         bool zh);
/* The same as an XLSX workbook at @path: sheets 合计, 捐赠明细, 使用明细
 * and 各村受益, each with the title, the Chinese headings and its rows,
 * amounts in yuan and counts as numbers; 使用明细 written row by row as
 * it is read (constant memory). HZ_EIO or HZ_ENOMEM. */
int sheet_disclosure_xlsx(const char *path, json_t *rep, FILE *ledger,
                          size_t n_ledger, struct hz_err *err);

/* ---- cap_read.c: a CAP 1.2 alert read as a warning notice, for huzhu
 * alert import (proto/cli.md) */

#define SHEET_CAP_LEN_MAX (1u << 20) /* bytes of a CAP file */
#define SHEET_CAP_NAMES_MAX 64u      /* areaDesc and geocode values kept */

struct sheet_cap {
    char identifier[256], sender[256], source[256], event[256];
    char urgency[16], severity[16], certainty[16]; /* lowercased */
    char sent_text[32], expires_text[32];
    char headline[1024], description[4096], instruction[4096];
    int64_t sent, expires; /* Unix seconds */
    bool has_expires;
    /* The first info's areas: each areaDesc and geocode value. */
    char names[SHEET_CAP_NAMES_MAX][256];
    size_t n_names;
};

/* Read the CAP 1.2 alert @path into *@out (its first info). HZ_ETOOBIG
 * over SHEET_CAP_LEN_MAX; HZ_EMALFORMED for XML that does not parse, a
 * document type, a root that is no CAP 1.2 alert, or a required field
 * (identifier, sender, sent, event, urgency, severity, certainty) missing
 * or not a CAP value; HZ_EIO when it cannot be read. */
int sheet_cap_read(const char *path, struct sheet_cap *out, struct hz_err *err);

/* Whether @name (a village of this node) is one of @cap's area names or
 * one of the items an areaDesc lists (split by ,，、;； and spaces). */
bool sheet_cap_names(const struct sheet_cap *cap, const char *name);
/* Append to the list @out (items joined by ",", @len bytes at most) each
 * village of @villages (rows of hz_node_view "villages") that @cap's
 * areas name and @out does not hold yet. */
void sheet_cap_villages(const struct sheet_cap *cap, json_t *villages,
                        char *out, size_t len);

/* A warning notice's fields for a CAP alert (huzhu alert import, POST
 * /api/import/cap): its CAP fields, area_desc (the areaDesc and geocode
 * values joined by ";", as many as fit a text value), @villages and
 * @grids; empty ones left out. */
#define SHEET_CAP_FIELDS 16
struct sheet_cap_notice {
    char area[4096], sent[24], expires[24]; /* area: a text value's bound */
};
/* The fields into @f (SHEET_CAP_FIELDS at most), pointing into @cap,
 * @buf, @villages and @grids; their number. */
size_t sheet_cap_notice(const struct sheet_cap *cap, const char *villages,
                        const char *grids, struct sheet_cap_notice *buf,
                        struct hz_field *f);

#endif
