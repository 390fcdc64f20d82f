#!/usr/bin/env python3
"""The core's layers, enforced: fails when a layer includes a header of a layer above it (or beside
it) or links one, or when a public header does not compile with only its layer's allowed include roots.

Usage: check_layers.py CORE_DIR MANIFEST [CXX [GENERATED_DIR]]

CORE_DIR  the source tree's core/ (one folder per layer: <layer>/include, <layer>/src)
MANIFEST  dcmkit_layers.tsv, written at configure time by core/CMakeLists.txt: per layer, its
          target's LINK_LIBRARIES and INCLUDE_DIRECTORIES
CXX       a C++ compiler: each public header is compiled alone (-fsyntax-only) with -I for its own
          and its allowed layers' include roots only (skipped when not given)
GENERATED_DIR  the build tree's core/: headers a layer generates at configure time, under
          <layer>/include (data's dcmkit/uids.h), belong to that layer like its own

Three checks, each naming the offending file and line:
  1. every #include of a file in core/ from a layer's sources and headers resolves within that layer
     or a layer it may use (the map below);
  2. each layer's target links only the dcmkit layers it may use and its allowed third-party libraries,
     and compiles with the include roots of those layers only;
  3. each public header compiles with only the allowed include roots.
"""
import os
import re
import subprocess
import sys
import tempfile

# What each layer may use (besides itself). The order of the layers, bottom up.
MAY_USE = {
    "data": [],
    "codecs": ["data"],
    "net": ["data"],
    "services": ["net", "data"],
    "archive": ["services", "net", "data"],
}
# Third-party libraries (CMake link items) each layer may link; dcmkit_build_flags is the warning flags.
THIRD_PARTY = {
    "data": ["ZLIB::ZLIB"],
    "codecs": ["JPEG::JPEG", "PNG::PNG", "PkgConfig::CHARLS", "PkgConfig::OPENJPEG", "openjph", "Threads::Threads"],
    "net": ["Threads::Threads"],
    "services": ["Threads::Threads", "OpenSSL::SSL",  # libssl: audit messages over TLS (DCMKIT_WITH_TLS)
                 "CURL::libcurl"],  # the DICOMweb client (DCMKIT_WITH_WEB_CLIENT)
    "archive": ["SQLite::SQLite3", "OpenSSL::Crypto", "Threads::Threads", "civetweb::civetweb"],  # CivetWeb: DICOMweb
}
COMMON = ["dcmkit_build_flags"]
# Libraries a layer may link only when a build option is on (the manifest's "<layer> <option> on").
OPTIONAL_THIRD_PARTY = {
    ("net", "tls"): ["OpenSSL::SSL", "OpenSSL::Crypto"],  # DCMKIT_WITH_TLS
    ("data", "media"): ["Threads::Threads"],  # DCMKIT_WITH_MEDIA: de-identification of files on threads
    ("archive", "postgresql"): ["PostgreSQL::PostgreSQL"],  # DCMKIT_WITH_POSTGRESQL
}

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def layer_files(core, layer):
    for sub in ("include", "src"):
        root = os.path.join(core, layer, sub)
        for dirpath, _, names in os.walk(root):
            for n in sorted(names):
                if n.endswith((".h", ".hpp", ".cpp", ".cc", ".c")):
                    yield os.path.join(dirpath, n)


GENERATED = None  # the build tree's core/ (GENERATED_DIR), when given


def owner(core, path):
    """The layer a file of core/ (or of the build tree's core/) belongs to, or None."""
    for base in [core] + ([GENERATED] if GENERATED else []):
        rel = os.path.relpath(os.path.realpath(path), os.path.realpath(base)).split(os.sep)
        if rel and rel[0] in MAY_USE:
            return rel[0]
    return None


def include_roots(core, layer):
    """A layer's include roots: its include/ and, in the build tree, the headers it generates."""
    roots = [os.path.join(core, layer, "include")]
    if GENERATED:
        roots.append(os.path.join(GENERATED, layer, "include"))
    return roots


def check_includes(core):
    errors = []
    for layer, allowed in MAY_USE.items():
        ok = {layer, *allowed}
        for f in layer_files(core, layer):
            with open(f, encoding="utf-8", errors="replace") as fh:
                for lineno, line in enumerate(fh, 1):
                    m = INCLUDE_RE.match(line)
                    if not m:
                        continue
                    name = m.group(1)
                    # Where the include could come from: next to the file, the layer's src, any
                    # layer's include root. A file found in core/ must be in an allowed layer.
                    candidates = [os.path.join(os.path.dirname(f), name), os.path.join(core, layer, "src", name)]
                    candidates += [os.path.join(r, name) for l in MAY_USE for r in include_roots(core, l)]
                    found = [c for c in candidates if os.path.isfile(c)]
                    owners = {owner(core, c) for c in found} - {None}
                    if owners and not owners & ok:
                        errors.append(f"{os.path.relpath(f, core)}:{lineno}: includes {name}, which belongs to "
                                      f"{'/'.join(sorted(owners))}; {layer} may use only "
                                      f"{', '.join(allowed) or 'no other layer'}")
                    elif not owners and name.startswith("dcmkit/"):
                        errors.append(f"{os.path.relpath(f, core)}:{lineno}: includes {name}, found in no layer")
    return errors


def read_manifest(path):
    out = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                out.setdefault(parts[0], {})[parts[1]] = [p for p in parts[2].split(";") if p]
            elif len(parts) == 2 and parts[1] == "off":
                out.setdefault(parts[0], {})["off"] = []  # a layer this build leaves out (DCMKIT_WITH_ARCHIVE=OFF)
    return out


def check_links(manifest, core):
    errors = []
    for layer, allowed in MAY_USE.items():
        if layer not in manifest:
            errors.append(f"{layer}: missing from the manifest (no target dcmkit_{layer}?)")
            continue
        if "off" in manifest[layer]:
            continue
        ok_layers = {f"dcmkit_{l}" for l in allowed}
        third_party = list(THIRD_PARTY[layer])
        for (l, option), libs in OPTIONAL_THIRD_PARTY.items():
            if l == layer and manifest[layer].get(option) == ["on"]:
                third_party += libs
        for item in manifest[layer].get("link", []) + manifest[layer].get("lazy", []):
            base = os.path.basename(item)
            if item in ok_layers or item in COMMON or item in third_party:
                continue
            if any(base.startswith(("lib" + t, t)) for t in THIRD_PARTY[layer] if "::" not in t):
                continue  # a library found by path (OpenJPH)
            if item.startswith("dcmkit_") or item.startswith("dcmkit::"):
                errors.append(f"dcmkit_{layer} links {item}; {layer} may link only "
                              f"{', '.join(sorted(ok_layers)) or 'no other layer'}")
            else:
                errors.append(f"dcmkit_{layer} links {item}, a library {layer} may not use "
                              f"(allowed in this build: {', '.join(third_party)})")
        for item in manifest[layer].get("include", []):
            o = owner(core, item)
            if o and o != layer and o not in allowed:
                errors.append(f"dcmkit_{layer} compiles with the include root {item}, of {o}; {layer} may use "
                              f"only {', '.join(allowed) or 'no other layer'}")
    return errors


def check_headers_compile(core, cxx):
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        for layer, allowed in MAY_USE.items():
            flags = [f"-I{r}" for l in [layer, *allowed] for r in include_roots(core, l)]
            root = os.path.join(core, layer, "include")
            for f in layer_files(core, layer):
                if not f.startswith(root + os.sep):
                    continue
                tu = os.path.join(tmp, "tu.cpp")
                with open(tu, "w") as fh:
                    fh.write(f'#include "{os.path.relpath(f, root)}"\n')
                r = subprocess.run([cxx, "-std=c++17", "-fsyntax-only", *flags, tu],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    first = "\n    ".join(r.stderr.strip().splitlines()[:4])
                    errors.append(f"{os.path.relpath(f, core)}: does not compile with the include roots of "
                                  f"{', '.join([layer, *allowed])} only:\n    {first}")
    return errors


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    global GENERATED
    core, manifest = sys.argv[1], sys.argv[2]
    cxx = sys.argv[3] if len(sys.argv) > 3 else None
    GENERATED = sys.argv[4] if len(sys.argv) > 4 else None
    for layer in MAY_USE:
        if not os.path.isdir(os.path.join(core, layer)):
            print(f"no folder {layer} in {core}")
            return 1
    errors = check_includes(core) + check_links(read_manifest(manifest), core)
    if cxx:
        errors += check_headers_compile(core, cxx)
    for e in errors:
        print("layer violation:", e)
    if errors:
        return 1
    print("layers: " + "; ".join(f"{l} uses {', '.join(a) or 'nothing'}" for l, a in MAY_USE.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
