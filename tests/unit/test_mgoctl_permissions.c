/* mgoctl permissions: docs/permissions.md is exactly what the command makes
 * of the tree (so it cannot drift from the manifests or the sandbox), and
 * the table follows the manifests: a verb, a binding, a broken file change
 * what it says. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

static char dir[64], deploy[128], out[128];

static const char *const rbac_files[] = {"admin.yaml", "launcher.yaml", "namespace.yaml",
					 "tokens.yaml", "watcher.yaml"};

static void copy_file(const char *from, const char *to)
{
	char *text = slurp(from);
	FILE *f;

	cr_assert_not_null(text, "%s", from);
	f = fopen(to, "w");
	cr_assert_not_null(f, "%s", to);
	cr_assert_eq(fputs(text, f) >= 0, 1);
	cr_assert_eq(fclose(f), 0);
	free(text);
}

/* A copy of deploy/rbac and deploy/config in the temp dir, to mutate. */
static void setup(void)
{
	char from[512], to[256];

	make_temp_dir(dir, sizeof(dir), "mgoctl-perm");
	snprintf(deploy, sizeof(deploy), "%s/deploy", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	cr_assert_eq(mkdir(deploy, 0700), 0);
	snprintf(to, sizeof(to), "%s/rbac", deploy);
	cr_assert_eq(mkdir(to, 0700), 0);
	snprintf(to, sizeof(to), "%s/config", deploy);
	cr_assert_eq(mkdir(to, 0700), 0);
	for (size_t i = 0; i < sizeof(rbac_files) / sizeof(rbac_files[0]); i++) {
		snprintf(from, sizeof(from), "%s/deploy/rbac/%s", MGO_SOURCE_DIR, rbac_files[i]);
		snprintf(to, sizeof(to), "%s/rbac/%s", deploy, rbac_files[i]);
		copy_file(from, to);
	}
	snprintf(from, sizeof(from), "%s/deploy/config/mgo.yaml", MGO_SOURCE_DIR);
	snprintf(to, sizeof(to), "%s/config/mgo.yaml", deploy);
	copy_file(from, to);
}

static void teardown(void)
{
	remove_tree(dir);
}

TestSuite(mgoctl_permissions, .init = setup, .fini = teardown, .timeout = 60);

/* Runs mgoctl with args (NULL-ended); *text receives stdout and stderr. */
static int mgoctl(const char *const args[], char **text)
{
	const char *argv[8] = {MGO_MGOCTL_BIN};
	int status;
	pid_t pid;

	for (size_t i = 0; args[i]; i++) {
		cr_assert_lt(i + 2, sizeof(argv) / sizeof(argv[0]));
		argv[i + 1] = args[i];
	}
	unlink(out);
	pid = spawn_logged(argv, NULL, out);
	cr_assert_gt(pid, 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	*text = slurp(out);
	cr_assert_not_null(*text);
	return WEXITSTATUS(status);
}

static char *table_of(const char *deploy_dir)
{
	const char *args[] = {"permissions", "--deploy", deploy_dir, NULL};
	char *text;

	cr_assert_eq(mgoctl(args, &text), 0, "%s", text);
	return text;
}

/* Replaces the first `from` in the file rbac/name with `to`. */
static void edit(const char *name, const char *from, const char *to)
{
	char path[256];
	char *text, *at;
	FILE *f;

	snprintf(path, sizeof(path), "%s/rbac/%s", deploy, name);
	text = slurp(path);
	cr_assert_not_null(text);
	at = strstr(text, from);
	cr_assert_not_null(at, "%s has no \"%s\"", name, from);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	cr_assert_eq(fclose(f), 0);
	free(text);
}

static void add_file(const char *name, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/rbac/%s", deploy, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_geq(fputs(content, f), 0);
	cr_assert_eq(fclose(f), 0);
}

/* The section of text from "## name" to the next "## ". */
static char *section(const char *text, const char *name)
{
	char head[64];
	const char *start, *end;

	snprintf(head, sizeof(head), "\n## %s\n", name);
	start = strstr(text, head);
	cr_assert_not_null(start, "no section %s", name);
	end = strstr(start + strlen(head), "\n## ");
	return strndup(start, end ? (size_t)(end - start) : strlen(start));
}

Test(mgoctl_permissions, the_committed_document_is_what_the_tree_generates)
{
	const char *args[] = {"permissions", NULL};
	char *generated, *committed;

	/* the header names the default paths, relative to the top of the tree */
	cr_assert_eq(chdir(MGO_SOURCE_DIR), 0);
	cr_assert_eq(mgoctl(args, &generated), 0, "%s", generated);
	committed = slurp(MGO_SOURCE_DIR "/docs/permissions.md");
	cr_assert_not_null(committed, "docs/permissions.md is missing");
	if (strcmp(generated, committed) != 0) {
		size_t i = 0, line = 1;

		for (; generated[i] && generated[i] == committed[i]; i++)
			line += generated[i] == '\n';
		cr_assert_fail("docs/permissions.md differs from the tree at line %zu; regenerate it:\n"
			"  (cd %s && build/mgoctl/mgoctl permissions > docs/permissions.md)",
			line, MGO_SOURCE_DIR);
	}
	free(generated);
	free(committed);
}

Test(mgoctl_permissions, every_process_is_listed_with_its_token_or_none)
{
	char *text = table_of(deploy);

	cr_assert(strstr(text, "| [watcher](#watcher) | ServiceAccount "
			       "`must-gather-operator/mgo-watcher` | "
			       "`/var/run/secrets/mgo/roles/watcher/token` (minted by mgo-tokens, "
			       "600 s, renewed before expiry) | `get`, `list`, `watch` |"),
		  "%s", text);
	/* the pod's own account mints, and does nothing else */
	cr_assert(strstr(text, "| [tokens](#tokens) | ServiceAccount "
			       "`must-gather-operator/must-gather-operator` | "
			       "`/var/run/secrets/mgo/pod/token` | `create` | yes |"), "%s", text);
	cr_assert(strstr(text, "| [validator](#validator) | none | none | none |"), "%s", text);
	cr_assert(strstr(text, "| [supervisor](#supervisor) | none | none | none |"), "%s", text);
	cr_assert(strstr(text, "seccomp | socket: any family but AF_UNIX, AF_INET, AF_INET6 | "
			       "EACCES"), "%s", text);
	/* the validator's filter is an allowlist */
	cr_assert(strstr(text, "seccomp | any syscall not allowed below | kill (SIGSYS)"), "%s",
		  text);
	cr_assert(strstr(text, "seccomp | socket: AF_UNIX (and SOCK_STREAM, below) | allowed"),
		  "%s", text);
	free(text);
}

Test(mgoctl_permissions, an_extra_verb_in_a_manifest_changes_the_table)
{
	char *before = table_of(deploy), *after, *watcher;

	edit("watcher.yaml", "resources: [jobs]\n  verbs: [get, list, watch]",
	     "resources: [jobs]\n  verbs: [get, list, watch, delete]");
	after = table_of(deploy);
	cr_assert_str_neq(before, after);
	watcher = section(after, "watcher");
	cr_assert(strstr(watcher, "| cluster | `batch` | `jobs` | any | `get`, `list`, `watch`, "
				  "`delete` | ClusterRoleBinding `mgo-watcher` |"), "%s", watcher);
	cr_assert(strstr(after, "`get`, `list`, `watch`, `delete` | yes |"), "%s", after);
	free(watcher);
	free(before);
	free(after);
}

/* A grant is found by following bindings, wherever they are written and
 * whatever they are called; a role held by a process leaves "Roles for
 * people". */
Test(mgoctl_permissions, a_binding_in_another_file_grants_its_role)
{
	char *text, *watcher, *people;

	add_file("zz-extra.yaml",
		 "# a binding someone slipped in\n"
		 "apiVersion: rbac.authorization.k8s.io/v1\n"
		 "kind: RoleBinding\n"
		 "metadata: {name: innocuous, namespace: team-a}\n"
		 "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, "
		 "name: must-gather-image-admin}\n"
		 "subjects:\n"
		 "- kind: Group\n"
		 "  name: system:serviceaccounts:must-gather-operator\n"
		 "---\n"
		 "---   # an empty document, as kubectl allows\n");
	text = table_of(deploy);
	watcher = section(text, "watcher");
	cr_assert(strstr(watcher, "| namespace `team-a` | `operator.openshift.io` | "
				  "`mustgatherimages` | any | `get`, `list`, `watch`, `create`, "
				  "`update`, `patch`, `delete` | RoleBinding `innocuous` |"),
		  "%s", watcher);
	people = section(text, "Roles for people");
	cr_assert_null(strstr(people, "must-gather-image-admin"), "%s", people);
	cr_assert(strstr(people, "must-gather-user"), "%s", people);
	free(people);
	free(watcher);
	free(text);
}

Test(mgoctl_permissions, a_subject_in_another_namespace_grants_nothing)
{
	char *before = table_of(deploy), *after;

	add_file("other.yaml",
		 "apiVersion: rbac.authorization.k8s.io/v1\n"
		 "kind: ClusterRoleBinding\n"
		 "metadata: {name: elsewhere}\n"
		 "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, "
		 "name: must-gather-user}\n"
		 "subjects:\n"
		 "- {kind: ServiceAccount, name: mgo-watcher, namespace: somewhere-else}\n"
		 "- {kind: Group, name: system:serviceaccounts:somewhere-else}\n");
	after = table_of(deploy);
	cr_assert_str_eq(before, after);
	free(before);
	free(after);
}

/* Criterion copies parameters into a re-executed worker: no pointers. */
struct broken {
	char file[32];
	char content[320];
	char message[64];  /* in the error */
};

ParameterizedTestParameters(mgoctl_permissions, a_broken_manifest_is_refused)
{
	static struct broken rows[] = {
		{"agg.yaml",
		 "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: agg}\n"
		 "aggregationRule: {clusterRoleSelectors: [{matchLabels: {a: b}}]}\n",
		 "aggregated ClusterRoles are not expanded"},
		{"bad.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: [x]\n",
		 "bad.yaml (document 1, from line 1)"},
		{"second.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: X\n",
		 "second.yaml (document 2, from line 5):1:1: apiVersion: required"},
		{"lead.yaml", "---\napiVersion: v1\nmetadata: {name: a}\n",
		 "lead.yaml (document 1, from line 2):1:1: kind: required"},
		{"verbless.yaml",
		 "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: v}\n"
		 "rules:\n- apiGroups: [\"\"]\n  resources: [pods]\n",
		 "rules.verbs: required"},
		{"rolebinding.yaml",
		 "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\n"
		 "roleRef: {kind: Role, name: r}\nsubjects: []\n",
		 "ClusterRoleBinding cannot refer to a Role"},
		{"watcher.yaml",
		 "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a, namespace: n}\n---\n"
		 "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: b, namespace: n}\n",
		 "exactly one ServiceAccount"},
		{"alias.yaml", "apiVersion: v1\nkind: &k ConfigMap\nmetadata: {name: *k}\n", "alias"},
	};
	return cr_make_param_array(struct broken, rows, sizeof(rows) / sizeof(rows[0]));
}

ParameterizedTest(struct broken *row, mgoctl_permissions, a_broken_manifest_is_refused)
{
	const char *args[] = {"permissions", "--deploy", deploy, NULL};
	char *text;

	add_file(row->file, row->content);
	cr_assert_eq(mgoctl(args, &text), 1, "%s", text);
	cr_assert(strstr(text, row->message), "want \"%s\" in:\n%s", row->message, text);
	cr_assert_null(strstr(text, "# What each process may do"), "no partial table:\n%s", text);
	free(text);
}

Test(mgoctl_permissions, usage_errors)
{
	const char *unknown[] = {"permissions", "--rbac", "x", NULL};
	const char *missing[] = {"permissions", "--deploy", NULL};
	const char *no_dir[] = {"permissions", "--deploy", "/nonexistent", "--config",
				"/nonexistent.yaml", NULL};
	char *text;

	cr_assert_eq(mgoctl(unknown, &text), 2, "%s", text);
	free(text);
	cr_assert_eq(mgoctl(missing, &text), 2, "%s", text);
	free(text);
	cr_assert_eq(mgoctl(no_dir, &text), 1, "%s", text);
	cr_assert(strstr(text, "/nonexistent.yaml"), "%s", text);
	free(text);
}

/* Every test the "If a process is taken over" table names exists: the
 * file, and a Test(suite, name) in it. */
Test(mgoctl_permissions, every_taken_over_row_names_tests_that_exist)
{
	char *doc = slurp(MGO_SOURCE_DIR "/docs/permissions.md"), *p, *end;
	size_t named = 0;

	cr_assert_not_null(doc);
	p = strstr(doc, "## If a process is taken over");
	cr_assert_not_null(p, "docs/permissions.md has no taken-over table");
	end = strstr(p + 3, "\n## ");
	if (end)
		*end = '\0';
	p = strstr(p, "| process |");
	cr_assert_not_null(p, "the taken-over table has no header");
	while ((p = strstr(p, "`tests/"))) {
		char ref[512], path[1024], want[512], *colon, *sep, *text;
		size_t n = strcspn(p + 1, "`");

		cr_assert_lt(n, sizeof(ref));
		memcpy(ref, p + 1, n);
		ref[n] = '\0';
		p += n + 2;
		colon = strchr(ref, ':');
		cr_assert_not_null(colon, "%s: no file:suite::test", ref);
		*colon = '\0';
		sep = strstr(colon + 1, "::");
		cr_assert_not_null(sep, "%s: no suite::test", colon + 1);
		*sep = '\0';
		snprintf(path, sizeof(path), "%s/%s", MGO_SOURCE_DIR, ref);
		text = slurp(path);
		cr_assert_not_null(text, "the table names %s, which does not exist", ref);
		snprintf(want, sizeof(want), "Test(%s, %s)", colon + 1, sep + 2);
		cr_expect_not_null(strstr(text, want), "%s has no %s", ref, want);
		free(text);
		named++;
	}
	cr_assert_geq(named, 7u, "the table names %zu tests", named);
	free(doc);
}
