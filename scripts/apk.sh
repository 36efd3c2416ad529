#!/usr/bin/env bash
# The sideloaded test build (the emulator flavor, debug) assembled and checked without the
# Android SDK, from what scripts/test-kotlin.sh compiled (run by it after compiling android/app;
# alone: ./scripts/apk.sh after one ./scripts/test-kotlin.sh):
#   1. dexes the app's classes (main + emulator flavor), the bindings and the shell, the Kotlin
#      stdlib, kotlinx-coroutines and JNA's Android classes with D8 (com.android.tools:r8 from
#      Maven Central, the catalog's r8, sha1-pinned in scripts/maven.sh), min API = minSdk;
#   2. merges the emulator flavor's manifest into main's and packages it with the resources
#      (launcher icon, theme, data extraction rules) using Debian's aapt: package name
#      cn.pos.app + ".emu", versionCode from git (commit count), versionName from Cargo.toml,
#      minSdk/targetSdk from the catalog; JNA's libjnidispatch.so for arm64-v8a and x86_64 only
#      (the Gradle build's abiFilters), stored uncompressed;
#   3. aligns it (zipalign -p) and signs it with the committed test-only key
#      (android/signing/sideload-test-only.p12; apksigner, v2 + v3);
#   4. checks it: aapt dump badging / permissions / xmltree (package, versions, SDK levels, every
#      permission of the manifest with its maxSdkVersion, the service's foregroundServiceType,
#      exported flags, the data extraction rules), zipalign -c, apksigner verify, dexdump (the
#      app's, the shell's and the bindings' classes are in the dex files); then shows that the
#      checks refuse three broken packages (an exported service, a legacy permission without
#      maxSdkVersion, a service without its type).
# It cannot hold the Android build of the Rust library (libpos_ffi.so for arm64-v8a/x86_64 needs
# the Android NDK and cargo-ndk, not on these machines): the check says so. Installed as it is,
# the app launches and asks for its permissions, then fails at its first call into the core
# (JNA finds no pos_ffi: UnsatisfiedLinkError); the Gradle build
# (./gradlew :app:assembleEmulatorDebug, docs/android.md) builds the library where the NDK is.
# Output: target/apk/pos-emulator-debug.apk. Installs Debian's aapt, zipalign, apksigner and
# dexdump itself when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
t0=$(date +%s)
out="$root/target/kotlin"
work="$root/target/apk"
. "$root/scripts/maven.sh"

if [ ! -d "$out/main" ] || [ ! -d "$out/app" ]; then
  echo "the compiled bindings, shell or app are missing: run scripts/test-kotlin.sh" >&2
  exit 1
fi

missing=()
for tool in aapt zipalign apksigner dexdump; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian's ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" = "0" ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

app_src="$root/android/app/src"
namespace=cn.pos.app
application_id=$namespace.emu # applicationIdSuffix ".emu" of the emulator flavor
min_sdk=$(catalog_version minSdk)
target_sdk=$(catalog_version targetSdk)
# versionCode as the Gradle build computes it: the number of commits of HEAD.
if version_code=$(git -C "$root" rev-list --count HEAD 2>/dev/null); then :; else
  version_code=1
  echo "no git history here: versionCode 1" >&2
fi
# versionName: the workspace's version (Cargo.toml [workspace.package]), as the Gradle build reads it.
version_name=$(awk -F'"' '/^\[/ { s = ($0 == "[workspace.package]") } s && $1 ~ /^version *= *$/ { print $2; exit }' "$root/Cargo.toml")
key="$root/android/signing/sideload-test-only.p12"

d8_jar=$(jar "com.android.tools:r8:$(catalog_version r8)")
android35=$(jar org.robolectric:android-all:15-robolectric-13954326)
framework_res=$(jar org.robolectric:android-all:14-robolectric-10818077)
jna_aar="$cache/jna-$jna_version.aar"
jna_classes=$(jar "net.java.dev.jna:jna:$jna_version:aar")
stdlib_jar=$(jar "org.jetbrains.kotlin:kotlin-stdlib:$kotlin_version")

rm -rf "$work"
mkdir -p "$work/dex" "$work/raw"

echo "dexing the app, the shell, the bindings and their libraries (D8 $(catalog_version r8), min API $min_sdk)"
# D8 takes jars: the compiled class directories as two jars (their class files only).
zip_classes() {
  python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
src, dest = sys.argv[1:]
with zipfile.ZipFile(dest, "w") as z:
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if name.endswith(".class"):
                path = os.path.join(dirpath, name)
                z.write(path, os.path.relpath(path, src))
PY
}
zip_classes "$out/app" "$work/app.jar"
zip_classes "$out/main" "$work/main.jar"
# The libraries once per version, kept beside the Maven cache: the app's own classes are dexed
# each run and merged with them.
# Intermediate dex (D8 --intermediate: its synthetic classes are merged in the last step).
lib_dex="$cache/dex-r8-$(catalog_version r8)-min$min_sdk"
mkdir -p "$lib_dex"
# The JDK's own classes (java.*) as a library too: the Robolectric android-all jar has none.
java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
d8() { java -Xmx2g -cp "$d8_jar" com.android.tools.r8.D8 --debug --min-api "$min_sdk" "$@"; }
# One D8 run for the three libraries (one JVM start), kept per set of versions.
libs_dex="$lib_dex/$(basename "$stdlib_jar" .jar)+$(basename "$coroutines" .jar)+jna-$jna_version.dex.zip"
if [ ! -f "$libs_dex" ]; then
  d8 --intermediate --lib "$android35" --lib "$java_home" --output "$libs_dex.part.zip" \
    "$stdlib_jar" "$coroutines" "$jna_classes"
  mv "$libs_dex.part.zip" "$libs_dex"
fi
# The app's classes (the libraries' classes as its classpath, for desugaring), merged with them.
d8 --lib "$android35" --lib "$java_home" --classpath "$stdlib_jar" --classpath "$coroutines" --classpath "$jna_classes" \
  --output "$work/dex" "$work/app.jar" "$work/main.jar" "$libs_dex"
cp "$work"/dex/classes*.dex "$work/raw/"

# JNA's native dispatch library for the ABIs the Gradle build keeps (abiFilters: no 32-bit ABI).
for abi in arm64-v8a x86_64; do
  mkdir -p "$work/raw/lib/$abi"
  python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
    "$jna_aar" "jni/$abi/libjnidispatch.so" >"$work/raw/lib/$abi/libjnidispatch.so"
done

echo "merging the manifests (main + emulator flavor) and packaging with aapt"
python3 - "$app_src/main/AndroidManifest.xml" "$app_src/emulator/AndroidManifest.xml" "$work/AndroidManifest.xml" "$namespace" <<'PY'
# The manifest merger's part that this build needs: the flavor's elements added to main's
# (its <application> children into main's <application>), the package set to the namespace
# (aapt renames it to the applicationId, as AGP does).
import sys
import xml.etree.ElementTree as ET
ET.register_namespace("android", "http://schemas.android.com/apk/res/android")
main_path, flavor_path, out_path, namespace = sys.argv[1:]
main = ET.parse(main_path).getroot()
flavor = ET.parse(flavor_path).getroot()
main.set("package", namespace)
app = main.find("application")
for child in flavor:
    if child.tag == "application":
        for attr, value in child.attrib.items():
            app.set(attr, value)
        app.extend(list(child))
    else:
        main.append(child)
ET.ElementTree(main).write(out_path, encoding="utf-8", xml_declaration=True)
PY
res_dirs=()
for dir in "$app_src/emulator/res" "$app_src/main/res"; do # the flavor's first: it overrides main's
  if [ -d "$dir" ]; then res_dirs+=(-S "$dir"); fi
done
aapt package -f --no-crunch --auto-add-overlay -M "$work/AndroidManifest.xml" "${res_dirs[@]}" \
  -I "$framework_res" --min-sdk-version "$min_sdk" --target-sdk-version "$target_sdk" \
  --version-code "$version_code" --version-name "$version_name" \
  --rename-manifest-package "$application_id" --debug-mode -0 so \
  -F "$work/unaligned.apk" "$work/raw"

echo "aligning and signing with the test-only key (android/signing/sideload-test-only.p12)"
zipalign -f -p 4 "$work/unaligned.apk" "$work/aligned.apk"
apk="$work/pos-emulator-debug.apk"
apksigner sign --ks "$key" --ks-type PKCS12 --ks-pass pass:test-only --ks-key-alias sideload-test-only \
  --key-pass pass:test-only --out "$apk" "$work/aligned.apk"
rm -f "$work/unaligned.apk" "$work/aligned.apk" "$apk.idsig"

echo "checking the APK"
fail() { echo "APK check failed: $*" >&2; exit 1; }
# Checks the package $1, writing what it reads into the folder $2; exits through fail().
check_apk() {
  local dir=$2
  mkdir -p "$dir"
  # (Called in a condition too, where set -e is off: every failure exits explicitly.)
  aapt dump badging "$1" >"$dir/badging.txt" || fail "aapt cannot read $1"
  aapt dump permissions "$1" >"$dir/permissions.txt" || fail "aapt dump permissions"
  aapt dump xmltree "$1" AndroidManifest.xml >"$dir/manifest-tree.txt" || fail "aapt dump xmltree"
  grep -qx "package: name='$application_id' versionCode='$version_code' versionName='$version_name'.*" "$dir/badging.txt" \
    || fail "package line: $(head -1 "$dir/badging.txt")"
  grep -qx "sdkVersion:'$min_sdk'" "$dir/badging.txt" || fail "minSdk is not $min_sdk"
  grep -qx "targetSdkVersion:'$target_sdk'" "$dir/badging.txt" || fail "targetSdk is not $target_sdk"
  grep -qx "launchable-activity: name='$namespace.MainActivity'.*" "$dir/badging.txt" || fail "no launcher activity MainActivity"
  grep -q "^application: label='收款 POS 模拟' icon='res/mipmap-anydpi[-v0-9]*/ic_launcher.xml'" "$dir/badging.txt" \
    || fail "application label or icon: $(grep '^application:' "$dir/badging.txt")"
  grep -qx "application-debuggable" "$dir/badging.txt" || fail "not debuggable"
  grep -qx "native-code: 'arm64-v8a' 'x86_64'" "$dir/badging.txt" || fail "native code: $(grep native-code "$dir/badging.txt")"
  # Every permission of the source manifest, with its maxSdkVersion, and nothing else.
  python3 - "$app_src/main/AndroidManifest.xml" "$app_src/emulator/AndroidManifest.xml" "$dir/badging.txt" <<'PY' || exit 1
import re, sys
import xml.etree.ElementTree as ET
A = "{http://schemas.android.com/apk/res/android}"
expected = {}
for path in sys.argv[1:3]:
    for p in ET.parse(path).getroot().findall("uses-permission"):
        expected[p.get(A + "name")] = p.get(A + "maxSdkVersion")
found = {}
for line in open(sys.argv[3], encoding="utf-8"):
    m = re.match(r"uses-permission: name='([^']+)'(?: maxSdkVersion='(\d+)')?$", line.strip())
    if m:
        found[m.group(1)] = m.group(2)
def describe(name, table):
    if name not in table:
        return "absent"
    return f"maxSdkVersion {table[name]}" if table[name] else "no maxSdkVersion"
wrong = [f"{n.rsplit('.', 1)[-1]}: {describe(n, found)}, the manifest's: {describe(n, expected)}"
         for n in sorted(set(found) | set(expected)) if found.get(n, "absent") != expected.get(n, "absent")]
if wrong:
    sys.exit("APK check failed: permissions differ from the manifest: " + "; ".join(wrong))
PY
  # aapt dump permissions says the same of each (with its maxSdkVersion).
  while IFS= read -r line; do
    grep -qxF "$line" "$dir/permissions.txt" || fail "aapt dump permissions lacks: $line"
  done < <(grep '^uses-permission:' "$dir/badging.txt")
  python3 - "$dir/manifest-tree.txt" <<'PY' || exit 1
# The xmltree: each component's exported flag (only the launcher activity is exported), the
# service's type (connectedDevice = 0x10), BLUETOOTH_SCAN's neverForLocation (0x10000), backups off.
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
def elements():
    found, current = [], None
    for line in lines:
        m = re.match(r"\s*E: (\S+)", line)
        if m:
            current = {"tag": m.group(1)}
            found.append(current)
            continue
        m = re.match(r"\s*A: (?:android:)?(\w+)(?:\(0x[0-9a-f]+\))?=(.*)", line)
        if m and current is not None:
            current[m.group(1)] = m.group(2)
    return found
def name(e):
    return re.search(r'"([^"]+)"', e.get("name", "")).group(1)
def boolean(v):
    return v is not None and v.endswith("0xffffffff")
exported = {"cn.pos.app.MainActivity": True, "cn.pos.app.HistoryActivity": False,
            "cn.pos.app.QueueActivity": False, "cn.pos.app.TestPanelActivity": False,
            "cn.pos.app.PosService": False, "cn.pos.app.BootReceiver": False}
errors, seen = [], {}
for e in elements():
    if e["tag"] in ("activity", "service", "receiver", "provider"):
        n = name(e)
        if "exported" not in e:
            errors.append(f"{n} does not say android:exported (Android 12+ refuses to install)")
        seen[n] = boolean(e.get("exported"))
        if e["tag"] == "service" and not e.get("foregroundServiceType", "").endswith(")0x10"):
            errors.append(f"{n}: foregroundServiceType is not connectedDevice (0x10): {e.get('foregroundServiceType')}")
    if e["tag"] == "uses-permission" and "BLUETOOTH_SCAN" in e.get("name", ""):
        if not e.get("usesPermissionFlags", "").endswith("0x10000"):
            errors.append("BLUETOOTH_SCAN is not neverForLocation")
    if e["tag"] == "application":
        if e.get("allowBackup", "").endswith("0xffffffff") or "allowBackup" not in e:
            errors.append("allowBackup is not false")
        if "dataExtractionRules" not in e or "theme" not in e:
            errors.append("the application names no dataExtractionRules or theme")
for n, want in exported.items():
    if n not in seen:
        errors.append(f"{n} is not in the manifest")
    elif seen[n] != want:
        errors.append(f"{n}: exported={seen[n]}, expected {want}")
if errors:
    sys.exit("APK check failed:\n  " + "\n  ".join(errors))
print("  components: " + ", ".join(f"{n.rsplit('.', 1)[1]} exported={str(v).lower()}" for n, v in seen.items()))
PY
  zipalign -c -p 4 "$1" || fail "not aligned"
  apksigner verify --verbose --print-certs "$1" >"$dir/apksigner.txt" || { cat "$dir/apksigner.txt"; fail "apksigner verify"; }
  for scheme in v2 v3; do
    grep -qx "Verified using $scheme scheme (APK Signature Scheme $scheme): true" "$dir/apksigner.txt" || fail "no $scheme signature"
  done
  grep -q "^Signer #1 certificate DN: CN=POS sideloaded test builds - TEST ONLY" "$dir/apksigner.txt" || fail "not signed with the test-only key"
  python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); [z.extract(n, sys.argv[2]) for n in z.namelist() if n.endswith(".dex")]' "$1" "$dir"
  # The dex files hold the app's classes (main and the emulator flavor), the shell's, the
  # bindings', JNA's, coroutines' and the stdlib's.
  for dex in "$dir"/classes*.dex; do dexdump "$dex"; done 2>/dev/null \
    | sed -n "s/^  Class descriptor  : 'L\(.*\);'$/\1/p" | sort -u >"$dir/classes.txt"
  for class in cn/pos/app/MainActivity cn/pos/app/PosService cn/pos/app/TestPanelActivity \
    cn/pos/shell/checkout/CheckoutMachine cn/pos/core/Terminal com/sun/jna/Native \
    kotlinx/coroutines/flow/StateFlow kotlin/jvm/internal/Intrinsics; do
    grep -qx "$class" "$dir/classes.txt" || fail "$class is not in the dex files"
  done
  unzip -Z1 "$1" >"$dir/entries.txt" 2>/dev/null || python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1" >"$dir/entries.txt"
  if grep -q 'libpos_ffi.so' "$dir/entries.txt"; then fail "unexpected: a libpos_ffi.so in an APK built without the NDK"; fi
}
check_apk "$apk" "$work"

# The checks refuse what they are there for: packages made from the same manifest with one
# thing broken each (not signed: each must fail before the signature is looked at).
echo "checking that the checks refuse broken packages"
for broken in exported-service legacy-permission-without-max no-service-type; do
  mkdir -p "$work/broken/$broken"
  python3 - "$work/AndroidManifest.xml" "$work/broken/$broken/AndroidManifest.xml" "$broken" <<'PY'
import sys
import xml.etree.ElementTree as ET
A = "{http://schemas.android.com/apk/res/android}"
ET.register_namespace("android", A[1:-1])
src, dest, broken = sys.argv[1:]
tree = ET.parse(src)
root = tree.getroot()
service = root.find("application/service")
if broken == "exported-service":
    service.set(A + "exported", "true")
elif broken == "no-service-type":
    del service.attrib[A + "foregroundServiceType"]
else:
    for p in root.findall("uses-permission"):
        if p.get(A + "name") == "android.permission.BLUETOOTH":
            del p.attrib[A + "maxSdkVersion"]
tree.write(dest, encoding="utf-8", xml_declaration=True)
PY
  aapt package -f --no-crunch --auto-add-overlay -M "$work/broken/$broken/AndroidManifest.xml" "${res_dirs[@]}" \
    -I "$framework_res" --min-sdk-version "$min_sdk" --target-sdk-version "$target_sdk" \
    --version-code "$version_code" --version-name "$version_name" \
    --rename-manifest-package "$application_id" --debug-mode -0 so \
    -F "$work/broken/$broken.apk" "$work/raw"
  if (check_apk "$work/broken/$broken.apk" "$work/broken/$broken") 2>"$work/broken/$broken.err"; then
    fail "the checks passed a package with $broken"
  fi
  case "$broken" in
    exported-service) reason="PosService: exported=True, expected False" ;;
    legacy-permission-without-max) reason="BLUETOOTH: no maxSdkVersion, the manifest's: maxSdkVersion 30" ;;
    no-service-type) reason="foregroundServiceType is not connectedDevice" ;;
  esac
  grep -q "$reason" "$work/broken/$broken.err" || fail "the package with $broken was refused for another reason: $(cat "$work/broken/$broken.err")"
  echo "  refused: $broken ($(grep -m1 -o "$reason.*" "$work/broken/$broken.err"))"
done

echo "APK: $apk ($(( $(stat -c %s "$apk") / 1024 )) KiB, $(ls "$work"/classes*.dex | wc -l) dex files, $(wc -l <"$work/classes.txt") classes)"
grep -E "^(package|sdkVersion|targetSdkVersion|launchable-activity|native-code|application-label):" "$work/badging.txt" | sed 's/^/  /'
sed -n "s/^uses-permission: name='android.permission.\([^']*\)'\(.*\)/\1\2/p" "$work/badging.txt" | tr '\n' ',' \
  | sed "s/ maxSdkVersion='\([0-9]*\)'/ (max \1)/g; s/,$/\n/; s/,/, /g; s/^/  permissions: /"
echo "  signed: $(sed -n 's/^Signer #1 certificate DN: //p' "$work/apksigner.txt"), v2 and v3 verified"
echo "  NOT in this APK: libpos_ffi.so (the Rust core for arm64-v8a/x86_64 needs the Android NDK and"
echo "  cargo-ndk, absent here): installed as is, the app launches and then fails at its first call"
echo "  into the core (UnsatisfiedLinkError). A complete build: ./gradlew :app:assembleEmulatorDebug"
echo "  (or fastlane build_debug) on a machine with the Android SDK and NDK (docs/android.md)."
echo "APK assembled and checked in $(( $(date +%s) - t0 ))s"
