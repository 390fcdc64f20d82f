// dcmkit — a header-only C++17 wrapper over the stable C ABI (dcmkit.h).
//
// It includes only the C headers, so a program built against it depends on the ABI of the shared
// library `dcmkit` alone (never on the core's C++ classes, which make no ABI promise). It is also the
// one layer every language binding sits on: what a binding lacks is added here first, so that Python,
// C# and Java share the logic (which getter a VR needs, buffer loops, deep copies of items).
//
//   dk::Dataset ds = dk::Dataset::read_file("ct.dcm", {/*stop_before_pixels=*/true});
//   std::string name = ds.get_string(dk::tag("PatientName"));
//   for (size_t i = 0; i < ds.size(); ++i) { dk::ElementInfo e = ds.element_at(i); ... }
//   ds.set_string(dk::tag("PatientID"), "ANON");
//   ds.write_file("out.dcm", {"explicit"});
//
// Errors: every failing call throws a subclass of dk::Error chosen by its dk_result (dk::check).
// Thread safety: as the C ABI's — one dataset from one thread at a time.
//
// This umbrella includes every module of the wrapper; a module header may also be included alone:
//   dcmkit/common.hpp      errors (dk::Error…, dk::check), version
//   dcmkit/dictionary.hpp  dk::Tag, the data and private dictionaries, UIDs
//   dcmkit/dataset.hpp     dk::Dataset, read/write options, value kinds
//   dcmkit/pixel.hpp       pixel data, decoding, transcoding, rendering
//   dcmkit/net.hpp         the network: ae.hpp (dk::AE), association.hpp (dk::Association and its
//                          results), server.hpp (dk::Server), commit.hpp (Storage Commitment)
//   dcmkit/archive.hpp     dk::Archive, the embedded archive server (what `dcmkit serve` runs)
//   dcmkit/deid.hpp        dk::deidentify (PS3.15 Annex E, keyed pseudonyms)
//   dcmkit/web.hpp         dk::WebClient, the DICOMweb client (STOW-RS, QIDO-RS, WADO-RS)
#ifndef DCMKIT_DCMKIT_HPP
#define DCMKIT_DCMKIT_HPP

#include "dcmkit/dcmkit.h"

#include "dcmkit/common.hpp"
#include "dcmkit/dictionary.hpp"
#include "dcmkit/dataset.hpp"
#include "dcmkit/pixel.hpp"
#include "dcmkit/net.hpp"
#include "dcmkit/archive.hpp"
#include "dcmkit/dicomdir.hpp"
#include "dcmkit/deid.hpp"
#include "dcmkit/media.hpp"
#include "dcmkit/web.hpp"
#include "dcmkit/hl7.hpp"

#endif  // DCMKIT_DCMKIT_HPP
