/* dl_mhd.c - libmicrohttpd, loaded when `huzhu serve` starts its web
 * interface (dl.h); it brings GnuTLS and its seven libraries. */
#include "dl.h"

#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

/* MHD_get_connection_info and MHD_get_daemon_info are variadic but read
 * no argument after the kind for any kind huzhu asks (the client's
 * address; the bound port, the epoll descriptor): they are called with
 * none. MHD_start_daemon's options travel as a va_list to
 * MHD_start_daemon_va (below). */
#define HZ_DL_THIS hz_dl_mhd
#define FNS(F, V)                                                              \
    F(enum MHD_Result, MHD_add_response_header,                                \
      (struct MHD_Response * r, const char *h, const char *c), (r, h, c))      \
    F(struct MHD_Response *, MHD_create_response_from_buffer,                  \
      (size_t n, void *b, enum MHD_ResponseMemoryMode m), (n, b, m))           \
    F(struct MHD_Response *, MHD_create_response_from_fd64,                    \
      (uint64_t n, int fd), (n, fd))                                           \
    F(struct MHD_Response *, MHD_create_response_from_callback,                \
      (uint64_t n, size_t bs, MHD_ContentReaderCallback crc, void *cls,        \
       MHD_ContentReaderFreeCallback crfc),                                    \
      (n, bs, crc, cls, crfc))                                                 \
    V(void, MHD_destroy_response, (struct MHD_Response * r), (r))              \
    F(const union MHD_ConnectionInfo *, MHD_get_connection_info,               \
      (struct MHD_Connection * c, enum MHD_ConnectionInfoType t, ...), (c, t)) \
    F(int, MHD_get_connection_values,                                          \
      (struct MHD_Connection * c, enum MHD_ValueKind k,                        \
       MHD_KeyValueIterator it, void *cls),                                    \
      (c, k, it, cls))                                                         \
    F(const union MHD_DaemonInfo *, MHD_get_daemon_info,                       \
      (struct MHD_Daemon * d, enum MHD_DaemonInfoType t, ...), (d, t))         \
    F(enum MHD_Result, MHD_get_timeout,                                        \
      (struct MHD_Daemon * d, MHD_UNSIGNED_LONG_LONG * t), (d, t))             \
    F(const char *, MHD_lookup_connection_value,                               \
      (struct MHD_Connection * c, enum MHD_ValueKind k, const char *key),      \
      (c, k, key))                                                             \
    F(enum MHD_Result, MHD_queue_response,                                     \
      (struct MHD_Connection * c, unsigned int s, struct MHD_Response *r),     \
      (c, s, r))                                                               \
    V(void, MHD_resume_connection, (struct MHD_Connection * c), (c))           \
    F(enum MHD_Result, MHD_run, (struct MHD_Daemon * d), (d))                  \
    F(struct MHD_Daemon *, MHD_start_daemon_va,                                \
      (unsigned int fl, uint16_t port, MHD_AcceptPolicyCallback apc,           \
       void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, va_list ap), \
      (fl, port, apc, apc_cls, dh, dh_cls, ap))                                \
    V(void, MHD_stop_daemon, (struct MHD_Daemon * d), (d))                     \
    V(void, MHD_suspend_connection, (struct MHD_Connection * c), (c))

HZ_DL_LIBRARY("libmicrohttpd.so.12", "libmicrohttpd12", FNS)

#ifndef HZ_DL_LINKED
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
                                    MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls,
                                    ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d =
        MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}
#endif
