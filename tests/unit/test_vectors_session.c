/* test_vectors_session.c - proto/vectors/session.json: a recorded live-sync
 * session (proto/sync.md, "Session").
 *
 * Each side is rebuilt from the file alone: its keys, chain and key share
 * seed, and a store (tools/vectors/session_store.h, the generator's own)
 * holding the entries the file says it holds. A fresh session of that
 * side is fed the bytes the peer sent, as recorded, and must send exactly
 * the bytes recorded for it, each frame while it had taken in as many of
 * the peer's messages and frames as recorded; the client sends its
 * closing round once caught up and ends answered, as `huzhu sync` does.
 * Its store must have taken in exactly the recorded entries. The bytes
 * are fed whole, one message or frame at a time, and again in pieces of
 * 7 bytes: the session does not depend on how they arrive. */
#include "vectors_common.h"

#include "core/session.h"
#include "session_store.h"

#include <sodium.h>
#include <string.h>

#define ROOM (4u << 20)

/* The entry named @name of the file's entries. */
static struct bytes entry_bytes(const json_t *root, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(root, "entries"), i, e)
    {
        if (strcmp(str(e, "name"), name) == 0)
            return unhex(str(e, "entry"));
    }
    fail_msg("no entry %s", name);
    return (struct bytes){0};
}

/* One side's stream as recorded: its handshake messages, then its
 * frames; the bytes at @p, where each item starts at @at. */
struct stream {
    uint8_t *p;
    size_t len;
    size_t n, at[64];
    json_t *frames; /* borrowed */
};

static void stream_add(struct stream *s, const char *hex)
{
    struct bytes b = unhex(hex);
    assert_true(s->n < 63);
    s->p = realloc(s->p, s->len + b.len);
    assert_non_null(s->p);
    memcpy(s->p + s->len, b.p, b.len);
    s->at[s->n++] = s->len;
    s->len += b.len;
    s->at[s->n] = s->len;
    free(b.p);
}

static void stream_load(const json_t *root, bool client, struct stream *s)
{
    memset(s, 0, sizeof *s);
    stream_add(s, str(root, client ? "msg1" : "msg2"));
    stream_add(s, str(root, client ? "msg3" : "msg4"));
    s->frames =
        json_object_get(root, client ? "client_frames" : "server_frames");
    size_t i;
    json_t *f;
    json_array_foreach(s->frames, i, f)
    {
        assert_int_equal(num(f, "counter"), (json_int_t)i);
        stream_add(s, str(f, "frame"));
    }
}

struct emit_list {
    json_t *a;
};

static int has_json(void *data, const struct sync_has *h, struct hz_err *err)
{
    (void)err;
    struct emit_list *l = data;
    char hex[2 * HZ_HASH_LEN + 1];
    json_t *j = json_object();
    sodium_bin2hex(hex, sizeof hex, h->author, HZ_KEY_LEN);
    json_object_set_new(j, "author", json_string(hex));
    json_object_set_new(j, "seq", json_integer((json_int_t)h->seq));
    sodium_bin2hex(hex, sizeof hex, h->hash, HZ_HASH_LEN);
    json_object_set_new(j, "hash", json_string(hex));
    json_array_append_new(l->a, j);
    return 0;
}

/* The vector @want (author, seq, hash each) is what @io gives. */
static void assert_vector(const struct sync_io *io, const json_t *want)
{
    struct emit_list l = {json_array()};
    assert_int_equal(io->vector(io->ctx, has_json, &l, NULL), 0);
    assert_int_equal(json_array_size(l.a), json_array_size(want));
    size_t i;
    json_t *w;
    json_array_foreach(want, i, w)
    {
        const json_t *g = json_array_get(l.a, i);
        assert_string_equal(str(g, "author"), str(w, "author"));
        assert_int_equal(num(g, "seq"), num(w, "seq"));
        assert_string_equal(str(g, "hash"), str(w, "hash"));
    }
    json_decref(l.a);
}

/* Replay one side: fed @peer in pieces of at most @chunk bytes (0: each
 * item whole), it must send @own; its store must take in what @j says. */
static void replay(const json_t *root, bool client, const struct stream *own,
                   const struct stream *peer, size_t chunk)
{
    const json_t *j = json_object_get(root, client ? "client" : "server");
    uint8_t net[HZ_HS_KEY_LEN];
    unhex_fixed(str(root, "network_secret"), net, sizeof net);
    static struct vside me;
    vside_load(j, &me);
    struct vstore st;
    struct sync_io io;
    vstore_init(&st);
    vstore_io(&st, &io);
    size_t i;
    json_t *name;
    json_array_foreach(json_object_get(j, "holds"), i, name)
    {
        struct bytes b = entry_bytes(root, json_string_value(name));
        assert_int_equal(vstore_add(&st, b.p, b.len, NULL), 0);
        free(b.p);
    }
    assert_vector(&io, json_object_get(j, "vector"));

    struct sync_sess *s;
    struct enc out;
    enc_init(&out);
    assert_int_equal(sync_sess_new(&s, client ? HS_CLIENT : HS_SERVER, net,
                                   &me.self, me.share, &io, T0_MS, &out, NULL),
                     0);
    /* sent[k]: the bytes sent once the peer's first k items were taken
     * in (and the side pumped). */
    size_t sent[64];
    bool confirming = false;
    for (size_t k = 0; k <= peer->n; k++) {
        if (k > 0) {
            size_t from = peer->at[k - 1], to = peer->at[k];
            while (from < to) {
                size_t n = chunk == 0 || to - from < chunk ? to - from : chunk;
                struct hz_err err = {0};
                if (sync_sess_feed(s, peer->p + from, n, T0_MS, &out, &err))
                    fail_msg("feed: %s", err.msg);
                if (sync_sess_pump(s, T0_MS, ROOM, &out, &err) != 0)
                    fail_msg("pump: %s", err.msg);
                from += n;
            }
        }
        assert_int_equal(sync_sess_pump(s, T0_MS, ROOM, &out, NULL), 0);
        /* huzhu sync: caught up, one more round; it ends on its answer. */
        if (client && !confirming && sync_sess_caught_up(s)) {
            confirming = true;
            assert_int_equal(sync_sess_round(s, T0_MS, &out, NULL), 0);
        }
        sent[k] = enc_len(&out);
    }
    assert_true(sync_sess_caught_up(s));
    if (client)
        assert_true(confirming && sync_sess_answered(s));
    /* Byte for byte, each frame sent when recorded. */
    assert_int_equal(enc_len(&out), own->len);
    assert_memory_equal(enc_data(&out), own->p, own->len);
    json_t *f;
    json_array_foreach(own->frames, i, f)
    {
        if (chunk != 0)
            break;
        size_t after = (size_t)num(f, "after");
        assert_true(after >= 1 && after <= peer->n);
        assert_true(sent[after - 1] <= own->at[i + 2]);
        assert_true(own->at[i + 3] <= sent[after]);
    }
    /* It took in exactly the entries recorded. */
    const json_t *took = json_object_get(j, "took_in");
    assert_int_equal(st.n_took, json_array_size(took));
    json_array_foreach(took, i, name)
    {
        struct bytes b = entry_bytes(root, json_string_value(name));
        assert_int_equal(st.took[i]->len, b.len);
        assert_memory_equal(st.took[i]->p, b.p, b.len);
        free(b.p);
    }
    sync_sess_free(s);
    enc_close(&out);
    vstore_close(&st);
}

static void each_side_sends_the_recorded_bytes(void **state)
{
    json_t *root = load(state, "session.json");
    struct stream c, s;
    stream_load(root, true, &c);
    stream_load(root, false, &s);
    static const size_t chunks[] = {0, 7};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        replay(root, false, &s, &c, chunks[i]);
        replay(root, true, &c, &s, chunks[i]);
    }
    free(c.p);
    free(s.p);
    json_decref(root);
}

static void the_entries_are_the_authors_own(void **state)
{
    json_t *root = load(state, "session.json");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(root, "authors"), i, a)
    {
        struct identity id;
        uint8_t seed[HZ_SEED_LEN];
        unhex_fixed(str(a, "seed"), seed, sizeof seed);
        identity_from_seed(&id, seed);
        assert_hex(str(a, "key"), id.pk, HZ_KEY_LEN);
        identity_close(&id);
    }
    json_t *e;
    json_array_foreach(json_object_get(root, "entries"), i, e)
    {
        struct bytes b = unhex(str(e, "entry"));
        struct entry en;
        struct hz_err err = {0};
        assert_int_equal(entry_decode(&en, b.p, b.len, &err), 0);
        assert_int_equal(entry_verify(&en, &err), 0);
        assert_hex(str(e, "id"), en.id, HZ_HASH_LEN);
        assert_hex(str(root, "network"), en.network, HZ_NET_LEN);
        free(b.p);
    }
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_session");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(the_entries_are_the_authors_own, dir),
        cmocka_unit_test_prestate(each_side_sends_the_recorded_bytes, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
