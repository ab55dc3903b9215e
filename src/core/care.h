/* care.h - the fixed lists and bounds of care and health (proto/schema.md,
 * "Care and health"), shared by the store's reports and checks and by the
 * command line's options: the symptoms a health check may name, the
 * temperatures a local check accepts, and the bounds of the persons-due
 * and outbreak-clue parameters. */
#ifndef HZ_CARE_H
#define HZ_CARE_H

#include <stddef.h>

#define CARE_DAYS_DEFAULT 7
#define CARE_DAYS_MAX 365
#define OUTBREAK_K_DEFAULT 3
#define OUTBREAK_K_MAX 1000
#define OUTBREAK_WINDOW_DEFAULT 48
#define OUTBREAK_WINDOW_MAX 720
#define CARE_TEMP_MIN 34.0
#define CARE_TEMP_MAX 43.0

/* The symptoms of a health check: wire name, Chinese and English label. */
#define SYMPTOMS(X)                                                            \
    X("fever", "发热", "fever")                                                \
    X("cough", "咳嗽", "cough")                                                \
    X("sore_throat", "咽痛", "sore throat")                                    \
    X("diarrhoea", "腹泻", "diarrhoea")                                        \
    X("vomiting", "呕吐", "vomiting")                                          \
    X("rash", "皮疹", "rash")                                                  \
    X("red_eye", "红眼", "red eye")                                            \
    X("other", "其他", "other")

/* A symptom of a health check: wire name and labels. */
struct care_symptom {
    const char *name, *zh, *en;
};
#define SYMPTOM_COUNT(w, zh_, en_) +1
/* Every symptom, terminated by name NULL. */
extern const struct care_symptom care_symptoms[0 SYMPTOMS(SYMPTOM_COUNT) + 1];
/* The symptom whose wire name or Chinese label is the @len bytes at @p,
 * or NULL. */
const struct care_symptom *care_symptom_of(const char *p, size_t len);

#endif
