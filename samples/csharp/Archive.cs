// An archive server through the DcmKit C# binding: it stores, indexes and serves what it receives
// (Verification, Storage, Query/Retrieve, Worklist, MPPS, Storage Commitment, as `dcmkit serve`
// does) and prints each instance it stores.
//
//   mono Archive.exe [-aet AE] [--config FILE | --storage DIR] [PORT]
//
// With --config, the archive is the one the configuration file describes; else it stores into DIR
// as AE (default DCMKIT). PORT overrides the file's (0 or none: a free one). It runs until a line,
// or the end, of standard input, then prints its counters.
using System;
using DcmKit;

static class ArchiveSample {
  class Printer : ArchiveHandler {
    // Runs on the archive's worker threads, several at once.
    public override int OnStored(StoredInstance info) {
      Console.WriteLine("stored {0} ({1}) from {2} in {3}", info.SopInstanceUid, info.SopClassUid, info.CallingAe, info.Path);
      Console.Out.Flush();
      return 0;
    }
  }

  static int Main(string[] args) {
    string aet = "DCMKIT", config = null, storage = null;
    ushort port = 0;
    for (int i = 0; i < args.Length; ++i) {
      if (args[i] == "-aet" && i + 1 < args.Length) aet = args[++i];
      else if (args[i] == "--config" && i + 1 < args.Length) config = args[++i];
      else if (args[i] == "--storage" && i + 1 < args.Length) storage = args[++i];
      else if (!args[i].StartsWith("-") && ushort.TryParse(args[i], out port)) { }
      else { Console.Error.WriteLine("usage: Archive.exe [-aet AE] [--config FILE | --storage DIR] [PORT]"); return 2; }
    }
    if (config == null && storage == null) { Console.Error.WriteLine("archive: --config FILE or --storage DIR is required"); return 2; }
    var printer = new Printer();
    try {
      using (Archive archive = config != null ? new Archive(config, printer) : new Archive(storage, aet, "", printer)) {
        archive.Start("", port);
        Console.WriteLine("archive listening on port {0} (Enter stops)", archive.Port());
        Console.Out.Flush();
        Console.In.ReadLine();
        archive.Stop(5000);
        ArchiveCounters c = archive.Counters();
        Console.WriteLine("{0} instance(s) stored, {1} held, {2} association(s) served", c.InstancesStored, c.InstancesHeld,
                          c.AssociationsServed);
      }
    } catch (DicomException e) {
      Console.Error.WriteLine("archive: " + e.Message);
      return 1;
    }
    return 0;
  }
}
