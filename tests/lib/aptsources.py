# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The machine's own Debian mirrors, read from its apt sources: the layers
that fetch Debian packages through an apt state of their own (tests/vm's
guest kernels, tests/package's roots) use the same mirrors as the machine,
never a hard-coded host, and never change the machine's apt configuration.
"""

import os
import re

SOURCES_D = "/etc/apt/sources.list.d"


def entries():
    """[(URI, [suite, ...])] of every deb822 stanza and one-line "deb" entry."""
    out = []
    names = sorted(os.listdir(SOURCES_D)) if os.path.isdir(SOURCES_D) else []
    for f in names:
        if f.endswith(".sources"):
            with open(os.path.join(SOURCES_D, f)) as fh:
                stanzas = fh.read().split("\n\n")
            for stanza in stanzas:
                uris = re.findall(r"^URIs:\s*(.+)$", stanza, re.M)
                suites = re.findall(r"^Suites:\s*(.+)$", stanza, re.M)
                if uris and suites:
                    out += [(u, suites[0].split()) for u in uris[0].split()]
    for f in ["/etc/apt/sources.list"] + [os.path.join(SOURCES_D, f) for f in names
                                          if f.endswith(".list")]:
        if os.path.exists(f):
            with open(f) as fh:
                text = fh.read()
            for m in re.finditer(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", text, re.M):
                out.append((m.group(1), [m.group(2)]))
    return out


def machine_archive_uris():
    """(main URI, security URI) of the machine's own Debian entries, or None
    when it has no Debian archive (the caller says why it needed one)."""
    main = sec = None
    for uri, suites in entries():
        if any(s.endswith("-security") or s.endswith("/updates") for s in suites):
            sec = sec or uri
        elif "debian" in uri:
            main = main or uri
    if not main:
        return None
    return main, sec or main.replace("/debian", "/debian-security")
