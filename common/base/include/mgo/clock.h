#ifndef MGO_CLOCK_H
#define MGO_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds, the clock every timer of mgo/loop.h uses. */
uint64_t mgo_now_ms(void);

#endif
