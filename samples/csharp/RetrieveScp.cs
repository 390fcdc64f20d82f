// A retrieve SCP through the DcmKit C# binding: serves the Part 10 files of a folder to C-MOVE and
// C-GET requests (Study Root and Patient Root, STUDY, SERIES and IMAGE levels).
//
//   mono RetrieveScp.exe [-aet RETRIEVE] [-dest AE=HOST:PORT]... [--exit-after N] PORT FOLDER
//
// The folder is indexed once at start (headers only): each file's Study, Series and SOP Instance
// UIDs. OnMove and OnGet only decide which files a request selects (and, for C-MOVE, where the Move
// Destination listens, from the -dest table: an AE not in it is answered 0xA801); the server sends
// the C-STORE sub-operations and the pending and final responses itself. A unique key may hold a
// list of UIDs separated by backslashes (PS3.4 C.2.2.2.2). --exit-after N stops after N requests.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using DcmKit;

static class RetrieveScp {
  class Instance {
    public string Path, Study, Series, Sop;
  }

  class Retriever : ServerHandler {
    readonly List<Instance> index;
    readonly Dictionary<string, KeyValuePair<string, ushort>> destinations;
    readonly int exitAfter;
    readonly ManualResetEvent done;
    int served;

    public Retriever(List<Instance> index, Dictionary<string, KeyValuePair<string, ushort>> destinations, int exitAfter,
                     ManualResetEvent done) {
      this.index = index; this.destinations = destinations; this.exitAfter = exitAfter; this.done = done;
    }

    /// The files `identifier` selects at `level`; null when the identifier lacks the level's unique key.
    List<Instance> Select(string level, Dataset identifier) {
      string key = level == "STUDY" ? "StudyInstanceUID" : level == "SERIES" ? "SeriesInstanceUID" : level == "IMAGE" ? "SOPInstanceUID" : null;
      if (key == null || !identifier.Contains(key)) return null;
      var uids = new HashSet<string>(identifier.GetString(key).Split('\\'));
      return index.Where(i => uids.Contains(level == "STUDY" ? i.Study : level == "SERIES" ? i.Series : i.Sop)).ToList();
    }

    // Both run on a server worker thread, one per incoming association: several at once.
    int Plan(RetrieveInfo info, Dataset identifier, RetrievePlan plan, bool move) {
      try {
        List<Instance> files;
        using (identifier) files = Select(info.Level, identifier);
        if (files == null) return 0xA900;  // Identifier does not match SOP Class
        if (move) {
          KeyValuePair<string, ushort> to;
          if (!destinations.TryGetValue(info.MoveDestination, out to)) {
            Console.Error.WriteLine("C-MOVE from {0}: unknown destination {1}", info.CallingAe, info.MoveDestination);
            return 0xA801;  // Move Destination unknown
          }
          plan.SetDestination(to.Key, to.Value);
        }
        foreach (Instance i in files) plan.AddFile(i.Path);
        Console.WriteLine("{0} from {1}: {2} {3} file(s){4}", move ? "C-MOVE" : "C-GET", info.CallingAe, info.Level, files.Count,
                          move ? " to " + info.MoveDestination : "");
        return 0;
      } finally {
        if (Interlocked.Increment(ref served) == exitAfter) done.Set();
      }
    }
    public override int OnMove(RetrieveInfo info, Dataset identifier, RetrievePlan plan) { return Plan(info, identifier, plan, true); }
    public override int OnGet(RetrieveInfo info, Dataset identifier, RetrievePlan plan) { return Plan(info, identifier, plan, false); }
  }

  static int Usage() {
    Console.Error.WriteLine("usage: RetrieveScp.exe [-aet RETRIEVE] [-dest AE=HOST:PORT]... [--exit-after N] PORT FOLDER");
    return 2;
  }

  static int Main(string[] args) {
    string aet = "RETRIEVE";
    int exitAfter = 0;
    var destinations = new Dictionary<string, KeyValuePair<string, ushort>>();
    var positional = new List<string>();
    for (int i = 0; i < args.Length; i++) {
      bool hasValue = i + 1 < args.Length;
      if (args[i] == "-aet" && hasValue) aet = args[++i];
      else if (args[i] == "--exit-after" && hasValue) exitAfter = int.Parse(args[++i]);
      else if (args[i] == "-dest" && hasValue) {  // AE=HOST:PORT
        string d = args[++i];
        int eq = d.IndexOf('='), colon = d.LastIndexOf(':');
        ushort p;
        if (eq <= 0 || colon < eq || !ushort.TryParse(d.Substring(colon + 1), out p)) return Usage();
        destinations[d.Substring(0, eq)] = new KeyValuePair<string, ushort>(d.Substring(eq + 1, colon - eq - 1), p);
      } else if (args[i].StartsWith("-")) return Usage();
      else positional.Add(args[i]);
    }
    ushort port;
    if (positional.Count != 2 || !ushort.TryParse(positional[0], out port)) return Usage();

    var done = new ManualResetEvent(false);
    Console.CancelKeyPress += (s, e) => { e.Cancel = true; done.Set(); };  // Ctrl-C: stop cleanly
    try {
      using (AE ae = new AE(aet)) {
        ae.AddVerification();
        foreach (string model in new[] { Uid.StudyRootQueryRetrieveInformationModelMove, Uid.StudyRootQueryRetrieveInformationModelGet,
                                         Uid.PatientRootQueryRetrieveInformationModelMove, Uid.PatientRootQueryRetrieveInformationModelGet })
          ae.AddSopClass(model, false, true);
        var index = new List<Instance>();
        foreach (string f in Directory.GetFiles(positional[1]).OrderBy(f => f, StringComparer.Ordinal)) {
          try {
            using (Dataset ds = Dataset.ReadFile(f, true)) {  // stop before the pixel data
              index.Add(new Instance { Path = f, Study = ds.GetString("StudyInstanceUID"), Series = ds.GetString("SeriesInstanceUID"),
                                       Sop = ds.GetString("SOPInstanceUID") });
            }
            ae.AddStorageForFile(f);  // its SOP class and transfer syntax, to send it (C-MOVE) or hand it back (C-GET)
          } catch (DicomException e) {
            Console.Error.WriteLine("{0}: not served: {1}", f, e.Message);
          }
        }
        using (Server server = new Server(ae, new Retriever(index, destinations, exitAfter, done))) {
          server.Start("", port);
          Console.WriteLine("{0} listening on port {1}, serving {2} file(s) of {3}", aet, server.Port(), index.Count, positional[1]);
          done.WaitOne();
          server.Stop(10000);  // lets running retrieves finish
        }
      }
      return 0;
    } catch (DicomException e) {
      Console.Error.WriteLine(e.GetType().Name + " (" + e.Kind + "): " + e.Message);
      return 1;
    }
  }
}
