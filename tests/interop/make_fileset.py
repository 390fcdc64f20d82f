"""Writes a small file-set for the DICOMDIR tests with pydicom (run with /usr/bin/python3).

usage: make_fileset.py DIR [COUNT [SIZE]]
Without COUNT: two patients (one with a name in ISO_IR 192), CT images, a Basic Text SR, an RT Dose,
a Grayscale Softcopy Presentation State, a file whose path is no valid File ID (lower/ct-3.dcm) and
a file that is not DICOM. With COUNT: COUNT CT images (SIZE x SIZE, default 4) of one series of
one patient, as IMAGES/IMnnnnnn.
"""
import os
import sys

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT = "1.2.840.10008.5.1.4.1.1.2"
MR = "1.2.840.10008.5.1.4.1.1.4"
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
GSPS = "1.2.840.10008.5.1.4.1.1.11.1"


def instance(sop_class, patient, study, series, number, charset=None):
    ds = Dataset()
    if charset:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.PatientName, ds.PatientID = patient
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime, ds.StudyID, ds.StudyDescription = study
    ds.AccessionNumber = "A" + ds.StudyID
    ds.ReferringPhysicianName = ""
    ds.SeriesInstanceUID, ds.Modality, ds.SeriesNumber = series
    ds.InstanceNumber = number
    ds.ContentDate, ds.ContentTime = ds.StudyDate, ds.StudyTime
    return ds


def image(ds, size=4):
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows = ds.Columns = size
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = bytes(2 * size * size)
    return ds


def save(ds, path):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(path, write_like_original=False)


def code(value, scheme, meaning):
    c = Dataset()
    c.CodeValue, c.CodingSchemeDesignator, c.CodeMeaning = value, scheme, meaning
    return c


def main():
    root = sys.argv[1]
    if len(sys.argv) > 2:
        p, st = ("BENCH^PATIENT", "B1"), (generate_uid(), "20240101", "101010", "1", "BENCH")
        se = (generate_uid(), "CT", 1)
        size = int(sys.argv[3]) if len(sys.argv) > 3 else 4
        for i in range(int(sys.argv[2])):
            save(image(instance(CT, p, st, se, i + 1), size), os.path.join(root, "IMAGES", "IM%06d" % i))
        return
    p1 = ("DOE^JOHN", "P1")
    s1 = (generate_uid(), "20240102", "093000", "11", "CHEST CT")
    ct = (generate_uid(), "CT", 1)
    save(image(instance(CT, p1, s1, ct, 1)), os.path.join(root, "P1", "S1", "CT1"))
    save(image(instance(CT, p1, s1, ct, 2)), os.path.join(root, "P1", "S1", "CT2"))
    save(image(instance(CT, p1, s1, ct, 3)), os.path.join(root, "lower", "ct-3.dcm"))

    sr = instance(BASIC_TEXT_SR, p1, s1, (generate_uid(), "SR", 2), 1)
    sr.CompletionFlag, sr.VerificationFlag = "COMPLETE", "UNVERIFIED"
    sr.ValueType, sr.ContinuityOfContent = "CONTAINER", "SEPARATE"
    sr.ConceptNameCodeSequence = Sequence([code("11528-7", "LN", "Radiology Report")])
    save(sr, os.path.join(root, "P1", "S1", "SR1"))

    pr = instance(GSPS, p1, s1, (generate_uid(), "PR", 3), 1)
    pr.PresentationCreationDate, pr.PresentationCreationTime = "20240103", "120000"
    pr.ContentLabel, pr.ContentDescription, pr.ContentCreatorName = "LABEL", "a state", "SMITH^ANN"
    ref_image = Dataset()
    ref_image.ReferencedSOPClassUID, ref_image.ReferencedSOPInstanceUID = CT, generate_uid()
    ref_series = Dataset()
    ref_series.SeriesInstanceUID = ct[0]
    ref_series.ReferencedImageSequence = Sequence([ref_image])
    pr.ReferencedSeriesSequence = Sequence([ref_series])
    save(pr, os.path.join(root, "P1", "S1", "PR1"))

    p2 = ("Müller^Jürgen", "P2")
    s2 = (generate_uid(), "20231224", "180000", "22", "Kopf")
    save(image(instance(MR, p2, s2, (generate_uid(), "MR", 1), 1, "ISO_IR 192")), os.path.join(root, "P2", "MR1"))
    dose = instance(RT_DOSE, p2, s2, (generate_uid(), "RTDOSE", 2), 1, "ISO_IR 192")
    dose.DoseSummationType, dose.DoseUnits, dose.DoseType = "PLAN", "GY", "PHYSICAL"
    save(dose, os.path.join(root, "P2", "RTD1"))

    with open(os.path.join(root, "README.TXT"), "w") as f:
        f.write("not DICOM\n")


if __name__ == "__main__":
    main()
