/* state.h - the materialized state: what the applied entries say, and
 * how it is read (proto/merge.md, proto/state-hash.md).
 *
 *   apply.c   applying a decoded body, and taking an entry back when a
 *             verdict changes (DECISIONS 5): dispatches to
 *   fields.c  owner of w, sup, tomb, tomb_seen: field writes, heads,
 *             tombstones (DECISIONS 8, 9)
 *   conflicts.c  the conflicts kept for review, read from those
 *   events.c  owner of evsrc: event rows and their sources (DECISIONS 10)
 *   rows.c    owner of the materialized e_<table> and v_<table> rows
 *   query.c, views.c, hash.c   reading them as JSON, views, state hash
 *   reports.c  the township's reports (proto/reports.md)
 *   social.c   the catalogue of organisations, a volunteer's record
 *   needs.c    suggested matches of offers to needs; local checks of
 *              matches and receipts
 *   warn.c     warning campaigns: reached and unreached households */
#ifndef HZ_STORE_STATE_H
#define HZ_STORE_STATE_H

#include "../../core/body.h"
#include "../../core/entry.h"
#include "../node/node.h"

/* ---- apply.c */

/* Materialize the operations of an applied entry (inside a transaction).
 * With APPLY_LATEST the caller knows that no later entry of the author
 * is applied (the entry was just appended at the top of its chain): no
 * field write of the author can supersede this one yet, and the merge
 * need not look for one. @at is the entry's place in the log (log.n), or
 * 0 to look it up. */
enum apply_flags { APPLY_ANY = 0, APPLY_LATEST = 1 };
int apply_body(struct hz_node *n, const struct entry *e, int64_t at,
               const struct body *b, unsigned flags, struct hz_err *err);
/* Take back everything entry @eid did, and recompute what it touched. @b
 * is its body when the caller has it decoded; NULL: read back from the
 * log (the facts are found by the rows its ops name, storage.md). */
int apply_undo(struct hz_node *n, const uint8_t *eid, const struct body *b,
               struct hz_err *err);
/* Entering a network: every fact and materialized row goes. */
int apply_clear(struct hz_node *n, struct hz_err *err);

/* ---- fields.c: entity rows' field writes, heads and tombstones */

/* A set operation of entry @e, at @at in the log (log.n): every field
 * write, with the writes it names as superseded. */
int fields_set(struct hz_node *n, const struct entry *e, int64_t at,
               const struct op *o, unsigned flags, struct hz_err *err);
/* A tombstone of entry @e. */
int fields_tomb(struct hz_node *n, const struct entry *e, const struct op *o,
                struct hz_err *err);
/* Remove the writes and tombstones of @eid and recompute their fields:
 * @eid is at @at in the log (0: not held, so it wrote nothing), by author
 * @a (names.k), its body @b (NULL only when @at is 0). */
int fields_undo(struct hz_node *n, const uint8_t *eid, int64_t at, int64_t a,
                const struct body *b, struct hz_err *err);
/* The ids of the current heads of one field (@col) or, with @col NULL,
 * of every field of the row, sorted; more than @max is HZ_ETOOBIG. */
int fields_heads(struct hz_node *n, const struct table_def *t,
                 const uint8_t *row, const char *col,
                 uint8_t (*out)[HZ_HASH_LEN], size_t max, size_t *count,
                 struct hz_err *err);
int fields_clear(struct hz_node *n, struct hz_err *err);
/* Each applied entry that wrote fields of the row or tombstoned it, by
 * its arrival number (log.n), to @fn; an entry that did both, twice. */
typedef int (*state_source_fn)(void *data, int64_t at, struct hz_err *err);
int fields_sources(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, state_source_fn fn, void *data,
                   struct hz_err *err);
/* The bit of column @c of @t in the masks of w: its rank among the
 * table's columns ordered by (since, wire name), which a later schema
 * version does not change (storage.md). */
unsigned fields_col_bit(const struct table_def *t, size_t c);
/* 1 << fields_col_bit. */
uint64_t fields_col_mask(const struct table_def *t, size_t c);
/* The value of column bit @bit in the stored values @u (unpacked) of a
 * fact that wrote @wrote, borrowed from @u; HZ_ECORRUPT if it has none. */
int fields_value(const msgpack_unpacked *u, uint64_t wrote, uint64_t bit,
                 const char *what, struct value *out, struct hz_err *err);
/* Upgrading a node of format 5 or older (inside the transaction that
 * upgrades it, after db_upgrade): the field writes of w_format5, one row
 * per field, become one fact per entry and row (storage.md, "Upgrades");
 * w_format5 is dropped. */
int fields_upgrade(struct hz_node *n, struct hz_err *err);

/* ---- conflicts.c */

/* Append the conflicts kept for review ("concurrent", "delete_vs_edit";
 * proto/merge.md) to @arr. */
int fields_conflicts_json(struct hz_node *n, json_t *arr, struct hz_err *err);
/* The same for one row of @t (format 6 or newer): its conflicts appended
 * to @arr, none when it has none. */
int fields_row_conflicts_json(struct hz_node *n, const struct table_def *t,
                              const uint8_t *row, json_t *arr,
                              struct hz_err *err);

/* ---- events.c: event rows from their sources */

/* Apply insert @o of entry @e, which is at @at in the log (log.n). */
int events_insert(struct hz_node *n, const struct entry *e, int64_t at,
                  const struct op *o, struct hz_err *err);
/* Remove the inserts of the entry at @at in the log (0: none), whose
 * body is @b, and put their rows again from the sources left. */
int events_undo(struct hz_node *n, int64_t at, const struct body *b,
                struct hz_err *err);
/* The content of event row @row ([[col, value], ...]) as its lowest
 * source gave it, read back from the log, passed to @fn (borrowed);
 * *@found false when none. */
int events_content(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row,
                   void (*fn)(void *data, const uint8_t *p, size_t len),
                   void *data, bool *found, struct hz_err *err);
/* Each applied entry that inserted the row (nearly always one), by its
 * arrival number, to @fn. */
int events_sources(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, state_source_fn fn, void *data,
                   struct hz_err *err);
/* Append the "event_id_reused" conflicts to @arr. */
int events_conflicts_json(struct hz_node *n, json_t *arr, struct hz_err *err);
/* The same for one event row of @t (format 5 or newer). */
int events_row_conflicts_json(struct hz_node *n, const struct table_def *t,
                              const uint8_t *row, json_t *arr,
                              struct hz_err *err);
int events_clear(struct hz_node *n, struct hz_err *err);

/* ---- rows.c: the materialized rows */

int rows_ensure(struct hz_node *n, const struct table_def *t,
                const uint8_t *row, struct hz_err *err);
int rows_delete(struct hz_node *n, const struct table_def *t,
                const uint8_t *row, struct hz_err *err);
/* Set one column; @v NULL writes NULL. */
int rows_set_field(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const struct col_def *c,
                   const struct value *v, struct hz_err *err);
int rows_set_deleted(struct hz_node *n, const struct table_def *t,
                     const uint8_t *row, bool deleted, struct hz_err *err);
/* An entity row's sole fact (format 19; fields.c): a row written by one
 * entry only keeps that fact in its own columns sole (the entry's log.n)
 * and sole_bits (the columns it wrote), not in w. at 0: none, the row's
 * facts are in w. */
struct row_sole {
    int64_t at;
    uint64_t bits;
};

/* A whole new entity row (not deleted) from @vals, one per column,
 * written by its sole fact @sole, unless a row @row is in the table:
 * *@put says whether it was written. */
int rows_insert_entity(struct hz_node *n, const struct table_def *t,
                       const uint8_t *row, const struct row_sole *sole,
                       const struct value *vals, const char *sx_doc, bool *put,
                       struct hz_err *err);
/* A whole event row from @vals, one per column, sourced from @eid. */
int rows_put_event(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const uint8_t *eid,
                   const struct value *vals, struct hz_err *err);
/* The same unless a row @row is in the table: *@put says whether it was
 * written. */
int rows_insert_event(struct hz_node *n, const struct table_def *t,
                      const uint8_t *row, const uint8_t *eid,
                      const struct value *vals, bool *put, struct hz_err *err);
/* The names.k of table @t (looked up once a node). */
int rows_table_k(struct hz_node *n, const struct table_def *t, int64_t *k,
                 struct hz_err *err);
/* Whether the row exists and whether it is deleted (entity rows). */
int rows_state(struct hz_node *n, const struct table_def *t, const uint8_t *row,
               bool *exists, bool *deleted, struct hz_err *err);
/* The same, and the row's sole fact (at 0 when none, or no row): a node
 * at format 19 (applying). */
int rows_state_sole(struct hz_node *n, const struct table_def *t,
                    const uint8_t *row, bool *exists, bool *deleted,
                    struct row_sole *sole, struct hz_err *err);
/* The row @row of @t as query_select_sql reads it: 1 with *@st on it
 * (read its columns, then sqlite3_reset it), 0 when there is none. */
int rows_read(struct hz_node *n, const struct table_def *t, const uint8_t *row,
              sqlite3_stmt **st, struct hz_err *err);
/* The row takes the values @o writes, all in one statement, numbered
 * and its search document kept in step as rows_set_field's would, and
 * holds no sole fact (fields.c put it in w): *@done, unless too many
 * sets of columns have a statement kept already (nothing written; the
 * caller writes it column by column). */
int rows_edit_sole(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const struct op *o, bool *done,
                   struct hz_err *err);
/* The row's sole fact is in w now: the row holds none. */
int rows_sole_clear(struct hz_node *n, const struct table_def *t,
                    const uint8_t *row, struct hz_err *err);
int rows_clear(struct hz_node *n, struct hz_err *err);
/* Store the change counter (txn_commit, before COMMIT), and forget what
 * this transaction numbered; rows_abandon: forget it only (a rollback). */
int rows_settle(struct hz_node *n, struct hz_err *err);
void rows_abandon(struct hz_node *n);
/* Free the statements' text (hz_node_close). */
void rows_close(struct hz_node *n);

/* ---- query.c */

/* "SELECT id, deleted|eid, "col"... FROM "x_table"" into @sql. */
void query_select_sql(const struct table_def *t, char *sql, size_t len);
/* The columns that hold a value of the row @st is on (a statement of
 * query_select_sql's columns) as [[column, value], ...] into @e: the
 * state hash's columns of a row (state-hash.md), and the content an
 * event row's sole source gave (events.c). HZ_ECORRUPT, with nothing
 * written, when a stored value cannot be one. */
int state_row_columns(struct enc *e, const struct table_def *t,
                      sqlite3_stmt *st);
/* One row of that SELECT as a JSON object (wire names; a deleted entity
 * row says "deleted": true). */
json_t *query_row_json(const struct table_def *t, sqlite3_stmt *st);
/* The rows of a report's @sql as JSON objects (db_rows_json) into a new
 * array *@rows; NULL on failure. */
int query_rows(struct hz_node *n, const char *sql, const struct db_arg *args,
               size_t n_args, json_t **rows, struct hz_err *err);

/* hash.c: the state hash (hz_node_state_hash) inside the caller's
 * transaction, into @out (2 * HZ_HASH_LEN hex digits and a NUL). */
int state_hash_txn(struct hz_node *n, char *out, struct hz_err *err);

/* ---- search.c: the search index of persons and households (sx_p, sx_h) */

/* Does the index hold column @c of @t (or any of @t, @c NULL)? */
bool search_indexes(const struct table_def *t, const struct col_def *c);
/* The row's keys from its materialized values, one document of the
 * index: taken away before the row first changes or goes in a
 * transaction (search_forget), the row then owed, and added again, read
 * back, when the transaction commits (search_settle; or once
 * HZ_SEARCH_OWED_MAX rows are owed). search_add owes a row written. */
int search_add(struct hz_node *n, const struct table_def *t, const uint8_t *row,
               struct hz_err *err);
/* search_add for a row just inserted whole (its number @number, its
 * values @vals, one a column): added at once from them, not read back
 * (@vals NULL: as search_add). @doc, when not NULL, is the document
 * search_ahead_docs made from the same values. */
int search_add_inserted(struct hz_node *n, const struct table_def *t,
                        const uint8_t *row, int64_t number,
                        const struct value *vals, const char *doc,
                        struct hz_err *err);
/* The text of documents made ahead. */
struct search_ahead;
/* Make the search document of the row each OP_SET of @b would insert
 * (o->sx_doc), from the op's values alone, into *@sa (made when NULL;
 * emptied first when not): reads nothing of a node, so an import's
 * reader thread makes them while the entry before is applied. The
 * documents stay good until the next call or search_ahead_free. */
int search_ahead_docs(struct body *b, struct search_ahead **sa,
                      struct hz_err *err);
void search_ahead_free(struct search_ahead **sa);
int search_forget(struct hz_node *n, const struct table_def *t,
                  const uint8_t *row, struct hz_err *err);
int search_clear(struct hz_node *n, struct hz_err *err);
/* A MATCH of sx_p for the persons whose phone or ID number is @text (its
 * key: the digits reversed, an X last as X, quoted): false when @text is
 * not such a number. */
bool search_number_match(const char *text, char *out, size_t cap);
/* Add the documents of the rows owed (txn_commit, before COMMIT). */
int search_settle(struct hz_node *n, struct hz_err *err);
/* Forget the rows owed (the transaction rolls back). */
void search_abandon(struct hz_node *n);
void search_close(struct hz_node *n);
/* Does the index hold exactly the keys the rows give? HZ_ECORRUPT, saying
 * which way it differs, when not (hz_node_log_verify). */
int search_verify(struct hz_node *n, struct hz_err *err);
/* Every row's keys, from the materialized rows (an upgrade to format 9). */
int search_rebuild(struct hz_node *n, struct hz_err *err);

/* ---- social.c: the social forces (hz_node_report) */

/* "organisations": {stale_days, now, organisations: [...]}, searched by
 * @o->skill, item, village (substrings), or @o->id alone (HZ_ENOTFOUND
 * when it is no live row), each flagged stale when not confirmed within
 * @o->stale_days (0: 30) of @o->now. */
int social_organisations(hz_node *n, const struct hz_report_opts *o,
                         json_t **out, struct hz_err *err);
/* "volunteer": the service record of volunteer @o->id: the volunteer
 * (ID number masked), periods, by_site, by_task, assignments,
 * total_minutes, open, made (@o->now). HZ_ENOTFOUND for no live row. */
int social_volunteer(hz_node *n, const struct hz_report_opts *o, json_t **out,
                     struct hz_err *err);
/* When a local row is checked against the state (write.c): before it is
 * written, the state then (a batch of one row); or, for a batch of
 * several whose rows may name each other (a check-in and its check-out,
 * a notice and its deliveries), what needs no state before and the rest
 * once the whole batch is applied, inside its transaction. */
enum check_stage { CHECK_BEFORE, CHECK_STATELESS, CHECK_APPLIED };
/* A volunteer_service insert of a local action (@now: the time, 0 when
 * the clock is unknown): not in the future; a check-in while the
 * volunteer has none open (applied: one open at most, counting it); a
 * check-out closing an open check-in of the same volunteer (applied: a
 * check-in this one alone closes), not before it. Receivers judge only
 * the schema's rules: these are this node's checks of what its own people
 * type. */
int social_check_service(struct hz_node *n, const struct op *o, int64_t now,
                         enum check_stage stage, struct hz_err *err);

/* ---- needs.c: needs, offers and matching (hz_node_report) */

/* "match_suggestions": {now, candidates, suggestions: [...]}: open offers
 * with something left to promise against open needs (@o->id alone when
 * given) of the same item, name or category, best first (needs.c,
 * by_rank), at most 200; offers available until before @o->now left
 * out. */
int needs_suggest(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err);
/* A matches or stock_moves insert of a local action: a promise names a
 * need and an offer held here, neither closed, cancelled nor withdrawn,
 * each with the qty left to promise; a cancellation (reverses) names a
 * promise held here, not cancelled, repeating its need, offer and qty; a
 * receipt (stock_moves.match) names a promise held here, not cancelled.
 * Receivers judge only the schema's rules (DECISIONS 4). */
int needs_check_write(struct hz_node *n, const struct op *o,
                      struct hz_err *err);
/* ---- donations.c: donations and their use (hz_node_report;
 * proto/schema.md, "Donations and their use") */

/* "disclosure": the public disclosure of the donations received by
 * organisation @o->id (HZ_ENOTFOUND when it is no live row), or of all:
 * {report, made, organisation, totals (per currency), donations, ledger,
 * villages, ledger_count}, with no personal data of recipients
 * (proto/reports.md, "Donation disclosure"); the ledger's rows to
 * @o->rows_fn instead, or a page of them (@o->rows_offset, rows_limit). */
int donations_disclosure(hz_node *n, const struct hz_report_opts *o,
                         json_t **out, struct hz_err *err);
/* A donations or ledger insert of a local action: a ledger row names a
 * donation held here, not reversed, with the amount left to commit or to
 * use; a correction (reverses) names a row held here, not reversed,
 * repeating its kind and amount (and donation), and a donation that
 * ledger rows use is not reversed. Receivers judge only the schema's
 * rules (DECISIONS 4): concurrent overdraws are flagged, not refused. */
int donations_check_write(struct hz_node *n, const struct op *o,
                          struct hz_err *err);
/* The same ledger insert once its batch is applied (inside the
 * transaction): its donation is not overdrawn, so rows of one batch that
 * each fit but together exceed what is left are refused as well. */
int donations_check_applied(struct hz_node *n, const struct op *o,
                            struct hz_err *err);

/* ---- warn.c: warning campaigns (hz_node_report; proto/schema.md,
 * "Warning campaigns") */

/* "campaigns": the live warning notices, newest sent first (or @o->id
 * alone: HZ_ENOTFOUND when it is no live row), each with its totals
 * (households, reached, unreached, unreached_vulnerable). */
int warn_campaigns(hz_node *n, const struct hz_report_opts *o, json_t **out,
                   struct hz_err *err);
/* "campaign": notice @o->id, its totals, by_village, by_cadre and its
 * households, the unreached first and among them the vulnerable. */
int warn_campaign(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err);
/* A warnings insert of a local action naming a campaign: the household
 * (the record it stands for) is one of the campaign's area's (that both
 * are live rows is checked with every reference). Receivers judge only the
 * schema's rules. */
int warn_check_delivery(struct hz_node *n, const struct op *o,
                        struct hz_err *err);

/* ---- patrol.c: patrols, hazards and duty (hz_node_report;
 * proto/schema.md, "Patrols, hazards and duty") */

/* "patrol_points": {now, points, overdue}: every live patrol point (of
 * @o->village when not NULL) with its last effective round, rounds, due
 * and overdue as at @o->now, the overdue first, and open_hazards. */
int patrol_points(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err);
/* "patrol_rounds": every round that is no correction (of point @o->id
 * when not NULL), the newest first, with reversed_by. */
int patrol_rounds(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err);
/* "hazards": {hazards, open}: every effective hazard (of @o->village when
 * not NULL) with its responses, the open ones (no effective response)
 * first, then the gravest, then the newest. */
int patrol_hazards(hz_node *n, const struct hz_report_opts *o, json_t **out,
                   struct hz_err *err);
/* "duty": {now, until, places}: per site or village that has a shift,
 * the shifts on duty at @o->now and the gaps in the next 24 hours. */
int patrol_duty(hz_node *n, const struct hz_report_opts *o, json_t **out,
                struct hz_err *err);
/* A shifts write of a local action: the shift has starts and ends (the
 * op's or the stored row's), ends after starts, and names a site or a
 * village. Receivers judge only the schema's rules. */
int patrol_check_write(struct hz_node *n, const struct op *o,
                       struct hz_err *err);

/* ---- recovery.c: recovery plans, 一户一策 (hz_node_report;
 * proto/schema.md, "Recovery plans (一户一策)"; proto/reports.md, "The
 * recovery report") */

/* "recovery_open": {now, measures, households, open}: every open
 * measure (of @o->village when not NULL) with its household record,
 * progress and age at @o->now, by village, the oldest household first. */
int recovery_open(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err);
/* "recovery_plan": {now, household, damage, measures}: the household
 * record @o->id stands for, its latest damage (or null) and its measures
 * with progress, age at @o->now and history (newest first).
 * HZ_ENOTFOUND when no live household is @o->id. */
int recovery_plan(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err);
/* "recovery": {villages, total}: the housing figures per village (of
 * @o->village when not NULL) and their sums. */
int recovery_report(hz_node *n, const struct hz_report_opts *o, json_t **out,
                    struct hz_err *err);
/* A recovery_progress row of a local action: its measure is not
 * cancelled. Receivers judge only the schema's rules. */
int recovery_check_write(struct hz_node *n, const struct op *o,
                         struct hz_err *err);
/* ---- care.c: care visits, health checks and disinfection
 * (hz_node_report; proto/schema.md, "Care and health") */

/* "care_due": {now, days, due, cadres}: the vulnerable persons not
 * visited within @o->care_days days (default 7) as at @o->now (of
 * @o->village when not NULL), per cadre, the never visited first. */
int care_due(hz_node *n, const struct hz_report_opts *o, json_t **out,
             struct hz_err *err);
/* "care_visits": every visit that is no correction (of the person @o->id
 * stands for when not NULL), the newest first, with reversed_by. */
int care_visit_list(hz_node *n, const struct hz_report_opts *o, json_t **out,
                    struct hz_err *err);
/* "health_checks": every check that is no correction (at site @o->id
 * when not NULL), the newest first; the health fields only with
 * @o->health. */
int care_health_checks(hz_node *n, const struct hz_report_opts *o, json_t **out,
                       struct hz_err *err);
/* "outbreaks": {now, threshold, window_hours, clues}: the fever and
 * symptom clues as at @o->now; each clue's list of persons only with
 * @o->health. */
int care_outbreaks(hz_node *n, const struct hz_report_opts *o, json_t **out,
                   struct hz_err *err);
/* "disinfections": {now, sites, flagged}: per shelter or disinfected
 * site its last round per area and whether none was in the last day. */
int care_disinfections(hz_node *n, const struct hz_report_opts *o, json_t **out,
                       struct hz_err *err);
/* Whether a web account of the role health may write table @t: the care
 * and health tables, and recorded_by (who made the write). */
bool care_health_may_write(const struct table_def *t);
/* A health_checks insert of a local action: temperature 34.0 .. 43.0,
 * symptoms a set of the list's wire names. Receivers judge only the
 * schema's rules. */
int care_check_write(struct hz_node *n, const struct op *o, struct hz_err *err);

#endif
