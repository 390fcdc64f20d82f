/* web — a DICOMweb client through the dcmkit C ABI: STOW-RS, QIDO-RS, WADO-RS.
 *
 *   web URL store FILE...               send Part 10 files (one streamed request)
 *   web URL search [KEY=VALUE]...       find studies (PatientName=DOE*, StudyDate=2024-)
 *   web URL retrieve STUDY_UID DIR      write the study's instances to DIR
 *   web URL metadata STUDY_UID FILE     write the study's metadata (DICOM JSON) to FILE, streamed
 *
 * Shows dk_web_client_open with its options, the calls that pass each answer's instances, datasets
 * and files to a callback, and dk_last_error() for every failure (the HTTP status and the server's
 * reason). Exit code 0 on success, 1 on failure, 2 on a usage error. */
#include <stdio.h>
#include <string.h>

#include "dcmkit/dcmkit.h"

static int usage(void) {
    fprintf(stderr, "usage: web URL store FILE... | web URL search [KEY=VALUE]... | web URL retrieve STUDY_UID DIR | web URL metadata STUDY_UID FILE\n");
    return 2;
}

static void on_stored(const dk_web_stored *s, void *user_data) {
    (void)user_data;
    if (s->failed) printf("failed %s (reason 0x%04X)\n", s->sop_instance_uid, (unsigned)s->failure_reason);
    else printf("stored %s\n", s->sop_instance_uid);
}

static void on_match(const dk_dataset *ds, void *user_data) {
    char uid[65], name[256];
    size_t n = sizeof uid;
    (void)user_data;
    if (dk_dataset_get_string(uid, &n, ds, DK_TAG(0x0020, 0x000D)) != DK_OK) strcpy(uid, "?");
    n = sizeof name;
    if (dk_dataset_get_string(name, &n, ds, DK_TAG(0x0010, 0x0010)) != DK_OK) strcpy(name, "");
    printf("study %s %s\n", uid, name);
}

static void on_file(const dk_web_file *f, void *user_data) {
    (void)user_data;
    printf("received %s (%llu bytes)\n", f->path, (unsigned long long)f->size);
}

int main(int argc, char **argv) {
    dk_web_client_options opts = DK_WEB_CLIENT_OPTIONS_INIT;
    dk_web_client *client = NULL;
    dk_result r = DK_OK;
    size_t n = 0;
    if (argc < 3) return usage();
    opts.base_url = argv[1];
    opts.timeout_ms = 600000;
    if (dk_web_client_open(&client, &opts) != DK_OK) {
        fprintf(stderr, "web: %s\n", dk_last_error());
        return 1;
    }
    if (strcmp(argv[2], "store") == 0 && argc > 3) {
        int32_t status = 0;
        size_t stored = 0, failed = 0;
        r = dk_web_client_store(&status, &stored, &failed, client, (const char *const *)(argv + 3), (size_t)(argc - 3), NULL,
                                on_stored, NULL);
        if (r == DK_OK) printf("HTTP %d: %zu stored, %zu failed\n", (int)status, stored, failed);
        if (r == DK_OK && failed) r = DK_EREFUSED;
    } else if (strcmp(argv[2], "search") == 0) {
        dk_web_query q = DK_WEB_QUERY_INIT;
        q.match = (const char *const *)(argv + 3);
        q.match_count = (size_t)(argc - 3);
        r = dk_web_client_search(&n, client, &q, on_match, NULL);
        if (r == DK_OK) printf("%zu studies\n", n);
    } else if (strcmp(argv[2], "retrieve") == 0 && argc == 5) {
        r = dk_web_client_retrieve(&n, client, argv[3], NULL, NULL, argv[4], NULL, on_file, NULL);
        if (r == DK_OK) printf("%zu instances\n", n);
    } else if (strcmp(argv[2], "metadata") == 0 && argc == 5) {
        r = dk_web_client_metadata_file(&n, client, argv[3], NULL, NULL, argv[4]);
        if (r == DK_OK) printf("metadata of %zu instances in %s\n", n, argv[4]);
    } else {
        dk_web_client_free(client);
        return usage();
    }
    if (r != DK_OK) fprintf(stderr, "web: %s: %s\n", dk_result_name(r), dk_last_error());
    dk_web_client_free(client);
    return r == DK_OK ? 0 : 1;
}
