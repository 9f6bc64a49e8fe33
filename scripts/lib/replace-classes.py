#!/usr/bin/env python3
"""Replaces the class files of one package tree in a jar by the same classes compiled again.

    replace-classes.py JAR PREFIX CLASSES EPOCH

JAR is rewritten in place: its entries under PREFIX (say picocli/) that end in .class are dropped and the class
files under the directory CLASSES/PREFIX go in instead, dated EPOCH (seconds, for SOURCE_DATE_EPOCH), in sorted
order. Every other entry is copied unchanged and in its place. The named classes on both sides must be the same:
only a compiler's own synthetic classes (a $ followed by digits, such as the holder of a switch's map) may differ,
since two compilers number them differently. Exits 1, changing nothing, when they are not.
"""
import os
import re
import sys
import tempfile
import time
import zipfile

SYNTHETIC = re.compile(r"\$\d+(\$|\.class$)")


def named(names):
    return {n for n in names if not SYNTHETIC.search(n)}


def main(jar, prefix, classes, epoch):
    prefix = prefix.rstrip("/") + "/"
    mine = {}
    for top, _, files in os.walk(os.path.join(classes, prefix)):
        for f in files:
            if f.endswith(".class"):
                path = os.path.join(top, f)
                mine[os.path.relpath(path, classes).replace(os.sep, "/")] = path
    with zipfile.ZipFile(jar) as zin:
        theirs = [i.filename for i in zin.infolist()
                  if i.filename.startswith(prefix) and i.filename.endswith(".class")]
        if not theirs:
            sys.exit(f"replace-classes: {jar} has no classes under {prefix}")
        missing = sorted(named(theirs) - named(mine))
        extra = sorted(named(mine) - named(theirs))
        if missing or extra:
            sys.exit(f"replace-classes: the classes under {prefix} differ from {jar}'s: "
                     f"missing {missing[:5]}, extra {extra[:5]}")
        date = time.gmtime(int(epoch))[:6]
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(jar)), suffix=".jar")
        os.close(fd)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
                for info in zin.infolist():
                    if info.filename.startswith(prefix) and info.filename.endswith(".class"):
                        continue
                    zout.writestr(info, zin.read(info.filename))
                for name in sorted(mine):
                    entry = zipfile.ZipInfo(name, date_time=date)
                    entry.compress_type = zipfile.ZIP_DEFLATED
                    entry.external_attr = 0o644 << 16
                    with open(mine[name], "rb") as f:
                        zout.writestr(entry, f.read())
            os.chmod(tmp, os.stat(jar).st_mode & 0o7777)
            os.replace(tmp, jar)
        except BaseException:
            os.unlink(tmp)
            raise
    print(f"replace-classes: {len(theirs)} classes under {prefix} replaced by {len(mine)}")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    main(*sys.argv[1:])
