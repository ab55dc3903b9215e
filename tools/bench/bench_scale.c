/* bench_scale.c - does ingest stay linear? (issue 11, "Linear in
 * everything")
 *
 * For each shape of history that could make a query's cost grow with the
 * data, entries are signed here with the core alone (no source node: a
 * thousand authors cost nothing), then taken into a new node on disk with
 * store_relay_ingest in transactions of HZ_IMPORT_BATCH entries, exactly
 * the ingest path of a bundle import or a sync session. The CPU time of
 * the ingest (user + system, getrusage) is measured at 1x, 2x, 4x and 8x
 * the base size, and the cost per entry at 8x is compared with the cost
 * at 1x: the shape fails when it is more than 1.5 times as high. The
 * program exits 1 when any shape fails. Timings never decide a test
 * (STYLE 10): this runs by hand, and BENCHMARKS.md records the table.
 *
 * Shapes (all in the placeholder network, so no entry is denied):
 *   rows      one author, each entry a new household (the baseline)
 *   pending   one author, delivered last entry first: every entry waits
 *             behind the gap until the first arrives and the chain drains
 *   edits     one author writes one field of one row again and again,
 *             each write naming the previous one (an honest edit chain)
 *   authors   a new author per entry, each a new household
 *   conflicts two authors write the same field of each of N rows without
 *             seeing each other: N conflicts
 *   heads     a new author per entry, all writing one field of one row
 *             without seeing each other: one field with N heads
 *   deletes   each entry tombstones a row written by an earlier one
 *   stops     one author writes N new households, then a second entry of
 *             its seq 1 arrives: the fork stops the chain, and every one
 *             of the N applied entries is taken back (its facts found by
 *             the rows its ops name, format 18)
 *   revokes   in a network, a device writes N new households, the admin
 *             imports them and then revokes the device from its first
 *             household on: every one of the N entries is taken back
 *             (judged again and denied). Only the revocation is timed */
#include "store/internal.h"

#include "core/body.h"
#include "core/entry.h"
#include "core/identity.h"
#include "core/limits.h"

#include "huzhu/bundle.h"
#include "huzhu/trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#define RATIO_MAX 1.5

struct entries {
    size_t n, cap;
    uint8_t **p;
    size_t *len;
};

static void die(const char *what)
{
    fprintf(stderr, "bench_scale: %s\n", what);
    exit(2);
}

static void add(struct entries *es, const struct enc *e)
{
    if (es->n == es->cap) {
        es->cap = es->cap ? 2 * es->cap : 1024;
        es->p = realloc(es->p, es->cap * sizeof *es->p);
        es->len = realloc(es->len, es->cap * sizeof *es->len);
        if (es->p == NULL || es->len == NULL)
            die("out of memory");
    }
    es->p[es->n] = malloc(enc_len(e));
    if (es->p[es->n] == NULL)
        die("out of memory");
    memcpy(es->p[es->n], enc_data(e), enc_len(e));
    es->len[es->n++] = enc_len(e);
}

static void entries_free(struct entries *es)
{
    for (size_t i = 0; i < es->n; i++)
        free(es->p[i]);
    free(es->p);
    free(es->len);
    memset(es, 0, sizeof *es);
}

/* An author signing its chain. */
struct author {
    struct identity id;
    uint64_t seq;
    uint8_t prev[HZ_HASH_LEN];
};

static void author_init(struct author *a, uint64_t k)
{
    uint8_t seed[HZ_SEED_LEN] = {0};
    memcpy(seed, &k, sizeof k);
    seed[31] = 0x5c;
    memset(a, 0, sizeof *a);
    identity_from_seed(&a->id, seed);
}

static const uint8_t placeholder[HZ_NET_LEN] = "huzhu-no-network";
static const uint64_t t0 = UINT64_C(1719792000000);

/* Sign the next entry of @a over one op; its id into @id. */
static void sign_op(struct author *a, struct op *o, uint64_t tick,
                    struct entries *out, uint8_t *id)
{
    struct body b = {.schema_version = 1, .n_ops = 1, .ops = o};
    struct enc body, e;
    enc_init(&body);
    enc_init(&e);
    if (body_encode(&b, &body) != 0 || enc_done(&body) != 0)
        die("body");
    struct entry en = {.version = HZ_ENTRY_VERSION,
                       .seq = ++a->seq,
                       .clock = (t0 + tick) << 16};
    memcpy(en.network, placeholder, HZ_NET_LEN);
    memcpy(en.author, a->id.pk, HZ_KEY_LEN);
    memcpy(en.prev, a->prev, HZ_HASH_LEN);
    en.body = (struct hz_bytes){enc_data(&body), enc_len(&body)};
    if (entry_sign(&en, a->id.sk, &e) != 0)
        die("sign");
    memcpy(a->prev, en.id, HZ_HASH_LEN);
    if (id != NULL)
        memcpy(id, en.id, HZ_HASH_LEN);
    add(out, &e);
    enc_close(&body);
    enc_close(&e);
}

static const struct table_def *households(void)
{
    const struct table_def *t = schema_table_c(schema_current(), "households");
    if (t == NULL)
        die("no households table");
    return t;
}

static void row_id(uint64_t k, uint8_t *row)
{
    memset(row, 0, HZ_ROW_LEN);
    memcpy(row, &k, sizeof k);
    row[15] = 0x77;
}

/* One set of households.village (and .status when @head is given). */
static void set_op(struct op *o, struct field *f, uint64_t row,
                   const char *text, const uint8_t **head)
{
    const struct table_def *t = households();
    memset(o, 0, sizeof *o);
    memset(f, 0, sizeof *f);
    o->kind = OP_SET;
    o->table = t;
    row_id(row, o->row);
    f->col = schema_col_c(t, "village");
    f->val.type = VALUE_STR;
    f->val.s = (struct hz_bytes){(const uint8_t *)text, strlen(text)};
    f->heads = head;
    f->n_heads = head != NULL ? 1 : 0;
    o->fields = f;
    o->n_fields = 1;
}

enum shape {
    ROWS,
    PENDING,
    EDITS,
    AUTHORS,
    CONFLICTS,
    HEADS,
    DELETES,
    STOPS,
    REVOKES
};
static const char *const shape_names[] = {"rows",    "pending",   "edits",
                                          "authors", "conflicts", "heads",
                                          "deletes", "stops",     "revokes"};

/* The entries of @shape at size @n, in delivery order. */
static void make(enum shape shape, size_t n, struct entries *out)
{
    struct op o;
    struct field f;
    struct author a, b;
    author_init(&a, 1);
    author_init(&b, 2);
    uint8_t last[HZ_HASH_LEN];
    const uint8_t *head = last;
    char text[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(text, sizeof text, "测试村%zu", i);
        switch (shape) {
        case ROWS:
        case PENDING:
        case STOPS:
            set_op(&o, &f, i, text, NULL);
            sign_op(&a, &o, i, out, NULL);
            break;
        case EDITS:
            set_op(&o, &f, 0, text, i > 0 ? &head : NULL);
            sign_op(&a, &o, i, out, last);
            break;
        case AUTHORS:
        case HEADS: {
            struct author x;
            author_init(&x, 1000 + i);
            set_op(&o, &f, shape == HEADS ? 0 : i, text, NULL);
            sign_op(&x, &o, i, out, NULL);
            identity_close(&x.id);
            break;
        }
        case CONFLICTS:
            set_op(&o, &f, i / 2, text, NULL);
            sign_op(i % 2 ? &b : &a, &o, i, out, NULL);
            break;
        case DELETES:
            if (i % 2 == 0) {
                set_op(&o, &f, i / 2, text, NULL);
            } else {
                memset(&o, 0, sizeof o);
                o.kind = OP_DEL;
                o.table = households();
                row_id(i / 2, o.row);
            }
            sign_op(&a, &o, i, out, NULL);
            break;
        case REVOKES:
            die("revokes is made by revoke()");
        }
    }
    if (shape == STOPS) { /* the same key signs another seq 1 */
        struct author fork;
        author_init(&fork, 1);
        set_op(&o, &f, n, "测试分叉村", NULL);
        sign_op(&fork, &o, n, out, NULL);
        identity_close(&fork.id);
    }
    if (shape == PENDING) { /* last first */
        for (size_t i = 0, k = out->n - 1; i < k; i++, k--) {
            uint8_t *p = out->p[i];
            size_t l = out->len[i];
            out->p[i] = out->p[k];
            out->len[i] = out->len[k];
            out->p[k] = p;
            out->len[k] = l;
        }
    }
    identity_close(&a.id);
    identity_close(&b.id);
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds to take @es into a new node in @parent; @stopped entries
 * must end stopped by a fork. */
static double ingest(const struct entries *es, const char *parent,
                     int64_t stopped)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/node", parent);
    hz_node *node = NULL;
    struct hz_err err = {0};
    if (hz_node_create(dir, "测试节点", NULL, &node, &err) != 0)
        die(err.msg);
    double start = cpu_seconds();
    for (size_t at = 0; at < es->n; at += HZ_IMPORT_BATCH) {
        size_t k = es->n - at < HZ_IMPORT_BATCH ? es->n - at : HZ_IMPORT_BATCH;
        struct hz_ingest_stats st = {0};
        if (store_relay_ingest(node, k, (const uint8_t *const *)es->p + at,
                               es->len + at, &st, &err) != 0)
            die(err.msg);
        if (st.refused != 0)
            die("an entry was refused");
    }
    double spent = cpu_seconds() - start;
    /* Untimed: everything arrived and nothing waits. */
    char *status = NULL;
    if (hz_node_status(node, &status, &err) != 0 ||
        strstr(status, "\"pending\":0") == NULL)
        die("entries still pending after the run");
    hz_free_string(status);
    int64_t held = -1;
    if (db_int(&node->db, "SELECT count(*) FROM log WHERE state = 3",
               DB_NO_ARGS, &held, NULL, &err) != 0 ||
        held != stopped)
        die("not every entry past the fork was stopped");
    hz_node_close(node);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        die("rm");
    return spent;
}

static void must(int rv, const char *what, const struct hz_err *err)
{
    if (rv != 0) {
        fprintf(stderr, "hz_bench_scale: %s: %s\n", what, err->msg);
        exit(1);
    }
}

/* The revokes shape at size @n: CPU seconds of the revocation alone. */
static double revoke(size_t n, const char *parent)
{
    char dir_a[4096], dir_b[4096], bundle[4096];
    snprintf(dir_a, sizeof dir_a, "%s/admin", parent);
    snprintf(dir_b, sizeof dir_b, "%s/device", parent);
    snprintf(bundle, sizeof bundle, "%s/device.hzb", parent);
    hz_node *a = NULL, *b = NULL;
    struct hz_err err = {0};
    char *out = NULL, *token = NULL;
    must(hz_node_create(dir_a, "测试乡镇", NULL, &a, &err), "admin", &err);
    must(hz_node_create(dir_b, "测试设备", NULL, &b, &err), "device", &err);
    must(hz_network_create(a, "测试网络", &out, &err), "network", &err);
    hz_free_string(out);
    char key[2 * HZ_KEY_LEN + 1];
    hz_node_key_hex(b, key);
    struct hz_admission adm = {.key = key,
                               .name = "测试设备",
                               .role = "coordinator",
                               .valid_days = 30};
    must(hz_admit(a, &adm, &token, &err), "admit", &err);
    must(hz_join(b, token, &out, &err), "join", &err);
    hz_free_string(token);
    hz_free_string(out);
    /* Setup, not timed: one fsync a commit would cost minutes. */
    must(db_exec(&b->db, "PRAGMA synchronous=OFF", &err), "pragma", &err);
    int64_t before = 0;
    must(db_int(&b->db, "SELECT count(*) FROM log", DB_NO_ARGS, &before, NULL,
                &err),
         "count", &err);
    for (size_t i = 0; i < n; i++) {
        char text[32];
        snprintf(text, sizeof text, "测试村%zu", i);
        struct hz_field f[] = {{"village", text}};
        hz_batch *batch = NULL;
        size_t written = 0;
        must(hz_batch_open(b, &batch, &err), "batch", &err);
        must(hz_batch_put(batch, "households", NULL, 1, f, NULL, &err), "put",
             &err);
        must(hz_node_commit(b, batch, &written, &err), "commit", &err);
        hz_batch_close(batch);
    }
    uint64_t exported = 0;
    must(hz_bundle_export(b, bundle, NULL, &exported, &err), "export", &err);
    struct hz_ingest_stats st = {0};
    must(hz_bundle_import(a, bundle, &st, &err), "import", &err);
    if (st.applied < n)
        die("the device's households were not applied");
    double start = cpu_seconds();
    must(hz_revoke(a, key, 1, (uint64_t)before, &out, &err), "revoke", &err);
    double spent = cpu_seconds() - start;
    hz_free_string(out);
    int64_t denied = 0;
    must(db_int(&a->db, "SELECT count(*) FROM log WHERE state = ?1",
                DB_ARGS(DB_INT(ENTRY_DENIED)), &denied, NULL, &err),
         "count", &err);
    if (denied != (int64_t)n)
        die("not every entry after the cut-off was taken back");
    hz_node_close(a);
    hz_node_close(b);
    char cmd[12400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s' '%s'", dir_a, dir_b, bundle);
    if (system(cmd) != 0)
        die("rm");
    return spent;
}

int main(int argc, char **argv)
{
    size_t base = 2000;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--base") == 0 && i + 1 < argc)
            base = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--shape") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: hz_bench_scale [--base N] [--shape S]\n");
            return 2;
        }
    }
    if (hz_init() != 0)
        die("init");
    char parent[] = "/tmp/huzhu-scale-XXXXXX";
    if (mkdtemp(parent) == NULL)
        die("mkdtemp");
    printf("| shape | 1x µs/entry | 2x | 4x | 8x | 8x ÷ 1x | verdict |\n");
    printf("|---|---|---|---|---|---|---|\n");
    int failed = 0;
    for (size_t s = 0; s < sizeof shape_names / sizeof shape_names[0]; s++) {
        if (only != NULL && strcmp(only, shape_names[s]) != 0)
            continue;
        double per[4];
        for (int k = 0; k < 4; k++) {
            size_t n = base << k;
            if (s == REVOKES) {
                per[k] = revoke(n, parent) / (double)n * 1e6;
                continue;
            }
            struct entries es = {0};
            make((enum shape)s, n, &es);
            per[k] = ingest(&es, parent, s == STOPS ? (int64_t)n : 0) /
                     (double)n * 1e6;
            entries_free(&es);
        }
        double ratio = per[3] / per[0];
        bool ok = ratio <= RATIO_MAX;
        failed |= !ok;
        printf("| %s | %.1f | %.1f | %.1f | %.1f | %.2f | %s |\n",
               shape_names[s], per[0], per[1], per[2], per[3], ratio,
               ok ? "linear" : "FAILS (> 1.5)");
        fflush(stdout);
    }
    rmdir(parent);
    printf("base %zu entries; 8x = %zu; batches of %u; CPU time of the "
           "ingest only\n",
           base, base << 3, HZ_IMPORT_BATCH);
    return failed ? 1 : 0;
}
