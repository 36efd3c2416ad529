// The Kotlin bindings of pos-ffi's device build (no simulator exports). The shell compiles
// against these; the device flavor ships them.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir(rootProject.layout.buildDirectory.dir("generated/uniffi/kotlin"))
}

dependencies {
    // Provided by whoever uses the bindings (the JVM jar for tests, the AAR on Android).
    compileOnly("net.java.dev.jna:jna:5.19.1")
    compileOnly("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.11.0")
}

tasks.named("compileKotlin") { dependsOn(":generateBindings") }
