/* env.c - the world as a node sees it: the wall clock, randomness and
 * the logger, each replaceable (the simulator installs a virtual clock
 * and a seeded generator; STYLE 1). Every file of the store asks here,
 * never the system directly, so a simulated node is deterministic. */
#include "node.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static uint64_t real_now_ms(void *data)
{
    (void)data;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void real_random(void *data, void *buf, size_t len)
{
    (void)data;
    randombytes_buf(buf, len);
}

void env_init(struct hz_env *env, const struct hz_env *opts)
{
    env->data = NULL;
    env->now_ms = real_now_ms;
    env->random = real_random;
    if (opts == NULL)
        return;
    env->data = opts->data;
    if (opts->now_ms != NULL)
        env->now_ms = opts->now_ms;
    if (opts->random != NULL)
        env->random = opts->random;
}

uint64_t env_now_ms(struct hz_node *n)
{
    return n->env.now_ms(n->env.data);
}

void env_random(struct hz_node *n, void *buf, size_t len)
{
    n->env.random(n->env.data, buf, len);
}

void env_logf(struct hz_node *n, int level, const char *fmt, ...)
{
    if (!n->has_log || n->log.emit == NULL || level > n->log.level)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    n->log.emit(n->log.data, level, line);
}
