/* term.h — text from the network or a torrent (tracker messages, names, comments, client names,
 * file names, error messages holding them) made safe for a terminal. Such text may carry
 * escape sequences that retitle the window, clear the screen or fake output ("\e]0;...\a",
 * "\e[2J"); bt prints it with term_fputs, which shows every such character as a visible
 * escape instead. JSON output is escaped by the JSON rules instead (output.c) and stays exact. */
#ifndef BT_TERM_H
#define BT_TERM_H

#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 if it is not one (overlong, a
 * surrogate, out of range, cut short by the NUL). */
size_t term_utf8_len(const unsigned char *s);

/* The code point of the valid n-byte UTF-8 sequence at s. */
unsigned term_utf8_decode(const unsigned char *s, size_t n);

/* Whether a terminal acts on cp or it reorders what is shown: C0 and C1 controls (U+009B is a
 * one-character CSI), DEL, and the bidirectional marks, embeddings, overrides and isolates. */
int term_is_control(unsigned cp);

/* Writes s (NULL: nothing) to f with what a terminal would act on shown as escapes:
 * C0 controls and DEL as \t \n \r or \xHH, C1 controls (U+0080..U+009F) and bidirectional
 * overrides as \uHHHH, bytes that are not UTF-8 as \xHH. Everything else is written as is. */
void term_fputs(const char *s, FILE *f);

#endif
