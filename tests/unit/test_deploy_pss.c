/* The operator's Deployment (deploy/operator/deployment.yaml) against the
 * Pod Security Standards' "restricted" profile, rule by rule as
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/ lists
 * them (baseline's rules, which restricted includes, then restricted's own),
 * for the pod spec and every container, init container and ephemeral
 * container. A table of mutations (JSON patches of the manifest) shows each
 * rule refuses what it should and lets through what the profile allows, so
 * a passing manifest means something. No cluster needed: the rules read the
 * manifest the way the admission plugin reads the pod template. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgo/config.h"
#include "tas_jsonpatch.h"
#include "tas_manifest.h"

#define DEPLOYMENT MGO_SOURCE_DIR "/deploy/operator/deployment.yaml"
#define CONFIG MGO_SOURCE_DIR "/deploy/config/mgo.yaml"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	cr_assert(f, "cannot open %s", path);
	cr_assert(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0);
	buf = malloc((size_t)n + 1);
	cr_assert(buf);
	cr_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The one Deployment of the manifest (new reference). */
static json_t *deployment(void)
{
	char err[256];
	size_t len;
	char *text = slurp(DEPLOYMENT, &len);
	json_t *docs = tas_manifest_documents(text, len, err, sizeof(err));
	json_t *d;

	free(text);
	cr_assert(docs, "%s: %s", DEPLOYMENT, err);
	cr_assert_eq(json_array_size(docs), 1);
	d = json_incref(json_array_get(docs, 0));
	json_decref(docs);
	cr_assert_str_eq(json_string_value(json_object_get(d, "kind")), "Deployment");
	return d;
}

/* --- the rules ----------------------------------------------------------- */

/* A rule sees the pod template's metadata and spec; false with why filled
 * when the pod would be refused. */
typedef bool (*rule_fn)(const json_t *meta, const json_t *spec, char *why, size_t len);

#define FOREACH_CONTAINER(spec, c)                                                        \
	for (size_t l_ = 0; l_ < 3; l_++)                                                 \
		for (size_t i_ = 0; i_ < json_array_size(json_object_get(spec, lists[l_])); \
		     i_++)                                                                \
			for (const json_t *c = json_array_get(json_object_get(spec, lists[l_]), \
							      i_);                        \
			     c; c = NULL)

static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};

static const json_t *sc(const json_t *o)
{
	return json_object_get(o, "securityContext");
}

static const char *name_of(const json_t *c)
{
	return json_string_value(json_object_get(c, "name")) ?: "?";
}

static bool host_process(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	if (json_is_true(json_object_get(json_object_get(sc(spec), "windowsOptions"),
					 "hostProcess"))) {
		snprintf(why, len, "pod sets windowsOptions.hostProcess");
		return false;
	}
	FOREACH_CONTAINER(spec, c)
	{
		if (json_is_true(json_object_get(json_object_get(sc(c), "windowsOptions"),
						 "hostProcess"))) {
			snprintf(why, len, "container %s sets windowsOptions.hostProcess",
				 name_of(c));
			return false;
		}
	}
	return true;
}

static bool host_namespaces(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	static const char *const keys[] = {"hostNetwork", "hostPID", "hostIPC"};

	for (size_t i = 0; i < 3; i++)
		if (json_is_true(json_object_get(spec, keys[i]))) {
			snprintf(why, len, "%s is true", keys[i]);
			return false;
		}
	return true;
}

static bool privileged(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	FOREACH_CONTAINER(spec, c)
	{
		if (json_is_true(json_object_get(sc(c), "privileged"))) {
			snprintf(why, len, "container %s is privileged", name_of(c));
			return false;
		}
	}
	return true;
}

static bool has_string(const json_t *array, const char *s)
{
	for (size_t i = 0; i < json_array_size(array); i++)
		if (json_is_string(json_array_get(array, i)) &&
		    strcmp(json_string_value(json_array_get(array, i)), s) == 0)
			return true;
	return false;
}

/* Restricted: every container drops ALL and adds at most NET_BIND_SERVICE
 * (stricter than baseline's list, which it therefore covers). */
static bool capabilities(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	FOREACH_CONTAINER(spec, c)
	{
		const json_t *caps = json_object_get(sc(c), "capabilities");
		const json_t *add = json_object_get(caps, "add");
		if (!has_string(json_object_get(caps, "drop"), "ALL")) {
			snprintf(why, len, "container %s does not drop ALL capabilities",
				 name_of(c));
			return false;
		}
		for (size_t i = 0; i < json_array_size(add); i++)
			if (!json_is_string(json_array_get(add, i)) ||
			    strcmp(json_string_value(json_array_get(add, i)), "NET_BIND_SERVICE")) {
				snprintf(why, len, "container %s adds a capability other than "
					 "NET_BIND_SERVICE", name_of(c));
				return false;
			}
	}
	return true;
}

static bool host_path(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	const json_t *vols = json_object_get(spec, "volumes");

	for (size_t i = 0; i < json_array_size(vols); i++)
		if (json_object_get(json_array_get(vols, i), "hostPath")) {
			snprintf(why, len, "volume %s is a hostPath", name_of(json_array_get(vols, i)));
			return false;
		}
	return true;
}

static bool host_ports(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	FOREACH_CONTAINER(spec, c)
	{
		const json_t *ports = json_object_get(c, "ports");
		for (size_t i = 0; i < json_array_size(ports); i++) {
			const json_t *hp = json_object_get(json_array_get(ports, i), "hostPort");
			if (hp && json_integer_value(hp) != 0) {
				snprintf(why, len, "container %s uses hostPort %lld", name_of(c),
					 (long long)json_integer_value(hp));
				return false;
			}
		}
	}
	return true;
}

static bool apparmor_type_ok(const json_t *profile)
{
	const char *t = json_string_value(json_object_get(profile, "type"));

	return !profile || (t && (strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0));
}

static bool apparmor(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	static const char prefix[] = "container.apparmor.security.beta.kubernetes.io/";
	const char *k;
	json_t *v;

	json_object_foreach(json_object_get(meta, "annotations"), k, v) {
		const char *s = json_string_value(v);
		if (strncmp(k, prefix, sizeof(prefix) - 1))
			continue;
		if (!s || (strcmp(s, "runtime/default") && strncmp(s, "localhost/", 10))) {
			snprintf(why, len, "annotation %s is %s", k, s ? s : "not a string");
			return false;
		}
	}
	if (!apparmor_type_ok(json_object_get(sc(spec), "appArmorProfile"))) {
		snprintf(why, len, "pod appArmorProfile is neither RuntimeDefault nor Localhost");
		return false;
	}
	FOREACH_CONTAINER(spec, c)
	{
		if (!apparmor_type_ok(json_object_get(sc(c), "appArmorProfile"))) {
			snprintf(why, len, "container %s appArmorProfile is neither RuntimeDefault "
				 "nor Localhost", name_of(c));
			return false;
		}
	}
	return true;
}

static bool selinux_ok(const json_t *opts)
{
	static const char *const types[] = {"container_t", "container_init_t", "container_kvm_t",
					    "container_engine_t", NULL};
	const char *t = json_string_value(json_object_get(opts, "type"));
	size_t i;

	if (json_object_get(opts, "user") || json_object_get(opts, "role"))
		return false;
	if (!t || !*t)
		return true;
	for (i = 0; types[i] && strcmp(types[i], t); i++)
		;
	return types[i] != NULL;
}

static bool selinux(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	if (!selinux_ok(json_object_get(sc(spec), "seLinuxOptions"))) {
		snprintf(why, len, "pod seLinuxOptions sets a user, a role or a forbidden type");
		return false;
	}
	FOREACH_CONTAINER(spec, c)
	{
		if (!selinux_ok(json_object_get(sc(c), "seLinuxOptions"))) {
			snprintf(why, len, "container %s seLinuxOptions sets a user, a role or a "
				 "forbidden type", name_of(c));
			return false;
		}
	}
	return true;
}

static bool proc_mount(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	FOREACH_CONTAINER(spec, c)
	{
		const char *pm = json_string_value(json_object_get(sc(c), "procMount"));
		if (json_object_get(sc(c), "procMount") && (!pm || strcmp(pm, "Default"))) {
			snprintf(why, len, "container %s procMount is %s", name_of(c), pm ? pm : "?");
			return false;
		}
	}
	return true;
}

static const char *seccomp_type(const json_t *o)
{
	return json_string_value(json_object_get(json_object_get(sc(o), "seccompProfile"), "type"));
}

static bool seccomp_allowed(const char *t)
{
	return t && (strcmp(t, "RuntimeDefault") == 0 || strcmp(t, "Localhost") == 0);
}

/* Restricted: RuntimeDefault or Localhost, on the pod or on every
 * container; never Unconfined anywhere (baseline's rule). */
static bool seccomp(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	const char *pod = seccomp_type(spec);

	if (pod && !seccomp_allowed(pod)) {
		snprintf(why, len, "pod seccompProfile is %s", pod);
		return false;
	}
	FOREACH_CONTAINER(spec, c)
	{
		const char *t = seccomp_type(c);
		if (t ? !seccomp_allowed(t) : !pod) {
			snprintf(why, len, "container %s seccompProfile is %s", name_of(c),
				 t ? t : "unset, and the pod sets none");
			return false;
		}
	}
	return true;
}

static bool sysctls(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	static const char *const safe[] = {
		"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
		"net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", NULL,
	};
	const json_t *list = json_object_get(sc(spec), "sysctls");

	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *n = json_string_value(json_object_get(json_array_get(list, i), "name"));
		size_t k;
		for (k = 0; n && safe[k] && strcmp(safe[k], n); k++)
			;
		if (!n || !safe[k]) {
			snprintf(why, len, "sysctl %s is not in the safe set", n ? n : "?");
			return false;
		}
	}
	return true;
}

static bool volume_types(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	static const char *const allowed[] = {"configMap", "csi", "downwardAPI", "emptyDir",
					      "ephemeral", "persistentVolumeClaim", "projected",
					      "secret", NULL};
	const json_t *vols = json_object_get(spec, "volumes");

	for (size_t i = 0; i < json_array_size(vols); i++) {
		const char *k;
		json_t *v;
		json_object_foreach(json_array_get(vols, i), k, v) {
			size_t a;
			if (strcmp(k, "name") == 0)
				continue;
			for (a = 0; allowed[a] && strcmp(allowed[a], k); a++)
				;
			if (!allowed[a]) {
				snprintf(why, len, "volume %s is of type %s",
					 name_of(json_array_get(vols, i)), k);
				return false;
			}
		}
	}
	return true;
}

static bool privilege_escalation(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	FOREACH_CONTAINER(spec, c)
	{
		if (!json_is_false(json_object_get(sc(c), "allowPrivilegeEscalation"))) {
			snprintf(why, len, "container %s does not set allowPrivilegeEscalation: false",
				 name_of(c));
			return false;
		}
	}
	return true;
}

static bool non_root(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	const json_t *pod = json_object_get(sc(spec), "runAsNonRoot");

	if (pod && !json_is_true(pod)) {
		snprintf(why, len, "pod sets runAsNonRoot false");
		return false;
	}
	FOREACH_CONTAINER(spec, c)
	{
		const json_t *v = json_object_get(sc(c), "runAsNonRoot");
		if (v ? !json_is_true(v) : !pod) {
			snprintf(why, len, "container %s %s", name_of(c),
				 v ? "sets runAsNonRoot false" : "nor the pod sets runAsNonRoot");
			return false;
		}
	}
	return true;
}

static bool non_root_user(const json_t *meta, const json_t *spec, char *why, size_t len)
{
	const json_t *pod = json_object_get(sc(spec), "runAsUser");

	if (pod && json_integer_value(pod) == 0) {
		snprintf(why, len, "pod runs as uid 0");
		return false;
	}
	FOREACH_CONTAINER(spec, c)
	{
		const json_t *u = json_object_get(sc(c), "runAsUser");
		if (u && json_integer_value(u) == 0) {
			snprintf(why, len, "container %s runs as uid 0", name_of(c));
			return false;
		}
	}
	return true;
}

static const struct rule {
	const char *name;
	rule_fn ok;
} rules[] = {
	/* baseline */
	{"HostProcess", host_process},
	{"Host Namespaces", host_namespaces},
	{"Privileged Containers", privileged},
	{"Capabilities", capabilities},
	{"HostPath Volumes", host_path},
	{"Host Ports", host_ports},
	{"AppArmor", apparmor},
	{"SELinux", selinux},
	{"/proc Mount Type", proc_mount},
	{"Seccomp", seccomp},
	{"Sysctls", sysctls},
	/* restricted */
	{"Volume Types", volume_types},
	{"Privilege Escalation", privilege_escalation},
	{"Running as Non-root", non_root},
	{"Running as Non-root user", non_root_user},
};
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

/* The names of the rules d breaks, joined by ", " ("" when none). */
static void broken(const json_t *d, char *out, size_t len, char *why, size_t wlen)
{
	const json_t *tmpl = json_object_get(json_object_get(d, "spec"), "template");
	const json_t *meta = json_object_get(tmpl, "metadata");
	const json_t *spec = json_object_get(tmpl, "spec");

	out[0] = why[0] = '\0';
	cr_assert(json_is_object(spec), "no spec.template.spec");
	for (size_t i = 0; i < N_RULES; i++) {
		char w[256] = "";
		if (rules[i].ok(meta, spec, w, sizeof(w)))
			continue;
		snprintf(out + strlen(out), len - strlen(out), "%s%s", *out ? ", " : "",
			 rules[i].name);
		snprintf(why + strlen(why), wlen - strlen(why), "%s%s", *why ? "; " : "", w);
	}
}

TestSuite(pss, .timeout = 30);

Test(pss, deployment_is_restricted)
{
	json_t *d = deployment();
	char names[512], why[2048];

	broken(d, names, sizeof(names), why, sizeof(why));
	cr_expect_str_empty(names, "breaks %s: %s", names, why);
	json_decref(d);
}

/* Each row patches the manifest (RFC 6902) and names the rules that must
 * then fail, all of them and only them; "" rows are what restricted allows. */
static const struct mutation {
	const char *patch;
	const char *fails;
} mutations[] = {
#define POD "/spec/template/spec"
#define C0 POD "/containers/0/securityContext"
	{"[{\"op\":\"add\",\"path\":\"" POD "/securityContext/windowsOptions\","
	 "\"value\":{\"hostProcess\":true}}]", "HostProcess"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/windowsOptions\",\"value\":{\"hostProcess\":true}}]",
	 "HostProcess"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/hostNetwork\",\"value\":true}]", "Host Namespaces"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/hostPID\",\"value\":true}]", "Host Namespaces"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/hostIPC\",\"value\":true}]", "Host Namespaces"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/hostNetwork\",\"value\":false}]", ""},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/privileged\",\"value\":true}]",
	 "Privileged Containers"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/capabilities/add\",\"value\":[\"SYS_ADMIN\"]}]",
	 "Capabilities"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/capabilities/add\",\"value\":[\"CHOWN\"]}]",
	 "Capabilities"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/capabilities/drop\",\"value\":[\"NET_RAW\"]}]",
	 "Capabilities"},
	{"[{\"op\":\"remove\",\"path\":\"" C0 "/capabilities\"}]", "Capabilities"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/capabilities/add\","
	 "\"value\":[\"NET_BIND_SERVICE\"]}]", ""},
	{"[{\"op\":\"add\",\"path\":\"" POD "/volumes/-\","
	 "\"value\":{\"name\":\"h\",\"hostPath\":{\"path\":\"/\"}}}]",
	 "HostPath Volumes, Volume Types"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/containers/0/ports/0/hostPort\",\"value\":8080}]",
	 "Host Ports"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/containers/0/ports/0/hostPort\",\"value\":0}]", ""},
	{"[{\"op\":\"add\",\"path\":\"/spec/template/metadata/annotations\",\"value\":"
	 "{\"container.apparmor.security.beta.kubernetes.io/operator\":\"unconfined\"}}]",
	 "AppArmor"},
	{"[{\"op\":\"add\",\"path\":\"/spec/template/metadata/annotations\",\"value\":"
	 "{\"container.apparmor.security.beta.kubernetes.io/operator\":\"runtime/default\"}}]",
	 ""},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/appArmorProfile\",\"value\":{\"type\":\"Unconfined\"}}]",
	 "AppArmor"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/securityContext/appArmorProfile\","
	 "\"value\":{\"type\":\"Unconfined\"}}]", "AppArmor"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/securityContext/seLinuxOptions\","
	 "\"value\":{\"type\":\"spc_t\"}}]", "SELinux"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/seLinuxOptions\",\"value\":{\"user\":\"system_u\"}}]",
	 "SELinux"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/seLinuxOptions\",\"value\":{\"role\":\"sysadm_r\"}}]",
	 "SELinux"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/seLinuxOptions\","
	 "\"value\":{\"type\":\"container_t\",\"level\":\"s0:c1,c2\"}}]", ""},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/procMount\",\"value\":\"Unmasked\"}]",
	 "/proc Mount Type"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/procMount\",\"value\":\"Default\"}]", ""},
	{"[{\"op\":\"add\",\"path\":\"" POD "/securityContext/seccompProfile\","
	 "\"value\":{\"type\":\"Unconfined\"}}]", "Seccomp"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/seccompProfile\",\"value\":{\"type\":\"Unconfined\"}}]",
	 "Seccomp"},
	{"[{\"op\":\"remove\",\"path\":\"" POD "/securityContext/seccompProfile\"},"
	 "{\"op\":\"remove\",\"path\":\"" C0 "/seccompProfile\"}]", "Seccomp"},
	{"[{\"op\":\"remove\",\"path\":\"" POD "/securityContext/seccompProfile\"}]", ""},
	{"[{\"op\":\"add\",\"path\":\"" POD "/securityContext/sysctls\","
	 "\"value\":[{\"name\":\"kernel.msgmax\",\"value\":\"65536\"}]}]", "Sysctls"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/securityContext/sysctls\","
	 "\"value\":[{\"name\":\"net.ipv4.ip_unprivileged_port_start\",\"value\":\"0\"}]}]", ""},
	{"[{\"op\":\"add\",\"path\":\"" POD "/volumes/-\","
	 "\"value\":{\"name\":\"n\",\"nfs\":{\"server\":\"nfs\",\"path\":\"/\"}}}]",
	 "Volume Types"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/volumes/-\","
	 "\"value\":{\"name\":\"p\",\"projected\":{\"sources\":[]}}}]", ""},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/allowPrivilegeEscalation\",\"value\":true}]",
	 "Privilege Escalation"},
	{"[{\"op\":\"remove\",\"path\":\"" C0 "/allowPrivilegeEscalation\"}]",
	 "Privilege Escalation"},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/runAsNonRoot\",\"value\":false}]",
	 "Running as Non-root"},
	{"[{\"op\":\"remove\",\"path\":\"" POD "/securityContext/runAsNonRoot\"},"
	 "{\"op\":\"remove\",\"path\":\"" C0 "/runAsNonRoot\"}]", "Running as Non-root"},
	{"[{\"op\":\"remove\",\"path\":\"" POD "/securityContext/runAsNonRoot\"}]", ""},
	{"[{\"op\":\"add\",\"path\":\"" C0 "/runAsUser\",\"value\":0}]", "Running as Non-root user"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/securityContext/runAsUser\",\"value\":0}]",
	 "Running as Non-root user"},
	/* every container is held to the rules, not only the first */
	{"[{\"op\":\"add\",\"path\":\"" POD "/initContainers\","
	 "\"value\":[{\"name\":\"init\",\"image\":\"x\"}]}]",
	 "Capabilities, Privilege Escalation"},
	{"[{\"op\":\"add\",\"path\":\"" POD "/ephemeralContainers\",\"value\":[{\"name\":\"debug\","
	 "\"image\":\"x\",\"securityContext\":{\"allowPrivilegeEscalation\":false,"
	 "\"capabilities\":{\"drop\":[\"ALL\"]},\"privileged\":true}}]}]",
	 "Privileged Containers"},
#undef C0
#undef POD
};

Test(pss, each_rule_refuses_its_mutation)
{
	json_t *d = deployment();

	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *m = &mutations[i];
		json_error_t jerr;
		json_t *patch = json_loads(m->patch, 0, &jerr);
		char err[256], names[512], why[2048];
		int bad = 0;
		json_t *mutated;

		cr_assert(patch, "row %zu: %s", i, jerr.text);
		mutated = tas_json_patch(d, patch, err, sizeof(err), &bad);
		cr_assert(mutated, "row %zu: patch does not apply: %s", i, err);
		broken(mutated, names, sizeof(names), why, sizeof(why));
		cr_expect_str_eq(names, m->fails, "row %zu %s: broke \"%s\" (%s), want \"%s\"", i,
				 m->patch, names, why, m->fails);
		json_decref(mutated);
		json_decref(patch);
	}
	json_decref(d);
}

/* Beyond the profile: what the operator's own design asks of its pod. */
Test(pss, deployment_hardening)
{
	json_t *d = deployment();
	const json_t *spec = json_object_get(json_object_get(json_object_get(d, "spec"), "template"),
					     "spec");
	const json_t *c = json_array_get(json_object_get(spec, "containers"), 0);
	const json_t *vols = json_object_get(spec, "volumes");
	struct mgo_config cfg;
	char err[256];
	size_t len;
	char *text = slurp(CONFIG, &len);
	bool memory_run = false;

	cr_assert_eq(mgo_cfg_load_mem(text, len, CONFIG, &cfg, err, sizeof(err)), 0, "%s", err);
	free(text);
	cr_expect(json_is_false(json_object_get(spec, "automountServiceAccountToken")),
		  "the pod must not mount a token of its own");
	cr_expect_eq(json_array_size(json_object_get(spec, "containers")), 1,
		     "one container: the supervisor runs the processes");
	cr_expect(json_is_true(json_object_get(sc(c), "readOnlyRootFilesystem")));
	cr_expect(json_integer_value(json_object_get(sc(spec), "runAsUser")) > 0);
	cr_expect(json_integer_value(json_object_get(spec, "terminationGracePeriodSeconds")) * 1000 >
			  (long long)cfg.supervisor.grace_ms,
		  "the kubelet's SIGKILL must come after the supervisor's grace period");
	/* the socket directory lives on a memory emptyDir, made by the supervisor inside it */
	for (size_t i = 0; i < json_array_size(json_object_get(c, "volumeMounts")); i++) {
		const json_t *m = json_array_get(json_object_get(c, "volumeMounts"), i);
		const char *path = json_string_value(json_object_get(m, "mountPath"));
		size_t n = path ? strlen(path) : 0;
		if (!n || strncmp(cfg.socket_dir, path, n) || cfg.socket_dir[n] != '/' ||
		    strchr(cfg.socket_dir + n + 1, '/'))
			continue;
		for (size_t k = 0; k < json_array_size(vols); k++) {
			const json_t *v = json_array_get(vols, k);
			const char *medium = json_string_value(
				json_object_get(json_object_get(v, "emptyDir"), "medium"));
			if (json_equal(json_object_get(v, "name"), json_object_get(m, "name")) &&
			    medium && strcmp(medium, "Memory") == 0)
				memory_run = true;
		}
	}
	cr_expect(memory_run, "socketDir %s's parent is not a memory emptyDir", cfg.socket_dir);
	/* probes on the health port the health process serves */
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
				 c, "livenessProbe"), "httpGet"), "path")) ?: "", "/healthz");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
				 c, "readinessProbe"), "httpGet"), "path")) ?: "", "/readyz");
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(
				 c, "livenessProbe"), "httpGet"), "port")) ?: "", "health");
	cr_expect_eq(json_integer_value(json_object_get(json_array_get(json_object_get(c, "ports"), 0),
							"containerPort")), 8080);
	cr_expect(json_object_get(json_object_get(json_object_get(c, "resources"), "limits"),
				  "memory"), "a memory limit");
	cr_expect(json_object_get(json_object_get(json_object_get(c, "resources"), "requests"),
				  "cpu"), "a cpu request");
	mgo_cfg_free(&cfg);
	json_decref(d);
}
