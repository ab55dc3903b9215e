/* net.c - live sync over TCP with libuv (net.h). Each connection runs one
 * core session (core/session.h): bytes read are fed to it, what it
 * returns is written, a timer ticks it and closes a connection that
 * stays silent. */
#include "net.h"

#include "../core/beacon.h"
#include "../core/error_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define READ_BUF 65536u
/* Sessions are pumped this often: new entries in the store go out within
 * it (and handshake and idle timeouts are checked). */
#define TICK_MS 250u
/* Bytes written and not yet taken by the kernel, per connection: a
 * session makes more only below this (a slow peer holds the sender to
 * it), so a connection holds at most this and one message more. */
#define SEND_WINDOW (2u * 1024u * 1024u)

/* Configured peers and devices heard are dialled again as core/redial.h
 * says (1 s after a session, 1, 2, 4 ... 60 s after failed dials, with
 * jitter). Configured peers are read again every PEERS_MS (huzhu peer
 * add takes effect without a restart). */
#define PEERS_MS 1000u
#define TELL_MS 2000u
#define TELL_IDLE_MS 30000u

struct server;
struct dialer;

struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    hz_node *n;
    struct server *srv; /* NULL: a dialling session */
    struct sync_sess *s;
    struct store_sync ctx;
    struct sync_io io;
    struct store_self self;
    struct enc out;
    size_t writes; /* writes not finished */
    uint64_t last_in_ms, started_ms, ended_ms;
    bool closing, done;
    int rv;
    struct hz_err err;
    int handles; /* handles not yet closed */
    struct conn *next;
    struct dial_result *result; /* a dialling session's, filled at close */
    char addr[80];              /* the peer's address */
    bool inbound;               /* it dialled us (counts for HZ_INBOUND_MAX) */
    bool oneshot;               /* huzhu sync: ends once caught up */
    bool was_open, synced;      /* noticed the channel open, caught up */
    bool confirming;            /* one-shot: the last round is sent */
    bool duplicate;  /* closed for another session with the same device */
    bool discovered; /* dialled after hearing its beacon: @heard_dev */
    uint8_t heard_dev[HZ_KEY_LEN];
    struct dialer *d; /* the configured peer it serves, or NULL */
    uint64_t told_sent, told_received; /* entries the contact row has */
    uint64_t told_ms;                  /* when it was last told */
};

/* A configured peer, dialled and redialled while the node serves. */
struct dialer {
    char addr[80];
    struct sockaddr_storage sa;
    struct redial redial;
    struct conn *c; /* its session, or NULL */
    bool seen;      /* still configured at the last read */
    bool keyed;     /* a session proved the device at @addr: @key */
    uint8_t key[HZ_KEY_LEN];
    struct dialer *next;
};

/* The result of a dialling session, copied when it ends. */
struct dial_result {
    int rv;
    struct hz_err err;
    struct net_result r;
};

struct server {
    uv_loop_t *loop;
    uv_tcp_t tcp;
    uv_signal_t sigint, sigterm;
    uv_timer_t peers_timer;
    struct dialer *dialers;
    hz_node *n;
    const struct net_serve_opts *o;
    struct conn *conns;
    unsigned live; /* connections not closing */
    bool stopping;
    bool stale; /* a new key or network: serve again with a new handle */
    /* LAN discovery: its socket and timer, the beacon keys held (the
     * one to seal with first, read again before each round), this
     * node's key and sync port, and the devices heard. */
    bool discovering;
    uv_udp_t udp;
    uv_timer_t beacon_timer;
    uint8_t *bkeys;
    size_t n_bkeys;
    struct store_self self;
    uint16_t port;
    struct sockaddr_in only; /* the listen address; INADDR_ANY: any */
    /* IPv6: with sync on the IPv4 wildcard, a second listener on [::]
     * (IPv6 only) and beacons by link-local multicast, where the host
     * has IPv6 */
    bool listening6, discovering6;
    uv_tcp_t tcp6;
    uv_udp_t udp6;
    struct beacon_memory heard;
    uint32_t beacon_ms; /* HZ_BEACON_MS, but in some tests */
    uint8_t udp_buf[HZ_BEACON_LEN + 1];
};

static int parse_addr(const char *text, struct sockaddr_storage *sa,
                      struct hz_err *err)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text || colon[1] == '\0')
        return hz_err_set(err, HZ_EINVAL, "address %s: want ADDR:PORT", text);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    size_t hl = (size_t)(colon - text);
    if (*end != '\0' || port < 0 || port > 65535 || hl >= sizeof host)
        return hz_err_set(err, HZ_EINVAL, "address %s: bad port", text);
    memcpy(host, text, hl);
    host[hl] = '\0';
    int rc;
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        rc = uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)sa);
    } else {
        rc = uv_ip4_addr(host, (int)port, (struct sockaddr_in *)sa);
    }
    return rc == 0
               ? 0
               : hz_err_set(err, HZ_EINVAL,
                            "address %s: want an IPv4 or [IPv6] literal", text);
}

int net_addr_check(const char *text, struct hz_err *err)
{
    struct sockaddr_storage sa;
    return parse_addr(text, &sa, err);
}

/* The address parses, and the node may sync at all: in a network, with
 * a certificate in effect (DECISIONS 32); said before any socket. */
static int can_sync(hz_node *n, const char *addr, struct sockaddr_storage *sa,
                    struct hz_err *err)
{
    int rv = parse_addr(addr, sa, err);
    struct store_self probe;
    if (rv == 0) {
        rv = store_channel_self(n, &probe, err);
        store_channel_self_close(&probe);
    }
    return rv;
}

/* ---- one connection */

static void result_of(const struct conn *c, struct net_result *r)
{
    memset(r, 0, sizeof *r);
    if (c->s != NULL) {
        sync_sess_stats(c->s, &r->st);
        const uint8_t *peer = sync_sess_peer(c->s);
        if (peer != NULL) {
            memcpy(r->peer, peer, 32);
            r->have_peer = true;
        }
    }
    r->got = c->ctx.got;
    r->seconds = (double)(c->ended_ms - c->started_ms) / 1000.0;
    snprintf(r->addr, sizeof r->addr, "%s", c->addr);
    r->dialled = !c->inbound;
}

static enum store_found found_of(const struct conn *c)
{
    return c->inbound      ? STORE_FOUND_DIALLED_US
           : c->discovered ? STORE_FOUND_DISCOVERED
                           : STORE_FOUND_CONFIGURED;
}

/* What the contact row learns now: entries moved since it was last told,
 * and why the session ended. Bookkeeping only: a failure to record it
 * never ends a session. */
static void tell_contact(struct conn *c, bool connected, const char *error)
{
    const uint8_t *peer = c->s != NULL ? sync_sess_peer(c->s) : NULL;
    if (peer == NULL || c->srv == NULL)
        return;
    struct sync_sess_stats st;
    sync_sess_stats(c->s, &st);
    struct store_contact_news news = {
        .connected = connected,
        .synced = c->synced,
        .sent = st.entries_out - c->told_sent,
        .received = st.entries_in - c->told_received,
        .error = error,
    };
    /* How far behind each side is: what this node holds now against
     * what the session knows the peer holds. */
    struct sync_has *tops = NULL;
    size_t n_tops = 0;
    if (store_tops(c->n, &tops, &n_tops, NULL) == 0)
        news.lag_known =
            sync_sess_lag(c->s, tops, n_tops, &news.they_lack, &news.we_lack);
    free(tops);
    if (store_contact_end(c->n, peer, c->addr, found_of(c), &news, NULL) == 0) {
        c->told_sent = st.entries_out;
        c->told_received = st.entries_in;
    }
    c->told_ms = uv_now(c->tcp.loop);
}

/* The device at the other end of an open session, or NULL. */
static const uint8_t *peer_of(const struct conn *c)
{
    return c->s != NULL && c->was_open ? sync_sess_peer(c->s) : NULL;
}

static bool same_device(const struct conn *c, const uint8_t *key)
{
    const uint8_t *p = peer_of(c);
    return !c->closing && p != NULL && memcmp(p, key, HZ_KEY_LEN) == 0;
}

/* Is an open session with the device @key under way? */
static bool in_session(const struct server *srv, const uint8_t *key)
{
    for (const struct conn *c = srv->conns; c != NULL; c = c->next)
        if (same_device(c, key))
            return true;
    return false;
}

/* Of two open sessions with one device, is @a the one kept? The one
 * dialled by the smaller key, then the smaller session id (proto/sync.md,
 * "One session per pair"). */
static bool kept_over(const struct conn *a, const struct conn *b)
{
    const uint8_t *da = a->inbound ? peer_of(a) : a->self.pk;
    const uint8_t *db = b->inbound ? peer_of(b) : b->self.pk;
    int by = memcmp(da, db, HZ_KEY_LEN);
    if (by != 0)
        return by < 0;
    return memcmp(sync_sess_id(a->s), sync_sess_id(b->s), HZ_HASH_LEN) < 0;
}

static void conn_close(struct conn *c, int rv);

/* @c's channel just opened. Two nodes that each dial the other (or one
 * that dials another at two addresses) would keep two sessions: each
 * side closes only a session it dialled for a configured peer that the
 * rule does not keep, so both keep the same one and a one-shot sync is
 * never cut. HZ_EEXIST when that is @c. */
static int one_per_pair(struct conn *c)
{
    const uint8_t *peer = peer_of(c);
    for (struct conn *o = c->srv->conns; o != NULL; o = o->next) {
        if (o == c || !same_device(o, peer))
            continue;
        struct conn *loser = kept_over(c, o) ? o : c;
        if (loser->d == NULL && !loser->discovered)
            continue;
        loser->duplicate = true;
        hz_err_set(&loser->err, HZ_EEXIST,
                   "another session with this device is kept (one per pair)");
        if (loser == c)
            return HZ_EEXIST;
        conn_close(o, HZ_EEXIST);
    }
    return 0;
}

/* The session's news since the last call: its channel opened (a device
 * proved itself and was accepted), or it caught up. */
static int notice(struct conn *c)
{
    if (c->s == NULL)
        return 0;
    if (!c->was_open && sync_sess_open(c->s)) {
        c->was_open = true;
        const uint8_t *peer = sync_sess_peer(c->s);
        if (memcmp(peer, c->self.pk, 32) == 0)
            return hz_err_set(&c->err, HZ_EINVAL,
                              "%s is this node's own address", c->addr);
        if (c->d != NULL) {
            memcpy(c->d->key, peer, HZ_KEY_LEN);
            c->d->keyed = true;
        }
        int rv = c->srv != NULL ? one_per_pair(c) : 0;
        if (rv != 0)
            return rv;
        if (c->srv != NULL) {
            (void)store_contact_open(c->n, peer, c->addr, found_of(c), NULL);
            if (c->d != NULL)
                (void)store_peer_tried(c->n, c->addr, NULL, NULL);
        }
    }
    if (!c->synced && sync_sess_caught_up(c->s)) {
        c->synced = true;
        tell_contact(c, true, NULL);
    }
    return 0;
}

static void dialer_ended(struct conn *c);

static void conn_free(struct conn *c)
{
    struct server *srv = c->srv;
    if (srv != NULL) {
        for (struct conn **p = &srv->conns; *p != NULL; p = &(*p)->next)
            if (*p == c) {
                *p = c->next;
                break;
            }
    }
    sync_sess_free(c->s);
    store_sync_close(&c->ctx);
    store_channel_self_close(&c->self);
    enc_close(&c->out);
    free(c);
}

static void on_handle_closed(uv_handle_t *h)
{
    struct conn *c = h->data;
    if (--c->handles == 0)
        conn_free(c);
}

/* End the connection: @rv 0 when the session caught up. */
static void conn_close(struct conn *c, int rv)
{
    if (c->closing)
        return;
    c->closing = true;
    if (c->inbound)
        c->srv->live--;
    /* The loop's cached time is from before this turn's work (the last
     * ingest may have taken a while). */
    uv_update_time(c->tcp.loop);
    c->ended_ms = uv_now(c->tcp.loop);
    if (c->rv == 0)
        c->rv = rv;
    /* A duplicate's device is still connected, by the session kept. */
    if (!c->duplicate)
        tell_contact(c, false, c->rv != 0 ? c->err.msg : NULL);
    dialer_ended(c);
    if (c->srv != NULL && c->srv->o->ended != NULL) {
        struct net_result r;
        result_of(c, &r);
        c->srv->o->ended(c->srv->o->data, c->rv, &c->err, &r);
    }
    if (c->result != NULL) {
        c->result->rv = c->rv;
        c->result->err = c->err;
        result_of(c, &c->result->r);
    }
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static size_t queued(struct conn *c);
static void conn_pump(struct conn *c);

struct write_req {
    uv_write_t req;
    struct conn *c;
    uint8_t *data; /* the session's output, taken over (enc_release) */
};

static void on_written(uv_write_t *req, int status)
{
    struct write_req *w = (struct write_req *)req;
    struct conn *c = w->c;
    free(w->data);
    free(w);
    c->writes--;
    if (status < 0 && !c->closing) {
        hz_err_set(&c->err, HZ_EIO, "write: %s", uv_strerror(status));
        conn_close(c, HZ_EIO);
        return;
    }
    /* A dialling session ends once both caught up and all is written. */
    if (c->oneshot && c->done && c->writes == 0) {
        conn_close(c, 0);
        return;
    }
    if (!c->closing && queued(c) < SEND_WINDOW / 2)
        conn_pump(c);
}

static int flush_out(struct conn *c)
{
    size_t len = enc_len(&c->out);
    if (len == 0 || c->closing)
        return 0;
    struct write_req *w = malloc(sizeof *w);
    if (w == NULL)
        return hz_err_set(&c->err, HZ_ENOMEM, "write");
    w->c = c;
    /* The bytes themselves move to the write: the window is held once,
     * not also as the connection's buffer. */
    w->data = enc_release(&c->out, &len);
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)len);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    if (rc < 0) {
        free(w->data);
        free(w);
        return hz_err_set(&c->err, HZ_EIO, "write: %s", uv_strerror(rc));
    }
    c->writes++;
    return 0;
}

static size_t queued(struct conn *c)
{
    return uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
}

/* Let the session send what it has while the send queue has room; a
 * dialling session that caught up ends once everything is written. */
static void conn_pump(struct conn *c)
{
    if (c->closing || c->s == NULL)
        return;
    size_t q = queued(c);
    int rv =
        sync_sess_pump(c->s, uv_now(c->tcp.loop),
                       q < SEND_WINDOW ? SEND_WINDOW - q : 0, &c->out, &c->err);
    if (rv == 0)
        rv = flush_out(c);
    if (rv == 0)
        rv = notice(c);
    if (rv != 0) {
        conn_close(c, rv);
        return;
    }
    /* A one-shot sync that caught up asks one more round; the peer's
     * answer says it took in all this side sent (sync_sess_round). A
     * sync longer than HZ_ROUND_MS may have a later round of its own
     * out: its answer comes first. */
    if (c->oneshot && sync_sess_caught_up(c->s) && !c->confirming &&
        sync_sess_answered(c->s)) {
        c->confirming = true;
        rv = sync_sess_round(c->s, uv_now(c->tcp.loop), &c->out, &c->err);
        if (rv == 0)
            rv = flush_out(c);
        if (rv != 0) {
            conn_close(c, rv);
            return;
        }
    }
    if (!c->done && (c->oneshot ? c->confirming && sync_sess_answered(c->s)
                                : sync_sess_caught_up(c->s))) {
        c->done = true;
        if (c->oneshot && c->writes == 0)
            conn_close(c, 0);
    }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    (void)hint;
    buf->base = malloc(READ_BUF);
    buf->len = buf->base != NULL ? READ_BUF : 0;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = st->data;
    if (nread < 0) {
        free(buf->base);
        if (!c->closing) {
            bool caught_up = c->s != NULL && sync_sess_caught_up(c->s);
            if (!caught_up)
                hz_err_set(&c->err, HZ_EIO, "the peer closed the connection");
            conn_close(c, caught_up ? 0 : HZ_EIO);
        }
        return;
    }
    c->last_in_ms = uv_now(st->loop);
    int rv = 0;
    if (nread > 0 && !c->closing)
        rv = sync_sess_feed(c->s, (const uint8_t *)buf->base, (size_t)nread,
                            c->last_in_ms, &c->out, &c->err);
    free(buf->base);
    if (rv == 0)
        rv = flush_out(c);
    if (rv != 0) {
        conn_close(c, rv);
        return;
    }
    conn_pump(c);
}

static void on_tick(uv_timer_t *t)
{
    struct conn *c = t->data;
    uint64_t now = uv_now(t->loop);
    if (now - c->last_in_ms > HZ_IDLE_TIMEOUT_MS) {
        hz_err_set(&c->err, HZ_EIO, "nothing from the peer for %u s",
                   HZ_IDLE_TIMEOUT_MS / 1000u);
        conn_close(c, HZ_EIO);
        return;
    }
    /* An open session's contact row keeps up: within TELL_MS of entries
     * moving, and its last contact at least every TELL_IDLE_MS. */
    if (c->synced) {
        struct sync_sess_stats st;
        sync_sess_stats(c->s, &st);
        bool moved =
            st.entries_out != c->told_sent || st.entries_in != c->told_received;
        if (now - c->told_ms >= (moved ? TELL_MS : TELL_IDLE_MS))
            tell_contact(c, true, NULL);
    }
    conn_pump(c);
}

/* A connection set up: its session, timer and reads. */
static int conn_start(struct conn *c, enum hs_role role)
{
    uv_loop_t *loop = c->tcp.loop;
    c->started_ms = c->last_in_ms = uv_now(loop);
    c->ctx.n = c->n;
    store_sync_io(&c->ctx, &c->io);
    int rv = store_channel_self(c->n, &c->self, &c->err);
    uint8_t seed[32];
    randombytes_buf(seed, sizeof seed);
    struct hs_self hs = {c->self.pk, c->self.sk, c->self.chain,
                         c->self.chain_len};
    if (rv == 0)
        rv = sync_sess_new(&c->s, role, c->self.secret, &hs, seed, &c->io,
                           c->started_ms, &c->out, &c->err);
    /* Tests: later vector rounds every HUZHU_TEST_ROUND_MS (a sync that
     * outlasts the round interval, in seconds). */
    const char *round = getenv("HUZHU_TEST_ROUND_MS");
    if (rv == 0 && round != NULL && strtoull(round, NULL, 10) > 0)
        sync_sess_set_round_ms(c->s, strtoull(round, NULL, 10));
    /* Tests speak as an older node would (version 1: no compressed
     * entries), to show that a newer one still syncs with it. */
    const char *v = getenv("HUZHU_TEST_SYNC_VERSION");
    if (rv == 0 && v != NULL)
        rv = sync_sess_set_version(c->s, strtoull(v, NULL, 10)) != 0
                 ? hz_err_set(&c->err, HZ_EINVAL,
                              "HUZHU_TEST_SYNC_VERSION: 1 to %u",
                              HZ_SYNC_VERSION)
                 : 0;
    sodium_memzero(seed, sizeof seed);
    if (rv == 0)
        rv = flush_out(c);
    if (rv == 0 && uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read))
        rv = hz_err_set(&c->err, HZ_EIO, "read");
    if (rv == 0)
        uv_timer_start(&c->timer, on_tick, TICK_MS, TICK_MS);
    return rv;
}

static struct conn *conn_new(uv_loop_t *loop, hz_node *n, struct server *srv)
{
    struct conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->n = n;
    c->srv = srv;
    enc_init(&c->out);
    uv_tcp_init(loop, &c->tcp);
    uv_timer_init(loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->handles = 2;
    return c;
}

/* ---- dialling */

struct dial {
    uv_connect_t req;
    struct conn *c;
};

static void on_connected(uv_connect_t *req, int status)
{
    struct dial *d = (struct dial *)req;
    struct conn *c = d->c;
    free(d);
    int rv = status < 0 ? hz_err_set(&c->err, HZ_EIO, "connect: %s",
                                     uv_strerror(status))
                        : conn_start(c, HS_CLIENT);
    if (rv != 0)
        conn_close(c, rv);
}

/* Dial @sa (@addr as text) for a session as the client; NULL without
 * memory. The connection ends by conn_close like any other. */
static struct conn *conn_dial(uv_loop_t *loop, hz_node *n, struct server *srv,
                              const char *addr,
                              const struct sockaddr_storage *sa)
{
    struct conn *c = conn_new(loop, n, srv);
    struct dial *d = malloc(sizeof *d);
    if (c == NULL || d == NULL) {
        free(d);
        if (c != NULL) {
            c->closing = true; /* nothing to tell: closed as it is */
            uv_close((uv_handle_t *)&c->timer, on_handle_closed);
            uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
        }
        return NULL;
    }
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    if (srv != NULL) {
        c->next = srv->conns;
        srv->conns = c;
    }
    d->c = c;
    int rv = uv_tcp_connect(&d->req, &c->tcp, (const struct sockaddr *)sa,
                            on_connected);
    if (rv < 0) {
        free(d);
        hz_err_set(&c->err, HZ_EIO, "connect: %s", uv_strerror(rv));
        conn_close(c, HZ_EIO);
    }
    return c;
}

int net_sync(hz_node *n, const char *addr, struct net_result *out,
             struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    struct sockaddr_storage sa;
    int rv = can_sync(n, addr, &sa, err);
    if (rv != 0)
        return rv;
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct dial_result res = {.rv = HZ_EIO};
    struct conn *c = conn_dial(&loop, n, NULL, addr, &sa);
    if (c == NULL) {
        hz_err_set(&res.err, HZ_ENOMEM, "session");
        res.rv = HZ_ENOMEM;
    } else {
        c->oneshot = true;
        c->result = &res;
        if (c->closing) { /* the dial failed at once: what it said */
            res.rv = c->rv;
            res.err = c->err;
        }
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    *out = res.r;
    if (res.rv != 0 && err != NULL)
        *err = res.err;
    return res.rv;
}

/* ---- serving */

/* ---- configured peers, dialled while serving */

/* A dial of a configured peer or of a device heard ended (the session,
 * or the dial that opened none): when to dial it again. */
static void redial_after(struct redial *r, const struct conn *c)
{
    (void)redial_ended(r, c->was_open, uv_now(c->tcp.loop),
                       randombytes_random());
}

static void dialer_ended(struct conn *c)
{
    if (c->discovered && c->srv != NULL) {
        struct beacon_heard *h = beacon_find(&c->srv->heard, c->heard_dev);
        if (h != NULL)
            redial_after(&h->redial, c);
    }
    struct dialer *d = c->d;
    if (d == NULL)
        return;
    c->d = NULL;
    d->c = NULL;
    /* No device proved itself: the dial's failure is the peer's news (a
     * contact row needs a key). */
    if (!c->was_open)
        (void)store_peer_tried(c->n, d->addr, c->err.msg[0] ? c->err.msg : NULL,
                               NULL);
    redial_after(&d->redial, c);
}

static int mark_seen(void *data, const char *addr)
{
    struct server *srv = data;
    for (struct dialer *d = srv->dialers; d != NULL; d = d->next)
        if (strcmp(d->addr, addr) == 0) {
            d->seen = true;
            return 0;
        }
    struct dialer *d = calloc(1, sizeof *d);
    if (d == NULL)
        return 0; /* tried again at the next read */
    snprintf(d->addr, sizeof d->addr, "%s", addr);
    /* huzhu peer add checked it; one that no longer parses is skipped. */
    if (parse_addr(addr, &d->sa, NULL) != 0) {
        free(d);
        return 0;
    }
    d->seen = true;
    redial_init(&d->redial, uv_now(srv->loop));
    d->next = srv->dialers;
    srv->dialers = d;
    return 0;
}

/* Read the configured peers again: new ones are dialled, removed ones
 * closed; every peer without a session whose wait is over is dialled. */
static void stop_serving(struct server *srv);
static void stop_discovery(struct server *srv);

static void on_peers(uv_timer_t *t)
{
    struct server *srv = t->data;
    if (srv->stopping)
        return;
    /* huzhu rekey, network create or join in another process: this
     * handle would go on proving the old key in every handshake. */
    if (store_node_stale(srv->n)) {
        srv->stale = true;
        stop_serving(srv);
        return;
    }
    for (struct dialer *d = srv->dialers; d != NULL; d = d->next)
        d->seen = false;
    if (store_peer_addrs(srv->n, mark_seen, srv, NULL) != 0)
        return; /* busy: the list stays as it was until the next read */
    uint64_t now = uv_now(srv->loop);
    for (struct dialer **p = &srv->dialers; *p != NULL;) {
        struct dialer *d = *p;
        if (!d->seen) {
            *p = d->next;
            if (d->c != NULL) {
                d->c->d = NULL;
                hz_err_set(&d->c->err, HZ_EIO, "the peer was removed");
                conn_close(d->c, HZ_EIO);
            }
            free(d);
            continue;
        }
        /* A device already in session (it dialled us, or another of
         * its addresses did) is not dialled again while that lasts. */
        if (d->c == NULL && redial_due(&d->redial, now) &&
            !(d->keyed && in_session(srv, d->key))) {
            redial_start(&d->redial);
            d->c = conn_dial(srv->loop, srv->n, srv, d->addr, &d->sa);
            if (d->c != NULL && !d->c->closing) {
                d->c->d = d;
            } else if (d->c != NULL) { /* it failed at once */
                d->c->d = d;
                dialer_ended(d->c);
            } else { /* no memory: as a failed dial */
                (void)redial_ended(&d->redial, false, now,
                                   randombytes_random());
            }
        }
        p = &d->next;
    }
}

static void stop_serving(struct server *srv)
{
    if (srv->stopping)
        return;
    srv->stopping = true;
    stop_discovery(srv);
    uv_close((uv_handle_t *)&srv->peers_timer, NULL);
    uv_close((uv_handle_t *)&srv->tcp, NULL);
    if (srv->listening6)
        uv_close((uv_handle_t *)&srv->tcp6, NULL);
    srv->listening6 = false;
    uv_close((uv_handle_t *)&srv->sigint, NULL);
    uv_close((uv_handle_t *)&srv->sigterm, NULL);
    /* A session that caught up ends well; one that had not, with why. */
    for (struct conn *c = srv->conns; c != NULL; c = c->next)
        if (!c->closing) {
            if (!c->synced)
                hz_err_set(&c->err, HZ_EIO, "the node is stopping");
            conn_close(c, c->synced ? 0 : HZ_EIO);
        }
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    stop_serving(s->data);
}

/* An inbound connection's address, as the logs and status show it. */
static void peer_text(struct conn *c)
{
    struct sockaddr_storage sa;
    int len = sizeof sa;
    char host[64] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &len) == 0) {
        if (sa.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&sa, host, sizeof host);
            port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&sa, host, sizeof host);
            port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
        }
    }
    snprintf(c->addr, sizeof c->addr,
             sa.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host, port);
}

/* All inbound places are taken: the connection that has waited longest
 * without finishing its handshake gives its place to @fresh (a member's
 * handshake takes a few round trips, so silent or slow connections
 * cannot keep members out). False when every place holds a session. */
static bool make_room(struct server *srv, const struct conn *fresh)
{
    struct conn *oldest = NULL;
    for (struct conn *c = srv->conns; c != NULL; c = c->next)
        if (c != fresh && !c->closing &&
            (c->s == NULL || !sync_sess_open(c->s)) &&
            (oldest == NULL || c->started_ms < oldest->started_ms))
            oldest = c;
    if (oldest == NULL)
        return false;
    hz_err_set(&oldest->err, HZ_EBUSY,
               "no handshake yet while %u places were taken: its place went"
               " to a newer connection",
               HZ_INBOUND_MAX);
    conn_close(oldest, HZ_EBUSY);
    return true;
}

static void on_connection(uv_stream_t *server, int status)
{
    struct server *srv = server->data;
    if (status < 0 || srv->stopping)
        return;
    struct conn *c = conn_new(srv->loop, srv->n, srv);
    if (c == NULL)
        return;
    c->next = srv->conns;
    srv->conns = c;
    c->inbound = true;
    srv->live++;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
        hz_err_set(&c->err, HZ_EIO, "accept");
        conn_close(c, HZ_EIO);
        return;
    }
    if (srv->live > HZ_INBOUND_MAX && !make_room(srv, c)) {
        hz_err_set(&c->err, HZ_EBUSY, "more than %u sessions at once",
                   HZ_INBOUND_MAX);
        conn_close(c, HZ_EBUSY);
        return;
    }
    peer_text(c);
    int rv = conn_start(c, HS_SERVER);
    if (rv != 0)
        conn_close(c, rv);
}

/* One serve per node: a lock on a file in the node directory, let go
 * when the process ends however it ends. Its descriptor into *@fd. */
static int serve_lock(const char *dir, int *fd, struct hz_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, HZ_SERVE_LOCK);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0)
        return hz_err_set(err, HZ_EIO, "serve lock: %s", strerror(errno));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(*fd, F_SETLK, &fl) != 0) {
        close(*fd);
        *fd = -1;
        return hz_err_set(err, HZ_EBUSY,
                          "another huzhu serve is running on this node");
    }
    return 0;
}

/* ---- waiting for a network (the web interface alone) */

struct waiting {
    uv_signal_t sigint, sigterm;
    uv_timer_t timer;
    bool (*joined)(void *data);
    void *data;
    int result;
};

static void wait_close(struct waiting *w)
{
    uv_close((uv_handle_t *)&w->sigint, NULL);
    uv_close((uv_handle_t *)&w->sigterm, NULL);
    uv_close((uv_handle_t *)&w->timer, NULL);
}

static void on_wait_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    wait_close(s->data);
}

static void on_wait_timer(uv_timer_t *t)
{
    struct waiting *w = t->data;
    if (w->joined(w->data)) {
        w->result = 1;
        wait_close(w);
    }
}

int net_wait_network(const struct net_serve_opts *o, bool (*joined)(void *data),
                     void *data, struct hz_err *err)
{
    int lock = -1;
    int rv = serve_lock(o->lock_dir, &lock, err);
    if (rv != 0)
        return rv;
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct waiting w = {.joined = joined, .data = data};
    uv_signal_init(&loop, &w.sigint);
    uv_signal_init(&loop, &w.sigterm);
    uv_timer_init(&loop, &w.timer);
    w.sigint.data = w.sigterm.data = w.timer.data = &w;
    uv_signal_start(&w.sigint, on_wait_signal, SIGINT);
    uv_signal_start(&w.sigterm, on_wait_signal, SIGTERM);
    uv_timer_start(&w.timer, on_wait_timer, PEERS_MS, PEERS_MS);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    close(lock);
    return w.result;
}

/* ---- LAN discovery (proto/discovery.md) */

/* One round of beacons: sealed with the newest epoch's key held (the keys
 * read again, as an epoch may have come since), broadcast on every up
 * IPv4 interface but loopback (interfaces that came up since are found
 * here too); then the next round, 80 % to 120 % of HZ_BEACON_MS on. */
static void on_beacon_tick(uv_timer_t *t)
{
    struct server *srv = t->data;
    if (srv->stopping)
        return;
    uint8_t *keys = NULL;
    size_t n_keys = 0;
    if (store_beacon_keys(srv->n, &keys, &n_keys, NULL) == 0) {
        free(srv->bkeys);
        srv->bkeys = keys;
        srv->n_bkeys = n_keys;
    }
    uv_interface_address_t *ifs = NULL;
    int count = 0;
    if (srv->n_bkeys > 0 && uv_interface_addresses(&ifs, &count) == 0) {
        struct beacon b = {.port = srv->port, .time_ms = store_now_ms(srv->n)};
        memcpy(b.device, srv->self.pk, HZ_KEY_LEN);
        for (int i = 0; i < count; i++) {
            struct sockaddr_storage to;
            uv_udp_t *via = &srv->udp;
            memset(&to, 0, sizeof to);
            if (ifs[i].is_internal)
                continue;
            if (ifs[i].address.address4.sin_family == AF_INET) {
                if (srv->only.sin_addr.s_addr != htonl(INADDR_ANY) &&
                    srv->only.sin_addr.s_addr !=
                        ifs[i].address.address4.sin_addr.s_addr)
                    continue;
                struct sockaddr_in *v4 = (struct sockaddr_in *)&to;
                *v4 = ifs[i].address.address4;
                v4->sin_addr.s_addr |= ~ifs[i].netmask.netmask4.sin_addr.s_addr;
                v4->sin_port = htons(HZ_DISCOVERY_PORT);
            } else {
                /* IPv6: to all nodes on the link of each interface with
                 * a link-local address (fe80::/10), the interface named
                 * by the address's scope. */
                const struct sockaddr_in6 *a6 = &ifs[i].address.address6;
                if (!srv->discovering6 || a6->sin6_family != AF_INET6 ||
                    a6->sin6_addr.s6_addr[0] != 0xfe ||
                    (a6->sin6_addr.s6_addr[1] & 0xc0) != 0x80 ||
                    a6->sin6_scope_id == 0)
                    continue;
                struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&to;
                uv_ip6_addr(HZ_DISCOVERY_GROUP6, HZ_DISCOVERY_PORT, v6);
                v6->sin6_scope_id = a6->sin6_scope_id;
                via = &srv->udp6;
            }
            uint8_t nonce[HZ_BEACON_NONCE_LEN], out[HZ_BEACON_LEN];
            randombytes_buf(nonce, sizeof nonce);
            beacon_seal(&b, srv->bkeys, nonce, out);
            uv_buf_t buf = uv_buf_init((char *)out, sizeof out);
            /* Best effort: a full send buffer skips this round there. */
            (void)uv_udp_try_send(via, &buf, 1, (const struct sockaddr *)&to);
        }
        uv_free_interface_addresses(ifs, count);
    }
    uv_timer_start(t, on_beacon_tick,
                   srv->beacon_ms * 4 / 5 +
                       randombytes_uniform(srv->beacon_ms * 2 / 5 + 1),
                   0);
}

static void on_udp_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    struct server *srv = h->data;
    *buf = uv_buf_init((char *)srv->udp_buf, sizeof srv->udp_buf);
}

/* A datagram on the discovery port: a beacon of a member (one of the keys
 * held opens it), not this node's, newer than the last of its device, of
 * a device not in session and due for a dial (core/redial.h: not being
 * dialled, and its wait after the last dial over), is dialled at the
 * address it came from and the port it names. Anything else is dropped
 * without a word: strangers' datagrams are not news. */
static void on_udp_read(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf,
                        const struct sockaddr *from, unsigned flags)
{
    struct server *srv = u->data;
    if (nread <= 0 || from == NULL ||
        (from->sa_family != AF_INET && from->sa_family != AF_INET6) ||
        (flags & UV_UDP_PARTIAL) || srv->stopping || srv->n_bkeys == 0)
        return;
    struct beacon b;
    size_t which;
    if (beacon_open((const uint8_t *)buf->base, (size_t)nread, srv->bkeys,
                    srv->n_bkeys, &b, &which, NULL) != 0)
        return;
    if (memcmp(b.device, srv->self.pk, HZ_KEY_LEN) == 0)
        return;
    uint64_t now = uv_now(srv->loop);
    struct beacon_heard *h = beacon_take(&srv->heard, &b, now);
    if (h == NULL)
        return;
    if (in_session(srv, b.device))
        return;
    if (!redial_due(&h->redial, now))
        return;
    /* The address it came from (an IPv6 one keeps its interface, the
     * scope of a link-local address), at the port it names. */
    struct sockaddr_storage sa;
    memset(&sa, 0, sizeof sa);
    char ip[INET6_ADDRSTRLEN] = "?", addr[80];
    if (from->sa_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;
        *in6 = *(const struct sockaddr_in6 *)from;
        in6->sin6_port = htons(b.port);
        uv_ip6_name(in6, ip, sizeof ip);
        snprintf(addr, sizeof addr, "[%s]:%u", ip, (unsigned)b.port);
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)&sa;
        *in = *(const struct sockaddr_in *)from;
        in->sin_port = htons(b.port);
        uv_ip4_name(in, ip, sizeof ip);
        snprintf(addr, sizeof addr, "%s:%u", ip, (unsigned)b.port);
    }
    redial_start(&h->redial);
    struct conn *c = conn_dial(srv->loop, srv->n, srv, addr, &sa);
    if (c != NULL) {
        c->discovered = true;
        memcpy(c->heard_dev, b.device, HZ_KEY_LEN);
    }
    /* No memory, or it failed at once (closed before it was marked): a
     * failed dial. */
    if (c == NULL || c->closing)
        (void)redial_ended(&h->redial, false, now, randombytes_random());
}

/* IPv6 too, with sync on the IPv4 wildcard and a host that has IPv6: a
 * listener on [::] at the same port (IPv6 only: IPv4 has its own) and
 * the discovery port on [::], where beacons to all nodes of a link
 * arrive. Without IPv6 (or the port), IPv4 alone, as before. */
static void start_discovery6(struct server *srv)
{
    if (srv->only.sin_addr.s_addr != htonl(INADDR_ANY))
        return;
    struct sockaddr_in6 any;
    uv_ip6_addr("::", srv->port, &any);
    uv_tcp_init(srv->loop, &srv->tcp6);
    srv->tcp6.data = srv;
    if (uv_tcp_bind(&srv->tcp6, (const struct sockaddr *)&any,
                    UV_TCP_IPV6ONLY) != 0 ||
        uv_listen((uv_stream_t *)&srv->tcp6, 128, on_connection) != 0) {
        uv_close((uv_handle_t *)&srv->tcp6, NULL);
        return;
    }
    srv->listening6 = true;
    uv_ip6_addr("::", HZ_DISCOVERY_PORT, &any);
    uv_udp_init(srv->loop, &srv->udp6);
    srv->udp6.data = srv;
    if (uv_udp_bind(&srv->udp6, (const struct sockaddr *)&any,
                    UV_UDP_IPV6ONLY | UV_UDP_REUSEADDR) != 0 ||
        uv_udp_recv_start(&srv->udp6, on_udp_alloc, on_udp_read) != 0) {
        uv_close((uv_handle_t *)&srv->udp6, NULL);
        return;
    }
    srv->discovering6 = true;
}

/* Discovery on, when asked and when sync listens where the LAN can dial
 * it (@sa: an IPv4 address that is not loopback, the wildcard for every
 * interface; a node listening on loopback or IPv6 alone announces
 * nothing): the discovery port bound (shared with other serves on this
 * host), broadcasts allowed, the first round within a second. A port that
 * cannot be had is said and the node serves on. */
static void start_discovery(struct server *srv,
                            const struct sockaddr_storage *sa, int port)
{
    srv->port = (uint16_t)port;
    if (!srv->o->discovery || sa->ss_family != AF_INET)
        return;
    srv->only = *(const struct sockaddr_in *)sa;
    if ((ntohl(srv->only.sin_addr.s_addr) >> 24) == 127)
        return;
    if (store_channel_self(srv->n, &srv->self, NULL) != 0)
        return;
    struct sockaddr_in any;
    uv_ip4_addr("0.0.0.0", HZ_DISCOVERY_PORT, &any);
    uv_udp_init(srv->loop, &srv->udp);
    uv_timer_init(srv->loop, &srv->beacon_timer);
    srv->udp.data = srv->beacon_timer.data = srv;
    srv->discovering = true;
    int rc =
        uv_udp_bind(&srv->udp, (const struct sockaddr *)&any, UV_UDP_REUSEADDR);
    if (rc == 0)
        rc = uv_udp_set_broadcast(&srv->udp, 1);
    if (rc == 0)
        rc = uv_udp_recv_start(&srv->udp, on_udp_alloc, on_udp_read);
    if (rc != 0) {
        if (srv->o->no_discovery != NULL) {
            char why[128];
            snprintf(why, sizeof why, "UDP port %d: %s", HZ_DISCOVERY_PORT,
                     uv_strerror(rc));
            srv->o->no_discovery(srv->o->data, why);
        }
        uv_close((uv_handle_t *)&srv->udp, NULL);
        uv_close((uv_handle_t *)&srv->beacon_timer, NULL);
        srv->discovering = false;
        return;
    }
    start_discovery6(srv);
    /* Tests: beacons every HUZHU_TEST_BEACON_MS (to see several redials
     * in seconds, not minutes). */
    const char *every = getenv("HUZHU_TEST_BEACON_MS");
    srv->beacon_ms = every != NULL && strtoul(every, NULL, 10) >= 100
                         ? (uint32_t)strtoul(every, NULL, 10)
                         : HZ_BEACON_MS;
    uv_timer_start(&srv->beacon_timer, on_beacon_tick,
                   randombytes_uniform(1000), 0);
}

static void stop_discovery(struct server *srv)
{
    if (!srv->discovering)
        return;
    srv->discovering = false;
    uv_udp_recv_stop(&srv->udp);
    uv_close((uv_handle_t *)&srv->udp, NULL);
    uv_close((uv_handle_t *)&srv->beacon_timer, NULL);
    if (srv->discovering6) {
        srv->discovering6 = false;
        uv_udp_recv_stop(&srv->udp6);
        uv_close((uv_handle_t *)&srv->udp6, NULL);
    }
}

int net_serve(hz_node *n, const struct net_serve_opts *o, struct hz_err *err)
{
    struct sockaddr_storage sa;
    int rv = can_sync(n, o->listen, &sa, err);
    if (rv != 0)
        return rv;
    int lock = -1;
    rv = serve_lock(o->lock_dir, &lock, err);
    if (rv != 0)
        return rv;
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct server srv = {.loop = &loop, .n = n, .o = o};
    uv_tcp_init(&loop, &srv.tcp);
    srv.tcp.data = &srv;
    uv_signal_init(&loop, &srv.sigint);
    uv_signal_init(&loop, &srv.sigterm);
    srv.sigint.data = srv.sigterm.data = &srv;
    uv_timer_init(&loop, &srv.peers_timer);
    srv.peers_timer.data = &srv;
    /* No device is connected until a session says so. */
    (void)store_contact_reset(n, NULL);
    int rc = uv_tcp_bind(&srv.tcp, (const struct sockaddr *)&sa, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv.tcp, 128, on_connection);
    if (rc == 0) {
        uv_signal_start(&srv.sigint, on_signal, SIGINT);
        uv_signal_start(&srv.sigterm, on_signal, SIGTERM);
        uv_timer_start(&srv.peers_timer, on_peers, 0, PEERS_MS);
        struct sockaddr_storage bound;
        int blen = sizeof bound;
        uv_tcp_getsockname(&srv.tcp, (struct sockaddr *)&bound, &blen);
        int port = bound.ss_family == AF_INET6
                       ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                       : ntohs(((struct sockaddr_in *)&bound)->sin_port);
        start_discovery(&srv, &sa, port);
        if (o->ready != NULL)
            o->ready(o->data, port);
    } else {
        rv = hz_err_set(err, HZ_EIO, "listen on %s: %s", o->listen,
                        uv_strerror(rc));
        stop_serving(&srv);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    while (srv.dialers != NULL) {
        struct dialer *d = srv.dialers;
        srv.dialers = d->next;
        free(d);
    }
    close(lock);
    free(srv.bkeys);
    store_channel_self_close(&srv.self);
    return rv == 0 && srv.stale ? NET_SERVE_STALE : rv;
}
