/* xlsx_out.c - reports as XLSX workbooks, written by Debian's
 * libxlsxwriter (no hand-written zip or XML): plain tables with title and
 * heading rows, merged heading cells and borders, numbers as numbers
 * (proto/reports.md fixes each report's sheets and cells). */
#include "sheet.h"

#include "../core/error_int.h"
#include "../dl/dl.h"

#include <stdint.h>
#include <stdio.h>
#include <xlsxwriter.h>

struct formats {
    lxw_format *title, *head, *data;
};

static lxw_error write_cell(lxw_worksheet *ws, uint32_t r, uint16_t c,
                            const struct sheet_value *v, lxw_format *fmt)
{
    switch (v->kind) {
    case SHEET_V_TEXT:
        return worksheet_write_string(ws, r, c, v->text, fmt);
    case SHEET_V_INT:
        return worksheet_write_number(ws, r, c, (double)v->i, fmt);
    case SHEET_V_REAL:
        return worksheet_write_number(ws, r, c, v->r, fmt);
    case SHEET_V_EMPTY:
        break;
    }
    return worksheet_write_blank(ws, r, c, fmt);
}

static const char *text_of(const struct sheet_value *v)
{
    return v->kind == SHEET_V_TEXT && v->text != NULL ? v->text : "";
}

/* Rows @r0 .. @r1 - 1 of @s's cells into @ws at the same rows. */
static lxw_error write_rows(lxw_worksheet *ws, const struct formats *f,
                            const struct sheet_out *s, size_t r0, size_t r1)
{
    lxw_error e = LXW_NO_ERROR;
    for (size_t r = r0; e == LXW_NO_ERROR && r < r1; r++) {
        lxw_format *fmt = r < s->title_rows                  ? f->title
                          : r < s->title_rows + s->head_rows ? f->head
                                                             : f->data;
        for (size_t c = 0; e == LXW_NO_ERROR && c < s->cols; c++)
            e = write_cell(ws, (uint32_t)r, (uint16_t)c,
                           &s->cells[r * s->cols + c], fmt);
    }
    return e;
}

static void set_widths(lxw_worksheet *ws, size_t cols)
{
    /* Wide enough for a Chinese heading or a village name. */
    worksheet_set_column(ws, 0, 0, 18, NULL);
    if (cols > 1)
        worksheet_set_column(ws, 1, (uint16_t)(cols - 1), 12, NULL);
}

static int sheet_failed(const char *name, lxw_error e, struct hz_err *err)
{
    return hz_err_set(err, HZ_EIO, "sheet %s: %s", name, lxw_strerror(e));
}

/* The merged ranges of @s that start on row @r, or all of them (@r
 * SIZE_MAX). */
static lxw_error write_merges(lxw_worksheet *ws, const struct formats *f,
                              const struct sheet_out *s, size_t r)
{
    lxw_error e = LXW_NO_ERROR;
    for (size_t m = 0; e == LXW_NO_ERROR && m < s->n_merges; m++) {
        const struct sheet_merge *g = &s->merges[m];
        if (r != SIZE_MAX && g->r1 != r)
            continue;
        lxw_format *fmt = g->r1 < s->title_rows ? f->title : f->head;
        e = worksheet_merge_range(
            ws, g->r1, (uint16_t)g->c1, g->r2, (uint16_t)g->c2,
            text_of(&s->cells[g->r1 * s->cols + g->c1]), fmt);
    }
    return e;
}

static int write_sheet(lxw_workbook *wb, const struct formats *f,
                       const struct sheet_out *s, struct hz_err *err)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, s->name);
    if (ws == NULL)
        return hz_err_set(err, HZ_EIO, "sheet %s cannot be added", s->name);
    lxw_error e = write_rows(ws, f, s, 0, s->rows);
    if (e == LXW_NO_ERROR)
        e = write_merges(ws, f, s, SIZE_MAX);
    set_widths(ws, s->cols);
    return e == LXW_NO_ERROR ? 0 : sheet_failed(s->name, e, err);
}

/* A streamed sheet (s->row): its rows written as they come, in
 * libxlsxwriter's constant-memory mode (each row goes to a temporary
 * file once the next is begun, so a million rows cost no more than one),
 * over as many sheets as SHEET_XLSX_ROWS needs. The mode is the
 * workbook's option as each sheet is added (the workbook is opened with
 * it, and it is off for the other sheets, whose merged headings are
 * written after their rows): tests/integration/test_report.py reads
 * both kinds back. */
static int write_streamed(lxw_workbook *wb, const struct formats *f,
                          const struct sheet_out *s, struct hz_err *err)
{
    const size_t head = s->title_rows + s->head_rows;
    for (size_t m = 0; m < s->n_merges; m++) {
        HZ_ASSERT(s->merges[m].r1 == s->merges[m].r2);
        HZ_ASSERT(s->merges[m].r2 < head);
    }
    struct sheet_value *cells = calloc(s->cols, sizeof *cells);
    if (cells == NULL)
        return hz_err_set(err, HZ_ENOMEM, "sheet %s", s->name);
    wb->options.constant_memory = LXW_TRUE;
    size_t done = 0;
    int rv = 0;
    for (unsigned part = 1; rv == 0 && (part == 1 || done < s->n_data);
         part++) {
        char name[64];
        if (part == 1)
            snprintf(name, sizeof name, "%s", s->name);
        else
            snprintf(name, sizeof name, "%s (%u)", s->name, part);
        lxw_worksheet *ws = workbook_add_worksheet(wb, name);
        if (ws == NULL) {
            rv = hz_err_set(err, HZ_EIO, "sheet %s cannot be added", name);
            break;
        }
        set_widths(ws, s->cols);
        /* A merged range within a title or heading row is written with
         * its row, before the next one flushes it. */
        lxw_error e = LXW_NO_ERROR;
        for (size_t r = 0; e == LXW_NO_ERROR && r < head; r++) {
            e = write_rows(ws, f, s, r, r + 1);
            if (e == LXW_NO_ERROR)
                e = write_merges(ws, f, s, r);
        }
        for (size_t r = head; e == LXW_NO_ERROR && rv == 0 &&
                              r < SHEET_XLSX_ROWS && done < s->n_data;
             r++, done++) {
            rv = s->row(s->row_data, cells, err);
            for (size_t c = 0; rv == 0 && e == LXW_NO_ERROR && c < s->cols; c++)
                e = write_cell(ws, (uint32_t)r, (uint16_t)c, &cells[c],
                               f->data);
        }
        if (rv == 0 && e != LXW_NO_ERROR)
            rv = sheet_failed(name, e, err);
    }
    wb->options.constant_memory = LXW_FALSE;
    free(cells);
    return rv;
}

int sheet_write_xlsx(const char *path, const struct sheet_out *sheets, size_t n,
                     struct hz_err *err)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return hz_err_set(err, HZ_EINVAL, "path too long");
    int rv = hz_dl_load(&hz_dl_xlsxwriter, err);
    if (rv != 0)
        return rv;
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(tmp, &opt);
    if (wb == NULL)
        return hz_err_set(err, HZ_EIO, "cannot create %s", tmp);
    wb->options.constant_memory = LXW_FALSE; /* on for streamed sheets */
    struct formats f = {workbook_add_format(wb), workbook_add_format(wb),
                        workbook_add_format(wb)};
    format_set_bold(f.title);
    format_set_font_size(f.title, 14);
    format_set_align(f.title, LXW_ALIGN_CENTER);
    format_set_align(f.title, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bold(f.head);
    format_set_align(f.head, LXW_ALIGN_CENTER);
    format_set_align(f.head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(f.head);
    format_set_border(f.head, LXW_BORDER_THIN);
    format_set_border(f.data, LXW_BORDER_THIN);
    for (size_t i = 0; rv == 0 && i < n; i++)
        rv = sheets[i].row != NULL ? write_streamed(wb, &f, &sheets[i], err)
                                   : write_sheet(wb, &f, &sheets[i], err);
    lxw_error e = workbook_close(wb);
    if (rv != 0 || e != LXW_NO_ERROR) {
        remove(tmp);
        return rv != 0 ? rv
                       : hz_err_set(err, HZ_EIO, "writing %s: %s", path,
                                    lxw_strerror(e));
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return hz_err_set(err, HZ_EIO, "cannot write %s", path);
    }
    return 0;
}
