# shellcheck shell=bash
# Sourced (bash): finds the Debian archive this machine's APT is configured with, so that a script that adds a
# source or runs debootstrap uses the same mirror or caching proxy instead of a fixed archive URL.
#
#   debian_archive_uri        prints the URI of the Debian archive (the main one, not security), e.g.
#                             http://deb.debian.org/debian or http://proxy:3142/debian
#   debian_security_uri       prints the URI of the Debian security archive
#   debian_has_suite SUITE    true when an enabled deb source lists SUITE (whatever its URI)
#   debian_source_entries     prints every enabled source, one line per URI and suite:
#                             FILE TYPE URI SUITE COMPONENTS SIGNED-BY (tab-separated; components comma-separated,
#                             SIGNED-BY - when not given)
#
# The files are read as APT reads them: sources.list, then sources.list.d/*.list and *.sources in name order.
# One-line format: "deb [options] URI SUITE COMPONENT...", # starts a comment; deb822 format: stanzas of
# Types, URIs, Suites, Components, Signed-By and Enabled (Enabled: no drops the stanza), any case, with
# continuation lines. A source is taken for Debian's by its suites, not by its host: a Debian codename or alias
# (bookworm, sid, stable ...) or one with -updates, -backports, -proposed-updates (-security for the security
# archive), with the component main. Of those, a source of the machine's own codename (bookworm itself first, then
# bookworm-updates, bookworm-backports ...) wins over another release's. A source signed by a keyring other than
# debian-archive-keyring's is not taken: it is a third-party repository that names its suite after the codename,
# or a re-signed mirror, which neither debootstrap nor the sources the scripts write (Signed-By the Debian keyring)
# could verify. cdrom: URIs are skipped; a trailing / is dropped. Of several URIs in one stanza, the first wins.
# With none configured, the functions fall back to deb.debian.org and say so on stderr.
#
# Environment:
#   VGPIO_DEBIAN_MIRROR           the archive URI to use, whatever is configured
#   VGPIO_DEBIAN_SECURITY_MIRROR  the security archive URI to use, whatever is configured
#   VGPIO_APT_SOURCES_DIR         the APT directory to read (default /etc/apt)
#   VGPIO_DEBIAN_CODENAME         the machine's codename (default: VERSION_CODENAME in /etc/os-release, on Debian)
# Tested by scripts/lib/debian-sources-test.sh.

DEBIAN_ARCHIVE_FALLBACK=http://deb.debian.org/debian
DEBIAN_SECURITY_FALLBACK=http://deb.debian.org/debian-security

_debian_sources_log() { printf 'debian-sources: %s\n' "$*" >&2; }

_debian_codename() {
    if [ -n "${VGPIO_DEBIAN_CODENAME:-}" ]; then
        echo "$VGPIO_DEBIAN_CODENAME"
    elif [ -r /etc/os-release ]; then
        # only Debian's own codename: another distribution's (Ubuntu's noble) is no Debian suite
        (. /etc/os-release && [ "${ID:-}" = debian ] && echo "${VERSION_CODENAME:-}") || true
    fi
}

debian_source_entries() {
    local dir="${VGPIO_APT_SOURCES_DIR:-/etc/apt}" files=() f
    [ -f "$dir/sources.list" ] && files+=("$dir/sources.list")
    # APT's order: the parts by name, whatever their format
    while IFS= read -r f; do
        files+=("$f")
    done < <(LC_ALL=C find "$dir/sources.list.d" -maxdepth 1 -type f \( -name '*.list' -o -name '*.sources' \) \
                 2>/dev/null | LC_ALL=C sort)
    [ "${#files[@]}" -gt 0 ] || return 0
    LC_ALL=C awk '
        function flush(   nt, nu, ns, t, u, s, i, j, k, types, uris, suites, comps) {
            if (inpara && tolower(f["enabled"]) !~ /^(no|false|off|without|disable)$/) {
                nt = split(f["types"], types, /[ \t]+/)
                nu = split(f["uris"], uris, /[ \t]+/)
                ns = split(f["suites"], suites, /[ \t]+/)
                comps = f["components"]; gsub(/[ \t]+/, ",", comps)
                for (i = 1; i <= nt; i++) for (j = 1; j <= nu; j++) for (k = 1; k <= ns; k++)
                    emit(FILENAME_OF_PARA, types[i], uris[j], suites[k], comps, signed)
            }
            delete f; inpara = 0; signed = "-"; last = ""
        }
        function emit(file, t, u, s, c, sb) {
            if (t == "" || u == "" || s == "") return
            sub(/\/+$/, "", u)
            printf "%s\t%s\t%s\t%s\t%s\t%s\n", file, t, u, s, (c == "" ? "-" : c), sb
        }
        function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
        FNR == 1 {
            if (deb822) flush()
            deb822 = (FILENAME ~ /\.sources$/); inpara = 0; signed = "-"; delete f
        }
        { sub(/\r$/, "") }
        # one-line format
        !deb822 {
            line = $0; sub(/#.*/, "", line)
            n = split(line, w, /[ \t]+/); i = 1
            if (w[1] == "") i++
            if (i > n) next
            t = w[i++]; sb = "-"
            if (substr(w[i], 1, 1) == "[") {
                # options: [a=b c=d], [ a=b ], maybe split across words
                opts = ""
                while (i <= n) { opts = opts " " w[i]; if (w[i] ~ /\]$/) { i++; break } i++ }
                gsub(/[][]/, " ", opts)
                m = split(opts, o, /[ \t]+/)
                for (k = 1; k <= m; k++) if (tolower(o[k]) ~ /^signed-by=/) { sb = substr(o[k], 11) }
            }
            # a cdrom: URI names the disc in brackets, which may hold blanks
            u = w[i++]
            if (u ~ /^cdrom:\[/ && u !~ /\]/) while (i <= n) { u = u " " w[i]; if (w[i++] ~ /\]/) break }
            s = w[i++]; c = ""
            for (; i <= n; i++) if (w[i] != "") c = c (c == "" ? "" : ",") w[i]
            emit(FILENAME, t, u, s, c, sb)
            next
        }
        # deb822: a blank line ends a stanza, # starts a comment line, a leading blank continues a field
        /^[ \t]*$/ { flush(); next }
        /^#/ { next }
        /^[ \t]/ {
            if (last == "signed-by") { if (signed != "inline") signed = signed "," trim($0) }
            else if (last != "") f[last] = f[last] " " trim($0)
            next
        }
        {
            p = index($0, ":"); if (p == 0) next
            last = tolower(trim(substr($0, 1, p - 1))); v = trim(substr($0, p + 1))
            if (!inpara) { inpara = 1; FILENAME_OF_PARA = FILENAME }
            if (last == "signed-by") {
                signed = (v == "" || v ~ /BEGIN PGP/ ? "inline" : v)
                gsub(/[ \t]+/, ",", signed)
            }
            else f[last] = v
        }
        END { if (deb822) flush() }
    ' "${files[@]}"
}

# _debian_pick archive|security: the best entry as "URI<tab>FILE", or nothing
_debian_pick() {
    debian_source_entries | LC_ALL=C awk -F'\t' -v want="$1" -v codename="$(_debian_codename)" '
        BEGIN {
            n = split("buzz rex bo hamm slink potato woody sarge etch lenny squeeze wheezy jessie stretch buster " \
                      "bullseye bookworm trixie forky duke sid experimental rc-buggy " \
                      "stable oldstable oldoldstable testing unstable", a, " ")
            for (i = 1; i <= n; i++) known[a[i]] = 1
            if (codename != "") known[codename] = 1
            best = -1
        }
        $2 != "deb" || $3 ~ /^cdrom:/ { next }
        {
            suite = $4; base = suite; security = 0
            if (sub(/-security$/, "", base) || sub(/\/updates$/, "", base)) security = 1
            else sub(/-(proposed-updates|backports-sloppy|backports|updates)$/, "", base)
            if (!(base in known) || security != (want == "security")) next
            if (("," $5 ",") !~ /,main,/) next
            if ($6 != "-") {
                m = split($6, k, ",")
                for (i = 1; i <= m; i++) { b = k[i]; sub(/.*\//, "", b); if (b !~ /^debian-archive-/) next }
            }
            rank = (suite == codename ? 0 : base == codename ? 1 : 10)
            if (best < 0 || rank < best) { best = rank; pick = $3 "\t" $1 }
        }
        END { if (best >= 0) print pick }
    '
}

_debian_uri() {   # _debian_uri archive|security OVERRIDE FALLBACK
    local got
    if [ -n "$2" ]; then
        echo "${2%/}"
        return 0
    fi
    got="$(_debian_pick "$1")"
    if [ -n "$got" ]; then
        echo "${got%%$'\t'*}"
    else
        _debian_sources_log "no Debian $1 source in the APT sources under ${VGPIO_APT_SOURCES_DIR:-/etc/apt};" \
            "using $3"
        echo "$3"
    fi
}

debian_archive_uri() { _debian_uri archive "${VGPIO_DEBIAN_MIRROR:-}" "$DEBIAN_ARCHIVE_FALLBACK"; }
debian_security_uri() { _debian_uri security "${VGPIO_DEBIAN_SECURITY_MIRROR:-}" "$DEBIAN_SECURITY_FALLBACK"; }

debian_has_suite() {
    debian_source_entries | awk -F'\t' -v s="$1" '$2 == "deb" && $4 == s { found = 1 } END { exit !found }'
}
