#!/usr/bin/env bash
# Tests scripts/lib/debian-sources.sh against APT source trees written to a temporary directory: which archive and
# security URI it finds (mirrors, a caching proxy, third-party repositories listed first, disabled or commented
# sources, cdrom: and file: URIs, one-line options, deb822 continuation lines, overrides) and the fallback when no
# Debian source is configured. Needs neither root nor network. Prints one line per failed check on stderr and
# exits non-zero when any failed; run-tests runs it before Maven.
set -euo pipefail
export LC_ALL=C
# shellcheck source=debian-sources.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/debian-sources.sh"

T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
unset VGPIO_DEBIAN_MIRROR VGPIO_DEBIAN_SECURITY_MIRROR
export VGPIO_DEBIAN_CODENAME=bookworm
FAILED=0
CHECKS=0

tree() {   # tree NAME: a fresh, empty APT directory $T/NAME, which VGPIO_APT_SOURCES_DIR then points at
    mkdir -p "$T/$1/sources.list.d"
    export VGPIO_APT_SOURCES_DIR="$T/$1"
    CASE="$1"
}
put() { mkdir -p "$(dirname "$VGPIO_APT_SOURCES_DIR/$1")"; cat > "$VGPIO_APT_SOURCES_DIR/$1"; }

expect() {   # expect WHAT WANT FUNCTION...: FUNCTION prints WANT (and nothing on stderr unless WHAT ends in +msg)
    local what="$1" want="$2" got err
    shift 2
    CHECKS=$((CHECKS + 1))
    got="$("$@" 2> "$T/stderr")" || { fail "$what: $* failed ($(cat "$T/stderr"))"; return; }
    err="$(cat "$T/stderr")"
    [ "$got" = "$want" ] || { fail "$what: $* printed '$got', want '$want'"; return; }
    case "$what" in
        *+msg) [ -n "$err" ] || fail "$what: $* said nothing on stderr" ;;
        *) [ -z "$err" ] || fail "$what: $* said '$err' on stderr" ;;
    esac
}
expect_true() { CHECKS=$((CHECKS + 1)); "${@:2}" || fail "$1: $* is false"; }
expect_false() { CHECKS=$((CHECKS + 1)); ! "${@:2}" || fail "$1: $* is true"; }
fail() { printf 'debian-sources-test: FAIL [%s] %s\n' "$CASE" "$*" >&2; FAILED=$((FAILED + 1)); }

# --- deb822 through a caching proxy (the shape of Debian 12's own debian.sources)
tree proxy
put sources.list.d/debian.sources <<'EOF'
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://proxy:3142/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://proxy:3142/debian-security/
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
expect archive http://proxy:3142/debian debian_archive_uri
expect security http://proxy:3142/debian-security debian_security_uri
expect_true suite debian_has_suite bookworm-updates
expect_false suite debian_has_suite bookworm-backports

# --- one-line sources.list with options, a comment after the line, [ spaced ] options
tree oneline
put sources.list <<'EOF'
# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb http://comment.example/debian bookworm contrib # not main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian/ bookworm main#x
deb [ arch=amd64 ] http://security.example/debian-security bookworm-security main
EOF
expect archive http://mirror.example/debian debian_archive_uri
expect security http://security.example/debian-security debian_security_uri

# --- third-party repositories first: not Debian's suite, not main, or signed by their own keyring
tree thirdparty
put sources.list.d/00-google-cloud-sdk.list <<'EOF'
deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main
EOF
put sources.list.d/01-docker.list <<'EOF'
deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/debian bookworm stable
EOF
put sources.list.d/02-microsoft.list <<'EOF'
deb [signed-by=/usr/share/keyrings/microsoft-prod.gpg] https://packages.microsoft.com/debian/12/prod bookworm main
EOF
put sources.list.d/03-nodesource.sources <<'EOF'
Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
Signed-By: /usr/share/keyrings/nodesource.gpg
EOF
put sources.list.d/04-pgdg.list <<'EOF'
deb http://apt.postgresql.org/pub/repos/apt bookworm-pgdg main
EOF
put sources.list.d/debian.sources <<'EOF'
Types: deb
URIs: https://ftp.example.org/debian
Suites: bookworm
Components: main contrib
EOF
expect archive https://ftp.example.org/debian debian_archive_uri
# with Debian's source gone, none of them is taken
rm "$VGPIO_APT_SOURCES_DIR/sources.list.d/debian.sources"
expect fallback+msg http://deb.debian.org/debian debian_archive_uri

# --- disabled stanza, disabled file names, an inline key, deb822 in any case with continuation lines
tree disabled
put sources.list.d/debian.sources <<'EOF'
Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no

# an inline key is not Debian's keyring file
Types: deb
URIs: http://inline-key.example/debian
Suites: bookworm
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mDMEZ0kq8RYJKwYBBAHaRw8BAQdAabc
 -----END PGP PUBLIC KEY BLOCK-----

types: deb deb-src
uris: http://first.example/debian
  http://second.example/debian
suites: bookworm-updates
  bookworm
components: main
signed-by: /usr/share/keyrings/debian-archive-keyring.gpg
enabled: yes
EOF
put sources.list.d/another-key.sources <<'EOF'
Types: deb
URIs: http://another-key.example/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
 /etc/apt/keyrings/another.gpg
EOF
put sources.list.d/google.list.disabled-by-farm <<'EOF'
deb http://farm-disabled.example/debian bookworm main
EOF
put sources.list.d/old.sources.save <<'EOF'
Types: deb
URIs: http://saved.example/debian
Suites: bookworm
Components: main
EOF
expect archive http://first.example/debian debian_archive_uri
expect_false disabled debian_has_suite nonexistent

# --- the machine's codename beats another release, and bookworm itself its -updates/-backports
tree codename
put sources.list <<'EOF'
deb http://sid.example/debian sid main
deb http://backports.example/debian bookworm-backports main
deb http://updates.example/debian bookworm-updates main
deb http://release.example/debian bookworm main
EOF
expect archive http://release.example/debian debian_archive_uri
VGPIO_DEBIAN_CODENAME=trixie expect other-codename http://sid.example/debian debian_archive_uri

# --- only bookworm-backports, through a proxy (as prepare-guest.sh's own source would be)
tree backports-only
put sources.list.d/bookworm-backports.sources <<'EOF'
Types: deb
URIs: http://10.0.0.1:3142/deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
expect archive http://10.0.0.1:3142/deb.debian.org/debian debian_archive_uri
expect_true suite debian_has_suite bookworm-backports

# --- cdrom: is skipped, file: is fine; sources.list is read before sources.list.d
tree cdrom
put sources.list <<'EOF'
deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 DVD Binary-1]/ bookworm main
EOF
put sources.list.d/local.list <<'EOF'
deb [trusted=yes] file:/srv/mirror/debian bookworm main
EOF
put sources.list.d/zz.list <<'EOF'
deb http://later.example/debian bookworm main
EOF
expect archive file:/srv/mirror/debian debian_archive_uri
CHECKS=$((CHECKS + 1))
debian_source_entries | cut -f3 | grep -qxF 'cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 DVD Binary-1]' \
    || fail "debian_source_entries does not list the cdrom: URI with its disc name"

# --- contrib only, a flat repository, old-style security suite, CRLF line ends
tree odd
printf 'deb http://contrib.example/debian bookworm contrib non-free\r\n' | put sources.list
put sources.list.d/flat.list <<'EOF'
deb http://flat.example/repo ./
deb http://oldsec.example/debian-security bullseye/updates main
EOF
printf 'Types: deb\r\nURIs: http://crlf-off.example/debian\r\nSuites: bookworm\r\nComponents: main\r\nEnabled: no\r\n' \
    | put sources.list.d/y.sources
printf 'deb http://crlf.example/debian bullseye main\r\n' | put sources.list.d/z.list
expect archive http://crlf.example/debian debian_archive_uri
expect security http://oldsec.example/debian-security debian_security_uri

# --- nothing configured, or only third-party and disabled sources: deb.debian.org, with a message
tree none
expect fallback+msg http://deb.debian.org/debian debian_archive_uri
expect fallback+msg http://deb.debian.org/debian-security debian_security_uri
rmdir "$VGPIO_APT_SOURCES_DIR/sources.list.d"
expect no-dir+msg http://deb.debian.org/debian debian_archive_uri
tree only-foreign
put sources.list.d/google.list <<'EOF'
deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main
EOF
put sources.list.d/debian.sources <<'EOF'
Types: deb
URIs: http://off.example/debian
Suites: bookworm
Components: main
Enabled: no
EOF
expect fallback+msg http://deb.debian.org/debian debian_archive_uri

# --- the overrides win over what is configured
tree override
put sources.list <<'EOF'
deb http://configured.example/debian bookworm main
EOF
VGPIO_DEBIAN_MIRROR=http://override.example/debian/ expect override http://override.example/debian \
    debian_archive_uri
VGPIO_DEBIAN_SECURITY_MIRROR=http://sec-override.example/debian-security expect override \
    http://sec-override.example/debian-security debian_security_uri
expect no-override http://configured.example/debian debian_archive_uri

if [ "$FAILED" -gt 0 ]; then
    printf 'debian-sources-test: %s of %s checks failed\n' "$FAILED" "$CHECKS" >&2
    exit 1
fi
printf 'debian-sources-test: all %s checks passed\n' "$CHECKS" >&2
