/* roster_read.c - a roster file read into households (huzhu import roster
 * and POST /api/import/roster; proto/roster.md, DECISIONS 41): the sheet
 * chosen (by name or number, or the first whose headings are found), its
 * rows read by csv.c or xlsx.c, judged by core/roster.c, and each
 * household handed to the caller, who writes it (the store's
 * roster_import.c). What the headings said and every refused row come
 * back as JSON, the shape the command's --json and the API give. */
#include "sheet.h"

#include "../core/error_int.h"
#include "../core/roster.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAPPING_LINE_MAX 512u

/* ---- the mapping: "heading = field" lines, "header = N", # comments */

struct mapping {
    struct roster_mapping v[ROSTER_MAPPING_MAX];
    char text[ROSTER_MAPPING_MAX][MAPPING_LINE_MAX];
    size_t n;
    uint32_t header;
};

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
                       s[len - 1] == '\r' || s[len - 1] == '\n'))
        s[--len] = '\0';
    return s;
}

/* Parse @text into @m (NULL: only check). 0, or HZ_EINVAL with the line
 * and why. */
static int mapping_parse(const char *text, struct mapping *m,
                         struct sheet_mapping_fault *fault)
{
    const char *p = text;
    char line[MAPPING_LINE_MAX];
    size_t n = 0;
    for (unsigned no = 1; *p != '\0'; no++) {
        size_t len = strcspn(p, "\n");
        bool long_line = len >= sizeof line;
        memcpy(line, p, long_line ? sizeof line - 1 : len);
        line[long_line ? sizeof line - 1 : len] = '\0';
        p += len + (p[len] == '\n');
        char *s = trim(line);
        if (no == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
            s += 3;
        if (s[0] == '\0' || s[0] == '#')
            continue;
        fault->line = no;
        fault->field[0] = '\0';
        char *eq = strrchr(s, '=');
        if (long_line || eq == NULL) {
            fault->zh = "应为“表头 = 字段”";
            fault->en = "want: heading = field";
            return HZ_EINVAL;
        }
        *eq = '\0';
        char *head = trim(s), *field = trim(eq + 1);
        if (strcmp(head, "header") == 0) {
            char *end = NULL;
            unsigned long v = strtoul(field, &end, 10);
            if (end == field || *end != '\0' || v == 0 || v > SHEET_ROWS_MAX) {
                fault->zh = "header 应为表头所在行号";
                fault->en = "header wants the heading row's number";
                return HZ_EINVAL;
            }
            if (m != NULL)
                m->header = (uint32_t)v;
            continue;
        }
        enum roster_field fld = roster_field_of(field);
        if (n == ROSTER_MAPPING_MAX) {
            fault->zh = "映射太多";
            fault->en = "too many mappings";
            return HZ_EINVAL;
        }
        if (fld == RF_NONE || head[0] == '\0') {
            snprintf(fault->field, sizeof fault->field, "%s", field);
            fault->zh = "未知字段";
            fault->en = "unknown field";
            return HZ_EINVAL;
        }
        if (m != NULL) {
            snprintf(m->text[n], sizeof m->text[n], "%s", head);
            m->v[n] = (struct roster_mapping){m->text[n], fld};
            m->n = n + 1;
        }
        n++;
    }
    fault->line = 0;
    fault->field[0] = '\0';
    return 0;
}

int sheet_roster_mapping_check(const char *text,
                               struct sheet_mapping_fault *fault)
{
    return mapping_parse(text, NULL, fault);
}

int sheet_encoding_of(const char *s, enum sheet_enc *enc)
{
    if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0)
        *enc = SHEET_ENC_UTF8;
    else if (strcasecmp(s, "gb18030") == 0 || strcasecmp(s, "gbk") == 0 ||
             strcasecmp(s, "gb2312") == 0)
        *enc = SHEET_ENC_GB18030;
    else
        return HZ_EINVAL;
    return 0;
}

/* ---- reading */

struct run {
    const struct sheet_roster_in *in;
    struct roster *r;
    bool sheet_told; /* roster_sheet called */
    json_t *refused;
};

static void on_refused(void *data, uint32_t row, const char *heading,
                       const char *zh, const char *en)
{
    struct run *u = data;
    json_array_append_new(
        u->refused, json_pack("{s:I, s:s, s:s, s:s}", "row", (json_int_t)row,
                              "column", heading, "why", en, "why_zh", zh));
}

static int on_household(void *data, const struct roster_household *h,
                        struct hz_err *err)
{
    struct run *u = data;
    return u->in->household(u->in->data, h, err);
}

static int on_row(void *data, const struct sheet_info *info,
                  const struct sheet_row *row, struct hz_err *err)
{
    struct run *u = data;
    if (!u->sheet_told) {
        u->sheet_told = true;
        /* The same layout, field for field (sheet.h, roster.h). */
        _Static_assert(sizeof(struct sheet_merge) ==
                           sizeof(struct roster_merge),
                       "merged ranges");
        int rv = roster_sheet(u->r, (const struct roster_merge *)info->merges,
                              info->n_merges, info->date1904, err);
        if (rv != 0)
            return rv;
    }
    _Static_assert(sizeof(struct sheet_cell) == sizeof(struct roster_cell),
                   "cells");
    struct roster_row rr = {row->number, row->n,
                            (const struct roster_cell *)row->cells};
    return roster_row(u->r, &rr, err);
}

/* Read sheet so->sheet of the file into @u (a new roster each time; the
 * refusals of an earlier try forgotten). */
static int read_one(struct run *u, const struct sheet_opts *so,
                    const struct roster_opts *ro, struct sheet_info *info,
                    struct hz_err *err)
{
    roster_free(u->r);
    u->r = NULL;
    u->sheet_told = false;
    json_array_clear(u->refused);
    int rv = roster_new(&u->r, ro, err);
    if (rv == 0)
        rv = sheet_read(u->in->path, so, on_row, u, info, err);
    if (rv == 0)
        rv = roster_end(u->r, err);
    return rv;
}

static const char *layout_name(const struct roster_columns *cs)
{
    return cs->layout == ROSTER_LAYOUT_PERSONS ? "persons" : "households";
}

/* What was read, as proto/roster.md's --json gives it. */
static json_t *read_json(const struct sheet_roster_in *in,
                         const struct sheet_info *info,
                         const struct roster_columns *cs, json_t *refused)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "file",
                          in->name != NULL ? in->name : in->path, "kind",
                          info->kind == SHEET_XLSX ? "xlsx" : "csv",
                          "header_row", (json_int_t)cs->header_row,
                          "header_rows", (json_int_t)cs->header_rows, "layout",
                          layout_name(cs), "group_by",
                          cs->layout == ROSTER_LAYOUT_HOUSEHOLDS
                              ? "row"
                              : roster_field_name(cs->group_by));
    if (info->kind == SHEET_XLSX)
        json_object_set_new(o, "sheet", json_string(info->name));
    else
        json_object_set_new(
            o, "encoding",
            json_string(info->enc == SHEET_ENC_GB18030 ? "gb18030" : "utf-8"));
    json_t *cols = json_array(), *unknown = json_array();
    for (size_t i = 0; i < cs->n_cols; i++) {
        if (cs->headings[i][0] == '\0')
            continue;
        if (cs->fields[i] == RF_NONE) {
            json_array_append_new(unknown, json_string(cs->headings[i]));
            continue;
        }
        json_t *c = json_pack("{s:s, s:s}", "heading", cs->headings[i], "field",
                              roster_field_name(cs->fields[i]));
        if (cs->member[i] > 0)
            json_object_set_new(c, "member", json_integer(cs->member[i]));
        json_array_append_new(cols, c);
    }
    json_object_set_new(o, "columns", cols);
    json_object_set_new(o, "unrecognized", unknown);
    json_object_set(o, "refused", refused);
    return o;
}

int sheet_roster_read(const struct sheet_roster_in *in, json_t **out,
                      struct hz_err *err)
{
    *out = NULL;
    struct mapping *m = calloc(1, sizeof *m);
    struct run u = {.in = in, .refused = json_array()};
    if (m == NULL || u.refused == NULL) {
        free(m);
        json_decref(u.refused);
        return hz_err_set(err, HZ_ENOMEM, "roster");
    }
    struct sheet_mapping_fault fault;
    int rv = in->mapping != NULL ? mapping_parse(in->mapping, m, &fault) : 0;
    if (rv != 0)
        rv = hz_err_set(err, HZ_EINVAL, "mapping line %u: %s %s", fault.line,
                        fault.en, fault.field);
    struct roster_opts ro = {
        .this_year = in->this_year,
        .village = in->village,
        .mapping = m->v,
        .n_mapping = m->n,
        .header_row = m->header,
        .data = &u,
        .household = on_household,
        .refused = on_refused,
    };
    struct sheet_opts so = {.enc = in->enc};
    struct sheet_info info = {0};
    enum sheet_kind kind = SHEET_CSV;
    if (rv == 0)
        rv = sheet_kind_of(in->path, &kind, err);
    char **names = NULL;
    size_t n_names = 0;
    if (rv == 0 && kind == SHEET_XLSX)
        rv = sheet_names(in->path, &names, &n_names, err);
    const char *which = in->sheet;
    if (rv == 0 && which != NULL) {
        /* By name, or by number from 1. */
        size_t pick = n_names;
        for (size_t i = 0; i < n_names; i++)
            if (strcmp(names[i], which) == 0)
                pick = i;
        char *end = NULL;
        unsigned long k = strtoul(which, &end, 10);
        if (pick == n_names && *end == '\0' && k >= 1 && k <= n_names)
            pick = k - 1;
        if (kind != SHEET_XLSX || pick == n_names)
            rv = hz_err_set(err, HZ_ENOTFOUND, "sheet %s: %s", which,
                            kind != SHEET_XLSX ? "a CSV file has one sheet"
                                               : "no such sheet");
        so.sheet = pick;
    }
    if (rv == 0)
        rv = read_one(&u, &so, &ro, &info, err);
    /* No sheet named: the first whose headings are found. Nothing was
     * handed on from one whose headings were not. */
    while (rv == HZ_EMALFORMED && which == NULL && kind == SHEET_XLSX &&
           u.r != NULL && roster_columns(u.r) == NULL &&
           so.sheet + 1 < n_names) {
        so.sheet++;
        sheet_info_free(&info);
        hz_err_clear(err);
        rv = read_one(&u, &so, &ro, &info, err);
    }
    const struct roster_columns *cs = u.r != NULL ? roster_columns(u.r) : NULL;
    if (cs != NULL)
        *out = read_json(in, &info, cs, u.refused);
    sheet_names_free(names, n_names);
    sheet_info_free(&info);
    roster_free(u.r);
    json_decref(u.refused);
    free(m);
    return rv;
}
