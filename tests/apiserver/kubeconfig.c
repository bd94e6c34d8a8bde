#include "tas_kubeconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tas_util.h"

static int write_atomic(const char *path, const char *text, char *err, size_t errlen)
{
	char tmp[4096];
	size_t len = strlen(text), off = 0;
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fchmod(fd, 0600) || fsync(fd))
		goto fail;
	if (close(fd)) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path))
		goto fail;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "writing %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

static void server_url(const struct tas_server *s, char *buf, size_t len)
{
	bool v6 = strchr(s->cfg->listen_host, ':') != NULL;

	snprintf(buf, len, "%s://%s%s%s:%u", s->cfg->plain_http ? "http" : "https", v6 ? "[" : "",
		 s->cfg->listen_host, v6 ? "]" : "", s->port);
}

int tas_write_kubeconfig(const struct tas_server *s, const char *path, char *err,
			 size_t errlen)
{
	char url[128];
	char *ca = NULL, *text = NULL;
	int rc;

	server_url(s, url, sizeof(url));
	if (!s->cfg->plain_http) {
		ca = tas_b64_encode(s->pki.ca_pem, strlen(s->pki.ca_pem), false);
		if (!ca) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	text = tas_asprintf("apiVersion: v1\n"
			    "kind: Config\n"
			    "clusters:\n"
			    "- name: mgo-test\n"
			    "  cluster:\n"
			    "    server: %s\n"
			    "%s%s%s"
			    "users:\n"
			    "- name: mgo-test-admin\n"
			    "  user:\n"
			    "    token: %s\n"
			    "contexts:\n"
			    "- name: mgo-test\n"
			    "  context:\n"
			    "    cluster: mgo-test\n"
			    "    user: mgo-test-admin\n"
			    "    namespace: default\n"
			    "current-context: mgo-test\n",
			    url, ca ? "    certificate-authority-data: " : "", ca ? ca : "",
			    ca ? "\n" : "", s->admin_token);
	free(ca);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = write_atomic(path, text, err, errlen);
	explicit_bzero(text, strlen(text));
	free(text);
	return rc;
}

int tas_write_ca(const struct tas_server *s, const char *path, char *err, size_t errlen)
{
	if (s->cfg->plain_http) {
		snprintf(err, errlen, "--ca-out needs HTTPS (drop --http)");
		return -EINVAL;
	}
	return write_atomic(path, s->pki.ca_pem, err, errlen);
}
