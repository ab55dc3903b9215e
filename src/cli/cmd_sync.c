/* cmd_sync.c - huzhu serve and huzhu sync: live sync over TCP
 * (src/net; proto/sync.md, proto/cli.md). */
#include "cli.h"

#include "../net/net.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void key8(const uint8_t *k, char out[9])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 4; i++) {
        out[2 * i] = hex[k[i] >> 4];
        out[2 * i + 1] = hex[k[i] & 15];
    }
    out[8] = '\0';
}

/* In no network: say how to make one (DECISIONS 32). */
static int fail_sync(struct cli *c, int code, const struct hz_err *err)
{
    int rv = cli_fail(c, code, err);
    if (code == HZ_ENETWORK && !c->json)
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
    /* Connections that never proved a key are logged at most once per
     * UNPROVEN_LOG_S, with how many were left out: no stranger can fill
     * the log. */
    double unproven_logged;
    unsigned long long unproven_left;
};

#define UNPROVEN_LOG_S 10.0

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_ready(void *data, int port)
{
    struct serving *s = data;
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
    fflush(stdout);
}

/* One line per session on stderr: who, what moved, or why it ended. No
 * personal data: keys are shown by their first 8 hex digits. */
static void on_ended(void *data, int rv, const struct hz_err *err,
                     const struct net_result *r)
{
    struct serving *s = data;
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
        fprintf(stderr, "huzhu serve: %s %s… %s %llu %s %llu (%s %llu)\n",
                cli_tr(s->c, "会话", "session"), peer,
                cli_tr(s->c, "发出", "sent"),
                (unsigned long long)r->st.entries_out,
                cli_tr(s->c, "收到", "received"),
                (unsigned long long)r->st.entries_in,
                cli_tr(s->c, "新应用", "applied"),
                (unsigned long long)r->got.applied);
    else
        fprintf(stderr, "huzhu serve: %s %s…: %s (%s)\n",
                cli_tr(s->c, "会话结束", "session ended"), peer,
                text_error(rv, s->c->lang),
                err != NULL && err->msg[0] ? err->msg : hz_errname(rv));
    fflush(stderr);
}

int cmd_serve(struct cli *c, struct form *f)
{
    struct serving s = {.c = c, .listen = form_get(f, "--listen")};
    char dflt[32];
    if (s.listen == NULL) {
        snprintf(dflt, sizeof dflt, "0.0.0.0:%d", HZ_SYNC_PORT);
        s.listen = dflt;
    }
    struct net_serve_opts o = {.listen = s.listen,
                               .lock_dir = cli_node_dir(c),
                               .data = &s,
                               .ready = on_ready,
                               .ended = on_ended};
    struct hz_err err = {0};
    int rv = net_serve(c->node, &o, &err);
    if (s.unproven_left > 0)
        fprintf(stderr, "huzhu serve: %s %llu\n",
                cli_tr(c, "另有未证明身份的连接已结束:",
                       "more connections that proved no key ended:"),
                s.unproven_left);
    return rv != 0 ? fail_sync(c, rv, &err) : EXIT_OK;
}
