#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# The HTML report in a real browser: headless Chromium (Debian package
# `chromium`) loads reports of the golden recordings from file://, with
# networking and every background service off; we keep its DOM dump and a
# screenshot.  Checks: the page parsed into the structure we wrote (an SVG
# timeline per incident, the histogram), the screenshot actually shows the
# timeline's colours, and a hostile comm like "<script>" stayed text: no
# script element exists in the DOM.  Last line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${OOMREAP_TRACE:-build/oomreap-trace}
DIR=tests/golden
export TZ=UTC LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

browser=""
for b in chromium chromium-browser google-chrome; do
	if command -v "$b" >/dev/null 2>&1; then
		browser=$b
		break
	fi
done
if [ -z "$browser" ]; then
	if [ "${CI:-}" = "true" ]; then
		echo "not ok - chromium not installed (scripts/install-deps.sh installs it)"
		echo "0 passed, 1 failed, 0 skipped"
		exit 1
	fi
	echo "# skipped: chromium not installed (scripts/install-deps.sh installs it)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

run_browser() {
	# No network, no first-run, no sync or component updates; a throwaway profile.
	HOME="$tmp" timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --no-default-browser-check --disable-extensions \
		--user-data-dir="$tmp/profile" --hide-scrollbars "$@" 2>>"$tmp/browser.log"
}

pass=0
fail=0
for name in synthetic-lab-c synthetic-hostile-cut synthetic-group-kill real-6.12-group-kill \
	real-7.3-global-oom real-7.3-slab-oom real-7.3-earlyoom-term-handled \
	real-7.3-systemd-oomd-unit-kill; do
	rec="$DIR/$name.oomrec"
	html="$tmp/$name.html"
	"$BIN" report "$rec" --format html -o "$html" 2>/dev/null
	if [ ! -s "$html" ]; then
		echo "not ok - $name: no report written"
		fail=$((fail + 1))
		continue
	fi
	run_browser --dump-dom "file://$html" >"$tmp/$name.dom"
	# tall enough to reach the first incident's timeline (a group kill's
	# tables come before it)
	size=1200,4000
	case $name in *group-kill) size=1200,9000 ;; esac
	run_browser --screenshot="$tmp/$name.png" --window-size=$size "file://$html" \
		>/dev/null
	if python3 - "$tmp/$name.dom" "$tmp/$name.png" "$name" <<'PY'; then
import re
import struct
import sys
import zlib

dom_path, png_path, name = sys.argv[1:4]
fails = []


def check(cond, what):
    print(("ok - " if cond else "not ok - ") + name + ": " + what)
    if not cond:
        fails.append(what)


dom = open(dom_path, encoding="utf-8", errors="replace").read()
check("</html>" in dom, "the browser produced a DOM")
check(len(re.findall(r"<svg[^>]*class=\"timeline\"", dom)) >= 1, "an SVG timeline per incident")
check(re.search(r"<svg[^>]*class=\"histogram", dom) is not None, "a latency histogram")
check(re.search(r"<script\b", dom, re.I) is None, "no script element in the DOM")
if name == "synthetic-hostile-cut":
    check("&lt;script&gt;alert(1" in dom, "the hostile comm is text")
    check("&lt;img src=x onerror=alert(2)&gt;" in dom, "the hostile cgroup is text")
    check(re.search(r"<img\b", dom, re.I) is None, "no injected img element")
    check("not whole" in dom, "the cut recording is announced")
if name.endswith("group-kill"):
    t = re.search(r"<table[^>]*class=\"oomevent\"[^>]*>(.*?)</table>", dom, re.S)
    check(t is not None, "the group kill has its event table")
    rows = re.findall(r"<tr>.*?</tr>", t.group(1), re.S) if t else []
    check(len([r for r in rows if "<td" in r]) == 4, "the event table has the group's 4 victims")
    check(re.search(r"OOM event \d+: memory.oom.group killed 4 tasks", dom) is not None,
          "the event's heading")
    # what filled the memory: once, in the event's section, from the kernel's report
    sec = dom.split("memory.oom.group killed 4 tasks", 1)[-1].split("<section", 1)[0]
    check("What filled the memory" in sec, "the event's section says what filled the memory")
if name == "real-6.12-group-kill":
    sec = dom.split("memory.oom.group killed 4 tasks", 1)[-1].split("<section", 1)[0]
    bar = re.search(r"<svg[^>]*class=\"filled\".*?</svg>", sec, re.S)
    # the recording's memory.stat says "anon 66748416": 63.7MiB, 99.5% of 64MiB usage
    check(bar is not None and "<title>anon 63.7MiB (99.5%)</title>" in bar.group(0),
          "its bar: anon 63.7MiB of the group's 64MiB usage, as the kernel's memory.stat says")
    t = re.search(r"<table[^>]*class=\"tasks\"[^>]*>(.*?)</table>", sec, re.S)
    check(t is not None and len(re.findall(r"<tr>", t.group(1))) == 5 and
          "victim, trigger" in t.group(1), "its task table: the kernel's 4 rows, the victim marked")

if name == "real-7.3-global-oom":
    # the recording's kernel log (7.3 in a guest, a global OOM): Mem-Info's
    # "Node 0 DMA free:4372kB ... min:728kB" and "Node 0 DMA32 free:38612kB
    # ... min:44324kB": the DMA32 row alone below min, and the sentence says so
    t = re.search(r"<table[^>]*class=\"zones\"[^>]*>(.*?)</table>", dom, re.S)
    rows = re.findall(r"<tr>.*?</tr>", t.group(1), re.S) if t else []
    body = [r for r in rows if "<td" in r]
    check(len(body) == 2 and "DMA32" in body[1] and "below min" in body[1] and
          "below min" not in body[0], "its zones table: DMA, and DMA32 below min")
    check("37.7MiB" in body[1] and "43.3MiB" in body[1] if len(body) == 2 else False,
          "DMA32's free 38612kB against its min 44324kB")
    check("Zone DMA32 (node 0) had 37.7MiB free, below its min watermark of 43.3MiB." in dom,
          "the sentence names the zone below its min watermark")

if name == "real-7.3-slab-oom":
    # its kernel log lists 91 unreclaimable slab caches, the largest
    # "msg_msg-4k            587216KB     587232KB" (the scenario's messages)
    t = re.search(r"<table[^>]*class=\"slab\"[^>]*>(.*?)</table>", dom, re.S)
    body = [r for r in re.findall(r"<tr>.*?</tr>", t.group(1), re.S) if "<td" in r] if t else []
    check(len(body) == 9 and "msg_msg-4k" in body[0] and "573.5MiB" in body[0] and
          "83 other caches" in body[-1], "its slab table: msg_msg-4k first, 8 shown, 83 more")
    check("Unreclaimable slab held 582.3MiB in 91 caches, the largest" in dom,
          "the sentence says what the slab held")

if name == "real-7.3-earlyoom-term-handled":
    # earlyoom 1.9's kill of uhog: SIGTERM handled (EINVAL), SIGKILL, released
    t = re.search(r"<table[^>]*class=\"killers\"[^>]*>(.*?)</table>", dom, re.S)
    body = [r for r in re.findall(r"<tr>.*?</tr>", t.group(1), re.S) if "<td" in r] if t else []
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in
             re.findall(r"<td[^>]*>(.*?)</td>", body[0], re.S)] if len(body) == 1 else []
    check(cells[:6] == ["earlyoom", "kill", "1", "1", "1 EINVAL", "0"],
          f"its killers' table: earlyoom, by kill, 1 kill, released, 1 EINVAL: {cells}")
    t = re.search(r"<table[^>]*class=\"incidents\"[^>]*>(.*?)</table>", dom, re.S)
    check(t is not None and re.search(r"<td[^>]*><code>earlyoom</code></td>", t.group(1)),
          "the incidents table says earlyoom killed")


if name == "real-7.3-systemd-oomd-unit-kill":
    # systemd-oomd 262 killed a unit of four processes with one cgroup.kill write
    t = re.search(r"<table[^>]*class=\"killers\"[^>]*>(.*?)</table>", dom, re.S)
    body = [r for r in re.findall(r"<tr>.*?</tr>", t.group(1), re.S) if "<td" in r] if t else []
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in
             re.findall(r"<td[^>]*>(.*?)</td>", body[0], re.S)] if len(body) == 1 else []
    check(cells[:3] == ["systemd-oomd", "cgroup.kill", "4 (1 write)"],
          f"its killers' table: systemd-oomd, cgroup.kill, 4 victims of 1 write: {cells}")
    check(dom.count("one write to <code>/oomtest.slice/oomtest-bloat.service</code>") == 4,
          "each of the four incidents names the write and the unit's cgroup")


def png_pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                return None
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    while i < len(raw):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return rows, bpp


try:
    decoded = png_pixels(png_path)
except (OSError, zlib.error, struct.error):
    decoded = None
check(decoded is not None, "a screenshot was taken")
if decoded:
    rows, bpp = decoded
    colours = set()
    nonwhite = 0
    for row in rows[::4]:
        for x in range(0, len(row), bpp * 2):
            px = row[x:x + 3]
            colours.add(px)
            nonwhite += px != b"\xff\xff\xff"
    check(len(colours) > 20 and nonwhite > 1000, "the screenshot is not blank")
    # the timeline's reaper-delay band (#fde9c8) and kill marker (#c0392b);
    # a userspace killer's victim has no reaper: its call's bar (#2e8b57)
    if "earlyoom" in name or "systemd-oomd" in name:
        check(b"\xfd\xe9\xc8" not in colours, "no reaper delay where no reaper came")
    if "earlyoom" in name:
        # (the legend has its swatch too: the bar is told apart in the DOM)
        check(b"\x2e\x8b\x57" in colours and re.search(
            r'<rect x="[0-9.]+" y="39" width="[0-9.]+" height="10" fill="#2e8b57"', dom),
            "the process_mrelease call's bar was drawn and painted")
    elif "systemd-oomd" not in name:
        check(b"\xfd\xe9\xc8" in colours, "the timeline's delay band was painted")
    check(b"\xc0\x39\x2b" in colours, "the kill marker was painted")
sys.exit(1 if fails else 0)
PY
		:
	fi
done > "$tmp/results"
cat "$tmp/results"
pass=$(grep -c '^ok - ' "$tmp/results")
fail=$(grep -c '^not ok - ' "$tmp/results")
if [ "$fail" -ne 0 ]; then
	echo "# browser log:"
	tail -n 20 "$tmp/browser.log" 2>/dev/null
fi
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
