/* cmd_user.c - staff accounts of the web interface: user add, ls, rm,
 * passwd (proto/cli.md; DECISIONS 38). Accounts are this node's and never
 * replicated; a password is read from the terminal without echo (typed
 * twice) or from the first line of standard input, and only its Argon2id
 * hash is kept. */
#include "cli.h"

#include "../store/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The password for @name, checked for length; NULL after a message. */
static char *new_password(struct cli *c)
{
    char *pw = cli_secret(c, NULL, true, true, "密码", "password");
    struct hz_err err = {0};
    if (pw != NULL && store_password_check(pw, &err) != 0) {
        fprintf(stderr, "huzhu: %s\n",
                cli_tr(c, "密码须为 8 到 512 字节", err.msg));
        sodium_memzero(pw, strlen(pw));
        free(pw);
        return NULL;
    }
    return pw;
}

static void forget(char *pw)
{
    if (pw != NULL)
        sodium_memzero(pw, strlen(pw));
    free(pw);
}

int cmd_user_add(struct cli *c, struct form *f)
{
    struct store_account a = {0};
    const char *name = form_get(f, "NAME");
    const char *role = form_get(f, "--role");
    const char *site = form_get(f, "--site");
    struct hz_err err = {0};
    if (store_account_name_check(name, &err) != 0)
        return cli_usage(c, f,
                         cli_tr(c,
                                "账号名须为 1 到 64 字节的文字，"
                                "不含控制字符、首尾无空格",
                                err.msg));
    if (!store_account_role_known(role))
        return cli_usage(c, f,
                         cli_tr(c,
                                "角色须为 admin、coordinator、site、viewer 或 "
                                "health(卫生人员)",
                                "the role is admin, coordinator, site, viewer "
                                "or health"));
    bool health = strcmp(role, "health") == 0;
    if (!health && (strcmp(role, "site") == 0) != (site != NULL))
        return cli_usage(c, f,
                         cli_tr(c,
                                "site 角色须用 --site 指定安置点，health "
                                "角色可以指定，其他角色不用",
                                "a site account names its site with --site, "
                                "a health account may; no other role does"));
    if (site != NULL) {
        char *row = NULL;
        int rv = hz_node_get(c->node, "sites", site, &row, &err);
        hz_free_string(row);
        if (rv != 0)
            return cli_fail(c, rv, &err);
    }
    snprintf(a.name, sizeof a.name, "%s", name);
    snprintf(a.role, sizeof a.role, "%s", role);
    snprintf(a.site, sizeof a.site, "%s", site != NULL ? site : "");
    char *pw = new_password(c);
    if (pw == NULL)
        return EXIT_USAGE;
    int rv = store_password_hash(pw, a.hash, &err);
    forget(pw);
    if (rv == 0)
        rv = store_account_add(c->node, &a, &err);
    if (rv == HZ_EEXIST)
        return cli_fail_text(
            c, rv, cli_tr(c, "已有同名账号", "an account has that name"), &err);
    if (rv != 0)
        return cli_fail(c, rv, &err);
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s, s:s?, s:b}", "name", name, "role",
                              role, "site", site, "added", 1);
        char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
        printf("%s\n", s != NULL ? s : "{}");
        free(s);
        json_decref(o);
    } else {
        printf("%s %s (%s)\n", cli_tr(c, "已添加账号", "account added"), name,
               role);
    }
    return EXIT_OK;
}

int cmd_user_passwd(struct cli *c, struct form *f)
{
    const char *name = form_get(f, "NAME");
    struct store_account a;
    struct hz_err err = {0};
    int rv = store_account_get(c->node, name, &a, &err);
    if (rv != 0)
        return cli_fail_text(
            c, rv, cli_tr(c, "没有这个账号", "no such account"), &err);
    char *pw = new_password(c);
    if (pw == NULL)
        return EXIT_USAGE;
    rv = store_password_hash(pw, a.hash, &err);
    forget(pw);
    if (rv == 0)
        rv = store_account_set_hash(c->node, name, a.hash, true, &err);
    if (rv != 0)
        return cli_fail(c, rv, &err);
    if (c->json)
        printf("{\"name\":\"%s\",\"changed\":true}\n", name);
    else
        printf("%s %s %s\n", cli_tr(c, "已更改密码:", "password changed:"),
               name,
               cli_tr(c, "(其网页会话已结束)", "(its web sessions ended)"));
    return EXIT_OK;
}

int cmd_user_rm(struct cli *c, struct form *f)
{
    const char *name = form_get(f, "NAME");
    struct hz_err err = {0};
    int rv = store_account_remove(c->node, name, &err);
    if (rv != 0)
        return cli_fail_text(
            c, rv, cli_tr(c, "没有这个账号", "no such account"), &err);
    json_t *o = json_pack("{s:s, s:b}", "name", name, "removed", 1);
    if (c->json) {
        char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
        printf("%s\n", s != NULL ? s : "{}");
        free(s);
    } else {
        printf("%s %s %s\n", cli_tr(c, "已删除账号", "account removed"), name,
               cli_tr(c, "(其网页会话已结束)", "(its web sessions ended)"));
    }
    json_decref(o);
    return EXIT_OK;
}

int cmd_user_ls(struct cli *c, struct form *f)
{
    (void)f;
    char *json = NULL;
    struct hz_err err = {0};
    int rv = store_account_list(c->node, &json, &err);
    if (rv != 0)
        return cli_fail(c, rv, &err);
    if (c->json) {
        printf("%s\n", json);
        free(json);
        return EXIT_OK;
    }
    json_t *rows = json_loads(json, 0, NULL);
    free(json);
    static const char *const cols[] = {"name", "role", "site"};
    static const char *const zh[] = {"账号", "角色", "安置点"};
    static const char *const en[] = {"account", "role", "site"};
    if (json_array_size(rows) == 0)
        printf("%s\n",
               cli_tr(c, "(没有账号: huzhu user add 名称 --role 角色)",
                      "(no accounts: huzhu user add NAME --role ROLE)"));
    else
        cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, NULL, 3);
    json_decref(rows);
    return EXIT_OK;
}
