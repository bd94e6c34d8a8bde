/* mgoctl permissions [--deploy DIR] [--config FILE]: what each of the
 * operator's processes may do, as a Markdown document for auditors, built
 * from the sources that decide it so that it cannot drift from them: the API
 * permissions from the RBAC manifests (the YAML files of DIR/rbac, following the
 * bindings to each role's ServiceAccount), the token from the configuration
 * file, and the sandbox (files, network, syscalls) from mgo_sandbox_describe,
 * which reads the tables the sandbox is built from. docs/permissions.md is
 * its output; tests/unit/test_mgoctl_permissions.c regenerates and diffs it.
 *
 * A role's ServiceAccount is the one its file (DIR/rbac/<role>.yaml, one
 * file per role) defines; what it may do is whatever any binding in the
 * directory grants it, wherever that binding is written. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mgo/config.h"
#include "mgo/sandbox.h"
#include "rbac.h"

#define MAX_ROWS 256

struct args {
	const char *deploy;
	const char *config;
	char config_buf[4096];
};

/* A sandbox description row, copied: describe's strings may live on its
 * stack. */
struct row {
	char *f[4];                     /* layer, what, effect, why */
};

struct table {
	struct row v[MAX_ROWS];
	size_t n;
	int rc;
};

struct proc {
	const char *name;
	int role;                       /* sandbox role; -1: none */
	const struct mgo_cfg_role *creds; /* NULL: no API token */
	const char *key;                /* where the configuration gives creds */
	unsigned minted_s;              /* mgo-tokens mints its token: the lifetime */
	char keybuf[32];
	const struct mgoctl_obj *sa;
	struct table sandbox;
};

struct doc {
	struct args a;
	struct mgo_config cfg;
	struct mgoctl_manifests m;
	struct proc procs[1 + MGO_ROLE_N];
	size_t nprocs;
	const struct mgoctl_obj *granted[MAX_ROWS]; /* roles some process holds */
	size_t ngranted;
};

/* Manifest values and sandbox texts go into Markdown table cells: a '|'
 * would split the cell, a backtick end the code span, and control bytes
 * have no place in a document. Each such byte is written as \xNN. */
static void put_text(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= ' ' && *p < 0x7f && !strchr("|`\\", *p))
			putchar(*p);
		else
			printf("\\x%02x", *p);
	}
}

/* The core API group is the empty string: shown as `""`, as RBAC writes it. */
static void put_code(const char *s)
{
	putchar('`');
	put_text(*s ? s : "\"\"");
	putchar('`');
}

static void put_sa(const struct mgoctl_obj *sa)
{
	fputs("ServiceAccount `", stdout);
	put_text(sa->ns);
	putchar('/');
	put_text(sa->name);
	putchar('`');
}

/* "`a`, `b`" for a sequence of scalars, or none when it is empty. */
static void put_list(const struct mgo_yaml_node *seq, const char *none)
{
	if (mgo_yaml_is_null(seq) || seq->nkids == 0) {
		fputs(none, stdout);
		return;
	}
	for (size_t i = 0; i < seq->nkids; i++) {
		if (i)
			fputs(", ", stdout);
		put_code(seq->kids[i]->str);
	}
}

static void add_row(const struct mgo_sandbox_entry *e, void *ctx)
{
	struct table *t = ctx;
	const char *in[4] = {e->layer, e->what, e->effect, e->why};
	struct row *r;

	if (t->rc)
		return;
	if (t->n == MAX_ROWS) {
		t->rc = -E2BIG;
		return;
	}
	r = &t->v[t->n++];
	for (int i = 0; i < 4; i++)
		if (!(r->f[i] = strdup(in[i] ? in[i] : ""))) {
			t->rc = -ENOMEM;
			return;
		}
}

static bool same_row(const struct row *x, const struct row *y)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(x->f[i], y->f[i]) != 0)
			return false;
	return true;
}

/* True when every sandboxed process has row r: it goes in the common table. */
static bool common_row(const struct doc *d, const struct row *r)
{
	for (size_t i = 0; i < d->nprocs; i++) {
		const struct table *t = &d->procs[i].sandbox;
		bool found = false;

		if (d->procs[i].role < 0)
			continue;
		for (size_t k = 0; !found && k < t->n; k++)
			found = same_row(&t->v[k], r);
		if (!found)
			return false;
	}
	return true;
}

static void put_rows(const struct doc *d, const struct table *t, bool common)
{
	puts("| layer | what | effect | why |\n|---|---|---|---|");
	for (size_t i = 0; i < t->n; i++) {
		const struct row *r = &t->v[i];

		if (common_row(d, r) != common)
			continue;
		fputs("| ", stdout);
		put_text(r->f[0]);
		fputs(" | ", stdout);
		put_text(r->f[1]);
		fputs(" | ", stdout);
		put_text(r->f[2]);
		fputs(" | ", stdout);
		put_text(r->f[3]);
		puts(" |");
	}
}

/* One table row per rule; the scope and "granted by" columns when the
 * rules reach a process through the grant g. */
static void put_rules(const struct mgo_yaml_node *role_root, const char *scope_ns,
		      const struct mgoctl_grant *g)
{
	const struct mgo_yaml_node *rules = mgo_yaml_get(role_root, "rules");

	for (size_t i = 0; !mgo_yaml_is_null(rules) && i < rules->nkids; i++) {
		const struct mgo_yaml_node *r = rules->kids[i];
		const struct mgo_yaml_node *urls = mgo_yaml_get(r, "nonResourceURLs");

		fputs("| ", stdout);
		if (g && scope_ns) {
			fputs("namespace ", stdout);
			put_code(scope_ns);
			fputs(" | ", stdout);
		} else if (g) {
			fputs("cluster | ", stdout);
		}
		if (!mgo_yaml_is_null(urls) && urls->nkids) {
			fputs("(URLs) | ", stdout);
			put_list(urls, "");
		} else {
			put_list(mgo_yaml_get(r, "apiGroups"), "none");
			fputs(" | ", stdout);
			put_list(mgo_yaml_get(r, "resources"), "none");
		}
		fputs(" | ", stdout);
		put_list(mgo_yaml_get(r, "resourceNames"), "any");
		fputs(" | ", stdout);
		put_list(mgo_yaml_get(r, "verbs"), "none");
		if (g) {
			printf(" | %s ", g->binding->kind);
			put_code(g->binding->name);
		}
		puts(" |");
	}
}

static void note_granted(struct doc *d, const struct mgoctl_obj *role)
{
	for (size_t i = 0; i < d->ngranted; i++)
		if (d->granted[i] == role)
			return;
	if (d->ngranted < MAX_ROWS)
		d->granted[d->ngranted++] = role;
}

static void put_grant(const struct mgoctl_grant *g, void *ctx)
{
	struct doc *d = ctx;

	if (!g->role) {
		printf("| %s | %s ", g->scope_ns ? "namespace" : "cluster", g->ref_kind);
		put_code(g->ref_name);
		fputs(" is not defined in the manifests (a built-in role?) | | | | ", stdout);
		printf("%s ", g->binding->kind);
		put_code(g->binding->name);
		puts(" |");
		return;
	}
	note_granted(d, g->role);
	put_rules(g->role->root, g->scope_ns, g);
}

/* Appends each verb a grant gives, once, in the order first met. */
struct verbs {
	const char *v[64];
	size_t n;
};

static void collect_verbs(const struct mgoctl_grant *g, void *ctx)
{
	struct verbs *vs = ctx;
	const struct mgo_yaml_node *rules = g->role ? mgo_yaml_get(g->role->root, "rules") : NULL;

	for (size_t i = 0; !mgo_yaml_is_null(rules) && i < rules->nkids; i++) {
		const struct mgo_yaml_node *verbs = mgo_yaml_get(rules->kids[i], "verbs");

		for (size_t k = 0; k < verbs->nkids; k++) {
			size_t j = 0;
			while (j < vs->n && strcmp(vs->v[j], verbs->kids[k]->str) != 0)
				j++;
			if (j == vs->n && vs->n < sizeof(vs->v) / sizeof(vs->v[0]))
				vs->v[vs->n++] = verbs->kids[k]->str;
		}
	}
}

static void put_token(const struct proc *p)
{
	if (!p->creds) {
		fputs("none", stdout);
	} else if (p->creds->token_file) {
		put_code(p->creds->token_file);
		if (p->minted_s)
			printf(" (minted by mgo-tokens, %u s, renewed before expiry)", p->minted_s);
	} else {
		fputs("kubeconfig ", stdout);
		put_code(p->creds->kubeconfig);
	}
}

static void put_summary(const struct doc *d)
{
	puts("| process | API identity | token | API verbs | sandbox |\n|---|---|---|---|---|");
	for (size_t i = 0; i < d->nprocs; i++) {
		const struct proc *p = &d->procs[i];
		struct verbs vs = {.n = 0};

		printf("| [%s](#%s) | ", p->name, p->name);
		if (p->sa) {
			put_sa(p->sa);
			mgoctl_rbac_grants(&d->m, p->sa->ns, p->sa->name, collect_verbs, &vs);
		} else {
			fputs("none", stdout);
		}
		fputs(" | ", stdout);
		put_token(p);
		fputs(" | ", stdout);
		for (size_t k = 0; k < vs.n; k++) {
			fputs(k ? ", " : "", stdout);
			put_code(vs.v[k]);
		}
		fputs(vs.n ? " | " : "none | ", stdout);
		fputs("yes", stdout);
		puts(" |");
	}
}

static void put_process(struct doc *d, const struct proc *p)
{
	printf("\n## %s\n\n", p->name);
	if (p->role == MGO_ROLE_SUPERVISOR) {
		puts("No API token and no API permission. It parses no network input: only its "
		     "children's log\nlines and the frames on their notification sockets (both "
		     "bounded and fuzzed). It holds every\nchild's CURVE secret key, to hand each "
		     "its own again when it restarts, which is why the HTTP\nendpoint lives in "
		     "mgo-health and not here. Its children would inherit its sandbox, so\nbefore "
		     "the sandbox and the keys it forks the spawner (`supervisor/sup_spawn.h`), which "
		     "holds\nneither, reads only the supervisor's requests, and forks and executes "
		     "the children as the\nsupervisor's own; the supervisor itself can then neither "
		     "execute a program nor read the\nroles' tokens.");
		puts("\nSandbox, besides the rows every process has (below):\n");
		put_rows(d, &p->sandbox, false);
		return;
	}
	if (p->sa) {
		put_sa(p->sa);
		fputs(" (`rbac/", stdout);
		put_text(p->sa->file);
		fputs("`), token ", stdout);
		put_token(p);
		if (p->creds->ca_file) {
			fputs(", CA ", stdout);
			put_code(p->creds->ca_file);
		}
		printf(" (`%s` in the configuration file).\n\n", p->key);
		puts("| scope | API groups | resources | resource names | verbs | granted by |\n"
		     "|---|---|---|---|---|---|");
		mgoctl_rbac_grants(&d->m, p->sa->ns, p->sa->name, put_grant, d);
	} else {
		printf("No API token (no `roles.%s` or `tokens` for it in the configuration file) "
		       "and no API permission.\n", p->name);
	}
	puts("\nSandbox, besides the rows every process has (below):\n");
	put_rows(d, &p->sandbox, false);
}

static bool granted(const struct doc *d, const struct mgoctl_obj *role)
{
	for (size_t i = 0; i < d->ngranted; i++)
		if (d->granted[i] == role)
			return true;
	return false;
}

/* The roles shipped for people (the allowlist's administrators, users):
 * what they allow and who the manifests bind them to. */
static void put_other_roles(const struct doc *d)
{
	bool any = false;

	for (size_t i = 0; i < d->m.n; i++) {
		const struct mgoctl_obj *o = &d->m.objs[i];

		if ((strcmp(o->kind, "ClusterRole") != 0 && strcmp(o->kind, "Role") != 0) ||
		    granted(d, o))
			continue;
		if (!any)
			puts("\n## Roles for people\n\nRoles in the manifests that no process holds; "
			     "bind them to the people who need them.\n");
		any = true;
		printf("### %s ", o->kind);
		put_code(o->name);
		fputs(" (`rbac/", stdout);
		put_text(o->file);
		puts("`)\n\n| API groups | resources | resource names | verbs |\n|---|---|---|---|");
		put_rules(o->root, o->ns, NULL);
		putchar('\n');
	}
}

/* What each process could make happen if an attacker ran code in it, and
 * the test that plays it so: docs/design.md's rule that the split holds as
 * a whole, not only process by process. Each test is named as
 * file:suite::test; test_mgoctl_permissions checks that every one exists. */
static const struct taken_over {
	const char *process, *could, *cannot, *tests;
} taken_over[] = {
	{"watcher", "send the validator any Observe (its own key); read what its RBAC lets it read",
	 "make the launcher create a Job the MustGather and allowlist do not justify, delete a Job "
	 "the operator does not own, or write a status (the launcher re-reads each act's objects); "
	 "write anything itself (no write verb linked, read-only RBAC)",
	 "tests/e2e/test_e2e_compromised.c:compromised::forged_observes_make_no_job_and_delete_nothing, "
	 "tests/unit/test_link_table.c:link_table::every_installed_program_links_only_what_its_row_allows, "
	 "tests/e2e/test_e2e_rbac.c:rbac::watcher_only_reads_and_launcher_alone_writes"},
	{"validator", "send the launcher any Act (its own key): deny or fail an unfinished MustGather",
	 "launch with another image, account, Secret, host, proxy, claim or timeout, delete a Job "
	 "the operator does not own, write another MustGather's status, say a claim is in another "
	 "phase than it is (StorageReady), say a Job succeeded that failed, write on a version of "
	 "a MustGather that is not the current one, run more gathers in a namespace than its "
	 "limit, reach the network or a file",
	 "tests/e2e/test_e2e_compromised.c:compromised::forged_launch_fields_make_no_job, "
	 "tests/e2e/test_e2e_compromised.c:compromised::a_forged_pending_claim_writes_nothing, "
	 "tests/e2e/test_e2e_compromised.c:compromised::forged_launch_targets_make_no_job, "
	 "tests/e2e/test_e2e_compromised.c:compromised::forged_deletes_delete_nothing, "
	 "tests/e2e/test_e2e_compromised.c:compromised::a_forged_success_for_a_job_seen_failing_is_refused, "
	 "tests/e2e/test_e2e_compromised.c:compromised::a_finish_on_an_old_copy_writes_nothing, "
	 "tests/e2e/test_e2e_compromised.c:compromised::forged_launches_stay_within_the_namespace_limit, "
	 "tests/e2e/test_e2e_compromised.c:compromised::forged_status_writes_change_nothing, "
	 "tests/unit/test_sandbox.c:sandbox::validator_connects_nowhere_over_tcp"},
	{"launcher", "use the writer's token: create Jobs, patch MustGather status, write Events; "
	 "read every Job in the cluster, environment included (it watches Jobs, and RBAC cannot "
	 "narrow that to the operator's: the watcher can too), and any MustGather or "
	 "PersistentVolumeClaim by name",
	 "create a Job that is not owned by a MustGather, runs an unlisted image or leaves the "
	 "rendered pod security (the admission policies, Kubernetes 1.30+); delete a Job not "
	 "labelled as the operator's; write while another replica leads",
	 "tests/unit/test_apiserver_job_vap.c:job_vap::images_outside_the_default_and_the_allowlist_are_refused, "
	 "tests/unit/test_apiserver_job_vap.c:job_vap::jobs_stepping_outside_the_rendered_shape_are_refused, "
	 "tests/unit/test_apiserver_job_vap.c:job_vap::deletes_only_of_the_operators_jobs, "
	 "tests/unit/test_launcher_fence.c:launcher_fence::a_stuck_renewal_stops_every_write_by_the_deadline"},
	{"tokens", "mint the watcher's and the launcher's tokens with the pod's own",
	 "mint a token for any other account or namespace, or read the API (RBAC); read the "
	 "tokens it writes (sandbox)",
	 "tests/unit/test_deploy_apply.c:deploy_apply::the_pods_own_account_only_mints_the_roles_tokens, "
	 "tests/unit/test_sandbox.c:sandbox::tokens_reads_its_token_writes_only_role_tokens"},
	{"health", "answer the probes and the scrape as it likes",
	 "read a file, reach the API or any peer: it holds no key and no token",
	 "tests/unit/test_sandbox.c:sandbox::health_reads_nothing_connects_nowhere_and_binds_its_port"},
	{"supervisor", "hand any child any key it minted; restart or stop children",
	 "act on the API: it links no Kubernetes client and holds no token",
	 "tests/unit/test_link_table.c:link_table::every_installed_program_links_only_what_its_row_allows"},
	{"any key but the validator's", "connect to the launcher's socket",
	 "have an act obeyed: the launcher's ZAP handler accepts the validator's key alone",
	 "tests/unit/test_launcher_auth.c:launcher_auth::the_watchers_key_gets_nothing_done, "
	 "tests/unit/test_launcher_auth.c:launcher_auth::a_fresh_key_gets_nothing_done"},
};

static void put_taken_over(void)
{
	puts("\n## If a process is taken over\n\nWhat an attacker running code in each process "
	     "could make happen, what the others and the\ncluster still refuse, and the tests "
	     "that play it (`mgoctl/permissions.c`; every test named\nhere must exist, "
	     "`tests/unit/test_mgoctl_permissions.c` checks).\n\n"
	     "| process | could | cannot | tests |\n|---|---|---|---|");
	for (size_t i = 0; i < sizeof(taken_over) / sizeof(taken_over[0]); i++) {
		const struct taken_over *t = &taken_over[i];

		printf("| %s | %s | %s | ", t->process, t->could, t->cannot);
		for (const char *p = t->tests; *p;) {
			size_t n = strcspn(p, ",");
			printf("`%.*s`", (int)n, p);
			p += n;
			if (*p) {
				fputs(", ", stdout);
				p += strspn(p, ", ");
			}
		}
		puts(" |");
	}
}

/* What the kernel can and cannot enforce, said plainly; the tests that
 * prove each sentence are named. */
static void put_limits(void)
{
	puts("\n## What the sandbox can and cannot restrict\n\n"
	     "Measured on Linux 6.18 with Landlock ABI 7; `tests/unit/test_sandbox.c` proves each "
	     "point\n(and skips, saying why, where a kernel lacks a feature).\n\n"
	     "- **Files**: Landlock handles every file right of the kernel's ABI, so a process "
	     "reads,\n  writes, creates and removes only what its rows above grant. Descriptors "
	     "opened before\n  the sandbox (stdout, the supervisor's pipes) are not checked again.\n"
	     "- **Bound sockets**: the validator and the launcher each bind in their own "
	     "directory,\n  `<socketDir>/validator/` and `<socketDir>/launcher/`, made 0700 by the "
	     "supervisor, the\n  only place their Landlock rules let them create or remove "
	     "anything: neither can\n  `unlink()`, rename or re-`bind()` the other's socket, and "
	     "the watcher and mgo-health can\n  touch neither. The supervisor may remove both at "
	     "exit, as it made the directory.\n"
	     "- **TCP**: Landlock (ABI 4) restricts `connect()` and `bind()` by port, not by "
	     "address:\n  the watcher and launcher can reach any host on the API server's port "
	     "(and a proxy's).\n"
	     "- **UDP and other datagrams**: Landlock has no UDP rules, so seccomp refuses "
	     "`socket()` of\n  any type but `SOCK_STREAM` in every process (UDP, raw, Unix "
	     "datagram): nothing can send\n  a datagram. With no resolver left, the watcher and "
	     "launcher resolve the API server's\n  name (and each proxy's) once, before the "
	     "sandbox, and pin the addresses in libcurl\n  (`CURLOPT_RESOLVE`). In a cluster the "
	     "server is `KUBERNETES_SERVICE_HOST`, an address,\n  and nothing is resolved. A name "
	     "in a kubeconfig is resolved once per process start: if\n  its addresses change, the "
	     "process keeps the old ones until it restarts (killing it is\n  enough: the supervisor "
	     "starts it again, and it resolves anew).\n"
	     "- **Abstract Unix sockets**: scoped (ABI 6): a process reaches only those made "
	     "inside its\n  own sandbox. mgo-health and the supervisor cannot make a Unix socket "
	     "at all.\n"
	     "- **Pathname Unix sockets**: Landlock up to ABI 7 cannot restrict `connect()` "
	     "to a\n  pathname socket. File rights do not cover it: the kernel checks only the "
	     "socket file's\n  write permission, and every process here runs as the same uid. "
	     "The watcher, validator and\n  launcher (the roles with `AF_UNIX`) could connect to "
	     "any socket they can name: in the pod\n  those are only the operator's own, where "
	     "CURVE and the ZAP handler accept exactly the\n  expected peer's key (the watcher "
	     "cannot talk to the launcher, `test_ipc_auth`). A later\n  Landlock ABI adds "
	     "`LANDLOCK_ACCESS_FS_RESOLVE_UNIX` (merged in 2026), which this sandbox\n  does "
	     "not use yet; seccomp cannot help, as `connect()`'s address is behind a pointer.\n"
	     "- **Signals**: scoped (ABI 6) for the four children: none can signal a sibling. "
	     "The\n  supervisor must signal its children, whom the spawner starts outside its "
	     "sandbox, so its\n  signals are not scoped.\n"
	     "- **The supervisor** holds every CURVE secret and cannot read the roles' tokens: "
	     "a process's\n  children inherit its sandbox, so it forks an unsandboxed spawner "
	     "(before it mints any\n  key) that starts the children for it; the supervisor itself "
	     "can neither fork nor execute.\n  The spawner reads only fixed-size requests naming "
	     "a child, and runs only that child's\n  program with the arguments fixed at start.");
}

static void render(struct doc *d)
{
	size_t first = 0;

	fputs("# What each process may do\n\nGenerated by `mgoctl permissions --deploy ", stdout);
	put_text(d->a.deploy);
	fputs(" --config ", stdout);
	put_text(d->a.config);
	puts("` from the RBAC manifests,\nthe configuration file and the sandbox code "
	     "(`mgo_sandbox_describe`). Do not edit by hand:\nchange those and regenerate; "
	     "`tests/unit/test_mgoctl_permissions.c` fails when they differ.\n");
	put_summary(d);
	for (size_t i = 0; i < d->nprocs; i++)
		put_process(d, &d->procs[i]);
	while (first < d->nprocs && d->procs[first].role < 0)
		first++;
	if (first < d->nprocs) {
		puts("\n## Sandbox rows every sandboxed process has\n\nIn the order they are applied "
		     "(Landlock where the kernel has it; seccomp always).\n");
		put_rows(d, &d->procs[first].sandbox, true);
	}
	put_taken_over();
	put_limits();
	put_other_roles(d);
}

/* The ServiceAccount defined in rbac/<name>.yaml: exactly one. */
static int find_sa(struct doc *d, struct proc *p, char *err, size_t errlen)
{
	char file[64];
	size_t count = 0;

	snprintf(file, sizeof(file), "%s.yaml", p->name);
	for (size_t i = 0; i < d->m.n; i++) {
		const struct mgoctl_obj *o = &d->m.objs[i];

		if (strcmp(o->kind, "ServiceAccount") == 0 && strcmp(o->file, file) == 0) {
			p->sa = o;
			count++;
		}
	}
	if (count == 1 && p->sa->ns)
		return 0;
	snprintf(err, errlen, "%s/rbac/%s: the %s process has a token, so this file must define "
		 "exactly one ServiceAccount with a namespace (found %zu)", d->a.deploy, file,
		 p->name, count);
	return -EINVAL;
}

static int build(struct doc *d, char *err, size_t errlen)
{
	char dir[4096];
	int rc;

	if ((rc = mgo_cfg_load(d->a.config, &d->cfg, err, errlen)))
		return rc;
	snprintf(dir, sizeof(dir), "%s/rbac", d->a.deploy);
	if ((rc = mgoctl_manifests_load(dir, &d->m, err, errlen)))
		return rc;
	for (enum mgo_role r = MGO_ROLE_SUPERVISOR; r < MGO_ROLE_N; r++) {
		struct proc *p = &d->procs[d->nprocs++];

		p->name = mgo_role_name(r);
		p->role = r;
		p->creds = mgo_cfg_role_of(&d->cfg, r);
		if (p->creds != &d->cfg.tokens.creds && d->cfg.tokens.enabled)
			p->minted_s = d->cfg.tokens.expiration_s;
		snprintf(p->keybuf, sizeof(p->keybuf), "%s%s", p->creds == &d->cfg.tokens.creds
			 ? "" : "roles.", p->creds == &d->cfg.tokens.creds ? "tokens" : p->name);
		p->key = p->keybuf;
		if (p->creds && (rc = find_sa(d, p, err, errlen)))
			return rc;
		mgo_sandbox_describe(r, add_row, &p->sandbox);
		if ((rc = p->sandbox.rc)) {
			snprintf(err, errlen, "describing the %s sandbox: %s", p->name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static void doc_free(struct doc *d)
{
	for (size_t i = 0; i < d->nprocs; i++)
		for (size_t k = 0; k < d->procs[i].sandbox.n; k++)
			for (int f = 0; f < 4; f++)
				free(d->procs[i].sandbox.v[k].f[f]);
	mgoctl_manifests_free(&d->m);
	mgo_cfg_free(&d->cfg);
}

static int parse_args(const struct mgoctl_cmd *self, int argc, char **argv, struct args *a)
{
	a->deploy = "deploy";
	a->config = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: mgoctl %s %s\n%s\n", self->name, self->operands, self->summary);
			return mgoctl_finish(MGOCTL_EXIT_OK);
		}
		if (strcmp(argv[i], "--deploy") == 0 && i + 1 < argc) {
			a->deploy = argv[++i];
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			a->config = argv[++i];
		} else {
			fprintf(stderr, "mgoctl %s: unknown argument or missing value: \"", self->name);
			mgoctl_put_escaped(stderr, argv[i]);
			fprintf(stderr, "\"\nusage: mgoctl %s %s\n", self->name, self->operands);
			return MGOCTL_EXIT_USAGE;
		}
	}
	if (!a->config) {
		if ((size_t)snprintf(a->config_buf, sizeof(a->config_buf), "%s/config/mgo.yaml",
				     a->deploy) >= sizeof(a->config_buf)) {
			fprintf(stderr, "mgoctl %s: --deploy path too long\n", self->name);
			return MGOCTL_EXIT_USAGE;
		}
		a->config = a->config_buf;
	}
	return -1;
}

int mgoctl_permissions(const struct mgoctl_cmd *self, int argc, char **argv)
{
	struct doc *d = calloc(1, sizeof(*d));
	char err[1024] = "";
	int code;

	if (!d) {
		perror("mgoctl permissions");
		return MGOCTL_EXIT_USAGE;
	}
	if ((code = parse_args(self, argc, argv, &d->a)) >= 0)
		goto out;
	if (build(d, err, sizeof(err)) != 0) {
		fprintf(stderr, "mgoctl %s: %s\n", self->name, err);
		code = MGOCTL_EXIT_FAIL;
		goto out;
	}
	render(d);
	code = mgoctl_finish(MGOCTL_EXIT_OK);
out:
	doc_free(d);
	free(d);
	return code;
}
