"""The DICOMweb tests' study, made by pydicom: what the files hold is pydicom's, not dcmkit's, so it
serves as golden values (tests/support/web_study.h runs it for the C++ tests; Python tests import it).

Study A: three 16-bit CT instances (64x48) in series A1 and a 3-frame secondary capture in A2;
study B: one MR instance. make(out) writes NAME.dcm and each frame's raw little endian bytes to
NAME.frameN, and returns per file (name, study, series, sop, class, patient, date); run as a script
it prints those, one line per file.
"""

import struct
import sys

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT = '1.2.840.10008.5.1.4.1.1.2'
MR = '1.2.840.10008.5.1.4.1.1.4'
SC = '1.2.840.10008.5.1.4.1.1.7.3'


def make(out):
    studies = {'A': generate_uid(), 'B': generate_uid()}
    series = {'A1': generate_uid(), 'A2': generate_uid(), 'B1': generate_uid()}
    made = []

    def one(name, st, se, cls, pname, pid, mod, rows, cols, frames, seed):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.MediaStorageSOPClassUID = cls
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.SOPClassUID = cls
        ds.StudyInstanceUID = studies[st]
        ds.SeriesInstanceUID = series[se]
        ds.PatientName = pname
        ds.PatientID = pid
        ds.PatientBirthDate = '19700101'
        ds.PatientSex = 'O'
        ds.StudyDate = '20240102' if st == 'A' else '20230506'
        ds.StudyTime = '101010'
        ds.AccessionNumber = 'ACC' + st
        ds.StudyID = st
        ds.Modality = mod
        ds.SeriesNumber = int(se[1])
        ds.InstanceNumber = seed
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = 'MONOCHROME2'
        ds.Rows = rows
        ds.Columns = cols
        ds.BitsAllocated = 16
        ds.BitsStored = 12
        ds.HighBit = 11
        ds.PixelRepresentation = 0
        if frames > 1:
            ds.NumberOfFrames = frames
        ds.WindowCenter = 2048
        ds.WindowWidth = 4096
        px = bytearray()
        for f in range(frames):
            fb = b''.join(struct.pack('<H', (seed * 97 + f * 500 + r * 13 + c * 7) % 4096)
                          for r in range(rows) for c in range(cols))
            with open('%s/%s.frame%d' % (out, name, f + 1), 'wb') as fh:
                fh.write(fb)
            px += fb
        ds.PixelData = bytes(px)
        ds.save_as('%s/%s.dcm' % (out, name), write_like_original=False)
        made.append((name, studies[st], series[se], ds.SOPInstanceUID, cls, pname, ds.StudyDate))

    one('a1', 'A', 'A1', CT, 'DOE^JANE', 'P1', 'CT', 48, 64, 1, 1)
    one('a2', 'A', 'A1', CT, 'DOE^JANE', 'P1', 'CT', 48, 64, 1, 2)
    one('a3', 'A', 'A1', CT, 'DOE^JANE', 'P1', 'CT', 48, 64, 1, 3)
    one('mf', 'A', 'A2', SC, 'DOE^JANE', 'P1', 'OT', 32, 32, 3, 4)
    one('b1', 'B', 'B1', MR, 'ROE^RICHARD', 'P2', 'MR', 40, 40, 1, 5)
    return made


if __name__ == '__main__':
    for row in make(sys.argv[1]):
        print(' '.join(str(v) for v in row))
