import javax.inject.Inject

// The versions are the catalog's (gradle/libs.versions.toml), which scripts/test-kotlin.sh and
// scripts/maven.sh read too. AGP 9 compiles the app's Kotlin itself (built-in Kotlin, no
// org.jetbrains.kotlin.android); declaring the Kotlin JVM plugin here puts the catalog's Kotlin
// Gradle plugin on the build's classpath, so every module compiles with that one Kotlin (AGP
// alone would bring its own minimum, 2.2.10).
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.kotlin.jvm) apply false
}

/**
 * The Rust sources the library is built from (the workspace is the parent of this build): a
 * change in any of them makes the bindings tasks here and the app's cargo-ndk tasks run again.
 * Without declared inputs Gradle took them as up to date forever, the library and the bindings
 * drifted apart and uniffi's checksum check failed when the app loaded the library.
 */
val workspaceRustSources: FileTree = fileTree(rootDir.parentFile) {
    include("Cargo.toml", "Cargo.lock", "*/Cargo.toml", "core/**", "bindings/**", "acquirer-sim/**")
    exclude("**/target/**", "core/tests/**", "core/benches/**", "acquirer-sim/tests/**")
}
extra["workspaceRustSources"] = workspaceRustSources

/**
 * Builds pos-ffi for this machine (cargo's dev profile) with [features], keeps the library in
 * [outputDir]/lib and generates its Kotlin bindings into [outputDir]/kotlin (the API is the same
 * on every target, so the phone build ships bindings generated here).
 */
abstract class UniffiBindings : DefaultTask() {
    @get:Inject abstract val exec: ExecOperations
    @get:Inject abstract val files: FileSystemOperations

    /** The Cargo workspace. */
    @get:Internal abstract val workspace: DirectoryProperty

    @get:InputFiles
    @get:PathSensitive(PathSensitivity.RELATIVE)
    abstract val rustSources: ConfigurableFileCollection

    /** pos-ffi's features: `cli` (the uniffi-bindgen binary) and, for the emulator, `simulators`. */
    @get:Input abstract val features: Property<String>

    @get:OutputDirectory abstract val outputDir: DirectoryProperty

    @TaskAction
    fun generate() {
        val ws = workspace.get().asFile
        val out = outputDir.get().asFile
        files.delete { delete(out) }
        exec.exec {
            workingDir = ws
            commandLine("cargo", "build", "-p", "pos-ffi", "--locked", "--features", features.get())
        }
        val targetDir = System.getenv("CARGO_TARGET_DIR")?.let { File(it).takeIf(File::isAbsolute) ?: ws.resolve(it) }
            ?: ws.resolve("target")
        // The host library's name by OS: libpos_ffi.so (Linux), libpos_ffi.dylib (macOS), pos_ffi.dll (Windows).
        val library = System.mapLibraryName("pos_ffi")
        val exe = if (System.getProperty("os.name").startsWith("Windows")) ".exe" else ""
        files.copy {
            from(targetDir.resolve("debug/$library"))
            into(out.resolve("lib"))
        }
        exec.exec {
            workingDir = ws
            commandLine(
                targetDir.resolve("debug/uniffi-bindgen$exe").path, "generate",
                "--library", out.resolve("lib/$library").path,
                "--language", "kotlin", "--out-dir", out.resolve("kotlin").path,
            )
        }
    }
}

/** The device build's bindings (no feature `simulators`): what the shell and the device flavor compile against. */
val generateBindings by tasks.registering(UniffiBindings::class) {
    workspace.set(rootDir.parentFile)
    rustSources.from(workspaceRustSources)
    features.set("cli")
    outputDir.set(layout.buildDirectory.dir("generated/uniffi"))
}

/** The simulators build's bindings: the emulator flavor and the shell's JVM tests (which load this library). */
val generateSimulatorBindings by tasks.registering(UniffiBindings::class) {
    workspace.set(rootDir.parentFile)
    rustSources.from(workspaceRustSources)
    features.set("cli,simulators")
    outputDir.set(layout.buildDirectory.dir("generated/uniffi-simulators"))
}
