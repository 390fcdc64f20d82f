// The dcmkit tool's usage: every command answers --help (and -h) with its usage and exit status 0,
// `dcmkit help` lists every command, and an unknown option is a usage error (exit status 2) named
// on stderr, before any file is read or any peer is called.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "peer.h"

namespace {

using dk_test::ProcResult;

/// The tool's commands, as the README and the issue name them.
const std::vector<std::string> kCommands = {"dump",   "transcode", "convert", "export", "echo",     "send",
                                            "recv",   "find",      "mwl",     "move",   "get",      "mpps",
                                            "commit", "serve",     "conformance", "worklist", "hl7", "archive", "dicomdir", "deidentify", "export-media", "web", "version",
                                            "help"};

ProcResult cli(std::vector<std::string> args) {
    args.insert(args.begin(), DCMKIT_CLI);
    return dk_test::run(args, 20000);
}

bool starts_with(const std::string &s, const std::string &prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

TEST(CliHelp, EveryCommandAnswersHelpWithItsUsage) {
    for (const std::string &cmd : kCommands) {
        for (const char *flag : {"--help", "-h"}) {
            SCOPED_TRACE(cmd + " " + flag);
            const ProcResult r = cli({cmd, flag});
            EXPECT_EQ(r.status, 0) << r.err;
            EXPECT_FALSE(r.timed_out);
            EXPECT_TRUE(starts_with(r.out, "usage: dcmkit " + cmd)) << r.out;
            EXPECT_EQ(r.err, "");
            EXPECT_NE(r.out.find("Exit status"), std::string::npos) << r.out;
        }
    }
}

TEST(CliHelp, HelpWinsOverTheCommandsOtherArguments) {
    // The usage, not a run: no folder is written, no port listened on, no peer called.
    const dk_test::TempDir tmp;
    const std::string out = tmp / "never";  // recv (its StorageFolder) would make it
    ProcResult r = cli({"recv", "4242", "--out", out, "--help"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(starts_with(r.out, "usage: dcmkit recv")) << r.out;
    r = cli({"send", "127.0.0.1", "1", "/nonexistent.dcm", "-h"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(starts_with(r.out, "usage: dcmkit send")) << r.out;
    r = cli({"transcode", "/nonexistent.dcm", out + "/x.dcm", "--ts", "rle", "--help"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(starts_with(r.out, "usage: dcmkit transcode")) << r.out;
    EXPECT_NE(::access(out.c_str(), F_OK), 0) << out;
}

TEST(CliHelp, CommandUsageNamesItsOptions) {
    struct Case {
        std::string cmd;
        std::vector<std::string> names;
    };
    // The options each command has accepted since it was written (README, DCMTK habits).
    const std::vector<Case> cases = {
        {"dump", {"--json", "--print-all", "--no-meta", "--stop-before-pixels"}},
        {"transcode", {"--ts", "--quality", "--ratio", "--near", "--predictor", "--threads", "--keep-uid"}},
        {"export", {"--frame", "--window", "--voi", "--min-max", "--format", "--quality", "--verbose"}},
        {"echo", {"--repeat", "-aet", "-aec", "-pdu", "-to", "-ta", "--user"}},
        {"send", {"--recursive", "-aet", "-aec"}},
        {"recv", {"--out", "--allow", "--no-fsync", "--max-dataset-size", "--min-free-space", "--idle-timeout",
                  "--max-pending", "-aet"}},
        {"find", {"-k", "--json", "--cancel", "-S", "-P", "-W"}},
        {"move", {"--dest", "-aem", "-k"}},
        {"get", {"--out", "-od", "--uncompressed", "--no-fsync", "-k"}},
        {"mpps", {"--uid", "create|set"}},
        {"commit", {"--wait", "--listen"}},
        {"serve", {"--storage", "--dest", "--config", "--no-check-called-ae", "--request-timeout", "-aet"}},
        {"conformance", {"--format", "--config"}},
        {"worklist", {"add", "--storage"}},
        {"hl7", {"send", "--timeout"}},
        {"serve", {"--hl7"}},
        {"archive", {"conflicts", "--storage"}},
        {"dicomdir", {"create", "add", "list", "--fileset-id", "--out", "--no-map"}},
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.cmd);
        const ProcResult r = cli({c.cmd, "--help"});
        ASSERT_EQ(r.status, 0) << r.err;
        for (const std::string &name : c.names) EXPECT_NE(r.out.find(name), std::string::npos) << name << "\n" << r.out;
    }
    // `dcmkit help CMD` is the same text.
    EXPECT_EQ(cli({"help", "send"}).out, cli({"send", "--help"}).out);
}

TEST(CliHelp, OverviewListsEveryCommand) {
    for (const std::vector<std::string> &args : {std::vector<std::string>{"help"}, {"--help"}, {"-h"}}) {
        const ProcResult r = cli(args);
        EXPECT_EQ(r.status, 0) << r.err;
        EXPECT_TRUE(starts_with(r.out, "usage: dcmkit <command>")) << r.out;
        for (const std::string &cmd : kCommands) EXPECT_NE(r.out.find("\n  " + cmd + " "), std::string::npos) << cmd;
    }
    // No command at all: the overview on stderr and a usage error.
    const ProcResult r = cli({});
    EXPECT_EQ(r.status, 2);
    EXPECT_TRUE(starts_with(r.err, "usage: dcmkit <command>")) << r.err;
}

TEST(CliHelp, UnknownOptionIsAUsageError) {
    // Enough positional arguments for each command to get past them; none is read or called.
    const std::vector<std::vector<std::string>> runs = {
        {"dump", "/nonexistent.dcm"},
        {"transcode", "/nonexistent.dcm", "/nonexistent-out.dcm", "--ts", "rle"},
        {"convert", "/nonexistent.dcm", "/nonexistent-out.dcm", "--ts", "rle"},
        {"export", "/nonexistent.dcm", "/nonexistent.png"},
        {"echo", "127.0.0.1", "1"},
        {"send", "127.0.0.1", "1", "/nonexistent.dcm"},
        {"recv", "1", "--out", "/nonexistent"},
        {"find", "127.0.0.1", "1", "-k", "PatientName"},
        {"mwl", "127.0.0.1", "1", "-k", "PatientName"},
        {"move", "127.0.0.1", "1", "--dest", "X", "-k", "PatientName"},
        {"get", "127.0.0.1", "1", "--out", "/nonexistent", "-k", "PatientName"},
        {"mpps", "127.0.0.1", "1", "create", "/nonexistent.json"},
        {"commit", "127.0.0.1", "1", "/nonexistent.dcm"},
        {"serve", "1", "--storage", "/nonexistent"},
        {"conformance", "serve"},
        {"worklist", "add", "--storage", "/nonexistent", "/nonexistent.json"},
        {"hl7", "send", "127.0.0.1", "1", "/nonexistent.hl7"},
        {"dicomdir", "create", "/nonexistent"},
        {"dicomdir", "add", "/nonexistent/DICOMDIR", "/nonexistent/A"},
        {"dicomdir", "list", "/nonexistent/DICOMDIR"},
    };
    for (std::vector<std::string> args : runs) {
        args.push_back("--no-such-option");
        SCOPED_TRACE(dk_test::shell_words(args));
        const ProcResult r = cli(args);
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_NE(r.err.find("unknown option '--no-such-option'"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("dcmkit help"), std::string::npos) << r.err;
        EXPECT_EQ(r.out, "");
    }
    ProcResult r = cli({"archive", "conflicts", "--storage", "/nonexistent", "--no-such-option"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("'--no-such-option'"), std::string::npos) << r.err;
    r = cli({"no-such-command"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("unknown command 'no-such-command'"), std::string::npos) << r.err;
    r = cli({"help", "no-such-command"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("unknown command 'no-such-command'"), std::string::npos) << r.err;
}

}  // namespace
