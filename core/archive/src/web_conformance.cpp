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
              std::string(renders ? ", .../rendered, .../thumbnail, .../frames/{n}/rendered" : ""),
          "multipart/related; type=\"application/dicom\" (transfer-syntax=* as stored, or any syntax the codecs "
          "encode; default Explicit VR Little Endian), application/dicom+json, application/octet-stream (frames "
          "decoded to Explicit VR Little Endian; bulk data with Range)" +
              std::string(renders ? ", image/jpeg, image/png (window, viewport, quality)" : ""),
          "Instances are streamed from their files, one at a time."},
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
