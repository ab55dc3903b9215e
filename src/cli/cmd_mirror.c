/* cmd_mirror.c - huzhu mirror: this node's records into a county
 * PostgreSQL database (src/mirror; proto/cli.md, "mirror"; DECISIONS 43).
 * Once with --once, else a pass every second until SIGINT or SIGTERM,
 * holding the network's lock the whole time. */
#include "cli.h"

#include "serve_mirror.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
    (void)sig;
    stop_asked = 1;
}

/* What each fault means, Chinese first (proto/cli.md, "mirror"). */
static const struct {
    enum mirror_fault fault;
    const char *zh, *en;
} fault_text[] = {
    {MIRROR_URL_PASSWORD,
     "地址中不得含密码(请用 PGPASSFILE 或 PGPASSWORD 环境变量)，未连接",
     "the URL must not carry a password (use PGPASSFILE or PGPASSWORD):"
     " not connected"},
    {MIRROR_URL, "PostgreSQL 地址无法识别", "the PostgreSQL URL is not valid"},
    {MIRROR_LIBRARY,
     "本机未安装 PostgreSQL 客户端库(sudo apt install libpq5)，未连接",
     "PostgreSQL's client library is not installed (sudo apt install"
     " libpq5): not connected"},
    {MIRROR_UNREACHABLE, "无法连接 PostgreSQL 服务器",
     "cannot reach the PostgreSQL server"},
    {MIRROR_AUTH, "PostgreSQL 拒绝登录(用户名、密码或 pg_hba.conf)",
     "PostgreSQL refused the login (user, password or pg_hba.conf)"},
    {MIRROR_LOCKED,
     "另一个节点正在写入本网络的镜像(锁被占用)，未做任何更改；若本节点的"
     "视图更新，它会交出镜像，请稍后再试",
     "another node is writing this network's mirror (the lock is held):"
     " nothing changed; if this node's view is newer it hands the mirror"
     " over: try again shortly"},
    {MIRROR_READER_NAME, "只读角色名只能由小写字母、数字和 _ 组成，未连接",
     "the reader role's name: lower-case letters, digits and _ only: not"
     " connected"},
    {MIRROR_READER_MISSING,
     "PostgreSQL 中没有该只读角色(请先 CREATE ROLE)，未做任何更改",
     "PostgreSQL has no such reader role (CREATE ROLE it first): nothing"
     " changed"},
    {MIRROR_READER_WRITES,
     "该角色能写入镜像(即镜像所用角色、其成员或超级用户)，不能作只读角色，"
     "未做任何更改",
     "that role can write to the mirror (the mirror's own role, a member of"
     " it, or a superuser): not a reader, nothing changed"},
    {MIRROR_OLDER,
     "本节点的数据比正在写入镜像的节点旧(缺少它已有的条目)：不接管，"
     "未做任何更改；先与它同步",
     "this node's view is older than that of the node writing the mirror"
     " (it lacks entries that node has): not taken over, nothing changed;"
     " sync with it first"},
    {MIRROR_YIELDED,
     "视图更新的节点在等待接管：已交出镜像(它拥有本节点所见的全部条目及更多)",
     "a node with a newer view waits to take over: the mirror was handed to"
     " it (it holds every entry this node saw, and more)"},
    {MIRROR_SERVER, "PostgreSQL 执行失败，本批未写入(下次从上次提交处继续)",
     "a PostgreSQL statement failed: this batch was not written (the next"
     " run resumes after the last committed one)"},
};

const char *cmd_mirror_fault_text(const struct cli *c, enum mirror_fault fault)
{
    for (size_t i = 0; i < sizeof fault_text / sizeof fault_text[0]; i++)
        if (fault_text[i].fault == fault)
            return cli_tr(c, fault_text[i].zh, fault_text[i].en);
    return NULL;
}

int cmd_mirror_fail(struct cli *c, enum mirror_fault fault, int code,
                    const struct hz_err *err)
{
    const char *text = cmd_mirror_fault_text(c, fault);
    return text != NULL ? cli_fail_text(c, code, text, err)
                        : cli_fail(c, code, err);
}

static void print_pass(struct cli *c, const struct mirror *m,
                       const struct mirror_pass *p)
{
    if (c->json) {
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "schema",
            mirror_schema(m), "network", mirror_network(m), "state_hash",
            mirror_state_hash(m), "from", (json_int_t)p->from, "to",
            (json_int_t)p->to, "batches", (json_int_t)p->batches, "rows",
            (json_int_t)p->rows, "removed", (json_int_t)p->removed, "conflicts",
            (json_int_t)p->conflicts, "full_copy", p->full_copy);
        char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
        if (text != NULL)
            printf("%s\n", text);
        free(text);
        json_decref(o);
    } else {
        printf(TR_FMT(c,
                      "已镜像到模式 %s: 写入 %llu 行，删除 %llu 行，冲突 %llu"
                      " 条，变更计数 %lld → %lld (%llu 批)%s\n",
                      "mirrored into schema %s: %llu rows written, %llu"
                      " removed, %llu conflicts, change counter %lld → %lld"
                      " (%llu batches)%s\n"),
               mirror_schema(m), (unsigned long long)p->rows,
               (unsigned long long)p->removed, (unsigned long long)p->conflicts,
               (long long)p->from, (long long)p->to,
               (unsigned long long)p->batches,
               p->full_copy ? cli_tr(c, "，全量复制", ", a full copy") : "");
    }
    fflush(stdout);
}

int cmd_mirror(struct cli *c, struct form *f)
{
    struct mirror_opts o = {.url = form_get(f, "URL"),
                            .batch = MIRROR_BATCH_DEFAULT,
                            .reader = form_get(f, "--reader")};
    const char *batch = form_get(f, "--batch");
    if (batch != NULL)
        o.batch = (size_t)strtoull(batch, NULL, 10);
    const char *kill = getenv("HUZHU_TEST_MIRROR_KILL_IN_BATCH");
    if (kill != NULL)
        o.kill_in_batch = strtoul(kill, NULL, 10);
    const char *stall = getenv("HUZHU_TEST_MIRROR_STALL_IN_BATCH");
    if (stall != NULL) {
        char *end = NULL;
        o.stall_in_batch = strtoul(stall, &end, 10);
        o.stall_until = end != NULL && *end == ':' ? end + 1 : NULL;
    }
    bool once = form_get(f, "--once") != NULL;
    struct hz_err err = {0};
    enum mirror_fault fault = MIRROR_OK;
    struct mirror *m = NULL;
    int rv = mirror_open(c->node, &o, &m, &fault, &err);
    if (rv != 0)
        return cmd_mirror_fail(c, fault, rv, &err);
    if (!once) {
        signal(SIGINT, on_stop);
        signal(SIGTERM, on_stop);
    }
    do {
        struct mirror_pass p;
        rv = mirror_run(m, &p, &fault, &err);
        if (rv != 0)
            break;
        if (once || p.batches > 0 || p.full_copy)
            print_pass(c, m, &p);
        /* a second, or less when a signal comes */
        struct timespec second = {.tv_sec = 1};
        if (!once && !stop_asked)
            nanosleep(&second, NULL);
    } while (!once && !stop_asked);
    mirror_close(m);
    return rv != 0 ? cmd_mirror_fail(c, fault, rv, &err) : EXIT_OK;
}
