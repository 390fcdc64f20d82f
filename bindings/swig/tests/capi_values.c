/* capi_values FILE: the values of FILE's top-level elements read through the C ABI, one canonical
 * line each, for the SWIG binding tests to compare with the same values read through the binding
 * (run_with_storescp.sh writes them to WORKDIR/capi_values.txt when DK_TEST_CAPI_VALUES names this
 * program). Lines, UTF-8, '\n'-terminated:
 *
 *   transfer-syntax UID
 *   gggg,eeee VR VALUE          one per element of dk_dataset_count / dk_dataset_element_at, in order
 *
 * VALUE by VR:
 *   SQ                          items=N (dk_dataset_item_count)
 *   OB OW OF OD OL OV UN        bytes=N (the value length, dk_dataset_get_bytes)
 *   US SS UL SL UV SV           the integers of dk_dataset_get_int, decimal, joined by '\'
 *   FL FD AT                    hex=… the raw value bytes (dk_dataset_get_bytes), two lowercase digits each
 *   any other VR                dk_dataset_get_string: the whole value, values joined by '\', as UTF-8
 *   a call failing              error=NAME (dk_result_name, as the bindings' exception Kind/kind())
 *
 * In strings, bytes below 0x20 and 0x7F are written \xHH (uppercase) so that a value stays on its
 * line; every other byte, non-ASCII UTF-8 included, is written as the C ABI returns it. Exit status 1
 * (with dk_last_error on stderr) when the file cannot be read or the element list walked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcmkit/dcmkit.h"

static int is_vr(const char *vr, const char *list) {
    const char *p;
    for (p = list; p[0] && p[1]; p += 2) {
        if (p[0] == vr[0] && p[1] == vr[1]) return 1;
        if (!p[2]) break; /* the last VR: stop at the NUL (a step of 3 would read past it) */
        p++;              /* the space */
    }
    return 0;
}

/* dk_dataset_get_string or dk_dataset_get_bytes into a malloc'd buffer (size in/out: a first call
 * with a small buffer, a second with the size DK_EBUFS reports). *len: the bytes written, without
 * the NUL of a string. NULL and *rc set on failure. */
static unsigned char *fetch(const dk_dataset *ds, uint32_t tag, int string, size_t *len, dk_result *rc) {
    size_t cap = 64, size = cap;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        *rc = DK_ENOMEM;
        return NULL;
    }
    *rc = string ? dk_dataset_get_string((char *)buf, &size, ds, tag) : dk_dataset_get_bytes(buf, &size, ds, tag);
    if (*rc == DK_EBUFS) {
        unsigned char *bigger = realloc(buf, size);
        if (!bigger) {
            free(buf);
            *rc = DK_ENOMEM;
            return NULL;
        }
        buf = bigger;
        *rc = string ? dk_dataset_get_string((char *)buf, &size, ds, tag) : dk_dataset_get_bytes(buf, &size, ds, tag);
    }
    if (*rc != DK_OK) {
        free(buf);
        return NULL;
    }
    *len = string ? (size > 0 ? size - 1 : 0) : size;  /* a string's size includes its NUL */
    return buf;
}

/* The VALUE of one element (see the top comment), or DK_OK's opposite: the failing call's code. */
static dk_result print_value(const dk_dataset *ds, uint32_t tag, const char *vr) {
    dk_result rc = DK_OK;
    size_t i, len = 0;
    unsigned char *buf;
    if (strcmp(vr, "SQ") == 0) {
        size_t items = 0;
        rc = dk_dataset_item_count(&items, ds, tag);
        if (rc == DK_OK) printf("items=%lu", (unsigned long)items);
        return rc;
    }
    if (is_vr(vr, "US SS UL SL UV SV")) {
        size_t n = 0;
        int64_t v = 0;
        rc = dk_dataset_value_count(&n, ds, tag);
        /* check every value first: a failure prints error=… alone */
        for (i = 0; rc == DK_OK && i < n; i++) rc = dk_dataset_get_int(&v, ds, tag, i);
        for (i = 0; rc == DK_OK && i < n; i++) {
            dk_dataset_get_int(&v, ds, tag, i);
            printf("%s%lld", i ? "\\" : "", (long long)v);
        }
        return rc;
    }
    if (is_vr(vr, "OB OW OF OD OL OV UN FL FD AT")) {
        int hex = is_vr(vr, "FL FD AT");
        buf = fetch(ds, tag, 0, &len, &rc);
        if (!buf) return rc;
        if (hex) {
            printf("hex=");
            for (i = 0; i < len; i++) printf("%02x", buf[i]);
        } else {
            printf("bytes=%lu", (unsigned long)len);
        }
        free(buf);
        return DK_OK;
    }
    buf = fetch(ds, tag, 1, &len, &rc);
    if (!buf) return rc;
    for (i = 0; i < len; i++) {
        if (buf[i] < 0x20 || buf[i] == 0x7F) printf("\\x%02X", buf[i]);
        else putchar(buf[i]);
    }
    free(buf);
    return DK_OK;
}

int main(int argc, char **argv) {
    dk_dataset *ds = NULL;
    char ts[128];
    size_t n = 0, i, size = sizeof ts;
    if (argc != 2) {
        fprintf(stderr, "usage: capi_values FILE\n");
        return 2;
    }
    if (dk_dataset_read_file(&ds, argv[1], NULL) != DK_OK) {
        fprintf(stderr, "capi_values: %s: %s\n", argv[1], dk_last_error());
        return 1;
    }
    if (dk_dataset_transfer_syntax(ts, &size, ds) != DK_OK || dk_dataset_count(&n, ds) != DK_OK) {
        fprintf(stderr, "capi_values: %s: %s\n", argv[1], dk_last_error());
        dk_dataset_free(ds);
        return 1;
    }
    printf("transfer-syntax %s\n", ts);
    for (i = 0; i < n; i++) {
        uint32_t tag = 0;
        char vr[3] = {0, 0, 0};
        dk_result rc;
        if (dk_dataset_element_at(&tag, vr, ds, i) != DK_OK) {
            fprintf(stderr, "capi_values: element %lu: %s\n", (unsigned long)i, dk_last_error());
            dk_dataset_free(ds);
            return 1;
        }
        printf("%04x,%04x %s ", (unsigned)(tag >> 16), (unsigned)(tag & 0xFFFFu), vr);
        rc = print_value(ds, tag, vr);
        if (rc != DK_OK) printf("error=%s", dk_result_name(rc));
        putchar('\n');
    }
    dk_dataset_free(ds);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "capi_values: cannot write the values\n");
        return 1;
    }
    return 0;
}
