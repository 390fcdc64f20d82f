/* dcmkit sample: an archive server (dk_archive) that prints each instance it stores.
 *
 *   archive [-aet AE] [--config FILE | --storage DIR] [PORT]
 *
 * With --config, the archive is the one the configuration file describes (`dcmkit serve --config`'s
 * format); else it stores into DIR as AE (default DCMKIT). PORT overrides the file's (0 or none: a
 * free one). Ctrl-C or SIGTERM stops it; it then prints its counters. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcmkit/dcmkit.h"

static dk_archive *g_archive;

static void on_signal(int sig) {
    (void)sig;
    dk_archive_request_stop(g_archive); /* async-signal-safe */
}

/* From the archive's worker threads: one line per stored instance. */
static void on_stored(const dk_archive_stored *s, void *user_data) {
    (void)user_data;
    printf("stored %s (%s) from %s in %s\n", s->sop_instance_uid, s->sop_class_uid, s->calling_ae, s->path);
    fflush(stdout);
}

static int usage(void) {
    fprintf(stderr, "usage: archive [-aet AE] [--config FILE | --storage DIR] [PORT]\n");
    return 2;
}

int main(int argc, char **argv) {
    dk_archive_options opts = DK_ARCHIVE_OPTIONS_INIT;
    dk_archive_counters c = DK_ARCHIVE_COUNTERS_INIT;
    const char *config = NULL;
    struct sigaction sa;
    uint16_t port = 0;
    dk_result r;
    int i;
    for (i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "-aet") == 0 && i + 1 < argc) opts.ae_title = argv[++i];
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) config = argv[++i];
        else if (strcmp(argv[i], "--storage") == 0 && i + 1 < argc) opts.storage = argv[++i];
        else if (argv[i][0] != '-' && port == 0) port = (uint16_t)atoi(argv[i]);
        else return usage();
    }
    if (!config && !opts.storage) return usage();
    r = config ? dk_archive_open_config_file(&g_archive, config) : dk_archive_open(&g_archive, &opts);
    if (r != DK_OK) {
        fprintf(stderr, "archive: %s\n", dk_last_error());
        return 1;
    }
    dk_archive_set_on_stored(g_archive, on_stored, NULL);
    if (dk_archive_start(g_archive, NULL, port) != DK_OK || dk_archive_port(&port, g_archive) != DK_OK) {
        fprintf(stderr, "archive: %s\n", dk_last_error());
        dk_archive_free(g_archive);
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("archive listening on port %u (Ctrl-C stops)\n", (unsigned)port);
    fflush(stdout);
    dk_archive_wait(g_archive);
    dk_archive_stop(g_archive, 5000);
    if (dk_archive_counters_get(&c, g_archive) == DK_OK)
        printf("%llu instance(s) stored, %llu held, %llu association(s) served\n",
               (unsigned long long)c.instances_stored, (unsigned long long)c.instances_held,
               (unsigned long long)c.associations_served);
    dk_archive_free(g_archive);
    return 0;
}
