/* mgo-test-apiserver: a Kubernetes API server for tests (see README.md). */
#include <signal.h>
#include <stdio.h>

#include "tas_config.h"
#include "tas_instance.h"
#include "mgo/log.h"

int main(int argc, char **argv)
{
	static struct tas_server server;
	struct tas_config cfg;
	char err[2048], url[128];
	sigset_t stop;
	int rc, sig;

	mgo_log_init("apiserver", MGO_LOG_INFO);
	rc = tas_config_parse(argc, argv, &cfg, err, sizeof(err));
	if (rc) {
		fputs(err, rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	/* blocked before any thread starts, so only sigwait() sees them */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = tas_server_init(&server, &cfg, err, sizeof(err));
	if (!rc)
		rc = tas_server_start(&server, url, sizeof(url), err, sizeof(err));
	if (rc) {
		mgo_error("apiserver.start", "%s", err);
		tas_server_stop(&server);
		tas_server_free(&server);
		return 1;
	}
	printf("listening %s\n", url);
	fflush(stdout);
	mgo_info("apiserver.listening", "listening %s", url);

	sigwait(&stop, &sig);
	mgo_info("apiserver.stop", "stopping on signal %d", sig);
	tas_server_stop(&server);
	tas_server_free(&server);
	return 0;
}
