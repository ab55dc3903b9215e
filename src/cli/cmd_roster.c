/* cmd_roster.c - huzhu import roster FILE: a village's household roster
 * (花名册, CSV or XLSX) into the node (proto/roster.md; DECISIONS 41).
 *
 * src/sheet reads the file into rows, core/roster.c reads the rows into
 * households (and says which rows it cannot read, and why),
 * files/roster_import.c writes them: matched against what the node holds
 * so a re-run adds nothing twice, in batches of one transaction each so
 * an interrupted run resumes by running it again. --dry-run writes
 * nothing and says what would be written. Likely duplicates of persons
 * the node holds (the same ID number, name and birth year in the village,
 * phone) are listed, never silently merged. Rows are named by their
 * number as a spreadsheet program shows it; cell values (names, ID
 * numbers) are never printed, so the listing can be passed around. */
#include "cli.h"

#include "../core/error_int.h"
#include "../core/roster.h"
#include "../sheet/sheet.h"
#include "../store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAPPING_LINE_MAX 512

struct run {
    struct cli *c;
    struct roster *r;
    struct store_roster *w;
    bool dry;
    bool sheet_told; /* roster_sheet called */
    json_t *refused, *dups;
    int code; /* a failure inside a callback */
    struct hz_err err;
};

static void on_refused(void *data, uint32_t row, const char *heading,
                       const char *zh, const char *en)
{
    struct run *u = data;
    json_array_append_new(
        u->refused, json_pack("{s:I, s:s, s:s, s:s}", "row", (json_int_t)row,
                              "column", heading, "why", en, "why_zh", zh));
}

static void add_dup(struct run *u, uint32_t row, const char *kind,
                    const char *why, const char *with_id, uint32_t with_row)
{
    json_t *d = json_pack("{s:I, s:s, s:s}", "row", (json_int_t)row, "kind",
                          kind, "why", why);
    if (with_id != NULL)
        json_object_set_new(d, "with", json_string(with_id));
    if (with_row != 0)
        json_object_set_new(d, "with_row", json_integer(with_row));
    json_array_append_new(u->dups, d);
}

static int on_household(void *data, const struct roster_household *h,
                        struct hz_err *err)
{
    struct run *u = data;
    struct store_roster_done *done = malloc(sizeof *done);
    if (done == NULL)
        return hz_err_set(err, HZ_ENOMEM, "roster");
    int rv = store_roster_add(u->w, h, done, err);
    for (size_t i = 0; rv == 0 && i < h->n_persons; i++) {
        if (done->person[i] == STORE_ROSTER_DUPLICATE)
            add_dup(u, h->persons[i].row, "in_file", "id_number", NULL,
                    done->dup_row[i]);
        else if (done->person[i] == STORE_ROSTER_ELSEWHERE)
            add_dup(u, h->persons[i].row, "registered", "id_number",
                    done->elsewhere[i], 0);
        else if (done->person[i] == STORE_ROSTER_NEW &&
                 done->likely[i][0] != '\0')
            add_dup(u, h->persons[i].row, "likely", done->likely_why[i],
                    done->likely[i], 0);
    }
    free(done);
    return rv;
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

/* ---- the mapping file: "heading = field" lines, "header = N" */

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

static int read_mapping(struct cli *c, const char *path, struct mapping *m)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "huzhu: %s: %s\n", path, strerror(errno));
        return errno == ENOENT ? EXIT_NOTFOUND : EXIT_FAIL;
    }
    char line[MAPPING_LINE_MAX];
    int rv = EXIT_OK;
    for (unsigned no = 1; rv == EXIT_OK && fgets(line, sizeof line, f); no++) {
        char *s = trim(line);
        if (no == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
            s += 3;
        if (s[0] == '\0' || s[0] == '#')
            continue;
        char *eq = strrchr(s, '=');
        if (eq == NULL) {
            fprintf(stderr, "huzhu: %s:%u: %s\n", path, no,
                    cli_tr(c, "应为“表头 = 字段”", "want: heading = field"));
            rv = EXIT_USAGE;
            break;
        }
        *eq = '\0';
        char *head = trim(s), *field = trim(eq + 1);
        if (strcmp(head, "header") == 0) {
            char *end = NULL;
            unsigned long v = strtoul(field, &end, 10);
            if (end == field || *end != '\0' || v == 0 || v > SHEET_ROWS_MAX) {
                fprintf(stderr, "huzhu: %s:%u: %s\n", path, no,
                        cli_tr(c, "header 应为表头所在行号",
                               "header wants the heading row's number"));
                rv = EXIT_USAGE;
            }
            m->header = (uint32_t)v;
            continue;
        }
        enum roster_field fld = roster_field_of(field);
        if (fld == RF_NONE || head[0] == '\0' || m->n == ROSTER_MAPPING_MAX) {
            fprintf(stderr, "huzhu: %s:%u: %s \"%s\"\n", path, no,
                    m->n == ROSTER_MAPPING_MAX
                        ? cli_tr(c, "映射太多", "too many mappings")
                        : cli_tr(c, "未知字段", "unknown field"),
                    field);
            rv = EXIT_USAGE;
            break;
        }
        snprintf(m->text[m->n], sizeof m->text[m->n], "%s", head);
        m->v[m->n] = (struct roster_mapping){m->text[m->n], fld};
        m->n++;
    }
    fclose(f);
    return rv;
}

/* ---- output */

static const char *layout_zh(const struct roster_columns *cs)
{
    if (cs->layout == ROSTER_LAYOUT_HOUSEHOLDS)
        return "每行一户";
    return cs->group_by == RF_NUMBER      ? "每行一人，按户号分户"
           : cs->group_by == RF_HEAD_NAME ? "每行一人，按户主分户"
                                          : "每行一人，按“户主”行分户";
}

static const char *layout_en(const struct roster_columns *cs)
{
    if (cs->layout == ROSTER_LAYOUT_HOUSEHOLDS)
        return "one row per household";
    return cs->group_by == RF_NUMBER ? "one row per person, grouped by 户号"
           : cs->group_by == RF_HEAD_NAME
               ? "one row per person, grouped by 户主"
               : "one row per person, a 户主 row starting each household";
}

static json_t *columns_json(const struct roster_columns *cs)
{
    json_t *cols = json_array(), *unknown = json_array();
    for (size_t i = 0; i < cs->n_cols; i++) {
        if (cs->headings[i][0] == '\0')
            continue;
        if (cs->fields[i] == RF_NONE) {
            json_array_append_new(unknown, json_string(cs->headings[i]));
            continue;
        }
        json_t *o = json_pack("{s:s, s:s}", "heading", cs->headings[i], "field",
                              roster_field_name(cs->fields[i]));
        if (cs->member[i] > 0)
            json_object_set_new(o, "member", json_integer(cs->member[i]));
        json_array_append_new(cols, o);
    }
    return json_pack("{s:o, s:o}", "columns", cols, "unrecognized", unknown);
}

static void print_text(struct run *u, const struct sheet_info *info,
                       const struct roster_columns *cs,
                       const struct store_roster_totals *t, const char *path)
{
    struct cli *c = u->c;
    printf("%s: %s (%s", cli_tr(c, "花名册", "roster"), path,
           info->kind == SHEET_XLSX ? "XLSX" : "CSV");
    if (info->kind == SHEET_XLSX)
        printf(", %s \"%s\"", cli_tr(c, "工作表", "sheet"), info->name);
    else
        printf(", %s", info->enc == SHEET_ENC_GB18030 ? "GB18030" : "UTF-8");
    if (cs->header_rows == 2)
        printf(")\n%s %u–%u%s, %s\n", cli_tr(c, "表头: 第", "headings: rows"),
               cs->header_row, cs->header_row + 1, cli_tr(c, " 行", ""),
               cli_tr(c, layout_zh(cs), layout_en(cs)));
    else
        printf(")\n%s %u%s, %s\n", cli_tr(c, "表头: 第", "headings: row"),
               cs->header_row, cli_tr(c, " 行", ""),
               cli_tr(c, layout_zh(cs), layout_en(cs)));
    json_t *cj = columns_json(cs);
    json_t *unknown = json_object_get(cj, "unrecognized");
    if (json_array_size(unknown) > 0) {
        printf("%s:", cli_tr(c, "未识别的列(已忽略，可用 --mapping 指定)",
                             "columns not recognised (ignored; --mapping"
                             " names them)"));
        size_t i;
        json_t *v;
        json_array_foreach(unknown, i, v)
        {
            printf(" %s", json_string_value(v));
        }
        printf("\n");
    }
    json_decref(cj);
    if (u->dry)
        printf("%s\n", cli_tr(c, "试运行: 未写入任何数据",
                              "dry run: nothing was written"));
    printf("%s: %s %llu, %s %llu, %s %llu\n", cli_tr(c, "住户", "households"),
           u->dry ? cli_tr(c, "将新增", "would add")
                  : cli_tr(c, "新增", "added"),
           (unsigned long long)t->households_new,
           cli_tr(c, "已有(只补缺)", "held (only what they lacked)"),
           (unsigned long long)t->households_matched,
           cli_tr(c, "以前已导入", "imported before"),
           (unsigned long long)t->households_seen);
    printf("%s: %s %llu, %s %llu, %s %llu, %s %llu\n",
           cli_tr(c, "人员", "persons"),
           u->dry ? cli_tr(c, "将新增", "would add")
                  : cli_tr(c, "新增", "added"),
           (unsigned long long)t->persons_new, cli_tr(c, "已有", "held"),
           (unsigned long long)t->persons_present,
           cli_tr(c, "文件内重复", "repeated in the file"),
           (unsigned long long)t->persons_duplicate,
           cli_tr(c, "已登记在别的户", "registered in another household"),
           (unsigned long long)t->persons_elsewhere);
    size_t n = json_array_size(u->refused), i;
    json_t *v;
    if (n > 0)
        printf("%s (%zu):\n", cli_tr(c, "无法读取", "could not be read"), n);
    json_array_foreach(u->refused, i, v)
    {
        const char *col = json_string_value(json_object_get(v, "column"));
        printf("  %s %lld%s%s%s%s: %s\n", cli_tr(c, "第", "row"),
               (long long)json_integer_value(json_object_get(v, "row")),
               cli_tr(c, " 行", ""), col[0] ? " [" : "", col, col[0] ? "]" : "",
               json_string_value(
                   json_object_get(v, c->lang == LANG_ZH ? "why_zh" : "why")));
    }
    n = json_array_size(u->dups);
    if (n > 0)
        printf("%s (%zu):\n", cli_tr(c, "可能重复", "likely duplicates"), n);
    json_array_foreach(u->dups, i, v)
    {
        const char *kind = json_string_value(json_object_get(v, "kind"));
        const char *why = json_string_value(json_object_get(v, "why"));
        const char *why_zh = strcmp(why, "id_number") == 0 ? "身份证号相同"
                             : strcmp(why, "phone") == 0
                                 ? "电话相同"
                                 : "同名、同出生年、同村";
        long long row =
            (long long)json_integer_value(json_object_get(v, "row"));
        if (strcmp(kind, "in_file") == 0)
            printf(
                "  %s %lld%s: %s %lld %s (%s)\n", cli_tr(c, "第", "row"), row,
                cli_tr(c, " 行", ""),
                cli_tr(c, "与第", "the same person as row"),
                (long long)json_integer_value(json_object_get(v, "with_row")),
                cli_tr(c, "行为同一人，未重复登记", "; not registered twice"),
                cli_tr(c, why_zh, why));
        else if (strcmp(kind, "registered") == 0)
            printf("  %s %lld%s: %s %s%s (%s)\n", cli_tr(c, "第", "row"), row,
                   cli_tr(c, " 行", ""),
                   cli_tr(c, "已登记为人员", "already registered as person"),
                   json_string_value(json_object_get(v, "with")),
                   cli_tr(c, "，未重复登记", "; not registered twice"),
                   cli_tr(c, why_zh, why));
        else
            printf("  %s %lld%s: %s %s (%s)\n", cli_tr(c, "第", "row"), row,
                   cli_tr(c, " 行", ""),
                   cli_tr(c, "可能与已登记的人员相同:",
                          "may be a person already registered:"),
                   json_string_value(json_object_get(v, "with")),
                   cli_tr(c, why_zh, why));
    }
}

static void print_json(struct run *u, const struct sheet_info *info,
                       const struct roster_columns *cs,
                       const struct store_roster_totals *t, const char *path)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:b, s:I, s:I, s:s, s:s}", "file", path, "kind",
        info->kind == SHEET_XLSX ? "xlsx" : "csv", "dry_run", u->dry,
        "header_row", (json_int_t)cs->header_row, "header_rows",
        (json_int_t)cs->header_rows, "layout",
        cs->layout == ROSTER_LAYOUT_PERSONS ? "persons" : "households",
        "group_by",
        cs->layout == ROSTER_LAYOUT_HOUSEHOLDS
            ? "row"
            : roster_field_name(cs->group_by));
    if (info->kind == SHEET_XLSX)
        json_object_set_new(o, "sheet", json_string(info->name));
    else
        json_object_set_new(
            o, "encoding",
            json_string(info->enc == SHEET_ENC_GB18030 ? "gb18030" : "utf-8"));
    json_t *cj = columns_json(cs);
    json_object_update(o, cj);
    json_decref(cj);
    json_object_set_new(o, "households",
                        json_pack("{s:I, s:I, s:I, s:I}", "new",
                                  (json_int_t)t->households_new, "matched",
                                  (json_int_t)t->households_matched, "seen",
                                  (json_int_t)t->households_seen, "filled",
                                  (json_int_t)t->households_filled));
    json_object_set_new(o, "persons",
                        json_pack("{s:I, s:I, s:I, s:I, s:I}", "new",
                                  (json_int_t)t->persons_new, "present",
                                  (json_int_t)t->persons_present, "filled",
                                  (json_int_t)t->persons_filled, "duplicate",
                                  (json_int_t)t->persons_duplicate, "elsewhere",
                                  (json_int_t)t->persons_elsewhere));
    json_object_set(o, "refused", u->refused);
    json_object_set(o, "duplicates", u->dups);
    char *s = json_dumps(o, JSON_COMPACT);
    printf("%s\n", s);
    free(s);
    json_decref(o);
}

/* ---- the command */

static int parse_encoding(struct cli *c, const char *s, enum sheet_enc *enc)
{
    if (s == NULL)
        *enc = SHEET_ENC_AUTO;
    else if (strcasecmp(s, "utf-8") == 0 || strcasecmp(s, "utf8") == 0)
        *enc = SHEET_ENC_UTF8;
    else if (strcasecmp(s, "gb18030") == 0 || strcasecmp(s, "gbk") == 0 ||
             strcasecmp(s, "gb2312") == 0)
        *enc = SHEET_ENC_GB18030;
    else {
        fprintf(stderr, "huzhu: --encoding: %s\n",
                cli_tr(c, "应为 utf-8 或 gb18030", "utf-8 or gb18030"));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Read sheet @which of @path into @u (a new roster each time). */
static int read_one(struct run *u, const char *path, struct sheet_opts *so,
                    struct roster_opts *ro, struct sheet_info *info)
{
    roster_free(u->r);
    u->r = NULL;
    u->sheet_told = false;
    int rv = roster_new(&u->r, ro, &u->err);
    if (rv == 0)
        rv = sheet_read(path, so, on_row, u, info, &u->err);
    if (rv == 0)
        rv = roster_end(u->r, &u->err);
    return rv;
}

int cmd_import_roster(struct cli *c, struct form *f)
{
    const char *path = form_get(f, "FILE");
    struct run u = {.c = c, .dry = form_get(f, "--dry-run") != NULL};
    struct mapping *m = calloc(1, sizeof *m);
    if (m == NULL)
        return cli_fail(c, HZ_ENOMEM, NULL);
    int code = form_get(f, "--mapping") != NULL
                   ? read_mapping(c, form_get(f, "--mapping"), m)
                   : EXIT_OK;
    struct sheet_opts so = {0};
    if (code == EXIT_OK)
        code = parse_encoding(c, form_get(f, "--encoding"), &so.enc);
    if (code != EXIT_OK) {
        free(m);
        return code;
    }
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    struct roster_opts ro = {
        .this_year = tm.tm_year + 1900,
        .village = form_get(f, "--village"),
        .mapping = m->v,
        .n_mapping = m->n,
        .header_row = m->header,
        .data = &u,
        .household = on_household,
        .refused = on_refused,
    };
    u.refused = json_array();
    u.dups = json_array();
    int rv = store_roster_open(c->node, u.dry, &u.w, &u.err);
    struct sheet_info info = {0};
    enum sheet_kind kind = SHEET_CSV;
    if (rv == 0)
        rv = sheet_kind_of(path, &kind, &u.err);
    const char *which = form_get(f, "--sheet");
    char **names = NULL;
    size_t n_names = 0;
    if (rv == 0 && kind == SHEET_XLSX)
        rv = sheet_names(path, &names, &n_names, &u.err);
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
            rv = hz_err_set(&u.err, HZ_ENOTFOUND, "--sheet %s: %s", which,
                            kind != SHEET_XLSX ? "a CSV file has one sheet"
                                               : "no such sheet");
        so.sheet = pick;
    }
    if (rv == 0)
        rv = read_one(&u, path, &so, &ro, &info);
    /* No --sheet: the first sheet whose headings are found. Nothing was
     * written from one whose headings were not. */
    while (rv == HZ_EMALFORMED && which == NULL && kind == SHEET_XLSX &&
           roster_columns(u.r) == NULL && so.sheet + 1 < n_names) {
        so.sheet++;
        sheet_info_free(&info);
        hz_err_clear(&u.err);
        rv = read_one(&u, path, &so, &ro, &info);
    }
    if (rv == 0)
        rv = store_roster_close(u.w, &u.err);
    const struct roster_columns *cs = u.r != NULL ? roster_columns(u.r) : NULL;
    if (cs != NULL) {
        if (c->json && rv == 0)
            print_json(&u, &info, cs, store_roster_totals(u.w), path);
        else if (!c->json)
            print_text(&u, &info, cs, store_roster_totals(u.w), path);
    }
    code = rv == 0 ? EXIT_OK : cli_fail(c, rv, &u.err);
    if (rv != 0 && cs != NULL && !u.dry)
        fprintf(stderr, "huzhu: %s\n",
                cli_tr(c,
                       "上面已写入的住户保留；修正后重新运行同一命令即可续导，"
                       "不会重复添加",
                       "the households above were written; run the same"
                       " command again to go on: nothing is added twice"));
    sheet_names_free(names, n_names);
    sheet_info_free(&info);
    roster_free(u.r);
    store_roster_free(u.w);
    json_decref(u.refused);
    json_decref(u.dups);
    free(m);
    return code;
}

/* ---- huzhu dups: likely duplicates across the whole replica */

int cmd_dups(struct cli *c, struct form *f)
{
    (void)f;
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_dups(c->node, &json, &err);
    if (rv != 0) {
        hz_free_string(json);
        return cli_fail(c, rv, &err);
    }
    if (c->json) {
        printf("%s\n", json);
        hz_free_string(json);
        return EXIT_OK;
    }
    json_t *o = json_loads(json, 0, NULL);
    hz_free_string(json);
    json_t *groups = json_object_get(o, "groups");
    printf("%s: %zu\n",
           cli_tr(c, "可能重复的组", "groups of likely duplicates"),
           json_array_size(groups));
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g)
    {
        const char *why = json_string_value(json_object_get(g, "why"));
        const char *zh =
            strcmp(why, "id_number") == 0 ? "身份证号相同"
            : strcmp(why, "phone") == 0   ? "不同户的电话相同"
            : strcmp(why, "name_variant") == 0
                ? "姓名仅写法不同(全半角、空格、繁简)，同出生年、同村"
            : strcmp(why, "household_number") == 0 ? "同村户号相同"
                                                   : "同名、同出生年、同村";
        bool hh = strcmp(json_string_value(json_object_get(g, "kind")),
                         "households") == 0;
        printf("[%lld] %s:\n",
               (long long)json_integer_value(json_object_get(g, "score")),
               cli_tr(c, zh, why));
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(g, hh ? "households" : "persons"), k,
                           r)
        {
            const char *name = json_string_value(
                json_object_get(r, hh ? "head_name" : "name"));
            const char *village =
                json_string_value(json_object_get(r, "village"));
            json_int_t year =
                json_integer_value(json_object_get(r, "birth_year"));
            printf("  %s %s", json_string_value(json_object_get(r, "id")),
                   name != NULL ? name : "-");
            if (year > 0)
                printf(" %lld", (long long)year);
            printf(" %s\n", village != NULL ? village : "");
        }
    }
    if (!json_is_true(json_object_get(o, "t2s")))
        printf("%s\n", cli_tr(c, "(未找到 OpenCC 数据: 繁简写法未比较)",
                              "(no OpenCC data: traditional and simplified"
                              " forms not compared)"));
    json_decref(o);
    return EXIT_OK;
}

/* ---- huzhu merge / unmerge: one record standing for another
 * (DECISIONS 40: merged_into is a field; views follow its chain) */

static bool merge_table(const char *t)
{
    return strcmp(t, "persons") == 0 || strcmp(t, "households") == 0;
}

/* The row @id of @table as JSON, or the exit code (not found, deleted). */
static int merge_row(struct cli *c, const char *table, const char *id,
                     json_t **out)
{
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_get(c->node, table, id, &json, &err);
    if (rv != 0) {
        hz_free_string(json);
        return cli_fail(c, rv, &err);
    }
    *out = json_loads(json, 0, NULL);
    hz_free_string(json);
    return *out != NULL ? EXIT_OK : cli_fail(c, HZ_ENOMEM, NULL);
}

static int merge_write(struct cli *c, const char *table, const char *dup,
                       const char *into)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    const struct hz_field f = {"merged_into", into != NULL ? into : ""};
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = hz_batch_put(b, table, dup, 1, &f, NULL, &err);
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, &err);
    }
    int rv = cli_commit(c, b);
    hz_batch_close(b);
    if (rv != EXIT_OK)
        return rv;
    if (c->json)
        printf("{\"table\":\"%s\",\"id\":\"%s\",\"merged_into\":%s%s%s}\n",
               table, dup, into ? "\"" : "", into ? into : "null",
               into ? "\"" : "");
    else if (into != NULL)
        printf("%s: %s → %s\n", cli_tr(c, "已合并", "merged"), dup, into);
    else
        printf("%s: %s\n", cli_tr(c, "已撤销合并", "unmerged"), dup);
    return EXIT_OK;
}

int cmd_merge(struct cli *c, struct form *f)
{
    const char *table = form_get(f, "TABLE"), *keep = form_get(f, "KEEP"),
               *dup = form_get(f, "DUP");
    if (!merge_table(table))
        return cli_usage(c, f,
                         cli_tr(c, "只能合并 persons 或 households",
                                "merges persons or households"));
    if (strcmp(keep, dup) == 0)
        return cli_usage(c, f,
                         cli_tr(c, "不能把一条记录合并到它自己",
                                "a record cannot be merged into itself"));
    json_t *k = NULL, *d = NULL;
    int rv = merge_row(c, table, keep, &k);
    if (rv == EXIT_OK)
        rv = merge_row(c, table, dup, &d);
    /* KEEP's own chain reaching DUP would make a cycle: the views would
     * settle it (the lowest id stands), but typed here it is a mistake. */
    json_t *at = k != NULL ? json_incref(k) : NULL;
    for (int step = 0; rv == EXIT_OK && at != NULL && step < 64; step++) {
        const char *next =
            json_string_value(json_object_get(at, "merged_into"));
        json_decref(at);
        at = NULL;
        if (next == NULL)
            break;
        if (strcmp(next, dup) == 0) {
            fprintf(stderr, "huzhu: %s\n",
                    cli_tr(c,
                           "KEEP 已合并到 DUP：先撤销那次合并 (huzhu unmerge)",
                           "KEEP is merged into DUP already: undo that first"
                           " (huzhu unmerge)"));
            rv = EXIT_INPUT;
            break;
        }
        char *json = NULL;
        struct hz_err err = {0};
        if (hz_node_get(c->node, table, next, &json, &err) == 0)
            at = json_loads(json, 0, NULL);
        hz_free_string(json);
    }
    json_decref(at);
    json_decref(k);
    json_decref(d);
    return rv == EXIT_OK ? merge_write(c, table, dup, keep) : rv;
}

int cmd_unmerge(struct cli *c, struct form *f)
{
    const char *table = form_get(f, "TABLE"), *dup = form_get(f, "DUP");
    if (!merge_table(table))
        return cli_usage(c, f,
                         cli_tr(c, "只能合并 persons 或 households",
                                "merges persons or households"));
    json_t *d = NULL;
    int rv = merge_row(c, table, dup, &d);
    bool merged = rv == EXIT_OK && json_object_get(d, "merged_into") != NULL;
    json_decref(d);
    if (rv == EXIT_OK && !merged) {
        fprintf(
            stderr, "huzhu: %s\n",
            cli_tr(c, "该记录未合并到其他记录", "that record is not merged"));
        return EXIT_NOTFOUND;
    }
    return rv == EXIT_OK ? merge_write(c, table, dup, NULL) : rv;
}
