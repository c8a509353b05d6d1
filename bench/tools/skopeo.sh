# skopeo as a bench peer: `skopeo copy docker://… oci:DIR`, one OCI layout per client process.
# It only downloads and verifies blobs; it does not unpack layers, so it does less work than the
# other tools.

SKO=$BENCH_DIR/work/skopeo

skopeo_prepare() {
  command -v skopeo >/dev/null || { echo "skopeo not installed (apt-get install skopeo)" >&2; return 1; }
}

skopeo_reset() { SKO_RUN=$SKO/runs/$1; rm -rf "$SKO_RUN"; mkdir -p "$SKO_RUN"; } # skopeo_reset RUN

skopeo_purge() { rm -rf "$SKO"; }

skopeo_stop() { :; }

skopeo_pull() { # skopeo_pull REF CLIENT_NO
  exec skopeo copy -q --src-tls-verify=false "docker://$REG/$1" "oci:$SKO_RUN/$2:img" >/dev/null
}

skopeo_clients() { command -v skopeo; }
