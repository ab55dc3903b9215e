/* test_sync.c - live-sync sessions between two nodes in one process,
 * without sockets (proto/sync.md; core/session.h with the store's side,
 * store_sync_io): the handshake with each side judging the other's
 * chain, then hello, vector, the entries the other lacks (every author's,
 * not only the sender's), done; received entries go through the store's
 * ingest. The bytes move in pieces of any size, as a socket delivers
 * them. Then the session stays open: what a node writes later is pushed
 * (and not sent back), a sender makes no more than its caller's room
 * allows, and a later vector round finds what a push missed. The
 * messages' forms and order are checked too. */
#include "lib/unit_env.h"

#include "core/entry.h"
#include "core/session.h"
#include "huzhu/trust.h"
#include "store/store.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* One side of a session in this process: its node, the store's side of
 * the session, and the bytes it sent that the other has not read yet. */
struct side {
    struct store_sync ctx;
    struct sync_io io;
    struct store_self self;
    struct sync_sess *s;
    struct enc out;
    size_t read;
    size_t most_unread; /* the most bytes sent and not yet read */
    struct sync_sess_stats st;
};

/* The clock the sessions are fed, and the room each pump is given. */
static uint64_t now_ms = UNIT_T0_MS;
static size_t room = 4u << 20;

/* The version the dialling side says in its hello (0: HZ_SYNC_VERSION):
 * 1 is an older node's. */
static uint64_t client_version;

static int side_open(struct side *x, hz_node *n, enum hs_role role,
                     uint8_t seed_byte, struct hz_err *err)
{
    memset(x, 0, sizeof *x);
    enc_init(&x->out);
    x->ctx.n = n;
    store_sync_io(&x->ctx, &x->io);
    int rv = store_channel_self(n, &x->self, err);
    if (rv != 0)
        return rv;
    struct hs_self hs = {x->self.pk, x->self.sk, x->self.chain,
                         x->self.chain_len};
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    rv = sync_sess_new(&x->s, role, x->self.secret, &hs, seed, &x->io,
                       UNIT_T0_MS, &x->out, err);
    if (rv == 0 && role == HS_CLIENT && client_version != 0)
        assert_int_equal(sync_sess_set_version(x->s, client_version), 0);
    return rv;
}

static void side_close(struct side *x)
{
    if (x->s != NULL)
        sync_sess_stats(x->s, &x->st);
    sync_sess_free(x->s);
    x->s = NULL;
    store_sync_close(&x->ctx);
    store_channel_self_close(&x->self);
    enc_close(&x->out);
}

/* Give @to up to @chunk of the bytes @from sent. 1 when there were none. */
static int carry(struct side *from, struct side *to, size_t chunk,
                 struct hz_err *err)
{
    size_t left = enc_len(&from->out) - from->read;
    if (left == 0)
        return 1;
    size_t n = left < chunk ? left : chunk;
    int rv = sync_sess_feed(to->s, enc_data(&from->out) + from->read, n, now_ms,
                            &to->out, err);
    from->read += n;
    return rv;
}

/* Let @x send what it has, given room for what it sent and @to did not
 * read yet. 1 when it sent nothing. */
static int pump(struct side *x, struct hz_err *err)
{
    size_t unread = enc_len(&x->out) - x->read;
    size_t before = enc_len(&x->out);
    int rv = sync_sess_pump(x->s, now_ms, unread < room ? room - unread : 0,
                            &x->out, err);
    unread = enc_len(&x->out) - x->read;
    if (unread > x->most_unread)
        x->most_unread = unread;
    return rv != 0 ? rv : enc_len(&x->out) == before;
}

/* Move bytes both ways until neither side has anything to send. */
static int settle(struct side *a, struct side *b, size_t chunk,
                  struct hz_err *err)
{
    int rv = 0;
    for (int round = 0; rv == 0 && round < 1000000; round++) {
        int r[4];
        r[0] = carry(a, b, chunk, err);
        r[1] = r[0] < 0 ? 0 : carry(b, a, chunk, err);
        r[2] = r[1] < 0 ? 0 : pump(a, err);
        r[3] = r[2] < 0 ? 0 : pump(b, err);
        bool quiet = true;
        for (int i = 0; i < 4; i++) {
            if (r[i] < 0)
                return r[i];
            quiet = quiet && r[i] == 1;
        }
        if (quiet)
            return 0;
    }
    return rv;
}

/* A whole session between @na (dialling) and @nb, the bytes carried in
 * pieces of @chunk, left open. 0, or the first refusal. */
static int session(hz_node *na, hz_node *nb, size_t chunk, struct side *a,
                   struct side *b, struct hz_err *err)
{
    int rv = side_open(a, na, HS_CLIENT, 0xa5, err);
    if (rv == 0)
        rv = side_open(b, nb, HS_SERVER, 0xb5, err);
    if (rv == 0)
        rv = settle(a, b, chunk, err);
    if (rv == 0)
        assert_true(sync_sess_caught_up(a->s) && sync_sess_caught_up(b->s));
    return rv;
}

static void session_ok(hz_node *na, hz_node *nb, size_t chunk, struct side *a,
                       struct side *b)
{
    struct hz_err err = {0};
    if (session(na, nb, chunk, a, b, &err) != 0)
        fail_msg("session: %s", err.msg);
    side_close(a);
    side_close(b);
}

struct world {
    char *base;
    struct unit_site r, d, e;
};

static void write_rows(hz_node *n, const char *village, int count)
{
    for (int i = 0; i < count; i++)
        assert_int_equal(unit_put(n, "households", NULL,
                                  UNIT_FIELDS({"village", village}), NULL,
                                  NULL),
                         0);
}

static void world_open(struct world *w)
{
    w->base = unit_tmpdir();
    unit_site_create(w->base, &w->r, "r", 11);
    unit_site_create(w->base, &w->d, "d", 12);
    unit_site_create(w->base, &w->e, "e", 13);
    char *net = NULL;
    struct hz_err err = {0};
    if (hz_network_create(w->r.n, "测试网", &net, &err) != 0)
        fail_msg("network create: %s", err.msg);
    hz_free_string(net);
    unit_admit_join(w->r.n, w->d.n, 0);
    unit_admit_join(w->r.n, w->e.n, 0);
}

static void world_close(struct world *w)
{
    unit_site_close(&w->r);
    unit_site_close(&w->d);
    unit_site_close(&w->e);
    unit_rmtree(w->base);
    free(w->base);
}

static void
two_members_converge_and_a_third_authors_entries_are_relayed(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_rows(w.r.n, "测试村甲", 30);
    write_rows(w.d.n, "测试村乙", 20);
    write_rows(w.e.n, "测试村丙", 10);
    /* E meets R first; then D, which never met E, meets R. Bytes move in
     * pieces of odd sizes: messages arrive split and joined. */
    struct side a, b;
    session_ok(w.e.n, w.r.n, 977, &a, &b);
    unit_assert_same_state(w.e.n, w.r.n);
    session_ok(w.d.n, w.r.n, 1 << 20, &a, &b);
    unit_assert_same_state(w.d.n, w.r.n);
    /* D got R's entries and E's through R, R got D's. */
    assert_int_equal(a.ctx.got.applied, 44);
    assert_int_equal(b.ctx.got.applied, 21);
    assert_int_equal(a.st.entries_in, 44);
    assert_int_equal(b.st.entries_out, 44);
    /* E meets R again and has D's too: all three hold the same. */
    session_ok(w.e.n, w.r.n, 64, &a, &b);
    unit_assert_same_state(w.e.n, w.d.n);
    /* Up to date: only hello, vector and done each way. */
    session_ok(w.d.n, w.r.n, 4096, &a, &b);
    assert_int_equal(a.ctx.got.entries, 0);
    assert_int_equal(b.ctx.got.entries, 0);
    assert_int_equal(a.st.frames_in, 3);
    assert_int_equal(b.st.frames_in, 3);
    world_close(&w);
}

static void a_revoked_member_opens_no_session(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_rows(w.d.n, "测试村乙", 5);
    char key[2 * HZ_KEY_LEN + 1], *summary = NULL;
    hz_node_key_hex(w.d.n, key);
    assert_int_equal(hz_revoke(w.r.n, key, 0, 0, &summary, NULL), 0);
    hz_free_string(summary);
    struct unit_snapshot before, before_d;
    unit_snapshot_take(w.r.n, &before);
    unit_snapshot_take(w.d.n, &before_d);
    struct side a, b;
    struct hz_err err = {0};
    assert_int_equal(session(w.d.n, w.r.n, 1000, &a, &b, &err), HZ_EREVOKED);
    /* R showed nothing of itself: D never proved its peer. */
    assert_null(sync_sess_peer(a.s));
    side_close(&a);
    side_close(&b);
    unit_assert_unchanged(w.r.n, &before);
    unit_assert_unchanged(w.d.n, &before_d);
    unit_snapshot_free(&before);
    unit_snapshot_free(&before_d);
    world_close(&w);
}

/* A dialler that never says anything: the handshake ends by the clock. */
static void a_silent_peer_times_out(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct side b;
    struct hz_err err = {0};
    assert_int_equal(side_open(&b, w.r.n, HS_SERVER, 0xb5, &err), 0);
    assert_int_equal(
        sync_sess_pump(b.s, UNIT_T0_MS + HZ_HS_TIMEOUT_MS, room, &b.out, &err),
        0);
    assert_int_equal(sync_sess_pump(b.s, UNIT_T0_MS + HZ_HS_TIMEOUT_MS + 1,
                                    room, &b.out, &err),
                     HZ_EIO);
    side_close(&b);
    world_close(&w);
}

static void messages_keep_their_form_and_order(void **state)
{
    (void)state;
    struct enc m;
    enc_init(&m);
    struct sync_msg msg;
    struct sync_order o = {0};
    struct hz_err err = {0};
    /* Entries before hello: out of order. */
    static const uint8_t one[] = {0x90};
    const uint8_t *p[] = {one};
    size_t len[] = {1};
    assert_int_equal(sync_entries_encode(p, len, 1, &m), 0);
    assert_int_equal(
        sync_msg_decode(&msg, enc_data(&m), enc_len(&m), HZ_SYNC_VERSION, &err),
        0);
    assert_int_equal(sync_order_take(&o, &msg, 0, 0, &err), HZ_EMALFORMED);
    sync_msg_close(&msg);
    /* A newer version's hello: the session speaks ours. */
    static const uint8_t hello2[] = {0x92, 0x00, HZ_SYNC_VERSION + 1};
    assert_int_equal(
        sync_msg_decode(&msg, hello2, sizeof hello2, HZ_SYNC_VERSION, &err), 0);
    assert_int_equal(sync_order_take(&o, &msg, 0, 0, &err), 0);
    assert_int_equal(o.version, HZ_SYNC_VERSION);
    sync_msg_close(&msg);
    /* A type this version does not know: skipped. */
    static const uint8_t future[] = {0x92, 0x09, 0xc0};
    assert_int_equal(
        sync_msg_decode(&msg, future, sizeof future, HZ_SYNC_VERSION, &err), 0);
    assert_int_equal(msg.type, SYNC_UNKNOWN);
    assert_int_equal(sync_order_take(&o, &msg, 0, 0, &err), 0);
    sync_msg_close(&msg);
    /* Done for a round not sent: out of order. */
    assert_int_equal(sync_done_encode(&m), 0);
    assert_int_equal(
        sync_msg_decode(&msg, enc_data(&m), enc_len(&m), HZ_SYNC_VERSION, &err),
        0);
    assert_int_equal(sync_order_take(&o, &msg, 0, 0, &err), HZ_EMALFORMED);
    sync_msg_close(&msg);
    /* Vector authors must rise, across messages too. */
    struct sync_has h[2] = {{{2}, 1, {0}}, {{1}, 1, {0}}};
    assert_int_equal(sync_vector_encode(h, 1, true, &m), 0);
    assert_int_equal(
        sync_msg_decode(&msg, enc_data(&m), enc_len(&m), HZ_SYNC_VERSION, &err),
        0);
    assert_int_equal(sync_order_take(&o, &msg, 0, 0, &err), 0);
    sync_msg_close(&msg);
    assert_int_equal(sync_vector_encode(h + 1, 1, false, &m), 0);
    assert_int_equal(
        sync_msg_decode(&msg, enc_data(&m), enc_len(&m), HZ_SYNC_VERSION, &err),
        0);
    assert_int_equal(sync_order_take(&o, &msg, 0, 0, &err), HZ_EMALFORMED);
    sync_msg_close(&msg);
    enc_close(&m);
}

/* Decode @m's bytes and take them into @o. */
static int take_enc(struct sync_order *o, struct enc *m, uint64_t answered,
                    uint64_t sent)
{
    struct sync_msg msg;
    struct hz_err err = {0};
    assert_int_equal(
        sync_msg_decode(&msg, enc_data(m), enc_len(m), HZ_SYNC_VERSION, &err),
        0);
    int rv = sync_order_take(o, &msg, answered, sent, &err);
    sync_msg_close(&msg);
    return rv;
}

/* Rounds: a second only once the first was answered; one done per round
 * of ours; keepalives at any time after hello. */
static void vector_rounds_keep_their_order(void **state)
{
    (void)state;
    struct enc m;
    enc_init(&m);
    struct sync_order o = {0};
    struct sync_has h[2] = {{{1}, 1, {0}}, {{2}, 1, {0}}};
    assert_int_equal(sync_keepalive_encode(&m), 0);
    assert_int_equal(take_enc(&o, &m, 0, 0), HZ_EMALFORMED);
    assert_int_equal(sync_hello_encode(HZ_SYNC_VERSION, &m), 0);
    assert_int_equal(take_enc(&o, &m, 0, 0), 0);
    assert_int_equal(sync_vector_encode(h, 2, false, &m), 0);
    assert_int_equal(take_enc(&o, &m, 0, 0), 0);
    assert_int_equal(o.rounds, 1);
    /* The peer's next round before we answered its first. */
    assert_int_equal(take_enc(&o, &m, 0, 0), HZ_EMALFORMED);
    /* Answered: a new round, its authors rising afresh. */
    assert_int_equal(sync_vector_encode(h, 1, true, &m), 0);
    assert_int_equal(take_enc(&o, &m, 1, 0), 0);
    assert_int_equal(sync_vector_encode(h + 1, 1, false, &m), 0);
    assert_int_equal(take_enc(&o, &m, 1, 0), 0);
    assert_int_equal(o.rounds, 2);
    /* done: one for each round of ours. */
    assert_int_equal(sync_done_encode(&m), 0);
    assert_int_equal(take_enc(&o, &m, 2, 0), HZ_EMALFORMED);
    assert_int_equal(take_enc(&o, &m, 2, 1), 0);
    assert_int_equal(take_enc(&o, &m, 2, 1), HZ_EMALFORMED);
    assert_int_equal(sync_keepalive_encode(&m), 0);
    assert_int_equal(take_enc(&o, &m, 2, 1), 0);
    enc_close(&m);
}

static void bad_forms_are_refused(void **state)
{
    (void)state;
    struct sync_msg msg;
    struct hz_err err = {0};
    /* Known types in another form: a seq 0, a hello with a str, a
     * non-canonical uint, an empty entries list. */
    static const struct {
        const char *what;
        uint8_t b[8];
        size_t n;
    } bad[] = {
        {"hello with a str", {0x92, 0x00, 0xa1, 0x31}, 4},
        {"hello as uint8", {0x92, 0x00, 0xcc, 0x01}, 4},
        {"hello version 0", {0x92, 0x00, 0x00}, 3},
        {"entries empty", {0x92, 0x02, 0x90}, 3},
        {"done with a field", {0x92, 0x03, 0xc0}, 3},
        {"keepalive with a field", {0x92, 0x04, 0xc0}, 3},
        {"not an array", {0x03}, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rv =
            sync_msg_decode(&msg, bad[i].b, bad[i].n, HZ_SYNC_VERSION, &err);
        if (rv != HZ_EMALFORMED)
            fail_msg("%s: %d", bad[i].what, rv);
    }
}

/* A vector round is bounded over all its messages: one author more than
 * HZ_SYNC_ROUND_MAX ends the session (a member cannot make a node keep
 * an endless round). */
static void a_vector_round_is_bounded(void **state)
{
    (void)state;
    struct sync_order o = {0};
    struct enc m;
    enc_init(&m);
    assert_int_equal(sync_hello_encode(HZ_SYNC_VERSION, &m), 0);
    assert_int_equal(take_enc(&o, &m, 0, 0), 0);
    struct sync_has *h = calloc(HZ_SYNC_VECTOR_MAX, sizeof *h);
    assert_non_null(h);
    uint32_t next = 0;
    int rv = 0;
    for (size_t k = 0; rv == 0 && k <= HZ_SYNC_ROUND_MAX / HZ_SYNC_VECTOR_MAX;
         k++) {
        size_t n =
            k < HZ_SYNC_ROUND_MAX / HZ_SYNC_VECTOR_MAX ? HZ_SYNC_VECTOR_MAX : 1;
        for (size_t i = 0; i < n; i++, next++) {
            memset(&h[i], 0, sizeof h[i]);
            h[i].author[0] = (uint8_t)(next >> 24);
            h[i].author[1] = (uint8_t)(next >> 16);
            h[i].author[2] = (uint8_t)(next >> 8);
            h[i].author[3] = (uint8_t)next;
            h[i].seq = 1;
        }
        assert_int_equal(sync_vector_encode(h, n, true, &m), 0);
        rv = take_enc(&o, &m, 0, 0);
    }
    assert_int_equal(rv, HZ_ETOOBIG);
    assert_int_equal(next, HZ_SYNC_ROUND_MAX + 1);
    free(h);
    enc_close(&m);
}

static void sess_stats(const struct side *x, struct sync_sess_stats *st)
{
    sync_sess_stats(x->s, st);
}

/* Sessions stay open: what a node writes later reaches the peer with no
 * new session and is not sent back; a node with two sessions passes what
 * one brings on to the other. */
static void a_live_session_pushes_what_is_written_later(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_rows(w.r.n, "测试村甲", 5);
    write_rows(w.d.n, "测试村乙", 3);
    struct side a, b, c, f;
    struct hz_err err = {0};
    if (session(w.d.n, w.r.n, 1000, &a, &b, &err) != 0)
        fail_msg("session: %s", err.msg);
    unit_assert_same_state(w.d.n, w.r.n);
    struct sync_sess_stats a0, b0, a1, b1;
    sess_stats(&a, &a0);
    sess_stats(&b, &b0);
    write_rows(w.r.n, "测试村甲", 4);
    assert_int_equal(settle(&a, &b, 1000, &err), 0);
    unit_assert_same_state(w.d.n, w.r.n);
    sess_stats(&a, &a1);
    sess_stats(&b, &b1);
    assert_int_equal(b1.entries_out - b0.entries_out, 4);
    assert_int_equal(a1.entries_out, a0.entries_out); /* none sent back */
    write_rows(w.d.n, "测试村乙", 2);
    assert_int_equal(settle(&a, &b, 1000, &err), 0);
    unit_assert_same_state(w.d.n, w.r.n);
    sess_stats(&a, &a0);
    sess_stats(&b, &b0);
    assert_int_equal(a0.entries_out - a1.entries_out, 2);
    assert_int_equal(b0.entries_out, b1.entries_out);
    /* E opens a second session with R: its rows reach D through R's
     * first session, and nothing is applied twice. */
    write_rows(w.e.n, "测试村丙", 3);
    uint64_t d_applied = a.ctx.got.applied;
    if (session(w.e.n, w.r.n, 333, &c, &f, &err) != 0)
        fail_msg("session: %s", err.msg);
    unit_assert_same_state(w.e.n, w.r.n);
    assert_true(f.ctx.got.applied >= 3);
    assert_int_equal(settle(&a, &b, 1000, &err), 0);
    unit_assert_same_state(w.d.n, w.e.n);
    /* D applied exactly what R took from E, once. */
    assert_int_equal(a.ctx.got.applied - d_applied, f.ctx.got.applied);
    assert_int_equal(a.ctx.got.duplicate, 0);
    side_close(&a);
    side_close(&b);
    side_close(&c);
    side_close(&f);
    world_close(&w);
}

/* Statements run on a connection that read the log (SQLITE_TRACE_STMT). */
static int count_log_reads(unsigned type, void *data, void *stmt, void *sql)
{
    (void)type;
    (void)stmt;
    if (strstr((const char *)sql, "FROM log") != NULL)
        (*(int *)data)++;
    return 0;
}

/* An open session that has sent all there was does not read the log
 * again until something is committed: by the node's own handle (a
 * session it holds took entries in) or by another (a command on the
 * same directory); either is then pushed. */
static void an_idle_session_reads_the_log_only_after_a_commit(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_rows(w.r.n, "测试村甲", 3);
    struct side a, b;
    struct hz_err err = {0};
    if (session(w.d.n, w.r.n, 1000, &a, &b, &err) != 0)
        fail_msg("session: %s", err.msg);
    int reads = 0;
    sqlite3_trace_v2(w.r.n->db.conn, SQLITE_TRACE_STMT, count_log_reads,
                     &reads);
    for (int i = 0; i < 20; i++)
        assert_int_equal(pump(&b, &err), 1); /* nothing to send */
    assert_int_equal(reads, 0);
    /* Another handle on R's directory writes: R's session pushes it. */
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &w.r.env.env};
    hz_node *other = NULL;
    if (hz_node_open(w.r.dir, &opts, &other, &err) != 0)
        fail_msg("open: %s", err.msg);
    struct sync_sess_stats b0, b1;
    sess_stats(&b, &b0);
    write_rows(other, "测试村乙", 2);
    assert_int_equal(settle(&a, &b, 1000, &err), 0);
    assert_true(reads > 0);
    sess_stats(&b, &b1);
    assert_int_equal(b1.entries_out - b0.entries_out, 2);
    unit_assert_same_state(w.d.n, other);
    /* Idle again; then D writes, R takes it in with its own handle (no
     * change of data_version there) and its other sessions would push
     * it: the session with D only sends nothing back. */
    reads = 0;
    for (int i = 0; i < 20; i++)
        assert_int_equal(pump(&b, &err), 1);
    assert_int_equal(reads, 0);
    uint64_t commits = w.r.n->commits;
    write_rows(w.d.n, "测试村丙", 1);
    assert_int_equal(settle(&a, &b, 1000, &err), 0);
    assert_true(w.r.n->commits > commits);
    unit_assert_same_state(w.d.n, w.r.n);
    sqlite3_trace_v2(w.r.n->db.conn, 0, NULL, NULL);
    hz_node_close(other);
    side_close(&a);
    side_close(&b);
    world_close(&w);
}

/* A sender makes only what its caller's room allows: never more than
 * the room and one message unread, however much the peer lacks. */
static void a_sender_makes_no_more_than_its_room(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_rows(w.r.n, "测试村甲", 5000);
    room = 8192;
    struct side a, b;
    struct hz_err err = {0};
    int rv = session(w.d.n, w.r.n, 1 << 16, &a, &b, &err);
    room = 4u << 20;
    if (rv != 0)
        fail_msg("session: %s", err.msg);
    unit_assert_same_state(w.d.n, w.r.n);
    struct sync_sess_stats st;
    sess_stats(&b, &st);
    assert_true(st.entries_out >= 5000);
    assert_int_equal(st.entries_out, a.ctx.got.applied);
    /* hello, vector, done and more than one entries message */
    assert_true(st.frames_out >= 5);
    assert_true(b.most_unread <= 8192 + HZ_FRAME_PLAIN_MAX + 64);
    side_close(&a);
    side_close(&b);
    world_close(&w);
}

/* Quiet sessions say so every HZ_KEEPALIVE_MS; after HZ_ROUND_MS a new
 * vector round finds what a push did not carry. */
static void a_later_round_finds_what_a_push_missed(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_rows(w.r.n, "测试村甲", 2);
    struct side a, b;
    struct hz_err err = {0};
    if (session(w.d.n, w.r.n, 4096, &a, &b, &err) != 0)
        fail_msg("session: %s", err.msg);
    struct sync_sess_stats a0, a1;
    sess_stats(&a, &a0);
    now_ms += HZ_KEEPALIVE_MS;
    assert_int_equal(settle(&a, &b, 4096, &err), 0);
    sess_stats(&a, &a1);
    assert_int_equal(a1.frames_out, a0.frames_out + 1);
    assert_int_equal(a1.frames_in, a0.frames_in + 1);
    /* R's session passes over its new rows as if it had pushed them. */
    write_rows(w.r.n, "测试村甲", 3);
    b.ctx.push[0] = INT64_MAX / 2;
    uint64_t applied = a.ctx.got.applied;
    assert_int_equal(settle(&a, &b, 4096, &err), 0);
    assert_int_equal(a.ctx.got.applied, applied);
    now_ms += HZ_ROUND_MS;
    assert_int_equal(settle(&a, &b, 4096, &err), 0);
    now_ms = UNIT_T0_MS;
    assert_int_equal(a.ctx.got.applied, applied + 3);
    unit_assert_same_state(w.d.n, w.r.n);
    side_close(&a);
    side_close(&b);
    world_close(&w);
}

/* How far behind each side is (status, per contact): what a node holds
 * now against what its session knows the peer holds. With the vectors
 * exchanged and nothing moved yet, each side counts what the other
 * lacks, the two counts agree, and they are what then moves; caught up,
 * nothing is behind. */
static void lag_of(struct side *x, hz_node *n, uint64_t *they, uint64_t *we)
{
    struct sync_has *tops = NULL;
    size_t count = 0;
    assert_int_equal(store_tops(n, &tops, &count, NULL), 0);
    assert_true(sync_sess_lag(x->s, tops, count, they, we));
    free(tops);
}

static void each_side_counts_how_far_behind_the_other_is(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_rows(w.r.n, "测试村甲", 12);
    write_rows(w.e.n, "测试村丙", 7);
    struct side a, b;
    struct hz_err err = {0};
    uint64_t they_b, we_b, they_a, we_a;
    assert_int_equal(side_open(&a, w.e.n, HS_CLIENT, 0xa5, &err), 0);
    assert_int_equal(side_open(&b, w.r.n, HS_SERVER, 0xb5, &err), 0);
    assert_false(sync_sess_lag(b.s, NULL, 0, &they_b, &we_b));
    /* No room to send entries: the handshake and vectors only. */
    size_t saved = room;
    room = 0;
    assert_int_equal(settle(&a, &b, 977, &err), 0);
    room = saved;
    lag_of(&b, w.r.n, &they_b, &we_b);
    lag_of(&a, w.e.n, &they_a, &we_a);
    assert_true(they_b >= 12 && we_b >= 7);
    assert_int_equal(they_b, we_a);
    assert_int_equal(we_b, they_a);
    assert_int_equal(settle(&a, &b, 977, &err), 0);
    struct sync_sess_stats sb;
    sess_stats(&b, &sb);
    assert_int_equal(sb.entries_out, they_b);
    assert_int_equal(sb.entries_in, we_b);
    lag_of(&b, w.r.n, &they_b, &we_b);
    lag_of(&a, w.e.n, &they_a, &we_a);
    assert_true(they_b == 0 && we_b == 0 && they_a == 0 && we_a == 0);
    side_close(&a);
    side_close(&b);
    world_close(&w);
}

/* Entries go compressed between two nodes of this version, and plain
 * to a node that says version 1 (as an older one does), which still
 * converges; the compressed ones cost fewer bytes. */
static void entries_go_compressed_and_an_older_node_still_syncs(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    write_rows(w.r.n, "测试村甲", 60);
    struct side a, b;
    client_version = 1;
    session_ok(w.d.n, w.r.n, 977, &a, &b);
    client_version = 0;
    unit_assert_same_state(w.d.n, w.r.n);
    assert_int_equal(b.st.zentries_out + a.st.zentries_out, 0);
    assert_int_equal(b.st.entries_out, a.st.entries_in);
    double plain = (double)a.st.bytes_in / (double)a.st.entries_in;
    session_ok(w.e.n, w.r.n, 977, &a, &b);
    unit_assert_same_state(w.e.n, w.r.n);
    assert_true(b.st.zentries_out > 0);
    assert_int_equal(a.st.zentries_in, b.st.zentries_out);
    assert_int_equal(b.st.entries_out, a.st.entries_in);
    double packed = (double)a.st.bytes_in / (double)a.st.entries_in;
    if (packed > 0.7 * plain)
        fail_msg("%.1f bytes an entry compressed, %.1f plain", packed, plain);
    world_close(&w);
}

/* A chain of @n entries of one author (seed @seed), in @buf. */
struct chain {
    struct enc e[4];
    const uint8_t *p[4];
    size_t len[4];
    uint8_t id[4][HZ_HASH_LEN];
};

static void chain_make(struct chain *c, size_t n, uint8_t seed, bool fork_last)
{
    uint8_t pk[32], sk[64], sd[32];
    memset(sd, seed, sizeof sd);
    crypto_sign_seed_keypair(pk, sk, sd);
    for (size_t i = 0; i < n; i++) {
        struct entry e = {.version = 1, .seq = i + 1, .clock = 1000 + i};
        memset(e.network, 0x60, sizeof e.network);
        memcpy(e.author, pk, sizeof pk);
        if (i > 0)
            memcpy(e.prev, c->id[i - 1], HZ_HASH_LEN);
        if (fork_last && i == n - 1)
            e.prev[0] ^= 1; /* names another entry at seq - 1 */
        static const uint8_t body[] = "测试 the same body, the same body";
        e.body = (struct hz_bytes){body, sizeof body};
        enc_init(&c->e[i]);
        assert_int_equal(entry_sign(&e, sk, &c->e[i]), 0);
        memcpy(c->id[i], e.id, HZ_HASH_LEN);
        c->p[i] = enc_data(&c->e[i]);
        c->len[i] = enc_len(&c->e[i]);
    }
}

static void chain_free(struct chain *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        enc_close(&c->e[i]);
}

/* Where @needle (@k bytes) first is in @hay (@n bytes), or NULL. */
static const uint8_t *find(const uint8_t *hay, size_t n, const uint8_t *needle,
                           size_t k)
{
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

/* [5, size, frame] around @frame. */
static void zmsg(struct enc *m, uint64_t size, const void *frame, size_t len)
{
    enc_reset(m);
    enc_array(m, 3);
    enc_uint(m, SYNC_ZENTRIES);
    enc_uint(m, size);
    enc_bin(m, frame, len);
}

/* Decode @m as a version-2 message and open it: the code either gives. */
static int zopen(const struct enc *m, struct sync_msg *list)
{
    struct sync_zstd z = {0};
    struct sync_msg msg;
    struct hz_err err = {0};
    int rv =
        sync_msg_decode(&msg, enc_data(m), enc_len(m), HZ_SYNC_VERSION, &err);
    if (rv == 0) {
        assert_int_equal(msg.type, SYNC_ZENTRIES);
        rv = sync_zentries_open(&z, &msg, list, &err);
        sync_msg_close(&msg);
    }
    if (rv == 0) {
        /* The list borrows z's buffer: keep it while the caller reads. */
        static uint8_t keep[HZ_FRAME_PLAIN_MAX];
        memcpy(keep, z.list, HZ_FRAME_PLAIN_MAX);
        for (size_t i = 0; i < list->count; i++) {
            msgpack_object *o = (msgpack_object *)&list->items[i];
            o->via.bin.ptr =
                (const char *)keep + ((const uint8_t *)o->via.bin.ptr - z.list);
        }
    }
    sync_zstd_free(&z);
    return rv;
}

/* What the receiver gets is the bytes the author signed: a prev left off
 * (an entry that follows its predecessor) comes back as that entry's id,
 * one that names another entry is sent and kept as it is. */
static void compressed_entries_come_back_whole(void **state)
{
    (void)state;
    struct chain c;
    chain_make(&c, 4, 0x21, true);
    struct sync_zstd z = {0};
    struct enc m;
    enc_init(&m);
    bool smaller = false;
    assert_int_equal(sync_zentries_encode(&z, c.p, c.len, 4, &smaller, &m), 0);
    assert_true(smaller);
    /* On the wire: seq 2 and 3 without their prev, seq 4 (it names
     * another entry at seq 3) with. */
    struct sync_msg msg;
    struct hz_err err = {0};
    assert_int_equal(
        sync_msg_decode(&msg, enc_data(&m), enc_len(&m), HZ_SYNC_VERSION, &err),
        0);
    static uint8_t list[HZ_FRAME_PLAIN_MAX];
    size_t n = ZSTD_decompress(list, sizeof list, msg.z, msg.zlen);
    assert_int_equal(n, msg.zsize);
    sync_msg_close(&msg);
    static const uint8_t zero[HZ_HASH_LEN];
    for (size_t i = 0; i < 4; i++) {
        const uint8_t *at = find(list, n, c.p[i], 55); /* to the seq */
        assert_non_null(at);
        struct entry_link l;
        assert_true(entry_link(at, c.len[i], &l));
        /* seq 1's prev is zero by definition */
        assert_int_equal(memcmp(at + l.prev_at, zero, HZ_HASH_LEN) == 0,
                         i <= 2);
    }
    struct sync_msg got;
    assert_int_equal(zopen(&m, &got), 0);
    assert_int_equal(got.count, 4);
    for (size_t i = 0; i < 4; i++) {
        const uint8_t *p;
        size_t len;
        sync_msg_entry(&got, i, &p, &len);
        assert_int_equal(len, c.len[i]);
        assert_memory_equal(p, c.p[i], len);
        struct entry e;
        assert_int_equal(entry_decode(&e, p, len, &err), 0);
        assert_int_equal(entry_verify(&e, &err), 0);
    }
    sync_msg_close(&got);
    /* A version-1 session does not know type 5: skipped. */
    assert_int_equal(sync_msg_decode(&msg, enc_data(&m), enc_len(&m), 1, &err),
                     0);
    assert_int_equal(msg.type, SYNC_UNKNOWN);
    sync_msg_close(&msg);
    sync_zstd_free(&z);
    enc_close(&m);
    chain_free(&c, 4);
}

/* A zentries message is one zstd frame that declares exactly the size
 * the message says, within a frame's size; anything else is refused
 * before (or instead of) decompressing past that size. */
static void a_compressed_frame_is_bounded_before_it_is_opened(void **state)
{
    (void)state;
    struct chain c;
    chain_make(&c, 2, 0x22, false);
    struct enc list, m;
    enc_init(&list);
    enc_init(&m);
    enc_array(&list, 2);
    enc_bin(&list, c.p[0], c.len[0]);
    enc_bin(&list, c.p[1], c.len[1]);
    size_t ln = enc_len(&list);
    static uint8_t f[HZ_FRAME_PLAIN_MAX], big[2 * HZ_FRAME_PLAIN_MAX];
    size_t fn = ZSTD_compress(f, sizeof f, enc_data(&list), ln, 3);
    assert_false(ZSTD_isError(fn));
    struct sync_msg got;
    zmsg(&m, ln, f, fn);
    assert_int_equal(zopen(&m, &got), 0); /* the frame as it should be */
    sync_msg_close(&got);
    /* The message says another size than the frame. */
    zmsg(&m, ln - 1, f, fn);
    assert_int_equal(zopen(&m, &got), HZ_EMALFORMED);
    zmsg(&m, ln + 1, f, fn);
    assert_int_equal(zopen(&m, &got), HZ_EMALFORMED);
    /* A byte after the frame; the frame twice; the frame cut short. */
    memcpy(f + fn, f, fn);
    zmsg(&m, ln, f, fn + 1);
    assert_int_equal(zopen(&m, &got), HZ_EMALFORMED);
    zmsg(&m, ln, f, 2 * fn);
    assert_int_equal(zopen(&m, &got), HZ_EMALFORMED);
    zmsg(&m, ln, f, fn - 1);
    assert_int_equal(zopen(&m, &got), HZ_EMALFORMED);
    /* A frame that does not say its size. */
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
    size_t un = ZSTD_compress2(cc, f, sizeof f, enc_data(&list), ln);
    assert_false(ZSTD_isError(un));
    zmsg(&m, ln, f, un);
    assert_int_equal(zopen(&m, &got), HZ_EMALFORMED);
    /* A bomb: 2 MiB of zeros in a few hundred bytes. Said as it is, the
     * size is over the limit; said small, the frame disagrees. */
    memset(big, 0, sizeof big);
    size_t bn = ZSTD_compress(f, sizeof f, big, sizeof big, 19);
    assert_true(bn < 1000);
    zmsg(&m, sizeof big, f, bn);
    assert_int_equal(zopen(&m, &got), HZ_ETOOBIG);
    zmsg(&m, ln, f, bn);
    assert_int_equal(zopen(&m, &got), HZ_EMALFORMED);
    /* A list not in its one form: an array16 header for two entries. */
    enc_reset(&list);
    static const uint8_t a16[] = {0xdc, 0x00, 0x02};
    enc_raw(&list, a16, sizeof a16);
    enc_bin(&list, c.p[0], c.len[0]);
    enc_bin(&list, c.p[1], c.len[1]);
    fn = ZSTD_compress(f, sizeof f, enc_data(&list), enc_len(&list), 3);
    zmsg(&m, enc_len(&list), f, fn);
    assert_int_equal(zopen(&m, &got), HZ_EMALFORMED);
    ZSTD_freeCCtx(cc);
    enc_close(&list);
    enc_close(&m);
    chain_free(&c, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            two_members_converge_and_a_third_authors_entries_are_relayed),
        cmocka_unit_test(a_revoked_member_opens_no_session),
        cmocka_unit_test(a_silent_peer_times_out),
        cmocka_unit_test(messages_keep_their_form_and_order),
        cmocka_unit_test(vector_rounds_keep_their_order),
        cmocka_unit_test(bad_forms_are_refused),
        cmocka_unit_test(a_vector_round_is_bounded),
        cmocka_unit_test(a_live_session_pushes_what_is_written_later),
        cmocka_unit_test(a_sender_makes_no_more_than_its_room),
        cmocka_unit_test(a_later_round_finds_what_a_push_missed),
        cmocka_unit_test(an_idle_session_reads_the_log_only_after_a_commit),
        cmocka_unit_test(each_side_counts_how_far_behind_the_other_is),
        cmocka_unit_test(entries_go_compressed_and_an_older_node_still_syncs),
        cmocka_unit_test(compressed_entries_come_back_whole),
        cmocka_unit_test(a_compressed_frame_is_bounded_before_it_is_opened),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
