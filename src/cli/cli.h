/* cli.h - what the huzhu command's files share: the invocation, opening
 * the node, printing results and errors (proto/cli.md is the contract). */
#ifndef HZ_CLI_H
#define HZ_CLI_H

#include "huzhu/huzhu.h"

#include <jansson.h>
#include <stdbool.h>

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

struct cli_cmd {
    const char *name;
    int (*run)(struct cli *c, int argc, char **argv);
    const char *usage;
    const char *zh;
    const char *en;
};

/* Open the node directory chosen by -d, $HUZHU_DIR or the default. */
int cli_open(struct cli *c, unsigned flags);
/* Print @err (or @code's text) to stderr in the user's language; return
 * the exit code for @code. */
int cli_fail(struct cli *c, int code, const struct hz_err *err);
/* Print a usage error for @cmd and return EXIT_USAGE. */
int cli_usage(struct cli *c, const char *usage, const char *why);
/* Open the node and run @fn for its JSON. With --json it is printed and
 * NULL returned; otherwise the parsed JSON comes back for printing to
 * people. *@rv gets the exit code either way. */
json_t *cli_run_json(struct cli *c, unsigned flags,
                     int (*fn)(hz_node *, char **, struct hz_err *), int *rv);
/* Print a JSON string from the library on stdout, pretty or compact. */
void cli_print_json_text(const char *json);
/* Pick a string for the user's language. */
const char *cli_tr(const struct cli *c, const char *zh, const char *en);
/* Print a readable table: @cols keys of each object in @rows, @heads the
 * column titles. Wide (CJK) characters count two columns. */
/* @fmts (may be NULL) says how to show each column: "" as is, "b" a
 * yes/no flag, "t" Unix seconds as local time, "e:TABLE.COLUMN" an enum
 * value by its label. */
void cli_print_table(const struct cli *c, json_t *rows, const char *const *cols,
                     const char *const *heads, const char *const *fmts,
                     size_t n_cols);
/* Split "col=value" into @f (points into @arg, which is modified). */
int cli_field(char *arg, struct hz_field *f);
/* Commit a batch; on failure print and return the exit code. */
int cli_commit(struct cli *c, hz_batch *b);

/* Messages for error codes (text.c). */
const char *text_error(int code, enum cli_lang lang);

/* Subcommands. */
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_id(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_vector(struct cli *c, int argc, char **argv);
int cmd_state_hash(struct cli *c, int argc, char **argv);
int cmd_log(struct cli *c, int argc, char **argv);
int cmd_bundle(struct cli *c, int argc, char **argv);
int cmd_conflicts(struct cli *c, int argc, char **argv);
int cmd_put(struct cli *c, int argc, char **argv);
int cmd_del(struct cli *c, int argc, char **argv);
int cmd_get(struct cli *c, int argc, char **argv);
int cmd_ls(struct cli *c, int argc, char **argv);
int cmd_household(struct cli *c, int argc, char **argv);
int cmd_person(struct cli *c, int argc, char **argv);
int cmd_site(struct cli *c, int argc, char **argv);
int cmd_item(struct cli *c, int argc, char **argv);
int cmd_checkin(struct cli *c, int argc, char **argv);
int cmd_checkout(struct cli *c, int argc, char **argv);
int cmd_stock(struct cli *c, int argc, char **argv);
int cmd_warn(struct cli *c, int argc, char **argv);
int cmd_show(struct cli *c, int argc, char **argv);
int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_restore(struct cli *c, int argc, char **argv);
int cmd_network(struct cli *c, int argc, char **argv);
int cmd_admit(struct cli *c, int argc, char **argv);
int cmd_join(struct cli *c, int argc, char **argv);
int cmd_revoke(struct cli *c, int argc, char **argv);
int cmd_members(struct cli *c, int argc, char **argv);
int cmd_rekey(struct cli *c, int argc, char **argv);

#endif
