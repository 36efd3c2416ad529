plugins {
    id("com.android.application") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.1.0" apply false
    id("org.jetbrains.kotlin.jvm") version "2.1.0" apply false
}

/** The workspace root (the Rust crates live there). */
val workspace: File = rootDir.parentFile

/**
 * Builds pos-ffi for the host with [features], keeps a copy of the library in [dir]/lib and
 * generates the Kotlin bindings from it into [dir]/kotlin (the API is the same on every target).
 */
fun bindingsTask(features: String, dir: String): Exec.() -> Unit = {
    val out = layout.buildDirectory.dir(dir).get().asFile
    outputs.dir(out)
    workingDir = workspace
    commandLine(
        "sh", "-c",
        "cargo build -p pos-ffi --features $features && mkdir -p '${out.path}/lib' && " +
            "cp target/debug/libpos_ffi.so '${out.path}/lib/' && " +
            "target/debug/uniffi-bindgen generate --library '${out.path}/lib/libpos_ffi.so' " +
            "--language kotlin --out-dir '${out.path}/kotlin'",
    )
}

/** The device build's bindings (no feature `simulators`): what the shell and the device flavor compile against. */
val generateBindings by tasks.registering(Exec::class, bindingsTask("cli", "generated/uniffi"))

/** The simulators build's bindings: the emulator flavor and the shell's JVM tests (which load this library). */
val generateSimulatorBindings by tasks.registering(Exec::class, bindingsTask("cli,simulators", "generated/uniffi-simulators"))
