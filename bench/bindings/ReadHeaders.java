// The Java side of the bindings benchmark (`./dk.sh bench bindings`, bench/bindings.sh): the same work
// as read_headers.c, through dcmkit.jar (SWIG; the glue library is loaded from the jar's directory).
//
//     java -cp dcmkit.jar:CLASSES ReadHeaders DIR PASSES CALLS
//
// In one process: a warm-up pass (not timed, so that the JIT has compiled everything), then
//   per_file          PASSES passes over DIR/*.dcm: Dataset.readFile(path, true) (stop before pixels),
//                     the 10 string attributes and Rows/Columns by keyword, close();
//   per_call_tag      CALLS getString(long tag) calls on one open dataset, cycling through the 10
//                     attributes (PASSES times);
//   per_call_keyword  the same with getString(String keyword).
// Prints one line per measurement, `NAME key=value ...`, like read_headers.c; the checksum (total
// length of the strings read, plus Rows and Columns) is compared across the languages by the driver
// (the attributes are ASCII, so string lengths equal UTF-8 byte counts).
import java.io.File;
import java.util.Arrays;
import java.util.Locale;
import org.dcmkit.*;

public class ReadHeaders {
  static final String[] STRINGS = {
    "PatientName", "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID",
    "Modality", "StudyDate", "AccessionNumber", "StudyDescription", "SeriesDescription",
  };
  static final String[] INTS = {"Rows", "Columns"};

  static long filePass(String[] files) throws DicomException {
    long sum = 0;
    for (String f : files) {
      try (Dataset ds = Dataset.readFile(f, true)) {
        for (String k : STRINGS) sum += ds.getString(k).length();
        for (String k : INTS) sum += ds.getInt(k);
      }
    }
    return sum;
  }

  static long callPassTag(Dataset ds, long[] tags, long calls) throws DicomException {
    long sum = 0;
    for (long i = 0, k = 0; i < calls; ++i) {
      sum += ds.getString(tags[(int) k]).length();
      if (++k == tags.length) k = 0;
    }
    return sum;
  }

  static long callPassKeyword(Dataset ds, long calls) throws DicomException {
    long sum = 0;
    for (long i = 0, k = 0; i < calls; ++i) {
      sum += ds.getString(STRINGS[(int) k]).length();
      if (++k == STRINGS.length) k = 0;
    }
    return sum;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: ReadHeaders DIR PASSES CALLS");
      System.exit(2);
    }
    File dir = new File(args[0]);
    int passes = Integer.parseInt(args[1]);
    long calls = Long.parseLong(args[2]);
    File[] listed = dir.listFiles((d, name) -> name.endsWith(".dcm"));
    if (listed == null || listed.length == 0) {
      System.err.println("ReadHeaders: no .dcm files in " + dir);
      System.exit(1);
    }
    String[] files = new String[listed.length];
    for (int i = 0; i < listed.length; ++i) files[i] = listed[i].getPath();
    Arrays.sort(files);
    try {
      System.out.printf(Locale.ROOT, "runtime lang=java runtime=java-%s-%s dcmkit=%s%n",
                        System.getProperty("java.version"), System.getProperty("java.vm.name").replace(' ', '_'),
                        dcmkit.version());

      long checksum = filePass(files);  // warm-up
      double best = Double.MAX_VALUE, total = 0;
      for (int p = 0; p < passes; ++p) {
        long t0 = System.nanoTime();
        long sum = filePass(files);
        double s = (System.nanoTime() - t0) * 1e-9;
        if (sum != checksum) throw new IllegalStateException("checksum changed between passes");
        best = Math.min(best, s);
        total += s;
      }
      System.out.printf(Locale.ROOT, "per_file lang=java files=%d passes=%d best_us=%.3f mean_us=%.3f checksum=%d%n",
                        files.length, passes, best * 1e6 / files.length, total * 1e6 / files.length / passes, checksum);

      try (Dataset ds = Dataset.readFile(files[0], true)) {
        long[] tags = new long[STRINGS.length];
        for (int i = 0; i < STRINGS.length; ++i) tags[i] = dcmkit.tagOf(STRINGS[i]);
        for (int mode = 0; mode < 2; ++mode) {
          checksum = mode == 0 ? callPassTag(ds, tags, calls) : callPassKeyword(ds, calls);  // warm-up
          best = Double.MAX_VALUE;
          total = 0;
          for (int p = 0; p < passes; ++p) {
            long t0 = System.nanoTime();
            long sum = mode == 0 ? callPassTag(ds, tags, calls) : callPassKeyword(ds, calls);
            double s = (System.nanoTime() - t0) * 1e-9;
            if (sum != checksum) throw new IllegalStateException("checksum changed between passes");
            best = Math.min(best, s);
            total += s;
          }
          System.out.printf(Locale.ROOT, "%s lang=java calls=%d passes=%d best_ns=%.3f mean_ns=%.3f checksum=%d%n",
                            mode == 0 ? "per_call_tag" : "per_call_keyword", calls, passes, best * 1e9 / calls,
                            total * 1e9 / calls / passes, checksum);
        }
      }
    } catch (DicomException e) {
      System.err.println("ReadHeaders: " + e.getClass().getSimpleName() + " (" + e.kind() + "): " + e.getMessage());
      System.exit(1);
    }
  }
}
