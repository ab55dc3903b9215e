/* session.c - one live-sync session as a state machine (session.h;
 * proto/sync.md). */
#include "session.h"

#include "alloc.h"
#include "error_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* What the peer holds: per author, the top of the chain it is known to
 * hold from 1 (its vectors, and entries moved either way in order). An
 * open-addressing table keyed by a keyed hash of the author, so no peer
 * can choose keys that collide. */
struct known_slot {
    uint8_t author[HZ_KEY_LEN];
    uint64_t seq; /* 0: empty slot */
};

/* Entries in one message at most: every entry is longer than 64 bytes. */
#define EP_MAX (HZ_SYNC_ENTRIES_BYTES / 64)

struct sync_sess {
    struct hs hs;
    struct chan ch;
    struct sync_io io;
    bool open, proved;
    uint8_t id[HZ_HASH_LEN]; /* sync_sess_id, once open */
    uint64_t now, started_ms, last_out_ms, last_round_ms;
    struct sync_order order;
    /* the peer's vector round being received, then answered */
    struct sync_has *peer_vec;
    size_t n_peer_vec, cap_peer_vec;
    bool round_due, answering;
    uint64_t answered; /* done messages sent */
    uint64_t sent;     /* our vector rounds sent whole */
    struct known_slot *known;
    size_t known_cap, known_count;
    uint8_t known_key[crypto_shorthash_KEYBYTES];
    uint8_t *in; /* bytes received and not yet taken */
    size_t in_len, in_cap;
    uint8_t *plain; /* HZ_FRAME_PLAIN_MAX */
    struct enc msg; /* a message being made */
    struct enc *out;
    /* vector being sent */
    struct sync_has *vbuf; /* HZ_SYNC_VECTOR_MAX */
    size_t n_vbuf;
    uint64_t round_listed; /* authors of the round being sent */
    uint64_t round_ms;     /* HZ_ROUND_MS, or a test's */
    /* entries being sent: copies, one after another */
    uint8_t *ebuf; /* HZ_SYNC_ENTRIES_BYTES */
    size_t ebuf_used, n_ebuf;
    const uint8_t **ep; /* EP_MAX */
    size_t *elen;       /* EP_MAX */
    struct sync_zstd z; /* compressed entries (version 2) */
    struct sync_sess_stats st;
};

/* ---- what the peer holds */

static struct known_slot *known_find(struct sync_sess *s, const uint8_t *author)
{
    if (s->known_cap == 0)
        return NULL;
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, author, HZ_KEY_LEN, s->known_key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    size_t mask = s->known_cap - 1;
    for (size_t i = (size_t)v & mask;; i = (i + 1) & mask) {
        struct known_slot *k = &s->known[i];
        if (k->seq == 0 || memcmp(k->author, author, HZ_KEY_LEN) == 0)
            return k;
    }
}

static uint64_t known_seq(struct sync_sess *s, const uint8_t *author)
{
    const struct known_slot *k = known_find(s, author);
    return k != NULL ? k->seq : 0;
}

/* Room for one more author: the table at most half full. False past
 * HZ_SESS_KNOWN_MAX or without memory (then nothing is remembered). */
static bool known_room(struct sync_sess *s)
{
    if (s->known_count >= HZ_SESS_KNOWN_MAX)
        return false;
    if ((s->known_count + 1) * 2 <= s->known_cap)
        return true;
    size_t cap = s->known_cap ? s->known_cap * 2 : 256;
    struct known_slot *old = s->known;
    size_t old_cap = s->known_cap;
    s->known = calloc(cap, sizeof *s->known);
    if (s->known == NULL) {
        s->known = old;
        return false;
    }
    s->known_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].seq != 0)
            *known_find(s, old[i].author) = old[i];
    free(old);
    return true;
}

/* The peer holds @author's chain up to @seq (@exact: only if it held
 * up to @seq - 1: an entry moved in order). */
static void known_raise(struct sync_sess *s, const uint8_t *author,
                        uint64_t seq, bool exact)
{
    struct known_slot *k = known_find(s, author);
    if (k == NULL || k->seq == 0) {
        if ((exact && seq != 1) || !known_room(s))
            return;
        k = known_find(s, author);
        memcpy(k->author, author, HZ_KEY_LEN);
        k->seq = seq;
        s->known_count++;
        return;
    }
    if (exact ? seq == k->seq + 1 : seq > k->seq)
        k->seq = seq;
}

/* ---- sending */

static int send_msg(struct sync_sess *s, struct hz_err *err)
{
    s->st.frames_out++;
    s->st.bytes_out += enc_len(&s->msg);
    return chan_seal(&s->ch, enc_data(&s->msg), enc_len(&s->msg), s->out, err);
}

static int flush_vector(struct sync_sess *s, bool more, struct hz_err *err)
{
    int rv = sync_vector_encode(s->vbuf, s->n_vbuf, more, &s->msg);
    s->n_vbuf = 0;
    return rv != 0 ? hz_err_set(err, rv, "vector") : send_msg(s, err);
}

static int emit_has(void *data, const struct sync_has *h, struct hz_err *err)
{
    struct sync_sess *s = data;
    /* Past the round's limit the peer takes us to hold nothing of the
     * rest: it may send what we have (duplicates, not applied twice). */
    if (s->round_listed++ >= HZ_SYNC_ROUND_MAX)
        return 0;
    int rv = 0;
    if (s->n_vbuf == HZ_SYNC_VECTOR_MAX)
        rv = flush_vector(s, true, err);
    if (rv == 0)
        s->vbuf[s->n_vbuf++] = *h;
    return rv;
}

/* A vector round of ours: the store's vector, in one or more messages. */
static int send_round(struct sync_sess *s, uint64_t now_ms, struct hz_err *err)
{
    s->round_listed = 0;
    int rv = s->io.vector(s->io.ctx, emit_has, s, err);
    if (rv == 0)
        rv = flush_vector(s, false, err);
    s->sent += rv == 0;
    s->last_round_ms = now_ms;
    return rv;
}

/* The version the session speaks: 0 until the peer's hello. */
static uint64_t speaks(const struct sync_sess *s)
{
    return s->order.hello ? s->order.version : 0;
}

static int flush_entries(struct sync_sess *s, struct hz_err *err)
{
    if (s->n_ebuf == 0)
        return 0;
    /* Compressed when both sides speak version 2 and it is shorter. */
    bool smaller = false;
    int rv = speaks(s) >= HZ_SYNC_VERSION_ZSTD
                 ? sync_zentries_encode(&s->z, s->ep, s->elen, s->n_ebuf,
                                        &smaller, &s->msg)
                 : sync_entries_encode(s->ep, s->elen, s->n_ebuf, &s->msg);
    s->st.zentries_out += smaller;
    s->st.entries_out += s->n_ebuf;
    s->n_ebuf = 0;
    s->ebuf_used = 0;
    return rv != 0 ? hz_err_set(err, rv, "entries") : send_msg(s, err);
}

/* The store's items: copied into the message being filled; SYNC_FULL
 * when it has no room (the store gives the item again next time). A
 * pushed chain entry the peer holds is passed over. */
static int emit_item(void *data, const struct sync_item *it, struct hz_err *err)
{
    (void)err;
    struct sync_sess *s = data;
    if (it->pushed && it->seq <= known_seq(s, it->author))
        return 0;
    /* Each entry costs its bytes and a bin header of at most 5 in the
     * message: the whole message stays within a frame. */
    if (s->ebuf_used + it->len + 5 * (s->n_ebuf + 1) > HZ_SYNC_ENTRIES_BYTES ||
        s->n_ebuf == EP_MAX)
        return SYNC_FULL;
    HZ_ASSERT(it->len <= HZ_SYNC_ENTRIES_BYTES);
    memcpy(s->ebuf + s->ebuf_used, it->p, it->len);
    s->ep[s->n_ebuf] = s->ebuf + s->ebuf_used;
    s->elen[s->n_ebuf++] = it->len;
    s->ebuf_used += it->len;
    if (it->chain)
        known_raise(s, it->author, it->seq, true);
    return 0;
}

/* One step of sending: the peer's round begun, one entries message, or
 * done. *@idle when there was nothing to send. */
static int send_step(struct sync_sess *s, bool *idle, struct hz_err *err)
{
    int rv = 0;
    *idle = false;
    if (s->round_due && !s->answering) {
        rv = s->io.round(s->io.ctx, s->peer_vec, s->n_peer_vec, err);
        s->round_due = false;
        s->answering = rv == 0;
        if (rv != 0)
            return rv;
    }
    bool round_done = false;
    rv = s->io.next(s->io.ctx, emit_item, s, &round_done, err);
    if (rv == 0 && s->n_ebuf == 0 && !round_done)
        *idle = true;
    if (rv == 0)
        rv = flush_entries(s, err);
    if (rv == 0 && round_done) {
        HZ_ASSERT(s->answering);
        s->answering = false;
        rv = sync_done_encode(&s->msg);
        if (rv == 0)
            rv = send_msg(s, err);
        s->answered += rv == 0;
    }
    return rv;
}

/* The session's id (proto/sync.md, "One session per pair"): BLAKE2b-256
 * of "huzhu session id v1", the client-to-server key and the
 * server-to-client key, the same on both sides and never sent. */
static void session_id(struct sync_sess *s)
{
    static const char tag[] = "huzhu session id v1";
    bool client = s->hs.role == HS_CLIENT;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)tag, sizeof tag - 1);
    crypto_generichash_update(&h, client ? s->ch.tx_key : s->ch.rx_key,
                              HZ_HS_KEY_LEN);
    crypto_generichash_update(&h, client ? s->ch.rx_key : s->ch.tx_key,
                              HZ_HS_KEY_LEN);
    crypto_generichash_final(&h, s->id, HZ_HASH_LEN);
}

/* ---- receiving */

static int take_vector(struct sync_sess *s, const struct sync_msg *m,
                       bool first, struct hz_err *err)
{
    if (first)
        s->n_peer_vec = 0;
    for (size_t i = 0; i < m->count; i++) {
        struct sync_has *v =
            hz_grow(s->peer_vec, &s->cap_peer_vec, s->n_peer_vec, sizeof *v);
        if (v == NULL)
            return hz_err_set(err, HZ_ENOMEM, "vector");
        s->peer_vec = v;
        struct sync_has *h = &s->peer_vec[s->n_peer_vec++];
        sync_msg_has(m, i, h);
        known_raise(s, h->author, h->seq, false);
    }
    s->round_due = !m->more;
    return 0;
}

static int take_entries(struct sync_sess *s, const struct sync_msg *m,
                        struct hz_err *err)
{
    const uint8_t **p = calloc(m->count, sizeof *p);
    size_t *l = calloc(m->count, sizeof *l);
    struct sync_from *from = calloc(m->count, sizeof *from);
    int rv = p == NULL || l == NULL || from == NULL
                 ? hz_err_set(err, HZ_ENOMEM, "entries")
                 : 0;
    for (size_t i = 0; rv == 0 && i < m->count; i++)
        sync_msg_entry(m, i, &p[i], &l[i]);
    if (rv == 0)
        rv = s->io.ingest(s->io.ctx, m->count, p, l, from, err);
    /* The peer holds what it sends: not pushed back to it (whose each
     * entry is comes from the store, which decoded it once). An entry
     * that did not decode the store refused. */
    for (size_t i = 0; rv == 0 && i < m->count; i++)
        if (from[i].decoded)
            known_raise(s, from[i].author, from[i].seq, true);
    s->st.entries_in += rv == 0 ? m->count : 0;
    free(p);
    free(l);
    free(from);
    return rv;
}

static int take_message(struct sync_sess *s, size_t len, struct hz_err *err)
{
    struct sync_msg m;
    int rv = sync_msg_decode(&m, s->plain, len, speaks(s), err);
    if (rv != 0)
        return rv;
    bool first = !s->order.in_round;
    rv = sync_order_take(&s->order, &m, s->answered, s->sent, err);
    if (rv == 0 && m.type == SYNC_VECTOR)
        rv = take_vector(s, &m, first, err);
    if (rv == 0 && m.type == SYNC_ENTRIES)
        rv = take_entries(s, &m, err);
    if (rv == 0 && m.type == SYNC_ZENTRIES) {
        struct sync_msg list;
        rv = sync_zentries_open(&s->z, &m, &list, err);
        if (rv == 0) {
            s->st.zentries_in++;
            rv = take_entries(s, &list, err);
            sync_msg_close(&list);
        }
    }
    sync_msg_close(&m);
    return rv;
}
/* Take what the received bytes hold: handshake messages, then frames. */
static int take(struct sync_sess *s, struct hz_err *err)
{
    size_t off = 0;
    int rv = 0;
    while (rv == 0 && off < s->in_len) {
        size_t used = 0;
        if (!s->open) {
            rv = hs_feed(&s->hs, s->in + off, s->in_len - off, &used, s->out,
                         err);
            off += used;
            if (rv == HS_MORE) {
                rv = 0;
                if (used == 0)
                    break;
                continue;
            }
            if (rv != HS_PEER)
                break;
            s->proved = true;
            rv = s->io.judge(s->io.ctx, s->hs.peer_key, s->hs.peer_chain,
                             s->hs.peer_chain_len, err);
            if (rv == 0)
                rv = hs_accept(&s->hs, s->out, err);
            if (rv != HS_DONE)
                break;
            chan_init(&s->ch, &s->hs);
            session_id(s);
            s->open = true;
            /* The buffers of an open channel: only a member that proved
             * itself costs a node them. */
            s->plain = malloc(HZ_FRAME_PLAIN_MAX);
            s->vbuf = malloc(HZ_SYNC_VECTOR_MAX * sizeof *s->vbuf);
            s->ebuf = malloc(HZ_SYNC_ENTRIES_BYTES);
            s->ep = malloc(EP_MAX * sizeof *s->ep);
            s->elen = malloc(EP_MAX * sizeof *s->elen);
            if (s->plain == NULL || s->vbuf == NULL || s->ebuf == NULL ||
                s->ep == NULL || s->elen == NULL) {
                rv = hz_err_set(err, HZ_ENOMEM, "session");
                break;
            }
            rv = sync_hello_encode(s->order.mine, &s->msg);
            if (rv == 0)
                rv = send_msg(s, err);
            if (rv == 0)
                rv = send_round(s, s->now, err);
            continue;
        }
        size_t got = 0;
        rv = chan_open(&s->ch, s->in + off, s->in_len - off, &used, s->plain,
                       &got, err);
        if (rv == 1) {
            rv = 0;
            break;
        }
        if (rv != 0)
            break;
        off += used;
        s->st.frames_in++;
        s->st.bytes_in += got;
        rv = take_message(s, got, err);
    }
    memmove(s->in, s->in + off, s->in_len - off);
    s->in_len -= off;
    return rv;
}

int sync_sess_new(struct sync_sess **out_s, enum hs_role role,
                  const uint8_t *secret, const struct hs_self *self,
                  const uint8_t *seed, const struct sync_io *io,
                  uint64_t now_ms, struct enc *out, struct hz_err *err)
{
    *out_s = NULL;
    struct sync_sess *s = calloc(1, sizeof *s);
    if (s == NULL)
        return hz_err_set(err, HZ_ENOMEM, "session");
    s->io = *io;
    s->order.mine = HZ_SYNC_VERSION;
    s->round_ms = HZ_ROUND_MS;
    s->started_ms = s->last_out_ms = s->last_round_ms = now_ms;
    /* The known table's hash key: from the seed, so a simulated session
     * is the same every run. */
    crypto_generichash(s->known_key, sizeof s->known_key, seed, 32,
                       (const uint8_t *)"huzhu known", 11);
    enc_init(&s->msg);
    int rv = hs_start(&s->hs, role, secret, self, seed, out, err);
    if (rv != 0) {
        sync_sess_free(s);
        return rv;
    }
    *out_s = s;
    return 0;
}

int sync_sess_feed(struct sync_sess *s, const uint8_t *in, size_t len,
                   uint64_t now_ms, struct enc *out, struct hz_err *err)
{
    /* What stays between calls is at most one frame not yet whole (the
     * channel refuses a longer one from its length): the caller's reads
     * bound the rest. */
    if (s->in_len + len > s->in_cap) {
        size_t cap = s->in_cap ? s->in_cap : 4096;
        while (cap < s->in_len + len)
            cap *= 2;
        uint8_t *b = realloc(s->in, cap);
        if (b == NULL)
            return hz_err_set(err, HZ_ENOMEM, "session input");
        s->in = b;
        s->in_cap = cap;
    }
    memcpy(s->in + s->in_len, in, len);
    s->in_len += len;
    s->now = now_ms;
    s->out = out;
    size_t before = enc_len(out);
    int rv = take(s, err);
    if (enc_len(out) != before)
        s->last_out_ms = now_ms;
    s->out = NULL;
    return rv;
}

int sync_sess_pump(struct sync_sess *s, uint64_t now_ms, size_t room,
                   struct enc *out, struct hz_err *err)
{
    if (!s->open) {
        if (now_ms > s->started_ms && now_ms - s->started_ms > HZ_HS_TIMEOUT_MS)
            return hz_err_set(err, HZ_EIO, "handshake: no answer in %u s",
                              HZ_HS_TIMEOUT_MS / 1000u);
        return 0;
    }
    s->now = now_ms;
    s->out = out;
    size_t before = enc_len(out);
    int rv = 0;
    bool idle = false;
    while (rv == 0 && !idle && enc_len(out) - before < room)
        rv = send_step(s, &idle, err);
    /* Both answered every round: after a while, another, so whatever a
     * push could not carry is found (proto/sync.md). */
    if (rv == 0 && !s->answering && !s->round_due && !s->order.in_round &&
        s->answered == s->order.rounds && s->order.dones == s->sent &&
        now_ms - s->last_round_ms >= s->round_ms)
        rv = send_round(s, now_ms, err);
    if (rv == 0 && enc_len(out) == before &&
        now_ms - s->last_out_ms >= HZ_KEEPALIVE_MS) {
        rv = sync_keepalive_encode(&s->msg);
        rv = rv != 0 ? hz_err_set(err, rv, "keepalive") : send_msg(s, err);
    }
    if (enc_len(out) != before)
        s->last_out_ms = now_ms;
    s->out = NULL;
    return rv;
}

bool sync_sess_caught_up(const struct sync_sess *s)
{
    return s->answered >= 1 && s->order.dones >= 1;
}

int sync_sess_round(struct sync_sess *s, uint64_t now_ms, struct enc *out,
                    struct hz_err *err)
{
    if (!s->open || s->order.dones != s->sent)
        return hz_err_set(err, HZ_EINVAL,
                          "a vector round while the last is unanswered");
    s->out = out;
    s->now = now_ms;
    int rv = send_round(s, now_ms, err);
    s->last_out_ms = now_ms;
    s->out = NULL;
    return rv;
}

bool sync_sess_answered(const struct sync_sess *s)
{
    return s->sent >= 1 && s->order.dones == s->sent;
}

bool sync_sess_open(const struct sync_sess *s)
{
    return s->open;
}

const uint8_t *sync_sess_peer(const struct sync_sess *s)
{
    return s->proved ? s->hs.peer_key : NULL;
}

const uint8_t *sync_sess_id(const struct sync_sess *s)
{
    return s->open ? s->id : NULL;
}

void sync_sess_stats(const struct sync_sess *s, struct sync_sess_stats *out)
{
    *out = s->st;
}

static int cmp_has(const void *key, const void *item)
{
    return memcmp(key, ((const struct sync_has *)item)->author, HZ_KEY_LEN);
}

bool sync_sess_lag(const struct sync_sess *s, const struct sync_has *ours,
                   size_t n_ours, uint64_t *they_lack, uint64_t *we_lack)
{
    *they_lack = *we_lack = 0;
    if (s->order.rounds == 0)
        return false;
    for (size_t i = 0; i < n_ours; i++) {
        const struct known_slot *k =
            known_find((struct sync_sess *)s, ours[i].author);
        uint64_t theirs = k != NULL ? k->seq : 0;
        if (ours[i].seq > theirs)
            *they_lack += ours[i].seq - theirs;
    }
    for (size_t i = 0; i < s->known_cap; i++) {
        const struct known_slot *k = &s->known[i];
        if (k->seq == 0)
            continue;
        const struct sync_has *o =
            bsearch(k->author, ours, n_ours, sizeof *ours, cmp_has);
        uint64_t mine = o != NULL ? o->seq : 0;
        if (k->seq > mine)
            *we_lack += k->seq - mine;
    }
    return true;
}

int sync_sess_set_version(struct sync_sess *s, uint64_t version)
{
    if (version < 1 || version > HZ_SYNC_VERSION || s->open)
        return HZ_EINVAL;
    s->order.mine = version;
    return 0;
}

void sync_sess_set_round_ms(struct sync_sess *s, uint64_t ms)
{
    s->round_ms = ms;
}

uint64_t sync_sess_version(const struct sync_sess *s)
{
    return speaks(s);
}

void sync_sess_free(struct sync_sess *s)
{
    if (s == NULL)
        return;
    hs_wipe(&s->hs);
    sodium_memzero(&s->ch, sizeof s->ch);
    free(s->peer_vec);
    free(s->known);
    free(s->in);
    free(s->plain);
    free(s->vbuf);
    free(s->ebuf);
    free(s->ep);
    free(s->elen);
    sync_zstd_free(&s->z);
    enc_close(&s->msg);
    free(s);
}
