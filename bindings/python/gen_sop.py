#!/usr/bin/env python3
"""Generates python/dcmkit's sop.py (SOP class UIDs by keyword) from core/data/standard/uids.tsv, the
PS3.6 Annex A registry the library's own tables are generated from. Run by CMake at build time.
Usage: gen_sop.py UIDS_TSV OUT_PY"""
import csv
import sys

# The storage SOP classes dcmkit.connect() proposes when given no contexts or files: the common
# modalities, within the 128 presentation contexts of one association (a choice, not registry data).
COMMON_STORAGE = [
    "CTImageStorage",
    "EnhancedCTImageStorage",
    "MRImageStorage",
    "EnhancedMRImageStorage",
    "ComputedRadiographyImageStorage",
    "DigitalXRayImageStorageForPresentation",
    "DigitalXRayImageStorageForProcessing",
    "DigitalMammographyXRayImageStorageForPresentation",
    "DigitalMammographyXRayImageStorageForProcessing",
    "BreastTomosynthesisImageStorage",
    "UltrasoundImageStorage",
    "UltrasoundMultiFrameImageStorage",
    "SecondaryCaptureImageStorage",
    "MultiFrameSingleBitSecondaryCaptureImageStorage",
    "MultiFrameGrayscaleByteSecondaryCaptureImageStorage",
    "MultiFrameGrayscaleWordSecondaryCaptureImageStorage",
    "MultiFrameTrueColorSecondaryCaptureImageStorage",
    "XRayAngiographicImageStorage",
    "EnhancedXAImageStorage",
    "XRayRadiofluoroscopicImageStorage",
    "NuclearMedicineImageStorage",
    "PositronEmissionTomographyImageStorage",
    "EnhancedPETImageStorage",
    "RTImageStorage",
    "RTDoseStorage",
    "RTStructureSetStorage",
    "RTPlanStorage",
    "RTIonPlanStorage",
    "RTBeamsTreatmentRecordStorage",
    "EncapsulatedPDFStorage",
    "BasicTextSRStorage",
    "EnhancedSRStorage",
    "ComprehensiveSRStorage",
    "KeyObjectSelectionDocumentStorage",
    "GrayscaleSoftcopyPresentationStateStorage",
    "SpatialRegistrationStorage",
    "SegmentationStorage",
    "VLPhotographicImageStorage",
    "VLEndoscopicImageStorage",
    "TwelveLeadECGWaveformStorage",
    "RawDataStorage",
]


def main(tsv, out):
    rows = []
    with open(tsv, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["type"] == "SOP Class" and row["keyword"]:
                rows.append(row)
    known = {r["keyword"] for r in rows}
    missing = [n for n in COMMON_STORAGE if n not in known]
    if missing:
        sys.exit(f"gen_sop.py: not in the registry: {missing}")
    lines = [
        '"""SOP Class UIDs by keyword: dcmkit.sop.CTImageStorage == "1.2.840.10008.5.1.4.1.1.2".',
        "",
        "Generated at build time from core/data/standard/uids.tsv (PS3.6 Annex A): every SOP Class with a keyword,",
        "retired ones included. COMMON_STORAGE: the storage SOP classes dcmkit.connect() proposes when given",
        'no contexts or files."""',
        "# fmt: off",
        "",
    ]
    for r in rows:
        lines.append(f'{r["keyword"]} = "{r["uid"]}"' + ("  # retired" if r["retired"] == "Y" else ""))
    lines += ["", "COMMON_STORAGE = ("] + [f"    {n}," for n in COMMON_STORAGE] + [")", ""]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
