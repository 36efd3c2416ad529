// The Android app: thin framework classes (Activity, Service, GATT link, Keystore vault) over
// the shell. The native library comes from `cargo ndk` for each ABI.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "cn.pos.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "cn.pos.app"
        minSdk = 26
        targetSdk = 34
        versionCode = 1
        versionName = "0.1.0"
    }

    flavorDimensions += "devices"
    productFlavors {
        // Emulators and sideloaded debug builds: simulated reader and printer (pos-ffi with
        // feature `simulators`).
        create("emulator") { dimension = "devices" }
        // Phones with a Bluetooth reader and printer: pos-ffi's device build, no simulator linked.
        create("device") { dimension = "devices" }
    }

    buildFeatures { buildConfig = false }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets["emulator"].jniLibs.srcDir(layout.buildDirectory.dir("rustJniLibs/emulator"))
    sourceSets["device"].jniLibs.srcDir(layout.buildDirectory.dir("rustJniLibs/device"))
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
    implementation("net.java.dev.jna:jna:5.19.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
    // The Robolectric tests (src/testEmulator; the project's own runner is scripts/test-android.sh).
    "testEmulatorImplementation"("junit:junit:4.13.2")
    "testEmulatorImplementation"("org.robolectric:robolectric:4.17")
}

/** Builds libpos_ffi.so for the phone ABIs with cargo-ndk, into rustJniLibs/[flavor]. */
fun cargoNdk(flavor: String, vararg features: String): Exec.() -> Unit = {
    val out = layout.buildDirectory.dir("rustJniLibs/$flavor").get().asFile
    outputs.dir(out)
    workingDir = rootDir.parentFile
    commandLine(
        listOf("cargo", "ndk", "-t", "arm64-v8a", "-t", "x86_64", "-o", out.path, "build", "-p", "pos-ffi", "--release") +
            features,
    )
}

/** The device flavor's library: pos-ffi's default (device) build, no simulator linked. */
val cargoNdkDevice by tasks.registering(Exec::class, cargoNdk("device"))

/** The emulator flavor's library: with the simulated reader, printer and acquirer. */
val cargoNdkEmulator by tasks.registering(Exec::class, cargoNdk("emulator", "--features", "simulators"))

tasks.named("preBuild") { dependsOn(cargoNdkDevice, cargoNdkEmulator) }
