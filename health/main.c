/* mgo-health: answers the kubelet's probes and Prometheus's scrape from
 * the supervisor's snapshots, holding nothing else (docs/health.md). */
#include "health.h"

int main(int argc, char **argv)
{
	struct mgo_health h;
	int status = mgo_health_start(&h, argc, argv);

	if (status == 0)
		status = mgo_health_open(&h);
	if (status == 0)
		status = mgo_health_run(&h);
	mgo_health_close(&h);
	return status;
}
