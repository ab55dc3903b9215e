/* cmd_data.c - the generic row commands that other tools rely on: put,
 * del, get, ls (proto/cli.md pins their output). */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELDS_MAX 64

int cmd_put(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {{"id", required_argument, NULL, 'i'},
                                         {NULL, 0, NULL, 0}};
    const char *usage = "put TABLE [--id ID] COL=VALUE...";
    const char *id = NULL;
    int ch;
    while ((ch = getopt_long(argc, argv, "i:", opts, NULL)) != -1) {
        if (ch != 'i')
            return cli_usage(c, usage, NULL);
        id = optarg;
    }
    if (argc - optind < 2 || argc - optind - 1 > FIELDS_MAX)
        return cli_usage(c, usage, NULL);
    const char *table = argv[optind];
    struct hz_field fields[FIELDS_MAX];
    size_t n = 0;
    for (int i = optind + 1; i < argc; i++) {
        if (cli_field(argv[i], &fields[n++]) != 0)
            return cli_usage(
                c, usage,
                cli_tr(c, "字段应写作 COL=VALUE", "fields are COL=VALUE"));
    }
    int rv = cli_open(c, 0);
    if (rv != EXIT_OK)
        return rv;
    hz_batch *b = NULL;
    struct hz_err err = {0};
    char row[HZ_ROW_HEX_LEN + 1];
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = hz_batch_put(b, table, id, n, fields, row, &err);
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, &err);
    }
    rv = cli_commit(c, b);
    hz_batch_close(b);
    if (rv != EXIT_OK)
        return rv;
    if (c->json)
        printf("{\"id\":\"%s\"}\n", row);
    else
        printf("%s\n", row);
    return EXIT_OK;
}

int cmd_del(struct cli *c, int argc, char **argv)
{
    if (argc != 3)
        return cli_usage(c, "del TABLE ID", NULL);
    int rv = cli_open(c, 0);
    if (rv != EXIT_OK)
        return rv;
    hz_batch *b = NULL;
    struct hz_err err = {0};
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = hz_batch_del(b, argv[1], argv[2], &err);
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, &err);
    }
    rv = cli_commit(c, b);
    hz_batch_close(b);
    if (rv == EXIT_OK && c->json)
        printf("{\"deleted\":\"%s\"}\n", argv[2]);
    return rv;
}

int cmd_get(struct cli *c, int argc, char **argv)
{
    if (argc != 3)
        return cli_usage(c, "get TABLE ID", NULL);
    int rv = cli_open(c, HZ_OPEN_READONLY);
    if (rv != EXIT_OK)
        return rv;
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_get(c->node, argv[1], argv[2], &json, &err);
    if (json != NULL)
        cli_print_json_text(json);
    hz_free_string(json);
    return code != 0 ? cli_fail(c, code, &err) : EXIT_OK;
}

int cmd_ls(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"where", required_argument, NULL, 'w'}, {NULL, 0, NULL, 0}};
    const char *usage = "ls TABLE [--where COL=VALUE]...";
    struct hz_field where[FIELDS_MAX];
    size_t n = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "w:", opts, NULL)) != -1) {
        if (ch != 'w' || n == FIELDS_MAX || cli_field(optarg, &where[n]) != 0)
            return cli_usage(c, usage, NULL);
        n++;
    }
    if (optind + 1 != argc)
        return cli_usage(c, usage, NULL);
    int rv = cli_open(c, HZ_OPEN_READONLY);
    if (rv != EXIT_OK)
        return rv;
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_ls(c->node, argv[optind], n, where, &json, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    cli_print_json_text(json);
    hz_free_string(json);
    return EXIT_OK;
}
