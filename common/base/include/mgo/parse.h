#ifndef MGO_PARSE_H
#define MGO_PARSE_H

/* An inherited descriptor's number from a command-line argument: 3 and up
 * (stdio is not one), or -1. */
int mgo_parse_fd(const char *s);

#endif
