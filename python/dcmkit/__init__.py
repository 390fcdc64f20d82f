"""dcmkit — read, edit and write DICOM files from Python.

    import dcmkit
    ds = dcmkit.read("ct.dcm", stop_before_pixels=True)
    print(ds.PatientName, ds.Rows, ds.ImagePositionPatient)
    ds.PatientName = "Anonymous"
    del ds.PatientBirthDate
    for elem in ds:                      # DataElements in tag order
        print(elem.tag, elem.vr, elem.keyword, elem.value)
    ds[0x0010, 0x0020].value             # by tag: (group, element) or 0xGGGGEEEE
    ds.save("out.dcm", transfer_syntax="explicit")
    text = ds.to_json()                  # DICOM JSON (PS3.18 Annex F)

Values are typed as pydicom types them: str for text VRs (a list of str when multi-valued), int for
IS, US, SS, UL, SL, UV, SV and AT, float for DS, FL, FD, bytes for OB, OW, OD, OF, OL, OV, UN, a list
of Dataset for SQ; an empty value is "" for text VRs, [] for SQ and None otherwise.

Networking (dcmkit.net): dcmkit.connect(host, port, calling=..., called=...) as a context manager
(assoc.echo(), assoc.store(ds_or_path) return the peer's status), dcmkit.AE with pynetdicom's
add_requested_context / associate / start_server, SOP class UIDs in dcmkit.sop.

Errors are dcmkit.DicomError subclasses, one per class of the C ABI's error codes (the same classes,
named ...Exception, in C# and Java; dcmkit.error_class(code) gives the class of a code):
InvalidArgumentError, NotFoundError (also a KeyError and an AttributeError), IoError (an OSError),
ParseError, UnsupportedError, BadValueError (subclass CharsetError), NetworkError (an OSError;
subclasses NetworkTimeoutError (also the built-in TimeoutError), AssociationRejectedError,
AssociationAbortedError, ProtocolError, RefusedError), NoMemoryError (a MemoryError), InternalError.
The value errors are also built-in ValueErrors. Each has .kind ("truncated"), .code and .offset
(byte offset in the input, or None).

Pixels: ds.pixel_array as pydicom shapes it, for native and compressed data alike (RLE, JPEG, JPEG-LS,
JPEG 2000, HTJ2K: see codec_support()); ds.decoded_photometric is its Photometric Interpretation
(JPEG YBR_FULL_422 decodes to RGB). ds.transcode("jpegls") re-encodes the pixel data (and sets the
transfer syntax ds.save() writes); ds.render(), ds.save_png() and ds.save_jpeg() give 8-bit display images.

The module is a thin layer over the C ABI (libdcmkit) through dcmkit.hpp; the extension _dcmkit
releases the GIL while reading, writing and converting to JSON.
"""

import json as _json
import os as _os
from collections import namedtuple as _namedtuple
from functools import lru_cache as _lru_cache
from typing import Callable as _Callable, Iterator as _Iterator, List as _List, Optional as _Optional

from . import _dcmkit
from ._dcmkit import (  # noqa: F401  (re-exported)
    DecodeWarning,
    DicomError,
    InvalidArgumentError,
    NotFoundError,
    IoError,
    ParseError,
    UnsupportedError,
    BadValueError,
    CharsetError,
    NetworkError,
    NetworkTimeoutError,
    AssociationRejectedError,
    AssociationAbortedError,
    ProtocolError,
    RefusedError,
    NoMemoryError,
    InternalError,
    error_class,
    dictionary_vr,
    generate_uid,
    is_valid_uid,
    uid_name,
)

__all__ = [
    "DecodeWarning",
    "Dataset", "DataElement", "FileMetaDataset", "Tag", "read", "read_bytes", "from_json", "tag", "keyword", "tag_name",
    "dictionary_vr", "uid_info", "uid_name", "generate_uid", "is_valid_uid", "version", "codec_support",
    "CodecSupport",
    "DicomError", "InvalidArgumentError", "NotFoundError", "IoError", "ParseError", "UnsupportedError",
    "BadValueError", "CharsetError", "NetworkError", "NetworkTimeoutError", "AssociationRejectedError",
    "AssociationAbortedError", "ProtocolError", "RefusedError", "NoMemoryError", "InternalError",
    "error_class",
]

__version__ = _dcmkit.HEADER_VERSION


def version():
    """Version of the loaded dcmkit library ("1.0.0")."""
    return _dcmkit.version()


CodecSupport = _namedtuple("CodecSupport", ["decode", "encode"])
CodecSupport.__doc__ = """What this build can do with pixel data in a transfer syntax (codec_support())."""


def codec_support(transfer_syntax):
    """CodecSupport(decode, encode): whether this build decodes pixel data in `transfer_syntax` (a UID,
    keyword or alias such as "jpegls", "rle", "j2k-lossless") and can encode it. Native syntaxes give
    (True, True); a syntax without codec, or an unknown one, (False, False). Whether a given image
    can be encoded also depends on its layout: Dataset.transcode() says why not."""
    bits = _dcmkit.codec_support(transfer_syntax)
    return CodecSupport(bool(bits & 1), bool(bits & 2))


# -- tags --------------------------------------------------------------------------------------------

class Tag(int):
    """A tag as an int 0xGGGGEEEE, printed "(gggg,eeee)"."""

    __slots__ = ()

    def __new__(cls, value, element=None):
        if element is not None:
            value = (int(value) << 16) | int(element)
        elif isinstance(value, tuple):
            value = (int(value[0]) << 16) | int(value[1])
        elif isinstance(value, str):
            value = _dcmkit.tag(value)
        value = int(value)
        if not 0 <= value <= 0xFFFFFFFF:
            raise OverflowError("a tag is 32 bits: %r" % value)
        return int.__new__(cls, value)

    @property
    def group(self):
        return self >> 16

    @property
    def element(self):
        return self & 0xFFFF

    @property
    def is_private(self):
        return bool(self.group & 1)

    @property
    def keyword(self):
        return _dcmkit.keyword(self)

    def __str__(self):
        return "(%04x,%04x)" % (self >> 16, self & 0xFFFF)

    __repr__ = __str__


def tag(keyword):
    """The Tag of a keyword ("PatientName") or of "(0010,0010)" text. NotFoundError when unknown."""
    return Tag(_dcmkit.tag(keyword))


def keyword(tag):
    """The keyword of a tag; "" for private and unknown tags."""
    return _dcmkit.keyword(_as_tag(tag))


def tag_name(tag):
    """The name of a tag ("Patient's Name"); "" for private and unknown tags."""
    return _dcmkit.tag_name(_as_tag(tag))


def uid_info(uid):
    """(name, keyword, type) of a registered UID; NotFoundError when it is not registered."""
    return _dcmkit.uid_info(uid)


@_lru_cache(maxsize=4096)
def _keyword_tag(name):
    """The tag of a keyword, or None (only for names that look like keywords)."""
    if not name[:1].isupper():
        return None
    return _dcmkit.find_tag(name)


def _as_tag(key):
    """A tag from an int, a (group, element) pair, a Tag or a keyword."""
    if isinstance(key, int):
        return int(key)
    if isinstance(key, tuple) and len(key) == 2:
        return (int(key[0]) << 16) | int(key[1])
    if isinstance(key, str):
        t = _keyword_tag(key)
        return t if t is not None else _dcmkit.tag(key)  # "(0010,0010)" text, or NotFoundError
    raise TypeError("a tag is an int, a (group, element) pair or a keyword, not %s" % type(key).__name__)


# -- elements and datasets ---------------------------------------------------------------------------

_UNSET = object()


def _value_repr(element):
    try:
        return _short_repr(element.value)
    except DicomError as e:  # e.g. compressed pixel data, which the C ABI does not expose yet
        return "<%s>" % e.kind


def _short_repr(v):
    if isinstance(v, list) and v and isinstance(v[0], Dataset):
        return "<%d item%s>" % (len(v), "" if len(v) == 1 else "s")
    if isinstance(v, bytes) and len(v) > 32:
        return "<%d bytes>" % len(v)
    return repr(v)


class DataElement:
    """One element of a dataset: .tag, .vr (also .VR), .keyword, .name and .value.

    The value is read from the dataset on first use and then kept.
    """

    __slots__ = ("tag", "vr", "_ds", "_value")

    def __init__(self, tag, vr, value=_UNSET, _dataset=None):
        self.tag = Tag(tag)
        self.vr = vr
        self._ds = _dataset
        self._value = value

    @property
    def VR(self):  # noqa: N802  (pydicom's spelling)
        return self.vr

    @property
    def keyword(self):
        return _dcmkit.keyword(self.tag)

    @property
    def name(self):
        return _dcmkit.tag_name(self.tag)

    @property
    def value(self):
        if self._value is _UNSET:
            self._value = self._ds._get(self.tag)
        return self._value

    @property
    def VM(self):  # noqa: N802
        v = self.value
        if v is None or v == "":
            return 0
        return len(v) if isinstance(v, list) else 1

    def __repr__(self):
        return "%s %s %s: %s" % (self.tag, self.vr, self.keyword or "(unknown)", _value_repr(self))

    def __eq__(self, other):
        if not isinstance(other, DataElement):
            return NotImplemented
        return (self.tag, self.vr, self.value) == (other.tag, other.vr, other.value)

    __hash__ = None


class Dataset:
    """A DICOM dataset (or a sequence item).

    Attribute access by keyword (ds.PatientName), item access by tag (ds[0x00100010],
    ds[0x0010, 0x0010], ds["PatientName"]) returning a DataElement, `in`, `del`, len() and
    iteration over DataElements in tag order. An item of a sequence is a handle on part of its
    top-level dataset: changes to it are changes to that dataset.
    """

    __slots__ = ("_ds",)

    def __init__(self, _handle=None):
        object.__setattr__(self, "_ds", _handle if _handle is not None else _dcmkit.Dataset())

    @classmethod
    def _wrap(cls, handle):
        ds = object.__new__(cls)
        object.__setattr__(ds, "_ds", handle)
        return ds

    # -- values --------------------------------------------------------------------------------

    def _get(self, t):
        vr, value = self._ds.get_element(t)
        if vr == "SQ":
            return [Dataset._wrap(h) for h in value]
        if vr == "AT" and value is not None:
            return [Tag(v) for v in value] if isinstance(value, list) else Tag(value)
        return value

    def __getattr__(self, name):
        # Only called when normal lookup fails: keywords.
        if name in ("pixel_array", "pixel_info", "decoded_photometric"):
            # The property raised NotFoundError (an AttributeError too): raise it again, not ours.
            return getattr(type(self), name).fget(self)
        t = _keyword_tag(name)
        if t is None:
            raise AttributeError("'Dataset' object has no attribute %r" % name)
        if not self._ds.contains(t):
            raise NotFoundError("no element %s (%s) in the dataset" % (name, Tag(t)))
        return self._get(t)

    def __setattr__(self, name, value):
        if isinstance(getattr(type(self), name, None), property):  # ds.transfer_syntax = "explicit"
            object.__setattr__(self, name, value)
            return
        t = _keyword_tag(name)
        if t is None:
            raise AttributeError("%r is not a DICOM keyword (Dataset only has DICOM attributes)" % name)
        self._set(t, value)

    def __delattr__(self, name):
        t = _keyword_tag(name)
        if t is None:
            raise AttributeError("%r is not a DICOM keyword" % name)
        self._ds.remove(t)

    def _set(self, t, value, vr=None):
        if isinstance(value, DataElement):
            value, vr = value.value, value.vr
        if isinstance(value, Dataset):
            value = [value]
        if isinstance(value, (list, tuple)):
            value = [v._ds if isinstance(v, Dataset) else v for v in value]
        self._ds.set_value(t, value, vr)

    def get(self, key, default=None):
        """The value of an element (by keyword or tag), or `default` when absent."""
        try:
            t = _as_tag(key)
        except NotFoundError:
            return default
        if not self._ds.contains(t):
            return default
        return self._get(t)

    def set(self, key, value, vr=None):
        """Sets an element by keyword or tag, with an explicit VR when given (needed for private tags)."""
        self._set(_as_tag(key), value, vr)

    def set_key(self, key):
        """Adds one query key as DCMTK's findscu -k spells it: "PatientName=SMITH*",
        "0008,0052=STUDY", "StudyDate" (an empty return key), "Sequence[n].Keyword=value" through
        nested sequences (items made as needed). InvalidArgumentError (a ValueError) names a key
        that is not one."""
        self._ds.set_key(str(key))

    # -- mapping protocol ----------------------------------------------------------------------

    def __getitem__(self, key):
        t = _as_tag(key)
        vr = self._ds.vr(t)  # NotFoundError (a KeyError) when absent
        return DataElement(t, vr, _dataset=self)

    def __setitem__(self, key, value):
        self._set(_as_tag(key), value)

    def __delitem__(self, key):
        self._ds.remove(_as_tag(key))

    def __contains__(self, key):
        try:
            t = _as_tag(key)
        except (NotFoundError, TypeError):
            return False
        return self._ds.contains(t)

    def __len__(self):
        return len(self._ds)

    def _elements(self) -> "list":
        """(tag, VR) of the elements this object shows (FileMetaDataset: group 0002)."""
        return self._ds.elements()

    def __iter__(self) -> "_Iterator[DataElement]":
        for t, vr in self._elements():
            yield DataElement(t, vr, _dataset=self)

    def tags(self) -> "_List[Tag]":
        """The tags present, in order."""
        return [Tag(t) for t, _ in self._elements()]

    def keys(self):
        return self.tags()

    def values(self):
        return list(self)

    def items(self):
        return [(e.tag, e) for e in self]

    def __dir__(self):
        kws = [_dcmkit.keyword(t) for t, _ in self._elements()]
        return sorted(set(object.__dir__(self)) | {k for k in kws if k})

    def dir(self, *filters: str) -> "_List[str]":
        """The keywords of the public elements present, sorted (pydicom's Dataset.dir): with
        `filters`, those containing any of them, case-insensitively."""
        kws = sorted({k for k in (_dcmkit.keyword(t) for t, _ in self._elements() if not (t >> 16) & 1) if k})
        if not filters:
            return kws
        low = [f.lower() for f in filters]
        return [k for k in kws if any(f in k.lower() for f in low)]

    def data_element(self, name: str) -> "_Optional[DataElement]":
        """The DataElement of keyword `name`, None when absent (pydicom's Dataset.data_element)."""
        t = _keyword_tag(name)
        if t is None or not self._ds.contains(t):
            return None
        return DataElement(t, self._ds.vr(t), _dataset=self)

    def walk(self, callback: "_Callable[[Dataset, DataElement], None]", recursive: bool = True) -> None:
        """Calls callback(dataset, element) for every element in tag order, and, when `recursive`,
        for those of every sequence item after its sequence's element (pydicom's Dataset.walk)."""
        for element in list(self):
            if element.tag in self:
                callback(self, element)
            if recursive and element.tag in self and element.vr == "SQ":
                for item in element.value or ():
                    item.walk(callback, recursive)

    def __repr__(self):
        return "\n".join("%s %s %-32s %s" % (e.tag, e.vr, e.keyword, _value_repr(e)) for e in self)

    def __eq__(self, other):
        if not isinstance(other, Dataset):
            return NotImplemented
        return list(self) == list(other)

    __hash__ = None

    # -- sequences -----------------------------------------------------------------------------

    def add_item(self, key):
        """Appends an empty item to a sequence (created when absent) and returns it."""
        return Dataset._wrap(self._ds.add_item(_as_tag(key)))

    def update(self, other):
        """Copies every element of `other` (a Dataset, deeply) into this one."""
        self._ds.update(other._ds)

    def copy(self):
        """A deep copy (a new top-level dataset with the same transfer syntax)."""
        return Dataset._wrap(self._ds.clone())

    __copy__ = copy

    def __reduce__(self):
        # Pickled as its encoding (top-level datasets; an item is copied first), e.g. for multiprocessing.
        return (read_bytes, (self.copy().to_bytes(),))

    def __deepcopy__(self, memo):
        return self.copy()

    # -- pixel data ----------------------------------------------------------------------------

    @property
    def pixel_array(self):
        """The pixel data as a numpy array, as pydicom shapes it: (rows, columns) for one frame of
        one sample, (frames, rows, columns) for several frames, and a last axis of samples for
        color (planar configuration 1 included). dtype from Bits Allocated and Pixel Representation
        (uint8 … int32, float32 / float64 for Float / Double Float Pixel Data).

        Native pixel data: samples as stored (no rescale, no masking of the bits above Bits Stored).
        1-bit data is unpacked to a new uint8 array of 0 and 1. YBR_FULL_422 (Y1 Y2 Cb Cr) is
        upsampled to a new YBR_FULL array, as pydicom does. Otherwise the array is a read-only
        view of the dataset's memory (no copy; it keeps the dataset alive): copy it before replacing
        or removing the Pixel Data.

        Compressed pixel data is decoded into a new array with the codec of the dataset's transfer
        syntax (UnsupportedError when this build has none; ParseError naming the frame for a
        corrupt one). Decoding may change the Photometric Interpretation: JPEG Baseline
        YBR_FULL_422 decodes to RGB, as pydicom's pixel_array converts it; decoded_photometric says
        which applies (the PhotometricInterpretation element is left as it is)."""
        return _dcmkit.pixel_array(self._ds)

    @property
    def decoded_photometric(self):
        """The Photometric Interpretation of pixel_array and decode_frame(): the dataset's
        PhotometricInterpretation, or what decoding made of it ("RGB" for JPEG YBR_FULL_422).
        Decodes frame 0 of compressed pixel data to find out."""
        info = _dcmkit.pixel_info(self._ds)
        native_422 = info["photometric_interpretation"] == "YBR_FULL_422" and info["samples_per_pixel"] == 3
        if not info["encapsulated"] and not native_422:
            return info["photometric_interpretation"]
        return _dcmkit.decode_frame(self._ds, 0)[1]

    def decode_frame(self, index=0):
        """(array, photometric): frame `index` decoded as a numpy array (rows, columns[, samples]),
        samples interleaved, and the Photometric Interpretation of the result."""
        return _dcmkit.decode_frame(self._ds, index)

    @property
    def pixel_info(self):
        """The pixel data's layout: a dict of rows, columns, samples_per_pixel, bits_allocated,
        bits_stored, high_bit, pixel_representation, planar_configuration, pixel_data_tag,
        number_of_frames, frame_size, encapsulated, photometric_interpretation."""
        return _dcmkit.pixel_info(self._ds)

    def read_frame(self, index):
        """Frame `index` as bytes: native data as stored (little endian; 1-bit data packed),
        compressed data decoded (samples interleaved)."""
        return _dcmkit.read_frame(self._ds, index)

    def transcode(self, transfer_syntax, *, quality=None, ratio=None, near=None, predictor=None,
                  lossy_to_lossless=False, extended_offset_table=False, keep_uid=False, threads=0):
        """Re-encodes the pixel data in `transfer_syntax` (a UID, keyword or alias: "explicit",
        "rle", "jpeg", "jpeg-lossless", "jpegls", "jpegls-near", "j2k-lossless", "j2k", "htj2k"…),
        which becomes the syntax save() and to_bytes() write. Compressed frames are decoded, native
        ones encoded; Photometric Interpretation, Planar Configuration, Lossy Image Compression
        (and its Ratio and Method) and the offset tables follow. Only top-level datasets.

        quality: JPEG Baseline / Extended, 1..100 (default 90). ratio: JPEG 2000 / HTJ2K lossy
        target compression ratio (default: the codec's). near: JPEG-LS near-lossless NEAR (default
        2). predictor: JPEG Lossless Process 14 selection value 1..7 (default 1).
        lossy_to_lossless: re-encode pixel data that was lossy compressed in a lossless syntax
        anyway (refused by default with InvalidArgumentError). extended_offset_table: write an
        Extended Offset Table. keep_uid: keep the SOP Instance UID and Image Type after lossy
        compression (by default a new UID and DERIVED, as DCMTK does). threads: 0 = one per core.

        Raises InvalidArgumentError (unknown syntax, bad option, refused lossy-to-lossless),
        UnsupportedError (no codec, or the codec cannot encode this image: the message says why),
        ParseError for a corrupt frame. The dataset is unchanged when it raises."""
        _dcmkit.transcode(self._ds, transfer_syntax, quality, ratio, near, predictor, bool(lossy_to_lossless),
                          bool(extended_offset_table), bool(keep_uid), int(threads))

    def render(self, frame=0, *, window=None, voi_index=0, min_max=False):
        """Frame `frame` rendered to 8-bit display values: a numpy uint8 array (rows, columns) for
        grayscale, (rows, columns, 3) for color.

        Grayscale goes through the Modality LUT (Rescale Slope / Intercept or the Modality LUT
        Sequence), the VOI LUT, and MONOCHROME1 / Presentation LUT Shape INVERSE inversion. The VOI
        LUT is `window` = (center, width) when given, else the dataset's window or VOI LUT number
        `voi_index`, else the frame's minimum..maximum (min_max=True forces that). Color: RGB and
        YBR_FULL scaled to 8 bits, PALETTE COLOR through its LUTs."""
        return _dcmkit.render(self._ds, frame, _window(window), voi_index, bool(min_max))

    def save_png(self, path, frame=0, *, window=None, voi_index=0, min_max=False):
        """Renders frame `frame` as render() does and writes it to `path` as a PNG file (8-bit
        grayscale or RGB). IoError when the file cannot be written."""
        _dcmkit.export_png(self._ds, _os.fspath(path), frame, _window(window), voi_index, bool(min_max))

    def save_jpeg(self, path, frame=0, *, quality=90, window=None, voi_index=0, min_max=False):
        """Renders frame `frame` as render() does and writes it to `path` as a baseline JPEG file
        (JFIF, 8-bit grayscale, or colour coded as YCbCr 4:2:2) of `quality` 1 (smallest) to 100
        (best). The file is written to a temporary name and renamed into place: a failed export
        leaves no partial file. One frame per call (for every frame of a multi-frame image, one
        call per frame of range(ds.pixel_info["number_of_frames"])). InvalidArgumentError for a
        quality outside 1..100, IoError when the file cannot be written, UnsupportedError in a
        build without libjpeg-turbo."""
        _dcmkit.export_jpeg(self._ds, _os.fspath(path), frame, _window(window), voi_index, bool(min_max),
                            int(quality))

    # -- encoding ------------------------------------------------------------------------------

    @property
    def transfer_syntax(self):
        """UID of the transfer syntax the dataset was read in (and is written in by default)."""
        return self._ds.transfer_syntax

    @property
    def warnings(self):
        """What the reader accepted with a warning, one message each ([] for a conforming file): a
        dataset not in the VR encoding its meta names (read as found), UN elements re-read with
        their dictionary VR. Flags in `warning_flags` (WARN_SYNTAX_MISMATCH, WARN_UN_RETYPED)."""
        return list(self._ds.warnings)

    @property
    def warning_flags(self):
        return self._ds.warning_flags

    @property
    def is_little_endian(self) -> bool:
        """Whether the transfer syntax (as read, or set) is little endian (read only)."""
        return not _dcmkit.transfer_syntax_flags(self._ds.transfer_syntax) & _dcmkit.TS_BIG_ENDIAN

    @property
    def is_implicit_VR(self) -> bool:  # noqa: N802  (pydicom's spelling)
        """Whether the transfer syntax (as read, or set) is implicit VR (read only)."""
        return not _dcmkit.transfer_syntax_flags(self._ds.transfer_syntax) & _dcmkit.TS_EXPLICIT_VR

    @property
    def file_meta(self) -> "FileMetaDataset":
        """The file meta information (group 0002: as read, set, or completed by the last write), a
        view of this dataset: ds.file_meta.TransferSyntaxUID, iteration, keys(); changes to it are
        changes to this dataset's meta. Assigning a Dataset of group 0002 elements (or another
        file_meta) replaces it. An item has none."""
        return FileMetaDataset._wrap(self._ds)

    @file_meta.setter
    def file_meta(self, meta: "Dataset") -> None:
        if not isinstance(meta, Dataset):
            raise TypeError("file_meta is a Dataset of group 0002 elements, not %s" % type(meta).__name__)
        elements = [(e.tag, e.vr, e.value) for e in meta]
        outside = [t for t, _, _ in elements if t >> 16 != 0x0002]
        if outside:
            raise InvalidArgumentError("the file meta information holds group 0002 only, not %s" % Tag(outside[0]))
        for t, _ in self._ds.meta_elements():
            self._ds.remove(t)
        for t, vr, value in elements:
            self._set(t, value, vr)

    @transfer_syntax.setter
    def transfer_syntax(self, value):
        try:
            self._ds.transfer_syntax = value
        except UnsupportedError as e:
            raise _in_python_terms(e) from None

    def save(self, path, transfer_syntax=None, *, part10=True, atomic=True, fsync=True, deflate_level=-1):
        """Writes the dataset to `path` (atomically: temporary file, fsync, rename).

        transfer_syntax: a UID, a keyword or an alias ("implicit", "explicit", "big", "deflate");
        None keeps the one the dataset was read in.
        """
        try:
            self._ds.write_file(_os.fspath(path), transfer_syntax, part10, atomic, fsync, deflate_level)
        except UnsupportedError as e:
            raise _in_python_terms(e) from None

    save_as = save

    def to_bytes(self, transfer_syntax=None, *, part10=True, deflate_level=-1):
        """The encoded file (Part 10 unless part10=False) as bytes."""
        try:
            return self._ds.write_memory(transfer_syntax, part10, deflate_level)
        except UnsupportedError as e:
            raise _in_python_terms(e) from None

    def to_json(self, pretty=False):
        """DICOM JSON (PS3.18 Annex F) text."""
        return self._ds.to_json(pretty)

    def to_json_dict(self):
        """DICOM JSON as parsed Python structures (pydicom's method name)."""
        return _json.loads(self._ds.to_json(False))

    @classmethod
    def from_json(cls, data) -> "Dataset":
        """A Dataset from DICOM JSON: text, UTF-8 bytes or the parsed dict (pydicom's
        Dataset.from_json; dcmkit.from_json)."""
        return from_json(data)


class FileMetaDataset(Dataset):
    """The file meta information (group 0002) of a dataset, as Dataset.file_meta gives it: a view
    of that dataset's meta (keywords, tags, iteration, keys(), dir()); its encoding goes with the
    dataset (ds.save). copy() gives a detached FileMetaDataset."""

    __slots__ = ()

    def _elements(self) -> "list":
        return self._ds.meta_elements()

    def __len__(self) -> int:
        return len(self._ds.meta_elements())

    def _set(self, t, value, vr=None):
        if int(t) >> 16 != 0x0002:
            raise InvalidArgumentError("the file meta information holds group 0002 only, not %s" % Tag(t))
        Dataset._set(self, t, value, vr)

    def copy(self) -> "FileMetaDataset":
        meta = FileMetaDataset()
        for e in self:
            meta._set(e.tag, e.value, e.vr)
        return meta

    __copy__ = copy

    def __deepcopy__(self, memo):
        return self.copy()

    def __reduce__(self):
        return (_file_meta_from_list, ([(int(e.tag), e.vr, e.value) for e in self],))

    def _not_alone(self, *args, **kwargs):
        raise TypeError("the file meta information is encoded with its dataset (Dataset.save, to_bytes)")

    save = save_as = to_bytes = to_json = to_json_dict = transcode = _not_alone


def _file_meta_from_list(elements):
    meta = FileMetaDataset()
    for t, vr, value in elements:
        meta._set(t, value, vr)
    return meta


def _in_python_terms(e):
    """The same error, its message naming the Python methods instead of the C functions."""
    text = str(e).replace("dk_dataset_transcode", "Dataset.transcode()").replace(
        "dk_dataset_set_transfer_syntax", "Dataset.transfer_syntax")
    if text == str(e):
        return e
    out = type(e)(text)
    out.code, out.kind, out.offset = e.code, e.kind, e.offset
    return out


def _window(window):
    """(center, width) as floats, or None."""
    if window is None:
        return None
    try:
        center, width = window
    except (TypeError, ValueError):
        raise TypeError("window is (center, width), not %r" % (window,)) from None
    return (float(center), float(width))


# -- reading -----------------------------------------------------------------------------------------

def read(path, stop_before_pixels=False, *, map_file=True, max_depth=64, keep_un=False):
    """Reads a DICOM file (Part 10, or a raw dataset whose transfer syntax is inferred).

    stop_before_pixels: leave out Pixel Data and whatever follows it.
    map_file: borrow values from a memory map (large files open in a few MB).
    keep_un: keep elements encoded as UN as bytes (by default one whose VR the public or private
    dictionary knows is read with that VR, as pydicom does, and `ds.warnings` says so).
    Raises ParseError (not DICOM, truncated…), NotFoundError or IoError.
    """
    return Dataset._wrap(_dcmkit.read_file(_os.fspath(path), stop_before_pixels, map_file, max_depth, keep_un))


dcmread = read


def read_bytes(data, stop_before_pixels=False, *, max_depth=64, keep_un=False):
    """Reads a DICOM file from bytes (or any bytes-like object); the bytes are copied."""
    return Dataset._wrap(_dcmkit.read_memory(data, stop_before_pixels, max_depth, keep_un))


# Dataset.warning_flags bits (the C ABI's DK_WARN_*).
WARN_SYNTAX_MISMATCH = 0x1
WARN_UN_RETYPED = 0x2


def private_tag_info(creator, tag):
    """(vr, keyword, name) of private data element `tag` in the block of `creator` (the value of its
    (gggg,00xx)) from the vendors' private dictionary, or None when unknown."""
    return _dcmkit.private_tag_info(creator, int(_as_tag(tag)))


def from_json(text):
    """A Dataset from DICOM JSON text (str or UTF-8 bytes) or from its parsed form (a dict)."""
    if isinstance(text, dict):
        text = _json.dumps(text)
    elif isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8")
    return Dataset._wrap(_dcmkit.from_json(text))


# -- de-identification (PS3.15 Annex E) ---------------------------------------------------------------

DeidReport = _namedtuple("DeidReport", "removed emptied replaced kept cleaned uids_remapped burned_in_flagged "
                                       "date_offset_days patient_pseudonym")


def _deid_key(key):
    if isinstance(key, (bytes, bytearray, memoryview)):
        return bytes(key)
    with open(_os.fspath(key), "rb") as f:  # a key file's path
        return f.read()


def _deid_list(names):
    return names if isinstance(names, str) else ",".join(names)


def deidentify(ds, key, *, retain=(), clean=(), burned_in="refuse"):
    """De-identifies `ds` in place by PS3.15 Table E.1-1 (the Basic Application Level
    Confidentiality Profile) and the options named, and returns a DeidReport.

    key: bytes (at least 16) or the path of a key file; the same key gives the same UIDs, Patient
    IDs and date shifts across files, runs and machines.
    retain: any of "safe-private", "uids", "device", "institution", "patient-chars", "full-dates",
    "modified-dates" (a list, or a comma-separated string).
    clean: any of "descriptors", "structured-content", "graphics".
    burned_in: "refuse" (UnsupportedError when the pixels likely hold text, ds unchanged), "flag"
    (report.burned_in_flagged) or "ignore".
    """
    r = _dcmkit.deidentify(ds._ds, _deid_key(key), _deid_list(retain), _deid_list(clean), burned_in)
    return DeidReport(**r)


def deid_uid(key, uid):
    """The UID `uid` becomes under `key` (bytes or a key file's path), as deidentify maps it."""
    return _dcmkit.deid_uid(_deid_key(key), uid)


DeidFileResult = _namedtuple("DeidFileResult", "input output status message burned_in_flagged burned_in_reason")
_DEID_FILE_STATUS = ("written", "skipped", "refused", "failed")


def deidentify_files(inputs, output, key, *, retain=(), clean=(), burned_in="refuse", jobs=0, fsync=True,
                     copy_range=False, progress=None):
    """De-identifies files (not folders) into the folder `output` as `dcmkit deidentify` does, several
    at once on threads (jobs: 0 = the hardware threads), and returns a DeidFileResult per input, in
    input order: .status is "written" (as .output, "<new SOP Instance UID>.dcm"), "skipped" (not
    DICOM), "refused" (burned-in text likely) or "failed", with .message saying why. The files and
    results do not depend on the threads; of two inputs that are the same instance the first is
    written. key, retain, clean, burned_in as for deidentify. fsync=False leaves the files to the
    page cache; copy_range=True copies the pixel data with copy_file_range (a clone on XFS or Btrfs).
    progress(done, total, input, status) is called once per input, in input order, from a worker
    thread; an exception it raises is raised when all files are done.
    Raises InvalidArgumentError for a bad key or options (before any file is read), IoError when the
    output folder cannot be made or flushed."""
    if isinstance(inputs, (str, _os.PathLike)):
        inputs = [inputs]
    cb = None
    if progress is not None:
        def cb(done, total, path, status):
            progress(done, total, path, _DEID_FILE_STATUS[status])
    rs = _dcmkit.deidentify_files([_os.fspath(p) for p in inputs], _os.fspath(output), _deid_key(key),
                                  _deid_list(retain), _deid_list(clean), burned_in, int(jobs), bool(fsync),
                                  bool(copy_range), cb)
    return [DeidFileResult(r["input"], r["output"], _DEID_FILE_STATUS[r["status"]], r["message"],
                           r["burned_in_flagged"], r["burned_in_reason"]) for r in rs]


__all__ += ["deidentify", "deidentify_files", "deid_uid", "DeidReport", "DeidFileResult"]


MediaExportResult = _namedtuple("MediaExportResult", "exported patients studies series skipped refused")
MediaExportReport = _namedtuple("MediaExportReport", "counts files skipped refused warnings dicomdir iso")


def export_media(output, inputs=(), *, archive=None, patients=(), studies=(), key=None, retain=(), clean=(),
                 burned_in="refuse", refusal_is_fatal=False, fileset_id="", iso=None, volume_label="", fsync=True,
                 progress=None):
    """Writes the instances picked to the media folder `output` (new or empty) as
    DICOM/Pnnnnnnn/Snnnnnnn/Rnnnnnnn/Innnnnnn with its DICOMDIR, and an ISO image when `iso` is given
    (xorriso on PATH). Returns a MediaExportResult.

    inputs: files and folders; archive: an archive's storage folder (index.sqlite);
    patients, studies: Patient IDs and Study Instance UIDs to export (none: every input file).
    key: bytes or a key file's path: de-identify each instance (retain, clean, burned_in as for
    deidentify); an instance refused is left out (counted in .refused) unless refusal_is_fatal.
    progress(done, total, path): called before each instance; returning False cancels.
    A failure (InvalidArgumentError for a folder that is not empty, NotFoundError for a patient
    that selects nothing or no xorriso, …) removes what was written.
    """
    if isinstance(inputs, (str, _os.PathLike)):
        inputs = [inputs]
    r = _dcmkit.export_media(_os.fspath(output), [_os.fspath(p) for p in inputs],
                             _os.fspath(archive) if archive is not None else "", list(patients), list(studies),
                             _deid_key(key) if key is not None else None, _deid_list(retain), _deid_list(clean),
                             burned_in, bool(refusal_is_fatal), fileset_id, _os.fspath(iso) if iso is not None else "",
                             volume_label, bool(fsync), progress)
    return MediaExportResult(**r)


def export_media_report(output, inputs=(), *, archive=None, patients=(), studies=(), key=None, retain=(), clean=(),
                        burned_in="refuse", refusal_is_fatal=False, fileset_id="", iso=None, volume_label="",
                        fsync=True, progress=None):
    """Exports as export_media (same arguments, same errors) and says what happened to each file:
    returns a MediaExportReport, whose .files lists (source path, File ID written) for each instance,
    .skipped the inputs left out with why (not DICOM, unreadable), .refused the instances the
    de-identification refused with its reason, .warnings the DICOMDIR's warnings; .counts is the
    MediaExportResult export_media returns."""
    if isinstance(inputs, (str, _os.PathLike)):
        inputs = [inputs]
    r = _dcmkit.export_media_report(_os.fspath(output), [_os.fspath(p) for p in inputs],
                                    _os.fspath(archive) if archive is not None else "", list(patients), list(studies),
                                    _deid_key(key) if key is not None else None, _deid_list(retain), _deid_list(clean),
                                    burned_in, bool(refusal_is_fatal), fileset_id,
                                    _os.fspath(iso) if iso is not None else "", volume_label, bool(fsync), progress)
    return MediaExportReport(counts=MediaExportResult(**r["counts"]), files=r["files"], skipped=r["skipped"],
                             refused=r["refused"], warnings=r["warnings"], dicomdir=r["dicomdir"], iso=r["iso"])


__all__ += ["export_media", "export_media_report", "MediaExportResult", "MediaExportReport"]


# -- networking (the package net/): AE, associations, servers; UIDs by keyword (uid.py, every UID of
#    the registry; sop.py, the SOP classes and COMMON_STORAGE), generated from the registry ---------

from . import sop, uid  # noqa: E402
from .net import (  # noqa: E402
    AE, Association, AssociationEvent, FindEvent, FindResult, NResult, PresentationContext, RetrieveResult, Server, StoreEvent,
    connect, evt, CommitItem, CommitResult, CommitmentListener, NEvent, RetrieveEvent, FindResponses, Status,
)

__all__ += ["AE", "Association", "AssociationEvent", "PresentationContext", "Server", "StoreEvent", "connect",
            "evt", "FindResult", "RetrieveResult", "NResult", "FindEvent", "CommitItem", "CommitResult",
            "CommitmentListener", "RetrieveEvent", "NEvent", "FindResponses", "Status"]

# -- the embedded archive server (archive.py) -------------------------------------------------------

from .archive import Archive, StoredInstance  # noqa: E402
from .web import WebClient, WebFile, WebPart, WebStored, WebStoreResult  # noqa: E402

__all__ += ["Archive", "StoredInstance"]
__all__ += ["WebClient", "WebFile", "WebPart", "WebStored", "WebStoreResult"]


# -- HL7 v2 over MLLP --------------------------------------------------------------------------------

def hl7_send(host, port, message, *, timeout=30.0, encoding="utf-8"):
    """Sends one HL7 v2 message over MLLP to host:port (a new connection) and returns the reply, the
    acknowledgement, without its framing: `dcmkit hl7 send` as a call.

    message: bytes, sent as they are, or str, encoded with `encoding` (which should be the character
    set the message's MSH-18 names; UTF-8 by default); segments end with "\r". The reply is bytes
    for bytes, str (decoded with `encoding`) for str. Raises NetworkError when the connection fails
    or closes before a reply, NetworkTimeoutError after `timeout` seconds without one, ProtocolError for
    a reply that is not an MLLP frame."""
    as_text = isinstance(message, str)
    data = message.encode(encoding) if as_text else bytes(message)
    reply = _dcmkit.hl7_send(host, int(port), data, max(1, int(timeout * 1000)))
    return reply.decode(encoding) if as_text else reply


__all__ += ["hl7_send"]

from .dicomdir import DicomDir, DicomDirRecord  # noqa: E402

__all__ += ["DicomDir", "DicomDirRecord"]
