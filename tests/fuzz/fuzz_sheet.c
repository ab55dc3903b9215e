/* fuzz_sheet.c - libFuzzer target: a roster file (src/sheet: CSV through
 * libcsv and iconv, XLSX through libzip and expat) read into rows and the
 * rows into households (core/roster.c; proto/roster.md).
 *
 * Input: its first byte chooses what the rest is.
 *   - 0: a CSV file, its encoding detected;
 *   - 1: a CSV file read as GB18030;
 *   - 2: an XLSX file as it is (a zip);
 *   - 3: the XML of a workbook's shared strings and of its one sheet,
 *     split at the first NUL byte, zipped by the harness with a fixed
 *     workbook around them (so the XML readers are reached: a fuzzed zip
 *     rarely gets past its checksums).
 * Properties: sheet_read returns 0, HZ_EMALFORMED or HZ_ETOOBIG with a
 * message and never crashes; every row it gives has 1 to SHEET_COLS_MAX
 * cells, the last one non-empty, each at most SHEET_CELL_MAX bytes; an
 * XLSX's row numbers increase, a CSV's never decrease; a household the
 * roster gives has 1 to ROSTER_PERSONS_MAX persons, each with a name; a
 * refusal names a row the sheet gave. */
#include "fuzz_util.h"

#include "core/roster.h"
#include "sheet/sheet.h"

#include <stdio.h>
#include <string.h>
#include <zip.h>

static char path[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof path, "%s/roster", fuzz_tmpdir());
    return 0;
}

struct run {
    bool xlsx;
    uint32_t last;
    bool any;
    struct roster *r;
};

static int on_row(void *data, const struct sheet_info *info,
                  const struct sheet_row *row, struct hz_err *err)
{
    struct run *u = data;
    u->xlsx = info->kind == SHEET_XLSX; /* mode 2 may hold a CSV */
    FUZZ_CHECK(row->n >= 1 && row->n <= SHEET_COLS_MAX);
    FUZZ_CHECK(row->cells[row->n - 1].text[0] != '\0');
    for (size_t i = 0; i < row->n; i++)
        FUZZ_CHECK(strlen(row->cells[i].text) <= SHEET_CELL_MAX);
    FUZZ_CHECK(row->number >= 1);
    if (u->any)
        FUZZ_CHECK(u->xlsx ? row->number > u->last : row->number >= u->last);
    u->any = true;
    u->last = row->number;
    struct roster_row rr = {row->number, row->n,
                            (const struct roster_cell *)row->cells};
    return roster_row(u->r, &rr, err);
}

static int on_household(void *data, const struct roster_household *h,
                        struct hz_err *err)
{
    (void)data;
    (void)err;
    FUZZ_CHECK(h->n_persons >= 1 && h->n_persons <= ROSTER_PERSONS_MAX);
    for (size_t i = 0; i < h->n_persons; i++)
        FUZZ_CHECK(h->persons[i].name != NULL && h->persons[i].name[0] != '\0');
    return 0;
}

static void on_refused(void *data, uint32_t row, const char *heading,
                       const char *zh, const char *en)
{
    struct run *u = data;
    FUZZ_CHECK(u->any && row <= u->last);
    FUZZ_CHECK(heading != NULL && zh[0] != '\0' && en[0] != '\0');
}

static const char workbook[] =
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/"
    "main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships\"><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/>"
    "</sheets></workbook>";
static const char rels[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
    "relationships\"><Relationship Id=\"rId1\" Type=\"x/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" "
    "Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>";

/* Zip @strings and @sheet with the fixed workbook into @path. */
static void zip_parts(const uint8_t *strings, size_t n_strings,
                      const uint8_t *sheet, size_t n_sheet)
{
    int ze = 0;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    FUZZ_CHECK(za != NULL);
    const struct {
        const char *name;
        const void *p;
        size_t len;
    } parts[] = {{"xl/workbook.xml", workbook, sizeof workbook - 1},
                 {"xl/_rels/workbook.xml.rels", rels, sizeof rels - 1},
                 {"xl/sharedStrings.xml", strings, n_strings},
                 {"xl/worksheets/sheet1.xml", sheet, n_sheet}};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        zip_source_t *src = zip_source_buffer(za, parts[i].p, parts[i].len, 0);
        FUZZ_CHECK(src != NULL);
        FUZZ_CHECK(zip_file_add(za, parts[i].name, src, ZIP_FL_OVERWRITE) >= 0);
    }
    FUZZ_CHECK(zip_close(za) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0] % 4;
    const uint8_t *p = data + 1;
    size_t len = size - 1;
    if (mode == 3) {
        const uint8_t *nul = memchr(p, 0, len);
        size_t a = nul != NULL ? (size_t)(nul - p) : len;
        zip_parts(p, a, nul != NULL ? nul + 1 : p + len,
                  nul != NULL ? len - a - 1 : 0);
    } else {
        fuzz_write_file(path, p, len);
    }
    struct run u = {0};
    struct roster_opts ro = {.this_year = 2026,
                             .data = &u,
                             .household = on_household,
                             .refused = on_refused};
    FUZZ_CHECK(roster_new(&u.r, &ro, NULL) == 0);
    struct sheet_opts so = {.enc =
                                mode == 1 ? SHEET_ENC_GB18030 : SHEET_ENC_AUTO};
    struct sheet_info info;
    struct hz_err err = {0};
    int rv = sheet_read(path, &so, on_row, &u, &info, &err);
    if (rv == 0)
        rv = roster_end(u.r, &err);
    if (rv != 0)
        FUZZ_CODES("sheet_read", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG);
    sheet_info_free(&info);
    roster_free(u.r);
    return 0;
}
