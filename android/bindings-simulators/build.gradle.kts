// The Kotlin bindings of pos-ffi with feature `simulators` (the acquirer simulator, simulated
// reader and printer, test deck, demo terminal) on top of the product API. The emulator flavor
// ships them; the shell's JVM tests run on them.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir(rootProject.layout.buildDirectory.dir("generated/uniffi-simulators/kotlin"))
}

dependencies {
    // Provided by whoever uses the bindings (the JVM jar for tests, the AAR on Android).
    compileOnly(libs.jna)
    compileOnly(libs.kotlinx.coroutines.core)
}

tasks.named("compileKotlin") { dependsOn(":generateSimulatorBindings") }
