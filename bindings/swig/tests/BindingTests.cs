// C# binding tests (a plain assertion runner, run by mono under run_with_storescp.sh): values read
// through DcmKit are compared with the golden values dcmdump printed for the same file.
using System;
using System.Collections.Generic;
using System.IO;
using DcmKit;

static class BindingTests {
  static int failures = 0;
  static Dictionary<string, string> golden = new Dictionary<string, string>();

  static void Check(bool ok, string what) {
    if (!ok) { failures++; Console.Error.WriteLine("FAIL: " + what); }
  }
  static void Equal<T>(T expected, T actual, string what) {
    Check(EqualityComparer<T>.Default.Equals(expected, actual), what + ": expected <" + expected + "> got <" + actual + ">");
  }
  static void Throws<E>(Action a, string what) where E : Exception {
    try { a(); Check(false, what + ": no exception"); }
    catch (E) { }
    catch (Exception e) { Check(false, what + ": " + e.GetType().Name + " instead of " + typeof(E).Name + ": " + e.Message); }
  }
  static byte[] WordsToBytes(string words, int from, int count) {  // dcmdump's OW "0001\0002" → little endian bytes
    string[] w = words.Split('\\');
    var b = new byte[count * 2];
    for (int i = 0; i < count; i++) {
      ushort v = Convert.ToUInt16(w[from + i], 16);
      b[2 * i] = (byte)(v & 0xFF);
      b[2 * i + 1] = (byte)(v >> 8);
    }
    return b;
  }
  static bool Same(byte[] a, byte[] b) {
    if (a == null || b == null || a.Length != b.Length) return false;
    for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
    return true;
  }

  static void Reading(string path) {
    using (Dataset ds = Dataset.ReadFile(path)) {
      Equal(golden["PatientName"], ds.GetString("PatientName"), "PatientName by keyword");
      Equal(golden["PatientName"], ds.GetString(0x00100010u), "PatientName by tag");
      Equal(golden["PatientID"], ds.GetString("PatientID"), "PatientID");
      Equal(double.Parse(golden["SliceThickness"], System.Globalization.CultureInfo.InvariantCulture),
            ds.GetDouble("SliceThickness"), "SliceThickness");
      Equal(long.Parse(golden["InstanceNumber"]), ds.GetInt(0x00200013u), "InstanceNumber by tag");
      Equal(long.Parse(golden["Rows"]), ds.GetInt("Rows"), "Rows");
      Equal("PN", ds.Vr("PatientName"), "VR");
      Check(ds.Contains("PatientID") && !ds.Contains("PatientBirthDate"), "Contains");
      Check(ds.Size() > 10, "Size");
      Equal("1.2.840.10008.1.2.1", ds.TransferSyntax(), "TransferSyntax");
      // sequences
      Equal(ulong.Parse(golden["RefCount"]), ds.ItemCount("ReferencedSOPSequence"), "ItemCount");
      using (Dataset item = ds.Item("ReferencedSOPSequence", 1)) {
        Equal(golden["RefUID1"], item.GetString("ReferencedSOPInstanceUID"), "item 1 UID");
      }
      // pixel data
      Equal(ulong.Parse(golden["NumberOfFrames"]), ds.FrameCount(), "FrameCount");
      Check(Same(WordsToBytes(golden["PixelData"], 4, 4), ds.DecodeFrame(1)), "DecodeFrame(1) = dcmdump's words 5-8");
      Check(Same(WordsToBytes(golden["PixelData"], 0, 4), ds.ReadFrame(0)), "ReadFrame(0) = dcmdump's words 1-4");
      // in-memory round trip
      byte[] encoded = ds.WriteMemory();
      using (Dataset again = Dataset.ReadMemory(encoded)) {
        Equal(golden["PatientName"], again.GetString("PatientName"), "ReadMemory(WriteMemory())");
      }
    }
  }

  static void Writing(string path, string outPath) {
    using (Dataset ds = Dataset.ReadFile(path)) {
      ds.SetString("PatientName", "Smith^Jane");
      ds.SetInt(0x00200013u, 9);
      ds.SetDouble("SliceThickness", 1.25);
      ds.SetString(0x00104000u, "written by C#", "LT");
      using (Dataset item = ds.AddItem("ReferencedSOPSequence")) {
        item.SetString("ReferencedSOPInstanceUID", "1.2.3.4.3");
      }
      ds.WriteFile(outPath, "explicit");
    }
    using (Dataset back = Dataset.ReadFile(outPath)) {
      Equal("Smith^Jane", back.GetString("PatientName"), "written PatientName");
      Equal(9L, back.GetInt("InstanceNumber"), "written InstanceNumber");
      Equal(1.25, back.GetDouble("SliceThickness"), "written SliceThickness");
      Equal("written by C#", back.GetString("PatientComments"), "written LT");
      Equal(3UL, back.ItemCount("ReferencedSOPSequence"), "written item count");
    }
  }

  static void Transcoding(string path, string work) {
    using (Dataset ds = Dataset.ReadFile(path)) {
      byte[] before = ds.DecodeFrame(1);
      ds.Transcode("1.2.840.10008.1.2.5");  // RLE Lossless
      Equal("1.2.840.10008.1.2.5", ds.TransferSyntax(), "transcoded syntax");
      Check(Same(before, ds.DecodeFrame(1)), "RLE frame decodes to the same pixels");
      ds.WriteFile(Path.Combine(work, "rle.dcm"));
    }
  }

  static void Errors(string work) {
    Throws<ParseException>(() => Dataset.ReadMemory(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }).Dispose(), "garbage");
    Throws<DicomException>(() => Dataset.ReadFile(Path.Combine(work, "missing.dcm")).Dispose(), "missing file");
    using (Dataset ds = new Dataset()) {
      Throws<NotFoundException>(() => ds.GetString("NoSuchKeyword"), "unknown keyword");
      Throws<NotFoundException>(() => ds.GetString(0x00100030u), "absent element");
      ds.SetString("PatientName", "X");
      Throws<ValueException>(() => ds.GetInt("PatientName"), "int of PN");
      try { ds.GetString("PatientID"); }
      catch (NotFoundException e) { Equal("not found", e.Kind, "exception kind"); Check(e.Code < 0, "exception code"); }
    }
    using (AE ae = new AE("DKTEST")) {
      ae.AddVerification();
      Throws<NetworkException>(() => Association.Connect(ae, "127.0.0.1", 1, "NOBODY").Dispose(), "connection refused");
    }
  }

  static void Network(string path, string outPath, ushort port) {
    using (AE ae = new AE("DKTEST_CS")) {
      ae.AddVerification();
      ae.AddStorageForFile(outPath);
      using (Association a = Association.Connect(ae, "127.0.0.1", port, "STORESCP")) {
        Equal(0, a.Echo(), "C-ECHO status");
        Equal(0, a.StoreFile(outPath), "C-STORE file status");
        using (Dataset ds = Dataset.ReadFile(outPath)) {
          ds.SetString("SOPInstanceUID", dcmkit.GenerateUid());
          Equal(0, a.StoreDataset(ds), "C-STORE dataset status");
        }
        a.Release();
        Check(!a.Established(), "released");
      }
    }
  }

  static int Main() {
    string path = Environment.GetEnvironmentVariable("DK_TEST_FILE");
    string work = Environment.GetEnvironmentVariable("DK_TEST_WORK");
    foreach (string line in File.ReadAllLines(Environment.GetEnvironmentVariable("DK_TEST_GOLDEN"))) {
      int eq = line.IndexOf('=');
      if (eq > 0) golden[line.Substring(0, eq)] = line.Substring(eq + 1);
    }
    ushort port = ushort.Parse(Environment.GetEnvironmentVariable("DK_TEST_PORT"));
    string outPath = Path.Combine(work, "out_cs.dcm");
    Console.WriteLine("dcmkit " + dcmkit.Version() + ", PatientName tag " + dcmkit.TagOf("PatientName").ToString("x8"));
    Equal(0x00100010u, dcmkit.TagOf("PatientName"), "TagOf");
    Equal("PatientName", dcmkit.KeywordOf(0x00100010u), "KeywordOf");
    var steps = new KeyValuePair<string, Action>[] {
      new KeyValuePair<string, Action>("reading", () => Reading(path)),
      new KeyValuePair<string, Action>("writing", () => Writing(path, outPath)),
      new KeyValuePair<string, Action>("transcoding", () => Transcoding(path, work)),
      new KeyValuePair<string, Action>("errors", () => Errors(work)),
      new KeyValuePair<string, Action>("network", () => Network(path, outPath, port)),
    };
    foreach (var s in steps) {
      try { s.Value(); Console.WriteLine("ran " + s.Key); }
      catch (Exception e) { failures++; Console.Error.WriteLine("FAIL: " + s.Key + ": " + e.GetType().Name + ": " + e.Message); }
    }
    GC.Collect();
    GC.WaitForPendingFinalizers();
    Console.WriteLine(failures == 0 ? "all C# binding tests passed" : failures + " failure(s)");
    return failures == 0 ? 0 : 1;
  }
}
