/* pfif_out.c - person records as PFIF 1.4 (the People Finder Interchange
 * Format) for other tools to take: one <pfif:person> per person, with one
 * <pfif:note> holding its status. Written with libxml2's xmlTextWriter,
 * which escapes text and writes well-formed UTF-8 XML (no hand-written
 * XML). proto/reports.md, "PFIF", fixes the fields. */
#include "sheet.h"

#include "../core/error_int.h"
#include "../dl/dl.h"

#include <libxml/xmlwriter.h>
#include <stdio.h>

#define PFIF_NS "http://zesty.ca/pfif/1.4"

/* <pfif:NAME>TEXT</pfif:NAME>, left out when @text is NULL. */
static int field(xmlTextWriterPtr w, const char *name, const char *text)
{
    if (text == NULL)
        return 0;
    return xmlTextWriterWriteElementNS(w, BAD_CAST "pfif", BAD_CAST name, NULL,
                                       BAD_CAST text) < 0
               ? -1
               : 0;
}

static int person(xmlTextWriterPtr w, const char *source, const char *when,
                  const struct pfif_person *p)
{
    int bad = xmlTextWriterStartElementNS(w, BAD_CAST "pfif", BAD_CAST "person",
                                          NULL) < 0;
    bad = bad || field(w, "person_record_id", p->record_id) != 0;
    bad = bad || field(w, "entry_date", when) != 0;
    bad = bad || field(w, "author_name", source) != 0;
    bad = bad || field(w, "source_name", source) != 0;
    bad = bad || field(w, "source_date", when) != 0;
    bad = bad || field(w, "full_name", p->full_name) != 0;
    bad = bad || field(w, "sex", p->sex) != 0;
    bad = bad || field(w, "date_of_birth", p->birth) != 0;
    bad = bad || field(w, "home_city", p->city) != 0;
    bad = bad || xmlTextWriterStartElementNS(w, BAD_CAST "pfif",
                                             BAD_CAST "note", NULL) < 0;
    bad = bad || field(w, "note_record_id", p->note_id) != 0;
    bad = bad || field(w, "person_record_id", p->record_id) != 0;
    bad = bad || field(w, "entry_date", when) != 0;
    bad = bad || field(w, "author_name", source) != 0;
    bad = bad || field(w, "source_date", when) != 0;
    bad = bad || field(w, "status", p->status) != 0;
    bad = bad || field(w, "last_known_location", p->location) != 0;
    bad = bad || field(w, "text", p->text) != 0;
    bad = bad || xmlTextWriterEndElement(w) < 0; /* note */
    bad = bad || xmlTextWriterEndElement(w) < 0; /* person */
    return bad ? -1 : 0;
}

int sheet_write_pfif(const char *path, const char *source, const char *when,
                     const struct pfif_person *p, size_t n, struct hz_err *err)
{
    char tmp[4200];
    if (path != NULL &&
        (size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return hz_err_set(err, HZ_EINVAL, "path too long");
    int rv = hz_dl_load(&hz_dl_xml2, err);
    if (rv != 0)
        return rv;
    /* libxml2 writes "-" to standard output. */
    xmlTextWriterPtr w = xmlNewTextWriterFilename(path != NULL ? tmp : "-", 0);
    if (w == NULL)
        return hz_err_set(err, HZ_EIO, "cannot create %s",
                          path != NULL ? tmp : "output");
    xmlTextWriterSetIndent(w, 1);
    int bad = xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0;
    bad = bad || xmlTextWriterStartElementNS(
                     w, BAD_CAST "pfif", BAD_CAST "pfif", BAD_CAST PFIF_NS) < 0;
    for (size_t i = 0; !bad && i < n; i++)
        bad = person(w, source, when, &p[i]) != 0;
    bad = bad || xmlTextWriterEndDocument(w) < 0;
    xmlFreeTextWriter(w);
    if (path == NULL)
        return bad ? hz_err_set(err, HZ_EIO, "writing PFIF") : 0;
    if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        return hz_err_set(err, HZ_EIO, "cannot write %s", path);
    }
    return 0;
}
