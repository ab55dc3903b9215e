/* gen_session.c - proto/vectors/session.json: a recorded live-sync
 * session (proto/sync.md, "Session").
 *
 * handshake.json's two members (gen_sync.h) each hold a few signed
 * entries of one network in a store of session_store.h: the client C1 to
 * C3 of its own and S1 of the server's; the server S1, S2 of its own, C1,
 * and T1 of a third author. The real state machine (core/session.h) runs
 * on both sides, the client dialling; each handshake message and frame is
 * carried whole, one at a time, and both sides pump with a generous room
 * after each, until nothing moves. Then the client sends its closing
 * round (sync_sess_round) and takes the server's answer, as `huzhu sync`
 * does. Both byte streams are written out as handshake messages and
 * frames, each frame with what it carries and how many of the peer's
 * messages and frames its sender had taken in when it sent it. */
#include "gen_sync.h"

#include "core/session.h"
#include "core/syncmsg.h"
#include "session_store.h"

#include <sodium.h>

/* The network id of the entries: 0x60, 0x61, ... 0x6f. */
static void session_network(uint8_t net[HZ_NET_LEN])
{
    for (size_t i = 0; i < HZ_NET_LEN; i++)
        net[i] = (uint8_t)(0x60 + i);
}

enum { AU_CLIENT, AU_SERVER, AU_THIRD, AU_N };
static const char *const au_name[AU_N] = {"client", "server", "third"};
/* The third author's key: 32 x 0xc3 (the others are the members'). */
#define SEED_THIRD 0xc3

/* The entries, each author's in seq order; an entry of author a at seq q
 * is written at T0 + (3 (q - 1) + a) minutes. */
static const struct {
    const char *name;
    int author;
    uint64_t seq;
} ventries[] = {
    {"C1", AU_CLIENT, 1}, {"C2", AU_CLIENT, 2}, {"C3", AU_CLIENT, 3},
    {"S1", AU_SERVER, 1}, {"S2", AU_SERVER, 2}, {"T1", AU_THIRD, 1},
};
#define V_N N(ventries)

static const char *const client_holds[] = {"C1", "C2", "C3", "S1"};
static const char *const server_holds[] = {"C1", "S1", "S2", "T1"};

/* A generous room for each pump, and the most messages and frames a
 * side sends. */
#define ROOM (4u << 20)
#define ITEMS_MAX 64

/* One side of the session: its store, its session, the bytes it sent,
 * cut into handshake messages and frames (items). */
struct party {
    struct vstore st;
    struct sync_io io;
    struct sync_sess *s;
    struct enc out;
    size_t n_items, end;       /* items whole in out, and where they end */
    size_t at[ITEMS_MAX + 1];  /* where each item starts */
    uint64_t after[ITEMS_MAX]; /* the peer's items taken in before each */
    size_t taken;              /* the peer's items taken in */
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* Count the items @x sent since the last call: msg1 or msg2 is 64 bytes,
 * every later item its 4-byte length and what it says follows. */
static void count_items(struct party *x)
{
    for (;;) {
        size_t left = enc_len(&x->out) - x->end, len;
        if (x->n_items == 0)
            len = HZ_HS_HELLO_LEN;
        else if (left >= 4) /* (an empty enc's data is NULL) */
            len = 4 + (size_t)be32(enc_data(&x->out) + x->end);
        else
            break;
        if (left < len)
            break;
        if (x->n_items == ITEMS_MAX)
            die("session: too many items");
        x->at[x->n_items] = x->end;
        x->after[x->n_items++] = x->taken;
        x->end += len;
        x->at[x->n_items] = x->end;
    }
}

static void party_open(struct party *x, enum hs_role role, const uint8_t *net,
                       const struct hs_side *side)
{
    struct hz_err err = {0};
    check(sync_sess_new(&x->s, role, net, &side->self, side->share, &x->io,
                        T0_MS, &x->out, &err),
          &err, "session");
    count_items(x);
}

/* @to takes in the next item @from sent: false when there is none. */
static bool carry(struct party *from, struct party *to)
{
    if (to->taken == from->n_items)
        return false;
    struct hz_err err = {0};
    const uint8_t *p = enc_data(&from->out) + from->at[to->taken];
    size_t len = from->at[to->taken + 1] - from->at[to->taken];
    to->taken++;
    check(sync_sess_feed(to->s, p, len, T0_MS, &to->out, &err), &err, "feed");
    count_items(to);
    return true;
}

/* @x sends what it has: false when it had nothing. */
static bool pump(struct party *x)
{
    struct hz_err err = {0};
    size_t before = enc_len(&x->out);
    check(sync_sess_pump(x->s, T0_MS, ROOM, &x->out, &err), &err, "pump");
    count_items(x);
    return enc_len(&x->out) != before;
}

static void settle(struct party *c, struct party *s)
{
    for (bool moved = true; moved;) {
        moved = carry(c, s);
        moved = carry(s, c) || moved;
        moved = pump(c) || moved;
        moved = pump(s) || moved;
    }
    if (c->end != enc_len(&c->out) || s->end != enc_len(&s->out))
        die("session: bytes left over");
}

/* ---- JSON */

struct world {
    struct identity au[AU_N];
    struct blob b[V_N];
    struct entry e[V_N];
};

static const char *author_name(const struct world *w, const uint8_t *key)
{
    for (size_t a = 0; a < AU_N; a++)
        if (memcmp(w->au[a].pk, key, HZ_KEY_LEN) == 0)
            return au_name[a];
    die("session: an author of no name");
    return NULL;
}

static const char *entry_name(const struct world *w, const uint8_t *p,
                              size_t len)
{
    for (size_t i = 0; i < V_N; i++)
        if (w->b[i].len == len && memcmp(w->b[i].p, p, len) == 0)
            return ventries[i].name;
    die("session: an entry of no name");
    return NULL;
}

static size_t entry_index(const char *name)
{
    for (size_t i = 0; i < V_N; i++)
        if (strcmp(ventries[i].name, name) == 0)
            return i;
    die("session: no entry %s", name);
    return 0;
}

static json_t *has_json(const struct world *w, const struct sync_has *h)
{
    json_t *j = json_object();
    json_object_set_new(j, "author_name",
                        json_string(author_name(w, h->author)));
    json_object_set_new(j, "author", hex_json(h->author, HZ_KEY_LEN));
    json_object_set_new(j, "seq", json_integer((json_int_t)h->seq));
    json_object_set_new(j, "hash", hex_json(h->hash, HZ_HASH_LEN));
    return j;
}

struct vec_emit {
    const struct world *w;
    json_t *a;
};

static int vec_emit(void *data, const struct sync_has *h, struct hz_err *err)
{
    (void)err;
    struct vec_emit *v = data;
    json_array_append_new(v->a, has_json(v->w, h));
    return 0;
}

/* The side's vector as its store gives it now. */
static json_t *vector_json(const struct world *w, struct party *x)
{
    struct vec_emit v = {w, json_array()};
    check(x->io.vector(x->io.ctx, vec_emit, &v, NULL), NULL, "vector");
    return v.a;
}

static json_t *names_json(const char *const *names, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(names[i]));
    return a;
}

/* What a frame carries, into @j: its message's name and fields. @rounds
 * counts the vector rounds its sender sent whole so far, @dones its
 * done messages. */
static void message_json(const struct world *w, json_t *j, const uint8_t *p,
                         size_t len, uint64_t *rounds, uint64_t *dones)
{
    struct sync_msg m;
    struct hz_err err = {0};
    check(sync_msg_decode(&m, p, len, HZ_SYNC_VERSION, &err), &err,
          "session message");
    switch (m.type) {
    case SYNC_HELLO:
        json_object_set_new(j, "message", json_string("hello"));
        json_object_set_new(j, "version", json_integer((json_int_t)m.version));
        break;
    case SYNC_VECTOR: {
        json_object_set_new(j, "message", json_string("vector"));
        json_object_set_new(j, "round", json_integer((json_int_t)*rounds + 1));
        json_t *a = json_array();
        for (size_t i = 0; i < m.count; i++) {
            struct sync_has h;
            sync_msg_has(&m, i, &h);
            json_array_append_new(a, has_json(w, &h));
        }
        json_object_set_new(j, "vector", a);
        json_object_set_new(j, "more", json_boolean(m.more));
        *rounds += !m.more;
        break;
    }
    case SYNC_ZENTRIES:
    case SYNC_ENTRIES: {
        /* A compressed list is named by the entries it restores to. */
        struct sync_zstd z = {0};
        struct sync_msg list;
        const struct sync_msg *em = &m;
        if (m.type == SYNC_ZENTRIES) {
            check(sync_zentries_open(&z, &m, &list, &err), &err, "zentries");
            em = &list;
        }
        json_object_set_new(
            j, "message",
            json_string(m.type == SYNC_ENTRIES ? "entries" : "zentries"));
        json_object_set_new(j, "answers_round",
                            json_integer((json_int_t)*dones + 1));
        json_t *a = json_array();
        for (size_t i = 0; i < em->count; i++) {
            const uint8_t *e;
            size_t n;
            sync_msg_entry(em, i, &e, &n);
            json_array_append_new(a, json_string(entry_name(w, e, n)));
        }
        json_object_set_new(j, "entries", a);
        if (em == &list)
            sync_msg_close(&list);
        sync_zstd_free(&z);
        break;
    }
    case SYNC_DONE:
        json_object_set_new(j, "message", json_string("done"));
        json_object_set_new(j, "answers_round",
                            json_integer((json_int_t)++ * dones));
        break;
    default:
        die("session: an unexpected message %d", (int)m.type);
    }
    sync_msg_close(&m);
}

/* The frames @x sent, opened with @ch (the receiver's channel). */
static json_t *frames_json(const struct world *w, const struct party *x,
                           struct chan *ch)
{
    static uint8_t plain[HZ_FRAME_PLAIN_MAX];
    json_t *a = json_array();
    uint64_t rounds = 0, dones = 0;
    for (size_t i = 2; i < x->n_items; i++) {
        const uint8_t *p = enc_data(&x->out) + x->at[i];
        size_t len = x->at[i + 1] - x->at[i], used, got;
        uint64_t counter = ch->rx_n;
        struct hz_err err = {0};
        check(chan_open(ch, p, len, &used, plain, &got, &err), &err, "frame");
        if (used != len)
            die("session: a frame of %zu bytes took %zu", len, used);
        json_t *j = json_object();
        json_object_set_new(j, "counter", json_integer((json_int_t)counter));
        json_object_set_new(j, "after", json_integer((json_int_t)x->after[i]));
        message_json(w, j, plain, got, &rounds, &dones);
        json_object_set_new(j, "plain", hex_json(plain, got));
        json_object_set_new(j, "frame", hex_json(p, len));
        json_array_append_new(a, j);
    }
    return a;
}

/* The item @i of @x is the handshake message @m. */
static void same_message(const struct party *x, size_t i, const struct enc *m,
                         const char *what)
{
    size_t len = x->at[i + 1] - x->at[i];
    if (len != enc_len(m) ||
        memcmp(enc_data(&x->out) + x->at[i], enc_data(m), len) != 0)
        die("session: %s is not the handshake's", what);
}

static json_t *side_inputs(const struct world *w, const struct hs_side *side,
                           struct party *x, const char *const *holds,
                           size_t n_holds)
{
    json_t *j = side_json(side);
    json_object_set_new(j, "holds", names_json(holds, n_holds));
    json_object_set_new(j, "vector", vector_json(w, x));
    return j;
}

static json_t *took_json(const struct world *w, const struct party *x)
{
    json_t *a = json_array();
    for (size_t i = 0; i < x->st.n_took; i++)
        json_array_append_new(a, json_string(entry_name(w, x->st.took[i]->p,
                                                        x->st.took[i]->len)));
    return a;
}

static void party_hold(struct party *x, const struct world *w,
                       const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct blob *b = &w->b[entry_index(names[i])];
        struct hz_err err = {0};
        check(vstore_add(&x->st, b->p, b->len, &err), &err, names[i]);
    }
}

json_t *gen_session(struct gen *g)
{
    uint8_t secret[HZ_HS_KEY_LEN], net[HZ_NET_LEN];
    hs_net_secret(secret);
    session_network(net);
    struct hs_side a, b;
    hs_sides(&a, &b);

    /* The authors and their entries. */
    static struct world w;
    uint8_t seed[32];
    identity_from_seed(&w.au[AU_CLIENT], a.seed);
    identity_from_seed(&w.au[AU_SERVER], b.seed);
    memset(seed, SEED_THIRD, sizeof seed);
    identity_from_seed(&w.au[AU_THIRD], seed);
    json_t *authors = json_array();
    for (size_t i = 0; i < AU_N; i++) {
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(au_name[i]));
        json_object_set_new(j, "seed", hex_json(w.au[i].sk, 32));
        json_object_set_new(j, "key", hex_json(w.au[i].pk, HZ_KEY_LEN));
        json_array_append_new(authors, j);
    }
    json_t *entries = json_array();
    struct enc body;
    enc_init(&body);
    for (size_t i = 0; i < V_N; i++) {
        int au = ventries[i].author;
        uint64_t q = ventries[i].seq;
        /* households <row> members = seq + 1, the row named by author
         * and seq */
        char row[33];
        snprintf(row, sizeof row, "8%x%028x%02x", (unsigned)au + 1, 0u,
                 (unsigned)q);
        body_head(&body, 1, 1);
        op_head(&body, 0, "households", row, 1);
        set_field(&body, "members");
        enc_int(&body, (int64_t)q + 1);
        no_heads(&body);
        struct blob bb = blob_of_enc(&body);
        uint64_t ms = T0_MS + 60000u * (3u * (q - 1) + (uint64_t)au);
        w.b[i] = craft(&w.au[au], 1, net, q, q > 1 ? w.e[i - 1].id : NULL,
                       ms << 16, &bb, &w.e[i]);
        json_array_append_new(
            entries, entry_head_json(g, ventries[i].name, au_name[au], NULL,
                                     &w.b[i], CLOCK_ALONE, &w.e[i]));
        free(bb.p);
    }
    enc_close(&body);

    /* The session. */
    struct party c = {0}, s = {0};
    enc_init(&c.out);
    enc_init(&s.out);
    vstore_init(&c.st);
    vstore_init(&s.st);
    vstore_io(&c.st, &c.io);
    vstore_io(&s.st, &s.io);
    party_hold(&c, &w, client_holds, N(client_holds));
    party_hold(&s, &w, server_holds, N(server_holds));
    json_t *client = side_inputs(&w, &a, &c, client_holds, N(client_holds));
    json_t *server = side_inputs(&w, &b, &s, server_holds, N(server_holds));
    party_open(&c, HS_CLIENT, secret, &a);
    party_open(&s, HS_SERVER, secret, &b);
    settle(&c, &s);
    if (!sync_sess_caught_up(c.s) || !sync_sess_caught_up(s.s))
        die("session: not caught up");
    struct hz_err err = {0};
    check(sync_sess_round(c.s, T0_MS, &c.out, &err), &err, "closing round");
    count_items(&c);
    settle(&c, &s);
    if (!sync_sess_answered(c.s))
        die("session: the closing round is not answered");
    json_object_set_new(client, "took_in", took_json(&w, &c));
    json_object_set_new(server, "took_in", took_json(&w, &s));

    /* The handshake is the one handshake.json records; its keys open
     * the frames. */
    struct hs hc, hsv;
    struct enc m[4];
    for (size_t i = 0; i < N(m); i++)
        enc_init(&m[i]);
    hs_run(secret, &a, &b, &hc, &hsv, m);
    same_message(&c, 0, &m[0], "msg1");
    same_message(&s, 0, &m[1], "msg2");
    same_message(&c, 1, &m[2], "msg3");
    same_message(&s, 1, &m[3], "msg4");
    struct chan cc, cs;
    chan_init(&cc, &hc);
    chan_init(&cs, &hsv);

    json_t *root = file_root(
        "proto/sync.md, \"Session\": one recorded session with fixed keys. "
        "handshake.json's members (client and server: network_secret, "
        "seed, key, chain, share_seed) each hold signed entries of one "
        "network (authors: client, server and a third; entries: each with "
        "its bytes, id and envelope) in a store whose judge accepts both, "
        "whose vector is every author held with its chain's top seq and "
        "the entry id there, in rising key order, whose answer to a round "
        "is what the peer lacks at its vector (bundle.md, \"Writing a "
        "bundle\", for a vector: per author in key order, from seq 1 when "
        "the vector does not name it or names another entry at its seq, "
        "else from the vector's seq + 1), which pushes nothing and keeps "
        "every entry it takes in. Per side: holds (entry names at the "
        "start), vector (its first round's), took_in (the entries its "
        "ingest was given, in order). The client dials; each handshake "
        "message and frame is carried whole, one at a time, and both "
        "sides pump after each until nothing moves; then the client sends "
        "its closing round and ends on the server's done for it, as "
        "huzhu sync does. msg1 to msg4 and the keys c2s and s2c are "
        "handshake.json's. client_frames and server_frames: each side's "
        "frames in the order sent, each with its counter, after (how many "
        "of the peer's handshake messages and frames its sender had taken "
        "in when it sent it), message (hello, vector, entries, done) and "
        "what it carries (hello: version; vector: round, vector, more; "
        "entries: answers_round and the entries' names; done: "
        "answers_round), plain (the message's bytes) and frame (length "
        "and ciphertext). Each side's stream is msg1 (msg2), msg3 (msg4), "
        "then its frames.");
    json_object_set_new(root, "network_secret",
                        hex_json(secret, sizeof secret));
    json_object_set_new(root, "network", hex_json(net, HZ_NET_LEN));
    json_object_set_new(root, "authors", authors);
    json_object_set_new(root, "entries", entries);
    json_object_set_new(root, "client", client);
    json_object_set_new(root, "server", server);
    hs_record(root, m, &hc, &hsv);
    json_object_set_new(root, "client_frames", frames_json(&w, &c, &cs));
    json_object_set_new(root, "server_frames", frames_json(&w, &s, &cc));

    hs_wipe(&hc);
    hs_wipe(&hsv);
    for (size_t i = 0; i < N(m); i++)
        enc_close(&m[i]);
    sync_sess_free(c.s);
    sync_sess_free(s.s);
    vstore_close(&c.st);
    vstore_close(&s.st);
    enc_close(&c.out);
    enc_close(&s.out);
    for (size_t i = 0; i < V_N; i++)
        free(w.b[i].p);
    for (size_t i = 0; i < AU_N; i++)
        identity_close(&w.au[i]);
    return root;
}
