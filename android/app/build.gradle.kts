// The Android app: thin framework classes (Activity, Service, GATT link, Keystore vault) over
// the shell. The native library comes from `cargo ndk`, one task per variant (its flavor's ABIs
// and features, cargo's profile by build type). AGP 9 compiles the Kotlin sources itself
// (built-in Kotlin, with the catalog's Kotlin Gradle plugin: see the root build).
import javax.inject.Inject

plugins {
    alias(libs.plugins.android.application)
}

/** The workspace's version (Cargo.toml, [workspace.package]): the app's versionName. */
val workspaceVersion: String = providers.fileContents(rootProject.layout.projectDirectory.file("../Cargo.toml")).asText.get()
    .substringAfter("[workspace.package]")
    .let { Regex("""(?m)^version\s*=\s*"([^"]+)"""").find(it)?.groupValues?.get(1) }
    ?: error("no version in Cargo.toml's [workspace.package]")

/** versionCode: the number of commits of HEAD, so every sideloaded build installs over an older one. */
val commitCount: Int = providers.exec {
    commandLine("git", "rev-list", "--count", "HEAD")
    isIgnoreExitValue = true
}.standardOutput.asText.get().trim().toIntOrNull() ?: 1

/**
 * The ABIs of each flavor, for abiFilters and cargo-ndk alike. No 32-bit ABI: JNA's AAR ships
 * armeabi-v7a and x86 libraries, and without abiFilters a 32-bit phone installed the app and
 * then failed to load pos_ffi, which is built for these only.
 */
val flavorAbis = mapOf(
    // Emulators: x86_64 images on Intel and AMD hosts, arm64 images on Apple silicon.
    "emulator" to listOf("arm64-v8a", "x86_64"),
    // Phones with a Bluetooth reader and printer.
    "device" to listOf("arm64-v8a"),
)

android {
    namespace = "cn.pos.app"
    compileSdk = libs.versions.compileSdk.get().toInt()
    // Pinned (AGP 9.2's default); cargo-ndk builds the library with the same NDK.
    ndkVersion = libs.versions.ndk.get()

    defaultConfig {
        applicationId = "cn.pos.app"
        minSdk = libs.versions.minSdk.get().toInt()
        targetSdk = libs.versions.targetSdk.get().toInt()
        versionCode = commitCount
        versionName = workspaceVersion
    }

    flavorDimensions += "devices"
    productFlavors {
        // Emulators and sideloaded test builds: simulated reader and printer (pos-ffi with
        // feature `simulators`). Its own application ID, so it installs beside the device build.
        create("emulator") {
            dimension = "devices"
            applicationIdSuffix = ".emu"
            ndk { abiFilters += flavorAbis.getValue("emulator") }
        }
        // Phones with a Bluetooth reader and printer: pos-ffi's device build, no simulator linked.
        create("device") {
            dimension = "devices"
            ndk { abiFilters += flavorAbis.getValue("device") }
        }
    }

    signingConfigs {
        // The committed, public, test-only key (signing/README.md): a sideloaded build installs
        // over one made on another machine. Never a release's key.
        create("sideloadTest") {
            storeFile = rootProject.file("signing/sideload-test-only.p12")
            storeType = "PKCS12"
            storePassword = "test-only"
            keyAlias = "sideload-test-only"
            keyPassword = "test-only"
        }
    }

    buildTypes {
        getByName("debug") {
            signingConfig = signingConfigs.getByName("sideloadTest")
        }
        // release: signed outside this repository (no signing config here).
    }

    buildFeatures { buildConfig = false }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin { jvmToolchain(17) }

dependencies {
    implementation(project(":shell")) {
        // On Android JNA comes as an AAR with its native dispatch library.
        exclude(group = "net.java.dev.jna", module = "jna")
    }
    // Each flavor ships the bindings of the library it is built with.
    "emulatorImplementation"(project(":bindings-simulators"))
    "deviceImplementation"(project(":bindings"))
    implementation(variantOf(libs.jna) { artifactType("aar") })
    implementation(libs.kotlinx.coroutines.android)
    // The Robolectric tests (src/testEmulator; the project's own runner is scripts/test-android.sh).
    "testEmulatorImplementation"(libs.junit4)
    "testEmulatorImplementation"(libs.robolectric)
}

/**
 * Builds libpos_ffi.so for [abis] with cargo-ndk into [outputDir]/<abi>/, with the NDK of
 * `android.ndkVersion`, API level minSdk, cargo's release profile for release variants and its
 * dev profile otherwise. Inputs: the workspace's Rust sources, so the library is rebuilt
 * whenever they change (and never taken as up to date with an older one).
 */
abstract class CargoNdk : DefaultTask() {
    @get:Inject abstract val exec: ExecOperations
    @get:Inject abstract val files: FileSystemOperations

    @get:Internal abstract val workspace: DirectoryProperty

    @get:InputFiles
    @get:PathSensitive(PathSensitivity.RELATIVE)
    abstract val rustSources: ConfigurableFileCollection

    @get:Input abstract val abis: ListProperty<String>

    /** pos-ffi's features: `simulators` for the emulator flavor, none for the device. */
    @get:Input abstract val features: ListProperty<String>

    @get:Input abstract val release: Property<Boolean>

    @get:Input abstract val apiLevel: Property<Int>

    @get:Input abstract val ndkVersion: Property<String>

    @get:Internal abstract val ndkDirectory: DirectoryProperty

    @get:OutputDirectory abstract val outputDir: DirectoryProperty

    @TaskAction
    fun build() {
        val out = outputDir.get().asFile
        files.delete { delete(out) }
        val command = mutableListOf("cargo", "ndk", "--platform", apiLevel.get().toString())
        abis.get().forEach { command += listOf("-t", it) }
        command += listOf("-o", out.path, "build", "-p", "pos-ffi", "--locked")
        if (release.get()) command += "--release"
        if (features.get().isNotEmpty()) command += listOf("--features", features.get().joinToString(","))
        exec.exec {
            workingDir = workspace.get().asFile
            environment("ANDROID_NDK_HOME", ndkDirectory.get().asFile.path)
            commandLine(command)
        }
    }
}

androidComponents {
    onVariants { variant ->
        val flavor = variant.productFlavors.single { it.first == "devices" }.second
        val cargo = tasks.register<CargoNdk>("cargoNdk${variant.name.replaceFirstChar(Char::uppercaseChar)}") {
            description = "Builds libpos_ffi.so of the ${variant.name} variant with cargo-ndk."
            workspace.set(rootProject.layout.projectDirectory.dir(".."))
            rustSources.from(rootProject.extra["workspaceRustSources"] as FileTree)
            abis.set(flavorAbis.getValue(flavor))
            // The device flavor links no simulator (docs/architecture.md).
            features.set(if (flavor == "emulator") listOf("simulators") else emptyList())
            release.set(variant.buildType == "release")
            apiLevel.set(variant.minSdk.apiLevel)
            ndkVersion.set(android.ndkVersion)
            ndkDirectory.set(androidComponents.sdkComponents.ndkDirectory)
        }
        // Generated jniLibs: AGP runs the task before merging the native libraries, only for this variant.
        variant.sources.jniLibs?.addGeneratedSourceDirectory(cargo, CargoNdk::outputDir)
    }
}
