// The plain-Kotlin part of the app: logic over the generated bindings, testable on the JVM.
// It compiles against the device build's bindings (so it ships in both flavors and uses no
// simulator export); its tests run on the simulators build's bindings and library.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    compileOnly(project(":bindings"))
    testImplementation(project(":bindings-simulators"))
    implementation("net.java.dev.jna:jna:5.19.1")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.11.0")
    testImplementation("org.junit.jupiter:junit-jupiter:6.1.3")
    testRuntimeOnly("org.junit.platform:junit-platform-launcher:6.1.3")
}

sourceSets["test"].kotlin.srcDir("src/bench/kotlin")

tasks.test {
    useJUnitPlatform()
    val lib = rootProject.layout.buildDirectory.dir("generated/uniffi-simulators/lib").get().asFile
    systemProperty("jna.library.path", lib.path)
    systemProperty("uniffi.component.pos_ffi.libraryOverride", lib.resolve("libpos_ffi.so").path)
}
