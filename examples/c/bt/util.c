/* util.c — see util.h. */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700

#include "util.h"

#include "term.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One line on stderr, whatever the message holds: line breaks and tabs (a library message may
 * end in a newline) become spaces, trailing space is dropped, and other control characters
 * (a torrent's name or a tracker's reply may be in the message) are shown as escapes. */
static void vmessage(const char *prefix, const char *fmt, va_list ap)
{
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t')
            buf[i] = ' ';
    while (n > 0 && buf[n - 1] == ' ')
        buf[--n] = '\0';
    fflush(stdout); /* keep stdout and stderr in order on a shared terminal */
    fputs(prefix, stderr);
    term_fputs(buf, stderr);
    fputc('\n', stderr);
}

void bt_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("bt: ", fmt, ap);
    va_end(ap);
}

void bt_verrorf(const char *fmt, va_list ap)
{
    vmessage("bt: ", fmt, ap);
}

void bt_warnf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage("bt: warning: ", fmt, ap);
    va_end(ap);
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int parse_int64(const char *s, int64_t *out)
{
    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (int64_t)v;
    return 0;
}

int parse_size(const char *s, int64_t *out)
{
    if (s == NULL || !isdigit((unsigned char)*s))
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0)
        return -1;
    int shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return -1;
    }
    if (shift != 0 && (*end == 'i' || *end == 'I'))
        end++;
    if (shift != 0 && (*end == 'b' || *end == 'B'))
        end++;
    if (*end != '\0' || v > (INT64_MAX >> shift))
        return -1;
    *out = (int64_t)v << shift;
    return 0;
}

int parse_seconds(const char *s, double *out)
{
    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v) || v < 0)
        return -1;
    *out = v;
    return 0;
}

int parse_port(const char *s, int *out)
{
    int64_t v;
    if (s == NULL || !isdigit((unsigned char)*s) || parse_int64(s, &v) != 0 || v > 65535)
        return -1;
    *out = (int)v;
    return 0;
}

int parse_endpoint(const char *s)
{
    char host[INET6_ADDRSTRLEN + 1];
    unsigned char addr[sizeof(struct in6_addr)];
    const char *port;
    int family;
    size_t len;

    if (s == NULL)
        return -1;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        len = (size_t)(close - s - 1);
        s++;
        port = close + 2;
        family = AF_INET6;
    } else {
        const char *colon = strrchr(s, ':');
        if (colon == NULL)
            return -1;
        len = (size_t)(colon - s);
        port = colon + 1;
        family = AF_INET;
    }
    if (len == 0 || len >= sizeof host)
        return -1;
    memcpy(host, s, len);
    host[len] = '\0';
    int p;
    if (inet_pton(family, host, addr) != 1 || parse_port(port, &p) != 0 || p == 0)
        return -1;
    return 0;
}

void format_bytes(double bytes, char *buf, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t u = 0;
    if (!(bytes >= 0))
        bytes = 0;
    while (bytes >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        bytes /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%.0f %s", bytes, units[u]);
    else
        snprintf(buf, cap, "%.1f %s", bytes, units[u]);
}

void format_duration(double seconds, char *buf, size_t cap)
{
    if (!isfinite(seconds) || seconds < 0 || seconds > 100.0 * 86400) {
        snprintf(buf, cap, "--");
        return;
    }
    long long s = (long long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, cap, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, cap, "%lld:%02lld", s / 60, s % 60);
}

static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

void install_stop_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    /* libbt runs a Go runtime: handlers installed after it must run on the alternate stack. */
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int stop_requested(void)
{
    return stop_flag != 0;
}
