/* cmd_domain.c - friendly commands for people: register households with
 * their members, persons, sites and items; check people in and out;
 * receive, distribute and count stock; record warnings; show views.
 * Each command is one user action: one batch, one entry. Which option
 * sets which column is in the command table (main.c); the parser has
 * put those columns into the form already. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Vulnerability flags: columns, with the words people use for them. */
static const struct {
    const char *col;
    const char *zh;
} flags[] = {
    {"elderly_mobility", "行动不便老人"},
    {"disabled", "残疾"},
    {"no_caretaker", "无人照料儿童"},
    {"left_behind", "留守"},
    {"pregnant", "孕妇"},
    {"chronic", "慢性病"},
};

_Static_assert(sizeof flags / sizeof flags[0] == CLI_FLAGS_MAX,
               "--flag may name each flag once");

/* A member: name, sex, year of birth, then its flags. */
#define MEMBER_PARTS_MAX (3 + CLI_FLAGS_MAX)

static const char *flag_col(const char *word)
{
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(word, flags[i].col) == 0 || strcmp(word, flags[i].zh) == 0)
            return flags[i].col;
    }
    return NULL;
}

/* A member's problem, by the part's position: the text is not repeated,
 * it may be someone's phone number typed in the wrong place. */
static int member_refused(struct cli *c, size_t part, const char *zh,
                          const char *en)
{
    fprintf(stderr, "huzhu: %s %zu: %s\n",
            cli_tr(c, "成员信息第", "member part"), part, cli_tr(c, zh, en));
    return EXIT_USAGE;
}

/* One member: "name,sex,birth_year[,flag...]" (sex and year may be
 * empty), added to @b as a person of @household; its id into @ids. */
static int add_member(struct cli *c, hz_batch *b, const char *text,
                      const char *household, json_t *ids)
{
    /* The parser bounded the text to CLI_TEXT_LEN_MAX bytes. */
    char spec[CLI_TEXT_LEN_MAX + 1];
    snprintf(spec, sizeof spec, "%s", text);
    /* A full-width comma (，) separates as well as ",". */
    for (char *p = strstr(spec, "，"); p != NULL; p = strstr(p, "，")) {
        p[0] = ',';
        memmove(p + 1, p + 3, strlen(p + 3) + 1);
    }
    struct hz_field f[1 + MEMBER_PARTS_MAX];
    size_t n = 0;
    f[n++] = (struct hz_field){"household", household};
    static const char *const pos[] = {"name", "sex", "birth_year"};
    char *rest = spec;
    for (size_t i = 0; rest != NULL; i++) {
        if (i == MEMBER_PARTS_MAX)
            return member_refused(c, i + 1, "部分太多", "one part too many");
        /* Fields may be empty ("测试乙,,2015"): split without skipping. */
        char *part = rest;
        char *comma = strchr(rest, ',');
        rest = comma != NULL ? comma + 1 : NULL;
        if (comma != NULL)
            *comma = '\0';
        if (part[0] == '\0')
            continue;
        if (i < 3)
            f[n++] = (struct hz_field){pos[i], part};
        else if (flag_col(part) != NULL)
            f[n++] = (struct hz_field){flag_col(part), "true"};
        else
            return member_refused(c, i + 1, "不是已知的标记",
                                  "is not a known flag");
    }
    struct hz_err err = {0};
    char id[HZ_ROW_HEX_LEN + 1];
    int code = hz_batch_put(b, "persons", NULL, n, f, id, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    json_array_append_new(ids, json_string(id));
    return EXIT_OK;
}

/* The value the form gives column @col, or NULL. */
static const char *form_col(const struct form *f, const char *col)
{
    for (size_t i = 0; i < f->n_f; i++)
        if (strcmp(f->f[i].col, col) == 0 && f->f[i].value[0] != '\0')
            return f->f[i].value;
    return NULL;
}

/* The persons and households the node holds that a household or person
 * being added may repeat (hz_node_duplicates), asked before it is
 * written; an empty array when there is nothing to compare. */
static json_t *registration_dups(struct cli *c, struct form *f,
                                 const char *table, size_t n_members)
{
    json_t *o = json_object(), *members = json_array();
    const char *v;
    if (strcmp(table, "persons") == 0) {
        json_t *m = json_object();
        static const char *const cols[] = {"name", "id_number", "phone"};
        for (size_t i = 0; i < 3; i++)
            if ((v = form_col(f, cols[i])) != NULL)
                json_object_set_new(m, cols[i], json_string(v));
        if ((v = form_col(f, "birth_year")) != NULL)
            json_object_set_new(m, "birth_year", json_integer(atoll(v)));
        json_array_append_new(members, m);
    } else if (strcmp(table, "households") == 0) {
        if ((v = form_col(f, "village")) != NULL)
            json_object_set_new(o, "village", json_string(v));
        if ((v = form_col(f, "phone")) != NULL)
            json_object_set_new(o, "phone", json_string(v));
        /* Each --member's name and year ("name,sex,year,..."). */
        for (size_t i = 0; i < n_members; i++) {
            char spec[CLI_TEXT_LEN_MAX + 1];
            snprintf(spec, sizeof spec, "%s", form_nth(f, "--member", i));
            char *sex = strchr(spec, ',');
            char *year = sex != NULL ? strchr(sex + 1, ',') : NULL;
            if (sex != NULL)
                *sex = '\0';
            json_t *m = json_pack("{s:s}", "name", spec);
            if (year != NULL && atoll(year + 1) > 0)
                json_object_set_new(m, "birth_year",
                                    json_integer(atoll(year + 1)));
            json_array_append_new(members, m);
        }
    }
    json_object_set_new(o, "members", members);
    char *in = json_dumps(o, JSON_COMPACT), *out = NULL;
    json_decref(o);
    struct hz_err err = {0};
    json_t *found = NULL;
    if (in != NULL && hz_node_duplicates(c->node, in, &out, &err) == 0)
        found = json_loads(out, 0, NULL);
    hz_free_string(out);
    free(in);
    return found != NULL ? found : json_array();
}

/* Say what a new row may repeat: on stderr for people, never stopping
 * the write (a coordinator decides; huzhu dups lists them again). */
static void warn_dups(struct cli *c, json_t *dups)
{
    size_t i;
    json_t *d;
    json_array_foreach(dups, i, d)
    {
        const char *why = json_string_value(json_object_get(d, "why"));
        const char *kind = json_string_value(json_object_get(d, "kind"));
        fprintf(stderr,
                TR_FMT(c, "huzhu: 可能与已登记的%s %s 重复 (%s)\n",
                       "huzhu: may repeat the registered %s %s (%s)\n"),
                strcmp(kind, "person") == 0 ? cli_tr(c, "人员", "person")
                                            : cli_tr(c, "住户", "household"),
                json_string_value(json_object_get(d, "id")),
                strcmp(why, "id_number") == 0
                    ? cli_tr(c, "身份证号相同", "same ID number")
                : strcmp(why, "phone") == 0
                    ? cli_tr(c, "电话相同", "same phone")
                    : cli_tr(c, "同名、同出生年、同村",
                             "same name, birth year and village"));
    }
}

/* Print a new row's id, then "  成员 ID" per member; or the JSON. */
static void print_added(struct cli *c, const char *id, json_t *members,
                        json_t *dups)
{
    if (c->json) {
        json_t *o = json_pack("{s:s}", "id", id);
        if (json_array_size(members) > 0)
            json_object_set(o, "members", members);
        if (json_array_size(dups) > 0)
            json_object_set(o, "possible_duplicates", dups);
        char *s = json_dumps(o, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(o);
        return;
    }
    printf("%s\n", id);
    size_t i;
    json_t *v;
    json_array_foreach(members, i, v)
    {
        printf("  %s %s\n", cli_tr(c, "成员", "member"), json_string_value(v));
    }
    warn_dups(c, dups);
}

/* Write one row of @table from the form's columns, with the first
 * @n_members --member of the form as persons of it, in one batch. */
static int add_entity(struct cli *c, struct form *f, const char *table,
                      size_t n_members)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char id[HZ_ROW_HEX_LEN + 1];
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code =
            hz_batch_put(b, table, form_get(f, "--id"), f->n_f, f->f, id, &err);
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, &err);
    }
    json_t *members = json_array();
    int rv = EXIT_OK;
    for (size_t i = 0; rv == EXIT_OK && i < n_members; i++)
        rv = add_member(c, b, form_nth(f, "--member", i), id, members);
    json_t *dups = rv == EXIT_OK && form_get(f, "--id") == NULL
                       ? registration_dups(c, f, table, n_members)
                       : json_array();
    if (rv == EXIT_OK)
        rv = cli_commit(c, b);
    hz_batch_close(b);
    if (rv == EXIT_OK)
        print_added(c, id, members, dups);
    json_decref(members);
    json_decref(dups);
    return rv;
}

int cmd_household_add(struct cli *c, struct form *f)
{
    /* Members are counted into the household's members column. */
    size_t n_members = form_count(f, "--member");
    char count[24];
    snprintf(count, sizeof count, "%zu", n_members);
    struct hz_field members = {"members", count};
    int rv = n_members > 0 ? form_fields(c, f, 1, &members) : EXIT_OK;
    return rv == EXIT_OK ? add_entity(c, f, "households", n_members) : rv;
}

int cmd_person_add(struct cli *c, struct form *f)
{
    for (size_t i = 0; i < form_count(f, "--flag"); i++) {
        struct hz_field flag = {flag_col(form_nth(f, "--flag", i)), "true"};
        if (flag.col == NULL)
            return cli_usage(c, f, cli_tr(c, "未知的标记", "unknown flag"));
        int rv = form_fields(c, f, 1, &flag);
        if (rv != EXIT_OK)
            return rv;
    }
    return add_entity(c, f, "persons", 0);
}

int cmd_site_add(struct cli *c, struct form *f)
{
    int rv = cli_coords_ok(c, f);
    return rv == EXIT_OK ? add_entity(c, f, "sites", 0) : rv;
}

int cmd_item_add(struct cli *c, struct form *f)
{
    return add_entity(c, f, "items", 0);
}

/* Insert one event row of @table from the form's columns. */
/* Commit @b, whose puts ended with @code, and print @id (the event's). */
static int commit_event(struct cli *c, hz_batch *b, int code,
                        const struct hz_err *err, const char *id)
{
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, err);
    }
    int rv = cli_commit(c, b);
    hz_batch_close(b);
    if (rv == EXIT_OK)
        printf(c->json ? "{\"id\":\"%s\"}\n" : "%s\n", id);
    return rv;
}

static int put_event(struct cli *c, struct form *f, const char *table)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char row[HZ_ROW_HEX_LEN + 1];
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = hz_batch_put(b, table, form_get(f, "--id"), f->n_f, f->f, row,
                            &err);
    return commit_event(c, b, code, &err, row);
}

static json_t *open_stays(struct cli *c, const char *person);

/* A person already checked in at the site is not checked in again (a
 * second open stay there, which no check-out could then tell apart);
 * the same check-in given again with its --id is a retry, as for any
 * event. */
int cmd_checkin(struct cli *c, struct form *f)
{
    const char *site = form_get(f, "SITE"), *id = form_get(f, "--id");
    json_t *stays = open_stays(c, form_get(f, "PERSON"));
    size_t i;
    json_t *v;
    bool here = false;
    json_array_foreach(stays, i, v)
    {
        const char *s = json_string_value(json_object_get(v, "site"));
        const char *st = json_string_value(json_object_get(v, "stay"));
        here = here || (s != NULL && strcmp(s, site) == 0 &&
                        (id == NULL || st == NULL || strcmp(st, id) != 0));
    }
    json_decref(stays);
    if (here)
        return cli_refused(c, EXIT_INPUT, "此人已在该安置点入住",
                           "this person is already checked in at this site");
    struct hz_field kind = {"kind", "in"};
    int rv = form_fields(c, f, 1, &kind);
    return rv == EXIT_OK ? put_event(c, f, "stays") : rv;
}

/* The open check-ins of @person (from the presence view). */
static json_t *open_stays(struct cli *c, const char *person)
{
    char *json = NULL;
    struct hz_err err = {0};
    if (hz_node_view(c->node, "presence", &json, &err) != 0)
        return NULL;
    json_t *all = json_loads(json, 0, NULL);
    hz_free_string(json);
    json_t *mine = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        const char *p = json_string_value(json_object_get(v, "person"));
        if (p != NULL && strcmp(p, person) == 0)
            json_array_append(mine, v);
    }
    json_decref(all);
    return mine;
}

/* Whether open stay @v (a presence row) is at @site (NULL: anywhere). */
static bool stay_at(json_t *v, const char *site)
{
    const char *s = json_string_value(json_object_get(v, "site"));
    return site == NULL || (s != NULL && strcmp(s, site) == 0);
}

/* The person leaves the one site they are checked in at (or --site):
 * every open stay of theirs there is closed, in one batch (two nodes
 * that checked the same person in there each left one). */
int cmd_checkout(struct cli *c, struct form *f)
{
    const char *person = form_get(f, "PERSON");
    const char *site = form_get(f, "--site");
    json_t *stays = open_stays(c, person);
    const char *at = NULL;
    size_t i, matches = 0;
    bool several = false;
    json_t *v;
    json_array_foreach(stays, i, v)
    {
        if (!stay_at(v, site))
            continue;
        const char *s = json_string_value(json_object_get(v, "site"));
        several = several || (at != NULL && s != NULL && strcmp(s, at) != 0);
        at = at != NULL ? at : s;
        matches++;
    }
    if (matches == 0 || several || at == NULL) {
        fprintf(stderr, "huzhu: %s\n",
                matches == 0
                    ? cli_tr(c, "此人当前未在任何安置点入住",
                             "this person is not checked in anywhere")
                    : cli_tr(c, "此人在多个安置点入住，请用 --site 指定",
                             "checked in at several sites: name one with"
                             " --site"));
        json_decref(stays);
        return matches == 0 ? EXIT_NOTFOUND : EXIT_INPUT;
    }
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char row[HZ_ROW_HEX_LEN + 1], first[HZ_ROW_HEX_LEN + 1] = "";
    int code = hz_batch_open(c->node, &b, &err);
    json_array_foreach(stays, i, v)
    {
        if (code != 0 || !stay_at(v, at))
            continue;
        const struct hz_field cols[] = {
            {"person", person},
            {"site", at},
            {"kind", "out"},
            {"closes", json_string_value(json_object_get(v, "stay"))}};
        code = hz_batch_put(b, "stays", first[0] ? NULL : form_get(f, "--id"),
                            4, cols, row, &err);
        if (code == 0 && first[0] == '\0')
            memcpy(first, row, sizeof first);
    }
    json_decref(stays);
    return commit_event(c, b, code, &err, first);
}

/* on_hand of (site, item) from the stock view; 0 if none. */
static long long on_hand(struct cli *c, const char *site, const char *item)
{
    char *json = NULL;
    struct hz_err err = {0};
    long long q = 0;
    if (hz_node_view(c->node, "stock", &json, &err) != 0)
        return 0;
    json_t *all = json_loads(json, 0, NULL);
    hz_free_string(json);
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        const char *s = json_string_value(json_object_get(v, "site"));
        const char *it = json_string_value(json_object_get(v, "item"));
        if (s && it && strcmp(s, site) == 0 && strcmp(it, item) == 0)
            q = json_integer_value(json_object_get(v, "on_hand"));
    }
    json_decref(all);
    return q;
}

/* The verb is the subcommand: its kind and the sign of its qty. */
int cmd_stock(struct cli *c, struct form *f)
{
    static const struct {
        const char *verb, *kind;
        int sign;
    } verbs[] = {
        {"receive", "received", 1},
        {"donate", "donated", 1},
        {"distribute", "distributed", -1},
        {"lose", "lost", -1},
        {"transfer-out", "transfer_out", -1},
        {"transfer-in", "transfer_in", 1},
        {"count", "counted", 0},
    };
    size_t v = 0;
    while (v < sizeof verbs / sizeof verbs[0] &&
           strcmp(verbs[v].verb, f->sub->name) != 0)
        v++;
    if (v == sizeof verbs / sizeof verbs[0])
        cli_bug("stock has no kind for", f->sub->name);
    /* The parser took QTY as a whole number up to CLI_QTY_MAX. */
    long long qty = (long long)strtoull(form_get(f, "QTY"), NULL, 10);
    if (qty == 0 && verbs[v].sign != 0)
        return cli_usage(
            c, f, cli_tr(c, "数量应为正整数", "QTY is a positive integer"));
    char qty_text[32], counted[32];
    long long delta = verbs[v].sign * qty;
    struct hz_field cols[3] = {{"kind", verbs[v].kind}, {"qty", qty_text}};
    size_t n_cols = 2;
    if (verbs[v].sign == 0) {
        /* A count records the counted value and the adjustment against
         * this node's own view (DECISIONS 10). */
        delta = qty - on_hand(c, form_get(f, "SITE"), form_get(f, "ITEM"));
        snprintf(counted, sizeof counted, "%lld", qty);
        cols[n_cols++] = (struct hz_field){"counted", counted};
    }
    snprintf(qty_text, sizeof qty_text, "%lld", delta);
    int rv = form_fields(c, f, n_cols, cols);
    return rv == EXIT_OK ? put_event(c, f, "stock_moves") : rv;
}

int cmd_warn(struct cli *c, struct form *f)
{
    return put_event(c, f, "warnings");
}

int cmd_damage(struct cli *c, struct form *f)
{
    return put_event(c, f, "damage");
}

int cmd_relief(struct cli *c, struct form *f)
{
    static const char *const opts[2][2] = {{"--cash", "cash_fen"},
                                           {"--goods-value", "goods_fen"}};
    char fen[2][24];
    struct hz_field cols[2];
    size_t n = 0;
    for (size_t k = 0; k < 2; k++) {
        const char *v = form_get(f, opts[k][0]);
        if (v == NULL)
            continue;
        if (!cli_yuan_to_fen(v, fen[k], sizeof fen[k]))
            return cli_usage(c, f,
                             cli_tr(c,
                                    "金额须为元，最多两位小数(如 500 或 12.50)",
                                    "amounts are yuan, at most 2 decimals"
                                    " (500 or 12.50)"));
        cols[n++] = (struct hz_field){opts[k][1], fen[k]};
    }
    int rv = form_fields(c, f, n, cols);
    return rv == EXIT_OK ? put_event(c, f, "relief") : rv;
}

struct show {
    const char *view;
    const char *cols[10];
    const char *zh[10];
    const char *en[10];
    const char *fmt[10];
    size_t n;
};

static const struct show shows[] = {
    {"occupancy",
     {"name", "kind", "present", "capacity", "m2_per_person", "site"},
     {"安置点", "类型", "在住人数", "容量", "人均面积(㎡)", "编号"},
     {"site", "kind", "present", "capacity", "m2/person", "id"},
     {"", "e:sites.kind", "", "", "", ""},
     6},
    {"presence",
     {"name", "site_name", "since", "person", "several_sites"},
     {"姓名", "安置点", "入住时间", "人员编号", "多处入住"},
     {"name", "site", "since", "person", "several sites"},
     {"", "", "t", "", "b"},
     5},
    {"stock",
     {"site_name", "item_name", "on_hand", "unit", "moves"},
     {"地点", "物资", "库存", "单位", "记录数"},
     {"site", "item", "on hand", "unit", "moves"},
     {"", "", "", "", ""},
     5},
    {"received",
     {"head_name", "item_name", "received", "unit", "times"},
     {"户主", "物资", "已领取", "单位", "次数"},
     {"head", "item", "received", "unit", "times"},
     {"", "", "", "", ""},
     5},
    {"vulnerable",
     {"name", "birth_year", "elderly_mobility", "disabled", "no_caretaker",
      "left_behind", "pregnant", "chronic", "site_name"},
     {"姓名", "出生", "行动不便", "残疾", "无人照料", "留守", "孕妇", "慢病",
      "所在安置点"},
     {"name", "born", "mobility", "disabled", "no carer", "left-behind",
      "pregnant", "chronic", "site"},
     {"", "", "b", "b", "b", "b", "b", "b", ""},
     9},
    {"unaccounted",
     {"why", "name", "birth_year", "flags", "head_name", "village",
      "household_status", "warned", "person"},
     {"原因", "姓名", "出生", "重点人员", "户主", "村/社区", "户状态", "已通知",
      "人员编号"},
     {"reason", "name", "born", "vulnerable", "head", "village",
      "household status", "warned", "person"},
     {"", "", "", "", "", "", "e:households.status", "b", ""},
     9},
    {"village",
     {"village", "head_name", "status", "cadre", "warned_method", "warned_time",
      "persons", "placed", "unaccounted_persons", "sites"},
     {"村/社区", "户主", "户状态", "包保责任人", "通知方式", "通知时间", "人数",
      "在安置点", "未落实", "所在安置点"},
     {"village", "head", "status", "cadre", "warned by", "warned at", "persons",
      "at a site", "unaccounted", "sites"},
     {"", "", "e:households.status", "", "e:warnings.method", "t", "", "", "",
      ""},
     10},
    {"villages",
     {"village", "households", "persons", "placed", "warned",
      "unaccounted_households", "unaccounted_persons"},
     {"村/社区", "户数", "人数", "在安置点", "已通知户", "未落实户",
      "未落实人"},
     {"village", "households", "persons", "at a site", "warned",
      "households unaccounted", "persons unaccounted"},
     {"", "", "", "", "", "", ""},
     7},
    {"volunteer_hours",
     {"name", "site_name", "task", "minutes", "periods", "open", "volunteer"},
     {"志愿者", "服务地点", "任务", "分钟", "次数", "未签退", "志愿者编号"},
     {"volunteer", "site", "task", "minutes", "periods", "open", "id"},
     {"", "", "", "", "", "", ""},
     7},
};

/* "unaccounted" for people: the reason and the flags in words, and the
 * totals under the table (proto/schema.md, "Who is not accounted for"). */
static void print_unaccounted(const struct cli *c, json_t *view,
                              const struct show *s)
{
    static const char *const why[][3] = {
        {"missing", "失踪", "missing"},
        {"unreachable", "户未联系上", "household unreachable"},
        {"not_contacted", "户尚未联系", "household never contacted"},
        {"no_place", "去向不明", "no known place"},
    };
    bool zh = c->lang == LANG_ZH;
    json_t *rows = json_object_get(view, "rows"), *row;
    size_t i;
    json_array_foreach(rows, i, row)
    {
        const char *r = json_string_value(json_object_get(row, "reason"));
        for (size_t k = 0; r != NULL && k < sizeof why / sizeof why[0]; k++) {
            if (strcmp(r, why[k][0]) == 0)
                json_object_set_new(row, "why",
                                    json_string(why[k][zh ? 1 : 2]));
        }
        char words[256] = "";
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
            if (json_integer_value(json_object_get(row, flags[k].col)) == 1)
                snprintf(words + strlen(words), sizeof words - strlen(words),
                         "%s%s", words[0] ? "," : "",
                         hz_column_label("persons", flags[k].col,
                                         zh ? HZ_LANG_ZH : HZ_LANG_EN));
        }
        json_object_set_new(row, "flags", json_string(words));
    }
    cli_print_table(c, rows, s->cols, zh ? s->zh : s->en, s->fmt, s->n);
    json_t *t = json_object_get(view, "totals");
#define T(k) (long long)json_integer_value(json_object_get(t, k))
    printf(zh ? "共 %lld 户 %lld 人；在安置点 %lld 人；未联系上 %lld 户；"
                "未落实 %lld 户、%lld 人\n"
              : "%lld households, %lld persons; %lld at a site; %lld "
                "households unreachable; not accounted for: %lld households, "
                "%lld persons\n",
           T("households"), T("persons"), T("sheltered"), T("unreachable"),
           T("unaccounted_households"), T("unaccounted_persons"));
#undef T
}

/* Rows of a view written as they come, as one JSON array. */
struct shown {
    size_t rows;
};

static int show_row(void *data, const char *json, struct hz_err *err)
{
    (void)err;
    struct shown *s = data;
    if (s->rows++ > 0)
        fputc(',', stdout);
    fputs(json, stdout);
    return 0;
}

/* The view is the subcommand. */
int cmd_show(struct cli *c, struct form *f)
{
    const struct show *s = NULL;
    for (size_t i = 0; i < sizeof shows / sizeof shows[0]; i++) {
        if (strcmp(shows[i].view, f->sub->name) == 0)
            s = &shows[i];
    }
    if (s == NULL)
        cli_bug("show has no columns for", f->sub->name);
    struct hz_err err = {0};
    /* row by row: a township's households are never held at once (all
     * views but unaccounted's rows and totals) */
    bool of_rows = strcmp(s->view, "unaccounted") != 0;
    if (of_rows && c->json) {
        struct shown out = {0};
        fputc('[', stdout);
        int code = hz_node_view_rows(c->node, s->view, show_row, &out, &err);
        if (code != 0)
            return cli_fail(c, code, &err);
        fputs("]\n", stdout);
        return EXIT_OK;
    }
    if (of_rows) {
        struct cli_table t;
        if (cli_table_open(&t, c, s->cols, c->lang == LANG_ZH ? s->zh : s->en,
                           s->fmt, s->n) != 0)
            return cli_refused(c, EXIT_FAIL, "无法创建临时文件",
                               "cannot make a temporary file");
        int code = hz_node_view_rows(c->node, s->view, cli_table_row, &t, &err);
        if (code != 0) {
            fclose(t.fp);
            return cli_fail(c, code, &err);
        }
        return cli_table_print(&t) == 0
                   ? EXIT_OK
                   : cli_refused(c, EXIT_FAIL, "临时文件读取失败",
                                 "the temporary file could not be read");
    }
    char *json = NULL;
    int code = hz_node_view(c->node, s->view, &json, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json) {
        cli_print_json_text(json);
    } else {
        json_t *rows = json_loads(json, 0, NULL);
        if (json_is_object(rows))
            print_unaccounted(c, rows, s);
        else
            cli_print_table(c, rows, s->cols,
                            c->lang == LANG_ZH ? s->zh : s->en, s->fmt, s->n);
        json_decref(rows);
    }
    hz_free_string(json);
    return EXIT_OK;
}
