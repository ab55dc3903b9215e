/* cli.h - what the huzhu command's files share: the command table's
 * types, the parsed command line (struct form), opening the node,
 * printing results and errors (proto/cli.md is the contract). */
#ifndef HZ_CLI_H
#define HZ_CLI_H

#include "huzhu/huzhu.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes (proto/cli.md, "Exit codes"). */
enum cli_exit {
    EXIT_OK = 0,
    EXIT_FAIL = 1,     /* I/O, corrupt data, anything else */
    EXIT_USAGE = 2,    /* the command line itself is wrong */
    EXIT_NOTFOUND = 3, /* no such row, node, file */
    EXIT_INPUT = 4,    /* a value, table or column is not accepted */
    EXIT_REFUSED = 5,  /* a bundle or entry was refused */
    EXIT_BUSY = 6,     /* the database stayed busy */
    EXIT_DELETED = 7,  /* the row was deleted */
    EXIT_DENIED = 8,   /* this device may not do it (role, revocation) */
};

enum cli_lang {
    LANG_ZH,
    LANG_EN,
};

struct cli {
    const char *dir;
    bool json;
    enum cli_lang lang;
    hz_node *node;
    struct hz_log log;
};

/* Bounds of one command line (issue 19). Every value lands in a struct
 * form of fixed size; the parser refuses what would not fit, so no handler
 * counts user input into an array of its own. */
#define CLI_VALUES_MAX 128 /* options and positionals stored per command */
#define CLI_FIELDS_MAX                                                         \
    64                     /* COL=VALUE of one put, --where of one ls: the     \
                              library's bound on fields per operation */
#define CLI_MEMBERS_MAX 64 /* --member of one household add */
#define CLI_FLAGS_MAX 6    /* --flag of one person add: each flag once */
/* Bytes of one value, by kind (enum cli_kind). */
#define CLI_TEXT_LEN_MAX 4096 /* the library's bound on a text value */
#define CLI_FIELD_LEN_MAX (64 + 1 + CLI_TEXT_LEN_MAX) /* COLUMN=VALUE */
#define CLI_PATH_LEN_MAX 4095                         /* PATH_MAX - 1 */
#define CLI_TOKEN_LEN_MAX 16383 /* a join token; join --file reads as much */
#define CLI_UINT_LEN_MAX 19     /* digits of INT64_MAX */
/* A stock quantity: the schema's bound on stock_moves.qty. */
#define CLI_QTY_MAX 1000000000000u

_Static_assert(CLI_MEMBERS_MAX + 16 <= CLI_VALUES_MAX,
               "a household add with every member must fit a form");
_Static_assert(CLI_FIELDS_MAX + 2 <= CLI_VALUES_MAX,
               "a put with every field must fit a form");

/* What the dispatcher does with the node before a handler runs: the
 * flags column of the command table. */
enum cli_node {
    NODE_NONE,  /* not opened: the handler creates a node or needs none */
    NODE_READ,  /* opened read-only */
    NODE_WRITE, /* opened read-write; a card that turned read-only still
                   opens read-only (cli_open, DECISIONS 23) */
};

/* What a value is: its length bound and the form it must have. */
enum cli_kind {
    KIND_TEXT,  /* typed by people, ids, keys: CLI_TEXT_LEN_MAX bytes */
    KIND_PATH,  /* a file: CLI_PATH_LEN_MAX bytes */
    KIND_TOKEN, /* a join token: CLI_TOKEN_LEN_MAX bytes */
    KIND_FIELD, /* COLUMN=VALUE, kept as a field of the form */
    KIND_UINT,  /* decimal digits, within [lo, hi] */
};

/* One parameter of a command: an option ("--id") or a positional
 * ("TABLE"; positionals are filled in the order of the table). */
struct cli_param {
    const char *name;
    const char *arg; /* an option's value as usage shows it ("NAME");
                        NULL: the option takes no value */
    const char *col; /* the column its value sets, or NULL */
    enum cli_kind kind;
    unsigned min, max; /* times it must and may be given */
    const char *zh, *en;
    uint64_t lo, hi; /* KIND_UINT: the accepted range */
};

struct form;

/* One row of the command table (main.c). A command has subcommands or a
 * handler: with @subs, the next word picks the row that runs. */
struct cli_cmd {
    const char *name;
    const char *zh, *en; /* what it does */
    enum cli_node node;
    int (*run)(struct cli *c, struct form *f);
    const struct cli_param *params; /* ends with a NULL name; may be NULL */
    const char *one_of[2];          /* exactly one of these two params is given;
                                       or {NULL, NULL} */
    const struct cli_cmd *subs;     /* ends with a NULL name; or NULL */
};

/* A parsed command line: each value with the parameter it belongs to,
 * and the columns they set. Bounded by construction; pointers borrow
 * argv. */
struct form {
    const struct cli_cmd *cmd; /* the command as typed */
    const struct cli_cmd *sub; /* its subcommand, or NULL */
    const struct cli_param *param[CLI_VALUES_MAX];
    const char *value[CLI_VALUES_MAX]; /* "" for an option without value */
    size_t n;
    struct hz_field f[CLI_FIELDS_MAX]; /* in the order given */
    size_t n_f;
    bool help; /* --help was given: printed, nothing to run */
};

/* Parse @argc words of @argv (after the command and subcommand) for the
 * row of @f (f->cmd, f->sub set by the caller) into @f. Refuses unknown
 * options, a value missing or too long or malformed, an option or
 * positional given more often than its table allows or less, with a usage
 * message. Returns EXIT_OK or EXIT_USAGE. @argv is modified (COL=VALUE is
 * split). */
int form_parse(struct cli *c, struct form *f, int argc, char **argv);
/* The value of @name (given at most once), or NULL. */
const char *form_get(const struct form *f, const char *name);
/* The @i-th value of @name, or NULL. */
const char *form_nth(const struct form *f, const char *name, size_t i);
/* Times @name was given. */
size_t form_count(const struct form *f, const char *name);
/* Add @n columns the handler sets (copied; their strings borrowed); a
 * full form is a usage error. */
int form_fields(struct cli *c, struct form *f, size_t n,
                const struct hz_field *cols);
/* The row that runs: the subcommand, else the command. */
const struct cli_cmd *form_row(const struct form *f);

/* The node directory: -d DIR, else $HUZHU_DIR, else the default. */
const char *cli_node_dir(struct cli *c);
/* Open the node directory chosen by -d, $HUZHU_DIR or the default. */
int cli_open(struct cli *c, unsigned flags);
/* Create a node there (init), or restore one from @backup (restore). */
int cli_create(struct cli *c, const char *name);
int cli_restore(struct cli *c, const char *backup, const char *name);
/* The command table and a handler disagree: a bug in this program, not
 * in its input. Says so and aborts. */
_Noreturn void cli_bug(const char *what, const char *name);
/* Bytes a value of @kind may have. */
size_t cli_len_max(enum cli_kind kind);
/* Print @err (or @code's text) to stderr in the user's language; return
 * the exit code for @code. */
int cli_fail(struct cli *c, int code, const struct hz_err *err);
/* The same with @text in place of @code's usual message (a command that
 * knows better what the code means here). */
int cli_fail_text(struct cli *c, int code, const char *text,
                  const struct hz_err *err);
/* Print "huzhu: @why" (when not NULL) and the usage of the command @f is
 * for; return EXIT_USAGE. */
int cli_usage(struct cli *c, const struct form *f, const char *why);
/* Run @fn on the open node for its JSON. With --json it is printed and
 * NULL returned; otherwise the parsed JSON comes back for printing to
 * people. *@rv gets the exit code either way. */
json_t *cli_run_json(struct cli *c,
                     int (*fn)(hz_node *, char **, struct hz_err *), int *rv);
/* Print a JSON string from the library on stdout, pretty or compact. */
void cli_print_json_text(const char *json);
/* Pick a string for the user's language. */
const char *cli_tr(const struct cli *c, const char *zh, const char *en);
/* The command's exit code @rv, unless its output did not all reach stdout
 * (a full disk, an I/O error): then a message on stderr and EXIT_FAIL
 * (or @rv if it already failed). Called once, as the program ends. */
int cli_stdout_done(const struct cli *c, int rv);
/* A format in the user's language; a literal either way, so the compiler
 * checks both against the arguments. */
#define TR_FMT(c, zh, en) ((c)->lang == LANG_ZH ? (zh) : (en))
/* Print a readable table: @cols keys of each object in @rows, @heads the
 * column titles. Wide (CJK) characters count two columns. */
/* @fmts (may be NULL) says how to show each column: "" as is, "b" a
 * yes/no flag, "t" Unix seconds as local time, "e:TABLE.COLUMN" an enum
 * value by its label. */
void cli_print_table(const struct cli *c, json_t *rows, const char *const *cols,
                     const char *const *heads, const char *const *fmts,
                     size_t n_cols);
/* The same table from rows handed over one by one (hz_node_view_rows):
 * cli_table_open, then cli_table_row for each row (its cells kept in an
 * unlinked temporary file, only the column widths in memory), then
 * cli_table_print, which also closes it. Open and print: 0 or -1. */
struct cli_table {
    const struct cli *c;
    const char *const *cols, *const *heads, *const *fmts;
    size_t n_cols, rows, width[32];
    FILE *fp;
};
int cli_table_open(struct cli_table *t, const struct cli *c,
                   const char *const *cols, const char *const *heads,
                   const char *const *fmts, size_t n_cols);
int cli_table_row(void *data, const char *json, struct hz_err *err);
int cli_table_print(struct cli_table *t);
/* Split "col=value" into @f (points into @arg, which is modified). */
int cli_field(char *arg, struct hz_field *f);
/* The library's report @name (hz_node_report) as parsed JSON into
 * *@rep, or the exit code (the error printed). */
int cli_report(struct cli *c, const char *name, const struct hz_report_opts *o,
               json_t **rep);
/* Commit a batch; on failure print and return the exit code. */
int cli_commit(struct cli *c, hz_batch *b);

/* Messages for error codes (text.c). */
const char *text_error(int code, enum cli_lang lang);
/* The forms of @cmd (only @sub's when not NULL), one per line, the first
 * after @lead and the others after @indent (text.c). Subcommands that
 * take the same parameters share a line: "show occupancy|presence". */
void text_usage(FILE *out, const char *lead, const char *indent,
                const struct cli_cmd *cmd, const struct cli_cmd *sub);
/* Every command with what it does and its forms (huzhu --help). */
void text_help(const struct cli *c, FILE *out, const struct cli_cmd *cmds);
/* One command's forms (only @sub's when not NULL) and what each
 * parameter means (huzhu help CMD, huzhu CMD [SUB] --help). */
void text_help_cmd(const struct cli *c, FILE *out, const struct cli_cmd *cmd,
                   const struct cli_cmd *sub);
/* The command table as one line of JSON (huzhu help --json). */
int text_help_json(struct cli *c, const struct cli_cmd *cmds);

/* Handlers (cmd_*.c): the node is open as the table says. */
/* ---- rows.c: shared by the commands that write and show domain rows */

/* Print "huzhu: @zh|@en" and return @code. */
int cli_refused(struct cli *c, int code, const char *zh, const char *en);
/* Unix seconds, "YYYY-MM-DD" (local midnight) or "YYYY-MM-DD HH:MM"
 * (local time) into *@t, within the schema's range; false for anything
 * else (2024-02-30, 25:00, letters). */
bool cli_when_parse(const char *s, long long *t);
/* Yuan as people type them ("500", "12.5", "0.05") into fen, as text
 * into @out; false for anything else or more than 10^10 yuan. */
bool cli_yuan_to_fen(const char *s, char *out, size_t len);
/* Option @name as a time into *@t (left as it is when not given); a
 * usage error for what is no time. */
int cli_when_opt(struct cli *c, struct form *f, const char *name, long long *t);
/* Option @name (a time, default now) as Unix seconds in text into
 * @text (24 bytes); a usage error for what is no time. */
int cli_when_text(struct cli *c, struct form *f, const char *name, char *text);
/* The live row @id of @table as JSON (owned), or NULL with the refusal
 * printed and *@rv its exit code (@zh, @en say what the row is). */
json_t *cli_live_row(struct cli *c, const char *table, const char *id,
                     const char *zh, const char *en, int *rv);
/* The report @name as at --at (default now), of @village when not NULL,
 * into *@rep; or the exit code (printed). */
int cli_report_at(struct cli *c, struct form *f, const char *name,
                  const char *village, json_t **rep);
/* Whether the live row @id of @table exists (the refusal printed). */
int cli_must_exist(struct cli *c, const char *table, const char *id,
                   const char *zh, const char *en);
/* Write one row of @table: the form's columns and @n @extra, edited at
 * @id when not NULL; print its id (or {"id"}). */
int cli_put_row(struct cli *c, struct form *f, const char *table,
                const char *id, size_t n, const struct hz_field *extra);
/* The same with a refusal said by @refused (cli_fail's contract). */
int cli_put_row_with(struct cli *c, struct form *f, const char *table,
                     const char *id, size_t n, const struct hz_field *extra,
                     int (*refused)(struct cli *c, int code,
                                    const struct hz_err *err));
/* The library's view @view as parsed JSON into *@rows, keeping only rows
 * whose @key is @id when @id is not NULL; or the exit code (printed). */
int cli_view_rows(struct cli *c, const char *view, const char *key,
                  const char *id, json_t **rows);
/* The same for a list filtered by the user's --site, --org and the like:
 * @id must be a live row of @table (named @zh / @en in the refusal), so
 * that a misspelt or unknown id is said, not an empty list. */
/* --lat and --lon of a form: both or neither, degrees in range (latitude
 * -90 to 90, longitude -180 to 180); EXIT_OK or the usage error. */
int cli_coords_ok(struct cli *c, struct form *f);
int cli_view_rows_by(struct cli *c, const char *view, const char *key,
                     const char *id, const char *table, const char *zh,
                     const char *en, json_t **rows);
/* The one row of @view whose @key is @id (owned), or NULL with the
 * refusal printed and *@rv set (@zh, @en say what the row is). */
json_t *cli_view_row(struct cli *c, const char *view, const char *key,
                     const char *id, const char *zh, const char *en, int *rv);
/* Each of @rows' amounts @keys (minor units, fen) also as yuan with two
 * decimals, under KEY_yuan. */
void cli_yuan_of(json_t *rows, const char *const *keys, size_t n);
/* @j as one line of compact JSON. */
void cli_print_json_obj(json_t *j);
/* "label: value" lines of @row's columns @cols of @table that have a
 * value (enum values and times as people read them). */
void cli_print_fields(const struct cli *c, const char *table, json_t *row,
                      const char *const *cols, size_t n);
/* Write @path whole (through @path.tmp and a rename) with @csv of @rep,
 * in the interface's language; EXIT_OK or the failure printed. */
int cli_csv_file(struct cli *c, const char *path,
                 int (*csv)(FILE *fp, json_t *rep, bool zh), json_t *rep);
/* The same with @write of @data. */
int cli_csv_write(struct cli *c, const char *path,
                  int (*write)(FILE *fp, void *data, bool zh), void *data);
/* @rep as one line of JSON with the rows of @x (a sheet_lines file, one
 * JSON object a line) as its array @key, last, to @path or stdout; with
 * @rep NULL the rows alone, as an array. Never holds the rows at once. */
struct sheet_lines;
int cli_json_lines(struct cli *c, json_t *rep, struct sheet_lines *x,
                   const char *key, const char *path);

int cmd_care_visit(struct cli *c, struct form *f);
int cmd_care_due(struct cli *c, struct form *f);
int cmd_care_visits(struct cli *c, struct form *f);
int cmd_health_check(struct cli *c, struct form *f);
int cmd_health_ls(struct cli *c, struct form *f);
int cmd_health_outbreaks(struct cli *c, struct form *f);
int cmd_disinfect_add(struct cli *c, struct form *f);
int cmd_disinfect_ls(struct cli *c, struct form *f);
int cmd_patrol_point(struct cli *c, struct form *f);
int cmd_patrol_ls(struct cli *c, struct form *f);
int cmd_patrol_round(struct cli *c, struct form *f);
int cmd_patrol_rounds(struct cli *c, struct form *f);
int cmd_hazard_report(struct cli *c, struct form *f);
int cmd_hazard_respond(struct cli *c, struct form *f);
int cmd_hazard_ls(struct cli *c, struct form *f);
int cmd_duty_add(struct cli *c, struct form *f);
int cmd_duty_now(struct cli *c, struct form *f);
int cmd_duty_gaps(struct cli *c, struct form *f);
int cmd_duty_handover(struct cli *c, struct form *f);
int cmd_plan_add(struct cli *c, struct form *f);
int cmd_plan_progress(struct cli *c, struct form *f);
int cmd_plan_cancel(struct cli *c, struct form *f);
int cmd_plan_show(struct cli *c, struct form *f);
int cmd_plan_ls(struct cli *c, struct form *f);
int cmd_report_recovery(struct cli *c, struct form *f);
int cmd_init(struct cli *c, struct form *f);
int cmd_id(struct cli *c, struct form *f);
int cmd_status(struct cli *c, struct form *f);
int cmd_vector(struct cli *c, struct form *f);
int cmd_state_hash(struct cli *c, struct form *f);
int cmd_mirror(struct cli *c, struct form *f);
int cmd_log_verify(struct cli *c, struct form *f);
int cmd_bundle_export(struct cli *c, struct form *f);
int cmd_bundle_import(struct cli *c, struct form *f);
int cmd_import_roster(struct cli *c, struct form *f);
int cmd_dups(struct cli *c, struct form *f);
int cmd_merge(struct cli *c, struct form *f);
int cmd_unmerge(struct cli *c, struct form *f);
int cmd_report_disaster(struct cli *c, struct form *f);
int cmd_report_relief(struct cli *c, struct form *f);
int cmd_report_submitted(struct cli *c, struct form *f);
int cmd_report_completeness(struct cli *c, struct form *f);
int cmd_report_hxl(struct cli *c, struct form *f);
int cmd_report_pfif(struct cli *c, struct form *f);
int cmd_report_disclosure(struct cli *c, struct form *f);
int cmd_donation_add(struct cli *c, struct form *f);
int cmd_donation_ls(struct cli *c, struct form *f);
int cmd_donation_show(struct cli *c, struct form *f);
int cmd_donation_reverse(struct cli *c, struct form *f);
int cmd_ledger_commit(struct cli *c, struct form *f);
int cmd_ledger_disburse(struct cli *c, struct form *f);
int cmd_ledger_spend(struct cli *c, struct form *f);
int cmd_ledger_ls(struct cli *c, struct form *f);
int cmd_ledger_reverse(struct cli *c, struct form *f);
int cmd_conflicts(struct cli *c, struct form *f);
int cmd_backup(struct cli *c, struct form *f);
int cmd_restore(struct cli *c, struct form *f);
int cmd_put(struct cli *c, struct form *f);
int cmd_del(struct cli *c, struct form *f);
int cmd_get(struct cli *c, struct form *f);
int cmd_ls(struct cli *c, struct form *f);
int cmd_history(struct cli *c, struct form *f);
int cmd_household_add(struct cli *c, struct form *f);
int cmd_person_add(struct cli *c, struct form *f);
int cmd_site_add(struct cli *c, struct form *f);
int cmd_item_add(struct cli *c, struct form *f);
int cmd_checkin(struct cli *c, struct form *f);
int cmd_checkout(struct cli *c, struct form *f);
int cmd_stock(struct cli *c, struct form *f);
int cmd_warn(struct cli *c, struct form *f);
int cmd_damage(struct cli *c, struct form *f);
int cmd_relief(struct cli *c, struct form *f);
int cmd_show(struct cli *c, struct form *f);
int cmd_org_add(struct cli *c, struct form *f);
int cmd_org_ls(struct cli *c, struct form *f);
int cmd_org_show(struct cli *c, struct form *f);
int cmd_org_confirm(struct cli *c, struct form *f);
int cmd_volunteer_add(struct cli *c, struct form *f);
int cmd_volunteer_ls(struct cli *c, struct form *f);
int cmd_volunteer_show(struct cli *c, struct form *f);
int cmd_volunteer_assign(struct cli *c, struct form *f);
int cmd_volunteer_checkin(struct cli *c, struct form *f);
int cmd_volunteer_checkout(struct cli *c, struct form *f);
int cmd_volunteer_hours(struct cli *c, struct form *f);
int cmd_volunteer_record(struct cli *c, struct form *f);
int cmd_need_add(struct cli *c, struct form *f);
int cmd_need_ls(struct cli *c, struct form *f);
int cmd_need_show(struct cli *c, struct form *f);
int cmd_need_close(struct cli *c, struct form *f);
int cmd_offer_add(struct cli *c, struct form *f);
int cmd_offer_ls(struct cli *c, struct form *f);
int cmd_offer_show(struct cli *c, struct form *f);
int cmd_match_suggest(struct cli *c, struct form *f);
int cmd_match_commit(struct cli *c, struct form *f);
int cmd_match_ls(struct cli *c, struct form *f);
int cmd_match_cancel(struct cli *c, struct form *f);
int cmd_match_receive(struct cli *c, struct form *f);
int cmd_alert_add(struct cli *c, struct form *f);
int cmd_alert_import(struct cli *c, struct form *f);
int cmd_alert_ls(struct cli *c, struct form *f);
int cmd_alert_show(struct cli *c, struct form *f);
int cmd_alert_deliver(struct cli *c, struct form *f);
int cmd_alert_unreached(struct cli *c, struct form *f);
int cmd_network_create(struct cli *c, struct form *f);
int cmd_network_recovery_code(struct cli *c, struct form *f);
int cmd_network_backup_key(struct cli *c, struct form *f);
int cmd_network_restore(struct cli *c, struct form *f);
int cmd_admit(struct cli *c, struct form *f);
int cmd_join(struct cli *c, struct form *f);
int cmd_revoke(struct cli *c, struct form *f);
int cmd_members(struct cli *c, struct form *f);
int cmd_rekey(struct cli *c, struct form *f);
int cmd_serve(struct cli *c, struct form *f);
int cmd_sync(struct cli *c, struct form *f);
/* A secret: the first line of @file, or of standard input when
 * @from_stdin and it is not a terminal, else typed at the terminal
 * without echo (twice when @confirm); @zh/@en name it. NULL after a
 * message on failure; the caller frees it. */
char *cli_secret(struct cli *c, const char *file, bool from_stdin, bool confirm,
                 const char *zh, const char *en);

int cmd_user_add(struct cli *c, struct form *f);
int cmd_user_rm(struct cli *c, struct form *f);
int cmd_user_ls(struct cli *c, struct form *f);
int cmd_user_passwd(struct cli *c, struct form *f);
int cmd_peer_add(struct cli *c, struct form *f);
int cmd_peer_rm(struct cli *c, struct form *f);
int cmd_peer_ls(struct cli *c, struct form *f);
/* The peers part of a status report, for people (cmd_sync.c). */
void cli_print_peers(const struct cli *c, json_t *status);

#endif
