/* mgo-clean's configuration (clean/cleanconf.c): the subset of
 * must-gather-clean's format docs/obfuscation.md documents is read, and
 * anything else is refused with a message naming the key or value. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"

TestSuite(clean_config, .timeout = 30);

static int parse(const char *text, struct mgo_clean_config *c, char *err, size_t errlen)
{
	return mgo_clean_config_parse(text, strlen(text), "config t.yaml", c, err, errlen);
}

Test(clean_config, the_default)
{
	struct mgo_clean_config c;

	cr_assert_eq(mgo_clean_config_default(&c), 0);
	for (int k = MGO_CLEAN_IPV4; k <= MGO_CLEAN_MAC; k++) {
		cr_assert(c.type[k].on && !c.type[k].fixed);
		cr_assert_eq(c.type[k].targets, MGO_CLEAN_IN_PATH | MGO_CLEAN_IN_CONTENTS);
	}
	cr_assert(!c.type[MGO_CLEAN_DOMAIN].on && !c.type[MGO_CLEAN_KEYWORD].on);
	cr_assert_eq(c.nomits, 2u);
	cr_assert_str_eq(c.omits[0].kind, "Secret");
	cr_assert_str_eq(c.omits[1].kind, "ConfigMap");
	mgo_clean_config_free(&c);
}

/* must-gather-clean's own example (examples/openshift_default.yaml), with
 * a keyword and a file pattern added. */
Test(clean_config, must_gather_cleans_example)
{
	static const char text[] =
		"config:\n"
		"  obfuscate:\n"
		"    - type: IP\n"
		"      replacementType: Consistent\n"
		"      target: All\n"
		"    - type: MAC\n"
		"      replacementType: Static\n"
		"      target: FileContents\n"
		"    - type: Domain\n"
		"      replacementType: Consistent\n"
		"      target: All\n"
		"      domainNames:\n"
		"        - \"rhcloud.com\"\n"
		"        - \"Dev.RHCloud.com\"\n"
		"    - type: Keywords\n"
		"      replacement:\n"
		"        acme: customer\n"
		"  omit:\n"
		"    - type: Kubernetes\n"
		"      kubernetesResource:\n"
		"        kind: \"Secret\"\n"
		"    - type: Kubernetes\n"
		"      kubernetesResource:\n"
		"        kind: CertificateSigningRequest\n"
		"        apiVersion: certificates.k8s.io/v1\n"
		"    - type: File\n"
		"      pattern: \"*.pem\"\n";
	struct mgo_clean_config c;
	char err[512] = "";

	cr_assert_eq(parse(text, &c, err, sizeof(err)), 0, "%s", err);
	cr_assert(c.type[MGO_CLEAN_IPV4].on && c.type[MGO_CLEAN_IPV6].on);
	cr_assert(c.type[MGO_CLEAN_MAC].fixed);
	cr_assert_eq(c.type[MGO_CLEAN_MAC].targets, MGO_CLEAN_IN_CONTENTS);
	cr_assert_eq(c.ndomains, 2u);
	cr_assert_str_eq(c.domains[1].from, "dev.rhcloud.com", "domain names are lowercased");
	cr_assert_eq(c.nkeywords, 1u);
	cr_assert_str_eq(c.keywords[0].to, "customer");
	cr_assert_eq(c.nomits, 3u);
	cr_assert_str_eq(c.omits[1].api_version, "certificates.k8s.io/v1");
	cr_assert(c.omits[2].file);
	cr_assert_str_eq(c.omits[2].pattern, "*.pem");
	mgo_clean_config_free(&c);
}

struct bad {
	const char *text;
	const char *says;   /* in the message */
};

static const struct bad bad[] = {
	{"cfg: {}\n", "cfg: unknown key"},
	{"config:\n  obfuscate: []\n  foo: 1\n", "config.foo: unknown key"},
	{"config:\n  obfuscate:\n  - type: Regex\n", "config.obfuscate[0].type: unsupported value \"Regex\""},
	{"config:\n  obfuscate:\n  - type: AzureResources\n", "unsupported value \"AzureResources\""},
	{"config:\n  obfuscate:\n  - {type: IP, replacementType: Random}\n",
	 "config.obfuscate[0].replacementType: unsupported value \"Random\""},
	{"config:\n  obfuscate:\n  - {type: IP, target: Nowhere}\n",
	 "config.obfuscate[0].target: unsupported value \"Nowhere\""},
	{"config:\n  obfuscate:\n  - {type: IP, extra: 1}\n", "config.obfuscate[0].extra: unknown key"},
	{"config:\n  obfuscate:\n  - {replacementType: Static}\n", "config.obfuscate[0].type: required"},
	{"config:\n  obfuscate:\n  - {type: IP}\n  - {type: IP}\n", "IP listed twice"},
	{"config:\n  obfuscate:\n  - {type: Domain}\n", "config.obfuscate[0].domainNames: required"},
	{"config:\n  obfuscate:\n  - {type: Domain, domainNames: [\"a b\"]}\n", "not a domain name"},
	{"config:\n  obfuscate:\n  - {type: Domain, domainNames: [a.com, b.com, a.com]}\n", "listed twice"},
	{"config:\n  obfuscate:\n  - {type: IP, domainNames: [a.com]}\n", "domainNames: only for type Domain"},
	{"config:\n  obfuscate:\n  - {type: Keywords}\n", "config.obfuscate[0].replacement: required"},
	{"config:\n  obfuscate:\n  - {type: Keywords, replacement: {a: b/c}}\n", "without '/'"},
	{"config:\n  obfuscate:\n  - {type: Keywords, replacementType: Consistent, replacement: {a: b}}\n",
	 "only Static applies"},
	{"config:\n  omit:\n  - {type: Kubernetes, kubernetesResource: {kind: Secret, namespaces: [a]}}\n",
	 "config.omit[0].kubernetesResource.namespaces: not supported"},
	{"config:\n  omit:\n  - {type: Kubernetes, kubernetesResource: {kinds: Secret}}\n",
	 "config.omit[0].kubernetesResource.kinds: unknown key"},
	{"config:\n  omit:\n  - {type: Kubernetes, kubernetesResource: {apiVersion: v1}}\n",
	 "config.omit[0].kubernetesResource.kind: required"},
	{"config:\n  omit:\n  - {type: Kubernetes}\n", "kubernetesResource: required"},
	{"config:\n  omit:\n  - {type: File}\n", "config.omit[0].pattern: required"},
	{"config:\n  omit:\n  - {type: Files, pattern: x}\n", "config.omit[0].type: unsupported value \"Files\""},
	{"config:\n  omit:\n  - {type: File, pattern: x, kubernetesResource: {kind: A}}\n",
	 "only for type Kubernetes"},
	{"config:\n  obfuscate: {type: IP}\n", "config.obfuscate"},
	{"config: {omit: [], obfuscate: [&a {type: IP}, *a]}\n", "alias"},
	{"- config\n", "must be a mapping"},
	{"config:\n  obfuscate:\n  - {type: \"I\\x01P\"}\n", "unsupported value \"I?P\""},
};

Test(clean_config, anything_outside_the_subset_is_refused_by_name)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mgo_clean_config c;
		char err[512] = "";

		cr_expect_eq(parse(bad[i].text, &c, err, sizeof(err)), -EINVAL, "row %zu accepted", i);
		cr_expect(strstr(err, bad[i].says) != NULL, "row %zu: \"%s\" does not say \"%s\"", i,
			  err, bad[i].says);
		cr_expect(strncmp(err, "config t.yaml", 13) == 0, "row %zu: %s", i, err);
	}
}

Test(clean_config, bounded)
{
	char *text = malloc(64 * 1024), *p = text;
	struct mgo_clean_config c;
	char err[512] = "";

	cr_assert_not_null(text);
	p += sprintf(p, "config:\n  obfuscate:\n  - type: Domain\n    domainNames:\n");
	for (int i = 0; i <= MGO_CLEAN_MAX_WORDS; i++)
		p += sprintf(p, "    - d%d.com\n", i);
	cr_assert_eq(parse(text, &c, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "more than 256 names"), "%s", err);
	free(text);
}

Test(clean_config, a_missing_file)
{
	struct mgo_clean_config c;
	char err[512] = "";

	cr_assert_lt(mgo_clean_config_load("/nonexistent/clean.yaml", &c, err, sizeof(err)), 0);
	cr_assert(strstr(err, "/nonexistent/clean.yaml"), "%s", err);
}
