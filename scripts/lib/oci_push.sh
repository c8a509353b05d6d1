# Sourced by PullCluster's demo and bench scripts: push an image of an OCI layout to a registry.
#
# oci_push LAYOUT REF REGISTRY REPO TAG   pushes LAYOUT:REF as REGISTRY/REPO:TAG with its digests
#   unchanged (skopeo --preserve-digests), unless the registry already serves that manifest, and
#   checks that the registry then serves the layout's manifest digest.

oci_layout_digest() { # oci_layout_digest LAYOUT REF
  jq -r --arg r "$2" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r) | .digest' "$1/index.json"
}

registry_manifest_digest() { # registry_manifest_digest REGISTRY REPO TAG: empty when absent
  { curl -fsS -o /dev/null -D - -I -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
      "http://$1/v2/$2/manifests/$3" 2>/dev/null || true; } |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" { print $2 }'
}

oci_push() {
  local layout=$1 ref=$2 reg=$3 repo=$4 tag=$5 want have
  want=$(oci_layout_digest "$layout" "$ref")
  [ -n "$want" ] || { echo "no image named $ref in the OCI layout $layout" >&2; return 1; }
  have=$(registry_manifest_digest "$reg" "$repo" "$tag")
  [ "$want" = "$have" ] && return 0
  skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$layout:$ref" "docker://$reg/$repo:$tag" >/dev/null ||
    { echo "skopeo copy of oci:$layout:$ref to $reg/$repo:$tag failed" >&2; return 1; }
  have=$(registry_manifest_digest "$reg" "$repo" "$tag")
  [ "$want" = "$have" ] ||
    { echo "$reg/$repo:$tag serves manifest '$have' after the push, expected $want" >&2; return 1; }
}
