/* Watch streams: the chunked body of a ?watch=1 request, one JSON event per
 * line ({"type":"ADDED","object":{...}}), fed from the store's event window.
 *
 * Each stream is read by its connection's own thread (the HTTP server runs
 * one thread per connection), which blocks on the store's condition
 * variable between events; that is why watches need no event loop here. */
#ifndef TAS_WATCH_H
#define TAS_WATCH_H

#include <sys/types.h>

#include "tas_filter.h"
#include "tas_server.h"

enum tas_fmt { TAS_FMT_JSON, TAS_FMT_TABLE, TAS_FMT_PARTIAL };

struct tas_watch_opts {
	const char *rv;           /* resourceVersion parameter, NULL when absent */
	bool bookmarks;           /* allowWatchBookmarks */
	bool send_initial;        /* sendInitialEvents */
	unsigned timeout_s;       /* 0: the server's default */
	enum tas_fmt fmt;
};

/* Starts a watch of rt in namespace ns ("" for all) filtered by f (taken
 * over). Expects the store lock. On success resp->watch is set (code 200);
 * otherwise resp holds an error. 0 or -ENOMEM. */
int tas_watch_start(struct tas_server *s, struct tas_restype *rt, const char *ns,
		    struct tas_filter *f, const struct tas_watch_opts *o, int fd,
		    struct tas_resp *resp);
/* Up to max bytes of the stream; blocks until there are some. -1 at the end. */
ssize_t tas_watch_read(struct tas_watch *w, char *buf, size_t max);
/* Takes the store lock itself. */
void tas_watch_free(struct tas_watch *w);

/* Number of open watch streams (for stats; takes no lock). */
unsigned long tas_watch_open_count(void);

#endif
