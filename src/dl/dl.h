/* dl.h - shared libraries loaded when first used.
 *
 * Every huzhu process used to map 48 shared libraries at start, ~26 ms of
 * a one-line command on x86 (several times that on a Pi), most of it for
 * features few commands touch: the county mirror (libpq and its 30
 * libraries), the web server (libmicrohttpd, GnuTLS), spreadsheets
 * (libxlsxwriter, libzip: OpenSSL's libcrypto), PFIF (libxml2: ICU) and
 * duplicate search (OpenCC: libstdc++). Those are now loaded by dlopen
 * the first time a feature needs them, and the program links only what
 * every command uses (SQLite, libsodium, msgpack-c, jansson, zstd, libuv,
 * libcsv, expat).
 *
 * Each library has a file here (dl_pq.c, ...) that defines the functions
 * huzhu calls, with the library's own names and the prototypes of its own
 * header (so the compiler checks them), each forwarding to the function
 * dlsym found. Callers include the library's header and call it as
 * before; a feature's entry point calls hz_dl_load() first so that a
 * missing library is a clear error, not an abort. With -DHZ_DL_LAZY=OFF
 * (or where HZ_STATIC_DEPS links libmicrohttpd and GnuTLS in) a file is
 * built with HZ_DL_LINKED: it defines only its struct hz_dl, loaded from
 * the start, and the library is linked as usual. */
#ifndef HZ_DL_H
#define HZ_DL_H

#include "huzhu/error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

/* A generic function pointer: dlsym's object pointer is copied into one
 * (POSIX's way), then cast to the real type at the call. */
typedef void (*hz_dl_fn)(void);

struct hz_dl {
    const char *soname;       /* "libpq.so.5": the ABI Debian 12 ships */
    const char *package;      /* Debian's package, for the message: "libpq5" */
    const char *const *names; /* the functions, in slot order */
    size_t count;
    hz_dl_fn *slots; /* count of them, filled by the load */
    void *handle;    /* dlopen's, once loaded */
    pthread_mutex_t lock;
    atomic_int state; /* 0 not tried, 1 loaded, -1 failed */
    char why[160];    /* dlerror()'s reason or the missing function */
};

/* Load @lib once (later calls return at once; any thread): 0, or
 * HZ_EIO with @err naming the library, the command that installs it and
 * the reason when it is not installed or lacks a function.
 * A failure is remembered: the process does not retry. */
int hz_dl_load(struct hz_dl *lib, struct hz_err *err);

/* Function @i of @lib, loading it if need be. A library that cannot be
 * loaded here is a bug of the caller (its entry point did not call
 * hz_dl_load): the message goes to stderr and the process aborts. */
hz_dl_fn hz_dl_sym(struct hz_dl *lib, size_t i);

/* The address of the variable @name of @lib (a library's data symbol,
 * such as GnuTLS's gnutls_free), loading the library if need be as
 * hz_dl_sym does; NULL if the library has no such symbol. */
void *hz_dl_data(struct hz_dl *lib, const char *name);

/* The shims. A library's file names itself and lists its functions once,
 * F for a function with a value, V for one returning void:
 *
 *   #define HZ_DL_THIS hz_dl_pq
 *   #define FNS(F, V)                                                     \
 *       F(PGresult *, PQexec, (PGconn *c, const char *q), (c, q))         \
 *       V(void, PQclear, (PGresult *r), (r))
 *   HZ_DL_LIBRARY("libpq.so.5", "libpq5", FNS)
 *
 * which defines struct hz_dl HZ_DL_THIS, its slots and every function. */
#define HZ_DL_ENUM(ret, name, params, args) HZ_DL_I_##name,
#define HZ_DL_NAME(ret, name, params, args) #name,
#define HZ_DL_F(ret, name, params, args)                                       \
    ret name params                                                            \
    {                                                                          \
        return ((ret(*) params)hz_dl_sym(&HZ_DL_THIS, HZ_DL_I_##name))args;    \
    }
#define HZ_DL_V(ret, name, params, args)                                       \
    ret name params                                                            \
    {                                                                          \
        ((ret(*) params)hz_dl_sym(&HZ_DL_THIS, HZ_DL_I_##name)) args;          \
    }
#ifdef HZ_DL_LINKED
/* This build links the library (-DHZ_DL_LAZY=OFF, or statically): no
 * shims; hz_dl_load says yes at once. */
#define HZ_DL_LIBRARY(so, pkg, FNS)                                            \
    struct hz_dl HZ_DL_THIS = {.soname = (so),                                 \
                               .package = (pkg),                               \
                               .lock = PTHREAD_MUTEX_INITIALIZER,              \
                               .state = 1};
#else
#define HZ_DL_LIBRARY(so, pkg, FNS)                                            \
    enum { FNS(HZ_DL_ENUM, HZ_DL_ENUM) HZ_DL_I_COUNT };                        \
    static const char *const hz_dl_names[] = {FNS(HZ_DL_NAME, HZ_DL_NAME)};    \
    static hz_dl_fn hz_dl_slots[HZ_DL_I_COUNT];                                \
    struct hz_dl HZ_DL_THIS = {.soname = (so),                                 \
                               .package = (pkg),                               \
                               .names = hz_dl_names,                           \
                               .count = HZ_DL_I_COUNT,                         \
                               .slots = hz_dl_slots,                           \
                               .lock = PTHREAD_MUTEX_INITIALIZER};             \
    FNS(HZ_DL_F, HZ_DL_V)
#endif

/* The libraries, each defined in its dl_*.c. */
extern struct hz_dl hz_dl_pq, hz_dl_mhd, hz_dl_gnutls, hz_dl_xlsxwriter,
    hz_dl_zip, hz_dl_xml2, hz_dl_opencc, hz_dl_qrencode;

#endif
