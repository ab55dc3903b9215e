/* cmd_node.c - commands about the node itself and its log: init, id,
 * status, vector, state-hash, log verify, bundle, conflicts, backup,
 * restore. Their parameters, and the node opened for them, are in the
 * command table (main.c). */
#include "cli.h"

#include "../http/http.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_init(struct cli *c, struct form *f)
{
    int rv = cli_create(c, form_get(f, "--name"));
    if (rv != EXIT_OK)
        return rv;
    char key[HZ_KEY_HEX_LEN + 1];
    hz_node_key_hex(c->node, key);
    if (c->json)
        printf("{\"key\":\"%s\"}\n", key);
    else
        printf("%s\n%s: %s\n", cli_tr(c, "节点已创建。", "Node created."),
               cli_tr(c, "公钥", "public key"), key);
    return EXIT_OK;
}

int cmd_id(struct cli *c, struct form *f)
{
    (void)f;
    char key[HZ_KEY_HEX_LEN + 1];
    hz_node_key_hex(c->node, key);
    if (c->json)
        printf("{\"key\":\"%s\"}\n", key);
    else
        printf("%s\n", key);
    return EXIT_OK;
}

/* A read command whose output is the library's JSON, with or without
 * --json. */
static int print_json(struct cli *c,
                      int (*fn)(hz_node *, char **, struct hz_err *))
{
    c->json = true;
    int rv;
    json_decref(cli_run_json(c, fn, &rv));
    return rv;
}

int cmd_vector(struct cli *c, struct form *f)
{
    (void)f;
    return print_json(c, hz_node_vector);
}

int cmd_state_hash(struct cli *c, struct form *f)
{
    (void)f;
    char hash[HZ_KEY_HEX_LEN + 1];
    struct hz_err err = {0};
    int code = hz_node_state_hash(c->node, hash, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json)
        printf("{\"state_hash\":\"%s\"}\n", hash);
    else
        printf("%s\n", hash);
    return EXIT_OK;
}

/* One line per entry of the status list @key, and when the list stops
 * short (@cut is true: it holds the first HZ_STATUS_LIST_MAX) a line
 * saying how many there are in all (proto/cli.md, "status"). */
static void print_listed(struct cli *c, json_t *s, const char *key,
                         const char *cut, const char *label)
{
    json_t *list = json_object_get(s, key);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        printf("%s: %s %.8s… #%lld: %s\n", label, cli_tr(c, "设备", "device"),
               json_string_value(json_object_get(v, "author")),
               (long long)json_integer_value(json_object_get(v, "seq")),
               json_string_value(json_object_get(v, "reason")));
    }
    if (!json_is_true(json_object_get(s, cut)))
        return;
    json_t *counts = json_object_get(s, "entries");
    printf(TR_FMT(c, "%s: 仅列出前 %zu 条，共 %lld 条\n",
                  "%s: showing the first %zu of %lld\n"),
           label, json_array_size(list),
           (long long)json_integer_value(json_object_get(counts, key)));
}

static void print_status(struct cli *c, json_t *s)
{
    json_t *e = json_object_get(s, "entries");
    printf("%s: %s\n%s: %s\n", cli_tr(c, "节点", "node"),
           json_string_value(json_object_get(s, "name")),
           cli_tr(c, "公钥", "key"),
           json_string_value(json_object_get(s, "key")));
    const char *fp = json_string_value(json_object_get(s, "web_fingerprint"));
    if (fp != NULL)
        printf("%s: %s\n",
               cli_tr(c, "网页证书指纹 (SHA-256)",
                      "web certificate fingerprint (SHA-256)"),
               fp);
    if (json_is_true(json_object_get(s, "networked")))
        printf("%s: %s (%s)\n", cli_tr(c, "网络", "network"),
               json_string_value(json_object_get(s, "network_name")),
               json_string_value(json_object_get(s, "network")));
    else
        printf("%s\n", cli_tr(c, "网络: 尚未加入", "network: none yet"));
    printf("%s: %lld  %s: %lld  %s: %lld  %s: %lld  %s: %lld  %s: %lld\n",
           cli_tr(c, "条目", "entries"),
           (long long)json_integer_value(json_object_get(e, "total")),
           cli_tr(c, "已应用", "applied"),
           (long long)json_integer_value(json_object_get(e, "applied")),
           cli_tr(c, "拒绝", "rejected"),
           (long long)json_integer_value(json_object_get(e, "rejected")),
           cli_tr(c, "无权(未生效)", "denied"),
           (long long)json_integer_value(json_object_get(e, "denied")),
           cli_tr(c, "待前序", "pending"),
           (long long)json_integer_value(json_object_get(e, "pending")),
           cli_tr(c, "分叉证据", "fork evidence"),
           (long long)json_integer_value(json_object_get(e, "fork_evidence")));
    if (json_is_true(json_object_get(s, "interrupted_import")))
        printf("%s\n", cli_tr(c,
                              "有一次导入被中断: 运行 huzhu bundle import"
                              " --resume 完成它",
                              "an import was interrupted: finish it with"
                              " huzhu bundle import --resume"));
    if (json_is_true(json_object_get(s, "clone_detected")))
        printf("%s\n", text_error(HZ_ECLONE, c->lang));
    json_t *str = json_object_get(s, "strangers");
    json_int_t held = json_integer_value(json_object_get(str, "entries"));
    if (held > 0)
        printf(
            TR_FMT(c,
                   "无证书作者的条目: %lld 条, %.1f MiB (上限 %lld 条 /"
                   " %.0f MiB; 超出时不再保留)\n",
                   "entries of authors with no certificate: %lld, %.1f MiB"
                   " (at most %lld / %.0f MiB are kept)\n"),
            (long long)held,
            (double)json_integer_value(json_object_get(str, "bytes")) /
                1048576.0,
            (long long)json_integer_value(json_object_get(str, "max_entries")),
            (double)json_integer_value(json_object_get(str, "max_bytes")) /
                1048576.0);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(s, "forks"), i, v)
    {
        printf("%s %.8s… %s %lld\n", cli_tr(c, "分叉: 设备", "fork: device"),
               json_string_value(json_object_get(v, "author")),
               cli_tr(c, "自序号", "from seq"),
               (long long)json_integer_value(json_object_get(v, "point")));
    }
    json_array_foreach(json_object_get(s, "missing"), i, v)
    {
        printf("%s %.8s… %lld-%lld\n",
               cli_tr(c, "缺少条目: 设备", "missing entries: device"),
               json_string_value(json_object_get(v, "author")),
               (long long)json_integer_value(json_object_get(v, "from_seq")),
               (long long)json_integer_value(json_object_get(v, "to_seq")));
    }
    json_array_foreach(json_object_get(s, "skewed_authors"), i, v)
    {
        printf("%s %.8s…\n",
               cli_tr(c, "时钟偏差大: 设备", "clock skew: device"),
               json_string_value(json_object_get(v, "author")));
    }
    print_listed(c, s, "rejected", "rejected_cut",
                 cli_tr(c, "拒绝", "rejected"));
    print_listed(c, s, "denied", "denied_cut",
                 cli_tr(c, "无权(未生效)", "denied"));
    cli_print_peers(c, s);
}

int cmd_status(struct cli *c, struct form *f)
{
    (void)f;
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_status(c->node, &json, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    json_t *s = json_loads(json, 0, NULL);
    hz_free_string(json);
    if (s == NULL)
        return cli_fail_text(c, HZ_ENOMEM, "status", NULL);
    /* The web's certificate, for people to compare with their browser's
     * (DECISIONS 38); null until the first serve makes it. */
    char fp[96];
    json_object_set_new(s, "web_fingerprint",
                        http_fingerprint_of(cli_node_dir(c), fp) == 0
                            ? json_string(fp)
                            : json_null());
    if (c->json) {
        char *text = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n", text != NULL ? text : "{}");
        free(text);
    } else {
        print_status(c, s);
    }
    json_decref(s);
    return EXIT_OK;
}

int cmd_log_verify(struct cli *c, struct form *f)
{
    (void)f;
    uint64_t checked = 0;
    struct hz_err err = {0};
    int code = hz_node_log_verify(c->node, &checked, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json)
        printf("{\"ok\":true,\"entries\":%llu}\n", (unsigned long long)checked);
    else
        printf("ok: %llu %s\n", (unsigned long long)checked,
               cli_tr(c, "条已校验", "entries verified"));
    return EXIT_OK;
}

static char *read_file(const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(max + 1);
    size_t len = buf != NULL ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (buf == NULL || len > max) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

int cmd_bundle_export(struct cli *c, struct form *f)
{
    const char *file = form_get(f, "FILE");
    const char *vector_file = form_get(f, "--for");
    char *vector = NULL;
    if (vector_file != NULL) {
        vector = read_file(vector_file, 64u << 20);
        if (vector == NULL) {
            fprintf(stderr, "huzhu: %s: %s\n",
                    cli_tr(c, "无法读取向量文件", "cannot read vector file"),
                    vector_file);
            return EXIT_NOTFOUND;
        }
    }
    uint64_t count = 0;
    struct hz_err err = {0};
    int code = hz_bundle_export(c->node, file, vector, &count, &err);
    free(vector);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json)
        printf("{\"entries\":%llu}\n", (unsigned long long)count);
    else
        printf("%s %llu %s → %s\n", cli_tr(c, "已导出", "exported"),
               (unsigned long long)count, cli_tr(c, "条", "entries"), file);
    return EXIT_OK;
}

/* The ranges an import did not keep for capacity (DECISIONS 34). */
static json_t *not_kept_json(struct cli *c)
{
    const struct hz_range *r;
    size_t n = hz_ingest_not_kept(c->node, &r);
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        char key[2 * sizeof r[i].author + 1];
        for (size_t b = 0; b < sizeof r[i].author; b++)
            snprintf(key + 2 * b, 3, "%02x", r[i].author[b]);
        json_array_append_new(arr,
                              json_pack("{s:s, s:I, s:I}", "author", key,
                                        "from_seq", (json_int_t)r[i].from_seq,
                                        "to_seq", (json_int_t)r[i].to_seq));
    }
    return arr;
}

static void print_import_json(struct cli *c, const struct hz_ingest_stats *s)
{
    static const struct {
        const char *name;
        size_t off;
    } counts[] = {
#define HZ_COUNT(f) {#f, offsetof(struct hz_ingest_stats, f)}
        HZ_COUNT(entries),   HZ_COUNT(applied),  HZ_COUNT(duplicate),
        HZ_COUNT(pending),   HZ_COUNT(rejected), HZ_COUNT(held),
        HZ_COUNT(stopped),   HZ_COUNT(forks),    HZ_COUNT(refused),
        HZ_COUNT(released),  HZ_COUNT(denied),   HZ_COUNT(granted),
        HZ_COUNT(withdrawn), HZ_COUNT(capacity), HZ_COUNT(evicted),
#undef HZ_COUNT
    };
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        uint64_t v;
        memcpy(&v, (const char *)s + counts[i].off, sizeof v);
        json_object_set_new(o, counts[i].name, json_integer((json_int_t)v));
    }
    json_object_set_new(o, "not_kept", not_kept_json(c));
    char *text = json_dumps(o, JSON_COMPACT);
    if (text != NULL)
        cli_print_json_text(text);
    free(text);
    json_decref(o);
}

/* Entries of authors with no certificate over the strangers' caps: say
 * how many, that nothing is wrong with the bundle, and the first ranges. */
static void print_not_kept(struct cli *c, const struct hz_ingest_stats *s)
{
    if (s->capacity == 0 && s->evicted == 0)
        return;
    printf("%s: %llu  %s: %llu\n",
           cli_tr(c, "容量已满未保留(无证书作者的条目)",
                  "not kept (capacity; entries of authors with no "
                  "certificate)"),
           (unsigned long long)s->capacity,
           cli_tr(c, "为此腾出的先前条目", "earlier ones let go for them"),
           (unsigned long long)s->evicted);
    printf("%s\n", cli_tr(c, "它们的作者获得证书后，可再次导入获取",
                          "import them again once their authors hold a "
                          "certificate"));
    const struct hz_range *r;
    size_t n = hz_ingest_not_kept(c->node, &r);
    for (size_t i = 0; i < n && i < 10; i++)
        printf("  %02x%02x%02x%02x… %llu–%llu\n", r[i].author[0],
               r[i].author[1], r[i].author[2], r[i].author[3],
               (unsigned long long)r[i].from_seq,
               (unsigned long long)r[i].to_seq);
    if (n > 10)
        printf("  … %s %zu %s\n", cli_tr(c, "共", "of"), n,
               cli_tr(c, "段(--json 列出)", "ranges (--json lists them)"));
}

int cmd_bundle_import(struct cli *c, struct form *f)
{
    struct hz_ingest_stats s = {0};
    struct hz_err err = {0};
    const char *path = form_get(f, "FILE"); /* NULL with --resume */
    int code = hz_bundle_import(c->node, path, &s, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json) {
        print_import_json(c, &s);
        return EXIT_OK;
    }
    printf("%s: %llu  %s: %llu  %s: %llu  %s: %llu  %s: %llu  %s: %llu"
           "  %s: %llu\n",
           cli_tr(c, "条目", "entries"), (unsigned long long)s.entries,
           cli_tr(c, "新应用", "applied"), (unsigned long long)s.applied,
           cli_tr(c, "已有", "already held"), (unsigned long long)s.duplicate,
           cli_tr(c, "待前序", "pending"), (unsigned long long)s.pending,
           cli_tr(c, "拒绝", "rejected"), (unsigned long long)s.rejected,
           cli_tr(c, "待升级", "held for upgrade"), (unsigned long long)s.held,
           cli_tr(c, "分叉", "forks"),
           (unsigned long long)(s.forks + s.stopped));
    if (s.released > 0)
        printf("%s: %llu\n",
               cli_tr(c, "先前待前序、现已处理的条目",
                      "earlier entries that waited and are now placed"),
               (unsigned long long)s.released);
    if (s.denied > 0)
        printf("%s: %llu\n",
               cli_tr(c, "作者无权写入(或尚无证书)、暂不生效",
                      "not allowed for their author (or no certificate "
                      "yet): not applied"),
               (unsigned long long)s.denied);
    if (s.granted > 0 || s.withdrawn > 0)
        printf("%s: %llu  %s: %llu\n",
               cli_tr(c, "因新证书而生效", "applied by new certificates"),
               (unsigned long long)s.granted,
               cli_tr(c, "因吊销而撤回", "taken back by revocations"),
               (unsigned long long)s.withdrawn);
    print_not_kept(c, &s);
    return EXIT_OK;
}

int cmd_conflicts(struct cli *c, struct form *f)
{
    (void)f;
    int rv;
    json_t *arr = cli_run_json(c, hz_node_conflicts, &rv);
    if (arr == NULL) /* printed as JSON, or failed */
        return rv;
    static const char *const cols[] = {"kind", "table", "id", "column"};
    const char *heads[] = {cli_tr(c, "类型", "kind"), cli_tr(c, "表", "table"),
                           "id", cli_tr(c, "字段", "column")};
    cli_print_table(c, arr, cols, heads, NULL, 4);
    json_decref(arr);
    return EXIT_OK;
}

int cmd_backup(struct cli *c, struct form *f)
{
    const char *file = form_get(f, "FILE");
    struct hz_err err = {0};
    int code = hz_node_backup(c->node, file, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json)
        printf("{\"backup\":true}\n");
    else
        printf("%s → %s\n%s\n", cli_tr(c, "已备份", "backed up"), file,
               cli_tr(c,
                      "备份不含本机密钥；在新设备上用 huzhu restore 恢复，"
                      "新设备会生成自己的密钥。",
                      "The backup holds no key: restore it on new hardware"
                      " with huzhu restore, which gives the node a new key."));
    return EXIT_OK;
}

int cmd_restore(struct cli *c, struct form *f)
{
    int rv = cli_restore(c, form_get(f, "FILE"), form_get(f, "--name"));
    if (rv != EXIT_OK)
        return rv;
    char key[HZ_KEY_HEX_LEN + 1];
    hz_node_key_hex(c->node, key);
    if (c->json)
        printf("{\"key\":\"%s\"}\n", key);
    else
        printf("%s\n%s: %s\n",
               cli_tr(c, "已从备份恢复为新节点。", "Restored as a new node."),
               cli_tr(c, "新公钥", "new public key"), key);
    return EXIT_OK;
}
