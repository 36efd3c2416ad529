#!/usr/bin/env bash
# The Kotlin shell on the JVM against the real core:
#   1. builds the pos-ffi cdylib and the workspace uniffi-bindgen,
#   2. generates the Kotlin bindings from the built library,
#   3. fetches the Kotlin compiler, JNA, kotlinx-coroutines, the JUnit console launcher and
#      the Android framework jar from Maven Central (sha1-pinned, cached in .tools/maven;
#      scripts/maven.sh),
#   4. compiles bindings + android/shell (main and tests) with kotlinc, and android/app
#      against the SDK 35 android-all, each flavor; then the app's main sources (each flavor)
#      again against the API 26 android-all (minSdk): a call newer than minSdk fails the build
#      unless it sits in an Api<N> object of android/app/src/main/kotlin/cn/pos/app/api/,
#      behind a Build.VERSION.SDK_INT >= N check (kotlinc knows no such guard: the api/ files
#      are compiled alone against SDK 35 and are only on the classpath of the API 26 compile),
#   5. assembles and checks the sideloaded APK (scripts/apk.sh: D8, aapt, zipalign, apksigner;
#      POS_APK=0 skips it),
#   6. runs the JUnit 5 tests, loading the host-built library through JNA,
#   7. runs the app's Robolectric tests (scripts/test-android.sh; POS_ANDROID=0 skips them).
# First, cheap static checks of the Gradle build (android/): every version from the catalog
# android/gradle/libs.versions.toml (whose Kotlin is the one kotlinc here is), the wrapper on a
# Gradle version the catalog's AGP accepts, and fastlane's files syntax-checked (ruby -c).
#   POS_BENCH=1   also runs the boundary benchmark and the JVM's memory over a day of
#                 POS_DAY_PAYMENTS payments (default 100,000) (release build of the library)
#   POS_KOTLIN_TESTS=<pattern>  runs only test classes matching the pattern
#   POS_KOTLIN_SAME_BUILD=1     reuse scripts/test.sh's workspace build (set by test.sh)
#   POS_ANDROID=0               skips the app's Robolectric tests (scripts/test-android.sh)
#   POS_ANDROID_TESTS=<pattern> runs only Robolectric test classes matching the pattern
#   POS_APK=0                   skips the sideloaded APK (scripts/apk.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/target/kotlin"
mkdir -p "$out"
# The pinned Maven Central artifacts, jar() and kotlinc.
. "$root/scripts/maven.sh"

echo "checking the Gradle build (android/) and fastlane/"
# One version of everything: the Gradle files name none of their own (maven.sh and so kotlinc
# here take theirs from the same catalog: Kotlin $kotlin_version).
gradle_files=("$root"/android/*.gradle.kts "$root"/android/*/build.gradle.kts)
if grep -nE '(version *\(? *"|"[A-Za-z0-9_.-]+:[A-Za-z0-9_.-]+:[0-9][^"]*")' "${gradle_files[@]}"; then
  echo "a Gradle build file names a version: take it from android/gradle/libs.versions.toml" >&2
  exit 1
fi
# The wrapper's Gradle is one the catalog's AGP accepts (its release notes' minimum), checksummed.
agp=$(catalog_version agp)
wrapper="$root/android/gradle/wrapper/gradle-wrapper.properties"
gradle_version=$(sed -n 's|^distributionUrl=.*/gradle-\([0-9.]*\)-bin\.zip$|\1|p' "$wrapper")
case "$agp" in
  9.2.*) min_gradle=9.4.1 ;;
  *) echo "AGP $agp: add its minimum Gradle version (AGP's release notes) to scripts/test-kotlin.sh" >&2; exit 1 ;;
esac
if [ -z "$gradle_version" ] || [ "$(printf '%s\n%s\n' "$min_gradle" "$gradle_version" | sort -V | head -n1)" != "$min_gradle" ]; then
  echo "the Gradle wrapper names Gradle '$gradle_version'; AGP $agp needs $min_gradle or newer" >&2
  exit 1
fi
grep -qE '^distributionSha256Sum=[0-9a-f]{64}$' "$wrapper" || { echo "the Gradle wrapper pins no distributionSha256Sum" >&2; exit 1; }
echo "  AGP $agp on Gradle $gradle_version, Kotlin $kotlin_version for Gradle and kotlinc"
# fastlane's files parse (Debian's ruby; RubyGems, so fastlane itself, is not reachable here).
if ! command -v ruby >/dev/null 2>&1; then
  sudo_cmd=""; [ "$(id -u)" = "0" ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends ruby >/dev/null
fi
for f in "$root"/fastlane/Appfile "$root"/fastlane/Fastfile "$root"/fastlane/Pluginfile; do
  ruby -c "$f" >/dev/null || { echo "fastlane/$(basename "$f") does not parse" >&2; exit 1; }
done

profile=debug
cargo_flags=()
if [ "${POS_BENCH:-0}" = "1" ]; then
  profile=release
  cargo_flags=(--release)
fi

echo "building the pos-ffi library ($profile) and uniffi-bindgen"
if [ "$profile" = debug ] && [ "${POS_KOTLIN_SAME_BUILD:-0}" = "1" ]; then
  # From scripts/test.sh: its test step's packages, targets and features, which cargo finds
  # built (pos-core with crash-hooks, from pos-e2e) instead of compiling another configuration
  # of pos-core. --all-targets matters: without it cargo leaves the dev-dependencies out of
  # feature resolution, shared dependencies get other features, and pos-core is compiled again.
  cargo build --workspace --all-targets --features pos-ffi/cli,pos-ffi/simulators,pos-cli/ble --locked
else
  # Feature simulators: the tests run the acquirer simulator and the simulated devices in process.
  cargo build -p pos-ffi --features cli,simulators --locked "${cargo_flags[@]}"
fi
libdir="$root/target/$profile"
lib="$libdir/libpos_ffi.so"

echo "generating the Kotlin bindings"
rm -rf "$out/generated"
"$libdir/uniffi-bindgen" generate --library "$lib" --language kotlin --out-dir "$out/generated" --no-format >/dev/null

junit=$(jar org.junit.platform:junit-platform-console-standalone:6.1.3)
# The SDK 35 framework (scripts/test-android.sh runs the app on its instrumented twin).
android=$(jar org.robolectric:android-all:15-robolectric-13954326)

shell="$root/android/shell/src"
echo "compiling the bindings and android/shell"
rm -rf "$out/main" "$out/test" "$out/app" "$out/app-device" "$out/app-api" "$out/app-26"
kotlinc -classpath "$stdlib:$coroutines:$jna" -d "$out/main" \
  "$out/generated" "$shell/main/kotlin"

echo "compiling the shell tests and the boundary benchmark"
kotlinc -classpath "$stdlib:$coroutines:$jna:$junit:$out/main" -d "$out/test" \
  "$shell/test/kotlin" "$shell/bench/kotlin"

echo "compiling android/app against the Android framework (SDK 35), each flavor"
app="$root/android/app/src"
kotlinc -classpath "$android:$stdlib:$coroutines:$jna:$out/main" -d "$out/app" \
  "$app/main/kotlin" "$app/emulator/kotlin"
# The device flavor's library is built without feature simulators: what it ships (the shell,
# the app's main sources and the device flavor) must name none of the simulator exports.
sim_exports='startSimulatedDevices|SimulatedDevices|startReaderPeripheral|ReaderPeripheral|startPrinterPeripheral|PrinterPeripheral|TestCard|startAcquirerSimulator|AcquirerSimulator|HostTxn|SimFault|SimRequestClass|demoSettings|installDemoProvisioning'
if grep -rnwE "$sim_exports" "$shell/main/kotlin" "$app/main/kotlin" "$app/device/kotlin"; then
  echo "the device flavor uses a simulator export (pos-ffi feature simulators): keep it in the emulator flavor" >&2
  exit 1
fi
kotlinc -classpath "$android:$stdlib:$coroutines:$jna:$out/main" -d "$out/app-device" \
  "$app/main/kotlin" "$app/device/kotlin"

echo "compiling android/app against the API 26 framework (minSdk), each flavor"
# Issue 18: calls newer than minSdk caught at build time. Each Api<N> object (api/ApiN.kt) holds
# the calls of API level N, which callers make only when Build.VERSION.SDK_INT >= N (checked
# here per file: kotlinc cannot see the guard); it uses only the framework, so it compiles alone
# against SDK 35, and everything else compiles against API 26 with those classes beside it.
api_dir="$app/main/kotlin/cn/pos/app/api"
for f in "$api_dir"/*.kt; do
  case "$(basename "$f")" in
    Api[0-9]*.kt) ;;
    *) echo "$f: api/ holds only Api<N>.kt files (the calls of API level N)" >&2; exit 1 ;;
  esac
done
for level in $(grep -rhoE --exclude-dir=api '\bApi[0-9]+\.' "$app"/*/kotlin | sort -u | tr -dc '0-9\n'); do
  for f in $(grep -rlE --exclude-dir=api "\bApi$level\." "$app"/*/kotlin); do
    if ! grep -qE "SDK_INT >= $level\b" "$f"; then
      echo "$f calls Api$level without a Build.VERSION.SDK_INT >= $level check" >&2
      exit 1
    fi
  done
done
android26=$(jar org.robolectric:android-all:8.0.0_r4-robolectric-r1)
kotlinc -classpath "$android:$stdlib" -d "$out/app-api" "$api_dir"
mapfile -t main26 < <(find "$app/main/kotlin" -name '*.kt' ! -path "$api_dir/*" | sort)
for flavor in emulator device; do
  kotlinc -classpath "$android26:$stdlib:$coroutines:$jna:$out/main:$out/app-api" -d "$out/app-26" \
    "${main26[@]}" "$app/$flavor/kotlin"
  rm -rf "$out/app-26"
done

if [ "${POS_APK:-1}" != "0" ]; then
  echo "assembling and checking the sideloaded APK (scripts/apk.sh)"
  "$root/scripts/apk.sh"
fi

runtime_cp="$out/main:$out/test:$stdlib:$coroutines:$jna"
jvm_flags=(-Djna.library.path="$libdir" -Duniffi.component.pos_ffi.libraryOverride="$lib" -Dpos.test.tmp="$out/tmp")
mkdir -p "$out/tmp"

echo "running the JVM tests"
select=(--scan-class-path "$out/test")
if [ -n "${POS_KOTLIN_TESTS:-}" ]; then select=(--include-classname ".*${POS_KOTLIN_TESTS}.*" --scan-class-path "$out/test"); fi
java "${jvm_flags[@]}" -jar "$junit" execute --class-path "$runtime_cp" "${select[@]}" \
  --disable-banner --details=summary --details-theme=ascii --fail-if-no-tests \
  --config=junit.platform.discovery.issue.severity.critical=WARNING

if [ "${POS_BENCH:-0}" = "1" ]; then
  echo "boundary benchmark (release library)"
  java "${jvm_flags[@]}" -cp "$runtime_cp" cn.pos.shell.bench.BoundaryBenchKt
  echo "the JVM's memory over a day of ${POS_DAY_PAYMENTS:-100000} payments (release library)"
  java "${jvm_flags[@]}" -cp "$runtime_cp" cn.pos.shell.bench.DayMemoryKt
fi

if [ "${POS_ANDROID:-1}" != "0" ]; then
  POS_KOTLIN_PROFILE=$profile "$root/scripts/test-android.sh"
fi
