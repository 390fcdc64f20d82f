// Java binding tests (JUnit 5, run by the console launcher under run_with_storescp.sh): values read
// through org.dcmkit are compared with the golden values dcmdump printed for the same file.
import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.TimeUnit;
import java.util.stream.*;
import org.dcmkit.*;
import org.junit.jupiter.api.*;

class BindingTest {
  static Map<String, String> golden = new HashMap<>();
  static String path, work;
  static int port;

  @BeforeAll
  static void load() throws Exception {
    path = System.getenv("DK_TEST_FILE");
    work = System.getenv("DK_TEST_WORK");
    port = Integer.parseInt(System.getenv("DK_TEST_PORT"));
    for (String line : Files.readAllLines(Paths.get(System.getenv("DK_TEST_GOLDEN")))) {
      int eq = line.indexOf('=');
      if (eq > 0) golden.put(line.substring(0, eq), line.substring(eq + 1));
    }
  }

  static byte[] words(int from, int count) {  // dcmdump's OW "0001\0002" → little endian bytes
    String[] w = golden.get("PixelData").split("\\\\");
    byte[] b = new byte[count * 2];
    for (int i = 0; i < count; i++) {
      int v = Integer.parseInt(w[from + i], 16);
      b[2 * i] = (byte) (v & 0xFF);
      b[2 * i + 1] = (byte) (v >> 8);
    }
    return b;
  }

  // An element in explicit (PS3.5 Tables 7.1-1, 7.1-2) or implicit VR little endian (7.1.3).
  static void el(java.io.ByteArrayOutputStream b, boolean ex, long tag, String vr, byte[] v) {
    b.write((int) (tag >> 16) & 0xFF); b.write((int) (tag >> 24) & 0xFF);
    b.write((int) tag & 0xFF); b.write((int) (tag >> 8) & 0xFF);
    int n = v.length;
    if (!ex) {
      b.write(n & 0xFF); b.write((n >> 8) & 0xFF); b.write((n >> 16) & 0xFF); b.write(n >>> 24);
    } else if (vr.equals("UN") || vr.equals("OB")) {
      b.writeBytes(vr.getBytes()); b.write(0); b.write(0);
      b.write(n & 0xFF); b.write((n >> 8) & 0xFF); b.write((n >> 16) & 0xFF); b.write(n >>> 24);
    } else {
      b.writeBytes(vr.getBytes()); b.write(n & 0xFF); b.write((n >> 8) & 0xFF);
    }
    b.writeBytes(v);
  }

  // PS3.10 7.1: preamble, DICM, a meta information naming `ts`, then `body` as it is.
  static byte[] part10(String ts, byte[] body) {
    java.io.ByteArrayOutputStream meta = new java.io.ByteArrayOutputStream(), f = new java.io.ByteArrayOutputStream();
    el(meta, true, 0x00020001L, "OB", new byte[] {0, 1});
    el(meta, true, 0x00020002L, "UI", "1.2.840.10008.5.1.4.1.1.7\0".getBytes());
    el(meta, true, 0x00020010L, "UI", (ts.length() % 2 == 1 ? ts + "\0" : ts).getBytes());
    f.writeBytes(new byte[128]);
    f.writeBytes("DICM".getBytes());
    int n = meta.size();
    el(f, true, 0x00020000L, "UL", new byte[] {(byte) n, (byte) (n >> 8), (byte) (n >> 16), (byte) (n >>> 24)});
    f.writeBytes(meta.toByteArray());
    f.writeBytes(body);
    return f.toByteArray();
  }

  @Test
  void lenientReading() throws Exception {
    // The meta says explicit VR, the dataset is implicit VR: read as found, with a warning.
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    el(body, false, 0x00100010L, "PN", "DOE^JOHN".getBytes());
    el(body, false, 0x00290010L, "LO", "SIEMENS CSA HEADER".getBytes());
    el(body, false, 0x00291008L, "CS", "IMAGE NUM 4 ".getBytes());
    Path lie = Paths.get(work, "lie_java.dcm");
    Files.write(lie, part10("1.2.840.10008.1.2.1", body.toByteArray()));
    try (Dataset ds = Dataset.readFile(lie.toString())) {
      assertEquals("DOE^JOHN", ds.getString("PatientName"));
      assertEquals(1L, ds.warningFlags());
      assertTrue(ds.warnings().contains("Explicit VR Little Endian"), ds.warnings());
      assertEquals("CS", ds.vr(0x00291008L));
    }
    // UN with a known VR: PN; keep_un keeps it UN.
    body = new java.io.ByteArrayOutputStream();
    el(body, true, 0x00100010L, "UN", "DOE^JOHN".getBytes());
    Path un = Paths.get(work, "un_java.dcm");
    Files.write(un, part10("1.2.840.10008.1.2.1", body.toByteArray()));
    try (Dataset ds = Dataset.readFile(un.toString())) {
      assertEquals("PN", ds.vr("PatientName"));
      assertEquals(2L, ds.warningFlags());
    }
    try (Dataset ds = Dataset.readFile(un.toString(), false, true)) {
      assertEquals("UN", ds.vr("PatientName"));
    }
    // DCMTK private.dic: (0029,"SIEMENS CSA HEADER",10) OB CSAImageHeaderInfo.
    assertEquals("CSAImageHeaderInfo", dcmkit.privateKeywordOf("SIEMENS CSA HEADER", 0x00291010L));
    assertEquals("OB", dcmkit.privateVrOf("SIEMENS CSA HEADER", 0x00291010L));
    assertEquals("", dcmkit.privateKeywordOf("NO SUCH VENDOR", 0x00291010L));
  }

  // De-identification (PS3.15 Annex E): the sample is a Secondary Capture, so burned-in text is
  // likely and the default refuses it; "flag" de-identifies it.
  @Test
  void deidentify() throws Exception {
    Path key = Paths.get(work, "deid_java.key");
    Files.write(key, "0123456789abcdef0123456789abcdef".getBytes("US-ASCII"));
    try (Dataset ds = Dataset.readFile(path)) {
      assertThrows(UnsupportedException.class, () -> dcmkit.deidentify(ds, key.toString()));
      assertEquals(golden.get("PatientID"), ds.getString("PatientID"));
      DeidResult r = dcmkit.deidentify(ds, key.toString(), "safe-private,modified-dates", "descriptors", "flag");
      assertTrue(r.getBurnedInFlagged());
      assertTrue(r.getPatientPseudonym().startsWith("DK"));
      assertEquals(r.getPatientPseudonym(), ds.getString("PatientID"));
      assertEquals("YES", ds.getString("PatientIdentityRemoved"));
      assertEquals(dcmkit.deidUid(key.toString(), "1.2.826.0.1.3680043.2.1125.99.1"), ds.getString("SOPInstanceUID"));
      try (Dataset item = ds.item("ReferencedSOPSequence", 1)) {
        assertEquals(dcmkit.deidUid(key.toString(), golden.get("RefUID1")), item.getString("ReferencedSOPInstanceUID"));
      }
      assertTrue(r.getDateOffsetDays() < 0);
    }
    Path shortKey = Paths.get(work, "short_java.key");
    Files.write(shortKey, new byte[15]);
    try (Dataset ds = Dataset.readFile(path)) {
      assertThrows(InvalidArgumentException.class, () -> dcmkit.deidentify(ds, shortKey.toString(), "", "", "ignore"));
      assertThrows(InvalidArgumentException.class, () -> dcmkit.deidentify(ds, key.toString(), "everything", "", "ignore"));
    }
    // Files into a folder: the sample (flagged), a text file (skipped); refused without "flag".
    Path notes = Paths.get(work, "deid_notes_java.txt"), out = Paths.get(work, "deid_files_java");
    Files.write(notes, "not a DICOM file, but long enough for the reader to look at it\n".getBytes("UTF-8"));
    DeidFilesReport f = dcmkit.deidentifyFiles(path + "\n" + notes, out.toString(), key.toString(), "", "", "flag", 2, false);
    assertEquals(2L, f.count());
    assertEquals(path, f.input(0));
    assertEquals("written", f.status(0));
    assertTrue(f.burnedInFlagged(0));
    assertEquals(out.resolve(dcmkit.deidUid(key.toString(), "1.2.826.0.1.3680043.2.1125.99.1") + ".dcm").toString(), f.output(0));
    assertTrue(Files.isRegularFile(Paths.get(f.output(0))));
    assertEquals("skipped", f.status(1));
    assertEquals("not DICOM", f.message(1));
    assertThrows(InvalidArgumentException.class, () -> f.status(2));
    DeidFilesReport refused = dcmkit.deidentifyFiles(path, out.toString(), key.toString());
    assertEquals("refused", refused.status(0));
    assertEquals("", refused.output(0));
  }

  @Test
  void dictionary() throws DicomException {
    assertEquals(0x00100010L, dcmkit.tagOf("PatientName"));
    assertEquals("PatientName", dcmkit.keywordOf(0x00100010L));
    assertFalse(dcmkit.version().isEmpty());
  }

  @Test
  void reading() throws DicomException {
    try (Dataset ds = Dataset.readFile(path)) {
      assertEquals(golden.get("PatientName"), ds.getString("PatientName"));
      assertEquals(golden.get("PatientName"), ds.getString(0x00100010L));
      assertEquals(golden.get("PatientID"), ds.getString("PatientID"));
      assertEquals(Double.parseDouble(golden.get("SliceThickness")), ds.getDouble("SliceThickness"));
      assertEquals(Long.parseLong(golden.get("InstanceNumber")), ds.getInt(0x00200013L));
      assertEquals(Long.parseLong(golden.get("Rows")), ds.getInt("Rows"));
      assertEquals("PN", ds.vr("PatientName"));
      assertTrue(ds.contains("PatientID"));
      assertFalse(ds.contains("PatientBirthDate"));
      assertEquals(Long.parseLong(golden.get("RefCount")), ds.itemCount("ReferencedSOPSequence"));
      try (Dataset item = ds.item("ReferencedSOPSequence", 1)) {
        assertEquals(golden.get("RefUID1"), item.getString("ReferencedSOPInstanceUID"));
      }
      assertEquals(Long.parseLong(golden.get("NumberOfFrames")), ds.frameCount());
      assertArrayEquals(words(4, 4), ds.decodeFrame(1));
      assertArrayEquals(words(0, 4), ds.readFrame(0));
      try (Dataset again = Dataset.readMemory(ds.writeMemory())) {
        assertEquals(golden.get("PatientName"), again.getString("PatientName"));
      }
    }
  }

  // -- the same values through the C ABI (capi_values.c, run by run_with_storescp.sh) ----------------

  static final List<String> HEX_VRS = List.of("FL", "FD", "AT");
  static final List<String> LENGTH_VRS = List.of("OB", "OW", "OF", "OD", "OL", "OV", "UN");
  static final List<String> INT_VRS = List.of("US", "SS", "UL", "SL", "UV", "SV");

  /** capi_values.c's VALUE of one element, read through the binding. */
  static String canonicalValue(Dataset ds, long tag, String vr) {
    try {
      if (vr.equals("SQ")) return "items=" + ds.itemCount(tag);
      if (INT_VRS.contains(vr)) {
        long n = ds.valueCount(tag);
        List<String> values = new ArrayList<>();
        for (long i = 0; i < n; i++) values.add(Long.toString(ds.getInt(tag, i)));
        return String.join("\\", values);
      }
      if (HEX_VRS.contains(vr)) {
        StringBuilder hex = new StringBuilder("hex=");
        for (byte b : ds.getBytes(tag)) hex.append(String.format("%02x", b & 0xFF));
        return hex.toString();
      }
      if (LENGTH_VRS.contains(vr)) return "bytes=" + ds.getBytes(tag).length;
      StringBuilder text = new StringBuilder();
      for (char c : ds.getString(tag).toCharArray()) {  // control characters as capi_values.c writes them
        if (c < 0x20 || c == 0x7F) text.append(String.format("\\x%02X", (int) c));
        else text.append(c);
      }
      return text.toString();
    } catch (DicomException e) {
      return "error=" + e.kind();
    }
  }

  /** The lines capi_values.c prints, built through the binding. */
  static List<String> bindingValues(String file) throws DicomException {
    List<String> lines = new ArrayList<>();
    try (Dataset ds = Dataset.readFile(file)) {
      lines.add("transfer-syntax " + ds.transferSyntax());
      long n = ds.size();
      for (long i = 0; i < n; i++) {
        long tag = ds.tagAt(i);
        String vr = ds.vrAt(i);
        lines.add(String.format("%04x,%04x %s %s", tag >>> 16, tag & 0xFFFF, vr, canonicalValue(ds, tag, vr)));
      }
    }
    return lines;
  }

  /** Every top-level element's value read through the binding equals the one read through the C ABI
   *  (capi_values.txt, UTF-8), line by line: fails with the first line that differs. */
  @Test
  void sameValuesAsTheCAbi() throws Exception {
    Path file = Paths.get(work, "capi_values.txt");
    assertTrue(Files.exists(file), file + " missing: run under run_with_storescp.sh with DK_TEST_CAPI_VALUES");
    // decoding as UTF-8 reports malformed input (MalformedInputException) rather than replacing it
    List<String> expected = Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
    List<String> actual = bindingValues(path);
    assertTrue(expected.size() > 1, "capi_values.txt has element lines");
    for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
      String e = i < expected.size() ? expected.get(i) : "(no line)";
      String a = i < actual.size() ? actual.get(i) : "(no line)";
      assertEquals(e, a, "line " + (i + 1) + " of " + file + " (C ABI) against the binding");
    }
  }

  @Test
  void writingAndTranscoding() throws DicomException {
    String out = Paths.get(work, "out_java_rw.dcm").toString();
    try (Dataset ds = Dataset.readFile(path)) {
      ds.setString("PatientName", "Smith^Jane");
      ds.setInt(0x00200013L, 9);
      ds.setDouble("SliceThickness", 1.25);
      ds.setBytes(0x00091010L, "OB", new byte[] {1, 2, 3, 4});
      byte[] before = ds.decodeFrame(1);
      ds.transcode("1.2.840.10008.1.2.5");
      assertEquals("1.2.840.10008.1.2.5", ds.transferSyntax());
      assertArrayEquals(before, ds.decodeFrame(1));
      ds.writeFile(out);
      assertEquals("", dcmkit.lastWarnings());

      // A lossless JPEG scan whose Se is set (GDCM decodes it with a warning): decoded, and said.
      ds.transcode("1.2.840.10008.1.2.4.70");
      byte[] first = ds.decodeFrame(0), bytes = ds.writeMemory();
      int sos = 0;
      while (sos + 8 < bytes.length && !((bytes[sos] & 0xFF) == 0xFF && (bytes[sos + 1] & 0xFF) == 0xDA)) sos++;
      assertTrue(sos + 8 < bytes.length);
      bytes[sos + 5 + 2 * bytes[sos + 4] + 1] = 63;  // Se
      try (Dataset odd = Dataset.readMemory(bytes)) {
        assertArrayEquals(first, odd.decodeFrame(0));
        assertTrue(dcmkit.lastWarnings().startsWith("frame 0: "), dcmkit.lastWarnings());
      }
    }
    try (Dataset back = Dataset.readFile(out)) {
      assertEquals("Smith^Jane", back.getString("PatientName"));
      assertEquals(9, back.getInt("InstanceNumber"));
      assertEquals(1.25, back.getDouble("SliceThickness"));
      assertArrayEquals(new byte[] {1, 2, 3, 4}, back.getBytes(0x00091010L));
      assertEquals("1.2.840.10008.1.2.5", back.transferSyntax());
    }
  }

  /** The marker segments of a JPEG file up to its scan, in order: {marker, offset of the body}. */
  static List<int[]> jpegMarkers(byte[] b) {
    List<int[]> found = new ArrayList<>();
    int pos = 2;
    while (pos + 4 <= b.length && (b[pos] & 0xFF) == 0xFF && (b[pos + 1] & 0xFF) != 0xDA) {
      found.add(new int[] {b[pos + 1] & 0xFF, pos + 4});
      pos += 2 + (((b[pos + 2] & 0xFF) << 8) | (b[pos + 3] & 0xFF));
    }
    return found;
  }

  @Test
  void renderingToPngAndJpeg() throws Exception {
    int rows = Integer.parseInt(golden.get("Rows"));
    String png = Paths.get(work, "frame1_java.png").toString(), jpg = Paths.get(work, "frame1_java.jpg").toString();
    try (Dataset ds = Dataset.readFile(path)) {
      ds.exportPng(png, 1);
      byte[] p = Files.readAllBytes(Paths.get(png));
      assertEquals("PNG", new String(p, 1, 3, StandardCharsets.US_ASCII));
      assertEquals(rows, ByteBuffer.wrap(p, 20, 4).getInt());
      ds.exportJpeg(jpg, 1, 95);
      byte[] j = Files.readAllBytes(Paths.get(jpg));
      assertEquals(0xFFD8, ((j[0] & 0xFF) << 8) | (j[1] & 0xFF));
      assertEquals(0xFFD9, ((j[j.length - 2] & 0xFF) << 8) | (j[j.length - 1] & 0xFF));
      List<int[]> markers = jpegMarkers(j);
      assertEquals(0xE0, markers.get(0)[0]);
      assertEquals("JFIF", new String(j, markers.get(0)[1], 4, StandardCharsets.US_ASCII));
      int sofs = 0;
      for (int[] m : markers) {
        if (m[0] == 0xC0) {
          sofs++;
          assertEquals(8, j[m[1]] & 0xFF);
          assertEquals(rows, ((j[m[1] + 1] & 0xFF) << 8) | (j[m[1] + 2] & 0xFF));
          assertEquals(1, j[m[1] + 5] & 0xFF);  // one component for MONOCHROME2
        }
        assertFalse(m[0] > 0xC0 && m[0] <= 0xCF && m[0] != 0xC4 && m[0] != 0xC8 && m[0] != 0xCC, "SOF" + (m[0] - 0xC0));
      }
      assertEquals(1, sofs);
      // Quality reaches the encoder (its quantization tables); a window changes the picture.
      String q5 = Paths.get(work, "q5_java.jpg").toString(), w = Paths.get(work, "w_java.jpg").toString();
      ds.exportJpeg(q5, 1, 5);
      assertFalse(Arrays.equals(j, Files.readAllBytes(Paths.get(q5))));
      ds.exportJpeg(w, 1, 95, 0, 1);
      assertFalse(Arrays.equals(j, Files.readAllBytes(Paths.get(w))));
      assertThrows(InvalidArgumentException.class, () -> ds.exportJpeg(jpg, 1, 0));
      assertThrows(InvalidArgumentException.class, () -> ds.exportJpeg(jpg, 1, 101));
      assertArrayEquals(j, Files.readAllBytes(Paths.get(jpg)));
      assertThrows(InvalidArgumentException.class, () -> ds.exportJpeg(jpg, 2));
      assertThrows(IoException.class, () -> ds.exportJpeg(Paths.get(work, "no-such-folder", "x.jpg").toString()));
    }
    String empty = Paths.get(work, "empty_java.jpg").toString();
    try (Dataset ds = new Dataset()) {
      assertThrows(NotFoundException.class, () -> ds.exportJpeg(empty));
    }
    assertFalse(Files.exists(Paths.get(empty)));
  }

  // -- UTF-8 (ISO_IR 192): real UTF-8 across JNI, not Java's modified UTF-8 -------------------------

  static final String[] UNICODE = {
    "Smile\uD83D\uDE00^Face",    // U+1F600 outside the BMP: a 4-byte UTF-8 sequence, a surrogate pair in Java
    "M\u00FCller^Ren\u00E9e",     // accented Latin
    "\u5C71\u7530^\u592A\u90CE", // CJK (山田^太郎)
    "\uD840\uDC0B\u00E9\uD83D\uDE00x",  // U+2000B (CJK Extension B), é, U+1F600
  };

  @Test
  void unicodeRoundTripComparedWithDcmdump() throws Exception {
    for (int i = 0; i < UNICODE.length; i++) {
      String value = UNICODE[i];
      String out = Paths.get(work, "out_java_utf8_" + i + ".dcm").toString();
      try (Dataset ds = Dataset.readFile(path)) {
        ds.setString("SpecificCharacterSet", "ISO_IR 192");
        ds.setString("PatientName", value);
        ds.setString(0x00081030L, value);  // StudyDescription (LO), by tag
        assertEquals(value, ds.getString("PatientName"));
        assertEquals(value, ds.getString(0x00081030L));
        ds.writeFile(out);
      }
      // The peer reads the bytes written: dcmdump prints UTF-8 values as they are (+U8 converts to
      // UTF-8, a no-op for ISO_IR 192), and its output is read as UTF-8.
      assertEquals(value, dcmdumpValue(out, "PatientName"), "dcmdump PatientName of " + out);
      assertEquals(value, tool("dcmdump", "-q", "+U8", "+P", "StudyDescription", out).out.split("\\[|\\]")[1]);
      try (Dataset back = Dataset.readFile(out)) {
        assertEquals(value, back.getString("PatientName"));
        assertEquals(value, back.getString("StudyDescription"));
      }
    }
  }

  @Test
  void longValuesAndKeywords() throws Exception {
    // A value longer than getString's first array (256 bytes; 4-byte characters across its end),
    // read by keyword, by tag and with getStringAt, then a short one on the same thread; dcmdump
    // (+L: the whole value) reads what was written.
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 40; i++) sb.append("Smile\uD83D\uDE00 \u00E9\u5C71 ");  // 16 UTF-8 bytes
    String longValue = sb.toString().trim();
    String out = Paths.get(work, "out_java_utf8_long.dcm").toString();
    try (Dataset ds = Dataset.readFile(path)) {
      ds.setString("SpecificCharacterSet", "ISO_IR 192");
      ds.setString("PatientComments", longValue);  // LT
      assertEquals(longValue, ds.getString("PatientComments"));
      assertEquals(longValue, ds.getString(0x00104000L));
      assertEquals(longValue, ds.getStringAt("PatientComments", 0));
      ds.setString("PatientName", UNICODE[0]);
      assertEquals(UNICODE[0], ds.getString("PatientName"));
      ds.writeFile(out);
      // A keyword with a non-ASCII letter is unknown; a null one is refused.
      assertThrows(NotFoundException.class, () -> ds.getString("Patient\u00E9Name"));
      assertThrows(NullPointerException.class, () -> ds.getString((String) null));
    }
    assertEquals(longValue, tool("dcmdump", "-q", "+U8", "+L", "+P", "PatientComments", out).out.split("\\[|\\]")[1]);
  }

  // DICOMDIR: a file-set of the test file (and a copy under a name that is no File ID: the same
  // instance), its DICOMDIR written and walked; the keys are dcmdump's values.
  @Test
  void dicomdir() throws Exception {
    Path media = Paths.get(work, "media_java");
    if (Files.exists(media)) {
      try (Stream<Path> s = Files.walk(media)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(media.resolve("P1"));
    Files.copy(Paths.get(path), media.resolve("P1").resolve("IM1"));
    Files.copy(Paths.get(path), media.resolve("copy-2.dcm"));
    assertEquals(1L, DicomDir.create(media.toString(), "JAVA_SET"));
    try (DicomDir d = new DicomDir(media.resolve("DICOMDIR").toString())) {
      assertEquals("JAVA_SET", d.filesetId());
      assertEquals(4L, d.size());
      assertEquals(1L, d.childCount(-1));
      long patient = d.child(-1, 0);
      assertEquals("PATIENT", d.recordType(patient));
      assertEquals(-1L, d.parent(patient));
      try (Dataset keys = d.recordDataset(patient)) {
        assertEquals(golden.get("PatientID"), keys.getString("PatientID"));
      }
      long image = d.child(d.child(d.child(patient, 0), 0), 0);
      assertEquals("IMAGE", d.recordType(image));
      assertTrue(d.inUse(image));
      assertEquals(media.resolve("P1").resolve("IM1").toString(), d.filePath(image));
      try (Dataset f = Dataset.readFile(d.filePath(image))) {
        assertEquals(golden.get("SOPInstanceUID"), f.getString("SOPInstanceUID"));
      }
      try (Dataset keys = d.recordDataset(image)) {
        assertEquals(golden.get("SOPInstanceUID"), keys.getString("ReferencedSOPInstanceUIDInFile"));
      }
      assertThrows(NotFoundException.class, () -> d.filePath(patient));
      assertThrows(InvalidArgumentException.class, () -> d.child(patient, 5));
    }
    assertEquals(0L, DicomDir.add(media.resolve("DICOMDIR").toString(), media.resolve("P1").toString()));
    assertThrows(ParseException.class, () -> new DicomDir(path).close());
  }

  // Export to media: the test file exported to a new folder, its DICOMDIR walked (the SOP Instance
  // UID dcmdump's); a second export into the same folder is refused, an unknown patient NotFound.
  @Test
  void exportMedia() throws Exception {
    Path src = Paths.get(work, "media_src_java"), out = Paths.get(work, "media_out_java");
    for (Path d : new Path[] {src, out}) {
      if (Files.exists(d)) {
        try (Stream<Path> s = Files.walk(d)) {
          s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
    Files.createDirectories(src);
    Files.copy(Paths.get(path), src.resolve("in.dcm"));
    assertEquals(1L, dcmkit.exportMedia(out.toString(), src.toString(), "", "", "", "", "", "refuse", "", "", "JAVA_MEDIA"));
    try (DicomDir d = new DicomDir(out.resolve("DICOMDIR").toString())) {
      assertEquals("JAVA_MEDIA", d.filesetId());
      long image = d.child(d.child(d.child(d.child(-1, 0), 0), 0), 0);
      assertEquals(out.resolve("DICOM/P0000001/S0000001/R0000001/I0000001").toString(), d.filePath(image));
      try (Dataset keys = d.recordDataset(image)) {
        assertEquals(golden.get("SOPInstanceUID"), keys.getString("ReferencedSOPInstanceUIDInFile"));
      }
    }
    assertThrows(InvalidArgumentException.class, () -> dcmkit.exportMedia(out.toString(), src.toString()));
    assertThrows(NotFoundException.class,
                 () -> dcmkit.exportMedia(Paths.get(work, "media_none_java").toString(), src.toString(), "NOBODY"));
    // The report: the instance with its File ID, the text file skipped with why.
    Path rout = Paths.get(work, "media_report_java");
    if (Files.exists(rout)) {
      try (Stream<Path> s = Files.walk(rout)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Path notes = src.resolve("notes.txt");
    Files.write(notes, "not a DICOM file, but long enough for the reader to look at it\n".getBytes("UTF-8"));
    MediaExportReport r = dcmkit.exportMediaReport(rout.toString(), src.toString());
    assertEquals(1L, r.exported());
    assertEquals(1L, r.fileCount());
    assertEquals(src.resolve("in.dcm").toString(), r.fileSource(0));
    assertEquals("DICOM/P0000001/S0000001/R0000001/I0000001", r.fileId(0));
    assertTrue(Files.isRegularFile(rout.resolve(r.fileId(0))));
    assertEquals(1L, r.skippedCount());
    assertEquals(notes.toString(), r.skippedPath(0));
    assertFalse(r.skippedReason(0).isEmpty());
    assertEquals(0L, r.refusedCount());
    assertEquals(rout.resolve("DICOMDIR").toString(), r.dicomdir());
    assertEquals("", r.iso());
    assertThrows(InvalidArgumentException.class, () -> r.skippedPath(1));
    Files.delete(notes);
  }

  @Test
  void readsFourByteUtf8MadeByDump2dcm() throws Exception {
    // The dump file's values are raw UTF-8 bytes (written here, not through a Java String).
    Path dump = Paths.get(work, "utf8_java.dump");
    Path file = Paths.get(work, "utf8_java.dcm");
    byte[] name = {'A', (byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80, '^', (byte) 0xC3, (byte) 0xA9,
                   (byte) 0xE5, (byte) 0xB1, (byte) 0xB1, (byte) 0xF0, (byte) 0xA0, (byte) 0x80, (byte) 0x8B};
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.writeBytes("(0008,0005) CS [ISO_IR 192]\n(0010,0010) PN [".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    b.writeBytes(name);
    b.writeBytes("]\n(0010,0020) LO [ID42]\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Files.write(dump, b.toByteArray());
    Run r = tool("dump2dcm", "-q", dump.toString(), file.toString());
    assertEquals(0, r.code, "dump2dcm: " + r.out);
    String expected = "A\uD83D\uDE00^\u00E9\u5C71\uD840\uDC0B";
    assertEquals(expected, new String(name, java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(expected, dcmdumpValue(file.toString(), "PatientName"));
    try (Dataset ds = Dataset.readFile(file.toString())) {
      assertEquals(expected, ds.getString("PatientName"));
      assertEquals(expected, ds.getString(0x00100010L));
      assertEquals("ID42", ds.getString("PatientID"));
      // and back: the same bytes in the encoded dataset
      ds.setString("PatientID", ds.getString("PatientName"));
      assertEquals(expected, ds.getString("PatientID"));
    }
  }

  /** The error classes of every C ABI code (dk_common.h): the same classes in C++, Python, C# and Java. */
  static final Map<Integer, String> CODE_CLASSES = new HashMap<>();
  static {
    String[] names = {"InvalidArgument", "NotFound", "Io", "Parse", "Parse", "Parse", "Parse", "Parse", "Parse",
        "Unsupported", "Charset", "BadValue", "Network", "NetworkTimeout", "AssociationRejected",
        "AssociationAborted", "Protocol", "Refused", "Internal", "NoMemory", "Internal"};
    for (int i = 0; i < names.length; i++) CODE_CLASSES.put(-1 - i, names[i]);
  }

  @Test
  void uidConstantsComeFromTheRegistry() {
    assertEquals("1.2.840.10008.5.1.4.1.1.2", Uid.CTImageStorage);
    assertEquals("1.2.840.10008.1.2.4.201", Uid.HTJ2KLossless);
    assertTrue(Uid.COMMON_STORAGE.size() > 30 && Uid.COMMON_STORAGE.contains(Uid.CTImageStorage));
    assertThrows(UnsupportedOperationException.class, () -> Uid.COMMON_STORAGE.add("1.2.3"));
  }

  @Test
  void everyCErrorCodeHasItsClass() throws DicomException {
    List<Integer> known = new ArrayList<>();
    for (int code = -1; code > -200; code--)
      if (!dcmkit.resultName(code).equals("unknown result code")) known.add(code);
    assertEquals(CODE_CLASSES.size(), known.size(), "C ABI codes (update the table when they change)");
    for (int code : known) {
      final int c = code;
      DicomException e = assertThrows(DicomException.class, () -> dcmkit.throwError(c, "code " + c));
      assertEquals(CODE_CLASSES.get(code) + "Exception", e.getClass().getSimpleName(), "class of code " + code);
      assertEquals(code, e.code());
      assertEquals(dcmkit.resultName(code), e.kind());
      assertEquals("code " + code, e.getMessage());
      if (code <= -14 && code >= -18) assertTrue(e instanceof NetworkException, e.getClass().getName());
      if (code == -11) assertTrue(e instanceof BadValueException);
    }
    DicomException e = assertThrows(DicomException.class, () -> dcmkit.throwError(-999, "unknown"));
    assertEquals(DicomException.class, e.getClass());
  }

  @Test
  void errors() throws DicomException {
    assertThrows(ParseException.class, () -> Dataset.readMemory(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}));
    assertThrows(DicomException.class, () -> Dataset.readFile(Paths.get(work, "missing.dcm").toString()));
    try (Dataset ds = new Dataset()) {
      assertThrows(NotFoundException.class, () -> ds.getString("NoSuchKeyword"));
      // Query keys as findscu -k spells them (the parser is the library's: dk_dataset_set_key).
      ds.setKey("ScheduledProcedureStepSequence[1].Modality=MR");
      assertEquals(2, ds.itemCount("ScheduledProcedureStepSequence"));
      try (Dataset item = ds.item("ScheduledProcedureStepSequence", 1)) {
        assertEquals("MR", item.getString("Modality"));
      }
      assertThrows(InvalidArgumentException.class, () -> ds.setKey("PatientName[0].Modality=CT"));
      NotFoundException e = assertThrows(NotFoundException.class, () -> ds.getString(0x00100030L));
      assertEquals("not found", e.kind());
      assertTrue(e.code() < 0);
      ds.setString("PatientName", "X");
      assertThrows(BadValueException.class, () -> ds.getInt("PatientName"));
    }
    try (AE ae = new AE("DKTEST")) {
      ae.addVerification();
      assertThrows(NetworkException.class, () -> Association.connect(ae, "127.0.0.1", 1, "NOBODY"));
    }
  }

  @Test
  void echoAndStore() throws DicomException {
    String out = Paths.get(work, "out_java.dcm").toString();
    try (Dataset ds = Dataset.readFile(path)) {
      ds.setString("PatientName", "Smith^Jane");
      ds.writeFile(out);
    }
    try (AE ae = new AE("DKTEST_JAVA")) {
      ae.addVerification();
      ae.addStorageForFile(out);
      try (Association a = Association.connect(ae, "127.0.0.1", port, "STORESCP")) {
        assertEquals(0, a.echo());
        assertEquals(0, a.storeFile(out));
        try (Dataset ds = Dataset.readFile(out)) {
          ds.setString("SOPInstanceUID", dcmkit.generateUid());
          assertEquals(0, a.storeDataset(ds));
        }
        a.release();
        assertFalse(a.established());
      }
    }
  }
  // -- peers ------------------------------------------------------------------------------------

  /** A DCMTK tool's exit code and output (stdout + stderr), TCP_NODELAY=1, killed after 30 s. */
  static final class Run {
    final int code;
    final String out;
    Run(int code, String out) { this.code = code; this.out = out; }
  }
  static Run tool(String... argv) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().put("TCP_NODELAY", "1");
    Path log = Files.createTempFile(Paths.get(work), "tool", ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();  // this process only
      fail(argv[0] + " still running after 30 s: " + Files.readString(log));
    }
    return new Run(p.exitValue(), Files.readString(log));
  }
  /** The first value dcmdump prints for {@code key} in {@code file}, brackets removed. */
  static String dcmdumpValue(String file, String key) throws Exception {
    String line = tool("dcmdump", "-q", "+P", key, file).out.split("\n")[0];
    int open = line.indexOf('['), close = line.lastIndexOf(']');
    return open >= 0 && close > open ? line.substring(open + 1, close) : null;
  }

  // -- SCP: handlers in Java, DCMTK's echoscu, storescu and findscu as peers ----------------------

  /** Refuses REJECTME, throws for THROWER (association: THROWASSOC); records what it is asked. */
  static class TestHandler extends ServerHandler {
    final List<String> associations = Collections.synchronizedList(new ArrayList<>());
    final List<String> stored = Collections.synchronizedList(new ArrayList<>());
    final List<String> finds = Collections.synchronizedList(new ArrayList<>());
    final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    volatile int echoes;
    volatile FindResponder kept;  // kept past its call: must refuse to emit then

    @Override
    public boolean onAssociate(AssocInfo info) {
      associations.add(info.getCallingAe() + "->" + info.getCalledAe());
      if (info.getCallingAe().equals("THROWASSOC")) throw new IllegalStateException("association refused by the test");
      if (info.getCallingAe().equals("USERCHECK"))  // a user identity policy: alice with her passcode only
        return info.getIdentityType() == 2 && info.getIdentity().equals("alice") && info.getPasscode().equals("s3cret");
      return !info.getCallingAe().equals("REJECTME");
    }
    @Override
    public int onEcho(AssocInfo info) {
      threads.add(Thread.currentThread().getName());
      if (info.getCallingAe().equals("THROWER")) throw new IllegalStateException("echo refused by the test");
      synchronized (this) { echoes++; }
      return 0;
    }
    @Override
    public int onStore(StoreInfo info) throws Exception {
      if (info.getCallingAe().equals("THROWER")) throw new java.io.IOException("store refused by the test");
      try (Dataset ds = Dataset.readFile(info.getPath())) {  // a checked DicomException may escape
        stored.add(info.getSopInstanceUid() + "|" + ds.getString("PatientName") + "|" + info.getSopClassUid());
      }
      return 0;
    }
    @Override
    public int onFind(FindInfo info, Dataset identifier, FindResponder responder) throws Exception {
      kept = responder;
      try (identifier) {
        finds.add(info.getLevel() + "|" + identifier.getString("QueryRetrieveLevel") + "|" + identifier.getString("PatientName"));
        for (String name : new String[] {"Find^One", "Find^Two"}) {
          try (Dataset match = new Dataset()) {
            match.setString("PatientName", name);
            match.setString("StudyInstanceUID", "1.2.826.0.1.3680043.2.1125.89." + name.charAt(5));
            if (!responder.emit(match)) return 0xFE00;
          }
        }
      }
      return 0;
    }
  }

  /** TLS: a binding server bound to the client certificate; storescu +tls and our SCU as peers. */
  static class TlsHandler extends ServerHandler {
    final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    @Override public int onEcho(AssocInfo info) { seen.add("echo|" + info.getCallingAe() + "|" + info.getTlsSubject()); return 0; }
    @Override public int onStore(StoreInfo info) { seen.add("store|" + info.getCallingAe() + "|" + info.getTlsSubject()); return 0; }
  }

  @Test
  void tlsServerAndClient() throws Exception {
    Path pki = Files.createDirectories(Paths.get(work, "pki_java"));
    Run r = tool("sh", System.getenv("DK_TEST_PKI_SCRIPT"), pki.toString());
    assertEquals(0, r.code, r.out);
    java.util.function.Function<String, String> p = f -> pki.resolve(f).toString();
    TlsHandler handler = new TlsHandler();
    try (AE ae = new AE("TLS_JAVA", 10000)) {
      ae.addVerification();
      ae.addAllStorage();
      ae.setTls(p.apply("server.pem"), p.apply("server.key"), p.apply("ca.pem"));
      ae.bindCertificate("MODALITY1", "dns:modality1.example");
      assertThrows(InvalidArgumentException.class, () -> ae.setTls(p.apply("server.pem"), p.apply("missing.key"), p.apply("ca.pem")));
      try (Server server = new Server(ae, handler)) {
        server.start("127.0.0.1", 0);
        String port = Integer.toString(server.port());
        r = tool("storescu", "-aet", "MODALITY1", "-aec", "TLS_JAVA", "+tls", p.apply("client.key"), p.apply("client.pem"),
                 "+cf", p.apply("ca.pem"), "127.0.0.1", port, path);
        assertEquals(0, r.code, r.out);
        r = tool("storescu", "-aet", "INTRUDER", "-aec", "TLS_JAVA", "+tls", p.apply("client.key"), p.apply("client.pem"),
                 "+cf", p.apply("ca.pem"), "127.0.0.1", port, path);
        assertTrue(r.code != 0 && r.out.contains("Rejected"), r.out);
        try (AE scu = new AE("MODALITY1", 10000)) {
          scu.addVerification();
          scu.setTls(p.apply("client.pem"), p.apply("client.key"), p.apply("ca.pem"));
          try (Association a = Association.connect(scu, "127.0.0.1", server.port(), "TLS_JAVA")) {
            assertEquals(0, a.echo());
            a.release();
          }
          scu.clearTls();
          assertThrows(DicomException.class, () -> Association.connect(scu, "127.0.0.1", server.port(), "TLS_JAVA"));
        }
        server.stop();
      }
    }
    assertEquals(2, handler.seen.size(), handler.seen.toString());
    assertTrue(handler.seen.contains("store|MODALITY1|CN=modality1,O=dcmkit test"), handler.seen.toString());
    assertTrue(handler.seen.contains("echo|MODALITY1|CN=modality1,O=dcmkit test"), handler.seen.toString());
  }

  @Test
  void serverWithJavaHandlers() throws Exception {
    TestHandler handler = new TestHandler();
    try (AE ae = new AE("DKSCP_JAVA")) {
      ae.addVerification();
      ae.addAllStorage();
      ae.addSopClass("1.2.840.10008.5.1.4.1.2.2.1", false, true);  // Study Root FIND as SCP
      try (Server server = new Server(ae, handler)) {
        server.start("127.0.0.1", 0);
        String p = Integer.toString(server.port());

        Run r = tool("echoscu", "-aet", "ECHOER", "-aec", "DKSCP_JAVA", "127.0.0.1", p);
        assertEquals(0, r.code, r.out);
        assertEquals(1, handler.echoes);
        assertTrue(handler.associations.contains("ECHOER->DKSCP_JAVA"), handler.associations.toString());

        r = tool("storescu", "-aet", "STORER", "-aec", "DKSCP_JAVA", "127.0.0.1", p, path);
        assertEquals(0, r.code, r.out);
        // The user identity storescu sends reaches onAssociate, which accepts alice's passcode only.
        Run wrong = tool("storescu", "-aet", "USERCHECK", "-aec", "DKSCP_JAVA", "--user", "alice", "--password", "guess",
                         "127.0.0.1", p, path);
        assertTrue(wrong.code != 0 && wrong.out.contains("Rejected"), wrong.out);
        assertEquals(List.of(golden.get("SOPInstanceUID") + "|" + golden.get("PatientName") + "|1.2.840.10008.5.1.4.1.1.7"),
                     handler.stored);
        r = tool("storescu", "-aet", "USERCHECK", "-aec", "DKSCP_JAVA", "--user", "alice", "--password", "s3cret",
                 "127.0.0.1", p, path);
        assertEquals(0, r.code, r.out);
        assertEquals(2, handler.stored.size(), handler.stored.toString());
        handler.stored.remove(1);

        // Thrown exceptions: failure statuses the peers report, and the server goes on.
        r = tool("storescu", "-v", "-aet", "THROWER", "-aec", "DKSCP_JAVA", "127.0.0.1", p, path);
        assertTrue(r.out.matches("(?is).*(0xa700|out ?of ?resources).*"), r.out);
        assertTrue(server.lastHandlerError().contains("store refused by the test"), server.lastHandlerError());
        r = tool("echoscu", "-v", "-aet", "THROWER", "-aec", "DKSCP_JAVA", "127.0.0.1", p);
        assertTrue(r.out.matches("(?s).*0x0?110\\b.*"), r.out);  // echoscu: "Unknown Status: 0x110"
        r = tool("echoscu", "-aet", "REJECTME", "-aec", "DKSCP_JAVA", "127.0.0.1", p);
        assertTrue(r.code != 0 && r.out.contains("Rejected"), r.out);
        r = tool("echoscu", "-aet", "THROWASSOC", "-aec", "DKSCP_JAVA", "127.0.0.1", p);
        assertTrue(r.code != 0 && r.out.contains("Rejected"), r.out);
        assertEquals(1, handler.echoes);
        assertEquals(0, tool("echoscu", "-aet", "ECHOER", "-aec", "DKSCP_JAVA", "127.0.0.1", p).code);
        assertEquals(2, handler.echoes);
        // Our SCU's user identity (setUserIdentity) reaches onAssociate: alice's passcode passes.
        try (AE scu = new AE("USERCHECK", 10000)) {
          scu.addVerification();
          scu.setUserIdentity(2, "alice", "s3cret");
          try (Association a = Association.connect(scu, "127.0.0.1", server.port(), "DKSCP_JAVA")) {
            assertEquals(0, a.echo());
            assertEquals("", a.userIdentityResponse());
            a.release();
          }
          scu.setUserIdentity(2, "alice", "guess");
          assertThrows(AssociationRejectedException.class,
                       () -> Association.connect(scu, "127.0.0.1", server.port(), "DKSCP_JAVA"));
        }
        assertEquals(3, handler.echoes);
        // Handlers ran on the server's native threads, attached to the JVM for the call.
        assertFalse(handler.threads.contains(Thread.currentThread().getName()), handler.threads.toString());

        // C-FIND: the matches onFind emits reach findscu (which writes them out: -X).
        Path rsp = Files.createDirectories(Paths.get(work, "findscu_java"));
        r = tool("findscu", "-S", "-aet", "FINDER", "-aec", "DKSCP_JAVA", "-k", "QueryRetrieveLevel=STUDY", "-k",
                 "PatientName=Find*", "-k", "StudyInstanceUID", "-X", "-od", rsp.toString(), "127.0.0.1", p);
        assertEquals(0, r.code, r.out);
        assertEquals(List.of("STUDY|STUDY|Find*"), handler.finds);
        List<String> files;
        try (Stream<Path> s = Files.list(rsp)) {
          files = s.map(Path::toString).sorted().collect(Collectors.toList());
        }
        assertEquals(2, files.size(), files.toString());
        assertEquals("Find^One", dcmdumpValue(files.get(0), "PatientName"));
        assertEquals("Find^Two", dcmdumpValue(files.get(1), "PatientName"));
        try (Dataset late = new Dataset()) {
          assertThrows(InvalidArgumentException.class, () -> handler.kept.emit(late));
        }
        server.stop(5000);
      }
    }
  }

  @Test
  void storageFolderWithASizeLimit() throws Exception {
    // The dataset is refused before any handler sees it, and no file stays.
    TestHandler handler = new TestHandler();
    Path folder = Files.createDirectories(Paths.get(work, "limited"));
    try (AE ae = new AE("DKLIMIT_JAVA")) {
      ae.addVerification();
      ae.addAllStorage();
      try (Server server = new Server(ae, handler)) {
        server.setStorageFolder(folder.toString(), false);
        server.setStorageLimits(64);
        server.start("127.0.0.1", 0);
        Run r = tool("storescu", "-v", "-aet", "STORER", "-aec", "DKLIMIT_JAVA", "127.0.0.1",
                     Integer.toString(server.port()), path);
        assertTrue(r.out.matches("(?is).*(0xa700|out ?of ?resources).*"), r.out);
        assertEquals(List.of(), handler.stored);
        try (Stream<Path> s = Files.list(folder)) {
          assertEquals(0, s.count());
        }
      }
    }
  }

  // -- SCU Q/R against DCMTK's dcmqrscp; our Server as the C-MOVE destination ---------------------

  static Dataset query(String level, String... keys) throws DicomException {
    Dataset id = new Dataset();
    id.setString("QueryRetrieveLevel", level);
    for (String k : keys) {
      int eq = k.indexOf('=');
      if (eq < 0) id.setString(k, ""); else id.setString(k.substring(0, eq), k.substring(eq + 1));
    }
    return id;
  }

  @Test
  void queryRetrieveAgainstDcmqrscp() throws Exception {
    int qrPort = Integer.parseInt(System.getenv("DK_TEST_QR_PORT"));
    int destPort = Integer.parseInt(System.getenv("DK_TEST_DEST_PORT"));
    int count = Integer.parseInt(golden.get("QrCount"));
    TreeMap<String, List<Integer>> studies = new TreeMap<>();
    for (int i = 1; i <= count; i++) studies.computeIfAbsent(golden.get("QrStudy." + i), k -> new ArrayList<>()).add(i);
    List<String> moved = Collections.synchronizedList(new ArrayList<>());
    ServerHandler collector = new ServerHandler() {
      @Override
      public int onStore(StoreInfo info) {
        moved.add(info.getSopInstanceUid());
        return 0;
      }
    };
    try (AE destAe = new AE("DKDEST"); AE ae = new AE("DKQR_JAVA", 20000)) {
      destAe.addVerification();
      destAe.addAllStorage();
      ae.addQueryRetrieve();
      ae.addGetStorage();
      try (Server dest = new Server(destAe, collector);
           Association a = Association.connect(ae, "127.0.0.1", qrPort, "QRSCP")) {
        dest.start("127.0.0.1", destPort);

        // C-FIND, study level: one match per study, with the values of the files dcmqrscp holds.
        try (Dataset q = query("STUDY", "PatientName=Qr*", "StudyInstanceUID", "PatientID", "StudyDate", "AccessionNumber")) {
          FindResult r = a.find(q);
          assertEquals(0, r.status());
          assertEquals(studies.size(), r.size());
          for (Dataset m : r) {
            try (m) {
              String uid = m.getString("StudyInstanceUID");
              assertTrue(studies.containsKey(uid), uid);
              int first = studies.get(uid).get(0);
              assertEquals(golden.get("QrPid." + first), m.getString("PatientID"));
              assertEquals(golden.get("QrDate." + first), m.getString("StudyDate"));
              assertEquals(golden.get("QrAcc." + first), m.getString("AccessionNumber"));
            }
          }
        }
        // C-FIND, image level in the first study.
        String study1 = studies.firstKey();
        List<String> expected1 = studies.get(study1).stream().map(i -> golden.get("QrSop." + i)).sorted().collect(Collectors.toList());
        try (Dataset q = query("IMAGE", "StudyInstanceUID=" + study1,
                               "SeriesInstanceUID=" + golden.get("QrSeries." + studies.get(study1).get(0)), "SOPInstanceUID")) {
          FindResult r = a.find(q, "1.2.840.10008.5.1.4.1.2.2.1");
          assertEquals(0, r.status());
          List<String> got = new ArrayList<>();
          for (Dataset m : r) got.add(m.getString("SOPInstanceUID"));
          Collections.sort(got);
          assertEquals(expected1, got);
        }
        // C-MOVE of the first study to DKDEST, our Server.
        try (Dataset q = query("STUDY", "StudyInstanceUID=" + study1)) {
          RetrieveResult r = a.move("DKDEST", q);
          assertEquals(0, r.getStatus());
          assertEquals(expected1.size(), r.getCompleted());
          assertEquals(0, r.getFailed());
          List<String> got = new ArrayList<>(moved);
          Collections.sort(got);
          assertEquals(expected1, got);
        }
        // C-GET of the second study into a folder.
        String study2 = studies.lastKey();
        Path into = Files.createDirectories(Paths.get(work, "got_java"));
        try (Dataset q = query("STUDY", "StudyInstanceUID=" + study2)) {
          RetrieveResult r = a.get(q, into.toString());
          assertEquals(0, r.getStatus());
          assertEquals(studies.get(study2).size(), r.getCompleted());
          assertEquals(studies.get(study2).size(), r.getStored());
          for (int i : studies.get(study2)) {
            Path file = into.resolve(golden.get("QrSop." + i) + ".dcm");
            assertTrue(Files.isRegularFile(file), file.toString());
            try (Dataset got = Dataset.readFile(file.toString())) {
              assertEquals(golden.get("QrName." + i), got.getString("PatientName"));
              assertEquals(golden.get("QrSop." + i), got.getString("SOPInstanceUID"));
            }
          }
        }
        a.release();
        dest.stop(5000);
      }
    }
  }

  // -- the embedded archive: storescu stores into it, onStored sees it, findscu finds it -------------

  static class StoredHandler extends ArchiveHandler {
    final List<String> stored = Collections.synchronizedList(new ArrayList<>());  // "UID|class|AE|path"
    @Override
    public int onStored(StoredInstance info) throws Exception {
      if (info.getCallingAe().equals("THROWER")) throw new IllegalStateException("ignored by the archive");
      stored.add(info.getSopInstanceUid() + "|" + info.getSopClassUid() + "|" + info.getCallingAe() + "|" + info.getPath());
      return 0;
    }
  }

  @Test
  void archiveWithJavaHandler() throws Exception {
    String study = "1.2.826.0.1.3680043.2.1125.82.1";
    String file = Paths.get(work, "archive_in_java.dcm").toString(), storage = Paths.get(work, "archive_java").toString();
    try (Dataset ds = Dataset.readFile(path)) {  // the sample, given a study and series (the index needs them)
      ds.setString("StudyInstanceUID", study);
      ds.setString("SeriesInstanceUID", study + ".1");
      ds.writeFile(file);
    }
    StoredHandler handler = new StoredHandler();
    try (Archive archive = new Archive(storage, "DKARCH_JAVA", "allow = STORER FINDER THROWER\n", handler)) {
      archive.start("127.0.0.1", 0);
      String p = Integer.toString(archive.port());
      Run r = tool("storescu", "-aet", "STORER", "-aec", "DKARCH_JAVA", "127.0.0.1", p, file);
      assertEquals(0, r.code, r.out);
      assertEquals(1, handler.stored.size(), handler.stored.toString());
      String[] f = handler.stored.get(0).split("\\|");
      assertEquals(golden.get("SOPInstanceUID"), f[0]);
      assertEquals("1.2.840.10008.5.1.4.1.1.7", f[1]);
      assertEquals("STORER", f[2]);
      assertTrue(f[3].startsWith(storage) && Files.exists(Paths.get(f[3])), f[3]);
      // A throwing onStored does not fail the store.
      r = tool("storescu", "-aet", "THROWER", "-aec", "DKARCH_JAVA", "127.0.0.1", p, file);
      assertEquals(0, r.code, r.out);
      // Not in the allow list: rejected.
      r = tool("echoscu", "-aet", "STRANGER", "-aec", "DKARCH_JAVA", "127.0.0.1", p);
      assertTrue(r.code != 0, r.out);
      r = tool("findscu", "-v", "-S", "-aet", "FINDER", "-aec", "DKARCH_JAVA", "-k", "QueryRetrieveLevel=IMAGE",
               "-k", "StudyInstanceUID=" + study, "-k", "SOPInstanceUID", "127.0.0.1", p);
      assertEquals(0, r.code, r.out);
      assertTrue(r.out.contains(golden.get("SOPInstanceUID")), r.out);
      ArchiveCounters c = archive.counters();
      assertEquals(2, c.getInstancesStored());
      assertEquals(1, c.getInstancesHeld());
      assertEquals(0, c.getStoresRefused());
      archive.stop(5000);
    }
    Path conf = Paths.get(work, "archive_java_bad.conf");
    Files.writeString(conf, "storage = " + storage + "\nservices = storage fax\n");
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> new Archive(conf.toString(), null));
    assertTrue(e.getMessage().contains("archive_java_bad.conf:2: unknown service 'fax'"), e.getMessage());
  }

  // -- HL7 v2 over MLLP: an ORM^O01 to the archive's order listener (hl7_port = 0) ---------------------

  @Test
  void hl7SendIsAcknowledgedByTheOrderListener() throws Exception {
    try (Archive archive = new Archive(Paths.get(work, "hl7_java").toString(), "DKHL7_JAVA", "hl7_port = 0\n", null)) {
      archive.start("127.0.0.1", 0);
      String ack = dcmkit.hl7Send("127.0.0.1", archive.hl7Port(), "MSH|^~\\&|RIS|HOSP|PACS|RAD|20261207120000||ORM^O01|JAVA-1|P|2.3.1\rPID|||P7^^^HOSP||Doe^Jane||19800101|F\rORC|NW|PL7|FL7\rOBR|1|PL7|FL7|CT^CT Chest||||||||||||||ACC7|RP7|SPS7|CT01|||CT\r", 10000);
      assertTrue(ack.startsWith("MSH|"), ack);
      assertTrue(ack.contains("\rMSA|AA|JAVA-1"), ack);
      archive.stop(5000);
    }
    assertThrows(NetworkException.class,
                 () -> dcmkit.hl7Send("127.0.0.1", 1, "MSH|^~\\&|A|B|C|D|20261207||ADT^A08|X|P|2.5\r", 2000));
  }

  // -- the DICOMweb client against the archive's DICOMweb server (http_port = 0) -------------------

  @Test
  void webClientStoresSearchesRetrieves() throws Exception {
    String study = "1.2.826.0.1.3680043.2.1125.84.1";
    String file = Paths.get(work, "web_in_java.dcm").toString(), storage = Paths.get(work, "web_java").toString();
    String out = Paths.get(work, "web_out_java").toString();
    try (Dataset ds = Dataset.readFile(path)) {
      ds.setString("StudyInstanceUID", study);
      ds.setString("SeriesInstanceUID", study + ".1");
      ds.writeFile(file);
    }
    try (Archive archive = new Archive(storage, "DKWEB_JAVA", "http_port = 0\n", new StoredHandler())) {
      archive.start("127.0.0.1", 0);
      try (WebClient web = new WebClient("http://127.0.0.1:" + archive.httpPort() + "/dicomweb")) {
        web.addFile(file);
        assertEquals(1, web.store());
        assertEquals(200, web.httpStatus());
        assertEquals(golden.get("SOPInstanceUID"), web.storedUid(0));
        web.addMatch("PatientID", golden.get("PatientID"));
        web.addInclude("PatientName");
        assertEquals(1, web.search(2, study));
        try (Dataset m = web.result(0)) {
          assertEquals(golden.get("SOPInstanceUID"), m.getString("SOPInstanceUID"));
          assertEquals(golden.get("PatientName"), m.getString("PatientName"));
        }
        assertEquals(1, web.retrieve(study, "", "", out));
        try (Dataset back = Dataset.readFile(web.filePath(0))) {
          assertEquals(golden.get("PatientName"), back.getString("PatientName"));
        }
        assertEquals(1, web.metadata(study));
        String md = Paths.get(work, "web_md_java.json").toString();
        assertEquals(1, web.metadataFile(study, "", "", md));
        assertTrue(new String(java.nio.file.Files.readAllBytes(Paths.get(md)), "UTF-8").contains(golden.get("SOPInstanceUID")));
        // STOW of DICOM JSON: a second instance of the study, then two in its metadata.
        String file2 = Paths.get(work, "web_in_java2.dcm").toString();
        try (Dataset ds = Dataset.readFile(file)) {
          ds.setString("SOPInstanceUID", study + ".2.1");
          ds.writeFile(file2);
        }
        web.addFile(file2);
        assertEquals(1, web.storeJson());
        assertEquals(study + ".2.1", web.storedUid(0));
        assertEquals(2, web.metadata(study));
        // Frames 2 and 1 in RLE (PS3.5 G.5: a 64-byte header whose first word is the number of
        // segments, two for 16-bit samples), and the series (two instances of two frames) rendered as one JPEG per frame.
        String fdir = Paths.get(work, "web_frames_java").toString();
        assertEquals(2, web.framesDir(study, study + ".1", golden.get("SOPInstanceUID"), "2,1", fdir, "rle"));
        assertEquals("image/dicom-rle", web.partMediaType(0));
        assertTrue(web.partPath(0).endsWith(".rle"), web.partPath(0));
        byte[] rle = Files.readAllBytes(Paths.get(web.partPath(0)));
        assertTrue(rle.length > 64);
        assertArrayEquals(new byte[] {2, 0, 0, 0}, Arrays.copyOf(rle, 4));
        assertEquals(4, web.renderedDir(study, study + ".1", "", Paths.get(work, "web_rendered_java").toString()));  // 2 instances of 2 frames
        byte[] jpeg = Files.readAllBytes(Paths.get(web.partPath(1)));
        assertArrayEquals(new byte[] {(byte) 0xFF, (byte) 0xD8}, Arrays.copyOf(jpeg, 2));
        assertThrows(NotFoundException.class, () -> web.retrieve("1.2.3.4.5.6.7.8.9", "", "", out));
        assertThrows(InvalidArgumentException.class, () -> web.result(5));
      }
      archive.stop(5000);
    }
  }
}
