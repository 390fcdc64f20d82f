// A worklist and query client through the org.dcmkit Java binding: Modality Worklist C-FIND (the
// default) or a Study Root study-level C-FIND (--study), keys in DCMTK's -k style, one line per match.
//
//   java -cp dcmkit.jar:. WorklistQuery [-aet TITLE] [-aec TITLE] [-to MS] [--study] [-k KEY[=VALUE]]... HOST PORT
//
// KEY is a keyword or (gggg,eeee); a sequence item key is SEQUENCE[0].KEY
// ("ScheduledProcedureStepSequence[0].Modality=CT"). A key without a value asks for that attribute;
// with one, it is matched. Default return keys are added for the chosen model. Output:
//
//   item 1: PatientName=DOE^JOHN | PatientID=P0 | ScheduledProcedureStepSequence[0].Modality=CT | ...
//   2 item(s), status 0x0000
import java.util.*;
import org.dcmkit.*;

public class WorklistQuery {
  static final String WORKLIST_FIND = Uid.ModalityWorklistInformationModelFind;
  static final String STUDY_ROOT_FIND = Uid.StudyRootQueryRetrieveInformationModelFind;
  static final String SPS = "ScheduledProcedureStepSequence";

  static final String[] WORKLIST_KEYS = {
      "PatientName", "PatientID", "AccessionNumber", "RequestedProcedureID", "StudyInstanceUID",
      SPS + "[0].Modality", SPS + "[0].ScheduledStationAETitle", SPS + "[0].ScheduledProcedureStepStartDate",
      SPS + "[0].ScheduledProcedureStepStartTime", SPS + "[0].ScheduledProcedureStepID",
      SPS + "[0].ScheduledProcedureStepDescription"};
  static final String[] STUDY_KEYS = {
      "StudyInstanceUID", "PatientName", "PatientID", "StudyDate", "AccessionNumber", "StudyDescription"};

  /** "Keyword=value" for each element, "Seq[i].Keyword=value" inside items (one level deep). */
  static void describe(Dataset ds, String prefix, List<String> out) throws DicomException {
    for (long i = 0; i < ds.size(); i++) {
      long tag = ds.tagAt(i);
      String keyword = dcmkit.keywordOf(tag);
      String name = prefix + (keyword.isEmpty() ? String.format("(%04x,%04x)", tag >>> 16, tag & 0xFFFF) : keyword);
      String vr = ds.vrAt(i);
      if (vr.equals("SQ")) {
        for (long k = 0; k < ds.itemCount(tag); k++) {
          try (Dataset item = ds.item(tag, k)) {
            describe(item, name + "[" + k + "].", out);
          }
        }
      } else if (!vr.equals("OB") && !vr.equals("OW") && !vr.equals("UN")) {
        out.add(name + "=" + ds.getString(tag));
      }
    }
  }

  static void usage() {
    System.err.println("usage: WorklistQuery [-aet TITLE] [-aec TITLE] [-to MS] [--study] [-k KEY[=VALUE]]... HOST PORT");
    System.exit(2);
  }

  public static void main(String[] args) {
    String aet = "DKQUERY", aec = "ANY-SCP";
    int timeoutMs = 30000;
    boolean study = false;
    List<String> keys = new ArrayList<>(), positional = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      boolean hasValue = i + 1 < args.length;
      if (args[i].equals("-aet") && hasValue) aet = args[++i];
      else if (args[i].equals("-aec") && hasValue) aec = args[++i];
      else if (args[i].equals("-to") && hasValue) timeoutMs = Integer.parseInt(args[++i]);
      else if (args[i].equals("-k") && hasValue) keys.add(args[++i]);
      else if (args[i].equals("--study")) study = true;
      else if (args[i].startsWith("-")) usage();
      else positional.add(args[i]);
    }
    if (positional.size() != 2) usage();

    try (AE ae = new AE(aet, timeoutMs); Dataset identifier = new Dataset()) {
      ae.addSopClass(study ? STUDY_ROOT_FIND : WORKLIST_FIND, true, false);
      if (study) identifier.setString("QueryRetrieveLevel", "STUDY");
      for (String k : study ? STUDY_KEYS : WORKLIST_KEYS) identifier.setKey(k);
      for (String k : keys) identifier.setKey(k);  // after the defaults: a -k value wins

      try (Association a = Association.connect(ae, positional.get(0), Integer.parseInt(positional.get(1)), aec)) {
        FindResult matches = a.find(identifier, study ? STUDY_ROOT_FIND : WORKLIST_FIND);
        int n = 0;
        for (Dataset match : matches) {
          try (match) {
            List<String> fields = new ArrayList<>();
            describe(match, "", fields);
            System.out.println("item " + (++n) + ": " + String.join(" | ", fields));
          }
        }
        System.out.printf("%d item(s), status 0x%04x%n", matches.size(), matches.status());
        a.release();
        if (matches.status() != 0) System.exit(1);
      }
    } catch (DicomException e) {  // checked: NetworkException (refused, rejected, timeout…), NotFoundException…
      System.err.println(e.getClass().getSimpleName() + " (" + e.kind() + "): " + e.getMessage());
      System.exit(1);
    }
  }
}
