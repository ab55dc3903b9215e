/* main.c - the huzhu command: global options, then one subcommand.
 * It dispatches; the subcommands live in cmd_*.c. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cli_cmd cmds[] = {
    {"init", cmd_init, "init --name NAME", "创建节点", "create a node"},
    {"id", cmd_id, "id", "显示本节点公钥", "print this node's public key"},
    {"status", cmd_status, "status", "节点状态", "node status"},
    {"put", cmd_put, "put TABLE [--id ID] COL=VALUE...", "写入字段或事件",
     "set fields or insert an event"},
    {"del", cmd_del, "del TABLE ID", "删除(墓碑)", "delete (tombstone)"},
    {"get", cmd_get, "get TABLE ID", "读取一行(JSON)", "one row (JSON)"},
    {"ls", cmd_ls, "ls TABLE [--where COL=VALUE]...", "列出(JSON)",
     "list rows (JSON)"},
    {"state-hash", cmd_state_hash, "state-hash", "状态哈希",
     "hash of the materialized state"},
    {"vector", cmd_vector, "vector", "本节点已有的条目(JSON)",
     "what this node holds (JSON)"},
    {"bundle", cmd_bundle,
     "bundle export FILE [--for VECTOR_FILE] | bundle import FILE|--resume",
     "导出/导入数据包", "export or import a bundle"},
    {"log", cmd_log, "log verify", "校验全部日志", "re-verify the whole log"},
    {"conflicts", cmd_conflicts, "conflicts", "待复核的并发修改",
     "concurrent writes to review"},
    {"household", cmd_household,
     "household add --head NAME [--village V] [--address A] [--phone P]"
     " [--status S] [--cadre C] [--member NAME,SEX,YEAR[,FLAG...]]...",
     "登记住户及成员", "register a household and its members"},
    {"person", cmd_person,
     "person add --household ID --name NAME [--sex S] [--born YEAR]"
     " [--flag FLAG]...",
     "登记人员", "register a person"},
    {"site", cmd_site,
     "site add --name NAME [--kind KIND] [--capacity N] [--area M2]",
     "登记安置点/地点", "register a site"},
    {"item", cmd_item, "item add --name NAME --unit UNIT [--category C]",
     "登记物资品类", "register a supply item"},
    {"checkin", cmd_checkin, "checkin PERSON SITE", "入住安置点",
     "check a person into a site"},
    {"checkout", cmd_checkout, "checkout PERSON [--site SITE]", "离开安置点",
     "check a person out"},
    {"stock", cmd_stock,
     "stock receive|donate|distribute|lose|count SITE ITEM QTY"
     " [--household H] [--from WHO] [--ref R] [--id ID]",
     "物资出入库", "record a stock movement"},
    {"warn", cmd_warn,
     "warn HOUSEHOLD --method phone|door|loudspeaker|message --notice TEXT"
     " [--by NAME]",
     "记录预警通知到户", "record a warning delivered to a household"},
    {"backup", cmd_backup, "backup FILE", "备份(不含密钥)",
     "back up the database (never the key)"},
    {"restore", cmd_restore, "restore FILE --name NAME",
     "从备份恢复为新节点(新密钥)", "restore a backup as a new node (new key)"},
    {"network", cmd_network,
     "network create --name NAME | network recovery-code |"
     " network backup-key FILE | network restore --file FILE|--code CODE",
     "创建网络(本节点成为管理员)、备份与恢复根密钥",
     "create a network (this node is its admin); back up, restore its key"},
    {"admit", cmd_admit,
     "admit KEY --name NAME --role admin|coordinator|site|viewer"
     " [--site SITE] [--valid-days N] [--admits]",
     "接纳设备并给出加入令牌", "admit a device and print its join token"},
    {"join", cmd_join, "join TOKEN | join --file FILE", "用令牌加入网络",
     "join a network with a token"},
    {"revoke", cmd_revoke, "revoke KEY [--after SEQ]", "吊销设备",
     "revoke a device"},
    {"members", cmd_members, "members", "网络成员及其状态",
     "network members and their standing"},
    {"rekey", cmd_rekey, "rekey", "更换本节点密钥(复制的SD卡、分叉)",
     "give this node a new key (cloned card, fork)"},
    {"show", cmd_show, "show occupancy|presence|stock|received|vulnerable",
     "查看安置、物资等汇总", "show occupancy, stock and other views"},
};

static void help(const struct cli *c, FILE *out)
{
    fprintf(out, "%s\n\n",
            cli_tr(c, "互助 huzhu — 灾后离线互助登记与同步",
                   "huzhu — offline-first relief records that sync"));
    fprintf(out, "%s: huzhu [-d DIR] [--json] [--lang zh|en] COMMAND ...\n\n",
            cli_tr(c, "用法", "usage"));
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        fprintf(out, "  %-12s %s\n      %s\n", cmds[i].name,
                cli_tr(c, cmds[i].zh, cmds[i].en), cmds[i].usage);
    fprintf(out, "\n%s\n",
            cli_tr(c,
                   "节点目录: -d DIR, 否则 $HUZHU_DIR, 否则"
                   " ~/.local/share/huzhu。日志级别: HUZHU_LOG=error|warn|"
                   "info|debug",
                   "Node directory: -d DIR, else $HUZHU_DIR, else"
                   " ~/.local/share/huzhu. Log level: HUZHU_LOG=error|warn|"
                   "info|debug"));
}

int main(int argc, char **argv)
{
    struct cli c = {0};
    const char *lang = getenv("HUZHU_LANG");
    c.lang = lang != NULL && strncmp(lang, "en", 2) == 0 ? LANG_EN : LANG_ZH;
    /* --json and --lang may stand anywhere on the line. */
    int kept = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            c.json = true;
        } else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc) {
            c.lang = strcmp(argv[++i], "en") == 0 ? LANG_EN : LANG_ZH;
        } else {
            argv[kept++] = argv[i];
        }
    }
    argc = kept;
    argv[argc] = NULL;

    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            c.dir = optarg;
            break;
        case 'h':
            help(&c, stdout);
            return EXIT_OK;
        case 'V':
            printf("huzhu %s\n", HZ_VERSION_STRING);
            return EXIT_OK;
        default:
            help(&c, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        help(&c, stderr);
        return EXIT_USAGE;
    }
    if (hz_init() != 0) {
        fprintf(stderr, "huzhu: libsodium failed to initialise\n");
        return EXIT_FAIL;
    }
    const char *name = argv[optind];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        if (strcmp(cmds[i].name, name) != 0)
            continue;
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        optind = 0; /* glibc: re-initialise getopt for the subcommand */
        int rv = cmds[i].run(&c, sub_argc, sub_argv);
        hz_node_close(c.node);
        return rv;
    }
    fprintf(stderr, "huzhu: %s: %s\n",
            cli_tr(&c, "未知命令", "unknown command"), name);
    help(&c, stderr);
    return EXIT_USAGE;
}
