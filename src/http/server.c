/* server.c - the web interface's server (http.h; DECISIONS 37, 38;
 * proto/api.md): libmicrohttpd in external-epoll mode on a libuv loop of
 * its own thread. The thread owns everything here (its node handle,
 * sessions, login queue, event streams); nothing is shared with the
 * serving loop but the node's database, through SQLite.
 *
 *   requests  a body is read up to API_BODY_MAX, a roster upload's up to
 *             API_UPLOAD_MAX (a larger declared length is answered 413
 *             before it is read); /api/ routes go to
 *             api.c, the rest are the embedded files (assets.c) by exact
 *             path, so no path ever reaches the file system
 *   sessions  in memory, a random 256-bit token in an HttpOnly,
 *             SameSite=Strict cookie (Secure over HTTPS), ending after
 *             SESSION_IDLE_MS unused or SESSION_MAX_MS in all by the
 *             monotonic clock, and at once when the account is removed
 *             or its password changed (the account's serial, read at
 *             every request, from any process)
 *   CSRF      every request but GET carries the session's token in
 *             X-CSRF-Token, and a body only as application/json
 *   logins    Argon2id on libuv's thread pool, one at a time; more than
 *             LOGIN_WAIT_MAX waiting are answered busy; failures slow the
 *             account and the address down (1, 2, 4 ... 60 s after the
 *             third), never lock them
 *   events    /api/events streams "change" when the node's data changed
 *             (SQLite's data_version, polled every TICK_MS, or a write of
 *             ours), with a comment every 15 s to find dead phones
 *   answers   a view's answer (/api/views/..., the dashboards every phone
 *             of a site polls) is made once per data version and query
 *             and then shared: the same MHD response, by reference, until
 *             the node's data changes (CACHE_MAX answers: three for each
 *             of 40 sites' pages; none larger than CACHE_ANSWER_MAX,
 *             CACHE_BYTES_MAX in all) */
#include "http.h"

#include "api.h"
#include "assets.h"
#include "tlscert.h"

#include "../core/error_int.h"
#include "../dl/dl.h"
#include "../store/store.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define SESSIONS_MAX 1024
#define SESSION_IDLE_MS (12u * 3600u * 1000u)
#define SESSION_MAX_MS (24u * 3600u * 1000u)
#define THROTTLE_MAX 1024
#define THROTTLE_FREE_FAILS 3
#define THROTTLE_WAIT_MAX_S 60
#define THROTTLE_FORGET_MS (15u * 60u * 1000u)
#define LOGIN_WAIT_MAX 8
#define STREAMS_MAX 128
#define TICK_MS 250
#define STREAM_PING_MS 15000
#define CONNECTIONS_MAX 256
#define CONNECTION_TIMEOUT_S 30
#define COOKIE "hz_session"
#define TOKEN_LEN 32
#define CACHE_MAX 128
#define CACHE_ANSWER_MAX (8u * 1024u * 1024u)
#define CACHE_BYTES_MAX (64u * 1024u * 1024u)
#define CACHE_KEY_MAX 256

/* A valid Argon2id hash of a password nobody knows: an unknown account
 * costs a login the same time as a wrong password. */
static const char dummy_hash[] =
    "$argon2id$v=19$m=32768,t=2,p=1$WnNsUkVzQ2lQZ3h6ZUZVbQ$"
    "Xo5b2F8nI3m9cC0gq2pXr3E3Yt8jVt0w0l6t2z8kQ2M";

struct session {
    bool used;
    uint8_t token[TOKEN_LEN];
    char csrf[2 * TOKEN_LEN + 1];
    struct api_user user;
    int64_t serial;
    uint64_t created, seen; /* monotonic ms */
};

struct throttle {
    char key[96]; /* "a:" account or "i:" address */
    unsigned fails;
    uint64_t last; /* monotonic ms of the last failure */
};

struct req;

struct login {
    uv_work_t work;
    struct http *h;
    struct MHD_Connection *conn;
    struct req *req;
    char addr[64];
    struct store_account acct;
    bool found, match, rehash;
    char pw[STORE_PASSWORD_MAX + 1];
    char newhash[STORE_PW_HASH_LEN];
    struct login *next;
};

struct req {
    char *body;
    size_t len, cap;
    bool too_big, suspended, answered;
    /* a login's answer, made while the connection was suspended */
    int status;
    json_t *answer;
    char cookie[160];
};

struct stream {
    struct http *h;
    struct MHD_Connection *conn;
    uint8_t token[TOKEN_LEN];
    bool suspended, ended;
    uint64_t version, last_sent;
    char out[256];
    size_t len;
    struct stream *prev, *next;
};

/* One shared answer: for @key (path and query) at data @version. */
struct cached {
    char key[CACHE_KEY_MAX];
    uint64_t version, used;
    size_t len;
    struct MHD_Response *r;
};

struct http {
    char *dir, *listen;
    bool insecure, tls;
    struct hz_log *log;
    int port;
    char fingerprint[96];
    struct tlscert cert;
    hz_node *n;
    struct MHD_Daemon *d;
    uv_thread_t thread;
    uv_loop_t loop;
    uv_async_t stop;
    uv_poll_t poll;
    uv_timer_t mhd_timer, tick;
    uv_sem_t started;
    int start_rv;
    struct hz_err start_err;
    bool stopping;
    struct session sessions[SESSIONS_MAX];
    struct throttle throttles[THROTTLE_MAX];
    struct login *queue, *queue_tail; /* waiting, oldest first */
    size_t n_waiting;
    bool hashing;
    struct stream *streams;
    size_t n_streams;
    int64_t data_version;
    uint64_t version; /* bumped at every change seen */
    struct cached cache[CACHE_MAX];
    uint64_t cache_uses;
    size_t cache_bytes;
    char etags[64][20];
};

static uint64_t now_ms(void)
{
    return uv_hrtime() / 1000000u;
}

__attribute__((format(printf, 3, 4))) static void
logf_(struct http *h, int level, const char *fmt, ...)
{
    if (h->log == NULL || h->log->emit == NULL || level > h->log->level)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    h->log->emit(h->log->data, level, line);
}

/* ---- responses */

static void common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(
        r, "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self';"
        " script-src 'self'; connect-src 'self'; frame-ancestors 'none';"
        " base-uri 'none'; form-action 'self'");
}

/* @body (taken) as a JSON response, or NULL when memory ran out. */
static struct MHD_Response *json_response(json_t *body, size_t *len)
{
    /* UTF-8 as it is: a Chinese character is 3 bytes, not a 6-byte \u
     * escape (the shelter page's data is mostly names). */
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (text == NULL)
        return NULL;
    *len = strlen(text);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(*len, text, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(text);
        return NULL;
    }
    common_headers(r);
    MHD_add_response_header(r, "Content-Type",
                            "application/json; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    return r;
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status,
                                 json_t *body, const char *cookie,
                                 unsigned retry_after)
{
    size_t len = 0;
    struct MHD_Response *r = json_response(body, &len);
    if (r == NULL)
        return MHD_NO;
    if (cookie != NULL && cookie[0] != '\0')
        MHD_add_response_header(r, "Set-Cookie", cookie);
    if (retry_after > 0) {
        char s[16];
        snprintf(s, sizeof s, "%u", retry_after);
        MHD_add_response_header(r, "Retry-After", s);
    }
    enum MHD_Result rv = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rv;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status,
                                  const char *code, const char *zh,
                                  const char *en)
{
    return send_json(c, status, api_error_body(code, NULL, zh, en), NULL, 0);
}

/* ---- static files */

static enum MHD_Result send_asset(struct http *h, struct MHD_Connection *c,
                                  const char *url, const char *method)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_error(c, 405, "method", "不支持此操作",
                          "method not allowed");
    if (strcmp(url, "/") == 0)
        url = "/index.html";
    for (size_t i = 0; i < hz_n_assets; i++) {
        const struct asset *a = &hz_assets[i];
        if (strcmp(a->path, url) != 0)
            continue;
        const char *inm =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
        bool same = inm != NULL && strcmp(inm, h->etags[i]) == 0;
        struct MHD_Response *r = MHD_create_response_from_buffer(
            same ? 0 : a->len, same ? (void *)"" : (void *)a->data,
            MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        common_headers(r);
        MHD_add_response_header(r, "Content-Type", a->type);
        MHD_add_response_header(r, "Cache-Control", "no-cache");
        MHD_add_response_header(r, "ETag", h->etags[i]);
        enum MHD_Result rv = MHD_queue_response(
            c, same ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return rv;
    }
    return send_error(c, 404, "not_found", "没有这个页面", "no such page");
}

/* ---- sessions */

static const char *client_addr(struct MHD_Connection *c, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, len, "?");
    if (ci == NULL || ci->client_addr == NULL)
        return buf;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
                  (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
                  (socklen_t)len);
    return buf;
}

static bool session_live(struct http *h, struct session *s, uint64_t now)
{
    if (!s->used)
        return false;
    if (now - s->seen > SESSION_IDLE_MS || now - s->created > SESSION_MAX_MS) {
        sodium_memzero(s, sizeof *s);
        return false;
    }
    /* Removed, or its password changed, maybe by another process. */
    int64_t serial = 0;
    struct hz_err err = {0};
    if (store_account_serial(h->n, s->user.name, &serial, &err) != 0 ||
        serial != s->serial) {
        sodium_memzero(s, sizeof *s);
        return false;
    }
    return true;
}

static struct session *session_by_token(struct http *h, const uint8_t *token)
{
    uint64_t now = now_ms();
    for (size_t i = 0; i < SESSIONS_MAX; i++) {
        struct session *s = &h->sessions[i];
        if (s->used && sodium_memcmp(s->token, token, TOKEN_LEN) == 0)
            return session_live(h, s, now) ? s : NULL;
    }
    return NULL;
}

static bool token_of(struct MHD_Connection *c, uint8_t *token)
{
    const char *hex = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE);
    size_t got = 0;
    return hex != NULL && strlen(hex) == 2 * TOKEN_LEN &&
           sodium_hex2bin(token, TOKEN_LEN, hex, 2 * TOKEN_LEN, NULL, &got,
                          NULL) == 0 &&
           got == TOKEN_LEN;
}

static struct session *session_of(struct http *h, struct MHD_Connection *c)
{
    uint8_t token[TOKEN_LEN];
    return token_of(c, token) ? session_by_token(h, token) : NULL;
}

static struct session *session_new(struct http *h,
                                   const struct store_account *a)
{
    uint64_t now = now_ms();
    struct session *s = NULL, *oldest = &h->sessions[0];
    for (size_t i = 0; i < SESSIONS_MAX && s == NULL; i++) {
        struct session *x = &h->sessions[i];
        if (!x->used || now - x->seen > SESSION_IDLE_MS ||
            now - x->created > SESSION_MAX_MS)
            s = x;
        else if (x->seen < oldest->seen)
            oldest = x;
    }
    if (s == NULL)
        s = oldest; /* the longest unused gives way */
    memset(s, 0, sizeof *s);
    s->used = true;
    randombytes_buf(s->token, TOKEN_LEN);
    uint8_t csrf[TOKEN_LEN];
    randombytes_buf(csrf, sizeof csrf);
    sodium_bin2hex(s->csrf, sizeof s->csrf, csrf, sizeof csrf);
    snprintf(s->user.name, sizeof s->user.name, "%s", a->name);
    snprintf(s->user.role, sizeof s->user.role, "%s", a->role);
    snprintf(s->user.site, sizeof s->user.site, "%s", a->site);
    s->serial = a->serial;
    s->created = s->seen = now;
    return s;
}

static json_t *me_json(const struct session *s)
{
    return json_pack(
        "{s:s, s:s, s:s?, s:s}", "name", s->user.name, "role", s->user.role,
        "site", s->user.site[0] != '\0' ? s->user.site : NULL, "csrf", s->csrf);
}

/* ---- throttling failed logins */

static struct throttle *throttle_of(struct http *h, const char *key, bool make)
{
    uint64_t now = now_ms();
    struct throttle *free_slot = NULL, *oldest = &h->throttles[0];
    for (size_t i = 0; i < THROTTLE_MAX; i++) {
        struct throttle *t = &h->throttles[i];
        if (t->fails > 0 && now - t->last > THROTTLE_FORGET_MS)
            memset(t, 0, sizeof *t);
        if (t->fails > 0 && strcmp(t->key, key) == 0)
            return t;
        if (t->fails == 0 && free_slot == NULL)
            free_slot = t;
        if (t->last < oldest->last)
            oldest = t;
    }
    if (!make)
        return NULL;
    struct throttle *t = free_slot != NULL ? free_slot : oldest;
    memset(t, 0, sizeof *t);
    snprintf(t->key, sizeof t->key, "%s", key);
    return t;
}

/* Seconds to wait before the next try of @key; 0: now. */
static unsigned throttle_wait(struct http *h, const char *key)
{
    struct throttle *t = throttle_of(h, key, false);
    if (t == NULL || t->fails < THROTTLE_FREE_FAILS)
        return 0;
    unsigned shift = t->fails - THROTTLE_FREE_FAILS;
    uint64_t wait_s = shift >= 6 ? THROTTLE_WAIT_MAX_S : 1u << shift;
    if (wait_s > THROTTLE_WAIT_MAX_S)
        wait_s = THROTTLE_WAIT_MAX_S;
    uint64_t passed = now_ms() - t->last;
    return passed >= wait_s * 1000u
               ? 0
               : (unsigned)((wait_s * 1000u - passed + 999u) / 1000u);
}

static void throttle_fail(struct http *h, const char *key)
{
    struct throttle *t = throttle_of(h, key, true);
    t->fails++;
    t->last = now_ms();
}

static void throttle_clear(struct http *h, const char *key)
{
    struct throttle *t = throttle_of(h, key, false);
    if (t != NULL)
        memset(t, 0, sizeof *t);
}

/* ---- the MHD loop */

static void run_mhd(struct http *h);

static void on_mhd_timer(uv_timer_t *t)
{
    run_mhd(t->data);
}

static void run_mhd(struct http *h)
{
    if (h->d == NULL)
        return;
    MHD_run(h->d);
    MHD_UNSIGNED_LONG_LONG wait = 0;
    if (MHD_get_timeout(h->d, &wait) == MHD_YES) {
        if (wait > 1000)
            wait = 1000;
        uv_timer_start(&h->mhd_timer, on_mhd_timer, (uint64_t)wait, 0);
    } else {
        uv_timer_start(&h->mhd_timer, on_mhd_timer, 1000, 0);
    }
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    run_mhd(p->data);
}

/* ---- logins */

static void login_start_next(struct http *h);

static void login_work(uv_work_t *w)
{
    struct login *l = w->data;
    const char *hash = l->found ? l->acct.hash : dummy_hash;
    l->match = store_password_verify(hash, l->pw, &l->rehash) && l->found;
    if (l->match && l->rehash) {
        struct hz_err err = {0};
        if (store_password_hash(l->pw, l->newhash, &err) != 0)
            l->rehash = false;
    }
    sodium_memzero(l->pw, sizeof l->pw);
}

static void login_answer(struct login *l, int status, json_t *body)
{
    l->req->status = status;
    l->req->answer = body;
    l->req->suspended = false;
    MHD_resume_connection(l->conn);
}

static void login_done(uv_work_t *w, int status)
{
    struct login *l = w->data;
    struct http *h = l->h;
    h->hashing = false;
    char akey[96], ikey[96];
    snprintf(akey, sizeof akey, "a:%s", l->acct.name);
    snprintf(ikey, sizeof ikey, "i:%s", l->addr);
    if (status != 0 || !l->match) {
        throttle_fail(h, akey);
        throttle_fail(h, ikey);
        logf_(h, HZ_LOG_INFO, "web: failed login from %s", l->addr);
        login_answer(l, 401,
                     api_error_body("wrong_password", NULL, "账号或密码错误",
                                    "wrong account or password"));
    } else {
        struct hz_err err = {0};
        if (l->rehash && store_account_set_hash(h->n, l->acct.name, l->newhash,
                                                false, &err) != 0)
            logf_(h, HZ_LOG_WARN, "web: rehash at login: %s", err.msg);
        throttle_clear(h, akey);
        throttle_clear(h, ikey);
        struct session *s = session_new(h, &l->acct);
        char hex[2 * TOKEN_LEN + 1];
        sodium_bin2hex(hex, sizeof hex, s->token, TOKEN_LEN);
        snprintf(l->req->cookie, sizeof l->req->cookie,
                 COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", hex,
                 h->tls ? "; Secure" : "");
        sodium_memzero(hex, sizeof hex);
        login_answer(l, 200, me_json(s));
    }
    sodium_memzero(l, sizeof *l);
    free(l);
    login_start_next(h);
    run_mhd(h);
}

static void login_start_next(struct http *h)
{
    if (h->hashing || h->queue == NULL)
        return;
    struct login *l = h->queue;
    h->queue = l->next;
    if (h->queue == NULL)
        h->queue_tail = NULL;
    h->n_waiting--;
    h->hashing = true;
    l->work.data = l;
    if (uv_queue_work(&h->loop, &l->work, login_work, login_done) != 0) {
        h->hashing = false;
        login_answer(l, 503,
                     api_error_body("busy", NULL, "节点正忙，请稍后再试",
                                    "busy: try again"));
        free(l);
    }
}

/* POST /api/login {"name", "password"} */
static enum MHD_Result login(struct http *h, struct MHD_Connection *c,
                             struct req *q)
{
    json_error_t je;
    json_t *o = json_loadb(q->body != NULL ? q->body : "", q->len,
                           JSON_REJECT_DUPLICATES, &je);
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *pw = json_string_value(json_object_get(o, "password"));
    if (!json_is_object(o) || json_object_size(o) != 2 || name == NULL ||
        pw == NULL || strlen(name) > STORE_ACCOUNT_NAME_MAX ||
        strlen(pw) > STORE_PASSWORD_MAX) {
        json_decref(o);
        return send_error(c, 400, "bad_json", "请填写账号和密码",
                          "give name and password");
    }
    struct login *l = calloc(1, sizeof *l);
    if (l == NULL) {
        json_decref(o);
        return MHD_NO;
    }
    client_addr(c, l->addr, sizeof l->addr);
    char akey[96], ikey[96];
    snprintf(akey, sizeof akey, "a:%s", name);
    snprintf(ikey, sizeof ikey, "i:%s", l->addr);
    unsigned wa = throttle_wait(h, akey), wi = throttle_wait(h, ikey);
    unsigned wait = wa > wi ? wa : wi;
    if (wait > 0 || h->n_waiting >= LOGIN_WAIT_MAX) {
        json_decref(o);
        free(l);
        if (wait == 0)
            return send_error(c, 503, "busy", "登录的人太多，请稍后再试",
                              "too many logins waiting: try again");
        char zh[96], en[96];
        snprintf(zh, sizeof zh, "失败次数过多，请 %u 秒后再试", wait);
        snprintf(en, sizeof en, "too many failures: try again in %u s", wait);
        json_t *body = api_error_body("slow_down", NULL, zh, en);
        json_object_set_new(json_object_get(body, "error"), "retry_after",
                            json_integer(wait));
        return send_json(c, 429, body, NULL, wait);
    }
    struct hz_err err = {0};
    int rv = store_account_get(h->n, name, &l->acct, &err);
    l->found = rv == 0;
    if (rv != 0 && rv != HZ_ENOTFOUND) {
        json_decref(o);
        free(l);
        return send_error(c, 503, "busy", "节点正忙，请稍后再试",
                          "the node could not read its accounts");
    }
    snprintf(l->acct.name, sizeof l->acct.name, "%s", name);
    snprintf(l->pw, sizeof l->pw, "%s", pw);
    json_decref(o);
    l->h = h;
    l->conn = c;
    l->req = q;
    if (h->queue_tail != NULL)
        h->queue_tail->next = l;
    else
        h->queue = l;
    h->queue_tail = l;
    h->n_waiting++;
    q->suspended = true;
    MHD_suspend_connection(c);
    login_start_next(h);
    return MHD_YES;
}

/* ---- event streams */

static void stream_unlink(struct stream *s)
{
    struct http *h = s->h;
    if (s->prev != NULL)
        s->prev->next = s->next;
    else
        h->streams = s->next;
    if (s->next != NULL)
        s->next->prev = s->prev;
    h->n_streams--;
}

static void stream_free(void *cls)
{
    struct stream *s = cls;
    stream_unlink(s);
    sodium_memzero(s, sizeof *s);
    free(s);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *s = cls;
    struct http *h = s->h;
    if (h->stopping || s->ended)
        return MHD_CONTENT_READER_END_OF_STREAM;
    uint64_t now = now_ms();
    if (s->len == 0 && s->version != h->version) {
        s->len = (size_t)snprintf(s->out, sizeof s->out,
                                  "event: change\ndata: {\"version\":%llu}\n\n",
                                  (unsigned long long)h->version);
        s->version = h->version;
    } else if (s->len == 0 && now - s->last_sent >= STREAM_PING_MS) {
        s->len = (size_t)snprintf(s->out, sizeof s->out, ": keepalive\n\n");
    }
    if (s->len == 0) {
        s->suspended = true;
        MHD_suspend_connection(s->conn);
        return 0;
    }
    size_t take = s->len < max ? s->len : max;
    memcpy(buf, s->out, take);
    memmove(s->out, s->out + take, s->len - take);
    s->len -= take;
    s->last_sent = now;
    return (ssize_t)take;
}

static enum MHD_Result events(struct http *h, struct MHD_Connection *c)
{
    uint8_t token[TOKEN_LEN];
    if (h->n_streams >= STREAMS_MAX)
        return send_error(c, 503, "busy", "连接太多，请稍后再试",
                          "too many open pages");
    if (!token_of(c, token))
        return MHD_NO;
    struct stream *s = calloc(1, sizeof *s);
    if (s == NULL)
        return MHD_NO;
    s->h = h;
    s->conn = c;
    memcpy(s->token, token, TOKEN_LEN);
    s->version = h->version;
    s->last_sent = now_ms();
    s->len = (size_t)snprintf(s->out, sizeof s->out,
                              "retry: 3000\nevent: hello\ndata: "
                              "{\"version\":%llu}\n\n",
                              (unsigned long long)h->version);
    struct MHD_Response *r = MHD_create_response_from_callback(
        MHD_SIZE_UNKNOWN, 1024, stream_read, s, stream_free);
    if (r == NULL) {
        free(s);
        return MHD_NO;
    }
    s->next = h->streams;
    if (h->streams != NULL)
        h->streams->prev = s;
    h->streams = s;
    h->n_streams++;
    common_headers(r);
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result rv = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rv;
}

/* Wake the streams that have something to say. */
static void streams_wake(struct http *h)
{
    uint64_t now = now_ms();
    for (struct stream *s = h->streams; s != NULL; s = s->next) {
        if (!s->suspended)
            continue;
        bool wake = h->stopping || s->version != h->version ||
                    now - s->last_sent >= STREAM_PING_MS;
        if (!wake && session_by_token(h, s->token) == NULL) {
            s->ended = true;
            wake = true;
        }
        if (wake) {
            s->suspended = false;
            MHD_resume_connection(s->conn);
        }
    }
}

/* A new key or a network given to the node by another process: open the
 * node again, so the web never writes with the old identity. */
static void reopen_if_stale(struct http *h)
{
    if (!store_node_stale(h->n))
        return;
    hz_node *fresh = NULL;
    struct hz_err err = {0};
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION, .log = h->log};
    if (hz_node_open(h->dir, &opts, &fresh, &err) != 0) {
        logf_(h, HZ_LOG_WARN, "web: reopening the node: %s", err.msg);
        return;
    }
    hz_node_close(h->n);
    h->n = fresh;
    (void)store_data_version(h->n, &h->data_version, &err);
    h->version++;
    logf_(h, HZ_LOG_INFO, "web: the node has a new key or network: reopened");
}

/* Bump h->version when another connection changed the node's data since
 * we last looked (our own writes bump it themselves). */
static void version_now(struct http *h)
{
    int64_t v = 0;
    struct hz_err err = {0};
    if (store_data_version(h->n, &v, &err) == 0 && v != h->data_version) {
        h->data_version = v;
        h->version++;
    }
}

static void on_tick(uv_timer_t *t)
{
    struct http *h = t->data;
    reopen_if_stale(h);
    version_now(h);
    streams_wake(h);
    run_mhd(h);
}

/* ---- requests */

/* Is the body of the type @url takes: a file's bytes for the roster
 * and CAP uploads, JSON for the rest? Neither is a type a cross-site form can
 * send (with the CSRF token, a second guard). */
static bool body_typed(struct MHD_Connection *c, const char *url)
{
    const char *t =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (api_upload_path(url))
        return t != NULL && strncmp(t, "application/octet-stream", 24) == 0;
    return t != NULL && strncmp(t, "application/json", 16) == 0;
}

struct qwalk {
    struct api_req *r;
    bool over;
};

static enum MHD_Result query_pair(void *cls, enum MHD_ValueKind kind,
                                  const char *key, const char *value)
{
    (void)kind;
    struct qwalk *w = cls;
    if (w->r->n_query == API_QUERY_MAX || key == NULL) {
        w->over = true;
        return MHD_NO;
    }
    w->r->qk[w->r->n_query] = key;
    w->r->qv[w->r->n_query] = value != NULL ? value : "";
    w->r->n_query++;
    return MHD_YES;
}

/* ---- shared answers */

/* @r's path and query as a cache key (each part length-prefixed, so no
 * two queries share one); false when it does not fit. */
static bool cache_key(const struct api_req *r, char key[CACHE_KEY_MAX])
{
    int n = snprintf(key, CACHE_KEY_MAX, "%s", r->path);
    for (size_t i = 0; i < r->n_query && n >= 0 && n < CACHE_KEY_MAX; i++) {
        int m =
            snprintf(key + n, (size_t)(CACHE_KEY_MAX - n), "?%zu:%s%zu:%s",
                     strlen(r->qk[i]), r->qk[i], strlen(r->qv[i]), r->qv[i]);
        n = m < 0 ? -1 : n + m;
    }
    return n >= 0 && n < CACHE_KEY_MAX;
}

/* The answer to @key at the current version, or NULL. */
static struct MHD_Response *cache_get(struct http *h, const char *key)
{
    for (size_t i = 0; i < CACHE_MAX; i++) {
        struct cached *e = &h->cache[i];
        if (e->r != NULL && e->version == h->version &&
            strcmp(e->key, key) == 0) {
            e->used = ++h->cache_uses;
            return e->r;
        }
    }
    return NULL;
}

/* Should @a go before @b: out of date first, then least recently used. */
static bool evict_first(const struct http *h, const struct cached *a,
                        const struct cached *b)
{
    bool old_a = a->version != h->version, old_b = b->version != h->version;
    return old_a != old_b ? old_a : a->used < b->used;
}

/* Keep @r (our reference to it) as the answer to @key at the current
 * version, in place of an answer to the same key, an out-of-date one or
 * the least recently used; false (the caller still owns @r) when it is too
 * large to keep. */
static void cache_drop(struct http *h, struct cached *e)
{
    if (e->r == NULL)
        return;
    MHD_destroy_response(e->r);
    h->cache_bytes -= e->len;
    e->r = NULL;
    e->len = 0;
}

/* The answer to evict first (out of date, then least recently used), or
 * NULL when none is kept. */
static struct cached *cache_victim(struct http *h)
{
    struct cached *v = NULL;
    for (size_t i = 0; i < CACHE_MAX; i++) {
        struct cached *e = &h->cache[i];
        if (e->r != NULL && (v == NULL || evict_first(h, e, v)))
            v = e;
    }
    return v;
}

static bool cache_put(struct http *h, const char *key, struct MHD_Response *r,
                      size_t len)
{
    if (len > CACHE_ANSWER_MAX)
        return false;
    struct cached *slot = NULL;
    for (size_t i = 0; i < CACHE_MAX && slot == NULL; i++) {
        if (h->cache[i].r != NULL && strcmp(h->cache[i].key, key) == 0)
            slot = &h->cache[i];
    }
    if (slot != NULL)
        cache_drop(h, slot);
    /* room: by bytes, then a free slot */
    while (h->cache_bytes + len > CACHE_BYTES_MAX)
        cache_drop(h, cache_victim(h));
    for (size_t i = 0; i < CACHE_MAX && slot == NULL; i++) {
        if (h->cache[i].r == NULL)
            slot = &h->cache[i];
    }
    if (slot == NULL) {
        slot = cache_victim(h);
        cache_drop(h, slot);
    }
    snprintf(slot->key, sizeof slot->key, "%s", key);
    slot->version = h->version;
    slot->used = ++h->cache_uses;
    slot->len = len;
    slot->r = r;
    h->cache_bytes += len;
    return true;
}

/* A download (api_res.fd): the bytes of @res's file, read by
 * libmicrohttpd as it sends them (never whole in memory), with @res's
 * body's "type" and "disposition"; the body and the file are taken. */
static enum MHD_Result send_file(struct MHD_Connection *c, struct api_res *res)
{
    json_t *body = res->body;
    const char *type = json_string_value(json_object_get(body, "type"));
    const char *disp = json_string_value(json_object_get(body, "disposition"));
    struct MHD_Response *r =
        type != NULL && disp != NULL
            ? MHD_create_response_from_fd64(res->size, res->fd)
            : NULL;
    if (r == NULL) {
        close(res->fd);
        json_decref(body);
        return send_error(c, 500, "internal", "节点内部错误",
                          "the file could not be made");
    }
    common_headers(r);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Content-Disposition", disp);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    json_decref(body);
    enum MHD_Result rv = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rv;
}

static void cache_clear(struct http *h)
{
    for (size_t i = 0; i < CACHE_MAX; i++)
        cache_drop(h, &h->cache[i]);
}

/* Answer @r from the shared answers when it is a view (the same for every
 * account), else by api_handle. */
static enum MHD_Result answer(struct http *h, struct MHD_Connection *c,
                              const struct api_req *r)
{
    char key[CACHE_KEY_MAX];
    bool shared = strcmp(r->method, "GET") == 0 &&
                  strncmp(r->path, "/api/views/", 11) == 0 && cache_key(r, key);
    if (shared) {
        version_now(h);
        struct MHD_Response *hit = cache_get(h, key);
        if (hit != NULL)
            return MHD_queue_response(c, MHD_HTTP_OK, hit);
    }
    struct api_res res;
    api_handle(h->n, r, &res);
    if (res.wrote) {
        h->version++;
        streams_wake(h);
    }
    if (res.fd >= 0)
        return send_file(c, &res);
    if (!shared || res.status != MHD_HTTP_OK)
        return send_json(c, res.status, res.body, NULL, 0);
    size_t len = 0;
    struct MHD_Response *made = json_response(res.body, &len);
    if (made == NULL)
        return MHD_NO;
    enum MHD_Result rv = MHD_queue_response(c, MHD_HTTP_OK, made);
    if (!cache_put(h, key, made, len))
        MHD_destroy_response(made);
    return rv;
}

static enum MHD_Result api(struct http *h, struct MHD_Connection *c,
                           const char *url, const char *method, struct req *q)
{
    bool get = strcmp(method, "GET") == 0;
    if (!get && q->len > 0 && !body_typed(c, url))
        return api_upload_path(url)
                   ? send_error(c, 415, "bad_type",
                                "请上传文件本身(application/octet-stream)",
                                "the body must be the file itself, as"
                                " application/octet-stream")
                   : send_error(c, 415, "bad_json", "请求内容须为 JSON",
                                "the body must be application/json");
    if (strcmp(url, "/api/login") == 0) {
        if (strcmp(method, "POST") != 0)
            return send_error(c, 405, "method", "不支持此操作",
                              "method not allowed");
        return login(h, c, q);
    }
    struct session *s = session_of(h, c);
    if (s == NULL)
        return send_error(c, 401, "no_session", "请先登录", "log in first");
    s->seen = now_ms();
    if (!get) {
        const char *csrf =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
        if (csrf == NULL || strlen(csrf) != strlen(s->csrf) ||
            sodium_memcmp(csrf, s->csrf, strlen(s->csrf)) != 0)
            return send_error(c, 403, "csrf", "页面已过期，请刷新后重试",
                              "missing or wrong CSRF token: reload the page");
    }
    if (strcmp(url, "/api/me") == 0 && get)
        return send_json(c, 200, me_json(s), NULL, 0);
    if (strcmp(url, "/api/logout") == 0 && strcmp(method, "POST") == 0) {
        sodium_memzero(s, sizeof *s);
        return send_json(c, 200, json_pack("{s:b}", "logged_out", 1),
                         COOKIE "=; Path=/; Max-Age=0; HttpOnly; "
                                "SameSite=Strict",
                         0);
    }
    if (strcmp(url, "/api/events") == 0 && get)
        return events(h, c);
    if (!get)
        reopen_if_stale(h);
    struct api_req r = {.fingerprint = h->fingerprint,
                        .method = method,
                        .path = url,
                        .body = q->body,
                        .len = q->len,
                        .user = &s->user};
    struct qwalk w = {&r, false};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, query_pair, &w);
    if (w.over)
        return send_error(c, 400, "bad_value", "查询参数太多或无效",
                          "too many or malformed query parameters");
    return answer(h, c, &r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct http *h = cls;
    struct req *q = *con_cls;
    if (q == NULL) {
        q = calloc(1, sizeof *q);
        if (q == NULL)
            return MHD_NO;
        *con_cls = q;
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl != NULL && strtoull(cl, NULL, 10) > api_body_max(method, url)) {
            q->answered = true;
            return send_error(c, 413, "too_big", "请求内容太大",
                              "body too big");
        }
        return MHD_YES;
    }
    if (q->answered)
        return MHD_YES; /* the rest of a refused body */
    if (*upload_size != 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (q->too_big || q->len + n > api_body_max(method, url)) {
            q->too_big = true;
            return MHD_YES;
        }
        if (q->len + n + 1 > q->cap) {
            size_t cap = q->cap == 0 ? 1024 : q->cap;
            while (cap < q->len + n + 1)
                cap *= 2;
            char *b = realloc(q->body, cap);
            if (b == NULL)
                return MHD_NO;
            q->body = b;
            q->cap = cap;
        }
        memcpy(q->body + q->len, upload, n);
        q->len += n;
        q->body[q->len] = '\0';
        return MHD_YES;
    }
    if (q->answer != NULL) {
        /* a login answered while the connection was suspended */
        json_t *a = q->answer;
        q->answer = NULL;
        q->answered = true;
        return send_json(c, q->status, a, q->cookie, 0);
    }
    if (q->suspended)
        return MHD_YES;
    q->answered = true;
    if (q->too_big)
        return send_error(c, 413, "too_big", "请求内容太大", "body too big");
    if (strncmp(url, "/api/", 5) == 0) {
        q->answered = false;
        enum MHD_Result rv = api(h, c, url, method, q);
        q->answered = !q->suspended;
        return rv;
    }
    return send_asset(h, c, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct req *q = *con_cls;
    if (q == NULL)
        return;
    if (q->body != NULL)
        sodium_memzero(q->body, q->len);
    free(q->body);
    json_decref(q->answer);
    free(q);
    *con_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http *h = cls;
    char line[400];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    logf_(h, HZ_LOG_DEBUG, "web: %s", line);
}

/* ---- the thread */

static int parse_listen(const char *text, struct sockaddr_storage *ss,
                        bool *loopback, struct hz_err *err)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    char *end;
    long port = colon != NULL ? strtol(colon + 1, &end, 10) : -1;
    if (colon == NULL || colon[1] == '\0' || *end != '\0' || port < 0 ||
        port > 65535 || (size_t)(colon - text) >= sizeof host)
        return hz_err_set(err, HZ_EINVAL, "web address %s: ADDR:PORT", text);
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    memset(ss, 0, sizeof *ss);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        host[strlen(host) - 1] = '\0';
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        if (uv_ip6_addr(host + 1, (int)port, a) != 0)
            return hz_err_set(err, HZ_EINVAL, "web address %s", text);
        *loopback =
            memcmp(&a->sin6_addr, &in6addr_loopback, sizeof a->sin6_addr) == 0;
        return 0;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)ss;
    if (uv_ip4_addr(host, (int)port, a) != 0)
        return hz_err_set(err, HZ_EINVAL, "web address %s", text);
    *loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    return 0;
}

static void close_cb(uv_handle_t *h)
{
    (void)h;
}

static void finish(struct http *h)
{
    /* No connection may stay suspended when the daemon stops. */
    if (h->hashing || h->queue != NULL)
        return;
    for (struct stream *s = h->streams; s != NULL; s = s->next) {
        if (s->suspended) {
            s->suspended = false;
            MHD_resume_connection(s->conn);
        }
    }
    MHD_run(h->d);
    MHD_stop_daemon(h->d);
    h->d = NULL;
    cache_clear(h);
    uv_close((uv_handle_t *)&h->poll, close_cb);
    uv_close((uv_handle_t *)&h->mhd_timer, close_cb);
    uv_close((uv_handle_t *)&h->tick, close_cb);
    uv_close((uv_handle_t *)&h->stop, close_cb);
}

static void on_finish_tick(uv_timer_t *t)
{
    struct http *h = t->data;
    /* Waiting logins are answered busy; the one hashing finishes. */
    while (h->queue != NULL) {
        struct login *l = h->queue;
        h->queue = l->next;
        h->n_waiting--;
        login_answer(l, 503,
                     api_error_body("busy", NULL, "节点正在停止",
                                    "the node is stopping"));
        free(l);
    }
    h->queue_tail = NULL;
    streams_wake(h);
    MHD_run(h->d);
    if (!h->hashing) {
        uv_timer_stop(t);
        finish(h);
    }
}

static void on_stop(uv_async_t *a)
{
    struct http *h = a->data;
    h->stopping = true;
    uv_timer_stop(&h->mhd_timer);
    uv_timer_start(&h->tick, on_finish_tick, 0, 10);
}

static int start_daemon(struct http *h, struct hz_err *err)
{
    struct sockaddr_storage ss;
    bool loopback = false;
    int rv = hz_dl_load(&hz_dl_mhd, err);
    if (rv == 0)
        rv = parse_listen(h->listen, &ss, &loopback, err);
    if (rv != 0)
        return rv;
    /* Plain HTTP on loopback (it never leaves the machine, and browsers
     * count localhost as secure) or with --insecure-http; HTTPS else. */
    h->tls = !loopback && !h->insecure;
    char *name = NULL;
    if (h->tls) {
        rv = store_node_name(h->n, &name, err);
        if (rv == 0)
            rv = tlscert_load(h->dir, name, &h->cert, err);
        free(name);
        if (rv != 0)
            return rv;
        snprintf(h->fingerprint, sizeof h->fingerprint, "%s",
                 h->cert.fingerprint);
    }
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (h->tls ? MHD_USE_TLS : 0) |
                     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    uint16_t port = ss.ss_family == AF_INET6
                        ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                        : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_KEY, 0, h->cert.key_pem},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, h->cert.crt_pem},
        {MHD_OPTION_END, 0, NULL}};
    h->d = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64u * 1024u),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h, MHD_OPTION_STRICT_FOR_CLIENT, 1,
        MHD_OPTION_ARRAY, h->tls ? tls : tls + 2, MHD_OPTION_END);
    if (h->d == NULL)
        return hz_err_set(err, HZ_EIO, "web: cannot listen on %s", h->listen);
    const union MHD_DaemonInfo *pi =
        MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    const union MHD_DaemonInfo *ei =
        MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
    if (pi == NULL || ei == NULL) {
        MHD_stop_daemon(h->d);
        h->d = NULL;
        return hz_err_set(err, HZ_EIO, "web: daemon info");
    }
    h->port = pi->port;
    uv_poll_init(&h->loop, &h->poll, ei->epoll_fd);
    h->poll.data = h;
    uv_poll_start(&h->poll, UV_READABLE, on_poll);
    return 0;
}

static void thread_main(void *arg)
{
    struct http *h = arg;
    struct hz_err err = {0};
    uv_loop_init(&h->loop);
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION, .log = h->log};
    int rv = hz_node_open(h->dir, &opts, &h->n, &err);
    if (rv == 0)
        rv = store_data_version(h->n, &h->data_version, &err);
    if (rv == 0)
        rv = start_daemon(h, &err);
    h->start_rv = rv;
    h->start_err = err;
    if (rv != 0) {
        uv_loop_close(&h->loop);
        hz_node_close(h->n);
        h->n = NULL;
        uv_sem_post(&h->started);
        return;
    }
    uv_timer_init(&h->loop, &h->mhd_timer);
    uv_timer_init(&h->loop, &h->tick);
    h->mhd_timer.data = h->tick.data = h;
    uv_async_init(&h->loop, &h->stop, on_stop);
    h->stop.data = h;
    uv_timer_start(&h->tick, on_tick, TICK_MS, TICK_MS);
    uv_sem_post(&h->started);
    run_mhd(h);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    uv_loop_close(&h->loop);
    hz_node_close(h->n);
    h->n = NULL;
}

int http_start(const struct http_opts *o, struct http **out, struct hz_err *err)
{
    *out = NULL;
    struct http *h = calloc(1, sizeof *h);
    if (h == NULL)
        return hz_err_set(err, HZ_ENOMEM, "web");
    h->dir = strdup(o->dir);
    h->listen = strdup(o->listen);
    h->insecure = o->insecure;
    h->log = o->log;
    for (size_t i = 0; i < hz_n_assets && i < 64; i++) {
        uint8_t d[8];
        crypto_generichash(d, sizeof d, hz_assets[i].data, hz_assets[i].len,
                           NULL, 0);
        char hex[17];
        sodium_bin2hex(hex, sizeof hex, d, sizeof d);
        snprintf(h->etags[i], sizeof h->etags[i], "\"%s\"", hex);
    }
    int rv = h->dir != NULL && h->listen != NULL
                 ? 0
                 : hz_err_set(err, HZ_ENOMEM, "web");
    struct sockaddr_storage ss;
    bool loopback = false;
    if (rv == 0)
        rv = parse_listen(o->listen, &ss, &loopback, err);
    if (rv == 0 && o->insecure && !loopback)
        logf_(h, HZ_LOG_WARN,
              "web: plain HTTP on %s (--insecure-http): passwords and data"
              " cross the network unencrypted",
              o->listen);
    if (rv == 0)
        rv = uv_sem_init(&h->started, 0) == 0
                 ? 0
                 : hz_err_set(err, HZ_EIO, "web: semaphore");
    if (rv == 0 && uv_thread_create(&h->thread, thread_main, h) != 0) {
        uv_sem_destroy(&h->started);
        rv = hz_err_set(err, HZ_EIO, "web: thread");
    }
    if (rv != 0) {
        free(h->dir);
        free(h->listen);
        free(h);
        return rv;
    }
    uv_sem_wait(&h->started);
    uv_sem_destroy(&h->started);
    if (h->start_rv != 0) {
        rv = h->start_rv;
        if (err != NULL)
            *err = h->start_err;
        uv_thread_join(&h->thread);
        tlscert_close(&h->cert);
        free(h->dir);
        free(h->listen);
        free(h);
        return rv;
    }
    *out = h;
    return 0;
}

int http_port(const struct http *h)
{
    return h->port;
}

bool http_tls(const struct http *h)
{
    return h->tls;
}

const char *http_fingerprint(const struct http *h)
{
    return h->fingerprint;
}

int http_fingerprint_of(const char *dir, char out[96])
{
    return tlscert_fingerprint(dir, out);
}

void http_stop(struct http *h)
{
    if (h == NULL)
        return;
    uv_async_send(&h->stop);
    uv_thread_join(&h->thread);
    tlscert_close(&h->cert);
    sodium_memzero(h->sessions, sizeof h->sessions);
    free(h->dir);
    free(h->listen);
    free(h);
}
