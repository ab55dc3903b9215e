/* xlsx_out.c - reports as XLSX workbooks, written by Debian's
 * libxlsxwriter (no hand-written zip or XML): plain tables with title and
 * heading rows, merged heading cells and borders, numbers as numbers
 * (proto/reports.md fixes each report's sheets and cells). */
#include "sheet.h"

#include "../core/error_int.h"

#include <stdio.h>
#include <xlsxwriter.h>

struct formats {
    lxw_format *title, *head, *data;
};

static void write_cell(lxw_worksheet *ws, uint32_t r, uint16_t c,
                       const struct sheet_value *v, lxw_format *fmt)
{
    switch (v->kind) {
    case SHEET_V_TEXT:
        worksheet_write_string(ws, r, c, v->text, fmt);
        break;
    case SHEET_V_INT:
        worksheet_write_number(ws, r, c, (double)v->i, fmt);
        break;
    case SHEET_V_REAL:
        worksheet_write_number(ws, r, c, v->r, fmt);
        break;
    case SHEET_V_EMPTY:
        worksheet_write_blank(ws, r, c, fmt);
        break;
    }
}

static const char *text_of(const struct sheet_value *v)
{
    return v->kind == SHEET_V_TEXT && v->text != NULL ? v->text : "";
}

static void write_sheet(lxw_workbook *wb, const struct formats *f,
                        const struct sheet_out *s)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, s->name);
    if (ws == NULL)
        return; /* workbook_close reports it */
    for (size_t r = 0; r < s->rows; r++) {
        lxw_format *fmt = r < s->title_rows                  ? f->title
                          : r < s->title_rows + s->head_rows ? f->head
                                                             : f->data;
        for (size_t c = 0; c < s->cols; c++)
            write_cell(ws, (uint32_t)r, (uint16_t)c, &s->cells[r * s->cols + c],
                       fmt);
    }
    for (size_t m = 0; m < s->n_merges; m++) {
        const struct sheet_merge *g = &s->merges[m];
        lxw_format *fmt = g->r1 < s->title_rows ? f->title : f->head;
        worksheet_merge_range(ws, g->r1, (uint16_t)g->c1, g->r2,
                              (uint16_t)g->c2,
                              text_of(&s->cells[g->r1 * s->cols + g->c1]), fmt);
    }
    /* Wide enough for a Chinese heading or a village name. */
    worksheet_set_column(ws, 0, 0, 18, NULL);
    if (s->cols > 1)
        worksheet_set_column(ws, 1, (uint16_t)(s->cols - 1), 12, NULL);
}

int sheet_write_xlsx(const char *path, const struct sheet_out *sheets, size_t n,
                     struct hz_err *err)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return hz_err_set(err, HZ_EINVAL, "path too long");
    lxw_workbook *wb = workbook_new(tmp);
    if (wb == NULL)
        return hz_err_set(err, HZ_EIO, "cannot create %s", tmp);
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
    for (size_t i = 0; i < n; i++)
        write_sheet(wb, &f, &sheets[i]);
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) {
        remove(tmp);
        return hz_err_set(err, HZ_EIO, "writing %s: %s", path, lxw_strerror(e));
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return hz_err_set(err, HZ_EIO, "cannot write %s", path);
    }
    return 0;
}
