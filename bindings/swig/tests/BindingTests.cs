// C# binding tests (a plain assertion runner, run by mono under run_with_storescp.sh): values read
// through DcmKit are compared with the golden values dcmdump printed for the same file.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using DcmKit;

static partial class BindingTests {
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

  // -- the same values through the C ABI (capi_values.c, run by run_with_storescp.sh) --------------

  static readonly string[] HexVrs = { "FL", "FD", "AT" };
  static readonly string[] LengthVrs = { "OB", "OW", "OF", "OD", "OL", "OV", "UN" };
  static readonly string[] IntVrs = { "US", "SS", "UL", "SL", "UV", "SV" };

  /// capi_values.c's VALUE of one element, read through the binding.
  static string CanonicalValue(Dataset ds, uint tag, string vr) {
    try {
      if (vr == "SQ") return "items=" + ds.ItemCount(tag);
      if (IntVrs.Contains(vr)) {
        ulong n = ds.ValueCount(tag);
        var values = new List<string>();
        for (ulong i = 0; i < n; i++) values.Add(ds.GetInt(tag, i).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return string.Join("\\", values);
      }
      if (HexVrs.Contains(vr)) return "hex=" + string.Concat(ds.GetBytes(tag).Select(b => b.ToString("x2")));
      if (LengthVrs.Contains(vr)) return "bytes=" + ds.GetBytes(tag).Length;
      var text = new System.Text.StringBuilder();
      foreach (char c in ds.GetString(tag)) {  // control characters as capi_values.c writes them
        if (c < 0x20 || c == 0x7F) text.Append("\\x").Append(((int)c).ToString("X2"));
        else text.Append(c);
      }
      return text.ToString();
    } catch (DicomException e) {
      return "error=" + e.Kind;
    }
  }

  /// The lines capi_values.c prints, built through the binding.
  static List<string> BindingValues(string path) {
    var lines = new List<string>();
    using (Dataset ds = Dataset.ReadFile(path)) {
      lines.Add("transfer-syntax " + ds.TransferSyntax());
      ulong n = ds.Size();
      for (ulong i = 0; i < n; i++) {
        uint tag = ds.TagAt(i);
        string vr = ds.VrAt(i);
        lines.Add((tag >> 16).ToString("x4") + "," + (tag & 0xFFFF).ToString("x4") + " " + vr + " " + CanonicalValue(ds, tag, vr));
      }
    }
    return lines;
  }

  /// Every top-level element's value read through the binding equals the one read through the C ABI
  /// (capi_values.txt, UTF-8), line by line: fails with the first line that differs.
  // An element in explicit (PS3.5 Tables 7.1-1, 7.1-2) or implicit VR little endian (7.1.3).
  static void El(List<byte> b, bool ex, uint tag, string vr, byte[] v) {
    b.AddRange(new byte[] { (byte)(tag >> 16), (byte)(tag >> 24), (byte)tag, (byte)(tag >> 8) });
    if (!ex) b.AddRange(BitConverter.GetBytes((uint)v.Length));
    else if (vr == "UN" || vr == "OB") { b.AddRange(System.Text.Encoding.ASCII.GetBytes(vr)); b.AddRange(new byte[2]); b.AddRange(BitConverter.GetBytes((uint)v.Length)); }
    else { b.AddRange(System.Text.Encoding.ASCII.GetBytes(vr)); b.AddRange(BitConverter.GetBytes((ushort)v.Length)); }
    b.AddRange(v);
  }
  static byte[] Ascii(string s) { return System.Text.Encoding.ASCII.GetBytes(s); }
  // PS3.10 7.1: preamble, DICM, a meta information naming `ts`, then `body` as it is.
  static byte[] Part10(string ts, List<byte> body) {
    var meta = new List<byte>();
    El(meta, true, 0x00020001, "OB", new byte[] { 0, 1 });
    El(meta, true, 0x00020002, "UI", Ascii("1.2.840.10008.5.1.4.1.1.7\0"));
    El(meta, true, 0x00020010, "UI", Ascii(ts.Length % 2 == 1 ? ts + "\0" : ts));
    var f = new List<byte>(new byte[128]);
    f.AddRange(Ascii("DICM"));
    El(f, true, 0x00020000, "UL", BitConverter.GetBytes((uint)meta.Count));
    f.AddRange(meta);
    f.AddRange(body);
    return f.ToArray();
  }

  static void Lenient(string work) {
    // The meta says explicit VR, the dataset is implicit VR: read as found, with a warning.
    var body = new List<byte>();
    El(body, false, 0x00100010, "PN", Ascii("DOE^JOHN"));
    El(body, false, 0x00290010, "LO", Ascii("SIEMENS CSA HEADER"));
    El(body, false, 0x00291008, "CS", Ascii("IMAGE NUM 4 "));
    string lie = Path.Combine(work, "lie_cs.dcm");
    File.WriteAllBytes(lie, Part10("1.2.840.10008.1.2.1", body));
    using (Dataset ds = Dataset.ReadFile(lie)) {
      Equal("DOE^JOHN", ds.GetString("PatientName"), "PatientName behind a lying meta");
      Equal(1u, ds.WarningFlags(), "WarningFlags: syntax mismatch");
      Check(ds.Warnings().Contains("Explicit VR Little Endian"), "Warnings: " + ds.Warnings());
      Equal("CS", ds.Vr(0x00291008u), "private element typed by the private dictionary");
    }
    // UN with a known VR: PN; KeepUn keeps it UN.
    body = new List<byte>();
    El(body, true, 0x00100010, "UN", Ascii("DOE^JOHN"));
    string un = Path.Combine(work, "un_cs.dcm");
    File.WriteAllBytes(un, Part10("1.2.840.10008.1.2.1", body));
    using (Dataset ds = Dataset.ReadFile(un)) {
      Equal("PN", ds.Vr("PatientName"), "UN PatientName read as PN");
      Equal(2u, ds.WarningFlags(), "WarningFlags: UN retyped");
    }
    using (Dataset ds = Dataset.ReadFile(un, false, true)) Equal("UN", ds.Vr("PatientName"), "keep_un");
    // DCMTK private.dic: (0029,"SIEMENS CSA HEADER",10) OB CSAImageHeaderInfo.
    Equal("CSAImageHeaderInfo", dcmkit.PrivateKeywordOf("SIEMENS CSA HEADER", 0x00291010u), "PrivateKeywordOf");
    Equal("OB", dcmkit.PrivateVrOf("SIEMENS CSA HEADER", 0x00291010u), "PrivateVrOf");
    Equal("", dcmkit.PrivateKeywordOf("NO SUCH VENDOR", 0x00291010u), "PrivateKeywordOf unknown");
  }

  static void SameAsCapi(string path, string work) {
    string file = Path.Combine(work, "capi_values.txt");
    if (!File.Exists(file)) { Check(false, file + " missing: run under run_with_storescp.sh with DK_TEST_CAPI_VALUES"); return; }
    string[] expected = File.ReadAllLines(file, new System.Text.UTF8Encoding(false, true));
    List<string> actual = BindingValues(path);
    Check(expected.Length > 1, "capi_values.txt has element lines");
    for (int i = 0; i < Math.Max(expected.Length, actual.Count); i++) {
      string e = i < expected.Length ? expected[i] : "(no line)", a = i < actual.Count ? actual[i] : "(no line)";
      if (e != a) {
        Check(false, "line " + (i + 1) + " of " + file + ": C ABI <" + e + "> binding <" + a + ">");
        return;
      }
    }
    Console.WriteLine("binding values = C ABI values: " + actual.Count + " lines (" + (actual.Count - 1) + " elements)");
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
      Equal("", dcmkit.LastWarnings(), "no warning for a clean stream");

      // A lossless JPEG scan whose Se is set (GDCM decodes it with a warning): decoded, and said.
      ds.Transcode("1.2.840.10008.1.2.4.70");
      byte[] first = ds.DecodeFrame(0), bytes = ds.WriteMemory();
      int sos = 0;
      while (sos + 8 < bytes.Length && !(bytes[sos] == 0xFF && bytes[sos + 1] == 0xDA)) sos++;
      Check(sos + 8 < bytes.Length, "an SOS marker");
      bytes[sos + 5 + 2 * bytes[sos + 4] + 1] = 63;  // Se
      using (Dataset odd = Dataset.ReadMemory(bytes)) {
        Check(Same(first, odd.DecodeFrame(0)), "the tolerated stream decodes to the same pixels");
        Check(dcmkit.LastWarnings().StartsWith("frame 0: "), "LastWarnings names the frame: " + dcmkit.LastWarnings());
      }
    }
  }

  // The first marker segments of a JPEG file, up to its scan: (marker, body) in order.
  static List<KeyValuePair<int, byte[]>> JpegMarkers(byte[] b) {
    var found = new List<KeyValuePair<int, byte[]>>();
    int pos = 2;
    while (pos + 4 <= b.Length && b[pos] == 0xFF && b[pos + 1] != 0xDA) {
      int len = (b[pos + 2] << 8) | b[pos + 3];
      found.Add(new KeyValuePair<int, byte[]>(b[pos + 1], b.Skip(pos + 4).Take(len - 2).ToArray()));
      pos += 2 + len;
    }
    return found;
  }

  static void Rendering(string path, string work) {
    using (Dataset ds = Dataset.ReadFile(path)) {
      int rows = int.Parse(golden["Rows"]);
      string png = Path.Combine(work, "frame1.png"), jpg = Path.Combine(work, "frame1.jpg");
      ds.ExportPng(png, 1);
      byte[] p = File.ReadAllBytes(png);
      Check(p.Length > 24 && p[1] == (byte)'P' && p[2] == (byte)'N' && p[3] == (byte)'G', "a PNG signature");
      Equal(rows, (p[20] << 24) | (p[21] << 16) | (p[22] << 8) | p[23], "PNG height");
      ds.ExportJpeg(jpg, 1, 95);
      byte[] j = File.ReadAllBytes(jpg);
      Check(j[0] == 0xFF && j[1] == 0xD8 && j[j.Length - 2] == 0xFF && j[j.Length - 1] == 0xD9, "JPEG SOI and EOI");
      var markers = JpegMarkers(j);
      Check(markers.Count > 0 && markers[0].Key == 0xE0 && System.Text.Encoding.ASCII.GetString(markers[0].Value, 0, 4) == "JFIF", "JFIF first");
      var sof = markers.Where(m => m.Key == 0xC0).ToList();
      Equal(1, sof.Count, "one SOF0 (baseline)");
      Equal(0, markers.Count(m => m.Key > 0xC0 && m.Key <= 0xCF && m.Key != 0xC4 && m.Key != 0xC8 && m.Key != 0xCC), "no other SOFn");
      if (sof.Count == 1) {
        Equal(8, (int)sof[0].Value[0], "precision");
        Equal(rows, (sof[0].Value[1] << 8) | sof[0].Value[2], "JPEG rows");
        Equal(1, (int)sof[0].Value[5], "one component for MONOCHROME2");
      }
      // Quality reaches the encoder (its quantization tables); a window changes the picture.
      ds.ExportJpeg(Path.Combine(work, "q5.jpg"), 1, 5);
      Check(!Same(j, File.ReadAllBytes(Path.Combine(work, "q5.jpg"))), "quality 5 is not quality 95");
      ds.ExportJpeg(Path.Combine(work, "w.jpg"), 1, 95, 0, 1);
      Check(!Same(j, File.ReadAllBytes(Path.Combine(work, "w.jpg"))), "a window changes the JPEG");
      Throws<InvalidArgumentException>(() => ds.ExportJpeg(jpg, 1, 0), "quality 0");
      Throws<InvalidArgumentException>(() => ds.ExportJpeg(jpg, 1, 101), "quality 101");
      Check(Same(j, File.ReadAllBytes(jpg)), "a refused export leaves the file as it was");
      Throws<InvalidArgumentException>(() => ds.ExportJpeg(jpg, 2), "frame past the end");
      Throws<IoException>(() => ds.ExportJpeg(Path.Combine(work, "no-such-folder", "x.jpg")), "missing folder");
    }
    using (Dataset empty = new Dataset())
      Throws<NotFoundException>(() => empty.ExportJpeg(Path.Combine(work, "empty.jpg")), "no pixel data");
    Check(!File.Exists(Path.Combine(work, "empty.jpg")), "nothing written without pixel data");
  }

  static void Errors(string work) {
    Throws<ParseException>(() => Dataset.ReadMemory(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }).Dispose(), "garbage");
    Throws<DicomException>(() => Dataset.ReadFile(Path.Combine(work, "missing.dcm")).Dispose(), "missing file");
    using (Dataset ds = new Dataset()) {
      Throws<NotFoundException>(() => ds.GetString("NoSuchKeyword"), "unknown keyword");
      // Query keys as findscu -k spells them (the parser is the library's: dk_dataset_set_key).
      ds.SetKey("ScheduledProcedureStepSequence[1].Modality=MR");
      Equal(2UL, (ulong)ds.ItemCount("ScheduledProcedureStepSequence"), "items made by SetKey");
      using (Dataset item = ds.Item("ScheduledProcedureStepSequence", 1)) Equal("MR", item.GetString("Modality"), "SetKey value");
      Throws<InvalidArgumentException>(() => ds.SetKey("PatientName[0].Modality=CT"), "SetKey through a non-sequence");
      Throws<NotFoundException>(() => ds.GetString(0x00100030u), "absent element");
      ds.SetString("PatientName", "X");
      Throws<BadValueException>(() => ds.GetInt("PatientName"), "int of PN");
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

  // -- peers --------------------------------------------------------------------------------------

  /// Runs a DCMTK tool (TCP_NODELAY=1), killed after 30 s; its exit code and stdout + stderr.
  // UTF-8 (ISO_IR 192) values both ways, outside the BMP too: set, read back, written, and read by
  // dcmdump (which prints the raw UTF-8 bytes; +U8 converts to UTF-8, a no-op here); and a file made
  // by dump2dcm from raw UTF-8 bytes read back.
  static readonly string[] Unicode = {
    "Smile\uD83D\uDE00^Face",              // U+1F600: 4 UTF-8 bytes, a surrogate pair in C#
    "M\u00FCller^Ren\u00E9e",               // accented Latin
    "\u5C71\u7530^\u592A\u90CE",           // CJK
    "\uD840\uDC0B\u00E9\uD83D\uDE00x",     // U+2000B, é, U+1F600
  };
  static void UnicodeStrings(string path, string work) {
    for (int i = 0; i < Unicode.Length; i++) {
      string value = Unicode[i], outPath = Path.Combine(work, "out_cs_utf8_" + i + ".dcm");
      using (Dataset ds = Dataset.ReadFile(path)) {
        ds.SetString("SpecificCharacterSet", "ISO_IR 192");
        ds.SetString("PatientName", value);
        ds.SetString(0x00081030u, value);  // StudyDescription (LO), by tag
        Equal(value, ds.GetString("PatientName"), "PatientName set and read");
        Equal(value, ds.GetString(0x00081030u), "StudyDescription set and read");
        ds.WriteFile(outPath);
      }
      Equal(value, DcmdumpValue(outPath, "PatientName"), "dcmdump PatientName of " + outPath);
      string output;
      Tool(out output, "dcmdump", "-q", "+U8", "+P", "StudyDescription", outPath);
      Equal(value, output.Split('[', ']')[1], "dcmdump +U8 StudyDescription of " + outPath);
      using (Dataset back = Dataset.ReadFile(outPath)) {
        Equal(value, back.GetString("PatientName"), "written PatientName");
        Equal(value, back.GetString("StudyDescription"), "written StudyDescription");
      }
    }
    byte[] name = { (byte)'A', 0xF0, 0x9F, 0x98, 0x80, (byte)'^', 0xC3, 0xA9, 0xE5, 0xB1, 0xB1, 0xF0, 0xA0, 0x80, 0x8B };
    string dump = Path.Combine(work, "utf8_cs.dump"), file = Path.Combine(work, "utf8_cs.dcm");
    using (var f = File.Create(dump)) {
      byte[] head = System.Text.Encoding.ASCII.GetBytes("(0008,0005) CS [ISO_IR 192]\n(0010,0010) PN [");
      byte[] tail = System.Text.Encoding.ASCII.GetBytes("]\n");
      f.Write(head, 0, head.Length);
      f.Write(name, 0, name.Length);
      f.Write(tail, 0, tail.Length);
    }
    string log;
    Equal(0, Tool(out log, "dump2dcm", "-q", dump, file), "dump2dcm: " + log);
    string expected = "A\uD83D\uDE00^\u00E9\u5C71\uD840\uDC0B";
    Equal(expected, DcmdumpValue(file, "PatientName"), "dcmdump PatientName of " + file);
    using (Dataset ds = Dataset.ReadFile(file)) {
      Equal(expected, ds.GetString("PatientName"), "4-byte UTF-8 from dump2dcm");
      Equal(expected, ds.GetStringAt(0x00100010u, 0), "GetStringAt");
    }

    // A value longer than the glue's first buffer (256 bytes; 4-byte characters across its end),
    // read by keyword, by tag and with GetStringAt, then a short one on the same thread; dcmdump
    // (+L: the whole value) reads what was written.
    var sb = new System.Text.StringBuilder();
    for (int i = 0; i < 40; i++) sb.Append("Smile\uD83D\uDE00 \u00E9\u5C71 ");  // 16 UTF-8 bytes
    string longValue = sb.ToString().TrimEnd(), longPath = Path.Combine(work, "out_cs_utf8_long.dcm");
    using (Dataset ds = Dataset.ReadFile(path)) {
      ds.SetString("SpecificCharacterSet", "ISO_IR 192");
      ds.SetString("PatientComments", longValue);  // LT
      Equal(longValue, ds.GetString("PatientComments"), "long value by keyword");
      Equal(longValue, ds.GetString(0x00104000u), "long value by tag");
      Equal(longValue, ds.GetStringAt("PatientComments", 0), "long value, GetStringAt");
      ds.SetString("PatientName", Unicode[0]);
      Equal(Unicode[0], ds.GetString("PatientName"), "a short value after a long one");
      ds.WriteFile(longPath);
      // Keywords are passed as the string's UTF-16 units: one with a non-ASCII letter is unknown.
      Throws<NotFoundException>(() => ds.GetString("Patient\u00E9Name"), "a keyword with a non-ASCII letter");
      Throws<ArgumentNullException>(() => ds.GetString((string)null), "a null keyword");
    }
    string dumped;
    Tool(out dumped, "dcmdump", "-q", "+U8", "+L", "+P", "PatientComments", longPath);
    Equal(longValue, dumped.Split('[', ']')[1], "dcmdump +U8 +L PatientComments of " + longPath);
  }

  static int Tool(out string output, string tool, params string[] args) {
    var psi = new ProcessStartInfo(tool, string.Join(" ", args.Select(a => "\"" + a + "\""))) {
      UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
      StandardOutputEncoding = System.Text.Encoding.UTF8, StandardErrorEncoding = System.Text.Encoding.UTF8,
    };
    psi.EnvironmentVariables["TCP_NODELAY"] = "1";
    using (Process p = Process.Start(psi)) {
      var stdout = p.StandardOutput.ReadToEndAsync();
      var stderr = p.StandardError.ReadToEndAsync();
      if (!p.WaitForExit(30000)) {
        p.Kill();  // this process, by its handle
        p.WaitForExit();
        output = stdout.Result + stderr.Result;
        throw new TimeoutException(tool + " still running after 30 s: " + output);
      }
      p.WaitForExit();  // and its output to the end
      output = stdout.Result + stderr.Result;
      return p.ExitCode;
    }
  }
  /// The first value dcmdump prints for `key` in `file`, brackets removed.
  static string DcmdumpValue(string file, string key) {
    string output;
    Tool(out output, "dcmdump", "-q", "+P", key, file);
    string line = output.Split('\n')[0];
    int open = line.IndexOf('['), close = line.LastIndexOf(']');
    return open >= 0 && close > open ? line.Substring(open + 1, close - open - 1) : null;
  }

  // -- SCP: handlers in C#, DCMTK's echoscu, storescu and findscu as peers -------------------------

  /// Refuses REJECTME, throws for THROWER (association: THROWASSOC); records what it is asked.
  class TestHandler : ServerHandler {
    public readonly List<string> Associations = new List<string>();
    public readonly List<string> Stored = new List<string>();  // "SOP Instance UID|PatientName|class"
    public readonly List<string> Finds = new List<string>();   // "level|QueryRetrieveLevel|PatientName key"
    public FindResponder Kept;  // kept past its call: must refuse to emit then
    public int Echoes;

    public override bool OnAssociate(AssocInfo info) {
      lock (this) Associations.Add(info.CallingAe + "->" + info.CalledAe);
      if (info.CallingAe == "THROWASSOC") throw new InvalidOperationException("association refused by the test");
      if (info.CallingAe == "USERCHECK")  // a user identity policy: alice with her passcode only
        return info.IdentityType == 2 && info.Identity == "alice" && info.Passcode == "s3cret";
      return info.CallingAe != "REJECTME";
    }
    public override int OnEcho(AssocInfo info) {
      if (info.CallingAe == "THROWER") throw new InvalidOperationException("echo refused by the test");
      lock (this) Echoes++;
      return 0;
    }
    public override int OnStore(StoreInfo info) {
      if (info.CallingAe == "THROWER") throw new InvalidOperationException("store refused by the test");
      using (Dataset ds = Dataset.ReadFile(info.Path)) {  // the received file, during the call
        lock (this) Stored.Add(info.SopInstanceUid + "|" + ds.GetString("PatientName") + "|" + info.SopClassUid);
      }
      return 0;
    }
    public override int OnFind(FindInfo info, Dataset identifier, FindResponder responder) {
      Kept = responder;
      using (identifier) {
        lock (this) Finds.Add(info.Level + "|" + identifier.GetString("QueryRetrieveLevel") + "|" + identifier.GetString("PatientName"));
        foreach (string name in new[] { "Find^One", "Find^Two" }) {
          using (Dataset match = new Dataset()) {
            match.SetString("PatientName", name);
            match.SetString("StudyInstanceUID", "1.2.826.0.1.3680043.2.1125.88." + name.Length + name[5]);
            if (!responder.Emit(match)) return 0xFE00;
          }
        }
      }
      return 0;
    }
  }

  static void Scp(string path, string work) {
    const string StudyRootFind = "1.2.840.10008.5.1.4.1.2.2.1";
    var handler = new TestHandler();
    using (AE ae = new AE("DKSCP_CS"))
    using (Server server = new Server(Configure(ae, StudyRootFind), handler)) {
      server.Start("127.0.0.1", 0);
      string port = server.Port().ToString(), output;

      Equal(0, Tool(out output, "echoscu", "-aet", "ECHOER", "-aec", "DKSCP_CS", "127.0.0.1", port), "echoscu: " + output);
      Equal(1, handler.Echoes, "OnEcho calls");
      Check(handler.Associations.Contains("ECHOER->DKSCP_CS"), "OnAssociate saw ECHOER->DKSCP_CS: " + string.Join(",", handler.Associations));

      Equal(0, Tool(out output, "storescu", "-aet", "STORER", "-aec", "DKSCP_CS", "127.0.0.1", port, path), "storescu: " + output);
      Equal(1, handler.Stored.Count, "OnStore calls");
      if (handler.Stored.Count == 1)
        Equal(golden["SOPInstanceUID"] + "|" + golden["PatientName"] + "|1.2.840.10008.5.1.4.1.1.7", handler.Stored[0],
              "OnStore: SOP Instance UID, PatientName read from info.Path, SOP class");
      // The user identity storescu sends reaches OnAssociate, which accepts alice's passcode only.
      int idCode = Tool(out output, "storescu", "-aet", "USERCHECK", "-aec", "DKSCP_CS", "--user", "alice", "--password", "guess",
                        "127.0.0.1", port, path);
      Check(idCode != 0 && output.Contains("Rejected"), "storescu with a wrong passcode rejected (exit " + idCode + "): " + output);
      Equal(0, Tool(out output, "storescu", "-aet", "USERCHECK", "-aec", "DKSCP_CS", "--user", "alice", "--password", "s3cret",
                    "127.0.0.1", port, path), "storescu with alice's passcode: " + output);
      Equal(2, handler.Stored.Count, "OnStore calls after the identity checks");
      handler.Stored.RemoveAt(1);

      // Our SCU against our SCP, both through the binding.
      using (AE scu = new AE("DKSCU_CS", 10000)) {
        scu.AddVerification();
        using (Association a = Association.Connect(scu, "127.0.0.1", server.Port(), "DKSCP_CS")) {
          Equal(0, a.Echo(), "binding SCU -> binding SCP C-ECHO");
          a.Release();
        }
      }
      Equal(2, handler.Echoes, "OnEcho calls after our own echo");
      // Our SCU's user identity (SetUserIdentity) reaches OnAssociate: alice's passcode passes.
      using (AE scu = new AE("USERCHECK", 10000)) {
        scu.AddVerification();
        scu.SetUserIdentity(2, "alice", "s3cret");
        using (Association a = Association.Connect(scu, "127.0.0.1", server.Port(), "DKSCP_CS")) {
          Equal(0, a.Echo(), "echo with alice's identity");
          Equal("", a.UserIdentityResponse(), "no identity response from this server");
          a.Release();
        }
        scu.SetUserIdentity(2, "alice", "guess");
        Throws<AssociationRejectedException>(() => Association.Connect(scu, "127.0.0.1", server.Port(), "DKSCP_CS"),
                                             "a wrong passcode");
      }
      Equal(3, handler.Echoes, "OnEcho calls after the identity checks");

      // A handler that throws: a failure status the peer reports, and the server goes on.
      int code = Tool(out output, "storescu", "-v", "-aet", "THROWER", "-aec", "DKSCP_CS", "127.0.0.1", port, path);
      Check(System.Text.RegularExpressions.Regex.IsMatch(output, "(?i)0xa700|Out ?of ?Resources"),
            "storescu reports 0xA700 for a throwing OnStore (exit " + code + "): " + output);
      Check(server.LastHandlerError().Contains("store refused by the test"), "LastHandlerError: " + server.LastHandlerError());
      code = Tool(out output, "echoscu", "-v", "-aet", "THROWER", "-aec", "DKSCP_CS", "127.0.0.1", port);
      Check(System.Text.RegularExpressions.Regex.IsMatch(output, "0x0?110\\b"),  // echoscu: "Unknown Status: 0x110"
            "echoscu reports 0x0110 for a throwing OnEcho (exit " + code + "): " + output);
      code = Tool(out output, "echoscu", "-aet", "REJECTME", "-aec", "DKSCP_CS", "127.0.0.1", port);
      Check(code != 0 && output.Contains("Rejected"), "echoscu rejected by OnAssociate returning false (exit " + code + "): " + output);
      code = Tool(out output, "echoscu", "-aet", "THROWASSOC", "-aec", "DKSCP_CS", "127.0.0.1", port);
      Check(code != 0 && output.Contains("Rejected"), "echoscu rejected by a throwing OnAssociate (exit " + code + "): " + output);
      Equal(3, handler.Echoes, "no OnEcho for rejected associations");
      Equal(0, Tool(out output, "echoscu", "-aet", "ECHOER", "-aec", "DKSCP_CS", "127.0.0.1", port), "echoscu after the failures: " + output);

      // C-FIND: the matches OnFind emits reach findscu (which writes them out: -X).
      string rsp = Path.Combine(work, "findscu_cs");
      Directory.CreateDirectory(rsp);
      Equal(0, Tool(out output, "findscu", "-S", "-aet", "FINDER", "-aec", "DKSCP_CS", "-k", "QueryRetrieveLevel=STUDY",
                    "-k", "PatientName=Find*", "-k", "StudyInstanceUID", "-X", "-od", rsp, "127.0.0.1", port), "findscu: " + output);
      Equal("STUDY|STUDY|Find*", handler.Finds.FirstOrDefault(), "OnFind: level and identifier");
      string[] files = Directory.GetFiles(rsp).OrderBy(f => f).ToArray();
      Equal(2, files.Length, "findscu responses");
      if (files.Length == 2) {
        Equal("Find^One", DcmdumpValue(files[0], "PatientName"), "first match, as findscu wrote it");
        Equal("Find^Two", DcmdumpValue(files[1], "PatientName"), "second match, as findscu wrote it");
      }
      using (Dataset late = new Dataset())
        Throws<InvalidArgumentException>(() => handler.Kept.Emit(late), "FindResponder.Emit after OnFind returned");
      server.Stop(5000);
    }
    GC.KeepAlive(handler);

    // A storage folder with a size limit: the dataset is refused before any handler sees it, no file stays.
    string folder = Path.Combine(work, "limited");
    Directory.CreateDirectory(folder);
    var limited = new TestHandler();
    using (AE ae = new AE("DKLIMIT_CS"))
    using (Server server = new Server(Configure(ae, StudyRootFind), limited)) {
      server.SetStorageFolder(folder, false);
      server.SetStorageLimits(64);
      server.Start("127.0.0.1", 0);
      string output;
      int code = Tool(out output, "storescu", "-v", "-aet", "STORER", "-aec", "DKLIMIT_CS", "127.0.0.1", server.Port().ToString(), path);
      Check(System.Text.RegularExpressions.Regex.IsMatch(output, "(?i)0xa700|Out ?of ?Resources"),
            "storescu reports 0xA700 for a dataset over the limit (exit " + code + "): " + output);
      Equal(0, limited.Stored.Count, "OnStore calls for a refused dataset");
      Equal(0, Directory.GetFiles(folder).Length, "files left in the limited folder");
    }
  }

  static AE Configure(AE ae, string findClass) {
    ae.AddVerification();
    ae.AddAllStorage();
    ae.AddSopClass(findClass, false, true);  // C-FIND as SCP: OnFind answers it
    return ae;
  }

  // -- SCU Q/R against DCMTK's dcmqrscp; our Server as the C-MOVE destination ---------------------

  static Dataset Query(string level, params string[] keys) {
    var id = new Dataset();
    id.SetString("QueryRetrieveLevel", level);
    foreach (string k in keys) {
      int eq = k.IndexOf('=');
      if (eq < 0) id.SetString(k, ""); else id.SetString(k.Substring(0, eq), k.Substring(eq + 1));
    }
    return id;
  }

  /// Starts a server and drops every reference to it but a weak one: running, it must stay alive
  /// (and its handler with it) until disposed.
  static WeakReference StartUnreferenced(out ushort port) {
    using (AE ae = new AE("DKWEAK")) {
      ae.AddVerification();
      var server = new Server(ae, new DelegateServerHandler { Echo = info => 0 });
      server.Start("127.0.0.1", 0);
      port = server.Port();
      return new WeakReference(server);
    }
  }

  static void Lifetime() {
    ushort port;
    WeakReference weak = StartUnreferenced(out port);
    for (int i = 0; i < 3; i++) {
      GC.Collect();
      GC.WaitForPendingFinalizers();
    }
    string output;
    Equal(0, Tool(out output, "echoscu", "-aec", "DKWEAK", "127.0.0.1", port.ToString()), "echoscu to an unreferenced running server: " + output);
    var server = weak.Target as Server;
    Check(server != null, "a running server is not collected");
    if (server != null) server.Dispose();
    Check(Tool(out output, "echoscu", "-aec", "DKWEAK", "127.0.0.1", port.ToString()) != 0, "disposed server stopped: " + output);
  }

  static void QueryRetrieve(string work) {
    ushort qrPort = ushort.Parse(Environment.GetEnvironmentVariable("DK_TEST_QR_PORT"));
    ushort destPort = ushort.Parse(Environment.GetEnvironmentVariable("DK_TEST_DEST_PORT"));
    int count = int.Parse(golden["QrCount"]);
    var studies = new SortedDictionary<string, List<int>>(StringComparer.Ordinal);  // study UID -> instances
    for (int i = 1; i <= count; i++) {
      if (!studies.ContainsKey(golden["QrStudy." + i])) studies[golden["QrStudy." + i]] = new List<int>();
      studies[golden["QrStudy." + i]].Add(i);
    }
    var moved = new List<string>();  // the instances the C-MOVE brings to our destination
    var collector = new DelegateServerHandler { Store = info => { lock (moved) moved.Add(info.SopInstanceUid); return 0; } };
    using (AE destAe = new AE("DKDEST"))
    using (AE ae = new AE("DKQR_CS", 20000)) {
      destAe.AddVerification();
      destAe.AddAllStorage();
      ae.AddQueryRetrieve();
      ae.AddGetStorage();
      using (Server dest = new Server(destAe, collector))
      using (Association a = Association.Connect(ae, "127.0.0.1", qrPort, "QRSCP")) {
        dest.Start("127.0.0.1", destPort);

        // C-FIND, study level: one match per study, with dcmqrscp's values of the files.
        using (Dataset q = Query("STUDY", "PatientName=Qr*", "StudyInstanceUID", "PatientID", "StudyDate", "AccessionNumber")) {
          FindResult r = a.Find(q);
          Equal(0, r.Status, "C-FIND status");
          Equal(studies.Count, r.Count, "C-FIND study matches");
          foreach (Dataset m in r) {
            string uid = m.GetString("StudyInstanceUID");
            Check(studies.ContainsKey(uid), "matched study " + uid);
            if (!studies.ContainsKey(uid)) continue;
            int first = studies[uid][0];
            Equal(golden["QrPid." + first], m.GetString("PatientID"), "PatientID of " + uid);
            Equal(golden["QrDate." + first], m.GetString("StudyDate"), "StudyDate of " + uid);
            Equal(golden["QrAcc." + first], m.GetString("AccessionNumber"), "AccessionNumber of " + uid);
            m.Dispose();
          }
        }
        // C-FIND, image level in the first study: its SOP Instance UIDs.
        string study1 = studies.Keys.First();
        var expected1 = studies[study1].Select(i => golden["QrSop." + i]).OrderBy(u => u, StringComparer.Ordinal).ToList();
        using (Dataset q = Query("IMAGE", "StudyInstanceUID=" + study1, "SeriesInstanceUID=" + golden["QrSeries." + studies[study1][0]], "SOPInstanceUID")) {
          FindResult r = a.Find(q);
          Equal(0, r.Status, "C-FIND image level status");
          Equal(string.Join(",", expected1), string.Join(",", r.Select(m => m.GetString("SOPInstanceUID")).OrderBy(u => u, StringComparer.Ordinal)),
                "image-level SOP Instance UIDs");
        }
        // C-MOVE of the first study to DKDEST, our Server.
        using (Dataset q = Query("STUDY", "StudyInstanceUID=" + study1)) {
          RetrieveResult r = a.Move("DKDEST", q);
          Equal((ushort)0, r.Status, "C-MOVE status");
          Equal((ushort)expected1.Count, r.Completed, "C-MOVE completed");
          Equal((ushort)0, r.Failed, "C-MOVE failed");
          lock (moved) Equal(string.Join(",", expected1), string.Join(",", moved.OrderBy(u => u, StringComparer.Ordinal)),
                                 "instances the move destination received");
        }
        // C-GET of the second study into a folder.
        string study2 = studies.Keys.Last();
        string into = Path.Combine(work, "got_cs");
        Directory.CreateDirectory(into);
        using (Dataset q = Query("STUDY", "StudyInstanceUID=" + study2)) {
          RetrieveResult r = a.Get(q, into);
          Equal((ushort)0, r.Status, "C-GET status");
          Equal((ushort)studies[study2].Count, r.Completed, "C-GET completed");
          Equal((uint)studies[study2].Count, r.Stored, "C-GET stored");
          foreach (int i in studies[study2]) {
            string file = Path.Combine(into, golden["QrSop." + i] + ".dcm");
            Check(File.Exists(file), "C-GET wrote " + file);
            if (!File.Exists(file)) continue;
            using (Dataset got = Dataset.ReadFile(file)) {
              Equal(golden["QrName." + i], got.GetString("PatientName"), "PatientName of the retrieved instance");
              Equal(golden["QrSop." + i], got.GetString("SOPInstanceUID"), "SOP Instance UID of the retrieved instance");
            }
          }
        }
        a.Release();
        dest.Stop(5000);
      }
    }
  }

  // -- the embedded archive: storescu stores into it, OnStored sees it, findscu finds it ---------------

  class StoredHandler : ArchiveHandler {
    public readonly List<string> Stored = new List<string>();  // "SOP Instance UID|class|calling AE|path"
    public override int OnStored(StoredInstance info) {
      if (info.CallingAe == "THROWER") throw new InvalidOperationException("ignored by the archive");
      lock (this) Stored.Add(info.SopInstanceUid + "|" + info.SopClassUid + "|" + info.CallingAe + "|" + info.Path);
      return 0;
    }
  }

  static void ArchiveTest(string path, string work) {
    const string Study = "1.2.826.0.1.3680043.2.1125.81.1";
    string file = Path.Combine(work, "archive_in_cs.dcm"), storage = Path.Combine(work, "archive_cs"), output;
    using (Dataset ds = Dataset.ReadFile(path)) {  // the sample, given a study and series (the index needs them)
      ds.SetString("StudyInstanceUID", Study);
      ds.SetString("SeriesInstanceUID", Study + ".1");
      ds.WriteFile(file, "explicit");
    }
    var handler = new StoredHandler();
    using (Archive archive = new Archive(storage, "DKARCH_CS", "allow = STORER FINDER THROWER\n", handler)) {
      archive.Start("127.0.0.1", 0);
      string port = archive.Port().ToString();
      Equal(0, Tool(out output, "storescu", "-aet", "STORER", "-aec", "DKARCH_CS", "127.0.0.1", port, file), "storescu: " + output);
      Equal(1, handler.Stored.Count, "OnStored calls");
      if (handler.Stored.Count == 1) {
        string[] f = handler.Stored[0].Split('|');
        Equal(golden["SOPInstanceUID"], f[0], "stored SOP Instance UID");
        Equal("1.2.840.10008.5.1.4.1.1.7", f[1], "stored SOP Class UID");
        Equal("STORER", f[2], "stored calling AE");
        Check(f[3].StartsWith(storage) && File.Exists(f[3]), "stored file in the storage folder: " + f[3]);
      }
      // A throwing OnStored does not fail the store.
      Equal(0, Tool(out output, "storescu", "-aet", "THROWER", "-aec", "DKARCH_CS", "127.0.0.1", port, file), "storescu THROWER: " + output);
      // Not in the allow list: rejected.
      Check(Tool(out output, "echoscu", "-aet", "STRANGER", "-aec", "DKARCH_CS", "127.0.0.1", port) != 0, "a calling AE not allowed is rejected: " + output);
      Equal(0, Tool(out output, "findscu", "-v", "-S", "-aet", "FINDER", "-aec", "DKARCH_CS", "-k", "QueryRetrieveLevel=IMAGE",
                    "-k", "StudyInstanceUID=" + Study, "-k", "SOPInstanceUID", "127.0.0.1", port), "findscu: " + output);
      Check(output.Contains(golden["SOPInstanceUID"]), "findscu finds the instance: " + output);
      ArchiveCounters c = archive.Counters();
      Equal(2L, c.InstancesStored, "InstancesStored");
      Equal(1L, c.InstancesHeld, "InstancesHeld (the same instance twice)");
      Equal(0L, c.StoresRefused, "StoresRefused");
      archive.Stop(5000);
    }
    string conf = Path.Combine(work, "archive_cs_bad.conf");
    File.WriteAllText(conf, "storage = " + storage + "\nservices = storage fax\n");
    Throws<InvalidArgumentException>(() => new Archive(conf, null), "a bad configuration file");
    try { new Archive(conf, null); } catch (InvalidArgumentException e) { Check(e.Message.Contains("archive_cs_bad.conf:2: unknown service 'fax'"), e.Message); }
  }

  // -- the DICOMweb client against the archive's DICOMweb server (http_port = 0) -------------------

  static void WebClientTest(string path, string work) {
    const string Study = "1.2.826.0.1.3680043.2.1125.83.1";
    string file = Path.Combine(work, "web_in_cs.dcm"), storage = Path.Combine(work, "web_cs"), outDir = Path.Combine(work, "web_out_cs");
    using (Dataset ds = Dataset.ReadFile(path)) {
      ds.SetString("StudyInstanceUID", Study);
      ds.SetString("SeriesInstanceUID", Study + ".1");
      ds.WriteFile(file, "explicit");
    }
    using (Archive archive = new Archive(storage, "DKWEB_CS", "http_port = 0\n", new StoredHandler())) {
      archive.Start("127.0.0.1", 0);
      using (WebClient web = new WebClient("http://127.0.0.1:" + archive.HttpPort() + "/dicomweb")) {
        web.AddFile(file);
        Equal(1L, web.Store(), "STOW-RS: stored");
        Equal(200, web.HttpStatus(), "STOW-RS: HTTP status");
        Equal(golden["SOPInstanceUID"], web.StoredUid(0), "STOW-RS: the stored instance");
        web.AddMatch("PatientID", golden["PatientID"]);
        web.AddInclude("PatientName");
        Equal(1L, web.Search(2, Study), "QIDO-RS: instances of the study");
        using (Dataset m = web.Result(0)) {
          Equal(golden["SOPInstanceUID"], m.GetString("SOPInstanceUID"), "QIDO-RS: SOP Instance UID");
          Equal(golden["PatientName"], m.GetString("PatientName"), "QIDO-RS: PatientName");
        }
        Equal(1L, web.Retrieve(Study, "", "", outDir), "WADO-RS: files");
        using (Dataset back = Dataset.ReadFile(web.FilePath(0)))
          Equal(golden["PatientName"], back.GetString("PatientName"), "WADO-RS: the file's PatientName");
        Equal(1L, web.Metadata(Study), "WADO-RS metadata");
        string md = Path.Combine(work, "web_md_cs.json");
        Equal(1L, web.MetadataFile(Study, "", "", md), "WADO-RS metadata to a file");
        Equal(true, File.ReadAllText(md).Contains(golden["SOPInstanceUID"]), "the metadata file names the instance");
        string file2 = Path.Combine(work, "web_in_cs2.dcm");
        using (Dataset ds = Dataset.ReadFile(file)) {
          ds.SetString("SOPInstanceUID", Study + ".2.1");
          ds.WriteFile(file2, "explicit");
        }
        web.AddFile(file2);
        Equal(1L, web.StoreJson(), "STOW-RS of DICOM JSON: stored");
        Equal(Study + ".2.1", web.StoredUid(0), "STOW-RS of DICOM JSON: the stored instance");
        Equal(2L, web.Metadata(Study), "WADO-RS metadata after STOW of DICOM JSON");
        // Frames 2 and 1 in RLE (PS3.5 G.5: a 64-byte header whose first word is the number of
        // segments, two for 16-bit samples), and the series (two instances of two frames) rendered as one JPEG per frame.
        string fdir = Path.Combine(work, "web_frames_cs");
        Equal(2L, web.FramesDir(Study, Study + ".1", golden["SOPInstanceUID"], "2,1", fdir, "rle"), "frames in RLE");
        Equal("image/dicom-rle", web.PartMediaType(0), "the frame's media type");
        Check(web.PartPath(0).EndsWith(".rle"), web.PartPath(0));
        byte[] rle = File.ReadAllBytes(web.PartPath(0));
        Check(rle.Length > 64 && rle[0] == 2 && rle[1] == 0 && rle[2] == 0 && rle[3] == 0, "an RLE header of two segments");
        Equal(4L, web.RenderedDir(Study, Study + ".1", "", Path.Combine(work, "web_rendered_cs")), "the series rendered: 2 instances of 2 frames");
        byte[] jpeg = File.ReadAllBytes(web.PartPath(1));
        Check(jpeg.Length > 2 && jpeg[0] == 0xFF && jpeg[1] == 0xD8, "a JPEG");
        Throws<NotFoundException>(() => web.Retrieve("1.2.3.4.5.6.7.8.9", "", "", outDir), "an unknown study");
        Throws<InvalidArgumentException>(() => web.Result(5), "no such answer");
      }
      archive.Stop(5000);
    }
  }

  // HL7 v2 over MLLP: an ORM^O01 to the archive's order listener is acknowledged AA with MSA-2 = its
  // MSH-10; nothing listening is a NetworkException.
  static void Hl7Test(string work) {
    using (Archive archive = new Archive(Path.Combine(work, "hl7_cs"), "DKHL7_CS", "hl7_port = 0\n", null)) {
      archive.Start("127.0.0.1", 0);
      string ack = dcmkit.Hl7Send("127.0.0.1", archive.Hl7Port(), "MSH|^~\\&|RIS|HOSP|PACS|RAD|20261207120000||ORM^O01|CS-1|P|2.3.1\rPID|||P7^^^HOSP||Doe^Jane||19800101|F\rORC|NW|PL7|FL7\rOBR|1|PL7|FL7|CT^CT Chest||||||||||||||ACC7|RP7|SPS7|CT01|||CT\r", 10000);
      Check(ack.StartsWith("MSH|"), ack);
      Check(ack.Contains("\rMSA|AA|CS-1"), ack);
      archive.Stop(5000);
    }
    Throws<NetworkException>(() => dcmkit.Hl7Send("127.0.0.1", 1, "MSH|^~\\&|A|B|C|D|20261207||ADT^A08|X|P|2.5\r", 2000), "nothing listening");
  }

  // The error classes of every C ABI code (dk_common.h): the same classes in C++, Python, C# and Java.
  static readonly Dictionary<int, string> CodeClasses = new Dictionary<int, string> {
    {-1, "InvalidArgument"}, {-2, "NotFound"}, {-3, "Io"}, {-4, "Parse"}, {-5, "Parse"}, {-6, "Parse"},
    {-7, "Parse"}, {-8, "Parse"}, {-9, "Parse"}, {-10, "Unsupported"}, {-11, "Charset"}, {-12, "BadValue"},
    {-13, "Network"}, {-14, "NetworkTimeout"}, {-15, "AssociationRejected"}, {-16, "AssociationAborted"},
    {-17, "Protocol"}, {-18, "Refused"}, {-19, "Internal"}, {-20, "NoMemory"}, {-21, "Internal"},
  };

  static void ErrorClasses() {
    var known = new List<int>();
    for (int code = -1; code > -200; code--)
      if (dcmkit.ResultName(code) != "unknown result code") known.Add(code);
    Equal(CodeClasses.Count, known.Count, "C ABI codes (update the table when they change)");
    foreach (int code in known) {
      string want = CodeClasses.ContainsKey(code) ? CodeClasses[code] + "Exception" : "(none)";
      try { dcmkit.ThrowError(code, "code " + code); Check(false, "ThrowError(" + code + ") returned"); }
      catch (DicomException e) {
        Equal(want, e.GetType().Name, "class of code " + code);
        Equal(code, e.Code, "Code of " + want);
        Equal(dcmkit.ResultName(code), e.Kind, "Kind of " + want);
        Equal("code " + code, e.Message, "Message of " + want);
        bool network = code <= -14 && code >= -18, charset = code == -11;
        if (network) Check(e is NetworkException, want + " is a NetworkException");
        if (charset) Check(e is BadValueException, want + " is a BadValueException");
      }
    }
    try { dcmkit.ThrowError(-999, "unknown"); } catch (DicomException e) { Equal("DicomException", e.GetType().Name, "unknown code"); }
  }

  // -- TLS: a binding server bound to the client certificate, storescu +tls and our SCU as peers ------
  class TlsHandler : ServerHandler {
    public readonly List<string> Seen = new List<string>();
    public override int OnEcho(AssocInfo info) { lock (this) Seen.Add("echo|" + info.CallingAe + "|" + info.TlsSubject); return 0; }
    public override int OnStore(StoreInfo info) { lock (this) Seen.Add("store|" + info.CallingAe + "|" + info.TlsSubject); return 0; }
  }

  static void Tls(string path, string work) {
    string pki = Path.Combine(work, "pki_cs");
    Directory.CreateDirectory(pki);
    string output;
    Equal(0, Tool(out output, "sh", Environment.GetEnvironmentVariable("DK_TEST_PKI_SCRIPT"), pki), "make_test_pki.sh: " + output);
    Func<string, string> P = f => Path.Combine(pki, f);
    var handler = new TlsHandler();
    using (AE ae = new AE("TLS_CS", 10000)) {
      ae.AddVerification();
      ae.AddAllStorage();
      ae.SetTls(P("server.pem"), P("server.key"), P("ca.pem"));
      ae.BindCertificate("MODALITY1", "dns:modality1.example");
      Throws<InvalidArgumentException>(() => ae.SetTls(P("server.pem"), P("nonexistent.key"), P("ca.pem")), "a missing key file");
      using (Server server = new Server(ae, handler)) {
        server.Start("127.0.0.1", 0);
        string port = server.Port().ToString();
        Equal(0, Tool(out output, "storescu", "-aet", "MODALITY1", "-aec", "TLS_CS", "+tls", P("client.key"), P("client.pem"),
                      "+cf", P("ca.pem"), "127.0.0.1", port, path), "storescu +tls: " + output);
        int code = Tool(out output, "storescu", "-aet", "INTRUDER", "-aec", "TLS_CS", "+tls", P("client.key"), P("client.pem"),
                        "+cf", P("ca.pem"), "127.0.0.1", port, path);
        Check(code != 0 && output.Contains("Rejected"), "another AE with the bound certificate rejected (exit " + code + "): " + output);
        using (AE scu = new AE("MODALITY1", 10000)) {
          scu.AddVerification();
          scu.SetTls(P("client.pem"), P("client.key"), P("ca.pem"));
          using (Association a = Association.Connect(scu, "127.0.0.1", server.Port(), "TLS_CS")) {
            Equal(0, a.Echo(), "binding SCU -> binding SCP over TLS");
            a.Release();
          }
          scu.ClearTls();
          Throws<DicomException>(() => Association.Connect(scu, "127.0.0.1", server.Port(), "TLS_CS"), "plain to a TLS port");
        }
        server.Stop();
      }
    }
    lock (handler) {
      Equal(2, handler.Seen.Count, "TLS handler calls: " + string.Join(",", handler.Seen));
      Check(handler.Seen.Contains("store|MODALITY1|CN=modality1,O=dcmkit test"), "OnStore saw the TLS subject: " + string.Join(",", handler.Seen));
      Check(handler.Seen.Contains("echo|MODALITY1|CN=modality1,O=dcmkit test"), "OnEcho saw the TLS subject: " + string.Join(",", handler.Seen));
    }
  }

  // DICOMDIR: a file-set of the test file (twice: a second copy under a name that is no File ID is
  // the same instance), its DICOMDIR written and walked; the keys are dcmdump's values.
  static void DicomDirTest(string path, string work) {
    string media = Path.Combine(work, "media_cs");
    if (Directory.Exists(media)) Directory.Delete(media, true);
    Directory.CreateDirectory(Path.Combine(media, "P1"));
    File.Copy(path, Path.Combine(media, "P1", "IM1"));
    File.Copy(path, Path.Combine(media, "copy-2.dcm"));
    Equal(1L, DicomDir.Create(media, "CS_SET"), "DicomDir.Create: instances added");
    using (DicomDir d = new DicomDir(Path.Combine(media, "DICOMDIR"))) {
      Equal("CS_SET", d.FilesetId(), "FilesetId");
      Equal(4L, d.Size(), "PATIENT, STUDY, SERIES, IMAGE");
      Equal(1L, d.ChildCount(-1), "one patient");
      long patient = d.Child(-1, 0);
      Equal("PATIENT", d.RecordType(patient), "RecordType");
      Equal(-1L, d.Parent(patient), "a patient's parent is the root");
      using (Dataset keys = d.RecordDataset(patient)) Equal(golden["PatientID"], keys.GetString("PatientID"), "PatientID = dcmdump's");
      long image = d.Child(d.Child(d.Child(patient, 0), 0), 0);
      Equal("IMAGE", d.RecordType(image), "leaf RecordType");
      Check(d.InUse(image), "InUse");
      Equal(Path.Combine(media, "P1", "IM1"), d.FilePath(image), "FilePath");
      using (Dataset f = Dataset.ReadFile(d.FilePath(image))) Equal(golden["SOPInstanceUID"], f.GetString("SOPInstanceUID"), "referenced file");
      using (Dataset keys = d.RecordDataset(image))
        Equal(golden["SOPInstanceUID"], keys.GetString("ReferencedSOPInstanceUIDInFile"), "ReferencedSOPInstanceUIDInFile = dcmdump's");
      Throws<NotFoundException>(() => d.FilePath(patient), "a patient references no file");
      Throws<InvalidArgumentException>(() => d.Child(patient, 5), "child index out of range");
    }
    Equal(0L, DicomDir.Add(Path.Combine(media, "DICOMDIR"), Path.Combine(media, "P1")), "Add: already present");
    Throws<ParseException>(() => new DicomDir(path).Dispose(), "an image is no DICOMDIR");
  }

  // De-identification (PS3.15 Annex E): the sample is a Secondary Capture, so burned-in text is
  // likely and the default refuses it; "flag" de-identifies it.
  static void Deidentify(string path, string work) {
    string key = Path.Combine(work, "deid_cs.key");
    File.WriteAllBytes(key, System.Text.Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef"));
    using (Dataset ds = Dataset.ReadFile(path)) {
      Throws<UnsupportedException>(() => dcmkit.Deidentify(ds, key), "a Secondary Capture refused");
      Equal(golden["PatientID"], ds.GetString("PatientID"), "left unchanged");
      DeidResult r = dcmkit.Deidentify(ds, key, "safe-private,modified-dates", "descriptors", "flag");
      Check(r.BurnedInFlagged, "BurnedInFlagged");
      Check(r.PatientPseudonym.StartsWith("DK"), "PatientPseudonym " + r.PatientPseudonym);
      Equal(r.PatientPseudonym, ds.GetString("PatientID"), "PatientID is the pseudonym");
      Equal("YES", ds.GetString("PatientIdentityRemoved"), "PatientIdentityRemoved");
      Equal(dcmkit.DeidUid(key, "1.2.826.0.1.3680043.2.1125.99.1"), ds.GetString("SOPInstanceUID"), "SOPInstanceUID");
      using (Dataset item = ds.Item("ReferencedSOPSequence", 1)) {
        Equal(dcmkit.DeidUid(key, golden["RefUID1"]), item.GetString("ReferencedSOPInstanceUID"), "item UID remapped");
      }
      Check(r.DateOffsetDays < 0, "DateOffsetDays");
    }
    string shortKey = Path.Combine(work, "short_cs.key");
    File.WriteAllBytes(shortKey, new byte[15]);
    using (Dataset ds = Dataset.ReadFile(path)) {
      Throws<InvalidArgumentException>(() => dcmkit.Deidentify(ds, shortKey, "", "", "ignore"), "a 15-byte key");
      Throws<InvalidArgumentException>(() => dcmkit.Deidentify(ds, key, "everything", "", "ignore"), "an unknown option");
    }
    // Files into a folder: the sample (flagged), a text file (skipped); refused without "flag".
    string notes = Path.Combine(work, "deid_notes_cs.txt"), outDir = Path.Combine(work, "deid_files_cs");
    File.WriteAllText(notes, "not a DICOM file, but long enough for the reader to look at it\n");
    using (DeidFilesReport f = dcmkit.DeidentifyFiles(path + "\n" + notes, outDir, key, "", "", "flag", 2, false)) {
      Equal(2L, f.Count(), "DeidentifyFiles: one entry per input");
      Equal(path, f.Input(0), "the input");
      Equal("written", f.Status(0), "the sample written");
      Check(f.BurnedInFlagged(0), "and flagged");
      Equal(Path.Combine(outDir, dcmkit.DeidUid(key, "1.2.826.0.1.3680043.2.1125.99.1") + ".dcm"), f.Output(0), "named by its new UID");
      Check(File.Exists(f.Output(0)), "the file is there");
      Equal("skipped", f.Status(1), "the text file skipped");
      Equal("not DICOM", f.Message(1), "why");
      Throws<InvalidArgumentException>(() => f.Status(2), "an index out of range");
    }
    using (DeidFilesReport refused = dcmkit.DeidentifyFiles(path, outDir, key)) {
      Equal("refused", refused.Status(0), "refused without flag");
      Equal("", refused.Output(0), "not written");
    }
  }

  // Export to media: the test file exported to a new folder; pydicom-independent check through
  // DicomDir: one patient, the file's SOP Instance UID dcmdump's; a second export into the same
  // folder is refused (not empty), an unknown patient is NotFound.
  static void ExportMediaTest(string path, string work) {
    string src = Path.Combine(work, "media_src_cs"), outDir = Path.Combine(work, "media_out_cs");
    foreach (string d in new[] { src, outDir }) if (Directory.Exists(d)) Directory.Delete(d, true);
    Directory.CreateDirectory(src);
    File.Copy(path, Path.Combine(src, "in.dcm"));
    Equal(1L, dcmkit.ExportMedia(outDir, src, "", "", "", "", "", "refuse", "", "", "CS_MEDIA"), "ExportMedia: instances written");
    using (DicomDir d = new DicomDir(Path.Combine(outDir, "DICOMDIR"))) {
      Equal("CS_MEDIA", d.FilesetId(), "FilesetId");
      long image = d.Child(d.Child(d.Child(d.Child(-1, 0), 0), 0), 0);
      Equal(Path.Combine(outDir, "DICOM", "P0000001", "S0000001", "R0000001", "I0000001"), d.FilePath(image), "File ID");
      using (Dataset keys = d.RecordDataset(image))
        Equal(golden["SOPInstanceUID"], keys.GetString("ReferencedSOPInstanceUIDInFile"), "ReferencedSOPInstanceUIDInFile = dcmdump's");
    }
    Throws<InvalidArgumentException>(() => dcmkit.ExportMedia(outDir, src), "a folder that is not empty");
    Throws<NotFoundException>(() => dcmkit.ExportMedia(Path.Combine(work, "media_none_cs"), src, "NOBODY"), "an unknown patient");
    // The report: the instance with its File ID, the text file skipped with why.
    string rout = Path.Combine(work, "media_report_cs"), notes = Path.Combine(src, "notes.txt");
    if (Directory.Exists(rout)) Directory.Delete(rout, true);
    File.WriteAllText(notes, "not a DICOM file, but long enough for the reader to look at it\n");
    using (MediaExportReport r = dcmkit.ExportMediaReport(rout, src)) {
      Equal(1L, r.Exported(), "report: exported");
      Equal(1L, r.FileCount(), "report: files");
      Equal(Path.Combine(src, "in.dcm"), r.FileSource(0), "report: the source");
      Equal("DICOM/P0000001/S0000001/R0000001/I0000001", r.FileId(0), "report: the File ID");
      Equal(true, File.Exists(Path.Combine(rout, r.FileId(0))), "report: the file is there");
      Equal(1L, r.SkippedCount(), "report: skipped");
      Equal(notes, r.SkippedPath(0), "report: the file skipped");
      Equal(true, r.SkippedReason(0).Length > 0, "report: why");
      Equal(0L, r.RefusedCount(), "report: refused");
      Equal(Path.Combine(rout, "DICOMDIR"), r.Dicomdir(), "report: DICOMDIR");
      Equal("", r.Iso(), "report: no ISO");
      Throws<InvalidArgumentException>(() => r.SkippedPath(1), "an index out of range");
    }
    File.Delete(notes);
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
    // DcmKit.Uid: generated from the registry (values of PS3.6 Annex A).
    Equal("1.2.840.10008.5.1.4.1.1.2", Uid.CTImageStorage, "Uid.CTImageStorage");
    Equal("1.2.840.10008.1.2.4.201", Uid.HTJ2KLossless, "Uid.HTJ2KLossless");
    Check(Uid.CommonStorage.Length > 30 && Array.IndexOf(Uid.CommonStorage, Uid.CTImageStorage) >= 0, "Uid.CommonStorage");
    var steps = new KeyValuePair<string, Action>[] {
      new KeyValuePair<string, Action>("reading", () => Reading(path)),
      new KeyValuePair<string, Action>("de-identification", () => Deidentify(path, work)),
      new KeyValuePair<string, Action>("same values as the C ABI", () => SameAsCapi(path, work)),
      new KeyValuePair<string, Action>("writing", () => Writing(path, outPath)),
      new KeyValuePair<string, Action>("transcoding", () => Transcoding(path, work)),
      new KeyValuePair<string, Action>("rendering", () => Rendering(path, work)),
      new KeyValuePair<string, Action>("unicode", () => UnicodeStrings(path, work)),
      new KeyValuePair<string, Action>("errors", () => Errors(work)),
      new KeyValuePair<string, Action>("error classes", ErrorClasses),
      new KeyValuePair<string, Action>("lenient reading", () => Lenient(work)),
      new KeyValuePair<string, Action>("network", () => Network(path, outPath, port)),
      new KeyValuePair<string, Action>("scp", () => Scp(path, work)),
      new KeyValuePair<string, Action>("query/retrieve", () => QueryRetrieve(work)),
      new KeyValuePair<string, Action>("lifetime", Lifetime),
      new KeyValuePair<string, Action>("archive", () => ArchiveTest(path, work)),
      new KeyValuePair<string, Action>("hl7", () => Hl7Test(work)),
      new KeyValuePair<string, Action>("DICOMweb client", () => WebClientTest(path, work)),
      new KeyValuePair<string, Action>("DICOMDIR", () => DicomDirTest(path, work)),
      new KeyValuePair<string, Action>("export to media", () => ExportMediaTest(path, work)),
      new KeyValuePair<string, Action>("move/get/DIMSE-N SCP", () => RetrieveScp(work)),
      new KeyValuePair<string, Action>("tls", () => Tls(path, work)),
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
