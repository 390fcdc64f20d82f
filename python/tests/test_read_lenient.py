"""What the field writes, read as pydicom and DCMTK read it: a meta information that names the
wrong VR encoding, UN elements whose VR a dictionary knows (PS3.5 6.2.2), private elements named
and typed through their creator (PS3.5 7.8.1), and invalid IS/DS values. The files are made here
with pydicom's writer; expected values come from pydicom.dcmread and DCMTK's dcmdump."""

import shutil
import subprocess
import warnings

import pytest

import dcmkit
from conftest import CLI, needs_cli

pydicom = pytest.importorskip("pydicom")
from pydicom.dataset import Dataset as PdDataset, FileMetaDataset  # noqa: E402
from pydicom.filebase import DicomBytesIO  # noqa: E402
from pydicom.filewriter import write_dataset, write_file_meta_info  # noqa: E402

EXPLICIT = "1.2.840.10008.1.2.1"
IMPLICIT = "1.2.840.10008.1.2"
BIG = "1.2.840.10008.1.2.2"


def _encode(ds, implicit, little=True):
    fp = DicomBytesIO()
    fp.is_little_endian = little
    fp.is_implicit_VR = implicit
    write_dataset(fp, ds)
    return fp.getvalue()


def _part10(ts, body):
    """Preamble, DICM and a meta information naming `ts`, followed by `body` as it is."""
    fm = FileMetaDataset()
    fm.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    fm.MediaStorageSOPInstanceUID = "1.2.3.4"
    fm.TransferSyntaxUID = ts
    fp = DicomBytesIO()
    fp.is_little_endian = True
    fp.is_implicit_VR = False
    write_file_meta_info(fp, fm, enforce_standard=True)
    return b"\0" * 128 + b"DICM" + fp.getvalue() + body


def _image():
    ds = PdDataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.SOPInstanceUID = "1.2.3.4"
    ds.PatientName = "DOE^JOHN"
    ds.PatientID = "ID42"
    ds.Rows = 512
    ds.PixelSpacing = ["0.5", "0.25"]
    ds.add_new(0x00290010, "LO", "SIEMENS CSA HEADER")
    ds.add_new(0x00291008, "CS", "IMAGE NUM 4")
    return ds


def _pydicom_read(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = pydicom.dcmread(str(path))
        ds.PatientName  # values are decoded lazily: read them inside the catch
    return ds, [str(w.message) for w in caught]


@pytest.mark.parametrize("declared,implicit", [(EXPLICIT, True), (IMPLICIT, False)])
def test_transfer_syntax_that_lies(tmp_path, declared, implicit):
    path = tmp_path / "lie.dcm"
    path.write_bytes(_part10(declared, _encode(_image(), implicit)))
    ref, ref_warnings = _pydicom_read(path)
    assert any("VR" in w for w in ref_warnings)  # pydicom also warns
    ds = dcmkit.read(path)
    assert ds.PatientName == str(ref.PatientName)
    assert ds.PatientID == ref.PatientID
    assert ds.Rows == ref.Rows
    assert ds.PixelSpacing == [float(x) for x in ref.PixelSpacing]
    assert ds[0x00291008].value == ref[0x00291008].value
    assert len(ds.warnings) == 1 and "meta information says" in ds.warnings[0]
    assert ds.warning_flags == dcmkit.WARN_SYNTAX_MISMATCH
    assert ds.transfer_syntax == (IMPLICIT if implicit else EXPLICIT)


def test_conforming_file_has_no_warning(tmp_path):
    path = tmp_path / "ok.dcm"
    path.write_bytes(_part10(EXPLICIT, _encode(_image(), False)))
    ds = dcmkit.read(path)
    assert ds.warnings == [] and ds.warning_flags == 0


def _explicit(elements, little=True):
    """Explicit VR elements (PS3.5 Tables 7.1-1, 7.1-2) from (tag, vr, value bytes), in order."""
    order = "little" if little else "big"
    out = b""
    for tag, vr, value in elements:
        out += (tag >> 16).to_bytes(2, order) + (tag & 0xFFFF).to_bytes(2, order) + vr.encode()
        if vr in ("OB", "OW", "SQ", "UN", "UT", "UC", "UR", "OD", "OF", "OL", "OV", "SV", "UV"):
            out += b"\0\0" + len(value).to_bytes(4, order)
        else:
            out += len(value).to_bytes(2, order)
        out += value
    return out


def _with_un(little=True):
    """Elements written as UN, their values implicit VR little endian whatever the byte order of
    the transfer syntax (PS3.5 6.2.2)."""
    item = PdDataset()
    item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    item.ReferencedSOPInstanceUID = "1.2.3.4.5"
    body = _encode(item, True)
    # ReferencedImageSequence as UN of defined length: one item of defined length.
    sequence = b"\xfe\xff\x00\xe0" + len(body).to_bytes(4, "little") + body
    return _explicit([
        (0x00080016, "UI", b"1.2.840.10008.5.1.4.1.1.7\0"),
        (0x00081140, "UN", sequence),
        (0x00100010, "UN", b"DOE^JOHN"),
        (0x00280010, "UN", (512).to_bytes(2, "little")),
        (0x00290010, "LO", b"SIEMENS CSA HEADER"),
        (0x00291008, "UN", b"IMAGE NUM 4 "),
    ], little)


@pytest.mark.parametrize("ts,little", [(EXPLICIT, True), (BIG, False)])
def test_un_with_known_vr_is_read_as_pydicom_reads_it(tmp_path, ts, little):
    path = tmp_path / "un.dcm"
    path.write_bytes(_part10(ts, _with_un(little)))
    ref, _ = _pydicom_read(path)  # pydicom.config.replace_un_with_known_vr is on by default
    ds = dcmkit.read(path)
    for tag in (0x00100010, 0x00280010, 0x00081140):
        assert ds[tag].vr == ref[tag].VR, hex(tag)
    assert ds.PatientName == str(ref.PatientName) == "DOE^JOHN"
    # PS3.5 6.2.2 note 2: the value is little endian "irrespective of the current Transfer Syntax";
    # pydicom 2.3 swaps it in a big endian file (2), so the standard is the reference there.
    assert ds.Rows == 512
    if little:
        assert ref.Rows == 512
    seq = ds.ReferencedImageSequence
    assert len(seq) == len(ref.ReferencedImageSequence) == 1
    assert seq[0].ReferencedSOPInstanceUID == "1.2.3.4.5"
    if little:  # pydicom 2.3 parses the sequence in the file's byte order too
        assert seq[0].ReferencedSOPInstanceUID == ref.ReferencedImageSequence[0].ReferencedSOPInstanceUID
    # pydicom leaves private UN alone; the private dictionary types it (DCMTK's private.dic: CS).
    assert ds[0x00291008].vr == "CS" and ds[0x00291008].value == "IMAGE NUM 4"
    assert ds.warning_flags == dcmkit.WARN_UN_RETYPED and len(ds.warnings) == 1
    # DICOM JSON has the VR and the value pydicom gives it.
    js = ds.to_json_dict()
    ref_js = ref.to_json_dict()
    assert js["00100010"] == ref_js["00100010"] == {"vr": "PN", "Value": [{"Alphabetic": "DOE^JOHN"}]}
    assert js["00280010"] == {"vr": "US", "Value": [512]}
    if little:
        assert js["00280010"] == ref_js["00280010"]


def test_keep_un(tmp_path):
    path = tmp_path / "un.dcm"
    path.write_bytes(_part10(EXPLICIT, _with_un()))
    ds = dcmkit.read(path, keep_un=True)
    assert ds[0x00100010].vr == "UN"
    assert ds[0x00100010].value == b"DOE^JOHN"
    assert ds.warnings == []
    assert dcmkit.read_bytes(path.read_bytes(), keep_un=True)[0x00100010].vr == "UN"
    assert dcmkit.read_bytes(path.read_bytes())[0x00100010].vr == "PN"


def test_private_tag_info():
    # DCMTK private.dic: (0029,"SIEMENS CSA HEADER",10) OB CSAImageHeaderInfo.
    vr, keyword, name = dcmkit.private_tag_info("SIEMENS CSA HEADER", 0x00291010)
    assert (vr, keyword) == ("OB", "CSAImageHeaderInfo") and name
    assert dcmkit.private_tag_info("NO SUCH VENDOR", 0x00291010) is None


@needs_cli
@pytest.mark.skipif(shutil.which("dcmdump") is None, reason="DCMTK's dcmdump is not installed")
def test_dump_names_private_tags_as_dcmdump(tmp_path):
    ds = PdDataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.add_new(0x00190010, "LO", "GEMS_ACQU_01")
    ds.add_new(0x00191002, "SL", 888)
    ds.add_new(0x00191003, "DS", "12.5")
    ds.add_new(0x00290010, "LO", "SIEMENS CSA HEADER")
    ds.add_new(0x00290011, "LO", "NO SUCH VENDOR")
    ds.add_new(0x00291008, "CS", "IMAGE NUM 4")
    ds.add_new(0x00291009, "LO", "20100114")
    ds.add_new(0x00291108, "CS", "X")
    path = tmp_path / "private.dcm"
    path.write_bytes(_part10(IMPLICIT, _encode(ds, True)))

    def private_lines(text):
        out = {}
        for line in text.splitlines():
            if line.startswith(("(0019,1", "(0029,1")):
                tag_vr, _, comment = line.partition("#")
                out[line[:11]] = (tag_vr.split()[1], comment.split()[-1])
        return out

    ref = private_lines(subprocess.run(["dcmdump", str(path)], capture_output=True, text=True, check=True).stdout)
    got = private_lines(subprocess.run([CLI, "dump", str(path)], capture_output=True, text=True, check=True).stdout)
    assert ref["(0029,1008)"] == ("CS", "CSAImageHeaderType")
    assert ref["(0019,1002)"] == ("SL", "NumberOfCellsInDetector")
    # dcmdump: "?? ... Unknown Tag & Data" for the element of an unknown creator; ours stays UN.
    assert ref.pop("(0029,1108)")[0] == "??"
    assert got.pop("(0029,1108)") == ("UN", "PrivateTag")
    assert got == ref and len(got) == 4
    # JSON: the VR of the private dictionary for elements read implicitly.
    js = dcmkit.read(path).to_json_dict()
    assert js["00191002"] == {"vr": "SL", "Value": [888]}
    assert js["00291108"]["vr"] == "UN"


@needs_cli
def test_dump_warns_on_stderr(tmp_path):
    path = tmp_path / "lie.dcm"
    path.write_bytes(_part10(EXPLICIT, _encode(_image(), True)))
    r = subprocess.run([CLI, "dump", str(path)], capture_output=True, text=True)
    assert r.returncode == 0
    assert "(0010,0010) PN [DOE^JOHN]" in r.stdout
    assert r.stderr.count("dcmkit: warning: ") == 1 and "Explicit VR Little Endian" in r.stderr


def test_invalid_is_ds_raise_value_error_with_tag_and_value(tmp_path):
    body = _explicit([
        (0x00080016, "UI", b"1.2.840.10008.5.1.4.1.1.7\0"),
        (0x00181050, "DS", b"0x10"),  # hexadecimal is not decimal text (PS3.5 6.2)
        (0x00200013, "IS", b"12A "),
        (0x00280030, "DS", b"0.5\\abc "),
    ])
    path = tmp_path / "bad.dcm"
    path.write_bytes(_part10(EXPLICIT, body))
    d = dcmkit.read(path)
    with pytest.raises(dcmkit.BadValueError) as info:
        d.InstanceNumber
    assert "(0020,0013)" in str(info.value) and "'12A'" in str(info.value)
    with pytest.raises(dcmkit.BadValueError) as info:
        d.PixelSpacing
    assert "(0028,0030)" in str(info.value) and "'abc'" in str(info.value)
    with pytest.raises(dcmkit.BadValueError) as info:
        d[0x00181050].value
    assert "'0x10'" in str(info.value)
