/* fuzz_cap.c - libFuzzer target: a CAP 1.2 alert (src/sheet/cap_read.c,
 * expat) read into a warning notice, as huzhu alert import reads it
 * (proto/cli.md, "Warning campaigns").
 *
 * Input: the file's bytes. Properties: sheet_cap_read returns 0,
 * HZ_EMALFORMED or HZ_ETOOBIG with a message and never crashes; on 0 the
 * required fields are present, urgency, severity and certainty are CAP
 * values in lower case, sent (and expires when present) lies in 2000 ..
 * 2099, every text is NUL-terminated within its buffer, and at most
 * SHEET_CAP_NAMES_MAX area names were kept. */
#include "fuzz_util.h"

#include "sheet/sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char path[4096];
static struct sheet_cap cap;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(path, sizeof path, "%s/alert.xml", fuzz_tmpdir());
    return 0;
}

static bool one_of(const char *s, const char *const *names)
{
    for (size_t i = 0; names[i] != NULL; i++)
        if (strcmp(s, names[i]) == 0)
            return true;
    return false;
}

#define BOUNDED(field) FUZZ_CHECK(memchr(field, 0, sizeof field) != NULL)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write_file(path, data, size);
    struct hz_err err = {0};
    int rv = sheet_cap_read(path, &cap, &err);
    if (rv != 0) {
        FUZZ_CODES("sheet_cap_read", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG);
        return 0;
    }
    static const char *const urgency[] = {"immediate", "expected", "future",
                                          "past",      "unknown",  NULL};
    static const char *const severity[] = {"extreme", "severe",  "moderate",
                                           "minor",   "unknown", NULL};
    static const char *const certainty[] = {"observed", "likely",  "possible",
                                            "unlikely", "unknown", NULL};
    BOUNDED(cap.identifier);
    BOUNDED(cap.sender);
    BOUNDED(cap.source);
    BOUNDED(cap.event);
    BOUNDED(cap.headline);
    BOUNDED(cap.description);
    BOUNDED(cap.instruction);
    FUZZ_CHECK(one_of(cap.urgency, urgency));
    FUZZ_CHECK(one_of(cap.severity, severity));
    FUZZ_CHECK(one_of(cap.certainty, certainty));
    FUZZ_CHECK(cap.identifier[0] != '\0' && cap.sender[0] != '\0');
    FUZZ_CHECK(cap.event[0] != '\0');
    FUZZ_CHECK(cap.sent >= 946684800 - 15 * 3600 &&
               cap.sent < 4102444800 + 15 * 3600);
    if (cap.has_expires)
        FUZZ_CHECK(cap.expires >= 946684800 - 15 * 3600 &&
                   cap.expires < 4102444800 + 15 * 3600);
    FUZZ_CHECK(cap.n_names <= SHEET_CAP_NAMES_MAX);
    for (size_t i = 0; i < cap.n_names; i++)
        BOUNDED(cap.names[i]);
    return 0;
}
