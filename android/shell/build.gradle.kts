// The plain-Kotlin part of the app: logic over the generated bindings, testable on the JVM.
plugins {
    id("org.jetbrains.kotlin.jvm")
}

kotlin {
    jvmToolchain(17)
    sourceSets["main"].kotlin.srcDir(rootProject.layout.buildDirectory.dir("generated/uniffi"))
}

dependencies {
    implementation("net.java.dev.jna:jna:5.19.1")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.11.0")
    testImplementation("org.junit.jupiter:junit-jupiter:6.1.3")
    testRuntimeOnly("org.junit.platform:junit-platform-launcher:6.1.3")
}

sourceSets["test"].kotlin.srcDir("src/bench/kotlin")

tasks.named("compileKotlin") { dependsOn(":generateBindings") }

tasks.test {
    useJUnitPlatform()
    val lib = rootDir.parentFile.resolve("target/debug")
    systemProperty("jna.library.path", lib.path)
    systemProperty("uniffi.component.pos_ffi.libraryOverride", lib.resolve("libpos_ffi.so").path)
}
