"""A Python server answering C-MOVE, C-GET and DIMSE-N through its handlers ("on_move", "on_get",
"n_create", "n_set", "n_action"): DCMTK's movescu moves to a storescp the test starts, DCMTK's getscu
retrieves on its association, our own SCU sends the DIMSE-N requests (Debian's DCMTK has no MPPS SCU).

Every peer listens on 127.0.0.1 on a free port, runs with TCP_NODELAY=1, is stopped by its PID, and
every wait is bounded.
"""

import os
import shutil
import subprocess
import sys

import pytest

import dcmkit
from conftest import free_port

SC = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage
STUDY = "1.2.826.0.1.3680043.2.1125.82.1"
TOOLS = all(shutil.which(t) for t in ("storescp", "movescu", "getscu"))
needs_tools = pytest.mark.skipif(not TOOLS, reason="DCMTK (storescp, movescu, getscu) is not installed")


def run_dcmtk(args, timeout=60):
    env = dict(os.environ, TCP_NODELAY="1")
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def make_files(folder, n=2):
    """n Secondary Capture files of STUDY in `folder`: (paths, SOP Instance UIDs)."""
    paths, uids = [], []
    for i in range(n):
        ds = dcmkit.Dataset()
        ds.SOPClassUID = SC
        ds.SOPInstanceUID = dcmkit.generate_uid()
        ds.PatientName = "SCP^PYTHON"
        ds.Modality = "OT"
        ds.StudyInstanceUID = STUDY
        ds.SeriesInstanceUID = STUDY + ".1"
        path = str(folder / ("in%d.dcm" % i))
        ds.save(path, fsync=False)
        paths.append(path)
        uids.append(ds.SOPInstanceUID)
    return paths, uids


def retrieve_ae():
    ae = dcmkit.AE("RETRSCP")
    ae.add_verification()
    ae.add_supported_context(dcmkit.sop.StudyRootQueryRetrieveInformationModelMove)
    ae.add_supported_context(dcmkit.sop.StudyRootQueryRetrieveInformationModelGet)
    ae.add_requested_context(SC)  # the C-GET sub-operations
    return ae


@needs_tools
def test_move_scp_to_storescp(tmp_path, start_peer):
    src, dest = tmp_path / "src", tmp_path / "dest"
    src.mkdir()
    dest.mkdir()
    paths, uids = make_files(src)
    dest_port = free_port()
    dest_port = start_peer("storescp", ["storescp", "-aet", "STORESCP", "-od", str(dest), str(dest_port)], dest_port)
    seen = []

    def on_move(event):
        seen.append((event.calling_ae, event.move_destination, event.level, event.identifier.StudyInstanceUID,
                     event.sop_class_uid))
        if event.identifier.StudyInstanceUID == "A701":
            return 0xA701
        if event.identifier.StudyInstanceUID == "FAIL":
            raise RuntimeError("no such archive")
        if event.move_destination != "STORESCP":
            return None, paths  # no address: A801
        return ("127.0.0.1", dest_port), paths

    unraisable = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        with retrieve_ae().start_server(("127.0.0.1", 0), evt_handlers=[(dcmkit.evt.EVT_C_MOVE, on_move)]) as server:
            rc, out = run_dcmtk(["movescu", "-S", "-aet", "MOVESCU", "-aec", "RETRSCP", "-aem", "STORESCP",
                                 "-k", "0008,0052=STUDY", "-k", "0020,000D=" + STUDY, "127.0.0.1", str(server.port)])
            assert rc == 0, out
            assert sorted(os.listdir(dest)) == sorted("SC." + u for u in uids)
            scu = dcmkit.AE("PYSCU", dimse_timeout=20)
            scu.add_query_retrieve()
            with scu.associate("127.0.0.1", server.port, ae_title="RETRSCP") as assoc:
                r = assoc.move("STORESCP", "STUDY", StudyInstanceUID=STUDY)
                assert (r.status, r.completed, r.failed) == (0, 2, 0)
                assert assoc.move("NOWHERE", "STUDY", StudyInstanceUID=STUDY).status == 0xA801
                assert assoc.move("STORESCP", "STUDY", StudyInstanceUID="A701").status == 0xA701
                assert assoc.move("STORESCP", "STUDY", StudyInstanceUID="FAIL").status == 0xC000
    finally:
        sys.unraisablehook = old_hook
    assert seen[0] == ("MOVESCU", "STORESCP", "STUDY", STUDY, dcmkit.sop.StudyRootQueryRetrieveInformationModelMove)
    assert len(seen) == 5
    assert len(unraisable) == 1 and "no such archive" in str(unraisable[0].exc_value)


@needs_tools
def test_get_scp_to_getscu(tmp_path):
    src, dest, mine = tmp_path / "src", tmp_path / "dest", tmp_path / "mine"
    for d in (src, dest, mine):
        d.mkdir()
    paths, uids = make_files(src)
    seen = []

    def on_get(event):
        seen.append((event.calling_ae, event.move_destination, event.identifier.StudyInstanceUID))
        return paths if event.identifier.StudyInstanceUID == STUDY else []

    with retrieve_ae().start_server(("127.0.0.1", 0), handlers={"get": on_get}) as server:
        rc, out = run_dcmtk(["getscu", "-S", "-aet", "GETSCU", "-aec", "RETRSCP", "-od", str(dest),
                             "-k", "0008,0052=STUDY", "-k", "0020,000D=" + STUDY, "127.0.0.1", str(server.port)])
        assert rc == 0, out
        assert sorted(os.listdir(dest)) == sorted("SC." + u for u in uids)
        with dcmkit.connect("127.0.0.1", server.port, calling="PYSCU", called="RETRSCP", query=True, timeout=20) as assoc:
            r = assoc.get(str(mine), "STUDY", StudyInstanceUID=STUDY)
            assert (r.status, r.completed) == (0, 2)
            assert r.stored == 2
            r = assoc.get(str(mine), "STUDY", StudyInstanceUID="1.2.3")
            assert (r.status, r.completed) == (0, 0)
    assert sorted(os.listdir(mine)) == sorted(u + ".dcm" for u in uids)
    assert seen == [("GETSCU", "", STUDY), ("PYSCU", "", STUDY), ("PYSCU", "", "1.2.3")]


def test_n_create_set_action_scp():
    assigned = "1.2.826.0.1.3680043.2.1125.83.1"
    seen = []

    def n_create(event):
        seen.append((event.message, event.sop_class_uid, event.sop_instance_uid, event.dataset.PatientName))
        reply = dcmkit.Dataset()
        reply.PerformedProcedureStepStatus = "IN PROGRESS"
        return 0x0000, reply, assigned

    def n_set(event):
        seen.append((event.message, event.sop_instance_uid, event.dataset.PerformedProcedureStepStatus))
        if event.dataset.PerformedProcedureStepStatus == "BROKEN":
            raise RuntimeError("cannot set")
        return 0x0000 if event.sop_instance_uid == assigned else 0x0112

    ae = dcmkit.AE("NSCP")
    ae.add_verification()
    ae.add_supported_context(dcmkit.sop.ModalityPerformedProcedureStep)
    unraisable = []
    old_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        with ae.start_server(("127.0.0.1", 0), handlers={"n_create": n_create, "n_set": n_set}) as server:
            scu = dcmkit.AE("PYSCU", dimse_timeout=20)
            scu.add_requested_context(dcmkit.sop.ModalityPerformedProcedureStep)
            with scu.associate("127.0.0.1", server.port, ae_title="NSCP") as assoc:
                pps = dcmkit.Dataset()
                pps.PatientName = "DOE^JANE"
                r = assoc.n_create(dcmkit.sop.ModalityPerformedProcedureStep, pps)
                assert r.status == 0 and r.sop_instance_uid == assigned
                assert r.dataset.PerformedProcedureStepStatus == "IN PROGRESS"
                done = dcmkit.Dataset()
                done.PerformedProcedureStepStatus = "COMPLETED"
                assert assoc.n_set(dcmkit.sop.ModalityPerformedProcedureStep, assigned, done).status == 0
                assert assoc.n_set(dcmkit.sop.ModalityPerformedProcedureStep, "1.2.3", done).status == 0x0112
                done.PerformedProcedureStepStatus = "BROKEN"
                assert assoc.n_set(dcmkit.sop.ModalityPerformedProcedureStep, assigned, done).status == 0x0110
                # No n_action handler: Unrecognized operation.
                assert assoc.n_action(dcmkit.sop.ModalityPerformedProcedureStep, assigned, 1,
                                      dcmkit.Dataset()).status == 0x0211
    finally:
        sys.unraisablehook = old_hook
    assert seen[0] == ("N-CREATE", dcmkit.sop.ModalityPerformedProcedureStep, "", "DOE^JANE")
    assert seen[1] == ("N-SET", assigned, "COMPLETED")
    assert len(seen) == 4
    assert len(unraisable) == 1 and "cannot set" in str(unraisable[0].exc_value)
