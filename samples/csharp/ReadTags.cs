// Reads a DICOM file through the DcmKit C# binding and prints its top-level elements.
//   mono ReadTags.exe file.dcm
using System;
using DcmKit;

static class ReadTags {
  /// The values of a binary number element, separated by a backslash as dcmdump prints them.
  static string Numbers(Dataset ds, uint tag, bool real) {
    var parts = new System.Collections.Generic.List<string>();
    for (ulong k = 0; k < ds.ValueCount(tag); k++)
      parts.Add(real ? ds.GetDouble(tag, k).ToString(System.Globalization.CultureInfo.InvariantCulture)
                     : ds.GetInt(tag, k).ToString());
    return string.Join("\\", parts);
  }

  static int Main(string[] args) {
    if (args.Length != 1) { Console.Error.WriteLine("usage: ReadTags.exe FILE"); return 2; }
    try {
      using (Dataset ds = Dataset.ReadFile(args[0], true)) {  // stop before the pixel data
        Console.WriteLine("transfer syntax " + ds.TransferSyntax());
        for (ulong i = 0; i < ds.Size(); i++) {
          uint tag = ds.TagAt(i);
          string vr = ds.VrAt(i);
          string value = vr == "SQ" ? ds.ItemCount(tag) + " item(s)"
                       : vr == "OB" || vr == "OW" || vr == "UN" || vr == "OF" || vr == "OD" || vr == "OL" || vr == "OV"
                           ? ds.GetBytes(tag).Length + " bytes"
                       : vr == "US" || vr == "SS" || vr == "UL" || vr == "SL" || vr == "UV" || vr == "SV" ? Numbers(ds, tag, false)
                       : vr == "FL" || vr == "FD" ? Numbers(ds, tag, true)
                       : vr == "AT" ? ds.GetBytes(tag).Length / 4 + " tag(s)"
                       : ds.GetString(tag);
          Console.WriteLine("({0:x4},{1:x4}) {2} {3,-28} {4}", tag >> 16, tag & 0xFFFF, vr, dcmkit.KeywordOf(tag), value);
        }
      }
      return 0;
    } catch (DicomException e) {  // ParseException, NotFoundException, IoException…
      Console.Error.WriteLine(e.GetType().Name + " (" + e.Kind + "): " + e.Message);
      return 1;
    }
  }
}
