# syntax=docker/dockerfile:1
# A PullCluster farm host: the node (pullcluster-node) and its CLI (pullcluster). The node takes its flags
# from the environment (PULLCLUSTER_REMOTE, PULLCLUSTER_SEEDS, PULLCLUSTER_HTTP, PULLCLUSTER_SECRET_FILE,
# PULLCLUSTER_POSTGRES, …); docker-compose.yml runs three of them, and README.md ("A farm of hosts") says
# what each is for.
#
#   docker build -t pullcluster .
#   docker compose exec node1 pullcluster pull registry.example.com/team/app:1.4

ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
# The CLI is published Native AOT, as ./pullcluster does (build farms start many at once), which links with clang.
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY config/ config/
COPY src/ src/
# The node is self-contained, so the runtime image needs no .NET of its own; ReadyToRun as in ./pullcluster,
# so the node's start and first pull run precompiled code.
RUN case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; \
      *) echo "no .NET runtime identifier for $(uname -m)" >&2; exit 1 ;; esac \
 && dotnet publish src/Cmd -c Release -r "$rid" -p:PublishAot=true -o /out/cli \
 && dotnet publish src/Host -c Release -r "$rid" --self-contained true -p:PublishReadyToRun=true -o /out/node

FROM mcr.microsoft.com/dotnet/runtime-deps:${DOTNET_VERSION}
# The groups the node's socket rules name (README, "Who may command a node"); root may do everything anyway.
RUN groupadd --system pullcluster && groupadd --system pullcluster-admin
COPY --from=build /out/node/ /opt/pullcluster/
COPY --from=build /out/cli/pullcluster /opt/pullcluster/pullcluster
RUN ln -s /opt/pullcluster/pullcluster-node /opt/pullcluster/pullcluster /usr/local/bin/
# The CLI reads PULLCLUSTER_SOCKET too, so `pullcluster …` in the container talks to this node.
ENV PULLCLUSTER_STORE=/var/lib/pullcluster \
    PULLCLUSTER_SOCKET=/run/pullcluster/pullcluster.sock
VOLUME /var/lib/pullcluster
# --remote (cluster membership, Akka.Remote) and --http (blobs to peers), as docker-compose.yml sets them.
EXPOSE 9111 9112
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s CMD ["pullcluster", "node", "status"]
# Root: layers keep their owners and devices, and whiteouts are overlayfs's (a 0:0 device; the
# trusted.overlay.opaque xattr, which needs CAP_SYS_ADMIN: docker-compose.yml adds it).
ENTRYPOINT ["pullcluster-node"]
