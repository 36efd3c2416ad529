// The Android app over the pos-ffi bindings: ./gradlew (Gradle 9.4.1, gradle/wrapper) with the
// Android SDK (platform 35, build tools 36), the NDK of the catalog (ndk), cargo-ndk and the
// Android rustup targets; docs/android.md says how. The project's build machines have none of
// these: they compile the same sources with scripts/test-kotlin.sh and assemble a sideloaded APK
// without the native library with scripts/apk.sh. The versions are in gradle/libs.versions.toml
// (Gradle finds the catalog there by itself).
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
