/* net.h - live sync over TCP (proto/sync.md): libuv moves the bytes, arms
 * the timers and owns the sockets; the protocol is core/session.c, the
 * node's side store_sync_io (src/store/store.h, the only store header
 * this layer includes; DECISIONS 30).
 *
 *   net_sync   dial a serving node, run one session until both sides
 *              caught up, close (huzhu sync)
 *   net_serve  listen and answer sessions until SIGINT or SIGTERM
 *              (huzhu serve)
 *
 * Addresses are an IPv4 literal and a port ("192.168.1.20:7420") or an
 * IPv6 literal in brackets ("[fe80::1]:7420"). */
#ifndef HZ_NET_H
#define HZ_NET_H

#include "huzhu/huzhu.h"

#include "../store/store.h"

#define HZ_SYNC_PORT 7420
/* LAN discovery (proto/discovery.md): beacons go to this UDP port, every
 * HZ_BEACON_MS (80 % to 120 % of it), on every up interface that is not
 * loopback, by IPv4 broadcast and IPv6 link-local multicast. A device
 * heard is dialled again as core/redial.h says, as a configured peer. */
#define HZ_DISCOVERY_PORT 7421
/* IPv6 beacons go to all nodes of the link (proto/discovery.md). */
#define HZ_DISCOVERY_GROUP6 "ff02::1"
#define HZ_BEACON_MS 5000u
/* Sessions a serving node answers at once; more are closed at accept. */
#define HZ_INBOUND_MAX 64u
/* A session with nothing from the peer this long is closed (a live peer
 * sends at least a keepalive every HZ_KEEPALIVE_MS). */
#define HZ_IDLE_TIMEOUT_MS 60000u

/* Does @text parse as an address (as above)? 0 or HZ_EINVAL. */
int net_addr_check(const char *text, struct hz_err *err);

struct net_result {
    struct sync_sess_stats st;
    struct hz_ingest_stats got;
    uint8_t peer[32];
    bool have_peer;
    double seconds;
    char addr[80]; /* the peer's address */
    bool dialled;  /* this node dialled it (a configured peer, or sync) */
};

/* One session with the node at @addr. 0 when both sides caught up;
 * otherwise the refusal or failure (HZ_ENETWORK in no network, ...). */
int net_sync(hz_node *n, const char *addr, struct net_result *out,
             struct hz_err *err);

/* What a serving node tells its caller. */
struct net_serve_opts {
    const char *listen;   /* ADDR:PORT; port 0 picks one */
    const char *lock_dir; /* the node directory: one serve per node */
    void *data;
    /* Listening, on @port. */
    void (*ready)(void *data, int port);
    /* A session ended: @rv 0 when both sides caught up, else why; the
     * peer's key when it proved one. */
    void (*ended)(void *data, int rv, const struct hz_err *err,
                  const struct net_result *r);
    /* Send and hear beacons (proto/discovery.md); and, when discovery
     * cannot start (the port is taken), why (NULL: nothing said). */
    bool discovery;
    void (*no_discovery)(void *data, const char *why);
};

/* net_serve's answer when another process gave the node a new key (huzhu
 * rekey) or put it into another network while it served: the handle, and
 * every handshake made with it, would prove the old identity. The caller
 * opens the node again and serves with the new one. */
#define NET_SERVE_STALE 1

/* Serve @n until SIGINT or SIGTERM (then 0) or until the node's key or
 * network changes underneath (then NET_SERVE_STALE, within a second; the
 * sessions end first): answer sessions, and dial
 * the configured peers (huzhu peer add; read again every second) and
 * redial them with backoff and jitter (core/redial.h). Sessions stay open and
 * push. HZ_EBUSY when another serve holds the node, HZ_ENETWORK in no network
 * (DECISIONS 32), HZ_EINVAL for an address that does not parse, HZ_EIO when it
 * cannot listen. */
int net_serve(hz_node *n, const struct net_serve_opts *o, struct hz_err *err);

/* A node in no network yet serves its web interface alone (DECISIONS 32
 * forbids only sync): hold the serve lock and wait until SIGINT or
 * SIGTERM (then 0), or until @joined(@data), asked every second, says the
 * node is in a network now (then 1: call net_serve). HZ_EBUSY when
 * another serve holds the node. */
int net_wait_network(const struct net_serve_opts *o, bool (*joined)(void *data),
                     void *data, struct hz_err *err);

#endif
