// Reads a DICOM file through the org.dcmkit Java binding, prints a few attributes, and (with a
// port) sends a C-ECHO.
//   java -cp dcmkit.jar:. ReadEcho file.dcm [host port called-ae]
import org.dcmkit.*;

public class ReadEcho {
  public static void main(String[] args) {
    if (args.length != 1 && args.length != 4) {
      System.err.println("usage: ReadEcho FILE [HOST PORT CALLED_AE]");
      System.exit(2);
    }
    try (Dataset ds = Dataset.readFile(args[0], true)) {
      for (String keyword : new String[] {"SOPClassUID", "PatientName", "PatientID", "Modality"}) {
        System.out.println(keyword + " = " + (ds.contains(keyword) ? ds.getString(keyword) : "(absent)"));
      }
      if (args.length == 4) {
        try (AE ae = new AE("DKJAVA")) {
          ae.addVerification();
          try (Association a = Association.connect(ae, args[1], Integer.parseInt(args[2]), args[3])) {
            int status = a.echo();
            System.out.printf("C-ECHO status 0x%04x%n", status);
            a.release();
            if (status != 0) System.exit(1);
          }
        }
      }
    } catch (DicomException e) {  // checked: ParseException, NotFoundException, NetworkException…
      System.err.println(e.getClass().getSimpleName() + " (" + e.kind() + "): " + e.getMessage());
      System.exit(1);
    }
  }
}
