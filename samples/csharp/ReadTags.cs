// Reads a DICOM file through the DcmKit C# binding and prints its top-level elements.
//   mono ReadTags.exe file.dcm
using System;
using DcmKit;

static class ReadTags {
  static int Main(string[] args) {
    if (args.Length != 1) { Console.Error.WriteLine("usage: ReadTags.exe FILE"); return 2; }
    try {
      using (Dataset ds = Dataset.ReadFile(args[0], true)) {  // stop before the pixel data
        Console.WriteLine("transfer syntax " + ds.TransferSyntax());
        for (ulong i = 0; i < ds.Size(); i++) {
          uint tag = ds.TagAt(i);
          string vr = ds.VrAt(i);
          string value = vr == "SQ" ? ds.ItemCount(tag) + " item(s)"
                       : vr == "OB" || vr == "OW" || vr == "UN" ? ds.GetBytes(tag).Length + " bytes"
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
