/* session.c - one live-sync session as a state machine (session.h;
 * proto/sync.md). */
#include "session.h"

#include "alloc.h"
#include "error_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct sync_sess {
    struct hs hs;
    struct chan ch;
    struct sync_io io;
    bool open;
    uint64_t started_ms;
    struct sync_order order;
    struct sync_has *peer_vec;
    size_t n_peer_vec, cap_peer_vec;
    bool sent_done;
    uint8_t *in; /* bytes received and not yet taken */
    size_t in_len, in_cap;
    uint8_t *plain; /* HZ_FRAME_PLAIN_MAX */
    struct enc msg; /* a message being made */
    struct enc *out;
    /* vector being sent */
    struct sync_has *vbuf; /* HZ_SYNC_VECTOR_MAX */
    size_t n_vbuf;
    /* entries being sent: copies, one after another */
    uint8_t *ebuf; /* HZ_SYNC_ENTRIES_BYTES */
    size_t ebuf_used, n_ebuf;
    const uint8_t *ep[HZ_SYNC_ENTRIES_BYTES / 64];
    size_t elen[HZ_SYNC_ENTRIES_BYTES / 64];
    struct sync_sess_stats st;
};

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
    int rv = 0;
    if (s->n_vbuf == HZ_SYNC_VECTOR_MAX)
        rv = flush_vector(s, true, err);
    if (rv == 0)
        s->vbuf[s->n_vbuf++] = *h;
    return rv;
}

static int flush_entries(struct sync_sess *s, struct hz_err *err)
{
    if (s->n_ebuf == 0)
        return 0;
    int rv = sync_entries_encode(s->ep, s->elen, s->n_ebuf, &s->msg);
    s->st.entries_out += s->n_ebuf;
    s->n_ebuf = 0;
    s->ebuf_used = 0;
    return rv != 0 ? hz_err_set(err, rv, "entries") : send_msg(s, err);
}

static int emit_entry(void *data, const uint8_t *p, size_t len,
                      struct hz_err *err)
{
    struct sync_sess *s = data;
    int rv = 0;
    if (s->ebuf_used + len > HZ_SYNC_ENTRIES_BYTES ||
        s->n_ebuf == sizeof s->ep / sizeof s->ep[0])
        rv = flush_entries(s, err);
    if (rv != 0)
        return rv;
    HZ_ASSERT(len <= HZ_SYNC_ENTRIES_BYTES);
    memcpy(s->ebuf + s->ebuf_used, p, len);
    s->ep[s->n_ebuf] = s->ebuf + s->ebuf_used;
    s->elen[s->n_ebuf++] = len;
    s->ebuf_used += len;
    return 0;
}

/* The channel is open: hello and our vector. */
static int send_opening(struct sync_sess *s, struct hz_err *err)
{
    int rv = sync_hello_encode(&s->msg);
    if (rv == 0)
        rv = send_msg(s, err);
    if (rv == 0)
        rv = s->io.vector(s->io.ctx, emit_has, s, err);
    return rv != 0 ? rv : flush_vector(s, false, err);
}

/* The peer's whole vector is here: what it lacks, then done. */
static int send_delta(struct sync_sess *s, struct hz_err *err)
{
    int rv =
        s->io.delta(s->io.ctx, s->peer_vec, s->n_peer_vec, emit_entry, s, err);
    if (rv == 0)
        rv = flush_entries(s, err);
    if (rv == 0)
        rv = sync_done_encode(&s->msg);
    if (rv == 0)
        rv = send_msg(s, err);
    s->sent_done = rv == 0;
    return rv;
}

static int take_message(struct sync_sess *s, size_t len, struct hz_err *err)
{
    struct sync_msg m;
    int rv = sync_msg_decode(&m, s->plain, len, err);
    if (rv != 0)
        return rv;
    rv = sync_order_take(&s->order, &m, err);
    for (size_t i = 0; rv == 0 && m.type == SYNC_VECTOR && i < m.count; i++) {
        struct sync_has *v =
            hz_grow(s->peer_vec, &s->cap_peer_vec, s->n_peer_vec, sizeof *v);
        if (v == NULL) {
            rv = hz_err_set(err, HZ_ENOMEM, "vector");
            break;
        }
        s->peer_vec = v;
        sync_msg_has(&m, i, &s->peer_vec[s->n_peer_vec++]);
    }
    if (rv == 0 && m.type == SYNC_VECTOR && s->order.vector_done)
        rv = send_delta(s, err);
    if (rv == 0 && m.type == SYNC_ENTRIES) {
        const uint8_t **p = calloc(m.count, sizeof *p);
        size_t *l = calloc(m.count, sizeof *l);
        if (p == NULL || l == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "entries");
        for (size_t i = 0; rv == 0 && i < m.count; i++)
            sync_msg_entry(&m, i, &p[i], &l[i]);
        if (rv == 0)
            rv = s->io.ingest(s->io.ctx, m.count, p, l, err);
        s->st.entries_in += rv == 0 ? m.count : 0;
        free(p);
        free(l);
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
            rv = s->io.judge(s->io.ctx, s->hs.peer_key, s->hs.peer_chain,
                             s->hs.peer_chain_len, err);
            if (rv == 0)
                rv = hs_accept(&s->hs, s->out, err);
            if (rv != HS_DONE)
                break;
            chan_init(&s->ch, &s->hs);
            s->open = true;
            rv = send_opening(s, err);
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
    s->started_ms = now_ms;
    s->plain = malloc(HZ_FRAME_PLAIN_MAX);
    s->vbuf = malloc(HZ_SYNC_VECTOR_MAX * sizeof *s->vbuf);
    s->ebuf = malloc(HZ_SYNC_ENTRIES_BYTES);
    enc_init(&s->msg);
    int rv = s->plain == NULL || s->vbuf == NULL || s->ebuf == NULL
                 ? hz_err_set(err, HZ_ENOMEM, "session")
                 : hs_start(&s->hs, role, secret, self, seed, out, err);
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
    int rv = sync_sess_tick(s, now_ms, err);
    if (rv != 0)
        return rv;
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
    s->out = out;
    rv = take(s, err);
    s->out = NULL;
    return rv;
}

int sync_sess_tick(struct sync_sess *s, uint64_t now_ms, struct hz_err *err)
{
    if (!s->open && now_ms > s->started_ms &&
        now_ms - s->started_ms > HZ_HS_TIMEOUT_MS)
        return hz_err_set(err, HZ_EIO, "handshake: no answer in %u s",
                          HZ_HS_TIMEOUT_MS / 1000u);
    return 0;
}

bool sync_sess_caught_up(const struct sync_sess *s)
{
    return s->sent_done && s->order.done;
}

const uint8_t *sync_sess_peer(const struct sync_sess *s)
{
    return s->open ? s->hs.peer_key : NULL;
}

void sync_sess_stats(const struct sync_sess *s, struct sync_sess_stats *out)
{
    *out = s->st;
}

void sync_sess_free(struct sync_sess *s)
{
    if (s == NULL)
        return;
    hs_wipe(&s->hs);
    sodium_memzero(&s->ch, sizeof s->ch);
    free(s->peer_vec);
    free(s->in);
    free(s->plain);
    free(s->vbuf);
    free(s->ebuf);
    enc_close(&s->msg);
    free(s);
}
