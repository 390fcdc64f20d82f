/* C ABI: TLS (dk_tls_options, dk_ae_set_tls, dk_ae_bind_certificate, dk_assoc_info.tls_*) against
 * DCMTK: our SCU stores into storescp +tls, storescu +tls stores into our server, which binds the
 * Calling AE Title to the client certificate. Certificates are made by tests/support/make_test_pki.sh
 * with the openssl command. The DCMTK cases skip without DCMTK; in a build without TLS
 * dk_ae_set_tls answers DK_EUNSUPPORTED (checked) and the rest skips. */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dk_test.h"
#include "dk_peer.h"

/* Makes the PKI in a fresh folder `dir`; 1 on success. */
static int make_pki(char *dir, size_t size, const char *name, const char *log) {
    char *argv[] = {"sh", (char *)DK_TEST_PKI_SCRIPT, NULL, NULL};
    fresh_dir(dir, size, name);
    argv[2] = dir;
    return run(argv, log) == 0;
}

static void pki_path(char *out, size_t size, const char *dir, const char *file) { snprintf(out, size, "%s/%s", dir, file); }

static int have_tls_tools(void) {
    char p[1100];
    return find_tool("openssl", p, sizeof p) && find_tool("storescp", p, sizeof p) && find_tool("storescu", p, sizeof p);
}

DK_TEST(tls_options_and_misuse) {
    dk_tls_options o;
    dk_ae *ae = NULL;
    CHECK_RC(dk_tls_options_init(NULL, DK_TLS_OPTIONS_VERSION), DK_EINVAL);
    CHECK_RC(dk_tls_options_init(&o, 0), DK_EINVAL);
    CHECK_RC(dk_tls_options_init(&o, DK_TLS_OPTIONS_VERSION + 1), DK_EINVAL);
    CHECK_OK(dk_tls_options_init(&o, DK_TLS_OPTIONS_VERSION));
    CHECK_INT((int)o.profile, DK_TLS_BCP195_ND);
    CHECK_INT((int)o.peer, DK_TLS_PEER_REQUIRE);
    CHECK_INT(o.check_host_name, 1);
    CHECK(o.certificate_file == NULL && o.ca_file == NULL);
    REQUIRE_OK(dk_ae_new(&ae, "TLSAE", NULL));
    CHECK_RC(dk_ae_set_tls(NULL, &o), DK_EINVAL);
    CHECK_RC(dk_ae_bind_certificate(ae, "MOD1", "cn:modality1"), DK_EINVAL); /* no TLS yet */
    if (!DK_TEST_WITH_TLS) {
        CHECK_RC(dk_ae_set_tls(ae, &o), DK_EUNSUPPORTED);
        dk_ae_free(ae);
        DK_SKIP("built without TLS");
    }
    o.profile = 7;
    CHECK_RC(dk_ae_set_tls(ae, &o), DK_EINVAL);
    o.profile = DK_TLS_BCP195;
    o.ca_file = "/nonexistent/ca.pem";
    CHECK_RC(dk_ae_set_tls(ae, &o), DK_EINVAL);
    CHECK(strstr(dk_last_error(), "/nonexistent/ca.pem") != NULL);
    o.ca_file = NULL;
    o.peer = DK_TLS_PEER_IGNORE;
    if (dk_ae_set_tls(ae, &o) != DK_OK) fprintf(stderr, "dk_ae_set_tls: %s\n", dk_last_error());
    CHECK_OK(dk_ae_set_tls(ae, &o)); /* a client that verifies nothing: loads */
    CHECK_RC(dk_ae_bind_certificate(ae, "", "cn:x"), DK_EINVAL);
    CHECK_RC(dk_ae_bind_certificate(ae, "ABCDEFGHIJKLMNOPQ", "cn:x"), DK_EINVAL); /* 17 characters */
    CHECK_RC(dk_ae_bind_certificate(ae, "MOD1", ""), DK_EINVAL);
    CHECK_OK(dk_ae_bind_certificate(ae, "MOD1", "cn:modality1"));
    CHECK_OK(dk_ae_set_tls(ae, NULL));
    dk_ae_free(ae);
}

DK_TEST(our_scu_stores_into_storescp_over_tls) {
    char pki[1024], dest[1024], log[1024], path[1200], key[1200], cert[1200], ca[1200], ckey[1200], ccert[1200];
    char portbuf[16], uid[65];
    dk_tls_options o;
    dk_ae *ae = NULL;
    dk_assoc *a = NULL;
    uint16_t port, status = 0xFFFF;
    pid_t storescp;
    if (!DK_TEST_WITH_TLS) DK_SKIP("built without TLS");
    if (!have_tls_tools()) DK_SKIP("openssl or DCMTK not installed");
    dk_test_path(log, sizeof log, "tls_scu.log");
    REQUIRE(make_pki(pki, sizeof pki, "tls_scu_pki", log));
    fresh_dir(dest, sizeof dest, "tls_scu_dest");
    pki_path(key, sizeof key, pki, "server.key");
    pki_path(cert, sizeof cert, pki, "server.pem");
    pki_path(ca, sizeof ca, pki, "ca.pem");
    pki_path(ckey, sizeof ckey, pki, "client.key");
    pki_path(ccert, sizeof ccert, pki, "client.pem");
    snprintf(path, sizeof path, "%s/in.dcm", dest);
    REQUIRE(make_file(path, uid));
    port = free_port();
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    {
        char *argv[] = {"storescp", "-aet", "TLSSCP", "+tls", key, cert, "+cf", ca, "-od", dest, portbuf, NULL};
        storescp = spawn(argv, log);
    }
    REQUIRE(storescp > 0);
    REQUIRE(wait_listening(port, 10000));

    /* Without a client certificate storescp (which requires one) refuses the handshake. */
    CHECK_OK(dk_tls_options_init(&o, DK_TLS_OPTIONS_VERSION));
    o.ca_file = ca;
    REQUIRE_OK(dk_ae_new(&ae, "TLSSCU", NULL));
    CHECK_OK(dk_ae_add_storage_for_files(ae, (const char *const[]){path}, 1));
    CHECK_OK(dk_ae_set_tls(ae, &o));
    CHECK(dk_assoc_connect(&a, ae, "127.0.0.1", port, "TLSSCP") != DK_OK);
    CHECK(a == NULL);
    /* With one: the instance arrives. */
    o.certificate_file = ccert;
    o.private_key_file = ckey;
    CHECK_OK(dk_ae_set_tls(ae, &o));
    REQUIRE_OK(dk_assoc_connect(&a, ae, "127.0.0.1", port, "TLSSCP"));
    CHECK_OK(dk_assoc_store_file(&status, a, path));
    CHECK_INT(status, 0);
    CHECK_OK(dk_assoc_release(a));
    dk_assoc_free(a);
    a = NULL;
    {   /* storescp names the file after the SOP class and instance: SC.<uid> */
        char got[1200];
        snprintf(got, sizeof got, "%s/SC.%s", dest, uid);
        CHECK(exists(got));
    }
    /* A plain association to the TLS port fails (fast, with an error), never hangs. */
    CHECK_OK(dk_ae_set_tls(ae, NULL));
    CHECK(dk_assoc_connect(&a, ae, "127.0.0.1", port, "TLSSCP") != DK_OK);
    dk_ae_free(ae);
    stop_process(storescp);
}

typedef struct tls_seen {
    pthread_mutex_t mu;
    char subject[256], protocol[32], fingerprint[128];
    int stores;
} tls_seen;

static dk_result on_store_tls(uint16_t *status, const dk_store_info *info, void *user_data) {
    tls_seen *s = (tls_seen *)user_data;
    (void)status;
    pthread_mutex_lock(&s->mu);
    snprintf(s->subject, sizeof s->subject, "%s", info->assoc->tls_subject);
    snprintf(s->protocol, sizeof s->protocol, "%s", info->assoc->tls_protocol);
    snprintf(s->fingerprint, sizeof s->fingerprint, "%s", info->assoc->tls_fingerprint);
    ++s->stores;
    pthread_mutex_unlock(&s->mu);
    return DK_OK;
}

DK_TEST(storescu_stores_into_our_server_over_tls) {
    char pki[1024], dir[1024], log[1024], path[1200], key[1200], cert[1200], ca[1200], ckey[1200], ccert[1200];
    char portbuf[16], uid[65];
    dk_tls_options o;
    dk_ae *ae = NULL;
    dk_server *srv = NULL;
    dk_server_callbacks cb;
    tls_seen seen;
    uint16_t port = 0;
    if (!DK_TEST_WITH_TLS) DK_SKIP("built without TLS");
    if (!have_tls_tools()) DK_SKIP("openssl or DCMTK not installed");
    memset(&seen, 0, sizeof seen);
    pthread_mutex_init(&seen.mu, NULL);
    dk_test_path(log, sizeof log, "tls_scp.log");
    REQUIRE(make_pki(pki, sizeof pki, "tls_scp_pki", log));
    fresh_dir(dir, sizeof dir, "tls_scp_in");
    pki_path(key, sizeof key, pki, "server.key");
    pki_path(cert, sizeof cert, pki, "server.pem");
    pki_path(ca, sizeof ca, pki, "ca.pem");
    pki_path(ckey, sizeof ckey, pki, "client.key");
    pki_path(ccert, sizeof ccert, pki, "client.pem");
    snprintf(path, sizeof path, "%s/in.dcm", dir);
    REQUIRE(make_file(path, uid));

    REQUIRE_OK(dk_ae_new(&ae, "TLSSCP", NULL));
    CHECK_OK(dk_ae_add_all_storage(ae));
    CHECK_OK(dk_tls_options_init(&o, DK_TLS_OPTIONS_VERSION));
    o.certificate_file = cert;
    o.private_key_file = key;
    o.ca_file = ca;
    CHECK_OK(dk_ae_set_tls(ae, &o));
    CHECK_OK(dk_ae_bind_certificate(ae, "MODALITY1", "dns:modality1.example"));
    CHECK_OK(dk_server_callbacks_init(&cb, DK_SERVER_CALLBACKS_VERSION));
    cb.on_store = on_store_tls;
    cb.user_data = &seen;
    REQUIRE_OK(dk_server_new(&srv, ae, &cb));
    REQUIRE_OK(dk_server_start(srv, "127.0.0.1", 0));
    REQUIRE_OK(dk_server_port(&port, srv));
    snprintf(portbuf, sizeof portbuf, "%u", (unsigned)port);
    {
        char *argv[] = {"storescu", "-aet", "MODALITY1", "-aec", "TLSSCP", "+tls", ckey, ccert, "+cf", ca,
                        "127.0.0.1", portbuf, path, NULL};
        CHECK_INT(run(argv, log), 0);
    }
    CHECK_INT(seen.stores, 1);
    CHECK(strstr(seen.subject, "CN=modality1") != NULL);
    CHECK(strncmp(seen.protocol, "TLSv1.", 6) == 0);
    CHECK(strlen(seen.fingerprint) == 95); /* 32 bytes as "AB:CD:…" */
    {   /* the same certificate under another Calling AE Title: rejected (reason 3) */
        char *argv[] = {"storescu", "-aet", "WORKSTATION", "-aec", "TLSSCP", "+tls", ckey, ccert, "+cf", ca,
                        "127.0.0.1", portbuf, path, NULL};
        CHECK(run(argv, log) != 0);
    }
    {   /* plain DICOM on the TLS port */
        char *argv[] = {"storescu", "-aet", "MODALITY1", "-aec", "TLSSCP", "127.0.0.1", portbuf, path, NULL};
        CHECK(run(argv, log) != 0);
    }
    CHECK_INT(seen.stores, 1);
    dk_server_free(srv);
    dk_ae_free(ae);
    pthread_mutex_destroy(&seen.mu);
}

static const dk_test_case dk_tests[] = {
    DK_CASE(tls_options_and_misuse),
    DK_CASE(our_scu_stores_into_storescp_over_tls),
    DK_CASE(storescu_stores_into_our_server_over_tls),
};
DK_TEST_MAIN(dk_tests)
