/* row.c - a row being built cell by cell, the sheet kind, and the
 * dispatch of sheet_read (see sheet.h). */
#include "sheet.h"

#include "../core/error_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty[1] = "";

void sheet_rowbuf_init(struct sheet_rowbuf *b)
{
    memset(b, 0, sizeof *b);
}

int sheet_rowbuf_set(struct sheet_rowbuf *b, size_t col, const char *text,
                     size_t len, bool number, struct hz_err *err)
{
    if (col >= SHEET_COLS_MAX)
        return hz_err_set(err, HZ_ETOOBIG,
                          "a cell beyond column %u (IV): a roster has fewer",
                          SHEET_COLS_MAX);
    if (len > SHEET_CELL_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "a cell of more than %u bytes",
                          SHEET_CELL_MAX);
    /* Spaces around a value are a typing accident, never data. */
    while (len > 0 && (text[0] == ' ' || text[0] == '\t')) {
        text++;
        len--;
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t' ||
                       text[len - 1] == '\r' || text[len - 1] == '\n'))
        len--;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return hz_err_set(err, HZ_ENOMEM, "a cell");
    memcpy(copy, text, len);
    copy[len] = '\0';
    free(b->text[col]);
    b->text[col] = copy;
    b->cells[col] = (struct sheet_cell){copy, number && len > 0};
    if (col + 1 > b->n)
        b->n = col + 1;
    return 0;
}

int sheet_rowbuf_emit(struct sheet_rowbuf *b, uint32_t number, sheet_row_fn fn,
                      void *data, const struct sheet_info *info,
                      struct hz_err *err)
{
    /* The last non-empty cell ends the row; holes read as "". */
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->text[i] == NULL)
            b->cells[i] = (struct sheet_cell){empty, false};
        else if (b->text[i][0] != '\0')
            n = i + 1;
    }
    int rv = 0;
    if (n > 0) {
        struct sheet_row row = {number, n, b->cells};
        rv = fn(data, info, &row, err);
    }
    sheet_rowbuf_free(b);
    return rv;
}

void sheet_rowbuf_free(struct sheet_rowbuf *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->text[i]);
    sheet_rowbuf_init(b);
}

int sheet_kind_of(const char *path, enum sheet_kind *kind, struct hz_err *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return hz_err_set(err, errno == ENOENT ? HZ_ENOTFOUND : HZ_EIO,
                          "%s: %s", path, strerror(errno));
    unsigned char head[4] = {0};
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    /* A zip's local file header ("PK\3\4"); a CSV never starts so. */
    *kind = got == 4 && memcmp(head, "PK\3\4", 4) == 0 ? SHEET_XLSX : SHEET_CSV;
    return 0;
}

int sheet_read(const char *path, const struct sheet_opts *o, sheet_row_fn fn,
               void *data, struct sheet_info *info, struct hz_err *err)
{
    memset(info, 0, sizeof *info);
    enum sheet_kind kind;
    int rv = sheet_kind_of(path, &kind, err);
    if (rv != 0)
        return rv;
    info->kind = kind;
    return kind == SHEET_XLSX ? sheet_read_xlsx(path, o, fn, data, info, err)
                              : sheet_read_csv(path, o, fn, data, info, err);
}

void sheet_info_free(struct sheet_info *info)
{
    free(info->merges);
    info->merges = NULL;
    info->n_merges = 0;
}
