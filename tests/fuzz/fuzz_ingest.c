/* fuzz_ingest.c - libFuzzer target: store_relay_ingest (store/store.h) of one
 * to four entries into a fresh in-memory node.
 *
 * Input layout:
 *   byte 0        bits 0-1: number of entries - 1
 *                 bit 2:    0 = raw, 1 = build (below)
 *   2 bytes each  big-endian lengths of every entry but the last
 *   the rest      the entries, back to back (lengths are cut to what is
 *                 left; the last entry takes the rest)
 * Raw: each piece is an entry's bytes as a peer would send them. Seeds
 * are real entries; mutations mostly die at the signature check.
 * Build: each piece is [sel, clk, body...] and the harness signs an
 * envelope around the body, so mutated bodies reach the content checks
 * and apply.c:
 *   sel bits 0-1  author: three fixed keys, or 3 = the node's own key
 *                 (a clone: DECISIONS 13)
 *   sel bits 2-3  link to the author's previous entry in this input:
 *                 0 next seq, prev = its id; 1 the same seq again (a
 *                 second history); 2 skip one seq (a gap); 3 next seq
 *                 with a wrong prev (a fork)
 *   clk           clock = FUZZ_NOW_MS + (int8)clk * 10 s, so some
 *                 entries are skewed past HZ_CLOCK_SKEW_MS_MAX
 * Each input is taken by a node reset to its freshly opened state (reset()
 * below), so it reproduces alone. Properties:
 *   - store_relay_ingest returns 0 (an in-memory node has no I/O errors) and
 *     counts every entry once, as taken or refused;
 *   - hz_node_log_verify passes and hz_node_state_hash succeeds;
 *   - the same entries taken in reverse order by a second fresh node give
 *     the same state hash (DECISIONS 5: the state is a function of the
 *     set of stored entries, whatever order they came in).
 * HZ_FUZZ_INGEST_ORDER=0 skips the last check, to look past a known
 * order finding for other failures (FUZZING.md). */
#include "fuzz_util.h"

#include "core/entry.h"
#include "core/identity.h"
#include "store/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PIECES_MAX 4u
#define AUTHORS 4u /* three strangers and the node itself */

static struct identity authors[AUTHORS];
static uint8_t node_seed[HZ_SEED_LEN];
static int check_order = 1;
/* A node as opened, and the two that take each input. */
static hz_node *blank, *first, *second;

static hz_node *open_node(void)
{
    hz_node *n;
    struct hz_err err = {0};
    fuzz_env_reset();
    FUZZ_CHECK(node_open_memory(node_seed, schema_current(), fuzz_env(), &n,
                                &err) == 0);
    return n;
}

/* Put @n back to the state of a node just opened: empty every table but
 * the meta rows written when it was opened and `names`, the dictionary
 * the opening filled with the schema's table and column names (authors'
 * keys added later stay too: the dictionary is not state). Opening a node costs
 * ~100 ms under ASan (creating the tables), copying a blank one with the backup
 * API ~10 ms (every cached statement is prepared again); emptying the
 * tables keeps the statements and costs well under one. Nothing but the
 * database carries state between transactions (DECISIONS 6). */
static char *reset_sql;

static void make_reset_sql(void)
{
    /* The search index in FTS5 is emptied through FTS5 ('delete-all':
     * it caches what it read of its shadow tables, which are left
     * alone, as its other virtual tables are). */
    const char *sql =
        "SELECT group_concat(CASE WHEN sql LIKE 'CREATE VIRTUAL TABLE %'"
        " THEN 'INSERT INTO \"' || name || '\"(\"' || name || '\")"
        " VALUES(''delete-all'')' ELSE 'DELETE FROM ' || quote(name) END,"
        " ';') || ';DELETE FROM meta WHERE k NOT IN (' ||"
        " (SELECT group_concat(quote(k)) FROM meta) || ')'"
        " FROM sqlite_master AS m WHERE type = 'table' AND name <> 'meta'"
        " AND name <> 'names' AND name NOT LIKE 'sqlite_stat%' AND NOT"
        " (sql LIKE 'CREATE VIRTUAL TABLE %' AND sql NOT LIKE '% USING"
        " fts5(%') AND NOT EXISTS (SELECT 1 FROM sqlite_master AS v WHERE"
        " v.sql LIKE 'CREATE VIRTUAL TABLE %' AND m.name LIKE v.name ||"
        " '\\_%' ESCAPE '\\')";
    sqlite3_stmt *st;
    FUZZ_CHECK(sqlite3_prepare_v2(blank->db.conn, sql, -1, &st, NULL) ==
               SQLITE_OK);
    FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW);
    const char *text = (const char *)sqlite3_column_text(st, 0);
    FUZZ_CHECK(text != NULL);
    reset_sql = strdup(text);
    FUZZ_CHECK(reset_sql != NULL);
    sqlite3_finalize(st);
}

static void reset(hz_node *n)
{
    char *msg = NULL;
    if (sqlite3_exec(n->db.conn, reset_sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "reset: %s\n", msg != NULL ? msg : "?");
        FUZZ_CHECK(!"reset the node");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(hz_init() == 0);
    const char *order = getenv("HZ_FUZZ_INGEST_ORDER");
    if (order != NULL && strcmp(order, "0") == 0)
        check_order = 0;
    for (unsigned i = 0; i < AUTHORS; i++) {
        uint8_t seed[HZ_SEED_LEN];
        memset(seed, (int)(0xa0 + i), sizeof seed);
        if (i == AUTHORS - 1)
            memcpy(node_seed, seed, sizeof seed);
        identity_from_seed(&authors[i], seed);
    }
    blank = open_node();
    first = open_node();
    second = open_node();
    make_reset_sql();
    return 0;
}

/* What this input has built so far for one author. */
struct chain {
    uint64_t seq; /* 0: nothing yet */
    uint8_t id[HZ_HASH_LEN];
    uint8_t prev[HZ_HASH_LEN];
};

/* Sign an envelope around @body as described at the top. The entry's
 * bytes are appended to @out. */
static void build(const uint8_t *piece, size_t len, struct chain *chains,
                  unsigned index, struct enc *out)
{
    uint8_t sel = piece[0];
    int8_t clk = (int8_t)piece[1];
    struct identity *who = &authors[sel & 3u];
    struct chain *c = &chains[sel & 3u];
    struct entry e;
    memset(&e, 0, sizeof e);
    e.version = HZ_ENTRY_VERSION;
    memcpy(e.network, blank->network, HZ_NET_LEN);
    memcpy(e.author, who->pk, HZ_KEY_LEN);
    switch ((sel >> 2) & 3u) {
    case 0: /* next */
        e.seq = c->seq + 1;
        memcpy(e.prev, c->id, HZ_HASH_LEN);
        break;
    case 1: /* the same seq again */
        e.seq = c->seq > 0 ? c->seq : 1;
        memcpy(e.prev, c->prev, HZ_HASH_LEN);
        break;
    case 2: /* a gap */
        e.seq = c->seq + 2;
        memset(e.prev, 0x5a, HZ_HASH_LEN);
        break;
    default: /* next, with a wrong prev */
        e.seq = c->seq + 1;
        memset(e.prev, 0xa5, HZ_HASH_LEN);
        break;
    }
    if (e.seq == 1)
        memset(e.prev, 0, HZ_HASH_LEN);
    int64_t ms = (int64_t)FUZZ_NOW_MS + (int64_t)clk * 10000;
    e.clock = (uint64_t)ms << 16 | index;
    e.body.p = piece + 2;
    e.body.len = len - 2;

    struct enc tmp;
    enc_init(&tmp);
    FUZZ_CHECK(entry_sign(&e, who->sk, &tmp) == 0);
    enc_raw(out, enc_data(&tmp), enc_len(&tmp));
    enc_close(&tmp);
    c->seq = e.seq;
    memcpy(c->prev, e.prev, HZ_HASH_LEN);
    memcpy(c->id, e.id, HZ_HASH_LEN);
}

/* Take the entries into a fresh node; return its state hash in @hash. */
static void take(hz_node *n, size_t count, const uint8_t *const *p,
                 const size_t *len, char *hash)
{
    reset(n);
    struct hz_err err = {0};
    struct hz_ingest_stats st = {0};
    int rv = store_relay_ingest(n, count, p, len, &st, &err);
    if (rv != 0)
        fprintf(stderr, "store_relay_ingest: %s\n", err.msg);
    FUZZ_CHECK(rv == 0);
    FUZZ_CHECK(st.entries + st.refused == count);
    FUZZ_CHECK(st.applied + st.duplicate + st.pending + st.rejected + st.held +
                   st.stopped + st.forks ==
               st.entries);

    uint64_t checked = 0;
    rv = hz_node_log_verify(n, &checked, &err);
    if (rv != 0)
        fprintf(stderr, "log verify: %s\n", err.msg);
    FUZZ_CHECK(rv == 0);
    rv = hz_node_state_hash(n, hash, &err);
    if (rv != 0)
        fprintf(stderr, "state hash: %s\n", err.msg);
    FUZZ_CHECK(rv == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t count = (data[0] & 3u) + 1;
    int built = (data[0] >> 2) & 1u;
    size_t pos = 1;
    size_t lens[PIECES_MAX];
    for (size_t i = 0; i + 1 < count; i++) {
        lens[i] = pos + 2 <= size ? (size_t)data[pos] << 8 | data[pos + 1] : 0;
        pos = pos + 2 <= size ? pos + 2 : size;
    }
    const uint8_t *piece[PIECES_MAX];
    size_t piece_len[PIECES_MAX];
    for (size_t i = 0; i < count; i++) {
        size_t left = size - pos;
        size_t n = i + 1 < count && lens[i] < left ? lens[i] : left;
        piece[i] = data + pos;
        piece_len[i] = n;
        pos += n;
    }

    /* Built entries live in one buffer; offsets first, pointers after,
     * since the buffer may move while it grows. */
    struct enc buf;
    enc_init(&buf);
    struct chain chains[AUTHORS];
    memset(chains, 0, sizeof chains);
    size_t off[PIECES_MAX];
    for (size_t i = 0; i < count; i++) {
        off[i] = enc_len(&buf);
        if (built && piece_len[i] >= 2)
            build(piece[i], piece_len[i], chains, (unsigned)i, &buf);
        else
            enc_raw(&buf, piece[i], piece_len[i]);
        FUZZ_CHECK(enc_done(&buf) == 0);
    }
    /* An empty encoder has no buffer at all. */
    const uint8_t *base =
        enc_len(&buf) > 0 ? enc_data(&buf) : (const uint8_t *)"";
    const uint8_t *p[PIECES_MAX], *rev_p[PIECES_MAX];
    size_t len[PIECES_MAX], rev_len[PIECES_MAX];
    for (size_t i = 0; i < count; i++) {
        size_t end = i + 1 < count ? off[i + 1] : enc_len(&buf);
        p[i] = base + off[i];
        len[i] = end - off[i];
        rev_p[count - 1 - i] = p[i];
        rev_len[count - 1 - i] = len[i];
    }

    char forward[HZ_KEY_HEX_LEN + 1], backward[HZ_KEY_HEX_LEN + 1];
    take(first, count, p, len, forward);
    if (check_order) {
        take(second, count, rev_p, rev_len, backward);
        if (strcmp(forward, backward) != 0)
            fprintf(stderr, "state hash forward %s, reversed %s\n", forward,
                    backward);
        FUZZ_CHECK(strcmp(forward, backward) == 0);
    }
    enc_close(&buf);
    return 0;
}
