/* test_roster.c - core/roster.c: a roster's rows into households
 * (proto/roster.md, DECISIONS 41), and src/sheet: files into rows.
 *
 * Dates as people type them and as Excel stores them; headings under a
 * title row, in two rows under merged cells, and named by a mapping;
 * rows grouped by 户号 (an empty cell continuing the household above), by
 * a 户主 row, or one household a row with members in numbered columns;
 * each refusal with its row, column and reason and never a value. The
 * CSV reader's row numbers (a quoted cell over two lines, blank lines),
 * its encodings and its bound on a cell; the XLSX reader's merged ranges,
 * row numbers and number cells, on the committed fixtures. */
#include "lib/unit_env.h"

#include "core/roster.h"
#include "sheet/sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fixtures; /* tests/roster, from argv */

/* ---- dates */

static int year(const char *text, bool number)
{
    bool bad = false;
    int y = roster_birth_year(text, number, false, 2026, &bad);
    return bad ? -1 : y;
}

static void birth_dates_as_typed_and_as_stored(void **state)
{
    (void)state;
    assert_int_equal(year("1990", false), 1990);
    assert_int_equal(year("1990-01-05", false), 1990);
    assert_int_equal(year("1990/1/5", false), 1990);
    assert_int_equal(year("1990.01", false), 1990);
    assert_int_equal(year("1990年1月5日", false), 1990);
    assert_int_equal(year("1990年1月", false), 1990);
    assert_int_equal(year("199001", false), 1990);
    assert_int_equal(year("19900105", false), 1990);
    assert_int_equal(year("2000-02-29", false), 2000); /* a leap day */
    assert_int_equal(year("1990-02-30", false), -1);   /* none */
    assert_int_equal(year("1900-02-29", false), -1);   /* not a leap year */
    assert_int_equal(year("1990-13", false), -1);
    assert_int_equal(year("2099", false), -1); /* after this year */
    assert_int_equal(year("1879", false), -1);
    assert_int_equal(year("90-1-5", false), -1);     /* which century? */
    assert_int_equal(year("1990年一月", false), -1); /* not digits */
    assert_int_equal(year("不详", false), -1);
    /* An Excel date serial: 32874 is 1990-01-01; in a 1904 workbook
     * the same day is 31412. A year typed into a number cell stays a
     * year. */
    assert_int_equal(year("32874", true), 1990);
    assert_int_equal(year("32874.75", true), 1990);
    bool bad = false;
    assert_int_equal(roster_birth_year("31412", true, true, 2026, &bad), 1990);
    assert_false(bad);
    assert_int_equal(year("1990", true), 1990);
    assert_int_equal(year("-5", true), -1);
}

/* Names compared as one person's: width, case, spaces and dots. */
static void names_compare_by_their_key(void **state)
{
    (void)state;
    char a[64], b[64];
    roster_name_key("张 三", a, sizeof a);
    roster_name_key("张\xe3\x80\x80三", b, sizeof b); /* U+3000 */
    assert_string_equal(a, "张三");
    assert_string_equal(b, "张三");
    roster_name_key("ＺＨＡＮＧ ｓａｎ１", a, sizeof a);
    assert_string_equal(a, "zhangsan1");
    roster_name_key("阿依古丽•买买提", a, sizeof a);
    roster_name_key("阿依古丽．买买提", b, sizeof b);
    assert_string_equal(a, b);
    roster_name_key("阿依古丽·买买提", b, sizeof b);
    assert_string_equal(a, b);
    roster_name_key("张三", a, 5); /* cut at a character */
    assert_string_equal(a, "张");
}

/* ---- a roster fed rows */

#define ROWS_MAX 16
#define CELLS_MAX 12

struct got {
    char hh[8][256]; /* "number|head|village|grid:name/relation/sex/year/id;" */
    size_t n;
    char refused[16][128]; /* "row:heading" */
    size_t n_refused;
};

static int on_household(void *data, const struct roster_household *h,
                        struct hz_err *err)
{
    (void)err;
    struct got *g = data;
    assert_true(g->n < 8);
    char *out = g->hh[g->n++];
    int len = snprintf(out, 256, "%s|%s|%s|%s:", h->number ? h->number : "",
                       h->head_name ? h->head_name : "",
                       h->village ? h->village : "", h->grid ? h->grid : "");
    for (size_t i = 0; i < h->n_persons; i++) {
        const struct roster_person *p = &h->persons[i];
        len += snprintf(out + len, 256 - (size_t)len, "%s/%s/%s/%d/%s/%u;",
                        p->name, p->relation ? p->relation : "",
                        p->sex ? p->sex : "", p->birth_year,
                        p->id_number ? p->id_number : "", p->row);
    }
    return 0;
}

static void on_refused(void *data, uint32_t row, const char *heading,
                       const char *zh, const char *en)
{
    (void)zh;
    (void)en;
    struct got *g = data;
    assert_true(g->n_refused < 16);
    snprintf(g->refused[g->n_refused++], 128, "%u:%s", row, heading);
}

/* Feed @rows (NULL-terminated cell lists, "" for empty; row numbers from
 * @numbers) and end. Returns roster_end's result. */
static int feed(struct roster_opts *o, struct got *g, const uint32_t *numbers,
                const char *const rows[][CELLS_MAX], size_t n_rows,
                struct roster **out)
{
    memset(g, 0, sizeof *g);
    o->data = g;
    o->household = on_household;
    o->refused = on_refused;
    if (o->this_year == 0)
        o->this_year = 2026;
    struct roster *r = NULL;
    assert_int_equal(roster_new(&r, o, NULL), 0);
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < n_rows; i++) {
        struct roster_cell cells[CELLS_MAX];
        size_t n = 0;
        while (n < CELLS_MAX && rows[i][n] != NULL) {
            cells[n] = (struct roster_cell){rows[i][n], false};
            n++;
        }
        struct roster_row row = {numbers[i], n, cells};
        rv = roster_row(r, &row, NULL);
    }
    if (rv == 0)
        rv = roster_end(r, NULL);
    if (out != NULL)
        *out = r;
    else
        roster_free(r);
    return rv;
}

/* 420222195803120111 and friends: valid check characters. */
#define ID1 "420222195803120111"
#define ID2 "420222196007010223"

static void persons_grouped_by_number_under_a_title(void **state)
{
    (void)state;
    static const char *const rows[][CELLS_MAX] = {
        {"测试村花名册", NULL},
        {"户号", "姓名", "与户主关系", "性别", "出生年月", "身份证号码", "村",
         "组", NULL},
        {"001", "测试甲", "户主", "男", "1958-03", ID1, "测试村", "一组", NULL},
        {"", "测试乙", "配偶", "女", "", ID2, "", "", NULL},
        {"002", "测试丙", "户主", "女", "1980", "", "测试村", "", NULL},
        {"002", "测试丁", "女儿", "", "2010", "", "", "", NULL},
    };
    static const uint32_t numbers[] = {1, 3, 4, 5, 7, 8};
    struct roster_opts o = {0};
    struct got g;
    struct roster *r;
    assert_int_equal(feed(&o, &g, numbers, rows, 6, &r), 0);
    const struct roster_columns *cs = roster_columns(r);
    assert_non_null(cs);
    assert_int_equal(cs->header_row, 3);
    assert_int_equal(cs->layout, ROSTER_LAYOUT_PERSONS);
    assert_int_equal(cs->group_by, RF_NUMBER);
    roster_free(r);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.hh[0],
                        "001|测试甲|测试村|一组:测试甲/户主/male/1958/" ID1
                        "/4;测试乙/配偶/female/1960/" ID2 "/5;");
    assert_string_equal(g.hh[1],
                        "002|测试丙|测试村|:测试丙/户主/female/1980//7;"
                        "测试丁/女儿//2010//8;");
    assert_int_equal(g.n_refused, 0);
}

static void a_household_a_row_with_numbered_members(void **state)
{
    (void)state;
    static const char *const rows[][CELLS_MAX] = {
        {"户主姓名", "户主身份证号", "成员1姓名", "成员1与户主关系",
         "成员二姓名", "家庭成员", NULL},
        {"测试甲", ID1, "测试乙", "配偶", "测试丙", "测试丁、测试戊", NULL},
    };
    static const uint32_t numbers[] = {1, 2};
    struct roster_opts o = {.village = "测试村"};
    struct got g;
    assert_int_equal(feed(&o, &g, numbers, rows, 2, NULL), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.hh[0], "|测试甲|测试村|:测试甲/户主//1958/" ID1
                                 "/2;测试乙/配偶//0//2;测试丙///0//2;"
                                 "测试丁///0//2;测试戊///0//2;");
}

static void two_heading_rows_through_merged_cells(void **state)
{
    (void)state;
    /* Row 2: 户号 (merged A2:A3), 基本信息 over B..C; row 3: 姓名, 性别. */
    static const char *const rows[][CELLS_MAX] = {
        {"标题", NULL},
        {"户号", "基本信息", "", "与户主关系", NULL},
        {"", "姓名", "性别", "", NULL},
        {"H1", "测试甲", "男", "户主", NULL},
    };
    static const uint32_t numbers[] = {1, 2, 3, 4};
    static const struct roster_merge merges[] = {
        {1, 1, 1, 4}, {2, 1, 3, 1}, {2, 2, 2, 3}, {2, 4, 3, 4}};
    struct roster_opts o = {0};
    struct got g;
    struct roster *r;
    memset(&g, 0, sizeof g);
    o.data = &g;
    o.household = on_household;
    o.refused = on_refused;
    o.this_year = 2026;
    assert_int_equal(roster_new(&r, &o, NULL), 0);
    assert_int_equal(roster_sheet(r, merges, 4, false, NULL), 0);
    for (size_t i = 0; i < 4; i++) {
        struct roster_cell cells[CELLS_MAX];
        size_t n = 0;
        while (rows[i][n] != NULL) {
            cells[n] = (struct roster_cell){rows[i][n], false};
            n++;
        }
        struct roster_row row = {numbers[i], n, cells};
        assert_int_equal(roster_row(r, &row, NULL), 0);
    }
    assert_int_equal(roster_end(r, NULL), 0);
    const struct roster_columns *cs = roster_columns(r);
    assert_int_equal(cs->header_row, 2);
    assert_int_equal(cs->header_rows, 2);
    assert_int_equal(cs->fields[0], RF_NUMBER);
    assert_int_equal(cs->fields[1], RF_NAME);
    assert_int_equal(cs->fields[2], RF_SEX);
    assert_int_equal(cs->fields[3], RF_RELATION);
    roster_free(r);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.hh[0], "H1|测试甲||:测试甲/户主/male/0//4;");
}

static void unreadable_rows_are_refused_whole(void **state)
{
    (void)state;
    static const char *const rows[][CELLS_MAX] = {
        {"姓名", "与户主关系", "身份证号", "性别", "是否残疾", "家庭人口",
         NULL},
        {"测试甲", "户主", ID1, "男", "否", "3", NULL},
        {"测试乙", "配偶", "420222196007010224", "女", "", "", NULL},
        {"", "子", "", "男", "", "", NULL},
        {"测试丙", "孙", "4.20222E+17", "", "", "", NULL},
        {"测试丁", "孙女", "", "女孩", "也许", "", NULL},
        {"测试戊", "户主", "", "", "", "三口", NULL},
    };
    static const uint32_t numbers[] = {1, 2, 3, 4, 5, 6, 7};
    struct roster_opts o = {0};
    struct got g;
    assert_int_equal(feed(&o, &g, numbers, rows, 7, NULL), 0);
    /* Household 1 keeps its readable row; household 2 (测试戊) has none:
     * not given. */
    assert_int_equal(g.n, 1);
    assert_string_equal(g.hh[0], "|测试甲||:测试甲/户主/male/1958/" ID1 "/2;");
    const char *want[] = {"3:身份证号", "4:姓名",     "5:身份证号",
                          "6:性别",     "6:是否残疾", "7:家庭人口"};
    assert_int_equal(g.n_refused, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(g.refused[i], want[i]);
}

static void rows_with_no_household_to_join_are_refused(void **state)
{
    (void)state;
    static const char *const rows[][CELLS_MAX] = {
        {"姓名", "与户主关系", NULL},
        {"测试甲", "子", NULL}, /* before any 户主 row */
        {"测试乙", "户主", NULL},
        {"测试丙", "女", NULL},
    };
    static const uint32_t numbers[] = {1, 2, 3, 4};
    struct roster_opts o = {0};
    struct got g;
    assert_int_equal(feed(&o, &g, numbers, rows, 4, NULL), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.hh[0],
                        "|测试乙||:测试乙/户主//0//3;测试丙/女//0//4;");
    assert_int_equal(g.n_refused, 1);
    assert_string_equal(g.refused[0], "2:与户主关系");
    /* Names alone cannot say which rows form a household. */
    static const char *const names[][CELLS_MAX] = {{"姓名", "性别", NULL},
                                                   {"测试甲", "男", NULL}};
    assert_int_equal(feed(&o, &g, numbers, names, 2, NULL), HZ_EMALFORMED);
    /* No heading at all in the first rows. */
    static const char *const none[][CELLS_MAX] = {{"甲", "乙", NULL}};
    assert_int_equal(feed(&o, &g, numbers, none, 1, NULL), HZ_EMALFORMED);
}

static void a_mapping_names_other_headings(void **state)
{
    (void)state;
    static const char *const rows[][CELLS_MAX] = {
        {"家庭代码", "成员名字", "称谓", NULL},
        {"C1", "测试甲", "本人", NULL},
    };
    static const uint32_t numbers[] = {1, 2};
    static const struct roster_mapping map[] = {
        {"家庭代码", RF_NUMBER}, {"成员名字", RF_NAME}, {"称谓", RF_RELATION}};
    struct roster_opts o = {.mapping = map, .n_mapping = 3};
    struct got g;
    assert_int_equal(feed(&o, &g, numbers, rows, 2, NULL), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.hh[0], "C1|测试甲||:测试甲/本人//0//2;");
    assert_int_equal(roster_field_of("head_name"), RF_HEAD_NAME);
    assert_string_equal(roster_field_name(RF_ID), "id_number");
    assert_int_equal(roster_field_of("nationality"), RF_NONE);
}

/* ---- the sheet readers */

struct rows {
    uint32_t number[32];
    char first[32][64];
    size_t n_cells[32];
    size_t n;
};

static int collect(void *data, const struct sheet_info *info,
                   const struct sheet_row *row, struct hz_err *err)
{
    (void)info;
    (void)err;
    struct rows *r = data;
    if (r->n < 32) {
        r->number[r->n] = row->number;
        snprintf(r->first[r->n], 64, "%s", row->cells[0].text);
        r->n_cells[r->n] = row->n;
        r->n++;
    }
    return 0;
}

/* @p written to @name in a new temporary directory (*@dir: remove it). */
static char *write_tmp(const char *name, const void *p, size_t len, char **dir)
{
    *dir = unit_tmpdir();
    char *path = unit_path(*dir, name);
    unit_write_file(path, p, len);
    return path;
}

static void done_tmp(char *path, char *dir)
{
    unit_rmtree(dir);
    free(dir);
    free(path);
}

static void csv_rows_keep_their_line_numbers(void **state)
{
    (void)state;
    char *dir = NULL;
    /* A title, a blank line, a quoted cell over two lines, CRLF. */
    static const char text[] =
        "标题,,\r\n\r\n姓名,备注\r\n测试甲,\"第一行\r\n第二行\"\r\n"
        "测试乙,x\r\n";
    char *path = write_tmp("a.csv", text, sizeof text - 1, &dir);
    struct rows r = {0};
    struct sheet_info info;
    struct sheet_opts o = {0};
    assert_int_equal(sheet_read(path, &o, collect, &r, &info, NULL), 0);
    assert_int_equal(info.kind, SHEET_CSV);
    assert_int_equal(info.enc, SHEET_ENC_UTF8);
    assert_int_equal(r.n, 4);
    const uint32_t want[] = {1, 3, 4, 6};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(r.number[i], want[i]);
    assert_string_equal(r.first[2], "测试甲");
    assert_int_equal(r.n_cells[0], 1); /* trailing empty cells dropped */
    done_tmp(path, dir);
    /* GB18030 (测试 is b2 e2 ca d4), tab-separated, no line end last. */
    static const char gb[] = "\xd0\xd5\xc3\xfb\t\xd0\xd4\xb1\xf0\n"
                             "\xb2\xe2\xca\xd4\t\xc4\xd0";
    path = write_tmp("b.csv", gb, sizeof gb - 1, &dir);
    memset(&r, 0, sizeof r);
    assert_int_equal(sheet_read(path, &o, collect, &r, &info, NULL), 0);
    assert_int_equal(info.enc, SHEET_ENC_GB18030);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.first[0], "姓名");
    assert_string_equal(r.first[1], "测试");
    assert_int_equal(r.n_cells[1], 2);
    /* Forced to UTF-8 it is not: refused, naming the line. */
    o.enc = SHEET_ENC_UTF8;
    struct hz_err err = {0};
    assert_int_equal(sheet_read(path, &o, collect, &r, &info, &err),
                     HZ_EMALFORMED);
    assert_non_null(strstr(err.msg, "line 1"));
    done_tmp(path, dir);
}

static void a_csv_cell_past_its_bound_is_refused(void **state)
{
    (void)state;
    char *dir = NULL;
    size_t len = SHEET_CELL_MAX * 4;
    char *big = malloc(len + 8);
    assert_non_null(big);
    memcpy(big, "a,\"", 3);
    memset(big + 3, 'x', len);
    memcpy(big + 3 + len, "\"\n", 2);
    char *path = write_tmp("big.csv", big, len + 5, &dir);
    free(big);
    struct rows r = {0};
    struct sheet_info info;
    struct sheet_opts o = {0};
    struct hz_err err = {0};
    assert_int_equal(sheet_read(path, &o, collect, &r, &info, &err),
                     HZ_ETOOBIG);
    assert_int_equal(r.n, 0);
    /* An unclosed quote swallowing the file: the same bound, or never
     * closed at the end. */
    static const char open[] = "a,\"b\nc,d\n";
    done_tmp(path, dir);
    path = write_tmp("open.csv", open, sizeof open - 1, &dir);
    assert_int_equal(sheet_read(path, &o, collect, &r, &info, &err),
                     HZ_EMALFORMED);
    done_tmp(path, dir);
}

static void xlsx_rows_merges_and_number_cells(void **state)
{
    (void)state;
    char *dir = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/roster-persons.xlsx", fixtures);
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(sheet_names(path, &names, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[1], "花名册");
    sheet_names_free(names, n);
    struct rows r = {0};
    struct sheet_info info;
    struct sheet_opts o = {.sheet = 1};
    assert_int_equal(sheet_read(path, &o, collect, &r, &info, NULL), 0);
    assert_int_equal(info.kind, SHEET_XLSX);
    assert_string_equal(info.name, "花名册");
    /* The title, both heading rows (row 3 begins with the merged cell's
     * empty A3, so its first text is empty), five persons. */
    assert_int_equal(r.n, 8);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(r.number[i], i + 1);
    assert_string_equal(r.first[0], "测试村防汛转移人员花名册");
    /* A1:H1, A2:A3, B2:B3, C2:E2, F2:F3, G2:G3, H2:H3 and 户号, 户主
     * merged down A01 (rows 4-5) and A02 (6-7). */
    assert_int_equal(info.n_merges, 11);
    sheet_info_free(&info);
    /* Not a zip: a CSV. A zip that is no workbook: refused. */
    char *bad = write_tmp("x.xlsx", "PK\3\4junk", 9, &dir);
    struct hz_err err = {0};
    assert_int_equal(sheet_read(bad, &o, collect, &r, &info, &err),
                     HZ_EMALFORMED);
    done_tmp(bad, dir);
}

/* ---- writing: a list longer than a sheet goes on in more sheets */

struct streamed {
    size_t next; /* the next data row to give */
    char text[32];
};

static int streamed_row(void *data, struct sheet_value *cells,
                        struct hz_err *err)
{
    (void)err;
    struct streamed *s = data;
    snprintf(s->text, sizeof s->text, "r%zu", s->next);
    cells[0] = (struct sheet_value){.kind = SHEET_V_TEXT, .text = s->text};
    cells[1] = (struct sheet_value){.kind = SHEET_V_INT, .i = (int64_t)s->next};
    s->next++;
    return 0;
}

struct tail {
    size_t n;
    uint32_t last;
    char first[32], last_text[32];
};

static int tail_row(void *data, const struct sheet_info *info,
                    const struct sheet_row *row, struct hz_err *err)
{
    (void)info;
    (void)err;
    struct tail *t = data;
    if (t->n == 0)
        snprintf(t->first, sizeof t->first, "%s", row->cells[0].text);
    t->n++;
    t->last = row->number;
    snprintf(t->last_text, sizeof t->last_text, "%s", row->cells[0].text);
    return 0;
}

static void a_streamed_list_goes_on_past_a_sheets_last_row(void **state)
{
    (void)state;
    char dir[] = "/tmp/hz-xlsx-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[4096];
    snprintf(path, sizeof path, "%s/list.xlsx", dir);
    /* A small sheet with a merged title, then a list of one heading row
     * and SHEET_XLSX_ROWS - 1 + 3 rows: the first sheet full, 3 more. */
    const struct sheet_value small[] = {{.kind = SHEET_V_TEXT, .text = "标题"},
                                        {.kind = SHEET_V_EMPTY},
                                        {.kind = SHEET_V_INT, .i = 7},
                                        {.kind = SHEET_V_INT, .i = 8}};
    const struct sheet_merge title = {0, 0, 0, 1};
    const struct sheet_value head[] = {{.kind = SHEET_V_TEXT, .text = "指标"},
                                       {.kind = SHEET_V_TEXT, .text = "数值"}};
    struct streamed st = {0};
    const size_t n = SHEET_XLSX_ROWS - 1 + 3;
    const struct sheet_out sheets[] = {
        {"小表", 2, 2, small, 1, 0, &title, 1, 0, NULL, NULL},
        {"明细", 1, 2, head, 0, 1, NULL, 0, n, streamed_row, &st},
    };
    struct hz_err err = {0};
    assert_int_equal(sheet_write_xlsx(path, sheets, 2, &err), 0);
    assert_int_equal(st.next, n);
    char **names = NULL;
    size_t k = 0;
    assert_int_equal(sheet_names(path, &names, &k, NULL), 0);
    assert_int_equal(k, 3);
    assert_string_equal(names[0], "小表");
    assert_string_equal(names[1], "明细");
    assert_string_equal(names[2], "明细 (2)");
    sheet_names_free(names, k);
    struct sheet_info info;
    struct tail t = {0};
    struct sheet_opts o = {.sheet = 0};
    assert_int_equal(sheet_read(path, &o, tail_row, &t, &info, NULL), 0);
    assert_int_equal(info.n_merges, 1); /* the title, merged */
    assert_int_equal(t.n, 2);
    sheet_info_free(&info);
    /* The first part: the heading and rows 0 .. SHEET_XLSX_ROWS - 2. */
    t = (struct tail){0};
    o.sheet = 1;
    assert_int_equal(sheet_read(path, &o, tail_row, &t, &info, NULL), 0);
    sheet_info_free(&info);
    assert_int_equal(t.n, SHEET_XLSX_ROWS);
    assert_int_equal(t.last, SHEET_XLSX_ROWS);
    assert_string_equal(t.first, "指标");
    char want[32];
    snprintf(want, sizeof want, "r%u", SHEET_XLSX_ROWS - 2);
    assert_string_equal(t.last_text, want);
    /* The second: the heading again and the last three. */
    t = (struct tail){0};
    o.sheet = 2;
    assert_int_equal(sheet_read(path, &o, tail_row, &t, &info, NULL), 0);
    sheet_info_free(&info);
    assert_int_equal(t.n, 4);
    assert_string_equal(t.first, "指标");
    snprintf(want, sizeof want, "r%zu", n - 1);
    assert_string_equal(t.last_text, want);
    assert_int_equal(remove(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_roster tests/roster\n");
        return 2;
    }
    fixtures = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(birth_dates_as_typed_and_as_stored),
        cmocka_unit_test(names_compare_by_their_key),
        cmocka_unit_test(persons_grouped_by_number_under_a_title),
        cmocka_unit_test(a_household_a_row_with_numbered_members),
        cmocka_unit_test(two_heading_rows_through_merged_cells),
        cmocka_unit_test(unreadable_rows_are_refused_whole),
        cmocka_unit_test(rows_with_no_household_to_join_are_refused),
        cmocka_unit_test(a_mapping_names_other_headings),
        cmocka_unit_test(csv_rows_keep_their_line_numbers),
        cmocka_unit_test(a_csv_cell_past_its_bound_is_refused),
        cmocka_unit_test(xlsx_rows_merges_and_number_cells),
        cmocka_unit_test(a_streamed_list_goes_on_past_a_sheets_last_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
