/* echo — verifies a DICOM peer with C-ECHO through the dcmkit C ABI.
 *
 *   echo [-aet CALLING] [-aec CALLED] [-n COUNT] HOST PORT
 *
 * Shows the networking calls: an AE (dk_ae) configured once, an association requested with it,
 * C-ECHO, release; every failure explained by dk_last_error(). Exit code 0 when every C-ECHO
 * answered Success. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcmkit/dcmkit.h"

static int usage(void) {
    fprintf(stderr, "usage: echo [-aet CALLING] [-aec CALLED] [-n COUNT] HOST PORT\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *aet = "ECHOSCU", *aec = "ANY-SCP", *host = NULL, *port_arg = NULL;
    const char *syntaxes[] = {"explicit", "implicit"};
    long count = 1, port, i;
    int failed = 0, argi;
    char *end;
    dk_ae_options opts = DK_AE_OPTIONS_INIT;
    dk_ae *ae = NULL;
    dk_assoc *assoc = NULL;

    for (argi = 1; argi < argc; ++argi) {
        if (strcmp(argv[argi], "-aet") == 0 && argi + 1 < argc) aet = argv[++argi];
        else if (strcmp(argv[argi], "-aec") == 0 && argi + 1 < argc) aec = argv[++argi];
        else if (strcmp(argv[argi], "-n") == 0 && argi + 1 < argc) count = strtol(argv[++argi], NULL, 10);
        else if (argv[argi][0] == '-') return usage();
        else if (!host) host = argv[argi];
        else if (!port_arg) port_arg = argv[argi];
        else return usage();
    }
    if (!host || !port_arg || count < 1) return usage();
    port = strtol(port_arg, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535) {
        fprintf(stderr, "echo: '%s' is not a port\n", port_arg);
        return 2;
    }

    /* The AE: short timeouts for an interactive tool; Verification as SCU only. */
    opts.connect_timeout_ms = 5000;
    opts.artim_timeout_ms = 5000;
    opts.dimse_timeout_ms = 10000;
    if (dk_ae_new(&ae, aet, &opts) < 0 || dk_ae_add_sop_class(ae, DK_UID_Verification, syntaxes, 2, DK_ROLE_SCU) < 0) {
        fprintf(stderr, "echo: %s\n", dk_last_error());
        dk_ae_free(ae);
        return 2;
    }
    if (dk_assoc_connect(&assoc, ae, host, (uint16_t)port, aec) < 0) {
        fprintf(stderr, "echo: %s\n", dk_last_error());
        dk_ae_free(ae);
        return 1;
    }
    for (i = 0; i < count; ++i) {
        uint16_t status = 0;
        if (dk_assoc_echo(&status, assoc) < 0) {
            fprintf(stderr, "echo: %s\n", dk_last_error());
            failed = 1;
            break;
        }
        printf("C-ECHO %ld: status 0x%04X%s\n", i + 1, (unsigned)status, status == 0 ? " (Success)" : "");
        if (status != 0) failed = 1;
    }
    if (dk_assoc_release(assoc) < 0 && !failed) {
        fprintf(stderr, "echo: %s\n", dk_last_error());
        failed = 1;
    }
    dk_assoc_free(assoc); /* aborts if the release failed */
    dk_ae_free(ae);
    return failed;
}
