/* cmd_trust.c - the network and its members: network create, its root
 * key's backup and restore, admit, join, revoke, members, rekey
 * (proto/cli.md; proto/trust.md). Their parameters, and the node opened
 * for them, are in the command table (main.c). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A passphrase from @file (its first line), or typed at the terminal
 * without echo (twice when @confirm). NULL on failure, after a message. */
static char *passphrase(struct cli *c, const char *file, bool confirm)
{
    return cli_secret(c, file, false, confirm, "口令", "passphrase");
}

static void print_network(struct cli *c, const char *id, const char *name,
                          const char *zh, const char *en)
{
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s}", "network", id, "name", name);
        char *s = json_dumps(o, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        printf("%s\n%s: %s\n", cli_tr(c, zh, en),
               cli_tr(c, "网络编号", "network id"), id);
    }
}

int cmd_network_recovery_code(struct cli *c, struct form *f)
{
    (void)f;
    char *s = NULL;
    struct hz_err err = {0};
    int code = hz_network_recovery_code(c->node, &s, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json) {
        printf("{\"code\":\"%s\"}\n", s);
    } else {
        printf("%s\n\n%s\n\n%s\n",
               cli_tr(c, "网络根密钥恢复码(抄写或打印后妥善保管)：",
                      "Network root key recovery code (write it down "
                      "or print it, and keep it safe):"),
               s,
               cli_tr(c,
                      "持有此码者即可管理本网络。恢复：在新设备上 "
                      "huzhu init 后运行 huzhu network restore --code 恢复码",
                      "Whoever holds it can run this network. To "
                      "restore: huzhu init on new hardware, then huzhu "
                      "network restore --code CODE"));
    }
    hz_free_string(s);
    return EXIT_OK;
}

int cmd_network_backup_key(struct cli *c, struct form *f)
{
    const char *file = form_get(f, "FILE");
    char *pass = passphrase(c, form_get(f, "--passphrase-file"), true);
    if (pass == NULL)
        return EXIT_USAGE;
    struct hz_err err = {0};
    int code = hz_network_backup_key(c->node, file, pass, &err);
    free(pass);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json)
        printf("{\"backup\":true}\n");
    else
        printf("%s → %s\n",
               cli_tr(c, "网络根密钥已加密备份", "root key backed up"), file);
    return EXIT_OK;
}

int cmd_network_restore(struct cli *c, struct form *f)
{
    const char *file = form_get(f, "--file");
    const char *name = form_get(f, "--name");
    /* A file is sealed with a passphrase; a recovery code needs none. */
    char *pass = NULL;
    if (file != NULL) {
        pass = passphrase(c, form_get(f, "--passphrase-file"), false);
        if (pass == NULL)
            return EXIT_USAGE;
    }
    char *id = NULL;
    struct hz_err err = {0};
    int code = hz_network_restore(c->node, file, form_get(f, "--code"), pass,
                                  name, &id, &err);
    free(pass);
    if (code != 0)
        return cli_fail(c, code, &err);
    print_network(c, id, name ? name : "",
                  "已恢复网络根密钥，本节点为管理员。请导入其他节点的数据包。",
                  "Root key restored; this node is an admin. Import the "
                  "other nodes' bundles.");
    hz_free_string(id);
    return EXIT_OK;
}

int cmd_network_create(struct cli *c, struct form *f)
{
    const char *name = form_get(f, "--name");
    char *id = NULL;
    struct hz_err err = {0};
    int code = hz_network_create(c->node, name, &id, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json) {
        print_network(c, id, name, NULL, NULL);
    } else {
        printf("%s\n%s: %s\n%s: %s\n%s\n",
               cli_tr(c, "网络已创建，本节点为管理员。",
                      "Network created; this node is its admin."),
               cli_tr(c, "网络名称", "network name"), name,
               cli_tr(c, "网络编号", "network id"), id,
               cli_tr(c,
                      "网络根密钥保存在节点目录的 network.key 中：请备份，"
                      "切勿外传。接纳设备：huzhu admit 公钥 --name 名称 "
                      "--role 角色",
                      "The network root key is in network.key in the node "
                      "directory: back it up and never share it. Admit a "
                      "device: huzhu admit KEY --name NAME --role ROLE"));
    }
    hz_free_string(id);
    return EXIT_OK;
}

int cmd_admit(struct cli *c, struct form *f)
{
    const char *days = form_get(f, "--valid-days");
    struct hz_admission a = {
        .key = form_get(f, "KEY"),
        .name = form_get(f, "--name"),
        .role = form_get(f, "--role"),
        .site = form_get(f, "--site"),
        /* The parser took N as a whole number from 1 to 36500. */
        .valid_days = days != NULL ? (unsigned)strtoul(days, NULL, 10) : 0,
        .admits = form_count(f, "--admits") > 0,
    };
    char *token = NULL;
    struct hz_err err = {0};
    int code = hz_admit(c->node, &a, &token, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "key", a.key, "role", a.role,
                              "token", token);
        char *s = json_dumps(o, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        printf("%s\n%s\n\n%s\n",
               cli_tr(c, "已接纳该设备，证书已写入日志。",
                      "Device admitted; its certificate is in the log."),
               cli_tr(c, "请在该设备上运行以下命令(令牌只有该设备能打开)：",
                      "On that device run (only it can open the token):"),
               cli_tr(c, "  huzhu join 令牌", "  huzhu join TOKEN"));
        printf("%s\n", token);
    }
    hz_free_string(token);
    return EXIT_OK;
}

static char *read_token_file(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 16384);
    size_t n = buf ? fread(buf, 1, 16383, f) : 0;
    if (f != stdin)
        fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        /* the token is one word: stop at the first blank */
        buf[strcspn(buf, " \t\r\n")] = '\0';
    }
    return buf;
}

int cmd_join(struct cli *c, struct form *f)
{
    const char *file = form_get(f, "--file");
    char *token = file ? read_token_file(file) : strdup(form_get(f, "TOKEN"));
    if (token == NULL) {
        fprintf(stderr, "huzhu: %s: %s\n", file ? file : "",
                cli_tr(c, "无法读取令牌", "cannot read the token"));
        return EXIT_NOTFOUND;
    }
    char *summary = NULL;
    struct hz_err err = {0};
    int code = hz_join(c->node, token, &summary, &err);
    free(token);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json) {
        cli_print_json_text(summary);
    } else {
        json_t *s = json_loads(summary, 0, NULL);
        printf("%s\n%s: %s (%s)\n%s: %s\n%s: %lld\n",
               cli_tr(c, "已加入网络。", "Joined the network."),
               cli_tr(c, "网络", "network"),
               json_string_value(json_object_get(s, "network_name")),
               json_string_value(json_object_get(s, "network")),
               cli_tr(c, "角色", "role"),
               json_string_value(json_object_get(s, "role")),
               cli_tr(c, "重新签发的本机记录", "own records re-issued"),
               (long long)json_integer_value(json_object_get(s, "reissued")));
        long long denied =
            json_integer_value(json_object_get(s, "reissued_denied"));
        if (denied > 0)
            printf("%s: %lld\n",
                   cli_tr(c, "其中本角色无权写入、已保留但不生效",
                          "of which this role may not write (kept, not "
                          "applied)"),
                   denied);
        json_decref(s);
    }
    hz_free_string(summary);
    return EXIT_OK;
}

int cmd_revoke(struct cli *c, struct form *f)
{
    /* The parser took SEQ as a whole number up to INT64_MAX. */
    const char *cut = form_get(f, "--after");
    uint64_t after = cut != NULL ? strtoull(cut, NULL, 10) : 0;
    char *summary = NULL;
    struct hz_err err = {0};
    int code = hz_revoke(c->node, form_get(f, "KEY"), cut != NULL, after,
                         &summary, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json) {
        cli_print_json_text(summary);
    } else {
        json_t *s = json_loads(summary, 0, NULL);
        long long seq = json_integer_value(json_object_get(s, "after_seq"));
        printf("%s\n", cli_tr(c, "已吊销该设备。", "Device revoked."));
        if (seq > 0)
            printf("%s %lld (%s %.16s…)\n",
                   cli_tr(c, "保留其截至第", "Its entries are kept up to seq"),
                   seq, cli_tr(c, "条为止的记录；条目", "; entry"),
                   json_string_value(json_object_get(s, "after_id")));
        else
            printf("%s\n", cli_tr(c,
                                  "本节点未持有该设备的任何条目：它的所有条目"
                                  "都不会生效。",
                                  "This node holds no entry of that device: "
                                  "none of its entries will apply."));
        printf("%s: %lld\n",
               cli_tr(c, "本节点撤回的条目", "entries taken back here"),
               (long long)json_integer_value(
                   json_object_get(s, "withdrawn_here")));
        json_decref(s);
    }
    hz_free_string(summary);
    return EXIT_OK;
}

int cmd_members(struct cli *c, struct form *f)
{
    (void)f;
    int rv;
    json_t *m = cli_run_json(c, hz_members, &rv);
    if (m == NULL)
        return rv;
    if (!json_is_true(json_object_get(m, "networked"))) {
        printf("%s\n", cli_tr(c,
                              "本节点尚未加入网络(huzhu network create 或 "
                              "huzhu join)。",
                              "This node is in no network yet (huzhu network "
                              "create, or huzhu join)."));
        json_decref(m);
        return EXIT_OK;
    }
    printf("%s: %s (%s)\n", cli_tr(c, "网络", "network"),
           json_string_value(json_object_get(m, "network_name")),
           json_string_value(json_object_get(m, "network")));
    /* Roles in the reader's language. */
    static const char *const role_zh[][2] = {{"admin", "管理员"},
                                             {"coordinator", "协调员"},
                                             {"site", "安置点"},
                                             {"viewer", "观察员"}};
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(m, "members"), i, row)
    {
        const char *r = json_string_value(json_object_get(row, "role"));
        for (size_t k = 0; c->lang == LANG_ZH && r != NULL && k < 4; k++) {
            if (strcmp(r, role_zh[k][0]) == 0) {
                json_object_set_new(row, "role", json_string(role_zh[k][1]));
                break;
            }
        }
    }
    static const char *const cols[] = {
        "name",     "role",    "key",    "site",          "current",
        "last_seq", "applied", "denied", "revoked_after", "fork_point"};
    const char *const zh[] = {"名称",     "角色",   "公钥", "站点",   "有效",
                              "最后条目", "已应用", "被拒", "吊销于", "分叉于"};
    const char *const en[] = {"name",          "role",   "key",     "site",
                              "current",       "last",   "applied", "denied",
                              "revoked after", "fork at"};
    static const char *const fmts[] = {"", "", "", "", "b", "", "", "", "", ""};
    cli_print_table(c, json_object_get(m, "members"), cols,
                    c->lang == LANG_ZH ? zh : en, fmts, 10);
    json_t *unknown = json_object_get(m, "without_certificate");
    if (json_array_size(unknown) > 0) {
        printf("\n%s\n", cli_tr(c, "写过条目但没有证书的设备(条目未生效)：",
                                "Devices with entries but no certificate "
                                "(not applied):"));
        static const char *const ucols[] = {"key", "last_seq", "denied"};
        const char *const uzh[] = {"公钥", "最后条目", "被拒"};
        const char *const uen[] = {"key", "last", "denied"};
        cli_print_table(c, unknown, ucols, c->lang == LANG_ZH ? uzh : uen, NULL,
                        3);
    }
    json_decref(m);
    return EXIT_OK;
}

int cmd_rekey(struct cli *c, struct form *f)
{
    (void)f;
    int rv;
    json_t *s = cli_run_json(c, hz_node_rekey, &rv);
    if (s == NULL)
        return rv;
    printf("%s\n%s: %s\n%s: %s\n%s: %lld\n",
           cli_tr(c, "本节点已更换密钥，旧密钥不再签名。",
                  "This node has a new key; the old one signs nothing more."),
           cli_tr(c, "新公钥", "new key"),
           json_string_value(json_object_get(s, "key")),
           cli_tr(c, "旧公钥", "old key"),
           json_string_value(json_object_get(s, "old_key")),
           cli_tr(c, "以新密钥重新签发的记录", "records re-issued under it"),
           (long long)json_integer_value(json_object_get(s, "reissued")));
    if (json_is_true(json_object_get(s, "networked")))
        printf(
            "%s\n",
            cli_tr(c,
                   "请管理员接纳新公钥(huzhu admit 新公钥 --name 名称 --role "
                   "角色)，再在本机运行 huzhu join 令牌；在此之前本机的新记"
                   "录暂不生效。",
                   "Ask an admin to admit the new key (huzhu admit KEY "
                   "--name NAME --role ROLE), then run huzhu join TOKEN "
                   "here; until then new records here wait."));
    json_decref(s);
    return EXIT_OK;
}
