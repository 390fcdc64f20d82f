// The DICOMweb tests' study (tests/interop/dicomweb_test.cpp, dicomweb_client_test.cpp), made by
// pydicom in tests/support/make_web_study.py: what the files hold is pydicom's, not ours, so it
// serves as golden values. Study A: three 16-bit CT instances (64x48) in series A1 and a 3-frame
// secondary capture in A2; study B: one MR instance.
#pragma once

#include <map>
#include <sstream>
#include <string>

#include "peer.h"

namespace dk_test {

struct WebInstance {
    std::string name, path, study, series, sop, cls, patient, date;
};

/// Writes the study into `dir` (NAME.dcm and NAME.frameN per instance): the instances by name
/// ("a1", "a2", "a3", "mf", "b1"), empty with `error` set when the script fails.
inline std::map<std::string, WebInstance> make_web_study(const std::string &dir, std::string &error) {
    std::map<std::string, WebInstance> out;
    const ProcResult made = run({"/usr/bin/python3", DCMKIT_TEST_DATA_DIR "/../support/make_web_study.py", dir});
    if (made.status != 0) {
        error = made.all();
        return out;
    }
    std::istringstream lines(made.out);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream w(line);
        WebInstance i;
        w >> i.name >> i.study >> i.series >> i.sop >> i.cls >> i.patient >> i.date;
        i.path = dir + "/" + i.name + ".dcm";
        out[i.name] = i;
    }
    return out;
}

}  // namespace dk_test
