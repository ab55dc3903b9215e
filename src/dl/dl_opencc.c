/* dl_opencc.c - OpenCC, loaded when the duplicate search first compares
 * names across traditional and simplified characters
 * (src/store/state/dups.c; dl.h). It brings libstdc++ and marisa. */
#include "dl.h"

#include <opencc/opencc.h>

#define HZ_DL_THIS hz_dl_opencc
#define FNS(F, V)                                                              \
    F(int, opencc_close, (opencc_t o), (o))                                    \
    F(char *, opencc_convert_utf8, (opencc_t o, const char *s, size_t n),      \
      (o, s, n))                                                               \
    V(void, opencc_convert_utf8_free, (char *s), (s))                          \
    F(opencc_t, opencc_open, (const char *config), (config))

HZ_DL_LIBRARY("libopencc.so.1.1", "libopencc1.1", FNS)
