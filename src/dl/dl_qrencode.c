/* dl_qrencode.c - libqrencode, loaded when the web page first shows a
 * join token as a QR code (src/http/qr.c; dl.h). The package only
 * recommends it (DECISIONS 27): without it the token shows as text. */
#include "dl.h"

#include <qrencode.h>

#define HZ_DL_THIS hz_dl_qrencode
#define FNS(F, V)                                                              \
    F(QRcode *, QRcode_encodeString,                                           \
      (const char *s, int version, QRecLevel level, QRencodeMode hint,         \
       int cs),                                                                \
      (s, version, level, hint, cs))                                           \
    V(void, QRcode_free, (QRcode * q), (q))

HZ_DL_LIBRARY("libqrencode.so.4", "libqrencode4", FNS)
