plugins {
    id("com.android.application") version "8.7.3" apply false
    id("org.jetbrains.kotlin.android") version "2.1.0" apply false
    id("org.jetbrains.kotlin.jvm") version "2.1.0" apply false
}

/** The workspace root (the Rust crates live there). */
val workspace: File = rootDir.parentFile

/** Generates the Kotlin bindings from the host build of pos-ffi (the API is the same on every target). */
val generateBindings by tasks.registering(Exec::class) {
    val out = layout.buildDirectory.dir("generated/uniffi").get().asFile
    outputs.dir(out)
    workingDir = workspace
    commandLine(
        "sh", "-c",
        "cargo build -p pos-ffi --features cli && " +
            "target/debug/uniffi-bindgen generate --library target/debug/libpos_ffi.so " +
            "--language kotlin --out-dir '${out.path}'",
    )
}
