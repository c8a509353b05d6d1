#!/usr/bin/env python3
"""Adds one image to an OCI image layout, from uncompressed layer tars.

Usage:
  mkoci.py LAYOUT REF --compression gzip|zstd [--label K=V]... [--cmd ARG]... TAR [TAR...]

Each TAR becomes one layer, in order. Layers are compressed by the deterministic external tools
(`pigz -n -6`, or `zstd -3 -T1`), so a tar shared by several images gets one digest everywhere; the
compressed file and the tar's sha256 (its diff_id) are cached next to the tar and reused while the
tar is unchanged. The config and manifest are canonical JSON with a fixed creation time, so the same
tars always give the same manifest digest. LAYOUT/index.json gets (or replaces) the entry named REF.
Prints the manifest digest.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys

CREATED = "2023-11-14T22:13:20Z"
COMPRESSORS = {
    "gzip": ("application/vnd.oci.image.layer.v1.tar+gzip", ".gz", ["pigz", "-n", "-6", "-c"]),
    "zstd": ("application/vnd.oci.image.layer.v1.tar+zstd", ".zst", ["zstd", "-3", "-T1", "-q", "-c"]),
}
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"


def fresh(derived, source):
    return os.path.exists(derived) and os.path.getmtime(derived) >= os.path.getmtime(source)


def sha256_of_file(path):
    cache = path + ".sha256"
    if fresh(cache, path):
        with open(cache) as f:
            return f.read().strip()
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    digest = "sha256:" + h.hexdigest()
    with open(cache, "w") as f:
        f.write(digest)
    return digest


def compressed(tar, compression):
    _, suffix, command = COMPRESSORS[compression]
    out = tar + suffix
    if not fresh(out, tar):
        with open(tar, "rb") as src, open(out + ".tmp", "wb") as dst:
            subprocess.run(command, stdin=src, stdout=dst, check=True)
        os.replace(out + ".tmp", out)
    return out


class Layout:
    def __init__(self, root):
        self.root = root
        self.blobs = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.blobs, exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')

    def put_bytes(self, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        path = os.path.join(self.blobs, digest[7:])
        if not os.path.exists(path):
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.replace(path + ".tmp", path)
        return digest, len(data)

    def put_file(self, src):
        digest = sha256_of_file(src)
        path = os.path.join(self.blobs, digest[7:])
        if not os.path.exists(path):
            try:
                os.link(src, path)
            except OSError:
                shutil.copyfile(src, path + ".tmp")
                os.replace(path + ".tmp", path)
        return digest, os.path.getsize(src)

    def tag(self, ref, descriptor):
        index_path = os.path.join(self.root, "index.json")
        index = {"schemaVersion": 2, "manifests": []}
        if os.path.exists(index_path):
            with open(index_path) as f:
                index = json.load(f)
        entry = dict(descriptor, annotations={"org.opencontainers.image.ref.name": ref})
        index["manifests"] = [m for m in index["manifests"]
                              if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != ref]
        index["manifests"].append(entry)
        with open(index_path + ".tmp", "w") as f:
            json.dump(index, f, indent=1, sort_keys=True)
        os.replace(index_path + ".tmp", index_path)


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("layout")
    ap.add_argument("ref")
    ap.add_argument("--compression", choices=sorted(COMPRESSORS), default="gzip")
    ap.add_argument("--label", action="append", default=[])
    ap.add_argument("--cmd", action="append", default=[])
    ap.add_argument("tars", nargs="+")
    args = ap.parse_args()

    layout = Layout(args.layout)
    media_type = COMPRESSORS[args.compression][0]
    layers, diff_ids, history = [], [], []
    for tar in args.tars:
        if not os.path.isfile(tar):
            sys.exit(f"mkoci: layer tar {tar} does not exist")
        diff_ids.append(sha256_of_file(tar))
        digest, size = layout.put_file(compressed(tar, args.compression))
        layers.append({"mediaType": media_type, "digest": digest, "size": size})
        history.append({"created": CREATED, "created_by": "layer " + os.path.basename(tar)})

    config = {
        "created": CREATED,
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Cmd": args.cmd or ["/bin/bash"],
            "Labels": dict(kv.split("=", 1) for kv in args.label),
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    config_digest, config_size = layout.put_bytes(canonical(config))
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": {"mediaType": CONFIG, "digest": config_digest, "size": config_size},
        "layers": layers,
    }
    digest, size = layout.put_bytes(canonical(manifest))
    layout.tag(args.ref, {"mediaType": MANIFEST, "digest": digest, "size": size})
    print(digest)


if __name__ == "__main__":
    main()
