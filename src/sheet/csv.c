/* csv.c - a CSV file as rows (see sheet.h): libcsv splits it, iconv
 * checks or converts its encoding.
 *
 * The encoding: a UTF-8 byte-order mark says UTF-8; otherwise a file that
 * is valid UTF-8 throughout (iconv from UTF-8 to UTF-8 finds no bad
 * sequence) is UTF-8, and any other is GB18030, which Excel in China
 * writes when it saves "CSV" (GBK is its subset). --encoding overrides.
 * The separator is the one of ',', tab and ';' the first line holds most
 * often outside quotes (Excel's own is ','; some offices export tabs).
 * Quoting is read strictly (a stray quote is refused with its line).
 *
 * Rows are numbered by the physical line where each record starts: the
 * text is fed to libcsv one line at a time, so a record that ends in a
 * line is known to end there, and the next line with anything on it
 * starts the next. A quoted cell may span lines; its record keeps the
 * number of the line it started on. */
#include "sheet.h"

#include "../core/error_int.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK 65536u

/* libcsv grows a cell's buffer with this: past the bound it gets NULL
 * and stops (CSV_ENOMEM), so a 100 MB line costs SHEET_CELL_MAX. */
static _Thread_local bool cell_too_big;

static void *bounded_realloc(void *p, size_t size)
{
    if (size > SHEET_CELL_MAX + 1024u) {
        cell_too_big = true;
        return NULL;
    }
    return realloc(p, size);
}

struct csv_read {
    struct sheet_rowbuf row;
    size_t col;
    uint32_t line;   /* the line being fed, 1-based */
    uint32_t start;  /* the line where the record in progress began */
    bool between;    /* no record in progress */
    bool ended_here; /* a record ended in the line being fed */
    int rv;          /* the first failure inside a callback */
    struct hz_err *err;
    sheet_row_fn fn;
    void *data;
    const struct sheet_info *info;
    uint32_t rows;
};

static void on_field(void *s, size_t len, void *data)
{
    struct csv_read *r = data;
    if (r->rv != 0)
        return;
    r->rv = sheet_rowbuf_set(&r->row, r->col++, s != NULL ? s : "", len, false,
                             r->err);
}

static void on_record(int c, void *data)
{
    (void)c;
    struct csv_read *r = data;
    r->col = 0;
    r->ended_here = true;
    if (r->rv != 0) {
        sheet_rowbuf_free(&r->row);
        return;
    }
    if (++r->rows > SHEET_ROWS_MAX) {
        r->rv =
            hz_err_set(r->err, HZ_ETOOBIG, "more than %u rows", SHEET_ROWS_MAX);
        return;
    }
    r->rv =
        sheet_rowbuf_emit(&r->row, r->start, r->fn, r->data, r->info, r->err);
}

/* Does @line (of @len bytes) hold anything but spaces and line ends? */
static bool blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r' &&
            line[i] != '\n')
            return false;
    return true;
}

/* The separator of the first line: ',', tab or ';', the most frequent
 * outside quotes (',' when none). */
static unsigned char separator_of(const char *line, size_t len)
{
    size_t comma = 0, tab = 0, semi = 0;
    bool quoted = false;
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (!quoted && line[i] == ',')
            comma++;
        else if (!quoted && line[i] == '\t')
            tab++;
        else if (!quoted && line[i] == ';')
            semi++;
    }
    if (tab > comma && tab >= semi)
        return CSV_TAB;
    if (semi > comma && semi > tab)
        return ';';
    return CSV_COMMA;
}

/* The converted text, split into lines and fed to libcsv. */
struct feeder {
    struct csv_parser p;
    struct csv_read r;
    char *pending; /* the start of a line not yet ended */
    size_t n_pending, cap_pending;
    bool delim_set;
};

static int feed_line(struct feeder *f, const char *line, size_t len)
{
    struct csv_read *r = &f->r;
    r->line++;
    if (!f->delim_set && !blank(line, len)) {
        csv_set_delim(&f->p, separator_of(line, len));
        f->delim_set = true;
    }
    if (r->between && !blank(line, len)) {
        r->start = r->line;
        r->between = false;
    }
    r->ended_here = false;
    if (csv_parse(&f->p, line, len, on_field, on_record, r) != len &&
        r->rv == 0)
        r->rv = cell_too_big
                    ? hz_err_set(r->err, HZ_ETOOBIG,
                                 "line %u: a cell of more than %u"
                                 " bytes",
                                 r->start, SHEET_CELL_MAX)
                    : hz_err_set(r->err, HZ_EMALFORMED, "line %u: %s", r->start,
                                 csv_strerror(csv_error(&f->p)));
    if (r->ended_here)
        r->between = true;
    return r->rv;
}

/* Take @len converted bytes: feed each whole line, keep the rest. */
static int feed(struct feeder *f, const char *text, size_t len)
{
    int rv = 0;
    while (rv == 0 && len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t take = nl != NULL ? (size_t)(nl - text) + 1 : len;
        if (f->n_pending + take > f->cap_pending) {
            /* A line longer than a cell can be (and its separators and
             * quotes) is refused by libcsv's bound first; this holds a
             * line of many cells. */
            size_t cap = f->cap_pending ? f->cap_pending * 2 : 4096;
            while (cap < f->n_pending + take)
                cap *= 2;
            if (cap > (size_t)SHEET_COLS_MAX * (SHEET_CELL_MAX + 3) + 2)
                return hz_err_set(f->r.err, HZ_ETOOBIG,
                                  "line %u: longer than %u cells can be",
                                  f->r.line + 1, SHEET_COLS_MAX);
            char *p = realloc(f->pending, cap);
            if (p == NULL)
                return hz_err_set(f->r.err, HZ_ENOMEM, "a line");
            f->pending = p;
            f->cap_pending = cap;
        }
        memcpy(f->pending + f->n_pending, text, take);
        f->n_pending += take;
        text += take;
        len -= take;
        if (nl != NULL) {
            rv = feed_line(f, f->pending, f->n_pending);
            f->n_pending = 0;
        }
    }
    return rv;
}

/* Convert @in through @cd into the feeder (NULL: only convert); @last
 * flushes. EILSEQ, or a sequence cut short at the end, is the file's
 * fault: HZ_EMALFORMED, its message the caller's. */
static int convert(iconv_t cd, struct feeder *f, char **in, size_t *n_in,
                   bool last)
{
    char out[READ_CHUNK];
    while (*n_in > 0) {
        char *o = out;
        size_t n_out = sizeof out;
        size_t rc = iconv(cd, in, n_in, &o, &n_out);
        int e = errno;
        int rv = f != NULL ? feed(f, out, sizeof out - n_out) : 0;
        if (rv != 0)
            return rv;
        if (rc != (size_t)-1)
            break;
        if (e == E2BIG)
            continue;
        if (e == EINVAL && !last)
            break; /* a sequence split between reads: the rest comes next */
        return HZ_EMALFORMED;
    }
    return 0;
}

/* Read the rest of @fp through @cd into @f (NULL: only check that it
 * converts). */
static int pump(FILE *fp, iconv_t cd, struct feeder *f, struct hz_err *err)
{
    char buf[READ_CHUNK + 8];
    size_t carry = 0;
    for (;;) {
        size_t got = fread(buf + carry, 1, READ_CHUNK, fp);
        size_t n = carry + got;
        char *in = buf;
        if (n == 0)
            break;
        int rv = convert(cd, f, &in, &n, got == 0);
        if (rv != 0 || got == 0)
            return rv;
        memmove(buf, in, n);
        carry = n;
    }
    return ferror(fp) ? hz_err_set(err, HZ_EIO, "read: %s", strerror(errno))
                      : 0;
}

/* Is the whole file valid UTF-8 (after a byte-order mark)? */
static int is_utf8(FILE *fp, bool *yes, struct hz_err *err)
{
    iconv_t cd = iconv_open("UTF-8", "UTF-8");
    if (cd == (iconv_t)-1)
        return hz_err_set(err, HZ_EIO, "iconv: %s", strerror(errno));
    int rv = pump(fp, cd, NULL, err);
    *yes = rv == 0;
    iconv_close(cd);
    rewind(fp);
    return rv == HZ_EMALFORMED ? 0 : rv;
}

int sheet_read_csv(const char *path, const struct sheet_opts *o,
                   sheet_row_fn fn, void *data, struct sheet_info *info,
                   struct hz_err *err)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return hz_err_set(err, HZ_EIO, "%s: %s", path, strerror(errno));
    unsigned char bom[3] = {0};
    bool has_bom =
        fread(bom, 1, 3, fp) == 3 && memcmp(bom, "\xef\xbb\xbf", 3) == 0;
    if (!has_bom)
        rewind(fp);
    int rv = 0;
    enum sheet_enc enc = o->enc;
    if (enc == SHEET_ENC_AUTO && has_bom) {
        enc = SHEET_ENC_UTF8;
    } else if (enc == SHEET_ENC_AUTO) {
        bool utf8 = false;
        rv = is_utf8(fp, &utf8, err);
        enc = utf8 ? SHEET_ENC_UTF8 : SHEET_ENC_GB18030;
    }
    info->enc = enc;
    const char *from = enc == SHEET_ENC_UTF8 ? "UTF-8" : "GB18030";
    iconv_t cd = rv == 0 ? iconv_open("UTF-8", from) : (iconv_t)-1;
    if (rv == 0 && cd == (iconv_t)-1)
        rv = hz_err_set(err, HZ_EIO, "iconv %s: %s", from, strerror(errno));
    if (rv != 0) {
        fclose(fp);
        return rv;
    }
    struct feeder *f = calloc(1, sizeof *f);
    if (f == NULL) {
        iconv_close(cd);
        fclose(fp);
        return hz_err_set(err, HZ_ENOMEM, "csv");
    }
    /* Strict: a quote in the middle of an unquoted cell, or text after
     * a closing quote, is refused with its line rather than guessed at
     * (Excel never writes either); and a quote still open at the end. */
    csv_init(&f->p, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_realloc_func(&f->p, bounded_realloc);
    cell_too_big = false;
    f->r = (struct csv_read){
        .between = true, .err = err, .fn = fn, .data = data, .info = info};
    sheet_rowbuf_init(&f->r.row);
    rv = pump(fp, cd, f, err);
    if (rv == HZ_EMALFORMED && f->r.rv == 0)
        rv = hz_err_set(err, HZ_EMALFORMED,
                        "line %u: not %s text (choose the encoding with"
                        " --encoding utf-8|gb18030)",
                        f->r.line + 1, from);
    /* The last line, when the file does not end with a line end. */
    if (rv == 0 && f->n_pending > 0) {
        rv = feed_line(f, f->pending, f->n_pending);
        f->n_pending = 0;
    }
    if (rv == 0 && csv_fini(&f->p, on_field, on_record, &f->r) != 0)
        rv = f->r.rv != 0 ? f->r.rv
                          : hz_err_set(err, HZ_EMALFORMED,
                                       "line %u: a quote that is never closed",
                                       f->r.start);
    if (rv == 0)
        rv = f->r.rv;
    sheet_rowbuf_free(&f->r.row);
    csv_free(&f->p);
    free(f->pending);
    free(f);
    iconv_close(cd);
    fclose(fp);
    return rv;
}

int sheet_csv_record(FILE *out, const char *const *cells, size_t n)
{
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < n; i++) {
        const char *t = cells[i] != NULL ? cells[i] : "";
        if (i > 0 && fputc(',', out) == EOF)
            rv = -1;
        /* csv_fwrite quotes every field: "" around it, "" inside. */
        if (rv == 0 && csv_fwrite(out, t, strlen(t)) != 0)
            rv = -1;
    }
    if (rv == 0 && fputs("\r\n", out) == EOF)
        rv = -1;
    return rv;
}
