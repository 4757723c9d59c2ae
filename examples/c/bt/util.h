/* util.h — small helpers shared by the bt commands: messages, clocks, number and address
 * parsing, human-readable units and the stop flag set by SIGINT/SIGTERM. */
#ifndef BT_UTIL_H
#define BT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes: success, run-time failure (or --seconds ran out), bad arguments or input. */
enum { BT_EXIT_OK = 0, BT_EXIT_FAIL = 1, BT_EXIT_USAGE = 2 };

/* "bt: <message>\n" on stderr. */
void bt_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bt_verrorf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* "bt: warning: <message>\n" on stderr. */
void bt_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Seconds on a monotonic clock. */
double now_seconds(void);

/* Whole-string parsers; return 0 on success, -1 if s is not such a value. */
int parse_int64(const char *s, int64_t *out);
int parse_size(const char *s, int64_t *out);       /* bytes, optional K/M/G suffix (powers of 1024) */
int parse_seconds(const char *s, double *out);     /* >= 0, fractions allowed */
int parse_port(const char *s, int *out);           /* 0..65535 */
int parse_endpoint(const char *s);                 /* "1.2.3.4:P" or "[v6]:P", P in 1..65535 */

/* "12.3 MiB" (powers of 1024) and "1:02:03" / "2:03" / "--". */
void format_bytes(double bytes, char *buf, size_t cap);
void format_duration(double seconds, char *buf, size_t cap);

/* SIGINT and SIGTERM set a flag (and nothing else) that stop_requested() reads. */
void install_stop_handlers(void);
int stop_requested(void);

#endif
