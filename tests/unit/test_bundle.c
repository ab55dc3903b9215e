/* test_bundle.c - entries in a file, carried between sites (bundle.c;
 * DECISIONS 16, 20, 24, 25).
 *
 * Export and import round trip between two node directories; a
 * truncated, tampered, empty, garbage or foreign file, or one whose header
 * or trailer is not in its one canonical form, is refused with an
 * error and changes nothing (state hash, vector, and the row counts of
 * log, pending and fork evidence); a valid bundle with no entries is a
 * no-op; an export for a given vector carries exactly what that node
 * lacks, and the whole chain to a node that holds another history. */
#include "lib/unit_env.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bundle.h"
#include "core/limits.h"

struct world {
    char *dir; /* holds a/, b/ and the bundle files */
    char *dir_a, *dir_b;
    struct unit_env ea, eb;
    hz_node *a, *b;
    char h[HZ_ROW_HEX_LEN + 1];
};

static hz_node *create(const char *dir, const char *name, struct unit_env *env)
{
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &env->env};
    hz_node *n = NULL;
    struct hz_err err = {0};
    if (hz_node_create(dir, name, &opts, &n, &err) != 0)
        fail_msg("hz_node_create: %s", err.msg);
    return n;
}

static void world_open(struct world *w)
{
    w->dir = unit_tmpdir();
    w->dir_a = unit_path(w->dir, "a");
    w->dir_b = unit_path(w->dir, "b");
    unit_env_init(&w->ea, 1, UNIT_T0_MS);
    unit_env_init(&w->eb, 2, UNIT_T0_MS);
    w->a = create(w->dir_a, "测试节点甲", &w->ea);
    w->b = create(w->dir_b, "测试节点乙", &w->eb);
}

static void world_close(struct world *w)
{
    hz_node_close(w->a);
    hz_node_close(w->b);
    unit_rmtree(w->dir);
    free(w->dir);
    free(w->dir_a);
    free(w->dir_b);
}

/* A's first three entries: a household, a person, a site. */
static void write_three(struct world *w)
{
    char p[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(w->a, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), w->h, NULL),
                     0);
    assert_int_equal(
        unit_put(w->a, "persons", NULL,
                 UNIT_FIELDS({"household", w->h}, {"name", "测试甲"}), p, NULL),
        0);
    assert_int_equal(unit_put(w->a, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), NULL, NULL),
                     0);
}

/* Two more: an edit and a delete. */
static void write_two_more(struct world *w)
{
    char g[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(w->a, "households", w->h,
                              UNIT_FIELDS({"members", "2"}), NULL, NULL),
                     0);
    assert_int_equal(unit_put(w->a, "sites", NULL,
                              UNIT_FIELDS({"name", "测试仓库"}), g, NULL),
                     0);
    assert_int_equal(unit_del(w->a, "sites", g), 0);
}

static char *export(hz_node *n, const char *dir, const char *name,
                    const char *vector, uint64_t *count)
{
    char *path = unit_path(dir, name);
    struct hz_err err = {0};
    if (hz_bundle_export(n, path, vector, count, &err) != 0)
        fail_msg("export: %s", err.msg);
    return path;
}

static int import(hz_node *n, const char *path, struct hz_ingest_stats *st)
{
    struct hz_err err = {0};
    int rv = hz_bundle_import(n, path, st, &err);
    if (rv != 0)
        assert_true(strlen(err.msg) > 0); /* refused with a message */
    return rv;
}

static bool is_refusal(int rv)
{
    return rv == HZ_EMALFORMED || rv == HZ_EBADSIG || rv == HZ_ENETWORK ||
           rv == HZ_ECHAIN || rv == HZ_ETOOBIG || rv == HZ_EVERSION;
}

static bool exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* ---- round trip */

static void bundle_export_import_round_trips(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_three(&w);
    write_two_more(&w);
    uint64_t count = 0;
    char *path = export(w.a, w.dir, "all.hzb", NULL, &count);
    assert_int_equal(count, 6);
    char *tmp = unit_path(w.dir, "all.hzb.tmp");
    assert_false(exists(tmp)); /* written, synced, renamed */
    free(tmp);

    struct hz_ingest_stats st = {0};
    assert_int_equal(import(w.b, path, &st), 0);
    assert_int_equal(st.entries, 6);
    assert_int_equal(st.applied, 6);
    unit_assert_same_state(w.a, w.b);
    char *staged = unit_path(w.dir_b, "import.staging");
    assert_false(exists(staged));
    free(staged);
    /* nor its WAL: the import's pages are in node.db alone (db_wal_trim),
     * the WAL file there but empty */
    char *wal = unit_path(w.dir_b, "node.db-wal");
    struct stat wst;
    assert_int_equal(stat(wal, &wst), 0);
    assert_int_equal(wst.st_size, 0);
    free(wal);

    /* Imported again: every entry a duplicate, nothing changes. */
    struct unit_snapshot before;
    unit_snapshot_take(w.b, &before);
    memset(&st, 0, sizeof st);
    assert_int_equal(import(w.b, path, &st), 0);
    assert_int_equal(st.duplicate, 6);
    assert_int_equal(st.applied, 0);
    unit_assert_unchanged(w.b, &before);
    unit_snapshot_free(&before);

    /* And back: B's bundle brings A nothing new. */
    char *back = export(w.b, w.dir, "back.hzb", NULL, &count);
    assert_int_equal(count, 6);
    memset(&st, 0, sizeof st);
    assert_int_equal(import(w.a, back, &st), 0);
    assert_int_equal(st.duplicate, 6);
    assert_int_equal(hz_node_log_verify(w.b, NULL, NULL), 0);
    free(back);
    free(path);
    world_close(&w);
}

static void empty_valid_bundle_is_a_noop(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_three(&w);
    unit_sync(w.a, w.b);
    uint64_t count = 99;
    /* A node with nothing in it exports a valid, empty bundle. */
    struct unit_env ee;
    unit_env_init(&ee, 5, UNIT_T0_MS);
    hz_node *empty = unit_node_memory(0xee, &ee);
    char *path = export(empty, w.dir, "empty.hzb", NULL, &count);
    assert_int_equal(count, 0);
    struct unit_snapshot before;
    unit_snapshot_take(w.b, &before);
    struct hz_ingest_stats st = {0};
    assert_int_equal(import(w.b, path, &st), 0);
    assert_int_equal(st.entries, 0);
    unit_assert_unchanged(w.b, &before);
    unit_snapshot_free(&before);
    free(path);
    hz_node_close(empty);
    world_close(&w);
}

/* ---- refusals change nothing */

struct refusal_world {
    struct world w;
    char *good;
    uint8_t *bytes;
    size_t len;
    struct unit_snapshot before;
};

/* B holds entries of its own and some of A's; the good bundle holds all
 * of A's. */
static void refusal_open(struct refusal_world *r)
{
    world_open(&r->w);
    write_three(&r->w);
    assert_int_equal(unit_put(r->w.b, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点乙"}), NULL,
                              NULL),
                     0);
    unit_sync(r->w.a, r->w.b);
    unit_sync(r->w.b, r->w.a);
    write_two_more(&r->w);
    uint64_t count = 0;
    r->good = export(r->w.a, r->w.dir, "good.hzb", NULL, &count);
    assert_int_equal(count, 7);
    r->bytes = unit_read_file(r->good, &r->len);
    unit_snapshot_take(r->w.b, &r->before);
}

static void refusal_close(struct refusal_world *r)
{
    /* The good bundle still imports: the refusals could have failed. */
    struct hz_ingest_stats st = {0};
    assert_int_equal(import(r->w.b, r->good, &st), 0);
    assert_int_equal(st.applied, 3);
    unit_assert_same_state(r->w.a, r->w.b);
    unit_snapshot_free(&r->before);
    free(r->bytes);
    free(r->good);
    world_close(&r->w);
}

/* Import @p[0..len) from a file and expect a refusal and no change. */
static void expect_refused(struct refusal_world *r, const uint8_t *p,
                           size_t len, const char *what, size_t at)
{
    char *path = unit_path(r->w.dir, "bad.hzb");
    unit_write_file(path, p, len);
    struct hz_ingest_stats st = {0};
    int rv = import(r->w.b, path, &st);
    if (!is_refusal(rv))
        fail_msg("%s at %zu: %s", what, at, hz_errname(rv));
    unit_assert_unchanged(r->w.b, &r->before);
    /* Nothing is left behind in the node directory either. */
    char *staged = unit_path(r->w.dir_b, "import.staging");
    assert_false(exists(staged));
    free(staged);
    unlink(path);
    free(path);
}

static void truncated_bundle_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    struct refusal_world r;
    refusal_open(&r);
    for (size_t cut = 1; cut < r.len; cut += 97)
        expect_refused(&r, r.bytes, cut, "cut", cut);
    expect_refused(&r, r.bytes, r.len - 1, "cut", r.len - 1);
    refusal_close(&r);
}

static void tampered_bundle_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    struct refusal_world r;
    refusal_open(&r);
    uint8_t *copy = malloc(r.len + 1);
    assert_non_null(copy);
    for (size_t at = 0; at < r.len; at += 97) {
        memcpy(copy, r.bytes, r.len);
        copy[at] ^= 0xff;
        expect_refused(&r, copy, r.len, "flip", at);
    }
    /* The last byte (in the trailer's digest), and a byte after it. */
    memcpy(copy, r.bytes, r.len);
    copy[r.len - 1] ^= 0x01;
    expect_refused(&r, copy, r.len, "flip", r.len - 1);
    memcpy(copy, r.bytes, r.len);
    copy[r.len] = 0;
    expect_refused(&r, copy, r.len + 1, "extra byte", r.len);
    free(copy);
    refusal_close(&r);
}

static void empty_and_garbage_files_are_refused(void **state)
{
    (void)state;
    struct refusal_world r;
    refusal_open(&r);
    expect_refused(&r, (const uint8_t *)"", 0, "empty", 0);
    expect_refused(&r, (const uint8_t *)"HZBUNDLE", 8, "magic only", 0);
    uint64_t s = 0x9a9b;
    uint8_t junk[1000];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)unit_rand(&s);
    expect_refused(&r, junk, sizeof junk, "garbage", 0);
    memcpy(junk, "HZBUNDLE", 8);
    expect_refused(&r, junk, sizeof junk, "garbage after magic", 0);
    /* Two bundles glued together. */
    uint8_t *two = malloc(2 * r.len);
    assert_non_null(two);
    memcpy(two, r.bytes, r.len);
    memcpy(two + r.len, r.bytes, r.len);
    expect_refused(&r, two, 2 * r.len, "two bundles", 0);
    free(two);
    /* A file that is not there. */
    char *missing = unit_path(r.w.dir, "missing.hzb");
    assert_int_equal(hz_bundle_import(r.w.b, missing, NULL, NULL),
                     HZ_ENOTFOUND);
    unit_assert_unchanged(r.w.b, &r.before);
    free(missing);
    refusal_close(&r);
}

static void foreign_bundle_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    struct refusal_world r;
    refusal_open(&r);
    struct unit_env ef;
    unit_env_init(&ef, 9, UNIT_T0_MS);
    hz_node *f = unit_node_memory(0xf1, &ef);
    memset(f->network, 0x66, HZ_NET_LEN); /* another network */
    assert_int_equal(unit_put(f, "sites", NULL,
                              UNIT_FIELDS({"name", "测试外网安置点"}), NULL,
                              NULL),
                     0);
    uint64_t count = 0;
    char *path = export(f, r.w.dir, "foreign.hzb", NULL, &count);
    assert_int_equal(count, 1);
    assert_int_equal(import(r.w.b, path, NULL), HZ_ENETWORK);
    unit_assert_unchanged(r.w.b, &r.before);
    free(path);

    /* Our network in the header, a foreign entry inside. */
    memcpy(f->network, r.w.a->network, HZ_NET_LEN);
    path = export(f, r.w.dir, "smuggled.hzb", NULL, &count);
    assert_int_equal(import(r.w.b, path, NULL), HZ_ENETWORK);
    unit_assert_unchanged(r.w.b, &r.before);
    free(path);

    /* One good bundle with one forged entry spliced in: refused whole. */
    size_t len;
    uint8_t *bytes = unit_read_file(r.good, &len);
    /* The last entry frame ends where the trailer frame begins; flip
     * the last byte of that entry's signature and re-seal nothing. */
    size_t at = 8, last_entry_end = 0;
    while (at + 5 <= len) {
        size_t flen = (size_t)bytes[at] << 24 | (size_t)bytes[at + 1] << 16 |
                      (size_t)bytes[at + 2] << 8 | bytes[at + 3];
        if (bytes[at + 4] == 2)
            last_entry_end = at + 5 + flen;
        at += 5 + flen;
    }
    assert_int_equal(at, len);
    assert_true(last_entry_end > 0);
    bytes[last_entry_end - 1] ^= 0x01;
    expect_refused(&r, bytes, len, "forged signature", last_entry_end - 1);
    free(bytes);
    hz_node_close(f);
    refusal_close(&r);
}

/* ---- the header and trailer have one form (proto/bundle.md, "Header
 * and trailer") */

/* A header or trailer payload of the good bundle with @del bytes at @at
 * replaced by @ins and @tail appended. The good bundle's header is
 * 95 01 c4 10 <network> c4 20 <exporter> cf <created_ms> 00 (64 bytes),
 * its trailer 92 07 c4 20 <digest>. */
struct reform {
    const char *what;
    bool trailer;
    size_t at, del;
    const char *ins;
    size_t ins_len;
    const char *tail;
    size_t tail_len;
    int code;
};

#define S(x) x, sizeof(x) - 1

static const struct reform reforms[] = {
    {"header as array16", false, 0, 1, S("\xdc\x00\x05"), S(""), HZ_EMALFORMED},
    {"header as a map", false, 0, 64, S("\x81\x01\x02"), S(""), HZ_EMALFORMED},
    {"version as uint8", false, 1, 1, S("\xcc\x01"), S(""), HZ_EMALFORMED},
    {"version as int8", false, 1, 1, S("\xd0\x01"), S(""), HZ_EMALFORMED},
    {"version as str", false, 1, 1, S("\xa1\x31"), S(""), HZ_EMALFORMED},
    {"version 2, read first", false, 0, 64, S("\x91\x02"), S(""), HZ_EVERSION},
    {"version 2 of the right shape", false, 1, 1, S("\x02"), S(""),
     HZ_EVERSION},
    {"network as bin16", false, 2, 2, S("\xc5\x00\x10"), S(""), HZ_EMALFORMED},
    {"exporter as bin16", false, 20, 2, S("\xc5\x00\x20"), S(""),
     HZ_EMALFORMED},
    {"created_ms 5 in nine bytes", false, 54, 9,
     S("\xcf\x00\x00\x00\x00\x00\x00\x00\x05"), S(""), HZ_EMALFORMED},
    {"scope as uint8", false, 63, 1, S("\xcc\x00"), S(""), HZ_EMALFORMED},
    {"scope 2", false, 63, 1, S("\x02"), S(""), HZ_EMALFORMED},
    {"scope nil", false, 63, 1, S("\xc0"), S(""), HZ_EMALFORMED},
    {"six elements", false, 0, 1, S("\x96"), S("\x00"), HZ_EMALFORMED},
    {"four elements", false, 0, 1, S("\x94"), S(""), HZ_EMALFORMED},
    {"a byte after the header", false, 0, 0, S(""), S("\x00"), HZ_EMALFORMED},
    {"trailer as array16", true, 0, 1, S("\xdc\x00\x02"), S(""), HZ_EMALFORMED},
    {"count as uint8", true, 1, 1, S("\xcc\x07"), S(""), HZ_EMALFORMED},
    {"count as int8", true, 1, 1, S("\xd0\x07"), S(""), HZ_EMALFORMED},
    {"digest as bin16", true, 2, 2, S("\xc5\x00\x20"), S(""), HZ_EMALFORMED},
    {"three elements", true, 0, 1, S("\x93"), S("\xc0"), HZ_EMALFORMED},
    {"one element", true, 0, 1, S("\x91"), S(""), HZ_EMALFORMED},
    {"a byte after the trailer", true, 0, 0, S(""), S("\x00"), HZ_EMALFORMED},
};

static size_t be32(const uint8_t *p)
{
    return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

static void append_frame(uint8_t *out, size_t *len, uint8_t kind,
                         const uint8_t *p, size_t n)
{
    uint8_t *at = out + *len;
    at[0] = (uint8_t)(n >> 24);
    at[1] = (uint8_t)(n >> 16);
    at[2] = (uint8_t)(n >> 8);
    at[3] = (uint8_t)n;
    at[4] = kind;
    memcpy(at + 5, p, n);
    *len += 5 + n;
}

/* @r's good bundle with @f applied; a changed header gets a trailer
 * whose digest covers the new bytes, so only the header is wrong. */
static uint8_t *reformed(const struct refusal_world *r, const struct reform *f,
                         size_t *out_len)
{
    const uint8_t *b = r->bytes;
    size_t entries = 13 + be32(b + 8), tr = entries;
    while (b[tr + 4] != 3)
        tr += 5 + be32(b + tr);
    const uint8_t *part = f->trailer ? b + tr + 5 : b + 13;
    size_t part_len = f->trailer ? r->len - tr - 5 : be32(b + 8);
    assert_true(f->at + f->del <= part_len);
    uint8_t pay[128];
    size_t n = 0;
    memcpy(pay, part, f->at);
    n += f->at;
    memcpy(pay + n, f->ins, f->ins_len);
    n += f->ins_len;
    memcpy(pay + n, part + f->at + f->del, part_len - f->at - f->del);
    n += part_len - f->at - f->del;
    memcpy(pay + n, f->tail, f->tail_len);
    n += f->tail_len;
    uint8_t *out = malloc(r->len + 64);
    assert_non_null(out);
    size_t len = 8;
    memcpy(out, b, 8);
    if (f->trailer) {
        memcpy(out, b, tr);
        len = tr;
        append_frame(out, &len, 3, pay, n);
    } else {
        append_frame(out, &len, 1, pay, n);
        memcpy(out + len, b + entries, tr - entries);
        len += tr - entries;
        uint8_t trailer[36];
        memcpy(trailer, b + tr + 5, sizeof trailer);
        crypto_generichash(trailer + 4, HZ_HASH_LEN, out, len, NULL, 0);
        append_frame(out, &len, 3, trailer, sizeof trailer);
    }
    *out_len = len;
    return out;
}

static void header_or_trailer_not_in_its_one_form_is_refused(void **state)
{
    (void)state;
    struct refusal_world r;
    refusal_open(&r);
    const uint8_t *b = r.bytes;
    size_t tr = 13 + be32(b + 8);
    while (b[tr + 4] != 3)
        tr += 5 + be32(b + tr);
    /* The layout the table assumes. */
    assert_int_equal(be32(b + 8), 64);
    assert_memory_equal(b + 13, "\x95\x01\xc4\x10", 4);
    assert_int_equal(b[13 + 54], 0xcf);
    assert_int_equal(b[13 + 63], 0x00);
    assert_int_equal(r.len - tr - 5, 36);
    assert_memory_equal(b + tr + 5, "\x92\x07\xc4\x20", 4);
    /* Changing nothing gives the good bundle back. */
    struct reform same[] = {{"same header", false, 0, 0, S(""), S(""), 0},
                            {"same trailer", true, 0, 0, S(""), S(""), 0}};
    for (size_t i = 0; i < 2; i++) {
        size_t len;
        uint8_t *p = reformed(&r, &same[i], &len);
        assert_int_equal(len, r.len);
        assert_memory_equal(p, r.bytes, len);
        free(p);
    }
    char *path = unit_path(r.w.dir, "reformed.hzb");
    char *staged = unit_path(r.w.dir_b, "import.staging");
    for (size_t i = 0; i < sizeof reforms / sizeof reforms[0]; i++) {
        const struct reform *f = &reforms[i];
        size_t len;
        uint8_t *p = reformed(&r, f, &len);
        unit_write_file(path, p, len);
        struct hz_err err = {0};
        int rv = hz_bundle_import(r.w.b, path, NULL, &err);
        if (rv != f->code)
            fail_msg("%s: %s, not %s (%s)", f->what, hz_errname(rv),
                     hz_errname(f->code), err.msg);
        /* The message names the part that is wrong. */
        if (strstr(err.msg, f->trailer ? "trailer" : "header") == NULL)
            fail_msg("%s: %s", f->what, err.msg);
        unit_assert_unchanged(r.w.b, &r.before);
        assert_false(exists(staged));
        free(p);
    }
    unlink(path);
    free(path);
    free(staged);
    refusal_close(&r);
}

/* ---- exports for a vector */

/* ---- signatures checked in chunks, on several threads */

enum { MANY = 2600 }; /* over two chunks of pass 1 (1,024 entries) */

/* @r's good bundle header, then MANY entries of a fresh author, entry
 * @bad_sig (1-based, 0: none) with a flipped signature byte and entry
 * @garbage (0: none) not an entry at all; a trailer that matches. */
static uint8_t *many_entries(const struct refusal_world *r,
                             const struct unit_entries *es, size_t bad_sig,
                             size_t garbage, size_t *out_len)
{
    size_t cap = 64 + be32(r->bytes + 8);
    for (size_t i = 0; i < es->n; i++)
        cap += 5 + es->len[i];
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    size_t len = 13 + be32(r->bytes + 8);
    memcpy(out, r->bytes, len); /* magic and header frame */
    for (size_t i = 0; i < es->n; i++) {
        if (i + 1 == garbage) {
            append_frame(out, &len, 2, (const uint8_t *)"\xc0", 1);
            continue;
        }
        append_frame(out, &len, 2, es->p[i], es->len[i]);
        if (i + 1 == bad_sig)
            out[len - 1] ^= 0x01; /* the signature is the last field */
    }
    struct bundle_trailer t = {.count = es->n};
    crypto_generichash(t.digest, HZ_HASH_LEN, out, len, NULL, 0);
    struct enc e;
    enc_init(&e);
    assert_int_equal(bundle_trailer_encode(&t, &e), 0);
    append_frame(out, &len, 3, enc_data(&e), enc_len(&e));
    enc_close(&e);
    *out_len = len;
    return out;
}

/* Pass 1 reads entries in chunks and checks their signatures on several
 * threads: whatever the chunk, a bad signature refuses the bundle, and
 * the error names the first failing entry in file order, as if they were
 * checked one by one; a good bundle of as many entries imports whole. */
static void a_bad_signature_is_named_by_its_place_in_any_chunk(void **state)
{
    (void)state;
    struct refusal_world r;
    refusal_open(&r);
    struct unit_author x;
    unit_author_init(&x, 0x6b);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    for (uint32_t i = 0; i < MANY; i++) {
        uint8_t row[HZ_ROW_LEN] = {0x6b};
        memcpy(row + 1, &i, sizeof i);
        struct value v = {.type = VALUE_INT, .i = 1 + i % 9};
        unit_body_set(&body, 1, "households", row, "members", &v, 0, NULL);
        unit_author_next(&x, (UNIT_T0_MS << 16) + i, &body, &es, NULL);
    }
    static const struct {
        size_t bad_sig, garbage;
        int code;
        const char *names;
    } cases[] = {
        {1, 0, HZ_EBADSIG, "bundle entry 1:"},
        {1500, 0, HZ_EBADSIG, "bundle entry 1500:"},
        {MANY, 0, HZ_EBADSIG, "bundle entry 2600:"},
        /* Later in the same chunk, and in a later chunk, a frame that is
         * not an entry: the earlier bad signature is what is named. */
        {1030, 1031, HZ_EBADSIG, "bundle entry 1030:"},
        {1030, 2100, HZ_EBADSIG, "bundle entry 1030:"},
        {1031, 1030, HZ_EMALFORMED, "bundle entry 1030:"},
    };
    char *path = unit_path(r.w.dir, "many.hzb");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t len;
        uint8_t *b =
            many_entries(&r, &es, cases[k].bad_sig, cases[k].garbage, &len);
        unit_write_file(path, b, len);
        free(b);
        struct hz_err err = {0};
        struct hz_ingest_stats st = {0};
        assert_int_equal(hz_bundle_import(r.w.b, path, &st, &err),
                         cases[k].code);
        if (strncmp(err.msg, cases[k].names, strlen(cases[k].names)) != 0)
            fail_msg("case %zu: %s", k, err.msg);
        unit_assert_unchanged(r.w.b, &r.before);
    }
    size_t len;
    uint8_t *b = many_entries(&r, &es, 0, 0, &len);
    unit_write_file(path, b, len);
    free(b);
    struct hz_ingest_stats st = {0};
    assert_int_equal(import(r.w.b, path, &st), 0);
    assert_int_equal(st.applied, MANY);
    /* A takes them too, for refusal_close's comparison of A and B. */
    assert_int_equal(unit_deliver(r.w.a, &es, NULL), 0);
    unlink(path);
    free(path);
    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
    refusal_close(&r);
}

static char *vector_of(hz_node *n)
{
    char *v = NULL;
    assert_int_equal(hz_node_vector(n, &v, NULL), 0);
    return v;
}

static void export_for_a_vector_carries_only_what_is_missing(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_three(&w);
    assert_int_equal(unit_put(w.b, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点乙"}), NULL,
                              NULL),
                     0);
    unit_sync(w.a, w.b);
    unit_sync(w.b, w.a); /* A holds B's entry too */
    write_two_more(&w);

    char *vector = vector_of(w.b);
    uint64_t count = 0;
    char *path = export(w.a, w.dir, "delta.hzb", vector, &count);
    assert_int_equal(count, 3); /* A's seq 4..6, not B's own entry */
    struct hz_ingest_stats st = {0};
    assert_int_equal(import(w.b, path, &st), 0);
    assert_int_equal(st.applied, 3);
    assert_int_equal(st.duplicate, 0);
    unit_assert_same_state(w.a, w.b);

    /* Nothing is missing any more. */
    hz_free_string(vector);
    vector = vector_of(w.b);
    free(path);
    path = export(w.a, w.dir, "none.hzb", vector, &count);
    assert_int_equal(count, 0);

    /* An import of entries ahead of a gap is not a failure. */
    char *dir_c = unit_path(w.dir, "c");
    struct unit_env ec;
    unit_env_init(&ec, 3, UNIT_T0_MS);
    hz_node *c = create(dir_c, "测试节点丙", &ec);
    free(path);
    char *old = vector_of(c); /* holds nothing: everything is sent */
    path = export(w.a, w.dir, "for-c.hzb", old, &count);
    assert_int_equal(count, 7);
    hz_free_string(old);
    free(path);
    path = unit_path(w.dir, "delta.hzb");
    memset(&st, 0, sizeof st);
    assert_int_equal(import(c, path, &st), 0);
    assert_int_equal(st.pending, 3);
    assert_int_equal(unit_sql_int(c, "SELECT count(*) FROM pending"), 3);
    free(dir_c);

    free(path);
    hz_free_string(vector);
    hz_node_close(c);
    world_close(&w);
}

static void export_refuses_a_foreign_or_malformed_vector(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_three(&w);
    char *path = unit_path(w.dir, "x.hzb");
    static const char *const bad[] = {
        "",
        "{}",
        "[]",
        "{\"network\":\"00\",\"authors\":[]}",
        "{\"network\":\"68757a68752d6e6f2d6e6574776f726b\",\"authors\":"
        "[{\"author\":\"00\",\"seq\":1,\"hash\":\"00\"}]}",
        "{\"network\":\"68757a68752d6e6f2d6e6574776f726b\",\"authors\":"
        "[{\"seq\":0}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rv = hz_bundle_export(w.a, path, bad[i], NULL, NULL);
        if (rv != HZ_EMALFORMED)
            fail_msg("vector %zu: %s", i, hz_errname(rv));
        assert_false(exists(path));
    }
    assert_int_equal(
        hz_bundle_export(w.a, path,
                         "{\"network\":\"66666666666666666666666666666666\","
                         "\"authors\":[]}",
                         NULL, NULL),
        HZ_ENETWORK);
    assert_false(exists(path));
    /* The placeholder network, spelled out, is ours. */
    uint64_t count = 0;
    assert_int_equal(
        hz_bundle_export(w.a, path,
                         "{\"network\":\"68757a68752d6e6f2d6e6574776f726b\","
                         "\"authors\":[]}",
                         &count, NULL),
        0);
    assert_int_equal(count, 3);
    free(path);
    world_close(&w);
}

/* A peer that holds another history of A's key (a restored backup that
 * wrote on) receives A's whole chain, and so learns of the fork. */
static void peer_with_a_divergent_history_receives_the_whole_chain(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_three(&w);
    /* A's key, as a cloned card would hold it. */
    char *key = unit_path(w.dir_a, "node.key");
    size_t seed_len = 0;
    uint8_t *seed = unit_read_file(key, &seed_len);
    assert_int_equal(seed_len, HZ_SEED_LEN);
    free(key);
    struct unit_env et;
    unit_env_init(&et, 7, UNIT_T0_MS);
    hz_node *twin = NULL;
    assert_int_equal(
        node_open_memory(seed, schema_current(), &et.env, &twin, NULL), 0);
    free(seed);
    assert_memory_equal(twin->id.pk, w.a->id.pk, HZ_KEY_LEN);
    assert_int_equal(unit_put(twin, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点丙"}), NULL,
                              NULL),
                     0);
    assert_int_equal(unit_put(twin, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点丁"}), NULL,
                              NULL),
                     0);
    unit_sync(twin, w.b); /* B holds the twin's seq 1..2 */
    assert_int_equal(unit_sql_int(w.b, "SELECT count(*) FROM forks"), 0);

    char *vector = vector_of(w.b);
    uint64_t count = 0;
    char *path = export(w.a, w.dir, "whole.hzb", vector, &count);
    assert_int_equal(count, 3); /* all of A's chain, from seq 1 */
    struct hz_ingest_stats st = {0};
    assert_int_equal(import(w.b, path, &st), 0);
    assert_true(st.forks >= 1);
    assert_true(unit_sql_int(w.b, "SELECT count(*) FROM forks") >= 1);
    json_t *s = unit_status(w.b);
    assert_int_equal(json_array_size(json_object_get(s, "forks")), 1);
    json_decref(s);
    hz_free_string(vector);
    free(path);
    hz_node_close(twin);
    world_close(&w);
}

static void read_only_node_refuses_imports(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_three(&w);
    uint64_t count = 0;
    char *path = export(w.a, w.dir, "all.hzb", NULL, &count);
    hz_node_close(w.b);
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .flags = HZ_OPEN_READONLY,
                                .env = &w.eb.env};
    assert_int_equal(hz_node_open(w.dir_b, &opts, &w.b, NULL), 0);
    assert_int_equal(hz_bundle_import(w.b, path, NULL, NULL), HZ_EREADONLY);
    /* A read-only node still exports (DECISIONS 23). */
    free(path);
    path = export(w.b, w.dir, "ro.hzb", NULL, &count);
    assert_int_equal(count, 0);
    free(path);
    world_close(&w);
}

/* DECISIONS 7: with the pending area full, entries ahead of a gap are
 * not kept and are counted as refused; the import itself succeeds (an
 * import "exits 0 when entries are pending", DECISIONS 24). */
static void import_with_pending_full_counts_refused_and_succeeds(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    /* Two entries of X far ahead of anything B holds. */
    static const uint8_t row[HZ_ROW_LEN] = {0x0d};
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    struct value v = {.type = VALUE_STR, .s = {(const uint8_t *)"test", 4}};
    for (int i = 0; i < 6; i++) {
        unit_body_set(&body, 1, "households", row, "village", &v, 0, NULL);
        unit_author_next(&x, (UNIT_T0_MS << 16) + (uint64_t)i, &body, &es,
                         NULL);
    }
    struct unit_env em;
    unit_env_init(&em, 3, UNIT_T0_MS);
    hz_node *m = unit_node_memory(0xc3, &em);
    assert_int_equal(unit_deliver_range(m, &es, 4, 2, NULL), 0);
    uint64_t count = 0;
    char *path = export(m, w.dir, "ahead.hzb", NULL, &count);
    assert_int_equal(count, 2);

    /* B's pending area already holds the most X may have there. */
    char sql[512], author[2 * HZ_KEY_LEN + 1];
    hex_encode(x.id.pk, HZ_KEY_LEN, author);
    snprintf(sql, sizeof sql,
             "INSERT INTO pending(author, seq, id, bytes) WITH RECURSIVE"
             " c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE"
             " i < %u) SELECT x'%s', 1000 + i, randomblob(32), x'00'"
             " FROM c",
             HZ_PENDING_PER_AUTHOR_MAX, author);
    assert_int_equal(sqlite3_exec(w.b->db.conn, sql, NULL, NULL, NULL),
                     SQLITE_OK);
    /* The caps read pending_count (proto/storage.md): count them as a
     * format-1 database is counted when upgraded. */
    struct hz_err cerr = {0};
    assert_int_equal(txn_begin(w.b, &cerr), 0);
    assert_int_equal(log_count_pending(w.b, &cerr), 0);
    assert_int_equal(txn_commit(w.b, &cerr), 0);
    struct unit_snapshot before;
    unit_snapshot_take(w.b, &before);
    struct hz_ingest_stats st = {0};
    struct hz_err err = {0};
    int rv = hz_bundle_import(w.b, path, &st, &err);
    unit_assert_unchanged(w.b, &before);
    unit_snapshot_free(&before);
    free(path);
    hz_node_close(m);
    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
    world_close(&w);
    if (rv != 0)
        fail_msg("import: %s (%s)", hz_errname(rv), err.msg);
    assert_int_equal(st.refused, 2);
}

/* In-memory nodes (simulation, tests) have no directory to stage a
 * bundle in: the import must say so, or work, never crash. Kept last:
 * it crashed (bundle.c stage() calls strlen(n->dir) with dir NULL). */
static void bundle_import_into_a_memory_node_does_not_crash(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_three(&w);
    uint64_t count = 0;
    char *path = export(w.a, w.dir, "all.hzb", NULL, &count);
    struct unit_env em;
    unit_env_init(&em, 3, UNIT_T0_MS);
    hz_node *m = unit_node_memory(0xc3, &em);
    struct hz_ingest_stats st = {0};
    int rv = hz_bundle_import(m, path, &st, NULL);
    if (rv == 0) {
        assert_int_equal(st.applied, 3);
        unit_assert_same_state(w.a, m);
    } else {
        assert_int_equal(rv, HZ_EINVAL);
    }
    hz_node_close(m);
    free(path);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundle_export_import_round_trips),
        cmocka_unit_test(empty_valid_bundle_is_a_noop),
        cmocka_unit_test(truncated_bundle_is_refused_and_changes_nothing),
        cmocka_unit_test(tampered_bundle_is_refused_and_changes_nothing),
        cmocka_unit_test(empty_and_garbage_files_are_refused),
        cmocka_unit_test(foreign_bundle_is_refused_and_changes_nothing),
        cmocka_unit_test(header_or_trailer_not_in_its_one_form_is_refused),
        cmocka_unit_test(a_bad_signature_is_named_by_its_place_in_any_chunk),
        cmocka_unit_test(export_for_a_vector_carries_only_what_is_missing),
        cmocka_unit_test(export_refuses_a_foreign_or_malformed_vector),
        cmocka_unit_test(
            peer_with_a_divergent_history_receives_the_whole_chain),
        cmocka_unit_test(read_only_node_refuses_imports),
        cmocka_unit_test(import_with_pending_full_counts_refused_and_succeeds),
        cmocka_unit_test(bundle_import_into_a_memory_node_does_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
