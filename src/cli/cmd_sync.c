/* cmd_sync.c - huzhu serve and huzhu sync: live sync over TCP
 * (src/net; proto/sync.md, proto/cli.md). */
#include "cli.h"
#include "serve_mirror.h"

#include "../http/http.h"
#include "../net/net.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

static void key8(const uint8_t *k, char out[9])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 4; i++) {
        out[2 * i] = hex[k[i] >> 4];
        out[2 * i + 1] = hex[k[i] & 15];
    }
    out[8] = '\0';
}

/* HZ_ENETWORK means one of two things here: this node is in no network
 * (DECISIONS 32: say how to make one), or the peer is not of this
 * network (its handshake was keyed by another secret). */
static int fail_sync(struct cli *c, int code, const struct hz_err *err)
{
    if (code != HZ_ENETWORK)
        return cli_fail(c, code, err);
    struct store_self probe;
    bool none = store_channel_self(c->node, &probe, NULL) == HZ_ENETWORK;
    store_channel_self_close(&probe);
    if (!none)
        return cli_fail_text(
            c, code,
            cli_tr(c, "对方不是本网络的节点(网络密钥不同)，未做任何更改",
                   "the peer is not of this network (another network"
                   " secret): nothing changed"),
            err);
    int rv = cli_fail_text(c, code,
                           cli_tr(c, "本节点尚未加入任何网络，不能实时同步",
                                  "this node is in no network: no live sync"),
                           NULL);
    if (!c->json)
        fprintf(stderr, "%s\n",
                cli_tr(c,
                       "实时同步只在网络内进行: 先在一台设备上 huzhu network"
                       " create，再用 huzhu admit / huzhu join 加入其他设备"
                       " (没有网络时可用 huzhu bundle 传递数据)",
                       "live sync runs only inside a network: huzhu network"
                       " create on one device, then huzhu admit / huzhu join"
                       " for the others (without a network, carry bundles:"
                       " huzhu bundle)"));
    return rv;
}

static void print_result_json(const struct net_result *r, const char *addr)
{
    char peer[65] = "";
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; r->have_peer && i < 32; i++) {
        peer[2 * i] = hex[r->peer[i] >> 4];
        peer[2 * i + 1] = hex[r->peer[i] & 15];
    }
    printf(
        "{\"peer\":\"%s\",\"address\":\"%s\",\"sent\":%llu,"
        "\"received\":%llu,\"applied\":%llu,\"duplicate\":%llu,"
        "\"pending\":%llu,\"rejected\":%llu,\"denied\":%llu,"
        "\"refused\":%llu,\"bytes_sent\":%llu,\"bytes_received\":%llu,"
        "\"seconds\":%.3f}\n",
        peer, addr, (unsigned long long)r->st.entries_out,
        (unsigned long long)r->st.entries_in,
        (unsigned long long)r->got.applied,
        (unsigned long long)r->got.duplicate,
        (unsigned long long)r->got.pending, (unsigned long long)r->got.rejected,
        (unsigned long long)r->got.denied, (unsigned long long)r->got.refused,
        (unsigned long long)r->st.bytes_out, (unsigned long long)r->st.bytes_in,
        r->seconds);
}

int cmd_sync(struct cli *c, struct form *f)
{
    const char *addr = form_get(f, "ADDR:PORT");
    struct net_result r;
    struct hz_err err = {0};
    int rv = net_sync(c->node, addr, &r, &err);
    if (rv != 0)
        return fail_sync(c, rv, &err);
    if (c->json) {
        print_result_json(&r, addr);
        return EXIT_OK;
    }
    char peer[9] = "?";
    if (r.have_peer)
        key8(r.peer, peer);
    printf("%s %s (%s %s…)\n", cli_tr(c, "已与", "synced with"), addr,
           cli_tr(c, "设备", "device"), peer);
    printf("%s: %llu  %s: %llu  %s: %llu  %s: %llu  %s: %llu  %s: %llu\n",
           cli_tr(c, "发出", "sent"), (unsigned long long)r.st.entries_out,
           cli_tr(c, "收到", "received"), (unsigned long long)r.st.entries_in,
           cli_tr(c, "新应用", "applied"), (unsigned long long)r.got.applied,
           cli_tr(c, "待前序", "pending"), (unsigned long long)r.got.pending,
           cli_tr(c, "拒绝", "rejected"), (unsigned long long)r.got.rejected,
           cli_tr(c, "无权", "denied"), (unsigned long long)r.got.denied);
    printf("%s: %llu / %llu  %s: %.2f s\n",
           cli_tr(c, "字节 发出/收到", "bytes sent/received"),
           (unsigned long long)r.st.bytes_out,
           (unsigned long long)r.st.bytes_in, cli_tr(c, "用时", "time"),
           r.seconds);
    return EXIT_OK;
}

struct serving {
    struct cli *c;
    const char *listen;
    /* the web interface (--http, --insecure-http) */
    const char *http_listen;
    bool insecure;
    struct http *web;
    int web_rv;
    struct hz_err web_err;
    /* Connections that never proved a key are logged at most once per
     * UNPROVEN_LOG_S, with how many were left out: no stranger can fill
     * the log. */
    double unproven_logged;
    unsigned long long unproven_left;
    struct serve_mirror *mirror; /* --mirror URL, or NULL */
};

#define UNPROVEN_LOG_S 10.0

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Where a phone on the site's Wi-Fi opens the web interface: the
 * address it listens on, or each of this machine's IPv4 addresses when
 * it listens on all of them. */
static void print_web(struct serving *s)
{
    const char *scheme = http_tls(s->web) ? "https" : "http";
    int port = http_port(s->web);
    const char *colon = strrchr(s->http_listen, ':');
    char host[64];
    size_t hl = (size_t)(colon - s->http_listen);
    snprintf(host, sizeof host, "%.*s", (int)(hl < 63 ? hl : 63),
             s->http_listen);
    json_t *urls = json_array();
    char url[128];
    if (strcmp(host, "0.0.0.0") == 0) {
        uv_interface_address_t *ifs = NULL;
        int n = 0;
        if (uv_interface_addresses(&ifs, &n) == 0) {
            for (int i = 0; i < n; i++) {
                char ip[64];
                if (ifs[i].address.address4.sin_family != AF_INET ||
                    ifs[i].is_internal)
                    continue;
                uv_ip4_name(&ifs[i].address.address4, ip, sizeof ip);
                snprintf(url, sizeof url, "%s://%s:%d/", scheme, ip, port);
                json_array_append_new(urls, json_string(url));
            }
            uv_free_interface_addresses(ifs, n);
        }
        snprintf(url, sizeof url, "%s://127.0.0.1:%d/", scheme, port);
        json_array_append_new(urls, json_string(url));
    } else {
        snprintf(url, sizeof url, "%s://%s:%d/", scheme, host, port);
        json_array_append_new(urls, json_string(url));
    }
    const char *fp = http_fingerprint(s->web);
    if (s->c->json) {
        json_t *o = json_pack("{s:o, s:s?}", "web", urls, "fingerprint",
                              fp[0] != '\0' ? fp : NULL);
        char *text = json_dumps(o, JSON_COMPACT);
        printf("%s\n", text != NULL ? text : "{}");
        free(text);
        json_decref(o);
        return;
    }
    size_t i;
    json_t *u;
    json_array_foreach(urls, i, u)
        printf("%s %s\n", cli_tr(s->c, "网页界面", "web interface"),
               json_string_value(u));
    if (fp[0] != '\0')
        printf("%s %s\n",
               cli_tr(s->c, "证书指纹 (SHA-256，与浏览器显示的核对):",
                      "certificate fingerprint (SHA-256; compare with the"
                      " browser's):"),
               fp);
    json_decref(urls);
}

/* Start the web interface (once); 0, or why it cannot. */
static int start_web(struct serving *s)
{
    if (s->http_listen == NULL || s->web != NULL)
        return 0;
    struct http_opts ho = {.dir = cli_node_dir(s->c),
                           .listen = s->http_listen,
                           .insecure = s->insecure,
                           .log = &s->c->log};
    s->web_rv = http_start(&ho, &s->web, &s->web_err);
    return s->web_rv;
}

static void on_ready(void *data, int port)
{
    struct serving *s = data;
    bool had_web = s->web != NULL;
    if (start_web(s) != 0) {
        /* serve stops as at a signal; cmd_serve reports why */
        raise(SIGTERM);
        return;
    }
    char host[64];
    const char *colon = strrchr(s->listen, ':');
    size_t hl = colon != NULL ? (size_t)(colon - s->listen) : 0;
    if (hl >= sizeof host)
        hl = sizeof host - 1;
    memcpy(host, s->listen, hl);
    host[hl] = '\0';
    if (s->c->json)
        printf("{\"listening\":\"%s:%d\"}\n", host, port);
    else
        printf("%s %s:%d (%s)\n", cli_tr(s->c, "正在服务", "serving on"), host,
               port, cli_tr(s->c, "Ctrl-C 停止", "Ctrl-C stops it"));
    if (s->web != NULL && !had_web)
        print_web(s);
    fflush(stdout);
}

/* LAN discovery could not start: said once, and serve goes on. */
static void on_no_discovery(void *data, const char *why)
{
    struct serving *s = data;
    fprintf(stderr, "huzhu serve: %s (%s)\n",
            cli_tr(s->c, "局域网发现未能开启，只连接配置的对端",
                   "LAN discovery could not start: only configured peers are"
                   " dialled"),
            why);
    fflush(stderr);
}

/* One line per session on stderr: who, what moved, or why it ended. No
 * personal data: keys are shown by their first 8 hex digits. */
static void on_ended(void *data, int rv, const struct hz_err *err,
                     const struct net_result *r)
{
    struct serving *s = data;
    serve_mirror_poke(s->mirror);
    char peer[9] = "?";
    if (r->have_peer)
        key8(r->peer, peer);
    if (!r->have_peer) {
        double now = mono_s();
        if (s->unproven_logged != 0 &&
            now - s->unproven_logged < UNPROVEN_LOG_S) {
            s->unproven_left++;
            return;
        }
        s->unproven_logged = now;
        if (s->unproven_left > 0)
            fprintf(stderr, "huzhu serve: %s %llu\n",
                    cli_tr(s->c, "另有未证明身份的连接已结束:",
                           "more connections that proved no key ended:"),
                    s->unproven_left);
        s->unproven_left = 0;
    }
    if (rv == 0)
        fprintf(stderr, "huzhu serve: %s %s… %s %s %s %llu %s %llu (%s %llu)\n",
                cli_tr(s->c, "会话", "session"), peer, r->addr,
                r->dialled ? cli_tr(s->c, "(本节点拨出)", "(dialled)")
                           : cli_tr(s->c, "(对方连入)", "(dialled us)"),
                cli_tr(s->c, "发出", "sent"),
                (unsigned long long)r->st.entries_out,
                cli_tr(s->c, "收到", "received"),
                (unsigned long long)r->st.entries_in,
                cli_tr(s->c, "新应用", "applied"),
                (unsigned long long)r->got.applied);
    else
        fprintf(stderr, "huzhu serve: %s %s… %s: %s (%s)\n",
                cli_tr(s->c, "会话结束", "session ended"), peer, r->addr,
                text_error(rv, s->c->lang),
                err != NULL && err->msg[0] ? err->msg : hz_errname(rv));
    fflush(stderr);
}

/* The CLI's handle, opened again: another process changed the node's key
 * or network, which a handle reads only when opened. */
static int reopen_node(struct cli *c, struct hz_err *err)
{
    hz_node_close(c->node);
    c->node = NULL;
    if (cli_open(c, 0) == EXIT_OK)
        return 0;
    err->code = HZ_EIO;
    snprintf(err->msg, sizeof err->msg, "reopening the node");
    return HZ_EIO;
}

/* Does the node, opened again, hold a certificate in effect for its key?
 * (net_wait_network's question after a rekey.) */
static bool certified(void *data)
{
    struct serving *s = data;
    struct hz_err e = {0};
    if (reopen_node(s->c, &e) != 0)
        return false;
    struct store_self probe;
    int rv = store_channel_self(s->c->node, &probe, NULL);
    store_channel_self_close(&probe);
    return rv == 0;
}

/* net_serve, with a handle opened again each time another process gave
 * the node a new key or network while it served (NET_SERVE_STALE): every
 * handshake then proves the node's current identity. A new key holds no
 * certificate until an admin's arrives (an import, the admin's own
 * command): until then serve waits for it, as for a network, instead of
 * ending (a race with that import ended it before). */
static int serve_sync(struct cli *c, const struct net_serve_opts *o,
                      struct hz_err *err)
{
    bool again = false;
    for (;;) {
        int rv = net_serve(c->node, o, err);
        if (again && (rv == HZ_ENOCERT || rv == HZ_EPERM)) {
            fprintf(stderr, "huzhu serve: %s (%s)\n",
                    cli_tr(c,
                           "本设备的新密钥尚无有效证书：等管理员准入后自动"
                           "继续同步",
                           "the device's new key holds no certificate yet:"
                           " sync goes on by itself once an admin admits it"),
                    err->msg);
            fflush(stderr);
            *err = (struct hz_err){0};
            rv = net_wait_network(o, certified, o->data, err);
            if (rv != 1)
                return rv;
            continue;
        }
        if (rv != NET_SERVE_STALE)
            return rv;
        again = true;
        fprintf(stderr, "huzhu serve: %s\n",
                cli_tr(c, "本节点的密钥或网络已更改，用新的身份重新开始同步",
                       "the node's key or network changed: serving again"
                       " with the new one"));
        fflush(stderr);
        rv = reopen_node(c, err);
        if (rv != 0)
            return rv;
    }
}

/* Has another process put the node into a network (network create,
 * join)? Then the CLI's handle is opened again for net_serve. */
static bool joined_network(void *data)
{
    struct serving *s = data;
    return store_node_stale(s->c->node);
}

/* A node in no network yet: the web interface alone until the node
 * joins one (DECISIONS 32 forbids only sync), then sync too. */
static int serve_web_alone(struct cli *c, struct serving *s,
                           const struct net_serve_opts *o, struct hz_err *err)
{
    int rv = start_web(s);
    if (rv != 0)
        return 0; /* cmd_serve reports the web's failure */
    if (c->json) {
        printf("{\"listening\":null,\"waiting_for_network\":true}\n");
    } else {
        printf("%s\n",
               cli_tr(c,
                      "本节点尚未加入任何网络 (huzhu network create 或 huzhu "
                      "join)：实时同步未开启，网页界面照常提供；加入网络后自动"
                      "开始同步 (Ctrl-C 停止)",
                      "this node is in no network yet (huzhu network create"
                      " or huzhu join): live sync is off and the web"
                      " interface is served; sync starts by itself once the"
                      " node joins one (Ctrl-C stops it)"));
    }
    print_web(s);
    fflush(stdout);
    rv = net_wait_network(o, joined_network, s, err);
    if (rv != 1)
        return rv;
    /* In a network now: the handle, opened before, knows nothing of it. */
    rv = reopen_node(c, err);
    return rv != 0 ? rv : serve_sync(c, o, err);
}

int cmd_serve(struct cli *c, struct form *f)
{
    struct serving s = {.c = c,
                        .listen = form_get(f, "--listen"),
                        .http_listen = form_get(f, "--http"),
                        .insecure = form_get(f, "--insecure-http") != NULL};
    char dflt[32], web_dflt[32];
    if (s.listen == NULL) {
        snprintf(dflt, sizeof dflt, "0.0.0.0:%d", HZ_SYNC_PORT);
        s.listen = dflt;
    }
    if (s.http_listen == NULL) {
        snprintf(web_dflt, sizeof web_dflt, "0.0.0.0:%d", HZ_HTTP_PORT);
        s.http_listen = web_dflt;
    } else if (strcmp(s.http_listen, "off") == 0) {
        s.http_listen = NULL;
    }
    struct net_serve_opts o = {.listen = s.listen,
                               .lock_dir = cli_node_dir(c),
                               .data = &s,
                               .ready = on_ready,
                               .ended = on_ended,
                               .discovery =
                                   form_get(f, "--no-discovery") == NULL,
                               .no_discovery = on_no_discovery};
    struct hz_err err = {0};
    const char *mirror_url = form_get(f, "--mirror");
    if (mirror_url == NULL && form_get(f, "--mirror-reader") != NULL)
        return cli_usage(c, f,
                         cli_tr(c, "--mirror-reader 需与 --mirror 同用",
                                "--mirror-reader goes with --mirror"));
    enum mirror_fault fault = MIRROR_OK;
    int rv =
        mirror_url != NULL
            ? serve_mirror_start(c, mirror_url, form_get(f, "--mirror-reader"),
                                 &s.mirror, &fault, &err)
            : 0;
    if (rv != 0)
        return cmd_mirror_fail(c, fault, rv, &err);
    rv = serve_sync(c, &o, &err);
    if (rv == HZ_ENETWORK && s.http_listen != NULL)
        rv = serve_web_alone(c, &s, &o, &err);
    serve_mirror_stop(s.mirror);
    http_stop(s.web);
    if (s.web_rv != 0)
        return cli_fail_text(
            c, s.web_rv,
            cli_tr(c, "网页界面无法启动", "the web interface could not start"),
            &s.web_err);
    if (s.unproven_left > 0)
        fprintf(stderr, "huzhu serve: %s %llu\n",
                cli_tr(c, "另有未证明身份的连接已结束:",
                       "more connections that proved no key ended:"),
                s.unproven_left);
    return rv != 0 ? fail_sync(c, rv, &err) : EXIT_OK;
}

/* ---- configured peers */

int cmd_peer_add(struct cli *c, struct form *f)
{
    const char *addr = form_get(f, "ADDR:PORT");
    struct hz_err err = {0};
    bool added = false;
    int rv = net_addr_check(addr, &err);
    if (rv == 0)
        rv = store_peer_add(c->node, addr, &added, &err);
    if (rv != 0)
        return cli_fail(c, rv, &err);
    if (c->json)
        printf("{\"address\":\"%s\",\"added\":%s}\n", addr,
               added ? "true" : "false");
    else
        printf("%s %s\n",
               added ? cli_tr(c, "已添加对端", "peer added")
                     : cli_tr(c, "对端已在列表中", "peer already listed"),
               addr);
    if (!c->json && !store_serving(cli_node_dir(c)))
        printf("%s\n", cli_tr(c, "(huzhu serve 运行时会自动连接它)",
                              "(huzhu serve dials it while it runs)"));
    return EXIT_OK;
}

int cmd_peer_rm(struct cli *c, struct form *f)
{
    const char *addr = form_get(f, "ADDR:PORT");
    struct hz_err err = {0};
    int rv = store_peer_remove(c->node, addr, &err);
    if (rv != 0)
        return cli_fail(c, rv, &err);
    if (c->json)
        printf("{\"address\":\"%s\",\"removed\":true}\n", addr);
    else
        printf("%s %s\n", cli_tr(c, "已删除对端", "peer removed"), addr);
    return EXIT_OK;
}

/* A time in ms as local time, or "-". */
static void ms_text(json_t *v, char *out, size_t len)
{
    if (!json_is_integer(v)) {
        snprintf(out, len, "-");
        return;
    }
    time_t t = (time_t)(json_integer_value(v) / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* The contact in @contacts with @key (hex), or NULL. */
static json_t *contact_of(json_t *contacts, const char *key)
{
    size_t i;
    json_t *v;
    json_array_foreach(contacts, i, v)
    {
        if (key != NULL &&
            strcmp(json_string_value(json_object_get(v, "key")), key) == 0)
            return v;
    }
    return NULL;
}

static void print_contact(const struct cli *c, const char *addr, json_t *ct,
                          json_t *peer)
{
    char last[32], synced[32];
    const char *name = NULL, *key = NULL, *error = NULL;
    bool connected = false;
    long long sent = 0, received = 0;
    ms_text(json_object_get(ct, "last_contact_ms"), last, sizeof last);
    ms_text(json_object_get(ct, "last_sync_ms"), synced, sizeof synced);
    if (ct != NULL) {
        name = json_string_value(json_object_get(ct, "name"));
        key = json_string_value(json_object_get(ct, "key"));
        connected = json_is_true(json_object_get(ct, "connected"));
        sent = (long long)json_integer_value(json_object_get(ct, "sent"));
        received =
            (long long)json_integer_value(json_object_get(ct, "received"));
        error = json_string_value(json_object_get(ct, "last_error"));
    }
    /* A configured peer's dial that reached no device says why. */
    if (peer != NULL && json_is_string(json_object_get(peer, "last_error")))
        error = json_string_value(json_object_get(peer, "last_error"));
    printf("  %s  %s%s%.8s%s  %s\n", addr, name ? name : "", key ? " (" : "",
           key ? key : "", key ? "…)" : "",
           connected ? cli_tr(c, "已连接", "connected")
                     : cli_tr(c, "未连接", "not connected"));
    printf("      %s: %s  %s: %s  %s/%s: %lld/%lld\n",
           cli_tr(c, "最近联系", "last contact"), last,
           cli_tr(c, "最近同步完成", "last sync"), synced,
           cli_tr(c, "发出", "sent"), cli_tr(c, "收到", "received"), sent,
           received);
    const char *found = json_string_value(json_object_get(ct, "found"));
    if (found != NULL)
        printf("      %s: %s\n", cli_tr(c, "如何找到", "found"),
               strcmp(found, "configured") == 0
                   ? cli_tr(c, "配置的对端", "configured peer")
               : strcmp(found, "discovered") == 0
                   ? cli_tr(c, "在局域网发现", "discovered on the LAN")
                   : cli_tr(c, "对方连入", "it dialled us"));
    /* How far behind each side is, from the last vectors exchanged. */
    json_t *they = json_object_get(ct, "peer_lacks");
    json_t *we = json_object_get(ct, "we_lack");
    if (json_is_integer(they) && json_is_integer(we))
        printf("      %s: %lld  %s: %lld\n",
               cli_tr(c, "对方缺本机的条目", "entries it lacks of ours"),
               (long long)json_integer_value(they),
               cli_tr(c, "本机缺对方的条目", "entries we lack of its"),
               (long long)json_integer_value(we));
    if (error != NULL)
        printf("      %s: %s\n", cli_tr(c, "最近错误", "last error"), error);
}

void cli_print_peers(const struct cli *c, json_t *status)
{
    json_t *peers = json_object_get(status, "peers");
    json_t *contacts = json_object_get(status, "contacts");
    printf("%s\n",
           json_is_true(json_object_get(status, "serving"))
               ? cli_tr(c, "huzhu serve 正在运行", "huzhu serve is running")
               : cli_tr(c, "huzhu serve 未运行", "huzhu serve is not running"));
    size_t i;
    json_t *v;
    if (json_array_size(peers) > 0)
        printf("%s:\n", cli_tr(c, "配置的对端", "configured peers"));
    json_array_foreach(peers, i, v)
    {
        const char *key = json_string_value(json_object_get(v, "key"));
        print_contact(c, json_string_value(json_object_get(v, "address")),
                      contact_of(contacts, key), v);
    }
    bool heading = false;
    json_array_foreach(contacts, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "found")),
                   "configured") == 0)
            continue;
        if (!heading)
            printf("%s:\n", cli_tr(c, "其他设备 (连入或在局域网发现)",
                                   "other devices (dialled in or found on"
                                   " the LAN)"));
        heading = true;
        print_contact(c, json_string_value(json_object_get(v, "address")), v,
                      NULL);
    }
}

int cmd_peer_ls(struct cli *c, struct form *f)
{
    (void)f;
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_status(c->node, &text, &err);
    if (rv != 0)
        return cli_fail(c, rv, &err);
    json_t *s = json_loads(text, 0, NULL);
    hz_free_string(text);
    if (s == NULL)
        return cli_fail(c, HZ_ENOMEM, NULL);
    if (c->json) {
        json_t *out =
            json_pack("{s:O,s:O,s:O}", "peers", json_object_get(s, "peers"),
                      "contacts", json_object_get(s, "contacts"), "serving",
                      json_object_get(s, "serving"));
        char *dump = json_dumps(out, JSON_COMPACT);
        printf("%s\n", dump);
        free(dump);
        json_decref(out);
    } else {
        cli_print_peers(c, s);
    }
    json_decref(s);
    return EXIT_OK;
}
