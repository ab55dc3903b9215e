/* test_sync.c - a live-sync session between two nodes, in one process,
 * without sockets (proto/sync.md): the handshake with each side judging
 * the other's chain, then hello, vector, the entries the other lacks
 * (every author's, not only the sender's), done; received entries go
 * through the store's ingest. The messages' forms and order are checked
 * too. */
#include "lib/unit_env.h"

#include "core/alloc.h"
#include "core/channel.h"
#include "core/syncmsg.h"
#include "huzhu/trust.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* One end of a session: its node, channel, the bytes waiting for it, and
 * what it learned of the peer. */
struct end {
    hz_node *n;
    struct hs hs;
    struct chan ch;
    struct enc inbox;
    size_t read;
    struct sync_order order;
    struct sync_has *peer_vec;
    size_t n_peer_vec, cap_peer_vec;
    bool sent_delta;
    struct hz_ingest_stats got;
    size_t frames_in;
};

static void end_init(struct end *e, hz_node *n)
{
    memset(e, 0, sizeof *e);
    e->n = n;
    enc_init(&e->inbox);
}

static void end_close(struct end *e)
{
    enc_close(&e->inbox);
    free(e->peer_vec);
    hs_wipe(&e->hs);
}

/* Seal @m as a frame from @from to @to. */
static void send_msg(struct end *from, struct end *to, const struct enc *m)
{
    assert_int_equal(
        chan_seal(&from->ch, enc_data(m), enc_len(m), &to->inbox, NULL), 0);
}

struct vec_out {
    struct end *from, *to;
    struct sync_has buf[HZ_SYNC_VECTOR_MAX];
    size_t n;
};

static void flush_vector(struct vec_out *v, bool more)
{
    struct enc m;
    enc_init(&m);
    assert_int_equal(sync_vector_encode(v->buf, v->n, more, &m), 0);
    send_msg(v->from, v->to, &m);
    enc_close(&m);
    v->n = 0;
}

static int add_has(void *data, const struct sync_has *h)
{
    struct vec_out *v = data;
    if (v->n == HZ_SYNC_VECTOR_MAX)
        flush_vector(v, true);
    v->buf[v->n++] = *h;
    return 0;
}

static void send_hello_vector(struct end *from, struct end *to)
{
    struct enc m;
    enc_init(&m);
    assert_int_equal(sync_hello_encode(&m), 0);
    send_msg(from, to, &m);
    enc_close(&m);
    static struct vec_out v;
    v.from = from;
    v.to = to;
    v.n = 0;
    assert_int_equal(store_vector_each(from->n, add_has, &v, NULL), 0);
    flush_vector(&v, false);
}

struct batch {
    struct end *from, *to;
    const uint8_t *p[4096];
    size_t len[4096], count, bytes;
    uint8_t *copies[4096];
};

static void flush_entries(struct batch *b)
{
    if (b->count == 0)
        return;
    struct enc m;
    enc_init(&m);
    assert_int_equal(sync_entries_encode(b->p, b->len, b->count, &m), 0);
    send_msg(b->from, b->to, &m);
    enc_close(&m);
    for (size_t i = 0; i < b->count; i++)
        free(b->copies[i]);
    b->count = b->bytes = 0;
}

static int add_entry(void *data, const uint8_t *p, size_t len)
{
    struct batch *b = data;
    if (b->count == 4096 || b->bytes + len + 8 > HZ_SYNC_ENTRIES_BYTES)
        flush_entries(b);
    uint8_t *c = malloc(len);
    assert_non_null(c);
    memcpy(c, p, len);
    b->copies[b->count] = c;
    b->p[b->count] = c;
    b->len[b->count++] = len;
    b->bytes += len + 8;
    return 0;
}

/* The peer's whole vector arrived: send what it lacks, then done. */
static void send_delta(struct end *from, struct end *to)
{
    static struct batch b;
    b.from = from;
    b.to = to;
    b.count = b.bytes = 0;
    assert_int_equal(store_delta_each(from->n, from->peer_vec, from->n_peer_vec,
                                      add_entry, &b, NULL),
                     0);
    flush_entries(&b);
    struct enc m;
    enc_init(&m);
    assert_int_equal(sync_done_encode(&m), 0);
    send_msg(from, to, &m);
    enc_close(&m);
    from->sent_delta = true;
}

/* Take one message at @e (from @peer): 0, 1 when none waits, or the
 * refusal. */
static int take_one(struct end *e, struct end *peer, struct hz_err *err)
{
    static uint8_t plain[HZ_FRAME_PLAIN_MAX];
    size_t used = 0, got = 0;
    int rv = chan_open(&e->ch, enc_data(&e->inbox) + e->read,
                       enc_len(&e->inbox) - e->read, &used, plain, &got, err);
    if (rv != 0)
        return rv;
    e->read += used;
    e->frames_in++;
    struct sync_msg m;
    rv = sync_msg_decode(&m, plain, got, err);
    if (rv == 0)
        rv = sync_order_take(&e->order, &m, err);
    if (rv == 0 && m.type == SYNC_VECTOR) {
        for (size_t i = 0; i < m.count; i++) {
            struct sync_has *v = hz_grow(e->peer_vec, &e->cap_peer_vec,
                                         e->n_peer_vec, sizeof *v);
            assert_non_null(v);
            e->peer_vec = v;
            sync_msg_has(&m, i, &e->peer_vec[e->n_peer_vec++]);
        }
        if (e->order.vector_done)
            send_delta(e, peer);
    }
    if (rv == 0 && m.type == SYNC_ENTRIES) {
        const uint8_t **p = calloc(m.count, sizeof *p);
        size_t *len = calloc(m.count, sizeof *len);
        assert_true(p != NULL && len != NULL);
        for (size_t i = 0; i < m.count; i++)
            sync_msg_entry(&m, i, &p[i], &len[i]);
        struct hz_ingest_stats st = {0};
        rv = store_relay_ingest(e->n, m.count, p, len, &st, err);
        e->got.entries += st.entries;
        e->got.applied += st.applied;
        e->got.duplicate += st.duplicate;
        e->got.refused += st.refused;
        free(p);
        free(len);
    }
    sync_msg_close(&m);
    return rv;
}

/* Open a channel from @a (client) to @b, each judging the other. 0, or
 * the refusal of whichever side refused (the other learns nothing). */
static int open_channel(struct end *a, struct end *b, struct hz_err *err)
{
    struct store_self sa, sb;
    assert_int_equal(store_channel_self(a->n, &sa, NULL), 0);
    assert_int_equal(store_channel_self(b->n, &sb, NULL), 0);
    struct hs_self ha = {sa.pk, sa.sk, sa.chain, sa.chain_len};
    struct hs_self hb = {sb.pk, sb.sk, sb.chain, sb.chain_len};
    struct enc wire_ab, wire_ba;
    enc_init(&wire_ab);
    enc_init(&wire_ba);
    uint8_t seed_a[32] = {0xa5}, seed_b[32] = {0xb5};
    assert_int_equal(
        hs_start(&a->hs, HS_CLIENT, sa.secret, &ha, seed_a, &wire_ab, NULL), 0);
    assert_int_equal(
        hs_start(&b->hs, HS_SERVER, sb.secret, &hb, seed_b, &wire_ba, NULL), 0);
    size_t used;
    assert_int_equal(hs_feed(&b->hs, enc_data(&wire_ab), enc_len(&wire_ab),
                             &used, &wire_ba, err),
                     HS_MORE);
    enc_reset(&wire_ab);
    assert_int_equal(hs_feed(&a->hs, enc_data(&wire_ba), enc_len(&wire_ba),
                             &used, &wire_ab, err),
                     HS_MORE);
    enc_reset(&wire_ba);
    assert_int_equal(hs_feed(&b->hs, enc_data(&wire_ab), enc_len(&wire_ab),
                             &used, &wire_ba, err),
                     HS_PEER);
    int rv = store_channel_judge(b->n, b->hs.peer_key, b->hs.peer_chain,
                                 b->hs.peer_chain_len, err);
    if (rv == 0)
        assert_int_equal(hs_accept(&b->hs, &wire_ba, err), HS_DONE);
    if (rv == 0) {
        struct enc none;
        enc_init(&none);
        assert_int_equal(hs_feed(&a->hs, enc_data(&wire_ba), enc_len(&wire_ba),
                                 &used, &none, err),
                         HS_PEER);
        rv = store_channel_judge(a->n, a->hs.peer_key, a->hs.peer_chain,
                                 a->hs.peer_chain_len, err);
        if (rv == 0)
            assert_int_equal(hs_accept(&a->hs, &none, err), HS_DONE);
        enc_close(&none);
    }
    if (rv == 0) {
        chan_init(&a->ch, &a->hs);
        chan_init(&b->ch, &b->hs);
    }
    store_channel_self_close(&sa);
    store_channel_self_close(&sb);
    enc_close(&wire_ab);
    enc_close(&wire_ba);
    return rv;
}

/* A whole session: both send hello and their vector, then each sends
 * what the other lacks and done. */
static void session(hz_node *na, hz_node *nb, struct end *a, struct end *b)
{
    end_init(a, na);
    end_init(b, nb);
    struct hz_err err = {0};
    if (open_channel(a, b, &err) != 0)
        fail_msg("channel: %s", err.msg);
    send_hello_vector(a, b);
    send_hello_vector(b, a);
    for (int round = 0; round < 100; round++) {
        int ra = take_one(a, b, &err);
        if (ra < 0)
            fail_msg("a: %s", err.msg);
        int rb = take_one(b, a, &err);
        if (rb < 0)
            fail_msg("b: %s", err.msg);
        if (ra == 1 && rb == 1)
            break;
    }
    assert_true(a->order.done && b->order.done);
    assert_true(a->sent_delta && b->sent_delta);
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
    /* E meets R first; then D, which never met E, meets R. */
    struct end a, b;
    session(w.e.n, w.r.n, &a, &b);
    unit_assert_same_state(w.e.n, w.r.n);
    end_close(&a);
    end_close(&b);
    session(w.d.n, w.r.n, &a, &b);
    unit_assert_same_state(w.d.n, w.r.n);
    /* D got R's entries and E's through R, R got D's. */
    assert_int_equal(a.got.applied, 44);
    assert_int_equal(b.got.applied, 21);
    end_close(&a);
    end_close(&b);
    /* E meets R again and has D's too: all three hold the same. */
    session(w.e.n, w.r.n, &a, &b);
    unit_assert_same_state(w.e.n, w.d.n);
    end_close(&a);
    end_close(&b);
    /* Up to date: a session sends no entries, only hello, vector, done. */
    session(w.d.n, w.r.n, &a, &b);
    assert_int_equal(a.got.entries, 0);
    assert_int_equal(b.got.entries, 0);
    assert_int_equal(a.frames_in, 3);
    assert_int_equal(b.frames_in, 3);
    end_close(&a);
    end_close(&b);
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
    struct unit_snapshot before;
    unit_snapshot_take(w.r.n, &before);
    struct end a, b;
    end_init(&a, w.d.n);
    end_init(&b, w.r.n);
    struct hz_err err = {0};
    assert_int_equal(open_channel(&a, &b, &err), HZ_EREVOKED);
    unit_assert_unchanged(w.r.n, &before);
    unit_snapshot_free(&before);
    end_close(&a);
    end_close(&b);
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
    assert_int_equal(sync_msg_decode(&msg, enc_data(&m), enc_len(&m), &err), 0);
    assert_int_equal(sync_order_take(&o, &msg, &err), HZ_EMALFORMED);
    sync_msg_close(&msg);
    /* A newer version's hello: the session speaks ours. */
    static const uint8_t hello2[] = {0x92, 0x00, 0x02};
    assert_int_equal(sync_msg_decode(&msg, hello2, sizeof hello2, &err), 0);
    assert_int_equal(sync_order_take(&o, &msg, &err), 0);
    assert_int_equal(o.version, HZ_SYNC_VERSION);
    sync_msg_close(&msg);
    /* A type this version does not know: skipped. */
    static const uint8_t future[] = {0x92, 0x09, 0xc0};
    assert_int_equal(sync_msg_decode(&msg, future, sizeof future, &err), 0);
    assert_int_equal(msg.type, SYNC_UNKNOWN);
    assert_int_equal(sync_order_take(&o, &msg, &err), 0);
    sync_msg_close(&msg);
    /* Done before the vector: out of order. */
    assert_int_equal(sync_done_encode(&m), 0);
    assert_int_equal(sync_msg_decode(&msg, enc_data(&m), enc_len(&m), &err), 0);
    assert_int_equal(sync_order_take(&o, &msg, &err), HZ_EMALFORMED);
    sync_msg_close(&msg);
    /* Vector authors must rise, across messages too. */
    struct sync_has h[2] = {{{2}, 1, {0}}, {{1}, 1, {0}}};
    assert_int_equal(sync_vector_encode(h, 1, true, &m), 0);
    assert_int_equal(sync_msg_decode(&msg, enc_data(&m), enc_len(&m), &err), 0);
    assert_int_equal(sync_order_take(&o, &msg, &err), 0);
    sync_msg_close(&msg);
    assert_int_equal(sync_vector_encode(h + 1, 1, false, &m), 0);
    assert_int_equal(sync_msg_decode(&msg, enc_data(&m), enc_len(&m), &err), 0);
    assert_int_equal(sync_order_take(&o, &msg, &err), HZ_EMALFORMED);
    sync_msg_close(&msg);
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
        {"not an array", {0x03}, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rv = sync_msg_decode(&msg, bad[i].b, bad[i].n, &err);
        if (rv != HZ_EMALFORMED)
            fail_msg("%s: %d", bad[i].what, rv);
    }
    enc_close(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            two_members_converge_and_a_third_authors_entries_are_relayed),
        cmocka_unit_test(a_revoked_member_opens_no_session),
        cmocka_unit_test(messages_keep_their_form_and_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
