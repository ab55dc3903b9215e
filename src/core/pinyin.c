/* pinyin.c - pinyin.h. */
#include "pinyin.h"

#include "pinyin_table.h"

#include <string.h>

_Static_assert(PY_READINGS == PINYIN_READINGS, "pinyin table readings");
_Static_assert(sizeof py_chars / sizeof py_chars[0] == PY_LAST - PY_FIRST + 1,
               "pinyin table size");

size_t pinyin_of(uint32_t cp, const char *out[PINYIN_READINGS])
{
    if (cp < PY_FIRST || cp > PY_LAST)
        return 0;
    const unsigned short *set = py_sets[py_chars[cp - PY_FIRST]];
    size_t n = 0;
    while (n < PINYIN_READINGS && set[n] != 0) {
        out[n] = py_syllables[set[n]];
        n++;
    }
    return n;
}

/* The code point of the UTF-8 character at @p and its length (a stray
 * byte is one character with no reading). */
static uint32_t next_cp(const unsigned char *p, size_t *len)
{
    uint32_t cp = *p;
    size_t n = cp < 0x80             ? 1
               : (cp & 0xe0) == 0xc0 ? 2
               : (cp & 0xf0) == 0xe0 ? 3
               : (cp & 0xf8) == 0xf0 ? 4
                                     : 0;
    if (n == 0) {
        *len = 1;
        return 0xfffd;
    }
    cp = n == 1 ? cp : cp & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *len = 1;
            return 0xfffd;
        }
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    *len = n;
    return cp;
}

/* Append @s (its first byte alone with @initial) to @out, cut at the
 * maximum. */
static void append(char *out, const char *s, int initial)
{
    size_t have = strlen(out), add = initial ? 1 : strlen(s);
    if (have + add > PINYIN_SPELLING_MAX)
        add = PINYIN_SPELLING_MAX - have;
    memcpy(out + have, s, add);
    out[have + add] = '\0';
}

size_t pinyin_spell(const char *name,
                    char full[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1],
                    char initials[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1])
{
    size_t count = 0; /* spellings: the first Chinese character's readings */
    for (size_t k = 0; k < PINYIN_READINGS; k++)
        full[k][0] = initials[k][0] = '\0';
    const unsigned char *p = (const unsigned char *)name;
    while (*p != '\0') {
        size_t len;
        uint32_t cp = next_cp(p, &len);
        p += len;
        const char *r[PINYIN_READINGS];
        size_t n = pinyin_of(cp, r);
        if (n > 0 && count == 0) {
            /* the first Chinese character: one spelling per reading, each
             * starting with what came before it */
            for (size_t k = 1; k < n; k++) {
                memcpy(full[k], full[0], sizeof full[0]);
                memcpy(initials[k], initials[0], sizeof initials[0]);
            }
            for (size_t k = 0; k < n; k++) {
                append(full[k], r[k], 0);
                append(initials[k], r[k], 1);
            }
            count = n;
            continue;
        }
        char ascii[2] = {0, 0};
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
            ascii[0] = (char)cp;
        else if (cp >= 'A' && cp <= 'Z')
            ascii[0] = (char)(cp - 'A' + 'a');
        const char *s = n > 0 ? r[0] : ascii[0] != '\0' ? ascii : NULL;
        for (size_t k = 0; s != NULL && k < (count > 0 ? count : 1); k++) {
            append(full[k], s, 0);
            append(initials[k], s, 1);
        }
    }
    return count;
}
