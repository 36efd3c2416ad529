// The plain-Kotlin part of the app: logic over the generated bindings, testable on the JVM.
// It compiles against the device build's bindings (so it ships in both flavors and uses no
// simulator export); its tests run on the simulators build's bindings and library.
plugins {
    alias(libs.plugins.kotlin.jvm)
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    compileOnly(project(":bindings"))
    testImplementation(project(":bindings-simulators"))
    implementation(libs.jna)
    implementation(libs.kotlinx.coroutines.core)
    testImplementation(libs.junit.jupiter)
    testRuntimeOnly(libs.junit.platform.launcher)
}

sourceSets["test"].kotlin.srcDir("src/bench/kotlin")

tasks.test {
    dependsOn(":generateSimulatorBindings")
    useJUnitPlatform()
    val lib = rootProject.layout.buildDirectory.dir("generated/uniffi-simulators/lib").get().asFile
    systemProperty("jna.library.path", lib.path)
    // The host library's name by OS (libpos_ffi.so, libpos_ffi.dylib, pos_ffi.dll).
    systemProperty("uniffi.component.pos_ffi.libraryOverride", lib.resolve(System.mapLibraryName("pos_ffi")).path)
}
