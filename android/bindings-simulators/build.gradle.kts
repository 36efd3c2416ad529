// The Kotlin bindings of pos-ffi with feature `simulators` (the acquirer simulator, simulated
// reader and printer, test deck, demo terminal) on top of the product API. The emulator flavor
// ships them; the shell's JVM tests run on them.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir(rootProject.layout.buildDirectory.dir("generated/uniffi-simulators/kotlin"))
}

dependencies {
    // Provided by whoever uses the bindings (the JVM jar for tests, the AAR on Android).
    compileOnly("net.java.dev.jna:jna:5.19.1")
    compileOnly("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.11.0")
}

tasks.named("compileKotlin") { dependsOn(":generateSimulatorBindings") }
