/* text.c - the words the command shows people: what each error code
 * means, in Simplified Chinese and in English (one table; the codes come
 * from include/huzhu/error.h), and usage and help, written from the
 * command table (main.c) so that they say what the parser accepts. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

struct text {
    int code;
    const char *zh;
    const char *en;
};

static const struct text texts[] = {
    {HZ_EINVAL, "参数不正确", "invalid argument"},
    {HZ_ENOMEM, "内存不足", "out of memory"},
    {HZ_EIO, "读写出错", "input/output error"},
    {HZ_EMALFORMED, "数据格式错误，已拒收，未做任何更改",
     "malformed data: refused, nothing changed"},
    {HZ_ETOOBIG, "超出大小限制，已拒收", "a size limit was exceeded: refused"},
    {HZ_EBADSIG, "签名校验失败(数据被篡改?)，已拒收，未做任何更改",
     "signature does not verify (tampered?): refused, nothing changed"},
    {HZ_ECHAIN, "日志链接不符", "entry does not link into its chain"},
    {HZ_EGAP, "缺少前序条目", "predecessor missing"},
    {HZ_EFORK, "发现同一设备的两份不同记录(分叉)",
     "two histories of one device (fork)"},
    {HZ_EVERSION, "数据来自更新版本的互助，请升级",
     "written by a newer huzhu: please upgrade"},
    {HZ_ESCHEMA, "未知的表、字段或取值", "unknown table, column or value"},
    {HZ_EVALUE, "取值不被接受", "value not accepted"},
    {HZ_ENETWORK, "数据属于另一个网络，已拒收，未做任何更改",
     "belongs to another network: refused, nothing changed"},
    {HZ_ENOTFOUND, "未找到", "not found"},
    {HZ_EEXIST, "已存在", "already exists"},
    {HZ_ENOTNODE, "不是互助节点目录(请先运行 huzhu init)",
     "not a huzhu node directory (run huzhu init first)"},
    {HZ_ECORRUPT, "本地数据校验失败", "local data fails its checks"},
    {HZ_EBUSY, "数据库忙，请稍后重试", "database is busy, try again"},
    {HZ_ENOSPC, "磁盘已满，未写入", "disk is full: nothing written"},
    {HZ_EDELETED, "该记录已删除", "this row was deleted"},
    {HZ_ECONFLICT, "同一编号已用于不同内容",
     "this id was used for other content"},
    {HZ_EREVOKED, "设备已被吊销", "device is revoked"},
    {HZ_EREADONLY, "存储为只读，只能查看和导出",
     "storage is read-only: reading and export only"},
    {HZ_EPERM, "本设备的角色无权进行此操作",
     "not allowed for this device's role"},
    {HZ_ENOCERT, "本设备尚无证书", "this device has no certificate yet"},
    {HZ_ECLONE, "本机密钥被另一台设备使用(复制的SD卡?)，已停止写入",
     "another device uses this node's key (cloned card?): writes stopped"},
};

const char *text_error(int code, enum cli_lang lang)
{
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (texts[i].code == code)
            return lang == LANG_ZH ? texts[i].zh : texts[i].en;
    }
    return lang == LANG_ZH ? "未知错误" : hz_strerror(code);
}

static bool is_option(const struct cli_param *p)
{
    return strncmp(p->name, "--", 2) == 0;
}

/* "--name NAME", "--admits" or "TABLE". */
static void print_plain(FILE *out, const struct cli_param *p)
{
    fputs(p->name, out);
    if (is_option(p) && p->arg != NULL)
        fprintf(out, " %s", p->arg);
}

/* The parameter as usage shows it: [optional], repeated... */
static void print_param(FILE *out, const struct cli_param *p)
{
    fputs(p->min == 0 ? "[" : "", out);
    print_plain(out, p);
    fputs(p->min == 0 ? "]" : "", out);
    fputs(p->max > 1 ? "..." : "", out);
}

/* Positionals in the table's order, then options; the two of a one_of
 * together where the first stands: "FILE|--resume". */
static void print_params(FILE *out, const struct cli_cmd *row)
{
    const char *const *one_of = row->one_of;
    for (int options = 0; options < 2; options++) {
        for (const struct cli_param *p = row->params; p && p->name; p++) {
            if (is_option(p) != (options == 1) ||
                (one_of[1] != NULL && strcmp(p->name, one_of[1]) == 0))
                continue;
            fputc(' ', out);
            if (one_of[0] == NULL || strcmp(p->name, one_of[0]) != 0) {
                print_param(out, p);
                continue;
            }
            print_plain(out, p);
            for (const struct cli_param *q = row->params; q->name; q++) {
                if (strcmp(q->name, one_of[1]) == 0) {
                    fputc('|', out);
                    print_plain(out, q);
                }
            }
        }
    }
}

/* Subcommands from @first on that take the same parameters as it: they
 * share a form ("show occupancy|presence|..."). */
static size_t same_form(const struct cli_cmd *first)
{
    size_t n = 1;
    while (first[n].name != NULL && first[n].params == first->params &&
           first[n].run == first->run)
        n++;
    return n;
}

/* One form of @cmd: the rows @first..@first+@n of its subcommands, or
 * @cmd itself when @first is NULL. */
static void print_form(FILE *out, const struct cli_cmd *cmd,
                       const struct cli_cmd *first, size_t n)
{
    fputs(cmd->name, out);
    for (size_t i = 0; first != NULL && i < n; i++)
        fprintf(out, "%s%s", i == 0 ? " " : "|", first[i].name);
    print_params(out, first != NULL ? first : cmd);
}

void text_usage(FILE *out, const char *lead, const char *indent,
                const struct cli_cmd *cmd, const struct cli_cmd *sub)
{
    if (cmd->subs == NULL || sub != NULL) {
        fputs(lead, out);
        print_form(out, cmd, sub, 1);
        fputc('\n', out);
        return;
    }
    for (const struct cli_cmd *s = cmd->subs; s->name != NULL;) {
        size_t n = same_form(s);
        fputs(s == cmd->subs ? lead : indent, out);
        print_form(out, cmd, s, n);
        fputc('\n', out);
        s += n;
    }
}

void text_help(const struct cli *c, FILE *out, const struct cli_cmd *cmds)
{
    fprintf(out, "%s\n\n",
            cli_tr(c, "互助 huzhu — 灾后离线互助登记与同步",
                   "huzhu — offline-first relief records that sync"));
    fprintf(out, "%s: huzhu [-d DIR] [--json] [--lang zh|en] COMMAND ...\n\n",
            cli_tr(c, "用法", "usage"));
    for (const struct cli_cmd *cmd = cmds; cmd->name != NULL; cmd++) {
        fprintf(out, "  %-12s %s\n", cmd->name, cli_tr(c, cmd->zh, cmd->en));
        text_usage(out, "      ", "      ", cmd, NULL);
    }
    fprintf(out, "\n%s\n",
            cli_tr(c,
                   "节点目录: -d DIR, 否则 $HUZHU_DIR, 否则"
                   " ~/.local/share/huzhu。日志级别: HUZHU_LOG=error|warn|"
                   "info|debug。各命令的参数: huzhu help COMMAND",
                   "Node directory: -d DIR, else $HUZHU_DIR, else"
                   " ~/.local/share/huzhu. Log level: HUZHU_LOG=error|warn|"
                   "info|debug. A command's parameters: huzhu help COMMAND"));
}

/* Each parameter of @row with what it means and how often it may come. */
static void help_params(const struct cli *c, FILE *out,
                        const struct cli_cmd *row)
{
    for (const struct cli_param *p = row->params; p && p->name; p++) {
        fputs("  ", out);
        print_plain(out, p);
        size_t len = strlen(p->name) +
                     (is_option(p) && p->arg != NULL ? 1 + strlen(p->arg) : 0);
        fprintf(out, "%*s%s", len < 24 ? (int)(24 - len) : 2, "",
                cli_tr(c, p->zh, p->en));
        if (p->max > 1)
            fprintf(out,
                    c->lang == LANG_ZH ? " (可重复，最多 %u 次)"
                                       : " (repeatable, at most %u times)",
                    p->max);
        fputc('\n', out);
    }
}

void text_help_cmd(const struct cli *c, FILE *out, const struct cli_cmd *cmd,
                   const struct cli_cmd *sub)
{
    fprintf(out, "huzhu %s — %s\n", cmd->name, cli_tr(c, cmd->zh, cmd->en));
    /* The rows to explain: one subcommand, every one, or the command. */
    const struct cli_cmd *s = sub != NULL ? sub : cmd->subs;
    while (s != NULL && s->name != NULL) {
        size_t n = sub != NULL ? 1 : same_form(s);
        fprintf(out, "\n%s: huzhu [-d DIR] ", cli_tr(c, "用法", "usage"));
        print_form(out, cmd, s, n);
        fputc('\n', out);
        for (size_t i = 0; i < n; i++)
            fprintf(out, "  %-24s%s\n", s[i].name, cli_tr(c, s[i].zh, s[i].en));
        help_params(c, out, s);
        s = sub != NULL ? NULL : s + n;
    }
    if (cmd->subs == NULL) {
        fprintf(out, "\n%s: huzhu [-d DIR] ", cli_tr(c, "用法", "usage"));
        print_form(out, cmd, NULL, 1);
        fputc('\n', out);
        help_params(c, out, cmd);
    }
}

static json_t *json_param(const struct cli_param *p)
{
    static const char *const kinds[] = {"text", "path", "token", "field",
                                        "uint"};
    json_t *o = json_pack("{s:s, s:s?, s:s, s:s?, s:I, s:I, s:I}", "name",
                          p->name, "value", is_option(p) ? p->arg : NULL,
                          "kind", kinds[p->kind], "column", p->col, "min",
                          (json_int_t)p->min, "max", (json_int_t)p->max,
                          "len_max", (json_int_t)cli_len_max(p->kind));
    if (o != NULL && p->kind == KIND_UINT) {
        json_object_set_new(o, "lo", json_integer((json_int_t)p->lo));
        json_object_set_new(o, "hi", json_integer((json_int_t)p->hi));
    }
    return o;
}

/* One row that runs: @sub of @cmd, or @cmd itself when @sub is NULL. */
static json_t *json_row(const struct cli_cmd *cmd, const struct cli_cmd *sub)
{
    static const char *const nodes[] = {"none", "read", "write"};
    const struct cli_cmd *row = sub != NULL ? sub : cmd;
    char *usage = NULL;
    size_t usage_len = 0;
    FILE *mem = open_memstream(&usage, &usage_len);
    if (mem == NULL)
        return NULL;
    print_form(mem, cmd, sub, 1);
    fclose(mem);
    json_t *params = json_array();
    for (const struct cli_param *p = row->params; p && p->name; p++)
        json_array_append_new(params, json_param(p));
    json_t *one_of = json_array();
    for (size_t i = 0; i < 2 && row->one_of[i] != NULL; i++)
        json_array_append_new(one_of, json_string(row->one_of[i]));
    json_t *o =
        json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s, s:o, s:o}", "command",
                  cmd->name, "sub", sub != NULL ? sub->name : NULL, "node",
                  nodes[row->node], "usage", usage, "zh", row->zh, "en",
                  row->en, "one_of", one_of, "params", params);
    free(usage);
    return o;
}

int text_help_json(struct cli *c, const struct cli_cmd *cmds)
{
    json_t *rows = json_array();
    for (const struct cli_cmd *cmd = cmds; cmd->name != NULL; cmd++) {
        for (const struct cli_cmd *s = cmd->subs; s != NULL && s->name; s++)
            json_array_append_new(rows, json_row(cmd, s));
        if (cmd->subs == NULL)
            json_array_append_new(rows, json_row(cmd, NULL));
    }
    json_t *all = json_pack("{s:o}", "commands", rows);
    char *text = json_dumps(all, JSON_COMPACT);
    json_decref(all);
    if (text == NULL)
        return cli_fail(c, HZ_ENOMEM, NULL);
    cli_print_json_text(text);
    free(text);
    return EXIT_OK;
}
