/* The C side of the bindings benchmark (`./dk.sh bench bindings`, bench/bindings.sh): the same work
 * as ReadHeaders.cs and ReadHeaders.java, straight through the C ABI.
 *
 *     read_headers DIR PASSES CALLS
 *
 * In one process: a warm-up pass (not timed), then
 *   per_file          PASSES passes over DIR/\*.dcm: dk_dataset_read_file (stop before pixels), the
 *                     10 string attributes and Rows/Columns by keyword (dk_tag_from_keyword, then
 *                     dk_dataset_get_string / dk_dataset_get_int), dk_dataset_free;
 *   per_call_tag      CALLS dk_dataset_get_string calls on one open dataset, cycling through the 10
 *                     attributes by tag (PASSES times);
 *   per_call_keyword  the same by keyword (dk_tag_from_keyword + dk_dataset_get_string).
 * Prints one line per measurement, `NAME key=value ...`, with the best and mean time of the passes
 * and a checksum (total length of the strings read, plus Rows and Columns) that the driver compares
 * across the three languages. Strings go to a stack buffer: that is the C ABI's cost; the bindings
 * build a string object per call, which is part of what they cost. */
#include <dcmkit/dcmkit.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NSTR 10
static const char *const kStrings[NSTR] = {
    "PatientName",      "PatientID",     "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID",
    "Modality",         "StudyDate",     "AccessionNumber",  "StudyDescription",  "SeriesDescription",
};
#define NINT 2
static const char *const kInts[NINT] = {"Rows", "Columns"};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "read_headers: %s%s%s: %s\n", what, detail ? " " : "", detail ? detail : "", dk_last_error());
    exit(1);
}

static uint32_t tag_of(const char *keyword) {
    uint32_t t = 0;
    if (dk_tag_from_keyword(&t, keyword) != DK_OK) die("unknown keyword", keyword);
    return t;
}

/* Length in bytes of the string value (UTF-8, no NUL). */
static size_t get_string_len(const dk_dataset *ds, uint32_t tag) {
    char buf[256];
    size_t n = sizeof buf;
    if (dk_dataset_get_string(buf, &n, ds, tag) != DK_OK) die("dk_dataset_get_string", NULL);
    return n - 1;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char **list_files(const char *dir, size_t *count) {
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        exit(1);
    }
    char **files = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".dcm") != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            files = realloc(files, cap * sizeof *files);
            if (!files) exit(1);
        }
        files[n] = malloc(strlen(dir) + len + 2);
        if (!files[n]) exit(1);
        sprintf(files[n], "%s/%s", dir, e->d_name);
        ++n;
    }
    closedir(d);
    qsort(files, n, sizeof *files, by_name);
    *count = n;
    return files;
}

/* One pass: open, parse the header, get the attributes by keyword, free. Returns the checksum. */
static long long file_pass(char **files, size_t count) {
    dk_read_options opts = DK_READ_OPTIONS_INIT;
    opts.stop_before_pixels = 1;
    long long sum = 0;
    for (size_t f = 0; f < count; ++f) {
        dk_dataset *ds = NULL;
        if (dk_dataset_read_file(&ds, files[f], &opts) != DK_OK) die("cannot read", files[f]);
        for (int i = 0; i < NSTR; ++i) sum += (long long)get_string_len(ds, tag_of(kStrings[i]));
        for (int i = 0; i < NINT; ++i) {
            int64_t v = 0;
            if (dk_dataset_get_int(&v, ds, tag_of(kInts[i]), 0) != DK_OK) die("dk_dataset_get_int", kInts[i]);
            sum += v;
        }
        dk_dataset_free(ds);
    }
    return sum;
}

static long long call_pass_tag(const dk_dataset *ds, const uint32_t *tags, long calls) {
    long long sum = 0;
    for (long i = 0, k = 0; i < calls; ++i) {
        sum += (long long)get_string_len(ds, tags[k]);
        if (++k == NSTR) k = 0;
    }
    return sum;
}

static long long call_pass_keyword(const dk_dataset *ds, long calls) {
    long long sum = 0;
    for (long i = 0, k = 0; i < calls; ++i) {
        sum += (long long)get_string_len(ds, tag_of(kStrings[k]));
        if (++k == NSTR) k = 0;
    }
    return sum;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: read_headers DIR PASSES CALLS\n");
        return 2;
    }
    const char *dir = argv[1];
    const int passes = atoi(argv[2]);
    const long calls = atol(argv[3]);
    if (passes < 1 || calls < 1) {
        fprintf(stderr, "read_headers: PASSES and CALLS must be positive\n");
        return 2;
    }
    size_t count = 0;
    char **files = list_files(dir, &count);
    if (count == 0) {
        fprintf(stderr, "read_headers: no .dcm files in %s\n", dir);
        return 1;
    }
    printf("runtime lang=c runtime=native dcmkit=%s\n", dk_version());

    /* per file */
    long long checksum = file_pass(files, count); /* warm-up */
    double best = 1e300, total = 0;
    for (int p = 0; p < passes; ++p) {
        const double t0 = now_s();
        const long long sum = file_pass(files, count);
        const double s = now_s() - t0;
        if (sum != checksum) die("checksum changed between passes", NULL);
        if (s < best) best = s;
        total += s;
    }
    printf("per_file lang=c files=%zu passes=%d best_us=%.3f mean_us=%.3f checksum=%lld\n", count, passes,
           best * 1e6 / (double)count, total * 1e6 / (double)count / passes, checksum);

    /* per call, on the first file */
    dk_read_options opts = DK_READ_OPTIONS_INIT;
    opts.stop_before_pixels = 1;
    dk_dataset *ds = NULL;
    if (dk_dataset_read_file(&ds, files[0], &opts) != DK_OK) die("cannot read", files[0]);
    uint32_t tags[NSTR];
    for (int i = 0; i < NSTR; ++i) tags[i] = tag_of(kStrings[i]);
    for (int mode = 0; mode < 2; ++mode) {
        checksum = mode == 0 ? call_pass_tag(ds, tags, calls) : call_pass_keyword(ds, calls); /* warm-up */
        best = 1e300;
        total = 0;
        for (int p = 0; p < passes; ++p) {
            const double t0 = now_s();
            const long long sum = mode == 0 ? call_pass_tag(ds, tags, calls) : call_pass_keyword(ds, calls);
            const double s = now_s() - t0;
            if (sum != checksum) die("checksum changed between passes", NULL);
            if (s < best) best = s;
            total += s;
        }
        printf("%s lang=c calls=%ld passes=%d best_ns=%.3f mean_ns=%.3f checksum=%lld\n",
               mode == 0 ? "per_call_tag" : "per_call_keyword", calls, passes, best * 1e9 / (double)calls,
               total * 1e9 / (double)calls / passes, checksum);
    }
    dk_dataset_free(ds);
    for (size_t f = 0; f < count; ++f) free(files[f]);
    free(files);
    return 0;
}
