// C# binding tests, continued: a Server whose OnMove, OnGet and OnNRequest are C# code. DCMTK's
// movescu moves a study to a storescp this test starts, getscu gets it back on its association (the
// files are the ones run_with_storescp.sh made with dump2dcm for dcmqrscp, their UIDs as dcmdump
// read them); DIMSE-N requests come from the dcmkit CLI (`dcmkit mpps`) and the binding's own SCU.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using DcmKit;

static partial class BindingTests {
  const string StudyRootMove = "1.2.840.10008.5.1.4.1.2.2.2";
  const string StudyRootGet = "1.2.840.10008.5.1.4.1.2.2.3";
  const string MppsClass = "1.2.840.10008.3.1.2.3.3";
  const string CtStorage = "1.2.840.10008.5.1.4.1.1.2";  // the class of qr.dump's instances
  const string AssignedUid = "1.2.826.0.1.3680043.2.1125.79.1";

  /// Plans the files of `Study` (MOVE: to `DestPort` when the destination is STORESCP, else 0xA801);
  /// throws for the study "THROW"; answers DIMSE-N requests; records what it is asked.
  class RetrieveHandler : ServerHandler {
    public string Study;
    public string[] Files = new string[0];
    public ushort DestPort;
    public readonly List<string> Seen = new List<string>();    // "move|level|destination|study|class|calling"
    public readonly List<string> NSeen = new List<string>();   // "message|class|instance|type|status value or -"
    public RetrievePlan KeptPlan;
    public NReply KeptReply;

    int Plan(string kind, RetrieveInfo info, Dataset identifier, RetrievePlan plan) {
      KeptPlan = plan;
      string study;
      using (identifier) study = identifier.GetString("StudyInstanceUID");
      lock (this) Seen.Add(kind + "|" + info.Level + "|" + info.MoveDestination + "|" + study + "|" + info.SopClassUid + "|" + info.CallingAe);
      if (study == "THROW") throw new InvalidOperationException(kind + " refused by the test");
      if (study != Study) return 0xA900;  // not ours: Identifier does not match SOP Class
      foreach (string f in Files) plan.AddFile(f);
      if (kind == "move") {
        if (info.MoveDestination != "STORESCP") return 0xA801;  // Move Destination unknown
        plan.SetDestination("127.0.0.1", DestPort);
      }
      return plan.FileCount() == (ulong)Files.Length ? 0 : 0xC000;
    }
    public override int OnMove(RetrieveInfo info, Dataset identifier, RetrievePlan plan) { return Plan("move", info, identifier, plan); }
    public override int OnGet(RetrieveInfo info, Dataset identifier, RetrievePlan plan) { return Plan("get", info, identifier, plan); }

    public override int OnNRequest(NInfo info, Dataset dataset, NReply reply) {
      KeptReply = reply;
      string value = "-";
      if (dataset != null) using (dataset) value = dataset.Contains("PerformedProcedureStepStatus") ? dataset.GetString("PerformedProcedureStepStatus") : "none";
      lock (this) NSeen.Add(info.Message.ToString("X4") + "|" + info.SopClassUid + "|" + info.SopInstanceUid + "|" + info.TypeId + "|" + value);
      if (value == "THROW") throw new InvalidOperationException("n request refused by the test");
      switch (info.Message) {
      case NInfo.NCreate:
        reply.SetInstanceUid(AssignedUid);
        using (Dataset r = new Dataset()) {
          r.SetString("PerformedProcedureStepStatus", "IN PROGRESS");
          r.SetString("PerformedStationAETitle", "DKRETR_CS");
          reply.SetDataset(r);
        }
        return 0;
      case NInfo.NSet:
        return info.SopInstanceUid == AssignedUid ? 0 : 0x0112;  // No such object instance
      case NInfo.NAction:
        using (Dataset r = new Dataset()) {
          r.SetString("RequestedProcedureID", "ACTION-" + info.TypeId);
          reply.SetDataset(r);
        }
        return 0x0107;  // Warning: Attribute list error (what the test expects back)
      default:
        return 0x0211;  // Unrecognized operation
      }
    }
  }

  static ushort FreePort() {
    var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    ushort p = (ushort)((IPEndPoint)l.LocalEndpoint).Port;
    l.Stop();
    return p;
  }

  /// A DCMTK storescp (AE STORESCP) writing into `folder`, listening on `port` once this returns.
  static Process StartStorescp(string folder, ushort port, string log) {
    var psi = new ProcessStartInfo("sh", "-c \"exec storescp -aet STORESCP -od '" + folder + "' " + port + " > '" + log + "' 2>&1\"") {
      UseShellExecute = false,
    };
    psi.EnvironmentVariables["TCP_NODELAY"] = "1";
    Process p = Process.Start(psi);
    for (int i = 0; i < 200; i++) {  // 10 s at most
      if (p.HasExited) throw new Exception("storescp exited: " + File.ReadAllText(log));
      try {
        using (var c = new TcpClient()) { c.Connect(IPAddress.Loopback, port); return p; }
      } catch (SocketException) {
        System.Threading.Thread.Sleep(50);
      }
    }
    p.Kill();
    throw new TimeoutException("storescp did not listen on " + port);
  }

  /// The SOP Instance UIDs dcmdump reads in the files of `folder`, sorted.
  static string UidsIn(string folder) {
    return string.Join(",", Directory.GetFiles(folder).Select(f => DcmdumpValue(f, "SOPInstanceUID")).OrderBy(u => u, StringComparer.Ordinal));
  }

  static void RetrieveScp(string work) {
    // The first study of run_with_storescp.sh's dcmqrscp instances: files 1 and 2 (file 3 is another study).
    string qrIn = Path.Combine(work, "qr", "in");
    string study = golden["QrStudy.1"];
    Equal(study, golden["QrStudy.2"], "instances 1 and 2 are one study");
    string expected = string.Join(",", new[] { golden["QrSop.1"], golden["QrSop.2"] }.OrderBy(u => u, StringComparer.Ordinal));
    string dest = Path.Combine(work, "moved_cs"), got = Path.Combine(work, "getscu_cs");
    Directory.CreateDirectory(dest);
    Directory.CreateDirectory(got);
    ushort destPort = FreePort();
    var handler = new RetrieveHandler {
      Study = study, Files = new[] { Path.Combine(qrIn, "1.dcm"), Path.Combine(qrIn, "2.dcm") }, DestPort = destPort,
    };
    string output;
    Process storescp = StartStorescp(dest, destPort, Path.Combine(work, "storescp_move_cs.log"));
    try {
      using (AE ae = new AE("DKRETR_CS")) {
        ae.AddVerification();
        ae.AddSopClass(StudyRootMove, false, true);  // C-MOVE and C-GET as SCP: OnMove, OnGet answer them
        ae.AddSopClass(StudyRootGet, false, true);
        ae.AddSopClass(MppsClass);                   // DIMSE-N: OnNRequest answers
        ae.AddSopClass(CtStorage, true, false);      // the C-STOREs of the sub-operations: as SCU
        using (Server scp = new Server(ae, handler)) {
          scp.Start("127.0.0.1", 0);
          string port = scp.Port().ToString();

          // C-MOVE: movescu asks for the study, the server sends OnMove's files to storescp.
          Equal(0, Tool(out output, "movescu", "-v", "-S", "-aet", "MOVESCU", "-aec", "DKRETR_CS", "-aem", "STORESCP",
                        "-k", "0008,0052=STUDY", "-k", "0020,000D=" + study, "127.0.0.1", port), "movescu: " + output);
          Check(Regex.IsMatch(output, "Received Final Move Response \\(Success\\)"), "movescu reports success: " + output);
          Equal(expected, UidsIn(dest), "SOP Instance UIDs storescp received (dcmdump)");
          Equal("move|STUDY|STORESCP|" + study + "|" + StudyRootMove + "|MOVESCU", handler.Seen.FirstOrDefault(), "OnMove saw");

          // A destination OnMove does not know: 0xA801, and nothing more arrives.
          int code = Tool(out output, "movescu", "-v", "-S", "-aet", "MOVESCU", "-aec", "DKRETR_CS", "-aem", "ELSEWHERE",
                          "-k", "0008,0052=STUDY", "-k", "0020,000D=" + study, "127.0.0.1", port);
          Check(Regex.IsMatch(output, "(?i)0xa801|Move ?Destination ?Unknown"), "movescu reports 0xA801 (exit " + code + "): " + output);
          // A throwing OnMove: 0xC000 and the exception's message kept.
          code = Tool(out output, "movescu", "-v", "-S", "-aet", "MOVESCU", "-aec", "DKRETR_CS", "-aem", "STORESCP",
                      "-k", "0008,0052=STUDY", "-k", "0020,000D=THROW", "127.0.0.1", port);
          Check(Regex.IsMatch(output, "(?i)0xc000|Unable ?To ?Process"), "movescu reports 0xC000 for a throwing OnMove (exit " + code + "): " + output);
          Check(scp.LastHandlerError().Contains("move refused by the test"), "LastHandlerError: " + scp.LastHandlerError());
          Equal(2, Directory.GetFiles(dest).Length, "files in storescp's folder after the refusals");
          Throws<InvalidArgumentException>(() => handler.KeptPlan.AddFile(handler.Files[0]), "RetrievePlan.AddFile after OnMove returned");

          // C-GET: getscu gets the same files back on its association.
          Equal(0, Tool(out output, "getscu", "-v", "-S", "-aet", "GETSCU", "-aec", "DKRETR_CS", "-od", got,
                        "-k", "0008,0052=STUDY", "-k", "0020,000D=" + study, "127.0.0.1", port), "getscu: " + output);
          Equal(expected, UidsIn(got), "SOP Instance UIDs getscu received (dcmdump)");
          Equal("get|STUDY||" + study + "|" + StudyRootGet + "|GETSCU", handler.Seen.LastOrDefault(), "OnGet saw");
          code = Tool(out output, "getscu", "-v", "-S", "-aet", "GETSCU", "-aec", "DKRETR_CS", "-od", got,
                      "-k", "0008,0052=STUDY", "-k", "0020,000D=1.2.3.4", "127.0.0.1", port);
          Check(Regex.IsMatch(output, "(?i)0xa900|DataSetDoesNotMatchSOPClass|Identifier does not match"), "getscu reports OnGet's 0xA900 (exit " + code + "): " + output);

          NRequests(work, scp.Port(), handler);
          scp.Stop(5000);
        }
      }
    } finally {
      if (!storescp.HasExited) storescp.Kill();  // the process this test started, by its handle
      storescp.WaitForExit();
    }
    GC.KeepAlive(handler);
  }

  static void NRequests(string work, ushort port, RetrieveHandler handler) {
    string output;
    // The dcmkit CLI's MPPS N-CREATE: OnNRequest's instance UID comes back (the CLI prints it).
    string cli = Environment.GetEnvironmentVariable("DK_TEST_DCMKIT");
    string json = Path.Combine(work, "mpps_cs.json");
    File.WriteAllText(json, "{\"00400252\": {\"vr\": \"CS\", \"Value\": [\"IN PROGRESS\"]}}");
    string requested = "1.2.826.0.1.3680043.2.1125.79.9";
    Equal(0, Tool(out output, cli, "mpps", "127.0.0.1", port.ToString(), "create", json, "--uid", requested,
                  "-aet", "MPPSSCU", "-aec", "DKRETR_CS"), "dcmkit mpps create: " + output);
    Equal(AssignedUid, output.Trim(), "the Affected SOP Instance UID the CLI received");
    Equal("0140|" + MppsClass + "|" + requested + "|0|IN PROGRESS", handler.NSeen.LastOrDefault(), "OnNRequest saw the N-CREATE");
    // N-SET of an instance OnNRequest does not know: its 0x0112 reaches the CLI.
    int code = Tool(out output, cli, "mpps", "127.0.0.1", port.ToString(), "set", json, "--uid", requested,
                    "-aet", "MPPSSCU", "-aec", "DKRETR_CS");
    Check(code != 0 && output.Contains("0112H"), "dcmkit mpps set reports 0112H (exit " + code + "): " + output);
    Equal("0120|" + MppsClass + "|" + requested + "|0|IN PROGRESS", handler.NSeen.LastOrDefault(), "OnNRequest saw the N-SET");

    // The binding's own SCU: the reply's dataset, status and instance UID.
    using (AE scu = new AE("NSCU_CS", 10000)) {
      scu.AddSopClass(MppsClass);
      using (Association a = Association.Connect(scu, "127.0.0.1", port, "DKRETR_CS"))
      using (Dataset attrs = new Dataset()) {
        attrs.SetString("PerformedProcedureStepStatus", "IN PROGRESS");
        using (NResult r = a.NCreate(MppsClass, "", attrs)) {
          Equal(0, r.Status(), "N-CREATE status");
          Equal(AssignedUid, r.SopInstanceUid(), "N-CREATE Affected SOP Instance UID");
          Check(r.HasDataset(), "N-CREATE response has a dataset");
          using (Dataset d = r.TakeDataset()) {
            Equal("IN PROGRESS", d.GetString("PerformedProcedureStepStatus"), "reply PerformedProcedureStepStatus");
            Equal("DKRETR_CS", d.GetString("PerformedStationAETitle"), "reply PerformedStationAETitle");
          }
        }
        Equal("0140|" + MppsClass + "||0|IN PROGRESS", handler.NSeen.LastOrDefault(), "OnNRequest saw an N-CREATE without instance UID");
        using (NResult r = a.NSet(MppsClass, AssignedUid, attrs)) {
          Equal(0, r.Status(), "N-SET status");
          Check(!r.HasDataset(), "N-SET response without dataset");
        }
        using (NResult r = a.NAction(MppsClass, AssignedUid, 7, null)) {
          Equal(0x0107, r.Status(), "N-ACTION status");
          using (Dataset d = r.TakeDataset()) Equal("ACTION-7", d != null ? d.GetString("RequestedProcedureID") : null, "N-ACTION reply");
        }
        Equal("0130|" + MppsClass + "|" + AssignedUid + "|7|-", handler.NSeen.LastOrDefault(), "OnNRequest saw the N-ACTION");
        attrs.SetString("PerformedProcedureStepStatus", "THROW");
        using (NResult r = a.NSet(MppsClass, AssignedUid, attrs)) Equal(0x0110, r.Status(), "N-SET status of a throwing OnNRequest");
        a.Release();
      }
    }
    using (Dataset late = new Dataset())
      Throws<InvalidArgumentException>(() => handler.KeptReply.SetDataset(late), "NReply.SetDataset after OnNRequest returned");
  }
}
