/* dl_xml2.c - libxml2's writer, loaded when persons are first written
 * as PFIF (src/sheet/pfif_out.c; dl.h). It brings ICU and libstdc++. */
#include "dl.h"

#include <libxml/xmlwriter.h>

#define HZ_DL_THIS hz_dl_xml2
#define FNS(F, V)                                                              \
    V(void, xmlFreeTextWriter, (xmlTextWriterPtr w), (w))                      \
    F(xmlTextWriterPtr, xmlNewTextWriterFilename,                              \
      (const char *uri, int compression), (uri, compression))                  \
    F(int, xmlTextWriterEndDocument, (xmlTextWriterPtr w), (w))                \
    F(int, xmlTextWriterEndElement, (xmlTextWriterPtr w), (w))                 \
    F(int, xmlTextWriterSetIndent, (xmlTextWriterPtr w, int i), (w, i))        \
    F(int, xmlTextWriterStartDocument,                                         \
      (xmlTextWriterPtr w, const char *v, const char *e, const char *s),       \
      (w, v, e, s))                                                            \
    F(int, xmlTextWriterStartElementNS,                                        \
      (xmlTextWriterPtr w, const xmlChar *p, const xmlChar *n,                 \
       const xmlChar *ns),                                                     \
      (w, p, n, ns))                                                           \
    F(int, xmlTextWriterWriteElementNS,                                        \
      (xmlTextWriterPtr w, const xmlChar *p, const xmlChar *n,                 \
       const xmlChar *ns, const xmlChar *c),                                   \
      (w, p, n, ns, c))

HZ_DL_LIBRARY("libxml2.so.2", "libxml2", FNS)
