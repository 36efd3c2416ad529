#!/usr/bin/env bash
# The Android app on the JVM with Robolectric, against the real core (called by
# scripts/test-kotlin.sh, which has built the library, generated the bindings and compiled the
# shell and android/app before):
#   1. fetches Robolectric 4.17, JUnit 4 and the SDK 35 android-all-instrumented jar from Maven
#      Central (sha1-pinned, cached in .tools/maven; scripts/maven.sh),
#   2. compiles the app's Robolectric tests (android/app/src/testEmulator: the emulator flavor,
#      whose simulated reader, printer and acquirer run in-process),
#   3. runs them in one JVM (JUnitCore), Robolectric offline (robolectric.offline, the jar from
#      the cache), the host-built library loaded through JNA; the screenshots go to
#      target/screens/ (PNG).
#   POS_ANDROID_TESTS=<pattern>  runs only the test classes whose name matches
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/target/kotlin"
. "$root/scripts/maven.sh"

profile=${POS_KOTLIN_PROFILE:-debug}
libdir="$root/target/$profile"
lib="$libdir/libpos_ffi.so"
if [ ! -f "$lib" ] || [ ! -d "$out/main" ] || [ ! -d "$out/app" ]; then
  echo "the library, the bindings or the compiled app are missing: run scripts/test-kotlin.sh" >&2
  exit 1
fi

android=$(jar org.robolectric:android-all:15-robolectric-13954326)
# Fetched here so that Robolectric, offline, finds it in the cache.
jar org.robolectric:android-all-instrumented:15-robolectric-13954326-i7 >/dev/null
robolectric=""
for spec in \
  org.robolectric:robolectric:4.17 org.robolectric:annotations:4.17 org.robolectric:junit:4.17 \
  org.robolectric:nativeruntime:4.17 org.robolectric:nativeruntime-dist-compat:1.0.19 \
  org.robolectric:pluginapi:4.17 org.robolectric:plugins-maven-dependency-resolver:4.17 \
  org.robolectric:resources:4.17 org.robolectric:sandbox:4.17 org.robolectric:shadowapi:4.17 \
  org.robolectric:shadows-framework:4.17 org.robolectric:utils-reflector:4.17 org.robolectric:utils:4.17 \
  androidx.test:monitor:1.8.0:aar androidx.test.espresso:espresso-idling-resource:3.7.0:aar \
  com.almworks.sqlite4java:sqlite4java:1.0.392 com.google.auto.value:auto-value-annotations:1.11.1 \
  com.google.errorprone:error_prone_annotations:2.47.0 com.google.guava:failureaccess:1.0.3 \
  com.google.guava:guava:33.6.0-jre com.google.j2objc:j2objc-annotations:3.1 \
  com.google.testparameterinjector:test-parameter-injector:1.22 com.ibm.icu:icu4j:78.3 \
  javax.annotation:javax.annotation-api:1.3.2 javax.inject:javax.inject:1 junit:junit:4.13.2 \
  org.bouncycastle:bcprov-jdk18on:1.85 org.conscrypt:conscrypt-openjdk-uber:2.6.2 \
  org.hamcrest:hamcrest-core:1.3 org.jspecify:jspecify:1.0.0 org.ow2.asm:asm:9.10.1 \
  org.ow2.asm:asm-commons:9.10.1 org.ow2.asm:asm-tree:9.10.1 org.yaml:snakeyaml:2.6; do
  robolectric="$robolectric:$(jar "$spec")"
done
robolectric=${robolectric#:}

tests="$root/android/app/src/testEmulator/kotlin"
echo "compiling the app's Robolectric tests"
rm -rf "$out/app-test"
kotlinc -classpath "$android:$robolectric:$stdlib:$coroutines:$jna:$out/main:$out/app" -d "$out/app-test" "$tests"

classes=$(cd "$out/app-test" && find . -name '*Test.class' ! -name '*$*' | sed 's|^\./||; s|\.class$||; s|/|.|g' | sort)
if [ -n "${POS_ANDROID_TESTS:-}" ]; then classes=$(grep -E "${POS_ANDROID_TESTS}" <<<"$classes" || true); fi
if [ -z "$classes" ]; then
  echo "no Robolectric test class found" >&2
  exit 1
fi

screens="$root/target/screens"
rm -rf "$screens" "$out/robolectric-tmp"
mkdir -p "$screens" "$out/robolectric-tmp"
echo "running the Robolectric tests (SDK 35, offline): $(wc -w <<<"$classes") classes"
# One JVM for every class: Robolectric's sandbox (the instrumented SDK) is built once.
# robolectric.offline: the SDK jar comes from the cache, never from the network at run time.
timeout 1200 java -Xmx2g -Xss8m \
  -Djna.library.path="$libdir" -Duniffi.component.pos_ffi.libraryOverride="$lib" \
  -Drobolectric.offline=true -Drobolectric.dependency.dir="$cache" \
  -Djava.io.tmpdir="$out/robolectric-tmp" \
  -Dpos.screens="$screens" \
  -cp "$out/app-test:$out/app:$out/main:$stdlib:$coroutines:$jna:$robolectric:$android" \
  org.junit.runner.JUnitCore $classes
echo "screenshots: $(find "$screens" -name '*.png' | wc -l) PNG files in target/screens/"
# The docs show the day's screenshots from docs/screens/ (scripts/doc-screens.sh copies them):
# each one linked must be there, and, on a full run, be a screen this run still drew.
missing=()
for name in $(grep -oE '\(screens/day-[0-9]{2}[a-z]?-[a-z0-9-]+\.png\)' "$root/docs/android.md" | sed 's|^(screens/||; s|)$||' | sort -u); do
  [ -f "$root/docs/screens/$name" ] || missing+=("docs/screens/$name")
  if [ -z "${POS_ANDROID_TESTS:-}" ] && [ ! -f "$screens/$name" ]; then missing+=("target/screens/$name (no longer drawn)"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "docs/android.md links screenshots that are missing: ${missing[*]} (run scripts/doc-screens.sh)" >&2
  exit 1
fi
