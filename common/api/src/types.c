/* Destructors of the domain types (see mgo/types.h): each frees what the struct
 * owns, accepts NULL or a zeroed struct, and leaves the struct zeroed so a
 * second call, or a decoder reusing it, finds a clean slate. */
#include "mgo/types.h"

#include <stdlib.h>
#include <string.h>

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void mgo_mg_spec_free(struct mgo_mg_spec *s)
{
	if (!s)
		return;
	free(s->service_account);
	free(s->image);
	free(s->http_proxy);
	free(s->https_proxy);
	free(s->no_proxy);
	free(s->timeout);
	free(s->upload_type);
	free(s->sftp_case_id);
	free(s->sftp_secret);
	free(s->sftp_host);
	free(s->storage_type);
	free(s->pvc_claim);
	free(s->pvc_subpath);
	free(s->since);
	free(s->since_time);
	strv_free(s->command, s->n_command);
	strv_free(s->args, s->n_args);
	free(s->obfuscate_config);
	memset(s, 0, sizeof(*s));
}

void mgo_mg_free(struct mgo_mg *m)
{
	if (!m)
		return;
	mgo_mg_spec_free(&m->spec);
	free(m->ns);
	free(m->name);
	free(m->uid);
	free(m->resource_version);
	free(m->result_name);
	free(m->storage_reason);
	memset(m, 0, sizeof(*m));
}

void mgo_allowlist_free(struct mgo_allowlist *a)
{
	if (!a)
		return;
	for (size_t i = 0; a->images && i < a->n_images; i++)
		free(a->images[i]);
	free(a->images);
	free(a->uid);
	free(a->resource_version);
	memset(a, 0, sizeof(*a));
}

void mgo_job_state_free(struct mgo_job_state *j)
{
	if (!j)
		return;
	free(j->name);
	free(j->uid);
	free(j->reason);
	free(j->message);
	free(j->pod_container);
	free(j->pod_reason);
	free(j->pod_message);
	memset(j, 0, sizeof(*j));
}

void mgo_observe_free(struct mgo_observe *o)
{
	if (!o)
		return;
	mgo_mg_free(&o->mg);
	mgo_allowlist_free(&o->allowlist);
	mgo_job_state_free(&o->job);
	memset(o, 0, sizeof(*o));
}

void mgo_job_intent_free(struct mgo_job_intent *i)
{
	if (!i)
		return;
	free(i->image);
	free(i->service_account);
	free(i->http_proxy);
	free(i->https_proxy);
	free(i->no_proxy);
	free(i->sftp_case_id);
	free(i->sftp_secret);
	free(i->sftp_host);
	free(i->pvc_claim);
	free(i->pvc_subpath);
	free(i->since);
	free(i->since_time);
	strv_free(i->command, i->n_command);
	strv_free(i->args, i->n_args);
	free(i->obfuscate_config);
	memset(i, 0, sizeof(*i));
}

void mgo_act_free(struct mgo_act *a)
{
	if (!a)
		return;
	mgo_job_intent_free(&a->intent);
	free(a->ns);
	free(a->name);
	free(a->uid);
	free(a->resource_version);
	free(a->reason);
	free(a->message);
	free(a->job_name);
	free(a->job_uid);
	for (size_t i = 0; a->invalid_images && i < a->n_invalid_images; i++)
		free(a->invalid_images[i]);
	free(a->invalid_images);
	for (size_t i = 0; a->invalid_messages && i < a->n_invalid_messages; i++)
		free(a->invalid_messages[i]);
	free(a->invalid_messages);
	memset(a, 0, sizeof(*a));
}
