/* cmd_data.c - the generic row commands that other tools rely on: put,
 * del, get, ls (proto/cli.md pins their output). Their parameters, and
 * the node opened for them, are in the command table (main.c). */
#include "cli.h"

#include <jansson.h>
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

/* One line of the text history: what an entry wrote, "col=value, ...". */
static json_t *history_line(const struct cli *c, json_t *step)
{
    json_t *line = json_object();
    json_object_set_new(
        line, "time",
        json_integer(json_integer_value(json_object_get(step, "time_ms")) /
                     1000));
    json_t *name = json_object_get(step, "author_name");
    const char *key = json_string_value(json_object_get(step, "author"));
    json_object_set_new(line, "device",
                        json_is_string(name)
                            ? json_copy(name)
                            : json_stringn(key ? key : "?", key ? 8 : 1));
    json_object_set(line, "account", json_object_get(step, "account"));
    const char *op = json_string_value(json_object_get(step, "op"));
    bool del = op != NULL && strcmp(op, "del") == 0;
    bool ins = op != NULL && strcmp(op, "ins") == 0;
    json_object_set_new(line, "op",
                        json_string(del   ? cli_tr(c, "删除", "delete")
                                    : ins ? cli_tr(c, "新增", "insert")
                                          : cli_tr(c, "修改", "set")));
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out != NULL) {
        const char *col;
        json_t *v;
        bool first = true;
        json_object_foreach(json_object_get(step, "fields"), col, v)
        {
            char *vt = json_is_string(v) ? strdup(json_string_value(v))
                                         : json_dumps(v, JSON_ENCODE_ANY);
            fprintf(out, "%s%s=%s", first ? "" : ", ", col, vt ? vt : "?");
            free(vt);
            first = false;
        }
        fclose(out);
    }
    json_object_set_new(line, "fields", json_string(text ? text : ""));
    free(text);
    return line;
}

int cmd_history(struct cli *c, struct form *f)
{
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_history(c->node, form_get(f, "TABLE"), form_get(f, "ID"),
                               &json, &err);
    if (code != 0)
        return cli_fail(c, code, &err);
    if (c->json) {
        cli_print_json_text(json);
        hz_free_string(json);
        return EXIT_OK;
    }
    json_t *steps = json_loads(json, 0, NULL);
    hz_free_string(json);
    json_t *lines = json_array();
    size_t i;
    json_t *step;
    json_array_foreach(steps, i, step)
        json_array_append_new(lines, history_line(c, step));
    static const char *const cols[] = {"time", "device", "account", "op",
                                       "fields"};
    static const char *const zh[] = {"时间", "设备", "账号", "操作", "内容"};
    static const char *const en[] = {"time", "device", "account", "op",
                                     "written"};
    static const char *const fmt[] = {"t", NULL, NULL, NULL, NULL};
    cli_print_table(c, lines, cols, c->lang == LANG_ZH ? zh : en, fmt, 5);
    json_decref(lines);
    json_decref(steps);
    return EXIT_OK;
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
