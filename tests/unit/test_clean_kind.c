/* Which files mgo-clean omits (clean/kind.c): by the kinds they hold, in
 * YAML and JSON, Lists and multi-document files, not by their names; and
 * not for a kind that is only mentioned (an Event about a ConfigMap). */
#include <criterion/criterion.h>
#include <string.h>

#include "kind.h"

static struct mgo_clean_config cfg;

static void setup(void)
{
	cr_assert_eq(mgo_clean_config_default(&cfg), 0);
}

static void teardown(void)
{
	mgo_clean_config_free(&cfg);
}

TestSuite(clean_kind, .init = setup, .fini = teardown, .timeout = 30);

struct row {
	const char *text;
	const char *omitted;   /* the reason, or NULL: kept */
	enum mgo_clean_format format;
};

static const struct row rows[] = {
	{"apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  a: Yg==\n", "kind Secret",
	 MGO_CLEAN_YAML},
	{"apiVersion: v1\ndata:\n  a: b\nkind: ConfigMap\nmetadata:\n  name: x\n", "kind ConfigMap",
	 MGO_CLEAN_YAML},
	{"kind: \"Secret\"\n", "kind Secret", MGO_CLEAN_YAML},
	{"kind: 'ConfigMap'  # a comment\n", "kind ConfigMap", MGO_CLEAN_YAML},
	{"apiVersion: v1\r\nkind: Secret\r\n", "kind Secret", MGO_CLEAN_YAML},
	{"apiVersion: v1\nitems: []\nkind: SecretList\n", "kind SecretList", MGO_CLEAN_YAML},
	/* Lists: the items' kinds, with the items at column 0 or indented */
	{"apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n- apiVersion: v1\n  data: {}\n"
	 "  kind: ConfigMap\nkind: List\n", "kind ConfigMap", MGO_CLEAN_YAML},
	{"apiVersion: v1\nitems:\n  - kind: Secret\n    type: Opaque\nkind: List\n", "kind Secret",
	 MGO_CLEAN_YAML},
	{"apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\nkind: PodList\n", NULL,
	 MGO_CLEAN_YAML},
	/* only mentioned: an Event's involvedObject, an ownerReference */
	{"apiVersion: v1\nitems:\n- apiVersion: v1\n  involvedObject:\n    kind: ConfigMap\n"
	 "    name: x\n  kind: Event\nkind: EventList\n", NULL, MGO_CLEAN_YAML},
	{"apiVersion: v1\nkind: Pod\nmetadata:\n  ownerReferences:\n  - kind: ConfigMap\n    "
	 "name: x\nspec:\n  volumes:\n  - configMap:\n      name: x\n", NULL, MGO_CLEAN_YAML},
	/* a kind whose name starts like an omitted one */
	{"apiVersion: v1\nkind: SecretProviderClass\n", NULL, MGO_CLEAN_YAML},
	/* several documents: any one omitted omits the file */
	{"apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Secret\n", "kind Secret",
	 MGO_CLEAN_YAML},
	{"---\nkind: Pod\n--- \nkind: Service\n", NULL, MGO_CLEAN_YAML},
	/* JSON: the top object and the items of its List, kind anywhere in them */
	{"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{}}", "kind Secret", MGO_CLEAN_JSON},
	{"{\"apiVersion\":\"v1\",\"items\":[{\"kind\":\"Pod\"},{\"metadata\":{\"name\":\"x\"},"
	 "\"kind\":\"ConfigMap\"}],\"kind\":\"List\"}", "kind ConfigMap", MGO_CLEAN_JSON},
	{"  {\n \"items\": [],\n \"kind\": \"ConfigMapList\"\n}\n", "kind ConfigMapList",
	 MGO_CLEAN_JSON},
	{"{\"kind\":\"Pod\",\"metadata\":{\"ownerReferences\":[{\"kind\":\"Secret\"}]},"
	 "\"note\":\"a \\\"kind\\\":\\\"Secret\\\" in a string\"}", NULL, MGO_CLEAN_JSON},
	{"{\"kind\":\"EventList\",\"items\":[{\"involvedObject\":{\"kind\":\"Secret\"},"
	 "\"kind\":\"Event\"}]}", NULL, MGO_CLEAN_JSON},
	/* a top-level array of objects */
	{"[{\"kind\":\"Pod\"},{\"apiVersion\":\"v1\",\"kind\":\"Secret\"}]", "kind Secret",
	 MGO_CLEAN_JSON},
	{"[{\"kind\":\"Pod\",\"spec\":{\"kind\":\"Secret\"}}, \"Secret\"]", NULL, MGO_CLEAN_JSON},
	/* text: a log, an indented kind, JSON lines, nothing */
	{"I1207 09:04:29 kind: Secret was read\n  kind: Secret\n", NULL, MGO_CLEAN_TEXT},
	{"{\"level\":\"info\"}\n{\"kind\":\"Secret\"}\n", NULL, MGO_CLEAN_JSON},
	{"{\"unterminated\": ", NULL, MGO_CLEAN_TEXT},
	{"", NULL, MGO_CLEAN_TEXT},
	/* leading blank lines and indentation, however the reads cut them */
	{"\n\n kind: Secret\n", NULL, MGO_CLEAN_TEXT},
	{"\n\nkind: Secret\n", "kind Secret", MGO_CLEAN_YAML},
	{"plain text\n", NULL, MGO_CLEAN_TEXT},
};

static void check(const struct row *r, size_t i, size_t chunk)
{
	struct mgo_clean_kindscan k;
	size_t n = strlen(r->text);

	mgo_clean_kind_init(&k, &cfg);
	for (size_t off = 0; off < n; off += chunk)
		if (mgo_clean_kind_feed(&k, r->text + off, n - off < chunk ? n - off : chunk))
			break;
	mgo_clean_kind_end(&k);
	cr_expect_eq(k.omit, r->omitted != NULL, "row %zu (chunks of %zu): omit %d", i, chunk,
		     k.omit);
	if (r->omitted && k.omit)
		cr_expect_str_eq(k.reason, r->omitted, "row %zu", i);
	if (!k.omit)
		cr_expect_eq(k.format, r->format, "row %zu (chunks of %zu): format %d", i, chunk,
			     k.format);
}

Test(clean_kind, by_kind_not_by_name)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		check(&rows[i], i, 1 << 20);
		check(&rows[i], i, 1);
		check(&rows[i], i, 5);
	}
}

Test(clean_kind, api_version_narrows_a_rule)
{
	static const char text[] =
		"config:\n  omit:\n  - type: Kubernetes\n    kubernetesResource:\n"
		"      kind: CertificateSigningRequest\n      apiVersion: certificates.k8s.io/v1\n";
	struct mgo_clean_config c;
	char err[256];

	cr_assert_eq(mgo_clean_config_parse(text, strlen(text), "t", &c, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert(mgo_clean_kind_omitted(&c, "CertificateSigningRequest", "certificates.k8s.io/v1",
					 NULL, 0));
	cr_assert(mgo_clean_kind_omitted(&c, "CertificateSigningRequestList",
					 "certificates.k8s.io/v1", NULL, 0));
	cr_assert(!mgo_clean_kind_omitted(&c, "CertificateSigningRequest",
					  "certificates.k8s.io/v1beta1", NULL, 0));
	cr_assert(!mgo_clean_kind_omitted(&c, "Secret", "v1", NULL, 0), "no default with a file");
	mgo_clean_config_free(&c);
}

/* The decision reads a bounded prefix: a long log is text after it. */
Test(clean_kind, a_long_text_is_decided_after_the_prefix)
{
	struct mgo_clean_kindscan k;
	char block[4096];
	size_t fed = 0;

	memset(block, 'a', sizeof(block));
	block[sizeof(block) - 1] = '\n';
	mgo_clean_kind_init(&k, &cfg);
	while (!mgo_clean_kind_feed(&k, block, sizeof(block)))
		fed += sizeof(block);
	cr_assert_leq(fed, MGO_CLEAN_KIND_PREFIX);
	mgo_clean_kind_end(&k);
	cr_assert_eq(k.format, MGO_CLEAN_TEXT);
	cr_assert(!k.omit);
}
