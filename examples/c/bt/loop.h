/* loop.h — timing of the seed and get main loops: a status tick (once a second in JSON mode,
 * four times a second on a terminal) without drift, and waits of at most 200 ms for alerts so
 * that a stop signal is noticed quickly. */
#ifndef BT_LOOP_H
#define BT_LOOP_H

#include "output.h"

/* Seconds between reconnection attempts to --peer endpoints while no peer is connected. */
#ifndef PEER_RETRY_SECONDS
#define PEER_RETRY_SECONDS 2.0
#endif

typedef struct ticker {
    double period;
    double next;
} ticker;

void ticker_start(ticker *tk, const out_ctx *o, double now);
/* Milliseconds to wait for an alert: until the next tick, at most 200. */
int ticker_wait_ms(const ticker *tk, double now);
/* 1 if a tick is due (and schedules the next one). */
int ticker_due(ticker *tk, double now);

#endif
