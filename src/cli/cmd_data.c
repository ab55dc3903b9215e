/* cmd_data.c - the generic row commands that other tools rely on: put,
 * del, get, ls (proto/cli.md pins their output). Their parameters, and
 * the node opened for them, are in the command table (main.c). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_put(struct cli *c, struct form *f)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char row[HZ_ROW_HEX_LEN + 1];
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = hz_batch_put(b, form_get(f, "TABLE"), form_get(f, "--id"),
                            f->n_f, f->f, row, &err);
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, &err);
    }
    int rv = cli_commit(c, b);
    hz_batch_close(b);
    if (rv != EXIT_OK)
        return rv;
    if (c->json)
        printf("{\"id\":\"%s\"}\n", row);
    else
        printf("%s\n", row);
    return EXIT_OK;
}

int cmd_del(struct cli *c, struct form *f)
{
    const char *id = form_get(f, "ID");
    hz_batch *b = NULL;
    struct hz_err err = {0};
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = hz_batch_del(b, form_get(f, "TABLE"), id, &err);
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, &err);
    }
    int rv = cli_commit(c, b);
    hz_batch_close(b);
    if (rv == EXIT_OK && c->json)
        printf("{\"deleted\":\"%s\"}\n", id);
    return rv;
}

int cmd_get(struct cli *c, struct form *f)
{
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_get(c->node, form_get(f, "TABLE"), form_get(f, "ID"),
                           &json, &err);
    if (json != NULL)
        cli_print_json_text(json);
    hz_free_string(json);
    return code != 0 ? cli_fail(c, code, &err) : EXIT_OK;
}

int cmd_ls(struct cli *c, struct form *f)
{
    char *json = NULL;
    struct hz_err err = {0};
    int code =
        hz_node_ls(c->node, form_get(f, "TABLE"), f->n_f, f->f, &json, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    cli_print_json_text(json);
    hz_free_string(json);
    return EXIT_OK;
}
