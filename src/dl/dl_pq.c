/* dl_pq.c - libpq (PostgreSQL's client), loaded when the county mirror
 * first connects (dl.h). Only `huzhu mirror` and `serve --mirror` use
 * it; it brings about 30 libraries (Kerberos, LDAP, OpenSSL, GnuTLS). */
#include "dl.h"

#include <libpq-fe.h>

#define HZ_DL_THIS hz_dl_pq
#define FNS(F, V)                                                              \
    V(void, PQclear, (PGresult * r), (r))                                      \
    F(PGconn *, PQconnectdbParams,                                             \
      (const char *const *k, const char *const *v, int e), (k, v, e))          \
    F(int, PQconnectionNeedsPassword, (const PGconn *c), (c))                  \
    V(void, PQconninfoFree, (PQconninfoOption * o), (o))                       \
    F(PQconninfoOption *, PQconninfoParse, (const char *s, char **e), (s, e))  \
    F(char *, PQerrorMessage, (const PGconn *c), (c))                          \
    F(char *, PQescapeLiteral, (PGconn * c, const char *s, size_t n),          \
      (c, s, n))                                                               \
    F(PGresult *, PQexec, (PGconn * c, const char *q), (c, q))                 \
    F(PGresult *, PQexecParams,                                                \
      (PGconn * c, const char *q, int n, const Oid *t, const char *const *v,   \
       const int *l, const int *f, int rf),                                    \
      (c, q, n, t, v, l, f, rf))                                               \
    F(PGresult *, PQexecPrepared,                                              \
      (PGconn * c, const char *s, int n, const char *const *v, const int *l,   \
       const int *f, int rf),                                                  \
      (c, s, n, v, l, f, rf))                                                  \
    V(void, PQfinish, (PGconn * c), (c))                                       \
    V(void, PQfreemem, (void *p), (p))                                         \
    F(PGresult *, PQgetResult, (PGconn * c), (c))                              \
    F(int, PQgetisnull, (const PGresult *r, int t, int f), (r, t, f))          \
    F(char *, PQgetvalue, (const PGresult *r, int t, int f), (r, t, f))        \
    F(int, PQntuples, (const PGresult *r), (r))                                \
    F(PGresult *, PQprepare,                                                   \
      (PGconn * c, const char *s, const char *q, int n, const Oid *t),         \
      (c, s, q, n, t))                                                         \
    F(int, PQputCopyData, (PGconn * c, const char *b, int n), (c, b, n))       \
    F(int, PQputCopyEnd, (PGconn * c, const char *e), (c, e))                  \
    F(char *, PQresultErrorMessage, (const PGresult *r), (r))                  \
    F(ExecStatusType, PQresultStatus, (const PGresult *r), (r))                \
    F(PQnoticeProcessor, PQsetNoticeProcessor,                                 \
      (PGconn * c, PQnoticeProcessor p, void *a), (c, p, a))                   \
    F(ConnStatusType, PQstatus, (const PGconn *c), (c))

HZ_DL_LIBRARY("libpq.so.5", "libpq5", FNS)
