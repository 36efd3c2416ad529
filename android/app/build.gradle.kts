// The Android app: thin framework classes (Activity, Service, GATT link, Keystore vault) over
// the shell. The native library comes from `cargo ndk` for each ABI.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "cn.pos.app"
    compileSdk = 34

    defaultConfig {
        applicationId = "cn.pos.app"
        minSdk = 26
        targetSdk = 34
        versionCode = 1
        versionName = "0.1.0"
    }

    flavorDimensions += "devices"
    productFlavors {
        // Emulators and sideloaded debug builds: simulated reader and printer.
        create("emulator") { dimension = "devices" }
        // Phones with a Bluetooth reader and printer.
        create("device") { dimension = "devices" }
    }

    buildFeatures { buildConfig = false }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    sourceSets["main"].jniLibs.srcDir(layout.buildDirectory.dir("rustJniLibs"))
}

kotlin { jvmToolchain(17) }

dependencies {
    implementation(project(":shell")) {
        // On Android JNA comes as an AAR with its native dispatch library.
        exclude(group = "net.java.dev.jna", module = "jna")
    }
    implementation("net.java.dev.jna:jna:5.19.1@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
}

/** Builds libpos_ffi.so for the phone ABIs (cargo-ndk; the default features keep the simulators for the emulator flavor). */
val cargoNdk by tasks.registering(Exec::class) {
    val out = layout.buildDirectory.dir("rustJniLibs").get().asFile
    outputs.dir(out)
    workingDir = rootDir.parentFile
    commandLine("cargo", "ndk", "-t", "arm64-v8a", "-t", "x86_64", "-o", out.path, "build", "-p", "pos-ffi", "--release")
}

tasks.named("preBuild") { dependsOn(cargoNdk) }
