// A DICOM gateway through the DcmKit C# binding: a storage SCP that forwards every instance it
// receives to another AE and answers the sender with the forward's status.
//
//   mono Gateway.exe [-aet GATEWAY] [-aec DEST_AE] [-to MS] [--exit-after N] PORT DEST_HOST DEST_PORT
//
// Forwarding is synchronous: the C-STORE response waits for the destination's, so the sender learns
// whether the instance really arrived (Success, a warning, or the destination's failure), and an
// instance the destination cannot take (it is down, it refuses the SOP class) is answered 0xA700
// Out of Resources, which senders retry later. Nothing is queued, so nothing can be lost when the
// gateway stops. Each instance is forwarded on an association of its own, proposing its SOP class in
// its own transfer syntax (plus the uncompressed ones): simple and independent of what arrives next,
// at the price of an association per instance (a busy gateway would keep one per sender).
using System;
using System.Threading;
using DcmKit;

static class Gateway {
  class Forwarder : ServerHandler {
    readonly string callingAe, destHost, destAe;
    readonly ushort destPort;
    readonly int timeoutMs, exitAfter;
    readonly ManualResetEvent done;
    int forwarded;

    public Forwarder(string callingAe, string destHost, ushort destPort, string destAe, int timeoutMs, int exitAfter,
                     ManualResetEvent done) {
      this.callingAe = callingAe; this.destHost = destHost; this.destPort = destPort; this.destAe = destAe;
      this.timeoutMs = timeoutMs; this.exitAfter = exitAfter; this.done = done;
    }

    // Runs on a server worker thread, one per incoming association: several at once.
    public override int OnStore(StoreInfo info) {
      int status;
      try {
        using (AE ae = new AE(callingAe, timeoutMs)) {
          ae.AddStorageForFile(info.Path);  // the received file, complete, valid during this call
          using (Association a = Association.Connect(ae, destHost, destPort, destAe)) {
            status = a.StoreFile(info.Path);
            a.Release();
          }
        }
      } catch (DicomException e) {  // destination unreachable, association rejected or aborted…
        Console.Error.WriteLine("{0} from {1}: not forwarded: {2} ({3})", info.SopInstanceUid, info.CallingAe, e.Message, e.Kind);
        return 0xA700;
      }
      Console.WriteLine("{0} from {1} -> {2}@{3}:{4}: status 0x{5:x4}", info.SopInstanceUid, info.CallingAe, destAe,
                        destHost, destPort, status);
      if (status == 0 && Interlocked.Increment(ref forwarded) == exitAfter) done.Set();
      return status;
    }
  }

  static int Usage() {
    Console.Error.WriteLine("usage: Gateway.exe [-aet GATEWAY] [-aec DEST_AE] [-to MS] [--exit-after N] PORT DEST_HOST DEST_PORT");
    return 2;
  }

  static int Main(string[] args) {
    string aet = "GATEWAY", aec = "ANY-SCP";
    int timeoutMs = 30000, exitAfter = 0;
    var positional = new System.Collections.Generic.List<string>();
    for (int i = 0; i < args.Length; i++) {
      bool hasValue = i + 1 < args.Length;
      if (args[i] == "-aet" && hasValue) aet = args[++i];
      else if (args[i] == "-aec" && hasValue) aec = args[++i];
      else if (args[i] == "-to" && hasValue) timeoutMs = int.Parse(args[++i]);
      else if (args[i] == "--exit-after" && hasValue) exitAfter = int.Parse(args[++i]);
      else if (args[i].StartsWith("-")) return Usage();
      else positional.Add(args[i]);
    }
    ushort port, destPort;
    if (positional.Count != 3 || !ushort.TryParse(positional[0], out port) || !ushort.TryParse(positional[2], out destPort))
      return Usage();

    var done = new ManualResetEvent(false);
    Console.CancelKeyPress += (s, e) => { e.Cancel = true; done.Set(); };  // Ctrl-C: stop cleanly
    try {
      using (AE ae = new AE(aet)) {
        ae.AddVerification();
        ae.AddAllStorage();  // every storage SOP class, uncompressed and compressed syntaxes (as received)
        using (Server server = new Server(ae, new Forwarder(aet, positional[1], destPort, aec, timeoutMs, exitAfter, done))) {
          server.Start("", port);
          Console.WriteLine("{0} listening on port {1}, forwarding to {2}@{3}:{4}", aet, server.Port(), aec, positional[1], destPort);
          done.WaitOne();
          server.Stop(10000);  // lets running forwards finish
        }
      }
      return 0;
    } catch (DicomException e) {
      Console.Error.WriteLine(e.GetType().Name + " (" + e.Kind + "): " + e.Message);
      return 1;
    }
  }
}
