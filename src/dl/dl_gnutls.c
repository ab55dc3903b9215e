/* dl_gnutls.c - GnuTLS's X.509 functions, loaded when the web interface
 * first makes or reads its certificate (src/http/tlscert.c; dl.h).
 * libmicrohttpd brings its own GnuTLS when it is loaded. */
#include "dl.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define HZ_DL_THIS hz_dl_gnutls
#define FNS(F, V)                                                              \
    F(const char *, gnutls_strerror, (int e), (e))                             \
    V(void, gnutls_x509_crt_deinit, (gnutls_x509_crt_t c), (c))                \
    F(int, gnutls_x509_crt_export2,                                            \
      (gnutls_x509_crt_t c, gnutls_x509_crt_fmt_t f, gnutls_datum_t * o),      \
      (c, f, o))                                                               \
    F(int, gnutls_x509_crt_get_fingerprint,                                    \
      (gnutls_x509_crt_t c, gnutls_digest_algorithm_t a, void *b, size_t *n),  \
      (c, a, b, n))                                                            \
    F(int, gnutls_x509_crt_import,                                             \
      (gnutls_x509_crt_t c, const gnutls_datum_t *d, gnutls_x509_crt_fmt_t f), \
      (c, d, f))                                                               \
    F(int, gnutls_x509_crt_init, (gnutls_x509_crt_t * c), (c))                 \
    F(int, gnutls_x509_crt_set_activation_time,                                \
      (gnutls_x509_crt_t c, time_t t), (c, t))                                 \
    F(int, gnutls_x509_crt_set_basic_constraints,                              \
      (gnutls_x509_crt_t c, unsigned int ca, int len), (c, ca, len))           \
    F(int, gnutls_x509_crt_set_dn_by_oid,                                      \
      (gnutls_x509_crt_t c, const char *oid, unsigned int raw,                 \
       const void *name, unsigned int n),                                      \
      (c, oid, raw, name, n))                                                  \
    F(int, gnutls_x509_crt_set_expiration_time,                                \
      (gnutls_x509_crt_t c, time_t t), (c, t))                                 \
    F(int, gnutls_x509_crt_set_key,                                            \
      (gnutls_x509_crt_t c, gnutls_x509_privkey_t k), (c, k))                  \
    F(int, gnutls_x509_crt_set_key_purpose_oid,                                \
      (gnutls_x509_crt_t c, const void *oid, unsigned int crit),               \
      (c, oid, crit))                                                          \
    F(int, gnutls_x509_crt_set_key_usage,                                      \
      (gnutls_x509_crt_t c, unsigned int u), (c, u))                           \
    F(int, gnutls_x509_crt_set_serial,                                         \
      (gnutls_x509_crt_t c, const void *s, size_t n), (c, s, n))               \
    F(int, gnutls_x509_crt_set_subject_alt_name,                               \
      (gnutls_x509_crt_t c, gnutls_x509_subject_alt_name_t t, const void *d,   \
       unsigned int n, unsigned int fl),                                       \
      (c, t, d, n, fl))                                                        \
    F(int, gnutls_x509_crt_set_version, (gnutls_x509_crt_t c, unsigned int v), \
      (c, v))                                                                  \
    F(int, gnutls_x509_crt_sign2,                                              \
      (gnutls_x509_crt_t c, gnutls_x509_crt_t i, gnutls_x509_privkey_t k,      \
       gnutls_digest_algorithm_t d, unsigned int fl),                          \
      (c, i, k, d, fl))                                                        \
    V(void, gnutls_x509_privkey_deinit, (gnutls_x509_privkey_t k), (k))        \
    F(int, gnutls_x509_privkey_export2,                                        \
      (gnutls_x509_privkey_t k, gnutls_x509_crt_fmt_t f, gnutls_datum_t * o),  \
      (k, f, o))                                                               \
    F(int, gnutls_x509_privkey_generate,                                       \
      (gnutls_x509_privkey_t k, gnutls_pk_algorithm_t a, unsigned int bits,    \
       unsigned int fl),                                                       \
      (k, a, bits, fl))                                                        \
    F(int, gnutls_x509_privkey_init, (gnutls_x509_privkey_t * k), (k))

HZ_DL_LIBRARY("libgnutls.so.30", "libgnutls30", FNS)

#ifndef HZ_DL_LINKED
/* gnutls_free is a variable of GnuTLS (the deallocator it allocated
 * with), not a function: ours forwards to its value. */
static void free_by_library(void *p)
{
    gnutls_free_function *f = hz_dl_data(&hz_dl_gnutls, "gnutls_free");
    if (f != NULL && *f != NULL)
        (*f)(p);
}

#undef gnutls_free
gnutls_free_function gnutls_free = free_by_library;
#endif
