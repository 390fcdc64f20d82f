// The DICOMweb tests' study (tests/interop/dicomweb_test.cpp, dicomweb_client_test.cpp), made by
// pydicom: what the files hold is pydicom's, not ours, so it serves as golden values.
#pragma once

#include <map>
#include <sstream>
#include <string>

#include "peer.h"

namespace dk_test {

// Study A: three 16-bit CT instances (64x48) in series A1 and a 3-frame secondary capture in A2;
// study B: one MR instance. Prints "name study series sop class patient date" per file and writes
// each frame's raw little endian bytes to NAME.frameN.
inline const char *const kWebStudyMaker = R"PY(
import sys, struct, pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
out = sys.argv[1]
studies = {'A': generate_uid(), 'B': generate_uid()}
series = {'A1': generate_uid(), 'A2': generate_uid(), 'B1': generate_uid()}
def make(name, st, se, cls, pname, pid, mod, rows, cols, frames, seed):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = cls
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SOPClassUID = cls
    ds.StudyInstanceUID = studies[st]; ds.SeriesInstanceUID = series[se]
    ds.PatientName = pname; ds.PatientID = pid; ds.PatientBirthDate = '19700101'; ds.PatientSex = 'O'
    ds.StudyDate = '20240102' if st == 'A' else '20230506'; ds.StudyTime = '101010'
    ds.AccessionNumber = 'ACC' + st; ds.StudyID = st; ds.Modality = mod
    ds.SeriesNumber = int(se[1]); ds.InstanceNumber = seed
    ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.Rows = rows; ds.Columns = cols; ds.BitsAllocated = 16; ds.BitsStored = 12; ds.HighBit = 11
    ds.PixelRepresentation = 0
    if frames > 1: ds.NumberOfFrames = frames
    ds.WindowCenter = 2048; ds.WindowWidth = 4096
    px = bytearray()
    for f in range(frames):
        fb = b''.join(struct.pack('<H', (seed * 97 + f * 500 + r * 13 + c * 7) % 4096) for r in range(rows) for c in range(cols))
        open('%s/%s.frame%d' % (out, name, f + 1), 'wb').write(fb)
        px += fb
    ds.PixelData = bytes(px)
    ds.save_as('%s/%s.dcm' % (out, name), write_like_original=False)
    print(name, studies[st], series[se], ds.SOPInstanceUID, cls, pname, ds.StudyDate)
ct = '1.2.840.10008.5.1.4.1.1.2'; mr = '1.2.840.10008.5.1.4.1.1.4'; sc = '1.2.840.10008.5.1.4.1.1.7.3'
make('a1', 'A', 'A1', ct, 'DOE^JANE', 'P1', 'CT', 48, 64, 1, 1)
make('a2', 'A', 'A1', ct, 'DOE^JANE', 'P1', 'CT', 48, 64, 1, 2)
make('a3', 'A', 'A1', ct, 'DOE^JANE', 'P1', 'CT', 48, 64, 1, 3)
make('mf', 'A', 'A2', sc, 'DOE^JANE', 'P1', 'OT', 32, 32, 3, 4)
make('b1', 'B', 'B1', mr, 'ROE^RICHARD', 'P2', 'MR', 40, 40, 1, 5)
)PY";

struct WebInstance {
    std::string name, path, study, series, sop, cls, patient, date;
};

/// Writes the study into `dir` (NAME.dcm and NAME.frameN per instance): the instances by name
/// ("a1", "a2", "a3", "mf", "b1"), empty with `error` set when the script fails.
inline std::map<std::string, WebInstance> make_web_study(const std::string &dir, std::string &error) {
    std::map<std::string, WebInstance> out;
    const ProcResult made = run({"/usr/bin/python3", "-c", kWebStudyMaker, dir});
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
