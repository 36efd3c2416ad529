@rem Runs the Gradle build of android\ through the Gradle wrapper (Gradle 9.4.1, gradle\wrapper\gradle-wrapper.properties).
@rem gradle\wrapper\gradle-wrapper.jar is made once with an installed Gradle: docs/android.md, "The Gradle wrapper".
@echo off
setlocal
set APP_HOME=%~dp0
set JAR=%APP_HOME%gradle\wrapper\gradle-wrapper.jar
if not exist "%JAR%" (
  echo gradle\wrapper\gradle-wrapper.jar is missing: run "gradle wrapper --gradle-version 9.4.1 --distribution-type bin" once in android\ ^(docs/android.md^) 1>&2
  exit /b 1
)
if defined JAVA_HOME (set JAVA_EXE=%JAVA_HOME%\bin\java.exe) else (set JAVA_EXE=java.exe)
"%JAVA_EXE%" -Xmx64m -Xms64m %JAVA_OPTS% %GRADLE_OPTS% "-Dorg.gradle.appname=%~n0" -classpath "%JAR%" org.gradle.wrapper.GradleWrapperMain %*
exit /b %ERRORLEVEL%
