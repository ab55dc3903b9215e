/* serve_mirror.c - huzhu serve --mirror URL: the serving node follows its
 * changes into the county mirror (issue 18; DECISIONS 43; proto/cli.md,
 * "The county mirror", "serve --mirror").
 *
 * The sync loop never waits for PostgreSQL: the mirror runs on a thread
 * of its own with its own libuv loop, node handle (SQLite connection)
 * and PostgreSQL connection, as the web interface does (src/http). Every
 * second it reads the node's change counter (one value of meta, no
 * PostgreSQL) and runs a pass (src/mirror: bounded batches, each one
 * transaction with the counter) when it moved; a session's end pokes it
 * to run at once. A failure - PostgreSQL down, a login refused, the
 * network's lock held by another node - closes the connection, is said
 * once on stderr, and the pass is tried again after a backoff that
 * doubles from 1 s to 60 s; its recovery is said once too. Nothing of
 * this stops serving. */
#include "serve_mirror.h"

#include "../core/error_int.h"
#include "../store/store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define TICK_MS 1000u
#define BACKOFF_MS_MIN 1000u
#define BACKOFF_MS_MAX 60000u

struct serve_mirror {
    struct cli *c; /* borrowed: its language (never changed while serving) */
    /* a copy of the CLI's logger: the serving thread sets c->log again
     * whenever it opens the node again (cli_open) */
    struct hz_log log;
    char *dir; /* the node directory, copied */
    struct mirror_opts o;
    uv_thread_t thread;
    uv_loop_t loop;
    uv_timer_t tick;
    uv_async_t poke, stop;
    hz_node *n;
    struct mirror *m;
    int64_t copied;      /* the change counter the last pass reached */
    uint64_t backoff_ms; /* 0 while passes succeed */
    uint64_t retry_at;   /* uv_now of the next try while failing */
    bool failing;        /* said once, until a pass succeeds */
    unsigned ticks;      /* since the last pass */
};

/* A pass at least every LOOK_TICKS ticks, changes or not: it sees a node
 * with a newer view waiting for the lock (proto/cli.md, "The newest
 * view"). */
#define LOOK_TICKS 10u

/* Say once why the mirror pauses. No URL, no password, no personal data:
 * the fault's text and libpq's first line. */
static void say_failing(struct serve_mirror *sm, enum mirror_fault fault,
                        int rv, const struct hz_err *err)
{
    const char *what = cmd_mirror_fault_text(sm->c, fault);
    fprintf(stderr, "huzhu serve: %s: %s (%s)%s\n",
            cli_tr(sm->c, "镜像暂停", "mirror paused"),
            what != NULL ? what : hz_errname(rv),
            err->msg[0] != '\0' ? err->msg : hz_errname(rv),
            cli_tr(sm->c, "；将自动重试，同步照常",
                   "; retried by itself, sync goes on"));
    fflush(stderr);
}

/* One pass, connecting (the node, then PostgreSQL) first if needed. */
static int pass(struct serve_mirror *sm, enum mirror_fault *fault,
                struct hz_err *err)
{
    *fault = MIRROR_OK;
    int rv = 0;
    if (sm->n == NULL) {
        struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                    .log = &sm->log};
        rv = hz_node_open(sm->dir, &opts, &sm->n, err);
        if (rv != 0) {
            *fault = MIRROR_NODE;
            return rv;
        }
    }
    if (sm->m == NULL)
        rv = mirror_open(sm->n, &sm->o, &sm->m, fault, err);
    struct mirror_pass p;
    if (rv == 0)
        rv = mirror_run(sm->m, &p, fault, err);
    if (rv == 0) {
        sm->copied = p.to;
        const struct hz_log *log = &sm->log;
        if ((p.batches > 0 || p.full_copy) && log->emit != NULL &&
            log->level >= HZ_LOG_INFO) {
            char line[160];
            snprintf(line, sizeof line,
                     "mirror rows=%llu removed=%llu counter=%lld",
                     (unsigned long long)p.rows, (unsigned long long)p.removed,
                     (long long)p.to);
            log->emit(log->data, HZ_LOG_INFO, line);
        }
    }
    return rv;
}

/* A pass now, or at the retry time while failing. */
static void run_pass(struct serve_mirror *sm, bool poked)
{
    if (sm->failing && uv_now(&sm->loop) < sm->retry_at)
        return;
    /* Another process gave the node a new key (rekey) or network: the
     * rows name their source by the node's key, and the lock and the
     * newest view are the node's, so both are opened again, now. */
    if (sm->n != NULL && store_node_stale(sm->n)) {
        mirror_close(sm->m);
        sm->m = NULL;
        hz_node_close(sm->n);
        sm->n = NULL;
        poked = true;
    }
    if (!poked && !sm->failing && sm->m != NULL && ++sm->ticks < LOOK_TICKS) {
        /* nothing changed: no PostgreSQL round trip */
        int64_t top = 0;
        char network[2 * HZ_NET_LEN + 1];
        struct hz_err e = {0};
        if (store_changes_top(sm->n, &top, NULL, network, &e) == 0 &&
            top == sm->copied)
            return;
    }
    sm->ticks = 0;
    enum mirror_fault fault;
    struct hz_err err = {0};
    int rv = pass(sm, &fault, &err);
    if (rv == 0) {
        if (sm->failing) {
            fprintf(stderr, "huzhu serve: %s\n",
                    cli_tr(sm->c, "镜像已恢复", "mirror resumed"));
            fflush(stderr);
        }
        sm->failing = false;
        sm->backoff_ms = 0;
        return;
    }
    if (!sm->failing)
        say_failing(sm, fault, rv, &err);
    sm->failing = true;
    /* Start again from a new connection: the lock, the tables, the
     * node's key and network as they are now. */
    mirror_close(sm->m);
    sm->m = NULL;
    if (fault == MIRROR_NODE) {
        hz_node_close(sm->n);
        sm->n = NULL;
    }
    sm->backoff_ms = sm->backoff_ms == 0 ? BACKOFF_MS_MIN : sm->backoff_ms * 2;
    if (sm->backoff_ms > BACKOFF_MS_MAX)
        sm->backoff_ms = BACKOFF_MS_MAX;
    sm->retry_at = uv_now(&sm->loop) + sm->backoff_ms;
}

static void on_tick(uv_timer_t *t)
{
    run_pass(t->data, false);
}

static void on_poke(uv_async_t *a)
{
    run_pass(a->data, true);
}

static void on_stop(uv_async_t *a)
{
    struct serve_mirror *sm = a->data;
    uv_close((uv_handle_t *)&sm->tick, NULL);
    uv_close((uv_handle_t *)&sm->poke, NULL);
    uv_close((uv_handle_t *)&sm->stop, NULL);
}

static void thread_main(void *arg)
{
    struct serve_mirror *sm = arg;
    run_pass(sm, true);
    uv_run(&sm->loop, UV_RUN_DEFAULT);
    mirror_close(sm->m);
    sm->m = NULL;
    hz_node_close(sm->n);
    sm->n = NULL;
}

int serve_mirror_start(struct cli *c, const char *url, const char *reader,
                       struct serve_mirror **out, enum mirror_fault *fault,
                       struct hz_err *err)
{
    *out = NULL;
    int rv = mirror_check_url(url, fault, err);
    if (rv == 0)
        rv = mirror_check_reader(reader, fault, err);
    if (rv != 0)
        return rv;
    struct serve_mirror *sm = calloc(1, sizeof *sm);
    if (sm == NULL)
        return hz_err_set(err, HZ_ENOMEM, "mirror");
    sm->c = c;
    sm->log = c->log;
    sm->dir = strdup(cli_node_dir(c));
    if (sm->dir == NULL) {
        free(sm);
        return hz_err_set(err, HZ_ENOMEM, "mirror");
    }
    sm->o = (struct mirror_opts){
        .url = url, .batch = MIRROR_BATCH_DEFAULT, .reader = reader};
    /* The loop and its handles are made here, before the thread runs
     * it, so a stop can never come before them. */
    if (uv_loop_init(&sm->loop) != 0) {
        free(sm->dir);
        free(sm);
        return hz_err_set(err, HZ_EIO, "mirror: loop");
    }
    uv_timer_init(&sm->loop, &sm->tick);
    uv_async_init(&sm->loop, &sm->poke, on_poke);
    uv_async_init(&sm->loop, &sm->stop, on_stop);
    sm->tick.data = sm->poke.data = sm->stop.data = sm;
    uv_timer_start(&sm->tick, on_tick, TICK_MS, TICK_MS);
    /* SIGINT and SIGTERM are the serving loop's: the thread blocks them */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rv = uv_thread_create(&sm->thread, thread_main, sm);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rv != 0) {
        uv_close((uv_handle_t *)&sm->tick, NULL);
        uv_close((uv_handle_t *)&sm->poke, NULL);
        uv_close((uv_handle_t *)&sm->stop, NULL);
        uv_run(&sm->loop, UV_RUN_DEFAULT);
        uv_loop_close(&sm->loop);
        free(sm->dir);
        free(sm);
        return hz_err_set(err, HZ_EIO, "mirror: thread");
    }
    *out = sm;
    return 0;
}

void serve_mirror_poke(struct serve_mirror *sm)
{
    if (sm != NULL)
        uv_async_send(&sm->poke);
}

void serve_mirror_stop(struct serve_mirror *sm)
{
    if (sm == NULL)
        return;
    uv_async_send(&sm->stop);
    uv_thread_join(&sm->thread);
    uv_loop_close(&sm->loop);
    free(sm->dir);
    free(sm);
}
