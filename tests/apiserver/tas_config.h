/* Command-line configuration of mgo-test-apiserver. */
#ifndef TAS_CONFIG_H
#define TAS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct tas_config {
	char listen_host[64];          /* literal address, no brackets */
	unsigned short listen_port;    /* 0: the kernel picks one */
	bool plain_http;
	const char *token_auth_file;   /* borrowed from argv; NULL: none */
	const char *kubeconfig_out;
	const char *audit_log;
	const char *ca_out;
	const char *load_dirs[8];      /* --load, in order */
	size_t n_load;
	unsigned bookmark_interval_ms; /* how often a watch that asked for bookmarks gets one */
	unsigned long event_window;    /* watch events kept before the oldest are compacted */
	unsigned long long max_token_expiration; /* TokenRequest's cap in seconds; 0: none */
	/* serve no admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy(Binding),
	 * as a kube-apiserver before 1.30 (README.md) */
	bool no_admission_policies;
};

/* Parses argv into cfg (defaults first). 0, or -EINVAL with err filled
 * (usage text when the user asked for --help: returns 1). */
int tas_config_parse(int argc, char **argv, struct tas_config *cfg, char *err, size_t errlen);

#endif
