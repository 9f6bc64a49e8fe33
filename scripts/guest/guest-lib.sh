# Shared parts of prepare-guest.sh and prepare-newer-guest.sh; sourced, not run. The caller defines log and die
# and the globals each function names. Both scripts' stamps cover this file and guest-init.sh.

modinfo_field() {   # modinfo_field FILE FIELD
    tr '\0' '\n' < "$1" | sed -n "s/^$2=//p" | head -n1
}

# ---------------------------------------------------------------- kernel modules
# Globals: KDEB (the deb holding the kernel's modules), KMODS (extraction directory), STAGE_MODS (where the
# uncompressed .ko files go), BUILTIN (the kernel's modules.builtin), BUILT (name -> .ko built here).
# Fills MODPATH (name -> path inside KDEB), STATE, ORDER (dependencies first) and BUILTINS.
index_kdeb_modules() {
    declare -gA MODPATH=() STATE=()
    ORDER=(); BUILTINS=()
    local path n
    while IFS= read -r path; do
        n="$(basename "$path")"; n="${n%%.ko*}"; n="${n//-/_}"
        MODPATH[$n]="$path"
    done < <(dpkg-deb -c "$KDEB" | awk '{ print $NF }' | grep -E '\.ko(\.xz|\.zst|\.gz)?$')
    [ "${#MODPATH[@]}" -gt 0 ] || die "no kernel modules found in $KDEB"
}

extract_from_kdeb() {   # paths...
    dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$KMODS" "$@" || die "cannot extract $* from $KDEB"
}

extract_modules() {   # extract_modules NAME...: those of KDEB in one pass (the others are found by visit)
    local m first=()
    for m in "$@"; do
        [ -n "${MODPATH[$m]:-}" ] && first+=("${MODPATH[$m]}")
    done
    [ "${#first[@]}" -eq 0 ] || extract_from_kdeb "${first[@]}"
}

is_builtin() {   # module name (underscores) listed in modules.builtin
    sed -e 's#.*/##' -e 's/\.ko$//' -e 's/-/_/g' "$BUILTIN" | grep -qxF -- "$1"
}

visit() {   # depth-first: dependencies first
    local m="$1" f dep deps
    [ -n "${STATE[$m]:-}" ] && return 0
    STATE[$m]=visiting
    if [ -n "${BUILT[$m]:-}" ]; then
        f="$STAGE_MODS/$m.ko"
    elif [ -n "${MODPATH[$m]:-}" ]; then
        f="$KMODS/${MODPATH[$m]#./}"
        [ -f "$f" ] || extract_from_kdeb "${MODPATH[$m]}"
        case "$f" in
            *.ko.xz)  xz -dc "$f" > "$STAGE_MODS/$m.ko" ;;
            *.ko.zst) zstd -qdc "$f" > "$STAGE_MODS/$m.ko" ;;
            *.ko.gz)  gzip -dc "$f" > "$STAGE_MODS/$m.ko" ;;
            *)        cp "$f" "$STAGE_MODS/$m.ko" ;;
        esac
        f="$STAGE_MODS/$m.ko"
    elif is_builtin "$m"; then
        BUILTINS+=("$m"); STATE[$m]=done; return 0
    else
        die "kernel module $m is neither in $(basename "$KDEB") nor built in"
    fi
    deps="$(modinfo_field "$f" depends)"
    for dep in ${deps//,/ }; do visit "${dep//-/_}"; done
    ORDER+=("$m")
    STATE[$m]=done
}

# ---------------------------------------------------------------- initramfs userland
# assemble_userland ROOT EXT: busybox and its applet links, the libgpiod tools GPIOD_TOOLS and the shared
# libraries they and the JDK (JDK_LIBS) need, from the debs extracted under EXT/busybox-static, EXT/libc6,
# EXT/gpiod and EXT/libgpiod3; then /etc/passwd, /etc/group and the console and null device nodes.
assemble_userland() {
    local root="$1" ext="$2" bb applets a n t l f
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/x86_64-linux-gnu,lib64,lib/modules} \
        "$root"/{proc,sys,dev,tmp,run,root,etc,mnt}
    chmod 1777 "$root/tmp"
    bb="$ext/busybox-static/bin/busybox"
    [ -x "$bb" ] || bb="$ext/busybox-static/usr/bin/busybox"
    [ -x "$bb" ] || die "busybox binary not found in busybox-static"
    cp "$bb" "$root/bin/busybox"
    if applets="$("$bb" --list-full 2>/dev/null)" && [ -n "$applets" ]; then :; else
        applets="$("$bb" --list | sed 's#^#bin/#')" || die "busybox --list failed"
    fi
    n=0
    while IFS= read -r a; do
        [ -n "$a" ] || continue
        case "$a" in */busybox|busybox|linuxrc|*/init) continue ;; esac
        mkdir -p "$root/$(dirname "$a")"
        [ -e "$root/$a" ] || ln -s /bin/busybox "$root/$a"
        n=$((n + 1))
    done <<< "$applets"
    log "busybox: $n applet links"

    for t in "${GPIOD_TOOLS[@]}"; do
        [ -x "$ext/gpiod/usr/bin/$t" ] || die "$t not found in the gpiod package"
        cp "$ext/gpiod/usr/bin/$t" "$root/usr/bin/$t"
    done

    # copy the NEEDED closure of the tools
    local todo=()
    for t in "${GPIOD_TOOLS[@]}"; do
        todo+=($(readelf -d "$root/usr/bin/$t" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'))
    done
    todo+=(ld-linux-x86-64.so.2 "${JDK_LIBS[@]}")
    local -A have=()
    while [ "${#todo[@]}" -gt 0 ]; do
        l="${todo[0]}"; todo=("${todo[@]:1}")
        [ -n "${have[$l]:-}" ] && continue
        have[$l]=1
        f="$(find "$ext/libc6" "$ext/libgpiod3" -name "$l" \( -type f -o -type l \) 2>/dev/null | head -n1)"
        [ -n "$f" ] || die "library $l not found in libc6/libgpiod3"
        cp -L "$f" "$root/lib/x86_64-linux-gnu/$l"
        todo+=($(readelf -d "$root/lib/x86_64-linux-gnu/$l" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'))
    done
    ln -sfn /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$root/lib64/ld-linux-x86-64.so.2"
    log "libs: ${!have[*]}"

    echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
    echo 'root:x:0:'                     > "$root/etc/group"
    mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null \
        || log "WARNING: mknod /dev/console failed (init redirects after devtmpfs)"
    mknod -m 666 "$root/dev/null" c 1 3 2>/dev/null || true
}

write_initramfs() {   # write_initramfs ROOT OUT: a reproducible newc cpio.gz of ROOT
    log "writing $(basename "$2")"
    find "$1" -exec touch -h -d @0 {} + 2>/dev/null || true
    ( cd "$1" && find . -mindepth 1 -print0 | sort -z \
        | cpio --null -o -H newc -R 0:0 --reproducible --quiet ) | gzip -9n > "$2.tmp" \
        || die "cpio/gzip of the initramfs failed"
    mv -f "$2.tmp" "$2"
}
