/* include/huzhu/node.h - one replica on disk: create it, open it, write to
 * it, read from it, and take in entries written elsewhere. */
#ifndef HUZHU_NODE_H
#define HUZHU_NODE_H

#include "huzhu/error.h"
#include "huzhu/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hz_node hz_node;

/* What the library may ask of the world. NULL members use the real wall
 * clock and libsodium's randombytes. */
struct hz_env {
    void *data;
    uint64_t (*now_ms)(void *data); /* wall clock; may be wrong */
    void (*random)(void *data, void *buf, size_t len);
};

enum hz_open_flags {
    HZ_OPEN_READONLY = 1u << 0, /* reads and bundle export only */
};

#define HZ_NODE_OPTS_VERSION 1

struct hz_node_opts {
    int version;              /* HZ_NODE_OPTS_VERSION */
    unsigned flags;           /* enum hz_open_flags */
    const struct hz_log *log; /* borrowed for the node's life; may be NULL */
    const struct hz_env *env; /* borrowed for the node's life; may be NULL */
};

#define HZ_ROW_HEX_LEN 32 /* row ids: 32 lowercase hex digits */
#define HZ_KEY_HEX_LEN 64 /* keys and hashes: 64 lowercase hex digits */
/* Seconds a time typed for something already done (a volunteer's
 * service) may be ahead of the node's clock: two devices' clocks a few
 * minutes apart, not a time in the future. */
#define HZ_FUTURE_SLACK_S 600

/* One-time library initialisation (libsodium). Safe to call again.
 * Returns 0 or HZ_EIO. */
HZ_API HZ_NODISCARD int hz_init(void);

/* Create a node in @dir (copied): a new directory, or an existing empty
 * one. Generates the node's key pair (written 0600, never printed) and the
 * database. @name (copied) is the node's human name. On success *out owns
 * the node. Errors: HZ_EEXIST (already a node or not empty), HZ_EIO. */
HZ_API HZ_NODISCARD int hz_node_create(const char *dir, const char *name,
                                       const struct hz_node_opts *opts,
                                       hz_node **out, struct hz_err *err);

/* Open the node in @dir (copied). Never creates one: a directory that is
 * not a node is HZ_ENOTNODE; a database from a newer huzhu is
 * HZ_EVERSION. On success *out owns the node; release it with
 * hz_node_close(). */
HZ_API HZ_NODISCARD int hz_node_open(const char *dir,
                                     const struct hz_node_opts *opts,
                                     hz_node **out, struct hz_err *err);

/* Release the node; NULL is fine. */
HZ_API void hz_node_close(hz_node *node);

/* The node's public key as 64 lowercase hex digits into @out (65 bytes). */
HZ_API void hz_node_key_hex(const hz_node *node, char *out);

/* ---- Writing: one user action is one batch, committed as one entry (or
 * several when it exceeds the per-entry limits), in one transaction. */

typedef struct hz_batch hz_batch;

/* A column and the text a person typed for it; "" clears the field. */
struct hz_field {
    const char *col;
    const char *value;
};

HZ_API HZ_NODISCARD int hz_batch_open(hz_node *node, hz_batch **out,
                                      struct hz_err *err);
HZ_API void hz_batch_close(hz_batch *b);

/* Set fields of an entity row, or insert an event row. @id (copied) is 32
 * lowercase hex, or NULL for a new random id. Strings are copied. The row
 * id is written to @id_out (33 bytes) when not NULL. Values are checked at
 * commit. */
HZ_API HZ_NODISCARD int hz_batch_put(hz_batch *b, const char *table,
                                     const char *id, size_t n_fields,
                                     const struct hz_field *fields,
                                     char *id_out, struct hz_err *err);

/* Tombstone an entity row. */
HZ_API HZ_NODISCARD int hz_batch_del(hz_batch *b, const char *table,
                                     const char *id, struct hz_err *err);

/* Limit @b to what a web account of @role ("admin", "coordinator",
 * "site" or "viewer") may write: commit then refuses with HZ_EPERM, and
 * writes nothing, when an operation is one that a device of that role
 * (with @site, 32 hex, for "site"; NULL otherwise) could not write
 * (DECISIONS 18). The node's own certificate still applies as well.
 * "health" (a web account only, no certificate role; proto/schema.md,
 * "Care and health") writes only care_visits, health_checks and
 * disinfections: as a site device of @site when it has one (rows naming
 * that site), else as a coordinator.
 * HZ_EINVAL for an unknown role or a site that does not parse. */
HZ_API HZ_NODISCARD int hz_batch_limit(hz_batch *b, const char *role,
                                       const char *site, struct hz_err *err);

/* Name the staff account that makes @b (a web write): every entry of the
 * batch then also records it, as a row of `recorded_by` (schema version
 * 2), so a row's history shows who made each change, on every node. An
 * account name is 1 to HZ_ACCOUNT_LEN_MAX bytes (HZ_EINVAL otherwise). */
#define HZ_ACCOUNT_LEN_MAX 64
HZ_API HZ_NODISCARD int hz_batch_by(hz_batch *b, const char *account,
                                    struct hz_err *err);

/* Check, sign, store and apply the batch in one transaction: all of it or
 * nothing. *@n_entries (may be NULL) gets the entries written (0 when every
 * op was a no-op: an event written again with the same id and content).
 * Errors: HZ_ESCHEMA, HZ_EVALUE, HZ_ENOTFOUND (a referenced row),
 * HZ_EDELETED, HZ_ECONFLICT (event id reused with other content), HZ_EBUSY,
 * HZ_ENOSPC, HZ_EREADONLY, HZ_EIO; in a network, when this device may not
 * write it: HZ_EPERM (its role does not allow it), HZ_EREVOKED (past its
 * cut-off) or HZ_ENOCERT (it holds no certificate yet), with the reason
 * of proto/trust.md, "Authorization", in @err. */
HZ_API HZ_NODISCARD int hz_node_commit(hz_node *node, hz_batch *b,
                                       size_t *n_entries, struct hz_err *err);

/* ---- Reading. JSON results are UTF-8, owned by the caller, released with
 * hz_free_string(). Machine output never depends on the language. */

HZ_API void hz_free_string(char *s);

/* One row as a JSON object. A deleted row gives {"id":..,"deleted":true}
 * and HZ_EDELETED. HZ_ENOTFOUND when the node holds no such row. */
HZ_API HZ_NODISCARD int hz_node_get(hz_node *node, const char *table,
                                    const char *id, char **json,
                                    struct hz_err *err);

/* Rows as a JSON array, tombstones hidden, every `where` pair ANDed (values
 * are parsed like hz_batch_put values). */
HZ_API HZ_NODISCARD int hz_node_ls(hz_node *node, const char *table,
                                   size_t n_where, const struct hz_field *where,
                                   char **json, struct hz_err *err);

/* The history of one row: every applied entry that wrote it, oldest
 * first (by clock, then entry id), as a JSON array of {"entry", "author",
 * "author_name" (from its certificate, or null), "seq", "time_ms", "op"
 * ("set", "del", "ins"), "fields" ({column: value} as written; {} for a
 * del), "account" (the staff account of a web write, or null)}.
 * HZ_ESCHEMA for an unknown table, HZ_EINVAL for a bad id, HZ_ENOTFOUND
 * when no applied entry wrote the row. */
HZ_API HZ_NODISCARD int hz_node_history(hz_node *node, const char *table,
                                        const char *id, char **json,
                                        struct hz_err *err);

/* A named view as JSON: "occupancy", "presence", "stock", "received",
 * "vulnerable", "village", "villages", "volunteer_periods",
 * "volunteer_hours" (arrays of rows), "unaccounted"
 * ({"rows", "totals"}; proto/schema.md, "Who is not accounted for";
 * proto/cli.md, "show"). */
HZ_API HZ_NODISCARD int hz_node_view(hz_node *node, const char *view,
                                     char **json, struct hz_err *err);

/* The rows of a view of rows (any but "unaccounted": HZ_EINVAL), each as
 * one compact JSON object handed to @fn (valid during the call), in the
 * order hz_node_view gives them, so that a township's 100,000 households
 * are never held at once; a non-zero return stops and is returned. */
HZ_API HZ_NODISCARD int
hz_node_view_rows(hz_node *node, const char *view,
                  int (*fn)(void *data, const char *json, struct hz_err *err),
                  void *data, struct hz_err *err);

/* Persons and households a person looking for them would mean by @q
 * (1 to 64 bytes of UTF-8), through the node's search index:
 * {"persons": [...], "households": [...]}, at most @limit (1 to 100) of
 * each, rows as hz_node_ls gives them. One character finds the names that
 * start with it (a surname); two or more, the names that contain @q (a
 * two-character name) and households whose village contains it; 4 or more
 * digits (an X allowed last), the phones and ID numbers that end with
 * them; 2 or more ASCII letters, the names whose pinyin or pinyin initials
 * start with them ("zhangsan", "zs"). Exact names first, then names
 * starting with @q. HZ_EINVAL for a
 * @q or @limit out of bounds. */
HZ_API HZ_NODISCARD int hz_node_search(hz_node *n, const char *q, size_t limit,
                                       char **json, struct hz_err *err);

/* The persons and households the node holds that a new household may
 * repeat: @household is a JSON object with "village", "phone" and
 * "members" (objects with "name", "birth_year", "id_number", "phone");
 * *@json an array of {"kind": "person"|"household", "id", "why":
 * "id_number"|"name_birth_village"|"phone", and the row's name,
 * head_name, household, birth_year, village}, each row once. */
HZ_API HZ_NODISCARD int hz_node_duplicates(hz_node *node, const char *household,
                                           char **json, struct hz_err *err);

/* Likely duplicates across the whole replica (huzhu dups;
 * proto/roster.md, "Likely duplicates"): {"groups": [{"kind": "persons"
 * | "households", "why", "score", "persons" | "households": [rows]}],
 * "t2s": whether traditional characters were compared as simplified},
 * strongest first. Rows merged into another are left out. */
HZ_API HZ_NODISCARD int hz_node_dups(hz_node *node, char **json,
                                     struct hz_err *err);

/* The township's reports (proto/reports.md) as JSON: @report is
 * "disaster" (figures per village and for the township, the facilities,
 * the previous submitted report and the changes since, and with
 * @o->explain the lists behind every figure), "relief" (the household
 * relief list, D03001-D03010), "completeness" (who is not accounted
 * for, per village, with the cadre and a phone; @o->village for one),
 * "submitted" (the submitted reports, newest first; with @o->id that one
 * alone, with its figures), "organisations" (the catalogue of social
 * forces, searched by @o->skill, item and village, or @o->id alone, each
 * flagged stale when not confirmed within @o->stale_days of @o->now),
 * "volunteer" (the service record of volunteer @o->id, with its totals
 * by site and by task; proto/schema.md, "Volunteer hours"), "campaigns"
 * (the warning notices, each with its households reached and not yet
 * reached; @o->id for one) or "campaign" (notice @o->id per village, per
 * responsible cadre and per household, the unreached vulnerable first;
 * proto/schema.md, "Warning campaigns"). @o->kind,
 * date, area and now only label a disaster report. HZ_EINVAL for an
 * unknown report or a bad id; HZ_ENOTFOUND for no such submitted
 * report. */
/* One line of the lists behind a disaster report's figures
 * (proto/reports.md, "Lists behind the figures"); the texts are valid
 * during the call. */
struct hz_explain_line {
    const char *figure;    /* a figure's key: "affected", "collapsed_hh" */
    const char *village;   /* or NULL */
    const char *kind;      /* "person", "household" or "facility" */
    const char *household; /* 32 hex, or NULL */
    const char *head_name; /* or NULL */
    const char *person;    /* 32 hex, or NULL */
    const char *name;      /* or NULL */
    const char *facility;  /* or NULL */
    bool has_value;        /* rooms, crops, loss */
    bool real;             /* the value is @r (crops), else @i */
    int64_t i;
    double r;
    const char *json; /* the line as one compact JSON object, the shape of
                         the "explain" array's (no newline in it) */
};

struct hz_report_opts {
    const char *kind;    /* "initial", "daily", "verified" */
    const char *date;    /* YYYY-MM-DD */
    const char *area;    /* the reporting unit, or NULL */
    const char *id;      /* a submitted report's id, or NULL */
    const char *village; /* completeness: only this village, or NULL;
                            campaign: only its households listed */
    const char *by;      /* hxl: "village" (default) or "site" */
    int64_t now;         /* Unix seconds: when the report is made */
    bool explain;
    /* With @explain, each line of the lists in their order to @explain_fn
     * instead of the JSON's "explain" array, so that a large township's
     * lists (a million lines) are never held at once; a non-zero return
     * stops the report and is returned. NULL: the array. */
    int (*explain_fn)(void *data, const struct hz_explain_line *l,
                      struct hz_err *err);
    void *explain_data;
    /* disclosure: each row of the "ledger" list in its order, as one
     * compact JSON object (the shape of the array's rows, no newline in
     * it, valid during the call), to @rows_fn instead of the JSON's
     * "ledger" array, so that a township's 100,000 rows are never held
     * at once; a non-zero return stops the report and is returned. NULL:
     * the array, all of it, or with @rows_limit > 0 at most @rows_limit
     * rows from row @rows_offset (0 the first): a page. Either way
     * "ledger_count" counts every row (proto/reports.md, "Donation
     * disclosure"). campaign: the same for its "households" (then an
     * empty array), the rows its filters let through ("households_count"
     * counts them). */
    int (*rows_fn)(void *data, const char *json, struct hz_err *err);
    void *rows_data;
    uint64_t rows_offset, rows_limit;
    const char *skill;         /* organisations: services or teams hold it */
    const char *item;          /* organisations: stocks or equipment hold it */
    int64_t stale_days;        /* organisations: 0 is the default, 30 */
    int64_t care_days;         /* care_due: 0 is the default, 7 */
    int64_t outbreak_k;        /* outbreaks: persons, 0 is the default, 3 */
    int64_t outbreak_window_h; /* outbreaks: hours, 0 is the default, 48 */
    /* health_checks, outbreaks: the reader may see health data (the
     * node's operator, a web account of the role health). */
    bool health;
    /* campaign: only this cadre's households listed, or NULL. With
     * @village, @cadre or @rows_limit the sums stay the whole campaign's
     * and "households_count" says how many rows the filters let through
     * (the page is @rows_limit of them from @rows_offset). */
    const char *cadre;
};
HZ_API HZ_NODISCARD int hz_node_report(hz_node *node, const char *report,
                                       const struct hz_report_opts *o,
                                       char **json, struct hz_err *err);

/* Concurrent writes kept for review, as a JSON array. */
HZ_API HZ_NODISCARD int hz_node_conflicts(hz_node *node, char **json,
                                          struct hz_err *err);

/* The state hash (proto/state-hash.md), 64 hex digits into @out. */
HZ_API HZ_NODISCARD int hz_node_state_hash(hz_node *node, char *out,
                                           struct hz_err *err);

/* What this node holds: per author, the highest contiguous seq and its
 * entry id (proto/bundle.md, "Vector"). */
HZ_API HZ_NODISCARD int hz_node_vector(hz_node *node, char **json,
                                       struct hz_err *err);

/* Counts and flags: entries by state, pending and missing ranges, forks,
 * skewed authors, rejected entries with reasons. */
HZ_API HZ_NODISCARD int hz_node_status(hz_node *node, char **json,
                                       struct hz_err *err);

/* Re-verify every stored entry (encoding, signature, chain links) and the
 * database (PRAGMA integrity_check). 0, or HZ_ECORRUPT naming the first
 * failure. *@n_checked (may be NULL) gets the entries checked. */
HZ_API HZ_NODISCARD int hz_node_log_verify(hz_node *node, uint64_t *n_checked,
                                           struct hz_err *err);

/* ---- Backups */

/* Write a consistent copy of the node's database to @path (through a
 * temporary file, fsynced and renamed), while the node may be in use.
 * The copy never holds the node's key. */
HZ_API HZ_NODISCARD int hz_node_backup(hz_node *node, const char *path,
                                       struct hz_err *err);

/* Make a new node in @dir from the backup @backup: it gets a key of its
 * own (the backup's key is remembered as "restored_from"), so restoring
 * onto new hardware never forks the old device's identity. The restored
 * log is verified. On success *out owns the node. */
HZ_API HZ_NODISCARD int hz_node_restore(const char *dir, const char *backup,
                                        const char *name,
                                        const struct hz_node_opts *opts,
                                        hz_node **out, struct hz_err *err);

#endif
