/* xlsx.c - an XLSX workbook's sheet as rows (see sheet.h): libzip
 * inflates its parts, expat reads their XML (Office Open XML,
 * ECMA-376 part 1, SpreadsheetML).
 *
 * Parts read: the workbook (its sheets, in order, and whether dates count
 * from 1904), the workbook's relationships (where each sheet and the
 * shared strings are), the shared strings table, and the one sheet asked
 * for, twice: first for its merged ranges (they follow the cells), then
 * its cells, row by row. Each part is inflated in chunks straight into
 * expat and stops at SHEET_PART_MAX bytes, so a zip bomb costs that much
 * reading and no memory; a document type declaration (where entity
 * expansion lives) is refused outright. A cell's value: a shared string
 * (t="s"), inline text (t="inlineStr"), a formula's cached text
 * (t="str"), a boolean (t="b", as TRUE or FALSE), an error (t="e", as its
 * text) or a number (as written, marked number: an ID number or a date
 * typed as a number is the roster's to judge). */
#include "sheet.h"

#include "../core/error_int.h"
#include "../dl/dl.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#define CHUNK 65536u

/* The local part of a namespaced name ("uri|row" -> "row"). */
static const char *local(const char *name)
{
    const char *bar = strrchr(name, '|');
    return bar != NULL ? bar + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (size_t i = 0; atts[i] != NULL; i += 2)
        if (strcmp(local(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

/* ---- reading one part into expat */

struct part {
    XML_Parser p;
    struct hz_err *err;
    int rv; /* a handler's failure: the parse is stopped */
};

static void XMLCALL on_doctype(void *data, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    struct part *pt = data;
    pt->rv = hz_err_set(pt->err, HZ_EMALFORMED,
                        "a document type declaration in a workbook part");
    XML_StopParser(pt->p, XML_FALSE);
}

static void stop(struct part *pt, int rv)
{
    if (pt->rv == 0)
        pt->rv = rv;
    XML_StopParser(pt->p, XML_FALSE);
}

/* Parse part @name of @za with @pt's parser (handlers set, user data
 * @pt first in the handler's struct). HZ_ENOTFOUND when it is absent. */
static int read_part(zip_t *za, const char *name, struct part *pt)
{
    zip_int64_t idx = zip_name_locate(za, name, 0);
    if (idx < 0)
        return HZ_ENOTFOUND;
    zip_file_t *zf = zip_fopen_index(za, (zip_uint64_t)idx, 0);
    if (zf == NULL)
        return hz_err_set(pt->err, HZ_EMALFORMED, "%s: %s", name,
                          zip_strerror(za));
    XML_SetStartDoctypeDeclHandler(pt->p, on_doctype);
    char *buf = malloc(CHUNK);
    if (buf == NULL) {
        zip_fclose(zf);
        return hz_err_set(pt->err, HZ_ENOMEM, "%s", name);
    }
    uint64_t total = 0;
    int rv = 0;
    for (;;) {
        zip_int64_t got = zip_fread(zf, buf, CHUNK);
        if (got < 0) {
            rv = hz_err_set(pt->err, HZ_EMALFORMED, "%s: %s", name,
                            zip_file_strerror(zf));
            break;
        }
        total += (uint64_t)got;
        if (total > SHEET_PART_MAX) {
            rv = hz_err_set(pt->err, HZ_ETOOBIG,
                            "%s inflates to more than %u MiB", name,
                            SHEET_PART_MAX >> 20);
            break;
        }
        if (XML_Parse(pt->p, buf, (int)got, got == 0) == XML_STATUS_ERROR) {
            rv = pt->rv != 0
                     ? pt->rv
                     : hz_err_set(
                           pt->err, HZ_EMALFORMED, "%s, line %lu: %s", name,
                           (unsigned long)XML_GetCurrentLineNumber(pt->p),
                           XML_ErrorString(XML_GetErrorCode(pt->p)));
            break;
        }
        if (got == 0)
            break;
    }
    free(buf);
    zip_fclose(zf);
    return rv;
}

static int new_parser(struct part *pt, struct hz_err *err, void *data)
{
    memset(pt, 0, sizeof *pt);
    pt->err = err;
    pt->p = XML_ParserCreateNS(NULL, '|');
    if (pt->p == NULL)
        return hz_err_set(err, HZ_ENOMEM, "expat");
    XML_SetUserData(pt->p, data);
    return 0;
}

/* ---- the relationships of the workbook: Id -> part name */

struct rel {
    char id[64];
    char target[256]; /* a part name, "xl/..." */
    bool strings;     /* the shared strings table's */
};

struct rels {
    struct part pt;
    struct rel v[SHEET_SHEETS_MAX + 8];
    size_t n;
};

static void XMLCALL rel_start(void *data, const XML_Char *name,
                              const XML_Char **atts)
{
    struct rels *rs = data;
    if (strcmp(local(name), "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
    const char *type = attr(atts, "Type");
    if (id == NULL || target == NULL)
        return;
    if (rs->n == sizeof rs->v / sizeof rs->v[0]) {
        stop(&rs->pt,
             hz_err_set(rs->pt.err, HZ_ETOOBIG,
                        "a workbook of more than %u parts", SHEET_SHEETS_MAX));
        return;
    }
    struct rel *r = &rs->v[rs->n++];
    snprintf(r->id, sizeof r->id, "%s", id);
    /* Targets are relative to xl/, or absolute from the package root. */
    snprintf(r->target, sizeof r->target, "%s%s", target[0] == '/' ? "" : "xl/",
             target[0] == '/' ? target + 1 : target);
    size_t tl = type != NULL ? strlen(type) : 0;
    r->strings = tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0;
}

/* ---- the workbook: its sheets in order */

struct book {
    struct part pt;
    char names[SHEET_SHEETS_MAX][128];
    char rids[SHEET_SHEETS_MAX][64];
    size_t n;
    bool date1904;
};

static void XMLCALL book_start(void *data, const XML_Char *name,
                               const XML_Char **atts)
{
    struct book *b = data;
    const char *l = local(name);
    if (strcmp(l, "workbookPr") == 0) {
        const char *d = attr(atts, "date1904");
        b->date1904 =
            d != NULL && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
        return;
    }
    if (strcmp(l, "sheet") != 0)
        return;
    if (b->n == SHEET_SHEETS_MAX) {
        stop(&b->pt,
             hz_err_set(b->pt.err, HZ_ETOOBIG,
                        "a workbook of more than %u sheets", SHEET_SHEETS_MAX));
        return;
    }
    const char *n = attr(atts, "name"), *rid = attr(atts, "id");
    snprintf(b->names[b->n], sizeof b->names[b->n], "%s", n ? n : "");
    snprintf(b->rids[b->n], sizeof b->rids[b->n], "%s", rid ? rid : "");
    b->n++;
}

/* Open @path and read its workbook and relationships. */
static int open_book(const char *path, zip_t **za, struct book *b,
                     struct rels *rs, struct hz_err *err)
{
    *za = NULL;
    int rv = hz_dl_load(&hz_dl_zip, err);
    if (rv != 0)
        return rv;
    int ze = 0;
    *za = zip_open(path, ZIP_RDONLY, &ze);
    if (*za == NULL) {
        zip_error_t e;
        zip_error_init_with_code(&e, ze);
        rv = hz_err_set(err, HZ_EMALFORMED, "%s: not a workbook (%s)", path,
                        zip_error_strerror(&e));
        zip_error_fini(&e);
        return rv;
    }
    memset(b, 0, sizeof *b);
    rv = new_parser(&b->pt, err, b);
    if (rv == 0) {
        XML_SetStartElementHandler(b->pt.p, book_start);
        rv = read_part(*za, "xl/workbook.xml", &b->pt);
        XML_ParserFree(b->pt.p);
    }
    if (rv == HZ_ENOTFOUND)
        rv = hz_err_set(err, HZ_EMALFORMED,
                        "%s: a zip without xl/workbook.xml is not an XLSX"
                        " workbook",
                        path);
    memset(rs, 0, sizeof *rs);
    if (rv == 0)
        rv = new_parser(&rs->pt, err, rs);
    if (rv == 0) {
        XML_SetStartElementHandler(rs->pt.p, rel_start);
        rv = read_part(*za, "xl/_rels/workbook.xml.rels", &rs->pt);
        XML_ParserFree(rs->pt.p);
        if (rv == HZ_ENOTFOUND)
            rv = hz_err_set(err, HZ_EMALFORMED,
                            "%s: the workbook's relationships are missing",
                            path);
    }
    if (rv == 0 && b->n == 0)
        rv = hz_err_set(err, HZ_EMALFORMED, "%s: a workbook with no sheet",
                        path);
    if (rv != 0) {
        zip_discard(*za);
        *za = NULL;
    }
    return rv;
}

int sheet_names(const char *path, char ***names, size_t *n, struct hz_err *err)
{
    zip_t *za;
    struct book *b = malloc(sizeof *b);
    struct rels *rs = malloc(sizeof *rs);
    int rv = b != NULL && rs != NULL ? open_book(path, &za, b, rs, err)
                                     : hz_err_set(err, HZ_ENOMEM, "workbook");
    *names = NULL;
    *n = 0;
    if (rv == 0) {
        zip_discard(za);
        *names = calloc(b->n, sizeof **names);
        if (*names == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "workbook");
        for (size_t i = 0; rv == 0 && i < b->n; i++) {
            (*names)[i] = strdup(b->names[i]);
            if ((*names)[i] == NULL)
                rv = hz_err_set(err, HZ_ENOMEM, "workbook");
            *n = i + 1;
        }
    }
    free(b);
    free(rs);
    return rv;
}

void sheet_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- the shared strings */

struct strings {
    struct part pt;
    char *text; /* every string, each NUL-terminated */
    size_t len, cap;
    uint32_t *at; /* where each starts in text */
    size_t n, cap_at;
    bool in_si, in_t, in_rph;
    size_t si_start;
};

static int strings_add(struct strings *s, const char *p, size_t len)
{
    if (s->len + len + 1 > SHEET_STRINGS_MAX)
        return hz_err_set(s->pt.err, HZ_ETOOBIG,
                          "shared strings of more than %u MiB",
                          SHEET_STRINGS_MAX >> 20);
    if (s->len + len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + len + 1)
            cap *= 2;
        char *t = realloc(s->text, cap);
        if (t == NULL)
            return hz_err_set(s->pt.err, HZ_ENOMEM, "shared strings");
        s->text = t;
        s->cap = cap;
    }
    memcpy(s->text + s->len, p, len);
    s->len += len;
    return 0;
}

static void XMLCALL str_start(void *data, const XML_Char *name,
                              const XML_Char **atts)
{
    (void)atts;
    struct strings *s = data;
    const char *l = local(name);
    if (strcmp(l, "si") == 0) {
        s->in_si = true;
        s->si_start = s->len;
    } else if (strcmp(l, "rPh") == 0) {
        s->in_rph = true; /* a phonetic guide: not the cell's text */
    } else if (strcmp(l, "t") == 0 && s->in_si) {
        s->in_t = true;
    }
}

static void XMLCALL str_end(void *data, const XML_Char *name)
{
    struct strings *s = data;
    const char *l = local(name);
    if (strcmp(l, "t") == 0) {
        s->in_t = false;
    } else if (strcmp(l, "rPh") == 0) {
        s->in_rph = false;
    } else if (strcmp(l, "si") == 0 && s->in_si) {
        s->in_si = false;
        int rv = strings_add(s, "", 0);
        if (rv == 0 && s->n == SHEET_STRINGS_N_MAX)
            rv = hz_err_set(s->pt.err, HZ_ETOOBIG,
                            "more than %u shared strings", SHEET_STRINGS_N_MAX);
        if (rv == 0 && s->n == s->cap_at) {
            size_t cap = s->cap_at ? 2 * s->cap_at : 1024;
            uint32_t *at = realloc(s->at, cap * sizeof *at);
            if (at == NULL)
                rv = hz_err_set(s->pt.err, HZ_ENOMEM, "shared strings");
            else {
                s->at = at;
                s->cap_at = cap;
            }
        }
        if (rv != 0) {
            stop(&s->pt, rv);
            return;
        }
        s->text[s->len++] = '\0';
        s->at[s->n++] = (uint32_t)s->si_start;
    }
}

static void XMLCALL str_text(void *data, const XML_Char *p, int len)
{
    struct strings *s = data;
    if (!s->in_t || s->in_rph || !s->in_si)
        return;
    int rv = strings_add(s, p, (size_t)len);
    if (rv != 0)
        stop(&s->pt, rv);
}

/* ---- the sheet: merged ranges, then cells */

/* "AB12" -> column 27 (0-based 27: A=0), row 12; false when not a ref. */
static bool cell_ref(const char *ref, uint32_t *col, uint32_t *row)
{
    uint32_t c = 0, r = 0;
    const char *p = ref;
    for (; *p >= 'A' && *p <= 'Z'; p++) {
        c = c * 26 + (uint32_t)(*p - 'A' + 1);
        if (c > 16384)
            return false;
    }
    if (c == 0 || *p == '\0')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        r = r * 10 + (uint32_t)(*p - '0');
        if (r > SHEET_ROWS_MAX)
            return false;
    }
    if (*p != '\0' || r == 0)
        return false;
    *col = c - 1;
    *row = r;
    return true;
}

struct sheet {
    struct part pt;
    struct sheet_info *info;
    const struct strings *ss;
    /* merges pass */
    size_t cap_merges;
    /* cells pass */
    struct sheet_rowbuf row;
    uint32_t row_number, last_row;
    bool in_row;
    uint32_t col;
    char type[16];
    bool in_value; /* <v>, or <t> of an inline string */
    char value[SHEET_CELL_MAX + 1];
    size_t value_len;
    bool value_long;
    sheet_row_fn fn;
    void *data;
};

static void XMLCALL merge_start(void *data, const XML_Char *name,
                                const XML_Char **atts)
{
    struct sheet *sh = data;
    if (strcmp(local(name), "mergeCell") != 0)
        return;
    const char *ref = attr(atts, "ref");
    char a[16], b[16];
    const char *colon = ref != NULL ? strchr(ref, ':') : NULL;
    struct sheet_merge m;
    if (colon == NULL || (size_t)(colon - ref) >= sizeof a ||
        strlen(colon + 1) >= sizeof b)
        return; /* a one-cell or unreadable range merges nothing */
    memcpy(a, ref, (size_t)(colon - ref));
    a[colon - ref] = '\0';
    snprintf(b, sizeof b, "%s", colon + 1);
    if (!cell_ref(a, &m.c1, &m.r1) || !cell_ref(b, &m.c2, &m.r2) ||
        m.r2 < m.r1 || m.c2 < m.c1)
        return;
    m.c1++;
    m.c2++;
    struct sheet_info *in = sh->info;
    if (in->n_merges == SHEET_MERGES_MAX) {
        stop(&sh->pt,
             hz_err_set(sh->pt.err, HZ_ETOOBIG, "more than %u merged ranges",
                        SHEET_MERGES_MAX));
        return;
    }
    if (in->n_merges == sh->cap_merges) {
        size_t cap = sh->cap_merges ? 2 * sh->cap_merges : 64;
        struct sheet_merge *v = realloc(in->merges, cap * sizeof *v);
        if (v == NULL) {
            stop(&sh->pt, hz_err_set(sh->pt.err, HZ_ENOMEM, "merges"));
            return;
        }
        in->merges = v;
        sh->cap_merges = cap;
    }
    in->merges[in->n_merges++] = m;
}

static void XMLCALL cell_start(void *data, const XML_Char *name,
                               const XML_Char **atts)
{
    struct sheet *sh = data;
    const char *l = local(name);
    if (strcmp(l, "row") == 0) {
        const char *r = attr(atts, "r");
        char *end = NULL;
        unsigned long n = r != NULL ? strtoul(r, &end, 10) : sh->last_row + 1;
        if ((r != NULL && (end == r || *end != '\0')) || n <= sh->last_row ||
            n > SHEET_ROWS_MAX) {
            stop(&sh->pt, hz_err_set(sh->pt.err, HZ_EMALFORMED,
                                     "a row numbered %s after row %u",
                                     r != NULL ? r : "?", sh->last_row));
            return;
        }
        sh->row_number = sh->last_row = (uint32_t)n;
        sh->in_row = true;
        sh->col = 0;
    } else if (strcmp(l, "c") == 0 && sh->in_row) {
        const char *r = attr(atts, "r"), *t = attr(atts, "t");
        uint32_t col = sh->col, row;
        if (r != NULL && (!cell_ref(r, &col, &row) || row != sh->row_number)) {
            stop(&sh->pt,
                 hz_err_set(sh->pt.err, HZ_EMALFORMED,
                            "row %u: a cell named %s", sh->row_number, r));
            return;
        }
        sh->col = col;
        snprintf(sh->type, sizeof sh->type, "%s", t != NULL ? t : "n");
        sh->value_len = 0;
        sh->value_long = false;
    } else if (strcmp(l, "v") == 0 ||
               (strcmp(l, "t") == 0 && strcmp(sh->type, "inlineStr") == 0)) {
        sh->in_value = true;
    }
}

static void XMLCALL cell_text(void *data, const XML_Char *p, int len)
{
    struct sheet *sh = data;
    if (!sh->in_value)
        return;
    if (sh->value_len + (size_t)len > SHEET_CELL_MAX) {
        sh->value_long = true;
        return;
    }
    memcpy(sh->value + sh->value_len, p, (size_t)len);
    sh->value_len += (size_t)len;
}

/* The cell just ended, into the row. */
static int cell_done(struct sheet *sh)
{
    if (sh->value_long)
        return hz_err_set(sh->pt.err, HZ_ETOOBIG,
                          "row %u: a cell of more than %u bytes",
                          sh->row_number, SHEET_CELL_MAX);
    sh->value[sh->value_len] = '\0';
    const char *text = sh->value;
    size_t len = sh->value_len;
    bool number = false;
    if (strcmp(sh->type, "s") == 0) {
        char *end = NULL;
        unsigned long i = strtoul(sh->value, &end, 10);
        if (len == 0 || *end != '\0' || i >= sh->ss->n)
            return hz_err_set(sh->pt.err, HZ_EMALFORMED,
                              "row %u: a shared string that is not there",
                              sh->row_number);
        text = sh->ss->text + sh->ss->at[i];
        len = strlen(text);
    } else if (strcmp(sh->type, "b") == 0) {
        text = strcmp(sh->value, "1") == 0 ? "TRUE" : "FALSE";
        len = strlen(text);
    } else if (strcmp(sh->type, "n") == 0) {
        number = true;
    }
    return sheet_rowbuf_set(&sh->row, sh->col, text, len, number, sh->pt.err);
}

static void XMLCALL cell_end(void *data, const XML_Char *name)
{
    struct sheet *sh = data;
    const char *l = local(name);
    int rv = 0;
    if (strcmp(l, "v") == 0 || strcmp(l, "t") == 0) {
        sh->in_value = false;
    } else if (strcmp(l, "c") == 0 && sh->in_row) {
        rv = cell_done(sh);
        sh->col++;
    } else if (strcmp(l, "row") == 0 && sh->in_row) {
        sh->in_row = false;
        rv = sheet_rowbuf_emit(&sh->row, sh->row_number, sh->fn, sh->data,
                               sh->info, sh->pt.err);
    }
    if (rv != 0)
        stop(&sh->pt, rv);
}

int sheet_read_xlsx(const char *path, const struct sheet_opts *o,
                    sheet_row_fn fn, void *data, struct sheet_info *info,
                    struct hz_err *err)
{
    zip_t *za = NULL;
    struct book *b = malloc(sizeof *b);
    struct rels *rs = malloc(sizeof *rs);
    struct strings *ss = calloc(1, sizeof *ss);
    struct sheet *sh = calloc(1, sizeof *sh);
    int rv = b != NULL && rs != NULL && ss != NULL && sh != NULL
                 ? open_book(path, &za, b, rs, err)
                 : hz_err_set(err, HZ_ENOMEM, "workbook");
    const char *part = NULL, *strings_part = "xl/sharedStrings.xml";
    if (rv == 0 && o->sheet >= b->n)
        rv = hz_err_set(err, HZ_EINVAL, "%s has %zu sheets, not %zu", path,
                        b->n, o->sheet + 1);
    for (size_t i = 0; rv == 0 && i < rs->n; i++) {
        if (strcmp(rs->v[i].id, b->rids[o->sheet]) == 0)
            part = rs->v[i].target;
        if (rs->v[i].strings)
            strings_part = rs->v[i].target;
    }
    if (rv == 0 && part == NULL)
        rv = hz_err_set(err, HZ_EMALFORMED, "%s: sheet %s has no part", path,
                        b->names[o->sheet]);
    if (rv == 0) {
        snprintf(info->name, sizeof info->name, "%s", b->names[o->sheet]);
        info->date1904 = b->date1904;
        rv = new_parser(&ss->pt, err, ss);
    }
    if (rv == 0) {
        XML_SetElementHandler(ss->pt.p, str_start, str_end);
        XML_SetCharacterDataHandler(ss->pt.p, str_text);
        rv = read_part(za, strings_part, &ss->pt);
        if (rv == HZ_ENOTFOUND) /* a sheet of numbers and inline text */
            rv = 0;
        XML_ParserFree(ss->pt.p);
    }
    /* Pass 1: the merged ranges (after the cells in the part). */
    sh->info = info;
    sh->ss = ss;
    sh->fn = fn;
    sh->data = data;
    if (rv == 0)
        rv = new_parser(&sh->pt, err, sh);
    if (rv == 0) {
        XML_SetStartElementHandler(sh->pt.p, merge_start);
        rv = read_part(za, part, &sh->pt);
        XML_ParserFree(sh->pt.p);
    }
    /* Pass 2: the cells. */
    sheet_rowbuf_init(&sh->row);
    if (rv == 0)
        rv = new_parser(&sh->pt, err, sh);
    if (rv == 0) {
        XML_SetElementHandler(sh->pt.p, cell_start, cell_end);
        XML_SetCharacterDataHandler(sh->pt.p, cell_text);
        rv = read_part(za, part, &sh->pt);
        XML_ParserFree(sh->pt.p);
    }
    if (rv == HZ_ENOTFOUND)
        rv = hz_err_set(err, HZ_EMALFORMED, "%s: part %s is missing", path,
                        part);
    if (sh != NULL)
        sheet_rowbuf_free(&sh->row);
    if (za != NULL)
        zip_discard(za);
    if (ss != NULL) {
        free(ss->text);
        free(ss->at);
    }
    free(ss);
    free(sh);
    free(b);
    free(rs);
    return rv;
}
