#!/usr/bin/env python3
"""Describes images of OCI layouts written by mkoci.py: layer count, compressed and tar sizes.

Usage: describe.py LAYERS_DIR NAME=LAYOUT:REF...
Tar sizes come from the tars in LAYERS_DIR whose cached sha256 (TAR.sha256) is a diff_id.
"""
import glob
import json
import os
import sys


def blob(layout, digest):
    with open(os.path.join(layout, "blobs", "sha256", digest[7:])) as f:
        return json.load(f)


def main(layers_dir, specs):
    tar_size = {}
    for cache in glob.glob(os.path.join(layers_dir, "*.tar.sha256")):
        with open(cache) as f:
            tar_size[f.read().strip()] = os.path.getsize(cache[: -len(".sha256")])
    print(f"{'IMAGE':<34} {'LAYERS':>6} {'BLOBS_MB':>9} {'TAR_MB':>8}  MANIFEST")
    for spec in specs:
        name, _, target = spec.partition("=")
        layout, _, ref = target.rpartition(":")
        with open(os.path.join(layout, "index.json")) as f:
            entry = next(m for m in json.load(f)["manifests"]
                         if m["annotations"]["org.opencontainers.image.ref.name"] == ref)
        manifest = blob(layout, entry["digest"])
        config = blob(layout, manifest["config"]["digest"])
        blobs = sum(layer["size"] for layer in manifest["layers"])
        tars = sum(tar_size[d] for d in config["rootfs"]["diff_ids"])
        print(f"{name:<34} {len(manifest['layers']):>6} {blobs / 1e6:>9.1f} {tars / 1e6:>8.1f}  {entry['digest'][:19]}")


main(sys.argv[1], sys.argv[2:])
