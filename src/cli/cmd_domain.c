/* cmd_domain.c - friendly commands for people: register households with
 * their members, persons, sites and items; check people in and out;
 * receive, distribute and count stock; record warnings; show views.
 * Each command is one user action: one batch, one entry. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPTS_MAX 16

/* An option of a friendly command and the column it sets. */
struct optmap {
    const char *opt;
    const char *col;
};

static const struct optmap household_opts[] = {
    {"head", "head_name"},  {"village", "village"}, {"grid", "grid"},
    {"address", "address"}, {"phone", "phone"},     {"status", "status"},
    {"cadre", "cadre"},     {"notes", "notes"},     {"members", "members"},
    {NULL, NULL},
};
static const struct optmap person_opts[] = {
    {"household", "household"}, {"name", "name"},   {"sex", "sex"},
    {"born", "birth_year"},     {"phone", "phone"}, {"id-number", "id_number"},
    {"condition", "condition"}, {"notes", "notes"}, {NULL, NULL},
};
static const struct optmap site_opts[] = {
    {"name", "name"},    {"kind", "kind"},       {"capacity", "capacity"},
    {"area", "area_m2"}, {"address", "address"}, {"manager", "manager"},
    {"phone", "phone"},  {"open", "open"},       {NULL, NULL},
};
static const struct optmap item_opts[] = {
    {"name", "name"},
    {"unit", "unit"},
    {"category", "category"},
    {NULL, NULL},
};

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

static const char *flag_col(const char *word)
{
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (strcmp(word, flags[i].col) == 0 || strcmp(word, flags[i].zh) == 0)
            return flags[i].col;
    }
    return NULL;
}

struct form {
    struct hz_field f[OPTS_MAX + 8];
    size_t n;
    const char *id;
    char *members[64];
    size_t n_members;
};

/* Parse options named in @map, plus --id, --flag and --member. */
static int parse_form(struct cli *c, int argc, char **argv,
                      const struct optmap *map, const char *usage,
                      struct form *out)
{
    struct option opts[OPTS_MAX + 4];
    size_t k = 0;
    for (; map[k].opt != NULL; k++)
        opts[k] =
            (struct option){map[k].opt, required_argument, NULL, (int)(k + 1)};
    opts[k++] = (struct option){"id", required_argument, NULL, 'i'};
    opts[k++] = (struct option){"flag", required_argument, NULL, 'f'};
    opts[k++] = (struct option){"member", required_argument, NULL, 'm'};
    opts[k] = (struct option){NULL, 0, NULL, 0};
    memset(out, 0, sizeof *out);
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'i') {
            out->id = optarg;
        } else if (ch == 'f') {
            const char *col = flag_col(optarg);
            if (col == NULL || out->n >= OPTS_MAX + 7)
                return cli_usage(c, usage,
                                 cli_tr(c, "未知的标记", "unknown flag"));
            out->f[out->n++] = (struct hz_field){col, "true"};
        } else if (ch == 'm') {
            if (out->n_members == 64)
                return cli_usage(c, usage, NULL);
            out->members[out->n_members++] = optarg;
        } else if (ch >= 1 && ch <= OPTS_MAX) {
            out->f[out->n++] = (struct hz_field){map[ch - 1].col, optarg};
        } else {
            return cli_usage(c, usage, NULL);
        }
    }
    if (optind != argc)
        return cli_usage(c, usage, NULL);
    return EXIT_OK;
}

/* One member: "name,sex,birth_year[,flag...]" (sex and year may be
 * empty). */
static int add_member(struct cli *c, hz_batch *b, char *spec,
                      const char *household, char *id_out)
{
    struct hz_field f[16];
    size_t n = 0;
    f[n++] = (struct hz_field){"household", household};
    /* A full-width comma (，) separates as well as ",". */
    for (char *p = strstr(spec, "，"); p != NULL; p = strstr(p, "，")) {
        p[0] = ',';
        memmove(p + 1, p + 3, strlen(p + 3) + 1);
    }
    static const char *const pos[] = {"name", "sex", "birth_year"};
    char *rest = spec;
    for (size_t i = 0; rest != NULL && n < 16; i++) {
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
        else {
            /* The text is not repeated: it may be someone's phone number
             * typed in the wrong place. */
            fprintf(stderr, "huzhu: %s %zu: %s\n",
                    cli_tr(c, "成员信息第", "member part"), i + 1,
                    cli_tr(c, "不是已知的标记", "is not a known flag"));
            return EXIT_USAGE;
        }
    }
    struct hz_err err = {0};
    int code = hz_batch_put(b, "persons", NULL, n, f, id_out, &err);
    return code != 0 ? cli_fail(c, code, &err) : EXIT_OK;
}

static int add_entity(struct cli *c, int argc, char **argv, const char *table,
                      const struct optmap *map, const char *usage,
                      const char *required)
{
    if (argc < 2 || strcmp(argv[1], "add") != 0)
        return cli_usage(c, usage, NULL);
    struct form form;
    int rv = parse_form(c, argc - 1, argv + 1, map, usage, &form);
    if (rv != EXIT_OK)
        return rv;
    bool has_required = false;
    for (size_t i = 0; i < form.n; i++)
        has_required |= strcmp(form.f[i].col, required) == 0;
    if (!has_required)
        return cli_usage(c, usage,
                         cli_tr(c, "缺少必填项", "missing a required option"));
    if (form.n_members > 0 && strcmp(table, "households") != 0)
        return cli_usage(c, usage, NULL);
    char members_text[24];
    if (form.n_members > 0) {
        snprintf(members_text, sizeof members_text, "%zu", form.n_members);
        form.f[form.n++] = (struct hz_field){"members", members_text};
    }
    rv = cli_open(c, 0);
    if (rv != EXIT_OK)
        return rv;
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char id[HZ_ROW_HEX_LEN + 1];
    char member_ids[64][HZ_ROW_HEX_LEN + 1];
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = hz_batch_put(b, table, form.id, form.n, form.f, id, &err);
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, &err);
    }
    for (size_t i = 0; rv == EXIT_OK && i < form.n_members; i++)
        rv = add_member(c, b, form.members[i], id, member_ids[i]);
    if (rv == EXIT_OK)
        rv = cli_commit(c, b);
    hz_batch_close(b);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        printf("{\"id\":\"%s\"", id);
        if (form.n_members > 0) {
            printf(",\"members\":[");
            for (size_t i = 0; i < form.n_members; i++)
                printf("%s\"%s\"", i ? "," : "", member_ids[i]);
            printf("]");
        }
        printf("}\n");
    } else {
        printf("%s\n", id);
        for (size_t i = 0; i < form.n_members; i++)
            printf("  %s %s\n", cli_tr(c, "成员", "member"), member_ids[i]);
    }
    return EXIT_OK;
}

int cmd_household(struct cli *c, int argc, char **argv)
{
    return add_entity(c, argc, argv, "households", household_opts,
                      "household add --head NAME [--village V] [--address A]"
                      " [--phone P] [--status S] [--cadre C]"
                      " [--member NAME,SEX,YEAR[,FLAG...]]...",
                      "head_name");
}

int cmd_person(struct cli *c, int argc, char **argv)
{
    return add_entity(c, argc, argv, "persons", person_opts,
                      "person add --household ID --name NAME [--sex S]"
                      " [--born YEAR] [--flag FLAG]...",
                      "name");
}

int cmd_site(struct cli *c, int argc, char **argv)
{
    return add_entity(c, argc, argv, "sites", site_opts,
                      "site add --name NAME [--kind KIND] [--capacity N]"
                      " [--area M2]",
                      "name");
}

int cmd_item(struct cli *c, int argc, char **argv)
{
    return add_entity(c, argc, argv, "items", item_opts,
                      "item add --name NAME --unit UNIT [--category C]",
                      "name");
}

/* Insert one event row from @n fields. */
static int put_event(struct cli *c, const char *table, const char *id, size_t n,
                     const struct hz_field *f)
{
    int rv = c->node != NULL ? EXIT_OK : cli_open(c, 0);
    if (rv != EXIT_OK)
        return rv;
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char row[HZ_ROW_HEX_LEN + 1];
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = hz_batch_put(b, table, id, n, f, row, &err);
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, &err);
    }
    rv = cli_commit(c, b);
    hz_batch_close(b);
    if (rv == EXIT_OK)
        printf(c->json ? "{\"id\":\"%s\"}\n" : "%s\n", row);
    return rv;
}

int cmd_checkin(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"id", required_argument, NULL, 'i'},
                                         {"time", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    const char *id = NULL;
    struct hz_field f[5];
    size_t n = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'i')
            id = optarg;
        else if (ch == 't')
            f[n++] = (struct hz_field){"time", optarg};
        else
            return cli_usage(c, "checkin PERSON SITE", NULL);
    }
    if (argc - optind != 2)
        return cli_usage(c, "checkin PERSON SITE", NULL);
    f[n++] = (struct hz_field){"person", argv[optind]};
    f[n++] = (struct hz_field){"site", argv[optind + 1]};
    f[n++] = (struct hz_field){"kind", "in"};
    return put_event(c, "stays", id, n, f);
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

int cmd_checkout(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"site", required_argument, NULL, 's'},
                                         {"id", required_argument, NULL, 'i'},
                                         {NULL, 0, NULL, 0}};
    const char *usage = "checkout PERSON [--site SITE]";
    const char *site = NULL, *id = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 's')
            site = optarg;
        else if (ch == 'i')
            id = optarg;
        else
            return cli_usage(c, usage, NULL);
    }
    if (argc - optind != 1)
        return cli_usage(c, usage, NULL);
    const char *person = argv[optind];
    int rv = cli_open(c, 0);
    if (rv != EXIT_OK)
        return rv;
    json_t *stays = open_stays(c, person);
    json_t *pick = NULL;
    size_t i, matches = 0;
    json_t *v;
    json_array_foreach(stays, i, v)
    {
        const char *s = json_string_value(json_object_get(v, "site"));
        if (site == NULL || (s != NULL && strcmp(s, site) == 0)) {
            pick = v;
            matches++;
        }
    }
    if (matches != 1) {
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
    char stay[HZ_ROW_HEX_LEN + 1], at[HZ_ROW_HEX_LEN + 1];
    snprintf(stay, sizeof stay, "%s",
             json_string_value(json_object_get(pick, "stay")));
    snprintf(at, sizeof at, "%s",
             json_string_value(json_object_get(pick, "site")));
    json_decref(stays);
    struct hz_field f[] = {
        {"person", person}, {"site", at}, {"kind", "out"}, {"closes", stay}};
    return put_event(c, "stays", id, 4, f);
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

int cmd_stock(struct cli *c, int argc, char **argv)
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
    static const struct option opts[] = {
        {"household", required_argument, NULL, 'h'},
        {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 'f'},
        {"ref", required_argument, NULL, 'r'},
        {"id", required_argument, NULL, 'i'},
        {"time", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0}};
    const char *usage = "stock receive|donate|distribute|lose|transfer-in|"
                        "transfer-out|count SITE ITEM QTY [--household H]"
                        " [--from WHO] [--ref R] [--id ID]";
    if (argc < 2)
        return cli_usage(c, usage, NULL);
    size_t v = 0;
    while (v < sizeof verbs / sizeof verbs[0] &&
           strcmp(verbs[v].verb, argv[1]) != 0)
        v++;
    if (v == sizeof verbs / sizeof verbs[0])
        return cli_usage(c, usage, NULL);
    struct hz_field f[10];
    size_t n = 0;
    const char *id = NULL;
    int ch;
    argc--;
    argv++;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'h')
            f[n++] = (struct hz_field){"household", optarg};
        else if (ch == 'f')
            f[n++] = (struct hz_field){"counterpart", optarg};
        else if (ch == 'r')
            f[n++] = (struct hz_field){"reference", optarg};
        else if (ch == 't')
            f[n++] = (struct hz_field){"time", optarg};
        else if (ch == 'i')
            id = optarg;
        else
            return cli_usage(c, usage, NULL);
    }
    if (argc - optind != 3)
        return cli_usage(c, usage, NULL);
    char *end;
    long long qty = strtoll(argv[optind + 2], &end, 10);
    if (*end != '\0' || qty < 0 || (qty == 0 && verbs[v].sign != 0))
        return cli_usage(
            c, usage, cli_tr(c, "数量应为正整数", "QTY is a positive integer"));
    int rv = cli_open(c, 0);
    if (rv != EXIT_OK)
        return rv;
    char qty_text[32], counted[32];
    long long delta = verbs[v].sign * qty;
    if (verbs[v].sign == 0) {
        /* A count records the counted value and the adjustment against
         * this node's own view (DECISIONS 10). */
        delta = qty - on_hand(c, argv[optind], argv[optind + 1]);
        snprintf(counted, sizeof counted, "%lld", qty);
        f[n++] = (struct hz_field){"counted", counted};
    }
    snprintf(qty_text, sizeof qty_text, "%lld", delta);
    f[n++] = (struct hz_field){"site", argv[optind]};
    f[n++] = (struct hz_field){"item", argv[optind + 1]};
    f[n++] = (struct hz_field){"qty", qty_text};
    f[n++] = (struct hz_field){"kind", verbs[v].kind};
    return put_event(c, "stock_moves", id, n, f);
}

int cmd_warn(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"method", required_argument, NULL, 'm'},
        {"notice", required_argument, NULL, 'n'},
        {"by", required_argument, NULL, 'b'},
        {"id", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0}};
    const char *usage = "warn HOUSEHOLD --method M --notice TEXT [--by NAME]";
    struct hz_field f[6];
    size_t n = 0;
    const char *id = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == 'm')
            f[n++] = (struct hz_field){"method", optarg};
        else if (ch == 'n')
            f[n++] = (struct hz_field){"notice", optarg};
        else if (ch == 'b')
            f[n++] = (struct hz_field){"by", optarg};
        else if (ch == 'i')
            id = optarg;
        else
            return cli_usage(c, usage, NULL);
    }
    if (argc - optind != 1)
        return cli_usage(c, usage, NULL);
    f[n++] = (struct hz_field){"household", argv[optind]};
    return put_event(c, "warnings", id, n, f);
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
};

int cmd_show(struct cli *c, int argc, char **argv)
{
    const char *usage = "show occupancy|presence|stock|received|vulnerable";
    if (argc != 2)
        return cli_usage(c, usage, NULL);
    const struct show *s = NULL;
    for (size_t i = 0; i < sizeof shows / sizeof shows[0]; i++) {
        if (strcmp(shows[i].view, argv[1]) == 0)
            s = &shows[i];
    }
    if (s == NULL)
        return cli_usage(c, usage, NULL);
    int rv = cli_open(c, HZ_OPEN_READONLY);
    if (rv != EXIT_OK)
        return rv;
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_view(c->node, s->view, &json, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json) {
        cli_print_json_text(json);
    } else {
        json_t *rows = json_loads(json, 0, NULL);
        cli_print_table(c, rows, s->cols, c->lang == LANG_ZH ? s->zh : s->en,
                        s->fmt, s->n);
        json_decref(rows);
    }
    hz_free_string(json);
    return EXIT_OK;
}
