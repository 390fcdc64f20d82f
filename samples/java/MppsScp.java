// A Modality Performed Procedure Step SCP (PS3.4 F) through the org.dcmkit Java binding: the
// handler's onNRequest answers N-CREATE and N-SET and keeps each procedure step as a Part 10 file.
//
//   java -cp dcmkit.jar:. MppsScp [-aet MPPS] [--exit-after N] PORT FOLDER
//
// N-CREATE writes FOLDER/<SOP Instance UID>.dcm (a UID is assigned when the request has none, and
// sent back as the Affected SOP Instance UID); one that exists is refused with 0x0111 (Duplicate SOP
// instance). N-SET merges the modifications into the file (a sequence is replaced as a whole); an
// unknown instance is 0x0112 (No such object instance), and a step already COMPLETED or DISCONTINUED
// may no longer be updated: 0x0110 (Processing failure, PS3.4 F.7.2.2.2). Files are replaced
// atomically. --exit-after N stops after N requests.
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.CountDownLatch;
import org.dcmkit.*;

public class MppsScp {
  static final String MPPS = Uid.ModalityPerformedProcedureStep;

  static class Handler extends ServerHandler {
    final Path folder;
    final CountDownLatch done;
    final int exitAfter;
    int served;

    Handler(Path folder, int exitAfter, CountDownLatch done) {
      this.folder = folder;
      this.exitAfter = exitAfter;
      this.done = done;
    }

    /** Copies the elements of {@code from} into {@code to}, sequences item by item. */
    static void merge(Dataset from, Dataset to) throws DicomException {
      for (long i = 0; i < from.size(); i++) {
        long tag = from.tagAt(i);
        String vr = from.vrAt(i);
        if (vr.equals("SQ")) {
          if (to.contains(tag)) to.remove(tag);
          for (long k = 0; k < from.itemCount(tag); k++) {
            try (Dataset src = from.item(tag, k); Dataset dst = to.addItem(tag)) {
              merge(src, dst);
            }
          }
        } else {
          to.setBytes(tag, vr, from.getBytes(tag));
        }
      }
    }

    /** Writes {@code ds} as {@code file}, atomically (a reader sees the old or the new file). */
    static void write(Dataset ds, Path file) throws Exception {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      ds.writeFile(tmp.toString(), "explicit");
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    // Runs on a server worker thread, one per association: the steps' files are guarded by this handler.
    @Override
    public synchronized int onNRequest(NInfo info, Dataset dataset, NReply reply) throws Exception {
      try {
        int status = answer(info, dataset, reply);
        System.out.printf("%s %s from %s: status 0x%04x%n", info.getMessage() == NInfo.N_CREATE ? "N-CREATE" : "N-SET",
                          info.getSopInstanceUid(), info.getCallingAe(), status);
        return status;
      } finally {
        if (dataset != null) dataset.close();
        if (++served == exitAfter) done.countDown();
      }
    }

    int answer(NInfo info, Dataset dataset, NReply reply) throws Exception {
      if (!info.getSopClassUid().equals(MPPS)) return 0x0118;  // No such SOP class
      if (info.getMessage() == NInfo.N_CREATE) {
        String uid = info.getSopInstanceUid().isEmpty() ? dcmkit.generateUid() : info.getSopInstanceUid();
        Path file = folder.resolve(uid + ".dcm");
        if (Files.exists(file)) return 0x0111;  // Duplicate SOP instance
        try (Dataset step = dataset != null ? dataset.copy() : new Dataset()) {
          step.setString("SOPClassUID", MPPS);
          step.setString("SOPInstanceUID", uid);
          write(step, file);
        }
        reply.setInstanceUid(uid);
        return 0;
      }
      if (info.getMessage() == NInfo.N_SET) {
        Path file = folder.resolve(info.getSopInstanceUid() + ".dcm");
        if (!Files.exists(file)) return 0x0112;  // No such object instance
        try (Dataset step = Dataset.readFile(file.toString())) {
          String state = step.contains("PerformedProcedureStepStatus") ? step.getString("PerformedProcedureStepStatus") : "";
          if (state.equals("COMPLETED") || state.equals("DISCONTINUED")) return 0x0110;  // may no longer be updated
          if (dataset != null) merge(dataset, step);
          write(step, file);
        }
        return 0;
      }
      return 0x0211;  // Unrecognized operation (N-GET, N-ACTION… are not part of MPPS)
    }
  }

  static int usage() {
    System.err.println("usage: java MppsScp [-aet MPPS] [--exit-after N] PORT FOLDER");
    return 2;
  }

  static int run(String[] args) throws Exception {
    String aet = "MPPS";
    int exitAfter = 0;
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      boolean hasValue = i + 1 < args.length;
      if (args[i].equals("-aet") && hasValue) aet = args[++i];
      else if (args[i].equals("--exit-after") && hasValue) exitAfter = Integer.parseInt(args[++i]);
      else if (args[i].startsWith("-")) return usage();
      else positional.add(args[i]);
    }
    if (positional.size() != 2) return usage();
    int port = Integer.parseInt(positional.get(0));
    Path folder = Files.createDirectories(Paths.get(positional.get(1)));
    CountDownLatch done = new CountDownLatch(1);
    try (AE ae = new AE(aet)) {
      ae.addVerification();
      ae.addSopClass(MPPS, false, true);
      try (Server server = new Server(ae, new Handler(folder, exitAfter, done))) {
        server.start("", port);
        System.out.printf("%s listening on port %d, procedure steps in %s%n", aet, server.port(), folder);
        done.await();
        server.stop(10000);
      }
    }
    return 0;
  }

  public static void main(String[] args) throws Exception {
    try {
      System.exit(run(args));
    } catch (DicomException e) {
      System.err.println(e.getClass().getSimpleName() + ": " + e.getMessage());
      System.exit(1);
    }
  }
}
