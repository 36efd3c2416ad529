// The Android app over the pos-ffi bindings. Needs the Android SDK and NDK, cargo-ndk and the
// Android rustup targets (not available on the project's build machines, which verify the
// same sources with scripts/test-kotlin.sh instead).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "pos-android"
include(":bindings", ":bindings-simulators", ":shell", ":app")
