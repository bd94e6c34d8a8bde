/* libcurl set up to clear memory it frees. */
#ifndef MGO_UPLOAD_WIPE_ALLOC_H
#define MGO_UPLOAD_WIPE_ALLOC_H

/* curl_global_init with allocators that wipe each block before freeing it.
 * Call once, before any other libcurl call. Returns 0 or -1. */
int mgo_upload_curl_init(void);

#endif
