#!/usr/bin/env bash
# Makes the Maven artifact org.dcmkit:dcmkit:VERSION from a CMake build tree with the SWIG bindings —
# dcmkit.jar's classes plus native/linux-x86_64/{libdcmkit_java.so,libdcmkit.so.1} (stripped; the
# JNI class extracts and loads them) and META-INF/maven/org.dcmkit/dcmkit/{pom.xml,pom.properties} —
# and installs it into the local repository REPO (REPO/org/dcmkit/dcmkit/VERSION/dcmkit-VERSION.{jar,pom},
# maven-metadata-local.xml) with `mvn -o install:install-file`, or, without Debian's Maven and its
# install plugin, by writing that layout itself.
# usage: maven.sh BUILD_DIR REPO
set -euo pipefail
build=$(cd "$1" && pwd)
mkdir -p "$2"
repo=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
command -v jar >/dev/null || { echo "maven.sh: no jar tool (apt install default-jdk-headless)" >&2; exit 77; }
. "$here/common.sh"
version=$(dk_version)
case "$(uname -m)" in x86_64) arch=x86_64 ;; aarch64) arch=aarch64 ;; *) arch=$(uname -m) ;; esac

work=$(mktemp -d /tmp/dcmkit-maven-XXXXXX)
trap 'rm -rf "$work"' EXIT
dk_stage_natives "$build" '*/java/libdcmkit_java.so'
mkdir -p "$work/res/native/linux-$arch" "$work/res/META-INF/maven/org.dcmkit/dcmkit"
cp "$glue" "$work/res/native/linux-$arch/"
cp "$(readlink -f "$lib")" "$work/res/native/linux-$arch/libdcmkit.so.1"  # under its SONAME
sed "s/@VERSION@/$version/" "$here/dcmkit.pom.in" >"$work/dcmkit.pom"
cp "$work/dcmkit.pom" "$work/res/META-INF/maven/org.dcmkit/dcmkit/pom.xml"
printf 'groupId=org.dcmkit\nartifactId=dcmkit\nversion=%s\n' "$version" >"$work/res/META-INF/maven/org.dcmkit/dcmkit/pom.properties"
cp "$(dirname "$glue")/dcmkit.jar" "$work/dcmkit.jar"
jar uf "$work/dcmkit.jar" -C "$work/res" native -C "$work/res" META-INF/maven

dir=$repo/org/dcmkit/dcmkit
# Debian's Maven, offline, with its own repository /usr/share/maven-repo (apt:
# libmaven-install-plugin-java) for the plugin, installing into REPO (nothing is written to
# /usr/share/maven-repo); else the same layout written here.
plugins=/usr/share/maven-repo/org/apache/maven/plugins/maven-install-plugin
plugin=$(find "$plugins" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | grep -E '^[0-9][0-9.]*$' | sort -V | tail -1 || true)
if command -v mvn >/dev/null && [ -n "$plugin" ]; then
  (cd "$work" && mvn -o -q -B -Dmaven.repo.local=/usr/share/maven-repo \
     "org.apache.maven.plugins:maven-install-plugin:$plugin:install-file" \
     -Dfile="$work/dcmkit.jar" -DpomFile="$work/dcmkit.pom" -DlocalRepositoryPath="$repo" >"$work/mvn.log" 2>&1) ||
    { cat "$work/mvn.log" >&2; echo "maven.sh: mvn install:install-file failed" >&2; exit 1; }
  echo "maven.sh: installed with mvn -o install:install-file (maven-install-plugin $plugin)" >&2
else
  mkdir -p "$dir/$version"
  cp "$work/dcmkit.jar" "$dir/$version/dcmkit-$version.jar"
  cp "$work/dcmkit.pom" "$dir/$version/dcmkit-$version.pom"
  now=$(date -u +%Y%m%d%H%M%S)
  cat >"$dir/maven-metadata-local.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>org.dcmkit</groupId>
  <artifactId>dcmkit</artifactId>
  <versioning>
    <release>$version</release>
    <versions>
      <version>$version</version>
    </versions>
    <lastUpdated>$now</lastUpdated>
  </versioning>
</metadata>
XML
  echo "maven.sh: no mvn with maven-install-plugin in /usr/share/maven-repo: the repository layout written directly" >&2
fi
[ -f "$dir/$version/dcmkit-$version.jar" ] || { echo "maven.sh: no $dir/$version/dcmkit-$version.jar" >&2; exit 1; }
echo "$dir/$version/dcmkit-$version.jar"
