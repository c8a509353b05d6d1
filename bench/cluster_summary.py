#!/usr/bin/env python3
"""Summarises bench/cluster.sh's two CSVs (runs, and one row per node's pull): per scenario the wall
time, the registry's blob bytes as a multiple of the image, the ratios the issue sets goals for, and
where each node's bytes came from."""
import csv
import statistics
import sys

runs_path, nodes_path, image_ref = sys.argv[1:4]
runs = list(csv.DictReader(open(runs_path)))
nodes = list(csv.DictReader(open(nodes_path)))
if not runs:
    sys.exit("no runs recorded")
image = int(runs[0]["image_bytes"])


def mb(b):
    return "NA" if b in (None, "NA") else f"{int(b) / 1e6:.1f}"


def rows(scenario, variant=None):
    return [r for r in runs if r["scenario"] == scenario and (variant is None or r["variant"] == variant)]


def median_wall(rs):
    """The median wall time of runs without a failed client; None if there is none."""
    ok = [float(r["wall_s"]) for r in rs if int(r["failed"]) == 0]
    return statistics.median(ok) if ok else None


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "NA"


def blobs_done(r):
    """When the last node of a run had all its blobs (seconds from the clients' start); None if unknown."""
    done = [float(n["blobs_s"]) for n in nodes
            if (n["scenario"], n["variant"], n["rep"]) == (r["scenario"], r["variant"], r["rep"]) and n["blobs_s"] != "NA"]
    return max(done) if done else None


def median_blobs_done(rs):
    done = [d for d in map(blobs_done, rs) if d is not None]
    return statistics.median(done) if done else None


def run_line(label, rs):
    walls = [float(r["wall_s"]) for r in rs]
    served = statistics.median(int(r["blob_bytes"]) for r in rs)
    gets = statistics.median(int(r["blob_gets"]) for r in rs)
    failed = sum(int(r["failed"]) for r in rs)
    done = median_blobs_done(rs)
    print(f"{label:<24}{len(rs):>2} {statistics.median(walls):>9.2f} {min(walls):>7.2f} {max(walls):>7.2f} "
          f"{'NA' if done is None else f'{done:.2f}':>8} {served / 1e6:>10.1f} {served / image:>7.2f}x {gets:>6.0f} {failed:>7}")


def run_header():
    print(f"{'':<24}{'n':>2} {'median_s':>9} {'min_s':>7} {'max_s':>7} {'blobs_s':>8} {'MB_served':>10} {'x_image':>8} "
          f"{'GETs':>6} {'failed':>7}")


def node_lines(scenario, variant):
    mine = [n for n in nodes if n["scenario"] == scenario and n["variant"] == variant]
    if not mine:
        return
    print(f"  {'rep':>3} {'node':>4} {'pull':<6} {'rc':>3} {'pull_s':>7} {'blobs_s':>8} {'MB_registry':>12} {'MB_peers':>9} {'MB_store':>9}")
    for n in mine:
        secs = "NA" if n["seconds"] == "NA" else f"{float(n['seconds']):.2f}"
        done = "NA" if n["blobs_s"] == "NA" else f"{float(n['blobs_s']):.2f}"
        print(f"  {n['rep']:>3} {n['node']:>4} {n['pull']:<6} {n['rc']:>3} {secs:>7} {done:>8} {mb(n['from_registry']):>12} "
              f"{mb(n['from_peers']):>9} {mb(n['from_store']):>9}")
    digests = {n["manifest_digest"] for n in mine if n["manifest_digest"] != "NA"}
    if len(digests) > 1:
        print(f"  WARNING: the nodes report different manifest digests: {sorted(digests)}")


print(f"Farm benchmark: {image_ref}, {image} blob bytes ({image / 1e6:.1f} MB)")
solo = median_wall(rows("solo"))

farm = [sc for sc in ("solo", "farm3", "farm5") if rows(sc)]
if farm:
    print("\n== solo, farm3, farm5: every node pulls the image at once, registry unlimited")
    run_header()
    for sc in farm:
        run_line(sc, rows(sc))
    for sc in ("farm3", "farm5"):
        if rows(sc):
            print(f"{sc} / solo: {ratio(median_wall(rows(sc)), solo)} (goal <= 1.5); "
                  f"registry bytes {statistics.median(int(r['blob_bytes']) for r in rows(sc)) / image:.2f}x the image (goal 1.00)")
    for sc in farm:
        formed = [float(r["members_s"]) for r in rows(sc)]
        print(f"\n{sc}, per node (nodes started and members of one cluster in {statistics.median(formed):.1f} s, median):")
        node_lines(sc, "pullcluster")

if rows("uplink"):
    limit = rows("uplink")[0]["limit_mbps"]
    print(f"\n== uplink: the registry's total egress limited to {limit} MB/s (tc htb on lo)")
    run_header()
    labels = {"pc1": "PullCluster, 1 node", "pc5": "PullCluster, 5 nodes", "ctr5": "containerd, 5 daemons"}
    for v, label in labels.items():
        if rows("uplink", v):
            run_line(label, rows("uplink", v))
    one = median_wall(rows("uplink", "pc1"))
    print(f"PullCluster 5 nodes / 1 node: {ratio(median_wall(rows('uplink', 'pc5')), one)} (goal <= 1.3); "
          f"containerd 5 daemons / PullCluster 1 node: {ratio(median_wall(rows('uplink', 'ctr5')), one)}; "
          f"containerd 5 / PullCluster 5: {ratio(median_wall(rows('uplink', 'ctr5')), median_wall(rows('uplink', 'pc5')))}")
    done = {v: median_blobs_done(rows("uplink", v)) for v in labels}
    print(f"download phase (blobs_s): PullCluster 5 nodes / 1 node: {ratio(done['pc5'], done['pc1'])}; "
          f"containerd 5 daemons / PullCluster 1 node: {ratio(done['ctr5'], done['pc1'])}")
    for v in ("pc1", "pc5"):
        if rows("uplink", v):
            print(f"\n{labels[v]}, per node:")
            node_lines("uplink", v)

if rows("kill"):
    print(f"\n== kill: 3 nodes, registry limited to {rows('kill')[0]['limit_mbps']} MB/s; the node receiving the most "
          "from the registry is killed (-9, with its client) once the registry has sent KILL_AT of the image, "
          "restarted on the same store and addresses, and pulls again")
    run_header()
    run_line("kill", rows("kill"))
    for r in rows("kill"):
        print(f"  rep {r['rep']}: killed node {r['killed_node']} at {float(r['kill_s']):.2f} s, the registry having sent "
              f"{int(r['kill_sent_bytes']) / image:.0%} of the image (IP bytes, tc); restarted and a member again after "
              f"{float(r['restart_up_s']):.2f} s; its pull then took {float(r['rerun_s']):.2f} s; all pulls complete "
              f"{float(r['wall_s']):.2f} s after the start; registry bytes {int(r['blob_bytes']) / image:.2f}x the image "
              f"(goal <= 1.10)")
    print("\nkill, per node (the killed node: its pull after the restart):")
    node_lines("kill", "pullcluster")

print("\nwall: from starting the clients (the nodes up and members of one cluster) to the last client's exit. "
      "blobs_s: from the same start to the last complete blob's last write on a node (its store's blobs/, "
      "containerd's content store), the end of the download phase; per run the last node's. "
      "MB_served, GETs: blob GETs answered 200/206 in the registry's access log during the run, all nodes together; "
      "x_image: that over the image's blob bytes. Per node: the `pull --json` result's bytesFromRegistry, "
      "bytesFromPeers, bytesFromStore and seconds. Medians over the repetitions; a run with a failed client gets no ratio.")
