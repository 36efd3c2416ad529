// The Kotlin bindings of pos-ffi's device build (no simulator exports). The shell compiles
// against these; the device flavor ships them.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir(rootProject.layout.buildDirectory.dir("generated/uniffi/kotlin"))
}

dependencies {
    // Provided by whoever uses the bindings (the JVM jar for tests, the AAR on Android).
    compileOnly(libs.jna)
    compileOnly(libs.kotlinx.coroutines.core)
}

tasks.named("compileKotlin") { dependsOn(":generateBindings") }
