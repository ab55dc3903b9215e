/* roster.c - see roster.h. */
#include "roster.h"

#include "error_int.h"
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- headings */

static const struct {
    const char *name;
    enum roster_field f;
} field_names[] = {
    {"ignore", RF_IGNORE},
    {"number", RF_NUMBER},
    {"head_name", RF_HEAD_NAME},
    {"head_id_number", RF_HEAD_ID},
    {"name", RF_NAME},
    {"relation", RF_RELATION},
    {"sex", RF_SEX},
    {"birth", RF_BIRTH},
    {"age", RF_AGE},
    {"id_number", RF_ID},
    {"phone", RF_PHONE},
    {"members", RF_MEMBERS},
    {"village", RF_VILLAGE},
    {"group", RF_GROUP},
    {"grid", RF_GRID},
    {"address", RF_ADDRESS},
    {"notes", RF_NOTES},
    {"member_names", RF_MEMBER_NAMES},
    {"disabled", RF_DISABLED},
    {"left_behind", RF_LEFT_BEHIND},
    {"pregnant", RF_PREGNANT},
    {"chronic", RF_CHRONIC},
    {"elderly_mobility", RF_ELDERLY_MOBILITY},
    {"no_caretaker", RF_NO_CARETAKER},
};

const char *roster_field_name(enum roster_field f)
{
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
        if (field_names[i].f == f)
            return field_names[i].name;
    return "";
}

enum roster_field roster_field_of(const char *name)
{
    for (size_t i = 0; i < sizeof field_names / sizeof field_names[0]; i++)
        if (strcmp(field_names[i].name, name) == 0)
            return field_names[i].f;
    return RF_NONE;
}

/* Headings as rosters write them, after normalising (heading_key). */
static const struct {
    const char *text;
    enum roster_field f;
} headings[] = {
    {"户号", RF_NUMBER},
    {"户编号", RF_NUMBER},
    {"户口编号", RF_NUMBER},
    {"户籍编号", RF_NUMBER},
    {"家庭编号", RF_NUMBER},
    {"户代码", RF_NUMBER},
    {"户主姓名", RF_HEAD_NAME},
    {"户主", RF_HEAD_NAME},
    {"户主名", RF_HEAD_NAME},
    {"户主名称", RF_HEAD_NAME},
    {"户主身份证号", RF_HEAD_ID},
    {"户主身份证号码", RF_HEAD_ID},
    {"户主公民身份号码", RF_HEAD_ID},
    {"姓名", RF_NAME},
    {"人员姓名", RF_NAME},
    {"成员姓名", RF_NAME},
    {"家庭成员姓名", RF_NAME},
    {"名字", RF_NAME},
    {"与户主关系", RF_RELATION},
    {"与户主的关系", RF_RELATION},
    {"家庭关系", RF_RELATION},
    {"关系", RF_RELATION},
    {"性别", RF_SEX},
    {"出生日期", RF_BIRTH},
    {"出生年月", RF_BIRTH},
    {"出生年月日", RF_BIRTH},
    {"出生年份", RF_BIRTH},
    {"生日", RF_BIRTH},
    {"年龄", RF_AGE},
    {"身份证号", RF_ID},
    {"身份证号码", RF_ID},
    {"公民身份号码", RF_ID},
    {"身份证", RF_ID},
    {"证件号码", RF_ID},
    {"联系电话", RF_PHONE},
    {"电话", RF_PHONE},
    {"电话号码", RF_PHONE},
    {"手机", RF_PHONE},
    {"手机号", RF_PHONE},
    {"手机号码", RF_PHONE},
    {"联系方式", RF_PHONE},
    {"家庭人口", RF_MEMBERS},
    {"家庭人口数", RF_MEMBERS},
    {"家庭人数", RF_MEMBERS},
    {"户人口数", RF_MEMBERS},
    {"人口数", RF_MEMBERS},
    {"家庭成员数", RF_MEMBERS},
    {"村", RF_VILLAGE},
    {"村名", RF_VILLAGE},
    {"所在村", RF_VILLAGE},
    {"行政村", RF_VILLAGE},
    {"村社区", RF_VILLAGE},
    {"村/社区", RF_VILLAGE},
    {"社区", RF_VILLAGE},
    {"组", RF_GROUP},
    {"村民小组", RF_GROUP},
    {"小组", RF_GROUP},
    {"村组", RF_GROUP},
    {"网格", RF_GRID},
    {"所属网格", RF_GRID},
    {"网格号", RF_GRID},
    {"住址", RF_ADDRESS},
    {"地址", RF_ADDRESS},
    {"家庭住址", RF_ADDRESS},
    {"现住址", RF_ADDRESS},
    {"居住地址", RF_ADDRESS},
    {"户籍地址", RF_ADDRESS},
    {"备注", RF_NOTES},
    {"说明", RF_NOTES},
    {"家庭成员", RF_MEMBER_NAMES},
    {"残疾", RF_DISABLED},
    {"是否残疾", RF_DISABLED},
    {"残疾人", RF_DISABLED},
    {"留守", RF_LEFT_BEHIND},
    {"是否留守", RF_LEFT_BEHIND},
    {"留守人员", RF_LEFT_BEHIND},
    {"孕妇", RF_PREGNANT},
    {"是否孕妇", RF_PREGNANT},
    {"慢性病", RF_CHRONIC},
    {"是否慢性病", RF_CHRONIC},
    {"行动不便", RF_ELDERLY_MOBILITY},
    {"行动不便老人", RF_ELDERLY_MOBILITY},
    {"无人照料儿童", RF_NO_CARETAKER},
};

/* The length of the one of @set at @p, or 0. */
static size_t match(const char *p, const char *const *set)
{
    for (size_t i = 0; set[i] != NULL; i++)
        if (strncmp(p, set[i], strlen(set[i])) == 0)
            return strlen(set[i]);
    return 0;
}

/* @text without spaces (ASCII and U+3000), line ends, asterisks, colons
 * and anything in parentheses (ASCII or full-width), into @out. */
static void heading_key(const char *text, char *out, size_t cap)
{
    static const char *const drop[] = {"\xe3\x80\x80",
                                       "\xef\xbc\x8a",
                                       "\xef\xbc\x9a",
                                       " ",
                                       "\t",
                                       "\r",
                                       "\n",
                                       "*",
                                       ":",
                                       NULL};
    static const char *const open[] = {"(", "\xef\xbc\x88", NULL};
    static const char *const close[] = {")", "\xef\xbc\x89", NULL};
    size_t o = 0, n;
    int depth = 0;
    for (const char *p = text; *p != '\0';) {
        if ((n = match(p, open)) > 0) {
            depth++;
        } else if ((n = match(p, close)) > 0) {
            depth -= depth > 0;
        } else if ((n = match(p, drop)) == 0) {
            n = 1;
            if (depth == 0 && o + 1 < cap)
                out[o++] = *p;
        }
        p += n;
    }
    out[o] = '\0';
}

/* A Chinese numeral one to twenty, or ASCII digits, at @p: its value and
 * length; 0 when none. */
static unsigned member_number(const char *p, size_t *len)
{
    unsigned v = 0;
    size_t i = 0;
    while (p[i] >= '0' && p[i] <= '9' && v < 1000)
        v = v * 10 + (unsigned)(p[i++] - '0');
    if (i > 0) {
        *len = i;
        return v;
    }
    static const char *const zh[] = {"一", "二", "三", "四", "五",
                                     "六", "七", "八", "九", "十"};
    for (unsigned k = 0; k < 10; k++) {
        if (strncmp(p, zh[k], 3) == 0) {
            *len = 3;
            /* 十一 .. 十九 */
            if (k == 9)
                for (unsigned j = 0; j < 9; j++)
                    if (strncmp(p + 3, zh[j], 3) == 0) {
                        *len = 6;
                        return 11 + j;
                    }
            return k + 1;
        }
    }
    return 0;
}

/* The field a heading names, and its member number (成员2姓名: RF_NAME,
 * 2); RF_NONE when unknown. */
static enum roster_field field_of_heading(const char *text,
                                          const struct roster_opts *o,
                                          unsigned *member)
{
    *member = 0;
    for (size_t i = 0; i < o->n_mapping; i++)
        if (strcmp(o->mapping[i].heading, text) == 0)
            return o->mapping[i].field;
    char key[256];
    heading_key(text, key, sizeof key);
    if (key[0] == '\0')
        return RF_NONE;
    for (size_t i = 0; i < o->n_mapping; i++) {
        char mk[256];
        heading_key(o->mapping[i].heading, mk, sizeof mk);
        if (strcmp(mk, key) == 0)
            return o->mapping[i].field;
    }
    for (size_t i = 0; i < sizeof headings / sizeof headings[0]; i++)
        if (strcmp(headings[i].text, key) == 0)
            return headings[i].f;
    /* 成员N..., 家庭成员N...: a member's column. */
    const char *p = key;
    if (strncmp(p, "家庭成员", 12) == 0)
        p += 12;
    else if (strncmp(p, "成员", 6) == 0)
        p += 6;
    else
        return RF_NONE;
    size_t len = 0;
    unsigned k = member_number(p, &len);
    if (k == 0 || k > ROSTER_MEMBER_COLS)
        return RF_NONE;
    p += len;
    const char *rest = p[0] == '\0' ? "姓名" : p;
    for (size_t i = 0; i < sizeof headings / sizeof headings[0]; i++)
        if (strcmp(headings[i].text, rest) == 0) {
            enum roster_field f = headings[i].f;
            if (f == RF_NAME || f == RF_ID || f == RF_SEX || f == RF_BIRTH ||
                f == RF_AGE || f == RF_RELATION || f == RF_PHONE) {
                *member = k;
                return f;
            }
        }
    return RF_NONE;
}

/* ---- cells */

static bool is_one_of(const char *s, const char *const *set)
{
    for (size_t i = 0; set[i] != NULL; i++)
        if (strcmp(s, set[i]) == 0)
            return true;
    return false;
}

/* "男" -> "male"; NULL for empty; *@bad when it is neither. */
static const char *cell_sex(const char *s, bool *bad)
{
    static const char *const m[] = {"男",   "男性", "M", "m",
                                    "male", "Male", NULL};
    static const char *const f[] = {"女",     "女性",   "F", "f",
                                    "female", "Female", NULL};
    if (s[0] == '\0')
        return NULL;
    if (is_one_of(s, m))
        return "male";
    if (is_one_of(s, f))
        return "female";
    *bad = true;
    return NULL;
}

/* A yes/no cell: 是 √ Y 1 有 ..., or 否 N 0 无 and empty. */
static bool cell_flag(const char *s, bool *bad)
{
    static const char *const yes[] = {"是",   "√",    "✓",   "✔",   "Y",
                                      "y",    "yes",  "Yes", "YES", "1",
                                      "TRUE", "true", "有",  "对",  NULL};
    static const char *const no[] = {"",      "否", "×",  "N", "n",
                                     "no",    "No", "NO", "0", "FALSE",
                                     "false", "无", "/",  "-", NULL};
    if (is_one_of(s, yes))
        return true;
    if (!is_one_of(s, no))
        *bad = true;
    return false;
}

/* A whole number from @s, a unit after it allowed (人, 口, 岁); -1 when
 * it is not one. A number cell may be written "3" or "3.0". */
static long cell_count(const char *s)
{
    long v = 0;
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9' && v < 100000)
        v = v * 10 + (s[i++] - '0');
    if (i == 0)
        return -1;
    const char *rest = s + i;
    if (strcmp(rest, "") == 0 || strcmp(rest, ".0") == 0 ||
        strcmp(rest, "人") == 0 || strcmp(rest, "口") == 0 ||
        strcmp(rest, "岁") == 0 || strcmp(rest, "周岁") == 0)
        return v;
    return -1;
}

/* Days from 1970-01-01 to civil date: Howard Hinnant's algorithm, and
 * back (proleptic Gregorian). */
static int year_of_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long m = mp < 10 ? mp + 3 : mp - 9;
    return (int)(y + (m <= 2));
}

static bool real_date(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

int roster_birth_year(const char *text, bool number, bool date1904,
                      int this_year, bool *bad)
{
    int year = 0;
    if (number) {
        /* An Excel date serial: days since 1899-12-30 (since 1904-01-01
         * in a 1904 workbook), maybe with a time of day after a point. */
        char *end = NULL;
        double v = strtod(text, &end);
        if (end == text || *end != '\0' || v < 1 || v > 2958465) {
            /* a year typed as a number (1990) is a number too */
            long y = cell_count(text);
            if (y >= 1880 && y <= 9999)
                year = (int)y;
            else
                *bad = true;
        } else if (v >= 1880 && v <= 2200 && v == (double)(long)v) {
            year = (int)v; /* 1990 read as a year, not 1905-06-12 */
        } else {
            long serial = (long)v + (date1904 ? 1462 : 0);
            year = year_of_days(serial - 25569); /* 1899-12-30 .. 1970 */
        }
    } else {
        /* Up to three groups of digits, separated as people write dates;
         * nothing but those separators around them. */
        long g[3] = {0, 0, 0};
        size_t glen[3] = {0, 0, 0}, n = 0;
        const char *p = text;
        while (*p != '\0') {
            if (*p >= '0' && *p <= '9') {
                if (n == 3) {
                    *bad = true;
                    break;
                }
                while (*p >= '0' && *p <= '9' && glen[n] < 9)
                    g[n] = g[n] * 10 + (*p++ - '0'), glen[n]++;
                n++;
                continue;
            }
            static const char *const seps[] = {"-",  "/",  ".",  " ", "年",
                                               "月", "日", "号", NULL};
            size_t k = 0;
            for (; seps[k] != NULL; k++)
                if (strncmp(p, seps[k], strlen(seps[k])) == 0)
                    break;
            if (seps[k] == NULL) {
                *bad = true;
                break;
            }
            p += strlen(seps[k]);
        }
        int y = 0, m = 1, d = 1;
        if (*bad || n == 0) {
            *bad = true;
        } else if (n == 1 && glen[0] == 4) {
            y = (int)g[0];
        } else if (n == 1 && glen[0] == 6) {
            y = (int)(g[0] / 100), m = (int)(g[0] % 100);
        } else if (n == 1 && glen[0] == 8) {
            y = (int)(g[0] / 10000), m = (int)(g[0] / 100 % 100),
            d = (int)(g[0] % 100);
        } else if (n >= 2 && glen[0] == 4) {
            y = (int)g[0], m = (int)g[1], d = n == 3 ? (int)g[2] : 1;
        } else {
            *bad = true;
        }
        if (!*bad && !real_date(y, m, d))
            *bad = true;
        year = y;
    }
    if (!*bad && (year < 1880 || year > this_year))
        *bad = true;
    return *bad ? 0 : year;
}

void roster_name_key(const char *name, char *out, size_t cap)
{
    static const char *const dots[] = {"\xc2\xb7", "\xe2\x80\xa2",
                                       "\xef\xbc\x8e", ".", NULL};
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0';) {
        size_t n;
        if (*p == ' ' || *p == '\t') {
            p++;
            continue;
        }
        if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
            p += 3;
            continue;
        }
        if ((n = match((const char *)p, dots)) > 0) {
            if (o + 2 < cap) {
                out[o++] = '\xc2';
                out[o++] = '\xb7';
            }
            p += n;
            continue;
        }
        /* U+FF01 .. U+FF5E: EF BC 81 .. EF BD 9E, ASCII 0x21 + offset. */
        if (p[0] == 0xef && (p[1] == 0xbc || p[1] == 0xbd) && p[2] >= 0x80 &&
            p[2] <= 0xbf) {
            unsigned cp = 0xff00u + ((unsigned)(p[1] - 0xbc) << 6) +
                          (unsigned)(p[2] - 0x80);
            if (cp >= 0xff01u && cp <= 0xff5eu) {
                char c = (char)(cp - 0xff01u + 0x21u);
                if (c >= 'A' && c <= 'Z')
                    c = (char)(c - 'A' + 'a');
                if (o + 1 < cap)
                    out[o++] = c;
                p += 3;
                continue;
            }
        }
        /* One UTF-8 character as it is (ASCII letters lower-cased). */
        size_t len = *p < 0x80             ? 1
                     : (*p & 0xe0) == 0xc0 ? 2
                     : (*p & 0xf0) == 0xe0 ? 3
                     : (*p & 0xf8) == 0xf0 ? 4
                                           : 1;
        size_t i = 0;
        while (i < len && p[i] != '\0')
            i++;
        if (o + i >= cap)
            break;
        for (size_t k = 0; k < i; k++)
            out[o++] =
                (char)(len == 1 && p[k] >= 'A' && p[k] <= 'Z' ? p[k] - 'A' + 'a'
                                                              : p[k]);
        p += i;
    }
    out[o] = '\0';
}

/* ---- the reader */

struct col {
    char *heading;
    enum roster_field f;
    unsigned member;
};

/* A row kept until the headings are found: its cells copied. */
struct kept {
    uint32_t number;
    size_t n;
    char **text;
    bool *num;
};

/* Strings of the household being built, freed when it is given. */
struct strs {
    char **v;
    size_t n, cap;
};

struct roster {
    struct roster_opts o;
    struct roster_merge *merges; /* roster_sheet's copy */
    struct kept kept[ROSTER_HEADER_SCAN];
    size_t n_kept;
    bool found;
    struct col *cols;
    size_t n_cols;
    const char **col_headings;
    enum roster_field *col_fields;
    unsigned *col_members;
    struct roster_columns columns;
    /* the household being built */
    struct roster_household h;
    bool open;
    char *key; /* its grouping value */
    struct strs s;
    bool any_row;
};

static char *keep_str(struct roster *r, const char *text, struct hz_err *err,
                      int *rv)
{
    if (*rv != 0 || text == NULL)
        return NULL;
    if (r->s.n == r->s.cap) {
        size_t cap = r->s.cap ? 2 * r->s.cap : 64;
        char **v = realloc(r->s.v, cap * sizeof *v);
        if (v == NULL) {
            *rv = hz_err_set(err, HZ_ENOMEM, "roster");
            return NULL;
        }
        r->s.v = v;
        r->s.cap = cap;
    }
    char *c = malloc(strlen(text) + 1);
    if (c == NULL) {
        *rv = hz_err_set(err, HZ_ENOMEM, "roster");
        return NULL;
    }
    strcpy(c, text);
    r->s.v[r->s.n++] = c;
    return c;
}

static void strs_free(struct strs *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    s->n = 0;
}

int roster_new(struct roster **out, const struct roster_opts *o,
               struct hz_err *err)
{
    struct roster *r = calloc(1, sizeof *r);
    if (r == NULL)
        return hz_err_set(err, HZ_ENOMEM, "roster");
    r->o = *o;
    *out = r;
    return 0;
}

int roster_sheet(struct roster *r, const struct roster_merge *merges,
                 size_t n_merges, bool date1904, struct hz_err *err)
{
    free(r->merges);
    r->merges = NULL;
    if (n_merges > 0) {
        r->merges = malloc(n_merges * sizeof *merges);
        if (r->merges == NULL)
            return hz_err_set(err, HZ_ENOMEM, "roster");
        memcpy(r->merges, merges, n_merges * sizeof *merges);
    }
    r->o.merges = r->merges;
    r->o.n_merges = n_merges;
    r->o.date1904 = date1904;
    return 0;
}

static void kept_free(struct kept *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->text[i]);
    free(k->text);
    free(k->num);
    memset(k, 0, sizeof *k);
}

void roster_free(struct roster *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_kept; i++)
        kept_free(&r->kept[i]);
    for (size_t i = 0; i < r->n_cols; i++)
        free(r->cols[i].heading);
    free(r->cols);
    free(r->col_headings);
    free(r->col_fields);
    free(r->col_members);
    strs_free(&r->s);
    free(r->s.v);
    free(r->key);
    free(r->merges);
    free(r);
}

const struct roster_columns *roster_columns(const struct roster *r)
{
    return r->found ? &r->columns : NULL;
}

static int keep_row(struct roster *r, const struct roster_row *row,
                    struct hz_err *err)
{
    struct kept *k = &r->kept[r->n_kept];
    k->number = row->number;
    k->text = calloc(row->n, sizeof *k->text);
    k->num = calloc(row->n, sizeof *k->num);
    if (k->text == NULL || k->num == NULL) {
        kept_free(k);
        return hz_err_set(err, HZ_ENOMEM, "roster");
    }
    k->n = row->n;
    r->n_kept++;
    for (size_t i = 0; i < row->n; i++) {
        k->text[i] = malloc(strlen(row->cells[i].text) + 1);
        if (k->text[i] == NULL)
            return hz_err_set(err, HZ_ENOMEM, "roster");
        strcpy(k->text[i], row->cells[i].text);
        k->num[i] = row->cells[i].number;
    }
    return 0;
}

/* The text of column @c (0-based) in kept row @k, through merges: an
 * empty cell inside a merged range reads as the range's first cell. */
static const char *kept_cell(const struct roster *r, size_t k, size_t c)
{
    const struct kept *row = &r->kept[k];
    if (c < row->n && row->text[c][0] != '\0')
        return row->text[c];
    for (size_t i = 0; i < r->o.n_merges; i++) {
        const struct roster_merge *m = &r->o.merges[i];
        if (row->number < m->r1 || row->number > m->r2 || c + 1 < m->c1 ||
            c + 1 > m->c2)
            continue;
        for (size_t j = 0; j < r->n_kept; j++)
            if (r->kept[j].number == m->r1)
                return m->c1 - 1 < r->kept[j].n ? r->kept[j].text[m->c1 - 1]
                                                : "";
    }
    return "";
}

/* Is column @c of kept row @k inside a merge spanning several columns? */
static bool in_wide_merge(const struct roster *r, size_t k, size_t c)
{
    uint32_t num = r->kept[k].number;
    for (size_t i = 0; i < r->o.n_merges; i++) {
        const struct roster_merge *m = &r->o.merges[i];
        if (num >= m->r1 && num <= m->r2 && c + 1 >= m->c1 && c + 1 <= m->c2 &&
            m->c2 > m->c1)
            return true;
    }
    return false;
}

static size_t kept_width(const struct roster *r, size_t k)
{
    size_t w = r->kept[k].n;
    for (size_t i = 0; i < r->o.n_merges; i++) {
        const struct roster_merge *m = &r->o.merges[i];
        if (r->kept[k].number >= m->r1 && r->kept[k].number <= m->r2 &&
            m->c2 > w)
            w = m->c2;
    }
    return w;
}

/* How many known headings row @k holds, and whether one is a name. */
static size_t heading_score(const struct roster *r, size_t k, bool *named)
{
    size_t score = 0;
    *named = false;
    for (size_t c = 0; c < kept_width(r, k); c++) {
        unsigned member;
        enum roster_field f =
            field_of_heading(kept_cell(r, k, c), &r->o, &member);
        if (f == RF_NONE || f == RF_IGNORE)
            continue;
        score++;
        *named = *named || f == RF_NAME || f == RF_HEAD_NAME;
    }
    return score;
}

static bool has(const struct roster *r, enum roster_field f, unsigned member)
{
    for (size_t c = 0; c < r->n_cols; c++)
        if (r->cols[c].f == f && r->cols[c].member == member)
            return true;
    return false;
}

/* Take row @k (and @k + 1 for a second heading row) as the headings. */
static int set_headings(struct roster *r, size_t k, struct hz_err *err)
{
    size_t width = kept_width(r, k);
    bool two = false;
    if (k + 1 < r->n_kept && kept_width(r, k + 1) > width)
        width = kept_width(r, k + 1);
    r->cols = calloc(width, sizeof *r->cols);
    r->col_headings = calloc(width, sizeof *r->col_headings);
    r->col_fields = calloc(width, sizeof *r->col_fields);
    r->col_members = calloc(width, sizeof *r->col_members);
    if (width > 0 && (r->cols == NULL || r->col_headings == NULL ||
                      r->col_fields == NULL || r->col_members == NULL))
        return hz_err_set(err, HZ_ENOMEM, "roster");
    r->n_cols = width;
    /* A second heading row names the columns the first leaves open or
     * groups under one merged heading; only when it names at least two. */
    size_t fills = 0;
    if (k + 1 < r->n_kept) {
        for (size_t c = 0; c < width; c++) {
            unsigned m1, m2;
            enum roster_field f1 =
                field_of_heading(kept_cell(r, k, c), &r->o, &m1);
            enum roster_field f2 =
                field_of_heading(kept_cell(r, k + 1, c), &r->o, &m2);
            if (f2 != RF_NONE && (f1 == RF_NONE || in_wide_merge(r, k, c)))
                fills++;
        }
        two = fills >= 2;
    }
    for (size_t c = 0; c < width; c++) {
        unsigned m1 = 0, m2 = 0;
        const char *t1 = kept_cell(r, k, c);
        enum roster_field f1 = field_of_heading(t1, &r->o, &m1);
        const char *t = t1;
        enum roster_field f = f1;
        unsigned m = m1;
        if (two) {
            const char *t2 = kept_cell(r, k + 1, c);
            enum roster_field f2 = field_of_heading(t2, &r->o, &m2);
            if (f2 != RF_NONE && (f1 == RF_NONE || in_wide_merge(r, k, c)))
                t = t2, f = f2, m = m2;
        }
        int rv = 0;
        r->cols[c].heading = malloc(strlen(t) + 1);
        if (r->cols[c].heading == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "roster");
        if (rv != 0)
            return rv;
        strcpy(r->cols[c].heading, t);
        r->cols[c].f = f;
        r->cols[c].member = m;
        r->col_headings[c] = r->cols[c].heading;
        r->col_fields[c] = f;
        r->col_members[c] = m;
    }
    struct roster_columns *cs = &r->columns;
    cs->header_row = r->kept[k].number;
    cs->header_rows = two ? 2 : 1;
    cs->n_cols = width;
    cs->headings = r->col_headings;
    cs->fields = r->col_fields;
    cs->member = r->col_members;
    if (has(r, RF_NAME, 0)) {
        cs->layout = ROSTER_LAYOUT_PERSONS;
        cs->group_by = has(r, RF_NUMBER, 0)      ? RF_NUMBER
                       : has(r, RF_HEAD_NAME, 0) ? RF_HEAD_NAME
                       : has(r, RF_RELATION, 0)  ? RF_RELATION
                                                 : RF_NONE;
        if (cs->group_by == RF_NONE)
            return hz_err_set(err, HZ_EMALFORMED,
                              "row %u: one row per person, but no 户号, 户主"
                              " or 与户主关系 column says which rows form a"
                              " household",
                              cs->header_row);
    } else if (has(r, RF_HEAD_NAME, 0)) {
        cs->layout = ROSTER_LAYOUT_HOUSEHOLDS;
        cs->group_by = RF_NONE;
    } else {
        return hz_err_set(err, HZ_EMALFORMED,
                          "row %u: no 姓名 or 户主姓名 column", cs->header_row);
    }
    r->found = true;
    return 0;
}

/* ---- households */

static const char *cell_of(const struct roster *r, const struct roster_row *row,
                           enum roster_field f, unsigned member, size_t *col,
                           bool *number)
{
    for (size_t c = 0; c < r->n_cols; c++)
        if (r->cols[c].f == f && r->cols[c].member == member) {
            if (col != NULL)
                *col = c;
            if (number != NULL)
                *number = c < row->n && row->cells[c].number;
            return c < row->n ? row->cells[c].text : "";
        }
    return NULL;
}

static const char *heading_of(const struct roster *r, enum roster_field f,
                              unsigned member)
{
    size_t col = 0;
    for (size_t c = 0; c < r->n_cols; c++)
        if (r->cols[c].f == f && r->cols[c].member == member) {
            col = c;
            return r->cols[col].heading;
        }
    return "";
}

/* One refusal: the row, the column's heading and why. */
static void refuse(struct roster *r, uint32_t row, enum roster_field f,
                   unsigned member, const char *zh, const char *en)
{
    if (r->o.refused != NULL)
        r->o.refused(r->o.data, row,
                     f == RF_NONE ? "" : heading_of(r, f, member), zh, en);
}

static bool blank_text(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* A text cell as given: NULL when the column is absent or the cell
 * empty. */
static const char *text_of(const struct roster *r, const struct roster_row *row,
                           enum roster_field f, unsigned member)
{
    const char *t = cell_of(r, row, f, member, NULL, NULL);
    return blank_text(t) ? NULL : t;
}

/* An ID number cell, checked; NULL when empty. *@bad when refused. */
static const char *id_of(struct roster *r, const struct roster_row *row,
                         enum roster_field f, unsigned member, char *out,
                         size_t cap, bool *bad)
{
    bool number = false;
    const char *t = cell_of(r, row, f, member, NULL, &number);
    if (blank_text(t))
        return NULL;
    size_t o = 0;
    bool digits_only = true;
    for (const char *p = t; *p != '\0' && o + 1 < cap; p++) {
        if (*p == ' ' || *p == '\'')
            continue; /* '110...: Excel's text marker typed by hand */
        char c = *p == 'x' ? 'X' : *p;
        digits_only = digits_only && c >= '0' && c <= '9';
        out[o++] = c;
    }
    out[o] = '\0';
    /* Stored as a number: an 18-digit number keeps 15 or 16 digits, and
     * Excel writes it as 1.10105194912310E+17; an old 15-digit one fits. */
    if ((number && !(digits_only && o == 15)) || strchr(out, 'E') != NULL ||
        strchr(out, '+') != NULL) {
        refuse(r, row->number, f, member,
               "身份证号被存成了数字，后几位已丢失：请把该列设为文本后重新录入",
               "the ID number was stored as a number and lost its last"
               " digits: make the column text and type it again");
        *bad = true;
        return NULL;
    }
    enum id_number_fault fault = schema_id_number_check(out, r->o.this_year);
    if (fault != IDN_OK) {
        refuse(r, row->number, f, member, schema_id_number_fault_zh(fault),
               schema_id_number_fault_en(fault));
        *bad = true;
        return NULL;
    }
    return out;
}

/* The person of @row at member @member (0: the row's own, or the head of
 * a household row), into @p; false (refused) when a cell cannot be read.
 * @need_name: a missing name is a refusal. */
static bool person_of(struct roster *r, const struct roster_row *row,
                      unsigned member, enum roster_field name_field,
                      struct roster_person *p, struct hz_err *err, int *rv)
{
    bool bad = false;
    memset(p, 0, sizeof *p);
    p->row = row->number;
    const char *name = text_of(r, row, name_field, member);
    if (name == NULL) {
        refuse(r, row->number, name_field, member, "缺少姓名", "no name");
        bad = true;
    }
    char idn[32];
    enum roster_field idf =
        name_field == RF_HEAD_NAME &&
                cell_of(r, row, RF_HEAD_ID, 0, NULL, NULL) != NULL
            ? RF_HEAD_ID
            : RF_ID;
    const char *id = id_of(r, row, idf, member, idn, sizeof idn, &bad);
    bool sex_bad = false;
    const char *sex_cell = cell_of(r, row, RF_SEX, member, NULL, NULL);
    const char *sex = cell_sex(sex_cell != NULL ? sex_cell : "", &sex_bad);
    if (sex_bad) {
        refuse(r, row->number, RF_SEX, member, "性别应为“男”或“女”",
               "sex is neither 男 nor 女");
        bad = true;
    }
    bool number = false;
    const char *birth = cell_of(r, row, RF_BIRTH, member, NULL, &number);
    if (!blank_text(birth)) {
        bool birth_bad = false;
        p->birth_year = roster_birth_year(birth, number, r->o.date1904,
                                          r->o.this_year, &birth_bad);
        if (birth_bad) {
            refuse(r, row->number, RF_BIRTH, member, "出生日期不存在或无法识别",
                   "the birth date does not exist or cannot be read");
            bad = true;
        }
    }
    const char *age = text_of(r, row, RF_AGE, member);
    if (age != NULL) {
        long a = cell_count(age);
        if (a < 0 || a > 130) {
            refuse(r, row->number, RF_AGE, member, "年龄不是 0 到 130 的整数",
                   "the age is not a whole number from 0 to 130");
            bad = true;
        } else if (p->birth_year == 0) {
            p->birth_year = r->o.this_year - (int)a;
        }
    }
    if (id != NULL && p->birth_year == 0) { /* the ID number's year */
        bool long_id = strlen(id) == 18;
        int y = long_id ? 0 : 19;
        for (size_t i = 6; i < (long_id ? 10u : 8u); i++)
            y = y * 10 + (id[i] - '0');
        p->birth_year = y;
    }
    const char *phone = text_of(r, row, RF_PHONE, member);
    if (phone != NULL) {
        size_t digits = 0;
        bool ok = strchr(phone, 'E') == NULL;
        for (const char *c = phone; *c != '\0' && ok; c++) {
            if (*c >= '0' && *c <= '9')
                digits++;
            else if (*c != '-' && *c != ' ' && *c != '+' && *c != '(' &&
                     *c != ')' && *c != '/' && *c != ',')
                ok = false;
        }
        if (!ok || digits < 5) {
            refuse(r, row->number, RF_PHONE, member, "电话号码不是数字",
                   "the phone number is not a number");
            bad = true;
        }
    }
    static const struct {
        enum roster_field f;
        unsigned bit;
    } flag_cols[] = {
        {RF_DISABLED, ROSTER_DISABLED},
        {RF_LEFT_BEHIND, ROSTER_LEFT_BEHIND},
        {RF_PREGNANT, ROSTER_PREGNANT},
        {RF_CHRONIC, ROSTER_CHRONIC},
        {RF_ELDERLY_MOBILITY, ROSTER_ELDERLY_MOBILITY},
        {RF_NO_CARETAKER, ROSTER_NO_CARETAKER},
    };
    for (size_t i = 0; member == 0 && i < ROSTER_FLAGS; i++) {
        const char *v = cell_of(r, row, flag_cols[i].f, 0, NULL, NULL);
        bool flag_bad = false;
        if (v != NULL && cell_flag(v, &flag_bad))
            p->flags |= flag_cols[i].bit;
        if (flag_bad) {
            refuse(r, row->number, flag_cols[i].f, 0, "应填“是”或“否”",
                   "want 是 (yes) or 否 (no)");
            bad = true;
        }
    }
    if (bad)
        return false;
    p->name = keep_str(r, name, err, rv);
    p->id_number = keep_str(r, id, err, rv);
    p->phone = keep_str(r, phone, err, rv);
    p->sex = sex;
    const char *rel = text_of(r, row, RF_RELATION, member);
    p->relation = keep_str(r, rel, err, rv);
    p->head =
        rel != NULL && (strcmp(rel, "户主") == 0 || strcmp(rel, "本人") == 0);
    if (member == 0 && name_field == RF_NAME)
        p->notes = keep_str(r, text_of(r, row, RF_NOTES, 0), err, rv);
    return *rv == 0;
}

static int give(struct roster *r, struct hz_err *err)
{
    int rv = 0;
    if (r->open && r->h.n_persons > 0 && r->o.household != NULL)
        rv = r->o.household(r->o.data, &r->h, err);
    r->open = false;
    strs_free(&r->s);
    free(r->key);
    r->key = NULL;
    memset(&r->h, 0, sizeof r->h);
    return rv;
}

/* Household fields from @row where the household has none yet. */
static int household_fields(struct roster *r, const struct roster_row *row,
                            bool with_notes, struct hz_err *err)
{
    int rv = 0;
    struct roster_household *h = &r->h;
    const char *v;
#define FILL(field, f)                                                         \
    if (h->field == NULL && (v = text_of(r, row, f, 0)) != NULL)               \
        h->field = keep_str(r, v, err, &rv);
    FILL(number, RF_NUMBER)
    FILL(head_name, RF_HEAD_NAME)
    FILL(village, RF_VILLAGE)
    FILL(grid, RF_GRID)
    FILL(grid, RF_GROUP)
    FILL(address, RF_ADDRESS)
    if (with_notes)
        FILL(notes, RF_NOTES)
#undef FILL
    if (h->village == NULL && r->o.village != NULL)
        h->village = keep_str(r, r->o.village, err, &rv);
    if (h->members < 0 && (v = text_of(r, row, RF_MEMBERS, 0)) != NULL) {
        long m = cell_count(v);
        if (m >= 0 && m <= 100)
            h->members = (int)m;
    }
    return rv;
}

/* Is the 家庭人口 cell of @row readable (when there is one)? */
static bool members_ok(struct roster *r, const struct roster_row *row)
{
    const char *v = text_of(r, row, RF_MEMBERS, 0);
    long m = v != NULL ? cell_count(v) : 0;
    if (m < 0 || m > 100) {
        refuse(r, row->number, RF_MEMBERS, 0, "家庭人口不是 0 到 100 的整数",
               "the household size is not a whole number from 0 to 100");
        return false;
    }
    return true;
}

static int open_household(struct roster *r, const struct roster_row *row,
                          const char *key, struct hz_err *err)
{
    int rv = give(r, err);
    if (rv != 0)
        return rv;
    r->open = true;
    r->h.row = row->number;
    r->h.members = -1;
    if (key != NULL) {
        r->key = malloc(strlen(key) + 1);
        if (r->key == NULL)
            return hz_err_set(err, HZ_ENOMEM, "roster");
        strcpy(r->key, key);
    }
    return 0;
}

static int person_row(struct roster *r, const struct roster_row *row,
                      struct hz_err *err)
{
    int rv = 0;
    const struct roster_columns *cs = &r->columns;
    /* Which household: a new grouping value opens one; an empty one
     * continues the household above. */
    const char *key = NULL;
    if (cs->group_by == RF_NUMBER || cs->group_by == RF_HEAD_NAME) {
        key = text_of(r, row, cs->group_by, 0);
        if (key != NULL &&
            (!r->open || r->key == NULL || strcmp(key, r->key) != 0))
            rv = open_household(r, row, key, err);
    } else { /* a 户主 row in 与户主关系 opens one */
        const char *rel = text_of(r, row, RF_RELATION, 0);
        if (rel != NULL &&
            (strcmp(rel, "户主") == 0 || strcmp(rel, "本人") == 0))
            rv = open_household(r, row, NULL, err);
    }
    if (rv != 0)
        return rv;
    if (!r->open) {
        refuse(r, row->number, cs->group_by, 0,
               cs->group_by == RF_RELATION ? "上方没有户主行，无法归户"
                                           : "没有户号或户主，无法归户",
               cs->group_by == RF_RELATION
                   ? "no 户主 row above it: which household is it?"
                   : "no household number or head: which household is it?");
        return 0;
    }
    struct roster_person p;
    bool ok = person_of(r, row, 0, RF_NAME, &p, err, &rv);
    ok = members_ok(r, row) && ok;
    if (!ok || rv != 0)
        return rv;
    if (r->h.n_persons == ROSTER_PERSONS_MAX) {
        refuse(r, row->number, RF_NONE, 0, "一户超过 100 人",
               "a household of more than 100 people");
        return 0;
    }
    rv = household_fields(r, row, false, err);
    if (p.head && r->h.head_name == NULL)
        r->h.head_name = p.name;
    if (p.head && r->h.phone == NULL)
        r->h.phone = p.phone;
    if (rv == 0 && r->h.head_name != NULL && p.name != NULL &&
        strcmp(r->h.head_name, p.name) == 0 && p.relation == NULL)
        p.head = true;
    r->h.persons[r->h.n_persons++] = p;
    return rv;
}

/* "张三、李四，王五" -> names. */
static int member_names(struct roster *r, const struct roster_row *row,
                        struct hz_err *err)
{
    const char *cell = text_of(r, row, RF_MEMBER_NAMES, 0);
    if (cell == NULL)
        return 0;
    char buf[4097];
    snprintf(buf, sizeof buf, "%s", cell);
    int rv = 0;
    static const char *const seps[] = {
        "、", "，", ",", "；", ";", " ", "/", "\xe3\x80\x80", NULL};
    char *p = buf;
    while (rv == 0 && *p != '\0') {
        size_t len = strlen(p), cut = len, skip = 0;
        for (size_t i = 0; seps[i] != NULL; i++) {
            char *s = strstr(p, seps[i]);
            if (s != NULL && (size_t)(s - p) < cut) {
                cut = (size_t)(s - p);
                skip = strlen(seps[i]);
            }
        }
        char save = p[cut];
        p[cut] = '\0';
        bool dup = r->h.persons[0].name != NULL &&
                   strcmp(p, r->h.persons[0].name) == 0;
        if (p[0] != '\0' && !dup) {
            if (r->h.n_persons == ROSTER_PERSONS_MAX)
                return 0;
            struct roster_person *m = &r->h.persons[r->h.n_persons++];
            memset(m, 0, sizeof *m);
            m->row = row->number;
            m->name = keep_str(r, p, err, &rv);
        }
        p[cut] = save;
        p += cut + skip;
    }
    return rv;
}

static int household_row(struct roster *r, const struct roster_row *row,
                         struct hz_err *err)
{
    int rv = open_household(r, row, NULL, err);
    if (rv != 0)
        return rv;
    struct roster_person head;
    bool ok = person_of(r, row, 0, RF_HEAD_NAME, &head, err, &rv);
    ok = members_ok(r, row) && ok;
    head.head = true;
    if (head.relation == NULL)
        head.relation = "户主";
    struct roster_person members[ROSTER_MEMBER_COLS];
    size_t n_members = 0;
    for (unsigned k = 1; rv == 0 && k <= ROSTER_MEMBER_COLS; k++) {
        bool any = false;
        static const enum roster_field member_fields[] = {
            RF_NAME, RF_ID, RF_SEX, RF_BIRTH, RF_AGE, RF_RELATION, RF_PHONE};
        for (size_t i = 0; i < sizeof member_fields / sizeof member_fields[0];
             i++)
            any = any || text_of(r, row, member_fields[i], k) != NULL;
        if (!any)
            continue;
        ok = person_of(r, row, k, RF_NAME, &members[n_members], err, &rv) && ok;
        n_members++;
    }
    if (rv != 0 || !ok) {
        r->open = false; /* refused whole: nothing of it is given */
        return give(r, err);
    }
    rv = household_fields(r, row, true, err);
    r->h.head_name = head.name;
    r->h.phone = head.phone;
    r->h.persons[r->h.n_persons++] = head;
    for (size_t i = 0; i < n_members; i++)
        r->h.persons[r->h.n_persons++] = members[i];
    if (rv == 0)
        rv = member_names(r, row, err);
    return rv != 0 ? rv : give(r, err);
}

static int data_row(struct roster *r, const struct roster_row *row,
                    struct hz_err *err)
{
    return r->columns.layout == ROSTER_LAYOUT_PERSONS
               ? person_row(r, row, err)
               : household_row(r, row, err);
}

/* Rows kept before the headings were found, after them. */
static int replay(struct roster *r, size_t from, struct hz_err *err)
{
    int rv = 0;
    for (size_t k = from; rv == 0 && k < r->n_kept; k++) {
        struct roster_cell cells[256];
        size_t n = r->kept[k].n < 256 ? r->kept[k].n : 256;
        for (size_t i = 0; i < n; i++)
            cells[i] =
                (struct roster_cell){r->kept[k].text[i], r->kept[k].num[i]};
        struct roster_row row = {r->kept[k].number, n, cells};
        rv = data_row(r, &row, err);
    }
    for (size_t k = 0; k < r->n_kept; k++)
        kept_free(&r->kept[k]);
    r->n_kept = 0;
    return rv;
}

/* Look for the headings among the rows kept: the first row with two
 * known headings, one a name (or the row a mapping names). */
static int find_headings(struct roster *r, bool last, struct hz_err *err)
{
    for (size_t k = 0; k < r->n_kept; k++) {
        bool named = false, next_named = false;
        size_t score = heading_score(r, k, &named);
        /* A two-row heading may have its name column in the second row
         * (基本信息 over 姓名). */
        if (score >= 2 && !named && k + 1 < r->n_kept)
            (void)heading_score(r, k + 1, &next_named);
        bool at = r->o.header_row != 0 ? r->kept[k].number == r->o.header_row
                                       : score >= 2 && (named || next_named);
        if (!at)
            continue;
        /* A second heading row needs the row under it kept too. */
        if (k + 1 >= r->n_kept && !last && r->n_kept < ROSTER_HEADER_SCAN)
            return 0;
        int rv = set_headings(r, k, err);
        return rv != 0 ? rv : replay(r, k + r->columns.header_rows, err);
    }
    if (last || r->n_kept == ROSTER_HEADER_SCAN)
        return hz_err_set(
            err, HZ_EMALFORMED,
            r->o.header_row != 0
                ? "no row %u among the first rows to take the headings from"
                : "no heading row in the first %u rows (one naming at least"
                  " two columns such as 姓名, 户主姓名, 身份证号): name the"
                  " columns in a mapping file (--mapping)",
            r->o.header_row != 0 ? r->o.header_row : ROSTER_HEADER_SCAN);
    return 0;
}

int roster_row(struct roster *r, const struct roster_row *row,
               struct hz_err *err)
{
    r->any_row = true;
    if (r->found)
        return data_row(r, row, err);
    int rv = keep_row(r, row, err);
    return rv != 0 ? rv : find_headings(r, false, err);
}

int roster_end(struct roster *r, struct hz_err *err)
{
    int rv = 0;
    if (!r->found)
        rv = r->any_row ? find_headings(r, true, err)
                        : hz_err_set(err, HZ_EMALFORMED, "an empty sheet");
    return rv != 0 ? rv : give(r, err);
}
