#!/usr/bin/env bash
# Makes the Maven artifact org.dcmkit:dcmkit (packaging/maven.sh) from BUILD_DIR into a local
# repository, checks the repository layout, the pom and the jar (classes, native/linux-<arch>/ with
# the JNI glue and libdcmkit.so.1, META-INF/maven), then, outside the build tree, compiles the Java
# sample ReadEcho.java against that jar alone and runs it with the jar alone on the class path (no
# java.library.path, no LD_LIBRARY_PATH: the native code comes out of the jar): it reads a file
# DCMTK's dump2dcm made (values compared with dcmdump's) and sends a C-ECHO to DCMTK's storescp.
# The extracted native code leaves java.io.tmpdir when the JVM exits.
# With Debian's Maven, the artifact is installed by `mvn -o install:install-file` and a project
# depending on it resolves it offline (mvn -o dependency:build-classpath).
# usage: test_maven.sh BUILD_DIR SOURCE_DIR   (exit 77: a JDK or DCMTK missing)
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
for t in javac java jar dump2dcm dcmdump storescp; do
  command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
tmp=$(mktemp -d /tmp/dcmkit-maven-test-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
unset LD_LIBRARY_PATH CLASSPATH
version=$(sed -n 's/^project(dcmkit VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
case "$(uname -m)" in x86_64) arch=x86_64 ;; *) arch=$(uname -m) ;; esac

repo=$tmp/m2/repository
jarfile=$("$src/packaging/maven.sh" "$build" "$repo")
dir=$repo/org/dcmkit/dcmkit
[ "$jarfile" = "$dir/$version/dcmkit-$version.jar" ] || { echo "FAIL: maven.sh made $jarfile"; exit 1; }
for f in "$version/dcmkit-$version.jar" "$version/dcmkit-$version.pom" maven-metadata-local.xml; do
  [ -f "$dir/$f" ] || { echo "FAIL: the local repository has no org/dcmkit/dcmkit/$f"; exit 1; }
done
pom=$dir/$version/dcmkit-$version.pom
grep -q '<groupId>org.dcmkit</groupId>' "$pom" && grep -q '<artifactId>dcmkit</artifactId>' "$pom" &&
  grep -q "<version>$version</version>" "$pom" || { echo "FAIL: the pom:"; cat "$pom"; exit 1; }
grep -q "<version>$version</version>" "$dir/maven-metadata-local.xml" || { echo "FAIL: maven-metadata-local.xml"; exit 1; }
listing=$(jar tf "$jarfile")
for f in org/dcmkit/dcmkitJNI.class org/dcmkit/Dataset.class "native/linux-$arch/libdcmkit_java.so" \
         "native/linux-$arch/libdcmkit.so.1" META-INF/maven/org.dcmkit/dcmkit/pom.xml \
         META-INF/maven/org.dcmkit/dcmkit/pom.properties; do
  grep -qx "$f" <<<"$listing" || { echo "FAIL: the jar has no $f"; echo "$listing"; exit 1; }
done

# A consumer with the jar from the local repository as its only dependency: with Debian's Maven,
# offline, a project depending on org.dcmkit:dcmkit:VERSION resolves its class path from that
# repository (overlaid on /usr/share/maven-repo, which has the plugin); that class path builds and
# runs the sample.
classpath=$jarfile
plugins=/usr/share/maven-repo/org/apache/maven/plugins/maven-dependency-plugin
plugin=$(find "$plugins" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | grep -E '^[0-9][0-9.]*$' | sort -V | tail -1 || true)
if command -v mvn >/dev/null && [ -n "$plugin" ]; then
  overlay=$tmp/overlay
  mkdir -p "$overlay/org" "$tmp/app"
  for e in /usr/share/maven-repo/*; do [ "$(basename "$e")" = org ] || ln -s "$e" "$overlay/"; done
  for e in /usr/share/maven-repo/org/*; do ln -s "$e" "$overlay/org/"; done
  ln -s "$repo/org/dcmkit" "$overlay/org/dcmkit"
  cat >"$tmp/app/pom.xml" <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>test</groupId><artifactId>app</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.dcmkit</groupId><artifactId>dcmkit</artifactId><version>$version</version></dependency>
  </dependencies>
</project>
XML
  (cd "$tmp/app" && mvn -o -q -B -Dmaven.repo.local="$overlay" \
     "org.apache.maven.plugins:maven-dependency-plugin:$plugin:build-classpath" -Dmdep.outputFile="$tmp/cp.txt" >"$tmp/mvn.log" 2>&1) ||
    { cat "$tmp/mvn.log"; echo "FAIL: mvn -o dependency:build-classpath does not resolve org.dcmkit:dcmkit:$version"; exit 1; }
  classpath=$(cat "$tmp/cp.txt")
  [ "$(readlink -f "$classpath")" = "$(readlink -f "$jarfile")" ] ||
    { echo "FAIL: Maven resolved the class path '$classpath', not $jarfile"; exit 1; }
  echo "ok: mvn -o resolves org.dcmkit:dcmkit:$version from the local repository"
else
  echo "note: no mvn with maven-dependency-plugin (apt: maven libmaven-dependency-plugin-java): the jar is used directly"
fi
mkdir -p "$tmp/classes" "$tmp/run" "$tmp/jtmp" "$tmp/stored"
javac -nowarn -d "$tmp/classes" -cp "$classpath" "$src/samples/java/ReadEcho.java"
cd "$tmp/run"
printf '(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]\n(0008,0018) UI [1.2.3.4]\n(0008,0060) CS [OT]\n(0010,0010) PN [Maven^Test]\n(0010,0020) LO [MVN-5]\n' >in.txt
dump2dcm -q in.txt in.dcm
. "$src/bindings/swig/tests/peers.sh"  # dcmdump_value, free_port, wait_port
port=$(free_port)
TCP_NODELAY=1 storescp -aet STORESCP "$port" >"$tmp/storescp.log" 2>&1 &
pid=$!
wait_port "$port" "$pid" storescp
java -Djava.io.tmpdir="$tmp/jtmp" -Djava.library.path="$tmp/nowhere" -cp "$classpath:$tmp/classes" \
  ReadEcho in.dcm 127.0.0.1 "$port" STORESCP >out.txt 2>&1 || { echo "FAIL: ReadEcho:"; cat out.txt; exit 1; }
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
grep -qx "SOPClassUID = 1.2.840.10008.5.1.4.1.1.7" out.txt || { echo "FAIL: ReadEcho read SOPClassUID:"; cat out.txt; exit 1; }
for k in PatientName PatientID Modality; do
  want=$(dcmdump_value "$k" in.dcm)
  grep -qxF "$k = $want" out.txt || { echo "FAIL: ReadEcho does not print '$k = $want' (dcmdump's):"; cat out.txt; exit 1; }
done
grep -qx 'C-ECHO status 0x0000' out.txt || { echo "FAIL: no successful C-ECHO:"; cat out.txt; exit 1; }
left=$(ls -A "$tmp/jtmp")
[ -z "$left" ] || { echo "FAIL: the extracted native code stays in java.io.tmpdir: $left"; exit 1; }
echo "ok: org.dcmkit:dcmkit:$version ($(( $(stat -c %s "$jarfile") / 1024 )) KiB jar): ReadEcho built and run against the jar alone reads what dcmdump reads and echoes storescp"
