#include "tas_tls.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tas_util.h"

static int export_pem(int rc, gnutls_datum_t *d, char **out)
{
	if (rc < 0)
		return rc;
	*out = malloc(d->size + 1);
	if (!*out)
		return GNUTLS_E_MEMORY_ERROR;
	memcpy(*out, d->data, d->size);
	(*out)[d->size] = '\0';
	return 0;
}

/* Version, serial, validity, subject and key: what both certificates share. */
static int cert_base(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, const char *dn)
{
	unsigned char serial[16];
	time_t now = time(NULL);
	const char *bad = NULL;
	int rc;

	if (tas_random(serial, sizeof(serial)))
		return GNUTLS_E_RANDOM_FAILED;
	serial[0] &= 0x7f; /* a positive INTEGER: Go rejects negative serials */
	if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt, now + 365L * 24 * 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn(crt, dn, &bad)) < 0 ||
	    (rc = gnutls_x509_crt_set_key(crt, key)) < 0)
		return rc;
	return 0;
}

static int key_id(gnutls_x509_privkey_t key, unsigned char *id, size_t *len)
{
	return gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA1, id, len);
}

int tas_pki_generate(struct tas_pki *pki, char *err, size_t errlen)
{
	const unsigned bits = GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
	gnutls_x509_privkey_t ca_key = NULL, key = NULL;
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	gnutls_datum_t d = {NULL, 0};
	unsigned char ca_id[64], id[64], v4[4], v6[16];
	size_t ca_id_len = sizeof(ca_id), id_len = sizeof(id);
	const char *step = "init";
	int rc;

	memset(pki, 0, sizeof(*pki));
	inet_pton(AF_INET, "127.0.0.1", v4);
	inet_pton(AF_INET6, "::1", v6);

	if ((rc = gnutls_x509_privkey_init(&ca_key)) < 0 ||
	    (rc = gnutls_x509_privkey_init(&key)) < 0 || (rc = gnutls_x509_crt_init(&ca)) < 0 ||
	    (rc = gnutls_x509_crt_init(&crt)) < 0)
		goto out;

	step = "CA";
	if ((rc = gnutls_x509_privkey_generate(ca_key, GNUTLS_PK_ECDSA, bits, 0)) < 0 ||
	    (rc = key_id(ca_key, ca_id, &ca_id_len)) < 0 ||
	    (rc = cert_base(ca, ca_key, "CN=mgo-test-apiserver-ca")) < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(ca, 1, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN |
							GNUTLS_KEY_CRL_SIGN |
							GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_key_id(ca, ca_id, ca_id_len)) < 0 ||
	    (rc = gnutls_x509_crt_sign2(ca, ca, ca_key, GNUTLS_DIG_SHA256, 0)) < 0)
		goto out;

	step = "serving certificate";
	if ((rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, bits, 0)) < 0 ||
	    (rc = key_id(key, id, &id_len)) < 0 ||
	    (rc = cert_base(crt, key, "CN=mgo-test-apiserver")) < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v4,
						       sizeof(v4), GNUTLS_FSAN_APPEND)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v6,
						       sizeof(v6), GNUTLS_FSAN_APPEND)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost",
						       9, GNUTLS_FSAN_APPEND)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_key_id(crt, id, id_len)) < 0 ||
	    (rc = gnutls_x509_crt_set_authority_key_id(crt, ca_id, ca_id_len)) < 0 ||
	    (rc = gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0)) < 0)
		goto out;

	step = "export";
	rc = export_pem(gnutls_x509_crt_export2(ca, GNUTLS_X509_FMT_PEM, &d), &d, &pki->ca_pem);
	gnutls_free(d.data);
	d.data = NULL;
	if (rc)
		goto out;
	rc = export_pem(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d), &d,
			&pki->cert_pem);
	gnutls_free(d.data);
	d.data = NULL;
	if (rc)
		goto out;
	rc = export_pem(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d), &d,
			&pki->key_pem);
	if (d.data) {
		gnutls_memset(d.data, 0, d.size);
		gnutls_free(d.data);
	}
out:
	if (rc < 0)
		snprintf(err, errlen, "generating %s: %s", step, gnutls_strerror(rc));
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (ca)
		gnutls_x509_crt_deinit(ca);
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (ca_key)
		gnutls_x509_privkey_deinit(ca_key);
	return rc < 0 ? rc : 0;
}

void tas_pki_free(struct tas_pki *pki)
{
	free(pki->ca_pem);
	free(pki->cert_pem);
	if (pki->key_pem) {
		explicit_bzero(pki->key_pem, strlen(pki->key_pem));
		free(pki->key_pem);
	}
	memset(pki, 0, sizeof(*pki));
}
