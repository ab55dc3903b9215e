/* rows.c - what the commands that write and show domain rows share:
 * refusals, times typed by people, a live row looked up before a write,
 * one row written, a view's rows, JSON and "label: value" output, a CSV
 * file written whole. Used by cmd_social.c, cmd_needs.c, cmd_alert.c and
 * cmd_donations.c; proto/cli.md is the contract. */
#include "cli.h"

#include "../sheet/sheet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T_MIN 946684800LL
#define T_MAX 4102444800LL

/* Print "huzhu: @zh|@en" and return @code. */
int cli_refused(struct cli *c, int code, const char *zh, const char *en)
{
    fprintf(stderr, "huzhu: %s\n", cli_tr(c, zh, en));
    return code;
}

/* Unix seconds, "YYYY-MM-DD" (local midnight) or "YYYY-MM-DD HH:MM"
 * (local time) into *@t, within the schema's range; false for anything
 * else (2024-02-30, 25:00, letters). */
bool cli_when_parse(const char *s, long long *t)
{
    size_t len = strlen(s), digits = strspn(s, "0123456789");
    if (digits == len && len > 0 && len <= 12) {
        *t = atoll(s);
    } else {
        char day[11];
        int hh = 0, mm = 0;
        if (len < 10)
            return false;
        memcpy(day, s, 10);
        day[10] = '\0';
        if (!sheet_date_ok(day))
            return false;
        if (len > 10) {
            char tail;
            if (len != 16 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
                strspn(s + 11, "0123456789") != 2 ||
                strspn(s + 14, "0123456789") != 2 ||
                sscanf(s + 11, "%2d:%2d%c", &hh, &mm, &tail) != 2 || hh > 23 ||
                mm > 59)
                return false;
        }
        struct tm tm = {0};
        tm.tm_year = atoi(day) - 1900;
        tm.tm_mon = atoi(day + 5) - 1;
        tm.tm_mday = atoi(day + 8);
        tm.tm_hour = hh;
        tm.tm_min = mm;
        tm.tm_isdst = -1;
        time_t tt = mktime(&tm);
        if (tt == (time_t)-1)
            return false;
        *t = (long long)tt;
    }
    return *t >= T_MIN && *t < T_MAX;
}

/* Yuan as people type them ("500", "12.5", "0.05") into fen, as text
 * into @out; false for anything else or more than 10^10 yuan. */
bool cli_yuan_to_fen(const char *s, char *out, size_t len)
{
    unsigned long long yuan = 0, fen = 0;
    size_t i = 0, digits = 0;
    for (; s[i] >= '0' && s[i] <= '9' && digits < 11; i++, digits++)
        yuan = yuan * 10 + (unsigned)(s[i] - '0');
    if (digits == 0 || yuan > 10000000000ull)
        return false;
    if (s[i] == '.') {
        i++;
        size_t d = 0;
        for (; s[i] >= '0' && s[i] <= '9' && d < 2; i++, d++)
            fen = fen * 10 + (unsigned)(s[i] - '0');
        if (d == 0)
            return false;
        if (d == 1)
            fen *= 10;
    }
    if (s[i] != '\0')
        return false;
    snprintf(out, len, "%llu", yuan * 100 + fen);
    return true;
}

/* Option @name as a time into *@t (left as it is when not given); a
 * usage error for what is no time. */
int cli_when_opt(struct cli *c, struct form *f, const char *name, long long *t)
{
    const char *v = form_get(f, name);
    if (v == NULL || cli_when_parse(v, t))
        return EXIT_OK;
    fprintf(stderr, "huzhu: %s %s\n", name,
            cli_tr(c,
                   "须为日期 YYYY-MM-DD、YYYY-MM-DD HH:MM 或 Unix 秒"
                   "(2000 至 2099 年的真实日期)",
                   "is a date YYYY-MM-DD, YYYY-MM-DD HH:MM or Unix seconds"
                   " (a real day, 2000 to 2099)"));
    return cli_usage(c, f, NULL);
}

int cli_when_text(struct cli *c, struct form *f, const char *name, char *text)
{
    long long t = (long long)time(NULL);
    int rv = cli_when_opt(c, f, name, &t);
    snprintf(text, 24, "%lld", t);
    return rv;
}

/* The live row @id of @table as JSON, or NULL with the refusal printed
 * and *@rv its exit code (@zh, @en say what the row is). */
json_t *cli_live_row(struct cli *c, const char *table, const char *id,
                     const char *zh, const char *en, int *rv)
{
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_get(c->node, table, id, &json, &err);
    json_t *row = code == 0 ? json_loads(json, 0, NULL) : NULL;
    hz_free_string(json);
    if (row != NULL)
        return row;
    fprintf(stderr,
            TR_FMT(c, "huzhu: 没有这个%s: %s\n", "huzhu: no such %s: %s\n"),
            cli_tr(c, zh, en), id);
    *rv = code == HZ_EINVAL || code == 0 ? EXIT_INPUT : EXIT_NOTFOUND;
    return NULL;
}

/* Whether the live row @id of @table exists (the refusal printed). */
int cli_must_exist(struct cli *c, const char *table, const char *id,
                   const char *zh, const char *en)
{
    int rv = EXIT_OK;
    json_t *row = cli_live_row(c, table, id, zh, en, &rv);
    json_decref(row);
    return rv;
}

/* Write one row of @table: the form's columns and @n @extra, edited at
 * --id when given; print its id (or {"id"}). */
int cli_put_row(struct cli *c, struct form *f, const char *table,
                const char *id, size_t n, const struct hz_field *extra)
{
    return cli_put_row_with(c, f, table, id, n, extra, cli_fail);
}

int cli_put_row_with(struct cli *c, struct form *f, const char *table,
                     const char *id, size_t n, const struct hz_field *extra,
                     int (*refused)(struct cli *c, int code,
                                    const struct hz_err *err))
{
    int rv = form_fields(c, f, n, extra);
    if (rv != EXIT_OK)
        return rv;
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char row[HZ_ROW_HEX_LEN + 1];
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = hz_batch_put(b, table, id, f->n_f, f->f, row, &err);
    if (code == 0)
        code = hz_node_commit(c->node, b, NULL, &err);
    hz_batch_close(b);
    if (code != 0)
        return refused(c, code, &err);
    printf(c->json ? "{\"id\":\"%s\"}\n" : "%s\n", row);
    return EXIT_OK;
}

/* The library's view @view as parsed JSON into *@rows, keeping only rows
 * whose @key is @id when @id is not NULL; or the exit code (printed). */
int cli_view_rows(struct cli *c, const char *view, const char *key,
                  const char *id, json_t **rows)
{
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_view(c->node, view, &json, &err);
    json_t *all = code == 0 ? json_loads(json, 0, NULL) : NULL;
    hz_free_string(json);
    if (all == NULL)
        return cli_fail(c, code != 0 ? code : HZ_ENOMEM, &err);
    if (id == NULL) {
        *rows = all;
        return EXIT_OK;
    }
    json_t *keep = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r)
    {
        const char *v = json_string_value(json_object_get(r, key));
        if (v != NULL && strcmp(v, id) == 0)
            json_array_append(keep, r);
    }
    json_decref(all);
    *rows = keep;
    return EXIT_OK;
}

int cli_view_rows_by(struct cli *c, const char *view, const char *key,
                     const char *id, const char *table, const char *zh,
                     const char *en, json_t **rows)
{
    int rv = id != NULL ? cli_must_exist(c, table, id, zh, en) : EXIT_OK;
    return rv == EXIT_OK ? cli_view_rows(c, view, key, id, rows) : rv;
}

/* The one row of @view whose @key is @id (owned), or NULL with the
 * refusal printed and *@rv set. */
json_t *cli_view_row(struct cli *c, const char *view, const char *key,
                     const char *id, const char *zh, const char *en, int *rv)
{
    json_t *rows = NULL;
    *rv = cli_view_rows(c, view, key, id, &rows);
    if (*rv != EXIT_OK)
        return NULL;
    json_t *row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    if (row == NULL) {
        fprintf(stderr,
                TR_FMT(c, "huzhu: 没有这个%s: %s\n", "huzhu: no such %s: %s\n"),
                cli_tr(c, zh, en), id);
        *rv = EXIT_NOTFOUND;
    }
    return row;
}

/* @rows' fen amounts @keys as yuan text (KEY_yuan). */
void cli_yuan_of(json_t *rows, const char *const *keys, size_t n)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        for (size_t k = 0; k < n; k++) {
            char text[32], key[32];
            sheet_fen_text(json_integer_value(json_object_get(r, keys[k])),
                           text, sizeof text);
            snprintf(key, sizeof key, "%s_yuan", keys[k]);
            json_object_set_new(r, key, json_string(text));
        }
    }
}

void cli_print_json_obj(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (s != NULL)
        printf("%s\n", s);
    free(s);
}

/* Columns holding Unix seconds, shown as local time. */
static bool is_time(const char *col)
{
    static const char *const times[] = {"confirmed_at", "sent", "expires",
                                        "time"};
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
        if (strcmp(col, times[i]) == 0)
            return true;
    return false;
}

/* "label: value" lines of @row's columns of @table that have a value. */
void cli_print_fields(const struct cli *c, const char *table, json_t *row,
                      const char *const *cols, size_t n)
{
    enum hz_lang lang = c->lang == LANG_ZH ? HZ_LANG_ZH : HZ_LANG_EN;
    for (size_t k = 0; k < n; k++) {
        json_t *v = json_object_get(row, cols[k]);
        if (v == NULL || json_is_null(v))
            continue;
        const char *label = hz_column_label(table, cols[k], lang);
        if (json_is_string(v)) {
            const char *e =
                hz_enum_label(table, cols[k], json_string_value(v), lang);
            printf("%s: %s\n", label != NULL ? label : cols[k],
                   e != NULL ? e : json_string_value(v));
        } else if (json_is_integer(v) && is_time(cols[k])) {
            char t[32];
            sheet_local_time(json_integer_value(v), false, t, sizeof t);
            printf("%s: %s\n", label, t);
        } else {
            char *s = json_dumps(v, JSON_ENCODE_ANY);
            printf("%s: %s\n", label != NULL ? label : cols[k], s ? s : "");
            free(s);
        }
    }
}

int cli_csv_write(struct cli *c, const char *path,
                  int (*write)(FILE *fp, void *data, bool zh), void *data)
{
    char tmp[CLI_PATH_LEN_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *fp = fopen(tmp, "wb");
    bool ok = fp != NULL && write(fp, data, c->lang == LANG_ZH) == 0;
    ok = fp != NULL && fclose(fp) == 0 && ok && rename(tmp, path) == 0;
    if (ok)
        return EXIT_OK;
    struct hz_err err = {0};
    snprintf(err.msg, sizeof err.msg, "%s: %s", path, strerror(errno));
    remove(tmp);
    return cli_fail(c, HZ_EIO, &err);
}

int cli_csv_file(struct cli *c, const char *path,
                 int (*csv)(FILE *fp, json_t *rep, bool zh), json_t *rep)
{
    struct sheet_csv_of k = {csv, rep};
    return cli_csv_write(c, path, sheet_csv_of_write, &k);
}

/* The report @name as at --at (default now), of @village when not
 * NULL. */
int cli_report_at(struct cli *c, struct form *f, const char *name,
                  const char *village, json_t **rep)
{
    long long at = (long long)time(NULL);
    int rv = cli_when_opt(c, f, "--at", &at);
    struct hz_report_opts o = {.now = (int64_t)at, .village = village};
    return rv == EXIT_OK ? cli_report(c, name, &o, rep) : rv;
}

int cli_coords_ok(struct cli *c, struct form *f)
{
    const char *lat = form_get(f, "--lat"), *lon = form_get(f, "--lon");
    if ((lat == NULL) != (lon == NULL))
        return cli_usage(c, f,
                         cli_tr(c, "--lat 与 --lon 须一起给出",
                                "--lat and --lon go together"));
    if (lat == NULL)
        return EXIT_OK;
    char *end1, *end2;
    errno = 0;
    double a = strtod(lat, &end1), o = strtod(lon, &end2);
    if (errno != 0 || *end1 != '\0' || *end2 != '\0' || end1 == lat ||
        end2 == lon || !(a >= -90 && a <= 90) || !(o >= -180 && o <= 180))
        return cli_usage(c, f,
                         cli_tr(c,
                                "坐标须为度: 纬度 -90 至 90，经度 -180 至 180",
                                "coordinates are degrees: latitude -90 to 90,"
                                " longitude -180 to 180"));
    return EXIT_OK;
}
