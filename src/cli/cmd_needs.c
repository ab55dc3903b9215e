/* cmd_needs.c - needs, offers and matching (供需对接) for people: need
 * add|ls|show|close, offer add|ls|show, match suggest|commit|ls|cancel|
 * receive. Lists come from the library's views (needs, offers, matches)
 * and suggestions from hz_node_report "match_suggestions", as the web's
 * do. What the log cannot judge (a need, offer, organisation or site that
 * does not exist, a promise of more than is left, a closed need, a
 * cancelled promise) is refused before anything is written (DECISIONS 4;
 * the node checks matches and receipts again, needs.c). proto/cli.md is
 * the contract. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The derived states of needs and offers (proto/schema.md, "Needs,
 * offers and matches") as people read them. */
static const struct {
    const char *state, *zh, *en;
} states[] = {
    {"open", "待对接", "open"},
    {"promised", "已承诺", "promised"},
    {"partly_met", "部分满足", "partly met"},
    {"met", "已满足", "met"},
    {"closed", "已关闭", "closed"},
    {"cancelled", "已取消", "cancelled"},
    {"available", "可提供", "available"},
    {"delivered", "已送达", "delivered"},
    {"withdrawn", "已撤回", "withdrawn"},
};

static const char *state_text(const struct cli *c, const char *state)
{
    for (size_t i = 0; state != NULL && i < sizeof states / sizeof *states; i++)
        if (strcmp(states[i].state, state) == 0)
            return cli_tr(c, states[i].zh, states[i].en);
    return state != NULL ? state : "";
}

/* Each row's state_text, and "超额承诺" marked where over_promised. */
static void add_state_text(const struct cli *c, json_t *rows)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char text[96];
        snprintf(text, sizeof text, "%s%s",
                 state_text(c, json_string_value(json_object_get(r, "state"))),
                 json_integer_value(json_object_get(r, "over_promised")) != 0
                     ? cli_tr(c, " (超额承诺!)", " (over-promised!)")
                     : "");
        json_object_set_new(r, "state_text", json_string(text));
    }
}

/* A need (@offer false) or an offer: --site, --item and (an offer's)
 * --org name live rows; an offer's --from is not after its --until;
 * times into the row as Unix seconds. */
static int need_or_offer_put(struct cli *c, struct form *f, bool offer)
{
    int rv = EXIT_OK;
    if (form_get(f, "--site") != NULL)
        rv = cli_must_exist(c, "sites", form_get(f, "--site"), "地点", "site");
    if (rv == EXIT_OK && form_get(f, "--item") != NULL)
        rv = cli_must_exist(c, "items", form_get(f, "--item"), "物资品类",
                            "item");
    if (rv == EXIT_OK && offer && form_get(f, "--org") != NULL)
        rv = cli_must_exist(c, "organisations", form_get(f, "--org"), "组织",
                            "organisation");
    static const char *const opts[] = {"--needed-by", "--from", "--until"};
    static const char *const cols[] = {"needed_by", "available_from",
                                       "available_until"};
    long long t[3] = {0, 0, 0};
    char text[3][24];
    struct hz_field extra[3];
    size_t n = 0;
    for (size_t k = offer ? 1 : 0; rv == EXIT_OK && k < (offer ? 3u : 1u);
         k++) {
        if (form_get(f, opts[k]) == NULL)
            continue;
        rv = cli_when_opt(c, f, opts[k], &t[k]);
        snprintf(text[k], sizeof text[k], "%lld", t[k]);
        extra[n++] = (struct hz_field){cols[k], text[k]};
    }
    if (rv == EXIT_OK && t[1] != 0 && t[2] != 0 && t[2] < t[1])
        rv = cli_usage(
            c, f, cli_tr(c, "--until 早于 --from", "--until is before --from"));
    if (rv != EXIT_OK)
        return rv;
    return cli_put_row(c, f, offer ? "offers" : "needs", form_get(f, "--id"), n,
                       extra);
}

/* ---- needs */

int cmd_need_add(struct cli *c, struct form *f)
{
    if (form_get(f, "--site") == NULL && form_get(f, "--village") == NULL)
        return cli_usage(c, f,
                         cli_tr(c, "需求须给出 --site 或 --village",
                                "a need names --site or --village"));
    return need_or_offer_put(c, f, false);
}

static void print_needs(const struct cli *c, json_t *rows)
{
    add_state_text(c, rows);
    static const char *const cols[] = {"what",      "qty",       "unit",
                                       "urgency",   "site_name", "village",
                                       "promised",  "received",  "state_text",
                                       "needed_by", "need"};
    static const char *const zh[] = {
        "物资/服务", "数量",   "单位", "紧急程度", "地点", "村/社区",
        "已承诺",    "已到货", "状态", "需要时间", "编号"};
    static const char *const en[] = {
        "item or service", "qty",      "unit",  "urgency",   "site", "village",
        "promised",        "received", "state", "needed by", "id"};
    static const char *const fmt[] = {
        "", "", "", "e:needs.urgency", "", "", "", "", "", "t", ""};
    cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 11);
}

/* --state as the wire name of one of @allowed (NULL-terminated): given
 * so, or as the label the table shows (待对接, "partly met"); NULL when
 * not given. Anything else is a usage error (an empty list would say
 * there are none). */
static int state_wanted(struct cli *c, struct form *f,
                        const char *const *allowed, const char **want)
{
    const char *s = form_get(f, "--state");
    *want = NULL;
    if (s == NULL)
        return EXIT_OK;
    for (size_t k = 0; allowed[k] != NULL; k++) {
        const char *zh = allowed[k], *en = allowed[k];
        for (size_t i = 0; i < sizeof states / sizeof *states; i++)
            if (strcmp(states[i].state, allowed[k]) == 0) {
                zh = states[i].zh;
                en = states[i].en;
            }
        if (strcmp(s, allowed[k]) == 0 || strcmp(s, zh) == 0 ||
            strcmp(s, en) == 0) {
            *want = allowed[k];
            return EXIT_OK;
        }
    }
    char why[256];
    size_t len =
        (size_t)snprintf(why, sizeof why, "%s",
                         cli_tr(c, "--state 只能是:", "--state is one of:"));
    for (size_t k = 0; allowed[k] != NULL && len < sizeof why; k++)
        len += (size_t)snprintf(why + len, sizeof why - len, " %s", allowed[k]);
    return cli_usage(c, f, why);
}

/* Only the rows whose state is @want, when given. */
static json_t *with_state(const char *want, json_t *rows)
{
    if (want == NULL)
        return rows;
    json_t *keep = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *s = json_string_value(json_object_get(r, "state"));
        if (s != NULL && strcmp(s, want) == 0)
            json_array_append(keep, r);
        else if (strcmp(want, "over_promised") == 0 &&
                 json_integer_value(json_object_get(r, "over_promised")))
            json_array_append(keep, r);
    }
    json_decref(rows);
    return keep;
}

/* need ls and offer ls: the rows of @view, narrowed by --site and
 * --state, printed by @print. */
static int list_of(struct cli *c, struct form *f, const char *view,
                   const char *const *allowed,
                   void (*print)(const struct cli *c, json_t *rows))
{
    const char *want = NULL;
    int usage = state_wanted(c, f, allowed, &want);
    if (usage != EXIT_OK)
        return usage;
    json_t *rows = NULL;
    int rv = cli_view_rows_by(c, view, "site", form_get(f, "--site"), "sites",
                              "地点", "site", &rows);
    if (rv != EXIT_OK)
        return rv;
    rows = with_state(want, rows);
    if (c->json)
        cli_print_json_obj(rows);
    else
        print(c, rows);
    json_decref(rows);
    return EXIT_OK;
}

int cmd_need_ls(struct cli *c, struct form *f)
{
    static const char *const allowed[] = {
        "open",   "promised",  "partly_met",    "met",
        "closed", "cancelled", "over_promised", NULL};
    return list_of(c, f, "needs", allowed, print_needs);
}

static void print_matches(const struct cli *c, json_t *rows)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_object_set_new(
            r, "state_text",
            json_string(json_is_null(json_object_get(r, "cancelled_by"))
                            ? cli_tr(c, "有效", "live")
                            : cli_tr(c, "已取消", "cancelled")));
    }
    static const char *const cols[] = {
        "need_what", "need_site_name", "need_village", "organisation_name",
        "qty",       "received",       "state_text",   "time",
        "match"};
    static const char *const zh[] = {"需求",   "需求地点", "需求村/社区",
                                     "供给方", "承诺数量", "已到货",
                                     "状态",   "承诺时间", "编号"};
    static const char *const en[] = {"need",       "need site", "need village",
                                     "offered by", "promised",  "received",
                                     "state",      "time",      "id"};
    static const char *const fmt[] = {"", "", "", "", "", "", "", "t", ""};
    cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 9);
}

int cmd_need_show(struct cli *c, struct form *f)
{
    int rv;
    json_t *need = cli_view_row(c, "needs", "need", form_get(f, "NEED"), "需求",
                                "need", &rv);
    if (need == NULL)
        return rv;
    json_t *ms = NULL;
    rv = cli_view_rows(c, "matches", "need", form_get(f, "NEED"), &ms);
    if (rv != EXIT_OK) {
        json_decref(need);
        return rv;
    }
    json_object_set_new(need, "match_list", ms);
    if (c->json) {
        cli_print_json_obj(need);
    } else {
        static const char *const cols[] = {"what", "category", "qty",
                                           "unit", "urgency",  "village",
                                           "note", "status"};
        cli_print_fields(c, "needs", need, cols, sizeof cols / sizeof *cols);
        const char *site =
            json_string_value(json_object_get(need, "site_name"));
        if (site != NULL)
            printf("%s: %s\n", cli_tr(c, "地点", "site"), site);
        json_t *one = json_array();
        json_array_append(one, need);
        add_state_text(c, one);
        json_decref(one);
        printf(TR_FMT(c, "已承诺 %lld，已到货 %lld；状态: %s\n",
                      "promised %lld, received %lld; state: %s\n"),
               (long long)json_integer_value(json_object_get(need, "promised")),
               (long long)json_integer_value(json_object_get(need, "received")),
               json_string_value(json_object_get(need, "state_text")));
        if (json_array_size(ms) > 0)
            print_matches(c, ms);
    }
    json_decref(need);
    return EXIT_OK;
}

int cmd_need_close(struct cli *c, struct form *f)
{
    const char *id = form_get(f, "NEED");
    int rv = cli_must_exist(c, "needs", id, "需求", "need");
    if (rv != EXIT_OK)
        return rv;
    const struct hz_field st = {
        "status", form_get(f, "--cancel") != NULL ? "cancelled" : "closed"};
    return cli_put_row(c, f, "needs", id, 1, &st);
}

/* ---- offers */

int cmd_offer_add(struct cli *c, struct form *f)
{
    return need_or_offer_put(c, f, true);
}

static void print_offers(const struct cli *c, json_t *rows)
{
    add_state_text(c, rows);
    static const char *const cols[] = {"what",       "qty",
                                       "unit",       "organisation_name",
                                       "site_name",  "village",
                                       "promised",   "delivered",
                                       "state_text", "available_until",
                                       "offer"};
    static const char *const zh[] = {
        "物资/服务", "数量",   "单位", "提供组织",   "地点", "村/社区",
        "已承诺",    "已送达", "状态", "可提供截止", "编号"};
    static const char *const en[] = {"item or service", "qty",       "unit",
                                     "organisation",    "site",      "village",
                                     "promised",        "delivered", "state",
                                     "until",           "id"};
    static const char *const fmt[] = {"", "", "", "",  "", "",
                                      "", "", "", "t", ""};
    cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 11);
}

int cmd_offer_ls(struct cli *c, struct form *f)
{
    static const char *const allowed[] = {"available",     "promised",
                                          "delivered",     "withdrawn",
                                          "over_promised", NULL};
    return list_of(c, f, "offers", allowed, print_offers);
}

int cmd_offer_show(struct cli *c, struct form *f)
{
    int rv;
    json_t *offer = cli_view_row(c, "offers", "offer", form_get(f, "OFFER"),
                                 "供给", "offer", &rv);
    if (offer == NULL)
        return rv;
    json_t *ms = NULL;
    rv = cli_view_rows(c, "matches", "offer", form_get(f, "OFFER"), &ms);
    if (rv != EXIT_OK) {
        json_decref(offer);
        return rv;
    }
    json_object_set_new(offer, "match_list", ms);
    if (c->json) {
        cli_print_json_obj(offer);
    } else {
        json_t *one = json_array();
        json_array_append(one, offer);
        print_offers(c, one);
        json_decref(one);
        if (json_array_size(ms) > 0)
            print_matches(c, ms);
    }
    json_decref(offer);
    return EXIT_OK;
}

/* ---- matches */

int cmd_match_suggest(struct cli *c, struct form *f)
{
    struct hz_report_opts o = {.id = form_get(f, "--need"),
                               .now = (int64_t)time(NULL)};
    json_t *rep = NULL;
    int rv = cli_report(c, "match_suggestions", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        cli_print_json_obj(rep);
    } else {
        json_t *rows = json_object_get(rep, "suggestions");
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            json_t *d = json_object_get(r, "distance_km");
            char km[32] = "";
            if (json_is_number(d))
                snprintf(km, sizeof km, "%.1f", json_number_value(d));
            json_object_set_new(r, "km", json_string(km));
        }
        static const char *const cols[] = {"need_what",
                                           "need_site_name",
                                           "need_village",
                                           "urgency",
                                           "offer_what",
                                           "organisation_name",
                                           "offer_village",
                                           "qty",
                                           "km",
                                           "need",
                                           "offer"};
        static const char *const zh[] = {
            "需求",     "需求地点", "需求村/社区", "紧急程度",
            "供给",     "供给方",   "供给村/社区", "建议数量",
            "距离(km)", "需求编号", "供给编号"};
        static const char *const en[] = {
            "need",  "need site",  "need village",  "urgency",
            "offer", "offered by", "offer village", "qty",
            "km",    "need id",    "offer id"};
        static const char *const fmt[] = {
            "", "", "", "e:needs.urgency", "", "", "", "", "", "", ""};
        cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 11);
        printf(TR_FMT(c,
                      "共 %zu 条建议(按紧急程度、匹配程度、数量、距离排序)\n",
                      "%zu suggestions (by urgency, likeness, quantity,"
                      " distance)\n"),
               json_array_size(rows));
    }
    json_decref(rep);
    return EXIT_OK;
}

/* What is left to promise of a need or an offer (@row of its view), and
 * whether it takes promises at all; the refusal printed. One without a
 * quantity takes promises without limit. */
static int left_for(struct cli *c, json_t *row, long long qty, bool need)
{
    const char *st = json_string_value(json_object_get(row, "state"));
    if (need && st != NULL &&
        (strcmp(st, "closed") == 0 || strcmp(st, "cancelled") == 0))
        return cli_refused(c, EXIT_INPUT, "该需求已关闭或取消，不能再承诺",
                           "the need is closed or cancelled: no more"
                           " promises");
    if (!need && st != NULL && strcmp(st, "withdrawn") == 0)
        return cli_refused(c, EXIT_INPUT, "该供给已撤回，不能承诺",
                           "the offer is withdrawn: no promises");
    /* Without a quantity (a service): promises without limit. */
    json_t *has = json_object_get(row, "qty");
    long long left = json_integer_value(has) -
                     json_integer_value(json_object_get(row, "promised"));
    if (!json_is_integer(has) || qty <= left)
        return EXIT_OK;
    fprintf(stderr,
            TR_FMT(c, "huzhu: 承诺数量 %lld 超过%s尚未承诺的 %lld\n",
                   "huzhu: %lld is more than the %s has left to promise"
                   " (%lld)\n"),
            qty, cli_tr(c, need ? "需求" : "供给", need ? "need" : "offer"),
            left < 0 ? 0 : left);
    return EXIT_INPUT;
}

int cmd_match_commit(struct cli *c, struct form *f)
{
    long long qty = (long long)strtoull(form_get(f, "--qty"), NULL, 10);
    if (qty <= 0)
        return cli_usage(
            c, f, cli_tr(c, "--qty 须为正整数", "--qty is a positive integer"));
    int rv;
    json_t *need = cli_view_row(c, "needs", "need", form_get(f, "NEED"), "需求",
                                "need", &rv);
    json_t *offer =
        need != NULL ? cli_view_row(c, "offers", "offer", form_get(f, "OFFER"),
                                    "供给", "offer", &rv)
                     : NULL;
    if (offer != NULL)
        rv = left_for(c, need, qty, true);
    if (offer != NULL && rv == EXIT_OK)
        rv = left_for(c, offer, qty, false);
    json_decref(need);
    json_decref(offer);
    if (rv != EXIT_OK)
        return rv;
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)time(NULL));
    const struct hz_field when = {"time", at};
    return cli_put_row(c, f, "matches", form_get(f, "--id"), 1, &when);
}

int cmd_match_ls(struct cli *c, struct form *f)
{
    json_t *rows = NULL;
    int rv = cli_view_rows_by(c, "matches", "need", form_get(f, "--need"),
                              "needs", "需求", "need", &rows);
    if (rv != EXIT_OK)
        return rv;
    if (c->json)
        cli_print_json_obj(rows);
    else
        print_matches(c, rows);
    json_decref(rows);
    return EXIT_OK;
}

/* The live promise MATCH (owned), or NULL with the refusal printed. */
static json_t *live_promise(struct cli *c, struct form *f, int *rv)
{
    json_t *m = cli_view_row(c, "matches", "match", form_get(f, "MATCH"),
                             "承诺", "match", rv);
    if (m != NULL && !json_is_null(json_object_get(m, "cancelled_by"))) {
        *rv = cli_refused(c, EXIT_INPUT, "该承诺已取消",
                          "the match was cancelled");
        json_decref(m);
        m = NULL;
    }
    return m;
}

int cmd_match_cancel(struct cli *c, struct form *f)
{
    int rv;
    json_t *m = live_promise(c, f, &rv);
    if (m == NULL)
        return rv;
    char at[24], qty[24], need[HZ_ROW_HEX_LEN + 1], offer[HZ_ROW_HEX_LEN + 1];
    snprintf(at, sizeof at, "%lld", (long long)time(NULL));
    snprintf(qty, sizeof qty, "%lld",
             (long long)json_integer_value(json_object_get(m, "qty")));
    snprintf(need, sizeof need, "%s",
             json_string_value(json_object_get(m, "need")));
    snprintf(offer, sizeof offer, "%s",
             json_string_value(json_object_get(m, "offer")));
    json_decref(m);
    const struct hz_field cols[5] = {{"need", need},
                                     {"offer", offer},
                                     {"qty", qty},
                                     {"reverses", form_get(f, "MATCH")},
                                     {"time", at}};
    return cli_put_row(c, f, "matches", form_get(f, "--id"), 5, cols);
}

/* The id column @key of the live row @id of @table into @out (empty when
 * it has none). */
static void ref_of(struct cli *c, const char *table, const char *id,
                   const char *key, char *out, size_t len)
{
    int rv;
    out[0] = '\0';
    if (id == NULL)
        return;
    json_t *row = cli_live_row(c, table, id, "", "", &rv);
    const char *v = json_string_value(json_object_get(row, key));
    if (v != NULL)
        snprintf(out, len, "%s", v);
    json_decref(row);
}

int cmd_match_receive(struct cli *c, struct form *f)
{
    long long qty = (long long)strtoull(form_get(f, "--qty"), NULL, 10);
    if (qty <= 0)
        return cli_usage(
            c, f, cli_tr(c, "--qty 须为正整数", "--qty is a positive integer"));
    long long t = (long long)time(NULL);
    int rv = cli_when_opt(c, f, "--time", &t);
    json_t *m = rv == EXIT_OK ? live_promise(c, f, &rv) : NULL;
    if (m == NULL)
        return rv;
    char need[HZ_ROW_HEX_LEN + 1], offer[HZ_ROW_HEX_LEN + 1];
    snprintf(need, sizeof need, "%s",
             json_string_value(json_object_get(m, "need")));
    snprintf(offer, sizeof offer, "%s",
             json_string_value(json_object_get(m, "offer")));
    json_decref(m);
    /* Into stock at the need's site, of the need's (else the offer's)
     * item, unless the command says otherwise. */
    char site[HZ_ROW_HEX_LEN + 1], item[HZ_ROW_HEX_LEN + 1];
    ref_of(c, "needs", need, "site", site, sizeof site);
    ref_of(c, "needs", need, "item", item, sizeof item);
    if (item[0] == '\0')
        ref_of(c, "offers", offer, "item", item, sizeof item);
    if (form_get(f, "--site") != NULL)
        snprintf(site, sizeof site, "%s", form_get(f, "--site"));
    if (form_get(f, "--item") != NULL)
        snprintf(item, sizeof item, "%s", form_get(f, "--item"));
    if (site[0] == '\0' || item[0] == '\0')
        return cli_usage(c, f,
                         cli_tr(c,
                                "需求没有地点或物资品类: 请给出 --site 和"
                                " --item",
                                "the need has no site or item: give --site"
                                " and --item"));
    rv = cli_must_exist(c, "sites", site, "地点", "site");
    if (rv == EXIT_OK)
        rv = cli_must_exist(c, "items", item, "物资品类", "item");
    if (rv != EXIT_OK)
        return rv;
    char q[24], at[24];
    snprintf(q, sizeof q, "%lld", qty);
    snprintf(at, sizeof at, "%lld", t);
    const struct hz_field cols[6] = {
        {"kind", "received"}, {"match", form_get(f, "MATCH")},
        {"qty", q},           {"site", site},
        {"item", item},       {"time", at}};
    return cli_put_row(c, f, "stock_moves", form_get(f, "--id"), 6, cols);
}
