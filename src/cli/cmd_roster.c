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
#include "../sheet/sheet.h"
#include "../store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAPPING_FILE_MAX (64u * 1024u)

/* ---- the mapping file, read whole and checked here so its faults name
 * the file and line */

static int read_mapping(struct cli *c, const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "huzhu: %s: %s\n", path, strerror(errno));
        return errno == ENOENT ? EXIT_NOTFOUND : EXIT_FAIL;
    }
    char *text = malloc(MAPPING_FILE_MAX + 1);
    size_t n = text != NULL ? fread(text, 1, MAPPING_FILE_MAX + 1, f) : 0;
    bool bad = ferror(f) != 0;
    fclose(f);
    if (text == NULL)
        return cli_fail(c, HZ_ENOMEM, NULL);
    if (bad || n > MAPPING_FILE_MAX || memchr(text, '\0', n) != NULL) {
        fprintf(stderr, "huzhu: %s: %s\n", path,
                cli_tr(c, "不是映射文件(太大或不是文本)",
                       "not a mapping file (too big, or not text)"));
        free(text);
        return EXIT_USAGE;
    }
    text[n] = '\0';
    struct sheet_mapping_fault fault;
    if (sheet_roster_mapping_check(text, &fault) != 0) {
        fprintf(stderr, "huzhu: %s:%u: %s%s%s%s\n", path, fault.line,
                cli_tr(c, fault.zh, fault.en), fault.field[0] ? " \"" : "",
                fault.field, fault.field[0] ? "\"" : "");
        free(text);
        return EXIT_USAGE;
    }
    *out = text;
    return EXIT_OK;
}

/* ---- output: the text a person reads, from the JSON --json prints */

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

static long long num(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static const char *layout_text(struct cli *c, json_t *o)
{
    bool persons = strcmp(str(o, "layout"), "persons") == 0;
    const char *by = str(o, "group_by");
    if (!persons)
        return cli_tr(c, "每行一户", "one row per household");
    if (strcmp(by, "number") == 0)
        return cli_tr(c, "每行一人，按户号分户",
                      "one row per person, grouped by 户号");
    if (strcmp(by, "head_name") == 0)
        return cli_tr(c, "每行一人，按户主分户",
                      "one row per person, grouped by 户主");
    return cli_tr(c, "每行一人，按“户主”行分户",
                  "one row per person, a 户主 row starting each household");
}

static const char *dup_why_zh(const char *why)
{
    return strcmp(why, "id_number") == 0 ? "身份证号相同"
           : strcmp(why, "phone") == 0   ? "电话相同"
                                         : "同名、同出生年、同村";
}

static void print_text(struct cli *c, json_t *o)
{
    bool xlsx = strcmp(str(o, "kind"), "xlsx") == 0;
    bool dry = json_is_true(json_object_get(o, "dry_run"));
    printf("%s: %s (%s", cli_tr(c, "花名册", "roster"), str(o, "file"),
           xlsx ? "XLSX" : "CSV");
    if (xlsx)
        printf(", %s \"%s\"", cli_tr(c, "工作表", "sheet"), str(o, "sheet"));
    else
        printf(", %s", strcmp(str(o, "encoding"), "gb18030") == 0 ? "GB18030"
                                                                  : "UTF-8");
    long long hr = num(o, "header_row");
    if (num(o, "header_rows") == 2)
        printf(")\n%s %lld–%lld%s, %s\n",
               cli_tr(c, "表头: 第", "headings: rows"), hr, hr + 1,
               cli_tr(c, " 行", ""), layout_text(c, o));
    else
        printf(")\n%s %lld%s, %s\n", cli_tr(c, "表头: 第", "headings: row"), hr,
               cli_tr(c, " 行", ""), layout_text(c, o));
    json_t *unknown = json_object_get(o, "unrecognized");
    size_t i;
    json_t *v;
    if (json_array_size(unknown) > 0) {
        printf("%s:", cli_tr(c, "未识别的列(已忽略，可用 --mapping 指定)",
                             "columns not recognised (ignored; --mapping"
                             " names them)"));
        json_array_foreach(unknown, i, v)
        {
            printf(" %s", json_string_value(v));
        }
        printf("\n");
    }
    json_t *hh = json_object_get(o, "households");
    json_t *ps = json_object_get(o, "persons");
    if (hh == NULL) /* the read stopped before anything was judged */
        return;
    if (dry)
        printf("%s\n", cli_tr(c, "试运行: 未写入任何数据",
                              "dry run: nothing was written"));
    printf("%s: %s %lld, %s %lld, %s %lld\n", cli_tr(c, "住户", "households"),
           dry ? cli_tr(c, "将新增", "would add") : cli_tr(c, "新增", "added"),
           num(hh, "new"),
           cli_tr(c, "已有(只补缺)", "held (only what they lacked)"),
           num(hh, "matched"), cli_tr(c, "以前已导入", "imported before"),
           num(hh, "seen"));
    printf("%s: %s %lld, %s %lld, %s %lld, %s %lld\n",
           cli_tr(c, "人员", "persons"),
           dry ? cli_tr(c, "将新增", "would add") : cli_tr(c, "新增", "added"),
           num(ps, "new"), cli_tr(c, "已有", "held"), num(ps, "present"),
           cli_tr(c, "文件内重复", "repeated in the file"),
           num(ps, "duplicate"),
           cli_tr(c, "已登记在别的户", "registered in another household"),
           num(ps, "elsewhere"));
    json_t *refused = json_object_get(o, "refused");
    if (json_array_size(refused) > 0)
        printf("%s (%zu):\n", cli_tr(c, "无法读取", "could not be read"),
               json_array_size(refused));
    json_array_foreach(refused, i, v)
    {
        const char *col = str(v, "column");
        printf("  %s %lld%s%s%s%s: %s\n", cli_tr(c, "第", "row"), num(v, "row"),
               cli_tr(c, " 行", ""), col[0] ? " [" : "", col, col[0] ? "]" : "",
               str(v, c->lang == LANG_ZH ? "why_zh" : "why"));
    }
    json_t *dups = json_object_get(o, "duplicates");
    if (json_array_size(dups) > 0)
        printf("%s (%zu):\n", cli_tr(c, "可能重复", "likely duplicates"),
               json_array_size(dups));
    json_array_foreach(dups, i, v)
    {
        const char *kind = str(v, "kind"), *why = str(v, "why");
        long long row = num(v, "row");
        if (strcmp(kind, "in_file") == 0)
            printf(
                "  %s %lld%s: %s %lld %s (%s)\n", cli_tr(c, "第", "row"), row,
                cli_tr(c, " 行", ""),
                cli_tr(c, "与第", "the same person as row"), num(v, "with_row"),
                cli_tr(c, "行为同一人，未重复登记", "; not registered twice"),
                cli_tr(c, dup_why_zh(why), why));
        else if (strcmp(kind, "registered") == 0)
            printf("  %s %lld%s: %s %s%s (%s)\n", cli_tr(c, "第", "row"), row,
                   cli_tr(c, " 行", ""),
                   cli_tr(c, "已登记为人员", "already registered as person"),
                   str(v, "with"),
                   cli_tr(c, "，未重复登记", "; not registered twice"),
                   cli_tr(c, dup_why_zh(why), why));
        else
            printf("  %s %lld%s: %s %s (%s)\n", cli_tr(c, "第", "row"), row,
                   cli_tr(c, " 行", ""),
                   cli_tr(c, "可能与已登记的人员相同:",
                          "may be a person already registered:"),
                   str(v, "with"), cli_tr(c, dup_why_zh(why), why));
    }
}

/* ---- the command */

static int this_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return tm.tm_year + 1900;
}

static int parse_encoding(struct cli *c, const char *s, enum sheet_enc *enc)
{
    if (s == NULL)
        *enc = SHEET_ENC_AUTO;
    else if (sheet_encoding_of(s, enc) != 0) {
        fprintf(stderr, "huzhu: --encoding: %s\n",
                cli_tr(c, "应为 utf-8 或 gb18030", "utf-8 or gb18030"));
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int cmd_import_roster(struct cli *c, struct form *f)
{
    const char *path = form_get(f, "FILE");
    bool dry = form_get(f, "--dry-run") != NULL;
    char *mapping = NULL;
    int code = form_get(f, "--mapping") != NULL
                   ? read_mapping(c, form_get(f, "--mapping"), &mapping)
                   : EXIT_OK;
    struct sheet_roster_in in = {
        .path = path,
        .sheet = form_get(f, "--sheet"),
        .village = form_get(f, "--village"),
        .mapping = mapping,
        .this_year = this_year(),
        .household = store_roster_household,
    };
    if (code == EXIT_OK)
        code = parse_encoding(c, form_get(f, "--encoding"), &in.enc);
    if (code != EXIT_OK) {
        free(mapping);
        return code;
    }
    struct hz_err err = {0};
    struct store_roster *w = NULL;
    json_t *o = NULL;
    int rv = store_roster_open(c->node, dry, &w, &err);
    in.data = w;
    if (rv == 0)
        rv = sheet_roster_read(&in, &o, &err);
    if (rv == 0)
        rv = store_roster_close(w, &err);
    json_t *res = o != NULL && w != NULL ? store_roster_result(w) : NULL;
    if (res != NULL && (rv == 0 || !dry))
        json_object_update(o, res);
    json_decref(res);
    if (o != NULL) {
        if (c->json && rv == 0) {
            char *text = json_dumps(o, JSON_COMPACT);
            printf("%s\n", text != NULL ? text : "{}");
            free(text);
        } else if (!c->json)
            print_text(c, o);
    }
    code = rv == 0 ? EXIT_OK : cli_fail(c, rv, &err);
    if (rv != 0 && o != NULL && !dry)
        fprintf(stderr, "huzhu: %s\n",
                cli_tr(c,
                       "上面已写入的住户保留；修正后重新运行同一命令即可续导，"
                       "不会重复添加",
                       "the households above were written; run the same"
                       " command again to go on: nothing is added twice"));
    json_decref(o);
    store_roster_free(w);
    free(mapping);
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
