// dcmkit — what the conformance statement says of the archive's DICOMweb services (archive_web.h).
#include "dcmkit/archive_web.h"

namespace dcmkit::archive {

void describe_web(uint16_t http_port, bool renders, net::ConformanceProduct &product, bool https) {
    if (!web_available()) return;
    product.http_port = http_port;
    product.web_https = https;
    product.web_base = WebOptions{}.base;
    using W = net::ConformanceProduct::WebService;
    product.web_services = {
        W{"QIDO-RS (Search, PS3.18 10.6)",
          "GET /studies, /series, /instances, /studies/{study}/series, /studies/{study}/instances, "
          "/studies/{study}/series/{series}/instances",
          "application/dicom+json",
          "Attributes by keyword or tag (sequences as dotted paths), matched as the archive's C-FIND (PS3.4 C.2.2.2); "
          "includefield (and all), limit, offset. fuzzymatching=true is answered with a Warning header: only literal "
          "matching is performed."},
        W{"WADO-RS (Retrieve, PS3.18 10.4)",
          "GET /studies/{study}[/series/{series}[/instances/{instance}]], .../metadata, "
          ".../instances/{instance}/bulkdata/{tag}, .../instances/{instance}/frames/{list}" +
              std::string(renders ? ", /studies/{study}[/series/{series}[/instances/{instance}[/frames/{n}]]]"
                                    "/rendered and /thumbnail"
                                  : ""),
          "multipart/related; type=\"application/dicom\" (transfer-syntax=* as stored, or any syntax the codecs "
          "encode; default Explicit VR Little Endian), application/dicom+json, application/octet-stream (bulk data "
          "with Range). Frames: multipart/related (or the media type alone for one frame) of application/octet-stream "
          "(default: decoded, Explicit VR Little Endian), image/jpeg (1.2.840.10008.1.2.4.70 default, .50, .51, .57), "
          "image/jls (.80 default, .81), image/jp2 (.90 default, .91), image/jphc (.201 default, .202, .203), "
          "image/dicom-rle (.5); type=\"*\" or transfer-syntax=* as stored" +
              std::string(renders ? "; rendered: image/jpeg, image/png (window, viewport, quality), multipart/related "
                                    "for a study or series"
                                  : ""),
          "Instances are streamed from their files, one at a time. A frame stored in the asked syntax is sent as "
          "stored; any other is decoded and encoded alone while the response is written. Without a transfer-syntax "
          "parameter the media type's lossless default is used (the stored syntax when the pixel data is lossy "
          "already); lossy syntaxes only when named; lossy pixels are not re-encoded in a lossless syntax (406). "
          "Accept ranges are tried best q first; none producible: 406 with the reasons." +
              std::string(renders ? " A rendered study or series has one image per frame of each instance with "
                                    "pixel data, by Series and Instance Number; its thumbnail is the middle frame of "
                                    "the middle image."
                                  : "")},
        W{"STOW-RS (Store, PS3.18 10.5)", "POST /studies, /studies/{study}",
          "multipart/related; type=\"application/dicom\", or type=\"application/dicom+json\" with bulk data parts "
          "named by Content-Location (stored in Explicit VR Little Endian); response application/dicom+json",
          "Each instance is checked, stored and indexed as a C-STORE is, once the whole body has arrived (a malformed "
          "body stores nothing); the response lists ReferencedSOPSequence and FailedSOPSequence (Failure Reason as "
          "the C-STORE status): 200 all stored, 202 some, 409 none."},
        W{"WADO-URI (PS3.18 9)", "GET /wado?requestType=WADO&studyUID=&seriesUID=&objectUID=",
          "application/dicom (transferSyntax)" + std::string(renders ? ", image/jpeg, image/png" : ""),
          "frameNumber, rows, columns, windowCenter, windowWidth, imageQuality."},
    };
}

}  // namespace dcmkit::archive
