/* include/huzhu/log.h - the injected logger. The library is silent unless
 * a logger is installed; lines are "key=value" events and never carry
 * personal data (names, ID numbers, phones, health fields, keys). */
#ifndef HUZHU_LOG_H
#define HUZHU_LOG_H

enum hz_log_level {
    HZ_LOG_ERROR = 0,
    HZ_LOG_WARN = 1,
    HZ_LOG_INFO = 2,
    HZ_LOG_DEBUG = 3,
};

struct hz_log {
    void *data;
    int level; /* lines above this level are not even formatted */
    void (*emit)(void *data, int level, const char *line);
};

#endif
