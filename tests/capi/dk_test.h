/* A tiny test framework for the C ABI tests (C99, no dependencies).
 *
 *   DK_TEST(reads_a_string) { ... CHECK_OK(dk_dataset_new(&ds)); ... }
 *   static const dk_test_case dk_tests[] = { DK_CASE(reads_a_string), ... };
 *   DK_TEST_MAIN(dk_tests)
 *
 * `prog` runs every case, `prog NAME` one case (CMake registers one ctest per DK_TEST line).
 * CHECK_* report and go on; REQUIRE_* report and return from the case (use them before a handle
 * that must be valid). DK_SKIP(msg) ends the case as skipped (exit code 77). */
#ifndef DCMKIT_DK_TEST_H
#define DCMKIT_DK_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcmkit/dcmkit.h"

typedef struct dk_test_case {
    const char *name;
    void (*fn)(void);
} dk_test_case;

static int dk_test_failed_checks;
static int dk_test_checks;
static int dk_test_skipped;

#define DK_TEST(name) static void name(void)
#define DK_CASE(name) {#name, name}

static inline void dk_test_report(const char *file, int line, const char *what, const char *detail) {
    ++dk_test_failed_checks;
    fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
    if (detail && *detail) fprintf(stderr, "    %s\n", detail);
}

#define DK_FAIL_(what, detail) dk_test_report(__FILE__, __LINE__, what, detail)

/* -- checks ------------------------------------------------------------------------------------ */

#define CHECK(cond)                                                                                  \
    do {                                                                                             \
        ++dk_test_checks;                                                                            \
        if (!(cond)) DK_FAIL_(#cond, dk_last_error());                                               \
    } while (0)

#define REQUIRE(cond)                                                                                \
    do {                                                                                             \
        ++dk_test_checks;                                                                            \
        if (!(cond)) {                                                                               \
            DK_FAIL_(#cond, dk_last_error());                                                        \
            return;                                                                                  \
        }                                                                                            \
    } while (0)

static inline int dk_test_rc(const char *file, int line, const char *expr, dk_result got, dk_result want) {
    char detail[1024];
    ++dk_test_checks;
    if (got == want) return 1;
    snprintf(detail, sizeof detail, "returned %d (%s), expected %d (%s); dk_last_error: %s", (int)got,
             dk_result_name(got), (int)want, dk_result_name(want), dk_last_error());
    dk_test_report(file, line, expr, detail);
    return 0;
}

/* `expr` returns `want`; on failure the message must also be non-empty. */
#define CHECK_RC(expr, want) (void)dk_test_rc(__FILE__, __LINE__, #expr, (expr), (want))
#define CHECK_OK(expr) CHECK_RC(expr, DK_OK)
#define REQUIRE_RC(expr, want)                                                                       \
    do {                                                                                             \
        if (!dk_test_rc(__FILE__, __LINE__, #expr, (expr), (want))) return;                          \
    } while (0)
#define REQUIRE_OK(expr) REQUIRE_RC(expr, DK_OK)

/* `expr` fails with `want` and dk_last_error() contains `needle` (a clear message). */
static inline void dk_test_err(const char *file, int line, const char *expr, dk_result got, dk_result want,
                        const char *needle) {
    char detail[1024];
    const char *msg;
    if (!dk_test_rc(file, line, expr, got, want)) return;
    msg = dk_last_error();
    ++dk_test_checks;
    if (msg == NULL || strstr(msg, needle) == NULL) {
        snprintf(detail, sizeof detail, "dk_last_error() \"%s\" lacks \"%s\"", msg ? msg : "(NULL)", needle);
        dk_test_report(file, line, expr, detail);
    }
}
#define CHECK_ERR(expr, want, needle) dk_test_err(__FILE__, __LINE__, #expr, (expr), (want), (needle))

static inline void dk_test_str(const char *file, int line, const char *expr, const char *got, const char *want) {
    char detail[1024];
    ++dk_test_checks;
    if (got != NULL && want != NULL && strcmp(got, want) == 0) return;
    snprintf(detail, sizeof detail, "got \"%s\", expected \"%s\"", got ? got : "(NULL)", want ? want : "(NULL)");
    dk_test_report(file, line, expr, detail);
}
#define CHECK_STR(got, want) dk_test_str(__FILE__, __LINE__, #got, (got), (want))

static inline void dk_test_int(const char *file, int line, const char *expr, long long got, long long want) {
    char detail[256];
    ++dk_test_checks;
    if (got == want) return;
    snprintf(detail, sizeof detail, "got %lld, expected %lld", got, want);
    dk_test_report(file, line, expr, detail);
}
#define CHECK_INT(got, want) dk_test_int(__FILE__, __LINE__, #got, (long long)(got), (long long)(want))

#define DK_SKIP(why)                                                                                 \
    do {                                                                                             \
        fprintf(stderr, "SKIPPED: %s\n", why);                                                       \
        dk_test_skipped = 1;                                                                         \
        return;                                                                                      \
    } while (0)

/* -- helpers ----------------------------------------------------------------------------------- */

/* Whether this libdcmkit has the archive (DCMKIT_WITH_ARCHIVE): without it dk_archive_* answer
 * DK_EUNSUPPORTED, and the CLI's serve says it is not in the build. */
static inline int dk_test_archive_in_build(void) {
    dk_archive *a = NULL;
    const dk_result r = dk_archive_open_config_file(&a, "/nonexistent/dk-test-probe.conf");
    dk_archive_free(a);
    return r != DK_EUNSUPPORTED;
}
/* Skips a case that needs a codec this build leaves out (DCMKIT_WITH_* options): `ts` a string literal. */
#define DK_NEED_CODEC(ts)                                                                            \
    do {                                                                                             \
        if (!(dk_codec_support(ts) & DK_CODEC_DECODE)) DK_SKIP(ts " is not in this build");          \
    } while (0)
#define DK_NEED_ARCHIVE()                                                                            \
    do {                                                                                             \
        if (!dk_test_archive_in_build()) DK_SKIP("the archive is not in this build");                \
    } while (0)

/* Whether this build has DICOMDIR and de-identification (DCMKIT_WITH_MEDIA): without them their
 * calls answer DK_EUNSUPPORTED. */
#ifndef DK_TEST_WITH_MEDIA
#define DK_TEST_WITH_MEDIA 1
#endif
#define DK_NEED_MEDIA()                                                                              \
    do {                                                                                             \
        if (!DK_TEST_WITH_MEDIA) DK_SKIP("DICOMDIR and de-identification are not in this build");    \
    } while (0)

/* A path in this build's scratch folder, unique to the test case (ctest runs cases in parallel). */
static const char *dk_test_current = "";
static inline const char *dk_test_path(char *buf, size_t size, const char *suffix) {
    snprintf(buf, size, "%s/%s_%s", DK_TEST_TMPDIR, dk_test_current, suffix);
    return buf;
}

/* -- runner ------------------------------------------------------------------------------------ */

static inline int dk_test_run(const dk_test_case *cases, size_t n, int argc, char **argv) {
    size_t i;
    int failed_cases = 0, ran = 0, skipped = 0;
    for (i = 0; i < n; ++i) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) continue;
        ++ran;
        dk_test_current = cases[i].name;
        dk_test_failed_checks = 0;
        dk_test_skipped = 0;
        cases[i].fn();
        if (dk_test_failed_checks) {
            ++failed_cases;
            fprintf(stderr, "[FAIL] %s (%d failed checks)\n", cases[i].name, dk_test_failed_checks);
        } else if (dk_test_skipped) {
            ++skipped;
            printf("[SKIP] %s\n", cases[i].name);
        } else {
            printf("[ OK ] %s\n", cases[i].name);
        }
    }
    if (ran == 0) {
        fprintf(stderr, "no test case named '%s'\n", argc > 1 ? argv[1] : "");
        return 2;
    }
    printf("%d cases, %d checks, %d failed, %d skipped\n", ran, dk_test_checks, failed_cases, skipped);
    if (failed_cases) return 1;
    return skipped == ran ? 77 : 0;
}

#define DK_TEST_MAIN(cases)                                                                          \
    int main(int argc, char **argv) {                                                                \
        return dk_test_run(cases, sizeof cases / sizeof cases[0], argc, argv);                       \
    }

#endif /* DCMKIT_DK_TEST_H */
