/* stage.h - one batch of the county mirror's changes sent with COPY
 * (stage.c). */
#ifndef HZ_MIRROR_STAGE_H
#define HZ_MIRROR_STAGE_H

#include "mirror.h"
#include "text.h"

#include "../core/schema.h"

#include <jansson.h>
#include <libpq-fe.h>

/* Where a batch goes; every pointer borrowed from struct mirror. */
struct stage {
    PGconn *pg;
    const struct schema *schema;
    const char *sch;     /* the URL's schema */
    const char *network; /* 32 hex */
    const char *node;    /* this node's key, 64 hex */
    const char *hash;    /* its state hash, 64 hex */
};

/* The PostgreSQL type of a registry column. */
const char *stage_pg_type(const struct col_def *c);
/* Whether the mirror copies column @c: every column but health data
 * (COL_HEALTH; proto/mirror.md), which never leaves the nodes. */
bool stage_col_mirrored(const struct col_def *c);
/* The SQL that creates the staging tables of @sch's tables into @s: the
 * mirrored columns of each. */
void stage_create_sql(const struct schema *sch, struct text *s);
/* Create this session's staging tables (temporary, emptied at each
 * commit), after the mirror's tables exist. */
int stage_create(const struct stage *g, enum mirror_fault *fault,
                 struct hz_err *err);
/* Write @changes (store_changes_since's array) inside the open
 * transaction: each row upserted or removed and its conflicts replaced,
 * a row listed twice written once; counted into @p (rows, removed,
 * conflicts). */
int stage_send(const struct stage *g, json_t *changes, struct mirror_pass *p,
               enum mirror_fault *fault, struct hz_err *err);

#endif
