/* loop.c — see loop.h. */
#include "loop.h"

void ticker_start(ticker *tk, const out_ctx *o, double now)
{
    tk->period = o->json ? 1.0 : 0.25;
    tk->next = now;
}

int ticker_wait_ms(const ticker *tk, double now)
{
    double ms = (tk->next - now) * 1000.0;
    if (ms < 0)
        return 0;
    if (ms > 200)
        return 200;
    return (int)ms + 1;
}

int ticker_due(ticker *tk, double now)
{
    if (now < tk->next)
        return 0;
    tk->next += tk->period;
    if (tk->next <= now) /* fell behind: do not fire a burst */
        tk->next = now + tk->period;
    return 1;
}
