"""Storage Commitment (PS3.4 Annex J) from Python: Association.commit() and CommitmentListener against
`dcmkit serve` (the CLI's archive, which checks each instance's SHA-256 against its index) started
as a subprocess; and the argument errors.

Golden values: the statuses and reasons of PS3.4 J.3.2.1.1.1 / J.3.3.1 (event type 1 all committed,
2 some failed; 0110H Processing failure for a file altered on disk, 0112H No such object instance)
and the instances stored first. The CLI is $DCMKIT_CLI, else the build's bin/dcmkit; the cases that
need it skip without it. Every peer listens on 127.0.0.1 on a free port, is stopped by its PID, and
every wait is bounded.
"""

import os

import pytest

import dcmkit
from conftest import CLI, free_port, needs_cli

SC = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage
STUDY = "1.2.826.0.1.3680043.2.1125.82.1"
UNKNOWN = "1.2.826.0.1.3680043.2.1125.82.404"  # never stored
SCU_AE = "PYCOMMIT"


def instance(n):
    ds = dcmkit.Dataset()
    ds.SOPClassUID = SC
    ds.SOPInstanceUID = dcmkit.generate_uid()
    ds.PatientName = "COMMIT^PYTHON"
    ds.PatientID = "CMPY1"
    ds.StudyDate = "20260101"
    ds.Modality = "OT"
    ds.StudyInstanceUID = STUDY
    ds.SeriesInstanceUID = STUDY + ".1"
    ds.InstanceNumber = n
    return ds


@pytest.fixture
def listener():
    """The SCU's listener (AE PYCOMMIT) on a free port of 127.0.0.1, started before any request."""
    with dcmkit.CommitmentListener(SCU_AE, port=0, address="127.0.0.1") as lst:
        yield lst


@pytest.fixture
def archive(tmp_path, listener, start_peer):
    """`dcmkit serve` (AE ARCH) holding 3 instances, sending reports for PYCOMMIT to the listener:
    (port, storage folder, [datasets], [paths of the same instances])."""
    store_dir = tmp_path / "archive"
    store_dir.mkdir()
    port = free_port()
    port = start_peer("serve", [CLI, "serve", str(port), "--storage", str(store_dir), "-aet", "ARCH",
                                "--dest", "%s=127.0.0.1:%d" % (SCU_AE, listener.port)], port)
    datasets = [instance(n) for n in (1, 2, 3)]
    paths = []
    for n, ds in enumerate(datasets):
        path = tmp_path / ("sc%d.dcm" % n)
        ds.save(path, fsync=False)
        paths.append(path)
    with dcmkit.connect("127.0.0.1", port, calling=SCU_AE, called="ARCH", contexts=[SC], timeout=20) as assoc:
        for ds in datasets:
            assert assoc.store(ds) == 0
    return port, store_dir, datasets, paths


def flip_last_byte(path):
    """Alters a stored file (its last byte, in the pixel data): its SHA-256 no longer matches."""
    with open(path, "r+b") as f:
        f.seek(-1, os.SEEK_END)
        b = f.read(1)
        f.seek(-1, os.SEEK_END)
        f.write(bytes([b[0] ^ 0xFF]))


def connect(port):
    return dcmkit.connect("127.0.0.1", port, calling=SCU_AE, called="ARCH", contexts=[], commitment=True,
                          timeout=20)


@needs_cli
def test_report_on_the_same_association(archive):
    port, _, datasets, paths = archive
    uids = [str(ds.SOPInstanceUID) for ds in datasets]
    with connect(port) as assoc:
        # A path, a Dataset and a (class, instance) pair.
        result = assoc.commit([paths[0], datasets[1], (SC, uids[2])], wait=20)
        assert assoc.is_established
        assert assoc.echo() == 0
    assert result.action_status == 0x0000
    assert result.report_received
    assert result.event_type == 1
    assert dcmkit.generate_uid() != result.transaction_uid and result.transaction_uid.startswith("2.25.")
    assert sorted(result.committed) == sorted(dcmkit.CommitItem(SC, u, 0) for u in uids)
    assert result.failed == []
    assert "event_type=1" in repr(result)


@needs_cli
def test_altered_file_and_unknown_instance_fail_with_their_reasons(archive):
    port, store_dir, datasets, _ = archive
    uids = [str(ds.SOPInstanceUID) for ds in datasets]
    flip_last_byte(store_dir / "files" / (uids[1] + ".dcm"))
    with connect(port) as assoc:
        result = assoc.commit([(SC, uids[0]), (SC, uids[1]), (SC, UNKNOWN)], wait=20)
    assert result.action_status == 0x0000
    assert result.report_received
    assert result.event_type == 2
    assert result.committed == [dcmkit.CommitItem(SC, uids[0], 0)]
    reasons = {item.sop_instance_uid: item.failure_reason for item in result.failed}
    assert reasons == {uids[1]: 0x0110, UNKNOWN: 0x0112}
    assert all(item.sop_class_uid == SC for item in result.failed)


@needs_cli
def test_report_through_the_listener(archive, listener):
    port, _, datasets, _ = archive
    with connect(port) as assoc:
        result = assoc.commit(datasets, wait=0)  # released at once, as IHE modalities do
        assert result.action_status == 0x0000
        assert not result.report_received
        assert result.event_type == 0 and result.committed == [] and result.failed == []
    # The archive sends the report on a new association to PYCOMMIT, i.e. to the listener.
    assert listener.wait(result, timeout=30)
    assert result.report_received
    assert result.event_type == 1
    assert sorted(i.sop_instance_uid for i in result.committed) == sorted(str(ds.SOPInstanceUID) for ds in datasets)
    assert result.failed == []
    assert listener.wait(result, timeout=0)  # it already has its report


@needs_cli
def test_listener_hands_out_reports_by_transaction(archive, listener):
    port, _, datasets, _ = archive
    results = []
    for ds in datasets[:2]:
        with connect(port) as assoc:
            results.append(assoc.commit(ds, wait=0))
    assert results[0].transaction_uid != results[1].transaction_uid
    # Asked for in the other order: each gets its own report.
    for r, ds in ((results[1], datasets[1]), (results[0], datasets[0])):
        assert listener.wait(r, timeout=30)
        assert [i.sop_instance_uid for i in r.committed] == [str(ds.SOPInstanceUID)]
    # A listener the archive does not send to: no report in time is no error.
    with dcmkit.CommitmentListener("PYOTHER", address="127.0.0.1") as other:
        with connect(port) as assoc:
            pending = assoc.commit(datasets[2], wait=0)
        assert not other.wait(pending, timeout=0.3)
        assert not pending.report_received
    assert listener.wait(pending, timeout=30)


@needs_cli
def test_bad_input(archive, tmp_path):
    port, _, datasets, _ = archive
    with connect(port) as assoc:
        with pytest.raises(dcmkit.InvalidArgumentError, match="no instance to commit"):
            assoc.commit([])
        with pytest.raises(dcmkit.InvalidArgumentError, match=r"sop_instance_uids\[1\] '1\.2\.abc' is not a UID"):
            assoc.commit([(SC, str(datasets[0].SOPInstanceUID)), (SC, "1.2.abc")])
        with pytest.raises(dcmkit.InvalidArgumentError, match=r"sop_class_uids\[0\]"):
            assoc.commit([("not a uid", str(datasets[0].SOPInstanceUID))])
        with pytest.raises(ValueError, match="pair"):
            assoc.commit([(SC,)])
        with pytest.raises(dcmkit.DicomError):
            assoc.commit([tmp_path / "missing.dcm"])
        # Nothing was sent: the association goes on.
        assert assoc.commit([datasets[0]], wait=20).event_type == 1
    # Without the Storage Commitment context: refused, the association stays usable.
    with dcmkit.connect("127.0.0.1", port, calling=SCU_AE, called="ARCH", contexts=[], timeout=20) as assoc:
        with pytest.raises(dcmkit.NetworkError) as e:
            assoc.commit([datasets[0]])
        assert e.value.kind == "refused"
        assert assoc.echo() == 0


def test_listener_misuse():
    with dcmkit.CommitmentListener("PYLISTEN", address="127.0.0.1") as lst:
        assert lst.port > 0
        assert "PYLISTEN" in repr(lst)
    with pytest.raises(ValueError, match="closed"):
        lst.wait(None, 0)
    lst.close()  # idempotent
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.CommitmentListener("A\\B")
