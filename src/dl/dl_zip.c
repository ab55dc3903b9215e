/* dl_zip.c - libzip, loaded when an XLSX roster is first read
 * (src/sheet/xlsx.c; dl.h). It brings OpenSSL's libcrypto and bzip2. */
#include "dl.h"

#include <zip.h>

#define HZ_DL_THIS hz_dl_zip
#define FNS(F, V)                                                              \
    V(void, zip_discard, (zip_t * z), (z))                                     \
    V(void, zip_error_fini, (zip_error_t * e), (e))                            \
    V(void, zip_error_init_with_code, (zip_error_t * e, int c), (e, c))        \
    F(const char *, zip_error_strerror, (zip_error_t * e), (e))                \
    F(int, zip_fclose, (zip_file_t * f), (f))                                  \
    F(const char *, zip_file_strerror, (zip_file_t * f), (f))                  \
    F(zip_file_t *, zip_fopen_index,                                           \
      (zip_t * z, zip_uint64_t i, zip_flags_t fl), (z, i, fl))                 \
    F(zip_int64_t, zip_fread, (zip_file_t * f, void *b, zip_uint64_t n),       \
      (f, b, n))                                                               \
    F(zip_int64_t, zip_name_locate,                                            \
      (zip_t * z, const char *name, zip_flags_t fl), (z, name, fl))            \
    F(zip_t *, zip_open, (const char *path, int fl, int *e), (path, fl, e))    \
    F(const char *, zip_strerror, (zip_t * z), (z))

HZ_DL_LIBRARY("libzip.so.4", "libzip4", FNS)
