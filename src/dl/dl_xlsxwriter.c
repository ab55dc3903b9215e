/* dl_xlsxwriter.c - libxlsxwriter, loaded when a report is first
 * written as XLSX (src/sheet/xlsx_out.c; dl.h). It brings OpenSSL's
 * libcrypto and minizip. */
#include "dl.h"

#include <xlsxwriter.h>

#define HZ_DL_THIS hz_dl_xlsxwriter
#define FNS(F, V)                                                              \
    V(void, format_set_align, (lxw_format * f, uint8_t a), (f, a))             \
    V(void, format_set_bold, (lxw_format * f), (f))                            \
    V(void, format_set_border, (lxw_format * f, uint8_t s), (f, s))            \
    V(void, format_set_font_size, (lxw_format * f, double s), (f, s))          \
    V(void, format_set_text_wrap, (lxw_format * f), (f))                       \
    F(char *, lxw_strerror, (lxw_error e), (e))                                \
    F(lxw_format *, workbook_add_format, (lxw_workbook * w), (w))              \
    F(lxw_worksheet *, workbook_add_worksheet,                                 \
      (lxw_workbook * w, const char *name), (w, name))                         \
    F(lxw_error, workbook_close, (lxw_workbook * w), (w))                      \
    F(lxw_workbook *, workbook_new_opt,                                        \
      (const char *path, lxw_workbook_options *o), (path, o))                  \
    F(lxw_error, worksheet_merge_range,                                        \
      (lxw_worksheet * w, lxw_row_t r1, lxw_col_t c1, lxw_row_t r2,            \
       lxw_col_t c2, const char *s, lxw_format *f),                            \
      (w, r1, c1, r2, c2, s, f))                                               \
    F(lxw_error, worksheet_set_column,                                         \
      (lxw_worksheet * w, lxw_col_t c1, lxw_col_t c2, double width,            \
       lxw_format *f),                                                         \
      (w, c1, c2, width, f))                                                   \
    F(lxw_error, worksheet_write_blank,                                        \
      (lxw_worksheet * w, lxw_row_t r, lxw_col_t c, lxw_format * f),           \
      (w, r, c, f))                                                            \
    F(lxw_error, worksheet_write_number,                                       \
      (lxw_worksheet * w, lxw_row_t r, lxw_col_t c, double n, lxw_format *f),  \
      (w, r, c, n, f))                                                         \
    F(lxw_error, worksheet_write_string,                                       \
      (lxw_worksheet * w, lxw_row_t r, lxw_col_t c, const char *s,             \
       lxw_format *f),                                                         \
      (w, r, c, s, f))

HZ_DL_LIBRARY("libxlsxwriter.so.4", "libxlsxwriter4", FNS)
