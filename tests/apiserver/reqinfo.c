#include "tas_reqinfo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int tas_reqinfo_parse(struct tas_reqinfo *ri, const char *method, const char *path,
		      bool watch, const char *selected_name)
{
	char *parts[16];
	size_t n = 0, i, off;
	char *p, *save = NULL;

	memset(ri, 0, sizeof(*ri));
	ri->path = path;
	ri->group = ri->ns = ri->resource = ri->subresource = ri->name = "";
	for (i = 0; method[i] && i + 1 < sizeof(ri->verb); i++)
		ri->verb[i] = (char)(method[i] >= 'A' && method[i] <= 'Z' ? method[i] + 32
									    : method[i]);
	ri->verb[i] = '\0';
	if (strlen(path) >= sizeof(ri->buf) / 2)
		return -EINVAL;
	snprintf(ri->buf, sizeof(ri->buf), "%s", path);
	for (p = strtok_r(ri->buf, "/", &save); p && n < 16; p = strtok_r(NULL, "/", &save))
		parts[n++] = p;
	if (n == 0 || (strcmp(parts[0], "api") && strcmp(parts[0], "apis")))
		return 0;
	ri->api_prefix = parts[0];
	off = 1;
	if (strcmp(parts[0], "apis") == 0) {
		if (n < 2)
			return 0;
		ri->group = parts[1];
		off = 2;
	}
	if (n <= off)
		return 0;
	ri->version = parts[off++];
	if (n <= off)
		return 0;
	/* legacy /watch/ paths */
	if (strcmp(parts[off], "watch") == 0) {
		watch = true;
		off++;
		if (n <= off)
			return 0;
	}
	ri->resource_request = true;
	/* /namespaces/NS/RES/...; but /namespaces/NAME[/status|/finalize] is
	 * the namespace itself, whose "namespace" is its name */
	if (strcmp(parts[off], "namespaces") == 0 && n > off + 1) {
		ri->ns = parts[off + 1];
		if (n > off + 2 && strcmp(parts[off + 2], "status") &&
		    strcmp(parts[off + 2], "finalize"))
			off += 2;
	}
	ri->resource = parts[off];
	if (n > off + 1)
		ri->name = parts[off + 1];
	if (n > off + 2)
		ri->subresource = parts[off + 2];

	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		snprintf(ri->verb, sizeof(ri->verb), "%s",
			 watch ? "watch" : (*ri->name ? "get" : "list"));
	else if (strcmp(method, "POST") == 0)
		snprintf(ri->verb, sizeof(ri->verb), "create");
	else if (strcmp(method, "PUT") == 0)
		snprintf(ri->verb, sizeof(ri->verb), "update");
	else if (strcmp(method, "PATCH") == 0)
		snprintf(ri->verb, sizeof(ri->verb), "patch");
	else if (strcmp(method, "DELETE") == 0)
		snprintf(ri->verb, sizeof(ri->verb), "%s", *ri->name ? "delete" : "deletecollection");

	if (*ri->name == '\0' && (strcmp(ri->verb, "list") == 0 || strcmp(ri->verb, "watch") == 0 ||
				  strcmp(ri->verb, "deletecollection") == 0)) {
		const char *nm = selected_name;
		size_t used = strlen(path) + 1;
		if (nm && used + strlen(nm) + 1 <= sizeof(ri->buf)) {
			memcpy(ri->buf + used, nm, strlen(nm) + 1);
			ri->name = ri->buf + used;
			ri->name_from_selector = true;
		}
	}
	return 0;
}
