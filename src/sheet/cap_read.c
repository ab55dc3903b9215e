/* cap_read.c - a CAP 1.2 alert (OASIS Common Alerting Protocol) read into
 * a warning notice, for huzhu alert import (proto/cli.md; proto/schema.md,
 * "Warning campaigns"). expat parses (no parser of our own); this file
 * walks its events: the alert's identifier, sender and sent, its first
 * info's event, urgency, severity, certainty, headline, description,
 * instruction, expires and senderName, and the areaDesc and geocode
 * values of that info's areas. A file over SHEET_CAP_LEN_MAX, XML that
 * does not parse, a document type declaration, a root that is not a CAP
 * 1.2 alert, or a missing or unknown required field is refused. */
#include "sheet.h"

#include "../core/error_int.h"
#include "../core/schema.h"

#include <expat.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define CAP_NS "urn:oasis:names:tc:emergency:cap:1.2"
#define CAP_DEPTH_MAX 16

struct cap_parse {
    XML_Parser p;
    struct sheet_cap *out;
    const char *path[CAP_DEPTH_MAX]; /* local names, static strings */
    size_t depth;                    /* elements open */
    size_t n_info;                   /* info elements begun */
    bool root_ok, refused;
    char why[128];
    char *text; /* where character data goes, or NULL */
    size_t text_len, text_cap;
};

static void cap_refuse(struct cap_parse *c, const char *why)
{
    if (!c->refused)
        snprintf(c->why, sizeof c->why, "%s", why);
    c->refused = true;
    XML_StopParser(c->p, XML_FALSE);
}

/* Local names we keep, interned so path[] holds no parser memory. */
static const char *const known[] = {
    "alert",       "identifier",  "sender",   "sent",       "info",
    "event",       "urgency",     "severity", "certainty",  "headline",
    "description", "instruction", "expires",  "senderName", "area",
    "areaDesc",    "geocode",     "value",
};

static const char *intern(const char *name)
{
    const char *bar = strrchr(name, '|');
    bool ns = bar != NULL && (size_t)(bar - name) == strlen(CAP_NS) &&
              memcmp(name, CAP_NS, strlen(CAP_NS)) == 0;
    if (!ns)
        return "";
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(bar + 1, known[i]) == 0)
            return known[i];
    return "";
}

/* Is the open element path @a/@b/... (NULL-ended)? */
static bool at(const struct cap_parse *c, const char *const *want, size_t n)
{
    if (c->depth != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(c->path[i], want[i]) != 0)
            return false;
    return true;
}

static char *field_of(struct cap_parse *c, size_t *cap)
{
    struct sheet_cap *o = c->out;
    struct {
        const char *name;
        char *buf;
        size_t cap;
        bool info;
    } const fields[] = {
        {"identifier", o->identifier, sizeof o->identifier, false},
        {"sender", o->sender, sizeof o->sender, false},
        {"sent", o->sent_text, sizeof o->sent_text, false},
        {"event", o->event, sizeof o->event, true},
        {"urgency", o->urgency, sizeof o->urgency, true},
        {"severity", o->severity, sizeof o->severity, true},
        {"certainty", o->certainty, sizeof o->certainty, true},
        {"headline", o->headline, sizeof o->headline, true},
        {"description", o->description, sizeof o->description, true},
        {"instruction", o->instruction, sizeof o->instruction, true},
        {"expires", o->expires_text, sizeof o->expires_text, true},
        {"senderName", o->source, sizeof o->source, true},
    };
    const char *leaf = c->path[c->depth - 1];
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strcmp(leaf, fields[i].name) != 0)
            continue;
        const char *want[3] = {"alert", fields[i].info ? "info" : leaf, leaf};
        if (at(c, want, fields[i].info ? 3 : 2) &&
            (!fields[i].info || c->n_info == 1)) {
            *cap = fields[i].cap;
            return fields[i].buf;
        }
    }
    static const char *const desc[] = {"alert", "info", "area", "areaDesc"};
    static const char *const geo[] = {"alert", "info", "area", "geocode",
                                      "value"};
    if (c->n_info == 1 && (at(c, desc, 4) || at(c, geo, 5))) {
        if (o->n_names == SHEET_CAP_NAMES_MAX) {
            cap_refuse(c, "more areas than huzhu reads");
            return NULL;
        }
        *cap = sizeof o->names[0];
        return o->names[o->n_names++];
    }
    return NULL;
}

static void XMLCALL on_start(void *data, const XML_Char *name,
                             const XML_Char **attrs)
{
    (void)attrs;
    struct cap_parse *c = data;
    if (c->depth == 0) {
        if (strcmp(intern(name), "alert") != 0) {
            cap_refuse(c, "the root is not a CAP 1.2 alert");
            return;
        }
        c->root_ok = true;
    }
    if (c->depth == CAP_DEPTH_MAX) {
        cap_refuse(c, "elements nested too deep");
        return;
    }
    c->path[c->depth++] = intern(name);
    if (c->depth == 2 && strcmp(c->path[1], "info") == 0)
        c->n_info++;
    size_t cap = 0;
    c->text = field_of(c, &cap);
    c->text_len = 0;
    c->text_cap = cap;
    if (c->text != NULL)
        c->text[0] = '\0';
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    (void)name;
    struct cap_parse *c = data;
    c->text = NULL;
    if (c->depth > 0)
        c->depth--;
}

static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
    struct cap_parse *c = data;
    if (c->text == NULL || len <= 0)
        return;
    if (c->text_len + (size_t)len >= c->text_cap) {
        cap_refuse(c, "a field longer than huzhu keeps");
        return;
    }
    memcpy(c->text + c->text_len, s, (size_t)len);
    c->text_len += (size_t)len;
    c->text[c->text_len] = '\0';
}

static void XMLCALL on_doctype(void *data, const XML_Char *name,
                               const XML_Char *sysid, const XML_Char *pubid,
                               int internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)internal;
    cap_refuse(data, "a document type declaration (CAP has none)");
}

/* Trim spaces at both ends of @s, in place. */
static void trim(char *s)
{
    size_t len = strlen(s), a = 0;
    while (a < len && isspace((unsigned char)s[a]))
        a++;
    while (len > a && isspace((unsigned char)s[len - 1]))
        len--;
    memmove(s, s + a, len - a);
    s[len - a] = '\0';
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* A CAP dateTime, "2024-06-01T08:00:00+08:00" (or "Z"), into Unix
 * seconds; false for anything else. */
static bool cap_time(const char *s, int64_t *t)
{
    int y, mo, d, h, mi, se, oh = 0, om = 0;
    char sign = 0, tail = 0;
    size_t len = strlen(s);
    if (len == 20 && s[19] == 'Z') {
        if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%c", &y, &mo, &d, &h, &mi, &se,
                   &tail) != 6)
            return false;
        sign = '+';
    } else if (len != 25 ||
               sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%2d:%2d%c", &y, &mo, &d, &h,
                      &mi, &se, &sign, &oh, &om, &tail) != 9 ||
               (sign != '+' && sign != '-')) {
        return false;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 2000 || y > 2099 || mo < 1 || mo > 12 || d < 1 ||
        d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
        mi > 59 || se > 59 || oh > 14 || om > 59)
        return false;
    long long off = (oh * 60LL + om) * 60 * (sign == '-' ? -1 : 1);
    *t = (int64_t)(days_from_civil(y, mo, d) * 86400 + h * 3600LL + mi * 60LL +
                   se - off);
    return true;
}

/* A CAP enumeration value (@s, e.g. "Immediate") lowercased in place and
 * checked against the values the schema registry gives column @col of
 * warning_notices (urgency, severity, certainty: CAP 1.2's, lowercased);
 * false when it is none of them. */
static bool cap_enum(char *s, const char *col)
{
    for (char *p = s; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const struct table_def *t =
        schema_table_c(schema_current(), "warning_notices");
    int c = t != NULL ? schema_col_c(t, col) : -1;
    return c >= 0 &&
           schema_enum(&t->cols[c], (const uint8_t *)s, strlen(s)) != NULL;
}

/* What the alert must hold, and its values as huzhu writes them. */
static int cap_finish(struct sheet_cap *o, struct hz_err *err)
{
    char *all[] = {o->identifier,  o->sender,      o->sent_text,    o->event,
                   o->urgency,     o->severity,    o->certainty,    o->headline,
                   o->description, o->instruction, o->expires_text, o->source};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        trim(all[i]);
    for (size_t i = 0; i < o->n_names; i++)
        trim(o->names[i]);
    const char *missing = o->identifier[0] == '\0'  ? "identifier"
                          : o->sender[0] == '\0'    ? "sender"
                          : o->sent_text[0] == '\0' ? "sent"
                          : o->event[0] == '\0'     ? "info/event"
                          : o->urgency[0] == '\0'   ? "info/urgency"
                          : o->severity[0] == '\0'  ? "info/severity"
                          : o->certainty[0] == '\0' ? "info/certainty"
                                                    : NULL;
    if (missing != NULL)
        return hz_err_set(err, HZ_EMALFORMED, "CAP alert without %s", missing);
    if (!cap_time(o->sent_text, &o->sent))
        return hz_err_set(err, HZ_EMALFORMED, "sent: not a CAP date and time");
    o->has_expires = o->expires_text[0] != '\0';
    if (o->has_expires && !cap_time(o->expires_text, &o->expires))
        return hz_err_set(err, HZ_EMALFORMED,
                          "expires: not a CAP date and time");
    if (!cap_enum(o->urgency, "urgency"))
        return hz_err_set(err, HZ_EMALFORMED, "urgency: not a CAP value");
    if (!cap_enum(o->severity, "severity"))
        return hz_err_set(err, HZ_EMALFORMED, "severity: not a CAP value");
    if (!cap_enum(o->certainty, "certainty"))
        return hz_err_set(err, HZ_EMALFORMED, "certainty: not a CAP value");
    return 0;
}

int sheet_cap_read(const char *path, struct sheet_cap *out, struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return hz_err_set(err, HZ_EIO, "%s: cannot open", path);
    char *buf = malloc(SHEET_CAP_LEN_MAX + 1);
    size_t len = buf != NULL ? fread(buf, 1, SHEET_CAP_LEN_MAX + 1, fp) : 0;
    bool read_err = ferror(fp) != 0;
    fclose(fp);
    if (buf == NULL)
        return hz_err_set(err, HZ_ENOMEM, "CAP file");
    if (read_err) {
        free(buf);
        return hz_err_set(err, HZ_EIO, "%s: cannot read", path);
    }
    if (len > SHEET_CAP_LEN_MAX) {
        free(buf);
        return hz_err_set(err, HZ_ETOOBIG, "CAP file over %u bytes",
                          SHEET_CAP_LEN_MAX);
    }
    struct cap_parse c = {.out = out};
    c.p = XML_ParserCreateNS("UTF-8", '|');
    if (c.p == NULL) {
        free(buf);
        return hz_err_set(err, HZ_ENOMEM, "XML parser");
    }
    XML_SetUserData(c.p, &c);
    XML_SetElementHandler(c.p, on_start, on_end);
    XML_SetCharacterDataHandler(c.p, on_text);
    XML_SetStartDoctypeDeclHandler(c.p, on_doctype);
    enum XML_Status st = XML_Parse(c.p, buf, (int)len, XML_TRUE);
    int rv = 0;
    if (c.refused)
        rv = hz_err_set(err, HZ_EMALFORMED, "%s", c.why);
    else if (st != XML_STATUS_OK)
        rv = hz_err_set(err, HZ_EMALFORMED, "XML line %lu: %s",
                        (unsigned long)XML_GetCurrentLineNumber(c.p),
                        XML_ErrorString(XML_GetErrorCode(c.p)));
    else if (!c.root_ok)
        rv = hz_err_set(err, HZ_EMALFORMED, "not a CAP 1.2 alert");
    else if (c.n_info == 0)
        rv = hz_err_set(err, HZ_EMALFORMED, "CAP alert without info");
    XML_ParserFree(c.p);
    free(buf);
    return rv != 0 ? rv : cap_finish(out, err);
}

bool sheet_cap_names(const struct sheet_cap *cap, const char *name)
{
    static const char *const seps[] = {",", "，", "、", ";", "；", " ", "\t"};
    for (size_t i = 0; i < cap->n_names; i++) {
        const char *s = cap->names[i];
        while (*s != '\0') {
            size_t n = strlen(s), skip = 0;
            for (size_t k = 0; k < sizeof seps / sizeof seps[0]; k++) {
                const char *hit = strstr(s, seps[k]);
                if (hit != NULL && (size_t)(hit - s) < n) {
                    n = (size_t)(hit - s);
                    skip = strlen(seps[k]);
                }
            }
            if (n == strlen(name) && n > 0 && memcmp(s, name, n) == 0)
                return true;
            s += n + skip;
        }
    }
    return false;
}

/* Whether @name is an item of the list @list (items joined by ","). */
static bool listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p != '\0';) {
        size_t k = strcspn(p, ",");
        if (k == n && memcmp(p, name, n) == 0)
            return true;
        p += k + (p[k] == ',');
    }
    return false;
}

void sheet_cap_villages(const struct sheet_cap *cap, json_t *villages,
                        char *out, size_t len)
{
    size_t i, o = strlen(out);
    json_t *v;
    json_array_foreach(villages, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "village"));
        if (name == NULL || !sheet_cap_names(cap, name) || listed(out, name))
            continue;
        size_t k = strlen(name);
        if (o + k + 2 > len)
            break;
        if (o > 0)
            out[o++] = ',';
        memcpy(out + o, name, k + 1);
        o += k;
    }
}

size_t sheet_cap_notice(const struct sheet_cap *cap, const char *villages,
                        const char *grids, struct sheet_cap_notice *buf,
                        struct hz_field *f)
{
    buf->area[0] = '\0';
    for (size_t i = 0, o = 0; i < cap->n_names; i++) {
        size_t k = strlen(cap->names[i]);
        if (o + (o > 0) + k >= sizeof buf->area)
            break; /* whole names only: never a cut character */
        snprintf(buf->area + o, sizeof buf->area - o, "%s%s", o > 0 ? ";" : "",
                 cap->names[i]);
        o += (o > 0) + k;
    }
    snprintf(buf->sent, sizeof buf->sent, "%lld", (long long)cap->sent);
    snprintf(buf->expires, sizeof buf->expires, "%lld",
             (long long)cap->expires);
    const struct hz_field all[SHEET_CAP_FIELDS] = {
        {"identifier", cap->identifier},
        {"sender", cap->sender},
        {"sent", buf->sent},
        {"event", cap->event},
        {"urgency", cap->urgency},
        {"severity", cap->severity},
        {"certainty", cap->certainty},
        {"headline", cap->headline},
        {"description", cap->description},
        {"instruction", cap->instruction},
        {"source", cap->source},
        {"area_desc", buf->area},
        {"villages", villages},
        {"grids", grids},
        {"expires", cap->has_expires ? buf->expires : ""},
    };
    size_t n = 0;
    for (size_t i = 0; i < SHEET_CAP_FIELDS; i++)
        if (all[i].col != NULL && all[i].value[0] != '\0')
            f[n++] = all[i];
    return n;
}
