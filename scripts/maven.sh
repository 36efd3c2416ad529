# Sourced by scripts/test-kotlin.sh and scripts/test-android.sh: the Maven Central artifacts the
# Kotlin and Android tests use, sha1-pinned and cached in .tools/maven (a changed artifact fails
# the build instead of running), and kotlinc. Expects $root (the repository).
cache="$root/.tools/maven"
mkdir -p "$cache"
maven_repo="https://repo1.maven.org/maven2"

# The Android build's version catalog: Kotlin, coroutines, JNA and D8 come in the versions it
# names (one Kotlin for Gradle and these scripts). A version pinned below but not in the catalog
# (or the other way round) fails at jar() with "no pinned sha1".
catalog="$root/android/gradle/libs.versions.toml"
# Prints the value of KEY in the catalog's [versions] table.
catalog_version() {
  local v
  v=$(awk -F'"' -v k="$1" '/^\[/ { s = ($0 == "[versions]") } s && $1 ~ ("^" k " *= *$") { print $2; exit }' "$catalog")
  if [ -z "$v" ]; then
    echo "no version '$1' in $catalog" >&2
    exit 1
  fi
  printf '%s' "$v"
}
kotlin_version=$(catalog_version kotlin)
coroutines_version=$(catalog_version coroutines)
jna_version=$(catalog_version jna)

# group:artifact:version[:type] sha1 (type jar unless said).
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
  # On Android JNA is its AAR: the classes and libjnidispatch.so for each ABI (scripts/apk.sh).
  "net.java.dev.jna:jna:5.19.1:aar af25a9b1e286a62e2786388671c703b9a1f75a65"
  # D8 (scripts/apk.sh), the catalog's r8; and the SDK 34 framework's resource table, which
  # Debian's aapt links the APK's resources against (it cannot read SDK 35's).
  "com.android.tools:r8:9.2.39 649f3b60e0d199976f5d14a0af22534495bbe04c"
  "org.robolectric:android-all:14-robolectric-10818077 94b1490a891e9be559aa35c87cd8a0c163f32d83"
  "org.junit.platform:junit-platform-console-standalone:6.1.3 bb65bef57072d36433e8a863016163858c926113"
  # The Android framework for SDK 35: the app compiles against android-all; Robolectric runs
  # android-all-instrumented (robolectric.offline, robolectric.dependency.dir = this cache).
  "org.robolectric:android-all:15-robolectric-13954326 78f2fb1d753164d153cf9e5bb60003fa8d57b0a1"
  "org.robolectric:android-all-instrumented:15-robolectric-13954326-i7 d684f4e55d30465793a4a9e783f50266097b84df"
  # The Android 8.0 framework (API 26, the app's minSdk): the app's main sources compile against
  # it too, so a call newer than minSdk outside its Api<N> object fails the build (test-kotlin.sh).
  "org.robolectric:android-all:8.0.0_r4-robolectric-r1 30f97bebb50be3a1af9e12cb999360e1cdd2aaa5"
  # Robolectric 4.17 and what it needs at run time (JUnit 4).
  "org.robolectric:robolectric:4.17 31a19773cc1daf1be0f77769497371ddf18a518f"
  "org.robolectric:annotations:4.17 a1bb2dba3abeb1f1602d525d15c9eb7355b7fbb5"
  "org.robolectric:junit:4.17 08f22554166230ec5d98562308ce7728888fd57c"
  "org.robolectric:nativeruntime:4.17 52d38706eddfe5babb92d1665276ad6076f6efe0"
  "org.robolectric:nativeruntime-dist-compat:1.0.19 1f6befcda5c961e02c19419b61ea94260e896615"
  "org.robolectric:pluginapi:4.17 5e58d90330f4d18f8c4c534541470d63b176f33a"
  "org.robolectric:plugins-maven-dependency-resolver:4.17 bf7b223b462453b7d6a66b96a848ecff323053d0"
  "org.robolectric:resources:4.17 f0cac0ac2bf1484e7ce7877f8fdd110d77500ac0"
  "org.robolectric:sandbox:4.17 b8ff57adf93a294b82ca7bac6b99eb5320cadcb7"
  "org.robolectric:shadowapi:4.17 dd829fc12fcf9e471aa31364aafa4181726df42a"
  "org.robolectric:shadows-framework:4.17 689988e7f55462d21c6e0a863604563eae2630c6"
  "org.robolectric:utils-reflector:4.17 f91dc2674aad0847e655e4d4856f7f5e1960fa6e"
  "org.robolectric:utils:4.17 7ed6eb8c6464ebddc15427eb7b2f3bb3883840aa"
  "androidx.test:monitor:1.8.0:aar 3b49e700fa301ccfc2126d60d0a2064836cfec85"
  "androidx.test.espresso:espresso-idling-resource:3.7.0:aar 70b1e522e90b228d9d1aad1b22409ebb7657f43e"
  "com.almworks.sqlite4java:sqlite4java:1.0.392 d6234e08ff4e1607ff5321da2579571f05ff778d"
  "com.google.auto.value:auto-value-annotations:1.11.1 3493561c5809b92f9e5f54f48ecfe9682ba6cbbe"
  "com.google.errorprone:error_prone_annotations:2.47.0 e64e70c8e2b5a30ce7f1b6c9e3eb7016881e0411"
  "com.google.guava:failureaccess:1.0.3 aeaffd00d57023a2c947393ed251f0354f0985fc"
  "com.google.guava:guava:33.6.0-jre c376b13067cc99a5774403530953f7b05a91e218"
  "com.google.j2objc:j2objc-annotations:3.1 a892ca9507839bbdb900d64310ac98256cab992f"
  "com.google.testparameterinjector:test-parameter-injector:1.22 a9e9eff422bcda62502e0b9bd31b4a3bc839700d"
  "com.ibm.icu:icu4j:78.3 6a851a53bb1f25689fc418dcc8935b0d93580adf"
  "javax.annotation:javax.annotation-api:1.3.2 934c04d3cfef185a8008e7bf34331b79730a9d43"
  "javax.inject:javax.inject:1 6975da39a7040257bd51d21a231b76c915872d38"
  "junit:junit:4.13.2 8ac9e16d933b6fb43bc7f576336b8f4d7eb5ba12"
  "org.bouncycastle:bcprov-jdk18on:1.85 2320b854dffe134687f7266bb22021b779e576d3"
  "org.conscrypt:conscrypt-openjdk-uber:2.6.2 65c5977595ee9cc12e6017b9d43b1d2e3d1bab63"
  "org.hamcrest:hamcrest-core:1.3 42a25dc3219429f0e5d060061f71acb49bf010a0"
  "org.jspecify:jspecify:1.0.0 7425a601c1c7ec76645a78d22b8c6a627edee507"
  "org.ow2.asm:asm:9.10.1 ada2141c0cc52ee8f5c48cd5fa4ce0e794f22236"
  "org.ow2.asm:asm-commons:9.10.1 4229e4c55fd8e01c23f9fe9884075cc628aacc50"
  "org.ow2.asm:asm-tree:9.10.1 e244332a17564c1d1572449399a842de35881be2"
  "org.yaml:snakeyaml:2.6 2bc14918a2f8d5414749ab12d0c590cd3198b8c1"
)

# Prints the cached path of group:artifact:version[:type], downloading and checking it first.
# For an AAR, the path of its classes.jar (unpacked beside it).
jar() {
  local spec=$1 g a v t sha="" entry
  IFS=: read -r g a v t <<<"$spec"
  t=${t:-jar}
  for entry in "${artifacts[@]}"; do
    if [ "${entry%% *}" = "$spec" ]; then sha=${entry##* }; fi
  done
  if [ -z "$sha" ]; then
    echo "no pinned sha1 for $spec (scripts/maven.sh)" >&2
    exit 1
  fi
  local dest="$cache/$a-$v.$t"
  if [ ! -f "$dest" ]; then
    echo "fetching $spec" >&2
    curl -fsSL --retry 3 --connect-timeout 20 --max-time 900 -o "$dest.part" "$maven_repo/${g//.//}/$a/$v/$a-$v.$t"
    local got
    got=$(sha1sum "$dest.part" | cut -d' ' -f1)
    if [ "$got" != "$sha" ]; then
      rm -f "$dest.part"
      echo "sha1 mismatch for $spec: got $got, expected $sha" >&2
      exit 1
    fi
    mv "$dest.part" "$dest"
  fi
  if [ "$t" = aar ]; then
    local classes="$cache/$a-$v-classes.jar"
    if [ ! -f "$classes" ]; then
      python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("classes.jar"))' "$dest" >"$classes.part"
      mv "$classes.part" "$classes"
    fi
    dest=$classes
  fi
  printf '%s' "$dest"
}

k=$kotlin_version
compiler_cp=$(jar org.jetbrains.kotlin:kotlin-compiler-embeddable:$k):$(jar org.jetbrains.kotlin:kotlin-build-tools-api:$k):$(jar org.jetbrains.kotlin:kotlin-stdlib:$k):$(jar org.jetbrains.kotlin:kotlin-script-runtime:$k):$(jar org.jetbrains.kotlin:kotlin-reflect:1.6.10):$(jar org.jetbrains.kotlin:kotlin-daemon-embeddable:$k):$(jar org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm:1.8.0):$(jar org.jetbrains:annotations:13.0)
stdlib=$(jar org.jetbrains.kotlin:kotlin-stdlib:$k):$(jar org.jetbrains:annotations:13.0)
coroutines=$(jar org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm:$coroutines_version)
jna=$(jar net.java.dev.jna:jna:$jna_version)
unset k

# kotlinc: the K2 JVM compiler from kotlin-compiler-embeddable.
kotlinc() {
  java -Xss8m -Xmx2g -cp "$compiler_cp" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
    -no-stdlib -no-reflect -jvm-target 17 -nowarn "$@"
}
