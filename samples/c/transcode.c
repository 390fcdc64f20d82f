/* transcode — re-encodes the pixel data of a DICOM file in another transfer syntax through the
 * dcmkit C ABI, and writes the result.
 *
 *   transcode [-q QUALITY] [-r RATIO] [-n NEAR] [-l] IN OUT SYNTAX
 *
 * SYNTAX is a UID, a keyword or an alias: explicit, implicit, rle, jpeg, jpeg-lossless, jpegls,
 * jpegls-near, j2k-lossless, j2k, htj2k… -q sets the JPEG quality (1-100), -r a JPEG 2000 target
 * ratio, -n the JPEG-LS near-lossless error; -l allows re-encoding lossy pixel data in a lossless
 * syntax (refused otherwise: it would present lossy pixels as lossless).
 *
 * Shows versioned option structs (DK_TRANSCODE_OPTIONS_INIT), dk_codec_support, and the failure
 * path: every dk_ call returns a dk_result; dk_last_error() says why it failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcmkit/dcmkit.h"

static int usage(void) {
    fprintf(stderr, "usage: transcode [-q QUALITY] [-r RATIO] [-n NEAR] [-l] IN OUT SYNTAX\n");
    return 2;
}

int main(int argc, char **argv) {
    dk_transcode_options opts = DK_TRANSCODE_OPTIONS_INIT;
    dk_read_options ro = DK_READ_OPTIONS_INIT;
    dk_dataset *ds = NULL;
    const char *in, *out, *syntax;
    char ts[65];
    size_t ts_size = sizeof ts;
    int i = 1, support;

    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; ++i) {
        if (strcmp(argv[i], "-l") == 0) opts.lossy_to_lossless = 1;
        else if (i + 1 >= argc) return usage();
        else if (strcmp(argv[i], "-q") == 0) opts.quality = atoi(argv[++i]);
        else if (strcmp(argv[i], "-r") == 0) opts.ratio = atof(argv[++i]);
        else if (strcmp(argv[i], "-n") == 0) opts.near_lossless = atoi(argv[++i]);
        else return usage();
    }
    if (argc - i != 3) return usage();
    in = argv[i];
    out = argv[i + 1];
    syntax = argv[i + 2];

    support = dk_codec_support(syntax);
    if (!(support & DK_CODEC_ENCODE)) {
        fprintf(stderr, "transcode: this build of dcmkit cannot encode pixel data as '%s'\n", syntax);
        return 1;
    }
    ro.map_file = 0; /* OUT may be IN: read it all before writing */
    if (dk_dataset_read_file(&ds, in, &ro) != DK_OK) {
        fprintf(stderr, "transcode: %s: %s\n", in, dk_last_error());
        return 1;
    }
    if (dk_dataset_transcode(ds, syntax, &opts) != DK_OK) {
        fprintf(stderr, "transcode: %s: %s\n", in, dk_last_error());
        dk_dataset_free(ds);
        return 1;
    }
    /* The dataset's transfer syntax is now the new one: the writer uses it by default. */
    if (dk_dataset_write_file(ds, out, NULL) != DK_OK) {
        fprintf(stderr, "transcode: %s: %s\n", out, dk_last_error());
        dk_dataset_free(ds);
        return 1;
    }
    if (dk_dataset_transfer_syntax(ts, &ts_size, ds) == DK_OK) printf("%s -> %s (%s)\n", in, out, ts);
    dk_dataset_free(ds);
    return 0;
}
