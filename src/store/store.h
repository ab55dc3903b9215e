/* store.h - the part of the store that the network and web layers may
 * use (src/net, src/http): moving whole entries in and out of a node.
 * Everything else they need is the public API (include/huzhu). The
 * store's private headers (node/node.h and the per-concern headers, all
 * gathered by internal.h) stay inside src/store and the tests;
 * tests/unit/layers.sh fails the build's tests when net or http include
 * them. */
#ifndef HZ_STORE_H
#define HZ_STORE_H

#include "huzhu/bundle.h"
#include "huzhu/node.h"

#include "../core/roster.h"
#include "../core/session.h"
#include "../core/syncmsg.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Call @cb with the bytes of every entry the node holds: the log in
 * arrival order, then fork evidence, then pending entries, from one
 * snapshot. Stops and returns @cb's value when it is not 0. */
int store_relay_each(hz_node *n,
                     int (*cb)(void *data, const uint8_t *p, size_t len),
                     void *data, struct hz_err *err);
/* Take in @count entries (bytes and lengths) in one transaction, with
 * exactly the checks of a bundle import. Refused entries are counted in
 * stats->refused and change nothing; a failure of the node itself (disk,
 * memory) rolls the whole batch back and is returned. */
int store_relay_ingest(hz_node *n, size_t count, const uint8_t *const *p,
                       const size_t *len, struct hz_ingest_stats *stats,
                       struct hz_err *err);
/* store_relay_ingest, and @from (@count of them) gets whose each entry is
 * (a live session's; core/syncmsg.h). */
int store_relay_ingest_from(hz_node *n, size_t count, const uint8_t *const *p,
                            const size_t *len, struct sync_from *from,
                            struct hz_ingest_stats *stats, struct hz_err *err);

/* What this node needs to open a live-sync channel (proto/sync.md): the
 * network secret, its device key pair (libsodium's 64-byte secret key;
 * borrowed from the node) and the chain it shows (owned: free with
 * store_channel_self_close). HZ_ENETWORK in no network (DECISIONS 32),
 * HZ_ENOCERT without a certificate in effect. */
struct store_self {
    uint8_t secret[32];
    const uint8_t *pk, *sk;
    uint8_t *chain;
    size_t chain_len;
};
int store_channel_self(hz_node *n, struct store_self *out, struct hz_err *err);
void store_channel_self_close(struct store_self *s);
/* May the device that proved @key in a handshake, showing @chain, open a
 * channel with this node? 0, or the refusal with its reason
 * (proto/sync.md, "The chain a peer shows"). Reads only. */
int store_channel_judge(hz_node *n, const uint8_t *key, const uint8_t *chain,
                        size_t len, struct hz_err *err);

/* This node's vector, author by author in key order: its chain's top
 * seq and the entry id there (proto/bundle.md, "Vector"; the live-sync
 * vector message, proto/sync.md). One snapshot. */
int store_vector_each(hz_node *n,
                      int (*cb)(void *data, const struct sync_has *h,
                                struct hz_err *err),
                      void *data, struct hz_err *err);
/* The store's side of a live-sync session (core/session.h) for @n:
 * judging the peer, our vector, what the peer lacks at each of its
 * vector rounds and what the node gains later (pushed by arrival
 * number), and ingest in one transaction per entries message, counted
 * into @got. Set n, call store_sync_io, and store_sync_close at the end;
 * the rest is the store's. */
enum { ROUND_CHAINS, ROUND_FORKS, ROUND_PENDING };
/* What the node's database has seen committed: this handle's commits and
 * the data_version of its connection (everyone else's). Two equal stamps
 * of one handle: nothing was committed in between (store_change_stamp). */
struct store_stamp {
    int64_t data_version;
    uint64_t commits;
};

struct store_sync {
    hz_node *n;
    struct hz_ingest_stats got;
    /* pushing: the last number sent from the log, forks and pending */
    bool pushing;
    int64_t push[3];
    /* the store as it was at the last push that sent all there was: no
     * need to look again until it changes */
    bool pushed_all;
    struct store_stamp pushed_at;
    /* a round being sent: authors in key order and where in them, then
     * forks and pending after @after up to the marks @upto */
    bool in_round;
    int phase, last_phase;
    int64_t upto[3], after;
    uint8_t (*authors)[HZ_KEY_LEN];
    size_t n_authors, i_author;
    uint64_t next_seq; /* 0: from the peer's vector */
    struct sync_has *has;
    size_t n_has;
};
void store_sync_io(struct store_sync *ctx, struct sync_io *io);
/* Every author in the log with its chain's top seq (hash left zero), in
 * key order, in *@out (owned: free): what the node holds now, for how far
 * behind a peer is (sync_sess_lag). One snapshot. */
int store_tops(hz_node *n, struct sync_has **out, size_t *count,
               struct hz_err *err);
void store_sync_close(struct store_sync *ctx);

/* ---- live sync's own bookkeeping (members/contacts.c): this node's,
 * never replicated (proto/storage.md, tables peer and contact) */

/* The file a serving process holds a lock on: one serve per node. */
#define HZ_SERVE_LOCK "serve.lock"
/* Is a serve running on the node directory @dir? */
bool store_serving(const char *dir);

/* Configured peers (huzhu peer): @addr as the caller checked it. Adding
 * one held already changes nothing (*@added false); removing one not
 * held is HZ_ENOTFOUND. */
int store_peer_add(hz_node *n, const char *addr, bool *added,
                   struct hz_err *err);
int store_peer_remove(hz_node *n, const char *addr, struct hz_err *err);
/* Each configured peer's address, in order, from one snapshot. */
int store_peer_addrs(hz_node *n, int (*cb)(void *data, const char *addr),
                     void *data, struct hz_err *err);
/* A dial of a configured peer failed before any device proved itself
 * (@error), or reached one (@error NULL). */
int store_peer_tried(hz_node *n, const char *addr, const char *error,
                     struct hz_err *err);

/* Sessions: a serve starts with no device connected; a session whose
 * peer proved @key opened (we @dialled @addr, or it dialled us from
 * there); one ended with what it moved. */
int store_contact_reset(hz_node *n, struct hz_err *err);
/* How a contact was found: it dialled us, or we dialled it as a
 * configured peer, or as a device heard on the LAN (proto/discovery.md). */
enum store_found {
    STORE_FOUND_DIALLED_US = 0,
    STORE_FOUND_CONFIGURED = 1,
    STORE_FOUND_DISCOVERED = 2,
};
int store_contact_open(hz_node *n, const uint8_t *key, const char *addr,
                       enum store_found found, struct hz_err *err);
struct store_contact_news {
    bool connected; /* still (a session that caught up) */
    bool synced;    /* both answered the first round */
    uint64_t sent, received;
    const char *error; /* why it ended, or NULL */
    bool lag_known;    /* store_sync_lag: how far behind each side is */
    uint64_t they_lack, we_lack;
};
int store_contact_end(hz_node *n, const uint8_t *key, const char *addr,
                      enum store_found found,
                      const struct store_contact_news *news,
                      struct hz_err *err);

/* ---- what the web layer asks of the node (node/node.c) */

/* SQLite's data_version of the node's connection: it changes whenever
 * another connection (a serving loop's ingest, a CLI write) commits, never
 * for this connection's own commits. */
int store_data_version(hz_node *n, int64_t *out, struct hz_err *err);
/* LAN discovery (proto/discovery.md): the beacon keys of the bundle keys
 * this node holds, HZ_BEACON_KEY_LEN bytes each in *@keys (owned: free),
 * the one to seal with first. */
int store_beacon_keys(hz_node *n, uint8_t **keys, size_t *count,
                      struct hz_err *err);
int store_change_stamp(hz_node *n, struct store_stamp *out, struct hz_err *err);
/* The node's wall clock (its environment's: the simulator's is virtual),
 * ms since the Unix epoch. */
uint64_t store_now_ms(hz_node *n);
/* Has another process given the node a new key (huzhu rekey) or put it
 * into a network (network create, join) since @n was opened? A handle
 * that writes (the web's) must then be opened again: it would sign with
 * the old key, or for the old network. */
bool store_node_stale(hz_node *n);
/* hz_node_view's answer as JSON values, not text (state/views.c): the web
 * filters and sends it without parsing it again. With @site (16 bytes),
 * the views whose rows name a site (occupancy, presence, stock,
 * vulnerable: where the person is now) hold only that site's rows, and
 * the database makes only those; the others ignore it. */
struct json_t;
int store_view_json(hz_node *n, const char *view, const uint8_t *site,
                    struct json_t **out, struct hz_err *err);
/* Whether @view is one of rows and totals (unaccounted), whose totals
 * are the whole node's, so that its rows are not to be filtered. */
bool store_view_totals(const char *view);
/* @village (NULL: all of them) as a household names it: one that no
 * household names is HZ_ENOTFOUND, for a list of who is not accounted for
 * in a misspelt village would otherwise read as everyone accounted for
 * (report completeness, the web's views filtered by village). */
int store_village_known(hz_node *n, const char *village, struct hz_err *err);
/* The same rows handed to @fn one by one (borrowed during the call) and
 * never held all at once; a non-zero return stops and is returned. Views
 * of rows only: "unaccounted" (rows and totals) is HZ_EINVAL. */
int store_view_each(hz_node *n, const char *view, const uint8_t *site,
                    int (*fn)(void *data, struct json_t *row,
                              struct hz_err *err),
                    void *data, struct hz_err *err);
/* Set "author" (the key that signed it, hex), "author_name" (the
 * writing device's name: its certificate's, or
 * this node's own for its entries; else null) and "account" (the staff
 * account a web write names; else null) of applied entry @eid (32 bytes)
 * in @obj (state/history.c). Local knowledge, so never part of what
 * replicas must agree on (conflicts and views stay as they are). */
int store_entry_who(hz_node *n, const uint8_t *eid, struct json_t *obj,
                    struct hz_err *err);
/* The node's human name, owned by the caller (free). */
int store_node_name(hz_node *n, char **name, struct hz_err *err);
/* Whether @n holds a warning notice of the sender and identifier of an
 * alert (in CAP they name it): one imported before is not written again
 * (huzhu alert import, POST /api/import/cap). Its id into @id
 * (HZ_ROW_HEX_LEN + 1 bytes) when it does. */
bool store_alert_notice(hz_node *n, const char *sender, const char *identifier,
                        char *id);

/* ---- staff accounts of the web interface (members/accounts.c;
 * DECISIONS 38): this node's, never replicated (proto/storage.md, table
 * account) */

#define STORE_ACCOUNT_NAME_MAX 64u
#define STORE_PASSWORD_MIN 8u
#define STORE_PASSWORD_MAX 512u
#define STORE_PW_HASH_LEN 128u
/* Argon2id, 32 MiB, 2 passes (DECISIONS 38). */
#define STORE_PW_OPS 2u
#define STORE_PW_MEM (32u << 20)

struct store_account {
    char name[STORE_ACCOUNT_NAME_MAX + 1];
    char role[16];                /* admin, coordinator, site, viewer */
    char site[33];                /* a site account's site row, else "" */
    char hash[STORE_PW_HASH_LEN]; /* crypto_pwhash_str */
    int64_t serial;               /* new at every add, passwd, rm */
};

bool store_account_role_known(const char *role);
/* 0, or HZ_EINVAL with the rule the name breaks. */
int store_account_name_check(const char *name, struct hz_err *err);
/* 0, or HZ_EINVAL when @pw is shorter or longer than allowed. */
int store_password_check(const char *pw, struct hz_err *err);
/* Argon2id of @pw into @out (a crypto_pwhash_str string): about 32 MiB
 * and a tenth of a second; the web runs it off its loop. */
int store_password_hash(const char *pw, char out[STORE_PW_HASH_LEN],
                        struct hz_err *err);
/* Does @pw match @hash? *@rehash then says whether the hash was made
 * with other parameters than today's (hash it again). */
bool store_password_verify(const char *hash, const char *pw, bool *rehash);

/* HZ_EEXIST when an account has the name. */
int store_account_add(hz_node *n, const struct store_account *a,
                      struct hz_err *err);
/* HZ_ENOTFOUND when none has it. */
int store_account_get(hz_node *n, const char *name, struct store_account *out,
                      struct hz_err *err);
/* The account's serial, or HZ_ENOTFOUND (a web session's check). */
int store_account_serial(hz_node *n, const char *name, int64_t *serial,
                         struct hz_err *err);
/* A new password hash; @end_sessions gives a new serial (user passwd),
 * a rehash at login keeps it. HZ_ENOTFOUND. */
int store_account_set_hash(hz_node *n, const char *name, const char *hash,
                           bool end_sessions, struct hz_err *err);
int store_account_remove(hz_node *n, const char *name, struct hz_err *err);
/* Accounts as a JSON array of {name, role, site, created_ms, changed_ms},
 * by name; never a hash. */
int store_account_list(hz_node *n, char **json, struct hz_err *err);

/* ---- the county mirror's view of the node (state/changes.c; DECISIONS
 * 43, proto/storage.md table chg) */

/* Make what the mirror reads the changes by: the index of each entity
 * table's chg (proto/storage.md, "The change counter"; a node that is
 * never mirrored does not pay for it). Once before the first pass. */
int store_changes_ready(hz_node *n, struct hz_err *err);
/* The node's change counter (the last number given, 0 when nothing
 * changed), its state hash (2 * 32 hex digits and a NUL into
 * @state_hash; NULL: not wanted, it reads every row) and its network
 * (2 * 16 hex digits and a NUL into @network), from one snapshot. */
int store_changes_top(hz_node *n, int64_t *counter, char *state_hash,
                      char *network, struct hz_err *err);
/* The rows changed after @after up to @upto, at most @max of them, in
 * counter order, from one snapshot, as a JSON array in *@out (owned:
 * json_decref) of {"counter", "table", "id" (32 hex), "row" (the row as
 * huzhu ls gives it, with "deleted": true on a tombstoned row; null when
 * the node holds the row no more), "conflicts" (the row's, as huzhu
 * conflicts lists them)}. A row of a table this build does not know is
 * left out. *@last gets the highest number read (@after when none): the
 * next call starts after it. */
#define STORE_CHANGES_MAX 10000u
int store_changes_since(hz_node *n, int64_t after, int64_t upto, size_t max,
                        json_t **out, int64_t *last, struct hz_err *err);

/* ---- files/roster_import.c: a roster's households into the node (huzhu import
 * roster; proto/roster.md, DECISIONS 41) */

struct store_roster;
/* A run: @dry_run writes nothing (and matches what it would have written
 * from memory). */
int store_roster_open(hz_node *n, bool dry_run, struct store_roster **out,
                      struct hz_err *err);
/* @len bytes of an uploaded file (a roster sent to the web interface)
 * written to a new file of the node's directory, readable by its owner
 * alone, whose path goes to @path (@cap bytes): the caller reads it and
 * unlinks it. One left by a process that died reading it is removed
 * when the next is written. HZ_EIO, HZ_ENOSPC. */
int store_upload_file(hz_node *n, const void *data, size_t len, char *path,
                      size_t cap, struct hz_err *err);
/* Every entry the run writes names @account (a web import; schema.md,
 * recorded_by). HZ_EINVAL for an empty or too long name. */
int store_roster_by(struct store_roster *r, const char *account,
                    struct hz_err *err);
/* One household (@r is the run: the shape of sheet_roster_in's
 * callback); written with others in batches of one transaction each (an
 * error leaves every earlier batch written and the current one not). Its
 * persons that repeat others, in the file or in the node, are listed in
 * the run's result. */
int store_roster_household(void *r, const struct roster_household *h,
                           struct hz_err *err);
/* Write the last batch. */
int store_roster_close(struct store_roster *r, struct hz_err *err);
/* The run's result as proto/roster.md's --json gives it: {"dry_run",
 * "households": {"new", "matched", "seen", "filled"}, "persons": {"new",
 * "present", "filled", "duplicate", "elsewhere"}, "duplicates": [{"row",
 * "kind": "in_file" | "registered" | "likely", "why", "with"?,
 * "with_row"?}]}; NULL when out of memory. */
json_t *store_roster_result(const struct store_roster *r);
/* Whether the run committed entries (a dry run never does; a run that
 * failed may have, batch by batch). */
bool store_roster_wrote(const struct store_roster *r);
void store_roster_free(struct store_roster *r);

#endif
