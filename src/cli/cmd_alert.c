/* cmd_alert.c - warning campaigns (预警信息到户到人) for people: a warning
 * notice added by hand or imported from a CAP 1.2 alert (alert add,
 * import), the campaigns and how far each got (ls, show), a delivery to
 * a household (deliver) and who is not reached yet, the vulnerable first
 * (unreached), with the delivery list as CSV. The lists come from the
 * library (hz_node_report "campaigns", "campaign"), as the web's do; the
 * node itself refuses a delivery for an unknown campaign or a household
 * outside its area (warn_check_delivery), and this file says so in
 * Chinese first. proto/cli.md is the contract. */
#include "cli.h"

#include "../sheet/sheet.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AREA_LEN_MAX CLI_TEXT_LEN_MAX

/* A list as people type it ("东村， 西村、南村") as the schema keeps it:
 * items separated by ",", trimmed, empty ones dropped, into @out. False
 * when it does not fit. */
static bool area_list(const char *in, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    const char *p = in;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        /* "，" and "、" separate too. */
        const char *cn = strstr(p, "，"), *dun = strstr(p, "、");
        if (cn != NULL && (size_t)(cn - p) < n)
            n = (size_t)(cn - p);
        if (dun != NULL && (size_t)(dun - p) < n)
            n = (size_t)(dun - p);
        const char *a = p, *b = p + n;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        if (b > a) {
            size_t k = (size_t)(b - a);
            if (o + k + 2 > len)
                return false;
            if (o > 0)
                out[o++] = ',';
            memcpy(out + o, a, k);
            o += k;
            out[o] = '\0';
        }
        p += n;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            p += strlen("，"); /* both are three bytes in UTF-8 */
    }
    return true;
}

/* --villages and --grids as the schema keeps them into @fields (at most
 * two, counted in *@n); a usage error when a list is too long. */
static int area_fields(struct cli *c, struct form *f, char *villages,
                       char *grids, struct hz_field *fields, size_t *n)
{
    const char *names[2] = {"--villages", "--grids"};
    const char *cols[2] = {"villages", "grids"};
    char *bufs[2] = {villages, grids};
    for (size_t k = 0; k < 2; k++) {
        const char *v = form_get(f, names[k]);
        if (v == NULL)
            continue;
        if (!area_list(v, bufs[k], AREA_LEN_MAX))
            return cli_usage(c, f, cli_tr(c, "区域列表过长", "area too long"));
        fields[(*n)++] = (struct hz_field){cols[k], bufs[k]};
    }
    return EXIT_OK;
}

int cmd_alert_add(struct cli *c, struct form *f)
{
    const char *id = form_get(f, "--id");
    if (id == NULL && form_get(f, "--villages") == NULL &&
        form_get(f, "--grids") == NULL)
        return cli_usage(c, f,
                         cli_tr(c, "须给出 --villages 或 --grids(预警区域)",
                                "give --villages or --grids (the area)"));
    long long sent = (long long)time(NULL), expires = 0;
    int rv = cli_when_opt(c, f, "--sent", &sent);
    if (rv == EXIT_OK)
        rv = cli_when_opt(c, f, "--expires", &expires);
    if (rv == EXIT_OK && id != NULL)
        rv = cli_must_exist(c, "warning_notices", id, "预警信息",
                            "warning notice");
    char villages[AREA_LEN_MAX] = "", grids[AREA_LEN_MAX] = "";
    struct hz_field extra[4];
    size_t n = 0;
    if (rv == EXIT_OK)
        rv = area_fields(c, f, villages, grids, extra, &n);
    if (rv != EXIT_OK)
        return rv;
    char at[24], until[24];
    snprintf(at, sizeof at, "%lld", sent);
    snprintf(until, sizeof until, "%lld", expires);
    if (id == NULL || form_get(f, "--sent") != NULL)
        extra[n++] = (struct hz_field){"sent", at};
    if (form_get(f, "--expires") != NULL)
        extra[n++] = (struct hz_field){"expires", until};
    return cli_put_row(c, f, "warning_notices", id, n, extra);
}

/* The campaign report of @id without its households, which go one at a
 * time to @rows_fn (hz_report_opts.rows_fn: a township's 100,000 are
 * never held at once), or the exit code (printed). */
static int campaign_of(struct cli *c, const char *id,
                       int (*rows_fn)(void *data, const char *json,
                                      struct hz_err *err),
                       void *rows_data, json_t **rep)
{
    *rep = NULL;
    int rv =
        cli_must_exist(c, "warning_notices", id, "预警信息", "warning notice");
    struct hz_report_opts o = {.id = id,
                               .now = (int64_t)time(NULL),
                               .rows_fn = rows_fn,
                               .rows_data = rows_data};
    rv = rv == EXIT_OK ? cli_report(c, "campaign", &o, rep) : rv;
    if (rv == EXIT_OK)
        json_object_del(*rep, "households");
    return rv;
}

/* The households of a campaign in a temporary file, one JSON object a
 * line; EXIT_OK or the failure printed. */
static int lines_open(struct cli *c, struct sheet_lines *x)
{
    x->n = 0;
    x->fp = tmpfile();
    return x->fp != NULL ? EXIT_OK : cli_fail(c, HZ_EIO, NULL);
}

/* Write the campaign's households (the lines of @x; the notice of @rep)
 * to the --csv and --xlsx files that were given. */
static int campaign_files(struct cli *c, struct form *f, json_t *rep,
                          struct sheet_lines *x)
{
    struct hz_err err = {0};
    const char *xlsx = form_get(f, "--xlsx");
    if (xlsx != NULL && sheet_campaign_xlsx(xlsx, rep, x, &err) != 0)
        return cli_fail(c, HZ_EIO, &err);
    const char *csv = form_get(f, "--csv");
    return csv != NULL ? cli_csv_write(c, csv, sheet_campaign_csv, x) : EXIT_OK;
}

/* "已送达 R / 共 N 户，未送达 U 户(其中有弱势人员 V 户)" of @t. */
static void print_totals(const struct cli *c, json_t *t)
{
#define T(k) ((long long)json_integer_value(json_object_get(t, k)))
    printf(TR_FMT(c,
                  "已送达 %lld / 共 %lld 户，未送达 %lld 户(其中有弱势人员 "
                  "%lld 户)\n",
                  "reached %lld of %lld households; %lld not yet (%lld with"
                  " vulnerable persons)\n"),
           T("reached"), T("households"), T("unreached"),
           T("unreached_vulnerable"));
#undef T
}

int cmd_alert_ls(struct cli *c, struct form *f)
{
    (void)f;
    json_t *rep = NULL;
    struct hz_report_opts o = {.now = (int64_t)time(NULL)};
    int rv = cli_report(c, "campaigns", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        cli_print_json_obj(rep);
        json_decref(rep);
        return EXIT_OK;
    }
    size_t i;
    json_t *w;
    json_array_foreach(rep, i, w)
    {
        json_t *t = json_object_get(w, "totals");
        json_object_set(w, "households", json_object_get(t, "households"));
        json_object_set(w, "reached", json_object_get(t, "reached"));
        json_object_set(w, "unreached", json_object_get(t, "unreached"));
    }
    static const char *const cols[] = {"sent",      "event",      "severity",
                                       "headline",  "households", "reached",
                                       "unreached", "id"};
    static const char *const zh[] = {"发布时间", "灾种",   "严重程度", "标题",
                                     "应通知户", "已送达", "未送达",   "编号"};
    static const char *const en[] = {"sent",     "hazard",     "severity",
                                     "headline", "households", "reached",
                                     "not yet",  "id"};
    static const char *const fmt[] = {
        "t", "", "e:warning_notices.severity", "", "", "", "", ""};
    cli_print_table(c, rep, cols, c->lang == LANG_ZH ? zh : en, fmt, 8);
    printf(TR_FMT(c, "共 %zu 条预警信息\n", "%zu warning notices\n"),
           json_array_size(rep));
    json_decref(rep);
    return EXIT_OK;
}

/* The per-village or per-cadre rows @rows under @title. */
static void print_groups(const struct cli *c, json_t *rows, const char *key,
                         const char *zh_key, const char *en_key)
{
    const char *const cols[] = {key, "households", "reached", "unreached",
                                "unreached_vulnerable"};
    const char *const zh[] = {zh_key, "应通知户", "已送达", "未送达",
                              "未送达(有弱势人员)"};
    const char *const en[] = {en_key, "households", "reached", "not yet",
                              "not yet, vulnerable"};
    cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, NULL, 5);
}

int cmd_alert_show(struct cli *c, struct form *f)
{
    /* The households only for the files and --json. */
    bool rows = c->json || form_get(f, "--csv") != NULL ||
                form_get(f, "--xlsx") != NULL;
    struct sheet_lines x = {0};
    json_t *rep = NULL;
    int rv = rows ? lines_open(c, &x) : EXIT_OK;
    if (rv == EXIT_OK)
        rv = campaign_of(c, form_get(f, "CAMPAIGN"),
                         rows ? sheet_rows_add : sheet_rows_skip, &x, &rep);
    if (rv == EXIT_OK && rows)
        rv = campaign_files(c, f, rep, &x);
    if (rv == EXIT_OK && c->json) {
        rv = cli_json_lines(c, rep, &x, "households", NULL);
    } else if (rv == EXIT_OK) {
        static const char *const cols[] = {
            "headline",    "event",       "urgency", "severity",  "certainty",
            "description", "instruction", "source",  "sent",      "expires",
            "area_desc",   "villages",    "grids",   "identifier"};
        cli_print_fields(c, "warning_notices", json_object_get(rep, "notice"),
                         cols, sizeof cols / sizeof cols[0]);
        print_totals(c, json_object_get(rep, "totals"));
        print_groups(c, json_object_get(rep, "by_village"), "village",
                     "村/社区", "village");
        print_groups(c, json_object_get(rep, "by_cadre"), "cadre", "包保责任人",
                     "cadre");
    }
    if (x.fp != NULL)
        fclose(x.fp);
    json_decref(rep);
    return rv;
}

/* The rows of @from that are not reached (of @village when not NULL),
 * to @to: one JSON object a line each. */
struct unreached {
    const char *village;
    struct sheet_lines *to;
    json_t *shown; /* for the table: the rows kept, or NULL */
};

/* Out of memory while filtering, said in @err. */
static int no_memory(struct hz_err *err)
{
    err->code = HZ_ENOMEM;
    snprintf(err->msg, sizeof err->msg, "campaign");
    return HZ_ENOMEM;
}

static int keep_unreached(void *data, const char *json, struct hz_err *err)
{
    struct unreached *u = data;
    json_t *h = json_loads(json, 0, NULL);
    if (h == NULL)
        return no_memory(err);
    const char *v = json_string_value(json_object_get(h, "village"));
    int rv = 0;
    if (!json_is_true(json_object_get(h, "reached")) &&
        (u->village == NULL || (v != NULL && strcmp(v, u->village) == 0))) {
        rv = sheet_rows_add(u->to, json, err);
        if (rv == 0 && u->shown != NULL && json_array_append(u->shown, h) != 0)
            rv = no_memory(err);
    }
    json_decref(h);
    return rv;
}

int cmd_alert_unreached(struct cli *c, struct form *f)
{
    struct sheet_lines x = {0};
    /* The table is for a person (the unreached of a village or a
     * township: read on a screen); --json and the files stream. */
    bool table = !c->json;
    struct unreached u = {.village = form_get(f, "--village"),
                          .to = &x,
                          .shown = table ? json_array() : NULL};
    json_t *rep = NULL;
    int rv = lines_open(c, &x);
    if (rv == EXIT_OK)
        rv = campaign_of(c, form_get(f, "CAMPAIGN"), keep_unreached, &u, &rep);
    if (rv == EXIT_OK)
        rv = campaign_files(c, f, rep, &x);
    if (rv == EXIT_OK && !table) {
        rv = cli_json_lines(c, NULL, &x, NULL, NULL);
    } else if (rv == EXIT_OK) {
        static const char *const cols[] = {
            "village",    "cadre", "head_name", "phone",
            "vulnerable", "tries", "household"};
        static const char *const zh[] = {"村/社区", "包保责任人", "户主",
                                         "电话",    "弱势人数",   "尝试次数",
                                         "户编号"};
        static const char *const en[] = {"village",  "cadre",      "head",
                                         "phone",    "vulnerable", "tries",
                                         "household"};
        cli_print_table(c, u.shown, cols, c->lang == LANG_ZH ? zh : en, NULL,
                        7);
        printf(TR_FMT(c, "未送达 %zu 户(有弱势人员的在前)\n",
                      "%zu households not reached (vulnerable first)\n"),
               json_array_size(u.shown));
    }
    if (x.fp != NULL)
        fclose(x.fp);
    json_decref(u.shown);
    json_decref(rep);
    return rv;
}

/* The node's own check of a delivery (warn_check_delivery) decides
 * whether the household is in the campaign's area, through merges: its
 * refusal said in words; any other as cli_fail says it. */
static int delivery_refused(struct cli *c, int code, const struct hz_err *err)
{
    if (code == HZ_EVALUE &&
        strstr(err->msg, "not in the campaign's area") != NULL)
        return cli_refused(c, EXIT_INPUT, "该户不在此预警信息的区域内",
                           "the household is outside the warning's area");
    return cli_fail(c, code, err);
}

int cmd_alert_deliver(struct cli *c, struct form *f)
{
    long long t = (long long)time(NULL);
    const char *hid = form_get(f, "HOUSEHOLD");
    int rv = cli_when_opt(c, f, "--time", &t);
    json_t *notice =
        rv == EXIT_OK
            ? cli_live_row(c, "warning_notices", form_get(f, "CAMPAIGN"),
                           "预警信息", "warning notice", &rv)
            : NULL;
    json_t *row = rv == EXIT_OK ? cli_live_row(c, "households", hid, "住户",
                                               "household", &rv)
                                : NULL;
    json_decref(row);
    if (rv != EXIT_OK) {
        json_decref(notice);
        return rv;
    }
    const char *text = json_string_value(json_object_get(notice, "headline"));
    if (text == NULL)
        text = json_string_value(json_object_get(notice, "event"));
    char at[24], what[512];
    snprintf(at, sizeof at, "%lld", t);
    snprintf(what, sizeof what, "%s", text != NULL ? text : "预警");
    json_decref(notice);
    struct hz_field cols[4] = {
        {"time", at},
        {"notice", what},
        {"reached", form_get(f, "--not-reached") != NULL ? "false" : "true"},
    };
    return cli_put_row_with(c, f, "warnings", form_get(f, "--id"), 3, cols,
                            delivery_refused);
}

/* ---- import of a CAP 1.2 alert */

/* The villages of this node that @cap's areas name, joined by "," into
 * @out (with --villages first); the exit code on failure. */
static int cap_villages(struct cli *c, struct form *f,
                        const struct sheet_cap *cap, char *out, size_t len)
{
    const char *given = form_get(f, "--villages");
    if (given != NULL && !area_list(given, out, len))
        return cli_usage(c, f, cli_tr(c, "区域列表过长", "area too long"));
    if (given == NULL)
        out[0] = '\0';
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_view(c->node, "villages", &json, &err);
    json_t *all = code == 0 ? json_loads(json, 0, NULL) : NULL;
    hz_free_string(json);
    if (all == NULL)
        return cli_fail(c, code != 0 ? code : HZ_ENOMEM, &err);
    sheet_cap_villages(cap, all, out, len);
    json_decref(all);
    return EXIT_OK;
}

int cmd_alert_import(struct cli *c, struct form *f)
{
    struct sheet_cap *cap = calloc(1, sizeof *cap);
    char villages[AREA_LEN_MAX] = "", grids[AREA_LEN_MAX] = "";
    if (cap == NULL)
        return cli_fail(c, HZ_ENOMEM, NULL);
    struct hz_err err = {0};
    int code = sheet_cap_read(form_get(f, "FILE"), cap, &err);
    if (code != 0) {
        free(cap);
        return cli_fail_text(c, code,
                             cli_tr(c, "不是可读的 CAP 1.2 预警文件，未写入",
                                    "not a readable CAP 1.2 alert; nothing"
                                    " written"),
                             &err);
    }
    char seen[HZ_ROW_HEX_LEN + 1];
    if (store_alert_notice(c->node, cap->sender, cap->identifier, seen)) {
        fprintf(stderr, "huzhu: %s\n",
                cli_tr(c, "此预警已导入过，未重复写入",
                       "this alert was imported before; nothing written"));
        printf(c->json ? "{\"id\":\"%s\"}\n" : "%s\n", seen);
        free(cap);
        return EXIT_OK;
    }
    int rv = cap_villages(c, f, cap, villages, sizeof villages);
    const char *g = form_get(f, "--grids");
    if (rv == EXIT_OK && g != NULL && !area_list(g, grids, sizeof grids))
        rv = cli_usage(c, f, cli_tr(c, "区域列表过长", "area too long"));
    if (rv != EXIT_OK) {
        free(cap);
        return rv;
    }
    struct sheet_cap_notice buf;
    struct hz_field extra[SHEET_CAP_FIELDS];
    size_t n = sheet_cap_notice(cap, villages, grids, &buf, extra);
    rv = cli_put_row(c, f, "warning_notices", NULL, n, extra);
    if (rv == EXIT_OK && villages[0] == '\0' && grids[0] == '\0')
        fprintf(stderr, "huzhu: %s\n",
                cli_tr(c,
                       "预警区域未匹配到本节点的村/社区: 请用 alert add --id"
                       " 补上 --villages",
                       "the area names no village of this node: add"
                       " --villages with alert add --id"));
    free(cap);
    return rv;
}
