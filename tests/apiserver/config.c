#include "tas_config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tas_util.h"

static const char usage[] =
	"usage: mgo-test-apiserver --listen HOST:PORT [--http] [--token-auth-file FILE]\n"
	"         [--kubeconfig-out FILE] [--ca-out FILE] [--audit-log FILE] [--load DIR]...\n"
	"         [--bookmark-interval-ms N] [--event-window N]\n"
	"         [--service-account-max-token-expiration SECONDS]\n"
	"         [--no-admission-policies]\n";

static int parse_listen(const char *arg, struct tas_config *cfg)
{
	const char *colon = strrchr(arg, ':');
	const char *host = arg;
	size_t hlen;
	uint64_t port;

	if (!colon || !tas_parse_u64(colon + 1, &port) || port > 65535)
		return -EINVAL;
	hlen = (size_t)(colon - arg);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(cfg->listen_host))
		return -EINVAL;
	memcpy(cfg->listen_host, host, hlen);
	cfg->listen_host[hlen] = '\0';
	cfg->listen_port = (unsigned short)port;
	return 0;
}

int tas_config_parse(int argc, char **argv, struct tas_config *cfg, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"http", no_argument, NULL, 'H'},
		{"token-auth-file", required_argument, NULL, 't'},
		{"kubeconfig-out", required_argument, NULL, 'k'},
		{"audit-log", required_argument, NULL, 'a'},
		{"ca-out", required_argument, NULL, 'c'},
		{"load", required_argument, NULL, 'L'},
		{"bookmark-interval-ms", required_argument, NULL, 'b'},
		{"event-window", required_argument, NULL, 'w'},
		{"service-account-max-token-expiration", required_argument, NULL, 'x'},
		{"no-admission-policies", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t n;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->listen_host, sizeof(cfg->listen_host), "127.0.0.1");
	cfg->bookmark_interval_ms = 60000;
	cfg->event_window = 100000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (parse_listen(optarg, cfg)) {
				snprintf(err, errlen, "--listen wants HOST:PORT, got \"%s\"", optarg);
				return -EINVAL;
			}
			break;
		case 'H': cfg->plain_http = true; break;
		case 't': cfg->token_auth_file = optarg; break;
		case 'k': cfg->kubeconfig_out = optarg; break;
		case 'a': cfg->audit_log = optarg; break;
		case 'c': cfg->ca_out = optarg; break;
		case 'L':
			if (cfg->n_load == sizeof(cfg->load_dirs) / sizeof(cfg->load_dirs[0])) {
				snprintf(err, errlen, "at most 8 --load directories");
				return -EINVAL;
			}
			cfg->load_dirs[cfg->n_load++] = optarg;
			break;
		case 'b':
			if (!tas_parse_u64(optarg, &n) || n < 10 || n > 3600000) {
				snprintf(err, errlen, "--bookmark-interval-ms wants 10..3600000");
				return -EINVAL;
			}
			cfg->bookmark_interval_ms = (unsigned)n;
			break;
		case 'w':
			if (!tas_parse_u64(optarg, &n) || n < 16 || n > 10000000) {
				snprintf(err, errlen, "--event-window wants 16..10000000");
				return -EINVAL;
			}
			cfg->event_window = (unsigned long)n;
			break;
		case 'x':
			/* kube wants at least an hour; tests want tokens that
			 * expire while they watch (tests/apiserver/README.md) */
			if (!tas_parse_u64(optarg, &n) || n < 1 || n > (UINT64_C(1) << 32)) {
				snprintf(err, errlen,
					 "--service-account-max-token-expiration wants 1..4294967296");
				return -EINVAL;
			}
			cfg->max_token_expiration = n;
			break;
		case 'P': cfg->no_admission_policies = true; break;
		case 'h':
			snprintf(err, errlen, "%s", usage);
			return 1;
		default:
			snprintf(err, errlen, "%s", usage);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		snprintf(err, errlen, "unexpected argument \"%s\"\n%s", argv[optind], usage);
		return -EINVAL;
	}
	return 0;
}
