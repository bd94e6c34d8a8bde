/* mgo-clean's tokenizer and kind scan (clean/scan.c, clean/kind.c) on
 * arbitrary bytes. The streaming contract is checked differentially: the
 * smallest buffer, which cuts the input every hundred bytes or so, gives
 * exactly what the default buffer gives (one read of inputs this size);
 * and every distinct value is counted as replaced. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clean.h"
#include "kind.h"

static struct mgo_clean_config cfg;

static void setup(void)
{
	static const char text[] =
		"config:\n  obfuscate:\n  - type: IP\n  - type: MAC\n"
		"  - {type: Domain, domainNames: [example.com, a.b.org]}\n"
		"  - {type: Keywords, replacement: {acme: x, \"10.\": ten}}\n"
		"  omit:\n  - {type: Kubernetes, kubernetesResource: {kind: Secret}}\n"
		"  - {type: Kubernetes, kubernetesResource: {kind: ConfigMap, apiVersion: v1}}\n";
	char err[256];

	if (mgo_clean_config_parse(text, strlen(text), "fuzz", &cfg, err, sizeof(err)))
		abort();
}

/* The cleaned bytes (malloc'd, *n long) of data with the given buffer. */
static char *clean(const uint8_t *data, size_t size, size_t bufsize, size_t *n,
		   unsigned long long *count)
{
	struct mgo_cleaner c;
	int in = memfd_create("in", MFD_CLOEXEC), out = memfd_create("out", MFD_CLOEXEC);
	char *buf;
	off_t len;

	if (in < 0 || out < 0 || mgo_cleaner_init(&c, &cfg, bufsize))
		abort();
	if (size && write(in, data, size) != (ssize_t)size)
		abort();
	if (lseek(in, 0, SEEK_SET) != 0 || mgo_clean_stream(&c, in, out, NULL) != 0)
		abort();
	len = lseek(out, 0, SEEK_END);
	buf = malloc((size_t)len + 1);
	if (!buf || pread(out, buf, (size_t)len, 0) != len)
		abort();
	*n = (size_t)len;
	*count = 0;
	for (int k = 0; k < MGO_CLEAN_NKINDS; k++) {
		if (c.map.next_id[k] > c.count[k])
			abort(); /* a distinct value never replaced */
		*count += c.count[k];
	}
	mgo_cleaner_free(&c);
	close(in);
	close(out);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mgo_clean_kindscan k1, k2;
	unsigned long long c1, c2;
	size_t n1, n2;
	char *a, *b, name[300];

	if (!cfg.nomits)
		setup();
	a = clean(data, size, 0, &n1, &c1);
	b = clean(data, size, 1, &n2, &c2);
	if (n1 != n2 || memcmp(a, b, n1) || c1 != c2)
		abort();
	if (c1 == 0 && (n1 != size || memcmp(a, data, size)))
		abort(); /* nothing replaced, nothing changed */
	free(a);
	free(b);
	/* the kind scan: one feed or byte by byte, the same decision */
	mgo_clean_kind_init(&k1, &cfg);
	mgo_clean_kind_feed(&k1, (const char *)data, size);
	mgo_clean_kind_end(&k1);
	mgo_clean_kind_init(&k2, &cfg);
	for (size_t i = 0; i < size && !mgo_clean_kind_feed(&k2, (const char *)data + i, 1); i++)
		;
	mgo_clean_kind_end(&k2);
	if (k1.omit != k2.omit || k1.format != k2.format)
		abort();
	/* a name: the input up to its first NUL or '/', at most NAME_MAX */
	if (size < 256) {
		struct mgo_cleaner c;
		char in[256];

		memcpy(in, data, size);
		in[size] = '\0';
		in[strcspn(in, "/")] = '\0';
		if (mgo_cleaner_init(&c, &cfg, 0))
			abort();
		int rc = mgo_clean_name(&c, in, name, sizeof(name));
		if (rc && rc != -ENAMETOOLONG)
			abort();
		mgo_cleaner_free(&c);
	}
	return 0;
}
