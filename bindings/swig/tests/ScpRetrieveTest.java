// Java binding tests, continued: a Server whose onMove, onGet and onNRequest are Java code. DCMTK's
// movescu moves a study to a storescp this test starts, getscu gets it back on its association (the
// files are the ones run_with_storescp.sh made with dump2dcm for dcmqrscp, their UIDs as dcmdump
// read them); DIMSE-N requests come from the dcmkit CLI (`dcmkit mpps`) and the binding's own SCU.
import static org.junit.jupiter.api.Assertions.*;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.TimeUnit;
import java.util.stream.*;
import org.dcmkit.*;
import org.junit.jupiter.api.*;

class ScpRetrieveTest {
  static final String STUDY_ROOT_MOVE = "1.2.840.10008.5.1.4.1.2.2.2";
  static final String STUDY_ROOT_GET = "1.2.840.10008.5.1.4.1.2.2.3";
  static final String MPPS = "1.2.840.10008.3.1.2.3.3";
  static final String CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2";  // the class of qr.dump's instances
  static final String ASSIGNED_UID = "1.2.826.0.1.3680043.2.1125.80.1";

  @BeforeAll
  static void load() throws Exception { BindingTest.load(); }

  /** Plans the files of {@code study} (MOVE: to {@code destPort} when the destination is STORESCP,
   *  else 0xA801); throws for the study "THROW"; answers DIMSE-N requests; records what it is asked. */
  static class RetrieveHandler extends ServerHandler {
    final String study;
    final List<String> files;
    final int destPort;
    final List<String> seen = Collections.synchronizedList(new ArrayList<>());   // "move|level|destination|study|class|calling"
    final List<String> nSeen = Collections.synchronizedList(new ArrayList<>());  // "message|class|instance|type|status value or -"
    final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    volatile RetrievePlan keptPlan;
    volatile NReply keptReply;

    RetrieveHandler(String study, List<String> files, int destPort) {
      this.study = study;
      this.files = files;
      this.destPort = destPort;
    }

    int plan(String kind, RetrieveInfo info, Dataset identifier, RetrievePlan plan) throws Exception {
      keptPlan = plan;
      threads.add(Thread.currentThread().getName());
      String s;
      try (identifier) {
        s = identifier.getString("StudyInstanceUID");
      }
      seen.add(kind + "|" + info.getLevel() + "|" + info.getMoveDestination() + "|" + s + "|" + info.getSopClassUid() + "|"
               + info.getCallingAe());
      if (s.equals("THROW")) throw new java.io.IOException(kind + " refused by the test");
      if (!s.equals(study)) return 0xA900;  // not ours: Identifier does not match SOP Class
      for (String f : files) plan.addFile(f);
      if (kind.equals("move")) {
        if (!info.getMoveDestination().equals("STORESCP")) return 0xA801;  // Move Destination unknown
        plan.setDestination("127.0.0.1", destPort);
      }
      return plan.fileCount() == files.size() ? 0 : 0xC000;
    }
    @Override
    public int onMove(RetrieveInfo info, Dataset identifier, RetrievePlan plan) throws Exception {
      return plan("move", info, identifier, plan);
    }
    @Override
    public int onGet(RetrieveInfo info, Dataset identifier, RetrievePlan plan) throws Exception {
      return plan("get", info, identifier, plan);
    }
    @Override
    public int onNRequest(NInfo info, Dataset dataset, NReply reply) throws Exception {
      keptReply = reply;
      String value = "-";
      if (dataset != null) {
        try (dataset) {
          value = dataset.contains("PerformedProcedureStepStatus") ? dataset.getString("PerformedProcedureStepStatus") : "none";
        }
      }
      nSeen.add(String.format("%04X", info.getMessage()) + "|" + info.getSopClassUid() + "|" + info.getSopInstanceUid() + "|"
                + info.getTypeId() + "|" + value);
      if (value.equals("THROW")) throw new IllegalStateException("n request refused by the test");
      switch (info.getMessage()) {
        case NInfo.N_CREATE:
          reply.setInstanceUid(ASSIGNED_UID);
          try (Dataset r = new Dataset()) {
            r.setString("PerformedProcedureStepStatus", "IN PROGRESS");
            r.setString("PerformedStationAETitle", "DKRETR_JAVA");
            reply.setDataset(r);
          }
          return 0;
        case NInfo.N_SET:
          return info.getSopInstanceUid().equals(ASSIGNED_UID) ? 0 : 0x0112;  // No such object instance
        case NInfo.N_ACTION:
          try (Dataset r = new Dataset()) {
            r.setString("RequestedProcedureID", "ACTION-" + info.getTypeId());
            reply.setDataset(r);
          }
          return 0x0107;  // a warning, what the test expects back
        default:
          return 0x0211;  // Unrecognized operation
      }
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A DCMTK storescp (AE STORESCP) writing into {@code folder}, listening on {@code port} once this returns. */
  static Process startStorescp(Path folder, int port, Path log) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("storescp", "-aet", "STORESCP", "-od", folder.toString(), Integer.toString(port))
                            .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("TCP_NODELAY", "1");
    Process p = pb.start();
    for (int i = 0; i < 200; i++) {  // 10 s at most
      if (!p.isAlive()) fail("storescp exited: " + Files.readString(log));
      try (Socket c = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return p;
      } catch (java.io.IOException e) {
        Thread.sleep(50);
      }
    }
    p.destroyForcibly().waitFor();
    fail("storescp did not listen on " + port);
    return null;
  }

  /** The SOP Instance UIDs dcmdump reads in the files of {@code folder}, sorted. */
  static List<String> uidsIn(Path folder) throws Exception {
    List<String> uids = new ArrayList<>();
    try (Stream<Path> s = Files.list(folder)) {
      for (Path f : s.collect(Collectors.toList())) uids.add(BindingTest.dcmdumpValue(f.toString(), "SOPInstanceUID"));
    }
    Collections.sort(uids);
    return uids;
  }

  @Test
  void moveGetAndNRequestsWithJavaHandlers() throws Exception {
    Map<String, String> golden = BindingTest.golden;
    Path qrIn = Paths.get(BindingTest.work, "qr", "in");
    String study = golden.get("QrStudy.1");
    assertEquals(study, golden.get("QrStudy.2"), "instances 1 and 2 are one study");
    List<String> expected = Stream.of(golden.get("QrSop.1"), golden.get("QrSop.2")).sorted().collect(Collectors.toList());
    Path dest = Files.createDirectories(Paths.get(BindingTest.work, "moved_java"));
    Path got = Files.createDirectories(Paths.get(BindingTest.work, "getscu_java"));
    int destPort = freePort();
    RetrieveHandler handler = new RetrieveHandler(study, List.of(qrIn.resolve("1.dcm").toString(), qrIn.resolve("2.dcm").toString()),
                                                  destPort);
    Process storescp = startStorescp(dest, destPort, Paths.get(BindingTest.work, "storescp_move_java.log"));
    try (AE ae = new AE("DKRETR_JAVA")) {
      ae.addVerification();
      ae.addSopClass(STUDY_ROOT_MOVE, false, true);  // C-MOVE and C-GET as SCP: onMove, onGet answer them
      ae.addSopClass(STUDY_ROOT_GET, false, true);
      ae.addSopClass(MPPS);                          // DIMSE-N: onNRequest answers
      ae.addSopClass(CT_STORAGE, true, false);       // the C-STOREs of the sub-operations: as SCU
      try (Server server = new Server(ae, handler)) {
        server.start("127.0.0.1", 0);
        String p = Integer.toString(server.port());

        // C-MOVE: movescu asks for the study, the server sends onMove's files to storescp.
        BindingTest.Run r = BindingTest.tool("movescu", "-v", "-S", "-aet", "MOVESCU", "-aec", "DKRETR_JAVA", "-aem", "STORESCP",
                                             "-k", "0008,0052=STUDY", "-k", "0020,000D=" + study, "127.0.0.1", p);
        assertEquals(0, r.code, r.out);
        assertTrue(r.out.contains("Received Final Move Response (Success)"), r.out);
        assertEquals(expected, uidsIn(dest), "SOP Instance UIDs storescp received (dcmdump)");
        assertEquals(List.of("move|STUDY|STORESCP|" + study + "|" + STUDY_ROOT_MOVE + "|MOVESCU"), handler.seen);
        assertFalse(handler.threads.contains(Thread.currentThread().getName()), handler.threads.toString());

        // A destination onMove does not know: 0xA801; a throwing onMove: 0xC000. Nothing more arrives.
        r = BindingTest.tool("movescu", "-v", "-S", "-aet", "MOVESCU", "-aec", "DKRETR_JAVA", "-aem", "ELSEWHERE",
                             "-k", "0008,0052=STUDY", "-k", "0020,000D=" + study, "127.0.0.1", p);
        assertTrue(r.out.matches("(?is).*(0xa801|Move ?Destination ?Unknown).*"), r.out);
        r = BindingTest.tool("movescu", "-v", "-S", "-aet", "MOVESCU", "-aec", "DKRETR_JAVA", "-aem", "STORESCP",
                             "-k", "0008,0052=STUDY", "-k", "0020,000D=THROW", "127.0.0.1", p);
        assertTrue(r.out.matches("(?is).*(0xc000|Unable ?To ?Process).*"), r.out);
        assertTrue(server.lastHandlerError().contains("move refused by the test"), server.lastHandlerError());
        assertEquals(2, uidsIn(dest).size());
        assertThrows(InvalidArgumentException.class, () -> handler.keptPlan.addFile(handler.files.get(0)));

        // C-GET: getscu gets the same files back on its association.
        r = BindingTest.tool("getscu", "-v", "-S", "-aet", "GETSCU", "-aec", "DKRETR_JAVA", "-od", got.toString(),
                             "-k", "0008,0052=STUDY", "-k", "0020,000D=" + study, "127.0.0.1", p);
        assertEquals(0, r.code, r.out);
        assertEquals(expected, uidsIn(got), "SOP Instance UIDs getscu received (dcmdump)");
        assertEquals("get|STUDY||" + study + "|" + STUDY_ROOT_GET + "|GETSCU", handler.seen.get(handler.seen.size() - 1));
        r = BindingTest.tool("getscu", "-v", "-S", "-aet", "GETSCU", "-aec", "DKRETR_JAVA", "-od", got.toString(),
                             "-k", "0008,0052=STUDY", "-k", "0020,000D=1.2.3.4", "127.0.0.1", p);
        assertTrue(r.out.matches("(?is).*(0xa900|DataSetDoesNotMatchSOPClass).*"), r.out);

        nRequests(server.port(), handler);
        server.stop(5000);
      }
    } finally {
      storescp.destroy();  // the process this test started
      if (!storescp.waitFor(5, TimeUnit.SECONDS)) storescp.destroyForcibly().waitFor();
    }
  }

  static String last(List<String> l) { return l.isEmpty() ? null : l.get(l.size() - 1); }

  static void nRequests(int port, RetrieveHandler handler) throws Exception {
    // The dcmkit CLI's MPPS N-CREATE: onNRequest's instance UID comes back (the CLI prints it).
    String cli = System.getenv("DK_TEST_DCMKIT");
    Path json = Paths.get(BindingTest.work, "mpps_java.json");
    Files.writeString(json, "{\"00400252\": {\"vr\": \"CS\", \"Value\": [\"IN PROGRESS\"]}}");
    String requested = "1.2.826.0.1.3680043.2.1125.80.9";
    BindingTest.Run r = BindingTest.tool(cli, "mpps", "127.0.0.1", Integer.toString(port), "create", json.toString(), "--uid",
                                         requested, "-aet", "MPPSSCU", "-aec", "DKRETR_JAVA");
    assertEquals(0, r.code, r.out);
    assertEquals(ASSIGNED_UID, r.out.trim(), "the Affected SOP Instance UID the CLI received");
    assertEquals("0140|" + MPPS + "|" + requested + "|0|IN PROGRESS", last(handler.nSeen));
    // N-SET of an instance onNRequest does not know: its 0x0112 reaches the CLI.
    r = BindingTest.tool(cli, "mpps", "127.0.0.1", Integer.toString(port), "set", json.toString(), "--uid", requested,
                         "-aet", "MPPSSCU", "-aec", "DKRETR_JAVA");
    assertTrue(r.code != 0 && r.out.contains("0112H"), r.out);
    assertEquals("0120|" + MPPS + "|" + requested + "|0|IN PROGRESS", last(handler.nSeen));

    // The binding's own SCU: the reply's dataset, status and instance UID.
    try (AE scu = new AE("NSCU_JAVA", 10000)) {
      scu.addSopClass(MPPS);
      try (Association a = Association.connect(scu, "127.0.0.1", port, "DKRETR_JAVA"); Dataset attrs = new Dataset()) {
        attrs.setString("PerformedProcedureStepStatus", "IN PROGRESS");
        try (NResult n = a.nCreate(MPPS, "", attrs)) {
          assertEquals(0, n.status());
          assertEquals(ASSIGNED_UID, n.sopInstanceUid());
          assertTrue(n.hasDataset());
          try (Dataset d = n.takeDataset()) {
            assertEquals("IN PROGRESS", d.getString("PerformedProcedureStepStatus"));
            assertEquals("DKRETR_JAVA", d.getString("PerformedStationAETitle"));
          }
        }
        assertEquals("0140|" + MPPS + "||0|IN PROGRESS", last(handler.nSeen));
        try (NResult n = a.nSet(MPPS, ASSIGNED_UID, attrs)) {
          assertEquals(0, n.status());
          assertFalse(n.hasDataset());
        }
        try (NResult n = a.nAction(MPPS, ASSIGNED_UID, 7, null)) {
          assertEquals(0x0107, n.status());
          try (Dataset d = n.takeDataset()) {
            assertNotNull(d);
            assertEquals("ACTION-7", d.getString("RequestedProcedureID"));
          }
        }
        assertEquals("0130|" + MPPS + "|" + ASSIGNED_UID + "|7|-", last(handler.nSeen));
        attrs.setString("PerformedProcedureStepStatus", "THROW");
        try (NResult n = a.nSet(MPPS, ASSIGNED_UID, attrs)) {
          assertEquals(0x0110, n.status());
        }
        a.release();
      }
    }
    try (Dataset late = new Dataset()) {
      assertThrows(InvalidArgumentException.class, () -> handler.keptReply.setDataset(late));
    }
  }
}
