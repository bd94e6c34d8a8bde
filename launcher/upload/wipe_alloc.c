/* libcurl keeps its own copy of the password (CURLOPT_PASSWORD), and libssh2,
 * which allocates through libcurl, builds the authentication packet in its
 * buffers; neither clears what it frees. Routing their allocations through
 * these functions wipes every block on the way back to glibc, so the
 * credentials do not outlive their use in freed heap memory. The size comes
 * from malloc_usable_size, so blocks from plain malloc are handled too. */
#include "wipe_alloc.h"

#include <curl/curl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static void wipe_free(void *p)
{
	if (!p)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

/* realloc would release the old block unwiped: copy, then wipe it. */
static void *wipe_realloc(void *p, size_t size)
{
	void *q;

	if (!p)
		return malloc(size);
	if (size == 0) {
		wipe_free(p);
		return NULL;
	}
	q = malloc(size);
	if (!q)
		return NULL;
	size_t old = malloc_usable_size(p);
	memcpy(q, p, old < size ? old : size);
	wipe_free(p);
	return q;
}

int mgo_upload_curl_init(void)
{
	return curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, wipe_free, wipe_realloc, strdup,
				    calloc) == CURLE_OK
		       ? 0
		       : -1;
}
