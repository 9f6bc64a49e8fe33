# Sourced by ./vgpio, ./run-tests and .ci/run: finds a JDK 25 and exports JAVA_HOME (the machine's default java
# may be older). Fails with a message that says what to install.
vgpio_find_jdk() {
    local candidate version
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
        [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
        version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
        if [ -n "$version" ] && [ "${version%%.*}" -ge 25 ] 2>/dev/null; then
            export JAVA_HOME="$candidate"
            return 0
        fi
    done
    echo "vgpio needs a JDK 25 or newer. None was found in JAVA_HOME or /usr/lib/jvm." >&2
    echo "Install one (for example Eclipse Temurin 25 into /usr/lib/jvm/temurin-25-jdk-amd64) or set JAVA_HOME to it." >&2
    return 1
}
vgpio_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
    echo "vgpio needs Apache Maven 3.8+ to build: apt-get install maven" >&2
    exit 1
fi
# Maven 3.8's bundled Guava uses sun.misc.Unsafe; JDK 24+ warns about it on every run. Allow it quietly.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
