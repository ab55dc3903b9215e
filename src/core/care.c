/* care.c - the symptoms a health check may name (care.h). */
#include "care.h"

#include <string.h>

#define SYMPTOM_ROW(w, zh_, en_) {w, zh_, en_},
const struct care_symptom care_symptoms[0 SYMPTOMS(SYMPTOM_COUNT) + 1] = {
    SYMPTOMS(SYMPTOM_ROW){NULL, NULL, NULL}};

const struct care_symptom *care_symptom_of(const char *p, size_t len)
{
    for (const struct care_symptom *s = care_symptoms; s->name != NULL; s++) {
        if ((strlen(s->name) == len && memcmp(s->name, p, len) == 0) ||
            (strlen(s->zh) == len && memcmp(s->zh, p, len) == 0))
            return s;
    }
    return NULL;
}
