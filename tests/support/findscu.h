// dcmkit tests — DCMTK's findscu against an archive, its responses read back (serve tests).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "dcmkit/file.h"
#include "peer.h"

namespace dk_test {

/// The C-FIND responses findscu -X writes (rsp0001.dcm…) in `dir`, read back, asking the archive
/// called ARCH at 127.0.0.1:`port` with findscu's `args` (-S, -k keys…).
inline std::vector<dcmkit::Dataset> findscu(const std::string &dir, uint16_t port, std::vector<std::string> args) {
    std::vector<std::string> argv = {"findscu", "-X", "-aec", "ARCH", "-to", "10"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("127.0.0.1");
    argv.push_back(std::to_string(port));
    const ProcResult r = run(argv, 30000, dir);
    EXPECT_EQ(r.status, 0) << shell_words(argv) << "\n" << r.all();
    std::vector<dcmkit::Dataset> out;
    for (int i = 1;; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "/rsp%04d.dcm", i);
        if (::access((dir + name).c_str(), R_OK) != 0) break;
        out.push_back(dcmkit::read_file(dir + name).dataset);
        std::remove((dir + name).c_str());
    }
    return out;
}

}  // namespace dk_test
