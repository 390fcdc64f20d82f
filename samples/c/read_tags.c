/* read_tags — prints a few tags of a DICOM file through the dcmkit C ABI.
 *
 *   read_tags FILE
 *
 * Shows the calling conventions: out parameters first, a dk_result from every call, dk_last_error()
 * for the reason, buffers with their size in/out (DK_EBUFS tells the size needed), dk_dataset_free. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "dcmkit/dcmkit.h"

/* Prints a string element, growing the buffer once if it is too small. Absent elements are not an
 * error here: they print as "(absent)". */
static int print_string(const dk_dataset *ds, const char *keyword) {
    char small[64];
    char *buf = small;
    size_t size = sizeof small;
    uint32_t tag;
    dk_result r;
    if (dk_tag_from_keyword(&tag, keyword) < 0) {
        fprintf(stderr, "read_tags: %s\n", dk_last_error());
        return -1;
    }
    r = dk_dataset_get_string(buf, &size, ds, tag);
    if (r == DK_EBUFS) { /* size now holds the size needed, NUL included */
        buf = malloc(size);
        if (buf == NULL) return -1;
        r = dk_dataset_get_string(buf, &size, ds, tag);
    }
    if (r == DK_OK) printf("%-18s %s\n", keyword, buf);
    else if (r == DK_ENOTFOUND) printf("%-18s (absent)\n", keyword);
    else fprintf(stderr, "read_tags: %s: %s\n", keyword, dk_last_error());
    if (buf != small) free(buf);
    return r == DK_OK || r == DK_ENOTFOUND ? 0 : -1;
}

static int print_int(const dk_dataset *ds, const char *keyword) {
    uint32_t tag;
    int64_t value;
    dk_result r;
    if (dk_tag_from_keyword(&tag, keyword) < 0) {
        fprintf(stderr, "read_tags: %s\n", dk_last_error());
        return -1;
    }
    r = dk_dataset_get_int(&value, ds, tag, 0);
    if (r == DK_OK) printf("%-18s %" PRId64 "\n", keyword, value);
    else if (r == DK_ENOTFOUND) printf("%-18s (absent)\n", keyword);
    else fprintf(stderr, "read_tags: %s: %s\n", keyword, dk_last_error());
    return r == DK_OK || r == DK_ENOTFOUND ? 0 : -1;
}

int main(int argc, char **argv) {
    dk_read_options opts = DK_READ_OPTIONS_INIT;
    dk_dataset *ds = NULL;
    char ts[65];
    size_t ts_size = sizeof ts;
    int status = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: read_tags FILE\n");
        return 2;
    }
    if (dk_version_number() / 10000 != DK_VERSION_MAJOR) {
        fprintf(stderr, "read_tags: built against dcmkit %s but loaded %s\n", DK_VERSION_STRING, dk_version());
        return 1;
    }
    opts.stop_before_pixels = 1; /* the tags we print come before the pixels */
    if (dk_dataset_read_file(&ds, argv[1], &opts) < 0) {
        fprintf(stderr, "read_tags: %s: %s\n", argv[1], dk_last_error());
        return 1;
    }
    if (dk_dataset_transfer_syntax(ts, &ts_size, ds) == DK_OK) printf("%-18s %s\n", "TransferSyntaxUID", ts);
    if (print_string(ds, "PatientName") < 0) status = 1;
    if (print_string(ds, "StudyInstanceUID") < 0) status = 1;
    if (print_string(ds, "Modality") < 0) status = 1;
    if (print_int(ds, "Rows") < 0) status = 1;
    if (print_int(ds, "Columns") < 0) status = 1;
    dk_dataset_free(ds);
    return status;
}
