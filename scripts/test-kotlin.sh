#!/usr/bin/env bash
# The Kotlin shell on the JVM against the real core:
#   1. builds the pos-ffi cdylib and the workspace uniffi-bindgen,
#   2. generates the Kotlin bindings from the built library,
#   3. fetches the Kotlin compiler, JNA, kotlinx-coroutines, the JUnit console launcher and
#      the Android framework jar from Maven Central (sha1-pinned, cached in .tools/maven),
#   4. compiles bindings + android/shell (main and tests) with kotlinc, and android/app
#      against android-all (compile only: framework code cannot run on the JVM),
#   5. runs the JUnit 5 tests, loading the host-built library through JNA.
#   POS_BENCH=1   also runs the boundary benchmark (release build of the library)
#   POS_KOTLIN_TESTS=<pattern>  runs only test classes matching the pattern
#   POS_KOTLIN_SAME_BUILD=1     reuse scripts/test.sh's workspace build (set by test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cache="$root/.tools/maven"
out="$root/target/kotlin"
mkdir -p "$cache" "$out"
repo="https://repo1.maven.org/maven2"

profile=debug
cargo_flags=()
if [ "${POS_BENCH:-0}" = "1" ]; then
  profile=release
  cargo_flags=(--release)
fi

# group:artifact:version sha1 (pinned: a changed artifact fails the build instead of running).
artifacts=(
  "org.jetbrains.kotlin:kotlin-compiler-embeddable:2.4.21 3cd9c37c505fb9879e03ebeaf91d9c9500ab6eca"
  "org.jetbrains.kotlin:kotlin-build-tools-api:2.4.21 f5fd68c20ba38519b91ab2411b004a1730453d6f"
  "org.jetbrains.kotlin:kotlin-stdlib:2.4.21 c343e135bd1e7dd94b7ed76b4159068d888d09db"
  "org.jetbrains.kotlin:kotlin-script-runtime:2.4.21 abc7ff9f7e229cb6bdfadad81e93c871e6cdde41"
  "org.jetbrains.kotlin:kotlin-reflect:1.6.10 1cbe9c92c12a94eea200d23c2bbaedaf3daf5132"
  "org.jetbrains.kotlin:kotlin-daemon-embeddable:2.4.21 5d9b0394b3ff65cd3dd33c6c31a2956b1d59885a"
  "org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm:1.8.0 ac1dc37a30a93150b704022f8d895ee1bd3a36b3"
  "org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm:1.11.0 3d57dc678bd8d72a60e7adf0eca5c54e3f4f4b79"
  "org.jetbrains:annotations:13.0 919f0dfe192fb4e063e7dacadee7f8bb9a2672a9"
  "net.java.dev.jna:jna:5.19.1 ca303052cd617c1af2e2c8d344c98a706fb63143"
  "org.junit.platform:junit-platform-console-standalone:6.1.3 bb65bef57072d36433e8a863016163858c926113"
  "org.robolectric:android-all:14-robolectric-10818077 94b1490a891e9be559aa35c87cd8a0c163f32d83"
)

# Prints the cached path of group:artifact:version, downloading and checking it first.
jar() {
  local spec=$1 g a v sha entry
  IFS=: read -r g a v <<<"$spec"
  for entry in "${artifacts[@]}"; do
    if [ "${entry%% *}" = "$spec" ]; then sha=${entry##* }; fi
  done
  local dest="$cache/$a-$v.jar"
  if [ ! -f "$dest" ]; then
    echo "fetching $spec" >&2
    curl -fsSL --retry 3 -o "$dest.part" "$repo/${g//.//}/$a/$v/$a-$v.jar"
    local got
    got=$(sha1sum "$dest.part" | cut -d' ' -f1)
    if [ "$got" != "$sha" ]; then
      rm -f "$dest.part"
      echo "sha1 mismatch for $spec: got $got, expected $sha" >&2
      exit 1
    fi
    mv "$dest.part" "$dest"
  fi
  printf '%s' "$dest"
}

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

compiler_cp=$(jar org.jetbrains.kotlin:kotlin-compiler-embeddable:2.4.21):$(jar org.jetbrains.kotlin:kotlin-build-tools-api:2.4.21):$(jar org.jetbrains.kotlin:kotlin-stdlib:2.4.21):$(jar org.jetbrains.kotlin:kotlin-script-runtime:2.4.21):$(jar org.jetbrains.kotlin:kotlin-reflect:1.6.10):$(jar org.jetbrains.kotlin:kotlin-daemon-embeddable:2.4.21):$(jar org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm:1.8.0):$(jar org.jetbrains:annotations:13.0)
stdlib=$(jar org.jetbrains.kotlin:kotlin-stdlib:2.4.21):$(jar org.jetbrains:annotations:13.0)
coroutines=$(jar org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm:1.11.0)
jna=$(jar net.java.dev.jna:jna:5.19.1)
junit=$(jar org.junit.platform:junit-platform-console-standalone:6.1.3)
android=$(jar org.robolectric:android-all:14-robolectric-10818077)

# kotlinc: the K2 JVM compiler from kotlin-compiler-embeddable.
kotlinc() {
  java -Xss8m -Xmx2g -cp "$compiler_cp" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
    -no-stdlib -no-reflect -jvm-target 17 -nowarn "$@"
}

shell="$root/android/shell/src"
echo "compiling the bindings and android/shell"
rm -rf "$out/main" "$out/test" "$out/app" "$out/app-device"
kotlinc -classpath "$stdlib:$coroutines:$jna" -d "$out/main" \
  "$out/generated" "$shell/main/kotlin"

echo "compiling the shell tests and the boundary benchmark"
kotlinc -classpath "$stdlib:$coroutines:$jna:$junit:$out/main" -d "$out/test" \
  "$shell/test/kotlin" "$shell/bench/kotlin"

echo "compiling android/app against the Android framework (android-all, compile only), each flavor"
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
fi
