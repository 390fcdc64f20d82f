"""dcmkit.WebClient: a DICOMweb client (PS3.18) — STOW-RS store, QIDO-RS search, WADO-RS retrieve.

    import dcmkit

    web = dcmkit.WebClient("http://pacs:8042/dicom-web", token="...")   # or user=, password=
    result = web.store(["a.dcm", "b.dcm"])          # one streamed multipart/related request
    for study in web.search(PatientName="DOE*", StudyDate="2024-", includefield=["StudyDescription"]):
        print(study.StudyInstanceUID)
    files = web.retrieve(study_uid, out="out")       # each instance streamed to out/SOPInstanceUID.dcm
    metadata = web.metadata(study_uid, series_uid)   # datasets
    frames = web.frames(study_uid, series_uid, sop_uid, [1, 2])   # bytes
    web.rendered(study_uid, series_uid, sop_uid, "a.png")

Failures raise the exceptions of the rest of dcmkit: NotFoundError for 404, RefusedError for other
HTTP statuses (the message names the status and the server's reason), NetworkError when the server
cannot be reached, NetworkTimeoutError, ParseError for an answer cut short or that does not parse.
"""

import os as _os

from . import _dcmkit

__all__ = ["WebClient", "WebStored", "WebStoreResult", "WebFile", "WebPart"]

WebStored = _dcmkit.WebStored
WebStoreResult = _dcmkit.WebStoreResult
WebFile = _dcmkit.WebFile
WebPart = _dcmkit.WebPart

def _datasets(handles):
    from . import Dataset  # the package's class (defined before this module is imported)
    return [Dataset._wrap(h) for h in handles]


_FRAME_TYPES = {"raw": "application/octet-stream", "jpeg": "image/jpeg", "jls": "image/jls", "jp2": "image/jp2",
                "jpx": "image/jpx", "jph": "image/jph", "jphc": "image/jphc", "rle": "image/dicom-rle"}

_LEVELS = {"study": 0, "studies": 0, "series": 1, "instance": 2, "instances": 2, "image": 2}


class WebClient:
    """A DICOMweb client for the service at `base_url` (e.g. "https://pacs/dicom-web")."""

    def __init__(self, base_url, *, token=None, user=None, password=None, timeout=None, connect_timeout=10.0,
                 stall_timeout=60, verify=True, ca_file=None, ca_path=None, cert=None, key=None, key_password=None):
        if token and user:
            raise TypeError("token and user exclude each other")
        self._c = _dcmkit._WebClient(
            str(base_url), connect_timeout_ms=int(connect_timeout * 1000), timeout_ms=int((timeout or 0) * 1000),
            stall_timeout_s=int(stall_timeout), verify_peer=bool(verify), verify_host=bool(verify),
            ca_file=_os.fspath(ca_file) if ca_file else "", ca_path=_os.fspath(ca_path) if ca_path else "",
            client_cert=_os.fspath(cert) if cert else "", client_key=_os.fspath(key) if key else "",
            key_password=key_password or "", bearer_token=token or "", username=user or "", password=password or "")

    def store(self, paths, study_uid=None, *, json=False, bulk_data_threshold=1024):
        """STOW-RS of these Part 10 files (a path or a list of paths), streamed; returns a WebStoreResult
        (http_status, stored, failed). json=True (or every path a .json file) sends DICOM JSON
        (application/dicom+json), binary values over bulk_data_threshold bytes as bulk data parts."""
        if isinstance(paths, (str, bytes)) or hasattr(paths, "__fspath__"):
            paths = [paths]
        paths = [_os.fspath(p) for p in paths]
        if json or (paths and all(p.lower().endswith(".json") for p in paths)):
            return self._c.store_json(paths, study_uid or "", int(bulk_data_threshold))
        return self._c.store(paths, study_uid or "")

    def search(self, level="study", *, study_uid=None, series_uid=None, includefield=(), limit=None, offset=0,
               fuzzy=False, **keys):
        """QIDO-RS: the matching studies, series or instances as datasets. Match keys as keywords
        (PatientName="DOE*") or a dict of keywords or tags ("00100020") in `keys`."""
        if level not in _LEVELS:
            raise ValueError("level is study, series or instance, not %r" % (level,))
        match = ["%s=%s" % (k, v) for k, v in keys.items()]
        if isinstance(includefield, str):
            includefield = [includefield]
        found = self._c.search(_LEVELS[level], study_uid or "", series_uid or "", match, list(includefield),
                               -1 if limit is None else int(limit), int(offset), bool(fuzzy))
        return _datasets(found)

    def retrieve(self, study_uid, series_uid=None, instance_uid=None, *, out, transfer_syntax=None, on_file=None):
        """WADO-RS: the study (series, instance) written to folder `out` as SOPInstanceUID.dcm; returns
        the WebFile list. `on_file(WebFile)` is called as each file completes."""
        return self._c.retrieve(study_uid, series_uid or "", instance_uid or "", _os.fspath(out), transfer_syntax or "",
                                on_file)

    def metadata(self, study_uid, series_uid=None, instance_uid=None, *, out=None):
        """WADO-RS metadata: a dataset per instance (bulk data left empty); with `out`, the DICOM JSON is
        streamed into that file as the server sends it, and the number of instances returned."""
        if out is not None:
            return self._c.metadata_file(study_uid, series_uid or "", instance_uid or "", _os.fspath(out))
        return _datasets(self._c.metadata(study_uid, series_uid or "", instance_uid or ""))

    def frames(self, study_uid, series_uid, instance_uid, numbers, transfer_syntax=None, *, out=None, frame_type=None):
        """WADO-RS frames (numbers from 1) as bytes, in the order asked. With `out` (a folder), each frame
        is streamed to out/frame_N.EXT and a WebPart list returned; `frame_type` asks for a compressed
        syntax ("jls", "jpeg", "jp2", "jph", "rle", a media type or a whole Accept header)."""
        if isinstance(numbers, int):
            numbers = [numbers]
        numbers = [int(n) for n in numbers]
        if out is not None:
            accept = frame_type or ""
            if transfer_syntax:
                if "multipart/" in accept:
                    raise ValueError("give the transfer syntax inside the Accept header")
                accept = 'multipart/related; type="%s"; transfer-syntax=%s' % (
                    _FRAME_TYPES.get(accept or "raw", accept), transfer_syntax)
            return self._c.frames_dir(study_uid, series_uid, instance_uid, numbers, _os.fspath(out), accept)
        if frame_type:
            raise TypeError("frame_type needs out= (frames in a compressed syntax are written to files)")
        return self._c.frames(study_uid, series_uid, instance_uid, numbers, transfer_syntax or "")

    def rendered_images(self, study_uid, series_uid=None, instance_uid=None, *, out, frame=0, media_type="image/jpeg",
                        params=""):
        """WADO-RS rendered: an instance, a series or a study (a multipart answer), each image streamed
        to out/rendered_N.EXT; returns the WebPart list."""
        return self._c.rendered_dir(study_uid, series_uid or "", instance_uid or "", _os.fspath(out), media_type, int(frame),
                                    params)

    def bulkdata(self, uri, path, *, first=0, length=0):
        """A BulkDataURI (absolute, or relative to the base URL) streamed to `path`: `length` bytes from
        `first` (a Range request; 0 = to the end). Returns the file's size."""
        return self._c.bulkdata_file(uri, _os.fspath(path), int(first), int(length))

    def rendered(self, study_uid, series_uid, instance_uid, path, *, frame=0, media_type=None, params=""):
        """WADO-RS rendered image written to `path` (PNG for a .png path, else JPEG); returns its size."""
        path = _os.fspath(path)
        if media_type is None:
            media_type = "image/png" if path.lower().endswith(".png") else "image/jpeg"
        return self._c.rendered_file(study_uid, series_uid, instance_uid, path, media_type, int(frame), params)
