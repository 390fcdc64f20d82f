// The C# side of the bindings benchmark (`./dk.sh bench bindings`, bench/bindings.sh): the same work
// as read_headers.c, through DcmKit.dll (SWIG).
//
//     MONO_PATH=DIR_OF_DcmKit.dll mono ReadHeaders.exe DIR PASSES CALLS
//
// In one process: a warm-up pass (not timed, so that the JIT has compiled everything), then
//   per_file          PASSES passes over DIR/*.dcm: Dataset.ReadFile(path, true) (stop before pixels),
//                     the 10 string attributes and Rows/Columns by keyword, Dispose;
//   per_call_tag      CALLS GetString(uint tag) calls on one open dataset, cycling through the 10
//                     attributes (PASSES times);
//   per_call_keyword  the same with GetString(string keyword).
// Prints one line per measurement, `NAME key=value ...`, like read_headers.c; the checksum (total
// length of the strings read, plus Rows and Columns) is compared across the languages by the driver
// (the attributes are ASCII, so string lengths equal UTF-8 byte counts).
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using DcmKit;

static class ReadHeaders {
  static readonly string[] Strings = {
    "PatientName", "PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID",
    "Modality", "StudyDate", "AccessionNumber", "StudyDescription", "SeriesDescription",
  };
  static readonly string[] Ints = { "Rows", "Columns" };

  static long FilePass(string[] files) {
    long sum = 0;
    foreach (string f in files) {
      using (Dataset ds = Dataset.ReadFile(f, true)) {
        foreach (string k in Strings) sum += ds.GetString(k).Length;
        foreach (string k in Ints) sum += ds.GetInt(k);
      }
    }
    return sum;
  }

  static long CallPassTag(Dataset ds, uint[] tags, long calls) {
    long sum = 0;
    for (long i = 0, k = 0; i < calls; ++i) {
      sum += ds.GetString(tags[k]).Length;
      if (++k == tags.Length) k = 0;
    }
    return sum;
  }

  static long CallPassKeyword(Dataset ds, long calls) {
    long sum = 0;
    for (long i = 0, k = 0; i < calls; ++i) {
      sum += ds.GetString(Strings[k]).Length;
      if (++k == Strings.Length) k = 0;
    }
    return sum;
  }

  static string F(double v) { return v.ToString("F3", CultureInfo.InvariantCulture); }

  static int Main(string[] args) {
    if (args.Length != 3) {
      Console.Error.WriteLine("usage: ReadHeaders.exe DIR PASSES CALLS");
      return 2;
    }
    string dir = args[0];
    int passes = int.Parse(args[1], CultureInfo.InvariantCulture);
    long calls = long.Parse(args[2], CultureInfo.InvariantCulture);
    string[] files = Directory.GetFiles(dir, "*.dcm");
    Array.Sort(files, StringComparer.Ordinal);
    if (files.Length == 0) {
      Console.Error.WriteLine("ReadHeaders: no .dcm files in " + dir);
      return 1;
    }
    try {
      string runtime = "mono";
      Type mono = Type.GetType("Mono.Runtime");
      if (mono != null) {
        var display = mono.GetMethod("GetDisplayName", System.Reflection.BindingFlags.NonPublic |
                                                         System.Reflection.BindingFlags.Static);
        if (display != null) runtime = "mono-" + ((string)display.Invoke(null, null)).Split(' ')[0];
      }
      Console.WriteLine("runtime lang=csharp runtime={0} dcmkit={1}", runtime, dcmkit.Version());

      long checksum = FilePass(files);  // warm-up
      double best = double.MaxValue, total = 0;
      for (int p = 0; p < passes; ++p) {
        var sw = Stopwatch.StartNew();
        long sum = FilePass(files);
        double s = sw.Elapsed.TotalSeconds;
        if (sum != checksum) throw new Exception("checksum changed between passes");
        best = Math.Min(best, s);
        total += s;
      }
      Console.WriteLine("per_file lang=csharp files={0} passes={1} best_us={2} mean_us={3} checksum={4}", files.Length,
                        passes, F(best * 1e6 / files.Length), F(total * 1e6 / files.Length / passes), checksum);

      using (Dataset ds = Dataset.ReadFile(files[0], true)) {
        uint[] tags = new uint[Strings.Length];
        for (int i = 0; i < Strings.Length; ++i) tags[i] = dcmkit.TagOf(Strings[i]);
        for (int mode = 0; mode < 2; ++mode) {
          checksum = mode == 0 ? CallPassTag(ds, tags, calls) : CallPassKeyword(ds, calls);  // warm-up
          best = double.MaxValue;
          total = 0;
          for (int p = 0; p < passes; ++p) {
            var sw = Stopwatch.StartNew();
            long sum = mode == 0 ? CallPassTag(ds, tags, calls) : CallPassKeyword(ds, calls);
            double s = sw.Elapsed.TotalSeconds;
            if (sum != checksum) throw new Exception("checksum changed between passes");
            best = Math.Min(best, s);
            total += s;
          }
          Console.WriteLine("{0} lang=csharp calls={1} passes={2} best_ns={3} mean_ns={4} checksum={5}",
                            mode == 0 ? "per_call_tag" : "per_call_keyword", calls, passes,
                            F(best * 1e9 / calls), F(total * 1e9 / calls / passes), checksum);
        }
      }
      return 0;
    } catch (DicomException e) {
      Console.Error.WriteLine("ReadHeaders: " + e.GetType().Name + " (" + e.Kind + "): " + e.Message);
      return 1;
    }
  }
}
