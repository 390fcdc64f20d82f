// Java binding tests (JUnit 5, run by the console launcher under run_with_storescp.sh): values read
// through org.dcmkit are compared with the golden values dcmdump printed for the same file.
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.*;
import java.util.*;
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
    }
    try (Dataset back = Dataset.readFile(out)) {
      assertEquals("Smith^Jane", back.getString("PatientName"));
      assertEquals(9, back.getInt("InstanceNumber"));
      assertEquals(1.25, back.getDouble("SliceThickness"));
      assertArrayEquals(new byte[] {1, 2, 3, 4}, back.getBytes(0x00091010L));
      assertEquals("1.2.840.10008.1.2.5", back.transferSyntax());
    }
  }

  @Test
  void errors() throws DicomException {
    assertThrows(ParseException.class, () -> Dataset.readMemory(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}));
    assertThrows(DicomException.class, () -> Dataset.readFile(Paths.get(work, "missing.dcm").toString()));
    try (Dataset ds = new Dataset()) {
      assertThrows(NotFoundException.class, () -> ds.getString("NoSuchKeyword"));
      NotFoundException e = assertThrows(NotFoundException.class, () -> ds.getString(0x00100030L));
      assertEquals("not found", e.kind());
      assertTrue(e.code() < 0);
      ds.setString("PatientName", "X");
      assertThrows(ValueException.class, () -> ds.getInt("PatientName"));
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
}
