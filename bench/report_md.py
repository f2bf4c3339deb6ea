"""bench/report_md.py: the text and tables of bench/README.md, used by
bench/report (which parses the raw results). Everything a reader needs to
interpret a number is said next to the table that shows it."""
import math
from report_text import RESCAN_FACTOR  # lib/engine/engine.c's

# Raw batched move_pages, W5's goal rows' reference: 512 pages per call,
# the fastest raw batch for 4K pages; for THP (one address per huge page)
# 64, 512 and 4096 are all one call of the 32 huge pages.
REF_BATCH = 512

PEER_ORDER = ["none", "autonuma", "numad", "bind", "tier2", "tier3", "residency", "greedy"]
PEER_NAMES = {"none": "none", "autonuma": "autoNUMA", "numad": "numad", "bind": "hard bind",
              "tier2": "kernel tiering (mode 2)", "tier3": "kernel tiering (mode 3)",
              "residency": "numamigd residency", "greedy": "numamigd greedy"}
TITLES = {
    "w1": "W1 numa01-like: private slices misplaced + a shared buffer (2n)",
    "w1t": "W1 numa02-like: thread-private slices misplaced, one process (2n)",
    "w2": "W2 misplaced start (2n)",
    "w3": "W3 phases rotating every 3 s (2n)",
    "w3slow": "W3 phases rotating every 30 s (2n)",
    "w3t": "W3 threads of one process rotating every 3 s (2n)",
    "w4": "W4 interleaved start on 4 nodes, one process per node (4n)",
    "w4t": "W4 interleaved start on 4 nodes, one thread per node (4n)",
    "w7": "W7 tiering: the written set swaps between a CPU node and a CPU-less node every 25 s (cxl, 6.12)",
}
SUMMARY_KEYS = ["L0", "Lend", "Lmean", "Lmean2", "t90", "t99", "moved", "misplaced",
                "moved_per_misplaced", "moved_per_ws", "moved2_per_ws", "pingpong",
                "hint_faults", "induced_faults", "cpu_s", "cpu_per_gb_scanned", "cpu_per_gb_migrated",
                "swap_t90", "promoted", "demoted", "tier_pingpong"]

# (key, label, format) rows of the per-workload tables.
ROWS = [
    ("L0", "locality at start", "%.2f"),
    ("t90", "time to 90 % locality (s)", "%.1f"),
    ("t99", "time to 99 % locality (s)", "%.1f"),
    ("Lend", "locality at end", "%.2f"),
    ("Lmean", "mean locality", "%.2f"),
    ("Lmean2", "mean locality, second half", "%.2f"),
    ("misplaced", "pages misplaced at start", "%.0f"),
    ("moved", "pages migrated (pgmigrate_success)", "%.0f"),
    ("moved_per_misplaced", "migrated / misplaced", "%.2f"),
    ("moved_per_ws", "migrated / working set", "%.2f"),
    ("moved2_per_ws", "migrated / working set, second half", "%.2f"),
    ("pingpong", "ping-pong: sampled pages moved >= 2x in 60 s", "%.3f"),
    ("swap_t90", "phase change: time to 90 % of the new hot set, worst swap (s)", "%.1f"),
    ("promoted", "pages promoted (CPU-less node -> CPU node)", "%.0f"),
    ("demoted", "pages demoted (CPU node -> CPU-less node)", "%.0f"),
    ("tier_pingpong", "ping-pong between tiers, pages (numamigd's count: moved back within cold_after)", "%.0f"),
    ("hint_faults", "NUMA hinting faults (kernel)", "%.0f"),
    ("induced_faults", "write faults induced by numamigd (soft-dirty clears)", "%.0f"),
    ("cpu_s", "balancer CPU, s (utime+stime)", "%.2f"),
    ("cpu_per_gb_scanned", "balancer CPU s / GB scanned", "%.3f"),
    ("cpu_per_gb_migrated", "balancer CPU s / GB migrated", "%.2f"),
    ("daemon_gbps", "numamigd migration GB/s (inside move_pages)", "%.3f"),
]


def fmt(v, f):
    if v is None:
        return "never" if f == "%.1f" else "–"
    return f % v


def table(peers, med, wl):
    names = [p for p in PEER_ORDER if p in peers]
    out = ["| metric (median of %s) | %s |" % (
        "/".join(str(len(peers[p])) for p in names) + " runs",
        " | ".join(PEER_NAMES[p] for p in names)),
        "|---|" + "---|" * len(names)]
    for key, label, f in ROWS:
        vals = []
        for p in names:
            runs = peers[p]
            present = [r.get(key) for r in runs if key in r]
            if not present:
                vals.append("–")
                continue
            if key in ("t90", "t99", "swap_t90"):
                # "never" counts as infinitely late for the median.
                inf = [r.get(key) if r.get(key) is not None else 1e9 for r in runs]
                m = med(inf)
                vals.append("never" if m >= 1e9 else f % m)
            else:
                vals.append(fmt(med(present), f))
        if all(v == "–" for v in vals):
            continue
        out.append("| %s | %s |" % (label, " | ".join(vals)))
    return "\n".join(out)


def g(peers, p, key, med):
    if p not in peers:
        return None
    if key in ("t90", "t99"):
        m = med([r.get(key) if r.get(key) is not None else 1e9 for r in peers[p]])
        return None if m is None or m >= 1e9 else m
    return med([r.get(key) for r in peers[p]])


def verdict(ok):
    return "**met**" if ok else "**missed**"


def median_ci(xs):
    """A 95 % confidence interval of the median of XS that assumes
    nothing of their distribution: the order statistics whose ranks are
    1.96 standard deviations of a binomial(n, 1/2) either side of n/2
    (a round's ratio is noisy: the shared host's speed drifts over
    seconds, so the interval says how far the median itself can be
    trusted)."""
    v = sorted(xs)
    n = len(v)
    half = 1.96 * math.sqrt(n) / 2
    lo = max(int(math.floor(n / 2 - half)), 0)
    hi = min(int(math.ceil(n / 2 + half)), n - 1)
    return v[lo], v[hi]


def goals(data, tput, idle, scale, med):
    rows = ["| MISSION goal | numamigd | best peer | verdict |", "|---|---|---|---|"]
    w2 = data.get("w2", {})
    if w2:
        r90, a90 = g(w2, "residency", "t90", med), g(w2, "autonuma", "t90", med)
        ratio = g(w2, "residency", "moved_per_misplaced", med)
        best = min((g(w2, p, "t90", med), p) for p in ("autonuma", "numad")
                   if g(w2, p, "t90", med) is not None) if any(
            g(w2, p, "t90", med) is not None for p in ("autonuma", "numad")) else (None, "none")
        rows.append("| W2 misplaced start: time to 90 %% no later than autoNUMA | %s s | %s: %s s | %s |" % (
            fmt(r90, "%.1f"), PEER_NAMES.get(best[1], best[1]), fmt(best[0], "%.1f"),
            verdict(r90 is not None and (a90 is None or round(r90, 1) <= round(a90, 1)))))
        aratio = g(w2, "autonuma", "moved_per_misplaced", med)
        rows.append("| W2: pages migrated <= 1.05 x misplaced | %s | autoNUMA: %s | %s |" % (
            fmt(ratio, "%.2f"), fmt(aratio, "%.2f"), verdict(ratio is not None and ratio <= 1.05)))
    w3 = data.get("w3", {})
    if w3:
        tot, sec = g(w3, "residency", "moved_per_ws", med), g(w3, "residency", "moved2_per_ws", med)
        lm, ln = g(w3, "residency", "Lmean", med), g(w3, "none", "Lmean", med)
        rows.append("| W3 3 s phases: migrated <= 2 x working set | %s | autoNUMA: %s | %s |" % (
            fmt(tot, "%.2f"), fmt(g(w3, "autonuma", "moved_per_ws", med), "%.2f"),
            verdict(tot is not None and tot <= 2)))
        rows.append("| W3: second half <= 0.1 x working set | %s | autoNUMA: %s | %s |" % (
            fmt(sec, "%.2f"), fmt(g(w3, "autonuma", "moved2_per_ws", med), "%.2f"),
            verdict(sec is not None and sec <= 0.1)))
        rows.append("| W3: mean locality no worse than none | %s | none: %s, autoNUMA: %s | %s |" % (
            fmt(lm, "%.2f"), fmt(ln, "%.2f"), fmt(g(w3, "autonuma", "Lmean", med), "%.2f"),
            verdict(lm is not None and ln is not None and lm >= ln - 0.005)))
    w7 = data.get("w7", {})
    if w7:
        mine = g(w7, "residency", "Lmean", med)
        best = max(((g(w7, p, "Lmean", med), p) for p in ("tier2", "tier3")
                    if g(w7, p, "Lmean", med) is not None), default=(None, "tier2"))
        rows.append("| W7 tiering: mean share of the written set on the CPU node no lower than kernel tiering's | %s | %s: %s | %s |" % (
            fmt(mine, "%.2f"), PEER_NAMES[best[1]], fmt(best[0], "%.2f"),
            verdict(mine is not None and (best[0] is None or mine >= best[0] - 0.005))))
    # Threads on several nodes (issue 13): at least as local as autoNUMA,
    # with fewer write faults induced than autoNUMA's hinting faults.
    for wl, key in (("w1t", "Lend"), ("w3t", "Lmean"), ("w4t", "Lend")):
        d = data.get(wl, {})
        if not d:
            continue
        ours, theirs = g(d, "residency", key, med), g(d, "autonuma", key, med)
        f_ours, f_theirs = g(d, "residency", "induced_faults", med), g(d, "autonuma", "hint_faults", med)
        what = "locality at end" if key == "Lend" else "mean locality"
        rows.append("| %s: %s at least autoNUMA's, with fewer induced faults than its hinting faults | %s, %s faults | autoNUMA: %s, %s hinting faults | %s |" % (
            TITLES[wl].split(" (")[0], what, fmt(ours, "%.2f"), fmt(f_ours, "%.0f"),
            fmt(theirs, "%.2f"), fmt(f_theirs, "%.0f"),
            verdict(ours is not None and theirs is not None and ours >= theirs - 0.005 and
                    f_ours is not None and f_theirs is not None and f_ours < f_theirs)))
    # The bars: THP moves are one address per huge page, so the migrator's
    # own work per byte is small there and it must come close to raw. The
    # verdict is on ratios within a round (see bench/report's load_tput).
    for pages, bar in (("4k", 85), ("thp", 95)):
        mig = tput.get((pages, "numamigd_migrator", 0))
        ratios = tput.get((pages, "ratio", 0))
        ref = tput.get((pages, "move_pages", REF_BATCH))
        if mig and ratios and ref:
            r = med(ratios)
            lo, hi = median_ci(ratios)
            rows.append("| W5 %s: migrator throughput >= %d %% of raw batched move_pages (median over %d rounds of migrator / move_pages x%d of the same round; 95 %% confidence interval of that median %.0f-%.0f %%) | %.0f %% (%.3f GB/s) | move_pages x%d: %.3f GB/s | %s |" % (
                pages.upper(), bar, len(ratios), REF_BATCH, 100 * lo, 100 * hi, 100 * r, med(mig),
                REF_BATCH, med(ref), verdict(r >= bar / 100)))
    if idle:
        sc = med([r["scan_ms"] for r in idle])
        raw = med([r["raw_wall_ms"] for r in idle])
        if sc is not None and raw:
            rows.append("| W6 scan cost <= 1.5 x a raw numa_maps read | %.2f ms per scan (%.2f x) | raw read: %.2f ms | %s |" % (
                sc, sc / raw, raw, verdict(sc <= 1.5 * raw)))
        pct = med([r["core_pct_2g_model"] for r in idle])
        lin = med([r["core_pct_2g"] for r in idle])
        busy = med([r["core_pct_2g_busy"] for r in idle])
        rows.append("| W6 daemon <= 1 %% of a core with 2 GiB tracked, default 1 s interval (**extrapolated** from %.0f MiB measured: %.2f %%) | %.2f %% modelled (linear upper bound %.1f %%; %.2f %% were the process running) | (no peer tracks an idle process) | %s |" % (
            med([r["rss_mib"] for r in idle]), med([r["core_pct"] for r in idle]), pct, lin,
            busy, verdict(pct <= 1)))
    if scale and "rss_kib" in scale:
        rss = int(scale["rss_kib"]) / 1024
        rows.append("| 10k processes in <= 64 MiB RSS | %.1f MiB (and %s %% of a host core at the 1 s interval) | (no peer) | %s |" % (
            rss, scale.get("native_cpu_pct", "?"), verdict(rss <= 64)))
    cg = (scale or {}).get("cgroups_case")
    if cg and "native_cpu_pct" in cg:
        pct = float(cg["native_cpu_pct"])
        rows.append("| daemon <= 1 %% of a core with thousands of unrelated cgroups (%s cgroups, %s policies, %s processes tracked) | %.1f %% of a host core (%s cgroups walked per tick) | (no peer) | %s |" % (
            cg.get("cgroups", "?"), cg.get("policies", "?"), cg.get("tracked", "?"), pct,
            cg.get("cgroups_walked_per_tick", "?"), verdict(pct <= 1)))
    return "\n".join(rows)


def losses(data, med):
    """Plain statements of where numamigd residency is worse than the best
    outside peer (autoNUMA or numad, kernel tiering for W7; hard bind is the unreachable
    reference, greedy is numamigd's own baseline)."""
    out = []
    for wl in ["w1", "w1t", "w2", "w3", "w3slow", "w3t", "w4", "w4t", "w7"]:
        peers = data.get(wl, {})
        if "residency" not in peers:
            continue
        name = TITLES[wl].split(":")[0].split(" (")[0]
        for key, label, better, f in [("t90", "time to 90 % locality", "low", "%.1f s"),
                                      ("Lmean", "mean locality", "high", "%.2f"),
                                      ("Lend", "final locality", "high", "%.2f")]:
            mine = g(peers, "residency", key, med)
            for p in ("autonuma", "numad", "tier2", "tier3"):
                theirs = g(peers, p, key, med)
                if theirs is None:
                    continue
                if mine is None and key == "t90":
                    out.append("- %s: %s never reached 90 %% locality; %s did in %s." % (
                        name, PEER_NAMES["residency"], PEER_NAMES[p], f % theirs))
                    continue
                if mine is None:
                    continue
                worse = mine > theirs + 0.25 if better == "low" else mine < theirs - 0.02
                if worse:
                    out.append("- %s: %s %s: numamigd residency %s, %s %s." % (
                        name, label, "is later" if better == "low" else "is lower",
                        f % mine, PEER_NAMES[p], f % theirs))
    return "\n".join(out) if out else "- none found by the automatic comparison."


def tput_table(tput, med):
    rows = ["| method | batch (pages) | 4K pages GB/s | THP GB/s |", "|---|---|---|---|"]
    keys = sorted({(m, b) for (_, m, b) in tput if m != "ratio"},
                  key=lambda k: (k[0] != "move_pages", k[0], k[1]))
    for m, b in keys:
        v4 = [v for (pg, mm, bb), v in tput.items() if pg == "4k" and mm == m and bb == b]
        vt = [v for (pg, mm, bb), v in tput.items() if pg == "thp" and mm == m and bb == b]
        rows.append("| %s | %s | %s | %s |" % (
            m, b if m == "move_pages" else ("tuned, 64..4096" if "migrator" in m else "–"),
            "%.3f" % med(v4[0]) if v4 else "–", "%.3f" % med(vt[0]) if vt else "–"))
    r4, rt = tput.get(("4k", "ratio", 0)), tput.get(("thp", "ratio", 0))
    rows.append("| numamigd_migrator / move_pages x%d of the same round | – | %s | %s |" % (
        REF_BATCH, "%.0f %%" % (100 * med(r4)) if r4 else "–",
        "%.0f %%" % (100 * med(rt)) if rt else "–"))
    return "\n".join(rows)


def idle_table(idle, med):
    keys = [("rss_mib", "idle process RSS, MiB", "%.0f"), ("wall", "measured for, s", "%.0f"),
            ("ticks", "daemon ticks (whole life)", "%.0f"), ("scans", "numa_maps scans", "%.0f"),
            ("cpu_s", "daemon CPU over the window, s", "%.2f"),
            ("core_pct", "daemon, % of one core", "%.2f"),
            ("core_pct_2g", "same, scaled linearly to 2 GiB (upper bound)", "%.2f"),
            ("scan_ms_2g", "one numa_maps scan of 2 GiB, ms (scaled)", "%.1f"),
            ("core_pct_2g_model", "daemon at 2 GiB, %% of a core (model: non-scan CPU as measured + the 2 GiB scans lib/engine/engine.c makes of an idle process over the window: at once, then after 2, 4, 8... x max(1 s, %d x scan time))" % RESCAN_FACTOR, "%.2f"),
            ("core_pct_2g_busy", "same for a 2 GiB process that runs (not W6's case: one scan per max(1 s, %d x scan time))" % RESCAN_FACTOR, "%.2f"),
            ("cpu_per_tick_ms", "daemon CPU per tick, ms", "%.2f"),
            ("scan_ms", "daemon time per numa_maps scan, ms (its own count)", "%.2f"),
            ("raw_wall_ms", "raw numa_maps read of the same process, ms (wall)", "%.2f"),
            ("raw_cpu_ms", "raw numa_maps read, ms (CPU)", "%.2f"),
            ("daemon_rss_mib", "daemon max RSS, MiB", "%.1f")]
    rows = ["| metric (median of %d runs) | numamigd residency |" % len(idle), "|---|---|"]
    for k, label, f in keys:
        v = med([r.get(k) for r in idle])
        rows.append("| %s | %s |" % (label, fmt(v, f)))
    return "\n".join(rows)


def render(a, data, guests, tput, idle, scale, pngs, problems, med):
    from report_text import HEAD, METRICS, TAIL, NOTES  # the prose
    gfacts = next((v for v in guests.values() if v.get("topo") == "2n"), {})
    g4 = next((v for v in guests.values() if v.get("topo") == "4n"), {})
    out = [HEAD.format(generated=a.generated, runs=a.runs,
                       kernel=gfacts.get("kernel", a.kernel),
                       quick=" (**--quick: one short run, not a result**)" if a.quick else "")]
    out.append("VM facts as the guests saw them: 2n: %s CPUs, nodes %s, MemTotal per node %s kB; "
               "4n: %s CPUs, nodes %s.\n" % (
                   gfacts.get("cpus", "?"), gfacts.get("nodes", "?"),
                   ", ".join(gfacts.get("node%d" % i, "?") for i in range(2)),
                   g4.get("cpus", "?"), g4.get("nodes", "?")))
    out.append("## Goals (MISSION.md, performance) side by side\n")
    out.append(goals(data, tput, idle, scale, med) + "\n")
    out.append(NOTES)
    out.append("### Where numamigd loses (generated: residency vs autoNUMA and numad)\n")
    out.append(losses(data, med) + "\n")
    out.append(METRICS)
    for wl in ["w1", "w1t", "w2", "w3", "w3slow", "w3t", "w4", "w4t", "w7"]:
        if wl not in data:
            continue
        out.append("## %s\n" % TITLES[wl])
        out.append(table(data[wl], med, wl) + "\n")
        if wl in pngs:
            out.append("![L(t) %s](%s)\n" % (wl, pngs[wl]))
    if tput:
        out.append("## W5 migration throughput (2n, 64 MiB, node 0 -> 1, median of rounds)\n")
        out.append(tput_table(tput, med) + "\n")
    if idle:
        out.append("## W6 idle, already local process: pure scan cost (2n)\n")
        out.append(idle_table(idle, med) + "\n")
    if scale:
        out.append("## Host-side scale: %s synthetic processes\n" % scale.get("procs", "?"))
        from report_text import SCALE
        out.append(SCALE)
        labels = [("procs", "synthetic processes in the fixture"),
                  ("tracked", "processes the daemon tracked"),
                  ("rss_kib", "daemon peak RSS (VmHWM), KiB"),
                  ("rss_now_kib", "daemon RSS at the end, KiB"),
                  ("native_seconds", "native run, s"), ("native_ticks", "native run, ticks"),
                  ("native_cpu_s", "native run, daemon CPU s (utime+stime)"),
                  ("native_cpu_pct", "native run, % of one host core"),
                  ("callgrind_startup_ticks", "callgrind: ticks before the first dump"),
                  ("callgrind_startup_instructions", "callgrind: instructions before the first dump (start-up + those ticks)"),
                  ("callgrind_measured_ticks", "callgrind: ticks between the dumps"),
                  ("callgrind_measured_instructions", "callgrind: instructions between the dumps"),
                  ("instructions_per_tick", "**instructions per tick** (steady state)")]
        rows = ["| metric | value |", "|---|---|"]
        for k, label in labels:
            if k in scale:
                v = scale[k]
                if v.isdigit() and len(v) > 6:
                    v = "{:,}".format(int(v))
                rows.append("| %s | %s |" % (label, v))
        if "rss_kib" in scale:
            rows.append("| peak RSS, MiB | %.1f |" % (int(scale["rss_kib"]) / 1024))
        out.append("\n".join(rows) + "\n")
    if problems:
        out.append("## Problems seen while reading the results\n")
        out.append("\n".join("- " + p for p in problems) + "\n")
    out.append(TAIL)
    return "\n".join(out)
