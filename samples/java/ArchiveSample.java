// An archive server through the dcmkit Java binding: it stores, indexes and serves what it receives
// (Verification, Storage, Query/Retrieve, Worklist, MPPS, Storage Commitment, as `dcmkit serve`
// does) and prints each instance it stores.
//
//   java -cp dcmkit.jar:. ArchiveSample [-aet AE] [--config FILE | --storage DIR] [PORT]
//
// With --config, the archive is the one the configuration file describes; else it stores into DIR
// as AE (default DCMKIT). PORT overrides the file's (0 or none: a free one). It runs until a line,
// or the end, of standard input, then prints its counters.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.dcmkit.*;

public class ArchiveSample {
  static class Printer extends ArchiveHandler {
    // Runs on the archive's worker threads, several at once.
    @Override
    public int onStored(StoredInstance info) {
      System.out.printf("stored %s (%s) from %s in %s%n", info.getSopInstanceUid(), info.getSopClassUid(),
                        info.getCallingAe(), info.getPath());
      System.out.flush();
      return 0;
    }
  }

  public static void main(String[] args) throws Exception {
    String aet = "DCMKIT", config = null, storage = null;
    int port = 0;
    for (int i = 0; i < args.length; ++i) {
      if (args[i].equals("-aet") && i + 1 < args.length) aet = args[++i];
      else if (args[i].equals("--config") && i + 1 < args.length) config = args[++i];
      else if (args[i].equals("--storage") && i + 1 < args.length) storage = args[++i];
      else if (!args[i].startsWith("-")) port = Integer.parseInt(args[i]);
      else {
        System.err.println("usage: ArchiveSample [-aet AE] [--config FILE | --storage DIR] [PORT]");
        System.exit(2);
      }
    }
    if (config == null && storage == null) {
      System.err.println("archive: --config FILE or --storage DIR is required");
      System.exit(2);
    }
    Printer printer = new Printer();
    try (Archive archive = config != null ? new Archive(config, printer) : new Archive(storage, aet, "", printer)) {
      archive.start("", port);
      System.out.printf("archive listening on port %d (Enter stops)%n", archive.port());
      System.out.flush();
      new BufferedReader(new InputStreamReader(System.in)).readLine();
      archive.stop(5000);
      ArchiveCounters c = archive.counters();
      System.out.printf("%d instance(s) stored, %d held, %d association(s) served%n", c.getInstancesStored(),
                        c.getInstancesHeld(), c.getAssociationsServed());
    } catch (DicomException e) {
      System.err.println("archive: " + e.getMessage());
      System.exit(1);
    }
  }
}
