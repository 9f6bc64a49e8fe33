#!/bin/sh
# /usr/bin/vgpio: the vgpio command on its own Java runtime, from the Debian package vgpio.
#   /usr/lib/vgpio/runtime/    the Java runtime (jlink: only the JDK modules vgpio uses)
#   /usr/lib/vgpio/vgpio.jar   vgpio and its libraries
#   /usr/lib/vgpio/jvm.options the JVM flags, one per line
#   /usr/lib/vgpio/vgpio.aot   the AOT cache (classes loaded and linked ahead of time), trained with those flags
# $VGPIO_JAVA_OPTS adds JVM flags (split at spaces), for example VGPIO_JAVA_OPTS=-Xmx64m; -XX:AOTMode=off there
# runs without the cache. The JVM replaces this shell (exec), keeping its process ID, as systemd's socket
# activation needs (LISTEN_PID).
self=$(readlink -f -- "$0" 2>/dev/null) || self=$0
lib=${self%/bin/*}/lib/vgpio
[ -r "$lib/vgpio.jar" ] || lib=/usr/lib/vgpio
if [ -r "$lib/vgpio.aot" ]; then
    aot=-XX:AOTCache=$lib/vgpio.aot
else
    aot=
fi
set -f
# shellcheck disable=SC2086 # VGPIO_JAVA_OPTS is a list of flags
exec "$lib/runtime/bin/java" @"$lib/jvm.options" ${aot:+"$aot"} $VGPIO_JAVA_OPTS \
    -cp "$lib/vgpio.jar" dev.vgpio.cli.Main "$@"
