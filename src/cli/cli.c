/* cli.c - what the command's files share: the one parser of command
 * lines (struct form, bounded by the command table), opening the node,
 * printing results and errors, tables. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

const char *cli_tr(const struct cli *c, const char *zh, const char *en)
{
    return c->lang == LANG_ZH ? zh : en;
}

static void log_emit(void *data, int level, const char *line)
{
    (void)data;
    static const char *const names[] = {"error", "warn", "info", "debug"};
    fprintf(stderr, "%s %s\n", names[level < 0 || level > 3 ? 0 : level], line);
}

static int log_level(void)
{
    const char *v = getenv("HUZHU_LOG");
    if (v == NULL)
        return HZ_LOG_WARN;
    if (strcmp(v, "error") == 0)
        return HZ_LOG_ERROR;
    if (strcmp(v, "info") == 0)
        return HZ_LOG_INFO;
    if (strcmp(v, "debug") == 0)
        return HZ_LOG_DEBUG;
    return HZ_LOG_WARN;
}

/* -d DIR, else $HUZHU_DIR, else $XDG_DATA_HOME/huzhu, else
 * ~/.local/share/huzhu. */
const char *cli_node_dir(struct cli *c)
{
    static char path[4096];
    if (c->dir != NULL)
        return c->dir;
    const char *env = getenv("HUZHU_DIR");
    if (env != NULL && env[0] != '\0')
        return env;
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg != NULL && xdg[0] != '\0') {
        snprintf(path, sizeof path, "%s/huzhu", xdg);
        return path;
    }
    const char *home = getenv("HOME");
    snprintf(path, sizeof path, "%s/.local/share/huzhu",
             home != NULL ? home : ".");
    return path;
}

static struct hz_node_opts node_opts(struct cli *c, unsigned flags)
{
    c->log = (struct hz_log){.level = log_level(), .emit = log_emit};
    return (struct hz_node_opts){
        .version = HZ_NODE_OPTS_VERSION, .flags = flags, .log = &c->log};
}

int cli_open(struct cli *c, unsigned flags)
{
    struct hz_err err = {0};
    struct hz_node_opts opts = node_opts(c, flags);
    const char *dir = cli_node_dir(c);
    int rv = hz_node_open(dir, &opts, &c->node, &err);
    if (rv == HZ_EREADONLY || rv == HZ_EIO) {
        /* A worn card that turned read-only still reads (DECISIONS 23). */
        opts.flags |= HZ_OPEN_READONLY;
        struct hz_err err2 = {0};
        if (hz_node_open(dir, &opts, &c->node, &err2) == 0)
            return EXIT_OK;
    }
    if (rv != 0)
        return cli_fail(c, rv, &err);
    return EXIT_OK;
}

int cli_create(struct cli *c, const char *name)
{
    struct hz_err err = {0};
    struct hz_node_opts opts = node_opts(c, 0);
    const char *dir = cli_node_dir(c);
    if (c->dir == NULL) {
        /* The default directory's parents may not exist yet. */
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s", dir);
        for (char *p = tmp + 1; *p; p++) {
            if (*p == '/') {
                *p = '\0';
                mkdir(tmp, 0700);
                *p = '/';
            }
        }
    }
    int rv = hz_node_create(dir, name, &opts, &c->node, &err);
    return rv != 0 ? cli_fail(c, rv, &err) : EXIT_OK;
}

int cli_restore(struct cli *c, const char *backup, const char *name)
{
    struct hz_err err = {0};
    struct hz_node_opts opts = node_opts(c, 0);
    int rv =
        hz_node_restore(cli_node_dir(c), backup, name, &opts, &c->node, &err);
    return rv != 0 ? cli_fail(c, rv, &err) : EXIT_OK;
}

static int exit_code(int code)
{
    switch (code) {
    case HZ_OK:
        return EXIT_OK;
    case HZ_EINVAL:
        return EXIT_USAGE;
    case HZ_ENOTFOUND:
    case HZ_ENOTNODE:
        return EXIT_NOTFOUND;
    case HZ_ESCHEMA:
    case HZ_EVALUE:
    case HZ_ECONFLICT:
    case HZ_EEXIST:
        return EXIT_INPUT;
    case HZ_EMALFORMED:
    case HZ_ETOOBIG:
    case HZ_EBADSIG:
    case HZ_ECHAIN:
    case HZ_ENETWORK:
    case HZ_EVERSION:
        return EXIT_REFUSED;
    case HZ_EBUSY:
        return EXIT_BUSY;
    case HZ_EDELETED:
        return EXIT_DELETED;
    case HZ_EPERM:
    case HZ_EREVOKED:
    case HZ_ENOCERT:
        return EXIT_DENIED;
    default:
        return EXIT_FAIL;
    }
}

/* The first line of a file (@file, or standard input when @from_stdin
 * and it is not a terminal), else typed at the terminal without echo
 * (twice when @confirm). @zh/@en name what is read ("口令"/"passphrase").
 * NULL on failure, after a message; the caller frees the text. */
char *cli_secret(struct cli *c, const char *file, bool from_stdin, bool confirm,
                 const char *zh, const char *en)
{
    char *buf = calloc(1, 1024);
    if (buf == NULL)
        return NULL;
    if (file != NULL || (from_stdin && !isatty(STDIN_FILENO))) {
        FILE *f = file != NULL ? fopen(file, "r") : stdin;
        if (f == NULL || fgets(buf, 1024, f) == NULL) {
            fprintf(stderr, "huzhu: %s: %s%s\n",
                    file != NULL ? file : cli_tr(c, "标准输入", "stdin"),
                    cli_tr(c, "无法读取", "cannot read the "),
                    cli_tr(c, zh, en));
            if (f != NULL && f != stdin)
                fclose(f);
            free(buf);
            return NULL;
        }
        if (f != stdin)
            fclose(f);
        if (strlen(buf) == 1023 && buf[1022] != '\n') {
            fprintf(stderr, "huzhu: %s%s\n", cli_tr(c, zh, en),
                    cli_tr(c, "太长", " too long"));
            free(buf);
            return NULL;
        }
        buf[strcspn(buf, "\r\n")] = '\0';
        return buf;
    }
    FILE *tty = fopen("/dev/tty", "r+");
    if (tty == NULL) {
        fprintf(stderr, "huzhu: %s%s\n",
                cli_tr(c, "没有终端可输入", "no terminal to type the "),
                cli_tr(c, zh, en));
        free(buf);
        return NULL;
    }
    for (int round = 0; round < (confirm ? 2 : 1); round++) {
        char *again = round == 0 ? buf : calloc(1, 1024);
        fprintf(tty, "%s: ",
                round == 0 ? cli_tr(c, zh, en)
                           : cli_tr(c, "再输一次", "again"));
        fflush(tty);
        struct termios old, quiet;
        int fd = fileno(tty);
        bool echo_off = tcgetattr(fd, &old) == 0;
        if (echo_off) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(fd, TCSAFLUSH, &quiet);
        }
        char *got = again ? fgets(again, 1024, tty) : NULL;
        if (echo_off)
            tcsetattr(fd, TCSAFLUSH, &old);
        fputc('\n', tty);
        if (got == NULL) {
            if (again != buf)
                free(again);
            free(buf);
            fclose(tty);
            return NULL;
        }
        again[strcspn(again, "\r\n")] = '\0';
        if (round == 1) {
            bool same = strcmp(again, buf) == 0;
            free(again);
            if (!same) {
                fprintf(stderr, "huzhu: %s\n",
                        cli_tr(c, "两次输入不一致", "the two differ"));
                free(buf);
                fclose(tty);
                return NULL;
            }
        }
    }
    fclose(tty);
    return buf;
}

int cli_fail(struct cli *c, int code, const struct hz_err *err)
{
    return cli_fail_text(c, code, text_error(code, c->lang), err);
}

int cli_fail_text(struct cli *c, int code, const char *text,
                  const struct hz_err *err)
{
    const char *msg = err != NULL && err->msg[0] ? err->msg : "";
    fprintf(stderr, "huzhu: %s", text);
    /* what was wrong, in Chinese when the library says it (a value
     * refused); the English detail follows for whoever helps */
    if (c->lang == LANG_ZH && err != NULL && err->zh[0] != '\0')
        fprintf(stderr, "：%s", err->zh);
    if (msg[0] != '\0')
        fprintf(stderr, " (%s)", msg);
    fputc('\n', stderr);
    return exit_code(code);
}

int cli_stdout_done(const struct cli *c, int rv)
{
    /* stdio keeps the first failed write to itself: a full USB stick
     * under `show ... --json > FILE` would leave a cut file behind an
     * exit of 0. The last buffer goes now; any failure is said. */
    errno = 0;
    bool flushed = fflush(stdout) == 0;
    int e = errno;
    if (flushed && !ferror(stdout))
        return rv;
    fprintf(stderr, "huzhu: %s (stdout: %s)\n",
            cli_tr(c, "输出未能完整写出", "the output could not be written"),
            !flushed && e != 0 ? strerror(e) : "write error");
    return rv == EXIT_OK ? EXIT_FAIL : rv;
}

int cli_usage(struct cli *c, const struct form *f, const char *why)
{
    if (why != NULL)
        fprintf(stderr, "huzhu: %s\n", why);
    /* Further forms line up under the first: "用法: " is six columns
     * wide, "usage: " seven. */
    text_usage(stderr,
               cli_tr(c, "用法: huzhu [-d DIR] ", "usage: huzhu [-d DIR] "),
               cli_tr(c, "      huzhu [-d DIR] ", "       huzhu [-d DIR] "),
               f->cmd, f->sub);
    return EXIT_USAGE;
}

/* A usage error whose reason is formatted. */
static int usage_why(struct cli *c, const struct form *f, const char *fmt, ...)
    HZ_PRINTF(3, 4);
static int usage_why(struct cli *c, const struct form *f, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return cli_usage(c, f, why);
}

void cli_bug(const char *what, const char *name)
{
    fprintf(stderr, "huzhu: bug: %s %s\n", what, name);
    abort();
}

const struct cli_cmd *form_row(const struct form *f)
{
    return f->sub != NULL ? f->sub : f->cmd;
}

/* The parameter of the row called @name (its first @len bytes), or NULL. */
static const struct cli_param *param_named(const struct form *f,
                                           const char *name, size_t len)
{
    const struct cli_param *p = form_row(f)->params;
    for (; p != NULL && p->name != NULL; p++) {
        if (strlen(p->name) == len && memcmp(p->name, name, len) == 0)
            return p;
    }
    return NULL;
}

/* The parameter @name, which a handler or the table names: one that is
 * not in the row is a bug in this program. */
static const struct cli_param *param_known(const struct form *f,
                                           const char *name)
{
    const struct cli_param *p = param_named(f, name, strlen(name));
    if (p == NULL)
        cli_bug("no such parameter:", name);
    return p;
}

static size_t given(const struct form *f, const struct cli_param *p)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        n += f->param[i] == p;
    return n;
}

size_t form_count(const struct form *f, const char *name)
{
    return given(f, param_known(f, name));
}

const char *form_nth(const struct form *f, const char *name, size_t i)
{
    const struct cli_param *p = param_known(f, name);
    for (size_t k = 0; k < f->n; k++) {
        if (f->param[k] == p && i-- == 0)
            return f->value[k];
    }
    return NULL;
}

const char *form_get(const struct form *f, const char *name)
{
    return form_nth(f, name, 0);
}

int form_fields(struct cli *c, struct form *f, size_t n,
                const struct hz_field *cols)
{
    for (size_t i = 0; i < n; i++) {
        if (f->n_f == CLI_FIELDS_MAX)
            return usage_why(c, f, "%s",
                             cli_tr(c, "字段太多", "too many fields"));
        f->f[f->n_f++] = cols[i];
    }
    return EXIT_OK;
}

size_t cli_len_max(enum cli_kind kind)
{
    switch (kind) {
    case KIND_TEXT:
        return CLI_TEXT_LEN_MAX;
    case KIND_PATH:
        return CLI_PATH_LEN_MAX;
    case KIND_TOKEN:
        return CLI_TOKEN_LEN_MAX;
    case KIND_FIELD:
        return CLI_FIELD_LEN_MAX;
    case KIND_UINT:
        return CLI_UINT_LEN_MAX;
    }
    return 0;
}

/* Is @v a whole number within @p's range? */
static bool uint_ok(const struct cli_param *p, const char *v)
{
    if (v[0] < '0' || v[0] > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    return errno == 0 && *end == '\0' && n >= p->lo && n <= p->hi;
}

/* Check @v against @p's kind, keep it, and set @p's column. */
static int keep(struct cli *c, struct form *f, const struct cli_param *p,
                char *v)
{
    size_t n = given(f, p);
    if (n == p->max && p->max == 1)
        return usage_why(c, f, TR_FMT(c, "%s 只能给一次", "%s given twice"),
                         p->name);
    if (n == p->max)
        return usage_why(c, f,
                         TR_FMT(c, "%s 最多 %u 次", "%s: at most %u times"),
                         p->name, p->max);
    if (f->n == CLI_VALUES_MAX)
        return usage_why(c, f, "%s",
                         cli_tr(c, "参数太多", "too many arguments"));
    size_t len_max = cli_len_max(p->kind);
    if (strnlen(v, len_max + 1) > len_max)
        return usage_why(
            c, f, TR_FMT(c, "%s 超过 %zu 字节", "%s: longer than %zu bytes"),
            p->name, len_max);
    if (p->kind == KIND_UINT && !uint_ok(p, v))
        return usage_why(c, f,
                         TR_FMT(c, "%s 应为 %llu 至 %llu 的整数",
                                "%s: a whole number from %llu to %llu"),
                         p->name, (unsigned long long)p->lo,
                         (unsigned long long)p->hi);
    /* COL=VALUE is split in place: the field borrows argv. */
    struct hz_field field = {p->col, v};
    if (p->kind == KIND_FIELD && cli_field(v, &field) != 0)
        return usage_why(
            c, f, "%s: %s", p->name,
            cli_tr(c, "字段应写作 COL=VALUE", "fields are COL=VALUE"));
    f->param[f->n] = p;
    f->value[f->n++] = v;
    return field.col != NULL ? form_fields(c, f, 1, &field) : EXIT_OK;
}

/* The option @w names (before any "="), or NULL. */
static const struct cli_param *option_of(const struct form *f, const char *w)
{
    if (strncmp(w, "--", 2) != 0)
        return NULL;
    return param_named(f, w, strcspn(w, "="));
}

/* Bytes of an option word to show: its name, at most 40 bytes, whole
 * UTF-8 characters (never a value after "="). */
static int shown(const char *s)
{
    size_t n = strcspn(s, "=");
    if (n > 40) {
        n = 40;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    return (int)n;
}

/* One option word (and its value, the next word, when it takes one);
 * *@i moves past what was used. */
static int parse_option(struct cli *c, struct form *f, int argc, char **argv,
                        int *i)
{
    char *w = argv[*i];
    const struct cli_param *p = option_of(f, w);
    char *eq = strchr(w, '=');
    if (p == NULL && strcmp(w, "--help") == 0) {
        text_help_cmd(c, stdout, f->cmd, f->sub);
        f->help = true;
        return EXIT_OK;
    }
    if (p == NULL)
        return usage_why(c, f,
                         TR_FMT(c, "未知选项: %.*s", "unknown option: %.*s"),
                         shown(w), w);
    if (p->arg == NULL && eq != NULL)
        return usage_why(c, f, TR_FMT(c, "%s 不带值", "%s takes no value"),
                         p->name);
    if (p->arg == NULL)
        return keep(c, f, p, w + strlen(w));
    if (eq != NULL)
        return keep(c, f, p, eq + 1);
    /* The next word is the value, unless it is one of this command's own
     * options: "--method --notice x" lacks a method. */
    if (*i + 1 == argc || option_of(f, argv[*i + 1]) != NULL)
        return usage_why(c, f, TR_FMT(c, "%s 需要一个值", "%s needs a value"),
                         p->name);
    return keep(c, f, p, argv[++*i]);
}

/* A positional word: the first positional of the table with room. */
static int parse_positional(struct cli *c, struct form *f, char *w)
{
    const struct cli_param *p = form_row(f)->params;
    for (; p != NULL && p->name != NULL; p++) {
        if (strncmp(p->name, "--", 2) != 0 && given(f, p) < p->max)
            return keep(c, f, p, w);
    }
    return usage_why(c, f, "%s", cli_tr(c, "多余的参数", "too many arguments"));
}

/* Every parameter given often enough, and exactly one of the one_of. */
static int check_counts(struct cli *c, struct form *f)
{
    const struct cli_cmd *row = form_row(f);
    for (const struct cli_param *p = row->params; p != NULL && p->name; p++) {
        if (given(f, p) >= p->min)
            continue;
        if (strncmp(p->name, "--", 2) == 0)
            return usage_why(c, f, TR_FMT(c, "需要 %s", "%s is required"),
                             p->name);
        return usage_why(c, f, TR_FMT(c, "缺少 %s", "%s is missing"), p->name);
    }
    if (row->one_of[0] == NULL)
        return EXIT_OK;
    bool first = given(f, param_known(f, row->one_of[0])) > 0;
    bool second = given(f, param_known(f, row->one_of[1])) > 0;
    if (first != second)
        return EXIT_OK;
    return usage_why(c, f,
                     TR_FMT(c, "%s 或 %s 须给且只给一个",
                            "exactly one of %s and %s is needed"),
                     row->one_of[0], row->one_of[1]);
}

int form_parse(struct cli *c, struct form *f, int argc, char **argv)
{
    f->n = 0;
    f->n_f = 0;
    f->help = false;
    bool options_end = false;
    for (int i = 0; i < argc && !f->help; i++) {
        int rv;
        if (!options_end && strcmp(argv[i], "--") == 0) {
            options_end = true;
            continue;
        }
        if (!options_end && strncmp(argv[i], "--", 2) == 0)
            rv = parse_option(c, f, argc, argv, &i);
        else
            rv = parse_positional(c, f, argv[i]);
        if (rv != EXIT_OK)
            return rv;
    }
    return f->help ? EXIT_OK : check_counts(c, f);
}

void cli_print_json_text(const char *json)
{
    fputs(json, stdout);
    fputc('\n', stdout);
}

int cli_field(char *arg, struct hz_field *f)
{
    char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg)
        return -1;
    *eq = '\0';
    f->col = arg;
    f->value = eq + 1;
    return 0;
}

int cli_commit(struct cli *c, hz_batch *b)
{
    struct hz_err err = {0};
    int rv = hz_node_commit(c->node, b, NULL, &err);
    return rv != 0 ? cli_fail(c, rv, &err) : EXIT_OK;
}

/* Display width of UTF-8 text: East Asian wide characters count two. */
static size_t text_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        size_t n;
        if (*p < 0x80) {
            cp = *p;
            n = 1;
        } else if ((*p & 0xe0) == 0xc0) {
            cp = *p & 0x1fu;
            n = 2;
        } else if ((*p & 0xf0) == 0xe0) {
            cp = *p & 0x0fu;
            n = 3;
        } else {
            cp = *p & 0x07u;
            n = 4;
        }
        for (size_t k = 1; k < n && p[k]; k++)
            cp = (cp << 6) | (p[k] & 0x3fu);
        for (size_t k = 0; k < n && *p; k++)
            p++;
        w += (cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                               (cp >= 0xac00 && cp <= 0xd7a3) ||
                               (cp >= 0xf900 && cp <= 0xfaff) ||
                               (cp >= 0xfe30 && cp <= 0xfe4f) ||
                               (cp >= 0xff00 && cp <= 0xff60) ||
                               (cp >= 0xffe0 && cp <= 0xffe6) ||
                               (cp >= 0x20000 && cp <= 0x3fffd)))
                 ? 2
                 : 1;
    }
    return w;
}

static char *cell_text(const struct cli *c, json_t *v, const char *fmt)
{
    if (fmt != NULL && fmt[0] == 'b')
        return strdup(json_is_true(v) || json_integer_value(v) == 1 ? "✓" : "");
    if (fmt != NULL && fmt[0] == 't' && json_is_integer(v)) {
        time_t t = (time_t)json_integer_value(v);
        struct tm tm;
        char buf[32];
        if (localtime_r(&t, &tm) != NULL &&
            strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm) > 0)
            return strdup(buf);
    }
    if (fmt != NULL && strncmp(fmt, "e:", 2) == 0 && json_is_string(v)) {
        char table[64];
        const char *dot = strchr(fmt + 2, '.');
        if (dot != NULL && (size_t)(dot - fmt - 2) < sizeof table) {
            memcpy(table, fmt + 2, (size_t)(dot - fmt - 2));
            table[dot - fmt - 2] = '\0';
            const char *label =
                hz_enum_label(table, dot + 1, json_string_value(v),
                              c->lang == LANG_ZH ? HZ_LANG_ZH : HZ_LANG_EN);
            if (label != NULL)
                return strdup(label);
        }
    }
    if (v == NULL || json_is_null(v))
        return strdup("-");
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        /* Ids are long; people compare the first eight digits. */
        size_t len = strlen(s);
        if (len == 32 || len == 64) {
            bool hex = true;
            for (size_t i = 0; i < len; i++)
                hex = hex && ((s[i] >= '0' && s[i] <= '9') ||
                              (s[i] >= 'a' && s[i] <= 'f'));
            if (hex)
                return strndup(s, 8);
        }
        return strdup(s);
    }
    if (json_is_true(v))
        return strdup("✓");
    if (json_is_false(v))
        return strdup("");
    if (json_is_real(v)) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.1f", json_real_value(v));
        return strdup(buf);
    }
    return json_dumps(v, JSON_ENCODE_ANY);
}

/* A table's heading, and one cell, each padded to its column's width
 * and two spaces. */
static void print_heads(const char *const *heads, const size_t *width,
                        size_t n_cols)
{
    for (size_t k = 0; k < n_cols; k++)
        printf("%s%*s", heads[k], (int)(width[k] - text_width(heads[k]) + 2),
               "");
    printf("\n");
}

static void print_cell(const char *s, size_t width)
{
    printf("%s%*s", s, (int)(width - text_width(s) + 2), "");
}

void cli_print_table(const struct cli *c, json_t *rows, const char *const *cols,
                     const char *const *heads, const char *const *fmts,
                     size_t n_cols)
{
    size_t n_rows = json_array_size(rows);
    if (n_rows == 0) {
        printf("%s\n", cli_tr(c, "(无记录)", "(none)"));
        return;
    }
    size_t width[32] = {0};
    if (n_cols > 32)
        n_cols = 32;
    for (size_t k = 0; k < n_cols; k++)
        width[k] = text_width(heads[k]);
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t k = 0; k < n_cols; k++) {
            char *t =
                cell_text(c, json_object_get(json_array_get(rows, i), cols[k]),
                          fmts != NULL ? fmts[k] : NULL);
            size_t w = t != NULL ? text_width(t) : 1;
            if (w > width[k])
                width[k] = w;
            free(t);
        }
    }
    print_heads(heads, width, n_cols);
    for (size_t i = 0; i < n_rows; i++) {
        for (size_t k = 0; k < n_cols; k++) {
            char *t =
                cell_text(c, json_object_get(json_array_get(rows, i), cols[k]),
                          fmts != NULL ? fmts[k] : NULL);
            print_cell(t != NULL ? t : "?", width[k]);
            free(t);
        }
        printf("\n");
    }
}

int cli_table_open(struct cli_table *t, const struct cli *c,
                   const char *const *cols, const char *const *heads,
                   const char *const *fmts, size_t n_cols)
{
    *t = (struct cli_table){.c = c,
                            .cols = cols,
                            .heads = heads,
                            .fmts = fmts,
                            .n_cols = n_cols > 32 ? 32 : n_cols};
    for (size_t k = 0; k < t->n_cols; k++)
        t->width[k] = text_width(heads[k]);
    t->fp = tmpfile();
    return t->fp != NULL ? 0 : -1;
}

static int table_fail(struct hz_err *err, int code, const char *what)
{
    err->code = code;
    snprintf(err->msg, sizeof err->msg, "table: %s", what);
    err->zh[0] = '\0';
    return code;
}

int cli_table_row(void *data, const char *json, struct hz_err *err)
{
    struct cli_table *t = data;
    json_t *row = json_loads(json, 0, NULL);
    if (row == NULL)
        return table_fail(err, HZ_ENOMEM, "row");
    int rv = 0;
    for (size_t k = 0; rv == 0 && k < t->n_cols; k++) {
        char *cell = cell_text(t->c, json_object_get(row, t->cols[k]),
                               t->fmts != NULL ? t->fmts[k] : NULL);
        const char *s = cell != NULL ? cell : "?";
        size_t w = text_width(s), len = strlen(s);
        if (w > t->width[k])
            t->width[k] = w;
        /* each cell as its length and its bytes: any text comes back */
        uint32_t n = (uint32_t)len;
        if (fwrite(&n, sizeof n, 1, t->fp) != 1 ||
            fwrite(s, 1, len, t->fp) != len)
            rv = table_fail(err, HZ_EIO, "temporary file");
        free(cell);
    }
    json_decref(row);
    t->rows += rv == 0;
    return rv;
}

int cli_table_print(struct cli_table *t)
{
    int rv = 0;
    if (t->rows == 0) {
        printf("%s\n", cli_tr(t->c, "(无记录)", "(none)"));
    } else {
        print_heads(t->heads, t->width, t->n_cols);
        rewind(t->fp);
        char *cell = NULL;
        size_t cap = 0;
        for (size_t i = 0; rv == 0 && i < t->rows; i++) {
            for (size_t k = 0; rv == 0 && k < t->n_cols; k++) {
                uint32_t n = 0;
                if (fread(&n, sizeof n, 1, t->fp) != 1) {
                    rv = -1;
                    break;
                }
                if (n + 1 > cap) {
                    char *more = realloc(cell, n + 1);
                    if (more == NULL) {
                        rv = -1;
                        break;
                    }
                    cell = more;
                    cap = n + 1;
                }
                if (fread(cell, 1, n, t->fp) != n) {
                    rv = -1;
                    break;
                }
                cell[n] = '\0';
                print_cell(cell, t->width[k]);
            }
            printf("\n");
        }
        free(cell);
    }
    fclose(t->fp);
    t->fp = NULL;
    return rv;
}

json_t *cli_run_json(struct cli *c,
                     int (*fn)(hz_node *, char **, struct hz_err *), int *rv)
{
    *rv = EXIT_OK;
    char *json = NULL;
    struct hz_err err = {0};
    int code = fn(c->node, &json, &err);
    if (code != 0) {
        *rv = cli_fail(c, code, &err);
        return NULL;
    }
    json_t *parsed = c->json ? NULL : json_loads(json, 0, NULL);
    if (c->json)
        cli_print_json_text(json);
    hz_free_string(json);
    return parsed;
}

/* The library's report @name as parsed JSON into *@rep, or the exit
 * code (the error printed). */
int cli_report(struct cli *c, const char *name, const struct hz_report_opts *o,
               json_t **rep)
{
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_report(c->node, name, o, &text, &err);
    *rep = rv == 0 ? json_loads(text, 0, NULL) : NULL;
    hz_free_string(text);
    if (rv != 0)
        return cli_fail(c, rv, &err);
    return *rep != NULL ? EXIT_OK : cli_fail(c, HZ_ENOMEM, NULL);
}
