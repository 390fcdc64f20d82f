"""dcmkit.DicomDir: a file-set's DICOMDIR (PS3.10 Media Storage Directory) — its record tree, the
files it references, and writing one.

    import dcmkit

    d = dcmkit.DicomDir("/media/cd/DICOMDIR")
    for patient in d.roots:                        # DicomDirRecord objects
        print(patient.type, patient.dataset.PatientName)
        for study in patient.children:
            for series in study.children:
                for leaf in series.children:      # IMAGE, SR DOCUMENT, RT DOSE…
                    ds = dcmkit.read(leaf.path)

    dcmkit.DicomDir.create("/media/out", fileset_id="DISC_1")   # -> (added, already_present)
    dcmkit.DicomDir.add("/media/out/DICOMDIR", ["/media/out/NEW/IM1"])
"""

import os as _os

from . import _dcmkit

__all__ = ["DicomDir", "DicomDirRecord"]


class DicomDirRecord:
    """One directory record: its type, its keys (a Dataset), the records below it, its file."""

    __slots__ = ("_dir", "index")

    def __init__(self, dicomdir, index):
        self._dir = dicomdir
        self.index = index

    @property
    def type(self):
        """Directory Record Type (0004,1430): "PATIENT", "STUDY", "SERIES", "IMAGE"…"""
        return self._dir._d.type(self.index)

    @property
    def in_use(self):
        return self._dir._d.in_use(self.index)

    @property
    def dataset(self):
        """The record's item (PatientID, StudyInstanceUID… and the record elements), a copy."""
        from . import Dataset
        return Dataset._wrap(self._dir._d.dataset(self.index))

    @property
    def children(self):
        return [DicomDirRecord(self._dir, i) for i in self._dir._d.children(self.index)]

    @property
    def parent(self):
        p = self._dir._d.parent(self.index)
        return None if p is None else DicomDirRecord(self._dir, p)

    @property
    def path(self):
        """The referenced file's path (the DICOMDIR's folder joined with its File ID), or None."""
        try:
            return self._dir._d.file_path(self.index)
        except _dcmkit.NotFoundError:
            return None

    def __eq__(self, other):
        return isinstance(other, DicomDirRecord) and other._dir is self._dir and other.index == self.index

    def __hash__(self):
        return hash((id(self._dir), self.index))

    def __repr__(self):
        return "<dcmkit.DicomDirRecord %d %s>" % (self.index, self.type)


class DicomDir:
    """A DICOMDIR read into its record tree. Iterating gives every record, depth first."""

    def __init__(self, path):
        self._d = _dcmkit._DicomDir(_os.fspath(path))

    @classmethod
    def from_bytes(cls, data):
        d = object.__new__(cls)
        d._d = _dcmkit._DicomDir.from_memory(data)
        return d

    @property
    def fileset_id(self):
        return self._d.fileset_id

    @property
    def roots(self):
        """The top-level records (usually the patients)."""
        return [DicomDirRecord(self, i) for i in self._d.children(None)]

    def __len__(self):
        return len(self._d)

    def __iter__(self):
        stack = list(reversed(self.roots))
        while stack:
            r = stack.pop()
            yield r
            stack.extend(reversed(r.children))

    def records(self, type=None):
        """Every record (of `type`, e.g. "SERIES", when given), depth first."""
        return [r for r in self if type is None or r.type == type]

    @staticmethod
    def create(root, fileset_id="", output=None, map_nonconforming=True):
        """Writes ROOT/DICOMDIR (or `output`) for every Part 10 file under folder `root`. A file
        whose path is no File ID (PS3.10 8.2) is copied to DICOM/Dnnnnnnn/Innnnnnn (or, with
        map_nonconforming=False, raises InvalidArgumentError). Returns (added, already_present)."""
        return _dcmkit._DicomDir.create(_os.fspath(root), fileset_id or "", _os.fspath(output) if output else "",
                                        bool(map_nonconforming))

    @staticmethod
    def add(dicomdir, files, fileset_id="", output=None, map_nonconforming=True):
        """Adds files (or folders) under the DICOMDIR's folder to it. Returns (added, already_present)."""
        return _dcmkit._DicomDir.add(_os.fspath(dicomdir), [_os.fspath(f) for f in files], fileset_id or "",
                                     _os.fspath(output) if output else "", bool(map_nonconforming))
